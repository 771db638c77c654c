// What N cores of this machine give N independent jobs: the ceiling of N data-parallel workers' speed-up.
//   node tools/core-ceiling.mjs [--config B,C,D] [--jobs 2] [--rounds 3] [--seconds 3] [--per-cpu]
// Each round times `seqstudio bench --config X --workers 1` alone, then N copies of it at once (separate processes:
// no shared memory, no barriers, nothing to synchronise), and prints, per configuration, the median over the rounds
// of (sum of the N concurrent rates) ÷ (the rate alone) with its spread. Data-parallel training cannot beat this
// figure on the same machine: whatever N independent jobs lose to each other (shared caches, memory bandwidth, the
// hypervisor, clock speed with more cores busy) its workers lose too. Needs `npm run build` first.
// --per-cpu (Linux, taskset): the cores one by one instead. Each round times the job pinned to each CPU alone, then
// one job pinned to each CPU at once, and prints each CPU's rate alone and beside the others, and the lock-step
// ceiling: data-parallel workers wait for the slowest at every step, so N of them can reach at most
// N × (the slowest CPU's concurrent rate) ÷ (the fastest CPU's rate alone). A VM's virtual CPUs need not be equal:
// on 7 December 2026 this project's CPU 1 ran D 28% slower than CPU 0 (a busy neighbour on its physical core).

import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({ options: { config: { type: 'string', default: 'B,C,D' }, jobs: { type: 'string', default: '2' }, rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '3' }, 'per-cpu': { type: 'boolean', default: false } } });
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'seqstudio.mjs');
const jobs = Number(o.jobs);
const rounds = Number(o.rounds);
if (!(jobs >= 2 && jobs <= availableParallelism())) {
  console.error(`--jobs must be from 2 to this machine's ${availableParallelism()} cores`);
  process.exit(2);
}

/** One `bench --workers 1` run's tokens per second (pinned to CPU `cpu` through taskset when given). */
function bench(config, cpu) {
  return new Promise((resolve, reject) => {
    const args = [cli, 'bench', '--config', config, '--workers', '1', '--seconds', o.seconds, '--json'];
    const p = cpu === undefined ? spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn('taskset', ['-c', String(cpu), process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) => {
      const r = out.trim().split('\n').map((l) => JSON.parse(l)).find((x) => x.type === 'bench' && x.config === config);
      if (code !== 0 || !r) reject(new Error(`bench --config ${config} failed (${code})`));
      else resolve(r.tokensPerSecond);
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => Math.round(x).toLocaleString('en-US');
if (o['per-cpu']) {
  const cpus = Array.from({ length: jobs }, (_, i) => i);
  console.log(`CPUs ${cpus.join(', ')} one by one, then all at once (one pinned job each), ${rounds} rounds; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  for (const config of o.config.split(',')) {
    const alone = cpus.map(() => []);
    const together = cpus.map(() => []);
    const lockstep = [];
    for (let r = 0; r < rounds; r++) {
      const a = [];
      for (const c of cpus) a.push(await bench(config, c));
      const t = await Promise.all(cpus.map((c) => bench(config, c)));
      cpus.forEach((c) => (alone[c].push(a[c]), together[c].push(t[c])));
      lockstep.push((jobs * Math.min(...t)) / Math.max(...a));
    }
    const each = cpus.map((c) => `CPU ${c} ${fmt(median(alone[c]))} alone, ${fmt(median(together[c]))} beside the other${jobs > 2 ? 's' : ''}`).join('; ');
    console.log(`  ${config.padEnd(6)} ${each} (tok/s); lock-step ceiling of ${jobs} workers ${median(lockstep).toFixed(2)}× (${Math.min(...lockstep).toFixed(2)}–${Math.max(...lockstep).toFixed(2)})`);
  }
  process.exit(0);
}
console.log(`${jobs} independent one-worker benchmarks at once vs one alone, ${rounds} rounds; ${availableParallelism()} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
for (const config of o.config.split(',')) {
  const ratios = [];
  const alone = [];
  for (let r = 0; r < rounds; r++) {
    const one = await bench(config);
    const many = await Promise.all(Array.from({ length: jobs }, () => bench(config)));
    alone.push(one);
    ratios.push(many.reduce((a, b) => a + b, 0) / one);
  }
  console.log(`  ${config.padEnd(6)} alone ${Math.round(median(alone)).toLocaleString('en-US')} tok/s; ${jobs} at once: ${median(ratios).toFixed(2)}× one (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`);
}
