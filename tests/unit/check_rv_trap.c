/*
 * Unit tests for cpu-riscv/trap: exception delegation and the xstatus
 * stack (RISC-V priv 1.12 §3.1.6.1, §3.1.8, §4.1.1), xRET, interrupt
 * priority and enables (§3.1.9), vectored mtvec (§3.1.7), WFI/TW/TSR/TVM
 * (§3.1.6.5), and two small programs run through the engine.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "cpu-riscv/regid.h"
#include "cpu-riscv/rv.h"
#include "rv_test_machine.h"

#define RAM_BASE 0x80000000ull
#define IRQ_BIT (1ull << 63)

static struct machine *mach;
static struct rv_cpu *rv;
static struct cpu *cpu;

static void setup(void)
{
    mach = rv_test_machine(RAM_BASE, 1u << 20, 10);
    cpu = mach->cpus[0];
    rv = rv_of(mach->cpus[0]);
}

static void teardown(void)
{
    rv_test_machine_free(mach);
}

static void wr(unsigned csr, uint64_t v)
{
    ck_assert_int_eq(rv_csr_write(rv, csr, v), 0);
}

static uint64_t pc(void)
{
    return cpu->r[RV_SLOT_PC];
}

/* ---- exceptions ---- */

START_TEST(test_trap_ecall_from_u_delegated_enters_s)
{
    wr(0x302, 1u << RV_EXC_ECALL_U);
    wr(0x105, 0x80001000);
    wr(0x300, RV_MSTATUS_SIE);
    rv->priv = RV_PRIV_U;
    rv_helper_ecall(cpu, 0, 0, 0, 0x4000);
    ck_assert(cpu->fault.pending);
    rv_take_fault(cpu, 0x4000);
    ck_assert_int_eq(rv->priv, RV_PRIV_S);
    ck_assert_uint_eq(rv->scause, RV_EXC_ECALL_U);
    ck_assert_uint_eq(rv->sepc, 0x4000);
    ck_assert_uint_eq(pc(), 0x80001000);
    ck_assert(!(rv->mstatus & RV_MSTATUS_SPP));
    ck_assert(rv->mstatus & RV_MSTATUS_SPIE);
    ck_assert(!(rv->mstatus & RV_MSTATUS_SIE));
    ck_assert_uint_eq(rv->mcause, 0);
    ck_assert_uint_eq(cpu->stat_exceptions, 1);
}
END_TEST

START_TEST(test_trap_delegated_exception_in_m_stays_in_m)
{
    wr(0x302, 0xb3ff);
    wr(0x305, 0x80002000);
    wr(0x300, RV_MSTATUS_MIE);
    cpu_fault_set(cpu, RV_EXC_LOAD_PAGE, 0x1234, 0);
    rv_take_fault(cpu, 0x80000040);
    ck_assert_int_eq(rv->priv, RV_PRIV_M);
    ck_assert_uint_eq(rv->mcause, RV_EXC_LOAD_PAGE);
    ck_assert_uint_eq(rv->mtval, 0x1234);
    ck_assert_uint_eq(rv->mepc, 0x80000040);
    ck_assert_uint_eq((rv->mstatus & RV_MSTATUS_MPP) >> 11, RV_PRIV_M);
    ck_assert(rv->mstatus & RV_MSTATUS_MPIE);
    ck_assert(!(rv->mstatus & RV_MSTATUS_MIE));
    ck_assert_uint_eq(pc(), 0x80002000);
}
END_TEST

START_TEST(test_trap_ecall_cause_follows_priv)
{
    rv->priv = RV_PRIV_S;
    rv_helper_ecall(cpu, 0, 0, 0, 0);
    ck_assert_uint_eq(cpu->fault.code, RV_EXC_ECALL_S);
    rv->priv = RV_PRIV_M;
    rv_helper_ecall(cpu, 0, 0, 0, 0);
    ck_assert_uint_eq(cpu->fault.code, RV_EXC_ECALL_M);
}
END_TEST

START_TEST(test_trap_ebreak_tval_is_pc)
{
    rv_helper_ebreak(cpu, 0, 0, 0, 0x80000abc);
    ck_assert_uint_eq(cpu->fault.code, RV_EXC_BREAKPOINT);
    ck_assert_uint_eq(cpu->fault.tval, 0x80000abc);
}
END_TEST

START_TEST(test_trap_vectored_mtvec_only_for_interrupts)
{
    wr(0x305, 0x80000001);
    cpu_fault_set(cpu, RV_EXC_ILLEGAL_INSN, 0, 0);
    rv_take_fault(cpu, 0x80000100);
    ck_assert_uint_eq(pc(), 0x80000000);
    wr(0x304, 1u << RV_IRQ_MTI);
    rv->priv = RV_PRIV_U;
    rv_set_irq_line(cpu, RV_IRQ_MTI, true);
    rv_check_irq(cpu);
    ck_assert_uint_eq(rv->mcause, IRQ_BIT | RV_IRQ_MTI);
    ck_assert_uint_eq(pc(), 0x80000000 + 4 * RV_IRQ_MTI);
}
END_TEST

/* ---- xRET ---- */

START_TEST(test_trap_mret_restores_stack_and_clears_mprv)
{
    wr(0x300, (1ull << 11) | RV_MSTATUS_MPIE | RV_MSTATUS_MPRV);
    wr(0x341, 0x80004000);
    rv_helper_mret(cpu, 0, 0, 0, 0);
    ck_assert(!cpu->fault.pending);
    ck_assert_int_eq(rv->priv, RV_PRIV_S);
    ck_assert_uint_eq(pc(), 0x80004000);
    ck_assert(rv->mstatus & RV_MSTATUS_MIE);
    ck_assert(rv->mstatus & RV_MSTATUS_MPIE);
    ck_assert_uint_eq(rv->mstatus & (RV_MSTATUS_MPP | RV_MSTATUS_MPRV), 0);
}
END_TEST

START_TEST(test_trap_mret_from_s_illegal)
{
    rv->priv = RV_PRIV_S;
    rv_helper_mret(cpu, 0, 0, 0, 0);
    ck_assert(cpu->fault.pending);
    ck_assert_uint_eq(cpu->fault.code, RV_EXC_ILLEGAL_INSN);
    ck_assert_uint_eq(cpu->fault.tval, 0x30200073);
}
END_TEST

START_TEST(test_trap_sret_returns_to_spp)
{
    wr(0x300, RV_MSTATUS_SPP | RV_MSTATUS_SPIE);
    wr(0x141, 0x80005000);
    rv->priv = RV_PRIV_S;
    rv_helper_sret(cpu, 0, 0, 0, 0);
    ck_assert(!cpu->fault.pending);
    ck_assert_int_eq(rv->priv, RV_PRIV_S);
    ck_assert(rv->mstatus & RV_MSTATUS_SIE);
    ck_assert(!(rv->mstatus & RV_MSTATUS_SPP));
    ck_assert_uint_eq(pc(), 0x80005000);
}
END_TEST

START_TEST(test_trap_sret_tsr_in_s_illegal)
{
    wr(0x300, RV_MSTATUS_TSR);
    rv->priv = RV_PRIV_S;
    rv_helper_sret(cpu, 0, 0, 0, 0);
    ck_assert(cpu->fault.pending);
    ck_assert_uint_eq(cpu->fault.code, RV_EXC_ILLEGAL_INSN);
}
END_TEST

/* ---- WFI, SFENCE.VMA ---- */

START_TEST(test_trap_wfi_tw_in_s_illegal)
{
    wr(0x300, RV_MSTATUS_TW);
    rv->priv = RV_PRIV_S;
    rv_helper_wfi(cpu, 0, 0, 0, 0);
    ck_assert(cpu->fault.pending);
    ck_assert(!cpu->halted);
}
END_TEST

START_TEST(test_trap_wfi_wakes_on_enabled_irq_without_mie)
{
    wr(0x304, 1u << RV_IRQ_MEI);
    rv_helper_wfi(cpu, 0, 0, 0, 0);
    ck_assert(cpu->halted);
    rv_set_irq_line(cpu, RV_IRQ_MEI, true);
    ck_assert(cpu->irq_check);
    rv_check_irq(cpu);
    ck_assert(!cpu->halted);
    ck_assert_uint_eq(cpu->stat_interrupts, 0);     /* MIE = 0 in M: not taken */
    ck_assert_int_eq(rv->priv, RV_PRIV_M);
}
END_TEST

START_TEST(test_trap_sfence_vma_tvm_in_s_illegal)
{
    wr(0x300, RV_MSTATUS_TVM);
    rv->priv = RV_PRIV_S;
    rv_helper_sfence_vma(cpu, 0, 0, 0, 0x12000073);
    ck_assert(cpu->fault.pending);
    ck_assert_uint_eq(cpu->fault.tval, 0x12000073);
}
END_TEST

/* ---- interrupts ---- */

START_TEST(test_trap_irq_priority_mei_msi_mti)
{
    wr(0x304, 0xaaa);
    wr(0x300, RV_MSTATUS_MIE);
    rv_set_irq_line(cpu, RV_IRQ_MTI, true);
    rv_set_irq_line(cpu, RV_IRQ_MSI, true);
    rv_set_irq_line(cpu, RV_IRQ_MEI, true);
    rv_check_irq(cpu);
    ck_assert_uint_eq(rv->mcause, IRQ_BIT | RV_IRQ_MEI);
    rv_set_irq_line(cpu, RV_IRQ_MEI, false);
    wr(0x300, RV_MSTATUS_MIE);
    rv_check_irq(cpu);
    ck_assert_uint_eq(rv->mcause, IRQ_BIT | RV_IRQ_MSI);
    rv_set_irq_line(cpu, RV_IRQ_MSI, false);
    wr(0x300, RV_MSTATUS_MIE);
    rv_check_irq(cpu);
    ck_assert_uint_eq(rv->mcause, IRQ_BIT | RV_IRQ_MTI);
    ck_assert_uint_eq(cpu->stat_interrupts, 3);
}
END_TEST

START_TEST(test_trap_irq_m_level_before_s_level)
{
    wr(0x303, 0x222);
    wr(0x304, 0xaaa);
    wr(0x300, RV_MSTATUS_SIE);
    rv->priv = RV_PRIV_S;
    rv_set_irq_line(cpu, RV_IRQ_SEI, true);
    rv_set_irq_line(cpu, RV_IRQ_MTI, true);
    rv_check_irq(cpu);
    ck_assert_int_eq(rv->priv, RV_PRIV_M);
    ck_assert_uint_eq(rv->mcause, IRQ_BIT | RV_IRQ_MTI);
    ck_assert_uint_eq((rv->mstatus & RV_MSTATUS_MPP) >> 11, RV_PRIV_S);
}
END_TEST

START_TEST(test_trap_irq_delegated_taken_in_s)
{
    wr(0x303, 0x222);
    wr(0x304, 0x222);
    wr(0x105, 0x80003000);
    wr(0x344, 1u << RV_IRQ_SSI);
    rv->priv = RV_PRIV_U;       /* SIE is ignored below S */
    rv_update_irq(rv);
    ck_assert(cpu->irq_check);
    rv_check_irq(cpu);
    ck_assert_int_eq(rv->priv, RV_PRIV_S);
    ck_assert_uint_eq(rv->scause, IRQ_BIT | RV_IRQ_SSI);
    ck_assert_uint_eq(pc(), 0x80003000);
}
END_TEST

START_TEST(test_trap_irq_delegated_masked_in_m)
{
    wr(0x303, 0x222);
    wr(0x304, 0x222);
    wr(0x300, RV_MSTATUS_MIE | RV_MSTATUS_SIE);
    cpu->irq_check = false;
    wr(0x344, 1u << RV_IRQ_STI);
    ck_assert(!cpu->irq_check);
    rv_check_irq(cpu);
    ck_assert_uint_eq(cpu->stat_interrupts, 0);
    ck_assert_uint_eq(pc(), 0x1000);
}
END_TEST

START_TEST(test_trap_irq_s_disabled_by_sie_in_s)
{
    wr(0x303, 0x222);
    wr(0x304, 0x222);
    wr(0x344, 1u << RV_IRQ_STI);
    rv->priv = RV_PRIV_S;
    rv_check_irq(cpu);
    ck_assert_uint_eq(cpu->stat_interrupts, 0);
    wr(0x100, RV_MSTATUS_SIE);
    ck_assert(cpu->irq_check);
    rv_check_irq(cpu);
    ck_assert_uint_eq(rv->scause, IRQ_BIT | RV_IRQ_STI);
}
END_TEST

/* ---- programs through the engine ---- */

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

START_TEST(test_trap_program_ecall_from_m_reaches_handler)
{
    put32(RAM_BASE, 0x00000073);            /* ecall */
    put32(RAM_BASE + 0x100, 0x34202573);    /* csrr a0, mcause */
    put32(RAM_BASE + 0x104, 0x10500073);    /* wfi */
    wr(0x305, RAM_BASE + 0x100);
    uint64_t start = RAM_BASE;
    ck_assert_int_eq(cpu->ops->set_reg(cpu, RV_REG_PC, &start), 0);
    cpu->ops->run(cpu, 100000);
    ck_assert(cpu->halted);
    ck_assert_uint_eq(reg(RV_REG_X(10)), RV_EXC_ECALL_M);
    ck_assert_uint_eq(reg(RV_REG_CSR(0x341)), RAM_BASE);
    ck_assert_uint_eq(reg(RV_REG_PC), RAM_BASE + 0x108);
}
END_TEST

START_TEST(test_trap_program_u_ecall_via_s_to_m)
{
    /* M: mret into U at +0x10 (mepc, MPP = U). */
    put32(RAM_BASE, 0x30200073);            /* mret */
    put32(RAM_BASE + 0x10, 0x00000073);     /* U: ecall -> S (delegated) */
    put32(RAM_BASE + 0x200, 0x14202573);    /* S: csrr a0, scause */
    put32(RAM_BASE + 0x204, 0x100025f3);    /* S: csrr a1, sstatus */
    put32(RAM_BASE + 0x208, 0x00000073);    /* S: ecall -> M */
    put32(RAM_BASE + 0x300, 0x10500073);    /* M: wfi */
    wr(0x3b0, ~0ull);                       /* PMP: all memory RWX for S/U */
    wr(0x3a0, 0x1f);
    wr(0x341, RAM_BASE + 0x10);
    wr(0x302, 1u << RV_EXC_ECALL_U);
    wr(0x105, RAM_BASE + 0x200);
    wr(0x305, RAM_BASE + 0x300);
    uint64_t start = RAM_BASE;
    ck_assert_int_eq(cpu->ops->set_reg(cpu, RV_REG_PC, &start), 0);
    cpu->ops->run(cpu, 100000);
    ck_assert(cpu->halted);
    ck_assert_int_eq(rv->priv, RV_PRIV_M);
    ck_assert_uint_eq(reg(RV_REG_X(10)), RV_EXC_ECALL_U);
    ck_assert_uint_eq(reg(RV_REG_X(11)) & RV_MSTATUS_SPP, 0);
    ck_assert_uint_eq(reg(RV_REG_CSR(0x342)), RV_EXC_ECALL_S);
    ck_assert_uint_eq(reg(RV_REG_CSR(0x341)), RAM_BASE + 0x208);
    ck_assert_uint_eq(reg(RV_REG_CSR(0x141)), RAM_BASE + 0x10);
}
END_TEST

START_TEST(test_trap_program_s_fetch_without_pmp_faults)
{
    put32(RAM_BASE, 0x30200073);            /* mret into S with no PMP entry */
    wr(0x300, 1ull << 11);
    wr(0x341, RAM_BASE + 0x10);
    wr(0x305, RAM_BASE + 0x100);
    put32(RAM_BASE + 0x100, 0x10500073);    /* wfi */
    uint64_t start = RAM_BASE;
    ck_assert_int_eq(cpu->ops->set_reg(cpu, RV_REG_PC, &start), 0);
    cpu->ops->run(cpu, 100000);
    ck_assert(cpu->halted);
    ck_assert_uint_eq(reg(RV_REG_CSR(0x342)), RV_EXC_INSN_ACCESS);
    ck_assert_uint_eq(reg(RV_REG_CSR(0x343)), RAM_BASE + 0x10);
}
END_TEST

START_TEST(test_trap_get_reg_bad_id_einval)
{
    uint64_t v = 0;
    ck_assert_int_lt(cpu->ops->get_reg(cpu, 0x3000, &v), 0);
    ck_assert_int_lt(cpu->ops->get_reg(cpu, RV_REG_CSR(0x7c0), &v), 0);
    ck_assert_int_lt(cpu->ops->set_reg(cpu, RV_REG_PRIV, &(uint64_t){ 2 }), 0);
}
END_TEST

static Suite *rv_trap_suite(void)
{
    Suite *s = suite_create("rv_trap");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_trap_ecall_from_u_delegated_enters_s);
    tcase_add_test(tc, test_trap_delegated_exception_in_m_stays_in_m);
    tcase_add_test(tc, test_trap_ecall_cause_follows_priv);
    tcase_add_test(tc, test_trap_ebreak_tval_is_pc);
    tcase_add_test(tc, test_trap_vectored_mtvec_only_for_interrupts);
    tcase_add_test(tc, test_trap_mret_restores_stack_and_clears_mprv);
    tcase_add_test(tc, test_trap_mret_from_s_illegal);
    tcase_add_test(tc, test_trap_sret_returns_to_spp);
    tcase_add_test(tc, test_trap_sret_tsr_in_s_illegal);
    tcase_add_test(tc, test_trap_wfi_tw_in_s_illegal);
    tcase_add_test(tc, test_trap_wfi_wakes_on_enabled_irq_without_mie);
    tcase_add_test(tc, test_trap_sfence_vma_tvm_in_s_illegal);
    tcase_add_test(tc, test_trap_irq_priority_mei_msi_mti);
    tcase_add_test(tc, test_trap_irq_m_level_before_s_level);
    tcase_add_test(tc, test_trap_irq_delegated_taken_in_s);
    tcase_add_test(tc, test_trap_irq_delegated_masked_in_m);
    tcase_add_test(tc, test_trap_irq_s_disabled_by_sie_in_s);
    tcase_add_test(tc, test_trap_program_ecall_from_m_reaches_handler);
    tcase_add_test(tc, test_trap_program_u_ecall_via_s_to_m);
    tcase_add_test(tc, test_trap_program_s_fetch_without_pmp_faults);
    tcase_add_test(tc, test_trap_get_reg_bad_id_einval);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rv_trap_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
