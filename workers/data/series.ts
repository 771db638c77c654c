// Numeric-series helpers shared by the builders and predict: the regression metrics in the data's units and the
// gap policy (linear interpolation). The series builder itself is build/forecast.ts.

import type { MetricAccumulator } from '../engine/data-source';

/** RMSE and MAE of the first output in the data's units (outputs and targets are z-scores). */
export function regressionMetrics(std: number): MetricAccumulator {
  let se = 0;
  let ae = 0;
  let n = 0;
  return {
    add(outputs, batch) {
      const t = batch.targetValues!;
      for (let i = 0; i < t.length; i++) {
        const d = (outputs[i] - t[i]) * std;
        se += d * d;
        ae += Math.abs(d);
        n++;
      }
    },
    result: () => ({ rmse: Math.sqrt(se / Math.max(1, n)), mae: ae / Math.max(1, n) }),
  };
}

/**
 * Gap policy: missing values are filled by linear interpolation between their neighbours (the first or last known
 * value at the ends). Returns how many were filled, or −1 when the column has no value at all.
 */
export function fillGaps(v: number[]): number {
  const known = v.map((x, i) => (Number.isNaN(x) ? -1 : i)).filter((i) => i >= 0);
  if (known.length === 0) return -1;
  let filled = 0;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isNaN(v[i])) continue;
    let lo = i - 1;
    while (lo >= 0 && Number.isNaN(v[lo])) lo--;
    let hi = i + 1;
    while (hi < v.length && Number.isNaN(v[hi])) hi++;
    if (lo < 0) v[i] = v[hi];
    else if (hi >= v.length) v[i] = v[lo];
    else v[i] = v[lo] + ((v[hi] - v[lo]) * (i - lo)) / (hi - lo);
    filled++;
  }
  return filled;
}
