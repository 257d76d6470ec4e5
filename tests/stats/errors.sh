#!/usr/bin/env bash
# One-line errors: bad --stats-interval values (exit 2), and stats-plot
# given a file without a series or run without gnuplot in PATH.
#   errors.sh EMU WORKDIR STATS_PLOT
set -u
emu=$1 work=$2 plot=$3
. "$(dirname "$0")/lib.sh"
mkdir -p "$work"
rm -f "$work"/*

one_line_error() {  # name pattern
    want_rc "$1" 2
    [ "$(wc -l <"$work/$1.err")" -eq 1 ] || { cat "$work/$1.err"; fail "$1: not one line on stderr"; }
    grep -q "$2" "$work/$1.err" || { cat "$work/$1.err"; fail "$1: no '$2' in the message"; }
    echo "$1: $(cat "$work/$1.err")"
}

run zero --stats "$work/s.json" --stats-interval 0
one_line_error zero "^emu: --stats-interval '0'"
run junk --stats "$work/s.json" --stats-interval 10M
one_line_error junk "^emu: --stats-interval '10M'"
run negative --stats "$work/s.json" --stats-interval=-5
one_line_error negative "^emu: --stats-interval '-5'"
run missing --stats "$work/s.json" --stats-interval
one_line_error missing "needs an argument"
run alone --stats-interval 1000
one_line_error alone "needs --stats"
[ ! -e "$work/s.json" ] || fail "a refused command line wrote a stats file"

# A file without a series, and a missing gnuplot. The interpreter itself,
# not a wrapper that needs PATH, runs the tool with an empty PATH.
py=$(python3 -c 'import sys; print(sys.executable)')
printf '{\n  "format_version": 1,\n  "machine": {},\n  "cpus": []\n}\n' >"$work/plain.json"
rc=0
"$plot" "$work/plain.json" "$work/p.png" 2>"$work/plot_plain.err" || rc=$?
echo "$rc" >"$work/plot_plain.rc"
one_line_error plot_plain "^stats-plot: .*has no time series"
rc=0
PATH=/nonexistent "$py" "$plot" "$work/plain.json" "$work/p.png" 2>"$work/plot_nognuplot.err" || rc=$?
echo "$rc" >"$work/plot_nognuplot.rc"
one_line_error plot_nognuplot "has no time series"
# The series check comes first; with a series, the missing gnuplot is named.
printf '{"machine": {}, "series": {"columns": ["vclock"], "start": {"totals": [0]}, "totals": [[1]]}}\n' \
    >"$work/series.json"
rc=0
PATH=/nonexistent "$py" "$plot" "$work/series.json" "$work/p.png" 2>"$work/plot_nognuplot2.err" || rc=$?
echo "$rc" >"$work/plot_nognuplot2.rc"
one_line_error plot_nognuplot2 "^stats-plot: gnuplot not found"
[ ! -e "$work/p.png" ] || fail "stats-plot wrote a PNG after an error"
echo "PASS stats.errors"
