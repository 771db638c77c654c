// The train job: one training run in this worker thread, so nothing heavy touches the main thread. Owns its WASM
// instance and memory; knows nothing of Electron or Vue. Posts ready, then step / diagnostics / evaluation /
// checkpoint events until done; every ~50 ms of training it yields to the event loop, so pause, resume and stop act
// within that time. A run ends after its steps, when `patience` evaluations in a row did not improve on the best
// (early stopping), when its time budget is spent, or when stopped; in the first three cases it ends with the best
// evaluation's parameters (engine/early-stopping.ts keeps the count, across a kill and a resume too). With
// workers > 1 this worker is rank 0 of a data-parallel group (group.ts).
//
// This worker writes metrics.jsonl and the checkpoints of the run folder (engine/run-folder.ts); the run service
// (src-main/services/runs.ts) writes run.json and summary.json from what it posts.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StopReason } from '../../src-shared/dataset';
import type { EvaluationEvent, TrainingEvent } from '../../src-shared/events';
import { isBetterEvaluation } from '../../src-shared/metrics';
import { describeProblem, problemOf, SETTINGS, SettingError } from '../../src-shared/settings';
import { BEST_CHECKPOINT, encodeCheckpoint, readCheckpoint, writeFileAtomic } from '../engine/checkpoint';
import { BEST_RECORD, BestTracker, readBestRecord } from '../engine/early-stopping';
import { parameterCount } from '../engine/layout';
import { MetricsLog } from '../engine/metrics-log';
import { CHECKPOINT_FILE } from '../engine/run-folder';
import { NonFiniteError, Trainer, type TrainerState } from '../engine/trainer';
import type { FromTrainer, RunSummary, StartRun } from '../protocol';
import { buildRun, resumeState } from './build-run';
import { yieldToMessages, type JobContext } from './context';
import { Group } from './group';

/** Trains one run: see the file header. Never throws: however it ends, it posts its `done` event. */
export async function train(req: StartRun, ctx: JobContext): Promise<void> {
  const { post, steering } = ctx;
  let trainer: Trainer | undefined;
  let group: Group | undefined;
  let log: MetricsLog | undefined;
  const count = req.workers ?? 1;
  try {
    const { exports, variant } = ctx.kernels();
    const { data, spec, settings: s } = await buildRun(req, (p) => post({ type: 'import-progress', ...p }));
    mkdirSync(req.runDir, { recursive: true });
    const ckptPath = join(req.runDir, CHECKPOINT_FILE);
    const state = resumeState(req, spec, s, 0, count);
    trainer = new Trainer(exports, spec, s, data, state, count > 1 ? { rank: 0, count } : undefined);
    if (count > 1) group = new Group(ctx.workerFile, trainer, count, spec, s, { kind: 'run', req });
    // This worker is metrics.jsonl's only writer, so every step before a checkpoint is on disk before it.
    const metrics = new MetricsLog(req.runDir, req.resume ? trainer.step : undefined);
    log = metrics;
    post({ type: 'ready', spec, parameterCount: parameterCount(trainer.net.layout), kernels: variant, dataSummary: data.summary, transforms: data.transforms, startStep: trainer.step, settings: s, workers: count, dataFile: data.file, warnings: data.warnings, baseline: data.baseline });

    let lastFlush = performance.now();
    const emit = (e: TrainingEvent): void => {
      metrics.append(e);
      post(e);
    };
    const current = (): TrainerState => (group ? group.rank.state() : trainer!.state());
    const saveCheckpoint = (): void => {
      metrics.flush(true); // every event up to this step, durable, before the checkpoint that holds the step
      lastFlush = performance.now();
      writeFileAtomic(ckptPath, encodeCheckpoint(current()));
      emit({ type: 'checkpoint', step: trainer!.step, path: ckptPath });
    };
    // The best evaluation (by the primary validation metric, ties by the lower validation loss) and its checkpoint,
    // kept beside the latest: the last good state of a run that later diverged or over-fitted, where a fork can start,
    // and what a run with patience or a time budget ends with. Its record carries the early-stopping count.
    const keepBest = s.checkpointEvery > 0 || s.patience > 0 || s.timeBudgetSeconds > 0;
    const restoreBest = s.patience > 0 || s.timeBudgetSeconds > 0;
    const bestPath = join(req.runDir, BEST_CHECKPOINT);
    const tracker = new BestTracker(req.resume ? readBestRecord(req.runDir) : undefined);
    let lastEval: EvaluationEvent | undefined;
    let lastEvalStep = -1;
    /** Why the run ends before its last step, once it must. */
    let ending: 'early-stopped' | 'time-budget' | undefined;
    /** `counted`: the evaluation takes part in judging the best (not the off-schedule one of a stopped run). */
    const evaluate = (counted = true): void => {
      const e = trainer!.evaluate();
      const verdict = counted ? tracker.observe(e) : undefined;
      const judged = verdict === 'improved' || verdict === 'not-improved'; // not a replay, not off the schedule
      if (judged && tracker.best) Object.assign(e, { bestStep: tracker.best.step, sinceBest: tracker.sinceBest });
      if (keepBest && judged) {
        // the checkpoint first, then its record: a kill between them leaves a record the resumed run re-earns
        if (verdict === 'improved') writeFileAtomic(bestPath, encodeCheckpoint(current()));
        const record = tracker.record();
        if (record) writeFileAtomic(join(req.runDir, BEST_RECORD), JSON.stringify(record) + '\n');
      }
      lastEval = e;
      lastEvalStep = trainer!.step;
      emit(e);
      if (counted && tracker.exhausted(e.step, s.patience)) ending ??= 'early-stopped';
    };
    if (trainer.step === 0) evaluate();
    let slice = performance.now();
    while (!trainer.finished && !steering.stopRequested && !ending) {
      if (steering.paused) {
        metrics.flush();
        post({ type: 'paused', step: trainer.step });
        await steering.waitWhilePaused();
        if (steering.stopRequested) break;
        post({ type: 'resumed', step: trainer.step });
      }
      const stepEvent = group ? await group.step() : trainer.trainStep();
      emit(stepEvent);
      const step = trainer.step;
      if (s.diagnosticsEvery > 0 && (step % s.diagnosticsEvery === 0 || step === 1)) {
        group?.rank.reduceAll();
        emit(trainer.diagnostics());
      }
      if (s.evaluateEvery > 0 && step % s.evaluateEvery === 0 && !trainer.finished) evaluate();
      if (s.timeBudgetSeconds > 0 && stepEvent.seconds >= s.timeBudgetSeconds && !trainer.finished) ending ??= 'time-budget';
      if (s.checkpointEvery > 0 && step % s.checkpointEvery === 0 && !trainer.finished && !ending) saveCheckpoint();
      const now = performance.now();
      if (now - lastFlush > 1000) {
        metrics.flush(); // what the studio and other processes read while the run trains
        lastFlush = now;
      }
      if (now - slice > 50) {
        await yieldToMessages();
        slice = performance.now();
      }
    }
    const stopReason: StopReason = ending ?? (steering.stopRequested ? 'stopped' : 'finished');
    const trainedSteps = trainer.step - (state?.step ?? 0);
    // The last step's figures (not twice at one step, nor for a run stopped before its first step here). After Stop
    // that evaluation is off the run's schedule: it is not counted, so that Continue judges and stops exactly as the
    // run would have without the stop.
    if (trainedSteps > 0 && lastEvalStep !== trainer.step) evaluate(stopReason !== 'stopped');
    // Keras's restore_best_weights: a run that ended by itself ends with the best evaluation's parameters, at its last
    // step with that step's optimiser state and data position (so a Continue goes on from step N + 1 with the best
    // weights). Not after Stop: Continue then goes on exactly as if the run had not stopped.
    let restoredBest = false;
    const best = tracker.best;
    if (trainedSteps > 0 && restoreBest && stopReason !== 'stopped' && best && lastEval && isBetterEvaluation(best, lastEval)) {
      const saved = readBestCheckpoint(bestPath);
      if (saved?.step === best.step) {
        if (group) group.rank.adoptParameters(saved.params);
        else trainer.useParameters(saved.params);
        lastEval = { ...trainer.evaluate(), bestStep: best.step, restored: true };
        emit(lastEval);
        restoredBest = true;
      }
    }
    if (trainedSteps > 0 || !req.resume) saveCheckpoint();
    else metrics.flush(true);
    await group?.close();
    if (trainedSteps === 0) {
      // stopped before its first step here: no train loss to report, and an earlier summary.json stays as it was
      finish({ type: 'done', reason: steering.stopRequested ? 'stopped' : 'finished', step: trainer.step });
      return;
    }
    const st = trainer.state();
    // The held-out test split, once, with the final parameters (after a restore: the best).
    const testBatches = stopReason === 'stopped' ? [] : (data.testBatches?.() ?? []);
    const testEval = testBatches.length ? trainer.evaluate(testBatches) : undefined;
    // An encoder–decoder's decodes once more by beam search (the predict default), beside the greedy evaluation.
    let beam: RunSummary['beam'];
    if (stopReason !== 'stopped' && data.decodeSamples?.length) {
      const decoding = { beamWidth: SETTINGS.beamWidth.default, lengthPenalty: SETTINGS.lengthPenalty.default };
      const t0 = performance.now();
      const m = trainer.decodeMetrics(decoding);
      if (Object.keys(m).length) beam = { width: decoding.beamWidth, lengthPenalty: decoding.lengthPenalty, metrics: m, seconds: (performance.now() - t0) / 1000 };
    }
    const summary: RunSummary = {
      type: 'summary',
      steps: trainer.step,
      seconds: st.trainSeconds,
      trainLoss: trainer.trainLoss,
      valLoss: lastEval!.valLoss,
      tokensPerSecond: st.trainSeconds > (state?.trainSeconds ?? 0) ? ((trainer.step - (state?.step ?? 0)) * data.tokensPerBatch) / (st.trainSeconds - (state?.trainSeconds ?? 0)) : 0,
      metrics: lastEval!.metrics,
      baseline: data.baseline,
      runDir: req.runDir,
      stopReason,
      ...(best ? { bestStep: best.step } : {}),
      restoredBest,
      ...(testEval ? { test: { loss: testEval.valLoss, metrics: testEval.metrics, items: testBatches.reduce((n, b) => n + b.batchSize, 0) } } : {}),
      ...(beam ? { beam } : {}),
    };
    finish({ type: 'done', reason: stopReason === 'stopped' ? 'stopped' : 'finished', step: trainer.step, summary });
  } catch (e) {
    await group?.close();
    if (e instanceof NonFiniteError) {
      // Keep what the run had: the last good checkpoint stays on disk (the diverged state is not written).
      finish({ type: 'done', reason: 'diverged', step: e.location.step, message: `${e.message}. Fork or resume it from a checkpoint (its best is kept) with a lower learning rate or gradient clipping.`, nonFinite: e.location });
    } else {
      // the message in the studio's words; a problem about a setting also travels whole, for the CLI to say its way
      const problem = problemOf(e);
      finish({ type: 'done', reason: 'error', step: trainer?.step ?? 0, message: describeProblem(problem, 'studio'), ...(e instanceof SettingError ? { problem } : {}) });
    }
  }

  /** Logs how the run ended (without the summary: that is summary.json) and tells the main thread. */
  function finish(done: Extract<FromTrainer, { type: 'done' }>): void {
    let event = done;
    if (log) {
      try {
        log.append({ ...done, summary: undefined });
        log.flush(true);
      } catch (e) {
        // the log cannot take it (disk full): the run ends in error, saying so; what is on disk stays
        event = { ...done, reason: 'error', message: (e as Error).message, summary: undefined };
      }
      log.close();
    }
    post(event);
  }
}

/** The best checkpoint, or undefined when it is missing or damaged (the run then keeps its last parameters). */
function readBestCheckpoint(path: string): TrainerState | undefined {
  try {
    return readCheckpoint(path);
  } catch {
    return undefined;
  }
}
