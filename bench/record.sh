#!/usr/bin/env bash
# Record/replay costs (not a test): the size of the input log per virtual
# second, and the wall-time overhead of --record over a plain run.
#
#   bench/record.sh [BUILD_DIR]          (default /tmp/build-bench)
#
# Workloads:
#  - an interactive U-Boot session: OpenSBI + U-Boot typed at through a
#    pseudo-terminal (tests/replay/pty_session.py), a command every couple
#    of seconds with the prompt idle in between, as a person would;
#  - the same U-Boot session from a script (stdin, no waiting);
#  - a Linux 6.1 boot (tests/images/riscv64-kernel.sh, cached) on 2 harts
#    with virtio blk, net, rng and console, through to the guest's poweroff.
# Log size is divided by the virtual seconds the run lasted (its final
# cycle at the 1 GHz core clock). Overhead is the best of RUNS CPU times
# (user + system, which other work on a shared machine disturbs less than
# wall time) with --record (state hashes every 100M cycles, the default)
# against the best of RUNS plain, same workload. Replay time beside them.
# Environment: EMU, RUNS (default 3).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${1:-/tmp/build-bench}
emu=${EMU:-$build/emu}
runs=${RUNS:-3}
out=$build/bench/record
mkdir -p "$out/initramfs/proc" "$out/initramfs/sys" "$out/initramfs/dev"

if [ ! -x "$emu" ]; then
    cmake -S "$src" -B "$build" -DEMU_FIRMWARE=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" -j2 --target emu >/dev/null
fi

# best_of NAME CMD...: the least CPU seconds of $runs runs (stdin from $stdin).
best_of() {
    shift
    python3 - "$runs" "$stdin" "$@" <<'PY'
import resource, subprocess, sys
runs, stdin, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
best = None
for _ in range(runs):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(stdin, "rb") as f:
        subprocess.run(cmd, stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    best = cpu if best is None else min(best, cpu)
print(f"{best:.3f}", end="")
PY
}

# The virtual seconds of a run, from its --state-hash file.
vsecs() {
    sed -n 's/^final \([0-9]*\) .*/\1/p' "$1" | awk '{ printf "%.3f", $1 / 1e9 }'
}

row() {  # workload log hashes plain record replay
    local bytes v
    bytes=$(stat -c %s "$2")
    v=$(vsecs "$3")
    printf '%-22s %9s %10s %12s %9s %9s %9s %9s\n' "$1" "$bytes" "$v" \
        "$(echo "$bytes / $v" | bc -l | xargs printf '%.0f')" "$4" "$5" \
        "$(echo "($5 / $4 - 1) * 100" | bc -l | xargs printf '%+.1f%%')" "$6"
}

printf '%-22s %9s %10s %12s %9s %9s %9s %9s\n' "workload" "log bytes" "virtual s" "bytes/vsec" \
    "plain" "record" "overhead" "replay"

# Interactive U-Boot through a pseudo-terminal.
cat >"$out/session" <<'KEYS'
expect Hit any key to stop autoboot
send \r
expect =>
sleep 2
send version\r
expect =>
sleep 2
send printenv bootdelay\r
expect =>
sleep 2
send help echo\r
expect =>
sleep 2
send echo hello from the keyboard\r
expect =>
sleep 2
send poweroff\r
KEYS
python3 "$src/tests/replay/pty_session.py" "$out/pty.out" "$out/session" -- "$emu" -nographic \
    --record "$out/pty.log" --state-hash "$out/pty.hash" >/dev/null
stdin=/dev/null
t_replay=$(best_of x "$emu" -nographic --replay "$out/pty.log")
printf '%-22s %9s %10s %12s %9s %9s %9s %9s\n' "U-Boot, typed" "$(stat -c %s "$out/pty.log")" \
    "$(vsecs "$out/pty.hash")" "$(echo "$(stat -c %s "$out/pty.log") / $(vsecs "$out/pty.hash")" | bc -l |
    xargs printf '%.0f')" "-" "-" "-" "$t_replay"

# Scripted U-Boot.
printf '\n\nversion\nprintenv bootdelay\nhelp echo\necho hello from a script\npoweroff\n' >"$out/keys"
stdin=$out/keys
"$emu" -nographic --record "$out/uboot.log" --state-hash "$out/uboot.hash" <"$out/keys" >/dev/null 2>&1
t_plain=$(best_of x "$emu" -nographic)
t_rec=$(best_of x "$emu" -nographic --record "$out/uboot.tmp.log")
stdin=/dev/null
t_replay=$(best_of x "$emu" -nographic --replay "$out/uboot.log")
row "U-Boot, scripted" "$out/uboot.log" "$out/uboot.hash" "$t_plain" "$t_rec" "$t_replay"

# Linux boot with virtio devices.
kernel=$(bash "$src/tests/images/riscv64-kernel.sh")
riscv64-linux-gnu-gcc -static -O2 -I"$src/tests/guest" -o "$out/initramfs/init" "$src"/tests/guest/*.c
bash "$src/tests/images/initramfs.sh" "$out/initramfs" "$out/initramfs.cpio.gz"
head -c 4194304 /dev/zero >"$out/disk.img"
linux=(-smp 2 -m 512M -kernel "$kernel" -initrd "$out/initramfs.cpio.gz" -append "console=ttyS0 emu.test=blk,net,rng"
       -drive file="$out/disk.img",format=raw,readonly=on -device virtio-net -device virtio-rng
       -device virtio-console -nographic)
stdin=/dev/null
"$emu" "${linux[@]}" --record "$out/linux.log" --state-hash "$out/linux.hash" </dev/null >/dev/null 2>&1
t_plain=$(best_of x "$emu" "${linux[@]}")
t_rec=$(best_of x "$emu" "${linux[@]}" --record "$out/linux.tmp.log")
t_replay=$(best_of x "$emu" "${linux[@]}" --replay "$out/linux.log")
row "Linux boot, 2 harts" "$out/linux.log" "$out/linux.hash" "$t_plain" "$t_rec" "$t_replay"
