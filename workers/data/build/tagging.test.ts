import { describe, expect, it } from 'vitest';
import { Rng } from '../../engine/rng';
import type { ParsedTagged } from '../parsed';
import { withDefaults } from './choices';
import { countValues } from './common';
import { mostFrequentTagBaseline, taggingData, wordShape } from './tagging';
import { trainBriefly } from './testing';

function tagged(sentences: [string, string][][]): ParsedTagged {
  const s = sentences.map((pairs, i) => ({ tokens: pairs.map((p) => p[0]), tags: pairs.map((p) => p[1]), line: 1 + i * 10 }));
  return { kind: 'tagged', sentences: s, tags: countValues(s.flatMap((x) => x.tags)) };
}

describe('tagging builder', () => {
  it('pads with lengths and ignored (−1) targets; tags are the classes', () => {
    const p = tagged([
      [['John', 'B-PER'], ['runs', 'O']],
      [['Mary', 'B-PER'], ['lives', 'O'], ['in', 'O'], ['Paris', 'B-LOC']],
      [['it', 'O']],
      [['Paris', 'B-LOC'], ['sleeps', 'O']],
    ]);
    const d = taggingData(p, withDefaults({ valFraction: 0.25 }));
    expect(d.model).toMatchObject({ shape: 'many-to-many', output: { kind: 'classes', size: 3 } });
    if (d.transforms.kind !== 'tagging') throw new Error('kind');
    expect(d.transforms.tags).toEqual(['O', 'B-LOC', 'B-PER']); // by count, ties alphabetical
    expect(d.transforms.vocabulary[0]).toBe('<unk>');
    const b = d.nextBatch().batch; // all 3 training sentences
    expect(b.batchSize).toBe(3);
    const T = b.steps;
    expect(T).toBe(Math.max(...b.lengths!));
    for (let i = 0; i < 3; i++)
      for (let t = 0; t < T; t++) {
        const target = b.targetClasses![t * 3 + i];
        if (t < b.lengths![i]) expect(target).toBeGreaterThanOrEqual(0);
        else expect(target).toBe(-1);
      }
    expect(d.warnings).toEqual([]);
  });

  it('replaces about 10% of training tokens by <unk> (word dropout), never validation tokens, and replays on seek', () => {
    const rng = new Rng(5);
    const words = ['alpha', 'beta', 'gamma', 'delta', 'eps'];
    const sents = Array.from({ length: 200 }, () => Array.from({ length: 6 }, (): [string, string] => [words[rng.int(5)], 'O']));
    const d = taggingData(tagged(sents), withDefaults({ valFraction: 0.2 }));
    const unkRate = (batches: { tokens?: Int32Array; lengths?: Int32Array; batchSize: number; steps: number }[]): number => {
      let unk = 0;
      let n = 0;
      for (const b of batches)
        for (let t = 0; t < b.steps; t++)
          for (let i = 0; i < b.batchSize; i++)
            if (t < b.lengths![i]) {
              n++;
              if (b.tokens![t * b.batchSize + i] === 0) unk++;
            }
      return unk / n;
    };
    const train = Array.from({ length: 20 }, () => d.nextBatch().batch);
    expect(unkRate(train)).toBeGreaterThan(0.06);
    expect(unkRate(train)).toBeLessThan(0.14);
    expect(unkRate(d.validationBatches())).toBe(0); // every word is in the vocabulary
    d.seek(19);
    expect(Array.from(d.nextBatch().batch.tokens!)).toEqual(Array.from(train[19].tokens!));
  });

  it('the baseline tags each token with its most frequent training tag', () => {
    const train = [
      { tokens: ['a', 'b', 'a'], tags: ['X', 'Y', 'X'] },
      { tokens: ['a'], tags: ['Y'] },
    ];
    // a → X (2 of 3), b → Y; unseen → the overall top X (3 X vs 2 Y)
    const val = [{ tokens: ['a', 'b', 'c', 'b'], tags: ['X', 'X', 'X', 'Y'] }];
    expect(mostFrequentTagBaseline(train, val).metrics.accuracy).toBe(0.75);
  });

  it('trains: the validation loss falls and per-token accuracy beats the most-frequent-tag baseline', () => {
    // A token's tag depends on its left neighbour: after "the" a word is a NOUN, otherwise a VERB (for ambiguous words).
    const rng = new Rng(2);
    const words = ['run', 'walk', 'fish', 'ship', 'book'];
    const sents = Array.from({ length: 240 }, () => {
      const out: [string, string][] = [];
      for (let i = 0; i < 3 + rng.int(5); i++) {
        if (rng.next() < 0.4) out.push(['the', 'DET']);
        const w = words[rng.int(words.length)];
        out.push([w, out.length && out[out.length - 1][0] === 'the' ? 'NOUN' : 'VERB']);
      }
      return out;
    });
    const d = taggingData(tagged(sents), withDefaults({ batchSize: 32, valFraction: 0.2 }));
    const { first, last, metrics } = trainBriefly(d, 120);
    console.log(`[build] tagging: val loss ${first.toFixed(3)} → ${last.toFixed(4)}, accuracy ${metrics.accuracy.toFixed(3)} vs ${d.baseline!.name} ${d.baseline!.metrics.accuracy.toFixed(3)}`);
    expect(last).toBeLessThan(first * 0.5);
    expect(metrics.accuracy).toBeGreaterThan(d.baseline!.metrics.accuracy);
  });
});

describe('word shape features', () => {
  it('say what a tagger can see of an unseen word', () => {
    expect(Array.from(wordShape('London'))).toEqual([1, 0, 0, 0, 0, 0, Math.fround(0.6)]);
    expect(Array.from(wordShape('NASA')).slice(0, 2)).toEqual([1, 1]);
    expect(wordShape('B2B')[2]).toBe(1);
    expect(wordShape('@paulwalk')[3]).toBe(1);
    expect(wordShape('http://t.co/x')[4]).toBe(1);
    expect(wordShape('!!')[5]).toBe(1);
    expect(wordShape('the')[0]).toBe(0);
  });
});
