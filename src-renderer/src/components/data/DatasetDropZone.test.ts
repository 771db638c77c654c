// @vitest-environment happy-dom
// DatasetDropZone: a file dropped on the region (or picked with Import dataset) reaches the project store, whose
// fake studio receives the bytes and reads the new dataset.

import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { setStudio } from '../../host';
import { useProjectStore } from '../../stores/useProjectStore';
import { createFakeStudio, type FakeStudio } from '../../testing/fakeStudio';
import DatasetDropZone from './DatasetDropZone.vue';

describe('DatasetDropZone', () => {
  let fake: FakeStudio;
  beforeEach(() => {
    setActivePinia(createPinia());
    fake = createFakeStudio();
    setStudio(fake);
  });

  it('sends a dropped file to the project and reads it', async () => {
    await useProjectStore().load();
    const wrapper = mount(DatasetDropZone);
    const zone = wrapper.get('[aria-label="Drop a dataset file here"]');
    await zone.trigger('dragover', { dataTransfer: { dropEffect: 'none', files: [] } });
    expect(zone.classes()).toContain('over');
    const file = new File(['t,load\n1,2\n2,3\n'], 'load.csv', { type: 'text/csv' });
    await zone.trigger('drop', { dataTransfer: { files: [file] } });
    await flushPromises();
    const sent = fake.calls.find((c) => c.method === 'addDatasetBytes');
    expect(sent?.args[0]).toBe('load.csv');
    const read = fake.calls.at(-1);
    expect([read?.method, ...(read?.args.slice(0, 2) ?? [])]).toEqual(['inspectDataset', 'd-load.csv', 'auto']);
    expect(useProjectStore().datasetId).toBe('d-load.csv');
    expect(zone.classes()).not.toContain('over');
  });

  it('offers a labelled file input behind the Import dataset button', async () => {
    const wrapper = mount(DatasetDropZone);
    const input = wrapper.get('input[type="file"]');
    expect(input.attributes('aria-label')).toBe('Import dataset file');
    expect(wrapper.get('button.primary').text()).toBe('Import dataset');
    // the web host has no system dialog
    expect(wrapper.text()).not.toContain('Choose file…');
  });
});
