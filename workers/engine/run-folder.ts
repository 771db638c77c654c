// A run folder (runs/<id>/), as one contract: its files, their versioned types, and the one reader and one writer
// of each. The studio, the CLI, the run service, predict and export all read and write run folders through this
// module, so a run trained with `seqstudio train` and one started in the studio are the same kind of folder.
//
//   request.json     what was asked: the data choices, design and settings, the names shown in lists (at start)
//   run.json         what the trainer built: spec, parameters, fitted transforms, the data file's size and SHA-256
//                    (written when the trainer is ready)
//   metrics.jsonl    every event, one per line, append-only (its one writer is the trainer: metrics-log.ts)
//   events.out.tfevents.<unix seconds>.<host>.<pid>.<n>
//                    the same events as a TensorBoard log, one file per process that trained the run, in the run
//                    folder itself so that `tensorboard --logdir PROJECT/runs` names each run by its folder (written
//                    by metrics-log.ts through tensorboard-log.ts; cut back with metrics.jsonl on resume)
//   checkpoint.bin   the latest checkpoint, and checkpoint.best.bin with its record (checkpoint.ts, early-stopping.ts)
//   summary.json     the end of the run (at the end); run.lock while a process trains it (src-main/services/lock.ts)
//
// Every file is read through safe-file.ts (a link out of the folder, a FIFO or an oversized file reads as missing)
// and written atomically (write, then rename). Folders of earlier versions still open: a run.json without format or
// version (the first releases) reads as version 1, settings added since read as their old behaviour
// (withLaterSettings), and a folder without request.json (a run from the CLI before version 2) gets one made from its
// run.json, so the studio lists it.

import { closeSync, lstatSync, readSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CELL_TYPES, cellName, isCellType } from '../../src-shared/cells';
import { dataRequestOf, type DataRequest, type ModelChoice, type RunSummary } from '../../src-shared/dataset';
import { InputError } from '../../src-shared/errors';
import type { TrainingEvent } from '../../src-shared/events';
import { withLaterSettings, type ModelSpec, type TrainSettings } from '../../src-shared/model';
import type { DataChoices, StartRunRequest } from '../../src-shared/studio-api';
import { BEST_CHECKPOINT, checkpointStep, writeFileAtomic } from './checkpoint';
import type { DataTransforms } from './data-source';
import type { KernelVariant } from './kernels';
import { METRICS_FILE } from './metrics-log';
import { openInside, readInside } from './safe-file';

export { BEST_CHECKPOINT, checkpointStep } from './checkpoint';
export { METRICS_FILE } from './metrics-log';
export { EVENT_FILE_PREFIX, eventFiles } from './tensorboard-log';

export const REQUEST_FILE = 'request.json';
export const RUN_FILE = 'run.json';
export const SUMMARY_FILE = 'summary.json';
export const CHECKPOINT_FILE = 'checkpoint.bin';
/** The lock a process holds while it trains (or deletes) the run (src-main/services/lock.ts). */
export const RUN_LOCK = 'run.lock';

const MAX_JSON_FILE = 16 * 2 ** 20;
/** A history longer than this (hundreds of thousands of steps) is not read whole. */
const MAX_METRICS_FILE = 512 * 2 ** 20;
const TAIL_BYTES = 256 * 1024;

// ============================================== request.json ======================================================

export const REQUEST_FORMAT = 'sequence-studio-run-request';
/** 1: the studio's runs (datasetId always set); 2: the CLI's too (datasetId absent for a file outside the project). */
export const REQUEST_VERSION = 2;

/** request.json: what was asked, with the names shown in lists. */
export interface RunRequestFile extends Omit<StartRunRequest, 'datasetId'> {
  format: typeof REQUEST_FORMAT;
  version: 1 | 2;
  id: string;
  name: string;
  /** The project's dataset the run trains on; absent for a file the project does not hold (a CLI run). */
  datasetId?: string;
  datasetName: string;
  createdAt: string;
  /** Who started it: the studio (default), `seqstudio train`, or PyTorch (a training bundle's output, imported). */
  origin?: 'studio' | 'cli' | 'pytorch';
  /** An imported run: the bundle output folder it was imported from (workers/bundle/import-run.ts). */
  importedFrom?: string;
  forkOf?: { runId: string; step: number };
}

/** The name a run is listed under: "LSTM 2×128 on tinyshakespeare.txt". */
export function runName(model: ModelChoice, datasetName: string): string {
  return `${cellName(model.cell)} ${model.layers}×${model.hiddenSize}${model.bidirectional ? ' bi' : ''} on ${datasetName}`;
}

export function writeRequest(runDir: string, request: RunRequestFile): void {
  writeJson(runDir, REQUEST_FILE, request);
}

/**
 * request.json, or (for a run from the CLI of an earlier version) the request made from its run.json; undefined
 * when the folder is not a run (no such files, damaged, foreign, or a cell this version does not know).
 */
export function readRequest(runDir: string): RunRequestFile | undefined {
  if (!present(runDir, REQUEST_FILE)) return requestFromRecord(runDir);
  const r = readJson<RunRequestFile>(runDir, REQUEST_FILE);
  // a damaged or foreign request.json reads as "not a run" rather than breaking the list
  if (!isObject(r) || r.format !== REQUEST_FORMAT || !(r.version === 1 || r.version === 2)) return undefined;
  const strings = ['id', 'name', 'datasetName', 'createdAt'].every((k) => typeof (r as unknown as Record<string, unknown>)[k] === 'string');
  const dataset = r.datasetId === undefined ? r.version === 2 : typeof r.datasetId === 'string';
  if (!strings || !dataset || !isObject(r.data) || !isObject(r.model) || !isObject(r.settings) || !Number.isInteger(r.settings.steps)) return undefined;
  return { ...r, settings: withLaterSettings(r.settings) };
}

/** The request of a run.json-only folder (a CLI run of an earlier version): listed under its folder's name. */
function requestFromRecord(runDir: string): RunRequestFile | undefined {
  let run: RunRecord;
  try {
    run = readRecord(runDir);
  } catch {
    return undefined;
  }
  const datasetName = basename(run.data.path);
  const { path: _path, ...data } = dataRequestOf(run.data);
  return {
    format: REQUEST_FORMAT,
    version: REQUEST_VERSION,
    id: basename(runDir),
    name: runName(run.model, datasetName),
    datasetName,
    createdAt: run.createdAt ?? new Date(0).toISOString(),
    origin: 'cli',
    data: data as DataChoices,
    model: run.model,
    settings: run.settings,
    workers: run.workers,
  };
}

// ============================================== run.json ===========================================================

export const RUN_FORMAT = 'sequence-studio-run';
export const RUN_VERSION = 1;

/** The data as the run read it: the request, and what was found (size, SHA-256, format, summary, warnings). */
export interface RecordedData extends DataRequest {
  bytes: number;
  sha256: string;
  format: DataRequest['format'];
  formatReason?: string;
  summary?: string;
  warnings?: string[];
  baseline?: RunSummary['baseline'];
}

/** run.json: what the trainer built, enough to reopen, resume, predict and export the run. */
export interface RunRecord {
  format: typeof RUN_FORMAT;
  version: typeof RUN_VERSION;
  createdAt: string;
  data: RecordedData;
  model: ModelChoice;
  spec: ModelSpec;
  parameterCount: number;
  settings: TrainSettings;
  transforms: DataTransforms;
  kernels: KernelVariant;
  workers: number;
}

export function writeRecord(runDir: string, record: RunRecord): void {
  writeJson(runDir, RUN_FILE, record);
}

/**
 * run.json, checked: throws an InputError naming the folder when it is not a run folder (no run.json) or the file is
 * not a run record this version reads.
 */
export function readRecord(runDir: string): RunRecord {
  let text: string;
  try {
    text = readInside(runDir, RUN_FILE, MAX_JSON_FILE).toString('utf8');
  } catch {
    throw new InputError(`${runDir}: not a run folder (no run.json); train one with seqstudio train --out DIR`);
  }
  const path = join(runDir, RUN_FILE);
  let r: Partial<RunRecord>;
  try {
    r = JSON.parse(text) as Partial<RunRecord>;
  } catch {
    throw new InputError(`${path}: not a valid run record (it is not JSON)`);
  }
  if (!isObject(r) || (r.format !== undefined && r.format !== RUN_FORMAT)) throw new InputError(`${path}: not a run record`);
  if (typeof r.version === 'number' && r.version > RUN_VERSION) throw new InputError(`${path} was written by a newer Sequence Studio (run version ${r.version}; this one reads ${RUN_VERSION}); update the studio to open it`);
  const spec = r.spec;
  if (!isObject(spec) || !isObject(spec.stack) || !isObject(spec.input) || !isObject(spec.output)) throw new InputError(`${path}: not a valid run record (no model spec)`);
  if (!isCellType(spec.stack.cell)) throw new InputError(`${path}: the run's cell "${String(spec.stack.cell)}" is not one this version knows (${CELL_TYPES.join(', ')})`);
  if (!isObject(r.data) || typeof r.data.path !== 'string') throw new InputError(`${path}: not a valid run record (it does not name its data)`);
  if (!isObject(r.model) || !isObject(r.settings) || !isObject(r.transforms)) throw new InputError(`${path}: not a valid run record (it lacks the model, settings or fitted transforms)`);
  return { format: RUN_FORMAT, version: RUN_VERSION, ...r, settings: withLaterSettings(r.settings), workers: r.workers ?? 1 } as RunRecord;
}

/** run.json, or undefined when the folder has none (yet) or it is damaged. */
export function tryReadRecord(runDir: string): RunRecord | undefined {
  try {
    return readRecord(runDir);
  } catch {
    return undefined;
  }
}

/**
 * A run's data request with the token units its fitted transforms used pinned in (encoder–decoder: per side), so
 * that continuing or exporting it rebuilds the data it trained on even where today's proposal would cut it otherwise
 * (a run from before per-side tokens read both sides as characters). Unchanged without a record (none yet).
 */
export function withRecordedTokens<D extends Partial<DataRequest>>(run: RunRecord | undefined, data: D): D {
  const t = run?.transforms;
  if (t?.kind !== 'pairs') return data;
  return { ...data, tokens: data.tokens ?? t.source.tokens, targetTokens: data.targetTokens ?? t.target.tokens };
}

// ============================================== summary.json =======================================================

export function writeSummary(runDir: string, summary: RunSummary): void {
  writeJson(runDir, SUMMARY_FILE, summary);
}

export function readSummary(runDir: string): RunSummary | undefined {
  const s = readJson<RunSummary>(runDir, SUMMARY_FILE);
  return isObject(s) && typeof s.steps === 'number' ? s : undefined;
}

// ============================================== metrics.jsonl (read) ===============================================

function parseLines(lines: string[]): TrainingEvent[] {
  const out: TrainingEvent[] = [];
  for (const line of lines) {
    if (line === '') continue;
    try {
      const e = JSON.parse(line) as TrainingEvent | null;
      if (typeof e === 'object' && e !== null && typeof e.type === 'string' && typeof e.step === 'number') out.push(e);
    } catch {
      // a line torn by a kill: the events before and after it still count
    }
  }
  return out;
}

/** The last events of metrics.jsonl, parsed (a torn last line from a kill is skipped). */
export function readLastEvents(runDir: string): TrainingEvent[] {
  let opened;
  try {
    opened = openInside(runDir, METRICS_FILE);
  } catch {
    return [];
  }
  const { fd, stats } = opened;
  const start = Math.max(0, stats.size - TAIL_BYTES);
  const buf = Buffer.alloc(stats.size - start);
  try {
    readSync(fd, buf, 0, buf.length, start);
  } finally {
    closeSync(fd);
  }
  const lines = buf.toString('utf8').split('\n');
  if (start > 0) lines.shift(); // probably cut in the middle
  return parseLines(lines);
}

/**
 * Every event of a run in order. A run continued after a kill re-reports the steps after its last checkpoint: the
 * later report wins (events from the abandoned stretch are dropped), so each step is there once.
 */
export function readEvents(runDir: string): TrainingEvent[] {
  let text: string;
  try {
    text = readInside(runDir, METRICS_FILE, MAX_METRICS_FILE).toString('utf8');
  } catch {
    return [];
  }
  const events: TrainingEvent[] = [];
  let lastStep = -1;
  for (const e of parseLines(text.split('\n'))) {
    if (e.type === 'step') {
      // a continued run starts again after its checkpoint: what it reported past that point before is dropped
      if (e.step <= lastStep) while (events.length > 0 && events[events.length - 1].step >= e.step) events.pop();
      lastStep = e.step;
    }
    events.push(e);
  }
  return events;
}

// ============================================== checkpoints ========================================================

/** The checkpoints a run keeps (the latest, then the best evaluation's when it differs), with their steps. */
export function keptCheckpoints(runDir: string): { path: string; step: number }[] {
  const out: { path: string; step: number }[] = [];
  for (const name of [CHECKPOINT_FILE, BEST_CHECKPOINT]) {
    const path = join(runDir, name);
    const step = checkpointStep(path); // undefined when missing, damaged, a link out of the run or not a regular file
    if (step !== undefined && !out.some((c) => c.step === step)) out.push({ path, step });
  }
  return out;
}

// ============================================== helpers ============================================================

/** Whether the folder holds an entry of this name (a file, or a link, wherever it leads). */
function present(runDir: string, name: string): boolean {
  try {
    lstatSync(join(runDir, name));
    return true;
  } catch {
    return false;
  }
}

function isObject(v: unknown): v is Record<string, unknown> & object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A run folder's JSON file; damaged, missing, oversized, a link out of the folder or not a regular file: undefined. */
function readJson<T>(runDir: string, name: string): T | undefined {
  try {
    return JSON.parse(readInside(runDir, name, MAX_JSON_FILE).toString('utf8')) as T;
  } catch {
    return undefined; // a damaged file reads as missing; the run is still listed from what remains
  }
}

function writeJson(runDir: string, name: string, value: unknown): void {
  writeFileAtomic(join(runDir, name), JSON.stringify(value, null, 2) + '\n');
}
