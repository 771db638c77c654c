// Checkpoint files: round trip, and every damaged file is refused with a clear reason (never half-loaded).
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import type { TrainerState } from './trainer';

const state: TrainerState = {
  step: 42,
  params: Float32Array.from([1, -2, 3.5, Math.PI]),
  moment1: Float32Array.from([0.1, 0.2, 0.3, 0.4]),
  moment2: Float32Array.from([1e-8, 2e-8, 3e-8, 4e-8]),
  dataCursor: 7,
  carryH: Float32Array.from([0.5, -0.5]),
  trainSeconds: 12.5,
};

describe('checkpoint', () => {
  it('round-trips every field exactly', () => {
    const back = decodeCheckpoint(encodeCheckpoint(state));
    expect(back.step).toBe(42);
    expect(back.dataCursor).toBe(7);
    expect(back.trainSeconds).toBe(12.5);
    expect(Array.from(back.params)).toEqual(Array.from(state.params));
    expect(Array.from(back.moment2)).toEqual(Array.from(state.moment2));
    expect(Array.from(back.carryH!)).toEqual([0.5, -0.5]);
    expect(back.carryC).toBeUndefined();
  });

  it('refuses truncated, altered, foreign and newer files', () => {
    const bytes = encodeCheckpoint(state);
    for (const cut of [0, 10, 40, bytes.length - 1]) expect(() => decodeCheckpoint(bytes.subarray(0, cut), 'ck.bin')).toThrow(/ck\.bin: (the file is truncated|the file is damaged or truncated|not a Sequence Studio checkpoint)/);
    const flipped = bytes.slice();
    flipped[bytes.length - 10] ^= 0x40;
    expect(() => decodeCheckpoint(flipped)).toThrow(/damaged or truncated/);
    expect(() => decodeCheckpoint(new TextEncoder().encode('{"hello": "world"} and more bytes'))).toThrow(/not a Sequence Studio checkpoint/);
    const newer = bytes.slice();
    new DataView(newer.buffer).setUint32(4, 99, true);
    expect(() => decodeCheckpoint(newer)).toThrow(/newer Sequence Studio/);
  });
});
