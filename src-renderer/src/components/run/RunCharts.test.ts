// @vitest-environment happy-dom
// The run charts' ECharts options, rendered by real ECharts through its SVG server-side renderer (happy-dom has no
// canvas, so the component's <VChart> is stubbed and its option handed to ECharts here): every chart draws, with
// named axes; the gradient-flow heat map bins long sequences, colours by log₁₀ norm and switches layer; a
// million-step loss draws downsampled.

import { flushPromises, mount } from '@vue/test-utils';
import { type EChartsCoreOption, init, use } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Component } from 'vue';
import { applyEvent, createSeries, type RunSeries } from '../../lib/runSeries';
import { fakeRun } from '../../testing/fakeStudio';
import { diagnosticsEvent, runEvents, stepEvent } from '../../testing/runEvents';
import { VCHART_STUBS, VChartStub } from '../../testing/VChartStub';
import RunChartGates from './RunChartGates.vue';
import RunChartGradientFlow from './RunChartGradientFlow.vue';
import RunChartGradNorm from './RunChartGradNorm.vue';
import RunChartLayerNorms from './RunChartLayerNorms.vue';
import RunChartLearningRate from './RunChartLearningRate.vue';
import RunChartLoss from './RunChartLoss.vue';
import RunChartMetric from './RunChartMetric.vue';

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
});
