// The contract between the main process (src-main/services: runs.ts, worker-call.ts) and a trainer worker thread
// (workers/trainer.worker.ts): typed messages, one discriminated union each way. A job is one message to the worker
// (train a run, benchmark, inspect a file, predict, export); trainer.worker.ts hands it to its handler in
// workers/jobs/ through one dispatch table. A one-shot job ends with `job-result` or `job-failed`; a run ends with
// its `done` event. Pause, resume and stop steer a run.

import type { CheckpointEvent, DiagnosticsEvent, DoneEvent, EvaluationEvent, StepEvent } from '../src-shared/events';
import type { ModelSpec, TrainSettings } from '../src-shared/model';
import type { Problem } from '../src-shared/settings';
import type { DataTransforms } from './engine/data-source';
import type { KernelVariant } from './engine/kernels';
import type { BenchProfile } from './engine/profile';
import type { DataRequest, DatasetChoice, ImportProgress, Inspection, ModelChoice, Prediction, PredictRequest, RunSummary } from '../src-shared/dataset';
import type { ExportReport, ExportRequest } from './export/report';
import type { EncDecGenerateBenchResult, GenerateBenchResult } from './export/bench-generate';
import type { BundleReport, BundleRequest } from './bundle/bundle-run';

export type { DataRequest, ModelChoice, RunSummary } from '../src-shared/dataset';
export type { ExportReport, ExportRequest } from './export/report';
export type { BundleReport, BundleRequest } from './bundle/bundle-run';

// ============================================== jobs (main → worker) ==============================================

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

/**
 * `seqstudio bench --generate`: greedy text generation, and encoder–decoder greedy and beam decoding, ours beside
 * onnxruntime-node (workers/export/bench-generate.ts).
 */
export interface StartGenerateBench {
  type: 'bench-generate';
  configs: string[];
  /** Tokens generated per timing (default 500; text configurations). */
  tokens?: number;
  /** Source sentences decoded per timing (default 20; encoder–decoder configurations). */
  sentences?: number;
  /** Timings per side after a warm-up (default 5); the median is reported. */
  repeats?: number;
}

/** Reads a file and proposes how to train on it; with choices, also what training would build (workers/data/load.ts). */
export interface InspectJob {
  type: 'inspect';
  path: string;
  format: DataRequest['format'];
  choice?: Partial<DatasetChoice>;
}

export type PredictJob = { type: 'predict' } & PredictRequest;

/** Export a run folder to ONNX and check it in onnxruntime (workers/export/export-run.ts). */
export type ExportJob = { type: 'export' } & ExportRequest;

/** Write a PyTorch training bundle of a run folder (workers/bundle/bundle-run.ts). */
export type BundleJob = { type: 'bundle' } & BundleRequest;

/** Evaluate a saved run's checkpoint on its validation data with the studio's trainer (workers/jobs/evaluate.ts). */
export interface EvaluateJob {
  type: 'evaluate';
  runDir: string;
}

export type Job = StartRun | StartBench | StartGenerateBench | InspectJob | PredictJob | ExportJob | BundleJob | EvaluateJob;
export type JobType = Job['type'];

/** What each one-shot job answers with (`job-result`); a run answers with its `done` event instead. */
export interface JobResults {
  start: void;
  bench: void;
  'bench-generate': void;
  inspect: Inspection;
  predict: Prediction;
  export: ExportReport;
  bundle: BundleReport;
  evaluate: EvaluationEvent;
}

/** Steering a run (or a benchmark: stop) while it works. */
export type Control = { type: 'pause' } | { type: 'resume' } | { type: 'stop' };

export type ToTrainer = Job | Control;

// ============================================== events (worker → main) ============================================

export interface ImportProgressEvent extends ImportProgress {
  type: 'import-progress';
}

/** First message of a run: what was built. */
export interface ReadyEvent {
  type: 'ready';
  spec: ModelSpec;
  parameterCount: number;
  kernels: KernelVariant;
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
  kernels: KernelVariant;
  tokensPerSecond: number;
  gflops: number;
  msPerStep: number;
  /** With StartBench.profile: the step's time breakdown (workers/engine/profile.ts). */
  profile?: BenchProfile;
}

/** One configuration of StartGenerateBench. */
export type GenerateBenchResultEvent = (GenerateBenchResult | EncDecGenerateBenchResult) & {
  type: 'bench-generate-result';
  kernels: KernelVariant;
};

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
  | ImportProgressEvent
  /** A one-shot job's answer (JobResults). */
  | { type: 'job-result'; value: unknown }
  /** A job that could not be done: the problem (problem.input: the request was wrong, not the worker). */
  | { type: 'job-failed'; problem: Problem };
