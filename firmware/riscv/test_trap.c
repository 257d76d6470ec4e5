/*
 * Traps (RISC-V priv 1.12 §3.1.6-3.1.16, §3.3, §4.1): ecall from M/S/U
 * with cause and epc, illegal instructions with mtval = the instruction
 * bits, breakpoints of both lengths, instruction and load access faults,
 * exception delegation to S through medeleg (and its limit: M traps stay
 * in M), and the privilege and interrupt-enable stack of mret/sret.
 * Misaligned fetch cannot happen here: with C, IALIGN is 16 and jalr
 * clears bit 0 (unpriv §2.5), so no test is possible.
 */
#include "test.h"

struct trap_log {
    volatile unsigned count;
    volatile uint64_t cause, epc, tval, status;
};

static struct trap_log mlog, slog;

/* Lower-privilege code; ra on entry is the test_run_lower return stub. */
__asm__(
    "    .text\n"
    "    .option push\n"
    "    .option norvc\n"
    "s_ecall_fn:\n"
    "    li a7, 0\n"
    "ecall_site:\n"
    "    ecall\n"
    "    li a0, 0x11\n"
    "    ret\n"
    "ebreak_fn:\n"
    "ebreak_site:\n"
    "    ebreak\n"                           /* 0x00100073 */
    "    .option rvc\n"
    "c_ebreak_site:\n"
    "    c.ebreak\n"                         /* 0x9002 */
    "    .option norvc\n"
    "    li a0, 0x22\n"
    "    ret\n"
    "mret_fn:\n"
    "mret_site:\n"
    "    mret\n"                             /* 0x30200073: illegal below M */
    "    li a0, 0x33\n"
    "    ret\n"
    /* In S: sret to U (SPP = 0), where an ecall shows the new mode. */
    "sret_to_u_fn:\n"
    "    lla t0, 1f\n"
    "    csrw sepc, t0\n"
    "    li t0, 0x100\n"                     /* sstatus.SPP */
    "    csrc sstatus, t0\n"
    "    sret\n"
    "1:  li a7, 0\n"
    "u_ecall_site:\n"
    "    ecall\n"
    "    li a0, 0x44\n"
    "    li a7, 0x7e57\n"                    /* TEST_ECALL_RETURN */
    "    ecall\n"
    "    .option pop\n");

uint64_t s_ecall_fn(uint64_t), ebreak_fn(uint64_t), mret_fn(uint64_t), sret_to_u_fn(uint64_t);
extern const char ecall_site[], ebreak_site[], c_ebreak_site[], mret_site[], u_ecall_site[];

static unsigned insn_len(uint64_t epc)
{
    return (*(volatile uint16_t *)(uintptr_t)epc & 3) == 3 ? 4 : 2;
}

static void log_trap(struct trap_log *log, struct test_trap_frame *f)
{
    log->count++;
    log->cause = f->cause;
    log->epc = f->epc;
    log->tval = f->tval;
    log->status = f->status;
}

/* Record, then resume after the trapping instruction (or at ra after a
 * fetch fault, whose epc cannot be read). */
static bool m_hook(struct test_trap_frame *f)
{
    log_trap(&mlog, f);
    if (f->cause == 1)
        f->epc = f->x[1];
    else
        f->epc += insn_len(f->epc);
    return true;
}

static bool s_hook(struct test_trap_frame *f)
{
    log_trap(&slog, f);
    f->epc += insn_len(f->epc);
    return true;
}

static uint64_t mpp(uint64_t status)
{
    return (status & MSTATUS_MPP) >> 11;
}

static void test_ecalls(void)
{
    uint64_t site;

    mlog.count = 0;
    CSR_SET(mstatus, MSTATUS_MIE);          /* mie is 0: nothing can fire */
    __asm__ volatile("li a7, 0\n\tlla %0, 1f\n1:\tecall" : "=&r"(site) :: "a7", "memory");
    CSR_CLEAR(mstatus, MSTATUS_MIE);
    test_check_eq("ecall_m_cause_11", mlog.cause, 11);
    test_check_eq("ecall_m_epc", mlog.epc, site);
    test_check_eq("ecall_m_mpp_is_m", mpp(mlog.status), 3);
    test_check("trap_saves_mie_in_mpie", mlog.status & MSTATUS_MPIE);
    test_check("trap_clears_mie", !(mlog.status & MSTATUS_MIE));

    test_check_eq("ecall_s_returns", test_run_lower(TEST_PRIV_S, s_ecall_fn, 0), 0x11);
    test_check_eq("ecall_s_cause_9", mlog.cause, 9);
    test_check_eq("ecall_s_epc", mlog.epc, (uint64_t)(uintptr_t)ecall_site);
    test_check_eq("ecall_s_mpp_is_s", mpp(mlog.status), 1);

    test_check_eq("ecall_u_returns", test_run_lower(TEST_PRIV_U, s_ecall_fn, 0), 0x11);
    test_check_eq("ecall_u_cause_8", mlog.cause, 8);
    test_check_eq("ecall_u_epc", mlog.epc, (uint64_t)(uintptr_t)ecall_site);
    test_check_eq("ecall_u_mpp_is_u", mpp(mlog.status), 0);
    test_check_eq("ecall_count", mlog.count, 3);
}

static void test_illegal_and_breakpoint(void)
{
    uint64_t site;

    /* csrrw x0, mhartid, t0: a write to a read-only CSR (priv §2.1). */
    __asm__ volatile("lla %0, 1f\n1:\t.word 0xf1429073" : "=r"(site) :: "memory");
    test_check_eq("illegal_csr_write_cause_2", mlog.cause, 2);
    test_check_eq("illegal_csr_write_epc", mlog.epc, site);
    test_check_eq("illegal_csr_write_mtval_is_insn", mlog.tval, 0xf1429073);

    /* 0x0000 is defined illegal in every encoding (unpriv §16.1). */
    __asm__ volatile("lla %0, 1f\n1:\t.2byte 0\n\tnop" : "=r"(site) :: "memory");
    test_check_eq("illegal_zero_halfword_cause_2", mlog.cause, 2);
    test_check_eq("illegal_zero_halfword_epc", mlog.epc, site);
    test_check_eq("illegal_zero_halfword_mtval", mlog.tval, 0);

    __asm__ volatile(".option push\n\t.option norvc\n\tlla %0, 1f\n1:\tebreak\n\t.option pop"
                     : "=r"(site) :: "memory");
    test_check_eq("ebreak_cause_3", mlog.cause, 3);
    test_check_eq("ebreak_epc", mlog.epc, site);
    __asm__ volatile(".option push\n\t.option rvc\n\tlla %0, 1f\n1:\tc.ebreak\n\tnop\n\t.option pop"
                     : "=r"(site) :: "memory");
    test_check_eq("c_ebreak_cause_3", mlog.cause, 3);
    test_check_eq("c_ebreak_epc", mlog.epc, site);
}

static void test_access_faults(void)
{
    uint64_t bad = 0x90000000ul;    /* past the end of 256 MiB of RAM, no device */
    uint64_t v = 0x1234;

    mlog.cause = 0;
    __asm__ volatile("jalr ra, 0(%0)" :: "r"(bad) : "ra", "memory");
    test_check_eq("fetch_fault_cause_1", mlog.cause, 1);
    test_check_eq("fetch_fault_epc", mlog.epc, bad);
    test_check_eq("fetch_fault_mtval", mlog.tval, bad);

    __asm__ volatile("ld %0, 0(%1)" : "+r"(v) : "r"(bad + 8) : "memory");
    test_check_eq("load_fault_cause_5", mlog.cause, 5);
    test_check_eq("load_fault_mtval", mlog.tval, bad + 8);
    test_check_eq("load_fault_leaves_rd", v, 0x1234);

    __asm__ volatile("sd %0, 0(%1)" :: "r"(v), "r"(bad + 16) : "memory");
    test_check_eq("store_fault_cause_7", mlog.cause, 7);
    test_check_eq("store_fault_mtval", mlog.tval, bad + 16);
}

static void test_delegation(void)
{
    unsigned mcount;

    CSR_WRITE(stvec, (uint64_t)(uintptr_t)test_strap_entry);
    CSR_WRITE(medeleg, (1ul << 2) | (1ul << 3));
    test_check_eq("medeleg_holds_bits", CSR_READ(medeleg) & 0xc, 0xc);
    test_strap_hook = s_hook;
    slog.count = 0;
    mcount = mlog.count;

    test_check_eq("delegated_ebreak_returns", test_run_lower(TEST_PRIV_S, ebreak_fn, 0), 0x22);
    test_check_eq("delegated_ebreak_count_in_s", slog.count, 2);
    test_check_eq("delegated_ebreak_scause", slog.cause, 3);
    test_check_eq("delegated_c_ebreak_sepc", slog.epc, (uint64_t)(uintptr_t)c_ebreak_site);
    test_check("delegated_from_s_spp_is_s", slog.status & MSTATUS_SPP);

    test_check_eq("delegated_illegal_returns", test_run_lower(TEST_PRIV_U, mret_fn, 0), 0x33);
    test_check_eq("delegated_illegal_scause", slog.cause, 2);
    test_check_eq("delegated_illegal_sepc", slog.epc, (uint64_t)(uintptr_t)mret_site);
    test_check_eq("delegated_illegal_stval_is_insn", slog.tval, 0x30200073);
    test_check("delegated_from_u_spp_is_u", !(slog.status & MSTATUS_SPP));
    test_check_eq("delegated_traps_skip_m", mlog.count, mcount);

    /* Traps never go to a less privileged mode (priv §3.1.8). */
    __asm__ volatile(".option push\n\t.option norvc\n\tebreak\n\t.option pop" ::: "memory");
    test_check_eq("m_ebreak_stays_in_m_despite_medeleg", mlog.count, mcount + 1);
    test_check_eq("m_ebreak_not_seen_by_s", slog.count, 3);

    CSR_WRITE(medeleg, 0);
    test_strap_hook = 0;
}

static void test_xret(void)
{
    uint64_t st;

    /* mret from M to M: MIE <- MPIE, MPIE <- 1, MPP <- U (priv §3.1.6.1). */
    CSR_SET(mstatus, MSTATUS_MPP | MSTATUS_MPIE);
    CSR_CLEAR(mstatus, MSTATUS_MIE);
    __asm__ volatile("lla t0, 1f\n\tcsrw mepc, t0\n\tmret\n1:" ::: "t0", "memory");
    st = CSR_READ(mstatus);
    CSR_CLEAR(mstatus, MSTATUS_MIE);
    test_check("mret_restores_mie_from_mpie", st & MSTATUS_MIE);
    test_check("mret_sets_mpie", st & MSTATUS_MPIE);
    test_check_eq("mret_sets_mpp_to_u", mpp(st), 0);

    mlog.cause = 0;
    test_check_eq("sret_to_u_returns", test_run_lower(TEST_PRIV_S, sret_to_u_fn, 0), 0x44);
    test_check_eq("sret_to_u_then_ecall_cause_8", mlog.cause, 8);
    test_check_eq("sret_to_u_ecall_epc", mlog.epc, (uint64_t)(uintptr_t)u_ecall_site);
    test_check_eq("sret_to_u_mpp_is_u", mpp(mlog.status), 0);
}

int test_main(unsigned long hartid, unsigned long dtb)
{
    test_mtrap_hook = m_hook;
    test_ecalls();
    test_illegal_and_breakpoint();
    test_access_faults();
    test_delegation();
    test_xret();
    test_mtrap_hook = 0;
    return 0;
}
