// Reads a data file (or a folder of them: folder.ts) as a stream and parses it into the importer's contract
// (Parsed): the bytes are hashed (SHA-256), checked (empty, binary, a file that changes while read) and decoded chunk
// by chunk — as UTF-8, or as Windows-1252 where a file is not UTF-8 but reads as text (said in a note; bytes that are
// neither are refused with their line) — and each chunk goes to the chosen format's builder, so a large CSV is never
// held as a whole string (a plain-text file is: the text is the result). Progress is reported about every 100 ms.
// Every failure is a DataError naming the file, the line where there is one, the reason, and a hint.

import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ConllBuilder } from './formats/conll';
import { meltWideSeries } from './formats/wide';
import { ArffBuilder } from './formats/arff';
import { readXlsx } from './formats/xlsx';
import { readParquet } from './formats/parquet';
import { CsvTokenizer, sampleLines, SEPARATORS, sniffDialect, usesDecimalComma } from './formats/csv';
import { detectFormat, HEAD_BYTES, pairSeparator } from './formats/detect';
import { BlocksBuilder } from './formats/blocks';
import { LabelledBuilder } from './formats/labelled';
import { TsArchiveBuilder } from './formats/tsarchive';
import { JsonlBuilder, MAX_JSON_CHARS, parseJson } from './formats/json';
import { PairsBuilder } from './formats/pairs';
import { TableBuilder } from './formats/table';
import { TextBuilder } from './formats/text';
import { taggedRows } from './formats/tokenrows';
import { TsfBuilder } from './formats/tsf';
import { NPY_MAGIC, parseNpy } from './formats/npy';
import { kindOf } from '../engine/safe-file';
import { joinParsed, parseFolder, siblingSplits } from './folder';
import { DataError, FORMATS, type FormatName, type ImportProgress, type Parsed, type ParseOptions, type ParseResult } from './parsed';

export const DEFAULT_MAX_BYTES = 2 ** 30;
const CHUNK = 1 << 20;

/** A format's consumer of decoded text. */
interface Sink {
  push(chunk: string): void;
  finish(): Parsed;
  readonly rows: number;
  notes(): string[];
}

/** A format builder (push text, finish into Parsed, count its rows) as a Sink, with the notes it has to say. */
function builderSink(b: { push(chunk: string): void; finish(): Parsed; readonly rows: number }, notes: () => string[]): Sink {
  return {
    push: (c) => b.push(c),
    finish: () => b.finish(),
    get rows() {
      return b.rows;
    },
    notes,
  };
}

/** The consumer for `format`, given the file's first decoded text (for the CSV dialect). */
export function makeSink(format: FormatName, file: string, head: string, complete: boolean): Sink {
  switch (format) {
    case 'csv':
    case 'tsv': {
      const dialect = format === 'tsv' ? sniffDialect(head, ['\t'], !complete) : sniffDialect(head, SEPARATORS, !complete);
      const decimalComma = usesDecimalComma(head, dialect.separator, !complete);
      const table = new TableBuilder({ file, separator: dialect.separator, decimalComma });
      const tok = new CsvTokenizer(file, dialect, (cells, line) => {
        if (tok.rows === 1) table.commentHeader = tok.commentBeforeFirstRow;
        table.addRow(cells, line);
      });
      const sepName = dialect.separator === '\t' ? 'TAB' : dialect.separator === ' ' ? 'spaces (columns lined up)' : `"${dialect.separator}"`;
      return {
        push: (c) => tok.push(c),
        finish: () => {
          tok.end();
          return table.finish();
        },
        get rows() {
          return tok.rows;
        },
        notes: () => [
          `separator ${sepName}${dialect.quotes || dialect.separator === ' ' ? '' : ', quotes taken literally'}`,
          ...(tok.skippedPreamble.length ? [`${tok.skippedPreamble.length} line${tok.skippedPreamble.length > 1 ? 's' : ''} above the table skipped as its preamble (line ${tok.skippedPreamble[0].line}: "${tok.skippedPreamble[0].text.length > 60 ? `${tok.skippedPreamble[0].text.slice(0, 57)}…` : tok.skippedPreamble[0].text}")`] : []),
          ...tok.skippedFooters.map((f) => `line ${f.line}: "${f.text.length > 60 ? `${f.text.slice(0, 57)}…` : f.text}" after the table, a footer: skipped`),
          ...table.notes,
        ],
      };
    }
    case 'text': {
      const b = new TextBuilder(file);
      return { push: (c) => b.push(c), finish: () => b.finish(), get rows() { return b.lineCount; }, notes: () => b.notes };
    }
    case 'json': {
      const parts: string[] = [];
      let size = 0;
      return {
        push: (c) => {
          size += c.length;
          if (size > MAX_JSON_CHARS) throw new DataError(file, undefined, `a JSON document over ${MAX_JSON_CHARS / 2 ** 20} MiB`, 'use JSONL (one record per line) for large data');
          parts.push(c);
        },
        finish: () => parseJson(parts.splice(0).join(''), file),
        rows: 0,
        notes: () => [],
      };
    }
    case 'jsonl':
      return builderSink(new JsonlBuilder(file), () => []);
    case 'conll': {
      const b = new ConllBuilder(file);
      return builderSink(b, () => [
        ...(b.separators ? [`${b.separators} document separator or comment lines skipped`] : []),
        ...(b.universal ? ['CoNLL-U: each word (FORM, column 2) tagged with its universal part of speech (UPOS, column 4)'] : []),
        ...(b.untagged ? [`${b.untagged} lines with a token but no tag skipped`] : []),
        ...(b.splitting ? ['no blank lines between sentences: split after . ! ? (and every 200 tokens at most)'] : []),
      ]);
    }
    case 'xlsx':
      throw new DataError(file, undefined, 'this is not an Excel workbook (an .xlsx file is a ZIP archive)', 'choose the format that matches the file, or auto');
    case 'parquet':
      throw new DataError(file, undefined, 'this is not a Parquet file (it would start with PAR1)', 'choose the format that matches the file, or auto');
    case 'npy':
      throw new DataError(file, undefined, 'this is not a NumPy .npy file (it would start with \\x93NUMPY)', 'choose the format that matches the file, or auto');
    case 'arff': {
      const b = new ArffBuilder(file);
      return builderSink(b, () => (b.relation ? [`ARFF relation "${b.relation}"`] : []));
    }
    case 'blocks':
      return builderSink(new BlocksBuilder(file), () => ['each block of lines is one sequence (column "block"); the file names no labels']);
    case 'labelled':
      return builderSink(new LabelledBuilder(file), () => ['the first word of each line is its label, the rest its text']);
    case 'tsf': {
      const b = new TsfBuilder(file);
      return builderSink(b, () => [
        `a Monash forecasting archive file${b.relation ? ` ("${b.relation}")` : ''}: ${b.rows.toLocaleString('en')} series, one row per value${b.frequency ? `, ${b.frequency.replace('_', '-')}` : ''}`,
        ...(b.horizon ? [`the archive forecasts ${b.horizon} steps ahead for this dataset (--horizon ${b.horizon})`] : []),
      ]);
    }
    case 'ts': {
      const b = new TsArchiveBuilder(file);
      return builderSink(b, () => (b.problem ? [`problem "${b.problem}"`] : []));
    }
    case 'pairs': {
      // TAB where (nearly) every line has one, else a marker such as `->` found on the lines
      const lines = sampleLines(head, 200, !complete);
      const tabs = lines.filter((l) => l.includes('\t')).length >= 0.9 * lines.length;
      const b = new PairsBuilder(file, tabs ? '\t' : (pairSeparator(lines) ?? '\t'));
      return builderSink(b, () => [
        ...(b.separator !== '\t' ? [`source and target separated by "${b.separator.trim()}"`] : []),
        ...(b.extraColumns ? [`${b.extraColumns} lines have columns after the target; ignored`] : []),
        ...(b.alternatives ? [`${b.alternatives} targets list alternatives ("a, b,"); the first is kept`] : []),
      ]);
    }
  }
}

/** Parses text already in memory, fed in the given chunks (tests, fuzzing; the same code path as files). */
export function parseString(text: string, file: string, format: FormatName | 'auto' = 'auto', chunks?: number[]): { parsed: Parsed; format: FormatName; reason: string; notes: string[] } {
  const head = text.slice(0, HEAD_BYTES);
  const complete = head.length === text.length;
  const det = format === 'auto' ? detectFormat(file, head, complete) : { format, reason: 'chosen' };
  if (text.replace(/^\uFEFF/, '').trim() === '') throw new DataError(file, undefined, 'the file is empty', 'choose a file with data in it');
  const sink = makeSink(det.format, file, head, complete);
  let pos = 0;
  for (const n of chunks ?? []) {
    if (pos >= text.length) break;
    sink.push(text.slice(pos, pos + n));
    pos += n;
  }
  if (pos < text.length) sink.push(text.slice(pos));
  return { parsed: sink.finish(), format: det.format, reason: det.reason, notes: sink.notes() };
}

/** Rows, lines, sentences, pairs or sequences of a result (for the final progress report). */
export function rowsOf(p: Parsed): number {
  switch (p.kind) {
    case 'table':
      return p.rows;
    case 'text':
      return p.lines;
    case 'tagged':
      return p.sentences.length;
    case 'pairs':
      return p.pairs.length;
    case 'sequences':
      return p.sequences.length;
  }
}

/** 1-based line of the first byte of `bytes` that breaks UTF-8. */
function invalidUtf8Line(bytes: Uint8Array): number {
  let line = 1;
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    if (b === 10) line++;
    const n = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (n < 0) return line;
    for (let k = 1; k <= n; k++) if (i + k < bytes.length && (bytes[i + k] & 0xc0) !== 0x80) return line;
    i += n + 1;
  }
  return line;
}

function countNewlines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * A data file — with its sibling split files (ArrowHead_TRAIN.tsv's ArrowHead_TEST.tsv, train.tsv's dev.tsv and
 * test.tsv) joined in, each part marked with its split, so the person's own split is used — or a folder of files.
 */
export async function parseFile(path: string, opts: ParseOptions = {}): Promise<ParseResult> {
  const main = await parseOneFile(path, opts);
  if (main.parsed.kind === 'text' || opts.siblings === false) return main;
  const siblings = await siblingSplits(path);
  if (siblings.length === 0) return main;
  const parts: ParseResult[] = [main];
  for (const s of siblings) parts.push(await parseOneFile(s.path, { ...opts, format: main.format, siblings: false }));
  if (parts.some((p) => p.parsed.kind !== main.parsed.kind)) return main;
  let parsed: Parsed;
  try {
    parsed = joinParsed(basename(path), main.parsed.kind, parts.map((p) => p.parsed), ['train', ...siblings.map((s) => s.split)], 'split');
  } catch {
    return { ...main, notes: [...main.notes, `${siblings.map((s) => basename(s.path)).join(', ')} beside it ${siblings.length > 1 ? 'do' : 'does'} not match its columns: not read`] };
  }
  const hash = createHash('sha256');
  for (const p of parts) hash.update(`${p.sha256}\n`);
  const counted = parts.slice(1).map((p, i) => `${basename(siblings[i].path)} (${rowsOf(p.parsed).toLocaleString('en')} ${siblings[i].split === 'test' ? 'held out for the test' : 'for validation'})`);
  return {
    parsed,
    format: main.format,
    reason: main.reason,
    bytes: parts.reduce((n, p) => n + p.bytes, 0),
    sha256: hash.digest('hex'),
    notes: [...main.notes, `its split files beside it are read too: ${counted.join(', ')}; this file is the training part`],
  };
}

async function parseOneFile(path: string, opts: ParseOptions = {}): Promise<ParseResult> {
  const file = basename(path);
  if (opts.format && opts.format !== 'auto' && !FORMATS.includes(opts.format)) {
    throw new DataError(file, undefined, `unknown format "${opts.format}"`, `use one of: auto, ${FORMATS.join(', ')}`);
  }
  if ((await stat(path).catch(() => undefined))?.isDirectory()) return parseFolder(path, opts, parseOneFile);
  try {
    return reshaped(await readText(path, file, opts, 'utf-8'));
  } catch (e) {
    if (!(e instanceof LegacyEncoding)) throw e;
    // Not UTF-8 but plain text in a single-byte encoding (a spreadsheet's "CSV" on Windows, many older downloads):
    // read as Windows-1252, the superset of Latin-1 those are written in, and say so.
    const r = reshaped(await readText(path, file, opts, 'windows-1252'));
    return { ...r, notes: [`read as Windows-1252 (Western European): not valid UTF-8 (line ${e.line}: ${e.sample}); if its letters look wrong, save it as UTF-8`, ...r.notes] };
  }
}

/**
 * A table reshaped to what it holds, whatever file it came from (CSV, workbook, Parquet…): a wide table of series as
 * one series per row (formats/wide.ts), a table of tokens one a row as tagged sentences (formats/tokenrows.ts).
 */
function reshaped(r: ParseResult): ParseResult {
  const wide = r.parsed.kind === 'table' ? meltWideSeries(r.parsed) : undefined;
  if (wide) return { ...r, parsed: wide.table, notes: [...r.notes, wide.note] };
  const tokens = r.parsed.kind === 'table' ? taggedRows(r.parsed) : undefined;
  return tokens ? { ...r, parsed: tokens.parsed, notes: [...r.notes, tokens.note] } : r;
}

/** A whole file into memory (within the size limit already checked), or a DataError if it shrinks meanwhile. */
async function readWhole(handle: FileHandle, size: number, file: string, onProgress?: (bytesRead: number) => void): Promise<Buffer> {
  const buf = Buffer.alloc(size);
  for (let at = 0; at < size; ) {
    const { bytesRead: n } = await handle.read(buf, at, size - at, at);
    if (n === 0) throw new DataError(file, undefined, `the file shrank or vanished while being read (${at} of ${size} bytes read)`, 'wait until the file is completely written, then import it again');
    at += n;
    onProgress?.(at);
  }
  return buf;
}

/**
 * A gzip file: read whole, inflated (no more than the size limit: a gzip bomb is refused), its text decoded as UTF-8
 * (or Windows-1252) and parsed as the file it holds (`data.csv.gz` as `data.csv`).
 */
async function readGzip(handle: FileHandle, size: number, file: string, opts: ParseOptions): Promise<ParseResult> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const buf = await readWhole(handle, size, file);
  let raw: Buffer;
  try {
    raw = gunzipSync(buf, { maxOutputLength: maxBytes });
  } catch (e) {
    const big = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || /buffer|length/i.test((e as Error).message);
    throw new DataError(file, undefined, big ? `it unpacks to more than the limit (${(maxBytes / 2 ** 20).toFixed(0)} MiB)` : `not a readable gzip file (${(e as Error).message})`, big ? 'take a part of it, or raise the limit' : 'check that the download is complete');
  }
  if (raw.includes(0)) throw new DataError(file, undefined, 'the file inside the gzip is binary, not text', 'unpack it and import the file inside if it is a workbook or Parquet file');
  let text: string;
  const notes = [`gzip: ${(size / 2 ** 10).toFixed(0)} KiB unpacked to ${(raw.length / 2 ** 10).toFixed(0)} KiB`];
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    text = new TextDecoder('windows-1252').decode(raw);
    notes.push('read as Windows-1252 (Western European): not valid UTF-8');
  }
  const inner = file.replace(/\.(gz|gzip)$/i, '');
  const r = parseString(text, inner, opts.format === undefined ? 'auto' : opts.format);
  opts.onProgress?.({ bytesRead: size, bytesTotal: size, rows: rowsOf(r.parsed) });
  return { parsed: r.parsed, format: r.format, reason: `${r.reason}, inside gzip`, bytes: size, sha256: createHash('sha256').update(buf).digest('hex'), notes: [...notes, ...r.notes] };
}

/** An .xlsx workbook: read whole (within the size limit already checked), its first sheet as the table. */
async function readWorkbook(handle: FileHandle, size: number, file: string, opts: ParseOptions): Promise<ParseResult> {
  const buf = await readWhole(handle, size, file, (at) => opts.onProgress?.({ bytesRead: at, bytesTotal: size, rows: 0 }));
  const { table, notes } = readXlsx(buf, file);
  opts.onProgress?.({ bytesRead: size, bytesTotal: size, rows: table.rows });
  return { parsed: table, format: 'xlsx', reason: 'an Excel workbook (.xlsx): its first sheet', bytes: size, sha256: createHash('sha256').update(buf).digest('hex'), notes };
}

/** A Parquet file: hashed as it is read through once, then decoded a row group at a time (formats/parquet.ts). */
async function readNpyFile(handle: FileHandle, path: string, size: number, file: string, opts: ParseOptions): Promise<ParseResult> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (size > maxBytes) throw new DataError(file, undefined, `${(size / 2 ** 20).toFixed(0)} MiB, more than the limit (${(maxBytes / 2 ** 20).toFixed(0)} MiB)`, 'save a part of the array');
  const bytes = await readWhole(handle, size, file, (n) => opts.onProgress?.({ bytesRead: n, bytesTotal: size, rows: 0 }));
  const { parsed, notes, extra } = await parseNpy(path, bytes, file, maxBytes);
  const hash = createHash('sha256').update(bytes);
  if (extra) hash.update(`\0${extra.name}\0`).update(extra.bytes);
  return { parsed, format: 'npy', reason: 'a NumPy array (.npy)', bytes: size + (extra?.bytes.length ?? 0), sha256: hash.digest('hex'), notes };
}

async function readParquetFile(handle: FileHandle, path: string, size: number, file: string, opts: ParseOptions): Promise<ParseResult> {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  for (let at = 0; at < size; ) {
    const { bytesRead: n } = await handle.read(buf, 0, Math.min(CHUNK, size - at), at);
    if (n === 0) throw new DataError(file, undefined, `the file shrank or vanished while being read (${at} of ${size} bytes read)`, 'wait until the file is completely written, then import it again');
    hash.update(buf.subarray(0, n));
    at += n;
  }
  const { table, notes } = await readParquet(path, file, (rows) => opts.onProgress?.({ bytesRead: size, bytesTotal: size, rows }));
  return { parsed: table, format: 'parquet', reason: 'an Apache Parquet file', bytes: size, sha256: hash.digest('hex'), notes };
}

/** Line `k` of the chunk (0 = its first) read as Windows-1252, quoted and clipped: what the note shows. */
function legacySample(chunk: Uint8Array, k: number): string {
  let start = 0;
  for (let i = 0; i < k; i++) start = chunk.indexOf(10, start) + 1;
  const end = chunk.indexOf(10, start);
  const text = new TextDecoder('windows-1252').decode(chunk.subarray(start, end < 0 ? chunk.length : end)).trim();
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** A file that is not UTF-8 but reads as text in a single-byte encoding (parseOneFile reads it again so). */
class LegacyEncoding extends Error {
  constructor(
    readonly line: number,
    readonly sample: string,
  ) {
    super('legacy encoding');
  }
}

/**
 * Whether bytes that are not UTF-8 look like text in a single-byte encoding rather than binary data: no control
 * characters but tab, line breaks and form feed, and at most a fifth of the bytes above ASCII (accents, not noise).
 */
function looksLikeLegacyText(bytes: Uint8Array): boolean {
  let high = 0;
  for (const b of bytes) {
    if ((b < 0x20 && b !== 9 && b !== 10 && b !== 12 && b !== 13) || b === 0x7f) return false;
    if (b >= 0x80) high++;
  }
  return high <= bytes.length / 5;
}

async function readText(path: string, file: string, opts: ParseOptions, encoding: 'utf-8' | 'windows-1252'): Promise<ParseResult> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK); // a FIFO must not block the open
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENXIO') throw new DataError(file, undefined, 'this is a socket, not a file', 'only regular files are read; save the data to a file first');
    if (code === 'ENOENT') throw new DataError(file, undefined, 'no such file', `check the path: ${path}`);
    if (code === 'EACCES' || code === 'EPERM') throw new DataError(file, undefined, 'permission denied', 'make the file readable, or copy it somewhere you can read');
    if (code === 'EISDIR') throw new DataError(file, undefined, 'this is a folder, not a file', 'choose a file inside it');
    throw new DataError(file, undefined, `cannot open: ${(e as Error).message}`);
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw new DataError(file, undefined, 'this is a folder, not a file', 'choose a file inside it');
    if (!st.isFile()) throw new DataError(file, undefined, `this is ${kindOf(st)}, not a regular file`, 'only regular files are read; save the data to a file first');
    const size = st.size;
    if (size === 0) throw new DataError(file, undefined, 'the file is empty', 'choose a file with data in it');
    if (size > maxBytes) throw new DataError(file, undefined, `${(size / 2 ** 20).toFixed(0)} MiB is more than the limit (${(maxBytes / 2 ** 20).toFixed(0)} MiB)`, 'split the file, or raise the limit');

    const hash = createHash('sha256');
    const decoder = new TextDecoder(encoding, { fatal: encoding === 'utf-8' });
    const buf = Buffer.allocUnsafe(CHUNK);
    let bytesRead = 0;
    let lineBase = 1; // line of the first byte of the current chunk
    let sink: Sink | undefined;
    let det: { format: FormatName; reason: string } | undefined;
    let headText = '';
    let lastReport = Date.now();
    let anyText = false;
    const report = (): void => opts.onProgress?.({ bytesRead, bytesTotal: size, rows: sink?.rows ?? 0 });
    report();

    const feed = (text: string, final: boolean): void => {
      if (!anyText && text.replace(/^\uFEFF/, '').trim() !== '') anyText = true;
      if (!sink) {
        headText += text;
        if (headText.length < HEAD_BYTES && !final) return;
        if (!anyText) return; // nothing yet (only whitespace): the empty check below says so
        det = !opts.format || opts.format === 'auto' ? detectFormat(file, headText.slice(0, HEAD_BYTES), final) : { format: opts.format, reason: 'chosen' };
        sink = makeSink(det.format, file, headText.slice(0, HEAD_BYTES), final && headText.length <= HEAD_BYTES);
        text = headText;
        headText = '';
      }
      if (text) sink.push(text);
    };

    while (bytesRead < size) {
      const { bytesRead: n } = await handle.read(buf, 0, Math.min(CHUNK, size - bytesRead), bytesRead);
      if (n === 0) {
        throw new DataError(file, undefined, `the file shrank or vanished while being read (${bytesRead} of ${size} bytes read)`, 'wait until the file is completely written, then import it again');
      }
      const chunk = buf.subarray(0, n);
      if (bytesRead === 0 && encoding === 'utf-8') {
        // a workbook: Excel's .xlsx (a ZIP) is read whole; the older binary .xls is refused by name
        if (chunk.length >= 4 && chunk.readUInt32LE(0) === 0x04034b50 && (opts.format === undefined || opts.format === 'auto' || opts.format === 'xlsx')) return await readWorkbook(handle, size, file, opts);
        // gzip (a .csv.gz, .tsv.gz, .json.gz): the text inside, read as that file would be
        if (chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b) return await readGzip(handle, size, file, opts);
        // NumPy's .npy (np.save): read whole, with its labels file beside it
        if (chunk.length >= 6 && chunk.toString('latin1', 0, 6) === NPY_MAGIC && (opts.format === undefined || opts.format === 'auto' || opts.format === 'npy')) return await readNpyFile(handle, path, size, file, opts);
        // Apache Parquet: "PAR1" at both ends
        if (chunk.length >= 4 && chunk.toString('latin1', 0, 4) === 'PAR1' && (opts.format === undefined || opts.format === 'auto' || opts.format === 'parquet')) return await readParquetFile(handle, path, size, file, opts);
        if (chunk.length >= 8 && chunk.readUInt32BE(0) === 0xd0cf11e0 && chunk.readUInt32BE(4) === 0xa1b11ae1)
          throw new DataError(file, undefined, 'an Excel 97–2003 workbook (.xls) or another old Office file: not read', 'save it as .xlsx (Excel Workbook) or as CSV UTF-8');
      }
      hash.update(chunk);
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        throw new DataError(file, lineBase + countNewlines(chunk.subarray(0, nul)), 'this looks like a binary file, not text (it contains NUL bytes)', 'export the data as CSV, TSV, JSON or plain text saved as UTF-8 (UTF-16 files also contain NUL bytes)');
      }
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        const line = lineBase + invalidUtf8Line(chunk) - 1;
        if (looksLikeLegacyText(chunk)) throw new LegacyEncoding(line, legacySample(chunk, line - lineBase));
        throw new DataError(file, line, 'not valid UTF-8 text', 'save the file as UTF-8 (in a spreadsheet: "CSV UTF-8"; in an editor: encoding UTF-8)');
      }
      lineBase += countNewlines(chunk);
      bytesRead += n;
      feed(text, false);
      const now = Date.now();
      if (now - lastReport >= 100) {
        lastReport = now;
        report();
      }
    }
    let tail: string;
    try {
      tail = decoder.decode();
    } catch {
      throw new DataError(file, lineBase, 'not valid UTF-8 text: the file ends inside a character', 'save the file as UTF-8');
    }
    feed(tail, true);
    if (!anyText || !sink || !det) throw new DataError(file, undefined, 'the file is empty (only blank space)', 'choose a file with data in it');

    // The file must be the one we started on: same size and not replaced or removed.
    const after = await stat(path).catch(() => undefined);
    if (!after) throw new DataError(file, undefined, 'the file vanished while being read', 'import it again once it is in place');
    if (after.size !== size || after.mtimeMs !== st.mtimeMs || after.ino !== st.ino) {
      throw new DataError(file, undefined, 'the file changed while being read', 'wait until the file is completely written, then import it again');
    }
    const parsed = sink.finish();
    opts.onProgress?.({ bytesRead, bytesTotal: size, rows: rowsOf(parsed) });
    return { parsed, format: det.format, reason: det.reason, bytes: size, sha256: hash.digest('hex'), notes: sink.notes() };
  } finally {
    await handle.close();
  }
}
