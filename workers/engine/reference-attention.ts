// Float64 reference of the decoder's attention over the encoder's outputs (src-shared/attention.ts): forward beside
// its hand-written backward, one batch item and one target step at a time. Part of reference.ts (which calls it
// between the decoder stack and the head); like it, never optimised: its only job is to be obviously right.
//
// Legend: B batch, Ts source steps, Td target steps, S = D·H_e encoder output width, Hd decoder width (also the
// additive attention's inner width). Time-major: (T, B, X) element (t, b, x) at (t·B + b)·X + x.
//   q = h_t (Hd)  the decoder's top output;  s_j (S)  the encoder's top output;  len = the item's source length
//   e_j = q·s_j (dot) | q·(W_a s_j) (general) | v·tanh(W_q q + W_k s_j) (additive)
//   a = softmax(e) over j < len (a_j = 0 beyond);  c = Σ_j a_j s_j;  h̃ = tanh(W_c [c ; q])

import type { AttentionLayout, TensorSlot } from './layout';

export interface AttentionRun {
  /** (Td, B, Hd) h̃, what the head reads. */
  out: Float64Array;
  /** (B, Td, Ts) the weights a (0 at padded source positions). */
  weights: Float64Array;
  /** (Td, B, S) the contexts c. */
  context: Float64Array;
}

const view = (flat: Float64Array, slot: TensorSlot | undefined): Float64Array => (slot ? flat.subarray(slot.offset, slot.offset + slot.size) : new Float64Array(0));

/** y (R) = W (R, C) · x (C). */
function matVec(W: Float64Array, x: Float64Array, R: number, C: number): Float64Array {
  const y = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let k = 0; k < C; k++) s += W[r * C + k] * x[k];
    y[r] = s;
  }
  return y;
}

/** Backward of y = W·x: gW += dy ⊗ x; returns Wᵀ·dy (C). */
function matVecBackward(W: Float64Array, gW: Float64Array, x: Float64Array, dy: Float64Array, R: number, C: number): Float64Array {
  const dx = new Float64Array(C);
  for (let r = 0; r < R; r++)
    for (let k = 0; k < C; k++) {
      gW[r * C + k] += dy[r] * x[k];
      dx[k] += W[r * C + k] * dy[r];
    }
  return dx;
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

interface Sizes {
  Ts: number;
  Td: number;
  B: number;
}

const row = (x: Float64Array, t: number, b: number, B: number, W: number): Float64Array => x.subarray((t * B + b) * W, (t * B + b + 1) * W);

/** The keys k_j each score compares the query with: s_j (dot), W_a s_j (general), W_k s_j (additive). */
function keys(att: AttentionLayout, params: Float64Array, enc: Float64Array, b: number, { Ts, B }: Sizes): Float64Array[] {
  const { S, Hd } = att;
  const W = att.type === 'luong-general' ? view(params, att.Wa) : att.type === 'bahdanau' ? view(params, att.Wk) : undefined;
  return [...Array(Ts)].map((_, j) => (W ? matVec(W, row(enc, j, b, B, S), Hd, S) : Float64Array.from(row(enc, j, b, B, S))));
}

export function attentionForward(att: AttentionLayout, params: Float64Array, enc: Float64Array, dec: Float64Array, lengths: Int32Array, sizes: Sizes): AttentionRun {
  const { Ts, Td, B } = sizes;
  const { S, Hd } = att;
  const Wc = view(params, att.Wc);
  const out = new Float64Array(Td * B * Hd);
  const weights = new Float64Array(B * Td * Ts);
  const context = new Float64Array(Td * B * S);
  for (let b = 0; b < B; b++) {
    const k = keys(att, params, enc, b, sizes);
    const len = lengths[b];
    for (let t = 0; t < Td; t++) {
      const q = row(dec, t, b, B, Hd);
      const e = scores(att, params, q, k, len);
      const a = softmax(e, len);
      weights.set(a, (b * Td + t) * Ts);
      const c = row(context, t, b, B, S);
      for (let j = 0; j < len; j++) for (let i = 0; i < S; i++) c[i] += a[j] * enc[(j * B + b) * S + i];
      const z = matVec(Wc, concat(c, q), Hd, S + Hd);
      row(out, t, b, B, Hd).set(z.map(Math.tanh));
    }
  }
  return { out, weights, context };
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const x = new Float64Array(a.length + b.length);
  x.set(a);
  x.set(b, a.length);
  return x;
}

/** e_j for j < len (the rest unused). */
function scores(att: AttentionLayout, params: Float64Array, q: Float64Array, k: Float64Array[], len: number): Float64Array {
  const e = new Float64Array(k.length);
  if (att.type !== 'bahdanau') {
    for (let j = 0; j < len; j++) e[j] = dot(q, k[j]);
    return e;
  }
  const { Hd } = att;
  const qp = matVec(view(params, att.Wq), q, Hd, Hd);
  const v = view(params, att.v);
  for (let j = 0; j < len; j++) {
    let s = 0;
    for (let i = 0; i < Hd; i++) s += v[i] * Math.tanh(qp[i] + k[j][i]);
    e[j] = s;
  }
  return e;
}

/** Softmax over the first len entries; zeros beyond. */
function softmax(e: Float64Array, len: number): Float64Array {
  const a = new Float64Array(e.length);
  let max = -Infinity;
  for (let j = 0; j < len; j++) max = Math.max(max, e[j]);
  let sum = 0;
  for (let j = 0; j < len; j++) sum += a[j] = Math.exp(e[j] - max);
  for (let j = 0; j < len; j++) a[j] /= sum;
  return a;
}

/**
 * Backward of attentionForward: dOut (Td, B, Hd) = ∂L/∂h̃. Accumulates the attention's parameter gradients into
 * grads; returns ∂L/∂(decoder top) (Td, B, Hd) and ∂L/∂(encoder top) (Ts, B, S).
 */
export function attentionBackward(att: AttentionLayout, params: Float64Array, grads: Float64Array, enc: Float64Array, dec: Float64Array, lengths: Int32Array, run: AttentionRun, dOut: Float64Array, sizes: Sizes) {
  const { Ts, Td, B } = sizes;
  const { S, Hd } = att;
  const Wc = view(params, att.Wc);
  const gWc = view(grads, att.Wc);
  const dDec = new Float64Array(Td * B * Hd);
  const dEnc = new Float64Array(Ts * B * S);
  for (let b = 0; b < B; b++) {
    const k = keys(att, params, enc, b, sizes);
    const dk = [...Array(Ts)].map(() => new Float64Array(k[0].length));
    const len = lengths[b];
    for (let t = 0; t < Td; t++) {
      const q = row(dec, t, b, B, Hd);
      const a = run.weights.subarray((b * Td + t) * Ts, (b * Td + t + 1) * Ts);
      const c = row(run.context, t, b, B, S);
      const h = row(run.out, t, b, B, Hd);
      // h̃ = tanh(z), z = W_c [c ; q]
      const dz = row(dOut, t, b, B, Hd).map((g, i) => g * (1 - h[i] * h[i]));
      const dcat = matVecBackward(Wc, gWc, concat(c, q), dz, Hd, S + Hd);
      const dc = dcat.subarray(0, S);
      const dq = Float64Array.from(dcat.subarray(S));
      // c = Σ a_j s_j
      const da = new Float64Array(Ts);
      for (let j = 0; j < len; j++) {
        const s = row(enc, j, b, B, S);
        da[j] = dot(dc, s);
        const ds = row(dEnc, j, b, B, S);
        for (let i = 0; i < S; i++) ds[i] += a[j] * dc[i];
      }
      // a = softmax(e): de_j = a_j (da_j − Σ_k a_k da_k)
      let mean = 0;
      for (let j = 0; j < len; j++) mean += a[j] * da[j];
      const de = new Float64Array(Ts);
      for (let j = 0; j < len; j++) de[j] = a[j] * (da[j] - mean);
      if (att.type !== 'bahdanau') {
        // e_j = q·k_j
        for (let j = 0; j < len; j++)
          for (let i = 0; i < Hd; i++) {
            dq[i] += de[j] * k[j][i];
            dk[j][i] += de[j] * q[i];
          }
      } else {
        // e_j = v·u_j, u_j = tanh(W_q q + k_j)
        const Wq = view(params, att.Wq);
        const v = view(params, att.v);
        const gv = view(grads, att.v);
        const qp = matVec(Wq, q, Hd, Hd);
        const dqp = new Float64Array(Hd);
        for (let j = 0; j < len; j++)
          for (let i = 0; i < Hd; i++) {
            const u = Math.tanh(qp[i] + k[j][i]);
            gv[i] += de[j] * u;
            const dpre = de[j] * v[i] * (1 - u * u);
            dqp[i] += dpre;
            dk[j][i] += dpre;
          }
        const dqFromQp = matVecBackward(Wq, view(grads, att.Wq), q, dqp, Hd, Hd);
        for (let i = 0; i < Hd; i++) dq[i] += dqFromQp[i];
      }
      row(dDec, t, b, B, Hd).set(dq);
    }
    // keys: k_j = s_j (dot) or W s_j
    for (let j = 0; j < len; j++) {
      const ds = row(dEnc, j, b, B, S);
      if (att.type === 'luong-dot') {
        for (let i = 0; i < S; i++) ds[i] += dk[j][i];
        continue;
      }
      const slot = att.type === 'luong-general' ? att.Wa : att.Wk;
      const dsFromK = matVecBackward(view(params, slot), view(grads, slot), row(enc, j, b, B, S), dk[j], Hd, S);
      for (let i = 0; i < S; i++) ds[i] += dsFromK[i];
    }
  }
  return { dDec, dEnc };
}
