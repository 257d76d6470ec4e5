/*
 * Four harts (TEST_SMP 4): distinct mhartid, a shared counter incremented
 * with amoadd.d and with an LR/SC loop from every hart at once, parked
 * harts woken by msip IPIs (twice, so parking again works), and an IPI
 * sent from a secondary hart back to hart 0 (ACLINT MSWI; RISC-V priv
 * 1.12 §3.1.9; unpriv ch. 8 for the atomics).
 */
#include "test.h"

#define NHARTS 4
#define ITERS 1000
#define TICKS_1S 10000000ul

static volatile uint64_t amo_counter, lrsc_counter;
static volatile uint64_t seen_hartid[TEST_MAX_HARTS];
static volatile uint64_t round_one_done, round_two_done;
static volatile uint64_t round_two_mask;

static uint64_t mtime(void)
{
    return MMIO64(TEST_CLINT_MTIME);
}

static void count(void)
{
    uint64_t v, fail;

    for (int i = 0; i < ITERS; i++) {
        __asm__ volatile("amoadd.d zero, %1, (%0)" :: "r"(&amo_counter), "r"(1ul) : "memory");
        __asm__ volatile("1:\tlr.d %0, (%2)\n\taddi %0, %0, 1\n\tsc.d %1, %0, (%2)\n\tbnez %1, 1b"
                         : "=&r"(v), "=&r"(fail) : "r"(&lrsc_counter) : "memory");
    }
}

static void round_one(unsigned long hartid)
{
    seen_hartid[hartid] = CSR_READ(mhartid) + 100;
    count();
    __atomic_fetch_add(&round_one_done, 1, __ATOMIC_RELEASE);
}

static void round_two(unsigned long hartid)
{
    __atomic_fetch_or(&round_two_mask, 1ul << hartid, __ATOMIC_RELAXED);
    __atomic_fetch_add(&round_two_done, 1, __ATOMIC_RELEASE);
    if (hartid == 1)
        test_send_ipi(0);
}

static bool wait_count(volatile uint64_t *v, uint64_t want)
{
    uint64_t end = mtime() + TICKS_1S;

    while (__atomic_load_n(v, __ATOMIC_ACQUIRE) != want && mtime() < end)
        ;
    return *v == want;
}

int test_main(unsigned long hartid, unsigned long dtb)
{
    test_check_eq("boot_hart_is_0", hartid, 0);
    test_check_eq("mhartid_0", CSR_READ(mhartid), 0);

    test_start_secondaries(0xe, round_one);
    count();
    test_check("round_one_all_secondaries_ran", wait_count(&round_one_done, NHARTS - 1));
    for (unsigned h = 1; h < NHARTS; h++) {
        static const char *names[] = { 0, "hart1_mhartid", "hart2_mhartid", "hart3_mhartid" };
        test_check_eq(names[h], seen_hartid[h], 100 + h);
    }
    test_check_eq("amoadd_counter_all_harts", amo_counter, NHARTS * ITERS);
    test_check_eq("lrsc_counter_all_harts", lrsc_counter, NHARTS * ITERS);

    /* Hart 0 waits with only MSIE enabled for hart 1's IPI. */
    CSR_WRITE(mie, MIP_MSIP);
    test_start_secondaries(0xe, round_two);
    test_check("round_two_parked_harts_woke", wait_count(&round_two_done, NHARTS - 1));
    test_check_eq("round_two_every_secondary", round_two_mask, 0xe);
    uint64_t end = mtime() + TICKS_1S;
    while (!(CSR_READ(mip) & MIP_MSIP) && mtime() < end)
        __asm__ volatile("wfi");
    test_check("ipi_from_hart1_to_hart0", CSR_READ(mip) & MIP_MSIP);
    MMIO32(TEST_CLINT_MSIP(0)) = 0;
    CSR_WRITE(mie, 0);
    return 0;
}
