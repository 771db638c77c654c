import { describe, expect, it } from 'vitest';
import { forecastData, seasonFromDates } from './forecast';
import { withDefaults } from './choices';
import { dateCol, numCol, table, trainBriefly } from './testing';

const range = <T = number>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('series builder', () => {
  it('cuts lookback windows with the value horizon steps later, time-major, scaled on the training part only', () => {
    // 10 rows 0..9, lookback 3, horizon 2: windows start at 0..5 (target rows 4..9) → 6 windows; 1 for validation.
    const t = table(numCol('y', range(10, (i) => i)));
    const d = forecastData(t, withDefaults({ lookback: 3, horizon: 2, valFraction: 0.2, batchSize: 2 }));
    // training windows 0..4 see rows 0..8 (last target row 4 + 3 − 1 + 2 = 8): mean 4, std sqrt(60/9)
    const std = Math.sqrt(60 / 9);
    expect(d.transforms).toEqual({ kind: 'series', column: 'y', mean: 4, std: expect.closeTo(std, 10), lookback: 3, horizon: 2 });
    expect(d.model).toEqual({ shape: 'many-to-one', input: { vocabSize: 0, embedSize: 0, featureSize: 1 }, output: { kind: 'values', size: 1 } });
    const val = d.validationBatches();
    expect(val.length).toBe(1);
    const v = val[0];
    expect(v.batchSize).toBe(1);
    expect(v.steps).toBe(3);
    // the validation window starts at 5 → rows 5, 6, 7 predict row 7 + 2 = 9
    expect(Array.from(v.features!, (z) => z * std + 4)).toEqual([5, 6, 7].map((x) => expect.closeTo(x, 5)));
    expect(v.targetValues![0] * std + 4).toBeCloseTo(9, 5);
    expect(d.batchesPerEpoch).toBe(3);
    const b = d.nextBatch().batch;
    expect(b.features!.length).toBe(3 * 2);
    // persistence on the validation window: predicts row 7 (= 7) for 9 → error 2
    expect(d.baseline).toEqual({ name: 'persistence (the last value)', metrics: { rmse: 2, mae: 2 } });
  });

  it('differenced: windows of first differences predict the change Δ, scaled on the training part; metrics and persistence in levels', () => {
    // y = 0, 1, 3, 6, 10, 15, 21, 28, 36, 45: the change into row i is i. Lookback 3, horizon 2: windows start at
    // 1..5 (a difference needs the row before) → 5 windows, 1 for validation, 4 training (last rows 3..6).
    const y = range(10, (i) => (i * (i + 1)) / 2);
    const t = table(numCol('y', y));
    const d = forecastData(t, withDefaults({ lookback: 3, horizon: 2, valFraction: 0.2, batchSize: 2, difference: true }));
    // inputs: the changes into rows 1..8 (the rows the training windows see) → 1..8: mean 4.5, variance 63/12;
    // Δ of the training windows = y[last + 2] − y[last] = 2·last + 3 → 9, 11, 13, 15: scaled by their root mean square
    // √149, centred on 0 (the untrained model, whose head starts at zero, is the naive forecast itself)
    const sd = Math.sqrt(63 / 12);
    const rms = Math.sqrt(149);
    expect(d.transforms).toEqual({ kind: 'series', column: 'y', mean: 4.5, std: expect.closeTo(sd, 10), lookback: 3, horizon: 2, difference: true, delta: { mean: 0, std: expect.closeTo(rms, 10) } });
    expect(d.model.output).toEqual({ kind: 'values', size: 1, zeroInit: true });
    const v = d.validationBatches()[0];
    expect(v.batchSize).toBe(1);
    // the validation window starts at row 5: changes 5, 6, 7 (rows 5..7) → Δ = y[9] − y[7] = 45 − 28 = 17
    expect(Array.from(v.features!, (z) => z * sd + 4.5)).toEqual([5, 6, 7].map((x) => expect.closeTo(x, 5)));
    expect(v.targetValues![0] * rms).toBeCloseTo(17, 5);
    const first = forecastData(t, withDefaults({ lookback: 3, horizon: 2, valFraction: 0.2, batchSize: 4, difference: true, seed: 3 })).nextBatch().batch;
    for (let b = 0; b < 4; b++) {
      const changes = [0, 1, 2].map((k) => first.features![k * 4 + b] * sd + 4.5);
      const last = changes[2]; // the change into row `last` is `last` here
      expect(changes).toEqual([last - 2, last - 1, last].map((x) => expect.closeTo(x, 4)));
      expect(first.targetValues![b] * rms).toBeCloseTo(2 * last + 3, 4);
    }
    // persistence (a change of 0) is still the baseline: 28 for 45
    expect(d.baseline).toEqual({ name: 'persistence (the last value)', metrics: { rmse: 17, mae: 17 } });
    // metrics in the target's units: predicting Δ = 0 scores as persistence, predicting Δ exactly scores 0
    const m = d.createMetrics();
    m.add(Float32Array.of(0), v);
    expect(m.result(0).rmse).toBeCloseTo(17, 4);
    const exact = d.createMetrics();
    exact.add(v.targetValues!, v);
    expect(exact.result(0)).toEqual({ rmse: 0, mae: 0 });
    expect(d.summary).toContain('differenced: the model reads the change');
    expect(d.warnings).toEqual([]);
  });

  it('without difference the transforms are as before, and a trend beyond the training range suggests --difference', () => {
    const t = table(numCol('y', range(60, (i) => i)));
    const plain = forecastData(t, withDefaults({ lookback: 4 }));
    const off = forecastData(t, withDefaults({ lookback: 4, difference: false }));
    expect(off.transforms).toEqual(plain.transforms);
    expect(Object.keys(plain.transforms)).toEqual(['kind', 'column', 'mean', 'std', 'lookback', 'horizon']);
    expect(plain.warnings.join(' ')).toMatch(/outside the range .* --difference/);
    const flat = forecastData(table(numCol('y', range(60, (i) => Math.sin(i)))), withDefaults({ lookback: 4 }));
    expect(flat.warnings).toEqual([]);
  });

  it('differenced multi-column: each input column is read as changes, the target as its change Δ', () => {
    const n = 30;
    const t = table(numCol('a', range(n, (i) => 3 * i)), numCol('y', range(n, (i) => 10 + 2 * i)));
    const d = forecastData(t, withDefaults({ input: ['a', 'y'], target: 'y', lookback: 4, valFraction: 0.2, difference: true }));
    expect(d.transforms).toMatchObject({ kind: 'multiseries', difference: true, target: { column: 'y', mean: 0, std: 2 } }); // every change is 2: its root mean square
    if (d.transforms.kind !== 'multiseries') return;
    expect(d.transforms.inputs.map((c) => c.mean)).toEqual([3, 2]);
    expect(d.baseline?.metrics.rmse).toBe(2); // persistence misses one step's change
  });

  it('is deterministic for a seed and replays from a cursor', () => {
    const t = table(numCol('y', range(200, (i) => Math.sin(i / 3))));
    const c = withDefaults({ lookback: 8, batchSize: 16, seed: 7 });
    const a = forecastData(t, c);
    const b = forecastData(t, c);
    const seqA = Array.from({ length: 20 }, () => Array.from(a.nextBatch().batch.features!));
    for (let i = 0; i < 12; i++) b.nextBatch();
    expect(b.cursor()).toBe(12);
    b.seek(5);
    expect(Array.from(b.nextBatch().batch.features!)).toEqual(seqA[5]);
    const other = forecastData(t, { ...c, seed: 8 });
    expect(Array.from(other.nextBatch().batch.features!)).not.toEqual(seqA[0]);
  });

  it('multivariate: input columns per step, each scaled with its own training mean and std; the target in its units', () => {
    const n = 40;
    const t = table(numCol('a', range(n, (i) => i)), numCol('b', range(n, (i) => 100 + 10 * (i % 2))), numCol('y', range(n, (i) => 2 * i)));
    const d = forecastData(t, withDefaults({ input: ['a', 'b'], target: 'y', lookback: 4, valFraction: 0.25, batchSize: 4 }));
    expect(d.model.input.featureSize).toBe(2);
    expect(d.transforms.kind).toBe('multiseries');
    if (d.transforms.kind !== 'multiseries') return;
    const [sa, sb] = d.transforms.inputs;
    // 36 windows, 9 for validation, 27 training: fit on rows [0, 26 + 4 + 1) = 31 rows
    expect(sa.mean).toBeCloseTo(15, 10);
    expect(sb.mean).toBeCloseTo(100 + 10 * (15 / 31), 10);
    expect(d.transforms.target.mean).toBeCloseTo(30, 10);
    const v = d.validationBatches()[0];
    const B = v.batchSize;
    // (t, b, f) layout: window 27 starts at row 27 → a = 27 + t
    for (let s = 0; s < 4; s++) expect(v.features![(s * B + 0) * 2 + 0] * sa.std + sa.mean).toBeCloseTo(27 + s, 4);
    expect(v.targetValues![0] * d.transforms.target.std + d.transforms.target.mean).toBeCloseTo(2 * 31, 4);
    // metrics come back in the target's units: a perfect model scores 0, an error of one z is one std
    const m = d.createMetrics();
    m.add(Float32Array.from(v.targetValues!, (z) => z + 1), v);
    expect(m.result(0).rmse).toBeCloseTo(d.transforms.target.std, 4);
  });

  it('fills gaps by linear interpolation, says so, and names a column without values', () => {
    const t = table(numCol('y', [1, NaN, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
    const d = forecastData(t, withDefaults({ lookback: 2 }));
    expect(d.summary).toMatch(/1 in "y" filled by linear interpolation/);
    const empty = table(numCol('x', range(12, (i) => i)), numCol('y', range(12, () => NaN)));
    expect(() => forecastData(empty, withDefaults({ target: 'y', lookback: 2 }))).toThrow(/--target y: the column has no values/);
    expect(() => forecastData(t, withDefaults({ target: 'price' }))).toThrow(/--target price: no such column \(columns: y\)/);
    expect(() => forecastData(t, withDefaults({ lookback: 50 }))).toThrow(/too few for a lookback of 50/);
  });

  it('finds the season from the date spacing and uses it for the seasonal-naive baseline', () => {
    const day = (i: number, step: number): string => new Date(Date.UTC(2020, 0, 1) + i * step * 86_400_000).toISOString();
    const monthly = Array.from({ length: 30 }, (_, i) => new Date(Date.UTC(2000, i, 1)).toISOString());
    expect(seasonFromDates(Float64Array.from(range(10, (i) => Date.parse(day(i, 7)))))).toBe(52);
    expect(seasonFromDates(Float64Array.from(range(10, (i) => Date.parse(day(i, 1)))))).toBe(7);
    expect(seasonFromDates(Float64Array.from(monthly, (d) => Date.parse(d)))).toBe(12);
    expect(seasonFromDates(Float64Array.from(range(10, (i) => Date.parse(new Date(Date.UTC(2000, 3 * i, 1)).toISOString()))))).toBe(4);
    // A pure period-4 pattern, quarterly: seasonal naive is exact, persistence is not.
    const n = 60;
    const t = table(dateCol('quarter', range(n, (i) => new Date(Date.UTC(2000, 3 * i, 1)).toISOString())), numCol('sales', range(n, (i) => [10, 20, 30, 5][i % 4])));
    const d = forecastData(t, withDefaults({ lookback: 8 }));
    expect(d.baseline?.name).toBe('seasonal naive (period 4)');
    expect(d.baseline?.metrics.rmse).toBe(0);
    expect(d.transforms).toMatchObject({ kind: 'series' });
    expect(d.summary).toMatch(/persistence \(the last value\) rmse/);
  });

  it('trains: the validation loss falls and beats persistence', () => {
    const n = 400;
    const t = table(numCol('y', range(n, (i) => 50 + 10 * Math.sin(i * 0.4) + 3 * Math.sin(i * 1.3))));
    const d = forecastData(t, withDefaults({ lookback: 12, batchSize: 32 }));
    const { first, last, metrics } = trainBriefly(d, 150, { cell: 'lstm' });
    console.log(`[build] series: val loss ${first.toFixed(3)} → ${last.toFixed(4)}, rmse ${metrics.rmse.toFixed(3)} vs persistence ${d.baseline!.metrics.rmse.toFixed(3)}`);
    expect(last).toBeLessThan(first * 0.5);
    expect(metrics.rmse).toBeLessThan(d.baseline!.metrics.rmse);
  });
});
