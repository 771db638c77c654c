// The metric series of one run, kept outside Vue's reactivity: growable typed arrays for the per-step figures,
// plain arrays for evaluations, and a thinned history of the costly diagnostics (gradient flow through time,
// per-tensor norms). useRunsStore feeds live and replayed events through `applyEvent`; the run charts read the
// arrays directly and downsample on draw. Plain TypeScript: no Vue, no DOM.

import type { DiagnosticsEvent, TrainingEvent } from '../../../src-shared/events';

/** Diagnostics rows kept per run: every row up to this many, then evenly thinned (every 2nd, 4th, … row). */
export const DIAGNOSTICS_ROWS = 400;
/** Step events over which "recent" rates (speed, clip rate) are measured. */
export const RECENT_STEPS = 100;

/** The per-step figures of StepEvent as columns; entries [0, length) are valid. */
export interface StepColumns {
  length: number;
  step: Float64Array;
  loss: Float32Array;
  learningRate: Float32Array;
  gradNorm: Float32Array;
  gradNormClipped: Float32Array;
  clipped: Uint8Array;
  tokensPerSecond: Float32Array;
  /** Seconds of training (evaluation excluded). */
  seconds: Float64Array;
}

export interface EvaluationColumns {
  step: number[];
  valLoss: number[];
  /** One array per task metric, aligned with `step` (NaN where an evaluation did not report it). */
  metrics: Record<string, number[]>;
  /** The best evaluation's step as the trainer last reported it (null: none reported). */
  bestStep: number | null;
  /** The last evaluation is of the best parameters, restored at the end of the run. */
  restored: boolean;
}

/** Thinned diagnostics history: row i was diagnostics event number seen[i] of the run, at training step step[i]. */
export interface DiagnosticsHistory {
  stride: number;
  count: number;
  seen: number[];
  step: number[];
  /** ‖∂L/∂h_t‖ rows per layer-direction (key from `flowKey`), aligned with `step`. */
  flow: Map<string, Float32Array[]>;
  /** Gradient norm of each parameter tensor over time, aligned with `step`. */
  tensorNorms: Map<string, number[]>;
}

export interface RunSeries {
  steps: StepColumns;
  clippedTotal: number;
  evaluations: EvaluationColumns;
  diagnostics: DiagnosticsHistory;
  /** The latest diagnostics event as it came (per-tensor, per-gate norms, gate statistics). */
  latest: DiagnosticsEvent | null;
  lastCheckpointStep: number | null;
}

export function createSeries(capacity = 1024): RunSeries {
  return {
    steps: {
      length: 0,
      step: new Float64Array(capacity),
      loss: new Float32Array(capacity),
      learningRate: new Float32Array(capacity),
      gradNorm: new Float32Array(capacity),
      gradNormClipped: new Float32Array(capacity),
      clipped: new Uint8Array(capacity),
      tokensPerSecond: new Float32Array(capacity),
      seconds: new Float64Array(capacity),
    },
    clippedTotal: 0,
    evaluations: { step: [], valLoss: [], metrics: {}, bestStep: null, restored: false },
    diagnostics: { stride: 1, count: 0, seen: [], step: [], flow: new Map(), tensorNorms: new Map() },
    latest: null,
    lastCheckpointStep: null,
  };
}

/** "enc.0.0" for encoder layer 0, forward direction. */
export function flowKey(f: { stack: 'enc' | 'dec'; layer: number; direction: number }): string {
  return `${f.stack}.${f.layer}.${f.direction}`;
}

/**
 * Applies one training event. An event at or before a step already recorded rewinds the series to just before it
 * first: a run continued from an earlier checkpoint redraws from there, and a replayed event is not drawn twice.
 */
export function applyEvent(s: RunSeries, e: TrainingEvent): void {
  switch (e.type) {
    case 'step':
      return appendStep(s, e);
    case 'evaluation': {
      const ev = s.evaluations;
      if (ev.step.length > 0 && e.step <= ev.step[ev.step.length - 1]) truncateEvaluations(s, e.step);
      const n = ev.step.length;
      ev.step.push(e.step);
      ev.valLoss.push(e.valLoss);
      for (const [name, value] of Object.entries(e.metrics)) {
        const column = (ev.metrics[name] ??= new Array<number>(n).fill(NaN));
        column.push(value);
      }
      for (const column of Object.values(ev.metrics)) if (column.length === n) column.push(NaN);
      if (e.bestStep !== undefined) ev.bestStep = e.bestStep;
      ev.restored = e.restored === true;
      return;
    }
    case 'diagnostics':
      return appendDiagnostics(s, e);
    case 'checkpoint':
      s.lastCheckpointStep = e.step;
      return;
    case 'done':
      return;
    default:
      throw new Error(`Unsupported event type ${(e as { type: string }).type}`);
  }
}

function appendStep(s: RunSeries, e: Extract<TrainingEvent, { type: 'step' }>): void {
  const c = s.steps;
  if (c.length > 0 && e.step <= c.step[c.length - 1]) rewind(s, e.step);
  if (c.length === c.step.length) grow(c);
  const i = c.length++;
  c.step[i] = e.step;
  c.loss[i] = e.loss;
  c.learningRate[i] = e.learningRate;
  c.gradNorm[i] = e.gradNorm;
  c.gradNormClipped[i] = e.gradNormClipped;
  c.clipped[i] = e.clipped ? 1 : 0;
  c.tokensPerSecond[i] = e.tokensPerSecond;
  c.seconds[i] = e.seconds;
  if (e.clipped) s.clippedTotal++;
}

function grow(c: StepColumns): void {
  const size = c.step.length * 2;
  const copy = <A extends Float64Array | Float32Array | Uint8Array>(a: A, make: new (n: number) => A): A => {
    const b = new make(size);
    b.set(a);
    return b;
  };
  c.step = copy(c.step, Float64Array);
  c.loss = copy(c.loss, Float32Array);
  c.learningRate = copy(c.learningRate, Float32Array);
  c.gradNorm = copy(c.gradNorm, Float32Array);
  c.gradNormClipped = copy(c.gradNormClipped, Float32Array);
  c.clipped = copy(c.clipped, Uint8Array);
  c.tokensPerSecond = copy(c.tokensPerSecond, Float32Array);
  c.seconds = copy(c.seconds, Float64Array);
}

/** Forgets everything recorded at `step` or later. */
export function rewind(s: RunSeries, step: number): void {
  const c = s.steps;
  let lo = 0;
  let hi = c.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c.step[mid] < step) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < c.length; i++) s.clippedTotal -= c.clipped[i];
  c.length = lo;
  truncateEvaluations(s, step);
  truncateDiagnostics(s, step);
}

function truncateEvaluations(s: RunSeries, step: number): void {
  const ev = s.evaluations;
  let n = ev.step.length;
  while (n > 0 && ev.step[n - 1] >= step) n--;
  ev.step.length = n;
  ev.valLoss.length = n;
  for (const column of Object.values(ev.metrics)) column.length = n;
  if (ev.bestStep !== null && ev.bestStep >= step) ev.bestStep = null;
  ev.restored = false;
}

function truncateDiagnostics(s: RunSeries, step: number): void {
  const d = s.diagnostics;
  let n = d.step.length;
  while (n > 0 && d.step[n - 1] >= step) n--;
  if (n === d.step.length) return;
  d.step.length = n;
  d.seen.length = n;
  d.count = n > 0 ? d.seen[n - 1] + 1 : 0;
  for (const rows of d.flow.values()) rows.length = n;
  for (const column of d.tensorNorms.values()) column.length = n;
  if (s.latest && s.latest.step >= step) s.latest = null;
}

function appendDiagnostics(s: RunSeries, e: DiagnosticsEvent): void {
  const d = s.diagnostics;
  if (d.step.length > 0 && e.step <= d.step[d.step.length - 1]) truncateDiagnostics(s, e.step);
  s.latest = e;
  const index = d.count++;
  if (index % d.stride !== 0) return;
  const n = d.step.length;
  d.seen.push(index);
  d.step.push(e.step);
  for (const f of e.gradientFlow) {
    const rows = d.flow.get(flowKey(f)) ?? d.flow.set(flowKey(f), new Array<Float32Array>(n).fill(new Float32Array(0))).get(flowKey(f))!;
    rows.push(Float32Array.from(f.norms));
  }
  for (const t of e.tensorNorms) {
    const column = d.tensorNorms.get(t.name) ?? d.tensorNorms.set(t.name, new Array<number>(n).fill(NaN)).get(t.name)!;
    column.push(t.norm);
  }
  // layer-directions or tensors this event did not report stay aligned
  for (const rows of d.flow.values()) if (rows.length === n) rows.push(new Float32Array(0));
  for (const column of d.tensorNorms.values()) if (column.length === n) column.push(NaN);
  if (d.step.length > DIAGNOSTICS_ROWS) thin(d);
}

/** Keeps every other row and doubles the stride, so the rows stay evenly spaced over the whole run. */
function thin(d: DiagnosticsHistory): void {
  const keep = <T>(a: T[]): T[] => a.filter((_, i) => i % 2 === 0);
  d.seen = keep(d.seen);
  d.step = keep(d.step);
  for (const [k, rows] of d.flow) d.flow.set(k, keep(rows));
  for (const [k, column] of d.tensorNorms) d.tensorNorms.set(k, keep(column));
  d.stride *= 2;
}

// ============================================== derived figures ====================================================

export interface RunStats {
  /** Latest step drawn (0 before the first). */
  step: number;
  loss: number | null;
  valLoss: number | null;
  /** Latest evaluation's task metrics. */
  metrics: Record<string, number>;
  tokensPerSecond: number | null;
  /** Training steps per second over the recent steps. */
  stepsPerSecond: number | null;
  seconds: number | null;
  /** Fraction of all steps whose gradient was clipped, and of the recent ones. */
  clipRate: number | null;
  recentClipRate: number | null;
}

export function runStats(s: RunSeries): RunStats {
  const c = s.steps;
  const n = c.length;
  const last = n - 1;
  const ev = s.evaluations;
  const e = ev.step.length - 1;
  const metrics: Record<string, number> = {};
  if (e >= 0) for (const [name, column] of Object.entries(ev.metrics)) if (Number.isFinite(column[e])) metrics[name] = column[e];
  let stepsPerSecond: number | null = null;
  let recentClipRate: number | null = null;
  if (n > 1) {
    const first = Math.max(0, n - 1 - RECENT_STEPS);
    const dt = c.seconds[last] - c.seconds[first];
    if (dt > 0) stepsPerSecond = (c.step[last] - c.step[first]) / dt;
  }
  if (n > 0) {
    const from = Math.max(0, n - RECENT_STEPS);
    let clipped = 0;
    for (let i = from; i < n; i++) clipped += c.clipped[i];
    recentClipRate = clipped / (n - from);
  }
  return {
    step: n > 0 ? c.step[last] : 0,
    loss: n > 0 ? c.loss[last] : null,
    valLoss: e >= 0 ? ev.valLoss[e] : null,
    metrics,
    tokensPerSecond: n > 0 ? c.tokensPerSecond[last] : null,
    stepsPerSecond,
    seconds: n > 0 ? c.seconds[last] : null,
    clipRate: n > 0 ? s.clippedTotal / n : null,
    recentClipRate,
  };
}

/** Seconds left at the recent speed, or null when unknown. */
export function etaSeconds(stats: RunStats, totalSteps: number): number | null {
  if (stats.stepsPerSecond === null || stats.stepsPerSecond <= 0) return null;
  return Math.max(0, totalSteps - stats.step) / stats.stepsPerSecond;
}
