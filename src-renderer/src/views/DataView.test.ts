// @vitest-environment happy-dom
// DataView: opens on the saved dataset with the importer's proposal and the training pairs as built with the
// choices, a changed choice is read again, a file that cannot be read is explained (role=alert) while the previous
// dataset stays, progress shows while reading, and "Accept proposal" moves on to Design.

import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS } from '../../../src-shared/model';
import { setStudio } from '../host';
import { useAppStore } from '../stores/useAppStore';
import { DEFAULT_MODEL, useProjectStore } from '../stores/useProjectStore';
import { createFakeStudio, type FakeStudio, SAMPLE_INSPECTION } from '../testing/fakeStudio';
import DataView from './DataView.vue';

/** The control a label names: by its `for` id, or the one it wraps (check boxes). */
function control(wrapper: ReturnType<typeof mount>, name: string) {
  const label = wrapper.findAll('label').find((l) => l.text().trim() === name);
  if (!label) throw new Error(`no control labelled ${name}`);
  const id = label.attributes('for');
  return id ? wrapper.get(`#${id}`) : label.get('input, select, textarea');
}

describe('DataView', () => {
  let fake: FakeStudio;
  beforeEach(() => {
    setActivePinia(createPinia());
    fake = createFakeStudio();
    fake.projectInfo = { ...fake.projectInfo, current: { datasetId: 'd1', data: { format: 'auto', valFraction: 0.1 }, model: DEFAULT_MODEL, settings: DEFAULT_TRAIN_SETTINGS } };
    setStudio(fake);
  });
  afterEach(() => vi.useRealTimers());

  it('shows the proposal with the controls that apply to running text', async () => {
    const wrapper = mount(DataView);
    await flushPromises();
    expect(wrapper.get('[data-testid="proposal-task"]').text()).toBe('predict the next character of the text');
    expect(wrapper.get('[data-testid="training-pairs"]').text()).toContain('To be or');
    expect(wrapper.get('[data-testid="chosen-summary"]').text()).toContain('vocabulary 40');
    for (const label of ['Problem shape', 'Lookback', 'Tokens', 'Vocabulary cap', 'Validation fraction', 'Test fraction']) control(wrapper, label);
    expect(wrapper.text()).not.toContain('Target column');
    expect(wrapper.text()).not.toContain('Horizon');
    expect(wrapper.findAll('button').some((b) => b.attributes('aria-label') === 'Use sample Tiny text')).toBe(true);
  });

  it('shows the training pairs of the data as built with the choices, else the proposal\'s', async () => {
    const wrapper = mount(DataView);
    await flushPromises();
    expect(wrapper.get('[data-testid="training-pairs"]').text()).toContain('next characters "o be or not to "');
    fake.inspection = { ...SAMPLE_INSPECTION, chosen: { ...SAMPLE_INSPECTION.chosen!, pairs: undefined } };
    await useProjectStore().select('d1');
    await flushPromises();
    const pairs = wrapper.get('[data-testid="training-pairs"]').text();
    expect(pairs).toContain('o be or');
    expect(pairs).not.toContain('next characters');
  });

  it('reads the data again when a choice changes', async () => {
    vi.useFakeTimers();
    const wrapper = mount(DataView);
    await vi.runAllTimersAsync();
    await control(wrapper, 'Lookback').setValue('100');
    await vi.advanceTimersByTimeAsync(350);
    expect(fake.calls.at(-1)?.args).toEqual(['d1', 'auto', { valFraction: 0.1, lookback: 100, batchSize: 32 }]);
  });

  it('offers differencing for a series, and the check box sets `difference`', async () => {
    vi.useFakeTimers();
    fake.inspection = {
      ...SAMPLE_INSPECTION,
      format: 'csv',
      proposal: { ...SAMPLE_INSPECTION.proposal, file: 'co2.csv', kind: 'table', shape: 'many-to-one', task: 'forecast "co2" one step ahead', choice: { target: 'co2', input: ['co2'], lookback: 52 }, columns: [{ name: 'date', type: 'date', missing: 0 }, { name: 'co2', type: 'numeric', missing: 0 }] },
      chosen: undefined,
    };
    const wrapper = mount(DataView);
    await vi.runAllTimersAsync();
    const box = control(wrapper, 'Difference: predict the change');
    expect(wrapper.text()).toContain('the forecast is the last value + the change');
    await box.setValue(true);
    await vi.advanceTimersByTimeAsync(350);
    expect(fake.calls.at(-1)?.args).toEqual(['d1', 'auto', { valFraction: 0.1, difference: true, batchSize: 32 }]);
  });

  it('offers no differencing for running text', async () => {
    const wrapper = mount(DataView);
    await flushPromises();
    expect(wrapper.text()).not.toContain('Difference: predict the change');
  });

  it('explains a file that cannot be read and keeps the dataset selected', async () => {
    const wrapper = mount(DataView);
    await flushPromises();
    fake.failNext.set('inspectDataset', 'bad.csv, line 3: expected 2 fields, found 5');
    await useProjectStore().addFiles([new File(['a,b\n'], 'bad.csv')]);
    await flushPromises();
    expect(wrapper.get('[data-testid="data-error"]').attributes('role')).toBe('alert');
    expect(wrapper.get('[data-testid="data-error"]').text()).toContain('bad.csv, line 3: expected 2 fields, found 5');
    expect(wrapper.get('[data-testid="data-error"]').text()).toContain('tiny.txt is still selected');
    expect(wrapper.get('[aria-current="true"]').text()).toContain('tiny.txt');
  });

  it('shows progress while reading a large file', async () => {
    const wrapper = mount(DataView);
    await flushPromises();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    fake.inspectDataset = async () => {
      await gate;
      return SAMPLE_INSPECTION;
    };
    const selecting = useProjectStore().select('d1');
    fake.emitImport({ datasetId: 'd1', bytesRead: 256 * 1024, bytesTotal: 1024 * 1024, rows: 5000 });
    await flushPromises();
    const bar = wrapper.get('[role="progressbar"]');
    expect(bar.attributes('aria-valuenow')).toBe('25');
    expect(wrapper.get('[data-testid="import-progress"]').text()).toContain('256 KiB of 1.0 MiB, 5,000 rows');
    release();
    await selecting;
    await flushPromises();
    expect(wrapper.find('[role="progressbar"]').exists()).toBe(false);
  });

  it('moves to Design when the proposal is accepted', async () => {
    const wrapper = mount(DataView);
    await flushPromises();
    await wrapper.findAll('button').find((b) => b.text() === 'Accept proposal')!.trigger('click');
    expect(useAppStore().screen).toBe('design');
  });
});
