/*
 * Unit tests for the execution engine (exec/, mmu/) through a toy ISA
 * defined here: two-byte instructions, so each test's program is a few
 * bytes in RAM and its expected effect can be worked out by hand.
 *
 *   01 n   r0 += n                       (op class INT_ALU)
 *   02 a   store low byte of r0 at a      (STORE, address 0x1000 + a)
 *   05 a   store low byte of r0 at 0x8000 + a (an MMIO device)
 *   03 o   jump to pc + 2 + (int8)o       (JUMP, chained)
 *   other  illegal: fault code 7, delivered at the handler 0x100
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "core/memmap.h"
#include "exec/exec.h"
#include "mmu/tlb.h"
#include "toy_isa.h"


static int toy_translate(struct cpu *cpu, struct ir_builder *b, uint64_t pc, uint32_t flags)
{
    for (uint64_t cur = pc;; cur += 2) {
        uint16_t insn;
        if (exec_fetch16(cpu, cur, 0, &insn) < 0)
            return b->ninsns ? (ir_goto_tb(b, 0, cur), 0) : -1;
        unsigned opc = insn & 0xff, arg = insn >> 8;
        unsigned t = ir_temp(b);
        b->code_end = (unsigned)(cur - pc) + 2;
        switch (opc) {
        case 1:
            ir_insn_start(b, (unsigned)(cur - pc), OPC_INT_ALU);
            ir_alui(b, IR_ADDI, 0, 0, arg);
            break;
        case 2:
        case 5:
            ir_insn_start(b, (unsigned)(cur - pc), OPC_STORE);
            ir_movi(b, t, (opc == 2 ? 0x1000 : 0x8000) + arg);
            ir_st(b, t, 0, 0, IR_MO_8, 0);
            break;
        case 3:
            ir_insn_start(b, (unsigned)(cur - pc), OPC_JUMP);
            ir_goto_tb(b, 0, cur + 2 + (uint64_t)(int64_t)(int8_t)arg);
            return 0;
        default:
            ir_insn_start(b, (unsigned)(cur - pc), OPC_SYSTEM);
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

/* A device at 0x8000 that remembers the last byte written and counts writes. */
struct toy_dev {
    uint64_t last, writes;
};

static uint64_t toy_dev_read(void *dev, uint64_t off, unsigned size) { return 0; }
static void toy_dev_write(void *dev, uint64_t off, uint64_t val, unsigned size)
{
    struct toy_dev *d = dev;
    d->last = val;
    d->writes++;
}
static const struct dev_ops toy_dev_ops = { .read = toy_dev_read, .write = toy_dev_write };

struct toy {
    struct machine m;
    struct cpu cpu;
    struct toy_dev dev;
};

static struct toy *toy_create(uint64_t max_insns)
{
    struct toy *t = calloc(1, sizeof(*t));
    struct machine_config cfg = { .board = "toy", .ncpus = 1, .max_insns = max_insns };
    struct emu_err err;
    ck_assert_int_eq(machine_init(&t->m, &cfg, &err), 0);
    ck_assert_int_eq(memmap_add_ram(&t->m.map, 0, 0x4000, "ram", &err), 0);
    ck_assert_int_eq(memmap_add_mmio(&t->m.map, 0x8000, 0x100, &toy_dev_ops, &t->dev, "dev", &err), 0);
    cpu_base_init(&t->cpu, &t->m, 0);
    t->cpu.ops = &toy_cpu_ops;
    t->cpu.isa = &toy_isa;
    t->m.cpus[t->m.ncpus++] = &t->cpu;
    /* The fault handler spins in place: 03 fe. */
    uint8_t spin[2] = { 3, 0xfe };
    ck_assert_int_eq(machine_phys_write(&t->m, TOY_HANDLER, spin, 2), 0);
    return t;
}

static void toy_load(struct toy *t, uint64_t addr, const uint8_t *code, size_t len)
{
    ck_assert_int_eq(machine_phys_write(&t->m, addr, code, len), 0);
    t->cpu.r[TOY_PC] = addr;
}

static void toy_destroy(struct toy *t)
{
    t->m.ncpus = 0;      /* the vCPU is the test's own */
    machine_destroy(&t->m);
    free(t);
}

START_TEST(test_exec_max_insns_stops_exactly)
{
    struct toy *t = toy_create(10);
    const uint8_t prog[] = { 1, 5, 1, 7, 3, 0xfe };    /* r0 += 5; r0 += 7; spin */
    toy_load(t, 0x1000, prog, sizeof(prog));
    ck_assert_int_eq(machine_run(&t->m), MACHINE_STOP_MAX_INSNS);
    ck_assert_uint_eq(t->cpu.insns, 10);
    ck_assert_uint_eq(t->cpu.r[0], 12);
    toy_destroy(t);
}
END_TEST

START_TEST(test_exec_store_into_code_retranslates)
{
    /* The loop rewrites the immediate of its own add with r0, so r0
     * doubles per iteration; stale code would add 1 each time. */
    struct toy *t = toy_create(3 * 6);
    const uint8_t prog[] = { 1, 1, 2, 0x01, 3, 0xfa }; /* r0 += imm; [0x1001] = r0; jump back */
    toy_load(t, 0x1000, prog, sizeof(prog));
    t->cpu.r[0] = 1;
    machine_run(&t->m);
    ck_assert_uint_eq(t->cpu.r[0], 64);
    toy_destroy(t);
}
END_TEST

START_TEST(test_exec_store_beside_code_keeps_translation)
{
    struct toy *t = toy_create(3 * 1000);
    const uint8_t prog[] = { 1, 1, 2, 0x80, 3, 0xfa }; /* data at 0x1080, same page as the code */
    toy_load(t, 0x1000, prog, sizeof(prog));
    machine_run(&t->m);
    ck_assert_uint_eq(t->cpu.r[0], 1000);
    ck_assert_uint_eq(t->cpu.stat_tbs_translated, 1);
    toy_destroy(t);
}
END_TEST

START_TEST(test_exec_fault_rewinds_to_faulting_insn)
{
    struct toy *t = toy_create(5);
    const uint8_t prog[] = { 1, 1, 0xee, 0, 1, 1 };    /* r0 += 1; illegal; (not reached) */
    toy_load(t, 0x1000, prog, sizeof(prog));
    machine_run(&t->m);
    ck_assert_uint_eq(t->cpu.r[3], TOY_FAULT_ILLEGAL);
    ck_assert_uint_eq(t->cpu.r[4], 0x1002);
    ck_assert_uint_eq(t->cpu.r[0], 1);
    /* 1 add retired, the illegal one not, then 4 spins in the handler. */
    ck_assert_uint_eq(t->cpu.insns, 5);
    toy_destroy(t);
}
END_TEST

START_TEST(test_exec_mmio_store_reaches_device)
{
    struct toy *t = toy_create(4);
    const uint8_t prog[] = { 1, 0x2a, 5, 0x10, 3, 0xfe };
    toy_load(t, 0x1000, prog, sizeof(prog));
    machine_run(&t->m);
    ck_assert_uint_eq(t->dev.writes, 1);
    ck_assert_uint_eq(t->dev.last, 0x2a);
    toy_destroy(t);
}
END_TEST

START_TEST(test_exec_store_to_nothing_is_bus_fault)
{
    struct toy *t = toy_create(4);
    /* The toy's page walk maps everything; 0xc000 is neither RAM nor a device. */
    uint64_t v;
    ck_assert_int_eq(exec_load(&t->cpu, 0xc000, IR_MO_32, 0, &v), -1);
    ck_assert(t->cpu.fault.pending);
    ck_assert_uint_eq(t->cpu.fault.code, TOY_FAULT_BUS);
    toy_destroy(t);
}
END_TEST

START_TEST(test_tlb_misaligned_access_takes_slow_path)
{
    static struct tlb tlb;
    tlb_flush_all(&tlb);
    struct tlb_entry *e = &tlb.e[0][tlb_index(0x5000)];
    e->tag[TLB_READ] = 0x5000;
    e->addend = 0x100;
    ck_assert_ptr_eq(tlb_fast(&tlb, 0, 0x5008, 8, TLB_READ), (void *)0x5108);
    ck_assert_ptr_null(tlb_fast(&tlb, 0, 0x5004, 8, TLB_READ));
    ck_assert_ptr_null(tlb_fast(&tlb, 0, 0x5008, 8, TLB_WRITE));
    ck_assert_ptr_null(tlb_fast(&tlb, 1, 0x5008, 8, TLB_READ));
}
END_TEST

START_TEST(test_tlb_code_flag_blocks_fast_write)
{
    static struct tlb tlb;
    tlb_flush_all(&tlb);
    struct tlb_entry *e = &tlb.e[2][tlb_index(0x7000)];
    e->tag[TLB_READ] = 0x7000;
    e->tag[TLB_WRITE] = 0x7000 | TLB_CODE;
    ck_assert_ptr_nonnull(tlb_fast(&tlb, 2, 0x7010, 4, TLB_READ));
    ck_assert_ptr_null(tlb_fast(&tlb, 2, 0x7010, 4, TLB_WRITE));
    ck_assert_ptr_null(tlb_fast(&tlb, 2, 0x7011, 1, TLB_WRITE));
}
END_TEST

START_TEST(test_tlb_flush_page_drops_every_regime)
{
    static struct tlb tlb;
    tlb_flush_all(&tlb);
    for (unsigned m = 0; m < TLB_NMMU; m++)
        tlb.e[m][tlb_index(0x9000)].tag[TLB_EXEC] = 0x9000;
    tlb.e[0][tlb_index(0x9000 + TLB_SIZE * 4096)].tag[TLB_READ] = 0x9000 + TLB_SIZE * 4096;
    tlb_flush_page(&tlb, 0x9000);
    for (unsigned m = 0; m < TLB_NMMU; m++)
        ck_assert_ptr_null(tlb_fast(&tlb, m, 0x9000, 2, TLB_EXEC));
}
END_TEST

static Suite *exec_suite(void)
{
    Suite *s = suite_create("exec");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_exec_max_insns_stops_exactly);
    tcase_add_test(tc, test_exec_store_into_code_retranslates);
    tcase_add_test(tc, test_exec_store_beside_code_keeps_translation);
    tcase_add_test(tc, test_exec_fault_rewinds_to_faulting_insn);
    tcase_add_test(tc, test_exec_mmio_store_reaches_device);
    tcase_add_test(tc, test_exec_store_to_nothing_is_bus_fault);
    tcase_add_test(tc, test_tlb_misaligned_access_takes_slow_path);
    tcase_add_test(tc, test_tlb_code_flag_blocks_fast_write);
    tcase_add_test(tc, test_tlb_flush_page_drops_every_regime);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(exec_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
