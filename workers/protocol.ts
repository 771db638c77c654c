// The contract between the main process (src-main/services/runs.ts) and a trainer worker thread
// (workers/trainer.worker.ts): typed messages, one discriminated union each way, handled by one `switch`.

import type { CheckpointEvent, DiagnosticsEvent, DoneEvent, EvaluationEvent, StepEvent } from '../src-shared/events';
import type { ModelSpec, TrainSettings } from '../src-shared/model';
import type { DatasetChoice } from './data/build/choices';
import type { FormatName } from './data/parsed';
import type { DataTransforms } from './engine/data-source';
import type { Prediction, PredictRequest } from './predict';
import type { ImportProgress } from './data/parsed';
import type { Proposal } from './data/propose';
import type { ChoicePreview } from './data/load';

/**
 * Which file to train on, how to read it, and the choices that override the importer's proposal (undefined = the
 * proposed value; see workers/data/build/choices.ts). Column names may be 1-based positions for files without a header.
 */
export interface DataRequest extends Partial<Pick<DatasetChoice, 'shape' | 'input' | 'target' | 'sequence' | 'step' | 'lookback' | 'horizon' | 'stride' | 'tokens' | 'maxLength' | 'vocabularyCap' | 'testFraction'>> {
  path: string;
  /** 'auto' detects the format from the extension and content. */
  format: FormatName | 'auto';
  /** Fraction held out for validation (the tail of ordered data, a seeded shuffle of independent samples). */
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

export type ToTrainer =
  | StartRun
  | StartBench
  | ({ type: 'predict' } & PredictRequest)
  | { type: 'inspect'; path: string; format: DataRequest['format']; choice?: Partial<DatasetChoice> }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

/** What `inspect` found (see workers/data/load.ts inspectFile). */
export interface InspectionEvent {
  type: 'inspection';
  format: string;
  formatReason: string;
  notes: string[];
  bytes: number;
  proposal: Proposal;
  /** With override flags: what train would build from them. */
  chosen?: ChoicePreview;
}

export interface ImportProgressEvent extends ImportProgress {
  type: 'import-progress';
}

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
  /** The data file as read: size, SHA-256 and the format found. */
  dataFile: { bytes: number; sha256: string; format: string; formatReason: string };
  /** Things about the data worth knowing (labels seen once, many missing values…). */
  warnings: string[];
  /** A naive baseline on the validation split, to beat. */
  baseline?: { name: string; metrics: Record<string, number> };
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
  /** The naive baseline on the same validation data, for comparison. */
  baseline?: { name: string; metrics: Record<string, number> };
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
  | InspectionEvent
  | ImportProgressEvent
  | { type: 'fatal'; message: string };
