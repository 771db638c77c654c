// Tagged sentences → one tag per token (many-to-many aligned): a word vocabulary fitted on the training sentences
// (capped, <unk> = 0, also the padding), the tags as classes, batches padded to their longest sentence with lengths
// and target −1 on padding. Split by a seeded shuffle. Metric per-token accuracy; baseline the most frequent tag
// of each token in training (the overall most frequent tag for unseen tokens).

import type { Batch } from '../../engine/batch';
import type { TrainingData } from '../../engine/data-source';
import type { ParsedTagged } from '../parsed';
import { accuracyMetrics } from '../text';
import { type DatasetChoice, labelWarnings, resolveMaxLength } from './choices';
import { embedSizeFor } from './classify';
import { sampleData, shuffledSplit, UNK, Vocabulary } from './common';

/** Per-token accuracy of tagging each token with its most frequent training tag. */
export function mostFrequentTagBaseline(train: { tokens: string[]; tags: string[] }[], val: { tokens: string[]; tags: string[] }[]): { name: string; metrics: Record<string, number> } {
  const byToken = new Map<string, Map<string, number>>();
  const overall = new Map<string, number>();
  for (const s of train)
    s.tokens.forEach((w, i) => {
      let m = byToken.get(w);
      if (!m) byToken.set(w, (m = new Map()));
      m.set(s.tags[i], (m.get(s.tags[i]) ?? 0) + 1);
      overall.set(s.tags[i], (overall.get(s.tags[i]) ?? 0) + 1);
    });
  const top = (m: Map<string, number>): string => [...m].reduce((a, b) => (b[1] > a[1] || (b[1] === a[1] && b[0] < a[0]) ? b : a))[0];
  const fallback = overall.size ? top(overall) : '';
  let right = 0;
  let total = 0;
  for (const s of val)
    s.tokens.forEach((w, i) => {
      const m = byToken.get(w);
      if ((m ? top(m) : fallback) === s.tags[i]) right++;
      total++;
    });
  return { name: 'most frequent tag per token', metrics: { accuracy: total ? right / total : 0 } };
}

export function taggingData(parsed: ParsedTagged, choice: DatasetChoice): TrainingData & { warnings: string[] } {
  const sentences = parsed.sentences.filter((s) => s.tokens.length > 0);
  if (sentences.length === 0) throw new Error('no tagged sentences');
  const longest = sentences.reduce((m, s) => Math.max(m, s.tokens.length), 0);
  const maxLength = resolveMaxLength(longest, choice, 'a sentence is');
  const cut = sentences.map((s) => ({ tokens: s.tokens.slice(0, maxLength), tags: s.tags.slice(0, maxLength) }));
  const truncated = sentences.filter((s) => s.tokens.length > maxLength).length;
  const tags = parsed.tags.length ? parsed.tags.map((t) => t.value) : [...new Set(cut.flatMap((s) => s.tags))];
  const tagIndex = new Map(tags.map((t, i) => [t, i]));
  const split = shuffledSplit(cut.length, choice.valFraction, choice.testFraction, choice.seed);
  const vocab = Vocabulary.fit(split.train.map((i) => cut[i].tokens), [UNK], choice.vocabularyCap);
  const ids = cut.map((s) => vocab.encode(s.tokens));
  const tagIds = cut.map((s) => Int32Array.from(s.tags, (t) => tagIndex.get(t) ?? -1));
  const K = tags.length;
  const shapes = cut.map((s) => s.tokens.map(wordShape));
  const makeBatch = (its: number[]): Batch => {
    const B = its.length;
    const T = its.reduce((m, i) => Math.max(m, ids[i].length), 1);
    const tokens = new Int32Array(T * B);
    const features = new Float32Array(T * B * SHAPE_FEATURES);
    const targetClasses = new Int32Array(T * B).fill(-1);
    const lengths = new Int32Array(B);
    its.forEach((i, b) => {
      lengths[b] = ids[i].length;
      for (let t = 0; t < ids[i].length; t++) {
        tokens[t * B + b] = ids[i][t];
        targetClasses[t * B + b] = tagIds[i][t];
        features.set(shapes[i][t], (t * B + b) * SHAPE_FEATURES);
      }
    });
    return { batchSize: B, steps: T, tokens, features, lengths, targetClasses };
  };
  const meanLen = split.train.reduce((s, i) => s + ids[i].length, 0) / split.train.length;
  const baseline = mostFrequentTagBaseline(split.train.map((i) => cut[i]), split.val.map((i) => cut[i]));
  const summary =
    `tagging: ${cut.length} sentences (${split.train.length} training, ${split.val.length} validation${split.test.length ? `, ${split.test.length} test` : ''}, shuffled with seed ${choice.seed}), ` +
    `${cut.reduce((s, x) => s + x.tokens.length, 0)} tokens; word vocabulary ${vocab.size} (cap ${choice.vocabularyCap}, <unk> for the rest); up to ${maxLength} tokens${truncated ? ` (${truncated} longer sentences cut)` : ''}; ` +
    `${K} tags: ${parsed.tags.slice(0, 10).map((t) => `${t.value} ${t.count}`).join(', ')}${K > 10 ? ', …' : ''}; baseline ${baseline.name}: accuracy ${baseline.metrics.accuracy.toFixed(3)}`;
  return {
    ...sampleData({
      model: { shape: 'many-to-many', input: { vocabSize: vocab.size, embedSize: embedSizeFor(vocab.size), featureSize: SHAPE_FEATURES }, output: { kind: 'classes', size: K } },
      ...split,
      batchSize: choice.batchSize,
      seed: choice.seed,
      makeBatch,
      tokensPerBatch: Math.round(Math.min(choice.batchSize, split.train.length) * meanLen),
      createMetrics: () => accuracyMetrics(K, false),
      transforms: { kind: 'tagging', vocabulary: vocab.words, tags, maxLength },
      summary,
      baseline,
      unknownRate: 0.1, // word dropout: unseen words at validation meet a trained <unk>
      unknownId: 0,
    }),
    warnings: labelWarnings(parsed.tags, 'tag'),
  };
}

/**
 * Word-shape features beside each token's embedding: what a tagger can still see of a word it has never met
 * (names are capitalised, handles start with @, numbers have digits…). Order: capitalised, all capitals, has a
 * digit, starts with @ or #, looks like a URL, punctuation only, length / 10 (capped at 2).
 */
export const SHAPE_FEATURES = 7;
export function wordShape(w: string): Float32Array {
  const f = new Float32Array(SHAPE_FEATURES);
  const first = w.charAt(0);
  f[0] = first !== first.toLowerCase() ? 1 : 0;
  f[1] = w.length > 1 && w === w.toUpperCase() && w !== w.toLowerCase() ? 1 : 0;
  f[2] = /\d/.test(w) ? 1 : 0;
  f[3] = first === '@' || first === '#' ? 1 : 0;
  f[4] = /^(https?:|www\.)/i.test(w) ? 1 : 0;
  f[5] = /^[\p{P}\p{S}]+$/u.test(w) ? 1 : 0;
  f[6] = Math.min(2, w.length / 10);
  return f;
}
