# Shared by the tests/replay scripts (bash).
#   . lib.sh; need_uboot; run_uboot NAME [emu options] <input
# Tests print what they compared and exit 0; 1 on a failure, 77 to skip.

fw_jump=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
uboot=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
wall=${REPLAY_WALL_TIMEOUT:-300}

fail() {
    echo "---- FAILED: $* ----"
    exit 1
}

skip() {
    echo "SKIPPED: $*"
    exit 77
}

need_uboot() {
    [ -f "$fw_jump" ] && [ -f "$uboot" ] || skip "Debian's opensbi and u-boot-qemu are not installed"
}

# Keys for U-Boot: stop autoboot, a fresh prompt, `version`, `poweroff`.
uboot_keys() {
    printf '\n\nversion\npoweroff\n'
}

# run NAME [emu options]: stdout to NAME.out, stderr to NAME.err, status in NAME.rc.
run() {
    local name=$1 rc=0
    shift
    timeout "$wall" "$emu" "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
    echo "$rc" >"$work/$name.rc"
    [ "$rc" -ne 124 ] || fail "$name timed out after ${wall}s"
    return 0
}

rc_of() {
    cat "$work/$1.rc"
}

want_rc() {  # name status
    [ "$(rc_of "$1")" -eq "$2" ] || { cat "$work/$1.err"; fail "$1: emu exited with status $(rc_of "$1"), not $2"; }
}

# The statistics without the counters of host-side work (translated
# blocks, soft-TLB refills), which a restored run redoes from empty caches.
guest_stats() {
    grep -v '"tbs_translated"\|"gstage_walks"' "$1"
}

# The lines of a --state-hash file from the one for cycle $2 ("final N"
# for the last) on.
hashes_from() {  # file cycle
    sed -n "/^$2 /,\$p" "$1"
}

first_cycle() {  # state-hash file: the cycle of its first line
    head -1 "$1" | cut -d' ' -f1
}

final_cycle() {
    sed -n 's/^final \([0-9]*\) .*/\1/p' "$1"
}

# Whether this emu can save its CPUs (the ISA's cpu_ops.save is wired).
can_snapshot() {  # emu options of a short run
    run probe "$@" --snapshot-at 0:"$work/probe.snap" </dev/null
    ! grep -q "cannot be saved yet" "$work/probe.err"
}

# A fresh $work with the Linux guest of the tests: sets kernel (built once
# and cached) and writes $work/initramfs.cpio.gz, the tests/guest init.
# Skips when this emu cannot save its CPU. Needs top (the source tree).
linux_guest() {
    rm -rf "$work"
    mkdir -p "$work/initramfs/proc" "$work/initramfs/sys" "$work/initramfs/dev"
    can_snapshot -nographic --max-insns 100000 ||
        skip "this emu cannot save its CPU yet: $(grep -o 'cannot be saved yet.*' "$work/probe.err" | head -1)"
    kernel=$(bash "$top/tests/images/riscv64-kernel.sh")
    riscv64-linux-gnu-gcc -static -O2 -Wall -Werror -I"$top/tests/guest" -o "$work/initramfs/init" \
        "$top"/tests/guest/*.c
    bash "$top/tests/images/initramfs.sh" "$work/initramfs" "$work/initramfs.cpio.gz"
}
