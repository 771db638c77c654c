// GEMM: C(M, N) = [C +] A·B for row-major float32 matrices, register-blocked (4 rows × 8 columns of C held in
// eight v128 accumulators) and cache-blocked (KC × MC panels of A stay in L2, an 8-column strip of B in L1).
// A is read through general strides so one kernel serves both A·B and Aᵀ·B:
//   element (m, k) of A is at A + 4·(m·sam + k·sak)   — A·B: sam = lda, sak = 1;   Aᵀ·B: sam = 1, sak = lda.
// B (K, N) has row stride ldb, C (M, N) row stride ldc (in floats). A·Bᵀ is done by transposing B first
// (the trainer keeps transposed copies of the weights).
import { fma } from './simd';

const KC: i32 = 256;
const MC: i32 = 64;

export function gemm(C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, sam: i32, sak: i32, ldb: i32, ldc: i32, accumulate: i32): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) for (let m = 0; m < M; m++) memory.fill(C + <usize>(m * ldc) * 4, 0, <usize>N * 4);
    return;
  }
  const N8 = N & ~7;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const acc = accumulate != 0 || k0 > 0;
    const Ak = A + <usize>(k0 * sak) * 4;
    const Bk = B + <usize>(k0 * ldb) * 4;
    for (let m0 = 0; m0 < M; m0 += MC) {
      const mEnd = min(M, m0 + MC);
      for (let n = 0; n < N8; n += 8) {
        let m = m0;
        for (; m + 4 <= mEnd; m += 4) block4x8(C + <usize>(m * ldc + n) * 4, ldc, Ak + <usize>(m * sam) * 4, sam, sak, Bk + <usize>n * 4, ldb, kc, acc);
        for (; m < mEnd; m++) block1x8(C + <usize>(m * ldc + n) * 4, Ak + <usize>(m * sam) * 4, sak, Bk + <usize>n * 4, ldb, kc, acc);
      }
      let n = N8;
      if (n + 4 <= N) {
        for (let m = m0; m < mEnd; m++) block1x4(C + <usize>(m * ldc + n) * 4, Ak + <usize>(m * sam) * 4, sak, Bk + <usize>n * 4, ldb, kc, acc);
        n += 4;
      }
      for (; n < N; n++) {
        for (let m = m0; m < mEnd; m++) {
          let s: f32 = 0;
          let pa = Ak + <usize>(m * sam) * 4;
          let pb = Bk + <usize>n * 4;
          for (let k = 0; k < kc; k++) {
            s += load<f32>(pa) * load<f32>(pb);
            pa += <usize>sak * 4;
            pb += <usize>ldb * 4;
          }
          const pc = C + <usize>(m * ldc + n) * 4;
          store<f32>(pc, acc ? load<f32>(pc) + s : s);
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function block4x8(pc: usize, ldc: i32, pa: usize, sam: i32, sak: i32, pb: usize, ldb: i32, kc: i32, acc: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const rs = <usize>sam * 4;
  const ks = <usize>sak * 4;
  const bs = <usize>ldb * 4;
  let a0 = pa, a1 = pa + rs, a2 = pa + 2 * rs, a3 = pa + 3 * rs;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = f32x4.splat(load<f32>(a0));
    c00 = fma(a, b0, c00); c01 = fma(a, b1, c01);
    a = f32x4.splat(load<f32>(a1));
    c10 = fma(a, b0, c10); c11 = fma(a, b1, c11);
    a = f32x4.splat(load<f32>(a2));
    c20 = fma(a, b0, c20); c21 = fma(a, b1, c21);
    a = f32x4.splat(load<f32>(a3));
    c30 = fma(a, b0, c30); c31 = fma(a, b1, c31);
    a0 += ks; a1 += ks; a2 += ks; a3 += ks;
    pb += bs;
  }
  const cs = <usize>ldc * 4;
  if (acc) {
    c00 = f32x4.add(c00, v128.load(pc)); c01 = f32x4.add(c01, v128.load(pc, 16));
    c10 = f32x4.add(c10, v128.load(pc + cs)); c11 = f32x4.add(c11, v128.load(pc + cs, 16));
    c20 = f32x4.add(c20, v128.load(pc + 2 * cs)); c21 = f32x4.add(c21, v128.load(pc + 2 * cs, 16));
    c30 = f32x4.add(c30, v128.load(pc + 3 * cs)); c31 = f32x4.add(c31, v128.load(pc + 3 * cs, 16));
  }
  v128.store(pc, c00); v128.store(pc, c01, 16);
  v128.store(pc + cs, c10); v128.store(pc + cs, c11, 16);
  v128.store(pc + 2 * cs, c20); v128.store(pc + 2 * cs, c21, 16);
  v128.store(pc + 3 * cs, c30); v128.store(pc + 3 * cs, c31, 16);
}

// @ts-ignore: decorator
@inline function block1x8(pc: usize, pa: usize, sak: i32, pb: usize, ldb: i32, kc: i32, acc: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  const ks = <usize>sak * 4;
  const bs = <usize>ldb * 4;
  for (let k = 0; k < kc; k++) {
    const a = f32x4.splat(load<f32>(pa));
    c0 = fma(a, v128.load(pb), c0);
    c1 = fma(a, v128.load(pb, 16), c1);
    pa += ks;
    pb += bs;
  }
  if (acc) {
    c0 = f32x4.add(c0, v128.load(pc));
    c1 = f32x4.add(c1, v128.load(pc, 16));
  }
  v128.store(pc, c0);
  v128.store(pc, c1, 16);
}

// @ts-ignore: decorator
@inline function block1x4(pc: usize, pa: usize, sak: i32, pb: usize, ldb: i32, kc: i32, acc: bool): void {
  let c0 = f32x4.splat(0);
  const ks = <usize>sak * 4;
  const bs = <usize>ldb * 4;
  for (let k = 0; k < kc; k++) {
    c0 = fma(f32x4.splat(load<f32>(pa)), v128.load(pb), c0);
    pa += ks;
    pb += bs;
  }
  if (acc) c0 = f32x4.add(c0, v128.load(pc));
  v128.store(pc, c0);
}

/** dst (cols, rows) = srcᵀ for src (rows, cols) row-major; 4×4 blocks through SIMD shuffles. */
export function transpose(dst: usize, src: usize, rows: i32, cols: i32): void {
  const r4 = rows & ~3;
  const c4 = cols & ~3;
  for (let r = 0; r < r4; r += 4) {
    for (let c = 0; c < c4; c += 4) {
      const s = src + <usize>(r * cols + c) * 4;
      const cs = <usize>cols * 4;
      const x0 = v128.load(s), x1 = v128.load(s + cs), x2 = v128.load(s + 2 * cs), x3 = v128.load(s + 3 * cs);
      const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
      const t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
      const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
      const t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
      const d = dst + <usize>(c * rows + r) * 4;
      const rs = <usize>rows * 4;
      v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
      v128.store(d + rs, i64x2.shuffle(t0, t1, 1, 3));
      v128.store(d + 2 * rs, i64x2.shuffle(t2, t3, 0, 2));
      v128.store(d + 3 * rs, i64x2.shuffle(t2, t3, 1, 3));
    }
    for (let c = c4; c < cols; c++)
      for (let i = r; i < r + 4; i++) store<f32>(dst + <usize>(c * rows + i) * 4, load<f32>(src + <usize>(i * cols + c) * 4));
  }
  for (let r = r4; r < rows; r++)
    for (let c = 0; c < cols; c++) store<f32>(dst + <usize>(c * rows + r) * 4, load<f32>(src + <usize>(r * cols + c) * 4));
}
