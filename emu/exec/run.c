/*
 * The per-vCPU run loop shared by all ISAs.
 *
 * A vCPU runs TBs until its clock reaches the budget the machine gave it,
 * or until something needs the machine: a stop request or WFI. Interrupts
 * are taken only between TBs, when a device or a helper has asked for a
 * check (cpu->exit_request / irq_check), so when they are taken depends on
 * the instruction stream alone.
 */
#include <string.h>

#include "core/machine.h"
#include "exec/tb.h"
#include "timing/core.h"

void cpu_base_init(struct cpu *cpu, struct machine *m, unsigned index)
{
    memset(cpu->r, 0, sizeof(cpu->r));
    cpu->m = m;
    cpu->index = index;
    cpu->cycles = cpu->insns = cpu->until = 0;
    cpu->insn_limit = UINT64_MAX;
    cpu->exit_request = cpu->irq_check = cpu->halted = false;
    memset(&cpu->fault, 0, sizeof(cpu->fault));
    cpu->tc = NULL;
    tlb_flush_all(&cpu->tlb);
    memset(cpu->jmp_cache, 0, sizeof(cpu->jmp_cache));
}

/* The guest's translations changed: the modelled TLBs forget them too. */
void exec_flush_tlb(struct cpu *cpu)
{
    tlb_flush_all(&cpu->tlb);
    memset(cpu->jmp_cache, 0, sizeof(cpu->jmp_cache));
    if (cpu->tc)
        timing_tlb_flush(cpu->tc);
}

void exec_flush_tlb_mmu(struct cpu *cpu, unsigned mmu_idx)
{
    tlb_flush_mmu(&cpu->tlb, mmu_idx);
    memset(cpu->jmp_cache, 0, sizeof(cpu->jmp_cache));
    if (cpu->tc)
        timing_tlb_flush(cpu->tc);
}

void exec_flush_tlb_page(struct cpu *cpu, uint64_t va)
{
    tlb_flush_page(&cpu->tlb, va);
    memset(cpu->jmp_cache, 0, sizeof(cpu->jmp_cache));
    if (cpu->tc)
        timing_tlb_flush_va(cpu->tc, va);
}

void exec_timing_tlb_fence(struct cpu *cpu, bool has_va, uint64_t va)
{
    if (!cpu->tc)
        return;
    if (has_va)
        timing_tlb_flush_va(cpu->tc, va);
    else
        timing_tlb_flush(cpu->tc);
}

void exec_timing_tlb_context(struct cpu *cpu, uint32_t idx_mask, uint32_t ctx)
{
    if (cpu->tc)
        timing_tlb_set_context(cpu->tc, idx_mask, ctx);
}

/* Runs chained TBs from tb until the budget ends or the loop must look. */
static void run_chain(struct cpu *cpu, struct tb *tb, uint64_t until, uint64_t max_insns)
{
    struct machine *m = cpu->m;
    struct timing_cpu *tc = cpu->tc;
    const unsigned pc_slot = cpu->isa->pc_slot;
    for (;;) {
        struct tb **link;
        if (tb->ninsns > max_insns - cpu->insns) {
            /* Finish exactly at the limit, one instruction at a time. */
            tb = tb_find(cpu, tb->pc, tb->flags | EXEC_TBF_ONE_INSN);
            if (!tb) {
                cpu->isa->take_fault(cpu, cpu->r[pc_slot]);
                cpu->fault.pending = false;
                cpu->cycles++;
                return;
            }
        }
        struct tb *next;
        if (tb->jit) {
            /* The host code counts for itself, and may run on through
             * chained TBs as this loop would (see jit.h). */
            next = tb->jit(cpu, &link);
        } else {
            cpu->cycles += tb->cycles;
            if (tc)
                timing_on_fetch(cpu, tc, tb->pc, tb->fetch_pa, tb->phys_page[1], tb->fetch_len,
                                tb->fetch_mmu_idx);
            cpu->insns += tb->ninsns;
            for (unsigned i = 0; i < tb->nclass_counts; i++)
                cpu->stat_class[tb->class_counts[i].cls] += tb->class_counts[i].n;
            next = interp_run_tb(cpu, tb, &link);
        }
        if (cpu->exit_request || cpu->halted || cpu->cycles >= until || cpu->insns >= max_insns)
            return;
        if (!next) {
            if (!link)
                return;
            /* Look the successor up here so the link can be made. */
            uint32_t flags = cpu->isa->tb_flags(cpu);
            uint64_t flushes = m->exec->flushes;
            next = tb_find(cpu, cpu->r[pc_slot], flags);
            if (!next) {
                cpu->isa->take_fault(cpu, cpu->r[pc_slot]);
                cpu->fault.pending = false;
                cpu->cycles++;    /* a fetch fault takes time too: a fault loop still advances */
                return;
            }
            if (m->exec->flushes == flushes && next->flags == tb->flags)
                *link = next;
        }
        tb = next;
    }
}

uint64_t exec_run(struct cpu *cpu, uint64_t until)
{
    struct machine *m = cpu->m;
    const unsigned pc_slot = cpu->isa->pc_slot;
    uint64_t max_insns = m->cfg.max_insns ? m->cfg.max_insns : UINT64_MAX;
    uint64_t start = cpu->cycles;

    if (!exec_timing_ready(cpu)) {
        emu_warn_once(&m->exec->timing_nomem, "out of memory for the caches of timing model %s",
                      m->exec->model.name);
        machine_request_stop(m, MACHINE_STOP_ERROR, 0);
        return 0;
    }

    cpu->until = until;
    cpu->insn_limit = max_insns;
    while (cpu->cycles < until && m->stop == MACHINE_RUNNING) {
        if (cpu->insns >= max_insns) {
            machine_request_stop(m, MACHINE_STOP_MAX_INSNS, 0);
            break;
        }
        if (cpu->exit_request || cpu->irq_check || cpu->halted) {
            cpu->exit_request = false;
            cpu->irq_check = false;
            cpu->isa->check_irq(cpu);
        }
        if (cpu->halted) {
            /* Nothing to do until an event: sleep to the budget's end. */
            cpu->stat_wfi_cycles += until - cpu->cycles;
            cpu->cycles = until;
            break;
        }
        uint32_t flags = cpu->isa->tb_flags(cpu);
        struct tb *tb = tb_find(cpu, cpu->r[pc_slot], flags);
        if (!tb) {
            cpu->isa->take_fault(cpu, cpu->r[pc_slot]);
            cpu->fault.pending = false;
            cpu->cycles++;    /* a fetch fault takes time too: a fault loop still advances */
            continue;
        }
        run_chain(cpu, tb, until, max_insns);
    }
    return cpu->cycles - start;
}
