// Dataset evidence for issue 3 ("What it must reach"): every dataset in ../shared/datasets/ and every sample in
// resources/samples/ is imported with the proposed settings (or the ONE stated override below), trained through
// the CLI, and compared with the naive baseline the CLI computes on the same validation data.
//
// Each trained run is then exported to ONNX (`seqstudio export RUN --json`; running text also with --streaming),
// loaded in onnxruntime and compared with the trainer on the run's validation data: the largest absolute
// difference is printed per dataset (issue: ONNX export; the bar is 1e-4, and greedy decodes must agree).
//
// Not part of `npm test` (it trains ~15 models, a few minutes on 2 cores). Run it with:
//
//   npm run build && node tools/datasets-check.mjs            # all entries
//   node tools/datasets-check.mjs co2 yelp                    # only entries whose name contains one of the words
//   node tools/datasets-check.mjs --steps 100                 # a short training budget (at most 100 steps each):
//                                                             # checks every export; baselines are not required
//   node tools/datasets-check.mjs --no-export                 # training and baselines only
//
// Prints one line per dataset: name, shape, flags, metric, model, baseline, beats, seconds, export; exits 1 if a
// run or an export fails, an export differs from the trainer by more than 1e-4 (or its greedy decodes differ), or
// (without --steps) a model does not beat its baseline; 0 otherwise. Runs go to a temporary folder, one at a time.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = resolve(root, '..', 'shared', 'datasets');
const samples = join(root, 'resources', 'samples');

// data: the file; shape: the proposed (or overridden) shape, for the table; override: the one data flag changed
// from inspect's proposal (or none); model: model/optimiser flags only (they do not change the data proposal).
const char = ['--cell', 'gru', '--hidden', '128', '--lr', '0.005', '--steps', '600'];
const sentiment = ['--cell', 'gru', '--hidden', '64', '--lr', '0.003', '--steps', '400'];
const co2 = ['--cell', 'gru', '--hidden', '64', '--lr', '0.003', '--decay', 'cosine', '--steps', '3000'];
const tagging = ['--cell', 'lstm', '--hidden', '128', '--lr', '0.002', '--bidirectional', '--steps', '800'];
const pairs = ['--cell', 'gru', '--hidden', '256', '--lr', '0.003', '--steps', '3000'];
const movement = ['--cell', 'gru', '--hidden', '32', '--lr', '0.003', '--steps', '400'];
const macro = ['--cell', 'gru', '--hidden', '32', '--lr', '0.003', '--steps', '1000'];

const entries = [
  { name: 'tinyshakespeare', data: join(shared, 'tinyshakespeare/input.txt'), shape: 'many-to-many', override: [], model: char },
  { name: 'mauna_loa_co2_weekly', data: join(shared, 'mauna_loa_co2_weekly/co2.csv'), shape: 'many-to-one', override: ['--difference'], model: co2 },
  { name: 'us_macro_quarterly', data: join(shared, 'us_macro_quarterly/macrodata.csv'), shape: 'one-to-one', override: [], model: macro },
  { name: 'sentiment amazon', data: join(shared, 'sentiment_sentences/amazon_cells_labelled.txt'), shape: 'many-to-one', override: [], model: sentiment },
  { name: 'sentiment imdb', data: join(shared, 'sentiment_sentences/imdb_labelled.txt'), shape: 'many-to-one', override: [], model: sentiment },
  { name: 'sentiment yelp', data: join(shared, 'sentiment_sentences/yelp_labelled.txt'), shape: 'many-to-one', override: [], model: sentiment },
  { name: 'wnut17_ner', data: join(shared, 'wnut17_ner/wnut17train.conll'), shape: 'many-to-many', override: [], model: tagging },
  { name: 'eng_fra_tatoeba', data: join(shared, 'eng_fra_tatoeba/eng-fra.txt'), shape: 'encoder-decoder', override: [], model: pairs },
  { name: 'indoor_movement', data: join(shared, 'indoor_movement/MovementAAL_combined.csv'), shape: 'many-to-one', override: [], model: movement },
  // bundled samples
  { name: 'sample tinyshakespeare.txt', data: join(samples, 'tinyshakespeare.txt'), shape: 'many-to-many', override: [], model: char },
  { name: 'sample co2-weekly.csv', data: join(samples, 'co2-weekly.csv'), shape: 'many-to-one', override: ['--difference'], model: co2 },
  { name: 'sample us-macro.csv', data: join(samples, 'us-macro.csv'), shape: 'one-to-one', override: [], model: macro },
  { name: 'sample sentiment-yelp.tsv', data: join(samples, 'sentiment-yelp.tsv'), shape: 'many-to-one', override: [], model: sentiment },
  // one-to-many: the same file read the other way round — a label → a sentence, generated character by character
  { name: 'sample sentiment-yelp.tsv (one-to-many)', data: join(samples, 'sentiment-yelp.tsv'), shape: 'one-to-many', override: ['--shape', 'one-to-many', '--input', 'score', '--target', 'sentence'], model: ['--hidden', '128', '--lr', '0.005', '--steps', '300'] },
  { name: 'sample wnut17-ner.conll', data: join(samples, 'wnut17-ner.conll'), shape: 'many-to-many', override: [], model: tagging },
  { name: 'sample eng-fra.tsv', data: join(samples, 'eng-fra.tsv'), shape: 'encoder-decoder', override: [], model: pairs },
  { name: 'sample indoor-movement.csv', data: join(samples, 'indoor-movement.csv'), shape: 'many-to-one', override: [], model: movement },
];

// Which summary metric decides, and in which direction.
const decisive = [
  ['entityF1', +1], // BIO tagging: entity F1 is the measure (accuracy rewards tagging everything O)
  ['accuracy', +1],
  ['perplexity', -1],
  ['tokenErrorRate', -1],
  ['rmse', -1],
];
function pickMetric(shape, metrics, baseline) {
  if (shape === 'many-to-many' && 'perplexity' in metrics && 'perplexity' in baseline) return ['perplexity', -1];
  for (const [k, dir] of decisive) if (k in metrics && k in baseline) return [k, dir];
  return [null, 0];
}

const argv = process.argv.slice(2);
let stepCap;
let doExport = true;
const filter = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--steps') stepCap = Number(argv[++i]);
  else if (argv[i].startsWith('--steps=')) stepCap = Number(argv[i].slice(8));
  else if (argv[i] === '--no-export') doExport = false;
  else filter.push(argv[i]);
}
if (stepCap !== undefined && !(Number.isInteger(stepCap) && stepCap > 0)) {
  console.error('--steps N: expected a positive integer');
  process.exit(2);
}
/** The entry's flags with --steps capped at the --steps budget. */
const capSteps = (flags) => (stepCap === undefined ? flags : flags.map((f, i) => (flags[i - 1] === '--steps' ? String(Math.min(Number(f), stepCap)) : f)));
const chosen = filter.length ? entries.filter((e) => filter.some((w) => e.name.includes(w))) : entries;
const cli = join(root, 'bin', 'seqstudio.mjs');
const outRoot = mkdtempSync(join(tmpdir(), 'seqstudio-datasets-'));
const fmt = (x) => (typeof x === 'number' ? (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4)) : String(x));
const rows = [];
let failures = 0;
let exportFailures = 0;
let exportCount = 0;
const exportsDone = [];

for (const [i, e] of chosen.entries()) {
  const flags = [...e.override, ...capSteps(e.model), '--workers', '2'];
  const runDir = join(outRoot, String(i));
  const args = [cli, 'train', '--data', e.data, ...flags, '--out', runDir, '--json'];
  const t0 = Date.now();
  const r = existsSync(e.data) ? spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 }) : null;
  const seconds = (Date.now() - t0) / 1000;
  let summary = null;
  if (r)
    for (const line of r.stdout.trim().split('\n').reverse()) {
      try {
        const o = JSON.parse(line);
        if (o.type === 'summary') {
          summary = o;
          break;
        }
      } catch {
        /* not JSON */
      }
    }
  const row = { dataset: e.name, shape: e.shape, flags: flags.join(' '), metric: '-', model: '-', baseline: '-', beats: 'no', seconds: seconds.toFixed(1), export: '-' };
  if (!summary) {
    failures++;
    row.model = !r ? `missing file ${e.data}` : `FAILED (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0] ?? ''}`;
  } else {
    const [k, dir] = pickMetric(e.shape, summary.metrics, summary.baseline.metrics);
    if (!k) failures++;
    else {
      const m = summary.metrics[k];
      const b = summary.baseline.metrics[k];
      const beats = dir > 0 ? m > b : m < b;
      if (!beats && stepCap === undefined) failures++;
      Object.assign(row, { metric: k, model: fmt(m), baseline: `${fmt(b)} (${summary.baseline.name})`, beats: beats ? 'yes' : 'no' });
    }
  }
  if (summary && doExport) {
    // Export the run (and, for running text, its streaming variant) and read the proof.
    const variants = e.shape === 'many-to-many' && /\.txt$/.test(e.data) ? [[], ['--streaming']] : [[]];
    const parts = [];
    for (const extra of variants) {
      const t1 = Date.now();
      exportCount++;
      const out = join(runDir, 'export', extra.length ? 'streaming.onnx' : 'model.onnx');
      const x = spawnSync(process.execPath, [cli, 'export', runDir, '--out', out, ...extra, '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      let rep = null;
      try {
        rep = JSON.parse(x.stdout.trim().split('\n').at(-1));
      } catch {
        /* not JSON */
      }
      const label = extra.length ? 'streaming ' : '';
      if (!rep || rep.type !== 'export') {
        failures++;
        exportFailures++;
        parts.push(`${label}FAILED (exit ${x.status}): ${(x.stderr || x.stdout).trim().split('\n').slice(-1)[0] ?? ''}`);
        continue;
      }
      if (!rep.ok) (failures++, exportFailures++);
      const gen = rep.generation ? `, greedy ${rep.generation.kind} ${rep.generation.agreed}/${rep.generation.samples} agree` : '';
      parts.push(`${label}max|diff| ${rep.maxAbsDiff.toExponential(2)} on ${rep.checkedSamples} ${rep.checkedOn} seqs${gen}${rep.ok ? '' : ' NOT OK'} (${((Date.now() - t1) / 1000).toFixed(1)}s)`);
      exportsDone.push({ dataset: e.name, variant: label.trim() || 'default', maxAbsDiff: rep.maxAbsDiff, ok: rep.ok });
    }
    row.export = parts.join('; ');
  }
  rows.push(row);
  console.log(['dataset', 'shape', 'flags', 'metric', 'model', 'baseline', 'beats', 'seconds', 'export'].map((c) => row[c]).join(' | '));
}

rmSync(outRoot, { recursive: true, force: true });
const beating = rows.filter((r) => r.beats === 'yes').length;
console.log(`\n${beating} of ${rows.length} beat their baseline${stepCap !== undefined ? ` (training capped at ${stepCap} steps: not required)` : ''}`);
if (doExport && exportsDone.length) {
  const worst = Math.max(...exportsDone.map((x) => x.maxAbsDiff));
  console.log(`ONNX exports: ${exportCount - exportFailures} of ${exportCount} match the trainer (≤ 1e-4, greedy decodes agree); largest max |diff| ${worst.toExponential(2)}`);
}
process.exit(failures ? 1 : 0);
