#!/bin/sh
# What the hypervisor extension costs a guest (not a test): the same
# integer loop (tests/guest/kvm_payload.S, 20 instructions per iteration,
# a load and a store among them) timed by emu's host CPU time between the
# payload's "loop start" and "loop end" console lines, in emu, as
#   bare  the payload alone under OpenSBI (S-mode, no translation),
#   vs    the VS-mode guest of the project's hypervisor
#         (firmware/riscv/hyp/sbi_host.c; G-stage Sv39x4 in 2 MiB pages),
#   l2    the L2 guest of Linux KVM inside emu (tests/guest/kvm_vmm.c;
#         Linux 6.1 builds a G-stage Sv57x4 in 4 KiB pages),
# with the loop's MIPS in each and its rate relative to bare.
#
#   bench/hext.sh [BUILD_DIR]      (default /tmp/build-bench)
#
# Environment: EMU (emu binary; default BUILD_DIR/emu, built if missing),
# ITERS (loop iterations, default 20000000), REPEAT (runs of each, the
# fastest counts; default 3), RUN_TIMEOUT (seconds per run, default 900). Needs gcc-riscv64-linux-gnu, opensbi, python3, cpio and
# what tests/images/riscv64-kernel.sh needs (the kernel is cached).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${1:-/tmp/build-bench}
emu=${EMU:-$build/emu}
iters=${ITERS:-20000000}
repeat=${REPEAT:-3}
limit=${RUN_TIMEOUT:-900}
cc=${RISCV_CC:-riscv64-linux-gnu-gcc}
objcopy=riscv64-linux-gnu-objcopy
out=$build/hext
mkdir -p "$out/initramfs/dev"

if [ ! -x "$emu" ]; then
    cmake -S "$src" -B "$build" -DEMU_FIRMWARE=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" -j2 --target emu >/dev/null
fi

# The payload, with the loop.
"$cc" -static -nostdlib -nostartfiles -march=rv64gc -mabi=lp64d -Wl,-Ttext=0x80000000 -Wl,--build-id=none \
    -DLOOP_ITERS="$iters" -o "$out/kvm_payload.elf" "$src/tests/guest/kvm_payload.S"
"$objcopy" -O binary -j .text "$out/kvm_payload.elf" "$out/kvm_payload.bin"

# The project's hypervisor with that payload inside.
common=$src/firmware/riscv/common
hyp=$src/firmware/riscv/hyp
"$cc" -march=rv64gc_zba_zbb_zbc_zbs_zicsr_zifencei -mabi=lp64d -mcmodel=medany \
    -nostdlib -nostartfiles -ffreestanding -fno-builtin -static -O2 \
    -Wl,--no-warn-rwx-segments -Wl,--build-id=none -I"$common" -I"$hyp" -Wa,-I"$out" \
    -T "$common/link.ld" -o "$out/hyp_sbi.elf" "$common/start.S" "$common/lib.c" \
    "$hyp/sbi_host.c" "$hyp/payload_blob.S" "$hyp/world.S"

# Linux with the VMM as init, the payload beside it.
kernel=$(bash "$src/tests/images/riscv64-kernel.sh")
"$cc" -static -O2 -Wall -Werror -o "$out/initramfs/init" "$here/hext-init.c" "$src/tests/guest/kvm_vmm.c"
cp "$out/kvm_payload.bin" "$out/initramfs/kvm_payload.bin"
bash "$src/tests/images/initramfs.sh" "$out/initramfs" "$out/initramfs.cpio.gz"

# measure NAME CMD...: the fewest CPU seconds between the loop marks over
# $repeat runs in $secs, the loop's checksum in $sum.
measure() {
    name=$1
    shift
    secs=
    i=0
    while [ "$i" -lt "$repeat" ]; do
        t=$(python3 "$here/hext-marks.py" "$limit" "payload: loop start" "payload: loop end" "$@" \
            2>"$out/$name.out") || {
            echo "$name: no loop marks; end of its console:" >&2
            tr -d '\r' <"$out/$name.out" | tail -20 | cut -c1-200 >&2
            exit 1
        }
        secs=$(python3 -c 'import sys; print(min(float(x) for x in sys.argv[1:] if x))' "$t" $secs)
        i=$((i + 1))
    done
    sum=$(tr -d '\r' <"$out/$name.out" | sed -n 's/.*payload: loop end, checksum \(0x[0-9a-f]*\).*/\1/p' | head -1)
}

measure bare "$emu" -m 256M -kernel "$out/kvm_payload.bin" -nographic
bare_secs=$secs bare_sum=$sum
measure vs "$emu" -cpu rv64,h=on -m 256M -bios none -kernel "$out/hyp_sbi.elf" -nographic
vs_secs=$secs vs_sum=$sum
measure l2 "$emu" -cpu rv64,h=on -smp 1 -m 512M -kernel "$kernel" -initrd "$out/initramfs.cpio.gz" \
    -append "console=ttyS0" -nographic
l2_secs=$secs l2_sum=$sum

if [ "$bare_sum" != "$vs_sum" ] || [ "$bare_sum" != "$l2_sum" ]; then
    echo "checksums differ: bare $bare_sum, vs $vs_sum, l2 $l2_sum" >&2
    exit 1
fi

python3 - "$iters" "$bare_secs" "$vs_secs" "$l2_secs" <<'PY'
import sys
iters = int(sys.argv[1])
insns = 20 * iters
rows = [("bare (S-mode under OpenSBI)", float(sys.argv[2])),
        ("VS guest of firmware/riscv/hyp", float(sys.argv[3])),
        ("L2 guest of Linux KVM", float(sys.argv[4]))]
bare_mips = insns / rows[0][1] / 1e6
print(f"loop: {iters} iterations, {insns} instructions")
print(f"{'':34}{'cpu s':>10}{'MIPS':>10}{'vs bare':>10}")
for name, secs in rows:
    mips = insns / secs / 1e6
    print(f"{name:34}{secs:10.3f}{mips:10.1f}{mips / bare_mips:10.2f}")
PY
