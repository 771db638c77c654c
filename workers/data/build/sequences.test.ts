import { describe, expect, it } from 'vitest';
import { Rng } from '../../engine/rng';
import type { ParsedSequences } from '../parsed';
import { withDefaults } from './choices';
import { groupTable, sequencesData } from './sequences';
import { catCol, numCol, table, trainBriefly } from './testing';

const seqs = (xs: { steps: number[][]; label?: string }[], names = ['x']): ParsedSequences => ({
  kind: 'sequences',
  featureNames: names,
  sequences: xs.map((s, i) => ({ id: `s${i}`, steps: s.steps.map((r) => Float64Array.from(r)), label: s.label, line: i + 1 })),
});

describe('sequence classification builder', () => {
  it('groups a long-format table by id, ordered by step, one label per sequence', () => {
    const t = table(catCol('id', ['a', 'b', 'a', 'b', 'a']), numCol('t', [2, 1, 1, 2, 3]), numCol('v', [20, 10, 10, 20, 30]), catCol('y', ['up', 'dn', 'up', 'dn', 'up']));
    const p = groupTable(t, { sequence: 'id', step: 't', target: 'y' });
    expect(p.featureNames).toEqual(['v']);
    expect(p.sequences.map((s) => [s.id, s.label, s.steps.map((x) => x[0])])).toEqual([
      ['a', 'up', [10, 20, 30]],
      ['b', 'dn', [10, 20]],
    ]);
    const bad = table(catCol('id', ['a', 'a']), numCol('v', [1, 2]), catCol('y', ['p', 'q']));
    expect(() => groupTable(bad, { sequence: 'id', target: 'y' })).toThrow(/sequence "a" has 2 different labels/);
  });

  it('scales each feature on the training sequences only, pads with lengths, fills gaps', () => {
    // lengths 2, 3, 1, 4 tell the sequences apart; a gap in the second is filled by interpolation (6)
    const p = seqs(
      [
        { steps: [[0, 100], [2, 100]], label: 'a' },
        { steps: [[4, 300], [NaN, 300], [8, 300]], label: 'b' },
        { steps: [[1000, 0]], label: 'a' },
        { steps: [[6, 200], [6, 200], [6, 200], [6, 200]], label: 'b' },
      ],
      ['x', 'y'],
    );
    const d = sequencesData(p, withDefaults({ valFraction: 0.25, seed: 1 }));
    if (d.transforms.kind !== 'sequences') throw new Error('kind');
    const [val] = d.validationBatches();
    expect(val.batchSize).toBe(1);
    const filledX = [[0, 2], [4, 6, 8], [1000], [6, 6, 6, 6]];
    const held = [2, 3, 1, 4].indexOf(val.lengths![0]);
    const xs = filledX.filter((_, i) => i !== held).flat();
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(d.transforms.features[0].mean).toBeCloseTo(mean, 8);
    expect(d.transforms.features[0].std).toBeCloseTo(std, 8);
    expect(val.features![0] * std + mean).toBeCloseTo(filledX[held][0], 3);
    const b = d.nextBatch().batch;
    expect(b.features!.length).toBe(b.steps * b.batchSize * 2);
    expect(b.features!.every(Number.isFinite)).toBe(true);
    expect(b.steps).toBe(Math.max(...b.lengths!));
    expect(d.summary).toMatch(/gaps filled by linear interpolation/);
  });

  it('says when there are no labels and when a sequence is too long', () => {
    expect(() => sequencesData(seqs([{ steps: [[1]] }, { steps: [[2]] }]), withDefaults({}))).toThrow(/no labels: name the label column with --target/);
    const long = seqs([{ steps: Array.from({ length: 6000 }, () => [1]), label: 'a' }, { steps: [[1]], label: 'b' }, { steps: [[1]], label: 'a' }]);
    expect(() => sequencesData(long, withDefaults({}))).toThrow(/longer than anything sensible: 6,000 steps/);
    expect(sequencesData(long, withDefaults({ maxLength: 50 })).summary).toMatch(/1 longer sequences cut/);
  });

  it('trains: rising vs falling noisy sequences of different lengths', () => {
    const rng = new Rng(8);
    const xs = Array.from({ length: 200 }, () => {
      const up = rng.next() < 0.5;
      const n = 5 + rng.int(10);
      return { steps: Array.from({ length: n }, (_, t) => [(up ? t : -t) * 0.5 + rng.normal(), rng.normal()]), label: up ? 'rising' : 'falling' };
    });
    const d = sequencesData(seqs(xs, ['value', 'noise']), withDefaults({ batchSize: 32 }));
    const { first, last, metrics } = trainBriefly(d, 100);
    console.log(`[build] sequences: val loss ${first.toFixed(3)} → ${last.toFixed(4)}, accuracy ${metrics.accuracy.toFixed(3)} vs ${d.baseline!.name} ${d.baseline!.metrics.accuracy.toFixed(3)}`);
    expect(last).toBeLessThan(first * 0.5);
    expect(metrics.accuracy).toBeGreaterThan(d.baseline!.metrics.accuracy);
  });
});
