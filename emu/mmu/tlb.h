/*
 * The soft TLB: the only hot lookup in emu.
 *
 * Each vCPU has TLB_NMMU direct-mapped tables of entries. An ISA names
 * its translation regimes with small numbers, mmu_idx (riscv: U, S,
 * S+SUM, M, and VU, VS, VS+SUM under two-stage translation). A regime
 * below TLB_NIDX may own TLB_NBANK tables, one per address-space context
 * (ASID, VMID): the ISA says which bank serves it now (tlb_select_bank),
 * so switching between two contexts keeps both sets of translations, and
 * fences can drop one context's entries only. Bank b of regime i is table
 * i + b * TLB_NIDX; bank 0 is table i itself, and a zeroed struct tlb has
 * bank 0 selected everywhere. An ISA that selects other banks uses only
 * regimes below TLB_NIDX; one without banks may use all TLB_NMMU.
 *
 * An entry maps one guest virtual page to a host pointer (addend) for each
 * access type. The tag is the page address with flag bits in its low bits;
 * a flag makes the fast compare fail, sending the access to the
 * out-of-line slow path:
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
#define TLB_NIDX 8                       /* translation regimes (mmu_idx values) per vCPU */
#define TLB_NBANK 2                      /* tables per regime, one per context */
#define TLB_NMMU (TLB_NIDX * TLB_NBANK)  /* tables per vCPU */
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
    uint8_t bank_off[TLB_NMMU];   /* bank * TLB_NIDX of the bank serving each mmu_idx */
};

static inline unsigned tlb_index(uint64_t va)
{
    return (unsigned)(va >> TLB_PAGE_BITS) & (TLB_SIZE - 1);
}

/* The table serving mmu_idx now. */
static inline struct tlb_entry *tlb_table(struct tlb *t, unsigned mmu_idx)
{
    return t->e[mmu_idx + t->bank_off[mmu_idx]];
}

/* Host pointer for a naturally aligned RAM access, or NULL for the slow path. */
static inline void *tlb_fast(struct tlb *t, unsigned mmu_idx, uint64_t va, unsigned size, enum tlb_access acc)
{
    const struct tlb_entry *e = &tlb_table(t, mmu_idx)[tlb_index(va)];
    if ((va & (TLB_PAGE_MASK | (size - 1))) == e->tag[acc])
        return (void *)(uintptr_t)(va + e->addend);
    return 0;
}

/* Empties every table; the bank selection stays. */
static inline void tlb_flush_all(struct tlb *t)
{
    memset(t->e, 0xff, sizeof(t->e));
}

/* Empties the table serving mmu_idx now. */
static inline void tlb_flush_mmu(struct tlb *t, unsigned mmu_idx)
{
    memset(tlb_table(t, mmu_idx), 0xff, sizeof(t->e[0]));
}

/* Empties bank b of mmu_idx, whether or not it is selected. */
static inline void tlb_flush_bank(struct tlb *t, unsigned mmu_idx, unsigned bank)
{
    memset(t->e[mmu_idx + bank * TLB_NIDX], 0xff, sizeof(t->e[0]));
}

/* Makes bank b serve mmu_idx (its entries are kept). */
static inline void tlb_select_bank(struct tlb *t, unsigned mmu_idx, unsigned bank)
{
    t->bank_off[mmu_idx] = (uint8_t)(bank * TLB_NIDX);
}

/* Bank 0 serves every regime and every table is empty. */
static inline void tlb_reset(struct tlb *t)
{
    memset(t->bank_off, 0, sizeof(t->bank_off));
    tlb_flush_all(t);
}

/* Drops any entry of table e that maps guest virtual page va. */
static inline void tlb_flush_page_in(struct tlb_entry *table, uint64_t va)
{
    struct tlb_entry *e = &table[tlb_index(va)];
    for (int a = 0; a < 3; a++) {
        if ((e->tag[a] & TLB_PAGE_MASK) == (va & TLB_PAGE_MASK)) {
            memset(e, 0xff, sizeof(*e));
            return;
        }
    }
}

/* Drops any entry of any table that maps guest virtual page va. */
static inline void tlb_flush_page(struct tlb *t, uint64_t va)
{
    for (unsigned m = 0; m < TLB_NMMU; m++)
        tlb_flush_page_in(t->e[m], va);
}

#endif
