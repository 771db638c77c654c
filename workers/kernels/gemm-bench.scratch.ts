// GEMM microbenchmark and correctness sweep for the WASM kernels (workers/kernels/assembly/gemm.ts).
// Not part of the test suite (the name does not end in .test.ts). To run it, build the kernels and copy it to a
// test name, then delete the copy:
//   node tools/build-wasm.mjs
//   cp workers/kernels/gemm-bench.scratch.ts workers/kernels/gemm-bench.scratch.test.ts
//   npx vitest run workers/kernels/gemm-bench.scratch.test.ts; rm workers/kernels/gemm-bench.scratch.test.ts
// Environment: V=simd or V=relaxed-simd runs one build only (default both); ONLY=NN,TN,step,sq filters the shapes;
// REPS=n timing repeats (default 7); CHECK=0 skips the correctness sweep; KDIR=dir loads kernels.{simd,relaxed}.wasm
// from another directory (e.g. a build of an older revision, for before/after figures).
// Reports the median GFLOP/s (2·M·N·K per call) of each shape, as the trainer calls it:
//   NN  C = A·B        A (M, K) row-major, B (K, N) pre-transposed weights  (forward Gx = X·Wxᵀ, dX = dG·W)
//   TN  C += Aᵀ·B      A stored (K, M), sam = 1, sak = lda                  (weight gradients dW = dGᵀ·X, K = T·B)
//   step               the per-step h(t−1)·Whᵀ and dG·Wh of the cell loops (small M = batch)
import { it } from 'vitest';
import { enableRelaxedSimd, type KernelBinaries, type KernelExports, type KernelVariant, loadKernels, sourceTreeBinaries } from '../engine/kernels';

interface Shape {
  group: 'NN' | 'TN' | 'step' | 'sq';
  what: string;
  M: number;
  N: number;
  K: number;
  tn?: boolean;
  acc?: number;
}

const SHAPES: Shape[] = [
  { group: 'sq', what: 'square 256³', M: 256, N: 256, K: 256 },
  { group: 'sq', what: 'square 512³', M: 512, N: 512, K: 512 },
  { group: 'NN', what: 'B Gx l1 (X·Wxᵀ)', M: 2048, N: 1024, K: 256, acc: 1 },
  { group: 'NN', what: 'B Gx l0 (embed 65)', M: 2048, N: 1024, K: 65, acc: 1 },
  { group: 'NN', what: 'B dX (dG·Wx)', M: 2048, N: 256, K: 1024, acc: 1 },
  { group: 'NN', what: 'B head (Y·Wyᵀ)', M: 2048, N: 65, K: 256, acc: 1 },
  { group: 'NN', what: 'C Gx l1', M: 5000, N: 2048, K: 512, acc: 1 },
  { group: 'NN', what: 'C Gx l0 (embed 65)', M: 5000, N: 2048, K: 65, acc: 1 },
  { group: 'NN', what: 'C dX', M: 5000, N: 512, K: 2048, acc: 1 },
  { group: 'TN', what: 'B dWh/dWx l1', M: 1024, N: 256, K: 2048, tn: true, acc: 1 },
  { group: 'TN', what: 'B dWx l0 (65)', M: 1024, N: 65, K: 2048, tn: true, acc: 1 },
  { group: 'TN', what: 'B head dWy', M: 65, N: 256, K: 2048, tn: true, acc: 1 },
  { group: 'TN', what: 'C dWh/dWx l1', M: 2048, N: 512, K: 5000, tn: true, acc: 1 },
  { group: 'step', what: 'B LSTM fwd h·Whᵀ', M: 32, N: 1024, K: 256 },
  { group: 'step', what: 'B LSTM bwd dG·Wh', M: 32, N: 256, K: 1024 },
  { group: 'step', what: 'B GRU fwd', M: 32, N: 768, K: 256 },
  { group: 'step', what: 'B RNN fwd', M: 32, N: 256, K: 256 },
  { group: 'step', what: 'C LSTM fwd h·Whᵀ', M: 50, N: 2048, K: 512 },
  { group: 'step', what: 'C LSTM bwd dG·Wh', M: 50, N: 512, K: 2048 },
  { group: 'step', what: 'A LSTM fwd', M: 32, N: 512, K: 128 },
  { group: 'step', what: 'D LSTM fwd', M: 64, N: 256, K: 64 },
];

/** Bump allocator over the kernels' memory (16-byte aligned, grows as needed). */
function arena(k: KernelExports) {
  let cursor = Math.ceil(k.heap_base() / 64) * 64;
  return (floats: number): number => {
    const at = cursor;
    cursor = Math.ceil((at + floats * 4) / 64) * 64;
    const need = cursor - k.memory.buffer.byteLength;
    if (need > 0) k.memory.grow(Math.ceil(need / 65536));
    return at;
  };
}

function fillRandom(k: KernelExports, ptr: number, n: number, seed: number): void {
  const f = new Float32Array(k.memory.buffer, ptr, n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    f[i] = ((s >>> 0) / 4294967296 - 0.5) * 2;
  }
}

/** Calls gemm for a shape (NN: A (M, K) lda = K; TN: A stored (K, M), element (m, k) at m + k·M). */
function call(k: KernelExports, s: Shape, C: number, A: number, B: number, ldc = s.N, ldb = s.N, lda = s.tn ? s.M : s.K): void {
  if (s.tn) k.gemm(C, A, B, s.M, s.N, s.K, 1, lda, ldb, ldc, s.acc ?? 0);
  else k.gemm(C, A, B, s.M, s.N, s.K, lda, 1, ldb, ldc, s.acc ?? 0);
}

function bench(k: KernelExports, s: Shape, reps: number): number {
  const alloc = arena(k);
  const A = alloc(s.M * s.K);
  const B = alloc(s.K * s.N);
  const C = alloc(s.M * s.N);
  fillRandom(k, A, s.M * s.K, 1);
  fillRandom(k, B, s.K * s.N, 2);
  fillRandom(k, C, s.M * s.N, 3);
  const flop = 2 * s.M * s.N * s.K;
  // Calls per timing: ~25 ms worth, at least 1. Warm-up first (V8 tiers wasm functions up after some calls).
  const t0 = performance.now();
  for (let i = 0; i < 3; i++) call(k, s, C, A, B);
  const per = (performance.now() - t0) / 3;
  const calls = Math.max(1, Math.round(25 / Math.max(per, 1e-3)));
  const rates: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    for (let i = 0; i < calls; i++) call(k, s, C, A, B);
    rates.push((flop * calls) / ((performance.now() - t) / 1000) / 1e9);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)];
}

/** Random shapes and strides, both forms, against a float64 product; returns the worst relative error. */
function check(k: KernelExports): { worst: number; cases: number } {
  // Edge sizes: panel heights 4–6 and their combinations, B panel tails 1–7, K around the blocking sizes.
  const dims = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 19, 20, 24, 25, 26, 31, 33, 48, 65, 100, 130, 257, 300];
  const ks = [1, 2, 3, 4, 5, 7, 8, 9, 31, 95, 96, 97, 191, 192, 193, 255, 256, 257, 300, 513];
  let s = 12345;
  const rnd = (n: number): number => {
    s = (s * 1103515245 + 12345) >>> 0;
    return (s >>> 8) % n;
  };
  let worst = 0;
  let cases = 0;
  for (let c = 0; c < 1000; c++) {
    const M = dims[rnd(dims.length)];
    const N = c % 9 === 0 ? 1 : dims[rnd(dims.length)];
    const K = c % 97 === 0 ? 0 : c % 13 === 0 ? 600 + rnd(600) : ks[rnd(ks.length)];
    const tn = rnd(2) === 1;
    const acc = rnd(2);
    const ldc = N + rnd(3) * 3;
    const ldb = N + rnd(3) * 5;
    const lda = (tn ? M : K) + rnd(3) * 2;
    const alloc = arena(k);
    const Ap = alloc(Math.max(1, tn ? K * lda : M * lda));
    const Bp = alloc(Math.max(1, K * ldb));
    const Cp = alloc(M * ldc + 8);
    fillRandom(k, Ap, Math.max(1, tn ? K * lda : M * lda), c + 1);
    fillRandom(k, Bp, Math.max(1, K * ldb), c + 2);
    fillRandom(k, Cp, M * ldc + 8, c + 3);
    const f = new Float32Array(k.memory.buffer);
    const before = f.slice(Cp / 4, Cp / 4 + M * ldc + 8);
    const shape: Shape = { group: 'NN', what: '', M, N, K, tn, acc };
    call(k, shape, Cp, Ap, Bp, ldc, ldb, lda);
    const after = new Float32Array(k.memory.buffer).slice(Cp / 4, Cp / 4 + M * ldc + 8);
    for (let m = 0; m < M; m++)
      for (let n = 0; n < ldc; n++) {
        const i = m * ldc + n;
        if (n >= N) {
          if (after[i] !== before[i]) throw new Error(`gemm wrote outside C: M${M} N${N} K${K} tn${tn} at (${m}, ${n})`);
          continue;
        }
        let ref = acc ? before[i] : 0;
        let scale = Math.abs(ref);
        for (let kk = 0; kk < K; kk++) {
          const a = tn ? f[Ap / 4 + m + kk * lda] : f[Ap / 4 + m * lda + kk];
          const p = a * f[Bp / 4 + kk * ldb + n];
          ref += p;
          scale += Math.abs(p);
        }
        const e = Math.abs(after[i] - ref) / (scale + 1e-6);
        if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : Math.max(worst, e);
      }
    for (let j = M * ldc; j < M * ldc + 8; j++) if (after[j] !== before[j]) throw new Error(`gemm wrote past C: M${M} N${N} K${K} tn${tn}`);
    cases++;
  }
  return { worst, cases };
}

function binaries(): KernelBinaries {
  const dir = process.env.KDIR;
  return dir ? { simd: `${dir}/kernels.simd.wasm`, relaxed: `${dir}/kernels.relaxed.wasm` } : sourceTreeBinaries();
}

it('gemm bench', () => {
  enableRelaxedSimd();
  const reps = Number(process.env.REPS ?? 7);
  const only = process.env.ONLY;
  const variants: KernelVariant[] = process.env.V ? [process.env.V as KernelVariant] : ['relaxed-simd', 'simd'];
  for (const v of variants) {
    // A fresh instance per shape keeps memory layouts independent of the order.
    if (process.env.CHECK !== '0') {
      const r = check(loadKernels(binaries(), v).exports);
      console.log(`${v}: correctness ${r.cases} cases, worst relative error ${r.worst.toExponential(2)}`);
      if (!(r.worst < 1e-5)) throw new Error(`${v}: gemm error ${r.worst}`);
    }
    // Warm-up: V8 compiles wasm with Liftoff first and tiers hot functions up in the background.
    const wk = loadKernels(binaries(), v).exports;
    const t0 = performance.now();
    while (performance.now() - t0 < 400) bench(wk, { group: 'sq', what: '', M: 96, N: 96, K: 96, acc: 1 }, 1);
    const lines: string[] = [];
    for (const s of SHAPES) {
      if (only && !only.split(',').includes(s.group)) continue;
      const g = bench(loadKernels(binaries(), v).exports, s, reps);
      lines.push(`${v.padEnd(12)} ${s.group.padEnd(4)} ${s.what.padEnd(22)} M${String(s.M).padEnd(5)} N${String(s.N).padEnd(5)} K${String(s.K).padEnd(5)} ${g.toFixed(1).padStart(6)} GFLOP/s`);
    }
    console.log(lines.join('\n'));
  }
}, 1_800_000);
