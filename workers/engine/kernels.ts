// Loads the trainer's WebAssembly kernels and types their exports (kernel-exports.ts, generated from the build).
// Picks the relaxed-SIMD (FMA) build where the runtime accepts it (Electron 45 by default; Node 20 with
// --experimental-wasm-relaxed-simd, which enableRelaxedSimd() sets before anything is compiled), the plain-SIMD
// build otherwise. The bf16 builds (bfloat16 GEMM products, float32 sums) load only when asked for by name.
// Pointers are byte offsets into the module's own linear memory; sizes are in floats (see memory-map.ts).

import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import type { KernelExports } from './kernel-exports';

export type { KernelExports } from './kernel-exports';

export interface KernelBinaries {
  /** Path or bytes of kernels.simd.wasm */
  simd: string | Uint8Array;
  /** Path or bytes of kernels.relaxed.wasm */
  relaxed: string | Uint8Array;
  /** Path or bytes of kernels.bf16.wasm (the relaxed build with bfloat16 GEMM products: f32x4.relaxed_dot_bf16x8_add_f32) */
  bf16?: string | Uint8Array;
  /** Path or bytes of kernels.bf16-emulated.wasm (the same products done in software: bf16's numbers, not its speed) */
  bf16Emulated?: string | Uint8Array;
}

/**
 * Which build runs. 'bf16' and 'bf16-emulated' are the relaxed-SIMD build whose GEMM panel path multiplies in
 * bfloat16 with float32 sums, with the instruction or in software; only measurements load them (tools/bf16-curve.ts,
 * the kernel tests): no run setting does, since V8 (Node 20, Chromium 150 / Electron 45) rejects the instruction.
 */
export type KernelVariant = 'relaxed-simd' | 'simd' | 'bf16' | 'bf16-emulated';

/** Why the bf16 build cannot load here (thrown by loadKernels(…, 'bf16'); nothing falls back to float32 silently). */
export const BF16_UNSUPPORTED = 'this runtime does not accept f32x4.relaxed_dot_bf16x8_add_f32 (relaxed SIMD opcode 0x114), which kernels.bf16.wasm needs';

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
  return { simd: new URL('kernels.simd.wasm', dir).pathname, relaxed: new URL('kernels.relaxed.wasm', dir).pathname, bf16: new URL('kernels.bf16.wasm', dir).pathname, bf16Emulated: new URL('kernels.bf16-emulated.wasm', dir).pathname };
}

const moduleCache = new Map<string, WebAssembly.Module>();

export function loadKernels(binaries: KernelBinaries, prefer: KernelVariant | 'auto' = 'auto'): { exports: KernelExports; variant: KernelVariant } {
  const bytes = (b: string | Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(typeof b === 'string' ? readFileSync(b) : b);
  let variant: KernelVariant = 'simd';
  let source: Uint8Array<ArrayBuffer>;
  if (prefer === 'bf16' || prefer === 'bf16-emulated') {
    const file = prefer === 'bf16' ? binaries.bf16 : binaries.bf16Emulated;
    if (!file) throw new Error(`no ${prefer === 'bf16' ? 'kernels.bf16.wasm' : 'kernels.bf16-emulated.wasm'} given`);
    source = bytes(file);
    if (!WebAssembly.validate(source)) throw new Error(prefer === 'bf16' ? BF16_UNSUPPORTED : 'this runtime does not support relaxed SIMD, which kernels.bf16-emulated.wasm needs');
    variant = prefer;
  } else source = bytes(binaries.simd);
  if (prefer === 'auto' || prefer === 'relaxed-simd') {
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
