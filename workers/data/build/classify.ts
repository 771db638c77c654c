// Sentences → labels (many-to-one): a text column read as char or word tokens (words lower-cased) through a
// vocabulary fitted on the training sentences (capped, rarer tokens → <unk>, id 0, also the padding), padded per
// batch to its longest sentence with lengths; a categorical label column gives the classes (with counts). Split by
// a seeded shuffle (+ optional test split). Metric accuracy; baseline the majority class. Several text inputs (a
// premise and a hypothesis, two questions) are read as one sequence, their tokens joined by <sep> (id 1).

import type { Batch } from '../../engine/batch';
import type { TrainingData } from '../../engine/data-source';
import type { Column, ParsedTable } from '../parsed';
import { accuracyMetrics } from '../text';
import { type DatasetChoice, findColumn, labelWarnings, resolveMaxLength } from './choices';
import { countValues, joinTexts, labelStrings, majorityBaseline, markedSplit, NO_LABEL, sampleData, SEP, tokenize, UNK, Vocabulary } from './common';
import { mention, SettingError } from '../../../src-shared/settings';

export function defaultTextColumn(table: ParsedTable): Column | undefined {
  return table.columns.find((c) => c.type === 'text');
}

/** The label column: the last categorical column (or a numeric one with few distinct whole values) other than `not`. */
export function defaultLabelColumn(table: ParsedTable, not: Column[]): Column | undefined {
  const ok = table.columns.filter((c) => !not.includes(c) && (c.type === 'categorical' || (c.type === 'numeric' && fewWholeValues(c))));
  return ok[ok.length - 1];
}

function fewWholeValues(c: Column): boolean {
  const s = new Set<number>();
  for (const v of c.numbers ?? []) {
    if (Number.isNaN(v)) continue;
    if (!Number.isInteger(v)) return false;
    s.add(v);
    if (s.size > 20) return false;
  }
  return s.size >= 2;
}

export function embedSizeFor(V: number): number {
  return Math.max(4, Math.min(64, Math.round(4 * Math.sqrt(V))));
}

export function classifyData(table: ParsedTable, choice: DatasetChoice): TrainingData & { warnings: string[] } {
  const textCol = choice.input?.length ? findColumn(table, choice.input[0], 'input') : defaultTextColumn(table);
  if (!textCol || !textCol.strings) throw new SettingError(undefined, `no text column to classify: name it with ${mention('input')}`);
  // Several text inputs are read together, their tokens joined by <sep> (a premise and its hypothesis, two questions).
  const more = (choice.input ?? []).slice(1).map((n) => findColumn(table, n, 'input'));
  for (const c of more) if (!c.strings) throw new SettingError('input', `"${c.name}" is not text: a text classifier reads text columns only`, c.name);
  const textCols = [textCol, ...more];
  const labelCol = choice.target !== undefined ? findColumn(table, choice.target, 'target') : defaultLabelColumn(table, textCols);
  if (!labelCol) throw new Error(`no label column: name it with --target (columns: ${table.columns.map((c) => c.name).join(', ')})`);
  const unit = choice.tokens ?? 'word';
  const lowercase = unit === 'word';
  const rawLabels = labelStrings(labelCol);
  const rows: number[] = [];
  for (let r = 0; r < table.rows; r++) if (rawLabels[r] !== '' && textCols.every((c) => c.strings![r].trim() !== '')) rows.push(r);
  if (rows.length === 0) throw new SettingError('target', `no row has both a label and text`, labelCol.name);
  const toks = rows.map((r) => (more.length ? joinTexts(textCols.map((c) => c.strings![r]), unit, lowercase) : tokenize(textCol.strings![r], unit, lowercase)));
  const keep = toks.map((t) => t.length > 0);
  const counts = countValues(rows.map((r) => rawLabels[r]));
  if (counts.length < 2) throw new SettingError('target', `only one label ("${counts[0]?.value}"); classification needs at least two`, labelCol.name);
  const classes = counts.map((c) => c.value);
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const labels = rows.map((r) => classIndex.get(rawLabels[r])!);
  const longest = toks.reduce((m, t) => Math.max(m, t.length), 0);
  const maxLength = resolveMaxLength(longest, choice, `a ${unit === 'word' ? 'sentence' : 'text'} in "${textCol.name}" is`);
  const truncated = toks.filter((t) => t.length > maxLength).length;
  const items = rows.map((_, i) => i).filter((i) => keep[i]);
  const splitCol = choice.split !== undefined ? findColumn(table, choice.split, 'split') : undefined;
  const marks = splitCol ? labelStrings(splitCol) : undefined;
  const split = markedSplit(items.map((i) => marks?.[rows[i]]), choice.valFraction, choice.testFraction, choice.seed);
  const pick = (ix: number[]): number[] => ix.map((i) => items[i]);
  const train = pick(split.train);
  const val = pick(split.val);
  const test = pick(split.test);
  const vocab = Vocabulary.fit(train.map((i) => toks[i].slice(0, maxLength)), more.length ? [UNK, SEP] : [UNK], choice.vocabularyCap, unit === 'word' ? 2 : 1); // word singletons → <unk>
  const ids = toks.map((t) => vocab.encode(t.slice(0, maxLength)));
  const K = classes.length;

  const makeBatch = (its: number[]): Batch => {
    const B = its.length;
    const T = its.reduce((m, i) => Math.max(m, ids[i].length), 1);
    const tokens = new Int32Array(T * B);
    const lengths = new Int32Array(B);
    const targetClasses = new Int32Array(B);
    its.forEach((i, b) => {
      const s = ids[i];
      lengths[b] = s.length;
      for (let t = 0; t < s.length; t++) tokens[t * B + b] = s[t];
      targetClasses[b] = labels[i];
    });
    return { batchSize: B, steps: T, tokens, lengths, targetClasses };
  };
  const baseline = majorityBaseline(train.map((i) => labels[i]), val.map((i) => labels[i]), classes);
  const warnings = labelWarnings(counts);
  const dropped = table.rows - items.length;
  const unlabelled = labelCol.strings ? labelCol.strings.filter((v) => NO_LABEL.test(v)).length : 0;
  const summary =
    `text classification: ${textCols.map((c) => `"${c.name}"`).join(' + ')} → "${labelCol.name}", ${items.length} ${more.length ? `pairs of texts read together (tokens joined by ${SEP})` : 'sentences'} (${train.length} training, ${val.length} validation${test.length ? `, ${test.length} test` : ''}, ${split.how})` +
    `${dropped ? `, ${dropped} rows without text or label left out${unlabelled ? ` (${unlabelled} of them marked as having none: ${[...new Set(labelCol.strings!.filter((v) => NO_LABEL.test(v)))].map((v) => `"${v}"`).join(', ')})` : ''}` : ''}; ${unit} tokens${lowercase ? ' (lower-cased)' : ''}, vocabulary ${vocab.size} (cap ${choice.vocabularyCap}, <unk> for the rest)` +
    `; up to ${maxLength} tokens${truncated ? ` (${truncated} longer sentences cut)` : ''}; ${K} classes: ${counts.slice(0, 10).map((c) => `${c.value} ${c.count}`).join(', ')}${K > 10 ? ', …' : ''}` +
    `; baseline ${baseline.name}: accuracy ${baseline.metrics.accuracy.toFixed(3)}`;
  return {
    ...sampleData({
      model: { shape: 'many-to-one', input: { vocabSize: vocab.size, embedSize: embedSizeFor(vocab.size), featureSize: 0 }, output: { kind: 'classes', size: K } },
      train,
      val,
      test,
      batchSize: choice.batchSize,
      seed: choice.seed,
      makeBatch,
      tokensPerBatch: Math.min(choice.batchSize, train.length),
      createMetrics: () => accuracyMetrics(K, false),
      transforms: { kind: 'classify', tokens: unit, lowercase, vocabulary: vocab.words, classes, maxLength, ...(more.length ? { texts: { columns: textCols.map((c) => c.name), separator: SEP } } : {}) },
      summary,
      baseline,
    }),
    warnings,
  };
}
