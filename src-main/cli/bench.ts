// `seqstudio bench`: full training steps of the benchmark configurations timed in worker threads, one worker count
// after another (and the speed-up over the first), beside PyTorch measured in the same invocation (--vs-pytorch,
// tools/bench_pytorch.py); --profile: where a step's time goes; --generate: greedy generation beside onnxruntime.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_CONFIGS } from '../../workers/engine/bench';
import { formatProfile } from '../../workers/engine/profile';
import { GENERATE_DEFAULT_CONFIGS } from '../../workers/export/bench-generate';
import type { BenchResultEvent, GenerateBenchResultEvent } from '../../workers/protocol';
import { runBench, runGenerateBench } from '../services/runs';
import { fmtInt, intFlag, readFlag, realFlag, UsageError } from './args';

/** The folder holding package.json (works from the sources and from out/main/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

interface PyTorchBench {
  config: string;
  threads: number;
  tokensPerSecond: number;
  gflops: number;
}

function runPyTorchBench(configs: string[], threads: number, seconds: number): PyTorchBench[] | string {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return 'PyTorch comparison skipped: /usr/bin/python3 not found';
  const script = join(packageRoot(), 'tools/bench_pytorch.py');
  const r = spawnSync(python, [script, '--configs', configs.join(','), '--threads', String(threads), '--seconds', String(seconds)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_WAIT_POLICY: 'passive' },
    maxBuffer: 1 << 24,
  });
  if (r.status === 3) return 'PyTorch comparison skipped: torch is not installed for /usr/bin/python3 (apt-get install python3-torch)';
  if (r.status !== 0) return `PyTorch comparison failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  return r.stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as PyTorchBench);
}

export async function benchCommand(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    strict: true,
    options: {
      config: { type: 'string' },
      workers: { type: 'string' },
      'vs-pytorch': { type: 'boolean' },
      profile: { type: 'boolean' },
      generate: { type: 'boolean' },
      tokens: { type: 'string' },
      seconds: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const configs = o.config ? o.config.split(',').map((s) => s.trim()) : o.generate ? GENERATE_DEFAULT_CONFIGS : BENCH_CONFIGS.map((c) => c.name);
  for (const c of configs) if (!BENCH_CONFIGS.some((b) => b.name === c)) throw new UsageError(`--config ${c}: expected one of ${BENCH_CONFIGS.map((b) => b.name).join(', ')}`);
  const json = o.json ?? false;
  if (o.generate) {
    for (const flag of ['workers', 'vs-pytorch', 'profile', 'seconds'] as const) if (o[flag] !== undefined) throw new UsageError(`--${flag} does not apply to --generate (it times generation on one thread; --tokens N sets its length)`);
    const text = BENCH_CONFIGS.filter((b) => b.vocab > 0 && !b.decoder).map((b) => b.name);
    for (const c of configs) if (!text.includes(c)) throw new UsageError(`--config ${c}: --generate needs a text configuration (one of ${text.join(', ')})`);
    return benchGenerateCommand(configs, intFlag(o.tokens, 'tokens', 2, 100_000) ?? 500, json);
  }
  if (o.tokens !== undefined) throw new UsageError('--tokens goes with --generate');
  const workerCounts = workerList(o.workers);
  const seconds = realFlag(o.seconds, 'seconds', 0.1, 600) ?? 2;
  const profile = o.profile ?? false;
  const ours: BenchResultEvent[] = [];
  for (const workers of workerCounts) {
    if (!json) process.stdout.write(`Sequence Studio trainer, ${workers} worker${workers > 1 ? 's (data-parallel)' : ''}, full training steps (forward, BPTT, Adam), median of 3 runs of ~${seconds}s\n`);
    await runBench(
      configs,
      seconds,
      workers,
      (r) => {
        ours.push(r);
        if (json) return;
        process.stdout.write(`  ${r.config.padEnd(6)} ${fmtInt(r.tokensPerSecond).padStart(9)} tok/s  ${r.gflops.toFixed(1).padStart(5)} GFLOP/s  ${r.msPerStep.toFixed(1).padStart(8)} ms/step  (${r.kernels})  ${r.description}\n`);
        if (r.profile) process.stdout.write(formatProfile(r.profile).join('\n') + '\n');
      },
      profile && workers === workerCounts[0], // the profile is of one thread's step: once
    );
  }
  // Scaling: each further worker count against the first, in the same invocation.
  const first = workerCounts[0];
  if (workerCounts.length > 1 && !json) process.stdout.write(`Speed-up over ${first} worker${first > 1 ? 's' : ''} (same invocation)\n`);
  for (const r of ours) {
    const base = ours.find((b) => b.workers === first && b.config === r.config);
    if (r.workers === first || !base) continue;
    const speedup = r.tokensPerSecond / base.tokensPerSecond;
    if (json) process.stdout.write(JSON.stringify({ type: 'bench-scaling', config: r.config, workers: r.workers, baseWorkers: first, speedup }) + '\n');
    else process.stdout.write(`  ${r.config.padEnd(6)} ${r.workers} workers ÷ ${first}: ${speedup.toFixed(2)}×\n`);
  }
  // PyTorch at 1 thread and at each worker count. Each of ours is compared with PyTorch's best at 1 thread or at as
  // many threads as it has workers (on a small machine more threads can be slower for PyTorch): the best it does
  // with the same cores.
  const torch: PyTorchBench[] = [];
  if (o['vs-pytorch']) {
    for (const threads of [...new Set([1, ...workerCounts])].sort((a, b) => a - b)) {
      if (!json) process.stdout.write(`PyTorch (${threads} thread${threads > 1 ? 's' : ''}), same configurations…\n`);
      const r = runPyTorchBench(configs, threads, seconds);
      if (typeof r === 'string') {
        process.stderr.write(r + '\n');
        break;
      }
      torch.push(...r);
    }
  }
  for (const r of ours) {
    const t = torch.filter((x) => x.config === r.config && (x.threads === 1 || x.threads === r.workers)).sort((a, b) => b.tokensPerSecond - a.tokensPerSecond)[0];
    if (json)
      process.stdout.write(
        JSON.stringify({
          type: 'bench', config: r.config, workers: r.workers, tokensPerSecond: r.tokensPerSecond, gflops: r.gflops, msPerStep: r.msPerStep, kernels: r.kernels,
          pytorchTokensPerSecond: t?.tokensPerSecond, pytorchGflops: t?.gflops, pytorchThreads: t?.threads, ratio: t ? r.tokensPerSecond / t.tokensPerSecond : undefined,
          profile: r.profile,
        }) + '\n',
      );
    else if (t) {
      const ours = `${r.config.padEnd(6)} ours ${String(r.workers).padStart(2)}w ${fmtInt(r.tokensPerSecond).padStart(9)} tok/s (${r.gflops.toFixed(1)} GFLOP/s)`;
      const theirs = `PyTorch ${fmtInt(t.tokensPerSecond).padStart(9)} tok/s (${t.gflops.toFixed(1)} GFLOP/s, ${t.threads} thread${t.threads > 1 ? 's' : ''})`;
      process.stdout.write(`  ${ours}  ${theirs}  ratio ${(r.tokensPerSecond / t.tokensPerSecond).toFixed(2)}×\n`);
    }
  }
  return 0;
}

/** --workers N or N,N,…: whole counts from 1 to 64, in the order given, each once. */
function workerList(v: string | undefined): number[] {
  if (v === undefined) return [1];
  const counts = v.split(',').map((x) => readFlag('workers', x.trim())!);
  if (new Set(counts).size !== counts.length) throw new UsageError(`--workers ${v}: give each count once`);
  return counts;
}

/** `bench --generate`: greedy text generation, ours beside onnxruntime-node; exit code 1 when the tokens differ. */
async function benchGenerateCommand(configs: string[], tokens: number, json: boolean): Promise<number> {
  const results: GenerateBenchResultEvent[] = [];
  if (!json) process.stdout.write(`Greedy text generation, ${fmtInt(tokens)} tokens from a 16-token prime, one network step per token with the state carried; onnxruntime-node on the --streaming export of the same parameters, 1 thread; median of 5 runs\n`);
  await runGenerateBench(configs, { tokens }, (r) => {
    results.push(r);
    if (json)
      process.stdout.write(
        JSON.stringify({
          type: 'bench-generate', config: r.config, description: r.description, tokens: r.tokens, prime: r.prime,
          tokensPerSecond: r.ours.tokensPerSecond, onnxruntimeTokensPerSecond: r.onnxruntime.tokensPerSecond, ratio: r.ratio,
          tokensAgree: r.tokensAgree, firstDifference: r.firstDifference, kernels: r.kernels, onnxruntime: r.onnxruntime.version, onnxruntimeThreads: r.onnxruntime.threads,
        }) + '\n',
      );
    else
      process.stdout.write(
        `generate ${r.config.padEnd(6)} ours ${fmtInt(r.ours.tokensPerSecond).padStart(7)} tok/s  onnxruntime ${fmtInt(r.onnxruntime.tokensPerSecond).padStart(7)} tok/s` +
          `  ratio ${r.ratio.toFixed(2)}×  ${r.tokensAgree ? 'tokens agree' : `tokens DIFFER from position ${r.firstDifference}`}` +
          `  (${r.description}; ${r.kernels}, onnxruntime ${r.onnxruntime.version})\n`,
      );
  });
  const bad = results.filter((r) => !r.tokensAgree);
  if (bad.length) {
    process.stderr.write(`seqstudio bench: greedy generation in onnxruntime differs from ours for ${bad.map((r) => r.config).join(', ')}\n`);
    return 1;
  }
  return 0;
}
