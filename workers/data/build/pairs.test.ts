import { describe, expect, it } from 'vitest';
import { Rng } from '../../engine/rng';
import type { ParsedPairs } from '../parsed';
import { withDefaults } from './choices';
import { PAIR_BOS, PAIR_EOS, pairsData } from './pairs';
import { trainBriefly } from './testing';

const pairs = (xs: [string, string][]): ParsedPairs => ({ kind: 'pairs', pairs: xs.map(([source, target], i) => ({ source, target, line: i + 1 })) });

describe('encoder–decoder builder', () => {
  it('teacher forcing as in shapes.test: decoder input BOS + target, targets target + EOS, −1 beyond', () => {
    const d = pairsData(pairs([['ab', 'xyz'], ['abc', 'y'], ['b', 'zz'], ['ca', 'x']]), withDefaults({ valFraction: 0.25, batchSize: 4 }));
    if (d.transforms.kind !== 'pairs') throw new Error('kind');
    const tv = d.transforms.target.vocabulary;
    expect(tv.slice(0, 3)).toEqual(['<bos>', '<eos>', '<unk>']);
    expect(d.transforms.bos).toBe(PAIR_BOS);
    expect(d.transforms.eos).toBe(PAIR_EOS);
    expect(d.model).toMatchObject({ shape: 'encoder-decoder', output: { size: tv.length }, decoder: { vocabSize: tv.length } });
    const b = d.nextBatch().batch; // the 3 training pairs in shuffled order
    const B = b.batchSize;
    const Td = b.decoderSteps!;
    const sv = d.transforms.source.vocabulary;
    for (let i = 0; i < B; i++) {
      const src = Array.from({ length: b.lengths![i] }, (_, t) => sv[b.tokens![t * B + i]]).join('');
      const n = b.decoderLengths![i] - 1;
      const tgt = Array.from({ length: n }, (_, t) => tv[b.targetClasses![t * B + i]]).join('');
      expect(['ab→xyz', 'abc→y', 'b→zz', 'ca→x']).toContain(`${src}→${tgt}`);
      expect(b.decoderTokens![i]).toBe(PAIR_BOS);
      for (let t = 0; t < n; t++) expect(b.decoderTokens![(t + 1) * B + i]).toBe(b.targetClasses![t * B + i]);
      expect(b.targetClasses![n * B + i]).toBe(PAIR_EOS);
      for (let t = n + 1; t < Td; t++) expect(b.targetClasses![t * B + i]).toBe(-1);
    }
    expect(Td).toBe(Math.max(...b.decoderLengths!));
    expect(d.decodeSamples!.length).toBe(1);
    expect(d.decodeSamples![0].reference).not.toContain(PAIR_EOS);
  });

  it('copy-the-source baseline: token error rate and exact match on the validation pairs', () => {
    const d = pairsData(pairs([['abc', 'abc'], ['abd', 'abc'], ['xyz', 'xyw'], ['aaa', 'aab']]), withDefaults({ valFraction: 0.5, seed: 1 }));
    const val = d.decodeSamples!;
    expect(val.length).toBe(2);
    const m = d.baseline!.metrics;
    expect(d.baseline!.name).toBe('copy the source');
    // every pair differs from its source in at most one of three characters
    expect(m.tokenErrorRate).toBeLessThanOrEqual(1 / 3 + 1e-12);
    expect([0, 0.5]).toContain(m.exactMatch);
  });

  it('word tokens, separate vocabularies, unseen target words → <unk>', () => {
    const d = pairsData(pairs([['the cat', 'le chat'], ['the dog', 'le chien'], ['a cat', 'un chat'], ['a dog', 'un chien']]), withDefaults({ tokens: 'word', valFraction: 0.25 }));
    if (d.transforms.kind !== 'pairs') throw new Error('kind');
    expect(d.transforms.source.vocabulary).toContain('cat');
    expect(d.transforms.source.vocabulary).not.toContain('chat');
    expect(d.transforms.target.tokens).toBe('word');
  });

  it('trains (reversal): the validation loss falls and the teacher-forced token accuracy rises', () => {
    const rng = new Rng(4);
    const xs = Array.from({ length: 400 }, (): [string, string] => {
      const s = Array.from({ length: 3 + rng.int(3) }, () => 'abcdef'[rng.int(6)]).join('');
      return [s, [...s].reverse().join('')];
    });
    const d = pairsData(pairs(xs), withDefaults({ batchSize: 32 }));
    const { first, last, metrics } = trainBriefly(d, 150, { cell: 'lstm', hidden: 48, bidirectional: true });
    console.log(`[build] encoder–decoder: val loss ${first.toFixed(3)} → ${last.toFixed(4)}, token accuracy ${metrics.accuracy.toFixed(3)}; copy baseline TER ${d.baseline!.metrics.tokenErrorRate.toFixed(3)}`);
    expect(last).toBeLessThan(first * 0.6);
    expect(metrics.accuracy).toBeGreaterThan(0.5);
  });
});
