// The bf16 builds (GEMM products in bfloat16, float32 sums): kernels.bf16.wasm with f32x4.relaxed_dot_bf16x8_add_f32,
// and kernels.bf16-emulated.wasm, the same sums in software. V8 rejects the instruction (Node 20 and Chromium 150 alike),
// so here the native build is checked to be refused with BF16_UNSUPPORTED (and tested like the emulated one wherever a
// runtime accepts it). Each build's GEMM against a float64 triple loop over the bf16-rounded inputs (so only the
// float32 summation may differ), gemm_packed against gemm bit for bit, and a training step's gradients against the
// float32 build's.
import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../src-shared/model';
import type { Batch } from '../engine/batch';
import { initParameters } from '../engine/init';
import { BF16_UNSUPPORTED, enableRelaxedSimd, loadKernels, sourceTreeBinaries, type KernelExports } from '../engine/kernels';
import { WasmNetwork } from '../engine/network';
import { Rng } from '../engine/rng';

enableRelaxedSimd();
function tryLoad(variant: 'bf16' | 'bf16-emulated'): KernelExports | string {
  try {
    return loadKernels(sourceTreeBinaries(), variant).exports;
  } catch (e) {
    return (e as Error).message;
  }
}
const native = tryLoad('bf16');
const emulated = tryLoad('bf16-emulated');
const builds: [string, KernelExports][] = [];
if (typeof native !== 'string') builds.push(['bf16', native]);
if (typeof emulated !== 'string') builds.push(['bf16-emulated', emulated]);
const f32Build = () => loadKernels(sourceTreeBinaries(), 'auto').exports;

/** The float nearest x in bfloat16 (ties to even), as the kernel's packing rounds. */
const F1 = new Float32Array(1);
const U1 = new Uint32Array(F1.buffer);
function bf16(x: number): number {
  F1[0] = x;
  U1[0] = ((U1[0] + 0x7fff + ((U1[0] >>> 16) & 1)) >>> 0) & 0xffff0000;
  return F1[0];
}

function put(k: KernelExports, arrays: Float32Array[]): number[] {
  const base = k.heap_base() + 64;
  const floats = arrays.reduce((s, a) => s + a.length + 16, 0);
  const need = base + 4 * floats + 64;
  if (k.memory.buffer.byteLength < need) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
  const ptrs: number[] = [];
  let p = base;
  for (const a of arrays) {
    new Float32Array(k.memory.buffer).set(a, p / 4);
    ptrs.push(p);
    p += 4 * (a.length + 16);
  }
  return ptrs;
}

/** Worst error of k.gemm against float64 over bf16(A)·bf16(B) (panel path) or A·B (M = 1 / N = 1: float32 paths), relative to Σ|a·b|. */
function check(k: KernelExports, M: number, N: number, K: number, tn: boolean, acc: boolean, rng: Rng): { err: number; vsExact: number } {
  const lda = tn ? M : K;
  const a = Float32Array.from({ length: M * K }, () => rng.uniform(-1, 1));
  const b = Float32Array.from({ length: K * N }, () => rng.uniform(-1, 1));
  const c0 = Float32Array.from({ length: M * N }, () => rng.uniform(-1, 1));
  const [pa, pb, pc] = put(k, [a, b, c0]);
  k.gemm(pc, pa, pb, M, N, K, tn ? 1 : lda, tn ? lda : 1, N, N, acc ? 1 : 0);
  const c = new Float32Array(k.memory.buffer, pc, M * N);
  const rounded = M > 1 && N > 1;
  const ar = rounded ? a.map(bf16) : a;
  const br = rounded ? b.map(bf16) : b;
  let err = 0;
  let vsExact = 0;
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = acc ? c0[m * N + n] : 0;
      let exact = s;
      let mag = Math.abs(s);
      for (let kk = 0; kk < K; kk++) {
        const i = tn ? kk * lda + m : m * lda + kk;
        const av = a[i];
        const bv = b[kk * N + n];
        s += ar[i] * br[kk * N + n];
        exact += av * bv;
        mag += Math.abs(av * bv);
      }
      err = Math.max(err, Math.abs(c[m * N + n] - s) / (mag + 1e-6));
      vsExact = Math.max(vsExact, Math.abs(c[m * N + n] - exact) / (mag + 1e-6));
    }
  return { err, vsExact };
}

describe.each(builds)('bf16 GEMM (%s)', (name, k16) => {
  it('equals float64 over the bf16-rounded inputs within float32 summation error, A·B and Aᵀ·B', () => {
    const k = k16;
    const rng = new Rng(21);
    const shapes: [number, number, number][] = [
      [2, 2, 1], [1, 7, 3], [5, 1, 9], [3, 4, 2], [6, 8, 16], [7, 9, 5], [13, 17, 300], [32, 1024, 33], [50, 13, 64], [64, 256, 64], [97, 65, 131], [32, 256, 256], [12, 40, 700],
    ];
    for (let i = 0; i < 16; i++) shapes.push([1 + rng.int(80), 1 + rng.int(80), 1 + rng.int(400)]);
    let err = 0;
    let vsExact = 0;
    for (const [M, N, K] of shapes)
      for (const tn of [false, true])
        for (const acc of [false, true]) {
          const e = check(k, M, N, K, tn, acc, rng);
          err = Math.max(err, e.err);
          if (M > 1 && N > 1) vsExact = Math.max(vsExact, e.vsExact);
        }
    console.log(`[gemm-bf16] ${name}: ${shapes.length * 4} products: worst error vs float64 of the bf16-rounded inputs ${err.toExponential(1)} of Σ|a·b|; vs the exact float inputs ${vsExact.toExponential(1)} (bf16 rounding)`);
    expect(err).toBeLessThan(2e-6); // float32 summation (the f32 build's own bound in gemm.test.ts)
    expect(vsExact).toBeGreaterThan(1e-4); // really bf16 products (2⁻⁹ relative per operand)
  });

  it('gemm_packed equals gemm bit for bit', () => {
    const k = k16;
    const rng = new Rng(5);
    for (const [M, N, K] of [[32, 1024, 256], [50, 200, 77], [7, 13, 513]] as const) {
      const a = Float32Array.from({ length: M * K }, () => rng.uniform(-1, 1));
      const b = Float32Array.from({ length: K * N }, () => rng.uniform(-1, 1));
      const packed = k.gemm_packed_floats(K, N);
      const [pa, pb, pc1, pc2, pp] = put(k, [a, b, new Float32Array(M * N), new Float32Array(M * N), new Float32Array(packed)]);
      k.gemm(pc1, pa, pb, M, N, K, K, 1, N, N, 0);
      k.gemm_pack(pp, pb, K, N, N);
      k.gemm_packed(pc2, pa, pp, M, N, K, K, N, 0);
      const c1 = new Float32Array(k.memory.buffer, pc1, M * N);
      const c2 = new Float32Array(k.memory.buffer, pc2, M * N);
      expect(Array.from(c2)).toEqual(Array.from(c1));
    }
  });

  it('a training step’s gradients are close to float32’s (LSTM 2×64, T 32, batch 16, 65 tokens)', () => {
    const spec: ModelSpec = {
      shape: 'many-to-many',
      input: { vocabSize: 65, embedSize: 32, featureSize: 0 },
      stack: { cell: 'lstm', layers: 2, hiddenSize: 64, bidirectional: false },
      output: { kind: 'classes', size: 65 },
      dropout: 0,
      forgetBias: 1,
    };
    const rng = new Rng(3);
    const T = 32;
    const B = 16;
    const batch: Batch = { batchSize: B, steps: T, tokens: Int32Array.from({ length: T * B }, () => rng.int(65)), targetClasses: Int32Array.from({ length: T * B }, () => rng.int(65)) };
    const a = new WasmNetwork(f32Build(), spec);
    const b = new WasmNetwork(k16, spec);
    const params = initParameters(a.layout, 7);
    a.setParams(params);
    b.setParams(params);
    const la = a.forward(batch, { train: true }).loss;
    const lb = b.forward(batch, { train: true }).loss;
    a.backward();
    b.backward();
    let worstTensor = { name: '', rel: 0 };
    let d2 = 0;
    let n2 = 0;
    for (const t of a.layout.tensors) {
      let td = 0;
      let tn = 0;
      for (let i = t.offset; i < t.offset + t.size; i++) {
        td += (b.grads[i] - a.grads[i]) ** 2;
        tn += a.grads[i] ** 2;
      }
      d2 += td;
      n2 += tn;
      const rel = Math.sqrt(td / (tn + 1e-30));
      if (rel > worstTensor.rel) worstTensor = { name: t.name, rel };
    }
    const rel = Math.sqrt(d2 / n2);
    console.log(
      `[gemm-bf16] ${name}: training step: loss ${la.toFixed(6)} (float32) vs ${lb.toFixed(6)} (bf16), gradient ‖g16 − g32‖ / ‖g32‖ = ${rel.toExponential(2)}, worst tensor ${worstTensor.name} ${worstTensor.rel.toExponential(2)}`,
    );
    expect(Math.abs(la - lb) / la).toBeLessThan(1e-3);
    expect(rel).toBeLessThan(2e-2);
    expect(rel).toBeGreaterThan(0); // the bf16 build really differs
  });
});

describe('bf16 builds', () => {
  it('the native one loads or is refused with BF16_UNSUPPORTED; the emulated one loads wherever relaxed SIMD does', () => {
    const v8 = `node ${process.version} (V8 ${process.versions.v8})`;
    console.log(`[gemm-bf16] ${v8}: kernels.bf16.wasm ${typeof native === 'string' ? `refused: ${native}` : 'accepted'}; kernels.bf16-emulated.wasm ${typeof emulated === 'string' ? `refused: ${emulated}` : 'accepted'}`);
    if (typeof native === 'string') expect(native).toBe(BF16_UNSUPPORTED);
    if (loadKernels(sourceTreeBinaries(), 'auto').variant === 'relaxed-simd') expect(typeof emulated).not.toBe('string');
  });
});
