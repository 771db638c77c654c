// @vitest-environment happy-dom
// useProjectStore with a fake studio: opening the project restores where the person was, a dropped file is sent
// and read, a rejected choice keeps what was there, design undo/redo, the estimate, and saving the choices.

import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Inspection } from '../../../src-shared/dataset';
import { DEFAULT_TRAIN_SETTINGS } from '../../../src-shared/model';
import { setStudio } from '../host';
import { createFakeStudio, type FakeStudio, SAMPLE_INSPECTION } from '../testing/fakeStudio';
import { useAppStore } from './useAppStore';
import { DEFAULT_MODEL, useProjectStore } from './useProjectStore';

const calls = (fake: FakeStudio, method: string) => fake.calls.filter((c) => c.method === method);

describe('useProjectStore', () => {
  let fake: FakeStudio;
  beforeEach(() => {
    setActivePinia(createPinia());
    fake = createFakeStudio();
    setStudio(fake);
  });
  afterEach(() => vi.useRealTimers());

  it('opens the project on the dataset and choices last worked on, and reads it', async () => {
    const current = { datasetId: 'd1', data: { format: 'auto' as const, valFraction: 0.2, lookback: 32 }, model: { ...DEFAULT_MODEL, hiddenSize: 256 }, settings: { ...DEFAULT_TRAIN_SETTINGS, batchSize: 16 } };
    fake.projectInfo = { ...fake.projectInfo, current };
    const store = useProjectStore();
    await store.load();
    expect(store.samples.map((s) => s.title)).toEqual(['Tiny text']);
    expect(store.datasetId).toBe('d1');
    expect(store.dataset?.name).toBe('tiny.txt');
    expect(store.model.hiddenSize).toBe(256);
    expect(store.settings.batchSize).toBe(16);
    expect(calls(fake, 'inspectDataset')[0].args).toEqual(['d1', 'auto', { valFraction: 0.2, lookback: 32, batchSize: 16 }]);
    expect(store.inspection).toEqual(SAMPLE_INSPECTION);
    expect(store.dataModel?.shape).toBe('many-to-many');
    expect(store.estimate?.parameterCount).toBeGreaterThan(0);
  });

  it('opens without a current dataset and without reading anything', async () => {
    const store = useProjectStore();
    await store.load();
    expect(store.datasetId).toBeNull();
    expect(calls(fake, 'inspectDataset')).toHaveLength(0);
    expect(store.estimate).toBeNull();
  });

  it('sends the bytes of a dropped file, then selects and reads it', async () => {
    const store = useProjectStore();
    await store.load();
    const file = new File(['a,b\n1,2\n'], 'load.csv', { type: 'text/csv' });
    expect(await store.addFiles([file])).toBe(true);
    const [name, bytes] = calls(fake, 'addDatasetBytes')[0].args as [string, Uint8Array];
    expect(name).toBe('load.csv');
    expect(new TextDecoder().decode(bytes)).toBe('a,b\n1,2\n');
    expect(store.datasetId).toBe('d-load.csv');
    expect(store.project?.datasets.map((d) => d.name)).toContain('load.csv');
    expect(calls(fake, 'inspectDataset').at(-1)?.args[0]).toBe('d-load.csv');
  });

  it('refuses empty files and several at once, with a clear message', async () => {
    const store = useProjectStore();
    await store.load();
    expect(await store.addFiles([new File([], 'empty.csv')])).toBe(false);
    expect(store.error).toBe('empty.csv is empty');
    expect(await store.addFiles([new File(['x'], 'a.txt'), new File(['y'], 'b.txt')])).toBe(false);
    expect(store.error).toMatch(/one file at a time/);
    expect(calls(fake, 'addDatasetBytes')).toHaveLength(0);
    expect(useAppStore().notices).toHaveLength(2);
  });

  it('keeps the dataset selected when a new file cannot be read', async () => {
    fake.projectInfo = { ...fake.projectInfo, current: { datasetId: 'd1', data: { format: 'auto', valFraction: 0.1 }, model: DEFAULT_MODEL, settings: DEFAULT_TRAIN_SETTINGS } };
    const store = useProjectStore();
    await store.load();
    fake.failNext.set('inspectDataset', 'bad.csv line 3: expected 2 fields, found 5');
    expect(await store.addFiles([new File(['a,b\n1,2\n1,2,3,4,5\n'], 'bad.csv')])).toBe(false);
    expect(store.datasetId).toBe('d1');
    expect(store.inspection).toEqual(SAMPLE_INSPECTION);
    expect(store.error).toBe('bad.csv line 3: expected 2 fields, found 5');
  });

  it('re-reads after a pause when a data choice changes, and keeps the previous inspection when it is rejected', async () => {
    vi.useFakeTimers();
    fake.projectInfo = { ...fake.projectInfo, current: { datasetId: 'd1', data: { format: 'auto', valFraction: 0.1 }, model: DEFAULT_MODEL, settings: DEFAULT_TRAIN_SETTINGS } };
    const store = useProjectStore();
    await store.load();
    const before = calls(fake, 'inspectDataset').length;

    // two quick changes → one inspection with both
    const first = store.setData({ lookback: 10 });
    const second = store.setData({ stride: 2 });
    expect(store.pendingData.lookback).toBe(10);
    await vi.advanceTimersByTimeAsync(350);
    expect(await first).toBe(true);
    expect(await second).toBe(true);
    expect(calls(fake, 'inspectDataset')).toHaveLength(before + 1);
    expect(store.data).toMatchObject({ lookback: 10, stride: 2 });

    // a rejected choice: the inspection stays, the reason shows, the choice goes back
    fake.failNext.set('inspectDataset', 'tiny.txt: --lookback: 0 is not a whole number ≥ 1');
    const shown: Inspection | null = store.inspection;
    const rejected = store.setData({ lookback: 0 });
    await vi.advanceTimersByTimeAsync(350);
    expect(await rejected).toBe(false);
    expect(store.inspection).toBe(shown);
    expect(store.error).toMatch(/--lookback: 0/);
    expect(store.data.lookback).toBe(10);
    expect(store.inspecting).toBe(false);

    // back to the proposal: undefined removes the override
    const cleared = store.setData({ lookback: undefined });
    await vi.advanceTimersByTimeAsync(350);
    expect(await cleared).toBe(true);
    expect('lookback' in store.data).toBe(false);
    expect(store.error).toBeNull();
  });

  it('undoes and redoes design changes, the problem shape included', async () => {
    vi.useFakeTimers();
    fake.projectInfo = { ...fake.projectInfo, current: { datasetId: 'd1', data: { format: 'auto', valFraction: 0.1 }, model: DEFAULT_MODEL, settings: DEFAULT_TRAIN_SETTINGS } };
    const store = useProjectStore();
    await store.load();
    expect(store.canUndo).toBe(false);
    store.setModel({ hiddenSize: 64 });
    store.setModel({ cell: 'gru' });
    store.setModel({ cell: 'gru' }); // no change, no entry
    const shaped = store.setData({ shape: 'many-to-one' });
    await vi.advanceTimersByTimeAsync(350);
    await shaped;
    expect(store.data.shape).toBe('many-to-one');

    store.undo();
    await vi.advanceTimersByTimeAsync(350);
    expect(store.pendingData.shape).toBeUndefined();
    store.undo();
    expect(store.model.cell).toBe('lstm');
    expect(store.model.hiddenSize).toBe(64);
    store.undo();
    expect(store.model.hiddenSize).toBe(128);
    expect(store.canUndo).toBe(false);
    store.redo();
    store.redo();
    expect(store.model).toMatchObject({ cell: 'gru', hiddenSize: 64 });
    store.setModel({ layers: 2 });
    expect(store.canRedo).toBe(false);

    // typing into one field is one change; alternating fields are many, and the history keeps the last 100
    store.setModel({ hiddenSize: 2 });
    store.setModel({ hiddenSize: 25 });
    store.setModel({ hiddenSize: 256 });
    store.undo();
    expect(store.model.hiddenSize).toBe(64);
    for (let h = 1; h <= 150; h++) store.setModel(h % 2 ? { hiddenSize: h } : { layers: (h % 8) + 1 });
    let steps = 0;
    while (store.canUndo) {
      store.undo();
      steps++;
    }
    expect(steps).toBe(100);
  });

  it('lists the design problems against the data and refuses to start with them', async () => {
    fake.projectInfo = { ...fake.projectInfo, current: { datasetId: 'd1', data: { format: 'auto', valFraction: 0.1 }, model: DEFAULT_MODEL, settings: DEFAULT_TRAIN_SETTINGS } };
    const store = useProjectStore();
    await store.load();
    expect(store.startRequest()).toMatchObject({ datasetId: 'd1', model: { cell: 'lstm', hiddenSize: 128 }, settings: { batchSize: 32 } });
    store.setModel({ bidirectional: true });
    expect(store.problems[0]).toMatch(/cannot predict the next step/);
    expect(store.startRequest()).toBeNull();
    const withDouble = store.estimate!.parameterCount;
    store.undo();
    expect(store.estimate!.parameterCount).toBeLessThan(withDouble);
  });

  /** The project opened on dataset d1 with fake timers, once its own load's save has run: the store and the saves so far. */
  const openedWithTimers = async (): Promise<{ store: ReturnType<typeof useProjectStore>; before: number }> => {
    vi.useFakeTimers();
    fake.projectInfo = { ...fake.projectInfo, current: { datasetId: 'd1', data: { format: 'auto', valFraction: 0.1 }, model: DEFAULT_MODEL, settings: DEFAULT_TRAIN_SETTINGS } };
    const store = useProjectStore();
    await store.load();
    await vi.advanceTimersByTimeAsync(600);
    return { store, before: calls(fake, 'saveCurrent').length };
  };

  it('saves the current choices shortly after a change', async () => {
    const { store, before } = await openedWithTimers();
    store.setModel({ layers: 3 });
    store.setSettings({ learningRate: 0.01 });
    await vi.advanceTimersByTimeAsync(600);
    const saved = calls(fake, 'saveCurrent');
    expect(saved).toHaveLength(before + 1);
    expect(saved.at(-1)?.args[0]).toMatchObject({ datasetId: 'd1', model: { layers: 3 }, settings: { learningRate: 0.01 } });
  });

  it('writes a save still waiting out its debounce when the page is hidden, and no second one after', async () => {
    const { store, before } = await openedWithTimers();
    store.setModel({ hiddenSize: 96 });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls(fake, 'saveCurrent')).toHaveLength(before);
    await store.flush();
    expect(calls(fake, 'saveCurrent')).toHaveLength(before + 1);
    expect(calls(fake, 'saveCurrent').at(-1)?.args[0]).toMatchObject({ model: { hiddenSize: 96 } });
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls(fake, 'saveCurrent')).toHaveLength(before + 1);
    await store.flush(); // nothing pending: nothing written
    expect(calls(fake, 'saveCurrent')).toHaveLength(before + 1);
  });

  it('shows import progress for the dataset being read', async () => {
    const store = useProjectStore();
    await store.load();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const inspect = fake.inspectDataset;
    fake.inspectDataset = async (...args) => {
      await gate;
      return inspect(...args);
    };
    const selecting = store.select('d1');
    expect(store.inspecting).toBe(true);
    fake.emitImport({ datasetId: 'other', bytesRead: 1, bytesTotal: 2, rows: 1 });
    expect(store.importProgress).toBeNull();
    fake.emitImport({ datasetId: 'd1', bytesRead: 500, bytesTotal: 1000, rows: 12 });
    expect(store.importProgress).toEqual({ bytesRead: 500, bytesTotal: 1000, rows: 12 });
    release();
    await selecting;
    expect(store.inspecting).toBe(false);
    expect(store.importProgress).toBeNull();
  });
});
