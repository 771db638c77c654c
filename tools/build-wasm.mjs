// Builds the trainer's WebAssembly kernels (workers/kernels/assembly → workers/kernels/build/*.wasm).
// Two builds of the same source: `kernels.simd.wasm` (SIMD) and `kernels.relaxed.wasm` (SIMD + relaxed-SIMD FMA).
// The engine picks the relaxed one where WebAssembly.validate accepts it. Generated files: do not edit.
import asc from 'assemblyscript/asc';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'workers/kernels/assembly/index.ts');
const outDir = join(root, 'workers/kernels/build');
mkdirSync(outDir, { recursive: true });

const common = ['--runtime', 'stub', '-O3', '--noAssert', '--initialMemory', '2'];
const builds = [
  { file: 'kernels.simd.wasm', flags: ['--enable', 'simd'] },
  { file: 'kernels.relaxed.wasm', flags: ['--enable', 'simd', '--enable', 'relaxed-simd'] },
];
for (const b of builds) {
  const t0 = performance.now();
  const { error, stderr } = await asc.main([src, '--outFile', join(outDir, b.file), ...common, ...b.flags]);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: ${b.file} failed: ${error.message}`);
    process.exit(1);
  }
  console.log(`build-wasm: ${b.file} (${Math.round(performance.now() - t0)} ms)`);
}
