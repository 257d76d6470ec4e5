#!/usr/bin/env bash
# Boots Linux 6.1 (built from Debian's linux-source-6.1, cached) through
# Debian's OpenSBI with the project's initramfs init and the virtio
# devices a guest expects: two disks (one read-only), two NICs on emu's
# hub, an RNG, a console, the RTC. Passes when, on 1 and 4 harts,
#  - the init banner shows the right hart count,
#  - every guest check (blk, net, rng, console, rtc) prints PASS,
#  - the disk on the host holds what the guest wrote and lost what it discarded,
#  - the guest's poweroff ends emu with status 0;
# the 4-hart boot run twice gives identical console output and statistics;
# another --seed changes the RNG's bytes; -snapshot keeps the image as it
# was; under --timing u74 Linux perf
# counts the model's L1D misses (and under the default model none); and a
# kernel panic ends emu with status 3 after the panic text.
#   linux.sh EMU WORKDIR
set -euo pipefail
emu=$1
work=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
rtc=2025-06-01T12:00:00
sectors=8192
mkdir -p "$work/initramfs/proc" "$work/initramfs/sys" "$work/initramfs/dev"

kernel=$(bash "$top/tests/images/riscv64-kernel.sh")
riscv64-linux-gnu-gcc -static -O2 -Wall -Werror -I"$top/tests/guest" -o "$work/initramfs/init" "$top"/tests/guest/*.c
bash "$top/tests/images/initramfs.sh" "$work/initramfs" "$work/initramfs.cpio.gz"

# Sector i of n holds "TAG i/n" padded with dots to 511 bytes, then a
# newline (tests/guest/check_blk.c checks the same text).
pattern() {  # tag first last n
    perl -e 'my ($tag, $a, $b, $n) = @ARGV;
             for my $i ($a .. $b) { my $s = "$tag $i/$n"; print $s, "." x (511 - length $s), "\n"; }' "$@"
}
pattern emu-disk 0 $((sectors - 1)) $sectors > "$work/disk.orig"
head -c 1048576 /dev/zero > "$work/ro.img"
# Whether this filesystem can punch holes; if not, discard leaves data.
punch=yes
cp "$work/disk.orig" "$work/punch-probe"
fallocate -p -o 0 -l 4096 "$work/punch-probe" 2>/dev/null || punch=no
rm -f "$work/punch-probe"

fail() {  # name message
    echo "---- FAILED: $2 ($1) ----"
    tail -40 "$work/$1.out"
    exit 1
}

# boot NAME HARTS STATUS TESTS [emu options...]
boot() {
    local name=$1 harts=$2 want=$3 tests=$4 status=0
    shift 4
    cp "$work/disk.orig" "$work/$name.img"
    timeout 600 "$emu" -smp "$harts" -m 512M -kernel "$kernel" -initrd "$work/initramfs.cpio.gz" \
        -append "console=ttyS0 emu.test=$tests emu.rtc=$rtc" -rtc base=$rtc \
        -drive file="$work/$name.img",format=raw -drive file="$work/ro.img",format=raw,readonly=on \
        -device virtio-net -device virtio-net -device virtio-rng -device virtio-console \
        -nographic --stats "$work/$name.json" "$@" </dev/null >"$work/$name.out" 2>&1 || status=$?
    [ "$status" -eq "$want" ] || fail "$name" "emu exited with status $status, not $want"
    grep -q "emu-init: Linux 6\.1\.[0-9]*, $harts harts online" "$work/$name.out" ||
        fail "$name" "no init banner with $harts harts"
}

check_devices() {  # name
    local name=$1 c
    for c in blk net rng console rtc; do
        grep -q "^emu-check $c: PASS" "$work/$name.out" || fail "$name" "guest check $c did not pass"
    done
    grep -q "^emu-hvc0: hello through virtio-console" "$work/$name.out" ||
        fail "$name" "the line written to hvc0 did not reach emu's console"
    local n=$sectors
    pattern emu-guest $((n - 16)) $((n - 1)) $n | cmp -s - <(tail -c $((16 * 512)) "$work/$name.img") ||
        fail "$name" "the sectors the guest wrote are not in the image"
    if [ $punch = yes ]; then
        cmp -s <(head -c $((64 * 512)) /dev/zero) <(tail -c +$((n / 2 * 512 + 1)) "$work/$name.img" | head -c $((64 * 512))) ||
            fail "$name" "the discarded sectors still hold data"
    fi
    cmp -s "$work/ro.img" <(head -c 1048576 /dev/zero) || fail "$name" "the read-only disk was written"
}

all=blk,net,rng,console,rtc
boot smp1 1 0 $all
check_devices smp1
boot smp4 4 0 $all
check_devices smp4
boot smp4-again 4 0 $all
cmp "$work/smp4.out" "$work/smp4-again.out" || fail smp4-again "console output differs between runs"
cmp "$work/smp4.json" "$work/smp4-again.json" || fail smp4-again "statistics differ between runs"

boot seed7 1 0 rng --seed 7
grep -q "^emu-check rng: PASS" "$work/seed7.out" || fail seed7 "guest check rng did not pass"
[ "$(grep '^emu-check rng' "$work/seed7.out")" != "$(grep '^emu-check rng' "$work/smp1.out")" ] ||
    fail seed7 "--seed 7 gave the RNG bytes of the default seed"

# -snapshot: the guest's writes stay in emu's memory; its checks still see
# them, and the image on the host is left as it was.
boot snapshot 1 0 blk -snapshot
grep -q "^emu-check blk: PASS" "$work/snapshot.out" || fail snapshot "guest check blk did not pass"
cmp -s "$work/disk.orig" "$work/snapshot.img" || fail snapshot "-snapshot let the guest change the image"

# Modelled events through Linux perf (SBI PMU over emu's counters), under
# a model with caches; the default model has none and must count none.
boot perf-u74 1 0 perf --timing u74
grep -q "^emu-check perf: PASS" "$work/perf-u74.out" || fail perf-u74 "guest check perf did not pass"
boot perf-fast 1 0 perf
grep -q "^emu-check perf: FAIL L1-dcache-load-misses: 0 of" "$work/perf-fast.out" ||
    fail perf-fast "the fast model, which has no caches, counted L1D misses"

boot panic 1 3 panic
grep -q "Kernel panic - not syncing: Attempted to kill init" "$work/panic.out" || fail panic "no panic text"
grep -q "emu: the guest kernel panicked" "$work/panic.out" || fail panic "emu did not report the panic"

grep -h "emu-init\|emu-check\|emu-hvc0" "$work/smp1.out" "$work/smp4.out" "$work/perf-u74.out"
[ $punch = yes ] || echo "note: this filesystem cannot punch holes; discard was not checked on the host"
echo "PASS linux boots with virtio blk/net/rng/console and the RTC on 1 and 4 harts, deterministically; perf counts modelled L1D misses; a panic exits 3"
