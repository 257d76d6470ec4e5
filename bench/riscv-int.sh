#!/bin/sh
# Side-by-side speed of emu and Debian's qemu-system-riscv64 (not a test).
#
#   bench/riscv-int.sh [BUILD_DIR]      (default /tmp/build-bench)
#
# 1. An integer workload (bench/riscv-int.c, 20 * ITERS instructions in its
#    loop) run bare-metal in both: instructions, wall seconds, MIPS.
# 2. Wall seconds from start to U-Boot's "=>" prompt (OpenSBI fw_jump +
#    U-Boot qemu-riscv64_smode) in both.
# Environment: EMU (emu binary; default BUILD_DIR/emu, built if missing),
# ITERS (default 10000000), QEMU (default qemu-system-riscv64),
# PROMPT_TIMEOUT (seconds to wait for the U-Boot prompt, default 300),
# RUN_TIMEOUT (seconds allowed for each workload run, default 600).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${1:-/tmp/build-bench}
emu=${EMU:-$build/emu}
qemu=${QEMU:-qemu-system-riscv64}
iters=${ITERS:-10000000}
prompt_limit=${PROMPT_TIMEOUT:-300}
run_limit=${RUN_TIMEOUT:-600}
cc=${RISCV_CC:-riscv64-linux-gnu-gcc}
fw=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
uboot=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
out=$build/bench
mkdir -p "$out"

if [ ! -x "$emu" ]; then
    cmake -S "$src" -B "$build" -DEMU_FIRMWARE=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" -j2 --target emu >/dev/null
fi

common=$src/firmware/riscv/common
elf=$out/riscv-int.elf
"$cc" -march=rv64gc_zba_zbb_zbc_zbs_zicsr_zifencei -mabi=lp64d -mcmodel=medany \
    -nostdlib -nostartfiles -ffreestanding -fno-builtin -static -O2 \
    -Wl,--no-warn-rwx-segments -Wl,--build-id=none \
    -DBENCH_ITERS="${iters}ul" -I"$common" -T "$common/link.ld" \
    -o "$elf" "$common/start.S" "$common/lib.c" "$here/riscv-int.c"

now() { date +%s.%N; }

# run NAME CMD...: console to $out/NAME.out, wall seconds in $secs
run() {
    name=$1
    shift
    t0=$(now)
    timeout "$run_limit" "$@" </dev/null 2>&1 | head -c 1000000 >"$out/$name.out" || true
    t1=$(now)
    grep -q '^DONE passed=[1-9][0-9]* failed=0' "$out/$name.out" || {
        echo "$name failed or timed out; end of its console:" >&2
        tail -c 1500 "$out/$name.out" | cut -c1-200 >&2
        exit 1
    }
    secs=$(echo "$t1 - $t0" | bc -l)
    grep -q '^PASS bench_loop_matches_reference' "$out/$name.out" || {
        echo "$name: workload self-check did not pass" >&2
        exit 1
    }
}

run emu-int "$emu" -M riscv-virt -m 256M -bios none -kernel "$elf" -nographic \
    --stats "$out/emu-int.json"
emu_secs=$secs
emu_insns=$(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
t = s.get("total") or s.get("totals")
print(t["instructions"] if t else sum(c["instructions"] for c in s["cpus"]))
' "$out/emu-int.json")

run qemu-int "$qemu" -M virt -m 256M -bios none -kernel "$elf" -nographic -monitor none
qemu_secs=$secs
# QEMU does not count instructions; its count is the same program's: the
# loop's exact count plus the few thousand around it, taken from emu.
loop_insns=$(tr -d '\r' <"$out/qemu-int.out" | sed -n 's/^bench: loop instructions \([0-9]*\).*/\1/p')
qemu_insns=$emu_insns

emu_prompt=$("$here/console-time.py" "$prompt_limit" "=> " --enter-on "Hit any key" "$emu" -M riscv-virt -m 256M -nographic \
    -bios "$fw" -kernel "$uboot" || true)
qemu_prompt=$("$here/console-time.py" "$prompt_limit" "=> " --enter-on "Hit any key" "$qemu" -M virt -m 256M -nographic \
    -bios "$fw" -kernel "$uboot" || true)

mips() { printf '%.1f' "$(echo "$1 / $2 / 1000000" | bc -l)"; }
ratio() { case "$1$2" in *[!0-9.]*) echo "-";; *) printf '%.2f' "$(echo "$1 / $2" | bc -l)";; esac; }

echo
echo "riscv-int: $loop_insns loop instructions ($iters iterations), $(nproc) host CPUs"
printf '%-26s %16s %16s %10s\n' "" "emu" "qemu" "emu/qemu"
printf '%-26s %16s %16s %10s\n' "instructions" "$emu_insns" "$qemu_insns" "-"
printf '%-26s %16.3f %16.3f %10s\n' "wall seconds" "$emu_secs" "$qemu_secs" "$(ratio "$emu_secs" "$qemu_secs")"
emu_mips=$(mips "$emu_insns" "$emu_secs")
qemu_mips=$(mips "$qemu_insns" "$qemu_secs")
printf '%-26s %16s %16s %10s\n' "MIPS" "$emu_mips" "$qemu_mips" "$(ratio "$emu_mips" "$qemu_mips")"
printf '%-26s %16s %16s %10s\n' "U-Boot prompt, seconds" "$emu_prompt" "$qemu_prompt" "$(ratio "$emu_prompt" "$qemu_prompt")"
