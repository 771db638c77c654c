// `inspect`: from parsed data, propose the shape, target and inputs, the column types, window and token settings,
// class counts, warnings, and a preview of concrete training pairs in the data's own words and units.
// buildTrainingData(): parsed data + (possibly overridden) choices → TrainingData, by shape and kind, with a clear
// error when a shape is impossible for the data.

import type { Proposal } from '../../src-shared/dataset';
import type { ProblemShape } from '../../src-shared/model';
import type { TrainingData } from '../engine/data-source';
import { classifyData, defaultLabelColumn } from './build/classify';
import { type DatasetChoice, labelWarnings, SENSIBLE_STEPS, validateChoice, withDefaults } from './build/choices';
import { countValues, fmt, labelStrings, tokenize } from './build/common';
import { conditionalData, unigramBaseline } from './build/conditional';
import { defaultLookback, defaultTarget, forecastData, seasonFromDates } from './build/forecast';
import { pairsData } from './build/pairs';
import { groupTable, sequencesData } from './build/sequences';
import { tabularData } from './build/tabular';
import { taggingData } from './build/tagging';
import { type Column, type ColumnType, DataError, type Parsed, type ParsedPairs, type ParsedTable } from './parsed';
import { clip, quote, samplePositions, showValues } from './preview';
import { fillGaps } from './series';
import { buildVocabulary, encodeText, textData } from './text';

export type { Proposal } from '../../src-shared/dataset';

const ID_NAME = /^(seq(uence)?|series|session|subject|sample|trial|recording|sensor|track|group|id)([ _-]?id)?$/i;

function describeColumns(t: ParsedTable): Proposal['columns'] {
  return t.columns.map((c) => ({ name: c.name, type: c.type, missing: c.missing, ...(c.categories ? { distinct: c.categories.length } : {}) }));
}

function missingWarnings(t: ParsedTable, cols: Column[]): string[] {
  return cols
    .filter((c) => t.rows > 0 && c.missing / t.rows > 0.2)
    .map((c) => `column "${c.name}": ${Math.round((100 * c.missing) / t.rows)}% of its values are missing (${c.missing} of ${t.rows})`);
}

function lag1Autocorrelation(v: Float64Array): number {
  const x = Array.from(v);
  if (fillGaps(x) < 0 || x.length < 3) return 0;
  const m = x.reduce((s, a) => s + a, 0) / x.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    den += (x[i] - m) ** 2;
    if (i > 0) num += (x[i] - m) * (x[i - 1] - m);
  }
  return den > 0 ? num / den : 0;
}

const LABEL_NAME = /(label|class|target|category|activity|outcome|^y$)/i;
const STEP_NAME = /^(step|t|time|timestep|index|frame|seq(uence)?_?step)$/i;

/** Whether column c takes one value per group of the group column (ignoring missing cells). */
function constantWithinGroups(t: ParsedTable, group: Column, c: Column): boolean {
  const keys = labelStrings(group);
  const vals = labelStrings(c);
  const seen = new Map<string, string>();
  for (let r = 0; r < t.rows; r++) {
    if (vals[r] === '') continue;
    const prev = seen.get(keys[r]);
    if (prev === undefined) seen.set(keys[r], vals[r]);
    else if (prev !== vals[r]) return false;
  }
  return true;
}

function groupColumn(t: ParsedTable): Column | undefined {
  return t.columns.find((c) => {
    if (!ID_NAME.test(c.name.trim())) return false;
    const distinct = new Set(labelStrings(c)).size;
    return distinct >= 2 && distinct <= t.rows / 2;
  });
}

const dateText = (ms: number): string => {
  if (!Number.isFinite(ms)) return '?';
  const iso = new Date(ms).toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 16).replace('T', ' ');
};

function rowText(cols: Column[], r: number): string {
  return cols.map((c) => `${c.name} ${c.numbers ? (c.type === 'date' ? dateText(c.numbers[r]) : fmt(c.numbers[r])) : quote(c.strings![r])}`).join(', ');
}

// ============================================== tables ===========================================================

function proposeTable(t: ParsedTable, file: string): Proposal {
  const base = { file, kind: 'table' as const, columns: describeColumns(t), rows: t.rows };
  const texts = t.columns.filter((c) => c.type === 'text');
  const numeric = t.columns.filter((c) => c.type === 'numeric');
  const date = t.columns.find((c) => c.type === 'date');
  const group = groupColumn(t);

  // Long-format sequences: an id column with repeats, numeric features, a label constant within each sequence.
  if (group && numeric.filter((c) => c !== group).length > 0 && texts.length === 0) {
    // The label: constant within every sequence, with few values (a label-like name wins); the step: a counter.
    // Other per-sequence constants (ids of a path, a recording group…) are left out of the inputs: they would let
    // the model read the answer from bookkeeping instead of from the signal.
    const constant = t.columns.filter((c) => c !== group && constantWithinGroups(t, group, c));
    const labelLike = constant.filter((c) => c.type === 'categorical' || (c.type === 'numeric' && new Set(labelStrings(c)).size <= 20));
    const label = labelLike.find((c) => LABEL_NAME.test(c.name)) ?? labelLike.find((c) => c.type === 'categorical') ?? labelLike[0];
    const step = numeric.find((c) => c !== group && STEP_NAME.test(c.name.trim()));
    const inputs = numeric.filter((c) => c !== group && c !== label && c !== step && !constant.includes(c));
    const choice: Partial<DatasetChoice> = {
      shape: 'many-to-one',
      sequence: group.name,
      ...(label ? { target: label.name } : {}),
      ...(step ? { step: step.name } : {}),
      ...(inputs.length ? { input: inputs.map((c) => c.name) } : {}),
    };
    const seqs = groupTable(t, choice);
    const counts = countValues(seqs.sequences.map((s) => s.label ?? ''));
    const longest = seqs.sequences.reduce((m, s) => Math.max(m, s.steps.length), 0);
    const warnings = [...labelWarnings(counts), ...missingWarnings(t, t.columns)];
    if (!label) warnings.push('no label column found: name the per-sequence label with --target');
    if (longest > SENSIBLE_STEPS) warnings.push(`a sequence has ${longest.toLocaleString('en')} steps, longer than anything sensible: use --max-length`);
    return {
      ...base,
      shape: 'many-to-one',
      task: `classify each sequence (grouped by "${group.name}") into ${label ? `"${label.name}"` : 'its label'}`,
      choice,
      classes: counts,
      warnings,
      preview: samplePositions(seqs.sequences.length).map((i) => {
        const s = seqs.sequences[i];
        const first = s.steps[0];
        return {
          input: `${group.name} ${s.id}: ${s.steps.length} steps of ${seqs.featureNames.join(', ')} (first: ${Array.from(first, fmt).join(', ')})`,
          output: s.label ?? '?',
        };
      }),
    };
  }

  if (texts.length > 0) {
    const text = texts[0];
    const last = t.columns[t.columns.length - 1];
    const others = t.columns.filter((c) => c.type !== 'text' && c.type !== 'date');
    // A label or features → a text (the text is the last column).
    if (last.type === 'text' && others.length > 0 && texts.length === 1) {
      const inputs = others.filter((c) => c.type === 'numeric' || (c.categories?.length ?? 0) <= 50);
      const choice: Partial<DatasetChoice> = { shape: 'one-to-many', input: inputs.map((c) => c.name), target: last.name, tokens: 'char' };
      return {
        ...base,
        shape: 'one-to-many',
        task: `generate "${last.name}" character by character from ${inputs.map((c) => `"${c.name}"`).join(', ')}`,
        choice,
        warnings: missingWarnings(t, [last, ...inputs]),
        preview: samplePositions(t.rows).map((r) => ({ input: rowText(inputs, r), output: `${quote(clip(last.strings![r]))} (then <eos>)` })),
      };
    }
    // Two text columns: source → target.
    if (texts.length >= 2) {
      const [src, tgt] = texts;
      return {
        ...base,
        shape: 'encoder-decoder',
        task: `translate "${src.name}" into "${tgt.name}" (encoder–decoder)`,
        choice: { shape: 'encoder-decoder', input: [src.name], target: tgt.name, tokens: 'char' },
        warnings: missingWarnings(t, [src, tgt]),
        preview: samplePositions(t.rows).map((r) => ({ input: clip(src.strings![r]), output: clip(tgt.strings![r]) })),
      };
    }
    const label = defaultLabelColumn(t, [text]);
    if (label) {
      const labels = labelStrings(label);
      const counts = countValues(labels);
      const longest = text.strings!.reduce((m, s) => Math.max(m, tokenize(s, 'word').length), 0);
      const warnings = [...labelWarnings(counts), ...missingWarnings(t, [text, label])];
      if (longest > SENSIBLE_STEPS) warnings.push(`a sentence has ${longest.toLocaleString('en')} words, longer than anything sensible: use --max-length`);
      return {
        ...base,
        shape: 'many-to-one',
        task: `classify "${text.name}" into "${label.name}" (${counts.length} classes)`,
        choice: { shape: 'many-to-one', input: [text.name], target: label.name, tokens: 'word' },
        classes: counts,
        warnings,
        preview: samplePositions(t.rows).map((r) => ({ input: clip(tokenize(text.strings![r], 'word', true).join(' ')), output: labels[r] || '(missing)' })),
      };
    }
    return {
      ...base,
      shape: 'many-to-many',
      task: `learn to continue the text of "${text.name}" character by character`,
      choice: { shape: 'many-to-many', input: [text.name], tokens: 'char', lookback: 64 },
      warnings: missingWarnings(t, [text]),
      preview: textPreview(text.strings!.filter((s) => s !== '').join('\n'), 40),
    };
  }

  // Time series: a date column, or a single numeric column, or numeric columns whose target moves smoothly.
  if (numeric.length > 0) {
    const target = defaultTarget(t);
    const onlyNumeric = t.columns.every((c) => c.type === 'numeric' || c.type === 'date');
    const series = date !== undefined || numeric.length === 1 || (onlyNumeric && t.rows >= 50 && lag1Autocorrelation(target.numbers!) > 0.8);
    if (series) {
      const inputs = onlyNumeric || date ? numeric : [target];
      const season = seasonFromDates(date?.numbers);
      const lookback = defaultLookback(t.rows, season);
      const choice: Partial<DatasetChoice> = { shape: 'many-to-one', target: target.name, input: inputs.map((c) => c.name), lookback, horizon: 1, ...(season ? { season } : {}) };
      const filled = inputs.map((c) => {
        const v = Array.from(c.numbers!);
        fillGaps(v);
        return v;
      });
      const y = filled[inputs.indexOf(target)];
      const W = t.rows - lookback;
      const warnings = missingWarnings(t, inputs);
      if (target.missing === t.rows) warnings.push(`target column "${target.name}" has no values`);
      return {
        ...base,
        shape: 'many-to-one',
        task: `forecast "${target.name}" 1 step ahead from ${lookback} steps of ${inputs.map((c) => `"${c.name}"`).join(', ')}${season ? ` (seasonal period ${season})` : ''}`,
        choice,
        warnings,
        preview:
          W < 1
            ? []
            : samplePositions(Math.floor(W * 0.9) || 1).map((s) => {
                const at = s + lookback;
                const when = date ? ` on ${dateText(date.numbers![at])}` : ` at row ${at + 1}`;
                const input =
                  inputs.length === 1
                    ? `${target.name} ${showValues(y.slice(s, at))}`
                    : `${lookback} steps of ${inputs.map((c) => c.name).join(', ')}; last: ${inputs.map((c, i) => `${c.name} ${fmt(filled[i][at - 1])}`).join(', ')}`;
                return { input, output: `${target.name}${when}: ${fmt(y[at])}` };
              }),
      };
    }
  }

  // Independent rows: feature columns → the last numeric or categorical column.
  const usable = t.columns.filter((c) => c.type === 'numeric' || c.type === 'categorical');
  if (usable.length < 2) throw new DataError(file, undefined, 'no shape fits this table', 'it needs a text column, a numeric series, or feature columns and a target');
  const target = usable[usable.length - 1];
  const inputs = usable.filter((c) => c !== target && (c.type === 'numeric' || ((c.categories?.length ?? 0) <= 50 && (c.categories?.length ?? 0) < t.rows)));
  const counts = target.type === 'categorical' ? countValues(target.strings!) : undefined;
  return {
    ...base,
    shape: 'one-to-one',
    task: `predict "${target.name}" (${target.type === 'categorical' ? `${counts!.length} classes` : 'a number'}) from ${inputs.map((c) => `"${c.name}"`).join(', ')}`,
    choice: { shape: 'one-to-one', input: inputs.map((c) => c.name), target: target.name },
    ...(counts ? { classes: counts } : {}),
    warnings: [...(counts ? labelWarnings(counts, 'class') : []), ...missingWarnings(t, [target, ...inputs])],
    preview: samplePositions(t.rows).map((r) => ({ input: rowText(inputs, r), output: `${target.name} ${target.numbers ? fmt(target.numbers[r]) : target.strings![r]}` })),
  };
}

function textPreview(text: string, width: number): Proposal['preview'] {
  const chars = Array.from(text);
  if (chars.length < width + 1) return [{ input: chars.slice(0, -1).join(''), output: chars.slice(1).join('') }];
  return samplePositions(chars.length - width - 1).map((s) => ({ input: quote(chars.slice(s, s + width).join('')), output: `next characters ${quote(chars.slice(s + 1, s + width + 1).join(''))}` }));
}

// ============================================== propose ==========================================================

export function propose(parsed: Parsed, fileName: string): Proposal {
  switch (parsed.kind) {
    case 'table':
      return proposeTable(parsed, fileName);
    case 'text': {
      const chars = Array.from(parsed.text).length;
      return {
        file: fileName,
        kind: 'text',
        shape: 'many-to-many',
        task: `learn to continue the text character by character (${chars.toLocaleString('en')} characters, ${buildVocabulary(parsed.text).length} distinct)`,
        choice: { shape: 'many-to-many', tokens: 'char', lookback: 64 },
        columns: [],
        warnings: chars < 10_000 ? [`only ${chars} characters: the model will mostly memorise them`] : [],
        preview: textPreview(parsed.text, 40),
        rows: parsed.lines,
      };
    }
    case 'tagged': {
      const longest = parsed.sentences.reduce((m, s) => Math.max(m, s.tokens.length), 0);
      const warnings = labelWarnings(parsed.tags, 'tag');
      if (longest > SENSIBLE_STEPS) warnings.push(`a sentence has ${longest.toLocaleString('en')} tokens, longer than anything sensible (a missing blank line between sentences?): use --max-length`);
      return {
        file: fileName,
        kind: 'tagged',
        shape: 'many-to-many',
        task: `tag each token (${parsed.tags.length} tags, ${parsed.sentences.length} sentences)`,
        choice: { shape: 'many-to-many', tokens: 'word' },
        columns: [],
        classes: parsed.tags,
        warnings,
        preview: samplePositions(parsed.sentences.length).map((i) => ({ input: clip(parsed.sentences[i].tokens.join(' ')), output: clip(parsed.sentences[i].tags.join(' ')) })),
        rows: parsed.sentences.length,
      };
    }
    case 'pairs': {
      const longest = parsed.pairs.reduce((m, p) => Math.max(m, Array.from(p.source).length, Array.from(p.target).length), 0);
      const warnings: string[] = [];
      if (longest > SENSIBLE_STEPS) warnings.push(`a pair has ${longest.toLocaleString('en')} characters, longer than anything sensible: use --max-length or --tokens word`);
      const empty = parsed.pairs.filter((p) => p.source.trim() === '').length;
      if (empty) warnings.push(`${empty} pairs have an empty source and will be left out`);
      return {
        file: fileName,
        kind: 'pairs',
        shape: 'encoder-decoder',
        task: `translate source into target character by character (${parsed.pairs.length} pairs)`,
        choice: { shape: 'encoder-decoder', tokens: 'char' },
        columns: [],
        warnings,
        preview: samplePositions(parsed.pairs.length).map((i) => ({ input: clip(parsed.pairs[i].source), output: clip(parsed.pairs[i].target) })),
        rows: parsed.pairs.length,
      };
    }
    case 'sequences': {
      const counts = countValues(parsed.sequences.map((s) => s.label ?? ''));
      const longest = parsed.sequences.reduce((m, s) => Math.max(m, s.steps.length), 0);
      const warnings = labelWarnings(counts);
      if (counts.length === 0) warnings.push('the sequences have no labels: name the label column with --target');
      if (longest > SENSIBLE_STEPS) warnings.push(`a sequence has ${longest.toLocaleString('en')} steps, longer than anything sensible: use --max-length`);
      return {
        file: fileName,
        kind: 'sequences',
        shape: 'many-to-one',
        task: `classify each sequence (${parsed.sequences.length} sequences of ${parsed.featureNames.join(', ')}) into ${counts.length} classes`,
        choice: { shape: 'many-to-one' },
        columns: [],
        classes: counts,
        warnings,
        preview: samplePositions(parsed.sequences.length).map((i) => {
          const s = parsed.sequences[i];
          return { input: `${s.id}: ${s.steps.length} steps of ${parsed.featureNames.join(', ')} (first: ${Array.from(s.steps[0] ?? [], fmt).join(', ')})`, output: s.label ?? '?' };
        }),
        rows: parsed.sequences.length,
      };
    }
  }
}

// ============================================== build ============================================================

function tableAsPairs(t: ParsedTable, src: Column, tgt: Column): ParsedPairs {
  return { kind: 'pairs', pairs: Array.from({ length: t.rows }, (_, r) => ({ source: src.strings?.[r] ?? '', target: tgt.strings?.[r] ?? '', line: t.lineOfRow[r] })) };
}

/** Running text → char-level next-step streams (text.ts), with the unigram perplexity as the baseline. */
function runningText(text: string, c: DatasetChoice): TrainingData {
  if (c.tokens === 'word') throw new Error('--tokens word: running text is modelled character by character in this version; use --tokens char');
  const data = textData(text, { batchSize: c.batchSize, sequenceLength: c.lookback ?? 64, valFraction: c.valFraction, maxValidationChars: 200_000 });
  const vocab = buildVocabulary(text);
  const ids = encodeText(text, vocab);
  const nVal = Math.floor(ids.length * c.valFraction);
  data.baseline = unigramBaseline([ids.subarray(0, ids.length - nVal)], [ids.subarray(ids.length - nVal)], vocab.length);
  return data;
}

/**
 * Parsed data + choices (unset ones: the proposal's, then the defaults) → TrainingData with the warnings found.
 * Errors name the file and say which choice to change.
 */
export function buildTrainingData(parsed: Parsed, choice: Partial<DatasetChoice>, fileName: string): TrainingData & { warnings: string[] } {
  try {
    const given = Object.fromEntries(Object.entries(choice).filter(([, v]) => v !== undefined)) as Partial<DatasetChoice>;
    const proposal = safePropose(parsed, fileName);
    // The proposal fills what the person left open, unless they chose another shape (its columns would not fit).
    const proposed = proposal && (given.shape === undefined || given.shape === proposal.shape) ? proposal.choice : {};
    const c = withDefaults({ ...proposed, ...given });
    validateChoice(c);
    const shape = c.shape ?? 'many-to-one';
    const data = dispatch(parsed, c, shape);
    if (c.difference && data.transforms.kind !== 'series' && data.transforms.kind !== 'multiseries')
      throw new Error(`--difference: differencing applies to series forecasts (a table ordered in time, many-to-one); this data trains ${data.transforms.kind}`);
    return { ...data, warnings: (data as { warnings?: string[] }).warnings ?? [] };
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(fileName, undefined, (e as Error).message);
  }
}

function safePropose(parsed: Parsed, fileName: string): Proposal | undefined {
  try {
    return propose(parsed, fileName);
  } catch {
    return undefined;
  }
}

const IMPOSSIBLE: Record<Parsed['kind'], string> = {
  table: 'a table',
  text: 'running text (no labels, no pairs)',
  tagged: 'tagged sentences',
  pairs: 'source ⇥ target pairs',
  sequences: 'labelled sequences',
};

function dispatch(parsed: Parsed, c: DatasetChoice, shape: ProblemShape): TrainingData {
  const impossible = (why: string): never => {
    throw new Error(`--shape ${shape}: ${IMPOSSIBLE[parsed.kind]} cannot train ${shape}${why ? ` (${why})` : ''}`);
  };
  switch (parsed.kind) {
    case 'text':
      return shape === 'many-to-many' ? runningText(parsed.text, c) : impossible('use --shape many-to-many to learn to continue it');
    case 'tagged':
      return shape === 'many-to-many' ? taggingData(parsed, c) : impossible('tagged tokens train many-to-many');
    case 'pairs':
      return shape === 'encoder-decoder' ? pairsData(parsed, c) : impossible('pairs train encoder-decoder');
    case 'sequences':
      return shape === 'many-to-one' ? sequencesData(parsed, c) : impossible('labelled sequences train many-to-one');
    case 'table': {
      const t = parsed;
      const byName = (n: string): Column | undefined => t.columns.find((x) => x.name === n) ?? (/^\d+$/.test(n) ? t.columns[Number(n) - 1] : undefined);
      const inputs = (c.input ?? []).map(byName).filter((x): x is Column => x !== undefined);
      const texts = t.columns.filter((x) => x.type === 'text');
      switch (shape) {
        case 'many-to-one':
          if (c.sequence !== undefined) return sequencesData(groupTable(t, c), c);
          if (inputs.some((x) => x.type === 'text') || (inputs.length === 0 && texts.length > 0)) return classifyData(t, c);
          return forecastData(t, c);
        case 'one-to-one':
          return tabularData(t, c);
        case 'one-to-many':
          return conditionalData(t, c);
        case 'encoder-decoder': {
          const src = inputs.find((x) => x.type === 'text' || x.type === 'categorical') ?? texts[0];
          const tgt = c.target !== undefined ? byName(c.target) : texts.find((x) => x !== src);
          if (!src || !tgt || src === tgt || !tgt.strings) return impossible('it needs a source and a target text column: --input SOURCE --target TARGET');
          return pairsData(tableAsPairs(t, src, tgt), c);
        }
        case 'many-to-many': {
          const col = inputs.find((x) => x.type === 'text') ?? texts[0];
          if (!col) throw new Error('--shape many-to-many: a table without a text or sequence column cannot train many-to-many');
          return runningText(col.strings!.filter((s) => s !== '').join('\n'), c);
        }
      }
    }
  }
  return impossible('');
}
