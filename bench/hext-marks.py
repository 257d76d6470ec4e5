#!/usr/bin/env python3
"""Host CPU seconds CMD spends between two lines of its guest's console.

    hext-marks.py TIMEOUT START END CMD [ARGS...]

Runs CMD with its output on a pipe and reads CMD's CPU time (user +
system, /proc/PID/stat) when the first line containing START and then the
first line containing END arrive; lets CMD finish (or stops it at
TIMEOUT) and prints the CPU seconds between the two marks, or "missing"
and exits non-zero. CPU time rather than wall time, so that other work on
a shared machine disturbs the figure less. The whole output goes to
stderr for the log.
"""
import os
import select
import signal
import subprocess
import sys
import time


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # Fields 14 and 15 of stat(5), utime and stime, counted after "(comm)".
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    if len(sys.argv) < 5:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    limit = float(sys.argv[1])
    start_mark, end_mark = sys.argv[2].encode(), sys.argv[3].encode()
    proc = subprocess.Popen(sys.argv[4:], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    fd = proc.stdout.fileno()
    begin = time.monotonic()
    t_start = t_end = None
    pending = b""
    while True:
        left = limit - (time.monotonic() - begin)
        if left <= 0:
            break
        ready, _, _ = select.select([fd], [], [], min(left, 0.5))
        if not ready:
            if proc.poll() is not None:
                break
            continue
        data = os.read(fd, 65536)
        if not data:
            break
        try:
            now = cpu_seconds(proc.pid)
        except OSError:
            break
        sys.stderr.buffer.write(data)
        pending += data
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            if t_start is None and start_mark in line:
                t_start = now
            elif t_start is not None and t_end is None and end_mark in line:
                t_end = now
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    proc.wait()
    if t_start is None or t_end is None:
        print("missing")
        return 1
    print(f"{t_end - t_start:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
