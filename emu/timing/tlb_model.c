/* Modelled TLBs (see tlb_model.h). */
#include "timing/tlb_model.h"

#include <stdlib.h>
#include <string.h>

int ttlb_init(struct ttlb *t, uint32_t entries, uint32_t ways)
{
    memset(t, 0, sizeof(*t));
    t->e = calloc(entries, sizeof(*t->e));
    if (!t->e)
        return -1;
    t->ways = ways;
    t->set_mask = entries / ways - 1;
    return 0;
}

void ttlb_free(struct ttlb *t)
{
    free(t->e);
    t->e = NULL;
}

static struct ttlb_entry *ttlb_set(struct ttlb *t, uint64_t va)
{
    return t->e + (size_t)((va >> TTLB_BASE_SHIFT) & t->set_mask) * t->ways;
}

static bool ttlb_match(const struct ttlb_entry *e, uint64_t va, uint64_t space)
{
    return e->shift && e->space == space && (va >> e->shift) == e->vpn;
}

/* Not the most recent entry of its set: search the others. */
unsigned ttlb_lookup_slow(struct ttlb *t, uint64_t va, uint64_t space)
{
    struct ttlb_entry *set = ttlb_set(t, va);
    for (uint32_t w = 1; w < t->ways; w++) {
        if (ttlb_match(&set[w], va, space)) {
            struct ttlb_entry hit = set[w];
            memmove(set + 1, set, w * sizeof(*set));
            set[0] = hit;
            return hit.shift;
        }
    }
    t->miss++;
    return 0;
}

void ttlb_insert(struct ttlb *t, uint64_t va, uint64_t space, unsigned shift)
{
    struct ttlb_entry *set = ttlb_set(t, va);
    memmove(set + 1, set, (t->ways - 1) * sizeof(*set));
    set[0] = (struct ttlb_entry){ .vpn = va >> shift, .space = space, .shift = (uint8_t)shift };
}

void ttlb_flush_all(struct ttlb *t)
{
    memset(t->e, 0, ((size_t)t->set_mask + 1) * t->ways * sizeof(*t->e));
}

void ttlb_flush_va(struct ttlb *t, uint64_t va)
{
    /* A superpage entry may sit in another set than va's 4 KiB page. */
    size_t n = ((size_t)t->set_mask + 1) * t->ways;
    for (size_t i = 0; i < n; i++) {
        if (t->e[i].shift && (va >> t->e[i].shift) == t->e[i].vpn)
            t->e[i].shift = 0;
    }
}
