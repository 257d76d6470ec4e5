/*
 * The input log: record every input from outside the machine with its
 * virtual time, and replay it so the run repeats exactly; state hashes
 * every N cycles show where a replay departs from its recording.
 *
 *   struct record_config rc = { .mode = RECORD_WRITE, .path = "run.log",
 *                               .hash_interval = 100000000, .version = "0.1.0" };
 *   struct record *r = record_open(&rc, console, &err);   NULL: exit status 2
 *   board_create(m, &err);                              (and snapshot_restore, if any)
 *   if (record_start(r, m, &err) < 0) ...               exit status 2
 *   machine_run(m);
 *   if (record_finish(r, &err) < 0) ...                 replay diverged: status 1
 *   record_free(r);
 *
 * What is logged (docs/replay.md has the byte layout):
 *  - a header: emu's version, the machine configuration with the seed and
 *    a hash of every host file the machine reads (firmware, kernel,
 *    initrd, DTB, disk images, a restored snapshot), and a hash of it all,
 *    the console's kind (terminal or script), the hash interval and the
 *    names of the state-hash sections;
 *  - serial input: each byte (or the end of input) the console delivered,
 *    at the virtual time it was read. With monitor commands, this is all
 *    the input from outside a riscv-virt machine has (its network is
 *    in-process);
 *  - monitor commands that change the run (core/monitor.h), each with the
 *    cycle it took effect at;
 *  - a state hash at the start, every hash_interval cycles, and at the end;
 *  - how the run ended: the stop reason and exit code at its cycle.
 * Replay refuses a log that is damaged or from another configuration
 * before the run starts, feeds the console from the log (no terminal is
 * read), hands the monitor its logged commands, compares each state
 * hash as it comes and stops at the first difference, naming the
 * sections that differ and the last interval that matched.
 *
 * RECORD_OFF with hash_path still writes the state hashes as text, so two
 * runs, or a run and its restored continuation, can be compared by diff.
 */
#ifndef EMU_CORE_RECORD_H
#define EMU_CORE_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/log.h"

struct chardev;
struct machine;
struct record;

#define RECORD_DEFAULT_INTERVAL 100000000ull

enum record_mode { RECORD_OFF, RECORD_WRITE, RECORD_REPLAY };

struct record_config {
    enum record_mode mode;
    const char *path;           /* the log (RECORD_WRITE, RECORD_REPLAY) */
    uint64_t hash_interval;     /* cycles between state hashes, 0: start and end only;
                                 * a replay uses the log's */
    const char *hash_path;      /* state hashes as text, "-" for stdout, or NULL */
    const char *restore_path;   /* the snapshot the run was restored from, or NULL */
    const char *version;        /* emu's version, for the header */
};

/* Before the board builds the machine: a replayed log is read and checked
 * whole, and the console (may be NULL) takes its input from it and
 * reports the recorded kind, so devices are created as they were then. */
struct record *record_open(const struct record_config *rc, struct chardev *console, struct emu_err *err);
/* Once the machine is built (and restored), before machine_run: checks
 * a replayed log against this machine, or starts writing one. */
int record_start(struct record *r, struct machine *m, struct emu_err *err);
/* Call after machine_run: the final state hash and how the run ended are
 * written (record) or compared (replay). Returns 0, or -1 with what went
 * wrong: a divergence found during the run or at its end, or an I/O error. */
int record_finish(struct record *r, struct emu_err *err);
void record_free(struct record *r);

/*
 * Monitor commands (core/monitor.c). Recording: record_monitor_log logs
 * cmd as taking effect at cycle time (nothing happens unless recording).
 * Replay: record_monitor_next gives the next logged command not applied
 * yet, with its cycle, or NULL; record_monitor_done marks it applied.
 * A replay that ends with logged commands not applied has diverged.
 */
void record_monitor_log(struct record *r, uint64_t time, const char *cmd);
const char *record_monitor_next(const struct record *r, uint64_t *time);
void record_monitor_done(struct record *r);
bool record_replaying(const struct record *r);

/* Stops a replay as departed from its recording (the first report wins);
 * record_finish then returns the report. */
void record_diverge(struct record *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The configuration text a log is bound to: snapshot_config_text plus the
 * run's limits and the hash of every host file. malloc'ed, or NULL with
 * err (a file that cannot be read). */
char *record_config_text(const struct machine *m, const char *restore_path, struct emu_err *err);

#endif
