// A table ordered in time → many-to-one forecasting: a window of `lookback` rows of the input columns predicts the
// target column `horizon` rows after the window's last row; windows start every `stride` rows. Univariate (the
// target's own past) or multivariate (several input columns). Gap policy: missing values are filled by linear
// interpolation between their neighbours (the nearest value at the ends), stated in the summary. Split by the
// tail (validation, then test, at the end), every column scaled with the training part's mean and std.
// Metrics rmse and mae in the target's units; baselines persistence and seasonal-naive.
// Differenced (choice.difference, for trending data): the window holds the differences of the input columns at a lag
// k (choice.lag, default 1: x_t − x_{t−1}; a season: x_t − x_{t−season}, so windows start at row k) and the target is
// the change from a known value, Δ = y[last + horizon] − y[ref] with ref = last + horizon − max(k, horizon) (k = 1:
// the last value; a season: the same time a season before), each scaled on the training part; the forecast is
// y[ref] + Δ̂. y[ref] is known, so Δ̂'s error is the level forecast's error: metrics and baselines stay in the
// target's units (a change of 0 is persistence, or the seasonal naive forecast).
// Rows are read in time order (analyse.ts), and a long table (`choice.sequence`) is one series per key: windows stay
// inside their series, the tail of each is held out, and one scaling is fitted on all the training parts.

import type { Batch } from '../../engine/batch';
import type { ColumnScaling, DataTransforms, TrainingData } from '../../engine/data-source';
import { analyseTable, intervalOf, splitOf, timeOrder } from '../analyse';
import type { Column, ParsedTable } from '../parsed';
import { fillGaps, regressionMetrics } from '../series';
import { type ColumnKey, type DatasetChoice, findColumn, MAX_STEPS } from './choices';
import { fitScaling, fmt, labelStrings, Sampler } from './common';
import { mention, SettingError } from '../../../src-shared/settings';

/** Seasonal period from the typical spacing of a date column: hourly 24, daily 7, weekly 52, monthly 12, quarterly 4. */
export function seasonFromDates(dates: Float64Array | undefined): number | undefined {
  if (!dates || dates.length < 3) return undefined;
  const d: number[] = [];
  for (let i = 1; i < dates.length; i++) if (Number.isFinite(dates[i]) && Number.isFinite(dates[i - 1])) d.push(Math.abs(dates[i] - dates[i - 1]));
  if (d.length === 0) return undefined;
  d.sort((a, b) => a - b);
  return intervalOf(d[d.length >> 1])?.periods[0];
}

/**
 * The rows of each series in time order: one series, or one per key of a long table (`choice.sequence`); rows
 * ordered by the table's time axis (a file written newest first is read oldest first). predict.ts reads a run's
 * history the same way.
 */
export function seriesSegments(table: ParsedTable, choice: Pick<DatasetChoice, 'sequence'>): { segments: number[][]; keys?: string[]; dates?: Float64Array } {
  const facts = analyseTable(table);
  const key = choice.sequence !== undefined ? findColumn(table, choice.sequence, 'sequence') : undefined;
  const view = { ...facts, key, ...(key && facts.key !== key ? { step: undefined } : {}) };
  if (!key && facts.key) {
    // One series was asked for although the table holds several: read it in file order unless the time is unique.
    return { segments: [Array.from({ length: table.rows }, (_, i) => i)], dates: facts.time?.values };
  }
  const segments = timeOrder(table, view);
  const keys = key ? segments.map((g) => (key.strings ? key.strings[g[0]] : String(key.numbers![g[0]]))) : undefined;
  return { segments, ...(keys ? { keys } : {}), ...(facts.time ? { dates: facts.time.values } : {}) };
}

/** Scaling by the root mean square, centred on 0 (what a change from a naive forecast is scaled with). */
function rmsScaling(values: number[]): { mean: number; std: number } {
  let sq = 0;
  let n = 0;
  for (const v of values) if (Number.isFinite(v)) (sq += v * v), n++;
  const rms = n ? Math.sqrt(sq / n) : 0;
  return { mean: 0, std: rms > 1e-12 ? rms : 1 };
}

/** A numeric column's values along a segment of rows, gaps filled by linear interpolation (counted). */
function segmentValues(col: Column, rows: number[], flag: ColumnKey): { values: Float64Array; filled: number } {
  if (!col.numbers || col.type === 'categorical' || col.type === 'text') throw new SettingError(flag, `the column is ${col.type}, not numeric`, col.name);
  const v = rows.map((r) => col.numbers![r]);
  const filled = fillGaps(v);
  if (filled < 0) throw new SettingError(flag, `the column has no values${rows.length < col.numbers.length ? ' in one of the series' : ''} (every cell is empty or missing)`, col.name);
  return { values: Float64Array.from(v), filled };
}

export function forecastData(table: ParsedTable, choice: DatasetChoice): TrainingData & { warnings: string[] } {
  const numeric = table.columns.filter((c) => c.type === 'numeric');
  if (numeric.length === 0 && choice.target === undefined) throw new Error(`no numeric column to forecast (columns: ${table.columns.map((c) => `${c.name} (${c.type})`).join(', ')})`);
  const targetCol = choice.target !== undefined ? findColumn(table, choice.target, 'target') : numeric[numeric.length - 1];
  const inputCols = choice.input?.length ? choice.input.map((n) => findColumn(table, n, 'input')) : [targetCol];
  const { segments, keys, dates } = seriesSegments(table, choice);
  const keyName = choice.sequence;
  const n = table.rows;
  const season = choice.season ?? seasonFromDates(dates && segments[0].map((r) => dates[r]) && Float64Array.from(segments[0], (r) => dates[r]));
  const shortest = Math.min(...segments.map((g) => g.length));
  const L = choice.lookback ?? Math.max(1, Math.min(season && season <= 64 ? Math.max(season, 8) : 24, Math.floor(shortest / 10)));
  const Hz = choice.horizon;
  const S = choice.stride;
  if (L > MAX_STEPS) throw new SettingError('lookback', `longer than anything sensible`, L);
  const diff = choice.difference === true;
  const lag = diff ? (choice.lag ?? 1) : 0;
  if (lag > MAX_STEPS) throw new SettingError('lag', `longer than anything sensible`, lag);
  /** The known row a differenced target is measured from: the last value (lag 1) or the same time a season before. */
  const ref = (last: number): number => last + Hz - Math.max(lag, Hz);
  const F = inputCols.length;

  // Per segment: filled values of the target and each input (the target's own array when it is an input).
  let filledTarget = 0;
  const filledInputs = new Array(F).fill(0);
  const seg = segments.map((rows) => {
    const y = segmentValues(targetCol, rows, 'target');
    filledTarget += y.filled;
    const xs = inputCols.map((c, i) => {
      if (c === targetCol) return y.values;
      const x = segmentValues(c, rows, 'input');
      filledInputs[i] += x.filled;
      return x.values;
    });
    return { rows, y: y.values, xs };
  });
  // Whole series marked by a split column (JSB chorales' train/, valid/, test/ folders) are held out whole; else the
  // tail of each series is held out (validation, then test).
  const splitCol = choice.split !== undefined && keyName ? findColumn(table, choice.split, 'split') : undefined;
  const marks = splitCol ? labelStrings(splitCol) : undefined;
  const segSplit = seg.map((g) => (marks ? splitOf(marks[g.rows[0]]) : undefined));
  if (marks) {
    const mixed = seg.findIndex((g) => g.rows.some((r) => marks[r] !== marks[g.rows[0]]));
    if (mixed >= 0) throw new SettingError('split', `the series "${keys![mixed]}" has rows in more than one split: a series is held out whole or not at all`, choice.split);
    if (!segSplit.includes('train')) throw new SettingError('split', 'no series is marked for training', choice.split);
  }
  const heldWhole = segSplit.includes('validation');
  // Windows: (segment, start).
  type Win = { s: number; at: number };
  const trainW: Win[] = [];
  const valW: Win[] = [];
  const testW: Win[] = [];
  let unknownTargets = 0;
  seg.forEach((g, si) => {
    const starts: number[] = [];
    // a window of differences needs the `lag` rows before it, and its reference row must exist
    const first = diff ? Math.max(lag, Math.max(lag, Hz) - Hz + 1 - L) : 0;
    // a window whose target was missing (filled only by interpolation) is not a thing to learn or to score
    for (let a = first; a + L - 1 + Hz < g.rows.length; a += S) {
      if (Number.isNaN(targetCol.numbers![g.rows[a + L - 1 + Hz]])) unknownTargets++;
      else starts.push(a);
    }
    const W = starts.length;
    if (W === 0) return;
    const whole = segSplit[si] === 'test' ? testW : segSplit[si] === 'validation' ? valW : segSplit[si] === 'train' && heldWhole ? trainW : undefined;
    if (whole) {
      for (const a of starts) whole.push({ s: si, at: a });
      return;
    }
    const nVal = Math.max(1, Math.floor(W * choice.valFraction));
    const nTest = choice.testFraction > 0 && !marks ? Math.max(1, Math.floor(W * choice.testFraction)) : 0;
    const nTrain = W - nVal - nTest;
    starts.forEach((a, i) => (i < nTrain ? trainW : i < nTrain + nVal ? valW : testW).push({ s: si, at: a }));
  });
  const W = trainW.length + valW.length + testW.length;
  if (W < 3) throw new Error(`the series has ${keyName ? `${segments.length} series of ${shortest}+ rows` : `${n} rows`}: too few for a lookback of ${L} and a horizon of ${Hz} (${W} windows); lower ${mention('lookback')}`);
  if (trainW.length < 1) throw new SettingError(undefined, `no training windows left after the split (${W} windows): lower ${mention('valFraction')} or ${mention('lookback')}`);
  if (heldWhole && valW.length < 1) throw new SettingError('lookback', `the series marked for validation are too short for a lookback of ${L} and a horizon of ${Hz}: no validation windows`, L);
  const nTrain = trainW.length;
  const nVal = valW.length;
  const nTest = testW.length;
  // Fit on the rows the training windows see (inputs and targets), per segment up to its last training window.
  const fitEnd = seg.map(() => 0);
  for (const w of trainW) fitEnd[w.s] = Math.max(fitEnd[w.s], w.at + L + Hz);
  const gather = (pick: (g: (typeof seg)[number]) => Float64Array, from: number): number[] => seg.flatMap((g, si) => Array.from(pick(g).subarray(from, fitEnd[si])));
  // What the model reads per column: levels, or differences at the lag (the first `lag` rows have none, never read).
  const read = seg.map((g) => g.xs.map((x) => (diff ? x.map((v, i) => (i < lag ? 0 : v - x[i - lag])) : x)));
  const inScale: ColumnScaling[] = inputCols.map((c, i) => ({ column: c.name, ...fitScaling(seg.flatMap((_, si) => Array.from(read[si][i].subarray(lag, fitEnd[si])))) }));
  const levelScale: ColumnScaling = { column: targetCol.name, ...fitScaling(gather((g) => g.y, 0)) };
  const z = read.map((cols) => cols.map((x, i) => Float32Array.from(x, (v) => (v - inScale[i].mean) / inScale[i].std)));
  // The model's target for the window ending at row `last`: the level, or the change Δ = y[last + Hz] − y[last].
  const goal = (si: number, last: number): number => (diff ? seg[si].y[last + Hz] - seg[si].y[ref(last)] : seg[si].y[last + Hz]);
  // A change is scaled by its spread only (mean 0): the head starts at zero, so the untrained model is exactly the
  // naive forecast the change is measured from.
  const tScale: ColumnScaling = diff ? { column: targetCol.name, ...rmsScaling(trainW.map((w) => goal(w.s, w.at + L - 1))) } : levelScale;
  const windowIds = (ws: Win[], offset: number): number[] => ws.map((_, i) => offset + i);
  const all = [...trainW, ...valW, ...testW];
  const trainIds = windowIds(trainW, 0);
  const valIds = windowIds(valW, nTrain);
  const testIds = windowIds(testW, nTrain + nVal);

  const makeBatch = (ids: number[]): Batch => {
    const B = ids.length;
    const features = new Float32Array(L * B * F);
    const targetValues = new Float32Array(B);
    ids.forEach((id, b) => {
      const { s: si, at } = all[id];
      const zs = z[si];
      for (let t = 0; t < L; t++) for (let f = 0; f < F; f++) features[(t * B + b) * F + f] = zs[f][at + t];
      targetValues[b] = (goal(si, at + L - 1) - tScale.mean) / tScale.std;
    });
    return { batchSize: B, steps: L, features, targetValues };
  };

  const B = Math.min(choice.batchSize, nTrain);
  const sampler = new Sampler(trainIds, B, choice.seed);
  const chunked = (ids: number[]): Batch[] => {
    const out: Batch[] = [];
    for (let i = 0; i < ids.length; i += choice.batchSize) out.push(makeBatch(ids.slice(i, i + choice.batchSize)));
    return out;
  };

  // Baselines on the validation windows, in the target's units.
  const score = (predict: (y: Float64Array, targetRow: number, lastRow: number) => number | undefined): { rmse: number; mae: number } | undefined => {
    let se = 0;
    let ae = 0;
    for (const w of valW) {
      const y = seg[w.s].y;
      const last = w.at + L - 1;
      const p = predict(y, last + Hz, last);
      if (p === undefined) return undefined;
      const d = p - y[last + Hz];
      se += d * d;
      ae += Math.abs(d);
    }
    return { rmse: Math.sqrt(se / valW.length), mae: ae / valW.length };
  };
  const baselines: { name: string; metrics: Record<string, number> }[] = [];
  const persistence = score((y, _, last) => y[last]);
  if (persistence) baselines.push({ name: 'persistence (the last value)', metrics: persistence });
  if (season && season >= 2) {
    const back = season * Math.ceil(Hz / season);
    const seasonal = score((y, row) => (row - back >= 0 ? y[row - back] : undefined));
    if (seasonal) baselines.push({ name: `seasonal naive (period ${season})`, metrics: seasonal });
  }
  const baseline = baselines.reduce<(typeof baselines)[number] | undefined>((a, b) => (!a || b.metrics.rmse < a.metrics.rmse ? b : a), undefined);

  // The engine's original kind for one column read with stride 1 (predict.ts reads it); the season only shapes the baseline.
  const univariate = F === 1 && inputCols[0] === targetCol && S === 1 && !keyName;
  const differenced = diff ? { difference: true as const, ...(lag > 1 ? { lag } : {}) } : {};
  const transforms: DataTransforms = univariate
    ? { kind: 'series', column: targetCol.name, mean: inScale[0].mean, std: inScale[0].std, lookback: L, horizon: Hz, ...differenced, ...(diff ? { delta: { mean: tScale.mean, std: tScale.std } } : {}) }
    : { kind: 'multiseries', inputs: inScale, target: tScale, lookback: L, horizon: Hz, stride: S, gapPolicy: 'linear', ...(season ? { season } : {}), ...differenced, ...(keyName ? { sequence: keyName } : {}) };
  const filled = [{ c: targetCol, k: filledTarget }, ...inputCols.map((c, i) => ({ c, k: c === targetCol ? 0 : filledInputs[i] }))].filter((x) => x.k > 0);
  const rowsText = keyName ? `${segments.length} series ("${keyName}": ${keys!.slice(0, 4).join(', ')}${segments.length > 4 ? ', …' : ''}) in ${n} rows` : `${n} rows`;
  const summary =
    `series: ${rowsText}, forecasting "${targetCol.name}" ${Hz} step${Hz > 1 ? 's' : ''} ahead from ${L} steps of ${inputCols.map((c) => `"${c.name}"`).join(', ')}` +
    `${S > 1 ? ` (stride ${S})` : ''}; ${nTrain} training, ${nVal} validation${nTest ? `, ${nTest} test` : ''} windows (${marks ? `split by "${choice.split}": ${(['train', 'validation', 'test'] as const).map((w) => `${segSplit.filter((x) => x === w).length} ${w}`).join(', ')} series held out whole${heldWhole ? '' : ', validation the tail of each training series'}` : `split by time, the tail${keyName ? ' of each series' : ''} held out`}); ` +
    (diff
      ? (lag > 1
          ? `seasonally differenced (lag ${lag}): the model reads the change of each column from ${lag} rows before and predicts the change Δ = ${targetCol.name}[last + ${Hz}] − ${targetCol.name}[last + ${Hz} − ${Math.max(lag, Hz)}] `
          : `differenced: the model reads the change from each row to the next and predicts the change Δ = ${targetCol.name}[last + ${Hz}] − ${targetCol.name}[last] `) +
        `(the forecast is ${lag > 1 ? 'the value a season before' : 'the last value'} + Δ), both scaled with the training part's mean and std (Δ: mean ${fmt(tScale.mean)}, std ${fmt(tScale.std)}); `
      : `scaled with the training part's mean and std (${targetCol.name}: mean ${fmt(tScale.mean)}, std ${fmt(tScale.std)}); `) +
    `gaps: ${filled.length ? filled.map((x) => `${x.k} in "${x.c.name}"`).join(', ') + ' filled by linear interpolation' : 'none (missing values would be filled by linear interpolation)'}` +
    `${unknownTargets ? ` (the ${unknownTargets} windows whose target is missing are left out)` : ''}` +
    `${baselines.length ? `; baselines on validation: ${baselines.map((b) => `${b.name} rmse ${fmt(b.metrics.rmse)}`).join(', ')}` : ''}`;
  // A trend: most validation targets outside the range the training part covers, where a model of levels extrapolates.
  const warnings: string[] = [];
  if (!diff) {
    let lo = Infinity;
    let hi = -Infinity;
    seg.forEach((g, si) => {
      for (let i = 0; i < fitEnd[si]; i++) (lo = Math.min(lo, g.y[i])), (hi = Math.max(hi, g.y[i]));
    });
    const outside = valW.filter((w) => {
      const v = seg[w.s].y[w.at + L - 1 + Hz];
      return v < lo || v > hi;
    }).length;
    if (outside > valW.length / 2)
      warnings.push(
        `${outside} of ${valW.length} validation targets lie outside the range of "${targetCol.name}" in the training part (${fmt(lo)} to ${fmt(hi)}): ` +
          `a model of levels has to extrapolate there; ${mention('difference')} (predict the change, not the level) may do better`,
      );
  }
  const data: TrainingData & { warnings: string[] } = {
    warnings,
    // differenced: the head starts at zero, so the untrained model is the naive forecast it predicts changes from
    model: { shape: 'many-to-one', input: { vocabSize: 0, embedSize: 0, featureSize: F }, output: { kind: 'values', size: 1, ...(diff ? { zeroInit: true } : {}) } },
    stateful: false,
    nextBatch: () => ({ batch: makeBatch(sampler.next()) }),
    validationBatches: (() => {
      let v: Batch[] | undefined;
      return () => (v ??= chunked(valIds));
    })(),
    batchesPerEpoch: Math.ceil(nTrain / B),
    tokensPerBatch: B,
    createMetrics: () => regressionMetrics(tScale.std),
    transforms,
    summary,
    cursor: () => sampler.drawn,
    seek: (c) => sampler.seek(c),
  };
  if (testIds.length) data.testBatches = () => chunked(testIds);
  if (baseline) data.baseline = baseline;
  return data;
}
