// The project's training runs: the list (RunInfo, reactive), which one is shown on the Train screen, which ones
// are compared — sweeps' trials among them, promoted or not (trialRuns: each a RunInfo with `trialOf`, its history
// from studio().trialHistory) —, and each run's metric series (lib/runSeries.ts), kept out of deep reactivity in a
// plain Map.
// Live events (studio().onDidRunEvent) and a run's history (after a reload, or for Compare) go through the same
// `applyEvent`; `version` is bumped at most 4 times a second so charts redraw without blocking a fast run.

import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { RunEvent, RunEventMessage, RunInfo } from '../../../src-shared/studio-api';
import { studio } from '../host';
import { applyEvent, createSeries, etaSeconds, type RunSeries, type RunStats, runStats } from '../lib/runSeries';
import { useAppStore } from './useAppStore';
import { useProjectStore } from './useProjectStore';

/** Redraws per second at most (series changes are batched between them). */
const FLUSH_MS = 250;
/** How often a running trial in the comparison is read again (its events are not sent live). */
const TRIAL_POLL_MS = 3000;
/** A run is active (its trainer is alive) in these states. */
export const ACTIVE_STATUSES: readonly RunInfo['status'][] = ['starting', 'running', 'paused'];

export const useRunsStore = defineStore('runs', () => {
  const runs = ref<RunInfo[]>([]);
  const selectedId = ref<string | null>(null);
  const compareIds = ref<string[]>([]);
  /** Sweeps' trials sent to Compare (not runs of the project): their ids are `<sweep>#<trial>`. */
  const trialRuns = ref<RunInfo[]>([]);
  const loaded = ref(false);
  const starting = ref(false);
  /** Bumped when any series changed: charts watch it. */
  const version = shallowRef(0);
  /** Data import progress of runs still reading their dataset. */
  const importing = ref<Record<string, { bytesRead: number; bytesTotal: number; rows: number }>>({});

  const series = new Map<string, RunSeries>();
  const loading = new Map<string, Promise<void>>();
  /** Live events that arrive while a run's history is being fetched: applied after it. */
  const buffered = new Map<string, RunEvent[]>();
  /** Latest step per run seen since the last flush (also for runs whose series are not loaded). */
  const latestStep = new Map<string, number>();
  let unsubscribe: (() => void) | null = null;
  let flushTimer: ReturnType<typeof setTimeout> | null = null;

  const selected = computed(() => runs.value.find((r) => r.id === selectedId.value) ?? null);
  const compared = computed(() => compareIds.value.map((id) => runs.value.find((r) => r.id === id) ?? trialRuns.value.find((r) => r.id === id)).filter((r): r is RunInfo => r !== undefined));

  // Series and derived figures (reading `version` makes callers redraw when series change) ----------------------

  function seriesOf(id: string): RunSeries | undefined {
    void version.value;
    return series.get(id);
  }

  function statsOf(id: string): RunStats | null {
    const s = seriesOf(id);
    return s ? runStats(s) : null;
  }

  /** Seconds left at the recent speed, or of the run's time budget when that ends it sooner; null when unknown or not running. */
  function etaOf(id: string): number | null {
    const run = runs.value.find((r) => r.id === id);
    const stats = statsOf(id);
    if (!run || !stats || !ACTIVE_STATUSES.includes(run.status)) return null;
    const eta = etaSeconds(stats, run.totalSteps);
    const budget = run.settings.timeBudgetSeconds;
    if (!(budget > 0) || stats.seconds === null) return eta;
    const left = Math.max(0, budget - stats.seconds);
    return eta === null ? left : Math.min(eta, left);
  }

  const selectedSeries = computed(() => (selectedId.value ? seriesOf(selectedId.value) : undefined));
  const selectedStats = computed(() => (selectedId.value ? statsOf(selectedId.value) : null));
  const selectedEta = computed(() => (selectedId.value ? etaOf(selectedId.value) : null));

  // Events -----------------------------------------------------------------------------------------------------------

  function upsert(run: RunInfo): void {
    const i = runs.value.findIndex((r) => r.id === run.id);
    if (i < 0) runs.value.push(run);
    else runs.value[i] = run;
  }

  function onEvent({ runId, event }: RunEventMessage): void {
    switch (event.type) {
      case 'status':
        upsert(event.run);
        if (event.run.status !== 'starting') delete importing.value[runId];
        return;
      case 'import-progress':
        importing.value[runId] = { bytesRead: event.bytesRead, bytesTotal: event.bytesTotal, rows: event.rows };
        return;
      case 'done': {
        const run = runs.value.find((r) => r.id === runId);
        if (run) Object.assign(run, { status: event.reason, step: event.step, message: event.message, nonFinite: event.nonFinite });
        break;
      }
      case 'step':
        latestStep.set(runId, event.step);
        break;
    }
    const waiting = buffered.get(runId);
    if (waiting) waiting.push(event);
    else {
      const s = series.get(runId);
      if (s) applyEvent(s, event);
    }
    scheduleFlush();
  }

  function scheduleFlush(): void {
    if (flushTimer === null) flushTimer = setTimeout(flush, FLUSH_MS);
  }

  /** Publishes batched changes now: the steps in the run list, and a redraw of the charts. */
  function flush(): void {
    if (flushTimer !== null) clearTimeout(flushTimer);
    flushTimer = null;
    for (const [id, step] of latestStep) {
      const run = runs.value.find((r) => r.id === id);
      if (run && run.step !== step) run.step = step;
    }
    latestStep.clear();
    version.value++;
  }

  /** Loads a run's history once (replaying it through applyEvent), then the live events that came meanwhile. */
  function ensureSeries(id: string): Promise<void> {
    if (series.has(id)) return Promise.resolve();
    const pending = loading.get(id);
    if (pending) return pending;
    buffered.set(id, []);
    const promise = (async () => {
      try {
        const trial = trialRuns.value.find((r) => r.id === id)?.trialOf;
        const history = trial ? await studio().trialHistory(trial.sweepId, trial.trial) : await studio().runHistory(id);
        const s = createSeries();
        for (const e of history.events) applyEvent(s, e);
        for (const e of buffered.get(id) ?? []) if (e.type !== 'status' && e.type !== 'import-progress') applyEvent(s, e);
        series.set(id, s);
        if (!trial && !runs.value.some((r) => r.id === id)) upsert(history.run);
      } catch (cause) {
        useAppStore().report(cause, 'reading the run’s history');
      } finally {
        buffered.delete(id);
        loading.delete(id);
        flush();
      }
    })();
    loading.set(id, promise);
    return promise;
  }

  // Actions ----------------------------------------------------------------------------------------------------------

  /** Lists the project's runs and listens to live events (once); selects the newest run if none is selected. */
  async function load(): Promise<void> {
    unsubscribe ??= studio().onDidRunEvent(onEvent);
    try {
      const list = await studio().listRuns();
      runs.value = [...list];
      loaded.value = true;
    } catch (cause) {
      useAppStore().report(cause, 'listing the runs');
      return;
    }
    compareIds.value = compareIds.value.filter((id) => runs.value.some((r) => r.id === id) || trialRuns.value.some((r) => r.id === id));
    if (selectedId.value && !runs.value.some((r) => r.id === selectedId.value)) selectedId.value = null;
    if (selectedId.value === null && runs.value.length > 0) await select(newest()!.id);
    offerToContinue();
    if (cores.value === null) void loadMachine();
  }

  // How the machine's cores are shared: every worker thread of every live run wants one core while it trains.
  const cores = ref<number | null>(null);
  async function loadMachine(): Promise<void> {
    try {
      cores.value = (await studio().machine()).cores;
    } catch {
      cores.value = null; // only a hint; the rest works without it
    }
  }
  const sharing = computed(() => {
    const live = runs.value.filter((r) => r.status === 'running' || r.status === 'starting');
    const threads = live.reduce((n, r) => n + (r.workers ?? 1), 0);
    return { runs: live.length, threads, cores: cores.value, perThread: cores.value && threads > 0 ? Math.min(1, cores.value / threads) : null };
  });

  /** Runs the studio was training when it stopped (a crash, a kill, a power cut): offer to continue them. */
  let offered = false;
  function offerToContinue(): void {
    const interrupted = runs.value.filter((r) => r.status === 'interrupted' && r.resumable);
    if (offered || interrupted.length === 0) return;
    offered = true;
    const names = interrupted.map((r) => `“${r.name}” (step ${r.step.toLocaleString('en-US')})`).join(', ');
    useAppStore().inform(
      `${interrupted.length === 1 ? 'A run was' : `${interrupted.length} runs were`} training when the studio stopped: ${names}. ${interrupted.length === 1 ? 'It' : 'Each'} can continue from its last checkpoint, to the same result as if it had never stopped.`,
      { label: interrupted.length === 1 ? 'Continue it' : 'Continue them', run: () => Promise.all(interrupted.map((r) => continueRun(r.id))).then(() => undefined) },
    );
  }

  function newest(): RunInfo | undefined {
    return runs.value.reduce<RunInfo | undefined>((a, r) => (a === undefined || r.createdAt >= a.createdAt ? r : a), undefined);
  }

  /** Starts a run with the project's current dataset, design and settings; selects it. */
  async function start(): Promise<RunInfo | null> {
    const app = useAppStore();
    const request = useProjectStore().startRequest();
    if (!request) {
      app.report('pick a dataset on the Data screen and fix the design’s problems first', 'starting the run');
      return null;
    }
    unsubscribe ??= studio().onDidRunEvent(onEvent);
    starting.value = true;
    try {
      const run = await studio().startRun(request);
      // a status event may have brought a newer state of it already
      if (!runs.value.some((r) => r.id === run.id)) upsert(run);
      await select(run.id);
      return run;
    } catch (cause) {
      app.report(cause, 'starting the run');
      return null;
    } finally {
      starting.value = false;
    }
  }

  async function control(id: string, doing: string, call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (cause) {
      useAppStore().report(cause, `${doing} ${runs.value.find((r) => r.id === id)?.name ?? 'the run'}`);
      return false;
    }
  }

  const pause = (id: string) => control(id, 'pausing', () => studio().pauseRun(id));
  const resume = (id: string) => control(id, 'resuming', () => studio().resumeRun(id));
  const stop = (id: string) => control(id, 'stopping', () => studio().stopRun(id));

  /** Continues an interrupted or stopped run from its last checkpoint (its charts rewind to that step). */
  async function continueRun(id: string): Promise<boolean> {
    return control(id, 'continuing', async () => {
      upsert(await studio().continueRun(id));
      await select(id);
    });
  }

  /**
   * A new run from this run's last checkpoint with the settings on the Train screen (e.g. a lower learning rate
   * after a divergence); batch size and sequence length stay the source's, which the checkpoint depends on.
   */
  async function fork(id: string, fromStep?: number): Promise<boolean> {
    const source = runs.value.find((r) => r.id === id);
    if (!source) return false;
    const settings = { ...useProjectStore().settings, batchSize: source.settings.batchSize, sequenceLength: source.settings.sequenceLength };
    return control(id, 'forking', async () => {
      const run = await studio().forkRun(id, settings, fromStep);
      upsert(run);
      await select(run.id);
    });
  }

  /**
   * A training bundle's output folder (inside the project) becomes a run of the project; it is selected, so its
   * curves show on the Train screen, and it can be compared with the runs trained here.
   */
  async function importRun(dir: string): Promise<RunInfo | null> {
    try {
      const run = await studio().importRun(dir);
      upsert(run);
      await select(run.id);
      return run;
    } catch (cause) {
      useAppStore().report(cause, `importing ${dir}`);
      return null;
    }
  }

  /** Deletes a run and its files. Asks nothing: the view confirms first. */
  async function remove(id: string): Promise<boolean> {
    const ok = await control(id, 'deleting', () => studio().deleteRun(id));
    if (!ok) return false;
    runs.value = runs.value.filter((r) => r.id !== id);
    series.delete(id);
    compareIds.value = compareIds.value.filter((c) => c !== id);
    if (selectedId.value === id) {
      selectedId.value = null;
      const next = newest();
      if (next) await select(next.id);
    }
    flush();
    return true;
  }

  /** Shows a run on the Train screen, loading its history if its charts are not drawn yet. */
  async function select(id: string | null): Promise<void> {
    selectedId.value = id;
    if (id) await ensureSeries(id);
  }

  /** Adds a run to the comparison (loading its history) or removes it. */
  async function toggleCompare(id: string): Promise<void> {
    if (compareIds.value.includes(id)) {
      compareIds.value = compareIds.value.filter((c) => c !== id);
      return;
    }
    compareIds.value = [...compareIds.value, id];
    await ensureSeries(id);
  }

  /**
   * Puts a sweep's trials in the comparison (with the runs already there), each read again now: a trial is a run
   * folder under its sweep, promoted or not, and a running one shows what it has reported so far.
   */
  async function compareTrials(sweepId: string, trials: readonly number[]): Promise<void> {
    await readTrials(sweepId, trials, true);
    watchRunningTrials();
  }

  /** Trials' histories read again (and, with `add`, put in the comparison). */
  async function readTrials(sweepId: string, trials: readonly number[], add: boolean): Promise<void> {
    const histories = await Promise.all(
      trials.map((t) =>
        studio()
          .trialHistory(sweepId, t)
          .catch((cause) => {
            useAppStore().report(cause, `reading trial ${t}`);
            return null;
          }),
      ),
    );
    for (const h of histories) {
      if (!h) continue;
      const s = createSeries();
      for (const e of h.events) applyEvent(s, e);
      series.set(h.run.id, s);
      const i = trialRuns.value.findIndex((r) => r.id === h.run.id);
      if (i < 0) trialRuns.value.push(h.run);
      else trialRuns.value[i] = h.run;
      if (add && !compareIds.value.includes(h.run.id)) compareIds.value = [...compareIds.value, h.run.id];
    }
    flush();
  }

  /**
   * A trial's events do not come live (its sweep trains it, not this window's runs), so while a compared trial is
   * running its history is read again every TRIAL_POLL_MS, until it ends or leaves the comparison.
   */
  let trialPoll: ReturnType<typeof setInterval> | null = null;
  function runningTrials(): RunInfo[] {
    return trialRuns.value.filter((r) => r.status === 'running' && r.trialOf && compareIds.value.includes(r.id));
  }
  function watchRunningTrials(): void {
    if (trialPoll !== null || runningTrials().length === 0) return;
    trialPoll = setInterval(() => void refreshRunningTrials(), TRIAL_POLL_MS);
  }
  /** Reads the running compared trials again (the poll's tick); stops polling when none is left. */
  async function refreshRunningTrials(): Promise<void> {
    const running = runningTrials();
    if (running.length === 0) {
      if (trialPoll !== null) clearInterval(trialPoll);
      trialPoll = null;
      return;
    }
    const bySweep = new Map<string, number[]>();
    for (const r of running) bySweep.set(r.trialOf!.sweepId, [...(bySweep.get(r.trialOf!.sweepId) ?? []), r.trialOf!.trial]);
    for (const [sweepId, trials] of bySweep) await readTrials(sweepId, trials, false);
  }

  /** Stops listening (tests, teardown). */
  function dispose(): void {
    unsubscribe?.();
    unsubscribe = null;
    if (trialPoll !== null) clearInterval(trialPoll);
    trialPoll = null;
    if (flushTimer !== null) clearTimeout(flushTimer);
    flushTimer = null;
  }

  return {
    runs,
    selectedId,
    compareIds,
    trialRuns,
    compareTrials,
    refreshRunningTrials,
    loaded,
    starting,
    version,
    importing,
    selected,
    compared,
    selectedSeries,
    selectedStats,
    selectedEta,
    seriesOf,
    statsOf,
    etaOf,
    load,
    start,
    pause,
    resume,
    stop,
    continue: continueRun,
    fork,
    importRun,
    cores,
    sharing,
    remove,
    select,
    toggleCompare,
    ensureSeries,
    flush,
    dispose,
  };
});
