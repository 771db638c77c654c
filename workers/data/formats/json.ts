// JSON and JSONL → Parsed. The same mapping for a JSON array's items and a JSONL file's lines:
//   numbers (null = missing)                 → a one-column table "value" (a series)
//   arrays of numbers / of equal-width arrays → sequences (steps × features)
//   strings                                  → text, one item per line
//   objects                                  → a table (keys → columns, in first-seen order; a field holding an
//                                                object of plain values is a column per field: "translation.en")
//   objects with one array field              → labelled sequences (the label: a `label`/`class`/`target`/`y` key,
//                                                or the only other scalar key; an `id` key names the sequence)
//   objects with a list of tokens and a list of as many tags ({"tokens": […], "ner_tags": […]}, Hugging Face's
//                                                token classification) → tagged sentences (NER tags first)
//   arrays of scalars with strings ([text, label]) → a table, columns named by position
// An object whose every value is such an array (`{"train": [...], "val": [...], "test": [...]}`) is one table with a
// column "split" (the key of each record's array), which the proposal honours as the split.
// A top-level object holding one array (`{"data": [...]}`) is that array; an object of equal-length arrays is a
// table by columns, and so are pandas' DataFrame.to_json orients "split", "columns" and "index". Nesting is limited
// (checked before JSON.parse, so deep input cannot blow the stack), and so is the size of a JSON document (JSONL
// streams line by line).

import { DataError, type Parsed, type ParsedSequences, type ParsedTable, type ParsedTagged } from '../parsed';
import { LineSplitter } from './lines';
import { TableBuilder } from './table';

/**
 * Whether the one array field of `o` is a detail of a record rather than its data (a sequence): a few numbers among
 * more than three other fields, or beside a text of several words (a review with its "helpful": [2, 3] votes).
 */
function recordAround(o: Record<string, unknown>, array: string): boolean {
  const others = Object.keys(o).filter((k) => k !== array);
  return (o[array] as unknown[]).length <= 4 && (others.length > 3 || others.some((k) => typeof o[k] === 'string' && (o[k] as string).trim().split(/\s+/).length >= 5));
}

export const MAX_JSON_DEPTH = 64;
export const MAX_JSON_CHARS = 256 * 2 ** 20;

/** Throws a DataError where `text` nests deeper than MAX_JSON_DEPTH (a linear scan, strings skipped). */
export function checkJsonDepth(text: string, file: string, firstLine = 1): void {
  let depth = 0;
  let line = firstLine;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // skip the string
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
        else if (d === 10) line++;
      }
    } else if (c === 91 || c === 123) {
      if (++depth > MAX_JSON_DEPTH) throw new DataError(file, line, `JSON nested more than ${MAX_JSON_DEPTH} levels deep`, 'flatten the data: records of numbers, strings or arrays of numbers');
    } else if (c === 93 || c === 125) depth--;
    else if (c === 10) line++;
  }
}

export function parseJsonText(text: string, file: string, firstLine = 1): unknown {
  checkJsonDepth(text, file, firstLine);
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    let line = firstLine;
    if (pos) for (let i = 0, p = Math.min(+pos[1], text.length); i < p; i++) if (text.charCodeAt(i) === 10) line++;
    throw new DataError(file, pos || firstLine > 1 ? line : undefined, `not valid JSON: ${msg.length > 120 ? msg.slice(0, 120) + '…' : msg}`, 'check the brackets, commas and quotes near this line (JSON needs double quotes)');
  }
}

type ItemKind = 'number' | 'string' | 'sequence' | 'object' | 'row';
const LABEL_KEY = /^(label|labels|class|category|target|y|tag)$/i;
const ID_KEY = /^(id|sequence_?id|seq_?id|name|key)$/i;

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Array of numbers (null → NaN) or of equal-width arrays of numbers → steps, or undefined when it is neither. */
function toSteps(v: unknown): Float64Array[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const steps: Float64Array[] = new Array(v.length);
  let width = -1;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x === 'number' || x === null) {
      if (width > 1) return undefined;
      width = 1;
      steps[i] = Float64Array.of(x === null ? NaN : x);
    } else if (Array.isArray(x)) {
      if (width !== -1 && width !== x.length) return undefined;
      width = x.length;
      const s = new Float64Array(x.length);
      for (let k = 0; k < x.length; k++) {
        const y = x[k];
        if (typeof y === 'number') s[k] = y;
        else if (y === null) s[k] = NaN;
        else return undefined;
      }
      steps[i] = s;
    } else return undefined;
  }
  return steps;
}

/** Maps a stream of JSON values (array items or JSONL lines) to one Parsed. */
/**
 * A record of plain values (strings, numbers, booleans, nulls; at most 20 fields), read as a column per field: a JSON
 * object in a field, a Parquet struct.
 */
export function isFlat(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x) || x instanceof Date) return false;
  const vs = Object.values(x);
  return vs.length > 0 && vs.length <= 20 && vs.every((v) => v === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof v));
}

/** A list of tokens ({"tokens": […]}) and the lists of tags beside it (ner_tags, pos_tags, labels…). */
const TOKENS_KEY = /^(tokens?|words?)$/i;
const TAGS_KEY = /(^|_)(ner|pos|upos|xpos|chunk|tags?|labels?)(_|$)/i;

export class JsonValuesBuilder {
  private kind: ItemKind | undefined;
  private table?: TableBuilder;
  private columns = new Map<string, number>();
  private strings: string[] = [];
  private seqs: ParsedSequences['sequences'] = [];
  private width = -1;
  private seqKey?: string;
  private labelKey?: string;
  private idKey?: string;
  private nulls = 0;
  /** Records of tokens and as many tags ({"tokens": […], "ner_tags": […]}, Hugging Face's token classification). */
  private tagKeys?: { tokens: string; tags: string; others: string[] };
  private sentences: ParsedTagged['sentences'] = [];
  count = 0;

  /** A column added to every record (the split a record came from), with its current value. */
  private extra?: { name: string; value: string };

  constructor(
    readonly file: string,
    private readonly what: 'item' | 'line',
  ) {}

  /** Every record added from now on gets `name` = `value` (tables only). */
  tag(name: string, value: string): void {
    this.extra = { name, value };
  }

  add(v: unknown, line: number): void {
    const index = this.count++;
    if (v === null && (this.kind === undefined || this.kind === 'number')) {
      if (this.kind === undefined) this.nulls++;
      else this.table!.addValues([null], line);
      return;
    }
    if (this.kind === undefined) this.start(v, line);
    const where = this.what === 'item' ? `item ${index + 1}` : 'this line';
    const wrong = (expected: string): never => {
      throw new DataError(this.file, line, `${where} is ${describe(v)}, but the first ${this.what} is ${expected}`, `make every ${this.what} the same kind of value`);
    };
    switch (this.kind) {
      case 'number':
        if (typeof v !== 'number') wrong('a number');
        this.table!.addValues([v], line);
        break;
      case 'string':
        if (typeof v !== 'string') wrong('a string');
        this.strings.push(v as string);
        break;
      case 'sequence': {
        const steps = toSteps(v);
        if (!steps) wrong('an array of numbers (or of equal-width arrays of numbers)');
        this.addSequence(String(index + 1), steps!, undefined, line);
        break;
      }
      case 'row': {
        if (!Array.isArray(v) || v.some((x) => x !== null && typeof x === 'object')) wrong('an array of strings and numbers');
        const row = v as unknown[];
        if (row.length !== this.width) throw new DataError(this.file, line, `${where} has ${row.length} values; the first has ${this.width}`, `give every ${this.what} the same number of values`);
        this.table!.addValues(this.withExtra(row), line);
        break;
      }
      case 'object': {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) wrong('an object');
        const o = v as Record<string, unknown>;
        if (this.tagKeys) {
          const tokens = o[this.tagKeys.tokens];
          const tags = o[this.tagKeys.tags];
          if (!Array.isArray(tokens) || !Array.isArray(tags) || tokens.length !== tags.length)
            throw new DataError(this.file, line, `"${this.tagKeys.tokens}" and "${this.tagKeys.tags}" are not two lists of the same length here`, 'give every record one tag per token');
          if (tokens.length > 0) this.sentences.push({ tokens: tokens.map(String), tags: tags.map(String), line });
          break;
        }
        if (this.seqKey !== undefined) {
          const steps = toSteps(o[this.seqKey]);
          if (!steps) throw new DataError(this.file, line, `"${this.seqKey}" is not an array of numbers here`, `give every ${this.what} a "${this.seqKey}" array of numbers`);
          const label = this.labelKey !== undefined && o[this.labelKey] !== undefined && o[this.labelKey] !== null ? String(o[this.labelKey]) : undefined;
          const id = this.idKey !== undefined && o[this.idKey] !== undefined ? String(o[this.idKey]) : String(index + 1);
          this.addSequence(id, steps, label, line);
          break;
        }
        const values: unknown[] = [];
        if (this.extra) {
          let c = this.columns.get(this.extra.name);
          if (c === undefined) {
            c = this.table!.addColumn(this.extra.name);
            this.columns.set(this.extra.name, c);
          }
          values[c] = this.extra.value;
        }
        const put = (k: string, x: unknown): void => {
          let c = this.columns.get(k);
          if (c === undefined) {
            c = this.table!.addColumn(k);
            this.columns.set(k, c);
          }
          values[c] = x;
        };
        for (const k in o) {
          // an object of plain values ({"translation": {"en": …, "fr": …}}) is a column per field: translation.en …;
          // a few numbers (Amazon's "helpful": [2, 3]) a column each: helpful.1, helpful.2
          const x = o[k];
          if (isFlat(x)) for (const f in x) put(`${k}.${f}`, x[f]);
          else if (Array.isArray(x) && x.length > 0 && x.length <= 4 && x.every((y) => typeof y === 'number')) x.forEach((y, i) => put(`${k}.${i + 1}`, y));
          else put(k, x);
        }
        this.table!.addValues(values, line);
        break;
      }
    }
  }

  private start(v: unknown, line: number): void {
    if (typeof v === 'number') {
      this.kind = 'number';
      this.table = new TableBuilder({ file: this.file, names: ['value'], header: false });
      for (let i = 0; i < this.nulls; i++) this.table.addValues([null], line);
    } else if (this.nulls > 0) {
      throw new DataError(this.file, line, `null before the first ${describe(v).replace(/^an? /, '')}`, 'remove the nulls');
    } else if (typeof v === 'string') this.kind = 'string';
    else if (Array.isArray(v)) {
      if (toSteps(v)) this.kind = 'sequence';
      else if (v.length > 0 && v.every((x) => x === null || typeof x === 'string' || typeof x === 'number') && v.some((x) => typeof x === 'string')) {
        this.kind = 'row';
        this.width = v.length;
        const names = Array.from({ length: v.length }, (_, i) => String(i + 1));
        this.table = new TableBuilder({ file: this.file, names: this.extra ? [...names, this.extra.name] : names, header: false });
      } else throw new DataError(this.file, line, 'an array that is not numbers (or equal-width arrays of numbers)', 'sequences are arrays of numbers, e.g. [[1, 2], [3, 4]]');
    } else if (v !== null && typeof v === 'object') {
      this.kind = 'object';
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      const arrays = keys.filter((k) => Array.isArray(o[k]));
      const tokenKey = arrays.find((k) => TOKENS_KEY.test(k) && (o[k] as unknown[]).every((x) => typeof x === 'string'));
      const tagKeys = arrays.filter((k) => k !== tokenKey && TAGS_KEY.test(k) && tokenKey !== undefined && (o[k] as unknown[]).length === (o[tokenKey] as unknown[]).length);
      if (tokenKey !== undefined && tagKeys.length > 0) {
        // named entities first (a person tags those), else the last list of tags
        const tags = tagKeys.find((k) => /ner|entit/i.test(k)) ?? tagKeys[tagKeys.length - 1];
        this.tagKeys = { tokens: tokenKey, tags, others: keys.filter((k) => k !== tokenKey && k !== tags) };
      } else if (arrays.length === 1 && toSteps(o[arrays[0]]) && !recordAround(o, arrays[0])) {
        this.seqKey = arrays[0];
        const scalars = keys.filter((k) => k !== this.seqKey && (typeof o[k] === 'string' || typeof o[k] === 'number'));
        this.idKey = scalars.find((k) => ID_KEY.test(k));
        const rest = scalars.filter((k) => k !== this.idKey);
        this.labelKey = rest.find((k) => LABEL_KEY.test(k)) ?? (rest.length === 1 ? rest[0] : undefined);
      } else this.table = new TableBuilder({ file: this.file, names: [] });
    } else {
      throw new DataError(this.file, line, `${describe(v)} is not data this importer reads`, 'use numbers, strings, arrays of numbers or objects');
    }
  }

  private withExtra(row: unknown[]): unknown[] {
    return this.extra ? [...row, this.extra.value] : row;
  }

  private addSequence(id: string, steps: Float64Array[], label: string | undefined, line: number): void {
    if (steps.length === 0) throw new DataError(this.file, line, 'an empty sequence', 'remove it, or give it at least one step');
    const w = steps[0].length;
    if (this.width === -1) this.width = w;
    else if (w !== this.width) throw new DataError(this.file, line, `a sequence with ${w} features per step; earlier ones have ${this.width}`, 'give every step the same number of features');
    this.seqs.push({ id, steps, ...(label !== undefined ? { label } : {}), line });
  }

  finish(): Parsed {
    switch (this.kind) {
      case undefined:
        throw new DataError(this.file, undefined, this.nulls ? 'only nulls, no data' : 'no data (an empty array or no lines)', 'add records');
      case 'number':
        return this.table!.finish();
      case 'string': {
        const text = this.strings.join('\n');
        return { kind: 'text', text, lines: this.strings.length };
      }
      case 'row':
        return this.table!.finish();
      case 'sequence':
      case 'object':
        if (this.tagKeys) {
          if (this.sentences.length === 0) throw new DataError(this.file, undefined, 'no record has tokens', 'add records with tokens and their tags');
          const counts = new Map<string, number>();
          for (const x of this.sentences) for (const t of x.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
          return { kind: 'tagged', sentences: this.sentences, tags: [...counts].map(([value, n]) => ({ value, count: n })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)) };
        }
        if (this.kind === 'sequence' || this.seqKey !== undefined) {
          const featureNames = this.width === 1 ? ['value'] : Array.from({ length: this.width }, (_, i) => String(i + 1));
          return { kind: 'sequences', sequences: this.seqs, featureNames };
        }
        // the records' keys name the columns, as a header does
        return this.table!.finish();
    }
  }
}

/** A whole JSON document. */
export function parseJson(text: string, file = 'input'): Parsed {
  if (text.length > MAX_JSON_CHARS) throw new DataError(file, undefined, `a JSON document over ${MAX_JSON_CHARS / 2 ** 20} MiB`, 'use JSONL (one record per line) for large data');
  let v = parseJsonText(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file);
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    const arrays = keys.filter((k) => Array.isArray(o[k]));
    const records = (x: unknown): boolean => Array.isArray(x) && x.length > 0 && x.every((y) => y !== null && typeof y === 'object');
    if (arrays.length === 1 && keys.length <= 3) v = o[arrays[0]];
    else if (keys.length >= 2 && keys.every((k) => records(o[k]))) {
      // {"train": [...], "val": [...], …}: one table, the key of each record's array in a column "split"
      const b = new JsonValuesBuilder(file, 'item');
      let i = 0;
      for (const k of keys) {
        b.tag('split', k);
        for (const item of o[k] as unknown[]) b.add(item, ++i);
      }
      return b.finish();
    } else if (isSplitFrame(o)) return pandasFrame(o, file)!;
    else if (keys.length > 0 && arrays.length === keys.length && new Set(arrays.map((k) => (o[k] as unknown[]).length)).size === 1) {
      const n = (o[keys[0]] as unknown[]).length;
      const t = new TableBuilder({ file, names: keys });
      for (let i = 0; i < n; i++) t.addValues(keys.map((k) => (o[k] as unknown[])[i]), i + 1);
      return t.finish();
    } else {
      const frame = pandasFrame(o, file);
      if (frame) return frame;
      throw new DataError(file, 1, 'a JSON object, not an array of records', 'give an array ([...]) of numbers, strings, arrays or objects, or an object of equal-length column arrays');
    }
  }
  if (typeof v === 'string') return { kind: 'text', text: v, lines: v.split('\n').length };
  if (!Array.isArray(v)) throw new DataError(file, 1, `the JSON document is ${describe(v)}, not an array`, 'give an array ([...]) of records');
  const b = new JsonValuesBuilder(file, 'item');
  for (let i = 0; i < v.length; i++) b.add(v[i], i + 1);
  return b.finish();
}

/**
 * A table as pandas writes one (DataFrame.to_json): orient "split" ({"columns": […], "index": […], "data": [[…], …]}),
 * "columns", its default ({"sales": {"0": 100, "1": 102}, "temp": {…}}) or "index" ({"0": {"sales": 100, "temp": 20},
 * …}) — the outer keys are the columns or the rows, whichever are fewer being the columns. Undefined for other objects.
 */
function isSplitFrame(o: Record<string, unknown>): boolean {
  return Array.isArray(o.columns) && Array.isArray(o.data) && o.columns.every((c) => typeof c === 'string' || typeof c === 'number') && o.data.every((r) => Array.isArray(r) && r.length === (o.columns as unknown[]).length);
}

/** Cells a pandas frame may spread into at most, and the share of them that must be filled (not a sparse map). */
const MAX_FRAME_CELLS = 20_000_000;

function pandasFrame(o: Record<string, unknown>, file: string): ParsedTable | undefined {
  // the index is a column of its own where it says something (dates, names), not where it only counts 0, 1, 2 …
  const counting = (index: string[]): boolean => index.every((k, i) => k === String(i));
  if (isSplitFrame(o)) {
    const index = Array.isArray(o.index) && o.index.length === (o.data as unknown[]).length ? (o.index as unknown[]).map(String) : undefined;
    const keep = index && !counting(index);
    const t = new TableBuilder({ file, names: [...(keep ? ['index'] : []), ...(o.columns as unknown[]).map(String)] });
    (o.data as unknown[][]).forEach((r, i) => t.addValues(keep ? [index[i], ...r] : r, i + 1));
    return t.finish();
  }
  const outer = Object.keys(o);
  if (outer.length === 0 || !outer.every((k) => o[k] !== null && typeof o[k] === 'object' && !Array.isArray(o[k]) && Object.values(o[k] as object).every((v) => v === null || typeof v !== 'object'))) return undefined;
  const inner = [...new Set(outer.flatMap((k) => Object.keys(o[k] as object)))];
  const filled = outer.reduce((n, k) => n + Object.keys(o[k] as object).length, 0);
  if (outer.length * inner.length > MAX_FRAME_CELLS || filled < 0.8 * outer.length * inner.length) return undefined;
  // the rows are the keys that count (0, 1, 2 …) or name times; else whichever keys are more
  const rowsLike = (keys: string[]): boolean => counting(keys) || keys.every((k) => /^\d{9,13}$/.test(k) || !Number.isNaN(Date.parse(k)));
  const byColumns = rowsLike(inner) !== rowsLike(outer) ? rowsLike(inner) : outer.length <= inner.length;
  const [columns, rows] = byColumns ? [outer, inner] : [inner, outer];
  const keep = !counting(rows);
  const t = new TableBuilder({ file, names: [...(keep ? ['index'] : []), ...columns] });
  rows.forEach((r, i) => t.addValues([...(keep ? [/^\d{12,13}$/.test(r) ? new Date(Number(r)).toISOString() : r] : []), ...columns.map((c) => (byColumns ? (o[c] as Record<string, unknown>)[r] : (o[r] as Record<string, unknown>)[c]) ?? null)], i + 1));
  return t.finish();
}

/** JSONL, streamed: one JSON value per line (blank lines skipped); errors name the line. */
export class JsonlBuilder {
  private values: JsonValuesBuilder;
  private splitter: LineSplitter;

  constructor(readonly file: string) {
    this.values = new JsonValuesBuilder(file, 'line');
    this.splitter = new LineSplitter(file, (l, n) => {
      if (l.trim() === '') return;
      this.values.add(parseJsonText(l, file, n), n);
    });
  }

  get rows(): number {
    return this.values.count;
  }

  push(chunk: string): void {
    this.splitter.push(chunk);
  }

  finish(): Parsed {
    this.splitter.end();
    return this.values.finish();
  }
}

export function parseJsonl(text: string, file = 'input'): Parsed {
  const b = new JsonlBuilder(file);
  b.push(text);
  return b.finish();
}
