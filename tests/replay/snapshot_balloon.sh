#!/usr/bin/env bash
# replay.snapshot_balloon: Linux 6.1 with a virtio-balloon that gives
# memory back (tests/guest/check_balloon.c, emu.balloon=cycle: 256 MiB
# touched, freed, reported, touched again), snapshot after the host has
# dropped the reported pages, restore, and the rest of the run is the
# uninterrupted one: console output, state hashes, and every statistic
# (but for host-side translation counters), the balloon's resident RAM,
# its peak and timeline and the bytes it released included.
#  - report: free page reporting, and target-schedule=15:384/18:512
#    inflating the balloon by 128 MiB and deflating it again; the
#    snapshot falls between the two, with the deflate still to come.
#    The same run recorded and replayed gives the same hashes.
#  - poison: reporting with page_poison=1 init_on_free=1, so reported
#    pages keep poison_val in place instead of being dropped; the kernel
#    checks that poison when it hands them out again after the restore.
#   snapshot_balloon.sh EMU WORKDIR
set -euo pipefail
emu=$1 work=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/replay/lib.sh"
linux_guest

poll=guest-stats-polling-interval=1

balloon() {  # name "extra append" device emu options...
    local name=$1 append=$2 device=$3
    shift 3
    run "$name" -smp 1 -m 512M -kernel "$kernel" -initrd "$work/initramfs.cpio.gz" \
        -append "console=ttyS0 emu.test=balloon emu.balloon=cycle $append" -device "$device" \
        -nographic --hash-interval 500000000 --state-hash "$work/$name.hash" --stats "$work/$name.json" "$@" </dev/null
    want_rc "$name" 0
    grep -q "^emu-check balloon: PASS" "$work/$name.out" || fail "$name: the guest's balloon check did not pass"
    ! grep -qiE "pagealloc: memory corruption|BUG:|Bad page|WARNING:" "$work/$name.out" ||
        fail "$name: the kernel log reports a problem"
}

# What the snapshot holds: the balloon's counters and RAM's data and held
# pages, read with tests/replay/snaptool.py (the format as documented).
snap_field() {  # snapshot field
    python3 "$top/tests/replay/snaptool.py" fields "$1" virtio-balloon | sed -n "s/^$2 //p"
}

# tag at "extra append" device: the run, with a snapshot taken at cycle
# $at and (for report) recorded; the run restored from the snapshot; the
# two compared from the restore point on.
restore_case() {
    local tag=$1 at=$2 append=$3 device=$4 record=()
    [ "$tag" = report ] && record=(--record "$work/$tag.log")
    balloon "$tag.full" "$append" "$device" --snapshot-at "$at:$work/$tag.snap" "${record[@]}"
    balloon "$tag.restored" "$append" "$device" --restore "$work/$tag.snap"
    local from n
    from=$(first_cycle "$work/$tag.restored.hash")
    tail -n +2 "$work/$tag.restored.hash" >"$work/$tag.restored.after"
    cmp -s <(hashes_from "$work/$tag.full.hash" "$(first_cycle "$work/$tag.restored.after")") \
        "$work/$tag.restored.after" || fail "$tag: state hashes after restoring at cycle $from differ"
    cmp -s <(guest_stats "$work/$tag.full.json") <(guest_stats "$work/$tag.restored.json") || {
        diff <(guest_stats "$work/$tag.full.json") <(guest_stats "$work/$tag.restored.json") | head -20
        fail "$tag: statistics after the restore differ"
    }
    n=$(stat -c %s "$work/$tag.restored.out")
    cmp -s <(tail -c "$n" "$work/$tag.full.out") "$work/$tag.restored.out" ||
        fail "$tag: console output after the restore differs"
    # The guest's freed block is 65536 pages: reported before the
    # snapshot, not after it.
    local before after
    before=$(snap_field "$work/$tag.snap" pages_reported)
    after=$(($(sed -n 's/.*"pages_reported": \([0-9]*\).*/\1/p' "$work/$tag.full.json") - before))
    [ "$before" -ge 65536 ] && [ "$after" -lt 65536 ] ||
        fail "$tag: the freed 256 MiB were not reported before cycle $from ($before pages before, $after after)"
    echo "$tag: restored at cycle $from of $(final_cycle "$work/$tag.full.hash"), $before pages reported" \
        "before, $after after: $(grep -c '^[0-9f]' "$work/$tag.restored.after") state hashes, stats," \
        "$n bytes of output as uninterrupted"
}

# Resident guest RAM from the run's timeline: the host got the freed block
# back before cycle $2.
given_back_before() {  # json cycle
    python3 - "$1" "$2" <<'PY'
import json, sys
stats, at = json.load(open(sys.argv[1])), int(sys.argv[2])
b = next(d["stats"] for d in stats["devices"] if d["name"] == "virtio-balloon")
line = [p["bytes"] for p in b["ram_resident_timeline"] if p["ns"] <= at]   # 1 GHz: ns are cycles
print(f"{(max(line) - line[-1]) >> 20} MiB of resident RAM went back to the host before cycle {at}")
sys.exit(max(line) - line[-1] < 200 << 20)
PY
}

# Reports settle about 13 s in (the guest frees at 10 s, Linux reports
# 2 s later); the balloon holds 128 MiB from 15 s to 18 s.
report_dev="virtio-balloon,free-page-reporting=on,$poll,target-schedule=15:384/18:512"
restore_case report 16500000000 "" "$report_dev"
given_back_before "$work/report.full.json" "$(first_cycle "$work/report.restored.hash")" ||
    fail "report: the host had not got the freed memory back when the snapshot was taken"
[ "$(snap_field "$work/report.snap" pages_inflated)" -eq 32768 ] &&
    [ "$(snap_field "$work/report.snap" pages_deflated)" -eq 0 ] &&
    grep -q '"pages_deflated": 32768' "$work/report.restored.json" ||
    fail "report: the snapshot is not between inflating and deflating the balloon"
# The dropped pages are in the snapshot as no data; some zero pages as held.
read -r _ data _ held < <(python3 "$top/tests/replay/snaptool.py" ram "$work/report.snap")
[ "$data" -lt 32768 ] && [ "$held" -gt 0 ] ||
    fail "report: the snapshot holds $data pages of data and $held held zero pages"
echo "report: the snapshot holds $data pages of data and $held held zero pages; the 128 MiB balloon deflated after the restore"
# The replay has no --snapshot-at: the same hashes also say the snapshot
# left the run alone.
balloon report.rep "" "$report_dev" --replay "$work/report.log"
cmp -s "$work/report.full.hash" "$work/report.rep.hash" && cmp -s "$work/report.full.json" "$work/report.rep.json" &&
    cmp -s "$work/report.full.out" "$work/report.rep.out" || fail "report: the replay differs from the recording"
echo "report: recorded ($(stat -c %s "$work/report.log") bytes of log) and replayed with the same hashes and stats"

restore_case poison 16000000000 "page_poison=1 init_on_free=1" "virtio-balloon,free-page-reporting=on,$poll"
[ "$(snap_field "$work/poison.snap" poison_val)" -eq 2863311530 ] || fail "poison: PAGE_POISON was not negotiated"
read -r _ data _ held < <(python3 "$top/tests/replay/snaptool.py" ram "$work/poison.snap")
[ "$data" -ge 65536 ] || fail "poison: the reported pages are not in the snapshot with their poison"
echo "PASS virtio-balloon: snapshots and replays stay exact across reported, inflated and poisoned pages"
