/*
 * Unit tests for cpu-riscv/stats: the cycles a hart counts per execution
 * mode (M, S or HS, U, VS, VU) for the --stats-interval series. Small
 * programs move between modes through xRET and traps (RISC-V priv 1.12
 * §3.3.2, §8.6.4) under the default timing model, one cycle per
 * instruction: every instruction below is its own TB (xRET, traps and
 * CSR accesses end a TB), charged to the mode it starts in.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "cpu-riscv/regid.h"
#include "cpu-riscv/rv.h"
#include "cpu-riscv/rv.h"
#include "rv_test_machine.h"

#define RAM_BASE 0x80000000ull

static void put32(struct machine *m, uint64_t addr, uint32_t insn)
{
    uint8_t *p = memmap_host_ptr(&m->map, addr, 4);
    ck_assert_ptr_nonnull(p);
    memcpy(p, &insn, 4);
}

static void wr(struct rv_cpu *rv, unsigned csr, uint64_t v)
{
    ck_assert_int_eq(rv_csr_write(rv, csr, v), 0);
}

/* The mode named name in the split of cpu, which has n modes. */
static uint64_t mode(struct cpu *cpu, const char *name, unsigned n)
{
    uint64_t cycles[8];
    const char *const *names;
    ck_assert_uint_eq(rv_stats_mode_cycles(cpu, cycles, &names), n);
    for (unsigned i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return cycles[i];
    ck_abort_msg("no mode %s", name);
    return 0;
}

START_TEST(test_rv_stats_modes_m_s_u)
{
    struct machine *m = rv_test_machine_model(RAM_BASE, 1u << 20, 10, "rv64,h=off");
    struct cpu *cpu = m->cpus[0];
    struct rv_cpu *rv = rv_of(cpu);
    put32(m, RAM_BASE, 0x30200073);             /* M: mret -> U */
    put32(m, RAM_BASE + 0x10, 0x00000073);      /* U: ecall -> S (delegated) */
    put32(m, RAM_BASE + 0x200, 0x14202573);     /* S: csrr a0, scause */
    put32(m, RAM_BASE + 0x204, 0x100025f3);     /* S: csrr a1, sstatus */
    put32(m, RAM_BASE + 0x208, 0x00000073);     /* S: ecall -> M */
    put32(m, RAM_BASE + 0x300, 0x10500073);     /* M: wfi */
    wr(rv, 0x3b0, ~0ull);                       /* PMP: all memory RWX for S/U */
    wr(rv, 0x3a0, 0x1f);
    wr(rv, 0x341, RAM_BASE + 0x10);             /* mepc; MPP stays U */
    wr(rv, 0x302, 1u << RV_EXC_ECALL_U);
    wr(rv, 0x105, RAM_BASE + 0x200);
    wr(rv, 0x305, RAM_BASE + 0x300);
    uint64_t start = RAM_BASE;
    ck_assert_int_eq(cpu->ops->set_reg(cpu, RV_REG_PC, &start), 0);
    cpu->ops->run(cpu, 100000);
    ck_assert(cpu->halted);
    ck_assert_uint_eq(mode(cpu, "u", 3), 1);
    ck_assert_uint_eq(mode(cpu, "s", 3), 3);
    /* mret, wfi and the wait. */
    ck_assert_uint_eq(mode(cpu, "m", 3), cpu->cycles - 4);
    ck_assert_uint_ge(cpu->cycles, 100000);
    rv_test_machine_free(m);
}
END_TEST

START_TEST(test_rv_stats_modes_with_h_split_hs_and_vs)
{
    struct machine *m = rv_test_machine_model(RAM_BASE, 1u << 20, 10, "rv64,h=on");
    struct cpu *cpu = m->cpus[0];
    struct rv_cpu *rv = rv_of(cpu);
    put32(m, RAM_BASE, 0x30200073);             /* M: mret -> VS (MPV = 1, MPP = S) */
    put32(m, RAM_BASE + 0x10, 0x00000073);      /* VS: ecall -> HS (medeleg) */
    put32(m, RAM_BASE + 0x200, 0x00000073);     /* HS: ecall -> M */
    put32(m, RAM_BASE + 0x300, 0x10500073);     /* M: wfi */
    wr(rv, 0x3b0, ~0ull);
    wr(rv, 0x3a0, 0x1f);
    wr(rv, 0x341, RAM_BASE + 0x10);
    wr(rv, 0x300, RV_MSTATUS_MPV | (1ull << 11));
    wr(rv, 0x302, 1u << RV_EXC_ECALL_VS);
    wr(rv, 0x105, RAM_BASE + 0x200);
    wr(rv, 0x305, RAM_BASE + 0x300);
    uint64_t start = RAM_BASE;
    ck_assert_int_eq(cpu->ops->set_reg(cpu, RV_REG_PC, &start), 0);
    cpu->ops->run(cpu, 100000);
    ck_assert(cpu->halted);
    uint64_t mcause;
    ck_assert_int_eq(cpu->ops->get_reg(cpu, RV_REG_CSR(0x342), &mcause), 0);
    ck_assert_uint_eq(mcause, RV_EXC_ECALL_S);
    ck_assert_uint_eq(mode(cpu, "vs", 5), 1);
    ck_assert_uint_eq(mode(cpu, "hs", 5), 1);
    ck_assert_uint_eq(mode(cpu, "vu", 5), 0);
    ck_assert_uint_eq(mode(cpu, "u", 5), 0);
    ck_assert_uint_eq(mode(cpu, "m", 5), cpu->cycles - 2);
    /* The V=1 time of the "hypervisor" member is VS + VU. */
    ck_assert_uint_eq(rv_virt_cycles(rv), 1);
    rv_test_machine_free(m);
}
END_TEST

/* The count of the mode the hart is in runs on without a change of mode. */
START_TEST(test_rv_stats_modes_count_the_current_mode)
{
    struct machine *m = rv_test_machine_model(RAM_BASE, 1u << 20, 10, "rv64,h=off");
    struct cpu *cpu = m->cpus[0];
    put32(m, RAM_BASE, 0x0000006f);             /* M: j . */
    uint64_t start = RAM_BASE;
    ck_assert_int_eq(cpu->ops->set_reg(cpu, RV_REG_PC, &start), 0);
    cpu->ops->run(cpu, 5000);
    uint64_t first = mode(cpu, "m", 3);
    ck_assert_uint_eq(first, cpu->cycles);
    cpu->ops->run(cpu, 9000);
    ck_assert_uint_eq(mode(cpu, "m", 3), cpu->cycles);
    ck_assert_uint_gt(cpu->cycles, first);
    ck_assert_uint_eq(mode(cpu, "s", 3) + mode(cpu, "u", 3), 0);
    rv_test_machine_free(m);
}
END_TEST

static Suite *rv_stats_suite(void)
{
    Suite *s = suite_create("rv_stats");
    TCase *tc = tcase_create("modes");
    tcase_add_test(tc, test_rv_stats_modes_m_s_u);
    tcase_add_test(tc, test_rv_stats_modes_with_h_split_hs_and_vs);
    tcase_add_test(tc, test_rv_stats_modes_count_the_current_mode);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rv_stats_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
