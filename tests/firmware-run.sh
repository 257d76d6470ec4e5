#!/bin/sh
# Run one bare-metal test in emu and judge it.
#
#   firmware-run.sh [--twice] EMU TEST.elf SMP MAX_INSNS
#
# Pass iff emu exits 0, the output has at least one "PASS " line and no
# "FAIL " line. With --twice the test runs two times with --stats and both
# the console output and the stats must be byte-identical.
# EMU may be "qemu" to run the same test under qemu-system-riscv64 (used to
# validate the tests themselves; --twice is not meaningful there).
set -u

twice=0
if [ "${1:-}" = "--twice" ]; then
    twice=1
    shift
fi
if [ $# -ne 4 ]; then
    echo "usage: $0 [--twice] EMU TEST.elf SMP MAX_INSNS" >&2
    exit 2
fi
emu=$1 elf=$2 smp=$3 max=$4
wall=${FW_WALL_TIMEOUT:-240}

if [ ! -f "$elf" ]; then
    echo "missing test image: $elf" >&2
    exit 2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/fwrun.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT INT TERM

# run N: console output to $work/outN, stats to $work/statsN, status in $rc
run() {
    if [ "$emu" = qemu ]; then
        # -icount: QEMU's clocks otherwise follow the host's, so a timer
        # deadline a test sets can pass before the test waits for it when
        # the host is loaded; counted instructions make the reference run
        # independent of the load on the machine.
        timeout "$wall" qemu-system-riscv64 -M virt -m 256M -smp "$smp" \
            -icount shift=0,sleep=off -bios none -kernel "$elf" -nographic -monitor none \
            </dev/null >"$work/out$1" 2>&1
    else
        timeout "$wall" "$emu" -M riscv-virt -m 256M -smp "$smp" \
            -bios none -kernel "$elf" -nographic --max-insns "$max" \
            --stats "$work/stats$1" </dev/null >"$work/out$1" 2>&1
    fi
    rc=$?
}

judge() {
    tr -d '\r' <"$work/out$1" >"$work/clean$1"
    reason=
    if [ "$rc" -ne 0 ]; then
        reason="exit status $rc"
        [ "$rc" -eq 124 ] && reason="timed out after ${wall}s"
    elif grep -q '^FAIL ' "$work/clean$1"; then
        reason="a check failed"
    elif ! grep -q '^PASS ' "$work/clean$1"; then
        reason="no PASS line"
    fi
    if [ -n "$reason" ]; then
        echo "---- output of $(basename "$elf") (run $1, first 300 lines) ----"
        cut -c1-300 "$work/clean$1" | head -300
        echo "---- FAILED: $reason ----"
        exit 1
    fi
}

run 1
judge 1
if [ "$twice" -eq 1 ]; then
    run 2
    judge 2
    if ! cmp -s "$work/out1" "$work/out2"; then
        echo "---- FAILED: console output differs between two runs ----"
        diff "$work/out1" "$work/out2" | head -40
        exit 1
    fi
    if ! cmp -s "$work/stats1" "$work/stats2"; then
        echo "---- FAILED: stats differ between two runs ----"
        diff "$work/stats1" "$work/stats2" | head -40
        exit 1
    fi
    echo "identical output and stats over two runs"
fi
grep -c '^PASS ' "$work/clean1" | sed 's/^/checks passed: /'
exit 0
