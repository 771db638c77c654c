// What bfloat16 GEMM products (float32 sums, float32 master weights) would do to training: the same run twice, with
// the float32 kernels and with kernels.bf16-emulated.wasm (the bf16 build's numbers, its dot done in software, since
// V8 rejects f32x4.relaxed_dot_bf16x8_add_f32), the two trainers stepping in turn in one process (same seed,
// parameters, batches; the same machine load on both), plus the step time of each.
//
//   node tools/run-ts.mjs tools/bf16-curve.ts [curve|speed] [flags]
//
// curve: a character model on a text file; prints the validation loss of both every --eval-every steps, then the final
//   and best validation loss of each and the largest gap between the two validation curves (and between the 25-step
//   moving averages of the training losses); --json FILE writes both curves.
//   --cell [lstm] --layers [2] --hidden [256] --embed [64] --batch [32] --seq [64] --lr [2e-3] --steps [800]
//   --eval-every [50] --seed [1] --data [resources/samples/tinyshakespeare.txt] --max-val-chars [50000]
//   --vs simd: the second run with the plain-SIMD float32 build instead of bf16 (the drift rounding alone causes)
// speed: config B's training step (workers/engine/bench.ts), float32 (relaxed-SIMD FMA build) and bf16-emulated,
//   --rounds [5] interleaved rounds of ~1.5 s each; medians.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CellType } from '../src-shared/cells';
import { DEFAULT_TRAIN_SETTINGS, type ModelSpec, type TrainSettings } from '../src-shared/model';
import { textData } from '../workers/data/text';
import { BENCH_CONFIGS, benchTrainer } from '../workers/engine/bench';
import { enableRelaxedSimd, loadKernels, type KernelBinaries, type KernelVariant } from '../workers/engine/kernels';
import { Trainer } from '../workers/engine/trainer';

const root = resolve(dirname(process.env.RUN_TS_ENTRY ?? fileURLToPath(import.meta.url)), '..');
const build = join(root, 'workers/kernels/build');
const binaries: KernelBinaries = {
  simd: join(build, 'kernels.simd.wasm'),
  relaxed: join(build, 'kernels.relaxed.wasm'),
  bf16: join(build, 'kernels.bf16.wasm'),
  bf16Emulated: join(build, 'kernels.bf16-emulated.wasm'),
};
enableRelaxedSimd();

const args = process.argv.slice(2);
const mode = args[0] === 'speed' ? 'speed' : 'curve';
const flag = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const num = (name: string, def: number): number => Number(flag(name, String(def)));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (s: string): void => void process.stdout.write(s + '\n');

const f32 = loadKernels(binaries, 'auto');
// --vs simd: the second run uses the plain-SIMD float32 build instead (mul + add where the first has FMAs): how far two
// float32 runs that differ only in rounding drift apart, the yardstick for bf16's gap
const bf16 = flag('vs', 'bf16-emulated') as KernelVariant;
const label = bf16.startsWith('bf16') ? 'bf16' : `float32 (${bf16})`;
log(`node ${process.version} (V8 ${process.versions.v8}); float32: ${f32.variant} build; ${label}: ${bf16} build`);

if (mode === 'speed') {
  const c = BENCH_CONFIGS.find((x) => x.name === flag('config', 'B'))!;
  const rounds = num('rounds', 5);
  const ms: Record<string, number[]> = { float32: [], bf16: [] };
  for (let r = 0; r < rounds; r++)
    for (const [name, variant] of r % 2 ? ([['bf16', bf16], ['float32', f32.variant]] as const) : ([['float32', f32.variant], ['bf16', bf16]] as const)) {
      const res = await benchTrainer(loadKernels(binaries, variant).exports, c, { repeats: 1, seconds: 1.5 });
      ms[name].push(res.msPerStep);
      log(`round ${r + 1} ${name}: ${res.msPerStep.toFixed(1)} ms/step (${res.tokensPerSecond.toFixed(0)} tok/s)`);
    }
  const a = median(ms.float32);
  const b = median(ms.bf16);
  log(`config ${c.name} (${c.description}), ${rounds} interleaved rounds, medians: float32 ${a.toFixed(1)} ms/step, bf16 (emulated) ${b.toFixed(1)} ms/step: ${(a / b).toFixed(2)}× float32's speed`);
} else {
  const dataFile = flag('data', join(root, 'resources/samples/tinyshakespeare.txt'));
  const text = readFileSync(dataFile, 'utf8');
  const V = new Set(Array.from(text)).size;
  const steps = num('steps', 800);
  const evalEvery = num('eval-every', 50);
  const spec: ModelSpec = {
    shape: 'many-to-many',
    input: { vocabSize: V, embedSize: num('embed', 64), featureSize: 0 },
    stack: { cell: flag('cell', 'lstm') as CellType, layers: num('layers', 2), hiddenSize: num('hidden', 256), bidirectional: false },
    output: { kind: 'classes', size: V },
    dropout: 0,
    forgetBias: 1,
  };
  const settings: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS, batchSize: num('batch', 32), sequenceLength: num('seq', 64), learningRate: num('lr', 2e-3), steps, seed: num('seed', 1), evaluateEvery: evalEvery };
  const data = () => textData(text, { batchSize: settings.batchSize, sequenceLength: settings.sequenceLength, valFraction: 0.1, maxValidationChars: num('max-val-chars', 50_000) });
  const runs = {
    float32: { trainer: new Trainer(f32.exports, spec, settings, data()), loss: [] as number[], val: [] as [number, number][], ms: [] as number[] },
    bf16: { trainer: new Trainer(loadKernels(binaries, bf16).exports, spec, settings, data()), loss: [] as number[], val: [] as [number, number][], ms: [] as number[] },
  };
  const p0 = runs.float32.trainer.net.params;
  const p1 = runs.bf16.trainer.net.params;
  if (p0.length !== p1.length || p0.some((v, i) => v !== p1[i])) throw new Error('the two runs do not start from the same parameters');
  log(`${spec.stack.cell.toUpperCase()} ${spec.stack.layers}×${spec.stack.hiddenSize}, embed ${spec.input.embedSize}, vocab ${V}, batch ${settings.batchSize}, seq ${settings.sequenceLength}, Adam lr ${settings.learningRate}, clip ${settings.clipNorm}, seed ${settings.seed}, ${steps} steps; ${dataFile}`);
  for (let step = 1; step <= steps; step++) {
    for (const r of Object.values(runs)) {
      const t0 = performance.now();
      r.loss.push(r.trainer.trainStep().loss);
      r.ms.push(performance.now() - t0);
      if (step % evalEvery === 0 || step === steps) r.val.push([step, r.trainer.evaluate().valLoss]);
    }
    if (step % evalEvery === 0 || step === steps)
      log(`step ${step}: validation loss float32 ${runs.float32.val.at(-1)![1].toFixed(4)}, ${label} ${runs.bf16.val.at(-1)![1].toFixed(4)} (training loss ${runs.float32.loss[step - 1].toFixed(4)} / ${runs.bf16.loss[step - 1].toFixed(4)})`);
  }
  const avg = (xs: number[], i: number, w = 25): number => {
    const from = Math.max(0, i - w + 1);
    return xs.slice(from, i + 1).reduce((s, x) => s + x, 0) / (i + 1 - from);
  };
  let valGap = { gap: 0, step: 0 };
  runs.float32.val.forEach(([s, v], i) => {
    const d = Math.abs(v - runs.bf16.val[i][1]);
    if (d > valGap.gap) valGap = { gap: d, step: s };
  });
  let trainGap = { gap: 0, step: 0 };
  for (let i = 0; i < steps; i++) {
    const d = Math.abs(avg(runs.float32.loss, i) - avg(runs.bf16.loss, i));
    if (d > trainGap.gap) trainGap = { gap: d, step: i + 1 };
  }
  for (const [name, r] of Object.entries(runs)) {
    const best = r.val.reduce((b, x) => (x[1] < b[1] ? x : b));
    log(`${(name === 'bf16' ? label : name).padEnd(8)}: final validation loss ${r.val.at(-1)![1].toFixed(4)}, best ${best[1].toFixed(4)} (step ${best[0]}); median step ${median(r.ms).toFixed(1)} ms`);
  }
  log(`largest gap between the validation curves: ${valGap.gap.toFixed(4)} (step ${valGap.step}); between the 25-step moving averages of the training losses: ${trainGap.gap.toFixed(4)} (step ${trainGap.step})`);
  const out = flag('json', '');
  if (out) writeFileSync(out, JSON.stringify({ spec, settings, float32: { loss: runs.float32.loss, val: runs.float32.val }, bf16: { loss: runs.bf16.loss, val: runs.bf16.val } }));
}
