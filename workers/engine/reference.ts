// Float64 reference of the whole model: forward, loss and hand-written backpropagation through time (BPTT).
// The WASM trainer is tested against it (outputs, loss, gradients, ‖∂L/∂hₜ‖); it is itself tested against finite
// differences (reference.test.ts) and against PyTorch fixtures (reference.pytorch.test.ts).
// Never optimise this file: plain loops, one batch item at a time, every forward beside its backward. Its only job is
// to be obviously right. The semantics it implements are the ones written down in batch.ts and layout.ts.
//
// Legend: B batch, T steps, H hidden, X input width of a layer, G gates (rnn 1, lstm 4, gru 3), D directions,
// L layers, E embedding width, F features per step, O head outputs, N head rows (T·B per step, B per sequence).
// σ logistic sigmoid, ⊙ elementwise product, ⊗ outer product, h' / c' the state carried in from the previous position.
// Time-major: element (t, b, x) of a (T, B, X) array sits at (t·B + b)·X + x.

import type { OutputSpec } from '../../src-shared/model';
import { type CellType, hasCellState } from '../../src-shared/cells';
import { dropoutSeed, dropoutUniform, headPerStep, reversedStep, type Batch } from './batch';
import type { CellTensors, ParamLayout, StackLayout, TensorSlot } from './layout';
import { REFERENCE_CELLS, type StepMemo } from './reference-cells';
import { attentionBackward, attentionForward, type AttentionRun } from './reference-attention';

// ================================================================================================================
// Public API
// ================================================================================================================

export interface ReferenceOptions {
  /** Training pass: dropout is applied when this is set and spec.dropout > 0. */
  train?: boolean;
  /** The batch seed the dropout masks are derived from (dropoutSeed(batchSeed, layer)); 0 when absent. */
  dropoutBatchSeed?: number;
  /**
   * Test hook: adds `delta` to one hidden state of the encoder (or only) stack right after it is computed, before
   * anything reads it (the layer above, the head, the next step, the final state). Finite differences over `delta`
   * measure the total ∂L/∂hₜ that `hiddenGradNorms` reports. `step` is the ORIGINAL step (see batch.ts, π_b).
   */
  hiddenNudge?: { layer: number; direction: number; step: number; item: number; unit: number; delta: number };
}

export interface ReferenceResult {
  /** As defined in batch.ts (0 when the batch has no targets or every weight is 0). */
  loss: number;
  /** Σ w over the head rows. */
  weightSum: number;
  /** Head outputs (logits or values): (T·B, O) rows t·B + b for per-step heads (Td·B for the decoder), (B, O) otherwise. */
  outputs: Float64Array;
  /** Final hidden states (L·D, B, H) of the encoder (or only) stack; of the decoder, (L, B, H), for encoder–decoder. */
  finalH: Float64Array;
  /** Cells with a cell state only: the final cell states, shaped like finalH. */
  finalC?: Float64Array;
  /** Encoder–decoder models with attention: the weights a (B, Td, Ts), 0 at padded source positions. */
  attentionWeights?: Float64Array;
  /** ∂L/∂params in the flat layout (padding stays 0); only with `gradients: true`. */
  grads?: Float64Array;
  /**
   * Only with `gradients: true`. Per layer-direction l·D + d of the encoder (or only) stack, length T:
   * ‖∂L/∂hₜ‖₂ over (B, H) at ORIGINAL step t, the total gradient reaching that hidden state (from the layer above or
   * the head, from the next position through the recurrence, and, at the final position, through the final state).
   */
  hiddenGradNorms?: Float64Array[];
}

export function referenceForward(
  layout: ParamLayout,
  params: Float64Array,
  batch: Batch,
  opts: ReferenceOptions & { gradients?: boolean } = {},
): ReferenceResult {
  const { spec } = layout;
  if (params.length !== layout.size) throw new Error(`params has ${params.length} floats, the layout ${layout.size}`);
  const B = batch.batchSize;
  const T = batch.steps;
  const lengths = checkedLengths(batch.lengths, B, T);
  const dropout: Dropout | null =
    opts.train && spec.dropout > 0 ? { p: spec.dropout, batchSeed: opts.dropoutBatchSeed ?? 0, firstLayer: 0 } : null;
  const encoderDecoder = spec.shape === 'encoder-decoder';
  const perStep = headPerStep(spec.shape);

  // ---- forward: input → encoder (or only) stack ----------------------------------------------------------------
  const x0 = embedForward(layout, params, batch, T, B); // (T, B, E+F)
  const enc = runStack(layout.encoder, params, x0, T, B, lengths, batch.initialH, batch.initialC, dropout, opts.hiddenNudge);

  // ---- forward: encoder final states → decoder (encoder–decoder only) ------------------------------------------
  let dec: StackRun | undefined;
  let fed: FedDecoderRun | undefined; // input feeding: the decoder and its attention, one step at a time
  let Td = 0;
  let decLengths = lengths;
  if (encoderDecoder) {
    const decoder = layout.decoder!;
    Td = batch.decoderSteps ?? 0;
    if (!(Td > 0) || !batch.decoderTokens) throw new Error('an encoder–decoder batch needs decoderSteps and decoderTokens');
    decLengths = checkedLengths(batch.decoderLengths, B, Td);
    const { h0, c0 } = bridgeForward(layout.encoder, enc, B); // (L, B, H) each
    const xd = tokenEmbedForward(params, layout.decoderEmbed!, batch.decoderTokens, Td, B); // (Td, B, Ed)
    // Decoder layers take the dropout seeds after the encoder's: layer l of the decoder is mask layer L + l.
    const decDropout = dropout ? { ...dropout, firstLayer: layout.encoder.layers } : null;
    if (layout.attention?.inputFeeding) fed = fedDecoderForward(layout, params, enc.top, lengths, xd, Td, B, decLengths, h0, c0, decDropout);
    else dec = runStack(decoder, params, xd, Td, B, decLengths, h0, c0, decDropout, undefined);
  }
  // ---- forward: attention over the encoder's top outputs (encoder–decoder with attention only) -------------------
  const att = dec ? layout.attention : undefined;
  let attn: AttentionRun | undefined;
  if (dec && att) attn = attentionForward(att, params, enc.top, dec.top, lengths, { Ts: T, Td, B });
  if (fed) {
    attn = fed.attn;
    dec = fed.whole;
  }

  // ---- forward: head --------------------------------------------------------------------------------------------
  const top = dec ?? enc;
  const topStack = dec ? layout.decoder! : layout.encoder;
  const headSteps = dec ? Td : T;
  const N = perStep ? headSteps * B : B;
  const headIn = attn ? attn.out : perStep ? top.top : finalStateRows(topStack, top, B); // (N, D·H), h̃ (N, Hd) with attention
  const outputs = headForward(layout, params, headIn, N); // (N, O)

  // ---- loss -------------------------------------------------------------------------------------------------------
  const w = lossWeights(spec.output, batch, perStep, headSteps, B, decLengths); // (N)
  const { loss, weightSum, dY } = lossForward(spec.output, outputs, batch, w, N);

  const result: ReferenceResult = { loss, weightSum, outputs, finalH: top.finalH, ...(attn ? { attentionWeights: attn.weights } : {}) };
  if (hasCellState(spec.stack.cell)) result.finalC = top.finalC;
  if (!opts.gradients) return result;

  // ================================ backward: the same path, in reverse ===========================================
  const grads = new Float64Array(layout.size);
  const dHeadIn = headBackward(layout, params, grads, headIn, dY, N); // (N, D·H)

  // The top stack receives the head's gradient either on every step of its last layer or on its final states.
  const topD = topStack.directions;
  const topL = topStack.layers;
  const topH = topStack.hiddenSize;
  let dTop = perStep ? dHeadIn : new Float64Array(headSteps * B * topD * topH);
  // With attention the head read h̃: its gradient reaches the decoder's top outputs and every encoder top output.
  let dEncTop: Float64Array | undefined;
  if (fed) {
    const back = fedDecoderBackward(layout, params, grads, enc.top, lengths, fed, dHeadIn, Td, B);
    tokenEmbedBackward(grads, layout.decoderEmbed!, batch.decoderTokens!, back.dEmb, Td, B);
    const encFinal = bridgeBackward(layout.encoder, back.dh0, back.dc0, B);
    const encBack = backStack(layout.encoder, params, grads, enc, T, B, lengths, back.dEnc, encFinal.dFinalH, encFinal.dFinalC);
    embedBackward(layout, grads, batch, encBack.dx0, T, B);
    result.grads = grads;
    result.hiddenGradNorms = encBack.normsSq.map((sq) => sq.map(Math.sqrt));
    return result;
  }
  if (attn && att && dec) {
    const back = attentionBackward(att, params, grads, enc.top, dec.top, lengths, attn, dHeadIn, { Ts: T, Td, B });
    dTop = back.dDec;
    dEncTop = back.dEnc;
  }
  const dFinalH = new Float64Array(topL * topD * B * topH); // (L·D, B, H)
  const dFinalC = new Float64Array(topL * topD * B * topH);
  if (!perStep) finalStateRowsBackward(topStack, dHeadIn, dFinalH, B);

  let encBack: StackGrads;
  if (dec) {
    const decBack = backStack(layout.decoder!, params, grads, dec, Td, B, decLengths, dTop, dFinalH, dFinalC);
    tokenEmbedBackward(grads, layout.decoderEmbed!, batch.decoderTokens!, decBack.dx0, Td, B);
    const encFinal = bridgeBackward(layout.encoder, decBack.dh0, decBack.dc0, B);
    const encTop = dEncTop ?? new Float64Array(T * B * layout.encoder.directions * layout.encoder.hiddenSize); // unused without attention
    encBack = backStack(layout.encoder, params, grads, enc, T, B, lengths, encTop, encFinal.dFinalH, encFinal.dFinalC);
  } else {
    encBack = backStack(layout.encoder, params, grads, enc, T, B, lengths, dTop, dFinalH, dFinalC);
  }
  embedBackward(layout, grads, batch, encBack.dx0, T, B);
  // dh0 / dc0 of the encoder are dropped: initial states are constants (batch.ts).

  result.grads = grads;
  result.hiddenGradNorms = encBack.normsSq.map((sq) => sq.map(Math.sqrt));
  return result;
}

// ================================================================================================================
// Small helpers
// ================================================================================================================

/** A tensor's slice of a flat vector (a view: writes into it land in the flat vector). */
function tensor(flat: Float64Array, slot: TensorSlot): Float64Array {
  return flat.subarray(slot.offset, slot.offset + slot.size);
}

function checkedLengths(given: Int32Array | undefined, B: number, T: number): Int32Array {
  const lengths = new Int32Array(B).fill(T);
  if (!given) return lengths;
  if (given.length !== B) throw new Error(`lengths has ${given.length} entries for a batch of ${B}`);
  for (let b = 0; b < B; b++) {
    if (!(given[b] >= 1 && given[b] <= T)) throw new Error(`length ${given[b]} of item ${b} is outside 1..${T}`);
    lengths[b] = given[b];
  }
  return lengths;
}

/** y = W·x + b for one row: W (R, C), x (C), b (R) → (R). */
function affine(W: Float64Array, bias: Float64Array, x: Float64Array, R: number, C: number): Float64Array {
  const y = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    let s = bias[r];
    for (let k = 0; k < C; k++) s += W[r * C + k] * x[k];
    y[r] = s;
  }
  return y;
}

/** Backward of y = W·x + b for one row: gW += dy ⊗ x, gb += dy; returns dx = Wᵀ·dy (C). */
function affineBackward(W: Float64Array, gW: Float64Array, gb: Float64Array, x: Float64Array, dy: Float64Array, R: number, C: number): Float64Array {
  const dx = new Float64Array(C);
  for (let r = 0; r < R; r++) {
    gb[r] += dy[r];
    for (let k = 0; k < C; k++) {
      gW[r * C + k] += dy[r] * x[k];
      dx[k] += W[r * C + k] * dy[r];
    }
  }
  return dx;
}

// ================================================================================================================
// Cells: one step of one batch item, forward beside backward (reference-cells.ts, picked by name).
// ================================================================================================================

/** One cell's tensors in a flat vector (parameters, or their gradients). */
interface CellParams {
  Wx: Float64Array; // (G·H, X)
  Wh: Float64Array; // (G·H, H)
  bx: Float64Array; // (G·H)
  bh: Float64Array; // (G·H)
  P: Float64Array; // (R, H) peepholes; empty for cells without
}

function cellParams(flat: Float64Array, slots: CellTensors): CellParams {
  return { Wx: tensor(flat, slots.Wx), Wh: tensor(flat, slots.Wh), bx: tensor(flat, slots.bx), bh: tensor(flat, slots.bh), P: slots.P ? tensor(flat, slots.P) : new Float64Array(0) };
}

function stepForward(cell: CellType, p: CellParams, x: Float64Array, hPrev: Float64Array, cPrev: Float64Array, X: number, H: number, G: number): StepMemo {
  const ax = affine(p.Wx, p.bx, x, G * H, X); // (G·H)
  const ah = affine(p.Wh, p.bh, hPrev, G * H, H); // (G·H)
  const { act, ahN, h, c } = REFERENCE_CELLS[cell].forward(ax, ah, hPrev, cPrev, H, p.P);
  return { x, hPrev, cPrev, act, ahN, h, c };
}

/** Backward of one step: accumulates the cell's parameter gradients into g; returns dx (X), dh' (H), dc' (H). */
function stepBackward(cell: CellType, p: CellParams, g: CellParams, m: StepMemo, dh: Float64Array, dc: Float64Array, X: number, H: number, G: number) {
  const { dax, dah, dhPrevDirect, dcPrev, dP } = REFERENCE_CELLS[cell].backward(m, dh, dc, H, p.P);
  if (dP) for (let i = 0; i < dP.length; i++) g.P[i] += dP[i];
  const dx = affineBackward(p.Wx, g.Wx, g.bx, m.x, dax, G * H, X);
  const dhPrev = affineBackward(p.Wh, g.Wh, g.bh, m.hPrev, dah, G * H, H);
  for (let j = 0; j < H; j++) dhPrev[j] += dhPrevDirect[j];
  return { dx, dhPrev, dcPrev };
}

// ================================================================================================================
// One direction of one layer through time.
// Position s is the direction's own step; item b reads original step π_b(s) (= s forward, reversedStep backward).
// ================================================================================================================

interface DirectionRun {
  memos: StepMemo[][]; // [position s][item b]
  out: Float64Array; // (T, B, H) h at ORIGINAL steps
  hFinal: Float64Array; // (B, H) h at position len_b − 1
  cFinal: Float64Array; // (B, H)
}

interface Nudge {
  step: number;
  item: number;
  unit: number;
  delta: number;
}

function originalStep(s: number, length: number, reverse: boolean): number {
  return reverse ? reversedStep(s, length) : s;
}

function runDirection(
  cell: CellType,
  p: CellParams,
  xs: Float64Array, // (T, B, X) at original steps
  T: number, B: number, X: number, H: number, G: number,
  lengths: Int32Array,
  reverse: boolean,
  h0: Float64Array | undefined, // (B, H)
  c0: Float64Array | undefined, // (B, H)
  nudge: Nudge | undefined,
): DirectionRun {
  const memos: StepMemo[][] = [];
  const out = new Float64Array(T * B * H);
  const hFinal = new Float64Array(B * H);
  const cFinal = new Float64Array(B * H);
  const h: Float64Array[] = [...Array(B)].map((_, b) => (h0 ? Float64Array.from(h0.subarray(b * H, (b + 1) * H)) : new Float64Array(H)));
  const c: Float64Array[] = [...Array(B)].map((_, b) => (c0 ? Float64Array.from(c0.subarray(b * H, (b + 1) * H)) : new Float64Array(H)));
  for (let s = 0; s < T; s++) {
    const row: StepMemo[] = [];
    for (let b = 0; b < B; b++) {
      const t = originalStep(s, lengths[b], reverse);
      const x = xs.slice((t * B + b) * X, (t * B + b + 1) * X);
      const m = stepForward(cell, p, x, h[b], c[b], X, H, G);
      if (nudge && nudge.step === t && nudge.item === b) m.h[nudge.unit] += nudge.delta;
      row.push(m);
      h[b] = m.h;
      c[b] = m.c;
      out.set(m.h, (t * B + b) * H);
      if (s === lengths[b] - 1) {
        hFinal.set(m.h, b * H);
        cFinal.set(m.c, b * H);
      }
    }
    memos.push(row);
  }
  return { memos, out, hFinal, cFinal };
}

/**
 * BPTT through one direction. dOut (T, B, H) is ∂L/∂(this direction's output) at original steps; dhFinal/dcFinal
 * (B, H) are ∂L/∂(final state), which enters at position len_b − 1. Returns dxs (T, B, X) at original steps,
 * ∂L/∂h0 and ∂L/∂c0 (B, H), and Σ_b ‖∂L/∂h‖² per original step (T).
 */
function backDirection(
  cell: CellType,
  p: CellParams,
  g: CellParams,
  run: DirectionRun,
  dOut: Float64Array,
  dhFinal: Float64Array,
  dcFinal: Float64Array,
  T: number, B: number, X: number, H: number, G: number,
  lengths: Int32Array,
  reverse: boolean,
) {
  const dxs = new Float64Array(T * B * X);
  const normsSq = new Float64Array(T);
  let dhNext: Float64Array[] = [...Array(B)].map(() => new Float64Array(H)); // ∂L/∂h reaching position s from position s + 1
  let dcNext: Float64Array[] = [...Array(B)].map(() => new Float64Array(H));
  for (let s = T - 1; s >= 0; s--) {
    const dhPrevRow: Float64Array[] = [];
    const dcPrevRow: Float64Array[] = [];
    for (let b = 0; b < B; b++) {
      const t = originalStep(s, lengths[b], reverse);
      const final = s === lengths[b] - 1;
      // dh = from the output (layer above / head) + from the next position + from the final state.
      const dh = new Float64Array(H);
      const dc = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        dh[j] = dOut[(t * B + b) * H + j] + dhNext[b][j] + (final ? dhFinal[b * H + j] : 0);
        dc[j] = dcNext[b][j] + (final ? dcFinal[b * H + j] : 0);
        normsSq[t] += dh[j] * dh[j];
      }
      const { dx, dhPrev, dcPrev } = stepBackward(cell, p, g, run.memos[s][b], dh, dc, X, H, G);
      dxs.set(dx, (t * B + b) * X);
      dhPrevRow.push(dhPrev);
      dcPrevRow.push(dcPrev);
    }
    dhNext = dhPrevRow;
    dcNext = dcPrevRow;
  }
  const dh0 = new Float64Array(B * H);
  const dc0 = new Float64Array(B * H);
  for (let b = 0; b < B; b++) {
    dh0.set(dhNext[b], b * H);
    dc0.set(dcNext[b], b * H);
  }
  return { dxs, dh0, dc0, normsSq };
}

// ================================================================================================================
// A stack: L layers × D directions, outputs concatenated [fwd | bwd], dropout between layers.
// ================================================================================================================

interface Dropout {
  p: number;
  batchSeed: number;
  /** Mask layer index of this stack's layer 0 (0 for the encoder, L for the decoder). */
  firstLayer: number;
  /** Index of this run's first mask element in the whole sequence's mask (input feeding runs one step at a time). */
  offset?: number;
}

interface StackRun {
  inputs: Float64Array[]; // [l] (T, B, X_l) what layer l read (after dropout of layer l − 1)
  dirs: DirectionRun[][]; // [l][d]
  masks: (Float64Array | null)[]; // [l] (T, B, D·H) dropout multipliers on layer l's output (0 or 1/(1−p)), or null
  top: Float64Array; // (T, B, D·H) the last layer's output
  finalH: Float64Array; // (L·D, B, H)
  finalC: Float64Array; // (L·D, B, H)
}

interface StackGrads {
  dx0: Float64Array; // (T, B, X_0)
  dh0: Float64Array; // (L·D, B, H)
  dc0: Float64Array; // (L·D, B, H)
  normsSq: Float64Array[]; // [l·D + d] (T) Σ ‖∂L/∂hₜ‖² over (B, H)
}

/** Dropout multipliers for layer `maskLayer`'s output (T, B, D·H): element i kept iff dropoutUniform(seed, i) ≥ p. */
function dropoutMask(dropout: Dropout, maskLayer: number, size: number): Float64Array {
  const seed = dropoutSeed(dropout.batchSeed, maskLayer);
  const keep = 1 / (1 - dropout.p);
  const mask = new Float64Array(size);
  const at = dropout.offset ?? 0;
  for (let i = 0; i < size; i++) mask[i] = dropoutUniform(seed, at + i) >= dropout.p ? keep : 0;
  return mask;
}

function runStack(
  st: StackLayout,
  params: Float64Array,
  x0: Float64Array, // (T, B, X_0)
  T: number,
  B: number,
  lengths: Int32Array,
  h0: ArrayLike<number> | undefined, // (L·D, B, H)
  c0: ArrayLike<number> | undefined, // (L·D, B, H)
  dropout: Dropout | null,
  nudge: ReferenceOptions['hiddenNudge'],
): StackRun {
  const { cell, gates: G, layers: L, hiddenSize: H, directions: D } = st;
  if (h0 && h0.length !== L * D * B * H) throw new Error(`initialH has ${h0.length} floats, expected (L·D, B, H) = ${L * D * B * H}`);
  if (c0 && c0.length !== L * D * B * H) throw new Error(`initialC has ${c0.length} floats, expected (L·D, B, H) = ${L * D * B * H}`);
  // Initial state (B, H) of layer-direction k, or undefined for zeros.
  const state = (s: ArrayLike<number> | undefined, k: number) => (s ? Float64Array.from({ length: B * H }, (_, i) => s[k * B * H + i]) : undefined);
  const run: StackRun = { inputs: [], dirs: [], masks: [], top: x0, finalH: new Float64Array(L * D * B * H), finalC: new Float64Array(L * D * B * H) };
  let x = x0;
  for (let l = 0; l < L; l++) {
    const X = st.inputSizes[l];
    run.inputs.push(x);
    const dirs: DirectionRun[] = [];
    for (let d = 0; d < D; d++) {
      const k = l * D + d;
      const n = nudge && nudge.layer === l && nudge.direction === d ? nudge : undefined;
      const r = runDirection(cell, cellParams(params, st.cells[l][d]), x, T, B, X, H, G, lengths, d === 1, state(h0, k), state(c0, k), n);
      run.finalH.set(r.hFinal, k * B * H);
      run.finalC.set(r.cFinal, k * B * H);
      dirs.push(r);
    }
    run.dirs.push(dirs);
    // y (T, B, D·H) = [fwd | bwd] at each original step
    const y = new Float64Array(T * B * D * H);
    for (let tb = 0; tb < T * B; tb++) for (let d = 0; d < D; d++) y.set(dirs[d].out.subarray(tb * H, (tb + 1) * H), (tb * D + d) * H);
    const mask = dropout && l < L - 1 ? dropoutMask(dropout, dropout.firstLayer + l, y.length) : null;
    run.masks.push(mask);
    if (mask) for (let i = 0; i < y.length; i++) y[i] *= mask[i];
    x = y;
  }
  run.top = x;
  return run;
}

function backStack(
  st: StackLayout,
  params: Float64Array,
  grads: Float64Array,
  run: StackRun,
  T: number,
  B: number,
  lengths: Int32Array,
  dTop: Float64Array, // (T, B, D·H)
  dFinalH: Float64Array, // (L·D, B, H)
  dFinalC: Float64Array, // (L·D, B, H)
): StackGrads {
  const { cell, gates: G, layers: L, hiddenSize: H, directions: D } = st;
  const dh0 = new Float64Array(L * D * B * H);
  const dc0 = new Float64Array(L * D * B * H);
  const normsSq: Float64Array[] = new Array<Float64Array>(L * D);
  let dy = dTop; // ∂L/∂(layer l's output after its dropout)
  for (let l = L - 1; l >= 0; l--) {
    const X = st.inputSizes[l];
    const mask = run.masks[l];
    if (mask) dy = dy.map((v, i) => v * mask[i]);
    const dx = new Float64Array(T * B * X);
    for (let d = 0; d < D; d++) {
      const k = l * D + d;
      const dOut = new Float64Array(T * B * H); // this direction's slice of dy
      for (let tb = 0; tb < T * B; tb++) dOut.set(dy.subarray((tb * D + d) * H, (tb * D + d + 1) * H), tb * H);
      const back = backDirection(
        cell, cellParams(params, st.cells[l][d]), cellParams(grads, st.cells[l][d]), run.dirs[l][d], dOut,
        dFinalH.subarray(k * B * H, (k + 1) * B * H), dFinalC.subarray(k * B * H, (k + 1) * B * H),
        T, B, X, H, G, lengths, d === 1,
      );
      for (let i = 0; i < dx.length; i++) dx[i] += back.dxs[i];
      dh0.set(back.dh0, k * B * H);
      dc0.set(back.dc0, k * B * H);
      normsSq[k] = back.normsSq;
    }
    dy = dx;
  }
  return { dx0: dy, dh0, dc0, normsSq };
}

// ================================================================================================================
// Input feeding (Luong §3.3): the decoder's input at step t is [embedding(y_{t−1}) ; h̃_{t−1}], h̃_0 = 0, so the
// decoder (all its layers) and the attention run one step at a time, each step a one-step stack from the previous
// step's final states. Backward runs the steps in reverse: ∂L/∂h̃_t is the head's plus what step t + 1's input sent.
// ================================================================================================================

interface FedDecoderRun {
  steps: StackRun[]; // [t] the decoder stack over step t alone
  attns: AttentionRun[]; // [t] its attention (Td = 1)
  attn: AttentionRun; // the whole: out (Td, B, Hd), weights (B, Td, Ts), context (Td, B, S)
  whole: StackRun; // top (Td, B, Hd) and the final states at each item's decoder length (for the result)
}

function fedDecoderForward(
  layout: ParamLayout, params: Float64Array, encTop: Float64Array, lengths: Int32Array, xd: Float64Array, Td: number, B: number, decLengths: Int32Array,
  h0: Float64Array, c0: Float64Array, dropout: Dropout | null,
): FedDecoderRun {
  const st = layout.decoder!;
  const att = layout.attention!;
  const { Hd, S } = att;
  const Ts = encTop.length / (B * S);
  const Ed = st.inputSizes[0] - Hd;
  const { layers: L, hiddenSize: H } = st;
  const ones = new Int32Array(B).fill(1);
  const steps: StackRun[] = [];
  const attns: AttentionRun[] = [];
  const out = new Float64Array(Td * B * Hd);
  const weights = new Float64Array(B * Td * Ts);
  const context = new Float64Array(Td * B * S);
  const top = new Float64Array(Td * B * H);
  const finalH = new Float64Array(L * B * H);
  const finalC = new Float64Array(L * B * H);
  let h = h0;
  let c = c0;
  let prev: Float64Array = new Float64Array(B * Hd); // h̃_0 = 0
  for (let t = 0; t < Td; t++) {
    const x = new Float64Array(B * (Ed + Hd));
    for (let b = 0; b < B; b++) {
      x.set(xd.subarray((t * B + b) * Ed, (t * B + b + 1) * Ed), b * (Ed + Hd));
      x.set(prev.subarray(b * Hd, (b + 1) * Hd), b * (Ed + Hd) + Ed);
    }
    const run = runStack(st, params, x, 1, B, ones, h, c, dropout ? { ...dropout, offset: t * B * H } : null, undefined);
    const a = attentionForward(att, params, encTop, run.top, lengths, { Ts, Td: 1, B });
    steps.push(run);
    attns.push(a);
    out.set(a.out, t * B * Hd);
    context.set(a.context, t * B * S);
    top.set(run.top, t * B * H);
    for (let b = 0; b < B; b++) weights.set(a.weights.subarray(b * Ts, (b + 1) * Ts), (b * Td + t) * Ts);
    for (let l = 0; l < L; l++)
      for (let b = 0; b < B; b++)
        if (decLengths[b] === t + 1) {
          finalH.set(run.finalH.subarray((l * B + b) * H, (l * B + b + 1) * H), (l * B + b) * H);
          finalC.set(run.finalC.subarray((l * B + b) * H, (l * B + b + 1) * H), (l * B + b) * H);
        }
    h = run.finalH;
    c = run.finalC;
    prev = a.out;
  }
  return { steps, attns, attn: { out, weights, context }, whole: { inputs: [], dirs: [], masks: [], top, finalH, finalC } };
}

/** Backward of fedDecoderForward given ∂L/∂h̃ (Td, B, Hd): ∂L/∂(decoder embeddings) (Td, B, Ed), ∂L/∂(encoder top), ∂L/∂h0, c0. */
function fedDecoderBackward(
  layout: ParamLayout, params: Float64Array, grads: Float64Array, encTop: Float64Array, lengths: Int32Array, run: FedDecoderRun, dOut: Float64Array, Td: number, B: number,
) {
  const st = layout.decoder!;
  const att = layout.attention!;
  const { Hd, S } = att;
  const Ts = encTop.length / (B * S);
  const In = st.inputSizes[0];
  const Ed = In - Hd;
  const { layers: L, hiddenSize: H } = st;
  const ones = new Int32Array(B).fill(1);
  const dEmb = new Float64Array(Td * B * Ed);
  const dEnc = new Float64Array(Ts * B * S);
  let dh: Float64Array = new Float64Array(L * B * H);
  let dc: Float64Array = new Float64Array(L * B * H);
  let dPrev = new Float64Array(B * Hd); // ∂L/∂h̃_t from step t + 1's input
  for (let t = Td - 1; t >= 0; t--) {
    const d = Float64Array.from(dOut.subarray(t * B * Hd, (t + 1) * B * Hd), (v, i) => v + dPrev[i]);
    const a = attentionBackward(att, params, grads, encTop, run.steps[t].top, lengths, run.attns[t], d, { Ts, Td: 1, B });
    for (let i = 0; i < dEnc.length; i++) dEnc[i] += a.dEnc[i];
    const back = backStack(st, params, grads, run.steps[t], 1, B, ones, a.dDec, dh, dc);
    dPrev = new Float64Array(B * Hd);
    for (let b = 0; b < B; b++) {
      dEmb.set(back.dx0.subarray(b * In, b * In + Ed), (t * B + b) * Ed);
      dPrev.set(back.dx0.subarray(b * In + Ed, (b + 1) * In), b * Hd);
    }
    dh = back.dh0;
    dc = back.dc0;
  }
  return { dEmb, dEnc, dh0: dh, dc0: dc };
}

// ================================================================================================================
// Encoder → decoder bridge: decoder layer l starts from Σ_d encoder final state (l, d).
// ================================================================================================================

function bridgeForward(encoder: StackLayout, enc: StackRun, B: number) {
  const { layers: L, directions: D, hiddenSize: H } = encoder;
  const h0 = new Float64Array(L * B * H); // (L, B, H)
  const c0 = new Float64Array(L * B * H);
  for (let l = 0; l < L; l++)
    for (let d = 0; d < D; d++)
      for (let i = 0; i < B * H; i++) {
        h0[l * B * H + i] += enc.finalH[(l * D + d) * B * H + i];
        c0[l * B * H + i] += enc.finalC[(l * D + d) * B * H + i];
      }
  return { h0, c0 };
}

/** ∂L/∂(decoder initial state) (L, B, H) → ∂L/∂(encoder final state) (L·D, B, H): a sum copies its gradient. */
function bridgeBackward(encoder: StackLayout, dh0: Float64Array, dc0: Float64Array, B: number) {
  const { layers: L, directions: D, hiddenSize: H } = encoder;
  const dFinalH = new Float64Array(L * D * B * H);
  const dFinalC = new Float64Array(L * D * B * H);
  for (let l = 0; l < L; l++)
    for (let d = 0; d < D; d++) {
      dFinalH.set(dh0.subarray(l * B * H, (l + 1) * B * H), (l * D + d) * B * H);
      dFinalC.set(dc0.subarray(l * B * H, (l + 1) * B * H), (l * D + d) * B * H);
    }
  return { dFinalH, dFinalC };
}

// ================================================================================================================
// Inputs: layer 0 reads [embed[token] | features] per step.
// ================================================================================================================

/** (T, B) tokens → (T, B, E) rows of embed (V, E). */
function tokenEmbedForward(params: Float64Array, slot: TensorSlot, tokens: Int32Array, T: number, B: number): Float64Array {
  const [V, E] = slot.shape;
  const embed = tensor(params, slot);
  if (tokens.length !== T * B) throw new Error(`tokens has ${tokens.length} entries, expected (T, B) = ${T * B}`);
  const x = new Float64Array(T * B * E);
  for (let tb = 0; tb < T * B; tb++) {
    const v = tokens[tb];
    if (!(v >= 0 && v < V)) throw new Error(`token ${v} at ${tb} is outside the vocabulary 0..${V - 1}`);
    x.set(embed.subarray(v * E, (v + 1) * E), tb * E);
  }
  return x;
}

/** dx (T, B, E) → g_embed[token] += dx. */
function tokenEmbedBackward(grads: Float64Array, slot: TensorSlot, tokens: Int32Array, dx: Float64Array, T: number, B: number): void {
  const E = slot.shape[1];
  const gEmbed = tensor(grads, slot);
  for (let tb = 0; tb < T * B; tb++) for (let e = 0; e < E; e++) gEmbed[tokens[tb] * E + e] += dx[tb * E + e];
}

/** The encoder's layer-0 input x0 (T, B, E + F) = [embed[token] | features]. */
function embedForward(layout: ParamLayout, params: Float64Array, batch: Batch, T: number, B: number): Float64Array {
  const { input } = layout.spec;
  const E = layout.embed ? input.embedSize : 0;
  const F = input.featureSize;
  const X = E + F;
  const x0 = new Float64Array(T * B * X);
  if (layout.embed) {
    if (!batch.tokens) throw new Error('this model reads tokens but the batch has none');
    const e = tokenEmbedForward(params, layout.embed, batch.tokens, T, B);
    for (let tb = 0; tb < T * B; tb++) x0.set(e.subarray(tb * E, (tb + 1) * E), tb * X);
  }
  if (F > 0) {
    const f = batch.features;
    if (!f || f.length !== T * B * F) throw new Error(`this model reads (T, B, F) = ${T * B * F} features per batch`);
    for (let tb = 0; tb < T * B; tb++) for (let k = 0; k < F; k++) x0[tb * X + E + k] = f[tb * F + k];
  }
  return x0;
}

function embedBackward(layout: ParamLayout, grads: Float64Array, batch: Batch, dx0: Float64Array, T: number, B: number): void {
  if (!layout.embed) return;
  const E = layout.spec.input.embedSize;
  const X = E + layout.spec.input.featureSize;
  const dEmbed = new Float64Array(T * B * E); // the embedding's columns of dx0; the features' are dropped
  for (let tb = 0; tb < T * B; tb++) dEmbed.set(dx0.subarray(tb * X, tb * X + E), tb * E);
  tokenEmbedBackward(grads, layout.embed, batch.tokens!, dEmbed, T, B);
}

// ================================================================================================================
// Head: y = Wy·h + by on each step's [fwd | bwd], or once per sequence on the top layer's [fwd final | bwd final].
// ================================================================================================================

/** (B, D·H) rows [fwd final | bwd final] of the stack's last layer. */
function finalStateRows(st: StackLayout, run: StackRun, B: number): Float64Array {
  const { layers: L, directions: D, hiddenSize: H } = st;
  const rows = new Float64Array(B * D * H);
  for (let b = 0; b < B; b++)
    for (let d = 0; d < D; d++) rows.set(run.finalH.subarray(((L - 1) * D + d) * B * H + b * H, ((L - 1) * D + d) * B * H + (b + 1) * H), (b * D + d) * H);
  return rows;
}

function finalStateRowsBackward(st: StackLayout, dRows: Float64Array, dFinalH: Float64Array, B: number): void {
  const { layers: L, directions: D, hiddenSize: H } = st;
  for (let b = 0; b < B; b++)
    for (let d = 0; d < D; d++) dFinalH.set(dRows.subarray((b * D + d) * H, (b * D + d + 1) * H), ((L - 1) * D + d) * B * H + b * H);
}

/** (N, D·H) → (N, O). */
function headForward(layout: ParamLayout, params: Float64Array, hIn: Float64Array, N: number): Float64Array {
  const { Wy, by, inputSize: K } = layout.head;
  const O = Wy.shape[0];
  const y = new Float64Array(N * O);
  for (let n = 0; n < N; n++) y.set(affine(tensor(params, Wy), tensor(params, by), hIn.subarray(n * K, (n + 1) * K), O, K), n * O);
  return y;
}

/** Accumulates gWy, gby; returns ∂L/∂hIn (N, D·H). */
function headBackward(layout: ParamLayout, params: Float64Array, grads: Float64Array, hIn: Float64Array, dY: Float64Array, N: number): Float64Array {
  const { Wy, by, inputSize: K } = layout.head;
  const O = Wy.shape[0];
  const dIn = new Float64Array(N * K);
  for (let n = 0; n < N; n++) {
    const dx = affineBackward(tensor(params, Wy), tensor(grads, Wy), tensor(grads, by), hIn.subarray(n * K, (n + 1) * K), dY.subarray(n * O, (n + 1) * O), O, K);
    dIn.set(dx, n * K);
  }
  return dIn;
}

// ================================================================================================================
// Losses: weighted mean cross-entropy / mean squared error (batch.ts), forward beside ∂L/∂y.
// ================================================================================================================

/** w (N): `weights` if given, else 1 on valid steps (t < len_b) and 0 on padding; 0 where a class target is < 0. */
function lossWeights(output: OutputSpec, batch: Batch, perStep: boolean, steps: number, B: number, lengths: Int32Array): Float64Array {
  const N = perStep ? steps * B : B;
  const w = new Float64Array(N);
  if (batch.weights) {
    if (batch.weights.length !== N) throw new Error(`weights has ${batch.weights.length} entries, expected ${N}`);
    for (let n = 0; n < N; n++) w[n] = batch.weights[n];
  } else {
    for (let n = 0; n < N; n++) w[n] = perStep ? (Math.floor(n / B) < lengths[n % B] ? 1 : 0) : 1;
  }
  if (output.kind === 'classes' && batch.targetClasses) for (let n = 0; n < N; n++) if (batch.targetClasses[n] < 0) w[n] = 0;
  return w;
}

function lossForward(output: OutputSpec, y: Float64Array, batch: Batch, w: Float64Array, N: number) {
  const O = output.size;
  const dY = new Float64Array(N * O);
  let weightSum = 0;
  for (let n = 0; n < N; n++) weightSum += w[n];
  const hasTargets = output.kind === 'classes' ? !!batch.targetClasses : !!batch.targetValues;
  if (!hasTargets || weightSum === 0) return { loss: 0, weightSum, dY };

  let loss = 0;
  if (output.kind === 'classes') {
    // L = Σ w·(log Σ_o e^{y_o} − y_target) / Σ w;  ∂L/∂y_o = w·(softmax(y)_o − [o = target]) / Σ w
    const target = batch.targetClasses!;
    if (target.length !== N) throw new Error(`targetClasses has ${target.length} entries, expected ${N}`);
    for (let n = 0; n < N; n++) {
      if (w[n] === 0) continue;
      const k = target[n];
      if (k >= O) throw new Error(`target class ${k} at ${n} is outside 0..${O - 1}`);
      const row = y.subarray(n * O, (n + 1) * O);
      let max = -Infinity;
      for (let o = 0; o < O; o++) max = Math.max(max, row[o]);
      let sum = 0;
      for (let o = 0; o < O; o++) sum += Math.exp(row[o] - max);
      const logSum = max + Math.log(sum);
      loss += w[n] * (logSum - row[k]);
      for (let o = 0; o < O; o++) dY[n * O + o] = (w[n] * (Math.exp(row[o] - logSum) - (o === k ? 1 : 0))) / weightSum;
    }
  } else {
    // L = Σ w·Σ_o (y_o − t_o)² / (O·Σ w);  ∂L/∂y_o = 2·w·(y_o − t_o) / (O·Σ w)
    const target = batch.targetValues!;
    if (target.length !== N * O) throw new Error(`targetValues has ${target.length} entries, expected ${N * O}`);
    for (let n = 0; n < N; n++) {
      if (w[n] === 0) continue;
      for (let o = 0; o < O; o++) {
        const e = y[n * O + o] - target[n * O + o];
        loss += w[n] * e * e;
        dY[n * O + o] = (2 * w[n] * e) / (O * weightSum);
      }
    }
    loss /= O;
  }
  return { loss: loss / weightSum, weightSum, dY };
}
