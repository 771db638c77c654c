// What the importer makes of a file, before any modelling choice: the contract between the format parsers
// (workers/data/formats/) and the dataset builders (workers/data/build/), which turn it into TrainingData for a
// chosen shape. Plain data, structured-cloneable (it crosses worker boundaries), no Node or DOM types.

import type { ColumnType, FormatName, ImportProgress } from '../../src-shared/dataset';
import type { DateForm } from './formats/dates';
import type { Problem } from '../../src-shared/errors';

export { FORMATS, type ColumnType, type FormatName, type ImportProgress } from '../../src-shared/dataset';

/** One column of a table, stored by type: numbers (NaN = missing) or strings ('' = missing). */
export interface Column {
  name: string;
  type: ColumnType;
  /** numeric: the values; date: milliseconds since 1970 (UTC); NaN where missing. */
  numbers?: Float64Array;
  /** categorical / text: the raw strings ('' where missing). */
  strings?: string[];
  /** How many cells were missing (empty, NA, N/A, null, NaN, ?, -). */
  missing: number;
  /** categorical: distinct values with their counts, most frequent first. */
  categories?: { value: string; count: number }[];
  /** date: how the dates were written. */
  dateForm?: DateForm;
  /** date: day-first and month-first both read every value (the more regular spacing decided). */
  ambiguousDates?: boolean;
  /** numeric: a filler value read as missing (−200 …) and how many cells held it. */
  sentinel?: { value: number; count: number };
  /** A key made of two columns of the table ("store+item"), not a column of the file: their names. */
  joins?: [string, string];
}

/** Rows × columns, from CSV/TSV, JSON/JSONL objects, or JSON arrays of numbers (one column per position). */
export interface ParsedTable {
  kind: 'table';
  columns: Column[];
  rows: number;
  /** 1-based line (or JSON record index) of each row in the file, for messages. */
  lineOfRow: Int32Array;
  /** Whether the first line was a header (CSV/TSV); column names are 1-based positions when not. */
  header: boolean;
  /** Field separator of CSV/TSV. */
  separator?: string;
  /** The column the file itself declares as what is predicted (ARFF's class: its last attribute, when nominal). */
  declaredTarget?: string;
}

/** One running text (plain-text files, or a JSON string / array of strings joined). */
export interface ParsedText {
  kind: 'text';
  text: string;
  /** Lines of the text (for word-level splitting and messages). */
  lines: number;
}

/** Token-per-line tagged sentences (CoNLL style). */
export interface ParsedTagged {
  kind: 'tagged';
  /** `split`: the split marker of the file a sentence came from (a folder of train / dev / test files). */
  sentences: { tokens: string[]; tags: string[]; line: number; split?: string }[];
  /** Distinct tags with counts, most frequent first. */
  tags: { value: string; count: number }[];
}

/** Source ⇥ target pairs (translation, spelling → phonemes…). */
export interface ParsedPairs {
  kind: 'pairs';
  pairs: { source: string; target: string; line: number; split?: string }[];
  /** What the source and the target are, where the file says (a parallel corpus's languages: ["en", "de"]). */
  names?: [string, string];
}

/** Independent sequences with an optional label each (JSON/JSONL arrays, long-format tables grouped by id). */
export interface ParsedSequences {
  kind: 'sequences';
  /** Each sequence: steps × features (numeric), the feature names, and an optional label. */
  sequences: {
    id: string;
    steps: Float64Array[];
    label?: string;
    /** A label for every step (per-step classification) instead of one per sequence. */
    stepLabels?: string[];
    /** The split marker of the sequence (train / validation / test), when the data names one. */
    split?: string;
    line: number;
  }[];
  featureNames: string[];
}

export type Parsed = ParsedTable | ParsedText | ParsedTagged | ParsedPairs | ParsedSequences;

/** How to read a file or folder (parse.ts). */
export interface ParseOptions {
  format?: FormatName | 'auto';
  onProgress?: (p: ImportProgress) => void;
  maxBytes?: number;
  /** Read sibling split files (train → test, dev) with a training file; default true. */
  siblings?: boolean;
}

export interface ParseResult {
  parsed: Parsed;
  format: FormatName;
  reason: string;
  bytes: number;
  sha256: string;
  /** Things the person should know that are not errors (ignored columns, separator used…). */
  notes: string[];
}

/**
 * A problem in a file a person gave us: where and why, and what to do about it. `problem`: when the reason is a
 * setting's (a column that is not there, a shape the data cannot train), that setting's problem, for each host to say
 * in its words (src-shared/settings.ts).
 */
export class DataError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly reason: string,
    readonly hint?: string,
    readonly problem?: Problem,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${reason}${hint ? ` (${hint})` : ''}`);
    this.name = 'DataError';
  }
}
