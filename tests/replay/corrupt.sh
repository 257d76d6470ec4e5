#!/usr/bin/env bash
# replay.corrupt: a log that is damaged, cut short, not a log, or made on
# another configuration or with other inputs is refused before the run,
# with a message saying which, and exit status 2. A replay whose state
# departs from the recording stops at the first differing state hash with
# status 1, naming the sections that differ and the last cycle that matched.
#   corrupt.sh EMU WORKDIR
set -u
emu=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
rm -rf "$work" && mkdir -p "$work" || exit 1
need_uboot
uboot_keys >"$work/keys"

run good -nographic --hash-interval 10000000 --record "$work/good.log" <"$work/keys"
want_rc good 0
log=$work/good.log
size=$(stat -c %s "$log")

refuse() {  # name message-part (an extended regular expression) emu options...
    local name=$1 msg=$2
    shift 2
    run "$name" -nographic "$@" </dev/null
    want_rc "$name" 2
    grep -Eq -- "$msg" "$work/$name.err" || { cat "$work/$name.err"; fail "$name: no '$msg' in the message"; }
    echo "$name: refused: $(cat "$work/$name.err")"
}

for at in 20 $((size / 2)) $((size - 30)); do
    cp "$log" "$work/flip$at.log"
    printf '\x5a' | dd of="$work/flip$at.log" bs=1 seek="$at" conv=notrunc 2>/dev/null
    # A damaged last block can read as a stream cut short.
    refuse "flip$at" "$work/flip$at.log: input log (corrupt|truncated or damaged)" --replay "$work/flip$at.log"
done
head -c $((size - 25)) "$log" >"$work/cut.log"
refuse cut "input log truncated" --replay "$work/cut.log"
head -c 10 "$log" >"$work/stub.log"
refuse stub "truncated input log" --replay "$work/stub.log"
refuse foreign "is not an emu input log" --replay "$work/keys"
refuse missing "cannot open input log" --replay "$work/no-such.log"
refuse other-smp "recorded on another machine or with other inputs: cpus=1 there, cpus=2 here" -smp 2 \
    --replay "$log"
refuse other-seed "seed=0 there, seed=5 here" --seed 5 --replay "$log"
cp "$uboot" "$work/u-boot.bin"
printf 'x' | dd of="$work/u-boot.bin" bs=1 seek=100000 conv=notrunc 2>/dev/null
refuse other-kernel "kernel.contents=" -kernel "$work/u-boot.bin" --replay "$log"
run both -nographic --record "$work/x.log" --replay "$log" </dev/null
want_rc both 2

# Divergence: the same log with one state hash changed, as if the machine
# had gone another way between two intervals.
python3 "$here/logtool.py" tamper "$log" "$work/tampered.log" 3 uart0 || fail "logtool could not rewrite the log"
run tampered -nographic --replay "$work/tampered.log" </dev/null
want_rc tampered 1
grep -q "diverged: at cycle 30[0-9]* the state differs in uart0; it last matched at cycle 20[0-9]*" \
    "$work/tampered.err" || { cat "$work/tampered.err"; fail "tampered: the divergence report does not name uart0 and the last match"; }
echo "tampered: $(cat "$work/tampered.err")"
python3 "$here/logtool.py" tamper "$log" "$work/tampered0.log" 0 cpu0 || fail "logtool could not rewrite the log"
refuse tampered0 "does not start in the recorded state: cpu0 differ" --replay "$work/tampered0.log"
echo "PASS bad logs are refused with status 2, a diverging replay stops with status 1 naming what differs"
