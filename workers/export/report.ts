// What an export is asked for and what it reports: the contract of the export job (workers/jobs/export.ts), the
// export service (src-main/services/export.ts) and the CLI's `export` command. Types only.

import type { ExportResult } from '../../src-shared/studio-api';
import type { ModelSpec } from '../../src-shared/model';
import type { Verification } from './verify';

export interface ExportRequest {
  runDir: string;
  /** The .onnx file to write (default <runDir>/export/model.onnx). */
  out?: string;
  streaming?: boolean;
  /** Validation sequences to compare (default 512). */
  maxSamples?: number;
}

/** ExportResult with what else an export reports (all of it is also in the sidecar's `verification`). */
export interface ExportReport extends ExportResult {
  sidecar: string;
  shape: ModelSpec['shape'];
  /** Whether the (first) graph carries explicit state (initial_h/_c in, final_h/_c out). */
  streaming: boolean;
  irVersion: number;
  tolerance: number;
  /** maxAbsDiff ≤ tolerance, and for generation models every decode agreed. */
  ok: boolean;
  checkedRows: number;
  /** 'validation' (the run's held-out split) or 'synthetic' (the data file could not be read again). */
  checkedOn: 'validation' | 'synthetic';
  generation?: Verification['generation'];
  checks: Verification['checks'];
  onnxruntime: string;
  warnings: string[];
}
