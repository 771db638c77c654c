// @vitest-environment happy-dom
// DesignLayerStack: the controls change the design in the store, and the live cost follows (Hidden size → the
// parameter count); Forget-gate bias only for LSTM; problems are listed as an alert.

import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS } from '../../../../src-shared/model';
import { setStudio } from '../../host';
import { DEFAULT_MODEL, useProjectStore } from '../../stores/useProjectStore';
import { createFakeStudio } from '../../testing/fakeStudio';
import DesignLayerStack from './DesignLayerStack.vue';

/** The control a label names: by its `for` id, or the one it wraps (check boxes). */
function control(wrapper: ReturnType<typeof mount>, name: string) {
  const label = wrapper.findAll('label').find((l) => l.text().trim() === name);
  if (!label) throw new Error(`no control labelled ${name}`);
  const id = label.attributes('for');
  return id ? wrapper.get(`#${id}`) : label.get('input, select, textarea');
}

describe('DesignLayerStack', () => {
  beforeEach(async () => {
    setActivePinia(createPinia());
    const fake = createFakeStudio();
    fake.projectInfo = { ...fake.projectInfo, current: { datasetId: 'd1', data: { format: 'auto', valFraction: 0.1 }, model: DEFAULT_MODEL, settings: DEFAULT_TRAIN_SETTINGS } };
    setStudio(fake);
    await useProjectStore().load();
  });

  it('updates the parameter count when the hidden size changes', async () => {
    const wrapper = mount(DesignLayerStack);
    const count = () => wrapper.get('[data-testid="parameter-count"]').attributes('title');
    // vocabulary 40, embedding 40, LSTM 128: 40·40 + 512·(40+128) + 2·512 + 40·128 + 40
    expect(count()).toBe((1600 + 512 * 168 + 1024 + 5120 + 40).toLocaleString());
    await control(wrapper, 'Hidden size').setValue('64');
    expect(useProjectStore().model.hiddenSize).toBe(64);
    expect(count()).toBe((1600 + 256 * 104 + 512 + 2560 + 40).toLocaleString());
    expect(wrapper.get('[data-testid="training-memory"]').text()).toMatch(/[KMG]iB/);
    expect(wrapper.findAll('.stack li').map((l) => l.find('.title').text())).toEqual(['Input', 'Embedding', 'LSTM layer 1', 'Head']);
  });

  it('shows the forget-gate bias for LSTM only, and lists the problems', async () => {
    const wrapper = mount(DesignLayerStack);
    expect(wrapper.text()).toContain('Forget-gate bias');
    await control(wrapper, 'Cell').setValue('gru');
    expect(wrapper.text()).not.toContain('Forget-gate bias');
    await control(wrapper, 'Bidirectional').setValue(true);
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toContain('A bidirectional model cannot predict the next step');
  });

  it('encoder–decoder data: the attention choice and, beside it, input feeding (a check box, off without attention)', async () => {
    setActivePinia(createPinia());
    const fake = createFakeStudio();
    const chosen = { ...fake.inspection.chosen!, shape: 'encoder-decoder' as const, stateful: false, model: { shape: 'encoder-decoder' as const, input: { vocabSize: 30, embedSize: 8, featureSize: 0 }, output: { kind: 'classes' as const, size: 20 }, decoder: { vocabSize: 20, embedSize: 8 } } };
    fake.inspection = { ...fake.inspection, chosen };
    fake.projectInfo = { ...fake.projectInfo, current: { datasetId: 'd1', data: { format: 'auto', valFraction: 0.1 }, model: { ...DEFAULT_MODEL, attention: 'none' }, settings: DEFAULT_TRAIN_SETTINGS } };
    setStudio(fake);
    await useProjectStore().load();
    const wrapper = mount(DesignLayerStack);
    await flushPromises();
    const feed = control(wrapper, 'Input feeding');
    expect(feed.attributes('disabled')).toBeDefined();
    expect(wrapper.text()).toContain('Needs an attention');
    await control(wrapper, 'Attention').setValue('bahdanau');
    expect(useProjectStore().model.attention).toBe('bahdanau');
    expect(feed.attributes('disabled')).toBeUndefined();
    const decoderInput = () => wrapper.findAll('.stack li').find((l) => l.find('.title').text() === 'Decoder LSTM layer 1')!.find('.detail').text();
    expect(decoderInput()).toMatch(/input 8$/);
    await feed.setValue(true);
    expect(useProjectStore().model.inputFeeding).toBe(true);
    expect(decoderInput()).toMatch(/input 136$/); // the embedding (8) and h̃ (128)
    expect(wrapper.get('#design-input-feeding-hint').text()).toMatch(/previous step’s attentional state/);
  });
});
