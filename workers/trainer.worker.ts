// A trainer worker thread: runs one training run (or the benchmark) so nothing heavy touches the main thread.
// Owns its WASM instance and memory; knows nothing of Electron or Vue. Controlled by the typed messages of
// protocol.ts: start → ready, then step / diagnostics / evaluation / checkpoint events until done.
// Every ~50 ms of training it yields to the event loop, so pause, resume and stop act within that time.
// A run ends after its steps, when `patience` evaluations in a row did not improve on the best (early stopping), when
// its time budget is spent, or when stopped; in the first three cases it ends with the best evaluation's parameters
// (engine/early-stopping.ts keeps the count, across a kill and a resume too).
//
// Data-parallel runs (workers > 1): this worker is rank 0; it starts the other ranks as worker threads of this
// same file (workerData.peer), which train their share of each batch and meet it at the barriers of
// engine/parallel.ts. Only rank 0 talks to the main process.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { StopReason } from '../src-shared/dataset';
import type { EvaluationEvent, StepEvent, TrainingEvent } from '../src-shared/events';
import { isBetterEvaluation } from '../src-shared/metrics';
import { DEFAULT_TRAIN_SETTINGS, withLaterSettings, type ModelSpec, type TrainSettings } from '../src-shared/model';
import relaxedWasm from './kernels/build/kernels.relaxed.wasm?asset';
import simdWasm from './kernels/build/kernels.simd.wasm?asset';
import { BENCH_CONFIGS, benchData, benchSpec, benchTrainer, timeSteps } from './engine/bench';
import { profileBench } from './engine/profile';
import { BEST_CHECKPOINT, encodeCheckpoint, readCheckpoint, writeFileAtomic } from './engine/checkpoint';
import { BEST_RECORD, BestTracker, readBestRecord } from './engine/early-stopping';
import { MetricsLog } from './engine/metrics-log';
import type { TrainingData } from './engine/data-source';
import type { Recipe } from '../src-shared/dataset';
import { specFor } from '../src-shared/estimate';
import { hasCellState } from '../src-shared/cells';
import { enableRelaxedSimd, loadKernels } from './engine/kernels';
import { buildLayout, parameterCount } from './engine/layout';
import { CMD_STOP, CMD_TRAIN, createSharedRun, ParallelRank, type SharedRun } from './engine/parallel';
import { NonFiniteError, Trainer, type TrainerState } from './engine/trainer';
import { inspectFile, loadTrainingData, type LoadedData } from './data/load';
import type { FromTrainer, RunSummary, StartBench, StartGenerateBench, StartRun, ToTrainer } from './protocol';
import { predict } from './predict';
import { ExportInputError, exportRunFolder } from './export/export-run';
import { benchGenerate } from './export/bench-generate';

if (!parentPort) throw new Error('trainer.worker must run in a worker thread');
const port = parentPort;
const post = (m: FromTrainer): void => port.postMessage(m);

enableRelaxedSimd();
const kernels = () => loadKernels({ simd: simdWasm, relaxed: relaxedWasm });

/** What rank 0 hands each other rank of a data-parallel run. */
interface PeerInit {
  rank: number;
  shared: SharedRun;
  spec: ModelSpec;
  settings: TrainSettings;
  /** The run's data, or a benchmark configuration's name. */
  source: { kind: 'run'; req: StartRun } | { kind: 'bench'; config: string };
}

// ============================================== a data-parallel group (rank 0's side) ===========================

class Group {
  readonly rank: ParallelRank;
  private readonly peers: Worker[] = [];
  private failure?: string;

  constructor(trainer: Trainer, count: number, spec: ModelSpec, settings: TrainSettings, source: PeerInit['source']) {
    const enc = trainer.net.layout.encoder;
    const carryFloats = trainer.data.stateful ? enc.layers * enc.directions * settings.batchSize * enc.hiddenSize : 0;
    const shared = createSharedRun(count, trainer.net.layout.size, carryFloats, hasCellState(enc.cell));
    this.rank = new ParallelRank(trainer, shared, 0, false);
    this.rank.publishInitialState();
    for (let r = 1; r < count; r++) {
      const peer = new Worker(fileURLToPath(import.meta.url), { workerData: { peer: { rank: r, shared, spec, settings, source } satisfies PeerInit } });
      peer.on('message', (m: { type: string; message?: string }) => {
        if (m.type === 'peer-error') this.fail(`worker ${r}: ${m.message}`);
      });
      peer.on('error', (e) => this.fail(`worker ${r} crashed: ${e.message}`));
      peer.on('exit', (code) => {
        if (code !== 0) this.fail(`worker ${r} stopped unexpectedly (exit code ${code})`);
      });
      this.peers.push(peer);
    }
  }

  private fail(message: string): void {
    this.failure ??= message;
    this.rank.abort();
  }

  async step(): Promise<StepEvent> {
    this.rank.setCommand(CMD_TRAIN);
    try {
      return (await this.rank.step())!;
    } catch (e) {
      if (this.failure) throw new Error(this.failure);
      throw e;
    }
  }

  /** Tells the other ranks to finish and waits for them. */
  async close(): Promise<void> {
    if (!this.failure) {
      this.rank.setCommand(CMD_STOP);
      try {
        await this.rank.step();
      } catch {
        // a failed peer: terminate below
      }
    }
    await Promise.all(this.peers.map((p) => p.terminate()));
  }
}

// ============================================== messages =========================================================

let paused = false;
let stopRequested = false;
let wake: (() => void) | undefined;

const peerInit = (workerData as { peer?: PeerInit } | null)?.peer;
if (peerInit) void runPeer(peerInit);
else
  port.on('message', (msg: ToTrainer) => {
    switch (msg.type) {
      case 'start':
        void run(msg);
        break;
      case 'bench':
        void bench(msg);
        break;
      case 'bench-generate':
        void benchGenerateAll(msg);
        break;
      case 'inspect':
        inspectFile(msg.path, msg.format, msg.choice, (p) => post({ type: 'import-progress', ...p }), (data, recipe) => timeRecipe(kernels().exports, data, recipe)).then(
          (r) => post({ type: 'inspection', ...r }),
          (e: Error) => post({ type: 'fatal', message: e.message }),
        );
        break;
      case 'predict':
        predict(kernels().exports, msg).then(post, (e: Error) => post({ type: 'fatal', message: e.message }));
        break;
      case 'export':
        exportRunFolder(kernels().exports, msg).then(
          (r) => post({ type: 'export-result', ...r }),
          (e: Error) => post({ type: 'export-failed', message: e.message, badInput: e instanceof ExportInputError }),
        );
        break;
      case 'pause':
        paused = true;
        break;
      case 'resume':
        paused = false;
        wake?.();
        break;
      case 'stop':
        stopRequested = true;
        wake?.();
        break;
      default:
        throw new Error(`Unsupported message type: ${(msg as { type: string }).type}`);
    }
  });

const yieldToMessages = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Seconds per training step of a recipe's model on the built data, measured: one warm-up step, then steps for about
 * a third of a second. Scaled to the recipe's batch (and, for text, its chunk length) when the data was built with
 * another.
 */
function timeRecipe(exports: ReturnType<typeof kernels>['exports'], data: TrainingData & { builtBatch?: number }, recipe: Recipe): number {
  const spec = specFor(data.model, recipe.model);
  const settings: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS, ...recipe.settings, batchSize: data.builtBatch ?? recipe.settings.batchSize, steps: 1e9, diagnosticsEvery: 0, evaluateEvery: 0, checkpointEvery: 0, patience: 0, timeBudgetSeconds: 0 };
  const trainer = new Trainer(exports, spec, settings, data);
  const at = data.cursor();
  try {
    trainer.trainStep();
    let n = 0;
    const t0 = performance.now();
    while (n < 20 && (n < 2 || performance.now() - t0 < 300)) {
      trainer.trainStep();
      n++;
    }
    const perStep = (performance.now() - t0) / 1000 / n;
    const scale = recipe.settings.batchSize / settings.batchSize * (data.stateful && spec.shape === 'many-to-many' ? recipe.settings.sequenceLength / 64 : 1);
    return perStep * scale;
  } finally {
    data.seek(at); // the stream stays where it was (previews, resume)
  }
}

// ============================================== a run ============================================================

async function buildRun(req: StartRun, progress = false): Promise<{ data: LoadedData; spec: ModelSpec; settings: TrainSettings }> {
  const data = await loadTrainingData(req.data, req.settings, progress ? (p) => post({ type: 'import-progress', ...p }) : undefined);
  const m = req.model;
  const spec = specFor(data.model, m);
  if (spec.shape === 'many-to-many' && m.bidirectional && data.stateful) throw new Error('a bidirectional model cannot predict the next step: it would read the future. Drop --bidirectional for next-step prediction');
  const settings = withLaterSettings(req.settings); // a run saved before a setting existed trains as it did
  if (req.epochs !== undefined) settings.steps = Math.max(1, Math.round(req.epochs * data.batchesPerEpoch));
  const workers = req.workers ?? 1;
  if (workers > settings.batchSize) throw new Error(`${workers} workers need a batch of at least ${workers} sequences (batch is ${settings.batchSize})`);
  return { data, spec, settings };
}

/** The checkpoint state this rank starts from (its own rows of the carried state), or undefined. */
function resumeState(req: StartRun, spec: ModelSpec, settings: TrainSettings, rank: number, count: number): TrainerState | undefined {
  if (!req.resume) return undefined;
  const state = readCheckpoint(join(req.runDir, 'checkpoint.bin'));
  if (count === 1) return state;
  const enc = buildLayout(spec).encoder;
  return ParallelRank.shardCarry(state, enc.layers * enc.directions, enc.hiddenSize, settings.batchSize, rank, count);
}

async function run(req: StartRun): Promise<void> {
  let trainer: Trainer | undefined;
  let group: Group | undefined;
  let log: MetricsLog | undefined;
  const count = req.workers ?? 1;
  try {
    const { exports, variant } = kernels();
    const { data, spec, settings: s } = await buildRun(req, true);
    mkdirSync(req.runDir, { recursive: true });
    const ckptPath = join(req.runDir, 'checkpoint.bin');
    const state = resumeState(req, spec, s, 0, count);
    trainer = new Trainer(exports, spec, s, data, state, count > 1 ? { rank: 0, count } : undefined);
    if (count > 1) group = new Group(trainer, count, spec, s, { kind: 'run', req });
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
    while (!trainer.finished && !stopRequested && !ending) {
      if (paused) {
        metrics.flush();
        post({ type: 'paused', step: trainer.step });
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
        if (stopRequested) break;
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
    const stopReason: StopReason = ending ?? (stopRequested ? 'stopped' : 'finished');
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
      finish({ type: 'done', reason: stopRequested ? 'stopped' : 'finished', step: trainer.step });
      return;
    }
    const st = trainer.state();
    // The held-out test split, once, with the final parameters (after a restore: the best).
    const testBatches = stopReason === 'stopped' ? [] : (data.testBatches?.() ?? []);
    const testEval = testBatches.length ? trainer.evaluate(testBatches) : undefined;
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
    };
    finish({ type: 'done', reason: stopReason === 'stopped' ? 'stopped' : 'finished', step: trainer.step, summary });
  } catch (e) {
    await group?.close();
    if (e instanceof NonFiniteError) {
      // Keep what the run had: the last good checkpoint stays on disk (the diverged state is not written).
      finish({ type: 'done', reason: 'diverged', step: e.location.step, message: `${e.message}. Fork or resume it from a checkpoint (its best is kept) with a lower learning rate or gradient clipping.`, nonFinite: e.location });
    } else {
      finish({ type: 'done', reason: 'error', step: trainer?.step ?? 0, message: (e as Error).message });
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

// ============================================== another rank of a data-parallel run =============================

async function runPeer(init: PeerInit): Promise<void> {
  try {
    const { exports } = kernels();
    let data: TrainingData;
    let state: TrainerState | undefined;
    if (init.source.kind === 'run') {
      const req = init.source.req;
      data = (await buildRun(req)).data;
      state = resumeState(req, init.spec, init.settings, init.rank, init.shared.count);
    } else {
      const name = init.source.config;
      data = benchData(BENCH_CONFIGS.find((c) => c.name === name)!);
    }
    const trainer = new Trainer(exports, init.spec, init.settings, data, state, { rank: init.rank, count: init.shared.count });
    const rank = new ParallelRank(trainer, init.shared, init.rank, true);
    rank.adoptSharedState();
    for (;;) {
      try {
        if ((await rank.step()) === null) break;
      } catch (e) {
        if (e instanceof NonFiniteError) continue; // rank 0 reports it and stops everyone
        throw e;
      }
    }
  } catch (e) {
    port.postMessage({ type: 'peer-error', message: (e as Error).message });
  }
}

// ============================================== benchmark ========================================================

async function bench(req: StartBench): Promise<void> {
  try {
    const { exports, variant } = kernels();
    const workers = req.workers ?? 1;
    for (const name of req.configs) {
      const c = BENCH_CONFIGS.find((x) => x.name === name);
      if (!c) throw new Error(`no benchmark configuration "${name}" (have ${BENCH_CONFIGS.map((x) => x.name).join(', ')})`);
      let r;
      if (workers === 1) r = await benchTrainer(exports, c, { seconds: req.seconds });
      else {
        const spec = benchSpec(c);
        const settings = { ...benchSettings, batchSize: c.batch, sequenceLength: c.seqLen, steps: 1e9 };
        const trainer = new Trainer(exports, spec, settings, benchData(c), undefined, { rank: 0, count: workers });
        const group = new Group(trainer, workers, spec, settings, { kind: 'bench', config: c.name });
        try {
          r = await timeSteps(c, trainer.net.layout, workers, { seconds: req.seconds }, async () => {
            await group.step();
          });
        } finally {
          await group.close();
        }
      }
      const profile = req.profile ? profileBench(exports, c, { seconds: Math.min(req.seconds, 2) }) : undefined;
      post({ type: 'bench-result', config: c.name, description: c.description, workers, kernels: variant, tokensPerSecond: r.tokensPerSecond, gflops: r.gflops, msPerStep: r.msPerStep, profile });
      await yieldToMessages();
      if (stopRequested) break;
    }
    post({ type: 'bench-done' });
  } catch (e) {
    post({ type: 'fatal', message: (e as Error).message });
  }
}

/** `bench --generate`: generation speed of each configuration, ours beside onnxruntime (export/bench-generate.ts). */
async function benchGenerateAll(req: StartGenerateBench): Promise<void> {
  try {
    const { exports, variant } = kernels();
    for (const name of req.configs) {
      const c = BENCH_CONFIGS.find((x) => x.name === name);
      if (!c) throw new Error(`no benchmark configuration "${name}" (have ${BENCH_CONFIGS.map((x) => x.name).join(', ')})`);
      const r = await benchGenerate(exports, c, { tokens: req.tokens, repeats: req.repeats });
      post({ type: 'bench-generate-result', kernels: variant, ...r });
      await yieldToMessages();
      if (stopRequested) break;
    }
    post({ type: 'bench-done' });
  } catch (e) {
    post({ type: 'fatal', message: (e as Error).message });
  }
}

/** The benchmark's optimiser settings: plain Adam, no clipping, no telemetry (as benchTrainer). */
const benchSettings: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS, learningRate: 1e-3, clipNorm: 0, diagnosticsEvery: 0, evaluateEvery: 0, checkpointEvery: 0 };
