// The sweep service: runs a sweep folder's trials (workers/sweep/sweep-folder.ts) — each a normal run folder trained
// through startRun in its own worker thread, `parallel` of them at once —, asks the search method for each new
// trial's settings, stops weak trials early (median, ASHA), and ends the sweep at its trial count, its time budget or
// its goal. Everything it learns goes to the sweep's append-only log before it acts on it, so a killed process
// loses nothing: startSweep on the same folder again replays the log, resumes the trials that were running from
// their checkpoints (the run's own resume) and goes on, with no trial lost or run twice. One process at a time runs
// a sweep (sweep.lock). Plain Node: the CLI (cli/sweep.ts) and the studio use this one implementation.

import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { DataRequest, ModelChoice } from '../../src-shared/dataset';
import { formatDurationShort } from '../../src-shared/duration';
import { metricInfo, metricWord, primaryMetric } from '../../src-shared/metrics';
import type { TrainSettings } from '../../src-shared/model';
import { RUN_SETTINGS, type SettingKey } from '../../src-shared/settings';
import { CHECKPOINT_FILE, checkpointStep, readEvents, readSummary, type RunRequestFile } from '../../workers/engine/run-folder';
import { importance, type Importance } from '../../workers/sweep/importance';
import { suggest, type Observation } from '../../workers/sweep/search';
import { parseSpace, type SearchSpace, type TrialParams } from '../../workers/sweep/space';
import { makeStopper, type StopDecision } from '../../workers/sweep/stopping';
import {
  applyRecord,
  readSweepFile,
  readSweepLog,
  replaySweep,
  SWEEP_FILE,
  SWEEP_LOCK,
  SweepLog,
  trialFolder,
  writeSweepFile,
  type SweepFile,
  type SweepRecord,
  type SweepState,
  type TrialEvaluation,
  type TrialState,
} from '../../workers/sweep/sweep-folder';
import { acquireLock } from './lock';
import { RunRefused, startRun, type RunHandle, type RunOutcome, type RunRequest } from './runs';

export type SweepEvent =
  | { type: 'trial-started'; trial: TrialState; resumed: boolean }
  | { type: 'trial-evaluation'; trial: TrialState; evaluation: TrialEvaluation }
  | { type: 'trial-ended'; trial: TrialState; metric: string | undefined }
  | { type: 'sweep-ended'; why: string };

export interface SweepOutcome {
  dir: string;
  /** Why it ended (or why it paused). */
  why: string;
  /** Stopped by the person: the trials that were running resume with the sweep. */
  paused: boolean;
  state: SweepState;
  sweep: SweepFile;
}

export interface SweepHandle {
  dir: string;
  /** Stops the running trials after their current step (each keeps its checkpoint) and ends the session; the sweep resumes later. */
  stop(): void;
  /** Settles when the session ends (never rejects). */
  done: Promise<SweepOutcome>;
}

/** The default number of trials at once: every core (at most 64, the most a sweep takes). */
export const defaultParallel = (): number => Math.min(availableParallelism(), 64);

/**
 * The threads a sweep's trials train on, for the CLI and the studio alike. Threads given (`--threads N`): every trial
 * trains on that many. Not given: one a trial, and at the sweep's tail (fewer trials left than free cores) up to the
 * data's worker count (the recipe's, or the Train screen's `workers`) — more does not pay on a small batch.
 */
export function sweepThreads(given: number | undefined, workers: number | undefined): Pick<SweepFile, 'threads' | 'maxThreads'> {
  if (given !== undefined) return { threads: given };
  return { threads: 1, maxThreads: Math.max(1, workers ?? 1) };
}

/** Makes a sweep folder (sweep.json): refuses a folder that is not empty. */
export function createSweep(dir: string, sweep: SweepFile): void {
  const d = resolve(dir);
  parseSpace(sweep.space); // a space that does not parse is never written
  if (existsSync(d) && readdirSync(d).length > 0) {
    throw new RunRefused(`${d}: the folder is not empty${existsSync(join(d, SWEEP_FILE)) ? ' (it holds a sweep: resume it instead)' : ''}; give another folder (nothing was changed)`);
  }
  mkdirSync(d, { recursive: true });
  writeSweepFile(d, sweep);
}

/** The model, settings and data of one trial: the sweep's base with the trial's parameters in place. */
export function trialRequest(sweep: SweepFile, params: TrialParams, seed: number): Pick<RunRequest, 'data' | 'model' | 'settings'> {
  const model: ModelChoice = { ...sweep.model };
  const settings: TrainSettings = { ...sweep.settings, seed };
  const data: DataRequest = { ...sweep.data };
  for (const [k, v] of Object.entries(params) as [SettingKey, unknown][]) {
    if (Object.hasOwn(model, k)) (model as unknown as Record<string, unknown>)[k] = v;
    else if (Object.hasOwn(RUN_SETTINGS, k)) (settings as unknown as Record<string, unknown>)[k] = v;
    else (data as unknown as Record<string, unknown>)[k] = v;
  }
  return { data, model, settings };
}

/** The sweep's figure of an evaluation: its metric (the runs' primary validation metric), the loss where there is none. */
function figureOf(metrics: Record<string, number>, valLoss: number, metric: string | undefined): { metric: string; value: number } {
  const name = metric ?? primaryMetric(Object.keys(metrics)) ?? 'valLoss';
  const value = name === 'valLoss' ? valLoss : metrics[name];
  return { metric: name, value: value ?? Number.NaN };
}

/** Lower is better: the metric, negated where higher is better; a missing or non-finite figure is the worst. */
export function objectiveOf(metric: string, value: number): number {
  if (!Number.isFinite(value)) return Infinity;
  return metric !== 'valLoss' && metricInfo(metric).higherIsBetter ? -value : value;
}

/** A trial's best evaluation by the sweep's metric (undefined before its first). */
export function bestEvaluation(t: TrialState, metric: string | undefined): TrialEvaluation | undefined {
  let best: TrialEvaluation | undefined;
  for (const e of t.evaluations) if (!best || objectiveOf(metric ?? 'valLoss', e.value) < objectiveOf(metric ?? 'valLoss', best.value)) best = e;
  return best;
}

/** The trials, best first (by their best evaluation; trials without one last, in the order they started). */
export function rankTrials(state: SweepState): TrialState[] {
  const score = (t: TrialState): number => {
    const b = bestEvaluation(t, state.metric);
    return b ? objectiveOf(state.metric ?? 'valLoss', b.value) : Infinity;
  };
  return [...state.trials].sort((a, b) => score(a) - score(b) || a.index - b.index);
}

/** The ended trials as the search and the importance read them: settings and best objective (+∞ without one). */
export function observationsOf(state: SweepState): Observation[] {
  return state.trials
    .filter((t) => t.status !== 'running')
    .map((t) => {
      const b = bestEvaluation(t, state.metric);
      return { params: t.params, objective: b ? objectiveOf(state.metric ?? 'valLoss', b.value) : Infinity };
    });
}

/** What mattered: each setting's share of the variance of the trials' best figures (importance.ts). */
export function sweepImportance(space: SearchSpace, state: SweepState): Importance[] {
  return importance(space, observationsOf(state));
}

export interface SweepOptions {
  onEvent?: (e: SweepEvent) => void;
  /** request.json of a new trial's run folder (the CLI's names it as `train` does). */
  requestFor?: (runDir: string, req: Pick<RunRequest, 'data' | 'model' | 'settings'>, threads: number, trial: number) => RunRequestFile;
}

/**
 * Runs (or resumes) the sweep in `dir`. Takes sweep.lock first (throws LockedError when another process runs it) and
 * holds it until the session ends. Throws when the folder is not a sweep or its log is damaged.
 */
export function startSweep(dir: string, options: SweepOptions = {}): SweepHandle {
  const d = resolve(dir);
  const sweep = readSweepFile(d);
  const space: SearchSpace = parseSpace(sweep.space);
  const lock = acquireLock(join(d, SWEEP_LOCK), 'sweep', `the sweep ${d}`);
  let log: SweepLog;
  let records: SweepRecord[];
  try {
    log = new SweepLog(d); // repairs a torn last line before it is read
    records = readSweepLog(d);
  } catch (e) {
    lock.release();
    throw e;
  }
  const state: SweepState = replaySweep(records);
  const emit = options.onEvent ?? (() => {});
  const started = performance.now();
  const elapsedBefore = state.elapsed;
  const elapsed = (): number => Math.round((elapsedBefore + (performance.now() - started) / 1000) * 1000) / 1000;
  const append = (r: SweepRecord): void => {
    log.append(r); // on disk (fsync'ed) before the sweep acts on it
    applyRecord(state, r);
  };
  append({ type: 'session', at: new Date().toISOString(), pid: process.pid, resumed: records.length > 0, elapsed: elapsed() });

  // the early-stopping rule, brought to where the log left it
  const stopper = makeStopper(sweep.stop, (objective) => {
    const metric = state.metric ?? 'valLoss';
    const v = metric !== 'valLoss' && metricInfo(metric).higherIsBetter ? -objective : objective;
    return `${metric === 'valLoss' ? 'val loss' : metricWord(metric)} ${Number.isFinite(v) ? Number(v.toPrecision(4)) : v}`;
  });
  // a trial the rule stopped whose end the killed session never logged: it ends as stopped early, not resumed
  const decided = new Map<number, StopDecision>();
  for (const r of records) {
    if (r.type !== 'evaluation') continue;
    const decision = stopper.report(r.trial, r.step, objectiveOf(r.metric, r.value));
    if (decision && !decided.has(r.trial)) decided.set(r.trial, decision);
  }

  interface Slot {
    handle?: RunHandle;
    decision?: StopDecision;
    ending?: string;
    threads: number;
  }
  const running = new Map<number, Slot>();
  /** Threads the running trials train on. */
  const busy = (): number => [...running.values()].reduce((n, r) => n + r.threads, 0);
  let ending: string | undefined = state.ended; // why the sweep ends: no new trials, running ones stopped
  let paused = false;
  let gridDone = false;
  let resolveDone!: (o: SweepOutcome) => void;
  const done = new Promise<SweepOutcome>((r) => (resolveDone = r));
  const trialOf = (i: number): TrialState => state.trials.find((t) => t.index === i)!;

  const endAll = (why: string): void => {
    if (ending) return;
    ending = why;
    for (const r of running.values()) {
      r.ending = why;
      r.handle?.stop();
    }
  };

  const budgetTimer =
    sweep.budgetSeconds > 0
      ? setInterval(() => {
          if (elapsed() >= sweep.budgetSeconds) endAll(`its time budget of ${formatDurationShort(sweep.budgetSeconds)} was spent`);
        }, 250)
      : undefined;
  budgetTimer?.unref();

  const observations = (): Observation[] => observationsOf(state);

  /** Starts (or resumes) trial `index`; `resume` for one the log shows running when the last session ended. */
  const launch = (index: number, params: TrialParams, seed: number, resume: boolean, threads: number): void => {
    const rel = trialFolder(index);
    const runDir = join(d, rel);
    const req = trialRequest(sweep, params, seed);
    let resumeRun = false;
    let at: number | undefined;
    if (resume) {
      at = checkpointStep(join(runDir, CHECKPOINT_FILE));
      if (at !== undefined) {
        resumeRun = true;
        backfill(index, runDir, at);
      } else rmSync(runDir, { recursive: true, force: true }); // nothing trained that a checkpoint kept: start it again
    } else {
      append({ type: 'started', trial: index, at: new Date().toISOString(), params, seed, runDir: rel, elapsed: elapsed(), threads });
    }
    const slot: Slot = { threads };
    running.set(index, slot);
    emit({ type: 'trial-started', trial: trialOf(index), resumed: resumeRun });
    let handle: RunHandle;
    try {
      handle = startRun(
        {
          runDir,
          ...req,
          resume: resumeRun,
          workers: threads,
          ...(resumeRun ? {} : options.requestFor ? { request: options.requestFor(runDir, req, threads, index) } : {}),
        },
        (e) => {
          if (e.type !== 'evaluation' || e.restored) return;
          onEvaluation(index, e.step, e.valLoss, e.metrics);
        },
      );
    } catch (e) {
      if (e instanceof RunRefused && resumeRun) {
        // it had trained all its steps when the last session ended: it finished
        // (killed after its last checkpoint, perhaps before its summary)
        const s = readSummary(runDir);
        finishTrial(index, { status: 'finished', step: at ?? s?.steps ?? 0, seconds: s?.seconds ?? trialOf(index).seconds });
      } else finishTrial(index, { status: 'failed', why: `it could not start: ${(e as Error).message}`, step: 0, seconds: 0 });
      return;
    }
    slot.handle = handle;
    if (ending) handle.stop();
    void handle.done.then((o) => onRunEnded(index, o));
  };

  /** Evaluations a killed session never logged, up to the trial's checkpoint (its run logged them): logged now. */
  const backfill = (index: number, runDir: string, at: number): void => {
    const logged = new Set(trialOf(index).evaluations.map((e) => e.step));
    let events;
    try {
      events = readEvents(runDir);
    } catch {
      return;
    }
    for (const e of events) if (e.type === 'evaluation' && !e.restored && e.step <= at && !logged.has(e.step)) onEvaluation(index, e.step, e.valLoss, e.metrics, true);
  };

  const onEvaluation = (index: number, step: number, valLoss: number, metrics: Record<string, number>, quiet = false): void => {
    const { metric, value } = figureOf(metrics, valLoss, state.metric);
    append({ type: 'evaluation', trial: index, step, valLoss, metrics, metric, value, elapsed: elapsed() });
    const t = trialOf(index);
    if (!quiet) emit({ type: 'trial-evaluation', trial: t, evaluation: t.evaluations[t.evaluations.length - 1] });
    const slot = running.get(index);
    if (sweep.target && !ending) {
      const v = metrics[sweep.target.metric] ?? (sweep.target.metric === 'valLoss' ? valLoss : undefined);
      const higher = sweep.target.metric !== 'valLoss' && metricInfo(sweep.target.metric).higherIsBetter;
      if (v !== undefined && Number.isFinite(v) && (higher ? v >= sweep.target.value : v <= sweep.target.value)) {
        endAll(`trial ${index + 1} reached ${sweep.target.metric === 'valLoss' ? 'val loss' : metricWord(sweep.target.metric)} ${v.toPrecision(4)} (goal ${higher ? '≥' : '≤'} ${sweep.target.value}) at step ${step}`);
        return;
      }
    }
    const decision = stopper.report(index, step, objectiveOf(metric, value));
    if (decision && slot && !slot.decision && !slot.ending) {
      slot.decision = decision;
      slot.handle?.stop();
    }
  };

  const onRunEnded = (index: number, o: RunOutcome): void => {
    const slot = running.get(index)!;
    const step = o.summary?.steps ?? o.event.step;
    const seconds = o.summary?.seconds ?? 0;
    if (o.reason === 'diverged') {
      const where = o.event.nonFinite;
      finishTrial(index, { status: 'failed', why: `diverged: ${o.message ?? 'a non-finite value'}`, step: where?.step ?? step, seconds, nonFinite: where });
    } else if (o.reason === 'error') finishTrial(index, { status: 'failed', why: o.message ?? 'the trainer failed', step, seconds });
    else if (o.reason === 'finished') finishTrial(index, { status: 'finished', why: o.summary?.stopReason && o.summary.stopReason !== 'finished' ? o.summary.stopReason : undefined, step, seconds });
    else if (slot.decision) finishTrial(index, { status: 'stopped-early', why: slot.decision.why, step, seconds });
    else if (slot.ending) finishTrial(index, { status: 'stopped', why: `the sweep ended: ${slot.ending}`, step, seconds });
    else {
      // stopped by the person (the sweep paused): it resumes from its checkpoint with the sweep
      running.delete(index);
      emit({ type: 'trial-ended', trial: trialOf(index), metric: state.metric });
      schedule();
    }
  };

  const finishTrial = (index: number, end: { status: 'finished' | 'stopped-early' | 'failed' | 'stopped'; why?: string; step: number; seconds: number; nonFinite?: TrialState['nonFinite'] }): void => {
    append({ type: 'ended', trial: index, ...end, elapsed: elapsed() });
    running.delete(index);
    emit({ type: 'trial-ended', trial: trialOf(index), metric: state.metric });
    schedule();
  };

  let finished = false;
  const finishSession = (): void => {
    if (finished) return;
    finished = true;
    if (budgetTimer) clearInterval(budgetTimer);
    let why: string;
    if (paused && !state.ended) why = 'stopped before its end: resume it to go on';
    else {
      why = state.ended ?? ending ?? (gridDone ? `the grid's ${state.trials.length} points all ran` : `all ${sweep.trials} trials ran`);
      if (!state.ended) append({ type: 'sweep-ended', why, elapsed: elapsed() });
      emit({ type: 'sweep-ended', why });
    }
    log.close();
    lock.release();
    resolveDone({ dir: d, why, paused: paused && !state.ended, state, sweep });
  };

  let scheduling = false;
  const schedule = (): void => {
    if (scheduling) return;
    scheduling = true;
    try {
      if (!ending && !paused && sweep.budgetSeconds > 0 && elapsed() >= sweep.budgetSeconds) endAll(`its time budget of ${formatDurationShort(sweep.budgetSeconds)} was spent`);
      // first the trials a killed session left running, then new ones
      for (const t of state.trials) {
        if (paused || busy() >= sweep.parallel) break;
        if (t.status !== 'running' || running.has(t.index) || ending) continue;
        const decision = decided.get(t.index);
        if (decision) append({ type: 'ended', trial: t.index, status: 'stopped-early', why: decision.why, step: t.step, seconds: t.seconds, elapsed: elapsed() });
        else launch(t.index, t.params, t.seed, true, t.threads);
      }
      while (!paused && !ending && busy() < sweep.parallel && state.trials.length < sweep.trials) {
        const index = state.trials.length;
        const params = suggest(sweep.method, space, index, sweep.seed, observations(), { resolution: sweep.resolution });
        if (!params) {
          gridDone = true;
          break;
        }
        // every core busy: one thread a trial, and at the sweep's tail the free threads shared among the last trials
        const free = sweep.parallel - busy();
        const left = sweep.trials - index;
        const threads = left < free ? Math.max(sweep.threads, Math.min(sweep.maxThreads ?? sweep.threads, Math.floor(free / left))) : sweep.threads;
        launch(index, params, (sweep.seed + index + 1) % 2 ** 31, false, threads);
      }
      // a trial the last session left running, when the sweep has since ended (its budget or target): stopped
      if (ending && !paused) {
        for (const t of state.trials) {
          if (t.status === 'running' && !running.has(t.index)) append({ type: 'ended', trial: t.index, status: 'stopped', why: `the sweep ended: ${ending}`, step: t.step, seconds: t.seconds, elapsed: elapsed() });
        }
      }
    } finally {
      scheduling = false;
    }
    const unfinished = state.trials.some((t) => t.status === 'running' && !running.has(t.index));
    if (running.size === 0 && (paused || ending || gridDone || (state.trials.length >= sweep.trials && !unfinished))) finishSession();
  };

  const stop = (): void => {
    if (paused) return;
    paused = true;
    for (const r of running.values()) r.handle?.stop();
    if (running.size === 0) queueMicrotask(schedule);
  };

  queueMicrotask(schedule);
  return { dir: d, stop, done };
}
