// Faults a person meets on their own machine, each with a clear message and nothing lost: a disk that fills up while
// a run writes (a small tmpfs), a link planted where a run writes its metrics, a write that
// fails half-way (the old file is kept, no temporary file left behind), and a truncated or altered checkpoint.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS } from '../../src-shared/model';
import { describeWriteError, readCheckpoint, writeFileAtomic } from '../../workers/engine/checkpoint';
import { startRun } from './runs';

const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-faults-'));
const text = join(tmp, 'text.txt');
writeFileSync(text, 'one two three four five six seven eight nine ten '.repeat(200));
const model = { cell: 'gru' as const, layers: 1, hiddenSize: 16, embedSize: 8, bidirectional: false, dropout: 0, forgetBias: 1 };
const settings = { ...DEFAULT_TRAIN_SETTINGS, batchSize: 4, sequenceLength: 16, checkpointEvery: 5, evaluateEvery: 50 };

const PYTHON = '/usr/bin/python3';

// A small real file system to fill (root can mount one; elsewhere the disk-full test is skipped).
const small = join(tmp, 'small');
mkdirSync(small);
const canMountTmpfs = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=384k', 'tmpfs', small]).status === 0;
afterAll(() => {
  if (canMountTmpfs) spawnSync('umount', [small]);
});

describe('faults', () => {
  it.skipIf(!canMountTmpfs)('stops a run whose disk fills up, saying so, and keeps its checkpoint and every step before it', async () => {
    // a real full disk: a 384 KiB tmpfs holding the run folder
    const runDir = join(small, 'full');
    mkdirSync(runDir);
    const run = startRun({ runDir, data: { path: text, format: 'auto', valFraction: 0.1 }, model, settings: { ...settings, steps: 1_000_000 } });
    const out = await run.done;
    expect(out.reason).toBe('error');
    // the file that met the full disk: the log, its TensorBoard copy or the checkpoint
    expect(out.message).toMatch(/the disk is full: .*(metrics\.jsonl|events\.out\.tfevents\.\S+|checkpoint\.bin) could not be written/);
    const ck = readCheckpoint(join(runDir, 'checkpoint.bin'));
    expect(ck.step).toBeGreaterThan(0);
    // every step up to the checkpoint is in the log (flushed before the checkpoint was written)
    const steps = new Set(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.startsWith('{"type":"step"')).map((l) => (JSON.parse(l) as { step: number }).step));
    for (let s = 1; s <= ck.step; s++) expect(steps.has(s)).toBe(true);
    // and in the TensorBoard log, which holds whole records only (a write cut short by the full disk is cut back)
    if (!existsSync(PYTHON)) return console.warn(`[faults] skipped reading the TensorBoard log: ${PYTHON} is not installed`);
    const read = spawnSync(PYTHON, [join(import.meta.dirname, '../../tools/read_tfevents.py'), runDir], { encoding: 'utf8' });
    expect(read.status, read.stderr).toBe(0);
    const files = (JSON.parse(read.stdout) as { files: { torn: number; events: { step: number; values?: { tag: string }[] }[] }[] }).files;
    expect(files.map((f) => f.torn)).toEqual([0]);
    const logged = new Set(files[0].events.filter((e) => e.values?.some((v) => v.tag === 'train/loss')).map((e) => e.step));
    for (let s = 1; s <= ck.step; s++) expect(logged.has(s), `step ${s} of checkpoint ${ck.step}`).toBe(true);
  }, 60_000);

  it('refuses to write metrics through a link planted in the run folder', async () => {
    const runDir = join(tmp, 'planted');
    mkdirSync(runDir);
    const victim = join(tmp, 'victim.txt');
    writeFileSync(victim, 'the person\'s file\n');
    symlinkSync(victim, join(runDir, 'metrics.jsonl'));
    const out = await startRun({ runDir, data: { path: text, format: 'auto', valFraction: 0.1 }, model, settings: { ...settings, steps: 20 } }).done;
    expect(out.reason).toBe('error');
    expect(out.message).toMatch(/metrics\.jsonl is a symbolic link: a run writes only its own files/);
    expect(readFileSync(victim, 'utf8')).toBe('the person\'s file\n');
  }, 30_000);

  it('keeps the previous file when an atomic write fails, and leaves no temporary file', () => {
    const dir = join(tmp, 'atomic');
    mkdirSync(dir);
    const target = join(dir, 'run.json');
    writeFileAtomic(target, '{"old": true}');
    mkdirSync(`${target}.tmp-${process.pid}-${threadId}`); // the temporary file cannot be created
    expect(() => writeFileAtomic(target, '{"new": true}')).toThrow(/run\.json could not be written/);
    expect(readFileSync(target, 'utf8')).toBe('{"old": true}');
    expect(() => writeFileAtomic(join(dir, 'missing', 'x.json'), '{}')).toThrow(/its folder is missing/);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-') && !f.endsWith(`-${threadId}`))).toEqual([]);
  });

  it('says what a full disk, a read-only folder and a missing folder mean', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(describeWriteError(err('ENOSPC'), '/p/x')).toMatch(/the disk is full: \/p\/x could not be written \(its previous version is kept\)/);
    expect(describeWriteError(err('EROFS'), '/p/x')).toMatch(/read-only/);
    expect(describeWriteError(err('EACCES'), '/p/x')).toMatch(/read-only or not yours/);
  });

  it('reports a truncated or altered checkpoint instead of loading it', async () => {
    const runDir = join(tmp, 'ckpt');
    const out = await startRun({ runDir, data: { path: text, format: 'auto', valFraction: 0.1 }, model, settings: { ...settings, steps: 6 } }).done;
    expect(out.reason).toBe('finished');
    const path = join(runDir, 'checkpoint.bin');
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 100));
    expect(() => readCheckpoint(path)).toThrow(/damaged or truncated/);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length >> 1] ^= 0x40;
    writeFileSync(path, flipped);
    expect(() => readCheckpoint(path)).toThrow(/damaged or truncated/);
    // continuing from it ends the run with that message; the files stay as they were
    const again = await startRun({ runDir, data: { path: text, format: 'auto', valFraction: 0.1 }, model, settings: { ...settings, steps: 12 }, resume: true }).done;
    expect(again.reason).toBe('error');
    expect(again.message).toMatch(/checkpoint\.bin.*damaged or truncated/);
    expect(readFileSync(path).equals(flipped)).toBe(true);
  }, 30_000);
});
