// Opens the file a person chose and turns it into TrainingData: streams it through the format parsers
// (parse.ts), then builds the batches for the chosen (or proposed) shape (propose.ts, build/). Runs in a worker.
// Errors are DataErrors naming the file, the line and what to do.

import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import type { ChoicePreview, DataRequest, Inspection, Recipe } from '../../src-shared/dataset';
import { problemOf, type Problem } from '../../src-shared/settings';
import type { TrainSettings } from '../../src-shared/model';
import type { TrainingData } from '../engine/data-source';
import { parseFile } from './parse';
import type { ImportProgress } from './parsed';
import type { DatasetChoice } from './build/choices';
import { previewPairs } from './preview';
import { buildTrainingData, propose, type Proposal } from './propose';
import { recipeFor } from './recipe';

const MAX_BYTES = 2 ** 30;

/** The data file as read: size and SHA-256 (recorded with a run, so a changed file is noticed). */
export interface DataFile {
  bytes: number;
  sha256: string;
  format: string;
  formatReason: string;
}

export type LoadedData = TrainingData & { file: DataFile; warnings: string[] };

export async function loadTrainingData(req: DataRequest, settings: TrainSettings, onProgress?: (p: ImportProgress) => void): Promise<LoadedData> {
  const r = await parseFile(req.path, { format: req.format, onProgress, maxBytes: MAX_BYTES });
  const { path, format: _format, ...choice } = req; // the rest are the person's choices
  const lookback = req.lookback ?? (r.parsed.kind === 'text' ? settings.sequenceLength : undefined);
  const data = buildTrainingData(r.parsed, { ...choice, lookback, seed: settings.seed, batchSize: settings.batchSize }, basename(path));
  return Object.assign(data, { file: { bytes: r.bytes, sha256: r.sha256, format: r.format, formatReason: r.reason } });
}

export type { ChoicePreview } from '../../src-shared/dataset';

/**
 * What `inspect` shows: the format found, the columns, and the proposal with its preview; with overrides, also
 * what `train` would build from them (so a person can check a choice before training).
 */
/** The data choices a run records: the resolved ones, without the training settings the run records itself. */
function resolvedChoice(c: DatasetChoice): Partial<DatasetChoice> {
  const { batchSize: _b, seed: _s, valFraction: _v, ...rest } = c;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Partial<DatasetChoice>;
}

/** Times training steps of a recipe's model on built data (the worker has the kernels): seconds per step. */
export type StepTimer = (data: TrainingData, recipe: Recipe) => number;

export async function inspectFile(
  path: string,
  format: DataRequest['format'],
  choice: Partial<DatasetChoice> | undefined,
  onProgress?: (p: ImportProgress) => void,
  timeStep?: StepTimer,
): Promise<Inspection> {
  const r = await parseFile(path, { format, onProgress, maxBytes: MAX_BYTES });
  const proposal = propose(r.parsed, basename(path));
  let chosen: ChoicePreview | undefined;
  let chosenError: Problem | undefined;
  try {
    const d = buildTrainingData(r.parsed, choice ?? {}, basename(path));
    const validation = d.validationBatches(); // built once: the sequence length and the pairs both read it
    const validationItems = validation.reduce((n, b) => n + b.batchSize * (d.stateful ? b.steps : 1), 0);
    const recipe = recipeFor({ data: d, builtBatch: d.builtBatch, bytes: r.bytes, cores: availableParallelism(), validationItems });
    if (timeStep) {
      // How long the schedule would take here (one worker's step time, shared by the recipe's workers).
      try {
        const secondsPerStep = timeStep(d, recipe) / (recipe.workers > 1 ? 0.85 * recipe.workers : 1);
        recipe.estimate = { secondsPerStep, seconds: secondsPerStep * recipe.settings.steps, stepsInBudget: Math.floor(recipe.settings.timeBudgetSeconds / secondsPerStep) };
      } catch {
        // no estimate (the design does not fit in memory, …): the recipe stands without it
      }
    }
    chosen = { summary: d.summary, warnings: d.warnings, baseline: d.baseline, shape: d.model.shape, model: d.model, stateful: d.stateful, sequenceLength: validation[0]?.steps, batchesPerEpoch: d.batchesPerEpoch, pairs: previewPairs(d, 5, validation), recipe, choice: resolvedChoice(d.choice) };
  } catch (e) {
    // The proposal itself is still worth showing; the person fixes the choice the message names.
    chosenError = problemOf(e);
    const overridden = Object.entries(choice ?? {}).some(([k, v]) => v !== undefined && !['valFraction', 'testFraction', 'batchSize', 'seed'].includes(k));
    if (overridden) throw e;
  }
  return { format: r.format, formatReason: r.reason, notes: [...(r.notes ?? []), ...(proposal.notes ?? [])], bytes: r.bytes, proposal, chosen, chosenError };
}
