// Dates and times as people write them in data files: one parser per written form, and readDates(), which decides
// the form of a whole column from its values (a column is a date column only when every value reads in one form).
// Day-first and month-first dates that both read (every day ≤ 12) are decided by which reading gives the more
// regular spacing. Two-digit years take the century that does not put them in the future. All results are
// milliseconds since 1970 (UTC); a form that names no day (a month, a quarter, a year, a week) reads as its first day.
// Numeric columns (YYYYMMDD integers, Unix seconds or milliseconds) are read by readNumericDates().

export type DateForm =
  | 'iso'
  | 'year-month'
  | 'day-first'
  | 'month-first'
  | 'month-name'
  | 'quarter'
  | 'iso-week'
  | 'period-in-series'
  | 'time-of-day'
  | 'yyyymmdd'
  | 'unix-seconds'
  | 'unix-milliseconds';

/** How a column of dates was written, in words for people ("YYYY-MM", "DD/MM/YYYY (day first)"). */
export const DATE_FORM_LABEL: Record<DateForm, string> = {
  iso: 'YYYY-MM-DD (ISO)',
  'year-month': 'YYYY-MM',
  'day-first': 'DD/MM/YYYY (day first)',
  'month-first': 'MM/DD/YYYY (month first)',
  'month-name': 'month names (Jan 1949)',
  quarter: 'quarters (1959Q1)',
  'iso-week': 'ISO weeks (2020-W05)',
  'period-in-series': 'period-in-series codes (1-01 = year 1, month 1)',
  'time-of-day': 'times of day (hh:mm:ss)',
  yyyymmdd: 'YYYYMMDD integers',
  'unix-seconds': 'Unix time in seconds',
  'unix-milliseconds': 'Unix time in milliseconds',
};

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const HOUR = 3_600_000;

/** y-m-d h:m:s → ms UTC, or NaN when any part is out of range (29 February only in leap years). */
export function utc(y: number, m: number, d: number, hh = 0, mm = 0, ss = 0, ms = 0): number {
  if (!(y >= 1000 && y <= 2999) || m < 1 || m > 12 || d < 1 || d > DAYS[m - 1] || hh > 23 || mm > 59 || ss > 60) return NaN;
  if (m === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return NaN;
  return Date.UTC(y, m - 1, d, hh, mm, ss, ms);
}

/** A two-digit year in the century that keeps it at most one year ahead of now (49 → 1949, 05 → 2005). */
export function fullYear(yy: string): number {
  const y = Number(yy);
  if (yy.length !== 2) return y;
  const now = new Date().getUTCFullYear();
  const c = 2000 + y;
  return c <= now + 1 ? c : 1900 + y;
}

const ISO = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;
/** ISO 2024-01-31 (also / or . between the parts, parts not zero-padded), with an optional time and zone. */
export function parseIso(t: string): number {
  const m = ISO.exec(t);
  if (!m) return NaN;
  const frac = m[8] ? Math.round(Number(`0.${m[8]}`) * 1000) : 0;
  let v = utc(+m[1], +m[3], +m[4], m[5] ? +m[5] : 0, m[6] ? +m[6] : 0, m[7] ? +m[7] : 0, frac);
  if (m[9] && m[9] !== 'Z') {
    const z = m[9].replace(':', '');
    const off = (z[0] === '-' ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5) || '0'));
    v -= off * 60_000;
  }
  return v;
}

const YM = /^(\d{4})[-/](\d{1,2})$/;
export function parseYearMonth(t: string): number {
  const m = YM.exec(t);
  return m ? utc(+m[1], +m[2], 1) : NaN;
}

const SLASH = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:[T ,]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$/;
/** dd/mm/yyyy (dayFirst) or mm/dd/yyyy; also with . or - between the parts, a two-digit year, an optional time. */
export function parseSlash(t: string, dayFirst: boolean): number {
  const m = SLASH.exec(t);
  if (!m) return NaN;
  const a = +m[1];
  const b = +m[3];
  return utc(fullYear(m[4]), dayFirst ? b : a, dayFirst ? a : b, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0, m[7] ? +m[7] : 0);
}

const MONTHS: Record<string, number> = {};
['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'].forEach((name, i) => {
  MONTHS[name] = i + 1;
  MONTHS[name.slice(0, 3)] = i + 1;
});
MONTHS.sept = 9;
const TIME_PART = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/**
 * Month names: "Jan-49", "Jan 1949", "January 1949", "1949 Jan", "01-Jan-1949", "3 Sep 2020", "Jan 1, 1949",
 * "2020 Jan 03", with an optional hh:mm[:ss] before or after.
 */
export function parseMonthName(t: string): number {
  const parts = t.toLowerCase().split(/[\s,/-]+|\.(?=\s|$)/).filter((p) => p !== '');
  if (parts.length < 2 || parts.length > 4) return NaN;
  let hh = 0;
  let mm = 0;
  let ss = 0;
  const time = parts.findIndex((p) => TIME_PART.test(p));
  if (time >= 0) {
    const m = TIME_PART.exec(parts[time])!;
    [hh, mm, ss] = [+m[1], +m[2], m[3] ? +m[3] : 0];
    parts.splice(time, 1);
  }
  const mi = parts.findIndex((p) => MONTHS[p.replace(/\.$/, '')] !== undefined);
  if (mi < 0) return NaN;
  const month = MONTHS[parts[mi].replace(/\.$/, '')];
  const nums = parts.filter((_, i) => i !== mi);
  if (!nums.every((p) => /^\d{1,4}$/.test(p))) return NaN;
  let year: number;
  let day = 1;
  if (nums.length === 1) {
    if (nums[0].length !== 2 && nums[0].length !== 4) return NaN;
    year = fullYear(nums[0]);
  } else if (nums.length === 2) {
    // the year is the four-digit number, else the last one; the day the other
    const yi = nums[0].length === 4 ? 0 : 1;
    if (nums[yi].length !== 4 && nums[yi].length !== 2) return NaN;
    year = fullYear(nums[yi]);
    day = Number(nums[1 - yi]);
  } else return NaN;
  return utc(year, month, day, hh, mm, ss);
}

const QUARTER = /^(\d{4})\s*[-. ]?\s*[Qq]([1-4])$|^[Qq]([1-4])\s*[-. ]?\s*(\d{4})$/;
/** Quarters: 1959Q1, 1959-Q1, 1959 Q1, Q1 1959 → the quarter's first day. */
export function parseQuarter(t: string): number {
  const m = QUARTER.exec(t);
  if (!m) return NaN;
  const y = Number(m[1] ?? m[4]);
  const q = Number(m[2] ?? m[3]);
  return utc(y, 3 * q - 2, 1);
}

const WEEK = /^(\d{4})-?W(\d{2})(?:-?([1-7]))?$/i;
/** ISO weeks: 2020-W05, 2020W05, 2020-W05-3 → that day (Monday without a day). */
export function parseIsoWeek(t: string): number {
  const m = WEEK.exec(t);
  if (!m) return NaN;
  const y = +m[1];
  const w = +m[2];
  const d = m[3] ? +m[3] : 1;
  if (w < 1 || w > 53) return NaN;
  const jan4 = Date.UTC(y, 0, 4);
  const jan4Day = (new Date(jan4).getUTCDay() + 6) % 7; // 0 = Monday
  const week1Monday = jan4 - jan4Day * 24 * HOUR;
  return week1Monday + ((w - 1) * 7 + (d - 1)) * 24 * HOUR;
}

const TIME_OF_DAY = /^(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:\.\d{1,9})?)?$/;
/** A time of day hh:mm[:ss] (or hh.mm.ss) → ms since midnight. Combined with a date column elsewhere. */
export function parseTimeOfDay(t: string): number {
  const m = TIME_OF_DAY.exec(t);
  if (!m) return NaN;
  const h = +m[1];
  const mi = +m[2];
  const s = m[3] ? +m[3] : 0;
  if (h > 24 || mi > 59 || s > 60) return NaN;
  return ((h * 60 + mi) * 60 + s) * 1000;
}

const PERIOD = /^(\d{1,3})-(\d{1,2})$/;

/** Per-value parsers of the string forms, in the order they are tried. period-in-series is decided per column. */
const STRING_FORMS: { form: DateForm; parse: (t: string) => number }[] = [
  { form: 'iso', parse: parseIso },
  { form: 'year-month', parse: parseYearMonth },
  { form: 'day-first', parse: (t) => parseSlash(t, true) },
  { form: 'month-first', parse: (t) => parseSlash(t, false) },
  { form: 'quarter', parse: parseQuarter },
  { form: 'iso-week', parse: parseIsoWeek },
  { form: 'month-name', parse: parseMonthName },
  { form: 'time-of-day', parse: parseTimeOfDay },
];

/** Whether one value reads as a date or time in any written form (header detection). */
export function looksLikeDate(t: string): boolean {
  return STRING_FORMS.some((f) => !Number.isNaN(f.parse(t)));
}

export interface DateReading {
  form: DateForm;
  /** ms since 1970 UTC per value (time of day: ms since midnight); NaN where the value was missing. */
  values: Float64Array;
  /** Both day-first and month-first read every value; the more regular spacing decided. */
  ambiguous?: boolean;
}

/** Share of consecutive (finite) differences equal to the median difference, ±2%: 1 for a perfectly regular series. */
export function regularity(v: Float64Array): number {
  const d: number[] = [];
  for (let i = 1; i < v.length; i++) if (Number.isFinite(v[i]) && Number.isFinite(v[i - 1])) d.push(v[i] - v[i - 1]);
  if (d.length === 0) return 0;
  const s = [...d].sort((a, b) => a - b);
  const med = s[s.length >> 1];
  if (med === 0) return 0;
  return d.filter((x) => Math.abs(x - med) <= Math.abs(med) * 0.02 + 1).length / d.length;
}

/**
 * Share of consecutive (finite) values a whole number of months apart, that number being the median one, when every
 * value falls on one day of the month at one time of day: 1 for a monthly (or quarterly, yearly) series written as
 * dates; 0 when the days of the month differ.
 */
export function monthlyRegularity(v: Float64Array): number {
  const at: number[] = [];
  for (const x of v) if (Number.isFinite(x)) at.push(x);
  if (at.length < 3) return 0;
  const day = new Date(at[0]).getUTCDate();
  const clock = (x: number): number => ((x % (24 * HOUR)) + 24 * HOUR) % (24 * HOUR);
  if (!at.every((x) => new Date(x).getUTCDate() === day && clock(x) === clock(at[0]))) return 0;
  const months = at.map((x) => new Date(x).getUTCFullYear() * 12 + new Date(x).getUTCMonth());
  const steps = months.slice(1).map((m, i) => m - months[i]);
  const median = [...steps].sort((a, b) => a - b)[steps.length >> 1];
  if (median === 0) return 0;
  return steps.filter((x) => x === median).length / steps.length;
}

/**
 * The date form that reads every non-missing value of a string column (`''` = missing), or undefined. Tried on a
 * sample first, then on the whole column.
 */
export function readDates(strings: readonly string[]): DateReading | undefined {
  const present: number[] = [];
  for (let i = 0; i < strings.length; i++) if (strings[i] !== '') present.push(i);
  if (present.length === 0) return undefined;
  const sample = present.length > 400 ? present.filter((_, k) => k % Math.ceil(present.length / 400) === 0) : present;
  const readAll = (parse: (t: string) => number, rows: number[]): Float64Array | undefined => {
    const out = new Float64Array(strings.length).fill(NaN);
    for (const r of rows) {
      const v = parse(strings[r].trim());
      if (Number.isNaN(v)) return undefined;
      out[r] = v;
    }
    return out;
  };
  const fits = STRING_FORMS.filter((f) => readAll(f.parse, sample) !== undefined);
  const readings: DateReading[] = [];
  for (const f of fits) {
    const values = readAll(f.parse, present);
    if (values) readings.push({ form: f.form, values });
    // one reading is enough unless day-first and month-first both fit (then the spacing decides)
    if (readings.length && !(f.form === 'day-first' && fits.some((g) => g.form === 'month-first'))) break;
  }
  if (readings.length === 2) {
    const [dmy, mdy] = readings;
    // The more regular reading: in time, or in the calendar (monthly dates on the 1st are 28–31 days apart:
    // "1/1/1985, 2/1/1985, …" read day first would be twelve days in January, then a year's jump); a tie goes to
    // the reading regular in time.
    const even = (r: DateReading): number => Math.max(regularity(r.values), monthlyRegularity(r.values) - 0.001);
    const pick = even(mdy) > even(dmy) ? mdy : dmy;
    return { ...pick, ambiguous: true };
  }
  if (readings.length === 1) return readings[0];
  return readPeriods(strings, present);
}

/**
 * "Period-in-series" codes such as 1-01 … 3-12 (year of the series, month): accepted only when the second part
 * stays within 1–12 and the codes follow each other in order. Read as months from January 2000 (the real year is
 * unknown; the studio writes these dates back in their own form).
 */
function readPeriods(strings: readonly string[], present: number[]): DateReading | undefined {
  const values = new Float64Array(strings.length).fill(NaN);
  let last = -Infinity;
  for (const r of present) {
    const m = PERIOD.exec(strings[r].trim());
    if (!m) return undefined;
    const a = +m[1];
    const b = +m[2];
    if (b < 1 || b > 12 || a < 1) return undefined;
    const k = (a - 1) * 12 + (b - 1);
    if (k <= last) return undefined;
    last = k;
    values[r] = Date.UTC(2000 + Math.floor(k / 12), k % 12, 1);
  }
  return present.length >= 3 ? { form: 'period-in-series', values } : undefined;
}

/** Writes a date back in the column's own form where that matters (period-in-series codes), else ISO. */
export function formatDate(ms: number, form?: DateForm): string {
  if (!Number.isFinite(ms)) return '?';
  const d = new Date(ms);
  if (form === 'period-in-series') return `${d.getUTCFullYear() - 1999}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  if (form === 'quarter') return `${d.getUTCFullYear()} Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
  if (form === 'year-month' || form === 'month-name') {
    if (d.getUTCDate() === 1 && ms % (24 * HOUR) === 0) return d.toISOString().slice(0, 7);
  }
  if (form === 'time-of-day') return d.toISOString().slice(11, 19);
  const iso = d.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.endsWith(':00.000Z') ? iso.slice(0, 16).replace('T', ' ') : iso.slice(0, 19).replace('T', ' ');
}

// ============================================== numeric columns ==================================================

/** An 8-digit integer YYYYMMDD → ms UTC, or NaN (years 1700–2199 only, so ordinary integers rarely pass). */
export function parseYmdInt(v: number): number {
  if (!Number.isInteger(v) || v < 17000101 || v > 21991231) return NaN;
  return utc(Math.floor(v / 10000), Math.floor(v / 100) % 100, v % 100);
}

const DATE_NAME = /date|time|day|week|month|period|when|stamp|epoch|unix|^ds$|^dt$/i;

/**
 * A numeric column that is really dates: YYYYMMDD integers, or Unix time in seconds (10 digits, 2001–2039) or
 * milliseconds (13 digits). Needs a date-like name or values in order (ascending or descending), so that ordinary
 * integers are never taken for dates.
 */
export function readNumericDates(name: string, v: Float64Array): DateReading | undefined {
  let n = 0;
  let up = true;
  let down = true;
  let prev = NaN;
  let all8 = true;
  let secs = true;
  let millis = true;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (Number.isNaN(x)) continue;
    n++;
    if (!Number.isInteger(x)) return undefined;
    if (all8 && Number.isNaN(parseYmdInt(x))) all8 = false;
    if (secs && !(x >= 1e9 && x <= 2.2e9)) secs = false;
    if (millis && !(x >= 1e12 && x <= 2.2e12)) millis = false;
    if (!Number.isNaN(prev)) {
      if (x < prev) up = false;
      if (x > prev) down = false;
    }
    prev = x;
    if (!all8 && !secs && !millis) return undefined;
  }
  if (n < 1) return undefined;
  const ordered = n >= 3 && (up || down);
  if (!(DATE_NAME.test(name) || ordered)) return undefined;
  if (all8) return { form: 'yyyymmdd', values: v.map((x) => (Number.isNaN(x) ? NaN : parseYmdInt(x))) };
  // Unix time needs more than a name: a regular or ordered spacing (amounts in the billions are not rare).
  if (!(DATE_NAME.test(name) && ordered) && !(ordered && regularity(v) > 0.8)) return undefined;
  if (secs) return { form: 'unix-seconds', values: v.map((x) => x * 1000) };
  if (millis) return { form: 'unix-milliseconds', values: v.slice() };
  return undefined;
}
