// `seqstudio sweep`: a hyper-parameter and architecture search on a file. The data's recipe (what `train` with no
// flags runs, and any train flag given here) fills every setting the search space does not name; trials run in
// parallel through the sweep service (services/sweep.ts), each a normal run folder under the sweep folder's trials/.
// Prints a line per finished trial and a final table sorted by the metric; `--resume SWEEP_DIR` continues a sweep
// that was stopped or killed.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { DataRequest } from '../../src-shared/dataset';
import { metricInfo, METRICS, metricWord } from '../../src-shared/metrics';
import { SETTINGS, type SettingKey } from '../../src-shared/settings';
import { SEARCH_METHODS, type SearchMethod } from '../../workers/sweep/search';
import { describeParams, formatSpace, parseSpace, shortValue, type SearchSpace } from '../../workers/sweep/space';
import { STOP_RULES, type StopRule, type StopRuleName } from '../../workers/sweep/stopping';
import { readSweepFile, SWEEP_FORMAT, SWEEP_VERSION, type SweepFile, type TrialState } from '../../workers/sweep/sweep-folder';
import { LockedError } from '../services/lock';
import { RunRefused } from '../services/runs';
import { bestEvaluation, createSweep, defaultParallel, rankTrials, startSweep, sweepImportance, sweepThreads, type SweepEvent, type SweepOutcome } from '../services/sweep';
import { flag, flagOptions, fmtDuration, intFlag, readFlag, readFlags, realFlag, UsageError } from './args';
import { untilDone } from './stdout';
import { DATA_KEYS, dataFlags, MODEL_KEYS, requestFile, runSettings, TRAINING_KEYS, inspectForRun } from './train';

/**
 * The train flags a sweep takes as fixed settings for every trial, with train's meaning (the data's `--target COL`
 * among them). Not --seed (the sweep's own seed), --workers (trials at once), --budget (the sweep's wall time) nor
 * --epochs (a trial's length is its steps). The metric the sweep aims for is `--goal METRIC=VALUE`.
 */
const FIXED_KEYS = [...MODEL_KEYS, ...TRAINING_KEYS, ...DATA_KEYS].filter((k) => !(['seed', 'workers', 'timeBudgetSeconds', 'epochs'] as SettingKey[]).includes(k));
const FIXED_MODEL_TRAINING = FIXED_KEYS.filter((k) => (MODEL_KEYS as readonly SettingKey[]).includes(k) || (TRAINING_KEYS as readonly SettingKey[]).includes(k)) as (typeof MODEL_KEYS)[number][];

export const SWEEP_USAGE = `  seqstudio sweep --data FILE --space 'cell=lstm,gru hidden=32..256:log lr=1e-4..1e-2:log layers=1..3 …'
                  [--method grid|random|tpe] [--trials N] [--budget DURATION] [--workers N] [--threads N]
                  [--stop asha|median|none] [--grace N] [--eta N] [--goal METRIC=VALUE] [--seed N] [--resolution N]
                  [any train flag, fixed for every trial] [--out DIR] [--json]
  seqstudio sweep --resume SWEEP_DIR [--json]`;

export const SWEEP_HELP = `sweep searches the settings its --space names (their train flags: a..b a range, :log in log space, :N an
integer's step, a,b,c choices) with grid, random or TPE (default) search, --trials N trials (default 20) at
--workers N at once (default: every core), each trained as train would with the data's recipe; --stop asha (default)
or median stops weak trials at their evaluations after --grace N steps (default: the first evaluation); --budget
ends the sweep after that much wall time, --goal accuracy=0.9 when a trial reaches it. Train's flags mean what they
mean to train (--target COL is the data's target column); --target METRIC=VALUE (with an =) still sets the goal but
is deprecated: use --goal. Each trial is a run folder under the sweep's --out DIR/trials/; --resume SWEEP_DIR
continues a stopped or killed sweep.`;

export async function sweepCommand(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...flagOptions(FIXED_KEYS),
      data: { type: 'string' },
      space: { type: 'string' },
      method: { type: 'string' },
      trials: { type: 'string' },
      budget: { type: 'string' },
      workers: { type: 'string' },
      threads: { type: 'string' },
      stop: { type: 'string' },
      grace: { type: 'string' },
      eta: { type: 'string' },
      goal: { type: 'string' },
      seed: { type: 'string' },
      resolution: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const json = o.json ?? false;
  if (o.resume !== undefined) {
    const extra = Object.keys(o).filter((k) => k !== 'resume' && k !== 'json' && o[k as keyof typeof o] !== undefined);
    if (extra.length) throw new UsageError(`--resume SWEEP_DIR continues the sweep as it was made; --${extra[0]} cannot change it (only --json can be given)`);
    const dir = resolve(o.resume);
    try {
      readSweepFile(dir);
    } catch (e) {
      throw new UsageError(`--resume ${(e as Error).message}`);
    }
    return runSweep(dir, json);
  }
  // `--target METRIC=VALUE`, as sweeps took their goal before --goal: still the goal (a column's name has no `=`)
  let goalText = o.goal;
  const flags = o as Record<string, string | boolean | undefined>;
  const targetText = flags[SETTINGS.target.flag];
  if (typeof targetText === 'string' && targetText.includes('=')) {
    if (goalText !== undefined) throw new UsageError(`--target ${targetText} and --goal ${goalText}: give the sweep's goal once, as --goal METRIC=VALUE (--target COL is the data's target column)`);
    goalText = targetText;
    delete flags[SETTINGS.target.flag];
    process.stderr.write(`seqstudio: --target ${goalText} is deprecated for the sweep's goal: use --goal ${goalText} (--target COL names the data's target column, as in train)\n`);
  }
  if (!o.data) throw new UsageError('--data FILE is required');
  if (!o.space) throw new UsageError(`--space is required: the settings to search, such as --space 'cell=lstm,gru hidden=32..256:log lr=1e-4..1e-2:log'`);
  const dataPath = resolve(o.data);
  if (!existsSync(dataPath)) throw new UsageError(`--data ${o.data}: no such file`);
  const space = parseSpace(o.space);
  for (const p of space) {
    if (o[SETTINGS[p.key].flag as keyof typeof o] !== undefined) throw new UsageError(`${flag(p.key)} is in the search space and given as a flag too: give it in one place`);
  }
  const method = (o.method ?? 'tpe') as SearchMethod;
  if (!SEARCH_METHODS.includes(method)) throw new UsageError(`--method ${o.method}: expected one of ${SEARCH_METHODS.join(', ')}`);
  const stopName = (o.stop ?? 'asha') as StopRuleName;
  if (!STOP_RULES.includes(stopName)) throw new UsageError(`--stop ${o.stop}: expected one of ${STOP_RULES.join(', ')}`);
  const trials = intFlag(o.trials, 'trials', 1, 100_000) ?? 20;
  const budgetSeconds = readFlag('timeBudgetSeconds', o.budget) ?? 0;
  const parallel = readFlag('workers', o.workers) ?? defaultParallel();
  const threadsGiven = intFlag(o.threads, 'threads', 1, 64);
  const seed = readFlag('seed', o.seed) ?? 1;
  const resolution = intFlag(o.resolution, 'resolution', 2, 100);
  const target = goalText === undefined ? undefined : parseGoal(goalText);
  const out = resolve(o.out ?? join('sweeps', new Date().toISOString().replace(/[:.]/g, '-')));
  if (existsSync(join(out, 'sweep.json'))) throw new UsageError(`--out ${out}: it holds a sweep already; continue it with --resume ${out}, or give another folder (nothing was changed)`);

  // the data's recipe, as train uses it with these flags
  const given = readFlags(FIXED_MODEL_TRAINING, o) as Parameters<typeof runSettings>[0];
  const lengthGiven = given.steps !== undefined;
  const valFraction = (given as { valFraction?: number }).valFraction ?? (SETTINGS.valFraction.default as number);
  const data = dataFlags(o);
  const inspection = await inspectForRun(dataPath, data, valFraction, given.batchSize);
  const { settings, model } = runSettings(given, inspection.chosen.recipe, lengthGiven);
  const explicit = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined));
  const dataRequest: DataRequest = { ...(inspection.chosen.choice ?? {}), ...explicit, path: dataPath, format: data.format, valFraction } as DataRequest;
  if (stopName !== 'none' && settings.evaluateEvery === 0) throw new UsageError(`--stop ${stopName} judges trials at their evaluations: give ${flag('evaluateEvery')} a number of steps, not 0 (or --stop none)`);
  const grace = intFlag(o.grace, 'grace', 1, 1e7) ?? settings.evaluateEvery;
  const maxSteps = Math.max(settings.steps, ...space.filter((p) => p.key === 'steps').map((p) => (p.kind === 'choice' ? Math.max(...(p.values as number[])) : p.high)));
  const stop: StopRule =
    stopName === 'asha' ? { kind: 'asha', grace, eta: intFlag(o.eta, 'eta', 2, 100) ?? 3, maxSteps } : stopName === 'median' ? { kind: 'median', grace, minTrials: 3 } : { kind: 'none' };

  const sweep: SweepFile = {
    format: SWEEP_FORMAT,
    version: SWEEP_VERSION,
    createdAt: new Date().toISOString(),
    data: dataRequest,
    model,
    settings,
    space: formatSpace(space),
    method,
    ...(resolution !== undefined ? { resolution } : {}),
    trials,
    budgetSeconds,
    ...(target ? { target } : {}),
    stop,
    seed,
    parallel,
    ...sweepThreads(threadsGiven, inspection.chosen.recipe?.workers),
  };
  const threads = sweep.threads;
  try {
    createSweep(out, sweep);
  } catch (e) {
    if (e instanceof RunRefused) throw new UsageError(`--out ${e.message}`);
    throw e;
  }
  if (json) process.stdout.write(JSON.stringify({ type: 'sweep-made', dir: out, ...sweep }) + '\n');
  else {
    process.stdout.write(
      `data: ${inspection.proposal.shape} — ${inspection.proposal.task}\n` +
        `sweep: ${method} over ${sweep.space}; ${trials} trials, ${parallel} at once (${threads} thread${threads > 1 ? 's' : ''} each)` +
        `${budgetSeconds > 0 ? `, budget ${fmtDuration(budgetSeconds)}` : ''}${target ? `, goal ${target.metric} ${target.value}` : ''}; stop: ${describeStop(stop)}\n` +
        `each trial: ${settings.steps} steps, evaluated every ${settings.evaluateEvery}${settings.patience > 0 ? `, patience ${settings.patience}` : ''}${settings.timeBudgetSeconds > 0 ? `, at most ${fmtDuration(settings.timeBudgetSeconds)}` : ''}; sweep folder ${out}\n`,
    );
  }
  return runSweep(out, json);
}

/** `--goal accuracy=0.9`: a metric the runs report, and its value (sweep.json's `target`). */
function parseGoal(text: string): { metric: string; value: number } {
  const m = /^([A-Za-z][A-Za-z0-9]*)=(.+)$/.exec(text.trim());
  const names = [...Object.keys(METRICS), 'valLoss'];
  if (!m || !Number.isFinite(Number(m[2]))) throw new UsageError(`--goal ${text}: expected METRIC=VALUE, such as accuracy=0.9 or rmse=0.5 (metrics: ${names.join(', ')})`);
  if (!names.includes(m[1])) throw new UsageError(`--goal ${text}: no metric "${m[1]}" (metrics: ${names.join(', ')})`);
  return { metric: m[1], value: Number(m[2]) };
}

function describeStop(s: StopRule): string {
  if (s.kind === 'asha') return `ASHA, rungs at ${s.grace}·${s.eta}^k steps`;
  if (s.kind === 'median') return `median rule after ${s.grace} steps`;
  return 'none';
}

const fmtValue = (metric: string | undefined, v: number | undefined): string => (v === undefined ? '-' : metric && metricInfo(metric).percent ? v.toFixed(4) : v.toPrecision(4));

/** Runs the sweep in `dir` (new or resumed) with progress lines and the final table. */
async function runSweep(dir: string, json: boolean): Promise<number> {
  const sweep = readSweepFile(dir);
  const space = parseSpace(sweep.space);
  const onEvent = (e: SweepEvent): void => {
    if (e.type === 'trial-started') {
      if (json) process.stdout.write(JSON.stringify({ type: 'trial-started', trial: e.trial.index + 1, resumed: e.resumed, params: e.trial.params, runDir: e.trial.runDir }) + '\n');
      else if (e.resumed) process.stdout.write(`resuming trial ${e.trial.index + 1} from its checkpoint\n`);
    }
    if (e.type !== 'trial-ended' || e.trial.status === 'running') return;
    const t = e.trial;
    if (json) {
      process.stdout.write(JSON.stringify({ type: 'trial', ...trialJson(t, e.metric) }) + '\n');
      return;
    }
    const best = bestEvaluation(t, e.metric);
    const figure = best ? `  best ${e.metric === 'valLoss' || !e.metric ? 'val loss' : metricWord(e.metric)} ${fmtValue(e.metric, best.value)} at step ${best.step}` : '';
    process.stdout.write(`trial ${t.index + 1}/${sweep.trials} ${t.status}: ${describeParams(space, t.params)}  ${t.step} steps ${fmtDuration(t.seconds)}${figure}${t.why ? `  (${t.why})` : ''}\n`);
  };
  let handle;
  try {
    handle = startSweep(dir, { onEvent, requestFor: (runDir, req, threads) => requestFile(runDir, req.data, req.model, req.settings, threads) });
  } catch (e) {
    if (e instanceof LockedError) throw new UsageError(e.message);
    throw e;
  }
  const outcome = await untilDone(handle, (signal) =>
    json ? undefined : `\n${signal}: stopping the running trials after this step; continue with seqstudio sweep --resume ${dir} (press Ctrl+C again to abort)…\n`,
  );
  return report(outcome, space, json);
}

function trialJson(t: TrialState, metric: string | undefined) {
  const best = bestEvaluation(t, metric);
  return { trial: t.index + 1, status: t.status, why: t.why, params: t.params, seed: t.seed, threads: t.threads, runDir: t.runDir, steps: t.step, seconds: t.seconds, best: best ? { step: best.step, value: best.value, valLoss: best.valLoss, metrics: best.metrics } : undefined, last: t.evaluations.at(-1)?.value, nonFinite: t.nonFinite };
}

/** The final table (or JSON summary), best trial first. */
function report(outcome: SweepOutcome, space: SearchSpace, json: boolean): number {
  const { state } = outcome;
  const ranked = rankTrials(state);
  const metric = state.metric ?? 'valLoss';
  if (json) {
    process.stdout.write(JSON.stringify({ type: 'sweep', why: outcome.why, paused: outcome.paused, metric, higherIsBetter: metric !== 'valLoss' && metricInfo(metric).higherIsBetter, elapsed: state.elapsed, trials: ranked.map((t) => trialJson(t, state.metric)), importance: sweepImportance(space, state) }) + '\n');
  } else {
    const counts = (['finished', 'stopped-early', 'failed', 'stopped', 'running'] as const).map((s) => [s, state.trials.filter((t) => t.status === s).length] as const).filter(([, n]) => n > 0);
    process.stdout.write(`\nsweep ${outcome.paused ? 'paused' : 'ended'}: ${outcome.why}; ${state.trials.length} trial${state.trials.length === 1 ? '' : 's'} (${counts.map(([s, n]) => `${n} ${s}`).join(', ')}) in ${fmtDuration(state.elapsed)}\n`);
    const header = ['rank', 'trial', 'status', `best ${metric === 'valLoss' ? 'val loss' : metricWord(metric)}`, 'at step', 'steps', 'time', ...space.map((p) => SETTINGS[p.key].flag)];
    const rows = ranked.map((t, i) => {
      const b = bestEvaluation(t, state.metric);
      return [String(i + 1), `#${t.index + 1}`, t.status, fmtValue(metric, b?.value), b ? String(b.step) : '-', String(t.step), fmtDuration(t.seconds), ...space.map((p) => shortValue(t.params[p.key]))];
    });
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
    const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
    process.stdout.write([line(header), ...rows.map(line)].join('\n') + '\n');
    const mattered = sweepImportance(space, state);
    if (mattered.length) process.stdout.write(`what mattered (share of the variance of the best ${metric === 'valLoss' ? 'val loss' : metricWord(metric)} each setting explains alone): ${mattered.map((m) => `${SETTINGS[m.key].flag} ${(100 * m.share).toFixed(0)}%`).join(', ')}\n`);
    const best = ranked[0];
    if (best && bestEvaluation(best, state.metric)) process.stdout.write(`best: trial ${best.index + 1}, run folder ${join(outcome.dir, best.runDir)}\n`);
    if (outcome.paused) process.stdout.write(`continue with: seqstudio sweep --resume ${outcome.dir}\n`);
  }
  const anyResult = state.trials.some((t) => t.status !== 'failed');
  return state.trials.length > 0 && !anyResult ? 1 : 0;
}
