// @vitest-environment happy-dom
// useRunsStore with a fake studio: listing and reopening runs from history, live events into the series, events
// arriving while history loads, diagnostics thinning, starting and controlling runs, errors shown to the person.

import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrainingEvent } from '../../../src-shared/events';
import { DEFAULT_TRAIN_SETTINGS } from '../../../src-shared/model';
import { setStudio } from '../host';
import { DIAGNOSTICS_ROWS } from '../lib/runSeries';
import { createFakeStudio, type FakeStudio, fakeRun } from '../testing/fakeStudio';
import { diagnosticsEvent, stepEvent } from '../testing/runEvents';
import { useAppStore } from './useAppStore';
import { useProjectStore } from './useProjectStore';
import { useRunsStore } from './useRunsStore';

const texts = () => useAppStore().notices.map((n) => n.text);

describe('useRunsStore', () => {
  let fake: FakeStudio;
  beforeEach(() => {
    setActivePinia(createPinia());
    fake = createFakeStudio();
    setStudio(fake);
  });
  afterEach(() => useRunsStore().dispose());

  it('lists the runs and redraws the newest from its history after a reload', async () => {
    const events: TrainingEvent[] = [stepEvent(1), stepEvent(2, { clipped: true, gradNormClipped: 1 }), { type: 'evaluation', step: 2, valLoss: 1.5, metrics: { accuracy: 0.4 } }, diagnosticsEvent(2)];
    fake.runs = [fakeRun('old', { createdAt: '2026-01-01T00:00:00Z', status: 'finished' }), fakeRun('new', { createdAt: '2026-02-01T00:00:00Z', status: 'interrupted', step: 2 })];
    fake.histories.set('new', { run: fake.runs[1], events });
    const runs = useRunsStore();
    await runs.load();
    expect(runs.runs.map((r) => r.id)).toEqual(['old', 'new']);
    expect(runs.selectedId).toBe('new');
    const s = runs.seriesOf('new')!;
    expect(Array.from(s.steps.step.subarray(0, s.steps.length))).toEqual([1, 2]);
    expect(s.evaluations.metrics['accuracy']).toEqual([0.4]);
    expect(s.diagnostics.flow.get('enc.0.0')?.length).toBe(1);
    expect(s.latest?.step).toBe(2);
    expect(runs.selectedStats).toMatchObject({ step: 2, valLoss: 1.5, metrics: { accuracy: 0.4 }, clipRate: 0.5, tokensPerSecond: 5000 });
    // subscribed once, however often it loads
    await runs.load();
    fake.emit('new', stepEvent(3));
    runs.flush();
    expect(runs.seriesOf('new')!.steps.length).toBe(3);
  });

  it('applies live events: steps, evaluations, diagnostics, done and status', async () => {
    fake.runs = [fakeRun('r1', { status: 'running', totalSteps: 100 })];
    const runs = useRunsStore();
    await runs.load();
    const before = runs.version;
    for (let i = 1; i <= 50; i++) fake.emit('r1', stepEvent(i, { clipped: i > 40, seconds: i / 10 }));
    fake.emit('r1', { type: 'evaluation', step: 50, valLoss: 1.2, metrics: { accuracy: 0.6, perplexity: 3.3 } });
    fake.emit('r1', diagnosticsEvent(50));
    // batched: the list and the charts update at the next flush, not per event
    expect(runs.runs[0].step).toBe(0);
    runs.flush();
    expect(runs.version).toBeGreaterThan(before);
    expect(runs.runs[0].step).toBe(50);
    const stats = runs.statsOf('r1')!;
    expect(stats.stepsPerSecond).toBeCloseTo(10);
    expect(stats.clipRate).toBeCloseTo(10 / 50);
    expect(runs.etaOf('r1')).toBeCloseTo(5);
    expect(stats.metrics).toEqual({ accuracy: 0.6, perplexity: 3.3 });

    fake.emit('r1', { type: 'done', reason: 'diverged', step: 51, message: 'training diverged', nonFinite: { step: 51, phase: 'gradient', tensor: 'l0.Wh', layer: 0 } });
    expect(runs.runs[0]).toMatchObject({ status: 'diverged', step: 51, nonFinite: { tensor: 'l0.Wh' } });
    expect(runs.etaOf('r1')).toBeNull();
    fake.emit('r1', { type: 'status', run: fakeRun('r1', { status: 'diverged', resumable: true, name: 'renamed' }) });
    expect(runs.runs[0]).toMatchObject({ name: 'renamed', resumable: true });
    fake.emit('r1', { type: 'import-progress', bytesRead: 5, bytesTotal: 10, rows: 2 });
    expect(runs.importing['r1']).toEqual({ bytesRead: 5, bytesTotal: 10, rows: 2 });
  });

  it('ends the time left at the run’s time budget when that comes first', async () => {
    fake.runs = [fakeRun('r1', { status: 'running', totalSteps: 1000, settings: { ...DEFAULT_TRAIN_SETTINGS, timeBudgetSeconds: 6 } })];
    const runs = useRunsStore();
    await runs.load();
    for (let i = 1; i <= 50; i++) fake.emit('r1', stepEvent(i, { seconds: i / 10 }));
    runs.flush();
    expect(runs.etaOf('r1')).toBeCloseTo(1); // 950 steps at 10 a second would take 95 s; the budget has 1 s left
  });

  it('keeps live events that arrive while the history loads, without drawing any step twice', async () => {
    fake.runs = [fakeRun('r1'), fakeRun('r2', { createdAt: '2030-01-01T00:00:00Z' })];
    fake.histories.set('r1', { run: fake.runs[0], events: [stepEvent(1), stepEvent(2), stepEvent(3)] });
    const runs = useRunsStore();
    await runs.load(); // selects r2
    const loading = runs.select('r1');
    fake.emit('r1', stepEvent(3)); // also in the history
    fake.emit('r1', stepEvent(4));
    await loading;
    const s = runs.seriesOf('r1')!;
    expect(Array.from(s.steps.step.subarray(0, s.steps.length))).toEqual([1, 2, 3, 4]);
  });

  it('rewinds the charts when a run continues from an earlier checkpoint', async () => {
    fake.runs = [fakeRun('r1', { status: 'stopped', resumable: true })];
    fake.histories.set('r1', { run: fake.runs[0], events: [1, 2, 3, 4, 5].map((i) => stepEvent(i, { clipped: true })) });
    const runs = useRunsStore();
    await runs.load();
    expect(await runs.continue('r1')).toBe(true);
    fake.emit('r1', stepEvent(4));
    const s = runs.seriesOf('r1')!;
    expect(Array.from(s.steps.step.subarray(0, s.steps.length))).toEqual([1, 2, 3, 4]);
    expect(s.clippedTotal).toBe(3);
  });

  it('keeps at most DIAGNOSTICS_ROWS gradient-flow rows, evenly spread over the run', async () => {
    fake.runs = [fakeRun('r1')];
    const runs = useRunsStore();
    await runs.load();
    for (let i = 1; i <= 1000; i++) fake.emit('r1', diagnosticsEvent(i * 10));
    const d = runs.seriesOf('r1')!.diagnostics;
    expect(d.step.length).toBeLessThanOrEqual(DIAGNOSTICS_ROWS);
    expect(d.step.length).toBeGreaterThan(DIAGNOSTICS_ROWS / 2);
    expect(d.step[0]).toBe(10);
    const gaps = new Set(d.step.slice(1).map((s, i) => s - d.step[i]));
    expect(gaps.size).toBe(1);
    expect(d.flow.get('enc.0.0')!.length).toBe(d.step.length);
    expect(d.tensorNorms.get('l0.Wh')!.length).toBe(d.step.length);
    expect(runs.seriesOf('r1')!.latest?.step).toBe(10_000);
  });

  it('starts a run with the project’s choices and selects it', async () => {
    const runs = useRunsStore();
    expect(await runs.start()).toBeNull();
    expect(texts()[0]).toMatch(/^starting the run: pick a dataset/);
    useProjectStore().datasetId = 'd1';
    const run = await runs.start();
    expect(run?.id).toBe('run-1');
    expect(runs.selectedId).toBe('run-1');
    expect(runs.runs.map((r) => r.id)).toEqual(['run-1']);
    expect(fake.calls.find((c) => c.method === 'startRun')?.args[0]).toMatchObject({ datasetId: 'd1', settings: { steps: 1000 } });
    fake.emit('run-1', stepEvent(1));
    runs.flush();
    expect(runs.selectedStats?.step).toBe(1);

    fake.failNext.set('startRun', 'no worker could start');
    expect(await runs.start()).toBeNull();
    expect(texts()).toContain('starting the run: no worker could start');
    expect(runs.starting).toBe(false);
  });

  it('pauses, resumes, stops and deletes runs, and says why when the host refuses', async () => {
    fake.runs = [fakeRun('a', { createdAt: '2026-01-01T00:00:00Z' }), fakeRun('b', { createdAt: '2026-03-01T00:00:00Z', name: 'GRU 1×64 on tiny.txt' })];
    const runs = useRunsStore();
    await runs.load();
    expect(runs.selectedId).toBe('b');
    await runs.pause('b');
    await runs.resume('b');
    await runs.stop('b');
    expect(fake.calls.filter((c) => c.args[0] === 'b').map((c) => c.method)).toEqual(['runHistory', 'pauseRun', 'resumeRun', 'stopRun']);
    fake.failNext.set('pauseRun', 'the run has ended');
    expect(await runs.pause('b')).toBe(false);
    expect(texts()).toEqual(['pausing GRU 1×64 on tiny.txt: the run has ended']);

    await runs.toggleCompare('b');
    expect(runs.compareIds).toEqual(['b']);
    expect(await runs.remove('b')).toBe(true);
    expect(runs.runs.map((r) => r.id)).toEqual(['a']);
    expect(runs.compareIds).toEqual([]);
    expect(runs.selectedId).toBe('a');
    expect(runs.seriesOf('b')).toBeUndefined();
  });

  it('loads the history of runs added to the comparison', async () => {
    fake.runs = [fakeRun('a'), fakeRun('b'), fakeRun('c')];
    fake.histories.set('a', { run: fake.runs[0], events: [stepEvent(1)] });
    const runs = useRunsStore();
    await runs.load(); // selects c, the newest
    await runs.toggleCompare('a');
    expect(runs.compared.map((r) => r.id)).toEqual(['a']);
    expect(runs.seriesOf('a')?.steps.length).toBe(1);
    await runs.toggleCompare('a');
    expect(runs.compareIds).toEqual([]);
    fake.failNext.set('runHistory', 'metrics.jsonl is unreadable');
    await runs.toggleCompare('b');
    expect(texts()).toEqual(['reading the run’s history: metrics.jsonl is unreadable']);
  });
  it('forks a diverged run with the settings on the screen, keeping its batch size and sequence length', async () => {
    fake.runs = [fakeRun('wild', { status: 'diverged', resumable: true, settings: { ...fakeRun('x').settings, batchSize: 16, sequenceLength: 40, learningRate: 1 } })];
    const runs = useRunsStore();
    await runs.load();
    const project = useProjectStore();
    project.setSettings({ learningRate: 1e-4, batchSize: 64 });
    expect(await runs.fork('wild')).toBe(true);
    const call = fake.calls.find((c) => c.method === 'forkRun')!;
    expect(call.args[0]).toBe('wild');
    expect(call.args[1]).toMatchObject({ learningRate: 1e-4, batchSize: 16, sequenceLength: 40 });
    expect(runs.selectedId).not.toBe('wild');
    expect(runs.runs.some((r) => r.forkOf?.runId === 'wild')).toBe(true);
  });
  it('offers to continue the runs a killed studio left behind, once', async () => {
    fake.runs = [fakeRun('a', { status: 'interrupted', resumable: true, step: 300 }), fakeRun('b', { status: 'finished', resumable: true })];
    const runs = useRunsStore();
    await runs.load();
    await runs.load();
    const app = useAppStore();
    const offers = app.notices.filter((n) => n.action);
    expect(offers).toHaveLength(1);
    expect(offers[0].text).toMatch(/A run was training when the studio stopped: “LSTM 1×32 on tiny\.txt” \(step 300\)/);
    await app.act(offers[0].id);
    expect(fake.calls.filter((c) => c.method === 'continueRun').map((c) => c.args[0])).toEqual(['a']);
    expect(app.notices.some((n) => n.action)).toBe(false);
  });
  it('says how live runs share the cores', async () => {
    fake.runs = [fakeRun('a', { status: 'running', workers: 2 }), fakeRun('b', { status: 'running' }), fakeRun('c', { status: 'finished' })];
    const runs = useRunsStore();
    await runs.load();
    await new Promise((r) => setTimeout(r, 0));
    expect(runs.sharing).toEqual({ runs: 2, threads: 3, cores: 2, perThread: 2 / 3 });
  });
});
