// The project's sweeps (the Sweep screen): the list, the one shown, the search to start (method, trials, budget, stop
// rule — every trial's other settings are the current Design/Train ones — and its space: a row per sweepable setting
// of the settings table, turned on and edited as a range or choices, kept in step with the command line's form of
// the space, both ways, through the one parser and formatter, workers/sweep/space.ts),
// the shown sweep's trial table sorted by a column, its CSV, and promoting a trial to a normal run. A sweep's
// table is read again every second while it runs (studio().sweepInfo).

import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { parseDuration } from '../../../src-shared/duration';
import { describeProblem, SETTINGS, SettingError, type SettingKey } from '../../../src-shared/settings';
import type { StartSweepRequest, SweepInfo, SweepTrialRow } from '../../../src-shared/studio-api';
import { choicesOf, formatEntry, parseSpace, startingParam, SWEEPABLE, sweepKind, type SettingValue, type SpaceEntry, type SpaceParam } from '../../../workers/sweep/space';
import { studio } from '../host';
import { useAppStore } from './useAppStore';
import { useProjectStore } from './useProjectStore';
import { useRunsStore } from './useRunsStore';

const POLL_MS = 1000;

/** A column the trial table sorts by: a fixed one, or a parameter of the space (`param:hiddenSize`). */
export type SweepSortKey = 'trial' | 'status' | 'best' | 'last' | 'steps' | 'seconds' | `param:${string}`;

/**
 * The Sweep screen's row for one sweepable setting, as the person left it: searched or not, and its values as typed —
 * a number setting's range (from, to, log, an integer's step) or list of values, a choice setting's or flag's chosen
 * values (as text: `lstm`, `true`).
 */
export interface SpaceRow {
  key: SettingKey;
  on: boolean;
  /** A number setting: a range, or a list of values (`batch=16,32`). */
  as: 'range' | 'list';
  from: string;
  to: string;
  log: boolean;
  step: string;
  list: string;
  values: string[];
  /** Not edited since it was made: turning it on starts it again from the current value. */
  fresh: boolean;
}

/** The settings a sweep can vary (the settings table's, in its order): every row the screen can show. */
export const SWEEPABLE_KEYS: readonly SettingKey[] = [...SWEEPABLE.values()];

/** The search a new Sweep screen starts with: the cell, the width and the learning rate, around the current ones. */
const STARTING_KEYS: readonly SettingKey[] = ['cell', 'hiddenSize', 'learningRate'];

/** A row's entry in the command line's form (formatEntry, space.ts), as typed; null when it is not searched. */
export function rowEntry(r: SpaceRow): string | null {
  if (!r.on) return null;
  let e: SpaceEntry;
  if (sweepKind(r.key) === 'choice') {
    const all = choicesOf(r.key);
    e = { kind: 'choice', values: all.filter((v) => r.values.includes(String(v))) };
  } else if (r.as === 'list') {
    e = { kind: 'choice', values: r.list.split(',').map((v) => v.trim()) };
  } else e = { kind: 'range', low: r.from, high: r.to, log: r.log, ...((SETTINGS[r.key] as { integer?: boolean }).integer ? { step: r.step } : {}) };
  return formatEntry(r.key, e);
}

/** What is wrong with a searched row, in the studio's words (the parser's own check); null when it is valid. */
export function rowError(r: SpaceRow): string | null {
  if (!r.on) return null;
  if (sweepKind(r.key) === 'choice' && r.values.length === 0) return `${SETTINGS[r.key].label}: choose at least one value to search.`;
  try {
    parseSpace(rowEntry(r)!);
    return null;
  } catch (e) {
    return e instanceof SettingError ? describeProblem(e.problem, 'studio') : (e as Error).message;
  }
}

function rowOf(p: SpaceParam, on: boolean, fresh: boolean): SpaceRow {
  const base = { key: p.key, on, fresh, as: 'range' as const, from: '', to: '', log: false, step: '1', list: '', values: [] as string[] };
  if (p.kind !== 'choice') return { ...base, from: String(p.low), to: String(p.high), log: p.log, step: String(p.kind === 'int' ? p.step : 1) };
  if (sweepKind(p.key) === 'range') return { ...base, as: 'list', list: p.values.join(', '), ...rangeOf(startingParam(p.key, p.values[0])) };
  return { ...base, values: p.values.map(String) };
}

const rangeOf = (p: SpaceParam): Pick<SpaceRow, 'from' | 'to' | 'log' | 'step'> => (p.kind === 'choice' ? { from: '', to: '', log: false, step: '1' } : { from: String(p.low), to: String(p.high), log: p.log, step: String(p.kind === 'int' ? p.step : 1) });

export const useSweepsStore = defineStore('sweeps', () => {
  const sweeps = ref<SweepInfo[]>([]);
  const shownId = ref<string | null>(null);
  /** The space in the command line's form, as the text field shows it (typed there, or written from the rows). */
  const space = ref('');
  /** Why the text does not parse (the rows keep their last valid state meanwhile). */
  const spaceError = ref<string | null>(null);
  /** A row per sweepable setting, made from the current settings when the screen first shows them. */
  const spaceRows = ref<Partial<Record<SettingKey, SpaceRow>>>({});
  const method = ref<StartSweepRequest['method']>('tpe');
  const trials = ref(20);
  const budget = ref('10m');
  const stopRule = ref<StartSweepRequest['stop']>('asha');
  const sortKey = ref<SweepSortKey>('best');
  const sortAscending = ref<boolean | null>(null); // null: best first by the metric's direction
  const busy = ref(false);
  let poll: ReturnType<typeof setInterval> | null = null;

  const shown = computed(() => sweeps.value.find((s) => s.id === shownId.value) ?? null);
  const paramKeys = computed(() => [...new Set((shown.value?.rows ?? []).flatMap((r) => Object.keys(r.params)))]);

  /** The shown sweep's trials in the table's order. */
  const rows = computed<SweepTrialRow[]>(() => {
    const s = shown.value;
    if (!s) return [];
    const key = sortKey.value;
    const value = (r: SweepTrialRow): number | string | boolean | undefined => (key.startsWith('param:') ? r.params[key.slice(6)] : r[key as Exclude<SweepSortKey, `param:${string}`>]);
    // best first by default: the metric's direction
    const ascending = sortAscending.value ?? ((key === 'best' || key === 'last') ? !s.higherIsBetter : true);
    return [...s.rows].sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      if (va === undefined || vb === undefined) return va === vb ? a.trial - b.trial : va === undefined ? 1 : -1; // no figure: last
      const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
      return (ascending ? c : -c) || a.trial - b.trial;
    });
  });

  /** Trials ticked in the table, to send to Compare (the shown sweep's; cleared when another is shown). */
  const chosen = ref<number[]>([]);

  /** The trials with a figure, best first (what "Compare the top 3" sends). */
  const ranked = computed<SweepTrialRow[]>(() => {
    const s = shown.value;
    if (!s) return [];
    const finite = s.rows.filter((r) => r.best !== undefined && Number.isFinite(r.best));
    return finite.sort((a, b) => (s.higherIsBetter ? b.best! - a.best! : a.best! - b.best!) || a.trial - b.trial);
  });

  function choose(trial: number, on: boolean): void {
    chosen.value = on ? [...new Set([...chosen.value, trial])].sort((a, b) => a - b) : chosen.value.filter((t) => t !== trial);
  }

  /** Sends trials of the shown sweep to Compare (beside whatever it compares already) and shows it. */
  async function compare(trials: readonly number[]): Promise<void> {
    if (!shownId.value || trials.length === 0) return;
    await useRunsStore().compareTrials(shownId.value, trials);
    useAppStore().show('compare');
  }

  /** The trial with the best figure (what "promote" offers). */
  const bestRow = computed(() => {
    const s = shown.value;
    if (!s) return null;
    let best: SweepTrialRow | null = null;
    for (const r of s.rows) if (r.best !== undefined && Number.isFinite(r.best) && (!best || (s.higherIsBetter ? r.best > best.best! : r.best < best.best!))) best = r;
    return best;
  });

  function sortBy(key: SweepSortKey): void {
    if (sortKey.value === key) sortAscending.value = !(sortAscending.value ?? (key === 'best' || key === 'last' ? !shown.value?.higherIsBetter : true));
    else {
      sortKey.value = key;
      sortAscending.value = null;
    }
  }

  async function load(): Promise<void> {
    try {
      sweeps.value = await studio().listSweeps();
      if (!shownId.value && sweeps.value.length) shownId.value = sweeps.value[sweeps.value.length - 1].id;
      watchShown();
    } catch (cause) {
      useAppStore().report(cause, 'listing sweeps');
    }
  }

  function show(id: string): void {
    if (shownId.value !== id) chosen.value = [];
    shownId.value = id;
    watchShown();
  }

  async function refresh(): Promise<void> {
    const id = shownId.value;
    if (!id) return;
    const info = await studio().sweepInfo(id);
    put(info);
    if (info.status !== 'running') stopPolling();
  }

  function put(info: SweepInfo): void {
    const i = sweeps.value.findIndex((s) => s.id === info.id);
    if (i >= 0) sweeps.value[i] = info;
    else sweeps.value.push(info);
  }

  function watchShown(): void {
    if (shown.value?.status === 'running' && !poll) {
      poll = setInterval(() => {
        refresh().catch((cause) => {
          stopPolling();
          useAppStore().report(cause, 'reading the sweep');
        });
      }, POLL_MS);
    } else if (shown.value?.status !== 'running') stopPolling();
  }

  function stopPolling(): void {
    if (poll) clearInterval(poll);
    poll = null;
  }

  // The space: rows and text ------------------------------------------------------------------------------------------

  /** A setting's value in the current choices: the Design and Train screens', or the data's (as the importer resolved it). */
  function currentValue(key: SettingKey): SettingValue | undefined {
    const project = useProjectStore();
    for (const from of [project.model, project.settings, { ...(project.inspection?.chosen?.choice ?? {}), ...project.data }] as Record<string, unknown>[]) {
      const v = from[key];
      if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
    }
    return undefined;
  }

  /**
   * The rows the screen shows: every setting a sweep can vary that the current design, settings and data have (so not
   * attention or input feeding for a model without a decoder, nor a data setting this data lacks), and any searched.
   */
  const spaceKeys = computed(() => SWEEPABLE_KEYS.filter((k) => currentValue(k) !== undefined || spaceRows.value[k]?.on));

  /**
   * Makes the rows from the current settings (and, the first time, the starting search); a row the person has not
   * edited starts again from the current value (the Design and Train screens may have changed it meanwhile).
   */
  function ensureSpaceRows(): void {
    const rows = spaceRows.value;
    let moved = false;
    for (const k of SWEEPABLE_KEYS) {
      const row = rows[k];
      if (row && !row.fresh) continue;
      const next = rowOf(startingParam(k, currentValue(k)), row?.on ?? false, true);
      if (row?.on && rowEntry(row) !== rowEntry(next)) moved = true;
      rows[k] = next;
    }
    if (space.value === '' && !spaceError.value) {
      for (const k of STARTING_KEYS) rows[k] = rowOf(startingParam(k, currentValue(k)), true, true);
      moved = true;
    }
    if (moved && !spaceError.value) writeSpace(); // not over text the person is still fixing
  }

  /** The searched rows in the command line's form (the settings table's order). */
  function writeSpace(): void {
    space.value = SWEEPABLE_KEYS.map((k) => spaceRows.value[k])
      .map((r) => (r ? rowEntry(r) : null))
      .filter((e): e is string => e !== null)
      .join(' ');
    spaceError.value = null;
  }

  /** Changes a row (turning it on starts an untouched row from the current value) and writes the text again. */
  function editRow(key: SettingKey, change: Partial<Omit<SpaceRow, 'key'>>): void {
    ensureSpaceRows();
    let row = spaceRows.value[key]!;
    if (change.on && row.fresh) row = rowOf(startingParam(key, currentValue(key)), true, true);
    spaceRows.value[key] = { ...row, ...change, fresh: change.on !== undefined && Object.keys(change).length === 1 ? row.fresh : false };
    writeSpace();
  }

  /** The space typed as text: the rows follow it when it parses; otherwise it says why and the rows stay. */
  function setSpaceText(text: string): void {
    ensureSpaceRows();
    space.value = text;
    try {
      const params = parseSpace(text);
      const rows = spaceRows.value;
      for (const k of SWEEPABLE_KEYS) if (rows[k]!.on) rows[k] = { ...rows[k]!, on: false };
      for (const p of params) rows[p.key] = rowOf(p, true, false);
      spaceError.value = null;
    } catch (e) {
      spaceError.value = e instanceof SettingError ? describeProblem(e.problem, 'studio') : (e as Error).message;
    }
  }

  /** The first problem with the space: a searched row's, or the text's; null when it can start. */
  const spaceProblem = computed<{ key?: SettingKey; message: string } | null>(() => {
    if (spaceError.value) return { message: spaceError.value };
    for (const k of SWEEPABLE_KEYS) {
      const r = spaceRows.value[k];
      const e = r ? rowError(r) : null;
      if (e) return { key: k, message: e };
    }
    if (space.value.trim() === '') return { message: 'Turn on at least one setting to search.' };
    return null;
  });

  /** Starts a sweep over `space` from the current dataset, design and settings. */
  async function start(): Promise<void> {
    ensureSpaceRows();
    const problem = spaceProblem.value;
    if (problem) {
      useAppStore().report(new Error(problem.message), 'starting a sweep');
      return;
    }
    const base = useProjectStore().startRequest();
    if (!base) {
      useAppStore().report(new Error('choose a dataset and fix the design’s problems first'), 'starting a sweep');
      return;
    }
    const seconds = budget.value.trim() === '' ? 0 : parseDuration(budget.value);
    if (seconds === null) {
      useAppStore().report(new Error(`“${budget.value}” is not a duration such as 90s, 10m or 1h30m`), 'starting a sweep');
      return;
    }
    const { name: _name, ...run } = base; // its workers: the threads a trial may share at the sweep's tail
    busy.value = true;
    try {
      const info = await studio().startSweep({ ...run, space: space.value, method: method.value, trials: trials.value, budgetSeconds: seconds, stop: stopRule.value });
      put(info);
      show(info.id);
    } catch (cause) {
      useAppStore().report(cause, 'starting a sweep');
    } finally {
      busy.value = false;
    }
  }

  async function stop(): Promise<void> {
    if (!shownId.value) return;
    try {
      await studio().stopSweep(shownId.value);
      await refresh();
    } catch (cause) {
      useAppStore().report(cause, 'stopping the sweep');
    }
  }

  async function resume(): Promise<void> {
    if (!shownId.value) return;
    try {
      put(await studio().resumeSweep(shownId.value));
      watchShown();
    } catch (cause) {
      useAppStore().report(cause, 'resuming the sweep');
    }
  }

  /** Makes a trial a normal run of the project and shows it on the Train screen. */
  async function promote(trial: number): Promise<void> {
    if (!shownId.value) return;
    try {
      const run = await studio().promoteTrial(shownId.value, trial);
      const runs = useRunsStore();
      await runs.load();
      await runs.select(run.id);
      useAppStore().inform(`Trial ${trial} is now the run “${run.name}”: continue, fork, try or export it like any run.`, { label: 'Show it', run: () => useAppStore().show('train') });
    } catch (cause) {
      useAppStore().report(cause, `promoting trial ${trial}`);
    }
  }

  /** The shown sweep's table as CSV (every trial, in the table's order). */
  function csv(): string {
    const s = shown.value;
    if (!s) return '';
    const keys = paramKeys.value;
    const cell = (v: unknown): string => {
      const t = v === undefined ? '' : String(v);
      return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
    };
    const metric = s.metric ?? 'valLoss';
    const header = ['trial', 'status', ...keys, `best ${metric}`, 'best step', `last ${metric}`, 'steps', 'seconds', 'why'];
    const lines = rows.value.map((r) => [r.trial, r.status, ...keys.map((k) => r.params[k]), r.best, r.bestStep, r.last, r.steps, r.seconds, r.why].map(cell).join(','));
    return [header.map(cell).join(','), ...lines].join('\n') + '\n';
  }

  return { sweeps, shownId, shown, space, spaceError, spaceRows, spaceKeys, spaceProblem, currentValue, ensureSpaceRows, editRow, setSpaceText, method, trials, budget, stopRule, sortKey, sortAscending, busy, rows, paramKeys, bestRow, chosen, ranked, choose, compare, sortBy, load, show, refresh, start, stop, resume, promote, csv, stopPolling };
});
