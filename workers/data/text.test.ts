// Text → truncated-BPTT streams: positions, targets, restarts, the split, and state carried across chunks.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS, type ModelSpec } from '../../src-shared/model';
import { loadKernels, sourceTreeBinaries } from '../engine/kernels';
import { Trainer } from '../engine/trainer';
import { StreamBatcher, encodeWords, textData } from './text';
import { detokenize, wordsOfText } from './build/common';

describe('text streams', () => {
  it('cuts B streams into T-step chunks with next-character targets, and wraps with a restart', () => {
    const ids = Int32Array.from({ length: 41 }, (_, i) => i);
    const s = new StreamBatcher(ids, 2, 4); // stream length 20: streams start at 0 and 20
    expect(s.chunks).toBe(4);
    const first = s.next();
    expect(first.restart).toEqual([true, true]);
    expect(Array.from(first.batch.tokens!)).toEqual([0, 20, 1, 21, 2, 22, 3, 23]); // (t, b) time-major
    expect(Array.from(first.batch.targetClasses!)).toEqual([1, 21, 2, 22, 3, 23, 4, 24]);
    const second = s.next();
    expect(second.restart).toEqual([false, false]);
    expect(second.batch.tokens![0]).toBe(4);
    s.next();
    s.next();
    expect(s.next().restart).toEqual([true, true]);
  });

  it('splits off the tail for validation and keeps the vocabulary', () => {
    const d = textData('abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcxyz', { batchSize: 2, sequenceLength: 4, valFraction: 0.25 });
    expect(d.transforms).toMatchObject({ kind: 'text', vocabulary: ['a', 'b', 'c', 'x', 'y', 'z'] });
    expect(d.model.output.size).toBe(6);
    expect(d.validationBatches().length).toBeGreaterThan(0);
  });

  it('reads running text by words: a line\'s end is a token, <unk> stays one token, singletons become <unk> only without one', () => {
    expect(wordsOfText(' the <unk> said , N .\n it was n\'t \n')).toEqual(['the', '<unk>', 'said', ',', 'N', '.', '\n', 'it', 'was', "n't", '\n']);
    expect(detokenize(['it', 'was', '.', '\n', 'so', 'it', 'is'], 'word')).toBe('it was .\nso it is');
    const plain = encodeWords('a b a b a c\na b a b\n', 0, 100); // no <unk> in the text: c (seen once) reads as <unk>
    expect(plain.vocabulary).toEqual(['<unk>', 'a', 'b', '\n']);
    expect(Array.from(plain.ids)).toEqual([1, 2, 1, 2, 1, 0, 3, 1, 2, 1, 2, 3]);
    const ptb = encodeWords('a b <unk> c\na b\n', 0, 100); // the text has its own <unk>: every word it kept is a word
    expect(ptb.vocabulary).toEqual(['<unk>', '\n', 'a', 'b', 'c']);
    expect(encodeWords('a b a b c c d d\n', 0, 3).vocabulary).toEqual(['<unk>', 'a', 'b']); // the cap
    // the vocabulary comes from the training part: a word only in the validation tail is <unk> there
    const tail = encodeWords('x y x y x y x y zz zz\n', 0.3, 100);
    expect(tail.vocabulary).not.toContain('zz');
    const d = textData('the cat sat on the mat .\n'.repeat(40), { batchSize: 2, sequenceLength: 4, valFraction: 0.1, tokens: 'word' });
    expect(d.transforms).toMatchObject({ kind: 'text', tokens: 'word' });
    expect(d.summary).toMatch(/^text: 320 words \(a line's end counted as one\), vocabulary 8/);
    expect(() => textData('too few words here\n', { batchSize: 2, sequenceLength: 4, valFraction: 0.1, tokens: 'word' })).toThrow(/only 5 words: too few to learn words from/);
  });

  it('carries the hidden state from one chunk to the next (truncated BPTT)', () => {
    const text = 'abcdefghijklmnopqrstuvwxyz'.repeat(40);
    const data = textData(text, { batchSize: 2, sequenceLength: 8, valFraction: 0.1 });
    const spec: ModelSpec = { ...data.model, stack: { cell: 'lstm', layers: 2, hiddenSize: 8, bidirectional: false }, dropout: 0, forgetBias: 1 };
    const trainer = new Trainer(loadKernels(sourceTreeBinaries(), 'simd').exports, spec, { ...DEFAULT_TRAIN_SETTINGS, steps: 3 }, data);
    trainer.trainStep();
    const carried = trainer.net.finalStates();
    // The next batch starts from exactly those states: replay its forward by hand with them.
    const saved = trainer.state();
    const next = data.nextBatch().batch;
    data.seek(saved.dataCursor);
    const withState = trainer.net.forward({ ...next, initialH: carried.h, initialC: carried.c }).loss;
    const fresh = trainer.net.forward(next).loss;
    expect(Array.from(saved.carryH!)).toEqual(Array.from(carried.h));
    const step = trainer.trainStep();
    expect(step.loss).toBeCloseTo(withState, 5);
    expect(Math.abs(step.loss - fresh)).toBeGreaterThan(1e-6);
  });
});
