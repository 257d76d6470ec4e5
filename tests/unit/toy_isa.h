/*
 * The parts of the engine tests' toy ISA that every such test shares:
 * one privilege level, flat 4 KiB identity translation, and faults
 * delivered at TOY_HANDLER with r3 = the fault code and r4 = its pc. A
 * test adds its own instruction set (translate) with TOY_ISA_HOOKS:
 *
 *   static const struct exec_isa toy_isa = { TOY_ISA_HOOKS, .translate = toy_translate };
 */
#ifndef TESTS_UNIT_TOY_ISA_H
#define TESTS_UNIT_TOY_ISA_H

#include "exec/exec.h"

#define TOY_PC 64u
#define TOY_HANDLER 0x100u
#define TOY_FAULT_ILLEGAL 7u
#define TOY_FAULT_BUS 9u

/* A helper that raises fault `code` at the current instruction. */
static inline uint64_t toy_raise(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t code)
{
    (void)a, (void)b, (void)c;
    cpu_fault_set(cpu, (uint32_t)code, 0, 0);
    return 0;
}

static inline uint32_t toy_tb_flags(struct cpu *cpu)
{
    (void)cpu;
    return 0;
}

static inline unsigned toy_fetch_mmu_idx(struct cpu *cpu, uint32_t flags)
{
    (void)cpu, (void)flags;
    return 0;
}

static inline int toy_tlb_fill(struct cpu *cpu, uint64_t va, enum tlb_access acc, unsigned mmu_idx,
                               struct tlb_fill *out)
{
    (void)cpu, (void)acc, (void)mmu_idx;
    out->phys = va;
    out->page_size = 4096;
    out->allow[TLB_READ] = out->allow[TLB_WRITE] = out->allow[TLB_EXEC] = true;
    return 0;
}

static inline void toy_bus_fault(struct cpu *cpu, uint64_t va, enum tlb_access acc)
{
    (void)acc;
    cpu_fault_set(cpu, TOY_FAULT_BUS, va, 0);
}

static inline void toy_take_fault(struct cpu *cpu, uint64_t pc)
{
    cpu->r[3] = cpu->fault.code;
    cpu->r[4] = pc;
    cpu->r[TOY_PC] = TOY_HANDLER;
}

static inline void toy_check_irq(struct cpu *cpu)
{
    (void)cpu;
}

#define TOY_ISA_HOOKS                                                                                   \
    .name = "toy", .pc_slot = TOY_PC, .tb_flags = toy_tb_flags, .fetch_mmu_idx = toy_fetch_mmu_idx,   \
    .tlb_fill = toy_tlb_fill, .bus_fault = toy_bus_fault, .take_fault = toy_take_fault,                \
    .check_irq = toy_check_irq

#endif
