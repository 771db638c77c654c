// Zoom and pan along a line chart's x axis (training step; training time on the Compare screen): ECharts' dataZoom
// (Ctrl + wheel, pinch and drag inside the plot; a slider under it), the keys of a focused chart (+ − ← → 0 Esc), and
// re-downsampling: a zoomed window is drawn from the full series at the whole point budget, not as the whole run's
// coarse sample stretched out. Unzoomed, a chart follows the growing run; zoomed, it keeps its window. Charts that
// share x can share one window (provideZoomLink). Used by the line run charts, and RunChartFrame for the controls.

import { DataZoomInsideComponent, DataZoomSliderComponent } from 'echarts/components';
import { use } from 'echarts/core';
import { computed, inject, provide, shallowRef, watch, type ComputedRef, type InjectionKey, type ShallowRef } from 'vue';
import { downsampleMinMax, MAX_POINTS, type Point } from '../../lib/downsample';
import type { RunSeries } from '../../lib/runSeries';
import { baseOption, type ChartColors, formatTick } from './chartKit';

use([DataZoomInsideComponent, DataZoomSliderComponent]);

/** A window on the x axis, start < end, in the axis' units. */
export interface ZoomWindow {
  start: number;
  end: number;
}
/** The whole run's [first, last] x. */
export type Extent = readonly [number, number];

/** Keys of a focused chart, as its accessible description and aria-keyshortcuts name them. */
export const ZOOM_KEYS = '+ - ArrowLeft ArrowRight 0 Escape';
/** Height the slider adds under the plot, in px (RunChartFrame grows by as much). */
export const SLIDER_SPACE = 28;
const PAN_FRACTION = 0.25;
/** The narrowest window, as a fraction of the whole run. */
const MIN_SPAN_FRACTION = 1e-4;

// ============================================== plain functions ===================================================

/** [first, last] of the first `length` entries of a sorted x column, or null without two distinct values. */
export function extentOf(x: ArrayLike<number>, length: number = x.length): Extent | null {
  return length > 0 && x[length - 1] > x[0] ? [x[0], x[length - 1]] : null;
}

/**
 * The x extent of a run's step charts: its steps and its evaluations together (the first evaluation is at step 0,
 * before any training), so the loss, metric and gradient-norm charts span the same steps and show every point.
 */
export function runExtent(s: RunSeries | undefined | null): Extent | null {
  if (!s) return null;
  const ends = [extentOf(s.steps.step, s.steps.length), extentOf(s.evaluations.step, s.evaluations.step.length)].filter((e): e is Extent => e !== null);
  return ends.length ? [Math.min(...ends.map((e) => e[0])), Math.max(...ends.map((e) => e[1]))] : null;
}

/** First index in [start, end) of sorted x whose value is ≥ v (> v when `after`), or end. */
function search(x: ArrayLike<number>, v: number, start: number, end: number, after = false): number {
  let lo = start;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x[mid] < v || (after && x[mid] === v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Points [start, end) of sorted x and y to draw through a window: its own points downsampled to the whole point
 * budget (plus one beyond each edge, so lines reach the plot's sides), and outside it the whole run's coarse sample,
 * so the slider's preview and a drag show the rest until the next redraw. Without a window, the whole run's sample.
 */
export function zoomedPoints(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  w: ZoomWindow | null,
  start = 0,
  end: number = Math.min(x.length, y.length),
): Point[] {
  const whole = downsampleMinMax(x, y, MAX_POINTS, start, end);
  if (!w || end <= start) return whole;
  const i0 = Math.max(start, search(x, w.start, start, end) - 1);
  const i1 = Math.min(end, search(x, w.end, start, end, true) + 1);
  if (i1 <= i0) return whole;
  const inside = downsampleMinMax(x, y, MAX_POINTS, i0, i1);
  const from = x[i0];
  const to = x[i1 - 1];
  return [...whole.filter((p) => p[0] < from), ...inside, ...whole.filter((p) => p[0] > to)];
}

/** The window moved into the extent; null (the whole run) when it covers it. */
export function clampWindow(w: ZoomWindow | null, [x0, x1]: Extent): ZoomWindow | null {
  if (!w) return null;
  const span = Math.max(w.end - w.start, (x1 - x0) * MIN_SPAN_FRACTION);
  if (span >= x1 - x0) return null;
  const start = Math.min(Math.max(w.start, x0), x1 - span);
  return { start, end: start + span };
}

/**
 * The window after a key press: + (or =) halves it around its centre, - doubles it, ← → pan a quarter of it, 0 and
 * Escape show the whole run (null). undefined: the key does nothing here (not a zoom key, or a pan while unzoomed).
 */
export function zoomByKey(key: string, w: ZoomWindow | null, extent: Extent): ZoomWindow | null | undefined {
  const [x0, x1] = extent;
  const now = w ?? { start: x0, end: x1 };
  const centre = (now.start + now.end) / 2;
  const span = now.end - now.start;
  switch (key) {
    case '+':
    case '=':
      return clampWindow({ start: centre - span / 4, end: centre + span / 4 }, extent);
    case '-':
    case '_':
      return clampWindow({ start: centre - span, end: centre + span }, extent);
    case 'ArrowLeft':
    case 'ArrowRight': {
      const shift = (key === 'ArrowLeft' ? -span : span) * PAN_FRACTION;
      return w ? clampWindow({ start: w.start + shift, end: w.end + shift }, extent) : undefined;
    }
    case '0':
    case 'Escape':
      return null;
    default:
      return undefined;
  }
}

/** What ECharts sends on 'datazoom': percentages of the axis (a slider drag, or a batch from wheel / pinch / drag inside), or values (an action that gave them). */
export interface DataZoomEvent {
  start?: number;
  end?: number;
  startValue?: number;
  endValue?: number;
  batch?: DataZoomEvent[] | null;
  [other: string]: unknown;
}

/** The window a dataZoom event shows, on an axis spanning `extent` (the axis' min and max are set to it). */
export function windowOfEvent(e: DataZoomEvent, extent: Extent): ZoomWindow | null {
  const z = e.batch?.[0] ?? e;
  const [x0, x1] = extent;
  const at = (pct: number | undefined, fallback: number) => (pct === undefined ? fallback : x0 + ((x1 - x0) * pct) / 100);
  const start = z.startValue ?? at(z.start, x0);
  const end = z.endValue ?? at(z.end, x1);
  return end > start && (start > x0 || end < x1) ? clampWindow({ start, end }, extent) : null;
}

// ============================================== the composable ====================================================

const ZOOM_LINK: InjectionKey<ShallowRef<ZoomWindow | null>> = Symbol('linked chart zoom');

/** Makes the zoomable charts below this component share one window: zooming one zooms all. */
export function provideZoomLink(): void {
  provide(ZOOM_LINK, shallowRef<ZoomWindow | null>(null));
}

export interface ChartZoom {
  window: ShallowRef<ZoomWindow | null>;
  zoomed: ComputedRef<boolean>;
  /** For the chart's accessible description: how to zoom, and what it shows. */
  description: ComputedRef<string>;
  /** zoomedPoints through this chart's window. */
  points(x: ArrayLike<number>, y: ArrayLike<number>, start?: number, end?: number): Point[];
  /** The points of each series within the window (all of them unzoomed): what a log axis is fitted to. */
  visible(series: readonly Point[][]): Point[][];
  /** x axis min and max: the whole run, so dataZoom's percentages are of the extent known here. */
  axisRange(): { min: number | string; max: number | string };
  /** The option's grid (room for the slider) and dataZoom, showing this window. */
  options(c: ChartColors): { grid: Record<string, number>; dataZoom: Record<string, unknown>[] };
  onDataZoom(e: DataZoomEvent): void;
  onKey(e: KeyboardEvent): void;
  reset(): void;
}

/**
 * Zoom state of one chart. `extent`: the whole run's x range (null while there is nothing to zoom); `resetOn`: a
 * source whose change shows the whole run again (another run, another x); `axisName`: what x is, for the description.
 */
export function useChartZoom(opts: { extent: () => Extent | null; resetOn?: () => unknown; axisName?: () => string }): ChartZoom {
  const shown = inject(ZOOM_LINK, null) ?? shallowRef<ZoomWindow | null>(null);
  if (opts.resetOn) watch(opts.resetOn, () => (shown.value = null));
  const zoomed = computed(() => shown.value !== null);
  const description = computed(() => {
    const w = shown.value;
    // as many decimals as tell the ends apart: whole steps for a window of hundreds, tenths of a second for one of 5 s
    const digits = w ? Math.max(0, Math.min(6, 2 - Math.floor(Math.log10(w.end - w.start)))) : 0;
    const at = (v: number) => String(Number(v.toFixed(digits)));
    const showing = w ? `Showing ${opts.axisName?.() ?? 'training steps'} ${at(w.start)} to ${at(w.end)}.` : 'Showing all of it.';
    return `${showing} Zoom with + and −, pan with ← and →, 0 or Escape resets; or Ctrl with the mouse wheel, a pinch, a drag and the slider under the chart.`;
  });
  return {
    window: shown,
    zoomed,
    description,
    points: (x, y, start, end) => zoomedPoints(x, y, shown.value, start, end),
    visible(series) {
      const w = shown.value;
      return w ? series.map((points) => points.filter((p) => p[0] >= w.start && p[0] <= w.end)) : [...series];
    },
    axisRange() {
      const e = opts.extent();
      return e ? { min: e[0], max: e[1] } : { min: 'dataMin', max: 'dataMax' };
    },
    options(c) {
      const w = shown.value;
      const range = w ? { startValue: w.start, endValue: w.end } : { start: 0, end: 100 };
      const base = baseOption(c).grid;
      return {
        grid: { ...base, bottom: base.bottom + SLIDER_SPACE },
        dataZoom: [
          // a plain wheel scrolls the screen past the charts; Ctrl + wheel (a trackpad pinch sends it too) zooms
          { type: 'inside', id: 'zoom-inside', xAxisIndex: 0, filterMode: 'filter', zoomOnMouseWheel: 'ctrl', ...range },
          {
            type: 'slider',
            id: 'zoom-slider',
            xAxisIndex: 0,
            filterMode: 'filter',
            ...range,
            height: 16,
            bottom: 6,
            left: base.left,
            right: base.right,
            borderColor: c.border,
            textStyle: { color: c.muted },
            labelFormatter: (v: number) => formatTick(v),
          },
        ],
      };
    },
    onDataZoom(e) {
      const extent = opts.extent();
      if (extent) shown.value = windowOfEvent(e, extent);
    },
    onKey(e) {
      const extent = opts.extent();
      if (!extent || e.altKey || e.ctrlKey || e.metaKey) return; // Ctrl+± is the browser's own zoom
      if (e.key === 'Escape' && !shown.value) return; // nothing to reset: let Escape close what it closes
      const next = zoomByKey(e.key, shown.value, extent);
      if (next === undefined) return;
      e.preventDefault();
      shown.value = next;
    },
    reset: () => (shown.value = null),
  };
}
