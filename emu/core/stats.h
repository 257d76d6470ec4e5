/*
 * Statistics of a run, written as JSON (field reference: docs/stats.md).
 *
 * The file depends only on the run: same command line and inputs give a
 * byte-identical file (no host time, no host paths beyond what the user
 * passed, fixed number formats).
 *
 *   if (opts.stats_path && stats_write(&m, opts.stats_path, &err) < 0)
 *       fprintf(stderr, "emu: %s\n", err.msg);
 */
#ifndef EMU_CORE_STATS_H
#define EMU_CORE_STATS_H

#include <stdio.h>

#include "core/log.h"

struct machine;
struct stats_series;

#define STATS_FORMAT_VERSION 1

/* Writes the statistics of m to path ("-" is stdout). Returns 0 or -1. */
int stats_write(struct machine *m, const char *path, struct emu_err *err);

/* The same document to an open stream. Returns 0 or -1 (write error). */
int stats_write_stream(struct machine *m, FILE *f);

/* The same with the time series of --stats-interval (core/stats_series.h)
 * as the last member; series NULL writes exactly what the calls above do. */
int stats_write_series(struct machine *m, const struct stats_series *series, const char *path,
                       struct emu_err *err);
int stats_write_stream_series(struct machine *m, const struct stats_series *series, FILE *f);

/* Names used in the file: "int_alu" for OPC_INT_ALU ...; "poweroff" for
 * MACHINE_STOP_POWEROFF ... NULL for an out-of-range value. */
const char *stats_op_class_name(unsigned op_class);
const char *stats_stop_name(unsigned stop);

#endif
