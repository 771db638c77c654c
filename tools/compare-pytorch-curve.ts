// Loss-curve parity with PyTorch: trains the same character-level model, from the same initial parameters, on the
// same batches, with our WASM Trainer and with tools/pytorch_curve.py (float32 CPU, one thread), one after the other,
// and compares the per-step training losses and the validation losses.
//
//   node tools/run-ts.mjs tools/compare-pytorch-curve.ts [flags]
//
// Flags (defaults in brackets):
//   --cell lstm|gru|rnn [lstm]  --layers [2]  --hidden [256]  --embed [64]
//   --data FILE [resources/samples/tinyshakespeare.txt, else ../shared/datasets/tinyshakespeare/input.txt]
//   --batch [32]  --seq [64]  --lr [2e-3]  --clip [5]  --beta1 [0.9]  --beta2 [0.999]  --eps [1e-8]  --seed [1]
//   --steps [500]  --val-fraction [0.1]  --max-val-chars [0 = the whole tail]  --eval-every [100]
//   --threads [1] (PyTorch's)  --python [/usr/bin/python3]  --tolerance [0.05]  --json  --keep (keep the init JSON)
//   --csv FILE (per-step losses and pre-clip gradient norms of both sides)
// Prints a table every 50 steps (both losses: mean of the 50-step window and the raw value at that step), the
// largest absolute difference of the raw per-step losses and of their 10-step trailing moving averages, and both
// validation losses; --json prints one summary JSON line instead. Exit status 1 when the moving-average difference
// exceeds --tolerance, 3 when PyTorch is unavailable, 2 on other errors.
//
// Protocol: our parameters come from initParameters(buildLayout(spec), seed) (forgetBias 0, PyTorch's init
// semantics); pytorch_curve.py loads the same floats. Batches follow workers/data/text.ts (B streams, TBPTT carry,
// reset on wrap), which pytorch_curve.py replicates; Adam without schedule, global-norm clipping, no dropout.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelSpec, TrainSettings } from '../src-shared/model';
import type { CellType } from '../src-shared/cells';

/** The cells torch.nn has (RNN, LSTM, GRU): the only ones this comparison can run in PyTorch. */
const PYTORCH_CELLS: readonly CellType[] = ['rnn', 'lstm', 'gru'];
import { DEFAULT_TRAIN_SETTINGS } from '../src-shared/model';
import { textData } from '../workers/data/text';
import { initParameters } from '../workers/engine/init';
import { enableRelaxedSimd, loadKernels } from '../workers/engine/kernels';
import { buildLayout } from '../workers/engine/layout';
import { Trainer } from '../workers/engine/trainer';

// Run through tools/run-ts.mjs the code is bundled elsewhere; RUN_TS_ENTRY is this file's real path.
const here = dirname(process.env.RUN_TS_ENTRY ?? fileURLToPath(import.meta.url));
const root = resolve(here, '..');

interface Options {
  cell: CellType;
  layers: number;
  hidden: number;
  embed: number;
  data: string;
  batch: number;
  seq: number;
  lr: number;
  clip: number;
  beta1: number;
  beta2: number;
  eps: number;
  seed: number;
  steps: number;
  valFraction: number;
  maxValChars: number;
  evalEvery: number;
  threads: number;
  python: string;
  tolerance: number;
  json: boolean;
  keep: boolean;
  csv: string;
}

function parseArgs(argv: string[]): Options {
  const sample = join(root, 'resources/samples/tinyshakespeare.txt');
  const o: Options = {
    cell: 'lstm',
    layers: 2,
    hidden: 256,
    embed: 64,
    data: existsSync(sample) ? sample : resolve(root, '../shared/datasets/tinyshakespeare/input.txt'),
    batch: 32,
    seq: 64,
    lr: 2e-3,
    clip: 5,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    seed: 1,
    steps: 500,
    valFraction: 0.1,
    maxValChars: 0,
    evalEvery: 100,
    threads: 1,
    python: '/usr/bin/python3',
    tolerance: 0.05,
    json: false,
    keep: false,
    csv: '',
  };
  const numeric: Record<string, keyof Options> = {
    '--layers': 'layers',
    '--hidden': 'hidden',
    '--embed': 'embed',
    '--batch': 'batch',
    '--seq': 'seq',
    '--lr': 'lr',
    '--clip': 'clip',
    '--beta1': 'beta1',
    '--beta2': 'beta2',
    '--eps': 'eps',
    '--seed': 'seed',
    '--steps': 'steps',
    '--val-fraction': 'valFraction',
    '--max-val-chars': 'maxValChars',
    '--eval-every': 'evalEvery',
    '--threads': 'threads',
    '--tolerance': 'tolerance',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    if (a === '--json') o.json = true;
    else if (a === '--keep') o.keep = true;
    else if (a === '--cell') {
      const c = value();
      if (!PYTORCH_CELLS.includes(c as CellType)) fail(`--cell ${c}: one of the cells torch.nn has (${PYTORCH_CELLS.join(', ')})`);
      o.cell = c as CellType;
    } else if (a === '--data') o.data = resolve(value());
    else if (a === '--python') o.python = value();
    else if (a === '--csv') o.csv = resolve(value());
    else if (a in numeric) {
      const v = Number(value());
      if (!Number.isFinite(v)) fail(`${a} needs a number`);
      (o as unknown as Record<string, number>)[numeric[a]] = v;
    } else if (a === '--help' || a === '-h') {
      console.log(readFileSync(process.env.RUN_TS_ENTRY ?? fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).join('\n'));
      process.exit(0);
    } else fail(`unknown flag ${a}`);
  }
  return o;
}

function fail(msg: string, code = 2): never {
  console.error(`compare-pytorch-curve: ${msg}`);
  process.exit(code);
}

const log = (msg: string): void => void process.stderr.write(msg + '\n');

interface Curve {
  loss: number[];
  gradNorm: number[];
  val: Map<number, number>;
  seconds: number;
}

function trainOurs(o: Options, text: string, spec: ModelSpec, settings: TrainSettings, initial: Float32Array): Curve {
  enableRelaxedSimd();
  const build = join(root, 'workers/kernels/build');
  const { exports, variant } = loadKernels({ simd: join(build, 'kernels.simd.wasm'), relaxed: join(build, 'kernels.relaxed.wasm') });
  const data = textData(text, { batchSize: o.batch, sequenceLength: o.seq, valFraction: o.valFraction, maxValidationChars: o.maxValChars || undefined });
  log(`ours: ${variant} kernels; ${data.summary}`);
  const trainer = new Trainer(exports, spec, settings, data);
  const p = trainer.net.params;
  for (let i = 0; i < initial.length; i++) if (p[i] !== initial[i] && !(Number.isNaN(p[i]) && Number.isNaN(initial[i]))) fail(`our trainer's initial parameter ${i} differs from the init JSON`);
  const curve: Curve = { loss: [], gradNorm: [], val: new Map(), seconds: 0 };
  const t0 = performance.now();
  for (let step = 1; step <= o.steps; step++) {
    const ev = trainer.trainStep();
    curve.loss.push(ev.loss);
    curve.gradNorm.push(ev.gradNorm);
    if ((o.evalEvery > 0 && step % o.evalEvery === 0) || step === o.steps) curve.val.set(step, trainer.evaluate().valLoss);
    if (step % 50 === 0 || step === o.steps) log(`ours: step ${step} loss ${ev.loss.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  curve.seconds = (performance.now() - t0) / 1000;
  return curve;
}

function trainPytorch(o: Options, initPath: string): Promise<Curve> {
  const args = [join(root, 'tools/pytorch_curve.py'), '--init', initPath, '--threads', String(o.threads), '--eval-every', String(o.evalEvery)];
  const curve: Curve = { loss: [], gradNorm: [], val: new Map(), seconds: 0 };
  const t0 = performance.now();
  return new Promise((done) => {
    const child = spawn(o.python, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'passive' } });
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (!line) continue;
        const r = JSON.parse(line) as { step: number; loss?: number; gradNorm?: number; valLoss?: number };
        if (r.loss !== undefined) {
          curve.loss[r.step - 1] = r.loss;
          curve.gradNorm[r.step - 1] = r.gradNorm ?? NaN;
          if (r.step % 50 === 0 || r.step === o.steps) log(`pytorch: step ${r.step} loss ${r.loss.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
        }
        if (r.valLoss !== undefined) curve.val.set(r.step, r.valLoss);
      }
    });
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    child.on('error', (e) => fail(`cannot start ${o.python}: ${e.message}`, 3));
    child.on('close', (code) => {
      if (code === 3) fail('PyTorch is not importable (needs Debian python3-torch via /usr/bin/python3)', 3);
      if (code === 4) fail('PyTorch runs on the reference BLAS here: no comparison (apt-get install libopenblas0-pthread)', 4);
      if (code !== 0) fail(`pytorch_curve.py exited with ${code}`);
      curve.seconds = (performance.now() - t0) / 1000;
      done(curve);
    });
  });
}

const mean = (a: number[]): number => a.reduce((s, x) => s + x, 0) / a.length;

function movingAverage(a: number[], w: number): number[] {
  const out: number[] = [];
  for (let i = w - 1; i < a.length; i++) out.push(mean(a.slice(i - w + 1, i + 1)));
  return out;
}

function maxAbsDiff(a: number[], b: number[]): { value: number; index: number } {
  let value = 0;
  let index = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= value)) {
      value = d;
      index = i;
    }
  }
  return { value, index };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(o.data)) fail(`no text file ${o.data}`);
  const text = readFileSync(o.data, 'utf8');
  const V = new Set(Array.from(text)).size;
  const spec: ModelSpec = {
    shape: 'many-to-many',
    input: { vocabSize: V, embedSize: o.embed, featureSize: 0 },
    stack: { cell: o.cell, layers: o.layers, hiddenSize: o.hidden, bidirectional: false },
    output: { kind: 'classes', size: V },
    dropout: 0,
    forgetBias: 0,
  };
  const settings: TrainSettings = {
    ...DEFAULT_TRAIN_SETTINGS,
    optimizer: 'adam',
    learningRate: o.lr,
    beta1: o.beta1,
    beta2: o.beta2,
    epsilon: o.eps,
    weightDecay: 0,
    clipNorm: o.clip,
    warmupSteps: 0,
    decay: 'none',
    batchSize: o.batch,
    sequenceLength: o.seq,
    steps: o.steps,
    seed: o.seed,
  };
  const layout = buildLayout(spec);
  const initial = initParameters(layout, o.seed);

  const dir = mkdtempSync(join(tmpdir(), 'seqstudio-curve-'));
  const initPath = join(dir, 'init.json');
  writeFileSync(
    initPath,
    JSON.stringify({
      spec,
      tensors: layout.tensors.map((t) => ({ name: t.name, offset: t.offset, shape: t.shape })),
      size: layout.size,
      params: Array.from(initial),
      settings: {
        batch: o.batch,
        seqLen: o.seq,
        lr: o.lr,
        clip: o.clip,
        steps: o.steps,
        valFraction: o.valFraction,
        maxValidationChars: o.maxValChars || undefined,
        beta1: o.beta1,
        beta2: o.beta2,
        eps: o.eps,
      },
      text: o.data,
    }),
  );
  const model = `${o.cell.toUpperCase()} ${o.layers}×${o.hidden}, embed ${o.embed}, vocab ${V}; batch ${o.batch}, seq ${o.seq}, lr ${o.lr}, clip ${o.clip}, seed ${o.seed}, ${o.steps} steps`;
  log(`compare-pytorch-curve: ${model}; init ${initPath}`);

  let ours: Curve;
  let torch: Curve;
  try {
    ours = trainOurs(o, text, spec, settings, initial);
    torch = await trainPytorch(o, initPath);
  } finally {
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
  if (torch.loss.length !== o.steps) fail(`PyTorch reported ${torch.loss.length} steps, expected ${o.steps}`);

  if (o.csv)
    writeFileSync(o.csv, ['step,ours,pytorch,oursGradNorm,pytorchGradNorm', ...ours.loss.map((l, i) => `${i + 1},${l},${torch.loss[i]},${ours.gradNorm[i]},${torch.gradNorm[i]}`)].join('\n') + '\n');
  const raw = maxAbsDiff(ours.loss, torch.loss);
  const ma = maxAbsDiff(movingAverage(ours.loss, 10), movingAverage(torch.loss, 10));
  const first = Math.abs(ours.loss[0] - torch.loss[0]);
  const first10 = maxAbsDiff(ours.loss.slice(0, 10), torch.loss.slice(0, 10)).value;
  const rows: { step: number; oursMean: number; torchMean: number; ours: number; torch: number }[] = [];
  const tableSteps = [1, ...Array.from({ length: Math.floor(o.steps / 50) }, (_, i) => (i + 1) * 50)];
  if (tableSteps[tableSteps.length - 1] !== o.steps) tableSteps.push(o.steps);
  for (const step of tableSteps) {
    const from = step === 1 ? 0 : Math.max(0, Math.ceil(step / 50) * 50 - 50);
    rows.push({ step, oursMean: mean(ours.loss.slice(from, step)), torchMean: mean(torch.loss.slice(from, step)), ours: ours.loss[step - 1], torch: torch.loss[step - 1] });
  }
  const valSteps = [...ours.val.keys()];
  const val = valSteps.map((step) => ({ step, ours: ours.val.get(step)!, torch: torch.val.get(step) ?? NaN }));
  const final = val[val.length - 1];
  const pass = ma.value <= o.tolerance;

  if (o.json) {
    console.log(
      JSON.stringify({
        type: 'pytorch-curve',
        model,
        steps: o.steps,
        rows,
        firstStepDiff: first,
        maxAbsDiffFirst10: first10,
        maxAbsDiff: raw.value,
        maxAbsDiffStep: raw.index + 1,
        maxAbsDiffMA10: ma.value,
        maxAbsDiffMA10Step: ma.index + 10,
        val,
        valLoss: { ours: final.ours, pytorch: final.torch },
        seconds: { ours: ours.seconds, pytorch: torch.seconds },
        tolerance: o.tolerance,
        pass,
      }),
    );
  } else {
    const f = (x: number): string => x.toFixed(4).padStart(8);
    console.log(`\nloss curve parity: ${model}`);
    console.log('  step   ours(mean50) torch(mean50)   ours(raw) torch(raw)   |diff raw|');
    for (const r of rows)
      console.log(`${String(r.step).padStart(6)}   ${f(r.oursMean)}     ${f(r.torchMean)}     ${f(r.ours)}   ${f(r.torch)}   ${(Math.abs(r.ours - r.torch)).toExponential(2)}`);
    console.log(`first step |diff| ${first.toExponential(3)}; max over the first 10 steps ${first10.toExponential(3)}`);
    console.log(`max |diff| of raw per-step losses: ${raw.value.toExponential(3)} (step ${raw.index + 1})`);
    console.log(`max |diff| of 10-step moving averages: ${ma.value.toExponential(3)} (window ending at step ${ma.index + 10}); tolerance ${o.tolerance}: ${pass ? 'PASS' : 'FAIL'}`);
    for (const v of val) console.log(`validation loss at step ${v.step}: ours ${v.ours.toFixed(4)}, pytorch ${v.torch.toFixed(4)} (|diff| ${Math.abs(v.ours - v.torch).toExponential(2)})`);
    console.log(`training time: ours ${ours.seconds.toFixed(1)} s, pytorch ${torch.seconds.toFixed(1)} s (${o.threads} thread(s), includes validation)`);
  }
  if (!pass) process.exit(1);
}

await main();
