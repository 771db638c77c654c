// One numeric series (a CSV column) → many-to-one forecasting: a window of `lookback` values predicts the value
// `horizon` steps after it. Normalised with the training part's mean and standard deviation (fitted on the
// training windows only); the validation windows are the tail (ordered data is split by time, never shuffled).
// Metrics (rmse, mae) are reported in the series' own units.

import type { Batch } from '../engine/batch';
import type { MetricAccumulator, TrainingData } from '../engine/data-source';
import { Rng } from '../engine/rng';

export interface SeriesOptions {
  batchSize: number;
  lookback: number;
  horizon: number;
  valFraction: number;
  seed: number;
  column: string;
  /** Missing values that were filled (stated in the summary). */
  missingFilled?: number;
}

export function seriesData(values: Float64Array, opts: SeriesOptions): TrainingData {
  const { lookback: L, horizon: Hz, batchSize: B } = opts;
  const windows = values.length - L - Hz + 1;
  if (windows < 2) throw new Error(`the series has ${values.length} values: too few for a lookback of ${L} and a horizon of ${Hz}`);
  const nVal = Math.max(1, Math.floor(windows * opts.valFraction));
  const nTrain = windows - nVal;
  if (nTrain < 1) throw new Error('no training windows left after the validation split: lower --val-fraction');
  // Fit on the values the training windows can see (inputs and targets).
  const fitEnd = nTrain - 1 + L + Hz;
  let mean = 0;
  for (let i = 0; i < fitEnd; i++) mean += values[i];
  mean /= fitEnd;
  let varSum = 0;
  for (let i = 0; i < fitEnd; i++) varSum += (values[i] - mean) ** 2;
  const std = Math.sqrt(varSum / fitEnd) || 1;
  const z = Float32Array.from(values, (v) => (v - mean) / std);

  const makeBatch = (starts: number[]): Batch => {
    const n = starts.length;
    const features = new Float32Array(L * n);
    const targetValues = new Float32Array(n);
    starts.forEach((s, b) => {
      for (let t = 0; t < L; t++) features[t * n + b] = z[s + t];
      targetValues[b] = z[s + L - 1 + Hz];
    });
    return { batchSize: n, steps: L, features, targetValues };
  };

  let rng = new Rng(opts.seed);
  const order = Array.from({ length: nTrain }, (_, i) => i);
  let pos = nTrain;
  let drawn = 0;
  let valBatches: Batch[] | undefined;
  const nextStarts = (): number[] => {
    const starts: number[] = [];
    while (starts.length < B) {
      if (pos >= nTrain) {
        rng.shuffle(order);
        pos = 0;
      }
      starts.push(order[pos++]);
    }
    drawn++;
    return starts;
  };
  return {
    model: { shape: 'many-to-one', input: { vocabSize: 0, embedSize: 0, featureSize: 1 }, output: { kind: 'values', size: 1 } },
    stateful: false,
    nextBatch: () => ({ batch: makeBatch(nextStarts()) }),
    validationBatches() {
      if (!valBatches) {
        valBatches = [];
        for (let s = nTrain; s < windows; s += B) valBatches.push(makeBatch(Array.from({ length: Math.min(B, windows - s) }, (_, i) => s + i)));
      }
      return valBatches;
    },
    batchesPerEpoch: Math.ceil(nTrain / B),
    tokensPerBatch: B * L,
    createMetrics: () => regressionMetrics(std),
    transforms: { kind: 'series', column: opts.column, mean, std, lookback: L, horizon: Hz },
    summary: `series "${opts.column}": ${values.length} values, ${nTrain} training and ${nVal} validation windows (lookback ${L}, horizon ${Hz}), mean ${mean.toPrecision(5)}, std ${std.toPrecision(4)}${opts.missingFilled ? `, ${opts.missingFilled} missing values filled by linear interpolation` : ''}`,
    cursor: () => drawn,
    seek: (c) => {
      // Replays the draws so a resumed run sees the same batches as an uninterrupted one.
      rng = new Rng(opts.seed);
      order.forEach((_, i) => (order[i] = i));
      pos = nTrain;
      drawn = 0;
      while (drawn < c) nextStarts();
    },
  };
}

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
 * Reads one numeric column of a small CSV (header optional; comma, tab or semicolon). The dataset issue replaces
 * this with the streaming importer; here it gives clear errors with the line number.
 */
export function readCsvColumn(text: string, fileName: string, column?: string): { name: string; values: Float64Array; missingFilled: number } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  if (first < 0) throw new Error(`${fileName}: the file has no data rows`);
  const sep = [',', '\t', ';'].reduce((a, b) => (lines[first].split(b).length > lines[first].split(a).length ? b : a));
  const split = (l: string): string[] => l.split(sep).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  const head = split(lines[first]);
  const hasHeader = head.some((c) => c !== '' && Number.isNaN(Number(c)));
  const names = hasHeader ? head : head.map((_, i) => String(i + 1));
  let col: number;
  if (column !== undefined) {
    col = names.indexOf(column);
    if (col < 0 && /^\d+$/.test(column)) col = Number(column) - 1;
    if (col < 0 || col >= names.length) throw new Error(`${fileName}: no column "${column}" (columns: ${names.join(', ')})`);
  } else {
    // The last column that is numeric in the first data row (a date or id usually comes first).
    const firstData = split(lines[hasHeader ? first + 1 : first] ?? '');
    col = -1;
    for (let i = firstData.length - 1; i >= 0; i--) if (firstData[i] !== '' && !Number.isNaN(Number(firstData[i]))) { col = i; break; }
    if (col < 0) throw new Error(`${fileName}: no numeric column found; name one with --target`);
  }
  const values: number[] = [];
  for (let i = hasHeader ? first + 1 : first; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '' || line.startsWith('#')) continue;
    const cells = split(line);
    if (cells.length !== names.length) throw new Error(`${fileName}:${i + 1}: expected ${names.length} columns, found ${cells.length}`);
    const cell = cells[col];
    if (MISSING.has(cell.toUpperCase())) {
      values.push(NaN);
      continue;
    }
    const v = Number(cell);
    if (!Number.isFinite(v)) throw new Error(`${fileName}:${i + 1}: "${cell}" in column "${names[col]}" is not a number (empty cells and NA count as missing)`);
    values.push(v);
  }
  if (values.length === 0) throw new Error(`${fileName}: the file has no data rows`);
  const filled = fillGaps(values);
  if (filled < 0) throw new Error(`${fileName}: column "${names[col]}" has no values`);
  return { name: names[col], values: Float64Array.from(values), missingFilled: filled };
}

const MISSING = new Set(['', 'NA', 'N/A', 'NAN', 'NULL', '?', '-']);

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
