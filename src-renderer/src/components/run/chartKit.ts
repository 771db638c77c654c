// What every run chart shares: the theme's colours (read from App.vue's CSS variables, again when the theme
// changes), axis and tooltip styling (log axes fitted to the data's decades, with at most six labels), and a
// throttled option ref so a fast run redraws at most 4 times a second, in an animation frame. The RunChart…
// components build their ECharts options with these; zooming is chartZoom.ts.

import { onBeforeUnmount, shallowRef, watch, type ShallowRef } from 'vue';
import type { Point } from '../../lib/downsample';
import { useAppStore } from '../../stores/useAppStore';

export interface ChartColors {
  fg: string;
  muted: string;
  border: string;
  panel: string;
  good: string;
  warn: string;
  danger: string;
  /** Series colours: --chart-1…4, then fixed extras for comparisons of more runs. */
  series: string[];
}

const EXTRA_SERIES = ['#17a2b8', '#d4a017', '#e83e8c', '#6c757d', '#8c564b', '#7f7f00'];
const FALLBACK: ChartColors = { fg: '#1c2430', muted: '#5d6b7c', border: '#d5dbe3', panel: '#ffffff', good: '#1f8a4c', warn: '#b26b00', danger: '#c23a3a', series: ['#2f6fdb', '#e07b39', '#1f8a4c', '#9b59b6', ...EXTRA_SERIES] };

/** Perceptually uniform (viridis), readable on light and dark panels: low norms dark, high norms bright. */
export const HEAT_COLORS = ['#440154', '#414487', '#2a788e', '#22a884', '#7ad151', '#fde725'];

export function readColors(): ChartColors {
  if (typeof getComputedStyle !== 'function') return FALLBACK;
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    fg: v('--fg', FALLBACK.fg),
    muted: v('--muted', FALLBACK.muted),
    border: v('--border', FALLBACK.border),
    panel: v('--panel', FALLBACK.panel),
    good: v('--good', FALLBACK.good),
    warn: v('--warn', FALLBACK.warn),
    danger: v('--danger', FALLBACK.danger),
    series: [1, 2, 3, 4].map((i) => v(`--chart-${i}`, FALLBACK.series[i - 1])).concat(EXTRA_SERIES),
  };
}

/** The theme's chart colours, re-read after each theme switch. */
export function useChartColors(): ShallowRef<ChartColors> {
  const app = useAppStore();
  const colors = shallowRef(readColors());
  // post: App.vue has set data-theme on <html> by then
  watch(() => app.theme, () => (colors.value = readColors()), { flush: 'post' });
  return colors;
}

const MIN_INTERVAL_MS = 250;

/**
 * An ECharts option rebuilt from `build` whenever `sources` change, at most every 250 ms and inside an animation
 * frame, so a run reporting thousands of steps a second never blocks the window.
 */
export function useThrottledOption<T>(build: () => T, sources: () => unknown): ShallowRef<T> {
  const option = shallowRef(build());
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let frame: number | null = null;
  let alive = true;
  const redraw = () => {
    frame = null;
    if (!alive) return;
    last = Date.now();
    option.value = build();
  };
  const schedule = () => {
    if (timer !== null || frame !== null) return;
    const wait = Math.max(0, last + MIN_INTERVAL_MS - Date.now());
    timer = setTimeout(() => {
      timer = null;
      frame = typeof requestAnimationFrame === 'function' ? requestAnimationFrame(redraw) : (redraw(), null);
    }, wait);
  };
  watch(sources, schedule);
  onBeforeUnmount(() => {
    alive = false;
    if (timer !== null) clearTimeout(timer);
    if (frame !== null && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(frame);
  });
  return option;
}

// Option pieces ----------------------------------------------------------------------------------------------------

export function baseOption(c: ChartColors) {
  return {
    animation: false,
    backgroundColor: 'transparent',
    textStyle: { color: c.fg, fontFamily: 'system-ui, sans-serif' },
    color: c.series,
    tooltip: {
      trigger: 'axis' as const,
      backgroundColor: c.panel,
      borderColor: c.border,
      textStyle: { color: c.fg },
      valueFormatter: (v: unknown) => (typeof v === 'number' ? formatTick(v) : String(v ?? '')),
    },
    grid: { left: 64, right: 20, top: 36, bottom: 48 },
  };
}

/** A legend of line swatches (only for charts that register LegendComponent). */
export function legend(c: ChartColors, extra: Record<string, unknown> = {}) {
  return { top: 0, icon: 'roundRect', itemWidth: 16, itemHeight: 4, itemGap: 16, textStyle: { color: c.fg }, inactiveColor: c.muted, ...extra };
}

export function axis(c: ChartColors, name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    nameLocation: 'middle' as const,
    nameGap: extra['type'] === 'category' ? 28 : 30,
    nameTextStyle: { color: c.muted },
    axisLine: { lineStyle: { color: c.border } },
    axisTick: { lineStyle: { color: c.border } },
    axisLabel: { color: c.muted, hideOverlap: true, formatter: (v: number | string) => (typeof v === 'number' ? formatTick(v) : v) },
    splitLine: { lineStyle: { color: c.border, opacity: 0.6 } },
    ...extra,
  };
}

/**
 * Value axis (y) with its name along it. `log`: the points drawn on it, for a log axis (quantities spanning orders
 * of magnitude) fitted to their decades with at most MAX_LOG_LABELS labels; null or omitted for a linear axis.
 */
export function valueAxis(c: ChartColors, name: string, log?: readonly (readonly Point[])[] | null, extra: Record<string, unknown> = {}) {
  // min, max and interval are always given (null = automatic): ECharts merges each option into the last one, and
  // a key left out would keep the log axis's decades after a switch to linear (or an old fit after new data).
  if (!log) return axis(c, name, { type: 'value', scale: true, nameGap: 48, min: null, max: null, interval: null, ...extra });
  const d = logDecades(log);
  return axis(c, name, {
    type: 'log',
    nameGap: 48,
    min: d ? 10 ** d.lo : null,
    max: d ? 10 ** d.hi : null,
    interval: d ? d.step : null,
    axisLabel: { color: c.muted, hideOverlap: true, formatter: formatDecade },
    ...extra,
  });
}

/**
 * The y-axis ends (for valueAxis's `extra`) that make a baseline show when it lies beyond the drawn values: that end
 * pushed out, rounded to the span's order of magnitude (ECharts then picks its ticks as usual). null = automatic;
 * both are always given, since ECharts merges each option into the last and an end left out would keep an old value.
 */
export function baselineInView(series: readonly (readonly (readonly [number, number])[])[], baseline: number | null | undefined): { min: number | null; max: number | null } {
  const ys = series.flatMap((points) => points.map((p) => p[1])).filter(Number.isFinite);
  if (baseline === null || baseline === undefined || ys.length === 0) return { min: null, max: null };
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const step = 10 ** Math.floor(Math.log10(Math.max(Math.max(hi, baseline) - Math.min(lo, baseline), 1e-12)));
  return { min: baseline < lo ? Math.floor(baseline / step) * step : null, max: baseline > hi ? Math.ceil(baseline / step) * step : null };
}

/** Labels on a log axis, at most: a diverged run's norms can span 30 decades, and a label per decade would crowd. */
export const MAX_LOG_LABELS = 6;

/**
 * The decades [lo, hi] (exponents of 10, lo < hi, both multiples of `step`) around the positive finite y values of
 * `series`, and the label step in decades that keeps the labels (lo, lo + step, … hi) to MAX_LOG_LABELS; null when
 * there are none.
 */
export function logDecades(series: readonly (readonly Point[])[]): { lo: number; hi: number; step: number } | null {
  let min = Infinity;
  let max = 0;
  for (const points of series)
    for (const [, y] of points)
      if (y > 0 && Number.isFinite(y)) {
        min = Math.min(min, y);
        max = Math.max(max, y);
      }
  if (!(max > 0)) return null;
  // a power of ten a float32 rounding away (1e12 stored as 999999995904) is that decade
  const lo = Math.floor(Math.log10(min) + 1e-6);
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max) - 1e-6));
  for (let step = Math.ceil((hi - lo) / (MAX_LOG_LABELS - 1)); ; step++) {
    const a = Math.floor(lo / step) * step;
    const b = Math.ceil(hi / step) * step;
    if ((b - a) / step + 1 <= MAX_LOG_LABELS) return { lo: a, hi: b, step };
  }
}

/** A power of ten as a log axis labels it: 0.01 … 1000 written out, 1e-3 and 1e6 beyond. */
export function formatDecade(v: number): string {
  const e = Math.round(Math.log10(v));
  return e >= -2 && e <= 3 ? String(10 ** e) : `1e${e}`;
}

export function stepAxis(c: ChartColors, extra: Record<string, unknown> = {}) {
  return axis(c, 'training step', { type: 'value', min: 'dataMin', max: 'dataMax', ...extra });
}

export function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

/** A horizontal reference line (clip threshold, baseline) drawn dashed across the chart. */
export function dashedLine(value: number, label: string, color: string) {
  return {
    silent: true,
    symbol: 'none',
    lineStyle: { type: 'dashed' as const, color, width: 1.5 },
    label: { formatter: label, color, position: 'insideEndTop' as const },
    data: [{ yAxis: value }],
  };
}
