// The export job (`seqstudio export`, the Try screen's Export): a run folder to ONNX with its proof in onnxruntime
// (export/export-run.ts), in this worker so the calling thread stays free.

import type { ExportReport } from '../export/report';
import { exportRunFolder } from '../export/export-run';
import type { ExportJob } from '../protocol';
import type { JobContext } from './context';

export function exportJob(req: ExportJob, ctx: JobContext): Promise<ExportReport> {
  const { type: _type, ...request } = req;
  return exportRunFolder(ctx.kernels().exports, request);
}
