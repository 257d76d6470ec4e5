#!/usr/bin/env bash
# replay.engines: the JIT and the IR interpreter are two back ends of one
# machine, so a run must not tell them apart. Every bare-metal test of
# firmware/, OpenSBI + U-Boot with scripted input, and Linux on 1 and 4
# harts with its virtio devices (and on 2 under the u74 timing model) run
# under --engine interp and --engine jit;
# the console output, the --stats file and the state hashes at every
# interval must be byte-identical, and so must the disk the guest wrote.
#   engines.sh EMU WORKDIR FIRMWARE_DIR
set -u
emu=$1 work=$2 fw=$3
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"
rm -rf "$work" && mkdir -p "$work" || exit 1

run jitprobe -nographic -bios none --engine jit --max-insns 1 </dev/null
grep -q "expected jit or interp" "$work/jitprobe.err" && fail "--engine jit is not accepted"

# both NAME STDIN [emu options]: the two engines, everything compared.
both() {
    local name=$1 input=$2 e
    shift 2
    for e in interp jit; do
        run "$name.$e" "$@" --engine "$e" --state-hash "$work/$name.$e.hash" --stats "$work/$name.$e.json" <"$input"
    done
    [ "$(rc_of "$name.interp")" = "$(rc_of "$name.jit")" ] ||
        fail "$name: exit status $(rc_of "$name.interp") interpreted, $(rc_of "$name.jit") compiled"
    for f in out hash json; do
        local a="$work/$name.interp.$f" b="$work/$name.jit.$f"
        cmp -s "$a" "$b" || { diff "$a" "$b" | head -20; fail "$name: the engines' $f files differ"; }
    done
    local n
    n=$(grep -c '^[0-9]' "$work/$name.jit.hash")
    echo "$name: same output, stats and $n interval hashes under both engines"
}

ls "$fw"/test_*.elf >/dev/null 2>&1 || skip "no bare-metal tests in $fw (firmware not built)"
for elf in "$fw"/test_*.elf; do
    name=$(basename "$elf" .elf)
    smp=$(sed -n 's/.*TEST_SMP[ \t]*\([0-9]*\).*/\1/p' "$top/firmware/riscv/$name.c" 2>/dev/null | head -1)
    # A hash every 100k cycles: a few per short test; the long ones (a
    # pointer chase over MiBs, four harts) at a rate that keeps them quick.
    interval=100000
    case $name in test_chase|test_smp) interval=5000000;; esac
    both "$name" /dev/null -M riscv-virt -m 256M -smp "${smp:-1}" -bios none -kernel "$elf" -nographic \
        --max-insns 200000000 --hash-interval "$interval"
    grep -q '^PASS ' "$work/$name.jit.out" || fail "$name: no PASS line"
done

# Under a detailed model the compiled code calls the model where the
# interpreter's timed ops do: caches, TLBs, predictor and the counters
# that read them must come out the same.
for name in test_hpm test_chase test_branch; do
    [ -f "$fw/$name.elf" ] || continue
    interval=100000
    [ "$name" = test_chase ] && interval=5000000
    both "$name.u74" /dev/null --timing u74 -M riscv-virt -m 256M -bios none -kernel "$fw/$name.elf" -nographic \
        --max-insns 200000000 --hash-interval "$interval"
    grep -q '^PASS ' "$work/$name.u74.jit.out" || fail "$name.u74: no PASS line"
done

need_uboot
uboot_keys >"$work/keys"
both uboot "$work/keys" -nographic --hash-interval 10000000
grep -q "U-Boot" "$work/uboot.jit.out" || fail "uboot: no U-Boot banner"

linux_guest
perl -e 'for my $i (0 .. 8191) { my $s = "emu-disk $i/8192"; print $s, "." x (511 - length $s), "\n"; }' > "$work/disk.orig"
head -c 1048576 /dev/zero > "$work/ro.img"
rtc=2025-06-01T12:00:00
for harts in 1 4 u74; do
    model=()
    smp=$harts
    [ "$harts" = u74 ] && model=(--timing u74) smp=2
    for e in interp jit; do cp "$work/disk.orig" "$work/disk$harts.$e.img"; done
    for e in interp jit; do
        run "linux$harts.$e" "${model[@]}" -smp "$smp" -m 512M -kernel "$kernel" -initrd "$work/initramfs.cpio.gz" \
            -append "console=ttyS0 emu.test=blk,net,rng,console,rtc emu.rtc=$rtc" -rtc base=$rtc \
            -drive file="$work/disk$harts.$e.img",format=raw -drive file="$work/ro.img",format=raw,readonly=on -device virtio-net -device virtio-net \
            -device virtio-rng -device virtio-console -nographic --engine "$e" --hash-interval 20000000 \
            --state-hash "$work/linux$harts.$e.hash" --stats "$work/linux$harts.$e.json" </dev/null
        want_rc "linux$harts.$e" 0
    done
    grep -q "^emu-check blk: PASS" "$work/linux$harts.jit.out" || fail "linux$harts: the blk check did not pass"
    for f in out hash json; do
        cmp -s "$work/linux$harts.interp.$f" "$work/linux$harts.jit.$f" || {
            diff "$work/linux$harts.interp.$f" "$work/linux$harts.jit.$f" | head -20
            fail "linux$harts: the engines' $f files differ"
        }
    done
    cmp -s "$work/disk$harts.interp.img" "$work/disk$harts.jit.img" || fail "linux$harts: the engines wrote different disks"
    echo "linux$harts: same output, stats, $(grep -c '^[0-9]' "$work/linux$harts.jit.hash") interval hashes and disk under both engines"
done
echo "PASS the JIT and the interpreter give identical runs"
