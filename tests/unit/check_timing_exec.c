/*
 * The detailed timing model inside the engine, through a toy ISA whose
 * programs are a few bytes, so that every cycle of a run can be worked
 * out by hand from the model below: static costs, instruction fetch
 * through L1I, loads and stores through L1D/L2/DRAM, TLB refills from the
 * second-level TLB or a page walk whose PTE reads go through the data
 * cache, branch and indirect-jump mispredictions, TLB flushes, untranslated
 * regimes, device accesses, and the SBI PMU event counts.
 *
 * Two-byte instructions (opcode, argument):
 *   01 n  r0 += (int8)n                     INT_ALU
 *   06 0  r0 = load64 [r1]                  LOAD
 *   07 n  r1 += (int8)n * 64                INT_ALU
 *   08 o  if r0 != 0: pc += 2 + (int8)o     BRANCH (ends the TB)
 *   09 0  pc = r5                           JUMP, indirect (ends the TB)
 *   0a 0  store64 [r1] = r0                 STORE
 *   0d n  TLB context := n for regime 0     SYSTEM (ends the TB)
 *   0e 0  flush the TLBs (exec_flush_tlb)   SYSTEM (ends the TB)
 *   0f 0  stop the machine                  SYSTEM (ends the TB)
 * The translation regime (mmu_idx) is r6: 0 translates through a toy
 * two-level page table (walk_trace), 1 does not.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/dev.h"
#include "core/machine.h"
#include "core/memmap.h"
#include "core/snap.h"
#include "core/stats.h"
#include "exec/exec.h"
#include "timing/core.h"
#include "timing/model.h"

#define TOY_PC 64u
#define ROOT_PT 0xe000u           /* PTE of va: ROOT_PT + ((va >> 21) & 7) * 8 */
#define LEAF_PT 0xf000u           /*            LEAF_PT + ((va >> 12) & 511) * 8 */
#define DEV_BASE 0x20000u

/*
 * L1D: 8 sets x 2 ways; L2: 16 sets x 4 ways; all lines 64 bytes.
 * A fetch that misses everything costs 2 + 5 + 50 - 1 = 56 beyond the
 * static cost, a load 3 + 5 + 50 - 2 = 56, a load that hits in L2
 * 3 + 10 - 2 = 11, a PTE read that misses everything 3 + 5 + 50 = 58 and
 * one that hits in L1D 2.
 */
static const char model_caches[] =
    "name toy\n"
    "frequency 1GHz\n"
    "latency default 1\n"
    "cache l1i size 1K ways 2 line 64 hit 1 miss 2\n"
    "cache l1d size 1K ways 2 line 64 hit 2 miss 3\n"
    "cache l2 size 4K ways 4 line 64 hit 10 miss 5\n"
    "dram latency 50\n"
    "branch bimodal entries 16 btb 4 penalty 7\n";

static const char model_tlbs[] =
    "name toy-tlb\n"
    "frequency 1GHz\n"
    "latency default 1\n"
    "cache l1i size 1K ways 2 line 64 hit 1 miss 2\n"
    "cache l1d size 1K ways 2 line 64 hit 2 miss 3\n"
    "cache l2 size 4K ways 4 line 64 hit 10 miss 5\n"
    "dram latency 50\n"
    "tlb itlb entries 2\n"
    "tlb dtlb entries 2\n"
    "tlb l2tlb entries 8 hit 6\n"
    "walk latency 20\n";

/* Caches, TLBs and a predictor: every part of the state. */
static const char model_both[] =
    "name toy-both\n"
    "frequency 1GHz\n"
    "latency default 1\n"
    "cache l1i size 1K ways 2 line 64 hit 1 miss 2\n"
    "cache l1d size 1K ways 2 line 64 hit 2 miss 3\n"
    "cache l2 size 4K ways 4 line 64 hit 10 miss 5\n"
    "dram latency 50\n"
    "tlb itlb entries 2\n"
    "tlb dtlb entries 2\n"
    "tlb l2tlb entries 8 hit 6\n"
    "walk latency 20\n"
    "branch gshare entries 16 history 2 btb 4 penalty 7\n";

static uint64_t toy_stop(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    machine_request_stop(cpu->m, MACHINE_STOP_POWEROFF, 0);
    cpu->r[TOY_PC] = (uint64_t)imm;
    return 0;
}

static uint64_t toy_flush(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    exec_flush_tlb(cpu);
    cpu->r[TOY_PC] = (uint64_t)imm;
    return 0;
}

static uint64_t toy_context(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    exec_timing_tlb_context(cpu, 1u << 0, (uint32_t)a);
    cpu->r[TOY_PC] = (uint64_t)imm;
    return 0;
}

static int toy_translate(struct cpu *cpu, struct ir_builder *b, uint64_t pc, uint32_t flags)
{
    for (uint64_t cur = pc;; cur += 2) {
        uint16_t insn;
        if (exec_fetch16(cpu, cur, flags, &insn) < 0)
            return b->ninsns ? (ir_goto_tb(b, 0, cur), 0) : -1;
        unsigned opc = insn & 0xff;
        int64_t arg = (int8_t)(insn >> 8);
        unsigned t = ir_temp(b), off = (unsigned)(cur - pc);
        b->code_end = off + 2;
        switch (opc) {
        case 0x01:
            ir_insn_start(b, off, OPC_INT_ALU);
            ir_alui(b, IR_ADDI, 0, 0, arg);
            break;
        case 0x06:
            ir_insn_start(b, off, OPC_LOAD);
            ir_ld(b, 0, 1, 0, IR_MO_64, flags);
            break;
        case 0x07:
            ir_insn_start(b, off, OPC_INT_ALU);
            ir_alui(b, IR_ADDI, 1, 1, arg * 64);
            break;
        case 0x08:
            ir_insn_start(b, off, OPC_BRANCH);
            ir_movi(b, t, 0);
            ir_brcond(b, IR_NE, 0, t, cur + 2 + (uint64_t)arg);
            ir_goto_tb(b, 1, cur + 2);
            return 0;
        case 0x09:
            ir_insn_start(b, off, OPC_JUMP);
            ir_goto_ptr(b, 5);
            return 0;
        case 0x0a:
            ir_insn_start(b, off, OPC_STORE);
            ir_st(b, 1, 0, 0, IR_MO_64, flags);
            break;
        case 0x0d:
            ir_insn_start(b, off, OPC_SYSTEM);
            ir_movi(b, t, arg);
            ir_call(b, toy_context, IR_CALL_NO_RESULT, 0, t, 0, 0, (int64_t)(cur + 2));
            ir_exit(b);
            return 0;
        case 0x0e:
        case 0x0f:
            ir_insn_start(b, off, OPC_SYSTEM);
            ir_call(b, opc == 0x0e ? toy_flush : toy_stop, IR_CALL_NO_RESULT, 0, 0, 0, 0, (int64_t)(cur + 2));
            ir_exit(b);
            return 0;
        default:
            ck_abort_msg("toy: bad opcode %02x at %llx", opc, (unsigned long long)cur);
        }
    }
}

static uint32_t toy_tb_flags(struct cpu *cpu) { return (uint32_t)cpu->r[6]; }
static unsigned toy_fetch_mmu_idx(struct cpu *cpu, uint32_t flags) { return flags; }

static int toy_tlb_fill(struct cpu *cpu, uint64_t va, enum tlb_access acc, unsigned mmu_idx, struct tlb_fill *out)
{
    out->phys = va;
    out->page_size = 4096;
    out->allow[TLB_READ] = out->allow[TLB_WRITE] = out->allow[TLB_EXEC] = true;
    return 0;
}

static int toy_walk_trace(struct cpu *cpu, uint64_t va, enum tlb_access acc, unsigned mmu_idx,
                          struct exec_walk_trace *out)
{
    if (mmu_idx == 1)
        return 0;
    out->page_size = 4096;
    out->npte = 2;
    out->pte_pa[0] = ROOT_PT + ((va >> 21) & 7) * 8;
    out->pte_pa[1] = LEAF_PT + ((va >> 12) & 511) * 8;
    return 0;
}

static void toy_bus_fault(struct cpu *cpu, uint64_t va, enum tlb_access acc) { cpu_fault_set(cpu, 9, va, 0); }
static void toy_take_fault(struct cpu *cpu, uint64_t pc) { ck_abort_msg("toy: fault at %llx", (unsigned long long)pc); }
static void toy_check_irq(struct cpu *cpu) { }

static const struct exec_isa toy_isa = {
    .name = "toy", .pc_slot = TOY_PC, .tb_flags = toy_tb_flags, .fetch_mmu_idx = toy_fetch_mmu_idx,
    .translate = toy_translate, .tlb_fill = toy_tlb_fill, .bus_fault = toy_bus_fault,
    .take_fault = toy_take_fault, .check_irq = toy_check_irq, .walk_trace = toy_walk_trace,
};

static const struct cpu_ops toy_cpu_ops = { .run = exec_run };

static uint64_t toy_dev_read(void *dev, uint64_t off, unsigned size) { return 0x77; }
static void toy_dev_write(void *dev, uint64_t off, uint64_t val, unsigned size) { }
static const struct dev_ops toy_dev_ops = { .read = toy_dev_read, .write = toy_dev_write };

struct toy {
    struct machine m;
    struct cpu cpu;
};

/* A toy machine under model text (NULL: the default fast model). */
static struct toy *toy_create(const char *model)
{
    struct toy *t = calloc(1, sizeof(*t));
    struct machine_config cfg = { .board = "toy", .ncpus = 1 };
    struct emu_err err;
    ck_assert_int_eq(machine_init(&t->m, &cfg, &err), 0);
    ck_assert_int_eq(memmap_add_ram(&t->m.map, 0, 0x10000, "ram", &err), 0);
    ck_assert_int_eq(memmap_add_mmio(&t->m.map, DEV_BASE, 0x100, &toy_dev_ops, NULL, "dev", &err), 0);
    if (model) {
        struct timing_model tm;
        ck_assert_msg(timing_model_parse(model, "toy", &tm, &err) == 0, "%s", err.msg);
        exec_set_timing(&t->m, &tm);
    }
    cpu_base_init(&t->cpu, &t->m, 0);
    t->cpu.ops = &toy_cpu_ops;
    t->cpu.isa = &toy_isa;
    t->m.cpus[t->m.ncpus++] = &t->cpu;
    return t;
}

static void toy_run(struct toy *t, const uint8_t *code, size_t len)
{
    ck_assert_int_eq(machine_phys_write(&t->m, 0x1000, code, len), 0);
    t->cpu.r[TOY_PC] = 0x1000;
    t->m.stop = MACHINE_RUNNING;
    ck_assert_int_eq(machine_run(&t->m), MACHINE_STOP_POWEROFF);
}

static void toy_destroy(struct toy *t)
{
    t->m.ncpus = 0;      /* the vCPU is the test's own */
    machine_destroy(&t->m);
    free(t);
}

START_TEST(test_timing_fast_model_one_cycle_per_insn)
{
    /* r0 = 4; loop 4 times; stop: 4 * 2 + 1 instructions, as many cycles. */
    struct toy *t = toy_create(NULL);
    const uint8_t prog[] = { 0x01, 0xff, 0x08, 0xfc, 0x0f, 0 };
    t->cpu.r[0] = 4;
    toy_run(t, prog, sizeof(prog));
    ck_assert_uint_eq(t->cpu.insns, 9);
    ck_assert_uint_eq(t->cpu.cycles, 9);
    ck_assert_ptr_null(t->cpu.tc);
    toy_destroy(t);
}
END_TEST

START_TEST(test_timing_load_miss_pays_hierarchy_latency)
{
    /* ld; ld (same line); stop. Static 2 + 2 + 1; the fetch misses (56),
     * the first load misses (56), the second hits. */
    struct toy *t = toy_create(model_caches);
    const uint8_t prog[] = { 0x06, 0, 0x06, 0, 0x0f, 0 };
    t->cpu.r[1] = 0x2000;
    toy_run(t, prog, sizeof(prog));
    ck_assert_uint_eq(t->cpu.cycles, 5 + 56 + 56);
    ck_assert_uint_eq(t->cpu.tc->l1d.access[TCACHE_READ], 2);
    ck_assert_uint_eq(t->cpu.tc->l1d.miss[TCACHE_READ], 1);
    ck_assert_uint_eq(t->cpu.tc->l2.access[TCACHE_READ], 2);     /* the fetch and the load */
    ck_assert_uint_eq(t->cpu.tc->l2.miss[TCACHE_READ], 2);
    ck_assert_uint_eq(t->cpu.tc->load_stall, 56);
    ck_assert_uint_eq(t->cpu.tc->fetch_stall, 56);
    toy_destroy(t);
}
END_TEST

START_TEST(test_timing_l1_conflict_then_l2_hit)
{
    /* X = 0x2000, X + 512, X + 1024 share L1D set 0 (2 ways), so X falls
     * out of L1D; in L2, X + 512 goes to set 8 and X stays. The last load
     * of X costs 3 + 10 - 2 = 11 beyond its static 2. Static: 4 loads,
     * 3 adds, the stop: 12. */
    struct toy *t = toy_create(model_caches);
    const uint8_t prog[] = { 0x06, 0, 0x07, 8, 0x06, 0, 0x07, 8, 0x06, 0, 0x07, 0xf0, 0x06, 0, 0x0f, 0 };
    t->cpu.r[1] = 0x2000;
    toy_run(t, prog, sizeof(prog));
    ck_assert_uint_eq(t->cpu.r[1], 0x2000);
    ck_assert_uint_eq(t->cpu.cycles, 12 + 56 + 3 * 56 + 11);
    ck_assert_uint_eq(t->cpu.tc->l1d.miss[TCACHE_READ], 4);
    ck_assert_uint_eq(t->cpu.tc->l2.miss[TCACHE_READ], 4);       /* the fetch and three loads */
    toy_destroy(t);
}
END_TEST

START_TEST(test_timing_store_miss_allocates_without_stall)
{
    struct toy *t = toy_create(model_caches);
    const uint8_t prog[] = { 0x0a, 0, 0x06, 0, 0x0f, 0 };   /* st; ld (hits); stop */
    t->cpu.r[1] = 0x2000;
    toy_run(t, prog, sizeof(prog));
    ck_assert_uint_eq(t->cpu.cycles, 1 + 2 + 1 + 56);
    ck_assert_uint_eq(t->cpu.tc->l1d.miss[TCACHE_WRITE], 1);
    ck_assert_uint_eq(t->cpu.tc->l1d.access[TCACHE_READ], 1);
    ck_assert_uint_eq(t->cpu.tc->l1d.miss[TCACHE_READ], 0);
    toy_destroy(t);
}
END_TEST

START_TEST(test_timing_device_load_bypasses_caches)
{
    struct toy *t = toy_create(model_caches);
    const uint8_t prog[] = { 0x06, 0, 0x0f, 0 };
    t->cpu.r[1] = DEV_BASE;
    toy_run(t, prog, sizeof(prog));
    ck_assert_uint_eq(t->cpu.r[0], 0x77);
    ck_assert_uint_eq(t->cpu.cycles, 2 + 1 + 56);
    ck_assert_uint_eq(t->cpu.tc->l1d.access[TCACHE_READ], 0);
    toy_destroy(t);
}
END_TEST

START_TEST(test_timing_branch_and_indirect_mispredicts)
{
    /*   0x1000  r0 -= 1
     *   0x1002  if r0 != 0 goto 0x1006
     *   0x1004  stop
     *   0x1006  goto r5 (= 0x1000)
     * r0 = 3: the branch goes T T N (bimodal: 1 -> 2 miss, 2 -> 3 hit,
     * 3 -> 2 miss: 2 * 7), the jump misses the cold BTB once then hits (7).
     * Static: 3 * 2 + 2 * 1 + 1 = 9; one fetch miss, 56. */
    struct toy *t = toy_create(model_caches);
    const uint8_t prog[] = { 0x01, 0xff, 0x08, 0x02, 0x0f, 0, 0x09, 0 };
    t->cpu.r[0] = 3;
    t->cpu.r[5] = 0x1000;
    toy_run(t, prog, sizeof(prog));
    ck_assert_uint_eq(t->cpu.insns, 9);
    ck_assert_uint_eq(t->cpu.cycles, 9 + 56 + 2 * 7 + 7);
    ck_assert_uint_eq(t->cpu.tc->bp.branches, 3);
    ck_assert_uint_eq(t->cpu.tc->bp.branch_misses, 2);
    ck_assert_uint_eq(t->cpu.tc->bp.indirect, 2);
    ck_assert_uint_eq(t->cpu.tc->bp.indirect_misses, 1);
    ck_assert_uint_eq(t->cpu.tc->branch_stall, 21);
    /* The SBI PMU events (event_idx): branch instructions and misses,
     * and the BPU cache event (type 1, cache 5, read, access/miss). */
    ck_assert_uint_eq(timing_hpm_count(&t->cpu, 5), 5);
    ck_assert_uint_eq(timing_hpm_count(&t->cpu, 6), 3);
    ck_assert_uint_eq(timing_hpm_count(&t->cpu, 0x10028), 5);
    ck_assert_uint_eq(timing_hpm_count(&t->cpu, 0x10029), 3);
    ck_assert_uint_eq(timing_hpm_count(&t->cpu, 1), t->cpu.cycles);
    ck_assert_uint_eq(timing_hpm_count(&t->cpu, 2), 9);
    toy_destroy(t);
}
END_TEST

START_TEST(test_timing_tlb_walks_and_second_level_hit)
{
    /* Loads at 0x2040, 0x3040, 0x4040, then 0x2040 again (r1 += 4096 is
     * "07 40", -= 8192 is "07 80"). The data lines sit in L1D set 1, the
     * page-table lines in set 0.
     *   fetch  I-TLB walk 20 + root 58 + leaf 58; L1I miss 56
     *   each first load: D-TLB walk 20 + 2 + 2 (PTE lines now in L1D); data 56
     *   the last load: D-TLB (2 entries) lost page 2, L2 TLB has it: 6;
     *                  its line left L1D set 1 but is in L2: 11
     * Static: 4 loads, 3 adds, stop: 12. */
    struct toy *t = toy_create(model_tlbs);
    const uint8_t prog[] = { 0x06, 0, 0x07, 0x40, 0x06, 0, 0x07, 0x40, 0x06, 0, 0x07, 0x80, 0x06, 0, 0x0f, 0 };
    t->cpu.r[1] = 0x2040;
    toy_run(t, prog, sizeof(prog));
    ck_assert_uint_eq(t->cpu.cycles, 12 + (20 + 58 + 58) + 56 + 3 * (24 + 56) + 6 + 11);
    struct timing_cpu *tc = t->cpu.tc;
    ck_assert_uint_eq(tc->walks, 4);
    ck_assert_uint_eq(tc->itlb.access, 1);
    ck_assert_uint_eq(tc->itlb.miss, 1);
    ck_assert_uint_eq(tc->dtlb.access, 4);
    ck_assert_uint_eq(tc->dtlb.miss, 4);
    ck_assert_uint_eq(tc->l2tlb.access, 5);
    ck_assert_uint_eq(tc->l2tlb.miss, 4);
    ck_assert_uint_eq(tc->tlb_stall, 136 + 3 * 24 + 6);
    /* DTLB read misses (event_idx 0x10019); L1D reads: 4 loads + 8 PTEs. */
    ck_assert_uint_eq(timing_hpm_count(&t->cpu, 0x10019), 4);
    ck_assert_uint_eq(timing_hpm_count(&t->cpu, 0x10000), 12);
    toy_destroy(t);
}
END_TEST

START_TEST(test_timing_flush_forgets_translations)
{
    /*   0x1000  ld; flush    fetch: walk 136, L1I 56; ld: walk 24, data 56
     *   0x1004  ld; stop     fetch: walk 24 (L1I hit); ld: walk 24, data hit */
    struct toy *t = toy_create(model_tlbs);
    const uint8_t prog[] = { 0x06, 0, 0x0e, 0, 0x06, 0, 0x0f, 0 };
    t->cpu.r[1] = 0x2040;
    toy_run(t, prog, sizeof(prog));
    ck_assert_uint_eq(t->cpu.cycles, 3 + 136 + 56 + 24 + 56 + 3 + 24 + 24);
    ck_assert_uint_eq(t->cpu.tc->walks, 4);
    toy_destroy(t);
}
END_TEST

START_TEST(test_timing_context_switch_keeps_both_contexts)
{
    /*   0x1000  ld; ctx 1    fetch: walk 136, L1I 56; ld: walk 24, data 56
     *   0x1004  ld; ctx 0    context 1 holds nothing: fetch walk 24; ld walk 24
     *   0x1008  ld; stop     back in context 0: its entries are still there */
    struct toy *t = toy_create(model_tlbs);
    const uint8_t prog[] = { 0x06, 0, 0x0d, 1, 0x06, 0, 0x0d, 0, 0x06, 0, 0x0f, 0 };
    t->cpu.r[1] = 0x2040;
    toy_run(t, prog, sizeof(prog));
    ck_assert_uint_eq(t->cpu.cycles, 3 + 136 + 56 + 24 + 56 + 3 + 24 + 24 + 3);
    ck_assert_uint_eq(t->cpu.tc->walks, 4);
    ck_assert_uint_eq(t->cpu.tc->dtlb.access, 3);
    ck_assert_uint_eq(t->cpu.tc->dtlb.miss, 2);
    toy_destroy(t);
}
END_TEST

START_TEST(test_timing_untranslated_regime_skips_tlbs)
{
    struct toy *t = toy_create(model_tlbs);
    const uint8_t prog[] = { 0x06, 0, 0x0f, 0 };
    t->cpu.r[1] = 0x2040;
    t->cpu.r[6] = 1;                    /* mmu_idx 1: no translation */
    toy_run(t, prog, sizeof(prog));
    ck_assert_uint_eq(t->cpu.cycles, 3 + 56 + 56);
    ck_assert_uint_eq(t->cpu.tc->walks, 0);
    ck_assert_uint_eq(t->cpu.tc->itlb.access + t->cpu.tc->dtlb.access, 0);
    toy_destroy(t);
}
END_TEST

START_TEST(test_timing_same_run_same_cycles)
{
    uint64_t cycles[2];
    for (unsigned i = 0; i < 2; i++) {
        struct toy *t = toy_create(model_tlbs);
        const uint8_t prog[] = { 0x06, 0, 0x07, 0x40, 0x0a, 0, 0x07, 0x80, 0x06, 0, 0x0f, 0 };
        t->cpu.r[1] = 0x3040;
        toy_run(t, prog, sizeof(prog));
        cycles[i] = t->cpu.cycles;
        toy_destroy(t);
    }
    ck_assert_uint_eq(cycles[0], cycles[1]);
}
END_TEST

/* The statistics document of t's machine (malloc'd). */
static char *toy_stats(struct toy *t)
{
    FILE *f = tmpfile();
    ck_assert_int_eq(stats_write_stream(&t->m, f), 0);
    long n = ftell(f);
    char *s = calloc(1, (size_t)n + 1);
    rewind(f);
    ck_assert_int_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return s;
}

START_TEST(test_timing_stats_report_model_counters)
{
    struct toy *t = toy_create(model_tlbs);
    const uint8_t prog[] = { 0x06, 0, 0x07, 0x40, 0x06, 0, 0x07, 0x40, 0x06, 0, 0x07, 0x80, 0x06, 0, 0x0f, 0 };
    t->cpu.r[1] = 0x2040;
    toy_run(t, prog, sizeof(prog));
    char *s = toy_stats(t);
    const char *tot = strstr(s, "\"totals\"");
    ck_assert_ptr_nonnull(tot);
    ck_assert_ptr_nonnull(strstr(s, "\"timing_model\": \"toy-tlb\","));
    /* L1D: 4 loads + 8 PTE reads, misses: 2 PTE lines + 4 data loads. */
    const char *l1d = strstr(tot, "\"l1d\": {");
    ck_assert_ptr_nonnull(l1d);
    ck_assert_ptr_nonnull(strstr(l1d, "\"reads\": 12,\n"));
    ck_assert_ptr_nonnull(strstr(l1d, "\"read_misses\": 6,\n"));
    ck_assert_ptr_null(strstr(s, "\"l3\""));              /* the model has none */
    ck_assert_ptr_nonnull(strstr(tot, "\"walks\": 4\n"));
    ck_assert_ptr_nonnull(strstr(tot, "\"tlb\": 214,"));
    ck_assert_ptr_null(strstr(s, "\"branches\""));        /* no predictor in this model */
    free(s);
    toy_destroy(t);

    /* The fast model: none of these objects. */
    t = toy_create(NULL);
    const uint8_t stop[] = { 0x0f, 0 };
    toy_run(t, stop, sizeof(stop));
    s = toy_stats(t);
    ck_assert_ptr_nonnull(strstr(s, "\"timing_model\": \"fast\","));
    ck_assert_ptr_null(strstr(s, "\"caches\""));
    ck_assert_ptr_null(strstr(s, "\"stall_cycles\""));
    free(s);
    toy_destroy(t);
}
END_TEST

/* The hash of the timing section of t's vCPU. */
static uint64_t toy_timing_hash(struct toy *t)
{
    struct snap *s = snap_hasher();
    snap_begin(s, "timing0");
    ck_assert_int_eq(exec_timing_snap(&t->cpu, s), 0);
    snap_end(s);
    uint64_t h = snap_hash_value(s, 0);
    snap_free(s);
    return h;
}

START_TEST(test_timing_snapshot_restores_model_state)
{
    /* t1 runs the program twice; t2 starts from t1's state after the
     * first run, restored from a snapshot; t3 starts cold.
     *   ld; r1 += 4096; ld; r0 -= 2; if r0 != 0 goto next; stop */
    const uint8_t prog[] = { 0x06, 0, 0x07, 0x40, 0x06, 0, 0x01, 0xfe, 0x08, 0, 0x0f, 0 };
    struct emu_err err;
    char path[] = "/tmp/check_timing_snapXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);

    struct toy *t1 = toy_create(model_both), *t2 = toy_create(model_both), *t3 = toy_create(model_both);
    t1->cpu.r[1] = 0x2040;
    toy_run(t1, prog, sizeof(prog));
    struct snap *s = snap_create(path, SNAP_KIND_SNAPSHOT, 1, &err);
    ck_assert_ptr_nonnull(s);
    snap_begin(s, "timing0");
    ck_assert_int_eq(exec_timing_snap(&t1->cpu, s), 0);
    snap_end(s);
    ck_assert_int_eq(snap_close(s, &err), 0);
    s = snap_open(path, SNAP_KIND_SNAPSHOT, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    snap_begin(s, "timing0");
    ck_assert_int_eq(exec_timing_snap(&t2->cpu, s), 0);
    snap_end(s);
    ck_assert_msg(snap_close(s, &err) == 0, "%s", err.msg);
    unlink(path);
    ck_assert_uint_eq(toy_timing_hash(t1), toy_timing_hash(t2));

    uint64_t c1 = t1->cpu.cycles, c2 = t2->cpu.cycles, c3 = t3->cpu.cycles;
    t1->cpu.r[1] = t2->cpu.r[1] = t3->cpu.r[1] = 0x2040;
    toy_run(t1, prog, sizeof(prog));
    toy_run(t2, prog, sizeof(prog));
    toy_run(t3, prog, sizeof(prog));
    ck_assert_uint_eq(t2->cpu.cycles - c2, t1->cpu.cycles - c1);
    ck_assert_uint_gt(t3->cpu.cycles - c3, t1->cpu.cycles - c1);    /* cold caches cost more */
    ck_assert_uint_eq(toy_timing_hash(t1), toy_timing_hash(t2));
    ck_assert_uint_ne(toy_timing_hash(t1), toy_timing_hash(t3));
    toy_destroy(t1);
    toy_destroy(t2);
    toy_destroy(t3);
}
END_TEST

START_TEST(test_timing_snapshot_refuses_bad_counter)
{
    /* A predictor counter above 3 in a file is refused, not loaded. */
    struct toy *t = toy_create(model_both);
    struct emu_err err;
    char path[] = "/tmp/check_timing_snapXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    struct snap *s = snap_create(path, SNAP_KIND_SNAPSHOT, 1, &err);
    snap_begin(s, "timing0");
    ck_assert_int_eq(exec_timing_snap(&t->cpu, s), 0);
    snap_end(s);
    ck_assert_int_eq(snap_close(s, &err), 0);
    t->cpu.tc->bp.ctr[0] = 9;           /* what a damaged save would hold, saved again */
    s = snap_create(path, SNAP_KIND_SNAPSHOT, 1, &err);
    snap_begin(s, "timing0");
    ck_assert_int_eq(exec_timing_snap(&t->cpu, s), 0);
    snap_end(s);
    ck_assert_int_eq(snap_close(s, &err), 0);
    struct toy *u = toy_create(model_both);
    s = snap_open(path, SNAP_KIND_SNAPSHOT, &err);
    ck_assert_ptr_nonnull(s);
    snap_begin(s, "timing0");
    ck_assert_int_eq(exec_timing_snap(&u->cpu, s), -1);
    ck_assert_ptr_nonnull(strstr(snap_error(s), "branch counter 0 holds 9"));
    snap_free(s);
    unlink(path);
    toy_destroy(t);
    toy_destroy(u);
}
END_TEST

START_TEST(test_timing_model_sets_core_clock)
{
    struct toy *t = toy_create(NULL);
    struct emu_err err;
    ck_assert_int_eq(exec_select_timing(&t->m, "u74", &err), 0);
    ck_assert_uint_eq(t->m.cfg.core_hz, 1200000000ull);
    ck_assert_str_eq(t->m.timing->name, "u74");
    ck_assert_int_eq(exec_select_timing(&t->m, "no-such-model", &err), -1);
    ck_assert_str_eq(t->m.timing->name, "u74");        /* a failed selection changes nothing */
    toy_destroy(t);
}
END_TEST

static Suite *timing_exec_suite(void)
{
    Suite *s = suite_create("timing_exec");
    TCase *tc = tcase_create("engine");
    tcase_add_test(tc, test_timing_fast_model_one_cycle_per_insn);
    tcase_add_test(tc, test_timing_load_miss_pays_hierarchy_latency);
    tcase_add_test(tc, test_timing_l1_conflict_then_l2_hit);
    tcase_add_test(tc, test_timing_store_miss_allocates_without_stall);
    tcase_add_test(tc, test_timing_device_load_bypasses_caches);
    tcase_add_test(tc, test_timing_branch_and_indirect_mispredicts);
    tcase_add_test(tc, test_timing_tlb_walks_and_second_level_hit);
    tcase_add_test(tc, test_timing_flush_forgets_translations);
    tcase_add_test(tc, test_timing_context_switch_keeps_both_contexts);
    tcase_add_test(tc, test_timing_untranslated_regime_skips_tlbs);
    tcase_add_test(tc, test_timing_same_run_same_cycles);
    tcase_add_test(tc, test_timing_stats_report_model_counters);
    tcase_add_test(tc, test_timing_snapshot_restores_model_state);
    tcase_add_test(tc, test_timing_snapshot_refuses_bad_counter);
    tcase_add_test(tc, test_timing_model_sets_core_clock);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(timing_exec_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
