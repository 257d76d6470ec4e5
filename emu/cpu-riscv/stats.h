/*
 * What a riscv hart counts for the --stats-interval series
 * (core/stats_series.h): its cycles by execution mode.
 *
 *   stats_series_start(&m, interval, rv_stats_mode_cycles, &err);
 */
#ifndef EMU_CPU_RISCV_STATS_H
#define EMU_CPU_RISCV_STATS_H

#include <stdint.h>

struct cpu;

/* A stats_mode_fn: with the H extension, cycles with V=0 ("v0": M, HS
 * and U) and V=1 ("v1": VS and VU), the split of the "hypervisor" member
 * of --stats; 0 (no split) without H or for a vCPU that is not a riscv
 * hart. */
unsigned rv_stats_mode_cycles(struct cpu *cpu, uint64_t *cycles, const char *const **names);

#endif
