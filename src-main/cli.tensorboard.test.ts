// The TensorBoard log of runs trained for real by the built `seqstudio train` (npm test builds first): a
// data-parallel run's log holds every step, evaluation and diagnostics of its metrics.jsonl, value for value, as
// read by the independent Python reader (tools/read_tfevents.py with /usr/bin/python3); a run killed with SIGKILL at
// random moments and continued with --resume never has a damaged record before a torn end, holds every step up to
// its checkpoint after each kill, and ends with every step once; TensorBoard's own loader (when the Python found has
// it: TENSORBOARD_PYTHON, else /usr/bin/python3) reads the same, and TensorBoard itself, started on a project's runs/
// as the README says, lists each run by its folder and serves its curves and histograms over HTTP.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from '../workers/engine/checkpoint';
import { summaryValues } from '../workers/engine/tensorboard-log';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin/seqstudio.mjs');
const PYTHON = '/usr/bin/python3';
const hasPython = existsSync(PYTHON);
if (!hasPython) console.warn(`[cli tensorboard] skipped: ${PYTHON} is not installed, so the event files have no second reader here`);
const TB_PYTHON = process.env.TENSORBOARD_PYTHON ?? PYTHON;
const hasTensorBoard = existsSync(TB_PYTHON) && spawnSync(TB_PYTHON, ['-c', 'import tensorboard']).status === 0;
if (!hasTensorBoard) console.warn(`[cli tensorboard] skipped the check with TensorBoard's own loader: ${TB_PYTHON} cannot import tensorboard (Debian has no python3-tensorboard; set TENSORBOARD_PYTHON to a Python that has it)`);
const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-cli-tb-'));
const text = join(tmp, 'text.txt');
writeFileSync(text, 'It is a truth universally acknowledged, that a single man in possession of a good fortune. '.repeat(300));

type Read = { name: string; torn: number; events: { step: number; values?: { tag: string; simple_value?: number | string; histo?: { num: number; bucket: number[] } }[] }[] }[];

function pyRead(dir: string): Read {
  const r = spawnSync(PYTHON, [join(root, 'tools/read_tfevents.py'), dir], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`read_tfevents.py: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { files: Read }).files;
}

/** (step, tag) → value across the files in order; a (step, tag) logged twice fails. */
function logged(files: Read): Map<string, number | string | { num: number }> {
  const out = new Map<string, number | string | { num: number }>();
  for (const f of files)
    for (const e of f.events)
      for (const v of e.values ?? []) {
        const key = `${e.step} ${v.tag}`;
        expect(out.has(key), `${key} logged twice`).toBe(false);
        out.set(key, v.simple_value ?? v.histo!);
      }
  return out;
}

function metricsEvents(dir: string): { type: string; step: number }[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as { type: string; step: number }];
      } catch {
        return []; // the torn last line of a kill
      }
    });
}

/** Every value of metrics.jsonl's events is in the log, equal (float32); and the log holds nothing else. */
function expectSame(files: Read, events: object[]): number {
  const got = logged(files);
  let n = 0;
  for (const e of events)
    for (const v of summaryValues(e)) {
      const key = `${(e as { step: number }).step} ${v.tag}`;
      if ('value' in v) expect(got.get(key), key).toBe(Math.fround(v.value));
      else expect(got.get(key), key).toMatchObject({ num: v.histogram.num, bucket: v.histogram.bucket });
      n++;
    }
  expect(got.size).toBe(n);
  return n;
}

function trainAndKill(args: string[], atStep: number): Promise<number> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let seen = 0;
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const l of lines) {
        const m = /^\{"type":"step","step":(\d+)/.exec(l);
        if (m) seen = Number(m[1]);
      }
      if (seen >= atStep && !child.killed) setTimeout(() => child.kill('SIGKILL'), Math.random() * 30);
    });
    child.on('exit', () => ok(seen));
  });
}

describe.skipIf(!hasPython)('seqstudio train writes a TensorBoard log', () => {
  it('a data-parallel run: every step, evaluation and per-tensor diagnostics of metrics.jsonl, value for value', () => {
    expect(existsSync(join(root, 'out/main/cli.js')), 'build first: npm run build').toBe(true);
    const out = join(tmp, 'parallel');
    const r = spawnSync(process.execPath, [bin, 'train', '--data', text, '--out', out, '--cell', 'gru', '--hidden', '24', '--batch', '8', '--steps', '120', '--workers', '2', '--eval-every', '40', '--diagnostics-every', '10', '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const files = pyRead(out);
    expect(files).toHaveLength(1);
    expect(files[0].torn).toBe(0);
    const events = metricsEvents(out);
    const n = expectSame(files, events);
    const tags = new Set([...logged(files).keys()].map((k) => k.split(' ')[1]));
    for (const t of ['train/loss', 'train/learning_rate', 'train/grad_norm_before_clip', 'train/grad_norm_after_clip', 'val/loss', 'val/perplexity', 'val/accuracy', 'grad_norm/per_tensor']) expect(tags.has(t), t).toBe(true);
    expect([...tags].filter((t) => t.startsWith('grad_norm/l')).length).toBeGreaterThan(2);
    console.log(`[cli tensorboard] 2 workers, 120 steps: ${n} values in ${files[0].name}, equal to metrics.jsonl`);
  }, 120_000);

  it('kill -9 at random moments and --resume: no damaged record, every step to the checkpoint after each kill, once at the end', async () => {
    const out = join(tmp, 'killed');
    const STEPS = 900;
    const flags = ['train', '--data', text, '--out', out, '--cell', 'lstm', '--hidden', '48', '--embed', '16', '--batch', '8', '--seq-len', '32', '--steps', String(STEPS), '--checkpoint-every', '50', '--eval-every', '100', '--diagnostics-every', '25', '--seed', '3', '--json'];
    const kills: number[] = [];
    for (const target of [170, 420, 690]) {
      const at = await trainAndKill(kills.length ? [...flags, '--resume'] : flags, target);
      kills.push(at);
      if (at >= STEPS) break;
      const ck = readCheckpoint(join(out, 'checkpoint.bin')).step;
      const files = pyRead(out); // fails on any record with a wrong CRC before a torn end
      const steps = new Set(files.flatMap((f) => f.events.filter((e) => e.values?.some((v) => v.tag === 'train/loss')).map((e) => e.step)));
      for (let s = 1; s <= ck; s++) expect(steps.has(s), `step ${s} of checkpoint ${ck}`).toBe(true);
    }
    expect(kills.filter((k) => k < STEPS).length).toBeGreaterThanOrEqual(2);
    const fin = spawnSync(process.execPath, [bin, 'train', '--resume', out, '--json'], { encoding: 'utf8' });
    expect(fin.status, fin.stderr).toBe(0);
    const files = pyRead(out);
    for (const f of files) expect(f.torn, f.name).toBe(0);
    const stepsLogged = files.flatMap((f) => f.events.filter((e) => e.values?.some((v) => v.tag === 'train/loss')).map((e) => e.step));
    expect(stepsLogged).toEqual(Array.from({ length: STEPS }, (_, k) => k + 1)); // once each, in order across the files
    expectSame(files, metricsEvents(out));
    console.log(`[cli tensorboard] kill -9 at steps ${kills.join(', ')}; ${files.length} event files, every step 1–${STEPS} once, equal to metrics.jsonl`);

    if (!hasTensorBoard) return;
    const tb = spawnSync(TB_PYTHON, [join(root, 'tools/tensorboard_read.py'), out], { encoding: 'utf8', timeout: 120_000 });
    expect(tb.status, tb.stderr).toBe(0);
    const read = JSON.parse(tb.stdout) as { scalars: Record<string, [number, number][]>; histograms: Record<string, [number, unknown][]> };
    expect(read.scalars['train/loss'].map(([s]) => s)).toEqual(stepsLogged);
    const want = logged(files);
    for (const [tag, series] of Object.entries(read.scalars)) for (const [s, v] of series) expect(v, `${s} ${tag}`).toBe(want.get(`${s} ${tag}`));
    expect(read.histograms['grad_norm/per_tensor'].map(([s]) => s)).toEqual([1, ...Array.from({ length: STEPS / 25 }, (_, k) => (k + 1) * 25)]);
    console.log(`[cli tensorboard] TensorBoard's loader: ${Object.keys(read.scalars).length} scalar tags, ${read.scalars['train/loss'].length} steps of train/loss, each once`);
  }, 180_000);

  it.skipIf(!hasTensorBoard)('TensorBoard on PROJECT/runs lists each run by its folder and serves its scalars and histograms', async () => {
    const runs = join(tmp, 'project', 'runs');
    mkdirSync(runs, { recursive: true });
    for (const [name, cell] of [['lstm-run', 'lstm'], ['gru-run', 'gru']]) {
      const r = spawnSync(process.execPath, [bin, 'train', '--data', text, '--out', join(runs, name), '--cell', cell, '--hidden', '16', '--steps', '60', '--eval-every', '20', '--diagnostics-every', '10', '--json'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
    // tensorboard --logdir PROJECT/runs, on a free port
    const server: ChildProcess = spawn(TB_PYTHON, ['-m', 'tensorboard.main', '--logdir', runs, '--port', '0', '--host', '127.0.0.1', '--reload_interval', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((ok, fail) => {
        let said = '';
        const hear = (chunk: Buffer): void => {
          said += chunk.toString();
          const m = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(said);
          if (m) ok(m[1]);
        };
        server.stdout!.on('data', hear);
        server.stderr!.on('data', hear);
        server.on('exit', (code) => fail(new Error(`tensorboard exited (${code}): ${said}`)));
      });
      const get = async (path: string): Promise<unknown> => (await fetch(url + path)).json();
      let listed: string[] = [];
      for (let t = 0; t < 60 && listed.length < 2; t++) {
        listed = (await get('/data/runs')) as string[];
        if (listed.length < 2) await new Promise((r) => setTimeout(r, 500));
      }
      expect(listed.sort()).toEqual(['gru-run', 'lstm-run']);
      for (const name of listed) {
        const events = metricsEvents(join(runs, name));
        const losses = events.filter((e) => e.type === 'step').map((e) => [e.step, Math.fround((e as unknown as { loss: number }).loss)]);
        const served = (await get(`/data/plugin/scalars/scalars?run=${name}&tag=train/loss`)) as [number, number, number][];
        expect(served.map(([, step, value]) => [step, value])).toEqual(losses);
        const val = (await get(`/data/plugin/scalars/scalars?run=${name}&tag=val/perplexity`)) as [number, number, number][];
        expect(val.map(([, step]) => step)).toEqual([0, 20, 40, 60]);
        const histograms = (await get(`/data/plugin/histograms/histograms?run=${name}&tag=grad_norm/per_tensor`)) as [number, number, [number, number, number][]][];
        const diagnostics = events.filter((e) => e.type === 'diagnostics') as unknown as { step: number; tensorNorms: unknown[] }[];
        expect(histograms.map(([, step]) => step)).toEqual(diagnostics.map((d) => d.step));
        for (const [i, [, , buckets]] of histograms.entries()) expect(buckets.reduce((n, b) => n + b[2], 0)).toBe(diagnostics[i].tensorNorms.length);
      }
      console.log(`[cli tensorboard] TensorBoard's server at ${url} lists ${listed.join(', ')} and serves their train/loss, val/perplexity and grad_norm/per_tensor as metrics.jsonl has them`);
    } finally {
      server.kill();
    }
  }, 120_000);
});
