// The attention alignment of one source sequence, for the studio to draw (RunChartAlignment.vue): the model decodes
// it greedily (net.encode, then one net.decodeStep per token, as decodeSequence does) and keeps each step's attention
// weights over the source. Called by the trainer at the diagnostics cadence (each of the first ALIGNMENT_EXAMPLES
// validation pairs) and by predict for typed input. Plain TypeScript over the network's step API; the weights are rounded to 4 decimals.

import type { Alignment } from '../../src-shared/events';
import type { PairsTransforms } from './data-source';
import type { WasmNetwork } from './network';

/** Shown for the target's end-of-sequence token. */
export const EOS_LABEL = '</s>';

/**
 * Greedy decode of `source` (token ids of the source vocabulary) with the weights of every step; undefined for a
 * model without attention. `reference` (target ids without bos/eos) is named in the result for the caption.
 */
export function alignmentOf(net: WasmNetwork, t: PairsTransforms, source: Int32Array, opts: { maxLength: number; reference?: ArrayLike<number> }): Alignment | undefined {
  if (!net.layout.attention || source.length === 0) return undefined;
  const Ts = source.length;
  const O = net.layout.spec.output.size;
  const src = net.encode(source, 1);
  let state = src.state;
  const token = Int32Array.of(t.bos);
  const target: string[] = [];
  const weights: number[] = [];
  for (let i = 0; i < opts.maxLength; i++) {
    const step = net.decodeStep(src, state, token);
    if (!step.weights) return undefined;
    let best = 0;
    for (let o = 1; o < O; o++) if (step.logits[o] > step.logits[best]) best = o;
    target.push(best === t.eos ? EOS_LABEL : (t.target.vocabulary[best] ?? '?'));
    for (let j = 0; j < Ts; j++) weights.push(Math.round(step.weights[j] * 1e4) / 1e4);
    if (best === t.eos) break;
    token[0] = best;
    state = step.state;
  }
  const words = (ids: ArrayLike<number>, vocabulary: string[]) => Array.from(ids, (id) => vocabulary[id] ?? '?');
  return {
    source: words(source, t.source.vocabulary),
    target,
    weights,
    ...(opts.reference ? { reference: words(opts.reference, t.target.vocabulary) } : {}),
  };
}
