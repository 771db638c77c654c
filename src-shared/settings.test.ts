// The settings table: every setting has a label and a flag of its own, its default lies in its range, and the run
// defaults are the table's; a problem about a setting reads as a flag on the command line and as the field's label
// in the studio; the flags the old messages named but the CLI never took are gone.
import { describe, expect, it } from 'vitest';
import { CELL_TYPES } from './cells';
import { DEFAULT_TRAIN_SETTINGS } from './model';
import { describeProblem, expected, inRange, mention, renderMentions, rule, RUN_SETTINGS, SETTINGS, SettingError, within, type SettingKey } from './settings';

const keys = Object.keys(SETTINGS) as SettingKey[];

describe('settings table', () => {
  it('gives each setting a label, and each command its own flags', () => {
    for (const k of keys) {
      expect(SETTINGS[k].label, k).not.toBe('');
      expect(SETTINGS[k].flag, k).toMatch(/^[a-z][a-z0-9-]*$/);
    }
    // flags shared by two settings belong to different commands (train's --input and predict's --input)
    const byFlag = new Map<string, SettingKey[]>();
    for (const k of keys) byFlag.set(SETTINGS[k].flag, [...(byFlag.get(SETTINGS[k].flag) ?? []), k]);
    for (const [flag, owners] of byFlag) if (owners.length > 1) expect(owners.filter((k) => SETTINGS[k].screen !== 'try'), flag).toHaveLength(1);
    expect([...byFlag.keys()]).not.toContain('vocabulary-cap');
    expect([...byFlag.keys()]).not.toContain('batch-size');
    expect(SETTINGS.cell.values).toEqual(CELL_TYPES);
  });

  it('keeps every default in its range, and a run starts from the table', () => {
    for (const k of keys) {
      const d = (SETTINGS[k] as { default?: unknown }).default;
      if (d !== undefined) expect(inRange(k, d), `${k} = ${String(d)}`).toBe(true);
    }
    expect(RUN_SETTINGS).toEqual({ ...DEFAULT_TRAIN_SETTINGS, checkpointEvery: 100 });
    expect(within('batchSize', 9000)).toBe(4096);
    expect(within('hiddenSize', 0)).toBe(1);
  });

  it('says a range in each host’s words', () => {
    expect(expected('batchSize', 'cli')).toBe('an integer from 1 to 4096');
    expect(expected('batchSize', 'studio')).toBe('a whole number from 1 to 4,096');
    expect(expected('learningRate', 'cli')).toBe('a number > 0 and < 10');
    expect(rule('patience')).toBe('Stop early after must be a whole number of evaluations from 0 (never) to 1,000,000.');
    expect(rule('dropout')).toBe('Dropout must be a number between 0 and 0.9.');
    expect(inRange('layers', 9)).toBe(false);
    expect(inRange('layers', 1.5)).toBe(false);
    expect(inRange('cell', 'transformer')).toBe(false);
  });

  it('names a setting by its flag on the command line and by its label in the studio', () => {
    const e = new SettingError('target', `no such column (columns: a, b); or use ${mention('input')}`, 'price');
    expect(e.message).toBe('--target price: no such column (columns: a, b); or use --input');
    expect(describeProblem(e.problem, 'studio')).toBe('Target column “price”: no such column (columns: a, b); or use “Input columns”');
    expect(describeProblem(e.inFile('x.csv').problem, 'cli')).toBe('x.csv: --target price: no such column (columns: a, b); or use --input');
    expect(renderMentions('lower --val-fraction or --lookback; --unknown stays', 'studio')).toBe('lower “Validation fraction” or “Lookback”; --unknown stays');
    expect(describeProblem({ message: 'a space', setting: 'target', value: 'my col' }, 'cli')).toBe('--target "my col": a space');
  });
});
