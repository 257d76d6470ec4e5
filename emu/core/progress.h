/*
 * The live progress line on a terminal: virtual time, instructions
 * retired and the emulation speed, rewritten in place (\r) about twice a
 * second of host time and erased when the run ends.
 *
 *   emu: 1.250 s virtual, 1.02 G instructions, 412.3 MIPS
 *
 * The host clock is read only to decide when to print and to show MIPS;
 * nothing read from it reaches the machine, the guest or the statistics.
 * The line is driven by a machine observer at a fixed virtual-cycle
 * cadence, whether or not it prints, and observers never shorten a round,
 * so a run with the line is the same run as one without.
 *
 *   struct progress p;
 *   if (progress_wanted(STDERR_FILENO, console_fd))
 *       progress_start(&p, &m, stderr, &err);
 *   machine_run(&m);
 *   progress_finish(&p);                 erases the line
 */
#ifndef EMU_CORE_PROGRESS_H
#define EMU_CORE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/log.h"

struct machine;

/* Virtual cycles between looks at the host clock: 1 ms at 1 GHz, often
 * enough for a slow detailed model, rare enough to cost nothing. */
#define PROGRESS_PERIOD_CYCLES 1000000u
/* Host nanoseconds between two prints. */
#define PROGRESS_REFRESH_NS 500000000u

struct progress {
    FILE *out;                  /* NULL: not started */
    int64_t printed_ns;         /* host time at the last print (or the start) */
    uint64_t printed_insns;     /* instructions retired at the last print */
    int width;                  /* characters of the line on the terminal, 0: none */
};

/*
 * Whether to show the line: err_fd is a terminal and the guest console
 * (console_fd, -1 when it writes no terminal) does not write to that same
 * terminal, where its text would run into the line.
 */
bool progress_wanted(int err_fd, int console_fd);

/* Starts the line on out for machine m. Returns 0, or -1 with a message
 * in err when the machine has no observer slot left. */
int progress_start(struct progress *p, struct machine *m, FILE *out, struct emu_err *err);

/* Erases the line. Safe on a progress that never started (zeroed). */
void progress_finish(struct progress *p);

/* The text of the line (no \r), for m at host time now_ns; exposed for
 * tests. Returns the snprintf length. */
int progress_format(const struct progress *p, const struct machine *m, int64_t now_ns, char *buf, size_t len);

#endif
