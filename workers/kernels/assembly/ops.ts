// Element-wise and data-movement kernels: bias broadcast and column sums, time-reversal gathers, embedding
// lookup and its scatter-add, dropout, norms, finiteness checks, head losses and optimiser updates.
// Every pointer is a byte offset into this module's linear memory; sizes are in floats.
import { fma, vexp } from './simd';

// ================================================ bias, copies ==================================================

/** dst (rows, width) row r = bias (width), with row stride ldd. */
export function fill_rows(dst: usize, ldd: i32, bias: usize, rows: i32, width: i32): void {
  for (let r = 0; r < rows; r++) memory.copy(dst + <usize>(r * ldd) * 4, bias, <usize>width * 4);
}

/** dst (width) += Σ_r src(r, :) for src (rows, width) with row stride lds. */
export function colsum_acc(dst: usize, src: usize, lds: i32, rows: i32, width: i32): void {
  const w4 = width & ~3;
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>(r * lds) * 4;
    let j = 0;
    for (; j < w4; j += 4) v128.store(dst + <usize>j * 4, f32x4.add(v128.load(dst + <usize>j * 4), v128.load(s + <usize>j * 4)));
    for (; j < width; j++) store<f32>(dst + <usize>j * 4, load<f32>(dst + <usize>j * 4) + load<f32>(s + <usize>j * 4));
  }
}

/**
 * colsum_acc and a one-column Aᵀ·x in one pass over src: dst (width) += Σ_r src(r, :) and dx (width) += Σ_r
 * src(r, :)·x(r) (x with stride ldx). A layer of one input feature: its bias gradient and its input weights' gradient
 * dWx = dGᵀ·x read dG ((T·B, G·H), larger than L2 for long series) once instead of twice. Each column's sums run in
 * row order, as colsum_acc's and gemm's Aᵀ·x path's do.
 */
export function colsum_dot_acc(dst: usize, dx: usize, src: usize, lds: i32, rows: i32, width: i32, x: usize, ldx: i32): void {
  const w4 = width & ~3;
  const xs = <usize>ldx * 4;
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>(r * lds) * 4;
    const xr = load<f32>(x + <usize>r * xs);
    const xv = f32x4.splat(xr);
    let j = 0;
    for (; j < w4; j += 4) {
      const v = v128.load(s + <usize>j * 4);
      v128.store(dst + <usize>j * 4, f32x4.add(v128.load(dst + <usize>j * 4), v));
      v128.store(dx + <usize>j * 4, fma(v, xv, v128.load(dx + <usize>j * 4)));
    }
    for (; j < width; j++) {
      const v = load<f32>(s + <usize>j * 4);
      store<f32>(dst + <usize>j * 4, load<f32>(dst + <usize>j * 4) + v);
      store<f32>(dx + <usize>j * 4, load<f32>(dx + <usize>j * 4) + v * xr);
    }
  }
}

/**
 * Copies `width` floats per (t, b) row between two time-major (T, B, ·) tensors with row strides lds / ldd,
 * optionally reversing time within each sequence's length (lengths (B) int32; 0 = all T) and optionally adding.
 * Row (t, b) of src goes to row (π_b(t), b) of dst, π_b(t) = len_b − 1 − t for t < len_b, t otherwise.
 */
export function copy_time(dst: usize, ldd: i32, src: usize, lds: i32, T: i32, B: i32, width: i32, lengths: usize, reverse: i32, accumulate: i32): void {
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      let td = t;
      if (reverse) {
        const len = lengths ? load<i32>(lengths + <usize>b * 4) : T;
        if (t < len) td = len - 1 - t;
      }
      const s = src + <usize>((t * B + b) * lds) * 4;
      const d = dst + <usize>((td * B + b) * ldd) * 4;
      if (accumulate) {
        let j = 0;
        for (; j + 4 <= width; j += 4) v128.store(d + <usize>j * 4, f32x4.add(v128.load(d + <usize>j * 4), v128.load(s + <usize>j * 4)));
        for (; j < width; j++) store<f32>(d + <usize>j * 4, load<f32>(d + <usize>j * 4) + load<f32>(s + <usize>j * 4));
      } else {
        memory.copy(d, s, <usize>width * 4);
      }
    }
  }
}

// ================================================ embedding ======================================================

/** dst row i (stride ldd) = table[tokens[i]] (E floats each), for n rows. */
export function embed_forward(dst: usize, ldd: i32, table: usize, E: i32, tokens: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const tok = load<i32>(tokens + <usize>i * 4);
    memory.copy(dst + <usize>(i * ldd) * 4, table + <usize>(tok * E) * 4, <usize>E * 4);
  }
}

/** dtable[tokens[i]] += src row i (stride lds). */
export function embed_backward(dtable: usize, E: i32, tokens: usize, src: usize, lds: i32, n: i32): void {
  for (let i = 0; i < n; i++) {
    const tok = load<i32>(tokens + <usize>i * 4);
    const d = dtable + <usize>(tok * E) * 4;
    const s = src + <usize>(i * lds) * 4;
    let j = 0;
    for (; j + 4 <= E; j += 4) v128.store(d + <usize>j * 4, f32x4.add(v128.load(d + <usize>j * 4), v128.load(s + <usize>j * 4)));
    for (; j < E; j++) store<f32>(d + <usize>j * 4, load<f32>(d + <usize>j * 4) + load<f32>(s + <usize>j * 4));
  }
}

// ================================================ dropout ========================================================

// @ts-ignore: decorator
@inline function fmix32(h: u32): u32 {
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

/** Inverted dropout: mask[i] = 1/(1−p) if kept else 0 (kept iff uniform(seed, i) ≥ p), x[i] *= mask[i]. */
export function dropout_forward(x: usize, mask: usize, n: i32, p: f32, seed: u32): void {
  const keep: f32 = 1.0 / (1.0 - p);
  for (let i = 0; i < n; i++) {
    const u = <f32>(fmix32(seed + <u32>i * 0x9e3779b9) >>> 8) / 16777216.0;
    const m: f32 = u >= p ? keep : 0;
    store<f32>(mask + <usize>i * 4, m);
    store<f32>(x + <usize>i * 4, load<f32>(x + <usize>i * 4) * m);
  }
}

/** x[i] *= m[i] */
export function mul_inplace(x: usize, m: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + <usize>i * 4, f32x4.mul(v128.load(x + <usize>i * 4), v128.load(m + <usize>i * 4)));
  for (; i < n; i++) store<f32>(x + <usize>i * 4, load<f32>(x + <usize>i * 4) * load<f32>(m + <usize>i * 4));
}

// ================================================ norms and checks ===============================================

/** Σ x² in float64 (two f64 lanes per f32x4 so a million terms keep their precision). */
export function sum_squares(x: usize, n: i32): f64 {
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + <usize>i * 4);
    const a = f64x2.promote_low_f32x4(v);
    const b = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
    lo = f64x2.add(lo, f64x2.mul(a, a));
    hi = f64x2.add(hi, f64x2.mul(b, b));
  }
  let s = f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1) + f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1);
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + <usize>i * 4);
    s += v * v;
  }
  return s;
}

/** x *= s */
export function scale(x: usize, n: i32, s: f32): void {
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + <usize>i * 4, f32x4.mul(v128.load(x + <usize>i * 4), sv));
  for (; i < n; i++) store<f32>(x + <usize>i * 4, load<f32>(x + <usize>i * 4) * s);
}

/** Index of the first NaN or ±Infinity in x, or −1. */
export function first_nonfinite(x: usize, n: i32): i32 {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + <usize>i * 4);
    const d = f32x4.sub(v, v); // 0 for finite, NaN for NaN/±Inf
    if (v128.any_true(f32x4.ne(d, d))) break;
  }
  for (; i < n; i++) {
    const v = load<f32>(x + <usize>i * 4);
    if (v - v != 0 || isNaN(v)) return i;
  }
  return -1;
}

/**
 * Gate statistics over rows (N, G·H): for gate g, out[2g] = mean activation, out[2g+1] = fraction saturated.
 * Sigmoid gates count as saturated below 0.05 or above 0.95; tanh gates (kinds[g] = 1) beyond ±0.95.
 */
export function gate_stats(gates: usize, N: i32, G: i32, H: i32, kinds: usize, out: usize): void {
  for (let g = 0; g < G; g++) {
    const isTanh = load<i32>(kinds + <usize>g * 4) == 1;
    let sum: f64 = 0;
    let sat: i32 = 0;
    for (let r = 0; r < N; r++) {
      const p = gates + <usize>((r * G + g) * H) * 4;
      for (let j = 0; j < H; j++) {
        const v = load<f32>(p + <usize>j * 4);
        sum += v;
        if (isTanh) { if (abs<f32>(v) > 0.95) sat++; } else if (v < 0.05 || v > 0.95) sat++;
      }
    }
    const count = <f64>N * <f64>H;
    store<f64>(out + <usize>(2 * g) * 8, count > 0 ? sum / count : 0);
    store<f64>(out + <usize>(2 * g + 1) * 8, count > 0 ? <f64>sat / count : 0);
  }
}

// ================================================ losses =========================================================

/**
 * Softmax cross-entropy over N rows of O logits. weights[i] (0 skips the row), targets[i] int32.
 * Writes dlogits = (softmax − onehot)·w·gradScale into dlogits (may alias logits) and returns Σ w·(−log p_target).
 * Vectorised: e_j = exp(x_j − max) in float32 (vexp, ≈ 2 ulp), p_j = e_j / Σe; log Σe and the loss in float64.
 */
export function softmax_xent(logits: usize, dlogits: usize, N: i32, O: i32, targets: usize, weights: usize, gradScale: f32): f64 {
  let loss: f64 = 0;
  const O4 = O & ~3;
  for (let i = 0; i < N; i++) {
    const row = logits + <usize>(i * O) * 4;
    const drow = dlogits + <usize>(i * O) * 4;
    const w = load<f32>(weights + <usize>i * 4);
    if (w == 0) {
      memory.fill(drow, 0, <usize>O * 4);
      continue;
    }
    let j = 0;
    let mv = f32x4.splat(-Infinity);
    for (; j < O4; j += 4) mv = f32x4.pmax(mv, v128.load(row + <usize>j * 4));
    let mx = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    for (; j < O; j++) mx = max(mx, load<f32>(row + <usize>j * 4));
    const tgt = load<i32>(targets + <usize>i * 4);
    const xt = load<f32>(row + <usize>tgt * 4); // read before drow (which may alias row) is written
    // e_j = exp(x_j − max) into drow, Σe
    const mxv = f32x4.splat(mx);
    let sv = f32x4.splat(0);
    for (j = 0; j < O4; j += 4) {
      const e = vexp(f32x4.sub(v128.load(row + <usize>j * 4), mxv));
      v128.store(drow + <usize>j * 4, e);
      sv = f32x4.add(sv, e);
    }
    let s: f64 = <f64>f32x4.extract_lane(sv, 0) + <f64>f32x4.extract_lane(sv, 1) + <f64>f32x4.extract_lane(sv, 2) + <f64>f32x4.extract_lane(sv, 3);
    for (; j < O; j++) {
      const e = f32x4.extract_lane(vexp(f32x4.splat(load<f32>(row + <usize>j * 4) - mx)), 0);
      store<f32>(drow + <usize>j * 4, e);
      s += e;
    }
    loss += <f64>w * (<f64>mx + Math.log(s) - <f64>xt);
    // dlogits = (e/Σe − onehot)·w·gradScale
    const k = w * gradScale;
    const scale = f32x4.splat(<f32>(1.0 / s) * k);
    for (j = 0; j < O4; j += 4) v128.store(drow + <usize>j * 4, f32x4.mul(v128.load(drow + <usize>j * 4), scale));
    for (; j < O; j++) store<f32>(drow + <usize>j * 4, load<f32>(drow + <usize>j * 4) * f32x4.extract_lane(scale, 0));
    store<f32>(drow + <usize>tgt * 4, load<f32>(drow + <usize>tgt * 4) - k);
  }
  return loss;
}

/** Row-wise softmax in place (for sampling and probabilities). */
export function softmax_rows(x: usize, N: i32, O: i32, invTemperature: f32): void {
  for (let i = 0; i < N; i++) {
    const row = x + <usize>(i * O) * 4;
    let mx = load<f32>(row) * invTemperature;
    for (let j = 1; j < O; j++) mx = max(mx, load<f32>(row + <usize>j * 4) * invTemperature);
    let s: f64 = 0;
    for (let j = 0; j < O; j++) {
      const e = Math.exp(<f64>(load<f32>(row + <usize>j * 4) * invTemperature - mx));
      store<f32>(row + <usize>j * 4, <f32>e);
      s += e;
    }
    const inv = <f32>(1.0 / s);
    for (let j = 0; j < O; j++) store<f32>(row + <usize>j * 4, load<f32>(row + <usize>j * 4) * inv);
  }
}

/** Mean squared error: returns Σ w·Σ_o (y − t)², writes dy = 2(y − t)·w·gradScale. */
export function mse(y: usize, dy: usize, N: i32, O: i32, target: usize, weights: usize, gradScale: f32): f64 {
  let loss: f64 = 0;
  for (let i = 0; i < N; i++) {
    const w = load<f32>(weights + <usize>i * 4);
    for (let j = 0; j < O; j++) {
      const k = <usize>(i * O + j) * 4;
      const d = load<f32>(y + k) - load<f32>(target + k);
      loss += <f64>w * <f64>d * <f64>d;
      store<f32>(dy + k, 2 * d * w * gradScale);
    }
  }
  return loss;
}

// ================================================ optimisers =====================================================

/**
 * Adam / AdamW on n floats. m, v moments; bc1 = 1 − β1^t, bc2 = 1 − β2^t. weightDecay is decoupled
 * (p −= lr·wd·p) when decoupled ≠ 0 (AdamW), otherwise added to the gradient (Adam's L2).
 * 1 − β1 and 1 − β2 come in computed in float64 (as PyTorch does): 1 − fround(0.999) in float32 would be
 * 0.00099998713, 1.3e-5 off, and bias every early update.
 */
export function adam(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, b1: f32, b2: f32, omb1: f32, omb2: f32, eps: f32, wd: f32, bc1: f32, bc2: f32, decoupled: i32): void {
  const vb1 = f32x4.splat(b1), vb1c = f32x4.splat(omb1);
  const vb2 = f32x4.splat(b2), vb2c = f32x4.splat(omb2);
  const stepSize = f32x4.splat(lr / bc1);
  const invSqrtBc2 = f32x4.splat(<f32>(1.0 / Math.sqrt(<f64>bc2)));
  const veps = f32x4.splat(eps);
  const l2 = f32x4.splat(decoupled ? 0 : wd);
  const decay = f32x4.splat(decoupled ? 1 - lr * wd : 1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    let pv = v128.load(p + o);
    const gv = fma(l2, pv, v128.load(g + o));
    const mv = fma(vb1, v128.load(m + o), f32x4.mul(vb1c, gv));
    const vv = fma(vb2, v128.load(v + o), f32x4.mul(vb2c, f32x4.mul(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    pv = f32x4.mul(pv, decay);
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vv), invSqrtBc2), veps);
    v128.store(p + o, f32x4.sub(pv, f32x4.div(f32x4.mul(stepSize, mv), denom)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    let pv = load<f32>(p + o);
    const gv = load<f32>(g + o) + (decoupled ? 0 : wd) * pv;
    const mv = b1 * load<f32>(m + o) + omb1 * gv;
    const vv = b2 * load<f32>(v + o) + omb2 * gv * gv;
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    if (decoupled) pv *= 1 - lr * wd;
    store<f32>(p + o, pv - (lr / bc1) * mv / (Mathf.sqrt(vv) * <f32>(1.0 / Math.sqrt(<f64>bc2)) + eps));
  }
}

/** SGD with momentum (PyTorch's form: buf = μ·buf + g; p −= lr·buf), L2 weight decay added to the gradient. */
export function sgd(p: usize, g: usize, buf: usize, n: i32, lr: f32, momentum: f32, wd: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i * 4;
    const gv = load<f32>(g + o) + wd * load<f32>(p + o);
    const b = momentum * load<f32>(buf + o) + gv;
    store<f32>(buf + o, b);
    store<f32>(p + o, load<f32>(p + o) - lr * b);
  }
}
