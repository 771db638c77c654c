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
    expect(d.decodeAsText).toBe(true); // sentences: BLEU and chrF too
  });

  it('tokens per side: characters of a spelling → space-separated phonemes; one unit given alone is both sides\'', () => {
    const cmu = pairs([['cat', 'K AE1 T'], ['cats', 'K AE1 T S'], ['act', 'AE1 K T'], ['tack', 'T AE1 K'], ['taco', 'T AA1 K OW0']]);
    const d = pairsData(cmu, withDefaults({ tokens: 'char', targetTokens: 'word', valFraction: 0.2 }));
    if (d.transforms.kind !== 'pairs') throw new Error('kind');
    expect(d.transforms.source).toMatchObject({ tokens: 'char' });
    expect(d.transforms.target.tokens).toBe('word');
    expect(d.transforms.source.vocabulary).toContain('c');
    expect(d.transforms.target.vocabulary).toEqual(expect.arrayContaining(['K', 'AE1', 'T', 'OW0']));
    expect(d.summary).toContain('char → word tokens');
    expect(d.decodeAsText).toBeUndefined(); // phonemes are symbols, not text: token (phoneme) error rate and exact match
    // the reference text travels with each decode sample (BLEU and chrF score the text as written)
    expect(cmu.pairs.map((p) => p.target)).toContain(d.decodeSamples![0].referenceText);
    const both = pairsData(cmu, withDefaults({ tokens: 'word', valFraction: 0.2 }));
    if (both.transforms.kind !== 'pairs') throw new Error('kind');
    expect([both.transforms.source.tokens, both.transforms.target.tokens]).toEqual(['word', 'word']);
  });

  it('trains (reversal): the validation loss falls and the teacher-forced token accuracy rises', () => {
    const rng = new Rng(4);
    const xs = Array.from({ length: 400 }, (): [string, string] => {
      const s = Array.from({ length: 3 + rng.int(3) }, () => 'abcdef'[rng.int(6)]).join('');
      return [s, [...s].reverse().join('')];
    });
    const d = pairsData(pairs(xs), withDefaults({ batchSize: 32 }));
    const { first, last, metrics } = trainBriefly(d, 150, { cell: 'lstm', hidden: 48, bidirectional: true });
    expect(metrics.bleu).toBeUndefined(); // characters: no BLEU
    console.log(`[build] encoder–decoder: val loss ${first.toFixed(3)} → ${last.toFixed(4)}, token accuracy ${metrics.accuracy.toFixed(3)}; copy baseline TER ${d.baseline!.metrics.tokenErrorRate.toFixed(3)}`);
    expect(last).toBeLessThan(first * 0.6);
    expect(metrics.accuracy).toBeGreaterThan(0.5);
  });

  it('word translation: greedy decodes scored with BLEU and chrF (as sacreBLEU scores them, 0–100) beside the token error rate', () => {
    const rng = new Rng(5);
    const words = ['red', 'blue', 'green', 'cat', 'dog', 'sees', 'likes', 'the', 'a', 'big'];
    const fr: Record<string, string> = { red: 'rouge', blue: 'bleu', green: 'vert', cat: 'chat', dog: 'chien', sees: 'voit', likes: 'aime', the: 'le', a: 'un', big: 'grand' };
    const xs = Array.from({ length: 600 }, (): [string, string] => {
      const s = Array.from({ length: 3 + rng.int(3) }, () => words[rng.int(words.length)]);
      return [s.join(' '), s.map((w) => fr[w]).join(' ') + ' .'];
    });
    const d = pairsData(pairs(xs), withDefaults({ tokens: 'word', batchSize: 32 }));
    expect(d.decodeAsText).toBe(true);
    const { metrics } = trainBriefly(d, 200, { cell: 'gru', hidden: 48 });
    console.log(`[build] word translation (a dictionary, in order): greedy BLEU ${metrics.bleu.toFixed(1)}, chrF ${metrics.chrF.toFixed(1)}, token error rate ${metrics.tokenErrorRate.toFixed(3)}, exact match ${metrics.exactMatch.toFixed(3)}`);
    expect(metrics.bleu).toBeGreaterThan(20);
    expect(metrics.bleu).toBeLessThanOrEqual(100);
    expect(metrics.chrF).toBeGreaterThan(40);
    expect(metrics.tokenErrorRate).toBeLessThan(0.5);
  });
});
