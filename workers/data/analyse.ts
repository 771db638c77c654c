// What the columns of a table are, before any modelling choice: each column's role (a time index, parts of a date
// spread over several columns, a row number or id, a split marker, a series or sequence key and its step, years
// that are labels of something else, calendar features, measurements, categories, text) with a reason in words;
// the time axis (its columns combined, written form, sampling interval and regularity, gaps, order, the seasonal
// periods the span allows); and the key of a long-format table. propose.ts ranks proposals on these facts; the
// builders (build/) order and group rows with them.

import { DATE_FORM_LABEL, type DateForm, formatDate, regularity, utc } from './formats/dates';
import type { TimeInfo } from '../../src-shared/dataset';
import type { Column, ParsedTable } from './parsed';

export type ColumnRole =
  | 'time' // the time index (alone or combined from several columns)
  | 'time-part' // year / month / day / hour spread over columns, combined into the time index
  | 'dates' // dates that are not the time index (a model-run stamp…)
  | 'id' // a row number or a unique id
  | 'split' // train / test / validation marker
  | 'constant' // one value everywhere
  | 'key' // the series or sequence a row belongs to (long format)
  | 'step' // the order of rows within a key
  | 'calendar' // a derived calendar feature (day of week…)
  | 'years' // years that label something else (a record year), not a measurement
  | 'value' // a numeric measurement
  | 'category' // a few distinct values
  | 'text'; // free text

export interface ColumnFacts {
  column: Column;
  role: ColumnRole;
  /** Why, in words ("1, 2, 3 … one per row: a row number"). */
  why: string;
  /** Distinct non-missing values (exact up to 50,000). */
  distinct: number;
  /** Numeric and every value a whole number. */
  integer: boolean;
}

export interface Interval {
  /** "hourly", "daily", "monthly"… */
  name: string;
  /** Nominal length in ms (a month: 30.44 days). */
  ms: number;
  /** Seasonal periods this interval suggests, in steps (hourly: 24 and 168). */
  periods: number[];
}

/** The time axis as propose.ts reports it (TimeInfo), with what the builders need besides. */
export interface TimeAxis extends Omit<TimeInfo, 'interval' | 'season'> {
  dateForm?: DateForm;
  /** Time of each row (ms since 1970 UTC); NaN where unknown. */
  values: Float64Array;
  interval?: Interval;
  /** No year anywhere: the dates are placed in one (leap) year. */
  yearImplicit?: boolean;
}

export interface TableFacts {
  columns: ColumnFacts[];
  time?: TimeAxis;
  /** Long format: the column whose value says which series or sequence a row belongs to. */
  key?: Column;
  /** The order of rows within a key (a step counter, a time, an age); undefined = file order. */
  step?: Column;
  split?: Column;
  /** Things worth saying about the table (combined date parts, a reversed order…). */
  notes: string[];
  byName(name: string): ColumnFacts | undefined;
  role(c: Column): ColumnRole;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const INTERVALS: { name: string; ms: number; tol: number; periods: number[] }[] = [
  { name: 'every second', ms: 1000, tol: 100, periods: [60] },
  { name: 'every minute', ms: 60_000, tol: 2000, periods: [60, 1440] },
  { name: 'every 5 minutes', ms: 300_000, tol: 10_000, periods: [12, 288] },
  { name: 'every 10 minutes', ms: 600_000, tol: 20_000, periods: [6, 144] },
  { name: 'every 15 minutes', ms: 900_000, tol: 30_000, periods: [4, 96, 672] },
  { name: 'half-hourly', ms: 1_800_000, tol: 60_000, periods: [48, 336] },
  { name: 'hourly', ms: HOUR, tol: 120_000, periods: [24, 168] },
  { name: 'every 3 hours', ms: 3 * HOUR, tol: 300_000, periods: [8, 56] },
  { name: 'every 6 hours', ms: 6 * HOUR, tol: 600_000, periods: [4, 28] },
  { name: 'daily', ms: DAY, tol: 2 * HOUR, periods: [7, 365] },
  { name: 'weekly', ms: 7 * DAY, tol: DAY, periods: [52] },
  { name: 'monthly', ms: 30.44 * DAY, tol: 3.5 * DAY, periods: [12] },
  { name: 'quarterly', ms: 91.3 * DAY, tol: 4 * DAY, periods: [4] },
  { name: 'half-yearly', ms: 182.6 * DAY, tol: 5 * DAY, periods: [2] },
  { name: 'yearly', ms: 365.25 * DAY, tol: 2 * DAY, periods: [] },
];

/** The named interval a typical step (ms) is, or undefined. */
export function intervalOf(stepMs: number): Interval | undefined {
  const i = INTERVALS.find((x) => Math.abs(stepMs - x.ms) <= x.tol);
  return i && { name: i.name, ms: i.ms, periods: i.periods };
}

const norm = (name: string): string => name.toLowerCase().replace(/[^a-z]/g, '');
const PART_NAMES: Record<string, RegExp> = {
  year: /^(year|yr|yyyy|years)$/,
  quarter: /^(quarter|qtr|qrt|q)$/,
  month: /^(month|mon|mm|mo|mnth)$/,
  day: /^(day|dd|dateofmonth|dayofmonth|dom|mday|date)$/,
  hour: /^(hour|hr|hh|hours)$/,
  minute: /^(minute|min|mi|minutes)$/,
};
const PART_RANGE: Record<string, [number, number]> = { year: [1000, 2999], quarter: [1, 4], month: [1, 12], day: [1, 31], hour: [0, 24], minute: [0, 59] };
/** Words that name a part of a date (as whole-number columns beside a time index). */
const DATE_PART_WORDS = new Set(['yr', 'year', 'mnth', 'month', 'mon', 'day', 'dow', 'weekday', 'hr', 'hour', 'minute', 'quarter', 'qtr', 'week', 'season', 'holiday', 'workingday', 'weekend']);
const CALENDAR_NAME = /^(dayofweek|weekday|dow|wday|isweekend|weekend|isholiday|holiday|workingday|dayofyear|doy|weekofyear|week|season)$/;
const ID_NAME = /^(rownames?|rowid|rownum(ber)?|row|index|idx|no|nr|sno|id|uuid|guid|key|unnamed0?)$/;
const SPLIT_WORDS = new Set(['train', 'training', 'trn', 'test', 'testing', 'tst', 'val', 'valid', 'validation', 'dev', 'development', 'eval', 'evaluation', 'holdout', 'heldout']);
const SPLIT_NAME = /^(split|fold|set|subset|partition|dataset|part)$/;

/**
 * The words of a column name, lower case: "user_id", "userId" and "User ID" give user, id; "T (degC)" gives t, deg, c.
 * Names are matched by their words, not by substrings: "sentiment" holds "time", "distance" holds "stance" and
 * "percentage" holds "tag", and none of them is named like what those stand for.
 */
export function nameWords(name: string): string[] {
  return name
    .replace(/(\p{Ll}|\p{N})(\p{Lu})/gu, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

export interface NameWords {
  /** a word starting with one of these */
  stems: readonly string[];
  /** a word ending with one of these */
  suffixes?: readonly string[];
  /** a word that is one of these */
  words?: readonly string[];
  /** the whole name (its words joined by spaces) is one of these */
  wholes?: readonly string[];
}

/** Whether a column name is named like `o` says, word by word (see nameWords). */
export function namedLike(name: string, o: NameWords): boolean {
  const words = nameWords(name);
  if (o.wholes?.includes(words.join(' '))) return true;
  // a statistic written onto the word ("meantemp", "maxpressure", "avgrating") names the same thing
  const bare = (w: string): string[] => {
    const m = /^(mean|max|min|avg|average|median|total|daily)([a-z]{3,})$/.exec(w);
    return m ? [w, m[2]] : [w];
  };
  return words.flatMap(bare).some((w) => o.stems.some((s) => w.startsWith(s)) || (o.suffixes ?? []).some((s) => w.endsWith(s)) || (o.words ?? []).includes(w));
}

export const KEY_NAME = /(^|_|\b)(id|key|seq|sequence|series|session|subject|patient|participant|user|station|site|sensor|device|unit|track|trial|recording|group|origin|source|store|item|symbol|ticker|country|region|city|chick|animal|file|block|speaker|utterance)s?($|_|\b)/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LINK = /^(https?:\/\/|www\.)\S+$/i;
/**
 * A path on a site or a disk, without spaces: from the root or the current folder (`/a/abba/ahes-my-kind-of-girl.html`,
 * `./data/x`), or relative to a file with an extension (`images/cat_01.jpg`) — not words joined by a slash (Action/Adventure).
 */
const PATH = /^(\.{0,2}\/[\w.~%+-]+(\/[\w.~%+-]+)*\/?|[\w.~%+-]+(\/[\w.~%+-]+)+\.[a-z][a-z0-9]{1,4})$/i;

/** The split a value names (train, validation or test), or undefined: "oos_train" → train, "dev" → validation. */
export function splitOf(value: string): 'train' | 'validation' | 'test' | undefined {
  const words = value.toLowerCase().split(/[^a-z]+/).filter((w) => SPLIT_WORDS.has(w));
  if (words.length !== 1) return undefined;
  const w = words[0];
  return w.startsWith('tr') ? 'train' : w.startsWith('te') || w === 'tst' || w === 'holdout' || w === 'heldout' ? 'test' : 'validation';
}

/** A cell as a string ('' = missing); numbers in plain form. */
export function cellText(c: Column, r: number): string {
  if (c.strings) return c.strings[r];
  const v = c.numbers![r];
  return Number.isNaN(v) ? '' : String(v);
}

/** The share of a text column's first `limit` present values that pass `test` (0 when it has none). */
export function shareOfValues(c: Column, test: (v: string) => boolean, limit = 200): number {
  let seen = 0;
  let passed = 0;
  for (let r = 0; r < c.strings!.length && seen < limit; r++) {
    const v = c.strings![r];
    if (v === '') continue;
    seen++;
    if (test(v)) passed++;
  }
  return seen > 0 ? passed / seen : 0;
}

/** Whether a text column's values have at most `words` words each (its first 200). */
const shortValues = (c: Column, words: number): boolean => shareOfValues(c, (v) => v.trim().split(/\s+/).length <= words) === 1;

/** Whether a column holds web addresses (9 in 10 of its first 200 values). */
/** (paths only where they are mostly distinct: a few "/r/AskReddit" are classes, not links) */
const isLinks = (c: Column, distinct: number): boolean => shareOfValues(c, (v) => LINK.test(v) || (distinct >= 0.5 * (c.strings!.length - c.missing) && PATH.test(v))) >= 0.9;

function distinctCount(c: Column): number {
  if (c.categories) return c.categories.length;
  const s = new Set<string | number>();
  if (c.numbers) for (const v of c.numbers) !Number.isNaN(v) && s.add(v);
  else for (const v of c.strings!) v !== '' && s.add(v);
  return s.size;
}

function isInteger(c: Column): boolean {
  if (!c.numbers || c.type !== 'numeric') return false;
  for (const v of c.numbers) if (!Number.isNaN(v) && !Number.isInteger(v)) return false;
  return true;
}

function range(c: Column): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of c.numbers ?? []) if (!Number.isNaN(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  return [lo, hi];
}

/** Consecutive whole numbers, one per row (0, 1, 2 … or 1, 2, 3 …), in either direction. */
/**
 * Values rising (or falling) by the same step on every row, within 2% or the rounding of their last decimal (a
 * monthly decimal year steps 0.083 or 0.084; a daily one, to three decimals, 0.002 or 0.003).
 */
function evenSteps(v: Float64Array): boolean {
  if (v.length < 10) return false;
  const step = (v[v.length - 1] - v[0]) / (v.length - 1);
  if (!(step !== 0 && Number.isFinite(step))) return false;
  let decimals = 0;
  for (let i = 0; i < Math.min(50, v.length); i++) while (decimals < 8 && Math.abs(Math.round(v[i] * 10 ** decimals) - v[i] * 10 ** decimals) > 1e-6) decimals++;
  const tol = Math.max(0.02 * Math.abs(step), 1.01 * 10 ** -decimals);
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i] - v[i - 1] - step) > tol) return false;
  return true;
}

function isRowNumber(c: Column, rows: number): boolean {
  if (!c.numbers || c.missing > 0 || rows < 3) return false;
  const v = c.numbers;
  const d = v[1] - v[0];
  if (d !== 1 && d !== -1) return false;
  for (let i = 1; i < v.length; i++) if (v[i] - v[i - 1] !== d) return false;
  return true;
}

// ============================================== the time axis ===================================================

interface TimeCandidate {
  columns: Column[];
  values: Float64Array;
  form: string;
  dateForm?: DateForm;
  yearImplicit?: boolean;
  /** Lower is preferred. */
  rank: number;
}

/** Date parts spread over columns (year, quarter, month, day, hour, minute), combined into one time per row. */
function combinedParts(t: ParsedTable, facts: Map<Column, ColumnFacts>): TimeCandidate | undefined {
  const parts: Record<string, Column> = {};
  for (const c of t.columns) {
    const f = facts.get(c)!;
    if (!f.integer) continue;
    const n = norm(c.name);
    for (const [part, re] of Object.entries(PART_NAMES)) {
      if (!re.test(n) || parts[part]) continue;
      const [lo, hi] = range(c);
      const [a, b] = PART_RANGE[part];
      if (lo >= a && hi <= b) parts[part] = c;
    }
  }
  if (!t.header) Object.assign(parts, unnamedParts(t, facts));
  const { year, quarter, month, day, hour, minute } = parts;
  const dated = (year && (month || quarter)) || (month && day);
  if (!dated) return undefined;
  const used = [year, quarter, month, day, hour, minute].filter((c): c is Column => c !== undefined);
  if (day && !month) return undefined;
  const values = new Float64Array(t.rows);
  let bad = 0;
  for (let r = 0; r < t.rows; r++) {
    const y = year ? year.numbers![r] : 2000; // no year: placed in a leap year
    const m = month ? month.numbers![r] : quarter ? 3 * quarter.numbers![r] - 2 : 1;
    const v = utc(y, m, day ? day.numbers![r] : 1, hour ? hour.numbers![r] % 24 : 0, minute ? minute.numbers![r] : 0);
    values[r] = v;
    if (Number.isNaN(v)) bad++;
  }
  if (bad > 0.01 * t.rows) return undefined;
  const partOf = (c: Column): string => (t.header ? c.name : `${c.name} (${Object.keys(parts).find((k) => parts[k] === c)})`);
  return { columns: used, values, form: used.map(partOf).join(' + '), rank: 1, ...(year ? {} : { yearImplicit: true }) };
}

/**
 * In a file without a header, a year, a month and perhaps a day told by their values (SILSO's `1749;01;1749.042;…`):
 * adjacent whole-number columns, the first years never going back, the next months 1–12 changing with every row or
 * every few, then days 1–31 if they follow.
 */
function unnamedParts(t: ParsedTable, facts: Map<Column, ColumnFacts>): Record<string, Column> {
  const cols = t.columns;
  const whole = (c: Column | undefined, [lo, hi]: [number, number]): boolean => {
    if (!c || !facts.get(c)!.integer || c.missing > 0) return false;
    const [a, b] = range(c);
    return a >= lo && b <= hi;
  };
  for (let i = 0; i + 1 < cols.length; i++) {
    const [y, m, d] = [cols[i], cols[i + 1], cols[i + 2]];
    if (!whole(y, PART_RANGE.year) || !whole(m, PART_RANGE.month)) continue;
    const ys = y.numbers!;
    const ms = m.numbers!;
    // (years repeat, a month each, and the months start again as the year turns: not sorted ids beside a rating)
    let back = false;
    let turns = 0;
    let resets = 0;
    for (let r = 1; r < t.rows && !back; r++) {
      back = ys[r] < ys[r - 1] || (ys[r] === ys[r - 1] && ms[r] < ms[r - 1]);
      if (ys[r] > ys[r - 1]) (turns++, ms[r] <= ms[r - 1] && resets++);
    }
    if (back || facts.get(m)!.distinct < 4 || facts.get(y)!.distinct > t.rows / 3 || resets < 0.9 * turns) continue;
    return { year: y, month: m, ...(whole(d, PART_RANGE.day) && facts.get(d)!.distinct >= 28 ? { day: d } : {}) };
  }
  return {};
}

/** A year column alone (1871, 1872 …): yearly, when named like a year or a time, or consecutive years in order. */
function yearIndex(t: ParsedTable, facts: Map<Column, ColumnFacts>): TimeCandidate | undefined {
  for (const c of t.columns) {
    const f = facts.get(c)!;
    if (!f.integer || c.missing > 0) continue;
    const [lo, hi] = range(c);
    if (lo < 1000 || hi > 2999) continue;
    const named = /^(year|yr|yyyy|time|date|period)$/.test(norm(c.name));
    const consecutive = isRowNumber(c, t.rows);
    if (!named && !consecutive) continue;
    if (!consecutive && regularity(c.numbers!) < 0.8 && f.distinct > 0.5 * t.rows) continue;
    const values = Float64Array.from(c.numbers!, (y) => Date.UTC(y, 0, 1));
    return { columns: [c], values, form: 'years', rank: 3 };
  }
  return undefined;
}

/** Candidate time indexes: date columns (a date joined with a time-of-day column), combined parts, a year column. */
function timeCandidates(t: ParsedTable, facts: Map<Column, ColumnFacts>): TimeCandidate[] {
  const out: TimeCandidate[] = [];
  const dates = t.columns.filter((c) => c.type === 'date' && c.dateForm !== 'time-of-day');
  const clock = t.columns.find((c) => c.type === 'date' && c.dateForm === 'time-of-day');
  for (const d of dates) {
    const label = DATE_FORM_LABEL[d.dateForm ?? 'iso'];
    const dayOnly = Array.from(d.numbers!).every((v) => Number.isNaN(v) || v % DAY === 0);
    if (clock && dayOnly) {
      const values = Float64Array.from(d.numbers!, (v, r) => v + clock.numbers![r]);
      out.push({ columns: [d, clock], values, form: `${label} + ${DATE_FORM_LABEL['time-of-day']}`, dateForm: d.dateForm, rank: 0 });
    } else out.push({ columns: [d], values: d.numbers!, form: label, dateForm: d.dateForm, rank: 0 });
  }
  const parts = combinedParts(t, facts);
  if (parts) out.push(parts);
  const years = yearIndex(t, facts);
  if (years && !parts?.columns.includes(years.columns[0])) out.push(years);
  return out;
}

function stepStats(values: Float64Array, groups?: number[][]): { median: number; regularity: number; gaps: number; missingSteps: number; repeats: number; order: TimeAxis['order'] } {
  const seqs = groups ?? [Array.from({ length: values.length }, (_, i) => i)];
  const d: number[] = [];
  for (const rows of seqs) for (let i = 1; i < rows.length; i++) {
    const a = values[rows[i - 1]];
    const b = values[rows[i]];
    if (Number.isFinite(a) && Number.isFinite(b)) d.push(b - a);
  }
  const up = d.every((x) => x >= 0);
  const down = d.every((x) => x <= 0);
  const abs = d.map(Math.abs).filter((x) => x > 0).sort((a, b) => a - b);
  const median = abs.length ? abs[abs.length >> 1] : 0;
  const iv = intervalOf(median);
  const tol = iv ? INTERVALS.find((x) => x.name === iv.name)!.tol : median * 0.02;
  let regular = 0;
  let gaps = 0;
  let missingSteps = 0;
  let repeats = 0;
  const unit = iv?.ms ?? median;
  for (const x of d) {
    const a = Math.abs(x);
    if (a === 0) repeats++;
    else if (Math.abs(a - median) <= tol) regular++;
    else if (a > 1.5 * median) {
      gaps++;
      missingSteps += Math.max(1, Math.round(a / unit) - 1);
    }
  }
  return { median, regularity: d.length ? regular / d.length : 0, gaps, missingSteps, repeats, order: up ? 'ascending' : down ? 'descending' : 'unsorted' };
}

function axisOf(c: TimeCandidate, rows: number, groups?: number[][]): TimeAxis {
  const s = stepStats(c.values, groups);
  const interval = intervalOf(s.median);
  const n = groups ? groups.reduce((m, g) => Math.max(m, g.length), 0) : rows;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of c.values) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  const spanSteps = interval ? (hi - lo) / interval.ms : 0;
  const periods = (interval?.periods ?? []).filter((p) => spanSteps >= 2 * p && n >= 2 * p);
  return {
    columns: c.columns.map((x) => x.name),
    form: c.form,
    ...(c.dateForm ? { dateForm: c.dateForm } : {}),
    values: c.values,
    ...(interval ? { interval } : {}),
    regularity: s.regularity,
    gaps: s.gaps,
    missingSteps: s.missingSteps,
    repeats: s.repeats,
    order: s.order,
    periods,
    ...(c.yearImplicit ? { yearImplicit: true } : {}),
    first: formatDate(lo, c.dateForm),
    last: formatDate(hi, c.dateForm),
  };
}

/** Whether two time columns order the rows alike (nearly always rising and falling together). */
function sameOrder(a: Float64Array, b: Float64Array): boolean {
  let agree = 0;
  let n = 0;
  for (let i = 1; i < a.length; i++) {
    const da = Math.sign(a[i] - a[i - 1]);
    const db = Math.sign(b[i] - b[i - 1]);
    if (Number.isNaN(da) || Number.isNaN(db)) continue;
    n++;
    if (da === db) agree++;
  }
  return n > 0 && agree >= 0.95 * n;
}

// ============================================== keys of long tables ============================================

/** Rows of each distinct key value, in first-seen order (rows in file order). */
const groupsOf = new WeakMap<Column, number[][]>();

/** The rows of each value of `key`, in order of first appearance (computed once per column: columns do not change). */
export function groupRows(key: Column): number[][] {
  let g = groupsOf.get(key);
  if (!g) groupsOf.set(key, (g = groupRowsOnce(key)));
  return g;
}

function groupRowsOnce(key: Column): number[][] {
  const m = new Map<string, number[]>();
  const n = key.numbers?.length ?? key.strings!.length;
  for (let r = 0; r < n; r++) {
    const k = cellText(key, r);
    let g = m.get(k);
    if (!g) m.set(k, (g = []));
    g.push(r);
  }
  return [...m.values()];
}

/**
 * The key made of two columns ("store+item": the values joined by "/"), as a column of the table (added to it): the
 * one already there when the table was analysed before, so every later step (building, predicting) finds it by name.
 */
export function joinedKey(t: ParsedTable, a: Column, b: Column): Column {
  const name = `${a.name}+${b.name}`;
  const had = t.columns.find((c) => c.name === name);
  if (had) return had;
  const strings = Array.from({ length: t.rows }, (_, r) => `${cellText(a, r)}/${cellText(b, r)}`);
  const counts = new Map<string, number>();
  for (const v of strings) counts.set(v, (counts.get(v) ?? 0) + 1);
  const key: Column = { name, type: 'categorical', strings, missing: 0, categories: [...counts].map(([value, count]) => ({ value, count })), joins: [a.name, b.name] };
  t.columns.push(key);
  return key;
}

/** Share of rows whose (key, value) pair is unique. */
function pairUniqueness(key: Column, v: Float64Array | string[]): number {
  const seen = new Set<string>();
  let dup = 0;
  for (let r = 0; r < v.length; r++) {
    const p = `${cellText(key, r)}\u0000${v[r]}`;
    if (seen.has(p)) dup++;
    else seen.add(p);
  }
  return 1 - dup / Math.max(1, v.length);
}

/** Whether `v` never decreases within a group (ignoring missing values), in at least 95% of the groups. */
function orderedWithin(groups: number[][], v: Float64Array): boolean {
  let ok = 0;
  for (const g of groups) {
    let prev = -Infinity;
    let good = true;
    for (const r of g) {
      const x = v[r];
      if (Number.isNaN(x)) continue;
      if (x < prev) {
        good = false;
        break;
      }
      prev = x;
    }
    if (good) ok++;
  }
  return ok >= 0.95 * groups.length;
}

function contiguous(groups: number[][]): boolean {
  return groups.every((g) => g[g.length - 1] - g[0] === g.length - 1);
}

/**
 * The key of a long-format table: a column of repeated values (2 … rows/2 distinct) that, together with an order
 * column (the time index, or a numeric step) whose values repeat across keys but rise within each, makes every row
 * unique; or, without such a column, a key-like name over contiguous blocks of rows.
 */
function findKey(t: ParsedTable, facts: Map<Column, ColumnFacts>, time: TimeCandidate | undefined): { key: Column; parts?: [Column, Column]; step?: Column; timeOrder?: boolean } | undefined {
  const usable = (c: Column): boolean => {
    const f = facts.get(c)!;
    return !['id', 'split', 'constant', 'time-part', 'dates'].includes(f.role) && (c.type === 'categorical' || f.integer || c.type === 'text') && f.distinct >= 2 && f.distinct <= t.rows / 2 && !time?.columns.includes(c);
  };
  const keys = t.columns.filter(usable).sort((a, b) => Number(KEY_NAME.test(b.name)) - Number(KEY_NAME.test(a.name)));
  // Sequences are made of numbers: a table of text and labels has no key.
  const measured = t.columns.some((c) => c.type === 'numeric' && !['id', 'constant'].includes(facts.get(c)!.role) && !keys.slice(0, 1).includes(c));
  if (!measured) return undefined;
  // With a time index whose times repeat: the key that makes (key, time) unique.
  if (time) {
    const distinctTimes = new Set(time.values).size;
    if (distinctTimes >= 0.9 * t.rows) return undefined; // one series
    // (a key of two columns joined when the table was analysed before stands for its parts)
    const partsOf = (k: Column): [Column, Column] | undefined => {
      const [a, b] = k.joins ?? [];
      const ca = t.columns.find((c) => c.name === a);
      const cb = t.columns.find((c) => c.name === b);
      return ca && cb ? [ca, cb] : undefined;
    };
    const joined = t.columns.find((c) => c.joins && partsOf(c));
    if (joined && pairUniqueness(joined, time.values) >= 0.98) return { key: joined, parts: partsOf(joined), timeOrder: true };
    for (const k of keys) if (!k.joins && pairUniqueness(k, time.values) >= 0.98) return { key: k, timeOrder: true };
    // Two keys together (a store and an item, a store and a department): one series per pair. Only pairs that could
    // name as many series as the times repeat (about rows ÷ distinct times), each series two rows or more, are tried.
    const series = t.rows / distinctTimes;
    const count = (c: Column): number => facts.get(c)!.distinct;
    const few = keys.filter((k) => !k.joins && count(k) < series && count(k) <= 1000).slice(0, 8);
    for (let i = 0; i < few.length; i++)
      for (let j = i + 1; j < few.length; j++) {
        const pairs = count(few[i]) * count(few[j]);
        if (pairs < 0.9 * series || t.rows / pairs < 2) continue;
        const probe: Column = { name: '', type: 'categorical', strings: Array.from({ length: t.rows }, (_, r) => `${cellText(few[i], r)}/${cellText(few[j], r)}`), missing: 0 };
        if (pairUniqueness(probe, time.values) >= 0.98) return { key: joinedKey(t, few[i], few[j]), parts: [few[i], few[j]], timeOrder: true };
      }
  }
  const steps = t.columns.filter((c) => c.numbers && !['id', 'split', 'constant'].includes(facts.get(c)!.role) && facts.get(c)!.distinct < 0.5 * t.rows);
  for (const k of keys) {
    const groups = groupRows(k);
    if (groups.length < 2) continue;
    const named = KEY_NAME.test(k.name);
    const blocks = contiguous(groups);
    if (!named && !blocks) continue;
    for (const s of steps) {
      if (s === k) continue;
      if (orderedWithin(groups, s.numbers!) && pairUniqueness(k, s.numbers!) >= 0.98) return { key: k, step: s };
    }
    if (named && blocks && groups.length >= 2 && t.rows / groups.length >= 2) return { key: k };
  }
  return undefined;
}

// ============================================== roles ==========================================================

/**
 * The column that marks each row's split: values that all name one (train, dev, test; "oos_train", "train-clean"),
 * two splits or more, twelve values at most — not file paths ("train/chorale_055.csv"). Where several do (a folder's
 * file names beside its split column), the one with the fewest values.
 */
function splitColumnOf(t: ParsedTable): Column | undefined {
  const marker = (v: string): boolean => splitOf(v) !== undefined && !v.includes('/');
  let best: Column | undefined;
  let fewest = Infinity;
  for (const c of t.columns) {
    if (!(c.type === 'categorical' || c.type === 'text') || !c.strings) continue;
    const values = c.categories?.map((x) => x.value) ?? [...new Set(c.strings.filter((s) => s !== '').slice(0, 10_000))];
    if (values.length < 2 || values.length > 12 || !values.every(marker) || new Set(values.map(splitOf)).size < 2) continue;
    if (values.length < fewest) (best = c), (fewest = values.length);
  }
  return best;
}

export function analyseTable(t: ParsedTable): TableFacts {
  const facts = new Map<Column, ColumnFacts>();
  const notes: string[] = [];
  const rows = t.rows;
  const splitColumn = splitColumnOf(t);
  for (const c of t.columns) {
    const distinct = distinctCount(c);
    const integer = isInteger(c);
    const n = norm(c.name);
    const f: ColumnFacts = { column: c, role: c.type === 'numeric' ? 'value' : c.type === 'text' ? 'text' : c.type === 'categorical' ? 'category' : 'dates', why: '', distinct, integer };
    facts.set(c, f);
    const present = rows - c.missing;
    if (distinct <= 1) {
      f.role = 'constant';
      f.why = present === 0 ? 'no values' : `one value everywhere (${JSON.stringify(cellText(c, Array.from({ length: rows }, (_, r) => r).find((r) => cellText(c, r) !== '') ?? 0))})`;
      continue;
    }
    // Web addresses (an article's link beside its headline) point at a text; they are not one.
    if (c.strings && c.type !== 'numeric' && isLinks(c, distinct)) {
      f.role = 'id';
      f.why = 'web addresses or paths: a link to each row, not a text to learn from';
      continue;
    }
    if (c === splitColumn) {
      const values = c.categories?.map((x) => x.value) ?? [...new Set(c.strings!.filter((s) => s !== ''))];
      f.role = 'split';
      f.why = `its values (${values.slice(0, 6).join(', ')}) mark the split: honoured as the split, not learnt`;
      continue;
    }
    if (c.type === 'numeric' && integer && isRowNumber(c, rows) && !(range(c)[0] >= 1000 && range(c)[1] <= 2999 && !ID_NAME.test(n))) {
      f.role = 'id';
      f.why = `${cellText(c, 0)}, ${cellText(c, 1)}, ${cellText(c, 2)} … one per row: a row number`;
      continue;
    }
    if (distinct === present && present === rows && rows >= 3) {
      const uuid = c.strings && c.strings.slice(0, 50).every((s) => UUID.test(s));
      const idName = ID_NAME.test(n) || /(^|_)id$|uuid|guid|code|sku/i.test(c.name);
      // a short code without spaces, different on every row and mostly with digits in it (item-0042, A17-3…)
      const code = c.strings !== undefined && c.strings.slice(0, 200).every((s) => s.length <= 40 && !/\s/.test(s)) && c.strings.slice(0, 200).filter((s) => /\d/.test(s)).length >= 0.9 * Math.min(200, c.strings.length);
      if ((c.type !== 'date' && idName && (c.type !== 'text' || code)) || uuid || code) {
        f.role = 'id';
        f.why = uuid ? 'a unique code on every row (UUIDs): an id' : code ? 'a different code on every row: an id' : 'a different value on every row: an id';
        continue;
      }
    }
    // Who a row is about (a passenger's name, a customer's): a short name, different on every row, among several
    // features. Beside a label alone (names and their gender) the name is the text to read, so it stays text.
    if (c.type === 'text' && distinct === present && present >= 0.95 * rows && namedLike(c.name, { stems: [], words: ['name', 'names', 'surname', 'fullname'] }) && shortValues(c, 6)) {
      const others = t.columns.filter((x) => x !== c && (x.type === 'numeric' || x.type === 'categorical')).length;
      if (others >= 4) {
        f.role = 'id';
        f.why = 'a different name on every row beside the features: who the row is about, not a text to learn from';
        continue;
      }
    }
    if (integer && CALENDAR_NAME.test(n)) {
      f.role = 'calendar';
      f.why = 'a calendar feature derived from the date';
      continue;
    }
    if (integer && /year|yr/.test(n)) {
      const [lo, hi] = range(c);
      if (lo >= 1000 && hi <= 2999) {
        f.role = 'years';
        f.why = 'calendar years (of a record, an event…), not a measurement';
      }
    }
  }

  // A row number that is the only numeric column of a table without text is the data itself (a counted series).
  const learnable = [...facts.values()].filter((f) => ['value', 'category', 'text', 'calendar', 'years'].includes(f.role));
  if (learnable.length === 0) {
    for (const f of facts.values()) {
      if (f.role === 'id' && f.column.type === 'numeric') {
        f.role = 'value';
        f.why = `whole numbers rising by one, the only values in the table: the series itself`;
      }
    }
  }

  // The time index: prefer a date column (joined with a time of day), then date parts, then a year column.
  // (a constant year beside changing months and days is fine; a constant date alone is no time axis)
  const candidates = timeCandidates(t, facts).filter((c) => !c.columns.every((x) => facts.get(x)!.role === 'constant'));
  const score = (c: TimeCandidate): number => new Set(c.values).size / rows + regularity(c.values) - c.rank * 0.05;
  candidates.sort((a, b) => score(b) - score(a));
  const chosen = candidates[0];
  let time: TimeAxis | undefined;
  const found = findKey(t, facts, chosen);
  let key = found?.key;
  let step = found?.step;
  if (chosen) {
    const groups = key && found?.timeOrder ? groupRows(key) : undefined;
    time = axisOf(chosen, rows, groups);
    if (time.order === 'unsorted' && !groups && !time.interval) time = undefined; // not a time axis after all
  }
  if (time && chosen) {
    const parts = chosen.columns.length > 1 && chosen.form !== 'years';
    for (const c of chosen.columns) {
      const f = facts.get(c)!;
      f.role = parts && !(c.type === 'date') ? 'time-part' : 'time';
      f.why = parts ? `with ${chosen.columns.filter((x) => x !== c).map((x) => `"${x.name}"`).join(', ')}: the time of each row (${time.form})` : `the time of each row (${time.form})`;
    }
    if (parts) notes.push(`time: ${time.columns.map((n) => `"${n}"`).join(' + ')} combined into one time per row${time.yearImplicit ? ' (no year in the file: placed in one year)' : ''}`);
    for (const other of candidates.slice(1)) {
      // The same instants written another way (year, month, day, hour beside a timestamp) are not measurements.
      const same = other.values.length === time.values.length && other.columns.length > 1 && sameOrder(other.values, time.values);
      for (const c of other.columns) {
        const f = facts.get(c)!;
        if (f.role === 'time' || f.role === 'time-part') continue;
        if (c.type === 'date') {
          f.role = 'dates';
          f.why = `dates, but not the time index (${f.distinct} distinct; ${chosen.columns.map((x) => `"${x.name}"`).join(' + ')} orders the rows)`;
        } else if (same) {
          f.role = 'time-part';
          f.why = `with ${other.columns.filter((x) => x !== c).map((x) => `"${x.name}"`).join(', ')}: the time of each row written another way (the index is ${chosen.columns.map((x) => `"${x.name}"`).join(' + ')})`;
        }
      }
    }
    if (key && found?.timeOrder) step = undefined;
    // Whole numbers named only as a part of the date (yr 0/1, mnth 1–12, hr, weekday) beside the time index: calendar
    // features derived from it (the bike-sharing table's season, yr, mnth beside dteday), not measurements.
    for (const f of facts.values()) {
      if (f.role !== 'value' || !f.integer || f.distinct > 60 || chosen.columns.includes(f.column)) continue;
      const words = nameWords(f.column.name).filter((w) => !['of', 'the', 'is', 'num', 'no'].includes(w));
      if (words.length > 0 && words.every((w) => DATE_PART_WORDS.has(w))) {
        f.role = 'calendar';
        f.why = `a part of the date (${f.distinct} values), derived from the time index`;
      }
    }
    // The time written once more as a decimal year rising by one step a row (SILSO's 1749.042, 1749.125, …): not a
    // measurement. (Whole numbers rising evenly — a count of passengers — are measured, whatever their steps.)
    if (!key)
      for (const f of facts.values()) {
        if (f.role !== 'value' || f.integer || f.column.missing > 0 || f.distinct < 0.95 * rows || !evenSteps(f.column.numbers!)) continue;
        const [lo, hi] = range(f.column);
        if (lo < 1000 || hi > 3000 || (hi - lo) / (rows - 1) >= 1) continue;
        f.role = 'time-part';
        f.why = `the time of each row written as a decimal year, rising by one step a row (the index is ${chosen.columns.map((x) => `"${x.name}"`).join(' + ')})`;
      }
  } else if (chosen) {
    for (const c of chosen.columns) if (c.type === 'date') facts.get(c)!.role = 'dates';
  }
  // Years not used as the time index are labels of something else; time parts not combined stay values.
  for (const f of facts.values()) {
    if (f.role === 'years' && (time?.columns.includes(f.column.name) ?? false)) f.role = 'time';
    if (f.role === 'dates' && !f.why) f.why = 'dates that are not the time index';
  }
  if (key && found?.parts) {
    // a key of two columns joins the table as a column of its own (named after both); its parts are keys too
    if (!facts.has(key)) facts.set(key, { column: key, role: 'key', why: '', distinct: distinctCount(key), integer: false });
    for (const p of found.parts) {
      const f = facts.get(p)!;
      f.role = 'key';
      f.why = `with "${found.parts.find((x) => x !== p)!.name}": one series per pair (the column "${key.name}")`;
    }
  }
  if (key) {
    const kf = facts.get(key)!;
    kf.role = 'key';
    const groups = groupRows(key);
    // a row number that starts again in each series (Beijing's "No" in each station's file): not a measurement
    for (const f of facts.values()) {
      if (f.role !== 'value' || !f.integer || f.column === step) continue;
      const v = f.column.numbers!;
      if (groups.every((g) => g.length < 2 || g.every((r, i) => i === 0 || v[r] - v[g[i - 1]] === 1))) {
        f.role = 'id';
        f.why = `${cellText(f.column, groups[0][0])}, ${cellText(f.column, groups[0][1] ?? groups[0][0])}, … rising by one within each "${key.name}": a row number`;
      }
    }
    const lengths = groups.map((g) => g.length).sort((a, b) => a - b);
    kf.why = `${groups.length} ${time ? 'series' : 'sequences'} of ${lengths[0] === lengths[lengths.length - 1] ? lengths[0] : `${lengths[0]}–${lengths[lengths.length - 1]}`} rows each${time ? `, each with its own ${time.columns.join(' + ')}` : step ? `, ordered by "${step.name}"` : ''}`;
    if (step) {
      const sf = facts.get(step)!;
      sf.role = 'step';
      sf.why = `orders the rows within each "${key.name}"`;
    }
  }
  const split = t.columns.find((c) => facts.get(c)!.role === 'split');
  if (time?.order === 'descending') notes.push(`the rows run backwards in time (newest first): read in time order`);
  else if (time?.order === 'unsorted' && !key) notes.push(`the rows are not in time order: read in time order`);
  const list = t.columns.map((c) => facts.get(c)!);
  for (const f of list) if (!f.why) f.why = whyOf(f, rows);
  return {
    columns: list,
    ...(time ? { time } : {}),
    ...(key ? { key } : {}),
    ...(step ? { step } : {}),
    ...(split ? { split } : {}),
    notes,
    byName: (name) => list.find((f) => f.column.name === name),
    role: (c) => facts.get(c)?.role ?? 'value',
  };
}

function whyOf(f: ColumnFacts, rows: number): string {
  const c = f.column;
  switch (f.role) {
    case 'value':
      return `numbers${f.integer ? ' (whole)' : ''}, ${f.distinct.toLocaleString('en')} distinct${c.missing ? `, ${c.missing} missing` : ''}`;
    case 'category':
      return `${f.distinct} distinct values`;
    case 'text':
      return `free text, ${f.distinct.toLocaleString('en')} distinct of ${rows.toLocaleString('en')}`;
    default:
      return '';
  }
}

/** Row order for reading a table in time: by time (stable), within each key when there is one (keys in first-seen order). */
export function timeOrder(t: ParsedTable, facts: TableFacts): number[][] {
  const groups = facts.key ? groupRows(facts.key) : [Array.from({ length: t.rows }, (_, i) => i)];
  const by = facts.time?.values ?? facts.step?.numbers;
  if (!by) return groups;
  return groups.map((g) => {
    if (facts.time?.order === 'ascending' && !facts.key) return g;
    return [...g].sort((a, b) => (Number.isNaN(by[a]) ? 1 : Number.isNaN(by[b]) ? -1 : by[a] - by[b]) || a - b);
  });
}

/**
 * How strongly a series repeats with period p: after removing what moves slower than p (a centred moving average of
 * p values, as in classical seasonal decomposition: it cancels the cycle itself and keeps trends and longer cycles),
 * the autocorrelation at lag p minus the one at lag p/2 (a cycle is high at a full period and low at half of it; a
 * smooth series without one is high at both). 0 when there are too few values.
 */
export function seasonalStrength(values: ArrayLike<number>, p: number): number {
  const n = values.length;
  if (p < 2 || n < 2 * p + 2) return 0;
  const x = Float64Array.from(values);
  // fill gaps linearly (ends: nearest)
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(x[i])) continue;
    if (last < 0) for (let j = 0; j < i; j++) x[j] = x[i];
    else for (let j = last + 1; j < i; j++) x[j] = x[last] + ((x[i] - x[last]) * (j - last)) / (i - last);
    last = i;
  }
  if (last < 0) return 0;
  for (let j = last + 1; j < n; j++) x[j] = x[last];
  // x − its centred moving average over p values (prefix sums; the ends use the nearest full window)
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + x[i];
  const r = new Float64Array(n);
  const half = Math.floor(p / 2);
  for (let i = 0; i < n; i++) {
    const lo = Math.min(Math.max(0, i - half), n - p);
    r[i] = x[i] - (prefix[lo + p] - prefix[lo]) / p;
  }
  let mean = 0;
  for (const v of r) mean += v / n;
  let den = 0;
  for (let i = 0; i < n; i++) {
    r[i] -= mean;
    den += r[i] * r[i];
  }
  if (den <= 1e-12) return 0;
  const acf = (lag: number): number => {
    let sum = 0;
    for (let i = lag; i < n; i++) sum += r[i] * r[i - lag];
    return sum / den;
  };
  return acf(p) - acf(Math.round(p / 2));
}
