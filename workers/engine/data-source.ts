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
  | { kind: 'series'; column: string; mean: number; std: number; lookback: number; horizon: number };

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
}
