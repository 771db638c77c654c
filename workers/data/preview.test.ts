// previewPairs: for every transform kind, a small inline file goes through the real importer (parseString →
// buildTrainingData) with a choice other than the proposed one, and the pairs show the data as built with it.

import { describe, expect, it } from 'vitest';
import type { DatasetChoice } from './build/choices';
import { parseString } from './parse';
import { previewPairs } from './preview';
import { buildTrainingData, propose } from './propose';

const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const build = (text: string, file: string, choice: Partial<DatasetChoice>) => {
  const { parsed } = parseString(text, file);
  return { data: buildTrainingData(parsed, choice, file), proposal: propose(parsed, file) };
};

describe('previewPairs', () => {
  it('running text: windows of the chosen lookback → the next characters', () => {
    const text = range(30, (i) => `line ${i} of the text`).join('\n');
    const { data, proposal } = build(text, 'story.txt', { lookback: 5 });
    expect(proposal.choice.lookback).toBe(58); // 64, or a tenth of a text this short
    const pairs = previewPairs(data);
    expect(pairs.length).toBe(5);
    for (const p of pairs) {
      const input: string = JSON.parse(p.input);
      const next: string = JSON.parse(p.output.replace(/^next characters /, ''));
      expect(Array.from(input).length).toBe(5);
      expect(next.slice(0, 4)).toBe(input.slice(1));
      expect(text).toContain(input + next.slice(-1));
    }
  });

  it('a series: lookback 3 and horizon 2 → three values in units → the value two steps later', () => {
    const { data, proposal } = build(['y', ...range(40, (i) => String(i + 1))].join('\n'), 'y.csv', { lookback: 3, horizon: 2, difference: false });
    expect(proposal.choice.difference).toBe(true); // it only rises: the proposal reads changes; the person chose levels
    expect(proposal.choice.lookback).toBe(10); // a quarter of the series
    expect(data.transforms.kind).toBe('series');
    const pairs = previewPairs(data);
    expect(pairs.length).toBe(3); // 36 windows, the last 3 for validation
    expect(pairs[0]).toEqual({ input: 'y 34, 35, 36', output: 'y 2 steps ahead: 38' });
    expect(pairs[2]).toEqual({ input: 'y 36, 37, 38', output: 'y 2 steps ahead: 40' });
    // a window longer than 12 values: its ends and its length
    const long = previewPairs(build(['y', ...range(40, (i) => String(i + 1))].join('\n'), 'y.csv', { lookback: 20, difference: false }).data);
    expect(long[0]).toEqual({ input: 'y 19, 20, 21, …, 36, 37, 38 (20 steps)', output: 'y 1 step ahead: 39' });
  });

  it('several series columns: each input column in its own units, the chosen target', () => {
    const csv = ['a,b', ...range(100, (i) => `${i},${1000 + 10 * i}`)].join('\n');
    const { data, proposal } = build(csv, 'ab.csv', { input: ['b', 'a'], target: 'a', lookback: 8 });
    expect(proposal.choice).toMatchObject({ target: 'b', lookback: 24 }); // a (0, 1, 2 …) is a row number
    expect(data.transforms.kind).toBe('multiseries');
    const pairs = previewPairs(data);
    expect(pairs.length).toBe(5);
    expect(pairs[0]).toEqual({ input: `b ${range(8, (i) => 1830 + 10 * i).join(', ')}; a ${range(8, (i) => 83 + i).join(', ')}`, output: 'a 1 step ahead: 91' });
    expect(pairs[4].output).toBe('a 1 step ahead: 99');
  });

  it('sentences → labels: char tokens and a max length cut as chosen, padding left out', () => {
    const words = ['good', 'fine', 'bad', 'poor'];
    const rows = range(40, (i) => `${words[i % 4]} film number ${i}\t${i % 4 < 2 ? 'pos' : 'neg'}`);
    const { data, proposal } = build(['text\tlabel', ...rows].join('\n'), 'reviews.tsv', { tokens: 'char', maxLength: 6 });
    expect(proposal.choice.tokens).toBe('word');
    const pairs = previewPairs(data);
    expect(pairs.length).toBe(4); // 10% of 40 held out
    for (const p of pairs) {
      expect(Array.from(p.input).length).toBe(6);
      expect(p.input).toMatch(/^(good|fine|bad|poor) f/);
      expect(p.output).toBe(/^(good|fine)/.test(p.input) ? 'pos' : 'neg');
    }
  });

  it('tagged tokens → their tags, cut at the chosen max length', () => {
    const tag: Record<string, string> = { the: 'DET', a: 'DET', cat: 'NOUN', dog: 'NOUN', sat: 'VERB', ran: 'VERB' };
    const sentence = (i: number): string[] => [i % 2 ? 'the' : 'a', i % 3 ? 'cat' : 'dog', i % 5 ? 'sat' : 'ran'];
    const conll = range(30, (i) => sentence(i).map((w) => `${w}\t${tag[w]}`).join('\n')).join('\n\n');
    const { data } = build(conll, 'pets.conll', { maxLength: 2 });
    const pairs = previewPairs(data);
    expect(pairs.length).toBe(3);
    for (const p of pairs) {
      const ws = p.input.split(' ');
      expect(ws.length).toBe(2);
      expect(p.output).toBe(ws.map((w) => tag[w]).join(' '));
    }
  });

  it('pairs: word tokens as chosen, the target without <bos>/<eos>', () => {
    const en = ['one', 'two', 'three', 'four', 'five', 'six'];
    const fr = ['un', 'deux', 'trois', 'quatre', 'cinq', 'six'];
    const lines = range(40, (i) => `${en[i % 6]} ${en[(i + 1) % 6]}\t${fr[i % 6]} ${fr[(i + 1) % 6]}`);
    const { data, proposal } = build(lines.join('\n'), 'en-fr.txt', { tokens: 'word' });
    // (the proposal reads sentences as words since tokens are proposed per side; it read every pair as characters)
    expect(proposal.choice).toMatchObject({ tokens: 'word', targetTokens: 'word' });
    expect(data.transforms.kind).toBe('pairs');
    const pairs = previewPairs(data);
    expect(pairs.length).toBe(5); // validation holds every pair of its sources (7 of 40 here), 5 shown
    for (const p of pairs) {
      const [a, b] = p.input.split(' ').map((w) => en.indexOf(w));
      expect(p.output).toBe(`${fr[a]} ${fr[b]}`);
    }
  });

  it('numeric sequences: the first steps in units and the step count after the chosen max length → the label', () => {
    const jsonl = range(20, (i) => JSON.stringify({ id: `s${i}`, steps: range(10, (t) => [t + i, 100 * t]), label: i % 2 ? 'odd' : 'even' })).join('\n');
    const { data } = build(jsonl, 'seqs.jsonl', { maxLength: 4 });
    expect(data.transforms.kind).toBe('sequences');
    const pairs = previewPairs(data);
    expect(pairs.length).toBe(2);
    for (const p of pairs) {
      const m = p.input.match(/^1, 2: \((\d+), 0\) \((\d+), 100\) \((\d+), 200\) … \(4 steps\)$/);
      expect(m).not.toBeNull();
      const i = Number(m![1]);
      expect([Number(m![2]), Number(m![3])]).toEqual([i + 1, i + 2]);
      expect(p.output).toBe(i % 2 ? 'odd' : 'even');
    }
  });

  it('a table: feature=value pairs in units → the chosen target class', () => {
    const colors = ['red', 'green', 'blue'];
    // x in a shuffled order (a feature, not a row number: 0, 1, 2 … would be left out as one)
    const csv = ['x,color,price', ...range(30, (i) => `${(i * 7) % 30},${colors[((i * 7) % 30) % 3]},${10 * ((i * 7) % 30) + 0.5}`)].join('\n');
    const { data, proposal } = build(csv, 'shop.csv', { shape: 'one-to-one', input: ['x', 'price'], target: 'color' });
    expect(proposal.choice.target).toBe('price');
    const pairs = previewPairs(data);
    expect(pairs.length).toBe(3);
    for (const p of pairs) {
      const m = p.input.match(/^x=(\d+), price=([\d.]+)$/)!;
      expect(Number(m[2])).toBeCloseTo(10 * Number(m[1]) + 0.5, 3);
      expect(p.output).toBe(`color ${colors[Number(m[1]) % 3]}`);
    }
    const values = previewPairs(build(csv, 'shop.csv', {}).data);
    for (const p of values) expect(p.output).toBe(`price ${10 * Number(p.input.match(/^x=(\d+)/)![1]) + 0.5}`);
    expect(values[0].input).toMatch(/^x=\d+, color=(red|green|blue)$/);
  });

  it('a label → generated text: word tokens as chosen, the condition in words', () => {
    const kinds = ['cat', 'dog'];
    const rows = range(44, (i) => `${kinds[i % 2]},${kinds[i % 2]} number ${i} is here`);
    const { data, proposal } = build(['kind,name', ...rows].join('\n'), 'names.csv', { shape: 'one-to-many', input: ['kind'], target: 'name', tokens: 'word', maxLength: 4 });
    expect(proposal.choice).toMatchObject({ shape: 'many-to-one', target: 'kind', tokens: 'word' }); // a few labels beside text: classification
    expect(data.transforms.kind).toBe('conditional');
    const pairs = previewPairs(data);
    expect(pairs.length).toBe(4);
    for (const p of pairs) {
      const kind = p.input.match(/^kind=(cat|dog)$/)![1];
      expect(p.output).toMatch(new RegExp(`^"${kind} number \\S+" \\(then <eos>\\)$`));
    }
  });

  it('is deterministic and leaves the training stream where it was', () => {
    const { data } = build(['y', ...range(60, (i) => String(i))].join('\n'), 'y.csv', { lookback: 4 });
    data.nextBatch();
    const at = data.cursor();
    expect(previewPairs(data)).toEqual(previewPairs(data));
    expect(data.cursor()).toBe(at);
  });

  it('reads the first training batch when there is no validation batch, and rewinds the stream', () => {
    const text = 'abcdefghijklmnopqrstuvwxyz'.repeat(8);
    const { data } = build(text, 'abc.txt', { lookback: 24, batchSize: 4 }); // 20 validation characters: less than a chunk
    expect(data.validationBatches().length).toBe(0);
    const first = data.nextBatch().batch;
    data.seek(0);
    const pairs = previewPairs(data);
    expect(data.cursor()).toBe(0);
    expect(Array.from(data.nextBatch().batch.tokens!)).toEqual(Array.from(first.tokens!));
    expect(pairs.length).toBe(4);
    expect(pairs[0]).toEqual({ input: '"abcdefghijklmnopqrstuvwx"', output: 'next characters "bcdefghijklmnopqrstuvwxy"' });
  });
});
