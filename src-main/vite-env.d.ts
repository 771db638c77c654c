// Types for electron-vite's build-time imports in main-side code (src-main/, workers/). These work only in the
// electron-vite build (and in vitest through vitest.config.ts); plain `tsc` merely needs their shapes.

/** `import createWorker from './trainer.worker?nodeWorker'`: the worker becomes its own chunk of the main build. */
declare module '*?nodeWorker' {
  const createWorker: (
    options?: import('node:worker_threads').WorkerOptions,
  ) => import('node:worker_threads').Worker;
  export default createWorker;
}

/** `import wasmPath from './kernels.wasm?asset'`: the file is copied next to the build; this is its absolute path. */
declare module '*?asset' {
  const path: string;
  export default path;
}

/** Same, unpacked from the asar archive in a packaged app (pair with electron-builder `asarUnpack`). */
declare module '*?asset&asarUnpack' {
  const path: string;
  export default path;
}

/** `import text from './train.py?raw'`: the file's text, inlined by Vite (the training bundle's Python sources). */
declare module '*?raw' {
  const text: string;
  export default text;
}
