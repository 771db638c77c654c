// @vitest-environment happy-dom
// The Train screen with a fake studio (ECharts stubbed: happy-dom has no canvas): the empty state, settings checked
// as typed, starting a run and watching its charts fill, run controls named after their run, deleting after a
// confirmation, and a diverged run explained and announced.

import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setStudio } from '../host';
import { useProjectStore } from '../stores/useProjectStore';
import { useRunsStore } from '../stores/useRunsStore';
import { createFakeStudio, type FakeStudio, fakeRun } from '../testing/fakeStudio';
import { diagnosticsEvent, runEvents, stepEvent } from '../testing/runEvents';
import { VCHART_STUBS } from '../testing/VChartStub';
import TrainView from './TrainView.vue';

describe('TrainView', () => {
  let fake: FakeStudio;
  let pinia: ReturnType<typeof createPinia>;
  beforeEach(() => {
    pinia = createPinia();
    setActivePinia(pinia);
    fake = createFakeStudio();
    setStudio(fake);
  });
  afterEach(() => {
    useRunsStore().dispose();
    vi.restoreAllMocks();
  });

  const mountView = async () => {
    const wrapper = mount(TrainView, { attachTo: document.body, global: { plugins: [pinia], stubs: VCHART_STUBS } });
    await flushPromises();
    return wrapper;
  };
  const button = (wrapper: Awaited<ReturnType<typeof mountView>>, name: string) => wrapper.findAll('button').find((b) => (b.attributes('aria-label') ?? b.text()) === name);

  it('tells the person what to do first, and why Start is disabled', async () => {
    const wrapper = await mountView();
    expect(wrapper.get('[data-testid="train-empty"]').text()).toBe('Pick a dataset on the Data screen, design a model, then start training.');
    const start = button(wrapper, 'Start training')!;
    expect(start.attributes('disabled')).toBeDefined();
    expect(wrapper.get('[data-testid="start-reason"]').text()).toBe('Pick a dataset on the Data screen first.');
    expect(start.attributes('aria-describedby')).toBe('run-settings-reason');
    // every setting has a label
    for (const label of ['Optimizer', 'Learning rate', 'Batch size', 'Sequence length', 'Steps', 'Gradient clipping (0 = off)', 'Warm-up steps', 'Decay', 'Weight decay', 'Seed', 'Evaluate every', 'Diagnostics every']) {
      const l = wrapper.findAll('label').find((x) => x.text() === label);
      expect(l, label).toBeDefined();
      expect(wrapper.find(`#${l!.attributes('for')}`).exists(), label).toBe(true);
    }
    wrapper.unmount();
  });

  it('checks settings as they are typed and keeps the last good value', async () => {
    const project = useProjectStore();
    await project.load();
    project.datasetId = 'd1';
    const wrapper = await mountView();
    const lr = wrapper.get('#setting-learningRate');
    await lr.setValue('0');
    expect(wrapper.get('#setting-learningRate-error').text()).toBe('Learning rate must be > 0 and < 10.');
    expect(lr.attributes('aria-invalid')).toBe('true');
    expect(project.settings.learningRate).toBe(2e-3);
    expect(button(wrapper, 'Start training')!.attributes('disabled')).toBeDefined();
    expect(wrapper.get('[data-testid="start-reason"]').text()).toBe('Fix the settings marked above first.');
    await lr.setValue('0.01');
    expect(wrapper.find('#setting-learningRate-error').exists()).toBe(false);
    expect(project.settings.learningRate).toBe(0.01);
    await wrapper.get('#setting-steps').setValue('2.5');
    expect(wrapper.get('#setting-steps-error').text()).toBe('Steps must be a whole number from 1 to 10,000,000.');
    await wrapper.get('#setting-steps').setValue('20000000');
    expect(wrapper.find('#setting-steps-error').exists()).toBe(true);
    await wrapper.get('#setting-steps').setValue('500');
    expect(project.settings.steps).toBe(500);
    // options that apply only to some choices appear with them
    expect(wrapper.find('#setting-momentum').exists()).toBe(false);
    await wrapper.get('#setting-optimizer').setValue('sgd');
    expect(project.settings.optimizer).toBe('sgd');
    expect(wrapper.find('#setting-momentum').exists()).toBe(true);
    await wrapper.get('#setting-decay').setValue('cosine');
    expect(wrapper.find('#setting-minLearningRate').exists()).toBe(true);
    wrapper.unmount();
  });

  it('stops early after N evaluations and takes a time budget as a duration, checked like the others', async () => {
    const project = useProjectStore();
    await project.load();
    project.datasetId = 'd1';
    const wrapper = await mountView();
    for (const label of ['Stop early after N evaluations without improvement', 'Time budget']) {
      const l = wrapper.findAll('label').find((x) => x.text() === label);
      expect(l, label).toBeDefined();
      expect(wrapper.find(`#${l!.attributes('for')}`).exists(), label).toBe(true);
    }
    const patience = wrapper.get('#setting-patience');
    expect((patience.element as HTMLInputElement).value).toBe('0');
    await patience.setValue('2.5');
    expect(wrapper.get('#setting-patience-error').text()).toBe('Stop early after must be a whole number of evaluations from 0 (never) to 1,000,000.');
    expect(wrapper.get('[data-testid="start-reason"]').text()).toBe('Fix the settings marked above first.');
    await patience.setValue('5');
    expect(project.settings.patience).toBe(5);
    const budget = wrapper.get('#setting-timeBudgetSeconds');
    expect(budget.attributes('type')).toBe('text');
    expect((budget.element as HTMLInputElement).value).toBe('0');
    await budget.setValue('5x');
    expect(wrapper.get('#setting-timeBudgetSeconds-error').text()).toBe('Time budget must be a duration such as 90s, 5m or 1h30m (at most 2,777h), or 0 for none.');
    expect(budget.attributes('aria-invalid')).toBe('true');
    expect(project.settings.timeBudgetSeconds).toBe(0);
    await budget.setValue('1h 30m');
    expect(wrapper.find('#setting-timeBudgetSeconds-error').exists()).toBe(false);
    expect(project.settings.timeBudgetSeconds).toBe(5400);
    await budget.trigger('change');
    expect((budget.element as HTMLInputElement).value).toBe('1h30m');
    expect(wrapper.find('[data-testid="start-reason"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('says in the list and the status that a run stopped early with its best model restored', async () => {
    fake.runs = [fakeRun('a', { name: 'GRU 1×64 on tiny.txt', status: 'running', totalSteps: 5000, settings: { ...useProjectStore().settings, patience: 3 } })];
    const wrapper = await mountView();
    const runs = useRunsStore();
    for (const e of runEvents(40)) fake.emit('a', e.type === 'evaluation' ? { ...e, bestStep: 20 } : e);
    fake.emit('a', { type: 'evaluation', step: 40, valLoss: 0.1, metrics: { accuracy: 0.2 }, bestStep: 20, restored: true });
    fake.emit('a', { type: 'done', reason: 'finished', step: 40 });
    fake.emit('a', {
      type: 'status',
      run: { ...runs.runs[0], status: 'finished', step: 40, summary: { type: 'summary', steps: 40, seconds: 4, trainLoss: 0.1, valLoss: 0.1, tokensPerSecond: 5000, metrics: { accuracy: 0.2 }, runDir: '/r', stopReason: 'early-stopped', bestStep: 20, restoredBest: true } },
    });
    runs.flush();
    await flushPromises();
    expect(wrapper.get('[data-testid="run-a"] .run-list-detail').text()).toBe('stopped early · step 40 / 5,000 · accuracy 20.0% · restored best (step 20)');
    expect(wrapper.get('[data-testid="run-status-badge"]').text()).toBe('Stopped early');
    expect(wrapper.get('[data-testid="run-restored"]').text()).toBe('restored best (step 20)');
    wrapper.unmount();
  });

  it('starts a run, selects it and draws its charts as events arrive', async () => {
    const project = useProjectStore();
    await project.load();
    project.datasetId = 'd1';
    const wrapper = await mountView();
    expect(wrapper.text()).toContain('Trains LSTM 1×128 on tiny.txt.');
    await button(wrapper, 'Start training')!.trigger('click');
    await flushPromises();
    expect(fake.calls.some((c) => c.method === 'startRun')).toBe(true);
    const runs = useRunsStore();
    expect(runs.selectedId).toBe('run-1');
    expect(wrapper.get('[data-testid="run-status"]').text()).toContain('Starting');
    for (const e of runEvents(40)) fake.emit('run-1', e);
    runs.flush();
    await flushPromises();
    expect(wrapper.get('[role="progressbar"]').attributes('aria-valuenow')).toBe('40');
    for (const id of ['chart-loss', 'chart-metric', 'chart-gradient-flow', 'chart-grad-norm', 'chart-layer-norms', 'chart-gates', 'chart-learning-rate']) {
      const chart = wrapper.get(`[data-testid="${id}"]`);
      expect(chart.attributes('role'), id).toBe('img');
      expect(chart.attributes('aria-label'), id).toMatch(/ (chart|heat map)\b/); // says what it shows
    }
    // the charts redraw on the next animation frame (throttled), with downsampled series
    await new Promise((resolve) => setTimeout(resolve, 300));
    await flushPromises();
    expect(wrapper.findAll('.vchart-stub')).toHaveLength(7);
    expect(wrapper.get('[data-testid="chart-loss"] .vchart-stub').text()).toBe('training loss: 40training loss (smoothed): 40validation loss: 4');
    expect(wrapper.get('[data-testid="chart-loss"]').attributes('aria-label')).toMatch(/^Training loss chart: loss [\d.]+ at step 40, validation loss [\d.]+ at step 40$/);
    expect(wrapper.get('[data-testid="chart-gradient-flow"]').attributes('aria-label')).toMatch(/^Gradient flow heat map, Layer 1: ‖∂L\/∂hₜ‖ over 8 time steps for 8 training steps/);
    wrapper.unmount();
  });

  it('names each run control after its run, and deletes only after confirmation', async () => {
    fake.runs = [fakeRun('a', { name: 'RNN 1×64 on tiny.txt', status: 'running', createdAt: '2026-01-02T00:00:00Z' }), fakeRun('b', { name: 'GRU 1×64 on tiny.txt', status: 'stopped', resumable: true, createdAt: '2026-01-01T00:00:00Z' })];
    const wrapper = await mountView();
    expect(button(wrapper, 'Pause RNN 1×64 on tiny.txt')).toBeDefined();
    expect(button(wrapper, 'Stop RNN 1×64 on tiny.txt')).toBeDefined();
    expect(button(wrapper, 'Delete RNN 1×64 on tiny.txt')).toBeUndefined();
    expect(button(wrapper, 'Continue GRU 1×64 on tiny.txt')).toBeDefined();
    expect(button(wrapper, 'Pause GRU 1×64 on tiny.txt')).toBeUndefined();
    await button(wrapper, 'Pause RNN 1×64 on tiny.txt')!.trigger('click');
    expect(fake.calls.at(-1)).toEqual({ method: 'pauseRun', args: ['a'] });

    // selecting by keyboard is the button's own Enter; the selected run is marked
    await button(wrapper, 'GRU 1×64 on tiny.txt')!.trigger('click');
    await flushPromises();
    expect(useRunsStore().selectedId).toBe('b');
    expect(button(wrapper, 'GRU 1×64 on tiny.txt')!.attributes('aria-current')).toBe('true');

    const confirm = vi.fn().mockReturnValueOnce(false).mockReturnValueOnce(true);
    window.confirm = confirm;
    await button(wrapper, 'Delete GRU 1×64 on tiny.txt')!.trigger('click');
    await flushPromises();
    expect(fake.calls.some((c) => c.method === 'deleteRun')).toBe(false);
    await button(wrapper, 'Delete GRU 1×64 on tiny.txt')!.trigger('click');
    await flushPromises();
    expect(confirm).toHaveBeenCalledTimes(2);
    expect(fake.calls.filter((c) => c.method === 'deleteRun')).toEqual([{ method: 'deleteRun', args: ['b'] }]);
    expect(wrapper.find('[data-testid="run-b"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('explains a diverged run and announces it', async () => {
    fake.runs = [fakeRun('a', { name: 'RNN 1×64 on tiny.txt', status: 'running' })];
    const wrapper = await mountView();
    fake.emit('a', stepEvent(1));
    fake.emit('a', { type: 'done', reason: 'diverged', step: 2, nonFinite: { step: 2, phase: 'loss', tensor: 'loss' } });
    await flushPromises();
    expect(wrapper.get('[data-testid="run-problem"]').text()).toBe(
      'Diverged at step 2: non-finite loss in loss. Fork it from its best checkpoint with a lower learning rate or stronger clipping.',
    );
    expect(wrapper.get('[data-testid="train-announcer"]').text()).toBe('RNN 1×64 on tiny.txt diverged at step 2.');
    expect(wrapper.get('[data-testid="train-announcer"]').attributes('aria-live')).toBe('polite');
    wrapper.unmount();
  });

  it('writes the selected run\'s training bundle, says what to run, and imports what PyTorch trained as a run', async () => {
    fake.runs = [fakeRun('a', { name: 'LSTM 1×64 on tiny.txt', status: 'finished' })];
    const wrapper = await mountView();
    await button(wrapper, 'LSTM 1×64 on tiny.txt')!.trigger('click');
    await flushPromises();
    await button(wrapper, 'Export training bundle…')!.trigger('click');
    await flushPromises();
    expect(fake.calls.at(-1)).toEqual({ method: 'bundleRun', args: ['a'] });
    expect(wrapper.get('[data-testid="bundle-dir"]').text()).toBe('/project/bundles/a');
    expect(wrapper.get('[data-testid="bundle-result"]').text()).toContain('torchrun --standalone --nproc_per_node 2');
    // the import field is filled with where train.py writes
    expect((wrapper.get('[data-testid="bundle-import-dir"]').element as HTMLInputElement).value).toBe('bundles/a/output');
    await wrapper.findAll('form').find((f) => f.find('[data-testid="bundle-import"]').exists())!.trigger('submit');
    await flushPromises();
    expect(fake.calls.find((c) => c.method === 'importRun')?.args).toEqual(['bundles/a/output']);
    expect(useRunsStore().selectedId).toBe('imported');
    expect(button(wrapper, 'imported from PyTorch')).toBeDefined();
    wrapper.unmount();
  });
  it('lets a person choose which validation example’s attention alignment to watch, live', async () => {
    fake.runs = [fakeRun('a', { name: 'GRU 1×32 on eng-fra.tsv', status: 'running', totalSteps: 100 })];
    const wrapper = await mountView();
    const runs = useRunsStore();
    const alignment = (source: string, target: string[]) => ({ source: [...source], target, weights: target.flatMap((_, y) => [...source].map((__, x) => (x === y % source.length ? 1 : 0))), reference: target });
    const diagnostics = (step: number) => ({ ...diagnosticsEvent(step), alignments: [alignment('Go.', ['Va', '!']), alignment('Hi.', ['Salut', '.', '<eos>'])] });
    fake.emit('a', stepEvent(1));
    fake.emit('a', diagnostics(5));
    runs.flush();
    await flushPromises();
    const select = wrapper.get('[data-testid="alignment-example"]');
    expect(select.findAll('option').map((o) => o.text())).toEqual(['1. Go.', '2. Hi.']);
    expect(wrapper.get('[data-testid="chart-alignment"]').attributes('aria-label')).toMatch(/^Attention alignment of 2 output tokens over 3 source tokens: “Va” mostly from “G”/);
    await select.setValue('1');
    expect(wrapper.get('[data-testid="chart-alignment"]').attributes('aria-label')).toMatch(/^Attention alignment of 3 output tokens over 3 source tokens: “Salut” mostly from “H”/);
    expect(wrapper.text()).toContain('validation example 2');
    // the next diagnostics keep the chosen example
    fake.emit('a', diagnostics(10));
    runs.flush();
    await flushPromises();
    expect(wrapper.get('[data-testid="chart-alignment"]').attributes('aria-label')).toMatch(/“Salut”/);
    // a run saved before several examples were kept shows its one alignment, without a choice
    fake.emit('a', { ...diagnosticsEvent(15), alignment: alignment('Run!', ['Cours', '!']) });
    runs.flush();
    await flushPromises();
    expect(wrapper.find('[data-testid="alignment-example"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="chart-alignment"]').attributes('aria-label')).toMatch(/“Cours” mostly from “R”/);
    wrapper.unmount();
  });
});
