// The export service: a run folder → ONNX file(s) + sidecar JSON, proven in onnxruntime-node on the run's
// validation data. Everything heavy (the trainer's reference forward, building and checking the graphs,
// onnxruntime itself) runs in a trainer worker thread (the export job, workers/jobs/export.ts), so the
// calling thread (the CLI, the app's main process) stays free. Plain Node, no Electron.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ExportInputError, InputError } from '../../src-shared/errors';
import type { ExportReport } from '../../workers/protocol';
import { CHECKPOINT_FILE, RUN_FILE } from '../../workers/engine/run-folder';
import { callWorker } from './worker-call';

export type { ExportReport } from '../../workers/protocol';
export { ExportInputError } from '../../src-shared/errors';

export interface ExportOptions {
  /** The .onnx file to write (default <runDir>/export/model.onnx); an encoder–decoder also writes <stem>.decoder.onnx. */
  out?: string;
  /** Explicit state inputs/outputs (initial_h/_c → final_h/_c) for running one step at a time. */
  streaming?: boolean;
  /** Validation sequences to compare in onnxruntime (default 512). */
  maxSamples?: number;
}

/** Exports a run folder and checks the export in onnxruntime; rejects with ExportInputError for bad input. */
export async function exportRun(runDir: string, opts: ExportOptions = {}): Promise<ExportReport> {
  const dir = resolve(runDir);
  if (!existsSync(join(dir, RUN_FILE))) throw new ExportInputError(`${runDir}: not a run folder (no run.json); train one with seqstudio train --out DIR`);
  if (!existsSync(join(dir, CHECKPOINT_FILE))) throw new ExportInputError(`${runDir}: the run has no checkpoint yet (export it once it has trained)`);
  const out = resolve(opts.out ?? join(dir, 'export', 'model.onnx'));
  if (!/\.onnx$/i.test(out)) throw new ExportInputError(`${out}: name a .onnx file (for example ${join(runDir, 'export', 'model.onnx')})`);
  try {
    return await callWorker({ type: 'export', runDir: dir, out, streaming: opts.streaming ?? false, maxSamples: opts.maxSamples });
  } catch (e) {
    throw e instanceof InputError && !(e instanceof ExportInputError) ? new ExportInputError(e.message) : e;
  }
}
