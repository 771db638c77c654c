// Loads the trainer's WebAssembly kernels and types their exports. Picks the relaxed-SIMD (FMA) build where the
// runtime accepts it (Electron 45 by default; Node 20 with --experimental-wasm-relaxed-simd, which
// enableRelaxedSimd() sets before anything is compiled), the plain-SIMD build otherwise.
// Pointers are byte offsets into the module's own linear memory; sizes are in floats (see memory-map.ts).

import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

export interface KernelExports {
  memory: WebAssembly.Memory;
  heap_base(): number;
  gemm(C: number, A: number, B: number, M: number, N: number, K: number, sam: number, sak: number, ldb: number, ldc: number, accumulate: number): void;
  /** Hands the GEMM kernel a packing work space of `floats` floats at byte offset ptr (64-byte aligned); optional (older builds). */
  gemm_workspace?(ptr: number, floats: number): void;
  /** Packs all of B (K, N) for gemm_packed (the recurrent cells' weights, once per sequence). */
  gemm_pack(dst: number, B: number, K: number, N: number, ldb: number): void;
  /** C(M, N) [+]= A·B with B packed by gemm_pack: the numbers of gemm(C, A, B, M, N, K, lda, 1, ldb, ldc, accumulate). */
  gemm_packed(C: number, A: number, Bp: number, M: number, N: number, K: number, lda: number, ldc: number, accumulate: number): void;
  transpose(dst: number, src: number, rows: number, cols: number): void;
  lstm_forward(T: number, B: number, H: number, gx: number, whT: number, bh: number, hs: number, cs: number, scratch: number, packed: number): void;
  lstm_backward(T: number, B: number, H: number, gates: number, wh: number, hs: number, cs: number, dhs: number, dcs: number, dg: number, dh: number, dc: number, norms: number, scratch: number, packed: number): void;
  gru_forward(T: number, B: number, H: number, gx: number, whT: number, bh: number, hs: number, ghn: number, scratch: number, packed: number): void;
  gru_backward(T: number, B: number, H: number, gates: number, wh: number, hs: number, ghn: number, dhs: number, dgx: number, dghn: number, dh: number, norms: number, scratch: number, packed: number): void;
  rnn_forward(T: number, B: number, H: number, gx: number, whT: number, bh: number, hs: number, scratch: number, packed: number): void;
  rnn_backward(T: number, B: number, H: number, wh: number, hs: number, dhs: number, dg: number, dh: number, norms: number, scratch: number, packed: number): void;
  /** Floats of the `packed` space of a cell kernel (cell 1 LSTM, 2 GRU, 3 RNN) for hidden size H. */
  cell_packed_floats(cell: number, H: number): number;
  /** Floats gemm_pack writes for B (K, N). */
  gemm_packed_floats(K: number, N: number): number;
  fill_rows(dst: number, ldd: number, bias: number, rows: number, width: number): void;
  colsum_acc(dst: number, src: number, lds: number, rows: number, width: number): void;
  copy_time(dst: number, ldd: number, src: number, lds: number, T: number, B: number, width: number, lengths: number, reverse: number, accumulate: number): void;
  embed_forward(dst: number, ldd: number, table: number, E: number, tokens: number, n: number): void;
  embed_backward(dtable: number, E: number, tokens: number, src: number, lds: number, n: number): void;
  dropout_forward(x: number, mask: number, n: number, p: number, seed: number): void;
  mul_inplace(x: number, m: number, n: number): void;
  sum_squares(x: number, n: number): number;
  scale(x: number, n: number, s: number): void;
  first_nonfinite(x: number, n: number): number;
  gate_stats(gates: number, N: number, G: number, H: number, kinds: number, out: number): void;
  softmax_xent(logits: number, dlogits: number, N: number, O: number, targets: number, weights: number, gradScale: number): number;
  softmax_rows(x: number, N: number, O: number, invTemperature: number): void;
  mse(y: number, dy: number, N: number, O: number, target: number, weights: number, gradScale: number): number;
  adam(p: number, g: number, m: number, v: number, n: number, lr: number, b1: number, b2: number, omb1: number, omb2: number, eps: number, wd: number, bc1: number, bc2: number, decoupled: number): void;
  sgd(p: number, g: number, buf: number, n: number, lr: number, momentum: number, wd: number): void;
}

export interface KernelBinaries {
  /** Path or bytes of kernels.simd.wasm */
  simd: string | Uint8Array;
  /** Path or bytes of kernels.relaxed.wasm */
  relaxed: string | Uint8Array;
}

export type KernelVariant = 'relaxed-simd' | 'simd';

/** Turns on relaxed SIMD in this V8 (process-wide, so worker threads inherit it). Must run before compiling. */
export function enableRelaxedSimd(): void {
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // Older or newer runtimes without the flag: validate() decides.
  }
}

/** The kernel binaries beside the sources (workers/kernels/build), for tests and the reference CLI path. */
export function sourceTreeBinaries(): KernelBinaries {
  const dir = new URL('../kernels/build/', import.meta.url);
  return { simd: new URL('kernels.simd.wasm', dir).pathname, relaxed: new URL('kernels.relaxed.wasm', dir).pathname };
}

const moduleCache = new Map<string, WebAssembly.Module>();

export function loadKernels(binaries: KernelBinaries, prefer: KernelVariant | 'auto' = 'auto'): { exports: KernelExports; variant: KernelVariant } {
  const bytes = (b: string | Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(typeof b === 'string' ? readFileSync(b) : b);
  let variant: KernelVariant = 'simd';
  let source = bytes(binaries.simd);
  if (prefer !== 'simd') {
    const relaxed = bytes(binaries.relaxed);
    if (WebAssembly.validate(relaxed)) {
      variant = 'relaxed-simd';
      source = relaxed;
    } else if (prefer === 'relaxed-simd') {
      throw new Error('this runtime does not support relaxed SIMD');
    }
  }
  if (!WebAssembly.validate(source)) throw new Error('this runtime does not support WebAssembly SIMD, which the trainer needs');
  const key = `${variant}:${source.byteLength}`;
  let mod = moduleCache.get(key);
  if (!mod) {
    mod = new WebAssembly.Module(source);
    moduleCache.set(key, mod);
  }
  const instance = new WebAssembly.Instance(mod, {
    env: {
      abort: (_msg: number, _file: number, line: number, col: number) => {
        throw new Error(`wasm kernel abort at ${line}:${col}`);
      },
    },
  });
  return { exports: instance.exports as unknown as KernelExports, variant };
}
