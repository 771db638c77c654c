// @vitest-environment happy-dom
// TryView: lists only runs that can predict, generates text with the chosen prime and temperature, classifies,
// and exports ONNX with its proof.

import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { setStudio } from '../host';
import { createFakeStudio, type FakeStudio, fakeRun } from '../testing/fakeStudio';
import TryForecastChart from '../components/try/TryForecastChart.vue';
import TryView from './TryView.vue';

const textSpec = {
  shape: 'many-to-many' as const,
  input: { vocabSize: 40, embedSize: 40, featureSize: 0 },
  stack: { cell: 'lstm' as const, layers: 1, hiddenSize: 32, bidirectional: false },
  output: { kind: 'classes' as const, size: 40 },
  dropout: 0,
  forgetBias: 1,
};

/** The control a label names: by its `for` id, or the one it wraps (check boxes). */
function control(wrapper: ReturnType<typeof mount>, name: string) {
  const label = wrapper.findAll('label').find((l) => l.text().trim() === name);
  if (!label) throw new Error(`no control labelled ${name}`);
  const id = label.attributes('for');
  return id ? wrapper.get(`#${id}`) : label.get('input, select, textarea');
}

describe('TryView', () => {
  let fake: FakeStudio;
  beforeEach(() => {
    setActivePinia(createPinia());
    fake = createFakeStudio();
    setStudio(fake);
  });

  it('says so when no run can be tried', async () => {
    fake.runs = [fakeRun('r1', { status: 'running' })];
    const wrapper = mount(TryView);
    await flushPromises();
    expect(wrapper.find('[data-testid="try-empty"]').exists()).toBe(true);
  });

  it('generates text from a prime and shows it', async () => {
    fake.runs = [fakeRun('busy', { status: 'running' }), fakeRun('r1', { status: 'finished', spec: textSpec, resumable: true })];
    fake.prediction = { type: 'prediction', kind: 'text', prime: 'To', text: ' be, or not', temperature: 0.5 };
    const wrapper = mount(TryView);
    await flushPromises();
    expect(wrapper.findAll('option').map((o) => o.attributes('value'))).toEqual(['r1']);
    const prime = control(wrapper, 'Prime');
    await prime.setValue('To');
    await control(wrapper, 'Temperature').setValue('0.5');
    expect(wrapper.findAll('button').find((b) => b.text() === 'Generate')?.attributes('type')).toBe('submit');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(fake.calls.filter((c) => c.method === 'predict')[0].args).toEqual(['r1', { input: 'To', temperature: 0.5, length: 300 }]);
    expect(wrapper.get('[data-testid="try-output"]').text()).toBe('To be, or not');
  });

  it('classifies a sentence and shows the probabilities', async () => {
    fake.runs = [fakeRun('r2', { status: 'stopped', spec: { ...textSpec, shape: 'many-to-one', output: { kind: 'classes', size: 2 } } })];
    fake.prediction = { type: 'prediction', kind: 'classify', input: 'great food', label: 'positive', probabilities: [{ label: 'positive', p: 0.9 }, { label: 'negative', p: 0.1 }] };
    const wrapper = mount(TryView);
    await flushPromises();
    await control(wrapper, 'Input').setValue('great food');
    expect(wrapper.findAll('button').some((b) => b.text() === 'Classify')).toBe(true);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    const out = wrapper.get('[data-testid="try-output"]');
    expect(out.get('.label').text()).toBe('positive');
    expect(out.text()).toContain('90.0%');
  });

  it('classifies a pair of texts read together: a field for each, sent TAB-separated', async () => {
    fake.runs = [fakeRun('r3', { status: 'finished', spec: { ...textSpec, shape: 'many-to-one', output: { kind: 'classes', size: 3 } }, data: { format: 'auto', valFraction: 0.1, input: ['premise', 'hypothesis'], target: 'label' } })];
    fake.prediction = { type: 'prediction', kind: 'classify', input: 'x', label: 'entailment', probabilities: [{ label: 'entailment', p: 0.8 }, { label: 'neutral', p: 0.2 }] };
    const wrapper = mount(TryView);
    await flushPromises();
    expect(wrapper.findAll('label').some((l) => l.text() === 'Input')).toBe(false);
    await control(wrapper, 'premise').setValue('A dog runs in a park.');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(fake.calls.filter((c) => c.method === 'predict')).toHaveLength(0); // the hypothesis is still empty
    await control(wrapper, 'hypothesis').setValue('An animal is outside.');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(fake.calls.filter((c) => c.method === 'predict')[0].args).toEqual(['r3', { input: 'A dog runs in a park.\tAn animal is outside.' }]);
    expect(wrapper.get('[data-testid="try-output"] .label').text()).toBe('entailment');
  });

  it('exports ONNX and shows the proof', async () => {
    fake.runs = [fakeRun('r1', { status: 'finished', spec: textSpec })];
    const wrapper = mount(TryView);
    await flushPromises();
    const streaming = control(wrapper, 'Streaming (explicit state inputs)');
    await streaming.setValue(true);
    await wrapper.findAll('button').find((b) => b.text() === 'Export ONNX')!.trigger('click');
    await flushPromises();
    expect(fake.calls.find((c) => c.method === 'exportRun')?.args).toEqual(['r1', { streaming: true }]);
    expect(wrapper.get('[data-testid="export-max-diff"]').text()).toBe('1.00e-6');
    expect(wrapper.get('[data-testid="export-result"]').text()).toContain('/tmp/model.onnx');
  });

  it('forecasts a series with a backtest and draws it', async () => {
    const seriesSpec = { ...textSpec, shape: 'many-to-one' as const, input: { vocabSize: 0, embedSize: 0, featureSize: 1 }, output: { kind: 'values' as const, size: 1 } };
    fake.runs = [fakeRun('r3', { status: 'finished', spec: seriesSpec })];
    fake.prediction = { type: 'prediction', kind: 'series', column: 'co2', history: 500, forecast: [410.2, 410.9], recent: [409, 409.5, 410], actual: [410.1, 411] };
    // happy-dom has no canvas: the chart is stubbed, and what it is given is checked
    const wrapper = mount(TryView, { global: { stubs: { TryForecastChart: true } } });
    await flushPromises();
    await control(wrapper, 'Steps to forecast').setValue('2');
    await control(wrapper, 'Backtest').setValue(true);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(fake.calls.find((c) => c.method === 'predict')?.args).toEqual(['r3', { length: 2, backtest: true }]);
    expect(wrapper.get('[data-testid="try-output"]').text()).toContain('2 steps of “co2” after 500 values');
    expect(wrapper.getComponent(TryForecastChart).props()).toEqual({ column: 'co2', forecast: [410.2, 410.9], recent: [409, 409.5, 410], actual: [410.1, 411] });
    expect(wrapper.text()).toContain('410.2');
  });

  it('classifies the sequences of a long-format table and shows the misclassified first', async () => {
    const spec = { ...textSpec, shape: 'many-to-one' as const, input: { vocabSize: 0, embedSize: 0, featureSize: 4 }, output: { kind: 'classes' as const, size: 2 } };
    fake.runs = [fakeRun('r5', { status: 'finished', spec, data: { format: 'auto', valFraction: 0.1, sequence: 'sequence_id', target: 'class_label' } })];
    fake.prediction = {
      type: 'prediction',
      kind: 'sequences',
      file: 'movement.csv',
      sequences: 3,
      labels: [
        { id: 's1', label: '1', p: 0.9, actual: '1' },
        { id: 's2', label: '1', p: 0.6, actual: '-1' },
        { id: 's3', label: '-1', p: 0.8, actual: '-1' },
      ],
    };
    const wrapper = mount(TryView);
    await flushPromises();
    await wrapper.get('form[aria-label="Classify sequences"]').trigger('submit');
    await flushPromises();
    expect(fake.calls.find((c) => c.method === 'predict')?.args).toEqual(['r5', {}]);
    expect(wrapper.get('[data-testid="try-output"]').text()).toMatch(/3 sequences in movement\.csv:\s+2 of 3 labelled as the table labels them\s+\(66\.7%\)/);
    const rows = wrapper.findAll('tbody tr').map((r) => r.findAll('td').map((d) => d.text()));
    expect(rows[0]).toEqual(['s2', '1', '60.0%', '-1']); // the misclassified first
    expect(wrapper.findAll('tbody tr.wrong')).toHaveLength(1);
  });

  it('forecasts one value with a model that reads other columns beside its target, and says why', async () => {
    const spec = { ...textSpec, shape: 'many-to-one' as const, input: { vocabSize: 0, embedSize: 0, featureSize: 2 }, output: { kind: 'values' as const, size: 1 } };
    fake.runs = [fakeRun('r4', { status: 'finished', spec, data: { format: 'auto', valFraction: 0.1, input: ['x', 'y'], target: 'y', horizon: 1 } })];
    fake.prediction = { type: 'prediction', kind: 'series', column: 'y', history: 300, forecast: [6.1], recent: [5, 6] };
    const wrapper = mount(TryView, { global: { stubs: { TryForecastChart: true } } });
    await flushPromises();
    expect((control(wrapper, 'Steps to forecast').element as HTMLInputElement).disabled).toBe(true);
    expect(wrapper.text()).toContain('reads “x”, “y” and forecasts “y” only: one value, 1 step after the last row');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(fake.calls.find((c) => c.method === 'predict')?.args).toEqual(['r4', { length: 1, backtest: false }]);
    expect(wrapper.get('[data-testid="try-output"]').text()).toContain('1 step of “y” after 300 values');
  });
});
