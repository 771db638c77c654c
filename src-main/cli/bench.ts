// `seqstudio bench`: full training steps of the benchmark configurations timed in worker threads, one worker count
// after another (and the speed-up over the first), beside PyTorch measured in the same invocation (--vs-pytorch,
// tools/bench_pytorch.py); --profile: where a step's time goes; --generate: greedy generation (and an encoder–decoder's
// greedy and beam decoding) beside onnxruntime.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_CONFIGS } from '../../workers/engine/bench';
import { formatCeiling, formatProfile } from '../../workers/engine/profile';
import { GENERATE_DEFAULT_CONFIGS, GENERATE_ENCDEC_CONFIGS } from '../../workers/export/bench-generate';
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
  /** Which environment it ran under: 'best' (OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset) or the caller's. */
  blasEnv: 'best' | 'caller';
}

/** What tools/torch_blas.py reports of the PyTorch it timed. */
interface PyTorchEnv {
  kind: string;
  library: string;
  config: string | null;
  core: string | null;
  threads: number | null;
  torch?: string;
  overrides: Record<string, string>;
  callerHad: Record<string, string>;
  /** What tools/torch_blas.py's keep_freed_memory did to glibc's malloc: 'kept', 'default', or why not. */
  malloc?: string;
}

type PyTorchRun = { env: PyTorchEnv; results: PyTorchBench[] } | { skipped: string } | { refused: string };

/**
 * One run of tools/bench_pytorch.py. It unsets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE before importing torch (they
 * make a modern OpenBLAS pick older kernels) unless `callerBlas`, which times PyTorch under the caller's settings.
 */
function runPyTorchBench(configs: string[], threads: number, seconds: number, callerBlas: boolean): PyTorchRun {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return { skipped: 'PyTorch comparison skipped: /usr/bin/python3 not found' };
  const script = join(packageRoot(), 'tools/bench_pytorch.py');
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_WAIT_POLICY: 'passive' };
  if (callerBlas) env.SEQSTUDIO_KEEP_BLAS_ENV = '1';
  else delete env.SEQSTUDIO_KEEP_BLAS_ENV;
  const r = spawnSync(python, [script, '--configs', configs.join(','), '--threads', String(threads), '--seconds', String(seconds)], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  const lastErr = (r.stderr || r.error?.message || '').trim().split('\n').pop() ?? '';
  if (r.status === 3) return { skipped: 'PyTorch comparison skipped: torch is not installed for /usr/bin/python3 (apt-get install python3-torch)' };
  if (r.status === 4) return { refused: lastErr.replace(/^bench_pytorch: /, '') };
  if (r.status !== 0) return { skipped: `PyTorch comparison failed: ${lastErr}` };
  const lines = r.stdout.split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l) as { type: string } & Record<string, unknown>);
  const env0 = lines.find((l) => l.type === 'pytorch-env') as unknown as PyTorchEnv | undefined;
  if (!env0) return { skipped: 'PyTorch comparison failed: bench_pytorch.py did not say which BLAS it ran with' };
  const blasEnv = callerBlas ? 'caller' : 'best';
  return { env: env0, results: lines.filter((l) => l.type === 'pytorch-bench').map((l) => ({ ...(l as unknown as PyTorchBench), blasEnv })) };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (xs: number[]): string => (xs.length > 1 ? ` (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})` : '');

export async function benchCommand(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    strict: true,
    options: {
      config: { type: 'string' },
      workers: { type: 'string' },
      'vs-pytorch': { type: 'boolean' },
      rounds: { type: 'string' },
      profile: { type: 'boolean' },
      generate: { type: 'boolean' },
      tokens: { type: 'string' },
      sentences: { type: 'string' },
      seconds: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const configs = o.config ? o.config.split(',').map((s) => s.trim()) : o.generate ? GENERATE_DEFAULT_CONFIGS : BENCH_CONFIGS.map((c) => c.name);
  const json = o.json ?? false;
  if (o.generate) {
    for (const flag of ['workers', 'vs-pytorch', 'profile', 'seconds', 'rounds'] as const) if (o[flag] !== undefined) throw new UsageError(`--${flag} does not apply to --generate (it times generation on one thread; --tokens N sets a text model's length, --sentences N an encoder–decoder's set)`);
    const text = BENCH_CONFIGS.filter((b) => b.vocab > 0 && !b.decoder).map((b) => b.name);
    const encdec = GENERATE_ENCDEC_CONFIGS.map((b) => b.name);
    for (const c of configs) if (!text.includes(c) && !encdec.includes(c)) throw new UsageError(`--config ${c}: --generate needs a text configuration (one of ${text.join(', ')}) or an encoder–decoder one (${encdec.join(', ')})`);
    return benchGenerateCommand(configs, intFlag(o.tokens, 'tokens', 2, 100_000) ?? 500, intFlag(o.sentences, 'sentences', 1, 10_000) ?? 20, json);
  }
  for (const c of configs) if (!BENCH_CONFIGS.some((b) => b.name === c)) throw new UsageError(`--config ${c}: expected one of ${BENCH_CONFIGS.map((b) => b.name).join(', ')}`);
  if (o.tokens !== undefined) throw new UsageError('--tokens goes with --generate');
  if (o.sentences !== undefined) throw new UsageError('--sentences goes with --generate');
  const workerCounts = workerList(o.workers);
  const seconds = realFlag(o.seconds, 'seconds', 0.1, 600) ?? 2;
  const profile = o.profile ?? false;
  const vsPyTorch = o['vs-pytorch'] ?? false;
  // This machine moves ±25% between invocations (and between minutes): with PyTorch, each round times each
  // configuration ours then theirs, and the ratio reported is the median of the rounds' ratios, with its spread.
  const rounds = intFlag(o.rounds, 'rounds', 1, 20) ?? (vsPyTorch ? 3 : 1);
  const ours: (BenchResultEvent & { round: number })[] = [];
  const torch: (PyTorchBench & { round: number })[] = [];
  let torchEnv: PyTorchEnv | undefined;
  let torchCallerEnv: PyTorchEnv | undefined;
  let torchOff: string | undefined;
  // Within a round, configuration by configuration: ours, then PyTorch on the same configuration right after (a few
  // seconds apart, not the minute a whole table takes: this host's speed changes from one minute to the next, and a
  // ratio is only fair between runs made in the same state).
  for (let round = 1; round <= rounds; round++) {
    for (const config of configs) {
      const tag = `${rounds > 1 ? `round ${round} of ${rounds}, ` : ''}${configs.length > 1 ? `${config}: ` : ''}`;
      for (const workers of workerCounts) {
        if (!json) process.stdout.write(`${tag}Sequence Studio trainer, ${workers} worker${workers > 1 ? 's (data-parallel)' : ''}, full training steps (forward, BPTT, Adam), median of 3 runs of ~${seconds}s\n`);
        await runBench(
          [config],
          seconds,
          workers,
          (r) => {
            ours.push({ ...r, round });
            if (json) return;
            process.stdout.write(`  ${r.config.padEnd(6)} ${fmtInt(r.tokensPerSecond).padStart(9)} tok/s  ${r.gflops.toFixed(1).padStart(5)} GFLOP/s  ${r.msPerStep.toFixed(1).padStart(8)} ms/step  (${r.kernels})  ${r.description}\n`);
            // the whole profile once; in later rounds (profiled again for the summary's ceiling) its peak and ceiling
            if (r.profile) process.stdout.write((round === 1 ? formatProfile(r.profile) : formatCeiling(r.profile)).join('\n') + '\n');
          },
          // The profile is of one thread's step. Against PyTorch, every round profiles it: its ceiling is measured
          // in the same host state as the round's ratio (the summary's "ceiling" line).
          profile && workers === workerCounts[0] && (round === 1 || vsPyTorch),
        );
      }
      // PyTorch at 1 thread and at each worker count, with the slowing OpenBLAS settings unset; where the caller's
      // environment sets them, also under the caller's settings, and the faster of the two is compared.
      if (!vsPyTorch || torchOff) continue;
      for (const threads of [...new Set([1, ...workerCounts])].sort((a, b) => a - b)) {
        for (const callerBlas of [false, true]) {
          if (callerBlas && !Object.keys(torchEnv?.callerHad ?? {}).length) continue;
          if (!json) process.stdout.write(`${tag}PyTorch (${threads} thread${threads > 1 ? 's' : ''}${callerBlas ? `, the caller's ${Object.entries(torchEnv!.callerHad).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''})…\n`);
          const r = runPyTorchBench([config], threads, seconds, callerBlas);
          if ('refused' in r) {
            process.stderr.write(`seqstudio bench: ${r.refused}\n`);
            return 1;
          }
          if ('skipped' in r) {
            torchOff = r.skipped;
            process.stderr.write(r.skipped + '\n');
            break;
          }
          if (callerBlas) torchCallerEnv = r.env;
          else torchEnv = r.env;
          torch.push(...r.results.map((x) => ({ ...x, round })));
          if (!json) for (const x of r.results) process.stdout.write(`  ${x.config.padEnd(6)} ${fmtInt(x.tokensPerSecond).padStart(9)} tok/s  ${x.gflops.toFixed(1).padStart(5)} GFLOP/s\n`);
        }
        if (torchOff) break;
      }
    }
  }
  if (torchEnv) {
    const says = (e: PyTorchEnv): string => `${e.config ?? e.library}${e.core ? `, core ${e.core}` : ''}`;
    const malloc = torchEnv.malloc === 'kept' ? '; glibc malloc set to keep freed memory (no page faults per step)' : torchEnv.malloc ? `; malloc ${torchEnv.malloc}` : '';
    const caller = Object.entries(torchEnv.callerHad).map(([k, v]) => `${k}=${v}`).join(' ');
    if (json) process.stdout.write(JSON.stringify({ type: 'pytorch-env', torch: torchEnv.torch, blas: torchEnv.config, blasKind: torchEnv.kind, core: torchEnv.core, library: torchEnv.library, callerHad: torchEnv.callerHad, callerCore: torchCallerEnv?.core, malloc: torchEnv.malloc }) + '\n');
    else
      process.stdout.write(
        `PyTorch ${torchEnv.torch ?? ''} ran on ${says(torchEnv)}${caller ? `, with the caller's ${caller} unset; also timed with them (${says(torchCallerEnv ?? torchEnv)}), and the faster compared` : ''}${malloc}\n`,
      );
  }
  // Per configuration and worker count: medians over the rounds, and each round's ratio against PyTorch's best in
  // that round at 1 thread or as many threads as workers (on a small machine more threads can be slower for
  // PyTorch), under either BLAS environment: the best it does with the same cores.
  const first = workerCounts[0];
  const summary = rounds > 1 && !json;
  if (summary) process.stdout.write(`Over ${rounds} rounds (median, and the spread of the rounds min–max)\n`);
  for (const workers of workerCounts) {
    for (const config of configs) {
      const mine = ours.filter((r) => r.config === config && r.workers === workers);
      if (!mine.length) continue;
      const best = (round: number): (PyTorchBench & { round: number }) | undefined =>
        torch.filter((x) => x.round === round && x.config === config && (x.threads === 1 || x.threads === workers)).sort((a, b) => b.tokensPerSecond - a.tokensPerSecond)[0];
      const pairs = mine.map((r) => ({ r, t: best(r.round) })).filter((p) => p.t) as { r: BenchResultEvent; t: PyTorchBench }[];
      const ratios = pairs.map((p) => p.r.tokensPerSecond / p.t.tokensPerSecond);
      const tps = median(mine.map((r) => r.tokensPerSecond));
      const gflops = median(mine.map((r) => r.gflops));
      const msPerStep = median(mine.map((r) => r.msPerStep));
      const torchTps = pairs.length ? median(pairs.map((p) => p.t.tokensPerSecond)) : undefined;
      const torchGflops = pairs.length ? median(pairs.map((p) => p.t.gflops)) : undefined;
      // the PyTorch run nearest its median speaks for its threads and environment
      const typical = pairs.length ? pairs.map((p) => p.t).sort((a, b) => Math.abs(a.tokensPerSecond - torchTps!) - Math.abs(b.tokensPerSecond - torchTps!))[0] : undefined;
      // The step's ceiling (bench --profile: every GEMM FLOP at the FMA peak, the rest as measured), per round: what
      // it is worth against PyTorch, and how close ours comes to it — where a bar lies beyond the ceiling.
      // The host's state in each round: the GEMM on cached operands against the register-only FMA loop. This host's
      // slow spells take cache bandwidth, not arithmetic (the FMA loop holds, the cached GEMM drops by a third).
      const ceilings = pairs
        .filter((p) => p.r.profile)
        .map((p) => ({ vsTorch: p.r.profile!.ceiling.tokensPerSecond / p.t.tokensPerSecond, ofCeiling: p.r.profile!.ceiling.msPerStep / p.r.profile!.msPerStep, tps: p.r.profile!.ceiling.tokensPerSecond, cached: p.r.profile!.peak.gemmGflops / p.r.profile!.peak.fmaGflops }));
      const base = ours.filter((b) => b.config === config && b.workers === first);
      const speedups = workers === first ? [] : mine.map((r) => r.tokensPerSecond / (base.find((b) => b.round === r.round)?.tokensPerSecond ?? NaN)).filter(Number.isFinite);
      if (json) {
        process.stdout.write(
          JSON.stringify({
            type: 'bench', config, workers, tokensPerSecond: tps, gflops, msPerStep, kernels: mine[0].kernels, rounds: mine.length,
            pytorchTokensPerSecond: torchTps, pytorchGflops: torchGflops, pytorchThreads: typical?.threads, pytorchBlasEnv: typical?.blasEnv,
            ratio: ratios.length ? median(ratios) : undefined, ratioMin: ratios.length ? Math.min(...ratios) : undefined, ratioMax: ratios.length ? Math.max(...ratios) : undefined,
            profile: mine[0].profile,
            ...(ceilings.length
              ? {
                  ceilingTokensPerSecond: median(ceilings.map((c) => c.tps)),
                  ceilingRatio: median(ceilings.map((c) => c.vsTorch)), ceilingRatioMin: Math.min(...ceilings.map((c) => c.vsTorch)), ceilingRatioMax: Math.max(...ceilings.map((c) => c.vsTorch)),
                  ofCeiling: median(ceilings.map((c) => c.ofCeiling)),
                  cachedGemmOfFma: median(ceilings.map((c) => c.cached)), cachedGemmOfFmaMin: Math.min(...ceilings.map((c) => c.cached)), cachedGemmOfFmaMax: Math.max(...ceilings.map((c) => c.cached)),
                }
              : {}),
          }) + '\n',
        );
        if (speedups.length) process.stdout.write(JSON.stringify({ type: 'bench-scaling', config, workers, baseWorkers: first, speedup: median(speedups), speedupMin: Math.min(...speedups), speedupMax: Math.max(...speedups), rounds: speedups.length }) + '\n');
        continue;
      }
      if (summary && !typical) process.stdout.write(`  ${config.padEnd(6)} ours ${String(workers).padStart(2)}w ${fmtInt(tps).padStart(9)} tok/s (${gflops.toFixed(1)} GFLOP/s)\n`);
      if (speedups.length) process.stdout.write(`  ${config.padEnd(6)} ${workers} workers ÷ ${first}: ${median(speedups).toFixed(2)}×${spread(speedups)}\n`);
      if (typical && torchTps !== undefined) {
        const oursText = `${config.padEnd(6)} ours ${String(workers).padStart(2)}w ${fmtInt(tps).padStart(9)} tok/s`;
        const theirs = `PyTorch ${fmtInt(torchTps).padStart(9)} tok/s (${torchGflops!.toFixed(1)} GFLOP/s, ${typical.threads} thread${typical.threads > 1 ? 's' : ''}${typical.blasEnv === 'caller' ? ", the caller's BLAS settings" : ''})`;
        process.stdout.write(`  ${oursText}  ${theirs}  ratio ${median(ratios).toFixed(2)}×${spread(ratios)}\n`);
        if (ceilings.length) {
          const vs = ceilings.map((c) => c.vsTorch);
          const of = ceilings.map((c) => 100 * c.ofCeiling);
          const cached = ceilings.map((c) => 100 * c.cached);
          const pct = (xs: number[]): string => `${median(xs).toFixed(0)}%${xs.length > 1 ? ` (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}%)` : ''}`;
          process.stdout.write(
            `  ${config.padEnd(6)} ceiling ${fmtInt(median(ceilings.map((c) => c.tps))).padStart(9)} tok/s (every GEMM FLOP at the FMA peak, the rest as measured) = ${median(vs).toFixed(2)}× PyTorch${spread(vs)}; ours at ${pct(of)} of it; ` +
              `the host: GEMM on cached operands at ${pct(cached)} of the FMA loop\n`,
          );
        }
      }
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

/**
 * `bench --generate`: greedy text generation, and an encoder–decoder's greedy and beam decoding, ours beside
 * onnxruntime-node; exit code 1 when the tokens differ.
 */
async function benchGenerateCommand(configs: string[], tokens: number, sentences: number, json: boolean): Promise<number> {
  const results: GenerateBenchResultEvent[] = [];
  const encdec = GENERATE_ENCDEC_CONFIGS.filter((c) => configs.includes(c.name));
  if (!json && configs.some((c) => !encdec.some((e) => e.name === c)))
    process.stdout.write(`Greedy text generation, ${fmtInt(tokens)} tokens from a 16-token prime, one network step per token with the state carried; onnxruntime-node on the --streaming export of the same parameters, 1 thread; median of 5 runs\n`);
  if (!json && encdec.length)
    process.stdout.write(
      `Encoder–decoder decoding of ${fmtInt(sentences)} random source sentences one at a time (batch 1, as a deployed translator), greedy and beam search (width 4, length penalty α = 1), ` +
        `a beam's hypotheses one batch of rows per step; onnxruntime-node on the exported encoder and one-step decoder graphs of the same parameters, 1 thread, searched by the same code; ` +
        `tokens = the best hypothesis's output tokens (eos included); median of 5 runs\n`,
    );
  await runGenerateBench(configs, { tokens, sentences }, (r) => {
    results.push(r);
    if ('searches' in r) {
      for (const x of r.searches) {
        const search = x.search === 'beam' ? `beam ${x.width}` : 'greedy';
        if (json)
          process.stdout.write(
            JSON.stringify({
              type: 'bench-generate', config: r.config, description: r.description, search: x.search, width: x.width, lengthPenalty: x.lengthPenalty, batch: r.batch,
              sentences: r.sentences, maxLength: r.maxLength, tokens: x.tokens,
              tokensPerSecond: x.ours.tokensPerSecond, sentencesPerSecond: x.ours.sentencesPerSecond,
              onnxruntimeTokensPerSecond: x.onnxruntime.tokensPerSecond, onnxruntimeSentencesPerSecond: x.onnxruntime.sentencesPerSecond, ratio: x.ratio,
              tokensAgree: x.tokensAgree, firstDifference: x.firstDifference, kernels: r.kernels, onnxruntime: r.onnxruntime.version, onnxruntimeThreads: r.onnxruntime.threads,
            }) + '\n',
          );
        else
          process.stdout.write(
            `generate ${r.config.padEnd(8)} ${search.padEnd(7)} ours ${fmtInt(x.ours.tokensPerSecond).padStart(7)} tok/s ${x.ours.sentencesPerSecond.toFixed(1).padStart(6)} sent/s  ` +
              `onnxruntime ${fmtInt(x.onnxruntime.tokensPerSecond).padStart(7)} tok/s ${x.onnxruntime.sentencesPerSecond.toFixed(1).padStart(6)} sent/s  ratio ${x.ratio.toFixed(2)}×  ` +
              `${x.tokensAgree ? 'tokens agree' : `tokens DIFFER (sentence ${x.firstDifference!.sentence}, position ${x.firstDifference!.position})`}` +
              `  (${r.description}; batch 1, ${fmtInt(x.tokens)} tokens; ${r.kernels}, onnxruntime ${r.onnxruntime.version})\n`,
          );
      }
      return;
    }
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
  const bad = results.flatMap((r) => ('searches' in r ? r.searches.filter((x) => !x.tokensAgree).map((x) => `${r.config} (${x.search})`) : r.tokensAgree ? [] : [r.config]));
  if (bad.length) {
    process.stderr.write(`seqstudio bench: decoding in onnxruntime differs from ours for ${bad.join(', ')}\n`);
    return 1;
  }
  return 0;
}
