// The search methods of a sweep: which settings the next trial tries, given the space and the trials so far.
//   grid    every combination, in order (a range is cut into `resolution` points, log-spaced for a log range; an
//           integer range with at most `resolution` values on its step gives them all)
//   random  each parameter drawn independently: uniform, or log-uniform for a log range (seeded)
//   tpe     the Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio & Kégl, "Algorithms for
//           Hyper-Parameter Optimization", NIPS 2011): random for the first `startup` trials; then the finished
//           trials are split at the γ quantile of their objective into good and bad, a Parzen estimator is fitted
//           per parameter to each — l(x) to the good, g(x) to the bad: truncated Gaussians in the range (log space
//           for a log range) with a prior component over the whole range, smoothed counts for choices — and of
//           `candidates` draws from l the one with the largest l(x)/g(x) is tried.
// Every method is a pure function of (space, finished trials, trial index, seed): a sweep resumed after a kill asks
// again and gets the same answer, so the method's state is the trial log itself. Objectives are minimised (the
// sweep negates a metric where higher is better). Plain TypeScript.

import { Rng } from '../engine/rng';
import { snap, type SearchSpace, type SettingValue, type SpaceParam, type TrialParams } from './space';

export type SearchMethod = 'grid' | 'random' | 'tpe';
export const SEARCH_METHODS: readonly SearchMethod[] = ['grid', 'random', 'tpe'];

/** A trial whose objective is known (lower is better; +Infinity for a failed trial). */
export interface Observation {
  params: TrialParams;
  objective: number;
}

export interface TpeOptions {
  /** Fraction of the observations that are "good" (l). Bergstra et al. use 0.15; Optuna min(0.1·n, 25)/n. */
  gamma: number;
  /** Trials drawn at random before the model is used. */
  startup: number;
  /** Draws from l(x) among which the best l/g is taken. */
  candidates: number;
}

export const TPE_DEFAULTS: TpeOptions = { gamma: 0.25, startup: 8, candidates: 24 };

/** The random stream of trial `index` of a sweep seeded `seed` (independent of the order trials end in). */
export function trialRng(seed: number, index: number, salt = 0): Rng {
  return new Rng((Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(index + 1, 0x85ebca6b) + salt) >>> 0);
}

// ============================================== grid ================================================================

/** The values grid search tries for one parameter. */
export function gridValues(p: SpaceParam, resolution = 3): SettingValue[] {
  if (p.kind === 'choice') return [...p.values];
  if (p.kind === 'int' && !p.log && Math.floor((p.high - p.low) / p.step) + 1 <= resolution) {
    const out: number[] = [];
    for (let v = p.low; v <= p.high; v += p.step) out.push(v);
    return out;
  }
  const n = Math.max(2, resolution);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = i / (n - 1);
    const x = i === 0 ? p.low : i === n - 1 ? p.high : p.log ? Math.exp(Math.log(p.low) + t * (Math.log(p.high) - Math.log(p.low))) : p.low + t * (p.high - p.low);
    // a float's inner points rounded to 6 significant digits (1e-3, not 0.0010000000000000002)
    const v = snap(p, p.kind === 'float' ? Number(x.toPrecision(6)) : x);
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

/** The number of points of the grid. */
export function gridSize(space: SearchSpace, resolution = 3): number {
  return space.reduce((n, p) => n * gridValues(p, resolution).length, 1);
}

/** The grid's point `index` (the last parameter varies fastest); undefined past the end of the grid. */
export function gridPoint(space: SearchSpace, index: number, resolution = 3): TrialParams | undefined {
  if (index >= gridSize(space, resolution)) return undefined;
  const params: TrialParams = {};
  let rest = index;
  for (let i = space.length - 1; i >= 0; i--) {
    const values = gridValues(space[i], resolution);
    params[space[i].key] = values[rest % values.length];
    rest = Math.floor(rest / values.length);
  }
  return params;
}

// ============================================== random ==============================================================

export function randomPoint(space: SearchSpace, rng: Rng): TrialParams {
  const params: TrialParams = {};
  for (const p of space) params[p.key] = randomValue(p, rng);
  return params;
}

function randomValue(p: SpaceParam, rng: Rng): SettingValue {
  if (p.kind === 'choice') return p.values[rng.int(p.values.length)];
  const [lo, hi] = internalBounds(p);
  return fromInternal(p, lo + (hi - lo) * rng.next());
}

// ============================================== TPE =================================================================

/**
 * A numeric parameter in the space the estimators live in: log for a log range; an integer's range widened by half a
 * step each side, so that every value on its step gets an equal share of a uniform draw.
 */
function internalBounds(p: Extract<SpaceParam, { kind: 'float' | 'int' }>): [number, number] {
  const half = p.kind === 'int' ? p.step / 2 : 0;
  const lo = p.low - half;
  const hi = p.high + half;
  if (!p.log) return [lo, hi];
  return [Math.log(lo > 0 ? lo : p.low / 2), Math.log(hi)];
}

function toInternal(p: Extract<SpaceParam, { kind: 'float' | 'int' }>, v: number): number {
  return p.log ? Math.log(v) : v;
}

function fromInternal(p: Extract<SpaceParam, { kind: 'float' | 'int' }>, u: number): number {
  return snap(p, p.log ? Math.exp(u) : u);
}

/** A mixture of Gaussians truncated to [lo, hi]: a Parzen estimator of one numeric parameter. */
export interface Parzen {
  lo: number;
  hi: number;
  mus: number[];
  sigmas: number[];
  weights: number[];
}

/**
 * The Parzen estimator of observations `xs` (internal space) in [lo, hi], with a prior component (the range's middle,
 * σ = its width) weighted like one observation. Each observation's σ is the larger distance to its neighbours in
 * sorted order (the bounds included), clipped to [width / min(100, n + 1), width] (Bergstra et al. §4; as hyperopt).
 */
export function parzen(xs: readonly number[], lo: number, hi: number): Parzen {
  const width = hi - lo;
  const mus = [...xs, (lo + hi) / 2];
  const order = mus.map((_, i) => i).sort((a, b) => mus[a] - mus[b]);
  const sorted = order.map((i) => mus[i]);
  const sigmas = new Array<number>(mus.length);
  const minSigma = width / Math.min(100, mus.length + 1);
  for (let r = 0; r < sorted.length; r++) {
    const left = sorted[r] - (r > 0 ? sorted[r - 1] : lo);
    const right = (r < sorted.length - 1 ? sorted[r + 1] : hi) - sorted[r];
    sigmas[order[r]] = Math.min(width, Math.max(minSigma, left, right));
  }
  sigmas[mus.length - 1] = width; // the prior
  return { lo, hi, mus, sigmas, weights: mus.map(() => 1 / mus.length) };
}

const SQRT2 = Math.SQRT2;

/** The error function (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
export function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

const normalCdf = (z: number): number => 0.5 * (1 + erf(z / SQRT2));

/** The density of the truncated mixture at x. */
export function parzenDensity(m: Parzen, x: number): number {
  let d = 0;
  for (let i = 0; i < m.mus.length; i++) {
    const mu = m.mus[i];
    const s = m.sigmas[i];
    const mass = normalCdf((m.hi - mu) / s) - normalCdf((m.lo - mu) / s);
    const z = (x - mu) / s;
    d += (m.weights[i] * Math.exp(-0.5 * z * z)) / (s * Math.sqrt(2 * Math.PI) * Math.max(mass, 1e-12));
  }
  return d;
}

/** A draw from the truncated mixture: a component by weight, then its Gaussian until the draw lands in range. */
export function parzenSample(m: Parzen, rng: Rng): number {
  let u = rng.next();
  let i = 0;
  while (i < m.weights.length - 1 && u >= m.weights[i]) u -= m.weights[i++];
  for (let tries = 0; tries < 100; tries++) {
    const x = m.mus[i] + m.sigmas[i] * rng.normal();
    if (x >= m.lo && x <= m.hi) return x;
  }
  return Math.min(m.hi, Math.max(m.lo, m.mus[i])); // a component almost all outside the range
}

/** Smoothed counts of a choice parameter: each choice's count + 1 (the prior), normalised. */
export function choiceWeights(values: readonly SettingValue[], seen: readonly SettingValue[]): number[] {
  const counts = values.map((v) => 1 + seen.filter((s) => s === v).length);
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => c / total);
}

/** The good observations' count: ⌈γ·n⌉, at least 1 (and at most n − 1, so g has one too). */
export function goodCount(n: number, gamma: number): number {
  return Math.max(1, Math.min(n - 1, Math.ceil(gamma * n)));
}

/** TPE's next trial from the finished ones (random during the startup trials). */
export function tpePoint(space: SearchSpace, observed: readonly Observation[], rng: Rng, options: Partial<TpeOptions> = {}): TrialParams {
  const o = { ...TPE_DEFAULTS, ...options };
  const done = observed.filter((t) => space.every((p) => t.params[p.key] !== undefined));
  if (done.length < Math.max(2, o.startup)) return randomPoint(space, rng);
  // stable sort: equal objectives (failed trials, +Infinity) keep the order they ended in
  const sorted = done.map((t, i) => ({ t, i })).sort((a, b) => a.t.objective - b.t.objective || a.i - b.i).map((x) => x.t);
  const nGood = goodCount(sorted.length, o.gamma);
  const good = sorted.slice(0, nGood);
  const bad = sorted.slice(nGood);
  const candidates: TrialParams[] = [];
  const scores: number[] = [];
  for (let c = 0; c < o.candidates; c++) candidates.push({}), scores.push(0);
  // independent per parameter (the "tree" is flat: every parameter applies to every trial)
  for (const p of space) {
    if (p.kind === 'choice') {
      const l = choiceWeights(p.values, good.map((t) => t.params[p.key]!));
      const g = choiceWeights(p.values, bad.map((t) => t.params[p.key]!));
      for (let c = 0; c < o.candidates; c++) {
        let u = rng.next();
        let j = 0;
        while (j < l.length - 1 && u >= l[j]) u -= l[j++];
        candidates[c][p.key] = p.values[j];
        scores[c] += Math.log(l[j]) - Math.log(g[j]);
      }
    } else {
      const [lo, hi] = internalBounds(p);
      const l = parzen(good.map((t) => toInternal(p, t.params[p.key] as number)), lo, hi);
      const g = parzen(bad.map((t) => toInternal(p, t.params[p.key] as number)), lo, hi);
      for (let c = 0; c < o.candidates; c++) {
        const value = fromInternal(p, parzenSample(l, rng));
        const x = toInternal(p, value);
        candidates[c][p.key] = value;
        scores[c] += Math.log(parzenDensity(l, x) + 1e-300) - Math.log(parzenDensity(g, x) + 1e-300);
      }
    }
  }
  let best = 0;
  for (let c = 1; c < o.candidates; c++) if (scores[c] > scores[best]) best = c;
  return candidates[best];
}

/**
 * The settings of trial `index` (0-based) by `method`: `observed` holds the finished trials (TPE's model), in the
 * order they finished. Undefined when grid search has no point left.
 */
export function suggest(method: SearchMethod, space: SearchSpace, index: number, seed: number, observed: readonly Observation[], options: { resolution?: number; tpe?: Partial<TpeOptions> } = {}): TrialParams | undefined {
  switch (method) {
    case 'grid':
      return gridPoint(space, index, options.resolution);
    case 'random':
      return randomPoint(space, trialRng(seed, index));
    case 'tpe':
      return tpePoint(space, observed, trialRng(seed, index), options.tpe);
    default:
      throw new Error(`Unsupported search method: ${method as string}`);
  }
}
