/*
 * Context banks of the soft TLB (see tlbctx.h).
 */
#include "mmu/tlbctx.h"

static void tlb_ctx_select(const struct tlb_ctx *g, struct tlb *t, unsigned b)
{
    for (unsigned i = 0; i < TLB_NIDX; i++)
        if ((g->idx_mask >> i) & 1)
            tlb_select_bank(t, i, b);
}

void tlb_ctx_flush_bank(const struct tlb_ctx *g, struct tlb *t, unsigned b)
{
    for (unsigned i = 0; i < TLB_NIDX; i++)
        if ((g->idx_mask >> i) & 1)
            tlb_flush_bank(t, i, b);
}

void tlb_ctx_init(struct tlb_ctx *g, struct tlb *t, uint32_t idx_mask, uint64_t k0, uint64_t k1)
{
    *g = (struct tlb_ctx){ .idx_mask = idx_mask };
    g->key[0][0] = k0;
    g->key[0][1] = k1;
    g->valid[0] = true;
    for (unsigned b = 0; b < TLB_NBANK; b++)
        tlb_ctx_flush_bank(g, t, b);
    tlb_ctx_select(g, t, 0);
}

bool tlb_ctx_switch(struct tlb_ctx *g, struct tlb *t, uint64_t k0, uint64_t k1)
{
    unsigned b, victim = 0;
    g->clock++;
    for (b = 0; b < TLB_NBANK; b++) {
        if (g->valid[b] && g->key[b][0] == k0 && g->key[b][1] == k1)
            break;
        if (!g->valid[b] || (g->valid[victim] && g->last_use[b] < g->last_use[victim]))
            victim = b;
    }
    bool fresh = b == TLB_NBANK;
    if (fresh) {
        b = victim;
        g->key[b][0] = k0;
        g->key[b][1] = k1;
        g->valid[b] = true;
        g->serial[b] = ++g->next_serial;
        tlb_ctx_flush_bank(g, t, b);
    }
    g->last_use[b] = g->clock;
    if (b == g->cur)
        return fresh;
    g->cur = b;
    tlb_ctx_select(g, t, b);
    return true;
}

void tlb_ctx_flush_matching(const struct tlb_ctx *g, struct tlb *t,
                            bool (*match)(const uint64_t key[2], uint64_t arg), uint64_t arg)
{
    for (unsigned b = 0; b < TLB_NBANK; b++)
        if (g->valid[b] && (!match || match(g->key[b], arg)))
            tlb_ctx_flush_bank(g, t, b);
}

void tlb_ctx_flush_block(const struct tlb_ctx *g, struct tlb *t, unsigned b, uint64_t va, uint64_t size)
{
    uint64_t base = va & ~(size - 1);
    for (unsigned i = 0; i < TLB_NIDX; i++) {
        if (!((g->idx_mask >> i) & 1))
            continue;
        struct tlb_entry *table = t->e[i + b * TLB_NIDX];
        if (size <= (1u << TLB_PAGE_BITS)) {
            tlb_flush_page_in(table, va);
            continue;
        }
        /* The 4 KiB pieces of a larger leaf sit at many indexes. */
        for (unsigned k = 0; k < TLB_SIZE; k++) {
            struct tlb_entry *e = &table[k];
            for (int a = 0; a < 3; a++) {
                if (!(e->tag[a] & TLB_INVALID) && (e->tag[a] & ~(size - 1)) == base) {
                    memset(e, 0xff, sizeof(*e));
                    break;
                }
            }
        }
    }
}
