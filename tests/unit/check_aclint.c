/*
 * Unit tests for dev/aclint through its dev_ops on a bare machine: mtime
 * from virtual time, MTIP raised at the exact cycle mtime reaches
 * mtimecmp, 32-bit halves, mtime writes, MSIP.
 */
#include <check.h>
#include <stdlib.h>

#include "core/machine.h"
#include "dev/aclint.h"

#define RATIO 100
#define NHARTS 2
#define MSIP(h) (4u * (h))
#define MTIMECMP(h) (0x4000u + 8u * (h))
#define MTIME 0xbff8u

struct lines {
    bool mtip[NHARTS], msip[NHARTS];
};

static void set_mtip(void *sink, unsigned input, bool level)
{
    ((struct lines *)sink)->mtip[input] = level;
}

static void set_msip(void *sink, unsigned input, bool level)
{
    ((struct lines *)sink)->msip[input] = level;
}

struct fixture {
    struct machine m;
    struct lines l;
    struct aclint *c;
};

static struct fixture *fixture_new(void)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct irq_line mtip[NHARTS], msip[NHARTS];

    ck_assert_ptr_nonnull(f);
    evq_init(&f->m.evq);
    for (unsigned h = 0; h < NHARTS; h++) {
        mtip[h] = irq_line_make(set_mtip, &f->l, h);
        msip[h] = irq_line_make(set_msip, &f->l, h);
    }
    f->c = aclint_create(&f->m, NHARTS, RATIO, mtip, msip);
    ck_assert_ptr_nonnull(f->c);
    return f;
}

static void fixture_free(struct fixture *f)
{
    aclint_destroy(f->c);
    evq_free(&f->m.evq);
    free(f);
}

/* Runs everything due up to and including cycle t, as the run loop does. */
static void run_to(struct fixture *f, uint64_t t)
{
    f->m.vclock = t;
    evq_run_due(&f->m.evq, t);
}

static uint64_t rd(struct fixture *f, uint64_t off, unsigned size)
{
    return aclint_ops.read(f->c, off, size);
}

static void wr(struct fixture *f, uint64_t off, uint64_t v, unsigned size)
{
    aclint_ops.write(f->c, off, v, size);
}

START_TEST(test_aclint_mtime_counts_cycles_over_ratio)
{
    struct fixture *f = fixture_new();

    ck_assert_uint_eq(rd(f, MTIME, 8), 0);
    f->m.vclock = 12345;
    ck_assert_uint_eq(rd(f, MTIME, 8), 123);
    ck_assert_uint_eq(aclint_mtime(f->c), 123);
    f->m.vclock = 100ull * 0x100000005ull;
    ck_assert_uint_eq(rd(f, MTIME, 4), 5);
    ck_assert_uint_eq(rd(f, MTIME + 4, 4), 1);
    fixture_free(f);
}
END_TEST

START_TEST(test_aclint_reset_mtimecmp_all_ones_no_interrupt)
{
    struct fixture *f = fixture_new();

    ck_assert_uint_eq(rd(f, MTIMECMP(0), 8), UINT64_MAX);
    ck_assert_uint_eq(rd(f, MTIMECMP(1), 8), UINT64_MAX);
    ck_assert(!f->l.mtip[0] && !f->l.mtip[1]);
    ck_assert_uint_eq(evq_next_time(&f->m.evq), UINT64_MAX);
    fixture_free(f);
}
END_TEST

START_TEST(test_aclint_timer_fires_at_exact_cycle)
{
    struct fixture *f = fixture_new();

    f->m.vclock = 1000;
    wr(f, MTIMECMP(0), 50, 8);
    ck_assert(!f->l.mtip[0]);
    ck_assert_uint_eq(evq_next_time(&f->m.evq), 5000);
    run_to(f, 4999);
    ck_assert(!f->l.mtip[0]);
    run_to(f, 5000);
    ck_assert(f->l.mtip[0]);
    ck_assert(!f->l.mtip[1]);
    wr(f, MTIMECMP(0), UINT64_MAX, 8);       /* pushing it away lowers MTIP */
    ck_assert(!f->l.mtip[0]);
    fixture_free(f);
}
END_TEST

START_TEST(test_aclint_mtimecmp_in_past_raises_at_once)
{
    struct fixture *f = fixture_new();

    f->m.vclock = 1000;
    wr(f, MTIMECMP(1), 10, 8);
    ck_assert(f->l.mtip[1]);
    wr(f, MTIMECMP(1), 11, 8);
    ck_assert(!f->l.mtip[1]);
    run_to(f, 1100);
    ck_assert(f->l.mtip[1]);
    fixture_free(f);
}
END_TEST

START_TEST(test_aclint_rewrite_cancels_previous_deadline)
{
    struct fixture *f = fixture_new();

    wr(f, MTIMECMP(0), 10, 8);
    wr(f, MTIMECMP(0), 100, 8);
    run_to(f, 1000);
    ck_assert(!f->l.mtip[0]);
    run_to(f, 9999);
    ck_assert(!f->l.mtip[0]);
    run_to(f, 10000);
    ck_assert(f->l.mtip[0]);
    fixture_free(f);
}
END_TEST

START_TEST(test_aclint_mtimecmp_halves_combine)
{
    struct fixture *f = fixture_new();

    /* The usual RV32-safe sequence: high to all ones, low, then high. */
    wr(f, MTIMECMP(0) + 4, 0xffffffffu, 4);
    wr(f, MTIMECMP(0), 0x20, 4);
    wr(f, MTIMECMP(0) + 4, 0x1, 4);
    ck_assert_uint_eq(rd(f, MTIMECMP(0), 8), 0x100000020ull);
    ck_assert_uint_eq(rd(f, MTIMECMP(0) + 4, 4), 1);
    ck_assert_uint_eq(rd(f, MTIMECMP(0), 4), 0x20);
    ck_assert(!f->l.mtip[0]);
    fixture_free(f);
}
END_TEST

START_TEST(test_aclint_mtime_write_moves_time_and_deadlines)
{
    struct fixture *f = fixture_new();

    wr(f, MTIMECMP(0), 1010, 8);
    wr(f, MTIME, 1000, 8);
    ck_assert_uint_eq(rd(f, MTIME, 8), 1000);
    run_to(f, 999);
    ck_assert(!f->l.mtip[0]);
    run_to(f, 1000);                          /* 10 ticks later */
    ck_assert(f->l.mtip[0]);
    ck_assert_uint_eq(rd(f, MTIME, 8), 1010);
    wr(f, MTIME + 4, 0, 4);                   /* high half only */
    ck_assert_uint_eq(rd(f, MTIME, 8), 1010);
    wr(f, MTIME, 0, 4);
    ck_assert_uint_eq(rd(f, MTIME, 8), 0);
    ck_assert(!f->l.mtip[0]);
    fixture_free(f);
}
END_TEST

START_TEST(test_aclint_msip_drives_line_bit0_only)
{
    struct fixture *f = fixture_new();

    wr(f, MSIP(1), 0xfffffffe, 4);
    ck_assert(!f->l.msip[1]);
    wr(f, MSIP(1), 1, 4);
    ck_assert(f->l.msip[1]);
    ck_assert(!f->l.msip[0]);
    ck_assert_uint_eq(rd(f, MSIP(1), 4), 1);
    wr(f, MSIP(1), 0, 4);
    ck_assert(!f->l.msip[1]);
    wr(f, MSIP(NHARTS), 1, 4);                /* no such hart: ignored */
    ck_assert_uint_eq(rd(f, MSIP(NHARTS), 4), 0);
    fixture_free(f);
}
END_TEST

START_TEST(test_aclint_reset_lowers_lines_and_realigns_mtime)
{
    struct fixture *f = fixture_new();

    f->m.vclock = 500;
    wr(f, MSIP(0), 1, 4);
    wr(f, MTIMECMP(0), 0, 8);
    wr(f, MTIME, 77, 8);
    ck_assert(f->l.msip[0] && f->l.mtip[0]);
    aclint_ops.reset(f->c);
    ck_assert(!f->l.msip[0] && !f->l.mtip[0]);
    ck_assert_uint_eq(rd(f, MTIME, 8), 5);   /* back in step with virtual time */
    fixture_free(f);
}
END_TEST

START_TEST(test_aclint_bad_accesses_harmless)
{
    struct fixture *f = fixture_new();

    ck_assert_uint_eq(rd(f, MTIMECMP(0) + 2, 4), 0);
    ck_assert_uint_eq(rd(f, MTIMECMP(NHARTS), 8), 0);
    wr(f, MTIMECMP(0) + 1, 0, 1);
    ck_assert_uint_eq(rd(f, MTIMECMP(0), 8), UINT64_MAX);
    ck_assert_uint_eq(rd(f, 0xfff0, 8), 0);
    ck_assert_ptr_null(aclint_create(&f->m, 0, RATIO, NULL, NULL));
    ck_assert_ptr_null(aclint_create(&f->m, 1, 0, NULL, NULL));
    fixture_free(f);
}
END_TEST

static Suite *aclint_suite(void)
{
    Suite *s = suite_create("aclint");
    TCase *tc = tcase_create("timer");
    tcase_add_test(tc, test_aclint_mtime_counts_cycles_over_ratio);
    tcase_add_test(tc, test_aclint_reset_mtimecmp_all_ones_no_interrupt);
    tcase_add_test(tc, test_aclint_timer_fires_at_exact_cycle);
    tcase_add_test(tc, test_aclint_mtimecmp_in_past_raises_at_once);
    tcase_add_test(tc, test_aclint_rewrite_cancels_previous_deadline);
    tcase_add_test(tc, test_aclint_mtimecmp_halves_combine);
    tcase_add_test(tc, test_aclint_mtime_write_moves_time_and_deadlines);
    tcase_add_test(tc, test_aclint_msip_drives_line_bit0_only);
    tcase_add_test(tc, test_aclint_reset_lowers_lines_and_realigns_mtime);
    tcase_add_test(tc, test_aclint_bad_accesses_harmless);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(aclint_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
