/*
 * Unit tests for timing/cache: hit and miss of hand-worked access
 * sequences through set-associative LRU caches, and the counters the
 * statistics and hpm events read.
 */
#include <check.h>
#include <stdlib.h>

#include "timing/cache.h"

/* 2 sets x 2 ways x 64-byte lines: line n lives in set n % 2. */
#define LINE 64u
#define A (0 * LINE)     /* set 0 */
#define B (2 * LINE)     /* set 0 */
#define C (4 * LINE)     /* set 0 */
#define D (1 * LINE)     /* set 1 */

START_TEST(test_cache_first_touch_misses_then_hits)
{
    struct tcache c;
    ck_assert_int_eq(tcache_init(&c, 256, 2, LINE), 0);
    ck_assert(!tcache_access(&c, A, TCACHE_READ));
    ck_assert(tcache_access(&c, A + 8, TCACHE_READ));       /* same line */
    ck_assert(tcache_access(&c, A + 63, TCACHE_READ));
    ck_assert(!tcache_access(&c, A + 64, TCACHE_READ));     /* next line: D's set, a new line */
    ck_assert_uint_eq(c.access[TCACHE_READ], 4);
    ck_assert_uint_eq(c.miss[TCACHE_READ], 2);
    tcache_free(&c);
}
END_TEST

START_TEST(test_cache_lru_evicts_least_recent_of_set)
{
    /*   access  set 0 after (MRU first)  result
     *   A       A                        miss
     *   B       B A                      miss
     *   A       A B                      hit
     *   C       C A     (B evicted)      miss
     *   D       set 1: D                 miss, set 0 untouched
     *   A       A C                      hit
     *   B       B A     (C evicted)      miss
     *   C       C B     (A evicted)      miss
     *   B       B C                      hit
     */
    static const struct { uint64_t pa; bool hit; } seq[] = {
        { A, false }, { B, false }, { A, true }, { C, false }, { D, false },
        { A, true }, { B, false }, { C, false }, { B, true },
    };
    struct tcache c;
    ck_assert_int_eq(tcache_init(&c, 256, 2, LINE), 0);
    for (unsigned i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
        ck_assert_msg(tcache_access(&c, seq[i].pa, TCACHE_READ) == seq[i].hit, "access %u", i);
    ck_assert_uint_eq(c.miss[TCACHE_READ], 6);
    ck_assert(tcache_probe(&c, B) && tcache_probe(&c, C) && !tcache_probe(&c, A));
    tcache_free(&c);
}
END_TEST

START_TEST(test_cache_direct_mapped_conflicts_every_time)
{
    /* 4 sets x 1 way: addresses 256 bytes apart share set 0. */
    struct tcache c;
    ck_assert_int_eq(tcache_init(&c, 256, 1, LINE), 0);
    for (unsigned i = 0; i < 10; i++)
        ck_assert(!tcache_access(&c, (i & 1) * 256, TCACHE_READ));
    ck_assert_uint_eq(c.miss[TCACHE_READ], 10);
    tcache_free(&c);
}
END_TEST

START_TEST(test_cache_cyclic_set_larger_than_capacity_always_misses)
{
    /* LRU's worst case: cycling through capacity + 1 lines of one set. */
    struct tcache c;
    ck_assert_int_eq(tcache_init(&c, 4 * 8 * LINE, 8, LINE), 0);      /* 4 sets, 8 ways */
    for (unsigned lap = 0; lap < 3; lap++) {
        for (unsigned i = 0; i < 9; i++)
            ck_assert(!tcache_access(&c, (uint64_t)i * 4 * LINE, TCACHE_READ));
    }
    /* With exactly 8 lines, everything hits after the first lap. */
    struct tcache d;
    ck_assert_int_eq(tcache_init(&d, 4 * 8 * LINE, 8, LINE), 0);
    for (unsigned lap = 0; lap < 3; lap++) {
        for (unsigned i = 0; i < 8; i++)
            ck_assert(tcache_access(&d, (uint64_t)i * 4 * LINE, TCACHE_READ) == (lap > 0));
    }
    tcache_free(&c);
    tcache_free(&d);
}
END_TEST

START_TEST(test_cache_reads_and_writes_counted_apart)
{
    struct tcache c;
    ck_assert_int_eq(tcache_init(&c, 256, 2, LINE), 0);
    tcache_access(&c, A, TCACHE_WRITE);         /* write miss allocates */
    ck_assert(tcache_access(&c, A, TCACHE_READ));
    tcache_access(&c, B, TCACHE_WRITE);
    tcache_access(&c, B, TCACHE_WRITE);
    ck_assert_uint_eq(c.access[TCACHE_WRITE], 3);
    ck_assert_uint_eq(c.miss[TCACHE_WRITE], 2);
    ck_assert_uint_eq(c.access[TCACHE_READ], 1);
    ck_assert_uint_eq(c.miss[TCACHE_READ], 0);
    tcache_free(&c);
}
END_TEST

START_TEST(test_cache_invalidate_all_empties_lines)
{
    struct tcache c;
    ck_assert_int_eq(tcache_init(&c, 256, 2, LINE), 0);
    tcache_access(&c, A, TCACHE_READ);
    tcache_invalidate_all(&c);
    ck_assert(!tcache_probe(&c, A));
    ck_assert(!tcache_access(&c, A, TCACHE_READ));
    ck_assert_uint_eq(c.miss[TCACHE_READ], 2);
    tcache_free(&c);
}
END_TEST

START_TEST(test_cache_address_zero_is_a_real_line)
{
    /* Line 0 must not look like an empty slot. */
    struct tcache c;
    ck_assert_int_eq(tcache_init(&c, 256, 2, LINE), 0);
    ck_assert(!tcache_access(&c, 0, TCACHE_READ));
    ck_assert(tcache_access(&c, 0, TCACHE_READ));
    ck_assert(!tcache_probe(&c, 2 * LINE));
    tcache_free(&c);
}
END_TEST

static Suite *cache_suite(void)
{
    Suite *s = suite_create("cache");
    TCase *tc = tcase_create("lru");
    tcase_add_test(tc, test_cache_first_touch_misses_then_hits);
    tcase_add_test(tc, test_cache_lru_evicts_least_recent_of_set);
    tcase_add_test(tc, test_cache_direct_mapped_conflicts_every_time);
    tcase_add_test(tc, test_cache_cyclic_set_larger_than_capacity_always_misses);
    tcase_add_test(tc, test_cache_reads_and_writes_counted_apart);
    tcase_add_test(tc, test_cache_invalidate_all_empties_lines);
    tcase_add_test(tc, test_cache_address_zero_is_a_real_line);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cache_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
