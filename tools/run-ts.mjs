// Runs a TypeScript tool script under plain Node 20 (which cannot strip types and has no tsx here):
//   node tools/run-ts.mjs tools/compare-pytorch-curve.ts [args…]
// Bundles the entry with Vite's SSR build (as vitest.config.ts bundles worker files: ESM, target node20, package
// dependencies external) into node_modules/.tmp/run-ts/<hash>-<pid>/, imports it with process.argv set to
// [node, entry.ts, args…], and removes the bundle when the process exits.
// The bundle lives elsewhere than the source, so `import.meta.url` in bundled code points into node_modules/.tmp;
// RUN_TS_ENTRY (environment) carries the absolute path of the original entry for scripts that locate the repository.

import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [entryArg, ...rest] = process.argv.slice(2);
if (!entryArg) {
  console.error('usage: node tools/run-ts.mjs <script.ts> [args…]');
  process.exit(2);
}
const entry = resolve(entryArg);
if (!existsSync(entry)) {
  console.error(`run-ts: no such file ${entry}`);
  process.exit(2);
}

const outDir = join(root, 'node_modules/.tmp/run-ts', `${createHash('sha1').update(entry).digest('hex').slice(0, 12)}-${process.pid}`);
process.on('exit', () => rmSync(outDir, { recursive: true, force: true }));

await build({
  configFile: false,
  root,
  logLevel: 'warn',
  publicDir: false,
  build: {
    ssr: entry,
    outDir,
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: 'inline',
    rolldownOptions: { output: { format: 'es', entryFileNames: 'entry.mjs' } },
  },
});

process.env.RUN_TS_ENTRY = entry;
process.argv = [process.argv[0], entry, ...rest];
await import(pathToFileURL(join(outDir, 'entry.mjs')).href);
