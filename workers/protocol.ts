// The contract between the main process (src-main/services/runs.ts) and a trainer worker thread
// (workers/trainer.worker.ts): typed messages, one discriminated union each way, handled by one `switch`.

import type { CheckpointEvent, DiagnosticsEvent, DoneEvent, EvaluationEvent, StepEvent } from '../src-shared/events';
import type { ModelSpec, TrainSettings } from '../src-shared/model';
import type { DataTransforms } from './engine/data-source';
import type { BenchProfile } from './engine/profile';
import type { DataRequest, DatasetChoice, ImportProgress, Inspection, ModelChoice, Prediction, PredictRequest, RunSummary } from '../src-shared/dataset';
import type { ExportReport, ExportRequest } from './export/export-run';
import type { GenerateBenchResult } from './export/bench-generate';

export type { DataRequest, ModelChoice, RunSummary } from '../src-shared/dataset';
export type { ExportReport, ExportRequest } from './export/export-run';

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
  /** Also profile each configuration (one worker): where a step's time goes, and the WASM SIMD peak. */
  profile?: boolean;
}

/** `seqstudio bench --generate`: greedy text generation, ours beside onnxruntime-node (workers/export/bench-generate.ts). */
export interface StartGenerateBench {
  type: 'bench-generate';
  configs: string[];
  /** Tokens generated per timing (default 500). */
  tokens?: number;
  /** Timings per side after a warm-up (default 5); the median is reported. */
  repeats?: number;
}

export type ToTrainer =
  | StartRun
  | StartBench
  | StartGenerateBench
  | ({ type: 'predict' } & PredictRequest)
  | { type: 'inspect'; path: string; format: DataRequest['format']; choice?: Partial<DatasetChoice> }
  /** Export a run folder to ONNX and check it in onnxruntime (workers/export/export-run.ts). */
  | ({ type: 'export' } & ExportRequest)
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

/** What `inspect` found (see workers/data/load.ts inspectFile). */
export interface InspectionEvent extends Inspection {
  type: 'inspection';
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
  /** With StartBench.profile: the step's time breakdown (workers/engine/profile.ts). */
  profile?: BenchProfile;
}

/** One configuration of StartGenerateBench (then 'bench-done' after the last). */
export interface GenerateBenchResultEvent extends GenerateBenchResult {
  type: 'bench-generate-result';
  kernels: 'relaxed-simd' | 'simd';
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
  | GenerateBenchResultEvent
  | { type: 'bench-done' }
  | Prediction
  | InspectionEvent
  | ImportProgressEvent
  | ({ type: 'export-result' } & ExportReport)
  /** badInput: the request itself was wrong (no run, no checkpoint, a path that cannot be written). */
  | { type: 'export-failed'; message: string; badInput: boolean }
  | { type: 'fatal'; message: string };
