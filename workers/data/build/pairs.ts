// Source ⇥ target pairs → encoder–decoder. Each side has its own token unit (`tokens`, `targetTokens`: characters of
// a spelling, words of a sentence or space-separated symbols; sideTokens proposes them from the data) and its own
// vocabulary, fitted on the training pairs. Source: '<unk>' = 0 (also the padding). Target: BOS = 0, EOS = 1,
// '<unk>' = 2. Teacher forcing:
// decoderTokens = BOS + target, targetClasses = target + EOS, −1 beyond, decoderLengths = |target| + 1; the source
// padded to the batch's longest with lengths. Split by a seeded shuffle. Metric: teacher-forced token accuracy;
// decodeSamples (≤ 200 validation pairs) let the trainer greedy-decode for exactMatch and tokenErrorRate (and for a
// target of sentences, BLEU and chrF). Baseline:
// copying the source.

import type { Batch } from '../../engine/batch';
import type { TrainingData } from '../../engine/data-source';
import type { ParsedPairs } from '../parsed';
import { accuracyMetrics } from '../text';
import { type DatasetChoice, resolveMaxLength } from './choices';
import { embedSizeFor } from './classify';
import { BOS, EOS, fmt, markedSplit, sampleData, tokenize, UNK, Vocabulary } from './common';
import { exactMatch, tokenErrorRate } from './metrics';

/**
 * How one side of source → target pairs is cut into tokens, and why (from up to 2,000 of its texts): the proposal's
 * choice per side, and whether decodes are scored as text (BLEU, chrF: a target of sentences).
 */
export interface SideTokens {
  tokens: 'char' | 'word';
  kind: 'words' | 'symbols' | 'sentences';
  /** What the side looks like, for the proposal's reason: "single words", "sentences", "space-separated symbols". */
  looks: string;
}

/**
 * A side of mostly single words (a spelling, a transliteration) is read character by character; a side of several
 * space-separated items is read item by item: short items from a small set are symbols (CMU-dict phonemes
 * "K AE1 T", tags), longer ones words of sentences.
 */
export function sideTokens(texts: readonly string[]): SideTokens {
  const stepBy = Math.max(1, Math.floor(texts.length / 2000));
  let seen = 0;
  let spaced = 0;
  let items = 0;
  let itemChars = 0;
  const distinct = new Set<string>();
  for (let i = 0; i < texts.length; i += stepBy) {
    const s = texts[i].trim();
    if (s === '') continue;
    seen++;
    const parts = s.split(/\s+/);
    if (parts.length > 1) spaced++;
    items += parts.length;
    for (const p of parts) {
      itemChars += Array.from(p).length;
      if (distinct.size <= 1000) distinct.add(p);
    }
  }
  if (seen === 0 || spaced < 0.5 * seen) return { tokens: 'char', kind: 'words', looks: 'single words' };
  const meanItem = itemChars / items;
  if (meanItem <= 3 && distinct.size <= 200) return { tokens: 'word', kind: 'symbols', looks: `space-separated symbols (${distinct.size} distinct, ${fmt(meanItem)} characters each on average)` };
  return { tokens: 'word', kind: 'sentences', looks: `sentences (${fmt(items / seen)} words on average)` };
}

export const PAIR_BOS = 0;
export const PAIR_EOS = 1;
const MAX_DECODE_SAMPLES = 200;

export function pairsData(parsed: ParsedPairs, choice: DatasetChoice): TrainingData {
  // per side: the target as the source unless chosen apart (requests from before per-side tokens name one unit)
  const srcUnit = choice.tokens ?? 'char';
  const tgtUnit = choice.targetTokens ?? choice.tokens ?? 'char';
  const all = parsed.pairs.map((p) => ({ src: tokenize(p.source, srcUnit), tgt: tokenize(p.target, tgtUnit), source: p.source, target: p.target, split: p.split }));
  const pairs = all.filter((p) => p.src.length > 0);
  if (pairs.length === 0) throw new Error('no pairs with a non-empty source');
  const longest = pairs.reduce((m, p) => Math.max(m, p.src.length, p.tgt.length + 1), 0);
  const maxLength = resolveMaxLength(longest, choice, 'a source or target is');
  const truncated = pairs.filter((p) => p.src.length > maxLength || p.tgt.length + 1 > maxLength).length;
  const cut = pairs.map((p) => ({ src: p.src.slice(0, maxLength), tgt: p.tgt.slice(0, maxLength - 1) }));
  // Pairs that share a source (several translations of one sentence) stay in one split, so validation never
  // scores a source the model was trained on.
  const sources = new Map<string, number[]>();
  pairs.forEach((p, i) => {
    const g = sources.get(p.source);
    if (g) g.push(i);
    else sources.set(p.source, [i]);
  });
  const groups = [...sources.values()];
  const bySource = markedSplit(groups.map((g) => pairs[g[0]].split), choice.valFraction, choice.testFraction, choice.seed);
  const expand = (ix: number[]): number[] => ix.flatMap((i) => groups[i]).sort((a, b) => a - b);
  const split = { train: expand(bySource.train), val: expand(bySource.val), test: expand(bySource.test), how: `${bySource.how}, by source: ${groups.length} distinct sources` };
  const srcVocab = Vocabulary.fit(split.train.map((i) => cut[i].src), [UNK], choice.vocabularyCap);
  const tgtVocab = Vocabulary.fit(split.train.map((i) => cut[i].tgt), [BOS, EOS, UNK], choice.vocabularyCap);
  const src = cut.map((p) => srcVocab.encode(p.src));
  const tgt = cut.map((p) => tgtVocab.encode(p.tgt));

  const makeBatch = (its: number[]): Batch => {
    const B = its.length;
    const T = its.reduce((m, i) => Math.max(m, src[i].length), 1);
    const Td = its.reduce((m, i) => Math.max(m, tgt[i].length + 1), 1);
    const tokens = new Int32Array(T * B);
    const lengths = new Int32Array(B);
    const decoderTokens = new Int32Array(Td * B).fill(PAIR_EOS);
    const decoderLengths = new Int32Array(B);
    const targetClasses = new Int32Array(Td * B).fill(-1);
    its.forEach((i, b) => {
      const s = src[i];
      const y = tgt[i];
      lengths[b] = s.length;
      for (let t = 0; t < s.length; t++) tokens[t * B + b] = s[t];
      decoderLengths[b] = y.length + 1;
      decoderTokens[b] = PAIR_BOS;
      for (let t = 0; t < y.length; t++) {
        decoderTokens[(t + 1) * B + b] = y[t];
        targetClasses[t * B + b] = y[t];
      }
      targetClasses[y.length * B + b] = PAIR_EOS;
    });
    return { batchSize: B, steps: T, tokens, lengths, decoderSteps: Td, decoderTokens, decoderLengths, targetClasses };
  };
  // decodes are scored as text too (BLEU, chrF) where the target is words of sentences, not symbols or spellings
  const decodeAsText = tgtUnit === 'word' && sideTokens(pairs.map((p) => p.target)).kind === 'sentences';
  const decodeSamples = split.val.slice(0, MAX_DECODE_SAMPLES).map((i) => ({ source: src[i], reference: tgt[i], referenceText: pairs[i].target }));
  const copy = split.val.map((i) => cut[i].src);
  const refs = split.val.map((i) => cut[i].tgt);
  const baseline = { name: 'copy the source', metrics: { exactMatch: exactMatch(copy, refs), tokenErrorRate: tokenErrorRate(copy, refs) } };
  const V = tgtVocab.size;
  const meanLen = split.train.reduce((s, i) => s + tgt[i].length + 1, 0) / split.train.length;
  const summary =
    `pairs: ${cut.length} source → target pairs (${split.train.length} training, ${split.val.length} validation${split.test.length ? `, ${split.test.length} test` : ''}, ${split.how})` +
    `${all.length - pairs.length ? `, ${all.length - pairs.length} with an empty source left out` : ''}; ${srcUnit === tgtUnit ? `${srcUnit} tokens` : `${srcUnit} → ${tgtUnit} tokens`}, source vocabulary ${srcVocab.size}, target vocabulary ${V} (with <bos>, <eos>, <unk>; cap ${choice.vocabularyCap})` +
    `; up to ${maxLength} tokens${truncated ? ` (${truncated} longer pairs cut)` : ''}; baseline ${baseline.name}: token error rate ${baseline.metrics.tokenErrorRate.toFixed(3)}, exact match ${baseline.metrics.exactMatch.toFixed(3)}`;
  return sampleData({
    model: {
      shape: 'encoder-decoder',
      input: { vocabSize: srcVocab.size, embedSize: embedSizeFor(srcVocab.size), featureSize: 0 },
      output: { kind: 'classes', size: V },
      decoder: { vocabSize: V, embedSize: embedSizeFor(V) },
    },
    ...split,
    batchSize: choice.batchSize,
    seed: choice.seed,
    makeBatch,
    tokensPerBatch: Math.round(Math.min(choice.batchSize, split.train.length) * meanLen),
    createMetrics: () => accuracyMetrics(V, false),
    transforms: { kind: 'pairs', source: { tokens: srcUnit, vocabulary: srcVocab.words }, target: { tokens: tgtUnit, vocabulary: tgtVocab.words }, bos: PAIR_BOS, eos: PAIR_EOS, maxLength },
    summary,
    baseline,
    decodeSamples,
    decodeAsText,
  });
}
