#!/usr/bin/env bash
# Boots Linux 6.1 (built from Debian's linux-source-6.1, cached) through
# Debian's OpenSBI with the project's initramfs init, on 1 and 4 harts.
# Passes when the init banner shows the right hart count, the guest's
# poweroff ends emu with status 0, and the 4-hart boot run twice gives
# identical console output and statistics.
#   linux.sh EMU WORKDIR
set -euo pipefail
emu=$1
work=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work/initramfs/proc" "$work/initramfs/sys" "$work/initramfs/dev"

kernel=$(bash "$top/tests/images/riscv64-kernel.sh")
riscv64-linux-gnu-gcc -static -O2 -Wall -Werror -o "$work/initramfs/init" "$top/tests/guest/init.c"
(cd "$work/initramfs" && find . | LC_ALL=C sort | cpio -o -H newc --reproducible --quiet | gzip -n -9) > "$work/initramfs.cpio.gz"

boot() {  # harts, name
    local status=0
    timeout 600 "$emu" -smp "$1" -m 512M -kernel "$kernel" -initrd "$work/initramfs.cpio.gz" \
        -append "console=ttyS0" -nographic --stats "$work/$2.json" </dev/null >"$work/$2.out" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        echo "---- FAILED: emu exited with status $status ($2) ----"
        tail -40 "$work/$2.out"
        exit 1
    fi
    if ! grep -q "emu-init: Linux 6\.1\.[0-9]*, $1 harts online" "$work/$2.out"; then
        echo "---- FAILED: no init banner with $1 harts ($2) ----"
        tail -40 "$work/$2.out"
        exit 1
    fi
}

boot 1 smp1
boot 4 smp4
boot 4 smp4-again
cmp "$work/smp4.out" "$work/smp4-again.out" || { echo "---- FAILED: console output differs between runs ----"; exit 1; }
cmp "$work/smp4.json" "$work/smp4-again.json" || { echo "---- FAILED: statistics differ between runs ----"; exit 1; }
grep "emu-init" "$work/smp1.out" "$work/smp4.out"
echo "PASS linux boots to user space on 1 and 4 harts, deterministically"
