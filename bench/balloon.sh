#!/bin/sh
# Free page reporting's cost and gain (not a test).
#
#   bench/balloon.sh [BUILD_DIR]      (default /tmp/build-bench)
#
# 1. A Linux guest (tests/images/riscv64-kernel.sh, -m 512M, one hart) runs
#    bench/balloon-pf.c as its init: an allocate-touch-free loop in the
#    spirit of will-it-scale's page_fault1, ITERS times MIB MiB, with
#    PAUSE_MS of idle time after each pass, in which reporting hands the
#    freed memory back. It runs once with -device
#    virtio-balloon,free-page-reporting=off and once with =on. Printed for
#    each: the guest cycles the loop took by its own clock (sleeps
#    excluded), the cycles the hart was not waiting in WFI (the loop plus
#    everything else the guest did, the reporting worker included), emu's
#    wall seconds (the best of RUNS runs, off and on alternating; the guest
#    figures are the same in every run), and what the balloon reported and
#    released; then the difference in percent. On hardware the feature cost 1.86 % to 8.84 %
#    in page_fault1; in emu a dropped page costs a host page fault, which
#    is wall time, not guest cycles.
# 2. bench/balloon-release.c: the wall time emu takes to give RELEASE_MIB
#    (default 1024) of touched guest RAM back to the host.
# Environment: EMU, ITERS (8), MIB (128), PAUSE_MS (3000), RUNS (2),
# RELEASE_MIB, BOOT_TIMEOUT (seconds, default 900).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${1:-/tmp/build-bench}
emu=${EMU:-$build/emu}
iters=${ITERS:-8}
mib=${MIB:-128}
pause=${PAUSE_MS:-3000}
runs=${RUNS:-2}
release_mib=${RELEASE_MIB:-1024}
limit=${BOOT_TIMEOUT:-900}
out=$build/bench/balloon
mkdir -p "$out/initramfs/proc"

if [ ! -x "$emu" ] || [ ! -f "$build/libemucore.a" ]; then
    cmake -S "$src" -B "$build" -DEMU_FIRMWARE=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" -j2 --target emu >/dev/null
fi
if ! "$emu" -device help 2>&1 | grep -q virtio-balloon; then
    echo "balloon.sh: $emu has no virtio-balloon device" >&2
    exit 1
fi
kernel=$(bash "$src/tests/images/riscv64-kernel.sh")
riscv64-linux-gnu-gcc -static -O2 -Wall -o "$out/initramfs/init" "$here/balloon-pf.c"
bash "$src/tests/images/initramfs.sh" "$out/initramfs" "$out/initramfs.cpio.gz"

run() {  # on|off
    t0=$(date +%s.%N)
    timeout "$limit" "$emu" -m 512M -smp 1 -nographic -kernel "$kernel" -initrd "$out/initramfs.cpio.gz" \
        -append "console=ttyS0 pf.iters=$iters pf.mib=$mib pf.pause_ms=$pause" \
        -device "virtio-balloon,free-page-reporting=$1" --stats "$out/$1.json" </dev/null >"$out/$1.out" 2>&1
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l >>"$out/$1.wall"
    if ! grep -q "balloon-pf: iterations=$iters" "$out/$1.out"; then
        echo "balloon.sh: the guest loop did not finish (reporting $1):" >&2
        tail -20 "$out/$1.out" >&2
        exit 1
    fi
}
rm -f "$out/off.wall" "$out/on.wall"
i=0
while [ $i -lt "$runs" ]; do
    run off
    run on
    i=$((i + 1))
done

python3 - "$out" <<'EOF'
import json, re, sys
out = sys.argv[1]
rows = {}
for mode in ("off", "on"):
    s = json.load(open(f"{out}/{mode}.json"))
    hz = s["machine"]["core_hz"]
    busy_ns = int(re.search(r"busy_ns=(\d+)", open(f"{out}/{mode}.out").read()).group(1))
    b = next((d["stats"] for d in s.get("devices", []) if d["name"] == "virtio-balloon"), {})
    rows[mode] = {
        "loop guest cycles": busy_ns * hz // 10**9,
        "non-WFI guest cycles": s["totals"]["cycles"] - s["totals"]["wfi_cycles"],
        "wall seconds": min(float(w) for w in open(f"{out}/{mode}.wall").read().split()),
        "pages reported": b.get("pages_reported", 0),
        "MiB released": b.get("bytes_released", 0) >> 20,
        "resident MiB at the end": b.get("ram_resident_bytes", 0) >> 20,
    }
print(f"{'':28} {'reporting off':>16} {'reporting on':>16} {'difference':>11}")
for k in rows["off"]:
    a, b = rows["off"][k], rows["on"][k]
    fmt = (lambda v: f"{v:16.3f}") if isinstance(a, float) else (lambda v: f"{v:16d}")
    diff = f"{(b - a) * 100.0 / a:+10.2f}%" if k in ("loop guest cycles", "non-WFI guest cycles", "wall seconds") and a else ""
    print(f"{k:28} {fmt(a)} {fmt(b)} {diff:>11}")
EOF

cc -O2 -I"$src/emu" -o "$out/balloon-release" "$here/balloon-release.c" "$build/libemucore.a" \
    $(pkg-config --libs libelf zlib) -lfdt -lm
"$out/balloon-release" "$release_mib"
