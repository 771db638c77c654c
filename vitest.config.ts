// Unit tests, beside the code they test (`*.test.ts`), in two projects:
//   node      src-main/, src-shared/, workers/ — plain Node 20, as the CLI and the worker threads run
//   renderer  src-renderer/ — happy-dom, with the Vue plugin for single-file components
// End-to-end tests (e2e/) belong to Playwright, not here.
//
// electron-vite's `?nodeWorker` and `?asset` imports exist only in `electron-vite build`; the plugin below gives
// them the same meaning under vitest, so services that start workers are tested with real worker threads.

import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { build, type Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;
const ASSET_QUERY = /\?asset(?:&asarUnpack)?$/;
const WORKER_QUERY = /\?nodeWorker$/;

/** `x.wasm?asset` → the file's absolute path (the build gives the copied file's path; same contract). */
function assetPaths(): Plugin {
  return {
    name: 'seqstudio:asset-paths',
    enforce: 'pre',
    async resolveId(source, importer) {
      if (!ASSET_QUERY.test(source)) return null;
      const file = await this.resolve(source.replace(ASSET_QUERY, ''), importer, { skipSelf: true });
      return file ? `${file.id}?asset` : null;
    },
    load(id) {
      return ASSET_QUERY.test(id) ? `export default ${JSON.stringify(id.replace(ASSET_QUERY, ''))};` : null;
    },
  };
}

/**
 * `x.worker?nodeWorker` → a factory starting a worker thread on `x.worker` bundled for Node 20 (ESM, dependencies
 * external, `?asset` resolved), written under node_modules/.tmp/vitest-workers/. One bundle per worker per run.
 */
function nodeWorkers(): Plugin {
  const bundles = new Map<string, Promise<string>>();

  async function bundle(entry: string): Promise<string> {
    const outDir = resolve(root, 'node_modules/.tmp/vitest-workers', createHash('sha1').update(entry).digest('hex'));
    await build({
      configFile: false,
      root,
      logLevel: 'warn',
      plugins: [assetPaths()],
      build: {
        ssr: entry,
        outDir,
        emptyOutDir: true,
        target: 'node20',
        minify: false,
        sourcemap: 'inline',
        rolldownOptions: { output: { format: 'es', entryFileNames: 'worker.mjs' } },
      },
    });
    return resolve(outDir, 'worker.mjs');
  }

  return {
    name: 'seqstudio:node-workers',
    enforce: 'pre',
    async resolveId(source, importer) {
      if (!WORKER_QUERY.test(source)) return null;
      const file = await this.resolve(source.replace(WORKER_QUERY, ''), importer, { skipSelf: true });
      return file ? `${file.id}?nodeWorker` : null;
    },
    async load(id) {
      if (!WORKER_QUERY.test(id)) return null;
      const entry = id.replace(WORKER_QUERY, '');
      let built = bundles.get(entry);
      if (built === undefined) {
        built = bundle(entry);
        bundles.set(entry, built);
      }
      const workerUrl = pathToFileURL(await built).href;
      return [
        `import { Worker } from 'node:worker_threads';`,
        `export default (options) => new Worker(new URL(${JSON.stringify(workerUrl)}), options);`,
      ].join('\n');
    },
  };
}

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    exclude: ['**/node_modules/**', '**/out/**', 'e2e/**'],
    projects: [
      {
        extends: true,
        plugins: [nodeWorkers(), assetPaths()],
        test: {
          name: 'node',
          environment: 'node',
          include: ['src-main/**/*.test.ts', 'src-shared/**/*.test.ts', 'workers/**/*.test.ts'],
        },
      },
      {
        extends: true,
        plugins: [vue()],
        test: {
          name: 'renderer',
          environment: 'happy-dom',
          include: ['src-renderer/**/*.test.ts'],
          setupFiles: ['src-renderer/src/testing/setup.ts'],
        },
      },
    ],
  },
});
