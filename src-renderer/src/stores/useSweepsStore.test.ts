// @vitest-environment happy-dom
// useSweepsStore with a fake studio: starting a sweep from the current choices with the search, the trial table
// sorted by any column (best first by the metric's direction), the CSV, promoting a trial, and errors shown.

import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL } from '../../../src-shared/dataset';
import { DEFAULT_TRAIN_SETTINGS } from '../../../src-shared/model';
import { SETTINGS } from '../../../src-shared/settings';
import type { SweepInfo } from '../../../src-shared/studio-api';
import { setStudio } from '../host';
import { createFakeStudio, type FakeStudio } from '../testing/fakeStudio';
import { useAppStore } from './useAppStore';
import { useProjectStore } from './useProjectStore';
import { rowError, useSweepsStore } from './useSweepsStore';

function sweep(over: Partial<SweepInfo> = {}): SweepInfo {
  return {
    id: 'sweep-1',
    space: 'cell=lstm,gru hidden=8..64',
    method: 'tpe',
    stop: 'asha',
    trials: 4,
    parallel: 2,
    budgetSeconds: 0,
    status: 'ended',
    why: 'all 4 trials ran',
    metric: 'accuracy',
    higherIsBetter: true,
    elapsed: 12,
    importance: [{ key: 'hiddenSize', share: 0.6 }, { key: 'cell', share: 0.1 }],
    rows: [
      { trial: 1, status: 'finished', params: { cell: 'lstm', hiddenSize: 32 }, best: 0.5, bestStep: 40, last: 0.5, steps: 40, seconds: 3, curve: [] },
      { trial: 2, status: 'stopped-early', why: 'ASHA rung 1 (step 20): accuracy 0.1 is not in the top 1', params: { cell: 'gru', hiddenSize: 8 }, best: 0.1, bestStep: 20, last: 0.1, steps: 20, seconds: 1, curve: [] },
      { trial: 3, status: 'finished', params: { cell: 'gru', hiddenSize: 64 }, best: 0.7, bestStep: 40, last: 0.65, steps: 40, seconds: 4, curve: [] },
      { trial: 4, status: 'failed', why: 'diverged: at step 3, a "quoted" thing, with commas', params: { cell: 'lstm', hiddenSize: 16 }, steps: 3, seconds: 0, curve: [] },
    ],
    ...over,
  };
}

describe('useSweepsStore', () => {
  let fake: FakeStudio;
  beforeEach(() => {
    setActivePinia(createPinia());
    fake = createFakeStudio();
    setStudio(fake);
  });

  it('lists the sweeps and sorts the shown one’s trials by any column, best first by default', async () => {
    fake.sweeps = [sweep()];
    const s = useSweepsStore();
    await s.load();
    expect(s.shownId).toBe('sweep-1');
    expect(s.paramKeys).toEqual(['cell', 'hiddenSize']);
    expect(s.rows.map((r) => r.trial)).toEqual([3, 1, 2, 4]); // accuracy: higher first; no figure last
    expect(s.bestRow?.trial).toBe(3);
    s.sortBy('best');
    expect(s.rows.map((r) => r.trial)).toEqual([2, 1, 3, 4]);
    s.sortBy('param:hiddenSize');
    expect(s.rows.map((r) => r.trial)).toEqual([2, 4, 1, 3]);
    s.sortBy('param:hiddenSize');
    expect(s.rows.map((r) => r.trial)).toEqual([3, 1, 4, 2]);
    s.sortBy('status');
    expect(s.rows.map((r) => r.status)).toEqual(['failed', 'finished', 'finished', 'stopped-early']);
  });

  it('writes the table as CSV, quoting what needs it', async () => {
    fake.sweeps = [sweep()];
    const s = useSweepsStore();
    await s.load();
    const lines = s.csv().trimEnd().split('\n');
    expect(lines[0]).toBe('trial,status,cell,hiddenSize,best accuracy,best step,last accuracy,steps,seconds,why');
    expect(lines[1]).toBe('3,finished,gru,64,0.7,40,0.65,40,4,');
    expect(lines[4]).toBe('4,failed,lstm,16,,,,3,0,"diverged: at step 3, a ""quoted"" thing, with commas"');
  });

  it('starts a sweep from the current dataset, design and settings with the search asked', async () => {
    fake.projectInfo = { ...fake.projectInfo, current: { datasetId: 'd1', data: { format: 'auto', valFraction: 0.1 }, model: DEFAULT_MODEL, settings: DEFAULT_TRAIN_SETTINGS } };
    const project = useProjectStore();
    await project.load();
    const s = useSweepsStore();
    s.space = 'hidden=8..64:log';
    s.method = 'random';
    s.trials = 6;
    s.budget = '2m';
    s.stopRule = 'median';
    await s.start();
    const call = fake.calls.find((c) => c.method === 'startSweep')!;
    const req = call.args[0] as Record<string, unknown>;
    expect(req).toMatchObject({ datasetId: 'd1', space: 'hidden=8..64:log', method: 'random', trials: 6, budgetSeconds: 120, stop: 'median' });
    expect(req.model).toEqual(project.model);
    expect(req.settings).toEqual(project.settings);
    expect(s.shownId).toBe('sweep-1');
    s.stopPolling();
  });

  it('says what is wrong with a budget, and what the service refused', async () => {
    fake.projectInfo = { ...fake.projectInfo, current: { datasetId: 'd1', data: { format: 'auto', valFraction: 0.1 }, model: DEFAULT_MODEL, settings: DEFAULT_TRAIN_SETTINGS } };
    const project = useProjectStore();
    await project.load();
    const s = useSweepsStore();
    s.budget = 'soon';
    await s.start();
    expect(fake.calls.some((c) => c.method === 'startSweep')).toBe(false);
    s.budget = '';
    fake.failNext.set('startSweep', 'Hidden size “1..9000”: the search space\'s upper bound 9000 is out of range');
    await s.start();
    expect(useAppStore().notices.map((n) => n.text)).toEqual([
      'starting a sweep: “soon” is not a duration such as 90s, 10m or 1h30m',
      'starting a sweep: Hidden size “1..9000”: the search space\'s upper bound 9000 is out of range',
    ]);
  });

  it('keeps the space as rows on the settings’ fields, from the current settings, in step with its text both ways', async () => {
    fake.projectInfo = { ...fake.projectInfo, current: { datasetId: 'd1', data: { format: 'auto', valFraction: 0.1 }, model: { ...DEFAULT_MODEL, hiddenSize: 32 }, settings: { ...DEFAULT_TRAIN_SETTINGS, learningRate: 0.001 } } };
    await useProjectStore().load();
    const s = useSweepsStore();
    s.ensureSpaceRows();
    // the starting search: the cell, the width and the rate, around the current ones
    const cells = SETTINGS.cell.values.join(',');
    expect(s.space).toBe(`cell=${cells} hidden=16..64:log lr=0.00033..0.003:log`);
    expect(s.spaceKeys).toEqual(expect.arrayContaining(['cell', 'layers', 'hiddenSize', 'bidirectional', 'learningRate', 'batchSize']));
    expect(s.spaceKeys).not.toContain('lookback'); // a data setting this data does not have
    expect(s.spaceKeys).not.toContain('seed'); // never searched
    // attention and input feeding only for a model that has them (an encoder–decoder's design)
    useProjectStore().model = { ...useProjectStore().model, attention: 'bahdanau', inputFeeding: false };
    expect(s.spaceKeys).toEqual(expect.arrayContaining(['attention', 'inputFeeding']));
    useProjectStore().model = { ...useProjectStore().model, attention: undefined, inputFeeding: undefined };
    expect(s.spaceKeys).not.toContain('attention');
    expect(s.spaceKeys).not.toContain('inputFeeding');

    // rows not edited yet follow the Design and Train screens when the Sweep screen shows again
    useProjectStore().model = { ...useProjectStore().model, hiddenSize: 64 };
    s.ensureSpaceRows();
    expect(s.space).toBe(`cell=${cells} hidden=32..128:log lr=0.00033..0.003:log`);
    useProjectStore().model = { ...useProjectStore().model, hiddenSize: 32 };
    s.ensureSpaceRows();

    // a row turned on starts from the current value; the text follows, in the settings table's order
    s.editRow('layers', { on: true });
    expect(s.spaceRows.layers).toMatchObject({ on: true, from: '1', to: '2', log: false, step: '1' });
    expect(s.space).toBe(`cell=${cells} layers=1..2 hidden=16..64:log lr=0.00033..0.003:log`);
    s.editRow('cell', { values: ['gru', 'lstm'] });
    s.editRow('layers', { to: '3' });
    expect(s.space).toBe('cell=lstm,gru layers=1..3 hidden=16..64:log lr=0.00033..0.003:log');

    // out of the setting's limits: said beside the row, in the studio's words, and the sweep does not start
    s.editRow('hiddenSize', { to: '9000' });
    expect(rowError(s.spaceRows.hiddenSize!)).toBe('Hidden size “16..9000:log”: the search space\'s upper bound 9000 is out of range: expected an integer from 1 to 4096');
    expect(s.spaceProblem?.key).toBe('hiddenSize');
    await s.start();
    expect(fake.calls.some((c) => c.method === 'startSweep')).toBe(false);
    expect(useAppStore().notices.at(-1)?.text).toMatch(/^starting a sweep: Hidden size “16\.\.9000:log”/);
    s.editRow('cell', { values: [] });
    expect(rowError(s.spaceRows.cell!)).toBe('Cell: choose at least one value to search.');
    s.editRow('cell', { on: false });
    s.editRow('hiddenSize', { to: '128', step: '16', log: false });
    expect(s.space).toBe('layers=1..3 hidden=16..128:16 lr=0.00033..0.003:log');
    // an edited row keeps what the person gave it
    useProjectStore().model = { ...useProjectStore().model, hiddenSize: 256 };
    s.ensureSpaceRows();
    expect(s.space).toBe('layers=1..3 hidden=16..128:16 lr=0.00033..0.003:log');

    // the text typed: the rows follow it (a number's values as a list); what it does not name is turned off
    s.setSpaceText('cell=gru batch=16,32 dropout=0..0.5 bidirectional=true,false');
    expect(s.spaceError).toBeNull();
    expect(s.spaceRows.cell).toMatchObject({ on: true, values: ['gru'] });
    expect(s.spaceRows.batchSize).toMatchObject({ on: true, as: 'list', list: '16, 32' });
    expect(s.spaceRows.dropout).toMatchObject({ on: true, as: 'range', from: '0', to: '0.5', log: false });
    expect(s.spaceRows.bidirectional).toMatchObject({ on: true, values: ['true', 'false'] });
    expect([s.spaceRows.layers!.on, s.spaceRows.hiddenSize!.on, s.spaceRows.learningRate!.on]).toEqual([false, false, false]);
    s.editRow('dropout', { to: '0.3' });
    expect(s.space).toBe('cell=gru bidirectional=true,false dropout=0..0.3 batch=16,32');
    // text that does not parse: said under the field; the rows keep their last valid state
    s.setSpaceText('cell=gru hidden=1..');
    expect(s.spaceError).toMatch(/^Hidden size “1\.\.”: /);
    expect(s.spaceRows.hiddenSize!.on).toBe(false);
    expect(s.space).toBe('cell=gru hidden=1..');
    s.setSpaceText('hidden=8..64:log');
    await s.start();
    expect((fake.calls.find((c) => c.method === 'startSweep')!.args[0] as { space: string }).space).toBe('hidden=8..64:log');
    s.stopPolling();
  });

  it('promotes a trial to a run and offers to show it', async () => {
    fake.sweeps = [sweep()];
    const s = useSweepsStore();
    await s.load();
    await s.promote(3);
    expect(fake.calls.find((c) => c.method === 'promoteTrial')?.args).toEqual(['sweep-1', 3]);
    expect(useAppStore().notices.at(-1)?.text).toMatch(/^Trial 3 is now the run/);
  });
});
