#!/usr/bin/env bash
# The live progress line: shown on a terminal stderr (and erased at the
# end) while the console writes elsewhere, never with --no-progress or
# when the console shares the terminal, and never changing the run: the
# --stats file is the same with and without it.
#   progress.sh EMU WORKDIR FIRMWARE_DIR
set -u
emu=$1 work=$2 fw=$3
. "$(dirname "$0")/lib.sh"
need_fw "$fw" test_chase
mkdir -p "$work"
rm -f "$work"/*
pty="python3 $here/on_pty.py"
args=(-M riscv-virt -m 256M -bios none -kernel "$fw/test_chase.elf" -nographic --max-insns 300000000
      --timing u74)

run plain "${args[@]}" --stats "$work/plain.json"
want_rc plain 0

# stderr on a terminal, the console to a file.
secs=$($pty stderr "$work/tty.txt" "$work/tty.out" -- "$emu" "${args[@]}" --stats "$work/tty.json") ||
    fail "emu with stderr on a terminal exited with status $?"
cmp "$work/plain.json" "$work/tty.json" || fail "the progress line changed the --stats file"
grep -q '^PASS ' "$work/tty.out" || fail "the console output did not go to stdout"
python3 - "$work/tty.txt" "$secs" <<'PY' || exit 1
import re, sys
text = open(sys.argv[1], "rb").read().decode()
secs = float(sys.argv[2])
lines = [l for l in text.split("\r") if l.strip()]
shown = [l for l in lines if re.fullmatch(r"emu: \d+\.\d{3} s virtual, [\d.]+ ?[kMGTPE]? instructions, \d+\.\d MIPS *", l)]
if len(shown) != len(lines):
    sys.exit(f"---- FAILED: unexpected terminal output {lines!r} ----")
if not shown and secs >= 1.5:
    sys.exit(f"---- FAILED: no progress line in a {secs} s run ----")
if shown and not re.search(r"\r +\r$", text):
    sys.exit("---- FAILED: the progress line was not erased at the end ----")
print(f"{len(shown)} progress lines in {secs} s, erased at the end; last: {shown[-1].strip() if shown else '-'}")
PY

# --no-progress: nothing on the terminal.
$pty stderr "$work/quiet.txt" "$work/quiet.out" -- "$emu" "${args[@]}" --no-progress >/dev/null ||
    fail "emu --no-progress exited with status $?"
[ ! -s "$work/quiet.txt" ] || fail "--no-progress wrote to the terminal: $(cat -v "$work/quiet.txt")"

# The console on the same terminal: no progress line among its output.
$pty both "$work/both.txt" -- "$emu" "${args[@]}" >/dev/null || fail "emu on a terminal exited with status $?"
grep -q 'PASS ' "$work/both.txt" || fail "no console output on the terminal"
! grep -q 'MIPS' "$work/both.txt" || fail "a progress line ran into the console output"
echo "PASS stats.progress"
