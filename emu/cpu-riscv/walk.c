/*
 * Address translation of the riscv hart: Sv39/Sv48/Sv57 page walks with
 * hardware A/D updates (RISC-V privileged spec 1.12 §4.3-4.5, Svpbmt) and
 * physical memory protection (§3.7).
 *
 * The engine asks rv_tlb_fill for one access; the answer also says which
 * other access types the same page permits at that mmu_idx, so one walk
 * serves the loads, stores and fetches that follow. A store is only
 * allowed through the TLB once the PTE's D bit is set, so the first store
 * to a clean page comes back here to set it.
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

unsigned rv_data_mmu_idx(const struct rv_cpu *rv)
{
    enum rv_priv p = rv->priv;
    /* §3.1.6.3: MPRV makes M-mode loads and stores use MPP's privilege. */
    if (p == RV_PRIV_M && (rv->mstatus & RV_MSTATUS_MPRV))
        p = (enum rv_priv)((rv->mstatus & RV_MSTATUS_MPP) >> 11);
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

/* ---- faults ---- */

static const uint32_t rv_page_fault_cause[3] = { RV_EXC_LOAD_PAGE, RV_EXC_STORE_PAGE, RV_EXC_INSN_PAGE };
static const uint32_t rv_access_fault_cause[3] = { RV_EXC_LOAD_ACCESS, RV_EXC_STORE_ACCESS, RV_EXC_INSN_ACCESS };

static int rv_page_fault(struct cpu *cpu, uint64_t va, enum tlb_access acc)
{
    cpu_fault_set(cpu, rv_page_fault_cause[acc], va, 0);
    return -1;
}

static int rv_access_fault(struct cpu *cpu, uint64_t va, enum tlb_access acc)
{
    cpu_fault_set(cpu, rv_access_fault_cause[acc], va, 0);
    return -1;
}

/* ---- the walk (§4.3.2) ---- */

static enum rv_priv rv_mmu_priv(unsigned mmu_idx)
{
    switch (mmu_idx) {
    case RV_MMU_U: return RV_PRIV_U;
    case RV_MMU_S:
    case RV_MMU_S_SUM: return RV_PRIV_S;
    default: return RV_PRIV_M;
    }
}

/* Host pointer to the PTE at pa: RAM (or ROM for reads) that PMP lets
 * S-mode access; NULL means an access fault. */
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

static uint64_t rv_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void rv_put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Sets A (and D) in the PTE at pa (§4.3.1, Svade not required). */
static int rv_pte_update(struct rv_cpu *rv, uint64_t pa, uint64_t pte)
{
    uint8_t *p = rv_pte_ptr(rv, pa, true);
    if (!p)
        return -1;
    struct mem_region *r = memmap_find(&rv->cpu.m->map, pa);
    if (r->code_pages[(pa - r->base) >> MEM_PAGE_BITS])
        exec_invalidate_phys(rv->cpu.m, pa, 8);
    rv_put_le64(p, pte);
    return 0;
}

/* Which accesses a leaf PTE grants at this regime (§4.3.1, §3.1.6.3). */
static void rv_leaf_perms(const struct rv_cpu *rv, uint64_t pte, unsigned mmu_idx, bool perm[3])
{
    bool r = pte & RV_PTE_R, w = pte & RV_PTE_W, x = pte & RV_PTE_X;
    if (rv->mstatus & RV_MSTATUS_MXR)
        r = r || x;
    if (mmu_idx == RV_MMU_U) {
        if (!(pte & RV_PTE_U))
            r = w = x = false;
    } else if (pte & RV_PTE_U) {
        /* S never executes U pages; it reads and writes them only with SUM. */
        x = false;
        if (mmu_idx != RV_MMU_S_SUM)
            r = w = false;
    }
    perm[TLB_READ] = r;
    perm[TLB_WRITE] = w;
    perm[TLB_EXEC] = x;
}

/* Reserved PTE encodings and PBMT values (§4.4.1, Svpbmt). */
static bool rv_pte_reserved(const struct rv_cpu *rv, uint64_t pte, bool leaf)
{
    unsigned pbmt = (unsigned)(pte >> RV_PTE_PBMT_SHIFT) & 3;
    bool pbmt_on = rv->ext.svpbmt && (rv->menvcfg & RV_ENVCFG_PBMTE);
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
static int rv_fill_phys(struct rv_cpu *rv, uint64_t va, uint64_t pa, uint64_t size, enum tlb_access acc,
                        enum rv_priv priv, const bool perm[3], struct tlb_fill *out)
{
    uint64_t page = pa & ~(RV_PAGE_SIZE - 1);
    for (int a = 0; a < 3; a++)
        out->allow[a] = perm[a] && rv_pmp_allows(rv, page, RV_PAGE_SIZE, (enum tlb_access)a, priv);
    if (!out->allow[acc])
        return rv_access_fault(&rv->cpu, va, acc);
    out->phys = pa;
    out->page_size = size;
    struct rv_hart *h = rv_hart_of(rv);
    if (size > h->max_leaf_size)
        h->max_leaf_size = size;
    return 0;
}

static int rv_walk(struct rv_cpu *rv, uint64_t va, enum tlb_access acc, unsigned mmu_idx, unsigned levels,
                   struct tlb_fill *out)
{
    struct cpu *cpu = &rv->cpu;
    enum rv_priv priv = rv_mmu_priv(mmu_idx);
    unsigned va_bits = 12 + 9 * levels;
    /* §4.4.1: bits above the VA width must equal bit va_bits - 1. */
    if ((uint64_t)((int64_t)(va << (64 - va_bits)) >> (64 - va_bits)) != va)
        return rv_page_fault(cpu, va, acc);

    uint64_t table = (rv->satp & RV_SATP_PPN_MASK) << 12;
    for (int i = (int)levels - 1; i >= 0; i--) {
        uint64_t pte_pa = table + ((va >> (12 + 9 * i)) & 511) * 8;
        uint8_t *p = rv_pte_ptr(rv, pte_pa, false);
        if (!p)
            return rv_access_fault(cpu, va, acc);
        uint64_t pte = rv_le64(p);
        bool leaf = pte & (RV_PTE_R | RV_PTE_X);
        if (!(pte & RV_PTE_V) || rv_pte_reserved(rv, pte, leaf))
            return rv_page_fault(cpu, va, acc);
        uint64_t ppn = (pte >> RV_PTE_PPN_SHIFT) & RV_PTE_PPN_MASK;
        if (!leaf) {
            table = ppn << 12;
            continue;
        }
        /* A superpage's low PPN fields must be zero (§4.3.2 step 6). */
        uint64_t size = 1ull << (12 + 9 * i);
        if (ppn & ((size >> 12) - 1))
            return rv_page_fault(cpu, va, acc);
        bool perm[3];
        rv_leaf_perms(rv, pte, mmu_idx, perm);
        if (!perm[acc])
            return rv_page_fault(cpu, va, acc);
        uint64_t need = RV_PTE_A | (acc == TLB_WRITE ? RV_PTE_D : 0);
        if ((pte & need) != need) {
            pte |= need;
            if (rv_pte_update(rv, pte_pa, pte))
                return rv_access_fault(cpu, va, acc);
        }
        /* A later store may use this entry only if D is already set. */
        perm[TLB_WRITE] = perm[TLB_WRITE] && (pte & RV_PTE_D);
        uint64_t pa = ((ppn << 12) & ~(size - 1)) | (va & (size - 1));
        return rv_fill_phys(rv, va, pa, size, acc, priv, perm, out);
    }
    /* A pointer at the last level (§4.3.2 step 4). */
    return rv_page_fault(cpu, va, acc);
}

int rv_tlb_fill(struct cpu *cpu, uint64_t va, enum tlb_access acc, unsigned mmu_idx, struct tlb_fill *out)
{
    struct rv_cpu *rv = rv_of(cpu);
    unsigned mode = (unsigned)(rv->satp >> RV_SATP_MODE_SHIFT);
    if (mmu_idx != RV_MMU_M && mode != RV_SATP_MODE_BARE)
        return rv_walk(rv, va, acc, mmu_idx, 3 + (mode - RV_SATP_MODE_SV39), out);
    static const bool all[3] = { true, true, true };
    return rv_fill_phys(rv, va, va, RV_PAGE_SIZE, acc, rv_mmu_priv(mmu_idx), all, out);
}

void rv_tlb_flush_va(struct rv_cpu *rv, uint64_t va)
{
    struct cpu *cpu = &rv->cpu;
    uint64_t size = rv_hart_of(rv)->max_leaf_size;
    if (size > RV_PAGE_SIZE) {
        /* Pieces of a superpage sit at other indexes: drop every entry
         * inside the largest leaf that can hold va. */
        uint64_t base = va & ~(size - 1);
        for (unsigned m = 0; m < TLB_NMMU; m++) {
            for (unsigned i = 0; i < TLB_SIZE; i++) {
                struct tlb_entry *e = &cpu->tlb.e[m][i];
                for (int a = 0; a < 3; a++) {
                    if (!(e->tag[a] & TLB_INVALID) && (e->tag[a] & ~(size - 1)) == base) {
                        memset(e, 0xff, sizeof(*e));
                        break;
                    }
                }
            }
        }
    }
    exec_flush_tlb_page(cpu, va);
}
