// The engine's half of the cell registry (src-shared/cells.ts): for each cell, the WebAssembly kernels that run its
// recurrent loop forward and backward, the buffers it keeps for backward, and the step products whose packed weights
// it needs. network.ts and profile.ts call a cell only through this table; a cell missing here is a compile error.
//
// Legend: B batch, T steps, H hidden, G gates. Pointers are byte offsets into the module's memory (memory-map.ts);
// the shapes of gx, hs, cs, dhs, dgx… are those of workers/kernels/assembly/cells.ts.

import { type CellType, cellInfo } from '../../src-shared/cells';
import type { KernelExports } from './kernel-exports';
import { packedFloats } from './memory-map';

/** One product of a cell's step loop: C(B, N) [+]= A(B, K)·W(K, N), W packed once per call (gemm_pack). */
export interface StepProduct {
  K: number;
  N: number;
}

/** Arguments of a cell's forward loop over T steps of one layer-direction. */
export interface CellForwardArgs {
  T: number;
  B: number;
  H: number;
  /** (T, B, G·H) input projections incl. bx; the activated gates afterwards. */
  gx: number;
  /** (H, G·H) Whᵀ, and (G·H) bh. */
  whT: number;
  bh: number;
  /** (rows, H) peephole weights P of cells with peepholes, else 0. */
  peep: number;
  /** (T+1, B, H) hidden states (hs[0] = h0); cs the same for the cell state of cells with one, else 0. */
  hs: number;
  cs: number;
  /** (T, B, keep·H) what the cell keeps for backward beyond its gates and states, else 0. */
  kept: number;
  scratch: number;
  packed: number;
}

/** Arguments of a cell's backward loop (BPTT through the T steps of one layer-direction). */
export interface CellBackwardArgs extends Omit<CellForwardArgs, 'whT' | 'bh'> {
  /** (G·H, H) Wh. */
  wh: number;
  /** (rows, H) ∂L/∂P, accumulated, for cells with peepholes; else 0. */
  dpeep: number;
  /** (T, B, H) ∂L/∂h_t from above (0 = none at any step); dcs ∂L/∂c_t from outside (0 = none). */
  dhs: number;
  dcs: number;
  /** Out: (T, B, G·H) ∂L/∂(input-side pre-activations); dkept (T, B, own·H) the recurrent side's own blocks. */
  dgx: number;
  dkept: number;
  /** In: the carry from step T (zero); out: ∂L/∂h0, ∂L/∂c0 (B, H). */
  dh: number;
  dc: number;
  /** Out: (T) ‖∂L/∂h_t‖². */
  norms: number;
}

/** The kernels of a cell, by export name: every cell's take the same arguments (workers/kernels/assembly/cells.ts). */
type ForwardKernel = 'rnn_forward' | 'lstm_forward' | 'gru_forward' | 'peephole_forward';
type BackwardKernel = 'rnn_backward' | 'lstm_backward' | 'gru_backward' | 'peephole_backward';
type PackedFloatsKernel = 'rnn_packed_floats' | 'lstm_packed_floats' | 'gru_packed_floats' | 'peephole_packed_floats';

export interface EngineCell {
  forward: ForwardKernel;
  backward: BackwardKernel;
  /** The kernels' own count of packed floats for hidden size H (kernels.test.ts checks it against cellPackedFloats). */
  packedFloats: PackedFloatsKernel;
  /** (T, B, H) blocks kept from forward for backward beyond gates and states (the GRU's Wh_n·h + bh_n, the LSTMs' tanh(c)). */
  keep: number;
  /**
   * Trailing gate blocks whose recurrent-side pre-activation gradient differs from the input side's (the GRU's n,
   * scaled by r): backward writes them to dkept, (T, B, own·H). The others' recurrent gradient is dgx's.
   */
  ownRecurrentBlocks: number;
  /** The step loop's products, forward and backward, in the order the kernels pack them. */
  steps(H: number): { forward: StepProduct[]; backward: StepProduct[] };
}

export const ENGINE_CELLS: Record<CellType, EngineCell> = {
  rnn: {
    forward: 'rnn_forward',
    backward: 'rnn_backward',
    packedFloats: 'rnn_packed_floats',
    keep: 0,
    ownRecurrentBlocks: 0,
    steps: (H) => ({ forward: [{ K: H, N: H }], backward: [{ K: H, N: H }] }),
  },
  lstm: {
    forward: 'lstm_forward',
    backward: 'lstm_backward',
    packedFloats: 'lstm_packed_floats',
    keep: 1,
    ownRecurrentBlocks: 0,
    steps: (H) => ({ forward: [{ K: H, N: 4 * H }], backward: [{ K: 4 * H, N: H }] }),
  },
  gru: {
    forward: 'gru_forward',
    backward: 'gru_backward',
    packedFloats: 'gru_packed_floats',
    keep: 1,
    ownRecurrentBlocks: 1,
    // r, z columns of Whᵀ, then n's (forward); the r, z rows of Wh, then n's (backward)
    steps: (H) => ({ forward: [{ K: H, N: 2 * H }, { K: H, N: H }], backward: [{ K: 2 * H, N: H }, { K: H, N: H }] }),
  },
  peephole: {
    forward: 'peephole_forward',
    backward: 'peephole_backward',
    packedFloats: 'peephole_packed_floats',
    keep: 1,
    ownRecurrentBlocks: 0,
    steps: (H) => ({ forward: [{ K: H, N: 4 * H }], backward: [{ K: 4 * H, N: H }] }),
  },
};

/** Runs a cell's forward loop over T steps of one layer-direction. */
export function cellForward(k: KernelExports, cell: CellType, a: CellForwardArgs): void {
  k[engineCell(cell).forward](a.T, a.B, a.H, a.gx, a.whT, a.bh, a.peep, a.hs, a.cs, a.kept, a.scratch, a.packed);
}

/** Runs a cell's backward loop (BPTT) over T steps of one layer-direction. */
export function cellBackward(k: KernelExports, cell: CellType, a: CellBackwardArgs): void {
  k[engineCell(cell).backward](a.T, a.B, a.H, a.gx, a.wh, a.peep, a.dpeep, a.hs, a.cs, a.kept, a.dhs, a.dcs, a.dgx, a.dkept, a.dh, a.dc, a.norms, a.scratch, a.packed);
}

/** A cell's engine entry (throws for a name that is not a cell: a run.json from elsewhere, say). */
export function engineCell(cell: CellType): EngineCell {
  cellInfo(cell);
  return ENGINE_CELLS[cell];
}

/**
 * Floats of the packed recurrent weights a cell's kernels need for hidden size H: the larger of the forward and
 * backward packs, each pack's blocks laid one after another, 64-byte aligned but the last (as the kernels lay them).
 */
export function cellPackedFloats(cell: CellType, H: number): number {
  const a16 = (n: number): number => Math.ceil(n / 16) * 16;
  const size = (products: StepProduct[]): number => products.reduce((sum, p, i) => sum + (i < products.length - 1 ? a16(packedFloats(p.K, p.N)) : packedFloats(p.K, p.N)), 0);
  const { forward, backward } = engineCell(cell).steps(H);
  return Math.max(size(forward), size(backward));
}

/** Gate kinds for the gate_stats kernel, in the trainer's gate order: 0 σ, 1 tanh. */
export function gateKinds(cell: CellType): number[] {
  return cellInfo(cell).gates.map((g) => (g.nonlinearity === 'tanh' ? 1 : 0));
}
