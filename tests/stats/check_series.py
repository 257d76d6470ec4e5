#!/usr/bin/env python3
"""Checks of --stats files and of stats-plot's PNG, for tests/stats.

    check_series.py sums RUN.json             the series adds up to the file's counters
    check_series.py same PLAIN.json RUN.json  RUN.json is PLAIN.json plus a "series" member
    check_series.py tail FULL.json PART.json  PART's samples are FULL's from PART's start on
    check_series.py png FILE W H              FILE is a W x H PNG of plausible size

Prints what it compared; exits 1 with a one-line reason on a mismatch.
"""
import json
import struct
import sys


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def counts_of(obj):
    """The counters of a vCPU or totals object under the series' column names."""
    c = {"instructions": obj["instructions"], "cycles": obj["cycles"], "wfi_cycles": obj["wfi_cycles"]}
    for name, cache in obj.get("caches", {}).items():
        c[f"{name}_misses"] = cache["read_misses"] + cache["write_misses"]
    tlbs = obj.get("tlbs", {})
    for name in ("itlb", "dtlb", "l2tlb"):
        if name in tlbs:
            c[f"{name}_misses"] = tlbs[name]["misses"]
    if "walks" in tlbs:
        c["walks"] = tlbs["walks"]
    if "branches" in obj:
        b = obj["branches"]
        c["branch_mispredicts"] = b["conditional_mispredicts"] + b["indirect_mispredicts"]
    return c


def check_modes(what, cols, start, rows, cpus):
    """The cycles_<mode> columns split each row's cycles; with the H
    extension, the guest modes add up to the file's cycles_v1."""
    ix = {n: i for i, n in enumerate(cols)}
    modes = [n for n in cols if n.startswith("cycles_")]
    if not modes:
        return
    for r in [start] + rows:
        if sum(r[ix[m]] for m in modes) != r[ix["cycles"]]:
            fail(f"{what}: the modes of a row do not add up to its cycles")
    guest = [m for m in modes if m in ("cycles_v1", "cycles_vs", "cycles_vu")]
    if guest and all("hypervisor" in c for c in cpus):
        got = sum(start[ix[m]] + sum(r[ix[m]] for r in rows) for m in guest)
        want = sum(c["hypervisor"]["cycles_v1"] for c in cpus)
        if got != want:
            fail(f"{what}: {guest} add up to {got}, the file's cycles_v1 to {want}")


MPKI_COUNTS = {"branch_mpki": "branch_mispredicts", "walks_mpki": "walks"}


def check_rows(what, cols, start, rows, want, end_vclock):
    ix = {n: i for i, n in enumerate(cols)}
    for n, v in want.items():
        if n not in ix:
            fail(f"{what}: no column {n} for a counter the file reports")
        got = start[ix[n]] + sum(r[ix[n]] for r in rows)
        if got != v:
            fail(f"{what}: {n}: start {start[ix[n]]} + samples {got - start[ix[n]]} = {got}, file says {v}")
    summed = [n for n in cols if n not in ("vclock", "ipc") and not n.endswith("_mpki") and not n.startswith("cycles_")]
    missing = [n for n in summed if n not in want]
    if missing:
        fail(f"{what}: columns {missing} have no counterpart in the file")
    vclocks = [start[0]] + [r[0] for r in rows]
    if any(b <= a for a, b in zip(vclocks, vclocks[1:])):
        fail(f"{what}: sample times do not increase")
    if vclocks[-1] != end_vclock:
        fail(f"{what}: the last sample ends at {vclocks[-1]}, the run at {end_vclock}")
    for r in rows:
        if r[ix["cycles"]] and abs(r[ix["ipc"]] - r[ix["instructions"]] / r[ix["cycles"]]) > 0.00005:
            fail(f"{what}: ipc {r[ix['ipc']]} is not instructions / cycles")
        for n in cols:
            if not n.endswith("_mpki") or not r[ix["instructions"]]:
                continue
            count = MPKI_COUNTS.get(n, n[:-len("_mpki")] + "_misses")
            if abs(r[ix[n]] - 1000.0 * r[ix[count]] / r[ix["instructions"]]) > 0.00005:
                fail(f"{what}: {n} {r[ix[n]]} is not 1000 * {count} / instructions")


def cmd_sums(path):
    doc = json.load(open(path))
    s = doc.get("series")
    if not s:
        fail(f"{path}: no series")
    cols, end = s["columns"], doc["machine"]["vclock_cycles"]
    if s["samples"] != len(s["totals"]) or any(len(c) != s["samples"] for c in s["cpus"]):
        fail(f"{path}: samples does not match the number of rows")
    check_rows(f"{path} totals", cols, s["start"]["totals"], s["totals"], counts_of(doc["totals"]), end)
    check_modes(f"{path} totals", cols, s["start"]["totals"], s["totals"], doc["cpus"])
    if len(s["cpus"]) != len(doc["cpus"]):
        fail(f"{path}: {len(s['cpus'])} vCPU series for {len(doc['cpus'])} vCPUs")
    for i, cpu in enumerate(doc["cpus"]):
        check_rows(f"{path} vCPU {i}", cols, s["start"]["cpus"][i], s["cpus"][i], counts_of(cpu), end)
        check_modes(f"{path} vCPU {i}", cols, s["start"]["cpus"][i], s["cpus"][i], [cpu])
    print(f"{path}: {s['samples']} samples x {len(cols)} columns, {len(doc['cpus'])} vCPU(s): sums match")


def cmd_same(plain_path, run_path):
    plain = open(plain_path).read()
    run = open(run_path).read()
    cut = run.find(',\n  "series": {')
    if cut < 0:
        fail(f"{run_path}: no series member")
    if not plain.endswith("\n}\n") or run[:cut] != plain[:-3] or not run.endswith("\n}\n"):
        fail(f"{run_path} outside its series differs from {plain_path}")
    print(f"{run_path} is {plain_path} byte for byte, plus the series")


def cmd_tail(full_path, part_path):
    full = json.load(open(full_path))["series"]
    part = json.load(open(part_path))["series"]
    if full["columns"] != part["columns"]:
        fail(f"{part_path} and {full_path} have different columns")
    t0 = part["start"]["totals"][0]
    tail = [n for n, r in enumerate(full["totals"]) if r[0] > t0]
    if not tail or (tail[0] and full["totals"][tail[0] - 1][0] != t0):
        fail(f"{part_path} starts at {t0}, not at a sample of {full_path}")
    for key in ("totals", "cpus"):
        want = full[key][tail[0]:] if key == "totals" else [c[tail[0]:] for c in full[key]]
        if part[key] != want:
            fail(f"{part_path}: the {key} samples differ from {full_path}'s after cycle {t0}")
    print(f"{part_path}: its {part['samples']} samples from cycle {t0} on are {full_path}'s")


def cmd_png(path, width, height):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        fail(f"{path} is not a PNG")
    w, h = struct.unpack(">II", data[16:24])
    if (w, h) != (int(width), int(height)):
        fail(f"{path} is {w}x{h}, not {width}x{height}")
    # Three panels of lines and filled areas: far more than a blank image
    # (a few KB), far less than raw pixels.
    if not 15000 <= len(data) <= 2000000:
        fail(f"{path}: {len(data)} bytes is not the size of a three-panel plot")
    if data[-12:-4] != b"\x00\x00\x00\x00IEND":
        fail(f"{path} does not end with IEND")
    print(f"{path}: PNG {w}x{h}, {len(data)} bytes")


if __name__ == "__main__":
    cmds = {"sums": (cmd_sums, 1), "same": (cmd_same, 2), "tail": (cmd_tail, 2), "png": (cmd_png, 3)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds or len(sys.argv) != 2 + cmds[sys.argv[1]][1]:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmds[sys.argv[1]][0](*sys.argv[2:])
