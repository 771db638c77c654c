// The Monash Time Series Forecasting Archive's `.tsf` files → a long table. Header lines start with `@`
// (`@attribute series_name string`, `@attribute start_timestamp date`, `@frequency half_hourly`, `@horizon 48`,
// `@missing true`, `@equallength false`, `@data`); `#` lines are comments. After `@data`, each line is one series: its
// attributes in the order declared, separated by `:`, then its values separated by `,` (`?` = missing). Read as one
// row per value: the attributes (the first, the series' name, is its key), the time of the value — its start
// timestamp (`2015-01-01 00-00-00`) moved on by the frequency, or its step when the file gives no start — and "value".

import { DataError, type ParsedTable } from '../parsed';
import { LineBuilder } from './lines';
import { TableBuilder } from './table';

/** Values read at most (a row each): as many cells as a wide table of series may melt into. */
const MAX_VALUES = 20_000_000;

/** A frequency's step: months (calendar) or milliseconds. */
const FREQUENCIES: Record<string, { months?: number; ms?: number }> = {
  yearly: { months: 12 },
  quarterly: { months: 3 },
  monthly: { months: 1 },
  weekly: { ms: 7 * 86_400_000 },
  daily: { ms: 86_400_000 },
  hourly: { ms: 3_600_000 },
  half_hourly: { ms: 1_800_000 },
  '30_minutes': { ms: 1_800_000 },
  '15_minutes': { ms: 900_000 },
  '10_minutes': { ms: 600_000 },
  '5_minutes': { ms: 300_000 },
  minutely: { ms: 60_000 },
  '4_seconds': { ms: 4_000 },
  seconds: { ms: 1_000 },
};

/** `2015-01-01 00-00-00` (the archive's form), or an ISO date and time. */
function readStart(v: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2})[-:](\d{2})[-:](\d{2}))?$/.exec(v.trim());
  if (!m) return NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
}

function addSteps(start: number, k: number, step: { months?: number; ms?: number }): number {
  if (step.ms !== undefined) return start + k * step.ms;
  // by calendar months, the day kept within the month (a start on the 31st: 28 February, 31 March, 30 April)
  const d = new Date(start);
  const month = d.getUTCMonth() + k * step.months!;
  const last = new Date(Date.UTC(d.getUTCFullYear(), month + 1, 0)).getUTCDate();
  return Date.UTC(d.getUTCFullYear(), month, Math.min(d.getUTCDate(), last), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
}

export class TsfBuilder extends LineBuilder {
  private inData = false;
  private attributes: { name: string; type: string }[] = [];
  private table?: TableBuilder;
  private startAt = -1;
  private series = 0;
  private values = 0;
  relation?: string;
  frequency?: string;
  horizon?: number;

  get rows(): number {
    return this.series;
  }

  protected line(l: string, n: number): void {
    const t = l.trim();
    if (t === '' || t.startsWith('#')) return;
    if (!this.inData) {
      if (!t.startsWith('@')) throw new DataError(this.file, n, `expected an @ header line or @data, found "${t.slice(0, 40)}"`, 'a .tsf file starts with @attribute, @frequency … lines and @data');
      const [key, ...rest] = t.slice(1).split(/\s+/);
      const k = key.toLowerCase();
      if (k === 'relation') this.relation = rest.join(' ');
      else if (k === 'attribute') {
        if (rest.length < 2 || !/^(string|numeric|date)$/i.test(rest[1])) throw new DataError(this.file, n, `an attribute needs a name and a type (string, numeric or date), found "${t.slice(0, 60)}"`, 'write it as `@attribute series_name string`');
        this.attributes.push({ name: rest[0], type: rest[1].toLowerCase() });
      } else if (k === 'frequency') this.frequency = rest[0]?.toLowerCase();
      else if (k === 'horizon') this.horizon = Number(rest[0]) || undefined;
      else if (k === 'data') {
        if (this.attributes.length === 0) throw new DataError(this.file, n, '@data before any @attribute line', 'declare the series attributes (@attribute series_name string) first');
        if (this.frequency !== undefined && !FREQUENCIES[this.frequency]) throw new DataError(this.file, n, `the frequency "${this.frequency}" is not one the archive uses`, `use one of ${Object.keys(FREQUENCIES).join(', ')}`);
        this.inData = true;
        this.startAt = this.attributes.findIndex((a) => a.type === 'date');
        const others = this.attributes.filter((_, i) => i !== this.startAt).map((a) => a.name);
        const free = (n: string): string => (others.includes(n) ? `series_${n}` : n);
        const time = this.startAt >= 0 && this.frequency ? 'date' : 'step';
        this.table = new TableBuilder({ file: this.file, names: [...others, free(time), free('value')] });
      }
      return;
    }
    // the attributes in order, each up to the next ":" (a start time is read whole, though written with ":"), then
    // the values
    const A = this.attributes.length;
    const attrs: string[] = [];
    let at = 0;
    for (const a of this.attributes) {
      const time = a.type === 'date' ? /^\d{4}-\d{2}-\d{2}[ T]\d{2}[-:]\d{2}[-:]\d{2}(?=:)/.exec(t.slice(at)) : null;
      const end = time ? at + time[0].length : t.indexOf(':', at);
      if (end < 0) throw new DataError(this.file, n, `${attrs.length} attributes on this line, ${A} declared`, 'give each series its attributes, then its values, separated by ":"');
      attrs.push(t.slice(at, end));
      at = end + 1;
    }
    const values = t.slice(at);
    const start = this.startAt >= 0 ? readStart(attrs[this.startAt]) : NaN;
    if (this.startAt >= 0 && Number.isNaN(start)) throw new DataError(this.file, n, `"${attrs[this.startAt]}" is not a start time (YYYY-MM-DD HH-MM-SS)`, 'write the start as 2015-01-01 00-00-00');
    const step = this.frequency ? FREQUENCIES[this.frequency] : undefined;
    const kept = attrs.filter((_, i) => i !== this.startAt).map((a, i) => (this.attributes.filter((_, j) => j !== this.startAt)[i].type === 'numeric' ? Number(a) : a));
    const parts = values.split(',');
    this.values += parts.length;
    if (this.values > MAX_VALUES) throw new DataError(this.file, n, `more than ${MAX_VALUES.toLocaleString('en')} values in all (one row each)`, 'take a part of the series into a file of their own');
    for (let k = 0; k < parts.length; k++) {
      const x = parts[k].trim();
      let v: number | null = null;
      if (x !== '' && x !== '?' && x.toLowerCase() !== 'nan') {
        v = Number(x);
        if (!Number.isFinite(v)) throw new DataError(this.file, n, `"${x.slice(0, 20)}" is not a number (value ${k + 1} of the series "${attrs[0]}")`, 'values are numbers separated by commas (? for a missing one)');
      }
      const when = step && !Number.isNaN(start) ? new Date(addSteps(start, k, step)).toISOString() : k + 1;
      this.table!.addValues([...kept, when, v], n);
    }
    this.series++;
  }

  finish(): ParsedTable {
    this.endLines();
    if (!this.table || this.series === 0) throw new DataError(this.file, undefined, this.inData ? 'no series after @data' : 'no @data line', 'a .tsf file lists its series after an @data line');
    return this.table.finish();
  }
}
