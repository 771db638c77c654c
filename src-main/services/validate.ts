// Checks every StudioApi argument that crosses a process boundary (Electron IPC, the web host's HTTP API) before a
// service sees it: types, ranges, lengths, no unknown keys. A page that sends anything else gets a clear error and
// nothing runs. Plain Node; the schemas mirror src-shared/studio-api.ts, and every setting's range is the settings
// table's (src-shared/settings.ts).

import { describeProblem, expected, inRange, renderMentions, SETTINGS, SettingError, type SettingKey, type SettingSpec } from '../../src-shared/settings';
import type { StudioMethod } from '../../src-shared/studio-api';

/** An argument the schema refuses; `setting`: the setting it is about, when it is a setting out of range. */
export class InvalidArgument extends Error {
  constructor(
    message: string,
    readonly setting?: SettingKey,
  ) {
    super(message);
    this.name = 'InvalidArgument';
  }
}

type Check = (value: unknown, where: string) => void;

const fail = (where: string, what: string): never => {
  throw new InvalidArgument(`${where}: ${what}`);
};

const str = (max = 1000, pattern?: RegExp): Check => (v, where) => {
  if (typeof v !== 'string') fail(where, 'expected a string');
  const s = v as string;
  if (s.length > max) fail(where, `longer than ${max} characters`);
  if (pattern && !pattern.test(s)) fail(where, 'has characters that are not allowed');
};
const num = (min: number, max: number, integer = false): Check => (v, where) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(where, 'expected a finite number');
  const n = v as number;
  if (integer && !Number.isInteger(n)) fail(where, 'expected a whole number');
  if (n < min || n > max) fail(where, `must be between ${min} and ${max}`);
};
const bool: Check = (v, where) => {
  if (typeof v !== 'boolean') fail(where, 'expected true or false');
};
const oneOf = (values: readonly string[]): Check => (v, where) => {
  if (typeof v !== 'string' || !values.includes(v)) fail(where, `expected one of ${values.join(', ')}`);
};
const arrayOf = (item: Check, max: number): Check => (v, where) => {
  if (!Array.isArray(v)) fail(where, 'expected a list');
  const a = v as unknown[];
  if (a.length > max) fail(where, `more than ${max} items`);
  a.forEach((x, i) => item(x, `${where}[${i}]`));
};
/** An object with exactly these keys (optional ones marked with `?`), nothing else. */
const obj = (shape: Record<string, Check>): Check => (v, where) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, 'expected an object');
  const o = v as Record<string, unknown>;
  const known = new Map(Object.entries(shape).map(([k, c]) => [k.replace(/\?$/, ''), { check: c, optional: k.endsWith('?') }]));
  for (const k of Object.keys(o)) if (!known.has(k)) fail(where, `unknown field "${k.slice(0, 40)}"`);
  for (const [k, { check, optional }] of known) {
    if (o[k] === undefined) {
      if (!optional) fail(`${where}.${k}`, 'is required');
      continue;
    }
    check(o[k], `${where}.${k}`);
  }
};
const bytes: Check = (v, where) => {
  if (!(v instanceof Uint8Array)) fail(where, 'expected the file bytes');
  if ((v as Uint8Array).length > 2 ** 30) fail(where, 'files above 1 GiB are not supported');
};

/** Ids the services hand out: dataset and run ids, sample file names. No separators, no '..'. */
const id = str(200, /^[A-Za-z0-9][A-Za-z0-9._-]*$/);
const fileName = str(255, /^[^/\\\0]+$/);
const column = str(200);

/**
 * A setting's check, from the settings table: its type and range (a SettingError naming the setting when the value is
 * out of range, so the page can say which field and focus it).
 */
const setting = (key: SettingKey): Check => (v, where) => {
  const s: SettingSpec = SETTINGS[key];
  if (s.kind === 'number' && (typeof v !== 'number' || !Number.isFinite(v))) fail(where, 'expected a finite number');
  if ((s.kind === 'choice' || s.kind === 'column' || s.kind === 'text') && typeof v !== 'string') fail(where, 'expected a string');
  if (s.kind === 'boolean' && typeof v !== 'boolean') fail(where, 'expected true or false');
  if (s.kind === 'columns') arrayOf(column, 200)(v, where);
  if (!inRange(key, v)) throw new InvalidArgument(`${where}: ${describeProblem({ message: `expected ${expected(key, 'studio')}`, setting: key, value: String(v) }, 'studio')}`, key);
};
/** An object of settings, each checked against the table (optional ones marked with `?`). */
const settingsObj = (keys: readonly (SettingKey | `${SettingKey}?`)[], extra: Record<string, Check> = {}): Check =>
  obj({ ...Object.fromEntries(keys.map((k) => [k, setting(k.replace(/\?$/, '') as SettingKey)])), ...extra });

/** The choices of the Data screen that override the importer's proposal (shared by both shapes below). */
const OVERRIDES = ['shape?', 'input?', 'target?', 'sequence?', 'step?', 'lookback?', 'horizon?', 'stride?', 'difference?', 'tokens?', 'targetTokens?', 'maxLength?', 'vocabularyCap?', 'testFraction?', 'season?', 'lag?', 'split?', 'wide?', 'patch?'] as const;
/** DataChoices (a run's data request without its path). */
const dataChoices = settingsObj([...OVERRIDES, 'format', 'valFraction']);
/** Partial<DatasetChoice> (what inspect builds from). */
const datasetChoice = settingsObj([...OVERRIDES, 'valFraction?', 'seed?', 'batchSize?']);
// attention optional: a choice saved before it existed means none
const modelChoice = settingsObj(['cell', 'layers', 'hiddenSize', 'embedSize', 'bidirectional', 'dropout', 'forgetBias', 'attention?', 'inputFeeding?']);
const settings = settingsObj([
  'optimizer', 'learningRate', 'momentum', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'clipNorm', 'warmupSteps', 'decay', 'minLearningRate', 'batchSize', 'sequenceLength',
  'steps', 'seed', 'diagnosticsEvery', 'evaluateEvery', 'checkpointEvery',
  // optional: settings saved before they existed (project.json, a run's request) read as 0
  'patience?', 'timeBudgetSeconds?',
]);
const current = obj({ datasetId: id, data: dataChoices, model: modelChoice, settings });
const predictOptions = obj({ 'input?': setting('predictInput'), 'length?': setting('length'), 'temperature?': setting('temperature'), 'seed?': setting('predictSeed'), 'beamWidth?': setting('beamWidth'), 'lengthPenalty?': setting('lengthPenalty'), 'backtest?': bool });

const SCHEMAS: Record<StudioMethod, { required: Check[]; optional?: Check[] }> = {
  version: { required: [] },
  machine: { required: [] },
  samples: { required: [] },
  project: { required: [] },
  saveCurrent: { required: [current] },
  addSample: { required: [fileName] },
  addDatasetBytes: { required: [fileName, bytes] },
  chooseDatasetFile: { required: [] },
  inspectDataset: { required: [id, setting('format')], optional: [datasetChoice] },
  listRuns: { required: [] },
  startRun: { required: [obj({ 'datasetId': id, 'data': dataChoices, 'model': modelChoice, 'settings': settings, 'workers?': setting('workers'), 'name?': str(200) })] },
  pauseRun: { required: [id] },
  resumeRun: { required: [id] },
  stopRun: { required: [id] },
  continueRun: { required: [id] },
  forkRun: { required: [id, settings], optional: [num(0, 1e9, true)] },
  deleteRun: { required: [id] },
  runHistory: { required: [id] },
  predict: { required: [id, predictOptions] },
  exportRun: { required: [id, obj({ 'streaming?': bool })] },
  bundleRun: { required: [id] },
  importRun: { required: [str(1000)] },
  listSweeps: { required: [] },
  startSweep: {
    required: [
      obj({
        'datasetId': id,
        'data': dataChoices,
        'model': modelChoice,
        'settings': settings,
        'space': str(4000),
        'method': oneOf(['grid', 'random', 'tpe']),
        'trials': num(1, 100_000, true),
        'budgetSeconds': setting('timeBudgetSeconds'),
        'stop': oneOf(['asha', 'median', 'none']),
        'parallel?': setting('workers'),
        'workers?': setting('workers'),
      }),
    ],
  },
  sweepInfo: { required: [id] },
  stopSweep: { required: [id] },
  resumeSweep: { required: [id] },
  promoteTrial: { required: [id, num(1, 100_000, true)] },
  trialHistory: { required: [id, num(1, 100_000, true)] },
};

export function isStudioMethod(name: string): name is StudioMethod {
  return Object.hasOwn(SCHEMAS, name);
}

/** Throws InvalidArgument unless `args` fit the method's schema (undefined trailing optionals are allowed). */
export function validateArgs(method: string, args: unknown): asserts args is unknown[] {
  if (!isStudioMethod(method)) throw new InvalidArgument(`unknown request "${method.slice(0, 60)}"`);
  if (!Array.isArray(args)) throw new InvalidArgument(`${method}: expected a list of arguments`);
  const { required, optional = [] } = SCHEMAS[method];
  while (args.length > required.length && args[args.length - 1] == null) args.pop(); // JSON turns undefined into null
  if (args.length < required.length || args.length > required.length + optional.length) {
    throw new InvalidArgument(`${method}: expected ${required.length}${optional.length ? `–${required.length + optional.length}` : ''} arguments, got ${args.length}`);
  }
  [...required, ...optional].forEach((check, i) => {
    if (i < args.length) check(args[i], `${method} argument ${i + 1}`);
  });
}

/**
 * An error as the page is told it (web host, desktop IPC): the message in the studio's words (a setting named by its
 * field's label, not its flag), and the setting it is about, so the page can focus that field.
 */
export function pageError(e: unknown): { error: string; setting?: SettingKey } {
  if (e instanceof SettingError) return { error: describeProblem(e.problem, 'studio'), ...(e.key ? { setting: e.key } : {}) };
  if (e instanceof InvalidArgument && e.setting) return { error: e.message, setting: e.setting };
  return { error: renderMentions(e instanceof Error ? e.message : String(e), 'studio') };
}
