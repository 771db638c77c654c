// Inference with a trained network: generation by feeding predictions back (next-step text, one-to-many),
// multi-step forecasts (many-to-one series), and encoder–decoder decoding (greedy or sampled).
// Recurrent state is carried from step to step: a token costs one step of the network, not a rerun of the prefix.

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

/**
 * Encoder–decoder decoding for one source sequence: greedy (temperature 0) or sampled. Starts from `bos`, stops at
 * `eos` or after `maxLength` tokens. Returns the generated tokens (without BOS, with EOS when reached).
 */
export function decodeSequence(net: WasmNetwork, source: Int32Array, opts: SampleOptions & { bos: number; eos: number; maxLength: number }): Int32Array {
  const { spec } = net.layout;
  if (spec.shape !== 'encoder-decoder') throw new Error('decoding needs an encoder–decoder model');
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
