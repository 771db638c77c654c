// `seqstudio`: the command line. Plain Node 20, no Electron. Runs the same services as the app: training in
// worker threads through services/runs.ts, the benchmark beside PyTorch.
//
//   seqstudio train --data FILE [options]      train a model, print progress, write a run folder
//   seqstudio bench [--config NAME] [options]  time training steps, optionally beside PyTorch; --profile: where a
//                                               step's time goes; --generate: text generation beside onnxruntime
//   seqstudio export RUN_DIR [--out FILE.onnx]  write ONNX + sidecar JSON, checked in onnxruntime
//
// Wrong flags, unreadable files and impossible settings print one line on stderr and exit with code 2.

import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dataRequestOf, type DataRequest, type Inspection, type Recipe } from '../src-shared/dataset';
import { formatDurationShort, MAX_BUDGET_SECONDS, parseDuration } from '../src-shared/duration';
import type { EvaluationEvent } from '../src-shared/events';
import { metricWord, primaryMetric } from '../src-shared/metrics';
import { CELL_TYPES, DEFAULT_TRAIN_SETTINGS, PROBLEM_SHAPES, withLaterSettings, type CellType, type OptimizerName, type ProblemShape, type TrainSettings } from '../src-shared/model';
import { BENCH_CONFIGS } from '../workers/engine/bench';
import { formatProfile } from '../workers/engine/profile';
import { GENERATE_DEFAULT_CONFIGS } from '../workers/export/bench-generate';
import type { BenchResultEvent, GenerateBenchResultEvent, RunSummary } from '../workers/protocol';
import { FORMATS } from '../workers/data/parsed';
import { entitySpans, parseTag } from '../workers/data/build/entities';
import { LockedError } from './services/lock';
import { runBench, runGenerateBench, runInspect, runPredict, RunRefused, startRun, type RunEvent, type RunRequest } from './services/runs';
import { ExportInputError, exportRun } from './services/export';

class UsageError extends Error {}

const USAGE = `seqstudio — Sequence Studio on the command line

  seqstudio inspect FILE [--format F] [the data flags of train] [--json]
  seqstudio train --data FILE [--shape SHAPE] [--cell lstm|gru|rnn] [--layers N] [--hidden N] [--embed N]
                  [--bidirectional] [--dropout P] [--seq-len N] [--batch N] [--steps N | --epochs N]
                  [--optimizer adam|adamw|sgd] [--lr X] [--clip X] [--warmup N] [--decay none|cosine|linear]
                  [--weight-decay X] [--val-fraction F] [--seed N] [--workers N] [--patience N] [--budget DURATION]
                  [--format auto|text|csv|tsv|json|jsonl|conll|pairs] [--input COL[,COL…]] [--target COL]
                  [--sequence COL] [--step COL] [--lookback N] [--horizon N] [--stride N] [--difference [--lag N]]
                  [--tokens char|word] [--max-length N] [--vocab-cap N] [--test-fraction F]
                  [--out DIR] [--resume] [--json]
  seqstudio train --resume RUN_DIR [--steps N] [--workers N] [--patience N] [--budget DURATION] [--json]
  seqstudio predict RUN_DIR [--input TEXT | --file FILE] [--series ID] [--length N] [--temperature T] [--seed N] [--json]
  seqstudio bench [--config NAME[,NAME…]] [--workers N[,N…]] [--vs-pytorch] [--profile] [--seconds S] [--json]
  seqstudio bench --generate [--config NAME[,NAME…]] [--tokens N] [--json]
  seqstudio export RUN_DIR [--out FILE.onnx] [--streaming] [--json]

inspect proposes a shape, target and columns for a file and previews the training pairs; train uses that
proposal unless flags override it; --difference makes a series model read and predict changes (x_t − x_{t−1};
the forecast is the last value + the predicted change), for trending data. COL is a column name, or its 1-based position for files without a header.
--patience N stops a run after N evaluations in a row without a better validation metric (the task metric, ties
by the lower validation loss); --budget DURATION (90s, 5m, 1h30m, or seconds) ends it after that much training
time. Either way the run ends with its best evaluation's parameters restored (at its last step, so --resume goes
on from there); --resume RUN_DIR can raise both.
export writes FILE.onnx (default RUN_DIR/export/model.onnx; an encoder–decoder also FILE's stem + .decoder.onnx)
and a sidecar JSON (stem + .json), runs them in onnxruntime on the run's validation data beside the trainer and
reports the largest difference; --streaming adds state inputs and outputs for running one step at a time.
bench --workers 1,2 times each worker count in turn and prints the speed-up over the first (--workers 1,2,4,8,16
on a bigger machine); with --vs-pytorch each is compared with PyTorch's best at 1 or as many threads.
bench --profile breaks each configuration's training step down by kernel and phase, against the WASM SIMD peak
and the ceiling that peak puts on the step;
bench --generate times greedy text generation (one step per token, state carried) beside onnxruntime-node on the
same model's --streaming export (one thread), and checks that both generate the same tokens.
--json prints one JSON object per line, the last one the summary.`;

// ============================================== argument helpers ==================================================

function num(v: string | undefined, name: string, check: (n: number) => boolean, want: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} ${v}: expected ${want}`);
  return n;
}
const int = (v: string | undefined, name: string, lo = 1, hi = 1e9): number | undefined => num(v, name, (n) => Number.isInteger(n) && n >= lo && n <= hi, `an integer from ${lo} to ${hi}`);
const real = (v: string | undefined, name: string, lo: number, hi: number, open = false): number | undefined =>
  num(v, name, (n) => (open ? n > lo : n >= lo) && n <= hi, `a number ${open ? '>' : '≥'} ${lo} and ≤ ${hi}`);

/** --budget: a duration ("90s", "5m", "1h30m") or a number of seconds, up to MAX_BUDGET_SECONDS; 0 = none. */
function budget(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const seconds = parseDuration(v);
  if (seconds === null) throw new UsageError(`--budget ${v}: expected a duration such as 90s, 5m or 1h30m, or a number of seconds`);
  if (seconds > MAX_BUDGET_SECONDS) throw new UsageError(`--budget ${v}: expected at most ${fmtInt(MAX_BUDGET_SECONDS)} seconds`);
  return seconds;
}

function oneOf<T extends string>(v: string | undefined, name: string, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!allowed.includes(v as T)) throw new UsageError(`--${name} ${v}: expected one of ${allowed.join(', ')}`);
  return v as T;
}

/** The folder holding package.json (works from the sources and from out/main/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

// ============================================== data choices (train and inspect) ===================================

/** The flags that override the importer's proposal; shared by train and inspect. */
const DATA_OPTIONS = {
  format: { type: 'string' },
  shape: { type: 'string' },
  input: { type: 'string' },
  target: { type: 'string' },
  sequence: { type: 'string' },
  step: { type: 'string' },
  lookback: { type: 'string' },
  horizon: { type: 'string' },
  stride: { type: 'string' },
  difference: { type: 'boolean' },
  'no-difference': { type: 'boolean' },
  season: { type: 'string' },
  lag: { type: 'string' },
  split: { type: 'string' },
  wide: { type: 'boolean' },
  patch: { type: 'string' },
  tokens: { type: 'string' },
  'max-length': { type: 'string' },
  'vocab-cap': { type: 'string' },
  'test-fraction': { type: 'string' },
} as const;

type DataFlags = { [K in keyof typeof DATA_OPTIONS]?: (typeof DATA_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

function dataChoice(o: DataFlags) {
  return {
    format: oneOf(o.format, 'format', ['auto', ...FORMATS] as const) ?? 'auto',
    shape: oneOf(o.shape, 'shape', PROBLEM_SHAPES) as ProblemShape | undefined,
    input: o.input?.split(',').map((c) => c.trim()),
    target: o.target,
    sequence: o.sequence,
    step: o.step,
    lookback: int(o.lookback, 'lookback', 1, 20000),
    horizon: int(o.horizon, 'horizon', 1, 10000),
    stride: int(o.stride, 'stride', 1, 10000),
    difference: o['no-difference'] ? false : o.difference || undefined,
    season: int(o.season, 'season', 0, 20000),
    lag: int(o.lag, 'lag', 1, 20000),
    split: o.split,
    wide: o.wide || undefined,
    patch: int(o.patch, 'patch', 1, 20000),
    tokens: oneOf(o.tokens, 'tokens', ['char', 'word'] as const),
    maxLength: int(o['max-length'], 'max-length', 1, 20000),
    vocabularyCap: int(o['vocab-cap'], 'vocab-cap', 4, 1_000_000),
    testFraction: real(o['test-fraction'], 'test-fraction', 0, 0.9),
  };
}

// ============================================== train =============================================================

async function train(args: string[]): Promise<number> {
  // `--resume RUN_DIR`: continue that run exactly as it was started (its run.json); only --steps, --workers and --json
  // may be given beside it. (`--resume` alone, with --out DIR and the original flags, works as before.)
  let argv = args;
  let resumeDir: string | undefined;
  const ri = argv.indexOf('--resume');
  if (ri >= 0 && argv[ri + 1] !== undefined && !argv[ri + 1].startsWith('-')) {
    resumeDir = resolve(argv[ri + 1]);
    argv = [...argv.slice(0, ri + 1), ...argv.slice(ri + 2)];
    const extra = argv.filter((a) => a.startsWith('--') && !['--resume', '--steps', '--workers', '--json', '--patience', '--budget'].includes(a.split('=')[0]));
    if (extra.length) throw new UsageError(`--resume RUN_DIR continues the run as it was started; ${extra[0]} cannot change it (only --steps, --workers and --json can be given, and --patience and --budget, which say when it ends; to change other settings, fork the run in the studio)`);
    const recorded = readRunToResume(resumeDir);
    argv = [...argv, '--data', recorded.data.path, '--out', resumeDir];
    return trainWith(argv, recorded);
  }
  return trainWith(argv);
}

/** What `--resume RUN_DIR` needs from the run folder: its data request, model and settings (run.json). */
function readRunToResume(runDir: string): { data: RunRequest['data']; model: RunRequest['model']; settings: TrainSettings; workers: number } {
  if (!existsSync(join(runDir, 'checkpoint.bin'))) throw new UsageError(`--resume ${runDir}: no checkpoint.bin there (is it a run folder that has trained?)`);
  let r: { data?: RunRequest['data']; model?: RunRequest['model']; settings?: TrainSettings; workers?: number };
  try {
    r = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as typeof r;
  } catch {
    throw new UsageError(`--resume ${runDir}: its run.json is missing or damaged`);
  }
  if (!r.data?.path || !r.model || !r.settings) throw new UsageError(`--resume ${runDir}: its run.json lacks the data, model or settings`);
  if (!existsSync(r.data.path)) throw new UsageError(`--resume ${runDir}: its dataset ${r.data.path} is gone (moved or deleted); put it back to continue`);
  const data = dataRequestOf(r.data as RunRequest['data'] & Record<string, unknown>); // run.json's data also records what was read
  return { data, model: r.model, settings: withLaterSettings(r.settings), workers: r.workers ?? 1 };
}

async function trainWith(argv: string[], recorded?: ReturnType<typeof readRunToResume>): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...DATA_OPTIONS,
      data: { type: 'string' },
      cell: { type: 'string' },
      layers: { type: 'string' },
      hidden: { type: 'string' },
      embed: { type: 'string' },
      bidirectional: { type: 'boolean' },
      dropout: { type: 'string' },
      'seq-len': { type: 'string' },
      batch: { type: 'string' },
      steps: { type: 'string' },
      epochs: { type: 'string' },
      optimizer: { type: 'string' },
      lr: { type: 'string' },
      clip: { type: 'string' },
      warmup: { type: 'string' },
      decay: { type: 'string' },
      'weight-decay': { type: 'string' },
      'val-fraction': { type: 'string' },
      seed: { type: 'string' },
      workers: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'boolean' },
      json: { type: 'boolean' },
      'diagnostics-every': { type: 'string' },
      'eval-every': { type: 'string' },
      'checkpoint-every': { type: 'string' },
      patience: { type: 'string' },
      budget: { type: 'string' },
    },
  });
  if (!o.data) throw new UsageError('--data FILE is required (a plain-text file or a CSV of a numeric series)');
  if (o.out !== undefined && !o.resume && !recorded && folderHasFiles(resolve(o.out))) {
    const dir = resolve(o.out);
    throw new UsageError(`--out ${dir}: the folder is not empty${existsSync(join(dir, 'checkpoint.bin')) ? ' (it holds a run)' : ''}; give --resume to continue that run, or another --out folder (nothing was changed)`);
  }
  // `--out DIR --resume` (the older form): the run goes on as it was started, like `--resume DIR`
  if (o.resume && !recorded && o.out && existsSync(join(resolve(o.out), 'run.json'))) recorded = readRunToResume(resolve(o.out));
  if (o.steps !== undefined && o.epochs !== undefined) throw new UsageError('give --steps or --epochs, not both');
  const dataPath = resolve(o.data);
  if (!existsSync(dataPath)) throw new UsageError(`--data ${o.data}: no such file`);
  const given = {
    workers: int(o.workers, 'workers', 1, 64),
    learningRate: real(o.lr, 'lr', 0, 10, true),
    clipNorm: real(o.clip, 'clip', 0, 1e6),
    batchSize: int(o.batch, 'batch', 1, 4096),
    sequenceLength: int(o['seq-len'], 'seq-len', 1, 10000),
    steps: int(o.steps, 'steps', 1, 1e8),
    evaluateEvery: int(o['eval-every'], 'eval-every', 0),
    patience: int(o.patience, 'patience', 0, 1e6),
    timeBudgetSeconds: budget(o.budget),
    warmupSteps: int(o.warmup, 'warmup', 0, 1e8),
    decay: oneOf(o.decay, 'decay', ['none', 'cosine', 'linear'] as const),
    cell: oneOf(o.cell, 'cell', CELL_TYPES) as CellType | undefined,
    layers: int(o.layers, 'layers', 1, 16),
    hiddenSize: int(o.hidden, 'hidden', 1, 8192),
    embedSize: int(o.embed, 'embed', 1, 4096),
    bidirectional: o.bidirectional,
    dropout: real(o.dropout, 'dropout', 0, 0.95),
  };
  const optimizer = (oneOf(o.optimizer, 'optimizer', ['adam', 'adamw', 'sgd'] as const) as OptimizerName | undefined) ?? 'adam';
  const valFraction = real(o['val-fraction'], 'val-fraction', 0, 0.9) ?? 0.1;
  const epochs = real(o.epochs, 'epochs', 0, 1e6, true);
  const json = o.json ?? false;
  const dataFlags = dataChoice(o);

  // The default recipe: what the data calls for, wherever a flag does not say otherwise (not for a resumed run,
  // which goes on as it was started).
  let recipe: Recipe | undefined;
  let resolved: Partial<DataRequest> = {};
  if (!recorded && !o.resume) {
    const { format, ...choice } = dataFlags;
    let inspection;
    try {
      inspection = await runInspect(dataPath, format, { ...choice, valFraction, ...(given.batchSize !== undefined ? { batchSize: given.batchSize } : {}) });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (!inspection.chosen) throw new UsageError(inspection.chosenError ?? 'this data cannot be trained with these choices');
    recipe = inspection.chosen.recipe;
    resolved = inspection.chosen.choice ?? {};
    if (!json) printRecipe(inspection, recipe, given, o.steps !== undefined || epochs !== undefined);
    else process.stdout.write(JSON.stringify({ type: 'recipe', task: inspection.proposal.task, reason: inspection.proposal.reason, choice: resolved, recipe }) + '\n');
  }
  const r = recipe;
  const workers = given.workers ?? r?.workers ?? 1;
  const settings: TrainSettings = {
    ...DEFAULT_TRAIN_SETTINGS,
    optimizer,
    learningRate: given.learningRate ?? (o.optimizer === 'sgd' ? 0.1 : r?.settings.learningRate ?? DEFAULT_TRAIN_SETTINGS.learningRate),
    clipNorm: given.clipNorm ?? r?.settings.clipNorm ?? DEFAULT_TRAIN_SETTINGS.clipNorm,
    warmupSteps: given.warmupSteps ?? r?.settings.warmupSteps ?? 0,
    decay: given.decay ?? r?.settings.decay ?? 'none',
    weightDecay: real(o['weight-decay'], 'weight-decay', 0, 10) ?? 0,
    batchSize: given.batchSize ?? r?.settings.batchSize ?? DEFAULT_TRAIN_SETTINGS.batchSize,
    sequenceLength: given.sequenceLength ?? r?.settings.sequenceLength ?? DEFAULT_TRAIN_SETTINGS.sequenceLength,
    steps: given.steps ?? r?.settings.steps ?? DEFAULT_TRAIN_SETTINGS.steps,
    seed: int(o.seed, 'seed', 0, 2 ** 31) ?? DEFAULT_TRAIN_SETTINGS.seed,
    diagnosticsEvery: int(o['diagnostics-every'], 'diagnostics-every', 0) ?? DEFAULT_TRAIN_SETTINGS.diagnosticsEvery,
    evaluateEvery: given.evaluateEvery ?? r?.settings.evaluateEvery ?? DEFAULT_TRAIN_SETTINGS.evaluateEvery,
    checkpointEvery: int(o['checkpoint-every'], 'checkpoint-every', 0) ?? 500,
    // a run given its length (--steps, --epochs) runs it all unless --patience/--budget say otherwise
    patience: given.patience ?? (o.steps !== undefined || epochs !== undefined ? 0 : r?.settings.patience ?? 0),
    timeBudgetSeconds: given.timeBudgetSeconds ?? (o.steps !== undefined || epochs !== undefined ? 0 : r?.settings.timeBudgetSeconds ?? 0),
  };
  if (settings.patience > 0 && settings.evaluateEvery === 0) throw new UsageError(`--patience ${settings.patience} needs evaluations to count: give --eval-every a number of steps, not 0`);
  const cell = given.cell ?? r?.model.cell ?? 'lstm';
  const model = {
    cell,
    layers: given.layers ?? r?.model.layers ?? 1,
    hiddenSize: given.hiddenSize ?? r?.model.hiddenSize ?? 128,
    embedSize: given.embedSize ?? r?.model.embedSize ?? 0,
    bidirectional: given.bidirectional ?? r?.model.bidirectional ?? false,
    dropout: given.dropout ?? r?.model.dropout ?? 0,
    forgetBias: 1,
  };
  const runDir = resolve(o.out ?? join('runs', `${new Date().toISOString().replace(/[:.]/g, '-')}-${cell}`));
  if (o.resume && !existsSync(join(runDir, 'checkpoint.bin'))) throw new UsageError(`--resume: ${join(runDir, 'checkpoint.bin')} does not exist; name the run folder with --out`);

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
        for (const w of e.warnings) process.stderr.write(`warning: ${w}\n`);
        process.stdout.write(`${e.dataSummary}\nmodel: ${e.spec.stack.layers}×${e.spec.stack.hiddenSize} ${e.spec.stack.cell.toUpperCase()}${e.spec.stack.bidirectional ? ' bidirectional' : ''}, ${fmtInt(e.parameterCount)} parameters, ${e.kernels} kernels, ${e.workers} worker${e.workers > 1 ? 's' : ''}; run folder ${runDir}\n`);
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
        const line = `step ${e.step}/${totalSteps}  loss ${e.loss.toFixed(4)}  val ${Number.isNaN(lastVal) ? '-' : lastVal.toFixed(4)}${Number.isNaN(lastF1) ? '' : `  entity F1 ${lastF1.toFixed(3)}`}${patience}  ${fmtInt(e.tokensPerSecond)} tok/s  ETA ${fmtDuration(eta)}${budgetLeft < Infinity ? ' (budget)' : ''}`;
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
  if (epochs !== undefined) settings.steps = -1; // resolved by the worker from the data size
  // The data as the proposal (with the flags) resolved it, written out in full so a resume builds the same data.
  const explicit = Object.fromEntries(Object.entries(dataFlags).filter(([, v]) => v !== undefined));
  const data: DataRequest = { ...resolved, ...explicit, path: dataPath, format: dataFlags.format, valFraction } as DataRequest;
  const request: RunRequest = recorded
    ? {
        runDir,
        data: recorded.data,
        model: recorded.model,
        settings: {
          ...recorded.settings,
          steps: o.steps !== undefined ? settings.steps : recorded.settings.steps,
          patience: o.patience !== undefined ? settings.patience : recorded.settings.patience,
          timeBudgetSeconds: o.budget !== undefined ? settings.timeBudgetSeconds : recorded.settings.timeBudgetSeconds,
        },
        resume: true,
        workers: o.workers !== undefined ? workers : recorded.workers,
      }
    : { runDir, data, model, settings, resume: o.resume, epochs, workers };
  totalSteps = request.settings.steps;
  let handle;
  try {
    handle = startRun(request, onEvent); // holds the run folder's lock until the run ends
  } catch (e) {
    if (e instanceof LockedError || e instanceof RunRefused) throw new UsageError(e.message);
    throw e;
  }
  // Ctrl+C, SIGTERM and SIGHUP (a closed terminal) stop after the current step, keeping its checkpoint; a second
  // signal aborts. A reader that goes away (`train --json | head`) stops it the same way, quietly.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const stop = (signal?: string): void => {
    for (const sig of signals) process.off(sig, stop);
    if (signal) process.stderr.write(`\n${signal === 'SIGINT' ? '' : `${signal}: `}stopping after this step (press Ctrl+C again to abort)…\n`);
    handle.stop();
    for (const sig of signals) process.once(sig, () => process.exit(130));
  };
  for (const sig of signals) process.once(sig, stop);
  const onPipeClosed = (): void => stop();
  stdoutClosed.once('closed', onPipeClosed);
  const outcome = await handle.done;
  for (const sig of signals) process.off(sig, stop);
  stdoutClosed.off('closed', onPipeClosed);
  if (tty) process.stderr.write('\n');
  if (outcome.reason === 'error') {
    process.stderr.write(`seqstudio train: ${outcome.message}\n`);
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
        `${fmtMetrics(s.metrics)}, ${fmtInt(s.tokensPerSecond)} tok/s\n${s.baseline ? `baseline (${s.baseline.name}): ${fmtMetrics(s.baseline.metrics)}\n` : ''}${s.test ? `held-out test (${fmtInt(s.test.items)} items, never trained on or chosen by): ${fmtMetrics(s.test.metrics)}\n` : ''}run folder: ${s.runDir}\n`,
    );
  }
  return 0;
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

/** What `train` will do and why: the data's proposal, each recipe choice (or the flag that replaced it), the estimate. */
function printRecipe(inspection: Inspection, recipe: Recipe | undefined, given: Record<string, unknown>, lengthGiven: boolean): void {
  const p = inspection.proposal;
  const lines = [`data: ${p.shape} — ${p.task}`, `  why: ${p.reason}`];
  if (recipe) {
    const flagFor: Record<string, string[]> = {
      model: ['cell', 'layers', 'hiddenSize', 'embedSize', 'bidirectional', 'dropout'],
      batch: ['batchSize'],
      'learning rate': ['learningRate', 'clipNorm'],
      length: ['steps', 'evaluateEvery', 'patience'],
      'time budget': ['timeBudgetSeconds'],
      workers: ['workers'],
      'sequence length': ['sequenceLength'],
    };
    for (const r of recipe.reasons) {
      const overridden = (flagFor[r.choice] ?? []).filter((k) => given[k] !== undefined);
      const note = overridden.length ? ` (your flags set ${overridden.join(', ')})` : r.choice === 'length' && lengthGiven ? ' (your --steps/--epochs set the length: it runs them all)' : '';
      lines.push(`${r.choice}: ${r.why}${note}`);
    }
    const e = recipe.estimate;
    if (e && !lengthGiven) {
      const budget = recipe.settings.timeBudgetSeconds;
      lines.push(
        e.seconds <= budget
          ? `estimate: about ${fmtDuration(e.seconds)} for all ${fmtInt(recipe.settings.steps)} steps (${(e.secondsPerStep * 1000).toPrecision(2)} ms a step here), within the ${fmtDuration(budget)} budget; early stopping usually ends it sooner`
          : `estimate: ${(e.secondsPerStep * 1000).toPrecision(2)} ms a step here, so the ${fmtDuration(budget)} budget ends it near step ${fmtInt(e.stepsInBudget)} of ${fmtInt(recipe.settings.steps)} unless early stopping comes first (--budget raises it)`,
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

// ============================================== inspect ===========================================================

/** A proposal's choices as the flags that give them (the CLI's names; derived values such as the season are flags too). */
export function choiceFlags(choice: Record<string, unknown>): string {
  const flag: Record<string, string> = { vocabularyCap: 'vocab-cap', maxLength: 'max-length', testFraction: 'test-fraction', valFraction: 'val-fraction' };
  return Object.entries(choice)
    .filter(([, v]) => v !== undefined && v !== false)
    .map(([k, v]) => {
      const name = `--${flag[k] ?? k.replace(/[A-Z]/g, (m) => '-' + m.toLowerCase())}`;
      if (v === true) return name;
      const text = Array.isArray(v) ? v.join(',') : String(v);
      return `${name} ${/[\s"'$]/.test(text) ? JSON.stringify(text) : text}`;
    })
    .join(' ');
}

async function inspectCommand(argv: string[]): Promise<number> {
  const { values: o, positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { ...DATA_OPTIONS, json: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError('inspect needs one FILE');
  const { format, ...choice } = dataChoice(o);
  if (!existsSync(positionals[0])) throw new UsageError(`${positionals[0]}: no such file`);
  const tty = process.stderr.isTTY && !o.json;
  let r;
  try {
    r = await runInspect(positionals[0], format, choice, (p) => {
      if (tty) process.stderr.write(`\rreading: ${((100 * p.bytesRead) / Math.max(1, p.bytesTotal)).toFixed(0)}% (${fmtInt(p.rows)} rows)\x1b[K`);
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  } finally {
    if (tty) process.stderr.write('\r\x1b[K');
  }
  if (o.json) {
    process.stdout.write(JSON.stringify(r) + '\n');
    return 0;
  }
  const p = r.proposal;
  const lines = [
    `${p.file}: ${r.format} (${r.formatReason}), ${(r.bytes / 1024).toFixed(0)} KiB, ${fmtInt(p.rows)} ${p.kind === 'table' ? 'rows' : 'records'}`,
    ...r.notes.map((n) => `  note: ${n}`),
  ];
  if (p.columns.length) {
    const w = Math.min(24, Math.max(...p.columns.map((c) => c.name.length)) + 1);
    lines.push('columns:', ...p.columns.map((c) => `  ${c.name.padEnd(w)} ${c.type.padEnd(11)} ${(c.role ?? '').padEnd(9)} ${c.why ?? ''}`));
  }
  if (p.time) {
    const t = p.time;
    lines.push(
      `time: ${t.columns.join(' + ')} (${t.form}), ${t.interval ?? 'irregular'}, ${t.first} … ${t.last}, ${Math.round(100 * t.regularity)}% regular` +
        `${t.gaps ? `, ${t.gaps} gaps (${t.missingSteps} steps missing)` : ''}${t.repeats ? `, ${t.repeats} repeated times` : ''}${t.order !== 'ascending' ? `, rows ${t.order}` : ''}` +
        `${t.periods.length ? `; seasonal periods ${t.periods.join(', ')}${t.season ? ` (the data repeats every ${t.season})` : ' (none shows in the data)'}` : ''}`,
    );
  }
  lines.push(`proposal: ${p.shape} — ${p.task}`, `  why: ${p.reason}`, `  as flags: ${choiceFlags(p.choice)}`);
  const others = p.candidates.filter((c) => c.task !== p.task);
  if (others.length) {
    lines.push('other ways to train on it (give the flags to inspect or train):');
    for (const c of others) lines.push(`  ${c.score.toFixed(2)}  ${c.task}${c.error ? ` — cannot train: ${c.error}` : ''}`, `        ${c.reason}`, `        ${choiceFlags(c.choice)}`);
  }
  if (p.classes) lines.push(`classes: ${p.classes.slice(0, 12).map((c) => `${c.value} (${c.count})`).join(', ')}${p.classes.length > 12 ? `, … ${p.classes.length} in all` : ''}`);
  for (const w of p.warnings) lines.push(`warning: ${w}`);
  lines.push('training pairs as the model sees them:', ...p.preview.map((x) => `  ${x.input}  →  ${x.output}`));
  if (r.chosen) {
    lines.push(`with your choices: ${r.chosen.shape} — ${r.chosen.summary}`);
    if (r.chosen.pairs?.length) lines.push('  training pairs with your choices:', ...r.chosen.pairs.map((x) => `    ${x.input}  →  ${x.output}`));
    for (const w of r.chosen.warnings) lines.push(`warning: ${w}`);
    if (r.chosen.baseline) lines.push(`baseline to beat (${r.chosen.baseline.name}): ${Object.entries(r.chosen.baseline.metrics).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(', ')}`);
    const recipe = r.chosen.recipe;
    if (recipe) {
      lines.push('recipe (what train uses without flags):', ...recipe.reasons.map((x) => `  ${x.choice}: ${x.why}`));
      if (recipe.estimate) lines.push(`  estimate: ${(recipe.estimate.secondsPerStep * 1000).toPrecision(2)} ms a step here; all ${fmtInt(recipe.settings.steps)} steps would take ${fmtDuration(recipe.estimate.seconds)}, the budget allows ${fmtInt(Math.min(recipe.settings.steps, recipe.estimate.stepsInBudget))}`);
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}

// ============================================== predict ===========================================================

async function predictCommand(argv: string[]): Promise<number> {
  const { values: o, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { input: { type: 'string' }, file: { type: 'string' }, series: { type: 'string' }, length: { type: 'string' }, temperature: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError('predict needs one RUN_DIR (a folder written by seqstudio train)');
  if (o.input !== undefined && o.file !== undefined) throw new UsageError('give --input or --file, not both');
  const runDir = resolve(positionals[0]);
  if (!existsSync(join(runDir, 'run.json'))) throw new UsageError(`${positionals[0]}: not a run folder (no run.json)`);
  if (!existsSync(join(runDir, 'checkpoint.bin'))) throw new UsageError(`${positionals[0]}: the run has no checkpoint yet`);
  if (o.file !== undefined && !existsSync(o.file)) throw new UsageError(`--file ${o.file}: no such file`);
  let p;
  try {
    p = await runPredict({ runDir, input: o.input, file: o.file, ...(o.series !== undefined ? { series: o.series } : {}), length: int(o.length, 'length', 1, 1_000_000), temperature: real(o.temperature, 'temperature', 0, 100), seed: int(o.seed, 'seed', 0, 2 ** 31) });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (o.json) process.stdout.write(JSON.stringify(p) + '\n');
  else if (p.kind === 'text') process.stdout.write(p.prime + p.text + '\n');
  else if (p.kind === 'series') process.stdout.write(`forecast of "${p.column}"${p.series !== undefined ? ` in series ${p.series}` : ''} after ${p.history} values:\n${p.forecast.map((v, i) => `  +${i + 1}  ${v.toPrecision(6)}`).join('\n')}\n`);
  else if (p.kind === 'classify') process.stdout.write(`${p.label}   (${p.probabilities.slice(0, 5).map((c) => `${c.label} ${(100 * c.p).toFixed(1)}%`).join(', ')})\n`);
  else if (p.kind === 'tagging') process.stdout.write(p.tokens.map((tok, i) => `${tok}\t${p.tags[i]}`).join('\n') + '\n' + entityLine(p.tokens, p.tags));
  else if (p.kind === 'value') process.stdout.write(`${p.column}: ${p.value.toPrecision(6)}\n`);
  else if (p.kind === 'sequences') process.stdout.write(p.labels.map((l) => `${l.id}\t${l.label}\t${(100 * l.p).toFixed(1)}%${l.actual !== undefined ? `\t(labelled ${l.actual})` : ''}${l.stepsAgree !== undefined ? `\t${(100 * l.stepsAgree).toFixed(1)}% of steps as labelled` : ''}`).join('\n') + '\n' + sequencesAgreement(p.labels));
  else process.stdout.write(p.output + '\n');
  return 0;
}

/** How many predicted labels equal the table's own, where it has them: a line, or '' when it has none. */
function sequencesAgreement(labels: { label: string; actual?: string }[]): string {
  const known = labels.filter((l) => l.actual !== undefined);
  if (known.length === 0) return '';
  const agree = known.filter((l) => l.label === l.actual).length;
  return `${agree} of ${known.length} labelled sequences predicted as labelled (${((100 * agree) / known.length).toFixed(1)}%)\n`;
}

/** BIO tags (each O, B-X or I-X): the entities they make, as the run's entity F1 counts them; '' for other tag sets. */
function entityLine(tokens: string[], tags: string[]): string {
  if (!tags.every((t) => t === 'O' || parseTag(t))) return '';
  const spans = entitySpans(tags);
  return `entities: ${spans.length ? spans.map((e) => `${e.type} "${tokens.slice(e.start, e.end).join(' ')}"`).join(', ') : 'none'}\n`;
}

// ============================================== export ============================================================

async function exportCommand(argv: string[]): Promise<number> {
  const { values: o, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { out: { type: 'string' }, streaming: { type: 'boolean' }, json: { type: 'boolean' }, 'max-samples': { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('export needs one RUN_DIR (a folder written by seqstudio train)');
  if (o.out !== undefined && !/\.onnx$/i.test(o.out)) throw new UsageError(`--out ${o.out}: name a .onnx file`);
  const maxSamples = int(o['max-samples'], 'max-samples', 1, 1_000_000);
  let r;
  try {
    r = await exportRun(positionals[0], { out: o.out, streaming: o.streaming ?? false, maxSamples });
  } catch (e) {
    if (e instanceof ExportInputError) throw new UsageError(e.message);
    throw e;
  }
  const diff = r.maxAbsDiff.toExponential(2);
  if (o.json) process.stdout.write(JSON.stringify({ type: 'export', ...r }) + '\n');
  else {
    const lines = [`exported ${positionals[0]} (${r.shape}${r.streaming ? ', streaming' : ''}, ONNX opset ${r.opset}, IR ${r.irVersion}):`, ...r.files.map((f) => `  ${f}`)];
    for (const g of r.graph) lines.push(`graph ${g.name}: ${g.inputs.join(', ')} → ${g.outputs.join(', ')}  (${g.operators.join(' ')})`);
    lines.push(`onnxruntime ${r.onnxruntime} on ${r.checkedSamples} ${r.checkedOn} sequences (${r.checkedRows} outputs): max |difference| from the trainer ${diff} (tolerance ${r.tolerance.toExponential(0)})`);
    if (r.generation) lines.push(`greedy ${r.generation.kind === 'decode' ? 'decoding' : 'generation'}: ${r.generation.agreed} of ${r.generation.samples} agree with the trainer token for token (${r.generation.tokens} tokens)`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  if (!r.ok) {
    process.stderr.write(`seqstudio export: the export does not match the trainer (max |difference| ${diff}${r.tokensAgree === false ? ', greedy decodes differ' : ''})\n`);
    return 1;
  }
  return 0;
}

// ============================================== bench =============================================================

interface PyTorchBench {
  config: string;
  threads: number;
  tokensPerSecond: number;
  gflops: number;
}

function runPyTorchBench(configs: string[], threads: number, seconds: number): PyTorchBench[] | string {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return 'PyTorch comparison skipped: /usr/bin/python3 not found';
  const script = join(packageRoot(), 'tools/bench_pytorch.py');
  const r = spawnSync(python, [script, '--configs', configs.join(','), '--threads', String(threads), '--seconds', String(seconds)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_WAIT_POLICY: 'passive' },
    maxBuffer: 1 << 24,
  });
  if (r.status === 3) return 'PyTorch comparison skipped: torch is not installed for /usr/bin/python3 (apt-get install python3-torch)';
  if (r.status !== 0) return `PyTorch comparison failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  return r.stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as PyTorchBench);
}

async function bench(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    strict: true,
    options: {
      config: { type: 'string' },
      workers: { type: 'string' },
      'vs-pytorch': { type: 'boolean' },
      profile: { type: 'boolean' },
      generate: { type: 'boolean' },
      tokens: { type: 'string' },
      seconds: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const configs = o.config ? o.config.split(',').map((s) => s.trim()) : o.generate ? GENERATE_DEFAULT_CONFIGS : BENCH_CONFIGS.map((c) => c.name);
  for (const c of configs) if (!BENCH_CONFIGS.some((b) => b.name === c)) throw new UsageError(`--config ${c}: expected one of ${BENCH_CONFIGS.map((b) => b.name).join(', ')}`);
  const json = o.json ?? false;
  if (o.generate) {
    for (const flag of ['workers', 'vs-pytorch', 'profile', 'seconds'] as const) if (o[flag] !== undefined) throw new UsageError(`--${flag} does not apply to --generate (it times generation on one thread; --tokens N sets its length)`);
    const text = BENCH_CONFIGS.filter((b) => b.vocab > 0).map((b) => b.name);
    for (const c of configs) if (!text.includes(c)) throw new UsageError(`--config ${c}: --generate needs a text configuration (one of ${text.join(', ')})`);
    return benchGenerateCommand(configs, int(o.tokens, 'tokens', 2, 100_000) ?? 500, json);
  }
  if (o.tokens !== undefined) throw new UsageError('--tokens goes with --generate');
  const workerCounts = workerList(o.workers);
  const seconds = real(o.seconds, 'seconds', 0.1, 600) ?? 2;
  const profile = o.profile ?? false;
  const ours: BenchResultEvent[] = [];
  for (const workers of workerCounts) {
    if (!json) process.stdout.write(`Sequence Studio trainer, ${workers} worker${workers > 1 ? 's (data-parallel)' : ''}, full training steps (forward, BPTT, Adam), median of 3 runs of ~${seconds}s\n`);
    await runBench(
      configs,
      seconds,
      workers,
      (r) => {
        ours.push(r);
        if (json) return;
        process.stdout.write(`  ${r.config.padEnd(6)} ${fmtInt(r.tokensPerSecond).padStart(9)} tok/s  ${r.gflops.toFixed(1).padStart(5)} GFLOP/s  ${r.msPerStep.toFixed(1).padStart(8)} ms/step  (${r.kernels})  ${r.description}\n`);
        if (r.profile) process.stdout.write(formatProfile(r.profile).join('\n') + '\n');
      },
      profile && workers === workerCounts[0], // the profile is of one thread's step: once
    );
  }
  // Scaling: each further worker count against the first, in the same invocation.
  const first = workerCounts[0];
  if (workerCounts.length > 1 && !json) process.stdout.write(`Speed-up over ${first} worker${first > 1 ? 's' : ''} (same invocation)\n`);
  for (const r of ours) {
    const base = ours.find((b) => b.workers === first && b.config === r.config);
    if (r.workers === first || !base) continue;
    const speedup = r.tokensPerSecond / base.tokensPerSecond;
    if (json) process.stdout.write(JSON.stringify({ type: 'bench-scaling', config: r.config, workers: r.workers, baseWorkers: first, speedup }) + '\n');
    else process.stdout.write(`  ${r.config.padEnd(6)} ${r.workers} workers ÷ ${first}: ${speedup.toFixed(2)}×\n`);
  }
  // PyTorch at 1 thread and at each worker count. Each of ours is compared with PyTorch's best at 1 thread or at as
  // many threads as it has workers (on a small machine more threads can be slower for PyTorch): the best it does
  // with the same cores.
  const torch: PyTorchBench[] = [];
  if (o['vs-pytorch']) {
    for (const threads of [...new Set([1, ...workerCounts])].sort((a, b) => a - b)) {
      if (!json) process.stdout.write(`PyTorch (${threads} thread${threads > 1 ? 's' : ''}), same configurations…\n`);
      const r = runPyTorchBench(configs, threads, seconds);
      if (typeof r === 'string') {
        process.stderr.write(r + '\n');
        break;
      }
      torch.push(...r);
    }
  }
  for (const r of ours) {
    const t = torch.filter((x) => x.config === r.config && (x.threads === 1 || x.threads === r.workers)).sort((a, b) => b.tokensPerSecond - a.tokensPerSecond)[0];
    if (json)
      process.stdout.write(
        JSON.stringify({ type: 'bench', config: r.config, workers: r.workers, tokensPerSecond: r.tokensPerSecond, gflops: r.gflops, msPerStep: r.msPerStep, kernels: r.kernels, pytorchTokensPerSecond: t?.tokensPerSecond, pytorchGflops: t?.gflops, pytorchThreads: t?.threads, ratio: t ? r.tokensPerSecond / t.tokensPerSecond : undefined, profile: r.profile }) + '\n',
      );
    else if (t)
      process.stdout.write(`  ${r.config.padEnd(6)} ours ${String(r.workers).padStart(2)}w ${fmtInt(r.tokensPerSecond).padStart(9)} tok/s (${r.gflops.toFixed(1)} GFLOP/s)  PyTorch ${fmtInt(t.tokensPerSecond).padStart(9)} tok/s (${t.gflops.toFixed(1)} GFLOP/s, ${t.threads} thread${t.threads > 1 ? 's' : ''})  ratio ${(r.tokensPerSecond / t.tokensPerSecond).toFixed(2)}×\n`);
  }
  return 0;
}

/** --workers N or N,N,…: whole counts from 1 to 64, in the order given, each once. */
function workerList(v: string | undefined): number[] {
  if (v === undefined) return [1];
  const counts = v.split(',').map((x) => int(x.trim(), 'workers', 1, 64)!);
  if (new Set(counts).size !== counts.length) throw new UsageError(`--workers ${v}: give each count once`);
  return counts;
}

/** `bench --generate`: greedy text generation, ours beside onnxruntime-node; exit code 1 when the tokens differ. */
async function benchGenerateCommand(configs: string[], tokens: number, json: boolean): Promise<number> {
  const results: GenerateBenchResultEvent[] = [];
  if (!json) process.stdout.write(`Greedy text generation, ${fmtInt(tokens)} tokens from a 16-token prime, one network step per token with the state carried; onnxruntime-node on the --streaming export of the same parameters, 1 thread; median of 5 runs\n`);
  await runGenerateBench(configs, { tokens }, (r) => {
    results.push(r);
    if (json)
      process.stdout.write(
        JSON.stringify({ type: 'bench-generate', config: r.config, description: r.description, tokens: r.tokens, prime: r.prime, tokensPerSecond: r.ours.tokensPerSecond, onnxruntimeTokensPerSecond: r.onnxruntime.tokensPerSecond, ratio: r.ratio, tokensAgree: r.tokensAgree, firstDifference: r.firstDifference, kernels: r.kernels, onnxruntime: r.onnxruntime.version, onnxruntimeThreads: r.onnxruntime.threads }) + '\n',
      );
    else
      process.stdout.write(
        `generate ${r.config.padEnd(6)} ours ${fmtInt(r.ours.tokensPerSecond).padStart(7)} tok/s  onnxruntime ${fmtInt(r.onnxruntime.tokensPerSecond).padStart(7)} tok/s  ratio ${r.ratio.toFixed(2)}×  ${r.tokensAgree ? 'tokens agree' : `tokens DIFFER from position ${r.firstDifference}`}  (${r.description}; ${r.kernels}, onnxruntime ${r.onnxruntime.version})\n`,
      );
  });
  const bad = results.filter((r) => !r.tokensAgree);
  if (bad.length) {
    process.stderr.write(`seqstudio bench: greedy generation in onnxruntime differs from ours for ${bad.map((r) => r.config).join(', ')}\n`);
    return 1;
  }
  return 0;
}

// ============================================== main ==============================================================

/** Says 'closed' once stdout's reader has gone (EPIPE): output stops quietly instead of ending in a stack trace. */
const stdoutClosed = new EventEmitter();
let stdoutGone = false;
function watchStdout(): void {
  if (process.stdout.listenerCount('error') > 0) return;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
    if (stdoutGone) return;
    stdoutGone = true;
    stdoutClosed.emit('closed');
  });
}

export async function main(argv: string[]): Promise<number> {
  watchStdout();
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'train':
        return await train(rest);
      case 'bench':
        return await bench(rest);
      case 'predict':
        return await predictCommand(rest);
      case 'inspect':
        return await inspectCommand(rest);
      case 'export':
        return await exportCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}" (commands: inspect, train, predict, bench, export; see seqstudio --help)`);
    }
  } catch (e) {
    const err = e as Error & { code?: string };
    if (e instanceof UsageError || err.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`seqstudio: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`seqstudio: ${err.message}\n`);
    return 1;
  }
}

const invoked = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) main(process.argv.slice(2)).then((code) => process.exit(code));
