// The attention registry: every way an encoder–decoder's decoder can read the encoder's outputs, described once —
// its equations, its parameter tensors (their shapes from the model's sizes), what it needs of the sizes, and what
// the Design screen and the CLI call it. Plain TypeScript (no Node, no DOM). The engine's half (which kernels score
// it) is workers/engine/attention.ts; the float64 reference implements the same equations (workers/engine/
// reference-attention.ts). An attention missing from a table keyed by AttentionType is a compile error.
//
// Symbols (Luong, Pham & Manning 2015; Bahdanau, Cho & Bengio 2015):
//   h_t  the decoder's top-layer output at target step t (H_d)           s_j  the encoder's top-layer output at source
//        step j, both directions concatenated [s→_j | s←_j] (D·H_e)      a_tj the weight of source step j at step t
//   e_tj = score(h_t, s_j), a_t = softmax_j(e_t) over j < len (padded source positions get no weight),
//   c_t = Σ_j a_tj s_j (D·H_e),   h̃_t = tanh(W_c [c_t ; h_t]) (H_d)  →  the head reads h̃_t instead of h_t.
// Placement: the query is always the decoder's current top output h_t (Luong-style; Bahdanau's paper scores with the
// previous state h_{t−1} and feeds c_t into the cell — we keep one placement so every score shares the same path).
// Input feeding (Luong §3.3, an option: ModelSpec.inputFeeding): the decoder's input at step t is
// [embedding(y_{t−1}) ; h̃_{t−1}] with h̃_0 = 0, so the decoder's first layer reads Ed + H_d and the decoder cell and the
// attention interleave step by step (forward and BPTT).

import type { EquationInfo } from './cells';

export type AttentionType = 'none' | 'luong-dot' | 'luong-general' | 'bahdanau';

/** One parameter tensor of an attention: its name after "att." in the layout, and its shape from the sizes. */
export interface AttentionTensor {
  name: 'Wa' | 'Wq' | 'Wk' | 'v' | 'Wc';
  /** Shape from H_d (decoder hidden) and S = D·H_e (encoder output width). */
  shape: (Hd: number, S: number) => number[];
}

export interface AttentionInfo {
  /** As the menu lists it. */
  option: string;
  /** Short, in run names and summaries ("+ Luong general attention"); '' for none. */
  name: string;
  /** The tensors, in the layout's order (W_c, the combination, last). */
  tensors: readonly AttentionTensor[];
  /** Why the sizes cannot take this attention, or undefined when they can. */
  refuses?: (Hd: number, S: number) => string | undefined;
  equations: readonly EquationInfo[];
  why: string;
}

const Wc: AttentionTensor = { name: 'Wc', shape: (Hd, S) => [Hd, S + Hd] };
const COMBINE: readonly EquationInfo[] = [
  { symbol: 'a', name: 'alignment', equation: 'aₜⱼ = exp(eₜⱼ) / Σ_{k<len} exp(eₜₖ)', caption: 'A softmax over the source steps; padding beyond the sequence gets no weight.' },
  { symbol: 'c', name: 'context', equation: 'cₜ = Σⱼ aₜⱼ sⱼ', caption: 'The source, read at the steps the decoder looks at now.' },
  { symbol: 'h̃', name: 'attentional state', equation: 'h̃ₜ = tanh(W_c [cₜ ; hₜ])', caption: 'The context and the decoder state combined: what the head reads.' },
];

export const ATTENTIONS = {
  none: {
    option: 'None (final state only)',
    name: '',
    tensors: [],
    equations: [],
    why: 'The decoder starts from the encoder’s final state and never looks back: the whole source is squeezed into one vector, and the gradient reaching early source steps crosses every step in between.',
  },
  'luong-dot': {
    option: 'Luong (dot)',
    name: 'Luong dot attention',
    tensors: [Wc],
    refuses: (Hd, S) =>
      Hd === S ? undefined : `dot attention needs the encoder's outputs (${S} wide) as wide as the decoder's state (${Hd}); a bidirectional encoder is twice as wide: choose luong-general or bahdanau`,
    equations: [{ symbol: 'e', name: 'score', equation: 'eₜⱼ = hₜ · sⱼ', caption: 'How well source step j matches the decoder state: a plain dot product, no weights.' }, ...COMBINE],
    why: 'Each target step reads a weighted mix of all the source steps, so the path from a target back to any source step is one step long, not the whole sentence.',
  },
  'luong-general': {
    option: 'Luong (general)',
    name: 'Luong general attention',
    tensors: [{ name: 'Wa', shape: (Hd, S) => [Hd, S] }, Wc],
    equations: [{ symbol: 'e', name: 'score', equation: 'eₜⱼ = hₜ · W_a sⱼ', caption: 'A learnt bilinear match between the decoder state and source step j.' }, ...COMBINE],
    why: 'Each target step reads a weighted mix of all the source steps, so the path from a target back to any source step is one step long, not the whole sentence.',
  },
  bahdanau: {
    option: 'Bahdanau (additive)',
    name: 'Bahdanau additive attention',
    tensors: [{ name: 'Wq', shape: (Hd) => [Hd, Hd] }, { name: 'Wk', shape: (Hd, S) => [Hd, S] }, { name: 'v', shape: (Hd) => [Hd] }, Wc],
    equations: [
      { symbol: 'e', name: 'score', equation: 'eₜⱼ = v · tanh(W_q hₜ + W_k sⱼ)', caption: 'A one-layer network scores each source step against the decoder state (query hₜ, Luong-style placement).' },
      ...COMBINE,
    ],
    why: 'Each target step reads a weighted mix of all the source steps, so the path from a target back to any source step is one step long, not the whole sentence.',
  },
} satisfies Record<AttentionType, AttentionInfo>;

export const ATTENTION_TYPES = Object.keys(ATTENTIONS) as AttentionType[];

/**
 * Attention of a new encoder–decoder design (DEFAULT_MODEL in dataset.ts): Bahdanau's additive score. On the bundled
 * English→French pairs (GRU 1×256, the recipe's batch and rate) it reached a lower validation loss than Luong general
 * and than no attention at every matched step (150: 1.465 / 1.511 / 1.573; 450: 1.102 / 1.174 / 1.211).
 */
export const DEFAULT_ATTENTION: AttentionType = 'bahdanau';

export function attentionInfo(a: AttentionType): AttentionInfo {
  return ATTENTIONS[a];
}

export function isAttentionType(name: unknown): name is AttentionType {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(ATTENTIONS, name);
}

/** A spec's attention: absent (models and runs saved before attention existed) means none. */
export function attentionOf(spec: { shape: string; attention?: AttentionType }): AttentionType {
  return spec.shape === 'encoder-decoder' ? spec.attention ?? 'none' : 'none';
}

/** A spec's input feeding: absent means false; only an encoder–decoder with attention can have it. */
export function inputFeedingOf(spec: { shape: string; attention?: AttentionType; inputFeeding?: boolean }): boolean {
  return spec.inputFeeding === true && attentionOf(spec) !== 'none';
}

/** Why a design cannot take input feeding, or undefined when it can (it feeds back h̃, which only attention makes). */
export function inputFeedingRefusal(shape: string, attention: AttentionType | undefined, inputFeeding: boolean | undefined): string | undefined {
  if (!inputFeeding) return undefined;
  if (shape !== 'encoder-decoder') return 'input feeding applies only to encoder–decoder models';
  if ((attention ?? 'none') === 'none') return "input feeding feeds the previous step's attentional state h̃ back into the decoder; with attention none there is no h̃: choose an attention or drop input feeding";
  return undefined;
}

/** Parameters of an attention for decoder width Hd and encoder output width S. */
export function attentionParameterCount(a: AttentionType, Hd: number, S: number): number {
  return ATTENTIONS[a].tensors.reduce((n: number, t: AttentionTensor) => n + t.shape(Hd, S).reduce((x, y) => x * y, 1), 0);
}
