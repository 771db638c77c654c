// Faults a person meets on their own machine, each with a clear message and nothing lost: a disk that fills up while
// a run writes its metrics (metrics.jsonl pointed at /dev/full, which answers every write with ENOSPC), a write that
// fails half-way (the old file is kept, no temporary file left behind), and a truncated or altered checkpoint.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS } from '../../src-shared/model';
import { describeWriteError, readCheckpoint, writeFileAtomic } from '../../workers/engine/checkpoint';
import { startRun } from './runs';

const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-faults-'));
const text = join(tmp, 'text.txt');
writeFileSync(text, 'one two three four five six seven eight nine ten '.repeat(200));
const model = { cell: 'gru' as const, layers: 1, hiddenSize: 16, embedSize: 8, bidirectional: false, dropout: 0, forgetBias: 1 };
const settings = { ...DEFAULT_TRAIN_SETTINGS, batchSize: 4, sequenceLength: 16, checkpointEvery: 5, evaluateEvery: 50 };

describe('faults', () => {
  it.skipIf(!existsSync('/dev/full'))('stops a run whose disk fills up, saying so, and keeps its checkpoint', async () => {
    const runDir = join(tmp, 'full');
    mkdirSync(runDir);
    symlinkSync('/dev/full', join(runDir, 'metrics.jsonl'));
    const run = startRun({ runDir, data: { path: text, format: 'auto', valFraction: 0.1 }, model, settings: { ...settings, steps: 1_000_000 } });
    const out = await run.done;
    expect(out.reason).toBe('error');
    expect(out.message).toMatch(/the disk is full: .*metrics\.jsonl could not be written .*the run was stopped/);
    expect(readCheckpoint(join(runDir, 'checkpoint.bin')).step).toBeGreaterThan(0);
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
