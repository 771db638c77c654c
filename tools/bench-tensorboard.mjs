// Measures what the TensorBoard log costs: trains the same small CLI run with the log on and off
// (SEQSTUDIO_TENSORBOARD=0), alternating, a few times each, and prints steps per second of training (the summary's
// steps over its training seconds: evaluation excluded), per wall-clock second of the whole process and per CPU
// second of it (user + system, from /proc/self/stat's children's times, where there is one: the figure least moved
// by other work on a shared machine), then the event file's size per 1,000 steps beside metrics.jsonl's. Needs the
// built CLI (`npm run build`).
//   node tools/bench-tensorboard.mjs [--repeats N] [--steps N] [-- extra train flags…]

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const repeats = opt('--repeats', 5);
const steps = opt('--steps', 2000);
const extra = args.includes('--') ? args.slice(args.indexOf('--') + 1) : [];
const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-bench-tb-'));
const data = join(tmp, 'text.txt');
writeFileSync(data, 'It is a truth universally acknowledged, that a single man in possession of a good fortune. '.repeat(300));
const flags = ['train', '--data', data, '--cell', 'lstm', '--hidden', '32', '--embed', '16', '--batch', '8', '--seq-len', '32', '--steps', String(steps), '--seed', '1', '--json', ...extra];

/** CPU seconds of this process's waited-for children so far (Linux: cutime + cstime, in 1/100 s), or NaN. */
const childCpu = () => {
  if (!existsSync('/proc/self/stat')) return NaN;
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // fields 16 and 17 of stat(5), counted from 1 before the name
};

const results = { on: [], off: [] };
let sizes;
for (let r = 0; r < repeats; r++) {
  for (const mode of r % 2 ? ['off', 'on'] : ['on', 'off']) {
    const out = join(tmp, `run-${mode}-${r}`);
    const t0 = performance.now();
    const c0 = childCpu();
    const p = spawnSync(process.execPath, [join(root, 'bin/seqstudio.mjs'), ...flags, '--out', out], { encoding: 'utf8', env: { ...process.env, SEQSTUDIO_TENSORBOARD: mode === 'on' ? '1' : '0' } });
    const wall = (performance.now() - t0) / 1000;
    const cpu = childCpu() - c0;
    if (p.status !== 0) throw new Error(p.stderr);
    const summary = JSON.parse(p.stdout.trim().split('\n').at(-1));
    results[mode].push({ train: summary.steps / summary.seconds, wall: summary.steps / wall, cpu: summary.steps / cpu });
    if (mode === 'on' && !sizes) {
      const events = readdirSync(out).filter((n) => n.startsWith('events.out.tfevents.'));
      sizes = { events: events.reduce((n, f) => n + statSync(join(out, f)).size, 0), metrics: statSync(join(out, 'metrics.jsonl')).size };
    }
    rmSync(out, { recursive: true, force: true });
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs) => xs.map((x) => x.toFixed(0)).join(' ');
for (const mode of ['on', 'off']) {
  const rs = results[mode];
  for (const [k, what] of [['train', 'training'], ['wall', 'wall'], ['cpu', 'CPU']]) {
    console.log(`log ${mode.padEnd(3)}: steps per ${what} second ${fmt(rs.map((x) => x[k]))} — median ${median(rs.map((x) => x[k])).toFixed(0)}`);
  }
}
const change = (k) => ((median(results.on.map((x) => x[k])) / median(results.off.map((x) => x[k])) - 1) * 100).toFixed(1);
console.log(`with the log vs without (ratio of medians): training ${change('train')}%, wall ${change('wall')}%, CPU ${change('cpu')}%`);
console.log(`per 1,000 steps: event files ${((sizes.events / steps) * 1000 / 1024).toFixed(1)} KiB, metrics.jsonl ${((sizes.metrics / steps) * 1000 / 1024).toFixed(1)} KiB (${steps} steps, flags: ${flags.slice(3).filter((f) => f !== data).join(' ')})`);
rmSync(tmp, { recursive: true, force: true });
