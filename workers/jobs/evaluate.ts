// The evaluate job: a saved run's checkpoint evaluated by the studio's own trainer on the run's validation data (its
// validation loss and every task metric the data defines: accuracy, perplexity, rmse, entity F1…). The import of a
// training bundle's output (workers/bundle/import-run.ts) uses it, so a run trained with PyTorch is judged by the
// same figures as the runs trained here. Runs in a worker (it reads the data and runs the network).

import { join } from 'node:path';
import { dataRequestOf } from '../../src-shared/dataset';
import { InputError } from '../../src-shared/errors';
import type { EvaluationEvent } from '../../src-shared/events';
import { readCheckpoint } from '../engine/checkpoint';
import type { KernelExports } from '../engine/kernels';
import { CHECKPOINT_FILE, readRecord } from '../engine/run-folder';
import { Trainer } from '../engine/trainer';
import { loadTrainingData } from '../data/load';
import type { EvaluateJob } from '../protocol';

export async function evaluate(kernels: KernelExports, req: EvaluateJob): Promise<EvaluationEvent> {
  const run = readRecord(req.runDir);
  const state = readCheckpoint(join(req.runDir, CHECKPOINT_FILE));
  let data;
  try {
    data = await loadTrainingData(dataRequestOf(run.data), run.settings);
  } catch (e) {
    throw new InputError(`${req.runDir}: the run's data (${run.data.path}) cannot be read again: ${(e as Error).message}`);
  }
  const trainer = new Trainer(kernels, run.spec, run.settings, data, { ...state, carryH: undefined, carryC: undefined });
  return trainer.evaluate();
}
