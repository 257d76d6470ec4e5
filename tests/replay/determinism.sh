#!/usr/bin/env bash
# replay.determinism: the same run twice gives the same state hashes at
# every interval, for bare-metal tests on 1 and 4 harts and for OpenSBI +
# U-Boot with scripted input; and the hashes see the state (they change
# over a run, and a different RTC date changes them).
#   determinism.sh EMU WORKDIR FIRMWARE_DIR
set -u
emu=$1 work=$2 fw=$3
. "$(dirname "$0")/lib.sh"
rm -rf "$work" && mkdir -p "$work" || exit 1

twice() {  # name, emu options...
    local name=$1
    shift
    run "$name.1" "$@" --state-hash "$work/$name.1.hash" --stats "$work/$name.1.json" </dev/null
    run "$name.2" "$@" --state-hash "$work/$name.2.hash" --stats "$work/$name.2.json" </dev/null
    want_rc "$name.1" 0
    want_rc "$name.2" 0
    cmp -s "$work/$name.1.hash" "$work/$name.2.hash" || {
        diff "$work/$name.1.hash" "$work/$name.2.hash" | head -20
        fail "$name: state hashes differ between two runs"
    }
    local n distinct
    n=$(grep -c '^[0-9]' "$work/$name.1.hash")
    distinct=$(grep '^[0-9]' "$work/$name.1.hash" | cut -d' ' -f2 | sort -u | wc -l)
    [ "$n" -ge 3 ] && [ "$distinct" -eq "$n" ] || fail "$name: $n interval hashes, $distinct distinct"
    echo "$name: $n interval hashes, identical over two runs"
}

for t in test_timer test_smp; do
    [ -f "$fw/$t.elf" ] || skip "no $fw/$t.elf (firmware not built)"
done
twice timer -M riscv-virt -m 256M -bios none -kernel "$fw/test_timer.elf" -nographic --hash-interval 100000
twice smp4 -M riscv-virt -m 256M -smp 4 -bios none -kernel "$fw/test_smp.elf" -nographic --hash-interval 2000

need_uboot
uboot_keys >"$work/keys"
twice_uboot() {  # name, emu options...
    local name=$1
    shift
    run "$name" -nographic --hash-interval 10000000 --state-hash "$work/$name.hash" "$@" <"$work/keys"
    want_rc "$name" 0
}
twice_uboot uboot.1
twice_uboot uboot.2
cmp -s "$work/uboot.1.hash" "$work/uboot.2.hash" || fail "uboot: state hashes differ between two runs"
twice_uboot uboot.rtc -rtc base=2030-01-01
[ "$(tail -n +2 "$work/uboot.1.hash" | head -1)" != "$(tail -n +2 "$work/uboot.rtc.hash" | head -1)" ] ||
    fail "uboot: another RTC date gave the same state hash"
grep -q '^  rtc ' "$work/uboot.1.hash" || fail "uboot: no rtc section in the final hash"
echo "uboot: $(grep -c '^[0-9]' "$work/uboot.1.hash") interval hashes, identical over two runs; another RTC date changes them"
echo "PASS same run, same state hashes"
