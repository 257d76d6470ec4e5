/* Bimodal and gshare direction predictors, and the BTB (see bpred.h). */
#include "timing/bpred.h"

#include <stdlib.h>
#include <string.h>

int bpred_init(struct bpred *b, enum timing_bpred_kind kind, uint32_t entries, uint32_t history_bits,
               uint32_t btb_entries)
{
    memset(b, 0, sizeof(*b));
    b->ctr = malloc(entries);
    b->btb = calloc(btb_entries, sizeof(*b->btb));
    if (!b->ctr || !b->btb) {
        bpred_free(b);
        return -1;
    }
    memset(b->ctr, 1, entries);
    b->kind = kind;
    b->ctr_mask = entries - 1;
    b->history_mask = kind == TIMING_BPRED_GSHARE ? (uint32_t)((1ull << history_bits) - 1) : 0;
    b->btb_mask = btb_entries - 1;
    return 0;
}

void bpred_free(struct bpred *b)
{
    free(b->ctr);
    free(b->btb);
    b->ctr = NULL;
    b->btb = NULL;
}

/* Instructions are at least 2-byte aligned (RVC): bit 0 carries nothing. */
static uint32_t pc_bits(uint64_t pc)
{
    return (uint32_t)(pc >> 1);
}

bool bpred_branch(struct bpred *b, uint64_t pc, bool taken)
{
    uint32_t i = (pc_bits(pc) ^ b->history) & b->ctr_mask;
    uint8_t *c = &b->ctr[i];
    bool predicted = *c >= 2;
    if (taken && *c < 3)
        (*c)++;
    else if (!taken && *c > 0)
        (*c)--;
    b->history = ((b->history << 1) | taken) & b->history_mask;
    b->branches++;
    if (predicted != taken) {
        b->branch_misses++;
        return true;
    }
    return false;
}

bool bpred_indirect(struct bpred *b, uint64_t pc, uint64_t target)
{
    struct bpred_btb_entry *e = &b->btb[pc_bits(pc) & b->btb_mask];
    bool hit = e->pc == pc + 1 && e->target == target;
    e->pc = pc + 1;
    e->target = target;
    b->indirect++;
    if (!hit) {
        b->indirect_misses++;
        return true;
    }
    return false;
}
