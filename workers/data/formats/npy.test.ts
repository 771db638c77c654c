// NumPy .npy arrays as np.save writes them (header dict, then C-ordered values): sequences with their labels file,
// series, split siblings; pickled objects and Fortran order refused. The files are written here byte by byte, as
// numpy.lib.format does (version 1.0: magic, 2 version bytes, a 2-byte header length, the header padded to 64).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFile } from '../parse';
import { DataError } from '../parsed';
import { buildTrainingData, propose } from '../propose';
import { labelsFileOf } from './npy';

const dir = mkdtempSync(join(tmpdir(), 'npy-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function npy(descr: string, shape: number[], values: number[] | string[], fortran = false): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = Buffer.concat([Buffer.from('\x93NUMPY', 'latin1'), Buffer.from([1, 0]), Buffer.from([header.length & 255, header.length >> 8]), Buffer.from(header, 'latin1')]);
  let body: Buffer;
  if (descr === '<f4') (body = Buffer.alloc(4 * values.length)), (values as number[]).forEach((v, i) => body.writeFloatLE(v, 4 * i));
  else if (descr === '<f8') (body = Buffer.alloc(8 * values.length)), (values as number[]).forEach((v, i) => body.writeDoubleLE(v, 8 * i));
  else if (descr === '<i8') (body = Buffer.alloc(8 * values.length)), (values as number[]).forEach((v, i) => body.writeBigInt64LE(BigInt(v), 8 * i));
  else if (descr.startsWith('<U')) {
    const w = Number(descr.slice(2));
    body = Buffer.alloc(4 * w * values.length);
    (values as string[]).forEach((s, i) => [...s].forEach((ch, k) => body.writeUInt32LE(ch.codePointAt(0)!, 4 * (w * i + k))));
  } else throw new Error(descr);
  return Buffer.concat([head, body]);
}
const put = (name: string, b: Buffer): string => {
  mkdirSync(join(dir, name, '..'), { recursive: true });
  writeFileSync(join(dir, name), b);
  return join(dir, name);
};

describe('NumPy .npy arrays', () => {
  it('X_train.npy (N, T, F) with y_train.npy, X_test.npy with one-hot y_test.npy: labelled sequences, the test held out', async () => {
    const [N, T, F] = [12, 5, 2];
    const x = (n: number, c: (i: number) => number): number[] => Array.from({ length: n * T * F }, (_, j) => Math.sin(j / (c(Math.floor(j / (T * F))) + 2)));
    put('har/X_train.npy', npy('<f4', [N, T, F], x(N, (i) => i % 3)));
    put('har/y_train.npy', npy('<i8', [N], Array.from({ length: N }, (_, i) => i % 3)));
    put('har/X_test.npy', npy('<f4', [4, T, F], x(4, (i) => i % 3)));
    put('har/y_test.npy', npy('<f8', [4, 3], Array.from({ length: 4 }, (_, i) => [0, 1, 2].map((k) => (k === i % 3 ? 1 : 0))).flat()));
    const r = await parseFile(join(dir, 'har/X_train.npy'));
    if (r.parsed.kind !== 'sequences') throw new Error(r.parsed.kind);
    expect(r.format).toBe('npy');
    expect(r.parsed.sequences.length).toBe(16);
    expect(r.parsed.sequences[1]).toMatchObject({ label: '1', split: 'train' });
    expect(r.parsed.sequences[1].steps[2][1]).toBeCloseTo(Math.sin((1 * T * F + 2 * F + 1) / 3), 5);
    expect(r.parsed.sequences[13]).toMatchObject({ label: '1', split: 'test' });
    expect(r.notes.slice(0, 2)).toEqual(['a NumPy array of shape (12, 5, 2): 12 sequences of 5 steps of 2 features', 'labels from y_train.npy']);
    expect(propose(r.parsed, 'X_train.npy').choice.shape).toBe('many-to-one');
    // the folder reads the same: the labels files go with their data files
    const f = await parseFile(join(dir, 'har'));
    if (f.parsed.kind !== 'sequences') throw new Error(f.parsed.kind);
    expect(f.parsed.sequences.filter((q) => q.split === 'test').length).toBe(4);
    expect(buildTrainingData(f.parsed, propose(f.parsed, 'har').choice, 'har').summary).toMatch(/4 test/);
  });

  it('a 1-D array is a series; (N, T) with string labels, sequences of one feature; objects and Fortran order refused', async () => {
    const s = await parseFile(put('series.npy', npy('<f8', [40], Array.from({ length: 40 }, (_, i) => Math.sin(i / 4)))));
    if (s.parsed.kind !== 'table') throw new Error(s.parsed.kind);
    expect(s.parsed.columns.map((c) => c.name)).toEqual(['value']);
    put('ecg/x.npy', npy('<f4', [6, 8], Array.from({ length: 48 }, (_, i) => i % 8)));
    put('ecg/y.npy', npy('<U8', [6], ['normal', 'abnormal', 'normal', 'abnormal', 'normal', 'abnormal']));
    const e = await parseFile(join(dir, 'ecg/x.npy'));
    if (e.parsed.kind !== 'sequences') throw new Error(e.parsed.kind);
    expect(e.parsed.sequences.map((q) => q.label)).toEqual(['normal', 'abnormal', 'normal', 'abnormal', 'normal', 'abnormal']);
    expect(e.parsed.featureNames).toEqual(['value']);
    const objects = Buffer.from("\x93NUMPY\x01\x00v\x00{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 'latin1');
    await expect(parseFile(put('objects.npy', objects))).rejects.toThrow(/Python objects \(pickled\): not read/);
    await expect(parseFile(put('fortran.npy', npy('<f8', [2, 3], [1, 2, 3, 4, 5, 6], true)))).rejects.toThrow(DataError);
    await expect(parseFile(put('short.npy', npy('<f8', [4, 3], [1, 2, 3, 4, 5, 6])))).rejects.toThrow(/cut short/);
    put('bad/X.npy', npy('<f4', [3, 4], Array(12).fill(1)));
    put('bad/y.npy', npy('<i8', [2], [0, 1]));
    await expect(parseFile(join(dir, 'bad/X.npy'))).rejects.toThrow(/2 labels for 3 rows of X.npy/);
    // measurements as y are no classes; a label for every step is one; Y_train.npy found for X_train.npy
    put('reg/X.npy', npy('<f4', [5, 4, 1], Array(20).fill(0.5)));
    put('reg/y.npy', npy('<f8', [5], [0.1, 2.5, 3.7, 1.2, 0.9]));
    const reg = await parseFile(join(dir, 'reg/X.npy'));
    expect(reg.notes).toContain('y.npy holds measurements, not classes: left out (sequences are classified here, not regressed)');
    put('steps/X.npy', npy('<f4', [3, 4, 1], Array(12).fill(0.5)));
    put('steps/y.npy', npy('<i8', [3, 4], [0, 0, 2, 2, 1, 1, 1, 0, 2, 0, 0, 0]));
    const st = await parseFile(join(dir, 'steps/X.npy'));
    expect(st.parsed.kind === 'sequences' && st.parsed.sequences[0].stepLabels).toEqual(['0', '0', '2', '2']);
    put('case/X_train.npy', npy('<f4', [3, 4, 1], Array(12).fill(0.5)));
    put('case/Y_train.npy', npy('<i8', [3], [0, 1, 0]));
    const cs = await parseFile(join(dir, 'case/X_train.npy'));
    expect(cs.parsed.kind === 'sequences' && cs.parsed.sequences.map((q) => q.label)).toEqual(['0', '1', '0']);
    // shapes that are not arrays of values: empty, negative, huge
    const header = (shape: string): Buffer => Buffer.from(`\x93NUMPY\x01\x00F\x00{'descr': '<f8', 'fortran_order': False, 'shape': (${shape}), }`, 'latin1');
    await expect(parseFile(put('zero.npy', header('100000000000, 0')))).rejects.toThrow(/an empty array/);
    await expect(parseFile(put('neg.npy', header('-1, 5')))).rejects.toThrow(/not one of whole numbers/);
    await expect(parseFile(put('huge.npy', header('100000000000, 3')))).rejects.toThrow(/more than 50,000,000 values/);
    expect([labelsFileOf('X_train.npy'), labelsFileOf('train_x.npy'), labelsFileOf('features.npy'), labelsFileOf('series.npy')]).toEqual(['y_train.npy', 'train_y.npy', 'labels.npy', undefined]);
  });
});
