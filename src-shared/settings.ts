// The settings table: every setting a person can give a run, once — its default, range and unit, the label the
// studio shows and the flag the CLI takes, and the screen it lives on. The validators at the process boundary
// (src-main/services/validate.ts), the CLI's parser and usage text, the estimate, the recipe, the data builders and
// the studio's forms all read it, so a limit is written in one place. Plain TypeScript (no Node, no DOM).
//
// A problem with a setting is a SettingError carrying the setting's key (and the value given): each host says it in
// its own words — the flag on the command line (`--batch 9000: expected an integer from 1 to 4096`), the field's label
// on screen (`Batch size “9000”: …`, and the field focused). Messages are written in the command line's words and
// name other settings through mention(key); the studio renders them with renderMentions.

import { ATTENTION_TYPES, ATTENTIONS } from './attention';
import { CELL_TYPES, CELLS } from './cells';
import { DEFAULT_MODEL, FORMATS } from './dataset';
import { InputError, type Problem } from './errors';

export type { Problem } from './errors';
import { MAX_BUDGET_SECONDS } from './duration';
import { DEFAULT_TRAIN_SETTINGS as T, OPTIMIZERS, PROBLEM_SHAPES, type TrainSettings } from './model';

/** Where a setting is chosen in the studio. */
export type SettingScreen = 'data' | 'design' | 'train' | 'try';

interface Common {
  /** The studio's label for the field. */
  label: string;
  /** A shorter name for the studio's messages, where the label is long ("Stop early after"). */
  short?: string;
  /** The CLI flag, without its dashes. */
  flag: string;
  screen: SettingScreen;
  /** One line shown under the field (and in the CLI's usage where useful). */
  hint?: string;
}

export interface NumberSetting extends Common {
  kind: 'number';
  min: number;
  max: number;
  /** The minimum itself is not allowed (a learning rate > 0); belowMax likewise for the maximum. */
  aboveMin?: boolean;
  belowMax?: boolean;
  integer?: boolean;
  /** What the number counts, where the studio's message says it ("a whole number of steps from 1 to …"). */
  unit?: string;
  /** What 0 means, where it means something ("off", "never"). */
  zero?: string;
  default?: number;
  /** Typed as a duration ("90s", "5m", "1h30m"), stored in seconds. */
  duration?: boolean;
}

export interface ChoiceSetting extends Common {
  kind: 'choice';
  values: readonly string[];
  /** How the studio names each value. */
  names?: Readonly<Record<string, string>>;
  default?: string;
}

export interface FlagSetting extends Common {
  kind: 'boolean';
  default?: boolean;
}

/** A column of the data (a name, or a 1-based position in a file without a header), or a list of them. */
export interface ColumnSetting extends Common {
  kind: 'column' | 'columns';
}

/** Free text (a prime, an input to classify), as long as `max` characters. */
export interface TextSetting extends Common {
  kind: 'text';
  max: number;
}

export type SettingSpec = NumberSetting | ChoiceSetting | FlagSetting | ColumnSetting | TextSetting;

const whole = <R extends Omit<NumberSetting, 'kind' | 'min' | 'max' | 'integer'>>(min: number, max: number, rest: R) => ({ kind: 'number' as const, integer: true, min, max, ...rest });
const real = <R extends Omit<NumberSetting, 'kind' | 'min' | 'max'>>(min: number, max: number, rest: R) => ({ kind: 'number' as const, min, max, ...rest });
const names = (values: readonly string[], f: (v: string) => string): Record<string, string> => Object.fromEntries(values.map((v) => [v, f(v)]));

/** Steps of a sequence that no dataset needs more of (a window, a chunk, a sentence). */
export const MAX_SEQUENCE_STEPS = 20_000;

export const SETTINGS = {
  // ---- the design (Design screen) ----------------------------------------------------------------------------
  cell: { kind: 'choice', label: 'Cell', flag: 'cell', screen: 'design', values: CELL_TYPES, names: names(CELL_TYPES, (c) => CELLS[c as keyof typeof CELLS].option), default: DEFAULT_MODEL.cell },
  layers: whole(1, 8, { label: 'Layers', flag: 'layers', screen: 'design', default: DEFAULT_MODEL.layers }),
  hiddenSize: whole(1, 4096, { label: 'Hidden size', flag: 'hidden', screen: 'design', default: DEFAULT_MODEL.hiddenSize }),
  embedSize: whole(0, 4096, { label: 'Embedding size', flag: 'embed', screen: 'design', zero: 'automatic: min(64, vocabulary)', default: DEFAULT_MODEL.embedSize }),
  bidirectional: { kind: 'boolean', label: 'Bidirectional', flag: 'bidirectional', screen: 'design', default: DEFAULT_MODEL.bidirectional },
  dropout: real(0, 0.9, { label: 'Dropout', flag: 'dropout', screen: 'design', hint: 'between layers (needs 2 or more)', default: DEFAULT_MODEL.dropout }),
  forgetBias: real(-10, 10, { label: 'Forget-gate bias', flag: 'forget-bias', screen: 'design', hint: '1 keeps memory open at the start', default: DEFAULT_MODEL.forgetBias }),
  attention: {
    kind: 'choice',
    label: 'Attention',
    flag: 'attention',
    screen: 'design',
    hint: 'encoder–decoder only: how the decoder reads the source at every step',
    values: ATTENTION_TYPES,
    names: names(ATTENTION_TYPES, (a) => ATTENTIONS[a as keyof typeof ATTENTIONS].option),
    default: DEFAULT_MODEL.attention,
  },
  inputFeeding: {
    kind: 'boolean',
    label: 'Input feeding',
    flag: 'input-feeding',
    screen: 'design',
    hint: 'encoder–decoder with attention only: the decoder also reads the previous step’s attentional state h̃ (Luong)',
    default: false,
  },

  // ---- training (Train screen) -------------------------------------------------------------------------------
  optimizer: { kind: 'choice', label: 'Optimizer', flag: 'optimizer', screen: 'train', values: OPTIMIZERS, names: { sgd: 'SGD', adam: 'Adam', adamw: 'AdamW' }, default: T.optimizer },
  learningRate: real(0, 10, { aboveMin: true, belowMax: true, label: 'Learning rate', flag: 'lr', screen: 'train', hint: 'Adam: 1e-3 to 3e-3; SGD: 0.01 to 0.5.', default: T.learningRate }),
  momentum: real(0, 0.9999, { label: 'Momentum', flag: 'momentum', screen: 'train', hint: 'SGD only (0 = plain SGD).', default: T.momentum }),
  beta1: real(0, 0.9999, { label: 'Adam β₁', flag: 'beta1', screen: 'train', default: T.beta1 }),
  beta2: real(0, 0.999999, { label: 'Adam β₂', flag: 'beta2', screen: 'train', default: T.beta2 }),
  epsilon: real(1e-12, 1, { label: 'Adam ε', flag: 'epsilon', screen: 'train', default: T.epsilon }),
  weightDecay: real(0, 10, { label: 'Weight decay', flag: 'weight-decay', screen: 'train', hint: 'Decoupled (AdamW), or L2 added to the gradient (SGD, Adam).', default: T.weightDecay }),
  clipNorm: real(0, 1e6, { label: 'Gradient clipping (0 = off)', short: 'Gradient clipping', flag: 'clip', screen: 'train', zero: 'off', hint: 'Rescales the gradient when its global norm exceeds this.', default: T.clipNorm }),
  warmupSteps: whole(0, 1e7, { label: 'Warm-up steps', flag: 'warmup', screen: 'train', default: T.warmupSteps }),
  decay: { kind: 'choice', label: 'Decay', flag: 'decay', screen: 'train', values: ['none', 'cosine', 'linear'], names: { none: 'None (constant)', cosine: 'Cosine', linear: 'Linear' }, default: T.decay },
  minLearningRate: real(0, 10, { belowMax: true, label: 'Decay to (final rate)', short: 'The final rate', flag: 'min-lr', screen: 'train', default: T.minLearningRate }),
  batchSize: whole(1, 4096, { label: 'Batch size', flag: 'batch', screen: 'train', default: T.batchSize }),
  sequenceLength: whole(1, 10_000, { label: 'Sequence length', flag: 'seq-len', screen: 'train', hint: 'Time steps backpropagated through (running text and long series).', default: T.sequenceLength }),
  steps: whole(1, 1e7, { label: 'Steps', flag: 'steps', screen: 'train', default: T.steps }),
  epochs: real(0, 1e6, { aboveMin: true, label: 'Epochs', flag: 'epochs', screen: 'train', hint: 'Passes over the training data, instead of a number of steps.' }),
  seed: whole(0, 2 ** 31 - 1, { label: 'Seed', flag: 'seed', screen: 'train', default: T.seed }),
  evaluateEvery: whole(0, 1e7, { label: 'Evaluate every', flag: 'eval-every', screen: 'train', unit: 'steps', zero: 'only at the end', hint: 'Steps between validation passes (loss and task metric).', default: T.evaluateEvery }),
  diagnosticsEvery: whole(0, 1e7, { label: 'Diagnostics every', flag: 'diagnostics-every', screen: 'train', unit: 'steps', zero: 'never', hint: 'Steps between diagnostics (gradient flow, layer norms, gates).', default: T.diagnosticsEvery }),
  checkpointEvery: whole(0, 1e7, {
    label: 'Checkpoint every',
    flag: 'checkpoint-every',
    screen: 'train',
    unit: 'steps',
    zero: 'only at the end',
    hint: 'Steps between checkpoints: where a run continues after a crash. The best one (best validation metric) is kept too, for forks.',
    // a person's run checkpoints every 100 steps, from the studio and the CLI alike, so a crash or a divergence never
    // costs it all (the trainer's own default, for programs that drive it, is 0)
    default: 100,
  }),
  patience: whole(0, 1e6, {
    label: 'Stop early after N evaluations without improvement',
    short: 'Stop early after',
    flag: 'patience',
    screen: 'train',
    unit: 'evaluations',
    zero: 'never',
    hint: 'Evaluations in a row without a better validation metric, after which the run ends with its best model restored (0 = never).',
    default: T.patience,
  }),
  timeBudgetSeconds: real(0, MAX_BUDGET_SECONDS, {
    duration: true,
    label: 'Time budget',
    flag: 'budget',
    screen: 'train',
    zero: 'none',
    hint: 'Training time after which the run ends as if finished, with its best model restored (0 = none).',
    default: T.timeBudgetSeconds,
  }),
  workers: whole(1, 64, { label: 'Worker threads', flag: 'workers', screen: 'train', hint: 'Splits each batch across threads: the same loss curve, sooner.', default: 1 }),

  // ---- the data (Data screen) --------------------------------------------------------------------------------
  format: { kind: 'choice', label: 'Format', flag: 'format', screen: 'data', values: ['auto', ...FORMATS], default: 'auto' },
  shape: { kind: 'choice', label: 'Problem shape', flag: 'shape', screen: 'data', values: PROBLEM_SHAPES },
  input: { kind: 'columns', label: 'Input columns', flag: 'input', screen: 'data' },
  target: { kind: 'column', label: 'Target column', flag: 'target', screen: 'data' },
  sequence: { kind: 'column', label: 'Sequence column', flag: 'sequence', screen: 'data', hint: 'The id of each sequence in a long-format table.' },
  step: { kind: 'column', label: 'Step column', flag: 'step', screen: 'data', hint: 'The order of the rows within a sequence.' },
  split: { kind: 'column', label: 'Split column', flag: 'split', screen: 'data', hint: 'A column marking each row train, validation or test.' },
  lookback: whole(1, MAX_SEQUENCE_STEPS, { label: 'Lookback', flag: 'lookback', screen: 'data', unit: 'steps' }),
  horizon: whole(1, 10_000, { label: 'Horizon', flag: 'horizon', screen: 'data', unit: 'steps', default: 1 }),
  stride: whole(1, 10_000, { label: 'Stride', flag: 'stride', screen: 'data', unit: 'steps', default: 1 }),
  difference: { kind: 'boolean', label: 'Difference: predict the change', flag: 'difference', screen: 'data' },
  season: whole(0, MAX_SEQUENCE_STEPS, { label: 'Season', flag: 'season', screen: 'data', unit: 'steps', zero: 'none' }),
  lag: whole(1, MAX_SEQUENCE_STEPS, { label: 'Difference lag', flag: 'lag', screen: 'data', unit: 'steps' }),
  wide: { kind: 'boolean', label: 'Wide table (a sequence per row)', flag: 'wide', screen: 'data' },
  patch: whole(1, MAX_SEQUENCE_STEPS, { label: 'Values a step', flag: 'patch', screen: 'data', hint: 'A wide row read k consecutive values a step.', default: 1 }),
  tokens: { kind: 'choice', label: 'Tokens', flag: 'tokens', screen: 'data', values: ['char', 'word'], names: { char: 'Characters', word: 'Words' }, hint: 'Of an encoder–decoder: the source side (and the target too when Target tokens is not set).' },
  targetTokens: { kind: 'choice', label: 'Target tokens', flag: 'target-tokens', screen: 'data', values: ['char', 'word'], names: { char: 'Characters', word: 'Words' }, hint: 'An encoder–decoder’s target side: words also for space-separated symbols (phonemes).' },
  maxLength: whole(1, MAX_SEQUENCE_STEPS, { label: 'Max length', flag: 'max-length', screen: 'data', unit: 'steps' }),
  vocabularyCap: whole(4, 1_000_000, { label: 'Vocabulary cap', flag: 'vocab-cap', screen: 'data', default: 20_000 }),
  valFraction: real(0.01, 0.5, { label: 'Validation fraction', flag: 'val-fraction', screen: 'data', default: 0.1 }),
  testFraction: real(0, 0.5, { label: 'Test fraction', flag: 'test-fraction', screen: 'data', zero: 'none', default: 0 }),

  // ---- trying a run (Try screen, `seqstudio predict`) ---------------------------------------------------------
  predictInput: { kind: 'text', label: 'Input', flag: 'input', screen: 'try', max: 100_000 },
  predictFile: { kind: 'text', label: 'Table', flag: 'file', screen: 'try', max: 4096 },
  series: { kind: 'text', label: 'Series', flag: 'series', screen: 'try', max: 1000 },
  length: whole(1, 100_000, { label: 'Length', flag: 'length', screen: 'try' }),
  temperature: real(0, 10, { label: 'Temperature', flag: 'temperature', screen: 'try', zero: 'greedy', default: 0.8 }),
  predictSeed: whole(0, 2 ** 31 - 1, { label: 'Seed', flag: 'seed', screen: 'try', default: 1 }),
  // encoder–decoder decoding (workers/engine/generate.ts): beam search of this width, 1 = greedy; ignored when sampling
  beamWidth: whole(1, 64, { label: 'Beam width', flag: 'beam', screen: 'try', hint: '1 = greedy; wider searches more translations (sampling ignores it).', default: 4 }),
  lengthPenalty: real(0, 5, { label: 'Length penalty α', short: 'Length penalty', flag: 'length-penalty', screen: 'try', hint: 'Beams are ranked by log p / length^α: 0 favours short outputs, 1 the mean per token.', default: 1 }),
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;

/** The training settings a person's run starts from, in the studio and on the command line: the table's defaults. */
export const RUN_SETTINGS: TrainSettings = Object.fromEntries(
  (Object.keys(T) as (keyof TrainSettings)[]).map((k) => [k, (SETTINGS[k] as { default?: unknown }).default ?? T[k]]),
) as unknown as TrainSettings;

export function settingSpec(key: SettingKey): SettingSpec {
  return SETTINGS[key];
}

// ============================================== ranges ==============================================================

const thousands = (n: number): string => (Number.isInteger(n) ? n.toLocaleString('en-US') : String(n));

/**
 * What a valid value is, in a host's words: `an integer from 1 to 4096` on the command line, `a whole number from 1
 * to 4,096` on screen; `a number > 0 and < 10`; `one of adam, adamw, sgd`.
 */
export function expected(key: SettingKey, host: Host = 'cli'): string {
  const s: SettingSpec = SETTINGS[key];
  const n = host === 'cli' ? String : thousands;
  switch (s.kind) {
    case 'number': {
      if (s.duration) {
        if (host === 'cli') return `a duration such as 90s, 5m or 1h30m, or a number of seconds, at most ${thousands(s.max)} seconds`;
        return `a duration such as 90s, 5m or 1h30m (at most ${thousands(Math.floor(s.max / 3600))}h)${s.zero ? `, or 0 for ${s.zero}` : ''}`;
      }
      const low = `${n(s.min)}${s.min === 0 && s.zero && host === 'studio' ? ` (${s.zero})` : ''}`;
      if (s.integer) return host === 'cli' ? `an integer from ${low} to ${n(s.max)}` : `a whole number${s.unit ? ` of ${s.unit}` : ''} from ${low} to ${n(s.max)}`;
      const bounds = s.aboveMin || s.belowMax ? `${s.aboveMin ? '>' : '≥'} ${low} and ${s.belowMax ? '<' : '≤'} ${n(s.max)}` : host === 'cli' ? `≥ ${low} and ≤ ${n(s.max)}` : `between ${low} and ${n(s.max)}`;
      return host === 'cli' ? `a number ${bounds}` : s.aboveMin || s.belowMax ? bounds : `a number ${bounds}`;
    }
    case 'choice':
      return `one of ${host === 'cli' || !s.names ? s.values.join(', ') : s.values.map((v) => s.names![v] ?? v).join(', ')}`;
    case 'boolean':
      return host === 'cli' ? 'the flag alone' : 'on or off';
    case 'column':
      return 'a column name, or its 1-based position';
    case 'columns':
      return 'column names or positions, separated by commas';
    case 'text':
      return `text of at most ${thousands(s.max)} characters`;
  }
}

/** The studio's rule for a field, shown beside it while its value is not valid: "Batch size must be a whole number from 1 to 4,096." */
export function rule(key: SettingKey): string {
  const s: SettingSpec = SETTINGS[key];
  return `${s.short ?? s.label} must be ${expected(key, 'studio')}.`;
}

/** Clamps a number into a number setting's range (the recipe's choices stay within what every host accepts). */
export function within(key: SettingKey, value: number): number {
  const s: SettingSpec = SETTINGS[key];
  if (s.kind !== 'number') return value;
  return Math.min(s.max, Math.max(s.min, value));
}

/** Whether `value` is a valid value of a number or choice setting (the range check every host applies). */
export function inRange(key: SettingKey, value: unknown): boolean {
  const s: SettingSpec = SETTINGS[key];
  switch (s.kind) {
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return false;
      if (s.integer && !Number.isInteger(value)) return false;
      return (s.aboveMin ? value > s.min : value >= s.min) && value <= s.max;
    }
    case 'choice':
      return typeof value === 'string' && s.values.includes(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'column':
      return typeof value === 'string' && value.length > 0 && value.length <= 200;
    case 'columns':
      return Array.isArray(value) && value.length <= 200 && value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 200);
    case 'text':
      return typeof value === 'string' && value.length <= s.max;
  }
}

/** Throws a SettingError unless `value` is in the setting's range; returns it. */
export function checked<T>(key: SettingKey, value: T): T {
  if (!inRange(key, value)) throw new SettingError(key, `expected ${expected(key, 'cli')}`, value);
  return value;
}

// ============================================== problems ============================================================

/** Who reads a message: a person at the command line (flags), or one looking at the studio (labels). */
export type Host = 'cli' | 'studio';

/**
 * Another setting named inside a message. Messages are written in the command line's words (`--input`), and the
 * studio says them in its own (renderMentions): a message names a setting through this, never by hand.
 */
export function mention(key: SettingKey): string {
  return `--${SETTINGS[key].flag}`;
}

/** A setting's name in a host's words: `--batch`, or “Batch size”. */
export function settingName(key: SettingKey, host: Host): string {
  return host === 'cli' ? `--${SETTINGS[key].flag}` : `“${SETTINGS[key].label}”`;
}

/** Each flag, the setting it sets (the first in the table where two commands share a flag). */
const BY_FLAG = new Map<string, SettingKey>();
for (const k of Object.keys(SETTINGS) as SettingKey[]) if (!BY_FLAG.has(SETTINGS[k].flag)) BY_FLAG.set(SETTINGS[k].flag, k);

/** `text` (written with flags) in a host's words: the studio names each setting by its field's label. */
export function renderMentions(text: string, host: Host): string {
  if (host === 'cli') return text;
  return text.replace(/(^|[^\w-])--([a-z][a-z0-9-]*)/g, (whole, before: string, name: string) => {
    const key = BY_FLAG.get(name);
    return key ? `${before}${settingName(key, 'studio')}` : whole;
  });
}

const shown = (v: unknown): string | undefined => (v === undefined ? undefined : Array.isArray(v) ? v.join(',') : String(v));

/**
 * The problem in a host's words: `--target price: no such column (…)` on the command line, `Target column “price”:
 * no such column (…)` in the studio (other settings in the detail named the same way).
 */
export function describeProblem(p: Problem, host: Host): string {
  const detail = renderMentions(p.message, host);
  const file = p.file ? `${p.file}: ` : '';
  const key = settingKeyOf(p);
  if (!key) return file + detail;
  const v = p.value;
  const given = v !== undefined && v !== 'true';
  if (host === 'cli') return `${file}--${SETTINGS[key].flag}${given ? ` ${/[\s"'$]/.test(v) || v === '' ? JSON.stringify(v) : v}` : ''}: ${detail}`;
  return `${file}${SETTINGS[key].label}${given && v !== '' ? ` “${v}”` : ''}: ${detail}`;
}

/** The setting a problem is about, when it names one this table has. */
export function settingKeyOf(p: Problem): SettingKey | undefined {
  return p.setting !== undefined && Object.hasOwn(SETTINGS, p.setting) ? (p.setting as SettingKey) : undefined;
}

/**
 * A problem with what the person set: one setting (its key, the value given; undefined for a problem that only
 * names settings in its detail), and the file it concerns. Its message is in the command line's words; hosts say it
 * in theirs with describeProblem(e.problem, host).
 */
export class SettingError extends InputError {
  override name = 'SettingError';
  readonly problem: Problem;

  constructor(key: SettingKey | undefined, detail: string, value?: unknown, file?: string) {
    const problem: Problem = { message: detail, ...(key ? { setting: key } : {}), ...(value !== undefined ? { value: shown(value) } : {}), ...(file ? { file } : {}), input: true };
    super(describeProblem(problem, 'cli'));
    this.problem = problem;
  }

  get key(): SettingKey | undefined {
    return settingKeyOf(this.problem);
  }

  /** The same problem, said to be in `file`. */
  inFile(file: string): SettingError {
    return new SettingError(this.key, this.problem.message, this.problem.value, file);
  }
}

/**
 * Any error as a Problem: a SettingError (or an error carrying one's problem, such as a DataError) keeps its key and
 * value, an InputError says it is the person's to fix.
 */
export function problemOf(e: unknown): Problem {
  if (e instanceof SettingError) return e.problem;
  const carried = (e as { problem?: Problem } | null)?.problem;
  if (carried && typeof carried === 'object' && typeof carried.message === 'string') return carried;
  return { message: e instanceof Error ? e.message : String(e), ...(e instanceof InputError ? { input: true } : {}) };
}

/** The error again from a Problem (after a thread or process boundary): a SettingError, an InputError or an Error. */
export function errorOf(p: Problem): Error {
  if (p.setting || p.file) return new SettingError(settingKeyOf(p), p.message, p.value, p.file);
  return p.input ? new InputError(p.message) : new Error(p.message);
}
