// The run service with real worker threads: several runs at once, pause / resume / stop, events in order, the
// run folder on disk, and a crashing input that ends only its own run.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS } from '../../src-shared/model';
import type { ModelChoice } from '../../workers/protocol';
import { startRun, type RunEvent } from './runs';

const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-runs-'));
const text = join(tmp, 'text.txt');
writeFileSync(text, 'abcdefghij'.repeat(500));
const model: ModelChoice = { cell: 'gru', layers: 1, hiddenSize: 16, embedSize: 8, bidirectional: false, dropout: 0, forgetBias: 1 };
const settings = { ...DEFAULT_TRAIN_SETTINGS, batchSize: 4, sequenceLength: 16, learningRate: 0.01, evaluateEvery: 50, diagnosticsEvery: 10 };

describe('run service', () => {
  it('runs several runs at once in their own workers, with pause, resume and stop', async () => {
    const eventsA: RunEvent[] = [];
    const eventsB: RunEvent[] = [];
    let onPaused: () => void = () => {};
    const paused = new Promise<void>((r) => (onPaused = r));
    const a = startRun({ runDir: join(tmp, 'a'), data: { path: text, format: 'auto', valFraction: 0.1 }, model, settings: { ...settings, steps: 100000 } }, (e) => {
      eventsA.push(e);
      if (e.type === 'step' && e.step === 5) a.pause();
      if (e.type === 'paused') onPaused();
    });
    const b = startRun({ runDir: join(tmp, 'b'), data: { path: text, format: 'auto', valFraction: 0.1 }, model: { ...model, cell: 'lstm' }, settings: { ...settings, steps: 40 } }, (e) => eventsB.push(e));
    const outB = await b.done;
    expect(outB.reason).toBe('finished');
    expect(outB.summary!.steps).toBe(40);
    // A pauses soon after step 5 (its worker reads messages between slices of ~50 ms) and stays paused.
    await paused;
    const stepsWhilePaused = eventsA.filter((e) => e.type === 'step').length;
    await new Promise((r) => setTimeout(r, 200));
    expect(eventsA.filter((e) => e.type === 'step').length).toBe(stepsWhilePaused);
    a.resume();
    await new Promise((r) => setTimeout(r, 300));
    expect(eventsA.some((e) => e.type === 'resumed')).toBe(true);
    a.stop();
    const outA = await a.done;
    expect(outA.reason).toBe('stopped');
    const steps = eventsA.filter((e) => e.type === 'step').map((e) => (e as { step: number }).step);
    expect(steps.length).toBeGreaterThan(stepsWhilePaused);
    expect(steps).toEqual(steps.map((_, i) => i + 1)); // in order, none lost
    expect(eventsA.some((e) => e.type === 'diagnostics')).toBe(true);
    // Metrics on disk match the events.
    const lines = readFileSync(join(tmp, 'a', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'step').length).toBe(steps.length);
    expect(JSON.parse(readFileSync(join(tmp, 'b', 'summary.json'), 'utf8')).steps).toBe(40);
  });

  it('ends a run whose data cannot be read with a clear error, and others go on', async () => {
    const broken = join(tmp, 'broken.csv');
    writeFileSync(broken, 'x,y\n1,2\n3\n');
    const bad = startRun({ runDir: join(tmp, 'bad'), data: { path: broken, format: 'auto', valFraction: 0.1 }, model, settings: { ...settings, steps: 10 } });
    const good = startRun({ runDir: join(tmp, 'good'), data: { path: text, format: 'auto', valFraction: 0.1 }, model, settings: { ...settings, steps: 10 } });
    const [o1, o2] = await Promise.all([bad.done, good.done]);
    expect(o1.reason).toBe('error');
    expect(o1.message).toMatch(/broken\.csv:3: expected 2 columns .*found 1/);
    expect(o2.reason).toBe('finished');
  });
});

describe('data-parallel runs', () => {
  const losses = async (dir: string, workers: number, extra: Partial<typeof settings> = {}, resume = false): Promise<number[]> => {
    const steps: number[] = [];
    const h = startRun(
      { runDir: join(tmp, dir), data: { path: text, format: 'auto', valFraction: 0.1 }, model: { ...model, cell: 'lstm', layers: 2 }, settings: { ...settings, batchSize: 6, steps: 25, checkpointEvery: 10, ...extra }, workers, resume },
      (e) => {
        if (e.type === 'step') steps.push(e.loss);
      },
    );
    const o = await h.done;
    expect(o.reason, o.message).toBe('finished');
    return steps;
  };

  it('follows the single-worker loss curve with 2 and 3 workers, and is reproducible', async () => {
    const one = await losses('dp1', 1);
    const two = await losses('dp2', 2);
    const three = await losses('dp3', 3);
    const twoAgain = await losses('dp2b', 2);
    const worst = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    console.log(`[parallel] 25 steps, LSTM 2×16, batch 6: |1 − 2 workers| ≤ ${worst(one, two).toExponential(1)}, |1 − 3 workers| ≤ ${worst(one, three).toExponential(1)}`);
    expect(worst(one, two)).toBeLessThan(1e-4);
    expect(worst(one, three)).toBeLessThan(1e-4);
    expect(twoAgain).toEqual(two); // same seed, same worker count: identical
  });

  it('resumes a data-parallel run from its checkpoint to the same result', async () => {
    const full = await losses('dpr-full', 2, { steps: 20 });
    await losses('dpr', 2, { steps: 10 });
    const rest = await losses('dpr', 2, { steps: 20 }, true);
    expect(rest).toEqual(full.slice(10));
  });
});
