// The trainer's WebAssembly kernels (AssemblyScript → wasm with SIMD; a relaxed-SIMD FMA build beside a plain one).
// Entry point of the module: re-exports every kernel. Called only by workers/engine/kernels.ts, which owns the
// memory map; the kernels allocate nothing and read/write only the byte offsets they are given.
export { gemm, gemm_bias, gemm_workspace, gemm_pack, gemm_packed, gemm_packed_floats, transpose } from './gemm';
export {
  lstm_forward, lstm_backward, lstm_packed_floats, gru_forward, gru_backward, gru_packed_floats, rnn_forward, rnn_backward, rnn_packed_floats,
  peephole_forward, peephole_backward, peephole_packed_floats,
} from './cells';
export {
  fill_rows, colsum_acc, colsum_dot_acc, copy_time, embed_forward, embed_backward, dropout_forward, mul_inplace, sum_squares, scale,
  first_nonfinite, gate_stats, softmax_xent, softmax_rows, mse, adam, sgd,
} from './ops';
export {
  attn_scores, attn_softmax, attn_softmax_backward, attn_mix, attn_mix_t, additive_scores, additive_backward, tanh_inplace, tanh_backward,
} from './attention';
export { fma_peak } from './peak';

/** First byte after the module's static data: where the memory map may start. */
export function heap_base(): usize {
  return __heap_base;
}
