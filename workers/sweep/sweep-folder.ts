// A sweep folder, as one contract: its files, their versioned types, and the one reader and one writer of each. The
// sweep service (src-main/services/sweep.ts) writes it; the CLI and the studio read it.
//
//   sweep.json     what was asked: the data, the base design and settings every trial starts from (the data's
//                  recipe), the search space, the method, the budgets, the stop rule, the seed, trials at once
//                  (written once, atomically, when the sweep is made)
//   trials.jsonl   append-only, one record a line, each fsync'ed: a trial started (its settings, seed and run
//                  folder), each evaluation it reported, how it ended (finished, stopped early, failed — a diverged
//                  trial with where it diverged —, or stopped by the sweep's budget or target); the sweep's own
//                  sessions and its end. A torn last line (a kill mid-append) is cut when the log is next opened.
//   sweep.lock     held by the process running the sweep (src-main/services/lock.ts)
//   trials/0001/   each trial's run folder: a normal run folder (workers/engine/run-folder.ts)
//
// The search method's state is the log itself: replaying it gives every trial's settings, results and status, the
// early-stopping rule's rungs (stopping.ts), and what TPE learns from (search.ts) — no other state to lose.

import { closeSync, constants, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DataRequest, ModelChoice } from '../../src-shared/dataset';
import type { NonFiniteLocation } from '../../src-shared/events';
import type { TrainSettings } from '../../src-shared/model';
import { writeFileAtomic } from '../engine/checkpoint';
import { repairedLength } from '../engine/metrics-log';
import { readInside } from '../engine/safe-file';
import type { SearchMethod } from './search';
import type { TrialParams } from './space';
import type { StopRule } from './stopping';

export const SWEEP_FILE = 'sweep.json';
export const TRIALS_LOG = 'trials.jsonl';
export const SWEEP_LOCK = 'sweep.lock';
export const TRIALS_FOLDER = 'trials';
export const SWEEP_FORMAT = 'sequence-studio-sweep';
export const SWEEP_VERSION = 1;

/** sweep.json. */
export interface SweepFile {
  format: typeof SWEEP_FORMAT;
  version: typeof SWEEP_VERSION;
  createdAt: string;
  /** The data every trial trains on (the proposal resolved, as a run's request holds it). */
  data: DataRequest;
  /** The design and settings each trial starts from; the space's parameters replace theirs. */
  model: ModelChoice;
  settings: TrainSettings;
  /** The space in the command line's form (space.ts parseSpace reads it back). */
  space: string;
  method: SearchMethod;
  /** Grid search: points per range. */
  resolution?: number;
  /** Trials to run in all. */
  trials: number;
  /** Wall time for the whole sweep, seconds (0: none), counted across sessions. */
  budgetSeconds: number;
  /** Ends the sweep when a trial's evaluation reaches it (in the metric's own direction). */
  target?: { metric: string; value: number };
  stop: StopRule;
  seed: number;
  /** Trials run at once. */
  parallel: number;
  /** Data-parallel threads each trial trains on. */
  threads: number;
  /**
   * Where fewer trials remain to start than there are free threads (the sweep's tail), a new trial trains on up to
   * this many (the data's recipe's worker count: more does not pay on a small batch); absent: `threads` always.
   */
  maxThreads?: number;
}

export type TrialStatus = 'running' | 'finished' | 'stopped-early' | 'failed' | 'stopped';

/** trials.jsonl's records. */
export type SweepRecord =
  | { type: 'session'; at: string; pid: number; resumed: boolean; elapsed: number }
  | { type: 'started'; trial: number; at: string; params: TrialParams; seed: number; runDir: string; elapsed: number; threads?: number }
  | { type: 'evaluation'; trial: number; step: number; valLoss: number; metrics: Record<string, number>; metric: string; value: number; elapsed: number }
  | {
      type: 'ended';
      trial: number;
      status: Exclude<TrialStatus, 'running'>;
      why?: string;
      step: number;
      seconds: number;
      nonFinite?: NonFiniteLocation;
      elapsed: number;
    }
  | { type: 'sweep-ended'; why: string; elapsed: number };

export function writeSweepFile(dir: string, sweep: SweepFile): void {
  writeFileAtomic(join(dir, SWEEP_FILE), JSON.stringify(sweep, null, 2) + '\n');
}

/** sweep.json, checked; throws a message naming the folder when it is not a sweep. */
export function readSweepFile(dir: string): SweepFile {
  let s: SweepFile;
  try {
    s = JSON.parse(readInside(dir, SWEEP_FILE, 16 * 2 ** 20).toString('utf8')) as SweepFile;
  } catch (e) {
    const missing = !existsSync(join(dir, SWEEP_FILE));
    throw new Error(`${dir}: ${missing ? 'no sweep.json there (is it a sweep folder?)' : `sweep.json cannot be read (${(e as Error).message})`}`);
  }
  if (typeof s !== 'object' || s === null || s.format !== SWEEP_FORMAT || s.version !== SWEEP_VERSION || typeof s.space !== 'string' || !Number.isInteger(s.trials)) {
    throw new Error(`${dir}: sweep.json is not a sweep of this version (format ${String((s as { format?: unknown })?.format)}, version ${String((s as { version?: unknown })?.version)})`);
  }
  return s;
}

/** The run folder of trial `index` (0-based), relative to the sweep folder: trials/0001 for the first. */
export function trialFolder(index: number): string {
  return join(TRIALS_FOLDER, String(index + 1).padStart(4, '0'));
}

// ============================================== trials.jsonl ======================================================

/** The log's one writer: appends a record a line, each fsync'ed before append() returns. */
export class SweepLog {
  private fd: number;
  readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, TRIALS_LOG);
    this.fd = openSync(this.path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
    const size = fstatSync(this.fd).size;
    const keep = repairedLength(this.fd, size); // a torn last line from a kill mid-append
    if (keep < size) ftruncateSync(this.fd, keep);
  }

  append(record: SweepRecord): void {
    const bytes = Buffer.from(JSON.stringify(record) + '\n');
    for (let off = 0; off < bytes.length; ) off += writeSync(this.fd, bytes, off, bytes.length - off);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The log's records in order; a torn last line is skipped, a damaged line elsewhere is an error naming it. */
export function readSweepLog(dir: string): SweepRecord[] {
  if (!existsSync(join(dir, TRIALS_LOG))) return [];
  const text = readInside(dir, TRIALS_LOG, 512 * 2 ** 20).toString('utf8');
  const lines = text.split('\n');
  const torn = lines.pop(); // '' after the last newline, or a torn line
  void torn;
  return lines.map((line, i) => {
    try {
      const r = JSON.parse(line) as SweepRecord;
      if (typeof r !== 'object' || r === null || typeof r.type !== 'string') throw new Error('not a record');
      return r;
    } catch {
      throw new Error(`${join(dir, TRIALS_LOG)} line ${i + 1} is damaged: ${line.slice(0, 80)}`);
    }
  });
}

// ============================================== replay =============================================================

export interface TrialEvaluation {
  step: number;
  valLoss: number;
  metrics: Record<string, number>;
  /** The sweep's metric and its value; objective: the value made "lower is better". */
  value: number;
}

export interface TrialState {
  index: number;
  params: TrialParams;
  seed: number;
  runDir: string;
  /** Data-parallel threads it trains on (a resumed trial keeps its own: its results depend on them). */
  threads: number;
  status: TrialStatus;
  why?: string;
  nonFinite?: NonFiniteLocation;
  evaluations: TrialEvaluation[];
  /** The last step reported and the training seconds (from its end). */
  step: number;
  seconds: number;
  startedAt: string;
}

export interface SweepState {
  trials: TrialState[];
  /** The sweep's metric (the runs' primary validation metric), once a trial has reported one. */
  metric?: string;
  /** Wall seconds spent across sessions, as last recorded. */
  elapsed: number;
  /** Why the sweep ended, once it has. */
  ended?: string;
  sessions: number;
}

/** What the log says: every trial, its settings, evaluations and status, in the order they started. */
export function replaySweep(records: readonly SweepRecord[]): SweepState {
  const state: SweepState = { trials: [], elapsed: 0, sessions: 0 };
  for (const r of records) applyRecord(state, r);
  return state;
}

/** One more record of the log, applied to `state` in place (trial i is the i-th started: its index is its place). */
export function applyRecord(state: SweepState, r: SweepRecord): void {
  if (typeof (r as { elapsed?: unknown }).elapsed === 'number') state.elapsed = Math.max(state.elapsed, (r as { elapsed: number }).elapsed);
  const t = 'trial' in r ? state.trials[r.trial] : undefined;
  switch (r.type) {
    case 'session':
      state.sessions++;
      break;
    case 'started':
      if (t) t.status = 'running'; // logged again by an older session: the same trial
      else if (r.trial === state.trials.length) {
        // the folder is the trial's by its index, whatever the record says: a log edited to point elsewhere
        // ("../../somewhere") must not make the studio read, copy or train another folder
        state.trials.push({ index: r.trial, params: r.params, seed: r.seed, runDir: trialFolder(r.trial), threads: r.threads ?? 1, status: 'running', evaluations: [], step: 0, seconds: 0, startedAt: r.at });
      }
      break;
    case 'evaluation':
      if (!t) break;
      state.metric ??= r.metric;
      // a resumed trial reports again the evaluations after its checkpoint: the later ones replace them
      while (t.evaluations.length && t.evaluations[t.evaluations.length - 1].step >= r.step) t.evaluations.pop();
      t.evaluations.push({ step: r.step, valLoss: r.valLoss, metrics: r.metrics, value: r.value });
      t.step = Math.max(t.step, r.step);
      break;
    case 'ended':
      if (!t) break;
      Object.assign(t, { status: r.status, why: r.why, step: r.step, seconds: r.seconds, nonFinite: r.nonFinite });
      break;
    case 'sweep-ended':
      state.ended = r.why;
      break;
    default:
      break;
  }
}
