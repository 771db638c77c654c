// The sandboxed preload: the renderer's only door to the main process. Built as CommonJS (out/preload/index.cjs)
// because a sandboxed preload cannot be an ES module, and it may import nothing but `electron`.
//
// It exposes one `studio` object with one method per IPC message, channels prefixed `studio:` — never
// `ipcRenderer` itself. The full StudioApi (src-shared/) replaces this placeholder.

import { contextBridge, ipcRenderer } from 'electron';

const studio = {
  /** The application's version, from the main process. */
  version: (): Promise<string> => ipcRenderer.invoke('studio:version'),
};

export type DesktopStudio = typeof studio;

contextBridge.exposeInMainWorld('studio', studio);
