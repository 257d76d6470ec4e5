#!/usr/bin/env bash
# virtio-balloon with a Linux 6.1 guest (-m 512M, one hart; the kernel of
# tests/images/riscv64-kernel.sh and the initramfs built as linux.sh builds
# it), judged from emu's --stats: resident guest RAM sampled every virtual
# second (guest-stats-polling-interval=1) and the balloon's counters.
#  - report-on: the guest touches 256 MiB, frees it and waits
#    (tests/guest/check_balloon.c); at least 80 % of what the allocation
#    added to resident RAM must go back to the host before the guest
#    touches memory again, and every page the guest reads is right.
#  - report-off: the same guest, reporting off: resident RAM does not drop.
#  - poison: reporting on, the guest booted with page_poison=1
#    init_on_free=1: the driver negotiates PAGE_POISON with poison_val
#    0xaaaaaaaa, pages are reported, and the kernel finds no corrupted
#    poison when it hands them out again.
#  - inflate: target-schedule=8:256/16:512 inflates the balloon to leave
#    the guest 256 MiB and deflates it back: MemTotal drops by 256 MiB and
#    returns (the guest checks it), the 65536 pages go out and come back,
#    and resident RAM falls as the balloon takes the guest's free memory.
# Each run is made twice and must give identical console output and stats.
#   balloon.sh EMU WORKDIR
set -euo pipefail
emu=$1
work=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work/initramfs/proc" "$work/initramfs/sys" "$work/initramfs/dev"

kernel=$(bash "$top/tests/images/riscv64-kernel.sh")
riscv64-linux-gnu-gcc -static -O2 -Wall -Werror -I"$top/tests/guest" -o "$work/initramfs/init" "$top"/tests/guest/*.c
bash "$top/tests/images/initramfs.sh" "$work/initramfs" "$work/initramfs.cpio.gz"

fail() {  # name message
    echo "---- FAILED: $2 ($1) ----"
    tail -40 "$work/$1.out"
    exit 1
}

# boot NAME "EXTRA APPEND" DEVICE: runs it twice, compares the two runs.
boot() {
    local name=$1 append=$2 device=$3 run status
    for run in "$name" "$name-again"; do
        status=0
        timeout 900 "$emu" -smp 1 -m 512M -kernel "$kernel" -initrd "$work/initramfs.cpio.gz" \
            -append "console=ttyS0 emu.test=balloon $append" -device "$device" \
            -nographic --stats "$work/$run.json" </dev/null >"$work/$run.out" 2>&1 || status=$?
        [ "$status" -eq 0 ] || fail "$run" "emu exited with status $status"
        grep -q "^emu-check balloon: PASS" "$work/$run.out" || fail "$run" "guest check balloon did not pass"
        ! grep -qiE "pagealloc: memory corruption|BUG:|Bad page|WARNING:" "$work/$run.out" ||
            fail "$run" "the kernel log reports a problem"
    done
    cmp -s "$work/$name.out" "$work/$name-again.out" || fail "$name-again" "console output differs between runs"
    cmp -s "$work/$name.json" "$work/$name-again.json" || fail "$name-again" "statistics differ between runs"
}

# judge NAME KIND: host-side checks of one run's console and --stats.
judge() {
    python3 - "$work/$1.out" "$work/$1.json" "$2" <<'EOF' || fail "$1" "host-side check failed"
import json, re, sys
out, stats, kind = open(sys.argv[1]).read(), json.load(open(sys.argv[2])), sys.argv[3]
b = next(d["stats"] for d in stats["devices"] if d["name"] == "virtio-balloon")
MiB = 1 << 20
at = {m.group(1): int(m.group(2)) for m in re.finditer(r"^emu-balloon: (\w+) at (\d+)$", out, re.M)}
line = [(p["ns"], p["bytes"]) for p in b["ram_resident_timeline"]]

def sample(before_ns):  # the last resident figure measured before a guest time
    pts = [v for t, v in line if t <= before_ns]
    if not pts:
        sys.exit(f"no resident sample before {before_ns} ns")
    return pts[-1]

def need(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        sys.exit(1)

if kind in ("on", "off", "poison"):
    before, peak, after = sample(at["touch"]), b["ram_resident_peak_bytes"], sample(at["settled"])
    print(f"resident guest RAM: before {before / MiB:.1f} MiB, peak {peak / MiB:.1f} MiB, "
          f"after {after / MiB:.1f} MiB; reported {b['pages_reported']} pages, "
          f"released {b['bytes_released'] / MiB:.1f} MiB")
    if kind == "on":
        need(peak - before >= 200 * MiB, "the 256 MiB allocation shows in resident RAM")
        need(peak - after >= 0.8 * (peak - before), "at least 80 % of it went back to the host")
        need("page_reporting" in b["features"], "the driver negotiated page reporting")
    elif kind == "off":
        need(peak - before >= 200 * MiB, "the 256 MiB allocation shows in resident RAM")
        need(after >= peak - 4 * MiB, "without reporting, resident RAM does not drop")
        need(b["pages_reported"] == 0 and b["bytes_released"] == 0, "nothing was reported")
    else:
        need({"page_poison", "page_reporting"} <= set(b["features"]), "PAGE_POISON and reporting negotiated")
        need(b["poison_val"] == 0xaaaaaaaa, "poison_val is 0xaaaaaaaa")
        need(b["pages_reported"] >= (256 * MiB) // 4096, "the freed 256 MiB were reported")
else:
    before, inflated = sample(at["before"]), sample(at["inflated"])
    print(f"resident guest RAM: {before / MiB:.1f} MiB before inflating, {inflated / MiB:.1f} MiB inflated; "
          f"{b['pages_inflated']} pages inflated, {b['pages_deflated']} deflated")
    need(b["pages_inflated"] == 65536 and b["pages_deflated"] == 65536, "256 MiB went into the balloon and came back")
    need(b["target_bytes"] == 512 * MiB and b["balloon_bytes"] == 0, "the balloon ends empty at the full target")
    need(inflated <= before - 128 * MiB, "resident RAM falls as the balloon takes free memory")
EOF
}

poll=guest-stats-polling-interval=1
boot report-on "emu.balloon=cycle" "virtio-balloon,free-page-reporting=on,$poll"
judge report-on on
boot report-off "emu.balloon=cycle" "virtio-balloon,free-page-reporting=off,$poll"
judge report-off off
boot poison "emu.balloon=cycle page_poison=1 init_on_free=1" "virtio-balloon,free-page-reporting=on,$poll"
judge poison poison
boot inflate "emu.balloon=inflate" "virtio-balloon,target-schedule=8:256/16:512,$poll"
judge inflate inflate
grep -h "emu-check balloon" "$work/report-on.out" "$work/inflate.out"
echo "PASS virtio-balloon: reporting returns freed memory (and only with reporting on), page poison survives, inflate/deflate moves MemTotal; runs repeat exactly"
