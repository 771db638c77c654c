// Apache Parquet files as Hugging Face datasets ship them (text and an integer label; several row groups, snappy;
// class names in the file's features; token lists beside tag lists),
// and a time series with timestamps and 64-bit integers; written here by hyparquet-writer (another program than the
// reader), read through parseFile as a dropped file is. A damaged file is refused with what to do.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFile } from '../parse';
import { DataError } from '../parsed';
import { propose } from '../propose';

const dir = mkdtempSync(join(tmpdir(), 'parquet-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, buf: ArrayBuffer): string => {
  const p = join(dir, name);
  writeFileSync(p, Buffer.from(buf));
  return p;
};

describe('parquet', () => {
  it('a Hugging Face text-classification split (text, label), several row groups: a text to classify into its label', async () => {
    const n = 2500;
    const words = ['the', 'food', 'was', 'service', 'great', 'awful', 'and', 'staff', 'slow', 'lovely'];
    const text = Array.from({ length: n }, (_, i) => Array.from({ length: 8 + (i % 9) }, (_, k) => words[(i * 3 + k * 7) % words.length]).join(' ') + (i % 2 ? ' loved it' : ' never again') + ` visit ${i}`);
    const path = write('train-00000-of-00001.parquet', parquetWriteBuffer({ columnData: [{ name: 'text', data: text, type: 'STRING' }, { name: 'label', data: Array.from({ length: n }, (_, i) => BigInt(i % 2)), type: 'INT64' }], rowGroupSize: 1000 }));
    const seen: number[] = [];
    const r = await parseFile(path, { onProgress: (p) => seen.push(p.rows) });
    expect(r.format).toBe('parquet');
    if (r.parsed.kind !== 'table') throw new Error(r.parsed.kind);
    expect(r.parsed.rows).toBe(n);
    expect(r.parsed.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['text:text', 'label:numeric']);
    expect(r.parsed.columns[0].strings![1]).toBe(text[1]);
    expect(r.notes[0]).toBe('Parquet: 2,500 rows in 3 row groups, 2 columns');
    expect(seen).toContain(1000); // progress a row group at a time
    expect(r.sha256).toBe((await import('node:crypto')).createHash('sha256').update(readFileSync(path)).digest('hex'));
    expect(propose(r.parsed, 'train-00000-of-00001.parquet').choice).toMatchObject({ shape: 'many-to-one', input: ['text'], target: 'label' });
  });

  it('a series with timestamps, 64-bit integers, booleans and a JSON column: dates, numbers, TRUE/FALSE, JSON text', async () => {
    const n = 200;
    const path = write('sensor.parquet', parquetWriteBuffer({
      columnData: [
        { name: 'time', data: Array.from({ length: n }, (_, i) => new Date(Date.UTC(2024, 0, 1, i))), type: 'TIMESTAMP' },
        { name: 'count', data: Array.from({ length: n }, (_, i) => BigInt(1000 + ((i * 37) % 400))), type: 'INT64' },
        { name: 'ok', data: Array.from({ length: n }, (_, i) => i % 5 !== 0), type: 'BOOLEAN' },
        { name: 'meta', data: Array.from({ length: n }, (_, i) => JSON.stringify({ id: i })), type: 'JSON' },
      ],
    }));
    const r = await parseFile(path);
    if (r.parsed.kind !== 'table') throw new Error(r.parsed.kind);
    const [time, count, ok] = r.parsed.columns;
    expect(time.type).toBe('date');
    expect(new Date(time.numbers![5]).toISOString()).toBe('2024-01-01T05:00:00.000Z');
    expect([count.type, count.numbers![1]]).toEqual(['numeric', 1037]);
    expect(ok.categories!.map((c) => c.value).sort()).toEqual(['FALSE', 'TRUE']);
    const p = propose(r.parsed, 'sensor.parquet');
    expect(p.choice).toMatchObject({ shape: 'many-to-one', target: 'count' });
    expect(p.time?.interval).toBe('hourly');
  });

  it('Hugging Face features: a label reads as its class names; tokens beside as many NER tags are tagged sentences', async () => {
    const hf = (features: Record<string, unknown>) => [{ key: 'huggingface', value: JSON.stringify({ info: { features } }) }];
    const sst = write('sst2-train.parquet', parquetWriteBuffer({
      columnData: [
        { name: 'idx', data: Array.from({ length: 300 }, (_, i) => i), type: 'INT32' },
        { name: 'sentence', data: Array.from({ length: 300 }, (_, i) => `a ${i % 2 ? 'warm , funny' : 'dull , lifeless'} film , take ${i} `), type: 'STRING' },
        { name: 'label', data: Array.from({ length: 300 }, (_, i) => BigInt(i % 2)), type: 'INT64' },
      ],
      kvMetadata: hf({ idx: { dtype: 'int32', _type: 'Value' }, sentence: { dtype: 'string', _type: 'Value' }, label: { names: ['negative', 'positive'], _type: 'ClassLabel' } }),
    }));
    const r = await parseFile(sst);
    if (r.parsed.kind !== 'table') throw new Error(r.parsed.kind);
    expect(r.parsed.columns[2].categories!.map((c) => c.value).sort()).toEqual(['negative', 'positive']);
    expect(r.notes).toContain('class names from the file\'s Hugging Face features: "label" (negative, positive)');
    expect(propose(r.parsed, 'sst2-train.parquet').choice).toMatchObject({ shape: 'many-to-one', input: ['sentence'], target: 'label' });

    const names = ['O', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC', 'B-MISC', 'I-MISC'];
    const words: [string, number][] = [['EU', 3], ['rejects', 0], ['German', 7], ['call', 0], ['Peter', 1], ['Blackburn', 2], ['in', 0], ['Brussels', 5]];
    const sentences = Array.from({ length: 120 }, (_, i) => Array.from({ length: 3 + (i % 5) }, (_, k) => words[(i + k * 3) % words.length]));
    const conll = write('conll2003-train.parquet', parquetWriteBuffer({
      columnData: [
        { name: 'id', data: sentences.map((_, i) => String(i)), type: 'STRING' },
        { name: 'tokens', data: sentences.map((x) => x.map(([w]) => w)) },
        { name: 'pos_tags', data: sentences.map((x) => x.map(() => 22n)) },
        { name: 'ner_tags', data: sentences.map((x) => x.map(([, t]) => BigInt(t))) },
      ],
      kvMetadata: hf({ tokens: { feature: { dtype: 'string', _type: 'Value' }, _type: 'Sequence' }, ner_tags: { feature: { names, _type: 'ClassLabel' }, _type: 'Sequence' } }),
    }));
    const t = await parseFile(conll);
    if (t.parsed.kind !== 'tagged') throw new Error(t.parsed.kind);
    expect(t.parsed.sentences).toHaveLength(120);
    expect(t.parsed.sentences[0]).toMatchObject({ tokens: ['EU', 'call', 'in'], tags: ['B-ORG', 'O', 'O'] });
    expect(t.notes).toContain('tagged sentences: the tokens of "tokens", each tagged by "ner_tags" (id, pos_tags not read)');
    const p = propose(t.parsed, 'conll2003-train.parquet');
    expect(p.shape).toBe('many-to-many');
    expect(p.task).toMatch(/^tag each token \(\d tags, 120 sentences\)/);
  });

  it('a struct of two texts (opus_books\' translation: {en, fr}) is a column per field, and a pair to translate', async () => {
    const path = write('opus_books-train.parquet', parquetWriteBuffer({
      columnData: [
        { name: 'id', data: Array.from({ length: 300 }, (_, i) => String(i)), type: 'STRING' },
        { name: 'translation', data: Array.from({ length: 300 }, (_, i) => ({ en: `The house number ${i} is big .`, fr: `La maison numéro ${i} est grande .` })) },
      ],
    }));
    const r = await parseFile(path);
    if (r.parsed.kind !== 'table') throw new Error(r.parsed.kind);
    expect(r.parsed.columns.map((c) => c.name)).toEqual(['id', 'translation.en', 'translation.fr']);
    expect(propose(r.parsed, 'opus_books-train.parquet').choice).toMatchObject({ shape: 'encoder-decoder', input: ['translation.en'], target: 'translation.fr' });
  });

  it('refuses a damaged file, saying what to do', async () => {
    const good = Buffer.from(parquetWriteBuffer({ columnData: [{ name: 'x', data: [1, 2, 3], type: 'DOUBLE' }] }));
    const cut = write('cut.parquet', good.subarray(0, good.length - 12).buffer.slice(0, good.length - 12) as ArrayBuffer);
    let error: unknown;
    try {
      await parseFile(cut);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).reason).toMatch(/not a readable Parquet file/);
    expect((error as DataError).hint).toMatch(/download is complete/);
  });
});
