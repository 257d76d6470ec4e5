#!/usr/bin/env python3
"""Reads and rewrites emu input logs (format: docs/replay.md).

    logtool.py dump LOG                  header and one line per record
    logtool.py tamper LOG OUT N SECTION  OUT is LOG with the N-th state hash
                                         (0 = the start) of SECTION changed,
                                         and valid checksums: a log a replay
                                         must reject as a divergence

An implementation of the format apart from emu's own, so the tests also
check that the file is what the documentation says.
"""
import struct
import sys
import zlib

MAGIC = b"EMULOG\n\0"
T_U8, T_U16, T_U32, T_U64, T_BYTES, T_BEGIN, T_END, T_U32S, T_U64S, T_STR = range(1, 11)
SERIAL, EOF, HASH, END, MONITOR = 1, 2, 3, 4, 5


def load(path):
    data = open(path, "rb").read()
    if data[:8] != MAGIC:
        sys.exit(f"{path}: not an emu input log")
    header = data[:16]
    d = zlib.decompressobj()
    body = d.decompress(data[16:])
    trailer = d.unused_data
    length, crc, fcrc = struct.unpack("<QII", trailer[:16])
    assert trailer[16:20] == b"END\n" and length == len(body) and crc == zlib.crc32(body)
    assert fcrc == zlib.crc32(data[: len(data) - 20])
    return header, body


def save(path, header, body):
    comp = zlib.compress(body, 9)
    head_and_comp = header + comp
    trailer = struct.pack("<QII", len(body), zlib.crc32(body), zlib.crc32(head_and_comp)) + b"END\n"
    open(path, "wb").write(head_and_comp + trailer)


def parse_header(body):
    """The "log" section as a dict, and the offset where records begin."""
    i, fields = 0, {}
    while True:
        t, n = body[i], body[i + 1]
        name = body[i + 2 : i + 2 + n].decode()
        i += 2 + n
        if t == T_BEGIN:
            continue
        if t == T_END:
            return fields, i
        if t in (T_U8, T_U16, T_U32, T_U64):
            w = {T_U8: 1, T_U16: 2, T_U32: 4, T_U64: 8}[t]
            fields[name] = int.from_bytes(body[i : i + w], "little")
            i += w
        elif t == T_STR:
            (n,) = struct.unpack("<I", body[i : i + 4])
            fields[name] = body[i + 4 : i + 4 + n].decode()
            i += 4 + n
        else:
            sys.exit(f"unexpected field type {t} in the log header")


def varint(body, i):
    v = shift = 0
    while True:
        b = body[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def unzigzag(v):
    return (v >> 1) ^ -(v & 1)


def records(body, start, nsec):
    """Yields (offset, type, time, payload) for every record."""
    i, t = start, 0
    nbytes = (nsec + 7) // 8
    while i < len(body):
        at = i
        kind = body[i]
        dt, i = varint(body, i + 1)
        t += unzigzag(dt)
        if kind == SERIAL:
            payload = body[i]
            i += 1
        elif kind == EOF:
            payload = None
        elif kind == HASH:
            bits = body[i : i + nbytes]
            i += nbytes
            changed = {}
            for s in range(nsec):
                if bits[s // 8] & (1 << (s % 8)):
                    changed[s] = struct.unpack("<Q", body[i : i + 8])[0]
                    i += 8
            payload = changed
        elif kind == MONITOR:
            n, i = varint(body, i)
            payload = body[i : i + n].decode(errors="replace")
            i += n
        elif kind == END:
            stop = body[i]
            code, i = varint(body, i + 1)
            payload = (stop, unzigzag(code))
        else:
            sys.exit(f"unknown record type {kind}")
        yield at, kind, t, payload, i


def dump(path):
    _, body = load(path)
    fields, start = parse_header(body)
    nsec = fields["sections"]
    for k in ("emu_version", "seed", "interactive", "hash_interval", "start", "sections"):
        print(f"{k}: {fields[k]}")
    print("config:")
    for line in fields["config"].splitlines():
        print(f"  {line}")
    names = [fields[f"section{s}"] for s in range(nsec)]
    for _, kind, t, payload, _ in records(body, start, nsec):
        if kind == SERIAL:
            print(f"{t} serial {payload:#04x}")
        elif kind == EOF:
            print(f"{t} end of input")
        elif kind == HASH:
            print(f"{t} hash " + " ".join(f"{names[s]}={v:016x}" for s, v in payload.items()))
        elif kind == MONITOR:
            print(f"{t} monitor {payload}")
        else:
            print(f"{t} end stop={payload[0]} exit={payload[1]}")


def tamper(path, out, nth, section):
    header, body = load(path)
    fields, start = parse_header(body)
    nsec = fields["sections"]
    names = [fields[f"section{s}"] for s in range(nsec)]
    sec = names.index(section)
    nbytes = (nsec + 7) // 8
    seen = -1
    for at, kind, t, payload, end in records(body, start, nsec):
        if kind != HASH:
            continue
        seen += 1
        if seen != nth:
            continue
        # Rebuild this record with the section's hash changed (added if it
        # was unchanged there).
        dt, p = varint(body, at + 1)
        head = body[at:p]
        changed = dict(payload)
        changed[sec] = (changed.get(sec, 0) ^ 0x5A5A5A5A5A5A5A5A) or 1
        bits = bytearray(nbytes)
        values = b""
        for s in sorted(changed):
            bits[s // 8] |= 1 << (s % 8)
            values += struct.pack("<Q", changed[s])
        body = body[:at] + head + bytes(bits) + values + body[end:]
        save(out, header, body)
        return
    sys.exit(f"{path} has no state hash number {nth}")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "dump":
        dump(sys.argv[2])
    elif len(sys.argv) == 6 and sys.argv[1] == "tamper":
        tamper(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
