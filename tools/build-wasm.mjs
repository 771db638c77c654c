// Builds the trainer's WebAssembly kernels (workers/kernels/assembly → workers/kernels/build/*.wasm).
// Builds of the same source: `kernels.simd.wasm` (SIMD), `kernels.relaxed.wasm` (SIMD + relaxed-SIMD FMA), and two of
// the relaxed build whose GEMM panel path multiplies in bfloat16 (float32 sums): `kernels.bf16.wasm` with
// f32x4.relaxed_dot_bf16x8_add_f32, which no runtime we ship accepts yet (V8 rejects the opcode), and
// `kernels.bf16-emulated.wasm`, the same numbers in software, for measuring bf16's effect on training.
// The engine picks the relaxed one where WebAssembly.validate accepts it. Generated files: do not edit.
// The bf16 build: AssemblyScript (binaryen) has no f32x4.relaxed_dot_bf16x8_add_f32, so gemm.ts's dotBf16 emits a
// placeholder of the same shape, compiled twice (BF16_OP = 0: f32x4.relaxed_nmadd, 0xfd 0x86 0x02; BF16_OP = 1:
// f64x2.relaxed_nmadd, 0xfd 0x88 0x02). The two modules must be the same length and differ only in those opcode
// bytes (so no other byte can be mistaken for a site); each site is rewritten to the bf16 dot (0xfd 0x94 0x02: opcode 0x114).
// The typings asc writes beside the SIMD build become workers/engine/kernel-exports.ts (the KernelExports interface
// and the list of export names), so the TypeScript side can only call what the module exports, as it exports it.
import asc from 'assemblyscript/asc';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'workers/kernels/assembly/index.ts');
const outDir = join(root, 'workers/kernels/build');
const exportsFile = join(root, 'workers/engine/kernel-exports.ts');
mkdirSync(outDir, { recursive: true });

const common = ['--runtime', 'stub', '-O3', '--noAssert', '--initialMemory', '2'];
const f32 = ['--use', 'BF16=0', '--use', 'BF16_OP=0'];
const bf16 = (op) => ['--enable', 'simd', '--enable', 'relaxed-simd', '--use', 'BF16=1', '--use', `BF16_OP=${op}`];
const builds = [
  // raw bindings: asc writes kernels.simd.d.ts beside the module (the module itself is the same without them)
  { file: 'kernels.simd.wasm', flags: ['--enable', 'simd', '--bindings', 'raw', ...f32] },
  { file: 'kernels.relaxed.wasm', flags: ['--enable', 'simd', '--enable', 'relaxed-simd', ...f32] },
  { file: 'kernels.bf16.wasm', flags: bf16(0) },
  { file: 'kernels.bf16-check.wasm', flags: bf16(1) },
  // the same kernel with the bf16 dot done in software (two FMAs): what the tests and tools/bf16-curve.ts run where the
  // runtime rejects the instruction (V8 does: Node 20 and Chromium 150); the same numbers, not the speed
  { file: 'kernels.bf16-emulated.wasm', flags: bf16(2) },
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

/** Rewrites the bf16 build's placeholders (see the top of this file); returns the number of sites. */
function rewriteBf16(file, checkFile) {
  const a = readFileSync(file);
  const b = readFileSync(checkFile);
  if (a.length !== b.length) throw new Error('build-wasm: the two bf16 placeholder builds differ in length');
  let sites = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (!(a[i] === 0x86 && b[i] === 0x88 && a[i - 1] === 0xfd && a[i + 1] === 0x02)) throw new Error(`build-wasm: the bf16 placeholder builds differ at byte ${i} outside a placeholder`);
    a[i] = 0x94; // f32x4.relaxed_dot_bf16x8_add_f32 = 0xfd 0x114 (LEB128 0x94 0x02)
    sites++;
  }
  if (sites === 0) throw new Error('build-wasm: no bf16 placeholder found in kernels.bf16.wasm');
  writeFileSync(file, a);
  rmSync(checkFile);
  return sites;
}
console.log(`build-wasm: kernels.bf16.wasm: ${rewriteBf16(join(outDir, 'kernels.bf16.wasm'), join(outDir, 'kernels.bf16-check.wasm'))} placeholder sites rewritten to f32x4.relaxed_dot_bf16x8_add_f32`);

/** kernel-exports.ts from asc's typings: one method per exported function, its AssemblyScript types as a comment. */
function kernelExports(dts) {
  const fn = /\/\*\*\n\s*\* ([^\n]+)\n((?:\s*\* @[^\n]*\n)*)\s*\*\/\n\s*export function (\w+)\(([^)]*)\): (\w+);/g;
  const lines = [];
  const names = ['memory'];
  for (const m of dts.matchAll(fn)) {
    const [, where, tags, name, params, result] = m;
    const types = [...tags.matchAll(/@(param|returns) ?(\w*) `([^`]+)`/g)].map(([, kind, p, t]) => (kind === 'returns' ? `→ ${t}` : `${p} ${t}`));
    lines.push(`  /** ${where.replace(/^workers\/kernels\/assembly\//, '')}: ${types.join(', ') || 'no arguments'} */`, `  ${name}(${params}): ${result};`);
    names.push(name);
  }
  if (names.length < 2) throw new Error('build-wasm: no exported functions found in the typings asc wrote');
  return [
    '// Generated by tools/build-wasm.mjs from the exports of the AssemblyScript kernels (workers/kernels/assembly/index.ts,',
    '// typings by asc --bindings raw); do not edit: `npm run build:wasm` rewrites it. Pointers (usize) are byte offsets',
    '// into the module\'s memory; sizes are in floats. workers/engine/kernels.ts types the loaded module with it.',
    '',
    'export interface KernelExports {',
    '  /** The module\'s linear memory (workers/engine/memory-map.ts lays it out). */',
    '  memory: WebAssembly.Memory;',
    ...lines,
    '}',
    '',
    '/** Every export of the module, by name (kernels.test.ts checks the built module against it). */',
    `export const KERNEL_EXPORT_NAMES = [${names.map((n) => `'${n}'`).join(', ')}] as const;`,
    '',
  ].join('\n');
}

const generated = kernelExports(readFileSync(join(outDir, 'kernels.simd.d.ts'), 'utf8'));
let before = '';
try {
  before = readFileSync(exportsFile, 'utf8');
} catch {
  // first build
}
if (generated !== before) {
  writeFileSync(exportsFile, generated);
  console.log('build-wasm: workers/engine/kernel-exports.ts rewritten from the kernels\' exports');
}
