// The best evaluation of a run and early stopping on it: which evaluation is the best so far (by the primary
// validation metric, ties by the lower validation loss: src-shared/metrics.ts), how many evaluations in a row have
// not improved on it, and when that reaches the run's patience. The worker (trainer.worker.ts) keeps the best
// checkpoint beside the latest and this tracker's record in its sidecar, `checkpoint.best.bin.json`, rewritten at
// every evaluation, so the count survives a kill -9 and a resume.
//
// After a kill the run resumes from its latest checkpoint, which may be older than the record: the steps in between
// are trained again, to the same parameters, and their evaluations are already counted in the record. So an
// evaluation at or before the record's `evaluatedStep` is a replay: it changes nothing, and only the replay of the
// recorded evaluation itself can end the run (as it did, or would have, the first time).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isBetterEvaluation, primaryMetric } from '../../src-shared/metrics';
import { BEST_CHECKPOINT } from './checkpoint';

/** The figures of one evaluation. */
export interface EvaluationFigures {
  step: number;
  valLoss: number;
  metrics: Record<string, number>;
}

/** `checkpoint.best.bin.json`: the best evaluation (its checkpoint is checkpoint.best.bin) and the patience count. */
export interface BestRecord extends EvaluationFigures {
  /** The metric it was judged by (for people reading the file; the judging uses src-shared/metrics.ts). */
  metric: string | null;
  /** Evaluations in a row, up to `evaluatedStep`, without improving on this one. */
  sinceBest: number;
  /** The last evaluation counted (-1: none). */
  evaluatedStep: number;
}

export type Verdict = 'improved' | 'not-improved' | 'replayed';

export class BestTracker {
  best?: EvaluationFigures;
  sinceBest = 0;
  evaluatedStep = -1;

  constructor(record?: BestRecord) {
    if (!record) return;
    this.best = { step: record.step, valLoss: record.valLoss, metrics: record.metrics };
    this.sinceBest = record.sinceBest;
    this.evaluatedStep = record.evaluatedStep;
  }

  /** Counts one evaluation. Only one with a finite validation loss can be the best. */
  observe(e: EvaluationFigures): Verdict {
    if (e.step <= this.evaluatedStep) return 'replayed';
    this.evaluatedStep = e.step;
    if (Number.isFinite(e.valLoss) && isBetterEvaluation(e, this.best)) {
      this.best = { step: e.step, valLoss: e.valLoss, metrics: { ...e.metrics } };
      this.sinceBest = 0;
      return 'improved';
    }
    this.sinceBest++;
    return 'not-improved';
  }

  /** After the evaluation at `step`: `patience` evaluations in a row have not improved (never during a replay). */
  exhausted(step: number, patience: number): boolean {
    return patience > 0 && step >= this.evaluatedStep && this.sinceBest >= patience;
  }

  record(): BestRecord | undefined {
    if (!this.best) return undefined;
    return { ...this.best, metric: primaryMetric(Object.keys(this.best.metrics)), sinceBest: this.sinceBest, evaluatedStep: this.evaluatedStep };
  }
}

/** The best checkpoint's record, beside it. */
export const BEST_RECORD = `${BEST_CHECKPOINT}.json`;

/**
 * A run's best record; undefined when there is none or it is damaged (the run then judges afresh). A record written
 * before early stopping existed (`{ step, valLoss }`) reads as a best judged by its validation loss, counted from
 * here.
 */
export function readBestRecord(runDir: string): BestRecord | undefined {
  let r: Partial<BestRecord>;
  try {
    r = JSON.parse(readFileSync(join(runDir, BEST_RECORD), 'utf8')) as Partial<BestRecord>;
  } catch {
    return undefined;
  }
  const count = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= -1;
  if (typeof r !== 'object' || r === null || !count(r.step) || r.step < 0 || typeof r.valLoss !== 'number' || !Number.isFinite(r.valLoss)) return undefined;
  const metrics: Record<string, number> = {};
  if (typeof r.metrics === 'object' && r.metrics !== null) for (const [k, v] of Object.entries(r.metrics)) if (typeof v === 'number') metrics[k] = v;
  return {
    step: r.step,
    valLoss: r.valLoss,
    metrics,
    metric: typeof r.metric === 'string' ? r.metric : null,
    sinceBest: count(r.sinceBest) && r.sinceBest >= 0 ? r.sinceBest : 0,
    evaluatedStep: count(r.evaluatedStep) ? r.evaluatedStep : -1,
  };
}
