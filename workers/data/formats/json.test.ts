import { describe, expect, it } from 'vitest';
import { DataError } from '../parsed';
import { MAX_JSON_DEPTH, parseJson, parseJsonl } from './json';

describe('JSON and JSONL', () => {
  it('array of numbers → a one-column table (null = missing)', () => {
    const p = parseJson('[1, 2.5, null, 4]');
    expect(p.kind).toBe('table');
    if (p.kind !== 'table') return;
    expect(p.columns[0].name).toBe('value');
    expect(Array.from(p.columns[0].numbers!)).toEqual([1, 2.5, NaN, 4]);
    expect(p.columns[0].missing).toBe(1);
  });

  it('array of arrays → sequences, univariate or steps × features', () => {
    const a = parseJson('[[1,2,3],[4,5]]');
    expect(a.kind).toBe('sequences');
    if (a.kind === 'sequences') {
      expect(a.sequences.map((s) => s.steps.length)).toEqual([3, 2]);
      expect(a.featureNames).toEqual(['value']);
    }
    const b = parseJson('[[[1,2],[3,4]],[[5,6]]]');
    if (b.kind !== 'sequences') throw new Error(b.kind);
    expect(b.featureNames).toEqual(['1', '2']);
    expect(Array.from(b.sequences[0].steps[1])).toEqual([3, 4]);
  });

  it('array of strings → text lines; array of objects → table with the union of keys', () => {
    const t = parseJson('["to be", "or not"]');
    expect(t).toEqual({ kind: 'text', text: 'to be\nor not', lines: 2 });
    const o = parseJson('[{"x": 1, "c": "a"}, {"x": 2, "c": "b", "y": 3}]');
    if (o.kind !== 'table') throw new Error(o.kind);
    expect(o.columns.map((c) => [c.name, c.type])).toEqual([
      ['x', 'numeric'],
      ['c', 'categorical'],
      ['y', 'numeric'],
    ]);
    expect(Array.from(o.columns[2].numbers!)).toEqual([NaN, 3]);
  });

  it("Amazon's review records: a list of a few numbers beside a text is a detail of the record (a column each), not a sequence", () => {
    const lines = Array.from({ length: 12 }, (_, i) => JSON.stringify({ reviewerID: `A${i}X`, asin: `B000${i % 3}`, helpful: [i % 3, 4 + (i % 5)], reviewText: `Works great with my old amp, number ${i}`, overall: 1 + (i % 5), summary: 'Five Stars', unixReviewTime: 1393545600 + 86400 * ((i * 37) % 11) }));
    const p = parseJsonl(lines.join('\n'));
    if (p.kind !== 'table') throw new Error(p.kind);
    expect(p.header).toBe(true);
    expect(p.columns.map((c) => c.name)).toEqual(['reviewerID', 'asin', 'helpful.1', 'helpful.2', 'reviewText', 'overall', 'summary', 'unixReviewTime']);
    expect(p.columns[3].numbers![1]).toBe(5);
  });

  it('a long list of numbers among several fields is still the sequence of its record', () => {
    const lines = Array.from({ length: 6 }, (_, i) => JSON.stringify({ id: `r${i}`, label: i % 2 ? 'up' : 'down', subject: `s${i % 3}`, session: i, signal: Array.from({ length: 30 }, (_, k) => k * (i % 2 ? 1 : -1)) }));
    const p = parseJsonl(lines.join('\n'));
    if (p.kind !== 'sequences') throw new Error(p.kind);
    expect(p.sequences[1]).toMatchObject({ id: 'r1', label: 'up' });
  });

  it("pandas' DataFrame.to_json orients (split, columns — its default — and index) are the same table", () => {
    const rows = Array.from({ length: 12 }, (_, i) => ({ date: `2020-01-${String(i + 1).padStart(2, '0')}`, sales: 100 + i, store: i % 2 ? 'a' : 'b' }));
    const cols = ['date', 'sales', 'store'] as const;
    const split = parseJson(JSON.stringify({ columns: cols, index: rows.map((_, i) => i), data: rows.map((r) => cols.map((c) => r[c])) }));
    const columns = parseJson(JSON.stringify(Object.fromEntries(cols.map((c) => [c, Object.fromEntries(rows.map((r, i) => [String(i), r[c]]))]))));
    const index = parseJson(JSON.stringify(Object.fromEntries(rows.map((r, i) => [String(i), r]))));
    for (const p of [split, columns, index]) {
      if (p.kind !== 'table') throw new Error(p.kind);
      expect(p.header).toBe(true);
      expect(p.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['date:date', 'sales:numeric', 'store:categorical']);
      expect(Array.from(p.columns[1].numbers!)).toEqual(rows.map((r) => r.sales));
    }
    // a date index is a column; a small "split" frame is a frame; a frame of few rows is not turned on its side
    const ms = rows.map((r) => String(Date.parse(r.date)));
    const dated = parseJson(JSON.stringify({ sales: Object.fromEntries(rows.map((r, i) => [ms[i], r.sales])) }));
    if (dated.kind !== 'table') throw new Error(dated.kind);
    expect(dated.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['index:date', 'sales:numeric']);
    const small = parseJson(JSON.stringify({ columns: ['a', 'b', 'c'], index: [0, 1, 2], data: [[1, 2, 3], [4, 5, 6], [7, 8, 9]] }));
    expect(small.kind === 'table' && small.columns.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    const wide = parseJson(JSON.stringify(Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`f${k}`, Object.fromEntries(Array.from({ length: 5 }, (_, i) => [String(i), i * k]))]))));
    expect(wide.kind === 'table' && [wide.rows, wide.columns.length]).toEqual([5, 8]);
    // a sparse map (users → {item: rating}) is no frame: refused as before, not spread into a huge table
    const sparse = JSON.stringify(Object.fromEntries(Array.from({ length: 300 }, (_, k) => [`u${k}`, { [`i${k}`]: 1 }])));
    expect(() => parseJson(sparse)).toThrow(/a JSON object, not an array of records/);
  });

  it('objects with one array field → labelled sequences; {"data": [...]} and column objects', () => {
    const p = parseJsonl('{"id": "a", "values": [1,2,3], "label": "up"}\n\n{"id": "b", "values": [3,2], "label": "down"}\n');
    if (p.kind !== 'sequences') throw new Error(p.kind);
    expect(p.sequences.map((s) => [s.id, s.label, s.steps.length, s.line])).toEqual([
      ['a', 'up', 3, 1],
      ['b', 'down', 2, 3],
    ]);
    expect(parseJson('{"data": [1,2]}').kind).toBe('table');
    const c = parseJson('{"a": [1,2], "b": ["x","y"]}');
    if (c.kind !== 'table') throw new Error(c.kind);
    expect(c.rows).toBe(2);
  });

  it('errors name the line (JSONL) or the item (JSON)', () => {
    const e1 = catchError(() => parseJsonl('1\n2\n{oops\n'));
    expect(e1.line).toBe(3);
    expect(e1.reason).toMatch(/not valid JSON/);
    const e2 = catchError(() => parseJsonl('1\n"two"\n'));
    expect(e2.line).toBe(2);
    expect(e2.reason).toMatch(/a string, but the first line is a number/);
    const e3 = catchError(() => parseJson('[1,\n2,\n]'));
    expect(e3.reason).toMatch(/not valid JSON/);
    expect(catchError(() => parseJson('[]')).reason).toMatch(/no data/);
    expect(catchError(() => parseJson('true')).reason).toMatch(/not an array/);
  });

  it('rejects deep nesting before parsing (no stack overflow), ignoring brackets inside strings', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const e = catchError(() => parseJson(deep));
    expect(e.reason).toMatch(new RegExp(`more than ${MAX_JSON_DEPTH} levels`));
    expect(parseJson(`["${'['.repeat(1000)}"]`).kind).toBe('text');
  });

  it('records of tokens and as many tags (Hugging Face token classification as JSONL) are tagged sentences, NER tags first', () => {
    const lines = [
      { id: '0', tokens: ['EU', 'rejects', 'German', 'call'], pos_tags: [22, 42, 16, 21], ner_tags: [3, 0, 7, 0] },
      { id: '1', tokens: ['Peter', 'Blackburn'], pos_tags: [22, 22], ner_tags: [1, 2] },
    ];
    const p = parseJsonl(lines.map((l) => JSON.stringify(l)).join('\n'), 'train.jsonl');
    if (p.kind !== 'tagged') throw new Error(p.kind);
    expect(p.sentences).toEqual([
      { tokens: ['EU', 'rejects', 'German', 'call'], tags: ['3', '0', '7', '0'], line: 1 },
      { tokens: ['Peter', 'Blackburn'], tags: ['1', '2'], line: 2 },
    ]);
    expect(p.tags[0]).toEqual({ value: '0', count: 2 });
    expect(() => parseJsonl(`${JSON.stringify(lines[0])}\n{"tokens": ["a", "b"], "ner_tags": ["O"]}`, 'bad.jsonl')).toThrow(/bad\.jsonl:2: "tokens" and "ner_tags" are not two lists of the same length here/);
  });

  it('a field holding an object of plain values is a column per field (Hugging Face\'s {"translation": {"en", "fr"}})', () => {
    const p = parseJsonl(['{"id": "0", "translation": {"en": "Go.", "fr": "Va !"}}', '{"id": "1", "translation": {"en": "Run!", "fr": "Cours !"}}'].join('\n'), 'opus.jsonl');
    if (p.kind !== 'table') throw new Error(p.kind);
    expect(p.columns.map((c) => c.name)).toEqual(['id', 'translation.en', 'translation.fr']);
    expect(p.columns[2].strings).toEqual(['Va !', 'Cours !']);
  });
});

function catchError(f: () => unknown): DataError {
  try {
    f();
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('no error');
}
