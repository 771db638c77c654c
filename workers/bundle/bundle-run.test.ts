// The bundle's pieces that need no Python: safetensors written and read back (and refused when damaged), and the
// refusal of what the bundle cannot express yet (attention), with the reason in words.
import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../src-shared/model';
import { bundleRefusal } from './bundle-run';
import { decodeSafetensors, encodeSafetensors, tensorOf } from './safetensors';

const spec: ModelSpec = {
  shape: 'many-to-one',
  input: { vocabSize: 10, embedSize: 4, featureSize: 0 },
  stack: { cell: 'gru', layers: 2, hiddenSize: 8, bidirectional: true },
  output: { kind: 'classes', size: 3 },
  dropout: 0.1,
  forgetBias: 0,
};

describe('safetensors', () => {
  it('round-trips every dtype with its shape, in order, with metadata, the header padded to 8 bytes', () => {
    const bytes = encodeSafetensors(
      {
        w: tensorOf(Float32Array.from([1.5, -2, 3.25, 0, 7, 8]), [2, 3]),
        d: tensorOf(Float64Array.from([Math.PI]), [1]),
        i: tensorOf(Int32Array.from([-1, 2 ** 30]), [2]),
        l: tensorOf(BigInt64Array.from([2n ** 40n]), [1, 1]),
        u: tensorOf(Uint8Array.from([0, 1, 255]), [3]),
        e: tensorOf(new Float32Array(0), [0, 4]),
      },
      { step: '12' },
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const { tensors, metadata } = decodeSafetensors(bytes, 'test');
    expect(Object.keys(tensors)).toEqual(['w', 'd', 'i', 'l', 'u', 'e']);
    expect(tensors.w).toMatchObject({ dtype: 'F32', shape: [2, 3] });
    expect(Array.from(tensors.w.data as Float32Array)).toEqual([1.5, -2, 3.25, 0, 7, 8]);
    expect(tensors.d.data[0]).toBe(Math.PI);
    expect(Array.from(tensors.i.data as Int32Array)).toEqual([-1, 2 ** 30]);
    expect(tensors.l.data[0]).toBe(2n ** 40n);
    expect(Array.from(tensors.u.data as Uint8Array)).toEqual([0, 1, 255]);
    expect(tensors.e.shape).toEqual([0, 4]);
    expect(metadata).toEqual({ step: '12' });
  });

  it('refuses a truncated file, a header that is not JSON, and data that does not fit its offsets, naming the file', () => {
    const bytes = encodeSafetensors({ w: tensorOf(Float32Array.from([1, 2, 3, 4]), [4]) });
    expect(() => decodeSafetensors(bytes.subarray(0, 5), 'w.safetensors')).toThrow(/w\.safetensors: truncated/);
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 4), 'w.safetensors')).toThrow(/tensor w \[4\] does not fit/);
    const bad = bytes.slice();
    bad[8] = 0x41; // the header's opening brace
    expect(() => decodeSafetensors(bad, 'w.safetensors')).toThrow(/w\.safetensors: the header is not JSON/);
    expect(() => tensorOf(new Float32Array(3), [2, 2])).toThrow(/needs 4 values, not 3/);
  });
});

describe('bundleRefusal', () => {
  it('bundles every cell, shape and attention the studio has; refuses what it does not know, in words', () => {
    for (const cell of ['rnn', 'lstm', 'gru', 'peephole'] as const) expect(bundleRefusal({ ...spec, stack: { ...spec.stack, cell } })).toBeUndefined();
    expect(bundleRefusal({ ...spec, shape: 'encoder-decoder', decoder: { vocabSize: 12, embedSize: 4 } })).toBeUndefined();
    for (const attention of ['none', 'luong-dot', 'luong-general', 'bahdanau'] as const) expect(bundleRefusal({ ...spec, shape: 'encoder-decoder', decoder: { vocabSize: 12, embedSize: 4 }, attention })).toBeUndefined();
    expect(bundleRefusal({ ...spec, shape: 'encoder-decoder', decoder: { vocabSize: 12, embedSize: 4 }, attention: 'bahdanau', inputFeeding: true })).toMatch(/does not yet support input feeding: model\.py runs the decoder over every target step in one call/);
    expect(bundleRefusal({ ...spec, shape: 'encoder-decoder', decoder: { vocabSize: 12, embedSize: 4 }, attention: 'bahdanau', inputFeeding: false })).toBeUndefined();
    expect(bundleRefusal({ ...spec, attention: 'sideways' } as unknown as ModelSpec)).toBe('the training bundle does not know the attention "sideways"');
    expect(bundleRefusal({ ...spec, shape: 'encoder-decoder', decoder: { vocabSize: 12, embedSize: 4, attention: 'luong' } } as unknown as ModelSpec)).toMatch(/does not support attention given outside/);
    expect(bundleRefusal({ ...spec, stack: { ...spec.stack, attention: { kind: 'bahdanau' } } } as unknown as ModelSpec)).toMatch(/does not support attention given outside/);
    expect(bundleRefusal({ ...spec, attention: { kind: 'none' } } as unknown as ModelSpec)).toBeUndefined();
    expect(bundleRefusal({ ...spec, layerNorm: true } as unknown as ModelSpec)).toBe('the training bundle does not yet support layerNorm in a model');
    expect(bundleRefusal({ ...spec, stack: { ...spec.stack, residual: true } } as unknown as ModelSpec)).toBe('the training bundle does not yet support stack.residual in a model');
  });
});
