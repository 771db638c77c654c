// TensorBoard's event file format, written by hand (no dependencies): CRC-32C, the TFRecord framing, and the few
// protobuf messages a log of scalars and histograms needs (Event, Summary, Summary.Value, HistogramProto). Field
// numbers and framing are those of ../shared/notes/tensorboard-format.md (from TensorBoard's event.proto,
// summary.proto, histogram.proto and record_writer.py). Its one user is the run's TensorBoard log
// (tensorboard-log.ts); the ONNX encoder (export/onnx-proto.ts) is a separate, larger subset of another schema.
//
// One record per Event, little-endian:  uint64 length | uint32 masked CRC-32C of those 8 bytes | data | uint32
// masked CRC-32C of data. Only scalars (the legacy `simple_value`, float32) and histograms (`histo`) are written:
// TensorBoard reads both as they are (data_compat.py), so no plugin metadata is needed.

// ============================================== CRC-32C ===========================================================

/** Castagnoli, reflected polynomial 0x82F63B78: one table of 256 entries, a byte at a time. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32C of `data[start, end)` (CRC-32C("123456789") = 0xE3069283). */
export function crc32c(data: Uint8Array, start = 0, end = data.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's mask: rotate right by 15 bits and add a constant, modulo 2³². */
export function maskCrc(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

// ============================================== record framing ====================================================

/** Bytes a record adds around its data: the 8-byte length, its CRC, and the data's CRC. */
export const FRAME_OVERHEAD = 16;

/** One TFRecord holding `data`. */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + FRAME_OVERHEAD);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length, true); // uint64: a record is far below 2³² bytes
  view.setUint32(4, 0, true);
  view.setUint32(8, maskCrc(crc32c(out, 0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskCrc(crc32c(data)), true);
  return out;
}

/**
 * The record starting at `buf[offset]`: its data's bounds and where the next record starts, or undefined when the
 * bytes there are not one whole record with both CRCs right (a record torn by a kill, or damage).
 */
export function readRecordAt(buf: Uint8Array, offset: number): { data: Uint8Array; next: number } | undefined {
  if (offset + 12 > buf.length) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(offset + 8, true) !== maskCrc(crc32c(buf, offset, offset + 8))) return undefined;
  const length = view.getBigUint64(offset, true);
  if (length > BigInt(buf.length - offset - FRAME_OVERHEAD)) return undefined;
  const end = offset + 12 + Number(length);
  if (view.getUint32(end, true) !== maskCrc(crc32c(buf, offset + 12, end))) return undefined;
  return { data: buf.subarray(offset + 12, end), next: end + 4 };
}

// ============================================== protobuf (the messages needed) ===================================

/** A histogram as HistogramProto holds it: bucket i counts the values in (bucketLimit[i−1], bucketLimit[i]]. */
export interface Histogram {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  bucketLimit: number[];
  bucket: number[];
}

/** One Summary.Value: a scalar (simple_value, stored as float32) or a histogram. */
export type SummaryValue = { tag: string; value: number } | { tag: string; histogram: Histogram };

export interface TfEvent {
  /** Seconds since the Unix epoch. */
  wallTime: number;
  step: number;
  /** Set on a file's first record only ("brain.Event:2"). */
  fileVersion?: string;
  values?: SummaryValue[];
}

export const FILE_VERSION = 'brain.Event:2';

const utf8 = new TextEncoder();
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

const scratch = new DataView(new ArrayBuffer(8));
const scratchBytes = new Uint8Array(scratch.buffer);
/** Tags repeat every step: their UTF-8 bytes are kept (a run has a few dozen). */
const tagBytes = new Map<string, Uint8Array>();

function utf8Of(s: string): Uint8Array {
  let b = tagBytes.get(s);
  if (b === undefined) {
    b = utf8.encode(s);
    if (tagBytes.size < 4096) tagBytes.set(s, b);
  }
  return b;
}

/** Appends protobuf fields to a growing byte buffer; small messages (a few hundred bytes, a histogram's more). */
class ProtoWriter {
  private buf = new Uint8Array(256);
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }

  /** A non-negative integer up to 2⁵³ − 1 (steps, lengths, keys). */
  varint(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`protobuf varint: ${n} is not a non-negative integer`);
    this.room(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
    return this;
  }

  private key(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  private fixed(bytes: number): void {
    this.room(bytes);
    for (let i = 0; i < bytes; i++) this.buf[this.pos++] = scratchBytes[i];
  }

  int(field: number, n: number): this {
    this.key(field, WIRE_VARINT);
    return this.varint(n);
  }

  double(field: number, x: number): this {
    this.key(field, WIRE_FIXED64);
    scratch.setFloat64(0, x, true);
    this.fixed(8);
    return this;
  }

  float(field: number, x: number): this {
    this.key(field, WIRE_FIXED32);
    scratch.setFloat32(0, x, true);
    this.fixed(4);
    return this;
  }

  /** A packed repeated double: one length-delimited field of 8 bytes per value. */
  doubles(field: number, xs: number[]): this {
    this.key(field, WIRE_BYTES);
    this.varint(xs.length * 8);
    for (const x of xs) {
      scratch.setFloat64(0, x, true);
      this.fixed(8);
    }
    return this;
  }

  raw(field: number, data: Uint8Array): this {
    this.key(field, WIRE_BYTES);
    this.varint(data.length);
    this.room(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
    return this;
  }

  string(field: number, s: string): this {
    return this.raw(field, utf8Of(s));
  }

  /** A sub-message written in place, then moved up to make room for its length (one buffer, no copies of it). */
  message(field: number, build: (w: ProtoWriter) => void): this {
    this.key(field, WIRE_BYTES);
    const start = this.pos;
    build(this);
    const length = this.pos - start;
    let lengthBytes = 1;
    for (let n = length; n >= 0x80; n = Math.floor(n / 0x80)) lengthBytes++;
    this.room(lengthBytes);
    this.buf.copyWithin(start + lengthBytes, start, this.pos);
    this.pos = start;
    this.varint(length);
    this.pos += length;
    return this;
  }

  reset(): this {
    this.pos = 0;
    return this;
  }

  /** The bytes written, copied out; the writer is then empty again. */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.pos = 0;
    return out;
  }
}

/** The one writer, reused: encodeEvent empties it first (a call that threw may have left bytes) and takes its bytes. */
const writer = new ProtoWriter();

/** HistogramProto: min 1, max 2, num 3, sum 4, sum_squares 5, bucket_limit 6, bucket 7. */
function writeHistogram(w: ProtoWriter, h: Histogram): void {
  w.double(1, h.min).double(2, h.max).double(3, h.num).double(4, h.sum).double(5, h.sumSquares).doubles(6, h.bucketLimit).doubles(7, h.bucket);
}

/** Event: wall_time 1, step 2, file_version 3 | summary 5; Summary: value 1; Summary.Value: tag 1, simple_value 2 | histo 5. */
export function encodeEvent(e: TfEvent): Uint8Array {
  const w = writer.reset().double(1, e.wallTime).int(2, e.step);
  if (e.fileVersion !== undefined) w.string(3, e.fileVersion);
  else {
    w.message(5, (summary) => {
      for (const v of e.values ?? []) {
        summary.message(1, (value) => {
          value.string(1, v.tag);
          if ('histogram' in v) value.message(5, (h) => writeHistogram(h, v.histogram));
          else value.float(2, v.value);
        });
      }
    });
  }
  return w.take();
}

/**
 * An Event's step (field 2) and whether it holds a summary (field 5), read by walking its top-level fields;
 * undefined when the bytes are not a well-formed message. Used to cut a log back to a checkpoint's step.
 */
export function eventHeader(data: Uint8Array): { step: number; summary: boolean } | undefined {
  let i = 0;
  let step = 0;
  let summary = false;
  const varint = (): number | undefined => {
    let n = 0;
    for (let scale = 1; i < data.length && scale <= 2 ** 63; scale *= 0x80) {
      const b = data[i++];
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
    }
    return undefined;
  };
  while (i < data.length) {
    const key = varint();
    if (key === undefined) return undefined;
    const field = Math.floor(key / 8);
    switch (key % 8) {
      case WIRE_VARINT: {
        const v = varint();
        if (v === undefined) return undefined;
        if (field === 2) step = v;
        break;
      }
      case WIRE_FIXED64:
        i += 8;
        break;
      case WIRE_FIXED32:
        i += 4;
        break;
      case WIRE_BYTES: {
        const n = varint();
        if (n === undefined) return undefined;
        if (field === 5) summary = true;
        i += n;
        break;
      }
      default:
        return undefined;
    }
  }
  return i === data.length ? { step, summary } : undefined;
}

// ============================================== histograms ========================================================

/** Buckets of a histogram at most; a few dozen tensors fill them sparsely already. */
const MAX_BUCKETS = 30;

/**
 * The histogram of `values` (non-finite ones left out; undefined when none is left): equal-width buckets from the
 * smallest to the largest value, the last limit exactly the largest, as TensorBoard draws bucket i from the previous
 * limit (the minimum for the first) to its own.
 */
export function histogramOf(values: readonly number[]): Histogram | undefined {
  const xs = values.filter(Number.isFinite);
  if (xs.length === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSquares = 0;
  for (const x of xs) {
    min = Math.min(min, x);
    max = Math.max(max, x);
    sum += x;
    sumSquares += x * x;
  }
  const k = max > min ? Math.min(MAX_BUCKETS, xs.length) : 1;
  const width = (max - min) / k;
  const bucketLimit = Array.from({ length: k }, (_, i) => (i === k - 1 ? max : min + (i + 1) * width));
  const bucket = new Array<number>(k).fill(0);
  for (const x of xs) {
    // the first limit ≥ x (bucket i holds (limit[i−1], limit[i]])
    let i = k > 1 ? Math.min(k - 1, Math.max(0, Math.ceil((x - min) / width) - 1)) : 0;
    while (i > 0 && x <= bucketLimit[i - 1]) i--;
    while (x > bucketLimit[i]) i++;
    bucket[i]++;
  }
  return { min, max, num: xs.length, sum, sumSquares, bucketLimit, bucket };
}
