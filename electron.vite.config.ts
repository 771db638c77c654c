// Build configuration for the three bundles of Sequence Studio (electron-vite 6, Vite 8 / Rolldown).
//
//   main      src-main/index.ts → out/main/index.js   the Electron shell (the only module importing `electron`)
//             src-main/cli.ts   → out/main/cli.js     the plain-Node command line (`seqstudio`)
//             src-main/serve.ts → out/main/serve.js   the web host (`npm run serve`)
//             ESM (package.json "type": "module"), target node20 so every main/worker chunk also runs under plain
//             Node 20, not only inside Electron's Node 24. `import create from './x.worker?nodeWorker'` emits the
//             worker as its own chunk of this build; `import p from './x.wasm?asset'` copies the file into
//             out/main/chunks/ and gives its absolute path at run time. Packages in `dependencies`
//             (onnxruntime-node: it loads its .node by a dynamic path; ws) stay external; the rest is bundled.
//   preload   src-main/preload.ts → out/preload/index.cjs
//             CommonJS, because a sandboxed preload cannot be an ES module; it may import only `electron`.
//   renderer  src-renderer/index.html → out/renderer/   Vue 3 single-file components; a plain web page with no
//             Node access (the same bundle is served to a browser by the web host and by the e2e tests).
//
// Electron itself cannot start on our machines (see notes/toolchain.md), so `electron-vite build` is what CI runs.

import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      target: 'node20',
      outDir: resolve(root, 'out/main'),
      externalizeDeps: { include: ['onnxruntime-node', 'ws'] },
      sourcemap: true,
      rolldownOptions: {
        input: {
          index: resolve(root, 'src-main/index.ts'),
          cli: resolve(root, 'src-main/cli.ts'),
          serve: resolve(root, 'src-main/serve.ts'),
        },
        output: {
          format: 'es',
          entryFileNames: '[name].js',
          chunkFileNames: 'chunks/[name]-[hash].js',
        },
      },
    },
  },

  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      rolldownOptions: {
        input: { index: resolve(root, 'src-main/preload.ts') },
        output: {
          format: 'cjs',
          entryFileNames: '[name].cjs',
        },
      },
    },
  },

  renderer: {
    root: resolve(root, 'src-renderer'),
    plugins: [vue()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: {
        input: { index: resolve(root, 'src-renderer/index.html') },
      },
    },
  },
});
