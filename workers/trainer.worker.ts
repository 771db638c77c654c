// A trainer worker thread: runs one training run (or the benchmark) so nothing heavy touches the main thread.
// Owns its WASM instance and memory; knows nothing of Electron or Vue. Controlled by the typed messages of
// protocol.ts: start → ready, then step / diagnostics / evaluation / checkpoint events until done.
// Every ~50 ms of training it yields to the event loop, so pause, resume and stop act within that time.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import type { TrainingEvent } from '../src-shared/events';
import relaxedWasm from './kernels/build/kernels.relaxed.wasm?asset';
import simdWasm from './kernels/build/kernels.simd.wasm?asset';
import { BENCH_CONFIGS, benchTrainer } from './engine/bench';
import { encodeCheckpoint, readCheckpoint, writeFileAtomic } from './engine/checkpoint';
import { enableRelaxedSimd, loadKernels } from './engine/kernels';
import { parameterCount } from './engine/layout';
import { NonFiniteError, Trainer } from './engine/trainer';
import { loadTrainingData } from './data/load';
import type { FromTrainer, RunSummary, StartBench, StartRun, ToTrainer } from './protocol';
import type { ModelSpec } from '../src-shared/model';

if (!parentPort) throw new Error('trainer.worker must run in a worker thread');
const port = parentPort;
const post = (m: FromTrainer): void => port.postMessage(m);

enableRelaxedSimd();
const kernels = () => loadKernels({ simd: simdWasm, relaxed: relaxedWasm });

let paused = false;
let stopRequested = false;
let wake: (() => void) | undefined;

port.on('message', (msg: ToTrainer) => {
  switch (msg.type) {
    case 'start':
      void run(msg);
      break;
    case 'bench':
      void bench(msg);
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

async function run(req: StartRun): Promise<void> {
  let trainer: Trainer | undefined;
  try {
    const { exports, variant } = kernels();
    const data = loadTrainingData(req.data, req.settings);
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
    mkdirSync(req.runDir, { recursive: true });
    const ckptPath = join(req.runDir, 'checkpoint.bin');
    const state = req.resume ? readCheckpoint(ckptPath) : undefined;
    const s = { ...req.settings };
    if (req.epochs !== undefined) s.steps = Math.max(1, Math.round(req.epochs * data.batchesPerEpoch));
    trainer = new Trainer(exports, spec, s, data, state);
    post({ type: 'ready', spec, parameterCount: parameterCount(trainer.net.layout), kernels: variant, dataSummary: data.summary, transforms: data.transforms, startStep: trainer.step, settings: s });

    const emit = (e: TrainingEvent): void => post(e);
    const saveCheckpoint = (): void => {
      writeFileAtomic(ckptPath, encodeCheckpoint(trainer!.state()));
      emit({ type: 'checkpoint', step: trainer!.step, path: ckptPath });
    };
    let lastEval: { valLoss: number; metrics: Record<string, number> } | undefined;
    const evaluate = (): void => {
      const e = trainer!.evaluate();
      lastEval = e;
      emit(e);
    };
    if (trainer.step === 0) evaluate();
    let slice = performance.now();
    while (!trainer.finished && !stopRequested) {
      if (paused) {
        post({ type: 'paused', step: trainer.step });
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
        if (stopRequested) break;
        post({ type: 'resumed', step: trainer.step });
      }
      emit(trainer.trainStep());
      const step = trainer.step;
      if (s.diagnosticsEvery > 0 && (step % s.diagnosticsEvery === 0 || step === 1)) emit(trainer.diagnostics());
      if (s.evaluateEvery > 0 && step % s.evaluateEvery === 0 && !trainer.finished) evaluate();
      if (s.checkpointEvery > 0 && step % s.checkpointEvery === 0 && !trainer.finished) saveCheckpoint();
      if (performance.now() - slice > 50) {
        await yieldToMessages();
        slice = performance.now();
      }
    }
    evaluate();
    saveCheckpoint();
    const st = trainer.state();
    const summary: RunSummary = {
      type: 'summary',
      steps: trainer.step,
      seconds: st.trainSeconds,
      trainLoss: trainer.trainLoss,
      valLoss: lastEval!.valLoss,
      tokensPerSecond: st.trainSeconds > 0 ? ((trainer.step - (state?.step ?? 0)) * data.tokensPerBatch) / (st.trainSeconds - (state?.trainSeconds ?? 0)) : 0,
      metrics: lastEval!.metrics,
      runDir: req.runDir,
    };
    post({ type: 'done', reason: stopRequested ? 'stopped' : 'finished', step: trainer.step, summary });
  } catch (e) {
    if (e instanceof NonFiniteError) {
      // Keep what the run had: the last good checkpoint stays on disk (the diverged state is not written).
      post({ type: 'done', reason: 'diverged', step: e.location.step, message: `${e.message}. Resume from the last checkpoint with a lower learning rate or gradient clipping.`, nonFinite: e.location });
    } else {
      post({ type: 'done', reason: 'error', step: trainer?.step ?? 0, message: (e as Error).message });
    }
  }
}

async function bench(req: StartBench): Promise<void> {
  try {
    const { exports, variant } = kernels();
    for (const name of req.configs) {
      const c = BENCH_CONFIGS.find((x) => x.name === name);
      if (!c) throw new Error(`no benchmark configuration "${name}" (have ${BENCH_CONFIGS.map((x) => x.name).join(', ')})`);
      const r = benchTrainer(exports, c, { seconds: req.seconds });
      post({ type: 'bench-result', config: c.name, description: c.description, workers: 1, kernels: variant, tokensPerSecond: r.tokensPerSecond, gflops: r.gflops, msPerStep: r.msPerStep });
      await yieldToMessages();
      if (stopRequested) break;
    }
    post({ type: 'bench-done' });
  } catch (e) {
    post({ type: 'fatal', message: (e as Error).message });
  }
}
