#!/usr/bin/env node
// Launcher for the web host (`npm run serve -- --port N`): builds the app first when it has not been built, then
// runs out/main/serve.js, which prints the address (with its per-launch token) to open in a browser.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const serve = fileURLToPath(new URL('../out/main/serve.js', import.meta.url));
const page = fileURLToPath(new URL('../out/renderer/index.html', import.meta.url));
if (!existsSync(serve) || !existsSync(page)) {
  process.stderr.write('serve: building the studio first (npm run build)…\n');
  const r = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', cwd: fileURLToPath(new URL('..', import.meta.url)) });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
await import(serve);
