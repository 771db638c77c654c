// The Electron shell: one window, one menu, the IPC handlers. Only this file (and the preload) imports `electron`;
// everything it serves lives in plain-Node modules that are tested without Electron (see notes/toolchain.md).
//
// Security (DESIGN.md): context isolation, sandbox, no Node integration, web security on, no new windows, no
// navigation away from the app, no webviews, no permissions, and IPC answered only for our own page.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  app,
  BrowserWindow,
  ipcMain,
  Menu,
  session,
  shell,
  type MenuItemConstructorOptions,
  type WebFrameMain,
} from 'electron';

/** Vite's dev server while `electron-vite dev` runs; never honoured in a packaged app. */
const devServerUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined;
const rendererFile = join(import.meta.dirname, '../renderer/index.html');
const rendererUrl = pathToFileURL(rendererFile);
const preloadFile = join(import.meta.dirname, '../preload/index.cjs');

/** Whether a URL is our own page (the built renderer, or the dev server during `electron-vite dev`). */
function isAppUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const target = new URL(url);
  if (devServerUrl) return target.origin === new URL(devServerUrl).origin;
  return target.protocol === 'file:' && target.pathname === rendererUrl.pathname;
}

function isTrustedSender(frame: WebFrameMain | null): boolean {
  return frame !== null && isAppUrl(frame.url);
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 560,
    title: 'Sequence Studio',
    show: false,
    webPreferences: {
      preload: preloadFile,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  window.once('ready-to-show', () => window.show());
  if (devServerUrl) void window.loadURL(devServerUrl);
  else void window.loadFile(rendererFile);
  return window;
}

function buildMenu(): Menu {
  // Placeholder: the studio's own commands (open dataset, new run, export) join here once the views exist.
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
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

app.whenReady().then(() => {
  app.setAboutPanelOptions({ applicationName: 'Sequence Studio', applicationVersion: app.getVersion() });
  Menu.setApplicationMenu(buildMenu());
  // The studio asks for nothing: camera, notifications, geolocation… are all refused.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, decide) => decide(false));

  // Placeholder for the StudioApi: one handler per message, each checking who asks.
  ipcMain.handle('studio:version', (event) => {
    if (!isTrustedSender(event.senderFrame)) throw new Error('studio:version: untrusted sender');
    return app.getVersion();
  });

  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}, (error: unknown) => {
  console.error(error);
  app.exit(1);
});
