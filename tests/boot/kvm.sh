#!/usr/bin/env bash
# Linux KVM inside emu: the H extension end to end. Boots the project's
# Linux 6.1 kernel (tests/images/riscv64-kernel.sh, CONFIG_KVM=y) through
# Debian's OpenSBI with -cpu rv64,h=on, 2 harts. Passes when
#  - the kernel reports the hypervisor extension available (its kvm lines),
#  - the init's "kvm" check passes: tests/guest/kvm_vmm.c, a static VMM on
#    /dev/kvm, runs tests/guest/kvm_payload.S as an L2 guest that prints
#    through SBI (KVM_EXIT_RISCV_SBI exits), takes a timer interrupt and
#    shuts down,
#  - the guest's poweroff ends emu with status 0;
# and a second run gives identical console output and statistics.
#   kvm.sh EMU WORKDIR
set -euo pipefail
emu=$1
work=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
cc=riscv64-linux-gnu-gcc
mkdir -p "$work/initramfs/proc" "$work/initramfs/sys" "$work/initramfs/dev"

kernel=$(bash "$top/tests/images/riscv64-kernel.sh")
"$cc" -static -O2 -Wall -Werror -I"$top/tests/guest" -o "$work/initramfs/init" "$top"/tests/guest/*.c
"$cc" -static -nostdlib -nostartfiles -march=rv64gc -mabi=lp64d -Wl,-Ttext=0x80000000 -Wl,--build-id=none \
    -o "$work/kvm_payload.elf" "$top/tests/guest/kvm_payload.S"
riscv64-linux-gnu-objcopy -O binary -j .text "$work/kvm_payload.elf" "$work/initramfs/kvm_payload.bin"
bash "$top/tests/images/initramfs.sh" "$work/initramfs" "$work/initramfs.cpio.gz"

fail() {  # name message
    echo "---- FAILED: $2 ($1) ----"
    tail -40 "$work/$1.out"
    exit 1
}

boot() {  # name
    local status=0
    timeout 900 "$emu" -cpu rv64,h=on -smp 2 -m 512M -kernel "$kernel" -initrd "$work/initramfs.cpio.gz" \
        -append "console=ttyS0 emu.test=kvm" -nographic --stats "$work/$1.json" \
        </dev/null >"$work/$1.out" 2>&1 || status=$?
    [ "$status" -eq 0 ] || fail "$1" "emu exited with status $status"
    grep -q "kvm \[[0-9]*\]: hypervisor extension available" "$work/$1.out" ||
        fail "$1" "the kernel did not find the hypervisor extension"
    grep -q "emu-check kvm: PASS" "$work/$1.out" || fail "$1" "the kvm check did not pass"
}

boot kvm
boot kvm-again
cmp "$work/kvm.out" "$work/kvm-again.out" || { echo "---- FAILED: console output differs between runs ----"; exit 1; }
cmp "$work/kvm.json" "$work/kvm-again.json" || { echo "---- FAILED: statistics differ between runs ----"; exit 1; }
grep -E "kvm \[|emu-kvm-l2|emu-check kvm" "$work/kvm.out"
echo "PASS Linux KVM runs an L2 guest inside emu (printing through SBI, timer interrupt), deterministically"
