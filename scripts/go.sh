#!/usr/bin/env bash
# One entry point for people and CI, on a fresh Debian 12 machine:
#   scripts/go.sh [emu options]   install what is missing, build, boot the default guest
#   scripts/go.sh test            install what is missing, build, run the whole test suite
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"

# Debian packages the build and the tests need.
pkgs=(cmake gcc make pkg-config libelf-dev libfdt-dev zlib1g-dev check
      gcc-riscv64-linux-gnu opensbi u-boot-qemu qemu-system-misc python3 cpio gnuplot-nox)

install_missing() {
    local missing=()
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "go.sh: installing ${missing[*]}" >&2
    $sudo apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}" >&2
}

configure_build() {  # dir, extra cmake args...
    local dir=$1
    shift
    cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    cmake --build "$dir" -j2
}

install_missing
if [ "${1:-}" = "test" ]; then
    configure_build "$build" -DEMU_WERROR=ON
    # The unit tests again with AddressSanitizer and UBSan.
    configure_build "$build-asan" -DEMU_WERROR=ON -DEMU_SANITIZE=ON -DEMU_FIRMWARE=OFF
    status=0
    (cd "$build-asan" && ctest -L unit --output-on-failure -j2) || status=1
    (cd "$build" && ctest --output-on-failure -j2) || status=1
    exit $status
fi
configure_build "$build" >&2
exec "$build/emu" -nographic "$@"
