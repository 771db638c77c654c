// Training events: what a run reports while it trains. Produced by the trainer (workers/), carried by the worker
// protocol and the StudioApi, drawn by the renderer, printed by the CLI. Plain TypeScript, no Node or DOM.

import type { Problem } from './errors';

/** Every step: cheap figures. */
export interface StepEvent {
  type: 'step';
  step: number;
  loss: number;
  learningRate: number;
  /** Global gradient norm before clipping, and after it (equal when it did not clip). */
  gradNorm: number;
  gradNormClipped: number;
  clipped: boolean;
  tokensPerSecond: number;
  /** Seconds of training so far (excluding evaluation). */
  seconds: number;
}

/** ‖∂L/∂h_t‖ for every time step t of one layer-direction: the gradient flowing back through time. */
export interface GradientFlow {
  stack: 'enc' | 'dec';
  layer: number;
  direction: number;
  norms: number[];
}

/** Every few steps: costly figures. */
export interface DiagnosticsEvent {
  type: 'diagnostics';
  step: number;
  /** Gradient norm of every parameter tensor, by its layout name (e.g. "l1.Wh"). */
  tensorNorms: { name: string; norm: number }[];
  /** Gradient norm per gate of each recurrent layer-direction (Wx, Wh, bx, bh rows of that gate together). */
  gateGradNorms: { stack: 'enc' | 'dec'; layer: number; direction: number; gate: string; norm: number }[];
  gradientFlow: GradientFlow[];
  /** Mean gate activation and the fraction saturated (σ < 0.05 or > 0.95; tanh beyond ±0.95). */
  gates: { stack: 'enc' | 'dec'; layer: number; direction: number; gate: string; mean: number; saturated: number }[];
  /**
   * Encoder–decoder models with attention: where the decoder looked (greedy decode), for each of the first
   * ALIGNMENT_EXAMPLES validation examples, so that a person can choose which one to watch.
   */
  alignments?: Alignment[];
  /** Runs written before `alignments`: the first validation example's only (read by diagnosticsAlignments). */
  alignment?: Alignment;
}

/** How many validation examples' alignments each diagnostics event carries. */
export const ALIGNMENT_EXAMPLES = 6;

/** A diagnostics event's alignments, whichever field its run wrote. */
export function diagnosticsAlignments(e: Pick<DiagnosticsEvent, 'alignments' | 'alignment'> | null | undefined): Alignment[] {
  return e?.alignments ?? (e?.alignment ? [e.alignment] : []);
}

/**
 * An attention alignment: for each output token the decoder produced, its attention weights over the source tokens
 * (each row sums to 1 over the real source positions; padding gets none).
 */
export interface Alignment {
  /** The source tokens as the data reads them (characters or words). */
  source: string[];
  /** The decoded target tokens, end-of-sequence included when it was produced. */
  target: string[];
  /** (target.length × source.length) weights, row-major. */
  weights: number[];
  /** The reference target where the example has one (validation data), for the caption. */
  reference?: string[];
}

export interface EvaluationEvent {
  type: 'evaluation';
  step: number;
  valLoss: number;
  /** Task metrics in the data's units: perplexity, accuracy, rmse, mae, … */
  metrics: Record<string, number>;
  /**
   * The step of the best evaluation so far, this one included (by the primary metric, ties by the lower validation
   * loss: src-shared/metrics.ts). Absent on evaluations replayed after a resume and in runs saved before it existed.
   */
  bestStep?: number;
  /** Evaluations in a row, this one included, without improving on the best (0 when this one is the best). */
  sinceBest?: number;
  /**
   * The evaluation of the parameters restored from the best checkpoint (`bestStep`) at the end of the run: its
   * figures are the best evaluation's, at the run's last step.
   */
  restored?: true;
}

export interface CheckpointEvent {
  type: 'checkpoint';
  step: number;
  path: string;
}

/** Where a non-finite value first appeared. */
export interface NonFiniteLocation {
  step: number;
  /** 'loss', 'forward' (an activation), 'gradient' or 'parameter'. */
  phase: 'loss' | 'forward' | 'gradient' | 'parameter';
  /** Layout name of the tensor (e.g. "l1.Wh"), or an activation such as "l1 hidden state". */
  tensor: string;
  layer?: number;
}

export interface DoneEvent {
  type: 'done';
  reason: 'finished' | 'stopped' | 'diverged' | 'error';
  step: number;
  /** Why it ended in error or diverged, in the studio's words. */
  message?: string;
  /** An error about one setting: its key and the value given, for a host to say in its own words. */
  problem?: Problem;
  nonFinite?: NonFiniteLocation;
}

export type TrainingEvent = StepEvent | DiagnosticsEvent | EvaluationEvent | CheckpointEvent | DoneEvent;
