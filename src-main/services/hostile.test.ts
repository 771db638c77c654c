// Hostile project folders (issue 13's probes): a project.json that marks an outside path as "chosen", a dataset
// that is a link out of the project, a FIFO as a dataset or as project.json, run folders and run files that are
// links out of the project. Nothing outside the project is read, nothing blocks; and two studios on one project
// lose neither datasets nor runs. Real files, real links, real FIFOs, real processes.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StudioService } from './studio';

const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-hostile-'));
const root = join(import.meta.dirname, '../..');
const outside = join(tmp, 'outside-secret.txt');
writeFileSync(outside, 'secret line one\nsecret line two\n'.repeat(50));

function project(name: string, datasets: object[]): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'datasets'), { recursive: true });
  writeFileSync(join(dir, 'project.json'), JSON.stringify({ format: 'sequence-studio-project', version: 1, name, datasets }));
  return dir;
}
const mkfifo = (path: string): void => {
  expect(spawnSync('mkfifo', [path]).status).toBe(0);
};

describe('a hostile project folder', () => {
  it('does not read an outside file that project.json marks as chosen; a file the person chose is remembered by the app', async () => {
    const dir = project('chosen', [{ id: 'd', name: 'hostname', origin: 'chosen', bytes: 1, file: outside }]);
    const state = join(tmp, 'app-state');
    const s = new StudioService({ projectDir: dir, version: '1', stateDir: state });
    await expect(s.inspectDataset('d', 'auto')).rejects.toThrow(/points outside the project folder .* not chosen for this project on this machine/);
    // the person chooses it with the dialog: now it is read, and remembered for this project only
    const chooser = new StudioService({ projectDir: dir, version: '1', stateDir: state, chooseFile: async () => outside });
    const chosen = await chooser.chooseDatasetFile();
    expect((await chooser.inspectDataset(chosen!.id, 'text')).format).toBe('text');
    const other = project('other', [{ id: 'd', name: 'x', origin: 'chosen', bytes: 1, file: outside }]);
    await expect(new StudioService({ projectDir: other, version: '1', stateDir: state }).inspectDataset('d', 'auto')).rejects.toThrow(/not chosen for this project/);
  });

  it('does not follow a dataset link out of the project', async () => {
    const dir = project('link', [{ id: 'notes', name: 'notes.txt', origin: 'dropped', bytes: 1, file: 'datasets/notes.txt' }]);
    symlinkSync(outside, join(dir, 'datasets/notes.txt'));
    const s = new StudioService({ projectDir: dir, version: '1' });
    await expect(s.inspectDataset('notes', 'auto')).rejects.toThrow(/dataset "notes": its path "datasets\/notes\.txt" leads outside the project folder .* through a symbolic link/);
    // a link inside the project is fine
    writeFileSync(join(dir, 'datasets/real.txt'), 'inside the project\n'.repeat(100));
    symlinkSync(join(dir, 'datasets/real.txt'), join(dir, 'datasets/alias.txt'));
    const ok = project('link-ok', [{ id: 'a', name: 'alias.txt', origin: 'dropped', bytes: 1, file: 'datasets/alias.txt' }]);
    writeFileSync(join(ok, 'datasets/real.txt'), 'inside the project\n'.repeat(100));
    symlinkSync('real.txt', join(ok, 'datasets/alias.txt'));
    expect((await new StudioService({ projectDir: ok, version: '1' }).inspectDataset('a', 'text')).format).toBe('text');
  });

  it('refuses a FIFO as a dataset, by name, without blocking', async () => {
    const dir = project('fifo', [{ id: 'p', name: 'pipe.txt', origin: 'dropped', bytes: 1, file: 'datasets/pipe.txt' }]);
    mkfifo(join(dir, 'datasets/pipe.txt'));
    const s = new StudioService({ projectDir: dir, version: '1' });
    await expect(s.inspectDataset('p', 'auto')).rejects.toThrow(/pipe\.txt.*named pipe \(FIFO\), not a regular file/);
  }, 15_000);

  it('refuses a FIFO as project.json, by name, without blocking', () => {
    const dir = join(tmp, 'fifo-project');
    mkdirSync(dir);
    mkfifo(join(dir, 'project.json'));
    // in a child process: before the fix the read blocks forever (a synchronous read cannot be timed out in here)
    const r = spawnSync(process.execPath, [join(root, 'out/main/serve.js'), '--project', dir, '--port', '0'], { encoding: 'utf8', timeout: 15_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/project\.json is a named pipe \(FIFO\), not a regular file/);
  }, 20_000);

  it('lists no run folder that is a link out of the project, and reads no run file through such a link', async () => {
    const dir = project('runs', []);
    const s = new StudioService({ projectDir: dir, version: '1' });
    const elsewhere = join(tmp, 'elsewhere-run');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'request.json'), JSON.stringify({ format: 'sequence-studio-run-request', version: 1, id: 'x', name: 'planted', datasetId: 'd', datasetName: 'd', createdAt: '', data: {}, model: {}, settings: { steps: 1 } }));
    mkdirSync(join(dir, 'runs'), { recursive: true });
    symlinkSync(elsewhere, join(dir, 'runs/planted'));
    expect((await s.listRuns()).map((r) => r.name)).not.toContain('planted');
    await expect(s.runHistory('planted')).rejects.toThrow(/leads outside the project folder/);
    // a real run folder whose metrics.jsonl is a link to an outside file: its history is empty, not the file
    const real = join(dir, 'runs/real');
    mkdirSync(real);
    writeFileSync(join(real, 'request.json'), readFileSync(join(elsewhere, 'request.json')));
    writeFileSync(outside + '.jsonl', JSON.stringify({ type: 'step', step: 1, loss: 42 }) + '\n');
    symlinkSync(outside + '.jsonl', join(real, 'metrics.jsonl'));
    expect((await s.runHistory('real')).events).toEqual([]);
  });
});

describe('two studios on one project', () => {
  it('lose neither one\u2019s datasets when the other saves', async () => {
    const dir = join(tmp, 'shared');
    const a = new StudioService({ projectDir: dir, version: '1' });
    const b = new StudioService({ projectDir: dir, version: '1' });
    const da = await a.addDatasetBytes('from-a.txt', new TextEncoder().encode('a '.repeat(100)));
    const db = await b.addDatasetBytes('from-b.txt', new TextEncoder().encode('b '.repeat(100)));
    await a.saveCurrent({ ...(await a.project()).current!, datasetId: da.id });
    const onDisk = JSON.parse(readFileSync(join(dir, 'project.json'), 'utf8')) as { datasets: { id: string }[] };
    expect(onDisk.datasets.map((d) => d.id)).toEqual(expect.arrayContaining([da.id, db.id]));
    expect((await a.project()).datasets.map((d) => d.id)).toContain(db.id); // a sees b's dataset
    expect(existsSync(join(dir, 'datasets/from-a.txt')) && existsSync(join(dir, 'datasets/from-b.txt'))).toBe(true);
  });

  it('two web hosts starting runs at the same moment never share a run id, and the second cannot continue the first\u2019s live run', async () => {
    const dir = join(tmp, 'two-hosts');
    const token = 'two-hosts-token-0123456789';
    const hosts = await Promise.all([0, 1].map(() => startHost(dir, token)));
    try {
      const api = async (port: number, method: string, ...args: unknown[]): Promise<{ status: number; body: { result?: unknown; error?: string } }> => {
        const r = await fetch(`http://127.0.0.1:${port}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-studio-token': token }, body: JSON.stringify({ args }) });
        return { status: r.status, body: (await r.json()) as { result?: unknown; error?: string } };
      };
      const project = (await api(hosts[0].port, 'project')).body.result as { current: { datasetId: string; data: object; model: object; settings: object } };
      const req = { datasetId: project.current.datasetId, data: project.current.data, model: { ...project.current.model, hiddenSize: 8, embedSize: 4 }, settings: { ...project.current.settings, steps: 100000, batchSize: 4, sequenceLength: 8, checkpointEvery: 5 } };
      const ids: string[] = [];
      for (let round = 0; round < 3; round++) {
        const started = await Promise.all(hosts.map((h) => api(h.port, 'startRun', req)));
        for (const r of started) {
          expect(r.status, r.body.error).toBe(200);
          ids.push((r.body.result as { id: string }).id);
        }
      }
      expect(new Set(ids).size).toBe(6);
      // a run live on host 0 (id from round 0, host 0) cannot be continued on host 1
      const live = ids[0];
      const refused = await api(hosts[1].port, 'continueRun', live);
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatch(/running in another process/);
      const listed = (await api(hosts[1].port, 'listRuns')).body.result as { id: string; status: string }[];
      expect(listed.find((r) => r.id === live)?.status).toBe('elsewhere');
      for (const [k, id] of ids.entries()) await api(hosts[k % 2].port, 'stopRun', id);
    } finally {
      for (const h of hosts) h.child.kill('SIGTERM');
      await Promise.all(hosts.map((h) => new Promise((r) => h.child.once('exit', r))));
    }
  }, 90_000);
});

/** A web host (out/main/serve.js) in its own process on `dir`; resolves once it prints its address. */
function startHost(dir: string, token: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [join(root, 'out/main/serve.js'), '--project', dir, '--port', '0'], { env: { ...process.env, SEQSTUDIO_WEB_TOKEN: token }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Open http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) ok({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => fail(new Error(`the host exited (${code}) before it was ready`)));
  });
}
