// The project's sweeps (the Sweep screen): the list, the one shown, the search to start (its space in the command
// line's form, method, trials, budget, stop rule — every trial's other settings are the current Design/Train ones),
// the shown sweep's trial table sorted by a column, its CSV, and promoting a trial to a normal run. A sweep's
// table is read again every second while it runs (studio().sweepInfo).

import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { parseDuration } from '../../../src-shared/duration';
import type { StartSweepRequest, SweepInfo, SweepTrialRow } from '../../../src-shared/studio-api';
import { studio } from '../host';
import { useAppStore } from './useAppStore';
import { useProjectStore } from './useProjectStore';
import { useRunsStore } from './useRunsStore';

const POLL_MS = 1000;

/** A column the trial table sorts by: a fixed one, or a parameter of the space (`param:hiddenSize`). */
export type SweepSortKey = 'trial' | 'status' | 'best' | 'last' | 'steps' | 'seconds' | `param:${string}`;

export const useSweepsStore = defineStore('sweeps', () => {
  const sweeps = ref<SweepInfo[]>([]);
  const shownId = ref<string | null>(null);
  const space = ref('cell=lstm,gru hidden=16..128:log lr=1e-3..1e-2:log');
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

  /** Starts a sweep over `space` from the current dataset, design and settings. */
  async function start(): Promise<void> {
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

  return { sweeps, shownId, shown, space, method, trials, budget, stopRule, sortKey, sortAscending, busy, rows, paramKeys, bestRow, sortBy, load, show, refresh, start, stop, resume, promote, csv, stopPolling };
});
