// Fuzzing the readers of our own file formats with what a stranger's project folder might hold: random byte flips
// and truncations of real files, hostile but well-formed content (paths that leave the folder, huge declared
// sizes, deep nesting, wrong types). Every reader must either accept the input or refuse it with an Error whose
// message names the file — never crash with something else, hang, or allocate what a header claims.

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '../../workers/engine/checkpoint';
import { readRecord as readRunRecord } from '../../workers/engine/run-folder';
import { Project } from './project';
import { readHistory, readRunInfo } from './run-store';
import { Rng } from '../../workers/engine/rng';

const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-fuzz-'));

/** Uniform [0, 1) numbers from the engine's seeded generator. */
function rng(seed: number): () => number {
  const g = new Rng(seed);
  return () => g.next();
}

function mutate(bytes: Uint8Array, r: () => number): Uint8Array {
  const out = Uint8Array.from(bytes);
  switch (Math.floor(r() * 4)) {
    case 0: // flip a few bytes
      for (let k = 0; k < 1 + r() * 8; k++) out[Math.floor(r() * out.length)] ^= 1 << Math.floor(r() * 8);
      return out;
    case 1: // truncate
      return out.subarray(0, Math.floor(r() * out.length));
    case 2: // splice garbage in
      return Uint8Array.from([...out.subarray(0, Math.floor(r() * out.length)), ...Array.from({ length: 1 + r() * 64 }, () => Math.floor(r() * 256))]);
    default: // duplicate a slice
      return Uint8Array.from([...out, ...out.subarray(Math.floor(r() * out.length))]);
  }
}

/** Either a value, or an Error naming the file: anything else (a TypeError from deep inside, a hang) fails. */
function acceptOrRefuse(run: () => unknown, file: string): 'accepted' | 'refused' {
  try {
    run();
    return 'accepted';
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toContain(file);
    return 'refused';
  }
}

const state = {
  step: 42,
  dataCursor: 7,
  trainSeconds: 1.5,
  params: Float32Array.from({ length: 300 }, (_, i) => Math.sin(i)),
  moment1: new Float32Array(300),
  moment2: new Float32Array(300),
  carryH: new Float32Array(32),
};

/** A checkpoint with a valid CRC around any header: what a crafted file looks like. */
function crafted(header: unknown, floats = 0): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const hp = (h.length + 3) & ~3;
  const bytes = new Uint8Array(12 + hp + floats * 4 + 4);
  const dv = new DataView(bytes.buffer);
  dv.setUint32(0, 0x4b435153, true);
  dv.setUint32(4, 1, true);
  dv.setUint32(8, hp, true);
  bytes.fill(0x20, 12, 12 + hp);
  bytes.set(h, 12);
  dv.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

describe('fuzzing our own formats', () => {
  it('checkpoints: 3000 mutations are refused with the file named; crafted headers too', () => {
    const good = encodeCheckpoint(state as never);
    expect(decodeCheckpoint(good, 'ck.bin').step).toBe(42);
    const r = rng(1);
    let refused = 0;
    for (let k = 0; k < 3000; k++) if (acceptOrRefuse(() => decodeCheckpoint(mutate(good, r), 'ck.bin'), 'ck.bin') === 'refused') refused++;
    expect(refused).toBeGreaterThan(2990); // the CRC catches all but a duplicated tail that re-reads the same bytes
    const hostile = [
      { step: 1, dataCursor: 0, trainSeconds: 0, arrays: [{ name: 'params', length: 2 ** 40 }] },
      { step: 1, dataCursor: 0, trainSeconds: 0, arrays: [{ name: 'params', length: -1 }] },
      { step: 1, dataCursor: 0, trainSeconds: 0, arrays: [{ name: '__proto__', length: 1 }] },
      { step: 1, dataCursor: 0, trainSeconds: 0, arrays: 'params' },
      { step: 'x', dataCursor: 0, trainSeconds: 0, arrays: [] },
      [1, 2, 3],
      null,
    ];
    for (const h of hostile) expect(() => decodeCheckpoint(crafted(h, 1), 'ck.bin')).toThrow(/^ck\.bin: /);
  });

  it('project.json: mutations, deep nesting, huge files and paths that leave the folder', () => {
    const dir = join(tmp, 'project');
    Project.open(dir).addBytes('a.csv', new TextEncoder().encode('x,y\n1,2\n'));
    const good = readFileSync(join(dir, 'project.json'));
    const r = rng(2);
    for (let k = 0; k < 500; k++) {
      writeFileSync(join(dir, 'project.json'), mutate(good, r));
      acceptOrRefuse(() => {
        const p = Project.open(dir);
        for (const d of p.info().datasets) acceptOrRefuse(() => p.datasetPath(d.id), d.id);
      }, 'project.json');
    }
    writeFileSync(join(dir, 'project.json'), '['.repeat(200_000) + ']'.repeat(200_000));
    expect(() => Project.open(dir)).toThrow(/project\.json (is damaged|is not a Sequence Studio project)/);
    writeFileSync(join(dir, 'project.json'), Buffer.alloc(17 * 2 ** 20, 0x20));
    expect(() => Project.open(dir)).toThrow(/too large to be a project file/);
    for (const file of ['../outside.csv', '/etc/passwd', 'datasets/../../outside.csv']) {
      writeFileSync(join(dir, 'project.json'), JSON.stringify({ format: 'sequence-studio-project', version: 1, name: 'p', datasets: [{ id: 'd', name: 'x', origin: 'dropped', bytes: 1, file }] }));
      expect(() => Project.open(dir).datasetPath('d')).toThrow(/leaves the project folder|not chosen for this project on this machine/);
    }
  });

  it('run folders: mutated request.json, run.json and metrics.jsonl never break listing or history', () => {
    const runDir = join(tmp, 'run');
    mkdirSync(runDir, { recursive: true });
    const request = Buffer.from(JSON.stringify({ format: 'sequence-studio-run-request', version: 1, id: 'r', name: 'n', datasetId: 'd', datasetName: 'x', createdAt: '', data: { format: 'auto', valFraction: 0.1 }, model: {}, settings: { steps: 10 } }));
    const metrics = Buffer.from([1, 2, 3].map((s) => JSON.stringify({ type: 'step', step: s, loss: 1 })).join('\n') + '\n');
    const r = rng(3);
    for (let k = 0; k < 300; k++) {
      writeFileSync(join(runDir, 'request.json'), mutate(request, r));
      writeFileSync(join(runDir, 'metrics.jsonl'), mutate(metrics, r));
      writeFileSync(join(runDir, 'run.json'), mutate(request, r));
      const info = readRunInfo(runDir, 'r'); // undefined (not a run) or a RunInfo: never a throw
      if (info) expect(typeof info.step).toBe('number');
      expect(Array.isArray(readHistory(runDir))).toBe(true);
      acceptOrRefuse(() => readRunRecord(runDir), 'run');
    }
  });
});
