// The run service: starts training runs in worker threads, forwards their events, and keeps each run's folder.
// Plain Node (no Electron): the CLI, the web host and the desktop app all use this one implementation.
//
// A run folder holds:  run.json (settings, model, data reference, fitted transforms; written atomically),
// metrics.jsonl (one event per line, append-only) and checkpoint.bin (both written by the worker, the metrics up to
// a checkpoint's step flushed before it), summary.json (at the end), run.lock (while a process trains it).

import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { TrainingEvent } from '../../src-shared/events';
import type { TrainSettings } from '../../src-shared/model';
import { checkpointStep, writeFileAtomic } from '../../workers/engine/checkpoint';
import { acquireLock, pidAlive } from './lock';
import { RUN_LOCK } from './run-store';
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

/** Why a run cannot start: another process trains it, or there is nothing to continue. Thrown by startRun. */
export class RunRefused extends Error {
  override name = 'RunRefused';
}

/**
 * Starts one run in its own worker thread. `onEvent` sees every event in order. Takes the run folder's lock first
 * (throws LockedError when another process trains it) and holds it until the run ends; throws RunRefused when a
 * resumed run has no steps left to train. The worker writes metrics.jsonl and the checkpoint; this thread writes
 * run.json (at ready) and summary.json (at the end).
 */
export function startRun(req: RunRequest, onEvent: (e: RunEvent) => void = () => {}): RunHandle {
  const runDir = resolve(req.runDir);
  mkdirSync(runDir, { recursive: true });
  if (req.resume && req.settings.steps > 0) {
    const at = checkpointStep(resolve(runDir, 'checkpoint.bin'));
    if (at !== undefined && at >= req.settings.steps) {
      throw new RunRefused(`${runDir} already trained all its ${req.settings.steps} steps (its checkpoint is at step ${at}): there is nothing to continue; give it more steps to train it further`);
    }
  }
  const lock = acquireLock(resolve(runDir, RUN_LOCK), 'train', `the run ${runDir}`);
  try {
    removeStaleTemporaries(runDir);
  } catch {
    // best effort: a leftover temporary file is only wasted space
  }
  const worker: Worker = createTrainerWorker();
  // Resuming: the data must be the data the run trained on (size and SHA-256 from its run.json).
  const recorded = req.resume ? recordedData(runDir) : undefined;
  const send = (m: ToTrainer): void => worker.postMessage(m);
  let settled = false;

  const done = new Promise<RunOutcome>((resolveDone) => {
    const finish = (outcome: RunOutcome): void => {
      let o = outcome;
      if (settled) return;
      settled = true;
      try {
        if (o.summary) writeFileAtomic(resolve(runDir, 'summary.json'), JSON.stringify(o.summary, null, 2) + '\n');
      } catch (e) {
        const message = (e as Error).message;
        o = { ...o, reason: 'error', message, event: { ...o.event, reason: 'error', message } };
      }
      // the lock goes once the worker can no longer write
      void worker.terminate().finally(() => {
        lock.release();
        resolveDone(o);
      });
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
        case 'paused':
        case 'resumed':
        case 'import-progress':
          onEvent(m);
          break;
        case 'done':
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

/**
 * Removes what killed writers left in a run folder: `<file>.tmp-<pid>-<thread>` of atomic writes and
 * `<lock>.<pid>.<hex>.new` of lock files, whose process is gone (or is this one: the caller holds the run's lock).
 */
export function removeStaleTemporaries(runDir: string): string[] {
  const removed: string[] = [];
  for (const dir of [runDir, resolve(runDir, 'export')]) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = /\.tmp-(\d+)-\d+$/.exec(name) ?? /\.lock(?:\.break)?\.(\d+)\.[0-9a-f]+\.new$/.exec(name);
      if (!m) continue;
      const pid = Number(m[1]);
      if ((pid === process.pid && dir === runDir) || !pidAlive(pid)) {
        rmSync(resolve(dir, name), { force: true });
        removed.push(name);
      }
    }
  }
  return removed;
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
