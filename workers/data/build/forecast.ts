// A table ordered in time → many-to-one forecasting: a window of `lookback` rows of the input columns predicts the
// target column `horizon` rows after the window's last row; windows start every `stride` rows. Univariate (the
// target's own past) or multivariate (several input columns). Gap policy: missing values are filled by linear
// interpolation between their neighbours (the nearest value at the ends), stated in the summary. Split by the
// tail (validation, then test, at the end), every column scaled with the training part's mean and std.
// Metrics rmse and mae in the target's units; baselines persistence and seasonal-naive.
// Differenced (choice.difference, for trending data): the window holds first differences of the input columns
// (x_t − x_{t−1}, so windows start at row 1) and the target is the change Δ = y[last + horizon] − y[last], each scaled
// on the training part; the forecast is y[last] + Δ̂. y[last] is known, so Δ̂'s error is the level forecast's error:
// metrics and baselines stay in the target's units (persistence = a change of 0).

import type { Batch } from '../../engine/batch';
import type { ColumnScaling, DataTransforms, TrainingData } from '../../engine/data-source';
import type { Column, ParsedTable } from '../parsed';
import { regressionMetrics } from '../series';
import { type DatasetChoice, findColumn, MAX_STEPS } from './choices';
import { filledNumbers, fitScaling, fmt, Sampler } from './common';

const DAY = 86_400_000;

/** Seasonal period from the median spacing of a date column: hourly 24, daily 7, weekly 52, monthly 12, quarterly 4. */
export function seasonFromDates(dates: Float64Array | undefined): number | undefined {
  if (!dates || dates.length < 3) return undefined;
  const d: number[] = [];
  for (let i = 1; i < dates.length; i++) if (Number.isFinite(dates[i]) && Number.isFinite(dates[i - 1])) d.push(Math.abs(dates[i] - dates[i - 1]));
  if (d.length === 0) return undefined;
  d.sort((a, b) => a - b);
  const days = d[d.length >> 1] / DAY;
  if (Math.abs(days - 1 / 24) < 0.2 / 24) return 24;
  if (Math.abs(days - 1) < 0.2) return 7;
  if (Math.abs(days - 7) < 1) return 52;
  if (days >= 27 && days <= 32) return 12;
  if (days >= 88 && days <= 93) return 4;
  return undefined;
}

export function defaultTarget(table: ParsedTable): Column {
  const numeric = table.columns.filter((c) => c.type === 'numeric');
  if (numeric.length === 0) throw new Error(`no numeric column to forecast (columns: ${table.columns.map((c) => `${c.name} (${c.type})`).join(', ')})`);
  return numeric[numeric.length - 1];
}

/** Lookback from the data: a season (capped) when there is one, else 24, at most a tenth of the rows. */
export function defaultLookback(rows: number, season: number | undefined): number {
  const want = season && season <= 64 ? Math.max(season, 8) : 24;
  return Math.max(1, Math.min(want, Math.floor(rows / 10)));
}

export function forecastData(table: ParsedTable, choice: DatasetChoice): TrainingData & { warnings: string[] } {
  const targetCol = choice.target !== undefined ? findColumn(table, choice.target, 'target') : defaultTarget(table);
  const inputCols = choice.input?.length ? choice.input.map((n) => findColumn(table, n, 'input')) : [targetCol];
  const dateCol = table.columns.find((c) => c.type === 'date');
  const n = table.rows;
  const target = filledNumbers(targetCol, 'target');
  const inputs = inputCols.map((c) => (c === targetCol ? target : filledNumbers(c, 'input')));
  const season = choice.season ?? seasonFromDates(dateCol?.numbers);
  const L = choice.lookback ?? defaultLookback(n, season);
  const Hz = choice.horizon;
  const S = choice.stride;
  if (L > MAX_STEPS) throw new Error(`--lookback ${L}: longer than anything sensible`);
  const diff = choice.difference === true;
  const starts: number[] = [];
  for (let s = diff ? 1 : 0; s + L - 1 + Hz < n; s += S) starts.push(s); // a difference needs the row before

  const W = starts.length;
  if (W < 3) throw new Error(`the series has ${n} rows: too few for a lookback of ${L} and a horizon of ${Hz} (${W} windows); lower --lookback`);
  const nVal = Math.max(1, Math.floor(W * choice.valFraction));
  const nTest = choice.testFraction > 0 ? Math.max(1, Math.floor(W * choice.testFraction)) : 0;
  const nTrain = W - nVal - nTest;
  if (nTrain < 1) throw new Error(`no training windows left after the split (${W} windows): lower --val-fraction or --lookback`);
  // Fit on the rows the training windows see (inputs and targets).
  const fitEnd = starts[nTrain - 1] + L + Hz;
  const scale = (name: string, v: Float64Array, from = 0): ColumnScaling => ({ column: name, ...fitScaling(v.subarray(from, fitEnd)) });
  // What the model reads per column: levels, or first differences (row 0 has none and is never read).
  const read = inputs.map((x) => (diff ? x.values.map((v, i) => (i === 0 ? 0 : v - x.values[i - 1])) : x.values));
  const inScale = inputCols.map((c, i) => scale(c.name, read[i], diff ? 1 : 0));
  const levelScale = scale(targetCol.name, target.values);
  const F = inputCols.length;
  const z = read.map((x, i) => Float32Array.from(x, (v) => (v - inScale[i].mean) / inScale[i].std));
  const y = target.values;
  // The model's target for the window ending at row `last`: the level, or the change Δ = y[last + Hz] − y[last].
  const goal = (last: number): number => (diff ? y[last + Hz] - y[last] : y[last + Hz]);
  const tScale: ColumnScaling = diff ? { column: targetCol.name, ...fitScaling(starts.slice(0, nTrain).map((s) => goal(s + L - 1))) } : levelScale;

  const makeBatch = (ws: number[]): Batch => {
    const B = ws.length;
    const features = new Float32Array(L * B * F);
    const targetValues = new Float32Array(B);
    ws.forEach((w, b) => {
      const s = starts[w];
      for (let t = 0; t < L; t++) for (let f = 0; f < F; f++) features[(t * B + b) * F + f] = z[f][s + t];
      targetValues[b] = (goal(s + L - 1) - tScale.mean) / tScale.std;
    });
    return { batchSize: B, steps: L, features, targetValues };
  };

  const windowsIn = (lo: number, hi: number): number[] => Array.from({ length: hi - lo }, (_, i) => lo + i);
  const trainW = windowsIn(0, nTrain);
  const valW = windowsIn(nTrain, nTrain + nVal);
  const testW = windowsIn(nTrain + nVal, W);
  const B = Math.min(choice.batchSize, nTrain);
  const sampler = new Sampler(trainW, B, choice.seed);
  const chunked = (ws: number[]): Batch[] => {
    const out: Batch[] = [];
    for (let i = 0; i < ws.length; i += choice.batchSize) out.push(makeBatch(ws.slice(i, i + choice.batchSize)));
    return out;
  };

  // Baselines on the validation windows, in the target's units.
  const score = (predict: (targetRow: number, lastRow: number) => number | undefined): { rmse: number; mae: number } | undefined => {
    let se = 0;
    let ae = 0;
    for (const w of valW) {
      const last = starts[w] + L - 1;
      const p = predict(last + Hz, last);
      if (p === undefined) return undefined;
      const d = p - y[last + Hz];
      se += d * d;
      ae += Math.abs(d);
    }
    return { rmse: Math.sqrt(se / valW.length), mae: ae / valW.length };
  };
  const baselines: { name: string; metrics: Record<string, number> }[] = [];
  const persistence = score((_, last) => y[last]);
  if (persistence) baselines.push({ name: 'persistence (the last value)', metrics: persistence });
  if (season && season >= 2) {
    const back = season * Math.ceil(Hz / season);
    const seasonal = score((row) => (row - back >= 0 ? y[row - back] : undefined));
    if (seasonal) baselines.push({ name: `seasonal naive (period ${season})`, metrics: seasonal });
  }
  const baseline = baselines.reduce<(typeof baselines)[number] | undefined>((a, b) => (!a || b.metrics.rmse < a.metrics.rmse ? b : a), undefined);

  // The engine's original kind for one column read with stride 1 (predict.ts reads it); the season only shapes the baseline.
  const univariate = F === 1 && inputCols[0] === targetCol && S === 1;
  const differenced = diff ? { difference: true as const } : {};
  const transforms: DataTransforms = univariate
    ? { kind: 'series', column: targetCol.name, mean: inScale[0].mean, std: inScale[0].std, lookback: L, horizon: Hz, ...differenced, ...(diff ? { delta: { mean: tScale.mean, std: tScale.std } } : {}) }
    : { kind: 'multiseries', inputs: inScale, target: tScale, lookback: L, horizon: Hz, stride: S, gapPolicy: 'linear', ...(season ? { season } : {}), ...differenced };
  const filled = [targetCol, ...inputCols.filter((c) => c !== targetCol)].map((c) => ({ c, k: c === targetCol ? target.filled : inputs[inputCols.indexOf(c)].filled })).filter((x) => x.k > 0);
  const summary =
    `series: ${n} rows, forecasting "${targetCol.name}" ${Hz} step${Hz > 1 ? 's' : ''} ahead from ${L} steps of ${inputCols.map((c) => `"${c.name}"`).join(', ')}` +
    `${S > 1 ? ` (stride ${S})` : ''}; ${nTrain} training, ${nVal} validation${nTest ? `, ${nTest} test` : ''} windows (split by time, the tail held out); ` +
    (diff
      ? `differenced: the model reads the change from each row to the next and predicts the change Δ = ${targetCol.name}[last + ${Hz}] − ${targetCol.name}[last] ` +
        `(the forecast is the last value + Δ), both scaled with the training part's mean and std (Δ: mean ${fmt(tScale.mean)}, std ${fmt(tScale.std)}); `
      : `scaled with the training part's mean and std (${targetCol.name}: mean ${fmt(tScale.mean)}, std ${fmt(tScale.std)}); `) +
    `gaps: ${filled.length ? filled.map((x) => `${x.k} in "${x.c.name}"`).join(', ') + ' filled by linear interpolation' : 'none (missing values would be filled by linear interpolation)'}` +
    `${baselines.length ? `; baselines on validation: ${baselines.map((b) => `${b.name} rmse ${fmt(b.metrics.rmse)}`).join(', ')}` : ''}`;
  // A trend: most validation targets outside the range the training part covers, where a model of levels extrapolates.
  const warnings: string[] = [];
  if (!diff) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < fitEnd; i++) (lo = Math.min(lo, y[i])), (hi = Math.max(hi, y[i]));
    const outside = valW.filter((w) => {
      const v = y[starts[w] + L - 1 + Hz];
      return v < lo || v > hi;
    }).length;
    if (outside > valW.length / 2)
      warnings.push(
        `${outside} of ${valW.length} validation targets lie outside the range of "${targetCol.name}" in the training part (${fmt(lo)} to ${fmt(hi)}): ` +
          'a model of levels has to extrapolate there; --difference (predict the change, not the level) may do better',
      );
  }
  const data: TrainingData & { warnings: string[] } = {
    warnings,
    model: { shape: 'many-to-one', input: { vocabSize: 0, embedSize: 0, featureSize: F }, output: { kind: 'values', size: 1 } },
    stateful: false,
    nextBatch: () => ({ batch: makeBatch(sampler.next()) }),
    validationBatches: (() => {
      let v: Batch[] | undefined;
      return () => (v ??= chunked(valW));
    })(),
    batchesPerEpoch: Math.ceil(nTrain / B),
    tokensPerBatch: B,
    createMetrics: () => regressionMetrics(tScale.std),
    transforms,
    summary,
    cursor: () => sampler.drawn,
    seek: (c) => sampler.seek(c),
  };
  if (testW.length) data.testBatches = () => chunked(testW);
  if (baseline) data.baseline = baseline;
  return data;
}
