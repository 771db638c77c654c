// Opens the file a person chose and turns it into TrainingData: plain text → character-level next-step model,
// CSV/TSV → forecasting one numeric column. (The dataset issue adds every other format and an inspect step.)
// Errors name the file and, where there is one, the line.

import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { TrainSettings } from '../../src-shared/model';
import type { TrainingData } from '../engine/data-source';
import type { DataRequest } from '../protocol';
import { readCsvColumn, seriesData } from './series';
import { textData } from './text';

const MAX_BYTES = 2 ** 30;

/** The file's text, and its size and SHA-256 (recorded with a run, so a changed file is noticed). */
export interface TextFile {
  text: string;
  bytes: number;
  sha256: string;
}

export function readTextFile(path: string): string {
  return readTextFileWithHash(path).text;
}

export function readTextFileWithHash(path: string): TextFile {
  const name = basename(path);
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new Error(`${path} is a folder, not a file`);
    size = st.size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${path}: no such file`);
    if (code === 'EACCES') throw new Error(`${path}: permission denied`);
    throw e;
  }
  if (size === 0) throw new Error(`${name}: the file is empty`);
  if (size > MAX_BYTES) throw new Error(`${name}: ${(size / 2 ** 20).toFixed(0)} MiB is more than this version reads (1024 MiB)`);
  const bytes = readFileSync(path);
  if (bytes.subarray(0, 8192).includes(0)) throw new Error(`${name}: this looks like a binary file, not text`);
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
    return { text, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  } catch {
    throw new Error(`${name}:${firstInvalidUtf8Line(bytes)}: not valid UTF-8 text; save the file as UTF-8`);
  }
}

/** 1-based line of the first byte that breaks UTF-8 (a plain scan of lead and continuation bytes). */
export function firstInvalidUtf8Line(bytes: Uint8Array): number {
  let line = 1;
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    if (b === 10) line++;
    const n = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (n < 0) return line;
    for (let k = 1; k <= n; k++) if (i + k >= bytes.length || (bytes[i + k] & 0xc0) !== 0x80) return line;
    i += n + 1;
  }
  return line;
}

export function resolveFormat(req: DataRequest): 'text' | 'csv' {
  if (req.format === 'text') return 'text';
  if (req.format === 'csv' || req.format === 'tsv') return 'csv';
  const ext = extname(req.path).toLowerCase();
  return ext === '.csv' || ext === '.tsv' ? 'csv' : 'text';
}

export function loadTrainingData(req: DataRequest, settings: TrainSettings): TrainingData & { file: Omit<TextFile, 'text'> } {
  const { text, bytes, sha256 } = readTextFileWithHash(req.path);
  return { ...buildData(req, settings, text), file: { bytes, sha256 } };
}

function buildData(req: DataRequest, settings: TrainSettings, text: string): TrainingData {
  const name = basename(req.path);
  if (resolveFormat(req) === 'text') {
    return textData(text, { batchSize: settings.batchSize, sequenceLength: settings.sequenceLength, valFraction: req.valFraction, maxValidationChars: 200_000 });
  }
  const col = readCsvColumn(text, name, req.target);
  return seriesData(col.values, {
    batchSize: settings.batchSize,
    lookback: req.lookback ?? settings.sequenceLength,
    horizon: req.horizon ?? 1,
    valFraction: req.valFraction,
    seed: settings.seed,
    column: col.name,
    missingFilled: col.missingFilled,
  });
}
