// A fake StudioApi for store and component tests under happy-dom: in memory, no services, no workers. Tests script
// it (`fake.inspection = …`, `fake.emit(runId, event)`) and read what was asked (`fake.calls`). Named a fake on
// purpose: the real services are exercised by the services' own tests and by the Playwright story against the web host.

import type { Inspection, Prediction } from '../../../src-shared/dataset';
import { DEFAULT_TRAIN_SETTINGS } from '../../../src-shared/model';
import type { BundleResult, DatasetInfo, ExportResult, ImportProgressMessage, ProjectInfo, RunEvent, RunEventMessage, RunHistory, RunInfo, SampleInfo, StartRunRequest, StudioApi, SweepInfo } from '../../../src-shared/studio-api';

export interface FakeStudio extends StudioApi {
  calls: { method: string; args: unknown[] }[];
  samplesList: SampleInfo[];
  projectInfo: ProjectInfo;
  inspection: Inspection;
  runs: RunInfo[];
  histories: Map<string, RunHistory>;
  prediction: Prediction;
  sweeps: SweepInfo[];
  /** Makes the next call of this method fail with this message. */
  failNext: Map<string, string>;
  /** Delivers one live event to every subscriber. */
  emit(runId: string, event: RunEvent): void;
  emitImport(message: ImportProgressMessage): void;
}

export const SAMPLE_INSPECTION: Inspection = {
  format: 'text',
  formatReason: 'extension .txt',
  notes: [],
  bytes: 1000,
  proposal: {
    file: 'tiny.txt',
    kind: 'text',
    shape: 'many-to-many',
    task: 'predict the next character of the text',
    choice: { tokens: 'char' },
    reason: 'plain text with no labels or pairs: a model of its characters',
    candidates: [{ shape: 'many-to-many', task: 'predict the next character of the text', choice: { tokens: 'char' }, score: 0.9, reason: 'plain text with no labels or pairs: a model of its characters' }],
    columns: [],
    warnings: [],
    preview: [{ input: 'To be or', output: 'o be or ' }],
    rows: 10,
  },
  chosen: {
    summary: 'text: 1000 characters, vocabulary 40',
    warnings: [],
    shape: 'many-to-many',
    model: { shape: 'many-to-many', input: { vocabSize: 40, embedSize: 40, featureSize: 0 }, output: { kind: 'classes', size: 40 } },
    stateful: true,
    sequenceLength: 64,
    batchesPerEpoch: 10,
    pairs: [{ input: '"To be or not to"', output: 'next characters "o be or not to "' }],
  },
};

export function fakeRun(id: string, over: Partial<RunInfo> = {}): RunInfo {
  return {
    id,
    name: `LSTM 1×32 on tiny.txt`,
    datasetId: 'd1',
    datasetName: 'tiny.txt',
    status: 'running',
    data: { format: 'auto', valFraction: 0.1 },
    model: { cell: 'lstm', layers: 1, hiddenSize: 32, embedSize: 0, bidirectional: false, dropout: 0, forgetBias: 1 },
    settings: { ...DEFAULT_TRAIN_SETTINGS },
    step: 0,
    totalSteps: DEFAULT_TRAIN_SETTINGS.steps,
    createdAt: '2026-11-27T00:00:00.000Z',
    workers: 1,
    resumable: false,
    ...over,
  };
}

export function createFakeStudio(): FakeStudio {
  const listeners = new Set<(m: RunEventMessage) => void>();
  const importListeners = new Set<(m: ImportProgressMessage) => void>();
  const dataset: DatasetInfo = { id: 'd1', name: 'tiny.txt', origin: 'sample', bytes: 1000 };
  let nextRun = 1;
  const fake: FakeStudio = {
    calls: [],
    samplesList: [{ file: 'tiny.txt', title: 'Tiny text', shape: 'many-to-many', description: 'a tiny text' }],
    projectInfo: { name: 'Sample project', path: '/tmp/project', datasets: [dataset] },
    inspection: SAMPLE_INSPECTION,
    runs: [],
    histories: new Map(),
    prediction: { type: 'prediction', kind: 'text', prime: 'To', text: 'To be', temperature: 0.8 },
    sweeps: [],
    failNext: new Map(),
    emit(runId, event) {
      for (const l of listeners) l({ runId, event });
    },
    emitImport(message) {
      for (const l of importListeners) l(message);
    },
    onDidImportProgress(listener) {
      importListeners.add(listener);
      return () => importListeners.delete(listener);
    },
    version: () => answer('version', [], '0.0.0-fake'),
    machine: () => answer('machine', [], { cores: 2, memoryBytes: 8 * 2 ** 30 }),
    samples: () => answer('samples', [], fake.samplesList),
    project: () => answer('project', [], fake.projectInfo),
    saveCurrent: (current) => answer('saveCurrent', [current], undefined),
    addSample: (file) => answer('addSample', [file], { ...dataset, name: file }),
    addDatasetBytes: (name, bytes) => answer('addDatasetBytes', [name, bytes], { id: `d-${name}`, name, origin: 'dropped', bytes: bytes.length } satisfies DatasetInfo),
    chooseDatasetFile: () => answer('chooseDatasetFile', [], null),
    inspectDataset: (id, format, choice) => answer('inspectDataset', [id, format, choice], fake.inspection),
    listRuns: () => answer('listRuns', [], fake.runs),
    startRun: (req: StartRunRequest) => {
      const run = fakeRun(`run-${nextRun++}`, { datasetId: req.datasetId, data: req.data, model: req.model, settings: req.settings, totalSteps: req.settings.steps, status: 'starting', workers: req.workers ?? 1 });
      fake.runs.push(run);
      return answer('startRun', [req], run);
    },
    pauseRun: (id) => answer('pauseRun', [id], undefined),
    resumeRun: (id) => answer('resumeRun', [id], undefined),
    stopRun: (id) => answer('stopRun', [id], undefined),
    continueRun: (id) => answer('continueRun', [id], fake.runs.find((r) => r.id === id) ?? fakeRun(id)),
    forkRun: (id, settings, fromStep) => {
      const run = fakeRun(`run-${nextRun++}`, { settings, totalSteps: settings.steps, status: 'starting', forkOf: { runId: id, step: fromStep ?? 100 } });
      fake.runs.push(run);
      return answer('forkRun', [id, settings, fromStep], run);
    },
    deleteRun: (id) => {
      fake.runs = fake.runs.filter((r) => r.id !== id);
      return answer('deleteRun', [id], undefined);
    },
    runHistory: (id) => answer('runHistory', [id], fake.histories.get(id) ?? { run: fake.runs.find((r) => r.id === id) ?? fakeRun(id), events: [] }),
    onDidRunEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    predict: (id, options) => answer('predict', [id, options], fake.prediction),
    bundleRun: (id) => answer('bundleRun', [id], { dir: `/project/bundles/${id}`, relativeDir: `bundles/${id}`, steps: 100, parameterCount: 1000, commands: { check: 'python3 train.py --check 50', train: 'torchrun --standalone --nproc_per_node 2 --redirects 2 --tee 2 train.py --out output' }, outputDir: `bundles/${id}/output`, warnings: [] } satisfies BundleResult),
    importRun: (dir) => {
      const run = fakeRun('imported', { name: 'imported from PyTorch' });
      fake.runs = [...fake.runs, run];
      return answer('importRun', [dir], run);
    },
    listSweeps: () => answer('listSweeps', [], fake.sweeps),
    startSweep: (req) => {
      const sweep: SweepInfo = { id: `sweep-${fake.sweeps.length + 1}`, space: req.space, method: req.method, stop: req.stop, trials: req.trials, parallel: req.parallel ?? 2, budgetSeconds: req.budgetSeconds, status: 'running', higherIsBetter: false, elapsed: 0, rows: [], importance: [] };
      fake.sweeps.push(sweep);
      return answer('startSweep', [req], sweep);
    },
    sweepInfo: (id) => answer('sweepInfo', [id], fake.sweeps.find((x) => x.id === id)!),
    stopSweep: (id) => answer('stopSweep', [id], undefined),
    resumeSweep: (id) => answer('resumeSweep', [id], fake.sweeps.find((x) => x.id === id)!),
    promoteTrial: (id, trial) => {
      const run = fakeRun(`${id}-trial-${trial}`, { status: 'finished' });
      fake.runs.push(run);
      return answer('promoteTrial', [id, trial], run);
    },
    trialHistory: (id, trial) => {
      const key = `${id}#${trial}`;
      return answer('trialHistory', [id, trial], fake.histories.get(key) ?? { run: fakeRun(key, { name: `Trial ${trial}`, status: 'finished', trialOf: { sweepId: id, trial } }), events: [] });
    },
    exportRun: (id, options) => answer('exportRun', [id, options], { ok: true, files: ['/tmp/model.onnx', '/tmp/model.json'], sidecar: '/tmp/model.json', streaming: false, checkedOn: 'validation', warnings: [], maxAbsDiff: 1e-6, checkedSamples: 10, opset: 17, graph: [] } satisfies ExportResult),
  };
  function answer<T>(method: string, args: unknown[], value: T): Promise<T> {
    fake.calls.push({ method, args });
    const failure = fake.failNext.get(method);
    if (failure !== undefined) {
      fake.failNext.delete(method);
      return Promise.reject(new Error(failure));
    }
    return Promise.resolve(value);
  }
  return fake;
}
