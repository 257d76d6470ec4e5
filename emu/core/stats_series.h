/*
 * The time series of --stats-interval N: every N cycles of virtual time a
 * sample of what each vCPU did since the last one (instructions, cycles,
 * cache, TLB and branch misses, cycles per execution mode, WFI cycles),
 * written as the "series" member of the --stats file (docs/stats.md).
 *
 * Samples are taken by a machine observer, which never shortens a round,
 * so a run with a series is the same run as one without. Samples hold
 * deltas: the series' start counts plus the sum of every sample equal the
 * counts the file reports for the end of the run.
 *
 *   struct stats_series *s = stats_series_start(&m, 10000000, NULL, &err);
 *   machine_run(&m);
 *   stats_series_finish(s, &m);                 the last, partial interval
 *   stats_write_series(&m, s, "run.json", &err);
 *   stats_series_free(s);
 */
#ifndef EMU_CORE_STATS_SERIES_H
#define EMU_CORE_STATS_SERIES_H

#include <stdint.h>

#include "core/log.h"
#include "exec/exec.h"

struct machine;
struct cpu;
struct json;

/* A run that would take more samples than this keeps its file bounded by
 * merging neighbouring samples pairwise and doubling the interval. */
#define STATS_SERIES_MAX_SAMPLES 10000u

/* Execution modes a series can split cycles into. */
#define STATS_SERIES_MAX_MODES CPU_MAX_MODES

/*
 * The cycles of a vCPU by execution mode, as its ISA counts them: fills
 * cycles[0 .. n-1], which sum to cpu->cycles, and points *names at the n
 * mode names (e.g. "m", "s", "u"); returns n <= STATS_SERIES_MAX_MODES, or 0
 * when the vCPU splits its cycles no further.
 */
typedef unsigned (*stats_mode_fn)(struct cpu *cpu, uint64_t *cycles, const char *const **names);

struct stats_series;

/* Starts a series on machine m (built, and restored if it is going to be):
 * the first sample is taken at the first multiple of interval after
 * m->vclock. modes may be NULL: each vCPU's own cpu_ops.mode_cycles. Returns NULL with a
 * message in err: interval 0, out of memory, no observer slot left. */
struct stats_series *stats_series_start(struct machine *m, uint64_t interval, stats_mode_fn modes,
                                        struct emu_err *err);

/* Takes the sample of the time since the last one, if anything was
 * counted since: call once the run is over, before writing the file. */
void stats_series_finish(struct stats_series *s, struct machine *m);

/* Writes the "series" member (key and value) into the open object of j. */
void stats_series_write(const struct stats_series *s, const struct machine *m, struct json *j);

/* The interval the samples now cover (doubled by each merge) and their
 * number. */
uint64_t stats_series_interval(const struct stats_series *s);
unsigned stats_series_samples(const struct stats_series *s);

/* NULL is fine. The machine's observer must not run after this. */
void stats_series_free(struct stats_series *s);

#endif
