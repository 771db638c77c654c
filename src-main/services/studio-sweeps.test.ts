// The studio's sweeps with real worker threads and a real project folder: a sweep started over the current
// dataset, design and settings runs its trials in sweeps/, reads back as a table (the metric, each trial's best and
// last figure, status), a space outside a setting's range is refused naming it, a trial is promoted to a normal run
// of the project (listed, and continued like any run), and a "restart" (a new service on the folder) lists it ended.

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS } from '../../src-shared/model';
import { SettingError } from '../../src-shared/settings';
import type { StartSweepRequest, SweepInfo } from '../../src-shared/studio-api';
import { readSweepLog } from '../../workers/sweep/sweep-folder';
import { StudioService } from './studio';
import { validateArgs } from './validate';

const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-studio-sweeps-'));
const text = new TextEncoder().encode('the quick brown fox jumps over the lazy dog. '.repeat(200));

function request(datasetId: string, over: Partial<StartSweepRequest> = {}): StartSweepRequest {
  return {
    datasetId,
    data: { format: 'auto', valFraction: 0.1 },
    model: { cell: 'gru', layers: 1, hiddenSize: 16, embedSize: 8, bidirectional: false, dropout: 0, forgetBias: 1 },
    settings: { ...DEFAULT_TRAIN_SETTINGS, batchSize: 4, sequenceLength: 16, learningRate: 0.01, steps: 40, evaluateEvery: 20, diagnosticsEvery: 0, checkpointEvery: 20 },
    space: 'cell=lstm,gru lr=0.003..0.03:log',
    method: 'random',
    trials: 3,
    budgetSeconds: 0,
    stop: 'none',
    parallel: 2,
    ...over,
  };
}

async function untilEnded(s: StudioService, id: string): Promise<SweepInfo> {
  for (;;) {
    const info = await s.sweepInfo(id);
    if (info.status === 'ended') return info;
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

describe('StudioService sweeps', () => {
  it('runs a sweep in the project, reads it as a table, and promotes a trial to a normal run', async () => {
    const dir = join(tmp, 'project');
    const s = new StudioService({ projectDir: dir, version: '1.0.0' });
    const d = await s.addDatasetBytes('fox.txt', text);
    const req = request(d.id);
    validateArgs('startSweep', [req]); // what the web host and IPC let through
    expect(() => validateArgs('startSweep', [{ ...req, method: 'bayes' }])).toThrow(/startSweep argument 1.method: expected one of grid, random, tpe/);
    await expect(s.startSweep({ ...req, space: 'hidden=1..9000' })).rejects.toThrow(SettingError);

    const started = await s.startSweep(req);
    expect(started.status).toBe('running');
    expect(started.id).toMatch(/^sweep-/);
    const info = await untilEnded(s, started.id);
    expect(info.why).toBe('all 3 trials ran');
    expect(info.metric).toBe('perplexity'); // a text model is judged by its perplexity
    expect(info.higherIsBetter).toBe(false);
    expect(info.rows.map((r) => r.trial)).toEqual([1, 2, 3]);
    for (const r of info.rows) {
      expect(r.status).toBe('finished');
      expect(r.steps).toBe(40);
      expect(Object.keys(r.params).sort()).toEqual(['cell', 'learningRate']);
      expect(r.best).toBeLessThanOrEqual(r.last! + 1e-12);
      expect(r.curve.map(([step]) => step)).toEqual([0, 20, 40]); // evaluated at the start and every 20 steps
      expect(r.curve.at(-1)![1]).toBe(r.last);
    }
    expect(existsSync(join(dir, 'sweeps', started.id, 'trials', '0003', 'summary.json'))).toBe(true);
    expect(info.importance).toEqual([]); // 3 trials: too few to say what mattered
    // the trials stay out of the project's runs until promoted
    expect((await s.listRuns()).length).toBe(0);
    // but Compare reads any trial's history in place, through the one contract
    for (const r of info.rows) {
      validateArgs('trialHistory', [started.id, r.trial]);
      const h = await s.trialHistory(started.id, r.trial);
      expect(h.run).toMatchObject({ id: `${started.id}#${r.trial}`, status: 'finished', datasetId: d.id, trialOf: { sweepId: started.id, trial: r.trial }, step: 40 });
      expect(h.run.name).toMatch(new RegExp(`^Trial ${r.trial}: cell=${r.params.cell} lr=0\\.\\d+$`));
      const evaluations = h.events.filter((e) => e.type === 'evaluation' && !e.restored) as { step: number; metrics: Record<string, number> }[];
      expect(evaluations.map((e) => [e.step, e.metrics.perplexity])).toEqual(r.curve);
      expect(h.events.filter((e) => e.type === 'step').length).toBe(40);
    }
    expect(() => validateArgs('trialHistory', [started.id, 0])).toThrow(/trialHistory argument 2/);
    await expect(s.trialHistory(started.id, 4)).rejects.toThrow(/has no trial 4/);
    const best = [...info.rows].sort((a, b) => b.best! - a.best!)[0];
    const run = await s.promoteTrial(started.id, best.trial);
    expect(run.id).toBe(`${started.id}-trial-${best.trial}`);
    expect(run.status).toBe('finished');
    expect(run.datasetId).toBe(d.id);
    expect(run.name).toMatch(/\(sweep trial \d\)$/);
    expect((await s.listRuns()).map((r) => r.id)).toEqual([run.id]);
    await expect(s.promoteTrial(started.id, best.trial)).rejects.toThrow(/promoted already/);
    await expect(s.promoteTrial(started.id, 9)).rejects.toThrow(/has no trial 9/);
    // a promoted trial is a run like any other: a fork of it trains on from its checkpoint
    const forked = await s.forkRun(run.id, { ...run.settings, steps: 60 });
    expect(forked.forkOf?.runId).toBe(run.id);
    for (;;) {
      const f = (await s.listRuns()).find((r) => r.id === forked.id)!;
      if (!['starting', 'running'].includes(f.status)) {
        expect([f.status, f.step]).toEqual(['finished', 60]);
        break;
      }
      await new Promise((ok) => setTimeout(ok, 100));
    }

    const again = new StudioService({ projectDir: dir, version: '1.0.0' });
    const listed = await again.listSweeps();
    expect(listed.map((x) => [x.id, x.status])).toEqual([[started.id, 'ended']]);
    expect((await again.listRuns()).map((r) => r.id).sort()).toEqual([forked.id, run.id].sort());
  });

  it('shares the free cores at the sweep’s tail as the CLI does: a trial trains on up to the Train screen’s worker threads', async () => {
    const dir = join(tmp, 'tail');
    const s = new StudioService({ projectDir: dir, version: '1.0.0' });
    const d = await s.addDatasetBytes('fox.txt', text);
    const started = await s.startSweep(request(d.id, { space: 'cell=lstm,gru', method: 'grid', trials: 1, parallel: 2, workers: 2 }));
    const sweepDir = join(dir, 'sweeps', started.id);
    expect(JSON.parse(readFileSync(join(sweepDir, 'sweep.json'), 'utf8'))).toMatchObject({ parallel: 2, threads: 1, maxThreads: 2 });
    await untilEnded(s, started.id);
    // one trial left and two cores free: it trained data-parallel on both
    expect(readSweepLog(sweepDir).filter((r) => r.type === 'started').map((r) => (r as { threads?: number }).threads)).toEqual([2]);
    // without the Train screen's workers: one thread, as the data's recipe would give a small batch
    const one = await s.startSweep(request(d.id, { space: 'cell=lstm,gru', method: 'grid', trials: 1, parallel: 2 }));
    expect(JSON.parse(readFileSync(join(dir, 'sweeps', one.id, 'sweep.json'), 'utf8'))).toMatchObject({ threads: 1, maxThreads: 1 });
    await untilEnded(s, one.id);
  });
});
