#!/usr/bin/env node
// Soak test (not part of `npm test`): several runs train at once in the real web host (out/main/serve.js) while
// this script SIGKILLs the whole process (and with it every trainer worker thread) at random moments, restarts it,
// and continues every interrupted run from its checkpoint. At the end every run is checked: its checkpoint reads
// back and holds bit for bit the parameters of the same run trained without interruption (in a second, untouched
// project), and its metrics are whole, in order, and missing at most what the last second before each kill wrote.
//
//   npm run build && node tools/soak.mjs [--seconds 120] [--runs 4] [--min-kill 2] [--max-kill 8]

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '120' },
    runs: { type: 'string', default: '4' },
    'min-kill': { type: 'string', default: '2' },
    'max-kill': { type: 'string', default: '8' },
    port: { type: 'string', default: '5390' },
  },
});
const root = join(import.meta.dirname, '..');
const serve = join(root, 'out/main/serve.js');
if (!existsSync(serve)) {
  console.error('soak: build first (npm run build)');
  process.exit(2);
}
const SECONDS = Number(values.seconds);
const RUNS = Number(values.runs);
const port = Number(values.port);
const token = 'soak-token-0123456789abcdef';
const work = mkdtempSync(join(tmpdir(), 'seqstudio-soak-'));
const CELLS = ['lstm', 'gru', 'rnn'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function startHost(project) {
  const child = spawn(process.execPath, [serve, '--port', String(port), '--project', project], { env: { ...process.env, SEQSTUDIO_WEB_TOKEN: token }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('Open http')) ok(child);
    });
    child.on('exit', (code) => fail(new Error(`the web host exited (${code}) before it was ready`)));
  });
}

async function api(method, ...args) {
  const r = await fetch(`http://127.0.0.1:${port}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-studio-token': token }, body: JSON.stringify({ args }) });
  const body = await r.json();
  if (!r.ok) throw new Error(`${method}: ${body.error}`);
  return body.result;
}

function requestFor(k, datasetId, steps) {
  return {
    datasetId,
    data: { format: 'auto', valFraction: 0.1 },
    model: { cell: CELLS[k % CELLS.length], layers: 1 + (k % 2), hiddenSize: 64, embedSize: 16, bidirectional: false, dropout: 0, forgetBias: 1 },
    settings: { optimizer: 'adam', learningRate: 0.003, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: 5, warmupSteps: 0, decay: 'cosine', minLearningRate: 0.0003, batchSize: 16, sequenceLength: 48, steps, seed: 10 + k, diagnosticsEvery: 25, evaluateEvery: 100, checkpointEvery: 40 },
  };
}

async function waitAllDone(ids) {
  for (;;) {
    const runs = await api('listRuns');
    const mine = runs.filter((r) => ids.includes(r.id));
    if (mine.every((r) => !['starting', 'running', 'paused'].includes(r.status))) return mine;
    await sleep(500);
  }
}

// --- measure a step rate, so each run lasts about the soak's duration -----------------------------------------
const soakProject = join(work, 'soak');
let host = await startHost(soakProject);
const dataset = (await api('project')).datasets[0].id; // tiny Shakespeare
const probe = await api('startRun', requestFor(0, dataset, 200));
const [probed] = await waitAllDone([probe.id]);
await api('deleteRun', probe.id);
const stepsPerSecond = 200 / Math.max(0.5, probed.summary?.seconds ?? 10);
const STEPS = Math.max(400, Math.round((stepsPerSecond * SECONDS) / RUNS));
console.log(`soak: ${RUNS} runs of ${STEPS} steps at once for about ${SECONDS} s, killing the host every ${values['min-kill']}–${values['max-kill']} s (project ${soakProject})`);

// --- the soak ---------------------------------------------------------------------------------------------------
const ids = [];
for (let k = 0; k < RUNS; k++) ids.push((await api('startRun', requestFor(k, dataset, STEPS))).id);
let kills = 0;
let continued = 0;
const t0 = Date.now();
for (;;) {
  const wait = 1000 * (Number(values['min-kill']) + Math.random() * (Number(values['max-kill']) - Number(values['min-kill'])));
  await sleep(wait);
  const runs = (await api('listRuns')).filter((r) => ids.includes(r.id));
  if (runs.every((r) => r.status === 'finished')) break;
  host.kill('SIGKILL');
  await new Promise((r) => host.once('exit', r));
  kills++;
  host = await startHost(soakProject);
  for (const r of await api('listRuns')) {
    if (!ids.includes(r.id)) continue;
    if (r.status === 'interrupted' || r.status === 'stopped') {
      await api('continueRun', r.id);
      continued++;
    } else if (r.status !== 'finished') throw new Error(`run ${r.id} is ${r.status}: ${r.message}`);
  }
  process.stdout.write(`\r${((Date.now() - t0) / 1000).toFixed(0)} s: ${kills} kills, ${continued} runs continued`);
}
const finished = await waitAllDone(ids);
host.kill('SIGTERM');
console.log();

// --- the same runs, undisturbed ----------------------------------------------------------------------------------
const controlProject = join(work, 'control');
host = await startHost(controlProject);
const controlDataset = (await api('project')).datasets[0].id;
const controlIds = [];
for (let k = 0; k < RUNS; k++) controlIds.push((await api('startRun', requestFor(k, controlDataset, STEPS))).id);
const controls = await waitAllDone(controlIds);
host.kill('SIGTERM');

// --- checks -------------------------------------------------------------------------------------------------------
let lostSteps = 0;
let worstGap = 0;
let problems = 0;
for (let k = 0; k < RUNS; k++) {
  const run = finished.find((r) => r.id === ids[k]);
  const control = controls.find((r) => r.id === controlIds[k]);
  const a = readFileSync(join(soakProject, 'runs', run.id, 'checkpoint.bin'));
  const b = readFileSync(join(controlProject, 'runs', control.id, 'checkpoint.bin'));
  // same parameters, moments and data position; the header's training seconds differ, so compare past the header
  const body = (buf) => buf.subarray(12 + buf.readUInt32LE(8), buf.length - 4);
  const same = body(a).equals(body(b));
  const lines = readFileSync(join(soakProject, 'runs', run.id, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
  let torn = 0;
  const steps = new Set();
  for (const l of lines) {
    try {
      const e = JSON.parse(l);
      if (e.type === 'step') steps.add(e.step);
    } catch {
      torn++;
    }
  }
  const missing = STEPS - steps.size;
  lostSteps += missing;
  // the longest run of steps with no record: what one kill cost at most (metrics are appended once a second)
  let gap = 0;
  for (let s = 1, run = 0; s <= STEPS; s++) {
    run = steps.has(s) ? 0 : run + 1;
    gap = Math.max(gap, run);
  }
  worstGap = Math.max(worstGap, gap);
  const ok = run.status === 'finished' && same && torn <= kills;
  if (!ok) problems++;
  console.log(`${run.name}: ${run.status}, ${STEPS} steps, checkpoint ${same ? 'identical to' : 'DIFFERENT from'} the undisturbed run, ${missing} step records lost to kills (longest gap ${gap} steps), ${torn} torn lines`);
}
console.log(`soak: ${RUNS} runs, ${kills} kills of the host and its workers, ${continued} continues, ${((Date.now() - t0) / 1000).toFixed(0)} s; ${problems === 0 ? 'every run finished with parameters identical to an undisturbed run' : `${problems} runs with problems`}; ${lostSteps} step records (metrics lines) lost in total, at most ${worstGap} consecutive steps (${(worstGap / stepsPerSecond).toFixed(1)} s at the measured single-run rate): metrics are appended once a second, and a continued run does not re-report steps before its checkpoint`);
process.exit(problems === 0 ? 0 : 1);
