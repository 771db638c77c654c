// Parameter initialisation, PyTorch's defaults so curves are comparable with it:
// recurrent weights and biases U(−1/√H, 1/√H); embeddings N(0, 1); the head U(−1/√in, 1/√in), or zero where the
// output asks for it (spec.output.zeroInit: a model of a change from a naive forecast starts as that forecast).
// The forget-gate input bias bx_f of a cell with a forget gate (src-shared/cells.ts) is set to spec.forgetBias (and
// bh_f to 0) when forgetBias ≠ 0. Peephole weights start like the other recurrent weights, U(−1/√H, 1/√H).
// Attention weights (role 'att') as PyTorch's nn.Linear, U(−1/√fan_in, 1/√fan_in).

import { CELL_GATES, cellInfo } from '../../src-shared/cells';
import type { ParamLayout } from './layout';
import { Rng } from './rng';

export function initParameters(layout: ParamLayout, seed: number): Float32Array {
  const params = new Float32Array(layout.size);
  const rng = new Rng(seed);
  for (const t of layout.tensors) {
    const v = params.subarray(t.offset, t.offset + t.size);
    if (t.role === 'embed') {
      for (let i = 0; i < v.length; i++) v[i] = rng.normal();
    } else if (t.role === 'Wy' || t.role === 'by') {
      const k = 1 / Math.sqrt(layout.head.inputSize);
      for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-k, k); // drawn either way: the other tensors' draws stay as they were
      if (layout.spec.output.zeroInit) v.fill(0);
    } else if (t.role === 'att') {
      // as PyTorch's nn.Linear: U(−1/√fan_in, 1/√fan_in); v (one output over H inputs) has fan_in H
      const k = 1 / Math.sqrt(t.shape.length === 1 ? t.shape[0] : t.shape[1]);
      for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-k, k);
    } else {
      const stack = t.stack === 'dec' ? layout.decoder! : layout.encoder;
      const k = 1 / Math.sqrt(stack.hiddenSize);
      for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-k, k);
    }
  }
  const { spec } = layout;
  const forget = cellInfo(spec.stack.cell).forgetGate;
  if (forget !== undefined && spec.forgetBias !== 0) {
    const f = CELL_GATES[spec.stack.cell].indexOf(forget);
    for (const stack of [layout.encoder, layout.decoder]) {
      if (!stack) continue;
      const H = stack.hiddenSize;
      for (const row of stack.cells)
        for (const cell of row) {
          params.fill(spec.forgetBias, cell.bx.offset + f * H, cell.bx.offset + (f + 1) * H);
          params.fill(0, cell.bh.offset + f * H, cell.bh.offset + (f + 1) * H);
        }
    }
  }
  return params;
}
