#!/bin/sh
# Speed and figures of the timing models (not a test).
#
#   bench/timing.sh [BUILD_DIR]      (default /tmp/build-bench)
#
# 1. MIPS of the riscv-int workload (bench/riscv-int.c, bare metal) under
#    each built-in model, best of RUNS runs by host CPU time.
# 2. The pointer-chase curve (firmware/riscv/test_chase.c) under each
#    detailed model: cycles per load against working-set size, written to
#    BUILD_DIR/bench/chase-MODEL.dat and plotted to BUILD_DIR/bench/chase.svg
#    when gnuplot is installed.
# 3. The branch microbenchmark (firmware/riscv/test_branch.c): measured
#    against configured mispredict penalty.
# Runs go through bench/timing_run.c, built here against BUILD_DIR's
# libemucore.a, which selects the model through the API (exec_select_timing).
# Environment: ITERS (riscv-int iterations, default 10000000), RUNS
# (default 3), MODELS (default "fast inorder-small u74"), RISCV_CC.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${1:-/tmp/build-bench}
iters=${ITERS:-10000000}
runs=${RUNS:-3}
models=${MODELS:-fast inorder-small u74}
cc=${RISCV_CC:-riscv64-linux-gnu-gcc}
out=$build/bench
mkdir -p "$out"

if [ ! -f "$build/libemucore.a" ]; then
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" -j2 >/dev/null
fi
fdt_inc=$(pkg-config --cflags-only-I libfdt 2>/dev/null || true)
gcc -O2 -I"$src/emu" $fdt_inc -o "$out/timing_run" "$here/timing_run.c" "$build/libemucore.a" -lelf -lz -lfdt -lm

common=$src/firmware/riscv/common
fw() {  # fw NAME SOURCE [CFLAGS...]: a bare-metal ELF in $out
    name=$1 source=$2
    shift 2
    "$cc" -march=rv64gc_zba_zbb_zbc_zbs_zicsr_zifencei -mabi=lp64d -mcmodel=medany \
        -nostdlib -nostartfiles -ffreestanding -fno-builtin -static -O2 \
        -Wl,--no-warn-rwx-segments -Wl,--build-id=none "$@" -I"$common" -T "$common/link.ld" \
        -o "$out/$name.elf" "$common/start.S" "$common/lib.c" "$source"
}
fw riscv-int "$here/riscv-int.c" -DBENCH_ITERS="${iters}ul"
fw chase "$src/firmware/riscv/test_chase.c"
fw branch "$src/firmware/riscv/test_branch.c"

# run MODEL ELF: the guest console to $out/last.out, timing_run's line to stdout
run() {
    "$out/timing_run" "$1" "$2" 2>"$out/last.out" || {
        echo "$1 $(basename "$2") failed; end of its console:" >&2
        tail -c 1500 "$out/last.out" | tr -d '\r' >&2
        exit 1
    }
}

field() { echo "$1" | sed -n "s/.* $2 \([0-9.]*\).*/\1/p"; }

echo "riscv-int: $((iters * 20)) loop instructions, best of $runs runs, $(nproc) host CPUs"
printf '%-16s %14s %14s %8s %8s\n' model instructions cycles IPC MIPS
for m in $models; do
    best=0 line=
    for _ in $(seq "$runs"); do
        l=$(run "$m" "$out/riscv-int.elf")
        mips=$(field "$l" mips)
        if [ "$(echo "$mips > $best" | bc -l)" = 1 ]; then best=$mips line=$l; fi
    done
    insns=$(field "$line" instructions)
    cycles=$(field "$line" cycles)
    printf '%-16s %14s %14s %8.3f %8s\n' "$m" "$insns" "$cycles" "$(echo "$insns / $cycles" | bc -l)" "$best"
done

echo
echo "pointer chase: cycles per load by working set (firmware/riscv/test_chase.c)"
plots=
for m in $models; do
    [ "$m" = fast ] && continue
    run "$m" "$out/chase.elf" >/dev/null
    tr -d '\r' <"$out/last.out" | sed -n 's/^chase \([0-9]*\) \([0-9.]*\)$/\1 \2/p' >"$out/chase-$m.dat"
    printf '%-16s' "$m"
    awk '{ printf " %s", $2 } END { printf "\n" }' "$out/chase-$m.dat"
    plots="$plots${plots:+, }'$out/chase-$m.dat' using 1:2 with linespoints title '$m'"
done
if command -v gnuplot >/dev/null 2>&1 && [ -n "$plots" ]; then
    gnuplot <<EOF
set terminal svg size 720,420 dynamic font "sans,12"
set output '$out/chase.svg'
set title 'Pointer chase: load latency against working set'
set logscale x 2
set logscale y 2
set format x '%.0b%BB'
set xlabel 'working set'
set ylabel 'cycles per load'
set key top left
set grid
plot $plots
EOF
    echo "plot: $out/chase.svg"
fi

echo
echo "branch: mispredict penalty measured by firmware/riscv/test_branch.c"
for m in $models; do
    [ "$m" = fast ] && continue
    run "$m" "$out/branch.elf" >/dev/null
    printf '%-16s %s\n' "$m" "$(tr -d '\r' <"$out/last.out" | sed -n 's/^branch //p')"
done
