// Pieces every builder shares: tokenising, vocabularies with a cap and <unk>, seeded splits, a seeded sampler
// whose position replays exactly (checkpoint resume), feature encoding of table columns, and the TrainingData
// wrapper for independent samples.

import { dropoutUniform, fmix32 } from '../../engine/batch';
import type { Batch } from '../../engine/batch';
import type { DataTransforms, FeatureEncoding, MetricAccumulator, TrainingData } from '../../engine/data-source';
import { Rng } from '../../engine/rng';
import type { Column } from '../parsed';
import type { ColumnKey } from './choices';
import { fillGaps } from '../series';
import { splitOf } from '../analyse';
import { mention, SettingError } from '../../../src-shared/settings';

export const UNK = '<unk>';
export const BOS = '<bos>';
export const EOS = '<eos>';
/** Between the texts of a pair classified together (premise <sep> hypothesis). */
export const SEP = '<sep>';

/** The tokens of several texts read as one: each text's tokens, a SEP between them. */
export function joinTexts(texts: string[], tokens: 'char' | 'word', lowercase = false): string[] {
  const out: string[] = [];
  texts.forEach((x, i) => {
    if (i > 0) out.push(SEP);
    for (const w of tokenize(x, tokens, lowercase)) out.push(w);
  });
  return out;
}

/** A word token: a word (letters, digits, marks, _ ' ’ -) or one punctuation mark. The exported sidecar quotes it. */
export const WORD_PATTERN = String.raw`[\p{L}\p{N}\p{M}_'’-]+|[^\s\p{L}\p{N}\p{M}]`;
const WORD_RE = new RegExp(WORD_PATTERN, 'gu');
/**
 * Running text's word token: also a special in angle brackets as pre-tokenised corpora write it (`<unk>` in Penn
 * Treebank and WikiText). Only running text reads it so; classifiers and taggers keep WORD_PATTERN (their models were
 * trained on it).
 */
export const TEXT_WORD_PATTERN = String.raw`<[\p{L}_]+>|${WORD_PATTERN}`;
const TEXT_WORD_RE = new RegExp(TEXT_WORD_PATTERN, 'gu');

/** Characters (code points), or words and punctuation marks. */
export function tokenize(s: string, tokens: 'char' | 'word', lowercase = false): string[] {
  const t = lowercase ? s.toLowerCase() : s;
  if (tokens === 'char') return Array.from(t);
  return t.match(WORD_RE) ?? [];
}

/** The token that ends a line of running text read as words (so generated text keeps its lines). */
export const LINE_END = '\n';

/** Running text as word tokens, each line's end a token of its own (LINE_END). */
export function wordsOfText(text: string): string[] {
  const out: string[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const words = line.match(TEXT_WORD_RE);
    if (words) for (const w of words) out.push(w);
    out.push(LINE_END);
  }
  return out;
}

export function detokenize(tokens: string[], unit: 'char' | 'word'): string {
  return unit === 'char' ? tokens.join('') : tokens.join(' ').replace(/ ?\n ?/g, '\n');
}

export class Vocabulary {
  readonly index: Map<string, number>;
  constructor(
    readonly words: string[],
    readonly unk: number,
  ) {
    this.index = new Map(words.map((w, i) => [w, i]));
  }

  /**
   * Specials first, then the most frequent tokens of `sequences` (ties alphabetical) up to `cap` in all. Tokens seen
   * fewer than `minCount` times stay out: they become <unk> in training too, so the model learns what to do with a
   * word it has not seen (otherwise <unk> never occurs in training and unseen words get an untrained embedding).
   */
  static fit(sequences: Iterable<string[]>, specials: string[], cap: number, minCount = 1): Vocabulary {
    const counts = new Map<string, number>();
    for (const s of sequences) for (const w of s) counts.set(w, (counts.get(w) ?? 0) + 1);
    for (const sp of specials) counts.delete(sp);
    const ranked = [...counts].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const words = [...specials, ...ranked.slice(0, Math.max(0, cap - specials.length)).map(([w]) => w)];
    return new Vocabulary(words, specials.indexOf(UNK));
  }

  get size(): number {
    return this.words.length;
  }

  id(w: string): number {
    return this.index.get(w) ?? this.unk;
  }

  encode(tokens: string[]): Int32Array {
    return Int32Array.from(tokens, (w) => this.id(w));
  }
}

/** shuffledSplit over a subset of table rows (those with a usable target): the same split, as row numbers. */
export function splitRows(rows: number[], valFraction: number, testFraction: number, seed: number): { train: number[]; val: number[]; test: number[] } {
  const s = shuffledSplit(rows.length, valFraction, testFraction, seed);
  const pick = (ix: number[]): number[] => ix.map((i) => rows[i]);
  return { train: pick(s.train), val: pick(s.val), test: pick(s.test) };
}

/** Seeded shuffle split of n independent samples: validation, then test, the rest for training (each sorted). */
export function shuffledSplit(n: number, valFraction: number, testFraction: number, seed: number): { train: number[]; val: number[]; test: number[] } {
  const order = Array.from({ length: n }, (_, i) => i);
  new Rng((seed ^ 0x5eed5) >>> 0).shuffle(order);
  const nVal = Math.max(1, Math.round(n * valFraction));
  const nTest = testFraction > 0 ? Math.max(1, Math.round(n * testFraction)) : 0;
  if (n - nVal - nTest < 1) throw new Error(`${n} samples are too few to split into training, validation${nTest ? ' and test' : ''}: add data or lower --val-fraction`);
  const sorted = (a: number[]): number[] => a.sort((x, y) => x - y);
  return { val: sorted(order.slice(0, nVal)), test: sorted(order.slice(nVal, nVal + nTest)), train: sorted(order.slice(nVal + nTest)) };
}

/**
 * The split of n items, honouring split markers where given (a column of train / validation / test values, one per
 * item; "dev" and "valid" mean validation): marked validation items validate, marked test items are held out, and
 * when nothing is marked for validation it is drawn (seeded) from the training items. Without markers, a seeded
 * shuffle (shuffledSplit). `how` says which, for summaries.
 */
export function markedSplit(markers: (string | undefined)[], valFraction: number, testFraction: number, seed: number): { train: number[]; val: number[]; test: number[]; how: string } {
  const n = markers.length;
  if (!markers.some((m) => m !== undefined && splitOf(m) !== undefined)) return { ...shuffledSplit(n, valFraction, testFraction, seed), how: `shuffled with seed ${seed}` };
  const train: number[] = [];
  const val: number[] = [];
  const test: number[] = [];
  markers.forEach((m, i) => {
    const s = m === undefined ? undefined : splitOf(m);
    (s === 'validation' ? val : s === 'test' ? test : train).push(i);
  });
  if (val.length === 0) {
    const inner = shuffledSplit(train.length, valFraction, 0, seed);
    const picked = new Set(inner.val.map((i) => train[i]));
    if (train.length - picked.size < 1) throw new Error(`${train.length} items marked for training are too few to draw a validation part from: mark some for validation`);
    return { train: train.filter((i) => !picked.has(i)), val: [...picked].sort((a, b) => a - b), test, how: `the file's own split (${train.length} train, ${test.length} test; validation drawn from train with seed ${seed})` };
  }
  if (train.length === 0) throw new Error('no item is marked for training in the split column');
  return { train, val, test, how: `the file's own split (${train.length} train, ${val.length} validation, ${test.length} test)` };
}

/** Draws B training items per batch, reshuffling every epoch; cursor = batches drawn, seek replays them. */
export class Sampler {
  private rng: Rng;
  private order: number[];
  private pos: number;
  drawn = 0;

  constructor(
    private readonly items: number[],
    readonly B: number,
    private readonly seed: number,
  ) {
    this.rng = new Rng(seed);
    this.order = [...items];
    this.pos = items.length;
  }

  next(): number[] {
    const out: number[] = [];
    while (out.length < this.B) {
      if (this.pos >= this.order.length) {
        this.rng.shuffle(this.order);
        this.pos = 0;
      }
      out.push(this.order[this.pos++]);
    }
    this.drawn++;
    return out;
  }

  seek(c: number): void {
    this.rng = new Rng(this.seed);
    this.order = [...this.items];
    this.pos = this.items.length;
    this.drawn = 0;
    while (this.drawn < c) this.next();
  }
}

export interface SampleDataParts {
  model: TrainingData['model'];
  train: number[];
  val: number[];
  test: number[];
  batchSize: number;
  seed: number;
  makeBatch(items: number[]): Batch;
  /** Head rows counted per training batch (sequences; tokens for per-step heads ≈ B × mean length). */
  tokensPerBatch: number;
  createMetrics(): MetricAccumulator;
  transforms: DataTransforms;
  summary: string;
  baseline?: TrainingData['baseline'];
  decodeSamples?: TrainingData['decodeSamples'];
  decodeAsText?: boolean;
  /**
   * Word dropout for training batches only: each (non-padding) input token becomes <unk> with this probability,
   * deterministically for the seed and batch number (so a resumed run replays it). Teaches the model what to do
   * with a word it has not seen, while it still learns the words it has.
   */
  unknownRate?: number;
  unknownId?: number;
}

/** TrainingData over independent samples: seeded shuffled batches for training, fixed ordered ones for validation. */
export function sampleData(p: SampleDataParts): TrainingData {
  const B = Math.min(p.batchSize, p.train.length);
  const sampler = new Sampler(p.train, B, p.seed);
  const chunks = (items: number[]): Batch[] => {
    const out: Batch[] = [];
    for (let i = 0; i < items.length; i += p.batchSize) out.push(p.makeBatch(items.slice(i, i + p.batchSize)));
    return out;
  };
  let val: Batch[] | undefined;
  let test: Batch[] | undefined;
  const data: TrainingData = {
    model: p.model,
    stateful: false,
    nextBatch: () => {
      const batch = p.makeBatch(sampler.next());
      if (p.unknownRate && batch.tokens) {
        const seed = fmix32((p.seed * 0x9e3779b1 + sampler.drawn) >>> 0);
        const { batchSize: Bn, steps: T, lengths } = batch;
        for (let t = 0; t < T; t++)
          for (let b = 0; b < Bn; b++) if ((!lengths || t < lengths[b]) && dropoutUniform(seed, t * Bn + b) < p.unknownRate) batch.tokens[t * Bn + b] = p.unknownId ?? 0;
      }
      return { batch };
    },
    validationBatches: () => (val ??= chunks(p.val)),
    batchesPerEpoch: Math.ceil(p.train.length / B),
    tokensPerBatch: p.tokensPerBatch,
    createMetrics: p.createMetrics,
    transforms: p.transforms,
    summary: p.summary,
    cursor: () => sampler.drawn,
    seek: (c) => sampler.seek(c),
  };
  if (p.test.length) data.testBatches = () => (test ??= chunks(p.test));
  if (p.baseline) data.baseline = p.baseline;
  if (p.decodeSamples) data.decodeSamples = p.decodeSamples;
  if (p.decodeAsText) data.decodeAsText = true;
  return data;
}

/** Mean and standard deviation (population; 1 when constant) of the finite values among `values`. */
export function fitScaling(values: Iterable<number>): { mean: number; std: number } {
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    n++;
    sum += v;
    sq += v * v;
  }
  const mean = n ? sum / n : 0;
  const std = n ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : 0;
  return { mean, std: std > 1e-12 * Math.max(1, Math.abs(mean)) ? std : 1 };
}

/** A numeric column with its gaps filled by linear interpolation; clear error when it has no value at all. */
export function filledNumbers(col: Column, flag: ColumnKey): { values: Float64Array; filled: number } {
  if (!col.numbers || col.type === 'categorical' || col.type === 'text')
    throw new SettingError(flag, `the column is ${col.type}, not numeric`, col.name);
  const v = Array.from(col.numbers);
  const filled = fillGaps(v);
  if (filled < 0) throw new SettingError(flag, `the column has no values (every cell is empty or missing)`, col.name);
  return { values: Float64Array.from(v), filled };
}

/** The label of each row as a string ('' = missing): categorical/text strings, or numbers written plainly. */
/** A label that says there is none (aclImdb's "unsup" reviews, its unsup/ folder): no class to learn. */
export const NO_LABEL = /^(unsup|unsupervised|(other_)?unlabel+ed|no[ _-]?label)$/i;

/** A column's values as labels ('' where missing, or marked as having no label). */
export function labelStrings(col: Column): string[] {
  if (col.strings) return col.strings.some((v) => NO_LABEL.test(v)) ? col.strings.map((v) => (NO_LABEL.test(v) ? '' : v)) : col.strings;
  if (col.numbers) return Array.from(col.numbers, (v) => (Number.isNaN(v) ? '' : String(v)));
  return [];
}

/** Distinct values with counts, most frequent first (ties alphabetical), ignoring ''. */
export function countValues(values: Iterable<string>): { value: string; count: number }[] {
  const m = new Map<string, number>();
  for (const v of values) if (v !== '') m.set(v, (m.get(v) ?? 0) + 1);
  return [...m].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

const MAX_CATEGORIES = 50;

/**
 * Fits how feature columns become a vector on the training rows: numeric and date columns are scaled (missing →
 * the training mean, i.e. 0), categorical ones one-hot over their training categories (missing or unseen → all 0).
 */
export function fitFeatures(cols: Column[], trainRows: number[], flag: ColumnKey = 'input'): FeatureEncoding[] {
  return cols.map((col): FeatureEncoding => {
    if (col.type === 'numeric' || col.type === 'date') {
      if (!col.numbers) throw new SettingError(flag, `the column has no numbers`, col.name);
      const s = fitScaling(trainRows.map((r) => col.numbers![r]));
      if (!trainRows.some((r) => Number.isFinite(col.numbers![r]))) throw new SettingError(flag, `the column has no values in the training rows`, col.name);
      return { kind: 'numeric', column: col.name, ...s };
    }
    const cats = countValues(trainRows.map((r) => col.strings![r]));
    if (cats.length > MAX_CATEGORIES)
      throw new SettingError(flag, `${cats.length} distinct values is too many for a categorical input (at most ${MAX_CATEGORIES}); leave it out of ${mention('input')}`, col.name);
    return { kind: 'categorical', column: col.name, categories: cats.map((c) => c.value) };
  });
}

export function featureWidth(enc: FeatureEncoding[]): number {
  return enc.reduce((s, e) => s + (e.kind === 'numeric' ? 1 : e.categories.length), 0);
}

/** Writes row r's encoded features at out[offset…]. */
export function encodeRow(enc: FeatureEncoding[], cols: Column[], r: number, out: Float32Array, offset: number): void {
  let o = offset;
  enc.forEach((e, i) => {
    const col = cols[i];
    if (e.kind === 'numeric') {
      const v = col.numbers![r];
      out[o++] = Number.isFinite(v) ? (v - e.mean) / e.std : 0;
    } else {
      const k = e.categories.indexOf(col.strings![r]);
      if (k >= 0) out[o + k] = 1;
      o += e.categories.length;
    }
  });
}

/** Majority-class accuracy of `trainLabels`' most frequent class on `valLabels` (class ids). */
export function majorityBaseline(trainLabels: number[], valLabels: number[], classes: string[]): { name: string; metrics: Record<string, number> } {
  const counts = new Map<number, number>();
  for (const l of trainLabels) counts.set(l, (counts.get(l) ?? 0) + 1);
  let best = 0;
  let bestN = -1;
  for (const [l, n] of counts) if (n > bestN || (n === bestN && l < best)) [best, bestN] = [l, n];
  const right = valLabels.filter((l) => l === best).length;
  return { name: `majority class "${classes[best]}"`, metrics: { accuracy: valLabels.length ? right / valLabels.length : 0 } };
}

/** Short rendering of a number for previews and summaries. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toPrecision(4);
  return String(Number(v.toPrecision(5)));
}
