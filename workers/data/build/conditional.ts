// A label or feature columns → a token sequence (one-to-many), e.g. a category → a name generated char by char.
// Vocabulary (fitted on the training rows): BOS = 0, EOS = 1, '<unk>' = 2, then tokens. Input per step t =
// [previous token (BOS at t = 0) | the row's encoded features (one-hot label / scaled numbers)], target = the token
// at t, then EOS; −1 beyond, lengths = |sequence| + 1 — as the one-to-many case of engine/shapes.test.ts.
// Split by a seeded shuffle. Metrics accuracy and perplexity; baseline the unigram model of the training tokens.

import type { Batch } from '../../engine/batch';
import type { TrainingData } from '../../engine/data-source';
import type { Column, ParsedTable } from '../parsed';
import { accuracyMetrics } from '../text';
import { type DatasetChoice, findColumn, resolveMaxLength } from './choices';
import { embedSizeFor } from './classify';
import { BOS, encodeRow, EOS, featureWidth, fitFeatures, sampleData, splitRows, tokenize, UNK, Vocabulary } from './common';
import { defaultFeatureColumns } from './tabular';
import { mention, SettingError } from '../../../src-shared/settings';

export const GEN_BOS = 0;
export const GEN_EOS = 1;

/** Unigram model of training token ids (add-one smoothed): perplexity and accuracy of always the top token on `val`. */
export function unigramBaseline(train: Iterable<ArrayLike<number>>, val: Iterable<ArrayLike<number>>, V: number): { name: string; metrics: Record<string, number> } {
  const counts = new Float64Array(V).fill(1);
  let total = V;
  for (const s of train) for (let i = 0; i < s.length; i++) (counts[s[i]]++, total++);
  let top = 0;
  for (let i = 1; i < V; i++) if (counts[i] > counts[top]) top = i;
  let nll = 0;
  let n = 0;
  let right = 0;
  for (const s of val)
    for (let i = 0; i < s.length; i++) {
      nll -= Math.log(counts[s[i]] / total);
      if (s[i] === top) right++;
      n++;
    }
  return { name: 'unigram (token frequencies)', metrics: { accuracy: n ? right / n : 0, perplexity: n ? Math.exp(nll / n) : NaN } };
}

export function conditionalData(table: ParsedTable, choice: DatasetChoice): TrainingData {
  const textCols = table.columns.filter((c) => c.type === 'text' || c.type === 'categorical');
  const seqCol: Column | undefined = choice.target !== undefined ? findColumn(table, choice.target, 'target') : textCols[textCols.length - 1];
  if (!seqCol || !seqCol.strings) throw new SettingError(undefined, `one-to-many needs a text column to generate: name it with ${mention('target')}`);
  const inputCols = choice.input?.length ? choice.input.map((n) => findColumn(table, n, 'input')) : defaultFeatureColumns(table, [seqCol]);
  if (inputCols.length === 0) throw new SettingError(undefined, `one-to-many needs a label or feature columns to start from: name them with ${mention('input')}`);
  const unit = choice.tokens ?? 'char';
  const rows: number[] = [];
  for (let r = 0; r < table.rows; r++) if (seqCol.strings[r].trim() !== '') rows.push(r);
  if (rows.length === 0) throw new SettingError('target', `the column has no values`, seqCol.name);
  const toks = new Map(rows.map((r) => [r, tokenize(seqCol.strings![r], unit)]));
  const longest = [...toks.values()].reduce((m, t) => Math.max(m, t.length + 1), 0);
  const maxLength = resolveMaxLength(longest, choice, `a text in "${seqCol.name}" is`);
  for (const [r, t] of toks) toks.set(r, t.slice(0, maxLength - 1));
  const { train, val, test } = splitRows(rows, choice.valFraction, choice.testFraction, choice.seed);
  const enc = fitFeatures(inputCols, train);
  const F = featureWidth(enc);
  const vocab = Vocabulary.fit(train.map((r) => toks.get(r)!), [BOS, EOS, UNK], choice.vocabularyCap);
  const ids = new Map(rows.map((r) => [r, vocab.encode(toks.get(r)!)]));
  const V = vocab.size;

  const makeBatch = (its: number[]): Batch => {
    const B = its.length;
    const T = its.reduce((m, r) => Math.max(m, ids.get(r)!.length + 1), 1);
    const tokens = new Int32Array(T * B);
    const features = new Float32Array(T * B * F);
    const targetClasses = new Int32Array(T * B).fill(-1);
    const lengths = new Int32Array(B);
    const row = new Float32Array(F);
    its.forEach((r, b) => {
      const s = ids.get(r)!;
      row.fill(0);
      encodeRow(enc, inputCols, r, row, 0);
      lengths[b] = s.length + 1;
      for (let t = 0; t <= s.length; t++) {
        tokens[t * B + b] = t === 0 ? GEN_BOS : s[t - 1];
        features.set(row, (t * B + b) * F);
        targetClasses[t * B + b] = t < s.length ? s[t] : GEN_EOS;
      }
    });
    return { batchSize: B, steps: T, tokens, features, lengths, targetClasses };
  };
  const withEos = (r: number): Int32Array => Int32Array.from([...ids.get(r)!, GEN_EOS]);
  const baseline = unigramBaseline(train.map(withEos), val.map(withEos), V);
  const meanLen = train.reduce((s, r) => s + ids.get(r)!.length + 1, 0) / train.length;
  const summary =
    `one-to-many: ${inputCols.map((c) => `"${c.name}"`).join(', ')} → "${seqCol.name}" generated ${unit} by ${unit}, ${rows.length} rows (${train.length} training, ${val.length} validation${test.length ? `, ${test.length} test` : ''}, shuffled with seed ${choice.seed})` +
    `; vocabulary ${V} (with <bos>, <eos>, <unk>; cap ${choice.vocabularyCap}); up to ${maxLength} steps; ${F} conditioning values per step` +
    `; baseline ${baseline.name}: perplexity ${baseline.metrics.perplexity.toFixed(2)}`;
  return sampleData({
    model: { shape: 'one-to-many', input: { vocabSize: V, embedSize: embedSizeFor(V), featureSize: F }, output: { kind: 'classes', size: V } },
    train,
    val,
    test,
    batchSize: choice.batchSize,
    seed: choice.seed,
    makeBatch,
    tokensPerBatch: Math.round(Math.min(choice.batchSize, train.length) * meanLen),
    createMetrics: () => accuracyMetrics(V, true),
    transforms: { kind: 'conditional', inputs: enc, column: seqCol.name, tokens: unit, vocabulary: vocab.words, bos: GEN_BOS, eos: GEN_EOS, maxLength },
    summary,
    baseline,
  });
}
