// Apache Parquet files (`.parquet`: Hugging Face datasets, pandas and Spark exports) → a table, read with hyparquet
// (pure JavaScript, MIT, snappy built in) a row group at a time into the same table builder a CSV goes through, so
// columns are typed as any table's are. Values: numbers and 64-bit integers as numbers, dates and timestamps as ISO
// text, booleans as TRUE/FALSE, a list of strings as the lines of one text, a struct of plain values as a column per
// field ("translation.en"), other nested values as JSON text (said).
// A Hugging Face file names its classes in its metadata (ClassLabel features): a label column reads as those names,
// and a list of tokens beside a list of as many tags per row (conll2003, wnut_17: tokens, ner_tags) is tagged
// sentences, as a CoNLL file is.

import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { DataError, type ParsedTable, type ParsedTagged } from '../parsed';
import { isFlat } from './json';
import { TableBuilder } from './table';

/** A parquet value as the table builder takes it (numbers, strings, null). */
function cell(v: unknown, nested: { count: number }): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v; // lines of one text
  nested.count++;
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x));
}

/** Class names per column from a Hugging Face file's features (`ClassLabel`, or a `Sequence` / list of one). */
function huggingFaceClasses(kv: { key: string; value?: string }[] | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const raw = kv?.find((x) => x.key === 'huggingface')?.value;
  if (!raw) return out;
  try {
    const features = (JSON.parse(raw) as { info?: { features?: Record<string, unknown> } }).info?.features ?? {};
    for (const [name, f] of Object.entries(features)) {
      const node = f as { _type?: string; names?: unknown; feature?: { _type?: string; names?: unknown } };
      const label = node._type === 'ClassLabel' ? node : (node._type === 'Sequence' || node._type === 'List') && node.feature?._type === 'ClassLabel' ? node.feature : undefined;
      if (label && Array.isArray(label.names) && label.names.every((x) => typeof x === 'string')) out.set(name, label.names as string[]);
    }
  } catch {
    // metadata that does not parse: the numbers stay numbers
  }
  return out;
}

/** The token column and the tag column of token classification: lists of equal length on every row. */
function tokenLists(names: string[], first: unknown[][]): { tokens: number; tags: number } | undefined {
  const lists = names.map((_, c) => first.length > 0 && first.every((r) => Array.isArray(r[c])));
  const tokens = names.findIndex((n, c) => lists[c] && first.every((r) => (r[c] as unknown[]).every((x) => typeof x === 'string')) && /token|word/i.test(n));
  if (tokens < 0) return undefined;
  const same = names.map((_, c) => c !== tokens && lists[c] && first.every((r) => (r[c] as unknown[]).length === (r[tokens] as unknown[]).length));
  const tagColumns = names.map((n, c) => (same[c] ? c : -1)).filter((c) => c >= 0);
  if (tagColumns.length === 0) return undefined;
  // named entities first (a person tags those), else the last list of tags
  return { tokens, tags: tagColumns.find((c) => /ner|entit/i.test(names[c])) ?? tagColumns[tagColumns.length - 1] };
}

export async function readParquet(path: string, file: string, onRows?: (rows: number) => void): Promise<{ table: ParsedTable | ParsedTagged; notes: string[] }> {
  let buffer;
  let metadata;
  try {
    buffer = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(buffer);
  } catch (e) {
    throw new DataError(file, undefined, `not a readable Parquet file (${(e as Error).message})`, 'check that the download is complete, or export the data as CSV');
  }
  const names = parquetSchema(metadata).children.map((c) => c.element.name);
  if (names.length === 0) throw new DataError(file, undefined, 'the Parquet file has no columns', 'choose a file with data in it');
  const total = Number(metadata.num_rows);
  const classes = huggingFaceClasses(metadata.key_value_metadata);
  const named = (c: number, v: unknown): unknown => {
    const list = classes.get(names[c]);
    if (!list) return v;
    const name = (x: unknown): unknown => (typeof x === 'number' || typeof x === 'bigint' ? (list[Number(x)] ?? (Number(x) < 0 ? null : String(x))) : x);
    return Array.isArray(v) ? v.map(name) : name(v);
  };
  const b = new TableBuilder({ file, names: [] });
  const columns = new Map<string, number>();
  const slot = (k: string): number => {
    let c = columns.get(k);
    if (c === undefined) columns.set(k, (c = b.addColumn(k)));
    return c;
  };
  const nested = { count: 0 };
  const sentences: ParsedTagged['sentences'] = [];
  let lists: { tokens: number; tags: number } | undefined | null = null; // null: not decided yet
  let row = 0;
  // a row group at a time: the decoded rows of one group at most in memory beside the table
  for (const group of metadata.row_groups) {
    const n = Number(group.num_rows);
    let rows: unknown[][] = [];
    try {
      await parquetRead({ file: buffer, metadata, rowStart: row, rowEnd: row + n, onComplete: (r: unknown[][]) => (rows = r) });
    } catch (e) {
      throw new DataError(file, undefined, `rows ${row + 1}–${row + n} cannot be read (${(e as Error).message})`, 'check that the download is complete, or export the data as CSV');
    }
    if (lists === null) lists = tokenLists(names, rows.slice(0, 200));
    for (const r of rows) {
      row++;
      if (lists) {
        const tokens = r[lists.tokens] as string[];
        const tags = (named(lists.tags, r[lists.tags]) as unknown[]).map((t) => String(t));
        if (tokens.length > 0 && tokens.length === tags.length) sentences.push({ tokens, tags, line: row });
      } else {
        const values: unknown[] = [];
        r.forEach((v, c) => {
          // a struct of plain values ({"en": …, "fr": …}: opus_books' translation) is a column per field
          if (isFlat(v)) for (const f in v) values[slot(`${names[c]}.${f}`)] = cell(v[f], nested);
          else values[slot(names[c])] = cell(named(c, v), nested);
        });
        b.addValues(values, row);
      }
    }
    onRows?.(row);
  }
  if (row === 0) throw new DataError(file, undefined, 'the Parquet file has no rows', 'choose a file with data in it');
  const notes = [`Parquet: ${total.toLocaleString('en')} rows in ${metadata.row_groups.length} row group${metadata.row_groups.length > 1 ? 's' : ''}, ${names.length} columns`];
  const namedColumns = names.filter((n) => classes.has(n));
  if (namedColumns.length) notes.push(`class names from the file's Hugging Face features: ${namedColumns.map((n) => `"${n}" (${classes.get(n)!.slice(0, 4).join(', ')}${classes.get(n)!.length > 4 ? ', …' : ''})`).join(', ')}`);
  if (lists) {
    const counts = new Map<string, number>();
    for (const s2 of sentences) for (const t of s2.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
    notes.push(`tagged sentences: the tokens of "${names[lists.tokens]}", each tagged by "${names[lists.tags]}"${names.length > 2 ? ` (${names.filter((_, c) => c !== lists!.tokens && c !== lists!.tags).join(', ')} not read)` : ''}`);
    return { table: { kind: 'tagged', sentences, tags: [...counts].map(([value, count]) => ({ value, count })).sort((a, c) => c.count - a.count || (a.value < c.value ? -1 : 1)) }, notes };
  }
  const table = b.finish();
  if (nested.count) notes.push(`${nested.count.toLocaleString('en')} nested values (lists, structs) read as JSON text`);
  return { table, notes: [...notes, ...b.notes] };
}
