#!/usr/bin/env python3
"""Runs emu with stderr, or stdout and stderr, on a pseudo-terminal.

    on_pty.py stderr TERM_OUT STDOUT_FILE -- EMU [ARGS...]   stdout to a file
    on_pty.py both TERM_OUT -- EMU [ARGS...]                 stdout on the terminal too

stdin is /dev/null. What emu wrote to the terminal is saved to TERM_OUT;
the exit status is emu's. The first line of stdout is the host time the
run took, in seconds.
"""
import os
import pty
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    if "--" not in args:
        print(__doc__, file=sys.stderr)
        return 2
    sep = args.index("--")
    opts, argv = args[:sep], args[sep + 1:]
    if not argv or not opts or (opts[0], len(opts)) not in (("stderr", 3), ("both", 2)):
        print(__doc__, file=sys.stderr)
        return 2
    master, slave = pty.openpty()
    stdout = open(opts[2], "wb") if opts[0] == "stderr" else slave
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=slave)
    os.close(slave)
    seen = bytearray()
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:         # EIO: every writer has closed the terminal
            break
        if not data:
            break
        seen += data
    rc = p.wait()
    print(f"{time.monotonic() - t0:.2f}")
    with open(opts[1], "wb") as f:
        f.write(seen)
    return rc


if __name__ == "__main__":
    sys.exit(main())
