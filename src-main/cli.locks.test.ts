// `seqstudio train` as an unlucky person meets it (issue 13's probes), through the built CLI in child processes:
// two `--resume` of one folder (the second is refused while the first trains), `--out` of an existing run (refused,
// nothing changed), `--resume` of a finished run (refused, its summary kept), SIGTERM and SIGHUP (stop after the step
// like Ctrl+C, exit 0, every step logged once), `train --json | head` (no EPIPE stack trace).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from '../workers/engine/checkpoint';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'bin/seqstudio.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-cli-locks-'));
const data = join(tmp, 'text.txt');
writeFileSync(data, 'It is a truth universally acknowledged, that a single man in possession of a good fortune. '.repeat(200));
const train = (out: string, steps: number, extra: string[] = []): string[] => ['train', '--data', data, '--out', out, '--hidden', '16', '--embed', '8', '--batch', '4', '--seq-len', '16', '--steps', String(steps), '--checkpoint-every', '20', '--eval-every', '100', '--json', ...extra];
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

/** The step numbers of metrics.jsonl, in order. */
const loggedSteps = (dir: string): number[] =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{"type":"step"'))
    .map((l) => (JSON.parse(l) as { step: number }).step);

/** Starts training and resolves once it has reported `step`; returns the child. */
function startUntil(args: string[], step: number): Promise<{ child: ReturnType<typeof spawn>; exit: Promise<{ code: number | null; stderr: string }> }> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<{ code: number | null; stderr: string }>((ok) => child.on('exit', (code) => ok({ code, stderr })));
  return new Promise((ok) => {
    let buf = '';
    let resolved = false;
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const m = [...buf.matchAll(/"type":"step","step":(\d+)/g)].pop();
      if (!resolved && m && Number(m[1]) >= step) {
        resolved = true;
        ok({ child, exit });
      }
    });
    void exit.then(() => {
      if (!resolved) ok({ child, exit });
    });
  });
}

describe('train: locks, refusals and signals', () => {
  it('refuses a second --resume of a run folder while the first trains it', async () => {
    const out = join(tmp, 'twice');
    expect(run(train(out, 40)).status).toBe(0);
    const first = await startUntil(['train', '--resume', out, '--steps', '100000', '--json'], 60);
    const second = run(['train', '--resume', out, '--steps', '100000', '--json']);
    expect(second.status).toBe(2);
    expect(second.stderr).toMatch(/is being trained by another process \(pid \d+, since .*\)/);
    first.child.kill('SIGINT');
    expect((await first.exit).code).toBe(0);
    const steps = loggedSteps(out);
    expect(new Set(steps).size).toBe(steps.length); // one writer: every step once
    expect(steps).toEqual(Array.from({ length: steps.length }, (_, k) => k + 1));
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').match(/"type":"done"/g)!.length).toBe(2); // the first run's end and this one's
  }, 120_000);

  it('refuses --out of a folder that is not empty unless --resume, changing nothing', () => {
    const out = join(tmp, 'existing');
    expect(run(train(out, 20)).status).toBe(0);
    const before = readdirSync(out).map((f) => [f, readFileSync(join(out, f)).toString('base64')]);
    const r = run(train(out, 20, ['--seed', '9']));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out .*existing: the folder is not empty \(it holds a run\); give --resume to continue that run, or another --out folder \(nothing was changed\)/);
    expect(readdirSync(out).map((f) => [f, readFileSync(join(out, f)).toString('base64')])).toEqual(before);
  }, 60_000);

  it('refuses to --resume a finished run, keeping its summary', () => {
    const out = join(tmp, 'finished');
    expect(run(train(out, 20)).status).toBe(0);
    const summary = readFileSync(join(out, 'summary.json'), 'utf8');
    const r = run(['train', '--resume', out, '--json']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/already trained all its 20 steps \(its checkpoint is at step 20\): there is nothing to continue; give it more steps/);
    expect(readFileSync(join(out, 'summary.json'), 'utf8')).toBe(summary);
    expect(JSON.parse(summary).trainLoss).toEqual(expect.any(Number));
  }, 60_000);

  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`stops after the current step on ${signal}, like Ctrl+C, keeping every step`, async () => {
      const out = join(tmp, signal);
      const t = await startUntil(train(out, 100000), 30);
      t.child.kill(signal);
      const { code, stderr } = await t.exit;
      expect(code).toBe(0);
      expect(stderr).toMatch(new RegExp(`${signal}: stopping after this step`));
      const ck = readCheckpoint(join(out, 'checkpoint.bin'));
      const steps = loggedSteps(out);
      expect(steps).toEqual(Array.from({ length: ck.step }, (_, k) => k + 1)); // every step to the last, once
      expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trimEnd().split('\n').pop()).toMatch(/"type":"done","reason":"stopped"/);
    }, 60_000);
  }

  it('train --json | head ends quietly (no EPIPE stack trace), stopping the run with its checkpoint', () => {
    const out = join(tmp, 'piped');
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${cli}" ${train(out, 100000).map((a) => `'${a}'`).join(' ')} 2>"${join(tmp, 'piped.err')}" | head -n 3 >/dev/null; echo "\${PIPESTATUS[0]}"`], { encoding: 'utf8', timeout: 60_000 });
    const stderr = readFileSync(join(tmp, 'piped.err'), 'utf8');
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(r.stdout.trim()).toBe('0');
    expect(existsSync(join(out, 'checkpoint.bin'))).toBe(true);
  }, 60_000);
});
