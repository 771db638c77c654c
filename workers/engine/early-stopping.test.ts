// The best-evaluation tracker behind early stopping: it counts evaluations without improvement, stops at the
// patience, writes a record a resumed run reads back, treats evaluations already in the record as replays (a run
// resumed from a checkpoint older than its record trains those steps again), and reads an older `{ step, valLoss }`
// record or a damaged one without failing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BEST_RECORD, BestTracker, readBestRecord } from './early-stopping';

const ev = (step: number, accuracy: number, valLoss = 1) => ({ step, valLoss, metrics: { accuracy } });

describe('BestTracker', () => {
  it('keeps the best evaluation and counts those that do not improve on it', () => {
    const t = new BestTracker();
    expect(t.observe(ev(0, 0.2))).toBe('improved');
    expect(t.observe(ev(10, 0.5))).toBe('improved');
    expect(t.observe(ev(20, 0.5, 2))).toBe('not-improved'); // a tie on accuracy, with a higher loss
    expect(t.exhausted(20, 2)).toBe(false);
    expect(t.observe(ev(30, 0.4))).toBe('not-improved');
    expect(t.exhausted(30, 2)).toBe(true);
    expect(t.exhausted(30, 0)).toBe(false); // patience 0: never
    expect(t.best).toEqual({ step: 10, valLoss: 1, metrics: { accuracy: 0.5 } });
    expect(t.record()).toEqual({ step: 10, valLoss: 1, metrics: { accuracy: 0.5 }, metric: 'accuracy', sinceBest: 2, evaluatedStep: 30 });
    expect(t.observe(ev(40, 0.6))).toBe('improved');
    expect(t.sinceBest).toBe(0);
  });

  it('never takes an evaluation with a non-finite loss as the best', () => {
    const t = new BestTracker();
    expect(t.observe({ step: 0, valLoss: NaN, metrics: { accuracy: 0.9 } })).toBe('not-improved');
    expect(t.best).toBeUndefined();
    expect(t.record()).toBeUndefined();
  });

  it('resumed from its record, replays the evaluations it counted and decides only at the recorded one', () => {
    const t = new BestTracker();
    for (const e of [ev(0, 0.1), ev(10, 0.5), ev(20, 0.4), ev(30, 0.3)]) t.observe(e);
    const resumed = new BestTracker(t.record());
    // resumed from a checkpoint at step 15: steps 16–30 run again, their evaluations are already counted
    expect(resumed.observe(ev(20, 0.4))).toBe('replayed');
    expect(resumed.exhausted(20, 2)).toBe(false); // the count (2) is that of step 30, not of step 20
    expect(resumed.observe(ev(30, 0.3))).toBe('replayed');
    expect(resumed.exhausted(30, 2)).toBe(true);
    expect(resumed.observe(ev(40, 0.2))).toBe('not-improved');
    expect(resumed.sinceBest).toBe(3);
  });
});

describe('readBestRecord', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqstudio-best-'));

  it('reads what the tracker wrote, an older record, and nothing from a damaged one', () => {
    expect(readBestRecord(dir)).toBeUndefined();
    const t = new BestTracker();
    t.observe(ev(5, 0.7, 0.3));
    t.observe(ev(10, 0.6, 0.4));
    writeFileSync(join(dir, BEST_RECORD), JSON.stringify(t.record()));
    expect(readBestRecord(dir)).toEqual(t.record());
    writeFileSync(join(dir, BEST_RECORD), JSON.stringify({ step: 300, valLoss: 1.25 }) + '\n');
    expect(readBestRecord(dir)).toEqual({ step: 300, valLoss: 1.25, metrics: {}, metric: null, sinceBest: 0, evaluatedStep: -1 });
    for (const bad of ['{"step": -3, "valLoss": 1}', '{"step": 3}', 'not json', '[]']) {
      writeFileSync(join(dir, BEST_RECORD), bad);
      expect(readBestRecord(dir), bad).toBeUndefined();
    }
  });
});
