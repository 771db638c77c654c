// Median stopping and ASHA against their papers' rules, on hand-made sequences of results: which trial is stopped,
// at which step or rung, and which go on.

import { describe, expect, it } from 'vitest';
import { Asha, makeStopper, median, MedianStopping } from './stopping';

describe('ASHA (Li et al. 2020)', () => {
  it('puts rungs at r·η^k below the trials’ length', () => {
    expect(new Asha(10, 3, 100).rungs).toEqual([10, 30, 90]);
    expect(new Asha(10, 3, 90).rungs).toEqual([10, 30]);
    expect(new Asha(5, 2, 41).rungs).toEqual([5, 10, 20, 40]);
    expect(() => new Asha(0, 3, 100)).toThrow(/grace period/);
  });

  it('goes on with the top ⌊n/η⌋ (at least the best) of each rung’s results so far, and stops the rest', () => {
    const asha = new Asha(10, 3, 100); // rungs at steps 10, 30, 90
    const stopped: Record<string, number | undefined> = {};
    const report = (name: string, trial: number, step: number, v: number): void => {
      const d = asha.report(trial, step, v);
      if (d) stopped[name] = d.rung;
    };
    report('A', 0, 10, 0.5); // rung 1: [A .5] — the only one, the best: goes on
    report('B', 1, 10, 0.7); // [.5 .7]: top ⌊2/3⌋ → 1 → .5; B is not: stopped at rung 1
    report('C', 2, 10, 0.3); // [.3 .5 .7]: top 1 → .3: C goes on
    report('D', 3, 10, 0.4); // 4 results, top 1 → .3: D stopped
    report('A', 0, 20, 0.45); // between rungs: nothing to judge
    report('A', 0, 30, 0.45); // rung 2: [A .45]: goes on
    report('E', 4, 10, 0.2); // 5 results, top 1 → .2: E goes on
    report('F', 5, 10, 0.25); // 6 results, top ⌊6/3⌋ = 2 → .25: F goes on
    report('C', 2, 30, 0.5); // rung 2: [.45 .5], top 1 → .45: C stopped at rung 2
    report('G', 6, 10, 0.6); // 7 results, top 2: stopped
    expect(stopped).toEqual({ B: 0, D: 0, C: 1, G: 0 });
    expect([...asha.rungResults(1).keys()]).toEqual([0, 2]);
  });

  it('judges every rung a trial passed between two evaluations, in order', () => {
    const asha = new Asha(10, 3, 100);
    expect(asha.report(0, 40, 0.5)).toBeUndefined(); // rungs 1 and 2 both recorded: the first there
    expect(asha.report(1, 10, 0.4)).toBeUndefined();
    const d = asha.report(1, 50, 0.6); // rung 2 (step 30): [.5 .6] → stopped there
    expect(d?.rung).toBe(1);
    expect(d?.why).toBe('ASHA rung 2 (step 30): 0.6 is not in the top 1 of the 2 results there (cut-off 0.5)');
  });

  it('judges a trial once per rung, so a resumed trial reporting again is not judged twice', () => {
    const asha = new Asha(10, 3, 100);
    asha.report(0, 10, 0.5);
    expect(asha.report(1, 10, 0.4)).toBeUndefined();
    expect(asha.report(1, 10, 0.9)).toBeUndefined(); // the same evaluation after a resume: already judged
    expect(asha.report(2, 10, Number.NaN)?.rung).toBe(0); // a diverged figure is the worst
  });
});

describe('median stopping (Golovin et al. 2017)', () => {
  it('stops a trial whose best so far is worse than the median of the others’ running averages, after the grace period', () => {
    const rule = new MedianStopping(20, 2);
    // A's running averages: 1.0, 0.9, 0.8; B's: 0.9, 0.8, 0.7
    for (const [step, a, b] of [[10, 1.0, 0.9], [20, 0.8, 0.7], [30, 0.6, 0.5]]) {
      expect(rule.report(0, step, a)).toBeUndefined();
      expect(rule.report(1, step, b)).toBeUndefined();
    }
    expect(rule.report(2, 10, 2.0)).toBeUndefined(); // within the grace period, however bad
    expect(rule.report(2, 20, 0.85)).toBeUndefined(); // best .85 vs median(.9, .8) = .85: not strictly worse
    const d = rule.report(2, 30, 0.9); // best .85 vs median(.8, .7) = .75: stopped
    expect(d?.why).toBe("median stopping at step 30: its best 0.85 is worse than the median 0.75 of 2 other trials' running averages");
  });

  it('waits for enough other trials that have reached the step', () => {
    const rule = new MedianStopping(10, 2);
    rule.report(0, 10, 0.1);
    rule.report(0, 20, 0.1);
    rule.report(1, 10, 0.1);
    expect(rule.report(2, 20, 5)).toBeUndefined(); // only A has reached step 20
    expect(rule.report(3, 10, 5)?.why).toMatch(/median 0\.1 of 3 other/); // at step 10: A .1, B .1, C 5 → stopped
  });

  it('takes the median of an even count as the mean of the middle two', () => {
    expect([median([3, 1, 2]), median([4, 1, 3, 2])]).toEqual([2, 2.5]);
  });

  it('none never stops', () => {
    const none = makeStopper({ kind: 'none' });
    for (let t = 0; t < 10; t++) expect(none.report(t, 100, t)).toBeUndefined();
  });
});
