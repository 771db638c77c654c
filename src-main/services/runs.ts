// The run service: starts training runs in worker threads, forwards their events, and keeps each run's folder.
// Plain Node (no Electron): the CLI, the web host and the desktop app all use this one implementation.
//
// A run folder holds:  run.json (settings, model, data reference, fitted transforms; written atomically),
// metrics.jsonl (one event per line, append-only), checkpoint.bin (written by the worker, atomically),
// summary.json (at the end).

import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { TrainingEvent } from '../../src-shared/events';
import type { TrainSettings } from '../../src-shared/model';
import { describeWriteError, writeFileAtomic } from '../../workers/engine/checkpoint';
import type { BenchResultEvent, DataRequest, GenerateBenchResultEvent, FromTrainer, ImportProgressEvent, InspectionEvent, ModelChoice, ReadyEvent, RunSummary, ToTrainer } from '../../workers/protocol';
import type { Prediction, PredictRequest } from '../../workers/predict';
import type { DatasetChoice } from '../../workers/data/build/choices';
import createTrainerWorker from '../../workers/trainer.worker?nodeWorker';

export const RUN_FORMAT_VERSION = 1;

export interface RunRequest {
  runDir: string;
  data: DataRequest;
  model: ModelChoice;
  settings: TrainSettings;
  resume?: boolean;
  epochs?: number;
  /** Data-parallel worker threads (default 1). */
  workers?: number;
}

export type RunEvent = TrainingEvent | ReadyEvent | ImportProgressEvent | { type: 'paused' | 'resumed'; step: number };

export interface RunOutcome {
  reason: 'finished' | 'stopped' | 'diverged' | 'error';
  message?: string;
  summary?: RunSummary;
  event: Extract<FromTrainer, { type: 'done' }>;
}

export interface RunHandle {
  runDir: string;
  pause(): void;
  resume(): void;
  stop(): void;
  /** Settles when the run ends, however it ends (never rejects). */
  done: Promise<RunOutcome>;
}

/** Starts one run in its own worker thread. `onEvent` sees every event in order. */
export function startRun(req: RunRequest, onEvent: (e: RunEvent) => void = () => {}): RunHandle {
  const runDir = resolve(req.runDir);
  mkdirSync(runDir, { recursive: true });
  const metricsPath = resolve(runDir, 'metrics.jsonl');
  let pending: string[] = [];
  const worker: Worker = createTrainerWorker();
  // A write that fails (disk full, folder gone read-only) stops the run with the reason; the checkpoint on disk
  // and the metrics written so far are kept.
  let writeError: string | undefined;
  const flush = (): void => {
    if (pending.length === 0 || writeError) return;
    try {
      appendFileSync(metricsPath, pending.join(''));
      pending = [];
    } catch (e) {
      writeError = `${describeWriteError(e, metricsPath)}; the run was stopped`;
      worker.postMessage({ type: 'stop' } satisfies ToTrainer);
    }
  };
  const flushTimer = setInterval(flush, 1000);
  flushTimer.unref();

  // Resuming: the data must be the data the run trained on (size and SHA-256 from its run.json).
  const recorded = req.resume ? recordedData(runDir) : undefined;
  const send = (m: ToTrainer): void => worker.postMessage(m);
  let settled = false;

  const done = new Promise<RunOutcome>((resolveDone) => {
    const finish = (outcome: RunOutcome): void => {
      let o = outcome;
      if (settled) return;
      settled = true;
      clearInterval(flushTimer);
      flush();
      try {
        if (o.summary && !writeError) writeFileAtomic(resolve(runDir, 'summary.json'), JSON.stringify(o.summary, null, 2) + '\n');
      } catch (e) {
        writeError = (e as Error).message;
      }
      if (writeError) o = { ...o, reason: 'error', message: writeError, event: { ...o.event, reason: 'error', message: writeError } };
      void worker.terminate();
      resolveDone(o);
    };
    worker.on('message', (m: FromTrainer) => {
      switch (m.type) {
        case 'ready': {
          const changed = recorded && dataChange(recorded, m.dataFile, resolve(req.data.path));
          if (changed) {
            finish({ reason: 'error', message: changed, event: { type: 'done', reason: 'error', step: m.startStep, message: changed } });
            break;
          }
          try {
            writeFileAtomic(resolve(runDir, 'run.json'), JSON.stringify(runRecord(req, m), null, 2) + '\n');
          } catch (e) {
            const message = (e as Error).message;
            finish({ reason: 'error', message, event: { type: 'done', reason: 'error', step: m.startStep, message } });
            break;
          }
          onEvent(m);
          break;
        }
        case 'step':
        case 'diagnostics':
        case 'evaluation':
        case 'checkpoint':
          pending.push(JSON.stringify(m) + '\n');
          onEvent(m);
          break;
        case 'paused':
        case 'resumed':
        case 'import-progress':
          onEvent(m);
          break;
        case 'done':
          pending.push(JSON.stringify({ ...m, summary: undefined }) + '\n');
          onEvent(m);
          finish({ reason: m.reason, message: m.message, summary: m.summary, event: m });
          break;
        case 'fatal':
          finish({ reason: 'error', message: m.message, event: { type: 'done', reason: 'error', step: 0, message: m.message } });
          break;
        default:
          break;
      }
    });
    worker.on('error', (err) => finish({ reason: 'error', message: `the trainer crashed: ${err.message}`, event: { type: 'done', reason: 'error', step: 0, message: err.message } }));
    worker.on('exit', (code) => {
      if (!settled) finish({ reason: 'error', message: `the trainer stopped unexpectedly (exit code ${code})`, event: { type: 'done', reason: 'error', step: 0 } });
    });
  });

  send({ type: 'start', runDir, data: { ...req.data, path: resolve(req.data.path) }, model: req.model, settings: req.settings, resume: req.resume ?? false, epochs: req.epochs, workers: req.workers });
  return {
    runDir,
    pause: () => send({ type: 'pause' }),
    resume: () => send({ type: 'resume' }),
    stop: () => send({ type: 'stop' }),
    done,
  };
}

interface RecordedData {
  path: string;
  bytes: number;
  sha256: string;
}

function recordedData(runDir: string): RecordedData | undefined {
  try {
    const r = JSON.parse(readFileSync(resolve(runDir, 'run.json'), 'utf8')) as { data?: Partial<RecordedData> };
    const d = r.data;
    return d && typeof d.sha256 === 'string' && typeof d.bytes === 'number' && typeof d.path === 'string' ? (d as RecordedData) : undefined;
  } catch {
    return undefined;
  }
}

/** Why continuing would silently train on other data (undefined when the file is the one the run started with). */
export function dataChange(recorded: RecordedData, now: { bytes: number; sha256: string }, path: string): string | undefined {
  if (recorded.sha256 === now.sha256) return undefined;
  const moved = recorded.path !== path ? ` (it was ${recorded.path})` : '';
  return `the dataset ${path}${moved} changed since this run started: ${recorded.bytes} → ${now.bytes} bytes, SHA-256 ${recorded.sha256.slice(0, 12)}… → ${now.sha256.slice(0, 12)}…. Continuing would train on different data; restore the original file, or start a new run on this one`;
}

/** What run.json records: enough to reopen, resume, predict and export the run. */
function runRecord(req: RunRequest, ready: ReadyEvent) {
  return {
    format: 'sequence-studio-run',
    version: RUN_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    data: { ...req.data, path: resolve(req.data.path), ...ready.dataFile, summary: ready.dataSummary, warnings: ready.warnings, baseline: ready.baseline },
    model: req.model,
    spec: ready.spec,
    parameterCount: ready.parameterCount,
    settings: ready.settings,
    transforms: ready.transforms,
    kernels: ready.kernels,
    workers: ready.workers,
  };
}

/** Reads a file in a worker thread and proposes how to train on it (`inspect`). */
export async function runInspect(path: string, format: DataRequest['format'], choice?: Partial<DatasetChoice>, onProgress?: (p: ImportProgressEvent) => void): Promise<InspectionEvent> {
  const worker = createTrainerWorker();
  try {
    return await new Promise<InspectionEvent>((resolveDone, reject) => {
      worker.on('message', (m: FromTrainer) => {
        if (m.type === 'inspection') resolveDone(m);
        else if (m.type === 'import-progress') onProgress?.(m);
        else if (m.type === 'fatal') reject(new Error(m.message));
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`the import worker stopped (exit code ${code})`)));
      worker.postMessage({ type: 'inspect', path: resolve(path), format, choice } satisfies ToTrainer);
    });
  } finally {
    await worker.terminate();
  }
}

/** Predicts with a saved run (generation, forecast) in a worker thread. */
export async function runPredict(req: PredictRequest): Promise<Prediction> {
  const worker = createTrainerWorker();
  try {
    return await new Promise<Prediction>((resolveDone, reject) => {
      worker.on('message', (m: FromTrainer) => {
        if (m.type === 'prediction') resolveDone(m);
        else if (m.type === 'fatal') reject(new Error(m.message));
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`the prediction worker stopped (exit code ${code})`)));
      worker.postMessage({ type: 'predict', ...req } satisfies ToTrainer);
    });
  } finally {
    await worker.terminate();
  }
}

/** Runs the trainer benchmark in a worker thread; yields one result per configuration (with `profile`, each with its time breakdown). */
export async function runBench(configs: string[], seconds: number, workers: number, onResult: (r: BenchResultEvent) => void, profile = false): Promise<void> {
  const worker = createTrainerWorker();
  try {
    await new Promise<void>((resolveDone, reject) => {
      worker.on('message', (m: FromTrainer) => {
        if (m.type === 'bench-result') onResult(m);
        else if (m.type === 'bench-done') resolveDone();
        else if (m.type === 'fatal') reject(new Error(m.message));
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`the benchmark worker stopped (exit code ${code})`)));
      worker.postMessage({ type: 'bench', configs, seconds, workers, profile } satisfies ToTrainer);
    });
  } finally {
    await worker.terminate();
  }
}

/** Times greedy text generation, ours beside onnxruntime-node, in a worker thread; one result per configuration. */
export async function runGenerateBench(configs: string[], opts: { tokens?: number; repeats?: number }, onResult: (r: GenerateBenchResultEvent) => void): Promise<void> {
  const worker = createTrainerWorker();
  try {
    await new Promise<void>((resolveDone, reject) => {
      worker.on('message', (m: FromTrainer) => {
        if (m.type === 'bench-generate-result') onResult(m);
        else if (m.type === 'bench-done') resolveDone();
        else if (m.type === 'fatal') reject(new Error(m.message));
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`the benchmark worker stopped (exit code ${code})`)));
      worker.postMessage({ type: 'bench-generate', configs, tokens: opts.tokens, repeats: opts.repeats } satisfies ToTrainer);
    });
  } finally {
    await worker.terminate();
  }
}
