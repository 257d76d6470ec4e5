#!/usr/bin/env python3
"""Reads emu snapshots (format: docs/replay.md, "File formats").

    snaptool.py fields SNAP SECTION   one line per field of SECTION: NAME VALUE
                                      (integers in decimal; arrays, bytes and
                                      strings as their length)
    snaptool.py ram SNAP              pages saved with data, and zero pages
                                      listed as held by the host, over every
                                      RAM slice: "data N held M"

An implementation of the format apart from emu's own, so the tests also
check that the file is what the documentation says.
"""
import struct
import sys
import zlib

MAGIC = b"EMUSNAP\n"
T_U8, T_U16, T_U32, T_U64, T_BYTES, T_BEGIN, T_END, T_U32S, T_U64S, T_STR = range(1, 11)
WIDTH = {T_U8: 1, T_U16: 2, T_U32: 4, T_U64: 8}


def load(path):
    data = open(path, "rb").read()
    if data[:8] != MAGIC:
        sys.exit(f"{path}: not an emu snapshot")
    d = zlib.decompressobj()
    body = d.decompress(data[16:])
    trailer = d.unused_data
    length, crc, fcrc = struct.unpack("<QII", trailer[:16])
    if trailer[16:20] != b"END\n" or length != len(body) or crc != zlib.crc32(body):
        sys.exit(f"{path}: damaged body")
    if fcrc != zlib.crc32(data[: len(data) - 20]):
        sys.exit(f"{path}: damaged file")
    return body


def sections(body):
    """Yields (section name, [(field type, field name, value)])."""
    i, name, fields = 0, None, []
    while i < len(body):
        t, n = body[i], body[i + 1]
        fname = body[i + 2 : i + 2 + n].decode()
        i += 2 + n
        if t == T_BEGIN:
            name, fields = fname, []
        elif t == T_END:
            yield name, fields
        elif t in WIDTH:
            fields.append((t, fname, int.from_bytes(body[i : i + WIDTH[t]], "little")))
            i += WIDTH[t]
        elif t == T_BYTES:
            (n,) = struct.unpack("<Q", body[i : i + 8])
            fields.append((t, fname, body[i + 8 : i + 8 + n]))
            i += 8 + n
        elif t in (T_U32S, T_U64S):
            (n,) = struct.unpack("<Q", body[i : i + 8])
            w = 4 if t == T_U32S else 8
            vals = [int.from_bytes(body[i + 8 + k * w : i + 8 + (k + 1) * w], "little") for k in range(n)]
            fields.append((t, fname, vals))
            i += 8 + n * w
        elif t == T_STR:
            (n,) = struct.unpack("<I", body[i : i + 4])
            fields.append((t, fname, body[i + 4 : i + 4 + n].decode()))
            i += 4 + n
        else:
            sys.exit(f"unknown field type {t} at offset {i}")


def fields(path, section):
    for name, fs in sections(load(path)):
        if name != section:
            continue
        for t, fname, v in fs:
            print(fname, v if isinstance(v, int) else len(v))
        return
    sys.exit(f"{path}: no section {section}")


def ram(path):
    data = held = 0
    for name, fs in sections(load(path)):
        if not name.startswith("ram@"):
            continue
        data += sum(1 for t, fname, v in fs if fname == "data")
        runs = next(v for t, fname, v in fs if fname == "held")
        held += sum(runs[1::2])
    print("data", data, "held", held)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "fields":
        fields(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "ram":
        ram(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
