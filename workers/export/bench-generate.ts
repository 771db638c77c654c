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
//
// Encoder–decoder configurations (GENERATE_ENCDEC_CONFIGS, benchGenerateEncDec): a translator shaped like the
// recipe's (GRU encoder and decoder, attention), deterministic random parameters, decodes a fixed set of random
// source sentences one at a time (batch 1, as a deployed translator gets them), greedy and beam search (width 4,
// length penalty α = 1, predict's defaults; max length the longest target + 1, as predict uses), twice over:
//   ours         stepDecoder over net.encode / net.decodeStep (a beam's hypotheses one batch of rows per step);
//   onnxruntime  the export's encoder graph and one-step decoder graph (ort-decode.ts: the same hypotheses as one
//                batch of rows per step, the state carried), on one intra-op thread, sequential execution.
// Both sides search with the same code (engine/generate.ts's coroutines), so only the decoder steps differ. Timed
// over the whole set (encoder included), median of `repeats` after warm-up; the best hypotheses of every sentence
// are compared token for token.

import type * as Ort from 'onnxruntime-node';
import type { AttentionType } from '../../src-shared/attention';
import { cellInfo, hasCellState, type CellType } from '../../src-shared/cells';
import type { ModelSpec } from '../../src-shared/model';
import { benchSpec, type BenchConfig } from '../engine/bench';
import { decodeBest, generateTokens, type Decoding } from '../engine/generate';
import { initParameters } from '../engine/init';
import type { KernelExports } from '../engine/kernels';
import { WasmNetwork } from '../engine/network';
import { Rng } from '../engine/rng';
import { buildGraphs, toModelProto } from './onnx-graph';
import { encodeModel } from './onnx-proto';
import { OrtEncoderDecoder } from './ort-decode';
import type { OrtModule } from './verify';

/** An encoder–decoder shape for generation timing (a translator: the recipe's GRU encoder and decoder). */
export interface EncDecGenerateConfig {
  name: string;
  description: string;
  cell: CellType;
  layers: number;
  hidden: number;
  attention: AttentionType;
  /** Luong's input feeding (the decoder reads [embedding ; h̃ₜ₋₁]; off when absent). */
  inputFeeding?: boolean;
  /** Source and target vocabularies (the target's includes bos and eos) and their embedding sizes. */
  sourceVocab: number;
  targetVocab: number;
  sourceEmbed: number;
  targetEmbed: number;
  /** Source sentences' lengths in tokens, uniform in [min, max]. */
  sourceLength: [number, number];
  /** Most tokens decoded (eos included): predict's max length, the longest training target + 1. */
  maxLength: number;
}

/**
 * Encoder–decoder configurations of `bench --generate`: a GRU 1×128 translator, word-level (the vocabularies and
 * lengths `inspect` proposes for the eng_fra dataset: 1,273 source and 2,678 target words, up to 12 tokens) and
 * character-level (an English→French character model's alphabets, sentences of 15–40 characters).
 */
export const GENERATE_ENCDEC_CONFIGS: EncDecGenerateConfig[] = [
  {
    name: 'ED-BAH',
    description: 'GRU enc–dec 1×128, Bahdanau attention, words as eng_fra: source vocab 1,300, target 2,700, embeddings 128, sources 3–10 words, max length 13',
    cell: 'gru', layers: 1, hidden: 128, attention: 'bahdanau',
    sourceVocab: 1300, targetVocab: 2700, sourceEmbed: 128, targetEmbed: 128, sourceLength: [3, 10], maxLength: 13,
  },
  {
    name: 'ED-LUONG',
    description: 'GRU enc–dec 1×128, Luong general attention, characters: source vocab 70, target 90, one-hot, sources 15–40 characters, max length 61',
    cell: 'gru', layers: 1, hidden: 128, attention: 'luong-general',
    sourceVocab: 70, targetVocab: 90, sourceEmbed: 70, targetEmbed: 90, sourceLength: [15, 40], maxLength: 61,
  },
];

/** The configurations `bench --generate` runs unless told otherwise: the text models A, B and B's GRU, and a translator. */
export const GENERATE_DEFAULT_CONFIGS = ['A', 'B', 'B-GRU', 'ED-BAH'];

export function encDecSpec(c: EncDecGenerateConfig): ModelSpec {
  return {
    shape: 'encoder-decoder',
    input: { vocabSize: c.sourceVocab, embedSize: c.sourceEmbed, featureSize: 0 },
    stack: { cell: c.cell, layers: c.layers, hiddenSize: c.hidden, bidirectional: false },
    output: { kind: 'classes', size: c.targetVocab },
    dropout: 0,
    forgetBias: 0,
    decoder: { vocabSize: c.targetVocab, embedSize: c.targetEmbed },
    attention: c.attention,
    ...(c.inputFeeding ? { inputFeeding: true } : {}),
  };
}

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

/**
 * The median ms of one call of each, ours and onnxruntime's, after both ran once already (the warm-up). A second run
 * each sizes the timings: each timing makes `inner` calls (≥ ~0.2 s on the slower side), so that a small model's few
 * milliseconds are not timer and scheduling noise; the timings are interleaved, so that a slower moment of a shared
 * machine falls on both.
 */
async function timeInterleaved(ours: () => unknown, theirs: () => Promise<unknown>, repeats: number): Promise<{ oursMs: number; theirsMs: number }> {
  let t0 = performance.now();
  ours();
  const ourEst = performance.now() - t0;
  t0 = performance.now();
  await theirs();
  const theirEst = performance.now() - t0;
  const inner = Math.max(1, Math.round(200 / Math.max(ourEst, theirEst, 1e-3)));
  const oursMs: number[] = [];
  const theirsMs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    t0 = performance.now();
    for (let i = 0; i < inner; i++) ours();
    oursMs.push((performance.now() - t0) / inner);
    t0 = performance.now();
    for (let i = 0; i < inner; i++) await theirs();
    theirsMs.push((performance.now() - t0) / inner);
  }
  return { oursMs: median(oursMs), theirsMs: median(theirsMs) };
}

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
    const timed = await timeInterleaved(ours, theirs, repeats);
    const rate = (ms: number): GenerateRate => ({ tokensPerSecond: N / (ms / 1000), msPerToken: ms / N });
    const o = rate(timed.oursMs);
    const t = rate(timed.theirsMs);
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

// ================================================= encoder–decoder ================================================

export interface EncDecGenerateOptions {
  /** Source sentences decoded per timing (default 20), one at a time. */
  sentences?: number;
  /** Timings after the warm-up (default 5); the median is reported. */
  repeats?: number;
  /** Parameter and source seed (default 1). */
  seed?: number;
  /** Beam width (default 4) and length penalty α (default 1), predict's defaults. */
  width?: number;
  lengthPenalty?: number;
}

export interface DecodeRate {
  /** Output tokens (the best hypothesis's, eos included) per second, and sentences per second. */
  tokensPerSecond: number;
  sentencesPerSecond: number;
  msPerSentence: number;
}

export interface SearchBenchResult {
  search: 'greedy' | 'beam';
  width: number;
  lengthPenalty: number;
  /** Output tokens of the set (the best hypotheses', eos included), as our engine decoded them. */
  tokens: number;
  ours: DecodeRate;
  onnxruntime: DecodeRate;
  /** ours / onnxruntime tokens per second. */
  ratio: number;
  /** Every sentence's best hypothesis is the same in both. */
  tokensAgree: boolean;
  /** The first sentence (and position) where they differ (when they do). */
  firstDifference?: { sentence: number; position: number };
}

export interface EncDecGenerateBenchResult {
  kind: 'encoder-decoder';
  config: string;
  description: string;
  /** Sentences per timing, decoded one at a time (batch 1). */
  sentences: number;
  batch: 1;
  maxLength: number;
  searches: SearchBenchResult[];
  onnxruntime: { version: string; threads: number };
}

/** A one-core onnxruntime encoder and decoder on the export of `net`'s parameters (as `seqstudio export` writes it). */
export async function encoderDecoderSessions(ort: OrtModule, net: WasmNetwork): Promise<OrtEncoderDecoder> {
  const graphs = buildGraphs(net.layout, net.params.slice(), { streaming: true, lengths: true });
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' } as const;
  const [encoder, decoder] = await Promise.all(graphs.map((g) => ort.InferenceSession.create(encodeModel(toModelProto(g, [['task', 'bench-generate']], 'bench')), opts)));
  return new OrtEncoderDecoder(ort, encoder, decoder);
}

/** Greedy and beam decoding of configuration `c` in our engine and in onnxruntime. Takes over `kernels`' memory map. */
export async function benchGenerateEncDec(kernels: KernelExports, c: EncDecGenerateConfig, opts: EncDecGenerateOptions = {}, loadOrt: () => Promise<OrtModule> = () => import('onnxruntime-node')): Promise<EncDecGenerateBenchResult> {
  const S = opts.sentences ?? 20;
  const repeats = opts.repeats ?? 5;
  const seed = opts.seed ?? 1;
  const width = opts.width ?? 4;
  const lengthPenalty = opts.lengthPenalty ?? 1;
  const net = new WasmNetwork(kernels, encDecSpec(c));
  net.setParams(initParameters(net.layout, seed));
  // Target ids 0 and 1 are bos and eos (as the studio's target vocabularies); sources avoid neither (no special ids).
  const bos = 0;
  const eos = 1;
  const rng = new Rng(seed + 1);
  const [lo, hi] = c.sourceLength;
  const sources = Array.from({ length: S }, () => Int32Array.from({ length: lo + rng.int(hi - lo + 1) }, () => rng.int(c.sourceVocab)));
  const search = { bos, eos, maxLength: c.maxLength };

  const ort = await loadOrt();
  const theirs = await encoderDecoderSessions(ort, net);
  try {
    const searches: SearchBenchResult[] = [];
    for (const decoding of [{ beamWidth: 1, lengthPenalty: 0 }, { beamWidth: width, lengthPenalty }] as Decoding[]) {
      const beam = decoding.beamWidth > 1;
      const ours = (): Int32Array[] => sources.map((s) => decodeBest(net, s, decoding, search));
      const onnx = async (): Promise<Int32Array[]> => {
        const out: Int32Array[] = [];
        for (const s of sources) out.push(beam ? (await theirs.beam(s, { ...search, width: decoding.beamWidth, lengthPenalty: decoding.lengthPenalty }))[0].tokens : (await theirs.greedy(s, search)).tokens);
        return out;
      };
      // Warm-up (and the decodes compared).
      const a = ours();
      const b = await onnx();
      let firstDifference: SearchBenchResult['firstDifference'];
      for (let i = 0; i < S && !firstDifference; i++) {
        const n = Math.max(a[i].length, b[i].length);
        for (let t = 0; t < n; t++)
          if (a[i][t] !== b[i][t]) {
            firstDifference = { sentence: i, position: t };
            break;
          }
      }
      const tokens = a.reduce((n, x) => n + x.length, 0);
      const timed = await timeInterleaved(ours, onnx, repeats);
      const rate = (ms: number): DecodeRate => ({ tokensPerSecond: tokens / (ms / 1000), sentencesPerSecond: S / (ms / 1000), msPerSentence: ms / S });
      const o = rate(timed.oursMs);
      const t = rate(timed.theirsMs);
      searches.push({ search: beam ? 'beam' : 'greedy', width: decoding.beamWidth, lengthPenalty: decoding.lengthPenalty, tokens, ours: o, onnxruntime: t, ratio: o.tokensPerSecond / t.tokensPerSecond, tokensAgree: firstDifference === undefined, firstDifference });
    }
    const version = (ort.env as { versions?: { node?: string } }).versions?.node ?? 'unknown';
    return { kind: 'encoder-decoder', config: c.name, description: c.description, sentences: S, batch: 1, maxLength: c.maxLength, searches, onnxruntime: { version, threads: 1 } };
  } finally {
    await theirs.release();
  }
}
