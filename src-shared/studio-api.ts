// StudioApi: the one contract between the renderer and the services. Declared once here (plain TypeScript, no Node
// or DOM), implemented once in src-main/services/studio.ts, and reached three ways: the desktop preload (Electron
// IPC, channels `studio:<method>`), the web host (HTTP POST /api/<method> + a WebSocket for events), and direct
// calls (CLI, tests). Requests are verbs; events are `onDid…`. Every argument crossing a process boundary is
// validated by src-main/services/validate.ts before it reaches a service.

import type { DataRequest, DatasetChoice, Inspection, ModelChoice, Prediction, PredictRequest, RunSummary } from './dataset';
import type { TrainingEvent, NonFiniteLocation } from './events';
import type { ModelSpec, ProblemShape, TrainSettings } from './model';

/** A bundled sample dataset (resources/samples/), with what it is good for. */
export interface SampleInfo {
  file: string;
  title: string;
  shape: ProblemShape;
  description: string;
}

/** A dataset the open project knows: a bundled sample, a file the person chose or dropped. */
export interface DatasetInfo {
  id: string;
  /** File name as the person knows it. */
  name: string;
  origin: 'sample' | 'chosen' | 'dropped';
  bytes: number;
}

/** The person's choices for one dataset: the importer's proposal with their overrides. */
export type DataChoices = Omit<DataRequest, 'path'>;

/** 'elsewhere': another process (another studio window, web host or `seqstudio train`) trains it now; read-only here. */
export type RunStatus = 'starting' | 'running' | 'paused' | 'finished' | 'stopped' | 'diverged' | 'error' | 'interrupted' | 'elsewhere';

/** One run of the project, as listed and compared. */
export interface RunInfo {
  id: string;
  /** e.g. "LSTM 2×128 on tinyshakespeare.txt". */
  name: string;
  datasetId: string;
  datasetName: string;
  status: RunStatus;
  /** Why it ended when not 'finished' (the error, where it diverged). */
  message?: string;
  nonFinite?: NonFiniteLocation;
  data: DataChoices;
  model: ModelChoice;
  settings: TrainSettings;
  /** Known once the trainer has built the model. */
  spec?: ModelSpec;
  parameterCount?: number;
  dataSummary?: string;
  baseline?: { name: string; metrics: Record<string, number> };
  /** Latest step reached and the run's total. */
  step: number;
  totalSteps: number;
  createdAt: string;
  summary?: RunSummary;
  /** Data-parallel worker threads this run trains on. */
  workers: number;
  /** A checkpoint exists: the run can be resumed (interrupted, stopped) or forked. */
  resumable: boolean;
  /** Steps of the checkpoints kept (the latest first, then the best evaluation's: src-shared/metrics.ts): where a fork can start. */
  checkpointSteps?: number[];
  /** The run this one was forked from, and at which step. */
  forkOf?: { runId: string; step: number };
  /**
   * A sweep's trial (its run folder under the sweep's trials/, not one of the project's runs unless promoted), as
   * Compare shows it: its id is `<sweep>#<trial>`, and its history comes from trialHistory.
   */
  trialOf?: { sweepId: string; trial: number };
}

export interface StartRunRequest {
  datasetId: string;
  data: DataChoices;
  model: ModelChoice;
  settings: TrainSettings;
  /** Data-parallel worker threads (default 1). */
  workers?: number;
  name?: string;
}

/**
 * A sweep to start: the current run's request as every trial's base, and the search (`sweep` on the command line).
 * Its `workers` (the Train screen's worker threads) is what a trial may train on at the sweep's tail, when fewer
 * trials are left than free cores; each trial trains on one thread otherwise.
 */
export interface StartSweepRequest extends Omit<StartRunRequest, 'name'> {
  /** The search space in the command line's form: `cell=lstm,gru hidden=32..256:log lr=1e-4..1e-2:log`. */
  space: string;
  method: 'grid' | 'random' | 'tpe';
  trials: number;
  /** Wall time for the whole sweep, seconds (0: none). */
  budgetSeconds: number;
  stop: 'asha' | 'median' | 'none';
  /** Trials at once (default: every core). */
  parallel?: number;
}

/** One trial of a sweep, as its table shows it. */
export interface SweepTrialRow {
  /** 1-based. */
  trial: number;
  status: 'running' | 'finished' | 'stopped-early' | 'failed' | 'stopped';
  why?: string;
  params: Record<string, string | number | boolean>;
  /** Its best and last figure of the sweep's metric, and the step of the best. */
  best?: number;
  bestStep?: number;
  last?: number;
  steps: number;
  seconds: number;
  /** Its validation curve: [step, figure of the sweep's metric] at each evaluation. */
  curve: [number, number][];
}

/** A sweep of the project (its sweeps/ folder). */
export interface SweepInfo {
  id: string;
  space: string;
  method: StartSweepRequest['method'];
  stop: StartSweepRequest['stop'];
  /** Trials asked for, and trials at once. */
  trials: number;
  parallel: number;
  budgetSeconds: number;
  /** 'elsewhere': another process (`seqstudio sweep`, another window) runs it now. */
  status: 'running' | 'paused' | 'ended' | 'elsewhere';
  /** Why it ended. */
  why?: string;
  /** The runs' primary validation metric (once a trial has reported), and which way is better. */
  metric?: string;
  higherIsBetter: boolean;
  elapsed: number;
  rows: SweepTrialRow[];
  /** What mattered: each searched setting's share (0–1) of the variance of the trials' best figures, largest first. */
  importance: { key: string; share: number }[];
}

/** Everything a run has reported so far (metrics.jsonl), to redraw its charts after a reload or for Compare. */
export interface RunHistory {
  run: RunInfo;
  events: TrainingEvent[];
}

/** What a run reports live: its training events, import progress, and status changes. */
export type RunEvent =
  | TrainingEvent
  | { type: 'import-progress'; bytesRead: number; bytesTotal: number; rows: number }
  | { type: 'status'; run: RunInfo };

export interface RunEventMessage {
  runId: string;
  event: RunEvent;
}

/** Progress of reading a dataset (inspect), reported every ~100 ms for large files. */
export interface ImportProgressMessage {
  datasetId: string;
  bytesRead: number;
  bytesTotal: number;
  rows: number;
}

/** The project the studio has open: a folder with project.json, datasets/ and runs/. */
export interface ProjectInfo {
  name: string;
  /** Absolute path (desktop, CLI); the web host shows it too — it is the person's own machine. */
  path: string;
  datasets: DatasetInfo[];
  /** The dataset last worked on, with its saved choices (the app reopens on it). */
  current?: { datasetId: string; data: DataChoices; model: ModelChoice; settings: TrainSettings };
}

export type PredictOptions = Omit<PredictRequest, 'runDir' | 'file'>;

/** Result of exporting a run to ONNX, with the proof that onnxruntime computes what the trainer computed. */
export interface ExportResult {
  /** maxAbsDiff within tolerance (1e-4) and, for generation models, every decode agreed. */
  ok: boolean;
  /** The .onnx file(s) and, last, the sidecar JSON (absolute paths). */
  files: string[];
  sidecar: string;
  streaming: boolean;
  /** 'validation': the run's held-out data; 'synthetic': random inputs (the data file could not be read again). */
  checkedOn: 'validation' | 'synthetic';
  warnings: string[];
  /** Web host: where the browser downloads each file (same order as files). */
  downloads?: string[];
  maxAbsDiff: number;
  checkedSamples: number;
  opset: number;
  /** Greedy/argmax decodes that agreed between the trainer and onnxruntime (generation models). */
  tokensAgree?: boolean;
  graph: { name: string; operators: string[]; inputs: string[]; outputs: string[]; initializers: string[] }[];
}

/** The machine the services run on: what the person can give a run. */
export interface MachineInfo {
  /** Logical CPU cores (each worker thread of each run uses one while it trains). */
  cores: number;
  memoryBytes: number;
}

export interface StudioApi {
  // App ------------------------------------------------------------------------------------------------------------
  version(): Promise<string>;
  machine(): Promise<MachineInfo>;
  samples(): Promise<SampleInfo[]>;

  // Project --------------------------------------------------------------------------------------------------------
  project(): Promise<ProjectInfo>;
  /** Remembers the person's current choices (dataset, data choices, design, settings) in project.json. */
  saveCurrent(current: NonNullable<ProjectInfo['current']>): Promise<void>;

  // Datasets -------------------------------------------------------------------------------------------------------
  /** Adds a bundled sample to the project. */
  addSample(file: string): Promise<DatasetInfo>;
  /** Adds a file the person dropped or picked in the page: its bytes are copied into the project's datasets/ folder. */
  addDatasetBytes(name: string, bytes: Uint8Array): Promise<DatasetInfo>;
  /** Desktop: asks the person for a file with the system dialog (null when cancelled). */
  chooseDatasetFile(): Promise<DatasetInfo | null>;
  /** Reads a dataset in a worker and proposes how to train on it; with choices, also what training would build. */
  inspectDataset(datasetId: string, format: DataRequest['format'], choice?: Partial<DatasetChoice>): Promise<Inspection>;
  /** Subscribes to import progress of every dataset being read; returns the unsubscribe function. */
  onDidImportProgress(listener: (message: ImportProgressMessage) => void): () => void;

  // Runs -----------------------------------------------------------------------------------------------------------
  listRuns(): Promise<RunInfo[]>;
  startRun(req: StartRunRequest): Promise<RunInfo>;
  pauseRun(runId: string): Promise<void>;
  resumeRun(runId: string): Promise<void>;
  stopRun(runId: string): Promise<void>;
  /** Continues an interrupted or stopped run from its last checkpoint. */
  continueRun(runId: string): Promise<RunInfo>;
  /**
   * A new run that starts from another run's checkpoint (the latest, or the best evaluation's: `fromStep` is
   * one of RunInfo.checkpointSteps) with new settings (e.g. a lower learning rate after a divergence). Batch size and sequence length stay (the carried state depends on them); its charts begin with the
   * source run's history up to the checkpoint.
   */
  forkRun(runId: string, settings: TrainSettings, fromStep?: number): Promise<RunInfo>;
  deleteRun(runId: string): Promise<void>;
  runHistory(runId: string): Promise<RunHistory>;
  /** Subscribes to every run's live events; returns the unsubscribe function. */
  onDidRunEvent(listener: (message: RunEventMessage) => void): () => void;

  // Try ------------------------------------------------------------------------------------------------------------
  predict(runId: string, options: PredictOptions): Promise<Prediction>;

  // Sweeps ---------------------------------------------------------------------------------------------------------
  listSweeps(): Promise<SweepInfo[]>;
  /** Starts a sweep in the project's sweeps/ folder: trials in parallel, each a run folder under it. */
  startSweep(req: StartSweepRequest): Promise<SweepInfo>;
  sweepInfo(sweepId: string): Promise<SweepInfo>;
  /** Stops the running trials after their current step; the sweep can be resumed. */
  stopSweep(sweepId: string): Promise<void>;
  resumeSweep(sweepId: string): Promise<SweepInfo>;
  /** Copies a trial's run folder into the project's runs: a normal run to continue, fork, try or export. */
  promoteTrial(sweepId: string, trial: number): Promise<RunInfo>;
  /**
   * Everything a trial (1-based) has reported so far, as runHistory answers for a run — promoted or not — so Compare
   * overlays trials with each other and with runs. Its run carries `trialOf`.
   */
  trialHistory(sweepId: string, trial: number): Promise<RunHistory>;

  // Export ---------------------------------------------------------------------------------------------------------
  /** Exports and proves; desktop: asks where to save first, and answers null when the person cancels. */
  exportRun(runId: string, options: { streaming?: boolean }): Promise<ExportResult | null>;
  /** Writes the run's PyTorch training bundle (model.py, train.py with DDP, its weights and batches) into bundles/. */
  bundleRun(runId: string): Promise<BundleResult>;
  /**
   * A bundle's output folder (what its train.py wrote; inside the project folder, e.g. bundles/<run>/output) becomes a
   * run of the project, shown in Train and Compare beside the runs trained here.
   */
  importRun(dir: string): Promise<RunInfo>;
}

/** A run's PyTorch training bundle, written into the project's bundles/ folder (seqstudio bundle). */
export interface BundleResult {
  /** The bundle folder (absolute), and the same relative to the project folder. */
  dir: string;
  relativeDir: string;
  steps: number;
  parameterCount: number;
  /** The lines to run in the bundle folder: check against the studio, train on 2 processes; then import `output`. */
  commands: { check: string; train: string };
  /** What importRun takes once train.py has run (relative to the project folder). */
  outputDir: string;
  warnings: string[];
}

/** Request methods (everything but event subscriptions): what IPC and HTTP forward, by name. */
export type StudioMethod = Exclude<keyof StudioApi, 'onDidRunEvent' | 'onDidImportProgress'>;

/** What the web host's WebSocket (and the desktop's `studio:event` channel) carries: one of the two event streams. */
export type StudioEventFrame = ({ kind: 'run' } & RunEventMessage) | ({ kind: 'import' } & ImportProgressMessage);

export const STUDIO_METHODS: readonly StudioMethod[] = [
  'version',
  'machine',
  'samples',
  'project',
  'saveCurrent',
  'addSample',
  'addDatasetBytes',
  'chooseDatasetFile',
  'inspectDataset',
  'listRuns',
  'startRun',
  'pauseRun',
  'resumeRun',
  'stopRun',
  'continueRun',
  'forkRun',
  'deleteRun',
  'runHistory',
  'predict',
  'exportRun',
  'bundleRun',
  'importRun',
  'listSweeps',
  'startSweep',
  'sweepInfo',
  'stopSweep',
  'resumeSweep',
  'promoteTrial',
  'trialHistory',
];
