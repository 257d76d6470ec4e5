#!/usr/bin/env bash
# --stats-interval: the series of the pointer-chase firmware under the u74
# model adds up to the counters of the file; the file outside the series
# is the file without the option, byte for byte; tools/stats-plot draws
# it as a PNG. Also a run restored from a snapshot, a multi-vCPU run, and
# a hart with the H extension, whose cycles split into M, HS, U, VS and VU.
#   series.sh EMU WORKDIR FIRMWARE_DIR STATS_PLOT
set -u
emu=$1 work=$2 fw=$3 plot=$4
. "$(dirname "$0")/lib.sh"
need_fw "$fw" test_chase test_smp
mkdir -p "$work"
rm -f "$work"/*

samples() {
    python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['series']['samples'])" "$1"
}

run_fw plain "$fw/test_chase.elf" --timing u74
run_fw chase "$fw/test_chase.elf" --timing u74 --stats-interval 10000000
$check same "$work/plain.json" "$work/chase.json" || exit 1
$check sums "$work/chase.json" || exit 1
# The u74 model: caches, TLBs, a predictor; 10M cycles of a 0.7 G-cycle run;
# the modes of a hart with the H extension (the default).
for c in l1i_mpki l1d_mpki l2_mpki dtlb_mpki branch_mpki cycles_m cycles_hs cycles_u cycles_vs cycles_vu; do
    grep -q "\"$c\"" "$work/chase.json" || fail "chase.json: no column $c"
done
n=$(samples "$work/chase.json")
[ "$n" -ge 50 ] && [ "$n" -le 100 ] || fail "chase.json: $n samples of 10M cycles"

# Restored from a snapshot taken at a sample boundary, the run goes on as
# the uninterrupted one did: its series starts with the snapshot's counts
# and its samples are the uninterrupted run's, number for number.
run snap -M riscv-virt -m 256M -bios none -kernel "$fw/test_chase.elf" -nographic --max-insns 300000000 \
    --timing u74 --snapshot-at 100000000:"$work/chase.snap"
want_rc snap 0
run_fw restored "$fw/test_chase.elf" --timing u74 --restore "$work/chase.snap" --stats-interval 10000000
$check sums "$work/restored.json" || exit 1
$check tail "$work/chase.json" "$work/restored.json" || exit 1

# Four harts for about 30 us: an interval shorter than the quantum gives
# a sample at the end of every round.
run_fw smp "$fw/test_smp.elf" -smp 4 --stats-interval 5000
$check sums "$work/smp.json" || exit 1
n=$(samples "$work/smp.json")
[ "$n" -ge 3 ] || fail "smp.json: $n samples"

if [ -f "$fw/test_hyp.elf" ]; then
    run_fw hyp "$fw/test_hyp.elf" -cpu rv64,h=on --stats-interval 500000
    for c in cycles_m cycles_hs cycles_u cycles_vs cycles_vu; do
        grep -q "\"$c\"" "$work/hyp.json" || fail "hyp.json: no $c column"
    done
    $check sums "$work/hyp.json" || exit 1
fi

command -v gnuplot >/dev/null || skip "gnuplot is not installed (Debian: gnuplot-nox); the series checks passed"
"$plot" "$work/chase.json" "$work/chase.png" || fail "stats-plot chase.json"
$check png "$work/chase.png" 1000 900 || exit 1
"$plot" "$work/smp.json" "$work/smp.png" || fail "stats-plot smp.json"
$check png "$work/smp.png" 1000 900 || exit 1
echo "PASS stats.series"
