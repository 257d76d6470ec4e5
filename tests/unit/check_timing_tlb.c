/*
 * Unit tests for timing/tlb_model: modelled TLB hits and misses for
 * hand-worked sequences: LRU in a fully associative TLB, set indexing by
 * the 4 KiB page, superpages, address spaces kept apart, and flushes.
 */
#include <check.h>
#include <stdlib.h>

#include "timing/tlb_model.h"

#define PAGE(n) ((uint64_t)(n) << 12)

START_TEST(test_tlb_fully_associative_lru)
{
    /* 3 entries: pages 1 2 3 fill it; touching 1 makes 2 the LRU, which
     * page 4 evicts. */
    struct ttlb t;
    ck_assert_int_eq(ttlb_init(&t, 3, 3), 0);
    for (unsigned p = 1; p <= 3; p++) {
        ck_assert_uint_eq(ttlb_lookup(&t, PAGE(p), 0), 0);
        ttlb_insert(&t, PAGE(p), 0, 12);
    }
    ck_assert_uint_eq(ttlb_lookup(&t, PAGE(1) + 0x123, 0), 12);
    ck_assert_uint_eq(ttlb_lookup(&t, PAGE(4), 0), 0);
    ttlb_insert(&t, PAGE(4), 0, 12);
    ck_assert_uint_eq(ttlb_lookup(&t, PAGE(2), 0), 0);     /* evicted */
    ck_assert_uint_eq(ttlb_lookup(&t, PAGE(3), 0), 12);
    ck_assert_uint_eq(ttlb_lookup(&t, PAGE(1), 0), 12);
    ck_assert_uint_eq(ttlb_lookup(&t, PAGE(4), 0), 12);
    ck_assert_uint_eq(t.access, 9);
    ck_assert_uint_eq(t.miss, 5);
    ttlb_free(&t);
}
END_TEST

START_TEST(test_tlb_sets_indexed_by_4k_page)
{
    /* 4 entries in 2 sets of 2 ways: even pages set 0, odd pages set 1. */
    struct ttlb t;
    ck_assert_int_eq(ttlb_init(&t, 4, 2), 0);
    ttlb_insert(&t, PAGE(0), 0, 12);
    ttlb_insert(&t, PAGE(2), 0, 12);
    ttlb_insert(&t, PAGE(1), 0, 12);
    ttlb_insert(&t, PAGE(4), 0, 12);            /* set 0 full: evicts page 0 */
    ck_assert_uint_eq(ttlb_lookup(&t, PAGE(0), 0), 0);
    ck_assert_uint_eq(ttlb_lookup(&t, PAGE(1), 0), 12);
    ck_assert_uint_eq(ttlb_lookup(&t, PAGE(2), 0), 12);
    ck_assert_uint_eq(ttlb_lookup(&t, PAGE(4), 0), 12);
    ttlb_free(&t);
}
END_TEST

START_TEST(test_tlb_superpage_covers_its_range)
{
    struct ttlb t;
    ck_assert_int_eq(ttlb_init(&t, 8, 8), 0);
    ttlb_insert(&t, 0x40200000 + 0x5000, 1, 21);               /* a 2 MiB page */
    ck_assert_uint_eq(ttlb_lookup(&t, 0x40200000, 1), 21);
    ck_assert_uint_eq(ttlb_lookup(&t, 0x403fffff, 1), 21);
    ck_assert_uint_eq(ttlb_lookup(&t, 0x40400000, 1), 0);      /* next 2 MiB */
    ck_assert_uint_eq(ttlb_lookup(&t, 0x401ff000, 1), 0);      /* previous */
    ttlb_free(&t);
}
END_TEST

START_TEST(test_tlb_spaces_do_not_share_entries)
{
    /* Two address spaces (e.g. two ASIDs) hold the same page side by side. */
    struct ttlb t;
    ck_assert_int_eq(ttlb_init(&t, 8, 8), 0);
    ttlb_insert(&t, PAGE(7), 0x101, 12);
    ck_assert_uint_eq(ttlb_lookup(&t, PAGE(7), 0x001), 0);
    ttlb_insert(&t, PAGE(7), 0x001, 12);
    ck_assert_uint_eq(ttlb_lookup(&t, PAGE(7), 0x101), 12);
    ck_assert_uint_eq(ttlb_lookup(&t, PAGE(7), 0x001), 12);
    ck_assert_uint_eq(ttlb_lookup(&t, PAGE(7), 0x201), 0);
    ttlb_free(&t);
}
END_TEST

START_TEST(test_tlb_flush_va_drops_superpage_from_any_page_in_it)
{
    /* Set-associative: the superpage sits in the set of the page that
     * brought it in, but flushing any address inside it must drop it. */
    struct ttlb t;
    ck_assert_int_eq(ttlb_init(&t, 8, 2), 0);
    ttlb_insert(&t, 0x200000 + PAGE(3), 0, 21);
    ttlb_insert(&t, PAGE(5), 0, 12);
    ttlb_flush_va(&t, 0x200000);
    ck_assert_uint_eq(ttlb_lookup(&t, 0x200000 + PAGE(3), 0), 0);
    ck_assert_uint_eq(ttlb_lookup(&t, PAGE(5), 0), 12);
    ttlb_flush_all(&t);
    ck_assert_uint_eq(ttlb_lookup(&t, PAGE(5), 0), 0);
    ttlb_free(&t);
}
END_TEST

static Suite *timing_tlb_suite(void)
{
    Suite *s = suite_create("timing_tlb");
    TCase *tc = tcase_create("tlb");
    tcase_add_test(tc, test_tlb_fully_associative_lru);
    tcase_add_test(tc, test_tlb_sets_indexed_by_4k_page);
    tcase_add_test(tc, test_tlb_superpage_covers_its_range);
    tcase_add_test(tc, test_tlb_spaces_do_not_share_entries);
    tcase_add_test(tc, test_tlb_flush_va_drops_superpage_from_any_page_in_it);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(timing_tlb_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
