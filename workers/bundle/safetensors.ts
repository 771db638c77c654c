// safetensors, written and read in TypeScript: the format of a training bundle's weights and data and of the
// weights a bundle's train.py writes back (workers/bundle/python/studio_io.py is the Python side).
//
// Layout: u64 little-endian header length N · N bytes of UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}}
// (offsets into the data that follows; "__metadata__": {string: string} optional), padded with spaces to a multiple
// of 8 · the tensors' raw little-endian bytes, one after another in header order.

export type SafeDtype = 'F64' | 'F32' | 'I64' | 'I32' | 'U8';
export type SafeArray = Float64Array | Float32Array | BigInt64Array | Int32Array | Uint8Array;

export interface SafeTensor {
  dtype: SafeDtype;
  shape: number[];
  data: SafeArray;
}

const BYTES: Record<SafeDtype, number> = { F64: 8, F32: 4, I64: 8, I32: 4, U8: 1 };

function dtypeOf(a: SafeArray): SafeDtype {
  if (a instanceof Float64Array) return 'F64';
  if (a instanceof Float32Array) return 'F32';
  if (a instanceof BigInt64Array) return 'I64';
  if (a instanceof Int32Array) return 'I32';
  return 'U8';
}

/** A tensor of `shape` over `data` (its length must be the shape's product). */
export function tensorOf(data: SafeArray, shape: number[]): SafeTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new Error(`a tensor of shape [${shape.join(', ')}] needs ${n} values, not ${data.length}`);
  return { dtype: dtypeOf(data), shape, data };
}

/** The bytes of a safetensors file holding `tensors` in the given order (this machine is little-endian, as Node's are). */
export function encodeSafetensors(tensors: Record<string, SafeTensor>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = t.data.byteLength;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  if (metadata) header.__metadata__ = metadata;
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const t of Object.values(tensors)) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/** The tensors and metadata of a safetensors file; `file` names it in errors. */
export function decodeSafetensors(bytes: Uint8Array, file: string): { tensors: Record<string, SafeTensor>; metadata: Record<string, string> } {
  const fail = (why: string): never => {
    throw new Error(`${file}: ${why}`);
  };
  if (bytes.length < 8) fail('truncated (no header length)');
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  if (8 + n > bytes.length) fail(`truncated (a header of ${n} bytes in a file of ${bytes.length})`);
  let header: Record<string, { dtype?: string; shape?: number[]; data_offsets?: [number, number] }>;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, n).toString('utf8'));
  } catch {
    return fail('the header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the header is not a JSON object');
  const base = 8 + n;
  const tensors: Record<string, SafeTensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = info as unknown as Record<string, string>;
      continue;
    }
    const dtype = info?.dtype as SafeDtype;
    if (!(dtype in BYTES)) fail(`tensor ${name} has dtype ${String(info?.dtype)}, not one of ${Object.keys(BYTES).join(', ')}`);
    const shape = info.shape;
    const offsets = info.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor ${name} has no valid shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2) fail(`tensor ${name} has no data_offsets`);
    const count = shape!.reduce((a, b) => a * b, 1);
    const [begin, end] = offsets!;
    if (!(Number.isInteger(begin) && Number.isInteger(end) && begin >= 0 && end - begin === count * BYTES[dtype] && base + end <= bytes.length))
      fail(`tensor ${name} [${shape!.join(', ')}] does not fit its data_offsets ${begin}..${end}`);
    const copy = new Uint8Array(bytes.subarray(base + begin, base + end)); // a copy (Buffer.slice would be a view), so typed views start aligned
    const data: SafeArray =
      dtype === 'F64' ? new Float64Array(copy.buffer) : dtype === 'F32' ? new Float32Array(copy.buffer) : dtype === 'I64' ? new BigInt64Array(copy.buffer) : dtype === 'I32' ? new Int32Array(copy.buffer) : copy;
    tensors[name] = { dtype, shape: shape!, data };
  }
  return { tensors, metadata };
}
