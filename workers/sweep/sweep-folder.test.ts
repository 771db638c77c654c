// The sweep folder's log: records appended a line each and read back in order, a torn last line (a kill mid-append)
// skipped when read and cut when the log is next opened, a damaged line elsewhere named; and the replay: a trial's
// settings, evaluations (those a resumed trial reports again replace the earlier ones), status and the sweep's end.

import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSweepLog, replaySweep, SweepLog, TRIALS_LOG, trialFolder, type SweepRecord } from './sweep-folder';

const at = '2026-01-01T00:00:00.000Z';
const records: SweepRecord[] = [
  { type: 'session', at, pid: 1, resumed: false, elapsed: 0 },
  { type: 'started', trial: 0, at, params: { cell: 'gru' }, seed: 2, runDir: trialFolder(0), elapsed: 0.1 },
  { type: 'started', trial: 1, at, params: { cell: 'lstm' }, seed: 3, runDir: trialFolder(1), elapsed: 0.2, threads: 2 },
  { type: 'evaluation', trial: 0, step: 20, valLoss: 2, metrics: { accuracy: 0.3 }, metric: 'accuracy', value: 0.3, elapsed: 1 },
  { type: 'evaluation', trial: 0, step: 40, valLoss: 1.5, metrics: { accuracy: 0.4 }, metric: 'accuracy', value: 0.4, elapsed: 2 },
  { type: 'session', at, pid: 2, resumed: true, elapsed: 2.5 },
  // trial 0 resumed from its checkpoint at step 20: step 40 reported again
  { type: 'evaluation', trial: 0, step: 40, valLoss: 1.4, metrics: { accuracy: 0.45 }, metric: 'accuracy', value: 0.45, elapsed: 3 },
  { type: 'ended', trial: 0, status: 'finished', step: 40, seconds: 2.9, elapsed: 3.1 },
  { type: 'ended', trial: 1, status: 'failed', why: 'diverged: at step 7', step: 7, seconds: 0.5, nonFinite: { step: 7, phase: 'loss', tensor: 'loss' }, elapsed: 3.2 },
  { type: 'sweep-ended', why: 'all 2 trials ran', elapsed: 3.3 },
];

describe('the sweep log', () => {
  it('appends records and reads them back; a torn last line is skipped, then cut when the log opens', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-log-'));
    const log = new SweepLog(dir);
    for (const r of records.slice(0, 4)) log.append(r);
    log.close();
    appendFileSync(join(dir, TRIALS_LOG), '{"type":"evaluation","tri');
    expect(readSweepLog(dir)).toEqual(records.slice(0, 4));
    const again = new SweepLog(dir);
    again.append(records[4]);
    again.close();
    expect(readSweepLog(dir)).toEqual(records.slice(0, 5));
    expect(readFileSync(join(dir, TRIALS_LOG), 'utf8').split('\n').length).toBe(6);
  });

  it('names a damaged line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-log-'));
    writeFileSync(join(dir, TRIALS_LOG), JSON.stringify(records[0]) + '\nnot json\n' + JSON.stringify(records[1]) + '\n');
    expect(() => readSweepLog(dir)).toThrow(/trials\.jsonl line 2 is damaged: not json/);
  });

  it('replays trials, their evaluations (re-reported ones replaced), status, time and the end', () => {
    const s = replaySweep(records);
    expect(s.sessions).toBe(2);
    expect(s.metric).toBe('accuracy');
    expect(s.elapsed).toBe(3.3);
    expect(s.ended).toBe('all 2 trials ran');
    expect(s.trials.map((t) => [t.index, t.status, t.step, t.threads])).toEqual([[0, 'finished', 40, 1], [1, 'failed', 7, 2]]);
    expect(s.trials[0].evaluations.map((e) => [e.step, e.value])).toEqual([[20, 0.3], [40, 0.45]]);
    expect(s.trials[1].nonFinite).toEqual({ step: 7, phase: 'loss', tensor: 'loss' });
    // before the kill: trial 1 was running
    expect(replaySweep(records.slice(0, 6)).trials.map((t) => t.status)).toEqual(['running', 'running']);
  });

  it('takes a trial’s folder from its index, not from a log edited to point elsewhere', () => {
    const hostile: SweepRecord[] = [{ type: 'started', trial: 0, at, params: { cell: 'gru' }, seed: 2, runDir: '../../../home/someone', elapsed: 0.1 }];
    expect(replaySweep(hostile).trials[0].runDir).toBe(trialFolder(0));
  });
});
