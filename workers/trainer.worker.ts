// A trainer worker thread: does one job (workers/jobs/: train a run, benchmark, inspect a file, predict, export,
// bundle, evaluate) so nothing heavy touches the main thread. Owns its WASM instances and memory; knows nothing of Electron or Vue.
// Controlled by the typed messages of protocol.ts: a job message goes to its handler through one dispatch table; a
// one-shot job answers `job-result` or `job-failed`; pause, resume and stop steer the job in progress.
//
// Data-parallel runs (workers > 1): this worker is rank 0; it starts the other ranks as worker threads of this same
// file (workerData.peer, jobs/group.ts). Only rank 0 talks to the main process.

import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { problemOf } from '../src-shared/settings';
import relaxedWasm from './kernels/build/kernels.relaxed.wasm?asset';
import simdWasm from './kernels/build/kernels.simd.wasm?asset';
import { enableRelaxedSimd, loadKernels } from './engine/kernels';
import { bench } from './jobs/bench';
import { bundleJob } from './jobs/bundle';
import { evaluate } from './jobs/evaluate';
import { benchGenerateJob } from './jobs/bench-generate';
import { Steering, type JobContext } from './jobs/context';
import { exportJob } from './jobs/export';
import { runPeer, type PeerInit } from './jobs/group';
import { inspect } from './jobs/inspect';
import { predict } from './jobs/predict';
import { train } from './jobs/train';
import type { FromTrainer, Job, JobResults, JobType, ToTrainer } from './protocol';

if (!parentPort) throw new Error('trainer.worker must run in a worker thread');
const port = parentPort;

enableRelaxedSimd();

const ctx: JobContext = {
  post: (m: FromTrainer): void => port.postMessage(m),
  kernels: () => loadKernels({ simd: simdWasm, relaxed: relaxedWasm }),
  steering: new Steering(),
  workerFile: fileURLToPath(import.meta.url),
};

type Handler<T extends JobType> = (job: Extract<Job, { type: T }>, ctx: JobContext) => Promise<JobResults[T]>;

/** Every job, by its message type. */
const JOBS: { [T in JobType]: Handler<T> } = {
  start: train,
  bench,
  'bench-generate': benchGenerateJob,
  inspect,
  predict: (job, c) => predict(c.kernels().exports, job),
  export: exportJob,
  bundle: bundleJob,
  evaluate: (job, c) => evaluate(c.kernels().exports, job),
};

function run<T extends JobType>(job: Extract<Job, { type: T }>): void {
  const handler = JOBS[job.type as T] as Handler<T>;
  handler(job, ctx).then(
    (value) => ctx.post({ type: 'job-result', value }),
    (e: unknown) => ctx.post({ type: 'job-failed', problem: problemOf(e) }),
  );
}

const peer = (workerData as { peer?: PeerInit } | null)?.peer;
if (peer) void runPeer(peer, ctx, (message) => port.postMessage({ type: 'peer-error', message }));
else
  port.on('message', (msg: ToTrainer) => {
    switch (msg.type) {
      case 'pause':
        ctx.steering.pause();
        break;
      case 'resume':
        ctx.steering.resume();
        break;
      case 'stop':
        ctx.steering.stop();
        break;
      default:
        if (!Object.hasOwn(JOBS, msg.type)) throw new Error(`Unsupported message type: ${(msg as { type: string }).type}`);
        run(msg);
    }
  });
