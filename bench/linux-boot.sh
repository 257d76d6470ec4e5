#!/bin/sh
# Linux boot speed, emu next to Debian's qemu-system-riscv64 (not a test).
#
#   bench/linux-boot.sh [BUILD_DIR]      (default /tmp/build-bench)
#
# The same kernel (tests/images/riscv64-kernel.sh, cached) and initramfs
# (tests/guest, no checks: banner, then poweroff) boot through Debian's
# OpenSBI fw_jump in both, -m 512M, on 1 and 4 harts. Prints the wall
# seconds from power-on to the init banner in each (the fastest of RUNS
# runs: single runs on a shared host vary by half), their ratio, and
# emu's guest instructions up to the guest's poweroff, which follows the
# banner at once. QEMU counts no instructions.
# Environment: EMU, QEMU, BOOT_TIMEOUT (seconds, default 300), RUNS (runs
# of each, the fastest counts; default 5), ENGINE (emu's back end: jit,
# the default, or interp).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${1:-/tmp/build-bench}
emu=${EMU:-$build/emu}
qemu=${QEMU:-qemu-system-riscv64}
limit=${BOOT_TIMEOUT:-300}
runs=${RUNS:-5}
engine=${ENGINE:-jit}
fw=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
out=$build/bench/linux
mkdir -p "$out/initramfs/proc" "$out/initramfs/sys" "$out/initramfs/dev"

if [ ! -x "$emu" ]; then
    cmake -S "$src" -B "$build" -DEMU_FIRMWARE=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" -j2 --target emu >/dev/null
fi
kernel=$(bash "$src/tests/images/riscv64-kernel.sh")
riscv64-linux-gnu-gcc -static -O2 -I"$src/tests/guest" -o "$out/initramfs/init" "$src"/tests/guest/*.c
bash "$src/tests/images/initramfs.sh" "$out/initramfs" "$out/initramfs.cpio.gz"
initrd=$out/initramfs.cpio.gz
banner="emu-init: Linux"

ratio() { case "$1$2" in *[!0-9.]*) echo "-";; *) printf '%.2f' "$(echo "$1 / $2" | bc -l)";; esac; }

printf '%-6s %14s %14s %10s %16s\n' "harts" "emu seconds" "qemu seconds" "emu/qemu" "emu instructions"
# best RUNS: the fastest of several runs, the least disturbed by the host.
best() {
    local b="" t i
    for i in $(seq "$runs"); do
        t=$("$here/console-time.py" "$limit" "$banner" "$@" || true)
        case "$t" in *[!0-9.]*|"") continue;; esac
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
    done
    echo "${b:--}"
}
for harts in 1 4; do
    emu_secs=$(best "$emu" --engine "$engine" -M riscv-virt -m 512M -smp "$harts" \
        -nographic -bios "$fw" -kernel "$kernel" -initrd "$initrd" -append console=ttyS0)
    qemu_secs=$(best "$qemu" -M virt -m 512M -smp "$harts" \
        -nographic -bios "$fw" -kernel "$kernel" -initrd "$initrd" -append console=ttyS0)
    timeout "$limit" "$emu" --engine "$engine" -M riscv-virt -m 512M -smp "$harts" -nographic -bios "$fw" -kernel "$kernel" \
        -initrd "$initrd" -append console=ttyS0 --stats "$out/emu-$harts.json" </dev/null >"$out/emu-$harts.out" 2>&1
    insns=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["totals"]["instructions"])' \
        "$out/emu-$harts.json")
    printf '%-6s %14s %14s %10s %16s\n' "$harts" "$emu_secs" "$qemu_secs" "$(ratio "$emu_secs" "$qemu_secs")" "$insns"
done
