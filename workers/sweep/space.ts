// A sweep's search space: which settings of the one settings table (src-shared/settings.ts) a sweep varies, and
// over what — float ranges (linear or log), integers with a step (linear or log), or a list of choices. Parsed from
// the command line's form, written with the settings' CLI flags:
//
//   cell=lstm,gru hidden=32..256:log lr=1e-4..1e-2:log layers=1..3 bidirectional=true,false hidden=32..256:32
//
// `a..b` is a range (an integer setting's takes the step `:N`, default 1; `:log` samples it in log space), `a,b,c`
// a list of choices (any setting: a choice setting's values, true/false for a flag, numbers for a number setting).
// Every bound and choice must be in the setting's own range: one outside it is a SettingError naming the setting.
// Plain TypeScript: the CLI, the sweep service and the search read it.

import { expected, inRange, SETTINGS, SettingError, type SettingKey, type SettingSpec } from '../../src-shared/settings';

/** One setting of the space. Values are the setting's own (numbers, strings, booleans). */
export type SpaceParam =
  | { key: SettingKey; kind: 'float'; low: number; high: number; log: boolean }
  | { key: SettingKey; kind: 'int'; low: number; high: number; step: number; log: boolean }
  | { key: SettingKey; kind: 'choice'; values: readonly SettingValue[] };

export type SettingValue = number | string | boolean;
export type SearchSpace = readonly SpaceParam[];
/** One trial's settings: a value for each parameter of the space, by setting key. */
export type TrialParams = Partial<Record<SettingKey, SettingValue>>;

/**
 * Settings a sweep does not vary: the seed (each trial gets its own from the sweep's seed), the threads (the sweep
 * decides them), the validation and test splits (trials are compared on the same validation data), the file's format
 * and shape, and epochs (a trial's length is its steps); columns, free text and the Try screen's settings have no
 * range to search.
 */
const NOT_SWEPT: ReadonlySet<SettingKey> = new Set<SettingKey>(['seed', 'workers', 'format', 'shape', 'valFraction', 'testFraction', 'epochs']);

/** The settings a sweep can vary, by CLI flag (Data, Design and Train settings with a range or choices). */
export const SWEEPABLE: ReadonlyMap<string, SettingKey> = new Map(
  (Object.keys(SETTINGS) as SettingKey[])
    .filter((k) => {
      const s: SettingSpec = SETTINGS[k];
      return s.screen !== 'try' && !NOT_SWEPT.has(k) && (s.kind === 'number' || s.kind === 'choice' || s.kind === 'boolean');
    })
    .map((k) => [SETTINGS[k].flag, k]),
);

/** The error for one entry of the space: `--hidden 32..9000: the sweep's range: expected an integer from 1 to 4096`. */
function entryError(key: SettingKey | undefined, detail: string, value: string): SettingError {
  return new SettingError(key, detail, value);
}

/** Parses the command line's form of a space (entries separated by spaces). Throws a SettingError naming the entry. */
export function parseSpace(text: string): SearchSpace {
  const entries = text.trim().split(/\s+/).filter(Boolean);
  if (entries.length === 0) throw new SettingError(undefined, 'the search space is empty: give entries such as cell=lstm,gru hidden=32..256:log lr=1e-4..1e-2:log');
  const space: SpaceParam[] = [];
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new SettingError(undefined, `search space entry "${entry}": expected NAME=VALUES, such as hidden=32..256:log or cell=lstm,gru`);
    const name = entry.slice(0, eq).replace(/^--/, '');
    const key = SWEEPABLE.get(name);
    if (!key) {
      const why = [...Object.keys(SETTINGS)].some((k) => SETTINGS[k as SettingKey].flag === name) ? 'a sweep does not vary it' : 'no such setting';
      throw new SettingError(undefined, `search space entry "${entry}": ${why} (settings a sweep can vary: ${[...SWEEPABLE.keys()].join(', ')})`);
    }
    if (space.some((p) => p.key === key)) throw entryError(key, 'named twice in the search space', entry.slice(eq + 1));
    space.push(parseEntry(key, entry.slice(eq + 1)));
  }
  return space;
}

function parseEntry(key: SettingKey, text: string): SpaceParam {
  const s: SettingSpec = SETTINGS[key];
  const range = /^([^,]+?)\.\.([^,:]+)(?::(.*))?$/.exec(text);
  if (range) {
    if (s.kind !== 'number') throw entryError(key, `a range needs a number setting; give its choices instead (${expected(key)})`, text);
    const low = Number(range[1]);
    const high = Number(range[2]);
    const opts = range[3] === undefined ? [] : range[3].split(':');
    const log = opts.includes('log');
    const steps = opts.filter((o) => o !== 'log');
    if (steps.length > 1 || (steps.length === 1 && !(Number(steps[0]) > 0))) throw entryError(key, 'after the range, expected :log and/or a step :N (such as 32..256:32 or 1e-4..1e-2:log)', text);
    for (const [which, v] of [['lower bound', low], ['upper bound', high]] as const) {
      if (!inRange(key, v)) throw entryError(key, `the search space's ${which} ${range[which === 'lower bound' ? 1 : 2]} is out of range: expected ${expected(key)}`, text);
    }
    if (!(low < high)) throw entryError(key, `the range's lower bound must be below its upper bound`, text);
    if (log && low <= 0) throw entryError(key, 'a log range needs a lower bound above 0', text);
    if (s.integer) {
      const step = steps.length ? Number(steps[0]) : 1;
      if (!Number.isInteger(step)) throw entryError(key, `an integer setting's step must be a whole number`, text);
      return { key, kind: 'int', low, high, step, log };
    }
    if (steps.length) throw entryError(key, 'a step needs an integer setting', text);
    return { key, kind: 'float', low, high, log };
  }
  const parts = text.split(',').map((v) => v.trim());
  if (parts.some((p) => p === '')) throw entryError(key, `expected choices separated by commas, or a range LOW..HIGH`, text);
  const values: SettingValue[] = parts.map((p) => {
    let v: SettingValue = p;
    if (s.kind === 'number') v = Number(p);
    else if (s.kind === 'boolean') {
      if (p !== 'true' && p !== 'false') throw entryError(key, `the choice "${p}" is not a flag's value: expected true or false`, text);
      v = p === 'true';
    }
    if (!inRange(key, v)) throw entryError(key, `the choice "${p}" is out of range: expected ${s.kind === 'boolean' ? 'true or false' : expected(key)}`, text);
    return v;
  });
  if (new Set(values).size !== values.length) throw entryError(key, 'a choice is given twice', text);
  return { key, kind: 'choice', values };
}

/**
 * One entry of a space in the command line's form, from a parameter or from the studio's row for a setting as the
 * person typed it (bounds and step as text, not yet checked: parseSpace checks them). formatSpace writes each
 * parameter with it, so there is one way to write an entry.
 */
export type SpaceEntry =
  | { kind: 'range'; low: number | string; high: number | string; log: boolean; step?: number | string }
  | { kind: 'choice'; values: readonly SettingValue[] };

export function formatEntry(key: SettingKey, e: SpaceEntry): string {
  const flag = SETTINGS[key].flag;
  if (e.kind === 'choice') return `${flag}=${e.values.join(',')}`;
  const step = e.step === undefined ? '' : String(e.step).trim();
  const opts = `${e.log ? ':log' : ''}${step !== '' && step !== '1' ? `:${step}` : ''}`;
  return `${flag}=${String(e.low).trim()}..${String(e.high).trim()}${opts}`;
}

/** A parameter as an entry (formatEntry's input). */
export function entryOf(p: SpaceParam): SpaceEntry {
  return p.kind === 'choice' ? { kind: 'choice', values: p.values } : { kind: 'range', low: p.low, high: p.high, log: p.log, ...(p.kind === 'int' ? { step: p.step } : {}) };
}

/** The space in the command line's form again (what sweep.json records and the studio shows). */
export function formatSpace(space: SearchSpace): string {
  return space.map((p) => formatEntry(p.key, entryOf(p))).join(' ');
}

/** What a setting's values are in a space: a range (number settings) or choices (choice settings and flags). */
export function sweepKind(key: SettingKey): 'range' | 'choice' {
  return SETTINGS[key].kind === 'number' ? 'range' : 'choice';
}

/** The values a choice setting or flag can take in a space (its choices; true and false for a flag). */
export function choicesOf(key: SettingKey): readonly SettingValue[] {
  const s: SettingSpec = SETTINGS[key];
  if (s.kind === 'choice') return s.values;
  if (s.kind === 'boolean') return [true, false];
  return [];
}

const round2 = (x: number): number => Number(x.toPrecision(2));

/**
 * Where a search of one setting starts from its current value (the studio's row when the person turns it on): a
 * number from about a third (half, for a whole number) to about three times (twice) the value, in log space where
 * that spans a factor of 4 or more (and more than a handful of whole numbers), within the setting's range; every
 * choice of a choice setting or flag. Always a valid parameter (parseSpace accepts formatSpace of it).
 */
export function startingParam(key: SettingKey, current: unknown): SpaceParam {
  const s: SettingSpec = SETTINGS[key];
  if (s.kind !== 'number') return { key, kind: 'choice', values: choicesOf(key) };
  const v = typeof current === 'number' && Number.isFinite(current) ? current : (s.default ?? s.min);
  const lowest = s.aboveMin ? (s.integer ? s.min + 1 : Math.min(s.max / 1e4, Math.max(s.min, 1e-6))) : s.min;
  const highest = s.belowMax ? (s.integer ? s.max - 1 : s.max * 0.999) : s.max;
  let low: number;
  let high: number;
  if (s.integer) {
    low = v > 0 ? Math.max(lowest, Math.floor(v / 2)) : lowest;
    high = v > 0 ? Math.min(highest, v * 2) : Math.min(highest, lowest + 8);
    if (low >= high) (low = Math.max(lowest, high - 1)), (high = Math.min(highest, low + 1));
  } else {
    low = v > 0 ? Math.max(lowest, round2(v / 3)) : lowest;
    high = v > 0 ? Math.min(highest, round2(v * 3)) : Math.min(highest, lowest + 0.5);
    if (low >= high) (low = lowest), (high = highest);
  }
  const log = low > 0 && high / low >= 4 && (!s.integer || high - low >= 8); // not for a handful of whole numbers (layers 1..4)
  const p: SpaceParam = s.integer ? { key, kind: 'int', low, high, step: 1, log } : { key, kind: 'float', low, high, log };
  return p;
}

/** A numeric parameter's value nearest to `x` that it can take (integers on their step from the low bound). */
export function snap(p: Extract<SpaceParam, { kind: 'float' | 'int' }>, x: number): number {
  const clamped = Math.min(p.high, Math.max(p.low, x));
  if (p.kind === 'float') return clamped;
  const k = Math.round((clamped - p.low) / p.step);
  const v = p.low + k * p.step;
  return v > p.high ? v - p.step : v;
}

/** The trial's settings in the command line's words: `cell=gru hidden=64 lr=0.0031`. */
export function describeParams(space: SearchSpace, params: TrialParams): string {
  return space.map((p) => `${SETTINGS[p.key].flag}=${shortValue(params[p.key])}`).join(' ');
}

export function shortValue(v: SettingValue | undefined): string {
  if (typeof v === 'number' && !Number.isInteger(v)) return String(Number(v.toPrecision(3)));
  return String(v);
}
