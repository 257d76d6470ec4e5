#!/usr/bin/env python3
"""Drives emu's monitor (docs/monitor.md) for tests/boot/monitor.sh, as a
user at the socket would, and prints one "ok"/"FAIL" line per check.

    monitor_drive.py session SOCK CONSOLE RESULT SNAPSHOT
        the whole session against tests/boot/monitor_guest.c: statistics,
        bad input, stop/cont, inflate to 256 MiB, snapshot, deflate, quit.
        RESULT gets what the shell script needs next, as JSON.
    monitor_drive.py restore SOCK CONSOLE RESULT MEMTOTAL_KB
        a run restored from the session's snapshot: the balloon is still
        inflated; deflating it lets the guest finish; quit.

The guest waits for the host at each step, so no check depends on how fast
the host is; every wait has a host-time limit.
"""
import json
import os
import re
import socket
import sys
import time

PROMPT = b"(emu) "
MiB = 1 << 20
LIMIT = 120                 # host seconds any one wait may take


def need(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        sys.exit(1)


class Monitor:
    def __init__(self, path):
        deadline = time.time() + LIMIT
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.time() > deadline:
                    sys.exit(f"FAIL no monitor socket at {path}")
                time.sleep(0.05)
        self.s.settimeout(LIMIT)
        self.buf = b""
        self.greeting = self.reply()

    def reply(self):
        while PROMPT not in self.buf:
            data = self.s.recv(65536)
            if not data:
                sys.exit(f"FAIL the monitor closed the connection; it had sent {self.buf!r}")
            self.buf += data
        text, _, self.buf = self.buf.partition(PROMPT)
        return text.decode()

    def cmd(self, line):
        self.s.sendall(line.encode() + b"\n")
        return self.reply()

    def closed(self):
        """True when the monitor closes the connection (after quit)."""
        try:
            return self.s.recv(1) == b""
        except OSError:
            return False


def console_wait(path, pattern):
    """The first match of pattern in the console output, waiting for it."""
    deadline = time.time() + LIMIT
    while True:
        with open(path, errors="replace") as f:
            m = re.search(pattern, f.read(), re.M)
        if m:
            return m
        if time.time() > deadline:
            sys.exit(f"FAIL the console never showed /{pattern}/")
        time.sleep(0.05)


def poll(mon, line, pattern, what=None):
    """Asks line again until its reply matches pattern; returns the match
    (and says ok for what, when given)."""
    deadline = time.time() + LIMIT
    while True:
        m = re.search(pattern, mon.cmd(line), re.M)
        if m:
            if what:
                need(True, what)
            return m
        if time.time() > deadline:
            sys.exit(f"FAIL '{line}' never answered /{pattern}/")
        time.sleep(0.05)


def resident(mon):
    text = mon.cmd("info ram")
    now = int(re.search(r"^resident: .* \((\d+) bytes\)$", text, re.M).group(1))
    peak = int(re.search(r"^resident peak: .* \((\d+) bytes\)$", text, re.M).group(1))
    return now, peak


def cycle_of(text):
    return int(re.search(r"cycle (\d+)", text).group(1))


def bad_input(mon):
    cases = [
        ("frobnicate", "unknown command 'frobnicate'"),
        ("balloon", "usage: balloon MIB"),
        ("balloon lots", "expected a non-zero size"),
        ("balloon 0", "expected a non-zero size"),
        ("balloon 4096", "more than the guest's 512 MiB"),
        ("info nothing", "no such item"),
        ("z" * 300, "line longer than 255 characters"),
    ]
    for line, says in cases:
        text = mon.cmd(line)
        need(text.startswith("error: ") and says in text and text.count("\n") == 1,
             f"'{line[:20]}' is refused in one line: {text.strip()[:70]}")
    need("status: running" in mon.cmd("info status"), "the monitor still answers after bad input")


def session(sock, console, result, snap):
    out = {}
    mon = Monitor(sock)
    need("help lists the commands" in mon.greeting, "greeting")
    other = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    other.connect(sock)
    other.settimeout(LIMIT)
    said = b""
    while True:
        data = other.recv(4096)
        if not data:
            break
        said += data
    need(b"busy with another client" in said, "a second client is told the monitor is busy")
    help_text = mon.cmd("help")
    need(all(w in help_text for w in ("info", "balloon MIB", "snapshot FILE", "stop", "cont", "quit")),
         "help lists info, balloon, snapshot, stop, cont, quit")

    before_kb = int(console_wait(console, r"^emu-monitor-guest: ready, MemTotal (\d+) kB").group(1))
    out["memtotal_kb"] = before_kb
    stats = poll(mon, "info balloon", r"^guest statistics \((\d+) updates\):$")
    text = mon.cmd("info balloon")
    need("balloon: actual=512 MiB target=512 MiB" in text, "info balloon: actual and target 512 MiB")
    total = re.search(r"^  total_memory: (\d+)$", text, re.M)
    free = re.search(r"^  free_memory: (\d+)$", text, re.M)
    need(int(stats.group(1)) >= 1 and total and free and int(total.group(1)) == before_kb * 1024,
         f"info balloon names the guest's statistics (total_memory {before_kb} kB, as /proc/meminfo)")
    ram0, _ = resident(mon)
    print(f"     resident guest RAM before inflating: {ram0 / MiB:.1f} MiB")

    bad_input(mon)

    paused = mon.cmd("stop")
    at = cycle_of(paused)
    first = mon.cmd("info status")
    time.sleep(0.5)
    second = mon.cmd("info status")
    need("status: paused" in first and f"vclock: {at} cycles" in first and f"vclock: {at} cycles" in second,
         f"stop holds virtual time at cycle {at} while the host waits")
    need("running from cycle" in mon.cmd("cont"), "cont")

    reply = mon.cmd("balloon 256")
    need(reply.startswith("balloon: target 256 MiB at cycle"), "balloon 256 is taken: " + reply.strip())
    t0 = cycle_of(reply)
    poll(mon, "info balloon", r"^balloon: actual=256 MiB target=256 MiB$", "info balloon: actual follows to 256 MiB")
    m = console_wait(console, r"^emu-monitor-guest: inflated, MemTotal (\d+) kB, at (\d+) ns")
    drop = before_kb - int(m.group(1))
    took = (int(m.group(2)) - t0) / 1e9         # 1 GHz: a cycle is a nanosecond
    need(abs(drop - 262144) <= 1024, f"the guest's MemTotal fell by {drop} kB (256 MiB)")
    need(0 < took < 10, f"actual followed the target within {took:.2f} virtual seconds")
    ram1, peak = resident(mon)
    print(f"     resident guest RAM inflated: {ram1 / MiB:.1f} MiB (peak {peak / MiB:.1f} MiB)")
    need(ram1 <= ram0 - 128 * MiB and peak >= ram0, "info ram: resident RAM went down by at least 128 MiB")
    poll(mon, "info balloon", r"^  total_memory: (%d)$" % (int(m.group(1)) * 1024),
         "the guest's statistics follow: total_memory becomes the inflated MemTotal")

    reply = mon.cmd(f"snapshot {snap}")
    if reply.startswith("snapshot of cycle"):
        out["snapshot_cycle"] = cycle_of(reply)
        need(os.path.getsize(snap) > 0, f"snapshot saved at cycle {out['snapshot_cycle']}")
    else:
        need(reply.startswith("error: ") and "cannot be saved" in reply and not os.path.exists(snap),
             "snapshot with a balloon that cannot be saved is refused clearly: " + reply.strip())

    mon.cmd("balloon 512")
    poll(mon, "info balloon", r"^balloon: actual=512 MiB target=512 MiB$", "info balloon: actual back to 512 MiB")
    m = console_wait(console, r"^emu-monitor-guest: deflated, MemTotal (\d+) kB")
    need(int(m.group(1)) == before_kb, "balloon 512 gives the guest its memory back")
    reply = mon.cmd("quit")
    need(reply.startswith("quit at cycle") and mon.closed(), "quit: " + reply.strip())
    out["quit_cycle"] = cycle_of(reply)
    json.dump(out, open(result, "w"))


def restore(sock, console, result, memtotal_kb):
    mon = Monitor(sock)
    need("balloon: actual=256 MiB target=256 MiB" in mon.cmd("info balloon"),
         "restored: the balloon holds what it held at the snapshot")
    mon.cmd("balloon 512")
    m = console_wait(console, r"^emu-monitor-guest: deflated, MemTotal (\d+) kB")
    need(int(m.group(1)) == memtotal_kb, "restored: the guest deflates and gets its memory back")
    reply = mon.cmd("quit")
    need(reply.startswith("quit at cycle"), "restored: quit")
    json.dump({"quit_cycle": cycle_of(reply)}, open(result, "w"))


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "session":
        session(*sys.argv[2:6])
    elif len(sys.argv) == 6 and sys.argv[1] == "restore":
        restore(*sys.argv[2:5], int(sys.argv[5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
