// The trainer worker's run loop with early stopping and a time budget, on real worker threads (through the run
// service, as the CLI and the studio start runs): a run with patience stops before its step count and ends with its
// best evaluation's parameters at its last step (the optimiser state, data position and carried state stay the last
// step's: compared with checkpoint.best.bin and with a plain run to the same step); a tiny time budget ends a run by
// time; Stop does not restore, and Continue after a Stop, or after a kill that left the checkpoint behind the best
// record, stops where the uninterrupted run stops with the same parameters, bit for bit; two data-parallel workers
// restore the best parameters into what rank 0 evaluates and writes.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvaluationEvent } from '../src-shared/events';
import { DEFAULT_TRAIN_SETTINGS, type TrainSettings } from '../src-shared/model';
import { startRun, type RunEvent, type RunHandle, type RunOutcome } from '../src-main/services/runs';
import { readCheckpoint } from './engine/checkpoint';
import { readBestRecord } from './engine/early-stopping';
import type { ModelChoice } from './protocol';

const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-early-'));

// Short sentences labelled by whether they hold "good", a quarter of the labels flipped: a little to learn, then
// plenty to over-fit, so the validation figures peak and fall back within a few hundred steps.
const data = join(tmp, 'noisy.tsv');
{
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega good bad'.split(' ');
  const rows = ['sentence\tlabel'];
  for (let i = 0; i < 300; i++) {
    const w = Array.from({ length: 3 + Math.floor(rnd() * 6) }, () => words[Math.floor(rnd() * words.length)]);
    const good = w.includes('good');
    rows.push(`${w.join(' ')}\t${rnd() < 0.25 ? Number(!good) : Number(good)}`);
  }
  writeFileSync(data, rows.join('\n') + '\n');
}

const small: ModelChoice = { cell: 'gru', layers: 1, hiddenSize: 32, embedSize: 8, bidirectional: false, dropout: 0, forgetBias: 1 };
/** Steps of several milliseconds: a Stop sent at an evaluation lands well before the run would stop early. */
const slow: ModelChoice = { cell: 'lstm', layers: 2, hiddenSize: 128, embedSize: 16, bidirectional: false, dropout: 0, forgetBias: 1 };
const base: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS, batchSize: 16, learningRate: 0.01, evaluateEvery: 10, diagnosticsEvery: 0, steps: 3000 };

interface Trained {
  outcome: RunOutcome;
  events: RunEvent[];
  evaluations: EvaluationEvent[];
}

async function train(dir: string, model: ModelChoice, settings: Partial<TrainSettings>, opts: { workers?: number; resume?: boolean; watch?: (e: RunEvent, h: RunHandle) => void } = {}): Promise<Trained> {
  const events: RunEvent[] = [];
  const h: RunHandle = startRun({ runDir: join(tmp, dir), data: { path: data, format: 'auto', valFraction: 0.1 }, model, settings: { ...base, ...settings }, workers: opts.workers, resume: opts.resume }, (e) => {
    events.push(e);
    opts.watch?.(e, h);
  });
  const outcome = await h.done;
  expect(outcome.reason, outcome.message).not.toBe('error');
  return { outcome, events, evaluations: events.filter((e): e is EvaluationEvent => e.type === 'evaluation') };
}

const ckpt = (dir: string, name = 'checkpoint.bin') => readCheckpoint(join(tmp, dir, name));
const steps = (dir: string): number[] =>
  readFileSync(join(tmp, dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; step: number })
    .filter((e) => e.type === 'step')
    .map((e) => e.step);
const same = (a: Float32Array | undefined, b: Float32Array | undefined): boolean => a !== undefined && b !== undefined && a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

/** The early-stopped run's own account: where it stopped, its best, its restored evaluation. */
function expectEarlyStop(r: Trained, patience: number, maxSteps: number): { stop: number; best: number } {
  const s = r.outcome.summary!;
  expect(r.outcome.reason).toBe('finished');
  expect(s.stopReason).toBe('early-stopped');
  expect(s.steps).toBeLessThan(maxSteps);
  expect(s.restoredBest).toBe(true);
  const counted = r.evaluations.filter((e) => !e.restored);
  const bestEval = counted.find((e) => e.step === s.bestStep)!;
  expect(bestEval.sinceBest).toBe(0);
  // exactly `patience` evaluations after the best, none of them better, the last one at the stop
  const after = counted.filter((e) => e.step > s.bestStep!);
  expect(after.map((e) => e.sinceBest)).toEqual(Array.from({ length: patience }, (_, i) => i + 1));
  expect(after.at(-1)!.step).toBe(s.steps);
  // the final evaluation is of the restored parameters: the best one's figures, at the last step
  const restored = r.evaluations.at(-1)!;
  expect(restored).toMatchObject({ restored: true, step: s.steps, bestStep: s.bestStep });
  expect(restored.valLoss).toBe(bestEval.valLoss);
  expect(restored.metrics).toEqual(bestEval.metrics);
  expect(s.valLoss).toBe(bestEval.valLoss);
  expect(s.metrics).toEqual(bestEval.metrics);
  return { stop: s.steps, best: s.bestStep! };
}

describe('early stopping', () => {
  it('stops after `patience` evaluations without improvement, with the best parameters at its last step', async () => {
    const early = await train('early', small, { patience: 4 });
    const { stop, best } = expectEarlyStop(early, 4, base.steps);
    expect(best).toBeGreaterThan(0); // it learnt something before it over-fitted
    // checkpoint.bin: the last step, with the best checkpoint's parameters
    const last = ckpt('early');
    const kept = ckpt('early', 'checkpoint.best.bin');
    expect(last.step).toBe(stop);
    expect(kept.step).toBe(best);
    expect(same(last.params, kept.params)).toBe(true);
    expect(readBestRecord(join(tmp, 'early'))).toMatchObject({ step: best, sinceBest: 4, evaluatedStep: stop, metric: 'accuracy' });
    // … and the last step's optimiser moments, data position and carried state: those of a plain run to that step
    const plain = await train('plain', small, { steps: stop });
    expect(plain.outcome.summary).toMatchObject({ stopReason: 'finished', restoredBest: false, bestStep: best });
    expect(plain.evaluations.map((e) => [e.step, e.valLoss])).toEqual(early.evaluations.filter((e) => !e.restored).map((e) => [e.step, e.valLoss]));
    const reference = ckpt('plain');
    expect(same(last.moment1, reference.moment1) && same(last.moment2, reference.moment2)).toBe(true);
    expect(last.dataCursor).toBe(reference.dataCursor);
    expect(same(last.params, reference.params)).toBe(false);
    expect(same(kept.moment1, reference.moment1)).toBe(false);
    expect(existsSync(join(tmp, 'plain', 'checkpoint.best.bin'))).toBe(false); // no patience, budget or checkpoints: none kept, as before
    // Continue goes on at the next step, from the best parameters; no step is reported twice
    const more = await train('early', small, { patience: 0, steps: stop + 15 }, { resume: true });
    expect(more.events.find((e) => e.type === 'step')).toMatchObject({ step: stop + 1 });
    expect(more.outcome.summary).toMatchObject({ steps: stop + 15, stopReason: 'finished', restoredBest: false });
    expect(steps('early')).toEqual(Array.from({ length: stop + 15 }, (_, i) => i + 1));
  });

  it('ends a run whose time budget is spent, after the step that spent it', async () => {
    const budget = 0.05;
    const r = await train('budget', small, { timeBudgetSeconds: budget, steps: 1_000_000 });
    const s = r.outcome.summary!;
    expect(r.outcome.reason).toBe('finished');
    expect(s.stopReason).toBe('time-budget');
    expect(s.steps).toBeLessThan(1_000_000);
    const seconds = r.events.flatMap((e) => (e.type === 'step' ? [e.seconds] : []));
    expect(seconds.length).toBe(s.steps);
    expect(seconds.at(-1)).toBeGreaterThanOrEqual(budget);
    expect(seconds.at(-2)).toBeLessThan(budget);
    expect(s.seconds).toBeCloseTo(seconds.at(-1)!, 9);
    expect(ckpt('budget').step).toBe(s.steps);
    if (s.restoredBest) expect(same(ckpt('budget').params, ckpt('budget', 'checkpoint.best.bin').params)).toBe(true);
  });

  it('Stop keeps the last parameters, and Continue stops where the uninterrupted run stops, bit for bit', async () => {
    const patience = 8;
    const whole = await train('whole', slow, { patience });
    const { stop, best } = expectEarlyStop(whole, patience, base.steps);
    // the same run, stopped once an evaluation has not improved (so the count matters), then continued
    let asked = 0; // the step of the evaluation the Stop was sent at
    const stopped = await train('stopped', slow, { patience }, {
      watch: (e, h) => {
        if (e.type === 'evaluation' && (e.sinceBest ?? 0) >= 1 && asked === 0) {
          asked = e.step;
          h.stop();
        }
      },
    });
    const s = stopped.outcome.summary!;
    expect(stopped.outcome.reason).toBe('stopped');
    expect(s.stopReason).toBe('stopped');
    expect(asked).toBeGreaterThan(0);
    expect(s.steps).toBeGreaterThanOrEqual(asked);
    expect(s.steps).toBeLessThan(stop);
    expect(s.restoredBest).toBe(false);
    expect(stopped.evaluations.some((e) => e.restored)).toBe(false);
    const atStop = ckpt('stopped');
    expect(atStop.step).toBe(s.steps);
    expect(same(atStop.params, ckpt('stopped', 'checkpoint.best.bin').params)).toBe(false);
    // the evaluation a Stop adds off the schedule is not counted
    expect(readBestRecord(join(tmp, 'stopped'))!.evaluatedStep).toBe(Math.floor(s.steps / base.evaluateEvery) * base.evaluateEvery);
    const record = readBestRecord(join(tmp, 'stopped'))!;
    const continued = await train('stopped', slow, { patience }, { resume: true });
    expectEarlyStop({ ...continued, evaluations: [...stopped.evaluations.filter((e) => e.step <= record.evaluatedStep), ...continued.evaluations] }, patience, base.steps);
    expect(continued.outcome.summary).toMatchObject({ steps: stop, bestStep: best });
    // the count went on from where it was: the first evaluation after the Stop is one more than the record's
    expect(continued.evaluations[0].sinceBest).toBe(record.step === continued.evaluations[0].bestStep ? record.sinceBest + 1 : 0);
    expect(same(ckpt('stopped').params, ckpt('whole').params)).toBe(true);
    expect(same(ckpt('stopped').moment1, ckpt('whole').moment1)).toBe(true);
  }, 120_000);

  it('after a kill that left the checkpoint behind the best record, the resumed run counts as the uninterrupted one', async () => {
    const patience = 5;
    const whole = await train('k-whole', small, { patience });
    const { stop, best } = expectEarlyStop(whole, patience, base.steps);
    // A kill after the run counted its last evaluation, before it wrote its final checkpoint, long after the one
    // before: the folder holds the end's record and best checkpoint, and the latest checkpoint of an earlier step
    // (here that of a plain run to that step: evaluating changes nothing in training, so it is the same state).
    const back = Math.floor((best + stop) / 2) - 3;
    await train('killed', small, { steps: back });
    for (const f of ['checkpoint.best.bin', 'checkpoint.best.bin.json']) copyFileSync(join(tmp, 'k-whole', f), join(tmp, 'killed', f));
    const record = readBestRecord(join(tmp, 'killed'))!;
    expect(record).toMatchObject({ step: best, evaluatedStep: stop, sinceBest: patience });
    expect(ckpt('killed').step).toBe(back);
    const resumed = await train('killed', small, { patience }, { resume: true });
    // the evaluations it trains again are counted already: they change nothing, and the run stops at the same step
    const replayed = resumed.evaluations.filter((e) => !e.restored);
    expect(replayed.map((e) => e.step)).toEqual(whole.evaluations.filter((e) => !e.restored && e.step > back).map((e) => e.step));
    for (const e of replayed) expect(e.bestStep).toBeUndefined();
    expect(resumed.outcome.summary).toMatchObject({ stopReason: 'early-stopped', steps: stop, bestStep: best, restoredBest: true });
    expect(same(ckpt('killed').params, ckpt('k-whole').params)).toBe(true);
    expect(resumed.evaluations.at(-1)).toEqual(whole.evaluations.at(-1));
  });

  it('restores the best parameters into what rank 0 evaluates and writes with two data-parallel workers', async () => {
    const patience = 4;
    const r = await train('dp', small, { patience }, { workers: 2 });
    const { stop, best } = expectEarlyStop(r, patience, base.steps);
    const last = ckpt('dp');
    expect(last.step).toBe(stop);
    expect(same(last.params, ckpt('dp', 'checkpoint.best.bin').params)).toBe(true);
    const plain = await train('dp-plain', small, { steps: stop }, { workers: 2 });
    expect(plain.outcome.summary!.bestStep).toBe(best);
    const reference = ckpt('dp-plain');
    expect(same(last.moment1, reference.moment1) && same(last.moment2, reference.moment2)).toBe(true);
    expect(same(last.params, reference.params)).toBe(false);
  });
});
