#!/usr/bin/env python3
"""Wall time from start until a text appears on a guest's console.

    console-time.py TIMEOUT TEXT [--enter-on PROMPT] CMD [ARGS...]

Runs CMD with its console on a pseudo-terminal, presses Enter once when
PROMPT appears (U-Boot's "Hit any key" to stop autoboot), and stops the
process as soon as TEXT appears. Prints the seconds taken, or "timeout" /
"exited" and exits non-zero.
"""
import os
import select
import signal
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    if len(args) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    limit, text = float(args[0]), args[1].encode()
    args = args[2:]
    enter_on = None
    if args[0] == "--enter-on" and len(args) > 2:
        enter_on, args = args[1].encode(), args[2:]
    master, slave = os.openpty()
    start = time.monotonic()
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True)
    os.close(slave)
    seen = b""
    pressed = False
    result = None
    while result is None:
        left = limit - (time.monotonic() - start)
        if left <= 0:
            result = "timeout"
            break
        ready, _, _ = select.select([master], [], [], min(left, 0.2))
        if ready:
            try:
                data = os.read(master, 4096)
            except OSError:
                data = b""
            if not data:
                result = "exited"
                break
            seen = (seen + data)[-4096:]
            if enter_on and not pressed and enter_on in seen:
                os.write(master, b"\r")
                pressed = True
            if text in seen:
                result = time.monotonic() - start
        elif proc.poll() is not None:
            result = "exited"
    # Stop only the process group this script started.
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    os.close(master)
    if isinstance(result, float):
        print(f"{result:.3f}")
        return 0
    print(result)
    return 1


if __name__ == "__main__":
    sys.exit(main())
