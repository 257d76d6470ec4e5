/*
 * Platform-Level Interrupt Controller (RISC-V PLIC specification 1.0.0).
 *
 * Register map (32-bit registers, offsets from the base):
 *   0x000000 + 4*s          priority of source s (s = 0 reserved)      §4
 *   0x001000 + 4*w          pending bits of sources 32w..32w+31 (RO)  §5
 *   0x002000 + 0x80*c + 4*w enable bits of context c                 §6
 *   0x200000 + 0x1000*c     priority threshold of context c          §7
 *   0x200004 + 0x1000*c     claim (read) / complete (write)          §8, §9
 *
 * Sources are level-triggered (§3 gateways): while a source is claimed and
 * not yet completed its gateway forwards nothing; on completion the
 * pending bit follows the line again. Priorities and thresholds are 3 bits
 * wide (0..7), as on QEMU virt.
 */
#include "dev/plic.h"

#include <stdlib.h>

#include "core/snap.h"

#define PLIC_PRIORITY_BASE  0x000000u
#define PLIC_PENDING_BASE   0x001000u
#define PLIC_ENABLE_BASE    0x002000u
#define PLIC_ENABLE_STRIDE  0x80u
#define PLIC_CONTEXT_BASE   0x200000u
#define PLIC_CONTEXT_STRIDE 0x1000u
#define PLIC_PRIO_MASK      7u
#define PLIC_WORDS          (PLIC_MAX_SOURCES / 32u)

struct plic_context {
    uint32_t enable[PLIC_WORDS];
    uint32_t threshold;
    bool level;
    struct irq_line out;
};

struct plic {
    unsigned nsources, ncontexts;
    uint32_t priority[PLIC_MAX_SOURCES];
    uint32_t pending[PLIC_WORDS];
    uint32_t line[PLIC_WORDS];       /* current level of each source */
    uint32_t claimed[PLIC_WORDS];    /* claimed, not yet completed */
    struct plic_context ctx[];
};

static bool plic_bit(const uint32_t *words, unsigned src)
{
    return (words[src / 32] >> (src % 32)) & 1u;
}

static void plic_put_bit(uint32_t *words, unsigned src, bool v)
{
    uint32_t m = 1u << (src % 32);

    words[src / 32] = v ? words[src / 32] | m : words[src / 32] & ~m;
}

/* The source context c would claim: highest priority above its threshold,
 * ties to the lowest id (§8); 0 if none. */
static unsigned plic_best(const struct plic *p, const struct plic_context *c)
{
    unsigned best = 0;
    uint32_t best_prio = c->threshold;

    for (unsigned w = 0; w < (p->nsources + 31) / 32; w++) {
        uint32_t cand = p->pending[w] & c->enable[w];
        while (cand) {
            unsigned src = w * 32 + (unsigned)__builtin_ctz(cand);
            cand &= cand - 1;
            if (p->priority[src] > best_prio) {
                best_prio = p->priority[src];
                best = src;
            }
        }
    }
    return best;
}

static void plic_update(struct plic *p)
{
    for (unsigned i = 0; i < p->ncontexts; i++) {
        struct plic_context *c = &p->ctx[i];
        bool level = plic_best(p, c) != 0;
        if (level != c->level) {
            c->level = level;
            irq_set(&c->out, level);
        }
    }
}

void plic_set_source(void *plic, unsigned src, bool level)
{
    struct plic *p = plic;

    if (src == 0 || src >= p->nsources)
        return;
    plic_put_bit(p->line, src, level);
    if (!plic_bit(p->claimed, src))
        plic_put_bit(p->pending, src, level);
    plic_update(p);
}

static uint32_t plic_claim(struct plic *p, struct plic_context *c)
{
    unsigned src = plic_best(p, c);

    if (src) {
        plic_put_bit(p->pending, src, false);
        plic_put_bit(p->claimed, src, true);
        plic_update(p);
    }
    return src;
}

/* §9: a completion for a source not enabled for the context is ignored. */
static void plic_complete(struct plic *p, struct plic_context *c, uint32_t src)
{
    if (src == 0 || src >= p->nsources || !plic_bit(c->enable, src) || !plic_bit(p->claimed, src))
        return;
    plic_put_bit(p->claimed, src, false);
    plic_put_bit(p->pending, src, plic_bit(p->line, src));
    plic_update(p);
}

/* Bits of word w that name existing sources. */
static uint32_t plic_valid_mask(const struct plic *p, unsigned w)
{
    uint32_t m = ~0u;

    if (w * 32 >= p->nsources)
        return 0;
    if (p->nsources - w * 32 < 32)
        m = (1u << (p->nsources - w * 32)) - 1;
    if (w == 0)
        m &= ~1u;
    return m;
}

static uint32_t plic_read32(struct plic *p, uint32_t off)
{
    if (off < PLIC_PENDING_BASE) {
        unsigned src = off / 4;
        return src < p->nsources ? p->priority[src] : 0;
    }
    if (off < PLIC_PENDING_BASE + PLIC_WORDS * 4)
        return p->pending[(off - PLIC_PENDING_BASE) / 4];
    if (off >= PLIC_ENABLE_BASE && off < PLIC_ENABLE_BASE + p->ncontexts * PLIC_ENABLE_STRIDE) {
        unsigned ci = (off - PLIC_ENABLE_BASE) / PLIC_ENABLE_STRIDE;
        return p->ctx[ci].enable[(off % PLIC_ENABLE_STRIDE) / 4];
    }
    if (off >= PLIC_CONTEXT_BASE && off < PLIC_CONTEXT_BASE + p->ncontexts * PLIC_CONTEXT_STRIDE) {
        struct plic_context *c = &p->ctx[(off - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE];
        switch (off % PLIC_CONTEXT_STRIDE) {
        case 0: return c->threshold;
        case 4: return plic_claim(p, c);
        default: return 0;
        }
    }
    return 0;
}

static void plic_write32(struct plic *p, uint32_t off, uint32_t val)
{
    if (off < PLIC_PENDING_BASE) {
        unsigned src = off / 4;
        if (src != 0 && src < p->nsources)
            p->priority[src] = val & PLIC_PRIO_MASK;
    } else if (off >= PLIC_ENABLE_BASE &&
               off < PLIC_ENABLE_BASE + p->ncontexts * PLIC_ENABLE_STRIDE) {
        unsigned ci = (off - PLIC_ENABLE_BASE) / PLIC_ENABLE_STRIDE;
        unsigned w = (off % PLIC_ENABLE_STRIDE) / 4;
        p->ctx[ci].enable[w] = val & plic_valid_mask(p, w);
    } else if (off >= PLIC_CONTEXT_BASE &&
               off < PLIC_CONTEXT_BASE + p->ncontexts * PLIC_CONTEXT_STRIDE) {
        struct plic_context *c = &p->ctx[(off - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE];
        switch (off % PLIC_CONTEXT_STRIDE) {
        case 0: c->threshold = val & PLIC_PRIO_MASK; break;
        case 4: plic_complete(p, c, val); return;
        default: return;
        }
    } else {
        return;   /* pending bits are read-only; holes ignore writes */
    }
    plic_update(p);
}

/* Registers are 32-bit; a 64-bit access covers two of them, low first. */
static uint64_t plic_read(void *dev, uint64_t off, unsigned size)
{
    struct plic *p = dev;

    if ((off & 3) || off >= 0x4000000u)
        return 0;
    if (size == 8)
        return plic_read32(p, (uint32_t)off) | (uint64_t)plic_read32(p, (uint32_t)off + 4) << 32;
    return size == 4 ? plic_read32(p, (uint32_t)off) : 0;
}

static void plic_write(void *dev, uint64_t off, uint64_t val, unsigned size)
{
    struct plic *p = dev;

    if ((off & 3) || off >= 0x4000000u)
        return;
    if (size == 4 || size == 8)
        plic_write32(p, (uint32_t)off, (uint32_t)val);
    if (size == 8)
        plic_write32(p, (uint32_t)off + 4, (uint32_t)(val >> 32));
}

/* Line levels survive a reset: they belong to the devices driving them. */
static void plic_reset(void *dev)
{
    struct plic *p = dev;

    for (unsigned s = 0; s < PLIC_MAX_SOURCES; s++)
        p->priority[s] = 0;
    for (unsigned w = 0; w < PLIC_WORDS; w++) {
        p->claimed[w] = 0;
        p->pending[w] = p->line[w];
    }
    for (unsigned i = 0; i < p->ncontexts; i++) {
        for (unsigned w = 0; w < PLIC_WORDS; w++)
            p->ctx[i].enable[w] = 0;
        p->ctx[i].threshold = 0;
    }
    plic_update(p);
}

struct plic *plic_create(unsigned nsources, unsigned ncontexts, const struct irq_line *outputs)
{
    struct plic *p;

    if (nsources < 2 || nsources > PLIC_MAX_SOURCES || ncontexts == 0 ||
        ncontexts > PLIC_MAX_CONTEXTS)
        return NULL;
    p = calloc(1, sizeof(*p) + ncontexts * sizeof(p->ctx[0]));
    if (!p)
        return NULL;
    p->nsources = nsources;
    p->ncontexts = ncontexts;
    for (unsigned i = 0; i < ncontexts; i++)
        p->ctx[i].out = outputs ? outputs[i] : (struct irq_line){ 0 };
    return p;
}

void plic_destroy(void *plic)
{
    free(plic);
}

/* Snapshot and state hash. Each context's output level is restored as it
 * was, not re-driven: the harts restore their own view of the lines. */
static int plic_snap(void *dev, struct snap *s)
{
    struct plic *p = dev;
    uint32_t nsources = p->nsources, ncontexts = p->ncontexts;
    snap_u32(s, "nsources", &nsources);
    snap_u32(s, "ncontexts", &ncontexts);
    if (snap_loading(s) && snap_status(s) == 0 && (nsources != p->nsources || ncontexts != p->ncontexts))
        return snap_fail(s, "%u sources and %u contexts in the file, %u and %u here", nsources, ncontexts,
                         p->nsources, p->ncontexts);
    snap_u32s(s, "priority", p->priority, PLIC_MAX_SOURCES);
    snap_u32s(s, "pending", p->pending, PLIC_WORDS);
    snap_u32s(s, "line", p->line, PLIC_WORDS);
    snap_u32s(s, "claimed", p->claimed, PLIC_WORDS);
    for (unsigned i = 0; i < p->ncontexts; i++) {
        snap_u32s(s, snap_key(s, "ctx%u.enable", i), p->ctx[i].enable, PLIC_WORDS);
        snap_u32(s, snap_key(s, "ctx%u.threshold", i), &p->ctx[i].threshold);
        snap_bool(s, snap_key(s, "ctx%u.level", i), &p->ctx[i].level);
    }
    return snap_status(s);
}

const struct dev_ops plic_ops = {
    .read = plic_read,
    .write = plic_write,
    .reset = plic_reset,
    .save = plic_snap,
    .load = plic_snap,
};
