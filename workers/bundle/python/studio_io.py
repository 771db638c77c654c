# studio_io.py — file formats of a Sequence Studio training bundle, with nothing but torch and the standard library.
# Written by `seqstudio bundle` (from workers/bundle/python/ in the studio's source); do not edit in a bundle.
#
# safetensors: u64 little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}}
# (offsets relative to the end of the header; optional "__metadata__": {str: str}), then the raw little-endian data.
# The `safetensors` package reads and writes the same files; it is not needed here.
# metrics.jsonl: one JSON event per line in the studio's own format (src-shared/events.ts: step, diagnostics,
# evaluation, checkpoint, done).

import json
import math
import os
import struct
import sys

import torch

DTYPES = {
    'F64': torch.float64,
    'F32': torch.float32,
    'I64': torch.int64,
    'I32': torch.int32,
    'U8': torch.uint8,
}
NAMES = {v: k for k, v in DTYPES.items()}


def read_safetensors(path):
    """{name: tensor} and the metadata dict of a safetensors file. Clear errors name the file and what is wrong."""
    if sys.byteorder != 'little':
        raise SystemExit(f'{path}: this reader needs a little-endian machine')
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 8:
        raise SystemExit(f'{path}: truncated (no header length)')
    (n,) = struct.unpack('<Q', data[:8])
    if 8 + n > len(data):
        raise SystemExit(f'{path}: truncated (header of {n} bytes, file of {len(data)})')
    try:
        header = json.loads(data[8:8 + n].decode('utf-8'))
    except ValueError as e:
        raise SystemExit(f'{path}: the header is not JSON ({e})')
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        dtype = DTYPES.get(info.get('dtype'))
        if dtype is None:
            raise SystemExit(f'{path}: tensor {name} has dtype {info.get("dtype")}, not one of {sorted(DTYPES)}')
        begin, end = info['data_offsets']
        shape = info['shape']
        count = math.prod(shape)
        if base + end > len(data) or end - begin != count * torch.tensor([], dtype=dtype).element_size():
            raise SystemExit(f'{path}: tensor {name} {shape} does not fit its data_offsets {begin}..{end}')
        buf = bytearray(data[base + begin:base + end])
        t = torch.frombuffer(buf, dtype=dtype) if count > 0 else torch.zeros(0, dtype=dtype)
        tensors[name] = t.reshape(shape)
    return tensors, header.get('__metadata__', {})


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} (contiguous, little-endian) atomically: a temporary file, then a rename."""
    header = {}
    chunks = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        if t.dtype not in NAMES:
            raise ValueError(f'{name}: dtype {t.dtype} cannot be written')
        raw = t.numpy().tobytes() if t.numel() else b''
        header[name] = {'dtype': NAMES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header['__metadata__'] = {k: str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _finite(v):
    """JSON has no NaN or Infinity: the studio writes them as null."""
    return v if isinstance(v, (int, float)) and math.isfinite(v) else None


class MetricsLog:
    """metrics.jsonl, appended one event a line and flushed at every checkpoint and at the end."""

    def __init__(self, path):
        self.path = path
        self.file = open(path, 'w', encoding='utf-8')

    def append(self, event):
        self.file.write(json.dumps(event, separators=(',', ':'), default=_finite) + '\n')

    def flush(self):
        self.file.flush()
        os.fsync(self.file.fileno())

    def close(self):
        self.flush()
        self.file.close()


def read_metrics(path):
    """The events of a metrics.jsonl (a torn line is skipped, as the studio does)."""
    events = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if isinstance(e, dict) and isinstance(e.get('type'), str) and isinstance(e.get('step'), (int, float)):
                events.append(e)
    return events
