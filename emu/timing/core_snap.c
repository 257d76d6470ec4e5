/*
 * The state of a vCPU's detailed timing model in snapshots and state
 * hashes (core/snap.h): cache tags in recency order, TLB entries,
 * predictor counters, history and BTB, and every counter, so a restored
 * run charges exactly what the uninterrupted one would. The geometry is
 * the model's and is not saved: the snapshot's configuration names the
 * model (snapshot_config_text), and sizes are checked on loading.
 */
#include <stdlib.h>
#include <string.h>

#include "core/snap.h"
#include "timing/core.h"

static void snap_cache(struct snap *s, const char *name, struct tcache *c)
{
    if (!c->line)
        return;
    size_t n = ((size_t)c->set_mask + 1) * c->ways;
    snap_u64s(s, snap_key(s, "%s.lines", name), c->line, n);
    snap_u64s(s, snap_key(s, "%s.access", name), c->access, 2);
    snap_u64s(s, snap_key(s, "%s.miss", name), c->miss, 2);
}

/* Entries go as (vpn, space, shift) triples. */
static void snap_tlb(struct snap *s, const char *name, struct ttlb *t)
{
    if (!t->e)
        return;
    size_t n = ((size_t)t->set_mask + 1) * t->ways;
    uint64_t *v = calloc(n * 3, sizeof(*v));
    if (!v) {
        snap_fail(s, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        v[3 * i] = t->e[i].vpn;
        v[3 * i + 1] = t->e[i].space;
        v[3 * i + 2] = t->e[i].shift;
    }
    snap_u64s(s, snap_key(s, "%s.entries", name), v, n * 3);
    if (snap_loading(s) && snap_status(s) == 0) {
        for (size_t i = 0; i < n; i++) {
            if (v[3 * i + 2] > 63) {
                snap_fail(s, "%s entry %zu: page shift %llu", name, i, (unsigned long long)v[3 * i + 2]);
                break;
            }
            t->e[i] = (struct ttlb_entry){ .vpn = v[3 * i], .space = v[3 * i + 1], .shift = (uint8_t)v[3 * i + 2] };
        }
    }
    free(v);
    snap_u64(s, snap_key(s, "%s.access", name), &t->access);
    snap_u64(s, snap_key(s, "%s.miss", name), &t->miss);
}

static void snap_bpred(struct snap *s, struct bpred *b)
{
    if (!b->ctr)
        return;
    size_t n = (size_t)b->ctr_mask + 1, nb = (size_t)b->btb_mask + 1;
    snap_bytes(s, "bp.counters", b->ctr, n);
    snap_u32(s, "bp.history", &b->history);
    uint64_t *v = calloc(nb * 2, sizeof(*v));
    if (!v) {
        snap_fail(s, "out of memory");
        return;
    }
    for (size_t i = 0; i < nb; i++) {
        v[2 * i] = b->btb[i].pc;
        v[2 * i + 1] = b->btb[i].target;
    }
    snap_u64s(s, "bp.btb", v, nb * 2);
    if (snap_loading(s) && snap_status(s) == 0) {
        for (size_t i = 0; i < nb; i++)
            b->btb[i] = (struct bpred_btb_entry){ .pc = v[2 * i], .target = v[2 * i + 1] };
    }
    free(v);
    snap_u64(s, "bp.branches", &b->branches);
    snap_u64(s, "bp.branch_misses", &b->branch_misses);
    snap_u64(s, "bp.indirect", &b->indirect);
    snap_u64(s, "bp.indirect_misses", &b->indirect_misses);
    if (snap_loading(s) && snap_status(s) == 0) {
        for (size_t i = 0; i < n; i++) {
            if (b->ctr[i] > 3) {
                snap_fail(s, "branch counter %zu holds %u", i, b->ctr[i]);
                break;
            }
        }
        b->history &= b->history_mask;
    }
}

int timing_cpu_snap(struct timing_cpu *tc, struct snap *s)
{
    snap_cache(s, "l1i", &tc->l1i);
    snap_cache(s, "l1d", &tc->l1d);
    snap_cache(s, "l2", &tc->l2);
    snap_cache(s, "l3", &tc->l3);
    snap_tlb(s, "itlb", &tc->itlb);
    snap_tlb(s, "dtlb", &tc->dtlb);
    snap_tlb(s, "l2tlb", &tc->l2tlb);
    snap_u32(s, "xlat_known", &tc->xlat_known);
    snap_u32(s, "xlat_on", &tc->xlat_on);
    snap_u64s(s, "space", tc->space, TLB_NMMU);
    snap_u64(s, "walks", &tc->walks);
    snap_bpred(s, &tc->bp);
    snap_u64(s, "stall.fetch", &tc->fetch_stall);
    snap_u64(s, "stall.load", &tc->load_stall);
    snap_u64(s, "stall.tlb", &tc->tlb_stall);
    snap_u64(s, "stall.branch", &tc->branch_stall);
    return snap_status(s);
}
