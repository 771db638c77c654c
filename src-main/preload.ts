// The sandboxed preload: the renderer's only door to the main process. Built as CommonJS (out/preload/index.cjs)
// because a sandboxed preload cannot be an ES module; at run time it requires nothing but `electron` (the method
// list from src-shared is inlined by the bundler).
//
// It exposes one `studio` object implementing StudioApi: one method per IPC channel (`studio:<method>`), and the
// two event subscriptions over the single `studio:event` channel — never `ipcRenderer` itself.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { type ImportProgressMessage, type RunEventMessage, STUDIO_METHODS, type StudioEventFrame } from '../src-shared/studio-api';

const studio: Record<string, unknown> = {};
for (const method of STUDIO_METHODS) studio[method] = (...args: unknown[]) => ipcRenderer.invoke(`studio:${method}`, ...args);

const runListeners = new Set<(m: RunEventMessage) => void>();
const importListeners = new Set<(m: ImportProgressMessage) => void>();
ipcRenderer.on('studio:event', (_e: IpcRendererEvent, frames: StudioEventFrame[]) => {
  for (const f of frames) {
    if (f.kind === 'run') for (const l of runListeners) l({ runId: f.runId, event: f.event });
    else for (const l of importListeners) l({ datasetId: f.datasetId, bytesRead: f.bytesRead, bytesTotal: f.bytesTotal, rows: f.rows });
  }
});
studio['onDidRunEvent'] = (listener: (m: RunEventMessage) => void) => {
  runListeners.add(listener);
  return () => runListeners.delete(listener);
};
studio['onDidImportProgress'] = (listener: (m: ImportProgressMessage) => void) => {
  importListeners.add(listener);
  return () => importListeners.delete(listener);
};

contextBridge.exposeInMainWorld('studio', studio);
