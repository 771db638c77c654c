import { describe, expect, it } from 'vitest';
import { Rng } from '../../engine/rng';
import { withDefaults } from './choices';
import { classifyData } from './classify';
import { catCol, numCol, table, textCol, trainBriefly } from './testing';

describe('text classification builder', () => {
  const t = table(
    textCol('sentence', ['Good film!', 'bad plot', 'GOOD good acting', 'a bad bad ending', 'good', 'bad', 'fine good', 'terrible bad']),
    catCol('label', ['pos', 'neg', 'pos', 'neg', 'pos', 'neg', 'pos', 'neg']),
  );

  it('pads word tokens per batch with lengths, maps unseen words to <unk>, and lists the classes with counts', () => {
    const d = classifyData(t, withDefaults({ valFraction: 0.25, batchSize: 8 }));
    expect(d.model.shape).toBe('many-to-one');
    if (d.transforms.kind !== 'classify') throw new Error('kind');
    const { vocabulary, classes } = d.transforms;
    expect(vocabulary[0]).toBe('<unk>');
    expect(classes).toEqual(['neg', 'pos']); // 4 each: alphabetical
    expect(vocabulary).not.toContain('GOOD'); // word tokens are lower-cased
    expect(d.summary).toMatch(/2 classes: neg 4, pos 4/);
    const [v] = d.validationBatches();
    expect(v.batchSize).toBe(2);
    expect(v.lengths).toBeDefined();
    const T = v.steps;
    expect(T).toBe(Math.max(...v.lengths!));
    for (let b = 0; b < v.batchSize; b++) for (let s = v.lengths![b]; s < T; s++) expect(v.tokens![s * v.batchSize + b]).toBe(0);
    expect(v.targetClasses!.length).toBe(2);
  });

  it('caps the vocabulary, keeping the most frequent training words', () => {
    const d = classifyData(t, withDefaults({ vocabularyCap: 4, valFraction: 0.25 }));
    if (d.transforms.kind !== 'classify') throw new Error('kind');
    expect(d.transforms.vocabulary.length).toBeLessThanOrEqual(4);
    expect(d.transforms.vocabulary[0]).toBe('<unk>');
  });

  it('leaves words seen once in training out of the vocabulary, so <unk> is trained too', () => {
    const d = classifyData(t, withDefaults({ valFraction: 0.0001 })); // (almost) every sentence trains
    if (d.transforms.kind !== 'classify') throw new Error('kind');
    const vocab = d.transforms.vocabulary;
    expect(vocab).toContain('good'); // seen 5 times
    expect(vocab).toContain('bad'); // seen 5 times
    expect(vocab).not.toContain('terrible'); // seen once: <unk>
    expect(vocab).not.toContain('acting');
  });

  it('char tokens keep case; --max-length cuts; a label seen once is a warning; errors name the choice', () => {
    const d = classifyData(t, withDefaults({ tokens: 'char', maxLength: 5 }));
    if (d.transforms.kind !== 'classify') throw new Error('kind');
    expect(d.transforms.vocabulary).toContain('G');
    expect(Math.max(...d.validationBatches().flatMap((b) => Array.from(b.lengths!)))).toBeLessThanOrEqual(5);
    const once = table(textCol('s', ['a b', 'c d', 'e f', 'g h']), catCol('y', ['x', 'x', 'x', 'z']));
    expect(classifyData(once, withDefaults({})).warnings[0]).toMatch(/a label seen once: "z"/);
    expect(() => classifyData(t, withDefaults({ target: 'mood' }))).toThrow(/--target mood: no such column \(columns: sentence, label\)/);
    const huge = table(textCol('s', ['w '.repeat(6000), 'a', 'b']), catCol('y', ['p', 'q', 'p']));
    expect(() => classifyData(huge, withDefaults({}))).toThrow(/longer than anything sensible: 6,000 steps; use --lookback\/--max-length/);
  });

  it('splits by a seeded shuffle; same seed → same batches; seek replays; majority baseline', () => {
    const rng = new Rng(3);
    const n = 60;
    const sentences = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 'bad awful' : 'good nice') + ' x'.repeat(rng.int(4)));
    const big = table(textCol('s', sentences), catCol('y', sentences.map((s) => (s.startsWith('bad') ? 'neg' : 'pos'))));
    const a = classifyData(big, withDefaults({ batchSize: 8, seed: 5, valFraction: 0.2, testFraction: 0.1 }));
    const b = classifyData(big, withDefaults({ batchSize: 8, seed: 5, valFraction: 0.2, testFraction: 0.1 }));
    expect(a.summary).toMatch(/42 training, 12 validation, 6 test/);
    expect(a.testBatches!().reduce((s, x) => s + x.batchSize, 0)).toBe(6);
    const seq = Array.from({ length: 10 }, () => Array.from(a.nextBatch().batch.tokens!));
    expect(Array.from(b.nextBatch().batch.tokens!)).toEqual(seq[0]);
    b.seek(7);
    expect(Array.from(b.nextBatch().batch.tokens!)).toEqual(seq[7]);
    expect(a.baseline!.name).toBe('majority class "pos"');
    const valLabels = a.validationBatches().flatMap((x) => Array.from(x.targetClasses!));
    expect(a.baseline!.metrics.accuracy).toBeCloseTo(valLabels.filter((l) => l === 0).length / valLabels.length, 12); // pos is class 0
  });

  it('rows labelled as having no label (aclImdb\'s "unsup") are left out, and said, not learnt as a class', () => {
    const u = table(
      textCol('review', ['Good film!', 'bad plot', 'GOOD good acting', 'a bad bad ending', 'good', 'bad', 'fine good', 'terrible bad', 'a film', 'another film']),
      catCol('label', ['pos', 'neg', 'pos', 'neg', 'pos', 'neg', 'pos', 'neg', 'unsup', 'unsup']),
    );
    const d = classifyData(u, withDefaults({ valFraction: 0.25, batchSize: 8 }));
    if (d.transforms.kind !== 'classify') throw new Error('kind');
    expect(d.transforms.classes).toEqual(['neg', 'pos']);
    expect(d.summary).toMatch(/2 rows without text or label left out \(2 of them marked as having none: "unsup"\)/);
  });

  it('numeric labels with few whole values are classes', () => {
    const d = classifyData(table(textCol('s', ['a', 'b', 'c', 'd']), numCol('stars', [1, 5, 1, 5])), withDefaults({}));
    if (d.transforms.kind !== 'classify') throw new Error('kind');
    expect(d.transforms.classes.sort()).toEqual(['1', '5']);
  });

  it('trains: the validation loss falls below the majority baseline', () => {
    const rng = new Rng(11);
    const pos = ['good', 'great', 'fine', 'nice', 'lovely'];
    const neg = ['bad', 'awful', 'poor', 'dull', 'boring'];
    const filler = ['the', 'film', 'was', 'plot', 'very', 'and', 'acting'];
    const rows = Array.from({ length: 300 }, () => {
      const p = rng.next() < 0.5;
      const words = Array.from({ length: 3 + rng.int(5) }, () => filler[rng.int(filler.length)]);
      words.splice(rng.int(words.length + 1), 0, (p ? pos : neg)[rng.int(5)]);
      return { s: words.join(' '), y: p ? 'positive' : 'negative' };
    });
    const d = classifyData(table(textCol('review', rows.map((r) => r.s)), catCol('sentiment', rows.map((r) => r.y))), withDefaults({ batchSize: 32, valFraction: 0.2 }));
    const { first, last, metrics } = trainBriefly(d, 80, { bidirectional: true });
    console.log(`[build] text classification: val loss ${first.toFixed(3)} → ${last.toFixed(4)}, accuracy ${metrics.accuracy.toFixed(3)} vs ${d.baseline!.name} ${d.baseline!.metrics.accuracy.toFixed(3)}`);
    expect(last).toBeLessThan(first * 0.5);
    expect(metrics.accuracy).toBeGreaterThan(d.baseline!.metrics.accuracy + 0.2);
  });
});
