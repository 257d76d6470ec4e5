/*
 * Unit tests for cpu-riscv/csr: the access rules of RISC-V priv 1.12 §2.1
 * (privilege, read-only), WARL legalisation (§3.1.6-7, §4.1.11), the
 * sstatus/sie/sip views, counters and their enables (§3.1.10-13), the
 * hardware performance counters reading a timing model's events (exactly
 * its own totals, through snapshots too), fcsr and
 * FS, PMP locking (§3.7.1) and the Sstc stimecmp timer; the -cpu model
 * parser, misa and the riscv,isa string built from it.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/machine.h"
#include "core/memmap.h"
#include "core/snapshot.h"
#include "cpu-riscv/hart.h"
#include "cpu-riscv/rv.h"
#include "rv_test_machine.h"
#include "timing/core.h"

#define RAM_BASE 0x80000000ull
#define TIME_RATIO 10u

static struct machine *mach;
static struct rv_cpu *rv;

/* The M/S CSRs without the hypervisor extension (check_rv_hcsr.c has
 * what H changes). */
static void setup(void)
{
    mach = rv_test_machine_model(RAM_BASE, 1u << 20, TIME_RATIO, "rv64,h=off");
    rv = rv_of(mach->cpus[0]);
}

static void teardown(void)
{
    rv_test_machine_free(mach);
}

static uint64_t rd(unsigned csr)
{
    uint64_t v = 0xdeadbeef;
    ck_assert_msg(rv_csr_read(rv, csr, &v) == 0, "read of csr %#x failed", csr);
    return v;
}

static void wr(unsigned csr, uint64_t v)
{
    ck_assert_msg(rv_csr_write(rv, csr, v) == 0, "write of csr %#x failed", csr);
}

static bool readable(unsigned csr)
{
    uint64_t v;
    return rv_csr_read(rv, csr, &v) == 0;
}

/* ---- §2.1 access rules ---- */

START_TEST(test_csr_mstatus_from_s_illegal)
{
    rv->priv = RV_PRIV_S;
    ck_assert(!readable(0x300));
    ck_assert_int_eq(rv_csr_write(rv, 0x300, 0), -1);
    ck_assert(readable(0x100));     /* sstatus is fine */
}
END_TEST

START_TEST(test_csr_sstatus_from_u_illegal)
{
    rv->priv = RV_PRIV_U;
    ck_assert(!readable(0x100));
    ck_assert(!readable(0x180));
}
END_TEST

START_TEST(test_csr_readonly_write_illegal)
{
    ck_assert_uint_eq(rd(0xf14), 0);            /* mhartid */
    ck_assert_int_eq(rv_csr_write(rv, 0xf14, 5), -1);
    ck_assert_int_eq(rv_csr_write(rv, 0xc00, 5), -1);   /* cycle */
}
END_TEST

START_TEST(test_csr_unimplemented_illegal)
{
    ck_assert(!readable(0x7c0));    /* custom */
    ck_assert(!readable(0x3a1));    /* pmpcfg1 does not exist on RV64 */
    ck_assert(!readable(0x310));    /* mstatush is RV32 only */
    ck_assert(!readable(0x600));    /* hstatus: no H */
    ck_assert(readable(0x7a0));     /* tselect probes succeed */
}
END_TEST

/* ---- WARL ---- */

START_TEST(test_csr_mtvec_reserved_mode_keeps_old_mode)
{
    wr(0x305, 0x80000101);
    ck_assert_uint_eq(rd(0x305), 0x80000101);
    wr(0x305, 0x80000203);
    ck_assert_uint_eq(rd(0x305), 0x80000201);
}
END_TEST

START_TEST(test_csr_satp_unsupported_mode_ignored)
{
    uint64_t sv48 = (9ull << 60) | 0x80123;
    wr(0x180, sv48);
    ck_assert_uint_eq(rd(0x180), sv48);
    wr(0x180, (1ull << 60) | 0x5);      /* Sv32: not on RV64 */
    ck_assert_uint_eq(rd(0x180), sv48);
    wr(0x180, (11ull << 60) | 0x5);     /* Sv64: reserved */
    ck_assert_uint_eq(rd(0x180), sv48);
}
END_TEST

START_TEST(test_csr_satp_tvm_from_s_illegal)
{
    wr(0x300, RV_MSTATUS_TVM);
    rv->priv = RV_PRIV_S;
    ck_assert(!readable(0x180));
}
END_TEST

START_TEST(test_csr_mstatus_mpp_2_keeps_old)
{
    wr(0x300, 1ull << 11);
    wr(0x300, 2ull << 11);
    ck_assert_uint_eq((rd(0x300) & RV_MSTATUS_MPP) >> 11, 1);
}
END_TEST

START_TEST(test_csr_mstatus_fixed_fields_64bit)
{
    wr(0x300, ~0ull);
    uint64_t s = rd(0x300);
    ck_assert_uint_eq((s & RV_MSTATUS_UXL) >> 32, 2);
    ck_assert_uint_eq((s & RV_MSTATUS_SXL) >> 34, 2);
    ck_assert_uint_eq(s & (RV_MSTATUS_XS | RV_MSTATUS_UBE), 0);
    ck_assert(s & RV_MSTATUS_SD);       /* FS = Dirty */
}
END_TEST

START_TEST(test_csr_medeleg_ecall_m_reads_zero)
{
    wr(0x302, ~0ull);
    ck_assert_uint_eq(rd(0x302), 0xb3ff);
}
END_TEST

START_TEST(test_csr_mideleg_s_bits_only)
{
    wr(0x303, ~0ull);
    ck_assert_uint_eq(rd(0x303), 0x222);
}
END_TEST

START_TEST(test_csr_misa_reports_rv64imafdcsu)
{
    uint64_t misa = rd(0x301);
    ck_assert_uint_eq(misa >> 62, 2);
    const char *letters = "IMAFDCSU";
    for (const char *p = letters; *p; p++)
        ck_assert_msg(misa & (1ull << (*p - 'A')), "misa lacks %c", *p);
    ck_assert(!(misa & (1ull << ('H' - 'A'))));
}
END_TEST

/* ---- views ---- */

START_TEST(test_csr_sstatus_view_hides_m_fields)
{
    wr(0x300, RV_MSTATUS_MIE | RV_MSTATUS_SIE | (3ull << 11) | RV_MSTATUS_TSR);
    uint64_t s = rd(0x100);
    ck_assert(s & RV_MSTATUS_SIE);
    ck_assert_uint_eq(s & (RV_MSTATUS_MIE | RV_MSTATUS_MPP | RV_MSTATUS_TSR), 0);
    ck_assert_uint_eq((s & RV_MSTATUS_UXL) >> 32, 2);
    wr(0x100, 0);           /* clears SIE only */
    uint64_t m = rd(0x300);
    ck_assert(!(m & RV_MSTATUS_SIE));
    ck_assert(m & RV_MSTATUS_MIE);
    ck_assert(m & RV_MSTATUS_TSR);
}
END_TEST

START_TEST(test_csr_sie_sip_masked_by_mideleg)
{
    wr(0x304, 0xaaa);
    ck_assert_uint_eq(rd(0x104), 0);
    wr(0x303, 0x222);
    ck_assert_uint_eq(rd(0x104), 0x222);
    wr(0x104, 0);
    ck_assert_uint_eq(rd(0x304), 0x888);
    wr(0x144, ~0ull);       /* only SSIP is writable through sip */
    ck_assert_uint_eq(rd(0x344), 0x2);
}
END_TEST

START_TEST(test_csr_mip_seip_is_or_of_line_and_soft)
{
    rv_set_irq_line(&rv->cpu, RV_IRQ_SEI, true);
    ck_assert_uint_eq(rd(0x344), 0x200);
    wr(0x344, 0x200);
    rv_set_irq_line(&rv->cpu, RV_IRQ_SEI, false);
    ck_assert_uint_eq(rd(0x344), 0x200);
    wr(0x344, 0);
    ck_assert_uint_eq(rd(0x344), 0);
    wr(0x344, 0x888);       /* MEIP, MTIP, MSIP are read-only */
    ck_assert_uint_eq(rd(0x344), 0);
}
END_TEST

/* ---- counters ---- */

START_TEST(test_csr_time_is_cycles_over_ratio)
{
    rv->cpu.cycles = 12345;
    ck_assert_uint_eq(rd(0xc01), 1234);
    ck_assert_uint_eq(rd(0xc00), 12345);
    ck_assert_uint_eq(rv_mtime(rv), 1234);
}
END_TEST

START_TEST(test_csr_counter_enables_gate_s_and_u)
{
    rv->priv = RV_PRIV_S;
    ck_assert(!readable(0xc01));
    rv->priv = RV_PRIV_M;
    wr(0x306, 0x2);         /* mcounteren.TM */
    rv->priv = RV_PRIV_S;
    ck_assert(readable(0xc01));
    ck_assert(!readable(0xc00));
    wr(0x106, 0x2);
    rv->priv = RV_PRIV_U;
    ck_assert(readable(0xc01));
    rv->priv = RV_PRIV_S;
    wr(0x106, 0);
    rv->priv = RV_PRIV_U;
    ck_assert(!readable(0xc01));
}
END_TEST

START_TEST(test_csr_mcycle_write_sets_offset)
{
    rv->cpu.cycles = 500;
    wr(0xb00, 1000);
    rv->cpu.cycles = 550;
    ck_assert_uint_eq(rd(0xb00), 1050);
    ck_assert_uint_eq(rd(0xc00), 1050);
}
END_TEST

START_TEST(test_csr_mcountinhibit_freezes_mcycle)
{
    rv->cpu.cycles = 100;
    wr(0x320, 1);
    rv->cpu.cycles = 400;
    ck_assert_uint_eq(rd(0xb00), 100);
    wr(0x320, 0);
    rv->cpu.cycles = 450;
    ck_assert_uint_eq(rd(0xb00), 150);
}
END_TEST

/* ---- hardware performance monitor (§3.1.10-13, hpm.c) ---- */

START_TEST(test_csr_hpm_counter_without_event_holds_written_value)
{
    wr(0xb03, 77);                  /* mhpmcounter3, mhpmevent3 = 0: no event */
    rv->cpu.cycles += 1000;
    rv->cpu.insns += 1000;
    ck_assert_uint_eq(rd(0xb03), 77);
    ck_assert_uint_eq(rd(0xc03), 77);   /* hpmcounter3 shadows it */
    wr(0xb1f, UINT64_MAX);          /* all 64 bits are implemented */
    ck_assert_uint_eq(rd(0xb1f), UINT64_MAX);
    ck_assert_uint_eq(rd(0x323), 0);
}
END_TEST

START_TEST(test_csr_hpm_cycles_and_instructions_events_count)
{
    wr(0x323, 1);                   /* SBI event 1: cycles */
    wr(0x324, 2);                   /* SBI event 2: instructions */
    ck_assert_uint_eq(rd(0x323), 1);
    ck_assert_uint_eq(rd(0x324), 2);
    wr(0xb03, 10);
    wr(0xb04, 20);
    rv->cpu.cycles += 300;
    rv->cpu.insns += 120;
    ck_assert_uint_eq(rd(0xb03), 310);
    ck_assert_uint_eq(rd(0xb04), 140);
}
END_TEST

START_TEST(test_csr_hpm_event_change_keeps_value)
{
    wr(0x323, 1);
    wr(0xb03, 5);
    rv->cpu.cycles += 100;
    wr(0x323, 2);                   /* now instructions, from 105 on */
    rv->cpu.cycles += 100;
    rv->cpu.insns += 7;
    ck_assert_uint_eq(rd(0xb03), 112);
    wr(0x323, 0);                   /* no event: stays */
    rv->cpu.insns += 7;
    ck_assert_uint_eq(rd(0xb03), 112);
}
END_TEST

START_TEST(test_csr_hpm_event_not_in_model_reads_zero)
{
    /* The default model (fast) has no caches, TLBs or predictor: their
     * events are not implemented, and the WARL field drops them. */
    wr(0x323, 0x10001);             /* L1D read misses */
    ck_assert_uint_eq(rd(0x323), 0);
    wr(0x323, 6);                   /* branch misses */
    ck_assert_uint_eq(rd(0x323), 0);
    wr(0x323, 0xfffff);             /* no such event */
    ck_assert_uint_eq(rd(0x323), 0);
    wr(0x323, (1ull << 20) | 1);    /* above the 20-bit event_idx */
    ck_assert_uint_eq(rd(0x323), 0);
    /* Bits 63:56 (Sscofpmf's OF and inhibit bits) are ignored, the event kept. */
    wr(0x323, (0xfcull << 56) | 2);
    ck_assert_uint_eq(rd(0x323), 2);
}
END_TEST

START_TEST(test_csr_hpm_mcountinhibit_freezes_and_resumes)
{
    wr(0x324, 1);
    wr(0xb04, 0);
    rv->cpu.cycles += 50;
    wr(0x320, 1u << 4);             /* inhibit counter 4 only */
    ck_assert_uint_eq(rd(0x320), 1u << 4);
    rv->cpu.cycles += 1000;
    ck_assert_uint_eq(rd(0xb04), 50);
    wr(0xb04, 60);                  /* written while frozen: holds it */
    rv->cpu.cycles += 1000;
    ck_assert_uint_eq(rd(0xb04), 60);
    wr(0x320, 0);
    rv->cpu.cycles += 4;
    ck_assert_uint_eq(rd(0xb04), 64);
    /* TM (bit 1) is not a counter: it reads zero. */
    wr(0x320, 0xffffffff);
    ck_assert_uint_eq(rd(0x320), 0xfffffffd);
}
END_TEST

START_TEST(test_csr_hpm_counter_enables_gate_s)
{
    wr(0x323, 1);
    wr(0x320, 1u << 3);
    wr(0xb03, 4242);
    rv->priv = RV_PRIV_S;
    ck_assert(!readable(0xc03));    /* hpmcounter3 without mcounteren.HPM3 */
    rv->priv = RV_PRIV_M;
    wr(0x306, 1u << 3);
    rv->priv = RV_PRIV_S;
    ck_assert_uint_eq(rd(0xc03), 4242);
    ck_assert(!readable(0xc04));
    ck_assert(!readable(0xb03));    /* the M-level counter stays M's */
    rv->priv = RV_PRIV_U;
    ck_assert(!readable(0xc03));    /* U also needs scounteren */
}
END_TEST

START_TEST(test_csr_hpm_zihpm_off_counters_read_only_zero)
{
    struct machine *m = rv_test_machine_model(RAM_BASE, 1u << 20, TIME_RATIO, "rv64,zihpm=off");
    struct rv_cpu *r = rv_of(m->cpus[0]);
    uint64_t v = 1;
    ck_assert_int_eq(rv_csr_write(r, 0x323, 1), 0);
    ck_assert_int_eq(rv_csr_write(r, 0xb03, 77), 0);
    r->cpu.cycles += 10;
    ck_assert_int_eq(rv_csr_read(r, 0x323, &v), 0);
    ck_assert_uint_eq(v, 0);
    ck_assert_int_eq(rv_csr_read(r, 0xb03, &v), 0);
    ck_assert_uint_eq(v, 0);
    ck_assert_int_eq(rv_csr_write(r, 0x320, 0xffffffff), 0);
    ck_assert_int_eq(rv_csr_read(r, 0x320, &v), 0);
    ck_assert_uint_eq(v, 5);        /* CY and IR only */
    ck_assert_int_ne(rv_csr_read(r, 0xc03, &v), 0);
    rv_test_machine_free(m);
}
END_TEST

/*
 * Under a detailed model the counters read the model's own totals. The
 * program (M-mode, so no TLB) selects events, then loads from 64
 * consecutive 64-byte lines, all cold, and spins:
 *   0x00  000102b7  lui   t0, 0x10
 *   0x04  32329073  csrw  mhpmevent3, t0     L1D read accesses (0x10000)
 *   0x08  00128313  addi  t1, t0, 1
 *   0x0c  32431073  csrw  mhpmevent4, t1     L1D read misses (0x10001)
 *   0x10  00600393  li    t2, 6
 *   0x14  32539073  csrw  mhpmevent5, t2     branch mispredictions
 *   0x18  00200393  li    t2, 2
 *   0x1c  32639073  csrw  mhpmevent6, t2     instructions
 *   0x20  00010517  auipc a0, 0x10           a0 = RAM_BASE + 0x10020
 *   0x24  04000593  li    a1, 64
 *   0x28  00053603  ld    a2, 0(a0)
 *   0x2c  04050513  addi  a0, a0, 64
 *   0x30  fff58593  addi  a1, a1, -1
 *   0x34  fe059ae3  bnez  a1, 0x28
 *   0x38  0000006f  j     0x38
 */
static const uint32_t hpm_prog[] = {
    0x000102b7, 0x32329073, 0x00128313, 0x32431073, 0x00600393, 0x32539073, 0x00200393, 0x32639073,
    0x00010517, 0x04000593, 0x00053603, 0x04050513, 0xfff58593, 0xfe059ae3, 0x0000006f,
};
#define HPM_PROG_INSNS 600u     /* 10 + 64 * 4 = 266 to the spin, then the spin */

/* A one-hart machine under timing model `timing` with hpm_prog at
 * RAM_BASE, stopped after HPM_PROG_INSNS instructions (not yet run). */
static struct machine *hpm_machine(const char *timing)
{
    struct machine_config cfg = {
        .board = "test", .ram_size = 1u << 20, .ncpus = 1, .timing = timing, .max_insns = HPM_PROG_INSNS,
    };
    struct emu_err err;
    struct rv_ext ext;
    struct machine *m = calloc(1, sizeof(*m));
    ck_assert_ptr_nonnull(m);
    ck_assert_msg(machine_init(m, &cfg, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(memmap_add_ram(&m->map, RAM_BASE, cfg.ram_size, "ram", &err), 0);
    ck_assert_int_eq(rv_parse_cpu_model("rv64", &ext, &err), 0);
    m->cpus[0] = rv_cpu_create(m, 0, &ext, TIME_RATIO);
    ck_assert_ptr_nonnull(m->cpus[0]);
    m->ncpus = 1;
    memcpy(memmap_host_ptr(&m->map, RAM_BASE, sizeof(hpm_prog)), hpm_prog, sizeof(hpm_prog));
    m->cpus[0]->r[RV_SLOT_PC] = RAM_BASE;
    return m;
}

static uint64_t hpm_get(struct machine *m, unsigned csr)
{
    uint64_t v = 0;
    ck_assert_int_eq(rv_csr_get(rv_of(m->cpus[0]), csr, &v), 0);
    return v;
}

START_TEST(test_csr_hpm_counts_equal_model_totals)
{
    struct machine *m = hpm_machine("u74");
    ck_assert_int_eq(machine_run(m), MACHINE_STOP_MAX_INSNS);
    struct timing_counts t;
    memset(&t, 0, sizeof(t));
    timing_counts_add(&t, m->cpus[0]->tc);
    ck_assert_uint_eq(hpm_get(m, 0x323), 0x10000);
    ck_assert_uint_eq(hpm_get(m, 0x324), 0x10001);
    ck_assert_uint_eq(hpm_get(m, 0x325), 6);
    /* The program loads 64 cold lines and nothing else. */
    ck_assert_uint_eq(hpm_get(m, 0xb03), 64);
    ck_assert_uint_eq(hpm_get(m, 0xb04), 64);
    ck_assert_uint_eq(hpm_get(m, 0xb03), t.cache_access[TIMING_L1D][0]);
    ck_assert_uint_eq(hpm_get(m, 0xb04), t.cache_miss[TIMING_L1D][0]);
    /* Every misprediction of the run happened after the csrw: the model's
     * total, which --stats prints. */
    ck_assert_uint_gt(t.branch_misses, 0);
    ck_assert_uint_eq(hpm_get(m, 0xb05), t.branch_misses + t.indirect_misses);
    /* The engine counts a block's instructions when it enters it: the
     * block that ends with the csrw of mhpmevent6 had brought the count to
     * 8, and counting starts from there. */
    ck_assert_uint_eq(hpm_get(m, 0xb02), HPM_PROG_INSNS);
    ck_assert_uint_eq(hpm_get(m, 0xb06), HPM_PROG_INSNS - 8);
    rv_test_machine_free(m);
}
END_TEST

START_TEST(test_csr_hpm_model_events_accepted)
{
    struct machine *m = hpm_machine("u74");
    struct rv_cpu *r = rv_of(m->cpus[0]);
    /* u74 has L1s, an L2, TLBs and gshare: these are its events ... */
    static const uint64_t have[] = { 1, 2, 3, 4, 5, 6, 0x10000, 0x10003, 0x10008, 0x10009, 0x10010, 0x10013,
                                     0x10018, 0x10019, 0x10020, 0x10021, 0x10028, 0x10029 };
    /* ... and these it does not model: L1I writes, prefetches, BPU writes,
     * a cache id past BPU, SBI firmware and raw event types. */
    static const uint64_t lack[] = { 7, 0x1000a, 0x10004, 0x1002a, 0x10030, 0x20000, 0xf0000 };
    uint64_t v;
    for (size_t i = 0; i < sizeof(have) / sizeof(have[0]); i++) {
        ck_assert_int_eq(rv_csr_write(r, 0x330, have[i]), 0);
        ck_assert_int_eq(rv_csr_read(r, 0x330, &v), 0);
        ck_assert_msg(v == have[i], "event %#llx dropped", (unsigned long long)have[i]);
    }
    for (size_t i = 0; i < sizeof(lack) / sizeof(lack[0]); i++) {
        ck_assert_int_eq(rv_csr_write(r, 0x330, lack[i]), 0);
        ck_assert_int_eq(rv_csr_read(r, 0x330, &v), 0);
        ck_assert_msg(v == 0, "event %#llx kept", (unsigned long long)lack[i]);
    }
    rv_test_machine_free(m);
}
END_TEST

START_TEST(test_csr_hpm_counters_survive_snapshot)
{
    char path[64];
    struct emu_err err;
    snprintf(path, sizeof(path), "/tmp/check_rv_csr.%d.snap", (int)getpid());
    struct machine *a = hpm_machine("u74");
    ck_assert_int_eq(machine_run(a), MACHINE_STOP_MAX_INSNS);
    /* One counter frozen at a written value, one counting. */
    ck_assert_int_eq(rv_csr_set(rv_of(a->cpus[0]), 0x320, 1u << 5), 0);
    ck_assert_int_eq(rv_csr_set(rv_of(a->cpus[0]), 0xb05, 123456), 0);
    a->stop = MACHINE_RUNNING;      /* a snapshot is of a machine that can go on */
    ck_assert_int_eq(snapshot_save(a, path, &err), 0);

    struct machine *b = hpm_machine("u74");
    int rc = snapshot_restore(b, path, &err);
    remove(path);
    ck_assert_msg(rc == 0, "%s", err.msg);
    static const unsigned csrs[] = { 0xb00, 0xb02, 0xb03, 0xb04, 0xb05, 0xb06, 0x320, 0x323, 0x324, 0x325, 0x326 };
    for (size_t i = 0; i < sizeof(csrs) / sizeof(csrs[0]); i++)
        ck_assert_msg(hpm_get(a, csrs[i]) == hpm_get(b, csrs[i]), "csr %#x differs after restore", csrs[i]);
    ck_assert_uint_eq(hpm_get(b, 0xb05), 123456);
    rv_test_machine_free(a);
    rv_test_machine_free(b);
}
END_TEST

/* ---- floating point ---- */

START_TEST(test_csr_fcsr_fs_off_illegal)
{
    ck_assert(!readable(0x003));
    ck_assert_int_eq(rv_csr_write(rv, 0x001, 1), -1);
}
END_TEST

START_TEST(test_csr_fcsr_write_sets_fs_dirty)
{
    wr(0x300, 1ull << 13);      /* FS = Initial */
    wr(0x003, 0xff);
    ck_assert_uint_eq(rd(0x001), 0x1f);
    ck_assert_uint_eq(rd(0x002), 7);
    uint64_t s = rd(0x300);
    ck_assert_uint_eq(s & RV_MSTATUS_FS, RV_MSTATUS_FS);
    ck_assert(s & RV_MSTATUS_SD);
}
END_TEST

/* ---- Zicsr helpers ---- */

START_TEST(test_csr_csrrs_x0_on_readonly_reads)
{
    /* csrr a0, mhartid = csrrs a0, mhartid, x0 (0xf1402573) */
    uint64_t v = rv_helper_csrrs(&rv->cpu, 0, 0, 0, RV_CSR_IMM(0xf14, true, false));
    ck_assert(!rv->cpu.fault.pending);
    ck_assert_uint_eq(v, 0);
}
END_TEST

START_TEST(test_csr_csrrs_write_to_readonly_raises_with_insn)
{
    /* csrrs a0, mhartid, a1 (0xf145a573) */
    int64_t imm = RV_CSR_IMM(0xf14, true, true) | (int64_t)(0xf145a573ull << 32);
    rv_helper_csrrs(&rv->cpu, 1, 0, 0, imm);
    ck_assert(rv->cpu.fault.pending);
    ck_assert_uint_eq(rv->cpu.fault.code, RV_EXC_ILLEGAL_INSN);
    ck_assert_uint_eq(rv->cpu.fault.tval, 0xf145a573u);
}
END_TEST

START_TEST(test_csr_csrrw_returns_old_value)
{
    wr(0x340, 11);
    uint64_t old = rv_helper_csrrw(&rv->cpu, 22, 0, 0, RV_CSR_IMM(0x340, true, true));
    ck_assert_uint_eq(old, 11);
    ck_assert_uint_eq(rd(0x340), 22);
    rv_helper_csrrc(&rv->cpu, 6, 0, 0, RV_CSR_IMM(0x340, false, true));
    ck_assert_uint_eq(rd(0x340), 16);
}
END_TEST

/* ---- PMP ---- */

START_TEST(test_csr_pmp_locked_entry_ignores_writes)
{
    wr(0x3b0, 0x1234);
    wr(0x3a0, 0x80 | 0x18 | 0x1);       /* entry 0: L, NAPOT, R */
    wr(0x3a0, 0x1f);
    wr(0x3b0, 0x5678);
    ck_assert_uint_eq(rd(0x3a0) & 0xff, 0x99);
    ck_assert_uint_eq(rd(0x3b0), 0x1234);
}
END_TEST

START_TEST(test_csr_pmp_w_without_r_cleared)
{
    wr(0x3a0, 0x0a02);      /* entry 0: W only; entry 1: TOR, W only */
    ck_assert_uint_eq(rd(0x3a0), 0x0800);
}
END_TEST

START_TEST(test_csr_pmpaddr_is_54_bits)
{
    wr(0x3b5, ~0ull);
    ck_assert_uint_eq(rd(0x3b5), (1ull << 54) - 1);
    ck_assert_uint_eq(rd(0x3c0), 0);    /* pmpaddr16: not implemented, reads zero */
}
END_TEST

/* ---- Sstc ---- */

START_TEST(test_csr_stimecmp_needs_stce_in_s)
{
    rv->priv = RV_PRIV_S;
    ck_assert(!readable(0x14d));
    rv->priv = RV_PRIV_M;
    ck_assert(readable(0x14d));
    wr(0x30a, 1ull << 63);
    wr(0x306, 2);
    rv->priv = RV_PRIV_S;
    ck_assert(readable(0x14d));
}
END_TEST

START_TEST(test_csr_stimecmp_drives_stip)
{
    wr(0x30a, 1ull << 63);          /* menvcfg.STCE */
    rv->cpu.cycles = 1000;          /* mtime 100 */
    wr(0x14d, 150);
    ck_assert_uint_eq(rd(0x344) & 0x20, 0);
    ck_assert_uint_eq(evq_next_time(&mach->evq), 1500);
    wr(0x344, 0x20);                /* STIP is read-only under Sstc */
    ck_assert_uint_eq(rd(0x344) & 0x20, 0);
    wr(0x304, 0x20);                /* STIE */
    rv->priv = RV_PRIV_U;           /* an M-level STI is enabled below M */
    rv->cpu.cycles = 1500;
    rv->cpu.irq_check = false;
    ck_assert_uint_eq(evq_run_due(&mach->evq, 1500), 1);
    rv->priv = RV_PRIV_M;
    ck_assert_uint_eq(rd(0x344) & 0x20, 0x20);
    ck_assert(rv->cpu.irq_check);
}
END_TEST

START_TEST(test_csr_stimecmp_rewrite_cancels_event)
{
    wr(0x30a, 1ull << 63);
    wr(0x14d, 500);
    wr(0x14d, 900);
    ck_assert_uint_eq(evq_next_time(&mach->evq), 9000);
    wr(0x14d, UINT64_MAX);
    ck_assert_uint_eq(evq_next_time(&mach->evq), UINT64_MAX);
}
END_TEST

/* ---- -cpu model and riscv,isa (cpu.c) ---- */

START_TEST(test_cpu_model_default_isa_string_canonical)
{
    struct rv_ext ext;
    struct emu_err err;
    char isa[256];
    ck_assert_int_eq(rv_parse_cpu_model("rv64", &ext, &err), 0);
    rv_isa_string(&ext, isa, sizeof(isa));
    ck_assert_str_eq(isa, "rv64imafdch_zicbom_zicboz_zicntr_zicsr_zifencei_zihpm_zba_zbb_zbc_zbs_sstc_svpbmt");
}
END_TEST

START_TEST(test_cpu_model_h_off_drops_h)
{
    struct rv_ext ext;
    struct emu_err err;
    char isa[256];
    ck_assert_int_eq(rv_parse_cpu_model("rv64,h=off", &ext, &err), 0);
    ck_assert(!ext.h);
    rv_isa_string(&ext, isa, sizeof(isa));
    ck_assert_str_eq(isa, "rv64imafdc_zicbom_zicboz_zicntr_zicsr_zifencei_zihpm_zba_zbb_zbc_zbs_sstc_svpbmt");
}
END_TEST

START_TEST(test_cpu_model_ext_off_dropped_from_isa)
{
    struct rv_ext ext;
    struct emu_err err;
    char isa[256];
    ck_assert_int_eq(rv_parse_cpu_model("rv64,c=off,zbc=off,svpbmt=off,d=off,h=off", &ext, &err), 0);
    rv_isa_string(&ext, isa, sizeof(isa));
    ck_assert_str_eq(isa, "rv64imaf_zicbom_zicboz_zicntr_zicsr_zifencei_zihpm_zba_zbb_zbs_sstc");
}
END_TEST

START_TEST(test_cpu_model_bad_input_names_it)
{
    struct rv_ext ext;
    struct emu_err err;
    ck_assert_int_eq(rv_parse_cpu_model("rv64,zfoo=on", &ext, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "zfoo"));
    ck_assert_int_eq(rv_parse_cpu_model("rv64,m=maybe", &ext, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "maybe"));
    ck_assert_int_eq(rv_parse_cpu_model("rv32", &ext, &err), -1);
    ck_assert_int_eq(rv_parse_cpu_model("rv64,m", &ext, &err), -1);
    ck_assert_int_eq(rv_parse_cpu_model("rv64,f=off", &ext, &err), -1);   /* d needs f */
    ck_assert_ptr_nonnull(strstr(err.msg, "requires f"));
}
END_TEST

START_TEST(test_cpu_model_misa_follows_extensions)
{
    struct rv_ext ext;
    struct emu_err err;
    ck_assert_int_eq(rv_parse_cpu_model("rv64,c=off,d=off,f=off", &ext, &err), 0);
    struct cpu *c = rv_cpu_create(mach, 1, &ext, 1);
    ck_assert_ptr_nonnull(c);
    uint64_t misa = rv_of(c)->misa;
    ck_assert(!(misa & (1u << ('C' - 'A'))));
    ck_assert(!(misa & (1u << ('F' - 'A'))));
    ck_assert(misa & (1u << ('M' - 'A')));
    ck_assert_uint_eq(rv_of(c)->hartid, 1);
    /* FS cannot be switched on without F. */
    ck_assert_int_eq(rv_csr_write(rv_of(c), 0x300, RV_MSTATUS_FS), 0);
    ck_assert_uint_eq(rv_of(c)->mstatus & RV_MSTATUS_FS, 0);
    c->ops->destroy(c);
}
END_TEST

static Suite *rv_csr_suite(void)
{
    Suite *s = suite_create("rv_csr");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_csr_mstatus_from_s_illegal);
    tcase_add_test(tc, test_csr_sstatus_from_u_illegal);
    tcase_add_test(tc, test_csr_readonly_write_illegal);
    tcase_add_test(tc, test_csr_unimplemented_illegal);
    tcase_add_test(tc, test_csr_mtvec_reserved_mode_keeps_old_mode);
    tcase_add_test(tc, test_csr_satp_unsupported_mode_ignored);
    tcase_add_test(tc, test_csr_satp_tvm_from_s_illegal);
    tcase_add_test(tc, test_csr_mstatus_mpp_2_keeps_old);
    tcase_add_test(tc, test_csr_mstatus_fixed_fields_64bit);
    tcase_add_test(tc, test_csr_medeleg_ecall_m_reads_zero);
    tcase_add_test(tc, test_csr_mideleg_s_bits_only);
    tcase_add_test(tc, test_csr_misa_reports_rv64imafdcsu);
    tcase_add_test(tc, test_csr_sstatus_view_hides_m_fields);
    tcase_add_test(tc, test_csr_sie_sip_masked_by_mideleg);
    tcase_add_test(tc, test_csr_mip_seip_is_or_of_line_and_soft);
    tcase_add_test(tc, test_csr_time_is_cycles_over_ratio);
    tcase_add_test(tc, test_csr_counter_enables_gate_s_and_u);
    tcase_add_test(tc, test_csr_mcycle_write_sets_offset);
    tcase_add_test(tc, test_csr_mcountinhibit_freezes_mcycle);
    tcase_add_test(tc, test_csr_hpm_counter_without_event_holds_written_value);
    tcase_add_test(tc, test_csr_hpm_cycles_and_instructions_events_count);
    tcase_add_test(tc, test_csr_hpm_event_change_keeps_value);
    tcase_add_test(tc, test_csr_hpm_event_not_in_model_reads_zero);
    tcase_add_test(tc, test_csr_hpm_mcountinhibit_freezes_and_resumes);
    tcase_add_test(tc, test_csr_hpm_counter_enables_gate_s);
    tcase_add_test(tc, test_csr_hpm_zihpm_off_counters_read_only_zero);
    tcase_add_test(tc, test_csr_fcsr_fs_off_illegal);
    tcase_add_test(tc, test_csr_fcsr_write_sets_fs_dirty);
    tcase_add_test(tc, test_csr_csrrs_x0_on_readonly_reads);
    tcase_add_test(tc, test_csr_csrrs_write_to_readonly_raises_with_insn);
    tcase_add_test(tc, test_csr_csrrw_returns_old_value);
    tcase_add_test(tc, test_csr_pmp_locked_entry_ignores_writes);
    tcase_add_test(tc, test_csr_pmp_w_without_r_cleared);
    tcase_add_test(tc, test_csr_pmpaddr_is_54_bits);
    tcase_add_test(tc, test_csr_stimecmp_needs_stce_in_s);
    tcase_add_test(tc, test_csr_stimecmp_drives_stip);
    tcase_add_test(tc, test_csr_stimecmp_rewrite_cancels_event);
    suite_add_tcase(s, tc);
    TCase *hpm = tcase_create("hpm_model");
    tcase_add_test(hpm, test_csr_hpm_counts_equal_model_totals);
    tcase_add_test(hpm, test_csr_hpm_model_events_accepted);
    tcase_add_test(hpm, test_csr_hpm_counters_survive_snapshot);
    suite_add_tcase(s, hpm);
    TCase *model = tcase_create("cpu_model");
    tcase_add_checked_fixture(model, setup, teardown);
    tcase_add_test(model, test_cpu_model_default_isa_string_canonical);
    tcase_add_test(model, test_cpu_model_h_off_drops_h);
    tcase_add_test(model, test_cpu_model_ext_off_dropped_from_isa);
    tcase_add_test(model, test_cpu_model_bad_input_names_it);
    tcase_add_test(model, test_cpu_model_misa_follows_extensions);
    suite_add_tcase(s, model);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rv_csr_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
