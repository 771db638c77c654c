// The memory map of one trainer instance: where each region lives in the WASM module's linear memory.
// Each region's offset is derived from the one before, so TypeScript and the kernels agree by construction.
//
//   [0, HEAP_BASE)                     the module's own static data (constants of the kernels)
//   GEMM_OFFSET        GEMM_SIZE       the GEMM kernel's packing work space (gemm_workspace), 2 MiB; first, so that
//                                      its place depends only on the module (every map of an instance agrees on it)
//   PARAMS_OFFSET      PARAMS_SIZE     parameters, float32, the flat layout of layout.ts
//   GRADS_OFFSET       PARAMS_SIZE     ∂L/∂parameters, same layout (zeroed at the start of each backward)
//   MOMENT1_OFFSET     PARAMS_SIZE     Adam first moment / SGD momentum buffer
//   MOMENT2_OFFSET     PARAMS_SIZE     Adam second moment
//   TRANSPOSED_OFFSET  PARAMS_SIZE     Wxᵀ, Whᵀ, Wyᵀ at the same offsets as Wx, Wh, Wy (refreshed after each update)
//   REDUCE_OFFSET      PARAMS_SIZE     data-parallel training: another worker's gradients, copied in to be summed
//   ARENA_OFFSET       grows           per-batch activations, gradients and scratch, bump-allocated in the order
//                                      the forward and backward passes need them, reset at every forward (among
//                                      them the recurrent weights packed for the step GEMMs, cells.ts cellPackedFloats)
// All offsets are bytes, 16-byte aligned (GEMM_OFFSET 64-byte aligned).

export const PAGE_BYTES = 65536;
/** Bytes of the GEMM work space: a packed B block of up to 256 × ~2000 floats (see workers/kernels/assembly/gemm.ts). */
export const GEMM_BYTES = 2 * 1024 * 1024;

export interface MemoryMap {
  HEAP_BASE: number;
  GEMM_OFFSET: number;
  GEMM_SIZE: number;
  PARAMS_OFFSET: number;
  PARAMS_SIZE: number;
  GRADS_OFFSET: number;
  MOMENT1_OFFSET: number;
  MOMENT2_OFFSET: number;
  TRANSPOSED_OFFSET: number;
  REDUCE_OFFSET: number;
  ARENA_OFFSET: number;
}

const align16 = (n: number): number => Math.ceil(n / 16) * 16;

export function memoryMap(heapBase: number, parameterFloats: number): MemoryMap {
  const HEAP_BASE = align16(heapBase);
  const GEMM_OFFSET = Math.ceil(HEAP_BASE / 64) * 64;
  const GEMM_SIZE = GEMM_BYTES;
  const PARAMS_OFFSET = GEMM_OFFSET + GEMM_SIZE;
  const PARAMS_SIZE = align16(parameterFloats * 4);
  const GRADS_OFFSET = PARAMS_OFFSET + PARAMS_SIZE;
  const MOMENT1_OFFSET = GRADS_OFFSET + PARAMS_SIZE;
  const MOMENT2_OFFSET = MOMENT1_OFFSET + PARAMS_SIZE;
  const TRANSPOSED_OFFSET = MOMENT2_OFFSET + PARAMS_SIZE;
  const REDUCE_OFFSET = TRANSPOSED_OFFSET + PARAMS_SIZE;
  const ARENA_OFFSET = REDUCE_OFFSET + PARAMS_SIZE;
  return { HEAP_BASE, GEMM_OFFSET, GEMM_SIZE, PARAMS_OFFSET, PARAMS_SIZE, GRADS_OFFSET, MOMENT1_OFFSET, MOMENT2_OFFSET, TRANSPOSED_OFFSET, REDUCE_OFFSET, ARENA_OFFSET };
}

/** Floats of B (K, N) packed for the step GEMMs (gemm_packed_floats in workers/kernels/assembly/gemm.ts). */
export function packedFloats(K: number, N: number): number {
  return Math.ceil(N / 8) * (K * 8 + Math.ceil(K / 256) * 16);
}

/** Bump allocator over the arena region; grows the WASM memory when a batch needs more than it has. */
export class Arena {
  private cursor: number;
  /** Largest cursor ever reached (bytes), for memory reports. */
  peak: number;

  constructor(private readonly memory: WebAssembly.Memory, private readonly start: number) {
    this.cursor = start;
    this.peak = start;
  }

  reset(): void {
    this.cursor = this.start;
  }

  /** Reserves `floats` float32 slots, returns the byte offset. Contents are whatever was there before. */
  alloc(floats: number): number {
    const at = this.cursor;
    this.cursor = align16(at + floats * 4);
    if (this.cursor > this.peak) this.peak = this.cursor;
    ensureBytes(this.memory, this.cursor);
    return at;
  }
}

/** Grows memory so that [0, bytes) is addressable. */
export function ensureBytes(memory: WebAssembly.Memory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return;
  const pages = Math.ceil((bytes - have) / PAGE_BYTES);
  try {
    memory.grow(pages);
  } catch {
    throw new Error(`out of memory: the trainer needs ${(bytes / 2 ** 20).toFixed(0)} MiB of WebAssembly memory (limit 4096 MiB); use a smaller batch, sequence length or model`);
  }
}
