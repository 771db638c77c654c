// Streaming CSV/TSV tokenizer: feed string chunks (split anywhere, even inside a quoted field or between \r and
// \n), get rows out with the 1-based line each row starts on. Handles quoted fields (separators, doubled quotes
// and newlines inside), CRLF, `#` comment lines (before the first row; later, `#` lines that do not have the
// table's column count), blank lines, a missing final newline; a leading BOM is dropped.
// Ragged rows (a different number of cells than the first row) are a DataError naming the line and both counts,
// except a last line of text after a blank line (a footer: "Sales of shampoo over a three year period"), which is
// skipped and said; and a header one cell shorter than the rows (R writes no name above its row names). Columns of numbers lined up with spaces (`  -1.0000000e+00  1.2e-01 …`) are split on runs of
// spaces (separator " ").

import { DataError } from '../parsed';

export const SEPARATORS = [',', ';', '\t', '|'] as const;

/** Longest single field accepted (characters): past this a quote was almost surely left open. */
export const MAX_FIELD_CHARS = 1 << 22;
export const MAX_COLUMNS = 10_000;

export interface CsvDialect {
  separator: string;
  /** Whether `"` starts a quoted field (always for commas; for TAB only where the file's fields look quoted). */
  quotes: boolean;
}

/** A line split on `sep`, quote-aware where `quotes` (a quoted field's newlines are not seen on one line anyway). */
function countFields(line: string, sep: string, quotes: boolean): number {
  if (sep === ' ') return spaced(line).length;
  let n = 1;
  let inQ = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quotes && c === '"') inQ = !inQ;
    else if (c === sep && !inQ) n++;
  }
  return n;
}

/** A line of columns lined up with spaces, split on runs of spaces (and tabs). */
const spaced = (line: string): string[] => {
  const t = line.trim();
  return t === '' ? [] : t.split(/[ \t]+/);
};

/** Sample lines of a file's head: not blank, not comments, the last (possibly cut) line left out when `cut`. */
export function sampleLines(head: string, max = 200, cut = true): string[] {
  const lines = head.replace(/^\uFEFF/, '').split('\n');
  if (cut && lines.length > 1) lines.pop();
  const out: string[] = [];
  for (const raw of lines) {
    const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (l.trim() === '' || l.startsWith('#')) continue;
    out.push(l);
    if (out.length >= max) break;
  }
  return out;
}

/** Whether some field of `lines` is quoted and every field that starts with a quote also ends with one. */
function quotesLookIntended(lines: string[], sep: string): boolean {
  let quoted = 0;
  for (const l of lines) {
    for (const f of l.split(sep)) {
      const t = f.trim();
      if (!t.startsWith('"')) continue;
      if (!/^"(?:[^"]|"")*"$/.test(t)) return false;
      quoted++;
    }
  }
  return quoted > 0;
}

/**
 * Picks the separator among `candidates` that splits the sampled lines into the most consistent number (≥ 2) of
 * fields; ties go to more fields. Falls back to the first candidate (a one-column file).
 */
export function sniffDialect(head: string, candidates: readonly string[] = SEPARATORS, cut = true): CsvDialect & { fields: number; consistency: number } {
  const lines = sampleLines(head, 200, cut);
  let best = { separator: candidates[0], fields: 1, consistency: 0 };
  for (const sep of candidates) {
    const quotes = sep !== '\t' || quotesLookIntended(lines, sep);
    const counts = new Map<number, number>();
    for (const l of lines) {
      const n = countFields(l, sep, quotes);
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    let mode = 1;
    let modeCount = 0;
    for (const [n, c] of counts) if (c > modeCount || (c === modeCount && n > mode)) [mode, modeCount] = [n, c];
    if (mode < 2) continue;
    const consistency = modeCount / lines.length;
    if (consistency > best.consistency + 1e-9 || (Math.abs(consistency - best.consistency) <= 1e-9 && mode > best.fields)) {
      best = { separator: sep, fields: mode, consistency };
    }
  }
  // No separator splits the lines evenly: columns of numbers lined up with spaces (old UCR files, Fortran output).
  if (best.consistency < 0.9 && lines.length >= 2) {
    const rows = lines.map(spaced);
    const counts = new Map<number, number>();
    for (const r of rows) counts.set(r.length, (counts.get(r.length) ?? 0) + 1);
    const [mode, modeCount] = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a));
    const cells = rows.reduce((n, r) => n + r.length, 0);
    const numeric = rows.reduce((n, r) => n + r.filter((x) => !Number.isNaN(Number(x))).length, 0);
    if (mode >= 2 && modeCount >= 0.95 * rows.length && numeric >= 0.9 * cells) return { separator: ' ', fields: mode, consistency: modeCount / rows.length, quotes: false };
  }
  const quotes = best.separator !== '\t' && best.separator !== ' ' ? true : quotesLookIntended(lines, best.separator);
  return { ...best, quotes };
}

/**
 * Whether numbers in the sampled lines are written with a decimal comma (2,6): only where the separator is not a
 * comma, some cells read that way, and fewer cells use a decimal point.
 */
export function usesDecimalComma(head: string, sep: string, cut = true): boolean {
  if (sep === ',') return false;
  let comma = 0;
  let point = 0;
  for (const l of sampleLines(head, 200, cut)) {
    for (const f of l.split(sep)) {
      const t = f.trim();
      if (/^[+-]?\d+,\d+$/.test(t)) comma++;
      else if (/^[+-]?\d*\.\d+$/.test(t)) point++;
    }
  }
  return comma > 0 && comma > point;
}

const ROW_START = 0;
const FIELD_START = 1;
const UNQUOTED = 2;
const QUOTED = 3;
const QUOTE_SEEN = 4;
const AFTER_QUOTE = 5;
const COMMENT = 6;

export type RowSink = (cells: string[], line: number) => void;

/** Rows held at the start of a file to tell a preamble above the table apart. */
const PREAMBLE_PROBE = 12;

export class CsvTokenizer {
  /** Rows emitted so far. */
  rows = 0;
  /** The last `#` comment line before the first row (without the `#`): often a header in disguise. */
  commentBeforeFirstRow: string | undefined;
  /** Cells in each row (set by the first row). */
  width = 0;
  private line = 1;
  private rowLine = 1;
  private state = ROW_START;
  private cells: string[] = [];
  private pending = '';
  private quotedRow = false;
  private hashRow = false;
  private started = false;
  private readonly sep: number;
  /** Row 2 had one cell more than the first row: the width taken from it, and the first row's. */
  private widened?: { line: number; from: number };
  /** Rows read (held at the start or passed on), and the width of the first. */
  private seen = 0;
  private firstWidth = 0;
  /** The table's width so far: the first row's while the first rows are held. */
  private get shape(): number {
    return this.width || this.firstWidth;
  }
  /** The first rows, held until a preamble above the table is told apart (undefined once released). */
  private head: { cells: string[]; line: number; blankBefore: boolean }[] | undefined = [];
  private heldBlank = false;
  /** Lines above the table skipped as its preamble (line and text), for the notes. */
  readonly skippedPreamble: { line: number; text: string }[] = [];
  /** A blank line came after the last row. */
  private blankAfterRow = false;
  /** A one-cell line of text after a blank line at the end of the table: a footer, unless a row follows it. */
  private footer: { line: number; text: string; error: DataError } | undefined;
  /** Footer lines skipped (line and text), for the notes. */
  readonly skippedFooters: { line: number; text: string }[] = [];

  constructor(
    readonly file: string,
    readonly dialect: CsvDialect,
    private readonly onRow: RowSink,
    private readonly strictWidth = true,
  ) {
    if (dialect.separator.length !== 1) throw new Error('separator must be one character');
    this.sep = dialect.separator.charCodeAt(0);
  }

  push(chunk: string): void {
    if (!this.started) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    const n = chunk.length;
    const S = this.sep;
    const Q = this.dialect.quotes;
    let st = this.state;
    let i = 0;
    while (i < n) {
      switch (st) {
        case ROW_START: {
          // A `#` line before the first row is a comment; after it, a `#` line is a comment only when it does not
          // split into the table's columns (amazon's "#1 It Works - #2 …⇥1" is data).
          const hash = chunk.charCodeAt(i) === 35; /* # */
          if (hash && (this.seen === 0 || this.shape < 2)) {
            st = COMMENT;
            i++;
            continue;
          }
          this.hashRow = hash;
          this.rowLine = this.line;
          this.quotedRow = false;
          st = FIELD_START;
          continue;
        }
        case COMMENT: {
          const j = chunk.indexOf('\n', i);
          const keep = this.seen === 0 && this.pending.length < 65536;
          if (j < 0) {
            if (keep) this.pending += chunk.slice(i);
            i = n;
            continue;
          }
          if (keep) this.commentBeforeFirstRow = stripCr(this.pending + chunk.slice(i, j));
          this.pending = '';
          this.line++;
          i = j + 1;
          st = ROW_START;
          continue;
        }
        case FIELD_START: {
          if (Q && chunk.charCodeAt(i) === 34) {
            st = QUOTED;
            this.quotedRow = true;
            i++;
            continue;
          }
          st = UNQUOTED;
          continue;
        }
        case UNQUOTED: {
          let j = i;
          while (j < n) {
            const d = chunk.charCodeAt(j);
            if (d === S || d === 10) break;
            j++;
          }
          if (j === n) {
            this.pending += chunk.slice(i, n);
            if (this.pending.length > MAX_FIELD_CHARS) this.tooLong();
            i = n;
            continue;
          }
          let v = this.pending.length ? this.pending + chunk.slice(i, j) : chunk.slice(i, j);
          this.pending = '';
          if (chunk.charCodeAt(j) === 10) {
            if (v.charCodeAt(v.length - 1) === 13) v = v.slice(0, -1);
            this.cells.push(v);
            this.endRow();
            this.line++;
            st = ROW_START;
          } else {
            this.pushCell(v);
            st = FIELD_START;
          }
          i = j + 1;
          continue;
        }
        case QUOTED: {
          const j = chunk.indexOf('"', i);
          const end = j < 0 ? n : j;
          for (let k = chunk.indexOf('\n', i); k >= 0 && k < end; k = chunk.indexOf('\n', k + 1)) this.line++;
          this.pending += chunk.slice(i, end);
          if (this.pending.length > MAX_FIELD_CHARS) this.tooLong();
          if (j < 0) {
            i = n;
            continue;
          }
          i = j + 1;
          st = QUOTE_SEEN;
          continue;
        }
        case QUOTE_SEEN: {
          if (chunk.charCodeAt(i) === 34) {
            this.pending += '"';
            i++;
            st = QUOTED;
            continue;
          }
          st = AFTER_QUOTE;
          continue;
        }
        case AFTER_QUOTE: {
          const c = chunk.charCodeAt(i);
          i++;
          if (c === S) {
            this.pushCell(this.pending);
            this.pending = '';
            st = FIELD_START;
          } else if (c === 10) {
            this.cells.push(this.pending);
            this.pending = '';
            this.endRow();
            this.line++;
            st = ROW_START;
          } else if (c !== 13) {
            // Text after a closing quote ("a"b): kept, as spreadsheets do.
            this.pending += String.fromCharCode(c);
            if (this.pending.length > MAX_FIELD_CHARS) this.tooLong();
          }
          continue;
        }
      }
    }
    this.state = st;
  }

  /** Flushes the last row (a file need not end with a newline). */
  end(): void {
    switch (this.state) {
      case QUOTED:
        throw new DataError(this.file, this.rowLine, 'a quoted field starting on this line is never closed', 'close the quote, and write a quote inside a quoted field as two quotes ("")');
      case UNQUOTED:
      case QUOTE_SEEN:
      case AFTER_QUOTE: {
        let v = this.pending;
        if (this.state === UNQUOTED && v.charCodeAt(v.length - 1) === 13) v = v.slice(0, -1);
        this.cells.push(v);
        this.endRow();
        break;
      }
      case FIELD_START:
        if (this.cells.length > 0) {
          this.cells.push('');
          this.endRow();
        }
        break;
      case COMMENT:
        if (this.seen === 0) this.commentBeforeFirstRow = stripCr(this.pending);
        break;
    }
    this.pending = '';
    this.state = ROW_START;
    this.releaseHead();
    if (this.footer) this.skippedFooters.push({ line: this.footer.line, text: this.footer.text });
    this.footer = undefined;
  }

  private pushCell(v: string): void {
    this.cells.push(v);
    if (this.cells.length > MAX_COLUMNS) {
      throw new DataError(this.file, this.rowLine, `more than ${MAX_COLUMNS} columns in one row`, 'check the separator: this does not look like a table');
    }
  }

  private tooLong(): never {
    throw new DataError(
      this.file,
      this.rowLine,
      `a field starting on this line runs past ${MAX_FIELD_CHARS} characters`,
      this.state === QUOTED ? 'a quote is probably not closed: write quotes inside quoted fields as two quotes ("")' : 'check the separator and line endings',
    );
  }

  private endRow(): void {
    let cells = this.cells;
    this.cells = [];
    if (this.sep === 32 /* space */) cells = cells.filter((c) => c !== '' && c !== '\r');
    if ((cells.length === 1 && !this.quotedRow && cells[0].trim() === '') || cells.length === 0) {
      if (this.head) this.heldBlank = this.head.length > 0;
      else if (this.rows > 0) this.blankAfterRow = true;
      return; // blank line
    }
    if (this.hashRow && cells.length !== this.shape) return; // a comment
    this.seen++;
    if (this.seen === 1) this.firstWidth = cells.length;
    if (this.head) {
      // the first rows wait until it is clear whether narrow lines above the table are a preamble
      this.head.push({ cells, line: this.rowLine, blankBefore: this.heldBlank });
      this.heldBlank = false;
      if (this.head.length >= PREAMBLE_PROBE) this.releaseHead();
      return;
    }
    this.row(cells, this.rowLine);
  }

  /**
   * The first rows: lines much narrower than the rows below them (at most half as wide), before three or more rows of
   * one width, are a preamble above the table (World Bank's "Data Source","World Development Indicators" and "Last
   * Updated Date" lines): skipped and said. Everything else goes on as it came.
   */
  private releaseHead(): void {
    const head = this.head;
    this.head = undefined;
    if (!head || head.length === 0) return;
    // the table's width: the most common among the first rows (the wider on a tie)
    const counts = new Map<number, number>();
    for (const r of head) counts.set(r.cells.length, (counts.get(r.cells.length) ?? 0) + 1);
    const [w, n] = [...counts].reduce((a, b) => (b[1] > a[1] || (b[1] === a[1] && b[0] > a[0]) ? b : a));
    const i = head.findIndex((r) => r.cells.length === w);
    const preamble = i > 0 && n >= 3 && w >= 2 && head.slice(0, i).every((r) => r.cells.length <= w / 2);
    if (preamble) this.skippedPreamble.push(...head.slice(0, i).map((r) => ({ line: r.line, text: r.cells.join(' ').trim() })));
    const start = preamble ? i : 0;
    for (let k = start; k < head.length; k++) {
      if (k > start && head[k].blankBefore) this.blankAfterRow = true;
      this.row(head[k].cells, head[k].line);
    }
  }

  private row(cells: string[], line: number): void {
    this.rowLine = line;
    if (this.footer) throw this.footer.error; // rows after it: it was a broken row after all
    if (this.rows === 0) this.width = cells.length;
    else if (this.rows === 1 && cells.length === this.width + 1) {
      // R's write.table: the header has no name for the row names (said by the table); a third row of the header's
      // width says it was row 2 that had a cell too many after all
      this.width++;
      this.widened = { line: this.rowLine, from: this.width - 1 };
    } else if (this.widened && this.rows === 2 && cells.length === this.widened.from) {
      throw new DataError(this.file, this.widened.line, `expected ${this.widened.from} columns (as in the first row), found ${this.widened.from + 1}`, `quote fields that contain ${this.dialect.separator === '\t' ? 'tabs' : `"${this.dialect.separator}"`}${this.dialect.separator === ',' ? ' (commas)' : ''}, e.g. "a, b"`);
    } else if (this.strictWidth && cells.length !== this.width) {
      const sepName = this.dialect.separator === '\t' ? 'tabs' : this.dialect.separator === ' ' ? 'spaces' : `"${this.dialect.separator}"`;
      const error = new DataError(
        this.file,
        this.rowLine,
        `expected ${this.width} columns (as in the first row), found ${cells.length}`,
        cells.length > this.width
          ? `quote fields that contain ${sepName}${this.dialect.separator === ',' ? ' (commas)' : ''}, e.g. "a, b"`
          : 'fill in the missing cells (an empty cell between two separators counts as missing)',
      );
      if (this.blankAfterRow && cells.length === 1 && this.width >= 2 && /\p{L}/u.test(cells[0])) {
        this.footer = { line: this.rowLine, text: cells[0].trim(), error };
        return;
      }
      throw error;
    }
    this.blankAfterRow = false;
    this.rows++;
    this.onRow(cells, this.rowLine);
  }
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

/** Tokenizes a whole string (tests and small inputs). */
export function tokenizeCsv(text: string, file: string, dialect?: CsvDialect): { rows: string[][]; lines: number[]; dialect: CsvDialect } {
  const d = dialect ?? sniffDialect(text, SEPARATORS, false);
  const rows: string[][] = [];
  const lines: number[] = [];
  const t = new CsvTokenizer(file, d, (cells, line) => {
    rows.push(cells);
    lines.push(line);
  });
  t.push(text);
  t.end();
  return { rows, lines, dialect: d };
}
