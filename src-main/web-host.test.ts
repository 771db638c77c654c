// The web host's locks, proven: every request and socket needs the per-launch token, other origins and other Host
// names are refused, arguments are validated, files outside the page's folder cannot be read; and with the token,
// the StudioApi answers and live events arrive over the WebSocket.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DEFAULT_TRAIN_SETTINGS } from '../src-shared/model';
import type { StudioEventFrame } from '../src-shared/studio-api';
import { StudioService } from './services/studio';
import { startWebHost, type WebHost } from './web-host';

const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-web-'));
const rendererDir = join(tmp, 'renderer');
mkdirSync(rendererDir);
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Sequence Studio</title>');
writeFileSync(join(tmp, 'secret.txt'), 'not for the page');

let host: WebHost;
let base: string;
beforeAll(async () => {
  const service = new StudioService({ projectDir: join(tmp, 'project'), version: '9.9.9' });
  host = await startWebHost({ service, rendererDir, port: 0 });
  base = `http://127.0.0.1:${host.port}`;
});
afterAll(() => host.close());

/** A raw request, so tests can set Host and Origin as a hostile page or a rebinding attack would. */
function raw(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((ok, fail) => {
    const req = httpRequest(`${base}${path}`, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', fail);
    req.end(opts.body);
  });
}
const api = (method: string, args: unknown[], headers: Record<string, string> = {}) =>
  raw(`/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-studio-token': host.token, ...headers }, body: JSON.stringify({ args }) });

describe('web host', () => {
  it('prints an address on 127.0.0.1 carrying the token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
  });

  it('refuses the page and the API without the token', async () => {
    expect((await raw('/')).status).toBe(401);
    expect((await raw('/?token=wrong')).status).toBe(401);
    expect((await api('version', [], { 'x-studio-token': 'wrong' })).status).toBe(401);
    const noToken = await raw('/api/version', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"args":[]}' });
    expect(noToken.status).toBe(401);
  });

  it('serves the page with the token and sets a strict cookie for its assets', async () => {
    const r = await raw(`/?token=${host.token}`);
    expect(r.status).toBe(200);
    expect(String(r.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect(String(r.headers['content-security-policy'])).toMatch(/default-src 'self'/);
    expect((await raw('/index.html', { headers: { cookie: `studio-token=${host.token}` } })).status).toBe(200);
  });

  it('refuses other origins and other Host names, even with the token', async () => {
    expect((await api('version', [], { origin: 'http://evil.example' })).status).toBe(403);
    expect((await api('version', [], { origin: 'http://127.0.0.1:1' })).status).toBe(403);
    expect((await api('version', [], { host: 'evil.example' })).status).toBe(403);
    expect((await api('version', [], { origin: base })).status).toBe(200);
  });

  it('answers the StudioApi and validates its arguments', async () => {
    expect(JSON.parse((await api('version', [])).body)).toEqual({ result: '9.9.9' });
    const bad = await api('inspectDataset', ['../../etc', 'auto']);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/argument 1: has characters that are not allowed/);
    expect((await api('doSomethingElse', [])).status).toBe(400);
    expect((await api('startRun', [{ datasetId: 'x', extra: 1 }])).status).toBe(400);
    const missing = await api('runHistory', ['no-such-run']);
    expect(missing.status).toBe(422);
    expect(JSON.parse(missing.body).error).toMatch(/no run "no-such-run"/);
    expect((await raw('/api/version', { headers: { 'x-studio-token': host.token } })).status).toBe(405);
  });

  it('never serves files outside the page folder', async () => {
    const cookie = { cookie: `studio-token=${host.token}` };
    expect((await raw('/../secret.txt', { headers: cookie })).status).toBe(404);
    expect((await raw('/%2e%2e/secret.txt', { headers: cookie })).status).toBe(404);
    expect((await raw('/..%2fsecret.txt', { headers: cookie })).status).toBe(404);
  });

  it('refuses a socket without the token or from another origin, and streams run events with it', async () => {
    const refused = (url: string, origin?: string) =>
      new Promise<boolean>((ok) => {
        const ws = new WebSocket(url, origin ? { origin } : {});
        ws.on('open', () => ok(false));
        ws.on('error', () => ok(true));
      });
    expect(await refused(`ws://127.0.0.1:${host.port}/events`)).toBe(true);
    expect(await refused(`ws://127.0.0.1:${host.port}/events?token=wrong`)).toBe(true);
    expect(await refused(`ws://127.0.0.1:${host.port}/events?token=${host.token}`, 'http://evil.example')).toBe(true);

    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/events?token=${host.token}`);
    const frames: StudioEventFrame[] = [];
    ws.on('message', (data) => frames.push(...(JSON.parse(String(data)) as StudioEventFrame[])));
    await new Promise((ok) => ws.on('open', ok));

    const bytes = new TextEncoder().encode('abcabcabd '.repeat(300));
    const up = await raw(`/api/addDatasetBytes?name=abc.txt`, { method: 'POST', headers: { 'x-studio-token': host.token, 'content-type': 'application/octet-stream' }, body: Buffer.from(bytes).toString('latin1') });
    expect(up.status).toBe(200);
    const dataset = JSON.parse(up.body).result;
    expect(dataset).toMatchObject({ name: 'abc.txt', bytes: bytes.length });
    const settings = { ...DEFAULT_TRAIN_SETTINGS, batchSize: 4, sequenceLength: 8, steps: 15, evaluateEvery: 5, diagnosticsEvery: 5 };
    const started = await api('startRun', [{ datasetId: dataset.id, data: { format: 'auto', valFraction: 0.1 }, model: { cell: 'rnn', layers: 1, hiddenSize: 8, embedSize: 4, bidirectional: false, dropout: 0, forgetBias: 0 }, settings }]);
    expect(started.status).toBe(200);
    const runId = JSON.parse(started.body).result.id;
    await new Promise<void>((ok) => {
      const t = setInterval(() => {
        if (frames.some((f) => f.kind === 'run' && f.event.type === 'status' && ['finished', 'error'].includes(f.event.run.status))) {
          clearInterval(t);
          ok();
        }
      }, 20);
    });
    const mine = frames.filter((f) => f.kind === 'run' && f.runId === runId);
    expect(mine.filter((f) => f.kind === 'run' && f.event.type === 'step')).toHaveLength(15);
    expect(mine.some((f) => f.kind === 'run' && f.event.type === 'status' && f.event.run.status === 'finished')).toBe(true);
    ws.close();

    // exported files download with the token's cookie, and nothing else of the run folder does
    mkdirSync(join(tmp, 'project', 'runs', runId, 'export'), { recursive: true });
    writeFileSync(join(tmp, 'project', 'runs', runId, 'export', 'model.onnx'), 'onnx bytes');
    const cookie = { cookie: `studio-token=${host.token}` };
    expect((await raw(`/download/${runId}/model.onnx`)).status).toBe(401);
    const got = await raw(`/download/${runId}/model.onnx`, { headers: cookie });
    expect(got.status).toBe(200);
    expect(got.body).toBe('onnx bytes');
    expect((await raw(`/download/${runId}/..%2Frequest.json`, { headers: cookie })).status).toBe(404);
    expect((await raw(`/download/..%2F..%2Fproject/project.json`, { headers: cookie })).status).toBe(404);
  }, 30_000);
});
