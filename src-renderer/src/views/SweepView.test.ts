// @vitest-environment happy-dom
// The Sweep screen with a fake studio (ECharts stubbed: happy-dom has no canvas): the shown sweep's status, what
// mattered, one parallel-coordinates line per trial with a figure, the trial table sorted by a clicked column, and
// the best trial promoted; starting a sweep sends the search typed in the form.

import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SweepInfo } from '../../../src-shared/studio-api';
import { setStudio } from '../host';
import { useSweepsStore } from '../stores/useSweepsStore';
import { createFakeStudio, type FakeStudio } from '../testing/fakeStudio';
import { VCHART_STUBS } from '../testing/VChartStub';
import SweepView from './SweepView.vue';

const SWEEP: SweepInfo = {
  id: 'sweep-1',
  space: 'cell=lstm,gru lr=0.001..0.01:log',
  method: 'tpe',
  stop: 'asha',
  trials: 3,
  parallel: 2,
  budgetSeconds: 0,
  status: 'ended',
  why: 'all 3 trials ran',
  metric: 'rmse',
  higherIsBetter: false,
  elapsed: 30,
  importance: [{ key: 'learningRate', share: 0.8 }, { key: 'cell', share: 0.05 }],
  rows: [
    { trial: 1, status: 'finished', params: { cell: 'lstm', learningRate: 0.002 }, best: 3.2, bestStep: 80, last: 3.3, steps: 80, seconds: 5, curve: [[0, 9], [40, 4], [80, 3.3]] },
    { trial: 2, status: 'stopped-early', params: { cell: 'gru', learningRate: 0.009 }, best: 4.5, bestStep: 20, last: 4.5, steps: 20, seconds: 1, curve: [[0, 9], [20, 4.5]] },
    { trial: 3, status: 'finished', params: { cell: 'gru', learningRate: 0.004 }, best: 2.1, bestStep: 80, last: 2.2, steps: 80, seconds: 6, curve: [[0, 9], [40, 3], [80, 2.2]] },
  ],
};

describe('SweepView', () => {
  let fake: FakeStudio;
  let pinia: ReturnType<typeof createPinia>;
  beforeEach(() => {
    pinia = createPinia();
    setActivePinia(pinia);
    fake = createFakeStudio();
    setStudio(fake);
  });

  it('shows the sweep: status, what mattered, its trials as lines and rows, sortable, and promotes the best', async () => {
    fake.sweeps = [SWEEP];
    const wrapper = mount(SweepView, { global: { plugins: [pinia], stubs: VCHART_STUBS } });
    await flushPromises();
    expect(wrapper.get('[data-testid="sweep-status"]').text()).toBe('Ended: 3 of 3 trials, 2 at once, 30 s; all 3 trials ran');
    expect(wrapper.get('[data-testid="sweep-importance"]').text()).toMatch(/Learning rate 80%.*Cell 5%/);
    expect(wrapper.get('[data-testid="chart-sweep-parallel"] [data-series="trials"]').text()).toBe('trials: 3');
    // every trial's validation curve, one line each
    expect(wrapper.findAll('[data-testid="chart-sweep-curves"] li').map((li) => li.text())).toEqual(['trial 1: 3', 'trial 2: 2', 'trial 3: 3']);
    const firstColumn = () => wrapper.findAll('[data-testid="sweep-table"] tbody tr').map((tr) => tr.findAll('td')[1].text());
    expect(firstColumn()).toEqual(['#3', '#1', '#2']); // RMSE: lower first
    expect(wrapper.get('[data-testid="sweep-table"] thead').text()).toContain('Best RMSE');
    await wrapper.findAll('thead button.sort').find((b) => b.text() === 'Learning rate')!.trigger('click');
    expect(firstColumn()).toEqual(['#1', '#3', '#2']);
    await wrapper.get('[data-testid="sweep-promote-best"]').trigger('click');
    await flushPromises();
    expect(fake.calls.find((c) => c.method === 'promoteTrial')?.args).toEqual(['sweep-1', 3]);
  });

  it('sends ticked trials, or the top 3, to Compare', async () => {
    fake.sweeps = [SWEEP];
    const wrapper = mount(SweepView, { global: { plugins: [pinia], stubs: VCHART_STUBS } });
    await flushPromises();
    const chosen = wrapper.get('[data-testid="sweep-compare-chosen"]');
    expect(chosen.attributes('disabled')).toBeDefined();
    expect(wrapper.get('[data-testid="sweep-choose-2"]').attributes('aria-label')).toBe('Compare trial 2');
    await wrapper.get('[data-testid="sweep-choose-2"]').setValue(true);
    await wrapper.get('[data-testid="sweep-choose-1"]').setValue(true);
    expect(chosen.text()).toBe('Compare the ticked trials (2)');
    await chosen.trigger('click');
    await flushPromises();
    expect(fake.calls.filter((c) => c.method === 'trialHistory').map((c) => c.args)).toEqual([['sweep-1', 1], ['sweep-1', 2]]);
    const { useAppStore } = await import('../stores/useAppStore');
    const { useRunsStore } = await import('../stores/useRunsStore');
    expect(useAppStore().screen).toBe('compare');
    expect(useRunsStore().compareIds).toEqual(['sweep-1#1', 'sweep-1#2']);
    // the top 3 by the metric (RMSE: lowest first), added beside them
    expect(wrapper.get('[data-testid="sweep-compare-top"]').text()).toBe('Compare the top 3');
    await wrapper.get('[data-testid="sweep-compare-top"]').trigger('click');
    await flushPromises();
    expect(fake.calls.filter((c) => c.method === 'trialHistory').slice(2).map((c) => c.args)).toEqual([['sweep-1', 3], ['sweep-1', 1], ['sweep-1', 2]]);
    expect(useRunsStore().compareIds).toEqual(['sweep-1#1', 'sweep-1#2', 'sweep-1#3']);
    useRunsStore().dispose();
  });

  it('starts the search typed in the form', async () => {
    fake.projectInfo = { ...fake.projectInfo, current: { datasetId: 'd1', data: { format: 'auto', valFraction: 0.1 }, model: { cell: 'lstm', layers: 1, hiddenSize: 32, embedSize: 0, bidirectional: false, dropout: 0, forgetBias: 1 }, settings: { ...(await import('../../../src-shared/model')).DEFAULT_TRAIN_SETTINGS } } };
    const { useProjectStore } = await import('../stores/useProjectStore');
    await useProjectStore().load();
    const wrapper = mount(SweepView, { global: { plugins: [pinia], stubs: VCHART_STUBS } });
    await flushPromises();
    await wrapper.get('[data-testid="sweep-space"]').setValue('layers=1..2');
    await wrapper.get('[data-testid="sweep-method"]').setValue('grid');
    await wrapper.get('[data-testid="sweep-trials"]').setValue('2');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(fake.calls.find((c) => c.method === 'startSweep')?.args[0]).toMatchObject({ space: 'layers=1..2', method: 'grid', trials: 2, stop: 'asha', budgetSeconds: 600 });
    useSweepsStore().stopPolling();
  });

  it('defines the space on the settings’ own fields: a labelled row per setting, a range checked inline, the text in step', async () => {
    fake.projectInfo = { ...fake.projectInfo, current: { datasetId: 'd1', data: { format: 'auto', valFraction: 0.1 }, model: { cell: 'lstm', layers: 2, hiddenSize: 32, embedSize: 0, bidirectional: false, dropout: 0, forgetBias: 1 }, settings: { ...(await import('../../../src-shared/model')).DEFAULT_TRAIN_SETTINGS, learningRate: 0.003 } } };
    const { useProjectStore } = await import('../stores/useProjectStore');
    await useProjectStore().load();
    const wrapper = mount(SweepView, { global: { plugins: [pinia], stubs: VCHART_STUBS }, attachTo: document.body });
    await flushPromises();
    const text = () => (wrapper.get('[data-testid="sweep-space"]').element as HTMLInputElement).value;
    // each row's switch is a checkbox labelled with the setting's label, and says the current value
    const layers = wrapper.get('[data-testid="space-on-layers"]');
    expect(layers.element.closest('label')!.textContent!.trim()).toBe('Search Layers');
    expect(wrapper.get(`#${layers.attributes('aria-describedby')}`).text()).toBe('now 2');
    expect((wrapper.get('[data-testid="space-on-hiddenSize"]').element as HTMLInputElement).checked).toBe(true);
    expect((wrapper.get('[data-testid="space-from-hiddenSize"]').element as HTMLInputElement).value).toBe('16');
    expect((wrapper.get('[data-testid="space-to-hiddenSize"]').element as HTMLInputElement).value).toBe('64');
    expect((wrapper.get('[data-testid="space-log-hiddenSize"]').element as HTMLInputElement).checked).toBe(true);
    // every field is named for its setting (a screen reader hears “Hidden size from”, not “from”)
    expect(wrapper.get('[data-testid="space-from-hiddenSize"]').element.closest('label')!.textContent!.replace(/\s+/g, ' ').trim()).toBe('Hidden size from');
    expect(wrapper.get('[data-testid="space-log-hiddenSize"]').element.closest('label')!.textContent!.replace(/\s+/g, ' ').trim()).toBe('Hidden size: log scale');

    // turn layers on (from the current 2), and give it a bound past its limit: the problem is said beside it
    await layers.setValue(true);
    expect((wrapper.get('[data-testid="space-from-layers"]').element as HTMLInputElement).value).toBe('1');
    expect((wrapper.get('[data-testid="space-to-layers"]').element as HTMLInputElement).value).toBe('4');
    await wrapper.get('[data-testid="space-to-layers"]').setValue('12');
    const error = wrapper.get('[data-testid="space-error-layers"]');
    expect(error.attributes('role')).toBe('alert');
    expect(error.text()).toBe('Layers “1..12”: the search space\'s upper bound 12 is out of range: expected an integer from 1 to 8');
    expect(wrapper.get('[data-testid="space-to-layers"]').attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('[data-testid="space-to-layers"]').attributes('aria-describedby')).toBe('space-error-layers');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(fake.calls.some((c) => c.method === 'startSweep')).toBe(false);
    await wrapper.get('[data-testid="space-to-layers"]').setValue('3');
    expect(wrapper.find('[data-testid="space-error-layers"]').text()).toBe('');

    // the choices of a choice setting are checkboxes; the text view follows every change
    await wrapper.get('[data-testid="space-value-cell-rnn"]').setValue(false);
    await wrapper.get('[data-testid="space-on-learningRate"]').setValue(false);
    await wrapper.get('[data-testid="sweep-space-as-text"]').trigger('click');
    expect(wrapper.get('[data-testid="sweep-space-as-text"]').attributes('aria-expanded')).toBe('true');
    expect(text()).toMatch(/^cell=lstm,gru,\S* layers=1\.\.3 hidden=16\.\.64:log$/);
    expect(text()).not.toMatch(/rnn/);

    // and the rows follow the text typed
    await wrapper.get('[data-testid="sweep-space"]').setValue('cell=gru,lstm dropout=0..0.4 layers=2..3');
    expect((wrapper.get('[data-testid="space-on-hiddenSize"]').element as HTMLInputElement).checked).toBe(false);
    expect((wrapper.get('[data-testid="space-to-dropout"]').element as HTMLInputElement).value).toBe('0.4');
    expect((wrapper.get('[data-testid="space-value-cell-rnn"]').element as HTMLInputElement).checked).toBe(false);
    expect((wrapper.get('[data-testid="space-value-cell-gru"]').element as HTMLInputElement).checked).toBe(true);
    await wrapper.get('[data-testid="sweep-space"]').setValue('cell=gru,lstm dropout=0..');
    expect(wrapper.get('[data-testid="sweep-space-error"]').text()).toMatch(/^Dropout “0\.\.”: /);
    await wrapper.get('[data-testid="sweep-space"]').setValue('cell=gru,lstm dropout=0..0.4 layers=2..3');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(fake.calls.find((c) => c.method === 'startSweep')?.args[0]).toMatchObject({ space: 'cell=gru,lstm dropout=0..0.4 layers=2..3' });
    useSweepsStore().stopPolling();
    wrapper.unmount();
  });
});
