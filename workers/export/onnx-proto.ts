// ================================================================================================================
// HAND-WRITTEN PROTOBUF ENCODER AND DECODER FOR A SUBSET OF onnx.proto (IR 8 / opset 17). No dependencies.
// ================================================================================================================
// Only the messages and fields the exporter writes are covered: ModelProto, GraphProto, NodeProto, AttributeProto,
// TensorProto, ValueInfoProto (TypeProto.Tensor, TensorShapeProto), OperatorSetIdProto, StringStringEntryProto.
// Field numbers are those of onnx/onnx.proto (proto2), listed beside each writer. The decoder reads back what a
// deployer needs to see of a model (operators, inputs, outputs, initialisers, metadata_props), because
// onnxruntime-node has no API for metadata. Unknown fields are skipped, so files from other tools decode too.
//
// Wire format: every field is a varint key (field << 3 | wire type) followed by a varint (type 0), 8 bytes (1),
// a varint length and that many bytes (2: strings, bytes, sub-messages), or 4 bytes (5: float). Repeated scalars
// are written unpacked (the proto2 default); the decoder accepts packed and unpacked.

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;
export type ElemType = (typeof DataType)[keyof typeof DataType];
const TYPE_NAMES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64' };
export const elemTypeName = (t: number): string => TYPE_NAMES[t] ?? `type ${t}`;

export interface TensorProto {
  name: string;
  dims: number[];
  dataType: ElemType;
  /** Little-endian element bytes (raw_data). */
  raw: Uint8Array;
  docString?: string;
}

export type Attribute =
  | { name: string; type: 'int'; value: number }
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'ints'; value: number[] }
  | { name: string; type: 'floats'; value: number[] }
  | { name: string; type: 'strings'; value: string[] };

export interface NodeProto {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Attribute[];
  docString?: string;
}

/** A tensor-typed graph input or output: a dimension is a fixed size or a symbolic name (dynamic axis). */
export interface ValueInfo {
  name: string;
  elemType: ElemType;
  shape: (number | string)[];
  docString?: string;
}

export interface GraphProto {
  name: string;
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  docString?: string;
}

export interface ModelProto {
  irVersion: number;
  opsetImports: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  modelVersion?: number;
  docString?: string;
  graph: GraphProto;
  metadata: [string, string][];
}

// ============================================== writer ============================================================

const utf8 = new TextEncoder();

/** Appends protobuf fields; big byte arrays (weights) are kept as chunks, not copied byte by byte. */
class Writer {
  private readonly parts: Uint8Array[] = [];
  private scratch: number[] = [];
  private length = 0;

  private flush(): void {
    if (this.scratch.length === 0) return;
    this.parts.push(Uint8Array.from(this.scratch));
    this.scratch = [];
  }

  private byte(b: number): void {
    this.scratch.push(b);
    this.length++;
  }

  /** Unsigned or negative (two's-complement, 10 bytes) 64-bit varint. */
  varint(n: number): void {
    if (!Number.isInteger(n)) throw new Error(`protobuf varint: ${n} is not an integer`);
    if (n >= 0 && n <= Number.MAX_SAFE_INTEGER) {
      while (n >= 0x80) {
        this.byte((n % 0x80) | 0x80);
        n = Math.floor(n / 0x80);
      }
      this.byte(n);
      return;
    }
    let v = BigInt.asUintN(64, BigInt(n));
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  private key(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  int(field: number, n: number): void {
    this.key(field, 0);
    this.varint(n);
  }

  float(field: number, f: number): void {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, f, true);
    for (const x of b) this.byte(x);
  }

  bytes(field: number, data: Uint8Array): void {
    this.key(field, 2);
    this.varint(data.length);
    this.flush();
    this.parts.push(data);
    this.length += data.length;
  }

  string(field: number, s: string): void {
    this.bytes(field, utf8.encode(s));
  }

  message(field: number, build: (w: Writer) => void): void {
    const w = new Writer();
    build(w);
    this.bytes(field, w.finish());
  }

  finish(): Uint8Array {
    this.flush();
    if (this.parts.length === 1) return this.parts[0];
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7, strings: 8 } as const;

function writeAttribute(w: Writer, a: Attribute): void {
  w.string(1, a.name); // AttributeProto.name = 1
  switch (a.type) {
    case 'float':
      w.float(2, a.value); // f = 2
      break;
    case 'int':
      w.int(3, a.value); // i = 3
      break;
    case 'string':
      w.string(4, a.value); // s = 4
      break;
    case 'floats':
      for (const v of a.value) w.float(7, v); // floats = 7
      break;
    case 'ints':
      for (const v of a.value) w.int(8, v); // ints = 8
      break;
    case 'strings':
      for (const v of a.value) w.string(9, v); // strings = 9
      break;
  }
  w.int(20, ATTRIBUTE_TYPE[a.type]); // type = 20
}

function writeNode(w: Writer, n: NodeProto): void {
  for (const i of n.inputs) w.string(1, i); // input = 1
  for (const o of n.outputs) w.string(2, o); // output = 2
  w.string(3, n.name); // name = 3
  w.string(4, n.opType); // op_type = 4
  for (const a of n.attributes) w.message(5, (m) => writeAttribute(m, a)); // attribute = 5
  if (n.docString) w.string(6, n.docString); // doc_string = 6
}

function writeTensor(w: Writer, t: TensorProto): void {
  for (const d of t.dims) w.int(1, d); // dims = 1
  w.int(2, t.dataType); // data_type = 2
  w.string(8, t.name); // name = 8
  w.bytes(9, t.raw); // raw_data = 9
  if (t.docString) w.string(12, t.docString); // doc_string = 12
}

function writeValueInfo(w: Writer, v: ValueInfo): void {
  w.string(1, v.name); // ValueInfoProto.name = 1
  w.message(2, (type) =>
    // type = 2 → TypeProto.tensor_type = 1 → { elem_type = 1, shape = 2 → TensorShapeProto.dim = 1 }
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType);
      tensor.message(2, (shape) => {
        for (const d of v.shape) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d))); // dim_value = 1 | dim_param = 2
      });
    }),
  );
  if (v.docString) w.string(3, v.docString); // doc_string = 3
}

function writeGraph(w: Writer, g: GraphProto): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n)); // node = 1
  w.string(2, g.name); // name = 2
  for (const t of g.initializers) w.message(5, (m) => writeTensor(m, t)); // initializer = 5
  if (g.docString) w.string(10, g.docString); // doc_string = 10
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v)); // input = 11
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v)); // output = 12
}

/** Serialises a model to the bytes of a .onnx file. */
export function encodeModel(m: ModelProto): Uint8Array {
  const w = new Writer();
  w.int(1, m.irVersion); // ir_version = 1
  w.string(2, m.producerName); // producer_name = 2
  w.string(3, m.producerVersion); // producer_version = 3
  if (m.modelVersion !== undefined) w.int(5, m.modelVersion); // model_version = 5
  if (m.docString) w.string(6, m.docString); // doc_string = 6
  w.message(7, (g) => writeGraph(g, m.graph)); // graph = 7
  for (const o of m.opsetImports)
    w.message(8, (s) => {
      s.string(1, o.domain); // OperatorSetIdProto.domain = 1
      s.int(2, o.version); // version = 2
    });
  for (const [k, v] of m.metadata)
    w.message(14, (e) => {
      e.string(1, k); // StringStringEntryProto.key = 1
      e.string(2, v); // value = 2
    });
  return w.finish();
}

// ============================================== reader ============================================================

type Field = { field: number; wire: number; int: bigint; bytes: Uint8Array };

const utf8Decoder = new TextDecoder();

/** Every field of one message, in order (length-delimited values as views, not copies). */
function readFields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('protobuf: truncated varint');
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
      if (shift > 70n) throw new Error('protobuf: varint too long');
    }
  };
  const empty = new Uint8Array(0);
  while (pos < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ field, wire, int: varint(), bytes: empty });
    else if (wire === 1) {
      if (pos + 8 > buf.length) throw new Error('protobuf: truncated fixed64');
      out.push({ field, wire, int: 0n, bytes: buf.subarray(pos, pos + 8) });
      pos += 8;
    } else if (wire === 2) {
      const n = Number(varint());
      if (pos + n > buf.length) throw new Error('protobuf: truncated length-delimited field');
      out.push({ field, wire, int: 0n, bytes: buf.subarray(pos, pos + n) });
      pos += n;
    } else if (wire === 5) {
      if (pos + 4 > buf.length) throw new Error('protobuf: truncated fixed32');
      out.push({ field, wire, int: 0n, bytes: buf.subarray(pos, pos + 4) });
      pos += 4;
    } else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
  return out;
}

const asInt = (f: Field): number => Number(BigInt.asIntN(64, f.int));
const asString = (f: Field): string => utf8Decoder.decode(f.bytes);
const asFloat = (f: Field): number => (f.bytes.length >= 4 ? new DataView(f.bytes.buffer, f.bytes.byteOffset, 4).getFloat32(0, true) : Number.NaN);

/** Repeated int64: unpacked (one varint field each) or packed (one length-delimited run of varints). */
function readInts(fields: Field[], field: number): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.wire === 0) out.push(asInt(f));
    else if (f.wire === 2) {
      let pos = 0;
      const b = f.bytes;
      while (pos < b.length) {
        let r = 0n;
        let shift = 0n;
        for (;;) {
          if (pos >= b.length || shift > 70n) throw new Error('protobuf: truncated or overlong packed varint');
          const x = b[pos++];
          r |= BigInt(x & 0x7f) << shift;
          if (x < 0x80) break;
          shift += 7n;
        }
        out.push(Number(BigInt.asIntN(64, r)));
      }
    }
  }
  return out;
}

function readFloats(fields: Field[], field: number): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.wire === 5) out.push(asFloat(f));
    else if (f.wire === 2) for (let o = 0; o + 4 <= f.bytes.length; o += 4) out.push(new DataView(f.bytes.buffer, f.bytes.byteOffset + o, 4).getFloat32(0, true));
  }
  return out;
}

const strings = (fields: Field[], field: number): string[] => fields.filter((f) => f.field === field).map(asString);
const first = (fields: Field[], field: number): Field | undefined => fields.find((f) => f.field === field);
const messages = (fields: Field[], field: number): Field[][] => fields.filter((f) => f.field === field && f.wire === 2).map((f) => readFields(f.bytes));

export interface DecodedNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, number | string | number[] | string[]>;
}

export interface DecodedValueInfo {
  name: string;
  /** e.g. "float32", "int64" */
  type: string;
  shape: (number | string)[];
  docString?: string;
}

export interface DecodedInitializer {
  name: string;
  type: string;
  dims: number[];
  /** Bytes of raw_data (0 when the values are stored another way). */
  rawBytes: number;
  docString?: string;
}

export interface DecodedModel {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString?: string;
  metadata: Record<string, string>;
  graph: { name: string; nodes: DecodedNode[]; inputs: DecodedValueInfo[]; outputs: DecodedValueInfo[]; initializers: DecodedInitializer[]; docString?: string };
}

function decodeAttribute(f: Field[]): [string, DecodedNode['attributes'][string]] {
  const name = asString(first(f, 1)!);
  const type = first(f, 20) ? asInt(first(f, 20)!) : 0;
  switch (type) {
    case 1:
      return [name, first(f, 2) ? asFloat(first(f, 2)!) : 0];
    case 2:
      return [name, first(f, 3) ? asInt(first(f, 3)!) : 0];
    case 3:
      return [name, first(f, 4) ? asString(first(f, 4)!) : ''];
    case 6:
      return [name, readFloats(f, 7)];
    case 7:
      return [name, readInts(f, 8)];
    case 8:
      return [name, strings(f, 9)];
    default:
      return [name, `(attribute type ${type})`];
  }
}

function decodeValueInfo(f: Field[]): DecodedValueInfo {
  const name = first(f, 1) ? asString(first(f, 1)!) : '';
  let type = '?';
  const shape: (number | string)[] = [];
  const typeProto = first(f, 2);
  const tensor = typeProto && first(readFields(typeProto.bytes), 1);
  if (tensor) {
    const tf = readFields(tensor.bytes);
    const et = first(tf, 1);
    if (et) type = elemTypeName(asInt(et));
    const sh = first(tf, 2);
    if (sh)
      for (const dim of messages(readFields(sh.bytes), 1)) {
        const v = first(dim, 1);
        const p = first(dim, 2);
        shape.push(v ? asInt(v) : p ? asString(p) : '?');
      }
  }
  const doc = first(f, 3);
  return { name, type, shape, ...(doc ? { docString: asString(doc) } : {}) };
}

/**
 * Reads a .onnx file's structure and metadata_props (weights are not decoded). A malformed file (truncated, bad
 * varints, unknown wire types, fields of the wrong kind) is refused with one Error saying so; every length is
 * bounded by the bytes that remain, so a hostile header cannot make it allocate or loop.
 */
export function decodeModel(bytes: Uint8Array): DecodedModel {
  try {
    return decodeModelUnchecked(bytes);
  } catch (e) {
    throw new Error(`not a readable ONNX model (${(e as Error).message})`);
  }
}

function decodeModelUnchecked(bytes: Uint8Array): DecodedModel {
  const m = readFields(bytes);
  const g = first(m, 7);
  if (!g) throw new Error('not an ONNX model: no graph');
  const gf = readFields(g.bytes);
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>; // keys come from the file
  for (const e of messages(m, 14)) metadata[first(e, 1) ? asString(first(e, 1)!) : ''] = first(e, 2) ? asString(first(e, 2)!) : '';
  const doc = first(m, 6);
  const gdoc = first(gf, 10);
  return {
    irVersion: first(m, 1) ? asInt(first(m, 1)!) : 0,
    opsets: messages(m, 8).map((o) => ({ domain: first(o, 1) ? asString(first(o, 1)!) : '', version: first(o, 2) ? asInt(first(o, 2)!) : 0 })),
    producerName: first(m, 2) ? asString(first(m, 2)!) : '',
    producerVersion: first(m, 3) ? asString(first(m, 3)!) : '',
    ...(doc ? { docString: asString(doc) } : {}),
    metadata,
    graph: {
      name: first(gf, 2) ? asString(first(gf, 2)!) : '',
      nodes: messages(gf, 1).map((n) => ({
        opType: first(n, 4) ? asString(first(n, 4)!) : '',
        name: first(n, 3) ? asString(first(n, 3)!) : '',
        inputs: strings(n, 1),
        outputs: strings(n, 2),
        attributes: Object.fromEntries(messages(n, 5).map(decodeAttribute)),
      })),
      inputs: messages(gf, 11).map(decodeValueInfo),
      outputs: messages(gf, 12).map(decodeValueInfo),
      initializers: messages(gf, 5).map((t) => {
        const dt = first(t, 2);
        const raw = first(t, 9);
        const tdoc = first(t, 12);
        return {
          name: first(t, 8) ? asString(first(t, 8)!) : '',
          type: dt ? elemTypeName(asInt(dt)) : '?',
          dims: readInts(t, 1),
          rawBytes: raw ? raw.bytes.length : 0,
          ...(tdoc ? { docString: asString(tdoc) } : {}),
        };
      }),
      ...(gdoc ? { docString: asString(gdoc) } : {}),
    },
  };
}

// ============================================== tensor helpers ====================================================

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian bytes of a typed array (a copy, so the model owns its weights). */
export function leBytes(a: Float32Array | Int32Array | BigInt64Array): Uint8Array {
  if (LITTLE_ENDIAN) {
    const c = a.slice();
    return new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
  }
  const out = new Uint8Array(a.length * a.BYTES_PER_ELEMENT);
  const dv = new DataView(out.buffer);
  if (a instanceof Float32Array) a.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  else if (a instanceof Int32Array) a.forEach((v, i) => dv.setInt32(i * 4, v, true));
  else a.forEach((v, i) => dv.setBigInt64(i * 8, v, true));
  return out;
}
