/*
 * Console, checks, exit and trap dispatch for the bare-metal tests.
 * Devices: ns16550a UART (THR at +0, LSR at +5, bit 5 = THR empty) and
 * sifive_test (0x5555 = pass, (code << 16) | 0x3333 = fail).
 */
#include "test.h"

#define UART_LSR_THRE 0x20
#define SIFIVE_TEST_PASS 0x5555u
#define SIFIVE_TEST_FAIL 0x3333u

test_trap_fn test_mtrap_hook;
test_trap_fn test_strap_hook;
/* Read by parked harts in start.S after an IPI. */
void (*volatile test_secondary_fn)(unsigned long hartid);

static unsigned test_passed;
static unsigned test_failed;
static int console_lock;

void test_lower_resume(uint64_t result) __attribute__((noreturn));
void test_mtrap_dispatch(struct test_trap_frame *f);
void test_strap_dispatch(struct test_trap_frame *f);

static void lock(void)
{
    while (__atomic_exchange_n(&console_lock, 1, __ATOMIC_ACQUIRE))
        ;
}

static void unlock(void)
{
    __atomic_store_n(&console_lock, 0, __ATOMIC_RELEASE);
}

static void raw_putc(char c)
{
    volatile uint8_t *uart = (volatile uint8_t *)TEST_UART_BASE;

    while (!(uart[5] & UART_LSR_THRE))
        ;
    uart[0] = (uint8_t)c;
}

static void raw_puts(const char *s)
{
    while (*s) {
        if (*s == '\n')
            raw_putc('\r');
        raw_putc(*s++);
    }
}

static void raw_putx(uint64_t v)
{
    raw_puts("0x");
    for (int shift = 60; shift >= 0; shift -= 4)
        raw_putc("0123456789abcdef"[(v >> shift) & 0xf]);
}

static void raw_putd(uint64_t v)
{
    char buf[21];
    int i = 20;

    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    raw_puts(&buf[i]);
}

void test_putc(char c)
{
    lock();
    raw_putc(c);
    unlock();
}

void test_puts(const char *s)
{
    lock();
    raw_puts(s);
    unlock();
}

void test_putx(uint64_t v)
{
    lock();
    raw_putx(v);
    unlock();
}

void test_putd(uint64_t v)
{
    lock();
    raw_putd(v);
    unlock();
}

bool test_check(const char *name, bool ok)
{
    __atomic_fetch_add(ok ? &test_passed : &test_failed, 1, __ATOMIC_RELAXED);
    lock();
    raw_puts(ok ? "PASS " : "FAIL ");
    raw_puts(name);
    raw_puts("\n");
    unlock();
    return ok;
}

bool test_check_eq(const char *name, uint64_t got, uint64_t want)
{
    bool ok = got == want;

    __atomic_fetch_add(ok ? &test_passed : &test_failed, 1, __ATOMIC_RELAXED);
    lock();
    raw_puts(ok ? "PASS " : "FAIL ");
    raw_puts(name);
    if (!ok) {
        raw_puts(" got ");
        raw_putx(got);
        raw_puts(" want ");
        raw_putx(want);
    }
    raw_puts("\n");
    unlock();
    return ok;
}

unsigned test_failures(void)
{
    return __atomic_load_n(&test_failed, __ATOMIC_RELAXED);
}

_Noreturn void test_exit(void)
{
    unsigned passed = __atomic_load_n(&test_passed, __ATOMIC_RELAXED);
    unsigned failed = test_failures();

    lock();
    raw_puts("DONE passed=");
    raw_putd(passed);
    raw_puts(" failed=");
    raw_putd(failed);
    raw_puts("\n");
    /* A run with no check at all proves nothing: report it as a failure. */
    MMIO32(TEST_SIFIVE_TEST) = (failed || !passed)
        ? ((1u << 16) | SIFIVE_TEST_FAIL) : SIFIVE_TEST_PASS;
    for (;;)
        __asm__ volatile("wfi");
}

static _Noreturn void unexpected_trap(const char *level, struct test_trap_frame *f)
{
    __atomic_fetch_add(&test_failed, 1, __ATOMIC_RELAXED);
    lock();
    raw_puts("FAIL unexpected ");
    raw_puts(level);
    raw_puts("-mode trap cause=");
    raw_putx(f->cause);
    raw_puts(" epc=");
    raw_putx(f->epc);
    raw_puts(" tval=");
    raw_putx(f->tval);
    raw_puts("\n");
    unlock();
    test_exit();
}

void test_mtrap_dispatch(struct test_trap_frame *f)
{
    /* RISC-V priv 1.12 table 3.6: 8 = ecall from U, 9 = ecall from S. */
    if ((f->cause == 8 || f->cause == 9) && f->x[17] == TEST_ECALL_RETURN)
        test_lower_resume(f->x[10]);
    if (test_mtrap_hook && test_mtrap_hook(f))
        return;
    unexpected_trap("M", f);
}

void test_strap_dispatch(struct test_trap_frame *f)
{
    if (test_strap_hook && test_strap_hook(f))
        return;
    unexpected_trap("S", f);
}

void test_send_ipi(unsigned long hartid)
{
    MMIO32(TEST_CLINT_MSIP(hartid)) = 1;
}

void test_start_secondaries(uint64_t mask, void (*fn)(unsigned long hartid))
{
    test_secondary_fn = fn;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (unsigned long h = 1; h < TEST_MAX_HARTS; h++)
        if (mask & (1ul << h))
            test_send_ipi(h);
}
