// @vitest-environment happy-dom
// The run charts' ECharts options, rendered by real ECharts through its SVG server-side renderer (happy-dom has no
// canvas, so the component's <VChart> is stubbed and its option handed to ECharts here): every chart draws, with
// named axes; the gradient-flow heat map bins long sequences, colours by log₁₀ norm and switches layer; a
// million-step loss draws downsampled. The line charts zoom (dataZoom events, keys, Reset zoom), a zoomed window
// drawn from the full series, and log axes keep to six labels over thirty decades.

import { flushPromises, mount } from '@vue/test-utils';
import { type EChartsCoreOption, init, use } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Component, defineComponent, h } from 'vue';
import { applyEvent, createSeries, type RunSeries } from '../../lib/runSeries';
import { fakeRun } from '../../testing/fakeStudio';
import { diagnosticsEvent, runEvents, stepEvent } from '../../testing/runEvents';
import { VCHART_STUBS, VChartStub } from '../../testing/VChartStub';
import { provideZoomLink } from './chartZoom';
import RunChartAlignment from './RunChartAlignment.vue';
import RunChartGates from './RunChartGates.vue';
import RunChartGradientFlow from './RunChartGradientFlow.vue';
import RunChartGradNorm from './RunChartGradNorm.vue';
import RunChartLayerNorms from './RunChartLayerNorms.vue';
import RunChartLearningRate from './RunChartLearningRate.vue';
import RunChartLoss from './RunChartLoss.vue';
import RunChartMetric from './RunChartMetric.vue';
import RunCompareChart from './RunCompareChart.vue';

use([SVGRenderer]);

function seriesOf(events = runEvents(200)): RunSeries {
  const s = createSeries();
  for (const e of events) applyEvent(s, e);
  return s;
}

function mountChart(chart: Component, props: Record<string, unknown>) {
  return mount(chart, { props: { version: 1, ...props }, global: { stubs: VCHART_STUBS } });
}

/** Draws an option with ECharts' SVG renderer, as the app draws it on canvas. */
function renderSvg(option: EChartsCoreOption): string {
  const chart = init(null, null, { renderer: 'svg', ssr: true, width: 640, height: 300 });
  chart.setOption(option);
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

const optionOf = (wrapper: ReturnType<typeof mountChart>) => wrapper.getComponent(VChartStub).props('option') as Record<string, any>;

describe('run charts', () => {
  beforeEach(() => setActivePinia(createPinia()));
  const run = fakeRun('r1', { baseline: { name: 'most frequent character', metrics: { accuracy: 0.15 } } });

  it.each([
    ['loss', RunChartLoss, 'loss: cross-entropy (nats)'],
    ['metric', RunChartMetric, 'Accuracy (%) — higher is better'],
    ['grad-norm', RunChartGradNorm, 'global gradient norm ‖g‖₂'],
    ['learning-rate', RunChartLearningRate, 'learning rate'],
    ['layer-norms', RunChartLayerNorms, 'gradient norm'],
    ['gates', RunChartGates, 'activation / fraction'],
    ['gradient-flow', RunChartGradientFlow, 'time step t in the sequence'],
  ] as const)('draws the %s chart with named axes', (id, chart, yName) => {
    const wrapper = mountChart(chart, { run, series: seriesOf() });
    expect(wrapper.get(`[data-testid="chart-${id}"]`).attributes('role')).toBe('img');
    const svg = renderSvg(optionOf(wrapper));
    expect(svg).toContain('<path');
    expect(svg).toContain(yName.replace('&', '&amp;'));
  });

  it('pins the best evaluation on the metric chart, and says when the run ended with it restored', () => {
    const events = runEvents(60).map((e) => (e.type === 'evaluation' ? { ...e, metrics: { accuracy: e.step === 30 ? 0.8 : 0.5 }, bestStep: e.step >= 30 ? 30 : e.step } : e));
    const series = seriesOf(events);
    let option = optionOf(mountChart(RunChartMetric, { run, series }));
    expect(option.series[0].markPoint.data).toEqual([{ name: 'best', coord: [30, 0.8], value: 0.8 }]);
    expect(option.series[0].markPoint.label.formatter).toBe('best (step 30)');
    // the run ends with the best parameters: their evaluation, at its last step, replaces the last one drawn
    applyEvent(series, { type: 'evaluation', step: 60, valLoss: 2 / 30, metrics: { accuracy: 0.8 }, bestStep: 30, restored: true });
    const wrapper = mountChart(RunChartMetric, { run, series, version: 2 });
    option = optionOf(wrapper);
    expect(option.series[0].markPoint.label.formatter).toBe('best, restored (step 30)');
    expect(option.series[0].data.at(-1)).toEqual([60, 0.8]);
    expect(renderSvg(option)).toContain('best, restored (step 30)');
    expect(wrapper.get('[data-testid="chart-metric"]').attributes('aria-label')).toBe('Task metric chart: Accuracy 80.0%; baseline most frequent character 15.0%; best 80.0% at step 30, restored');
    expect(wrapper.text()).toContain('The pin marks the best evaluation (step 30): the run ended with its parameters restored.');
  });

  it('shows the clip threshold and the baseline as dashed lines', () => {
    const grad = optionOf(mountChart(RunChartGradNorm, { run, series: seriesOf() }));
    expect(grad.series[0].markLine.data).toEqual([{ yAxis: 5 }]);
    expect(grad.series.map((s: { name: string }) => s.name)).toEqual(['before clipping', 'after clipping']);
    const wrapper = mountChart(RunChartGradNorm, { run, series: seriesOf() });
    expect(wrapper.text()).toContain('Gradient norm — clipped 25% of steps (recent 25%)');
    const metric = optionOf(mountChart(RunChartMetric, { run, series: seriesOf() }));
    expect(metric.series[0].markLine.label.formatter).toBe('baseline (most frequent character): 15.0%');
    expect(renderSvg(metric)).toContain('baseline (most frequent character)');
  });

  it('keeps the evaluation at step 0 and the baseline in view, however far the metric is from them', async () => {
    // Evaluations from step 0 (before training), every one far above the baseline (0.15).
    const events = runEvents(200).map((e) => (e.type === 'evaluation' ? { ...e, metrics: { accuracy: 0.5 + e.step / 1000 } } : e));
    events.unshift({ type: 'evaluation', step: 0, valLoss: 4, metrics: { accuracy: 0.5 } });
    const series = seriesOf(events);
    for (const chart of [RunChartMetric, RunChartLoss]) {
      const o = optionOf(mountChart(chart, { run, series }));
      expect(o.xAxis.min, chart.__name).toBe(0); // the step-0 evaluation is inside the x axis
    }
    const metric = optionOf(mountChart(RunChartMetric, { run, series }));
    expect(metric.yAxis.min).toBe(0.1); // pushed out to take in the baseline, rounded to the span's order
    expect(metric.yAxis.max).toBeNull();
    // As the run goes on, ECharts merges each option into the last: an end no longer needed is reset, not left out.
    const early = seriesOf([{ type: 'evaluation', step: 0, valLoss: 4, metrics: { accuracy: 0.01 } }]);
    const wrapper = mountChart(RunChartMetric, { run, series: early });
    expect(optionOf(wrapper).yAxis).toMatchObject({ min: null, max: 0.2 });
    await wrapper.setProps({ series, version: 2 });
    await new Promise((r) => setTimeout(r, 400)); // the option is rebuilt at most every 250 ms
    expect(optionOf(wrapper).yAxis).toMatchObject({ min: 0.1, max: null });
    // The Compare screen's metric overlay does the same.
    const compare = optionOf(mountChart(RunCompareChart, { kind: 'metric', runs: [run], names: { r1: 'LSTM 1×64' }, seriesOf: () => series, x: 'step', metric: 'accuracy', baseline: { name: 'most frequent character', value: 0.15 } }));
    expect(compare.xAxis.min).toBe(0);
    expect(compare.yAxis).toMatchObject({ min: 0.1, max: null });
    expect(renderSvg(metric)).toContain('baseline (most frequent character): 15.0%');
  });

  it('maps gradient flow to a heat map of log₁₀ norms, binning long sequences, one layer at a time', async () => {
    const s = createSeries();
    for (let i = 1; i <= 3; i++) {
      const e = diagnosticsEvent(i * 10, 500);
      e.gradientFlow[0].norms = Array.from({ length: 500 }, (_, t) => 10 ** ((t - 499) / 100)); // 1e-5 … 1
      e.gradientFlow.push({ stack: 'enc', layer: 0, direction: 1, norms: Array.from({ length: 500 }, () => 0.5) });
      applyEvent(s, e);
    }
    const wrapper = mountChart(RunChartGradientFlow, { series: s });
    const option = optionOf(wrapper);
    expect(option.xAxis.data).toHaveLength(167); // 500 time steps in bins of 3
    expect(option.yAxis.data).toEqual(['10', '20', '30']);
    const cells = option.series[0].data as [number, number, number][];
    expect(cells).toHaveLength(167 * 3);
    expect(cells[166][2]).toBeCloseTo(-0.005); // last bin: t = 498, 499
    expect(cells[0][2]).toBeCloseTo(-4.98); // first bin: t = 0, 1, 2
    expect(option.visualMap.max).toBeGreaterThan(option.visualMap.min);
    expect(wrapper.get('[data-testid="chart-gradient-flow"]').attributes('aria-label')).toMatch(/^Gradient flow heat map, Layer 1: .* over 500 time steps for 3 training steps; at the latest step the start of the sequence gets 1\.02e-5 times the gradient at its end$/);
    const layer = wrapper.get('select');
    expect(layer.findAll('option').map((o) => o.text())).toEqual(['Layer 1', 'Layer 1 backward']);
    await layer.setValue('enc.0.1');
    expect(wrapper.get('[data-testid="chart-gradient-flow"]').attributes('aria-label')).toContain('Layer 1 backward');
    expect(wrapper.text()).toContain('start / end: 1×');
  });

  it('maps an attention alignment to a heat map of output × source tokens, and says where each output looked', () => {
    // "le chat" ← "the cat": le from the, chat from cat, the end from the last source token
    const alignment = { source: ['the', 'cat', '.'], target: ['le', 'chat', '.', '</s>'], weights: [0.9, 0.05, 0.05, 0.1, 0.85, 0.05, 0.0, 0.1, 0.9, 0.2, 0.2, 0.6], reference: ['le', 'chat', '.'] };
    const wrapper = mountChart(RunChartAlignment, { alignment, step: 300, what: 'validation example' });
    const option = optionOf(wrapper);
    expect(option.xAxis.data).toEqual(['the', 'cat', '.']);
    expect(option.yAxis.data).toEqual(['le', 'chat', '.', '</s>']);
    expect(option.series[0].data).toHaveLength(12);
    expect(option.series[0].data[4]).toEqual([1, 1, 0.85]);
    expect([option.visualMap.min, option.visualMap.max]).toEqual([0, 1]);
    const label = wrapper.get('[data-testid="chart-alignment"]').attributes('aria-label');
    expect(label).toBe('Attention alignment of 4 output tokens over 3 source tokens: “le” mostly from “the” (90%); “chat” mostly from “cat” (85%); “.” mostly from “.” (90%); “</s>” mostly from “.” (60%)');
    expect(wrapper.text()).toContain('Attention alignment — validation example at step 300');
    expect(wrapper.text()).toContain('Reference: “le chat .”');
    expect(renderSvg(option)).toContain('source token');
    const empty = mountChart(RunChartAlignment, { alignment: null });
    expect(empty.text()).toContain('The alignment appears with the first diagnostics of an attention model.');
  });

  it('draws a million-step loss downsampled, with its spike', async () => {
    const s = createSeries(1 << 20);
    for (let i = 1; i <= 1_000_000; i++) applyEvent(s, stepEvent(i, { loss: i === 654_321 ? 50 : 2 + Math.sin(i / 1000) }));
    const started = performance.now();
    const option = optionOf(mountChart(RunChartLoss, { run, series: s }));
    console.log(`loss chart option for 1,000,000 steps built in ${(performance.now() - started).toFixed(0)} ms`);
    const raw = option.series[0].data as [number, number][];
    expect(raw.length).toBeLessThanOrEqual(2000);
    expect(Math.max(...raw.map((p) => p[1]))).toBe(50);
    await flushPromises();
  });

  const redrawn = () => new Promise((resolve) => setTimeout(resolve, 300)); // the charts redraw throttled
  const canvasOf = (wrapper: ReturnType<typeof mountChart>) => wrapper.get('.run-chart-canvas');
  const descriptionOf = (wrapper: ReturnType<typeof mountChart>) => wrapper.get(`[id="${canvasOf(wrapper).attributes('aria-describedby')}"]`).text();
  const resetButton = (wrapper: ReturnType<typeof mountChart>) => wrapper.findAll('button').find((b) => b.text() === 'Reset zoom');
  const compareProps = (s: RunSeries) => ({ kind: 'gradNorm', runs: [run], names: { r1: 'LSTM 1×64' }, seriesOf: () => s, x: 'step' });

  function longSeries(n: number, gradNorm: (step: number) => number = () => 2): RunSeries {
    const s = createSeries(1 << 17);
    for (let i = 1; i <= n; i++) applyEvent(s, stepEvent(i, { loss: 2 + Math.sin(i / 7) + (i % 13) / 100, gradNorm: gradNorm(i), gradNormClipped: Math.min(gradNorm(i), 5) }));
    return s;
  }

  it.each([
    ['loss', RunChartLoss, {}],
    ['metric', RunChartMetric, {}],
    ['grad-norm', RunChartGradNorm, {}],
    ['learning-rate', RunChartLearningRate, {}],
    ['compare-grad-norm', RunCompareChart, compareProps(seriesOf())],
  ] as const)('zooms the %s chart: dataZoom inside and as a slider, and a focusable canvas that says how', (id, chart, extra) => {
    const wrapper = mountChart(chart, { run, series: seriesOf(), ...extra });
    const option = optionOf(wrapper);
    expect(option.dataZoom.map((z: { type: string }) => z.type)).toEqual(['inside', 'slider']);
    expect(option.dataZoom[0]).toMatchObject({ xAxisIndex: 0, start: 0, end: 100 });
    const canvas = wrapper.get(`[data-testid="chart-${id}"]`);
    expect(canvas.attributes('tabindex')).toBe('0');
    expect(canvas.attributes('aria-keyshortcuts')).toBe('+ - ArrowLeft ArrowRight 0 Escape');
    expect(descriptionOf(wrapper)).toBe('Showing all of it. Zoom with + and −, pan with ← and →, 0 or Escape resets; or Ctrl with the mouse wheel, a pinch, a drag and the slider under the chart.');
    expect(resetButton(wrapper)).toBeUndefined();
    expect(renderSvg(option)).toContain('<path');
  });

  it('draws a zoomed window from the full series, not the whole run’s sample stretched, and resets to the whole run', async () => {
    const s = longSeries(100_000);
    const wrapper = mountChart(RunChartLoss, { run, series: s });
    const whole = optionOf(wrapper).series[0].data as [number, number][];
    expect(whole.filter((p) => p[0] >= 50_000 && p[0] <= 50_500).length).toBeLessThan(30); // the coarse sample
    // a drag on the slider to steps 50,000–50,500 (ECharts reports percentages of the axis: steps 1–100,000)
    const pct = (step: number) => ((step - 1) / 99_999) * 100;
    wrapper.getComponent(VChartStub).vm.$emit('datazoom', { type: 'datazoom', start: pct(50_000), end: pct(50_500) });
    await redrawn();
    const option = optionOf(wrapper);
    expect(option.dataZoom[1].startValue).toBeCloseTo(50_000, 6);
    expect(option.dataZoom[1].endValue).toBeCloseTo(50_500, 6);
    const raw = (option.series[0].data as [number, number][]).filter((p) => p[0] >= 50_000 && p[0] <= 50_500);
    expect(raw).toHaveLength(501);
    raw.forEach((p, k) => expect(p).toEqual([50_000 + k, s.steps.loss[50_000 + k - 1]]));
    expect(option.series[0].data.length).toBeLessThanOrEqual(2 * 2000);
    expect(descriptionOf(wrapper)).toMatch(/^Showing training steps 50000 to 50500\./);
    // Reset zoom: the whole run again
    await resetButton(wrapper)!.trigger('click');
    await redrawn();
    expect(resetButton(wrapper)).toBeUndefined();
    expect(optionOf(wrapper).dataZoom[1]).toMatchObject({ start: 0, end: 100 });
    expect(optionOf(wrapper).series[0].data).toEqual(whole);
  });

  it('keeps a zoomed window while the run goes on, and follows the run when not zoomed', async () => {
    const s = longSeries(1000);
    const wrapper = mountChart(RunChartGradNorm, { run, series: s });
    await canvasOf(wrapper).trigger('keydown', { key: '+' });
    for (let i = 1001; i <= 2000; i++) applyEvent(s, stepEvent(i));
    await wrapper.setProps({ version: 2 });
    await redrawn();
    let option = optionOf(wrapper);
    expect([option.dataZoom[0].startValue, option.dataZoom[0].endValue]).toEqual([250.75, 750.25]);
    expect(option.xAxis).toMatchObject({ min: 1, max: 2000 });
    await canvasOf(wrapper).trigger('keydown', { key: '0' });
    for (let i = 2001; i <= 3000; i++) applyEvent(s, stepEvent(i));
    await wrapper.setProps({ version: 3 });
    await redrawn();
    option = optionOf(wrapper);
    expect(option.dataZoom[0]).toMatchObject({ start: 0, end: 100 });
    expect(option.series[0].data.at(-1)[0]).toBe(3000);
  });

  it('zooms and pans with + - ← → and resets with 0 or Escape', async () => {
    const wrapper = mountChart(RunChartGradNorm, { run, series: longSeries(1001) }); // steps 1…1001: centre 501
    const canvas = canvasOf(wrapper);
    const press = async (key: string) => {
      await canvas.trigger('keydown', { key });
      return descriptionOf(wrapper).replace(/\. Zoom with .*/, '');
    };
    expect(await press('+')).toBe('Showing training steps 251 to 751');
    expect(await press('+')).toBe('Showing training steps 376 to 626');
    expect(await press('ArrowRight')).toBe('Showing training steps 439 to 689');
    expect(await press('ArrowLeft')).toBe('Showing training steps 376 to 626');
    expect(resetButton(wrapper)).toBeDefined();
    expect(await press('-')).toBe('Showing training steps 251 to 751');
    expect(await press('-')).toBe('Showing all of it');
    expect(resetButton(wrapper)).toBeUndefined();
    await press('+');
    expect(await press('0')).toBe('Showing all of it');
    await press('+');
    expect(await press('Escape')).toBe('Showing all of it');
    await press('+');
    await redrawn();
    expect([optionOf(wrapper).dataZoom[0].startValue, optionOf(wrapper).dataZoom[0].endValue]).toEqual([251, 751]);
  });

  it('zooms the Train screen’s step charts together', async () => {
    const s = longSeries(1001);
    const Screen = defineComponent(() => {
      provideZoomLink();
      return () => [h(RunChartLoss, { run, series: s, version: 1 }), h(RunChartGradNorm, { run, series: s, version: 1 })];
    });
    const wrapper = mount(Screen, { global: { stubs: VCHART_STUBS } });
    await wrapper.get('[data-testid="chart-loss"]').trigger('keydown', { key: '+' });
    await redrawn();
    const gradNorm = optionOf(wrapper.findComponent(RunChartGradNorm) as unknown as ReturnType<typeof mountChart>);
    expect([gradNorm.dataZoom[0].startValue, gradNorm.dataZoom[0].endValue]).toEqual([251, 751]);
    expect(wrapper.findAll('button').filter((b) => b.text() === 'Reset zoom')).toHaveLength(2);
  });

  it('keeps log axes to six labels when a diverged run spans 33 decades', async () => {
    const s = longSeries(3300, (i) => 10 ** (-3 + i / 100)); // 1e-3 … 1e30
    const labelsOf = (option: EChartsCoreOption) => {
      const chart = init(null, null, { renderer: 'svg', ssr: true, width: 640, height: 300 });
      chart.setOption(option);
      const labels = (chart as any).getModel().getComponent('yAxis', 0).axis.getViewLabels().map((l: { formattedLabel: string }) => l.formattedLabel);
      chart.dispose();
      return labels;
    };
    const gradNorm = mountChart(RunChartGradNorm, { run, series: s });
    expect(labelsOf(optionOf(gradNorm))).toEqual(['1e-8', '1', '1e8', '1e16', '1e24', '1e32']);
    const compare = mountChart(RunCompareChart, compareProps(s));
    expect(labelsOf(optionOf(compare))).toHaveLength(6);
    const loss = mountChart(RunChartLoss, { run, series: longSeries(3300, () => 2) });
    await loss.get('input[type="checkbox"]').setValue(true);
    await redrawn();
    expect(labelsOf(optionOf(loss))).toEqual(['1', '10']);
    // zoomed to steps 1,500–2,000 (norms 1e12 … 1e17), the axis fits the window
    compare.getComponent(VChartStub).vm.$emit('datazoom', { type: 'datazoom', batch: [{ startValue: 1500, endValue: 2000 }] });
    await redrawn();
    expect(labelsOf(optionOf(compare))).toEqual(['1e12', '1e13', '1e14', '1e15', '1e16', '1e17']);
  });
});
