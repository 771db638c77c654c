// Checks every StudioApi argument that crosses a process boundary (Electron IPC, the web host's HTTP API) before a
// service sees it: types, ranges, lengths, no unknown keys. A page that sends anything else gets a clear error and
// nothing runs. Plain Node; the schemas mirror src-shared/studio-api.ts.

import { FORMATS } from '../../src-shared/dataset';
import { MAX_BUDGET_SECONDS } from '../../src-shared/duration';
import { CELL_TYPES, OPTIMIZERS, PROBLEM_SHAPES } from '../../src-shared/model';
import type { StudioMethod } from '../../src-shared/studio-api';

export class InvalidArgument extends Error {
  constructor(message: string) {
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

/** The choices of the Data screen that override the importer's proposal (shared by both shapes below). */
const OVERRIDES: Record<string, Check> = {
  'shape?': oneOf(PROBLEM_SHAPES),
  'input?': arrayOf(column, 200),
  'target?': column,
  'sequence?': column,
  'step?': column,
  'lookback?': num(1, 20000, true),
  'horizon?': num(1, 10000, true),
  'stride?': num(1, 10000, true),
  'difference?': bool,
  'tokens?': oneOf(['char', 'word']),
  'maxLength?': num(1, 20000, true),
  'vocabularyCap?': num(4, 1_000_000, true),
  'testFraction?': num(0, 0.5),
  'season?': num(0, 20000, true),
  'lag?': num(1, 20000, true),
  'split?': column,
  'wide?': bool,
  'patch?': num(1, 20000, true),
};
/** DataChoices (a run's data request without its path). */
const dataChoices = obj({ ...OVERRIDES, 'format': oneOf(['auto', ...FORMATS]), 'valFraction': num(0.01, 0.5) });
/** Partial<DatasetChoice> (what inspect builds from). */
const datasetChoice = obj({
  ...OVERRIDES,
  'valFraction?': num(0.01, 0.5),
  'seed?': num(0, 2 ** 32 - 1, true),
  'batchSize?': num(1, 4096, true),
});
const modelChoice = obj({
  cell: oneOf(CELL_TYPES),
  layers: num(1, 8, true),
  hiddenSize: num(1, 4096, true),
  embedSize: num(0, 4096, true),
  bidirectional: bool,
  dropout: num(0, 0.9),
  forgetBias: num(-10, 10),
});
const settings = obj({
  optimizer: oneOf(OPTIMIZERS),
  learningRate: num(1e-9, 10),
  momentum: num(0, 0.9999),
  beta1: num(0, 0.9999),
  beta2: num(0, 0.999999),
  epsilon: num(1e-12, 1),
  weightDecay: num(0, 10),
  clipNorm: num(0, 1e6),
  warmupSteps: num(0, 1e7, true),
  decay: oneOf(['none', 'cosine', 'linear']),
  minLearningRate: num(0, 10),
  batchSize: num(1, 4096, true),
  sequenceLength: num(1, 20000, true),
  steps: num(1, 1e7, true),
  seed: num(0, 2 ** 32 - 1, true),
  diagnosticsEvery: num(1, 1e7, true),
  evaluateEvery: num(1, 1e7, true),
  checkpointEvery: num(0, 1e7, true),
  // optional: settings saved before they existed (project.json, a run's request) read as 0
  'patience?': num(0, 1e6, true),
  'timeBudgetSeconds?': num(0, MAX_BUDGET_SECONDS),
});
const current = obj({ datasetId: id, data: dataChoices, model: modelChoice, settings });
const predictOptions = obj({
  'input?': str(100_000),
  'length?': num(1, 100_000, true),
  'temperature?': num(0.01, 10),
  'seed?': num(0, 2 ** 32 - 1, true),
  'backtest?': bool,
});

const SCHEMAS: Record<StudioMethod, { required: Check[]; optional?: Check[] }> = {
  version: { required: [] },
  machine: { required: [] },
  samples: { required: [] },
  project: { required: [] },
  saveCurrent: { required: [current] },
  addSample: { required: [fileName] },
  addDatasetBytes: { required: [fileName, bytes] },
  chooseDatasetFile: { required: [] },
  inspectDataset: { required: [id, oneOf(['auto', ...FORMATS])], optional: [datasetChoice] },
  listRuns: { required: [] },
  startRun: { required: [obj({ 'datasetId': id, 'data': dataChoices, 'model': modelChoice, 'settings': settings, 'workers?': num(1, 64, true), 'name?': str(200) })] },
  pauseRun: { required: [id] },
  resumeRun: { required: [id] },
  stopRun: { required: [id] },
  continueRun: { required: [id] },
  forkRun: { required: [id, settings], optional: [num(0, 1e9, true)] },
  deleteRun: { required: [id] },
  runHistory: { required: [id] },
  predict: { required: [id, predictOptions] },
  exportRun: { required: [id, obj({ 'streaming?': bool })] },
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
