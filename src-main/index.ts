// The Electron shell: one window, one menu, the IPC handlers. Only this file (and the preload) imports `electron`;
// everything it serves lives in plain-Node modules that are tested without Electron (see notes/toolchain.md).
//
// Security (DESIGN.md): context isolation, sandbox, no Node integration, web security on, no new windows, no
// navigation away from the app, no webviews, no permissions, and IPC answered only for our own page.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell, type MenuItemConstructorOptions } from 'electron';
import type { StudioEventFrame } from '../src-shared/studio-api';
import { EVENT_CHANNEL, forwardEvents, ipcHandlers, readRecent, rememberRecent, SECURE_WEB_PREFERENCES } from './desktop';
import { bundleRun, importRun } from './services/bundle';
import { exportRun } from './services/export';
import { StudioService } from './services/studio';

/** Vite's dev server while `electron-vite dev` runs; never honoured in a packaged app. */
const devServerUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined;
const rendererFile = join(import.meta.dirname, '../renderer/index.html');
const rendererUrl = pathToFileURL(rendererFile);
const preloadFile = join(import.meta.dirname, '../preload/index.cjs');

/** Whether a URL is our own page (the built renderer, or the dev server during `electron-vite dev`). */
function isAppUrl(url: string | undefined): boolean {
  if (url === undefined || !URL.canParse(url)) return false;
  const target = new URL(url);
  if (devServerUrl) return target.origin === new URL(devServerUrl).origin;
  return target.protocol === 'file:' && target.pathname === rendererUrl.pathname;
}

// The open project and its service; switching projects replaces both and reloads the window.
let service: StudioService;
let window: BrowserWindow | null = null;
let stopForwarding: () => void = () => {};

function openProject(dir: string): void {
  const next = new StudioService({
    projectDir: dir,
    version: app.getVersion(),
    stateDir: app.getPath('userData'), // remembers the files chosen outside the project
    chooseFile: async () => {
      const r = await dialog.showOpenDialog(window ?? undefined!, {
        title: 'Import dataset',
        properties: ['openFile'],
        filters: [{ name: 'Datasets', extensions: ['csv', 'tsv', 'txt', 'json', 'jsonl', 'ndjson', 'conll', 'conllu', 'tags', 'pairs', 'ts', 'tsf', 'arff', 'tokens', 'xlsx', 'parquet', 'npy', 'gz'] }, { name: 'All files', extensions: ['*'] }],
      });
      return r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0];
    },
    exportRun,
    bundleRun: (runDir, out) => bundleRun(runDir, out),
    importRun,
    chooseExportPath: async (suggested) => {
      const r = await dialog.showSaveDialog(window ?? undefined!, { title: 'Export ONNX', defaultPath: join(app.getPath('documents'), suggested), filters: [{ name: 'ONNX model', extensions: ['onnx'] }] });
      return r.canceled || !r.filePath ? null : r.filePath;
    },
  });
  const previous = service as StudioService | undefined;
  service = next;
  void previous?.close();
  rememberRecent(app.getPath('userData'), dir);
  stopForwarding();
  // Events reach the page in batches every 50 ms (a fast run reports hundreds of steps per second).
  let queue: StudioEventFrame[] = [];
  let timer: NodeJS.Timeout | undefined;
  stopForwarding = forwardEvents(service, (frame) => {
    queue.push(frame);
    timer ??= setTimeout(() => {
      timer = undefined;
      const frames = queue;
      queue = [];
      if (window && !window.isDestroyed()) window.webContents.send(EVENT_CHANNEL, frames);
    }, 50);
  });
  Menu.setApplicationMenu(buildMenu());
  window?.webContents.reload();
}

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 560,
    title: 'Sequence Studio',
    show: false,
    webPreferences: { preload: preloadFile, ...SECURE_WEB_PREFERENCES },
  });
  w.once('ready-to-show', () => w.show());
  if (devServerUrl) void w.loadURL(devServerUrl);
  else void w.loadFile(rendererFile);
  return w;
}

async function chooseProject(): Promise<void> {
  const r = await dialog.showOpenDialog(window ?? undefined!, { title: 'Open or create a project folder', properties: ['openDirectory', 'createDirectory'] });
  if (r.canceled || r.filePaths.length === 0) return;
  try {
    openProject(r.filePaths[0]);
  } catch (e) {
    dialog.showErrorBox('Could not open the project', (e as Error).message);
  }
}

/** File → Import Run…: a training bundle's output folder (what its train.py wrote) becomes a run of the project. */
async function chooseRunToImport(): Promise<void> {
  const r = await dialog.showOpenDialog(window ?? undefined!, { title: 'Import a run trained with PyTorch (the output folder of a training bundle)', properties: ['openDirectory'] });
  if (r.canceled || r.filePaths.length === 0 || !service) return;
  try {
    await service.importChosenFolder(r.filePaths[0]);
    window?.webContents.reload(); // the run list is read again, the new run in it
  } catch (e) {
    dialog.showErrorBox('Could not import the run', (e as Error).message);
  }
}

function buildMenu(): Menu {
  const recent = readRecent(app.getPath('userData'));
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Project…', accelerator: 'CmdOrCtrl+O', click: () => void chooseProject() },
        { label: 'Open Recent', submenu: recent.length ? recent.map((p) => ({ label: p, click: () => openProject(p) })) : [{ label: 'No recent projects', enabled: false }] },
        { type: 'separator' },
        { label: 'Import Run…', click: () => void chooseRunToImport() },
        { type: 'separator' },
        { role: process.platform === 'darwin' ? 'close' : 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{ label: 'About Sequence Studio', click: () => app.showAboutPanel() }],
    },
  ];
  return Menu.buildFromTemplate(template);
}

// Every web contents (windows and anything they might spawn): no new windows, no navigation, no webviews.
app.on('web-contents-created', (_event, contents) => {
  contents.setWindowOpenHandler(({ url }) => {
    // Links to the web open in the person's browser, never inside the app.
    if (url.startsWith('https:')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Quitting stops live runs after their current step; each keeps its checkpoint and can be continued.
let quitting = false;
app.on('before-quit', (event) => {
  if (quitting || !service) return;
  event.preventDefault();
  quitting = true;
  void service.close().finally(() => app.quit());
});

app.whenReady().then(() => {
  app.setAboutPanelOptions({ applicationName: 'Sequence Studio', applicationVersion: app.getVersion() });
  // The studio asks for nothing: camera, notifications, geolocation… are all refused.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, decide) => decide(false));

  // A packaged app carries the samples beside app.asar (electron-builder extraResources).
  if (app.isPackaged) process.env['SEQSTUDIO_RESOURCES'] ??= join(process.resourcesPath, 'resources');
  // `npm start` opens the last project, or the sample project (created on the bundled tiny Shakespeare).
  const recent = readRecent(app.getPath('userData'));
  openProject(recent[0] ?? join(app.getPath('documents'), 'Sequence Studio', 'Sample project'));

  // One handler per StudioApi method; each checks who asks and validates the arguments (src-main/desktop.ts).
  for (const [channel, handler] of ipcHandlers(() => service, isAppUrl)) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => handler(event.senderFrame?.url, args));
  }

  window = createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) window = createWindow();
  });
}, (error: unknown) => {
  console.error(error);
  app.exit(1);
});
