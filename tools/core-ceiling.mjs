// What N cores of this machine give N independent jobs: the ceiling of N data-parallel workers' speed-up.
//   node tools/core-ceiling.mjs [--config B,C,D] [--jobs 2] [--rounds 3] [--seconds 3]
// Each round times `seqstudio bench --config X --workers 1` alone, then N copies of it at once (separate processes:
// no shared memory, no barriers, nothing to synchronise), and prints, per configuration, the median over the rounds
// of (sum of the N concurrent rates) ÷ (the rate alone) with its spread. Data-parallel training cannot beat this
// figure on the same machine: whatever N independent jobs lose to each other (shared caches, memory bandwidth, the
// hypervisor, clock speed with more cores busy) its workers lose too. Needs `npm run build` first.

import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({ options: { config: { type: 'string', default: 'B,C,D' }, jobs: { type: 'string', default: '2' }, rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '3' } } });
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'seqstudio.mjs');
const jobs = Number(o.jobs);
const rounds = Number(o.rounds);
if (!(jobs >= 2 && jobs <= availableParallelism())) {
  console.error(`--jobs must be from 2 to this machine's ${availableParallelism()} cores`);
  process.exit(2);
}

/** One `bench --workers 1` run's tokens per second. */
function bench(config) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [cli, 'bench', '--config', config, '--workers', '1', '--seconds', o.seconds, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
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
