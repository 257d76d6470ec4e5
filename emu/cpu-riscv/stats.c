/*
 * Hypervisor statistics of a riscv hart for --stats (docs/stats.md,
 * "hypervisor"): cycles per virtualization mode, traps that leave a guest
 * for HS-mode by cause (the RISC-V counterpart of VM exits), HFENCE
 * counts and G-stage walks. Names follow the cause tables of priv 1.12
 * (table 8.6).
 */

#include "core/json.h"
#include "cpu-riscv/hart.h"

static const char *const rv_exit_exc_names[24] = {
    [RV_EXC_INSN_MISALIGNED] = "insn_misaligned",
    [RV_EXC_INSN_ACCESS] = "insn_access_fault",
    [RV_EXC_ILLEGAL_INSN] = "illegal_insn",
    [RV_EXC_BREAKPOINT] = "breakpoint",
    [RV_EXC_LOAD_MISALIGNED] = "load_misaligned",
    [RV_EXC_LOAD_ACCESS] = "load_access_fault",
    [RV_EXC_STORE_MISALIGNED] = "store_misaligned",
    [RV_EXC_STORE_ACCESS] = "store_access_fault",
    [RV_EXC_ECALL_U] = "ecall_vu",
    [RV_EXC_ECALL_VS] = "ecall_vs",
    [RV_EXC_INSN_PAGE] = "insn_page_fault",
    [RV_EXC_LOAD_PAGE] = "load_page_fault",
    [RV_EXC_STORE_PAGE] = "store_page_fault",
    [RV_EXC_INSN_GUEST_PAGE] = "insn_guest_page_fault",
    [RV_EXC_LOAD_GUEST_PAGE] = "load_guest_page_fault",
    [RV_EXC_VIRTUAL_INSN] = "virtual_insn",
    [RV_EXC_STORE_GUEST_PAGE] = "store_guest_page_fault",
};

static const char *const rv_exit_irq_names[16] = {
    [RV_IRQ_SSI] = "irq_supervisor_software",
    [RV_IRQ_VSSI] = "irq_vs_software",
    [RV_IRQ_STI] = "irq_supervisor_timer",
    [RV_IRQ_VSTI] = "irq_vs_timer",
    [RV_IRQ_SEI] = "irq_supervisor_external",
    [RV_IRQ_VSEI] = "irq_vs_external",
    [RV_IRQ_SGEI] = "irq_guest_external",
};

uint64_t rv_virt_cycles(const struct rv_cpu *rv)
{
    const struct rv_hyp_stats *s = &rv_hart_of((struct rv_cpu *)rv)->hyp;
    return s->virt_cycles + (rv->virt ? rv->cpu.cycles - s->virt_since : 0);
}

/* By enum rv_mode; without H, S-mode is plain S and only M, S, U exist. */
static const char *const rv_mode_names[RV_NMODES] = { "m", "s", "u" };
static const char *const rv_mode_names_h[RV_NMODES] = { "m", "hs", "u", "vs", "vu" };
_Static_assert(RV_MODE_M == 0 && RV_MODE_S == 1 && RV_MODE_U == 2 && RV_MODE_VS == 3 && RV_MODE_VU == 4,
               "rv_mode_names follow enum rv_mode");

unsigned rv_stats_mode_cycles(struct cpu *cpu, uint64_t *cycles, const char *const **names)
{
    if (!cpu->ops || cpu->ops->write_stats != rv_write_stats)
        return 0;
    struct rv_cpu *rv = rv_of(cpu);
    const struct rv_hart *h = rv_hart_of(rv);
    for (unsigned i = 0; i < RV_NMODES; i++)
        cycles[i] = h->mode_cycles[i];
    cycles[rv_mode_of(rv->priv, rv->virt)] += cpu->cycles - h->mode_since;
    *names = rv->ext.h ? rv_mode_names_h : rv_mode_names;
    return rv->ext.h ? RV_NMODES : RV_MODE_U + 1;
}

void rv_write_stats(struct cpu *cpu, struct json *j)
{
    struct rv_cpu *rv = rv_of(cpu);
    const struct rv_hyp_stats *s = &rv_hart_of(rv)->hyp;
    if (!rv->ext.h)
        return;
    uint64_t v1 = rv_virt_cycles(rv);
    json_key(j, "hypervisor");
    json_begin_object(j);
    json_kv_u64(j, "cycles_v0", cpu->cycles - v1);
    json_kv_u64(j, "cycles_v1", v1);
    json_key(j, "exits");
    json_begin_object(j);
    for (unsigned i = 0; i < 24; i++)
        if (rv_exit_exc_names[i])
            json_kv_u64(j, rv_exit_exc_names[i], s->exits_exc[i]);
    for (unsigned i = 0; i < 16; i++)
        if (rv_exit_irq_names[i])
            json_kv_u64(j, rv_exit_irq_names[i], s->exits_irq[i]);
    json_end_object(j);
    json_kv_u64(j, "hfence_vvma", s->hfence_vvma);
    json_kv_u64(j, "hfence_gvma", s->hfence_gvma);
    json_kv_u64(j, "gstage_walks", s->gstage_walks);
    json_end_object(j);
}
