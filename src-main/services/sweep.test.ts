// The sweep service with real worker threads on tiny data: a diverging trial is failed with where it diverged and
// the sweep goes on; a target ends the sweep early; the wall-time budget ends it; stop() pauses it and a new
// session resumes the running trial from its checkpoint; a torn last line of the trial log (a kill mid-append) is
// repaired; two sessions on one folder: the second is refused.

import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL } from '../../src-shared/dataset';
import { RUN_SETTINGS } from '../../src-shared/settings';
import { readSweepLog, SWEEP_FORMAT, SWEEP_VERSION, TRIALS_LOG, type SweepFile, type SweepRecord } from '../../workers/sweep/sweep-folder';
import { LockedError } from './lock';
import { createSweep, startSweep, sweepThreads, trialRequest, type SweepEvent } from './sweep';

const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-sweep-service-'));
const text = join(tmp, 'text.txt');
writeFileSync(text, 'It is a truth universally acknowledged, that a single man in possession of a good fortune. '.repeat(200));
const series = join(tmp, 'series.csv');
const day = (i: number): string => new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10);
writeFileSync(series, 'date,value\n' + Array.from({ length: 400 }, (_, i) => `${day(i)},${(Math.sin(i / 5) * 10 + 50).toFixed(3)}`).join('\n') + '\n');

function sweepFile(over: Partial<SweepFile>): SweepFile {
  return {
    format: SWEEP_FORMAT,
    version: SWEEP_VERSION,
    createdAt: new Date().toISOString(),
    data: { path: text, format: 'auto', valFraction: 0.1 },
    model: { ...DEFAULT_MODEL, hiddenSize: 12, embedSize: 8 },
    settings: { ...RUN_SETTINGS, batchSize: 8, sequenceLength: 16, steps: 60, evaluateEvery: 20, checkpointEvery: 20, diagnosticsEvery: 0, patience: 0, timeBudgetSeconds: 0 },
    space: 'cell=lstm,gru',
    method: 'grid',
    trials: 2,
    budgetSeconds: 0,
    stop: { kind: 'none' },
    seed: 1,
    parallel: 2,
    threads: 1,
    ...over,
  };
}

const ends = (dir: string): Extract<SweepRecord, { type: 'ended' }>[] => readSweepLog(dir).filter((r): r is Extract<SweepRecord, { type: 'ended' }> => r.type === 'ended');

describe('the sweep service', () => {
  it('decides the threads in one place for the CLI and the studio: given, every trial; not, one and the data’s workers at the tail', () => {
    expect(sweepThreads(3, 4)).toEqual({ threads: 3 });
    expect(sweepThreads(undefined, 4)).toEqual({ threads: 1, maxThreads: 4 });
    expect(sweepThreads(undefined, undefined)).toEqual({ threads: 1, maxThreads: 1 });
    expect(sweepThreads(undefined, 0)).toEqual({ threads: 1, maxThreads: 1 });
  });

  it('puts a trial’s parameters in its model, settings or data, and gives it its seed', () => {
    const r = trialRequest(sweepFile({}), { cell: 'gru', hiddenSize: 40, learningRate: 0.01, lookback: 12, bidirectional: true }, 9);
    expect(r.model).toMatchObject({ cell: 'gru', hiddenSize: 40, bidirectional: true, embedSize: 8 });
    expect(r.settings).toMatchObject({ learningRate: 0.01, seed: 9, steps: 60 });
    expect(r.data).toMatchObject({ lookback: 12, path: text });
  });

  it('keeps every core busy at its tail: a trial started with threads to spare trains data-parallel, up to the recipe’s count', async () => {
    const dir = join(tmp, 'tail');
    createSweep(dir, sweepFile({ space: 'cell=lstm,gru', method: 'random', trials: 3, parallel: 2, maxThreads: 2, settings: { ...sweepFile({}).settings, steps: 40 } }));
    const outcome = await startSweep(dir).done;
    expect(outcome.state.trials.map((t) => t.status)).toEqual(['finished', 'finished', 'finished']);
    // trials 1 and 2 start together (one thread each: 3 trials left, 2 free); trial 3 starts beside a running one
    // (1 free thread) — unless both ended first, when it gets both
    const started = readSweepLog(dir).filter((r): r is Extract<SweepRecord, { type: 'started' }> => r.type === 'started');
    expect(started.slice(0, 2).map((r) => r.threads)).toEqual([1, 1]);
    const last = JSON.parse(readFileSync(join(dir, 'trials/0003/run.json'), 'utf8')) as { workers: number };
    expect(last.workers).toBe(started[2].threads);

    const alone = join(tmp, 'alone');
    createSweep(alone, sweepFile({ space: 'cell=lstm', trials: 1, parallel: 2, maxThreads: 2 }));
    const one = await startSweep(alone).done;
    expect(one.state.trials[0].threads).toBe(2);
    expect((JSON.parse(readFileSync(join(alone, 'trials/0001/run.json'), 'utf8')) as { workers: number }).workers).toBe(2);
  });

  it('records a diverging trial as failed with where it diverged, and goes on', async () => {
    const dir = join(tmp, 'diverge');
    createSweep(dir, sweepFile({ data: { path: series, format: 'auto', valFraction: 0.1 }, model: { ...DEFAULT_MODEL, hiddenSize: 16 }, settings: { ...sweepFile({}).settings, optimizer: 'sgd', clipNorm: 0, steps: 200, checkpointEvery: 1 }, space: 'lr=0.01,5,0.02', trials: 3, parallel: 1 }));
    const outcome = await startSweep(dir).done;
    expect(outcome.why).toBe('all 3 trials ran');
    const [a, b, c] = [0, 1, 2].map((i) => outcome.state.trials[i]);
    expect(a.status).toBe('finished');
    expect(b.status).toBe('failed');
    expect(b.why).toMatch(/^diverged: .*diverged at step \d+: non-finite \w+ in \S+/);
    expect(b.nonFinite?.step).toBeGreaterThan(0);
    expect(b.step).toBe(b.nonFinite!.step);
    expect(c.status).toBe('finished'); // the sweep went on after the failure
    expect(outcome.state.metric).toBe('rmse');
  });

  it('ends when a trial reaches the target, stopping the others', async () => {
    const dir = join(tmp, 'target');
    createSweep(dir, sweepFile({ space: 'lr=0.01,0.02,0.03,0.04', target: { metric: 'accuracy', value: 0.01 }, trials: 4, settings: { ...sweepFile({}).settings, steps: 400 } }));
    const outcome = await startSweep(dir).done;
    expect(outcome.why).toMatch(/^trial [12] reached accuracy 0\.\d+ \(goal ≥ 0\.01\) at step 0$/);
    expect(outcome.state.trials.length).toBeLessThan(4);
    for (const t of outcome.state.trials) expect(t.status === 'stopped' && t.why?.startsWith('the sweep ended: trial')).toBe(true);
    expect(readSweepLog(dir).at(-1)).toMatchObject({ type: 'sweep-ended', why: outcome.why });
  });

  it('ends when its time budget is spent', async () => {
    const dir = join(tmp, 'budget');
    createSweep(dir, sweepFile({ space: 'lr=0.001..0.01:log', method: 'random', trials: 50, budgetSeconds: 3, settings: { ...sweepFile({}).settings, steps: 1_000_000 } }));
    const t0 = performance.now();
    const outcome = await startSweep(dir).done;
    expect((performance.now() - t0) / 1000).toBeLessThan(30);
    expect(outcome.why).toBe('its time budget of 3s was spent');
    expect(outcome.state.trials.length).toBe(2); // each trial would take hours: only the first two ever started
    for (const t of outcome.state.trials) expect(t.status).toBe('stopped');
  });

  it('pauses on stop() and a new session resumes the running trial from its checkpoint; a torn log line is repaired', async () => {
    const dir = join(tmp, 'pause');
    createSweep(dir, sweepFile({ space: 'cell=lstm,gru', trials: 2, parallel: 1, settings: { ...sweepFile({}).settings, steps: 2000, checkpointEvery: 20 } }));
    const events: SweepEvent[] = [];
    const first = startSweep(dir, { onEvent: (e) => events.push(e) });
    expect(() => startSweep(dir)).toThrow(LockedError);
    await new Promise<void>((ok) => {
      const poll = setInterval(() => {
        if (events.some((e) => e.type === 'trial-evaluation' && e.evaluation.step >= 40)) {
          clearInterval(poll);
          first.stop();
          ok();
        }
      }, 10);
    });
    const paused = await first.done;
    expect(paused.paused).toBe(true);
    expect(paused.state.trials.map((t) => t.status)).toEqual(['running']);
    appendFileSync(join(dir, TRIALS_LOG), '{"type":"evaluation","trial":0,"st'); // a kill mid-append
    const resumed: SweepEvent[] = [];
    const outcome = await startSweep(dir, { onEvent: (e) => resumed.push(e) }).done;
    expect(resumed.find((e) => e.type === 'trial-started')).toMatchObject({ resumed: true, trial: { index: 0 } });
    expect(outcome.why).toBe('all 2 trials ran');
    expect(outcome.state.trials.map((t) => [t.status, t.step])).toEqual([['finished', 2000], ['finished', 2000]]);
    expect(readFileSync(join(dir, TRIALS_LOG), 'utf8')).not.toContain('"st\n');
    const steps = readFileSync(join(dir, 'trials/0001/metrics.jsonl'), 'utf8').split('\n').filter((l) => l.startsWith('{"type":"step"')).length;
    expect(steps).toBe(2000);
  });
});
