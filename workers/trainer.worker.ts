// A trainer worker thread: runs one training run (or the benchmark) so nothing heavy touches the main thread.
// Owns its WASM instance and memory; knows nothing of Electron or Vue. Controlled by the typed messages of
// protocol.ts: start → ready, then step / diagnostics / evaluation / checkpoint events until done.
// Every ~50 ms of training it yields to the event loop, so pause, resume and stop act within that time.
//
// Data-parallel runs (workers > 1): this worker is rank 0; it starts the other ranks as worker threads of this
// same file (workerData.peer), which train their share of each batch and meet it at the barriers of
// engine/parallel.ts. Only rank 0 talks to the main process.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { StepEvent, TrainingEvent } from '../src-shared/events';
import { DEFAULT_TRAIN_SETTINGS, type ModelSpec, type TrainSettings } from '../src-shared/model';
import relaxedWasm from './kernels/build/kernels.relaxed.wasm?asset';
import simdWasm from './kernels/build/kernels.simd.wasm?asset';
import { BENCH_CONFIGS, benchData, benchSpec, benchTrainer, timeSteps } from './engine/bench';
import { profileBench } from './engine/profile';
import { BEST_CHECKPOINT, encodeCheckpoint, readBestValLoss, readCheckpoint, writeFileAtomic } from './engine/checkpoint';
import { MetricsLog } from './engine/metrics-log';
import type { TrainingData } from './engine/data-source';
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
    const shared = createSharedRun(count, trainer.net.layout.size, carryFloats, enc.cell === 'lstm');
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
        inspectFile(msg.path, msg.format, msg.choice, (p) => post({ type: 'import-progress', ...p })).then(
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

// ============================================== a run ============================================================

async function buildRun(req: StartRun, progress = false): Promise<{ data: LoadedData; spec: ModelSpec; settings: TrainSettings }> {
  const data = await loadTrainingData(req.data, req.settings, progress ? (p) => post({ type: 'import-progress', ...p }) : undefined);
  const m = req.model;
  const input = { ...data.model.input };
  if (input.vocabSize > 0 && m.embedSize > 0) input.embedSize = m.embedSize;
  const spec: ModelSpec = {
    shape: data.model.shape,
    input,
    stack: { cell: m.cell, layers: m.layers, hiddenSize: m.hiddenSize, bidirectional: m.bidirectional },
    output: data.model.output,
    dropout: m.dropout,
    forgetBias: m.cell === 'lstm' ? m.forgetBias : 0,
    decoder: data.model.decoder,
  };
  if (spec.shape === 'many-to-many' && m.bidirectional && data.stateful) throw new Error('a bidirectional model cannot predict the next step: it would read the future. Drop --bidirectional for next-step prediction');
  const settings = { ...req.settings };
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
    const saveCheckpoint = (): void => {
      metrics.flush(true); // every event up to this step, durable, before the checkpoint that holds the step
      lastFlush = performance.now();
      writeFileAtomic(ckptPath, encodeCheckpoint(group ? group.rank.state() : trainer!.state()));
      emit({ type: 'checkpoint', step: trainer!.step, path: ckptPath });
    };
    let lastEval: { valLoss: number; metrics: Record<string, number> } | undefined;
    // The best checkpoint (lowest validation loss so far) is kept beside the latest: the last good state of a run
    // that later diverged or over-fitted, where a fork can start again.
    let bestVal = req.resume ? readBestValLoss(req.runDir) : Number.POSITIVE_INFINITY;
    let lastEvalStep = -1;
    const evaluate = (): void => {
      const e = trainer!.evaluate();
      lastEval = e;
      lastEvalStep = trainer!.step;
      emit(e);
      if (s.checkpointEvery > 0 && Number.isFinite(e.valLoss) && e.valLoss < bestVal) {
        bestVal = e.valLoss;
        writeFileAtomic(join(req.runDir, BEST_CHECKPOINT), encodeCheckpoint(group ? group.rank.state() : trainer!.state()));
        writeFileAtomic(join(req.runDir, `${BEST_CHECKPOINT}.json`), JSON.stringify({ step: trainer!.step, valLoss: e.valLoss }) + '\n');
      }
    };
    if (trainer.step === 0) evaluate();
    let slice = performance.now();
    while (!trainer.finished && !stopRequested) {
      if (paused) {
        metrics.flush();
        post({ type: 'paused', step: trainer.step });
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
        if (stopRequested) break;
        post({ type: 'resumed', step: trainer.step });
      }
      emit(group ? await group.step() : trainer.trainStep());
      const step = trainer.step;
      if (s.diagnosticsEvery > 0 && (step % s.diagnosticsEvery === 0 || step === 1)) {
        group?.rank.reduceAll();
        emit(trainer.diagnostics());
      }
      if (s.evaluateEvery > 0 && step % s.evaluateEvery === 0 && !trainer.finished) evaluate();
      if (s.checkpointEvery > 0 && step % s.checkpointEvery === 0 && !trainer.finished) saveCheckpoint();
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
    const trainedSteps = trainer.step - (state?.step ?? 0);
    // a run stopped before its first step here is not evaluated twice at one step, nor its checkpoint rewritten
    if (trainedSteps > 0 && lastEvalStep !== trainer.step) evaluate();
    if (trainedSteps > 0 || !req.resume) saveCheckpoint();
    else metrics.flush(true);
    await group?.close();
    if (trainedSteps === 0) {
      // stopped before its first step here: no train loss to report, and an earlier summary.json stays as it was
      finish({ type: 'done', reason: stopRequested ? 'stopped' : 'finished', step: trainer.step });
      return;
    }
    const st = trainer.state();
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
    };
    finish({ type: 'done', reason: stopRequested ? 'stopped' : 'finished', step: trainer.step, summary });
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
