/*
 * Address-space contexts for the soft TLB's banks.
 *
 * A context group is a set of translation regimes that always change
 * context together (riscv: U, S and S+SUM follow satp; VU, VS and VS+SUM
 * follow vsatp and hgatp). Each bank of the group holds the translations
 * of one context, named by a two-word key the ISA chooses (riscv: the
 * satp value; or the hgatp and vsatp values, which carry VMID and ASID).
 * Switching to a context whose bank exists selects it with its entries
 * intact; otherwise the least recently used bank is emptied and reused.
 * Fences drop one bank, one page of one bank, or every bank whose key
 * matches a predicate (a VMID, an ASID).
 *
 *   tlb_ctx_init(&g, &cpu->tlb, (1u << IDX_U) | (1u << IDX_S), satp, 0);
 *   if (tlb_ctx_switch(&g, &cpu->tlb, new_satp, 0))
 *       forget translated-code lookups by virtual pc;
 */
#ifndef EMU_MMU_TLBCTX_H
#define EMU_MMU_TLBCTX_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/tlb.h"

struct tlb_ctx {
    uint32_t idx_mask;                  /* mmu_idx values of the group */
    uint64_t key[TLB_NBANK][2];         /* context held by each bank */
    bool valid[TLB_NBANK];              /* the bank holds a context */
    uint64_t last_use[TLB_NBANK];       /* for choosing a victim */
    uint64_t clock;
    uint32_t serial[TLB_NBANK];         /* a number for each context a bank took */
    uint32_t next_serial;
    unsigned cur;                       /* bank selected for the group */
};

/* A number naming the context in force: it changes whenever a bank takes
 * a new context, and comes back with a bank that kept its context (for
 * whatever else caches translations by context, e.g. modelled TLBs). */
static inline uint32_t tlb_ctx_id(const struct tlb_ctx *g)
{
    return g->serial[g->cur];
}

/* Bank 0 holds context (k0, k1) and is selected; the others are empty. */
void tlb_ctx_init(struct tlb_ctx *g, struct tlb *t, uint32_t idx_mask, uint64_t k0, uint64_t k1);

/* Selects the bank of context (k0, k1), emptying the least recently used
 * bank for it when none holds it. Returns true when the context in force
 * changed (another bank, or a bank emptied for it). */
bool tlb_ctx_switch(struct tlb_ctx *g, struct tlb *t, uint64_t k0, uint64_t k1);

/* Empties bank b of every regime of the group (it keeps its context). */
void tlb_ctx_flush_bank(const struct tlb_ctx *g, struct tlb *t, unsigned b);

/* Empties every bank of the group whose key satisfies match (NULL: all). */
void tlb_ctx_flush_matching(const struct tlb_ctx *g, struct tlb *t,
                            bool (*match)(const uint64_t key[2], uint64_t arg), uint64_t arg);

/* Drops the entries of bank b that lie in the naturally aligned block of
 * size bytes (a power of two, >= 4 KiB) holding va: every 4 KiB piece of
 * one leaf page. */
void tlb_ctx_flush_block(const struct tlb_ctx *g, struct tlb *t, unsigned b, uint64_t va, uint64_t size);

#endif
