// Rows of cells → a columnar ParsedTable: header detection, then a type per column (numeric, date, categorical,
// text). Numbers stream into a growable Float64Array; a column keeps strings from its first non-number on (interned
// while the distinct values are few), and is read as dates at the end when every value reads in one date form
// (dates.ts), numeric columns too (YYYYMMDD, Unix time). Fillers such as −200 for "no value" become missing; rows and
// unnamed columns that are entirely empty are dropped; decimal commas are read where the dialect says so. The first
// PROBE rows are buffered to decide the header.

import { type Column, type ColumnType, DataError, type ParsedTable } from '../parsed';
import { looksLikeDate, readDates, readNumericDates } from './dates';

const MISSING = new Set(['', 'NA', 'N/A', 'NULL', 'NAN', '?', '-']);
export function isMissing(t: string): boolean {
  return t.length <= 4 && MISSING.has(t.toUpperCase());
}

/** A finite number, or NaN (not a number). `t` is trimmed and not a missing marker. */
export function toNumber(t: string): number {
  const c = t.charCodeAt(0);
  // digits, sign, dot: anything else (letters, quotes…) is not a number; this also rules out "Infinity" and hex.
  if (!((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46)) return NaN;
  const v = Number(t);
  if (!Number.isFinite(v)) return NaN;
  const l = t.charCodeAt(1);
  if (c === 48 && (l === 120 || l === 88 || l === 98 || l === 66 || l === 111 || l === 79)) return NaN; // 0x 0b 0o
  return v;
}

class Growable {
  a: Float64Array;
  n = 0;
  constructor(cap = 1024) {
    this.a = new Float64Array(cap);
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  done(): Float64Array {
    return this.a.length === this.n ? this.a : this.a.slice(0, this.n);
  }
}

const MAX_DISTINCT = 50_000;

/** One column while rows stream in: numbers until the first non-number, then strings (dates are decided at the end). */
class ColumnState {
  nums = new Growable();
  missing = 0;
  numeric = 0; // non-missing numbers
  others = 0; // non-missing non-numbers
  firstOther?: { row: number; text: string }; // where the first non-number appeared
  marked = 0; // numbers with a doubt mark (?0.2, 12.5*): read as missing
  firstMarked?: { row: number; text: string };
  /** The first number written with thousands separators ("2,146" in a quoted cell), read as 2146. */
  thousands?: { row: number; text: string };
  /** Numbers given as a bound ("<1" in Google Trends, "<0.5" under a detection limit), read as the bound: how many, the first. */
  censored = 0;
  firstCensored?: { row: number; text: string };
  /**
   * How each bound was written, should the column turn out to be words: the distinct forms ("<50", ">=50") and, per
   * row up to the last bound, the form's index (NaN for a plain number). A number written with thousands separators
   * is written again so.
   */
  boundForms?: { forms: string[]; index: Map<string, number>; at: Growable };
  strings?: string[];
  distinct: Map<string, number> | null = new Map();
  totalLen = 0;
  withSpace = 0;

  constructor(public name: string, missingRows = 0) {
    for (let i = 0; i < missingRows; i++) this.addMissing();
  }

  get n(): number {
    return this.nums.n;
  }

  addMissing(): void {
    this.nums.push(NaN);
    this.missing++;
    this.strings?.push('');
  }

  addNumber(v: number, text?: string): void {
    this.nums.push(v);
    this.numeric++;
    if (this.strings) this.addString(text ?? String(v));
  }

  add(cell: string, decimalComma = false): void {
    const c0 = cell.charCodeAt(0);
    const c1 = cell.charCodeAt(cell.length - 1);
    let t = c0 <= 32 || c1 <= 32 ? cell.trim() : cell;
    if (isMissing(t)) return this.addMissing();
    if (decimalComma && DECIMAL_COMMA.test(t)) t = t.replace(',', '.');
    const v = toNumber(t);
    if (!Number.isNaN(v)) return this.addNumber(v, t);
    if (!decimalComma && THOUSANDS.test(t)) {
      this.thousands ??= { row: this.nums.n, text: t };
      return this.addNumber(Number(t.replace(/,/g, '')), t);
    }
    const bound = CENSORED.exec(t);
    if (bound) {
      const b = toNumber(decimalComma && DECIMAL_COMMA.test(bound[1]) ? bound[1].replace(',', '.') : bound[1]);
      if (!Number.isNaN(b)) {
        this.firstCensored ??= { row: this.nums.n, text: t };
        this.censored++;
        this.keepForm(t);
        return this.addNumber(b, t);
      }
    }
    if (MARKED.test(t)) {
      this.firstMarked ??= { row: this.nums.n, text: t };
      this.marked++;
    }
    this.nums.push(NaN);
    this.others++;
    this.firstOther ??= { row: this.nums.n - 1, text: t };
    if (!this.strings) this.toStrings(this.nums.n - 1);
    this.addString(t);
  }

  /** The form of a bound at this row (the rows since the last one marked as plain numbers). */
  private keepForm(t: string): void {
    if (this.strings) return;
    const f = (this.boundForms ??= { forms: [] as string[], index: new Map<string, number>(), at: new Growable() });
    while (f.at.n < this.nums.n) f.at.push(NaN); // the rows since the last bound: plain numbers
    let k = f.index.get(t);
    if (k === undefined) f.index.set(t, (k = f.forms.push(t) - 1));
    f.at.push(k);
  }

  /** A cell read as a number as it was written: its bound's form, its thousands separators, or the number. */
  private written(i: number, v: number): string {
    const k = this.boundForms && i < this.boundForms.at.n ? this.boundForms.at.a[i] : NaN;
    if (!Number.isNaN(k)) return this.boundForms!.forms[k];
    return this.thousands && Math.abs(v) >= 1000 ? v.toLocaleString('en-US', { maximumFractionDigits: 20 }) : String(v);
  }

  /**
   * Bounds as many as the plain numbers beside them are words, not numbers (an income column of "<50" and ">=50"):
   * the column goes back to its cells as written. Returns whether it did.
   */
  unbound(): boolean {
    if (this.censored === 0 || this.numeric - this.censored > this.censored) return false;
    if (!this.strings) this.toStrings();
    this.numeric -= this.censored;
    this.others += this.censored;
    this.censored = 0;
    return true;
  }

  /** Switches to keeping strings: earlier rows come back from their numbers. */
  private toStrings(upTo = this.nums.n): void {
    this.strings = [];
    for (let i = 0; i < upTo; i++) {
      const v = this.nums.a[i];
      if (Number.isNaN(v)) this.strings.push('');
      else this.addString(this.written(i, v));
    }
  }

  private addString(t: string): void {
    this.totalLen += t.length;
    if (t.indexOf(' ') >= 0) this.withSpace++;
    const d = this.distinct;
    if (d) {
      const c = d.get(t);
      if (c === undefined) {
        if (d.size >= MAX_DISTINCT) this.distinct = null;
        else d.set(t, 1);
      } else d.set(t, c + 1);
    }
    this.strings!.push(t);
  }

  /**
   * A few numbers marked with doubt (≤ 3 cells or 1%, every other value a number) are missing values, said; a column
   * of marked values ("3*", "4*": star ratings) stays as written. Returns whether the marked cells were dropped.
   */
  dropMarked(): boolean {
    const present = this.numeric + this.others;
    if (this.marked === 0 || this.others !== this.marked || this.marked > Math.max(3, 0.01 * present) || this.numeric < 0.9 * present) return false;
    this.missing += this.marked;
    this.others = 0;
    this.strings = undefined;
    this.distinct = new Map();
    return true;
  }

  /**
   * A numeric column with a few stray non-numbers (≥ 90% numbers and at most 3 cells or 1% not): almost surely a typo
   * or a unit in a cell, not a text column. Reported at its row rather than silently turning the column into text.
   */
  strayNonNumber(): { row: number; text: string } | undefined {
    const present = this.numeric + this.others;
    if (this.others === 0 || this.numeric < 10 || this.numeric < 0.9 * present || this.others > Math.max(3, 0.01 * present)) return undefined;
    if (this.strings && readDates(this.strings)) return undefined; // dates written as numbers and as dates
    return this.firstOther;
  }

  finish(rows: number): Column {
    const name = this.name;
    if (!this.strings) {
      const numbers = this.nums.done();
      const dates = this.numeric > 0 ? readNumericDates(name, numbers) : undefined;
      if (dates) return { name, type: 'date', numbers: dates.values, missing: this.missing, dateForm: dates.form };
      const sentinel = missingSentinel(numbers);
      if (sentinel) {
        let k = 0;
        for (let i = 0; i < numbers.length; i++) if (numbers[i] === sentinel) (numbers[i] = NaN), k++;
        return { name, type: 'numeric', numbers, missing: this.missing + k, sentinel: { value: sentinel, count: k } };
      }
      return { name, type: 'numeric', numbers, missing: this.missing };
    }
    const strings = this.strings;
    const dates = readDates(strings);
    if (dates) return { name, type: 'date', numbers: dates.values, missing: this.missing, dateForm: dates.form, ...(dates.ambiguous ? { ambiguousDates: true } : {}) };
    const nonMissing = rows - this.missing;
    const distinct = this.distinct;
    const avgLen = this.totalLen / Math.max(1, nonMissing);
    let type: ColumnType = 'text';
    if (distinct) {
      const k = distinct.size;
      if (k <= Math.max(20, 0.05 * nonMissing) || (avgLen <= 16 && k <= 0.5 * nonMissing && this.withSpace <= 0.2 * nonMissing)) type = 'categorical';
    }
    if (type === 'categorical') {
      const categories = [...distinct!].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
      // Interned: every cell refers to the Map's one copy of its value.
      const canon = new Map(categories.map((c) => [c.value, c.value]));
      for (let i = 0; i < strings.length; i++) if (strings[i] !== '') strings[i] = canon.get(strings[i]) ?? strings[i];
      return { name, type, strings, missing: this.missing, categories };
    }
    return { name, type, strings, missing: this.missing };
  }
}

const DECIMAL_COMMA = /^[+-]?\d+,\d+$/;
/** A number with commas between its thousands: `2,146`, `-1,234,567.5`. */
const THOUSANDS = /^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/;
/** A bound in place of a number: `<1`, `< 0.5`, `>100`, `<=3`, `≤0.01` (its number captured). */
const CENSORED = /^(?:[<>]=?|[≤≥])\s*([+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+))$/;
/** A number with a mark of doubt before or after it (`?0.2` in the Melbourne temperatures, `12.5*`). */
const MARKED = /^(?:[?*~]+\s*[+-]?(?:\d+\.?\d*|\.\d+)|[+-]?(?:\d+\.?\d*|\.\d+)\s*[?*]+)$/;

/**
 * A filler written for "no value" in a numeric column (−200, −999, 9999…): a round number of at least three digits,
 * at least 0.5% of the values (3 or more), lying outside the range of every other value and far from it (more than
 * five standard deviations of the rest), or negative in a column of positive values, or held by 5% of the cells or
 * more. Returns it, or undefined.
 */
function missingSentinel(v: Float64Array): number | undefined {
  const counts = new Map<number, number>();
  let n = 0;
  for (const x of v) {
    if (Number.isNaN(x)) continue;
    n++;
    if (Number.isInteger(x) && Math.abs(x) >= 99) counts.set(x, (counts.get(x) ?? 0) + 1);
  }
  for (const [s, c] of counts) {
    if (c < Math.max(3, 0.005 * n) || !/^-?(9+|[1-9]0+)$/.test(String(s))) continue;
    let lo = Infinity;
    let hi = -Infinity;
    let sum = 0;
    let sq = 0;
    let m = 0;
    for (const x of v) {
      if (Number.isNaN(x) || x === s) continue;
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
      sum += x;
      sq += x * x;
      m++;
    }
    if (m < 10) continue;
    const std = Math.sqrt(Math.max(0, sq / m - (sum / m) ** 2));
    const gap = s < lo ? lo - s : s > hi ? s - hi : -1;
    // outside every other value, and far out, or negative where every value is positive, or held by many cells
    if (gap > 0 && (gap > 5 * std || (s < 0 && lo >= 0) || c >= 0.05 * n)) return s;
  }
  return undefined;
}

export interface TableOptions {
  file: string;
  /** true / false, or undefined to detect. */
  header?: boolean;
  /** Column names given from elsewhere (JSON keys); implies no header row, and the table counts as named (`header` true) unless `header: false` says they are positions. */
  names?: string[];
  separator?: string;
  /** Numbers written with a decimal comma (2,6): European exports separated by ";". */
  decimalComma?: boolean;
}

const PROBE = 100;
const LABEL_LIKE = /^[\p{L}_#"][\p{L}\p{N}_ .\-()/%#:"]*$/u;

type Kind = 'missing' | 'num' | 'date' | 'str';
function kindOf(cell: string): Kind {
  const t = cell.trim();
  if (isMissing(t)) return 'missing';
  if (!Number.isNaN(toNumber(t))) return 'num';
  if (looksLikeDate(t)) return 'date';
  return 'str';
}

/** Whether the first of `rows` is a header: a label over a numeric/date column, or label-like names over text. */
export function looksLikeHeader(rows: string[][]): boolean {
  const first = rows[0];
  // columns named by consecutive years (World Bank's "1960","1961",… after "Country Name"): a header
  const years = first.map((c) => c.trim()).filter((c) => /^(1[89]|20)\d\d$/.test(c)).map(Number);
  if (years.length >= 5 && years.every((y, i) => i === 0 || y === years[i - 1] + 1) && first.some((c) => kindOf(c) === 'str')) return true;
  let allStr = true;
  for (let c = 0; c < first.length; c++) {
    const k0 = kindOf(first[c]);
    if (k0 === 'missing') continue; // an unnamed column (a spreadsheet's trailing empty header cells: "v1,v2,,,")
    // A date over a column of numbers (and no dates): a column named by its date (a wide table of series).
    if (k0 === 'date' && rows.length > 1) {
      const below = rows.slice(1).map((r) => kindOf(r[c] ?? '')).filter((k) => k !== 'missing');
      if (below.length > 0 && below.every((k) => k === 'num')) return true;
    }
    if (k0 !== 'str') allStr = false;
    if (k0 !== 'str') continue;
    // A word over a column of numbers or dates (a stray word or two below it allowed).
    let present = 0;
    let numOrDate = 0;
    for (let r = 1; r < rows.length; r++) {
      const k = kindOf(rows[r][c] ?? '');
      if (k === 'missing') continue;
      present++;
      if (k !== 'str') numOrDate++;
    }
    if (present > 0 && numOrDate >= (2 / 3) * present) return true;
  }
  if (!allStr) return false;
  const names = first.map((c) => c.trim());
  const named = names.filter((n) => n !== '');
  if (named.length === 0 || new Set(named).size !== named.length) return false;
  for (let c = 0; c < names.length; c++) {
    if (names[c] === '') continue;
    if (names[c].length > 40 || !LABEL_LIKE.test(names[c])) return false;
    for (let r = 1; r < rows.length; r++) if ((rows[r][c] ?? '').trim() === names[c]) return false;
  }
  // Text over text: a header when some first cell is unlike the cells below it (a name over sentences, a lower-case
  // word over upper-case codes…); a first row written like the rest is data (a headerless word⇥PHONEMES file).
  if (rows.length < 2) return true;
  return names.some((name, c) => name !== '' && !typicalOf(name, rows.slice(1).map((r) => (r[c] ?? '').trim()).filter((x) => x !== '')));
}

/** Letter case, digits, spaces: the look of a cell. */
function styleOf(s: string): string {
  const lower = /\p{Ll}/u.test(s);
  const upper = /\p{Lu}/u.test(s);
  const letters = lower ? (upper ? (/^\p{Lu}\p{Ll}/u.test(s) ? 'title' : 'mixed') : 'lower') : upper ? 'upper' : 'none';
  return `${letters}${/\d/.test(s) ? '9' : ''}${/\s/.test(s) ? '_' : ''}`;
}

/** Whether `cell` looks like the cells of `body` (its style shared by at least a quarter of them, its length in range). */
function typicalOf(cell: string, body: string[]): boolean {
  if (body.length === 0) return true;
  const style = styleOf(cell);
  const relaxed = (st: string): string => st.replace('title', 'mixed');
  const same = body.filter((b) => relaxed(styleOf(b)) === relaxed(style)).length;
  const lengths = body.map((b) => b.length);
  const lo = Math.min(...lengths);
  const hi = Math.max(...lengths);
  return same >= Math.max(1, 0.25 * body.length) && cell.length >= lo / 2 && cell.length <= hi * 2;
}

function uniqueNames(raw: string[]): string[] {
  const seen = new Set<string>();
  return raw.map((r, i) => {
    let n = r.trim().replace(/^#\s*/, '') || `column ${i + 1}`;
    if (seen.has(n)) {
      let k = 2;
      while (seen.has(`${n}_${k}`)) k++;
      n = `${n}_${k}`;
    }
    seen.add(n);
    return n;
  });
}

export class TableBuilder {
  private probe: { cells: string[]; line: number }[] | null = [];
  private cols: ColumnState[] = [];
  private lines = new Growable();
  private header = false;
  rows = 0;
  /** A `#` comment line just before the first row, offered as the header when the first row is data. */
  commentHeader: string | undefined;
  /** Rows whose every cell was empty (`;;;;`), skipped. */
  blankRows = 0;
  /** Rows whose last value (a number) was followed by a `;`. */
  private semicolonEnds = 0;
  /** What the person should know about how the table was read (dropped columns, skipped rows…). */
  readonly notes: string[] = [];
  /** Columns whose header cell was empty (named by position). */
  private unnamed = new Set<number>();

  constructor(readonly opts: TableOptions) {
    if (opts.names) {
      this.cols = uniqueNames(opts.names).map((n) => new ColumnState(n));
      this.probe = null;
    }
  }

  addRow(cells: string[], line: number): void {
    if (cells.length > 1 && cells.every((c) => c.trim() === '')) {
      this.blankRows++;
      return;
    }
    if (this.probe) {
      this.probe.push({ cells, line });
      if (this.probe.length >= PROBE) this.flushProbe();
      return;
    }
    this.addData(cells, line);
  }

  /** A record of typed values (JSON): numbers straight in, null/undefined missing, anything else as text. */
  addValues(values: unknown[], line: number): void {
    if (this.probe) this.flushProbe();
    for (let c = 0; c < this.cols.length; c++) {
      const v = values[c];
      const col = this.cols[c];
      if (v === null || v === undefined) col.addMissing();
      else if (typeof v === 'number') Number.isFinite(v) ? col.addNumber(v) : col.addMissing();
      else if (typeof v === 'string') col.add(v);
      else if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) col.add(v.join('\n')); // lines of a text
      else col.add(typeof v === 'object' ? JSON.stringify(v) : String(v));
    }
    this.lines.push(line);
    this.rows++;
  }

  /** Adds a column later (JSON objects with a new key): earlier rows are missing there. Returns its index. */
  addColumn(name: string): number {
    if (this.probe) this.flushProbe();
    this.cols.push(new ColumnState(uniqueNames([...this.cols.map((c) => c.name), name]).at(-1)!, this.rows));
    return this.cols.length - 1;
  }

  private flushProbe(): void {
    const probe = this.probe!;
    this.probe = null;
    if (probe.length === 0) return;
    const rows = probe.map((p) => p.cells);
    // A first row one cell shorter than every other (R's write.table): the rows start with their row names, unnamed.
    if (rows.length >= 2 && rows.slice(1).every((r) => r.length === rows[0].length + 1)) {
      rows[0] = ['', ...rows[0]];
      this.notes.push('the first row names one column fewer than the rows hold: the first column, unnamed, holds row names (as R writes them)');
    }
    this.header = this.opts.header ?? looksLikeHeader(rows);
    let names: string[];
    const skipFirst = this.header;
    if (this.header) {
      names = uniqueNames(rows[0]);
      rows[0].forEach((n, i) => n.trim().replace(/^#\s*/, '') === '' && this.unnamed.add(i));
    } else {
      names = rows[0].map((_, i) => String(i + 1));
      const ch = this.commentHeader?.replace(/^#\s*/, '');
      if (ch !== undefined && this.opts.header === undefined && this.opts.separator) {
        const parts = ch.split(this.opts.separator).map((s) => s.trim());
        if (parts.length === names.length && parts.every((p) => kindOf(p) === 'str') && new Set(parts).size === parts.length) {
          names = uniqueNames(parts);
          this.header = true; // the names came from the file (a `#` header line)
        }
      }
    }
    this.cols = names.map((n) => new ColumnState(n));
    for (let r = skipFirst ? 1 : 0; r < probe.length; r++) this.addData(probe[r].cells, probe[r].line);
  }

  private addData(cells: string[], line: number): void {
    const cols = this.cols;
    if (cells.length !== cols.length) {
      throw new DataError(this.opts.file, line, `expected ${cols.length} columns, found ${cells.length}`, 'every row needs the same number of cells; quote fields that contain the separator');
    }
    const dc = this.opts.decimalComma === true;
    // A `;` closing each line of a comma- or TAB-separated file (WISDM's `33,Jogging,…,0.50395286;`) ends the row.
    const last = cells.length - 1;
    if (this.opts.separator !== ';' && cells[last].endsWith(';') && !Number.isNaN(toNumber(cells[last].slice(0, -1).trim()))) {
      cells[last] = cells[last].slice(0, -1);
      this.semicolonEnds++;
    }
    for (let c = 0; c < cols.length; c++) cols[c].add(cells[c], dc);
    this.lines.push(line);
    this.rows++;
  }

  finish(): ParsedTable {
    if (this.probe) this.flushProbe();
    if (this.rows === 0) {
      throw new DataError(this.opts.file, undefined, this.header ? 'the table has a header but no data rows' : 'the table has no data rows', 'add rows below the header');
    }
    const lineOfRow = Int32Array.from(this.lines.done());
    const marked: string[] = [];
    for (const c of this.cols)
      if (c.dropMarked())
        marked.push(`"${c.name}": ${c.marked} cell${c.marked > 1 ? 's hold numbers' : ' holds a number'} with a mark of doubt ("${c.firstMarked!.text}" on line ${this.lines.a[c.firstMarked!.row]}${c.marked > 1 ? ', …' : ''}): read as missing`);
    for (const c of this.cols) c.unbound();
    const grouped = this.cols.filter((c) => c.thousands && c.others === 0);
    if (grouped.length)
      marked.push(`${grouped.length === 1 ? `"${grouped[0].name}" holds numbers` : `${grouped.length} columns (${grouped.slice(0, 3).map((c) => `"${c.name}"`).join(', ')}${grouped.length > 3 ? ', …' : ''}) hold numbers`} written with commas between the thousands ("${grouped[0].thousands!.text}" on line ${this.lines.a[grouped[0].thousands!.row]}): read as numbers`);
    for (const c of this.cols)
      if (c.censored && c.others === 0) {
        const { row, text } = c.firstCensored!;
        marked.push(`"${c.name}": ${c.censored} cell${c.censored > 1 ? 's give a bound' : ' gives a bound'}, not a value ("${text}" on line ${this.lines.a[row]}${c.censored > 1 ? ', …' : ''}): read as the bound`);
      }
    for (const c of this.cols) {
      const stray = c.strayNonNumber();
      if (stray)
        throw new DataError(this.opts.file, this.lines.a[stray.row], `"${stray.text}" in column "${c.name}" is not a number, though the column's other ${c.numeric} values are`, 'correct the cell, or leave it empty (empty cells and NA count as missing)');
    }
    // Columns with no value at all and no name (trailing separators on every line) are dropped.
    const keep = this.cols.map((c, i) => !(c.missing === this.rows && (this.unnamed.has(i) || !this.header)));
    const dropped = keep.filter((k) => !k).length;
    if (dropped) this.notes.push(`${dropped} empty column${dropped > 1 ? 's' : ''} without a name dropped`);
    if (this.blankRows) this.notes.push(`${this.blankRows} empty row${this.blankRows > 1 ? 's' : ''} (every cell empty) skipped`);
    this.notes.push(...marked);
    if (this.semicolonEnds) this.notes.push(`${this.semicolonEnds === this.rows ? 'every row ends' : `${this.semicolonEnds} rows end`} with ";": read as the row's end, not part of its last value`);
    const columns = this.cols.filter((_, i) => keep[i]).map((c) => c.finish(this.rows));
    for (const c of columns) {
      if (c.sentinel) this.notes.push(`${c.sentinel.value} in "${c.name}" (${c.sentinel.count} cells) read as a missing value: it lies far outside every other value`);
      if (c.ambiguousDates) this.notes.push(`"${c.name}": every date reads both day-first and month-first; ${c.dateForm === 'month-first' ? 'month-first' : 'day-first'} gives the more regular spacing`);
    }
    if (this.opts.decimalComma) this.notes.push('numbers with a decimal comma (2,6 = 2.6)');
    // names given from elsewhere (JSON keys, a Parquet schema, an archive's attributes) name the columns as a header
    // does, unless they are positions (header: false)
    const header = this.opts.names ? (this.opts.header ?? true) : this.header;
    return { kind: 'table', columns, rows: this.rows, lineOfRow, header, ...(this.opts.separator ? { separator: this.opts.separator } : {}) };
  }
}

/** A table from a whole string (tests, small inputs). */
export function tableFromRows(rows: string[][], opts: TableOptions, lines?: number[]): ParsedTable {
  const b = new TableBuilder(opts);
  rows.forEach((r, i) => b.addRow(r, lines?.[i] ?? i + 1));
  return b.finish();
}
