#!/usr/bin/env bash
# replay.snapshot_linux: Linux 6.1 on 2 harts with virtio-blk (a disk it
# writes and a read-only one), two virtio-net cards on the hub, virtio-rng
# and virtio-console, and the guest's device checks (tests/guest):
# snapshot mid-boot, restore, and the rest of the run is the uninterrupted
# one: state hashes at every interval, statistics (but for host-side
# counters), console output and what the guest wrote to its disk; with the
# default model and with u74's caches, TLBs and predictor. Then the same
# boot recorded and replayed, and again with the disk's writes kept in a
# snapshot=on overlay that the snapshot and the replay carry.
#   snapshot_linux.sh EMU WORKDIR
set -euo pipefail
emu=$1 work=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/replay/lib.sh"
linux_guest
perl -e 'for my $i (0 .. 8191) { my $s = "emu-disk $i/8192"; print $s, "." x (511 - length $s), "\n"; }' > "$work/disk.orig"
head -c 1048576 /dev/zero > "$work/ro.img"
rtc=2025-06-01T12:00:00

linux() {  # name disk-image[,drive options] emu options...
    local name=$1 disk=$2
    shift 2
    run "$name" -smp 2 -m 512M -kernel "$kernel" -initrd "$work/initramfs.cpio.gz" \
        -append "console=ttyS0 emu.test=blk,net,rng,console,rtc emu.rtc=$rtc" -rtc base=$rtc \
        -drive file="$disk",format=raw -drive file="$work/ro.img",format=raw,readonly=on \
        -device virtio-net -device virtio-net -device virtio-rng -device virtio-console \
        -nographic --hash-interval 20000000 --state-hash "$work/$name.hash" --stats "$work/$name.json" "$@" </dev/null
    want_rc "$name" 0
}

restore_case() {  # tag at emu options...: full run, snapshot run, restored run; compare
    local tag=$1 at=$2
    shift 2
    cp "$work/disk.orig" "$work/$tag.full.img"
    linux "$tag.full" "$work/$tag.full.img" "$@"
    cp "$work/disk.orig" "$work/$tag.snap.img"
    linux "$tag.snap" "$work/$tag.snap.img" "$@" --snapshot-at "$at:$work/$tag.snap"
    cmp -s "$work/$tag.full.hash" "$work/$tag.snap.hash" || fail "$tag: taking the snapshot changed the run"
    cp "$work/disk.orig" "$work/$tag.restored.img"
    linux "$tag.restored" "$work/$tag.restored.img" "$@" --restore "$work/$tag.snap"
    local from n
    from=$(first_cycle "$work/$tag.restored.hash")
    tail -n +2 "$work/$tag.restored.hash" >"$work/$tag.restored.after"
    cmp -s <(hashes_from "$work/$tag.full.hash" "$(first_cycle "$work/$tag.restored.after")") \
        "$work/$tag.restored.after" || fail "$tag: state hashes after restoring at cycle $from differ"
    cmp -s <(guest_stats "$work/$tag.full.json") <(guest_stats "$work/$tag.restored.json") || {
        diff "$work/$tag.full.json" "$work/$tag.restored.json" | head
        fail "$tag: statistics after the restore differ"
    }
    n=$(stat -c %s "$work/$tag.restored.out")
    cmp -s <(tail -c "$n" "$work/$tag.full.out") "$work/$tag.restored.out" || fail "$tag: console output differs"
    cmp -s "$work/$tag.full.img" "$work/$tag.restored.img" || fail "$tag: the restored guest wrote another disk"
    echo "$tag: restored at cycle $from of $(final_cycle "$work/$tag.full.hash"): $(grep -c '^[0-9f]' \
        "$work/$tag.restored.after") state hashes, stats, $n bytes of output and the disk as uninterrupted"
}
# The u74 model: its caches and TLBs (tagged by address space) come back
# too. Its boot is slower in cycles: the guest writes its disk after 150M.
restore_case u74 150000000 --timing u74

cp "$work/disk.orig" "$work/full.img"
linux full "$work/full.img"
for c in blk net rng console rtc; do
    grep -q "^emu-check $c: PASS" "$work/full.out" || fail "full: guest check $c did not pass"
done
# The guest writes its disk at the end of its blk check, after 100M cycles.
cp "$work/disk.orig" "$work/snap.img"
linux snap "$work/snap.img" --snapshot-at 90000000:"$work/boot.snap"
cmp -s "$work/full.hash" "$work/snap.hash" || fail "taking the snapshot changed the run"
cp "$work/disk.orig" "$work/restored.img"
linux restored "$work/restored.img" --restore "$work/boot.snap"
from=$(first_cycle "$work/restored.hash")
tail -n +2 "$work/restored.hash" >"$work/restored.after"
cmp -s <(hashes_from "$work/full.hash" "$(first_cycle "$work/restored.after")") "$work/restored.after" ||
    fail "state hashes after restoring at cycle $from differ from the uninterrupted boot"
cmp -s <(guest_stats "$work/full.json") <(guest_stats "$work/restored.json") || {
    diff "$work/full.json" "$work/restored.json" | head
    fail "statistics after the restore differ"
}
n=$(stat -c %s "$work/restored.out")
cmp -s <(tail -c "$n" "$work/full.out") "$work/restored.out" || fail "console output after the restore differs"
cmp -s "$work/full.img" "$work/restored.img" || fail "the restored guest wrote another disk"
cmp -s "$work/disk.orig" "$work/full.img" && fail "the guest did not write its disk"
echo "linux: restored at cycle $from of $(final_cycle "$work/full.hash"): $(grep -c '^[0-9f]' "$work/restored.after") state hashes, stats, $n bytes of output and the disk as uninterrupted"

cp "$work/disk.orig" "$work/rec.img"
linux rec "$work/rec.img" --record "$work/boot.log"
cp "$work/disk.orig" "$work/rep.img"
linux rep "$work/rep.img" --replay "$work/boot.log"
cmp -s "$work/rec.hash" "$work/rep.hash" && cmp -s "$work/rec.json" "$work/rep.json" &&
    cmp -s "$work/rec.out" "$work/rep.out" || fail "the replayed boot differs from the recorded one"
echo "linux: boot recorded ($(stat -c %s "$work/boot.log") bytes of log) and replayed identically"
# A disk with snapshot=on: the guest's writes stay in emu's overlay, so
# the image never changes and is its own copy for the replay and the
# restore; the overlay travels in the snapshot and in the state hashes.
# At 140M the guest has written its disk (the blk check is done) and the
# other checks are still to come.
orig_sum=$(md5sum <"$work/disk.orig")
linux ovl.rec "$work/disk.orig,snapshot=on" --record "$work/ovl.log" --snapshot-at 140000000:"$work/ovl.snap"
grep -q "^emu-check blk: PASS" "$work/ovl.rec.out" || fail "ovl.rec: the blk check did not pass on the overlay"
linux ovl.restored "$work/disk.orig,snapshot=on" --restore "$work/ovl.snap"
grep -q "emu-check blk:" "$work/ovl.restored.out" &&
    fail "ovl: the snapshot at 140M came before the guest's disk check: move it later"
grep -q "^emu-check rtc: PASS" "$work/ovl.restored.out" ||
    fail "ovl: the checks after the snapshot did not pass after the restore"
tail -n +2 "$work/ovl.restored.hash" >"$work/ovl.restored.after"
cmp -s <(hashes_from "$work/ovl.rec.hash" "$(first_cycle "$work/ovl.restored.after")") "$work/ovl.restored.after" ||
    fail "ovl: state hashes after the restore differ: the overlay did not come back as it was"
linux ovl.rep "$work/disk.orig,snapshot=on" --replay "$work/ovl.log"
cmp -s "$work/ovl.rec.hash" "$work/ovl.rep.hash" && cmp -s "$work/ovl.rec.out" "$work/ovl.rep.out" ||
    fail "ovl: the replay on the same image differs from the recording"
[ "$(md5sum <"$work/disk.orig")" = "$orig_sum" ] || fail "ovl: a snapshot=on disk changed its image"
echo "ovl: snapshot=on disk written, restored after the writes and replayed, all on one unchanged image"
# Linux running KVM (the H extension) with an L2 guest, as tests/boot/kvm.sh:
# restored before KVM starts its guest, the guest still runs and the rest
# of the boot is the uninterrupted one.
mkdir -p "$work/kvm/proc" "$work/kvm/sys" "$work/kvm/dev"
cp "$work/initramfs/init" "$work/kvm/init"
riscv64-linux-gnu-gcc -static -nostdlib -nostartfiles -march=rv64gc -mabi=lp64d -Wl,-Ttext=0x80000000 \
    -Wl,--build-id=none -o "$work/kvm_payload.elf" "$top/tests/guest/kvm_payload.S"
riscv64-linux-gnu-objcopy -O binary -j .text "$work/kvm_payload.elf" "$work/kvm/kvm_payload.bin"
bash "$top/tests/images/initramfs.sh" "$work/kvm" "$work/kvm.cpio.gz"
kvm() {  # name emu options...
    local name=$1
    shift
    run "$name" -cpu rv64,h=on -smp 2 -m 512M -kernel "$kernel" -initrd "$work/kvm.cpio.gz" \
        -append "console=ttyS0 emu.test=kvm" -nographic --hash-interval 20000000 \
        --state-hash "$work/$name.hash" --stats "$work/$name.json" "$@" </dev/null
    want_rc "$name" 0
    grep -q "emu-check kvm: PASS" "$work/$name.out" || fail "$name: the kvm check did not pass"
}
kvm kvm.full
kvm kvm.snap --snapshot-at 70000000:"$work/kvm.snap"
kvm kvm.restored --restore "$work/kvm.snap"
grep -q "emu-kvm-l2: payload: hello" "$work/kvm.restored.out" ||
    fail "kvm: the snapshot at 70M came after the L2 guest started: move it earlier"
tail -n +2 "$work/kvm.restored.hash" >"$work/kvm.restored.after"
cmp -s <(hashes_from "$work/kvm.full.hash" "$(first_cycle "$work/kvm.restored.after")") "$work/kvm.restored.after" &&
    cmp -s <(guest_stats "$work/kvm.full.json") <(guest_stats "$work/kvm.restored.json") ||
    fail "kvm: the run restored at cycle $(first_cycle "$work/kvm.restored.hash") differs from the uninterrupted one"
echo "kvm: Linux with KVM restored at cycle $(first_cycle "$work/kvm.restored.hash"); its L2 guest ran and the rest matched"
echo "PASS Linux with virtio devices and with KVM: restore-then-run and replay equal the original run"
