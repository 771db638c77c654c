// The export service: a run folder → ONNX file(s) + sidecar JSON, proven in onnxruntime-node on the run's
// validation data. Everything heavy (the trainer's reference forward, building and checking the graphs,
// onnxruntime itself) runs in a trainer worker thread (message 'export', workers/export/export-run.ts), so the
// calling thread (the CLI, the app's main process) stays free. Plain Node, no Electron.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExportReport, FromTrainer, ToTrainer } from '../../workers/protocol';
import createTrainerWorker from '../../workers/trainer.worker?nodeWorker';

export type { ExportReport } from '../../workers/protocol';

export interface ExportOptions {
  /** The .onnx file to write (default <runDir>/export/model.onnx); an encoder–decoder also writes <stem>.decoder.onnx. */
  out?: string;
  /** Explicit state inputs/outputs (initial_h/_c → final_h/_c) for running one step at a time. */
  streaming?: boolean;
  /** Validation sequences to compare in onnxruntime (default 512). */
  maxSamples?: number;
}

/** The request was wrong (no run, no checkpoint, a path that cannot be written): the CLI exits with code 2. */
export class ExportInputError extends Error {}

/** Exports a run folder and checks the export in onnxruntime; rejects with ExportInputError for bad input. */
export async function exportRun(runDir: string, opts: ExportOptions = {}): Promise<ExportReport> {
  const dir = resolve(runDir);
  if (!existsSync(join(dir, 'run.json'))) throw new ExportInputError(`${runDir}: not a run folder (no run.json); train one with seqstudio train --out DIR`);
  if (!existsSync(join(dir, 'checkpoint.bin'))) throw new ExportInputError(`${runDir}: the run has no checkpoint yet (export it once it has trained)`);
  const out = resolve(opts.out ?? join(dir, 'export', 'model.onnx'));
  if (!/\.onnx$/i.test(out)) throw new ExportInputError(`--out ${opts.out}: name a .onnx file (for example ${join(runDir, 'export', 'model.onnx')})`);
  const worker = createTrainerWorker();
  try {
    return await new Promise<ExportReport>((resolveDone, reject) => {
      worker.on('message', (m: FromTrainer) => {
        if (m.type === 'export-result') {
          const { type: _type, ...report } = m;
          resolveDone(report);
        } else if (m.type === 'export-failed') reject(m.badInput ? new ExportInputError(m.message) : new Error(m.message));
        else if (m.type === 'fatal') reject(new Error(m.message));
      });
      worker.on('error', (e) => reject(new Error(`the export worker crashed: ${e.message}`)));
      worker.on('exit', (code) => reject(new Error(`the export worker stopped unexpectedly (exit code ${code})`)));
      worker.postMessage({ type: 'export', runDir: dir, out, streaming: opts.streaming ?? false, maxSamples: opts.maxSamples } satisfies ToTrainer);
    });
  } finally {
    await worker.terminate();
  }
}
