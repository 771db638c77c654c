// Fuzzing the ONNX reader (decodeModel) with what a stranger's file might hold: byte flips, truncations, spliced
// garbage, packed varints that run off the end, huge declared lengths. It must return a model or throw one Error
// saying the file is not a readable ONNX model — never hang, never throw anything else, never pollute prototypes.

import { describe, expect, it } from 'vitest';
import { DataType, decodeModel, encodeModel, leBytes, type ModelProto } from './onnx-proto';
import { Rng } from '../engine/rng';

/** Uniform [0, 1) numbers from the engine's seeded generator. */
function rng(seed: number): () => number {
  const g = new Rng(seed);
  return () => g.next();
}

const model: ModelProto = {
  irVersion: 8,
  opsetImports: [{ domain: '', version: 17 }],
  producerName: 'fuzz',
  producerVersion: '1',
  metadata: [
    ['__proto__', 'polluted'],
    ['vocabulary', '["a","b"]'],
  ],
  graph: {
    name: 'g',
    nodes: [{ opType: 'LSTM', name: 'l0', inputs: ['X', 'W', 'R'], outputs: ['Y'], attributes: [{ name: 'hidden_size', type: 'int', value: 4 }, { name: 'activations', type: 'strings', value: ['Sigmoid', 'Tanh', 'Tanh'] }] }],
    initializers: [{ name: 'W', dims: [1, 16, 3], dataType: DataType.FLOAT, raw: leBytes(new Float32Array(48).fill(0.5)) }],
    inputs: [{ name: 'X', elemType: DataType.FLOAT, shape: ['seq', 'batch', 3] }],
    outputs: [{ name: 'Y', elemType: DataType.FLOAT, shape: ['seq', 1, 'batch', 4] }],
  },
};

describe('ONNX reader fuzz', () => {
  it('reads a valid model, keeping metadata keys off the prototype', () => {
    const d = decodeModel(encodeModel(model));
    expect(d.graph.nodes[0].opType).toBe('LSTM');
    expect(d.metadata['vocabulary']).toBe('["a","b"]');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(d.metadata)).toBeNull();
  });

  it('refuses 3000 mutated files with one clear error each, quickly', () => {
    const good = encodeModel(model);
    const r = rng(5);
    let refused = 0;
    const t0 = performance.now();
    for (let k = 0; k < 3000; k++) {
      const b = Uint8Array.from(good);
      const kind = Math.floor(r() * 3);
      let bytes: Uint8Array = b;
      if (kind === 0) for (let j = 0; j < 1 + r() * 6; j++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      else if (kind === 1) bytes = b.subarray(0, Math.floor(r() * b.length));
      else bytes = Uint8Array.from([...b.subarray(0, Math.floor(r() * b.length)), ...Array.from({ length: 1 + r() * 32 }, () => Math.floor(r() * 256))]);
      try {
        decodeModel(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).message).toMatch(/^not a readable ONNX model \(|^not a readable ONNX model/);
        refused++;
      }
    }
    console.log(`onnx fuzz: 3000 mutated files, ${refused} refused, ${(performance.now() - t0).toFixed(0)} ms`);
    expect(refused).toBeGreaterThan(100);
  });

  it('refuses a packed varint that runs off its field, and a length beyond the file', () => {
    // field 7 (graph), length 3: a node field (1) of length 1 holding a lone continuation byte
    expect(() => decodeModel(Uint8Array.of(0x3a, 0x03, 0x0a, 0x01, 0x80))).toThrow(/not a readable ONNX model/);
    // an INTS attribute whose packed run ends inside a varint (this used to loop forever)
    const attr = [0x0a, 0x01, 0x61, 0xa0, 0x01, 0x07, 0x42, 0x01, 0x80];
    const node = [0x2a, attr.length, ...attr];
    const graph = [0x0a, node.length, ...node];
    expect(() => decodeModel(Uint8Array.from([0x3a, graph.length, ...graph]))).toThrow(/packed varint/);
    // field 7, declared length 2^28 in a 6-byte file
    expect(() => decodeModel(Uint8Array.of(0x3a, 0x80, 0x80, 0x80, 0x80, 0x01))).toThrow(/truncated/);
  });
});
