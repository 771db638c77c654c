// How run figures are written for people: task metrics (formatted by src-shared/metrics.ts' facts), durations and
// numbers. Used by the Train and Compare screens and the run charts.

import { metricInfo } from '../../../src-shared/metrics';
import type { RunInfo } from '../../../src-shared/studio-api';
import { GATE_WORDS } from '../../../src-shared/cells';

// The metric facts (names, which way is better, the primary metric) live once in src-shared/metrics.ts, where the
// trainer judges evaluations with them too.
export { METRICS, metricInfo, metricWord, primaryMetric, type MetricInfo } from '../../../src-shared/metrics';

export function formatMetric(name: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return metricInfo(name).percent ? `${(value * 100).toFixed(1)}%` : formatNumber(value);
}

/** 4 significant digits, exponent form for very small or large values. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (!Number.isFinite(value)) return String(value);
  const a = Math.abs(value);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/** 1 234 567 → "1.23 M"; 12 345 → "12.3 k". */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value >= 1e6) return `${(value / 1e6).toPrecision(3)} M`;
  if (value >= 1e4) return `${(value / 1e3).toPrecision(3)} k`;
  return String(Math.round(value));
}

/** 75 → "1 min 15 s"; 4000 → "1 h 7 min". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** How a run that ended by itself ended early, in a word: "stopped early", "time budget"; null otherwise. */
export function stopLabel(run: RunInfo): string | null {
  if (run.status !== 'finished') return null;
  const reason = run.summary?.stopReason;
  return reason === 'early-stopped' ? 'stopped early' : reason === 'time-budget' ? 'time budget' : null;
}

/** "restored best (step 1,800)" when the run ended with its best evaluation's parameters; null otherwise. */
export function restoredLabel(run: RunInfo): string | null {
  const s = run.summary;
  return s?.restoredBest && s.bestStep !== undefined ? `restored best (step ${s.bestStep.toLocaleString('en-US')})` : null;
}

/** "LSTM 1×64" from a run name "LSTM 1×64 on tiny.txt" (the dataset is shown elsewhere). */
export function shortRunName(run: RunInfo): string {
  const suffix = ` on ${run.datasetName}`;
  return run.name.endsWith(suffix) ? run.name.slice(0, -suffix.length) : run.name;
}

/** What each gate does, for labels and tooltips (the cell registry's word for it). */
export const GATE_NAMES = GATE_WORDS;

/** "Layer 1", "Layer 2 backward", "Decoder layer 1" for a layer-direction (layers are 0-based in events). */
export function layerLabel(stack: 'enc' | 'dec', layer: number, direction: number): string {
  const name = `${stack === 'dec' ? 'Decoder layer' : 'Layer'} ${layer + 1}`;
  return direction === 1 ? `${name} backward` : name;
}
