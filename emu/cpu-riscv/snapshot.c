/*
 * A riscv64 hart in snapshots and state hashes (cpu_ops.save/load).
 *
 * The engine's part of the vCPU (IR slots with x, f and pc, cycle and
 * instruction counts, WFI, pending-check flags) is saved by
 * core/snapshot.c; this file saves what struct rv_cpu and struct rv_hart
 * add, as a table of fields: a new piece of hart state is one line here.
 * Each entry is a run of little-endian integers of one width, so the file
 * does not depend on the host's struct layout.
 *
 * The Sstc compare events are re-posted from the restored CSRs by csr.c's
 * own code (rv_stimer_update) and then take their saved places in the event
 * queue (evq_snap_reposted), so their callbacks never appear in the file.
 */
#include <stddef.h>
#include <string.h>

#include "core/machine.h"
#include "core/snap.h"
#include "cpu-riscv/hart.h"
#include "cpu-riscv/rv.h"
#include "cpu-riscv/snapshot.h"

struct rv_snap_field {
    const char *name;
    size_t off;                 /* from the start of struct rv_hart */
    size_t width;               /* bytes per element: 1, 4 or 8 */
    size_t count;
    bool host;                  /* counts host-side work: saved, not hashed */
};

#define RV_FIELD_SIZE(type, field) sizeof(((type *)0)->field)
/* A field of struct rv_cpu (an integer or an array of integers). */
#define RV_CPU_FIELD(field, width)                                                                   \
    { #field, offsetof(struct rv_hart, rv) + offsetof(struct rv_cpu, field), width,                \
      RV_FIELD_SIZE(struct rv_cpu, field) / (width), false }
/* A field of struct rv_hart. */
#define RV_HART_FIELD(field, width)                                                                  \
    { #field, offsetof(struct rv_hart, field), width, RV_FIELD_SIZE(struct rv_hart, field) / (width), false }
/* A counter of struct rv_hart that follows the soft TLB (a refill), so a
 * restored run, whose TLB starts empty, counts differently. */
#define RV_HART_HOST_FIELD(field, width)                                                             \
    { #field, offsetof(struct rv_hart, field), width, RV_FIELD_SIZE(struct rv_hart, field) / (width), true }

static const struct rv_snap_field rv_snap_fields[] = {
    RV_CPU_FIELD(hartid, 8),
    RV_CPU_FIELD(priv, 4),
    RV_CPU_FIELD(virt, 1),
    /* Machine level (priv 1.12 ch. 3). */
    RV_CPU_FIELD(misa, 8), RV_CPU_FIELD(mstatus, 8), RV_CPU_FIELD(medeleg, 8),
    RV_CPU_FIELD(mideleg, 8), RV_CPU_FIELD(mie, 8), RV_CPU_FIELD(mip, 8),
    RV_CPU_FIELD(mtvec, 8), RV_CPU_FIELD(mscratch, 8), RV_CPU_FIELD(mepc, 8),
    RV_CPU_FIELD(mcause, 8), RV_CPU_FIELD(mtval, 8),
    RV_CPU_FIELD(mcounteren, 8), RV_CPU_FIELD(mcountinhibit, 8), RV_CPU_FIELD(menvcfg, 8),
    RV_CPU_FIELD(mseccfg, 8), RV_CPU_FIELD(mhpmevent, 8),
    /* Supervisor level (ch. 4). */
    RV_CPU_FIELD(stvec, 8), RV_CPU_FIELD(sscratch, 8), RV_CPU_FIELD(sepc, 8),
    RV_CPU_FIELD(scause, 8), RV_CPU_FIELD(stval, 8), RV_CPU_FIELD(satp, 8),
    RV_CPU_FIELD(scounteren, 8), RV_CPU_FIELD(senvcfg, 8), RV_CPU_FIELD(stimecmp, 8),
    /* Hypervisor and VS (priv 1.12 ch. 8). */
    RV_CPU_FIELD(hstatus, 8), RV_CPU_FIELD(hedeleg, 8), RV_CPU_FIELD(hideleg, 8),
    RV_CPU_FIELD(hvip, 8), RV_CPU_FIELD(hgeie, 8), RV_CPU_FIELD(htval, 8),
    RV_CPU_FIELD(htinst, 8), RV_CPU_FIELD(hgatp, 8), RV_CPU_FIELD(hcounteren, 8),
    RV_CPU_FIELD(htimedelta, 8), RV_CPU_FIELD(henvcfg, 8),
    RV_CPU_FIELD(vsstatus, 8), RV_CPU_FIELD(vstvec, 8), RV_CPU_FIELD(vsscratch, 8),
    RV_CPU_FIELD(vsepc, 8), RV_CPU_FIELD(vscause, 8), RV_CPU_FIELD(vstval, 8),
    RV_CPU_FIELD(vsatp, 8), RV_CPU_FIELD(vstimecmp, 8),
    RV_CPU_FIELD(mtval2, 8), RV_CPU_FIELD(mtinst, 8),
    /* Interrupt lines driven by devices. */
    RV_CPU_FIELD(mip_lines, 8),
    /* F/D. */
    RV_CPU_FIELD(fflags, 4), RV_CPU_FIELD(frm, 4),
    /* PMP (§3.7). */
    RV_CPU_FIELD(pmpcfg, 1), RV_CPU_FIELD(pmpaddr, 8),
    /* LR/SC reservation. */
    RV_CPU_FIELD(lr_addr, 8), RV_CPU_FIELD(lr_val, 8), RV_CPU_FIELD(lr_valid, 1),
    RV_CPU_FIELD(time_ratio, 8),
    /* The counters' bases (hpm.c), which with the totals of the timing
     * model (saved with it) give mcycle, minstret and mhpmcounter3-31. */
    RV_HART_FIELD(ctr_base, 8),
    RV_HART_FIELD(hlv_active, 1),
    /* The soft TLB's address-space banks (addrspace.c): the context each
     * holds, and the number it got, which names the timing model's TLB
     * entries (exec_timing_tlb_context), so a restored run must go on
     * numbering as the original did. The entries themselves are a cache,
     * emptied after loading; so is max_leaf_size, which only says how far
     * a fence must reach into them. */
    RV_HART_FIELD(ctx_hs.key, 8), RV_HART_FIELD(ctx_hs.valid, 1), RV_HART_FIELD(ctx_hs.last_use, 8),
    RV_HART_FIELD(ctx_hs.clock, 8), RV_HART_FIELD(ctx_hs.serial, 4), RV_HART_FIELD(ctx_hs.next_serial, 4),
    RV_HART_FIELD(ctx_hs.cur, 4),
    RV_HART_FIELD(ctx_vs.key, 8), RV_HART_FIELD(ctx_vs.valid, 1), RV_HART_FIELD(ctx_vs.last_use, 8),
    RV_HART_FIELD(ctx_vs.clock, 8), RV_HART_FIELD(ctx_vs.serial, 4), RV_HART_FIELD(ctx_vs.next_serial, 4),
    RV_HART_FIELD(ctx_vs.cur, 4),
    RV_CPU_FIELD(cpu.tlb.bank_off, 1),
    /* Hypervisor statistics (stats.c). */
    RV_HART_FIELD(hyp.virt_cycles, 8), RV_HART_FIELD(hyp.virt_since, 8),
    RV_HART_FIELD(hyp.exits_exc, 8), RV_HART_FIELD(hyp.exits_irq, 8),
    RV_HART_FIELD(hyp.hfence_vvma, 8), RV_HART_FIELD(hyp.hfence_gvma, 8),
    RV_HART_HOST_FIELD(hyp.gstage_walks, 8),
    /* Cycles per execution mode (stats.c). */
    RV_HART_FIELD(mode_cycles, 8), RV_HART_FIELD(mode_since, 8),
};

/* The -cpu extensions: configuration, not state, but a snapshot only fits
 * a hart with the same ones. */
#define RV_EXT_COUNT (sizeof(struct rv_ext) / sizeof(bool))

static uint64_t rv_snap_get(const uint8_t *p, size_t width)
{
    uint64_t v = 0;
    memcpy(&v, p, width);           /* the host is little-endian (x86-64) */
    return v;
}

static void rv_snap_put(uint8_t *p, size_t width, uint64_t v)
{
    memcpy(p, &v, width);
}

static int rv_snap_field(struct snap *s, uint8_t *base, const struct rv_snap_field *f)
{
    if (f->host)
        snap_hash_off(s);
    for (size_t i = 0; i < f->count; i++) {
        uint8_t *p = base + f->off + i * f->width;
        uint64_t v = rv_snap_get(p, f->width);
        const char *key = f->count > 1 ? snap_key(s, "%s[%zu]", f->name, i) : f->name;
        if (snap_u64(s, key, &v) < 0)
            return -1;
        if (snap_loading(s)) {
            if (f->width < 8 && v >> (8 * f->width))
                return snap_fail(s, "%s holds 0x%llx, wider than %zu bytes", key, (unsigned long long)v, f->width);
            rv_snap_put(p, f->width, v);
        }
    }
    snap_hash_on(s);
    return 0;
}

static int rv_snap(struct cpu *cpu, struct snap *s)
{
    struct rv_cpu *rv = rv_of(cpu);
    struct rv_hart *h = rv_hart_of(rv);
    bool ext[RV_EXT_COUNT];
    memcpy(ext, &rv->ext, sizeof(ext));
    snap_bytes(s, "ext", ext, sizeof(ext));
    if (snap_loading(s) && snap_status(s) == 0 && memcmp(ext, &rv->ext, sizeof(ext)))
        return snap_fail(s, "saved with other -cpu extensions");
    for (size_t i = 0; i < sizeof(rv_snap_fields) / sizeof(rv_snap_fields[0]) && snap_status(s) == 0; i++)
        rv_snap_field(s, (uint8_t *)h, &rv_snap_fields[i]);
    if (snap_loading(s) && snap_status(s) == 0) {
        if (rv->priv != RV_PRIV_U && rv->priv != RV_PRIV_S && rv->priv != RV_PRIV_M)
            return snap_fail(s, "privilege level %u", (unsigned)rv->priv);
        if (rv->time_ratio == 0)
            return snap_fail(s, "time_ratio 0");
        if (rv->virt && (!rv->ext.h || rv->priv == RV_PRIV_M))
            return snap_fail(s, "V=1 without the H extension or in M-mode");
        if (h->ctx_hs.cur >= TLB_NBANK || h->ctx_vs.cur >= TLB_NBANK)
            return snap_fail(s, "soft-TLB bank %u/%u selected", h->ctx_hs.cur, h->ctx_vs.cur);
        for (unsigned i = 0; i < TLB_NMMU; i++) {
            if (i + cpu->tlb.bank_off[i] >= TLB_NMMU)
                return snap_fail(s, "soft-TLB table %u + %u does not exist", i, cpu->tlb.bank_off[i]);
        }
        /* The queue was emptied: post the compares afresh, then give them
         * the places they had. */
        h->stimer_event = h->vstimer_event = 0;
        rv_stimer_update(rv);
    }
    evq_snap_reposted(&cpu->m->evq, s, "stimer", &h->stimer_event);
    evq_snap_reposted(&cpu->m->evq, s, "vstimer", &h->vstimer_event);
    return snap_status(s);
}

int rv_snapshot_save(struct cpu *cpu, struct snap *s)
{
    return rv_snap(cpu, s);
}

int rv_snapshot_load(struct cpu *cpu, struct snap *s)
{
    return rv_snap(cpu, s);
}
