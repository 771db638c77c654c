// Connects the StudioService to the ONNX exporter (export.ts), so the service itself does not depend on it.
import type { ExportResult } from '../../src-shared/studio-api';

export function createExporter(): ((runDir: string, opts: { streaming?: boolean }) => Promise<ExportResult>) | undefined {
  return undefined;
}
