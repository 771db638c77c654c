// The run service: starts training runs in worker threads, forwards their events, and keeps each run's folder; and
// the one-shot jobs the CLI and the studio ask of a worker (inspect, predict, bench) through callWorker.
// Plain Node (no Electron): the CLI, the web host and the desktop app all use this one implementation.
//
// A run folder (workers/engine/run-folder.ts): this thread writes request.json (at start, when given one), run.json
// (when the trainer is ready) and summary.json (at the end), and holds run.lock while the run trains; the worker
// writes metrics.jsonl and the checkpoints, the metrics up to a checkpoint's step flushed before it.

import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { DatasetChoice, Inspection, Prediction, PredictRequest } from '../../src-shared/dataset';
import type { TrainingEvent } from '../../src-shared/events';
import type { TrainSettings } from '../../src-shared/model';
import { describeProblem } from '../../src-shared/settings';
import { checkpointStep, CHECKPOINT_FILE, RUN_FORMAT, RUN_LOCK, RUN_VERSION, tryReadRecord, writeRecord, writeRequest, writeSummary, type RecordedData, type RunRecord, type RunRequestFile } from '../../workers/engine/run-folder';
import type { BenchResultEvent, DataRequest, GenerateBenchResultEvent, FromTrainer, ImportProgressEvent, ModelChoice, ReadyEvent, RunSummary, ToTrainer } from '../../workers/protocol';
import createTrainerWorker from '../../workers/trainer.worker?nodeWorker';
import { acquireLock, pidAlive } from './lock';
import { callWorker } from './worker-call';

export interface RunRequest {
  runDir: string;
  data: DataRequest;
  model: ModelChoice;
  settings: TrainSettings;
  resume?: boolean;
  epochs?: number;
  /** Data-parallel worker threads (default 1). */
  workers?: number;
  /** request.json to write before the run starts (a new run or a fork; a continued run keeps its own). */
  request?: RunRequestFile;
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
 * request.json (before it starts, when given), run.json (at ready) and summary.json (at the end).
 */
export function startRun(req: RunRequest, onEvent: (e: RunEvent) => void = () => {}): RunHandle {
  const runDir = resolve(req.runDir);
  mkdirSync(runDir, { recursive: true });
  if (req.resume && req.settings.steps > 0) {
    const at = checkpointStep(resolve(runDir, CHECKPOINT_FILE));
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
  if (req.request) {
    try {
      writeRequest(runDir, req.request);
    } catch (e) {
      lock.release();
      throw e;
    }
  }
  const worker: Worker = createTrainerWorker();
  // Resuming: the data must be the data the run trained on (size and SHA-256 from its run.json).
  const recorded = req.resume ? tryReadRecord(runDir)?.data : undefined;
  const send = (m: ToTrainer): void => worker.postMessage(m);
  let settled = false;

  const done = new Promise<RunOutcome>((resolveDone) => {
    const finish = (outcome: RunOutcome): void => {
      let o = outcome;
      if (settled) return;
      settled = true;
      try {
        if (o.summary) writeSummary(runDir, o.summary);
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
            writeRecord(runDir, runRecord(req, m));
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
        case 'job-failed': {
          const message = describeProblem(m.problem, 'studio');
          finish({ reason: 'error', message, event: { type: 'done', reason: 'error', step: 0, message, problem: m.problem } });
          break;
        }
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

/** Why continuing would silently train on other data (undefined when the file is the one the run started with). */
export function dataChange(recorded: Pick<RecordedData, 'path' | 'bytes' | 'sha256'>, now: { bytes: number; sha256: string }, path: string): string | undefined {
  if (recorded.sha256 === now.sha256) return undefined;
  const moved = recorded.path !== path ? ` (it was ${recorded.path})` : '';
  return `the dataset ${path}${moved} changed since this run started: ${recorded.bytes} → ${now.bytes} bytes, SHA-256 ${recorded.sha256.slice(0, 12)}… → ${now.sha256.slice(0, 12)}…. Continuing would train on different data; restore the original file, or start a new run on this one`;
}

/** What run.json records: enough to reopen, resume, predict and export the run. */
function runRecord(req: RunRequest, ready: ReadyEvent): RunRecord {
  return {
    format: RUN_FORMAT,
    version: RUN_VERSION,
    createdAt: new Date().toISOString(),
    data: { ...req.data, path: resolve(req.data.path), ...ready.dataFile, format: req.data.format, summary: ready.dataSummary, warnings: ready.warnings, baseline: ready.baseline },
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
export function runInspect(path: string, format: DataRequest['format'], choice?: Partial<DatasetChoice>, onProgress?: (p: ImportProgressEvent) => void): Promise<Inspection> {
  return callWorker({ type: 'inspect', path: resolve(path), format, choice }, (m) => {
    if (m.type === 'import-progress') onProgress?.(m);
  });
}

/** Predicts with a saved run (generation, forecast…) in a worker thread. */
export function runPredict(req: PredictRequest): Promise<Prediction> {
  return callWorker({ type: 'predict', ...req });
}

/** Runs the trainer benchmark in a worker thread; yields one result per configuration (with `profile`, each with its time breakdown). */
export function runBench(configs: string[], seconds: number, workers: number, onResult: (r: BenchResultEvent) => void, profile = false): Promise<void> {
  return callWorker({ type: 'bench', configs, seconds, workers, profile }, (m) => {
    if (m.type === 'bench-result') onResult(m);
  });
}

/** Times greedy text generation (and enc–dec greedy and beam decoding), ours beside onnxruntime-node, in a worker thread; one result per configuration. */
export function runGenerateBench(configs: string[], opts: { tokens?: number; sentences?: number; repeats?: number }, onResult: (r: GenerateBenchResultEvent) => void): Promise<void> {
  return callWorker({ type: 'bench-generate', configs, tokens: opts.tokens, sentences: opts.sentences, repeats: opts.repeats }, (m) => {
    if (m.type === 'bench-generate-result') onResult(m);
  });
}
