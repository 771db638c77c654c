// The bundle job (`seqstudio bundle`, the Train screen's "Export training bundle…"): a run folder to a PyTorch training
// bundle (workers/bundle/bundle-run.ts), in this worker so the calling thread stays free while the data is read and
// the run's batches are drawn again.

import { bundleRunFolder, type BundleReport } from '../bundle/bundle-run';
import type { BundleJob } from '../protocol';

export function bundleJob(req: BundleJob): Promise<BundleReport> {
  const { type: _type, ...request } = req;
  return bundleRunFolder(request);
}
