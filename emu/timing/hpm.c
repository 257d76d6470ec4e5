/*
 * Modelled events by their standard names: the event_idx encoding of the
 * RISC-V SBI PMU extension (SBI spec v2.0 §11.1-11.2), which OpenSBI's
 * generic platform writes to mhpmeventN as is, so guest perf tools read
 * what the model counted (see core.h).
 *
 *   event_idx[19:16] type: 0 hardware general event, 1 hardware cache event
 *   type 0: [15:0] code: 1 cycles, 2 instructions, 3 cache references,
 *           4 cache misses, 5 branch instructions, 6 branch misses
 *   type 1: [15:3] cache: 0 L1D, 1 L1I, 2 LL, 3 DTLB, 4 ITLB, 5 BPU
 *           [2:1] op: 0 read, 1 write, 2 prefetch;  [0] result: 0 access, 1 miss
 */
#include "timing/core.h"

enum { SBI_TYPE_GENERAL = 0, SBI_TYPE_CACHE = 1 };
enum {
    SBI_HW_CPU_CYCLES = 1, SBI_HW_INSTRUCTIONS, SBI_HW_CACHE_REFERENCES, SBI_HW_CACHE_MISSES,
    SBI_HW_BRANCH_INSTRUCTIONS, SBI_HW_BRANCH_MISSES,
};
enum { SBI_CACHE_L1D = 0, SBI_CACHE_L1I, SBI_CACHE_LL, SBI_CACHE_DTLB, SBI_CACHE_ITLB, SBI_CACHE_BPU };
enum { SBI_OP_READ = 0, SBI_OP_WRITE, SBI_OP_PREFETCH };

/* The last cache level the model has (perf's "LL"), or NULL. */
static const struct tcache *last_level(const struct timing_cpu *tc)
{
    if (tc->l3.line)
        return &tc->l3;
    if (tc->l2.line)
        return &tc->l2;
    return tc->l1d.line ? &tc->l1d : NULL;
}

static uint64_t cache_count(const struct tcache *c, unsigned op, bool miss)
{
    if (!c || !c->line || op > SBI_OP_WRITE)
        return 0;
    return miss ? c->miss[op] : c->access[op];
}

/* TLBs translate loads and stores alike: reads count them all. */
static uint64_t tlb_count(const struct ttlb *t, unsigned op, bool miss)
{
    if (!t->e || op != SBI_OP_READ)
        return 0;
    return miss ? t->miss : t->access;
}

static uint64_t general_event(const struct cpu *cpu, const struct timing_cpu *tc, unsigned code)
{
    const struct tcache *ll = tc ? last_level(tc) : NULL;
    switch (code) {
    case SBI_HW_CPU_CYCLES:
        return cpu->cycles;
    case SBI_HW_INSTRUCTIONS:
        return cpu->insns;
    case SBI_HW_CACHE_REFERENCES:
        return ll ? ll->access[0] + ll->access[1] : 0;
    case SBI_HW_CACHE_MISSES:
        return ll ? ll->miss[0] + ll->miss[1] : 0;
    case SBI_HW_BRANCH_INSTRUCTIONS:
        return tc && tc->bp.ctr ? tc->bp.branches + tc->bp.indirect : 0;
    case SBI_HW_BRANCH_MISSES:
        return tc && tc->bp.ctr ? tc->bp.branch_misses + tc->bp.indirect_misses : 0;
    }
    return 0;
}

static uint64_t cache_event(const struct timing_cpu *tc, unsigned cache, unsigned op, bool miss)
{
    switch (cache) {
    case SBI_CACHE_L1D: return cache_count(&tc->l1d, op, miss);
    case SBI_CACHE_L1I: return cache_count(&tc->l1i, op, miss);
    case SBI_CACHE_LL:  return cache_count(last_level(tc), op, miss);
    case SBI_CACHE_DTLB: return tlb_count(&tc->dtlb, op, miss);
    case SBI_CACHE_ITLB: return tlb_count(&tc->itlb, op, miss);
    case SBI_CACHE_BPU:
        if (!tc->bp.ctr || op != SBI_OP_READ)
            return 0;
        return miss ? tc->bp.branch_misses + tc->bp.indirect_misses : tc->bp.branches + tc->bp.indirect;
    }
    return 0;
}

uint64_t timing_hpm_count(const struct cpu *cpu, uint64_t event_idx)
{
    unsigned type = (unsigned)(event_idx >> 16) & 0xf;
    unsigned code = (unsigned)event_idx & 0xffff;
    if (event_idx >> 20)
        return 0;
    if (type == SBI_TYPE_GENERAL)
        return general_event(cpu, cpu->tc, code);
    if (type == SBI_TYPE_CACHE && cpu->tc)
        return cache_event(cpu->tc, code >> 3, (code >> 1) & 3, code & 1);
    return 0;
}
