#!/usr/bin/env bash
# replay.timing: a log is bound to the timing model it was recorded under.
#  - test_hpm (performance counters reading the model) recorded under u74
#    replays under u74 to the same output and statistics, counters
#    included;
#  - the same log is refused under --timing fast, and without --timing,
#    naming the model, with exit status 2;
#  - a log recorded with a model file replays with a copy of that file
#    elsewhere, and is refused once the file's contents change, even with
#    its name line unchanged.
#   timing.sh EMU WORKDIR FIRMWARE_DIR
set -u
emu=$1 work=$2 fw=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
rm -rf "$work" && mkdir -p "$work" || exit 1
elf=$fw/test_hpm.elf
[ -f "$elf" ] || skip "no $elf (firmware not built)"
opts=(-M riscv-virt -m 256M -bios none -kernel "$elf" -nographic --max-insns 300000000)

refuse() {  # name message-part (an extended regular expression) emu options...
    local name=$1 msg=$2
    shift 2
    run "$name" "${opts[@]}" "$@" </dev/null
    want_rc "$name" 2
    grep -Eq -- "$msg" "$work/$name.err" || { cat "$work/$name.err"; fail "$name: no '$msg' in the message"; }
    echo "$name: refused: $(cat "$work/$name.err")"
}

run u74 "${opts[@]}" --timing u74 --record "$work/u74.log" --stats "$work/u74.json" </dev/null
want_rc u74 0
grep -q '^hpm l1d 2x: ' "$work/u74.out" || fail "u74: test_hpm printed no L1D counts (is the model detailed?)"
run u74.re "${opts[@]}" --timing u74 --replay "$work/u74.log" --stats "$work/u74.re.json" </dev/null
want_rc u74.re 0
cmp -s "$work/u74.out" "$work/u74.re.out" || fail "u74: the replay's console output (counter values) differs"
cmp -s "$work/u74.json" "$work/u74.re.json" || fail "u74: the replay's statistics differ"
echo "u74: replayed under u74 with the same counters and statistics"

refuse u74-as-fast "recorded on another machine or with other inputs: timing=u74 there, timing=fast here" \
    --timing fast --replay "$work/u74.log"
refuse u74-as-default "timing=u74 there, timing=fast here" --replay "$work/u74.log"

# A model file: what it charges is an input, whatever its name line says.
cat >"$work/lab.model" <<'MODEL'
name lab-core
frequency 1GHz
latency default 1
cache l1i size 16K ways 4 line 64 hit 1 miss 1
cache l1d size 8K ways 2 line 64 hit 2 miss 1
dram latency 50
tlb itlb entries 16
tlb dtlb entries 16
walk latency 10
branch bimodal entries 1024 btb 16 penalty 5
MODEL
run lab "${opts[@]}" --timing "$work/lab.model" --record "$work/lab.log" </dev/null
want_rc lab 0
mkdir -p "$work/elsewhere"
cp "$work/lab.model" "$work/elsewhere/lab.model"
run lab.re "${opts[@]}" --timing "$work/elsewhere/lab.model" --replay "$work/lab.log" </dev/null
want_rc lab.re 0
cmp -s "$work/lab.out" "$work/lab.re.out" || fail "lab: the replay with a copy of the model file differs"
echo "lab: replayed with the same model file at another path"
sed -i 's/^dram latency 50$/dram latency 90/' "$work/elsewhere/lab.model"
refuse lab-changed "timing.contents=[0-9a-f]+ [0-9]+ bytes there, timing.contents=" \
    --timing "$work/elsewhere/lab.model" --replay "$work/lab.log"
echo "PASS a log replays only under the timing model it was recorded with"
