// The GEMM kernel (both builds: plain SIMD and relaxed-SIMD FMA) against a float64 triple loop, on random and
// edge-case shapes in both forms the trainer uses (A·B and Aᵀ·B), overwriting and accumulating; gemm_bias,
// the work space and the pre-packed step GEMMs against gemm itself, bit for bit.
import { describe, expect, it } from 'vitest';
import { enableRelaxedSimd, loadKernels, sourceTreeBinaries, type KernelExports } from '../engine/kernels';
import { Rng } from '../engine/rng';
import { packedFloats } from '../engine/memory-map';
import { CELL_TYPES } from '../../src-shared/cells';
import { cellPackedFloats, ENGINE_CELLS } from '../engine/cells';

enableRelaxedSimd();
const builds: [string, KernelExports][] = [['simd', loadKernels(sourceTreeBinaries(), 'simd').exports]];
const relaxed = loadKernels(sourceTreeBinaries(), 'auto');
if (relaxed.variant === 'relaxed-simd') builds.push(['relaxed-simd', relaxed.exports]);

function check(k: KernelExports, M: number, N: number, K: number, tn: boolean, acc: boolean, rng: Rng): number {
  const lda = tn ? M : K;
  const a = Float32Array.from({ length: M * K }, () => rng.uniform(-1, 1));
  const b = Float32Array.from({ length: K * N }, () => rng.uniform(-1, 1));
  const c0 = Float32Array.from({ length: M * N }, () => rng.uniform(-1, 1));
  const base = k.heap_base() + 64;
  const need = base + 4 * (M * K + K * N + M * N) + 64;
  if (k.memory.buffer.byteLength < need) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
  const pa = base;
  const pb = pa + 4 * M * K;
  const pc = pb + 4 * K * N;
  const f = new Float32Array(k.memory.buffer);
  f.set(a, pa / 4);
  f.set(b, pb / 4);
  f.set(c0, pc / 4);
  k.gemm(pc, pa, pb, M, N, K, tn ? 1 : lda, tn ? lda : 1, N, N, acc ? 1 : 0);
  const c = new Float32Array(k.memory.buffer, pc, M * N);
  let worst = 0;
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = acc ? c0[m * N + n] : 0;
      let mag = Math.abs(s);
      for (let kk = 0; kk < K; kk++) {
        const av = tn ? a[kk * lda + m] : a[m * lda + kk];
        s += av * b[kk * N + n];
        mag += Math.abs(av * b[kk * N + n]);
      }
      worst = Math.max(worst, Math.abs(c[m * N + n] - s) / (mag + 1e-6));
    }
  return worst;
}

describe('gemm', () => {
  for (const [name, k] of builds) {
    it(`${name}: matches float64 on edge and random shapes, A·B and Aᵀ·B`, () => {
      const rng = new Rng(11);
      const shapes: [number, number, number][] = [
        [1, 1, 1], [1, 7, 3], [5, 1, 9], [3, 4, 1], [6, 8, 16], [7, 9, 5], [13, 17, 300], [32, 1024, 33], [50, 13, 64], [64, 256, 64], [97, 65, 130],
        [2, 2700, 40], [3, 37, 513], [4, 5, 7], [4, 130, 256],
      ];
      for (let i = 0; i < 25; i++) shapes.push([1 + rng.int(120), 1 + rng.int(120), 1 + rng.int(300)]);
      let worst = 0;
      for (const [M, N, K] of shapes)
        for (const tn of [false, true])
          for (const acc of [false, true]) worst = Math.max(worst, check(k, M, N, K, tn, acc, rng));
      console.log(`[gemm] ${name}: ${shapes.length * 4} products, worst error relative to Σ|a·b|: ${worst.toExponential(1)}`);
      expect(worst).toBeLessThan(1e-6);
    });
  }
});

describe('gemm with M ≤ 4 (the row path: a decoder step of one sequence or a beam)', () => {
  for (const [name, k] of builds) {
    it(`${name}: rows computed alone equal the same rows of a larger product bit for bit`, () => {
      const rng = new Rng(5);
      const base = k.heap_base() + 64;
      for (const [N, K] of [[37, 513], [2700, 96], [8, 3], [130, 256]] as const)
        for (const tn of [false, true])
          for (const acc of [false, true]) {
            const M = 9;
            const need = base + 4 * (M * K + K * N + 3 * M * N) + 64;
            if (k.memory.buffer.byteLength < need) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
            const pa = base, pb = pa + 4 * M * K, pc = pb + 4 * K * N, pd = pc + 4 * M * N;
            const f = new Float32Array(k.memory.buffer);
            for (let i = 0; i < M * K + K * N; i++) f[pa / 4 + i] = rng.uniform(-1, 1);
            const c0 = Float32Array.from({ length: M * N }, () => rng.uniform(-1, 1));
            f.set(c0, pc / 4);
            // the whole product (panel path), then rows [r0, r0 + m) alone (row path), from the same C
            k.gemm(pc, pa, pb, M, N, K, tn ? 1 : K, tn ? M : 1, N, N, acc ? 1 : 0);
            const whole = new Float32Array(k.memory.buffer, pc, M * N).slice();
            for (const [r0, m] of [[0, 1], [1, 2], [3, 3], [5, 4]]) {
              new Float32Array(k.memory.buffer).set(c0.subarray(r0 * N, (r0 + m) * N), pd / 4);
              const a0 = pa + 4 * (tn ? r0 : r0 * K);
              k.gemm(pd, a0, pb, m, N, K, tn ? 1 : K, tn ? M : 1, N, N, acc ? 1 : 0);
              const part = new Float32Array(k.memory.buffer, pd, m * N);
              expect(Array.from(part), `N ${N} K ${K} tn ${tn} acc ${acc} rows ${r0}..${r0 + m}`).toEqual(Array.from(whole.subarray(r0 * N, (r0 + m) * N)));
            }
          }
    });
  }
});

describe('gemm_bias', () => {
  for (const [name, k] of builds) {
    it(`${name}: equals fill_rows then gemm(accumulate) bit for bit`, () => {
      const kb = k;
      const rng = new Rng(5);
      const shapes: [number, number, number][] = [[1, 1, 1], [3, 1, 7], [7, 9, 0], [6, 8, 1], [31, 65, 300], [50, 257, 70], [33, 1024, 256], [200, 12, 513]];
      for (let i = 0; i < 12; i++) shapes.push([1 + rng.int(90), 1 + rng.int(140), 1 + rng.int(600)]);
      for (const [M, N, K] of shapes) {
        const base = k.heap_base() + 64;
        const pa = base, pb = pa + 4 * M * K + 64, pz = pb + 4 * K * N + 64, p1 = pz + 4 * N + 64, p2 = p1 + 4 * M * N + 64;
        const need = p2 + 4 * M * N + 64;
        if (k.memory.buffer.byteLength < need) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
        const f = new Float32Array(k.memory.buffer);
        for (let i = pa / 4; i < p2 / 4 + M * N; i++) f[i] = rng.uniform(-1, 1);
        k.fill_rows(p1, N, pz, M, N);
        k.gemm(p1, pa, pb, M, N, K, K, 1, N, N, 1);
        kb.gemm_bias(p2, pa, pb, pz, M, N, K, K, 1, N, N);
        const c1 = new Float32Array(k.memory.buffer, p1, M * N);
        const c2 = new Float32Array(k.memory.buffer, p2, M * N);
        expect(Array.from(c2), `M${M} N${N} K${K}`).toEqual(Array.from(c1));
      }
    });
  }
});


describe('gemm_workspace', () => {
  for (const [name, k] of builds) {
    it(`${name}: a larger work space (wider column blocks) gives the same numbers bit for bit`, () => {
      const kw = k;
      const rng = new Rng(17);
      // Shapes with several column blocks at the default work space (~104 columns) and at the larger ones.
      const shapes: [number, number, number][] = [[50, 2048, 300], [37, 600, 513], [61, 1030, 97], [6, 2100, 40], [1, 700, 260], [130, 9, 1000]];
      for (const [M, N, K] of shapes)
        for (const tn of [false, true])
          for (const acc of [0, 1]) {
            const lda = tn ? M : K;
            const base = Math.ceil((k.heap_base() + 64) / 64) * 64;
            const pa = base, pb = pa + 4 * M * K + 64, p1 = pb + 4 * K * N + 64, p2 = p1 + 4 * M * N + 64;
            const ws = Math.ceil((p2 + 4 * M * N + 64) / 64) * 64;
            const need = ws + 2 * 1024 * 1024 + 64;
            if (k.memory.buffer.byteLength < need) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
            const f = new Float32Array(k.memory.buffer);
            for (let i = pa / 4; i < p1 / 4 + M * N; i++) f[i] = rng.uniform(-1, 1);
            f.copyWithin(p2 / 4, p1 / 4, p1 / 4 + M * N);
            const run = (pc: number): void => k.gemm(pc, pa, pb, M, N, K, tn ? 1 : lda, tn ? lda : 1, N, N, acc);
            run(p1);
            for (const floats of [64 * 1024, 512 * 1024]) {
              const c2 = new Float32Array(k.memory.buffer, p2, M * N);
              const before = Float32Array.from(c2);
              kw.gemm_workspace(ws, floats);
              run(p2);
              kw.gemm_workspace(0, 0);
              expect(Array.from(c2), `M${M} N${N} K${K} tn ${tn} acc ${acc} ws ${floats}`).toEqual(Array.from(new Float32Array(k.memory.buffer, p1, M * N)));
              c2.set(before);
            }
          }
    });
  }
});

describe('gemm_pack + gemm_packed (the recurrent cells\' step GEMMs)', () => {
  for (const [name, k] of builds) {
    it(`${name}: equal gemm bit for bit, and the packed size matches memory-map.ts's packedFloats`, () => {
      const rng = new Rng(23);
      // The cells' shapes (B, G·H, H) and (B, H, G·H), odd widths (narrow last panels), several k blocks, row strides.
      const shapes: [number, number, number, number][] = [
        [2, 2, 1, 1], [32, 1024, 256, 256], [50, 512, 2048, 2048], [64, 256, 64, 64], [7, 36, 9, 9], [13, 20, 600, 700], [3, 4, 5, 5], [40, 12, 300, 311], [2, 5, 513, 513],
      ];
      for (let i = 0; i < 10; i++) {
        const K = 1 + rng.int(600);
        shapes.push([2 + rng.int(70), 2 + rng.int(140), K, K + rng.int(3)]);
      }
      for (const [M, N, K, lda] of shapes) {
        expect(k.gemm_packed_floats(K, N), `K${K} N${N}`).toBe(packedFloats(K, N));
        const ldb = N + (M % 3); // weights inside a wider matrix, as GRU's r, z columns are
        const base = Math.ceil((k.heap_base() + 64) / 64) * 64;
        const pa = base, pb = pa + 4 * M * lda + 64, p1 = pb + 4 * K * ldb + 64, p2 = p1 + 4 * M * N + 64;
        const pk = Math.ceil((p2 + 4 * M * N + 64) / 64) * 64;
        const need = pk + 4 * packedFloats(K, N) + 64;
        if (k.memory.buffer.byteLength < need) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
        const f = new Float32Array(k.memory.buffer);
        for (let i = pa / 4; i < p1 / 4 + M * N; i++) f[i] = rng.uniform(-1, 1);
        f.fill(-7, pk / 4 + packedFloats(K, N), pk / 4 + packedFloats(K, N) + 16); // guard after the packed block
        k.gemm_pack(pk, pb, K, N, ldb);
        for (const acc of [0, 1]) {
          f.copyWithin(p2 / 4, p1 / 4, p1 / 4 + M * N);
          k.gemm(p1, pa, pb, M, N, K, lda, 1, ldb, N, acc);
          k.gemm_packed(p2, pa, pk, M, N, K, lda, N, acc);
          expect(Array.from(new Float32Array(k.memory.buffer, p2, M * N)), `M${M} N${N} K${K} acc ${acc}`).toEqual(Array.from(new Float32Array(k.memory.buffer, p1, M * N)));
        }
        expect(Array.from(new Float32Array(k.memory.buffer, pk + 4 * packedFloats(K, N), 16))).toEqual(new Array(16).fill(-7));
      }
    });
    it(`${name}: the cells' packed space matches cells.ts's cellPackedFloats`, () => {
      for (const H of [1, 2, 3, 7, 64, 100, 256, 511, 512, 1024])
        for (const cell of CELL_TYPES) expect(k[ENGINE_CELLS[cell].packedFloats](H), `${cell} ${H}`).toBe(cellPackedFloats(cell, H));
    });
  }
});
