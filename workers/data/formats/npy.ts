// NumPy's .npy arrays (np.save): how Keras tutorials and many papers ship sequences — X_train.npy of shape (N, T, F)
// beside y_train.npy of N labels. Read: the magic and version, the header (a Python dict: 'descr', 'fortran_order',
// 'shape'), then the little- or big-endian numbers. Shapes:
//   (N, T, F) → N sequences of T steps of F features        (N,) with labels → —
//   (N, T)    → N sequences of T steps, one feature each, where a labels file is beside it; else a table of N rows
//   (N,)      → a one-column table (a series)
// Labels: the file named like the data with y for X (X_train.npy → y_train.npy, any case; x.npy → y.npy; features →
// labels): N whole numbers or strings, N one-hot rows, or (N, T) labels of every step; measurements are left out,
// said. Object (pickled) and Fortran-ordered arrays are refused with what to do; nothing is ever unpickled.

import { lstat, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { splitOf } from '../analyse';
import { DataError, type Parsed } from '../parsed';
import { TableBuilder } from './table';

export const NPY_MAGIC = '\x93NUMPY';
const MAX_VALUES = 50_000_000;
/** Steps of all sequences at most (each a small array of its features), and rows of a table. */
const MAX_STEPS_IN_ALL = 2_000_000;
const MAX_ROWS = 10_000_000;

interface NpyArray {
  shape: number[];
  /** The values in C order, as numbers, or as strings for a unicode / bytes array. */
  values: Float64Array | string[];
}

/** One .npy file's array. */
export function readNpy(bytes: Buffer, file: string): NpyArray {
  if (bytes.length < 10 || bytes.toString('latin1', 0, 6) !== NPY_MAGIC) throw new DataError(file, undefined, 'not a NumPy .npy file (it would start with \\x93NUMPY)', 'save the array with numpy.save');
  const major = bytes[6];
  const headerLen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = bytes.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new DataError(file, undefined, 'the .npy header names no type or shape', 'save the array again with numpy.save');
  const shape = shapeText.split(',').map((x) => x.trim()).filter((x) => x !== '').map((x) => Number(x.replace(/L$/, '')));
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new DataError(file, undefined, `the shape (${shapeText.trim()}) is not one of whole numbers`, 'save the array again with numpy.save');
  if (shape.some((d) => d === 0)) throw new DataError(file, undefined, `an empty array (shape (${shape.join(', ')}))`, 'save an array with values');
  if (shape.some((d) => d > MAX_VALUES)) throw new DataError(file, undefined, `a dimension of ${Math.max(...shape).toLocaleString('en')}, more than ${MAX_VALUES.toLocaleString('en')} values`, 'save a part of the array');
  if (fortran && shape.length > 1) throw new DataError(file, undefined, 'a Fortran-ordered array', 'save it in C order: numpy.save(path, numpy.ascontiguousarray(a))');
  if (descr.includes('O')) throw new DataError(file, undefined, 'an array of Python objects (pickled): not read, as unpickling can run code', 'save an array of numbers or strings (a.astype(float) or a.astype(str))');
  const count = shape.reduce((n, x) => n * x, 1);
  if (count > MAX_VALUES) throw new DataError(file, undefined, `${count.toLocaleString('en')} values, more than ${MAX_VALUES.toLocaleString('en')}`, 'save a part of the array');
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  if (!m) throw new DataError(file, undefined, `the type "${descr}" is not read`, 'save an array of numbers or strings');
  const little = m[1] !== '>';
  const [kind, size] = [m[2], Number(m[3])];
  const data = bytes.subarray(start);
  if (data.length < count * (kind === 'U' ? 4 * size : size)) throw new DataError(file, undefined, `cut short: ${data.length.toLocaleString('en')} bytes of data where the shape needs more`, 'copy the file again');
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  if (kind === 'U' || kind === 'S') {
    const width = kind === 'U' ? 4 * size : size;
    const values = Array.from({ length: count }, (_, i) => {
      const cell = data.subarray(i * width, (i + 1) * width);
      const point = (k: number): number => (little ? cell.readUInt32LE(4 * k) : cell.readUInt32BE(4 * k));
      const text = kind === 'U' ? Array.from({ length: size }, (_, k) => (point(k) <= 0x10ffff ? String.fromCodePoint(point(k)) : '\ufffd')).join('') : cell.toString('latin1');
      return text.replace(/\0+$/, '');
    });
    return { shape, values };
  }
  const read: ((i: number) => number) | undefined =
    kind === 'f' && size === 8 ? (i) => view.getFloat64(8 * i, little)
    : kind === 'f' && size === 4 ? (i) => view.getFloat32(4 * i, little)
    : kind === 'i' && size === 1 ? (i) => view.getInt8(i)
    : kind === 'i' && size === 2 ? (i) => view.getInt16(2 * i, little)
    : kind === 'i' && size === 4 ? (i) => view.getInt32(4 * i, little)
    : kind === 'i' && size === 8 ? (i) => Number(view.getBigInt64(8 * i, little))
    : kind === 'u' && size === 1 ? (i) => view.getUint8(i)
    : kind === 'u' && size === 2 ? (i) => view.getUint16(2 * i, little)
    : kind === 'u' && size === 4 ? (i) => view.getUint32(4 * i, little)
    : kind === 'u' && size === 8 ? (i) => Number(view.getBigUint64(8 * i, little))
    : kind === 'b' && size === 1 ? (i) => view.getUint8(i)
    : undefined;
  if (!read) throw new DataError(file, undefined, `the type "${descr}" is not read`, 'save an array of floats, whole numbers or strings');
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = read(i);
  return { shape, values };
}

/** The labels file beside a data file: X_train.npy → y_train.npy, x.npy → y.npy, features.npy → labels.npy. */
export function labelsFileOf(name: string): string | undefined {
  const stem = name.replace(/\.npy$/i, '');
  const swapped = stem.replace(/(^|[_.-])[xX](?=[_.-]|$)/, '$1y').replace(/(^|[_.-])(features|data|inputs)(?=[_.-]|$)/i, '$1labels');
  return swapped !== stem ? `${swapped}.npy` : undefined;
}

/** The data array of a .npy file (with its labels beside it, where there are) as Parsed, and what was read. */
export async function parseNpy(path: string, bytes: Buffer, file: string, maxBytes = 2 ** 30): Promise<{ parsed: Parsed; notes: string[]; extra?: { name: string; bytes: Buffer } }> {
  const x = readNpy(bytes, file);
  // the labels file beside it, its name's case as it is (Y_train.npy for X_train.npy too)
  const wanted = labelsFileOf(basename(path))?.toLowerCase();
  const labelsName = wanted ? (await readdir(dirname(path)).catch(() => [] as string[])).find((n) => n.toLowerCase() === wanted && n !== basename(path)) : undefined;
  const labelsPath = labelsName ? join(dirname(path), labelsName) : undefined;
  const st = labelsPath ? await lstat(labelsPath).catch(() => undefined) : undefined;
  let labels: string[] | undefined;
  let stepLabels: string[][] | undefined;
  let extra: { name: string; bytes: Buffer } | undefined;
  const notes: string[] = [];
  const N = x.shape[0] ?? 1;
  if (st?.isFile() && labelsPath && labelsName) {
    if (st.size + bytes.length > maxBytes) throw new DataError(labelsName, undefined, `${((st.size + bytes.length) / 2 ** 20).toFixed(0)} MiB with the data, more than the limit (${(maxBytes / 2 ** 20).toFixed(0)} MiB)`, 'save a part of the arrays');
    const yb = await readFile(labelsPath);
    const y = readNpy(yb, labelsName);
    const per = y.shape.slice(1).reduce((n, d) => n * d, 1);
    if (y.shape[0] !== N) throw new DataError(labelsName, undefined, `${y.shape[0]} labels for ${N} rows of ${file}`, 'give one label per row of the data');
    const yv = y.values;
    const whole = Array.isArray(yv) || yv.every((v) => Number.isInteger(v));
    const oneHot = !Array.isArray(yv) && per > 1 && Array.from({ length: N }, (_, i) => yv.subarray(i * per, (i + 1) * per)).every((r) => r.every((v) => v === 0 || v === 1) && r.reduce((a, b) => a + b, 0) === 1);
    if (!whole) notes.push(`${labelsName} holds measurements, not classes: left out (sequences are classified here, not regressed)`);
    else if (per > 1 && !oneHot && y.shape.length === 2 && y.shape[1] === x.shape[1]) {
      // a label for every step of each sequence (N, T): step labels
      stepLabels = Array.from({ length: N }, (_, i) => Array.from({ length: per }, (_, t) => (Array.isArray(yv) ? yv[i * per + t] : String(yv[i * per + t]))));
      notes.push(`labels from ${labelsName}: one for every step`);
    } else if (per > 1 && !oneHot) notes.push(`${labelsName} holds ${per} values a row, neither one class nor one-hot: left out`);
    else {
      labels = Array.from({ length: N }, (_, i) => {
        if (Array.isArray(yv)) return yv[i];
        if (per === 1) return String(yv[i]);
        return String(yv.subarray(i * per, (i + 1) * per).indexOf(1));
      });
      notes.push(`labels from ${labelsName}${per > 1 ? ` (one-hot: ${per} classes)` : ''}`);
    }
    extra = { name: labelsName, bytes: yb };
  }
  if (Array.isArray(x.values)) throw new DataError(file, undefined, 'an array of strings, not of numbers', 'save the data as numbers; strings belong in the labels file');
  const v = x.values;
  const shape = x.shape;
  // a 2-D array is sequences where it has labels, or is one part of a split (X_test.npy beside X_train.npy's labels)
  const sequences2d = shape.length === 2 && (labels !== undefined || stepLabels !== undefined || (splitOf(basename(path).replace(/\.npy$/i, '')) !== undefined && shape[1] >= 8));
  if (shape.length === 3 || sequences2d) {
    const [T, F] = [shape[1], shape[2] ?? 1];
    if (N * T > MAX_STEPS_IN_ALL) throw new DataError(file, undefined, `${N.toLocaleString('en')} sequences of ${T.toLocaleString('en')} steps, more than ${MAX_STEPS_IN_ALL.toLocaleString('en')} steps in all`, 'save a part of the sequences');
    const sequences = Array.from({ length: N }, (_, i) => ({
      id: String(i + 1),
      steps: Array.from({ length: T }, (_, t) => v.slice((i * T + t) * F, (i * T + t + 1) * F)),
      ...(labels ? { label: labels[i] } : {}),
      ...(stepLabels ? { stepLabels: stepLabels[i] } : {}),
      line: i + 1,
    }));
    notes.unshift(`a NumPy array of shape (${shape.join(', ')}): ${N.toLocaleString('en')} sequences of ${T} steps${F > 1 ? ` of ${F} features` : ''}`);
    return { parsed: { kind: 'sequences', sequences, featureNames: F === 1 ? ['value'] : Array.from({ length: F }, (_, k) => String(k + 1)) }, notes, ...(extra ? { extra } : {}) };
  }
  if (shape.length > 3) throw new DataError(file, undefined, `an array of ${shape.length} dimensions (${shape.join(', ')})`, 'save sequences as (sequences, steps, features)');
  const width = shape.length === 2 ? shape[1] : 1;
  if (N > MAX_ROWS) throw new DataError(file, undefined, `${N.toLocaleString('en')} rows, more than ${MAX_ROWS.toLocaleString('en')}`, 'save a part of the array');
  const names = [...(width === 1 ? ['value'] : Array.from({ length: width }, (_, k) => String(k + 1))), ...(labels ? ['label'] : [])];
  const b = new TableBuilder({ file, names, header: width === 1 || labels !== undefined });
  for (let i = 0; i < N; i++) b.addValues([...Array.from(v.subarray(i * width, (i + 1) * width)), ...(labels ? [labels[i]] : [])], i + 1);
  notes.unshift(`a NumPy array of shape (${shape.join(', ')}): ${shape.length === 1 ? 'a series' : `${N.toLocaleString('en')} rows of ${width} columns`}`);
  return { parsed: b.finish(), notes };
}
