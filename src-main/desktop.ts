// The desktop shell's logic, kept out of src-main/index.ts so it runs and is tested under plain Node (Electron
// cannot start on our machines): the window's security settings, the IPC router that validates every argument
// before it reaches the StudioService, and the recent-projects list.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tagSetting } from '../src-shared/errors';
import { STUDIO_METHODS, type StudioEventFrame, type StudioMethod } from '../src-shared/studio-api';
import { writeFileAtomic } from '../workers/engine/checkpoint';
import type { StudioService } from './services/studio';
import { pageError, validateArgs } from './services/validate';

/** BrowserWindow webPreferences: the renderer is a sandboxed web page with one door (the preload's `studio`). */
export const SECURE_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
} as const;

/** The IPC channel of each StudioApi request method, and the one channel events travel on. */
export const channelOf = (method: StudioMethod): string => `studio:${method}`;
export const EVENT_CHANNEL = 'studio:event';

/**
 * One handler per StudioApi method: checks that the sender is our own page, validates the arguments against the
 * method's schema, then calls the service. Errors reach the page as messages in the studio's words (pageError), the
 * setting one is about tagged in front (the page's host reads it back).
 */
export function ipcHandlers(service: () => StudioService, isTrusted: (senderUrl: string | undefined) => boolean): Map<string, (senderUrl: string | undefined, args: unknown[]) => Promise<unknown>> {
  const handlers = new Map<string, (senderUrl: string | undefined, args: unknown[]) => Promise<unknown>>();
  for (const method of STUDIO_METHODS) {
    handlers.set(channelOf(method), async (senderUrl, args) => {
      if (!isTrusted(senderUrl)) throw new Error(`${method}: refused, the request did not come from the studio's own page`);
      try {
        validateArgs(method, args);
        const s = service();
        return await (s as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method].apply(s, args);
      } catch (e) {
        // IPC carries only the message: the setting it is about travels in front of it (src-shared/errors.ts)
        const { error, setting } = pageError(e);
        throw new Error(tagSetting(error, setting));
      }
    });
  }
  return handlers;
}

/** Forwards the service's events to a window as StudioEventFrames; returns the unsubscribe function. */
export function forwardEvents(service: StudioService, send: (frame: StudioEventFrame) => void): () => void {
  const offRun = service.onDidRunEvent((m) => send({ kind: 'run', ...m }));
  const offImport = service.onDidImportProgress((m) => send({ kind: 'import', ...m }));
  return () => {
    offRun();
    offImport();
  };
}

const MAX_RECENT = 10;

/** Recent projects (most recent first), kept in the app's user-data folder. */
export function readRecent(userData: string): string[] {
  const path = join(userData, 'recent-projects.json');
  if (!existsSync(path)) return [];
  try {
    const list = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string' && existsSync(join(p, 'project.json'))).slice(0, MAX_RECENT) : [];
  } catch {
    return [];
  }
}

export function rememberRecent(userData: string, projectDir: string): string[] {
  const dir = resolve(projectDir);
  const list = [dir, ...readRecent(userData).filter((p) => p !== dir)].slice(0, MAX_RECENT);
  writeFileAtomic(join(userData, 'recent-projects.json'), JSON.stringify(list, null, 2) + '\n');
  return list;
}
