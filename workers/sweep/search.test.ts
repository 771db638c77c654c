// The search methods against known objective functions: grid covers the grid, random is seeded and stays in range
// (log-uniform where asked), the Parzen estimators are proper densities, and TPE's best after N trials beats random
// search's on average over seeds, on a quadratic bowl (with a log range and a choice) and on Branin.

import { describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng';
import { parseSpace, type SearchSpace, type TrialParams } from './space';
import { choiceWeights, goodCount, gridPoint, gridSize, gridValues, parzen, parzenDensity, parzenSample, suggest, type Observation, type SearchMethod } from './search';

/** Runs a sequential search of `n` trials on `f`; returns the best objective found. */
function search(method: SearchMethod, space: SearchSpace, f: (p: TrialParams) => number, n: number, seed: number): number {
  const observed: Observation[] = [];
  for (let i = 0; i < n; i++) {
    const params = suggest(method, space, i, seed, observed)!;
    observed.push({ params, objective: f(params) });
  }
  return Math.min(...observed.map((o) => o.objective));
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('grid', () => {
  it('enumerates every combination once, log-spaced where asked', () => {
    const space = parseSpace('cell=lstm,gru layers=1..3 lr=1e-4..1e-2:log');
    expect(gridValues(space[2]).map((v) => Number((v as number).toPrecision(6)))).toEqual([1e-4, 1e-3, 1e-2]);
    expect(gridSize(space)).toBe(18);
    const seen = new Set<string>();
    for (let i = 0; i < 18; i++) seen.add(JSON.stringify(gridPoint(space, i)));
    expect(seen.size).toBe(18);
    expect(gridPoint(space, 0)).toEqual({ cell: 'lstm', layers: 1, learningRate: 1e-4 });
    expect(gridPoint(space, 18)).toBeUndefined();
    expect(gridValues(parseSpace('hidden=32..256:32')[0], 4)).toEqual([32, 96, 192, 256]);
  });
});

describe('random', () => {
  it('is seeded, stays in range, and draws a log range log-uniformly', () => {
    const space = parseSpace('lr=1e-4..1e-0:log hidden=8..64:8 cell=lstm,gru,rnn');
    const a = Array.from({ length: 400 }, (_, i) => suggest('random', space, i, 7, [])!);
    const b = Array.from({ length: 400 }, (_, i) => suggest('random', space, i, 7, [])!);
    expect(a).toEqual(b);
    expect(suggest('random', space, 0, 8, [])).not.toEqual(a[0]);
    for (const p of a) {
      expect(p.learningRate as number).toBeGreaterThanOrEqual(1e-4);
      expect(p.learningRate as number).toBeLessThanOrEqual(1);
      expect(((p.hiddenSize as number) - 8) % 8).toBe(0);
    }
    // log-uniform: about a quarter of the draws in each decade
    const decades = [0, 0, 0, 0];
    for (const p of a) decades[Math.min(3, Math.floor(Math.log10(p.learningRate as number) + 4))]++;
    for (const d of decades) expect(d).toBeGreaterThan(60);
    const hidden = new Set(a.map((p) => p.hiddenSize));
    expect(hidden.size).toBe(8); // 8, 16, …, 64 all drawn, ends included
  });
});

describe('Parzen estimators', () => {
  it('are densities over the range (they integrate to 1) and sample inside it', () => {
    const m = parzen([0.1, 0.15, 0.8], 0, 1);
    let integral = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) integral += parzenDensity(m, (i + 0.5) / n) / n;
    expect(integral).toBeCloseTo(1, 3);
    const rng = new Rng(1);
    const xs = Array.from({ length: 2000 }, () => parzenSample(m, rng));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(1);
    // more mass near the two close observations than near the lone one
    expect(xs.filter((x) => x < 0.3).length).toBeGreaterThan(xs.filter((x) => x > 0.6).length);
  });

  it('smooths choice counts with a prior of one each, and splits at γ', () => {
    expect(choiceWeights(['a', 'b', 'c'], ['a', 'a', 'b'])).toEqual([3 / 6, 2 / 6, 1 / 6]);
    expect([goodCount(8, 0.25), goodCount(9, 0.25), goodCount(2, 0.25), goodCount(100, 0.15)]).toEqual([2, 3, 1, 15]);
  });
});

describe('TPE against random search', () => {
  const seeds = Array.from({ length: 12 }, (_, i) => i + 1);

  it('finds a lower quadratic bowl (log range, integer, choice) in 40 trials, on average over 12 seeds', () => {
    const space = parseSpace('lr=1e-5..1:log hidden=8..512 cell=lstm,gru,rnn dropout=0..0.9');
    const bowl = (p: TrialParams): number =>
      (Math.log10(p.learningRate as number) + 2.5) ** 2 + ((p.hiddenSize as number) / 512 - 0.3) ** 2 * 4 + ((p.dropout as number) - 0.2) ** 2 * 4 + (p.cell === 'gru' ? 0 : 0.5);
    const tpe = mean(seeds.map((s) => search('tpe', space, bowl, 40, s)));
    const random = mean(seeds.map((s) => search('random', space, bowl, 40, s)));
    console.log(`quadratic bowl, best after 40 trials, mean of 12 seeds: TPE ${tpe.toFixed(4)}, random ${random.toFixed(4)}`);
    expect(tpe).toBeLessThan(random * 0.6);
  });

  it('finds a lower Branin in 40 trials, on average over 12 seeds (minimum 0.397887)', () => {
    const space = parseSpace('forget-bias=-5..10 clip=0..15');
    // Branin–Hoo on x1 ∈ [−5, 10], x2 ∈ [0, 15], carried by two real settings with those ranges
    const branin = (p: TrialParams): number => {
      const x1 = p.forgetBias as number;
      const x2 = p.clipNorm as number;
      const b = 5.1 / (4 * Math.PI ** 2);
      return (x2 - b * x1 * x1 + (5 / Math.PI) * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
    };
    const tpe = mean(seeds.map((s) => search('tpe', space, branin, 40, s)));
    const random = mean(seeds.map((s) => search('random', space, branin, 40, s)));
    console.log(`Branin, best after 40 trials, mean of 12 seeds: TPE ${tpe.toFixed(4)}, random ${random.toFixed(4)}`);
    expect(tpe).toBeLessThan(random);
    expect(tpe).toBeGreaterThan(0.397);
  });
});
