/*
 * Unit tests for dev/plic through its dev_ops: priorities, enables,
 * threshold, claim/complete with level-triggered sources, context outputs.
 */
#include <check.h>
#include <stdlib.h>

#include "dev/plic.h"

#define NSRC 96
#define NCTX 4
#define PRIO(s) (4u * (s))
#define PENDING 0x1000u
#define ENABLE(c) (0x2000u + 0x80u * (c))
#define THRESHOLD(c) (0x200000u + 0x1000u * (c))
#define CLAIM(c) (THRESHOLD(c) + 4)

struct outputs {
    bool level[NCTX];
};

static void out_set(void *sink, unsigned input, bool level)
{
    ((struct outputs *)sink)->level[input] = level;
}

static struct plic *make(struct outputs *o)
{
    struct irq_line lines[NCTX];
    for (unsigned i = 0; i < NCTX; i++)
        lines[i] = irq_line_make(out_set, o, i);
    struct plic *p = plic_create(NSRC, NCTX, lines);
    ck_assert_ptr_nonnull(p);
    return p;
}

static uint32_t rd(struct plic *p, uint32_t off)
{
    return (uint32_t)plic_ops.read(p, off, 4);
}

static void wr(struct plic *p, uint32_t off, uint32_t v)
{
    plic_ops.write(p, off, v, 4);
}

/* Source s at priority prio, enabled for context c. */
static void route(struct plic *p, unsigned s, uint32_t prio, unsigned c)
{
    wr(p, PRIO(s), prio);
    wr(p, ENABLE(c) + 4 * (s / 32), rd(p, ENABLE(c) + 4 * (s / 32)) | 1u << (s % 32));
}

START_TEST(test_plic_reset_state_claims_nothing)
{
    struct outputs o = { { false } };
    struct plic *p = make(&o);

    ck_assert_uint_eq(rd(p, PRIO(10)), 0);
    ck_assert_uint_eq(rd(p, PENDING), 0);
    ck_assert_uint_eq(rd(p, ENABLE(1)), 0);
    ck_assert_uint_eq(rd(p, THRESHOLD(1)), 0);
    ck_assert_uint_eq(rd(p, CLAIM(1)), 0);
    plic_destroy(p);
}
END_TEST

START_TEST(test_plic_enabled_source_drives_only_its_context)
{
    struct outputs o = { { false } };
    struct plic *p = make(&o);

    route(p, 10, 1, 1);
    plic_set_source(p, 10, true);
    ck_assert(o.level[1]);
    ck_assert(!o.level[0]);
    ck_assert_uint_eq(rd(p, PENDING), 1u << 10);
    plic_set_source(p, 10, false);           /* level-triggered: follows the line */
    ck_assert(!o.level[1]);
    ck_assert_uint_eq(rd(p, PENDING), 0);
    plic_destroy(p);
}
END_TEST

START_TEST(test_plic_claim_clears_pending_complete_repends_if_high)
{
    struct outputs o = { { false } };
    struct plic *p = make(&o);

    route(p, 10, 1, 1);
    plic_set_source(p, 10, true);
    ck_assert_uint_eq(rd(p, CLAIM(1)), 10);
    ck_assert(!o.level[1]);
    ck_assert_uint_eq(rd(p, PENDING), 0);
    ck_assert_uint_eq(rd(p, CLAIM(1)), 0);   /* in flight: not claimable twice */
    wr(p, CLAIM(1), 10);
    ck_assert(o.level[1]);                   /* line still high */
    ck_assert_uint_eq(rd(p, CLAIM(1)), 10);
    plic_set_source(p, 10, false);
    wr(p, CLAIM(1), 10);
    ck_assert(!o.level[1]);
    ck_assert_uint_eq(rd(p, CLAIM(1)), 0);
    plic_destroy(p);
}
END_TEST

START_TEST(test_plic_claim_highest_priority_then_lowest_id)
{
    struct outputs o = { { false } };
    struct plic *p = make(&o);

    route(p, 5, 2, 0);
    route(p, 40, 6, 0);
    route(p, 7, 2, 0);
    plic_set_source(p, 7, true);
    plic_set_source(p, 5, true);
    plic_set_source(p, 40, true);
    ck_assert_uint_eq(rd(p, CLAIM(0)), 40);
    ck_assert_uint_eq(rd(p, CLAIM(0)), 5);
    ck_assert_uint_eq(rd(p, CLAIM(0)), 7);
    ck_assert_uint_eq(rd(p, CLAIM(0)), 0);
    plic_destroy(p);
}
END_TEST

START_TEST(test_plic_threshold_masks_equal_or_lower_priority)
{
    struct outputs o = { { false } };
    struct plic *p = make(&o);

    route(p, 3, 3, 2);
    wr(p, THRESHOLD(2), 3);
    plic_set_source(p, 3, true);
    ck_assert(!o.level[2]);
    ck_assert_uint_eq(rd(p, CLAIM(2)), 0);
    wr(p, THRESHOLD(2), 2);
    ck_assert(o.level[2]);
    ck_assert_uint_eq(rd(p, CLAIM(2)), 3);
    plic_destroy(p);
}
END_TEST

START_TEST(test_plic_priority_zero_never_interrupts)
{
    struct outputs o = { { false } };
    struct plic *p = make(&o);

    route(p, 9, 0, 0);
    plic_set_source(p, 9, true);
    ck_assert(!o.level[0]);
    ck_assert_uint_eq(rd(p, PENDING), 1u << 9);
    ck_assert_uint_eq(rd(p, CLAIM(0)), 0);
    plic_destroy(p);
}
END_TEST

START_TEST(test_plic_register_widths_masked)
{
    struct outputs o = { { false } };
    struct plic *p = make(&o);

    wr(p, PRIO(1), 0xffffffffu);
    ck_assert_uint_eq(rd(p, PRIO(1)), 7);
    wr(p, PRIO(0), 5);
    ck_assert_uint_eq(rd(p, PRIO(0)), 0);
    wr(p, ENABLE(0), 0xffffffffu);
    ck_assert_uint_eq(rd(p, ENABLE(0)), 0xfffffffeu);   /* source 0 does not exist */
    wr(p, ENABLE(0) + 8, 0xffffffffu);
    ck_assert_uint_eq(rd(p, ENABLE(0) + 8), 0xffffffffu);  /* 64..95 */
    wr(p, ENABLE(0) + 12, 0xffffffffu);
    ck_assert_uint_eq(rd(p, ENABLE(0) + 12), 0);            /* 96.. absent */
    wr(p, THRESHOLD(0), 0xff);
    ck_assert_uint_eq(rd(p, THRESHOLD(0)), 7);
    wr(p, PENDING, 0xffffffffu);
    ck_assert_uint_eq(rd(p, PENDING), 0);
    plic_set_source(p, 0, true);
    plic_set_source(p, NSRC, true);
    ck_assert_uint_eq(rd(p, PENDING), 0);
    ck_assert_uint_eq(rd(p, PENDING + 12), 0);
    plic_destroy(p);
}
END_TEST

START_TEST(test_plic_complete_of_disabled_source_ignored)
{
    struct outputs o = { { false } };
    struct plic *p = make(&o);

    route(p, 20, 1, 0);
    plic_set_source(p, 20, true);
    ck_assert_uint_eq(rd(p, CLAIM(0)), 20);
    wr(p, ENABLE(0), 0);
    wr(p, CLAIM(0), 20);                     /* ignored: not enabled */
    wr(p, ENABLE(0), 1u << 20);
    ck_assert(!o.level[0]);
    ck_assert_uint_eq(rd(p, CLAIM(0)), 0);
    wr(p, CLAIM(0), 20);
    ck_assert(o.level[0]);
    plic_destroy(p);
}
END_TEST

START_TEST(test_plic_irq_line_helper_reaches_source)
{
    struct outputs o = { { false } };
    struct plic *p = make(&o);
    struct irq_line l = plic_irq(p, 33);

    route(p, 33, 4, 3);
    irq_set(&l, true);
    ck_assert(o.level[3]);
    ck_assert_uint_eq(rd(p, PENDING + 4), 1u << 1);
    ck_assert_uint_eq(plic_ops.read(p, PENDING, 8), (uint64_t)(1u << 1) << 32);
    plic_destroy(p);
}
END_TEST

START_TEST(test_plic_bad_geometry_rejected)
{
    ck_assert_ptr_null(plic_create(1, 2, NULL));
    ck_assert_ptr_null(plic_create(2000, 2, NULL));
    ck_assert_ptr_null(plic_create(96, 0, NULL));
}
END_TEST

START_TEST(test_plic_out_of_range_access_harmless)
{
    struct outputs o = { { false } };
    struct plic *p = make(&o);

    ck_assert_uint_eq(rd(p, CLAIM(NCTX)), 0);
    wr(p, CLAIM(NCTX), 1);
    wr(p, ENABLE(NCTX), 1);
    ck_assert_uint_eq(rd(p, 0x5ffffc), 0);
    ck_assert_uint_eq(plic_ops.read(p, 0x3, 4), 0);
    plic_destroy(p);
}
END_TEST

static Suite *plic_suite(void)
{
    Suite *s = suite_create("plic");
    TCase *tc = tcase_create("claim");
    tcase_add_test(tc, test_plic_reset_state_claims_nothing);
    tcase_add_test(tc, test_plic_enabled_source_drives_only_its_context);
    tcase_add_test(tc, test_plic_claim_clears_pending_complete_repends_if_high);
    tcase_add_test(tc, test_plic_claim_highest_priority_then_lowest_id);
    tcase_add_test(tc, test_plic_threshold_masks_equal_or_lower_priority);
    tcase_add_test(tc, test_plic_priority_zero_never_interrupts);
    tcase_add_test(tc, test_plic_register_widths_masked);
    tcase_add_test(tc, test_plic_complete_of_disabled_source_ignored);
    tcase_add_test(tc, test_plic_irq_line_helper_reaches_source);
    tcase_add_test(tc, test_plic_bad_geometry_rejected);
    tcase_add_test(tc, test_plic_out_of_range_access_harmless);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(plic_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
