// Runs trained with `seqstudio train` inside a project are the project's runs: the built CLI (npm test builds first)
// trains into <project>/runs/, and the studio service lists the run under the name it gives its own runs, with its
// dataset, history and summary, and continues it; a folder the CLI of an earlier version wrote (run.json, no
// request.json) is listed too, named by its data file, and one trained on a file outside the project is listed but
// continued only from the command line.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRequest } from '../../workers/engine/run-folder';
import { StudioService } from './studio';

const root = join(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-cli-runs-'));

function cli(cwd: string, ...args: string[]): { code: number; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/seqstudio.mjs'), ...args], { encoding: 'utf8', cwd, timeout: 120_000 });
  return { code: r.status ?? -1, stderr: r.stderr };
}
const small = ['--hidden', '12', '--embed', '8', '--batch', '4', '--seq-len', '16', '--steps', '20', '--eval-every', '10', '--json'];

describe('runs from the command line in a project', () => {
  it('are listed by the studio, named as its own runs, with their dataset, history and summary, and continue there', async () => {
    const dir = join(tmp, 'project');
    const studio = new StudioService({ projectDir: dir, version: '1' }); // a new project on the bundled sample
    const dataset = (await studio.project()).datasets[0];
    // `seqstudio train` in the project folder, writing runs/<time>-gru (the default run folder)
    expect(cli(dir, 'train', '--data', join(dir, 'datasets', dataset.name), '--cell', 'gru', ...small).code).toBe(0);
    const runs = await studio.listRuns();
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(run).toMatchObject({ name: `GRU 1×12 on ${dataset.name}`, datasetId: dataset.id, datasetName: dataset.name, status: 'finished', step: 20, totalSteps: 20, resumable: true });
    expect(run.id).toMatch(/^\d{4}-\d\d-\d\dT.*-gru$/);
    expect(run.summary?.steps).toBe(20);
    expect(readRequest(join(dir, 'runs', run.id))).toMatchObject({ origin: 'cli', version: 2, datasetId: dataset.id });
    expect((await studio.runHistory(run.id)).events.filter((e) => e.type === 'step')).toHaveLength(20);
    // the studio continues it (more steps: a fork with the same batch and sequence length)
    const fork = await studio.forkRun(run.id, { ...run.settings, steps: 30 });
    expect(fork.name).toBe(`GRU 1×12 on ${dataset.name} · fork @20`);
    await studio.close();
  });

  it('lists a run an earlier CLI wrote (run.json, no request.json), and one on a file outside the project, which it continues only on the command line', async () => {
    const dir = join(tmp, 'project2');
    new StudioService({ projectDir: dir, version: '1' });
    const outside = join(tmp, 'elsewhere.txt');
    writeFileSync(outside, 'the quick brown fox jumps over the lazy dog. '.repeat(60));
    expect(cli(tmp, 'train', '--data', outside, '--out', join(dir, 'runs', 'outside'), ...small).code).toBe(0);
    // the same run as the earlier CLI left it: without request.json
    cpSync(join(dir, 'runs', 'outside'), join(dir, 'runs', 'older'), { recursive: true });
    rmSync(join(dir, 'runs', 'older', 'request.json'));
    const studio = new StudioService({ projectDir: dir, version: '1' });
    const runs = await studio.listRuns();
    expect(runs.map((r) => [r.id, r.name, r.datasetName, r.datasetId, r.status])).toEqual([
      ['older', 'LSTM 1×12 on elsewhere.txt', 'elsewhere.txt', '', 'finished'],
      ['outside', 'LSTM 1×12 on elsewhere.txt', 'elsewhere.txt', '', 'finished'],
    ]);
    await expect(studio.continueRun('outside')).rejects.toThrow(/made on the command line on .*elsewhere\.txt, outside this project; continue it there \(seqstudio train --resume/);
    await studio.close();
  });
});
