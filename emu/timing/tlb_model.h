/*
 * A modelled TLB: which translations the core would hold, to charge the
 * cost of missing them. (The soft TLB of mmu/tlb.h is emu's own fast
 * path and has nothing to do with timing.)
 *
 * Set-associative with LRU (fully associative when ways == entries). An
 * entry maps one page of its size (4 KiB, or a superpage) in one address
 * space: a number naming the translation regime (the engine's mmu_idx)
 * and the context the ISA runs it in (ASID, VMID; timing/core.h), so
 * switching between two contexts keeps both sets of entries, as with
 * ASID-tagged TLBs. Sets are indexed by the
 * 4 KiB page number, so a superpage entry is found from the pages of its
 * set only: in a set-associative TLB other parts of the superpage refill
 * on their own, as in TLBs that splinter superpages.
 *
 *   struct ttlb t;
 *   ttlb_init(&t, 40, 40);
 *   if (!ttlb_lookup(&t, va, space))
 *       ttlb_insert(&t, va, space, 12);
 */
#ifndef EMU_TIMING_TLB_MODEL_H
#define EMU_TIMING_TLB_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TTLB_BASE_SHIFT 12     /* sets are indexed by the 4 KiB page number */

struct ttlb_entry {
    uint64_t vpn;           /* va >> shift */
    uint64_t space;
    uint8_t shift;          /* log2 of the page size; 0 = empty entry */
};

struct ttlb {
    struct ttlb_entry *e;   /* sets * ways, most recent first in each set */
    uint32_t ways;
    uint32_t set_mask;
    uint64_t access, miss;
};

/* entries / ways must be a power of two (the model parser checks).
 * Returns 0, or -1 when out of memory. */
int ttlb_init(struct ttlb *t, uint32_t entries, uint32_t ways);
void ttlb_free(struct ttlb *t);

unsigned ttlb_lookup_slow(struct ttlb *t, uint64_t va, uint64_t space);

/* Looks up the translation of va in space; a hit becomes the most recent
 * entry of its set. Returns the log2 page size of the entry that holds
 * it, 0 when none does. Counts an access, and a miss on 0. */
static inline unsigned ttlb_lookup(struct ttlb *t, uint64_t va, uint64_t space)
{
    const struct ttlb_entry *e = t->e + (size_t)((va >> TTLB_BASE_SHIFT) & t->set_mask) * t->ways;
    t->access++;
    if (e->shift && e->space == space && (va >> e->shift) == e->vpn)
        return e->shift;
    return ttlb_lookup_slow(t, va, space);
}

/* Holds the translation of the page of size 1 << shift around va in
 * space, evicting the least recently used entry of its set. */
void ttlb_insert(struct ttlb *t, uint64_t va, uint64_t space, unsigned shift);

void ttlb_flush_all(struct ttlb *t);
/* Drops every entry that maps va, in any space. */
void ttlb_flush_va(struct ttlb *t, uint64_t va);

#endif
