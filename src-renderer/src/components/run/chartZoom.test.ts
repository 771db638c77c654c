// The zoom helpers and the log axis fit, as plain functions: a zoomed window drawn from the full series (every point
// of a small window, the budget over a large one, the whole run's sample around it), the keys, ECharts' dataZoom
// payloads read back as windows, and at most six labels on a log axis whatever its span.

import { describe, expect, it } from 'vitest';
import { MAX_POINTS } from '../../lib/downsample';
import { type ChartColors, formatDecade, logDecades, MAX_LOG_LABELS, valueAxis } from './chartKit';
import { clampWindow, windowOfEvent, zoomByKey, zoomedPoints } from './chartZoom';

function column(n: number, f: (i: number) => number): [Float64Array, Float32Array] {
  const x = new Float64Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = i + 1;
    y[i] = f(i + 1);
  }
  return [x, y];
}

describe('zoomedPoints', () => {
  const [x, y] = column(100_000, (s) => 2 + Math.sin(s / 7) + (s % 13) / 100);

  it('draws every point of a small window, and the whole run coarsely around it', () => {
    const out = zoomedPoints(x, y, { start: 50_000, end: 50_500 });
    const inside = out.filter((p) => p[0] >= 50_000 && p[0] <= 50_500);
    expect(inside).toHaveLength(501);
    inside.forEach((p, k) => expect(p).toEqual([50_000 + k, y[50_000 + k - 1]]));
    expect(out.find((p) => p[0] === 49_999)).toBeDefined(); // one beyond each edge
    expect(out.find((p) => p[0] === 50_501)).toBeDefined();
    expect(out[0][0]).toBe(1); // the whole run's sample outside
    expect(out[out.length - 1][0]).toBe(100_000);
    expect(out.every((p, i) => i === 0 || p[0] > out[i - 1][0])).toBe(true); // x sorted
  });

  it('downsamples a large window to the whole budget, keeping its spike', () => {
    const spiky = Float32Array.from(y);
    spiky[60_000] = 99;
    const out = zoomedPoints(x, spiky, { start: 20_000, end: 80_000 });
    const inside = out.filter((p) => p[0] >= 20_000 && p[0] <= 80_000);
    expect(inside.length).toBeGreaterThan(MAX_POINTS * 0.9);
    expect(inside.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(Math.max(...inside.map((p) => p[1]))).toBe(99);
  });

  it('is the whole run’s sample without a window', () => {
    expect(zoomedPoints(x, y, null)).toHaveLength(MAX_POINTS);
  });
});

describe('zoom windows', () => {
  const extent = [0, 1000] as const;

  it('zooms around the centre, pans, and resets with the keys', () => {
    const zin = zoomByKey('+', null, extent);
    expect(zin).toEqual({ start: 250, end: 750 });
    expect(zoomByKey('+', zin!, extent)).toEqual({ start: 375, end: 625 });
    expect(zoomByKey('ArrowRight', zin!, extent)).toEqual({ start: 375, end: 875 });
    expect(zoomByKey('ArrowRight', { start: 600, end: 1000 }, extent)).toEqual({ start: 600, end: 1000 }); // stays inside
    expect(zoomByKey('ArrowLeft', zin!, extent)).toEqual({ start: 125, end: 625 });
    expect(zoomByKey('-', zin!, extent)).toBeNull(); // back to the whole run
    expect(zoomByKey('-', { start: 100, end: 200 }, extent)).toEqual({ start: 50, end: 250 });
    expect(zoomByKey('0', zin!, extent)).toBeNull();
    expect(zoomByKey('Escape', zin!, extent)).toBeNull();
    expect(zoomByKey('ArrowLeft', null, extent)).toBeUndefined(); // nothing to pan: the page may scroll
    expect(zoomByKey('a', zin!, extent)).toBeUndefined();
  });

  it('never narrows below a ten-thousandth of the run, nor leaves it', () => {
    expect(clampWindow({ start: 500, end: 500.001 }, extent)).toEqual({ start: 500, end: 500.1 });
    expect(clampWindow({ start: -50, end: 100 }, extent)).toEqual({ start: 0, end: 150 });
    expect(clampWindow({ start: -50, end: 2000 }, extent)).toBeNull();
  });

  it('reads ECharts’ dataZoom payloads (percent, batch, values) as windows', () => {
    expect(windowOfEvent({ start: 10, end: 20 }, extent)).toEqual({ start: 100, end: 200 });
    expect(windowOfEvent({ batch: [{ start: 50, end: 75 }] }, extent)).toEqual({ start: 500, end: 750 });
    expect(windowOfEvent({ startValue: 300, endValue: 400 }, extent)).toEqual({ start: 300, end: 400 });
    expect(windowOfEvent({ start: 0, end: 100 }, extent)).toBeNull();
  });
});

describe('log axes', () => {
  it('label at most six decades, whatever the span', () => {
    for (let lo = -12; lo <= 3; lo++)
      for (let span = 0; span <= 45; span++) {
        const d = logDecades([[[1, 1.5 * 10 ** lo]], [[2, 0.7 * 10 ** (lo + span)]]])!;
        const labels = (d.hi - d.lo) / d.step + 1;
        expect(labels, `1e${lo}…1e${lo + span}`).toBeLessThanOrEqual(MAX_LOG_LABELS);
        expect(labels).toBeGreaterThanOrEqual(2);
        expect(10 ** d.lo).toBeLessThanOrEqual(1.5 * 10 ** lo);
        expect(10 ** d.hi).toBeGreaterThanOrEqual(0.7 * 10 ** (lo + span));
      }
    expect(logDecades([[[1, 1e-3], [2, 0], [3, NaN], [4, 1e30]]])).toEqual({ lo: -8, hi: 32, step: 8 });
    expect(logDecades([[[1, -1]]])).toBeNull();
  });

  it('state min, max and interval on both kinds, so that switching log ↔ linear leaves nothing of the other behind', () => {
    // ECharts merges each new option into the last: a key left out keeps its old value.
    const c = { fg: '#000', muted: '#666', border: '#ccc', series: ['#00f'] } as unknown as ChartColors;
    expect(valueAxis(c, 'loss')).toMatchObject({ type: 'value', min: null, max: null, interval: null });
    expect(valueAxis(c, 'loss', [[[1, 1e-3], [2, 10]]])).toMatchObject({ type: 'log', min: 1e-3, max: 10, interval: 1 });
    expect(valueAxis(c, 'loss', [[[1, -1]]])).toMatchObject({ type: 'log', min: null, max: null, interval: null });
  });

  it('write decades short', () => {
    expect([1e-8, 1e-3, 0.01, 1, 1000, 1e4, 1e30].map(formatDecade)).toEqual(['1e-8', '1e-3', '0.01', '1', '1000', '1e4', '1e30']);
  });
});
