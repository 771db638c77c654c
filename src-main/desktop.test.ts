// The desktop shell's security, checked under plain Node (Electron cannot start here): the window's real
// webPreferences (read from the shell's source, so a change there cannot slip past), the page's
// Content-Security-Policy, and the IPC router (untrusted senders refused, every argument validated).

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STUDIO_METHODS } from '../src-shared/studio-api';
import { channelOf, ipcHandlers, readRecent, rememberRecent, SECURE_WEB_PREFERENCES } from './desktop';
import { StudioService } from './services/studio';

const root = join(import.meta.dirname, '..');

describe('desktop shell', () => {
  it('opens its window sandboxed, isolated and without Node', () => {
    expect(SECURE_WEB_PREFERENCES).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false, allowRunningInsecureContent: false });
    const shell = readFileSync(join(root, 'src-main/index.ts'), 'utf8');
    expect(shell).toMatch(/webPreferences: \{ preload: preloadFile, \.\.\.SECURE_WEB_PREFERENCES \}/);
    expect(shell.match(/new BrowserWindow\(/g)).toHaveLength(1);
    expect(shell).toMatch(/setWindowOpenHandler\([^]*action: 'deny'/);
    expect(shell).toMatch(/will-navigate[^]*preventDefault/);
    expect(shell).toMatch(/setPermissionRequestHandler\([^]*decide\(false\)/);
  });

  it('ships a strict Content-Security-Policy with the page', () => {
    const html = readFileSync(join(root, 'src-renderer/index.html'), 'utf8');
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    const rules = new Map(csp.split(';').map((r) => r.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(rules.get('default-src')).toEqual(["'self'"]);
    expect(rules.get('script-src')).toEqual(["'self'"]); // no inline scripts, no eval, nothing remote
    expect(csp).not.toMatch(/unsafe-eval|https?:\/\/(?!127\.0\.0\.1)|\*(?!\s*;|$)/);
  });

  it('packages with the security fuses set (checklist item 19)', () => {
    const yml = readFileSync(join(root, 'electron-builder.yml'), 'utf8');
    for (const fuse of ['runAsNode: false', 'enableNodeOptionsEnvironmentVariable: false', 'enableNodeCliInspectArguments: false', 'enableEmbeddedAsarIntegrityValidation: true', 'onlyLoadAppFromAsar: true']) expect(yml).toContain(fuse);
  });

  it('exposes exactly the StudioApi in the preload, never ipcRenderer itself', () => {
    const preload = readFileSync(join(root, 'src-main/preload.ts'), 'utf8');
    expect(preload).toMatch(/exposeInMainWorld\('studio', studio\)/);
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer/);
    expect(preload).toMatch(/for \(const method of STUDIO_METHODS\)/);
  });

  it('answers only its own page, and validates every argument', async () => {
    const service = new StudioService({ projectDir: join(mkdtempSync(join(tmpdir(), 'seqstudio-desk-')), 'p'), version: '2.0.0' });
    const handlers = ipcHandlers(() => service, (url) => url === 'file:///app/index.html');
    expect([...handlers.keys()]).toEqual(STUDIO_METHODS.map(channelOf));
    const version = handlers.get('studio:version')!;
    expect(await version('file:///app/index.html', [])).toBe('2.0.0');
    await expect(version('https://evil.example/', [])).rejects.toThrow(/did not come from the studio's own page/);
    await expect(version(undefined, [])).rejects.toThrow(/did not come/);
    await expect(handlers.get('studio:addSample')!('file:///app/index.html', ['../../etc/passwd'])).rejects.toThrow(/not allowed/);
    await expect(handlers.get('studio:pauseRun')!('file:///app/index.html', [{ id: 1 }])).rejects.toThrow(/expected a string/);
  });

  it('remembers recent projects that still exist, most recent first', () => {
    const userData = mkdtempSync(join(tmpdir(), 'seqstudio-user-'));
    const a = join(userData, 'a');
    const b = join(userData, 'b');
    new StudioService({ projectDir: a, version: '1' });
    new StudioService({ projectDir: b, version: '1' });
    rememberRecent(userData, a);
    rememberRecent(userData, b);
    expect(rememberRecent(userData, a)).toEqual([a, b]);
    expect(readRecent(userData)).toEqual([a, b]);
  });
});
