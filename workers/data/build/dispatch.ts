// Parsed data + a complete choice → TrainingData: picks the builder for the shape and the kind of data, with a clear
// error when a shape is impossible for it. No proposing here (propose.ts fills the choices a person left open).

import type { ProblemShape } from '../../../src-shared/model';
import type { TrainingData } from '../../engine/data-source';
import type { Column, Parsed, ParsedPairs, ParsedTable } from '../parsed';
import { encodeRunningText, textData } from '../text';
import { type DatasetChoice, findColumn, validateChoice } from './choices';
import { classifyData } from './classify';
import { conditionalData, unigramBaseline } from './conditional';
import { forecastData } from './forecast';
import { pairsData } from './pairs';
import { groupTable, sequencesData, wideSequences } from './sequences';
import { stepLabelsData } from './steplabels';
import { tabularData } from './tabular';
import { taggingData } from './tagging';
import { mention, SettingError } from '../../../src-shared/settings';

const IMPOSSIBLE: Record<Parsed['kind'], string> = {
  table: 'a table',
  text: 'running text (no labels, no pairs)',
  tagged: 'tagged sentences',
  pairs: 'source ⇥ target pairs',
  sequences: 'labelled sequences',
};

function tableAsPairs(t: ParsedTable, src: Column, tgt: Column, splitCol?: Column): ParsedPairs {
  const text = (c: Column, r: number): string => c.strings?.[r] ?? (c.numbers && !Number.isNaN(c.numbers[r]) ? String(c.numbers[r]) : '');
  const pairs: ParsedPairs['pairs'] = [];
  for (let r = 0; r < t.rows; r++) {
    const source = text(src, r);
    const target = text(tgt, r);
    if (source !== '' && target !== '') pairs.push({ source, target, line: t.lineOfRow[r], ...(splitCol ? { split: text(splitCol, r) } : {}) });
  }
  return { kind: 'pairs', pairs };
}

/** Running text → next-token streams of characters or words (text.ts), with the unigram perplexity as the baseline. */
function runningText(text: string, c: DatasetChoice): TrainingData {
  // (validation on at most 200k characters, or 30k words: a softmax over a word vocabulary is ~100× a character's)
  const tokens = c.tokens ?? 'char';
  const opts = { batchSize: c.batchSize, sequenceLength: c.lookback ?? 64, valFraction: c.valFraction, maxValidationChars: tokens === 'word' ? 30_000 : 200_000, tokens, vocabularyCap: c.vocabularyCap };
  const encoded = encodeRunningText(text, opts);
  let data: TrainingData;
  try {
    data = textData(text, opts, encoded);
  } catch (e) {
    if (opts.tokens === 'word' && /too few to learn words/.test((e as Error).message)) throw new SettingError('tokens', `${(e as Error).message}; use ${mention('tokens')} char`, 'word');
    throw e;
  }
  const { ids, vocabulary, nVal } = encoded;
  // scored on the validation tokens the model is scored on (the start of the tail, as capped)
  const from = ids.length - nVal;
  data.baseline = unigramBaseline([ids.subarray(0, from)], [ids.subarray(from, Math.min(ids.length, from + opts.maxValidationChars))], vocabulary.length);
  return data;
}

/** Builds the training data for a complete choice (validated here). */
export function buildWith(parsed: Parsed, c: DatasetChoice): TrainingData & { warnings?: string[] } {
  validateChoice(c);
  const shape: ProblemShape = c.shape ?? 'many-to-one';
  const impossible = (why: string): never => {
    throw new SettingError('shape', `${IMPOSSIBLE[parsed.kind]} cannot train ${shape}${why ? ` (${why})` : ''}`, shape);
  };
  switch (parsed.kind) {
    case 'text':
      return shape === 'many-to-many' ? runningText(parsed.text, c) : impossible(`use ${mention('shape')} many-to-many to learn to continue it`);
    case 'tagged':
      return shape === 'many-to-many' ? taggingData(parsed, c) : impossible('tagged tokens train many-to-many');
    case 'pairs':
      return shape === 'encoder-decoder' ? pairsData(parsed, c) : impossible('pairs train encoder-decoder');
    case 'sequences':
      if (shape === 'many-to-one') return sequencesData(parsed, c);
      if (shape === 'many-to-many' && parsed.sequences.some((s) => s.stepLabels)) return stepLabelsData(parsed, c);
      return impossible('labelled sequences train many-to-one');
    case 'table': {
      const t = parsed;
      const inputs = (c.input ?? []).map((n) => findColumn(t, n, 'input'));
      const texts = t.columns.filter((x) => x.type === 'text');
      switch (shape) {
        case 'many-to-one': {
          if (c.wide) return sequencesData(wideSequences(t, c), c);
          const target = c.target !== undefined ? findColumn(t, c.target, 'target') : undefined;
          // A long table: a numeric target that changes within its series is forecast per series; else each
          // sequence is classified.
          if (c.sequence !== undefined && !(target && isSeriesTarget(t, c, target))) return sequencesData(groupTable(t, c), c);
          // Text in, a class out: a text input, or only categorical ones (names, words: nothing numeric to forecast).
          const textIn = inputs.some((x) => x.type === 'text') || (inputs.length > 0 && inputs.every((x) => x.type === 'categorical'));
          if (textIn || (inputs.length === 0 && texts.length > 0 && c.sequence === undefined)) return classifyData(t, c);
          return forecastData(t, c);
        }
        case 'one-to-one':
          return tabularData(t, c);
        case 'one-to-many':
          return conditionalData(t, c);
        case 'encoder-decoder': {
          const src = inputs[0] ?? texts[0];
          const tgt = c.target !== undefined ? findColumn(t, c.target, 'target') : texts.find((x) => x !== src);
          if (!src || !tgt || src === tgt || !(src.strings || src.numbers) || !(tgt.strings || tgt.numbers)) return impossible(`it needs a source and a target column: ${mention('input')} SOURCE ${mention('target')} TARGET`);
          return pairsData(tableAsPairs(t, src, tgt, c.split !== undefined ? findColumn(t, c.split, 'split') : undefined), c);
        }
        case 'many-to-many': {
          if (c.sequence !== undefined && c.target !== undefined) return stepLabelsData(groupTable(t, c, true), c);
          const col = inputs.find((x) => x.type === 'text' || (x.type === 'categorical' && x.strings)) ?? texts[0];
          if (!col) throw new SettingError('shape', 'a table without a text column (or a sequence column and per-step labels) cannot train many-to-many', 'many-to-many');
          return runningText(col.strings!.filter((s) => s !== '').join('\n'), c);
        }
      }
    }
  }
  return impossible('');
}

/** A target forecast within each series of a long table: numeric, and not one value per sequence (a label). */
function isSeriesTarget(t: ParsedTable, c: DatasetChoice, target: Column): boolean {
  if (target.type !== 'numeric' || c.sequence === undefined) return false;
  const key = findColumn(t, c.sequence, 'sequence');
  const seen = new Map<string, number>();
  for (let r = 0; r < t.rows; r++) {
    const v = target.numbers![r];
    if (Number.isNaN(v)) continue;
    const k = key.strings?.[r] ?? String(key.numbers![r]);
    const prev = seen.get(k);
    if (prev === undefined) seen.set(k, v);
    else if (prev !== v) return true;
  }
  return false;
}
