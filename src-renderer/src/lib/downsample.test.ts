// downsampleMinMax and smoothEma: bounded output, extremes and ends kept, spikes visible, a million points in one pass.

import { describe, expect, it } from 'vitest';
import { downsampleMinMax, pointsForWidth, smoothEma } from './downsample';

describe('downsampleMinMax', () => {
  it('returns short series as they are (without non-finite values)', () => {
    const x = [0, 1, 2, 3];
    const y = [4, NaN, 2, 1];
    expect(downsampleMinMax(x, y, 100)).toEqual([
      [0, 4],
      [2, 2],
      [3, 1],
    ]);
    expect(downsampleMinMax([], [], 100)).toEqual([]);
  });

  it('reduces a million points to at most maxPoints, keeping the ends and the global extremes', () => {
    const n = 1_000_000;
    const x = new Float64Array(n);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = i + 1;
      y[i] = 3 * Math.exp(-i / 200_000) + 0.05 * Math.sin(i / 7);
    }
    y[123_457] = 1000; // a loss spike
    y[765_431] = -5; // and a dip
    const started = performance.now();
    const out = downsampleMinMax(x, y, 2000);
    const ms = performance.now() - started;
    console.log(`downsampled ${n} points to ${out.length} in ${ms.toFixed(1)} ms`);
    expect(out.length).toBeLessThanOrEqual(2000);
    expect(out.length).toBeGreaterThan(1000);
    expect(out[0]).toEqual([1, y[0]]);
    expect(out[out.length - 1]).toEqual([n, y[n - 1]]);
    const ys = out.map((p) => p[1]);
    expect(Math.max(...ys)).toBe(1000);
    expect(Math.min(...ys)).toBe(-5);
    expect(out.find((p) => p[1] === 1000)?.[0]).toBe(123_458);
    // x stays sorted, so the line is drawn left to right
    for (let i = 1; i < out.length; i++) expect(out[i][0]).toBeGreaterThan(out[i - 1][0]);
  });

  it('draws a sub-range of a growing buffer', () => {
    const x = Float64Array.from({ length: 10_000 }, (_, i) => i);
    const y = Float64Array.from({ length: 10_000 }, (_, i) => (i === 5000 ? 99 : 1));
    const out = downsampleMinMax(x, y, 100, 0, 6000);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out[out.length - 1][0]).toBe(5999);
    expect(out.some((p) => p[1] === 99)).toBe(true);
  });

  it('chooses a point budget from the chart width', () => {
    expect(pointsForWidth(0)).toBe(2000);
    expect(pointsForWidth(50)).toBe(200);
    expect(pointsForWidth(600)).toBe(1200);
    expect(pointsForWidth(5000)).toBe(2000);
  });
});

describe('smoothEma', () => {
  it('is debiased and follows a constant exactly', () => {
    expect(Array.from(smoothEma([2, 2, 2], 0.9))).toEqual([2, 2, 2]);
    const s = smoothEma([0, 10], 0.5);
    expect(s[0]).toBe(0);
    expect(s[1]).toBeCloseTo(10 * (0.5 / 0.75));
  });

  it('passes non-finite values through without poisoning the average', () => {
    const s = smoothEma([1, Infinity, 1], 0.9);
    expect(s[1]).toBe(Infinity);
    expect(s[2]).toBeCloseTo(1);
  });
});
