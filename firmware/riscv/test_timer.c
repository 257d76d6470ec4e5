/*
 * Timer and software interrupts through the CLINT (RISC-V priv 1.12
 * §3.1.9, §3.2.1 mtime/mtimecmp, ACLINT MSWI): the machine timer interrupt
 * arrives once mtime >= mtimecmp, MTIP follows mtimecmp (cleared by
 * writing a later value), WFI wakes on a pending enabled interrupt even
 * with mstatus.MIE = 0, msip raises MSIP, vectored mtvec sends interrupts
 * to base + 4 * cause, and STIP set by M is delegated to S via mideleg.
 * Waits are bounded in mtime ticks (10 MHz), never open-ended.
 */
#include "test.h"

#define MTI_CAUSE (CAUSE_INTERRUPT | 7)
#define MSI_CAUSE (CAUSE_INTERRUPT | 3)
#define STI_CAUSE (CAUSE_INTERRUPT | 5)
#define TICKS_10MS 100000ul

static volatile unsigned mti_count, msi_count, sti_count, ecall_count;
static volatile uint64_t mti_time;
volatile uint32_t vec7_hit;

static uint64_t mtime(void)
{
    return MMIO64(TEST_CLINT_MTIME);
}

static void set_mtimecmp(uint64_t v)
{
    MMIO64(TEST_CLINT_MTIMECMP(0)) = v;
}

/* Spin until *flag becomes non-zero or `ticks` of mtime pass. */
static bool wait_flag(volatile unsigned *flag, uint64_t ticks)
{
    uint64_t end = mtime() + ticks;

    while (!*flag && mtime() < end)
        ;
    return *flag != 0;
}

static bool wait_mip(uint64_t bit, bool set, uint64_t ticks)
{
    uint64_t end = mtime() + ticks;

    while (!!(CSR_READ(mip) & bit) != set && mtime() < end)
        ;
    return !!(CSR_READ(mip) & bit) == set;
}

static bool m_hook(struct test_trap_frame *f)
{
    if (f->cause == MTI_CAUSE) {
        mti_time = mtime();
        mti_count++;
        set_mtimecmp(~0ul);
        return true;
    }
    if (f->cause == MSI_CAUSE) {
        msi_count++;
        MMIO32(TEST_CLINT_MSIP(0)) = 0;
        /* The write lowers the line; wait until the hart sees it. */
        (void)wait_mip(MIP_MSIP, false, TICKS_10MS);
        return true;
    }
    if (f->cause == 11) {
        ecall_count++;
        f->epc += 4;
        return true;
    }
    return false;
}

static bool s_hook(struct test_trap_frame *f)
{
    if (f->cause != STI_CAUSE)
        return false;
    sti_count++;
    /* STIP belongs to M (it set it); S masks it until M clears it. */
    CSR_CLEAR(sie, MIP_STIP);
    return true;
}

static void test_mtime(void)
{
    uint64_t t0 = mtime();

    for (volatile int i = 0; i < 10000; i++)
        ;
    test_check("mtime_advances", mtime() > t0);
}

static void test_mtip_level(void)
{
    CSR_WRITE(mie, 0);
    set_mtimecmp(0);
    test_check("mtip_set_when_mtimecmp_passed", wait_mip(MIP_MTIP, true, TICKS_10MS));
    set_mtimecmp(~0ul);
    test_check("mtip_clears_on_reprogram", wait_mip(MIP_MTIP, false, TICKS_10MS));
}

static void test_timer_interrupt(void)
{
    uint64_t cmp;

    mti_count = 0;
    cmp = mtime() + 1000;                   /* 100 us */
    set_mtimecmp(cmp);
    CSR_WRITE(mie, MIP_MTIP);
    CSR_SET(mstatus, MSTATUS_MIE);
    test_check("timer_interrupt_arrives", wait_flag(&mti_count, TICKS_10MS));
    CSR_CLEAR(mstatus, MSTATUS_MIE);
    test_check_eq("timer_interrupt_once", mti_count, 1);
    test_check("timer_interrupt_not_early", mti_time >= cmp);
    test_check("mtip_clear_after_handler", !(CSR_READ(mip) & MIP_MTIP));
}

static void test_wfi_wakes(void)
{
    uint64_t cmp = mtime() + 5000, end = cmp + TICKS_10MS;

    /* MIE = 0: WFI resumes on the pending MTIP without taking a trap. */
    CSR_CLEAR(mstatus, MSTATUS_MIE);
    CSR_WRITE(mie, MIP_MTIP);
    set_mtimecmp(cmp);
    while (!(CSR_READ(mip) & MIP_MTIP) && mtime() < end)
        __asm__ volatile("wfi");
    test_check("wfi_wakes_on_timer", CSR_READ(mip) & MIP_MTIP);
    test_check("wfi_wake_after_deadline", mtime() >= cmp);
    test_check_eq("wfi_no_trap_with_mie_clear", mti_count, 1);
    set_mtimecmp(~0ul);
    CSR_WRITE(mie, 0);
}

static void test_software_interrupt(void)
{
    msi_count = 0;
    CSR_WRITE(mie, MIP_MSIP);
    MMIO32(TEST_CLINT_MSIP(0)) = 1;
    test_check("msip_sets_mip_msip", wait_mip(MIP_MSIP, true, TICKS_10MS));
    CSR_SET(mstatus, MSTATUS_MIE);
    test_check("software_interrupt_taken", wait_flag(&msi_count, TICKS_10MS));
    CSR_CLEAR(mstatus, MSTATUS_MIE);
    test_check_eq("software_interrupt_once", msi_count, 1);
    test_check_eq("msip_reads_back_zero", MMIO32(TEST_CLINT_MSIP(0)), 0);
    CSR_WRITE(mie, 0);
}

/* A vector table: every slot jumps to the common entry; slot 7 (MTI)
 * first marks vec7_hit, using sscratch to keep t0. */
__asm__(
    "    .text\n"
    "    .balign 256\n"
    "    .option push\n"
    "    .option norvc\n"
    "mtvec_table:\n"
    "    .rept 7\n"
    "    j test_mtrap_entry\n"
    "    .endr\n"
    "    j vec7\n"
    "    .rept 8\n"
    "    j test_mtrap_entry\n"
    "    .endr\n"
    "vec7:\n"
    "    csrw sscratch, t0\n"
    "    lla t0, vec7_hit\n"
    "    sw t0, 0(t0)\n"
    "    csrr t0, sscratch\n"
    "    j test_mtrap_entry\n"
    "    .option pop\n");
extern const char mtvec_table[];

static void test_vectored(void)
{
    vec7_hit = 0;
    ecall_count = 0;
    CSR_WRITE(mtvec, (uint64_t)(uintptr_t)mtvec_table | 1);
    test_check_eq("mtvec_vectored_mode_kept", CSR_READ(mtvec) & 3, 1);
    __asm__ volatile("li a7, 0\n\tecall" ::: "a7", "memory");
    test_check_eq("vectored_exception_goes_to_base", ecall_count, 1);
    test_check_eq("vectored_exception_skips_slot7", vec7_hit, 0);

    mti_count = 0;
    set_mtimecmp(mtime() + 1000);
    CSR_WRITE(mie, MIP_MTIP);
    CSR_SET(mstatus, MSTATUS_MIE);
    test_check("vectored_timer_interrupt_arrives", wait_flag(&mti_count, TICKS_10MS));
    CSR_CLEAR(mstatus, MSTATUS_MIE);
    test_check("vectored_timer_uses_slot7", vec7_hit != 0);
    CSR_WRITE(mie, 0);
    CSR_WRITE(mtvec, (uint64_t)(uintptr_t)test_mtrap_entry);
}

static uint64_t s_wait_sti(uint64_t arg)
{
    CSR_SET(sie, MIP_STIP);
    CSR_SET(sstatus, MSTATUS_SIE);
    (void)wait_flag(&sti_count, TICKS_10MS);
    CSR_CLEAR(sstatus, MSTATUS_SIE);
    return sti_count;
}

static void test_stip_delegation(void)
{
    sti_count = 0;
    CSR_WRITE(stvec, (uint64_t)(uintptr_t)test_strap_entry);
    test_strap_hook = s_hook;
    CSR_WRITE(mideleg, MIP_STIP);
    CSR_WRITE(mie, 0);
    /* STIP is writable by M (priv §3.1.9) and, delegated, taken in S. */
    CSR_SET(mip, MIP_STIP);
    test_check("stip_visible_in_sip", CSR_READ(sip) & MIP_STIP);
    test_check_eq("stip_delegated_taken_in_s", test_run_lower(TEST_PRIV_S, s_wait_sti, 0), 1);
    CSR_CLEAR(mip, MIP_STIP);
    test_check("stip_cleared_by_m", !(CSR_READ(sip) & MIP_STIP));
    CSR_WRITE(mideleg, 0);
    CSR_WRITE(mie, 0);
    test_strap_hook = 0;
}

int test_main(unsigned long hartid, unsigned long dtb)
{
    test_mtrap_hook = m_hook;
    set_mtimecmp(~0ul);
    test_mtime();
    test_mtip_level();
    test_timer_interrupt();
    test_wfi_wakes();
    test_software_interrupt();
    test_vectored();
    test_stip_delegation();
    test_mtrap_hook = 0;
    return 0;
}
