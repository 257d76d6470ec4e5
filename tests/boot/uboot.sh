#!/bin/sh
# boot.uboot: OpenSBI (fw_jump) + U-Boot (qemu-riscv64_smode), emu's
# defaults when neither -bios nor -kernel is given, driven by a scripted
# console: stop autoboot, run `version`, then `poweroff`.
#
#   uboot.sh EMU WORKDIR
#
# Passes iff, in each of two runs, the console shows OpenSBI's banner,
# U-Boot's "=>" prompt and the answer to `version`, and emu exits 0
# (the poweroff reached the sifive_test device); and the two runs give
# byte-identical console output and --stats.
#
# Expected text (Debian bookworm: opensbi 1.1, u-boot-qemu 2023.01):
#   OpenSBI v1.1
#   Hit any key to stop autoboot:  2     (bootdelay=2; any key stops it,
#                                         and that key is consumed)
#   => version
#   U-Boot 2023.01+dfsg-...
#   => poweroff
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 EMU WORKDIR" >&2
    exit 2
fi
emu=$1 work=$2
wall=${UBOOT_WALL_TIMEOUT:-280}
fw=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
uboot=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin

if [ ! -f "$fw" ] || [ ! -f "$uboot" ]; then
    echo "OpenSBI or U-Boot missing; installing Debian's opensbi and u-boot-qemu"
    if [ "$(id -u)" -ne 0 ]; then
        echo "FAILED: not root, cannot apt-get install opensbi u-boot-qemu" >&2
        exit 1
    fi
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y opensbi u-boot-qemu; then
        echo "FAILED: apt-get install -y opensbi u-boot-qemu did not succeed" >&2
        exit 1
    fi
fi
if [ ! -x "$emu" ]; then
    echo "FAILED: no emu binary at $emu" >&2
    exit 1
fi

mkdir -p "$work" || exit 1
# First newline stops autoboot, the second gives a fresh prompt; scripted
# stdin is read by the guest UART at virtual times, so nothing is lost.
printf '\n\nversion\npoweroff\n' >"$work/keys"

fail() {
    echo "---- console of run $1 ($work/out$1) ----"
    tr -d '\r' <"$work/out$1"
    echo "---- FAILED: $2 ----"
    exit 1
}

run() {
    rm -f "$work/s$1.json"
    timeout "$wall" "$emu" -nographic --stats "$work/s$1.json" \
        <"$work/keys" >"$work/out$1" 2>"$work/err$1"
    rc=$?
    cat "$work/err$1" >>"$work/out$1"
    tr -d '\r' <"$work/out$1" >"$work/clean$1"
    [ "$rc" -eq 124 ] && fail "$1" "timed out after ${wall}s"
    grep -q '^OpenSBI v' "$work/clean$1" || fail "$1" "no OpenSBI banner"
    grep -q '^=> ' "$work/clean$1" || fail "$1" "no U-Boot prompt"
    # The banner also says "U-Boot 20..": require the line after `version`.
    sed -n '/^=> version$/,$p' "$work/clean$1" | grep -q '^U-Boot 20[0-9][0-9]\.' ||
        fail "$1" "no answer to 'version'"
    grep -q '^=> poweroff' "$work/clean$1" || fail "$1" "poweroff not typed"
    [ "$rc" -eq 0 ] || fail "$1" "emu exit status $rc, want 0 (poweroff)"
    [ -s "$work/s$1.json" ] || fail "$1" "no --stats output"
}

run 1
run 2
if ! cmp -s "$work/out1" "$work/out2"; then
    echo "---- FAILED: console output differs between two runs ----"
    diff "$work/clean1" "$work/clean2" | head -40
    exit 1
fi
if ! cmp -s "$work/s1.json" "$work/s2.json"; then
    echo "---- FAILED: stats differ between two runs ----"
    diff "$work/s1.json" "$work/s2.json" | head -40
    exit 1
fi
echo "boot.uboot: OpenSBI + U-Boot reached the prompt, ran version, powered off; two runs identical"
exit 0
