// Loads the trainer's WebAssembly kernels and types their exports (kernel-exports.ts, generated from the build).
// Picks the relaxed-SIMD (FMA) build where the runtime accepts it (Electron 45 by default; Node 20 with
// --experimental-wasm-relaxed-simd, which enableRelaxedSimd() sets before anything is compiled), the plain-SIMD
// build otherwise.
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
