// `seqstudio bench --profile`: where one training step's time goes, per benchmark configuration, and the machine's
// WASM SIMD ceiling to judge the GEMMs against.
//
// Method: the network runs on a wrapper of the kernel exports that times every call (performance.now around it) and
// books it under a category from the kernel, the phase (forward / backward / optimiser) and, for gemm, the form
// (Aᵀ·B = weight gradients over all steps). JS time between kernel calls — orchestration, typed-array work and the
// JS↔WASM crossings — is the phase time minus its kernels. The cell loops run whole in WASM, so their step GEMMs
// (h·Whᵀ forward, dG·Wh backward) are timed apart afterwards, as many calls of the same shapes as the loops make
// (T backward, T − 1 forward: the zero h0's product is skipped) on spare memory, and the
// rest of the loop is the gate nonlinearities and cell updates. Telemetry is what the trainer adds to a step:
// the gradient norm every step and diagnostics() every diagnosticsEvery steps (amortised).
// The instrumented step is slower than a plain one by the timing calls; the shares are of the instrumented step,
// scaled to the plain one (msPerStep), so they add up to what the benchmark measures.

import { DEFAULT_TRAIN_SETTINGS, type TrainSettings } from '../../src-shared/model';
import { benchBatch, benchData, benchSpec, type BenchConfig } from './bench';
import type { KernelExports } from './kernels';
import { CELL_TYPES } from '../../src-shared/cells';
import { cellPackedFloats, ENGINE_CELLS, engineCell, type StepProduct } from './cells';
import { ensureBytes, packedFloats } from './memory-map';
import { OPTIMIZER_UPDATES } from './optimizers';
import { Trainer } from './trainer';

export interface ProfileEntry {
  /** What the time went to ("GEMM: weight gradients (Aᵀ·B, all steps)", "Adam", …). */
  what: string;
  msPerStep: number;
  /** Fraction of the step (0..1). */
  share: number;
  /** GEMM rows: model FLOPs per second of these calls. */
  gflops?: number;
}

export interface PeakFigures {
  /** Register-only f32x4 FMA loop (mul + add in the plain-SIMD build): the arithmetic ceiling of one core. */
  fmaGflops: number;
  /** The GEMM kernel on cache-resident operands (M 96, N 256, K 256): the best a GEMM call does here. */
  gemmGflops: number;
}

export interface BenchProfile {
  config: string;
  /** The plain (uninstrumented) step, ms. */
  msPerStep: number;
  /** The instrumented step, ms (the timing calls themselves cost the difference). */
  instrumentedMsPerStep: number;
  entries: ProfileEntry[];
  /** Calls from JS into WASM per step. */
  crossingsPerStep: number;
  /** Telemetry of a real run (gradient norm each step, diagnostics every `diagnosticsEvery`) as a share of a step. */
  telemetryShare: number;
  /** GFLOP/s of the big GEMMs (input projections, head, weight and input gradients) together. */
  bigGemmGflops: number;
  /**
   * The roofline of this step on this core: every GEMM FLOP it does (counted from the calls) at the FMA peak, the
   * rest of the step as measured. No blocking or kernel tuning can take the step below it with these FLOPs.
   */
  ceiling: { msPerStep: number; tokensPerSecond: number };
  peak: PeakFigures;
}

type Phase = 'forward' | 'backward' | 'optimiser' | 'telemetry';

interface Acc {
  ms: number;
  flops: number;
  calls: number;
}

const CELL_FWD = new Set<string>(CELL_TYPES.map((c) => ENGINE_CELLS[c].forward));
const CELL_BWD = new Set<string>(CELL_TYPES.map((c) => ENGINE_CELLS[c].backward));
const LOSS = new Set(['softmax_xent', 'mse']);
const OPTIM = new Set(['adam', 'sgd', 'scale']);

/** Category of one kernel call. */
/** The attention kernels (workers/kernels/assembly/attention.ts); its projections are GEMMs, counted as GEMMs. */
const ATTENTION = new Set(['attn_scores', 'attn_softmax', 'attn_softmax_backward', 'attn_mix', 'attn_mix_t', 'additive_scores', 'additive_backward', 'tanh_inplace', 'tanh_backward']);

function category(name: string, phase: Phase, args: number[]): string {
  if (phase === 'telemetry') return 'telemetry';
  if (name === 'gemm' || name === 'gemm_bias') {
    const [sam, sak] = name === 'gemm' ? [args[6], args[7]] : [args[7], args[8]];
    if (phase === 'forward') return 'GEMM: input projections + head (forward)';
    if (sam === 1 && sak !== 1) return 'GEMM: weight gradients (Aᵀ·B over all steps)';
    return 'GEMM: input gradients (dX, head dY)';
  }
  if (CELL_FWD.has(name)) return 'recurrent forward';
  if (CELL_BWD.has(name)) return 'recurrent backward';
  if (LOSS.has(name)) return 'loss (softmax + cross-entropy / MSE)';
  if (OPTIM.has(name)) return 'optimiser (Adam)';
  if (name === 'transpose') return 'weight transposes';
  if (ATTENTION.has(name)) return `attention: scores, softmax, context (${phase})`;
  return 'other kernels (bias fill, colsum, embed, copies)';
}

/** A copy of the exports whose functions time themselves into `book`. */
function instrument(k: KernelExports, book: (name: string, args: number[], ms: number) => void): KernelExports {
  const w: Record<string, unknown> = { memory: k.memory };
  for (const [name, f] of Object.entries(k as unknown as Record<string, unknown>)) {
    if (typeof f !== 'function') continue;
    const fn = f as (...a: number[]) => number;
    w[name] = (...args: number[]): number => {
      const t0 = performance.now();
      const r = fn(...args);
      book(name, args, performance.now() - t0);
      return r;
    };
  }
  return w as unknown as KernelExports;
}

/** The machine's WASM SIMD peak (see PeakFigures), median of 5 timings each. */
export function measurePeak(k: KernelExports, spare: number): PeakFigures {
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const iters = 4_000_000;
  k.fma_peak(iters);
  const peaks: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    k.fma_peak(iters);
    peaks.push((iters * 96) / ((performance.now() - t0) / 1000) / 1e9);
  }
  const fmaGflops = median(peaks);
  const M = 96, N = 256, K = 256;
  const A = spare, Bm = A + M * K * 4, C = Bm + K * N * 4;
  ensureBytes(k.memory, C + M * N * 4);
  const f = new Float32Array(k.memory.buffer);
  for (let i = 0; i < M * K + K * N + M * N; i++) f[A / 4 + i] = ((i * 7919) % 1000) / 1000 - 0.5;
  const calls = 200;
  const r: number[] = [];
  for (let rep = 0; rep < 6; rep++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) k.gemm(C, A, Bm, M, N, K, K, 1, N, N, 0);
    if (rep > 0) r.push((2 * M * N * K * calls) / ((performance.now() - t0) / 1000) / 1e9);
  }
  return { fmaGflops, gemmGflops: median(r) };
}

/**
 * Profiles `steps` training steps of configuration c (as benchTrainer runs them: forward, BPTT, Adam), plus the
 * telemetry of a real run. Uses one WasmNetwork on `kernels` (like benchTrainer, it takes over that instance's
 * memory map), so run it between benchmarks, not during one.
 */
export function profileBench(kernels: KernelExports, c: BenchConfig, opts: { seconds?: number } = {}): BenchProfile {
  let phase: Phase = 'forward';
  let counting = false;
  const acc = new Map<string, Acc>();
  let crossings = 0;
  const kernelPhaseMs = { forward: 0, backward: 0, optimiser: 0, telemetry: 0 };
  const book = (name: string, args: number[], ms: number): void => {
    if (!counting) return;
    crossings++;
    kernelPhaseMs[phase] += ms;
    const cat = category(name, phase, args);
    let a = acc.get(cat);
    if (!a) acc.set(cat, (a = { ms: 0, flops: 0, calls: 0 }));
    a.ms += ms;
    a.calls++;
    if (name === 'gemm') a.flops += 2 * args[3] * args[4] * args[5];
    else if (name === 'gemm_bias') a.flops += 2 * args[4] * args[5] * args[6];
  };
  const wrapped = instrument(kernels, book);
  const spec = benchSpec(c);
  const settings: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS, learningRate: 1e-3, clipNorm: 0, batchSize: c.batch, sequenceLength: c.seqLen, steps: 1e9 };
  const trainer = new Trainer(wrapped, spec, settings, benchData(c));
  const net = trainer.net;
  const batch = benchBatch(c);
  let step = 0;
  const phaseMs = { forward: 0, backward: 0, optimiser: 0, telemetry: 0 };
  const oneStep = (): void => {
    step++;
    let t = performance.now();
    phase = 'forward';
    net.forward(batch, { train: true });
    let u = performance.now();
    phaseMs.forward += u - t;
    t = u;
    phase = 'backward';
    net.backward();
    u = performance.now();
    phaseMs.backward += u - t;
    t = u;
    phase = 'optimiser';
    OPTIMIZER_UPDATES.adam(net, settings, step, settings.learningRate);
    net.paramsChanged();
    phaseMs.optimiser += performance.now() - t;
  };

  // Plain steps first (the real kernels, as benchTrainer), for the uninstrumented step time.
  const plain = (): void => {
    step++;
    net.forward(batch, { train: true });
    net.backward();
    OPTIMIZER_UPDATES.adam(net, settings, step, settings.learningRate);
    net.paramsChanged();
  };
  const swap = (k: KernelExports): void => {
    (net as unknown as { k: KernelExports }).k = k;
  };
  swap(kernels);
  const w0 = performance.now();
  plain();
  plain();
  const est = (performance.now() - w0) / 2;
  const steps = Math.max(3, Math.round(((opts.seconds ?? 1) * 1000) / est));
  let t0 = performance.now();
  for (let i = 0; i < steps; i++) plain();
  const msPerStep = (performance.now() - t0) / steps;

  swap(wrapped);
  oneStep();
  for (const key of Object.keys(phaseMs) as Phase[]) phaseMs[key] = 0;
  counting = true;
  t0 = performance.now();
  for (let i = 0; i < steps; i++) oneStep();
  const instrumentedMs = (performance.now() - t0) / steps;
  const stepCrossings = crossings / steps;

  // Telemetry as a run does it: the gradient norm every step, diagnostics() every diagnosticsEvery steps.
  phase = 'telemetry';
  const tel = 20;
  t0 = performance.now();
  for (let i = 0; i < tel; i++) Math.sqrt(net.sumSquares('grads'));
  const normMs = (performance.now() - t0) / tel;
  t0 = performance.now();
  for (let i = 0; i < 3; i++) trainer.diagnostics();
  const diagMs = (performance.now() - t0) / 3;
  counting = false;
  swap(kernels);
  const every = DEFAULT_TRAIN_SETTINGS.diagnosticsEvery;
  const telemetryMs = normMs + (every > 0 ? diagMs / every : 0);

  // The cell loops' step GEMMs (cells.ts steps), timed apart on spare memory beyond the network's arena.
  const st = net.layout.encoder;
  const { hiddenSize: H, cell } = st;
  const T = c.seqLen, B = c.batch;
  const products = engineCell(cell).steps(H);
  const all = [...products.forward, ...products.backward];
  const spare = Math.ceil(net.memoryBytes / 64) * 64;
  const W = spare, X = W + Math.max(...all.map((p) => p.K * p.N)) * 4, Y = X + B * Math.max(...all.map((p) => p.K)) * 4;
  // As the cells do: each product's weights packed once per sequence (gemm_pack) when T > 1 and B > 1, one after
  // another (64-byte aligned), then T packed products.
  const P = Math.ceil((Y + B * Math.max(...all.map((p) => p.N)) * 4) / 64) * 64;
  const packedEnd = P + cellPackedFloats(cell, H) * 4 + 64;
  ensureBytes(kernels.memory, packedEnd);
  new Float32Array(kernels.memory.buffer, spare, (packedEnd - spare) / 4 - 16).fill(0.01);
  const packs = T > 1 && B > 1 && H > 1;
  // T steps of products each, but forward skips the first when h0 is zero (cells.ts stepForward), as it is in the
  // bench's batches (no initial state): T − 1 there.
  const timeLoop = (loop: StepProduct[], steps: number): number => {
    const run = (): void => {
      const at: number[] = [];
      for (let i = 0, off = P; i < loop.length; off += Math.ceil((packedFloats(loop[i].K, loop[i].N) * 4) / 64) * 64, i++) {
        at.push(off);
        if (packs) kernels.gemm_pack(off, W, loop[i].K, loop[i].N, loop[i].N);
      }
      for (let t = 0; t < steps; t++)
        loop.forEach((p, i) => {
          if (packs) kernels.gemm_packed(Y, X, at[i], B, p.N, p.K, p.K, p.N, 1);
          else kernels.gemm(Y, X, W, B, p.N, p.K, p.K, 1, p.N, p.N, 1);
        });
    };
    run();
    const r: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = performance.now();
      run();
      r.push(performance.now() - s);
    }
    return r.sort((a, b) => a - b)[1] * st.layers * st.directions;
  };
  const fwdSteps = T - 1;
  const stepFwdMs = timeLoop(products.forward, fwdSteps);
  const stepBwdMs = timeLoop(products.backward, T);
  const stepFlops = (steps: number): number => 2 * B * steps * st.layers * st.directions * products.forward.reduce((n, p) => n + p.K * p.N, 0);
  const peak = measurePeak(kernels, packedEnd);

  // Entries, per instrumented step, then scaled to the plain step.
  const scale = msPerStep / instrumentedMs;
  const entries: ProfileEntry[] = [];
  const per = (ms: number): number => (ms / steps) * scale;
  const push = (what: string, ms: number, gflops?: number, always = false): void => {
    if (ms > 0 || always) entries.push({ what, msPerStep: Math.max(0, ms), share: Math.max(0, ms) / msPerStep, gflops });
  };
  let big = { ms: 0, flops: 0 };
  for (const [what, a] of acc) {
    if (what === 'telemetry') continue;
    if (what === 'recurrent forward' || what === 'recurrent backward') {
      const fwd = what === 'recurrent forward';
      const total = per(a.ms);
      const gemmMs = Math.min(total, (fwd ? stepFwdMs : stepBwdMs) * scale);
      push(`${what}: step GEMMs (${fwd ? 'h·Whᵀ' : 'dG·Wh'}, M = batch)`, gemmMs, stepFlops(fwd ? fwdSteps : T) / (gemmMs / scale) / 1e6, true);
      push(`${what}: gates + cell update (nonlinearities, ‖∂h‖)`, total - gemmMs, undefined, true);
      continue;
    }
    push(what, per(a.ms), a.flops ? a.flops / a.ms / 1e6 : undefined);
    if (what.startsWith('GEMM')) {
      big.ms += a.ms;
      big.flops += a.flops;
    }
  }
  for (const ph of ['forward', 'backward', 'optimiser'] as const)
    push(`JS between kernels + JS↔WASM crossings (${ph})`, per(Math.max(0, phaseMs[ph] - kernelPhaseMs[ph])));
  entries.sort((a, b) => b.msPerStep - a.msPerStep);
  const gemmFlopsPerStep = big.flops / steps + stepFlops(fwdSteps) + stepFlops(T);
  const gemmMsPerStep = entries.reduce((sum, e) => sum + (e.gflops !== undefined ? e.msPerStep : 0), 0);
  const ceilingMs = gemmFlopsPerStep / (peak.fmaGflops * 1e6) + Math.max(0, msPerStep - gemmMsPerStep);
  return {
    config: c.name,
    msPerStep,
    instrumentedMsPerStep: instrumentedMs,
    entries,
    crossingsPerStep: stepCrossings,
    telemetryShare: telemetryMs / msPerStep,
    bigGemmGflops: big.flops / big.ms / 1e6,
    ceiling: { msPerStep: ceilingMs, tokensPerSecond: (c.seqLen * c.batch * 1000) / ceilingMs },
    peak,
  };
}

/** The profile as text lines (what `seqstudio bench --profile` prints under each configuration). */
export function formatProfile(p: BenchProfile): string[] {
  const lines = [`  profile ${p.config}: ${p.msPerStep.toFixed(2)} ms/step (instrumented ${p.instrumentedMsPerStep.toFixed(2)}), ${Math.round(p.crossingsPerStep)} JS→WASM calls/step`];
  for (const e of p.entries)
    lines.push(`    ${(100 * e.share).toFixed(1).padStart(5)}%  ${e.msPerStep.toFixed(2).padStart(8)} ms  ${e.what}${e.gflops ? `  ${e.gflops.toFixed(1)} GFLOP/s` : ''}`);
  lines.push(`    telemetry of a real run (gradient norm + diagnostics/${DEFAULT_TRAIN_SETTINGS.diagnosticsEvery}): ${(100 * p.telemetryShare).toFixed(2)}% of a step`);
  return [...lines, ...formatCeiling(p)];
}

/** The profile's last two lines: the big GEMMs against the machine's peak, and the step's ceiling at that peak. */
export function formatCeiling(p: BenchProfile): string[] {
  const lines: string[] = [];
  lines.push(`    big GEMMs ${p.bigGemmGflops.toFixed(1)} GFLOP/s = ${((100 * p.bigGemmGflops) / p.peak.fmaGflops).toFixed(0)}% of the WASM SIMD peak ${p.peak.fmaGflops.toFixed(1)} GFLOP/s (FMA loop; GEMM on cached operands ${p.peak.gemmGflops.toFixed(1)} GFLOP/s)`);
  const tokens = (p.ceiling.tokensPerSecond * p.ceiling.msPerStep) / p.msPerStep; // this step's tok/s
  lines.push(
    `    ceiling: ${Math.round(p.ceiling.tokensPerSecond).toLocaleString('en-US')} tok/s with every GEMM FLOP of this step at the FMA peak and the rest as measured; this step runs at ${Math.round(tokens).toLocaleString('en-US')} tok/s = ${((100 * p.ceiling.msPerStep) / p.msPerStep).toFixed(0)}% of it`,
  );
  return lines;
}
