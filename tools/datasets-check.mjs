// The no-flags check (issue 12): every dataset of ../shared/datasets/ (the rows of its EXPECTED.md, as listed in
// workers/data/corpus.json) and every bundled sample of resources/samples/ is trained through the CLI with NO flags
// at all — the proposal, the default recipe, early stopping and the default time budget decide everything — and the
// model's metric is printed beside the naive baseline the CLI computes on the same validation data, with the steps,
// the seconds, why it stopped, and the published figure from the dataset's SOURCE.md where there is one.
//
// Each trained run is then exported to ONNX (`seqstudio export RUN --json`; running text also with --streaming),
// loaded in onnxruntime and compared with the trainer on the run's validation data: the largest absolute
// difference is printed per dataset (the bar is 1e-4, and greedy decodes must agree).
//
// Not part of `npm test` (about an hour on 2 cores: each run within its own default budget). Run it with:
//
//   npm run build && node tools/datasets-check.mjs            # all entries
//   node tools/datasets-check.mjs co2 yelp                    # only entries whose name contains one of the words
//   node tools/datasets-check.mjs --budget 30s               # a shorter budget for each (the no-flags runs use theirs)
//   node tools/datasets-check.mjs --no-export                 # training and baselines only
//
// Encoder–decoder runs (translation, transliteration, spelling) get a second, indented line: the decode metrics
// of the run's summary — token error rate, exact match, and where the target is sentences of words corpus BLEU and
// chrF (sacreBLEU's defaults) — for the greedy decodes of the validation pairs the evaluation scores (up to 200;
// `metrics`), and for the same pairs decoded by beam search at the end (`beam`: width and α as predict's), and on
// the test split where there is one. Every other shape prints its one line as before.
//
// Prints one line per dataset; exits 1 if a run or an export fails, an export differs from the trainer by more than
// 1e-4 (or its greedy decodes differ), or (without --budget) a model does not beat its baseline; 0 otherwise. Runs go
// to a temporary folder, one at a time.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = resolve(root, '..', 'shared', 'datasets');
const samples = join(root, 'resources', 'samples');
const corpus = JSON.parse(readFileSync(join(root, 'workers', 'data', 'corpus.json'), 'utf8'));

const entries = [
  ...corpus.map((e) => ({ name: e.folder, data: e.file === '.' ? join(shared, e.folder) : join(shared, e.folder, e.file), reference: e.reference ?? '' })),
  ...['tinyshakespeare.txt', 'co2-weekly.csv', 'us-macro.csv', 'sentiment-yelp.tsv', 'wnut17-ner.conll', 'eng-fra.tsv', 'indoor-movement.csv'].map((f) => ({ name: `sample ${f}`, data: join(samples, f), reference: '' })),
];

// Which summary metric decides, and in which direction.
const decisive = [
  ['entityF1', +1], // BIO tagging: entity F1 is the measure (accuracy rewards tagging everything O)
  ['accuracy', +1],
  ['perplexity', -1],
  ['tokenErrorRate', -1],
  ['rmse', -1],
];
function pickMetric(metrics, baseline) {
  if ('perplexity' in metrics && 'perplexity' in baseline && !('entityF1' in metrics)) return ['perplexity', -1];
  for (const [k, dir] of decisive) if (k in metrics && k in baseline) return [k, dir];
  return [null, 0];
}

const argv = process.argv.slice(2);
let budget;
let doExport = true;
const filter = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--budget') budget = argv[++i];
  else if (argv[i].startsWith('--budget=')) budget = argv[i].slice(9);
  else if (argv[i] === '--no-export') doExport = false;
  else filter.push(argv[i]);
}
const chosen = filter.length ? entries.filter((e) => filter.some((w) => e.name.includes(w))) : entries;
const cli = join(root, 'bin', 'seqstudio.mjs');
const outRoot = mkdtempSync(join(tmpdir(), 'seqstudio-datasets-'));
/** The decode metrics of an encoder–decoder summary, as a note under its row (see the header). */
function decodeNote(summary) {
  const names = [['tokenErrorRate', 'token error rate'], ['exactMatch', 'exact match'], ['bleu', 'BLEU'], ['chrF', 'chrF']];
  const part = (m) => names.filter(([k]) => k in m).map(([k, label]) => `${label} ${fmt(m[k])}`).join(', ');
  const parts = [`greedy: ${part(summary.metrics)}`];
  if (summary.beam) parts.push(`beam ${summary.beam.width} (α ${summary.beam.lengthPenalty}): ${part(summary.beam.metrics)}`);
  const test = summary.test?.metrics && 'tokenErrorRate' in summary.test.metrics ? `; test split (${summary.test.items}, greedy): ${part(summary.test.metrics)}` : '';
  const noText = 'bleu' in summary.metrics ? '' : ' (no BLEU or chrF: the target is not sentences of words)';
  return `    decodes of the validation pairs (up to 200), ${parts.join('; ')}${test}${noText}`;
}
const fmt = (x) => (typeof x === 'number' ? (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4)) : String(x));
const rows = [];
let failures = 0;
let exportFailures = 0;
let exportCount = 0;
const exportsDone = [];

for (const [i, e] of chosen.entries()) {
  const flags = budget ? ['--budget', budget] : [];
  const runDir = join(outRoot, String(i));
  const args = [cli, 'train', '--data', e.data, ...flags, '--out', runDir, '--json'];
  const t0 = Date.now();
  const r = existsSync(e.data) ? spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 }) : null;
  const seconds = (Date.now() - t0) / 1000;
  let summary = null;
  let recipe = null;
  if (r)
    for (const line of r.stdout.trim().split('\n')) {
      try {
        const o = JSON.parse(line);
        if (o.type === 'summary') summary = o;
        if (o.type === 'recipe') recipe = o;
      } catch {
        /* not JSON */
      }
    }
  const shape = recipe?.choice?.shape ?? '?';
  const row = { dataset: e.name, shape, model: '-', metric: '-', value: '-', baseline: '-', beats: 'no', test: '-', steps: '-', seconds: seconds.toFixed(0), stop: '-', reference: e.reference, export: '-' };
  if (recipe) row.model = `${recipe.recipe.model.bidirectional ? 'bi' : ''}${recipe.recipe.model.cell.toUpperCase()} ${recipe.recipe.model.layers}×${recipe.recipe.model.hiddenSize}`;
  if (!summary) {
    failures++;
    row.value = !r ? `missing file ${e.data}` : `FAILED (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0] ?? ''}`;
  } else {
    row.steps = String(summary.steps);
    row.stop = `${summary.stopReason ?? 'finished'}${summary.restoredBest ? ` (best ${summary.bestStep})` : ''}`;
    const [k, dir] = pickMetric(summary.metrics, summary.baseline?.metrics ?? {});
    if (!k) failures++;
    else {
      const m = summary.metrics[k];
      const b = summary.baseline.metrics[k];
      const beats = dir > 0 ? m > b : m < b;
      if (!beats && budget === undefined) failures++;
      Object.assign(row, { metric: k, value: fmt(m), baseline: `${fmt(b)} (${summary.baseline.name})`, beats: beats ? 'yes' : 'no' });
      // the file's own held-out test split (its TEST file, or --test-fraction), where it has one
      if (summary.test?.metrics?.[k] !== undefined) row.test = `${fmt(summary.test.metrics[k])} on ${summary.test.items}`;
    }
  }
  if (summary && doExport) {
    // Export the run (and, for running text, its streaming variant) and read the proof.
    const variants = summary && recipe?.choice?.shape === 'many-to-many' && e.data.endsWith('.txt') ? [[], ['--streaming']] : [[]];
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
      parts.push(`${label}max|diff| ${rep.maxAbsDiff.toExponential(2)} on ${rep.checkedSamples} ${rep.checkedOn}${gen}${rep.ok ? '' : ' NOT OK'} (${((Date.now() - t1) / 1000).toFixed(1)}s)`);
      exportsDone.push({ dataset: e.name, variant: label.trim() || 'default', maxAbsDiff: rep.maxAbsDiff, ok: rep.ok });
    }
    row.export = parts.join('; ');
  }
  rows.push(row);
  console.log(['dataset', 'shape', 'model', 'metric', 'value', 'baseline', 'beats', 'test', 'steps', 'seconds', 'stop', 'reference', 'export'].map((c) => row[c]).join(' | '));
  if (summary && shape === 'encoder-decoder') console.log(decodeNote(summary));
}

rmSync(outRoot, { recursive: true, force: true });
const beating = rows.filter((r) => r.beats === 'yes').length;
console.log(`\n${beating} of ${rows.length} beat their baseline with no flags${budget !== undefined ? ` (each run's budget capped at ${budget}: not required)` : ''}`);
if (doExport && exportsDone.length) {
  const worst = Math.max(...exportsDone.map((x) => x.maxAbsDiff));
  console.log(`ONNX exports: ${exportCount - exportFailures} of ${exportCount} match the trainer (≤ 1e-4, greedy decodes agree); largest max |diff| ${worst.toExponential(2)}`);
}
process.exit(failures ? 1 : 0);
