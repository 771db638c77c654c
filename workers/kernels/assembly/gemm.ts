// GEMM: C(M, N) = [C +] A·B for row-major float32 matrices, the trainer's one matrix-product kernel.
// A is read through general strides so one kernel serves both A·B and Aᵀ·B:
//   element (m, k) of A is at A + 4·(m·sam + k·sak)   — A·B: sam = lda, sak = 1;   Aᵀ·B: sam = 1, sak = lda.
// B (K, N) has row stride ldb, C (M, N) row stride ldc (in floats). A·Bᵀ is done by transposing B first
// (the trainer keeps transposed copies of the weights).
//
// Structure (BLIS/Goto style, sized for one Zen 4 core: L1d 32 KiB, L2 1 MiB, and V8's 15 allocatable xmm registers):
//   for each column block jc (nc ≤ ~104 columns with the default work space, ≤ ~2000 with the engine's 2 MiB one)
//     for each k block pc (kc ≤ KC = 256; TN_KC = 256 in the Aᵀ·B form too)
//       pack B(pc.., jc..) into NR = 8 column panels, k-major (the "B block", L2/L3-resident, ≤ 104 KiB or ≤ 2 MiB)
//       for each row panel ir (H1 = 6 rows, then H2 = 5 rows; 5 and 4 in the plain-SIMD build)
//         pack A(ir.., pc..) into one k-major panel (L1-resident, ≤ 6 KiB)
//         for each B panel jr: micro-kernel, C(ir.., jc + jr..) [+]= A panel · B panel (kc FMAs per element)
//   · Packing makes every micro-kernel load sequential with immediate offsets, and removes the L1/L2 set conflicts
//     of walking B's columns with a 4–8 KiB row stride (N = 1024–2048): that alone was worth 30–60%.
//   · Row panels of 6 and 5 rows cover every M ≥ 20 exactly (M = 32, 50, 2048, 5000 waste nothing).
//   · The first row panel packs B while it computes (kernelH1Fused), so the per-step GEMMs of the recurrent cells
//     (M = batch, B = the weights, streamed from L3 on every step) overlap those loads with FMAs.
//   · Aᵀ·B (weight gradients, K = T·B large): A's rows are 4–8 KiB apart, so packing an A panel touches one line per
//     k; with the small default work space a shorter k block (96) measured best, with the 2 MiB one 256 (TN_KC).
//   · N = 1 (one input feature or one output) goes to a GEMV path; M ≤ 4 (generation: one sequence or a beam's
//     hypotheses, one step) to a row path that streams B once per 2 rows (gemmRows), with the panel path's numbers.
// Work space: the packed blocks live in `work`. By default that is WORK, static data of this module, sized so that
// the module still fits its initial memory of 2 pages (tools/build-wasm.mjs: --initialMemory 2; the data lies below
// __heap_base, which the engine's memory map starts from): 116 KiB, a B block of only ~104 columns. The engine hands
// over a larger one (gemm_workspace: the GEMM region of memory-map.ts, 2 MiB), which lets the B block span up to
// ~1000–2000 columns (kc = 256): A is then packed N/nc times instead of N/104 (for C's M = T·B = 5000 products, A is
// 10–40 MiB, streamed from memory on each pass) and C is written in longer runs per row. Measured on C's shapes
// (one Zen 4 core): 5000×2048×512 and 5000×512×2048 44 → 54 GFLOP/s. The k blocks (and so every result, bit for
// bit) do not depend on the work space; only the column blocks do.
// Each module instance must be used by one thread (its memory is not shared). The calls are not re-entrant (the
// work space is global); the cell kernels call gemm between their own loops only.
import { fma } from './simd';

/** B panel width (columns): two f32x4 per k. */
const NR: i32 = 8;
/** k block of the A·B form: the B block is KC × nc, an A panel H1 × KC. */
const KC: i32 = 256;
/**
 * k block of the Aᵀ·B form. With the 116 KiB default work space 96 measured best (> 128 > 256, K = T·B = 2048–5000,
 * A rows 4–8 KiB apart: a shorter k block allowed a wider B block); with the engine's 2 MiB one the B block is wide
 * anyway, and 256 measured best (C's 2048×512×5000: 96 → 51, 128 → 53, 192 → 54, 256 → 54.6 GFLOP/s), fewer passes
 * over C (dW, read back after every k block).
 */
const TN_KC: i32 = 256;
/** Floats between consecutive B panels, so that panels (kc·32 bytes, a multiple of 4 KiB) use different L1 sets. */
const PSKEW: i32 = 16;
/**
 * Row-panel heights. Relaxed SIMD: 6 rows → 12 accumulators + 2 B vectors + 1 broadcast = 15 xmm registers.
 * Plain SIMD (mul + add needs a register for the product): 5 rows (14 registers); 6 spilled there (28 vs 40 GFLOP/s).
 */
const H1: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 5;
const H2: i32 = H1 - 1;
/** Default packed B block + one A panel, in floats: 116 KiB, the most that fits the 2-page initial memory. */
const WORK_FLOATS: i32 = 29 * 1024;
const WORK: usize = memory.data(WORK_FLOATS * 4, 64);
/** One micro-tile (6 × 8), for tiles cut by the edges of C. */
const TILE: usize = memory.data(6 * NR * 4, 64);
/** The panel path's work space: WORK until the engine hands a larger one over (gemm_workspace). */
let work: usize = WORK;
let workFloats: i32 = WORK_FLOATS;

/**
 * Uses [ptr, ptr + 4·floats) as the panel path's work space from now on (ptr 64-byte aligned, inside this module's
 * memory and used by nothing else); floats < WORK_FLOATS goes back to WORK. gemmRows and gemv keep using WORK.
 */
export function gemm_workspace(ptr: usize, floats: i32): void {
  if (floats < WORK_FLOATS) {
    work = WORK;
    workFloats = WORK_FLOATS;
  } else {
    work = ptr;
    workFloats = floats;
  }
}

export function gemm(C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, sam: i32, sak: i32, ldb: i32, ldc: i32, accumulate: i32): void {
  gemmImpl(C, A, B, 0, M, N, K, sam, sak, ldb, ldc, accumulate);
}

/**
 * C(M, N) = bias + A·B, bias (N) added to every row: the same numbers as fill_rows(C, bias) then gemm(…, 1), with
 * the bias written into each C tile just before its first k block instead of in a pass of its own. For a large C
 * (the input projections of all steps, tens of MiB) that pass left C in memory, and every micro-tile then stalled
 * on reading it back; written just before, the tile is in L1 when the micro-kernel adds to it.
 */
export function gemm_bias(C: usize, A: usize, B: usize, bias: usize, M: i32, N: i32, K: i32, sam: i32, sak: i32, ldb: i32, ldc: i32): void {
  if (M <= 0 || N <= 0) return;
  // Tiny K (one input feature: a rank-1 update, memory-bound) measured faster as a bias pass then the product.
  if (K == 1 && N > 1) {
    // One input feature: C(m, ·) = bias + a(m)·b, written in one pass (C is written once and never read back).
    // The same numbers as the bias pass then the product: the micro-kernel's fma(a, b, 0) rounds to a·b, then adds C.
    rank1Bias(C, A, B, bias, M, N, sam, ldc);
    return;
  }
  if (K <= 4 || N == 1) {
    for (let m = 0; m < M; m++) memory.copy(C + <usize>(m * ldc) * 4, bias, <usize>N * 4);
    gemmImpl(C, A, B, 0, M, N, K, sam, sak, ldb, ldc, 1);
    return;
  }
  gemmImpl(C, A, B, bias, M, N, K, sam, sak, ldb, ldc, 1);
}

/** C(m, n) = a(m)·b(n) + bias(n) for m < M, n < N; a(m) at A + 4·m·sam, b and bias contiguous. */
function rank1Bias(C: usize, A: usize, B: usize, bias: usize, M: i32, N: i32, sam: i32, ldc: i32): void {
  const n4 = N & ~3;
  const zero = f32x4.splat(0);
  for (let m = 0; m < M; m++) {
    const a = v128.load32_splat(A + <usize>(m * sam) * 4);
    const d = C + <usize>(m * ldc) * 4;
    let n = 0;
    for (; n < n4; n += 4) {
      const o = <usize>n * 4;
      v128.store(d + o, f32x4.add(fma(a, v128.load(B + o), zero), v128.load(bias + o)));
    }
    for (; n < N; n++) {
      const o = <usize>n * 4;
      store<f32>(d + o, f32x4.extract_lane(fma(a, f32x4.splat(load<f32>(B + o)), zero), 0) + load<f32>(bias + o));
    }
  }
}

/** Copies the bias row (nc floats) into rows [0, mr) of C (row stride ldc floats). */
function fillBias(C: usize, ldc: i32, bias: usize, mr: i32, nc: i32): void {
  const n4 = nc & ~3;
  for (let i = 0; i < mr; i++) {
    const d = C + <usize>(i * ldc) * 4;
    let j = 0;
    for (; j < n4; j += 4) v128.store(d + <usize>j * 4, v128.load(bias + <usize>j * 4));
    for (; j < nc; j++) store<f32>(d + <usize>j * 4, load<f32>(bias + <usize>j * 4));
  }
}

// (bias ≠ 0 only from gemm_bias, with accumulate = 1 and N > 1, K > 0.)
function gemmImpl(C: usize, A: usize, B: usize, bias: usize, M: i32, N: i32, K: i32, sam: i32, sak: i32, ldb: i32, ldc: i32, accumulate: i32): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) for (let m = 0; m < M; m++) memory.fill(C + <usize>(m * ldc) * 4, 0, <usize>N * 4);
    return;
  }
  if (N == 1) {
    gemv(C, A, B, M, K, sam, sak, ldb, ldc, accumulate != 0);
    return;
  }
  const tn = sam == 1 && sak != 1;
  // Blocking: a kcMax × nc block of B plus one H1 × kcMax panel of A must fit in the work space. Blocks are balanced.
  const kcMax = tn ? TN_KC : KC;
  // @ts-ignore: BF16 is a compile-time constant (tools/build-wasm.mjs: --use BF16=0|1)
  if ((BF16 ? M == 1 : M <= 4) && 2 * (N + 4) <= WORK_FLOATS) {
    // (the bf16 build keeps 2–4 rows on its bf16 panel path: only one row stays float32, as before)
    gemmRows(C, A, B, bias, M, N, K, sam, sak, ldb, ldc, accumulate != 0, kcMax);
    return;
  }
  // @ts-ignore: BF16 is a compile-time constant (tools/build-wasm.mjs: --use BF16=0|1)
  if (BF16) {
    gemmBf16(C, A, B, bias, M, N, K, sam, sak, ldb, ldc, accumulate);
    return;
  }
  const ncFit = ((workFloats - H1 * kcMax) / (kcMax * NR + PSKEW)) * NR;
  const nbN = (N + ncFit - 1) / ncFit;
  const ncBlk = (((N + nbN - 1) / nbN + NR - 1) / NR) * NR;
  const nbK = (K + kcMax - 1) / kcMax;
  const kcBlk = (K + nbK - 1) / nbK;
  const bp = work;
  const ap = work + <usize>((ncBlk / NR) * (kcBlk * NR + PSKEW)) * 4;
  // Row panels: panels of H1 rows, then q2 of H2 = H1 − 1 rows; H1·q1 + H2·q2 = M exactly whenever M ≥ H1·H2 − H1.
  let q2 = (H1 - M % H1) % H1;
  if (H2 * q2 > M) q2 = 0;
  const mBig = M - H2 * q2;
  for (let jc = 0; jc < N; jc += ncBlk) {
    const nc = min(ncBlk, N - jc);
    for (let pc = 0; pc < K; pc += kcBlk) {
      const kc = min(kcBlk, K - pc);
      const add = accumulate != 0 || pc > 0;
      const panel = <usize>(kc * NR + PSKEW) * 4;
      const Bk = B + <usize>(pc * ldb + jc) * 4;
      // The first row panel packs the full panels of B as it goes (kernelH1Fused) when it has H1 rows; the partial
      // last panel, or everything otherwise, is packed here.
      const fuse = mBig > 0;
      if (fuse) packBTail(bp, Bk, ldb, kc, nc);
      else packB(bp, Bk, ldb, kc, nc);
      const Apc = A + <usize>(pc * sak) * 4;
      for (let ir = 0; ir < M; ) {
        const h = ir < mBig ? H1 : H2;
        const mr = min(h, M - ir);
        if (tn && mr == h) packAT(ap, Apc + <usize>ir * 4, sak, ir, ir + h, mBig, kc);
        else packA(ap, Apc + <usize>(ir * sam) * 4, sam, sak, mr, h, kc);
        const Cr = C + <usize>(ir * ldc + jc) * 4;
        if (bias && pc == 0) fillBias(Cr, ldc, bias + <usize>jc * 4, mr, nc);
        rowPanel(h, kc, ap, bp, panel, Cr, ldc, add, mr, nc, fuse && ir == 0 ? Bk : 0, <usize>ldb * 4);
        ir += h;
      }
    }
  }
}

/**
 * Floats that gemm_pack needs for B (K, N): per k block of the A·B form (kc ≤ KC), ⌈N/8⌉ panels of kc·NR + PSKEW.
 * (workers/engine/memory-map.ts mirrors this as packedFloats, checked against this function in the kernel tests.)
 */
export function gemm_packed_floats(K: i32, N: i32): i32 {
  const nbK = (K + KC - 1) / KC;
  return ((N + NR - 1) / NR) * (K * NR + nbK * PSKEW);
}

/**
 * Packs all of B (K, N) (row stride ldb) once, for gemm_packed: the blocks that gemm's A·B form packs per call, for
 * every k block and the full width, one after another. The recurrent cells pack their weights this way once per
 * sequence instead of once per step: the per-step GEMMs then only read the packed weights (measured on C's
 * 50×2048×512 steps: −6% time forward, −2% backward; B's 32×1024×256: −2% and −4%).
 */
export function gemm_pack(dst: usize, B: usize, K: i32, N: i32, ldb: i32): void {
  const nbK = (K + KC - 1) / KC;
  const kcBlk = (K + nbK - 1) / nbK;
  const np = (N + NR - 1) / NR;
  let d = dst;
  // @ts-ignore: compile-time constant
  if (BF16) {
    for (let pc = 0; pc < K; pc += kcBlk) {
      const kc = min(kcBlk, K - pc);
      packBBf16(d, B + <usize>(pc * ldb) * 4, ldb, kc, N);
      d += <usize>(np * (((kc + 1) >> 1) * NR + PSKEW)) * 4;
    }
    return;
  }
  for (let pc = 0; pc < K; pc += kcBlk) {
    const kc = min(kcBlk, K - pc);
    packB(d, B + <usize>(pc * ldb) * 4, ldb, kc, N);
    d += <usize>(np * (kc * NR + PSKEW)) * 4;
  }
}

/**
 * C(M, N) [+]= A·B for row-major A (M, K) (row stride lda) and B packed by gemm_pack: bit for bit what gemm(C, A, B,
 * M, N, K, lda, 1, ldb, ldc, accumulate) computes for M > 1, N > 1 (the same k blocks, row panels and micro-kernels;
 * only the column blocking, which does not change any number, differs). For M = 1 or N = 1 use gemm.
 */
export function gemm_packed(C: usize, A: usize, Bp: usize, M: i32, N: i32, K: i32, lda: i32, ldc: i32, accumulate: i32): void {
  if (M <= 0 || N <= 0 || K <= 0) return;
  const nbK = (K + KC - 1) / KC;
  const kcBlk = (K + nbK - 1) / nbK;
  const np = (N + NR - 1) / NR;
  const ap = work;
  let q2 = (H1 - M % H1) % H1;
  if (H2 * q2 > M) q2 = 0;
  const mBig = M - H2 * q2;
  let bp = Bp;
  // @ts-ignore: compile-time constant
  if (BF16) {
    for (let pc = 0; pc < K; pc += kcBlk) {
      const kc = min(kcBlk, K - pc);
      const add = accumulate != 0 || pc > 0;
      const panel = <usize>(((kc + 1) >> 1) * NR + PSKEW) * 4;
      for (let ir = 0; ir < M; ) {
        const h = ir < mBig ? H1 : H2;
        const mr = min(h, M - ir);
        packABf16(ap, A + <usize>(ir * lda + pc) * 4, lda, 1, mr, h, kc);
        rowPanelBf16(h, (kc + 1) >> 1, ap, bp, panel, C + <usize>(ir * ldc) * 4, ldc, add, mr, N);
        ir += h;
      }
      bp += <usize>np * panel;
    }
    return;
  }
  for (let pc = 0; pc < K; pc += kcBlk) {
    const kc = min(kcBlk, K - pc);
    const add = accumulate != 0 || pc > 0;
    const panel = <usize>(kc * NR + PSKEW) * 4;
    for (let ir = 0; ir < M; ) {
      const h = ir < mBig ? H1 : H2;
      const mr = min(h, M - ir);
      packA(ap, A + <usize>(ir * lda + pc) * 4, lda, 1, mr, h, kc);
      rowPanel(h, kc, ap, bp, panel, C + <usize>(ir * ldc) * 4, ldc, add, mr, N, 0, 0);
      ir += h;
    }
    bp += <usize>np * panel;
  }
}

/**
 * One row panel (h rows, packed at ap) across the nc columns of a packed B block (panels `panel` bytes apart from
 * bp): the micro-kernel per 8-column panel into C(·, jr..) at Cr. With fusedSrc ≠ 0 (the first row panel of a block
 * whose B is packed on the way) the full panels are read from B's source rows (fusedSrc, row stride ldbBytes) and
 * packed as they are used (kernelH1Fused).
 */
function rowPanel(h: i32, kc: i32, ap: usize, bp: usize, panel: usize, Cr: usize, ldc: i32, add: bool, mr: i32, nc: i32, fusedSrc: usize, ldbBytes: usize): void {
  let pb = bp;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    if (h == H1) {
      if (nr <= 4) kernelH1Narrow(kc, ap, pb, Cr + <usize>jr * 4, ldc, add, mr, nr);
      else if (fusedSrc && nr == NR) kernelH1Fused(kc, ap, pb, fusedSrc + <usize>jr * 4, ldbBytes, Cr + <usize>jr * 4, ldc, add, mr);
      else kernelH1(kc, ap, pb, Cr + <usize>jr * 4, ldc, add, mr, nr);
    } else {
      if (nr <= 4) kernelH2Narrow(kc, ap, pb, Cr + <usize>jr * 4, ldc, add, mr, nr);
      else kernelH2(kc, ap, pb, Cr + <usize>jr * 4, ldc, add, mr, nr);
    }
    pb += panel;
  }
}

/**
 * M ≤ 4 (generation: one sequence, or a beam's few hypotheses, one step): C(M, N) [+]= bias + A(M, K)·B(K, N). The
 * panel kernel would compute 6 rows for the few there are and pack B on the way (for a large output layer, B is
 * megabytes: packing it on every step cost more than the products); here B is streamed row by row (4 rows of B per
 * pass) once for up to 2 rows of A, into rows of sums kept in WORK (L1/L2). The same k blocks as the panel path and,
 * per element, the same chain of FMAs from zero, then the same add into C: bit-identical numbers to M > 4 (a sequence
 * stepped one token at a time, or a beam's hypotheses, equal it run whole).
 */
function gemmRows(C: usize, A: usize, B: usize, bias: usize, M: i32, N: i32, K: i32, sam: i32, sak: i32, ldb: i32, ldc: i32, accumulate: bool, kcMax: i32): void {
  for (let m = 0; m < M; m += 2) {
    const Am = A + <usize>(m * sam) * 4;
    const Cm = C + <usize>(m * ldc) * 4;
    if (m + 1 < M) rowsBlock(2, Cm, Am, B, bias, N, K, sam, sak, ldb, ldc, accumulate, kcMax);
    else rowsBlock(1, Cm, Am, B, bias, N, K, sam, sak, ldb, ldc, accumulate, kcMax);
  }
}

/** One or two rows (R, a constant where inlined) of gemmRows: row r of A at A + 4·r·sam, of C at C + 4·r·ldc. */
// @ts-ignore: decorator
@inline function rowsBlock(R: i32, C: usize, A: usize, B: usize, bias: usize, N: i32, K: i32, sam: i32, sak: i32, ldb: i32, ldc: i32, accumulate: bool, kcMax: i32): void {
  const acc = WORK;
  const n4 = N & ~3;
  const stride = <usize>(n4 + 4) * 4; // second row's sums
  const acc1 = acc + stride;
  const nbK = (K + kcMax - 1) / kcMax;
  const kcBlk = (K + nbK - 1) / nbK;
  const as = <usize>sak * 4;
  const rs = <usize>ldb * 4;
  const A1 = A + <usize>sam * 4;
  for (let pc = 0; pc < K; pc += kcBlk) {
    const kc = min(kcBlk, K - pc);
    memory.fill(acc, 0, stride * R);
    const Ak = A + <usize>pc * as;
    const Ak1 = A1 + <usize>pc * as;
    const Bk = B + <usize>pc * rs;
    let k = 0;
    for (; k + 4 <= kc; k += 4) {
      const a0 = v128.load32_splat(Ak + <usize>k * as);
      const a1 = v128.load32_splat(Ak + <usize>(k + 1) * as);
      const a2 = v128.load32_splat(Ak + <usize>(k + 2) * as);
      const a3 = v128.load32_splat(Ak + <usize>(k + 3) * as);
      let b0 = a0, b1 = a1, b2 = a2, b3 = a3;
      if (R == 2) {
        b0 = v128.load32_splat(Ak1 + <usize>k * as);
        b1 = v128.load32_splat(Ak1 + <usize>(k + 1) * as);
        b2 = v128.load32_splat(Ak1 + <usize>(k + 2) * as);
        b3 = v128.load32_splat(Ak1 + <usize>(k + 3) * as);
      }
      const r0 = Bk + <usize>k * rs;
      const r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs;
      let n = 0;
      for (; n < n4; n += 4) {
        const o = <usize>n * 4;
        const x0 = v128.load(r0 + o), x1 = v128.load(r1 + o), x2 = v128.load(r2 + o), x3 = v128.load(r3 + o);
        let v = v128.load(acc + o);
        v = fma(a0, x0, v);
        v = fma(a1, x1, v);
        v = fma(a2, x2, v);
        v = fma(a3, x3, v);
        v128.store(acc + o, v);
        if (R == 2) {
          let w = v128.load(acc1 + o);
          w = fma(b0, x0, w);
          w = fma(b1, x1, w);
          w = fma(b2, x2, w);
          w = fma(b3, x3, w);
          v128.store(acc1 + o, w);
        }
      }
      for (; n < N; n++) {
        const o = <usize>n * 4;
        const x0 = f32x4.splat(load<f32>(r0 + o)), x1 = f32x4.splat(load<f32>(r1 + o)), x2 = f32x4.splat(load<f32>(r2 + o)), x3 = f32x4.splat(load<f32>(r3 + o));
        let v = f32x4.splat(load<f32>(acc + o));
        v = fma(a0, x0, v);
        v = fma(a1, x1, v);
        v = fma(a2, x2, v);
        v = fma(a3, x3, v);
        store<f32>(acc + o, f32x4.extract_lane(v, 0));
        if (R == 2) {
          let w = f32x4.splat(load<f32>(acc1 + o));
          w = fma(b0, x0, w);
          w = fma(b1, x1, w);
          w = fma(b2, x2, w);
          w = fma(b3, x3, w);
          store<f32>(acc1 + o, f32x4.extract_lane(w, 0));
        }
      }
    }
    for (; k < kc; k++) {
      const a0 = v128.load32_splat(Ak + <usize>k * as);
      const b0 = R == 2 ? v128.load32_splat(Ak1 + <usize>k * as) : a0;
      const r0 = Bk + <usize>k * rs;
      let n = 0;
      for (; n < n4; n += 4) {
        const o = <usize>n * 4;
        const x0 = v128.load(r0 + o);
        v128.store(acc + o, fma(a0, x0, v128.load(acc + o)));
        if (R == 2) v128.store(acc1 + o, fma(b0, x0, v128.load(acc1 + o)));
      }
      for (; n < N; n++) {
        const o = <usize>n * 4;
        const x0 = f32x4.splat(load<f32>(r0 + o));
        store<f32>(acc + o, f32x4.extract_lane(fma(a0, x0, f32x4.splat(load<f32>(acc + o))), 0));
        if (R == 2) store<f32>(acc1 + o, f32x4.extract_lane(fma(b0, x0, f32x4.splat(load<f32>(acc1 + o))), 0));
      }
    }
    // Into C as the panel kernels store a tile: C = [bias | C +] sums (bias only before the first k block).
    const first = bias != 0 && pc == 0;
    const add = accumulate || pc > 0;
    for (let r = 0; r < R; r++) {
      const Cr = C + <usize>(r * ldc) * 4;
      const sr = acc + <usize>r * stride;
      let n = 0;
      for (; n < n4; n += 4) {
        const o = <usize>n * 4;
        let v = v128.load(sr + o);
        if (first) v = f32x4.add(v, v128.load(bias + o));
        else if (add) v = f32x4.add(v, v128.load(Cr + o));
        v128.store(Cr + o, v);
      }
      for (; n < N; n++) {
        const o = <usize>n * 4;
        const v = load<f32>(sr + o);
        store<f32>(Cr + o, first ? load<f32>(bias + o) + v : add ? load<f32>(Cr + o) + v : v);
      }
    }
  }
}

/** N = 1 (a layer with one input feature, or one output): C(m, 0) [+]= Σ_k A(m, k)·B(k, 0). */
function gemv(C: usize, A: usize, B: usize, M: i32, K: i32, sam: i32, sak: i32, ldb: i32, ldc: i32, add: bool): void {
  const bs = <usize>ldb * 4;
  if (sam == 1) {
    // Aᵀ·b: t(m) += A(m, k)·b(k) over the contiguous rows of A, in chunks of m that stay in L1 (A read once).
    const t = WORK;
    const ks = <usize>sak * 4;
    for (let m0 = 0; m0 < M; m0 += 2048) {
      const mc = min(2048, M - m0);
      const m4 = mc & ~3;
      memory.fill(t, 0, <usize>mc * 4);
      for (let k = 0; k < K; k++) {
        const pa = A + <usize>m0 * 4 + <usize>k * ks;
        const bk = load<f32>(B + <usize>k * bs);
        const bv = f32x4.splat(bk);
        let m = 0;
        for (; m < m4; m += 4) v128.store(t + <usize>m * 4, fma(v128.load(pa + <usize>m * 4), bv, v128.load(t + <usize>m * 4)));
        for (; m < mc; m++) store<f32>(t + <usize>m * 4, load<f32>(t + <usize>m * 4) + load<f32>(pa + <usize>m * 4) * bk);
      }
      for (let m = 0; m < mc; m++) {
        const pc = C + <usize>((m0 + m) * ldc) * 4;
        store<f32>(pc, (add ? load<f32>(pc) : 0) + load<f32>(t + <usize>m * 4));
      }
    }
    return;
  }
  // A·b: one dot product per row; b gathered into WORK when strided.
  let b = B;
  if (ldb != 1 && sak == 1 && K <= WORK_FLOATS) {
    b = WORK;
    for (let k = 0; k < K; k++) store<f32>(WORK + <usize>k * 4, load<f32>(B + <usize>k * bs));
  }
  for (let m = 0; m < M; m++) {
    const pa = A + <usize>(m * sam) * 4;
    let s: f32 = 0;
    let k = 0;
    if (sak == 1 && (b != B || ldb == 1)) {
      let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0);
      for (; k + 8 <= K; k += 8) {
        acc0 = fma(v128.load(pa + <usize>k * 4), v128.load(b + <usize>k * 4), acc0);
        acc1 = fma(v128.load(pa + <usize>k * 4, 16), v128.load(b + <usize>k * 4, 16), acc1);
      }
      acc0 = f32x4.add(acc0, acc1);
      s = f32x4.extract_lane(acc0, 0) + f32x4.extract_lane(acc0, 1) + f32x4.extract_lane(acc0, 2) + f32x4.extract_lane(acc0, 3);
      for (; k < K; k++) s += load<f32>(pa + <usize>k * 4) * load<f32>(b + <usize>k * 4);
    } else {
      for (; k < K; k++) s += load<f32>(pa + <usize>(k * sak) * 4) * load<f32>(B + <usize>k * bs);
    }
    const pc = C + <usize>(m * ldc) * 4;
    store<f32>(pc, (add ? load<f32>(pc) : 0) + s);
  }
}

/**
 * Aᵀ·B: packs the full panels of rows [ib, ie) (6-row panels below m6, 5-row ones from there on); the h values of
 * each k are contiguous in A. Called with one panel at a time: packing several panels per pass (reading whole
 * lines of A) measured slower in place, and this loop form measured ~5% faster (N ≤ 72) than a flat one-panel loop.
 */
function packAT(dst: usize, src: usize, sak: i32, ib: i32, ie: i32, mBig: i32, kc: i32): void {
  const ks = <usize>sak * 4;
  for (let k = 0; k < kc; k++) {
    let s = src + <usize>k * ks;
    let d = dst;
    for (let ir = ib; ir < ie; ) {
      if (ir < mBig) {
        copyShort(d + <usize>(k * H1) * 4, s, H1);
        s += <usize>H1 * 4;
        d += <usize>(H1 * kc) * 4;
        ir += H1;
      } else {
        copyShort(d + <usize>(k * H2) * 4, s, H2);
        s += <usize>H2 * 4;
        d += <usize>(H2 * kc) * 4;
        ir += H2;
      }
    }
  }
}

/** Copies h ∈ {4, 5, 6} floats (h is a compile-time constant where this is inlined). */
// @ts-ignore: decorator
@inline function copyShort(d: usize, s: usize, h: i32): void {
  v128.store(d, v128.load(s));
  if (h == 6) store<u64>(d, load<u64>(s, 16), 16);
  else if (h == 5) store<f32>(d, load<f32>(s, 16), 16);
}

/**
 * Packs B(kc, nc) (row stride ldb) into NR-wide panels, k-major (NR floats per k), zero-padded to a multiple of NR
 * columns. Panel j starts at dst + j·(kc·NR + PSKEW) floats. Two rows per pass, so each 64-byte line of a panel is
 * written whole.
 */
function packB(dst: usize, src: usize, ldb: i32, kc: i32, nc: i32): void {
  const n8 = nc & ~7;
  const panel = <usize>(kc * NR + PSKEW) * 4; // panel stride (the kernel uses the same)
  const rs = <usize>ldb * 4;
  let k = 0;
  for (; k + 2 <= kc; k += 2) {
    let s = src + <usize>k * rs;
    let d = dst + <usize>(k * NR) * 4;
    const sEnd = s + <usize>n8 * 4;
    while (s < sEnd) {
      v128.store(d, v128.load(s));
      v128.store(d, v128.load(s, 16), 16);
      v128.store(d, v128.load(s + rs), 32);
      v128.store(d, v128.load(s + rs, 16), 48);
      s += 32;
      d += panel;
    }
  }
  for (; k < kc; k++) {
    let s = src + <usize>k * rs;
    let d = dst + <usize>(k * NR) * 4;
    const sEnd = s + <usize>n8 * 4;
    while (s < sEnd) {
      v128.store(d, v128.load(s));
      v128.store(d, v128.load(s, 16), 16);
      s += 32;
      d += panel;
    }
  }
  packBTail(dst, src, ldb, kc, nc);
}

/** Packs the partial last panel of packB's layout (columns nc & ~7 .. nc, zero-padded to NR), if any. */
function packBTail(dst: usize, src: usize, ldb: i32, kc: i32, nc: i32): void {
  const n8 = nc & ~7;
  if (n8 == nc) return;
  const d = dst + <usize>((n8 >> 3) * (kc * NR + PSKEW)) * 4;
  for (let k = 0; k < kc; k++) {
    const s = src + <usize>(k * ldb) * 4;
    for (let c = 0; c < NR; c++) store<f32>(d + <usize>(k * NR + c) * 4, n8 + c < nc ? load<f32>(s + <usize>(n8 + c) * 4) : 0);
  }
}

/** Packs rows [0, mr) of A(·, kc) into dst, k-major with h (4–6) floats per k; rows mr..h are padded with 0. */
function packA(dst: usize, src: usize, sam: i32, sak: i32, mr: i32, h: i32, kc: i32): void {
  if (mr == h && sak == 1) {
    // A·B: rows are contiguous in k. Per 4 k: a 4×4 transpose of rows 0..3, then rows 4 and 5 (if any) lane by lane.
    const rs = <usize>sam * 4;
    const k4 = kc & ~3;
    const ds = <usize>h * 4;
    let s = src;
    let d = dst;
    for (let k = 0; k < k4; k += 4) {
      const x0 = v128.load(s), x1 = v128.load(s + rs), x2 = v128.load(s + 2 * rs), x3 = v128.load(s + 3 * rs);
      const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
      const t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
      const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
      const t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
      v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
      v128.store(d + ds, i64x2.shuffle(t0, t1, 1, 3));
      v128.store(d + 2 * ds, i64x2.shuffle(t2, t3, 0, 2));
      v128.store(d + 3 * ds, i64x2.shuffle(t2, t3, 1, 3));
      if (h == 6) {
        const x4 = v128.load(s + 4 * rs), x5 = v128.load(s + 5 * rs);
        const u0 = i32x4.shuffle(x4, x5, 0, 4, 1, 5);
        const u1 = i32x4.shuffle(x4, x5, 2, 6, 3, 7);
        v128.store64_lane(d, u0, 0, 16);
        v128.store64_lane(d, u0, 1, 40);
        v128.store64_lane(d, u1, 0, 64);
        v128.store64_lane(d, u1, 1, 88);
      } else if (h == 5) {
        const x4 = v128.load(s + 4 * rs);
        v128.store32_lane(d, x4, 0, 16);
        v128.store32_lane(d, x4, 1, 36);
        v128.store32_lane(d, x4, 2, 56);
        v128.store32_lane(d, x4, 3, 76);
      }
      s += 16;
      d += 4 * ds;
    }
    for (let k = k4; k < kc; k++)
      for (let i = 0; i < h; i++) store<f32>(dst + <usize>(k * h + i) * 4, load<f32>(src + <usize>i * rs + <usize>k * 4));
    return;
  }
  for (let k = 0; k < kc; k++)
    for (let i = 0; i < h; i++)
      store<f32>(dst + <usize>(k * h + i) * 4, i < mr ? load<f32>(src + <usize>(i * sam + k * sak) * 4) : 0);
}

// The micro-kernel: C(h × w) [+]= A panel (h × kc, packed) · B panel (kc × w, packed), h = H1 or H2 rows, w = 8
// columns (4 when `narrow`: the last panel of a block with ≤ 4 columns left). Per k: 2 B vectors, h broadcasts of A
// (v128.load32_splat), 2h FMAs into 2h accumulators. Registers: 2h + 2 + 1 = 15 at h = 6, all of the 15 xmm
// registers V8 allocates on x64 (h = 5 in the plain build, whose mul + add needs one more for the product).
// `fused`: B is read from its source rows (byte stride bstride) and written to the packed panel on the way, so the
// first row panel of a block packs B while computing (the loads from L3 overlap the FMAs).
// Rows mr < h or columns nr < w go through TILE. h, narrow, fused are constants in each instantiation below.
// @ts-ignore: decorator
@inline function micro(h: i32, narrow: bool, fused: bool, kc: i32, pa: usize, pb: usize, bs: usize, bstride: usize, pc: usize, ldc: i32, add: bool, mr: i32, nr: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    let b0: v128, b1: v128;
    if (fused) {
      b0 = v128.load(bs);
      b1 = v128.load(bs, 16);
      v128.store(pb, b0);
      v128.store(pb, b1, 16);
      bs += bstride;
    } else {
      b0 = v128.load(pb);
      b1 = narrow ? b0 : v128.load(pb, 16);
    }
    let a: v128;
    a = v128.load32_splat(pa, 0); c00 = fma(a, b0, c00); if (!narrow) c01 = fma(a, b1, c01);
    a = v128.load32_splat(pa, 4); c10 = fma(a, b0, c10); if (!narrow) c11 = fma(a, b1, c11);
    a = v128.load32_splat(pa, 8); c20 = fma(a, b0, c20); if (!narrow) c21 = fma(a, b1, c21);
    a = v128.load32_splat(pa, 12); c30 = fma(a, b0, c30); if (!narrow) c31 = fma(a, b1, c31);
    if (h > 4) { a = v128.load32_splat(pa, 16); c40 = fma(a, b0, c40); if (!narrow) c41 = fma(a, b1, c41); }
    if (h > 5) { a = v128.load32_splat(pa, 20); c50 = fma(a, b0, c50); if (!narrow) c51 = fma(a, b1, c51); }
    pa += <usize>h * 4;
    pb += 32;
  }
  const cs = <usize>ldc * 4;
  if (mr == h && nr == (narrow ? 4 : 8)) {
    storeRow(pc, c00, c01, narrow, add);
    storeRow(pc + cs, c10, c11, narrow, add);
    storeRow(pc + 2 * cs, c20, c21, narrow, add);
    storeRow(pc + 3 * cs, c30, c31, narrow, add);
    if (h > 4) storeRow(pc + 4 * cs, c40, c41, narrow, add);
    if (h > 5) storeRow(pc + 5 * cs, c50, c51, narrow, add);
    return;
  }
  v128.store(TILE, c00); v128.store(TILE, c01, 16);
  v128.store(TILE, c10, 32); v128.store(TILE, c11, 48);
  v128.store(TILE, c20, 64); v128.store(TILE, c21, 80);
  v128.store(TILE, c30, 96); v128.store(TILE, c31, 112);
  if (h > 4) { v128.store(TILE, c40, 128); v128.store(TILE, c41, 144); }
  if (h > 5) { v128.store(TILE, c50, 160); v128.store(TILE, c51, 176); }
  for (let i = 0; i < mr; i++) {
    const d = pc + <usize>i * cs;
    const t = TILE + <usize>(i * NR) * 4;
    for (let j = 0; j < nr; j++) {
      const v = load<f32>(t + <usize>j * 4);
      store<f32>(d + <usize>j * 4, add ? load<f32>(d + <usize>j * 4) + v : v);
    }
  }
}

// @ts-ignore: decorator
@inline function storeRow(p: usize, c0: v128, c1: v128, narrow: bool, add: bool): void {
  if (add) c0 = f32x4.add(c0, v128.load(p));
  v128.store(p, c0);
  if (!narrow) {
    if (add) c1 = f32x4.add(c1, v128.load(p, 16));
    v128.store(p, c1, 16);
  }
}

// The instantiations (separate functions, so that V8 allocates each inner loop's registers on its own).
function kernelH1(kc: i32, pa: usize, pb: usize, pc: usize, ldc: i32, add: bool, mr: i32, nr: i32): void {
  micro(H1, false, false, kc, pa, pb, 0, 0, pc, ldc, add, mr, nr);
}
function kernelH1Fused(kc: i32, pa: usize, pb: usize, bs: usize, bstride: usize, pc: usize, ldc: i32, add: bool, mr: i32): void {
  micro(H1, false, true, kc, pa, pb, bs, bstride, pc, ldc, add, mr, NR);
}
function kernelH1Narrow(kc: i32, pa: usize, pb: usize, pc: usize, ldc: i32, add: bool, mr: i32, nr: i32): void {
  micro(H1, true, false, kc, pa, pb, 0, 0, pc, ldc, add, mr, nr);
}
function kernelH2(kc: i32, pa: usize, pb: usize, pc: usize, ldc: i32, add: bool, mr: i32, nr: i32): void {
  micro(H2, false, false, kc, pa, pb, 0, 0, pc, ldc, add, mr, nr);
}
function kernelH2Narrow(kc: i32, pa: usize, pb: usize, pc: usize, ldc: i32, add: bool, mr: i32, nr: i32): void {
  micro(H2, true, false, kc, pa, pb, 0, 0, pc, ldc, add, mr, nr);
}

/** dst (cols, rows) = srcᵀ for src (rows, cols) row-major; 4×4 blocks through SIMD shuffles. */
export function transpose(dst: usize, src: usize, rows: i32, cols: i32): void {
  const r4 = rows & ~3;
  const c4 = cols & ~3;
  // Rows in groups of 16, so that each 64-byte line of dst (16 rows' worth of one column) is written whole before
  // the next column: with 4 rows at a time, a dst line was revisited after a pass over all columns, by then evicted
  // (dst's rows lie rows·4 bytes apart, often a multiple of 4 KiB, the same L1 sets).
  for (let r0 = 0; r0 < r4; r0 += 16) {
    const rEnd = min(r0 + 16, r4);
    for (let c = 0; c < c4; c += 4)
      for (let r = r0; r < rEnd; r += 4) {
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
      for (let i = r0; i < rEnd; i++) store<f32>(dst + <usize>(c * rows + i) * 4, load<f32>(src + <usize>(i * cols + c) * 4));
  }
  for (let r = r4; r < rows; r++)
    for (let c = 0; c < cols; c++) store<f32>(dst + <usize>(c * rows + r) * 4, load<f32>(src + <usize>(r * cols + c) * 4));
}

// ---- bfloat16 mixed precision: only in kernels.bf16.wasm (BF16 = 1) ----------------------------------------------
// The panel path with bfloat16 products and float32 sums: f32x4.relaxed_dot_bf16x8_add_f32(a, b, c) gives lane i
// c[i] + a[2i]·b[2i] + a[2i+1]·b[2i+1] (a bf16 pair per 32-bit lane, the low half first). So B is packed as bf16
// pairs of consecutive k (lane i = bf16(B[k][n+i]) | bf16(B[k+1][n+i]) << 16; 8 columns = 2 vectors per k pair),
// and A as one bf16 pair per row per k pair, broadcast with v128.load32_splat: the same 6 × 8 register tile as the
// float32 kernel, 2 k per instruction. Operands are rounded to nearest even when packed (the master copies of the
// weights and activations stay float32); a product of two bf16 is exact in float32, so only the sums round. An odd kc
// is padded with a zero k. The k blocks are the float32 path's (KC; TN_KC = KC), so gemm_packed still equals gemm bit
// for bit. M = 1 (gemmRow), N = 1 (gemv) and the rank-1 bias path stay float32.
// AssemblyScript (binaryen) has no bf16 dot: dotBf16 emits f32x4.relaxed_nmadd (BF16_OP = 0) or f64x2.relaxed_nmadd
// (BF16_OP = 1), and tools/build-wasm.mjs compiles both, checks that the two modules differ only in that opcode, and
// rewrites each site to f32x4.relaxed_dot_bf16x8_add_f32 (0xfd 0x114), the same length.

// BF16_OP = 2 (kernels.bf16-emulated.wasm): the same sums in software, two float32 FMAs on the pairs' halves widened
// to float32 (exact: a bf16 is a float32 with the low 16 bits zero), for runtimes without the instruction: V8
// (Node 20, Chromium 150) rejects opcode 0x114 (tools/bf16-probe.mjs). It measures bf16's effect on training, not its speed.
// @ts-ignore: decorator
@inline function dotBf16(a: v128, b: v128, c: v128): v128 {
  // @ts-ignore: compile-time constant
  if (BF16_OP == 2) {
    const hi = i32x4.splat(0xffff0000);
    c = f32x4.relaxed_madd(i32x4.shl(a, 16), i32x4.shl(b, 16), c);
    return f32x4.relaxed_madd(v128.and(a, hi), v128.and(b, hi), c);
  }
  // @ts-ignore: compile-time constant
  if (BF16_OP == 1) return f64x2.relaxed_nmadd(a, b, c);
  return f32x4.relaxed_nmadd(a, b, c);
}

/** 4 floats rounded to bfloat16 (nearest, ties to even), as float32 bit patterns with the low 16 bits zero. */
// @ts-ignore: decorator
@inline function bf16hi(x: v128): v128 {
  const lsb = v128.and(i32x4.shr_u(x, 16), i32x4.splat(1));
  return v128.and(i32x4.add(i32x4.add(x, i32x4.splat(0x7fff)), lsb), i32x4.splat(0xffff0000));
}

/** Lane i = bf16(x[i]) | bf16(y[i]) << 16. */
// @ts-ignore: decorator
@inline function bf16pair(x: v128, y: v128): v128 {
  return v128.or(i32x4.shr_u(bf16hi(x), 16), bf16hi(y));
}

/** bf16 bits of one float (nearest, ties to even). */
// @ts-ignore: decorator
@inline function bf16bits(x: f32): u32 {
  const b = reinterpret<u32>(x);
  return (b + 0x7fff + ((b >> 16) & 1)) >> 16;
}

/** packB's layout in bf16 pairs: panel j at dst + j·(kp·NR + PSKEW) floats, kp = ⌈kc/2⌉, 8 lanes (32 bytes) per pair. */
function packBBf16(dst: usize, src: usize, ldb: i32, kc: i32, nc: i32): void {
  const kp = (kc + 1) >> 1;
  const n8 = nc & ~7;
  const panel = <usize>(kp * NR + PSKEW) * 4;
  const rs = <usize>ldb * 4;
  const zero = i32x4.splat(0);
  for (let p = 0; p < kp; p++) {
    const k = p << 1;
    const two = k + 1 < kc;
    let s = src + <usize>k * rs;
    let d = dst + <usize>p * 32;
    const sEnd = s + <usize>n8 * 4;
    if (two) {
      while (s < sEnd) {
        v128.store(d, bf16pair(v128.load(s), v128.load(s + rs)));
        v128.store(d, bf16pair(v128.load(s, 16), v128.load(s + rs, 16)), 16);
        s += 32;
        d += panel;
      }
    } else {
      while (s < sEnd) {
        v128.store(d, bf16pair(v128.load(s), zero));
        v128.store(d, bf16pair(v128.load(s, 16), zero), 16);
        s += 32;
        d += panel;
      }
    }
    if (n8 < nc) {
      const r0 = src + <usize>k * rs;
      for (let c = 0; c < NR; c++) {
        const n = n8 + c;
        let v: u32 = 0;
        if (n < nc) {
          v = bf16bits(load<f32>(r0 + <usize>n * 4));
          if (two) v |= bf16bits(load<f32>(r0 + rs + <usize>n * 4)) << 16;
        }
        store<u32>(d + <usize>c * 4, v);
      }
    }
  }
}

/** Rows [0, mr) of A(·, kc) as bf16 pairs: h 32-bit lanes per k pair (rows mr..h and an odd kc's last k zero). */
function packABf16(dst: usize, src: usize, sam: i32, sak: i32, mr: i32, h: i32, kc: i32): void {
  const kp = (kc + 1) >> 1;
  const k2 = kc & ~1;
  const ks = <usize>sak * 4;
  if (sak == 1 && mr == h) {
    // Rows contiguous in k: per row, 4 k at a time → 2 pairs (lane shuffles), then the tail.
    const rs = <usize>sam * 4;
    const k4 = kc & ~3;
    for (let i = 0; i < h; i++) {
      const s = src + <usize>i * rs;
      let d = dst + <usize>i * 4;
      const ds = <usize>h * 4;
      let k = 0;
      for (; k < k4; k += 4) {
        const x = v128.load(s + <usize>k * 4); // k..k+3
        const q = bf16pair(x, i32x4.shuffle(x, x, 1, 0, 3, 2)); // lane 0: pair (k, k+1); lane 2: (k+2, k+3)
        v128.store32_lane(d, q, 0);
        v128.store32_lane(d + ds, q, 2);
        d += 2 * ds;
      }
      for (; k < k2; k += 2) {
        store<u32>(d, bf16bits(load<f32>(s + <usize>k * 4)) | (bf16bits(load<f32>(s + <usize>(k + 1) * 4)) << 16));
        d += ds;
      }
      if (k < kc) store<u32>(d, bf16bits(load<f32>(s + <usize>k * 4)));
    }
    return;
  }
  for (let p = 0; p < kp; p++) {
    const k = p << 1;
    const two = k + 1 < kc;
    const d = dst + <usize>(p * h) * 4;
    for (let i = 0; i < h; i++) {
      let v: u32 = 0;
      if (i < mr) {
        const a = src + <usize>(i * sam) * 4 + <usize>k * ks;
        v = bf16bits(load<f32>(a));
        if (two) v |= bf16bits(load<f32>(a + ks)) << 16;
      }
      store<u32>(d + <usize>i * 4, v);
    }
  }
}

/** gemmImpl's panel path in bf16 products (both the A·B and the Aᵀ·B forms; k blocks of KC). */
function gemmBf16(C: usize, A: usize, B: usize, bias: usize, M: i32, N: i32, K: i32, sam: i32, sak: i32, ldb: i32, ldc: i32, accumulate: i32): void {
  const nbK = (K + KC - 1) / KC;
  const kcBlk = (K + nbK - 1) / nbK;
  const kpMax = (kcBlk + 1) >> 1;
  const ncFit = ((workFloats - H1 * kpMax) / (kpMax * NR + PSKEW)) * NR;
  const nbN = (N + ncFit - 1) / ncFit;
  const ncBlk = (((N + nbN - 1) / nbN + NR - 1) / NR) * NR;
  const bp = work;
  const ap = work + <usize>((ncBlk / NR) * (kpMax * NR + PSKEW)) * 4;
  let q2 = (H1 - M % H1) % H1;
  if (H2 * q2 > M) q2 = 0;
  const mBig = M - H2 * q2;
  for (let jc = 0; jc < N; jc += ncBlk) {
    const nc = min(ncBlk, N - jc);
    for (let pc = 0; pc < K; pc += kcBlk) {
      const kc = min(kcBlk, K - pc);
      const kp = (kc + 1) >> 1;
      const add = accumulate != 0 || pc > 0;
      const panel = <usize>(kp * NR + PSKEW) * 4;
      packBBf16(bp, B + <usize>(pc * ldb + jc) * 4, ldb, kc, nc);
      const Apc = A + <usize>(pc * sak) * 4;
      for (let ir = 0; ir < M; ) {
        const h = ir < mBig ? H1 : H2;
        const mr = min(h, M - ir);
        packABf16(ap, Apc + <usize>(ir * sam) * 4, sam, sak, mr, h, kc);
        const Cr = C + <usize>(ir * ldc + jc) * 4;
        if (bias && pc == 0) fillBias(Cr, ldc, bias + <usize>jc * 4, mr, nc);
        rowPanelBf16(h, kp, ap, bp, panel, Cr, ldc, add, mr, nc);
        ir += h;
      }
    }
  }
}

function rowPanelBf16(h: i32, kp: i32, ap: usize, bp: usize, panel: usize, Cr: usize, ldc: i32, add: bool, mr: i32, nc: i32): void {
  let pb = bp;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    if (h == H1) kernelBf16H1(kp, ap, pb, Cr + <usize>jr * 4, ldc, add, mr, nr);
    else kernelBf16H2(kp, ap, pb, Cr + <usize>jr * 4, ldc, add, mr, nr);
    pb += panel;
  }
}

// @ts-ignore: decorator
@inline function microBf16(h: i32, kp: i32, pa: usize, pb: usize, pc: usize, ldc: i32, add: bool, mr: i32, nr: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let p = 0; p < kp; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a: v128;
    a = v128.load32_splat(pa, 0); c00 = dotBf16(a, b0, c00); c01 = dotBf16(a, b1, c01);
    a = v128.load32_splat(pa, 4); c10 = dotBf16(a, b0, c10); c11 = dotBf16(a, b1, c11);
    a = v128.load32_splat(pa, 8); c20 = dotBf16(a, b0, c20); c21 = dotBf16(a, b1, c21);
    a = v128.load32_splat(pa, 12); c30 = dotBf16(a, b0, c30); c31 = dotBf16(a, b1, c31);
    if (h > 4) { a = v128.load32_splat(pa, 16); c40 = dotBf16(a, b0, c40); c41 = dotBf16(a, b1, c41); }
    if (h > 5) { a = v128.load32_splat(pa, 20); c50 = dotBf16(a, b0, c50); c51 = dotBf16(a, b1, c51); }
    pa += <usize>h * 4;
    pb += 32;
  }
  const cs = <usize>ldc * 4;
  if (mr == h && nr == 8) {
    storeRow(pc, c00, c01, false, add);
    storeRow(pc + cs, c10, c11, false, add);
    storeRow(pc + 2 * cs, c20, c21, false, add);
    storeRow(pc + 3 * cs, c30, c31, false, add);
    if (h > 4) storeRow(pc + 4 * cs, c40, c41, false, add);
    if (h > 5) storeRow(pc + 5 * cs, c50, c51, false, add);
    return;
  }
  v128.store(TILE, c00); v128.store(TILE, c01, 16);
  v128.store(TILE, c10, 32); v128.store(TILE, c11, 48);
  v128.store(TILE, c20, 64); v128.store(TILE, c21, 80);
  v128.store(TILE, c30, 96); v128.store(TILE, c31, 112);
  if (h > 4) { v128.store(TILE, c40, 128); v128.store(TILE, c41, 144); }
  if (h > 5) { v128.store(TILE, c50, 160); v128.store(TILE, c51, 176); }
  for (let i = 0; i < mr; i++) {
    const d = pc + <usize>i * cs;
    const t = TILE + <usize>(i * NR) * 4;
    for (let j = 0; j < nr; j++) {
      const v = load<f32>(t + <usize>j * 4);
      store<f32>(d + <usize>j * 4, add ? load<f32>(d + <usize>j * 4) + v : v);
    }
  }
}

function kernelBf16H1(kp: i32, pa: usize, pb: usize, pc: usize, ldc: i32, add: bool, mr: i32, nr: i32): void {
  microBf16(H1, kp, pa, pb, pc, ldc, add, mr, nr);
}
function kernelBf16H2(kp: i32, pa: usize, pb: usize, pc: usize, ldc: i32, add: bool, mr: i32, nr: i32): void {
  microBf16(H2, kp, pa, pb, pc, ldc, add, mr, nr);
}
