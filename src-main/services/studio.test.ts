// The StudioApi implementation with real worker threads and a real project folder: a new project opens on the
// bundled sample; datasets are added from bytes; runs start, report live events, stop, continue from their
// checkpoint, predict, list after a "restart" (a new service on the same folder), and are deleted. Hostile input
// (a project.json whose dataset path leaves the folder, a newer project version, a damaged file) is refused.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS } from '../../src-shared/model';
import type { RunEventMessage, StartRunRequest } from '../../src-shared/studio-api';
import { StudioService } from './studio';

const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-studio-'));
const text = new TextEncoder().encode('the quick brown fox jumps over the lazy dog. '.repeat(200));

function request(datasetId: string, steps: number): StartRunRequest {
  return {
    datasetId,
    data: { format: 'auto', valFraction: 0.1 },
    model: { cell: 'gru', layers: 1, hiddenSize: 16, embedSize: 8, bidirectional: false, dropout: 0, forgetBias: 1 },
    settings: { ...DEFAULT_TRAIN_SETTINGS, batchSize: 4, sequenceLength: 16, learningRate: 0.01, steps, evaluateEvery: 20, diagnosticsEvery: 10, checkpointEvery: 10 },
  };
}

function until(events: RunEventMessage[], pred: (m: RunEventMessage) => boolean): Promise<void> {
  return new Promise((ok) => {
    const t = setInterval(() => {
      if (events.some(pred)) {
        clearInterval(t);
        ok();
      }
    }, 20);
  });
}

describe('StudioService', () => {
  it('opens a new project on the bundled sample, ready to train', async () => {
    const s = new StudioService({ projectDir: join(tmp, 'fresh'), version: '1.0.0' });
    const p = await s.project();
    expect(p.datasets.map((d) => d.name)).toEqual(['tinyshakespeare.txt']);
    expect(p.current?.datasetId).toBe(p.datasets[0].id);
    expect(existsSync(join(tmp, 'fresh', 'datasets', 'tinyshakespeare.txt'))).toBe(true);
    const i = await s.inspectDataset(p.datasets[0].id, 'auto');
    expect(i.proposal.shape).toBe('many-to-many');
    expect(i.chosen?.model.input.vocabSize).toBe(65);
    expect((await s.samples()).length).toBeGreaterThanOrEqual(7);
  });

  it('the same file dropped again is the dataset it already has; other bytes under the same name are a new one', async () => {
    const s = new StudioService({ projectDir: join(tmp, 'drops'), version: '1.0.0' });
    const csv = new TextEncoder().encode('"Month","Passengers"\n' + Array.from({ length: 144 }, (_, i) => `"${1949 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}",${100 + i}`).join('\n'));
    const a = await s.addDatasetBytes('airline-passengers.csv', csv);
    const b = await s.addDatasetBytes('airline-passengers.csv', csv);
    const c = await s.addDatasetBytes('passengers copy.csv', csv);
    expect([b.id, c.id]).toEqual([a.id, a.id]);
    const other = await s.addDatasetBytes('airline-passengers.csv', csv.slice(0, csv.length - 4));
    expect(other.id).not.toBe(a.id);
    const names = (await s.project()).datasets.map((d) => d.name);
    expect(names.filter((n) => n.startsWith('airline') || n.startsWith('passengers'))).toEqual(['airline-passengers.csv', 'airline-passengers.csv']);
    // the proposal for this 144-row monthly file can be trained as proposed
    const i = await s.inspectDataset(a.id, 'auto');
    expect(i.proposal.choice).toMatchObject({ shape: 'many-to-one', target: 'Passengers' });
    expect(i.chosenError).toBeUndefined();
  });

  it('trains, stops, continues from the checkpoint, predicts, survives a restart and deletes', async () => {
    const dir = join(tmp, 'runs');
    const s = new StudioService({ projectDir: dir, version: '1.0.0' });
    const d = await s.addDatasetBytes('fox.txt', text);
    expect(d).toMatchObject({ name: 'fox.txt', origin: 'dropped', bytes: text.length });
    const events: RunEventMessage[] = [];
    s.onDidRunEvent((m) => events.push(m));

    const run = await s.startRun(request(d.id, 100000));
    expect(run.status).toBe('starting');
    expect(run.name).toBe('GRU 1×16 on fox.txt');
    await until(events, (m) => m.event.type === 'checkpoint' && m.event.step >= 20);
    expect((await s.listRuns())[0].status).toBe('running');
    await s.stopRun(run.id);
    await until(events, (m) => m.event.type === 'status' && m.event.run.status === 'stopped');
    const stopped = (await s.listRuns())[0];
    expect(stopped).toMatchObject({ status: 'stopped', resumable: true });
    expect(stopped.spec?.stack.cell).toBe('gru');
    const stoppedAt = stopped.step;

    // the live events, in order, and the same events in the history
    const steps = events.filter((m) => m.event.type === 'step').map((m) => (m.event as { step: number }).step);
    expect(steps).toEqual(steps.map((_, k) => k + 1));
    const history = await s.runHistory(run.id);
    expect(history.events.filter((e) => e.type === 'step').length).toBe(steps.length);
    expect(history.events.some((e) => e.type === 'diagnostics')).toBe(true);

    // predict with the checkpoint
    const p = await s.predict(run.id, { input: 'the ', length: 20, temperature: 0.5 });
    expect(p.kind).toBe('text');

    // continue: carries on from the checkpoint, and the history has no duplicated steps
    const again = await s.continueRun(run.id);
    expect(again.status).toBe('starting');
    await until(events, (m) => m.event.type === 'step' && m.event.step >= stoppedAt + 5);
    await s.stopRun(run.id);
    await until(events, (m) => m.event.type === 'status' && m.event.run.status === 'stopped' && m.event.run.step > stoppedAt);
    const h2 = (await s.runHistory(run.id)).events.filter((e) => e.type === 'step').map((e) => e.step);
    expect(h2).toEqual([...new Set(h2)].sort((a, b) => a - b));

    // a new service on the same folder (an app restart) lists the run as it was
    const s2 = new StudioService({ projectDir: dir, version: '1.0.0' });
    const listed = await s2.listRuns();
    expect(listed.map((r) => [r.id, r.status])).toEqual([[run.id, 'stopped']]);
    expect((await s2.project()).datasets.map((x) => x.name)).toContain('fox.txt');

    await s2.deleteRun(run.id);
    expect(await s2.listRuns()).toEqual([]);
    await expect(s2.runHistory(run.id)).rejects.toThrow(/no run/);
  }, 60_000);

  it('stops a diverging run where it diverged, and forks a good checkpoint with a lower learning rate', async () => {
    const s = new StudioService({ projectDir: join(tmp, 'diverge'), version: '1.0.0' });
    const d = await s.addDatasetBytes('fox.txt', text);
    const series = 'value\n' + Array.from({ length: 400 }, (_, k) => (100 + 50 * Math.sin(k / 5)).toFixed(3)).join('\n') + '\n';
    const wave = await s.addDatasetBytes('wave.csv', new TextEncoder().encode(series));
    const events: RunEventMessage[] = [];
    s.onDidRunEvent((m) => events.push(m));
    // SGD with a learning rate of 10, heavy momentum and no clipping on a regression: the weights blow up
    const wild = request(wave.id, 400);
    wild.settings = { ...wild.settings, optimizer: 'sgd', learningRate: 10, momentum: 0.99, clipNorm: 0 };
    const run = await s.startRun(wild);
    await until(events, (m) => m.runId === run.id && m.event.type === 'status' && !['starting', 'running'].includes(m.event.run.status));
    const ended = (await s.listRuns()).find((r) => r.id === run.id)!;
    expect(ended.status).toBe('diverged');
    expect(ended.nonFinite?.step).toBeGreaterThan(0);
    expect(ended.message).toMatch(/non-finite|NaN|Infinity/i);

    // a healthy run, then a fork of its checkpoint with new settings: the fork's history starts with the source's
    const good = await s.startRun(request(d.id, 30));
    await until(events, (m) => m.runId === good.id && m.event.type === 'status' && m.event.run.status === 'finished');
    await expect(s.forkRun(good.id, { ...good.settings, batchSize: 8 })).rejects.toThrow(/keeps the batch size/);
    const fork = await s.forkRun(good.id, { ...good.settings, learningRate: 0.001, steps: 50 });
    expect(fork.forkOf).toEqual({ runId: good.id, step: 30 });
    await until(events, (m) => m.runId === fork.id && m.event.type === 'status' && m.event.run.status === 'finished');
    const steps = (await s.runHistory(fork.id)).events.filter((e) => e.type === 'step').map((e) => e.step);
    expect(steps).toEqual(Array.from({ length: 50 }, (_, k) => k + 1));
    const lr = (await s.runHistory(fork.id)).events.filter((e) => e.type === 'step').map((e) => (e as { learningRate: number }).learningRate);
    expect(lr[10]).toBe(0.01);
    expect(lr[40]).toBe(0.001);
    // its TensorBoard log too: the source's steps up to the fork, then its own (tools/read_tfevents.py reads it)
    if (!existsSync('/usr/bin/python3')) return console.warn('[studio] skipped reading the fork\'s TensorBoard log: /usr/bin/python3 is not installed');
    const read = spawnSync('/usr/bin/python3', [join(import.meta.dirname, '../../tools/read_tfevents.py'), join(tmp, 'diverge', 'runs', fork.id)], { encoding: 'utf8' });
    expect(read.status, read.stderr).toBe(0);
    const files = (JSON.parse(read.stdout) as { files: { events: { step: number; values?: { tag: string; simple_value: number }[] }[] }[] }).files;
    expect(files).toHaveLength(1);
    const tbRates = files[0].events.flatMap((e) => e.values?.filter((v) => v.tag === 'train/learning_rate').map((v) => [e.step, v.simple_value]) ?? []);
    expect(tbRates).toEqual(lr.map((x, k) => [k + 1, Math.fround(x)]));
  }, 60_000);

  it('shows a run another process trains as read-only, and one whose process died as interrupted, and continues it', async () => {
    const dir = join(tmp, 'killed');
    const s = new StudioService({ projectDir: dir, version: '1.0.0' });
    const d = await s.addDatasetBytes('fox.txt', text);
    const events: RunEventMessage[] = [];
    s.onDidRunEvent((m) => events.push(m));
    const run = await s.startRun(request(d.id, 100000));
    await until(events, (m) => m.event.type === 'checkpoint' && m.event.step >= 10);
    // another studio on the same project sees it training elsewhere and cannot continue, stop or delete it
    const other = new StudioService({ projectDir: dir, version: '1.0.0' });
    expect((await other.listRuns())[0]).toMatchObject({ status: 'elsewhere', message: expect.stringMatching(/running in another process \(pid \d+/) });
    await expect(other.continueRun(run.id)).rejects.toThrow(/running in another process/);
    await expect(other.deleteRun(run.id)).rejects.toThrow(/being trained by another process/);
    await s.stopRun(run.id);
    await until(events, (m) => m.event.type === 'status' && m.event.run.status === 'stopped');
    // what a kill leaves: no done event, and a lock whose holder is gone (a process that has exited)
    const runDir = join(dir, 'runs', run.id);
    const lines = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trimEnd().split('\n');
    writeFileSync(join(runDir, 'metrics.jsonl'), lines.filter((l) => !l.startsWith('{"type":"done"')).join('\n') + '\n');
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(join(runDir, 'run.lock'), JSON.stringify({ pid: Number(dead.stdout), startTime: '1', host: hostname(), purpose: 'train', since: '2020-01-01T00:00:00.000Z' }));
    const fresh = new StudioService({ projectDir: dir, version: '1.0.0' });
    expect((await fresh.listRuns())[0]).toMatchObject({ status: 'interrupted', resumable: true });
    const again = await fresh.continueRun(run.id); // breaks the stale lock
    expect(again.status).toBe('starting');
    await fresh.close();
  }, 60_000);

  it('refuses hostile or newer projects and unknown ids, keeping the folder as it was', async () => {
    const evil = join(tmp, 'evil');
    mkdirSync(evil, { recursive: true });
    const hostile = JSON.stringify({ format: 'sequence-studio-project', version: 1, name: 'x', datasets: [{ id: 'd', name: 'passwd', origin: 'dropped', bytes: 1, file: '../../../../etc/passwd' }] });
    writeFileSync(join(evil, 'project.json'), hostile);
    const s = new StudioService({ projectDir: evil, version: '1.0.0' });
    await expect(s.inspectDataset('d', 'auto')).rejects.toThrow(/leaves the project folder/);

    const newer = join(tmp, 'newer');
    mkdirSync(newer, { recursive: true });
    writeFileSync(join(newer, 'project.json'), JSON.stringify({ format: 'sequence-studio-project', version: 99, name: 'x', datasets: [] }));
    expect(() => new StudioService({ projectDir: newer, version: '1.0.0' })).toThrow(/newer Sequence Studio/);

    const damaged = join(tmp, 'damaged');
    mkdirSync(damaged, { recursive: true });
    writeFileSync(join(damaged, 'project.json'), '{"format": "sequence-studio-pro');
    expect(() => new StudioService({ projectDir: damaged, version: '1.0.0' })).toThrow(/damaged/);
    expect(readFileSync(join(damaged, 'project.json'), 'utf8')).toBe('{"format": "sequence-studio-pro');

    const ok = new StudioService({ projectDir: join(tmp, 'ok'), version: '1.0.0' });
    await expect(ok.runHistory('nope')).rejects.toThrow(/no run "nope"/);
    await expect(ok.addDatasetBytes('empty.csv', new Uint8Array())).rejects.toThrow(/empty/);
    const named = await ok.addDatasetBytes('../../x/.hidden.csv', new TextEncoder().encode('a,b\n1,2\n'));
    expect(named.name).toBe('hidden.csv');
  });
});
