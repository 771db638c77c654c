// `seqstudio bench --generate`: text generation speed, ours beside onnxruntime-node on the same exported model.
//
// A text model shaped like a benchmark configuration (its cell, layers, hidden size and vocabulary; deterministic
// PyTorch-default parameters from initParameters) generates `tokens` tokens greedily (temperature 0) from the same
// prime, twice over:
//   ours         WasmNetwork through generateTokens: the prime in one pass, then one network step per token with
//                the state carried in WASM memory;
//   onnxruntime  the --streaming export of the same parameters (encoded in memory, as `seqstudio export` writes it)
//                in onnxruntime-node on one intra-op thread, sequential execution: the prime in one run from zero
//                state, then one run per token of a [1, 1] tokens input, its own final_h/_c fed back as
//                initial_h/_c and the argmax of its logits as the next token.
// Both are timed over the whole generation (prime included), median of `repeats` timings (each of enough runs to
// last ~0.2 s) after two warm-up runs, and the two greedy token sequences are compared: they agree unless the
// export is wrong (a correctness check too).
// onnxruntime-node is loaded here, on first use (as export-run.ts does), so the engine never imports it.

import type * as Ort from 'onnxruntime-node';
import { cellInfo, hasCellState } from '../../src-shared/cells';
import { benchSpec, type BenchConfig } from '../engine/bench';
import { generateTokens } from '../engine/generate';
import { initParameters } from '../engine/init';
import type { KernelExports } from '../engine/kernels';
import { WasmNetwork } from '../engine/network';
import { Rng } from '../engine/rng';
import { buildGraphs, toModelProto } from './onnx-graph';
import { encodeModel } from './onnx-proto';
import type { OrtModule } from './verify';

/** The configurations `bench --generate` runs unless told otherwise: the text models A, B and B's GRU. */
export const GENERATE_DEFAULT_CONFIGS = ['A', 'B', 'B-GRU'];

export interface GenerateBenchOptions {
  /** Tokens generated per timing (default 500). */
  tokens?: number;
  /** Prime length (default 16). */
  prime?: number;
  /** Timings after the warm-up (default 5); the median is reported. */
  repeats?: number;
  /** Parameter and prime seed (default 1). */
  seed?: number;
}

export interface GenerateRate {
  tokensPerSecond: number;
  /** Milliseconds per generated token (the prime's pass shared out). */
  msPerToken: number;
}

export interface GenerateBenchResult {
  config: string;
  description: string;
  /** Tokens generated per timing, and the prime's length. */
  tokens: number;
  prime: number;
  ours: GenerateRate;
  onnxruntime: GenerateRate & { version: string; threads: number };
  /** ours / onnxruntime tokens per second. */
  ratio: number;
  /** The two greedy sequences are identical. */
  tokensAgree: boolean;
  /** First position where they differ (when they do). */
  firstDifference?: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function argmax(a: Float32Array, off: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (a[off + j] > a[off + best]) best = j;
  return best;
}

/** A one-core onnxruntime session on the streaming export of `net`'s parameters. */
export async function streamingSession(ort: OrtModule, net: WasmNetwork): Promise<Ort.InferenceSession> {
  const [graph] = buildGraphs(net.layout, net.params.slice(), { streaming: true, lengths: false });
  const bytes = encodeModel(toModelProto(graph, [['task', 'bench-generate']], 'bench'));
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
}

/** Greedy generation in onnxruntime on a streaming export: the prime in one run, then one run per token. */
/** `cellState`: the graph carries a cell state too (initial_c in, final_c out). */
export async function ortGenerate(ort: OrtModule, session: Ort.InferenceSession, prime: Int32Array, length: number, rows: number, hidden: number, cellState: boolean): Promise<Int32Array> {
  const out = new Int32Array(length);
  const zeros = new Float32Array(rows * hidden);
  const fetches = cellState ? ['logits', 'final_h', 'final_c'] : ['logits', 'final_h'];
  const feeds: Record<string, Ort.Tensor> = {
    tokens: new ort.Tensor('int64', BigInt64Array.from(prime, (t) => BigInt(t)), [1, prime.length]),
    initial_h: new ort.Tensor('float32', zeros, [rows, 1, hidden]),
  };
  if (cellState) feeds.initial_c = new ort.Tensor('float32', zeros, [rows, 1, hidden]);
  const step = new BigInt64Array(1);
  const stepTokens = new ort.Tensor('int64', step, [1, 1]);
  let last = prime.length - 1;
  for (let i = 0; i < length; i++) {
    const r = await session.run(feeds, fetches);
    const logits = r.logits.data as Float32Array;
    const O = logits.length / (last + 1);
    const tok = argmax(logits, last * O, O);
    out[i] = tok;
    if (i === length - 1) break;
    step[0] = BigInt(tok);
    feeds.tokens = stepTokens;
    feeds.initial_h = r.final_h;
    if (cellState) feeds.initial_c = r.final_c;
    last = 0;
  }
  return out;
}

/**
 * Times greedy generation of configuration `c` (a token-input benchmark configuration) in our engine and in
 * onnxruntime. Takes over `kernels`' memory map (like benchTrainer): run it between benchmarks, not during one.
 */
export async function benchGenerate(kernels: KernelExports, c: BenchConfig, opts: GenerateBenchOptions = {}, loadOrt: () => Promise<OrtModule> = () => import('onnxruntime-node')): Promise<GenerateBenchResult> {
  if (c.decoder) throw new Error(`configuration ${c.name} is an encoder–decoder: generation timing needs a text model (one of the configurations without a decoder)`);
  if (!c.vocab) throw new Error(`configuration ${c.name} has no token input: generation needs a text model (one of the configurations with a vocabulary)`);
  const N = opts.tokens ?? 500;
  const P = opts.prime ?? 16;
  const repeats = opts.repeats ?? 5;
  const seed = opts.seed ?? 1;
  const spec = benchSpec(c);
  const net = new WasmNetwork(kernels, spec);
  net.setParams(initParameters(net.layout, seed));
  const rng = new Rng(seed + 1);
  const prime = Int32Array.from({ length: P }, () => rng.int(c.vocab));
  const { layers, directions, hiddenSize, cell } = net.layout.encoder;

  const ort = await loadOrt();
  const session = await streamingSession(ort, net);
  try {
    const ours = (): Int32Array => generateTokens(net, prime, N, { temperature: 0 });
    const theirs = (): Promise<Int32Array> => ortGenerate(ort, session, prime, N, layers * directions, hiddenSize, hasCellState(cell));
    // Warm-up (and the sequences compared).
    const a = ours();
    const b = await theirs();
    let firstDifference: number | undefined;
    for (let i = 0; i < N; i++)
      if (a[i] !== b[i]) {
        firstDifference = i;
        break;
      }
    // A second warm-up run each sizes the timings: each generates `inner` times over (≥ ~0.2 s on the slower side),
    // so that a small model's few milliseconds are not timer and scheduling noise.
    let t0 = performance.now();
    ours();
    const ourEst = performance.now() - t0;
    t0 = performance.now();
    await theirs();
    const ortEst = performance.now() - t0;
    const inner = Math.max(1, Math.round(200 / Math.max(ourEst, ortEst, 1e-3)));
    const oursMs: number[] = [];
    const ortMs: number[] = [];
    // Interleaved, so that a slower moment of a shared machine falls on both.
    for (let r = 0; r < repeats; r++) {
      t0 = performance.now();
      for (let i = 0; i < inner; i++) ours();
      oursMs.push((performance.now() - t0) / inner);
      t0 = performance.now();
      for (let i = 0; i < inner; i++) await theirs();
      ortMs.push((performance.now() - t0) / inner);
    }
    const rate = (ms: number): GenerateRate => ({ tokensPerSecond: N / (ms / 1000), msPerToken: ms / N });
    const o = rate(median(oursMs));
    const t = rate(median(ortMs));
    const version = (ort.env as { versions?: { node?: string } }).versions?.node ?? 'unknown';
    return {
      config: c.name,
      description: `${cellInfo(cell).name} ${layers}×${hiddenSize}, vocab ${c.vocab}`,
      tokens: N,
      prime: P,
      ours: o,
      onnxruntime: { ...t, version, threads: 1 },
      ratio: o.tokensPerSecond / t.tokensPerSecond,
      tokensAgree: firstDifference === undefined,
      firstDifference,
    };
  } finally {
    await session.release();
  }
}
