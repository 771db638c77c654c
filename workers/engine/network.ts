// The WASM-backed network: forward, loss and backward (BPTT) of a whole model on one batch, in float32.
// TypeScript orchestrates; every inner loop runs in the kernels (workers/kernels/assembly). Tensors live in the
// module's linear memory at the offsets of memory-map.ts; TypeScript reads them through typed-array views.
// Knows nothing of workers, files or Electron. Its numerics are tested against reference.ts and PyTorch fixtures.
//
// Legend: B batch, T steps, H hidden, G gates, D directions, In layer input width, O head outputs, N head rows.
// Shape of the computation (as cuDNN / PyTorch): per layer-direction, Gx = X·Wxᵀ + bx for all steps is one GEMM;
// the cell loop only multiplies h(t−1)·Whᵀ; backward accumulates dWx = dGxᵀ·X and dWh = dGhᵀ·H(t−1) as GEMMs
// over all steps at once.
// Embedding fold: when layer 0 reads only tokens and the vocabulary is smaller than T·B, its input projection is
// a table lookup: P = E·Wx0ᵀ + bx (V, G·H) once per step, then Gx0 = P[tokens]. Backward scatters dGx0 by token
// into S (V, G·H), then dWx0 += Sᵀ·E and dE += S·Wx0 — the same numbers with far fewer FLOPs for small V.
// Token memo (generation, one token per forward): the same row of P for each token as it is first met, computed
// as the unfolded forward computes it (bx + E[tok]·Wx0ᵀ, the same GEMM call) and kept until the parameters
// change, so a generated token costs no layer-0 input projection and gives bit-identical numbers.
// Attention (encoder–decoder, src-shared/attention.ts): between the decoder stack and the head, over the encoder's
// top outputs S (Ts, B, D·H). The projections are GEMMs (keys K = S·W_aᵀ or S·W_kᵀ over all Ts·B rows at once,
// the combination z = [c; h]·W_cᵀ over all Td·B rows); scores, the masked softmax and the context are the batched
// (B, Td, Ts) loops of workers/kernels/assembly/attention.ts. Backward sends ∂L/∂h̃ to the decoder's top outputs and
// to every encoder output (so every source step gets gradient directly, not only through the final state).
// Input feeding (layout.attention.inputFeeding): the decoder's layer 0 reads [embedding ; h̃_{t−1}], so fedForward
// runs the decoder stack one step at a time, each followed by the attention, and fedBackward runs the steps in reverse
// (∂L/∂h̃_{t−1} = the head's + what step t's input sends back).
// Decoding one step at a time: encode() runs the encoder once, decodeStep() one decoder step for a batch of rows
// (beams) with carried state, returning the logits, the new state and the attention weights.

import { CELL_GATES, hasCellState } from '../../src-shared/cells';
import type { AttentionLayout } from './layout';
import { type Batch, dropoutSeed, headPerStep } from './batch';
import { cellBackward, cellForward, cellPackedFloats, engineCell, gateKinds } from './cells';
import type { KernelExports } from './kernels';
import { buildLayout, type ParamLayout, type StackLayout, type TensorSlot } from './layout';
import { Arena, ensureBytes, memoryMap, type MemoryMap } from './memory-map';

export interface ForwardOptions {
  /** Training mode: dropout on (with this batch seed) and activations kept for backward. */
  train?: boolean;
  dropoutBatchSeed?: number;
}

export interface ForwardResult {
  /** Mean loss (NaN when the batch has no targets). */
  loss: number;
  /** Σ of loss weights (tokens or sequences that counted). */
  weightSum: number;
}

/** Per layer-direction record of one stack's forward pass, kept for backward and diagnostics. */
interface DirRun {
  xs: number; // (T, B, In) input as this direction reads it (time-reversed copy for d = 1); 0 when folded
  tokens: number; // folded layer 0: int32 (T, B) token ids as this direction reads them
  gx: number; // (T, B, G·H) gates after forward
  dgh: number; // the recurrent-side pre-activation gradients of the cell's own blocks (cells.ts ownRecurrentBlocks), else dgx
  hs: number; // (T+1, B, H)
  h0Zero: boolean; // hs[0] is zero (no initial state given): its rows add nothing to dWh
  cs: number; // (T+1, B, H) cells with a cell state, else 0
  kept: number; // (T, B, keep·H) what the cell keeps for backward (cells.ts keep), else 0
  norms: number; // (T) ‖∂L/∂h_t‖² in this direction's own time
}
interface LayerRun {
  input: number; // (T, B, In)
  inputSize: number;
  out: number; // (T, B, D·H) after dropout
  mask: number; // dropout mask over out, 0 when none
  dirs: DirRun[];
}
interface StackRun {
  stack: StackLayout;
  T: number;
  B: number;
  lengths: number; // int32 (B) pointer, 0 when every sequence has T steps
  lengthOf: Int32Array;
  tokens: number; // int32 (T, B) pointer of embedded tokens, 0 when none
  embed?: TensorSlot;
  /** Layer 0 reads only tokens through a vocabulary smaller than T·B: use the embedding fold. */
  fold: boolean;
  /** One token (T·B = 1; inference without targets, so never backward) read by layer 0 alone: token memo. */
  memo: boolean;
  input: number; // (T, B, In0) embedded tokens and/or features
  layers: LayerRun[];
  top: number; // (T, B, D·H)
}

export interface GateStat {
  stack: 'enc' | 'dec';
  layer: number;
  direction: number;
  gate: string;
  mean: number;
  saturated: number;
}

export interface HiddenGradFlow {
  stack: 'enc' | 'dec';
  layer: number;
  direction: number;
  /** ‖∂L/∂h_t‖₂ over (B, H) at original step t (reverse directions mapped back assuming full-length sequences). */
  norms: Float64Array;
}

/** One attention pass (forward records for backward). Pointers into the arena; widths S (encoder), Hd (decoder). */
interface AttentionRun {
  Ts: number;
  Td: number;
  B: number;
  lengths: number; // int32 (B) source lengths, 0 = all Ts
  encTop: number; // (Ts, B, S) s_j
  decTop: number; // (Td, B, Hd) h_t
  keys: number; // (Ts, B, ldk) k_j: s_j (dot), W_a s_j (general), W_k s_j (additive)
  ldk: number;
  qp: number; // (Td, B, Hd) W_q h_t (additive), else 0
  weights: number; // (B, Td, Ts) a
  cat: number; // (Td, B, S + Hd) [c_t ; h_t]
  out: number; // (Td, B, Hd) h̃_t
}

/** The decoder's carried state: (L, B, H) hidden states, and cell states for cells with one. */
export interface DecoderState {
  h: Float32Array;
  c?: Float32Array;
  /** Input feeding: (B, Hd) the previous step's attentional state h̃_{t−1} (zeros before the first step). */
  a?: Float32Array;
}

/** Input feeding's decoder: one one-step stack run and one attention pass per target step (see fedForward). */
interface FedRun {
  steps: StackRun[];
  attns: AttentionRun[];
  Td: number;
  /** (B) each item's decoder length. */
  lengthOf: Int32Array;
}

/** A batch of sources run through the encoder once (encode), for decoding step by step (decodeStep). */
export interface EncodedSource {
  /** Sources and their padded length. */
  B: number;
  Ts: number;
  /** (B) each source's length. */
  lengths: Int32Array;
  /** Attention models: (Ts, B, S) the encoder's top outputs s_j, and (Ts, B, Hd) their keys (general, additive). */
  memory?: Float32Array;
  keys?: Float32Array;
  /** The decoder's first state: the encoder's final states per layer, directions summed. */
  state: DecoderState;
}

export interface DecodedStep {
  /** (B, O) the head's logits for each row. */
  logits: Float32Array;
  /** The state after this step (new arrays). */
  state: DecoderState;
  /** Attention models: (B, Ts) each row's weights over its source's steps (0 beyond its length). */
  weights?: Float32Array;
}

/** Largest token memo (D·V·G·H floats, 16 MiB): beyond it a generated token is projected afresh each step. */
const TOKEN_MEMO_FLOATS = 4 << 20;

export class WasmNetwork {
  readonly layout: ParamLayout;
  readonly map: MemoryMap;
  private readonly k: KernelExports;
  private readonly arena: Arena;
  private f32 = new Float32Array(0);
  private i32 = new Int32Array(0);
  private transposedStale = true;

  // State of the last forward, consumed by backward.
  private enc?: StackRun;
  private dec?: StackRun;
  private attn?: AttentionRun;
  private fed?: FedRun;
  private headIn = 0;
  private headRows = 0;
  private logits = 0;
  private dlogits = 0;
  private hasLoss = false;
  private perStep = true;
  private scratch = 0;
  /** The recurrent weights packed for the step GEMMs (cellPackedFloats, 64-byte aligned), 0 for batches of one. */
  private packed = 0;
  private lastBatch?: Batch;
  /** Token memo (see the header): rows (D, V, G·H) of layer 0's input projection, and which are filled. */
  private tokenMemo?: { rows: Float32Array; filled: Uint8Array };
  /**
   * Reused from step to step instead of allocated on each (typed arrays cost ~10 µs each to allocate here, with
   * the garbage they leave): the lengths of full-length batches (read only), and the head's gradient on the final
   * states per direction (read within backward only).
   */
  private fullLengths = new Int32Array(0);
  private finalGrads: Float32Array[] = [];

  constructor(kernels: KernelExports, spec: ParamLayout['spec']) {
    this.k = kernels;
    this.layout = buildLayout(spec);
    this.map = memoryMap(kernels.heap_base(), this.layout.size);
    ensureBytes(kernels.memory, this.map.ARENA_OFFSET);
    kernels.gemm_workspace(this.map.GEMM_OFFSET, this.map.GEMM_SIZE / 4);
    this.arena = new Arena(kernels.memory, this.map.ARENA_OFFSET);
    this.views();
    this.f32.fill(0, this.map.PARAMS_OFFSET / 4, this.map.ARENA_OFFSET / 4);
  }

  // ============================================== memory views ==================================================

  private views(): Float32Array {
    if (this.f32.buffer !== this.k.memory.buffer) {
      this.f32 = new Float32Array(this.k.memory.buffer);
      this.i32 = new Int32Array(this.k.memory.buffer);
    }
    return this.f32;
  }

  /** Parameters (a live view: valid until the memory next grows). */
  get params(): Float32Array {
    return this.views().subarray(this.map.PARAMS_OFFSET / 4, this.map.PARAMS_OFFSET / 4 + this.layout.size);
  }
  get grads(): Float32Array {
    return this.views().subarray(this.map.GRADS_OFFSET / 4, this.map.GRADS_OFFSET / 4 + this.layout.size);
  }
  /** Optimiser moment buffers (for checkpoints). */
  get moment1(): Float32Array {
    return this.views().subarray(this.map.MOMENT1_OFFSET / 4, this.map.MOMENT1_OFFSET / 4 + this.layout.size);
  }
  get moment2(): Float32Array {
    return this.views().subarray(this.map.MOMENT2_OFFSET / 4, this.map.MOMENT2_OFFSET / 4 + this.layout.size);
  }

  setParams(values: Float32Array): void {
    if (values.length !== this.layout.size) throw new Error(`expected ${this.layout.size} parameters, got ${values.length}`);
    this.params.set(values);
    this.transposedStale = true;
  }

  /** Call after changing parameters in place (the optimiser does). */
  paramsChanged(): void {
    this.transposedStale = true;
  }

  /** Bytes of WASM memory in use at the high-water mark. */
  get memoryBytes(): number {
    return this.arena.peak;
  }

  private p(slot: TensorSlot): number {
    return this.map.PARAMS_OFFSET + slot.offset * 4;
  }
  private g(slot: TensorSlot): number {
    return this.map.GRADS_OFFSET + slot.offset * 4;
  }
  private t(slot: TensorSlot): number {
    return this.map.TRANSPOSED_OFFSET + slot.offset * 4;
  }
  private zero(ptr: number, floats: number): void {
    this.views().fill(0, ptr / 4, ptr / 4 + floats);
  }
  private allocZero(floats: number): number {
    const p = this.arena.alloc(floats);
    this.views();
    this.zero(p, floats);
    return p;
  }
  private putInt(values: Int32Array): number {
    const p = this.arena.alloc(values.length);
    this.views();
    this.i32.set(values, p / 4);
    return p;
  }
  private putFloat(values: Float32Array): number {
    const p = this.arena.alloc(values.length);
    this.views().set(values, p / 4);
    return p;
  }

  /** C(M, N) = bias + A·B for row-major A (lda) and B (ldb = ldc = N), in one pass (gemm.ts gemm_bias). */
  private gemmBias(C: number, A: number, B: number, bias: number, M: number, N: number, K: number, lda: number): void {
    this.k.gemm_bias(C, A, B, bias, M, N, K, lda, 1, N, N);
  }

  private refreshTransposed(): void {
    if (!this.transposedStale) return;
    this.tokenMemo?.filled.fill(0);
    const k = this.k;
    for (const s of this.layout.tensors) {
      if (s.role === 'Wx' || s.role === 'Wh' || s.role === 'Wy' || (s.role === 'att' && s.shape.length === 2)) k.transpose(this.t(s), this.p(s), s.shape[0], s.shape[1]);
    }
    this.transposedStale = false;
  }

  // ============================================== forward =======================================================

  forward(batch: Batch, opts: ForwardOptions = {}): ForwardResult {
    validateBatch(this.layout, batch);
    const k = this.k;
    const { spec } = this.layout;
    this.lastBatch = batch;
    const train = opts.train ?? false;
    const batchSeed = opts.dropoutBatchSeed ?? 0;
    const B = batch.batchSize;
    this.begin(B, batch.steps > 1 || (batch.decoderSteps ?? 0) > 1);

    // Encoder (or the only) stack.
    const enc = this.inputRun(this.layout.encoder, batch.steps, B, batch.lengths, batch.tokens, batch.features, this.layout.embed, !train && !this.layout.decoder && !batch.targetClasses && !batch.targetValues);
    const L = this.layout.encoder.layers;
    const D = this.layout.encoder.directions;
    const H = this.layout.encoder.hiddenSize;
    const h0 = batch.initialH;
    const c0 = batch.initialC;
    this.stackForward(enc, train, batchSeed, 0, (l, d) => (h0 ? h0.subarray((l * D + d) * B * H, (l * D + d + 1) * B * H) : undefined), (l, d) =>
      c0 ? c0.subarray((l * D + d) * B * H, (l * D + d + 1) * B * H) : undefined,
    );
    this.enc = enc;
    this.dec = undefined;
    this.attn = undefined;
    this.fed = undefined;

    let top = enc;
    if (this.layout.attention?.inputFeeding) {
      // Input feeding: the decoder and its attention interleave step by step (fedForward); the head reads h̃.
      this.fed = this.fedForward(enc, batch, train, batchSeed);
      this.dec = this.fed.steps[this.fed.Td - 1];
      top = this.dec;
    } else if (this.layout.decoder) {
      // Bridge: the decoder starts from the encoder's final states, directions summed.
      const dl = this.layout.decoder;
      const Td = batch.decoderSteps!;
      const dec = this.inputRun(dl, Td, B, batch.decoderLengths, batch.decoderTokens, undefined, this.layout.decoderEmbed);
      const bridgeH = (l: number): Float32Array => this.sumFinal(enc, l, 'h');
      const bridgeC = (l: number): Float32Array => this.sumFinal(enc, l, 'c');
      this.stackForward(dec, train, batchSeed, this.layout.encoder.layers, (l) => bridgeH(l), (l) => (hasCellState(dl.cell) ? bridgeC(l) : undefined));
      this.dec = dec;
      top = dec;
      if (this.layout.attention) this.attn = this.attend(this.layout.attention, enc.top, batch.steps, enc.lengths, dec.top, Td, B, 0);
    }

    // Head: per step over the top output, or once over the final states.
    const O = spec.output.size;
    const F = this.layout.head.inputSize;
    const Wy = this.layout.head.Wy;
    const by = this.layout.head.by;
    this.perStep = headPerStep(spec.shape);
    const topT = this.fed ? this.fed.Td : top.T;
    const topLengths = this.fed ? this.fed.lengthOf : top.lengthOf;
    if (this.perStep) {
      this.headRows = topT * B;
      this.headIn = this.attn ? this.attn.out : top.top;
    } else {
      this.headRows = B;
      this.headIn = this.arena.alloc(B * F);
      this.views();
      const stack = top.stack;
      for (let d = 0; d < stack.directions; d++) this.finalState(top, top.layers.length - 1, d, 'h', this.f32, this.headIn / 4 + d * stack.hiddenSize, F);
    }
    const N = this.headRows;
    this.logits = this.arena.alloc(N * O);
    this.gemmBias(this.logits, this.headIn, this.t(Wy), this.p(by), N, O, F, F);

    // Loss.
    this.hasLoss = batch.targetClasses !== undefined || batch.targetValues !== undefined;
    if (!this.hasLoss) return { loss: NaN, weightSum: 0 };
    const weights = lossWeights(batch, this.perStep, topT, topLengths);
    let weightSum = 0;
    for (let i = 0; i < weights.length; i++) weightSum += weights[i];
    const wPtr = this.putFloat(weights);
    this.dlogits = this.arena.alloc(N * O);
    let lossSum: number;
    if (spec.output.kind === 'classes') {
      const targets = batch.targetClasses!;
      const safe = new Int32Array(targets.length);
      for (let i = 0; i < targets.length; i++) safe[i] = targets[i] < 0 ? 0 : targets[i];
      const tPtr = this.putInt(safe);
      lossSum = k.softmax_xent(this.logits, this.dlogits, N, O, tPtr, wPtr, weightSum > 0 ? 1 / weightSum : 0);
    } else {
      const tPtr = this.putFloat(batch.targetValues!);
      lossSum = k.mse(this.logits, this.dlogits, N, O, tPtr, wPtr, weightSum > 0 ? 1 / (O * weightSum) : 0);
      lossSum /= O;
    }
    return { loss: weightSum > 0 ? lossSum / weightSum : 0, weightSum };
  }

  /** Head outputs of the last forward (logits or values): (N, O), N = steps·B (per-step heads) or B. A copy. */
  outputs(): Float32Array {
    const n = this.headRows * this.layout.spec.output.size;
    return this.views().slice(this.logits / 4, this.logits / 4 + n);
  }

  /** outputs() without the copy: a live view of WASM memory, valid until the next forward (generation reads it at once). */
  outputsView(): Float32Array {
    const n = this.headRows * this.layout.spec.output.size;
    return this.views().subarray(this.logits / 4, this.logits / 4 + n);
  }

  /** Softmax of the last forward's logits at temperature T (a copy). */
  probabilities(temperature = 1): Float32Array {
    const O = this.layout.spec.output.size;
    const tmp = this.arena.alloc(this.headRows * O);
    this.views().copyWithin(tmp / 4, this.logits / 4, this.logits / 4 + this.headRows * O);
    this.k.softmax_rows(tmp, this.headRows, O, 1 / temperature);
    return this.views().slice(tmp / 4, tmp / 4 + this.headRows * O);
  }

  /** Starts a pass over B sequences: fresh arena, transposed weights, the cells' scratch and packed weights. */
  private begin(B: number, stepped: boolean): void {
    this.refreshTransposed();
    this.arena.reset();
    const maxH = Math.max(this.layout.encoder.hiddenSize, this.layout.decoder?.hiddenSize ?? 0);
    const maxG = Math.max(this.layout.encoder.gates, this.layout.decoder?.gates ?? 0);
    this.scratch = this.arena.alloc(B * maxG * maxH + 2 * B * maxH);
    const stacks = this.layout.decoder ? [this.layout.encoder, this.layout.decoder] : [this.layout.encoder];
    const packedFloats = Math.max(...stacks.map((st) => cellPackedFloats(st.cell, st.hiddenSize)));
    // The cells pack their weights only for more than one step of more than one sequence (see cells.ts).
    this.packed = B > 1 && stepped ? Math.ceil(this.arena.alloc(packedFloats + 16) / 64) * 64 : 0;
  }

  /**
   * Attention of Td decoder outputs h_t (Td, B, Hd) over Ts encoder outputs s_j (Ts, B, S), masked by the source
   * lengths: e = score(h_t, s_j), a = softmax_j(e), c_t = Σ_j a_tj s_j, h̃_t = tanh(W_c [c_t ; h_t]).
   * keys: precomputed k_j (Ts, B, Hd) for general/additive (decodeStep's, from encode), or 0 to compute them here.
   */
  private attend(att: AttentionLayout, encTop: number, Ts: number, lengths: number, decTop: number, Td: number, B: number, keys: number): AttentionRun {
    const k = this.k;
    const { S, Hd } = att;
    const W = S + Hd;
    let ldk = S;
    if (att.type === 'luong-dot') keys = encTop;
    else {
      ldk = Hd;
      if (!keys) {
        keys = this.arena.alloc(Ts * B * Hd); // K = S·Wᵀ over all Ts·B rows
        k.gemm(keys, encTop, this.t(att.type === 'luong-general' ? att.Wa! : att.Wk!), Ts * B, Hd, S, S, 1, Hd, Hd, 0);
      }
    }
    const weights = this.arena.alloc(B * Td * Ts);
    let qp = 0;
    if (att.type === 'bahdanau') {
      qp = this.arena.alloc(Td * B * Hd); // W_q h_t over all Td·B rows
      k.gemm(qp, decTop, this.t(att.Wq!), Td * B, Hd, Hd, Hd, 1, Hd, Hd, 0);
      k.additive_scores(weights, qp, keys, this.p(att.v!), Td, Ts, B, Hd, lengths);
    } else k.attn_scores(weights, decTop, Hd, keys, ldk, Td, Ts, B, Hd, lengths);
    k.attn_softmax(weights, Td, Ts, B, lengths);
    const cat = this.arena.alloc(Td * B * W);
    k.attn_mix(cat, W, weights, encTop, S, Td, Ts, B, S, lengths, 0);
    k.copy_time(cat + S * 4, W, decTop, Hd, Td, B, Hd, 0, 0, 0);
    const out = this.arena.alloc(Td * B * Hd);
    k.gemm(out, cat, this.t(att.Wc), Td * B, Hd, W, W, 1, Hd, Hd, 0);
    k.tanh_inplace(out, Td * B * Hd);
    return { Ts, Td, B, lengths, encTop, decTop, keys, ldk, qp, weights, cat, out };
  }

  /** Backward of attend given ∂L/∂h̃ (Td, B, Hd): parameter gradients, and ∂L/∂h_t (Td, B, Hd), ∂L/∂s_j (Ts, B, S). */
  private attendBackward(att: AttentionLayout, r: AttentionRun, dOut: number): { dDec: number; dEnc: number } {
    const k = this.k;
    const { S, Hd } = att;
    const W = S + Hd;
    const { Ts, Td, B, lengths, encTop, decTop, keys, weights } = r;
    // h̃ = tanh(z), z = [c; h]·W_cᵀ: dW_c += dzᵀ·[c; h], d[c; h] = dz·W_c
    const dz = this.arena.alloc(Td * B * Hd);
    k.tanh_backward(dz, r.out, dOut, Td * B * Hd);
    k.gemm(this.g(att.Wc), dz, r.cat, Hd, W, Td * B, 1, Hd, W, W, 1);
    const dcat = this.arena.alloc(Td * B * W);
    k.gemm(dcat, dz, this.p(att.Wc), Td * B, W, Hd, Hd, 1, W, W, 0);
    const dq = dcat + S * 4; // ∂L/∂h_t, row stride W
    // c = Σ a s: da_tj = dc_t·s_j, ds_j += Σ_t a_tj dc_t
    const dA = this.arena.alloc(B * Td * Ts);
    k.attn_scores(dA, dcat, W, encTop, S, Td, Ts, B, S, lengths);
    const dS = this.allocZero(Ts * B * S);
    k.attn_mix_t(dS, S, weights, dcat, W, Td, Ts, B, S, lengths);
    k.attn_softmax_backward(dA, weights, Td, Ts, B, lengths); // dA now holds de
    if (att.type === 'luong-dot') {
      k.attn_mix(dq, W, dA, encTop, S, Td, Ts, B, S, lengths, 1);
      k.attn_mix_t(dS, S, dA, decTop, Hd, Td, Ts, B, Hd, lengths);
    } else {
      const dK = this.allocZero(Ts * B * Hd);
      const Wk = att.type === 'luong-general' ? att.Wa! : att.Wk!;
      if (att.type === 'luong-general') {
        // e_tj = h_t·k_j
        k.attn_mix(dq, W, dA, keys, Hd, Td, Ts, B, Hd, lengths, 1);
        k.attn_mix_t(dK, Hd, dA, decTop, Hd, Td, Ts, B, Hd, lengths);
      } else {
        // e_tj = v·tanh(q_t + k_j), q_t = W_q h_t
        const dQp = this.allocZero(Td * B * Hd);
        k.additive_backward(dQp, dK, this.g(att.v!), dA, r.qp, keys, this.p(att.v!), Td, Ts, B, Hd, lengths);
        k.gemm(this.g(att.Wq!), dQp, decTop, Hd, Hd, Td * B, 1, Hd, Hd, Hd, 1);
        k.gemm(dq, dQp, this.p(att.Wq!), Td * B, Hd, Hd, Hd, 1, Hd, W, 1);
      }
      // k_j = W s_j: dW += dKᵀ·S, dS += dK·W
      k.gemm(this.g(Wk), dK, encTop, Hd, S, Ts * B, 1, Hd, S, S, 1);
      k.gemm(dS, dK, this.p(Wk), Ts * B, S, Hd, Hd, 1, S, S, 1);
    }
    const dDec = this.arena.alloc(Td * B * Hd);
    k.copy_time(dDec, Hd, dq, W, Td, B, Hd, 0, 0, 0);
    return { dDec, dEnc: dS };
  }

  /**
   * Input feeding (Luong §3.3): the decoder's input at step t is [embedding(y_{t−1}) ; h̃_{t−1}] with h̃_0 = 0, so each
   * target step runs the decoder stack over that one step (its input projection one GEMM over [e ; h̃]) from the
   * previous step's final states, then the attention. Dropout masks are drawn for the whole (Td, B, H) sequence, as
   * the stack without input feeding draws them. Sets this.attn to the whole (h̃ (Td, B, Hd) and weights (B, Td, Ts)).
   */
  private fedForward(enc: StackRun, batch: Batch, train: boolean, batchSeed: number): FedRun {
    const k = this.k;
    const dl = this.layout.decoder!;
    const att = this.layout.attention!;
    const { Hd } = att;
    const B = batch.batchSize;
    const Ts = batch.steps;
    const Td = batch.decoderSteps!;
    const H = dl.hiddenSize;
    const p = this.layout.spec.dropout;
    const seedOffset = this.layout.encoder.layers;
    let masks: number[] | undefined;
    if (train && p > 0 && dl.layers > 1) {
      masks = [];
      const ones = this.arena.alloc(Td * B * H);
      for (let l = 0; l < dl.layers - 1; l++) {
        this.views().fill(1, ones / 4, ones / 4 + Td * B * H);
        masks.push(this.arena.alloc(Td * B * H));
        k.dropout_forward(ones, masks[l], Td * B * H, p, dropoutSeed(batchSeed, seedOffset + l));
      }
    }
    const out = this.arena.alloc(Td * B * Hd);
    const weights = this.arena.alloc(B * Td * Ts);
    const steps: StackRun[] = [];
    const attns: AttentionRun[] = [];
    let keys = 0;
    let prevA = new Float32Array(B * Hd);
    // one step per stack run: packing the recurrent weights for each would cost more than it saves (cells.ts)
    const packed = this.packed;
    this.packed = 0;
    let h0 = (l: number): Float32Array | undefined => this.sumFinal(enc, l, 'h');
    let c0 = (l: number): Float32Array | undefined => (hasCellState(dl.cell) ? this.sumFinal(enc, l, 'c') : undefined);
    for (let t = 0; t < Td; t++) {
      const run = this.inputRun(dl, 1, B, undefined, batch.decoderTokens!.subarray(t * B, (t + 1) * B), prevA, this.layout.decoderEmbed);
      this.stackForward(run, train, batchSeed, seedOffset, h0, c0, masks?.map((m) => m + t * B * H * 4));
      const a = this.attend(att, enc.top, Ts, enc.lengths, run.top, 1, B, keys);
      if (att.type !== 'luong-dot') keys = a.keys;
      const f = this.views();
      f.copyWithin(out / 4 + t * B * Hd, a.out / 4, a.out / 4 + B * Hd);
      for (let b = 0; b < B; b++) f.copyWithin(weights / 4 + (b * Td + t) * Ts, a.weights / 4 + b * Ts, a.weights / 4 + (b + 1) * Ts);
      prevA = f.slice(a.out / 4, a.out / 4 + B * Hd);
      steps.push(run);
      attns.push(a);
      h0 = (l) => this.finalState(run, l, 0, 'h');
      c0 = (l) => (hasCellState(dl.cell) ? this.finalState(run, l, 0, 'c') : undefined);
    }
    this.packed = packed;
    const first = attns[0];
    this.attn = { ...first, Td, decTop: 0, qp: 0, cat: 0, weights, out };
    return { steps, attns, Td, lengthOf: batch.decoderLengths ? Int32Array.from(batch.decoderLengths) : new Int32Array(B).fill(Td) };
  }

  /**
   * Backward of fedForward given ∂L/∂h̃ (Td, B, Hd), steps in reverse: step t's h̃ gets the head's gradient plus what
   * step t + 1's input sent back (the h̃ columns of its layer-0 input gradient). Accumulates every decoder and
   * attention gradient; returns ∂L/∂(encoder top) (Ts, B, S) and ∂L/∂(decoder initial state) per layer.
   */
  private fedBackward(f: FedRun, dHeadIn: number): { dEnc: number; dh0: Float32Array[]; dc0: Float32Array[] } {
    const k = this.k;
    const dl = this.layout.decoder!;
    const att = this.layout.attention!;
    const { Hd, S } = att;
    const { Ts, B } = f.attns[0];
    const In = dl.inputSizes[0];
    const Ed = In - Hd;
    const dEnc = this.allocZero(Ts * B * S);
    let dPrev = 0;
    let dH = new Map<string, Float32Array>();
    let dC = new Map<string, Float32Array>();
    let dh0: Float32Array[] = [];
    let dc0: Float32Array[] = [];
    const packed = this.packed;
    this.packed = 0; // one step per stack run (see fedForward)
    for (let t = f.Td - 1; t >= 0; t--) {
      const d = this.arena.alloc(B * Hd);
      k.copy_time(d, Hd, dHeadIn + t * B * Hd * 4, Hd, 1, B, Hd, 0, 0, 0);
      if (dPrev) k.copy_time(d, Hd, dPrev, In, 1, B, Hd, 0, 0, 1);
      const r = this.attendBackward(att, f.attns[t], d);
      k.copy_time(dEnc, S, r.dEnc, S, Ts, B, S, 0, 0, 1);
      const back = this.stackBackward(f.steps[t], r.dDec, dH, dC, true);
      dPrev = back.dx0 + Ed * 4;
      dh0 = back.dh0;
      dc0 = back.dc0;
      dH = new Map(dh0.map((g, l) => [`${l}:0`, g]));
      dC = new Map(dc0.flatMap((g, l) => (g ? [[`${l}:0`, g] as [string, Float32Array]] : [])));
    }
    this.packed = packed;
    return { dEnc, dh0, dc0 };
  }

  /** Attention weights (B, Td, Ts) of the last forward or decodeStep (a copy); undefined without attention. */
  attentionWeights(): Float32Array | undefined {
    const r = this.attn;
    if (!r) return undefined;
    return this.views().slice(r.weights / 4, r.weights / 4 + r.B * r.Td * r.Ts);
  }

  /**
   * Runs the encoder of an encoder–decoder model once over B sources (tokens (Ts, B), lengths (B)): what decodeStep
   * needs to decode them a step at a time (the attention's memory and keys, and the decoder's first state).
   */
  encode(tokens: Int32Array, B: number, lengths?: Int32Array): EncodedSource {
    const dl = this.layout.decoder;
    if (!dl) throw new Error('encode() needs an encoder–decoder model');
    const Ts = tokens.length / B;
    validateBatch(this.layout, { batchSize: B, steps: Ts, tokens, lengths, decoderSteps: 1, decoderTokens: new Int32Array(B) });
    this.begin(B, Ts > 1);
    const enc = this.inputRun(this.layout.encoder, Ts, B, lengths, tokens, undefined, this.layout.embed);
    this.stackForward(enc, false, 0, 0, () => undefined, () => undefined);
    this.enc = enc;
    this.dec = undefined;
    this.attn = undefined;
    this.fed = undefined;
    this.hasLoss = false;
    const L = dl.layers;
    const BH = B * dl.hiddenSize;
    const h = new Float32Array(L * BH);
    const c = hasCellState(dl.cell) ? new Float32Array(L * BH) : undefined;
    for (let l = 0; l < L; l++) {
      h.set(this.sumFinal(enc, l, 'h'), l * BH);
      c?.set(this.sumFinal(enc, l, 'c'), l * BH);
    }
    const att = this.layout.attention;
    const out: EncodedSource = { B, Ts, lengths: lengths ? Int32Array.from(lengths) : new Int32Array(B).fill(Ts), state: { h, c, ...(att?.inputFeeding ? { a: new Float32Array(B * att.Hd) } : {}) } };
    if (att) {
      const f = this.views();
      out.memory = f.slice(enc.top / 4, enc.top / 4 + Ts * B * att.S);
      if (att.type !== 'luong-dot') {
        const keys = this.arena.alloc(Ts * B * att.Hd);
        this.k.gemm(keys, enc.top, this.t(att.type === 'luong-general' ? att.Wa! : att.Wk!), Ts * B, att.Hd, att.S, att.S, 1, att.Hd, att.Hd, 0);
        out.keys = this.views().slice(keys / 4, keys / 4 + Ts * B * att.Hd);
      }
    }
    return out;
  }

  /**
   * One decoder step for R rows (beams, or one per source): row r feeds `tokens[r]` from `state` (L, R, H) and
   * attends over source `sourceOf[r]` of `src` (default r, with R = src.B). Returns the logits, the new state
   * and the attention weights. Nothing is kept for backward.
   */
  decodeStep(src: EncodedSource, state: DecoderState, tokens: Int32Array, sourceOf?: Int32Array): DecodedStep {
    const dl = this.layout.decoder;
    if (!dl) throw new Error('decodeStep() needs an encoder–decoder model');
    const R = tokens.length;
    const { Ts } = src;
    const H = dl.hiddenSize;
    const L = dl.layers;
    const rows = sourceOf ?? Int32Array.from({ length: R }, (_, r) => r);
    if (rows.length !== R) throw new Error(`decodeStep: ${R} tokens but ${rows.length} source rows`);
    for (const r of rows) if (!(r >= 0 && r < src.B)) throw new Error(`decodeStep: source row ${r} outside 0..${src.B - 1}`);
    if (state.h.length !== L * R * H) throw new Error(`decodeStep: the state has ${state.h.length} values, expected (L, R, H) = ${L * R * H}`);
    const Vd = this.layout.spec.decoder!.vocabSize;
    for (const t of tokens) if (!(t >= 0 && t < Vd)) throw new Error(`decodeStep: token id ${t} outside the decoder vocabulary (0..${Vd - 1})`);
    const fedA = this.layout.attention?.inputFeeding ? state.a ?? new Float32Array(R * this.layout.attention.Hd) : undefined;
    if (fedA && fedA.length !== R * this.layout.attention!.Hd) throw new Error(`decodeStep: the state's h̃ has ${fedA.length} values, expected (R, Hd) = ${R * this.layout.attention!.Hd}`);
    this.begin(R, false);
    const dec = this.inputRun(dl, 1, R, undefined, tokens, fedA, this.layout.decoderEmbed);
    const slice = (a: Float32Array | undefined, l: number) => a?.subarray(l * R * H, (l + 1) * R * H);
    this.stackForward(dec, false, 0, this.layout.encoder.layers, (l) => slice(state.h, l), (l) => (hasCellState(dl.cell) ? slice(state.c, l) : undefined));
    this.enc = undefined;
    this.dec = dec;
    this.attn = undefined;
    this.fed = undefined;
    this.hasLoss = false;
    this.perStep = true;
    const att = this.layout.attention;
    if (att) {
      // the rows' sources, gathered time-major: (Ts, R, S) memory, (Ts, R, Hd) keys, (R) lengths
      const gather = (from: Float32Array, width: number): number => {
        const p = this.arena.alloc(Ts * R * width);
        const f = this.views();
        for (let j = 0; j < Ts; j++)
          for (let r = 0; r < R; r++) f.set(from.subarray((j * src.B + rows[r]) * width, (j * src.B + rows[r] + 1) * width), p / 4 + (j * R + r) * width);
        return p;
      };
      const memory = gather(src.memory!, att.S);
      const keys = att.type === 'luong-dot' ? 0 : gather(src.keys!, att.Hd);
      const lengths = this.putInt(Int32Array.from(rows, (r) => src.lengths[r]));
      this.attn = this.attend(att, memory, Ts, lengths, dec.top, 1, R, keys);
    }
    const O = this.layout.spec.output.size;
    const F = this.layout.head.inputSize;
    this.headRows = R;
    this.headIn = this.attn ? this.attn.out : dec.top;
    this.logits = this.arena.alloc(R * O);
    this.gemmBias(this.logits, this.headIn, this.t(this.layout.head.Wy), this.p(this.layout.head.by), R, O, F, F);
    const logits = this.views().slice(this.logits / 4, this.logits / 4 + R * O);
    const next: DecoderState = this.finalStates();
    if (fedA) next.a = this.views().slice(this.attn!.out / 4, this.attn!.out / 4 + R * this.layout.attention!.Hd);
    return { logits, state: next, ...(this.attn ? { weights: this.attentionWeights() } : {}) };
  }

  /**
   * Final states of the top-level stack (decoder for encoder–decoder), (L·D, B, H), for TBPTT and generation.
   * `into`: arrays of that size to write them to (and return) instead of new ones — generation carries its state
   * step after step in the same two arrays.
   */
  finalStates(into?: { h: Float32Array; c?: Float32Array }): { h: Float32Array; c?: Float32Array } {
    const run = this.dec ?? this.enc!;
    const { layers, directions: D, hiddenSize: H, cell } = run.stack;
    const B = run.B;
    const n = layers * D * B * H;
    const h = into?.h.length === n ? into.h : new Float32Array(n);
    const c = hasCellState(cell) ? (into?.c?.length === n ? into.c : new Float32Array(n)) : undefined;
    for (let l = 0; l < layers; l++)
      for (let d = 0; d < D; d++) {
        this.finalState(run, l, d, 'h', h, (l * D + d) * B * H);
        if (c) this.finalState(run, l, d, 'c', c, (l * D + d) * B * H);
      }
    if (this.fed) {
      // input feeding ran one step at a time: each item's final state is that of the step at its decoder length
      const { steps, lengthOf } = this.fed;
      const f = this.views();
      for (let l = 0; l < layers; l++)
        for (let b = 0; b < B; b++) {
          const dir = steps[lengthOf[b] - 1].layers[l].dirs[0];
          const at = (l * B + b) * H;
          h.set(f.subarray(dir.hs / 4 + B * H + b * H, dir.hs / 4 + B * H + (b + 1) * H), at);
          if (c) c.set(f.subarray(dir.cs / 4 + B * H + b * H, dir.cs / 4 + B * H + (b + 1) * H), at);
        }
    }
    return { h, c };
  }

  private inputRun(stack: StackLayout, T: number, B: number, lengths: Int32Array | undefined, tokens: Int32Array | undefined, features: Float32Array | undefined, embed: TensorSlot | undefined, memoOk = false): StackRun {
    const In = stack.inputSizes[0];
    const tokensOnly = embed !== undefined && tokens !== undefined && !features && embed.shape[1] === In;
    const fold = tokensOnly && embed.shape[0] < T * B;
    const memo = memoOk && tokensOnly && !fold && T * B === 1 && embed.shape[0] * stack.gates * stack.hiddenSize * stack.directions <= TOKEN_MEMO_FLOATS;
    const input = fold || memo ? 0 : this.arena.alloc(T * B * In);
    if (!lengths && (this.fullLengths.length !== B || (B > 0 && this.fullLengths[0] !== T))) this.fullLengths = new Int32Array(B).fill(T);
    const lengthOf = lengths ?? this.fullLengths;
    const lengthsPtr = lengths ? this.putInt(lengths) : 0;
    let tokPtr = 0;
    let E = 0;
    if (embed && tokens) {
      E = embed.shape[1];
      tokPtr = this.putInt(tokens);
      if (!fold && !memo) this.k.embed_forward(input, In, this.p(embed), E, tokPtr, T * B);
    }
    if (features) {
      const F = In - E;
      this.views();
      const base = input / 4;
      if (E === 0) this.f32.set(features.subarray(0, T * B * F), base); // rows are contiguous: one copy
      else for (let r = 0; r < T * B; r++) this.f32.set(features.subarray(r * F, (r + 1) * F), base + r * In + E);
    }
    return { stack, T, B, lengths: lengthsPtr, lengthOf, tokens: tokPtr, embed, fold, memo, input, layers: [], top: 0 };
  }

  private stackForward(
    run: StackRun,
    train: boolean,
    batchSeed: number,
    seedOffset: number,
    h0: (l: number, d: number) => Float32Array | undefined,
    c0: (l: number, d: number) => Float32Array | undefined,
    masks?: number[],
  ): void {
    const k = this.k;
    const { stack, T, B } = run;
    const { hiddenSize: H, directions: D, gates: G, cell } = stack;
    const GH = G * H;
    const p = this.layout.spec.dropout;
    const entry = engineCell(cell);
    const withC = hasCellState(cell);
    let x = run.input;
    for (let l = 0; l < stack.layers; l++) {
      const In = stack.inputSizes[l];
      const out = this.arena.alloc(T * B * D * H);
      const layer: LayerRun = { input: x, inputSize: In, out, mask: 0, dirs: [] };
      for (let d = 0; d < D; d++) {
        const w = stack.cells[l][d];
        let xs = x;
        let tokens = 0;
        const gx = this.arena.alloc(T * B * GH);
        if (l === 0 && run.fold) {
          // Embedding fold: P = bx + E·Wx0ᵀ (V, G·H), then Gx0 = P[tokens].
          const V = run.embed!.shape[0];
          const P = this.arena.alloc(V * GH);
          this.gemmBias(P, this.p(run.embed!), this.t(w.Wx), this.p(w.bx), V, GH, In, In);
          tokens = run.tokens;
          if (d === 1) {
            tokens = this.arena.alloc(T * B);
            k.copy_time(tokens, 1, run.tokens, 1, T, B, 1, run.lengths, 1, 0); // int32 rows, copied as bits
          }
          k.embed_forward(gx, GH, P, GH, tokens, T * B);
          xs = 0;
        } else if (l === 0 && run.memo) {
          this.memoProjection(gx, run, d, w.Wx, w.bx);
          tokens = run.tokens;
          xs = 0;
        } else {
          if (d === 1) {
            xs = this.arena.alloc(T * B * In);
            k.copy_time(xs, In, x, In, T, B, In, run.lengths, 1, 0);
          }
          this.gemmBias(gx, xs, this.t(w.Wx), this.p(w.bx), T * B, GH, In, In);
        }
        const hs = this.arena.alloc((T + 1) * B * H);
        const cs = withC ? this.arena.alloc((T + 1) * B * H) : 0;
        const kept = entry.keep ? this.arena.alloc(T * B * entry.keep * H) : 0;
        this.views();
        const hInit = h0(l, d);
        if (hInit) this.f32.set(hInit, hs / 4);
        else this.zero(hs, B * H);
        if (cs) {
          const cInit = c0(l, d);
          if (cInit) this.f32.set(cInit, cs / 4);
          else this.zero(cs, B * H);
        }
        cellForward(k, cell, { T, B, H, gx, whT: this.t(w.Wh), bh: this.p(w.bh), peep: w.P ? this.p(w.P) : 0, hs, cs, kept, scratch: this.scratch, packed: this.packed });
        k.copy_time(out + d * H * 4, D * H, hs + B * H * 4, H, T, B, H, run.lengths, d, 0);
        layer.dirs.push({ xs, tokens, gx, dgh: 0, hs, h0Zero: !hInit, cs, kept, norms: 0 });
      }
      if (train && p > 0 && l < stack.layers - 1 && masks) {
        layer.mask = masks[l]; // drawn for the whole sequence (input feeding runs one step at a time)
        k.mul_inplace(out, layer.mask, T * B * D * H);
      } else if (train && p > 0 && l < stack.layers - 1) {
        layer.mask = this.arena.alloc(T * B * D * H);
        k.dropout_forward(out, layer.mask, T * B * D * H, p, dropoutSeed(batchSeed, seedOffset + l)); // decoder layers follow the encoder's seeds
      }
      run.layers.push(layer);
      x = out;
    }
    run.top = x;
  }

  /** gx (1, G·H) = bx + E[token]·Wx0ᵀ of direction d for the one token of `run`, from the token memo. */
  private memoProjection(gx: number, run: StackRun, d: number, Wx: TensorSlot, bx: TensorSlot): void {
    const embed = run.embed!;
    const [V, E] = embed.shape;
    const GH = run.stack.gates * run.stack.hiddenSize;
    if (!this.tokenMemo) this.tokenMemo = { rows: new Float32Array(run.stack.directions * V * GH), filled: new Uint8Array(run.stack.directions * V) };
    const memo = this.tokenMemo;
    const f = this.views();
    const tok = this.i32[run.tokens / 4];
    const row = d * V + tok;
    if (!memo.filled[row]) {
      // As the unfolded forward: the embedded row through the same bias + GEMM call.
      this.gemmBias(gx, this.p(embed) + tok * E * 4, this.t(Wx), this.p(bx), 1, GH, E, E);
      memo.rows.set(this.views().subarray(gx / 4, gx / 4 + GH), row * GH);
      memo.filled[row] = 1;
      return;
    }
    f.set(memo.rows.subarray(row * GH, (row + 1) * GH), gx / 4);
  }

  /** Final state (B, H) of layer l, direction d: each item's state at its own position len_b − 1 (into out at `at`). */
  private finalState(run: StackRun, l: number, d: number, which: 'h' | 'c', out: Float32Array = new Float32Array(run.B * run.stack.hiddenSize), at = 0, stride = run.stack.hiddenSize): Float32Array {
    const { B } = run;
    const H = run.stack.hiddenSize;
    const dir = run.layers[l].dirs[d];
    const base = (which === 'h' ? dir.hs : dir.cs) / 4;
    const f = this.views();
    for (let b = 0; b < B; b++) {
      const s = base + (run.lengthOf[b] * B + b) * H; // hs index len_b ↔ step len_b − 1
      // Into WASM memory itself (the head's input rows, stride F): a copy within, no view object per row.
      if (out.buffer === f.buffer) f.copyWithin(at + b * stride, s, s + H);
      else out.set(f.subarray(s, s + H), at + b * stride);
    }
    return out;
  }

  private sumFinal(run: StackRun, l: number, which: 'h' | 'c'): Float32Array {
    const s = this.finalState(run, l, 0, which);
    for (let d = 1; d < run.stack.directions; d++) {
      const o = this.finalState(run, l, d, which);
      for (let i = 0; i < s.length; i++) s[i] += o[i];
    }
    return s;
  }

  // ============================================== backward ======================================================

  /** BPTT of the last training forward: writes ∂L/∂parameters into `grads` (replacing what was there). */
  backward(): void {
    if (!this.enc || !this.hasLoss) throw new Error('backward() needs a forward() with targets first');
    const k = this.k;
    this.views();
    this.zero(this.map.GRADS_OFFSET, this.layout.size);
    const { head } = this.layout;
    const O = this.layout.spec.output.size;
    const F = head.inputSize;
    const N = this.headRows;
    // Head: dWy += dlogitsᵀ·Y, dby += Σ dlogits, dY = dlogits·Wy.
    k.gemm(this.g(head.Wy), this.dlogits, this.headIn, O, F, N, 1, O, F, F, 1);
    k.colsum_acc(this.g(head.by), this.dlogits, O, N, O);
    const dHeadIn = this.arena.alloc(N * F);
    k.gemm(dHeadIn, this.dlogits, this.p(head.Wy), N, F, O, O, 1, F, F, 0);

    const top = this.dec ?? this.enc;
    const topL = top.layers.length - 1;
    const Htop = top.stack.hiddenSize;
    let dTop = 0;
    const dFinalH = new Map<string, Float32Array>();
    if (this.perStep) dTop = dHeadIn;
    else {
      const dIn = this.views().subarray(dHeadIn / 4, dHeadIn / 4 + N * F);
      for (let d = 0; d < top.stack.directions; d++) {
        if (this.finalGrads[d]?.length !== top.B * Htop) this.finalGrads[d] = new Float32Array(top.B * Htop);
        const g = this.finalGrads[d];
        for (let b = 0; b < top.B; b++) for (let j = 0; j < Htop; j++) g[b * Htop + j] = dIn[b * F + d * Htop + j];
        dFinalH.set(`${topL}:${d}`, g);
      }
    }

    if (this.fed) {
      const { dEnc, dh0, dc0 } = this.fedBackward(this.fed, dHeadIn);
      const encH = new Map<string, Float32Array>();
      const encC = new Map<string, Float32Array>();
      for (let l = 0; l < this.enc.stack.layers; l++)
        for (let d = 0; d < this.enc.stack.directions; d++) {
          encH.set(`${l}:${d}`, dh0[l]);
          if (dc0[l]) encC.set(`${l}:${d}`, dc0[l]);
        }
      this.stackBackward(this.enc, dEnc, encH, encC, false, false);
    } else if (this.dec) {
      // With attention the head read h̃: its gradient reaches the decoder's outputs and every encoder output.
      let dEncTop = 0;
      if (this.attn) {
        const r = this.attendBackward(this.layout.attention!, this.attn, dHeadIn);
        dTop = r.dDec;
        dEncTop = r.dEnc;
      }
      const { dh0, dc0 } = this.stackBackward(this.dec, dTop, dFinalH, new Map());
      // Bridge: the sum's gradient reaches every encoder direction.
      const encH = new Map<string, Float32Array>();
      const encC = new Map<string, Float32Array>();
      for (let l = 0; l < this.enc.stack.layers; l++)
        for (let d = 0; d < this.enc.stack.directions; d++) {
          encH.set(`${l}:${d}`, dh0[l]);
          if (dc0[l]) encC.set(`${l}:${d}`, dc0[l]);
        }
      this.stackBackward(this.enc, dEncTop, encH, encC, false, false);
    } else {
      this.stackBackward(this.enc, dTop, dFinalH, new Map(), false, false);
    }
  }

  /**
   * Backward through one stack. dTop: (T, B, D·H) gradient on the top output (0 = none). dFinalH/C: gradients on
   * final states keyed "layer:direction". Returns ∂L/∂h0, ∂L/∂c0 per layer (direction 0), for the bridge (empty
   * when !initialGrads: the encoder's initial state has no one to pass them to).
   */
  private stackBackward(
    run: StackRun,
    dTop: number,
    dFinalH: Map<string, Float32Array>,
    dFinalC: Map<string, Float32Array>,
    accumulate = false,
    initialGrads = true,
  ): { dh0: Float32Array[]; dc0: Float32Array[]; dx0: number } {
    const k = this.k;
    const { stack, T, B } = run;
    const { hiddenSize: H, directions: D, gates: G, cell } = stack;
    const GH = G * H;
    const BH = B * H;
    const entry = engineCell(cell);
    const dh0: Float32Array[] = [];
    const dc0: Float32Array[] = [];
    let dOut = dTop;
    const dh = this.arena.alloc(BH);
    const dc = this.arena.alloc(BH);
    for (let l = stack.layers - 1; l >= 0; l--) {
      const layer = run.layers[l];
      const In = layer.inputSize;
      const folded = l === 0 && run.fold;
      const needInputGrad = l > 0 || (run.embed !== undefined && !folded);
      // One direction: its GEMM writes dIn whole (accumulate 0), so it needs no zeroing first.
      const dIn = needInputGrad ? (D === 1 ? this.arena.alloc(T * B * In) : this.allocZero(T * B * In)) : 0;
      const tmp = needInputGrad && D === 2 ? this.arena.alloc(T * B * In) : 0;
      for (let d = D - 1; d >= 0; d--) {
        const dir = layer.dirs[d];
        const w = stack.cells[l][d];
        const key = `${l}:${d}`;
        const fh = dFinalH.get(key);
        // Nothing from above but the final state's gradient, and every sequence full length (so its final state is
        // step T−1's, in either direction): that gradient seeds the carry dh, and the kernel reads no (T, B, H)
        // tensor of zeros (dhs = 0). The same numbers as injecting it into zeros.
        const seedOnly = !dOut && run.lengths === 0;
        const dhs = seedOnly ? 0 : this.arena.alloc(T * BH);
        if (dOut) k.copy_time(dhs, H, dOut + d * H * 4, D * H, T, B, H, run.lengths, d, 0);
        else if (!seedOnly) this.zero(dhs, T * BH);
        this.views();
        if (fh && !seedOnly) this.inject(dhs, fh, run);
        let dcs = 0;
        const fc = dFinalC.get(key);
        if (dir.cs && fc) {
          dcs = this.allocZero(T * BH);
          this.inject(dcs, fc, run);
        }
        this.zero(dh, BH);
        if (fh && seedOnly) this.f32.set(fh, dh / 4);
        this.zero(dc, BH);
        dir.norms = this.arena.alloc(T);
        const dgx = this.arena.alloc(T * B * GH);
        const own = entry.ownRecurrentBlocks;
        const dgh = own ? this.arena.alloc(T * B * own * H) : dgx;
        cellBackward(k, cell, {
          T, B, H, gx: dir.gx, wh: this.p(w.Wh), peep: w.P ? this.p(w.P) : 0, dpeep: w.P ? this.g(w.P) : 0,
          hs: dir.hs, cs: dir.cs, kept: dir.kept, dhs, dcs, dgx, dkept: own ? dgh : 0, dh, dc, norms: dir.norms, scratch: this.scratch, packed: this.packed,
        });
        dir.dgh = dgh;
        this.views();
        if (d === 0 && initialGrads) {
          dh0[l] = this.f32.slice(dh / 4, dh / 4 + BH);
          if (dir.cs) dc0[l] = this.f32.slice(dc / 4, dc / 4 + BH);
        }
        // Weight gradients over all steps at once. dWh = Σ_t dGh_tᵀ·h(t−1): with a zero h0, the first step's B rows
        // add nothing, and the products start at step 1 (K = (T−1)·B; T = 1 leaves dWh zero).
        const s0 = dir.h0Zero ? B : 0;
        const K = T * B - s0;
        const hsK = dir.hs + s0 * H * 4;
        // Bias gradient: the column sums of dG (into bx for a cell with its own recurrent blocks, else bh). With one
        // input feature, the same pass over dG gives dWx = dGᵀ·x (colsum_dot_acc): dG is read once, not twice.
        const oneFeature = In === 1 && !folded;
        const colsums = (dst: number): void => (oneFeature ? k.colsum_dot_acc(dst, this.g(w.Wx), dgx, GH, T * B, GH, dir.xs, 1) : k.colsum_acc(dst, dgx, GH, T * B, GH));
        if (own) {
          // dWh = dGhᵀ·H(t−1): the shared blocks' rows from dgx, the cell's own ones (the GRU's n) from dgh
          // (T, B, own·H); bh's shared-block gradients are bx's.
          const shared = (G - own) * H;
          k.gemm(this.g(w.Wh), dgx + s0 * GH * 4, hsK, shared, H, K, 1, GH, H, H, 1);
          k.gemm(this.g(w.Wh) + shared * H * 4, dgh + s0 * own * H * 4, hsK, own * H, H, K, 1, own * H, H, H, 1);
          colsums(this.g(w.bx));
          this.views().copyWithin(this.g(w.bh) / 4, this.g(w.bx) / 4, this.g(w.bx) / 4 + shared);
          k.colsum_acc(this.g(w.bh) + shared * 4, dgh, own * H, T * B, own * H);
        } else {
          if (H <= 64 && !accumulate) {
            // Small H: dWhᵀ = H(t−1)ᵀ·dGh (M = H, N = G·H) runs ~10% faster than the N = H form (more columns per
            // packed A panel), with the same numbers (same k blocks and FMA chains); dWh is still zero here (zeroed
            // above, one gradient per layer-direction), so the transpose writes it.
            const dWhT = this.arena.alloc(H * GH);
            k.gemm(dWhT, hsK, dgx + s0 * GH * 4, H, GH, K, 1, H, GH, GH, 0);
            k.transpose(this.g(w.Wh), dWhT, H, GH);
          } else k.gemm(this.g(w.Wh), dgx + s0 * GH * 4, hsK, GH, H, K, 1, GH, H, H, 1);
          // Both biases get the same gradient (dgh is dgx), and both start from zero: copy, not re-sum.
          colsums(this.g(w.bh));
          this.views().copyWithin(this.g(w.bx) / 4, this.g(w.bh) / 4, this.g(w.bh) / 4 + GH);
        }
        if (folded) {
          // S = Σ dGx0 rows by token (V, G·H); dWx0 += Sᵀ·E; dE += S·Wx0.
          const embed = run.embed!;
          const V = embed.shape[0];
          const S = this.allocZero(V * GH);
          k.embed_backward(S, GH, dir.tokens, dgx, GH, T * B);
          k.gemm(this.g(w.Wx), S, this.p(embed), GH, In, V, 1, GH, In, In, 1);
          k.gemm(this.g(embed), S, this.p(w.Wx), V, In, GH, GH, 1, In, In, 1);
        } else if (!oneFeature) k.gemm(this.g(w.Wx), dgx, dir.xs, GH, In, T * B, 1, GH, In, In, 1);
        if (needInputGrad) {
          if (d === 1) {
            k.gemm(tmp, dgx, this.p(w.Wx), T * B, In, GH, GH, 1, In, In, 0);
            k.copy_time(dIn, In, tmp, In, T, B, In, run.lengths, 1, 1);
          } else {
            k.gemm(dIn, dgx, this.p(w.Wx), T * B, In, GH, GH, 1, In, In, D === 1 ? 0 : 1);
          }
        }
      }
      if (l > 0 && run.layers[l - 1].mask) k.mul_inplace(dIn, run.layers[l - 1].mask, T * B * In);
      if (l === 0 && run.embed && run.tokens && !folded) k.embed_backward(this.g(run.embed), run.embed.shape[1], run.tokens, dIn, In, T * B);
      dOut = dIn;
    }
    return { dh0, dc0, dx0: dOut };
  }

  /** Adds a final-state gradient (B, H) into dhs (T, B, H) at each item's own position len_b − 1. */
  private inject(dhs: number, g: Float32Array, run: StackRun): void {
    const H = run.stack.hiddenSize;
    const f = this.views();
    for (let b = 0; b < run.B; b++) {
      const base = dhs / 4 + ((run.lengthOf[b] - 1) * run.B + b) * H;
      for (let j = 0; j < H; j++) f[base + j] += g[b * H + j];
    }
  }

  // ============================================== telemetry =====================================================

  /** ‖∂L/∂h_t‖ per layer-direction after backward (the gradient flowing back through time). */
  hiddenGradFlow(): HiddenGradFlow[] {
    const res: HiddenGradFlow[] = [];
    for (const run of [this.enc, this.dec]) {
      if (!run) continue;
      const f = this.views();
      if (run === this.dec && this.fed) {
        // input feeding ran the decoder one step at a time: step t's norm is its own one-step run's
        const { steps, Td } = this.fed;
        run.layers.forEach((_, l) => {
          if (!steps.every((st) => st.layers[l].dirs[0].norms)) return;
          res.push({ stack: 'dec', layer: l, direction: 0, norms: Float64Array.from({ length: Td }, (_, t) => Math.sqrt(f[steps[t].layers[l].dirs[0].norms / 4])) });
        });
        continue;
      }
      run.layers.forEach((layer, l) =>
        layer.dirs.forEach((dir, d) => {
          if (!dir.norms) return;
          const norms = new Float64Array(run.T);
          for (let s = 0; s < run.T; s++) norms[d === 1 ? run.T - 1 - s : s] = Math.sqrt(f[dir.norms / 4 + s]);
          res.push({ stack: run === this.dec ? 'dec' : 'enc', layer: l, direction: d, norms });
        }),
      );
    }
    return res;
  }

  /** Mean activation and saturated fraction of every gate of every layer-direction in the last forward. */
  gateStats(): GateStat[] {
    const res: GateStat[] = [];
    for (const run of [this.enc, this.dec]) {
      if (!run) continue;
      const { cell, gates: G, hiddenSize: H } = run.stack;
      const kinds = this.putInt(Int32Array.from(gateKinds(cell)));
      const out = this.arena.alloc(4 * G);
      // input feeding ran the decoder one step at a time: every step has B rows, so the mean of its steps' stats is the whole's
      const fedSteps = run === this.dec && this.fed ? this.fed.steps : undefined;
      run.layers.forEach((layer, l) =>
        layer.dirs.forEach((dir, d) => {
          let stats: Float64Array;
          if (fedSteps) {
            stats = new Float64Array(2 * G);
            for (const st of fedSteps) {
              this.k.gate_stats(st.layers[l].dirs[d].gx, st.T * st.B, G, H, kinds, out);
              const one = new Float64Array(this.k.memory.buffer, out, 2 * G);
              for (let i = 0; i < 2 * G; i++) stats[i] += one[i] / fedSteps.length;
            }
          } else {
            this.k.gate_stats(dir.gx, run.T * run.B, G, H, kinds, out);
            stats = new Float64Array(this.k.memory.buffer, out, 2 * G);
          }
          CELL_GATES[cell].forEach((gate, gi) =>
            res.push({ stack: run === this.dec ? 'dec' : 'enc', layer: l, direction: d, gate, mean: stats[2 * gi], saturated: stats[2 * gi + 1] }),
          );
        }),
      );
    }
    return res;
  }

  /** Σ x² of a region of parameters or gradients (float64). */
  sumSquares(which: 'params' | 'grads', slot?: TensorSlot): number {
    const base = which === 'params' ? this.map.PARAMS_OFFSET : this.map.GRADS_OFFSET;
    return slot ? this.k.sum_squares(base + slot.offset * 4, slot.size) : this.k.sum_squares(base, this.layout.size);
  }

  /** First non-finite value among the gradients, as the tensor it sits in; undefined when all are finite. */
  firstNonFiniteGradient(): TensorSlot | undefined {
    const i = this.k.first_nonfinite(this.map.GRADS_OFFSET, this.layout.size);
    if (i < 0) return undefined;
    return this.layout.tensors.find((t) => i >= t.offset && i < t.offset + t.size);
  }

  /** First non-finite parameter tensor, if any. */
  firstNonFiniteParameter(): TensorSlot | undefined {
    for (const t of this.layout.tensors) if (this.k.first_nonfinite(this.p(t), t.size) >= 0) return t;
    return undefined;
  }

  /** First activation of the last forward holding a non-finite value: "enc l1 hidden state", "head output"… */
  firstNonFiniteActivation(): { tensor: string; layer?: number } | undefined {
    for (const run of [this.enc, this.dec]) {
      if (!run) continue;
      const tag = run === this.dec ? 'decoder ' : '';
      const BH = run.B * run.stack.hiddenSize;
      for (let l = 0; l < run.layers.length; l++)
        for (const [d, dir] of run.layers[l].dirs.entries()) {
          if (this.k.first_nonfinite(dir.hs, (run.T + 1) * BH) >= 0) return { tensor: `${tag}l${l}${d ? 'r' : ''} hidden state`, layer: l };
          if (dir.cs && this.k.first_nonfinite(dir.cs, (run.T + 1) * BH) >= 0) return { tensor: `${tag}l${l}${d ? 'r' : ''} cell state`, layer: l };
        }
    }
    if (this.attn && this.k.first_nonfinite(this.attn.out, this.attn.Td * this.attn.B * this.layout.attention!.Hd) >= 0) return { tensor: 'attention output' };
    if (this.k.first_nonfinite(this.logits, this.headRows * this.layout.spec.output.size) >= 0) return { tensor: 'head output' };
    return undefined;
  }

  get kernels(): KernelExports {
    return this.k;
  }
  get lastBatchSize(): number {
    return this.lastBatch?.batchSize ?? 0;
  }
}

/** Loss weights per head row: batch.weights, or 1 on valid steps (per-step heads) / every sequence (final heads). */
export function lossWeights(batch: Batch, perStep: boolean, T: number, lengthOf: Int32Array): Float32Array {
  const B = batch.batchSize;
  const n = perStep ? T * B : B;
  let w: Float32Array;
  if (batch.weights) w = Float32Array.from(batch.weights);
  else {
    w = new Float32Array(n);
    if (perStep) {
      for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) w[t * B + b] = t < lengthOf[b] ? 1 : 0;
    } else w.fill(1);
  }
  if (batch.targetClasses) for (let i = 0; i < n; i++) if (batch.targetClasses[i] < 0) w[i] = 0;
  return w;
}

/** Checks that a batch fits the model before any kernel touches it (bad indices would corrupt memory). */
export function validateBatch(layout: ParamLayout, batch: Batch): void {
  const { spec } = layout;
  const { batchSize: B, steps: T } = batch;
  const fail = (msg: string): never => {
    throw new Error(`invalid batch: ${msg}`);
  };
  if (!(B >= 1 && T >= 1 && Number.isInteger(B) && Number.isInteger(T))) fail(`batch size ${B} and steps ${T} must be positive integers`);
  if (spec.input.vocabSize > 0) {
    if (!batch.tokens || batch.tokens.length !== T * B) fail(`expected ${T * B} input tokens`);
    for (const t of batch.tokens!) if (t < 0 || t >= spec.input.vocabSize) fail(`token id ${t} outside the vocabulary (0..${spec.input.vocabSize - 1})`);
  }
  if (spec.input.featureSize > 0 && (!batch.features || batch.features.length !== T * B * spec.input.featureSize)) fail(`expected ${T * B * spec.input.featureSize} input features`);
  if (batch.lengths) {
    if (batch.lengths.length !== B) fail('lengths must have one entry per sequence');
    for (const n of batch.lengths) if (n < 1 || n > T) fail(`sequence length ${n} outside 1..${T}`);
  }
  const perStep = headPerStep(spec.shape);
  const Tt = spec.shape === 'encoder-decoder' ? batch.decoderSteps ?? 0 : T;
  const rows = perStep ? Tt * B : B;
  if (spec.shape === 'encoder-decoder') {
    const Vd = spec.decoder!.vocabSize;
    if (!batch.decoderTokens || !(Tt >= 1) || batch.decoderTokens.length !== Tt * B) fail('encoder–decoder batches need decoderSteps and (Td, B) decoderTokens');
    for (const t of batch.decoderTokens!) if (t < 0 || t >= Vd) fail(`decoder token id ${t} outside the vocabulary (0..${Vd - 1})`);
    if (batch.decoderLengths) for (const n of batch.decoderLengths) if (n < 1 || n > Tt) fail(`decoder length ${n} outside 1..${Tt}`);
  }
  if (batch.targetClasses) {
    if (batch.targetClasses.length !== rows) fail(`expected ${rows} target classes`);
    for (const t of batch.targetClasses) if (t >= spec.output.size) fail(`target class ${t} outside 0..${spec.output.size - 1}`);
  }
  if (batch.targetValues && batch.targetValues.length !== rows * spec.output.size) fail(`expected ${rows * spec.output.size} target values`);
  if (batch.weights && batch.weights.length !== rows) fail(`expected ${rows} loss weights`);
  const states = layout.encoder.layers * layout.encoder.directions * B * layout.encoder.hiddenSize;
  if (batch.initialH && batch.initialH.length !== states) fail(`initialH must have ${states} values`);
  if (batch.initialC && batch.initialC.length !== states) fail(`initialC must have ${states} values`);
}
