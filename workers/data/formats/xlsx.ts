// Excel workbooks (`.xlsx`, Office Open XML: a ZIP of XML parts) → a table from the first sheet, as a CSV of it
// would read: the ZIP's central directory (stored or deflated parts), the workbook's first sheet, the shared strings,
// and each cell by type — a number, a shared or inline string, a boolean, an error (missing) — with dates written as
// dates (numbers whose cell style is a date format, in the workbook's 1900 or 1904 calendar). Formulas give their
// cached values. No dependency: node:zlib inflates. Sizes are checked before anything is inflated (256 MiB in all: a
// ZIP bomb is refused), a sheet may span 10,000 columns, and nothing but the parts named here is read.

import { inflateRawSync } from 'node:zlib';
import { DataError, type ParsedTable } from '../parsed';
import { TableBuilder } from './table';

/** Most bytes inflated from one workbook, all parts together (a sheet's XML is ~10–40 bytes per cell). */
const MAX_INFLATED = 256 * 2 ** 20;
/** Most columns a sheet may span (Excel's own limit is 16,384). */
const MAX_SHEET_COLUMNS = 10_000;

interface Entry {
  name: string;
  method: number;
  compressed: number;
  size: number;
  offset: number;
}

function zipEntries(buf: Buffer, file: string): Map<string, Entry> {
  // End of central directory: the last 22+ bytes (a comment may follow it).
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new DataError(file, undefined, 'not a readable workbook: the ZIP directory is missing (the file is cut short?)', 'open it in a spreadsheet and save it again, or save it as CSV');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, Entry>();
  for (let k = 0; k < count; k++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) throw new DataError(file, undefined, 'not a readable workbook: its ZIP directory is damaged', 'open it in a spreadsheet and save it again, or save it as CSV');
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const offset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    out.set(name, { name, method, compressed, size, offset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

function readPart(buf: Buffer, entries: Map<string, Entry>, name: string, file: string, budget: { left: number }): string | undefined {
  const e = entries.get(name);
  if (!e) return undefined;
  if (e.size > budget.left) throw new DataError(file, undefined, `the workbook's part ${name} would inflate to ${(e.size / 2 ** 20).toFixed(0)} MiB, more than the limit (${MAX_INFLATED / 2 ** 20} MiB in all)`, 'save the sheet as CSV');
  budget.left -= e.size;
  if (e.offset + 30 > buf.length || buf.readUInt32LE(e.offset) !== 0x04034b50) throw new DataError(file, undefined, `not a readable workbook: the part ${name} is damaged`, 'open it in a spreadsheet and save it again, or save it as CSV');
  const start = e.offset + 30 + buf.readUInt16LE(e.offset + 26) + buf.readUInt16LE(e.offset + 28);
  const raw = buf.subarray(start, start + e.compressed);
  let data: Buffer;
  if (e.method === 0) data = raw;
  else if (e.method === 8) {
    try {
      data = inflateRawSync(raw, { maxOutputLength: Math.max(e.size, 1) });
    } catch (err) {
      throw new DataError(file, undefined, `not a readable workbook: the part ${name} does not inflate (${(err as Error).message})`, 'open it in a spreadsheet and save it again, or save it as CSV');
    }
  } else throw new DataError(file, undefined, `the part ${name} is compressed by method ${e.method}, which is not read`, 'save the workbook again (Excel and LibreOffice use deflate), or save the sheet as CSV');
  return data.toString('utf8');
}

const ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] !== '#') return ENTITY[e] ?? m;
    const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

/** The text of every <t> inside `xml` (a shared string's runs, an inline string), joined. */
function textOf(xml: string): string {
  let out = '';
  for (const m of xml.matchAll(/<t(?:\s[^>]*)?>([^<]*)<\/t>/g)) out += m[1];
  return unescapeXml(out);
}

function attr(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
}

/** Built-in number formats that are dates or times (ECMA-376 §18.8.30). */
const DATE_FORMAT_IDS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47, 50, 57]);

/** For each cell style (the `s` of a cell), whether it shows a date. */
function dateStyles(styles: string | undefined): boolean[] {
  if (!styles) return [];
  const custom = new Map<number, string>();
  for (const m of styles.matchAll(/<numFmt\s[^>]*>/g)) custom.set(Number(attr(m[0], 'numFmtId')), unescapeXml(attr(m[0], 'formatCode') ?? ''));
  const xfs = /<cellXfs[^>]*>([\s\S]*?)<\/cellXfs>/.exec(styles)?.[1] ?? '';
  return [...xfs.matchAll(/<xf\s[^>]*>/g)].map((m) => {
    const id = Number(attr(m[0], 'numFmtId') ?? 0);
    if (DATE_FORMAT_IDS.has(id)) return true;
    const code = custom.get(id);
    // a custom format with day, month, year or hour parts, outside quoted text and [colour] brackets
    return code !== undefined && /[dmyh]/i.test(code.replace(/"[^"]*"|\[[^\]]*\]|\\./g, ''));
  });
}

/** An Excel serial day number as ISO text: a date, or a date and time when there is one. */
function serialToIso(v: number, base1904: boolean): string {
  const ms = Math.round((v - (base1904 ? 24107 : 25569)) * 86_400_000);
  if (!(Math.abs(ms) <= 8.64e15)) return String(v); // beyond any date: the number as written
  const iso = new Date(ms).toISOString();
  return ms % 86_400_000 === 0 ? iso.slice(0, 10) : iso.slice(0, 19).replace('T', ' ');
}

/** Column index of a cell reference ("AB12" → 27); Infinity past 7 letters. */
function columnOf(ref: string): number {
  let n = 0;
  for (let i = 0; i < ref.length && i < 8; i++) {
    const c = ref.charCodeAt(i);
    if (c < 65 || c > 90) break;
    n = n * 26 + (c - 64);
  }
  return n - 1;
}

export interface WorkbookTable {
  table: ParsedTable;
  notes: string[];
}

/** The first sheet of an .xlsx workbook as a table (header detected as a CSV's is). */
export function readXlsx(buf: Buffer, file: string): WorkbookTable {
  const entries = zipEntries(buf, file);
  const budget = { left: MAX_INFLATED };
  const workbook = readPart(buf, entries, 'xl/workbook.xml', file, budget);
  if (!workbook && /\.npz$/i.test(file)) throw new DataError(file, undefined, 'a NumPy .npz archive (several arrays in a ZIP): not read', 'save each array with numpy.save (X_train.npy, y_train.npy) and open the data array');
  if (!workbook) throw new DataError(file, undefined, 'a ZIP file, but not an Excel workbook (no xl/workbook.xml)', 'save the data as .xlsx or CSV');
  const sheets = [...workbook.matchAll(/<sheet\s[^>]*>/g)].map((m) => ({ name: unescapeXml(attr(m[0], 'name') ?? ''), rid: attr(m[0], 'r:id') ?? '' }));
  if (sheets.length === 0) throw new DataError(file, undefined, 'the workbook has no sheets', 'add a sheet with the data');
  const rels = readPart(buf, entries, 'xl/_rels/workbook.xml.rels', file, budget) ?? '';
  const rel = [...rels.matchAll(/<Relationship\s[^>]*>/g)].find((m) => attr(m[0], 'Id') === sheets[0].rid);
  const target = rel ? attr(rel[0], 'Target')! : 'worksheets/sheet1.xml';
  const sheetPath = target.startsWith('/') ? target.slice(1) : `xl/${target}`;
  const sheet = readPart(buf, entries, sheetPath, file, budget);
  if (!sheet) throw new DataError(file, undefined, `the first sheet ("${sheets[0].name}") is missing from the workbook`, 'open it in a spreadsheet and save it again, or save it as CSV');
  const shared = [...(readPart(buf, entries, 'xl/sharedStrings.xml', file, budget) ?? '').matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) => textOf(m[1]));
  const isDate = dateStyles(readPart(buf, entries, 'xl/styles.xml', file, budget));
  const base1904 = /<workbookPr\s[^>]*date1904="(1|true)"/.test(workbook);

  const rows: string[][] = [];
  const lines: number[] = [];
  let errors = 0;
  for (const rm of sheet.matchAll(/<row\b([^>]*?)(?:\/>|>([\s\S]*?)<\/row>)/g)) {
    const r = Number(attr(rm[1], 'r') ?? rows.length + 1);
    const cells: string[] = [];
    let next = 0;
    for (const cm of (rm[2] ?? '').matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const ref = attr(cm[1], 'r');
      const col = ref ? columnOf(ref) : next;
      if (col >= MAX_SHEET_COLUMNS) throw new DataError(file, r, `a cell in column ${ref ?? col + 1}: the sheet spans more than ${MAX_SHEET_COLUMNS.toLocaleString('en')} columns`, 'delete the stray cells far to the right, or save the data as CSV');
      next = col + 1;
      const type = attr(cm[1], 't') ?? 'n';
      const body = cm[2] ?? '';
      const v = /<v>([\s\S]*?)<\/v>/.exec(body)?.[1];
      let text = '';
      if (type === 's') text = v !== undefined ? (shared[Number(v)] ?? '') : '';
      else if (type === 'inlineStr') text = textOf(body);
      else if (type === 'str' || type === 'd') text = v !== undefined ? unescapeXml(v) : '';
      else if (type === 'b') text = v === '1' ? 'TRUE' : v === '0' ? 'FALSE' : '';
      else if (type === 'e') errors++;
      else if (v !== undefined) {
        const num = Number(v);
        text = isDate[Number(attr(cm[1], 's') ?? 0)] && Number.isFinite(num) ? serialToIso(num, base1904) : v;
      }
      while (cells.length < col) cells.push('');
      cells[col] = text;
    }
    if (cells.some((c) => c.trim() !== '')) {
      rows.push(cells);
      lines.push(r);
    }
  }
  if (rows.length === 0) throw new DataError(file, undefined, `the first sheet ("${sheets[0].name}") is empty`, 'put the data on the first sheet');
  let width = 0;
  for (const r of rows) if (r.length > width) width = r.length;
  const b = new TableBuilder({ file });
  rows.forEach((r, i) => b.addRow(r.length < width ? [...r, ...new Array<string>(width - r.length).fill('')] : r, lines[i]));
  const table = b.finish();
  const notes = [`the first sheet, "${sheets[0].name}"${sheets.length > 1 ? ` (of ${sheets.length}: ${sheets.slice(1, 4).map((s) => `"${s.name}"`).join(', ')}${sheets.length > 4 ? ', …' : ''} not read; save the one you want first, or as CSV)` : ''}; "lines" are the sheet's row numbers`];
  if (errors) notes.push(`${errors} cell${errors > 1 ? 's' : ''} with a formula error (#DIV/0!, #N/A…) read as missing`);
  notes.push(...b.notes);
  return { table, notes };
}
