/*
 * Guest memory in snapshots and state hashes.
 *
 * Every RAM and ROM region is cut into at most MEMMAP_SNAP_SLICES slices,
 * each one section named after the region and the slice's guest address
 * ("ram@0x80000000"), so a state-hash report can say where memory
 * differs. A slice holds its pages that are not all zero, each as its
 * offset and its 4 KiB; a page that reads as zero is left out, whether
 * the guest never touched it or wrote zeroes to it, so what is saved or
 * hashed depends on the guest alone, never on which host pages happen to
 * be resident. Pages the host has never backed are skipped without being
 * read (Linux /proc/self/pagemap), so an untouched -m 64G costs nothing.
 *
 * A page the host dropped (a balloon report or inflate, MADV_DONTNEED)
 * reads zero, as the guest sees it, and is saved and hashed as an
 * untouched one: no data. A zero page the host still holds is listed in
 * its slice without data and without being hashed ("held"), so that a
 * restored run holds the same host memory, which the balloon's --stats
 * report (resident RAM, bytes released), while state hashes stay a
 * function of what the guest reads.
 *
 *   if (memmap_snap(&m->map, s) < 0) ... snap_error(s) ...     s between sections
 *
 * Loading drops each slice first (every page reads zero and costs the
 * host nothing), writes the saved pages, and touches the held ones; the
 * caller drops translated code afterwards (exec_flush_code).
 */
#ifndef EMU_CORE_MEMMAP_SNAP_H
#define EMU_CORE_MEMMAP_SNAP_H

#include "core/memmap.h"

#define MEMMAP_SNAP_SLICES 16

struct snap;

int memmap_snap(struct memmap *map, struct snap *s);

#endif
