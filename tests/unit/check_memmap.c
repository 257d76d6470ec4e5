/*
 * Unit tests for core/memmap: building the map as a transaction, lookup,
 * host pointer bounds, discarding RAM.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/memmap.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)

static uint64_t dummy_read(void *dev, uint64_t off, unsigned size) { return 0; }
static void dummy_write(void *dev, uint64_t off, uint64_t val, unsigned size) {}
static const struct dev_ops dummy_ops = { .read = dummy_read, .write = dummy_write };

/* ROM at 4 KiB, MMIO at 0x1000_0000, RAM at 0x8000_0000 (2 MiB) and a
 * second RAM right behind it. */
static void build_map(struct memmap *m)
{
    struct emu_err err;
    memmap_init(m);
    ck_assert_int_eq(memmap_add_ram(m, 0x80000000, 2 * MiB, "ram0", &err), 0);
    ck_assert_int_eq(memmap_add_rom(m, 0x1000, 4 * KiB, "rom", &err), 0);
    ck_assert_int_eq(memmap_add_mmio(m, 0x10000000, 0x100, &dummy_ops, NULL, "uart", &err), 0);
    ck_assert_int_eq(memmap_add_ram(m, 0x80200000, 1 * MiB, "ram1", &err), 0);
}

START_TEST(test_memmap_regions_sorted_by_base)
{
    struct memmap m;
    build_map(&m);
    ck_assert_uint_eq(m.n, 4);
    for (size_t i = 1; i < m.n; i++)
        ck_assert_uint_lt(m.r[i - 1].base, m.r[i].base);
    ck_assert_str_eq(m.r[0].name, "rom");
    ck_assert_str_eq(m.r[3].name, "ram1");
    memmap_free(&m);
}
END_TEST

START_TEST(test_memmap_find_hits_and_holes)
{
    struct memmap m;
    build_map(&m);
    ck_assert_str_eq(memmap_find(&m, 0x1000)->name, "rom");
    ck_assert_str_eq(memmap_find(&m, 0x1fff)->name, "rom");
    ck_assert_ptr_null(memmap_find(&m, 0x2000));
    ck_assert_ptr_null(memmap_find(&m, 0xfff));
    ck_assert_ptr_null(memmap_find(&m, 0));
    struct mem_region *u = memmap_find(&m, 0x100000ff);
    ck_assert_ptr_nonnull(u);
    ck_assert_int_eq(u->kind, MEM_MMIO);
    ck_assert_ptr_eq(u->ops, &dummy_ops);
    ck_assert_ptr_null(memmap_find(&m, 0x10000100));
    ck_assert_str_eq(memmap_find(&m, 0x801fffff)->name, "ram0");
    ck_assert_str_eq(memmap_find(&m, 0x80200000)->name, "ram1");
    ck_assert_ptr_null(memmap_find(&m, 0x80300000));
    ck_assert_ptr_null(memmap_find(&m, UINT64_MAX));
    memmap_free(&m);
}
END_TEST

START_TEST(test_memmap_overlap_rejected_old_map_untouched)
{
    struct memmap m;
    struct emu_err err;
    build_map(&m);
    uint8_t *p = memmap_host_ptr(&m, 0x80000000, 4);
    memcpy(p, "emu!", 4);
    struct mem_region *before = m.r;
    size_t n = m.n;
    struct mem_region copy[4];
    memcpy(copy, m.r, sizeof(copy));

    /* Overlapping the end, the start, containing and contained. */
    ck_assert_int_eq(memmap_add_ram(&m, 0x801ff000, 4 * KiB * 2, "late", &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "overlaps"));
    ck_assert_int_eq(memmap_add_ram(&m, 0x7ffff000, 8 * KiB, "early", &err), -1);
    ck_assert_int_eq(memmap_add_ram(&m, 0x70000000, 512 * MiB, "big", &err), -1);
    ck_assert_int_eq(memmap_add_mmio(&m, 0x10000080, 4, &dummy_ops, NULL, "inside", &err), -1);
    ck_assert_int_eq(memmap_add_mmio(&m, 0x0fffff00, 0x101, &dummy_ops, NULL, "edge", &err), -1);

    ck_assert_ptr_eq(m.r, before);
    ck_assert_uint_eq(m.n, n);
    ck_assert_mem_eq(m.r, copy, sizeof(copy));
    ck_assert_mem_eq(memmap_host_ptr(&m, 0x80000000, 4), "emu!", 4);
    memmap_free(&m);
}
END_TEST

START_TEST(test_memmap_adjacent_regions_accepted)
{
    struct memmap m;
    struct emu_err err;
    build_map(&m);
    ck_assert_int_eq(memmap_add_mmio(&m, 0x10000100, 0x100, &dummy_ops, NULL, "next", &err), 0);
    ck_assert_int_eq(memmap_add_ram(&m, 0x2000, 4 * KiB, "after-rom", &err), 0);
    ck_assert_uint_eq(m.n, 6);
    memmap_free(&m);
}
END_TEST

START_TEST(test_memmap_bad_ram_shapes_rejected)
{
    struct memmap m;
    struct emu_err err;
    memmap_init(&m);
    ck_assert_int_eq(memmap_add_ram(&m, 0x80000800, 4 * KiB, "unaligned-base", &err), -1);
    ck_assert_int_eq(memmap_add_ram(&m, 0x80000000, 100, "unaligned-size", &err), -1);
    ck_assert_int_eq(memmap_add_ram(&m, 0x80000000, 0, "empty", &err), -1);
    ck_assert_int_eq(memmap_add_mmio(&m, 0x1000, 0, &dummy_ops, NULL, "empty", &err), -1);
    ck_assert_int_eq(memmap_add_ram(&m, 0xfffffffffffff000ull, 8 * KiB, "wrap", &err), -1);
    ck_assert_int_eq(memmap_add_mmio(&m, UINT64_MAX, 2, &dummy_ops, NULL, "wrap", &err), -1);
    ck_assert_uint_eq(m.n, 0);
    memmap_free(&m);
}
END_TEST

START_TEST(test_memmap_host_ptr_inside_region_ok)
{
    struct memmap m;
    build_map(&m);
    uint8_t *base = memmap_host_ptr(&m, 0x80000000, 1);
    ck_assert_ptr_nonnull(base);
    ck_assert_ptr_eq(memmap_host_ptr(&m, 0x80000010, 16), base + 16);
    /* The last byte, and the whole region in one go. */
    ck_assert_ptr_eq(memmap_host_ptr(&m, 0x801fffff, 1), base + 2 * MiB - 1);
    ck_assert_ptr_eq(memmap_host_ptr(&m, 0x80000000, 2 * MiB), base);
    ck_assert_ptr_nonnull(memmap_host_ptr(&m, 0x1000, 4 * KiB));   /* ROM */
    memmap_free(&m);
}
END_TEST

START_TEST(test_memmap_host_ptr_outside_or_straddling_null)
{
    struct memmap m;
    build_map(&m);
    /* One byte past the end. */
    ck_assert_ptr_null(memmap_host_ptr(&m, 0x80000000, 2 * MiB + 1));
    ck_assert_ptr_null(memmap_host_ptr(&m, 0x801ffff0, 0x11));
    /* Straddling ram0 and ram1, although both are RAM and adjacent. */
    ck_assert_ptr_null(memmap_host_ptr(&m, 0x801ffffc, 8));
    /* Holes, MMIO, enormous lengths. */
    ck_assert_ptr_null(memmap_host_ptr(&m, 0x0, 1));
    ck_assert_ptr_null(memmap_host_ptr(&m, 0x10000000, 4));
    ck_assert_ptr_null(memmap_host_ptr(&m, 0x80000000, UINT64_MAX));
    ck_assert_ptr_null(memmap_host_ptr(&m, 0x80000001, UINT64_MAX));
    ck_assert_ptr_null(memmap_host_ptr(&m, 0x1fff, 2));
    memmap_free(&m);
}
END_TEST

START_TEST(test_memmap_host_ptr_top_of_address_space_no_wrap)
{
    struct memmap m;
    struct emu_err err;
    memmap_init(&m);
    /* A page ending exactly at 2^64 is legal; accesses must not wrap to 0. */
    ck_assert_int_eq(memmap_add_ram(&m, 0xfffffffffffff000ull, 4 * KiB, "top", &err), 0);
    ck_assert_int_eq(memmap_add_ram(&m, 0, 4 * KiB, "bottom", &err), 0);
    ck_assert_ptr_nonnull(memmap_host_ptr(&m, UINT64_MAX, 1));
    ck_assert_ptr_nonnull(memmap_host_ptr(&m, 0xfffffffffffff000ull, 4 * KiB));
    ck_assert_ptr_null(memmap_host_ptr(&m, UINT64_MAX, 2));
    ck_assert_ptr_null(memmap_host_ptr(&m, 0xfffffffffffffff0ull, 0x20));
    ck_assert_str_eq(memmap_find(&m, UINT64_MAX)->name, "top");
    memmap_free(&m);
}
END_TEST

START_TEST(test_memmap_discard_reads_zero)
{
    struct memmap m;
    build_map(&m);
    uint8_t *p = memmap_host_ptr(&m, 0x80001000, 2 * MEM_PAGE_SIZE);
    memset(p, 0xa5, 2 * MEM_PAGE_SIZE);
    ck_assert_int_eq(memmap_ram_discard(&m, 0x80001000, MEM_PAGE_SIZE), 0);
    for (uint64_t i = 0; i < MEM_PAGE_SIZE; i++)
        ck_assert_uint_eq(p[i], 0);
    /* The next page is kept. */
    ck_assert_uint_eq(p[MEM_PAGE_SIZE], 0xa5);
    ck_assert_uint_eq(p[2 * MEM_PAGE_SIZE - 1], 0xa5);
    memmap_free(&m);
}
END_TEST

START_TEST(test_memmap_discard_bad_ranges_rejected)
{
    struct memmap m;
    build_map(&m);
    uint8_t *p = memmap_host_ptr(&m, 0x80000000, 1);
    *p = 7;
    ck_assert_int_eq(memmap_ram_discard(&m, 0x80000800, MEM_PAGE_SIZE), -1);   /* unaligned */
    ck_assert_int_eq(memmap_ram_discard(&m, 0x80000000, 100), -1);
    ck_assert_int_eq(memmap_ram_discard(&m, 0x801ff000, 2 * MEM_PAGE_SIZE), -1); /* straddles */
    ck_assert_int_eq(memmap_ram_discard(&m, 0x1000, MEM_PAGE_SIZE), -1);       /* ROM */
    ck_assert_int_eq(memmap_ram_discard(&m, 0x10000000, MEM_PAGE_SIZE), -1);   /* MMIO */
    ck_assert_int_eq(memmap_ram_discard(&m, 0x40000000, MEM_PAGE_SIZE), -1);   /* hole */
    ck_assert_uint_eq(*p, 7);
    memmap_free(&m);
}
END_TEST

static Suite *memmap_suite(void)
{
    Suite *s = suite_create("memmap");
    TCase *tc = tcase_create("map");
    tcase_add_test(tc, test_memmap_regions_sorted_by_base);
    tcase_add_test(tc, test_memmap_find_hits_and_holes);
    tcase_add_test(tc, test_memmap_overlap_rejected_old_map_untouched);
    tcase_add_test(tc, test_memmap_adjacent_regions_accepted);
    tcase_add_test(tc, test_memmap_bad_ram_shapes_rejected);
    tcase_add_test(tc, test_memmap_host_ptr_inside_region_ok);
    tcase_add_test(tc, test_memmap_host_ptr_outside_or_straddling_null);
    tcase_add_test(tc, test_memmap_host_ptr_top_of_address_space_no_wrap);
    tcase_add_test(tc, test_memmap_discard_reads_zero);
    tcase_add_test(tc, test_memmap_discard_bad_ranges_rejected);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(memmap_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
