// The studio's view of a project's run folders: what each run is (RunInfo) and everything it reported (its history,
// thinned for drawing), so the studio shows every run's charts as they were after a restart — runs it started and
// runs `seqstudio train` made in the project alike. The files themselves are read through the run folder module
// (workers/engine/run-folder.ts); a run.lock held by another process shows the run as 'elsewhere'.
// A run's status comes from its last event: a `done` event says how it ended; no `done` and no live trainer means
// it was interrupted (the process died) and can be continued from its checkpoint.

import { join } from 'node:path';
import type { DoneEvent, StepEvent, TrainingEvent } from '../../src-shared/events';
import type { RunInfo } from '../../src-shared/studio-api';
import { CHECKPOINT_FILE, checkpointStep, keptCheckpoints, readEvents, readLastEvents, readRequest, readSummary, RUN_LOCK, tryReadRecord } from '../../workers/engine/run-folder';
import { lockHolder } from './lock';

export { keptCheckpoints, readRequest, RUN_LOCK, type RunRequestFile } from '../../workers/engine/run-folder';

/** Step events kept in a history sent to the page; longer runs are thinned evenly (extremes of the loss kept). */
export const HISTORY_STEP_LIMIT = 50_000;
const HISTORY_DIAGNOSTICS_LIMIT = 400;

/** RunInfo of a run that is not live in this process (finished, stopped, diverged, failed, or interrupted). */
export function readRunInfo(runDir: string, id: string): RunInfo | undefined {
  const req = readRequest(runDir);
  if (!req) return undefined;
  const run = tryReadRecord(runDir);
  const summary = readSummary(runDir);
  const tail = readLastEvents(runDir);
  const lastStep = [...tail].reverse().find((e): e is StepEvent => e.type === 'step');
  const last = tail.at(-1);
  const done = last?.type === 'done' ? (last as DoneEvent) : undefined;
  const holder = lockHolder(join(runDir, RUN_LOCK));
  const elsewhere = holder?.purpose === 'train' ? holder : undefined;
  return {
    id,
    name: req.name,
    datasetId: req.datasetId ?? '',
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
    resumable: checkpointStep(join(runDir, CHECKPOINT_FILE)) !== undefined,
    checkpointSteps: keptCheckpoints(runDir).map((c) => c.step),
    ...(req.forkOf ? { forkOf: req.forkOf } : {}),
  };
}

/** Every event of a run in order, each step once (run-folder.ts readEvents); very long runs thinned for drawing. */
export function readHistory(runDir: string): TrainingEvent[] {
  return thin(readEvents(runDir));
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
