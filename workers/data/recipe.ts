// The default recipe: a model and a training schedule sized to the data, each choice with its reason — what
// `seqstudio train --data FILE` uses with no other flag, and what the studio's Design and Train screens start from.
// Sized from what the built data holds (characters of running text, sentences, windows, sequences, pairs; the
// vocabulary; the classes) and the file's size, never from the dataset's name. Training runs until the validation
// metric stops improving (patience), within a time budget, and the best model is kept; the schedule's step count is
// only an upper bound. Every choice stays within the settings table's ranges (src-shared/settings.ts), so what the
// recipe picks is what the CLI and the studio accept. Pure: no kernels here (the worker times a few steps to estimate
// the duration).

import type { Recipe } from '../../src-shared/dataset';
import type { CellType } from '../../src-shared/cells';
import type { TrainingData } from '../engine/data-source';
import { estimate } from '../../src-shared/estimate';
import { mention, within } from '../../src-shared/settings';

export type { Recipe } from '../../src-shared/dataset';
export type RecipeSettings = Recipe['settings'];

export interface RecipeInput {
  data: Pick<TrainingData, 'model' | 'stateful' | 'batchesPerEpoch' | 'tokensPerBatch' | 'transforms' | 'summary'>;
  /** The batch size the data was built with (items per training batch). */
  builtBatch: number;
  /** Bytes of the data file. */
  bytes: number;
  /** Cores of this machine. */
  cores: number;
  /** Items (sequences, windows, sentences…; text: characters) the validation part holds. */
  validationItems: number;
}

const clamp = (x: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, x));
/** Below this many FLOPs a step is mostly the threads meeting (a few milliseconds): one worker is faster. */
const MIN_SHARED_FLOPS = 5e7;
/** FLOP/s one worker sustains on a training step, conservatively (measured here: 45–55 G on big GEMMs, less on small). */
const ENGINE_FLOPS = 30e9;
const round = (x: number, to: number): number => Math.max(to, Math.round(x / to) * to);

/** The time budget: a minute and a half for small files, a few minutes for a few megabytes, ten at most. */
function budgetFor(bytes: number): number {
  const mb = bytes / 2 ** 20;
  return mb < 0.1 ? 90 : mb < 1 ? 180 : mb < 5 ? 300 : mb < 50 ? 450 : 600;
}

export function recipeFor(input: RecipeInput): Recipe {
  const { data, builtBatch, bytes } = input;
  const t = data.transforms;
  const reasons: Recipe['reasons'] = [];
  const why = (choice: string, text: string): void => void reasons.push({ choice, why: text });
  // Training items in one pass: windows, sentences, sequences, pairs (text: characters).
  const items = Math.max(1, data.batchesPerEpoch * builtBatch);
  let cell: CellType = 'lstm';
  let layers = 1;
  let hidden = 64;
  let bidirectional = false;
  let dropout = 0;
  let batch = 32;
  let seqLen = 64;
  let lr = 2e-3;
  let clip = 5;
  let epochs = 30;
  let what = '';
  /** The model's reason, in words, for the size it ends up with (after fitting the budget). */
  let modelWhy = (): string => '';
  switch (t.kind) {
    case 'text': {
      if (t.tokens === 'word') {
        // Words: a next-word softmax over the vocabulary is most of a step; 35 words a chunk (as Penn Treebank
        // language models are trained), a wider model for more text.
        const words = data.batchesPerEpoch * data.tokensPerBatch;
        const V = t.vocabulary.length;
        what = `${Math.round(words / 1000).toLocaleString('en')}k words of running text (vocabulary ${V.toLocaleString('en')})`;
        hidden = words < 300_000 ? 128 : 256;
        layers = words < 1_000_000 ? 1 : 2;
        dropout = words < 300_000 ? 0 : 0.3;
        seqLen = 35;
        batch = clamp(Math.floor(words / ((seqLen + 1) * 8)), 1, 32);
        epochs = words < 300_000 ? 20 : 6;
        modelWhy = () => `${layers}×${hidden} LSTM over ${within('embedSize', data.model.input.embedSize)}-wide word embeddings for ${what}${layers > 1 ? ' (two layers with dropout 0.3 between them)' : ''}`;
        why('sequence length', `${seqLen} words per truncated-BPTT chunk, state carried between chunks`);
        break;
      }
      const chars = items * seqLen;
      what = `${Math.round(chars / 1000).toLocaleString('en')}k characters of running text`;
      hidden = chars < 100_000 ? 128 : chars < 1_000_000 ? 256 : 512;
      layers = chars < 300_000 ? 1 : 2;
      dropout = layers > 1 ? 0.2 : 0;
      seqLen = chars < 100_000 ? 64 : 100;
      batch = clamp(Math.floor(chars / ((seqLen + 1) * 8)), 1, 32);
      epochs = chars < 300_000 ? 30 : 10;
      modelWhy = () => `${layers}×${hidden} LSTM for ${what} (more text carries a bigger model${layers > 1 ? '; two layers with dropout 0.2 between them' : chars < 300_000 ? '; one layer: more would memorise' : ''})`;
      why('sequence length', `${seqLen} characters per truncated-BPTT chunk, state carried between chunks`);
      break;
    }
    case 'classify': {
      const V = t.vocabulary.length;
      what = `${items.toLocaleString('en')} sentences, ${V.toLocaleString('en')} words, ${t.classes.length} classes`;
      hidden = items < 3000 ? 64 : 128;
      bidirectional = true;
      lr = 3e-3;
      epochs = items < 3000 ? 40 : 15;
      modelWhy = () => `bidirectional ${hidden}-unit LSTM over word embeddings for ${what} (reading both ways sees the whole sentence)`;
      break;
    }
    case 'tagging':
      what = `${items.toLocaleString('en')} tagged sentences, ${t.tags.length} tags`;
      hidden = items < 2000 ? 64 : 128;
      bidirectional = true;
      epochs = items < 2000 ? 40 : 20;
      modelWhy = () => `bidirectional ${hidden}-unit LSTM for ${what} (a tag depends on the words on both sides)`;
      break;
    case 'pairs':
      what = `${items.toLocaleString('en')} pairs`;
      cell = 'gru';
      hidden = items < 2000 ? 128 : 256;
      lr = 3e-3;
      epochs = items < 5000 ? 60 : 20;
      modelWhy = () => `${hidden}-unit GRU encoder and decoder for ${what}`;
      break;
    case 'series':
    case 'multiseries': {
      const F = t.kind === 'series' ? 1 : t.inputs.length;
      what = `${items.toLocaleString('en')} windows of ${t.lookback} steps × ${F} column${F > 1 ? 's' : ''}`;
      cell = 'gru';
      hidden = items < 500 ? 32 : 64;
      batch = items < 300 ? 16 : items < 20_000 ? 32 : 64;
      lr = 3e-3;
      clip = 1;
      epochs = items < 300 ? 300 : items < 3000 ? 100 : items < 30_000 ? 20 : 6;
      modelWhy = () => `${hidden}-unit GRU for ${what} (a GRU has fewer weights than an LSTM of the same width: better for small series)`;
      break;
    }
    case 'sequences': {
      const F = t.features.length;
      what = `${items.toLocaleString('en')} ${t.perStep ? 'pieces of sequences' : 'sequences'} of ${F} feature${F > 1 ? 's' : ''}, ${t.classes.length} classes`;
      cell = 'gru';
      // read both ways: a label of the whole sequence (or of a step) depends on all of it, and long sequences
      // (a hundred steps or more) need the width to carry it
      hidden = items < 500 && t.maxLength < 100 ? 32 : 64;
      bidirectional = true;
      batch = items < 100 ? 8 : items < 1000 ? 16 : 32;
      lr = 3e-3;
      epochs = items < 200 ? 200 : items < 2000 ? 60 : 20;
      modelWhy = () => `bidirectional ${hidden}-unit GRU for ${what} (${t.perStep ? 'a step is labelled knowing what came before and after it' : 'the label depends on the whole sequence: read both ways'})`;
      break;
    }
    case 'tabular':
      what = `${items.toLocaleString('en')} rows`;
      cell = 'gru';
      hidden = 32;
      batch = items < 200 ? 8 : 32;
      lr = 3e-3;
      epochs = items < 1000 ? 200 : 50;
      modelWhy = () => `a small network (32 units) for ${what}: each row stands alone`;
      break;
    case 'conditional':
      what = `${items.toLocaleString('en')} texts to generate`;
      hidden = items < 3000 ? 128 : 256;
      epochs = 30;
      modelWhy = () => `${hidden}-unit LSTM generating text for ${what}`;
      break;
  }
  if (t.kind !== 'text') batch = Math.min(batch, Math.max(1, Math.floor(items / 2)));
  const budget = budgetFor(bytes);
  // The model must train enough steps within the budget: shrink it (two layers → one, then half the width) while
  // the arithmetic of a step says it would not. Counted from the FLOPs of a step at a conservative rate for this
  // engine (so the same data always gets the same model), not timed.
  const steps1 = t.kind === 'text' ? seqLen : t.kind === 'series' || t.kind === 'multiseries' ? t.lookback : t.kind === 'tabular' ? 1 : Math.max(1, Math.round(('maxLength' in t ? t.maxLength : 32) / 2));
  const cores = clamp(input.cores, 1, 4);
  const stepsIn = (l: number, h: number): number => {
    const f = estimate(data.model, { cell, layers: l, hiddenSize: h, embedSize: 0, bidirectional, dropout: 0, forgetBias: 1 }, batch, steps1, { stateful: data.stateful }).flopsPerStep;
    return (budget * ENGINE_FLOPS * (f >= MIN_SHARED_FLOPS ? 0.85 * cores : 1)) / Math.max(1, f);
  };
  const wanted = t.kind === 'text' ? 2000 : 1000;
  const before = `${layers}×${hidden}`;
  while (stepsIn(layers, hidden) < wanted && (layers > 1 || hidden > 32)) {
    if (layers > 1) (layers = 1), (dropout = 0);
    else hidden = Math.max(32, hidden / 2);
  }
  reasons.unshift({ choice: 'model', why: `${modelWhy()}${`${layers}×${hidden}` !== before ? ` — scaled down from ${before} so that the time budget trains about ${Math.round(stepsIn(layers, hidden) / 100) * 100} steps or more` : ''}` });
  const batchesPerEpoch = t.kind === 'text' ? Math.max(1, Math.floor((data.batchesPerEpoch * data.tokensPerBatch) / (batch * seqLen))) : Math.max(1, Math.ceil(items / batch));
  const steps = clamp(round(epochs * batchesPerEpoch, 100), 1000, 50_000);
  // About 40 evaluations over the planned run (one per epoch or more often), 25–1,000 steps apart.
  const evaluateEvery = clamp(round(Math.min(batchesPerEpoch, steps / 40), 25), 25, 1000);
  // Early stopping needs a validation part big enough to judge by; with a handful of items it trains all its steps.
  const patience = input.validationItems < 20 ? 0 : clamp(Math.ceil(400 / evaluateEvery), 5, 12);
  const embed = data.model.input.vocabSize > 0 ? data.model.input.embedSize : 0;
  why('batch', `${batch} ${t.kind === 'text' ? 'streams' : 'items'} per step${t.kind !== 'text' && batch < 32 ? ' (few items: smaller batches, more updates)' : ''}`);
  why('learning rate', `${lr} with Adam${clip < 5 ? `, gradients clipped at norm ${clip} (series are prone to spikes)` : `, gradients clipped at norm ${clip}`}`);
  why(
    'length',
    patience > 0
      ? `up to ${steps.toLocaleString('en')} steps (${epochs} passes over the data at most), a validation every ${evaluateEvery} steps; it stops after ${patience} validations without improvement and keeps the best model`
      : `${steps.toLocaleString('en')} steps (${epochs} passes over the data), a validation every ${evaluateEvery} steps; the validation part holds only ${input.validationItems} items, too few to stop early on, so it trains them all`,
  );
  why('time budget', `${budget < 120 ? `${budget} s` : `${budget / 60} min`} at most (for a file of ${bytes < 2 ** 20 ? `${Math.round(bytes / 1024)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`}); ${mention('timeBudgetSeconds')} raises it`);
  // Worker threads: every core (up to 4) when a step has enough arithmetic to share (counted, not timed, so the
  // same data always gets the same count: a run is reproducible for its seed and worker count).
  const model = { cell, layers: within('layers', layers), hiddenSize: within('hiddenSize', hidden), embedSize: within('embedSize', embed), bidirectional, dropout: within('dropout', dropout), forgetBias: 1 };
  const flops = estimate(data.model, model, batch, steps1, { stateful: data.stateful }).flopsPerStep;
  const workers = batch >= 8 && flops >= MIN_SHARED_FLOPS ? clamp(input.cores, 1, 4) : 1;
  if (workers > 1) why('workers', `${workers} worker threads (every core of this machine, up to 4), each training its share of a batch`);
  else why('workers', `one worker thread: a step is ${(flops / 1e6).toPrecision(2)} MFLOP, too little to share between threads`);
  return {
    model,
    settings: {
      batchSize: within('batchSize', batch),
      sequenceLength: within('sequenceLength', seqLen),
      learningRate: within('learningRate', lr),
      steps: within('steps', steps),
      evaluateEvery: within('evaluateEvery', evaluateEvery),
      clipNorm: within('clipNorm', clip),
      warmupSteps: 0,
      decay: 'none',
      patience: within('patience', patience),
      timeBudgetSeconds: within('timeBudgetSeconds', budget),
    },
    workers: within('workers', workers),
    reasons,
  };
}
