/*
 * Memory access slow paths: soft-TLB refill through the ISA's page walk,
 * MMIO dispatch, writes to pages holding translated code, and misaligned
 * accesses (carried out bytewise; whether they trap is the ISA's choice,
 * made before calling).
 */
#include <string.h>

#include "core/machine.h"
#include "core/memmap.h"
#include "exec/exec.h"
#include "mmu/tlb.h"

/* The entry for va at mmu_idx, refilled for acc if needed; NULL on a fault. */
static struct tlb_entry *tlb_entry_for(struct cpu *cpu, uint64_t va, enum tlb_access acc, unsigned mmu_idx)
{
    struct tlb_entry *e = &tlb_table(&cpu->tlb, mmu_idx)[tlb_index(va)];
    if ((e->tag[acc] & ~(TLB_MMIO | TLB_CODE)) == (va & TLB_PAGE_MASK))
        return e;

    struct tlb_fill f;
    memset(&f, 0, sizeof(f));
    if (cpu->isa->tlb_fill(cpu, va, acc, mmu_idx, &f) < 0)
        return NULL;
    uint64_t page_pa = f.phys & TLB_PAGE_MASK;
    struct mem_region *r = memmap_find(&cpu->m->map, page_pa | (f.phys & ~TLB_PAGE_MASK));
    if (!r) {
        cpu->isa->bus_fault(cpu, va, acc);
        return NULL;
    }
    uint64_t page_va = va & TLB_PAGE_MASK;
    f.allow[acc] = true;
    e->phys = page_pa;
    /* A RAM/ROM page is direct only when the region covers it whole. */
    bool direct = r->host && page_pa >= r->base && r->size >= (1u << TLB_PAGE_BITS) &&
                  page_pa - r->base <= r->size - (1u << TLB_PAGE_BITS);
    e->addend = direct ? (uintptr_t)(r->host + (page_pa - r->base)) - (uintptr_t)page_va : 0;
    for (int a = 0; a < 3; a++) {
        if (!f.allow[a]) {
            e->tag[a] = UINT64_MAX;
            continue;
        }
        uint64_t tag = page_va;
        if (!direct || (a == TLB_WRITE && r->kind == MEM_ROM))
            tag |= TLB_MMIO;
        else if (a == TLB_WRITE && r->code_pages[(page_pa - r->base) >> MEM_PAGE_BITS])
            tag |= TLB_CODE;
        e->tag[a] = tag;
    }
    return e;
}

/* A device access at guest physical pa; false when nothing is there. */
static bool mmio_access(struct cpu *cpu, uint64_t pa, unsigned size, bool write, uint64_t *val)
{
    struct machine *m = cpu->m;
    struct mem_region *r = memmap_find(&m->map, pa);
    if (!r || pa - r->base > r->size - size)
        return false;
    uint64_t off = pa - r->base;
    if (r->kind == MEM_MMIO) {
        if (write)
            r->ops->write(r->dev, off, *val, size);
        else
            *val = r->ops->read(r->dev, off, size);
        return true;
    }
    if (r->kind == MEM_ROM && write)
        return true;    /* writes to ROM are ignored, as on the boards we model */
    if (write) {
        exec_invalidate_phys(m, pa, size);
        memcpy(r->host + off, val, size);
    } else {
        *val = 0;
        memcpy(val, r->host + off, size);
    }
    return true;
}

static uint64_t sign_extend(uint64_t v, unsigned memop)
{
    if (!(memop & IR_MO_SIGN))
        return v;
    unsigned bits = 8 * IR_MO_SIZE(memop);
    if (bits == 64)
        return v;
    uint64_t sign = 1ull << (bits - 1);
    return (v ^ sign) - sign;
}

int exec_load(struct cpu *cpu, uint64_t va, unsigned memop, unsigned mmu_idx, uint64_t *val)
{
    unsigned size = IR_MO_SIZE(memop);
    if (va & (size - 1)) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++) {
            uint64_t byte;
            if (exec_load(cpu, va + i, IR_MO_8, mmu_idx, &byte) < 0)
                return -1;
            v |= byte << (8 * i);
        }
        *val = sign_extend(v, memop);
        return 0;
    }
    struct tlb_entry *e = tlb_entry_for(cpu, va, TLB_READ, mmu_idx);
    if (!e)
        return -1;
    uint64_t v = 0;
    if (e->tag[TLB_READ] & TLB_MMIO) {
        if (!mmio_access(cpu, e->phys | (va & ~TLB_PAGE_MASK), size, false, &v)) {
            cpu->isa->bus_fault(cpu, va, TLB_READ);
            return -1;
        }
    } else {
        memcpy(&v, (void *)(uintptr_t)(va + e->addend), size);
    }
    *val = sign_extend(v, memop);
    return 0;
}

int exec_store(struct cpu *cpu, uint64_t va, unsigned memop, unsigned mmu_idx, uint64_t val)
{
    unsigned size = IR_MO_SIZE(memop);
    if (va & (size - 1)) {
        /* Translate every byte first so a fault leaves memory untouched. */
        for (unsigned i = 0; i < size; i++) {
            if (!tlb_entry_for(cpu, va + i, TLB_WRITE, mmu_idx))
                return -1;
        }
        for (unsigned i = 0; i < size; i++) {
            if (exec_store(cpu, va + i, IR_MO_8, mmu_idx, val >> (8 * i)) < 0)
                return -1;
        }
        return 0;
    }
    struct tlb_entry *e = tlb_entry_for(cpu, va, TLB_WRITE, mmu_idx);
    if (!e)
        return -1;
    uint64_t pa = e->phys | (va & ~TLB_PAGE_MASK);
    if (e->tag[TLB_WRITE] & TLB_MMIO) {
        if (!mmio_access(cpu, pa, size, true, &val)) {
            cpu->isa->bus_fault(cpu, va, TLB_WRITE);
            return -1;
        }
        return 0;
    }
    if (e->tag[TLB_WRITE] & TLB_CODE)
        exec_invalidate_phys(cpu->m, pa, size);
    memcpy((void *)(uintptr_t)(va + e->addend), &val, size);
    return 0;
}

void *exec_rmw_ptr(struct cpu *cpu, uint64_t va, unsigned size, unsigned mmu_idx)
{
    struct tlb_entry *e = tlb_entry_for(cpu, va, TLB_WRITE, mmu_idx);
    if (!e)
        return NULL;
    if (e->tag[TLB_WRITE] & TLB_MMIO) {
        cpu->isa->bus_fault(cpu, va, TLB_WRITE);
        return NULL;
    }
    if (e->tag[TLB_WRITE] & TLB_CODE)
        exec_invalidate_phys(cpu->m, e->phys | (va & ~TLB_PAGE_MASK), size);
    return (void *)(uintptr_t)(va + e->addend);
}

int exec_translate(struct cpu *cpu, uint64_t va, enum tlb_access acc, unsigned mmu_idx, uint64_t *phys)
{
    struct tlb_entry *e = tlb_entry_for(cpu, va, acc, mmu_idx);
    if (!e)
        return -1;
    *phys = e->phys | (va & ~TLB_PAGE_MASK);
    return 0;
}

int exec_fetch16(struct cpu *cpu, uint64_t va, unsigned mmu_idx, uint16_t *val)
{
    void *h = tlb_fast(&cpu->tlb, mmu_idx, va, 2, TLB_EXEC);
    if (!h) {
        struct tlb_entry *e = tlb_entry_for(cpu, va, TLB_EXEC, mmu_idx);
        if (!e)
            return -1;
        if (e->tag[TLB_EXEC] & TLB_MMIO) {
            /* Code must come from RAM or ROM (no execution from devices). */
            cpu->isa->bus_fault(cpu, va, TLB_EXEC);
            return -1;
        }
        h = (void *)(uintptr_t)(va + e->addend);
    }
    memcpy(val, h, 2);
    return 0;
}
