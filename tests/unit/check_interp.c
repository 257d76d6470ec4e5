/*
 * Unit tests for the IR interpreter's fused ops (exec/interp.c): two
 * accesses in a row run as one op, yet a fault in the second must look
 * exactly like a fault of that instruction alone. A toy ISA with
 * two-byte instructions makes each program a few bytes in RAM:
 *
 *   01 n   r0 += n                                   (INT_ALU)
 *   04 a   store r0 (64 bits) at r1 + 8 * a          (STORE)
 *   06 a   r[8 + a % 8] = load 64 bits at r1 + 8 * a (LOAD)
 *   03 o   jump to pc + 2 + (int8)o                  (JUMP)
 *   other  illegal
 *
 * RAM is [0, 0x4000); nothing is mapped above it, so an access there is a
 * bus fault (code 9), delivered with r3 = code and r4 = the faulting pc.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "core/memmap.h"
#include "exec/exec.h"
#include "toy_isa.h"

#define TOY_R0_VALUE 0x1122334455667788ull

static int toy_translate(struct cpu *cpu, struct ir_builder *b, uint64_t pc, uint32_t flags)
{
    for (uint64_t cur = pc;; cur += 2) {
        uint16_t insn;
        if (exec_fetch16(cpu, cur, 0, &insn) < 0)
            return b->ninsns ? (ir_goto_tb(b, 0, cur), 0) : -1;
        unsigned opc = insn & 0xff, arg = insn >> 8;
        unsigned off = (unsigned)(cur - pc);
        b->code_end = off + 2;
        switch (opc) {
        case 1:
            ir_insn_start(b, off, OPC_INT_ALU);
            ir_alui(b, IR_ADDI, 0, 0, arg);
            break;
        case 4:
            ir_insn_start(b, off, OPC_STORE);
            ir_st(b, 1, 8 * (int64_t)arg, 0, IR_MO_64, 0);
            break;
        case 6:
            ir_insn_start(b, off, OPC_LOAD);
            ir_ld(b, 8 + arg % 8, 1, 8 * (int64_t)arg, IR_MO_64, 0);
            break;
        case 3:
            ir_insn_start(b, off, OPC_JUMP);
            ir_goto_tb(b, 0, cur + 2 + (uint64_t)(int64_t)(int8_t)arg);
            return 0;
        default:
            ir_insn_start(b, off, OPC_SYSTEM);
            ir_call(b, toy_raise, IR_CALL_MAY_FAULT | IR_CALL_NO_RESULT, 0, 0, 0, 0, TOY_FAULT_ILLEGAL);
            ir_exit(b);
            return 0;
        }
        if (!ir_has_room(b, 8)) {
            ir_goto_tb(b, 0, cur + 2);
            return 0;
        }
    }
}

static const struct exec_isa toy_isa = { TOY_ISA_HOOKS, .translate = toy_translate };

static const struct cpu_ops toy_cpu_ops = { .run = exec_run };

struct toy {
    struct machine m;
    struct cpu cpu;
};

/* A toy machine that stops after max_insns, with code at 0x1000 and the
 * fault handler spinning in place (03 fe). */
static struct toy *toy_create(uint64_t max_insns, const uint8_t *code, size_t len)
{
    struct toy *t = calloc(1, sizeof(*t));
    struct machine_config cfg = { .board = "toy", .ncpus = 1, .max_insns = max_insns };
    struct emu_err err;
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(machine_init(&t->m, &cfg, &err), 0);
    ck_assert_int_eq(memmap_add_ram(&t->m.map, 0, 0x4000, "ram", &err), 0);
    cpu_base_init(&t->cpu, &t->m, 0);
    t->cpu.ops = &toy_cpu_ops;
    t->cpu.isa = &toy_isa;
    t->m.cpus[t->m.ncpus++] = &t->cpu;
    const uint8_t spin[2] = { 3, 0xfe };
    ck_assert_int_eq(machine_phys_write(&t->m, TOY_HANDLER, spin, 2), 0);
    ck_assert_int_eq(machine_phys_write(&t->m, 0x1000, code, len), 0);
    t->cpu.r[TOY_PC] = 0x1000;
    t->cpu.r[0] = TOY_R0_VALUE;
    return t;
}

static void toy_destroy(struct toy *t)
{
    t->m.ncpus = 0;      /* the vCPU is the test's own */
    machine_destroy(&t->m);
    free(t);
}

static uint64_t toy_read64(struct toy *t, uint64_t addr)
{
    uint64_t v = 0;
    ck_assert_int_eq(machine_phys_read(&t->m, addr, &v, 8), 0);
    return v;
}

START_TEST(test_interp_store_pair_both_land)
{
    /* 04 00; 04 01; 03 fe: two stores in a row, then spin. */
    const uint8_t prog[] = { 4, 0, 4, 1, 3, 0xfe };
    struct toy *t = toy_create(12, prog, sizeof(prog));
    t->cpu.r[1] = 0x2000;
    ck_assert_int_eq(machine_run(&t->m), MACHINE_STOP_MAX_INSNS);
    ck_assert_uint_eq(toy_read64(t, 0x2000), TOY_R0_VALUE);
    ck_assert_uint_eq(toy_read64(t, 0x2008), TOY_R0_VALUE);
    ck_assert_uint_eq(t->cpu.r[3], 0);     /* no fault */
    toy_destroy(t);
}
END_TEST

START_TEST(test_interp_store_pair_second_faults_at_its_own_pc)
{
    /* 04 00; 04 01; 01 01 with r1 = 0x3ff8: the first store is the last
     * word of RAM, the second goes past it. */
    const uint8_t prog[] = { 4, 0, 4, 1, 1, 1 };
    struct toy *t = toy_create(5, prog, sizeof(prog));
    t->cpu.r[1] = 0x3ff8;
    ck_assert_int_eq(machine_run(&t->m), MACHINE_STOP_MAX_INSNS);
    ck_assert_uint_eq(t->cpu.r[3], TOY_FAULT_BUS);
    ck_assert_uint_eq(t->cpu.r[4], 0x1002);             /* the second store's pc */
    ck_assert_uint_eq(toy_read64(t, 0x3ff8), TOY_R0_VALUE);  /* the first one happened */
    ck_assert_uint_eq(t->cpu.r[0], TOY_R0_VALUE);       /* the add after it did not */
    /* One store retired, then the handler's 4 spins up to the limit. */
    ck_assert_uint_eq(t->cpu.stat_class[OPC_JUMP], 4);
    toy_destroy(t);
}
END_TEST

START_TEST(test_interp_load_pair_second_faults_at_its_own_pc)
{
    /* 06 00; 06 01 with r1 = 0x3ff8: the first load reads the last word
     * of RAM into r8, the second faults and leaves r9 alone. */
    const uint8_t prog[] = { 6, 0, 6, 1, 1, 1 };
    struct toy *t = toy_create(5, prog, sizeof(prog));
    const uint64_t word = 0x0102030405060708ull;
    ck_assert_int_eq(machine_phys_write(&t->m, 0x3ff8, &word, 8), 0);
    t->cpu.r[1] = 0x3ff8;
    t->cpu.r[9] = 99;
    ck_assert_int_eq(machine_run(&t->m), MACHINE_STOP_MAX_INSNS);
    ck_assert_uint_eq(t->cpu.r[3], TOY_FAULT_BUS);
    ck_assert_uint_eq(t->cpu.r[4], 0x1002);
    ck_assert_uint_eq(t->cpu.r[8], word);
    ck_assert_uint_eq(t->cpu.r[9], 99);
    ck_assert_uint_eq(t->cpu.r[0], TOY_R0_VALUE);
    toy_destroy(t);
}
END_TEST

START_TEST(test_interp_load_pair_first_faults_at_its_own_pc)
{
    /* 06 00; 06 01 with r1 = 0x4000: already the first load faults. */
    const uint8_t prog[] = { 6, 0, 6, 1, 1, 1 };
    struct toy *t = toy_create(5, prog, sizeof(prog));
    t->cpu.r[1] = 0x4000;
    t->cpu.r[8] = 98;
    t->cpu.r[9] = 99;
    ck_assert_int_eq(machine_run(&t->m), MACHINE_STOP_MAX_INSNS);
    ck_assert_uint_eq(t->cpu.r[3], TOY_FAULT_BUS);
    ck_assert_uint_eq(t->cpu.r[4], 0x1000);
    ck_assert_uint_eq(t->cpu.r[8], 98);
    ck_assert_uint_eq(t->cpu.r[9], 99);
    toy_destroy(t);
}
END_TEST

static Suite *interp_suite(void)
{
    Suite *s = suite_create("interp");
    TCase *tc = tcase_create("fused");
    tcase_add_test(tc, test_interp_store_pair_both_land);
    tcase_add_test(tc, test_interp_store_pair_second_faults_at_its_own_pc);
    tcase_add_test(tc, test_interp_load_pair_second_faults_at_its_own_pc);
    tcase_add_test(tc, test_interp_load_pair_first_faults_at_its_own_pc);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(interp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
