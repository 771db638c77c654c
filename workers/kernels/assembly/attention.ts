// Attention kernels (src-shared/attention.ts): the batched products over (B, Tq, Tk) of scoring, the masked softmax,
// the weighted mix of values and their backward passes, and additive (Bahdanau) scoring. The projections (W_a, W_q,
// W_k, W_c) are plain GEMMs, done by the engine (workers/engine/network.ts) with gemm.ts.
//
// Legend: B batch, Tq query (target) steps, Tk key (source) steps, n feature width. Time-major rows: element
// (t, b, i) of a (T, B, ·) tensor with row stride ld is at (t·B + b)·ld + i. Weights and scores are (B, Tq, Tk):
// element (b, t, j) at (b·Tq + t)·Tk + j. lengths (B) int32: key steps j ≥ len_b are padding and get weight 0
// (0 = every item has Tk). Every pointer is a byte offset into this module's memory; sizes in floats.
import { fma, tanh1, vexp, vtanh } from './simd';

// @ts-ignore: decorator
@inline function lengthOf(lengths: usize, b: i32, Tk: i32): i32 {
  return lengths ? load<i32>(lengths + <usize>b * 4) : Tk;
}

// @ts-ignore: decorator
@inline function dotRow(x: usize, y: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) acc = fma(v128.load(x + <usize>i * 4), v128.load(y + <usize>i * 4), acc);
  let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; i < n; i++) s += load<f32>(x + <usize>i * 4) * load<f32>(y + <usize>i * 4);
  return s;
}

/** y (n) += a·x (n). */
// @ts-ignore: decorator
@inline function axpy(y: usize, a: f32, x: usize, n: i32): void {
  const av = f32x4.splat(a);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + <usize>i * 4, fma(av, v128.load(x + <usize>i * 4), v128.load(y + <usize>i * 4)));
  for (; i < n; i++) store<f32>(y + <usize>i * 4, load<f32>(y + <usize>i * 4) + a * load<f32>(x + <usize>i * 4));
}

/** E (B, Tq, Tk): e_btj = Q(t, b)·K(j, b) for j < len_b (n wide; row strides ldq, ldk); entries beyond are left. */
export function attn_scores(E: usize, Q: usize, ldq: i32, K: usize, ldk: i32, Tq: i32, Tk: i32, B: i32, n: i32, lengths: usize): void {
  for (let b = 0; b < B; b++) {
    const len = lengthOf(lengths, b, Tk);
    for (let t = 0; t < Tq; t++) {
      const q = Q + <usize>((t * B + b) * ldq) * 4;
      const e = E + <usize>((b * Tq + t) * Tk) * 4;
      for (let j = 0; j < len; j++) store<f32>(e + <usize>j * 4, dotRow(q, K + <usize>((j * B + b) * ldk) * 4, n));
    }
  }
}

/** In place on (B, Tq, Tk): a_btj = softmax over j < len_b of e_bt·, 0 for j ≥ len_b. */
export function attn_softmax(A: usize, Tq: i32, Tk: i32, B: i32, lengths: usize): void {
  for (let b = 0; b < B; b++) {
    const len = lengthOf(lengths, b, Tk);
    for (let t = 0; t < Tq; t++) {
      const a = A + <usize>((b * Tq + t) * Tk) * 4;
      let max: f32 = -Infinity;
      for (let j = 0; j < len; j++) max = Mathf.max(max, load<f32>(a + <usize>j * 4));
      const mv = f32x4.splat(max);
      let sv = f32x4.splat(0);
      let j = 0;
      for (; j + 4 <= len; j += 4) {
        const x = vexp(f32x4.sub(v128.load(a + <usize>j * 4), mv));
        v128.store(a + <usize>j * 4, x);
        sv = f32x4.add(sv, x);
      }
      let sum: f32 = f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + (f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
      for (; j < len; j++) {
        const x = f32x4.extract_lane(vexp(f32x4.splat(load<f32>(a + <usize>j * 4) - max)), 0);
        store<f32>(a + <usize>j * 4, x);
        sum += x;
      }
      const inv: f32 = 1.0 / sum;
      for (j = 0; j < len; j++) store<f32>(a + <usize>j * 4, load<f32>(a + <usize>j * 4) * inv);
      for (; j < Tk; j++) store<f32>(a + <usize>j * 4, 0);
    }
  }
}

/** Softmax backward in place on dA (B, Tq, Tk): de_btj = a_btj·(da_btj − Σ_k a_btk·da_btk) (0 at padding). */
export function attn_softmax_backward(dA: usize, A: usize, Tq: i32, Tk: i32, B: i32, lengths: usize): void {
  for (let b = 0; b < B; b++) {
    const len = lengthOf(lengths, b, Tk);
    for (let t = 0; t < Tq; t++) {
      const o = <usize>((b * Tq + t) * Tk) * 4;
      const mean = dotRow(A + o, dA + o, len);
      for (let j = 0; j < len; j++) {
        const p = <usize>j * 4;
        store<f32>(dA + o + p, load<f32>(A + o + p) * (load<f32>(dA + o + p) - mean));
      }
      for (let j = len; j < Tk; j++) store<f32>(dA + o + <usize>j * 4, 0);
    }
  }
}

/** C(t, b) [+]= Σ_{j<len_b} a_btj·V(j, b) (n wide; row strides ldc, ldv). The context, and dQ += dE·K. */
export function attn_mix(C: usize, ldc: i32, A: usize, V: usize, ldv: i32, Tq: i32, Tk: i32, B: i32, n: i32, lengths: usize, accumulate: i32): void {
  for (let b = 0; b < B; b++) {
    const len = lengthOf(lengths, b, Tk);
    for (let t = 0; t < Tq; t++) {
      const c = C + <usize>((t * B + b) * ldc) * 4;
      if (!accumulate) memory.fill(c, 0, <usize>n * 4);
      const a = A + <usize>((b * Tq + t) * Tk) * 4;
      for (let j = 0; j < len; j++) axpy(c, load<f32>(a + <usize>j * 4), V + <usize>((j * B + b) * ldv) * 4, n);
    }
  }
}

/** D(j, b) += Σ_t a_btj·U(t, b) for j < len_b (n wide; row strides ldd, ldu). dS += Aᵀ·dC, and dK += dEᵀ·Q. */
export function attn_mix_t(D: usize, ldd: i32, A: usize, U: usize, ldu: i32, Tq: i32, Tk: i32, B: i32, n: i32, lengths: usize): void {
  for (let b = 0; b < B; b++) {
    const len = lengthOf(lengths, b, Tk);
    for (let t = 0; t < Tq; t++) {
      const u = U + <usize>((t * B + b) * ldu) * 4;
      const a = A + <usize>((b * Tq + t) * Tk) * 4;
      for (let j = 0; j < len; j++) axpy(D + <usize>((j * B + b) * ldd) * 4, load<f32>(a + <usize>j * 4), u, n);
    }
  }
}

/** Additive scores: e_btj = Σ_i v_i·tanh(Qp(t, b)_i + Kp(j, b)_i) for j < len_b; Qp (Tq, B, n), Kp (Tk, B, n). */
export function additive_scores(E: usize, Qp: usize, Kp: usize, v: usize, Tq: i32, Tk: i32, B: i32, n: i32, lengths: usize): void {
  for (let b = 0; b < B; b++) {
    const len = lengthOf(lengths, b, Tk);
    for (let t = 0; t < Tq; t++) {
      const q = Qp + <usize>((t * B + b) * n) * 4;
      const e = E + <usize>((b * Tq + t) * Tk) * 4;
      for (let j = 0; j < len; j++) {
        const k = Kp + <usize>((j * B + b) * n) * 4;
        let acc = f32x4.splat(0);
        let i = 0;
        for (; i + 4 <= n; i += 4) {
          const p = <usize>i * 4;
          acc = fma(v128.load(v + p), vtanh(f32x4.add(v128.load(q + p), v128.load(k + p))), acc);
        }
        let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
        for (; i < n; i++) s += load<f32>(v + <usize>i * 4) * tanh1(load<f32>(q + <usize>i * 4) + load<f32>(k + <usize>i * 4));
        store<f32>(e + <usize>j * 4, s);
      }
    }
  }
}

/**
 * Backward of additive_scores given dE (B, Tq, Tk): with u = tanh(Qp_t + Kp_j) recomputed, g = de_btj·v ⊙ (1 − u²):
 * dQp(t, b) += Σ_j g, dKp(j, b) += Σ_t g, dv += Σ de_btj·u. dQp, dKp, dv accumulate.
 */
export function additive_backward(dQp: usize, dKp: usize, dv: usize, dE: usize, Qp: usize, Kp: usize, v: usize, Tq: i32, Tk: i32, B: i32, n: i32, lengths: usize): void {
  const one = f32x4.splat(1);
  for (let b = 0; b < B; b++) {
    const len = lengthOf(lengths, b, Tk);
    for (let t = 0; t < Tq; t++) {
      const q = Qp + <usize>((t * B + b) * n) * 4;
      const dq = dQp + <usize>((t * B + b) * n) * 4;
      const de = dE + <usize>((b * Tq + t) * Tk) * 4;
      for (let j = 0; j < len; j++) {
        const k = Kp + <usize>((j * B + b) * n) * 4;
        const dk = dKp + <usize>((j * B + b) * n) * 4;
        const g: f32 = load<f32>(de + <usize>j * 4);
        const gv = f32x4.splat(g);
        let i = 0;
        for (; i + 4 <= n; i += 4) {
          const p = <usize>i * 4;
          const u = vtanh(f32x4.add(v128.load(q + p), v128.load(k + p)));
          v128.store(dv + p, fma(gv, u, v128.load(dv + p)));
          const d = f32x4.mul(f32x4.mul(gv, v128.load(v + p)), f32x4.sub(one, f32x4.mul(u, u)));
          v128.store(dq + p, f32x4.add(v128.load(dq + p), d));
          v128.store(dk + p, f32x4.add(v128.load(dk + p), d));
        }
        for (; i < n; i++) {
          const p = <usize>i * 4;
          const u = tanh1(load<f32>(q + p) + load<f32>(k + p));
          store<f32>(dv + p, load<f32>(dv + p) + g * u);
          const d = g * load<f32>(v + p) * (1 - u * u);
          store<f32>(dq + p, load<f32>(dq + p) + d);
          store<f32>(dk + p, load<f32>(dk + p) + d);
        }
      }
    }
  }
}

/** In place: x = tanh(x) (n floats). The attentional state h̃ = tanh(z). */
export function tanh_inplace(x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + <usize>i * 4, vtanh(v128.load(x + <usize>i * 4)));
  for (; i < n; i++) store<f32>(x + <usize>i * 4, tanh1(load<f32>(x + <usize>i * 4)));
}

/** dz = dy ⊙ (1 − y²) for y = tanh(z) (n floats; dz may be dy). */
export function tanh_backward(dz: usize, y: usize, dy: usize, n: i32): void {
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = <usize>i * 4;
    const yv = v128.load(y + p);
    v128.store(dz + p, f32x4.mul(v128.load(dy + p), f32x4.sub(one, f32x4.mul(yv, yv))));
  }
  for (; i < n; i++) {
    const p = <usize>i * 4;
    const yv = load<f32>(y + p);
    store<f32>(dz + p, load<f32>(dy + p) * (1 - yv * yv));
  }
}
