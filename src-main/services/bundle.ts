// The training-bundle service: a run folder → a PyTorch training bundle (in a trainer worker thread: the bundle job,
// workers/jobs/bundle.ts, reads the data and draws the run's batches again), and a bundle's output folder → a run of
// the project (workers/bundle/import-run.ts: file work only, done here). Plain Node, no Electron.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../../src-shared/errors';
import type { BundleReport } from '../../workers/protocol';
import { completeTensorBoardLog } from '../../workers/engine/metrics-log';
import { RUN_FILE } from '../../workers/engine/run-folder';
import { importBundleOutput, withStudioEvaluation, type ImportReport } from '../../workers/bundle/import-run';
import { callWorker } from './worker-call';

export type { BundleReport } from '../../workers/protocol';
export type { ImportReport } from '../../workers/bundle/import-run';

/** Writes the training bundle of `runDir` into `out` (a new or empty folder); InputError for bad input. */
export async function bundleRun(runDir: string, out: string, opts: { steps?: number } = {}): Promise<BundleReport> {
  const dir = resolve(runDir);
  if (!existsSync(join(dir, RUN_FILE))) throw new InputError(`${runDir}: not a run folder (no run.json); train one with seqstudio train --out DIR`);
  return callWorker({ type: 'bundle', runDir: dir, out: resolve(out), steps: opts.steps });
}

/**
 * Imports a bundle's output folder `dir` as the run folder `runDir`, then has the studio's trainer evaluate its final
 * weights (the evaluate job, in a worker) so that it carries the studio's own task metrics; where the run's data can
 * no longer be read, the import keeps train.py's figures and says so.
 */
export async function importRun(dir: string, runDir: string): Promise<ImportReport> {
  const r = importBundleOutput({ dir, runDir });
  let report: ImportReport;
  try {
    const evaluation = await callWorker({ type: 'evaluate', runDir: r.runDir });
    withStudioEvaluation(r.runDir, evaluation);
    report = { ...r, metrics: { ...r.metrics, ...evaluation.metrics } };
  } catch (e) {
    report = { ...r, warnings: [...r.warnings, `the studio could not evaluate the imported weights (${(e as Error).message}); the figures are train.py's`] };
  }
  // the run's TensorBoard log, from its metrics.jsonl as imported (every run folder has one)
  try {
    completeTensorBoardLog(r.runDir);
  } catch (e) {
    report = { ...report, warnings: [...report.warnings, `no TensorBoard log was written for the imported run (${(e as Error).message})`] };
  }
  return report;
}
