// Tagged sentences → one tag per token (many-to-many aligned): a word vocabulary fitted on the training sentences
// (capped, <unk> = 0, also the padding), the tags as classes, batches padded to their longest sentence with lengths
// and target −1 on padding. Split by a seeded shuffle. Metrics: per-token accuracy, and when the tags are BIO
// (B-X / I-X / O) entity-level precision, recall and F1 (exact spans, conlleval rules: entities.ts), the standard
// NER figure: tagging every token O scores a high accuracy on sparse entities but an entity F1 of 0. Baseline the
// most frequent tag of each token in training (the overall most frequent tag for unseen tokens), scored the same way.

import type { Batch } from '../../engine/batch';
import type { MetricAccumulator, TrainingData } from '../../engine/data-source';
import type { ParsedTagged } from '../parsed';
import { accuracyMetrics } from '../text';
import { type DatasetChoice, labelWarnings, resolveMaxLength } from './choices';
import { embedSizeFor } from './classify';
import { markedSplit, sampleData, UNK, Vocabulary } from './common';
import { EntityCounts, isBioTagSet } from './entities';

/**
 * Tagging each token with its most frequent training tag: per-token accuracy, and entity precision, recall and F1
 * when `bio` (default: when the tags of `train` and `val` are BIO).
 */
export function mostFrequentTagBaseline(
  train: { tokens: string[]; tags: string[] }[],
  val: { tokens: string[]; tags: string[] }[],
  bio = isBioTagSet(new Set([...train, ...val].flatMap((s) => s.tags))),
): { name: string; metrics: Record<string, number> } {
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
  const entities = new EntityCounts();
  for (const s of val) {
    const predicted = s.tokens.map((w) => {
      const m = byToken.get(w);
      return m ? top(m) : fallback;
    });
    predicted.forEach((tag, i) => {
      if (tag === s.tags[i]) right++;
      total++;
    });
    if (bio) entities.add(predicted, s.tags);
  }
  const accuracy = total ? right / total : 0;
  return { name: 'most frequent tag per token', metrics: bio ? { ...entities.scores(), accuracy } : { accuracy } };
}

/**
 * Validation metrics of a tagger: per-token accuracy over the counted tokens (target ≥ 0, weight ≠ 0), and for a
 * BIO tag set entity precision, recall and F1, micro-averaged over the sentences (padding and masked tokens are
 * outside every entity, in the prediction as in the reference). Entity F1 comes first: it is the one to judge by.
 */
export function taggingMetrics(tags: string[], bio = isBioTagSet(tags)): MetricAccumulator {
  const K = tags.length;
  const accuracy = accuracyMetrics(K, false);
  const entities = new EntityCounts();
  return {
    add(outputs, batch) {
      accuracy.add(outputs, batch);
      if (!bio) return;
      const { batchSize: B, steps: T, lengths, weights } = batch;
      const targets = batch.targetClasses!;
      for (let b = 0; b < B; b++) {
        const n = lengths ? lengths[b] : T;
        const predicted: (string | null)[] = new Array(n);
        const reference: (string | null)[] = new Array(n);
        for (let t = 0; t < n; t++) {
          const i = t * B + b;
          if (targets[i] < 0 || (weights && weights[i] === 0)) {
            predicted[t] = reference[t] = null;
            continue;
          }
          let best = 0;
          for (let j = 1; j < K; j++) if (outputs[i * K + j] > outputs[i * K + best]) best = j;
          predicted[t] = tags[best];
          reference[t] = tags[targets[i]];
        }
        entities.add(predicted, reference);
      }
    },
    result(meanLoss) {
      const a = accuracy.result(meanLoss);
      return bio ? { ...entities.scores(), ...a } : a;
    },
  };
}

export function taggingData(parsed: ParsedTagged, choice: DatasetChoice): TrainingData & { warnings: string[] } {
  const sentences = parsed.sentences.filter((s) => s.tokens.length > 0);
  if (sentences.length === 0) throw new Error('no tagged sentences');
  const longest = sentences.reduce((m, s) => Math.max(m, s.tokens.length), 0);
  const maxLength = resolveMaxLength(longest, choice, 'a sentence is');
  const cut = sentences.map((s) => ({ tokens: s.tokens.slice(0, maxLength), tags: s.tags.slice(0, maxLength), split: s.split }));
  const truncated = sentences.filter((s) => s.tokens.length > maxLength).length;
  const tags = parsed.tags.length ? parsed.tags.map((t) => t.value) : [...new Set(cut.flatMap((s) => s.tags))];
  const tagIndex = new Map(tags.map((t, i) => [t, i]));
  const bio = isBioTagSet(tags, parsed.tags);
  const split = markedSplit(cut.map((s) => s.split), choice.valFraction, choice.testFraction, choice.seed);
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
  const baseline = mostFrequentTagBaseline(split.train.map((i) => cut[i]), split.val.map((i) => cut[i]), bio);
  const valTokens = split.val.reduce((s, i) => s + cut[i].tags.length, 0);
  const valOutside = split.val.reduce((s, i) => s + cut[i].tags.filter((t) => t === 'O').length, 0);
  const scored = bio
    ? `baseline ${baseline.name}: entity F1 ${baseline.metrics.entityF1.toFixed(3)} (precision ${baseline.metrics.entityPrecision.toFixed(3)}, recall ${baseline.metrics.entityRecall.toFixed(3)}), accuracy ${baseline.metrics.accuracy.toFixed(3)}; ` +
      `tagging every token O would score accuracy ${(valTokens ? valOutside / valTokens : 0).toFixed(3)} but entity F1 0 (it finds no entity): judge by entity F1`
    : `baseline ${baseline.name}: accuracy ${baseline.metrics.accuracy.toFixed(3)}`;
  const summary =
    `tagging: ${cut.length} sentences (${split.train.length} training, ${split.val.length} validation${split.test.length ? `, ${split.test.length} test` : ''}, ${split.how}), ` +
    `${cut.reduce((s, x) => s + x.tokens.length, 0)} tokens; word vocabulary ${vocab.size} (cap ${choice.vocabularyCap}, <unk> for the rest); up to ${maxLength} tokens${truncated ? ` (${truncated} longer sentences cut)` : ''}; ` +
    `${K} tags: ${parsed.tags.slice(0, 10).map((t) => `${t.value} ${t.count}`).join(', ')}${K > 10 ? ', …' : ''}; ${bio ? 'BIO entities scored by exact span; ' : ''}${scored}`;
  return {
    ...sampleData({
      model: { shape: 'many-to-many', input: { vocabSize: vocab.size, embedSize: embedSizeFor(vocab.size), featureSize: SHAPE_FEATURES }, output: { kind: 'classes', size: K } },
      ...split,
      batchSize: choice.batchSize,
      seed: choice.seed,
      makeBatch,
      tokensPerBatch: Math.round(Math.min(choice.batchSize, split.train.length) * meanLen),
      createMetrics: () => taggingMetrics(tags, bio),
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
