// The inspect job (`seqstudio inspect`, the Data screen): reads a file and proposes how to train on it
// (data/load.ts inspectFile), with the import's progress; the recipe's duration is estimated by timing a few steps
// of its model here.

import { DEFAULT_MODEL, type Inspection, type Recipe } from '../../src-shared/dataset';
import { specFor } from '../../src-shared/estimate';
import { DEFAULT_TRAIN_SETTINGS, type TrainSettings } from '../../src-shared/model';
import type { TrainingData } from '../engine/data-source';
import type { KernelExports } from '../engine/kernels';
import { Trainer } from '../engine/trainer';
import { inspectFile } from '../data/load';
import type { InspectJob } from '../protocol';
import type { JobContext } from './context';

export async function inspect(req: InspectJob, ctx: JobContext): Promise<Inspection> {
  const inspection = await inspectFile(req.path, req.format, req.choice, (p) => ctx.post({ type: 'import-progress', ...p }), (data, recipe) =>
    timeRecipe(ctx.kernels().exports, data, withAttention(recipe, data.model.shape)),
  );
  const chosen = inspection.chosen;
  if (chosen?.recipe) chosen.recipe = withAttention(chosen.recipe, chosen.model.shape);
  return inspection;
}

/**
 * The recipe's model with the design's default attention (DEFAULT_MODEL) for an encoder–decoder whose recipe names
 * none: what a new run trains with and what its timing measures. (A saved choice without one means 'none'.)
 */
function withAttention(recipe: Recipe, shape: string): Recipe {
  if (shape !== 'encoder-decoder' || recipe.model.attention !== undefined) return recipe;
  return { ...recipe, model: { ...recipe.model, attention: DEFAULT_MODEL.attention } };
}

/**
 * Seconds per training step of a recipe's model on the built data, measured: one warm-up step, then steps for about
 * a third of a second. Scaled to the recipe's batch (and, for text, its chunk length) when the data was built with
 * another.
 */
function timeRecipe(exports: KernelExports, data: TrainingData & { builtBatch?: number }, recipe: Recipe): number {
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
