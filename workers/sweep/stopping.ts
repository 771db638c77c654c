// Early stopping of a sweep's weak trials, on each trial's validation objective at each evaluation (lower is better:
// the sweep negates a metric where higher is better). Two rules:
//
//   median  the median stopping rule (Golovin et al., "Google Vizier", KDD 2017): after the grace period, a trial
//           whose best objective by step s is strictly worse than the median of the other trials' running averages
//           up to step s is stopped (the others: those that have reported at step s or later; at least `minTrials`).
//   asha    asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter Tuning",
//           MLSys 2020): rungs at r·η^k steps (r the grace period) below the trials' length; a trial reaching a rung
//           records its objective there and goes on only if it is among the top ⌊n/η⌋ (at least the best one) of the
//           n results that rung holds so far, itself included — promotion decided as results arrive, never waiting
//           for a rung to fill; one that is not is stopped.
//
// Both are replayable: fed the trial log's evaluations in order after a kill, they reach the same state, so the
// sweep folder needs no other record of them. Plain TypeScript.

export type StopRuleName = 'asha' | 'median' | 'none';
export const STOP_RULES: readonly StopRuleName[] = ['asha', 'median', 'none'];

export type StopRule =
  | { kind: 'none' }
  | { kind: 'median'; grace: number; minTrials: number }
  | { kind: 'asha'; grace: number; eta: number; maxSteps: number };

/** Why a trial is stopped, in words for the trial table. */
export interface StopDecision {
  why: string;
  /** ASHA: the rung (0-based) it was stopped at. */
  rung?: number;
}

export interface Stopper {
  /** A trial's evaluation at `step`; a decision when the trial should stop. */
  report(trial: number, step: number, objective: number): StopDecision | undefined;
}

/** How a rule's message shows an objective: the sweep shows it as the metric it came from (accuracy 0.52, not −0.52). */
export type ShowObjective = (objective: number) => string;

export function makeStopper(rule: StopRule, show: ShowObjective = fmt): Stopper {
  switch (rule.kind) {
    case 'none':
      return { report: () => undefined };
    case 'median':
      return new MedianStopping(rule.grace, rule.minTrials, show);
    case 'asha':
      return new Asha(rule.grace, rule.eta, rule.maxSteps, show);
    default:
      throw new Error(`Unsupported stop rule: ${(rule as { kind: string }).kind}`);
  }
}

const fmt = (v: number): string => (Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v));

// ============================================== median ==============================================================

export class MedianStopping implements Stopper {
  /** Each trial's evaluations in the order they came (steps increase; a step reported again replaces its value). */
  private readonly series = new Map<number, { step: number; value: number }[]>();

  constructor(
    readonly grace: number,
    readonly minTrials = 3,
    private readonly show: ShowObjective = fmt,
  ) {}

  report(trial: number, step: number, objective: number): StopDecision | undefined {
    let mine = this.series.get(trial);
    if (!mine) this.series.set(trial, (mine = []));
    // a resumed trial reports again the steps after its checkpoint: its later figures replace the earlier ones
    while (mine.length && mine[mine.length - 1].step >= step) mine.pop();
    mine.push({ step, value: objective });
    if (step < this.grace) return undefined;
    const averages: number[] = [];
    for (const [other, s] of this.series) {
      if (other === trial || s.length === 0 || s[s.length - 1].step < step) continue;
      const upTo = s.filter((e) => e.step <= step);
      averages.push(upTo.reduce((a, e) => a + e.value, 0) / upTo.length);
    }
    if (averages.length < this.minTrials) return undefined;
    const best = Math.min(...mine.map((e) => e.value));
    const m = median(averages);
    if (best > m || (Number.isNaN(best) && !Number.isNaN(m))) {
      return { why: `median stopping at step ${step}: its best ${this.show(best)} is worse than the median ${this.show(m)} of ${averages.length} other trials' running averages` };
    }
    return undefined;
  }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

// ============================================== ASHA ================================================================

export class Asha implements Stopper {
  /** The rungs' steps: grace·η^k below maxSteps. */
  readonly rungs: number[] = [];
  /** Each rung's results: trial → objective. */
  private readonly results: Map<number, number>[] = [];

  constructor(
    readonly grace: number,
    readonly eta: number,
    readonly maxSteps: number,
    private readonly show: ShowObjective = fmt,
  ) {
    if (!(grace >= 1) || !(eta >= 2)) throw new Error(`ASHA needs a grace period of at least 1 step and η ≥ 2 (got ${grace}, ${eta})`);
    for (let r = grace; r < maxSteps; r *= eta) {
      this.rungs.push(r);
      this.results.push(new Map());
    }
  }

  report(trial: number, step: number, objective: number): StopDecision | undefined {
    const value = Number.isNaN(objective) ? Infinity : objective;
    for (let k = 0; k < this.rungs.length && this.rungs[k] <= step; k++) {
      const rung = this.results[k];
      if (rung.has(trial)) continue; // already judged here (or a resumed trial reporting again)
      rung.set(trial, value);
      const sorted = [...rung.values()].sort((a, b) => a - b);
      const top = Math.max(1, Math.floor(sorted.length / this.eta));
      const cutoff = sorted[top - 1];
      if (value > cutoff) {
        return {
          rung: k,
          why: `ASHA rung ${k + 1} (step ${this.rungs[k]}): ${this.show(value)} is not in the top ${top} of the ${sorted.length} results there (cut-off ${this.show(cutoff)})`,
        };
      }
    }
    return undefined;
  }

  /** The trials recorded at rung k (for tests and the studio). */
  rungResults(k: number): ReadonlyMap<number, number> {
    return this.results[k];
  }
}
