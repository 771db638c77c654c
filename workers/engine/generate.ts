// Inference with a trained network: generation by feeding predictions back (next-step text, one-to-many),
// multi-step forecasts (many-to-one series), and encoder–decoder decoding: greedy, sampled, or beam search.
// Recurrent state is carried from step to step: a token costs one step of the network, not a rerun of the prefix.
//
// Greedy and beam search are pure functions over a decoder step, `(states, tokens) → (logProbs, states)`: each
// hypothesis carries an opaque decoder state, and the search only reorders states along with their hypotheses. Any
// decoder plugs in through a DecodeStep: prefixDecoder below drives the encoder–decoder network without attention
// (its whole forward); a decoder with a one-step API (attention's decodeStep) hands its (h, c) as the state instead.
// Each search is one coroutine driven by a synchronous step (our engine) or an asynchronous one (greedySearchAsync,
// beamSearchAsync: onnxruntime-node's decoder graph, export/ort-decode.ts), so both sides run the same search.

import type { Batch } from './batch';
import type { WasmNetwork } from './network';
import { Rng } from './rng';

export interface SampleOptions {
  /** 0 → greedy (argmax); otherwise softmax at this temperature. */
  temperature: number;
  seed?: number;
}

function pick(probsOrLogits: Float32Array, offset: number, O: number, opts: SampleOptions, rng: Rng): number {
  if (opts.temperature <= 0) {
    let best = 0;
    for (let j = 1; j < O; j++) if (probsOrLogits[offset + j] > probsOrLogits[offset + best]) best = j;
    return best;
  }
  return rng.categorical(probsOrLogits.subarray(offset, offset + O));
}

/**
 * Next-step generation for a per-step token model (many-to-many or one-to-many): reads `prime` (at least one
 * token), then samples `length` tokens, each fed back as the next input. `features` (F floats) are appended to
 * every step's input for models whose input has numeric features (one-to-many conditioning).
 */
export function generateTokens(net: WasmNetwork, prime: Int32Array, length: number, opts: SampleOptions & { features?: Float32Array; stopToken?: number }): Int32Array {
  const { spec } = net.layout;
  if (spec.input.vocabSize === 0 || spec.output.kind !== 'classes') throw new Error('generation needs a model with token input and class output');
  if (prime.length === 0) throw new Error('generation needs at least one prime token');
  const O = spec.output.size;
  const F = spec.input.featureSize;
  const rng = new Rng(opts.seed ?? 1);
  const featuresFor = (T: number): Float32Array | undefined => {
    if (!F) return undefined;
    if (!opts.features || opts.features.length !== F) throw new Error(`this model needs ${F} conditioning features per step`);
    const f = new Float32Array(T * F);
    for (let t = 0; t < T; t++) f.set(opts.features, t * F);
    return f;
  };
  // Greedy picks read the logits in place (a view, read before the next forward); sampling takes a softmax copy.
  const scores = (): Float32Array => (opts.temperature > 0 ? net.probabilities(opts.temperature) : net.outputsView());
  // Prime: the whole prefix in one pass, keep the final state.
  net.forward({ batchSize: 1, steps: prime.length, tokens: prime, features: featuresFor(prime.length) });
  // Then one step per token. The state travels in the same two arrays (finalStates writes into what the next step
  // reads), and the step's batch is built once: a token costs one network step and no allocations here.
  const state = net.finalStates();
  const token = new Int32Array(1);
  const step: Batch = { batchSize: 1, steps: 1, tokens: token, features: featuresFor(1), initialH: state.h, initialC: state.c };
  let probs = scores();
  const out = new Int32Array(length);
  let last = (prime.length - 1) * O;
  for (let i = 0; i < length; i++) {
    const tok = pick(probs, last, O, opts, rng);
    out[i] = tok;
    if (tok === opts.stopToken) return out.subarray(0, i + 1);
    if (i === length - 1) break;
    token[0] = tok;
    net.forward(step);
    net.finalStates(state);
    probs = scores();
    last = 0;
  }
  return out;
}

/**
 * Multi-step forecast for a many-to-one model on one numeric feature: slides a window of the last `lookback`
 * values (already normalised), appending each prediction. Returns `steps` predictions (normalised units).
 */
export function forecastSeries(net: WasmNetwork, window: Float32Array, steps: number): Float32Array {
  const { spec } = net.layout;
  if (spec.shape !== 'many-to-one' || spec.input.featureSize !== 1 || spec.output.kind !== 'values') throw new Error('forecasting needs a many-to-one model on one numeric feature');
  const L = window.length;
  const buf = new Float32Array(L + steps);
  buf.set(window);
  for (let i = 0; i < steps; i++) {
    net.forward({ batchSize: 1, steps: L, features: buf.subarray(i, i + L) });
    buf[L + i] = net.outputs()[0];
  }
  return buf.slice(L);
}

// ============================================== greedy and beam search ============================================
// N hypotheses, V the target vocabulary. logProbs (N, V) row-major: log p(y_t = v | y_<t, x) of hypothesis n.

/** One decoder step for N hypotheses: each one's state and last token → log-probabilities (N, V) and next states. */
export type DecodeStep<S> = (states: readonly S[], tokens: Int32Array) => StepResult<S>;
/** The same step, answered asynchronously (a decoder in onnxruntime-node, whose runs are promises). */
export type AsyncDecodeStep<S> = (states: readonly S[], tokens: Int32Array) => Promise<StepResult<S>>;
export interface StepResult<S> {
  logProbs: ArrayLike<number>;
  states: S[];
}

// A search is written once, as a coroutine that yields each step it needs — (states, tokens) — and is resumed with
// the step's result; `drive` answers it with a synchronous DecodeStep, `driveAsync` with an asynchronous one. So
// greedySearch / beamSearch (our engine) and greedySearchAsync / beamSearchAsync (onnxruntime) are the same search.
type Search<S, R> = Generator<{ states: readonly S[]; tokens: Int32Array }, R, StepResult<S>>;

function drive<S, R>(search: Search<S, R>, step: DecodeStep<S>): R {
  let it = search.next(undefined as unknown as StepResult<S>); // the first resume's value is not read
  while (!it.done) it = search.next(step(it.value.states, it.value.tokens));
  return it.value;
}

async function driveAsync<S, R>(search: Search<S, R>, step: AsyncDecodeStep<S>): Promise<R> {
  let it = search.next(undefined as unknown as StepResult<S>);
  while (!it.done) it = search.next(await step(it.value.states, it.value.tokens));
  return it.value;
}

export interface SearchOptions {
  bos: number;
  eos: number;
  /** Most tokens generated (eos included). */
  maxLength: number;
}

export interface BeamOptions extends SearchOptions {
  /** Hypotheses kept at each step (1 = greedy). */
  width: number;
  /** α of the length normalisation score = log p(y) / |y|^α (|y| counts eos); 0 ranks by log p(y) alone. */
  lengthPenalty: number;
}

/** A decoded sequence: its tokens (without bos; with eos when it `finished`), log p(y | x) and normalised score. */
export interface Hypothesis {
  tokens: Int32Array;
  logProb: number;
  score: number;
  finished: boolean;
}

/** score = log p / |y|^α (fairseq's lenpen; α = 1 is the mean log-probability per token, α = 0 none). */
export function lengthNormalised(logProb: number, length: number, alpha: number): number {
  return alpha === 0 ? logProb : logProb / Math.pow(Math.max(1, length), alpha);
}

function checkSearch(opts: SearchOptions): void {
  if (!Number.isInteger(opts.maxLength) || opts.maxLength < 1) throw new Error(`maxLength must be a whole number ≥ 1 (got ${opts.maxLength})`);
}

/**
 * Greedy decoding: the most probable token at each step (the lowest id on a tie), until eos or maxLength tokens.
 * Equal to beamSearch with width 1 (tested).
 */
export function greedySearch<S>(step: DecodeStep<S>, start: S, opts: SearchOptions): Hypothesis {
  return drive(greedy(start, opts), step);
}

/** greedySearch over an asynchronous step (the same search). */
export function greedySearchAsync<S>(step: AsyncDecodeStep<S>, start: S, opts: SearchOptions): Promise<Hypothesis> {
  return driveAsync(greedy(start, opts), step);
}

function* greedy<S>(start: S, opts: SearchOptions): Search<S, Hypothesis> {
  checkSearch(opts);
  let states: readonly S[] = [start];
  let token = Int32Array.of(opts.bos);
  const out: number[] = [];
  let logProb = 0;
  while (out.length < opts.maxLength) {
    const r = yield { states, tokens: token };
    const lp = r.logProbs;
    let best = 0;
    for (let v = 1; v < lp.length; v++) if (lp[v] > lp[best]) best = v;
    logProb += lp[best];
    out.push(best);
    if (best === opts.eos) break;
    states = r.states;
    token = Int32Array.of(best); // a new array each step: a step may keep what it was given
  }
  const finished = out[out.length - 1] === opts.eos;
  return { tokens: Int32Array.from(out), logProb, score: logProb, finished };
}

interface Beam<S> {
  tokens: number[];
  logProb: number;
  state: S;
}

/**
 * Beam search (as fairseq runs it): each step extends every live hypothesis by every token and ranks the N·V
 * extensions by log p(y); going down that ranking, an extension ending in eos within the first `width` is finished,
 * and the first `width` others stay live (so `width` hypotheses stay live while any can). The search ends when
 * `width` hypotheses have finished, or at maxLength (the live ones then count, unfinished). Returns the best `width`
 * of the finished (else also the live) hypotheses by the length-normalised score (lengthNormalised), best first,
 * ties to the earlier found.
 */
export function beamSearch<S>(step: DecodeStep<S>, start: S, opts: BeamOptions): Hypothesis[] {
  return drive(beam(start, opts), step);
}

/** beamSearch over an asynchronous step (the same search). */
export function beamSearchAsync<S>(step: AsyncDecodeStep<S>, start: S, opts: BeamOptions): Promise<Hypothesis[]> {
  return driveAsync(beam(start, opts), step);
}

function* beam<S>(start: S, opts: BeamOptions): Search<S, Hypothesis[]> {
  checkSearch(opts);
  const K = opts.width;
  if (!Number.isInteger(K) || K < 1) throw new Error(`beam width must be a whole number ≥ 1 (got ${K})`);
  if (!(opts.lengthPenalty >= 0) || !Number.isFinite(opts.lengthPenalty)) throw new Error(`length penalty must be a number ≥ 0 (got ${opts.lengthPenalty})`);
  let live: Beam<S>[] = [{ tokens: [], logProb: 0, state: start }];
  const finished: Hypothesis[] = [];
  const toHypothesis = (tokens: number[], logProb: number, done: boolean): Hypothesis => ({ tokens: Int32Array.from(tokens), logProb, score: lengthNormalised(logProb, tokens.length, opts.lengthPenalty), finished: done });
  for (let t = 0; t < opts.maxLength && live.length > 0 && finished.length < K; t++) {
    const r = yield {
      states: live.map((b) => b.state),
      tokens: Int32Array.from(live, (b) => (b.tokens.length ? b.tokens[b.tokens.length - 1] : opts.bos)),
    };
    const V = r.logProbs.length / live.length;
    // The 2K best extensions (at most K of them can end in eos, so K stay live), in rank order: (n, v, log p).
    const M = Math.min(2 * K, live.length * V);
    const topN = new Int32Array(M);
    const topV = new Int32Array(M);
    const topLp = new Float64Array(M).fill(-Infinity);
    let filled = 0;
    for (let n = 0; n < live.length; n++) {
      const base = live[n].logProb;
      for (let v = 0; v < V; v++) {
        const lp = base + r.logProbs[n * V + v];
        if (filled === M && !(lp > topLp[M - 1])) continue; // not better than the worst kept: earlier ones win ties
        let i = filled < M ? filled++ : M - 1;
        while (i > 0 && lp > topLp[i - 1]) {
          topN[i] = topN[i - 1];
          topV[i] = topV[i - 1];
          topLp[i] = topLp[i - 1];
          i--;
        }
        topN[i] = n;
        topV[i] = v;
        topLp[i] = lp;
      }
    }
    const next: Beam<S>[] = [];
    for (let i = 0; i < filled && next.length < K; i++) {
      if (!Number.isFinite(topLp[i])) break; // −∞: impossible tokens are never extensions
      const from = live[topN[i]];
      const tokens = [...from.tokens, topV[i]];
      if (topV[i] === opts.eos) {
        if (i < K) finished.push(toHypothesis(tokens, topLp[i], true));
      } else next.push({ tokens, logProb: topLp[i], state: r.states[topN[i]] });
    }
    live = next;
  }
  const pool = finished.length >= K ? finished : [...finished, ...live.map((b) => toHypothesis(b.tokens, b.logProb, false))];
  // a stable sort: ties keep the order found (finished first, by step, then rank)
  return pool
    .map((h, i) => ({ h, i }))
    .sort((a, b) => b.h.score - a.h.score || a.i - b.i)
    .slice(0, K)
    .map((x) => x.h);
}

/** log softmax of each row of (N, V) logits, in float64. */
export function logSoftmaxRows(logits: ArrayLike<number>, N: number, V: number): Float64Array {
  const out = new Float64Array(N * V);
  for (let n = 0; n < N; n++) {
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[n * V + v]);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[n * V + v] - max);
    const lse = max + Math.log(sum);
    for (let v = 0; v < V; v++) out[n * V + v] = logits[n * V + v] - lse;
  }
  return out;
}

/**
 * The decoder step as the teacher-forced forward computes it, for one source sequence: a hypothesis's state is its
 * token prefix (bos first), and each step runs all N hypotheses as one batch of N copies of the source, teacher-forced
 * on their prefixes, reading the last decoder step's logits. It reruns the whole prefix every step, so it is the
 * tests' reference for stepDecoder (which carries the recurrent state and costs one step per token), not what
 * predict or the evaluation use.
 */
export function prefixDecoder(net: WasmNetwork, source: Int32Array): { start: number[]; step: DecodeStep<number[]> } {
  const { spec } = net.layout;
  if (spec.shape !== 'encoder-decoder') throw new Error('decoding needs an encoder–decoder model');
  if (source.length === 0) throw new Error('decoding needs a source of at least one token');
  const O = spec.output.size;
  const T = source.length;
  const step: DecodeStep<number[]> = (states, tokens) => {
    const B = states.length;
    const prefixes = states.map((s, b) => [...s, tokens[b]]);
    const Td = prefixes[0].length;
    if (prefixes.some((p) => p.length !== Td)) throw new Error('prefixDecoder: hypotheses of one step must have equal lengths');
    const src = new Int32Array(T * B);
    for (let t = 0; t < T; t++) src.fill(source[t], t * B, (t + 1) * B);
    const dec = new Int32Array(Td * B);
    prefixes.forEach((p, b) => p.forEach((tok, t) => (dec[t * B + b] = tok)));
    net.forward({ batchSize: B, steps: T, tokens: src, decoderSteps: Td, decoderTokens: dec });
    const last = net.outputsView().subarray((Td - 1) * B * O, Td * B * O);
    return { logProbs: logSoftmaxRows(last, B, O), states: prefixes };
  };
  return { start: [], step };
}

/** One hypothesis's decoder state: (L, H) h per layer, and c for cells with a cell state. */
export interface RowState {
  h: Float32Array;
  c?: Float32Array;
  /** Input feeding: the hypothesis's h̃ of its last step (Hd), reordered with its recurrent state. */
  a?: Float32Array;
}

/**
 * The decoder step of an encoder–decoder network (with or without attention) for one source sequence, carrying each
 * hypothesis's recurrent state: the encoder runs once (net.encode); each step runs the N hypotheses' last tokens as
 * one batch of N rows through net.decodeStep, every row reading the one source (attention's memory gathered per row),
 * and splits the new state back per hypothesis. One decoder step per token, whatever the prefix's length.
 */
export function stepDecoder(net: WasmNetwork, source: Int32Array): { start: RowState; step: DecodeStep<RowState> } {
  const { spec } = net.layout;
  if (spec.shape !== 'encoder-decoder') throw new Error('decoding needs an encoder–decoder model');
  if (source.length === 0) throw new Error('decoding needs a source of at least one token');
  const src = net.encode(source, 1);
  const dl = net.layout.decoder!;
  const L = dl.layers;
  const H = dl.hiddenSize;
  const O = spec.output.size;
  const start: RowState = { h: src.state.h.slice(), ...(src.state.c ? { c: src.state.c.slice() } : {}), ...(src.state.a ? { a: src.state.a.slice() } : {}) };
  const step: DecodeStep<RowState> = (states, tokens) => {
    const R = states.length;
    // (L, R, H) from each row's (L, H)
    const pack = (pick: (s: RowState) => Float32Array | undefined): Float32Array | undefined => {
      if (!pick(states[0])) return undefined;
      const out = new Float32Array(L * R * H);
      states.forEach((s, r) => {
        const a = pick(s)!;
        for (let l = 0; l < L; l++) out.set(a.subarray(l * H, (l + 1) * H), (l * R + r) * H);
      });
      return out;
    };
    const h = pack((s) => s.h)!;
    const c = pack((s) => s.c);
    // input feeding: (R, Hd) h̃ rows, one per hypothesis
    const Hd = states[0].a?.length ?? 0;
    const a = Hd ? new Float32Array(R * Hd) : undefined;
    if (a) states.forEach((s, row) => a.set(s.a!, row * Hd));
    const r = net.decodeStep(src, { h, ...(c ? { c } : {}), ...(a ? { a } : {}) }, tokens, new Int32Array(R));
    const unpack = (a: Float32Array | undefined, row: number): Float32Array | undefined => {
      if (!a) return undefined;
      const out = new Float32Array(L * H);
      for (let l = 0; l < L; l++) out.set(a.subarray((l * R + row) * H, (l * R + row + 1) * H), l * H);
      return out;
    };
    const next = states.map((_, row) => ({
      h: unpack(r.state.h, row)!,
      ...(r.state.c ? { c: unpack(r.state.c, row) } : {}),
      ...(r.state.a ? { a: r.state.a.slice(row * Hd, (row + 1) * Hd) } : {}),
    }));
    return { logProbs: logSoftmaxRows(r.logits, R, O), states: next };
  };
  return { start, step };
}

/** How to decode: greedy, or beam search of a width with a length penalty α. */
export interface Decoding {
  beamWidth: number;
  lengthPenalty: number;
}
export const GREEDY: Decoding = { beamWidth: 1, lengthPenalty: 0 };

/**
 * Decodes one source with an encoder–decoder network: greedy when beamWidth is 1, otherwise the best hypothesis
 * of a beam search. Returns its tokens (without bos, with eos when reached).
 */
export function decodeBest(net: WasmNetwork, source: Int32Array, decoding: Decoding, opts: SearchOptions): Int32Array {
  const { start, step } = stepDecoder(net, source);
  if (decoding.beamWidth <= 1) return greedySearch(step, start, opts).tokens;
  return beamSearch(step, start, { ...opts, width: decoding.beamWidth, lengthPenalty: decoding.lengthPenalty })[0].tokens;
}

/**
 * Encoder–decoder decoding for one source sequence: greedy (temperature 0: greedySearch) or sampled. Starts from `bos`, stops at
 * `eos` or after `maxLength` tokens. Returns the generated tokens (without BOS, with EOS when reached).
 */
export function decodeSequence(net: WasmNetwork, source: Int32Array, opts: SampleOptions & { bos: number; eos: number; maxLength: number }): Int32Array {
  const { spec } = net.layout;
  if (spec.shape !== 'encoder-decoder') throw new Error('decoding needs an encoder–decoder model');
  if (opts.temperature <= 0) return decodeBest(net, source, GREEDY, opts);
  const O = spec.output.size;
  const rng = new Rng(opts.seed ?? 1);
  const out: number[] = [];
  // The encoder runs once (its outputs are what attention reads); then one decoder step per token, its state carried
  // (net.decodeStep: logits, state and attention weights of a step, for any number of rows — beams included).
  const src = net.encode(source, 1);
  let state = src.state;
  const token = Int32Array.of(opts.bos);
  for (let i = 0; i < opts.maxLength; i++) {
    const step = net.decodeStep(src, state, token);
    const scores = opts.temperature > 0 ? net.probabilities(opts.temperature) : step.logits;
    const tok = pick(scores, 0, O, opts, rng);
    out.push(tok);
    if (tok === opts.eos) break;
    token[0] = tok;
    state = step.state;
  }
  return Int32Array.from(out);
}
