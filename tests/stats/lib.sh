# Shared by the tests/stats scripts (bash).
#   . lib.sh; run NAME [emu options]; want_rc NAME STATUS
# Tests print what they compared and exit 0; 1 on a failure, 77 to skip.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
check="python3 $here/check_series.py"
wall=${STATS_WALL_TIMEOUT:-300}

fail() {
    echo "---- FAILED: $* ----"
    exit 1
}

skip() {
    echo "SKIPPED: $*"
    exit 77
}

need_fw() {  # firmware dir, test names...
    local dir=$1
    shift
    for t in "$@"; do
        [ -f "$dir/$t.elf" ] || skip "no $dir/$t.elf (needs gcc-riscv64-linux-gnu)"
    done
}

# run NAME [emu options]: stdout to NAME.out, stderr to NAME.err, status in NAME.rc.
run() {
    local name=$1 rc=0
    shift
    timeout "$wall" "$emu" "$@" </dev/null >"$work/$name.out" 2>"$work/$name.err" || rc=$?
    echo "$rc" >"$work/$name.rc"
    [ "$rc" -ne 124 ] || fail "$name timed out after ${wall}s"
    return 0
}

want_rc() {  # name status
    local rc
    rc=$(cat "$work/$1.rc")
    [ "$rc" -eq "$2" ] || { cat "$work/$1.err"; fail "$1: exit status $rc, not $2"; }
}

# A bare-metal test under --timing u74 with the statistics in NAME.json.
run_fw() {  # name elf [emu options]
    local name=$1 elf=$2
    shift 2
    run "$name" -M riscv-virt -m 256M -bios none -kernel "$elf" -nographic --max-insns 300000000 \
        --stats "$work/$name.json" "$@"
    want_rc "$name" 0
    grep -q '^PASS ' "$work/$name.out" || fail "$name: the firmware did not pass"
}
