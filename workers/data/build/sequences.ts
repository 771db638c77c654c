// Labelled numeric sequences (steps × features) → one class each (many-to-one). Each feature is scaled with the
// mean and std of the training sequences' steps; missing values inside a sequence are filled by linear
// interpolation (a feature missing throughout a sequence → the training mean). Batches are padded to their longest
// sequence with lengths. Split by a seeded shuffle. Metric accuracy; baseline the majority class.
// groupTable() turns a long-format table (one row per step, a sequence-id column) into ParsedSequences.

import type { Batch } from '../../engine/batch';
import type { TrainingData } from '../../engine/data-source';
import type { ParsedSequences, ParsedTable } from '../parsed';
import { fillGaps } from '../series';
import { accuracyMetrics } from '../text';
import { type DatasetChoice, findColumn, labelWarnings, resolveMaxLength } from './choices';
import { countValues, fitScaling, labelStrings, majorityBaseline, markedSplit, sampleData } from './common';
import { mention, SettingError } from '../../../src-shared/settings';

/**
 * Long format → sequences: rows grouped by `sequence` (in first-seen order), ordered by `step` when given. The label
 * (`target`) is one per sequence, or one per step when `perStep`; a `split` column's value on a sequence's first row
 * says which split it belongs to.
 */
export function groupTable(table: ParsedTable, choice: Pick<DatasetChoice, 'sequence' | 'step' | 'target' | 'input' | 'split'>, perStep = false): ParsedSequences {
  if (choice.sequence === undefined) throw new SettingError('sequence', 'name the sequence-id column of the long-format table');
  const idCol = findColumn(table, choice.sequence, 'sequence');
  const stepCol = choice.step !== undefined ? findColumn(table, choice.step, 'step') : undefined;
  const labelCol = choice.target !== undefined ? findColumn(table, choice.target, 'target') : undefined;
  const splitCol = choice.split !== undefined ? findColumn(table, choice.split, 'split') : undefined;
  const used = [idCol, stepCol, labelCol, splitCol];
  const feats = choice.input?.length
    ? choice.input.map((n) => findColumn(table, n, 'input'))
    : table.columns.filter((c) => !used.includes(c) && c.type === 'numeric');
  for (const f of feats) if (!f.numbers || f.type !== 'numeric') throw new SettingError('input', `the column is ${f.type}; sequence features must be numeric`, f.name);
  if (feats.length === 0) throw new Error('the table has no numeric feature column besides the id, step and label');
  const ids = labelStrings(idCol);
  const labels = labelCol ? labelStrings(labelCol) : undefined;
  const splits = splitCol ? labelStrings(splitCol) : undefined;
  const groups = new Map<string, number[]>();
  for (let r = 0; r < table.rows; r++) {
    const id = ids[r];
    if (id === '') throw new Error(`line ${table.lineOfRow[r]}: the sequence id ("${idCol.name}") is missing`);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = []));
    g.push(r);
  }
  const sequences: ParsedSequences['sequences'] = [];
  for (const [id, rows] of groups) {
    if (stepCol?.numbers) rows.sort((a, b) => stepCol.numbers![a] - stepCol.numbers![b]);
    let label: string | undefined;
    let stepLabels: string[] | undefined;
    if (labels && perStep) stepLabels = rows.map((r) => labels[r]);
    else if (labels) {
      const seen = new Set(rows.map((r) => labels[r]).filter((l) => l !== ''));
      if (seen.size > 1) throw new Error(`line ${table.lineOfRow[rows[0]]}: sequence "${id}" has ${seen.size} different labels (${[...seen].slice(0, 3).join(', ')}); the label must be the same on every row of a sequence (or label every step: --shape many-to-many)`);
      label = [...seen][0];
    }
    sequences.push({
      id,
      steps: rows.map((r) => Float64Array.from(feats, (f) => f.numbers![r])),
      label,
      ...(stepLabels ? { stepLabels } : {}),
      ...(splits ? { split: splits[rows[0]] } : {}),
      line: table.lineOfRow[rows[0]],
    });
  }
  return { kind: 'sequences', sequences, featureNames: feats.map((f) => f.name) };
}

/**
 * Wide layout → sequences: each row one sequence, its input columns (in order) the steps of one feature — or, with
 * `patch` k, steps of k consecutive values (the last step padded with its last value).
 */
export function wideSequences(table: ParsedTable, choice: Pick<DatasetChoice, 'target' | 'input' | 'split' | 'patch'>): ParsedSequences {
  if (choice.target === undefined) throw new SettingError('wide', `name the label column with ${mention('target')}`);
  const labelCol = findColumn(table, choice.target, 'target');
  const splitCol = choice.split !== undefined ? findColumn(table, choice.split, 'split') : undefined;
  const steps = choice.input?.length ? choice.input.map((n) => findColumn(table, n, 'input')) : table.columns.filter((c) => c !== labelCol && c !== splitCol && c.type === 'numeric');
  for (const c of steps) if (c.type !== 'numeric') throw new SettingError('input', `the column is ${c.type}; in a wide table every step column must be numeric`, c.name);
  if (steps.length < 2) throw new SettingError('wide', 'a wide table needs at least two numeric step columns');
  const labels = labelStrings(labelCol);
  const splits = splitCol ? labelStrings(splitCol) : undefined;
  const k = choice.patch ?? 1;
  if (!Number.isInteger(k) || k < 1 || k > steps.length) throw new SettingError('patch', `expected a whole number from 1 to ${steps.length} (the steps of a row)`, k);
  const sequences: ParsedSequences['sequences'] = [];
  for (let r = 0; r < table.rows; r++) {
    // trailing missing cells are a shorter sequence (UCR files pad unequal lengths with NaN)
    let len = steps.length;
    while (len > 0 && Number.isNaN(steps[len - 1].numbers![r])) len--;
    if (len === 0) continue;
    sequences.push({
      id: String(r + 1),
      steps: Array.from({ length: Math.ceil(len / k) }, (_, t) => Float64Array.from({ length: k }, (_, j) => steps[Math.min(len - 1, t * k + j)].numbers![r])),
      ...(labels[r] !== '' ? { label: labels[r] } : {}),
      ...(splits ? { split: splits[r] } : {}),
      line: table.lineOfRow[r],
    });
  }
  return { kind: 'sequences', sequences, featureNames: k === 1 ? ['value'] : Array.from({ length: k }, (_, j) => `value ${j + 1} of ${k}`) };
}

export function sequencesData(parsed: ParsedSequences, choice: DatasetChoice): TrainingData & { warnings: string[] } {
  const labelled = parsed.sequences.filter((s) => s.label !== undefined && s.label !== '' && s.steps.length > 0);
  if (labelled.length === 0) throw new SettingError(undefined, `the sequences have no labels: name the label column with ${mention('target')}`);
  const F = parsed.featureNames.length;
  const longest = labelled.reduce((m, s) => Math.max(m, s.steps.length), 0);
  const maxLength = resolveMaxLength(longest, choice, `a sequence ("${labelled.find((s) => s.steps.length === longest)?.id}") is`);
  const truncated = labelled.filter((s) => s.steps.length > maxLength).length;
  const counts = countValues(labelled.map((s) => s.label!));
  if (counts.length < 2) throw new Error(`only one label ("${counts[0].value}"); classification needs at least two`);
  const classes = counts.map((c) => c.value);
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const labels = labelled.map((s) => classIndex.get(s.label!)!);
  // Gaps inside each sequence, per feature.
  const filled = labelled.map((s) => {
    const steps = s.steps.slice(0, maxLength);
    const cols = Array.from({ length: F }, (_, f) => {
      const v = steps.map((x) => x[f]);
      fillGaps(v);
      return v;
    });
    return cols;
  });
  const split = markedSplit(labelled.map((s) => s.split), choice.valFraction, choice.testFraction, choice.seed);
  const scaling = parsed.featureNames.map((name, f) => ({ column: name, ...fitScaling((function* () {
    for (const i of split.train) yield* filled[i][f];
  })()) }));
  const makeBatch = (its: number[]): Batch => {
    const B = its.length;
    const T = its.reduce((m, i) => Math.max(m, filled[i][0]?.length ?? 0), 1);
    const features = new Float32Array(T * B * F);
    const lengths = new Int32Array(B);
    const targetClasses = new Int32Array(B);
    its.forEach((i, b) => {
      const cols = filled[i];
      const len = cols[0].length;
      lengths[b] = len;
      targetClasses[b] = labels[i];
      for (let f = 0; f < F; f++) {
        const { mean, std } = scaling[f];
        for (let t = 0; t < len; t++) {
          const v = cols[f][t];
          features[(t * B + b) * F + f] = Number.isNaN(v) ? 0 : (v - mean) / std;
        }
      }
    });
    return { batchSize: B, steps: T, features, lengths, targetClasses };
  };
  const K = classes.length;
  const baseline = majorityBaseline(split.train.map((i) => labels[i]), split.val.map((i) => labels[i]), classes);
  const summary =
    `sequences: ${labelled.length} labelled sequences of ${F} feature${F > 1 ? 's' : ''} (${parsed.featureNames.join(', ')}), ${split.train.length} training, ${split.val.length} validation${split.test.length ? `, ${split.test.length} test` : ''} (${split.how})` +
    `${parsed.sequences.length - labelled.length ? `, ${parsed.sequences.length - labelled.length} without a label left out` : ''}; up to ${maxLength} steps${truncated ? ` (${truncated} longer sequences cut)` : ''}` +
    `; each feature scaled with the training sequences' mean and std, gaps filled by linear interpolation; ${K} classes: ${counts.slice(0, 10).map((c) => `${c.value} ${c.count}`).join(', ')}` +
    `; baseline ${baseline.name}: accuracy ${baseline.metrics.accuracy.toFixed(3)}`;
  return {
    ...sampleData({
      model: { shape: 'many-to-one', input: { vocabSize: 0, embedSize: 0, featureSize: F }, output: { kind: 'classes', size: K } },
      ...split,
      batchSize: choice.batchSize,
      seed: choice.seed,
      makeBatch,
      tokensPerBatch: Math.min(choice.batchSize, split.train.length),
      createMetrics: () => accuracyMetrics(K, false),
      transforms: { kind: 'sequences', features: scaling, classes, maxLength, ...(choice.sequence !== undefined ? { sequence: choice.sequence } : {}), ...(choice.step !== undefined ? { step: choice.step } : {}) },
      summary,
      baseline,
    }),
    warnings: labelWarnings(counts),
  };
}
