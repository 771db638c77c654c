// Reads a project's run folders back: what each run is (RunInfo) and everything it reported (its history), so the
// studio shows every run's charts as they were after a restart. Writing is runs.ts' job; this file only reads.
//
// A run folder (runs/<id>/):
//   request.json     what the person asked for: dataset, data choices, design, settings (written at start)
//   run.json         what the trainer built: spec, parameters, transforms, data file size and SHA-256 (at ready)
//   metrics.jsonl    every event, one per line, append-only; every step up to the checkpoint's is on disk before it,
//                    and a continued run cuts what came after the checkpoint, so each step is recorded once
//   checkpoint.bin   the latest checkpoint (atomic), summary.json (at the end), export/ (ONNX files)
//   run.lock         while a process trains the run (lock.ts); the run shows as 'elsewhere' in other processes
// Every file is read through safe-file.ts: a link leading out of the run folder or a FIFO reads as missing.
// A run's status comes from its last event: a `done` event says how it ended; no `done` and no live trainer means
// it was interrupted (the process died) and can be continued from its checkpoint.

import { closeSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../../src-shared/dataset';
import type { DoneEvent, StepEvent, TrainingEvent } from '../../src-shared/events';
import type { ModelSpec } from '../../src-shared/model';
import type { RunInfo, StartRunRequest } from '../../src-shared/studio-api';
import { BEST_CHECKPOINT, checkpointStep } from '../../workers/engine/checkpoint';
import { METRICS_FILE } from '../../workers/engine/metrics-log';
import { openInside, readInside } from '../../workers/engine/safe-file';
import { lockHolder } from './lock';

/** request.json: the person's request, with the names shown in lists. */
export interface RunRequestFile extends StartRunRequest {
  format: 'sequence-studio-run-request';
  version: 1;
  id: string;
  name: string;
  datasetName: string;
  createdAt: string;
  forkOf?: { runId: string; step: number };
}

interface RunJson {
  spec?: ModelSpec;
  parameterCount?: number;
  settings?: { steps: number };
  data?: { summary?: string; baseline?: RunInfo['baseline'] };
}

const TAIL_BYTES = 256 * 1024;
/** A history longer than this (hundreds of thousands of steps) is not read whole. */
const MAX_METRICS_FILE = 512 * 2 ** 20;
/** Step events kept in a history sent to the page; longer runs are thinned evenly (extremes of the loss kept). */
export const HISTORY_STEP_LIMIT = 50_000;
const HISTORY_DIAGNOSTICS_LIMIT = 400;

/** The lock a process holds while it trains (or deletes) the run (lock.ts). */
export const RUN_LOCK = 'run.lock';
const MAX_JSON_FILE = 16 * 2 ** 20;

/** A run folder's JSON file; damaged, missing, oversized, a link out of the folder or not a regular file: undefined. */
function readJson<T>(runDir: string, name: string): T | undefined {
  try {
    return JSON.parse(readInside(runDir, name, MAX_JSON_FILE).toString('utf8')) as T;
  } catch {
    return undefined; // a damaged file reads as missing; the run is still listed from what remains
  }
}

export function readRequest(runDir: string): RunRequestFile | undefined {
  const r = readJson<RunRequestFile>(runDir, 'request.json');
  const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(r) || r!.format !== 'sequence-studio-run-request') return undefined;
  // a damaged or foreign request.json reads as "not a run" rather than breaking the list
  const ok = ['id', 'name', 'datasetId', 'datasetName', 'createdAt'].every((k) => typeof (r as unknown as Record<string, unknown>)[k] === 'string') && isObject(r!.data) && isObject(r!.model) && isObject(r!.settings) && Number.isInteger(r!.settings.steps);
  return ok ? r : undefined;
}

/** The last lines of metrics.jsonl, parsed (a torn last line from a kill is skipped). */
function tailEvents(runDir: string): TrainingEvent[] {
  let opened;
  try {
    opened = openInside(runDir, METRICS_FILE);
  } catch {
    return [];
  }
  const { fd, stats } = opened;
  const size = stats.size;
  const start = Math.max(0, size - TAIL_BYTES);
  const buf = Buffer.alloc(size - start);
  try {
    readSync(fd, buf, 0, buf.length, start);
  } finally {
    closeSync(fd);
  }
  const lines = buf.toString('utf8').split('\n');
  if (start > 0) lines.shift(); // probably cut in the middle
  return parseLines(lines);
}

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

/** RunInfo of a run that is not live in this process (finished, stopped, diverged, failed, or interrupted). */
export function readRunInfo(runDir: string, id: string): RunInfo | undefined {
  const req = readRequest(runDir);
  if (!req) return undefined;
  const runRaw = readJson<RunJson>(runDir, 'run.json');
  const run = typeof runRaw === 'object' && runRaw !== null ? runRaw : undefined;
  const summaryRaw = readJson<RunSummary>(runDir, 'summary.json');
  const summary = typeof summaryRaw === 'object' && summaryRaw !== null && typeof summaryRaw.steps === 'number' ? summaryRaw : undefined;
  const tail = tailEvents(runDir);
  const lastStep = [...tail].reverse().find((e): e is StepEvent => e.type === 'step');
  const last = tail.at(-1);
  const done = last?.type === 'done' ? (last as DoneEvent) : undefined;
  const holder = lockHolder(join(runDir, RUN_LOCK));
  const elsewhere = holder?.purpose === 'train' ? holder : undefined;
  return {
    id,
    name: req.name,
    datasetId: req.datasetId,
    datasetName: req.datasetName,
    status: elsewhere ? 'elsewhere' : done ? done.reason : 'interrupted',
    ...(elsewhere
      ? { message: `running in another process (pid ${elsewhere.pid}, since ${elsewhere.since}); shown read-only here` }
      : done?.message
        ? { message: done.message }
        : !done
          ? { message: 'the studio stopped while this run was training; continue it from its last checkpoint' }
          : {}),
    ...(done?.nonFinite ? { nonFinite: done.nonFinite } : {}),
    data: req.data,
    model: req.model,
    settings: req.settings,
    ...(run?.spec ? { spec: run.spec, parameterCount: run.parameterCount } : {}),
    ...(run?.data?.summary ? { dataSummary: run.data.summary } : {}),
    ...(run?.data?.baseline ? { baseline: run.data.baseline } : {}),
    step: lastStep?.step ?? done?.step ?? 0,
    totalSteps: run?.settings?.steps ?? req.settings.steps,
    createdAt: req.createdAt,
    workers: Number.isInteger(req.workers) && req.workers! > 0 ? req.workers! : 1,
    ...(summary ? { summary } : {}),
    resumable: checkpointStep(join(runDir, 'checkpoint.bin')) !== undefined,
    checkpointSteps: keptCheckpoints(runDir).map((c) => c.step),
    ...(req.forkOf ? { forkOf: req.forkOf } : {}),
  };
}

/**
 * Every event of a run in order. A run continued after a kill re-reports the steps after its last checkpoint: the
 * later report wins (events from the abandoned stretch are dropped). Very long runs are thinned for drawing.
 */
export function readHistory(runDir: string): TrainingEvent[] {
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
  return thin(events);
}

function thin(events: TrainingEvent[]): TrainingEvent[] {
  const steps = events.filter((e) => e.type === 'step').length;
  const diags = events.filter((e) => e.type === 'diagnostics').length;
  if (steps <= HISTORY_STEP_LIMIT && diags <= HISTORY_DIAGNOSTICS_LIMIT) return events;
  const stepEvery = Math.ceil(steps / HISTORY_STEP_LIMIT);
  const diagEvery = Math.ceil(diags / HISTORY_DIAGNOSTICS_LIMIT);
  const out: TrainingEvent[] = [];
  let s = 0;
  let d = 0;
  let bucket: StepEvent[] = [];
  const flush = (): void => {
    if (bucket.length === 0) return;
    // keep the bucket's lowest and highest loss so spikes survive thinning, in step order
    let lo = bucket[0];
    let hi = bucket[0];
    for (const b of bucket) {
      if (b.loss < lo.loss) lo = b;
      if (b.loss > hi.loss) hi = b;
    }
    const keep = lo === hi ? [lo] : lo.step < hi.step ? [lo, hi] : [hi, lo];
    out.push(...keep);
    bucket = [];
  };
  for (const e of events) {
    if (e.type === 'step') {
      bucket.push(e);
      if (++s % stepEvery === 0) flush();
    } else if (e.type === 'diagnostics') {
      if (d++ % diagEvery === 0) out.push(e);
    } else {
      flush();
      out.push(e);
    }
  }
  flush();
  return out;
}

/** The checkpoints a run keeps (the latest, then the best by validation loss when it differs), with their steps. */
export function keptCheckpoints(runDir: string): { path: string; step: number }[] {
  const out: { path: string; step: number }[] = [];
  for (const name of ['checkpoint.bin', BEST_CHECKPOINT]) {
    const path = join(runDir, name);
    const step = checkpointStep(path); // undefined when missing, damaged, a link out of the run or not a regular file
    if (step !== undefined && !out.some((c) => c.step === step)) out.push({ path, step });
  }
  return out;
}
