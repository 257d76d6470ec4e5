/*
 * Unit tests for trap routing with the hypervisor extension in
 * cpu-riscv (trap.c, insn_h.c, stats.c): delegation to VS, HS and M with
 * hstatus.SPV/SPVP/GVA, htval/htinst and mstatus.MPV/mtval2 (RISC-V priv
 * 1.12 §8.6.2-4), xRET into and out of guests (§8.6.4), the
 * virtual-instruction exceptions of WFI, SRET, SFENCE.VMA and the
 * hypervisor instructions (§8.6.1), VS-level interrupts through hvip and
 * hideleg with their cause translation (§8.2.2-3), a guest run through
 * the engine, and the hypervisor statistics.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/machine.h"
#include "cpu-riscv/hart.h"
#include "cpu-riscv/regid.h"
#include "cpu-riscv/rv.h"
#include "rv_test_machine.h"

#define RAM_BASE 0x80000000ull
#define IRQ_BIT (1ull << 63)
#define VSSIP (1ull << 2)
#define VSTIP (1ull << 6)
#define VSEIP (1ull << 10)

static struct machine *mach;
static struct rv_cpu *rv;
static struct cpu *cpu;

static void setup(void)
{
    mach = rv_test_machine_model(RAM_BASE, 1u << 20, 10, "rv64,h=on");
    cpu = mach->cpus[0];
    rv = rv_of(cpu);
}

static void teardown(void)
{
    rv_test_machine_free(mach);
}

/* Sets a CSR as a debugger would: whatever mode the hart is in. */
static void wr(unsigned csr, uint64_t v)
{
    ck_assert_int_eq(rv_csr_set(rv, csr, v), 0);
}

static uint64_t pc(void)
{
    return cpu->r[RV_SLOT_PC];
}

static void guest(enum rv_priv p)
{
    rv->priv = p;
    rv_set_virt(rv, true);
}

/* ---- exceptions (§8.6.2-4) ---- */

START_TEST(test_htrap_delegated_twice_stays_in_vs)
{
    wr(0x302, 1u << RV_EXC_LOAD_PAGE);          /* medeleg */
    wr(0x602, 1u << RV_EXC_LOAD_PAGE);          /* hedeleg */
    wr(0x205, 0x40001000);                      /* vstvec */
    wr(0x200, RV_MSTATUS_SIE);                  /* vsstatus */
    guest(RV_PRIV_U);
    cpu_fault_set(cpu, RV_EXC_LOAD_PAGE | RV_FAULT_GVA, 0x1234, 0);
    rv_take_fault(cpu, 0x2000);
    ck_assert(rv->virt);
    ck_assert_int_eq(rv->priv, RV_PRIV_S);
    ck_assert_uint_eq(rv->vscause, RV_EXC_LOAD_PAGE);
    ck_assert_uint_eq(rv->vsepc, 0x2000);
    ck_assert_uint_eq(rv->vstval, 0x1234);
    ck_assert_uint_eq(pc(), 0x40001000);
    ck_assert(!(rv->vsstatus & RV_MSTATUS_SPP));
    ck_assert(rv->vsstatus & RV_MSTATUS_SPIE);
    ck_assert(!(rv->vsstatus & RV_MSTATUS_SIE));
    ck_assert_uint_eq(rv->scause, 0);           /* HS untouched */
    ck_assert_uint_eq(rv->hstatus & RV_HSTATUS_SPV, 0);
}
END_TEST

START_TEST(test_htrap_guest_page_fault_goes_to_hs)
{
    wr(0x302, 1u << RV_EXC_STORE_GUEST_PAGE);
    wr(0x602, 0xb1ff);                          /* cannot delegate cause 23 */
    wr(0x105, 0x80002000);
    guest(RV_PRIV_S);
    cpu_fault_set(cpu, RV_EXC_STORE_GUEST_PAGE | RV_FAULT_GVA, 0x40005008, 0x80007008 >> 2);
    rv_take_fault(cpu, 0x40000010);
    ck_assert(!rv->virt);
    ck_assert_int_eq(rv->priv, RV_PRIV_S);
    ck_assert_uint_eq(rv->scause, RV_EXC_STORE_GUEST_PAGE);
    ck_assert_uint_eq(rv->stval, 0x40005008);
    ck_assert_uint_eq(rv->htval, 0x80007008 >> 2);
    ck_assert_uint_eq(rv->htinst, 0);
    ck_assert(rv->hstatus & RV_HSTATUS_SPV);
    ck_assert(rv->hstatus & RV_HSTATUS_SPVP);
    ck_assert(rv->hstatus & RV_HSTATUS_GVA);
    ck_assert(rv->mstatus & RV_MSTATUS_SPP);
    ck_assert_uint_eq(pc(), 0x80002000);
    ck_assert_uint_eq(rv_hart_of(rv)->hyp.exits_exc[RV_EXC_STORE_GUEST_PAGE], 1);
}
END_TEST

START_TEST(test_htrap_implicit_fault_writes_pseudoinstruction)
{
    wr(0x302, 1u << RV_EXC_INSN_GUEST_PAGE);
    guest(RV_PRIV_U);
    cpu_fault_set(cpu, RV_EXC_INSN_GUEST_PAGE | RV_FAULT_GVA | RV_FAULT_IMPLICIT, 0x10000, 0x80001008 >> 2);
    rv_take_fault(cpu, 0x10000);
    ck_assert_uint_eq(rv->htinst, 0x3000);
    ck_assert(!(rv->hstatus & RV_HSTATUS_SPVP));        /* from VU */
    ck_assert(!(rv->mstatus & RV_MSTATUS_SPP));
    guest(RV_PRIV_U);
    cpu_fault_set(cpu, RV_EXC_INSN_GUEST_PAGE | RV_FAULT_GVA | RV_FAULT_IMPLICIT_WRITE, 0x10000, 0x20);
    rv_take_fault(cpu, 0x10000);
    ck_assert_uint_eq(rv->htinst, 0x3020);
}
END_TEST

START_TEST(test_htrap_hs_trap_keeps_spvp_clears_spv)
{
    wr(0x302, 1u << RV_EXC_ILLEGAL_INSN);
    wr(0x600, RV_HSTATUS_SPVP | RV_HSTATUS_SPV | RV_HSTATUS_GVA);
    rv->priv = RV_PRIV_U;
    cpu_fault_set(cpu, RV_EXC_ILLEGAL_INSN, 0x73, 0);
    rv_take_fault(cpu, 0x3000);
    ck_assert_uint_eq(rv->hstatus & (RV_HSTATUS_SPVP | RV_HSTATUS_SPV | RV_HSTATUS_GVA), RV_HSTATUS_SPVP);
}
END_TEST

START_TEST(test_htrap_undelegated_from_guest_sets_mpv)
{
    guest(RV_PRIV_S);
    cpu_fault_set(cpu, RV_EXC_LOAD_GUEST_PAGE | RV_FAULT_GVA, 0x5000, 0x123);
    rv_take_fault(cpu, 0x6000);
    ck_assert(!rv->virt);
    ck_assert_int_eq(rv->priv, RV_PRIV_M);
    ck_assert(rv->mstatus & RV_MSTATUS_MPV);
    ck_assert(rv->mstatus & RV_MSTATUS_GVA);
    ck_assert_uint_eq((rv->mstatus & RV_MSTATUS_MPP) >> 11, RV_PRIV_S);
    ck_assert_uint_eq(rv->mtval2, 0x123);
    ck_assert_uint_eq(rv->mtval, 0x5000);
}
END_TEST

START_TEST(test_htrap_ebreak_in_guest_reports_gva)
{
    wr(0x302, (1u << RV_EXC_BREAKPOINT) | (1u << RV_EXC_ILLEGAL_INSN));
    guest(RV_PRIV_S);
    rv_helper_ebreak(cpu, 0, 0, 0, 0x40000000);
    rv_take_fault(cpu, 0x40000000);
    ck_assert(rv->hstatus & RV_HSTATUS_GVA);
    cpu_fault_set(cpu, RV_EXC_ILLEGAL_INSN, 0x13, 0);
    rv->priv = RV_PRIV_S;
    rv_take_fault(cpu, 0x1000);
    ck_assert(!(rv->hstatus & RV_HSTATUS_GVA));          /* not an address */
}
END_TEST

START_TEST(test_htrap_ecall_causes_by_mode)
{
    guest(RV_PRIV_S);
    rv_helper_ecall(cpu, 0, 0, 0, 0);
    ck_assert_uint_eq(cpu->fault.code, RV_EXC_ECALL_VS);
    guest(RV_PRIV_U);
    rv_helper_ecall(cpu, 0, 0, 0, 0);
    ck_assert_uint_eq(cpu->fault.code, RV_EXC_ECALL_U);
    rv_set_virt(rv, false);
    rv->priv = RV_PRIV_S;
    rv_helper_ecall(cpu, 0, 0, 0, 0);
    ck_assert_uint_eq(cpu->fault.code, RV_EXC_ECALL_S);
}
END_TEST

/* ---- xRET (§8.6.4) ---- */

START_TEST(test_htrap_sret_from_hs_enters_guest)
{
    wr(0x600, RV_HSTATUS_SPV);
    wr(0x100, RV_MSTATUS_SPP);
    wr(0x141, 0x40000000);
    rv->priv = RV_PRIV_S;
    rv_helper_sret(cpu, 0, 0, 0, 0);
    ck_assert(!cpu->fault.pending);
    ck_assert(rv->virt);
    ck_assert_int_eq(rv->priv, RV_PRIV_S);
    ck_assert_uint_eq(pc(), 0x40000000);
    ck_assert_uint_eq(rv->hstatus & RV_HSTATUS_SPV, 0);
}
END_TEST

START_TEST(test_htrap_sret_in_vs_uses_vs_csrs)
{
    wr(0x200, RV_MSTATUS_SPIE);                 /* vsstatus: SPP = U */
    wr(0x241, 0x1230);
    wr(0x141, 0x9990);
    guest(RV_PRIV_S);
    rv_helper_sret(cpu, 0, 0, 0, 0);
    ck_assert(rv->virt);
    ck_assert_int_eq(rv->priv, RV_PRIV_U);
    ck_assert_uint_eq(pc(), 0x1230);
    ck_assert(rv->vsstatus & RV_MSTATUS_SIE);
}
END_TEST

START_TEST(test_htrap_sret_vtsr_and_vu_virtual)
{
    wr(0x600, RV_HSTATUS_VTSR);
    guest(RV_PRIV_S);
    rv_helper_sret(cpu, 0, 0, 0, 0);
    ck_assert_uint_eq(cpu->fault.code, RV_EXC_VIRTUAL_INSN);
    ck_assert_uint_eq(cpu->fault.tval, 0x10200073);
    cpu->fault.pending = false;
    wr(0x600, 0);
    wr(0x300, RV_MSTATUS_TSR);                  /* TSR does not affect VS */
    rv_helper_sret(cpu, 0, 0, 0, 0);
    ck_assert(!cpu->fault.pending);
    guest(RV_PRIV_U);
    rv_helper_sret(cpu, 0, 0, 0, 0);
    ck_assert_uint_eq(cpu->fault.code, RV_EXC_VIRTUAL_INSN);
}
END_TEST

START_TEST(test_htrap_mret_restores_mpv)
{
    wr(0x300, RV_MSTATUS_MPV | (1ull << 11));
    wr(0x341, 0x40000000);
    rv_helper_mret(cpu, 0, 0, 0, 0);
    ck_assert(rv->virt);
    ck_assert_int_eq(rv->priv, RV_PRIV_S);
    ck_assert_uint_eq(rv->mstatus & RV_MSTATUS_MPV, 0);
    /* MPP = M ignores MPV. */
    rv_set_virt(rv, false);
    rv->priv = RV_PRIV_M;
    wr(0x300, RV_MSTATUS_MPV | (3ull << 11));
    rv_helper_mret(cpu, 0, 0, 0, 0);
    ck_assert(!rv->virt);
    ck_assert_int_eq(rv->priv, RV_PRIV_M);
}
END_TEST

/* ---- virtual-instruction exceptions (§8.6.1) ---- */

START_TEST(test_htrap_wfi_rules_in_guest)
{
    guest(RV_PRIV_U);
    rv_helper_wfi(cpu, 0, 0, 0, 0);
    ck_assert_uint_eq(cpu->fault.code, RV_EXC_VIRTUAL_INSN);
    cpu->fault.pending = false;
    guest(RV_PRIV_S);
    rv_helper_wfi(cpu, 0, 0, 0, 0);
    ck_assert(!cpu->fault.pending);
    ck_assert(cpu->halted);
    cpu->halted = false;
    wr(0x600, RV_HSTATUS_VTW);
    rv_helper_wfi(cpu, 0, 0, 0, 0);
    ck_assert_uint_eq(cpu->fault.code, RV_EXC_VIRTUAL_INSN);
    cpu->fault.pending = false;
    wr(0x300, RV_MSTATUS_TW);                   /* TW wins: illegal */
    rv_helper_wfi(cpu, 0, 0, 0, 0);
    ck_assert_uint_eq(cpu->fault.code, RV_EXC_ILLEGAL_INSN);
}
END_TEST

START_TEST(test_htrap_sfence_rules_in_guest)
{
    uint32_t insn = 0x12000073;                 /* sfence.vma */
    guest(RV_PRIV_U);
    rv_helper_sfence_vma(cpu, 0, 0, 0, insn);
    ck_assert_uint_eq(cpu->fault.code, RV_EXC_VIRTUAL_INSN);
    cpu->fault.pending = false;
    guest(RV_PRIV_S);
    wr(0x300, RV_MSTATUS_TVM);                  /* TVM does not affect VS */
    rv_helper_sfence_vma(cpu, 0, 0, 0, insn);
    ck_assert(!cpu->fault.pending);
    wr(0x600, RV_HSTATUS_VTVM);
    rv_helper_sfence_vma(cpu, 0, 0, 0, insn);
    ck_assert_uint_eq(cpu->fault.code, RV_EXC_VIRTUAL_INSN);
    ck_assert_uint_eq(cpu->fault.tval, insn);
}
END_TEST

START_TEST(test_htrap_virtual_insn_delegable_to_hs_only)
{
    wr(0x302, 1u << RV_EXC_VIRTUAL_INSN);
    wr(0x602, ~0ull);
    wr(0x105, 0x80004000);
    guest(RV_PRIV_S);
    rv_raise_insn(rv, true, 0x10500073);
    rv_take_fault(cpu, 0x44);
    ck_assert(!rv->virt);
    ck_assert_uint_eq(rv->scause, RV_EXC_VIRTUAL_INSN);
    ck_assert_uint_eq(rv->stval, 0x10500073);
    ck_assert(!(rv->hstatus & RV_HSTATUS_GVA));
}
END_TEST

/* ---- VS-level interrupts (§8.2.2-3) ---- */

START_TEST(test_htrap_hvip_timer_delegated_reaches_vs_as_sti)
{
    wr(0x603, VSTIP);                           /* hideleg */
    wr(0x604, VSTIP);                           /* hie */
    wr(0x205, 0x40000001);                      /* vstvec, vectored */
    wr(0x200, RV_MSTATUS_SIE);
    guest(RV_PRIV_S);
    wr(0x645, VSTIP);                           /* hvip (an M-mode write here) */
    ck_assert(cpu->irq_check);
    rv_check_irq(cpu);
    ck_assert(rv->virt);
    ck_assert_uint_eq(rv->vscause, IRQ_BIT | 5);
    ck_assert_uint_eq(pc(), 0x40000000 + 4 * 5);
    ck_assert_uint_eq(cpu->stat_interrupts, 1);
}
END_TEST

START_TEST(test_htrap_vs_irq_not_delegated_exits_to_hs)
{
    wr(0x604, VSEIP);
    wr(0x105, 0x80005000);
    guest(RV_PRIV_S);                           /* vsstatus.SIE = 0: irrelevant */
    wr(0x645, VSEIP);
    rv_check_irq(cpu);
    ck_assert(!rv->virt);
    ck_assert_uint_eq(rv->scause, IRQ_BIT | RV_IRQ_VSEI);
    ck_assert(rv->hstatus & RV_HSTATUS_SPV);
    ck_assert_uint_eq(rv_hart_of(rv)->hyp.exits_irq[RV_IRQ_VSEI], 1);
}
END_TEST

START_TEST(test_htrap_vs_irq_waits_outside_guest_and_for_sie)
{
    wr(0x603, VSSIP);
    wr(0x604, VSSIP);
    wr(0x645, VSSIP);
    rv->priv = RV_PRIV_U;                       /* V=0: never taken */
    rv_check_irq(cpu);
    ck_assert_uint_eq(cpu->stat_interrupts, 0);
    guest(RV_PRIV_S);                           /* vsstatus.SIE = 0 */
    rv_check_irq(cpu);
    ck_assert_uint_eq(cpu->stat_interrupts, 0);
    guest(RV_PRIV_U);                           /* VU: enabled */
    rv_check_irq(cpu);
    ck_assert_uint_eq(rv->vscause, IRQ_BIT | RV_IRQ_SSI);
}
END_TEST

START_TEST(test_htrap_hs_irq_preempts_guest_without_sie)
{
    wr(0x303, 0x222);
    wr(0x304, 1u << RV_IRQ_SEI);
    wr(0x105, 0x80006000);
    guest(RV_PRIV_S);                           /* sstatus.SIE = 0 */
    rv_set_irq_line(cpu, RV_IRQ_SEI, true);
    rv_check_irq(cpu);
    ck_assert(!rv->virt);
    ck_assert_uint_eq(rv->scause, IRQ_BIT | RV_IRQ_SEI);
    ck_assert_uint_eq(rv_hart_of(rv)->hyp.exits_irq[RV_IRQ_SEI], 1);
}
END_TEST

START_TEST(test_htrap_vs_irq_wakes_wfi)
{
    wr(0x604, VSTIP);
    guest(RV_PRIV_S);
    rv_helper_wfi(cpu, 0, 0, 0, 0);
    ck_assert(cpu->halted);
    wr(0x645, VSTIP);
    rv_check_irq(cpu);
    ck_assert(!cpu->halted);
}
END_TEST

/* ---- a guest through the engine, and the statistics ---- */

static void put32(uint64_t addr, uint32_t insn)
{
    uint8_t *p = memmap_host_ptr(&mach->map, addr, 4);
    ck_assert_ptr_nonnull(p);
    memcpy(p, &insn, 4);
}

static uint64_t reg(uint64_t id)
{
    uint64_t v;
    ck_assert_int_eq(cpu->ops->get_reg(cpu, id, &v), 0);
    return v;
}

START_TEST(test_htrap_program_guest_ecall_exits_to_hs)
{
    /* M: mret into VS (MPV = 1, MPP = S) with both stages Bare. */
    put32(RAM_BASE, 0x30200073);                /* mret */
    put32(RAM_BASE + 0x10, 0x10002573);         /* VS: csrr a0, sstatus (vsstatus) */
    put32(RAM_BASE + 0x14, 0x22000073);         /* VS: hfence.vvma -> virtual instruction */
    put32(RAM_BASE + 0x18, 0x00000073);         /* VS: ecall -> HS */
    /* HS handler: skip a virtual instruction, stop on anything else. */
    put32(RAM_BASE + 0x200, 0x142025f3);        /* csrr a1, scause */
    put32(RAM_BASE + 0x204, 0x01600293);        /* li t0, 22 */
    put32(RAM_BASE + 0x208, 0x00559a63);        /* bne a1, t0, +0x14 */
    put32(RAM_BASE + 0x20c, 0x14102773);        /* csrr a4, sepc */
    put32(RAM_BASE + 0x210, 0x00470713);        /* addi a4, a4, 4 */
    put32(RAM_BASE + 0x214, 0x14171073);        /* csrw sepc, a4 */
    put32(RAM_BASE + 0x218, 0x10200073);        /* sret (back into the guest) */
    put32(RAM_BASE + 0x21c, 0x60002673);        /* csrr a2, hstatus */
    put32(RAM_BASE + 0x220, 0x10500073);        /* wfi */
    wr(0x3b0, ~0ull);
    wr(0x3a0, 0x1f);
    wr(0x302, (1u << RV_EXC_ECALL_VS) | (1u << RV_EXC_VIRTUAL_INSN));
    wr(0x300, RV_MSTATUS_MPV | (1ull << 11));
    wr(0x341, RAM_BASE + 0x10);
    wr(0x200, RV_MSTATUS_SUM);
    wr(0x105, RAM_BASE + 0x200);
    uint64_t start = RAM_BASE;
    ck_assert_int_eq(cpu->ops->set_reg(cpu, RV_REG_PC, &start), 0);
    cpu->ops->run(cpu, 100000);
    ck_assert(cpu->halted);
    ck_assert_uint_eq(reg(RV_REG_X(11)), RV_EXC_ECALL_VS);
    ck_assert_uint_eq(reg(RV_REG_X(10)) & RV_MSTATUS_SUM, RV_MSTATUS_SUM);
    ck_assert_uint_eq(reg(RV_REG_X(12)) & (RV_HSTATUS_SPV | RV_HSTATUS_SPVP), RV_HSTATUS_SPV | RV_HSTATUS_SPVP);
    ck_assert_int_eq(rv->priv, RV_PRIV_S);
    ck_assert(!rv->virt);
    ck_assert_uint_eq(reg(RV_REG_CSR(0x141)), RAM_BASE + 0x18);
    ck_assert_uint_eq(rv_hart_of(rv)->hyp.exits_exc[RV_EXC_VIRTUAL_INSN], 1);
    ck_assert_uint_eq(rv_hart_of(rv)->hyp.exits_exc[RV_EXC_ECALL_VS], 1);
    ck_assert(rv_virt_cycles(rv) > 0);
    ck_assert(rv_virt_cycles(rv) < cpu->cycles);
}
END_TEST

START_TEST(test_htrap_stats_json_names_fields)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    rv_hart_of(rv)->hyp.exits_exc[RV_EXC_VIRTUAL_INSN] = 3;
    rv_hart_of(rv)->hyp.hfence_gvma = 2;
    struct json j;
    json_init(&j, f);
    json_begin_object(&j);
    rv_write_stats(cpu, &j);
    json_end_object(&j);
    ck_assert_int_eq(json_finish(&j), 0);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "\"hypervisor\""));
    ck_assert_ptr_nonnull(strstr(buf, "\"virtual_insn\": 3"));
    ck_assert_ptr_nonnull(strstr(buf, "\"hfence_gvma\": 2"));
    ck_assert_ptr_nonnull(strstr(buf, "\"cycles_v1\": 0"));
    ck_assert_ptr_nonnull(strstr(buf, "\"gstage_walks\": 0"));
    free(buf);
}
END_TEST

static Suite *rv_htrap_suite(void)
{
    Suite *s = suite_create("rv_htrap");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_htrap_delegated_twice_stays_in_vs);
    tcase_add_test(tc, test_htrap_guest_page_fault_goes_to_hs);
    tcase_add_test(tc, test_htrap_implicit_fault_writes_pseudoinstruction);
    tcase_add_test(tc, test_htrap_hs_trap_keeps_spvp_clears_spv);
    tcase_add_test(tc, test_htrap_undelegated_from_guest_sets_mpv);
    tcase_add_test(tc, test_htrap_ebreak_in_guest_reports_gva);
    tcase_add_test(tc, test_htrap_ecall_causes_by_mode);
    tcase_add_test(tc, test_htrap_sret_from_hs_enters_guest);
    tcase_add_test(tc, test_htrap_sret_in_vs_uses_vs_csrs);
    tcase_add_test(tc, test_htrap_sret_vtsr_and_vu_virtual);
    tcase_add_test(tc, test_htrap_mret_restores_mpv);
    tcase_add_test(tc, test_htrap_wfi_rules_in_guest);
    tcase_add_test(tc, test_htrap_sfence_rules_in_guest);
    tcase_add_test(tc, test_htrap_virtual_insn_delegable_to_hs_only);
    tcase_add_test(tc, test_htrap_hvip_timer_delegated_reaches_vs_as_sti);
    tcase_add_test(tc, test_htrap_vs_irq_not_delegated_exits_to_hs);
    tcase_add_test(tc, test_htrap_vs_irq_waits_outside_guest_and_for_sie);
    tcase_add_test(tc, test_htrap_hs_irq_preempts_guest_without_sie);
    tcase_add_test(tc, test_htrap_vs_irq_wakes_wfi);
    tcase_add_test(tc, test_htrap_program_guest_ecall_exits_to_hs);
    tcase_add_test(tc, test_htrap_stats_json_names_fields);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rv_htrap_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
