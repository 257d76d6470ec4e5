#!/usr/bin/env bash
# The run-time monitor (docs/monitor.md) with a Linux 6.1 guest (-m 512M,
# one hart, -device virtio-balloon polling the guest's statistics every
# virtual second; the kernel of tests/images/riscv64-kernel.sh and the
# initramfs built as balloon.sh builds it, plus tests/boot/monitor_guest.c
# started as init, which waits for the host at every step).
#  - A bad -monitor is one line on stderr and exit status 2.
#  - A -monitor nobody connects to changes nothing: console output, --stats
#    and state hashes are those of the run without it.
#  - A session recorded with --record, driven by monitor_drive.py: the
#    guest's statistics in info balloon, bad input refused in one line,
#    stop holding virtual time, balloon 256 followed by actual and by the
#    guest's MemTotal, resident RAM going down in info ram, a snapshot
#    (or the clear refusal while a balloon cannot be saved), balloon 512,
#    quit ending emu with status 0.
#  - Its --replay, with no socket, applies the logged commands at their
#    cycles: the same console output and the same state hashes.
#  - When the snapshot was saved, a run restored from it continues with
#    the balloon inflated and finishes under a new monitor session.
#   monitor.sh EMU WORKDIR
set -euo pipefail
emu=$1
work=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work"
mkdir -p "$work/initramfs/proc" "$work/initramfs/sys" "$work/initramfs/dev"

kernel=$(bash "$top/tests/images/riscv64-kernel.sh")
riscv64-linux-gnu-gcc -static -O2 -Wall -Werror -I"$top/tests/guest" -o "$work/initramfs/init" "$top"/tests/guest/*.c
riscv64-linux-gnu-gcc -static -O2 -Wall -Werror -I"$top/tests/guest" -o "$work/initramfs/monitor-guest" \
    "$top/tests/boot/monitor_guest.c" "$top/tests/guest/guest_util.c"
bash "$top/tests/images/initramfs.sh" "$work/initramfs" "$work/initramfs.cpio.gz"

machine=(-smp 1 -m 512M -kernel "$kernel" -initrd "$work/initramfs.cpio.gz"
         -device virtio-balloon,guest-stats-polling-interval=1 -nographic)
guest="console=ttyS0 rdinit=/monitor-guest"
drive="$top/tests/boot/monitor_drive.py"

fail() {  # name message
    echo "---- FAILED: $2 ($1) ----"
    [ -f "$work/$1.out" ] && tail -30 "$work/$1.out"
    [ -f "$work/$1.err" ] && tail -5 "$work/$1.err"
    exit 1
}

# 1. Bad -monitor specs, refused before the machine is built.
touch "$work/plain-file"
for spec in tcp:localhost:4444 unix: "unix:$work/m.sock,wait=on" "unix:$work/no/such/dir/m.sock" \
            "unix:$work/plain-file"; do
    status=0
    "$emu" "${machine[@]}" -append "$guest" -monitor "$spec" </dev/null >"$work/bad.out" 2>&1 || status=$?
    [ "$status" -eq 2 ] || fail bad "-monitor $spec: exit status $status, not 2"
    [ "$(wc -l <"$work/bad.out")" -eq 1 ] && grep -q "^emu: -monitor" "$work/bad.out" ||
        fail bad "-monitor $spec: not one line naming -monitor"
done
echo "ok   bad -monitor specs: one line, exit status 2"

# 2. An idle monitor changes nothing (the standard init powers off at once).
for run in plain idle; do
    opt=()
    [ "$run" = idle ] && opt=(-monitor "unix:$work/idle.sock")
    timeout 300 "$emu" "${machine[@]}" -append "console=ttyS0" "${opt[@]}" --stats "$work/$run.json" \
        --state-hash "$work/$run.hash" </dev/null >"$work/$run.out" 2>"$work/$run.err" || fail "$run" "emu failed"
done
cmp -s "$work/plain.out" "$work/idle.out" || fail idle "console output differs with an idle -monitor"
cmp -s "$work/plain.json" "$work/idle.json" || fail idle "--stats differ with an idle -monitor"
cmp -s "$work/plain.hash" "$work/idle.hash" || fail idle "state hashes differ with an idle -monitor"
[ ! -e "$work/idle.sock" ] || fail idle "the socket is left behind"
echo "ok   an idle -monitor leaves console output, --stats and state hashes as they were"

# 3. The session, recorded.
status=0
timeout 600 "$emu" "${machine[@]}" -append "$guest" -monitor "unix:$work/mon.sock" \
    --record "$work/session.log" --hash-interval 1000000000 --state-hash "$work/session.hash" \
    </dev/null >"$work/session.out" 2>"$work/session.err" &
pid=$!
python3 "$drive" session "$work/mon.sock" "$work/session.out" "$work/session.json" "$work/mid.snap" ||
    { kill "$pid" 2>/dev/null; wait "$pid" || true; fail session "the monitor session failed"; }
wait "$pid" || status=$?
[ "$status" -eq 0 ] || fail session "emu exited with status $status after quit, not 0"
echo "ok   quit ends emu with status 0"

# 4. Its replay: no socket, the logged commands at their cycles.
status=0
timeout 600 "$emu" "${machine[@]}" -append "$guest" --replay "$work/session.log" \
    --state-hash "$work/replay.hash" </dev/null >"$work/replay.out" 2>"$work/replay.err" || status=$?
[ "$status" -eq 0 ] || fail replay "the replay exited with status $status"
grep -q "inflated" "$work/replay.out" || fail replay "the guest never saw the balloon inflate"
cmp -s "$work/session.out" "$work/replay.out" || fail replay "console output differs from the recording"
cmp -s "$work/session.hash" "$work/replay.hash" || fail replay "state hashes differ from the recording"
echo "ok   the replay, without a socket, gives the same console output and state hashes" \
     "($(grep -c '^[0-9]' "$work/replay.hash") hashes, final $(awk '/^final/ {print $3}' "$work/replay.hash"))"

# 5. A run restored from the monitor's snapshot, when one could be saved.
if [ -f "$work/mid.snap" ]; then
    status=0
    timeout 600 "$emu" "${machine[@]}" -append "$guest" --restore "$work/mid.snap" -monitor "unix:$work/mon2.sock" \
        </dev/null >"$work/restore.out" 2>"$work/restore.err" &
    pid=$!
    python3 "$drive" restore "$work/mon2.sock" "$work/restore.out" "$work/restore.json" \
        "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["memtotal_kb"])' "$work/session.json")" ||
        { kill "$pid" 2>/dev/null; wait "$pid" || true; fail restore "the restored session failed"; }
    wait "$pid" || status=$?
    [ "$status" -eq 0 ] || fail restore "the restored run exited with status $status"
    grep -q "inflated" "$work/restore.out" && fail restore "the restored run repeated what came before the snapshot"
    echo "ok   the snapshot restores: the balloon is still inflated and the guest finishes"
else
    echo "ok   (snapshots of a machine with a balloon are refused for now; restore not tried)"
fi
echo "PASS monitor: info status/balloon/ram, balloon, stop/cont, snapshot and quit over -monitor unix:; the replay repeats the session without a socket"
