// The web host is total (issue 13's probes): the built host (out/main/serve.js) runs in its own process, and raw
// requests that once ended it — a WebSocket upgrade with an unparsable request line, /download of a folder — or gave
// 500 — a malformed percent-escape, a JSON body of null — are answered, with 400 for malformed input; a link in a
// run's export/ folder does not serve the file it points to; and a fuzz of raw request lines and headers over TCP
// leaves the host answering. Real sockets, a real child process.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-probe-'));
const projectDir = join(tmp, 'project');
const token = 'probe-token-0123456789abcdef';
const secret = join(tmp, 'secret.txt');
writeFileSync(secret, 'SECRET-CONTENT of a file outside the project\n');

let host: ChildProcess;
let port = 0;
let exited: number | null | undefined;

beforeAll(async () => {
  // a run folder with an export/ holding a folder and a link out of the project
  const exp = join(projectDir, 'runs', 'r1', 'export');
  mkdirSync(join(exp, 'adir'), { recursive: true });
  writeFileSync(join(exp, 'model.json'), '{"ok":true}\n');
  symlinkSync(secret, join(exp, 'leak.json'));
  host = spawn(process.execPath, [join(root, 'out/main/serve.js'), '--project', projectDir, '--port', '0'], { env: { ...process.env, SEQSTUDIO_WEB_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] });
  host.on('exit', (code) => (exited = code));
  host.stderr!.on('data', (c: Buffer) => process.stderr.write(c));
  port = await new Promise<number>((ok, fail) => {
    let out = '';
    host.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Open http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) ok(Number(m[1]));
    });
    host.on('exit', (code) => fail(new Error(`the host exited (${code}) before it was ready`)));
  });
}, 30_000);
afterAll(() => {
  host.kill('SIGTERM');
});

/** Sends raw bytes and returns what came back (until the server closes, or a short wait). */
function rawExchange(bytes: string, waitMs = 1500): Promise<string> {
  return new Promise((ok) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    const done = (): void => {
      s.destroy();
      ok(got);
    };
    const timer = setTimeout(done, waitMs);
    s.on('data', (c) => {
      got += c.toString('latin1');
      if (/\r\n\r\n/.test(got) && /content-length: 0\r\n|connection: close/i.test(got) && got.length > 0) {
        // a complete short answer; let any body arrive
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      ok(got);
    });
    s.write(bytes, 'latin1');
  });
}

const status = (reply: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);
const hostHeader = (): string => `Host: 127.0.0.1:${port}\r\n`;
const cookie = (): string => `Cookie: studio-token=${token}\r\n`;

async function alive(): Promise<boolean> {
  if (exited !== undefined) return false;
  const r = await fetch(`http://127.0.0.1:${port}/api/version`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-studio-token': token }, body: '{"args":[]}' }).catch(() => undefined);
  return r?.status === 200;
}

describe('the web host, probed', () => {
  it('survives a WebSocket upgrade whose request line is not a URL (no token needed to try)', async () => {
    const reply = await rawExchange(`GET //[ HTTP/1.1\r\n${hostHeader()}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    expect(status(reply)).toBe(400);
    expect(await alive()).toBe(true);
  });

  it('answers /download of a folder with 404 and stays up', async () => {
    const reply = await rawExchange(`GET /download/r1/adir HTTP/1.1\r\n${hostHeader()}${cookie()}Connection: close\r\n\r\n`);
    expect(status(reply)).toBe(404);
    expect(await alive()).toBe(true);
  });

  it('does not serve a file through a link in a run\u2019s export folder', async () => {
    const reply = await rawExchange(`GET /download/r1/leak.json HTTP/1.1\r\n${hostHeader()}${cookie()}Connection: close\r\n\r\n`);
    expect(status(reply)).toBe(404);
    expect(reply).not.toMatch(/SECRET-CONTENT/);
    const real = await rawExchange(`GET /download/r1/model.json HTTP/1.1\r\n${hostHeader()}${cookie()}Connection: close\r\n\r\n`);
    expect(status(real)).toBe(200);
    expect(real).toMatch(/\{"ok":true\}/);
  });

  it('gives 400 for a malformed percent-escape and for a JSON body that is not an object', async () => {
    for (const path of ['/assets/%E0%A4%A', '/download/%ZZ/x', '/download/r1/%']) {
      const reply = await rawExchange(`GET ${path} HTTP/1.1\r\n${hostHeader()}${cookie()}Connection: close\r\n\r\n`);
      expect(status(reply), path).toBe(400);
      expect(reply).toMatch(/malformed percent-escape/);
    }
    for (const body of ['null', '[]', '7', '"x"']) {
      const r = await fetch(`http://127.0.0.1:${port}/api/version`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-studio-token': token }, body });
      expect(r.status, body).toBe(400);
      expect(((await r.json()) as { error: string }).error).toMatch(/must be a JSON object/);
    }
    expect(await alive()).toBe(true);
  });

  it('stays up through a fuzz of raw request lines and headers, never answering 500', async () => {
    let seed = 13;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const pick = <T,>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const junk = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(Math.floor(rand() * 256))).join('');
    const methods = ['GET', 'POST', 'HEAD', 'PUT', 'OPTIONS', 'G\u00c9T', '', 'GET GET'];
    const paths = ['/', '//[', '/%', '/%zz', '/download/%E0/x', '/download/r1/adir', '/download/r1/../../etc/passwd', '/api/', '/api/%', '/api/version', '/events', '/events?token=%', `/events?token=${token}`, '*', 'http://[::1', '/\u0000', '/assets/..%2f..%2fsecret.txt', '/' + 'a'.repeat(10_000)];
    const headers = [
      hostHeader(),
      cookie(),
      'Host: [\r\n',
      'Host:\r\n',
      'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n',
      'Origin: http://[\r\n',
      'Origin: null\r\n',
      'Content-Type: application/json\r\n',
      `x-studio-token: ${token}\r\n`,
      'Content-Length: -1\r\n',
      'Content-Length: 99999999999999999999\r\n',
      'Transfer-Encoding: chunked\r\n',
      'Cookie: studio-token=%\r\n',
      `${junk(8)}: ${junk(8)}\r\n`,
    ];
    const seen = new Map<number, number>();
    for (let k = 0; k < 300; k++) {
      let req = `${pick(methods)} ${pick(paths)} ${rand() < 0.7 ? 'HTTP/1.1' : pick(['HTTP/1.0', 'HTTP/9.9', 'FOO', ''])}\r\n`;
      if (rand() < 0.6) req += hostHeader() + cookie(); // most reach the handlers past the parser and the locks
      for (let h = Math.floor(rand() * 5); h > 0; h--) req += pick(headers);
      if (rand() < 0.2) req += junk(Math.floor(rand() * 40));
      req += '\r\n';
      if (rand() < 0.3) req += pick(['null', '{"args":null}', '{"args":[1,2,3]}', '{', junk(30), '0\r\n\r\n']);
      const reply = await rawExchange(req, 300);
      const code = status(reply);
      seen.set(code, (seen.get(code) ?? 0) + 1);
      expect(code, JSON.stringify(req.slice(0, 200))).not.toBe(500);
      if (k % 50 === 49) expect(await alive(), `after request ${k}`).toBe(true);
    }
    expect(await alive()).toBe(true);
    console.log(`fuzz: 300 raw requests, answers ${[...seen].map(([c, n]) => `${c || 'closed'}×${n}`).join(', ')}; the host is still up`);
  }, 120_000);
});
