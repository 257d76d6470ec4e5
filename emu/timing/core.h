/*
 * The detailed timing model of one vCPU at run time: its caches, TLBs and
 * branch predictor, and the hooks the engine calls when the model is
 * detailed (timing_model_detailed). Each hook adds the penalty it finds
 * to cpu->cycles; what hits costs nothing beyond the TB's static cost.
 *
 *   on TB entry     timing_on_fetch     I-TLB, then L1I for each line the TB's code spans
 *   IR load         timing_on_load      D-TLB, then L1D -> L2 -> L3 -> DRAM
 *   IR store        timing_on_store     D-TLB, then the caches (write-allocate, no stall)
 *   branch          timing_on_branch    direction predictor
 *   indirect jump   timing_on_indirect  BTB
 *
 * The TLBs model translations only when the ISA describes its page walks
 * (exec_isa.walk_trace); a walk reads its PTEs through the data cache.
 * The engine owns these objects (exec_set_timing) and calls the flush
 * functions when the guest's translations change.
 */
#ifndef EMU_TIMING_CORE_H
#define EMU_TIMING_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "exec/exec.h"
#include "timing/bpred.h"
#include "timing/cache.h"
#include "timing/model.h"
#include "timing/tlb_model.h"

/* Address-space numbers of the modelled TLBs: a regime (mmu_idx) and the
 * context the ISA last named for it (exec_timing_tlb_context). */
#define TIMING_SPACE(mmu_idx, ctx) ((uint64_t)(ctx) << 8 | (mmu_idx))
_Static_assert(TLB_NMMU <= 32, "timing_cpu keeps regimes in 32-bit masks");

struct timing_cpu {
    const struct timing_model *tm;
    struct tcache l1i, l1d, l2, l3;
    struct ttlb itlb, dtlb, l2tlb;
    struct bpred bp;
    bool tlb_on;                /* the model has TLBs and the ISA describes walks */
    uint32_t xlat_known;        /* mmu_idx bits: whether it translates is known ... */
    uint32_t xlat_on;           /* ... and it does (since the last flush) */
    uint64_t space[TLB_NMMU];   /* TIMING_SPACE of each regime now */
    uint64_t walks;             /* page walks (misses in every TLB level) */
    /* Cycles added by each cause, on top of the static cost. */
    uint64_t fetch_stall, load_stall, tlb_stall, branch_stall;
};

/* Builds the runtime of model tm (which must outlive it) for a vCPU whose
 * ISA describes walks when isa_walks. NULL when out of memory. */
struct timing_cpu *timing_cpu_create(const struct timing_model *tm, bool isa_walks);
void timing_cpu_free(struct timing_cpu *tc);

/* The guest's translations changed: every modelled TLB, or the entries of
 * va, are dropped (soft-TLB flushes and exec_timing_tlb_fence call these). */
void timing_tlb_flush(struct timing_cpu *tc);
void timing_tlb_flush_va(struct timing_cpu *tc, uint64_t va);

/* The regimes in idx_mask now translate in context ctx (an ASID, a VMID
 * and guest ASID: any number the ISA chooses). Entries of other contexts
 * stay; whether the regimes translate at all is looked up again. */
void timing_tlb_set_context(struct timing_cpu *tc, uint32_t idx_mask, uint32_t ctx);

/* Out-of-line parts of the hooks. */
void timing_tlb_learn(struct cpu *cpu, struct timing_cpu *tc, uint64_t va, unsigned mmu_idx, bool fetch,
                      enum tlb_access acc);
void timing_tlb_miss(struct cpu *cpu, struct timing_cpu *tc, uint64_t va, unsigned mmu_idx, bool fetch,
                     enum tlb_access acc);
void timing_load_miss(struct cpu *cpu, struct timing_cpu *tc, uint64_t pa);
void timing_store_miss(struct timing_cpu *tc, uint64_t pa);
void timing_fetch_miss(struct cpu *cpu, struct timing_cpu *tc, uint64_t pa);
void timing_fetch_lines(struct cpu *cpu, struct timing_cpu *tc, uint64_t pa, uint64_t pa_next, unsigned len);

/* The first-level TLB l1 for an access at va (only when tc->tlb_on). A
 * regime that does not translate (e.g. riscv M-mode) touches no TLB. */
static inline void timing_tlb(struct cpu *cpu, struct timing_cpu *tc, struct ttlb *l1, uint64_t va,
                              unsigned mmu_idx, bool fetch, enum tlb_access acc)
{
    uint32_t bit = 1u << mmu_idx;
    if (tc->xlat_on & bit) {
        if (!ttlb_lookup(l1, va, tc->space[mmu_idx]))
            timing_tlb_miss(cpu, tc, va, mmu_idx, fetch, acc);
    } else if (!(tc->xlat_known & bit)) {
        timing_tlb_learn(cpu, tc, va, mmu_idx, fetch, acc);
    }
}

/* The guest physical address of va (already accessed, so its translation
 * is in the soft TLB); false, with no fault left pending, if it is not. */
static inline bool timing_phys(struct cpu *cpu, uint64_t va, enum tlb_access acc, unsigned mmu_idx, uint64_t *pa)
{
    if (exec_translate(cpu, va, acc, mmu_idx, pa) == 0)
        return true;
    cpu->fault.pending = false;
    return false;
}

/* The L1D's part of a load or store at physical pa. Stores retire into
 * a store buffer: a miss fills the caches but does not stall. */
static inline void timing_l1d_access(struct cpu *cpu, struct timing_cpu *tc, uint64_t pa, bool store)
{
    if (tcache_access(&tc->l1d, pa, store ? TCACHE_WRITE : TCACHE_READ))
        return;
    if (store)
        timing_store_miss(tc, pa);
    else
        timing_load_miss(cpu, tc, pa);
}

/* After a load at va (mmu_idx) that took the soft TLB's fast path, so
 * from RAM. */
static inline void timing_on_load(struct cpu *cpu, struct timing_cpu *tc, uint64_t va, unsigned mmu_idx)
{
    uint64_t pa;
    if (tc->tlb_on)
        timing_tlb(cpu, tc, &tc->dtlb, va, mmu_idx, false, TLB_READ);
    if (tc->l1d.line && timing_phys(cpu, va, TLB_READ, mmu_idx, &pa))
        timing_l1d_access(cpu, tc, pa, false);
}

/* After a store that took the fast path. */
static inline void timing_on_store(struct cpu *cpu, struct timing_cpu *tc, uint64_t va, unsigned mmu_idx)
{
    uint64_t pa;
    if (tc->tlb_on)
        timing_tlb(cpu, tc, &tc->dtlb, va, mmu_idx, false, TLB_WRITE);
    if (tc->l1d.line && timing_phys(cpu, va, TLB_WRITE, mmu_idx, &pa))
        timing_l1d_access(cpu, tc, pa, true);
}

/* The same for a caller that has the access's physical address pa from
 * the soft-TLB entry it hit, which is what timing_phys would find. */
static inline void timing_on_access_at(struct cpu *cpu, struct timing_cpu *tc, uint64_t va, uint64_t pa,
                                       unsigned mmu_idx, bool store)
{
    if (tc->tlb_on)
        timing_tlb(cpu, tc, &tc->dtlb, va, mmu_idx, false, store ? TLB_WRITE : TLB_READ);
    if (tc->l1d.line)
        timing_l1d_access(cpu, tc, pa, store);
}

/* After a load or store that took the slow path (a TLB refill, a device,
 * a misaligned or code-page access): devices are not cached. */
void timing_on_slow_access(struct cpu *cpu, struct timing_cpu *tc, uint64_t va, unsigned mmu_idx, bool store);

/*
 * Entry into a TB whose code starts at va (mmu_idx), physical pa, and is
 * len bytes long; when it runs past the end of its page, the rest is at
 * physical pa_next.
 */
static inline void timing_on_fetch(struct cpu *cpu, struct timing_cpu *tc, uint64_t va, uint64_t pa,
                                   uint64_t pa_next, unsigned len, unsigned mmu_idx)
{
    if (tc->tlb_on)
        timing_tlb(cpu, tc, &tc->itlb, va, mmu_idx, true, TLB_EXEC);
    if (!tc->l1i.line)
        return;
    if (((pa ^ (pa + len - 1)) >> tc->l1i.line_shift) == 0) {
        /* The whole TB in one line: the common case. */
        if (!tcache_access(&tc->l1i, pa, TCACHE_READ))
            timing_fetch_miss(cpu, tc, pa);
        return;
    }
    timing_fetch_lines(cpu, tc, pa, pa_next, len);
}

/* A conditional branch at pc resolved. */
static inline void timing_on_branch(struct cpu *cpu, struct timing_cpu *tc, uint64_t pc, bool taken)
{
    if (tc->bp.ctr && bpred_branch(&tc->bp, pc, taken)) {
        cpu->cycles += tc->tm->mispredict;
        tc->branch_stall += tc->tm->mispredict;
    }
}

/* An indirect jump at pc went to target. */
static inline void timing_on_indirect(struct cpu *cpu, struct timing_cpu *tc, uint64_t pc, uint64_t target)
{
    if (tc->bp.ctr && bpred_indirect(&tc->bp, pc, target)) {
        cpu->cycles += tc->tm->mispredict;
        tc->branch_stall += tc->tm->mispredict;
    }
}

/* Saves, loads or hashes tc (core/snap.h); the model must be the one it
 * was saved with. Returns snap_status(s). */
struct snap;
int timing_cpu_snap(struct timing_cpu *tc, struct snap *s);

/* The counters of a vCPU's model, for the statistics file (docs/stats.md);
 * they add up over vCPUs. */
enum { TIMING_L1I, TIMING_L1D, TIMING_L2, TIMING_L3, TIMING_NCACHES };
enum { TIMING_ITLB, TIMING_DTLB, TIMING_L2TLB, TIMING_NTLBS };
struct timing_counts {
    bool cache_present[TIMING_NCACHES];
    uint64_t cache_access[TIMING_NCACHES][2], cache_miss[TIMING_NCACHES][2];   /* [enum tcache_op] */
    bool tlbs_on;                   /* modelled TLBs in use (the ISA describes walks) */
    bool tlb_present[TIMING_NTLBS];
    uint64_t tlb_access[TIMING_NTLBS], tlb_miss[TIMING_NTLBS];
    uint64_t walks;
    bool bpred;
    uint64_t branches, branch_misses, indirect, indirect_misses;
    uint64_t fetch_stall, load_stall, tlb_stall, branch_stall;
};

/* Adds the counters of tc (NULL: nothing) to *sum. */
void timing_counts_add(struct timing_counts *sum, const struct timing_cpu *tc);

/*
 * The count of a standard RISC-V SBI PMU event (SBI spec, PMU extension:
 * event_idx, which OpenSBI writes to mhpmevent as is) for cpu: cycles,
 * instructions, cache references and misses (the last level), branch
 * instructions and misses, and the hardware cache events of L1D, L1I, LL,
 * DTLB, ITLB and BPU (read/write accesses and misses). 0 for any other
 * event, and for caches or TLBs the model does not have.
 */
uint64_t timing_hpm_count(const struct cpu *cpu, uint64_t event_idx);

#endif
