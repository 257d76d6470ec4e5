/*
 * Unit tests for core/memmap_release: giving guest RAM back to the host
 * (zeroes, or a kept fill pattern), host pages larger than the guest's
 * 4 KiB, refused ranges, and the resident-memory measurement.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/memmap.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define RAM_BASE 0x80000000ull
#define RAM_SIZE (4 * MiB)
#define PG MEM_PAGE_SIZE

static uint64_t dummy_read(void *dev, uint64_t off, unsigned size) { return 0; }
static void dummy_write(void *dev, uint64_t off, uint64_t val, unsigned size) {}
static const struct dev_ops dummy_ops = { .read = dummy_read, .write = dummy_write };

static void build_map(struct memmap *m)
{
    struct emu_err err;
    memmap_init(m);
    ck_assert_int_eq(memmap_add_ram(m, RAM_BASE, RAM_SIZE, "ram", &err), 0);
    ck_assert_int_eq(memmap_add_rom(m, 0x1000, 4 * KiB, "rom", &err), 0);
    ck_assert_int_eq(memmap_add_mmio(m, 0x10000000, 0x1000, &dummy_ops, NULL, "mmio", &err), 0);
    memmap_ram_base_pages(m);
}

static uint8_t *host(struct memmap *m, uint64_t addr)
{
    uint8_t *p = memmap_host_ptr(m, addr, 1);
    ck_assert_ptr_nonnull(p);
    return p;
}

static void fill(struct memmap *m, uint64_t addr, uint64_t len, uint8_t v)
{
    memset(host(m, addr), v, len);
}

/* Every byte of [addr, addr+len) is v. */
static bool all(struct memmap *m, uint64_t addr, uint64_t len, uint8_t v)
{
    const uint8_t *p = host(m, addr);
    for (uint64_t i = 0; i < len; i++) {
        if (p[i] != v)
            return false;
    }
    return true;
}

/* A guest address whose host address starts a host page of size hp. */
static uint64_t host_aligned(struct memmap *m, uint64_t hp, uint64_t at_least)
{
    uintptr_t h = (uintptr_t)host(m, RAM_BASE + at_least);
    return RAM_BASE + at_least + ((hp - h % hp) % hp);
}

START_TEST(test_memmap_release_zero_drops_page_and_keeps_neighbours)
{
    struct memmap m;
    struct memmap_release rel;
    build_map(&m);
    fill(&m, RAM_BASE + 0x10000, 3 * PG, 0x5a);
    ck_assert_uint_eq(memmap_ram_resident_range(&m, RAM_BASE + 0x10000, 3 * PG), 3 * PG);
    ck_assert_int_eq(memmap_ram_release(&m, RAM_BASE + 0x11000, PG, 0, &rel), 0);
    ck_assert_uint_eq(rel.dropped, PG);
    ck_assert_uint_eq(rel.freed, PG);
    ck_assert_uint_eq(rel.written, 0);
    ck_assert(all(&m, RAM_BASE + 0x11000, PG, 0));
    ck_assert(all(&m, RAM_BASE + 0x10000, PG, 0x5a));
    ck_assert(all(&m, RAM_BASE + 0x12000, PG, 0x5a));
    /* Reading the dropped page maps the shared zero page: still free. */
    ck_assert_uint_eq(memmap_ram_resident_range(&m, RAM_BASE + 0x11000, PG), 0);
    ck_assert_uint_eq(memmap_ram_resident_range(&m, RAM_BASE + 0x10000, 3 * PG), 2 * PG);
    memmap_free(&m);
}
END_TEST

START_TEST(test_memmap_release_untouched_range_frees_nothing)
{
    struct memmap m;
    struct memmap_release rel;
    build_map(&m);
    ck_assert_int_eq(memmap_ram_release(&m, RAM_BASE + 0x200000, 64 * PG, 0, &rel), 0);
    ck_assert_uint_eq(rel.dropped, 64 * PG);
    ck_assert_uint_eq(rel.freed, 0);
    ck_assert(all(&m, RAM_BASE + 0x200000, 64 * PG, 0));
    memmap_free(&m);
}
END_TEST

START_TEST(test_memmap_resident_counts_written_pages_not_read_ones)
{
    struct memmap m;
    build_map(&m);
    ck_assert_uint_eq(memmap_ram_resident(&m), 0);
    fill(&m, RAM_BASE + 0x40000, 10 * PG, 1);
    ck_assert(all(&m, RAM_BASE + 0x80000, 5 * PG, 0));      /* read only */
    ck_assert_uint_eq(memmap_ram_resident(&m), 10 * PG);
    ck_assert_uint_eq(memmap_ram_resident_range(&m, RAM_BASE + 0x80000, 5 * PG), 0);
    ck_assert_uint_eq(memmap_ram_resident_range(&m, 0x10000000, PG), 0);   /* MMIO */
    memmap_free(&m);
}
END_TEST

START_TEST(test_memmap_release_fill_keeps_pattern_in_place)
{
    struct memmap m;
    struct memmap_release rel;
    build_map(&m);
    uint64_t a = RAM_BASE + 0x20000;
    fill(&m, a, 4 * PG, 0xaa);             /* poisoned as the driver must */
    fill(&m, a + 2 * PG + 100, 8, 0x13);   /* one page the guest scribbled on */
    ck_assert_int_eq(memmap_ram_release(&m, a, 4 * PG, 0xaaaaaaaau, &rel), 0);
    ck_assert(all(&m, a, 4 * PG, 0xaa));
    ck_assert_uint_eq(rel.dropped, 0);
    ck_assert_uint_eq(rel.written, PG);    /* only the page that differed */
    memmap_free(&m);
}
END_TEST

START_TEST(test_memmap_release_fill_is_little_endian_from_aligned_words)
{
    struct memmap m;
    struct memmap_release rel;
    build_map(&m);
    uint64_t a = RAM_BASE + 0x30000;
    ck_assert_int_eq(memmap_ram_release(&m, a, 2 * PG, 0x11223344u, &rel), 0);
    const uint8_t *p = host(&m, a);
    for (unsigned i = 0; i < 2 * PG; i += 4) {
        ck_assert_uint_eq(p[i], 0x44);
        ck_assert_uint_eq(p[i + 1], 0x33);
        ck_assert_uint_eq(p[i + 2], 0x22);
        ck_assert_uint_eq(p[i + 3], 0x11);
    }
    ck_assert_uint_eq(rel.written, 2 * PG);
    memmap_free(&m);
}
END_TEST

/* A 16 KiB host page: releasing one guest page of it zeroes that page
 * only; releasing the last non-zero one gives the whole host page back. */
START_TEST(test_memmap_release_large_host_page_drops_when_all_zero)
{
    struct memmap m;
    struct memmap_release rel;
    const uint64_t hp = 16 * KiB;
    build_map(&m);
    m.host_page_size = hp;
    uint64_t a = host_aligned(&m, hp, 0x100000);
    fill(&m, a, hp, 0x77);
    ck_assert_int_eq(memmap_ram_release(&m, a + PG, PG, 0, &rel), 0);
    ck_assert_uint_eq(rel.dropped, 0);
    ck_assert_uint_eq(rel.written, PG);
    ck_assert(all(&m, a + PG, PG, 0));
    ck_assert(all(&m, a, PG, 0x77));
    ck_assert(all(&m, a + 2 * PG, 2 * PG, 0x77));
    ck_assert_uint_eq(memmap_ram_resident_range(&m, a, hp), hp);

    ck_assert_int_eq(memmap_ram_release(&m, a, PG, 0, &rel), 0);
    ck_assert_int_eq(memmap_ram_release(&m, a + 2 * PG, 2 * PG, 0, &rel), 0);
    ck_assert_uint_eq(rel.dropped, hp);
    ck_assert_uint_eq(rel.freed, hp);
    ck_assert(all(&m, a, hp, 0));
    ck_assert_uint_eq(memmap_ram_resident_range(&m, a, hp), 0);
    memmap_free(&m);
}
END_TEST

/* Two partial host pages and a whole one between them. */
START_TEST(test_memmap_release_large_host_page_straddling_range)
{
    struct memmap m;
    struct memmap_release rel;
    const uint64_t hp = 16 * KiB;
    build_map(&m);
    m.host_page_size = hp;
    uint64_t a = host_aligned(&m, hp, 0x100000);
    fill(&m, a, 3 * hp, 0x31);
    ck_assert_int_eq(memmap_ram_release(&m, a + 3 * PG, hp + 2 * PG, 0, &rel), 0);
    ck_assert_uint_eq(rel.dropped, hp);
    ck_assert_uint_eq(rel.written, 2 * PG);
    ck_assert(all(&m, a, 3 * PG, 0x31));
    ck_assert(all(&m, a + 3 * PG, hp + 2 * PG, 0));
    ck_assert(all(&m, a + 2 * hp + PG, hp - PG, 0x31));
    memmap_free(&m);
}
END_TEST

START_TEST(test_memmap_release_refuses_bad_ranges_untouched)
{
    struct memmap m;
    struct memmap_release rel;
    build_map(&m);
    fill(&m, RAM_BASE, RAM_SIZE, 0x42);
    ck_assert_int_eq(memmap_ram_release(&m, RAM_BASE + 0x800, PG, 0, &rel), -1);          /* unaligned */
    ck_assert_int_eq(memmap_ram_release(&m, RAM_BASE, 100, 0, &rel), -1);                 /* partial page */
    ck_assert_int_eq(memmap_ram_release(&m, RAM_BASE + RAM_SIZE - PG, 2 * PG, 0, &rel), -1); /* past the end */
    ck_assert_int_eq(memmap_ram_release(&m, 0x1000, PG, 0, &rel), -1);                     /* ROM */
    ck_assert_int_eq(memmap_ram_release(&m, 0x10000000, PG, 0, &rel), -1);                 /* MMIO */
    ck_assert_int_eq(memmap_ram_release(&m, 0x20000000, PG, 0, &rel), -1);                 /* hole */
    ck_assert_int_eq(memmap_ram_release(&m, RAM_BASE, UINT64_MAX & ~(PG - 1), 0, &rel), -1); /* huge */
    ck_assert_int_eq(memmap_ram_release(&m, RAM_BASE + 0x1000, 0, 0, &rel), 0);            /* empty */
    ck_assert_uint_eq(rel.dropped + rel.written, 0);
    ck_assert(all(&m, RAM_BASE, RAM_SIZE, 0x42));
    memmap_free(&m);
}
END_TEST

START_TEST(test_memmap_discard_is_release_to_zero)
{
    struct memmap m;
    build_map(&m);
    fill(&m, RAM_BASE, 2 * PG, 9);
    ck_assert_int_eq(memmap_ram_discard(&m, RAM_BASE, PG), 0);
    ck_assert(all(&m, RAM_BASE, PG, 0));
    ck_assert(all(&m, RAM_BASE + PG, PG, 9));
    memmap_free(&m);
}
END_TEST

static Suite *memmap_release_suite(void)
{
    Suite *s = suite_create("memmap_release");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_memmap_release_zero_drops_page_and_keeps_neighbours);
    tcase_add_test(tc, test_memmap_release_untouched_range_frees_nothing);
    tcase_add_test(tc, test_memmap_resident_counts_written_pages_not_read_ones);
    tcase_add_test(tc, test_memmap_release_fill_keeps_pattern_in_place);
    tcase_add_test(tc, test_memmap_release_fill_is_little_endian_from_aligned_words);
    tcase_add_test(tc, test_memmap_release_large_host_page_drops_when_all_zero);
    tcase_add_test(tc, test_memmap_release_large_host_page_straddling_range);
    tcase_add_test(tc, test_memmap_release_refuses_bad_ranges_untouched);
    tcase_add_test(tc, test_memmap_discard_is_release_to_zero);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(memmap_release_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
