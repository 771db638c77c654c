// One training/evaluation batch as the engine sees it, and the semantics both engines (WASM and reference) obey.
// Time-major everywhere: element (t, b) of a (T, B) array is at t·B + b; (T, B, F) at (t·B + b)·F + f.
//
// Semantics (the reference and the WASM trainer implement exactly this):
// - Lengths: sequence b has `lengths[b]` valid steps (1..T, default T). Padded steps are computed like any other
//   step (the cell keeps running on the padding input) and carry zero loss weight, so they never affect the loss.
// - Reverse direction: reads each sequence backwards *within its own length*: reversed position s of item b holds
//   original step π_b(s) = len_b − 1 − s for s < len_b, and s itself for s ≥ len_b (π_b is its own inverse). The
//   reverse direction's output at original step t is its state at reversed position π_b(t).
// - Final state of a direction: its state at its own position len_b − 1 (for reverse: after reading the whole
//   sequence). It is what many-to-one reads, what an encoder hands its decoder, and what TBPTT carries on.
// - Head placement by shape: per step ('many-to-many', 'one-to-many', and the decoder of 'encoder-decoder') on
//   [fwd_t | bwd_t]; once per sequence ('many-to-one', 'one-to-one') on [fwd final | bwd final].
// - Dropout (training only, p = spec.dropout) on the output of every layer but the last, inverted (kept values
//   scaled by 1/(1−p)); element i of layer l's output is kept iff dropoutUniform(seed_l, i) ≥ p, seed_l =
//   dropoutSeed(batchSeed, l). Deterministic, so the reference reproduces the WASM trainer's masks exactly.
//   Decoder layer l of an encoder–decoder model uses dropoutSeed(batchSeed, L + l), after the encoder's L layers.
// - Losses: cross-entropy L = Σ w·(−log softmax(y)[target]) / Σ w (targets < 0 get weight 0); MSE
//   L = Σ w·Σ_o (y_o − t_o)² / (O · Σ w). w = `weights` if given, else 1 on valid steps (t < len_b), 0 on padding.
// - Encoder–decoder: the decoder (unidirectional, teacher-forced on `decoderTokens`) starts from the encoder's
//   final states per layer, the two directions summed when the encoder is bidirectional; targets are per
//   decoder step.
// - Initial states (`initialH`, `initialC`, shape (L·D, B, H), index l·D + d) default to zero. They are treated as
//   constants (TBPTT carries state across chunks without gradient), except inside encoder–decoder models, where
//   the decoder's initial state is the encoder's output and its gradient flows back into the encoder.

export interface Batch {
  /** B */
  batchSize: number;
  /** T: steps of the (encoder) input. */
  steps: number;
  /** (T, B) token ids when the input carries tokens. */
  tokens?: Int32Array;
  /** (T, B, F) numeric features when the input has them. */
  features?: Float32Array;
  /** (B) valid steps per sequence; absent means every sequence has T steps. */
  lengths?: Int32Array;
  /** (T, B) per-step classes, or (B) one class per sequence; negative = ignored. */
  targetClasses?: Int32Array;
  /** (T, B, O) per-step values, or (B, O) one value vector per sequence. */
  targetValues?: Float32Array;
  /** Loss weights in the target's shape ((T, B) or (B)); absent = 1 on valid steps. */
  weights?: Float32Array;
  /** Encoder–decoder: Td decoder steps, teacher-forced input tokens (Td, B) and lengths (B). Targets are (Td, B). */
  decoderSteps?: number;
  decoderTokens?: Int32Array;
  decoderLengths?: Int32Array;
  /** (L·D, B, H) initial hidden state per layer and direction (TBPTT carry); zero when absent. */
  initialH?: Float32Array;
  /** (L·D, B, H) initial LSTM cell state. */
  initialC?: Float32Array;
}

/** Original step read by a direction at its own position s (see π_b above). */
export function reversedStep(s: number, length: number): number {
  return s < length ? length - 1 - s : s;
}

/** murmur3's 32-bit finaliser: a good integer hash, identical in TypeScript and AssemblyScript. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform in [0, 1) for element i of a dropout mask (24 bits, so float32 and float64 agree exactly). */
export function dropoutUniform(seed: number, i: number): number {
  return (fmix32((seed + Math.imul(i, 0x9e3779b9)) >>> 0) >>> 8) / 16777216;
}

/** Seed of layer l's dropout mask for a batch whose seed is batchSeed. */
export function dropoutSeed(batchSeed: number, layer: number): number {
  return fmix32((batchSeed ^ Math.imul(layer + 1, 0x632be5ab)) >>> 0);
}

/** True when the head reads every step (aligned outputs); false when it reads one final state per sequence. */
export function headPerStep(shape: string): boolean {
  return shape === 'many-to-many' || shape === 'one-to-many' || shape === 'encoder-decoder';
}

/**
 * Items [lo, hi) of a batch (one worker's share in data-parallel training). Initial states are not sliced: each
 * worker carries the states of its own share.
 */
export function sliceBatch(batch: Batch, lo: number, hi: number, perStepTargets: boolean): Batch {
  const B = batch.batchSize;
  const n = hi - lo;
  const rows = <A extends Int32Array | Float32Array>(a: A | undefined, T: number, width: number): A | undefined => {
    if (!a) return undefined;
    const out = new (a.constructor as { new (n: number): A })(T * n * width);
    for (let t = 0; t < T; t++) out.set(a.subarray((t * B + lo) * width, (t * B + hi) * width), t * n * width);
    return out;
  };
  const T = batch.steps;
  const Td = batch.decoderSteps ?? 0;
  const targetT = batch.decoderTokens ? Td : T;
  const tRows = perStepTargets ? targetT : 1;
  const O = batch.targetValues ? batch.targetValues.length / (tRows * B) : 1;
  const F = batch.features ? batch.features.length / (T * B) : 1;
  return {
    batchSize: n,
    steps: T,
    tokens: rows(batch.tokens, T, 1),
    features: rows(batch.features, T, F),
    lengths: batch.lengths?.slice(lo, hi),
    targetClasses: rows(batch.targetClasses, tRows, 1),
    targetValues: rows(batch.targetValues, tRows, O),
    weights: rows(batch.weights, tRows, 1),
    decoderSteps: batch.decoderSteps,
    decoderTokens: rows(batch.decoderTokens, Td, 1),
    decoderLengths: batch.decoderLengths?.slice(lo, hi),
  };
}
