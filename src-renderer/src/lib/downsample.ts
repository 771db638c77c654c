// Downsampling of long (x, y) series for drawing: a chart a few hundred pixels wide cannot show a million points,
// and drawing them all would block the window. Min/max per bucket keeps every bucket's extremes, so a loss spike
// or an exploding gradient norm stays visible however long the run. O(n), one pass. Called by the run charts.

/** A point as ECharts takes it: [x, y]. */
export type Point = [number, number];

/** Up to ~2000 points: enough for any chart width at 2× pixel density. */
export const MAX_POINTS = 2000;

/**
 * Reduces points [start, end) of (x, y) to at most `maxPoints` points: the first and last point, and in each bucket
 * of consecutive points the minimum and the maximum (in x order). Non-finite y values are skipped (they cannot be
 * drawn; a diverged run's last loss is shown by its status instead). x is assumed sorted (training steps).
 */
export function downsampleMinMax(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  maxPoints: number = MAX_POINTS,
  start = 0,
  end: number = Math.min(x.length, y.length),
): Point[] {
  const n = end - start;
  const out: Point[] = [];
  if (n <= 0) return out;
  const limit = Math.max(4, Math.floor(maxPoints));
  if (n <= limit) {
    for (let i = start; i < end; i++) if (Number.isFinite(y[i])) out.push([x[i], y[i]]);
    return out;
  }
  // first and last are kept on their own; the points between fall into buckets of two points each
  const buckets = Math.floor((limit - 2) / 2);
  const inner = n - 2;
  const first = start + 1;
  pushFinite(out, x, y, start);
  for (let b = 0; b < buckets; b++) {
    const lo = first + Math.floor((b * inner) / buckets);
    const hi = first + Math.floor(((b + 1) * inner) / buckets);
    let iMin = -1;
    let iMax = -1;
    for (let i = lo; i < hi; i++) {
      const v = y[i];
      if (!Number.isFinite(v)) continue;
      if (iMin < 0 || v < y[iMin]) iMin = i;
      if (iMax < 0 || v > y[iMax]) iMax = i;
    }
    if (iMin < 0) continue;
    if (iMin === iMax) out.push([x[iMin], y[iMin]]);
    else if (iMin < iMax) out.push([x[iMin], y[iMin]], [x[iMax], y[iMax]]);
    else out.push([x[iMax], y[iMax]], [x[iMin], y[iMin]]);
  }
  pushFinite(out, x, y, end - 1);
  return out;
}

function pushFinite(out: Point[], x: ArrayLike<number>, y: ArrayLike<number>, i: number): void {
  if (Number.isFinite(y[i])) out.push([x[i], y[i]]);
}

/**
 * Exponential moving average with TensorBoard's debiasing (the first points are not dragged towards 0).
 * `smoothing` in [0, 1): 0 returns the series itself. Non-finite values are passed through and do not enter the average.
 */
export function smoothEma(y: ArrayLike<number>, smoothing: number, length: number = y.length): Float32Array {
  const out = new Float32Array(length);
  let avg = 0;
  let weight = 0;
  for (let i = 0; i < length; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    avg = smoothing * avg + (1 - smoothing) * v;
    weight = smoothing * weight + (1 - smoothing);
    out[i] = weight > 0 ? avg / weight : v;
  }
  return out;
}

/** How many points a chart of this pixel width can use (2 per pixel, within [200, MAX_POINTS]). */
export function pointsForWidth(widthPx: number): number {
  if (!(widthPx > 0)) return MAX_POINTS;
  return Math.max(200, Math.min(MAX_POINTS, Math.round(widthPx * 2)));
}
