// The StudioApi, implemented once (src-shared/studio-api.ts): projects, datasets, runs, predictions and export.
// Plain Node. The desktop shell (src-main/index.ts) forwards IPC here, the web host (web-host.ts) forwards HTTP and
// WebSocket here, and tests call it directly. Heavy work (reading files, training, predicting) runs in worker
// threads started by runs.ts; this file only routes requests and keeps track of live runs.

import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { basename, join, relative } from 'node:path';
import { DEFAULT_MODEL, type DataRequest, type DatasetChoice, type Inspection, type Prediction } from '../../src-shared/dataset';
import { cellName } from '../../src-shared/cells';
import type { TrainSettings } from '../../src-shared/model';
import { RUN_SETTINGS } from '../../src-shared/settings';
import type {
  BundleResult,
  DatasetInfo,
  ExportResult,
  ImportProgressMessage,
  MachineInfo,
  PredictOptions,
  ProjectInfo,
  RunEventMessage,
  RunHistory,
  RunInfo,
  SampleInfo,
  StartRunRequest,
  StartSweepRequest,
  StudioApi,
  SweepInfo,
} from '../../src-shared/studio-api';
import { encodeCheckpoint, readCheckpoint, writeFileAtomic } from '../../workers/engine/checkpoint';
import { CHECKPOINT_FILE, keptCheckpoints, METRICS_FILE, readRecord, readRequest, REQUEST_FORMAT, REQUEST_VERSION, RUN_LOCK, runName, tryReadRecord, writeRecord, type RunRequestFile } from '../../workers/engine/run-folder';
import { openInside, readInside, resolveInside } from '../../workers/engine/safe-file';
import { importBundleOutput, type ImportReport } from '../../workers/bundle/import-run';
import type { BundleReport } from '../../workers/protocol';
import { acquireLock, lockHolder } from './lock';
import { Project } from './project';
import { readHistory, readRunInfo } from './run-store';
import { runInspect, runPredict, startRun, type RunHandle } from './runs';
import { SAMPLES } from './samples';
import { StudioSweeps } from './studio-sweeps';

export interface StudioServiceOptions {
  /** The project folder (created on the bundled sample when it has no project.json). */
  projectDir: string;
  version: string;
  /** The app's own folder (desktop: its user-data folder): remembers files chosen outside the project. */
  stateDir?: string;
  /** Desktop: the system's open-file dialog. Absent in the web host (the page uploads files instead). */
  chooseFile?: () => Promise<string | null>;
  /** Exports a run folder to ONNX with its proof (src-main/services/export.ts). */
  exportRun?: (runDir: string, opts: { streaming?: boolean; out?: string }) => Promise<ExportResult>;
  /** Desktop: the system's save dialog for the exported model (null when cancelled); absent: <run>/export/model.onnx. */
  chooseExportPath?: (suggested: string) => Promise<string | null>;
  /** Writes a run folder's PyTorch training bundle (src-main/services/bundle.ts). */
  bundleRun?: (runDir: string, out: string) => Promise<BundleReport>;
  /** Imports a bundle's output as a run folder, evaluated by the studio's trainer (absent: the files alone). */
  importRun?: (dir: string, runDir: string) => Promise<ImportReport>;
}

/** What a new project opens on: an LSTM on tiny Shakespeare that learns something within a minute. */
export const STARTER_CHOICES: Omit<NonNullable<ProjectInfo['current']>, 'datasetId'> = {
  data: { format: 'auto', valFraction: 0.1 },
  model: { ...DEFAULT_MODEL },
  settings: { ...RUN_SETTINGS, steps: 500, evaluateEvery: 50, diagnosticsEvery: 10 },
};

interface LiveRun {
  handle: RunHandle;
  info: RunInfo;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export class StudioService implements StudioApi {
  /** The open project folder. */
  readonly folder: Project;
  private readonly live = new Map<string, LiveRun>();
  private readonly runListeners = new Set<(m: RunEventMessage) => void>();
  private readonly importListeners = new Set<(m: ImportProgressMessage) => void>();

  constructor(private readonly opts: StudioServiceOptions) {
    this.folder = Project.open(opts.projectDir, { stateDir: opts.stateDir });
    this.folder.ensureStarted(STARTER_CHOICES);
    this.sweeps = new StudioSweeps(this.folder);
  }

  /** The project's sweeps (studio-sweeps.ts). */
  private readonly sweeps: StudioSweeps;

  // App ------------------------------------------------------------------------------------------------------------

  version(): Promise<string> {
    return Promise.resolve(this.opts.version);
  }

  machine(): Promise<MachineInfo> {
    return Promise.resolve({ cores: availableParallelism(), memoryBytes: totalmem() });
  }

  samples(): Promise<SampleInfo[]> {
    return Promise.resolve([...SAMPLES]);
  }

  // Project --------------------------------------------------------------------------------------------------------

  project_(): ProjectInfo {
    return this.folder.info();
  }

  async project(): Promise<ProjectInfo>;
  async project(): Promise<ProjectInfo> {
    return this.project_();
  }

  async saveCurrent(current: NonNullable<ProjectInfo['current']>): Promise<void> {
    this.folder.setCurrent(current);
  }

  // Datasets -------------------------------------------------------------------------------------------------------

  async addSample(file: string): Promise<DatasetInfo> {
    return this.folder.addSample(file);
  }

  async addDatasetBytes(name: string, bytes: Uint8Array): Promise<DatasetInfo> {
    return this.folder.addBytes(name, bytes);
  }

  async chooseDatasetFile(): Promise<DatasetInfo | null> {
    if (!this.opts.chooseFile) return null;
    const path = await this.opts.chooseFile();
    return path === null ? null : this.folder.addChosenFile(path);
  }

  async inspectDataset(datasetId: string, format: DataRequest['format'], choice?: Partial<DatasetChoice>): Promise<Inspection> {
    const path = this.folder.datasetPath(datasetId);
    const r = await runInspect(path, format, choice, (p) => {
      const m: ImportProgressMessage = { datasetId, bytesRead: p.bytesRead, bytesTotal: p.bytesTotal, rows: p.rows };
      for (const l of this.importListeners) l(m);
    });
    return r;
  }

  onDidImportProgress(listener: (m: ImportProgressMessage) => void): () => void {
    this.importListeners.add(listener);
    return () => this.importListeners.delete(listener);
  }

  // Runs -----------------------------------------------------------------------------------------------------------

  async listRuns(): Promise<RunInfo[]> {
    const dir = this.folder.runsDir;
    if (!existsSync(dir)) return [];
    const out: RunInfo[] = [];
    for (const id of readdirSync(dir).sort()) {
      if (!RUN_ID.test(id)) continue;
      if (!this.insideProject(join(dir, id))) continue; // a link to a folder elsewhere is not one of this project's runs
      const live = this.live.get(id);
      const info = live ? live.info : readRunInfo(join(dir, id), id);
      if (info) out.push(info);
    }
    return out;
  }

  async startRun(req: StartRunRequest): Promise<RunInfo> {
    const dataset = this.folder.dataset(req.datasetId);
    const id = this.newRunId(req.model.cell);
    const name = req.name?.trim() || runName(req.model, dataset.name);
    const request: RunRequestFile = { format: REQUEST_FORMAT, version: REQUEST_VERSION, id, name, datasetName: dataset.name, createdAt: new Date().toISOString(), origin: 'studio', ...req };
    return this.launch(id, request, false, true);
  }

  async continueRun(runId: string): Promise<RunInfo> {
    const runDir = this.runDir(runId);
    if (this.live.has(runId)) throw new Error(`run ${runId} is already training`);
    const holder = lockHolder(join(runDir, RUN_LOCK));
    if (holder) throw new Error(`run ${runId} is ${holder.purpose === 'train' ? 'running' : 'in use'} in another process (pid ${holder.pid}, since ${holder.since}); it can be continued once that process lets it go`);
    const request = readRequest(runDir);
    if (!request) throw new Error(`run ${runId} has no readable request.json; it cannot be continued`);
    if (!existsSync(join(runDir, CHECKPOINT_FILE))) throw new Error(`run ${runId} has no checkpoint yet; start a new run instead`);
    return this.launch(runId, request, true);
  }

  async forkRun(runId: string, settings: TrainSettings, fromStep?: number): Promise<RunInfo> {
    const sourceDir = this.runDir(runId);
    const source = readRequest(sourceDir);
    if (!source) throw new Error(`run ${runId} has no readable request.json; it cannot be forked`);
    const kept = keptCheckpoints(sourceDir);
    if (kept.length === 0) throw new Error(`run ${runId} has no checkpoint to fork from`);
    const chosen = fromStep === undefined ? kept[0] : kept.find((c) => c.step === fromStep);
    if (!chosen) throw new Error(`run ${runId} keeps checkpoints at step ${kept.map((c) => c.step).join(' and ')}, not at step ${fromStep}`);
    const checkpoint = chosen.path;
    for (const k of ['batchSize', 'sequenceLength'] as const) {
      if (settings[k] !== source.settings[k]) throw new Error(`a fork keeps the ${k === 'batchSize' ? 'batch size' : 'sequence length'} of its source (${source.settings[k]}): the checkpoint's carried state depends on it`);
    }
    const step = readCheckpoint(checkpoint).step;
    if (settings.steps <= step) throw new Error(`the fork starts at step ${step}; give it more steps than that (now ${settings.steps})`);
    const dataPath = this.dataPathOf(runId, source, sourceDir); // refused before anything is written
    const id = this.newRunId(source.model.cell);
    const runDir = join(this.folder.runsDir, id);
    if (settings.optimizer === source.settings.optimizer) writeFileAtomic(join(runDir, CHECKPOINT_FILE), readInside(sourceDir, basename(checkpoint), 2 ** 32));
    else {
      // another optimiser cannot use this one's state (SGD's velocity is not Adam's first moment): start it afresh
      const state = readCheckpoint(checkpoint);
      state.moment1.fill(0);
      state.moment2.fill(0);
      writeFileAtomic(join(runDir, CHECKPOINT_FILE), encodeCheckpoint(state));
    }
    const record = tryReadRecord(sourceDir); // none yet: the fork writes its own when it starts
    if (record) writeRecord(runDir, record);
    // the fork's charts start with its source's history up to the checkpoint
    const before = readHistory(sourceDir).filter((e) => e.step <= step && e.type !== 'done' && e.type !== 'checkpoint');
    writeFileAtomic(join(runDir, METRICS_FILE), before.map((e) => JSON.stringify(e) + '\n').join(''));
    const request: RunRequestFile = { ...source, format: REQUEST_FORMAT, version: REQUEST_VERSION, id, name: `${source.name} · fork @${step}`, createdAt: new Date().toISOString(), origin: 'studio', settings, forkOf: { runId, step } };
    return this.launch(id, request, true, true, dataPath);
  }

  async pauseRun(runId: string): Promise<void> {
    this.liveRun(runId).handle.pause();
  }

  async resumeRun(runId: string): Promise<void> {
    this.liveRun(runId).handle.resume();
  }

  async stopRun(runId: string): Promise<void> {
    this.liveRun(runId).handle.stop();
  }

  async deleteRun(runId: string): Promise<void> {
    const runDir = this.runDir(runId);
    const live = this.live.get(runId);
    if (live) {
      live.handle.stop();
      await live.handle.done;
    }
    // under the run's lock (refused while another process trains it), moved out of the list in one rename, then removed
    const lock = acquireLock(join(runDir, RUN_LOCK), 'delete', `run ${runId}`);
    const gone = join(this.folder.runsDir, `.deleted-${runId}-${process.pid}-${Date.now()}`);
    try {
      renameSync(runDir, gone);
    } catch (e) {
      lock.release();
      throw e;
    }
    rmSync(gone, { recursive: true, force: true });
  }

  async runHistory(runId: string): Promise<RunHistory> {
    const runDir = this.runDir(runId);
    const run = this.live.get(runId)?.info ?? readRunInfo(runDir, runId);
    if (!run) throw new Error(`run ${runId} has no readable request.json`);
    return { run, events: readHistory(runDir) };
  }

  onDidRunEvent(listener: (m: RunEventMessage) => void): () => void {
    this.runListeners.add(listener);
    return () => this.runListeners.delete(listener);
  }

  // Try ------------------------------------------------------------------------------------------------------------

  async predict(runId: string, options: PredictOptions): Promise<Prediction> {
    const runDir = this.runDir(runId);
    if (!existsSync(join(runDir, CHECKPOINT_FILE))) throw new Error(`run ${runId} has no checkpoint yet: let it train until its first checkpoint`);
    return runPredict({ runDir, ...options });
  }

  // Sweeps ---------------------------------------------------------------------------------------------------------

  listSweeps(): Promise<SweepInfo[]> {
    return this.sweeps.list();
  }

  startSweep(req: StartSweepRequest): Promise<SweepInfo> {
    return this.sweeps.start(req);
  }

  sweepInfo(sweepId: string): Promise<SweepInfo> {
    return this.sweeps.info(sweepId);
  }

  stopSweep(sweepId: string): Promise<void> {
    return this.sweeps.stop(sweepId);
  }

  resumeSweep(sweepId: string): Promise<SweepInfo> {
    return this.sweeps.resume(sweepId);
  }

  promoteTrial(sweepId: string, trial: number): Promise<RunInfo> {
    return this.sweeps.promote(sweepId, trial);
  }

  trialHistory(sweepId: string, trial: number): Promise<RunHistory> {
    return this.sweeps.history(sweepId, trial);
  }

  // Export ---------------------------------------------------------------------------------------------------------

  async exportRun(runId: string, options: { streaming?: boolean }): Promise<ExportResult | null> {
    const runDir = this.runDir(runId);
    if (!this.opts.exportRun) throw new Error('ONNX export is not available in this build');
    if (!existsSync(join(runDir, CHECKPOINT_FILE))) throw new Error(`run ${runId} has no checkpoint yet: export it once it has trained`);
    let out: string | undefined;
    if (this.opts.chooseExportPath) {
      const name = `${(readRequest(runDir)?.name ?? runId).replace(/[^\w.-]+/g, '-').replace(/-+/g, '-').slice(0, 80)}.onnx`;
      const chosen = await this.opts.chooseExportPath(name);
      if (chosen === null) return null;
      out = chosen;
    }
    return this.opts.exportRun(runDir, { ...options, ...(out ? { out } : {}) });
  }

  // Training bundle -------------------------------------------------------------------------------------------------

  async bundleRun(runId: string): Promise<BundleResult> {
    const runDir = this.runDir(runId);
    if (!this.opts.bundleRun) throw new Error('training bundles are not available in this build');
    const bundles = join(this.folder.dir, 'bundles');
    mkdirSync(bundles, { recursive: true });
    let out = join(bundles, runId);
    for (let i = 2; existsSync(out); i++) out = join(bundles, `${runId}-${i}`);
    const r = await this.opts.bundleRun(runDir, out);
    const rel = relative(this.folder.dir, r.out);
    return {
      dir: r.out,
      relativeDir: rel,
      steps: r.steps,
      parameterCount: r.parameterCount,
      commands: { check: 'python3 train.py --check 50', train: 'torchrun --standalone --nproc_per_node 2 --redirects 2 --tee 2 train.py --out output' },
      outputDir: join(rel, 'output'),
      warnings: r.warnings,
    };
  }

  async importRun(dir: string): Promise<RunInfo> {
    // only a folder inside the project (the page names it; the web host must not read elsewhere on this machine)
    let real: string;
    try {
      real = resolveInside(this.folder.dir, dir, dir, 'the project folder');
    } catch (e) {
      throw new Error(`${dir}: ${(e as Error).message.includes('leaves') ? 'not inside the project folder; copy the bundle output into it (for example under bundles/)' : 'no such folder in the project'}`);
    }
    return this.importFolder(real);
  }

  /**
   * Desktop (File → Import Run…): the same import from a folder the person picked in the system's dialog, wherever it
   * is. Not part of the StudioApi: the page cannot name a folder outside the project.
   */
  async importChosenFolder(dir: string): Promise<RunInfo> {
    return this.importFolder(realpathSync(dir));
  }

  private async importFolder(real: string): Promise<RunInfo> {
    const id = this.newRunId('pytorch');
    const runDir = join(this.folder.runsDir, id);
    try {
      if (this.opts.importRun) await this.opts.importRun(real, runDir);
      else importBundleOutput({ dir: real, runDir });
    } catch (e) {
      rmSync(runDir, { recursive: true, force: true });
      throw e;
    }
    const info = readRunInfo(runDir, id);
    if (!info) throw new Error(`the imported run ${id} cannot be read back`);
    return info;
  }

  /**
   * Opens a file of a run's export/ folder for the web host's /download: a regular file inside the project (no
   * link out of it, no folder, FIFO or device); undefined otherwise. The caller closes the descriptor.
   */
  exportedFile(runId: string, name: string): { fd: number; size: number; name: string } | undefined {
    if (!RUN_ID.test(runId) || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return undefined;
    try {
      const { fd, stats } = openInside(this.folder.dir, join('runs', runId, 'export', name));
      return { fd, size: stats.size, name };
    } catch {
      return undefined;
    }
  }

  /** Stops every live run and waits for each to write its checkpoint and summary (app quit, host shutdown). */
  async close(): Promise<void> {
    const pending = [...this.live.values()].map((r) => {
      r.handle.stop();
      return r.handle.done;
    });
    await Promise.all(pending);
  }

  // ---------------------------------------------------------------------------------------------------------------

  /**
   * Starts (or continues) a run in this process. `write`: the request is new (a new run or a fork), so request.json
   * is written before it starts. `path`: the data file, when the caller has already found it.
   */
  private launch(id: string, request: RunRequestFile, resume: boolean, write = false, path = this.dataPathOf(id, request, join(this.folder.runsDir, id))): RunInfo {
    const runDir = join(this.folder.runsDir, id);
    const before = resume ? readRunInfo(runDir, id) : undefined;
    const info: RunInfo = {
      ...(before ?? {}),
      id,
      name: request.name,
      datasetId: request.datasetId ?? '',
      datasetName: request.datasetName,
      status: 'starting',
      data: request.data,
      model: request.model,
      settings: request.settings,
      step: before?.step ?? 0,
      totalSteps: request.settings.steps,
      createdAt: request.createdAt,
      workers: request.workers ?? 1,
      resumable: resume,
      ...(request.forkOf ? { forkOf: request.forkOf } : {}),
    };
    delete info.message;
    delete info.nonFinite;
    const emit = (event: RunEventMessage['event']): void => {
      for (const l of this.runListeners) l({ runId: id, event });
    };
    const status = (patch: Partial<RunInfo>): void => {
      Object.assign(info, patch);
      emit({ type: 'status', run: { ...info } });
    };
    const handle = startRun({ runDir, data: { ...request.data, path }, model: request.model, settings: request.settings, resume, workers: request.workers, ...(write ? { request } : {}) }, (e) => {
      switch (e.type) {
        case 'ready':
          status({ status: 'running', spec: e.spec, parameterCount: e.parameterCount, dataSummary: e.dataSummary, baseline: e.baseline, totalSteps: e.settings.steps, step: e.startStep });
          break;
        case 'paused':
          status({ status: 'paused' });
          break;
        case 'resumed':
          status({ status: 'running' });
          break;
        case 'step':
          info.step = e.step;
          emit(e);
          break;
        case 'checkpoint':
          info.resumable = true;
          emit(e);
          break;
        case 'done':
          emit(e);
          break;
        default:
          emit(e);
      }
    });
    this.live.set(id, { handle, info });
    void handle.done.then((outcome) => {
      this.live.delete(id);
      const after = readRunInfo(runDir, id);
      status({
        ...(after ?? {}),
        status: outcome.reason,
        ...(outcome.message ? { message: outcome.message } : {}),
        ...(outcome.event.nonFinite ? { nonFinite: outcome.event.nonFinite } : {}),
        ...(outcome.summary ? { summary: outcome.summary } : {}),
      });
    });
    emit({ type: 'status', run: { ...info } });
    return { ...info };
  }

  /**
   * The data file a run trains on: its project dataset's, or — for a run made with `seqstudio train` on a file the
   * project does not list — the file its run.json names, when that file lies inside the project folder.
   */
  private dataPathOf(runId: string, request: RunRequestFile, runDir: string): string {
    if (request.datasetId !== undefined) return this.folder.datasetPath(request.datasetId);
    let recorded: string;
    try {
      recorded = readRecord(runDir).data.path;
    } catch {
      throw new Error(`run ${runId} was made on the command line and has not recorded its data yet; continue it there (seqstudio train --resume)`);
    }
    try {
      return resolveInside(this.folder.dir, recorded);
    } catch {
      throw new Error(`run ${runId} was made on the command line on ${recorded}, outside this project; continue it there (seqstudio train --resume ${runDir}), or import that file into the project`);
    }
  }

  /** A new run id whose folder this call created (exclusively: two studios on one project never share one). */
  private newRunId(cell: string): string {
    mkdirSync(this.folder.runsDir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    for (let i = 1; ; i++) {
      const id = i === 1 ? `${stamp}-${cell}` : `${stamp}-${cell}-${i}`;
      try {
        mkdirSync(join(this.folder.runsDir, id));
        return id;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  }

  /** The run's folder: it must exist and be a real folder of this project (not a link leading elsewhere). */
  private runDir(runId: string): string {
    if (!RUN_ID.test(runId)) throw new Error(`"${runId.slice(0, 60)}" is not a run id`);
    const dir = join(this.folder.runsDir, runId);
    if (!existsSync(dir)) throw new Error(`this project has no run "${runId}" (it may have been deleted)`);
    if (!this.insideProject(dir)) throw new Error(`run "${runId}" leads outside the project folder through a symbolic link; it is not read`);
    return dir;
  }

  private insideProject(dir: string): boolean {
    try {
      return resolveInside(this.folder.dir, dir) === join(realpathSync(this.folder.dir), 'runs', basename(dir));
    } catch {
      return false;
    }
  }

  private liveRun(runId: string): LiveRun {
    const r = this.live.get(runId);
    if (!r) throw new Error(`run ${runId} is not training`);
    return r;
  }
}
