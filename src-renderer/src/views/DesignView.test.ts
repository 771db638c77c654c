// @vitest-environment happy-dom
// DesignView: the data's shape is preselected among five named radio buttons, choosing another asks for it, the
// cell diagram follows the cell, and Undo / Redo work from the buttons and from Ctrl+Z / Ctrl+Y.

import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS } from '../../../src-shared/model';
import { setStudio } from '../host';
import { useAppStore } from '../stores/useAppStore';
import { DEFAULT_MODEL, useProjectStore } from '../stores/useProjectStore';
import { createFakeStudio, type FakeStudio } from '../testing/fakeStudio';
import DesignView from './DesignView.vue';

describe('DesignView', () => {
  let fake: FakeStudio;
  beforeEach(async () => {
    setActivePinia(createPinia());
    fake = createFakeStudio();
    fake.projectInfo = { ...fake.projectInfo, current: { datasetId: 'd1', data: { format: 'auto', valFraction: 0.1 }, model: DEFAULT_MODEL, settings: DEFAULT_TRAIN_SETTINGS } };
    setStudio(fake);
    await useProjectStore().load();
    useAppStore().show('design');
  });
  afterEach(() => vi.useRealTimers());

  it('preselects the data shape and asks for another when chosen', async () => {
    vi.useFakeTimers();
    const wrapper = mount(DesignView);
    const radios = wrapper.findAll('input[type="radio"]');
    expect(radios.map((r) => r.attributes('aria-label'))).toEqual(['One to one', 'One to many', 'Many to one', 'Many to many', 'Encoder–decoder']);
    expect((radios[3].element as HTMLInputElement).checked).toBe(true);
    await radios[2].setValue(true);
    await vi.advanceTimersByTimeAsync(350);
    expect(fake.calls.at(-1)?.args[2]).toMatchObject({ shape: 'many-to-one' });
  });

  it('draws the chosen cell with its gates', async () => {
    const wrapper = mount(DesignView);
    expect(wrapper.get('#cell-heading').text()).toContain('LSTM');
    expect(wrapper.text()).toContain('forget gate');
    expect(wrapper.text()).toContain('cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ');
    useProjectStore().setModel({ cell: 'gru' });
    await flushPromises();
    expect(wrapper.text()).toContain('hₜ = (1 − zₜ) ⊙ nₜ + zₜ ⊙ hₜ₋₁');
    useProjectStore().setModel({ cell: 'rnn' });
    await flushPromises();
    expect(wrapper.text()).toContain('hₜ = tanh(Wx·xₜ + Wh·hₜ₋₁ + b)');
  });

  it('draws every cell of the registry, the peephole LSTM with its peepholes', async () => {
    const wrapper = mount(DesignView);
    const options = wrapper.findAll('#design-cell option').map((o) => o.attributes('value'));
    expect(options).toEqual(['rnn', 'lstm', 'gru', 'peephole']);
    useProjectStore().setModel({ cell: 'peephole' });
    await flushPromises();
    expect(wrapper.get('#cell-heading').text()).toContain('Peephole LSTM');
    expect(wrapper.text()).toContain('iₜ = σ(Wxᵢ·xₜ + Whᵢ·hₜ₋₁ + pᵢ ⊙ cₜ₋₁ + bᵢ)');
    expect(wrapper.text()).toContain('oₜ = σ(Wxₒ·xₜ + Whₒ·hₜ₋₁ + pₒ ⊙ cₜ + bₒ)');
    expect(wrapper.get('figure svg').attributes('aria-label')).toMatch(/peepholes from the old memory into the forget and input gates/);
    expect(wrapper.findAll('figure .peep')).toHaveLength(3);
    expect(wrapper.find('#design-forget-bias').exists()).toBe(true); // it has a forget gate
  });

  it('undoes and redoes with the buttons and the keyboard, but not while typing', async () => {
    const wrapper = mount(DesignView, { attachTo: document.body });
    const project = useProjectStore();
    const button = (name: string) => wrapper.findAll('button').find((b) => b.text() === name)!;
    expect(button('Undo').attributes('disabled')).toBeDefined();
    project.setModel({ layers: 3 });
    await flushPromises();
    await button('Undo').trigger('click');
    expect(project.model.layers).toBe(1);
    await button('Redo').trigger('click');
    expect(project.model.layers).toBe(3);

    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true }));
    expect(project.model.layers).toBe(1);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'y', ctrlKey: true }));
    expect(project.model.layers).toBe(3);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true }));
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Z', ctrlKey: true, shiftKey: true }));
    expect(project.model.layers).toBe(3);

    const hidden = wrapper.get('#design-hidden-size');
    hidden.element.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true, bubbles: true }));
    expect(project.model.layers).toBe(3);
    wrapper.unmount();
  });
});
