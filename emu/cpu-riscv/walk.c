/*
 * Address translation of the riscv hart: Sv39/Sv48/Sv57 page walks with
 * hardware A/D updates (RISC-V privileged spec 1.12 §4.3-4.5, Svpbmt),
 * two-stage translation for V=1 (§8.5: VS-stage over G-stage
 * Sv39x4/Sv48x4/Sv57x4) and physical memory protection (§3.7).
 *
 * The engine asks rv_tlb_fill for one access; the answer also says which
 * other access types the same page permits at that mmu_idx, so one walk
 * serves the loads, stores and fetches that follow. rv_walk_trace runs
 * the same translation for the timing model without changing anything,
 * to list the PTEs a walk reads. A store is only
 * allowed through the TLB once the PTE's D bit is set (at both stages),
 * so the first store to a clean page comes back here to set it.
 *
 * For V=1 regimes the soft TLB keeps the combined guest-virtual to
 * supervisor-physical translation, so a guest pays the two walks once per
 * page, not per access. Every VS-stage page-table access is itself a
 * guest physical address translated by the G-stage (an implicit access:
 * a read, or a write for an A/D update); its faults are guest-page faults
 * of the original access type with htval holding that PTE's address.
 */
#include <string.h>

#include "core/machine.h"
#include "cpu-riscv/hart.h"

/* PTE fields (§4.4.1, Svpbmt). */
#define RV_PTE_V (1ull << 0)
#define RV_PTE_R (1ull << 1)
#define RV_PTE_W (1ull << 2)
#define RV_PTE_X (1ull << 3)
#define RV_PTE_U (1ull << 4)
#define RV_PTE_A (1ull << 6)
#define RV_PTE_D (1ull << 7)
#define RV_PTE_PPN_SHIFT 10
#define RV_PTE_PPN_MASK ((1ull << 44) - 1)
#define RV_PTE_RESERVED (0x7full << 54)   /* bits 60:54 */
#define RV_PTE_PBMT_SHIFT 61
#define RV_PTE_N (1ull << 63)             /* Svnapot, not implemented: reserved */

#define RV_PAGE_SIZE 4096ull

/* PMP configuration fields (§3.7.1). */
#define RV_PMP_A_SHIFT 3
#define RV_PMP_L 0x80u
enum rv_pmp_a { RV_PMP_OFF = 0, RV_PMP_TOR = 1, RV_PMP_NA4 = 2, RV_PMP_NAPOT = 3 };

unsigned rv_virt_mmu_idx(const struct rv_cpu *rv, enum rv_priv priv)
{
    if (priv == RV_PRIV_U)
        return RV_MMU_VU;
    return (rv->vsstatus & RV_MSTATUS_SUM) ? RV_MMU_VS_SUM : RV_MMU_VS;
}

unsigned rv_data_mmu_idx(const struct rv_cpu *rv)
{
    enum rv_priv p = rv->priv;
    bool virt = rv->virt;
    /* §3.1.6.3, §8.4.1: MPRV makes M-mode loads and stores use MPP's
     * privilege, and MPV's virtualization mode. */
    if (p == RV_PRIV_M && (rv->mstatus & RV_MSTATUS_MPRV)) {
        p = (enum rv_priv)((rv->mstatus & RV_MSTATUS_MPP) >> 11);
        virt = p != RV_PRIV_M && (rv->mstatus & RV_MSTATUS_MPV);
    }
    if (virt)
        return rv_virt_mmu_idx(rv, p);
    switch (p) {
    case RV_PRIV_M: return RV_MMU_M;
    case RV_PRIV_S: return (rv->mstatus & RV_MSTATUS_SUM) ? RV_MMU_S_SUM : RV_MMU_S;
    default: return RV_MMU_U;
    }
}

/* ---- PMP (§3.7) ---- */

/* Byte range [*lo, *hi) of entry i; false when the entry is off or empty. */
static bool rv_pmp_range(const struct rv_cpu *rv, unsigned i, uint64_t *lo, uint64_t *hi)
{
    uint64_t addr = rv->pmpaddr[i];
    switch ((rv->pmpcfg[i] >> RV_PMP_A_SHIFT) & 3) {
    case RV_PMP_TOR:
        *lo = i ? rv->pmpaddr[i - 1] << 2 : 0;
        *hi = addr << 2;
        return *lo < *hi;
    case RV_PMP_NA4:
        *lo = addr << 2;
        *hi = *lo + 4;
        return true;
    case RV_PMP_NAPOT: {
        /* The trailing ones of pmpaddr give the size: 2^(ones + 3) bytes. */
        unsigned ones = (unsigned)__builtin_ctzll(~addr);
        uint64_t size_words = ones >= 62 ? (1ull << 62) : (1ull << (ones + 1));
        *lo = (addr & ~(size_words - 1)) << 2;
        *hi = *lo + (size_words << 2);
        if (*hi < *lo)
            *hi = UINT64_MAX;
        return true;
    }
    default:
        return false;
    }
}

bool rv_pmp_allows(const struct rv_cpu *rv, uint64_t pa, unsigned size, enum tlb_access acc, enum rv_priv priv)
{
    uint64_t end = pa + size < pa ? UINT64_MAX : pa + size;
    for (unsigned i = 0; i < RV_NPMP; i++) {
        uint64_t lo, hi;
        if (!rv_pmp_range(rv, i, &lo, &hi) || end <= lo || pa >= hi)
            continue;
        /* The lowest-numbered entry matching any byte decides; it must
         * cover the whole access (§3.7.1.5). */
        if (pa < lo || end > hi)
            return false;
        uint8_t cfg = rv->pmpcfg[i];
        if (priv == RV_PRIV_M && !(cfg & RV_PMP_L))
            return true;
        return (cfg >> acc) & 1;        /* R, W, X are bits 0, 1, 2 */
    }
    /* No match: M succeeds; S and U fail, since entries are implemented. */
    return priv == RV_PRIV_M;
}

/* ---- one translation ---- */

/*
 * The state of one translation: for the engine's refill (faults go to
 * cpu->fault, A/D bits are set) or, with trace set, for the timing
 * model's description of a walk (exec_isa.walk_trace: the PTE addresses
 * read, in order, and nothing changed).
 */
struct rv_xlate {
    struct rv_cpu *rv;
    struct exec_walk_trace *trace;
    uint32_t code;              /* the fault, when a step returns -1 */
    uint64_t tval, tval2;
};

static const uint32_t rv_page_fault_cause[3] = { RV_EXC_LOAD_PAGE, RV_EXC_STORE_PAGE, RV_EXC_INSN_PAGE };
static const uint32_t rv_guest_fault_cause[3] = {
    RV_EXC_LOAD_GUEST_PAGE, RV_EXC_STORE_GUEST_PAGE, RV_EXC_INSN_GUEST_PAGE,
};
static const uint32_t rv_access_fault_cause[3] = { RV_EXC_LOAD_ACCESS, RV_EXC_STORE_ACCESS, RV_EXC_INSN_ACCESS };

static int rv_xfault(struct rv_xlate *x, uint32_t code, uint64_t tval, uint64_t tval2)
{
    x->code = code;
    x->tval = tval;
    x->tval2 = tval2;
    return -1;
}

/* flags: RV_FAULT_GVA when va is a guest virtual address. */
static int rv_page_fault(struct rv_xlate *x, uint64_t va, enum tlb_access acc, uint32_t flags)
{
    return rv_xfault(x, rv_page_fault_cause[acc] | flags, va, 0);
}

static int rv_access_fault(struct rv_xlate *x, uint64_t va, enum tlb_access acc, uint32_t flags)
{
    return rv_xfault(x, rv_access_fault_cause[acc] | flags, va, 0);
}

/* A guest-page fault (§8.5.2): tval the guest virtual address, htval the
 * guest physical address >> 2 that failed. */
static int rv_guest_fault(struct rv_xlate *x, uint64_t gva, uint64_t gpa, enum tlb_access acc, uint32_t flags)
{
    return rv_xfault(x, rv_guest_fault_cause[acc] | RV_FAULT_GVA | flags, gva, gpa >> 2);
}

/* ---- page-table memory ---- */

/* Host pointer to the PTE at physical pa: RAM (or ROM for reads) that PMP
 * lets S-mode access; NULL means an access fault. */
static uint8_t *rv_pte_ptr(struct rv_cpu *rv, uint64_t pa, bool write)
{
    struct machine *m = rv->cpu.m;
    if (!rv_pmp_allows(rv, pa, 8, write ? TLB_WRITE : TLB_READ, RV_PRIV_S))
        return NULL;
    struct mem_region *r = memmap_find(&m->map, pa);
    if (!r || r->kind == MEM_MMIO || (write && r->kind != MEM_RAM))
        return NULL;
    return memmap_host_ptr(&m->map, pa, 8);
}

/* Reads the PTE at physical pa into *pte (noting it in the trace);
 * false means an access fault. */
static bool rv_pte_read(struct rv_xlate *x, uint64_t pa, uint64_t *pte)
{
    const uint8_t *p = rv_pte_ptr(x->rv, pa, false);
    if (!p)
        return false;
    struct exec_walk_trace *t = x->trace;
    if (t && t->npte < EXEC_WALK_MAX_PTES)
        t->pte_pa[t->npte++] = pa;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    *pte = v;
    return true;
}

/* Sets A (and D) in the PTE at physical pa (§4.3.1, Svade not required);
 * a trace changes nothing. False means an access fault. */
static bool rv_pte_update(struct rv_xlate *x, uint64_t pa, uint64_t pte)
{
    if (x->trace)
        return true;
    struct rv_cpu *rv = x->rv;
    uint8_t *p = rv_pte_ptr(rv, pa, true);
    if (!p)
        return false;
    struct mem_region *r = memmap_find(&rv->cpu.m->map, pa);
    if (r->code_pages[(pa - r->base) >> MEM_PAGE_BITS])
        exec_invalidate_phys(rv->cpu.m, pa, 8);
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(pte >> (8 * i));
    return true;
}

/* ---- PTE rules shared by all stages ---- */

/* How a stage judges leaf permissions. */
struct rv_perm_rules {
    bool user;              /* the access is U-level (U, VU, and every G-stage access) */
    bool sum;               /* an S-level access may read and write U pages */
    bool mxr;               /* executable pages are readable */
};

/* Which accesses a leaf PTE grants under rules (§4.3.1, §3.1.6.3, §8.5.1). */
static void rv_leaf_perms(uint64_t pte, struct rv_perm_rules rules, bool perm[3])
{
    bool r = pte & RV_PTE_R, w = pte & RV_PTE_W, x = pte & RV_PTE_X;
    if (rules.mxr)
        r = r || x;
    if (rules.user) {
        if (!(pte & RV_PTE_U))
            r = w = x = false;
    } else if (pte & RV_PTE_U) {
        /* S never executes U pages; it reads and writes them only with SUM. */
        x = false;
        if (!rules.sum)
            r = w = false;
    }
    perm[TLB_READ] = r;
    perm[TLB_WRITE] = w;
    perm[TLB_EXEC] = x;
}

/* Reserved PTE encodings and PBMT values (§4.4.1, Svpbmt). */
static bool rv_pte_reserved(uint64_t pte, bool leaf, bool pbmt_on)
{
    unsigned pbmt = (unsigned)(pte >> RV_PTE_PBMT_SHIFT) & 3;
    if (pte & (RV_PTE_RESERVED | RV_PTE_N))
        return true;
    if (pbmt && (!pbmt_on || !leaf || pbmt == 3))
        return true;
    return (pte & (RV_PTE_R | RV_PTE_W)) == RV_PTE_W;
}

/* Final step: PMP on the physical page and the fill itself. PMP is
 * checked on the whole 4 KiB page the soft TLB will cache, so a PMP
 * boundary inside a page denies that page to S and U; firmware places its
 * regions on page boundaries (OpenSBI rounds them to powers of two). */
static int rv_fill_phys(struct rv_xlate *x, uint64_t va, uint64_t pa, uint64_t size, enum tlb_access acc,
                        enum rv_priv priv, const bool perm[3], uint32_t flags, struct tlb_fill *out)
{
    uint64_t page = pa & ~(RV_PAGE_SIZE - 1);
    for (int a = 0; a < 3; a++)
        out->allow[a] = perm[a] && rv_pmp_allows(x->rv, page, RV_PAGE_SIZE, (enum tlb_access)a, priv);
    if (!out->allow[acc])
        return rv_access_fault(x, va, acc, flags);
    out->phys = pa;
    out->page_size = size;
    return 0;
}

/* ---- G-stage (§8.5.1) ---- */

/* Leaf size of a stage that does not translate. */
#define RV_NO_LEAF (1ull << 63)

/* A G-stage translation request: the guest physical address, the access
 * made to it, and what a fault reports. */
struct rv_gstage_req {
    uint64_t gpa;
    enum tlb_access acc;        /* the access checked at this stage */
    enum tlb_access report;     /* the original access type, for fault causes */
    uint64_t gva;               /* the original guest virtual address (tval) */
    bool implicit;              /* a VS-stage page-table access */
};

/* Translates q->gpa to *spa. perm (optional) receives the leaf's grants
 * for each access type (a write only once D is set), size (optional) the
 * leaf's size. */
static int rv_gstage(struct rv_xlate *x, const struct rv_gstage_req *q, uint64_t *spa, bool perm[3],
                     uint64_t *size)
{
    struct rv_cpu *rv = x->rv;
    unsigned mode = (unsigned)(rv->hgatp >> RV_SATP_MODE_SHIFT);
    uint32_t implicit = q->implicit ? (q->acc == TLB_WRITE ? RV_FAULT_IMPLICIT_WRITE : RV_FAULT_IMPLICIT) : 0;
    if (mode == RV_SATP_MODE_BARE) {
        *spa = q->gpa;
        if (perm)
            perm[TLB_READ] = perm[TLB_WRITE] = perm[TLB_EXEC] = true;
        if (size)
            *size = RV_NO_LEAF;
        return 0;
    }
    if (!x->trace)
        rv_hart_of(rv)->hyp.gstage_walks++;
    unsigned levels = 3 + (mode - RV_SATP_MODE_SV39);
    /* The x4 modes take 2 more address bits, in a 16 KiB root table. */
    unsigned gpa_bits = 12 + 9 * levels + 2;
    if (q->gpa >> gpa_bits)
        return rv_guest_fault(x, q->gva, q->gpa, q->report, implicit);
    /* MXR applies to explicit loads only. */
    struct rv_perm_rules rules = { .user = true, .mxr = !q->implicit && (rv->mstatus & RV_MSTATUS_MXR) };
    bool pbmt_on = rv->ext.svpbmt && (rv->menvcfg & RV_ENVCFG_PBMTE);
    uint64_t table = (rv->hgatp & RV_SATP_PPN_MASK & ~3ull) << 12;
    for (int i = (int)levels - 1; i >= 0; i--) {
        unsigned idx_bits = i == (int)levels - 1 ? 11 : 9;
        uint64_t pte_pa = table + ((q->gpa >> (12 + 9 * i)) & ((1u << idx_bits) - 1)) * 8;
        uint64_t pte;
        if (!rv_pte_read(x, pte_pa, &pte))
            return rv_access_fault(x, q->gva, q->report, RV_FAULT_GVA);
        bool leaf = pte & (RV_PTE_R | RV_PTE_X);
        if (!(pte & RV_PTE_V) || rv_pte_reserved(pte, leaf, pbmt_on))
            return rv_guest_fault(x, q->gva, q->gpa, q->report, implicit);
        uint64_t ppn = (pte >> RV_PTE_PPN_SHIFT) & RV_PTE_PPN_MASK;
        if (!leaf) {
            table = ppn << 12;
            continue;
        }
        uint64_t leaf_size = 1ull << (12 + 9 * i);
        if (ppn & ((leaf_size >> 12) - 1))
            return rv_guest_fault(x, q->gva, q->gpa, q->report, implicit);
        bool grant[3];
        rv_leaf_perms(pte, rules, grant);
        if (!grant[q->acc])
            return rv_guest_fault(x, q->gva, q->gpa, q->report, implicit);
        uint64_t need = RV_PTE_A | (q->acc == TLB_WRITE ? RV_PTE_D : 0);
        if ((pte & need) != need) {
            pte |= need;
            if (!rv_pte_update(x, pte_pa, pte))
                return rv_access_fault(x, q->gva, q->report, RV_FAULT_GVA);
        }
        if (perm) {
            memcpy(perm, grant, sizeof(grant));
            perm[TLB_WRITE] = grant[TLB_WRITE] && (pte & RV_PTE_D);
        }
        if (size)
            *size = leaf_size;
        *spa = ((ppn << 12) & ~(leaf_size - 1)) | (q->gpa & (leaf_size - 1));
        return 0;
    }
    return rv_guest_fault(x, q->gva, q->gpa, q->report, implicit);
}

/* ---- the single-stage and VS-stage walk (§4.3.2) ---- */

/* One first-stage walk: satp (V=0) or vsatp (V=1, every table access
 * through the G-stage). */
struct rv_walk {
    uint64_t root;              /* root table: physical, or guest physical when virt */
    unsigned levels;
    bool virt;
    bool pbmt_on;
    struct rv_perm_rules rules;
};

/* On success: *out_pa the (guest) physical address, perm the leaf's
 * grants (write only with D set), *size the leaf size. */
static int rv_walk(struct rv_xlate *x, const struct rv_walk *w, uint64_t va, enum tlb_access acc, uint64_t *out_pa,
                   bool perm[3], uint64_t *size)
{
    uint32_t gva = w->virt ? RV_FAULT_GVA : 0;
    unsigned va_bits = 12 + 9 * w->levels;
    /* §4.4.1: bits above the VA width must equal bit va_bits - 1. */
    if ((uint64_t)((int64_t)(va << (64 - va_bits)) >> (64 - va_bits)) != va)
        return rv_page_fault(x, va, acc, gva);

    uint64_t table = w->root;
    for (int i = (int)w->levels - 1; i >= 0; i--) {
        uint64_t pte_addr = table + ((va >> (12 + 9 * i)) & 511) * 8;
        uint64_t pte_pa = pte_addr, pte;
        if (w->virt) {
            struct rv_gstage_req q = { .gpa = pte_addr, .acc = TLB_READ, .report = acc, .gva = va, .implicit = true };
            if (rv_gstage(x, &q, &pte_pa, NULL, NULL))
                return -1;
        }
        if (!rv_pte_read(x, pte_pa, &pte))
            return rv_access_fault(x, va, acc, gva);
        bool leaf = pte & (RV_PTE_R | RV_PTE_X);
        if (!(pte & RV_PTE_V) || rv_pte_reserved(pte, leaf, w->pbmt_on))
            return rv_page_fault(x, va, acc, gva);
        uint64_t ppn = (pte >> RV_PTE_PPN_SHIFT) & RV_PTE_PPN_MASK;
        if (!leaf) {
            table = ppn << 12;
            continue;
        }
        /* A superpage's low PPN fields must be zero (§4.3.2 step 6). */
        uint64_t leaf_size = 1ull << (12 + 9 * i);
        if (ppn & ((leaf_size >> 12) - 1))
            return rv_page_fault(x, va, acc, gva);
        rv_leaf_perms(pte, w->rules, perm);
        if (!perm[acc])
            return rv_page_fault(x, va, acc, gva);
        uint64_t need = RV_PTE_A | (acc == TLB_WRITE ? RV_PTE_D : 0);
        if ((pte & need) != need) {
            pte |= need;
            if (w->virt && !x->trace) {
                /* The update is an implicit store at the G-stage. */
                struct rv_gstage_req q = { .gpa = pte_addr, .acc = TLB_WRITE, .report = acc, .gva = va,
                                           .implicit = true };
                if (rv_gstage(x, &q, &pte_pa, NULL, NULL))
                    return -1;
            }
            if (!rv_pte_update(x, pte_pa, pte))
                return rv_access_fault(x, va, acc, gva);
        }
        /* A later store may use this entry only if D is already set. */
        perm[TLB_WRITE] = perm[TLB_WRITE] && (pte & RV_PTE_D);
        *out_pa = ((ppn << 12) & ~(leaf_size - 1)) | (va & (leaf_size - 1));
        *size = leaf_size;
        return 0;
    }
    /* A pointer at the last level (§4.3.2 step 4). */
    return rv_page_fault(x, va, acc, gva);
}

static enum rv_priv rv_mmu_priv(unsigned mmu_idx)
{
    switch (mmu_idx) {
    case RV_MMU_U:
    case RV_MMU_VU: return RV_PRIV_U;
    case RV_MMU_S:
    case RV_MMU_S_SUM:
    case RV_MMU_VS:
    case RV_MMU_VS_SUM: return RV_PRIV_S;
    default: return RV_PRIV_M;
    }
}

static void rv_note_leaf(struct rv_xlate *x, uint64_t *max_leaf, uint64_t size)
{
    if (!x->trace && size > *max_leaf)
        *max_leaf = size;
}

/* V=1: VS-stage by vsatp, then the G-stage; the TLB gets the combination. */
static int rv_xlate_virt(struct rv_xlate *x, uint64_t va, enum tlb_access acc, unsigned mmu_idx,
                         struct tlb_fill *out)
{
    struct rv_cpu *rv = x->rv;
    unsigned mode = (unsigned)(rv->vsatp >> RV_SATP_MODE_SHIFT);
    bool vs_perm[3] = { true, true, true };
    uint64_t gpa = va, vs_size = RV_NO_LEAF, g_size;
    if (mode != RV_SATP_MODE_BARE) {
        struct rv_walk w = {
            .root = (rv->vsatp & RV_SATP_PPN_MASK) << 12,
            .levels = 3 + (mode - RV_SATP_MODE_SV39),
            .virt = true,
            .pbmt_on = rv->ext.svpbmt && (rv->henvcfg & RV_ENVCFG_PBMTE),
            .rules = { .user = mmu_idx == RV_MMU_VU, .sum = mmu_idx == RV_MMU_VS_SUM,
                       .mxr = (rv->vsstatus | rv->mstatus) & RV_MSTATUS_MXR },
        };
        if (rv_walk(x, &w, va, acc, &gpa, vs_perm, &vs_size))
            return -1;
        rv_note_leaf(x, &rv_hart_of(rv)->max_leaf_size_vs, vs_size);
    }
    bool g_perm[3];
    uint64_t spa;
    struct rv_gstage_req q = { .gpa = gpa, .acc = acc, .report = acc, .gva = va };
    if (rv_gstage(x, &q, &spa, g_perm, &g_size))
        return -1;
    bool perm[3];
    for (int a = 0; a < 3; a++)
        perm[a] = vs_perm[a] && g_perm[a];
    /* The combined mapping is as large as the smaller of the two leaves. */
    uint64_t size = vs_size < g_size ? vs_size : g_size;
    return rv_fill_phys(x, va, spa, size == RV_NO_LEAF ? RV_PAGE_SIZE : size, acc, rv_mmu_priv(mmu_idx), perm,
                        RV_FAULT_GVA, out);
}

static int rv_xlate(struct rv_xlate *x, uint64_t va, enum tlb_access acc, unsigned mmu_idx, struct tlb_fill *out)
{
    struct rv_cpu *rv = x->rv;
    if (rv_mmu_is_virt(mmu_idx))
        return rv_xlate_virt(x, va, acc, mmu_idx, out);
    unsigned mode = (unsigned)(rv->satp >> RV_SATP_MODE_SHIFT);
    enum rv_priv priv = rv_mmu_priv(mmu_idx);
    if (mmu_idx != RV_MMU_M && mode != RV_SATP_MODE_BARE) {
        struct rv_walk w = {
            .root = (rv->satp & RV_SATP_PPN_MASK) << 12,
            .levels = 3 + (mode - RV_SATP_MODE_SV39),
            .pbmt_on = rv->ext.svpbmt && (rv->menvcfg & RV_ENVCFG_PBMTE),
            .rules = { .user = mmu_idx == RV_MMU_U, .sum = mmu_idx == RV_MMU_S_SUM,
                       .mxr = rv->mstatus & RV_MSTATUS_MXR },
        };
        bool perm[3];
        uint64_t pa, size;
        if (rv_walk(x, &w, va, acc, &pa, perm, &size))
            return -1;
        rv_note_leaf(x, &rv_hart_of(rv)->max_leaf_size, size);
        return rv_fill_phys(x, va, pa, size, acc, priv, perm, 0, out);
    }
    static const bool all[3] = { true, true, true };
    return rv_fill_phys(x, va, va, RV_PAGE_SIZE, acc, priv, all, 0, out);
}

int rv_tlb_fill(struct cpu *cpu, uint64_t va, enum tlb_access acc, unsigned mmu_idx, struct tlb_fill *out)
{
    struct rv_xlate x = { .rv = rv_of(cpu) };
    if (rv_xlate(&x, va, acc, mmu_idx, out) == 0)
        return 0;
    cpu_fault_set(cpu, x.code, x.tval, x.tval2);
    return -1;
}

int rv_walk_trace(struct cpu *cpu, uint64_t va, enum tlb_access acc, unsigned mmu_idx, struct exec_walk_trace *out)
{
    struct rv_xlate x = { .rv = rv_of(cpu), .trace = out };
    struct tlb_fill fill;
    out->npte = 0;
    out->page_size = RV_PAGE_SIZE;
    memset(&fill, 0, sizeof(fill));
    if (rv_xlate(&x, va, acc, mmu_idx, &fill) < 0)
        return -1;
    /* No PTE read: the regime does not translate. */
    if (out->npte)
        out->page_size = fill.page_size;
    return 0;
}
