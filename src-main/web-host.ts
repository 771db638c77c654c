// The web host: serves the built renderer and the StudioApi over HTTP + WebSocket on 127.0.0.1, for a browser, a
// headless box and the end-to-end tests. Same services, same workers as the desktop app (StudioService).
//
//   GET  /?token=T            the studio page; a valid token sets an HttpOnly, SameSite=Strict cookie for assets
//   GET  /assets/…            the built renderer (cookie or token required)
//   POST /api/<method>        {"args": [...]} → {"result": …} | {"error": "…"}; header x-studio-token: T
//   POST /api/addDatasetBytes?name=N   raw file bytes as the body (up to 1 GiB)
//   GET  /events?token=T      WebSocket: batches of StudioEventFrame (run events, import progress)
//
// Every request needs the per-launch token; a request whose Origin is not this host is refused (no cross-site
// requests from other pages in the person's browser). Arguments are validated (services/validate.ts) first.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync, type ReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { StudioEventFrame } from '../src-shared/studio-api';
import type { StudioService } from './services/studio';
import { InvalidArgument, pageError, validateArgs } from './services/validate';

export interface WebHostOptions {
  service: StudioService;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  port?: number;
  /** 127.0.0.1 unless told otherwise (binding elsewhere exposes the studio to the network). */
  host?: string;
  token?: string;
}

export interface WebHost {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};
const MAX_JSON_BODY = 4 * 2 ** 20;
const MAX_FILE_BODY = 2 ** 30;
const COOKIE = 'studio-token';

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const host = opts.host ?? '127.0.0.1';
  const rendererDir = resolve(opts.rendererDir);
  if (!existsSync(join(rendererDir, 'index.html'))) throw new Error(`the studio page is not built (${join(rendererDir, 'index.html')} is missing): run npm run build`);
  const service = opts.service;
  let origin = '';
  let allowedHosts = new Set<string>();

  const tokenOk = (given: string | undefined | null): boolean => {
    if (!given) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };
  const cookieToken = (req: IncomingMessage): string | undefined =>
    req.headers.cookie
      ?.split(';')
      .map((c) => c.trim())
      .find((c) => c.startsWith(`${COOKIE}=`))
      ?.slice(COOKIE.length + 1);
  /** A browser sends Origin on cross-site and on POST/WebSocket requests: it must be this host. */
  const originOk = (req: IncomingMessage): boolean => {
    const o = req.headers.origin;
    return o === undefined || (URL.canParse(o) && new URL(o).protocol === 'http:' && allowedHosts.has(new URL(o).host));
  };

  // Every handler is total: no throw escapes it and every stream has an error handler, so no request, however
  // malformed, can end the process (and with it every run it trains).
  const server: Server = createServer((req, res) => {
    req.on('error', () => res.destroy());
    res.on('error', () => req.destroy());
    let done: Promise<void>;
    try {
      done = handle(req, res);
    } catch (e) {
      done = Promise.reject(e);
    }
    done.catch((e: unknown) => {
      const status = e instanceof BadRequest ? 400 : e instanceof InvalidArgument ? 413 : 500;
      try {
        send(res, status, { error: status === 500 ? 'the studio could not answer this request' : (e as Error).message });
      } catch {
        res.destroy();
      }
      if (status === 500) console.error(`web host: ${req.method} ${String(req.url).slice(0, 200)}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    });
  });
  // a request Node's parser cannot read (bad request line, header or encoding): 400, never an exception
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseUrl(req.url, origin);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    if (!originOk(req)) return send(res, 403, { error: 'cross-origin requests are refused' });
    if (!allowedHosts.has(req.headers.host ?? '')) return send(res, 403, { error: 'unexpected Host header' }); // DNS rebinding
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
      if (!tokenOk(req.headers['x-studio-token'] as string | undefined)) return send(res, 401, { error: 'missing or wrong studio token' });
      return api(url, req, res);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' });
    const queryToken = url.searchParams.get('token');
    if (tokenOk(queryToken)) res.setHeader('set-cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    else if (!tokenOk(cookieToken(req))) return send(res, 401, { error: 'open the address the studio printed (it carries the token)' });
    const download = /^\/download\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (download) {
      // a regular file inside the project's run folder (a folder, a FIFO or a link out of the project is 404)
      const file = service.exportedFile(decode(download[1]), decode(download[2]));
      if (!file) return send(res, 404, { error: 'no such exported file' });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.size, 'content-disposition': `attachment; filename="${file.name}"` });
      pipeFile(createReadStream('', { fd: file.fd, autoClose: true }), res);
      return;
    }
    return serveFile(url.pathname, res);
  }

  async function api(url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = url.pathname.slice('/api/'.length);
    let args: unknown[];
    if (method === 'addDatasetBytes') {
      const bytes = await readBody(req, MAX_FILE_BODY);
      args = [url.searchParams.get('name') ?? '', new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)];
    } else {
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return send(res, 415, { error: 'send JSON' });
      const body = await readBody(req, MAX_JSON_BODY);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return send(res, 400, { error: 'the request body is not JSON' });
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return send(res, 400, { error: 'the request body must be a JSON object: {"args": [...]}' });
      args = (parsed as { args?: unknown }).args as unknown[];
    }
    try {
      validateArgs(method, args);
    } catch (e) {
      return send(res, 400, pageError(e));
    }
    try {
      const fn = (service as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method];
      let result = await fn.apply(service, args);
      if (method === 'exportRun' && result) {
        // the browser cannot open the files where they were written: give it a download address for each
        const r = result as { files: string[] };
        result = { ...r, downloads: r.files.map((f) => `/download/${encodeURIComponent(String(args[0]))}/${encodeURIComponent(basename(f))}`) };
      }
      send(res, 200, { result: result ?? null });
    } catch (e) {
      // The services' errors are meant for the person (a bad file, a missing run): shown in the studio's words, with
      // the setting they are about, if any, for the page to focus.
      send(res, e instanceof InvalidArgument ? 400 : 422, pageError(e));
    }
  }

  function serveFile(pathname: string, res: ServerResponse): void {
    const rel = pathname === '/' ? 'index.html' : decode(pathname).replace(/^\/+/, '');
    const file = resolve(rendererDir, rel);
    if (!file.startsWith(rendererDir + sep) || !existsSync(file) || !statSync(file).isFile()) return send(res, 404, { error: 'not found' });
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      // The page's own CSP is in index.html; the header repeats it for the web host.
      'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; frame-ancestors 'none'",
    });
    pipeFile(createReadStream(file), res);
  }

  // Live events: batched every 50 ms so a fast run's hundreds of steps per second cost one frame each tick.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  let queue: StudioEventFrame[] = [];
  let timer: NodeJS.Timeout | undefined;
  const push = (f: StudioEventFrame): void => {
    if (sockets.size === 0) return;
    queue.push(f);
    timer ??= setTimeout(() => {
      timer = undefined;
      const text = JSON.stringify(queue);
      queue = [];
      for (const s of sockets) s.send(text);
    }, 50);
  };
  const offRun = service.onDidRunEvent((m) => push({ kind: 'run', ...m }));
  const offImport = service.onDidImportProgress((m) => push({ kind: 'import', ...m }));

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    try {
      const url = URL.canParse(req.url ?? '/', origin) ? new URL(req.url ?? '/', origin) : undefined;
      if (!url) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        return;
      }
      if (url.pathname !== '/events' || !originOk(req) || !allowedHosts.has(req.headers.host ?? '') || !tokenOk(url.searchParams.get('token'))) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        sockets.add(ws);
        ws.on('error', () => ws.terminate());
        ws.on('close', () => sockets.delete(ws));
        ws.on('message', () => ws.close(1003, 'this socket only sends')); // nothing is accepted from the page here
      });
    } catch {
      socket.destroy();
    }
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 5199, host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  allowedHosts = new Set([new URL(origin).host, ...(host === '127.0.0.1' ? [`localhost:${port}`] : [])]);
  return {
    url: `${origin}/?token=${token}`,
    port,
    token,
    async close() {
      offRun();
      offImport();
      if (timer) clearTimeout(timer);
      for (const s of sockets) s.terminate();
      wss.close();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

/** A request's malformed part (a URL or a percent-escape that cannot be read): answered 400. */
class BadRequest extends Error {}

function parseUrl(raw: string | undefined, origin: string): URL {
  if (!URL.canParse(raw ?? '/', origin)) throw new BadRequest('the request address cannot be read');
  return new URL(raw ?? '/', origin);
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new BadRequest('the request address has a malformed percent-escape');
  }
}

/** Streams a file to a response; a read error (the file vanished, EIO…) ends the response instead of the process. */
function pipeFile(stream: ReadStream, res: ServerResponse): void {
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      fail(new InvalidArgument(`the request is ${declared} bytes; the limit is ${limit}`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        fail(new InvalidArgument(`the request is larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => ok(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}
