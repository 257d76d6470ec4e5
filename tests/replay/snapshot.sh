#!/usr/bin/env bash
# replay.snapshot: --snapshot-at then --restore continues the run exactly:
# from the restore point on, every state hash, the statistics (but for
# the counts of host-side work) and the console output are those of the
# uninterrupted run; taking the snapshot does not change that run either.
# Bare-metal tests (timer interrupts, 4 harts, the H extension with a
# guest) at three points each; OpenSBI + U-Boot before, during and after
# its scripted input, also under the u74 timing model. A damaged, truncated or foreign snapshot, or one from
# another configuration, is refused with status 2.
#   snapshot.sh EMU WORKDIR FIRMWARE_DIR
set -u
emu=$1 work=$2 fw=$3
. "$(dirname "$0")/lib.sh"
rm -rf "$work" && mkdir -p "$work" || exit 1
need_uboot
uboot_keys >"$work/keys"
: >"$work/none"
can_snapshot -nographic --max-insns 100000 ||
    skip "this emu cannot save its CPU yet: $(grep -o 'cannot be saved yet.*' "$work/probe.err" | head -1)"

# case NAME AT INPUT_ALL INPUT_REST INTERVAL emu options...: the whole run
# (input INPUT_ALL), the same with --snapshot-at AT, and the restored run
# with the input left after the snapshot (INPUT_REST).
snap_case() {
    local name=$1 at=$2 all=$3 rest=$4 interval=$5
    shift 5
    local o=("$@" --hash-interval "$interval")
    [ -f "$work/$name.full.hash" ] ||
        run "$name.full" "${o[@]}" --state-hash "$work/$name.full.hash" --stats "$work/$name.full.json" <"$all"
    run "$name.$at" "${o[@]}" --state-hash "$work/$name.$at.hash" --stats "$work/$name.$at.json" \
        --snapshot-at "$at:$work/$name.$at.snap" <"$all"
    [ "$(rc_of "$name.$at")" -eq "$(rc_of "$name.full")" ] || fail "$name: status changed by --snapshot-at"
    cmp -s "$work/$name.full.hash" "$work/$name.$at.hash" && cmp -s "$work/$name.full.json" "$work/$name.$at.json" ||
        fail "$name: taking a snapshot at $at changed the run"
    [ -s "$work/$name.$at.snap" ] || fail "$name: no snapshot at $at ($(cat "$work/$name.$at.err"))"
    run "$name.$at.re" "${o[@]}" --state-hash "$work/$name.$at.re.hash" --stats "$work/$name.$at.re.json" \
        --restore "$work/$name.$at.snap" <"$rest"
    [ "$(rc_of "$name.$at.re")" -eq "$(rc_of "$name.full")" ] ||
        { cat "$work/$name.$at.re.err"; fail "$name: the restored run exited $(rc_of "$name.$at.re")"; }
    local from next
    from=$(first_cycle "$work/$name.$at.re.hash")
    [ "$from" -ge "$at" ] || fail "$name: restored at cycle $from, before $at"
    grep -q "snapshot of cycle $from saved" "$work/$name.$at.err" || fail "$name: restored at $from, not where saved"
    # The first line is the restore point itself, between two intervals.
    tail -n +2 "$work/$name.$at.re.hash" >"$work/$name.$at.re.after"
    next=$(first_cycle "$work/$name.$at.re.after")
    [ "$next" = final ] && next=$(final_cycle "$work/$name.$at.re.after") && next="final $next"
    cmp -s <(hashes_from "$work/$name.full.hash" "$next") "$work/$name.$at.re.after" || {
        diff <(hashes_from "$work/$name.full.hash" "$next") "$work/$name.$at.re.after" | head
        fail "$name: state hashes after restoring at $from differ from the uninterrupted run"
    }
    cmp -s <(guest_stats "$work/$name.full.json") <(guest_stats "$work/$name.$at.re.json") || {
        diff "$work/$name.full.json" "$work/$name.$at.re.json" | head
        fail "$name: statistics after restoring at $from differ"
    }
    local n
    n=$(stat -c %s "$work/$name.$at.re.out")
    cmp -s <(tail -c "$n" "$work/$name.full.out") "$work/$name.$at.re.out" ||
        fail "$name: console output after restoring at $from is not the rest of the uninterrupted run's"
    echo "$name: restored at cycle $from of $(final_cycle "$work/$name.full.hash"): $(grep -c '^[0-9f]' \
        "$work/$name.$at.re.after") state hashes, stats and $n bytes of output as uninterrupted"
}

fw_case() {  # name elf interval emu options...
    local name=$1 elf=$2 interval=$3
    shift 3
    if [ ! -f "$fw/$elf" ]; then
        echo "note: no $fw/$elf, case $name not run"
        return
    fi
    local o=(-M riscv-virt -m 256M -bios none -kernel "$fw/$elf" -nographic "$@")
    run "$name.full" "${o[@]}" --hash-interval "$interval" --state-hash "$work/$name.full.hash" \
        --stats "$work/$name.full.json" </dev/null
    want_rc "$name.full" 0
    local end
    end=$(final_cycle "$work/$name.full.hash")
    # The last point is a quantum (10000 cycles) before the end: a snapshot
    # is taken between rounds, and the last round ends with the run.
    for at in $((end / 5)) $((end / 2)) $((end - 10000)); do
        snap_case "$name" "$at" "$work/none" "$work/none" "$interval" "${o[@]}"
    done
}

fw_case timer test_timer.elf 20000
fw_case smp4 test_smp.elf 1000 -smp 4
fw_case hyp test_hyp.elf 20000 -cpu rv64,h=on

# U-Boot: before any key was read (the restored run gets all of them),
# after the first (U-Boot reads it at about 1.6M cycles, the next at its
# prompt at about 14M), and after the last one and the end of input.
tail -c +2 "$work/keys" >"$work/keys-but-first"
snap_case uboot 1500000 "$work/keys" "$work/keys" 10000000 -nographic
snap_case uboot 8000000 "$work/keys" "$work/keys-but-first" 10000000 -nographic
snap_case uboot 60000000 "$work/keys" "$work/none" 10000000 -nographic
# Under a detailed timing model its caches, TLBs and predictor decide the
# cycles from the restore point on.
snap_case uboot-u74 8000000 "$work/keys" "$work/keys-but-first" 10000000 -nographic --timing u74

# A recording that begins from a snapshot replays from the same snapshot.
run from-snap -nographic --restore "$work/uboot.8000000.snap" --record "$work/from-snap.log" \
    --state-hash "$work/from-snap.hash" <"$work/keys-but-first"
want_rc from-snap 0
run from-snap.re -nographic --restore "$work/uboot.8000000.snap" --replay "$work/from-snap.log" \
    --state-hash "$work/from-snap.re.hash" </dev/null
want_rc from-snap.re 0
cmp -s "$work/from-snap.hash" "$work/from-snap.re.hash" && cmp -s "$work/from-snap.out" "$work/from-snap.re.out" ||
    fail "from-snap: a recording made after a restore does not replay after the same restore"
run from-snap.bare -nographic --replay "$work/from-snap.log" </dev/null
want_rc from-snap.bare 2
grep -q "give its --restore" "$work/from-snap.bare.err" || fail "from-snap.bare: $(cat "$work/from-snap.bare.err")"
echo "from-snap: recorded after a restore, replayed after the same restore; refused without it"

# Damaged and foreign snapshots.
good=$work/uboot.1500000.snap
refuse() {  # name message-part emu options...
    local name=$1 msg=$2
    shift 2
    run "$name" -nographic "$@" <"$work/keys"
    want_rc "$name" 2
    grep -q "$msg" "$work/$name.err" || { cat "$work/$name.err"; fail "$name: no '$msg' in the message"; }
    echo "$name: refused: $(cat "$work/$name.err")"
}
size=$(stat -c %s "$good")
cp "$good" "$work/flipped.snap"
printf '\x5a' | dd of="$work/flipped.snap" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
refuse flipped "corrupt" --restore "$work/flipped.snap"
head -c $((size - 100)) "$good" >"$work/cut.snap"
refuse cut "truncated" --restore "$work/cut.snap"
refuse foreign "is not an emu snapshot" --restore "$work/keys"
refuse other-ram "taken on another machine: ram_size=268435456 there, ram_size=536870912 here" -m 512M --restore "$good"
echo "PASS restore-then-run equals the uninterrupted run; bad snapshots are refused"
