// The studio's sweeps (StudioApi's Sweeps group): sweep folders in the project's sweeps/ folder, run by the sweep
// service (sweep.ts) in this process, read back as tables for the Sweep screen, and a trial promoted to a normal run
// of the project (its run folder copied into runs/, so Train, Compare, Try, fork and export work on it), and a trial's
// history read in place for Compare (trialHistory), promoted or not.
// StudioService (studio.ts) forwards to this class.

import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { metricInfo } from '../../src-shared/metrics';
import type { RunHistory, RunInfo, StartSweepRequest, SweepInfo } from '../../src-shared/studio-api';
import { readRequest, REQUEST_FORMAT, REQUEST_VERSION, RUN_LOCK, runName, writeRequest } from '../../workers/engine/run-folder';
import { describeParams, formatSpace, parseSpace } from '../../workers/sweep/space';
import { readSweepFile, readSweepLog, replaySweep, SWEEP_FORMAT, SWEEP_LOCK, SWEEP_VERSION, trialFolder, type SweepFile } from '../../workers/sweep/sweep-folder';
import { holderAlive, lockHolder } from './lock';
import type { Project } from './project';
import { readHistory, readRunInfo } from './run-store';
import { bestEvaluation, createSweep, defaultParallel, startSweep, sweepImportance, sweepThreads, type SweepHandle } from './sweep';

const SWEEP_ID = /^sweep-[A-Za-z0-9._-]+$/;

export class StudioSweeps {
  private readonly live = new Map<string, SweepHandle>();

  constructor(private readonly folder: Project) {}

  get dir(): string {
    return join(this.folder.dir, 'sweeps');
  }

  async list(): Promise<SweepInfo[]> {
    if (!existsSync(this.dir)) return [];
    const out: SweepInfo[] = [];
    for (const id of readdirSync(this.dir).sort()) {
      if (!SWEEP_ID.test(id)) continue;
      try {
        out.push(this.info_(id));
      } catch {
        // a damaged or foreign folder is not listed
      }
    }
    return out;
  }

  async start(req: StartSweepRequest): Promise<SweepInfo> {
    const path = this.folder.datasetPath(req.datasetId);
    const space = parseSpace(req.space); // a SettingError names the setting
    const id = `sweep-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const s = req.settings;
    const sweep: SweepFile = {
      format: SWEEP_FORMAT,
      version: SWEEP_VERSION,
      createdAt: new Date().toISOString(),
      data: { ...req.data, path },
      model: req.model,
      settings: s,
      space: formatSpace(space),
      method: req.method,
      trials: req.trials,
      budgetSeconds: req.budgetSeconds,
      stop: req.stop === 'asha' ? { kind: 'asha', grace: Math.max(1, s.evaluateEvery), eta: 3, maxSteps: s.steps } : req.stop === 'median' ? { kind: 'median', grace: Math.max(1, s.evaluateEvery), minTrials: 3 } : { kind: 'none' },
      seed: s.seed,
      parallel: req.parallel ?? defaultParallel(),
      ...sweepThreads(undefined, req.workers),
    };
    if (req.stop !== 'none' && s.evaluateEvery === 0) throw new Error(`stopping weak trials (${req.stop}) judges them at their evaluations: set “Evaluate every” to a number of steps`);
    createSweep(join(this.dir, id), sweep);
    this.launch(id, req.datasetId);
    return this.info_(id);
  }

  async info(id: string): Promise<SweepInfo> {
    return this.info_(id);
  }

  async stop(id: string): Promise<void> {
    this.live.get(id)?.stop();
  }

  async resume(id: string): Promise<SweepInfo> {
    const sweepDir = this.folderOf(id);
    if (!this.live.has(id)) {
      const datasetId = readRequest(join(sweepDir, trialFolder(0)))?.datasetId;
      this.launch(id, datasetId);
    }
    return this.info_(id);
  }

  /** Copies trial `trial` (1-based) into runs/<sweep>-trial-N and names it there: a normal run of the project. */
  async promote(id: string, trial: number): Promise<RunInfo> {
    const sweepDir = this.folderOf(id);
    const state = replaySweep(readSweepLog(sweepDir));
    const t = state.trials.find((x) => x.index === trial - 1);
    if (!t) throw new Error(`the sweep ${id} has no trial ${trial}`);
    if (t.status === 'running') throw new Error(`trial ${trial} is still training: promote it once it has ended`);
    const runId = `${id}-trial-${trial}`;
    const target = join(this.folder.runsDir, runId);
    if (existsSync(target)) throw new Error(`trial ${trial} was promoted already: it is the run ${runId}`);
    cpSync(join(sweepDir, t.runDir), target, { recursive: true, filter: (src) => basename(src) !== RUN_LOCK });
    const request = readRequest(target);
    if (request) writeRequest(target, { ...request, id: runId, name: `${request.name} (sweep trial ${trial})` });
    const info = readRunInfo(target, runId);
    if (!info) {
      rmSync(target, { recursive: true, force: true });
      throw new Error(`trial ${trial}'s run folder cannot be read as a run`);
    }
    return info;
  }

  /**
   * A trial's history, as runHistory answers for a run: its run folder read in place (promoted or not), named for
   * the sweep and its settings, its status the sweep's word for it (a trial this process trains is running, not
   * "elsewhere").
   */
  async history(id: string, trial: number): Promise<RunHistory> {
    const sweepDir = this.folderOf(id);
    const sweep = readSweepFile(sweepDir);
    const t = replaySweep(readSweepLog(sweepDir)).trials.find((x) => x.index === trial - 1);
    if (!t) throw new Error(`the sweep ${id} has no trial ${trial}`);
    const runDir = join(sweepDir, t.runDir);
    const read = readRunInfo(runDir, `${id}#${trial}`);
    if (!read) throw new Error(`trial ${trial} of ${id} has not started training yet`);
    const { message, ...info } = read;
    const running = t.status === 'running' && this.live.has(id);
    const status: RunInfo['status'] = running ? 'running' : read.status === 'elsewhere' && t.status !== 'running' ? 'stopped' : read.status;
    const why = running ? undefined : (t.why ?? message);
    const run: RunInfo = { ...info, status, ...(why ? { message: why } : {}), name: `Trial ${trial}: ${describeParams(parseSpace(sweep.space), t.params)}`, trialOf: { sweepId: id, trial } };
    return { run, events: readHistory(runDir) };
  }

  private launch(id: string, datasetId: string | undefined): void {
    const handle = startSweep(this.folderOf(id), {
      requestFor: (runDir, req, threads) => {
        const datasetName = basename(req.data.path);
        const { path: _path, ...choices } = req.data;
        return {
          format: REQUEST_FORMAT,
          version: REQUEST_VERSION,
          id: basename(runDir),
          name: runName(req.model, datasetName),
          ...(datasetId ? { datasetId } : {}),
          datasetName,
          createdAt: new Date().toISOString(),
          origin: 'studio',
          data: choices as never,
          model: req.model,
          settings: req.settings,
          ...(threads > 1 ? { workers: threads } : {}),
        };
      },
    });
    this.live.set(id, handle);
    void handle.done.then(() => this.live.delete(id));
  }

  private folderOf(id: string): string {
    if (!SWEEP_ID.test(id)) throw new Error(`no sweep "${id.slice(0, 60)}"`);
    const d = join(this.dir, id);
    if (!existsSync(d)) throw new Error(`no sweep ${id} in this project`);
    return d;
  }

  private info_(id: string): SweepInfo {
    const d = this.folderOf(id);
    const sweep = readSweepFile(d);
    const state = replaySweep(readSweepLog(d));
    const holder = lockHolder(join(d, SWEEP_LOCK));
    const status: SweepInfo['status'] = this.live.has(id) ? 'running' : holder && holderAlive(holder) ? 'elsewhere' : state.ended ? 'ended' : 'paused';
    const metric = state.metric;
    return {
      id,
      space: sweep.space,
      method: sweep.method,
      stop: sweep.stop.kind,
      trials: sweep.trials,
      parallel: sweep.parallel,
      budgetSeconds: sweep.budgetSeconds,
      status,
      ...(state.ended ? { why: state.ended } : {}),
      ...(metric ? { metric } : {}),
      higherIsBetter: metric !== undefined && metric !== 'valLoss' && metricInfo(metric).higherIsBetter,
      elapsed: state.elapsed,
      importance: sweepImportance(parseSpace(sweep.space), state),
      rows: state.trials.map((t) => {
        const b = bestEvaluation(t, metric);
        return {
          trial: t.index + 1,
          status: t.status,
          ...(t.why ? { why: t.why } : {}),
          params: t.params as Record<string, string | number | boolean>,
          ...(b ? { best: b.value, bestStep: b.step } : {}),
          ...(t.evaluations.length ? { last: t.evaluations[t.evaluations.length - 1].value } : {}),
          steps: t.step,
          seconds: t.seconds,
          curve: t.evaluations.map((e) => [e.step, e.value] as [number, number]),
        };
      }),
    };
  }
}
