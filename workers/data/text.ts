// Plain text → next-token prediction (many-to-many aligned), by characters or by words (a line's end a token of its
// own; words beyond the vocabulary cap, or seen once in a text without <unk>, read as <unk>), trained by truncated BPTT.
// The training text (all but the last valFraction) is cut into B parallel streams; batch k reads steps
// [k·T, (k+1)·T) of every stream and predicts each next character, carrying the hidden state from batch k−1.
// A stream that runs out wraps to its start and its carried state is reset. Validation does the same on the tail.

import type { Batch } from '../engine/batch';
import type { MetricAccumulator, TrainingData } from '../engine/data-source';
import { UNK, Vocabulary, wordsOfText } from './build/common';

export interface TextOptions {
  batchSize: number;
  sequenceLength: number;
  valFraction: number;
  /** Cap on validation tokens (evaluation cost); the tail is used up to this many. */
  maxValidationChars?: number;
  /** Characters (the default) or words. */
  tokens?: 'char' | 'word';
  /** Words: the largest vocabulary (with <unk>). */
  vocabularyCap?: number;
}

/**
 * Running text as word ids: the vocabulary from the training part (all but the tail); where the text has no <unk> of
 * its own, a word seen once becomes <unk> too, so the model learns what to do with a word it has not seen.
 */
export function encodeWords(text: string, valFraction: number, cap: number): { ids: Int32Array; vocabulary: string[]; nVal: number } {
  const words = wordsOfText(text);
  const nVal = Math.max(0, Math.floor(words.length * valFraction));
  const train = words.slice(0, words.length - nVal);
  const vocab = Vocabulary.fit([train], [UNK], cap, train.includes(UNK) ? 1 : 2);
  return { ids: vocab.encode(words), vocabulary: vocab.words, nVal };
}

/** Each code point of `text` in order, without building an array of them (texts run to 100 million characters). */
function forEachChar(text: string, fn: (c: string, i: number) => void): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const hi = text.charCodeAt(i);
    const pair = hi >= 0xd800 && hi < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    fn(pair ? text.slice(i, i + 2) : text[i], n++);
    if (pair) i++;
  }
  return n;
}

export function buildVocabulary(text: string): string[] {
  const seen = new Set<string>();
  forEachChar(text, (c) => seen.add(c));
  return [...seen].sort();
}

export function encodeText(text: string, vocabulary: string[]): Int32Array {
  const index = new Map(vocabulary.map((c, i) => [c, i]));
  const ids = new Int32Array(text.length); // ≥ the code points; trimmed below
  const n = forEachChar(text, (c, i) => {
    const id = index.get(c);
    if (id === undefined) throw new Error(`character ${JSON.stringify(c)} is not in the vocabulary`);
    ids[i] = id;
  });
  return n === ids.length ? ids : ids.slice(0, n);
}

/** B streams over ids, chunked into T steps with next-token targets. */
export class StreamBatcher {
  readonly streamLength: number;
  private position = 0;

  constructor(private readonly ids: Int32Array, readonly B: number, readonly T: number) {
    this.streamLength = Math.floor((ids.length - 1) / B);
    if (this.streamLength < T + 1) throw new Error(`the text is too short for ${B} streams of ${T + 1} characters: use a smaller batch or sequence length`);
  }

  /** Chunks per pass over the streams. */
  get chunks(): number {
    return Math.floor((this.streamLength - 1) / this.T);
  }

  get cursor(): number {
    return this.position;
  }
  set cursor(c: number) {
    this.position = c % this.chunks;
  }

  next(): { batch: Batch; restart: boolean[] } {
    const { B, T } = this;
    const restart = new Array<boolean>(B).fill(this.position === 0);
    const start = this.position * T;
    const tokens = new Int32Array(T * B);
    const targets = new Int32Array(T * B);
    for (let b = 0; b < B; b++) {
      const base = b * this.streamLength + start;
      for (let t = 0; t < T; t++) {
        tokens[t * B + b] = this.ids[base + t];
        targets[t * B + b] = this.ids[base + t + 1];
      }
    }
    this.position = (this.position + 1) % this.chunks;
    return { batch: { batchSize: B, steps: T, tokens, targetClasses: targets }, restart };
  }
}

/** Running text as token ids (characters or words), its vocabulary, and how many ids at the end are for validation. */
export function encodeRunningText(text: string, opts: Pick<TextOptions, 'tokens' | 'vocabularyCap' | 'valFraction'>): { ids: Int32Array; vocabulary: string[]; nVal: number } {
  if (opts.tokens === 'word') return encodeWords(text, opts.valFraction, opts.vocabularyCap ?? 20_000);
  const vocabulary = buildVocabulary(text);
  const ids = encodeText(text, vocabulary);
  return { ids, vocabulary, nVal: Math.max(0, Math.floor(ids.length * opts.valFraction)) };
}

export function textData(text: string, opts: TextOptions, encoded = encodeRunningText(text, opts)): TrainingData {
  if (text.length === 0) throw new Error('the text is empty');
  const unit = opts.tokens ?? 'char';
  const { ids, vocabulary, nVal } = encoded;
  if (unit === 'word' && ids.length - nVal < 2 * opts.sequenceLength + 2) throw new Error(`the text has only ${ids.length} words: too few to learn words from (read it by characters)`);
  const trainIds = ids.subarray(0, ids.length - nVal);
  let valIds = ids.subarray(ids.length - nVal);
  if (opts.maxValidationChars && valIds.length > opts.maxValidationChars) valIds = valIds.subarray(0, opts.maxValidationChars);
  const train = new StreamBatcher(trainIds, opts.batchSize, opts.sequenceLength);
  let valBatches: Batch[] | undefined;
  const V = vocabulary.length;
  return {
    model: { shape: 'many-to-many', input: { vocabSize: V, embedSize: Math.min(unit === 'word' ? 128 : 64, V), featureSize: 0 }, output: { kind: 'classes', size: V } },
    stateful: true,
    nextBatch: () => train.next(),
    validationBatches() {
      if (!valBatches) {
        valBatches = [];
        if (valIds.length > opts.sequenceLength + 1) {
          const B = Math.max(1, Math.min(opts.batchSize, Math.floor((valIds.length - 1) / (opts.sequenceLength + 1))));
          const v = new StreamBatcher(valIds, B, opts.sequenceLength);
          for (let i = 0; i < v.chunks; i++) valBatches.push(v.next().batch);
        }
      }
      return valBatches;
    },
    batchesPerEpoch: train.chunks,
    tokensPerBatch: opts.batchSize * opts.sequenceLength,
    createMetrics: () => accuracyMetrics(V, true),
    transforms: { kind: 'text', tokens: unit, vocabulary },
    summary: `text: ${ids.length} ${unit === 'word' ? 'words (a line\'s end counted as one)' : 'characters'}, vocabulary ${V}${unit === 'word' ? ` (cap ${opts.vocabularyCap ?? 20_000}, <unk> for the rest)` : ''}, ${trainIds.length} for training (${opts.batchSize} streams × ${train.chunks} chunks of ${opts.sequenceLength}), ${valIds.length} for validation`,
    cursor: () => train.cursor,
    seek: (c) => {
      train.cursor = c;
    },
  };
}

/** Accuracy of the argmax over classes (per counted row), plus perplexity for next-token models. */
export function accuracyMetrics(O: number, perplexity: boolean): MetricAccumulator {
  let right = 0;
  let total = 0;
  return {
    add(outputs, batch) {
      const targets = batch.targetClasses!;
      for (let i = 0; i < targets.length; i++) {
        if (targets[i] < 0 || (batch.weights && batch.weights[i] === 0)) continue;
        let best = 0;
        for (let j = 1; j < O; j++) if (outputs[i * O + j] > outputs[i * O + best]) best = j;
        if (best === targets[i]) right++;
        total++;
      }
    },
    result(meanLoss) {
      const r: Record<string, number> = { accuracy: total ? right / total : 0 };
      if (perplexity) r.perplexity = Math.exp(meanLoss);
      return r;
    },
  };
}
