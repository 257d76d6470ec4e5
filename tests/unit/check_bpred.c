/*
 * Unit tests for timing/bpred: mispredictions of bimodal and gshare
 * direction predictors and of the BTB on hand-worked outcome sequences
 * (2-bit counters start at 1, weakly not taken; 0 and 1 predict not
 * taken, 2 and 3 taken).
 */
#include <check.h>
#include <stdlib.h>

#include "timing/bpred.h"

/* Runs outcomes[0..n) (1 = taken) of one branch at pc; returns mispredicts. */
static unsigned run_branch(struct bpred *b, uint64_t pc, const char *outcomes)
{
    unsigned miss = 0;
    for (const char *o = outcomes; *o; o++)
        miss += bpred_branch(b, pc, *o == 'T');
    return miss;
}

START_TEST(test_bpred_bimodal_loop_branch)
{
    /* Counter: 1 -T-> 2 -T-> 3 -T-> 3 -N-> 2 -T-> 3 ...
     * predictions:  N     T     T     T     T
     * The first lap of TTTN misses twice (the first T, the N), every
     * later lap once (its N). */
    struct bpred b;
    ck_assert_int_eq(bpred_init(&b, TIMING_BPRED_BIMODAL, 16, 0, 4), 0);
    ck_assert_uint_eq(run_branch(&b, 0x1000, "TTTN"), 2);
    ck_assert_uint_eq(run_branch(&b, 0x1000, "TTTNTTTN"), 2);
    ck_assert_uint_eq(b.branches, 12);
    ck_assert_uint_eq(b.branch_misses, 4);
    bpred_free(&b);
}
END_TEST

START_TEST(test_bpred_bimodal_alternating_always_misses)
{
    /* 1 -T-> 2 -N-> 1 -T-> 2: each prediction is the opposite outcome. */
    struct bpred b;
    ck_assert_int_eq(bpred_init(&b, TIMING_BPRED_BIMODAL, 16, 0, 4), 0);
    ck_assert_uint_eq(run_branch(&b, 0x1000, "TNTNTNTNTNTNTNTNTNTN"), 20);
    bpred_free(&b);
}
END_TEST

START_TEST(test_bpred_gshare_learns_alternating)
{
    /* History 2 bits, pc 0: index = history.
     *   #  hist idx ctr pred out
     *   1  00   0   1   N    T   miss  (ctr0 -> 2, hist 01)
     *   2  01   1   1   N    N   ok    (ctr1 -> 0, hist 10)
     *   3  10   2   1   N    T   miss  (ctr2 -> 2, hist 01)
     *   4  01   1   0   N    N   ok    (hist 10)
     *   5  10   2   2   T    T   ok    ... and so on, all correct */
    struct bpred b;
    ck_assert_int_eq(bpred_init(&b, TIMING_BPRED_GSHARE, 16, 2, 4), 0);
    ck_assert_uint_eq(run_branch(&b, 0, "TNTNTNTNTNTNTNTNTNTN"), 2);
    bpred_free(&b);
}
END_TEST

START_TEST(test_bpred_branches_at_other_pcs_use_other_counters)
{
    /* Bimodal, 16 counters: pc 0x1000 and 0x1002 are entries 0 and 1;
     * 0x1020 aliases 0x1000 (entry 16 mod 16). */
    struct bpred b;
    ck_assert_int_eq(bpred_init(&b, TIMING_BPRED_BIMODAL, 16, 0, 4), 0);
    run_branch(&b, 0x1000, "TTT");                       /* entry 0 -> 3 */
    ck_assert_uint_eq(run_branch(&b, 0x1002, "T"), 1);   /* entry 1 still 1 */
    ck_assert_uint_eq(run_branch(&b, 0x1020, "T"), 0);   /* shares entry 0 */
    bpred_free(&b);
}
END_TEST

START_TEST(test_bpred_btb_predicts_last_target)
{
    /* 4 entries: jumps at 0x100 and 0x108 share entry 0 ((pc >> 1) & 3). */
    struct bpred b;
    ck_assert_int_eq(bpred_init(&b, TIMING_BPRED_GSHARE, 16, 2, 4), 0);
    ck_assert(bpred_indirect(&b, 0x100, 0x5000));      /* cold */
    ck_assert(!bpred_indirect(&b, 0x100, 0x5000));
    ck_assert(!bpred_indirect(&b, 0x100, 0x5000));
    ck_assert(bpred_indirect(&b, 0x100, 0x6000));      /* new target */
    ck_assert(!bpred_indirect(&b, 0x100, 0x6000));
    ck_assert(bpred_indirect(&b, 0x108, 0x6000));      /* same target, other jump */
    ck_assert(bpred_indirect(&b, 0x100, 0x6000));      /* evicted by it */
    ck_assert(bpred_indirect(&b, 0x102, 0x7000));      /* cold entry 1 */
    ck_assert_uint_eq(b.indirect, 8);
    ck_assert_uint_eq(b.indirect_misses, 5);
    ck_assert_uint_eq(b.branches, 0);
    bpred_free(&b);
}
END_TEST

static Suite *bpred_suite(void)
{
    Suite *s = suite_create("bpred");
    TCase *tc = tcase_create("predict");
    tcase_add_test(tc, test_bpred_bimodal_loop_branch);
    tcase_add_test(tc, test_bpred_bimodal_alternating_always_misses);
    tcase_add_test(tc, test_bpred_gshare_learns_alternating);
    tcase_add_test(tc, test_bpred_branches_at_other_pcs_use_other_counters);
    tcase_add_test(tc, test_bpred_btb_predicts_last_target);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bpred_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
