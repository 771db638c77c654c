import { describe, expect, it } from 'vitest';
import { Rng } from '../../engine/rng';
import { withDefaults } from './choices';
import { tabularData } from './tabular';
import { catCol, numCol, table, trainBriefly } from './testing';

describe('one-to-one builder', () => {
  it('numeric target: T = 1, scaled numbers and one-hot categories, mean baseline in units', () => {
    const t = table(numCol('size', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), catCol('kind', ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', '']), numCol('price', [10, 20, 30, 40, 50, 60, 70, 80, 90, NaN]));
    const d = tabularData(t, withDefaults({ valFraction: 0.25 }));
    expect(d.model).toEqual({ shape: 'one-to-one', input: { vocabSize: 0, embedSize: 0, featureSize: 3 }, output: { kind: 'values', size: 1 } });
    expect(d.summary).toMatch(/1 rows without a target left out/);
    if (d.transforms.kind !== 'tabular') throw new Error('kind');
    const [size, kind] = d.transforms.inputs;
    expect(size).toMatchObject({ kind: 'numeric', column: 'size' });
    expect(kind).toMatchObject({ kind: 'categorical', column: 'kind' });
    const target = d.transforms.target;
    if (target.kind !== 'values') throw new Error('target');
    const [v] = d.validationBatches();
    expect(v.steps).toBe(1);
    for (let b = 0; b < v.batchSize; b++) {
      const price = v.targetValues![b] * target.std + target.mean;
      const sz = v.features![b * 3] * (size.kind === 'numeric' ? size.std : 1) + (size.kind === 'numeric' ? size.mean : 0);
      expect(price).toBeCloseTo(10 * sz, 3);
      expect(v.features![b * 3 + 1] + v.features![b * 3 + 2]).toBe(1);
    }
    // the baseline predicts the training mean
    const val = Array.from(v.targetValues!, (z) => z * target.std + target.mean);
    const rmse = Math.sqrt(val.reduce((s, y) => s + (y - target.mean) ** 2, 0) / val.length);
    expect(d.baseline!.metrics.rmse).toBeCloseTo(rmse, 3);
  });

  it('categorical target: classes, majority baseline, a class seen once', () => {
    const t = table(numCol('x', [1, 2, 3, 4, 5]), catCol('y', ['p', 'p', 'q', 'q', 'r']));
    const d = tabularData(t, withDefaults({}));
    expect(d.model.output).toEqual({ kind: 'classes', size: 3 });
    expect(d.warnings[0]).toMatch(/a class seen once: "r"/);
    expect(() => tabularData(t, withDefaults({ input: ['z'] }))).toThrow(/--input z: no such column \(columns: x, y\)/);
  });

  it('trains: XOR of two columns as a class', () => {
    const rng = new Rng(5);
    const n = 400;
    const a = Array.from({ length: n }, () => rng.int(2));
    const b = Array.from({ length: n }, () => rng.int(2));
    const t = table(numCol('a', a.map((v) => v + 0.1 * rng.normal())), numCol('b', b.map((v) => v + 0.1 * rng.normal())), catCol('xor', a.map((v, i) => (v ^ b[i] ? 'one' : 'zero'))));
    const d = tabularData(t, withDefaults({ batchSize: 32 }));
    const { first, last, metrics } = trainBriefly(d, 150);
    console.log(`[build] one-to-one: val loss ${first.toFixed(3)} → ${last.toFixed(4)}, accuracy ${metrics.accuracy.toFixed(3)} vs ${d.baseline!.name} ${d.baseline!.metrics.accuracy.toFixed(3)}`);
    expect(last).toBeLessThan(first * 0.5);
    expect(metrics.accuracy).toBeGreaterThan(0.9);
  });
});
