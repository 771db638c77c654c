// The dataset contract shared by every side: what a person chooses when turning a file into training data, what
// the importer proposes, and what a trained model predicts. Plain TypeScript (no Node or DOM); the importer
// (workers/data/), the trainer, the services, the CLI and the renderer all use these types.

import type { Alignment } from './events';
import type { ModelSpec, ProblemShape, TrainSettings } from './model';
import { type AttentionType, DEFAULT_ATTENTION } from './attention';
import type { CellType } from './cells';
import type { Problem } from './errors';

/**
 * File formats the importer reads. `labelled`: a label, then text, on each line (TREC, fastText); `ts`: the
 * sktime/UEA time-series archive format (`@` header lines, then `@data`); `blocks`: blocks of numbers separated by
 * blank lines, one block per sequence; `arff`: Weka's ARFF (`@attribute` lines, then `@data`), a table; `xlsx`: an
 * Excel workbook's first sheet; `parquet`: an Apache Parquet file (Hugging Face datasets).
 */
export type FormatName = 'text' | 'csv' | 'tsv' | 'json' | 'jsonl' | 'conll' | 'pairs' | 'labelled' | 'ts' | 'tsf' | 'blocks' | 'arff' | 'xlsx' | 'parquet' | 'npy';
export const FORMATS: readonly FormatName[] = ['text', 'csv', 'tsv', 'json', 'jsonl', 'conll', 'pairs', 'labelled', 'ts', 'tsf', 'blocks', 'arff', 'xlsx', 'parquet', 'npy'];

export type ColumnType = 'numeric' | 'categorical' | 'text' | 'date';

/**
 * What a column is for, as the importer reads it: the time index (or a part of it spread over columns), dates that
 * are not the index, a row number or id, a split marker (train/test…), a constant, the key of a long-format table
 * and the step within it, a calendar feature, years that label something else, a measurement, a category, text.
 */
export type ColumnRole = 'time' | 'time-part' | 'dates' | 'id' | 'split' | 'constant' | 'key' | 'step' | 'calendar' | 'years' | 'value' | 'category' | 'text';

/** What the parser found in a file, before any modelling choice. */
export type ParsedKind = 'table' | 'text' | 'tagged' | 'pairs' | 'sequences';

/** Progress of a long import, reported every ~100 ms. */
export interface ImportProgress {
  bytesRead: number;
  bytesTotal: number;
  rows: number;
}

export interface DatasetChoice {
  /** Problem shape; undefined = the proposed one. */
  shape?: ProblemShape;
  /** Input columns (names, or 1-based positions for files without a header). */
  input?: string[];
  /** Target column. */
  target?: string;
  /** Sequence-id column of a long-format table. */
  sequence?: string;
  /** Step (ordering) column of a long-format table. */
  step?: string;
  /** Series: window length; running text: truncated-BPTT chunk length. Undefined = chosen from the data. */
  lookback?: number;
  /** Series: how many steps after the window's last value the target lies (1 = the next value). */
  horizon: number;
  /** Series: steps between consecutive window starts. */
  stride: number;
  /**
   * Series: read first differences of the input columns (x_t − x_{t−1}) and predict the change
   * Δ = y[last + horizon] − y[last]; the forecast is y[last] + Δ. For trending data. Undefined = off.
   */
  difference?: boolean;
  /**
   * Series, differenced: the lag of the differences — 1 (the change from the last value; the default) or the season
   * (the change from the same time a season before, for seasonal data where the seasonal naive forecast is the one to
   * beat).
   */
  lag?: number;
  /** Series: seasonal period for the seasonal-naive baseline; undefined = from the date spacing. */
  season?: number;
  /**
   * Token unit (an encoder–decoder's source side); undefined = from the data: char for running text and generation,
   * word for sentences and tagging, per side for pairs (characters of a word, words of a sentence or of
   * space-separated symbols).
   */
  tokens?: 'char' | 'word';
  /**
   * Encoder–decoder: the target side's token unit; undefined = the same as `tokens` when that is given (a request
   * from before per-side tokens), else from the data.
   */
  targetTokens?: 'char' | 'word';
  /** Largest vocabulary (special tokens included); rarer tokens become <unk>. */
  vocabularyCap: number;
  valFraction: number;
  testFraction: number;
  seed: number;
  batchSize: number;
  /** Longest sequence kept (longer ones are truncated, stated in the summary); undefined = the longest if sensible. */
  maxLength?: number;
  /** A column whose values mark the split (train / validation / test), honoured instead of a random split. */
  split?: string;
  /** Wide layout: each row is one sequence, its input columns the time steps (a UCR-style table). */
  wide?: boolean;
  /**
   * Wide layout: read k consecutive values as one step (a sequence of T values becomes ⌈T/k⌉ steps of k values), so
   * a long series is a short sequence to run through (fewer steps for the gradient to cross).
   */
  patch?: number;
}

/** One way to train on a file, ranked: what `train` would do if the person picked it, and why it is offered. */
export interface Candidate {
  shape: ProblemShape;
  /** What the model would learn, in words. */
  task: string;
  choice: Partial<DatasetChoice>;
  /** 0–1: how likely a person wants this for this file (the proposal is the highest that can be trained). */
  score: number;
  /** One line: why (and, for a lower one, why not first). */
  reason: string;
  /** Set when this candidate was tried and cannot be trained: the reason. */
  error?: Problem;
}

/** The time axis of a table: which columns, how written, how often, how regular, the seasonal periods. */
export interface TimeInfo {
  columns: string[];
  form: string;
  /** "hourly", "monthly"…; undefined when the spacing has no common name or is irregular. */
  interval?: string;
  /** Share of steps exactly one interval apart. */
  regularity: number;
  gaps: number;
  missingSteps: number;
  repeats: number;
  order: 'ascending' | 'descending' | 'unsorted';
  /** Seasonal periods (in steps) the interval suggests and the span allows. */
  periods: number[];
  /** The period that shows in the data (the target's autocorrelation), if any. */
  season?: number;
  first: string;
  last: string;
}

/** What the importer proposes for a file: shape, columns, classes, and training pairs as the model will see them. */
export interface Proposal {
  file: string;
  kind: ParsedKind;
  shape: ProblemShape;
  /** What the model would learn, in words ("forecast “load” one step ahead from 24 steps of …"). */
  task: string;
  /** The proposed choices (what `train` uses when the person overrides nothing). */
  choice: Partial<DatasetChoice>;
  /** Why this proposal, in one line. */
  reason: string;
  /** Every way considered, best first (the proposal is the first without an error). */
  candidates: Candidate[];
  /** Columns with their type, role and why (tables only). */
  columns: { name: string; type: ColumnType; missing: number; distinct?: number; role?: ColumnRole; why?: string; dateForm?: string }[];
  /** Tables ordered in time. */
  time?: TimeInfo;
  /** How the table was read, where worth saying (date parts combined, rows read in time order…). */
  notes?: string[];
  classes?: { value: string; count: number }[];
  warnings: string[];
  /** Five training pairs as the model will see them, in the data's words and units. */
  preview: { input: string; output: string }[];
  rows: number;
}

/** What training with the given choices would use: the data summary, warnings, the baseline to beat, and what the data fixes about the model. */
export interface ChoicePreview {
  summary: string;
  warnings: string[];
  baseline?: { name: string; metrics: Record<string, number> };
  shape: string;
  /** What the data fixes: shape, input (vocabulary, features), output (classes or values), decoder vocabulary. */
  model: DataModel;
  /** True for running text / one long series read in truncated-BPTT chunks with carried state. */
  stateful: boolean;
  /** Time steps per training sequence (window, chunk or longest sentence kept). */
  sequenceLength?: number;
  batchesPerEpoch: number;
  /** The training pairs of the data as built with these choices (input → output in the data's words and units). */
  pairs?: { input: string; output: string }[];
  /** The default model and schedule for this data. */
  recipe?: Recipe;
  /** The data choices in full, as the proposal and the person's overrides resolve them (what a run records). */
  choice?: Partial<DatasetChoice>;
}

/**
 * The default recipe for a dataset: a model and a training schedule sized to the data (workers/data/recipe.ts), each
 * choice with its reason; what `train` uses when given no model or training flags, and what the studio starts from.
 */
export interface Recipe {
  model: ModelChoice;
  settings: Pick<TrainSettings, 'batchSize' | 'sequenceLength' | 'learningRate' | 'steps' | 'evaluateEvery' | 'clipNorm' | 'warmupSteps' | 'decay'> & {
    /** Evaluations in a row without improvement before the run stops early (the best model is kept). */
    patience: number;
    /** Seconds of training at most. */
    timeBudgetSeconds: number;
  };
  /** Worker threads (every core, up to 4, when the batch is big enough to share). */
  workers: number;
  reasons: { choice: string; why: string }[];
  /** Measured on this machine by timing a few steps: seconds per step, and how long the schedule would take. */
  estimate?: { secondsPerStep: number; seconds: number; stepsInBudget: number };
}

/** The part of a ModelSpec the data fixes; the person chooses the rest (cell, layers, hidden size…). */
export type DataModel = Pick<ModelSpec, 'shape' | 'input' | 'output'> & { decoder?: ModelSpec['decoder'] };

/** What `inspect` found in a file. */
export interface Inspection {
  format: string;
  formatReason: string;
  notes: string[];
  bytes: number;
  proposal: Proposal;
  /** What training would build from the proposal with the given overrides (absent when they cannot be built: see chosenError). */
  chosen?: ChoicePreview;
  /** Why the choices cannot be built (the setting it is about, when it is about one: each host names it its way). */
  chosenError?: Problem;
}

/**
 * Which file to train on, how to read it, and the choices that override the importer's proposal (undefined = the
 * proposed value). Column names may be 1-based positions for files without a header.
 */
export interface DataRequest extends Partial<Pick<DatasetChoice, 'shape' | 'input' | 'target' | 'sequence' | 'step' | 'lookback' | 'horizon' | 'stride' | 'difference' | 'tokens' | 'targetTokens' | 'maxLength' | 'vocabularyCap' | 'testFraction' | 'split' | 'wide' | 'patch' | 'season' | 'lag'>> {
  path: string;
  /** 'auto' detects the format from the extension and content. */
  format: FormatName | 'auto';
  /** Fraction held out for validation (the tail of ordered data, a seeded shuffle of independent samples). */
  valFraction: number;
}

/**
 * A DataRequest's own fields. run.json records the request together with what was read (size, hash, summary…);
 * this picks the request back out of it (resuming, exporting).
 */
export function dataRequestOf(recorded: Partial<DataRequest>): DataRequest {
  const from = recorded as Record<string, unknown>;
  const keys = ['path', 'format', 'valFraction', 'shape', 'input', 'target', 'sequence', 'step', 'lookback', 'horizon', 'stride', 'difference', 'tokens', 'targetTokens', 'maxLength', 'vocabularyCap', 'testFraction', 'split', 'wide', 'patch', 'season', 'lag'] as const;
  return Object.fromEntries(keys.filter((k) => from[k] !== undefined).map((k) => [k, from[k]])) as unknown as DataRequest;
}

/** The architecture a person chooses; the data fixes the rest (shape, vocabulary, inputs and outputs). */
export interface ModelChoice {
  cell: CellType;
  layers: number;
  hiddenSize: number;
  /** Embedding width for token input (0 = min(64, vocabulary)). */
  embedSize: number;
  bidirectional: boolean;
  dropout: number;
  forgetBias: number;
  /**
   * Encoder–decoder models: the decoder's attention over the encoder's outputs (src-shared/attention.ts); ignored by
   * the other shapes. Absent in runs saved before attention existed, which trained without it: absent means 'none'.
   */
  attention?: AttentionType;
  /**
   * Encoder–decoder models with attention: Luong's input feeding (h̃_{t−1} joins the decoder's next input). Absent
   * (every run saved before it existed) means false.
   */
  inputFeeding?: boolean;
}

/** The design a new project starts from, and the model's defaults in the settings table (src-shared/settings.ts). */
export const DEFAULT_MODEL: Readonly<ModelChoice> = { cell: 'lstm', layers: 1, hiddenSize: 128, embedSize: 0, bidirectional: false, dropout: 0, forgetBias: 1, attention: DEFAULT_ATTENTION };

export interface PredictRequest {
  runDir: string;
  /** Text: the prime. Series: comma- or space-separated values (the most recent last). */
  input?: string;
  /** Series: a CSV whose target column provides the history (default: the run's own data file). */
  file?: string;
  /** Characters to generate, or values to forecast. */
  length?: number;
  temperature?: number;
  seed?: number;
  /** Encoder–decoder: beam width (1 = greedy) and length penalty α of the beam search, when not sampling. */
  beamWidth?: number;
  lengthPenalty?: number;
  /** Series: forecast the last `length` values of the data from the history before them, and return them beside the forecast. */
  backtest?: boolean;
  /** A long table of several series: which one (a value of its key column); default the last. */
  series?: string;
}

export type Prediction =
  | { type: 'prediction'; kind: 'text'; prime: string; text: string; temperature: number }
  | {
      type: 'prediction';
      kind: 'series';
      column: string;
      /** Values of history the forecast starts from. */
      history: number;
      forecast: number[];
      /** The last values of that history (up to 200), for plotting the forecast in context. */
      recent?: number[];
      /** Backtest: what really came after the history (same length as forecast). */
      actual?: number[];
      /** A long table of several series: the one forecast. */
      series?: string;
    }
  | { type: 'prediction'; kind: 'classify'; input: string; label: string; probabilities: { label: string; p: number }[] }
  | { type: 'prediction'; kind: 'tagging'; tokens: string[]; tags: string[] }
  | {
      type: 'prediction';
      kind: 'translate';
      input: string;
      output: string;
      /** How it was decoded: greedy, beam search (width, α), or sampled (temperature). */
      decoding: { kind: 'greedy' } | { kind: 'beam'; width: number; lengthPenalty: number } | { kind: 'sampled'; temperature: number };
      /** Beam search: the other finished hypotheses, best first (up to the width), with their normalised scores. */
      alternatives?: { output: string; score: number }[];
      /** Attention models: where the decoder looked for each token of the greedy decode of the input. */
      alignment?: Alignment;
    }
  | { type: 'prediction'; kind: 'value'; input: string; column: string; value: number }
  | { type: 'prediction'; kind: 'generate'; input: string; output: string }
  | {
      type: 'prediction';
      kind: 'sequences';
      /** The table's file name. */
      file: string;
      /** Sequences in the table (labels holds the first 10,000). */
      sequences: number;
      /** Per sequence: the predicted label and its probability, and `actual` where the table labels the sequence. */
      /** Per-step models: `label` is the sequence's most frequent step label, `p` its share, `stepsAgree` the share of steps labelled as the table labels them. */
      labels: { id: string; label: string; p: number; actual?: string; stepsAgree?: number }[];
    };

/** The end of a run: its final figures beside the naive baseline. */
export interface RunSummary {
  type: 'summary';
  steps: number;
  seconds: number;
  trainLoss: number;
  valLoss: number;
  tokensPerSecond: number;
  metrics: Record<string, number>;
  /** The naive baseline on the same validation data, for comparison. */
  baseline?: { name: string; metrics: Record<string, number> };
  runDir: string;
  /**
   * Why the run ended: it ran its steps, stopped early (`patience` evaluations without improvement), spent its time
   * budget, or the person stopped it. Absent in summaries written before it existed.
   */
  stopReason?: StopReason;
  /** Step of the best evaluation (by the primary metric, ties by the lower validation loss), when there was one. */
  bestStep?: number;
  /**
   * The parameters are the best evaluation's (restored at the end, Keras's restore_best_weights): valLoss and
   * metrics are theirs, while the step, optimiser state and data position are the last step's.
   */
  restoredBest?: boolean;
  /**
   * The held-out test split (the file's own test part, or --test-fraction), evaluated once at the end with the final
   * parameters: never used for training or for choosing the best model.
   */
  test?: { loss: number; metrics: Record<string, number>; items: number };
  /**
   * Encoder–decoder: the decode metrics (token error rate, exact match; BLEU and chrF for word targets) once more at
   * the end, on the same validation pairs decoded by beam search instead of greedily (`metrics` are greedy's).
   */
  beam?: { width: number; lengthPenalty: number; metrics: Record<string, number>; seconds: number };
}

export type StopReason = 'finished' | 'early-stopped' | 'time-budget' | 'stopped';
