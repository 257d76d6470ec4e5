#!/usr/bin/env python3
"""Wall time from start to U-Boot's "=>" prompt.

    uboot-prompt.py TIMEOUT CMD [ARGS...]

Runs CMD with its console on a pseudo-terminal, presses Enter when U-Boot
offers to stop autoboot, and stops the process as soon as "=> " appears.
Prints the seconds taken, or "timeout" / "exited" and exits non-zero.
"""
import os
import select
import signal
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    limit = float(sys.argv[1])
    master, slave = os.openpty()
    start = time.monotonic()
    proc = subprocess.Popen(sys.argv[2:], stdin=slave, stdout=slave, stderr=slave,
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
            if not pressed and b"Hit any key" in seen:
                os.write(master, b"\r")
                pressed = True
            if b"=> " in seen:
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
