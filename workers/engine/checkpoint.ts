// Checkpoint files: everything needed to resume a run exactly (parameters, optimiser moments, data position,
// carried TBPTT state) in one compact binary file, written atomically (write a temporary file, then rename).
//
// Layout (little-endian):  "SQCK" · u32 format version · u32 header bytes · header JSON (UTF-8) ·
//                          float32 arrays in header order · u32 CRC-32 of everything before it.
// A truncated or altered file fails the CRC check and is reported, never half-loaded.

import { closeSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { threadId } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import { FileRefused, openInside, readInside } from './safe-file';
import type { TrainerState } from './trainer';

export const CHECKPOINT_VERSION = 1;
const MAGIC = 0x4b435153; // "SQCK" read as a little-endian u32

interface Header {
  step: number;
  dataCursor: number;
  trainSeconds: number;
  arrays: { name: 'params' | 'moment1' | 'moment2' | 'carryH' | 'carryC'; length: number }[];
}

export function encodeCheckpoint(s: TrainerState): Uint8Array {
  const arrays: Header['arrays'] = [
    { name: 'params', length: s.params.length },
    { name: 'moment1', length: s.moment1.length },
    { name: 'moment2', length: s.moment2.length },
  ];
  if (s.carryH) arrays.push({ name: 'carryH', length: s.carryH.length });
  if (s.carryC) arrays.push({ name: 'carryC', length: s.carryC.length });
  const header = new TextEncoder().encode(JSON.stringify({ step: s.step, dataCursor: s.dataCursor, trainSeconds: s.trainSeconds, arrays } satisfies Header));
  const headerPadded = (header.length + 3) & ~3;
  const floats = arrays.reduce((a, b) => a + b.length, 0);
  const bytes = new Uint8Array(12 + headerPadded + floats * 4 + 4);
  const dv = new DataView(bytes.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, CHECKPOINT_VERSION, true);
  dv.setUint32(8, headerPadded, true);
  bytes.fill(0x20, 12, 12 + headerPadded);
  bytes.set(header, 12);
  let off = 12 + headerPadded;
  for (const a of arrays) {
    const src = s[a.name]!;
    bytes.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), off);
    off += src.byteLength;
  }
  dv.setUint32(off, crc32(bytes.subarray(0, off)), true);
  return bytes;
}

export function decodeCheckpoint(bytes: Uint8Array, file = 'checkpoint'): TrainerState {
  const fail = (why: string): never => {
    throw new Error(`${file}: ${why}`);
  };
  if (bytes.length < 16) fail('the file is truncated');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) fail('not a Sequence Studio checkpoint');
  const version = dv.getUint32(4, true);
  if (version > CHECKPOINT_VERSION) fail(`written by a newer Sequence Studio (format ${version}; this version reads ${CHECKPOINT_VERSION})`);
  const end = bytes.length - 4;
  if (dv.getUint32(end, true) !== crc32(bytes.subarray(0, end))) fail('the file is damaged or truncated (checksum mismatch)');
  const hLen = dv.getUint32(8, true);
  if (12 + hLen > end) fail('the header is truncated');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hLen)));
  } catch {
    return fail('the header is not valid JSON');
  }
  // The CRC only proves the file is whole, not that it is ours: check the header's shape before using it.
  const names = new Set(['params', 'moment1', 'moment2', 'carryH', 'carryC']);
  const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  if (typeof header !== 'object' || header === null || !finite(header.step) || !finite(header.dataCursor) || !finite(header.trainSeconds)) fail('the header lacks its step, data position or time');
  if (!Array.isArray(header.arrays) || header.arrays.length > names.size) fail('the header does not list its arrays');
  for (const a of header.arrays) {
    if (typeof a !== 'object' || a === null || !names.has(a.name) || !Number.isInteger(a.length) || a.length < 0) fail('the header names an unknown array or an impossible length');
  }
  let off = bytes.byteOffset + 12 + hLen;
  const state: Partial<TrainerState> = { step: header.step, dataCursor: header.dataCursor, trainSeconds: header.trainSeconds };
  const copy = new Uint8Array(bytes); // aligned copy so the float views start on 4-byte boundaries
  for (const a of header.arrays) {
    const n = a.length * 4;
    if (off - bytes.byteOffset + n > end) fail('the arrays are truncated');
    state[a.name] = new Float32Array(copy.buffer, off - bytes.byteOffset, a.length);
    off += n;
  }
  if (!state.params || !state.moment1 || !state.moment2) fail('parameters or optimiser state missing');
  return state as TrainerState;
}

/**
 * Writes a file atomically: a temporary file beside it, flushed, then renamed over the target. On failure (disk
 * full, read-only folder…) the temporary file is removed, the target keeps its old content, and the error says
 * what happened in words.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}${TMP_MARK}${process.pid}-${threadId}`;
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  try {
    let fd: number;
    try {
      fd = openSync(tmp, 'wx'); // never through a link planted at the temporary name
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      unlinkSync(tmp); // left by a kill of this pid's earlier life
      fd = openSync(tmp, 'wx');
    }
    try {
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path); // replaces a link at `path` itself, never the file it points to
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // it may never have been created
    }
    throw new Error(describeWriteError(e, path));
  }
  syncFolder(dirname(path));
}

/** The mark in a temporary file's name: `<file>.tmp-<pid>-<thread>` (stale ones are removed when a run opens). */
export const TMP_MARK = '.tmp-';

/** Flushes a folder's entries (a rename is durable only once its folder is); best effort where not supported. */
export function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // some file systems refuse fsync on a folder: the rename stands, only its durability across a power cut is weaker
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A file-system error in words, with what was kept. */
export function describeWriteError(e: unknown, path: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return `the disk is full: ${path} could not be written (its previous version is kept); free some space and continue`;
    case 'EROFS':
    case 'EACCES':
    case 'EPERM':
      return `${path} cannot be written: the folder is read-only or not yours (${code}); its previous version is kept`;
    case 'ENOENT':
    case 'ENOTDIR':
      return `${path} cannot be written: its folder is missing or is not a folder (${code})`;
    default:
      return `${path} could not be written: ${(e as Error).message}`;
  }
}

export function readCheckpoint(path: string): TrainerState {
  // inside its own folder, a regular file (not a FIFO that would block, not a link out of the run)
  let bytes: Buffer;
  try {
    bytes = readInside(dirname(path), basename(path), 2 ** 32, path);
  } catch (e) {
    throw new Error(e instanceof FileRefused ? e.message : `${path}: ${(e as Error).message}`);
  }
  return decodeCheckpoint(bytes, path);
}

/**
 * The checkpoint of the best evaluation so far, kept beside the latest; its record (figures and the early-stopping
 * count) is `<name>.json`, see early-stopping.ts.
 */
export const BEST_CHECKPOINT = 'checkpoint.best.bin';

/** The step a checkpoint was written at, from its header alone (no CRC pass over the whole file); undefined if unreadable. */
export function checkpointStep(path: string): number | undefined {
  try {
    const { fd } = openInside(dirname(path), basename(path));
    try {
      const head = Buffer.alloc(4096);
      const n = readSync(fd, head, 0, head.length, 0);
      if (n < 12 || head.readUInt32LE(0) !== MAGIC) return undefined;
      const hLen = head.readUInt32LE(8);
      const json = head.subarray(12, Math.min(n, 12 + hLen)).toString('utf8');
      const step = (JSON.parse(json) as { step?: unknown }).step;
      return typeof step === 'number' && Number.isInteger(step) && step >= 0 ? step : undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}
