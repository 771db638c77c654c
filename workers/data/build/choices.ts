// The choices a person makes (or accepts from propose()) when turning parsed data into training data, with their
// defaults and validation. Each error names the choice (as its CLI flag) and says what would work instead.

import type { ProblemShape } from '../../../src-shared/model';
import { PROBLEM_SHAPES } from '../../../src-shared/model';
import type { DatasetChoice } from '../../../src-shared/dataset';
import type { Column, ParsedTable } from '../parsed';

export type { DatasetChoice } from '../../../src-shared/dataset';

export const DEFAULT_CHOICE: DatasetChoice = {
  horizon: 1,
  stride: 1,
  vocabularyCap: 20000,
  valFraction: 0.1,
  testFraction: 0,
  seed: 1,
  batchSize: 32,
};

/** More steps than this in one sequence is a mistake (a whole file read as one sentence, a missing id column…). */
export const SENSIBLE_STEPS = 5000;
/** Hard ceiling on --lookback / --max-length. */
export const MAX_STEPS = 20000;

export function withDefaults(partial: Partial<DatasetChoice> = {}): DatasetChoice {
  const c: DatasetChoice = { ...DEFAULT_CHOICE };
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
  return c;
}

/** Throws on a choice no dataset can use, naming the flag. */
export function validateChoice(c: DatasetChoice): void {
  const bad = (flag: string, why: string): never => {
    throw new Error(`--${flag}: ${why}`);
  };
  const int = (flag: string, v: number | undefined, lo: number, hi: number): void => {
    if (v === undefined) return;
    if (!Number.isInteger(v) || v < lo) bad(flag, `${v} is not a whole number ≥ ${lo}`);
    if (v > hi) bad(flag, `${v.toLocaleString('en')} steps is longer than anything sensible (at most ${hi.toLocaleString('en')})`);
  };
  if (c.shape !== undefined && !PROBLEM_SHAPES.includes(c.shape)) bad('shape', `"${c.shape}" is not one of ${PROBLEM_SHAPES.join(', ')}`);
  int('lookback', c.lookback, 1, MAX_STEPS);
  int('horizon', c.horizon, 1, MAX_STEPS);
  int('stride', c.stride, 1, MAX_STEPS);
  int('season', c.season, 0, MAX_STEPS); // 0: no season (the data shows none)
  int('lag', c.lag, 1, MAX_STEPS);
  int('max-length', c.maxLength, 1, MAX_STEPS);
  int('vocabulary-cap', c.vocabularyCap, 4, 1_000_000);
  int('batch-size', c.batchSize, 1, 65536);
  if (c.difference !== undefined && typeof c.difference !== 'boolean') bad('difference', `${String(c.difference)} is not true or false`);
  if (c.tokens !== undefined && c.tokens !== 'char' && c.tokens !== 'word') bad('tokens', `"${c.tokens}" is not char or word`);
  if (!(c.valFraction > 0 && c.valFraction < 1)) bad('val-fraction', `${c.valFraction} is not between 0 and 1`);
  if (!(c.testFraction >= 0 && c.testFraction < 1)) bad('test-fraction', `${c.testFraction} is not between 0 (none) and 1`);
  if (c.valFraction + c.testFraction >= 0.9) bad('test-fraction', `validation ${c.valFraction} + test ${c.testFraction} leaves too little to train on`);
}

/** A column by name, or by 1-based position; the error lists the columns. */
export function findColumn(table: ParsedTable, name: string, flag: string): Column {
  let col = table.columns.find((c) => c.name === name);
  if (!col && /^\d+$/.test(name)) col = table.columns[Number(name) - 1];
  if (!col) col = table.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (!col) throw new Error(`--${flag} ${name}: no such column (columns: ${table.columns.map((c) => c.name).join(', ')})`);
  return col;
}

/** Warnings about class lists: labels seen once (they cannot be both trained on and validated). */
export function labelWarnings(counts: { value: string; count: number }[], what = 'label'): string[] {
  const once = counts.filter((c) => c.count === 1).map((c) => c.value);
  if (once.length === 0) return [];
  const shown = once.slice(0, 8).map((v) => JSON.stringify(v)).join(', ');
  return [`a ${what} seen once: ${shown}${once.length > 8 ? ` and ${once.length - 8} more` : ''} (${once.length} of ${counts.length}); the model cannot learn a class from one example — merge rare ${what}s or drop those rows`];
}

/** The longest sequence a builder keeps: --max-length, or the longest present when that is sensible. */
export function resolveMaxLength(longest: number, choice: DatasetChoice, what: string): number {
  if (choice.maxLength !== undefined) return choice.maxLength;
  if (longest > SENSIBLE_STEPS)
    throw new Error(`${what} longer than anything sensible: ${longest.toLocaleString('en')} steps; use --lookback/--max-length (e.g. --max-length 500) to cut it`);
  return Math.max(1, longest);
}
