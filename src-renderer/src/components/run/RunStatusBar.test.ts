// @vitest-environment happy-dom
// RunStatusBar: progress (role progressbar with its value), speed and time left for a running run, the banner
// that says where a diverged run met a non-finite value and what to do, and what ended a run early (patience, a time
// budget) with the best model it ended with.

import { mount } from '@vue/test-utils';
import type { RunSummary } from '../../../../src-shared/dataset';
import { DEFAULT_TRAIN_SETTINGS } from '../../../../src-shared/model';
import { describe, expect, it } from 'vitest';
import { createSeries, applyEvent, runStats } from '../../lib/runSeries';
import { fakeRun } from '../../testing/fakeStudio';
import { stepEvent } from '../../testing/runEvents';
import RunStatusBar from './RunStatusBar.vue';

function statsAfter(steps: number) {
  const s = createSeries();
  for (let i = 1; i <= steps; i++) applyEvent(s, stepEvent(i, { tokensPerSecond: 12_345, seconds: i / 10 }));
  return runStats(s);
}

describe('RunStatusBar', () => {
  it('shows progress, speed and the time left of a running run', () => {
    const wrapper = mount(RunStatusBar, { props: { run: fakeRun('r1', { status: 'running', totalSteps: 1000, step: 200 }), stats: statsAfter(250), eta: 75 } });
    const bar = wrapper.get('[role="progressbar"]');
    expect(bar.attributes('aria-valuenow')).toBe('250');
    expect(bar.attributes('aria-valuemax')).toBe('1000');
    expect(bar.attributes('aria-label')).toBe('Training progress');
    expect(wrapper.get('[data-testid="run-step"]').text()).toBe('Step 250 / 1,000');
    expect(wrapper.get('[data-testid="run-status-badge"]').text()).toBe('Running');
    expect(wrapper.text()).toContain('12.3 k tokens/s');
    expect(wrapper.get('[data-testid="run-eta"]').text()).toBe('about 1 min 15 s left');
    expect(wrapper.find('[role="alert"]').exists()).toBe(false);
  });

  it('says where a diverged run met a non-finite value, and what to do', () => {
    const run = fakeRun('r1', { status: 'diverged', step: 412, nonFinite: { step: 412, phase: 'gradient', tensor: 'l1.Wh', layer: 1 } });
    const wrapper = mount(RunStatusBar, { props: { run, stats: null, eta: 10 } });
    expect(wrapper.get('[role="alert"]').text()).toBe(
      'Diverged at step 412: non-finite gradient in l1.Wh (layer 2). Fork it from its best checkpoint with a lower learning rate or stronger clipping.',
    );
    expect(wrapper.find('[data-testid="run-eta"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="run-status-badge"]').text()).toBe('Diverged');
  });

  it('falls back on the run’s message, and explains stopped and interrupted runs', async () => {
    const wrapper = mount(RunStatusBar, { props: { run: fakeRun('r1', { status: 'diverged', step: 7, message: 'the loss became NaN' }) } });
    expect(wrapper.get('[role="alert"]').text()).toMatch(/^Diverged at step 7: the loss became NaN\./);
    await wrapper.setProps({ run: fakeRun('r1', { status: 'interrupted', step: 300, resumable: true }) });
    expect(wrapper.find('[role="alert"]').exists()).toBe(false);
    expect(wrapper.text()).toContain('Interrupted at step 300 (the studio closed while it trained). Continue it from its last checkpoint.');
    await wrapper.setProps({ run: fakeRun('r1', { status: 'starting' }), importing: { bytesRead: 50, bytesTotal: 200, rows: 12 } });
    expect(wrapper.text()).toContain('Reading the dataset… 25% (12 rows)');
  });

  it('says that a run stopped early or spent its time budget, and that it ended with its best model', async () => {
    const summary: RunSummary = { type: 'summary', steps: 2300, seconds: 95, trainLoss: 0.1, valLoss: 0.4, tokensPerSecond: 5000, metrics: { accuracy: 0.71, perplexity: 2 }, runDir: '/r', stopReason: 'early-stopped', bestStep: 1800, restoredBest: true };
    const settings = { ...DEFAULT_TRAIN_SETTINGS, steps: 5000, patience: 5, timeBudgetSeconds: 180 };
    const wrapper = mount(RunStatusBar, { props: { run: fakeRun('r1', { status: 'finished', step: 2300, totalSteps: 5000, settings, summary }) } });
    expect(wrapper.get('[data-testid="run-status-badge"]').text()).toBe('Stopped early');
    expect(wrapper.get('[data-testid="run-restored"]').text()).toBe('restored best (step 1,800)');
    expect(wrapper.text()).toContain('Stopped early at step 2,300: no better validation perplexity in 5 evaluations. It ended with the best model, from step 1,800.');
    expect(wrapper.find('[role="alert"]').exists()).toBe(false);
    await wrapper.setProps({ run: fakeRun('r1', { status: 'finished', step: 1234, totalSteps: 5000, settings, summary: { ...summary, steps: 1234, stopReason: 'time-budget', restoredBest: false } }) });
    expect(wrapper.get('[data-testid="run-status-badge"]').text()).toBe('Time budget');
    expect(wrapper.find('[data-testid="run-restored"]').exists()).toBe(false);
    expect(wrapper.text()).toContain('Its time budget of 3m was spent at step 1,234 of 5,000.');
    await wrapper.setProps({ run: fakeRun('r1', { status: 'finished', step: 5000, totalSteps: 5000, settings, summary: { ...summary, steps: 5000, stopReason: 'finished' } }) });
    expect(wrapper.get('[data-testid="run-status-badge"]').text()).toBe('Finished');
    expect(wrapper.text()).toContain('It ended with the best model, from step 1,800: its last evaluation was worse.');
    // a Stop keeps the last parameters: no restore said
    await wrapper.setProps({ run: fakeRun('r1', { status: 'stopped', step: 700, resumable: true, settings, summary: { ...summary, steps: 700, stopReason: 'stopped', restoredBest: false } }) });
    expect(wrapper.get('[data-testid="run-status-badge"]').text()).toBe('Stopped');
    expect(wrapper.find('[data-testid="run-restored"]').exists()).toBe(false);
  });
});
