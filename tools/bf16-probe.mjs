// Does relaxed SIMD's f32x4.relaxed_dot_bf16x8_add_f32 (bfloat16 products, float32 sums) run natively in this
// runtime? Times it beside f32x4.relaxed_madd (the FMA our kernels use) and a plain f32x4.mul + f32x4.add, in a
// loop of 8 independent accumulators (enough to hide the latency), and prints each one's GFLOP/s:
//   relaxed_madd    4 lanes × (1 mul + 1 add)  = 8 flops per instruction
//   bf16 dot-add    8 bf16 products summed in pairs into 4 float32 lanes = 16 flops per instruction
// If the bf16 dot were native (AVX-512 BF16's VDPBF16PS on Zen 4) it would do about twice the FMA's flops; an
// emulation (unpacking bf16 to f32, then FMAs) does fewer. A runtime that does not accept the instruction at all
// (WebAssembly.validate: invalid) is reported as such: V8 is one (Node 20's 11.3 and Chromium 150's alike reject
// opcode 0x114). The int8 dot-add (0x113) is timed beside it: an earlier version of this probe timed 0x113 in the
// belief that it was the bf16 dot. Each instruction gets a module of its own. The modules are written byte by byte, since
// AssemblyScript has no bf16 builtin. Run: node tools/bf16-probe.mjs [iterations] [--chromium] (Node 20 needs relaxed
// SIMD turned on: this script sets the flag itself before compiling; Chromium/Electron 45 have it by default).

import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--experimental-wasm-relaxed-simd');

const ACC = 8; // accumulators: locals 1..8; a = 9, b = 10
const uleb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const simd = (op) => [0xfd, ...uleb(op)];
const OPS = {
  relaxed_madd: { op: simd(0x105), flops: 8 }, // f32x4.relaxed_madd(a, b, c) = a·b + c
  bf16_dot_add: { op: simd(0x114), flops: 16 }, // f32x4.relaxed_dot_bf16x8_add_f32(a, b, c): opcode 0x114
  // i32x4.relaxed_dot_i8x16_i7x16_add_s (0x113): 16 int8 products summed in fours into 4 int32 lanes (32 integer
  // ops). An earlier version of this probe timed this opcode as if it were the bf16 dot (0x113 for 0x114).
  i8_dot_add: { op: simd(0x113), flops: 32 },
  mul_add: { op: [...simd(0xe6), 0x20, 0, ...simd(0xe4)], flops: 8, plain: true }, // (a·b) + c, two instructions
};

function v128const(bytes) {
  return [...simd(0x0c), ...bytes];
}

function body(kind) {
  const { op, plain } = OPS[kind];
  const code = [];
  // a: bf16 1.0 in every half (0x3F80), which read as f32 is 1.0039...; b: bf16 2^-20 (0x3580) likewise tiny
  code.push(...v128const(Array(8).fill([0x80, 0x3f]).flat()), 0x21, 9);
  code.push(...v128const(Array(8).fill([0x80, 0x35]).flat()), 0x21, 10);
  code.push(0x02, 0x40, 0x03, 0x40); // block, loop
  code.push(0x20, 0, 0x45, 0x0d, 1); // if n == 0: break
  for (let k = 1; k <= ACC; k++) {
    if (plain) code.push(0x20, 9, 0x20, 10, 0xfd, ...uleb(0xe6), 0x20, k, ...simd(0xe4), 0x21, k);
    else code.push(0x20, 9, 0x20, 10, 0x20, k, ...op, 0x21, k);
  }
  code.push(0x20, 0, 0x41, 1, 0x6b, 0x21, 0); // n -= 1
  code.push(0x0c, 0, 0x0b, 0x0b); // br loop; end; end
  code.push(0x20, 1);
  for (let k = 2; k <= ACC; k++) code.push(0x20, k, ...simd(0xe4));
  code.push(...simd(0x1f), 0, 0x0b); // f32x4.extract_lane 0; end
  const locals = [1, 10, 0x7b]; // one group: 10 v128
  const fn = [...locals, ...code];
  return [...uleb(fn.length), ...fn];
}

function module(kinds) {
  const section = (id, payload) => [id, ...uleb(payload.length), ...payload];
  const name = (s) => [...uleb(s.length), ...Buffer.from(s)];
  const type = section(1, [1, 0x60, 1, 0x7f, 1, 0x7d]); // (i32) -> f32
  const funcs = section(3, [kinds.length, ...kinds.map(() => 0)]);
  const exports = section(7, [kinds.length, ...kinds.flatMap((k, i) => [...name(k), 0, i])]);
  const code = section(10, [kinds.length, ...kinds.flatMap(body)]);
  return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...funcs, ...exports, ...code]);
}

const iterations = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 50_000_000);
const kinds = Object.keys(OPS);
const modules = Object.fromEntries(kinds.map((k) => [k, [...module([k])]]));
const flops = Object.fromEntries(kinds.map((k) => [k, OPS[k].flops]));

/** Times each export (median of 5 after a warm-up); runs as is in Node and, serialised, in a browser page. */
async function timeAll({ modules, kinds, flops, iterations, acc }) {
  const out = {};
  for (const k of kinds) {
    const b = new Uint8Array(modules[k]);
    if (!WebAssembly.validate(b)) {
      out[k] = null; // this runtime does not accept the instruction (or relaxed SIMD at all)
      continue;
    }
    const { instance } = await WebAssembly.instantiate(b);
    for (let w = 0; w < 3; w++) instance.exports[k](200_000); // warm up (tier up to the optimising compiler)
    const times = [];
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      instance.exports[k](iterations);
      times.push((performance.now() - t0) / 1000);
    }
    times.sort((x, y) => x - y);
    out[k] = { seconds: times[2], gflops: (iterations * acc * flops[k]) / times[2] / 1e9, instructionsPerNs: (iterations * acc) / times[2] / 1e9 };
  }
  return out;
}

function report(where, results) {
  console.log(`${where}: ${iterations} iterations × ${ACC} accumulators, median of 5`);
  for (const [k, r] of Object.entries(results))
    if (!r) console.log(`  ${k.padEnd(13)} not accepted by this runtime (WebAssembly.validate: invalid)`);
    else console.log(`  ${k.padEnd(13)} ${r.gflops.toFixed(1).padStart(6)} G${k === 'i8_dot_add' ? 'int op' : 'FLOP'}/s  (${r.instructionsPerNs.toFixed(2)} instructions/ns, ${r.seconds.toFixed(3)} s)`);
  if (!results.bf16_dot_add || !results.relaxed_madd) return console.log('  bf16 dot-add: not available here: no mixed precision in this runtime');
  const ratio = results.bf16_dot_add.gflops / results.relaxed_madd.gflops;
  console.log(`  bf16 dot-add ÷ FMA: ${ratio.toFixed(2)}× the flops — ${ratio > 1.5 ? 'native bf16 products: worth a mixed-precision option' : 'not native (emulated): no faster than float32 FMAs'}`);
  return ratio;
}

// Every opcode 0xfd 0x100..0x13f tried as a (v128, v128, v128) → v128 instruction: which ones the runtime accepts (the
// relaxed FMAs are 0x105..0x108, the lane selects 0x109..0x10c, the int8 dot-add 0x113, the bf16 dot-add 0x114).
function ternary(op) {
  const section = (id, payload) => [id, ...uleb(payload.length), ...payload];
  const fn = [0, 0x20, 0, 0x20, 1, 0x20, 2, ...simd(op), 0x0b];
  const type = section(1, [1, 0x60, 3, 0x7b, 0x7b, 0x7b, 1, 0x7b]);
  return [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...section(3, [1, 0]), ...section(10, [1, ...uleb(fn.length), ...fn])];
}
const scan = Array.from({ length: 0x40 }, (_, i) => [0x100 + i, ternary(0x100 + i)]);
function accepted(scan) {
  return scan.filter(([, b]) => WebAssembly.validate(new Uint8Array(b))).map(([op]) => `0x${op.toString(16)}`).join(' ');
}

const job = { modules, kinds, flops, iterations, acc: ACC };
report(`node ${process.version} (V8 ${process.versions.v8})`, await timeAll(job));
console.log(`  ternary v128 opcodes accepted (0xfd 0x100..0x13f): ${accepted(scan)}`);
// The same module in Debian's Chromium, the browser engine Electron 45 ships (same major), through Playwright.
if (process.argv.includes('--chromium')) {
  const { chromium } = await import('playwright');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const version = browser.version();
    const results = await page.evaluate(`(${timeAll.toString()})(${JSON.stringify(job)})`);
    report(`Chromium ${version}`, results);
    console.log(`  ternary v128 opcodes accepted (0xfd 0x100..0x13f): ${await page.evaluate(`(${accepted.toString()})(${JSON.stringify(scan)})`)}`);
  } finally {
    await browser.close();
  }
}
