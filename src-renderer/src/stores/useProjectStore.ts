// The open project and the person's current choices: which dataset, how to read it (data choices and the
// importer's inspection), the network design (undoable) and the training settings. The Data, Design and Train
// screens read and change these; the store re-inspects the dataset when data choices change (debounced, a worker
// does the reading), estimates the design's cost, and saves the choices to project.json so a reload reopens here.

import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import { DEFAULT_MODEL as MODEL_DEFAULTS, type DataModel, type Inspection, type ModelChoice, type Recipe } from '../../../src-shared/dataset';
import { estimate as estimateCost } from '../../../src-shared/estimate';
import type { ProblemShape, TrainSettings } from '../../../src-shared/model';
import { RUN_SETTINGS, SETTINGS } from '../../../src-shared/settings';
import type { DataChoices, DatasetInfo, ProjectInfo, SampleInfo, StartRunRequest } from '../../../src-shared/studio-api';
import { studio } from '../host';
import { useAppStore } from './useAppStore';

export const DEFAULT_DATA: DataChoices = { format: SETTINGS.format.default, valFraction: SETTINGS.valFraction.default };
export const DEFAULT_MODEL: ModelChoice = { ...MODEL_DEFAULTS };
/** Largest file accepted from a drop or the file picker (bytes travel through the renderer). */
export const MAX_DATASET_BYTES = 1024 ** 3;
const INSPECT_DEBOUNCE_MS = 300;
const SAVE_DEBOUNCE_MS = 500;
const HISTORY_LIMIT = 100;

/** One undoable design state: the network choice and the problem shape. */
interface DesignSnapshot {
  model: ModelChoice;
  shape: ProblemShape | undefined;
}

export const useProjectStore = defineStore('project', () => {
  const project = ref<ProjectInfo | null>(null);
  const samples = ref<SampleInfo[]>([]);
  const datasetId = ref<string | null>(null);
  /** Large (columns, previews): kept out of deep reactivity and replaced whole. */
  const inspection = shallowRef<Inspection | null>(null);
  const inspecting = ref(false);
  /** Why the last reading or choice failed (file, line and reason); cleared by the next success. */
  const error = ref<string | null>(null);
  const importProgress = ref<{ bytesRead: number; bytesTotal: number; rows: number } | null>(null);
  const data = ref<DataChoices>({ ...DEFAULT_DATA });
  const model = ref<ModelChoice>({ ...DEFAULT_MODEL });
  const settings = ref<TrainSettings>({ ...RUN_SETTINGS });
  /** Data-parallel worker threads for the next run (one run's batch split across threads; same curve as one). */
  const workers = ref(1);
  const undoStack = ref<DesignSnapshot[]>([]);
  const redoStack = ref<DesignSnapshot[]>([]);
  /**
   * The design and settings follow the data's default recipe (workers/data/recipe.ts) until the person changes one
   * of them: on a new dataset, and whenever a new reading of the data brings a new recipe.
   */
  const followRecipe = ref(true);
  const recipe = computed<Recipe | null>(() => inspection.value?.chosen?.recipe ?? null);

  const dataset = computed<DatasetInfo | null>(() => project.value?.datasets.find((d) => d.id === datasetId.value) ?? null);
  const dataModel = computed<DataModel | null>(() => inspection.value?.chosen?.model ?? null);
  /** Time steps of one training sequence: what the data fixes (window, longest sentence), else the settings'. */
  const sequenceLength = computed(() => inspection.value?.chosen?.sequenceLength ?? settings.value.sequenceLength);
  const estimate = computed(() =>
    dataModel.value
      ? estimateCost(dataModel.value, model.value, settings.value.batchSize, sequenceLength.value, { stateful: inspection.value?.chosen?.stateful })
      : null,
  );
  const problems = computed(() => estimate.value?.problems ?? []);
  const canUndo = computed(() => undoStack.value.length > 0);
  const canRedo = computed(() => redoStack.value.length > 0);

  // Import progress -------------------------------------------------------------------------------------------------

  let unsubscribe: (() => void) | null = null;
  function listenForProgress(): void {
    if (unsubscribe) return;
    unsubscribe = studio().onDidImportProgress((m) => {
      if (inspecting.value && m.datasetId === readingId) importProgress.value = { bytesRead: m.bytesRead, bytesTotal: m.bytesTotal, rows: m.rows };
    });
  }

  // Inspection ------------------------------------------------------------------------------------------------------

  let readingId: string | null = null;
  let generation = 0;

  /**
   * Reads `id` with `choices`; on success makes it the current dataset and inspection. On failure keeps what the
   * person had (dataset, inspection) and shows why. A newer inspection supersedes an older one still running.
   */
  async function inspect(id: string, choices: DataChoices): Promise<boolean> {
    listenForProgress();
    const mine = ++generation;
    readingId = id;
    inspecting.value = true;
    importProgress.value = null;
    try {
      const { format, ...choice } = choices;
      const result = await studio().inspectDataset(id, format, { ...choice, batchSize: settings.value.batchSize });
      if (mine !== generation) return false;
      datasetId.value = id;
      data.value = choices;
      inspection.value = result;
      error.value = null;
      if (followRecipe.value && result.chosen?.recipe) applyRecipe(result.chosen.recipe);
      return true;
    } catch (cause) {
      if (mine !== generation) return false;
      error.value = cause instanceof Error ? cause.message : String(cause);
      useAppStore().report(cause, `reading ${nameOf(id)}`);
      return false;
    } finally {
      if (mine === generation) {
        inspecting.value = false;
        importProgress.value = null;
        readingId = null;
      }
    }
  }

  /** The recipe's model, settings and worker threads become the current ones (not undoable: a new dataset's start). */
  function applyRecipe(r: Recipe): void {
    model.value = { ...r.model };
    settings.value = { ...settings.value, ...r.settings };
    workers.value = r.workers;
  }

  /** Back to the data's recipe after changes, following it again. */
  function useRecipe(): void {
    if (!recipe.value) return;
    pushHistory({ model: { ...model.value }, shape: pendingData.value.shape });
    applyRecipe(recipe.value);
    followRecipe.value = true;
  }

  const nameOf = (id: string): string => project.value?.datasets.find((d) => d.id === id)?.name ?? 'the dataset';

  function remember(info: DatasetInfo): void {
    if (!project.value) return;
    if (!project.value.datasets.some((d) => d.id === info.id)) project.value = { ...project.value, datasets: [...project.value.datasets, info] };
  }

  // Actions ---------------------------------------------------------------------------------------------------------

  let loading: Promise<void> | null = null;
  /** load() once, however many screens ask. */
  function ensureLoaded(): Promise<void> {
    loading ??= load();
    return loading;
  }

  /** Opens the project: its datasets, the samples, and the dataset and choices the person last worked on. */
  async function load(): Promise<void> {
    listenForProgress();
    try {
      const [info, list] = await Promise.all([studio().project(), studio().samples()]);
      project.value = info;
      samples.value = list;
    } catch (cause) {
      useAppStore().report(cause, 'opening the project');
      return;
    }
    const current = project.value.current;
    if (!current) return;
    followRecipe.value = false; // the project's saved design and settings stand
    model.value = { ...DEFAULT_MODEL, ...current.model };
    settings.value = { ...RUN_SETTINGS, ...current.settings };
    undoStack.value = [];
    redoStack.value = [];
    await inspect(current.datasetId, { ...DEFAULT_DATA, ...current.data });
  }

  /** Makes another dataset current, with the importer's proposal (its own choices start fresh). */
  async function select(id: string): Promise<boolean> {
    cancelPendingData();
    followRecipe.value = true;
    return inspect(id, { ...DEFAULT_DATA });
  }

  async function addSample(file: string): Promise<boolean> {
    try {
      const info = await studio().addSample(file);
      remember(info);
      return await select(info.id);
    } catch (cause) {
      useAppStore().report(cause, `adding the sample ${file}`);
      return false;
    }
  }

  /** A dropped or picked file: its bytes are copied into the project, then read. One file at a time. */
  async function addFiles(files: File[]): Promise<boolean> {
    const app = useAppStore();
    const fail = (text: string): false => {
      error.value = text;
      app.report(text, 'importing a dataset');
      return false;
    };
    if (files.length === 0) return false;
    if (files.length > 1) return fail(`drop one file at a time (got ${files.length}: ${files.map((f) => f.name).join(', ')})`);
    const file = files[0];
    if (file.size === 0) return fail(`${file.name} is empty`);
    if (file.size > MAX_DATASET_BYTES) return fail(`${file.name} is ${(file.size / 1024 ** 3).toFixed(1)} GiB; the studio reads files up to 1 GiB`);
    let info: DatasetInfo;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      info = await studio().addDatasetBytes(file.name, bytes);
    } catch (cause) {
      error.value = cause instanceof Error ? cause.message : String(cause);
      app.report(cause, `importing ${file.name}`);
      return false;
    }
    remember(info);
    return select(info.id);
  }

  /** Desktop: the system file dialog; false when cancelled. */
  async function chooseFile(): Promise<boolean> {
    try {
      const info = await studio().chooseDatasetFile();
      if (!info) return false;
      remember(info);
      return await select(info.id);
    } catch (cause) {
      useAppStore().report(cause, 'choosing a dataset file');
      return false;
    }
  }

  // Data choices: merged at once (the controls show them), inspected after a pause in typing.
  let dataTimer: ReturnType<typeof setTimeout> | null = null;
  let dataWaiters: ((ok: boolean) => void)[] = [];
  const wanted = ref<DataChoices | null>(null);

  function cancelPendingData(): void {
    if (dataTimer) clearTimeout(dataTimer);
    dataTimer = null;
    wanted.value = null;
    for (const w of dataWaiters.splice(0)) w(false);
  }

  /**
   * Overrides data choices (undefined removes an override, back to the proposal) and re-inspects after ~300 ms.
   * The previous inspection stays visible meanwhile, and stays if the choice is rejected. Resolves with success.
   */
  function setData(patch: Partial<DataChoices>, record = true): Promise<boolean> {
    const id = datasetId.value;
    if (!id) return Promise.resolve(false);
    const base = wanted.value ?? data.value;
    if (record && 'shape' in patch && patch.shape !== base.shape) pushHistory({ model: { ...model.value }, shape: base.shape });
    const next: DataChoices = { ...base, ...patch };
    const loose = next as unknown as Record<string, unknown>;
    for (const k of Object.keys(loose)) if (loose[k] === undefined) delete loose[k];
    wanted.value = next;
    if (dataTimer) clearTimeout(dataTimer);
    return new Promise((resolve) => {
      dataWaiters.push(resolve);
      dataTimer = setTimeout(async () => {
        dataTimer = null;
        const waiters = dataWaiters.splice(0);
        const ok = await inspect(id, next);
        if (wanted.value === next) wanted.value = null;
        for (const w of waiters) w(ok);
      }, INSPECT_DEBOUNCE_MS);
    });
  }

  /** The data choices as the controls should show them: what the person just asked for, while it is read. */
  const pendingData = computed(() => wanted.value ?? data.value);

  /** Typing 2, 25, 256 into one field within a second is one change to undo, not three. */
  let lastEdit = { keys: '', at: 0 };
  const COALESCE_MS = 1000;

  function setModel(patch: Partial<ModelChoice>): void {
    const next = { ...model.value, ...patch };
    const keys = (Object.keys(patch) as (keyof ModelChoice)[]).filter((k) => model.value[k] !== next[k]);
    if (keys.length === 0) return;
    const now = Date.now();
    const same = keys.join() === lastEdit.keys && now - lastEdit.at < COALESCE_MS && undoStack.value.length > 0 && redoStack.value.length === 0;
    if (!same) pushHistory({ model: { ...model.value }, shape: pendingData.value.shape });
    lastEdit = { keys: keys.join(), at: now };
    model.value = next;
    followRecipe.value = false;
  }

  function setSettings(patch: Partial<TrainSettings>): void {
    settings.value = { ...settings.value, ...patch };
    followRecipe.value = false;
  }

  // Undo / redo of design changes -----------------------------------------------------------------------------------

  function pushHistory(s: DesignSnapshot): void {
    lastEdit = { keys: '', at: 0 };
    undoStack.value.push(s);
    if (undoStack.value.length > HISTORY_LIMIT) undoStack.value.shift();
    redoStack.value = [];
  }

  function apply(s: DesignSnapshot): void {
    model.value = { ...s.model };
    if (s.shape !== pendingData.value.shape) void setData({ shape: s.shape }, false);
  }

  function undo(): void {
    const s = undoStack.value.pop();
    if (!s) return;
    redoStack.value.push({ model: { ...model.value }, shape: pendingData.value.shape });
    lastEdit = { keys: '', at: 0 };
    apply(s);
  }

  function redo(): void {
    const s = redoStack.value.pop();
    if (!s) return;
    undoStack.value.push({ model: { ...model.value }, shape: pendingData.value.shape });
    apply(s);
  }

  /** What the Train screen starts; null without a dataset or while the design has problems. */
  function startRequest(): StartRunRequest | null {
    if (!datasetId.value || problems.value.length > 0) return null;
    // The data as the proposal resolved it, in full, with the person's choices over it: the run records what it
    // read, so a later version's proposals cannot change it.
    const resolved = (inspection.value?.chosen?.choice ?? {}) as Partial<DataChoices>;
    return { datasetId: datasetId.value, data: { ...resolved, ...data.value }, model: { ...model.value }, settings: { ...settings.value }, ...(workers.value > 1 ? { workers: workers.value } : {}) };
  }

  // Saving the current choices (debounced) --------------------------------------------------------------------------

  let saveTimer: ReturnType<typeof setTimeout> | null = null;
  watch(
    [datasetId, data, model, settings],
    () => {
      if (!datasetId.value) return;
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(() => {
        saveTimer = null;
        void save();
      }, SAVE_DEBOUNCE_MS);
    },
    { deep: true },
  );

  /** Writes a save still waiting out its debounce now: the page is being hidden or closed (the choices are kept). */
  function flush(): Promise<void> {
    if (!saveTimer) return Promise.resolve();
    clearTimeout(saveTimer);
    saveTimer = null;
    return save();
  }

  /** flush(), and a pending re-inspection dropped: for tests, whose store must fire no timer into the next test. */
  function dispose(): Promise<void> {
    cancelPendingData();
    return flush();
  }

  async function save(): Promise<void> {
    if (!datasetId.value) return;
    const current = { datasetId: datasetId.value, data: { ...data.value }, model: { ...model.value }, settings: { ...settings.value } };
    try {
      await studio().saveCurrent(current);
      if (project.value) project.value = { ...project.value, current };
    } catch (cause) {
      useAppStore().report(cause, 'saving the project');
    }
  }

  return {
    project,
    samples,
    datasetId,
    inspection,
    inspecting,
    error,
    importProgress,
    data,
    pendingData,
    model,
    settings,
    workers,
    followRecipe,
    recipe,
    useRecipe,
    dataset,
    dataModel,
    sequenceLength,
    estimate,
    problems,
    canUndo,
    canRedo,
    load,
    ensureLoaded,
    select,
    addSample,
    addFiles,
    chooseFile,
    setData,
    setModel,
    setSettings,
    undo,
    redo,
    startRequest,
    save,
    flush,
    dispose,
  };
});
