// `seqstudio sweep` end to end, driving the built CLI (out/main/cli.js) in child processes as a person's terminal
// would, on a tiny text with tiny models: trials run two at once, each a normal run folder; the table and the JSON
// rank them by the metric; ASHA stops weak trials in a real sweep, exactly as its rule says for the results logged;
// a second process on the same sweep is refused; and a `kill -9` in the middle of a sweep, then `--resume`, runs
// every trial exactly once, the one that was running resumed from its checkpoint, none lost. `npm test` builds first.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Asha } from '../../workers/sweep/stopping';
import { readSweepLog, type SweepRecord } from '../../workers/sweep/sweep-folder';

const root = join(import.meta.dirname, '../..');
const cli = join(root, 'bin/seqstudio.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-sweep-'));
const data = join(tmp, 'text.txt');
writeFileSync(data, 'It is a truth universally acknowledged, that a single man in possession of a good fortune. '.repeat(200));
/** Tiny trials: a few dozen steps of a small model. */
const tiny = ['--batch', '8', '--seq-len', '16', '--embed', '8', '--checkpoint-every', '20'];

function sweep(args: string[]) {
  return spawnSync(process.execPath, [cli, 'sweep', ...args], { encoding: 'utf8', timeout: 240_000 });
}

const jsonLines = (stdout: string): Record<string, unknown>[] => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

/** The most trials running at once, from the log's started/ended records. */
function mostAtOnce(records: SweepRecord[]): number {
  let now = 0;
  let most = 0;
  for (const r of records) {
    if (r.type === 'started') most = Math.max(most, ++now);
    if (r.type === 'ended') now--;
  }
  return most;
}

describe('seqstudio sweep', () => {
  it('runs trials two at once, each a run folder, and ranks them by the metric in the JSON and the table', () => {
    expect(existsSync(join(root, 'out/main/cli.js')), 'build first: npm run build').toBe(true);
    const out = join(tmp, 'random');
    const r = sweep(['--data', data, '--space', 'cell=lstm,gru hidden=8..24 lr=1e-3..3e-2:log', '--method', 'random', '--trials', '4', '--workers', '2', '--stop', 'none', '--steps', '40', '--eval-every', '20', ...tiny, '--seed', '5', '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    const final = lines.at(-1) as { type: string; metric: string; higherIsBetter: boolean; trials: { trial: number; status: string; best: { value: number; metrics: Record<string, number> }; runDir: string; params: Record<string, unknown>; seed: number }[] };
    expect(final.type).toBe('sweep');
    expect(final.metric).toBe('perplexity'); // a text model is judged by its perplexity
    expect(final.higherIsBetter).toBe(false);
    expect(lines.filter((l) => l.type === 'trial').length).toBe(4);
    expect(final.trials.map((t) => t.trial).sort()).toEqual([1, 2, 3, 4]);
    // ranked best first, by each trial's best (lowest) perplexity
    const values = final.trials.map((t) => t.best.value);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    for (const t of final.trials) {
      expect(t.status).toBe('finished');
      expect(t.best.value).toBe(t.best.metrics.perplexity);
      const folder = join(out, t.runDir);
      // a normal run folder, trained with the trial's own settings and seed
      const record = JSON.parse(readFileSync(join(folder, 'run.json'), 'utf8')) as { settings: { seed: number; learningRate: number; steps: number }; model: { cell: string; hiddenSize: number } };
      expect(record.model.cell).toBe(t.params.cell);
      expect(record.model.hiddenSize).toBe(t.params.hiddenSize);
      expect(record.settings.learningRate).toBe(t.params.learningRate);
      expect(record.settings.seed).toBe(t.seed);
      expect(existsSync(join(folder, 'summary.json'))).toBe(true);
      expect(existsSync(join(folder, 'request.json'))).toBe(true);
    }
    expect(new Set(final.trials.map((t) => t.seed)).size).toBe(4);
    expect(mostAtOnce(readSweepLog(out))).toBe(2);

    // resuming an ended sweep trains nothing and prints the table again, in the same order
    const again = sweep(['--resume', out]);
    expect(again.status, again.stderr).toBe(0);
    const table = again.stdout.split('\n');
    const head = table.findIndex((l) => l.startsWith('rank'));
    expect(table[head]).toMatch(/^rank\s+trial\s+status\s+best perplexity\s+at step\s+steps\s+time\s+cell\s+hidden\s+lr$/);
    const rows = table.slice(head + 1, head + 5).map((l) => l.split(/\s+/));
    expect(rows.map((c) => c[1])).toEqual(final.trials.map((t) => `#${t.trial}`));
    expect(rows.map((c) => Number(c[3]))).toEqual(values.map((v) => Number(v.toPrecision(4))));
    expect(again.stdout).toMatch(/sweep ended: all 4 trials ran; 4 trials \(4 finished\)/);
    expect(again.stdout).not.toMatch(/what mattered/); // 4 trials: too few to say
    expect(readSweepLog(out).filter((rec) => rec.type === 'started').length).toBe(4);
  });

  it('stops weak trials with ASHA in a real sweep, as the rule says for the results it logged', () => {
    const out = join(tmp, 'asha');
    // learning rates from good to hopeless (1e-4 in 120 steps): the weak ones fall behind the good ones at the first
    // rung (ASHA judges a trial by the results at its rung so far: the good ones first, so there are some to judge by)
    const r = sweep(['--data', data, '--space', 'lr=3e-2,1e-2,3e-3,1e-3,3e-4,1e-4', '--method', 'grid', '--trials', '6', '--workers', '2', '--stop', 'asha', '--grace', '20', '--eta', '2', '--steps', '120', '--eval-every', '20', '--hidden', '16', ...tiny, '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const records = readSweepLog(out);
    const stopped = records.filter((x): x is Extract<SweepRecord, { type: 'ended' }> => x.type === 'ended' && x.status === 'stopped-early');
    expect(stopped.length).toBeGreaterThan(0);
    for (const s of stopped) {
      expect(s.why).toMatch(/^ASHA rung \d \(step (20|40|80)\): perplexity [\d.]+ is not in the top \d+ of the \d+ results there/);
      expect(s.step).toBeLessThan(120);
    }
    // ASHA fed the logged evaluations in order decides exactly the trials the sweep stopped
    const asha = new Asha(20, 2, 120);
    const decided = new Set<number>();
    for (const x of records) if (x.type === 'evaluation' && !decided.has(x.trial) && asha.report(x.trial, x.step, x.value)) decided.add(x.trial);
    expect([...decided].sort()).toEqual(stopped.map((s) => s.trial).sort());
    const final = jsonLines(r.stdout).at(-1) as { trials: { status: string; params: { learningRate: number } }[]; importance: { key: string; share: number }[] };
    // what mattered: the one setting searched, with its share of the spread
    expect(final.importance.map((i) => i.key)).toEqual(['learningRate']);
    expect(final.importance[0].share).toBeGreaterThan(0);
    expect(final.importance[0].share).toBeLessThanOrEqual(1);
    expect(final.trials[0].status).toBe('finished'); // the best trial ran its course
    expect(final.trials[0].params.learningRate).toBeGreaterThan(1e-3);
  });

  it('takes the data’s --target column as train does, and its goal as --goal METRIC=VALUE (--target METRIC=VALUE deprecated)', () => {
    const csv = join(tmp, 'two.csv');
    writeFileSync(csv, 'date,a,b\n' + Array.from({ length: 300 }, (_, i) => `2020-01-${String((i % 28) + 1).padStart(2, '0')},${(Math.sin(i / 4) * 5).toFixed(3)},${(Math.cos(i / 7) * 9 + 20).toFixed(3)}`).join('\n') + '\n');
    const fixed = ['--method', 'grid', '--trials', '1', '--workers', '1', '--stop', 'none', '--steps', '40', '--eval-every', '20', '--hidden', '8', '--batch', '8'];
    const out = join(tmp, 'column');
    const r = sweep(['--data', csv, '--target', 'b', '--goal', 'valLoss=1e9', '--space', 'cell=lstm,gru', ...fixed, '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const sweepJson = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as { data: { target?: string }; target?: { metric: string; value: number } };
    expect(sweepJson.data.target).toBe('b');
    expect(sweepJson.target).toEqual({ metric: 'valLoss', value: 1e9 });
    expect((jsonLines(r.stdout).at(-1) as { why: string }).why).toMatch(/^trial 1 reached val loss .* \(goal ≤ 1000000000\) at step 0$/);

    // the old spelling of the goal still works, with a word that it is deprecated
    const old = sweep(['--data', csv, '--target', 'valLoss=1e9', '--space', 'cell=lstm,gru', ...fixed, '--out', join(tmp, 'old-goal'), '--json']);
    expect(old.status, old.stderr).toBe(0);
    expect(old.stderr).toBe('seqstudio: --target valLoss=1e9 is deprecated for the sweep\'s goal: use --goal valLoss=1e9 (--target COL names the data\'s target column, as in train)\n');
    expect(JSON.parse(readFileSync(join(tmp, 'old-goal', 'sweep.json'), 'utf8')).target).toEqual({ metric: 'valLoss', value: 1e9 });

    const both = sweep(['--data', csv, '--target', 'rmse=1', '--goal', 'rmse=2', '--space', 'cell=lstm,gru']);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/^seqstudio: --target rmse=1 and --goal rmse=2: give the sweep's goal once, as --goal METRIC=VALUE/);
    const bad = sweep(['--data', csv, '--goal', 'speed=3', '--space', 'cell=lstm,gru']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^seqstudio: --goal speed=3: no metric "speed"/);
    const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(help.stdout).toMatch(/--goal METRIC=VALUE/);
    expect(help.stdout).toMatch(/--target METRIC=VALUE \(with an =\) still sets the goal but\s+is deprecated: use --goal/);
  });

  it('refuses a space entry outside its setting’s range, naming it', () => {
    const r = sweep(['--data', data, '--space', 'cell=lstm hidden=32..9000']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("seqstudio: --hidden 32..9000: the search space's upper bound 9000 is out of range: expected an integer from 1 to 4096\n");
  });

  it('loses nothing to a kill -9 mid-sweep: --resume runs every trial exactly once; a second process is refused', async () => {
    const out = join(tmp, 'killed');
    const TRIALS = 5;
    const STEPS = 600;
    const args = ['--data', data, '--space', 'cell=lstm,gru hidden=8..20', '--method', 'random', '--trials', String(TRIALS), '--workers', '2', '--stop', 'none', '--steps', String(STEPS), '--eval-every', '40', ...tiny, '--out', out, '--json'];
    let refused: ReturnType<typeof sweep> | undefined;
    let killed = false;
    await new Promise<void>((done) => {
      const child = spawn(process.execPath, [cli, 'sweep', ...args], { stdio: ['ignore', 'ignore', 'ignore'] });
      const poll = setInterval(() => {
        const log = existsSync(join(out, 'trials.jsonl')) ? readSweepLog(out) : [];
        // while it runs: a second process on the same sweep
        if (!refused && log.some((x) => x.type === 'started')) refused = sweep(['--resume', out]);
        // once a trial has ended and a running one has a checkpoint to resume from: kill -9
        const ended = new Set(log.filter((x) => x.type === 'ended').map((x) => (x as { trial: number }).trial));
        const resumable = log.some((x) => x.type === 'started' && !ended.has(x.trial) && existsSync(join(out, x.runDir, 'checkpoint.bin')));
        if (refused && ended.size > 0 && resumable && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }, 20);
      child.on('exit', () => {
        clearInterval(poll);
        done();
      });
    });
    expect(killed, 'the sweep ended before it could be killed').toBe(true);
    expect(refused!.status).toBe(2);
    expect(refused!.stderr).toMatch(/the sweep .*killed is in use \(sweep\) by another process \(pid \d+/);
    const before = readSweepLog(out);
    const endedBefore = before.filter((x) => x.type === 'ended').length;
    expect(endedBefore).toBeGreaterThan(0);
    expect(endedBefore).toBeLessThan(TRIALS);

    const r = sweep(['--resume', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.some((l) => l.type === 'trial-started' && l.resumed === true), 'a running trial resumed from its checkpoint').toBe(true);
    const records = readSweepLog(out);
    const started = records.filter((x) => x.type === 'started').map((x) => (x as { trial: number }).trial);
    const ended = records.filter((x) => x.type === 'ended') as Extract<SweepRecord, { type: 'ended' }>[];
    // every trial started once and ended once, all finished: none lost, none run twice
    expect([...started].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(ended.map((e) => e.trial).sort()).toEqual([0, 1, 2, 3, 4]);
    const byTrial = [...ended].sort((a, b) => a.trial - b.trial);
    expect(byTrial.map((e) => [e.trial, e.status, e.step, e.why ?? null])).toEqual([0, 1, 2, 3, 4].map((i) => [i, 'finished', STEPS, null]));
    expect(records.filter((x) => x.type === 'sweep-ended').length).toBe(1);
    // each trial's run holds every step exactly once, and every evaluation is in the sweep's log
    for (const e of ended) {
      const runDir = join(out, (records.find((x) => x.type === 'started' && x.trial === e.trial) as { runDir: string }).runDir);
      const events = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; step: number; restored?: boolean });
      const steps = events.filter((x) => x.type === 'step').map((x) => x.step);
      expect(steps).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
      const evals = events.filter((x) => x.type === 'evaluation' && !x.restored).map((x) => x.step);
      const logged = [...new Set(records.filter((x) => x.type === 'evaluation' && x.trial === e.trial).map((x) => (x as { step: number }).step))];
      expect(logged.sort((a, b) => a - b)).toEqual(evals);
    }
  });
});
