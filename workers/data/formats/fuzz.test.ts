// Fuzzing the parsers: random bytes and random mutations of valid inputs, in random chunkings, through every
// format. Each case must end in a Parsed or a DataError (never another exception) within a time bound.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFile, parseString } from '../parse';
import { DataError, FORMATS, type FormatName } from '../parsed';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS: Record<string, string> = {
  'a.csv': 'date,value,kind\n2024-01-01,1.5,a\n2024-01-02,NA,"b, c"\n# note\n2024-01-03,3,"say ""hi"""\n',
  'b.tsv': 'sentence\tscore\nGood movie.\t1\n" Bad one.\t0\n',
  'c.conll': '-DOCSTART- O\n\nEU\tB-ORG\nrejects\tO\n\t\nLondon\tB-loc\n',
  'd.txt': 'Go.\tVa !\tCC-BY\nHi.\tSalut !\tCC-BY\n',
  'e.json': '[{"id":"a","values":[[1,2],[3,4]],"label":"x"},{"id":"b","values":[[5,6]],"label":"y"}]',
  'f.jsonl': '{"x":1,"c":"a"}\n{"x":2,"c":"b","y":[1,2]}\n',
  'g.txt': 'First Citizen:\nBefore we proceed any further, hear me speak.\n',
  'h.csv': 'sequence_id,step,x,label\n1,0,0.5,1\n1,1,0.25,1\n2,0,-1,-1\n',
};
const ALPHABET = ',;\t|"\n\r #[]{}:0123456789.-eE aZ\u00e9\uFEFF\u0085\\';

function mutate(s: string, r: () => number): string {
  let out = s;
  const n = 1 + Math.floor(r() * 6);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(r() * (out.length + 1));
    const op = r();
    const ch = ALPHABET[Math.floor(r() * ALPHABET.length)];
    if (op < 0.35) out = out.slice(0, i) + ch + out.slice(i);
    else if (op < 0.6) out = out.slice(0, i) + out.slice(i + 1 + Math.floor(r() * 4));
    else if (op < 0.8) out = out.slice(0, i) + ch + out.slice(i + 1);
    else if (op < 0.9) out = out.slice(0, i) + out.slice(i, i + 20).repeat(1 + Math.floor(r() * 5)) + out.slice(i);
    else out = out.slice(0, i) + (r() < 0.5 ? '['.repeat(200) : '"'.repeat(3)) + out.slice(i);
  }
  return out;
}

function check(run: () => unknown, label: string): 'parsed' | 'error' {
  try {
    const p = run() as { parsed: { kind: string } };
    expect(['table', 'text', 'tagged', 'pairs', 'sequences']).toContain(p.parsed.kind);
    return 'parsed';
  } catch (e) {
    if (e instanceof DataError) return 'error';
    throw new Error(`${label}: ${(e as Error)?.stack ?? e}`);
  }
}

const TIME_BOUND_MS = 2000;

describe('fuzz', () => {
  it('mutated valid inputs (400 cases) end in a Parsed or a DataError, quickly', () => {
    const r = rng(12345);
    const names = Object.keys(SEEDS);
    const counts = { parsed: 0, error: 0 };
    const t0 = performance.now();
    let worst = 0;
    for (let c = 0; c < 400; c++) {
      const name = names[c % names.length];
      const text = mutate(SEEDS[name], r);
      const format: FormatName | 'auto' = r() < 0.5 ? 'auto' : FORMATS[Math.floor(r() * FORMATS.length)];
      const chunks = Array.from({ length: 8 }, () => 1 + Math.floor(r() * 16));
      const s = performance.now();
      counts[check(() => parseString(text, name, format, chunks), `case ${c} (${name}, ${format}): ${JSON.stringify(text)}`)]++;
      const dt = performance.now() - s;
      worst = Math.max(worst, dt);
      expect(dt).toBeLessThan(TIME_BOUND_MS);
    }
    console.log(`fuzz/mutations: 400 cases in ${(performance.now() - t0).toFixed(0)} ms (worst ${worst.toFixed(1)} ms): ${counts.parsed} parsed, ${counts.error} DataErrors`);
    expect(counts.parsed).toBeGreaterThan(50);
  });

  it('chunking never changes the result of a valid input', () => {
    const r = rng(7);
    for (const [name, text] of Object.entries(SEEDS)) {
      const whole = parseString(text, name);
      for (let k = 0; k < 10; k++) {
        const chunks = Array.from({ length: 30 }, () => 1 + Math.floor(r() * 5));
        expect(parseString(text, name, 'auto', chunks).parsed).toEqual(whole.parsed);
      }
    }
  });

  const dir = mkdtempSync(join(tmpdir(), 'fuzz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('random bytes through parseFile (300 files, every format) end in a Parsed or a DataError', async () => {
    const r = rng(99);
    const counts = { parsed: 0, error: 0 };
    const t0 = performance.now();
    let worst = 0;
    for (let c = 0; c < 300; c++) {
      const len = Math.floor(r() * 600);
      const bytes = new Uint8Array(len);
      // Half the cases: mostly printable ASCII (so some get past the binary and UTF-8 checks).
      const printable = c % 2 === 0;
      for (let i = 0; i < len; i++) bytes[i] = printable ? ALPHABET.charCodeAt(Math.floor(r() * 30)) : Math.floor(r() * 256);
      const ext = ['csv', 'tsv', 'json', 'jsonl', 'conll', 'txt', 'bin'][c % 7];
      const p = join(dir, `f${c}.${ext}`);
      writeFileSync(p, bytes);
      const format: FormatName | 'auto' = c % 3 === 0 ? FORMATS[Math.floor(r() * FORMATS.length)] : 'auto';
      const s = performance.now();
      try {
        const res = await parseFile(p, { format });
        expect(['table', 'text', 'tagged', 'pairs', 'sequences']).toContain(res.parsed.kind);
        counts.parsed++;
      } catch (e) {
        if (!(e instanceof DataError)) throw new Error(`file ${c} (${ext}, ${format}) [${Array.from(bytes).join(',')}]: ${(e as Error)?.stack ?? e}`);
        counts.error++;
      }
      const dt = performance.now() - s;
      worst = Math.max(worst, dt);
      expect(dt).toBeLessThan(TIME_BOUND_MS);
    }
    console.log(`fuzz/random bytes: 300 files in ${(performance.now() - t0).toFixed(0)} ms (worst ${worst.toFixed(1)} ms): ${counts.parsed} parsed, ${counts.error} DataErrors`);
  });
});
