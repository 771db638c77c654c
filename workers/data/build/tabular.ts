// Feature columns → a target (one-to-one, i.e. many-to-one with T = 1): numeric inputs scaled, categorical ones
// one-hot (fitted on the training rows). A numeric target is scaled and trained with MSE (rmse, mae in its units;
// baseline: the training mean); a categorical one with cross-entropy (accuracy; baseline: the majority class).
// Rows without a target are left out. Split by a seeded shuffle.

import type { Batch } from '../../engine/batch';
import type { TrainingData } from '../../engine/data-source';
import type { Column, ParsedTable } from '../parsed';
import { regressionMetrics } from '../series';
import { accuracyMetrics } from '../text';
import { type DatasetChoice, findColumn, labelWarnings } from './choices';
import { countValues, encodeRow, featureWidth, fitFeatures, fitScaling, fmt, labelStrings, majorityBaseline, markedSplit, sampleData } from './common';
import { mention, SettingError } from '../../../src-shared/settings';

/** Default inputs: every numeric and categorical (≤ 50 values, not an id) column other than the target. */
export function defaultFeatureColumns(table: ParsedTable, not: Column[]): Column[] {
  return table.columns.filter(
    (c) => !not.includes(c) && (c.type === 'numeric' || (c.type === 'categorical' && (c.categories?.length ?? 0) <= 50 && (c.categories?.length ?? 0) < table.rows)),
  );
}

/** Whether a numeric column holds exactly two whole values (missing aside). */
export function isBinary(c: Column): boolean {
  if (c.type !== 'numeric' || !c.numbers) return false;
  const seen = new Set<number>();
  for (const v of c.numbers) {
    if (Number.isNaN(v)) continue;
    if (!Number.isInteger(v)) return false;
    seen.add(v);
    if (seen.size > 2) return false;
  }
  return seen.size === 2;
}

export function tabularData(table: ParsedTable, choice: DatasetChoice): TrainingData & { warnings: string[] } {
  const usable = table.columns.filter((c) => c.type === 'numeric' || c.type === 'categorical');
  const targetCol = choice.target !== undefined ? findColumn(table, choice.target, 'target') : usable[usable.length - 1];
  if (!targetCol) throw new SettingError(undefined, `no numeric or categorical column to predict: name one with ${mention('target')}`);
  if (targetCol.type === 'text' || targetCol.type === 'date') throw new SettingError('target', `a ${targetCol.type} column cannot be a one-to-one target (pick a numeric or categorical column)`, targetCol.name);
  const inputCols = choice.input?.length ? choice.input.map((n) => findColumn(table, n, 'input')) : defaultFeatureColumns(table, [targetCol]);
  if (inputCols.length === 0) throw new SettingError(undefined, `no feature columns: name them with ${mention('input')}`);
  for (const c of inputCols) if (c.type === 'text') throw new SettingError('input', `a text column cannot be a one-to-one feature (use ${mention('shape')} many-to-one to read it as a sentence)`, c.name);
  // a numeric target of two whole values (0/1: survived, occupied, defaulted) is a pair of classes, not a number
  const classesMode = targetCol.type === 'categorical' || isBinary(targetCol);
  const raw = labelStrings(targetCol);
  const rows: number[] = [];
  for (let r = 0; r < table.rows; r++) if (classesMode ? raw[r] !== '' : Number.isFinite(targetCol.numbers![r])) rows.push(r);
  if (rows.length === 0) throw new SettingError('target', `the column has no values`, targetCol.name);
  const splitCol = choice.split !== undefined ? findColumn(table, choice.split, 'split') : undefined;
  const marks = splitCol ? labelStrings(splitCol) : undefined;
  const byMark = markedSplit(rows.map((r) => marks?.[r]), choice.valFraction, choice.testFraction, choice.seed);
  const [train, val, test] = [byMark.train, byMark.val, byMark.test].map((ix) => ix.map((i) => rows[i]));
  const enc = fitFeatures(inputCols, train);
  const F = featureWidth(enc);
  let counts: { value: string; count: number }[] = [];
  let classes: string[] = [];
  let classIndex = new Map<string, number>();
  let scale = { mean: 0, std: 1 };
  if (classesMode) {
    counts = countValues(rows.map((r) => raw[r]));
    if (counts.length < 2) throw new SettingError('target', `only one class ("${counts[0].value}")`, targetCol.name);
    classes = counts.map((c) => c.value);
    classIndex = new Map(classes.map((c, i) => [c, i]));
  } else scale = fitScaling(train.map((r) => targetCol.numbers![r]));

  const makeBatch = (its: number[]): Batch => {
    const B = its.length;
    const features = new Float32Array(B * F);
    its.forEach((r, b) => encodeRow(enc, inputCols, r, features, b * F));
    if (classesMode) return { batchSize: B, steps: 1, features, targetClasses: Int32Array.from(its, (r) => classIndex.get(raw[r])!) };
    return { batchSize: B, steps: 1, features, targetValues: Float32Array.from(its, (r) => (targetCol.numbers![r] - scale.mean) / scale.std) };
  };
  let baseline: { name: string; metrics: Record<string, number> };
  if (classesMode) baseline = majorityBaseline(train.map((r) => classIndex.get(raw[r])!), val.map((r) => classIndex.get(raw[r])!), classes);
  else {
    const d = val.map((r) => targetCol.numbers![r] - scale.mean);
    baseline = { name: `the training mean (${fmt(scale.mean)})`, metrics: { rmse: Math.sqrt(d.reduce((s, x) => s + x * x, 0) / d.length), mae: d.reduce((s, x) => s + Math.abs(x), 0) / d.length } };
  }
  const K = classes.length;
  const summary =
    `one-to-one: ${inputCols.map((c) => `"${c.name}"`).join(', ')} → "${targetCol.name}" (${classesMode ? `${K} classes` : `numeric, mean ${fmt(scale.mean)}, std ${fmt(scale.std)}`}), ${rows.length} rows (${train.length} training, ${val.length} validation${test.length ? `, ${test.length} test` : ''}, ${byMark.how})` +
    `${table.rows - rows.length ? `, ${table.rows - rows.length} rows without a target left out` : ''}; ${F} input values (numbers scaled on the training rows, missing → the training mean; categories one-hot)` +
    `; baseline ${baseline.name}: ${Object.entries(baseline.metrics).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`;
  return {
    ...sampleData({
      model: { shape: 'one-to-one', input: { vocabSize: 0, embedSize: 0, featureSize: F }, output: classesMode ? { kind: 'classes', size: K } : { kind: 'values', size: 1 } },
      train,
      val,
      test,
      batchSize: choice.batchSize,
      seed: choice.seed,
      makeBatch,
      tokensPerBatch: Math.min(choice.batchSize, train.length),
      createMetrics: () => (classesMode ? accuracyMetrics(K, false) : regressionMetrics(scale.std)),
      transforms: {
        kind: 'tabular',
        inputs: enc,
        target: classesMode ? { kind: 'classes', column: targetCol.name, classes } : { kind: 'values', column: targetCol.name, ...scale },
      },
      summary,
      baseline,
    }),
    warnings: classesMode ? labelWarnings(counts, 'class') : [],
  };
}
