// `seqstudio train`: trains a model on a file (the importer's proposal and the data's recipe, wherever a flag does
// not say otherwise), prints progress and a summary, and writes a run folder — the same kind of folder the studio
// writes (workers/engine/run-folder.ts), so a run made here inside a project's runs/ is listed by the studio there.
// `--resume RUN_DIR` continues a run as it was started. The flags are the settings table's (src-shared/settings.ts).

import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { attentionInfo, attentionOf, inputFeedingOf } from '../../src-shared/attention';
import { cellName } from '../../src-shared/cells';
import { dataRequestOf, DEFAULT_MODEL, type DataRequest, type Inspection, type Recipe } from '../../src-shared/dataset';
import { formatDurationShort } from '../../src-shared/duration';
import type { EvaluationEvent } from '../../src-shared/events';
import { metricWord, primaryMetric } from '../../src-shared/metrics';
import type { ModelSpec, TrainSettings } from '../../src-shared/model';
import { describeProblem, problemOf, renderMentions, RUN_SETTINGS, SETTINGS, type SettingKey } from '../../src-shared/settings';
import { CHECKPOINT_FILE, readRecord, REQUEST_FORMAT, REQUEST_VERSION, RUN_FILE, runName, type RunRequestFile } from '../../workers/engine/run-folder';
import type { RunSummary } from '../../workers/protocol';
import { LockedError } from '../services/lock';
import { Project } from '../services/project';
import { runInspect, RunRefused, startRun, type RunEvent, type RunRequest } from '../services/runs';
import { flag, flagOptions, fmtDuration, fmtInt, readFlags, UsageError, type FlagValue } from './args';
import { untilDone } from './stdout';

/** The data choices a flag can override: train's and inspect's. */
export const DATA_KEYS = ['format', 'shape', 'input', 'target', 'sequence', 'step', 'lookback', 'horizon', 'stride', 'difference', 'lag', 'season', 'split', 'wide', 'patch', 'tokens', 'targetTokens', 'maxLength', 'vocabularyCap', 'testFraction'] as const satisfies readonly SettingKey[];
export const MODEL_KEYS = ['cell', 'layers', 'hiddenSize', 'embedSize', 'bidirectional', 'dropout', 'forgetBias', 'attention', 'inputFeeding'] as const satisfies readonly SettingKey[];
export const TRAINING_KEYS = [
  'batchSize', 'sequenceLength', 'steps', 'epochs', 'optimizer', 'learningRate', 'momentum', 'beta1', 'beta2', 'epsilon', 'clipNorm', 'warmupSteps', 'decay', 'minLearningRate',
  'weightDecay', 'valFraction', 'seed', 'workers', 'patience', 'timeBudgetSeconds', 'evaluateEvery', 'diagnosticsEvery', 'checkpointEvery',
] as const satisfies readonly SettingKey[];
/** What `--resume RUN_DIR` may be given: how long it goes on and on how many threads. */
const RESUME_KEYS = ['steps', 'workers', 'patience', 'timeBudgetSeconds'] as const satisfies readonly SettingKey[];
export const TRAIN_KEYS = [...MODEL_KEYS, ...TRAINING_KEYS, ...DATA_KEYS];

/**
 * The importer's proposal for a run on `dataPath` with the data flags given (train and sweep start from it): the
 * data's choice and recipe; a usage error, in the flags' words, when the data cannot be trained so.
 */
export async function inspectForRun(dataPath: string, data: ReturnType<typeof dataFlags>, valFraction: number, batchSize: number | undefined): Promise<Inspection & { chosen: NonNullable<Inspection['chosen']> }> {
  const { format, ...choice } = data;
  let inspection: Inspection;
  try {
    inspection = await runInspect(dataPath, format, { ...choice, valFraction, ...(batchSize !== undefined ? { batchSize } : {}) });
  } catch (e) {
    throw new UsageError(describeProblem(problemOf(e), 'cli'));
  }
  const chosen = inspection.chosen;
  if (!chosen) throw new UsageError(inspection.chosenError ? describeProblem(inspection.chosenError, 'cli') : 'this data cannot be trained with these choices');
  return { ...inspection, chosen };
}

/** The data choices given as flags, checked (undefined where not given). */
export function dataFlags(values: Record<string, string | boolean | undefined>) {
  const d = readFlags(DATA_KEYS, values);
  return { ...d, format: d.format ?? 'auto', difference: values['no-difference'] ? false : d.difference || undefined, wide: d.wide || undefined };
}

export async function trainCommand(args: string[]): Promise<number> {
  // `--resume RUN_DIR`: continue that run exactly as it was started (its run.json); only RESUME_KEYS and --json may be
  // given beside it. (`--resume` alone, with --out DIR and the original flags, works as before.)
  let argv = args;
  const ri = argv.indexOf('--resume');
  if (ri >= 0 && argv[ri + 1] !== undefined && !argv[ri + 1].startsWith('-')) {
    const resumeDir = resolve(argv[ri + 1]);
    argv = [...argv.slice(0, ri + 1), ...argv.slice(ri + 2)];
    const allowed = ['--resume', '--json', ...RESUME_KEYS.map(flag)];
    const extra = argv.filter((a) => a.startsWith('--') && !allowed.includes(a.split('=')[0]));
    if (extra.length) {
      throw new UsageError(
        `--resume RUN_DIR continues the run as it was started; ${extra[0]} cannot change it (only ${flag('steps')}, ${flag('workers')} and --json can be given, ` +
          `and ${flag('patience')} and ${flag('timeBudgetSeconds')}, which say when it ends; to change other settings, fork the run in the studio)`,
      );
    }
    const recorded = runToResume(resumeDir);
    argv = [...argv, '--data', recorded.data.path, '--out', resumeDir];
    return trainWith(argv, recorded);
  }
  return trainWith(argv);
}

/** What `--resume RUN_DIR` needs from the run folder: its data request, model and settings (run.json). */
function runToResume(runDir: string): Pick<RunRequest, 'data' | 'model' | 'settings'> & { workers: number } {
  if (!existsSync(join(runDir, CHECKPOINT_FILE))) throw new UsageError(`--resume ${runDir}: no checkpoint.bin there (is it a run folder that has trained?)`);
  let r;
  try {
    r = readRecord(runDir);
  } catch (e) {
    throw new UsageError(`--resume ${(e as Error).message}`);
  }
  if (!existsSync(r.data.path)) throw new UsageError(`--resume ${runDir}: its dataset ${r.data.path} is gone (moved or deleted); put it back to continue`);
  return { data: dataRequestOf(r.data), model: r.model, settings: r.settings, workers: r.workers };
}

async function trainWith(argv: string[], recorded?: ReturnType<typeof runToResume>): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    strict: true,
    options: { ...flagOptions(TRAIN_KEYS), data: { type: 'string' }, out: { type: 'string' }, resume: { type: 'boolean' }, json: { type: 'boolean' } },
  });
  if (!o.data) throw new UsageError('--data FILE is required (a plain-text file or a CSV of a numeric series)');
  if (o.out !== undefined && !o.resume && !recorded && folderHasFiles(resolve(o.out))) {
    const dir = resolve(o.out);
    throw new UsageError(`--out ${dir}: the folder is not empty${existsSync(join(dir, CHECKPOINT_FILE)) ? ' (it holds a run)' : ''}; give --resume to continue that run, or another --out folder (nothing was changed)`);
  }
  // `--out DIR --resume` (the older form): the run goes on as it was started, like `--resume DIR`
  if (o.resume && !recorded && o.out && existsSync(join(resolve(o.out), RUN_FILE))) recorded = runToResume(resolve(o.out));
  const given = readFlags([...MODEL_KEYS, ...TRAINING_KEYS], o);
  if (given.steps !== undefined && given.epochs !== undefined) throw new UsageError(`give ${flag('steps')} or ${flag('epochs')}, not both`);
  const dataPath = resolve(o.data);
  if (!existsSync(dataPath)) throw new UsageError(`--data ${o.data}: no such file`);
  const valFraction = given.valFraction ?? (SETTINGS.valFraction.default as number);
  const json = o.json ?? false;
  const data = dataFlags(o);
  const lengthGiven = given.steps !== undefined || given.epochs !== undefined;

  // The default recipe: what the data calls for, wherever a flag does not say otherwise (not for a resumed run,
  // which goes on as it was started).
  let recipe: Recipe | undefined;
  let resolved: Partial<DataRequest> = {};
  if (!recorded && !o.resume) {
    const inspection = await inspectForRun(dataPath, data, valFraction, given.batchSize);
    recipe = inspection.chosen.recipe;
    resolved = inspection.chosen.choice ?? {};
    if (!json) printRecipe(inspection, recipe, given, lengthGiven);
    else process.stdout.write(JSON.stringify({ type: 'recipe', task: inspection.proposal.task, reason: inspection.proposal.reason, choice: resolved, recipe }) + '\n');
  }
  const r = recipe;
  const workers = given.workers ?? r?.workers ?? 1;
  const { settings, model } = runSettings(given, r, lengthGiven);
  if (settings.patience > 0 && settings.evaluateEvery === 0) throw new UsageError(`${flag('patience')} ${settings.patience} needs evaluations to count: give ${flag('evaluateEvery')} a number of steps, not 0`);
  const runDir = resolve(o.out ?? join('runs', `${new Date().toISOString().replace(/[:.]/g, '-')}-${model.cell}`));
  if (o.resume && !existsSync(join(runDir, CHECKPOINT_FILE))) throw new UsageError(`--resume: ${join(runDir, CHECKPOINT_FILE)} does not exist; name the run folder with --out`);

  const tty = process.stderr.isTTY && !json;
  let started = false;
  let lastVal = NaN;
  let lastF1 = NaN; // entity F1 of BIO tagging, shown beside the validation loss
  let lastPrint = 0;
  let totalSteps = settings.steps;
  let inForce = settings; // the settings the worker reports (steps resolved, a resumed run's own)
  let lastEval: EvaluationEvent | undefined; // the last evaluation of the parameters trained (not of a restored best)
  const onEvent = (e: RunEvent): void => {
    if (json) {
      if (e.type !== 'diagnostics') process.stdout.write(JSON.stringify(e) + '\n');
      if (e.type === 'ready') started = true;
      return;
    }
    switch (e.type) {
      case 'import-progress':
        if (tty) process.stderr.write(`\rreading ${o.data}: ${((100 * e.bytesRead) / Math.max(1, e.bytesTotal)).toFixed(0)}% (${fmtInt(e.rows)} rows)\x1b[K`);
        break;
      case 'ready':
        started = true;
        totalSteps = e.settings.steps;
        inForce = e.settings;
        if (tty) process.stderr.write('\r\x1b[K');
        for (const w of e.warnings) process.stderr.write(`warning: ${renderMentions(w, 'cli')}\n`);
        process.stdout.write(
          `${e.dataSummary}\nmodel: ${e.spec.stack.layers}×${e.spec.stack.hiddenSize} ${cellName(e.spec.stack.cell)}${e.spec.stack.bidirectional ? ' bidirectional' : ''}${attentionPhrase(e.spec)}, ` +
            `${fmtInt(e.parameterCount)} parameters, ${e.kernels} kernels, ${e.workers} worker${e.workers > 1 ? 's' : ''}; run folder ${runDir}\n`,
        );
        if (e.settings.patience > 0 || e.settings.timeBudgetSeconds > 0) process.stdout.write(`${endsEarlyLine(e.settings)}\n`);
        break;
      case 'evaluation':
        lastVal = e.valLoss;
        lastF1 = e.metrics.entityF1 ?? NaN;
        if (!e.restored) lastEval = e;
        if (!tty) process.stdout.write(`${e.restored ? `restored the best model (step ${fmtInt(e.bestStep!)}), ` : ''}step ${e.step}: val loss ${e.valLoss.toFixed(4)} ${Object.entries(e.metrics).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(' ')}\n`);
        break;
      case 'step': {
        const now = performance.now();
        if (now - lastPrint < 500 && e.step !== totalSteps) break;
        lastPrint = now;
        const budgetLeft = inForce.timeBudgetSeconds > 0 ? Math.max(0, inForce.timeBudgetSeconds - e.seconds) : Infinity;
        const eta = Math.min(((totalSteps - e.step) * e.seconds) / e.step, budgetLeft);
        const patience = inForce.patience > 0 && lastEval?.sinceBest !== undefined ? `  no better ${lastEval.sinceBest}/${inForce.patience}` : '';
        const val = Number.isNaN(lastVal) ? '-' : lastVal.toFixed(4);
        const f1 = Number.isNaN(lastF1) ? '' : `  entity F1 ${lastF1.toFixed(3)}`;
        const line = `step ${e.step}/${totalSteps}  loss ${e.loss.toFixed(4)}  val ${val}${f1}${patience}  ${fmtInt(e.tokensPerSecond)} tok/s  ETA ${fmtDuration(eta)}${budgetLeft < Infinity ? ' (budget)' : ''}`;
        if (tty) process.stderr.write(`\r${line}\x1b[K`);
        else if (e.step % 50 === 0 || e.step === totalSteps) process.stdout.write(line + '\n');
        break;
      }
      case 'paused':
      case 'resumed':
        process.stderr.write(`${tty ? '\n' : ''}${e.type} at step ${e.step}\n`);
        break;
      default:
        break;
    }
  };
  if (given.epochs !== undefined) settings.steps = -1; // resolved by the worker from the data size
  // The data as the proposal (with the flags) resolved it, written out in full so a resume builds the same data.
  const explicit = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined));
  const dataRequest: DataRequest = { ...resolved, ...explicit, path: dataPath, format: data.format, valFraction } as DataRequest;
  const request: RunRequest = recorded
    ? {
        runDir,
        data: recorded.data,
        model: recorded.model,
        settings: {
          ...recorded.settings,
          steps: given.steps ?? recorded.settings.steps,
          patience: given.patience ?? recorded.settings.patience,
          timeBudgetSeconds: given.timeBudgetSeconds ?? recorded.settings.timeBudgetSeconds,
        },
        resume: true,
        workers: given.workers ?? recorded.workers,
      }
    : { runDir, data: dataRequest, model, settings, resume: o.resume, epochs: given.epochs, workers, ...(o.resume ? {} : { request: requestFile(runDir, dataRequest, model, settings, workers) }) };
  totalSteps = request.settings.steps;
  let handle;
  try {
    handle = startRun(request, onEvent); // holds the run folder's lock until the run ends
  } catch (e) {
    if (e instanceof LockedError || e instanceof RunRefused) throw new UsageError(e.message);
    throw e;
  }
  // Ctrl+C, SIGTERM and SIGHUP stop after the current step, keeping its checkpoint; a second signal aborts.
  const outcome = await untilDone(handle, (signal) => `\n${signal === 'SIGINT' ? '' : `${signal}: `}stopping after this step (press Ctrl+C again to abort)…\n`);
  if (tty) process.stderr.write('\n');
  if (outcome.reason === 'error') {
    // an error about a setting is said with its flag
    process.stderr.write(`seqstudio train: ${outcome.event.problem ? describeProblem(outcome.event.problem, 'cli') : outcome.message}\n`);
    return started ? 1 : 2;
  }
  if (outcome.reason === 'diverged') {
    process.stderr.write(`seqstudio train: ${outcome.message}\n`);
    return 1;
  }
  if (!outcome.summary) {
    // stopped before its first step: nothing trained, nothing to summarise (an earlier summary.json is kept)
    if (!json) process.stdout.write(`stopped at step ${outcome.event.step} before training a step\nrun folder: ${runDir}\n`);
    return 0;
  }
  const s = outcome.summary;
  const fmtMetrics = (m: Record<string, number>): string => Object.entries(m).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(', ');
  if (json) process.stdout.write(JSON.stringify(s) + '\n');
  else {
    const why = whyItEnded(s, inForce, lastEval);
    if (why) process.stdout.write(why + '\n');
    process.stdout.write(
      `${outcome.reason === 'stopped' ? 'stopped' : 'done'}: ${s.steps} steps in ${fmtDuration(s.seconds)}, train loss ${s.trainLoss.toFixed(4)}, val loss ${s.valLoss.toFixed(4)}, ` +
        `${fmtMetrics(s.metrics)}, ${fmtInt(s.tokensPerSecond)} tok/s\n${s.baseline ? `baseline (${s.baseline.name}): ${fmtMetrics(s.baseline.metrics)}\n` : ''}` +
        `${s.test ? `held-out test (${fmtInt(s.test.items)} items, never trained on or chosen by): ${fmtMetrics(s.test.metrics)}\n` : ''}` +
        `${s.beam ? `decoded greedily above; by beam search (width ${s.beam.width}, length penalty ${s.beam.lengthPenalty}): ${fmtMetrics(s.beam.metrics)}\n` : ''}run folder: ${s.runDir}\n`,
    );
  }
  return 0;
}

/** The design and training flags a person gave (checked), by setting. */
export type RunFlags = { [K in (typeof MODEL_KEYS)[number] | (typeof TRAINING_KEYS)[number]]?: FlagValue<K> };

/**
 * The design and training settings of a new run: the flags given, then the data's recipe, then the settings table's
 * defaults (what `train` runs, and what each trial of `sweep` starts from before its search space's settings).
 */
export function runSettings(given: RunFlags, r: Recipe | undefined, lengthGiven: boolean): { settings: TrainSettings; model: RunRequest['model'] } {
  const D = RUN_SETTINGS;
  const settings: TrainSettings = {
    ...D,
    optimizer: given.optimizer ?? D.optimizer,
    learningRate: given.learningRate ?? (given.optimizer === 'sgd' ? 0.1 : r?.settings.learningRate ?? D.learningRate),
    momentum: given.momentum ?? D.momentum,
    beta1: given.beta1 ?? D.beta1,
    beta2: given.beta2 ?? D.beta2,
    epsilon: given.epsilon ?? D.epsilon,
    clipNorm: given.clipNorm ?? r?.settings.clipNorm ?? D.clipNorm,
    warmupSteps: given.warmupSteps ?? r?.settings.warmupSteps ?? D.warmupSteps,
    decay: given.decay ?? r?.settings.decay ?? D.decay,
    minLearningRate: given.minLearningRate ?? D.minLearningRate,
    weightDecay: given.weightDecay ?? D.weightDecay,
    batchSize: given.batchSize ?? r?.settings.batchSize ?? D.batchSize,
    sequenceLength: given.sequenceLength ?? r?.settings.sequenceLength ?? D.sequenceLength,
    steps: given.steps ?? r?.settings.steps ?? D.steps,
    seed: given.seed ?? D.seed,
    diagnosticsEvery: given.diagnosticsEvery ?? D.diagnosticsEvery,
    evaluateEvery: given.evaluateEvery ?? r?.settings.evaluateEvery ?? D.evaluateEvery,
    checkpointEvery: given.checkpointEvery ?? D.checkpointEvery,
    // a run given its length (--steps, --epochs) runs it all unless --patience/--budget say otherwise
    patience: given.patience ?? (lengthGiven ? 0 : r?.settings.patience ?? D.patience),
    timeBudgetSeconds: given.timeBudgetSeconds ?? (lengthGiven ? 0 : r?.settings.timeBudgetSeconds ?? D.timeBudgetSeconds),
  };
  const model = {
    cell: given.cell ?? r?.model.cell ?? DEFAULT_MODEL.cell,
    layers: given.layers ?? r?.model.layers ?? DEFAULT_MODEL.layers,
    hiddenSize: given.hiddenSize ?? r?.model.hiddenSize ?? DEFAULT_MODEL.hiddenSize,
    embedSize: given.embedSize ?? r?.model.embedSize ?? DEFAULT_MODEL.embedSize,
    bidirectional: given.bidirectional ?? r?.model.bidirectional ?? DEFAULT_MODEL.bidirectional,
    dropout: given.dropout ?? r?.model.dropout ?? DEFAULT_MODEL.dropout,
    forgetBias: given.forgetBias ?? DEFAULT_MODEL.forgetBias,
    // encoder–decoder models attend by default (the recipe names it; DEFAULT_MODEL where it does not)
    attention: given.attention ?? r?.model.attention ?? DEFAULT_MODEL.attention,
    // off unless asked for (absent in runs saved before it existed: off)
    ...((given.inputFeeding ?? r?.model.inputFeeding) ? { inputFeeding: true } : {}),
  };
  return { settings, model };
}

/**
 * request.json of a new run from the command line: what the studio writes for its own runs, so a run made inside a
 * project's runs/ folder is listed there. When the data file is one of that project's datasets, the run names it
 * (and the studio can continue it); otherwise it is named by its file.
 */
export function requestFile(runDir: string, data: DataRequest, model: RunRequest['model'], settings: TrainSettings, workers: number): RunRequestFile {
  const dataset = projectDataset(runDir, data.path);
  const { path: _path, ...choices } = data;
  const datasetName = dataset?.name ?? basename(data.path);
  return {
    format: REQUEST_FORMAT,
    version: REQUEST_VERSION,
    id: basename(runDir),
    name: runName(model, datasetName),
    ...(dataset ? { datasetId: dataset.id } : {}),
    datasetName,
    createdAt: new Date().toISOString(),
    origin: 'cli',
    data: choices,
    model,
    settings,
    ...(workers > 1 ? { workers } : {}),
  };
}

/** The project dataset whose file is `file`, when the run folder sits in that project's runs/ folder. */
function projectDataset(runDir: string, file: string): { id: string; name: string } | undefined {
  if (basename(dirname(runDir)) !== 'runs') return undefined;
  const projectDir = dirname(dirname(runDir));
  if (!existsSync(join(projectDir, 'project.json'))) return undefined;
  try {
    const project = Project.open(projectDir, { create: false });
    const real = realpathSync(file);
    for (const d of project.info().datasets) {
      try {
        if (project.datasetPath(d.id) === real) return { id: d.id, name: d.name };
      } catch {
        // a dataset this process may not read (chosen elsewhere): not this one
      }
    }
  } catch {
    // a damaged or foreign project.json: the run is named by its file
  }
  return undefined;
}

/** What ends a run before its last step, said before it trains. */
function endsEarlyLine(s: TrainSettings): string {
  const parts: string[] = [];
  if (s.patience > 0) parts.push(`after ${fmtInt(s.patience)} evaluation${s.patience > 1 ? 's' : ''} in a row without a better validation metric (one every ${fmtInt(s.evaluateEvery)} steps)`);
  if (s.timeBudgetSeconds > 0) parts.push(`when its time budget of ${formatDurationShort(s.timeBudgetSeconds)} of training is spent`);
  return `ends early ${parts.join(', or ')}, with the best model restored`;
}

/**
 * Why a run ended when it did not simply run its steps or was not stopped, and what it ended with: "stopped early at
 * step 2,300: no better validation accuracy in 5 evaluations; restored the best model, step 1,800 (accuracy 0.5120;
 * accuracy 0.4980 at step 2,300)". Empty for a run that ended with its last parameters for the usual reasons.
 */
function whyItEnded(s: RunSummary, settings: TrainSettings, last: EvaluationEvent | undefined): string {
  const metric = primaryMetric(Object.keys(s.metrics));
  const lines: string[] = [];
  if (s.stopReason === 'early-stopped') lines.push(`stopped early at step ${fmtInt(s.steps)}: no better validation ${metric ? metricWord(metric) : 'loss'} in ${fmtInt(settings.patience)} evaluation${settings.patience > 1 ? 's' : ''}`);
  else if (s.stopReason === 'time-budget') lines.push(`time budget ${formatDurationShort(settings.timeBudgetSeconds)} spent at step ${fmtInt(s.steps)} of ${fmtInt(settings.steps)}`);
  if (s.restoredBest && s.bestStep !== undefined) {
    const figure = (m: Record<string, number>, loss: number): string => (metric && m[metric] !== undefined ? `${metricWord(metric)} ${m[metric].toPrecision(4)}` : `val loss ${loss.toFixed(4)}`);
    const before = last ? `; ${figure(last.metrics, last.valLoss)} at step ${fmtInt(last.step)}` : '';
    lines.push(`restored the best model, step ${fmtInt(s.bestStep)} (${figure(s.metrics, s.valLoss)}${before})`);
  }
  return lines.join('; ');
}

/** ", with Luong general attention" for an encoder–decoder that attends; '' otherwise. */
function attentionPhrase(spec: ModelSpec): string {
  const a = attentionOf(spec);
  return a === 'none' ? '' : `, with ${attentionInfo(a).name}${inputFeedingOf(spec) ? ' and input feeding' : ''}`;
}

/** The settings behind each of the recipe's choices, as its reasons name them. */
const RECIPE_CHOICES: Record<string, SettingKey[]> = {
  model: ['cell', 'layers', 'hiddenSize', 'embedSize', 'bidirectional', 'dropout', 'attention'],
  batch: ['batchSize'],
  'learning rate': ['learningRate', 'clipNorm'],
  length: ['steps', 'evaluateEvery', 'patience'],
  'time budget': ['timeBudgetSeconds'],
  workers: ['workers'],
  'sequence length': ['sequenceLength'],
};

/** What `train` will do and why: the data's proposal, each recipe choice (or the flag that replaced it), the estimate. */
function printRecipe(inspection: Inspection, recipe: Recipe | undefined, given: Partial<Record<SettingKey, unknown>>, lengthGiven: boolean): void {
  const p = inspection.proposal;
  const lines = [`data: ${p.shape} — ${p.task}`, `  why: ${renderMentions(p.reason, 'cli')}`];
  if (recipe) {
    for (const r of recipe.reasons) {
      const overridden = (RECIPE_CHOICES[r.choice] ?? []).filter((k) => given[k] !== undefined);
      const note = overridden.length ? ` (your flags set ${overridden.map(flag).join(', ')})` : r.choice === 'length' && lengthGiven ? ` (your ${flag('steps')}/${flag('epochs')} set the length: it runs them all)` : '';
      lines.push(`${r.choice}: ${renderMentions(r.why, 'cli')}${note}`);
    }
    const e = recipe.estimate;
    if (e && !lengthGiven) {
      const budget = recipe.settings.timeBudgetSeconds;
      lines.push(
        e.seconds <= budget
          ? `estimate: about ${fmtDuration(e.seconds)} for all ${fmtInt(recipe.settings.steps)} steps (${(e.secondsPerStep * 1000).toPrecision(2)} ms a step here), within the ${fmtDuration(budget)} budget; early stopping usually ends it sooner`
          : `estimate: ${(e.secondsPerStep * 1000).toPrecision(2)} ms a step here, so the ${fmtDuration(budget)} budget ends it near step ${fmtInt(e.stepsInBudget)} of ${fmtInt(recipe.settings.steps)} unless early stopping comes first (${flag('timeBudgetSeconds')} raises it)`,
      );
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
}

/** Whether `dir` exists and holds anything (a run folder `train --out` must not overwrite). */
function folderHasFiles(dir: string): boolean {
  try {
    return readdirSync(dir).length > 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new UsageError(`--out ${dir}: this is a file, not a folder`);
    return false;
  }
}
