// Runs survive `kill -9`: a training process killed at random moments (mid-step, mid-checkpoint, mid-append) and
// continued with `seqstudio train --resume` ends with exactly the parameters of an uninterrupted run with the same
// seed; after every kill the checkpoint is intact (CRC) and metrics.jsonl holds every step up to it; at the end it
// holds every step exactly once. A torn last line and stale temporary files are repaired when the run continues.
// Drives the built CLI (out/main/cli.js) in child processes, as a person's terminal would; `npm test` builds first.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../workers/engine/checkpoint';

const root = join(import.meta.dirname, '../..');
const cli = join(root, 'bin/seqstudio.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-kill-'));
const data = join(tmp, 'text.txt');
writeFileSync(data, 'It is a truth universally acknowledged, that a single man in possession of a good fortune. '.repeat(300));
const STEPS = 1500;
const EVERY = 50;
const flags = (out: string): string[] => ['train', '--data', data, '--out', out, '--cell', 'lstm', '--hidden', '48', '--embed', '16', '--batch', '8', '--seq-len', '32', '--steps', String(STEPS), '--checkpoint-every', String(EVERY), '--eval-every', '200', '--seed', '3', '--json'];

function lastStep(out: string): number {
  const p = join(out, 'metrics.jsonl');
  if (!existsSync(p)) return 0;
  let step = 0;
  for (const line of readFileSync(p, 'utf8').split('\n')) {
    try {
      const e = JSON.parse(line) as { type: string; step: number };
      if (e.type === 'step') step = e.step;
    } catch {
      // the torn last line of a kill
    }
  }
  return step;
}

/** The steps metrics.jsonl records, in order (a torn line skipped). */
function steps(out: string): number[] {
  const r: number[] = [];
  for (const line of readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n')) {
    try {
      const e = JSON.parse(line) as { type: string; step: number };
      if (e.type === 'step') r.push(e.step);
    } catch {
      // torn
    }
  }
  return r;
}

/** Starts training and SIGKILLs the process once it reports `atStep`, plus a random few milliseconds. */
function trainAndKill(out: string, resume: boolean, atStep: number): Promise<number> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [cli, ...flags(out), ...(resume ? ['--resume'] : [])], { stdio: ['ignore', 'pipe', 'ignore'] });
    let seen = 0;
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const l of lines) {
        const m = /^\{"type":"step","step":(\d+)/.exec(l);
        if (m) seen = Number(m[1]);
      }
      if (seen >= atStep && !child.killed) setTimeout(() => child.kill('SIGKILL'), Math.random() * 30);
    });
    child.on('exit', () => ok(seen));
  });
}

describe('kill -9 during training', () => {
  it('continues to exactly the uninterrupted result, and never corrupts the run', async () => {
    expect(existsSync(join(root, 'out/main/cli.js')), 'build first: npm run build').toBe(true);
    const clean = join(tmp, 'clean');
    const r = spawnSync(process.execPath, [cli, ...flags(clean)], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const reference = readCheckpoint(join(clean, 'checkpoint.bin'));
    expect(reference.step).toBe(STEPS);

    const killed = join(tmp, 'killed');
    const kills: number[] = [];
    let resume = false;
    for (const target of [230, 610, 1005, 1333]) {
      const at = await trainAndKill(killed, resume, target);
      kills.push(at);
      if (at >= STEPS) break;
      // after each kill: the checkpoint reads back (CRC checked), behind the last reported step by less than the
      // checkpoint interval plus what ran during the kill's delay
      const ck = readCheckpoint(join(killed, 'checkpoint.bin'));
      expect(ck.step).toBeGreaterThan(0);
      expect(ck.step % EVERY).toBe(0);
      expect(at - ck.step).toBeLessThan(EVERY + 200);
      // every line of metrics.jsonl but a torn last one is whole, and every step up to the checkpoint is there
      const lines = existsSync(join(killed, 'metrics.jsonl')) ? readFileSync(join(killed, 'metrics.jsonl'), 'utf8').split('\n').slice(0, -1) : [];
      for (const line of lines.slice(0, -1)) expect(() => JSON.parse(line)).not.toThrow();
      const logged = new Set(steps(killed));
      for (let s = 1; s <= ck.step; s++) expect(logged.has(s), `step ${s} of checkpoint ${ck.step}`).toBe(true);
      resume = true;
    }
    expect(kills.filter((k) => k < STEPS).length).toBeGreaterThanOrEqual(3);
    // the last continuation names only the run folder: its run.json says how it was started
    const fin = spawnSync(process.execPath, [cli, 'train', '--resume', killed, '--json'], { encoding: 'utf8' });
    expect(fin.status, fin.stderr).toBe(0);
    const after = readCheckpoint(join(killed, 'checkpoint.bin'));
    expect(after.step).toBe(STEPS);
    let worst = 0;
    for (let i = 0; i < after.params.length; i++) worst = Math.max(worst, Math.abs(after.params[i] - reference.params[i]));
    expect(worst).toBe(0); // bit for bit
    // the log holds every step exactly once, in order: each continuation cut what came after its checkpoint
    expect(steps(killed)).toEqual(Array.from({ length: STEPS }, (_, k) => k + 1));
    console.log(`kill -9 at steps ${kills.join(', ')}; resumed each time; final parameters identical to the uninterrupted run (${reference.params.length} floats)`);
  }, 120_000);

  it('a torn last line (full disk) costs no event after the resume, and stale temporary files are removed', () => {
    const out = join(tmp, 'torn');
    const args = ['train', '--data', data, '--out', out, '--hidden', '16', '--batch', '4', '--seq-len', '16', '--checkpoint-every', '10', '--eval-every', '1000', '--json'];
    expect(spawnSync(process.execPath, [cli, ...args, '--steps', '30'], { encoding: 'utf8' }).status).toBe(0);
    // what a full disk and a killed checkpoint write leave: a torn line, and temporary files of a dead process
    const metrics = join(out, 'metrics.jsonl');
    writeFileSync(metrics, readFileSync(metrics, 'utf8') + '{"type":"step","step":31,"lo');
    const dead = Number(spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout);
    writeFileSync(join(out, `checkpoint.bin.tmp-${dead}-0`), Buffer.alloc(1 << 20));
    writeFileSync(join(out, `run.json.tmp-${dead}-1`), '{');
    const r = spawnSync(process.execPath, [cli, ...args, '--steps', '60', '--resume'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(steps(out)).toEqual(Array.from({ length: 60 }, (_, k) => k + 1)); // step 31 was written after the cut, whole
    for (const line of readFileSync(metrics, 'utf8').trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 60_000);

  it('refuses to continue when the dataset changed since the run started', () => {
    const out = join(tmp, 'changed');
    const own = join(tmp, 'own.txt');
    writeFileSync(own, 'abcdefgh '.repeat(400));
    const args = ['train', '--data', own, '--out', out, '--hidden', '8', '--batch', '4', '--seq-len', '8', '--steps', '10', '--checkpoint-every', '5'];
    expect(spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' }).status).toBe(0);
    writeFileSync(own, 'abcdefgh '.repeat(401));
    const r = spawnSync(process.execPath, [cli, ...args, '--steps', '20', '--resume'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/changed since this run started: 3600 → 3609 bytes/);
  }, 60_000);
  it('kill -9 during an export leaves the run intact and every written file whole', async () => {
    const out = join(tmp, 'exported');
    const args = ['train', '--data', data, '--out', out, '--hidden', '16', '--batch', '4', '--seq-len', '16', '--steps', '20', '--checkpoint-every', '10'];
    expect(spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' }).status).toBe(0);
    const before = readFileSync(join(out, 'checkpoint.bin'));
    const { decodeModel } = await import('../../workers/export/onnx-proto');
    for (const delay of [150, 400, 700, 1000]) {
      const child = spawn(process.execPath, [cli, 'export', out], { stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await exited;
      expect(readFileSync(join(out, 'checkpoint.bin')).equals(before)).toBe(true);
      for (const f of ['model.onnx', 'model.json']) {
        const p = join(out, 'export', f);
        if (!existsSync(p)) continue;
        if (f.endsWith('.onnx')) expect(decodeModel(readFileSync(p)).graph.nodes.length).toBeGreaterThan(0);
        else expect(() => JSON.parse(readFileSync(p, 'utf8'))).not.toThrow();
      }
    }
    const again = spawnSync(process.execPath, [cli, 'export', out, '--json'], { encoding: 'utf8' });
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout.trim().split('\n').pop()!).maxAbsDiff).toBeLessThan(1e-4);
  }, 120_000);
});
