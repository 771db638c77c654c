import { describe, expect, it } from 'vitest';
import { Rng } from '../../engine/rng';
import { withDefaults } from './choices';
import { conditionalData, GEN_BOS, GEN_EOS, unigramBaseline } from './conditional';
import { catCol, table, textCol, trainBriefly } from './testing';

describe('one-to-many builder', () => {
  it('input per step = [previous token | one-hot label], targets the sequence then EOS, −1 beyond', () => {
    const t = table(catCol('lang', ['en', 'fr', 'en', 'fr']), textCol('word', ['cat', 'chat', 'dog', 'chien']));
    const d = conditionalData(t, withDefaults({ valFraction: 0.25 }));
    if (d.transforms.kind !== 'conditional') throw new Error('kind');
    const V = d.transforms.vocabulary;
    expect(V.slice(0, 3)).toEqual(['<bos>', '<eos>', '<unk>']);
    expect(d.model).toEqual({ shape: 'one-to-many', input: { vocabSize: V.length, embedSize: expect.any(Number), featureSize: 2 }, output: { kind: 'classes', size: V.length } });
    const b = d.nextBatch().batch;
    const B = b.batchSize;
    for (let i = 0; i < B; i++) {
      const n = b.lengths![i] - 1;
      expect(b.tokens![i]).toBe(GEN_BOS);
      for (let s = 1; s <= n; s++) expect(b.tokens![s * B + i]).toBe(b.targetClasses![(s - 1) * B + i]);
      expect(b.targetClasses![n * B + i]).toBe(GEN_EOS);
      for (let s = n + 1; s < b.steps; s++) expect(b.targetClasses![s * B + i]).toBe(-1);
      const word = Array.from({ length: n }, (_, s) => V[b.targetClasses![s * B + i]]).join('');
      const onehot = [b.features![i * 2], b.features![i * 2 + 1]];
      const enc = d.transforms.inputs[0];
      if (enc.kind !== 'categorical') throw new Error('encoding');
      const lang = enc.categories[onehot.indexOf(1)] as 'en' | 'fr'; // categories of the training rows
      expect({ en: ['cat', 'dog'], fr: ['chat', 'chien'] }[lang]).toContain(word);
      // the same conditioning vector on every step
      for (let s = 0; s <= n; s++) expect([b.features![(s * B + i) * 2], b.features![(s * B + i) * 2 + 1]]).toEqual(onehot);
    }
  });

  it('unigram baseline: perplexity of the add-one training frequencies', () => {
    // V = 2: counts 1+3, 1+1 → p = 4/6, 2/6; val [0, 1]: perplexity = exp(−(ln 4/6 + ln 2/6) / 2)
    const r = unigramBaseline([Int32Array.of(0, 0, 0, 1)], [Int32Array.of(0, 1)], 2);
    expect(r.metrics.perplexity).toBeCloseTo(Math.exp(-(Math.log(4 / 6) + Math.log(2 / 6)) / 2), 12);
    expect(r.metrics.accuracy).toBe(0.5);
  });

  it('trains: a class → its word', () => {
    const rng = new Rng(1);
    const words: Record<string, string> = { red: 'abcab', green: 'bcaac', blue: 'cabba' };
    const keys = Object.keys(words);
    const labels = Array.from({ length: 240 }, () => keys[rng.int(3)]);
    const d = conditionalData(table(catCol('colour', labels), textCol('code', labels.map((l) => words[l]))), withDefaults({ batchSize: 24 }));
    const { first, last, metrics } = trainBriefly(d, 120, { cell: 'lstm' });
    console.log(`[build] one-to-many: val loss ${first.toFixed(3)} → ${last.toFixed(4)}, perplexity ${metrics.perplexity.toFixed(3)} vs ${d.baseline!.name} ${d.baseline!.metrics.perplexity.toFixed(3)}`);
    expect(last).toBeLessThan(first * 0.3);
    expect(metrics.perplexity).toBeLessThan(d.baseline!.metrics.perplexity);
  });
});
