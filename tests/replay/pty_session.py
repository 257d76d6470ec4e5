#!/usr/bin/env python3
"""Drives emu through a pseudo-terminal, as a person at a keyboard would.

    pty_session.py OUT SCRIPT -- EMU [ARGS...]

SCRIPT is a file of steps, one per line:
    expect TEXT     wait (up to 120 s of wall time) until TEXT appears in the output
    send TEXT       type TEXT (\\r, \\n, \\x01 escapes allowed)
    sleep SECONDS   wait this long (wall time) without typing
Everything emu writes to the terminal is saved to OUT. The exit status
is emu's, or 124 when an expect times out. Keys are typed with the host's
timing, so each run gives the guest its input at different virtual times:
that is what --record must capture.
"""
import os
import pty
import select
import sys
import time


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    out_path, script_path, argv = sys.argv[1], sys.argv[2], sys.argv[4:]
    steps = []
    with open(script_path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            verb, _, arg = line.partition(" ")
            steps.append((verb, arg.encode().decode("unicode_escape").encode("latin-1")))

    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    seen = bytearray()
    out = open(out_path, "wb")

    def pump(timeout):
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return True
        try:
            data = os.read(fd, 4096)
        except OSError:
            return False
        if not data:
            return False
        seen.extend(data)
        out.write(data)
        out.flush()
        return True

    status = 0
    cursor = 0          # output before it was matched by an earlier expect
    for verb, arg in steps:
        if verb == "expect":
            deadline = time.monotonic() + 120
            while seen.find(arg, cursor) < 0:
                if time.monotonic() > deadline or not pump(0.2):
                    print(f"pty_session: '{arg.decode()}' did not appear", file=sys.stderr)
                    status = 124
                    break
            if status:
                break
            cursor = seen.find(arg, cursor) + len(arg)
        elif verb == "send":
            for b in arg:
                os.write(fd, bytes([b]))
                pump(0.05)
        elif verb == "sleep":
            end = time.monotonic() + float(arg)
            while time.monotonic() < end and pump(0.05):
                pass
        else:
            print(f"pty_session: unknown step '{verb}'", file=sys.stderr)
            status = 2
            break
    if status:
        os.kill(pid, 15)
    while pump(1):
        pass
    _, st = os.waitpid(pid, 0)
    out.close()
    if status:
        return status
    return os.waitstatus_to_exitcode(st)


if __name__ == "__main__":
    sys.exit(main())
