/*
 * Snapshots: the whole machine (vCPUs, devices, pending events, touched
 * RAM) in one file, and back.
 *
 *   if (snapshot_save(m, "boot.snap", &err) < 0) ...          between rounds
 *
 *   board_create(m, &err);                                   same command line
 *   if (snapshot_restore(m, "boot.snap", &err) < 0) ...      exit status 2
 *   machine_run(m);                                          continues from there
 *
 * A snapshot is taken between run-loop rounds (an observer, see
 * machine.h), where every vCPU has reached vclock and the due events have
 * run. Restoring replaces the state of a machine the board has just built
 * from the same configuration; the configuration is stored in the file
 * and compared first, so a snapshot from another machine is refused with
 * the first difference. Restore-then-run gives the run that would have
 * followed the snapshot: the same output, statistics and state hashes
 * (only the count of translated blocks differs, since translated code is
 * a host-side cache and starts empty).
 *
 * The file is written with core/snap.c (versioned, checksummed, zlib):
 *   "machine"          configuration, vclock, event-queue bookkeeping
 *   "cpu0".."cpuN"     the engine's part, the ISA's (cpu_ops.save), then the
 *                      timing model's caches, TLBs and predictor
 *   one per device     dev_ops.save, in creation order: "uart0", "plic", ...
 *   "console"          serial input handed back and not yet read again
 *   "ram@0x80000000"   guest memory, MEMMAP_SNAP_SLICES slices per region
 *
 * Disk images are not in the snapshot: a restored run reads and writes
 * the image files as they are (docs/replay.md).
 */
#ifndef EMU_CORE_SNAPSHOT_H
#define EMU_CORE_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"

struct machine;
struct snap;

int snapshot_save(struct machine *m, const char *path, struct emu_err *err);
int snapshot_restore(struct machine *m, const char *path, struct emu_err *err);

/* --snapshot-at: an observer saves the machine at the first round
 * boundary at or after cycle at, once. A failure stops the run
 * (MACHINE_STOP_ERROR) with status -1 and the reason in err. sa must
 * live as long as the machine runs. */
struct snapshot_at {
    uint64_t at;
    const char *path;
    bool taken;
    uint64_t taken_at;          /* the cycle saved */
    int status;
    struct emu_err err;
};
int snapshot_at_schedule(struct machine *m, struct snapshot_at *sa);

/* Every section of the machine through s: saves, hashes or (a reading s)
 * loads. Returns 0, or -1 with the reason in snap_error(s). */
int snapshot_walk(struct machine *m, struct snap *s);

/* The configuration a snapshot must be restored into, one "key=value"
 * line each (no file names or contents: the images are in RAM by then).
 * malloc'ed; NULL when out of memory. */
char *snapshot_config_text(const struct machine *m);

/* The first line where two configuration texts differ, for messages:
 * fills "key=a" / "key=b" (or "(none)"). Returns false when equal. */
bool snapshot_config_diff(const char *a, const char *b, char *line_a, char *line_b, size_t len);

#endif
