/*
 * Machine timer and software interrupts in the SiFive CLINT layout
 * (RISC-V ACLINT specification 1.0: MSWI §3, MTIMER §2; RISC-V priv 1.12
 * §3.2.1 for mtime/mtimecmp semantics).
 *
 * Register map (offsets from the base, 0x10000 bytes):
 *   0x0000 + 4*h   MSIP of hart h (bit 0; 32-bit)
 *   0x4000 + 8*h   MTIMECMP of hart h (64-bit, or two 32-bit halves)
 *   0xbff8         MTIME (64-bit, or two 32-bit halves)
 *
 * mtime = machine_now / time_ratio + offset; a write to mtime only moves
 * the offset. MTIP is a level: high while mtime >= mtimecmp. Rather than
 * polling, each hart has at most one event at the exact cycle where mtime
 * reaches its mtimecmp.
 */
#include "dev/aclint.h"

#include <stdbool.h>
#include <stdlib.h>

#include "core/machine.h"
#include "core/snap.h"

#define ACLINT_MSIP_BASE     0x0000u
#define ACLINT_MTIMECMP_BASE 0x4000u
#define ACLINT_MTIME         0xbff8u

struct aclint_hart {
    struct aclint *c;
    uint64_t mtimecmp;
    uint64_t event;        /* pending timer event id, 0 when none */
    bool mtip, msip;
    struct irq_line mtip_line, msip_line;
};

struct aclint {
    struct machine *m;
    uint64_t time_ratio;
    uint64_t offset;       /* added (mod 2^64) to cycles / time_ratio */
    unsigned nharts;
    struct aclint_hart harts[];
};

static uint64_t aclint_ticks(const struct aclint *c)
{
    return machine_now(c->m) / c->time_ratio;
}

uint64_t aclint_mtime(const struct aclint *c)
{
    return aclint_ticks(c) + c->offset;
}

static void aclint_set_mtip(struct aclint_hart *h, bool level)
{
    if (h->mtip != level) {
        h->mtip = level;
        irq_set(&h->mtip_line, level);
    }
}

static void aclint_timer_fire(void *opaque, uint64_t now);

/* Re-evaluates MTIP and posts the event for the cycle mtime reaches mtimecmp. */
static void aclint_timer_update(struct aclint_hart *h)
{
    struct aclint *c = h->c;
    uint64_t mtime = aclint_mtime(c);
    uint64_t ticks, delta;

    if (h->event) {
        evq_cancel(&c->m->evq, h->event);
        h->event = 0;
    }
    if (mtime >= h->mtimecmp) {
        aclint_set_mtip(h, true);
        return;
    }
    aclint_set_mtip(h, false);
    delta = h->mtimecmp - mtime;
    ticks = aclint_ticks(c);
    /* A deadline beyond 2^64 cycles never comes. */
    if (ticks + delta < ticks || ticks + delta > UINT64_MAX / c->time_ratio)
        return;
    h->event = evq_post(&c->m->evq, (ticks + delta) * c->time_ratio, EVQ_PRIO_TIMER,
                        aclint_timer_fire, h);
}

static void aclint_timer_fire(void *opaque, uint64_t now)
{
    struct aclint_hart *h = opaque;

    h->event = 0;
    aclint_timer_update(h);
}

static void aclint_set_msip(struct aclint_hart *h, bool level)
{
    if (h->msip != level) {
        h->msip = level;
        irq_set(&h->msip_line, level);
    }
}

/* A 32-bit access to one half of a 64-bit register: returns the merged value. */
static uint64_t aclint_merge_half(uint64_t old, unsigned byte_off, uint64_t val)
{
    if (byte_off == 4)
        return (old & 0xffffffffull) | (val & 0xffffffffull) << 32;
    return (old & ~0xffffffffull) | (val & 0xffffffffull);
}

/* Decodes a 64-bit register access; false for a bad size or alignment. */
static bool aclint_reg64(uint64_t off, uint64_t base, unsigned size, unsigned *byte_off)
{
    *byte_off = (unsigned)((off - base) & 7u);
    return (size == 8 && *byte_off == 0) || (size == 4 && (*byte_off == 0 || *byte_off == 4));
}

static uint64_t aclint_read(void *dev, uint64_t off, unsigned size)
{
    struct aclint *c = dev;
    unsigned b;
    uint64_t v;

    if (off < ACLINT_MTIMECMP_BASE) {
        unsigned h = (unsigned)(off / 4);
        return (size == 4 && !(off & 3) && h < c->nharts) ? c->harts[h].msip : 0;
    }
    if (off < ACLINT_MTIMECMP_BASE + 8ull * c->nharts) {
        if (!aclint_reg64(off, ACLINT_MTIMECMP_BASE, size, &b))
            return 0;
        v = c->harts[(off - ACLINT_MTIMECMP_BASE) / 8].mtimecmp;
    } else if (off >= ACLINT_MTIME && off < ACLINT_MTIME + 8) {
        if (!aclint_reg64(off, ACLINT_MTIME, size, &b))
            return 0;
        v = aclint_mtime(c);
    } else {
        return 0;
    }
    v >>= 8 * b;
    return size == 4 ? (v & 0xffffffffull) : v;
}

static void aclint_write_mtime(struct aclint *c, uint64_t val, unsigned size, unsigned b)
{
    uint64_t mtime = size == 8 ? val : aclint_merge_half(aclint_mtime(c), b, val);

    c->offset = mtime - aclint_ticks(c);
    for (unsigned i = 0; i < c->nharts; i++)
        aclint_timer_update(&c->harts[i]);
}

static void aclint_write(void *dev, uint64_t off, uint64_t val, unsigned size)
{
    struct aclint *c = dev;
    unsigned b;

    if (off < ACLINT_MTIMECMP_BASE) {
        unsigned h = (unsigned)(off / 4);
        if (size == 4 && !(off & 3) && h < c->nharts)
            aclint_set_msip(&c->harts[h], val & 1);
    } else if (off < ACLINT_MTIMECMP_BASE + 8ull * c->nharts) {
        struct aclint_hart *h = &c->harts[(off - ACLINT_MTIMECMP_BASE) / 8];
        if (!aclint_reg64(off, ACLINT_MTIMECMP_BASE, size, &b))
            return;
        h->mtimecmp = size == 8 ? val : aclint_merge_half(h->mtimecmp, b, val);
        aclint_timer_update(h);
    } else if (off >= ACLINT_MTIME && off < ACLINT_MTIME + 8) {
        if (aclint_reg64(off, ACLINT_MTIME, size, &b))
            aclint_write_mtime(c, val, size, b);
    }
}

/* After reset no timer is armed (mtimecmp all ones) and mtime is again
 * cycles / time_ratio, the value the harts' time CSR reads. */
static void aclint_reset(void *dev)
{
    struct aclint *c = dev;

    c->offset = 0;
    for (unsigned i = 0; i < c->nharts; i++) {
        c->harts[i].mtimecmp = UINT64_MAX;
        aclint_set_msip(&c->harts[i], false);
        aclint_timer_update(&c->harts[i]);
    }
}

struct aclint *aclint_create(struct machine *m, unsigned nharts, uint64_t time_ratio,
                             const struct irq_line *mtip, const struct irq_line *msip)
{
    struct aclint *c;

    if (nharts == 0 || nharts > ACLINT_MAX_HARTS || time_ratio == 0)
        return NULL;
    c = calloc(1, sizeof(*c) + nharts * sizeof(c->harts[0]));
    if (!c)
        return NULL;
    c->m = m;
    c->time_ratio = time_ratio;
    c->nharts = nharts;
    for (unsigned i = 0; i < nharts; i++) {
        c->harts[i].c = c;
        c->harts[i].mtimecmp = UINT64_MAX;
        if (mtip)
            c->harts[i].mtip_line = mtip[i];
        if (msip)
            c->harts[i].msip_line = msip[i];
    }
    aclint_reset(c);
    return c;
}

void aclint_destroy(void *aclint)
{
    struct aclint *c = aclint;

    if (!c)
        return;
    for (unsigned i = 0; i < c->nharts; i++)
        if (c->harts[i].event)
            evq_cancel(&c->m->evq, c->harts[i].event);
    free(c);
}

/* Snapshot and state hash: mtime's offset, and per hart mtimecmp, the
 * line levels (restored, not re-driven) and the compare event. */
static int aclint_snap(void *dev, struct snap *s)
{
    struct aclint *c = dev;
    uint32_t nharts = c->nharts;
    snap_u32(s, "nharts", &nharts);
    if (snap_loading(s) && snap_status(s) == 0 && nharts != c->nharts)
        return snap_fail(s, "%u harts in the file, %u here", nharts, c->nharts);
    snap_u64(s, "offset", &c->offset);
    for (unsigned i = 0; i < c->nharts; i++) {
        struct aclint_hart *h = &c->harts[i];
        snap_u64(s, snap_key(s, "hart%u.mtimecmp", i), &h->mtimecmp);
        snap_bool(s, snap_key(s, "hart%u.mtip", i), &h->mtip);
        snap_bool(s, snap_key(s, "hart%u.msip", i), &h->msip);
        evq_snap(&c->m->evq, s, snap_key(s, "hart%u.timer", i), &h->event, aclint_timer_fire, h);
    }
    return snap_status(s);
}

const struct dev_ops aclint_ops = {
    .read = aclint_read,
    .write = aclint_write,
    .reset = aclint_reset,
    .save = aclint_snap,
    .load = aclint_snap,
};
