#!/usr/bin/env bash
# replay.record: --record then --replay gives the same console output,
# statistics and state hashes:
#  - OpenSBI + U-Boot with scripted input (the replay's own stdin holds
#    other keys, which it must ignore: its input is the log);
#  - the same typed interactively through a pseudo-terminal, where input
#    arrives at host-timed moments; two such sessions record different
#    input times and each replays to its own result;
#  - a 4-hart bare-metal test.
#   record_replay.sh EMU WORKDIR FIRMWARE_DIR
set -u
emu=$1 work=$2 fw=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
rm -rf "$work" && mkdir -p "$work" || exit 1
need_uboot

# record NAME and replay it as NAME.re; outputs, stats and hashes must match.
check_replay() {  # name
    local name=$1
    want_rc "$name.re" 0
    cmp -s "$work/$name.json" "$work/$name.re.json" || {
        diff "$work/$name.json" "$work/$name.re.json" | head
        fail "$name: statistics of the replay differ"
    }
    cmp -s "$work/$name.hash" "$work/$name.re.hash" || {
        diff "$work/$name.hash" "$work/$name.re.hash" | head
        fail "$name: state hashes of the replay differ"
    }
    [ "$(grep -c '^[0-9]' "$work/$name.hash")" -ge 2 ] || fail "$name: no interval hashes"
}

opts=(-nographic --hash-interval 10000000)

uboot_keys >"$work/keys"
run scripted "${opts[@]}" --record "$work/scripted.log" --stats "$work/scripted.json" \
    --state-hash "$work/scripted.hash" <"$work/keys"
want_rc scripted 0
grep -q '^U-Boot 20[0-9][0-9]\.' <(tr -d '\r' <"$work/scripted.out") || fail "scripted: U-Boot did not answer 'version'"
printf 'help\nreset\n' >"$work/other-keys"
run scripted.re "${opts[@]}" --replay "$work/scripted.log" --stats "$work/scripted.re.json" \
    --state-hash "$work/scripted.re.hash" <"$work/other-keys"
check_replay scripted
cmp -s "$work/scripted.out" "$work/scripted.re.out" || fail "scripted: console output of the replay differs"
echo "scripted: replay of $(stat -c %s "$work/scripted.log") bytes of log reproduced output, stats and $(grep -c '^[0-9]' "$work/scripted.hash") state hashes"

cat >"$work/session" <<'KEYS'
expect Hit any key to stop autoboot
send \r
expect =>
sleep 0.3
send version\r
expect =>
sleep 0.2
send poweroff\r
KEYS
for n in 1 2; do
    name=pty$n
    rc=0
    timeout "$wall" python3 "$here/pty_session.py" "$work/$name.out" "$work/session" -- "$emu" "${opts[@]}" \
        --record "$work/$name.log" --stats "$work/$name.json" --state-hash "$work/$name.hash" || rc=$?
    [ "$rc" -eq 0 ] || { tail -20 "$work/$name.out"; fail "$name: the terminal session ended with status $rc"; }
    run "$name.re" "${opts[@]}" --replay "$work/$name.log" --stats "$work/$name.re.json" \
        --state-hash "$work/$name.re.hash" </dev/null
    check_replay "$name"
    # The terminal turns "\n" into "\r\n" on the way out and also shows
    # emu's own messages (stderr); the replay writes the console to a file.
    cmp -s <(tr -d '\r' <"$work/$name.out" | grep -v '^emu: ') <(tr -d '\r' <"$work/$name.re.out") ||
        fail "$name: console output of the replay differs from the terminal session"
    grep -q '^U-Boot 20[0-9][0-9]\.' <(tr -d '\r' <"$work/$name.re.out") || fail "$name: no answer to 'version'"
    echo "$name: interactive session replayed: output, stats and $(grep -c '^[0-9]' "$work/$name.hash") state hashes"
done
# A session the user ends with Ctrl-A X: its replay stops at the same cycle.
cat >"$work/quit-session" <<'KEYS'
expect Hit any key to stop autoboot
send \r
expect =>
sleep 0.5
send \x01x
KEYS
rc=0
timeout "$wall" python3 "$here/pty_session.py" "$work/quit.out" "$work/quit-session" -- "$emu" "${opts[@]}" \
    --record "$work/quit.log" --stats "$work/quit.json" --state-hash "$work/quit.hash" || rc=$?
[ "$rc" -eq 0 ] || fail "quit: the terminal session ended with status $rc"
grep -q '"stop_reason": "user"' "$work/quit.json" || fail "quit: Ctrl-A X did not stop the recorded run"
run quit.re "${opts[@]}" --replay "$work/quit.log" --stats "$work/quit.re.json" --state-hash "$work/quit.re.hash" </dev/null
check_replay quit
echo "quit: a session ended by Ctrl-A X at cycle $(final_cycle "$work/quit.hash") replays to a stop at the same cycle"

if cmp -s "$work/pty1.hash" "$work/pty2.hash"; then
    echo "note: both terminal sessions typed at the same virtual times"
else
    echo "the two terminal sessions differ (host-timed keys), and each replays to its own recording"
fi

if [ -f "$fw/test_smp.elf" ]; then
    smp=(-M riscv-virt -m 256M -smp 4 -bios none -kernel "$fw/test_smp.elf" -nographic --hash-interval 2000)
    run smp "${smp[@]}" --record "$work/smp.log" --stats "$work/smp.json" --state-hash "$work/smp.hash" </dev/null
    want_rc smp 0
    run smp.re "${smp[@]}" --replay "$work/smp.log" --stats "$work/smp.re.json" --state-hash "$work/smp.re.hash" </dev/null
    check_replay smp
    cmp -s "$work/smp.out" "$work/smp.re.out" || fail "smp: console output of the replay differs"
    echo "smp: 4 harts recorded and replayed"
else
    echo "note: no $fw/test_smp.elf, the 4-hart case was not run"
fi
echo "PASS record then replay: identical output, statistics and state hashes"
