// The contract between the main process (src-main/services/runs.ts) and a trainer worker thread
// (workers/trainer.worker.ts): typed messages, one discriminated union each way, handled by one `switch`.

import type { CheckpointEvent, DiagnosticsEvent, DoneEvent, EvaluationEvent, StepEvent } from '../src-shared/events';
import type { ModelSpec, TrainSettings } from '../src-shared/model';
import type { DataTransforms } from './engine/data-source';
import type { Prediction, PredictRequest } from './predict';

/** Which file to train on and how to read it. */
export interface DataRequest {
  path: string;
  /** 'auto' picks by extension and content: .csv/.tsv → series, anything else → text. */
  format: 'auto' | 'text' | 'csv' | 'tsv';
  /** Series: the column to forecast (name or 1-based position); default the last numeric column. */
  target?: string;
  /** Series: window length (defaults to the sequence length) and steps ahead. */
  lookback?: number;
  horizon?: number;
  /** Fraction held out for validation, from the end of ordered data. */
  valFraction: number;
}

/** The architecture a person chooses; the data fixes the rest (shape, vocabulary, inputs and outputs). */
export interface ModelChoice {
  cell: ModelSpec['stack']['cell'];
  layers: number;
  hiddenSize: number;
  /** Embedding width for token input (0 = min(64, vocabulary)). */
  embedSize: number;
  bidirectional: boolean;
  dropout: number;
  forgetBias: number;
}

export interface StartRun {
  type: 'start';
  runDir: string;
  data: DataRequest;
  model: ModelChoice;
  settings: TrainSettings;
  /** Continue from runDir/checkpoint.bin instead of starting afresh. */
  resume: boolean;
  /** Train for this many passes over the training data instead of settings.steps. */
  epochs?: number;
  /** Data-parallel worker threads for this run (default 1). */
  workers?: number;
}

export interface StartBench {
  type: 'bench';
  configs: string[];
  seconds: number;
  workers?: number;
}

export type ToTrainer = StartRun | StartBench | ({ type: 'predict' } & PredictRequest) | { type: 'pause' } | { type: 'resume' } | { type: 'stop' };

/** First message of a run: what was built. */
export interface ReadyEvent {
  type: 'ready';
  spec: ModelSpec;
  parameterCount: number;
  kernels: 'relaxed-simd' | 'simd';
  dataSummary: string;
  transforms: DataTransforms;
  /** Step the run starts from (0, or the checkpoint's step when resuming). */
  startStep: number;
  /** The data file as read: size and SHA-256. */
  dataFile: { bytes: number; sha256: string };
  /** The settings in force (steps resolved from epochs). */
  settings: TrainSettings;
  workers: number;
}

export interface BenchResultEvent {
  type: 'bench-result';
  config: string;
  description: string;
  workers: number;
  kernels: 'relaxed-simd' | 'simd';
  tokensPerSecond: number;
  gflops: number;
  msPerStep: number;
}

export interface RunSummary {
  type: 'summary';
  steps: number;
  seconds: number;
  trainLoss: number;
  valLoss: number;
  tokensPerSecond: number;
  metrics: Record<string, number>;
  runDir: string;
}

export type FromTrainer =
  | ReadyEvent
  | StepEvent
  | DiagnosticsEvent
  | EvaluationEvent
  | CheckpointEvent
  | (DoneEvent & { summary?: RunSummary })
  | { type: 'paused'; step: number }
  | { type: 'resumed'; step: number }
  | BenchResultEvent
  | { type: 'bench-done' }
  | Prediction
  | { type: 'fatal'; message: string };
