// The ways to train on parsed data, each a candidate with a score and a one-line reason (propose.ts ranks them and
// proposes the best that can be trained). Tables go by the facts of analyse.ts: a series forecast per ranked target
// (from the better naive forecast), sequence classification and per-step labels of a long table, text
// classification, pairs, a text model, a wide table, independent rows; other kinds (running text, tagged sentences,
// pairs, sequence archives) have one way each.

import type { Candidate, Proposal } from '../../src-shared/dataset';
import { mention } from '../../src-shared/settings';
import { cellText, groupRows, KEY_NAME, namedLike, nameWords, type NameWords, seasonalStrength, shareOfValues, type TableFacts, timeOrder } from './analyse';
import { type DatasetChoice, labelWarnings, SENSIBLE_STEPS } from './build/choices';
import { countValues, fmt, joinTexts, labelStrings, SEP, tokenize } from './build/common';
import { sideTokens, type SideTokens } from './build/pairs';
import { formatDate } from './formats/dates';
import type { Column, Parsed, ParsedTable } from './parsed';
import { clip, quote, samplePositions, showValues } from './preview';
import { fillGaps } from './series';
import { isBinary } from './build/tabular';
import { buildVocabulary } from './text';

/** A candidate with what it takes to show it as the proposal. */
export interface Draft extends Candidate {
  preview: () => Proposal['preview'];
  warnings?: () => string[];
  classes?: () => { value: string; count: number }[];
}

const LABEL_NAMES: NameWords = { stems: ['label', 'class', 'target', 'categor', 'intent', 'sentiment', 'polarity', 'score', 'outcome', 'tag', 'topic', 'emotion', 'rating', 'stance', 'diet', 'activit', 'offen', 'diagnos', 'species'], wholes: ['y', 'group', 'quality'] };
const META_NAMES: NameWords = {
  stems: ['author', 'title', 'user', 'url', 'link', 'source', 'date', 'time', 'lang', 'countr', 'city', 'cities', 'email', 'phone', 'address', 'name', 'created', 'updated', 'modified', 'posted', 'published'],
  suffixes: ['name'],
  words: ['id', 'ids', 'uid', 'uuid'],
};
const isLabelName = (name: string): boolean => namedLike(name, LABEL_NAMES);
const isMetaName = (name: string): boolean => namedLike(name, META_NAMES);
/** Names of a documented target: target, y, label… and OT, the target of the long-term forecasting benchmarks (ETT, weather, electricity, traffic, exchange, ILI). */
const TARGET_NAME = /^(target|y|label|response|outcome|output|ot)$/i;
/** Names of the next step's value: RainTomorrow, next_day_close, price_next. */
const NEXT_NAMES: NameWords = { stems: ['tomorrow', 'nextday'], words: ['next'] };

// ============================================== tables: facts → drafts ==========================================

export function describeColumns(t: ParsedTable, facts: TableFacts): Proposal['columns'] {
  return facts.columns.map((f) => {
    const c = f.column;
    return { name: c.name, type: c.type, missing: c.missing, ...(c.categories ? { distinct: c.categories.length } : {}), role: f.role, why: f.why, ...(c.dateForm ? { dateForm: c.dateForm } : {}) };
  });
}

function missingWarnings(t: ParsedTable, cols: Column[]): string[] {
  return cols
    .filter((c) => t.rows > 0 && c.missing / t.rows > 0.2)
    .map((c) => `column "${c.name}": ${Math.round((100 * c.missing) / t.rows)}% of its values are missing (${c.missing} of ${t.rows})`);
}

const pct = (x: number): string => `${Math.round(100 * x)}%`;
const names = (cols: Column[]): string => cols.map((c) => `"${c.name}"`).join(', ');

/** Whether a column's values stop before the end of the table (the last 5% of rows, and at least 2, are all missing). */
function endsEarly(c: Column, order: number[]): boolean {
  const k = Math.max(2, Math.ceil(order.length * 0.05));
  if (!c.numbers || order.length < 2 * k) return false;
  for (let i = order.length - k; i < order.length; i++) if (!Number.isNaN(c.numbers[order[i]])) return false;
  return true;
}

/** Pearson correlation over rows where both are present. */
function correlation(a: Float64Array, b: Float64Array): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    n++;
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  if (n < 3) return 0;
  const cov = sab / n - (sa / n) * (sb / n);
  const va = saa / n - (sa / n) ** 2;
  const vb = sbb / n - (sb / n) ** 2;
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
}

/** Two column names of one family: a shared start or end of 3+ letters (HUFL, MUFL; real_gdp, real_cons), or both numbers. */
function siblings(a: string, b: string): boolean {
  const x = a.toLowerCase().replace(/[^a-z0-9]/g, '');
  const y = b.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (/^\d+$/.test(x) && /^\d+$/.test(y)) return true; // columns numbered 0, 1, 2 … (one per meter, sensor…)
  let p = 0;
  while (p < x.length && p < y.length && x[p] === y[p]) p++;
  let s = 0;
  while (s < x.length && s < y.length && x[x.length - 1 - s] === y[y.length - 1 - s]) s++;
  return p >= 3 || s >= 3;
}

interface RankedTarget {
  column: Column;
  score: number;
  why: string;
}

/**
 * Numeric measurements ranked as forecasting targets: a target-like name first; the close of an open/high/low/close
 * price table; the one measurement whose name is unlike the others' family at the end of the table (a documented
 * target beside its covariates); in a file without a header that does not start with its time, the last column (that
 * convention); otherwise the first measurement. Values that stop early or are mostly missing rank lower.
 */
function rankTargets(t: ParsedTable, facts: TableFacts, order: number[], groups: number[][] = [order]): RankedTarget[] {
  const values = facts.columns.filter((f) => f.role === 'value' && f.column.missing < 0.6 * t.rows && !seriesProperty(f.column, facts)).map((f) => f.column);
  const odd =
    values.length >= 4
      ? values.filter((c) => !values.some((d) => d !== c && siblings(c.name, d.name)))
      : [];
  // (at the very end of the table: columns after it — a country's population beside its counts — are not covariates)
  const lastColumn = [...t.columns].reverse().find((c) => !['id', 'constant', 'split'].includes(facts.role(c)));
  const oddLast = odd.length === 1 && odd[0] === values[values.length - 1] && odd[0] === lastColumn ? odd[0] : undefined;
  // A running total (total_cases) counts up another column (new_cases): that one is what happens at each step.
  const running = runningTotalsOf(facts, groups);
  const counted = new Map([...running].map(([total, part]) => [part, total]));
  // A table of prices (open, high, low, close: stocks, currencies, crypto): a price series is forecast by its close
  // (the plain close before an adjusted one); the others move with it.
  const has = (c: Column, w: string): boolean => nameWords(c.name).includes(w);
  const closes = ['open', 'high', 'low'].every((w) => values.some((c) => has(c, w))) ? values.filter((c) => has(c, 'close')) : [];
  const close = closes.find((c) => !has(c, 'adj') && !has(c, 'adjusted')) ?? closes[0];
  // A total of other columns (cnt = casual + registered) is what the table counts; its parts add up to it.
  const totals = totalsOf(facts);
  // The weather (temperature, humidity, wind, rain…) beside a quantity of another kind is what drives it: the
  // quantity is the target (traffic volume beside the weather, PM2.5 beside dew point and pressure).
  // (a few quantities beside at least as many weather columns: not a table of the weather itself)
  const weather = values.filter(isWeather);
  const others = values.length - weather.length;
  const beyondWeather = weather.length >= 2 && others >= 1 && others <= Math.min(2, weather.length);
  // A table of the weather itself (two thirds of its measurements or more) is forecast by its temperature (Jena's
  // T (degC) beside pressure, humidity and wind), whichever column comes first.
  const temperature = !beyondWeather && weather.length >= (2 / 3) * values.length ? values.find(isTemperature) : undefined;
  // A file without a header keeps its target last (Longley's Employed after its Year) unless it starts with its time,
  // as series do (SILSO's year, month, then the sunspot number and its deviation, count and flag): then the first.
  const lastByConvention = !t.header && values.length > 1 && !(facts.time?.columns.includes(t.columns[0].name) ?? false);
  const ranked = values.map((c, i): RankedTarget => {
    let score = 0.6 - 0.02 * Math.min(i, 5);
    const why: string[] = [];
    if (TARGET_NAME.test(c.name.trim())) (score += 0.3), why.push('named like a target');
    const parts = totals.get(c);
    if (parts) (score += 0.35), why.push(`the total of ${parts.map((p) => `"${p.name}"`).join(' + ')}: what the table counts`);
    const runningTotal = running.get(c);
    if (runningTotal) (score -= 0.3), why.push(`the running total of "${runningTotal.name}"`);
    const countedUp = counted.get(c);
    if (countedUp) (score += 0.2), why.push(`what happens at each step, "${countedUp.name}" its running total`);
    if (beyondWeather && !weather.includes(c)) (score += 0.3), why.push(`a quantity beside the weather (${weather.slice(0, 3).map((w) => w.name).join(', ')}${weather.length > 3 ? '…' : ''}) that drives it`);
    if (c === temperature && i > 0) (score += 0.3), why.push(`the temperature of a table of the weather (${weather.length} of its ${values.length} measurements): what a weather series is forecast by`);
    if (c === close) (score += 0.3), why.push('the closing price of a table of open, high, low and close prices: what a price series is forecast by');
    else if (lastByConvention && i === values.length - 1) (score += 0.3), why.push('the last column, where files without a header keep the target');
    else if (c === oddLast) (score += 0.3), why.push(`the one measurement at the end unlike the family of the others (${values.filter((v) => v !== c).slice(0, 4).map((v) => v.name).join(', ')}…): the quantity they drive`);
    else if (i === 0 && !lastByConvention) (score += 0.15), why.push('the first measurement in the table');
    const missing = c.missing / t.rows;
    if (missing > 0.4) (score -= 0.2), why.push(`${pct(missing)} missing`);
    else if (missing > 0.05) why.push(`${pct(missing)} missing (skipped as targets, interpolated as inputs)`);
    if (endsEarly(c, order)) (score -= 0.3), why.push('stops before the end of the table');
    const f = facts.byName(c.name)!;
    if (f.integer && f.distinct <= 10) (score -= 0.2), why.push(`only ${f.distinct} distinct values`);
    if (why.length === 0) why.push(`measurement ${i + 1} of ${values.length}`);
    return { column: c, score, why: why.join('; ') };
  });
  return ranked.sort((a, b) => b.score - a.score);
}

/** Words naming the weather (a condition that drives a quantity): temp, humidity, dew point, pressure, wind, rain… */
const WEATHER_NAMES: NameWords = {
  stems: ['temp', 'humid', 'dew', 'press', 'wind', 'rain', 'precip', 'snow', 'cloud', 'visib', 'solar', 'sunshine', 'radiat', 'gust', 'weather'],
  words: ['atemp', 'hum', 'rh', 'tmin', 'tmax', 'tavg', 'wspm', 'iws', 'prcp', 'pres', 'tdewpoint'],
};
/** A unit of the weather in a name ("p (mbar)", "T (degC)", "wv (m/s)", "wd (deg)"): the quantity it measures. */
function weatherUnit(words: string[]): 'temperature' | 'weather' | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === 'degc' || w === 'degf' || w === 'celsius' || w === 'fahrenheit' || (w === 'deg' && (words[i + 1] === 'c' || words[i + 1] === 'f'))) return 'temperature';
    if (w === 'mbar' || w === 'hpa' || w === 'deg' || w === 'degrees' || (w === 'm' && words[i + 1] === 's') || w === 'mph' || w === 'knots') return 'weather';
  }
  return undefined;
}
const isWeather = (c: Column): boolean => namedLike(c.name, WEATHER_NAMES) || weatherUnit(nameWords(c.name)) !== undefined;
const isTemperature = (c: Column): boolean => namedLike(c.name, { stems: ['temp'], words: ['tmin', 'tmax', 'tavg', 'atemp'] }) || weatherUnit(nameWords(c.name)) === 'temperature';

/** The totals found in a table's measurements, once per analysis (targets are ranked, then each one's inputs chosen). */
const totalsFound = new WeakMap<TableFacts, Map<Column, Column[]>>();

/**
 * Columns that are the sum of two others on (nearly) every row (cnt = casual + registered), with those parts. Judged
 * on up to 500 rows; only over non-negative columns, and a part is never a total itself.
 */
function totalsOf(facts: TableFacts): Map<Column, Column[]> {
  let out = totalsFound.get(facts);
  if (out) return out;
  totalsFound.set(facts, (out = new Map<Column, Column[]>()));
  const cols = facts.columns.filter((f) => f.role === 'value' && f.column.numbers).map((f) => f.column).slice(0, 40);
  if (cols.length < 3) return out;
  const n = cols[0].numbers!.length;
  const rows = Array.from({ length: Math.min(500, n) }, (_, k) => Math.floor((k * n) / Math.min(500, n)));
  const nonNegative = cols.filter((c) => rows.every((r) => !(c.numbers![r] < 0)));
  for (const total of nonNegative) {
    for (let a = 0; a < nonNegative.length && !out.has(total); a++)
      for (let b = a + 1; b < nonNegative.length; b++) {
        const [x, y] = [nonNegative[a], nonNegative[b]];
        if (x === total || y === total) continue;
        let seen = 0;
        let equal = 0;
        let positive = 0;
        for (const r of rows) {
          const t = total.numbers![r];
          const s = x.numbers![r] + y.numbers![r];
          if (Number.isNaN(t) || Number.isNaN(s)) continue;
          seen++;
          if (Math.abs(t - s) <= 1e-6 * Math.max(1, Math.abs(t))) equal++;
          if (x.numbers![r] > 0 && y.numbers![r] > 0) positive++;
        }
        if (seen >= 20 && equal >= 0.98 * seen && positive >= 0.5 * seen) {
          out.set(total, [x, y]);
          break;
        }
      }
  }
  for (const parts of [...out.values()]) for (const p of parts) out.delete(p);
  return out;
}

const runningFound = new WeakMap<TableFacts, Map<Column, Column>>();

/**
 * Columns that are the running total of another (OWID's total_cases, rising each day by that day's new_cases), each
 * with the column it adds up: judged within each series in time order, on up to 500 steps.
 */
function runningTotalsOf(facts: TableFacts, order: number[][]): Map<Column, Column> {
  let out = runningFound.get(facts);
  if (out) return out;
  runningFound.set(facts, (out = new Map<Column, Column>()));
  const cols = facts.columns.filter((f) => f.role === 'value' && f.column.numbers).map((f) => f.column).slice(0, 40);
  // 500 steps (row, next row in its series) spread over all of them, without listing every step
  const total = order.reduce((n, g) => n + Math.max(0, g.length - 1), 0);
  if (cols.length < 2 || total < 20) return out;
  const want = Math.min(500, total);
  const picked: [number, number][] = [];
  let g = 0;
  let before = 0; // steps in the series before g
  for (let k = 0; k < want; k++) {
    const at = Math.floor((k * total) / want);
    while (at >= before + Math.max(0, order[g].length - 1)) (before += Math.max(0, order[g].length - 1)), g++;
    const i = at - before + 1;
    picked.push([order[g][i - 1], order[g][i]]);
  }
  for (const total of cols)
    for (const part of cols) {
      if (part === total || out.has(total)) continue;
      let seen = 0;
      let equal = 0;
      let moving = 0;
      for (const [a, b] of picked) {
        const d = total.numbers![b] - total.numbers![a];
        const x = part.numbers![b];
        if (Number.isNaN(d) || Number.isNaN(x)) continue;
        seen++;
        if (Math.abs(d - x) <= 1e-6 * Math.max(1, Math.abs(total.numbers![b]))) equal++;
        if (x !== 0) moving++;
      }
      if (seen >= 20 && equal >= 0.95 * seen && moving >= 0.3 * seen) out.set(total, part);
    }
  return out;
}

const BOUND = /^(.+?)[ _.-]?(hi|lo|high|low|upper|lower|ub|lb|max|min)$/i;

/**
 * A bound of another column: named like it with a hi / lo / upper / lower … ending (dem_hi beside dem_estimate) and on
 * one side of it on (nearly) every row — the band of an estimate, not a quantity of its own.
 */
function bandAround(c: Column, kept: Column[]): Column | undefined {
  const m = BOUND.exec(c.name);
  if (!m) return undefined;
  const stem = m[1].toLowerCase();
  return kept.find((k) => {
    if (k === c || !k.name.toLowerCase().startsWith(stem) || BOUND.test(k.name)) return false;
    let above = 0;
    let below = 0;
    let n = 0;
    for (let i = 0; i < c.numbers!.length; i++) {
      const a = c.numbers![i];
      const b = k.numbers![i];
      if (Number.isNaN(a) || Number.isNaN(b)) continue;
      n++;
      if (a >= b) above++;
      if (a <= b) below++;
    }
    return n > 0 && Math.max(above, below) >= 0.98 * n;
  });
}

/** A value that never changes within a series (a place's latitude beside its counts): a property of the series, not a measurement over time. */
function seriesProperty(c: Column, facts: TableFacts): boolean {
  if (!facts.key || !c.numbers) return false;
  return groupRows(facts.key).every((g) => g.every((r) => c.numbers![r] === c.numbers![g[0]] || Number.isNaN(c.numbers![r])));
}

/** The inputs of a series model: the target, other measurements (not mostly missing, not ending early, not redundant) and calendar features. */
function seriesInputs(t: ParsedTable, facts: TableFacts, target: Column, order: number[]): { inputs: Column[]; left: string[] } {
  const kept: Column[] = [target];
  const left: string[] = [];
  const parts = totalsOf(facts).get(target) ?? [];
  for (const f of facts.columns) {
    const c = f.column;
    if (c === target || !(f.role === 'value' || f.role === 'calendar')) continue;
    if (seriesProperty(c, facts)) {
      left.push(`"${c.name}" (the same on every row of a series: a property of the series, not a measurement)`);
      continue;
    }
    if (c.missing > 0.3 * t.rows) {
      left.push(`"${c.name}" (${pct(c.missing / t.rows)} missing)`);
      continue;
    }
    if (endsEarly(c, order)) {
      left.push(`"${c.name}" (stops before the end)`);
      continue;
    }
    if (parts.includes(c)) {
      left.push(`"${c.name}" (a part of "${target.name}": the parts add up to it, known only with it)`);
      continue;
    }
    const band = bandAround(c, kept);
    if (band) {
      left.push(`"${c.name}" (a band around "${band.name}": it moves with it, row by row)`);
      continue;
    }
    const twin = kept.find((k) => Math.abs(correlation(k.numbers!, c.numbers!)) >= 0.99);
    if (twin) {
      left.push(`"${c.name}" (moves with "${twin.name}": adds nothing)`);
      continue;
    }
    kept.push(c);
  }
  // Few rows for several inputs: a model of many columns over-fits a short series; its own past only.
  const windowsPerInput = t.rows / kept.length;
  if (kept.length > 1 && windowsPerInput < 100) {
    left.push(`${kept.length - 1} other measurement${kept.length > 2 ? 's' : ''} (${t.rows} rows are too few for ${kept.length} inputs: the target's own past only)`);
    return { inputs: [target], left };
  }
  // The target first is how the series models read it; keep the table's order for the rest.
  return { inputs: [target, ...t.columns.filter((c) => c !== target && kept.includes(c))], left };
}

/** Values of a column in the given row order, gaps filled. */
function filledInOrder(c: Column, order: number[]): number[] {
  const v = order.map((r) => c.numbers![r]);
  fillGaps(v);
  return v;
}

/** The seasonal period that shows in the target (of those the time axis allows), or undefined. */
function seasonOf(facts: TableFacts, series: number[][]): number | undefined {
  const periods = facts.time?.periods ?? [];
  let best: { p: number; s: number } | undefined;
  for (const p of periods) {
    const strengths = series.filter((v) => v.length >= 2 * p + 2).map((v) => seasonalStrength(v, p));
    if (strengths.length === 0) continue;
    const s = strengths.reduce((a, b) => a + b, 0) / strengths.length;
    if (s >= 0.2 && (!best || s > best.s)) best = { p, s };
  }
  return best?.p;
}

/** Lookback: two seasons for short seasons, one for long ones; 24 without; at most a quarter of a series. */
function lookbackFor(rows: number, season: number | undefined): number {
  const cap = Math.max(1, Math.floor(rows / 4));
  const want = season ? (season < 30 ? 2 * season : season) : 24;
  return Math.max(1, Math.min(want, cap, 512));
}

/** Mean absolute error of forecasting y[t] by y[t − k] over the training part (the first 90%). */
function naiveError(y: number[], k: number): number {
  const end = Math.floor(y.length * 0.9);
  let sum = 0;
  let n = 0;
  for (let t = k; t < end; t++) (sum += Math.abs(y[t] - y[t - k])), n++;
  return n ? sum / n : Infinity;
}

/** Whether most validation targets lie outside the range of the training part (a trend a level model must extrapolate). */
function trending(y: number[], valFraction = 0.1): boolean {
  const nVal = Math.max(1, Math.floor(y.length * valFraction));
  const train = y.slice(0, y.length - nVal);
  const val = y.slice(y.length - nVal);
  if (train.length < 10) return false;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of train) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  return val.filter((v) => v < lo || v > hi).length > val.length / 2;
}

function seriesDrafts(t: ParsedTable, facts: TableFacts, base: number): Draft[] {
  const groups = timeOrder(t, facts);
  const order = groups.flat();
  const key = facts.key;
  const ranked = rankTargets(t, facts, order, groups).slice(0, 4);
  const time = facts.time;
  // a split column that marks whole series (a folder of train/, valid/, test/ recordings) holds them out whole
  const marks = facts.split && key ? facts.split : undefined;
  const wholeSplit = marks && groups.every((g) => g.every((r) => cellText(marks, r) === cellText(marks, g[0]))) ? marks : undefined;
  return ranked.map((r, i): Draft => {
    const { inputs, left } = seriesInputs(t, facts, r.column, order);
    const series = groups.map((g) => filledInOrder(r.column, g));
    const season = seasonOf(facts, series);
    const shortest = Math.min(...groups.map((g) => g.length));
    const lookback = lookbackFor(shortest, season);
    // Predict the change from the better naive forecast, starting from it (the head starts at zero): the same time a
    // season before where that beats the last value on the training part (seasonal data), else the last value.
    const seasonal = season !== undefined && series.every((y) => naiveError(y, season) < naiveError(y, 1));
    const trends = series.every((y) => trending(y));
    const difference = true;
    const choice: Partial<DatasetChoice> = {
      shape: 'many-to-one',
      target: r.column.name,
      input: inputs.map((c) => c.name),
      lookback,
      horizon: 1,
      ...(season ? { season } : time?.periods.length ? { season: 0 } : {}),
      ...(key ? { sequence: key.name } : {}),
      ...(wholeSplit ? { split: wholeSplit.name } : {}),
      ...(difference ? { difference: true } : {}),
      ...(seasonal ? { lag: season } : {}),
    };
    const every = time?.interval ? ` (${time.interval.name}${season ? `, seasonal period ${season}` : ''})` : '';
    const task = `forecast "${r.column.name}" 1 step ahead from ${lookback} steps of ${names(inputs)}${key ? ` in each "${key.name}" series` : ''}${every}${seasonal ? `, as changes from a season before (the seasonal naive forecast is the one to beat)` : `, as changes from the last value${trends ? ' (it trends)' : ' (the naive forecast to beat)'}`}`;
    const reason = `target: ${r.why}${left.length ? `; left out: ${left.join(', ')}` : ''}${wholeSplit ? `; "${wholeSplit.name}" holds out whole series` : ''}${season ? (lookback >= season ? `; lookback ${lookback} covers the ${season}-step season` : `; lookback ${lookback}, shorter than the ${season}-step season (the shortest series has ${shortest} steps)`) : ''}`;
    return {
      shape: 'many-to-one',
      task,
      choice,
      score: base * (i === 0 ? 1 : Math.min(0.95, r.score / ranked[0].score) - 0.05 * i),
      reason,
      warnings: () => missingWarnings(t, inputs),
      preview: () => seriesPreview(t, facts, groups[groups.length - 1], inputs, r.column, lookback),
    };
  });
}

function seriesPreview(t: ParsedTable, facts: TableFacts, order: number[], inputs: Column[], target: Column, lookback: number): Proposal['preview'] {
  const W = order.length - lookback;
  if (W < 1) return [];
  const filled = inputs.map((c) => filledInOrder(c, order));
  const y = filled[0];
  const when = (i: number): string => (facts.time ? ` on ${formatDate(facts.time.values[order[i]], facts.time.dateForm)}` : ` at row ${order[i] + 1}`);
  return samplePositions(Math.floor(W * 0.9) || 1).map((s) => {
    const at = s + lookback;
    const input =
      inputs.length === 1
        ? `${target.name} ${showValues(y.slice(s, at))}`
        : `${lookback} steps of ${inputs.map((c) => c.name).join(', ')}; last: ${inputs.map((c, i) => `${c.name} ${fmt(filled[i][at - 1])}`).join(', ')}`;
    return { input, output: `${target.name}${when(at)}: ${fmt(y[at])}` };
  });
}

/** Columns constant within every group of `key`, with 2 … 50 values: per-sequence labels. */
function sequenceLabels(t: ParsedTable, facts: TableFacts, groups: number[][]): Column[] {
  return facts.columns
    .filter((f) => (f.role === 'category' || (f.role === 'value' && f.integer && f.distinct <= 20)) && f.distinct >= 2 && f.distinct <= 50)
    .map((f) => f.column)
    .filter((c) => groups.every((g) => new Set(g.map((r) => cellText(c, r)).filter((x) => x !== '')).size <= 1))
    .filter((c) => {
      // most classes seen in two sequences or more (a class seen once is warned about)
      const counts = countValues(groups.map((g) => cellText(c, g[0])));
      return counts.filter((x) => x.count >= 2).length >= counts.length / 2;
    });
}

/**
 * Columns of few values that change within groups in long runs: per-step labels (the activity at each reading),
 * with their mean run length; longest runs first (a label holds for a while; a sensor's id flickers).
 */
function stepLabelColumns(facts: TableFacts, groups: number[][]): { column: Column; run: number }[] {
  const out: { column: Column; run: number }[] = [];
  for (const f of facts.columns) {
    if (!((f.role === 'category' || (f.role === 'value' && f.integer)) && f.distinct >= 2 && f.distinct <= 20)) continue;
    const c = f.column;
    let changes = 0;
    let within = 0;
    let steps = 0;
    for (const g of groups) {
      const s = new Set<string>();
      for (let i = 0; i < g.length; i++) {
        const v = cellText(c, g[i]);
        s.add(v);
        if (i > 0 && v !== cellText(c, g[i - 1])) changes++;
        steps++;
      }
      if (s.size > 1) within++;
    }
    const run = steps / Math.max(1, changes + groups.length);
    if (within >= groups.length / 2 && run >= 3) out.push({ column: c, run });
  }
  return out.sort((a, b) => b.run - a.run);
}

function sequenceDrafts(t: ParsedTable, facts: TableFacts, base: number): Draft[] {
  const key = facts.key!;
  const groups = timeOrder(t, facts);
  const labels = sequenceLabels(t, facts, groups);
  const perStep = stepLabelColumns(facts, groups).filter((x) => !labels.includes(x.column));
  const constant = new Set(facts.columns.filter((f) => f.role !== 'key' && groups.every((g) => new Set(g.map((r) => cellText(f.column, r))).size <= 1)).map((f) => f.column));
  const step = facts.step;
  const irregularStep = step?.numbers ? !groups.every((g) => isEvenlySpaced(g.map((r) => step.numbers![r]))) : false;
  const features = (not: Column[]): Column[] =>
    facts.columns.filter((f) => (f.role === 'value' || f.role === 'calendar' || (f.role === 'step' && irregularStep)) && !not.includes(f.column) && !constant.has(f.column)).map((f) => f.column);
  const lengths = groups.map((g) => g.length).sort((a, b) => a - b);
  const out: Draft[] = [];
  const ordered = step ? ` ordered by "${step.name}"` : facts.time ? ` ordered by ${facts.time.columns.join(' + ')}` : '';
  labels.forEach((label, i) => {
    const inputs = features([label]);
    if (inputs.length === 0) return;
    const named = isLabelName(label.name);
    // who or what recorded a sequence (a speaker, a subject, a device) is metadata more often than the task
    const who = KEY_NAME.test(label.name) || isMetaName(label.name);
    const counts = countValues(groups.map((g) => cellText(label, g[0])));
    const choice: Partial<DatasetChoice> = { shape: 'many-to-one', sequence: key.name, target: label.name, input: inputs.map((c) => c.name), ...(step ? { step: step.name } : {}), ...(facts.split ? { split: facts.split.name } : {}) };
    out.push({
      shape: 'many-to-one',
      task: `classify each sequence (grouped by "${key.name}"${ordered}) into "${label.name}" (${counts.length} classes) from ${names(inputs)}`,
      choice,
      score: base * (named ? 1 : 0.9) * (who && !named ? 0.8 : 1) - 0.03 * i + (label === t.columns[t.columns.length - 1] ? 0.02 : 0),
      reason: `"${label.name}" is the same on every row of a sequence (${counts.map((c) => `${c.value} ${c.count}`).slice(0, 5).join(', ')}): a label per sequence; ${groups.length} sequences of ${lengths[0]}–${lengths[lengths.length - 1]} steps${irregularStep ? `; "${step!.name}" is unevenly spaced, so it is read as an input too` : ''}${constant.size > 1 ? `; left out (one value per sequence: bookkeeping, not signal): ${[...constant].filter((c) => c !== label).map((c) => `"${c.name}"`).join(', ')}` : ''}`,
      classes: () => counts,
      warnings: () => [...labelWarnings(counts), ...missingWarnings(t, inputs), ...(lengths[lengths.length - 1] > SENSIBLE_STEPS ? [`a sequence has ${lengths[lengths.length - 1].toLocaleString('en')} steps, longer than anything sensible: use ${mention('maxLength')}`] : [])],
      preview: () =>
        samplePositions(groups.length).map((gi) => {
          const g = groups[gi];
          return { input: `${key.name} ${cellText(key, g[0])}: ${g.length} steps of ${inputs.map((c) => c.name).join(', ')} (first: ${inputs.map((c) => fmt(c.numbers![g[0]])).join(', ')})`, output: cellText(label, g[0]) || '?' };
        }),
    });
  });
  perStep.forEach(({ column: label, run }, i) => {
    const inputs = features(perStep.map((x) => x.column));
    if (inputs.length === 0) return;
    const counts = countValues(labelStrings(label));
    out.push({
      shape: 'many-to-many',
      task: `label every step of each sequence (grouped by "${key.name}"${ordered}) with "${label.name}" (${counts.length} classes) from ${names(inputs)}`,
      choice: { shape: 'many-to-many', sequence: key.name, target: label.name, input: inputs.map((c) => c.name), ...(step ? { step: step.name } : {}), ...(facts.split ? { split: facts.split.name } : {}) },
      score: base * 0.95 - 0.03 * i,
      reason: `"${label.name}" takes ${counts.length} values that change within a sequence in runs of ${fmt(run)} steps on average: a label per step (${counts.slice(0, 4).map((c) => `${c.value} ${pct(c.count / t.rows)}`).join(', ')})`,
      classes: () => counts,
      warnings: () => labelWarnings(counts),
      preview: () =>
        samplePositions(groups.length).map((gi) => {
          const g = groups[gi];
          return { input: `${key.name} ${cellText(key, g[0])}: ${g.length} steps of ${inputs.map((c) => c.name).join(', ')}`, output: clip(g.slice(0, 12).map((r) => cellText(label, r)).join(' ') + (g.length > 12 ? ' …' : '')) };
        }),
    });
  });
  return out;
}

function isEvenlySpaced(v: number[]): boolean {
  if (v.length < 3) return true;
  const d = v.slice(1).map((x, i) => x - v[i]);
  return d.every((x) => Math.abs(x - d[0]) <= 1e-9 * Math.max(1, Math.abs(d[0])));
}

/** Free text or many distinct words (mostly present): what a sentence, a word or a translation looks like. */
function wordy(t: ParsedTable, facts: TableFacts): Column[] {
  return facts.columns
    .filter((f) => (f.role === 'text' || (f.role === 'category' && (f.distinct > Math.max(50, 0.1 * t.rows) || f.distinct >= 0.8 * (t.rows - f.column.missing)))) && f.column.missing <= 0.5 * t.rows && !codes(f.column) && !parses(f.column))
    .map((f) => f.column);
}

/** Parse trees written out ("( ( The cat ) ( sat ) )", "(ROOT (S …))", MultiNLI's *_parse): the sentence's structure, not a text to read. */
const parses = (c: Column): boolean => shareOfValues(c, (v) => /^\s*\(/.test(v) && (v.match(/[()]/g)?.length ?? 0) >= 4) >= 0.9;

/** Codes rather than words (a ticket "A/5 21171", a part "PC 17599"): short values that are mostly digits and marks. */
const codes = (c: Column): boolean =>
  shareOfValues(c, (v) => /\d/.test(v) && v.trim().split(/\s+/).length <= 3 && (v.match(/\p{L}/gu) ?? []).length < 0.5 * v.replace(/\s/g, '').length) >= 0.8;

const meanLength = (c: Column): number => {
  const s = c.strings!;
  let n = 0;
  let len = 0;
  for (let i = 0; i < s.length; i += Math.max(1, Math.floor(s.length / 2000))) if (s[i] !== '') (n++, (len += s[i].length));
  return n ? len / n : 0;
};

// ============================================== pairs: tokens per side ==========================================

/** Both sides' tokens: the choice's two fields, and the task's words for them. */
function pairTokens(source: readonly string[], target: readonly string[]): { choice: Pick<DatasetChoice, 'tokens' | 'targetTokens'>; how: string; why: string } {
  const s = sideTokens(source);
  const t = sideTokens(target);
  const unit = (x: SideTokens): string => (x.tokens === 'char' ? 'characters' : x.kind === 'symbols' ? 'symbols' : 'words');
  const how = s.tokens === 'char' && t.tokens === 'char' ? 'character by character' : unit(s) === unit(t) ? `${unit(s).replace(/s$/, '')} by ${unit(s).replace(/s$/, '')}` : `from ${unit(s)} to ${unit(t)}`;
  return { choice: { tokens: s.tokens, targetTokens: t.tokens }, how, why: `source: ${s.looks}, read as ${unit(s)}; target: ${t.looks}, read as ${unit(t)}` };
}

function textDrafts(t: ParsedTable, facts: TableFacts): Draft[] {
  const texts = wordy(t, facts);
  if (texts.length === 0) return [];
  const out: Draft[] = [];
  const split = facts.split ? { split: facts.split.name } : {};
  const splitNote = facts.split ? `; "${facts.split.name}" gives the split` : '';
  // Labels: few distinct short values (categories, or a handful of whole numbers) with enough examples each.
  const labels = facts.columns
    .filter((f) => !texts.includes(f.column) && (f.role === 'category' || (f.role === 'value' && f.integer && f.distinct <= 20)) && f.distinct >= 2 && f.distinct <= 1000 && f.distinct < t.rows - f.column.missing && !(f.column.strings && parses(f.column)))
    .map((f) => f.column);
  const byLength = [...texts].sort((a, b) => meanLength(b) - meanLength(a));
  const lengths = new Map(texts.map((c) => [c, meanLength(c)]));
  // Two text columns of similar length: a source and its translation (or transliteration, correction…).
  // (each side mostly distinct: a sentence and its translation, not a name repeated over many rows)
  const pairable = texts.length >= 2 ? texts.filter((c) => lengths.get(c)! <= 400 && facts.byName(c.name)!.distinct >= 0.25 * (t.rows - c.missing)) : [];
  let pair: [Column, Column] | undefined;
  // (not two of a numbered family: Top1 and Top2 are a day's headlines, sentence1 and sentence2 a pair to compare)
  const family = (c: Column): string => c.name.toLowerCase().replace(/[^\p{L}]/gu, '');
  for (let i = 0; i < pairable.length && !pair; i++)
    for (let j = i + 1; j < pairable.length && !pair; j++) {
      if (family(pairable[i]) !== '' && family(pairable[i]) === family(pairable[j])) continue;
      const ratio = lengths.get(pairable[i])! / Math.max(1, lengths.get(pairable[j])!);
      if (ratio >= 1 / 3 && ratio <= 3) pair = [pairable[i], pairable[j]];
    }
  // Two texts beside a column named like a label (premise, hypothesis, label; two questions and is_duplicate) are a
  // pair to classify, not one text to write as the other: the classification comes first.
  const labelled = pair !== undefined && labels.some((l) => isLabelName(l.name));
  // The texts read together for a label: a labelled pair, or the only two of a numbered family (question1 and
  // question2, sentence1 and sentence2), of similar length.
  const twins = pairable.length === 2 && family(pairable[0]) !== '' && family(pairable[0]) === family(pairable[1]) && lengths.get(pairable[0])! / Math.max(1, lengths.get(pairable[1])!) >= 1 / 3 && lengths.get(pairable[0])! / Math.max(1, lengths.get(pairable[1])!) <= 3;
  const together: [Column, Column] | undefined = labelled ? pair : twins ? [pairable[0], pairable[1]] : undefined;
  if (pair) {
    const [src, tgt] = pair;
    const sample = (r: number) => ({ input: clip(src.strings![r]), output: clip(tgt.strings![r]) });
    const forward = pairTokens(src.strings!, tgt.strings!);
    const back = pairTokens(tgt.strings!, src.strings!);
    out.push({
      shape: 'encoder-decoder',
      task: `translate "${src.name}" into "${tgt.name}" ${forward.how} (encoder–decoder)`,
      choice: { shape: 'encoder-decoder', input: [src.name], target: tgt.name, ...forward.choice, ...split },
      score: labelled ? 0.6 : 0.9,
      reason: `two columns of words or sentences of similar length (${fmt(lengths.get(src)!)} and ${fmt(lengths.get(tgt)!)} characters on average): one written as the other; ${forward.why}${labelled ? '; but a label beside them says the pair is classified' : ''}${splitNote}`,
      warnings: () => missingWarnings(t, [src, tgt]),
      preview: () => samplePositions(t.rows).map(sample),
    });
    out.push({
      shape: 'encoder-decoder',
      task: `translate "${tgt.name}" into "${src.name}" (the other direction)`,
      choice: { shape: 'encoder-decoder', input: [tgt.name], target: src.name, ...back.choice, ...split },
      score: 0.6,
      reason: 'the same pairs read the other way round',
      preview: () => samplePositions(t.rows).map((r) => ({ input: clip(tgt.strings![r]), output: clip(src.strings![r]) })),
    });
  }
  const text = byLength[0];
  // Single words (a name, a word, a code) are classified by their letters; sentences by their words.
  const rowsSeen = text.strings!.filter((x, r) => x !== '' && r % Math.max(1, Math.floor(t.rows / 2000)) === 0);
  const wordsPerRow = rowsSeen.reduce((n, x) => n + tokenize(x, 'word').length, 0) / Math.max(1, rowsSeen.length);
  const unit = wordsPerRow <= 1.2 ? 'char' : 'word';
  const unitWhy = unit === 'char' ? `; one word a row (${fmt(wordsPerRow)} on average): read by its characters` : '';
  for (const [i, label] of labels.entries()) {
    const counts = countValues(labelStrings(label));
    if (together) {
      const [a, b] = together;
      const perClass = counts.reduce((n, c) => n + c.count, 0) / counts.length;
      const named = isLabelName(label.name);
      out.push({
        shape: 'many-to-one',
        task: `classify "${a.name}" and "${b.name}" together into "${label.name}" (${counts.length} classes)`,
        choice: { shape: 'many-to-one', input: [a.name, b.name], target: label.name, tokens: 'word', ...split },
        score: 0.9 * Math.min(1, perClass / 10) - 0.02 * i + (named ? 0.07 : 0.02),
        reason: `two texts side by side and a column of few distinct values: ${counts.length} classes, ${fmt(perClass)} examples each on average${named ? ', named like a label' : ''}; the pair is what the label describes, so both are read, one after the other (their words joined by ${SEP})${splitNote}`,
        classes: () => counts,
        warnings: () => [...labelWarnings(counts), ...missingWarnings(t, [a, b, label])],
        preview: () => {
          const labelsOf = labelStrings(label);
          return samplePositions(t.rows).map((r) => ({ input: clip(joinTexts([a.strings![r], b.strings![r]], 'word', true).join(' ')), output: labelsOf[r] || '(missing)' }));
        },
      });
    }
    const perClass = counts.reduce((n, c) => n + c.count, 0) / counts.length;
    let quality = Math.min(1, perClass / 10);
    const why: string[] = [`${counts.length} classes, ${fmt(perClass)} examples each on average`];
    const named = isLabelName(label.name);
    if (named) (quality = Math.max(0.8, Math.min(1, quality + 0.1))), why.push('named like a label');
    // An author, a language, a source… is what a text's metadata records; among a few of them, each with many texts,
    // telling which one wrote a text is a task of its own (authorship, language identification).
    if (isMetaName(label.name) && !named) {
      const few = counts.length <= 20 && perClass >= 30;
      quality *= few ? 0.8 : 0.5;
      why.push(few ? `named like metadata, but few of them with many texts each` : 'named like metadata');
    }
    if (pair && !labelled) (quality *= 0.8), why.push('the text columns look like pairs');
    // a file without a header keeps the label it was made for next to its text (twitter_training.csv: id, entity,
    // sentiment, text — the sentiment, not the entity; CoLA's source, label, mark, sentence — a mostly empty mark between)
    const between = t.columns.slice(Math.min(t.columns.indexOf(label), t.columns.indexOf(text)) + 1, Math.max(t.columns.indexOf(label), t.columns.indexOf(text)));
    const beside = !t.header && labels.length > 1 && between.every((c) => c.missing >= 0.5 * t.rows || facts.role(c) === 'constant');
    if (beside) why.push('next to the text, where a file without a header keeps its label');
    // codes naming where a text came from (CoLA's gj04, bc01, …) are no classes of it
    const sources = !named && counts.length >= 5 && counts.every((c) => /^[A-Za-z]{1,4}\d{1,4}$/.test(c.value));
    if (sources) (quality *= 0.5), why.push(`codes (${counts.slice(0, 3).map((c) => c.value).join(', ')}…): where each text came from, more likely than its class`);
    const longest = text.strings!.reduce((m, s) => Math.max(m, tokenize(s, 'word').length), 0);
    out.push({
      shape: 'many-to-one',
      task: `classify "${text.name}" into "${label.name}" (${counts.length} classes${unit === 'char' ? ', by its characters' : ''})`,
      choice: { shape: 'many-to-one', input: [text.name], target: label.name, tokens: unit, ...split },
      score: 0.9 * quality - 0.02 * i + (named ? 0.05 : 0) + (beside ? 0.03 : 0),
      reason: `a column of few distinct short values beside free text: ${why.join(', ')}${unitWhy}${splitNote}`,
      classes: () => counts,
      warnings: () => [...labelWarnings(counts), ...missingWarnings(t, [text, label]), ...(longest > SENSIBLE_STEPS ? [`a sentence has ${longest.toLocaleString('en')} words, longer than anything sensible: use ${mention('maxLength')}`] : [])],
      preview: () => {
        const labelsOf = labelStrings(label);
        return samplePositions(t.rows).map((r) => ({ input: clip(tokenize(text.strings![r], unit, unit === 'word').join(' ')), output: labelsOf[r] || '(missing)' }));
      },
    });
  }
  // Learn to write the longest text column (a poem, a name, a line of code).
  const lm = byLength[0];
  const avg = lengths.get(lm)!;
  const lmChars = (t.rows - lm.missing) * (avg + 1);
  out.push({
    shape: 'many-to-many',
    task: `learn to continue the text of "${lm.name}" character by character (each row a text of its own)`,
    choice: { shape: 'many-to-many', input: [lm.name], tokens: 'char', lookback: fittingLookback(lmChars) },
    score: (labels.length === 0 && !pair ? 0.7 : 0.45) + (avg >= 40 ? 0.1 : 0),
    reason: `free text (${fmt(avg)} characters on average)${labels.length === 0 && !pair ? ' and nothing to predict from it' : ''}`,
    warnings: () => missingWarnings(t, [lm]),
    preview: () => textPreview(lm.strings!.filter((s) => s !== '').join('\n'), 40),
  });
  // A label → a text (generate a sentence of a class).
  if (labels.length) {
    const label = labels[0];
    out.push({
      shape: 'one-to-many',
      task: `generate "${lm.name}" character by character from "${label.name}"`,
      choice: { shape: 'one-to-many', input: [label.name], target: lm.name, tokens: 'char' },
      score: 0.25,
      reason: `the other way round: a "${label.name}" → a text of that class`,
      preview: () => samplePositions(t.rows).map((r) => ({ input: `${label.name} ${cellText(label, r)}`, output: `${quote(clip(lm.strings![r]))} (then <eos>)` })),
    });
  }
  return out;
}

/** A wide table: one row per sequence, a label column at one end and many numeric columns as its time steps. */
function wideDraft(t: ParsedTable, facts: TableFacts): Draft | undefined {
  if (t.columns.length < 20) return undefined;
  const cols = t.columns.filter((c) => c !== facts.split);
  const ends = [cols[0], cols[cols.length - 1]];
  const label = ends.find((c) => {
    const f = facts.byName(c.name)!;
    return (f.role === 'category' || f.integer) && f.distinct >= 2 && f.distinct <= 50 && f.distinct < t.rows / 2;
  });
  // (not a long table whose rows are steps of a key's sequences: NASA's unit, cycle, then 24 readings; a file of
  // rows, each a recording, is: PTB's ptbdb_normal.csv and ptbdb_abnormal.csv, the file the class)
  if (!label || facts.step) return undefined;
  const steps = t.columns.filter((c) => c !== label && c !== facts.split && c !== facts.key);
  if (steps.length < 20 || !steps.every((c) => c.type === 'numeric')) return undefined;
  const counts = countValues(labelStrings(label));
  const patch = steps.length > 64 ? Math.ceil(steps.length / 32) : 1; // about 32 steps
  return {
    shape: 'many-to-one',
    task: `classify each row, read as a sequence of ${steps.length} values${patch > 1 ? ` (${patch} a step)` : ''}, into "${label.name}" (${counts.length} classes)`,
    choice: { shape: 'many-to-one', target: label.name, input: steps.map((c) => c.name), wide: true, ...(patch > 1 ? { patch } : {}), ...(facts.split ? { split: facts.split.name } : {}) },
    score: 0.9,
    reason: `a wide table: ${steps.length} numeric columns in a row (one series per row) and a column of ${counts.length} classes at ${label === cols[0] ? 'the start' : 'the end'}${patch > 1 ? `; read ${patch} values a step (${Math.ceil(steps.length / patch)} steps: a long series is a short sequence to learn through)` : ''}${facts.split ? `; "${facts.split.name}" gives the split` : ''}`,
    classes: () => counts,
    warnings: () => labelWarnings(counts),
    preview: () => samplePositions(t.rows).map((r) => ({ input: `row ${r + 1}: ${showValues(steps.map((c) => c.numbers![r]))} (${steps.length} steps)`, output: cellText(label, r) })),
  };
}

/** Independent rows: feature columns → a target (the last usable column, or one named like a target). */
/**
 * A state the readings of a series show, rather than a quantity to forecast: a 0/1 column beside measurements that
 * stays 0 or 1 for runs of rows, each value on at least 5% of them (a room occupied or not, eyes open or closed).
 */
function stateColumn(t: ParsedTable, facts: TableFacts): Column | undefined {
  const measured = facts.columns.filter((f) => f.role === 'value' && !(f.integer && f.distinct <= 2)).length;
  if (measured < 2) return undefined;
  return facts.columns
    .filter((f) => f.role === 'value' && f.integer && f.distinct === 2)
    .map((f) => f.column)
    .find((c) => {
      const v = c.numbers!;
      let ones = 0;
      let zeros = 0;
      let changes = 0;
      for (let i = 0; i < v.length; i++) {
        if (v[i] === 1) ones++;
        else if (v[i] === 0) zeros++;
        if (i > 0 && v[i] !== v[i - 1]) changes++;
      }
      return ones + zeros === t.rows - c.missing && Math.min(ones, zeros) >= 0.05 * t.rows && changes > 0 && t.rows / (changes + 1) >= 3;
    });
}

function tabularDraft(t: ParsedTable, facts: TableFacts, base: number, state?: Column): Draft | undefined {
  const usable = facts.columns.filter((f) => f.role === 'value' || f.role === 'category' || f.role === 'calendar').map((f) => f.column);
  if (usable.length < 2) return undefined;
  // a column named as the next step's value (weatherAUS's RainTomorrow beside RainToday) is what the table was made for
  const foretold = state ? undefined : usable.find((c) => namedLike(c.name, NEXT_NAMES));
  const declared = state ?? foretold ?? usable.find((c) => c.name === t.declaredTarget);
  const named = usable.find((c) => TARGET_NAME.test(c.name) || isLabelName(c.name));
  // a 0/1 column among features is the outcome they are kept for (survived, exited, defaulted): the last such, unless
  // the table ends in a measurement (a house's price after its 0/1 river flag, charges after smoker): that one
  const last = usable[usable.length - 1];
  const endsInMeasure = last.type === 'numeric' && !isBinary(last) && facts.byName(last.name)!.distinct > 10;
  const binary = endsInMeasure ? undefined : [...usable].reverse().find((c) => isBinary(c));
  // the one column of a few named classes among measurements (a diagnosis M or B beside 30 measurements of a cell)
  const categorical = usable.filter((c) => c.type === 'categorical');
  const numeric = usable.filter((c) => c.type === 'numeric').length;
  // (not in a file without a header, whose convention is the last column: abalone's sex M, F or I before its rings)
  // (nor before a count the table ends in: abalone's Sex, then its measurements, then its Rings)
  const sole = t.header && !(endsInMeasure && facts.byName(last.name)!.integer) && categorical.length === 1 && numeric >= 4 && (categorical[0].categories?.length ?? 0) >= 2 && (categorical[0].categories?.length ?? 0) <= 20 ? categorical[0] : undefined;
  const target = declared ?? named ?? binary ?? sole ?? last;
  const inputs = usable.filter((c) => c !== target && (c.type === 'numeric' || ((c.categories?.length ?? 0) <= 50 && (c.categories?.length ?? 0) < t.rows)));
  if (inputs.length === 0) return undefined;
  const counts = target.type === 'categorical' || isBinary(target) ? countValues(labelStrings(target)) : undefined;
  return {
    shape: 'one-to-one',
    task: `predict "${target.name}" (${counts ? `${counts.length} classes` : 'a number'}) from ${names(inputs)}`,
    choice: { shape: 'one-to-one', input: inputs.map((c) => c.name), target: target.name, ...(facts.split ? { split: facts.split.name } : {}) },
    // the file's own class (ARFF) is what it was made to predict; a state is what the readings beside it tell
    score: state || foretold ? 0.93 : declared && !facts.time && !facts.key && inputs.length < 20 ? Math.max(base, 0.92) : base,
    reason: state
      ? `"${state.name}" is 0 or 1 for runs of rows beside the measurements: a state they show (occupied or not, open or closed), told from the readings of each row`
      : foretold
      ? `"${foretold.name}" is named as the next step's value: what the table was made to predict, from each row's readings`
      : `rows without a time order: each row on its own; target ${declared ? 'the class the file declares (its last attribute, nominal)' : named ? 'named like one' : target === binary ? 'the 0/1 outcome among the features' : target === sole ? `the one column of classes among ${numeric} measurements` : 'the last column'}`,
    ...(counts ? { classes: () => counts } : {}),
    warnings: () => [...(counts ? labelWarnings(counts, 'class') : []), ...missingWarnings(t, [target, ...inputs])],
    preview: () => samplePositions(t.rows).map((r) => ({ input: inputs.map((c) => `${c.name} ${c.numbers ? fmt(c.numbers[r]) : quote(c.strings![r])}`).join(', '), output: `${target.name} ${target.numbers ? fmt(target.numbers[r]) : target.strings![r]}` })),
  };
}

function lag1(v: number[]): number {
  const x = [...v];
  if (fillGaps(x) < 0 || x.length < 3) return 0;
  const m = x.reduce((s, a) => s + a, 0) / x.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    den += (x[i] - m) ** 2;
    if (i > 0) num += (x[i] - m) * (x[i - 1] - m);
  }
  return den > 0 ? num / den : 0;
}

export function tableDrafts(t: ParsedTable, facts: TableFacts): Draft[] {
  const drafts: Draft[] = [];
  const wide = wideDraft(t, facts);
  if (wide) drafts.push(wide);
  const groups = facts.key ? groupRows(facts.key) : undefined;
  const meanLen = groups ? t.rows / groups.length : t.rows;
  if (facts.key) {
    // Long format: long regular series in time are forecast per series; short sequences are classified.
    const timed = facts.time?.interval !== undefined && facts.time.regularity >= 0.8;
    const seriesBase = timed && meanLen >= 50 ? 0.88 : timed ? 0.6 : 0.45;
    drafts.push(...sequenceDrafts(t, facts, timed && meanLen >= 50 ? 0.6 : 0.85));
    drafts.push(...seriesDrafts(t, facts, seriesBase));
  } else if (facts.time) {
    // Texts stamped at irregular times (tweets, reviews, posts), or dated texts whose only numbers are a few codes
    // (a day's headlines and a 0/1 label), are documents, not a series measured step by step: what is said in them
    // comes before forecasting their numbers.
    const regular = facts.time.interval !== undefined && facts.time.regularity >= 0.8;
    const measured = facts.columns.some((f) => f.role === 'value' && f.distinct > 10);
    const documents = facts.columns.some((f) => f.role === 'text') && (!regular || !measured);
    drafts.push(...seriesDrafts(t, facts, documents ? 0.5 : 0.9));
  } else {
    const values = facts.columns.filter((f) => f.role === 'value');
    if (values.length > 0 && wordy(t, facts).length === 0) {
      const ranked = rankTargets(t, facts, Array.from({ length: t.rows }, (_, i) => i));
      const smooth = t.rows >= 50 && ranked.length > 0 && lag1(Array.from(ranked[0].column.numbers!)) > 0.8;
      if (smooth || values.length === 1) drafts.push(...seriesDrafts(t, facts, 0.7));
    }
  }
  drafts.push(...textDrafts(t, facts));
  // Rows in a time order or in sequences are not independent; but rows keyed by who recorded them (a subject) with no
  // time axis, and a label named so that changes within a key, are samples of their own (feature windows of activities).
  const labelledSamples = facts.key !== undefined && !facts.time && facts.columns.some((f) => f.role === 'category' && isLabelName(f.column.name));
  const tab = tabularDraft(t, facts, facts.time || (facts.key && !labelledSamples) ? 0.3 : 0.5);
  if (tab) drafts.push(tab);
  // a series with a 0/1 state beside its measurements: telling the state from them comes first
  const state = facts.time && !facts.key ? stateColumn(t, facts) : undefined;
  const stateDraft = state ? tabularDraft(t, facts, 0.93, state) : undefined;
  if (stateDraft && stateDraft.choice.target !== tab?.choice.target) drafts.push(stateDraft);
  else if (stateDraft && tab) Object.assign(tab, { score: stateDraft.score, reason: stateDraft.reason });
  return drafts;
}

/**
 * Whether running text was prepared for a word-level language model, as Penn Treebank and WikiText are: `<unk>` in
 * place of rare words, or every punctuation mark set apart by spaces (tokenised), over enough words (5,000 or more)
 * to learn words from. Prose as people write it ("Citizen:", "said," …) is not: it is read by its characters.
 */
export function tokenizedForWords(text: string): { count: number; distinct: number; why: string } | undefined {
  const sample = text.length > 2_000_000 ? text.slice(0, 2_000_000) : text;
  const unk = sample.match(/(^|\s)<unk>(?=\s|$)/g)?.length ?? 0;
  let marks = 0;
  let apart = 0;
  const re = /[,.;:!?]/g;
  for (let m = re.exec(sample); m; m = re.exec(sample)) {
    const before = m.index === 0 ? ' ' : sample[m.index - 1];
    const after = m.index + 1 < sample.length ? sample[m.index + 1] : ' ';
    if (/\d/.test(before) && /\d/.test(after)) continue; // 3.5, 1,000
    marks++;
    if (/\s/.test(before) && /\s/.test(after)) apart++;
  }
  const spaced = marks >= 50 && apart >= 0.9 * marks;
  if (unk < 10 && !spaced) return undefined;
  let count = 0;
  const distinct = new Set<string>();
  for (const w of sample.split(/\s+/)) if (w !== '') (count++, distinct.size < 1_000_000 && distinct.add(w));
  if (count < 5000) return undefined;
  const scale = text.length / sample.length;
  const why = [unk >= 10 ? `rare words already replaced by <unk> (${Math.round(unk * scale).toLocaleString('en')} of them)` : '', spaced ? `punctuation set apart by spaces (${Math.round((100 * apart) / marks)}% of ${marks.toLocaleString('en')} marks)` : ''].filter((x) => x).join(', ');
  return { count: Math.round(count * scale), distinct: distinct.size, why };
}

function wordPreview(text: string, width: number): Proposal['preview'] {
  const words = text.slice(0, 400_000).split(/\s+/).filter((w) => w !== '');
  return samplePositions(Math.max(1, words.length - width - 1)).map((s) => ({ input: quote(words.slice(s, s + width).join(' ')), output: `next word ${quote(words[s + width] ?? '')}` }));
}

function textPreview(text: string, width: number): Proposal['preview'] {
  const chars = Array.from(text.length > 4_000_000 ? text.slice(0, 4_000_000) : text);
  if (chars.length < width + 1) return [{ input: chars.slice(0, -1).join(''), output: chars.slice(1).join('') }];
  return samplePositions(chars.length - width - 1).map((s) => ({ input: quote(chars.slice(s, s + width).join('')), output: `next characters ${quote(chars.slice(s + 1, s + width + 1).join(''))}` }));
}

// ============================================== other kinds =====================================================

export function kindDrafts(parsed: Exclude<Parsed, ParsedTable>): Draft[] {
  switch (parsed.kind) {
    case 'text': {
      const chars = parsed.text.length;
      const words = tokenizedForWords(parsed.text);
      const byChar: Draft = {
        shape: 'many-to-many',
        task: `learn to continue the text character by character (${chars.toLocaleString('en')} characters, ${buildVocabulary(parsed.text).length} distinct)`,
        choice: { shape: 'many-to-many', tokens: 'char', lookback: fittingLookback(chars) },
        score: words ? 0.8 : 0.9,
        reason: `plain text with no labels or pairs: a model of its characters${words ? ` (it was written for a model of its words)` : ''}`,
        warnings: () => (chars < 10_000 ? [`only ${chars} characters: the model will mostly memorise them`] : []),
        preview: () => textPreview(parsed.text, 40),
      };
      if (!words) return [byChar];
      const byWord: Draft = {
        shape: 'many-to-many',
        task: `learn to continue the text word by word (${words.count.toLocaleString('en')} words, ${words.distinct.toLocaleString('en')} distinct)`,
        choice: { shape: 'many-to-many', tokens: 'word', lookback: Math.max(4, Math.min(35, Math.floor(words.count / 10))) },
        score: 0.92,
        reason: `running text written for a model of its words: ${words.why}; the next word is predicted from the words before it (perplexity per word)`,
        warnings: () => [],
        preview: () => wordPreview(parsed.text, 12),
      };
      return [byWord, byChar];
    }
    case 'tagged': {
      const longest = parsed.sentences.reduce((m, s) => Math.max(m, s.tokens.length), 0);
      return [
        {
          shape: 'many-to-many',
          task: `tag each token (${parsed.tags.length} tags, ${parsed.sentences.length} sentences)`,
          choice: { shape: 'many-to-many', tokens: 'word' },
          score: 0.95,
          reason: 'tokens, each with its tag, in sentences: a tagger',
          classes: () => parsed.tags,
          warnings: () => [
            ...labelWarnings(parsed.tags, 'tag'),
            ...(longest > SENSIBLE_STEPS ? [`a sentence has ${longest.toLocaleString('en')} tokens, longer than anything sensible (a missing blank line between sentences?): use ${mention('maxLength')}`] : []),
          ],
          preview: () => samplePositions(parsed.sentences.length).map((i) => ({ input: clip(parsed.sentences[i].tokens.join(' ')), output: clip(parsed.sentences[i].tags.join(' ')) })),
        },
      ];
    }
    case 'pairs': {
      const longest = parsed.pairs.reduce((m, p) => Math.max(m, p.source.length, p.target.length), 0);
      const empty = parsed.pairs.filter((p) => p.source.trim() === '').length;
      const sides = pairTokens(
        parsed.pairs.map((p) => p.source),
        parsed.pairs.map((p) => p.target),
      );
      return [
        {
          shape: 'encoder-decoder',
          task: `translate ${parsed.names ? `${parsed.names[0]} into ${parsed.names[1]}` : 'source into target'} ${sides.how} (${parsed.pairs.length} pairs)`,
          choice: { shape: 'encoder-decoder', ...sides.choice },
          score: 0.95,
          reason: `a source and a target on each line: an encoder–decoder; ${sides.why}`,
          warnings: () => [
            ...(longest > SENSIBLE_STEPS ? [`a pair has ${longest.toLocaleString('en')} characters, longer than anything sensible: use ${mention('maxLength')} or ${mention('tokens')} word`] : []),
            ...(empty ? [`${empty} pairs have an empty source and will be left out`] : []),
          ],
          preview: () => samplePositions(parsed.pairs.length).map((i) => ({ input: clip(parsed.pairs[i].source), output: clip(parsed.pairs[i].target) })),
        },
      ];
    }
    case 'sequences': {
      const counts = countValues(parsed.sequences.map((s) => s.label ?? ''));
      const longest = parsed.sequences.reduce((m, s) => Math.max(m, s.steps.length), 0);
      const perStep = parsed.sequences.some((s) => s.stepLabels);
      const stepCounts = perStep ? countValues(parsed.sequences.flatMap((s) => s.stepLabels ?? [])) : [];
      return [
        {
          shape: perStep ? 'many-to-many' : 'many-to-one',
          task: perStep
            ? `label every step of each sequence (${parsed.sequences.length} sequences of ${parsed.featureNames.join(', ')}) with ${stepCounts.length} classes`
            : `classify each sequence (${parsed.sequences.length} sequences of ${parsed.featureNames.join(', ')}) into ${counts.length} classes`,
          choice: { shape: perStep ? 'many-to-many' : 'many-to-one' },
          score: 0.95,
          reason: perStep ? 'sequences with a label on every step' : 'sequences with one label each',
          classes: () => (perStep ? stepCounts : counts),
          warnings: () => [
            ...labelWarnings(perStep ? stepCounts : counts),
            ...(counts.length === 0 && !perStep ? [`the sequences have no labels: name the label column with ${mention('target')}`] : []),
            ...(longest > SENSIBLE_STEPS ? [`a sequence has ${longest.toLocaleString('en')} steps, longer than anything sensible: use ${mention('maxLength')}`] : []),
          ],
          preview: () =>
            samplePositions(parsed.sequences.length).map((i) => {
              const s = parsed.sequences[i];
              return { input: `${s.id}: ${s.steps.length} steps of ${parsed.featureNames.join(', ')} (first: ${Array.from(s.steps[0] ?? [], fmt).join(', ')})`, output: s.label ?? s.stepLabels?.slice(0, 12).join(' ') ?? '?' };
            }),
        },
      ];
    }
  }
}

/** Characters per truncated-BPTT chunk: 64, or less for a text too short to cut into a few chunks of 64. */
function fittingLookback(chars: number): number {
  return Math.max(4, Math.min(64, Math.floor(chars / 10)));
}
