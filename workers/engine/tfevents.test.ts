// The TensorBoard event format (tfevents.ts) against the format's facts and a second, independent reader:
// tools/read_tfevents.py (Python's standard library only: its own bit-by-bit CRC-32C, protobuf decoded by hand),
// run with /usr/bin/python3. Random events round-trip exactly (scalars as float32); a file cut anywhere inside its
// last record reads as every earlier record plus a torn end; a flipped byte anywhere is caught by a CRC.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32c, encodeEvent, eventHeader, FILE_VERSION, frameRecord, histogramOf, maskCrc, readRecordAt, type TfEvent } from './tfevents';

const PYTHON = '/usr/bin/python3';
const READER = join(import.meta.dirname, '../../tools/read_tfevents.py');
const hasPython = existsSync(PYTHON);
if (!hasPython) console.warn(`[tfevents] skipped the cross-check with the Python reader: ${PYTHON} is not installed`);
const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-tfevents-'));

interface ReadFile {
  name: string;
  size: number;
  torn: number;
  events: { wall_time: number; step: number; file_version?: string; values?: ({ tag: string; simple_value: number | string } | { tag: string; histo: Record<string, unknown> })[] }[];
}

/** The Python reader's view of the files: { code, files, stderr }. */
function pyRead(...paths: string[]): { code: number; files: ReadFile[]; stderr: string } {
  const r = spawnSync(PYTHON, [READER, ...paths], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, files: r.status === 0 ? (JSON.parse(r.stdout) as { files: ReadFile[] }).files : [], stderr: r.stderr };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A seeded generator (mulberry32), so a failure repeats. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the Python reader prints for a number (JSON has no NaN or infinities: they come as strings). */
const asRead = (x: number): number | string => (Number.isFinite(x) ? x : String(x).replace('Infinity', 'inf').replace('NaN', 'nan'));

describe('CRC-32C and the record framing', () => {
  it('matches the test vector and the mask', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    // the mask by its definition, computed with BigInt rather than 32-bit operators
    const c = 0xe3069283n;
    const rotated = ((c >> 15n) | (c << 17n)) & 0xffffffffn;
    expect(maskCrc(0xe3069283)).toBe(Number((rotated + 0xa282ead8n) & 0xffffffffn));
  });

  it('frames a record that reads back, and refuses one cut short or with a flipped byte', () => {
    const data = encodeEvent({ wallTime: 1.5, step: 7, values: [{ tag: 'a', value: 2 }] });
    const record = frameRecord(data);
    expect(record.length).toBe(data.length + 16);
    expect(readRecordAt(record, 0)).toEqual({ data, next: record.length });
    for (let cut = 0; cut < record.length; cut++) expect(readRecordAt(record.subarray(0, cut), 0)).toBeUndefined();
    for (let i = 0; i < record.length; i++) {
      const bad = Uint8Array.from(record);
      bad[i] ^= 0x10;
      expect(readRecordAt(bad, 0), `byte ${i}`).toBeUndefined();
    }
  });

  it('reads an event header: its step and whether it holds a summary', () => {
    expect(eventHeader(encodeEvent({ wallTime: 0, step: 0, fileVersion: FILE_VERSION }))).toEqual({ step: 0, summary: false });
    expect(eventHeader(encodeEvent({ wallTime: 9, step: 2 ** 53 - 1, values: [{ tag: 'x', value: 1 }] }))).toEqual({ step: 2 ** 53 - 1, summary: true });
    expect(eventHeader(Uint8Array.of(0x08))).toBeUndefined(); // a key whose value is missing
  });

  it('encodes the same bytes after an encoding that failed half-way (the writer is reused)', () => {
    const e: TfEvent = { wallTime: 3, step: 5, values: [{ tag: 'a', value: 1 }, { tag: 'h', histogram: histogramOf([1, 2, 3])! }] };
    const before = encodeEvent(e);
    expect(() => encodeEvent({ wallTime: 3, step: -1, values: [{ tag: 'a', value: 1 }] })).toThrow(/not a non-negative integer/);
    expect(() => encodeEvent({ wallTime: 3, step: 1, values: [{ tag: 'a', value: 1 }, { tag: 'b', histogram: { ...histogramOf([1])!, num: 0.5 } }] })).not.toThrow();
    expect(encodeEvent(e)).toEqual(before);
  });
});

describe('histograms', () => {
  it('puts every value in the bucket (previous limit, limit], the first from the minimum', () => {
    const next = random(3);
    for (const n of [1, 2, 3, 7, 30, 31, 200]) {
      const xs = Array.from({ length: n }, () => (next() < 0.2 ? 0.5 : next() * 10 ** (next() * 4 - 2)));
      const h = histogramOf(xs)!;
      expect(h.num).toBe(n);
      expect(h.min).toBe(Math.min(...xs));
      expect(h.max).toBe(Math.max(...xs));
      expect(h.bucketLimit.at(-1)).toBe(h.max);
      expect(h.bucket.reduce((a, b) => a + b, 0)).toBe(n);
      expect(h.sum).toBeCloseTo(xs.reduce((a, b) => a + b, 0), 9);
      for (let i = 0; i < h.bucket.length; i++) {
        const lo = i === 0 ? -Infinity : h.bucketLimit[i - 1];
        expect(h.bucket[i]).toBe(xs.filter((x) => x > lo && x <= h.bucketLimit[i]).length);
      }
      for (let i = 1; i < h.bucketLimit.length; i++) expect(h.bucketLimit[i]).toBeGreaterThan(h.bucketLimit[i - 1]);
    }
  });

  it('leaves non-finite values out, and has none for no finite value', () => {
    expect(histogramOf([])).toBeUndefined();
    expect(histogramOf([NaN, Infinity])).toBeUndefined();
    expect(histogramOf([2, NaN, 2])).toEqual({ min: 2, max: 2, num: 2, sum: 4, sumSquares: 8, bucketLimit: [2], bucket: [2] });
  });
});

describe.skipIf(!hasPython)('a second reader (tools/read_tfevents.py, Python standard library only)', () => {
  // a file as the log writes it: the version record, then random scalars and histograms at rising steps
  const next = random(11);
  const events: TfEvent[] = [{ wallTime: 1796640000.25, step: 0, fileVersion: FILE_VERSION }];
  const tags = ['train/loss', 'val/perplexity', 'grad_norm/l1.Wh', 'grad_norm/dec.l2.Wx_r', 'ünïcode/τ'];
  let step = 0;
  for (let i = 0; i < 60; i++) {
    step += 1 + Math.floor(next() * 1000);
    const values: TfEvent['values'] = tags.slice(0, 1 + Math.floor(next() * tags.length)).map((tag) => ({ tag, value: (next() - 0.5) * 10 ** (next() * 12 - 6) }));
    if (i % 7 === 0) values.push({ tag: 'grad_norm/per_tensor', histogram: histogramOf(Array.from({ length: 1 + Math.floor(next() * 40) }, () => next() * 3))! });
    if (i === 5) values.push({ tag: 'train/loss', value: NaN }, { tag: 'train/grad_norm_before_clip', value: Infinity });
    events.push({ wallTime: 1796640000.25 + i * 0.125, step, values });
  }
  events.push({ wallTime: 1796640100, step: 2 ** 53 - 1, values: [{ tag: 'train/loss', value: 1 }] });
  const records = events.map((e) => frameRecord(encodeEvent(e)));
  const file = join(tmp, 'events.out.tfevents.1796640000.test.1.0');
  writeFileSync(file, concat(records));

  it('decodes every event exactly as written (scalars rounded to float32), every CRC right', () => {
    const r = pyRead(file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.files[0].torn).toBe(0);
    const read = r.files[0].events;
    expect(read).toHaveLength(events.length);
    expect(read[0]).toEqual({ wall_time: 1796640000.25, step: 0, file_version: 'brain.Event:2' });
    for (let i = 1; i < events.length; i++) {
      expect(read[i].step).toBe(events[i].step);
      expect(read[i].wall_time).toBe(events[i].wallTime);
      expect(read[i].values).toEqual(
        events[i].values!.map((v) =>
          'histogram' in v
            ? { tag: v.tag, histo: { min: v.histogram.min, max: v.histogram.max, num: v.histogram.num, sum: v.histogram.sum, sum_squares: v.histogram.sumSquares, bucket_limit: v.histogram.bucketLimit, bucket: v.histogram.bucket } }
            : { tag: v.tag, simple_value: asRead(Math.fround(v.value)) },
        ),
      );
    }
  });

  it('reads a file cut anywhere in its last record as every earlier record and a torn end', () => {
    const whole = concat(records);
    const lastStart = whole.length - records.at(-1)!.length;
    const cuts = [lastStart + 1, lastStart + 8, lastStart + 11, lastStart + 12, lastStart + 20, whole.length - 4, whole.length - 1];
    const paths = cuts.map((cut, i) => {
      const p = join(tmp, `events.out.tfevents.cut.${i}`);
      writeFileSync(p, whole.subarray(0, cut));
      return p;
    });
    const r = pyRead(...paths);
    expect(r.code, r.stderr).toBe(0);
    r.files.forEach((f, i) => {
      expect(f.events).toHaveLength(events.length - 1);
      expect(f.torn).toBe(cuts[i] - lastStart);
    });
  });

  it('fails loudly on a flipped byte in any record (the check can fail)', () => {
    const whole = concat(records);
    const next2 = random(5);
    for (let k = 0; k < 6; k++) {
      const bad = Uint8Array.from(whole);
      const i = Math.floor(next2() * (whole.length - records.at(-1)!.length)); // not in the last record: not a torn end
      bad[i] ^= 0x01;
      const p = join(tmp, `events.out.tfevents.bad.${k}`);
      writeFileSync(p, bad);
      const r = pyRead(p);
      expect(r.code, `byte ${i}`).toBe(1);
      expect(r.stderr).toMatch(/CRC .* is wrong/);
    }
  });
});
