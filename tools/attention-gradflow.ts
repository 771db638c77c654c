// Measures how far back the gradient reaches in an encoder–decoder's encoder, with and without attention: trains
// the same model (same data, seed and initial recurrent weights) for a fixed number of steps with each attention,
// then on held-out pairs whose sources all have the same length (so step t means the same thing in every row, and
// no padding) runs one forward + backward and reads the trainer's own ‖∂L/∂h_t‖ of the encoder (WasmNetwork
// hiddenGradFlow, what the studio's gradient-flow chart draws) at the first and the last source steps.
//   node tools/run-ts.mjs tools/attention-gradflow.ts [--data resources/samples/eng-fra.tsv] [--steps 500]
//        [--attention none,luong-general,bahdanau] [--cell gru] [--hidden 256] [--length 0 (most common ≥ 12)]
// Prints one line per attention and a JSON line with every number.

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isAttentionType, type AttentionType } from '../src-shared/attention';
import { isCellType } from '../src-shared/cells';
import { specFor } from '../src-shared/estimate';
import { DEFAULT_TRAIN_SETTINGS, type TrainSettings } from '../src-shared/model';
import type { Batch } from '../workers/engine/batch';
import { enableRelaxedSimd, loadKernels } from '../workers/engine/kernels';
import { Trainer } from '../workers/engine/trainer';
import { loadTrainingData } from '../workers/data/load';

const root = resolve(dirname(process.env.RUN_TS_ENTRY ?? fileURLToPath(import.meta.url)), '..');
const { values: o } = parseArgs({
  options: {
    data: { type: 'string', default: join(root, 'resources/samples/eng-fra.tsv') },
    steps: { type: 'string', default: '500' },
    attention: { type: 'string', default: 'none,luong-general,bahdanau' },
    cell: { type: 'string', default: 'gru' },
    hidden: { type: 'string', default: '256' },
    length: { type: 'string', default: '0' },
    lr: { type: 'string', default: '0.003' },
  },
});
const attentions = o.attention!.split(',');
for (const a of attentions) if (!isAttentionType(a)) throw new Error(`--attention ${a}: not an attention (none, luong-dot, luong-general, bahdanau)`);
if (!isCellType(o.cell)) throw new Error(`--cell ${o.cell}: not a cell`);
const steps = Number(o.steps);
const settings: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS, learningRate: Number(o.lr), batchSize: 32, steps, diagnosticsEvery: 0, evaluateEvery: 0 };

/** One pair of a batch: its source tokens, decoder input tokens and targets. */
interface Item {
  src: number[];
  dec: number[];
  tgt: number[];
}
function itemsOf(b: Batch): Item[] {
  const B = b.batchSize;
  const Td = b.decoderSteps!;
  return [...Array(B)].map((_, i) => {
    const n = b.lengths ? b.lengths[i] : b.steps;
    const m = b.decoderLengths ? b.decoderLengths[i] : Td;
    return {
      src: [...Array(n)].map((_, t) => b.tokens![t * B + i]),
      dec: [...Array(m)].map((_, t) => b.decoderTokens![t * B + i]),
      tgt: [...Array(m)].map((_, t) => b.targetClasses![t * B + i]),
    };
  });
}
/** A batch of items whose sources share one length (decoder sides padded, padding ignored). */
function batchOf(items: Item[]): Batch {
  const B = items.length;
  const T = items[0].src.length;
  const Td = Math.max(...items.map((x) => x.dec.length));
  const tokens = new Int32Array(T * B);
  const decoderTokens = new Int32Array(Td * B);
  const targetClasses = new Int32Array(Td * B).fill(-1);
  items.forEach((x, i) => {
    x.src.forEach((v, t) => (tokens[t * B + i] = v));
    x.dec.forEach((v, t) => (decoderTokens[t * B + i] = v));
    x.tgt.forEach((v, t) => (targetClasses[t * B + i] = v));
  });
  return { batchSize: B, steps: T, tokens, decoderSteps: Td, decoderTokens, decoderLengths: Int32Array.from(items, (x) => x.dec.length), targetClasses };
}

enableRelaxedSimd();
const build = join(root, 'workers/kernels/build');
const { exports, variant } = loadKernels({ simd: join(build, 'kernels.simd.wasm'), relaxed: join(build, 'kernels.relaxed.wasm') });
const data = await loadTrainingData({ path: o.data!, format: 'auto', valFraction: 0.1 }, settings);
if (data.model.shape !== 'encoder-decoder') throw new Error(`${o.data}: read as ${data.model.shape}, not as pairs`);
const held = data.validationBatches().flatMap(itemsOf);
const counts = new Map<number, number>();
for (const x of held) counts.set(x.src.length, (counts.get(x.src.length) ?? 0) + 1);
const T = Number(o.length) || [...counts].filter(([n]) => n >= 12).sort((a, b) => b[1] - a[1])[0][0];
if (!counts.get(T)) throw new Error(`--length ${T}: no held-out source has ${T} tokens (lengths held out: ${[...counts.keys()].sort((a, b) => a - b).join(' ')})`);
const probe = batchOf(held.filter((x) => x.src.length === T).slice(0, 64));
console.log(`${variant} kernels; ${data.summary}`);
console.log(`probe: ${probe.batchSize} held-out pairs with ${T}-token sources; ${o.cell} 1×${o.hidden}, ${steps} steps of batch 32, Adam lr ${o.lr}`);

const results: Record<string, unknown>[] = [];
for (const attention of attentions as AttentionType[]) {
  const spec = specFor(data.model, { cell: o.cell, layers: 1, hiddenSize: Number(o.hidden), embedSize: 0, bidirectional: false, dropout: 0, forgetBias: 1, attention });
  data.seek(0);
  const trainer = new Trainer(exports, spec, settings, data);
  const t0 = performance.now();
  let loss = NaN;
  for (let s = 0; s < steps; s++) loss = trainer.trainStep().loss;
  const seconds = (performance.now() - t0) / 1000;
  const net = trainer.net;
  net.forward(probe, { train: true });
  net.backward();
  const enc = net.hiddenGradFlow().find((f) => f.stack === 'enc' && f.layer === 0 && f.direction === 0)!.norms;
  const mean = (a: Float64Array): number => a.reduce((s, v) => s + v, 0) / a.length;
  const first = mean(enc.subarray(0, 3));
  const last = mean(enc.subarray(T - 3));
  const r = { attention, steps, trainLoss: loss, seconds, T, first3: first, last3: last, ratio: first / last, t0: enc[0], tLast: enc[T - 1], norms: Array.from(enc) };
  results.push(r);
  console.log(
    `${attention.padEnd(14)} train loss ${loss.toFixed(3)} after ${steps} steps (${seconds.toFixed(0)} s): encoder ‖∂L/∂h_t‖ mean over steps 1–3 ${first.toExponential(3)}, over steps ${T - 2}–${T} ${last.toExponential(3)}, first/last ${(first / last).toFixed(3)} (t=1 ${enc[0].toExponential(3)}, t=${T} ${enc[T - 1].toExponential(3)})`,
  );
}
console.log(JSON.stringify({ type: 'gradflow', data: o.data, results }));
