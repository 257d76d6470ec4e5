/*
 * The detailed timing model of a vCPU (see core.h): building it from a
 * model, the miss paths through the cache hierarchy, and TLB refills
 * through the second-level TLB or a page walk.
 */
#include "timing/core.h"

#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "core/memmap.h"

static int cache_init(struct tcache *c, const struct timing_cache_cfg *cfg)
{
    if (!cfg->present) {
        memset(c, 0, sizeof(*c));
        return 0;
    }
    return tcache_init(c, cfg->size, cfg->ways, cfg->line);
}

static int tlb_init(struct ttlb *t, const struct timing_tlb_cfg *cfg)
{
    if (!cfg->present) {
        memset(t, 0, sizeof(*t));
        return 0;
    }
    return ttlb_init(t, cfg->entries, cfg->ways);
}

struct timing_cpu *timing_cpu_create(const struct timing_model *tm, bool isa_walks)
{
    struct timing_cpu *tc = calloc(1, sizeof(*tc));
    if (!tc)
        return NULL;
    tc->tm = tm;
    bool ok = cache_init(&tc->l1i, &tm->l1i) == 0 && cache_init(&tc->l1d, &tm->l1d) == 0 &&
              cache_init(&tc->l2, &tm->l2) == 0 && cache_init(&tc->l3, &tm->l3) == 0 &&
              tlb_init(&tc->itlb, &tm->itlb) == 0 && tlb_init(&tc->dtlb, &tm->dtlb) == 0 &&
              tlb_init(&tc->l2tlb, &tm->l2tlb) == 0;
    if (ok && tm->bpred != TIMING_BPRED_NONE)
        ok = bpred_init(&tc->bp, tm->bpred, tm->bpred_entries, tm->bpred_history, tm->btb_entries) == 0;
    if (!ok) {
        timing_cpu_free(tc);
        return NULL;
    }
    for (unsigned i = 0; i < TLB_NMMU; i++)
        tc->space[i] = TIMING_SPACE(i, 0);
    /* The parser lets the first-level TLBs exist only together. */
    tc->tlb_on = isa_walks && tm->itlb.present && tm->dtlb.present;
    return tc;
}

void timing_cpu_free(struct timing_cpu *tc)
{
    if (!tc)
        return;
    tcache_free(&tc->l1i);
    tcache_free(&tc->l1d);
    tcache_free(&tc->l2);
    tcache_free(&tc->l3);
    ttlb_free(&tc->itlb);
    ttlb_free(&tc->dtlb);
    ttlb_free(&tc->l2tlb);
    bpred_free(&tc->bp);
    free(tc);
}

/* Cycles of an access that missed in an L1 (whose config is l1), from
 * that L1's miss on: the lower levels are looked up, and fill, in turn. */
static uint32_t below_l1(struct timing_cpu *tc, const struct timing_cache_cfg *l1, uint64_t pa, enum tcache_op op)
{
    const struct timing_model *tm = tc->tm;
    uint32_t cycles = l1->miss;
    if (tc->l2.line) {
        if (tcache_access(&tc->l2, pa, op))
            return cycles + tm->l2.hit;
        cycles += tm->l2.miss;
        if (tc->l3.line) {
            if (tcache_access(&tc->l3, pa, op))
                return cycles + tm->l3.hit;
            cycles += tm->l3.miss;
        }
    }
    return cycles + tm->dram;
}

/* What a miss costs beyond the hit the static cost already paid; a miss
 * never costs less than a hit. */
static uint32_t beyond_hit(uint32_t miss_cycles, uint32_t hit)
{
    return miss_cycles > hit ? miss_cycles - hit : 0;
}

void timing_load_miss(struct cpu *cpu, struct timing_cpu *tc, uint64_t pa)
{
    uint32_t extra = beyond_hit(below_l1(tc, &tc->tm->l1d, pa, TCACHE_READ), tc->tm->l1d.hit);
    cpu->cycles += extra;
    tc->load_stall += extra;
}

void timing_store_miss(struct timing_cpu *tc, uint64_t pa)
{
    (void)below_l1(tc, &tc->tm->l1d, pa, TCACHE_WRITE);
}

void timing_on_slow_access(struct cpu *cpu, struct timing_cpu *tc, uint64_t va, unsigned mmu_idx, bool store)
{
    uint64_t pa;
    if (!timing_phys(cpu, va, store ? TLB_WRITE : TLB_READ, mmu_idx, &pa))
        return;
    const struct mem_region *r = memmap_find(&cpu->m->map, pa);
    if (!r || r->kind == MEM_MMIO)
        return;
    if (store)
        timing_on_store(cpu, tc, va, mmu_idx);
    else
        timing_on_load(cpu, tc, va, mmu_idx);
}

void timing_fetch_miss(struct cpu *cpu, struct timing_cpu *tc, uint64_t pa)
{
    uint32_t extra = beyond_hit(below_l1(tc, &tc->tm->l1i, pa, TCACHE_READ), tc->tm->l1i.hit);
    cpu->cycles += extra;
    tc->fetch_stall += extra;
}

void timing_fetch_lines(struct cpu *cpu, struct timing_cpu *tc, uint64_t pa, uint64_t pa_next, unsigned len)
{
    uint64_t line = 1ull << tc->l1i.line_shift;
    uint64_t in_page = 4096 - (pa & 4095);
    uint64_t first = in_page < len ? in_page : len;
    for (uint64_t a = pa & ~(line - 1); a < pa + first; a += line) {
        if (!tcache_access(&tc->l1i, a, TCACHE_READ))
            timing_fetch_miss(cpu, tc, a);
    }
    if (first == len || pa_next == UINT64_MAX)
        return;
    for (uint64_t a = pa_next & ~(line - 1); a < pa_next + (len - first); a += line) {
        if (!tcache_access(&tc->l1i, a, TCACHE_READ))
            timing_fetch_miss(cpu, tc, a);
    }
}

/* A page walk for va: its fixed cost plus each PTE read through the data
 * cache hierarchy. Returns the log2 page size, 0 when the walk faults. */
static unsigned tlb_walk(struct cpu *cpu, struct timing_cpu *tc, const struct exec_walk_trace *w, bool ok)
{
    uint64_t cycles = tc->tm->walk;
    for (unsigned i = 0; i < w->npte && i < EXEC_WALK_MAX_PTES; i++) {
        if (tc->l1d.line && tcache_access(&tc->l1d, w->pte_pa[i], TCACHE_READ))
            cycles += tc->tm->l1d.hit;
        else if (tc->l1d.line)
            cycles += below_l1(tc, &tc->tm->l1d, w->pte_pa[i], TCACHE_READ);
        else
            cycles += tc->tm->class_cycles[OPC_LOAD];
    }
    tc->walks++;
    cpu->cycles += cycles;
    tc->tlb_stall += cycles;
    if (!ok || w->page_size < 4096 || (w->page_size & (w->page_size - 1)))
        return 0;
    return (unsigned)__builtin_ctzll(w->page_size);
}

/* Whether mmu_idx translates is not known since the last flush: the walk
 * description says (no PTEs: it does not), then the access goes on. */
void timing_tlb_learn(struct cpu *cpu, struct timing_cpu *tc, uint64_t va, unsigned mmu_idx, bool fetch,
                      enum tlb_access acc)
{
    struct exec_walk_trace w;
    memset(&w, 0, sizeof(w));
    int rc = cpu->isa->walk_trace(cpu, va, acc, mmu_idx, &w);
    tc->xlat_known |= 1u << mmu_idx;
    if (rc == 0 && w.npte == 0)
        return;
    tc->xlat_on |= 1u << mmu_idx;
    struct ttlb *l1 = fetch ? &tc->itlb : &tc->dtlb;
    if (!ttlb_lookup(l1, va, tc->space[mmu_idx]))
        timing_tlb_miss(cpu, tc, va, mmu_idx, fetch, acc);
}

/* The first-level TLB did not hold va: the second level, else a walk. */
void timing_tlb_miss(struct cpu *cpu, struct timing_cpu *tc, uint64_t va, unsigned mmu_idx, bool fetch,
                     enum tlb_access acc)
{
    uint64_t space = tc->space[mmu_idx];
    unsigned shift = tc->l2tlb.e ? ttlb_lookup(&tc->l2tlb, va, space) : 0;
    if (shift) {
        cpu->cycles += tc->tm->l2tlb.hit;
        tc->tlb_stall += tc->tm->l2tlb.hit;
    } else {
        struct exec_walk_trace w;
        memset(&w, 0, sizeof(w));
        int rc = cpu->isa->walk_trace(cpu, va, acc, mmu_idx, &w);
        shift = tlb_walk(cpu, tc, &w, rc == 0);
        if (!shift)
            return;                     /* the access faults: nothing is held */
        if (tc->l2tlb.e)
            ttlb_insert(&tc->l2tlb, va, space, shift);
    }
    ttlb_insert(fetch ? &tc->itlb : &tc->dtlb, va, space, shift);
}

void timing_tlb_flush(struct timing_cpu *tc)
{
    if (tc->itlb.e)
        ttlb_flush_all(&tc->itlb);
    if (tc->dtlb.e)
        ttlb_flush_all(&tc->dtlb);
    if (tc->l2tlb.e)
        ttlb_flush_all(&tc->l2tlb);
    tc->xlat_known = tc->xlat_on = 0;
}

void timing_tlb_set_context(struct timing_cpu *tc, uint32_t idx_mask, uint32_t ctx)
{
    for (unsigned i = 0; i < TLB_NMMU; i++) {
        if (idx_mask & (1u << i))
            tc->space[i] = TIMING_SPACE(i, ctx);
    }
    tc->xlat_known &= ~idx_mask;
    tc->xlat_on &= ~idx_mask;
}

void timing_tlb_flush_va(struct timing_cpu *tc, uint64_t va)
{
    if (tc->itlb.e)
        ttlb_flush_va(&tc->itlb, va);
    if (tc->dtlb.e)
        ttlb_flush_va(&tc->dtlb, va);
    if (tc->l2tlb.e)
        ttlb_flush_va(&tc->l2tlb, va);
}

static void add_cache(struct timing_counts *sum, unsigned i, const struct tcache *c)
{
    if (!c->line)
        return;
    sum->cache_present[i] = true;
    for (unsigned op = 0; op < 2; op++) {
        sum->cache_access[i][op] += c->access[op];
        sum->cache_miss[i][op] += c->miss[op];
    }
}

static void add_tlb(struct timing_counts *sum, unsigned i, const struct ttlb *t)
{
    if (!t->e)
        return;
    sum->tlb_present[i] = true;
    sum->tlb_access[i] += t->access;
    sum->tlb_miss[i] += t->miss;
}

void timing_counts_add(struct timing_counts *sum, const struct timing_cpu *tc)
{
    if (!tc)
        return;
    add_cache(sum, TIMING_L1I, &tc->l1i);
    add_cache(sum, TIMING_L1D, &tc->l1d);
    add_cache(sum, TIMING_L2, &tc->l2);
    add_cache(sum, TIMING_L3, &tc->l3);
    if (tc->tlb_on) {
        sum->tlbs_on = true;
        add_tlb(sum, TIMING_ITLB, &tc->itlb);
        add_tlb(sum, TIMING_DTLB, &tc->dtlb);
        add_tlb(sum, TIMING_L2TLB, &tc->l2tlb);
        sum->walks += tc->walks;
    }
    if (tc->bp.ctr) {
        sum->bpred = true;
        sum->branches += tc->bp.branches;
        sum->branch_misses += tc->bp.branch_misses;
        sum->indirect += tc->bp.indirect;
        sum->indirect_misses += tc->bp.indirect_misses;
    }
    sum->fetch_stall += tc->fetch_stall;
    sum->load_stall += tc->load_stall;
    sum->tlb_stall += tc->tlb_stall;
    sum->branch_stall += tc->branch_stall;
}
