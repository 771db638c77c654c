// @vitest-environment happy-dom
// The Compare screen with a fake studio (ECharts stubbed: happy-dom has no canvas): runs grouped by dataset, ticking
// them loads their history and overlays one line per run, and the table sets their figures against the baseline.

import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setStudio } from '../host';
import { useRunsStore } from '../stores/useRunsStore';
import { createFakeStudio, type FakeStudio, fakeRun } from '../testing/fakeStudio';
import { runEvents } from '../testing/runEvents';
import { VCHART_STUBS } from '../testing/VChartStub';
import CompareView from './CompareView.vue';

describe('CompareView', () => {
  let fake: FakeStudio;
  let pinia: ReturnType<typeof createPinia>;
  beforeEach(() => {
    pinia = createPinia();
    setActivePinia(pinia);
    fake = createFakeStudio();
    setStudio(fake);
  });
  afterEach(() => useRunsStore().dispose());

  it('says what to do when there is nothing to compare', async () => {
    const wrapper = mount(CompareView, { global: { plugins: [pinia], stubs: VCHART_STUBS } });
    await flushPromises();
    expect(wrapper.get('[data-testid="compare-empty"]').text()).toMatch(/^No runs yet/);
  });

  it('overlays the ticked runs, one line per run, and tabulates them against the baseline', async () => {
    const baseline = { name: 'most frequent character', metrics: { accuracy: 0.2 } };
    const model = { embedSize: 0, bidirectional: false, dropout: 0, forgetBias: 1, layers: 1, hiddenSize: 64 };
    fake.runs = [
      fakeRun('rnn', { name: 'RNN 1×64 on tiny.txt', model: { ...model, cell: 'rnn' }, baseline, parameterCount: 7000, status: 'finished', step: 40, totalSteps: 40 }),
      fakeRun('gru', { name: 'GRU 1×64 on tiny.txt', model: { ...model, cell: 'gru' }, baseline, parameterCount: 21000, status: 'finished', step: 40, totalSteps: 40 }),
      fakeRun('other', { name: 'LSTM 1×64 on series.csv', datasetId: 'd2', datasetName: 'series.csv' }),
    ];
    fake.histories.set('rnn', { run: fake.runs[0], events: runEvents(40) });
    fake.histories.set('gru', { run: fake.runs[1], events: runEvents(20) });
    const wrapper = mount(CompareView, { global: { plugins: [pinia], stubs: VCHART_STUBS } });
    await flushPromises();
    expect(wrapper.findAll('legend').map((l) => l.text())).toEqual(['tiny.txt', 'series.csv']);
    const box = (name: string) => wrapper.findAll('label.compare-run').find((l) => l.text().startsWith(name))!.get('input');
    await box('RNN 1×64 on tiny.txt').setValue(true);
    await box('GRU 1×64 on tiny.txt').setValue(true);
    await flushPromises();
    expect(useRunsStore().compareIds).toEqual(['rnn', 'gru']);

    const loss = wrapper.get('[data-testid="chart-compare-loss"]');
    expect(loss.attributes('role')).toBe('img');
    expect(loss.attributes('aria-label')).toBe('Training loss (smoothed) of 2 runs overlaid: RNN 1×64, GRU 1×64');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await flushPromises();
    expect(loss.findAll('li').map((li) => li.text())).toEqual(['RNN 1×64: 40', 'GRU 1×64: 20']);
    expect(wrapper.get('[data-testid="chart-compare-metric"] .vchart-stub').text()).toBe('RNN 1×64: 4GRU 1×64: 2');

    const cells = wrapper.findAll('[data-testid="compare-table"] tbody tr').map((tr) => tr.findAll('th, td').map((c) => c.text()));
    expect(cells[0].slice(0, 6)).toEqual(['RNN 1×64', 'RNN', '1', '64', '7,000', '40 / 40']);
    expect(cells[0][9]).toBe('40.0% vs 20.0% (most frequent character)');
    expect(cells[1][9]).toBe('20.0% vs 20.0% (most frequent character)');
    expect(wrapper.get('[data-testid="compare-table"] thead').text()).toContain('Accuracy vs baseline');

    await box('RNN 1×64 on tiny.txt').setValue(false);
    expect(wrapper.findAll('[data-testid="compare-table"] tbody tr')).toHaveLength(1);
  });

  it('overlays a sweep’s trials sent from the Sweep screen, unpromoted ones included, beside the runs', async () => {
    const model = { embedSize: 0, bidirectional: false, dropout: 0, forgetBias: 1, layers: 1, hiddenSize: 64, cell: 'gru' as const };
    fake.runs = [fakeRun('gru', { name: 'GRU 1×64 on tiny.txt', model, status: 'finished', step: 40, totalSteps: 40 })];
    fake.histories.set('gru', { run: fake.runs[0], events: runEvents(40) });
    for (const [trial, steps] of [[2, 30], [5, 20]] as const) {
      const id = `sweep-7#${trial}`;
      fake.histories.set(id, { run: fakeRun(id, { name: `Trial ${trial}: hidden=${trial * 8}`, model, status: 'finished', step: steps, totalSteps: 40, trialOf: { sweepId: 'sweep-7', trial } }), events: runEvents(steps) });
    }
    const runs = useRunsStore();
    await runs.load();
    await runs.compareTrials('sweep-7', [2, 5]);
    expect(fake.calls.filter((c) => c.method === 'trialHistory').map((c) => c.args)).toEqual([['sweep-7', 2], ['sweep-7', 5]]);
    expect(fake.calls.some((c) => c.method === 'runHistory' && String(c.args[0]).includes('#'))).toBe(false); // one contract: trialHistory
    const wrapper = mount(CompareView, { global: { plugins: [pinia], stubs: VCHART_STUBS } });
    await flushPromises();
    expect(wrapper.findAll('legend').map((l) => l.text())).toEqual(['tiny.txt', 'Trials of sweep-7']);
    const box = (name: string) => wrapper.findAll('label.compare-run').find((l) => l.text().startsWith(name))!.get('input');
    expect((box('Trial 2').element as HTMLInputElement).checked).toBe(true);
    await box('GRU 1×64 on tiny.txt').setValue(true);
    await flushPromises();
    expect(runs.compareIds).toEqual(['sweep-7#2', 'sweep-7#5', 'gru']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await flushPromises();
    expect(wrapper.get('[data-testid="chart-compare-loss"]').findAll('li').map((li) => li.text())).toEqual(['Trial 2: hidden=16: 30', 'Trial 5: hidden=40: 20', 'GRU 1×64: 40']);
    expect(wrapper.findAll('[data-testid="compare-table"] tbody tr')).toHaveLength(3);
    // unticked, a trial stays listed to tick again (its curves kept)
    await box('Trial 5').setValue(false);
    expect(runs.compareIds).toEqual(['sweep-7#2', 'gru']);
    await box('Trial 5').setValue(true);
    await flushPromises();
    expect(runs.compareIds).toEqual(['sweep-7#2', 'gru', 'sweep-7#5']);
    expect(fake.calls.filter((c) => c.method === 'trialHistory')).toHaveLength(2);
  });

  it('reads a running trial again until it ends, so its curves grow on Compare', async () => {
    const trialRun = (status: 'running' | 'finished') => fakeRun('sweep-7#3', { name: 'Trial 3: hidden=24', status, trialOf: { sweepId: 'sweep-7', trial: 3 } });
    fake.histories.set('sweep-7#3', { run: trialRun('running'), events: runEvents(10) });
    const runs = useRunsStore();
    await runs.load();
    await runs.compareTrials('sweep-7', [3]);
    expect(runs.seriesOf('sweep-7#3')?.steps.length).toBe(10);
    // the trial trains on in its sweep: the next read has more steps, then it has finished
    fake.histories.set('sweep-7#3', { run: trialRun('running'), events: runEvents(30) });
    await runs.refreshRunningTrials();
    expect(runs.seriesOf('sweep-7#3')?.steps.length).toBe(30);
    fake.histories.set('sweep-7#3', { run: trialRun('finished'), events: runEvents(40) });
    await runs.refreshRunningTrials();
    expect(runs.seriesOf('sweep-7#3')?.steps.length).toBe(40);
    const reads = fake.calls.filter((c) => c.method === 'trialHistory').length;
    await runs.refreshRunningTrials(); // finished: no more reads
    expect(fake.calls.filter((c) => c.method === 'trialHistory')).toHaveLength(reads);
  });
});
