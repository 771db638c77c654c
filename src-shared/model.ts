// The model and training contract shared by every side (renderer, main, workers, CLI).
// Plain TypeScript: imports neither Node nor DOM. Whole words at this boundary; the kernels use the math symbols.

import type { AttentionType } from './attention';
import type { CellType } from './cells';

/** The five problem shapes of DESIGN.md. */
export type ProblemShape = 'one-to-one' | 'one-to-many' | 'many-to-one' | 'many-to-many' | 'encoder-decoder';
export const PROBLEM_SHAPES: readonly ProblemShape[] = [
  'one-to-one',
  'one-to-many',
  'many-to-one',
  'many-to-many',
  'encoder-decoder',
];

/**
 * What one time step of the input is made of: a token (looked up in an embedding), numeric features, or both
 * concatenated as [embedding | features] (one-to-many uses both: the previous token plus a conditioning vector).
 */
export interface InputSpec {
  /** Vocabulary size when the input carries a token per step; 0 when it does not. */
  vocabSize: number;
  /** Embedding width for tokens (ignored when vocabSize is 0). */
  embedSize: number;
  /** Numeric features per step (0 for pure token input). */
  featureSize: number;
}

/** The dense head on top of the recurrent stack and the loss it is trained with. */
export interface OutputSpec {
  /** 'classes' → softmax cross-entropy over `size` classes; 'values' → mean squared error on `size` values. */
  kind: 'classes' | 'values';
  size: number;
  /**
   * The head's weights and bias start at zero, so the untrained model outputs 0: a model of the change from a naive
   * forecast (a differenced series) starts as that forecast and learns corrections to it.
   */
  zeroInit?: boolean;
}

/** One recurrent stack: the same for an encoder-only model, the encoder and the decoder. */
export interface StackSpec {
  cell: CellType;
  layers: number;
  hiddenSize: number;
  bidirectional: boolean;
}

export interface ModelSpec {
  shape: ProblemShape;
  /** Input of the (encoder) stack. */
  input: InputSpec;
  stack: StackSpec;
  output: OutputSpec;
  /** Dropout probability applied to the outputs of every recurrent layer but the last (0 disables). */
  dropout: number;
  /** Initial value of the forget-gate biases of cells with one (bx_f, Jozefowicz et al. 2015 recommend 1); else 0. */
  forgetBias: number;
  /**
   * Encoder–decoder only: the decoder's input tokens (target vocabulary with BOS/EOS) and its stack. The decoder is
   * unidirectional and has the encoder's layer count and cell; its hidden size equals the encoder's. A
   * bidirectional encoder hands the decoder the sum of its two directions' final states.
   */
  decoder?: { vocabSize: number; embedSize: number };
  /**
   * Encoder–decoder only: how the decoder reads the encoder's outputs at every step (src-shared/attention.ts).
   * Absent — every model saved before attention existed — means 'none' (attentionOf).
   */
  attention?: AttentionType;
  /**
   * Encoder–decoder with attention only: Luong's input feeding — the decoder's input at step t is
   * [embedding(y_{t−1}) ; h̃_{t−1}] (h̃_0 = 0), so its first layer reads Ed + H. Absent means false (inputFeedingOf).
   */
  inputFeeding?: boolean;
}

// Optimisers and schedules ----------------------------------------------------------------------------------------

export type OptimizerName = 'sgd' | 'adam' | 'adamw';
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'adam', 'adamw'];

export interface TrainSettings {
  optimizer: OptimizerName;
  learningRate: number;
  /** SGD momentum (0 = plain SGD). */
  momentum: number;
  /** Adam betas and epsilon. */
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Decoupled weight decay (AdamW) or L2 added to the gradient (SGD / Adam). */
  weightDecay: number;
  /** Global-norm gradient clipping threshold; 0 disables. */
  clipNorm: number;
  /** Linear warm-up from 0 to learningRate over this many steps. */
  warmupSteps: number;
  /** Decay after warm-up: none, cosine to `minLearningRate` at the last step, or linear to it. */
  decay: 'none' | 'cosine' | 'linear';
  minLearningRate: number;
  batchSize: number;
  /** Truncated-BPTT chunk length for streams; window length for windowed data. */
  sequenceLength: number;
  /** Total optimisation steps. */
  steps: number;
  seed: number;
  /** Expensive telemetry (per-tensor norms, gradient flow through time, gates) every this many steps. */
  diagnosticsEvery: number;
  /** Validation pass every this many steps (and at the end). */
  evaluateEvery: number;
  /** Checkpoint every this many steps (and at the end); 0 = only at the end. */
  checkpointEvery: number;
  /**
   * Early stopping: the run ends, as if finished, after this many evaluations in a row without a better primary
   * validation metric (ties broken by the lower validation loss; src-shared/metrics.ts); 0 = never. A run with
   * patience or a time budget keeps its best checkpoint and ends with the best parameters restored.
   */
  patience: number;
  /**
   * Seconds of training (the run's own clock, which excludes evaluation and pauses and survives a resume) after
   * which the run ends as if finished, after the step it is in; 0 = no budget.
   */
  timeBudgetSeconds: number;
}

/**
 * The trainer's defaults: what a program that drives it gets (tests, benchmarks, the recipe's timing), with no
 * periodic checkpoint. A person's runs, from the studio or the CLI, start from the settings table's defaults
 * (RUN_SETTINGS in src-shared/settings.ts: these, checkpointing every 100 steps).
 */
export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  optimizer: 'adam',
  learningRate: 2e-3,
  momentum: 0.9,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0,
  clipNorm: 5,
  warmupSteps: 0,
  decay: 'none',
  minLearningRate: 0,
  batchSize: 32,
  sequenceLength: 64,
  steps: 1000,
  seed: 1,
  diagnosticsEvery: 25,
  evaluateEvery: 100,
  checkpointEvery: 0,
  patience: 0,
  timeBudgetSeconds: 0,
};

/**
 * Settings read from a run saved by an earlier version (request.json, run.json): the settings added since are
 * filled in with the values such a run trained with (no early stopping, no time budget).
 */
export function withLaterSettings(s: Omit<TrainSettings, 'patience' | 'timeBudgetSeconds'> & Partial<TrainSettings>): TrainSettings {
  return { ...s, patience: s.patience ?? 0, timeBudgetSeconds: s.timeBudgetSeconds ?? 0 };
}
