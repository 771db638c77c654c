#!/usr/bin/env node
// Measures what issue 17 asks of sweeps, through the built CLI (npm run build first):
//
//   node tools/sweep-measure.mjs quality [--budget 4m] [--workers N] [--datasets DIR] [--only FOLDER] [--test-fraction F]
//       (with --test-fraction, both are also scored once on a held-out test part no trial was chosen by: the best of
//       many trials on the validation data is an optimistic figure, the test part says how much of it is real)
//       on a series, a text classifier and a tagger of ../shared/datasets: the default recipe's run (`train`, its
//       time budget raised to the sweep's) beside a TPE sweep's best trial given the same budget of wall time;
//       the validation metric of each, side by side.
//   node tools/sweep-measure.mjs throughput [--workers 1,2] [--trials 8] [--data FILE]
//       the same trials (random search, fixed seed, no early stopping, the data's recipe) run one after another
//       (--workers 1) and N at once: trials finished per hour, and the speed-up. On a 16-core machine:
//       node tools/sweep-measure.mjs throughput --workers 1,16 --trials 32
//
// Prints a markdown table per measurement (and the JSON of each run under --out, default a temporary folder).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin/seqstudio.mjs');
const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    budget: { type: 'string', default: '4m' },
    only: { type: 'string' },
    'test-fraction': { type: 'string' },
    workers: { type: 'string' },
    trials: { type: 'string', default: '8' },
    data: { type: 'string' },
    datasets: { type: 'string', default: resolve(root, '../shared/datasets') },
    out: { type: 'string' },
  },
});
const out = resolve(o.out ?? mkdtempSync(join(tmpdir(), 'sweep-measure-')));
const what = positionals[0] ?? 'quality';

function seqstudio(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args, '--json'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`seqstudio ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  return { last: lines.at(-1), lines, seconds };
}

const machine = () => `${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`;

/** The metric a run is judged by, as src-shared/metrics.ts orders them (entity F1 before accuracy …). */
const ORDER = ['entityF1', 'tokenErrorRate', 'accuracy', 'exactMatch', 'rmse', 'mae', 'perplexity'];
const HIGHER = new Set(['entityF1', 'accuracy', 'exactMatch']);
const primary = (metrics) => ORDER.find((m) => m in metrics);

function quality() {
  const sets = [
    // not lookback: it changes which windows are validated, so the figures would not compare
    { name: 'series: monthly_car_sales_quebec', file: 'monthly_car_sales_quebec/monthly-car-sales.csv', space: 'cell=lstm,gru hidden=16..128:log lr=1e-3..2e-2:log layers=1..2' },
    { name: 'text classifier: sentiment_sentences (imdb)', file: 'sentiment_sentences/imdb_labelled.txt', space: 'cell=lstm,gru hidden=16..128:log lr=1e-3..2e-2:log embed=16..64:log bidirectional=true,false' },
    { name: 'tagger: conll2000_chunking', file: 'conll2000_chunking/test.txt', space: 'cell=lstm,gru hidden=32..128:log lr=1e-3..2e-2:log bidirectional=true,false' },
  ];
  const rows = [];
  for (const s of sets) {
    if (o.only && !s.file.startsWith(o.only)) continue;
    const data = join(o.datasets, s.file);
    const test = o['test-fraction'] ? ['--test-fraction', o['test-fraction']] : [];
    const def = seqstudio(['train', '--data', data, '--budget', o.budget, ...test, '--out', join(out, `${s.file.split('/')[0]}-default`)]);
    const m = primary(def.last.metrics);
    const sweepDir = join(out, `${s.file.split('/')[0]}-sweep`);
    const sweep = seqstudio(['sweep', '--data', data, '--space', s.space, '--method', 'tpe', '--trials', '200', '--budget', o.budget, ...test, ...(o.workers ? ['--workers', o.workers] : []), '--out', sweepDir]);
    const best = sweep.last.trials[0];
    const bestTest = test.length ? JSON.parse(readFileSync(join(sweepDir, best.runDir, 'summary.json'), 'utf8')).test?.metrics?.[m] : undefined;
    const testCell = test.length ? ` | ${def.last.test?.metrics?.[m]?.toPrecision(4) ?? '—'} vs ${bestTest?.toPrecision(4) ?? '—'}` : '';
    const params = Object.entries(best.params).map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(3) : v}`).join(' ');
    const finished = sweep.last.trials.filter((t) => t.status === 'finished').length;
    const early = sweep.last.trials.filter((t) => t.status === 'stopped-early').length;
    rows.push(`| ${s.name} | ${m} (${HIGHER.has(m) ? 'higher' : 'lower'} is better) | ${def.last.metrics[m].toPrecision(4)} in ${def.seconds.toFixed(0)} s | ${best.best.metrics[m].toPrecision(4)} (trial ${best.trial}: ${params}) | ${sweep.last.trials.length} trials (${finished} finished, ${early} stopped early) in ${sweep.seconds.toFixed(0)} s${testCell} |`);
    console.error(rows.at(-1));
  }
  console.log(`\nBudget ${o.budget} each; ${machine()} (at the end)\n`);
  const testHead = o['test-fraction'] ? ` held-out test (${o['test-fraction']}): default vs best trial |` : '';
  console.log(`| dataset | validation metric | default recipe (\`train --budget\`) | sweep's best trial (TPE, ASHA) | sweep |${testHead}`);
  console.log(`|---|---|---|---|---|${testHead ? '---|' : ''}`);
  for (const r of rows) console.log(r);
}

function throughput() {
  const data = resolve(o.data ?? join(o.datasets, 'monthly_car_sales_quebec/monthly-car-sales.csv'));
  const counts = (o.workers ?? `1,${availableParallelism()}`).split(',').map(Number);
  const trials = Number(o.trials);
  const rows = [];
  let base;
  for (const w of counts) {
    const r = seqstudio(['sweep', '--data', data, '--space', 'cell=lstm,gru hidden=16..64:log lr=1e-3..1e-2:log', '--method', 'random', '--seed', '7', '--trials', String(trials), '--stop', 'none', '--workers', String(w), '--out', join(out, `throughput-${w}`)]);
    // the sweep's own wall time (its log's), not the data's inspection before it
    const perHour = (r.last.trials.length / r.last.elapsed) * 3600;
    base ??= perHour;
    rows.push(`| ${w} | ${r.last.trials.length} | ${r.last.elapsed.toFixed(1)} s | ${perHour.toFixed(0)} | ${(perHour / base).toFixed(2)}× |`);
    console.error(rows.at(-1));
  }
  console.log(`\n${trials} trials on ${data}; ${machine()} (at the end)\n`);
  console.log('| trials at once | trials | wall time | trials per hour | vs one at a time |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

if (what === 'quality') quality();
else if (what === 'throughput') throughput();
else {
  console.error('usage: node tools/sweep-measure.mjs quality|throughput [flags]');
  process.exit(2);
}
