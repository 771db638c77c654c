// The command line's flags, read from the settings table (src-shared/settings.ts): each setting's flag, how its
// value is typed (N, X, a|b|c, DURATION, COL…) in the usage text, and its range. A value out of range is a
// SettingError, which main() says in the command line's words (`--batch 9000: expected an integer from 1 to 4096`);
// any other mistake in what was typed is a UsageError. Both print one line and exit with code 2.

import type { ParseArgsConfig } from 'node:util';
import { parseDuration } from '../../src-shared/duration';
import { expected, inRange, SETTINGS, SettingError, settingName, type SettingKey, type SettingSpec } from '../../src-shared/settings';

/** A mistake in what was typed (a missing argument, two flags that exclude each other): one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs options for these settings' flags (booleans take no value; `--no-difference` turns the proposal's off). */
export function flagOptions(keys: readonly SettingKey[]): Options {
  const o: Options = {};
  for (const k of keys) {
    const s: SettingSpec = SETTINGS[k];
    o[s.flag] = { type: s.kind === 'boolean' ? 'boolean' : 'string' };
    if (s.kind === 'boolean' && k === 'difference') o['no-difference'] = { type: 'boolean' };
  }
  return o;
}

/** How a setting's value is typed in the usage text: `--cell lstm|gru|rnn`, `--layers N`, `--input COL[,COL…]`. */
export function flagUsage(key: SettingKey): string {
  const s: SettingSpec = SETTINGS[key];
  const flag = `--${s.flag}`;
  switch (s.kind) {
    case 'boolean':
      return flag;
    case 'choice':
      return `${flag} ${s.values.join('|')}`;
    case 'column':
      return `${flag} COL`;
    case 'columns':
      return `${flag} COL[,COL…]`;
    case 'text':
      return `${flag} TEXT`;
    case 'number':
      return `${flag} ${s.duration ? 'DURATION' : s.integer ? 'N' : s.max <= 1 ? 'F' : 'X'}`;
  }
}

/** A usage line's flags, each in brackets, wrapped at `width` columns after `indent`. */
export function usageFlags(keys: readonly SettingKey[], indent: number, width = 116): string {
  const lines: string[] = [];
  let line = '';
  for (const k of keys) {
    const part = `[${flagUsage(k)}]`;
    if (line && indent + line.length + 1 + part.length > width) {
      lines.push(line);
      line = part;
    } else line = line ? `${line} ${part}` : part;
  }
  if (line) lines.push(line);
  return lines.join('\n' + ' '.repeat(indent));
}

/**
 * The value of one setting's flag, checked against its range: undefined when the flag was not given. Numbers are read
 * as numbers (durations as durations), choices must be one of theirs, a list of columns is split at commas.
 */
export function readFlag<K extends SettingKey>(key: K, raw: string | boolean | undefined): FlagValue<K> | undefined {
  if (raw === undefined) return undefined;
  const s: SettingSpec = SETTINGS[key];
  if (s.kind === 'boolean') return raw as FlagValue<K>;
  const text = String(raw);
  let value: unknown = text;
  if (s.kind === 'number') {
    if (s.duration) {
      const seconds = parseDuration(text);
      if (seconds === null) throw new SettingError(key, 'expected a duration such as 90s, 5m or 1h30m, or a number of seconds', text);
      if (seconds > s.max) throw new SettingError(key, `expected at most ${s.max.toLocaleString('en-US')} seconds`, text);
      value = seconds;
    } else value = text.trim() === '' ? NaN : Number(text);
  } else if (s.kind === 'columns') value = text.split(',').map((c) => c.trim());
  if (!inRange(key, value)) throw new SettingError(key, `expected ${expected(key, 'cli')}`, text);
  return value as FlagValue<K>;
}

/** What a setting's flag reads as. */
export type FlagValue<K extends SettingKey> = (typeof SETTINGS)[K] extends { kind: 'number' }
  ? number
  : (typeof SETTINGS)[K] extends { kind: 'boolean' }
    ? boolean
    : (typeof SETTINGS)[K] extends { kind: 'columns' }
      ? string[]
      : (typeof SETTINGS)[K] extends { kind: 'choice'; values: readonly (infer V)[] }
        ? V
        : string;

/** The values of these settings' flags (undefined where not given), read from parseArgs' values. */
export function readFlags<K extends SettingKey>(keys: readonly K[], values: Record<string, string | boolean | undefined>): { [P in K]?: FlagValue<P> } {
  const out: { [P in K]?: FlagValue<P> } = {};
  for (const k of keys) {
    const v = readFlag(k, values[SETTINGS[k].flag]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** `--flag` of a setting, for messages the command line writes itself. */
export const flag = (key: SettingKey): string => settingName(key, 'cli');

// ============================================== output =============================================================

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

export function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A number from a flag that is no setting (--max-samples, --tokens of bench --generate): an integer in [lo, hi]. */
export function intFlag(v: string | undefined, name: string, lo: number, hi: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < lo || n > hi) throw new UsageError(`--${name} ${v}: expected an integer from ${lo} to ${hi}`);
  return n;
}

/** A real number from a flag that is no setting (bench --seconds): in [lo, hi]. */
export function realFlag(v: string | undefined, name: string, lo: number, hi: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < lo || n > hi) throw new UsageError(`--${name} ${v}: expected a number ≥ ${lo} and ≤ ${hi}`);
  return n;
}
