import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS } from '../../../src-shared/model';
import { Rng } from '../../engine/rng';
import { loadTrainingData } from '../load';
import type { ParsedTagged } from '../parsed';
import { withDefaults } from './choices';
import { countValues } from './common';
import { mostFrequentTagBaseline, taggingData, taggingMetrics, wordShape } from './tagging';
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
    expect(mostFrequentTagBaseline(train, val).metrics).toEqual({ accuracy: 0.75 }); // not BIO: no entity metrics
  });

  it('the baseline of BIO tags is also scored by entity; one that tags everything O scores entity F1 0', () => {
    const train = [
      { tokens: ['met', 'Ann', 'Lee'], tags: ['O', 'B-person', 'I-person'] },
      { tokens: ['in', 'Oslo', 'with', 'Ann'], tags: ['O', 'B-location', 'O', 'B-person'] },
    ];
    // predicted: O B-person I-person O B-location → person [1,3) right, location [4,5) wrong (gold is group)
    const val = [{ tokens: ['met', 'Ann', 'Lee', 'in', 'Oslo'], tags: ['O', 'B-person', 'I-person', 'O', 'B-group'] }];
    const m = mostFrequentTagBaseline(train, val).metrics;
    expect(m.accuracy).toBeCloseTo(0.8, 12);
    expect(m).toMatchObject({ entityPrecision: 0.5, entityRecall: 0.5, entityF1: 0.5 });
    const allO = [{ tokens: ['x', 'y'], tags: ['O', 'O'] }];
    const gold = [{ tokens: ['x', 'y'], tags: ['B-person', 'O'] }];
    expect(mostFrequentTagBaseline(allO, gold).metrics).toEqual({ entityF1: 0, entityPrecision: 0, entityRecall: 0, accuracy: 0.5 });
  });

  it('entity metrics of a batch leave out padding and masked tokens, and per-token accuracy stays beside them', () => {
    const tags = ['O', 'B-person', 'I-person', 'B-location'];
    const K = tags.length;
    // B = 2 sentences, T = 3 steps, time-major (t·B + b). Sentence 0 has 2 tokens (step 2 is padding); sentence 1
    // has 3, its step 1 masked by a zero weight.
    const targetClasses = Int32Array.from([1, 3, /* t=1 */ 2, 0, /* t=2 */ -1, 1]);
    const weights = Float32Array.from([1, 1, 1, 0, 0, 1]);
    const predicted = [1, 3, /* t=1 */ 2, 2, /* t=2 */ 2, 1]; // I-person on sentence 0's padding, I-person on the masked step
    const outputs = new Float32Array(6 * K);
    predicted.forEach((k, i) => (outputs[i * K + k] = 5));
    const m = taggingMetrics(tags);
    m.add(outputs, { batchSize: 2, steps: 3, lengths: Int32Array.from([2, 3]), targetClasses, weights });
    // sentence 0: person [0,2) both; sentence 1: location [0,1) and person [2,3) both (the masked I-person neither
    // extends the location nor starts an entity)
    expect(m.result(0.1)).toEqual({ entityF1: 1, entityPrecision: 1, entityRecall: 1, accuracy: 1 });

    const wrong = taggingMetrics(tags);
    const allO = new Float32Array(6 * K);
    for (let i = 0; i < 6; i++) allO[i * K] = 5; // everything O
    wrong.add(allO, { batchSize: 2, steps: 3, lengths: Int32Array.from([2, 3]), targetClasses, weights });
    expect(wrong.result(0.1)).toEqual({ entityF1: 0, entityPrecision: 0, entityRecall: 0, accuracy: 0 });
    expect(Object.keys(taggingMetrics(['NOUN', 'VERB']).result(0))).toEqual(['accuracy']); // not BIO
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

describe('entity F1 through the real pipeline', () => {
  it('a BIO-tagged CoNLL file, read and built as training reads it, reports entity F1 in every evaluation and beside its baseline', async () => {
    // Names are capitalised and follow "met" / "with" (person) or "in" / "to" (location); "Jordan" and "Paris" are
    // both, so a tagger must read the context. Two-word entities exercise I- tags.
    const rng = new Rng(7);
    const first = ['Ann', 'Bob', 'Cleo', 'Dev', 'Jordan', 'Paris', 'Eve', 'Finn'];
    const last = ['Lee', 'Kim', 'Moss', 'Hart'];
    const places = ['Oslo', 'Lima', 'Jordan', 'Paris', 'Kyoto', 'Quito'];
    const filler = ['we', 'went', 'then', 'later', 'today', 'and', 'so', 'it', 'was', 'fun'];
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) {
      const push = (w: string, tag: string): number => lines.push(`${w}\t${tag}`);
      for (let k = 0; k < 1 + rng.int(3); k++) push(filler[rng.int(filler.length)], 'O');
      if (rng.next() < 0.5) {
        push(rng.next() < 0.5 ? 'met' : 'with', 'O');
        push(first[rng.int(first.length)], 'B-person');
        if (rng.next() < 0.5) push(last[rng.int(last.length)], 'I-person');
      } else {
        push(rng.next() < 0.5 ? 'in' : 'to', 'O');
        push(places[rng.int(places.length)], 'B-location');
      }
      for (let k = 0; k < rng.int(3); k++) push(filler[rng.int(filler.length)], 'O');
      lines.push('');
    }
    const dir = mkdtempSync(join(tmpdir(), 'seqstudio-entities-'));
    try {
      const path = join(dir, 'ner.conll');
      writeFileSync(path, lines.join('\n'));
      const settings = { ...DEFAULT_TRAIN_SETTINGS, batchSize: 16 };
      const data = await loadTrainingData({ path, format: 'auto', valFraction: 0.2 }, settings);
      expect(data.transforms.kind).toBe('tagging');
      expect(data.summary).toMatch(/tagging every token O would score accuracy 0\.\d+ but entity F1 0/);
      expect(Object.keys(data.baseline!.metrics).sort()).toEqual(['accuracy', 'entityF1', 'entityPrecision', 'entityRecall']);
      const { metrics, trainer } = trainBriefly(data, 150, { bidirectional: true, hidden: 24 });
      const e = trainer.evaluate();
      expect(Object.keys(e.metrics)).toEqual(['entityF1', 'entityPrecision', 'entityRecall', 'accuracy']);
      console.log(
        `[build] tagging entities: entity F1 ${metrics.entityF1.toFixed(3)} (P ${metrics.entityPrecision.toFixed(3)}, R ${metrics.entityRecall.toFixed(3)}), accuracy ${metrics.accuracy.toFixed(3)}; ` +
          `${data.baseline!.name}: entity F1 ${data.baseline!.metrics.entityF1.toFixed(3)}, accuracy ${data.baseline!.metrics.accuracy.toFixed(3)}`,
      );
      expect(metrics.entityF1).toBeGreaterThan(data.baseline!.metrics.entityF1);
      expect(metrics.entityF1).toBeGreaterThan(0.8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
