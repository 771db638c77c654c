import { describe, expect, it } from 'vitest';
import { DataError } from '../parsed';
import { detectFormat } from './detect';
import { groupSequences } from './sequences';
import { tableFromRows } from './table';

describe('detectFormat', () => {
  const f = (name: string, head: string) => detectFormat(name, head, true).format;
  it('goes by extension where it is decisive', () => {
    expect(f('a.csv', 'x;y\n1;2\n')).toBe('csv');
    expect(f('a.tsv', 'x\ty\n')).toBe('tsv');
    expect(f('a.jsonl', '{"a":1}\n')).toBe('jsonl');
    expect(f('a.json', '[1,2]')).toBe('json');
    expect(f('a.json', '{"a":1}\n{"a":2}\n')).toBe('jsonl');
    expect(f('a.conll', 'x\tO\n')).toBe('conll');
  });
  it('reads .txt and unknown files by content', () => {
    expect(f('ner.txt', 'EU\tB-ORG\nrejects\tO\n\nPeter\tB-PER\nBlackburn\tI-PER\n\n')).toBe('conll');
    expect(f('eng-fra.txt', 'Go.\tVa !\tCC-BY\nRun!\tCours !\tCC-BY\nWho?\tQui ?\tCC-BY\n')).toBe('pairs');
    expect(f('labelled.txt', 'sentence\tscore\nGreat phone, works well.\t1\nBad battery life.\t0\nLoved it.\t1\n')).toBe('tsv');
    expect(f('data.txt', 'a,b\n1,2\n3,4\n')).toBe('csv');
    expect(f('play.txt', 'First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n')).toBe('text');
    expect(f('x', '[{"a":1}]')).toBe('json');
    expect(f('x', '{"a":1}\n{"a":2}\n')).toBe('jsonl');
    expect(detectFormat('x.txt', 'hello').reason).toMatch(/plain text/);
  });
});

describe('groupSequences', () => {
  const rows = [
    ['id', 'step', 'x', 'y', 'label'],
    ['a', '1', '10', '1', 'up'],
    ['a', '0', '0', '2', 'up'],
    ['b', '0', '5', '3', 'down'],
    ['a', '2', '20', '4', 'up'],
  ];
  const t = tableFromRows(rows, { file: 'long.csv', separator: ',' });
  it('groups by id in first-seen order, sorts by step, keeps the label, numeric features by default', () => {
    const s = groupSequences(t, { sequence: 'id', step: 'step', label: 'label' });
    expect(s.featureNames).toEqual(['x', 'y']);
    expect(s.sequences.map((q) => [q.id, q.label, q.line, q.steps.map((v) => Array.from(v))])).toEqual([
      ['a', 'up', 2, [[0, 2], [10, 1], [20, 4]]],
      ['b', 'down', 4, [[5, 3]]],
    ]);
    expect(groupSequences(t, { sequence: '1', features: ['y'] }).sequences[0].steps.length).toBe(3);
  });
  it('a label that changes within a sequence is a DataError naming the line', () => {
    const bad = tableFromRows([...rows, ['a', '3', '1', '1', 'down']], { file: 'long.csv', separator: ',' });
    try {
      groupSequences(bad, { sequence: 'id', label: 'label', file: 'long.csv' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      expect((e as DataError).line).toBe(6);
    }
    expect(() => groupSequences(t, { sequence: 'nope' })).toThrow(/no column "nope"/);
    expect(() => groupSequences(t, { sequence: 'id', features: ['label'] })).toThrow(/not numeric/);
  });
});
