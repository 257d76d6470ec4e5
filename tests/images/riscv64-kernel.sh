#!/usr/bin/env bash
# Builds a riscv64 Linux Image from Debian's linux-source-6.1 with Debian's
# cross compiler: tinyconfig plus tests/images/riscv64-linux.config.
# Prints the path of the Image. The result is cached under
# ${EMU_CACHE:-~/.cache/emu}, keyed by the fragment and the source
# package's version, so a rerun takes seconds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fragment="$here/riscv64-linux.config"
cache=${EMU_CACHE:-$HOME/.cache/emu}

need=(linux-source-6.1 gcc-riscv64-linux-gnu make bc flex bison libssl-dev cpio)
missing=()
for p in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}" >&2
fi

version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( (echo "$version"; cat "$fragment") | sha256sum | cut -c1-16)
out="$cache/riscv64-linux-$key"
# One build at a time per key: tests started in parallel wait for it.
mkdir -p "$cache"
exec 9>"$cache/riscv64-linux-$key.lock"
flock 9
if [ -f "$out/Image" ]; then
    echo "$out/Image"
    exit 0
fi

work="$cache/riscv64-linux-build-$key"
rm -rf "$work"
mkdir -p "$work"
tar -xf /usr/src/linux-source-6.1.tar.xz -C "$work" --strip-components=1
make_k() { make -C "$work" ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu- "$@" >&2; }
make_k tinyconfig
(cd "$work" && ARCH=riscv ./scripts/kconfig/merge_config.sh -m .config "$fragment" >&2)
make_k olddefconfig
make_k -j"$(nproc)" Image
mkdir -p "$out"
cp "$work/arch/riscv/boot/Image" "$work/.config" "$out/"
rm -rf "$work"
echo "$out/Image"
