/*
 * The soft TLB: the only hot lookup in emu.
 *
 * Each vCPU has one direct-mapped table per translation regime (mmu_idx,
 * defined by the ISA: e.g. riscv U, S, S+SUM, M). An entry maps one guest
 * virtual page to a host pointer (addend) for each access type. The tag is
 * the page address with flag bits in its low bits; a flag makes the fast
 * compare fail, sending the access to the out-of-line slow path:
 *
 *   TLB_INVALID  empty entry
 *   TLB_MMIO     the page is a device: every access goes to dev_ops
 *   TLB_CODE     (write tag only) the page holds translated code: the slow
 *                path invalidates that code, then writes
 *
 * A misaligned access also fails the compare, because the access's low
 * bits (size - 1) take part in it.
 *
 *   void *h = tlb_fast(&cpu->tlb, mmu_idx, va, 4, TLB_READ);
 *   if (h) val = ldl(h); else slow path
 */
#ifndef EMU_MMU_TLB_H
#define EMU_MMU_TLB_H

#include <stdint.h>
#include <string.h>

#define TLB_BITS 8
#define TLB_SIZE (1u << TLB_BITS)
#define TLB_NMMU 8           /* translation regimes per vCPU */
#define TLB_PAGE_BITS 12
#define TLB_PAGE_MASK (~(uint64_t)((1u << TLB_PAGE_BITS) - 1))

#define TLB_INVALID ((uint64_t)1 << 0)
#define TLB_MMIO    ((uint64_t)1 << 1)
#define TLB_CODE    ((uint64_t)1 << 2)
#define TLB_FLAGS   (TLB_INVALID | TLB_MMIO | TLB_CODE)

enum tlb_access { TLB_READ = 0, TLB_WRITE = 1, TLB_EXEC = 2 };

struct tlb_entry {
    uint64_t tag[3];      /* indexed by enum tlb_access */
    uintptr_t addend;     /* host = va + addend (RAM/ROM pages) */
    uint64_t phys;        /* guest physical page address */
};

struct tlb {
    struct tlb_entry e[TLB_NMMU][TLB_SIZE];
};

static inline unsigned tlb_index(uint64_t va)
{
    return (unsigned)(va >> TLB_PAGE_BITS) & (TLB_SIZE - 1);
}

/* Host pointer for a naturally aligned RAM access, or NULL for the slow path. */
static inline void *tlb_fast(struct tlb *t, unsigned mmu_idx, uint64_t va, unsigned size, enum tlb_access acc)
{
    const struct tlb_entry *e = &t->e[mmu_idx][tlb_index(va)];
    if ((va & (TLB_PAGE_MASK | (size - 1))) == e->tag[acc])
        return (void *)(uintptr_t)(va + e->addend);
    return 0;
}

static inline void tlb_flush_all(struct tlb *t)
{
    memset(t->e, 0xff, sizeof(t->e));
}

static inline void tlb_flush_mmu(struct tlb *t, unsigned mmu_idx)
{
    memset(t->e[mmu_idx], 0xff, sizeof(t->e[mmu_idx]));
}

/* Drops any entry of any regime that maps guest virtual page va. */
static inline void tlb_flush_page(struct tlb *t, uint64_t va)
{
    unsigned i = tlb_index(va);
    for (unsigned m = 0; m < TLB_NMMU; m++) {
        struct tlb_entry *e = &t->e[m][i];
        for (int a = 0; a < 3; a++) {
            if ((e->tag[a] & TLB_PAGE_MASK) == (va & TLB_PAGE_MASK)) {
                memset(e, 0xff, sizeof(*e));
                break;
            }
        }
    }
}

#endif
