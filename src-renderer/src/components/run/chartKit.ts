// What every run chart shares: the theme's colours (read from App.vue's CSS variables, again when the theme
// changes), axis and tooltip styling, and a throttled option ref so a fast run redraws at most 4 times a second,
// in an animation frame. The RunChart… components build their ECharts options with these.

import { onBeforeUnmount, shallowRef, watch, type ShallowRef } from 'vue';
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

/** Value axis (y) with its name along it; `log` for quantities spanning orders of magnitude. */
export function valueAxis(c: ChartColors, name: string, log = false, extra: Record<string, unknown> = {}) {
  return axis(c, name, { type: log ? 'log' : 'value', scale: !log, nameGap: 48, ...extra });
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
