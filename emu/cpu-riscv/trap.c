/*
 * Traps of the riscv hart: exception and interrupt entry with delegation,
 * interrupt selection, xRET, ECALL/EBREAK, WFI and SFENCE.VMA
 * (RISC-V privileged spec 1.12 §3.1.6-9, §3.3, §4.1.1, §4.2.1).
 *
 * Exceptions arrive as values in cpu->fault (rv_raise, page walks, the
 * engine's bus faults) and are delivered by rv_take_fault. Interrupts are
 * levels in mip; the engine asks rv_check_irq at TB boundaries whenever
 * rv_update_irq has seen one that can be taken (or a WFI can end).
 */
#include "core/machine.h"
#include "cpu-riscv/hart.h"

#define RV_CAUSE_IRQ (1ull << 63)

/* Fixed encodings, reported as tval of their illegal-instruction traps. */
#define RV_INSN_SRET 0x10200073u
#define RV_INSN_MRET 0x30200073u
#define RV_INSN_WFI  0x10500073u

void rv_raise(struct rv_cpu *rv, enum rv_exc cause, uint64_t tval)
{
    cpu_fault_set(&rv->cpu, (uint32_t)cause, tval, 0);
}

static void rv_set_pc(struct rv_cpu *rv, uint64_t pc)
{
    rv->cpu.r[RV_SLOT_PC] = pc;
}

/* Trap vector (§3.1.7): vectored mode applies to interrupts only. */
static uint64_t rv_vector(uint64_t tvec, unsigned cause, bool irq)
{
    uint64_t base = tvec & ~3ull;
    return (irq && (tvec & 3) == 1) ? base + 4ull * cause : base;
}

static void rv_enter_s(struct rv_cpu *rv, uint64_t cause, uint64_t tval, uint64_t epc)
{
    uint64_t s = rv->mstatus;
    rv->scause = cause;
    rv->sepc = epc;
    rv->stval = tval;
    /* §4.1.1: SPP <- priv, SPIE <- SIE, SIE <- 0. */
    s = (s & ~RV_MSTATUS_SPP) | (rv->priv == RV_PRIV_S ? RV_MSTATUS_SPP : 0);
    s = (s & ~RV_MSTATUS_SPIE) | ((s & RV_MSTATUS_SIE) ? RV_MSTATUS_SPIE : 0);
    rv->mstatus = s & ~RV_MSTATUS_SIE;
    rv->priv = RV_PRIV_S;
}

static void rv_enter_m(struct rv_cpu *rv, uint64_t cause, uint64_t tval, uint64_t epc)
{
    uint64_t s = rv->mstatus;
    rv->mcause = cause;
    rv->mepc = epc;
    rv->mtval = tval;
    /* §3.1.6.1: MPP <- priv, MPIE <- MIE, MIE <- 0. */
    s = (s & ~RV_MSTATUS_MPP) | ((uint64_t)rv->priv << 11);
    s = (s & ~RV_MSTATUS_MPIE) | ((s & RV_MSTATUS_MIE) ? RV_MSTATUS_MPIE : 0);
    rv->mstatus = s & ~RV_MSTATUS_MIE;
    rv->priv = RV_PRIV_M;
}

void rv_trap_enter(struct rv_cpu *rv, unsigned cause, bool irq, uint64_t tval, uint64_t epc)
{
    uint64_t deleg = irq ? rv->mideleg : rv->medeleg;
    uint64_t xcause = (irq ? RV_CAUSE_IRQ : 0) | cause;
    /* §3.1.8: traps from S or U whose bit is delegated go to S; traps
     * never go to a lower privilege than the current one. */
    if (rv->priv <= RV_PRIV_S && cause < 64 && ((deleg >> cause) & 1)) {
        rv_enter_s(rv, xcause, tval, epc);
        rv_set_pc(rv, rv_vector(rv->stvec, cause, irq));
    } else {
        rv_enter_m(rv, xcause, tval, epc);
        rv_set_pc(rv, rv_vector(rv->mtvec, cause, irq));
    }
    rv_update_irq(rv);
}

void rv_take_fault(struct cpu *cpu, uint64_t pc)
{
    struct rv_cpu *rv = rv_of(cpu);
    unsigned cause = cpu->fault.code;
    uint64_t tval = cpu->fault.tval;
    cpu->fault.pending = false;
    cpu->stat_exceptions++;
    rv_trap_enter(rv, cause, false, tval, pc);
}

/* ---- interrupts (§3.1.9) ---- */

/* Highest-priority first: MEI, MSI, MTI, SEI, SSI, STI. */
static const unsigned rv_irq_order[] = {
    RV_IRQ_MEI, RV_IRQ_MSI, RV_IRQ_MTI, RV_IRQ_SEI, RV_IRQ_SSI, RV_IRQ_STI,
};

/* The interrupts that can be taken now: pending, enabled in mie, and
 * globally enabled for the privilege they trap to. */
static uint64_t rv_irq_takeable(const struct rv_cpu *rv)
{
    uint64_t pending = rv_mip_visible(rv) & rv->mie;
    bool m_on = rv->priv < RV_PRIV_M || (rv->mstatus & RV_MSTATUS_MIE);
    bool s_on = rv->priv < RV_PRIV_S || (rv->priv == RV_PRIV_S && (rv->mstatus & RV_MSTATUS_SIE));
    uint64_t to_m = m_on ? pending & ~rv->mideleg : 0;
    uint64_t to_s = s_on ? pending & rv->mideleg : 0;
    /* Interrupts for M are serviced before those for S. */
    return to_m ? to_m : to_s;
}

void rv_update_irq(struct rv_cpu *rv)
{
    struct cpu *cpu = &rv->cpu;
    bool wake = cpu->halted && (rv_mip_visible(rv) & rv->mie);
    if (wake || rv_irq_takeable(rv)) {
        cpu->irq_check = true;
        cpu_kick(cpu);
    }
}

void rv_check_irq(struct cpu *cpu)
{
    struct rv_cpu *rv = rv_of(cpu);
    cpu->irq_check = false;
    /* §3.3.3: WFI ends on any locally enabled pending interrupt, even
     * when global enables keep it from being taken. */
    if (rv_mip_visible(rv) & rv->mie)
        cpu->halted = false;
    uint64_t take = rv_irq_takeable(rv);
    if (!take)
        return;
    for (unsigned i = 0; i < sizeof(rv_irq_order) / sizeof(rv_irq_order[0]); i++) {
        unsigned irq = rv_irq_order[i];
        if ((take >> irq) & 1) {
            cpu->stat_interrupts++;
            rv_trap_enter(rv, irq, true, 0, cpu->r[RV_SLOT_PC]);
            return;
        }
    }
}

void rv_set_irq_line(struct cpu *cpu, unsigned irq, bool level)
{
    struct rv_cpu *rv = rv_of(cpu);
    if (irq >= 64 || !((RV_MIP_ALL >> irq) & 1))
        return;
    if (level)
        rv->mip_lines |= 1ull << irq;
    else
        rv->mip_lines &= ~(1ull << irq);
    rv_update_irq(rv);
}

/* ---- instruction helpers ---- */

uint64_t rv_helper_ecall(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t pc)
{
    struct rv_cpu *rv = rv_of(cpu);
    static const enum rv_exc by_priv[4] = { RV_EXC_ECALL_U, RV_EXC_ECALL_S, RV_EXC_ECALL_S, RV_EXC_ECALL_M };
    rv_raise(rv, by_priv[rv->priv & 3], 0);
    return 0;
}

uint64_t rv_helper_ebreak(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t pc)
{
    /* §3.1.16: a breakpoint reports the address of the EBREAK itself. */
    rv_raise(rv_of(cpu), RV_EXC_BREAKPOINT, (uint64_t)pc);
    return 0;
}

/* Common tail of MRET and SRET (§3.3.2): return to priv y at epc. MPRV is
 * cleared whenever the new privilege is not M. */
static void rv_xret_to(struct rv_cpu *rv, enum rv_priv y, uint64_t epc)
{
    if (y != RV_PRIV_M)
        rv->mstatus &= ~RV_MSTATUS_MPRV;
    rv->priv = y;
    rv->lr_valid = false;
    rv_set_pc(rv, rv->ext.c ? epc & ~1ull : epc & ~3ull);
    rv_update_irq(rv);
}

uint64_t rv_helper_mret(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t pc)
{
    struct rv_cpu *rv = rv_of(cpu);
    if (rv->priv != RV_PRIV_M) {
        rv_raise(rv, RV_EXC_ILLEGAL_INSN, RV_INSN_MRET);
        return 0;
    }
    uint64_t s = rv->mstatus;
    enum rv_priv y = (enum rv_priv)((s & RV_MSTATUS_MPP) >> 11);
    /* MIE <- MPIE, MPIE <- 1, MPP <- U. */
    s = (s & ~RV_MSTATUS_MIE) | ((s & RV_MSTATUS_MPIE) ? RV_MSTATUS_MIE : 0);
    s = (s | RV_MSTATUS_MPIE) & ~RV_MSTATUS_MPP;
    rv->mstatus = s;
    rv_xret_to(rv, y, rv->mepc);
    return 0;
}

uint64_t rv_helper_sret(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t pc)
{
    struct rv_cpu *rv = rv_of(cpu);
    /* §3.1.6.5: TSR makes SRET illegal in S-mode. */
    if (rv->priv == RV_PRIV_U || (rv->priv == RV_PRIV_S && (rv->mstatus & RV_MSTATUS_TSR))) {
        rv_raise(rv, RV_EXC_ILLEGAL_INSN, RV_INSN_SRET);
        return 0;
    }
    uint64_t s = rv->mstatus;
    enum rv_priv y = (s & RV_MSTATUS_SPP) ? RV_PRIV_S : RV_PRIV_U;
    /* SIE <- SPIE, SPIE <- 1, SPP <- U. */
    s = (s & ~RV_MSTATUS_SIE) | ((s & RV_MSTATUS_SPIE) ? RV_MSTATUS_SIE : 0);
    s = (s | RV_MSTATUS_SPIE) & ~RV_MSTATUS_SPP;
    rv->mstatus = s;
    rv_xret_to(rv, y, rv->sepc);
    return 0;
}

uint64_t rv_helper_wfi(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t pc)
{
    struct rv_cpu *rv = rv_of(cpu);
    /* §3.1.6.5: with S-mode present, WFI in U is illegal; TW makes it
     * illegal in S (our WFI has no bounded wait to complete within). */
    if (rv->priv == RV_PRIV_U || (rv->priv == RV_PRIV_S && (rv->mstatus & RV_MSTATUS_TW))) {
        rv_raise(rv, RV_EXC_ILLEGAL_INSN, RV_INSN_WFI);
        return 0;
    }
    if (!(rv_mip_visible(rv) & rv->mie)) {
        cpu->halted = true;
        cpu_kick(cpu);
    }
    return 0;
}

uint64_t rv_helper_sfence_vma(struct cpu *cpu, uint64_t vaddr, uint64_t asid, uint64_t c, int64_t imm)
{
    struct rv_cpu *rv = rv_of(cpu);
    uint32_t insn = (uint32_t)imm;
    /* §4.2.1: illegal in U, and in S when TVM is set. */
    if (rv->priv == RV_PRIV_U || (rv->priv == RV_PRIV_S && (rv->mstatus & RV_MSTATUS_TVM))) {
        rv_raise(rv, RV_EXC_ILLEGAL_INSN, insn);
        return 0;
    }
    /* The soft TLB has no ASID tags: rs2 only narrows, so it is ignored. */
    if (((insn >> 15) & 31) == 0)
        exec_flush_tlb(cpu);
    else
        rv_tlb_flush_va(rv, vaddr);
    return 0;
}
