// Numeric sequences with a label on every step (activity recognition: a sensor trace, the activity at each reading)
// → many-to-many classification. Features scaled with the training sequences' mean and std, gaps inside a sequence
// filled by linear interpolation; long sequences cut into consecutive pieces of at most `maxLength` steps (default
// 200) so that batches stay small; padded per batch with lengths. Split by whole sequences (a seeded shuffle, or the
// data's split markers). Metric per-step accuracy; baseline the most frequent label.

import type { Batch } from '../../engine/batch';
import type { TrainingData } from '../../engine/data-source';
import type { ParsedSequences } from '../parsed';
import { fillGaps } from '../series';
import { accuracyMetrics } from '../text';
import { type DatasetChoice, labelWarnings } from './choices';
import { countValues, fitScaling, markedSplit, sampleData } from './common';
import { mention, SettingError } from '../../../src-shared/settings';

/** Steps per training piece when the person sets no --max-length. */
const PIECE = 200;

export function stepLabelsData(parsed: ParsedSequences, choice: DatasetChoice): TrainingData & { warnings: string[] } {
  const seqs = parsed.sequences.filter((s) => s.stepLabels && s.steps.length > 0);
  if (seqs.length === 0) throw new SettingError(undefined, `the sequences have no per-step labels: name the label column with ${mention('target')}`);
  const F = parsed.featureNames.length;
  const counts = countValues(seqs.flatMap((s) => s.stepLabels!));
  if (counts.length < 2) throw new Error(`only one label ("${counts[0]?.value}") on every step; classification needs at least two`);
  const classes = counts.map((c) => c.value);
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const piece = choice.maxLength ?? PIECE;
  const split = markedSplit(seqs.map((s) => s.split), choice.valFraction, choice.testFraction, choice.seed);
  // Per sequence: features with gaps filled, then cut into pieces (items).
  const filled = seqs.map((s) =>
    Array.from({ length: F }, (_, f) => {
      const v = s.steps.map((x) => x[f]);
      fillGaps(v);
      return v;
    }),
  );
  const scaling = parsed.featureNames.map((name, f) => ({
    column: name,
    ...fitScaling(
      (function* () {
        for (const i of split.train) yield* filled[i][f];
      })(),
    ),
  }));
  type Item = { seq: number; from: number; to: number };
  const pieces = (ix: number[]): Item[] => ix.flatMap((seq) => Array.from({ length: Math.ceil(seqs[seq].steps.length / piece) }, (_, k) => ({ seq, from: k * piece, to: Math.min(seqs[seq].steps.length, (k + 1) * piece) })));
  const items = [...pieces(split.train), ...pieces(split.val), ...pieces(split.test)];
  const nTrain = pieces(split.train).length;
  const nVal = pieces(split.val).length;
  const ids = (lo: number, hi: number): number[] => Array.from({ length: hi - lo }, (_, i) => lo + i);
  const makeBatch = (its: number[]): Batch => {
    const B = its.length;
    const T = its.reduce((m, i) => Math.max(m, items[i].to - items[i].from), 1);
    const features = new Float32Array(T * B * F);
    const lengths = new Int32Array(B);
    const targetClasses = new Int32Array(T * B).fill(-1);
    its.forEach((i, b) => {
      const { seq, from, to } = items[i];
      lengths[b] = to - from;
      const labels = seqs[seq].stepLabels!;
      for (let t = 0; t < to - from; t++) {
        for (let f = 0; f < F; f++) {
          const v = filled[seq][f][from + t];
          features[(t * B + b) * F + f] = Number.isNaN(v) ? 0 : (v - scaling[f].mean) / scaling[f].std;
        }
        targetClasses[t * B + b] = classIndex.get(labels[from + t]) ?? -1;
      }
    });
    return { batchSize: B, steps: T, features, lengths, targetClasses };
  };
  // Baseline: the most frequent label on the training steps, scored on the validation steps.
  const trainCounts = countValues(split.train.flatMap((i) => seqs[i].stepLabels!));
  const top = trainCounts[0]?.value;
  const valSteps = split.val.flatMap((i) => seqs[i].stepLabels!).filter((l) => l !== '');
  const baseline = { name: `most frequent label "${top}"`, metrics: { accuracy: valSteps.length ? valSteps.filter((l) => l === top).length / valSteps.length : 0 } };
  const K = classes.length;
  const steps = seqs.reduce((s, x) => s + x.steps.length, 0);
  const summary =
    `per-step labels: ${seqs.length} sequences of ${F} feature${F > 1 ? 's' : ''} (${parsed.featureNames.join(', ')}), ${steps.toLocaleString('en')} steps; ` +
    `${split.train.length} training, ${split.val.length} validation${split.test.length ? `, ${split.test.length} test` : ''} sequences (${split.how}), read in pieces of up to ${piece} steps; ` +
    `each feature scaled with the training sequences' mean and std, gaps filled by linear interpolation; ${K} labels: ${counts.slice(0, 10).map((c) => `${c.value} ${c.count}`).join(', ')}; ` +
    `baseline ${baseline.name}: accuracy ${baseline.metrics.accuracy.toFixed(3)}`;
  const meanPiece = nTrain ? ids(0, nTrain).reduce((s, i) => s + items[i].to - items[i].from, 0) / nTrain : 0;
  return {
    ...sampleData({
      model: { shape: 'many-to-many', input: { vocabSize: 0, embedSize: 0, featureSize: F }, output: { kind: 'classes', size: K } },
      train: ids(0, nTrain),
      val: ids(nTrain, nTrain + nVal),
      test: ids(nTrain + nVal, items.length),
      batchSize: choice.batchSize,
      seed: choice.seed,
      makeBatch,
      tokensPerBatch: Math.round(Math.min(choice.batchSize, nTrain) * meanPiece),
      createMetrics: () => accuracyMetrics(K, false),
      transforms: { kind: 'sequences', features: scaling, classes, maxLength: piece, perStep: true, ...(choice.sequence !== undefined ? { sequence: choice.sequence } : {}), ...(choice.step !== undefined ? { step: choice.step } : {}) },
      summary,
      baseline,
    }),
    warnings: labelWarnings(counts),
  };
}
