// Benchmark configurations and the timing of full training steps (forward, BPTT, Adam) on the WASM trainer.
// `seqstudio bench` prints these beside PyTorch (tools/bench_pytorch.py) measured in the same invocation.

import type { AttentionType } from '../../src-shared/attention';
import type { CellType } from '../../src-shared/cells';
import type { ModelSpec, TrainSettings } from '../../src-shared/model';
import { DEFAULT_TRAIN_SETTINGS } from '../../src-shared/model';
import type { Batch } from './batch';
import type { TrainingData } from './data-source';
import type { KernelExports } from './kernels';
import type { ParamLayout } from './layout';
import { WasmNetwork } from './network';
import { initParameters } from './init';
import { OPTIMIZER_UPDATES } from './optimizers';
import { Rng } from './rng';

export interface BenchConfig {
  name: string;
  description: string;
  cell: CellType;
  layers: number;
  hidden: number;
  seqLen: number;
  batch: number;
  /** Token input with this vocabulary (embedding = vocab, next-char CE), or 0 for one numeric feature and MSE on the last step. */
  vocab: number;
  /**
   * Encoder–decoder: a unidirectional decoder of the encoder's cell and size over `vocab` target tokens (embedding =
   * vocab), teacher-forced for seqLen steps (Ts = Td = seqLen) with this attention; CE on every target step. Its
   * tokens/s counts target tokens (Td·B per step).
   */
  decoder?: { attention: AttentionType };
}

export const BENCH_CONFIGS: BenchConfig[] = [
  { name: 'A', description: 'LSTM 1×128, seq 64, batch 32, vocab 65', cell: 'lstm', layers: 1, hidden: 128, seqLen: 64, batch: 32, vocab: 65 },
  { name: 'B', description: 'LSTM 2×256, seq 64, batch 32, vocab 65', cell: 'lstm', layers: 2, hidden: 256, seqLen: 64, batch: 32, vocab: 65 },
  { name: 'C', description: 'LSTM 2×512, seq 100, batch 50, vocab 65', cell: 'lstm', layers: 2, hidden: 512, seqLen: 100, batch: 50, vocab: 65 },
  { name: 'D', description: 'LSTM 1×64, 1 feature, seq 50, batch 64, MSE on the last step', cell: 'lstm', layers: 1, hidden: 64, seqLen: 50, batch: 64, vocab: 0 },
  { name: 'B-GRU', description: 'GRU 2×256, seq 64, batch 32, vocab 65', cell: 'gru', layers: 2, hidden: 256, seqLen: 64, batch: 32, vocab: 65 },
  { name: 'B-RNN', description: 'tanh RNN 2×256, seq 64, batch 32, vocab 65', cell: 'rnn', layers: 2, hidden: 256, seqLen: 64, batch: 32, vocab: 65 },
  {
    name: 'ATT',
    description: 'GRU encoder–decoder 1×128, Luong general attention, Ts = Td = 20, batch 32, vocab 65',
    cell: 'gru', layers: 1, hidden: 128, seqLen: 20, batch: 32, vocab: 65, decoder: { attention: 'luong-general' },
  },
];

export function benchSpec(c: BenchConfig): ModelSpec {
  if (c.decoder)
    return {
      shape: 'encoder-decoder',
      input: { vocabSize: c.vocab, embedSize: c.vocab, featureSize: 0 },
      stack: { cell: c.cell, layers: c.layers, hiddenSize: c.hidden, bidirectional: false },
      output: { kind: 'classes', size: c.vocab },
      dropout: 0,
      forgetBias: 0,
      decoder: { vocabSize: c.vocab, embedSize: c.vocab },
      attention: c.decoder.attention,
    };
  return {
    shape: c.vocab ? 'many-to-many' : 'many-to-one',
    input: c.vocab ? { vocabSize: c.vocab, embedSize: c.vocab, featureSize: 0 } : { vocabSize: 0, embedSize: 0, featureSize: 1 },
    stack: { cell: c.cell, layers: c.layers, hiddenSize: c.hidden, bidirectional: false },
    output: c.vocab ? { kind: 'classes', size: c.vocab } : { kind: 'values', size: 1 },
    dropout: 0,
    forgetBias: 0,
  };
}

export function benchBatch(c: BenchConfig, seed = 1): Batch {
  const rng = new Rng(seed);
  const n = c.seqLen * c.batch;
  if (c.decoder)
    return {
      batchSize: c.batch,
      steps: c.seqLen,
      tokens: Int32Array.from({ length: n }, () => rng.int(c.vocab)),
      decoderSteps: c.seqLen,
      decoderTokens: Int32Array.from({ length: n }, () => rng.int(c.vocab)),
      targetClasses: Int32Array.from({ length: n }, () => rng.int(c.vocab)),
    };
  if (c.vocab)
    return {
      batchSize: c.batch,
      steps: c.seqLen,
      tokens: Int32Array.from({ length: n }, () => rng.int(c.vocab)),
      targetClasses: Int32Array.from({ length: n }, () => rng.int(c.vocab)),
    };
  return { batchSize: c.batch, steps: c.seqLen, features: Float32Array.from({ length: n }, () => rng.normal()), targetValues: Float32Array.from({ length: c.batch }, () => rng.normal()) };
}

/**
 * Multiply-adds ×2 of one training step's GEMMs (forward, and backward ≈ 2× forward), the usual FLOP count of the
 * model as written (as PyTorch runs it). Where the trainer folds the embedding into layer 0 it does fewer FLOPs for
 * the same result, so its GFLOP/s is effective (model FLOPs per second); tokens/s is the figure to compare.
 */
export function stepFlops(layout: ParamLayout, T: number, B: number): number {
  let f = 0;
  for (const st of layout.decoder ? [layout.encoder, layout.decoder] : [layout.encoder])
    for (let l = 0; l < st.layers; l++) f += st.directions * 2 * T * B * st.gates * st.hiddenSize * (st.inputSizes[l] + st.hiddenSize);
  const att = layout.attention;
  if (att) {
    // Ts = Td = T: keys S·W_aᵀ / S·W_kᵀ, scores and context (T·T per item), W_q h (additive), the combination W_c [c; h]
    const { S, Hd } = att;
    f += 2 * T * B * ((att.type === 'luong-dot' ? 0 : Hd * S) + T * (att.type === 'luong-dot' ? S : Hd) + T * S + (att.type === 'bahdanau' ? Hd * Hd : 0) + (S + Hd) * Hd);
  }
  const rows = layout.spec.shape === 'many-to-many' || layout.decoder ? T * B : B;
  f += 2 * rows * layout.head.inputSize * layout.spec.output.size;
  return 3 * f;
}

export interface BenchResult {
  config: string;
  workers: number;
  steps: number;
  tokensPerSecond: number;
  gflops: number;
  msPerStep: number;
}

/** Times full training steps of one worker: see timeSteps. */
export function benchTrainer(kernels: KernelExports, c: BenchConfig, opts: { steps?: number; repeats?: number; seconds?: number } = {}): Promise<BenchResult> {
  const spec = benchSpec(c);
  const net = new WasmNetwork(kernels, spec);
  net.setParams(initParameters(net.layout, 1));
  const batch = benchBatch(c);
  const settings: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS, learningRate: 1e-3 };
  let step = 0;
  return timeSteps(c, net.layout, 1, opts, () => {
    step++;
    net.forward(batch, { train: true });
    net.backward();
    OPTIMIZER_UPDATES.adam(net, settings, step, settings.learningRate);
    net.paramsChanged();
  });
}

/** Median of `repeats` timings of `steps` steps each (sized to ~`seconds` per timing), after two warm-up steps. */
export async function timeSteps(c: BenchConfig, layout: ParamLayout, workers: number, opts: { steps?: number; repeats?: number; seconds?: number }, step: () => void | Promise<void>): Promise<BenchResult> {
  const w0 = performance.now();
  await step();
  await step();
  const perStep = (performance.now() - w0) / 2;
  const steps = opts.steps ?? Math.max(1, Math.round(((opts.seconds ?? 1.5) * 1000) / perStep));
  const repeats = opts.repeats ?? 3;
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await step();
    times.push((performance.now() - t0) / steps);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)];
  const tokens = c.seqLen * c.batch;
  return { config: c.name, workers, steps, tokensPerSecond: tokens / (ms / 1000), gflops: stepFlops(layout, c.seqLen, c.batch) / (ms / 1000) / 1e9, msPerStep: ms };
}

/** The benchmark batch as TrainingData (the same batch every step), for data-parallel timing through the trainer. */
export function benchData(c: BenchConfig): TrainingData {
  const batch = benchBatch(c);
  const spec = benchSpec(c);
  return {
    model: { shape: spec.shape, input: spec.input, output: spec.output, ...(spec.decoder ? { decoder: spec.decoder } : {}) },
    stateful: false,
    nextBatch: () => ({ batch }),
    validationBatches: () => [batch],
    batchesPerEpoch: 1,
    tokensPerBatch: c.seqLen * c.batch,
    createMetrics: () => ({ add() {}, result: () => ({}) }),
    transforms: { kind: 'text', tokens: 'char', vocabulary: [] },
    summary: `benchmark ${c.name}`,
    cursor: () => 0,
    seek: () => {},
  };
}
