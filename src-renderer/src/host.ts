// The renderer's one handle on the platform: a StudioApi (src-shared/studio-api.ts). In the desktop app the preload
// exposes it as `window.studio` (Electron IPC); in a browser served by the web host it is the HTTP + WebSocket
// client below. Stores call `studio()`; views and stores never read `window.studio` themselves. Tests install a
// fake with `setStudio` (src-renderer/src/testing/fakeStudio.ts).

import { StudioRequestError, studioErrorOf } from '../../src-shared/errors';
import { type ImportProgressMessage, type RunEventMessage, STUDIO_METHODS, type StudioApi, type StudioEventFrame, type StudioMethod } from '../../src-shared/studio-api';

let current: StudioApi | null = null;

/** The platform handle; throws when none was installed (a bug, not a user error). */
export function studio(): StudioApi {
  if (current === null) current = detectHost();
  return current;
}

export function setStudio(api: StudioApi | null): void {
  current = api;
}

/** 'desktop' inside Electron, 'web' in a browser served by the web host. */
export function hostKind(): 'desktop' | 'web' {
  return (globalThis as { studio?: unknown }).studio ? 'desktop' : 'web';
}

function detectHost(): StudioApi {
  const desktop = (globalThis as { studio?: StudioApi }).studio;
  if (desktop) return desktopStudio(desktop);
  return webStudio(location.origin, tokenFromPage());
}

/** The preload's StudioApi, its failures as StudioRequestErrors (IPC's wrapping removed, the setting read back). */
export function desktopStudio(preload: StudioApi): StudioApi {
  const api = { ...preload } as Record<string, unknown>;
  for (const m of STUDIO_METHODS) {
    const call = (preload as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[m];
    api[m] = (...args: unknown[]) => call(...args).catch((e: unknown) => Promise.reject(studioErrorOf(e)));
  }
  return api as unknown as StudioApi;
}

/** The per-launch token the web host printed in its URL (?token=…); kept for the tab's lifetime. */
function tokenFromPage(): string {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) {
    sessionStorage.setItem('studio-token', fromUrl);
    return fromUrl;
  }
  return sessionStorage.getItem('studio-token') ?? '';
}

/**
 * StudioApi over the web host: POST /api/<method> with `{ args }` as JSON (dataset bytes as a raw body), the token
 * in a header; live run events over one WebSocket that reconnects when the host restarts.
 */
export function webStudio(origin: string, token: string): StudioApi {
  async function call(method: StudioMethod, args: unknown[]): Promise<unknown> {
    const isBytes = method === 'addDatasetBytes';
    const url = isBytes ? `${origin}/api/${method}?name=${encodeURIComponent(String(args[0]))}` : `${origin}/api/${method}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': isBytes ? 'application/octet-stream' : 'application/json', 'x-studio-token': token },
        body: isBytes ? (args[1] as Uint8Array<ArrayBuffer>) : JSON.stringify({ args }),
        // the save written as the page closes (App.vue's pagehide) must outlive the page; its body is small (< 64 KiB)
        keepalive: method === 'saveCurrent',
      });
    } catch {
      throw new Error('the studio host is not reachable (is `npm run serve` still running?)');
    }
    const text = await response.text();
    const body = text === '' ? {} : (JSON.parse(text) as { result?: unknown; error?: string; setting?: string });
    if (!response.ok) throw new StudioRequestError(body.error ?? `${method} failed (HTTP ${response.status})`, body.setting);
    return body.result;
  }

  const listeners = new Set<(m: RunEventMessage) => void>();
  const importListeners = new Set<(m: ImportProgressMessage) => void>();
  const subscribed = (): number => listeners.size + importListeners.size;
  let socket: WebSocket | null = null;
  function connect(): void {
    if (socket !== null || subscribed() === 0) return;
    const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/events?token=${encodeURIComponent(token)}`);
    socket = ws;
    ws.onmessage = (e) => {
      // The host batches frames (every 50 ms) into one JSON array.
      for (const frame of JSON.parse(String(e.data)) as StudioEventFrame[]) {
        if (frame.kind === 'run') for (const l of listeners) l({ runId: frame.runId, event: frame.event });
        else for (const l of importListeners) l({ datasetId: frame.datasetId, bytesRead: frame.bytesRead, bytesTotal: frame.bytesTotal, rows: frame.rows });
      }
    };
    ws.onclose = () => {
      socket = null;
      if (subscribed() > 0) setTimeout(connect, 1000);
    };
  }

  const api = {} as Record<string, unknown>;
  for (const m of STUDIO_METHODS) api[m] = (...args: unknown[]) => call(m, args);
  api['chooseDatasetFile'] = () => Promise.resolve(null); // a browser picks files with <input type=file> instead
  const subscribe = <T>(set: Set<T>, listener: T): (() => void) => {
    set.add(listener);
    connect();
    return () => {
      set.delete(listener);
      if (subscribed() === 0) socket?.close();
    };
  };
  api['onDidRunEvent'] = (listener: (m: RunEventMessage) => void) => subscribe(listeners, listener);
  api['onDidImportProgress'] = (listener: (m: ImportProgressMessage) => void) => subscribe(importListeners, listener);
  return api as unknown as StudioApi;
}
