// The choices a person makes (or accepts from propose()) when turning parsed data into training data, with their
// defaults and validation, from the settings table (src-shared/settings.ts). Each error is a SettingError naming the
// choice (each host says it in its words) and what would work instead.

import type { DatasetChoice } from '../../../src-shared/dataset';
import { inRange, mention, SETTINGS, SettingError, type SettingKey } from '../../../src-shared/settings';
import type { Column, ParsedTable } from '../parsed';
import { joinedKey } from '../analyse';

export type { DatasetChoice } from '../../../src-shared/dataset';

export const DEFAULT_CHOICE: DatasetChoice = {
  horizon: SETTINGS.horizon.default,
  stride: SETTINGS.stride.default,
  vocabularyCap: SETTINGS.vocabularyCap.default,
  valFraction: SETTINGS.valFraction.default,
  testFraction: SETTINGS.testFraction.default,
  seed: SETTINGS.seed.default,
  batchSize: SETTINGS.batchSize.default,
};

/** More steps than this in one sequence is a mistake (a whole file read as one sentence, a missing id column…). */
export const SENSIBLE_STEPS = 5000;
/** Hard ceiling on a lookback or a maximum length (the settings table's). */
export const MAX_STEPS = SETTINGS.lookback.max;

export function withDefaults(partial: Partial<DatasetChoice> = {}): DatasetChoice {
  const c: DatasetChoice = { ...DEFAULT_CHOICE };
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
  return c;
}

/** Throws on a choice no dataset can use (a SettingError naming it), from the settings table's ranges. */
export function validateChoice(c: DatasetChoice): void {
  const whole = (key: SettingKey, v: number | undefined): void => {
    if (v === undefined) return;
    const s = SETTINGS[key] as { min: number; max: number };
    if (!Number.isInteger(v) || v < s.min) throw new SettingError(key, `${v} is not a whole number ≥ ${s.min}`);
    if (v > s.max) throw new SettingError(key, `${v.toLocaleString('en')} steps is longer than anything sensible (at most ${s.max.toLocaleString('en')})`);
  };
  if (c.shape !== undefined && !inRange('shape', c.shape)) throw new SettingError('shape', `"${c.shape}" is not one of ${SETTINGS.shape.values.join(', ')}`);
  for (const key of ['lookback', 'horizon', 'stride', 'season', 'lag', 'maxLength', 'vocabularyCap', 'batchSize'] as const) whole(key, c[key]);
  if (c.difference !== undefined && typeof c.difference !== 'boolean') throw new SettingError('difference', `${String(c.difference)} is not true or false`);
  if (c.tokens !== undefined && !inRange('tokens', c.tokens)) throw new SettingError('tokens', `"${c.tokens}" is not char or word`);
  if (c.targetTokens !== undefined && !inRange('targetTokens', c.targetTokens)) throw new SettingError('targetTokens', `"${c.targetTokens}" is not char or word`);
  if (!inRange('valFraction', c.valFraction)) throw new SettingError('valFraction', `${c.valFraction} is not between ${SETTINGS.valFraction.min} and ${SETTINGS.valFraction.max}`);
  if (!inRange('testFraction', c.testFraction)) throw new SettingError('testFraction', `${c.testFraction} is not between 0 (none) and ${SETTINGS.testFraction.max}`);
  if (c.valFraction + c.testFraction >= 0.9) throw new SettingError('testFraction', `validation ${c.valFraction} + test ${c.testFraction} leaves too little to train on`);
}

/** A column by name, or by 1-based position, for the setting `key` (target, input…); the error lists the columns. */
export function findColumn(table: ParsedTable, name: string, key: ColumnKey): Column {
  let col = table.columns.find((c) => c.name === name);
  if (!col && /^\d+$/.test(name)) col = table.columns[Number(name) - 1];
  if (!col) col = table.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  // a key of two columns ("store+item"), named before in a table where both were found: made again from its parts
  if (!col && name.includes('+')) {
    const cut = name.indexOf('+', 1);
    for (let i = cut; i > 0 && !col; i = name.indexOf('+', i + 1)) {
      const a = table.columns.find((c) => c.name === name.slice(0, i));
      const b = table.columns.find((c) => c.name === name.slice(i + 1));
      if (a && b) col = joinedKey(table, a, b);
    }
  }
  if (!col) throw new SettingError(key, `no such column (columns: ${table.columns.map((c) => c.name).join(', ')})`, name);
  return col;
}

/** The settings that name columns. */
export type ColumnKey = 'input' | 'target' | 'sequence' | 'step' | 'split';

/** Warnings about class lists: labels seen once (they cannot be both trained on and validated). */
export function labelWarnings(counts: { value: string; count: number }[], what = 'label'): string[] {
  const once = counts.filter((c) => c.count === 1).map((c) => c.value);
  if (once.length === 0) return [];
  const shown = once.slice(0, 8).map((v) => JSON.stringify(v)).join(', ');
  return [`a ${what} seen once: ${shown}${once.length > 8 ? ` and ${once.length - 8} more` : ''} (${once.length} of ${counts.length}); the model cannot learn a class from one example — merge rare ${what}s or drop those rows`];
}

/** The longest sequence a builder keeps: the maximum length chosen, or the longest present when that is sensible. */
export function resolveMaxLength(longest: number, choice: DatasetChoice, what: string): number {
  if (choice.maxLength !== undefined) return choice.maxLength;
  if (longest > SENSIBLE_STEPS)
    throw new SettingError(undefined, `${what} longer than anything sensible: ${longest.toLocaleString('en')} steps; use ${mention('lookback')}/${mention('maxLength')} (e.g. ${mention('maxLength')} 500) to cut it`);
  return Math.max(1, longest);
}
