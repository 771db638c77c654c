#!/usr/bin/env python3
"""A second, independent reader of TensorBoard event files, used by the tests to check the studio's writer
(workers/engine/tfevents.ts). Written from the format's description (../shared/notes/tensorboard-format.md), with
the standard library only: TFRecord frames parsed with struct, CRC-32C computed bit by bit (not the writer's
table), protobuf decoded by hand. Prints one JSON object: for each file its events and how many bytes at its end
are not a whole record (a torn last record, which readers tolerate).

    /usr/bin/python3 tools/read_tfevents.py FILE_OR_FOLDER...

Exit status 1, with the reason on stderr, when a record's CRC is wrong or an Event does not decode, other than a
record cut short at the end of a file.
"""

import json
import math
import os
import struct
import sys


def crc32c(data):
    """Castagnoli, reflected polynomial 0x82F63B78, one bit at a time."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def masked(crc):
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


class Malformed(Exception):
    pass


def fields(buf):
    """Yields (field number, wire type, value) of one message: ints for varints, bytes for the rest."""
    i = 0
    n = len(buf)

    def varint():
        nonlocal i
        shift = 0
        result = 0
        while True:
            if i >= n or shift > 63:
                raise Malformed("varint runs past the message")
            b = buf[i]
            i += 1
            result |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return result

    while i < n:
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            yield field, wire, varint()
        elif wire == 1:
            if i + 8 > n:
                raise Malformed("fixed64 runs past the message")
            yield field, wire, buf[i : i + 8]
            i += 8
        elif wire == 2:
            length = varint()
            if i + length > n:
                raise Malformed("length-delimited field runs past the message")
            yield field, wire, buf[i : i + length]
            i += length
        elif wire == 5:
            if i + 4 > n:
                raise Malformed("fixed32 runs past the message")
            yield field, wire, buf[i : i + 4]
            i += 4
        else:
            raise Malformed(f"wire type {wire} of field {field}")


def expect(field, wire, want, what):
    if wire != want:
        raise Malformed(f"{what}: field {field} has wire type {wire}, expected {want}")


def number(x):
    """JSON has no NaN or infinities: they travel as strings."""
    return x if math.isfinite(x) else str(x)


def doubles(field, wire, value, what):
    if wire == 1:
        return [struct.unpack("<d", value)[0]]
    expect(field, wire, 2, what)
    if len(value) % 8:
        raise Malformed(f"{what}: packed doubles of {len(value)} bytes")
    return list(struct.unpack(f"<{len(value) // 8}d", value))


def histogram(buf):
    names = {1: "min", 2: "max", 3: "num", 4: "sum", 5: "sum_squares"}
    h = {"bucket_limit": [], "bucket": []}
    for field, wire, value in fields(buf):
        if field in names:
            expect(field, wire, 1, "HistogramProto")
            h[names[field]] = number(struct.unpack("<d", value)[0])
        elif field == 6:
            h["bucket_limit"] += [number(x) for x in doubles(field, wire, value, "bucket_limit")]
        elif field == 7:
            h["bucket"] += [number(x) for x in doubles(field, wire, value, "bucket")]
        else:
            raise Malformed(f"HistogramProto: unexpected field {field}")
    return h


def summary_value(buf):
    v = {}
    for field, wire, value in fields(buf):
        if field == 1:
            expect(field, wire, 2, "Summary.Value.tag")
            v["tag"] = value.decode("utf-8")
        elif field == 2:
            expect(field, wire, 5, "Summary.Value.simple_value")
            v["simple_value"] = number(struct.unpack("<f", value)[0])
        elif field == 5:
            expect(field, wire, 2, "Summary.Value.histo")
            v["histo"] = histogram(value)
        else:
            raise Malformed(f"Summary.Value: unexpected field {field}")
    if "tag" not in v or ("simple_value" in v) == ("histo" in v):
        raise Malformed(f"Summary.Value without a tag or without exactly one value: {v}")
    return v


def event(buf):
    e = {"wall_time": 0.0, "step": 0}
    for field, wire, value in fields(buf):
        if field == 1:
            expect(field, wire, 1, "Event.wall_time")
            e["wall_time"] = struct.unpack("<d", value)[0]
        elif field == 2:
            expect(field, wire, 0, "Event.step")
            e["step"] = value - (1 << 64) if value >= 1 << 63 else value
        elif field == 3:
            expect(field, wire, 2, "Event.file_version")
            e["file_version"] = value.decode("utf-8")
        elif field == 5:
            expect(field, wire, 2, "Event.summary")
            values = []
            for f, w, v in fields(value):
                if f != 1:
                    raise Malformed(f"Summary: unexpected field {f}")
                expect(f, w, 2, "Summary.value")
                values.append(summary_value(v))
            e["values"] = values
        else:
            raise Malformed(f"Event: unexpected field {field}")
    return e


def read_file(path):
    with open(path, "rb") as f:
        data = f.read()
    events = []
    pos = 0
    while pos < len(data):
        if pos + 12 > len(data):
            break  # a length cut short: torn at the end
        (length,) = struct.unpack_from("<Q", data, pos)
        (length_crc,) = struct.unpack_from("<I", data, pos + 8)
        if masked(crc32c(data[pos : pos + 8])) != length_crc:
            raise Malformed(f"{path}: the length's CRC of the record at byte {pos} is wrong")
        end = pos + 12 + length
        if end + 4 > len(data):
            break  # data cut short: torn at the end
        (data_crc,) = struct.unpack_from("<I", data, end)
        if masked(crc32c(data[pos + 12 : end])) != data_crc:
            raise Malformed(f"{path}: the data CRC of the record at byte {pos} is wrong")
        try:
            events.append(event(data[pos + 12 : end]))
        except Malformed as err:
            raise Malformed(f"{path}: the record at byte {pos}: {err}")
        pos = end + 4
    return {"name": os.path.basename(path), "size": len(data), "events": events, "torn": len(data) - pos}


def main(args):
    paths = []
    for a in args:
        if os.path.isdir(a):
            paths += [os.path.join(a, n) for n in sorted(os.listdir(a)) if "tfevents" in n]
        else:
            paths.append(a)
    try:
        files = [read_file(p) for p in paths]
    except Malformed as err:
        print(err, file=sys.stderr)
        return 1
    json.dump({"files": files}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
