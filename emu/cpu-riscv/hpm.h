/*
 * The riscv hardware performance monitor (Zihpm, priv 1.12 §3.1.10-13):
 * which events mhpmevent3-31 can select, and the counters that count
 * them, mcycle and minstret included.
 *
 * An event is the event_idx of the SBI PMU extension (SBI 2.0 §11.1-11.2)
 * zero-extended, the value OpenSBI's generic platform writes to
 * mhpmeventN, so Linux perf reads the timing model's own counts
 * (timing_hpm_count, docs/timing.md "Guest-visible counters"). Which
 * events a machine has depends on its timing model: the board lists them
 * in the device tree (rv_hpm_event_rows), and mhpmevent accepts exactly
 * those.
 *
 *   for (size_t i = 0; i < rv_hpm_nrows; i++)
 *       if (rv_hpm_row_present(&rv_hpm_rows[i], m->timing))
 *           ... rv_hpm_rows[i].first .. .last, counters rv_hpm_row_counters(&rv_hpm_rows[i])
 */
#ifndef EMU_CPU_RISCV_HPM_H
#define EMU_CPU_RISCV_HPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rv_cpu;
struct timing_model;

/* Counter numbers (the low five bits of the CSR number). */
#define RV_CTR_CY       0u
#define RV_CTR_TM       1u
#define RV_CTR_IR       2u
#define RV_CTR_HPM_FIRST 3u
#define RV_CTR_COUNT    32u
/* mcountinhibit/mcounteren bits of the programmable counters 3-31. */
#define RV_CTR_HPM_MASK 0xfffffff8u

/* What a run of events needs from the timing model. */
enum rv_hpm_need {
    RV_HPM_ALWAYS,      /* every model: cycles, instructions */
    RV_HPM_L1D,
    RV_HPM_L1I,
    RV_HPM_LL,          /* a last-level cache: the deepest the model has */
    RV_HPM_DTLB,
    RV_HPM_ITLB,
    RV_HPM_BPRED,
};

/* Events first..last (event_idx), counted when the model has `need`. */
struct rv_hpm_row {
    uint32_t first, last;
    enum rv_hpm_need need;
    const char *what;
};

extern const struct rv_hpm_row rv_hpm_rows[];
extern const size_t rv_hpm_nrows;

/* Whether row's events count under model tm (NULL: the fast model). */
bool rv_hpm_row_present(const struct rv_hpm_row *row, const struct timing_model *tm);
/* The counters that can count row's events, as a bit per counter number:
 * 3-31, and mcycle / minstret for cycles / instructions. */
uint32_t rv_hpm_row_counters(const struct rv_hpm_row *row);
/* Whether event (an mhpmevent value, bits 55:0) counts under tm. */
bool rv_hpm_event_present(uint64_t event, const struct timing_model *tm);

/* ---- the counter CSRs (csr.c calls these) ---- */

/* The value of counter idx (0, 2, 3-31) now. */
uint64_t rv_counter_read(struct rv_cpu *rv, unsigned idx);
/* Writes mcycle, minstret or mhpmcounterN: it reads val now and counts on
 * from there. */
void rv_counter_write(struct rv_cpu *rv, unsigned idx, uint64_t val);
/* Writes mhpmeventN (WARL): an event the machine does not count becomes 0,
 * no event. The counter keeps its value across the change. */
void rv_hpmevent_write(struct rv_cpu *rv, unsigned idx, uint64_t val);
/* Writes mcountinhibit (WARL: CY, IR and, with Zihpm, HPM3-31); each
 * counter keeps its value across the change. */
void rv_countinhibit_write(struct rv_cpu *rv, uint64_t val);

#endif
