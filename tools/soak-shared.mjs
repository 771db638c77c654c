#!/usr/bin/env node
// Soak of one project shared by many processes (not part of `npm test`; issue 13): 3 web hosts (out/main/serve.js)
// and 2 CLI slots (`seqstudio train`) on the same project folder start, pause, resume, stop, continue, fork and
// delete runs and add datasets at random, while a killer SIGKILLs one of the 5 processes about every 20 s (a killed
// host is restarted; a CLI slot starts its next command). At the end every process is stopped gracefully and every
// run folder is checked on disk:
//   metrics.jsonl   every line whole (a torn last line only where a kill left it and no one continued the run),
//                   every step at most once, none missing from 1 to the last step logged, nothing beyond the
//                   checkpoint lost (every step up to the checkpoint's is logged)
//   checkpoint.bin  loadable: magic, CRC-32, header step ≤ the run's steps
//   summary.json    true: where the log ends with a done event (finished/stopped), the summary's steps equal that
//                   event's step and the checkpoint's, and its losses are numbers
// and project.json holds every dataset that was added, and every run created and not deleted is there;
// no host exited except the ones killed. Prints the counts; exit code 1 if anything failed.
//
//   npm run build && node tools/soak-shared.mjs [--seconds 600] [--kill-every 20]

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { crc32 } from 'node:zlib';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '600' }, 'kill-every': { type: 'string', default: '20' }, project: { type: 'string' } } });
const root = join(import.meta.dirname, '..');
const serve = join(root, 'out/main/serve.js');
const cli = join(root, 'bin/seqstudio.mjs');
if (!existsSync(serve)) {
  console.error('soak-shared: build first (npm run build)');
  process.exit(2);
}
const SECONDS = Number(values.seconds);
const KILL_EVERY = Number(values['kill-every']);
const token = 'soak-shared-token-0123456789abcdef';
const project = values.project ?? join(mkdtempSync(join(tmpdir(), 'seqstudio-soak-shared-')), 'project');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];
const log = (...a) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s]`, ...a);
const t0 = Date.now();

const counts = { kills: 0, hostKills: 0, cliKills: 0, hostRestarts: 0, unexpectedExits: 0, started: 0, forked: 0, continued: 0, cliResumes: 0, cliNew: 0, paused: 0, resumed: 0, stopped: 0, deleted: 0, datasets: 0, refused: 0, failed: 0 };
const refusals = new Map();
const failures = [];
const createdRuns = new Set();
const deletedRuns = new Set();
const addedDatasets = new Set();

// ---------------------------------------------------------------- hosts
/** @type {{ k: number, child: import('node:child_process').ChildProcess, port: number, killed: boolean }[]} */
const hosts = [];
function startHost(k) {
  const child = spawn(process.execPath, [serve, '--project', project, '--port', '0'], { env: { ...process.env, SEQSTUDIO_WEB_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] });
  const h = { k, child, port: 0, killed: false, ready: undefined };
  let err = '';
  child.stderr.on('data', (c) => (err = (err + c).slice(-2000)));
  h.ready = new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /Open http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m && !h.port) {
        h.port = Number(m[1]);
        ok(h);
      }
    });
    child.on('exit', (code, signal) => {
      if (!h.port) fail(new Error(`host ${k} exited (${code ?? signal}) before it was ready: ${err}`));
      if (!h.killed && !stopping) {
        counts.unexpectedExits++;
        failures.push(`host ${k} exited by itself (${code ?? signal}): ${err.slice(-500)}`);
      }
    });
  });
  hosts[k] = h;
  return h.ready;
}

async function api(h, method, ...args) {
  const r = await fetch(`http://127.0.0.1:${h.port}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-studio-token': token }, body: JSON.stringify({ args }) });
  const body = await r.json();
  if (r.status !== 200) {
    const e = new Error(`${method}: ${body.error}`);
    e.status = r.status;
    throw e;
  }
  return body.result;
}

/** An expected refusal (another process has the run, it was deleted, no checkpoint yet…) or a failure. */
const EXPECTED = [/another process/, /no run "/, /is not training/, /no checkpoint/, /already training/, /no readable request\.json/, /nothing to continue/, /keeps checkpoints at step/, /give it more steps/, /the fork starts at step/, /it may have been deleted/];
function outcome(what, e) {
  const msg = String(e?.message ?? e);
  if (e?.status && e.status !== 500 && EXPECTED.some((r) => r.test(msg))) {
    counts.refused++;
    const key = msg.replace(/[0-9]{8}-[0-9]{6}-\w+(-\d+)?/g, 'RUN').replace(/pid \d+.*?\)/, 'pid …)').slice(0, 90);
    refusals.set(key, (refusals.get(key) ?? 0) + 1);
    return;
  }
  if (!e?.status) return; // the host was killed under this request
  counts.failed++;
  failures.push(`${what}: ${msg}`);
}

// ---------------------------------------------------------------- the random operations of the hosts
let datasetId;
let baseRequest;
const CELLS = ['lstm', 'gru', 'rnn'];
function newRequest() {
  return {
    ...baseRequest,
    datasetId,
    model: { cell: pick(CELLS), layers: 1, hiddenSize: pick([8, 12, 16]), embedSize: 8, bidirectional: false, dropout: 0, forgetBias: 1 },
    settings: { ...baseRequest.settings, steps: 400 + Math.floor(Math.random() * 1600), batchSize: 8, sequenceLength: 16, checkpointEvery: 25, evaluateEvery: 100, diagnosticsEvery: 50, seed: Math.floor(Math.random() * 1000) },
  };
}

async function hostOp() {
  const h = pick(hosts.filter((x) => x.port && !x.killed));
  if (!h) return;
  let runs;
  try {
    runs = await api(h, 'listRuns');
  } catch (e) {
    return outcome('listRuns', e);
  }
  const active = runs.filter((r) => ['starting', 'running', 'paused', 'elsewhere'].includes(r.status)).length + cliSlots.filter((c) => c.child).length;
  const r = runs.length ? pick(runs) : undefined;
  const op = pick(['start', 'start', 'pause', 'resume', 'stop', 'continue', 'continue', 'fork', 'delete', 'dataset', 'history']);
  try {
    switch (op) {
      case 'start':
        if (active >= 6) return;
        createdRuns.add((await api(h, 'startRun', newRequest())).id);
        counts.started++;
        break;
      case 'pause':
        if (!r) return;
        await api(h, 'pauseRun', r.id);
        counts.paused++;
        break;
      case 'resume':
        if (!r) return;
        await api(h, 'resumeRun', r.id);
        counts.resumed++;
        break;
      case 'stop':
        if (!r) return;
        await api(h, 'stopRun', r.id);
        counts.stopped++;
        break;
      case 'continue':
        if (!r || active >= 6 || r.status === 'finished') return;
        await api(h, 'continueRun', r.id);
        counts.continued++;
        break;
      case 'fork': {
        if (!r || active >= 6 || !r.checkpointSteps?.length) return;
        const from = pick(r.checkpointSteps);
        const fork = await api(h, 'forkRun', r.id, { ...r.settings, steps: from + 200 + Math.floor(Math.random() * 600) }, from);
        createdRuns.add(fork.id);
        counts.forked++;
        break;
      }
      case 'delete':
        if (!r || Math.random() < 0.5) return; // deletes are rarer than the rest
        await api(h, 'deleteRun', r.id);
        deletedRuns.add(r.id);
        counts.deleted++;
        break;
      case 'dataset': {
        const name = `added-${counts.datasets}-${h.k}-${Date.now()}.txt`;
        const res = await fetch(`http://127.0.0.1:${h.port}/api/addDatasetBytes?name=${encodeURIComponent(name)}`, { method: 'POST', headers: { 'x-studio-token': token }, body: `line of ${name}\n`.repeat(50) });
        const body = await res.json();
        if (res.status !== 200) throw Object.assign(new Error(`addDatasetBytes: ${body.error}`), { status: res.status });
        addedDatasets.add(body.result.id);
        counts.datasets++;
        break;
      }
      case 'history':
        if (r) await api(h, 'runHistory', r.id);
        break;
    }
  } catch (e) {
    outcome(op, e);
  }
}

// ---------------------------------------------------------------- the CLI slots
const cliSlots = [{ k: 0, child: undefined, killed: false }, { k: 1, child: undefined, killed: false }];
async function cliLoop(slot) {
  while (!stopping) {
    const runsDir = join(project, 'runs');
    const ids = existsSync(runsDir) ? readdirSync(runsDir).filter((d) => /^[A-Za-z0-9]/.test(d)) : [];
    const candidates = ids.filter((id) => existsSync(join(runsDir, id, 'checkpoint.bin')) && existsSync(join(runsDir, id, 'run.json')));
    let args;
    let out;
    if (candidates.length && Math.random() < 0.8) {
      args = ['train', '--resume', join(runsDir, pick(candidates)), '--json'];
      counts.cliResumes++;
    } else {
      out = join(runsDir, `cli-${slot.k}-${Date.now()}`);
      args = ['train', '--data', join(project, 'datasets', 'tinyshakespeare.txt'), '--out', out, '--hidden', '12', '--embed', '8', '--batch', '8', '--seq-len', '16', '--steps', String(500 + Math.floor(Math.random() * 1500)), '--checkpoint-every', '25', '--eval-every', '100', '--json'];
      counts.cliNew++;
    }
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    slot.child = child;
    slot.killed = false;
    let err = '';
    child.stderr.on('data', (c) => (err = (err + c).slice(-1000)));
    // let it train a while, then Ctrl+C it (unless it ends or is killed first)
    const timer = setTimeout(() => child.kill('SIGINT'), 2000 + Math.random() * 8000);
    const code = await new Promise((ok) => child.on('exit', (c, s) => ok(c ?? s)));
    clearTimeout(timer);
    slot.child = undefined;
    if (out && existsSync(out)) createdRuns.add(`cli:${out}`); // a kill before it made its folder creates nothing
    // SIGINT as the exit: it came after the run had ended and its handler was gone (the default action)
    if (!slot.killed && code !== 0 && code !== 130 && code !== 'SIGINT' && !/another process|nothing to continue|is gone|changed since|no checkpoint\.bin there/.test(err)) {
      counts.failed++;
      failures.push(`cli ${args.slice(0, 3).join(' ')}: exit ${code}: ${err.trim().split('\n').pop()}`);
    } else if (/another process|nothing to continue|no checkpoint\.bin there/.test(err)) counts.refused++; // refused, or deleted by a host meanwhile
    await sleep(200 + Math.random() * 800);
  }
}

// ---------------------------------------------------------------- the killer
async function killer() {
  while (!stopping) {
    await sleep(1000 * KILL_EVERY * (0.75 + Math.random() * 0.5));
    if (stopping) break;
    const victims = [...hosts.filter((h) => h.port && !h.killed).map((h) => ({ kind: 'host', h })), ...cliSlots.filter((c) => c.child).map((c) => ({ kind: 'cli', c }))];
    const v = pick(victims);
    if (!v) continue;
    counts.kills++;
    if (v.kind === 'host') {
      v.h.killed = true;
      v.h.child.kill('SIGKILL');
      counts.hostKills++;
      await new Promise((r) => v.h.child.once('exit', r));
      log(`kill -9 host ${v.h.k} (pid ${v.h.child.pid})`);
      await startHost(v.h.k);
      counts.hostRestarts++;
    } else {
      v.c.killed = true;
      v.c.child.kill('SIGKILL');
      counts.cliKills++;
      log(`kill -9 CLI slot ${v.c.k} (pid ${v.c.child.pid})`);
    }
  }
}

// ---------------------------------------------------------------- the soak
let stopping = false;
await Promise.all([0, 1, 2].map(startHost));
const p = await api(hosts[0], 'project');
datasetId = p.current.datasetId;
baseRequest = { datasetId, data: p.current.data, model: p.current.model, settings: p.current.settings };
log(`project ${project}: 3 hosts on ports ${hosts.map((h) => h.port).join(', ')}, 2 CLI slots, a kill -9 about every ${KILL_EVERY} s, for ${SECONDS} s`);
const loops = [killer(), ...cliSlots.map(cliLoop)];
const opsLoop = (async () => {
  while (Date.now() - t0 < SECONDS * 1000) {
    await hostOp();
    await sleep(150 + Math.random() * 500);
  }
})();
let lastReport = Date.now();
while (Date.now() - t0 < SECONDS * 1000) {
  await sleep(1000);
  if (Date.now() - lastReport > 60_000) {
    lastReport = Date.now();
    log(JSON.stringify(counts));
  }
}
await opsLoop;
stopping = true;
log('stopping: every host and CLI process is asked to stop gracefully');
for (const c of cliSlots) c.child?.kill('SIGINT');
await Promise.all(
  hosts.map(
    (h) =>
      new Promise((r) => {
        h.child.once('exit', r);
        h.child.kill('SIGTERM');
      }),
  ),
);
await Promise.all(loops);
while (cliSlots.some((c) => c.child)) await sleep(200);

// ---------------------------------------------------------------- checks
function checkpointInfo(path) {
  const b = readFileSync(path);
  if (b.length < 16 || b.readUInt32LE(0) !== 0x4b435153) return { error: 'not a checkpoint' };
  if (b.readUInt32LE(b.length - 4) !== crc32(b.subarray(0, b.length - 4))) return { error: 'CRC mismatch' };
  const hLen = b.readUInt32LE(8);
  return { step: JSON.parse(b.subarray(12, 12 + hLen).toString('utf8')).step };
}
const runsDir = join(project, 'runs');
const report = { runFolders: 0, studioRuns: 0, cliRuns: 0, checkpoints: 0, stepsChecked: 0, duplicates: 0, missing: 0, tornLines: 0, tornLast: 0, summariesChecked: 0, badSummaries: 0, staleLocks: 0, leftoverTemporaries: 0 };
const problems = [];
for (const id of readdirSync(runsDir)) {
  if (id.startsWith('.deleted-')) {
    problems.push(`${id}: a deletion was interrupted (left for the next delete)`);
    continue;
  }
  const dir = join(runsDir, id);
  report.runFolders++;
  if (id.startsWith('cli-')) report.cliRuns++;
  else report.studioRuns++;
  const files = readdirSync(dir);
  if (files.includes('run.lock')) report.staleLocks++;
  report.leftoverTemporaries += files.filter((f) => f.includes('.tmp-') || f.endsWith('.new')).length;
  let ck;
  if (files.includes('checkpoint.bin')) {
    ck = checkpointInfo(join(dir, 'checkpoint.bin'));
    if (ck.error) problems.push(`${id}: checkpoint ${ck.error}`);
    else report.checkpoints++;
  }
  if (!files.includes('metrics.jsonl')) continue;
  const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n');
  const lastIsTorn = lines.at(-1) !== '';
  const seen = new Map();
  const events = [];
  for (const [i, l] of lines.entries()) {
    if (l === '') continue;
    let e;
    try {
      e = JSON.parse(l);
    } catch {
      if (i === lines.length - 1 && lastIsTorn) report.tornLast++;
      else {
        report.tornLines++;
        problems.push(`${id}: line ${i + 1} is torn`);
      }
      continue;
    }
    events.push(e);
    if (e.type === 'step') seen.set(e.step, (seen.get(e.step) ?? 0) + 1);
  }
  const maxLogged = Math.max(0, ...seen.keys());
  for (const [s, n] of seen) if (n > 1) {
    report.duplicates += n - 1;
    problems.push(`${id}: step ${s} logged ${n} times`);
  }
  let missing = 0;
  for (let s = 1; s <= Math.max(maxLogged, ck?.step ?? 0); s++) if (!seen.has(s)) missing++;
  if (missing) problems.push(`${id}: ${missing} steps missing (logged up to ${maxLogged}, checkpoint at ${ck?.step})`);
  report.missing += missing;
  report.stepsChecked += seen.size;
  const last = events.at(-1);
  if (last?.type === 'done' && (last.reason === 'finished' || last.reason === 'stopped') && files.includes('summary.json')) {
    report.summariesChecked++;
    const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    const ok = s.steps === last.step && (!ck || ck.step === s.steps) && typeof s.trainLoss === 'number' && typeof s.valLoss === 'number';
    if (!ok) {
      report.badSummaries++;
      problems.push(`${id}: summary.json says ${s.steps} steps, trainLoss ${s.trainLoss}; the log ends at ${last.step}, the checkpoint at ${ck?.step}`);
    }
  }
}
const pj = JSON.parse(readFileSync(join(project, 'project.json'), 'utf8'));
const projectIds = new Set(pj.datasets.map((d) => d.id));
const lostDatasets = [...addedDatasets].filter((id) => !projectIds.has(id));
const lostRuns = [...createdRuns].filter((id) => !deletedRuns.has(id) && !existsSync(id.startsWith('cli:') ? id.slice(4) : join(runsDir, id)));
for (const id of lostDatasets) problems.push(`dataset ${id} was added but is not in project.json`);
for (const id of lostRuns) problems.push(`run ${id} was created, not deleted, and is gone`);

console.log('\n=== soak-shared ===');
console.log(`project: ${project}`);
console.log(`operations: ${JSON.stringify(counts)}`);
console.log(`expected refusals: ${[...refusals].map(([k, n]) => `${n}× ${k}`).join('; ') || 'none'}`);
console.log(`run folders: ${JSON.stringify(report)}`);
console.log(`project.json: ${pj.datasets.length} datasets (${addedDatasets.size} added during the soak, ${lostDatasets.length} lost); runs created ${createdRuns.size}, deleted ${deletedRuns.size}, lost ${lostRuns.length}`);
for (const f of failures.slice(0, 30)) console.log(`FAILURE ${f}`);
for (const pr of problems.slice(0, 30)) console.log(`PROBLEM ${pr}`);
const bad = failures.length + problems.filter((x) => !/deletion was interrupted/.test(x)).length + counts.unexpectedExits;
console.log(bad === 0 ? 'soak-shared: every run folder consistent, nothing lost, no host crashed except the ones killed' : `soak-shared: ${bad} problems`);
process.exit(bad === 0 ? 0 : 1);
