// The training bundle end to end, with the real things: runs trained by the run service (worker threads), bundled
// (the bundle job), then /usr/bin/python3 train.py --check against the studio's own metrics for a char model, a
// forecaster and a tagger (and an encoder–decoder), /usr/bin/torchrun with 2 processes (gloo) against 1 process at the
// full batch, the output imported as a run and exported to ONNX, verified in onnxruntime. Skipped, with the reason,
// where /usr/bin/python3 or its torch is missing.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src-shared/errors';
import { DEFAULT_TRAIN_SETTINGS, type TrainSettings } from '../../src-shared/model';
import { dataRequestOf, type ModelChoice } from '../../src-shared/dataset';
import { readEvents, readRecord, readRequest, readSummary } from '../../workers/engine/run-folder';
import { readCheckpoint } from '../../workers/engine/checkpoint';
import { decodeSafetensors } from '../../workers/bundle/safetensors';
import { bundleRun, importRun } from './bundle';
import { exportRun } from './export';
import { startRun } from './runs';
import { StudioService } from './studio';

const PYTHON = '/usr/bin/python3';
const TORCHRUN = '/usr/bin/torchrun';
/** Why the Python half cannot run here, or undefined when it can. */
const missing = ((): string | undefined => {
  if (!existsSync(PYTHON)) return `${PYTHON} is absent`;
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0) return `${PYTHON} has no torch (apt-get install python3-torch)`;
  return undefined;
})();
if (missing) console.warn(`bundle.test.ts: skipping the PyTorch checks: ${missing}`);

const samples = join(import.meta.dirname, '../../resources/samples');
const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-bundle-'));
/** torch runs with OpenBLAS's own choice of kernels (the machine's tuning variables would change its sums). */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OPENBLAS_')));

function python(cwd: string, args: string[], timeout = 240_000) {
  const r = spawnSync(PYTHON, args, { cwd, env, encoding: 'utf8', timeout });
  return { status: r.status, out: r.stdout + r.stderr };
}

async function train(name: string, data: { path: string; [k: string]: unknown }, model: Partial<ModelChoice>, settings: Partial<TrainSettings>, workers = 1): Promise<string> {
  const runDir = join(tmp, name);
  const handle = startRun({
    runDir,
    data: { format: 'auto', valFraction: 0.2, ...data },
    model: { cell: 'lstm', layers: 1, hiddenSize: 16, embedSize: 0, bidirectional: false, dropout: 0, forgetBias: 1, ...model },
    settings: { ...DEFAULT_TRAIN_SETTINGS, evaluateEvery: 25, diagnosticsEvery: 10, ...settings },
    workers,
  });
  expect((await handle.done).reason).toBe('finished');
  return runDir;
}

/** train.py --check K's verdict line. */
function check(bundle: string, steps: number) {
  const r = python(bundle, ['train.py', '--check', String(steps)]);
  const line = r.out.split('\n').find((l) => l.startsWith('{"type": "check"'));
  expect(line, r.out).toBeDefined();
  console.log(`${bundle}: ${r.out.split('\n').filter((l) => l.includes('largest')).join(' |')}`);
  return { status: r.status, verdict: JSON.parse(line!) as { ok: boolean; maxLossDiff: number; maxGradNormDiff: number; steps: number } };
}

function stepEvents(file: string): Map<number, { loss: number; gradNorm: number }> {
  const out = new Map<number, { loss: number; gradNorm: number }>();
  for (const line of readFileSync(file, 'utf8').split('\n')) if (line.trim()) {
    const e = JSON.parse(line);
    if (e.type === 'step') out.set(e.step, e);
  }
  return out;
}

describe('training bundle', () => {
  it('writes a self-contained folder: the sources, the studio\'s initial weights and batches in safetensors, its metrics', async () => {
    const text = join(tmp, 'shakespeare.txt');
    writeFileSync(text, readFileSync(join(samples, 'tinyshakespeare.txt'), 'utf8').slice(0, 30_000));
    const runDir = await train('char', { path: text }, { cell: 'lstm', layers: 2, hiddenSize: 24, dropout: 0.2 }, { steps: 60, batchSize: 8, sequenceLength: 32, checkpointEvery: 0 }, 2);
    const out = join(tmp, 'char-bundle');
    const r = await bundleRun(runDir, out);
    expect(readdirSync(out).sort()).toEqual(['.gitignore', 'README.md', 'bundle.json', 'data.safetensors', 'model.py', 'requirements.txt', 'studio', 'studio_io.py', 'train.py', 'weights.safetensors']);
    expect(r).toMatchObject({ steps: 60, validationBatches: expect.any(Number) });
    const bundle = JSON.parse(readFileSync(join(out, 'bundle.json'), 'utf8'));
    expect(bundle).toMatchObject({ format: 'sequence-studio-training-bundle', studioWorkers: 2, cell: { gates: ['i', 'f', 'g', 'o'] }, data: { stateful: true } });
    const weights = decodeSafetensors(readFileSync(join(out, 'weights.safetensors')), 'weights');
    expect(Object.keys(weights.tensors)).toEqual(bundle.layout.map((t: { name: string }) => t.name));
    expect(weights.tensors['l0.Wh'].shape).toEqual([96, 24]);
    const data = decodeSafetensors(readFileSync(join(out, 'data.safetensors')), 'data').tensors;
    expect(data['train.order'].shape).toEqual([60]);
    expect(data['train.tokens'].shape.slice(1)).toEqual([32, 8]);
    expect(data['train.maskSeeds'].shape).toEqual([60, 2]);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toMatch(/torchrun --standalone --nproc_per_node 2/);
    expect(readFileSync(join(out, 'requirements.txt'), 'utf8')).toMatch(/^torch==1\.13\.1$/m);
    await expect(bundleRun(runDir, out)).rejects.toThrow(/not empty/);
    await expect(bundleRun(join(tmp, 'nowhere'), join(tmp, 'x'))).rejects.toThrow(InputError);
  });

  it.skipIf(missing)('train.py --check agrees with the studio over 50 steps: char model, forecaster, tagger; and an encoder–decoder LSTM', async () => {
    const runs: [string, string, number][] = [[join(tmp, 'char-bundle'), 'char', 50]];
    const fc = await train('forecast', { path: join(samples, 'co2-weekly.csv') }, { cell: 'peephole', layers: 2, hiddenSize: 16, dropout: 0.1 }, { steps: 50, batchSize: 16 });
    const conll = join(tmp, 'ner.conll');
    writeFileSync(conll, readFileSync(join(samples, 'wnut17-ner.conll'), 'utf8').split('\n').slice(0, 3000).join('\n') + '\n');
    const tag = await train('tagger', { path: conll }, { cell: 'gru', layers: 2, hiddenSize: 16, bidirectional: true, dropout: 0.2 }, { steps: 50, batchSize: 16, evaluateEvery: 20 });
    const pairs = join(tmp, 'pairs.tsv');
    writeFileSync(pairs, readFileSync(join(samples, 'eng-fra.tsv'), 'utf8').split('\n').slice(0, 300).join('\n') + '\n');
    const seq = await train('pairs', { path: pairs }, { cell: 'lstm', layers: 2, hiddenSize: 16, bidirectional: true, dropout: 0.1 }, { steps: 20, batchSize: 16 });
    for (const [dir, name, steps] of [[fc, 'forecast', 50], [tag, 'tagger', 50], [seq, 'pairs', 20]] as const) {
      await bundleRun(dir, join(tmp, `${name}-bundle`));
      runs.push([join(tmp, `${name}-bundle`), name, steps]);
    }
    for (const [dir, , steps] of runs) {
      const { status, verdict } = check(dir, steps);
      expect(verdict).toMatchObject({ ok: true, steps });
      expect(verdict.maxLossDiff).toBeLessThan(1e-4);
      expect(status).toBe(0);
    }
  }, 600_000);

  it.skipIf(missing)('--check agrees on encoder–decoder models with attention: Bahdanau, Luong general and Luong dot', async () => {
    const pairs = join(tmp, 'pairs-att.tsv');
    writeFileSync(pairs, readFileSync(join(samples, 'eng-fra.tsv'), 'utf8').split('\n').slice(0, 300).join('\n') + '\n');
    const cases = [
      ['bahdanau', { cell: 'lstm', layers: 2, hiddenSize: 12, bidirectional: true, dropout: 0.1, attention: 'bahdanau' }],
      ['luong-general', { cell: 'gru', layers: 1, hiddenSize: 12, bidirectional: true, attention: 'luong-general' }],
      ['luong-dot', { cell: 'peephole', layers: 1, hiddenSize: 12, attention: 'luong-dot' }],
    ] as const;
    for (const [name, model] of cases) {
      const runDir = await train(`att-${name}`, { path: pairs }, model, { steps: 20, batchSize: 16 });
      expect(readRecord(runDir).spec.attention).toBe(name);
      const out = `${runDir}-bundle`;
      await bundleRun(runDir, out);
      expect(JSON.parse(readFileSync(join(out, 'bundle.json'), 'utf8')).spec.attention).toBe(name);
      const { status, verdict } = check(out, 20);
      expect(verdict).toMatchObject({ ok: true, steps: 20 });
      expect(verdict.maxLossDiff).toBeLessThan(1e-4);
      expect(status).toBe(0);
    }
  }, 300_000);

  it.skipIf(missing)('--check agrees on the other shapes: a bidirectional classifier of padded sentences, one-to-many, one-to-one (tanh RNN)', async () => {
    const runs = [
      await train('classify', { path: join(samples, 'sentiment-yelp.tsv') }, { cell: 'lstm', layers: 2, hiddenSize: 12, bidirectional: true, dropout: 0.1 }, { steps: 20, batchSize: 16 }),
      await train('one-to-many', { path: join(samples, 'sentiment-yelp.tsv'), shape: 'one-to-many' }, { cell: 'gru', layers: 2, hiddenSize: 12, dropout: 0.1 }, { steps: 20, batchSize: 16 }),
      await train('one-to-one', { path: join(samples, 'us-macro.csv'), shape: 'one-to-one' }, { cell: 'rnn', hiddenSize: 12 }, { steps: 20, batchSize: 16 }),
    ];
    for (const runDir of runs) {
      const out = `${runDir}-bundle`;
      await bundleRun(runDir, out);
      expect(JSON.parse(readFileSync(join(out, 'bundle.json'), 'utf8')).spec.shape).toBe(readRecord(runDir).spec.shape);
      const { status, verdict } = check(out, 20);
      expect(verdict).toMatchObject({ ok: true, steps: 20 });
      expect(status).toBe(0);
    }
  }, 300_000);

  it.skipIf(missing)('train.py\'s telemetry is the studio\'s: per-tensor and per-gate norms, ‖∂L/∂hₜ‖ through time, gates, evaluations', async () => {
    // the tagger: a bidirectional GRU on padded sentences, trained by the studio on one worker
    const dir = join(tmp, 'tagger-bundle');
    const r = python(dir, ['train.py', '--steps', '20', '--out', 'diag']);
    expect(r.status, r.out).toBe(0);
    const events = (file: string, type: string) => new Map(readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)).filter((e) => e.type === type).map((e) => [e.step, e]));
    const ours = events(join(dir, 'diag', 'metrics.jsonl'), 'diagnostics');
    const studio = events(join(dir, 'studio', 'metrics.jsonl'), 'diagnostics');
    expect([...ours.keys()]).toEqual([1, 10, 20]);
    const close = (a: number, b: number, what: string) => expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-6 + 1e-4 * Math.abs(b));
    for (const [step, d] of ours) {
      const s = studio.get(step)!;
      expect(d.tensorNorms.map((t: { name: string }) => t.name)).toEqual(s.tensorNorms.map((t: { name: string }) => t.name));
      d.tensorNorms.forEach((t: { name: string; norm: number }, i: number) => close(t.norm, s.tensorNorms[i].norm, `step ${step} ${t.name}`));
      d.gateGradNorms.forEach((g: { gate: string; norm: number }, i: number) => close(g.norm, s.gateGradNorms[i].norm, `step ${step} gate ${g.gate}`));
      expect(d.gradientFlow).toHaveLength(4); // 2 layers × 2 directions
      d.gradientFlow.forEach((f: { norms: number[] }, i: number) => f.norms.forEach((n, t) => close(n, s.gradientFlow[i].norms[t], `step ${step} flow ${i} t=${t}`)));
      d.gates.forEach((g: { mean: number; saturated: number }, i: number) => {
        close(g.mean, s.gates[i].mean, `step ${step} gate mean ${i}`);
        close(g.saturated, s.gates[i].saturated, `step ${step} saturated ${i}`);
      });
    }
    const evals = events(join(dir, 'diag', 'metrics.jsonl'), 'evaluation');
    const studioEvals = events(join(dir, 'studio', 'metrics.jsonl'), 'evaluation');
    for (const step of [0, 20]) {
      close(evals.get(step).valLoss, studioEvals.get(step).valLoss, `validation loss at step ${step}`);
      close(evals.get(step).metrics.accuracy, studioEvals.get(step).metrics.accuracy, `accuracy at step ${step}`);
    }
    // imported, the run is judged by the studio's own figures too (entity F1: train.py does not compute it)
    const imported = await importRun(join(dir, 'diag'), join(tmp, 'runs', 'tagger-imported'));
    close(imported.metrics.entityF1, studioEvals.get(20).metrics.entityF1, 'entity F1 at step 20');
    expect(readSummary(imported.runDir)!.metrics).toMatchObject({ entityF1: imported.metrics.entityF1, accuracy: expect.any(Number) });
  }, 240_000);

  it.skipIf(missing)('--check fails loudly when the run is not the studio\'s', () => {
    const dir = join(tmp, 'char-bundle');
    const metrics = join(dir, 'studio', 'metrics.jsonl');
    const original = readFileSync(metrics, 'utf8');
    // the studio's record with step 7's loss moved by 1 %
    writeFileSync(metrics, original.split('\n').map((l) => (l.includes('"type":"step","step":7,') ? l.replace(/"loss":([0-9.]+)/, (_, v) => `"loss":${Number(v) * 1.01}`) : l)).join('\n'));
    try {
      const { status, verdict } = check(dir, 10);
      expect(verdict.ok).toBe(false);
      expect(status).toBe(1);
    } finally {
      writeFileSync(metrics, original);
    }
  }, 120_000);

  it.skipIf(missing || !existsSync(TORCHRUN))('torchrun with 2 processes follows 1 process at the full batch; the output imports as a run and exports to ONNX', async () => {
    const dir = join(tmp, 'char-bundle');
    const one = python(dir, ['train.py', '--steps', '30', '--out', 'one']);
    expect(one.status, one.out).toBe(0);
    // --redirects/--tee: torch 1.13's torchrun cannot parse their default (0) on Python 3.11 (README.md)
    const two = spawnSync(TORCHRUN, ['--standalone', '--nproc_per_node', '2', '--redirects', '2', '--tee', '2', 'train.py', '--steps', '30', '--out', 'two'], { cwd: dir, env, encoding: 'utf8', timeout: 300_000 });
    expect(two.status, two.stdout + two.stderr).toBe(0);
    const a = stepEvents(join(dir, 'one', 'metrics.jsonl'));
    const b = stepEvents(join(dir, 'two', 'metrics.jsonl'));
    expect(b.size).toBe(30);
    let worst = 0;
    for (const [step, e] of a) worst = Math.max(worst, Math.abs(e.loss - b.get(step)!.loss));
    console.log(`torchrun 2 processes vs 1: largest loss difference ${worst.toExponential(2)} over 30 steps`);
    expect(worst).toBeLessThan(1e-5);
    const twoEvents = readFileSync(join(dir, 'two', 'metrics.jsonl'), 'utf8');
    expect(twoEvents).toMatch(/"type":"diagnostics".*"gradientFlow"/);
    expect(twoEvents).toMatch(/"type":"evaluation","step":30/);

    // import: a run folder of the project, its curves, checkpoint and records through the run-folder module
    const runDir = join(tmp, 'runs', 'imported');
    const imported = await importRun(join(dir, 'two'), runDir);
    expect(imported).toMatchObject({ steps: 30, processes: 2, warnings: [] });
    // the studio's own evaluation of the imported weights agrees with train.py's
    const last = readEvents(runDir).findLast((e) => e.type === 'evaluation');
    expect(last).toMatchObject({ step: 30 });
    expect(Math.abs(imported.metrics.perplexity - Math.exp(imported.valLoss))).toBeLessThan(1e-4 * imported.metrics.perplexity);
    expect(readRequest(runDir)).toMatchObject({ origin: 'pytorch', name: expect.stringMatching(/PyTorch \(2 processes/) });
    expect(readRecord(runDir).settings.steps).toBe(30);
    expect(readSummary(runDir)).toMatchObject({ steps: 30, stopReason: 'finished' });
    expect(readEvents(runDir).filter((e) => e.type === 'step')).toHaveLength(30);
    expect(readCheckpoint(join(runDir, 'checkpoint.bin')).step).toBe(30);
    // like every run folder, it has a TensorBoard log of its curves: each step's loss once, read back independently
    const tb = spawnSync('/usr/bin/python3', [join(import.meta.dirname, '../../tools/read_tfevents.py'), runDir], { encoding: 'utf8' });
    expect(tb.status, tb.stderr).toBe(0);
    const losses = (JSON.parse(tb.stdout).files as { events: { step: number; values?: { tag: string }[] }[] }[]).flatMap((f) => f.events).filter((e) => e.values?.some((v) => v.tag === 'train/loss'));
    expect(losses.map((e) => e.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    await expect(importRun(join(dir, 'two'), runDir)).rejects.toThrow(/not empty/);
    await expect(importRun(dir, join(tmp, 'runs', 'wrong'))).rejects.toThrow(/not the output folder of a training bundle|not finished/);

    // continued in the studio from the imported checkpoint (weights, Adam moments, data position, carried state), the
    // run goes on as the studio's own run of 60 steps did
    const record = readRecord(runDir);
    expect(readCheckpoint(join(runDir, 'checkpoint.bin')).carryH).toHaveLength(2 * 8 * 24); // (L·D, B, H)
    const resumed = startRun({ runDir, data: dataRequestOf(record.data), model: record.model, settings: { ...record.settings, steps: 60 }, resume: true, workers: record.workers });
    expect((await resumed.done).reason).toBe('finished');
    const studioRun = stepEvents(join(tmp, 'char', 'metrics.jsonl'));
    const continued = stepEvents(join(runDir, 'metrics.jsonl'));
    let after = 0;
    for (let step = 31; step <= 60; step++) after = Math.max(after, Math.abs(continued.get(step)!.loss - studioRun.get(step)!.loss));
    console.log(`imported at step 30, continued in the studio to 60: largest loss difference from the studio's own run ${after.toExponential(2)}`);
    expect(after).toBeLessThan(1e-5);

    // the studio imports only from inside its project (the web host's page names the folder)
    const service = new StudioService({ projectDir: join(tmp, 'project'), version: '1.0.0', importRun });
    try {
      const inside = join(tmp, 'project', 'bundles', 'char', 'output');
      cpSync(join(dir, 'two'), inside, { recursive: true });
      const info = await service.importRun('bundles/char/output');
      expect(info).toMatchObject({ status: 'finished', step: 30, name: expect.stringMatching(/PyTorch \(2 processes/) });
      expect((await service.listRuns()).map((r) => r.id)).toContain(info.id);
      await expect(service.importRun(join(dir, 'two'))).rejects.toThrow(/not inside the project folder/);
      // the desktop's File → Import Run… takes a folder the person picked anywhere
      expect(await service.importChosenFolder(join(dir, 'two'))).toMatchObject({ status: 'finished', step: 30 });
      await expect(service.importRun('bundles/none')).rejects.toThrow(/no such folder in the project/);
    } finally {
      await service.close();
    }

    // ONNX from its weights, verified in onnxruntime as always
    const onnx = await exportRun(runDir);
    console.log(`imported run → ONNX: max |difference| in onnxruntime ${onnx.maxAbsDiff.toExponential(2)}`);
    expect(onnx.ok).toBe(true);
    expect(onnx.maxAbsDiff).toBeLessThanOrEqual(1e-4);
  }, 600_000);
});
