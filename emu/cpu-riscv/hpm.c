/*
 * Hardware performance monitor of the riscv hart (priv 1.12 §3.1.10
 * mhpmcounter/mhpmevent, §3.1.11 mcounteren, §3.1.13 mcountinhibit): the
 * events the timing model can count, by SBI PMU event_idx, and the
 * counters that read them.
 *
 * Nothing counts here. The model keeps its own running totals (cycles,
 * instructions, cache, TLB and predictor counts, the ones --stats prints),
 * and a counter is a base plus the total of its event: reading adds,
 * writing a counter or changing its event or its inhibit bit moves the
 * base so the value carries on from where it was. So counters cost nothing
 * while the guest runs, and they are exact: a counter over an interval
 * reads what --stats would report for it.
 *
 *   value = mcountinhibit[i] ? base[i] : base[i] + total(event[i])
 */
#include "cpu-riscv/hpm.h"

#include "core/machine.h"
#include "cpu-riscv/hart.h"
#include "timing/core.h"
#include "timing/model.h"

/* mhpmevent bits 63:56 are Sscofpmf's OF and mode-inhibit bits (Sscofpmf
 * 1.0 §2); without Sscofpmf they are ignored and read zero, so an SBI
 * implementation that sets inhibit flags still gets its event. */
#define RV_HPMEVENT_SEL_MASK ((1ull << 56) - 1)

/*
 * The events, in the SBI PMU encoding (SBI 2.0 §11.1-11.2):
 *   type 0 (general): 1 cycles, 2 instructions, 3 and 4 cache references
 *     and misses (perf's meaning: the last level), 5 and 6 branch
 *     instructions and mispredictions;
 *   type 1 (cache): 0x10000 | cache << 3 | op << 1 | result, cache L1D 0,
 *     L1I 1, LL 2, DTLB 3, ITLB 4, BPU 5; op read 0, write 1; result
 *     access 0, miss 1.
 * Prefetches are not modelled, instruction fetches are reads, and the
 * TLBs and the predictor count every lookup as a read.
 */
const struct rv_hpm_row rv_hpm_rows[] = {
    { 0x00001, 0x00001, RV_HPM_ALWAYS, "cycles" },
    { 0x00002, 0x00002, RV_HPM_ALWAYS, "instructions" },
    { 0x00003, 0x00004, RV_HPM_LL, "last-level cache references and misses" },
    { 0x00005, 0x00006, RV_HPM_BPRED, "branch instructions and mispredictions" },
    { 0x10000, 0x10003, RV_HPM_L1D, "L1D reads and writes: accesses and misses" },
    { 0x10008, 0x10009, RV_HPM_L1I, "L1I reads: accesses and misses" },
    { 0x10010, 0x10013, RV_HPM_LL, "last-level cache reads and writes: accesses and misses" },
    { 0x10018, 0x10019, RV_HPM_DTLB, "D-TLB lookups and misses" },
    { 0x10020, 0x10021, RV_HPM_ITLB, "I-TLB lookups and misses" },
    { 0x10028, 0x10029, RV_HPM_BPRED, "branch predictor lookups and mispredictions" },
};
const size_t rv_hpm_nrows = sizeof(rv_hpm_rows) / sizeof(rv_hpm_rows[0]);

bool rv_hpm_row_present(const struct rv_hpm_row *row, const struct timing_model *tm)
{
    if (row->need == RV_HPM_ALWAYS)
        return true;
    if (!tm)
        return false;
    switch (row->need) {
    case RV_HPM_L1D: return tm->l1d.present;
    case RV_HPM_L1I: return tm->l1i.present;
    case RV_HPM_LL: return tm->l1d.present || tm->l2.present || tm->l3.present;
    /* The hart describes its walks (exec_isa.walk_trace), so a model with
     * TLBs uses them (timing_cpu_create). */
    case RV_HPM_DTLB: return tm->dtlb.present;
    case RV_HPM_ITLB: return tm->itlb.present;
    case RV_HPM_BPRED: return tm->bpred != TIMING_BPRED_NONE;
    default: return false;
    }
}

uint32_t rv_hpm_row_counters(const struct rv_hpm_row *row)
{
    uint32_t fixed = 0;
    if (row->first == 1 && row->last == 1)
        fixed = 1u << RV_CTR_CY;
    else if (row->first == 2 && row->last == 2)
        fixed = 1u << RV_CTR_IR;
    return RV_CTR_HPM_MASK | fixed;
}

bool rv_hpm_event_present(uint64_t event, const struct timing_model *tm)
{
    for (size_t i = 0; i < rv_hpm_nrows; i++) {
        const struct rv_hpm_row *row = &rv_hpm_rows[i];
        if (event >= row->first && event <= row->last)
            return rv_hpm_row_present(row, tm);
    }
    return false;
}

/* ---- counters ---- */

static const struct timing_model *rv_model(const struct rv_cpu *rv)
{
    return rv->cpu.m ? rv->cpu.m->timing : NULL;
}

static bool rv_ctr_inhibited(const struct rv_cpu *rv, unsigned idx)
{
    return (rv->mcountinhibit >> idx) & 1;
}

/* The running total of counter idx's event. */
static uint64_t rv_ctr_total(struct rv_cpu *rv, unsigned idx)
{
    if (idx == RV_CTR_CY)
        return rv->cpu.cycles;
    if (idx == RV_CTR_IR)
        return rv->cpu.insns;
    uint64_t event = rv->mhpmevent[idx];
    return event ? timing_hpm_count(&rv->cpu, event) : 0;
}

/* Counters 0, 2 and 3-31 (with Zihpm) exist; 1 is time, not counted here. */
static bool rv_ctr_exists(const struct rv_cpu *rv, unsigned idx)
{
    if (idx == RV_CTR_CY || idx == RV_CTR_IR)
        return true;
    return idx >= RV_CTR_HPM_FIRST && idx < RV_CTR_COUNT && rv->ext.zihpm;
}

uint64_t rv_counter_read(struct rv_cpu *rv, unsigned idx)
{
    if (!rv_ctr_exists(rv, idx))
        return 0;
    uint64_t base = rv_hart_of(rv)->ctr_base[idx];
    return rv_ctr_inhibited(rv, idx) ? base : base + rv_ctr_total(rv, idx);
}

void rv_counter_write(struct rv_cpu *rv, unsigned idx, uint64_t val)
{
    if (!rv_ctr_exists(rv, idx))
        return;     /* without Zihpm, mhpmcounter3-31 are read-only zero */
    rv_hart_of(rv)->ctr_base[idx] = rv_ctr_inhibited(rv, idx) ? val : val - rv_ctr_total(rv, idx);
}

void rv_hpmevent_write(struct rv_cpu *rv, unsigned idx, uint64_t val)
{
    if (idx < RV_CTR_HPM_FIRST || idx >= RV_CTR_COUNT || !rv->ext.zihpm)
        return;
    uint64_t now = rv_counter_read(rv, idx);
    uint64_t event = val & RV_HPMEVENT_SEL_MASK;
    rv->mhpmevent[idx] = rv_hpm_event_present(event, rv_model(rv)) ? event : 0;
    rv_counter_write(rv, idx, now);
}

void rv_countinhibit_write(struct rv_cpu *rv, uint64_t val)
{
    uint64_t now[RV_CTR_COUNT];
    for (unsigned i = 0; i < RV_CTR_COUNT; i++)
        now[i] = rv_counter_read(rv, i);
    /* TM is not a counter here: its bit reads zero (§3.1.13). */
    uint64_t mask = (1u << RV_CTR_CY) | (1u << RV_CTR_IR) | (rv->ext.zihpm ? RV_CTR_HPM_MASK : 0);
    rv->mcountinhibit = val & mask;
    for (unsigned i = 0; i < RV_CTR_COUNT; i++)
        rv_counter_write(rv, i, now[i]);
}
