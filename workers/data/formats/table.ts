// Rows of cells → a columnar ParsedTable: header detection, then a type per column (numeric, date, categorical,
// text) inferred while streaming. Memory stays bounded by the data itself: every column keeps its values in a
// growable Float64Array (numbers, or dates as ms); strings are kept only for columns that turn out non-numeric and
// non-date (interned while the distinct values are few). The first PROBE rows are buffered to decide the header.

import { type Column, type ColumnType, DataError, type ParsedTable } from '../parsed';

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

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function ymd(y: number, m: number, d: number, hh = 0, mm = 0, ss = 0, ms = 0): number {
  if (y < 1000 || y > 2999 || m < 1 || m > 12 || d < 1 || d > DAYS[m - 1] || hh > 23 || mm > 59 || ss > 60) return NaN;
  if (m === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return NaN;
  return Date.UTC(y, m - 1, d, hh, mm, ss, ms);
}

const ISO = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;
const SLASH = /^(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/** ISO 2024-01-31 (or 2024/01/31), with an optional time and zone → ms UTC, or NaN. */
export function parseIsoDate(t: string): number {
  const m = ISO.exec(t);
  if (!m) return NaN;
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  let v = ymd(+m[1], +m[2], +m[3], m[4] ? +m[4] : 0, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0, ms);
  if (m[8] && m[8] !== 'Z') {
    const z = m[8].replace(':', '');
    const off = (z[0] === '-' ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5)));
    v -= off * 60_000;
  }
  return v;
}

/** dd/mm/yyyy (dayFirst) or mm/dd/yyyy → ms UTC, or NaN. */
export function parseSlashDate(t: string, dayFirst: boolean): number {
  const m = SLASH.exec(t);
  if (!m) return NaN;
  const a = +m[1];
  const b = +m[2];
  return ymd(+m[3], dayFirst ? b : a, dayFirst ? a : b, m[4] ? +m[4] : 0, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0);
}

/** An 8-digit integer YYYYMMDD → ms UTC, or NaN (years 1700–2199 only, so ordinary integers rarely pass). */
export function parseYmdInt(v: number): number {
  if (!Number.isInteger(v) || v < 17000101 || v > 21991231) return NaN;
  return ymd(Math.floor(v / 10000), Math.floor(v / 100) % 100, v % 100);
}

const DATE_NAME = /date|time|day|week|month|period|when|timestamp|^ds$|^dt$/i;

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

const ISO_BIT = 1;
const DMY_BIT = 2;
const MDY_BIT = 4;
const MAX_DISTINCT = 50_000;

/** One column while rows stream in. */
class ColumnState {
  nums = new Growable();
  missing = 0;
  numeric = 0; // non-missing numbers
  others = 0; // non-missing non-numbers
  firstOther?: { row: number; text: string }; // where the first non-number appeared
  all8 = true; // every number is a plausible YYYYMMDD
  sorted = true;
  last = -Infinity;
  dateMask = ISO_BIT | DMY_BIT | MDY_BIT;
  iso?: Growable;
  dmy?: Growable;
  mdy?: Growable;
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
    this.iso?.push(NaN);
    this.dmy?.push(NaN);
    this.mdy?.push(NaN);
    this.strings?.push('');
  }

  addNumber(v: number, text?: string): void {
    this.nums.push(v);
    this.numeric++;
    if (this.all8 && Number.isNaN(parseYmdInt(v))) this.all8 = false;
    if (v < this.last) this.sorted = false;
    this.last = v;
    if (this.iso || this.dmy || this.mdy) this.toStrings(); // a number among dates: neither
    if (this.strings) this.addString(text ?? String(v));
  }

  add(cell: string): void {
    const c0 = cell.charCodeAt(0);
    const c1 = cell.charCodeAt(cell.length - 1);
    const t = c0 <= 32 || c1 <= 32 ? cell.trim() : cell;
    if (isMissing(t)) return this.addMissing();
    const v = toNumber(t);
    if (!Number.isNaN(v)) return this.addNumber(v, t);
    this.nums.push(NaN);
    this.others++;
    this.firstOther ??= { row: this.nums.n - 1, text: t };
    if (this.dateMask && !this.strings) {
      const n = this.nums.n - 1;
      if (this.numeric > 0) this.toStrings(n);
      else {
        const fill = (g: Growable | undefined, bit: number): Growable | undefined => {
          if (!(this.dateMask & bit)) return undefined;
          if (g) return g;
          const h = new Growable(this.nums.a.length);
          for (let i = 0; i < n; i++) h.push(NaN);
          return h;
        };
        this.iso = fill(this.iso, ISO_BIT);
        this.dmy = fill(this.dmy, DMY_BIT);
        this.mdy = fill(this.mdy, MDY_BIT);
        const a = this.iso ? parseIsoDate(t) : NaN;
        const b = this.dmy ? parseSlashDate(t, true) : NaN;
        const c = this.mdy ? parseSlashDate(t, false) : NaN;
        if (Number.isNaN(a)) this.dateMask &= ~ISO_BIT;
        if (Number.isNaN(b)) this.dateMask &= ~DMY_BIT;
        if (Number.isNaN(c)) this.dateMask &= ~MDY_BIT;
        if (this.dateMask === 0) {
          this.toStrings(n);
        } else {
          this.iso?.push(a);
          this.dmy?.push(b);
          this.mdy?.push(c);
          return;
        }
      }
    }
    this.addString(t);
  }

  /** Switches to keeping strings: earlier rows come back from their numbers or dates (ISO form). */
  private toStrings(upTo = this.nums.n): void {
    const s: string[] = new Array(upTo);
    const dates = this.iso ?? this.dmy ?? this.mdy;
    for (let i = 0; i < upTo; i++) {
      const v = this.nums.a[i];
      const d = dates?.a[i] ?? NaN;
      s[i] = !Number.isNaN(v) ? String(v) : !Number.isNaN(d) ? new Date(d).toISOString().replace(/T00:00:00\.000Z$/, '') : '';
    }
    this.strings = [];
    this.iso = this.dmy = this.mdy = undefined;
    this.dateMask = 0;
    for (const x of s) {
      if (x === '') this.strings.push('');
      else this.addString(x);
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
   * A numeric column with a few stray non-numbers (≥ 90% numbers and at most 3 cells or 1% not): almost surely a typo
   * or a unit in a cell, not a text column. Reported at its row rather than silently turning the column into text.
   */
  strayNonNumber(): { row: number; text: string } | undefined {
    const present = this.numeric + this.others;
    if (this.others === 0 || this.numeric < 10 || this.numeric < 0.9 * present || this.others > Math.max(3, 0.01 * present)) return undefined;
    return this.firstOther;
  }

  finish(rows: number): Column {
    const name = this.name;
    if (!this.strings && this.others === 0) {
      const numbers = this.nums.done();
      if (this.numeric > 0 && this.all8 && (DATE_NAME.test(name) || (this.sorted && this.numeric >= 3))) {
        for (let i = 0; i < numbers.length; i++) if (!Number.isNaN(numbers[i])) numbers[i] = parseYmdInt(numbers[i]);
        return { name, type: 'date', numbers, missing: this.missing };
      }
      return { name, type: 'numeric', numbers, missing: this.missing };
    }
    if (!this.strings) {
      // Still a date column: ISO first, then day-first, then month-first (used only when day-first fails).
      const g = this.dateMask & ISO_BIT ? this.iso : this.dateMask & DMY_BIT ? this.dmy : this.mdy;
      return { name, type: 'date', numbers: g!.done(), missing: this.missing };
    }
    const strings = this.strings;
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

export interface TableOptions {
  file: string;
  /** true / false, or undefined to detect. */
  header?: boolean;
  /** Column names given from elsewhere (JSON keys); implies no header row. */
  names?: string[];
  separator?: string;
}

const PROBE = 100;
const LABEL_LIKE = /^[\p{L}_#"][\p{L}\p{N}_ .\-()/%#:"]*$/u;

type Kind = 'missing' | 'num' | 'date' | 'str';
function kindOf(cell: string): Kind {
  const t = cell.trim();
  if (isMissing(t)) return 'missing';
  if (!Number.isNaN(toNumber(t))) return 'num';
  if (!Number.isNaN(parseIsoDate(t)) || !Number.isNaN(parseSlashDate(t, true)) || !Number.isNaN(parseSlashDate(t, false))) return 'date';
  return 'str';
}

/** Whether the first of `rows` is a header: a label over a numeric/date column, or label-like names over text. */
export function looksLikeHeader(rows: string[][]): boolean {
  const first = rows[0];
  let allStr = true;
  for (let c = 0; c < first.length; c++) {
    const k0 = kindOf(first[c]);
    if (k0 !== 'str') allStr = false;
    let restKind: Kind = 'missing';
    for (let r = 1; r < rows.length; r++) {
      const k = kindOf(rows[r][c] ?? '');
      if (k === 'missing') continue;
      restKind = restKind === 'missing' || restKind === k ? k : 'str';
      if (restKind === 'str') break;
    }
    if (k0 === 'str' && (restKind === 'num' || restKind === 'date')) return true;
  }
  if (!allStr) return false;
  const names = first.map((c) => c.trim());
  if (new Set(names).size !== names.length) return false;
  for (let c = 0; c < names.length; c++) {
    if (names[c].length > 40 || !LABEL_LIKE.test(names[c])) return false;
    for (let r = 1; r < rows.length; r++) if ((rows[r][c] ?? '').trim() === names[c]) return false;
  }
  return true;
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

  constructor(readonly opts: TableOptions) {
    if (opts.names) {
      this.cols = uniqueNames(opts.names).map((n) => new ColumnState(n));
      this.probe = null;
    }
  }

  addRow(cells: string[], line: number): void {
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
    this.header = this.opts.header ?? looksLikeHeader(rows);
    let names: string[];
    const skipFirst = this.header;
    if (this.header) names = uniqueNames(rows[0]);
    else {
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
    for (let c = 0; c < cols.length; c++) cols[c].add(cells[c]);
    this.lines.push(line);
    this.rows++;
  }

  finish(): ParsedTable {
    if (this.probe) this.flushProbe();
    if (this.rows === 0) {
      throw new DataError(this.opts.file, undefined, this.header ? 'the table has a header but no data rows' : 'the table has no data rows', 'add rows below the header');
    }
    const lineOfRow = Int32Array.from(this.lines.done());
    for (const c of this.cols) {
      const stray = c.strayNonNumber();
      if (stray)
        throw new DataError(this.opts.file, this.lines.a[stray.row], `"${stray.text}" in column "${c.name}" is not a number, though the column's other ${c.numeric} values are`, 'correct the cell, or leave it empty (empty cells and NA count as missing)');
    }
    const columns = this.cols.map((c) => c.finish(this.rows));
    return { kind: 'table', columns, rows: this.rows, lineOfRow, header: this.header, ...(this.opts.separator ? { separator: this.opts.separator } : {}) };
  }
}

/** A table from a whole string (tests, small inputs). */
export function tableFromRows(rows: string[][], opts: TableOptions, lines?: number[]): ParsedTable {
  const b = new TableBuilder(opts);
  rows.forEach((r, i) => b.addRow(r, lines?.[i] ?? i + 1));
  return b.finish();
}
