// The bench job (`seqstudio bench`): full training steps (forward, BPTT, Adam) of the benchmark configurations
// (engine/bench.ts), one worker or a data-parallel group, timed; with `profile`, where a step's time goes.

import { DEFAULT_TRAIN_SETTINGS, type TrainSettings } from '../../src-shared/model';
import { InputError } from '../../src-shared/errors';
import { BENCH_CONFIGS, benchData, benchSpec, benchTrainer, timeSteps } from '../engine/bench';
import { profileBench } from '../engine/profile';
import { Trainer } from '../engine/trainer';
import type { StartBench } from '../protocol';
import { yieldToMessages, type JobContext } from './context';
import { Group } from './group';

/** Times each configuration in turn (one result event each), then answers. */
export async function bench(req: StartBench, ctx: JobContext): Promise<void> {
  const { exports, variant } = ctx.kernels();
  const workers = req.workers ?? 1;
  for (const name of req.configs) {
    const c = BENCH_CONFIGS.find((x) => x.name === name);
    if (!c) throw new InputError(`no benchmark configuration "${name}" (have ${BENCH_CONFIGS.map((x) => x.name).join(', ')})`);
    let r;
    if (workers === 1) r = await benchTrainer(exports, c, { seconds: req.seconds });
    else {
      const spec = benchSpec(c);
      const settings = { ...benchSettings, batchSize: c.batch, sequenceLength: c.seqLen, steps: 1e9 };
      const trainer = new Trainer(exports, spec, settings, benchData(c), undefined, { rank: 0, count: workers });
      const group = new Group(ctx.workerFile, trainer, workers, spec, settings, { kind: 'bench', config: c.name });
      try {
        r = await timeSteps(c, trainer.net.layout, workers, { seconds: req.seconds }, async () => {
          await group.step();
        });
      } finally {
        await group.close();
      }
    }
    const profile = req.profile ? profileBench(exports, c, { seconds: Math.min(req.seconds, 2) }) : undefined;
    ctx.post({ type: 'bench-result', config: c.name, description: c.description, workers, kernels: variant, tokensPerSecond: r.tokensPerSecond, gflops: r.gflops, msPerStep: r.msPerStep, profile });
    await yieldToMessages();
    if (ctx.steering.stopRequested) break;
  }
}

/** The benchmark's optimiser settings: plain Adam, no clipping, no telemetry (as benchTrainer). */
const benchSettings: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS, learningRate: 1e-3, clipNorm: 0, diagnosticsEvery: 0, evaluateEvery: 0, checkpointEvery: 0 };
