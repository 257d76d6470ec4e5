#!/usr/bin/env bash
# Packs a directory into a gzip'ed newc initramfs whose bytes depend only
# on the files' contents, names and modes: every timestamp is set to 0, the
# entries are sorted, inode and device numbers renumbered, and gzip stores
# no name or time. A guest unpacks the archive into its memory, so an
# archive that changed with the build time would change the run.
#   initramfs.sh DIR OUT.cpio.gz
set -euo pipefail
dir=$1 out=$2
find "$dir" -exec touch -h -d @0 {} +
(cd "$dir" && find . | LC_ALL=C sort | cpio -o -H newc --reproducible --quiet | gzip -n -9) > "$out"
