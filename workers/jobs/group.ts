// A data-parallel group: one run (or a benchmark) trained by N worker threads. Rank 0 is the worker the main thread
// talks to; it starts the other ranks as worker threads of the same file (workerData.peer), which train their share
// of each batch and meet it at the barriers of engine/parallel.ts (gradients summed in shared memory). Only rank 0
// talks to the main process.

import { Worker } from 'node:worker_threads';
import { hasCellState } from '../../src-shared/cells';
import type { ModelSpec, TrainSettings } from '../../src-shared/model';
import { BENCH_CONFIGS, benchData } from '../engine/bench';
import type { TrainingData } from '../engine/data-source';
import { CMD_STOP, CMD_TRAIN, createSharedRun, ParallelRank, type SharedRun } from '../engine/parallel';
import { NonFiniteError, Trainer, type TrainerState } from '../engine/trainer';
import type { StepEvent } from '../../src-shared/events';
import type { StartRun } from '../protocol';
import type { JobContext } from './context';
import { buildRun, resumeState } from './build-run';

/** What rank 0 hands each other rank of a data-parallel run. */
export interface PeerInit {
  rank: number;
  shared: SharedRun;
  spec: ModelSpec;
  settings: TrainSettings;
  /** The run's data, or a benchmark configuration's name. */
  source: { kind: 'run'; req: StartRun } | { kind: 'bench'; config: string };
}

export class Group {
  readonly rank: ParallelRank;
  private readonly peers: Worker[] = [];
  private failure?: string;

  /** `workerFile`: this worker's own file, started again for each other rank. */
  constructor(workerFile: string, trainer: Trainer, count: number, spec: ModelSpec, settings: TrainSettings, source: PeerInit['source']) {
    const enc = trainer.net.layout.encoder;
    const carryFloats = trainer.data.stateful ? enc.layers * enc.directions * settings.batchSize * enc.hiddenSize : 0;
    const shared = createSharedRun(count, trainer.net.layout.size, carryFloats, hasCellState(enc.cell));
    this.rank = new ParallelRank(trainer, shared, 0, false);
    this.rank.publishInitialState();
    for (let r = 1; r < count; r++) {
      const peer = new Worker(workerFile, { workerData: { peer: { rank: r, shared, spec, settings, source } satisfies PeerInit } });
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

// ============================================== another rank ======================================================

/** Another rank of a data-parallel run (a worker thread Group started): trains its share until rank 0 says stop. */
export async function runPeer(init: PeerInit, ctx: Pick<JobContext, 'kernels'>, report: (message: string) => void): Promise<void> {
  try {
    const { exports } = ctx.kernels();
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
    report((e as Error).message);
  }
}
