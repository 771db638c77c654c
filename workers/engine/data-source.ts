// What the trainer needs from a dataset, whatever its format: batches, validation, metrics and the fitted
// transforms that travel with the model. Implemented by workers/data/* (text, series, …); the trainer knows
// nothing of files or formats.

import type { ModelSpec } from '../../src-shared/model';
import type { Batch } from './batch';

export interface TrainBatch {
  batch: Batch;
  /**
   * Stateful sources (TBPTT streams): per sequence, true where the stream starts afresh at this batch, so the
   * trainer zeroes the carried state there. Absent for stateless sources.
   */
  restart?: boolean[];
}

export interface MetricAccumulator {
  /** Adds the model's head outputs (N, O) for one validation batch. */
  add(outputs: Float32Array, batch: Batch): void;
  /** Task metrics in the data's own units, given the mean validation loss. */
  result(meanLoss: number): Record<string, number>;
}

/** Fitted transforms: everything needed to turn raw input into batches and outputs back into words and units. */
export type DataTransforms =
  | { kind: 'text'; tokens: 'char' | 'word'; vocabulary: string[] }
  | SeriesTransforms
  | MultiSeriesTransforms
  | ClassifyTransforms
  | TaggingTransforms
  | PairsTransforms
  | SequencesTransforms
  | TabularTransforms
  | ConditionalTransforms;

/** z = (x − mean) / std, fitted on the training part. */
export interface ColumnScaling {
  column: string;
  mean: number;
  std: number;
}

/** How a table's feature columns become one numeric vector: numbers scaled, categories one-hot (in this order). */
export type FeatureEncoding =
  | (ColumnScaling & { kind: 'numeric' })
  | { kind: 'categorical'; column: string; categories: string[] };

/**
 * One column read with stride 1: a window of `lookback` values → the value `horizon` steps after its last one.
 * Differenced (`difference`): the model reads x_t − x_{t−1} scaled with mean/std and outputs the change
 * Δ = y[last + horizon] − y[last] scaled with `delta`; the forecast is y[last] + Δ. Runs without the field read levels.
 */
export interface SeriesTransforms {
  kind: 'series';
  column: string;
  mean: number;
  std: number;
  lookback: number;
  horizon: number;
  difference?: true;
  /** Differenced at a lag > 1 (a season): inputs are x_t − x_{t−lag}, Δ is measured from the value `lag` steps before the target. */
  lag?: number;
  /** Differenced: the scaling of Δ (the model's output). */
  delta?: { mean: number; std: number };
}

/**
 * Series windows (several input columns, or a stride, a season): inputs are scaled per column.
 * Differenced (`difference`): `inputs` scale each column's first differences and `target` scales the change
 * Δ = y[last + horizon] − y[last]; the forecast is y[last] + Δ.
 */
export interface MultiSeriesTransforms {
  kind: 'multiseries';
  inputs: ColumnScaling[];
  target: ColumnScaling;
  lookback: number;
  horizon: number;
  stride: number;
  /** Missing values were filled by linear interpolation between neighbours. */
  gapPolicy: 'linear';
  season?: number;
  difference?: true;
  /** Differenced at a lag > 1 (a season): see SeriesTransforms.lag. */
  lag?: number;
  /** Long tables: the key column whose values name the series (windows stay within one series). */
  sequence?: string;
}

/** Text (a sentence) → one label. Word tokens are lower-cased when `lowercase`. vocabulary[0] = '<unk>' (also padding). */
export interface ClassifyTransforms {
  kind: 'classify';
  tokens: 'char' | 'word';
  lowercase: boolean;
  vocabulary: string[];
  classes: string[];
  maxLength: number;
  /** Several texts classified together (a premise and a hypothesis; two questions): their columns, in order, whose tokens are joined by this token (vocabulary[1]). */
  texts?: { columns: string[]; separator: string };
}

/** Tokens → one tag each. vocabulary[0] = '<unk>' (also padding). */
export interface TaggingTransforms {
  kind: 'tagging';
  vocabulary: string[];
  tags: string[];
  maxLength: number;
}

/** Source → target (encoder–decoder). Target vocabulary: bos, eos, '<unk>', then tokens; source: '<unk>' first. */
export interface PairsTransforms {
  kind: 'pairs';
  source: { tokens: 'char' | 'word'; vocabulary: string[] };
  target: { tokens: 'char' | 'word'; vocabulary: string[] };
  bos: number;
  eos: number;
  maxLength: number;
}

/** Numeric sequences (steps × features) → one label. */
export interface SequencesTransforms {
  kind: 'sequences';
  features: ColumnScaling[];
  classes: string[];
  maxLength: number;
  /** Long-format tables: the sequence-id and step columns the sequences were grouped and ordered by. */
  sequence?: string;
  step?: string;
  /** A class for every step (many-to-many), read in pieces of at most maxLength steps, instead of one per sequence. */
  perStep?: true;
}

/** Feature columns → a numeric target (scaled) or a class (one-to-one). */
export interface TabularTransforms {
  kind: 'tabular';
  inputs: FeatureEncoding[];
  target: (ColumnScaling & { kind: 'values' }) | { kind: 'classes'; column: string; classes: string[] };
}

/** A label or feature columns → a token sequence (one-to-many): input per step = [previous token | features]. */
export interface ConditionalTransforms {
  kind: 'conditional';
  inputs: FeatureEncoding[];
  column: string;
  tokens: 'char' | 'word';
  /** bos (0) starts generation, eos (1) ends it; '<unk>' (2). */
  vocabulary: string[];
  bos: number;
  eos: number;
  maxLength: number;
}

export interface TrainingData {
  /** What the data fixes about the model. */
  model: Pick<ModelSpec, 'shape' | 'input' | 'output'> & { decoder?: ModelSpec['decoder'] };
  /** True when consecutive training batches continue the same streams (truncated BPTT with carried state). */
  stateful: boolean;
  /** Next training batch, deterministic for the seed the source was made with. */
  nextBatch(): TrainBatch;
  /** Validation batches in order (stateful sources: consecutive chunks of the same streams). */
  validationBatches(): Batch[];
  /** Training batches in one pass over the training data (for --epochs). */
  batchesPerEpoch: number;
  /** Head rows that count per training batch (tokens for text; sequences otherwise), for tokens/s. */
  tokensPerBatch: number;
  createMetrics(): MetricAccumulator;
  transforms: DataTransforms;
  /** One line for logs: what was loaded and how it was split. */
  summary: string;
  /** Position of the training stream(s), for checkpoints (resume continues the same batches). */
  cursor(): number;
  seek(cursor: number): void;
  /** Held-out test batches (independent samples split with --test-fraction), never used for training or selection. */
  testBatches?(): Batch[];
  /** A naive predictor's metrics on the validation split, in the same names and units as createMetrics'. */
  baseline?: { name: string; metrics: Record<string, number> };
  /**
   * Encoder–decoder: up to 200 validation pairs for greedy decoding (source token ids; reference target ids without
   * bos/eos; the reference as written, for BLEU and chrF), scored with exactMatch and tokenErrorRate, and when
   * decodeAsText with corpusBleu and corpusChrf (workers/data/build/metrics.ts).
   */
  decodeSamples?: { source: Int32Array; reference: Int32Array; referenceText?: string }[];
  /** The decodes are text (a target of sentences in word tokens): scored with BLEU and chrF too. */
  decodeAsText?: boolean;
}
