/*
 * Traps of the riscv hart: exception and interrupt entry with delegation
 * to M, HS and VS, interrupt selection, xRET, ECALL/EBREAK, WFI and
 * SFENCE.VMA (RISC-V privileged spec 1.12 §3.1.6-9, §3.3, §4.1.1, §4.2.1;
 * hypervisor extension §8.4, §8.6).
 *
 * Exceptions arrive as values in cpu->fault (rv_raise, page walks, the
 * engine's bus faults) and are delivered by rv_take_fault. Interrupts are
 * levels in mip; the engine asks rv_check_irq at TB boundaries whenever
 * rv_update_irq has seen one that can be taken (or a WFI can end).
 *
 * Delegation (§8.6.2): a trap from HS or U goes to M unless medeleg or
 * mideleg sends it to HS; a trap from VS or VU goes on to VS when
 * hedeleg/hideleg also delegate it. A trap into HS or M leaves the guest
 * (V=0) and records where it came from in hstatus.SPV/SPVP or
 * mstatus.MPV, with the guest physical address of a guest-page fault in
 * htval/mtval2.
 */
#include "core/machine.h"
#include "cpu-riscv/hart.h"

#define RV_CAUSE_IRQ (1ull << 63)

/* Fixed encodings, reported as tval of their illegal-instruction traps. */
#define RV_INSN_SRET 0x10200073u
#define RV_INSN_MRET 0x30200073u
#define RV_INSN_WFI  0x10500073u

/* htinst/mtinst pseudoinstructions for guest-page faults of VS-stage
 * page-table accesses, VSXLEN = 64 (§8.6.3, table 8.12). */
#define RV_TINST_VS_PT_READ  0x00003000u
#define RV_TINST_VS_PT_WRITE 0x00003020u

void rv_raise(struct rv_cpu *rv, enum rv_exc cause, uint64_t tval)
{
    cpu_fault_set(&rv->cpu, (uint32_t)cause, tval, 0);
}

void rv_raise_insn(struct rv_cpu *rv, bool virt, uint64_t insn)
{
    rv_raise(rv, virt ? RV_EXC_VIRTUAL_INSN : RV_EXC_ILLEGAL_INSN, insn);
}

void rv_set_virt(struct rv_cpu *rv, bool virt)
{
    struct rv_hyp_stats *s = &rv_hart_of(rv)->hyp;
    if (rv->virt == virt)
        return;
    if (virt)
        s->virt_since = rv->cpu.cycles;
    else
        s->virt_cycles += rv->cpu.cycles - s->virt_since;
    rv->virt = virt;
}

void rv_set_mode(struct rv_cpu *rv, enum rv_priv priv, bool virt)
{
    struct rv_hart *h = rv_hart_of(rv);
    h->mode_cycles[rv_mode_of(rv->priv, rv->virt)] += rv->cpu.cycles - h->mode_since;
    h->mode_since = rv->cpu.cycles;
    rv_set_virt(rv, virt);
    rv->priv = priv;
}

static void rv_set_pc(struct rv_cpu *rv, uint64_t pc)
{
    rv->cpu.r[RV_SLOT_PC] = pc;
}

/* Trap vector (§3.1.7): vectored mode applies to interrupts only. */
static uint64_t rv_vector(uint64_t tvec, uint64_t cause, bool irq)
{
    uint64_t base = tvec & ~3ull;
    return (irq && (tvec & 3) == 1) ? base + 4ull * cause : base;
}

/* xstatus trap-entry update of the S-level fields (§4.1.1): SPP <- the
 * nominal privilege, SPIE <- SIE, SIE <- 0. */
static uint64_t rv_status_enter_s(uint64_t s, enum rv_priv from)
{
    s = (s & ~RV_MSTATUS_SPP) | (from == RV_PRIV_S ? RV_MSTATUS_SPP : 0);
    s = (s & ~RV_MSTATUS_SPIE) | ((s & RV_MSTATUS_SIE) ? RV_MSTATUS_SPIE : 0);
    return s & ~RV_MSTATUS_SIE;
}

/* Into VS-mode (§8.6.4): vsstatus, vscause, vsepc, vstval; V stays 1. */
static void rv_enter_vs(struct rv_cpu *rv, uint64_t cause, uint64_t tval, uint64_t epc)
{
    rv->vscause = cause;
    rv->vsepc = epc;
    rv->vstval = tval;
    rv->vsstatus = rv_status_enter_s(rv->vsstatus, rv->priv);
    rv_set_mode(rv, RV_PRIV_S, true);
}

static void rv_enter_hs(struct rv_cpu *rv, uint64_t cause, const struct rv_trap_info *ti, uint64_t epc)
{
    rv->scause = cause;
    rv->sepc = epc;
    rv->stval = ti->tval;
    if (rv->ext.h) {
        /* §8.6.4: SPV <- V; SPVP <- the nominal privilege if V was 1. */
        uint64_t hs = rv->hstatus & ~(RV_HSTATUS_SPV | RV_HSTATUS_GVA);
        if (rv->virt) {
            struct rv_hyp_stats *st = &rv_hart_of(rv)->hyp;
            uint64_t code = cause & ~RV_CAUSE_IRQ;
            hs |= RV_HSTATUS_SPV;
            hs = (hs & ~RV_HSTATUS_SPVP) | (rv->priv == RV_PRIV_S ? RV_HSTATUS_SPVP : 0);
            if ((cause & RV_CAUSE_IRQ) && code < 16)
                st->exits_irq[code]++;
            else if (!(cause & RV_CAUSE_IRQ) && code < 24)
                st->exits_exc[code]++;
        }
        rv->hstatus = hs | (ti->gva ? RV_HSTATUS_GVA : 0);
        rv->htval = ti->gpa;
        rv->htinst = ti->tinst;
    }
    rv->mstatus = rv_status_enter_s(rv->mstatus, rv->priv);
    rv_set_mode(rv, RV_PRIV_S, false);
}

static void rv_enter_m(struct rv_cpu *rv, uint64_t cause, const struct rv_trap_info *ti, uint64_t epc)
{
    uint64_t s = rv->mstatus;
    rv->mcause = cause;
    rv->mepc = epc;
    rv->mtval = ti->tval;
    if (rv->ext.h) {
        /* §8.6.4: MPV <- V, GVA; mtval2 and mtinst. */
        s &= ~(RV_MSTATUS_MPV | RV_MSTATUS_GVA);
        s |= (rv->virt ? RV_MSTATUS_MPV : 0) | (ti->gva ? RV_MSTATUS_GVA : 0);
        rv->mtval2 = ti->gpa;
        rv->mtinst = ti->tinst;
    }
    /* §3.1.6.1: MPP <- priv, MPIE <- MIE, MIE <- 0. */
    s = (s & ~RV_MSTATUS_MPP) | ((uint64_t)rv->priv << 11);
    s = (s & ~RV_MSTATUS_MPIE) | ((s & RV_MSTATUS_MIE) ? RV_MSTATUS_MPIE : 0);
    rv->mstatus = s & ~RV_MSTATUS_MIE;
    rv_set_mode(rv, RV_PRIV_M, false);
}

void rv_trap_enter_info(struct rv_cpu *rv, unsigned cause, bool irq, const struct rv_trap_info *ti, uint64_t epc)
{
    uint64_t deleg = irq ? rv->mideleg : rv->medeleg;
    uint64_t hdeleg = irq ? rv->hideleg : rv->hedeleg;
    uint64_t flag = irq ? RV_CAUSE_IRQ : 0;
    bool to_s = rv->priv <= RV_PRIV_S && cause < 64 && ((deleg >> cause) & 1);
    /* Traps never go to a lower privilege than the current one; VS is
     * below HS, so only a trap taken with V=1 can stay in the guest. */
    if (to_s && rv->virt && ((hdeleg >> cause) & 1)) {
        /* §8.2.2: VS interrupts reach VS-mode as the S-level ones. */
        unsigned vs_cause = irq ? cause - 1 : cause;
        rv_enter_vs(rv, flag | vs_cause, ti->tval, epc);
        rv_set_pc(rv, rv_vector(rv->vstvec, vs_cause, irq));
    } else if (to_s) {
        rv_enter_hs(rv, flag | cause, ti, epc);
        rv_set_pc(rv, rv_vector(rv->stvec, cause, irq));
    } else {
        rv_enter_m(rv, flag | cause, ti, epc);
        rv_set_pc(rv, rv_vector(rv->mtvec, cause, irq));
    }
    rv_update_irq(rv);
}

void rv_trap_enter(struct rv_cpu *rv, unsigned cause, bool irq, uint64_t tval, uint64_t epc)
{
    struct rv_trap_info ti = { .tval = tval };
    rv_trap_enter_info(rv, cause, irq, &ti, epc);
}

/* Does tval of this exception hold a guest virtual address (§8.2.1)? The
 * walker and HLV mark their faults; the rest follow the access regime. */
static bool rv_fault_gva(const struct rv_cpu *rv, uint32_t code)
{
    switch (code & RV_FAULT_CAUSE) {
    case RV_EXC_INSN_MISALIGNED:
    case RV_EXC_BREAKPOINT:
        return rv->virt;
    case RV_EXC_LOAD_MISALIGNED:
    case RV_EXC_STORE_MISALIGNED:
        return (code & RV_FAULT_GVA) || rv_mmu_is_virt(rv_data_mmu_idx(rv));
    default:
        return (code & RV_FAULT_GVA) != 0;
    }
}

void rv_take_fault(struct cpu *cpu, uint64_t pc)
{
    struct rv_cpu *rv = rv_of(cpu);
    uint32_t code = cpu->fault.code;
    unsigned cause = code & RV_FAULT_CAUSE;
    struct rv_trap_info ti = { .tval = cpu->fault.tval, .gva = rv_fault_gva(rv, code) };
    if (cause == RV_EXC_INSN_GUEST_PAGE || cause == RV_EXC_LOAD_GUEST_PAGE || cause == RV_EXC_STORE_GUEST_PAGE) {
        ti.gpa = cpu->fault.tval2;
        if (code & RV_FAULT_IMPLICIT_WRITE)
            ti.tinst = RV_TINST_VS_PT_WRITE;
        else if (code & RV_FAULT_IMPLICIT)
            ti.tinst = RV_TINST_VS_PT_READ;
    }
    cpu->fault.pending = false;
    cpu->stat_exceptions++;
    rv_trap_enter_info(rv, cause, false, &ti, pc);
}

/* ---- interrupts (§3.1.9, §8.2.3) ---- */

/* Highest-priority first. */
static const unsigned rv_irq_order[] = {
    RV_IRQ_MEI, RV_IRQ_MSI, RV_IRQ_MTI, RV_IRQ_SEI, RV_IRQ_SSI, RV_IRQ_STI,
    RV_IRQ_SGEI, RV_IRQ_VSEI, RV_IRQ_VSSI, RV_IRQ_VSTI,
};

/* The interrupts that can be taken now: pending, enabled in mie, and
 * globally enabled for the level they trap to. HS-level interrupts are
 * always enabled while V=1, VS-level ones never while V=0 (§8.1). */
static uint64_t rv_irq_takeable(const struct rv_cpu *rv)
{
    uint64_t pending = rv_mip_visible(rv) & rv->mie;
    bool m_on = rv->priv < RV_PRIV_M || (rv->mstatus & RV_MSTATUS_MIE);
    bool hs_on = rv->virt || rv->priv == RV_PRIV_U || (rv->priv == RV_PRIV_S && (rv->mstatus & RV_MSTATUS_SIE));
    bool vs_on = rv->virt && (rv->priv == RV_PRIV_U || (rv->vsstatus & RV_MSTATUS_SIE));
    uint64_t to_m = m_on ? pending & ~rv->mideleg : 0;
    uint64_t to_hs = hs_on ? pending & rv->mideleg & ~rv->hideleg : 0;
    uint64_t to_vs = vs_on ? pending & rv->mideleg & rv->hideleg : 0;
    /* Interrupts for a more privileged level are serviced first. */
    return to_m ? to_m : to_hs ? to_hs : to_vs;
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
    /* §8.6.1: ECALL from VS-mode has its own cause, from VU the U one. */
    if (rv->virt && rv->priv == RV_PRIV_S)
        rv_raise(rv, RV_EXC_ECALL_VS, 0);
    else
        rv_raise(rv, by_priv[rv->priv & 3], 0);
    return 0;
}

uint64_t rv_helper_ebreak(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t pc)
{
    /* §3.1.16: a breakpoint reports the address of the EBREAK itself. */
    rv_raise(rv_of(cpu), RV_EXC_BREAKPOINT, (uint64_t)pc);
    return 0;
}

/* Common tail of MRET and SRET (§3.3.2, §8.6.4): return to priv y, in
 * virtualization mode virt, at epc. MPRV is cleared whenever the new
 * privilege is not M. */
static void rv_xret_to(struct rv_cpu *rv, enum rv_priv y, bool virt, uint64_t epc)
{
    if (y != RV_PRIV_M)
        rv->mstatus &= ~RV_MSTATUS_MPRV;
    rv_set_mode(rv, y, virt);
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
    bool virt = y != RV_PRIV_M && (s & RV_MSTATUS_MPV);
    /* MIE <- MPIE, MPIE <- 1, MPP <- U, MPV <- 0. */
    s = (s & ~RV_MSTATUS_MIE) | ((s & RV_MSTATUS_MPIE) ? RV_MSTATUS_MIE : 0);
    s = (s | RV_MSTATUS_MPIE) & ~(RV_MSTATUS_MPP | RV_MSTATUS_MPV);
    rv->mstatus = s;
    rv_xret_to(rv, y, virt, rv->mepc);
    return 0;
}

/* The S-level fields on return (§4.1.1): SIE <- SPIE, SPIE <- 1, SPP <- U. */
static uint64_t rv_status_sret(uint64_t s)
{
    s = (s & ~RV_MSTATUS_SIE) | ((s & RV_MSTATUS_SPIE) ? RV_MSTATUS_SIE : 0);
    return (s | RV_MSTATUS_SPIE) & ~RV_MSTATUS_SPP;
}

uint64_t rv_helper_sret(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t pc)
{
    struct rv_cpu *rv = rv_of(cpu);
    if (rv->virt) {
        /* §8.6.1: SRET in VU, or in VS with VTSR, is a virtual instruction. */
        if (rv->priv == RV_PRIV_U || (rv->hstatus & RV_HSTATUS_VTSR)) {
            rv_raise(rv, RV_EXC_VIRTUAL_INSN, RV_INSN_SRET);
            return 0;
        }
        enum rv_priv y = (rv->vsstatus & RV_MSTATUS_SPP) ? RV_PRIV_S : RV_PRIV_U;
        rv->vsstatus = rv_status_sret(rv->vsstatus);
        rv_xret_to(rv, y, true, rv->vsepc);
        return 0;
    }
    /* §3.1.6.5: TSR makes SRET illegal in HS-mode. */
    if (rv->priv == RV_PRIV_U || (rv->priv == RV_PRIV_S && (rv->mstatus & RV_MSTATUS_TSR))) {
        rv_raise(rv, RV_EXC_ILLEGAL_INSN, RV_INSN_SRET);
        return 0;
    }
    enum rv_priv y = (rv->mstatus & RV_MSTATUS_SPP) ? RV_PRIV_S : RV_PRIV_U;
    /* §8.6.4: from M or HS, V <- hstatus.SPV, then SPV <- 0. */
    bool virt = rv->ext.h && (rv->hstatus & RV_HSTATUS_SPV);
    rv->hstatus &= ~RV_HSTATUS_SPV;
    rv->mstatus = rv_status_sret(rv->mstatus);
    rv_xret_to(rv, y, virt, rv->sepc);
    return 0;
}

uint64_t rv_helper_wfi(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t pc)
{
    struct rv_cpu *rv = rv_of(cpu);
    /* §3.1.6.5: with S-mode present, WFI in U is illegal; TW makes it
     * illegal below M (our WFI has no bounded wait to complete within).
     * §8.6.1: in VU, and in VS with VTW, it is a virtual instruction. */
    if (rv->priv != RV_PRIV_M) {
        if (rv->mstatus & RV_MSTATUS_TW) {
            rv_raise(rv, RV_EXC_ILLEGAL_INSN, RV_INSN_WFI);
            return 0;
        }
        if (rv->priv == RV_PRIV_U || (rv->virt && (rv->hstatus & RV_HSTATUS_VTW))) {
            rv_raise_insn(rv, rv->virt, RV_INSN_WFI);
            return 0;
        }
    }
    if (!(rv_mip_visible(rv) & rv->mie)) {
        cpu->halted = true;
        cpu_kick(cpu);
    } else if (cpu->irq_check) {
        /* The TB chains on after a WFI that does not sleep: let the run
         * loop look at the interrupt state first, as it would have. */
        cpu_kick(cpu);
    }
    return 0;
}

uint64_t rv_helper_sfence_vma(struct cpu *cpu, uint64_t vaddr, uint64_t asid, uint64_t c, int64_t imm)
{
    struct rv_cpu *rv = rv_of(cpu);
    uint32_t insn = (uint32_t)imm;
    bool has_va = ((insn >> 15) & 31) != 0, has_asid = ((insn >> 20) & 31) != 0;
    /* §4.2.1: illegal in U, and in HS when TVM is set; §8.6.1: a virtual
     * instruction in VU, and in VS when VTVM is set. */
    if (rv->priv == RV_PRIV_U) {
        rv_raise_insn(rv, rv->virt, insn);
        return 0;
    }
    if (rv->virt) {
        if (rv->hstatus & RV_HSTATUS_VTVM) {
            rv_raise(rv, RV_EXC_VIRTUAL_INSN, insn);
            return 0;
        }
        rv_fence_vvma(rv, has_va, vaddr, has_asid, asid);
        return 0;
    }
    if (rv->priv == RV_PRIV_S && (rv->mstatus & RV_MSTATUS_TVM)) {
        rv_raise(rv, RV_EXC_ILLEGAL_INSN, insn);
        return 0;
    }
    rv_fence_hs(rv, has_va, vaddr, has_asid, asid);
    return 0;
}
