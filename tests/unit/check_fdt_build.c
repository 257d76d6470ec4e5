/*
 * Unit tests for core/fdt_build: the tree read back with libfdt, sticky
 * errors, growth, determinism.
 */
#include <check.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fdt_build.h"

static void build_small_tree(struct fdt_build *fb, size_t initial)
{
    static const char *const compat[] = { "sifive,plic-1.0.0", "riscv,plic0" };
    ck_assert_int_eq(fdt_build_init(fb, initial), 0);
    fdt_build_begin_node(fb, "");
    fdt_build_prop_u32(fb, "#address-cells", 2);
    fdt_build_prop_u32(fb, "#size-cells", 2);
    fdt_build_prop_string(fb, "compatible", "riscv-virtio");
    fdt_build_begin_node_at(fb, "memory", 0x80000000);
    fdt_build_prop_string(fb, "device_type", "memory");
    fdt_build_prop_reg(fb, 0x80000000, 0x10000000);
    fdt_build_end_node(fb);
    fdt_build_begin_node_at(fb, "plic", 0xc000000);
    fdt_build_prop_strings(fb, "compatible", compat, 2);
    fdt_build_prop_u32(fb, "phandle", fdt_build_alloc_phandle(fb));
    fdt_build_prop_empty(fb, "interrupt-controller");
    fdt_build_prop_u64(fb, "big", 0x1122334455667788ull);
    const uint32_t cells[] = { 1, 11, 1, 9 };
    fdt_build_prop_cells(fb, "interrupts-extended", cells, 4);
    fdt_build_end_node(fb);
    fdt_build_end_node(fb);
}

START_TEST(test_fdt_build_tree_reads_back)
{
    struct fdt_build fb;
    struct emu_err err;
    build_small_tree(&fb, 4096);
    ck_assert_int_eq(fdt_build_finish(&fb, 1024, &err), 0);
    const void *fdt = fdt_build_blob(&fb);
    ck_assert_int_eq(fdt_check_header(fdt), 0);
    ck_assert_uint_eq(fdt_build_size(&fb), fdt_totalsize(fdt));

    int mem = fdt_path_offset(fdt, "/memory@80000000");
    ck_assert_int_ge(mem, 0);
    int len;
    const fdt32_t *reg = fdt_getprop(fdt, mem, "reg", &len);
    ck_assert_int_eq(len, 16);
    ck_assert_uint_eq(fdt32_to_cpu(reg[0]), 0);
    ck_assert_uint_eq(fdt32_to_cpu(reg[1]), 0x80000000);
    ck_assert_uint_eq(fdt32_to_cpu(reg[2]), 0);
    ck_assert_uint_eq(fdt32_to_cpu(reg[3]), 0x10000000);
    ck_assert_str_eq(fdt_getprop(fdt, mem, "device_type", NULL), "memory");

    int plic = fdt_path_offset(fdt, "/plic@c000000");
    ck_assert_int_ge(plic, 0);
    ck_assert_int_eq(fdt_stringlist_count(fdt, plic, "compatible"), 2);
    ck_assert_int_eq(fdt_node_check_compatible(fdt, plic, "riscv,plic0"), 0);
    ck_assert_uint_eq(fdt_get_phandle(fdt, plic), 1);
    ck_assert_ptr_nonnull(fdt_getprop(fdt, plic, "interrupt-controller", &len));
    ck_assert_int_eq(len, 0);
    const fdt64_t *big = fdt_getprop(fdt, plic, "big", &len);
    ck_assert_int_eq(len, 8);
    ck_assert_uint_eq(fdt64_ld(big), 0x1122334455667788ull);    /* properties are only 4-byte aligned */
    const fdt32_t *ie = fdt_getprop(fdt, plic, "interrupts-extended", &len);
    ck_assert_int_eq(len, 16);
    ck_assert_uint_eq(fdt32_to_cpu(ie[1]), 11);
    fdt_build_free(&fb);
}
END_TEST

START_TEST(test_fdt_build_finish_leaves_room_for_edits)
{
    struct fdt_build fb;
    struct emu_err err;
    build_small_tree(&fb, 4096);
    ck_assert_int_eq(fdt_build_finish(&fb, 2048, &err), 0);
    void *fdt = malloc(fdt_build_size(&fb));
    memcpy(fdt, fdt_build_blob(&fb), fdt_build_size(&fb));
    /* What firmware does: add /chosen in place. */
    int chosen = fdt_add_subnode(fdt, 0, "chosen");
    ck_assert_int_ge(chosen, 0);
    ck_assert_int_eq(fdt_setprop_string(fdt, chosen, "bootargs", "console=ttyS0 earlycon"), 0);
    free(fdt);
    fdt_build_free(&fb);
}
END_TEST

START_TEST(test_fdt_build_small_buffer_grows)
{
    struct fdt_build fb;
    struct emu_err err;
    ck_assert_int_eq(fdt_build_init(&fb, 16), 0);
    fdt_build_begin_node(&fb, "");
    for (unsigned i = 0; i < 200; i++) {
        char name[32];
        snprintf(name, sizeof(name), "prop-%u", i);
        fdt_build_prop_u64(&fb, name, i);
    }
    fdt_build_begin_node_at(&fb, "cpus", 0);
    fdt_build_end_node(&fb);
    fdt_build_end_node(&fb);
    ck_assert_msg(fdt_build_finish(&fb, 0, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(fdt_check_header(fdt_build_blob(&fb)), 0);
    ck_assert_int_ge(fdt_path_offset(fdt_build_blob(&fb), "/cpus@0"), 0);
    ck_assert_uint_gt(fdt_build_size(&fb), 4096);
    const fdt64_t *v = fdt_getprop(fdt_build_blob(&fb), 0, "prop-199", NULL);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(fdt64_to_cpu(*v), 199);
    fdt_build_free(&fb);
}
END_TEST

START_TEST(test_fdt_build_first_error_sticky_and_reported)
{
    struct fdt_build fb;
    struct emu_err err;
    ck_assert_int_eq(fdt_build_init(&fb, 4096), 0);
    fdt_build_begin_node(&fb, "");
    fdt_build_end_node(&fb);
    fdt_build_end_node(&fb);            /* one too many */
    fdt_build_prop_u32(&fb, "late", 1);  /* ignored after the error */
    ck_assert_int_eq(fdt_build_finish(&fb, 0, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "device tree: fdt_end_node"));
    ck_assert_ptr_null(fdt_build_blob(&fb));
    ck_assert_uint_eq(fdt_build_size(&fb), 0);
    fdt_build_free(&fb);
}
END_TEST

START_TEST(test_fdt_build_unclosed_node_fails)
{
    struct fdt_build fb;
    struct emu_err err;
    ck_assert_int_eq(fdt_build_init(&fb, 4096), 0);
    fdt_build_begin_node(&fb, "");
    fdt_build_begin_node(&fb, "soc");
    fdt_build_end_node(&fb);
    ck_assert_int_eq(fdt_build_finish(&fb, 0, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "unclosed node"));
    fdt_build_free(&fb);
}
END_TEST

START_TEST(test_fdt_build_property_outside_node_fails)
{
    struct fdt_build fb;
    struct emu_err err;
    ck_assert_int_eq(fdt_build_init(&fb, 4096), 0);
    fdt_build_prop_u32(&fb, "orphan", 1);
    fdt_build_begin_node(&fb, "");
    fdt_build_end_node(&fb);
    ck_assert_int_eq(fdt_build_finish(&fb, 0, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "fdt_property(orphan)"));
    fdt_build_free(&fb);
}
END_TEST

START_TEST(test_fdt_build_phandles_count_from_one)
{
    struct fdt_build fb;
    ck_assert_int_eq(fdt_build_init(&fb, 4096), 0);
    ck_assert_uint_eq(fdt_build_alloc_phandle(&fb), 1);
    ck_assert_uint_eq(fdt_build_alloc_phandle(&fb), 2);
    ck_assert_uint_eq(fdt_build_alloc_phandle(&fb), 3);
    fdt_build_free(&fb);
}
END_TEST

START_TEST(test_fdt_build_same_calls_identical_bytes)
{
    struct fdt_build a, b;
    struct emu_err err;
    build_small_tree(&a, 4096);
    build_small_tree(&b, 64);
    ck_assert_int_eq(fdt_build_finish(&a, 512, &err), 0);
    ck_assert_int_eq(fdt_build_finish(&b, 512, &err), 0);
    ck_assert_uint_eq(fdt_build_size(&a), fdt_build_size(&b));
    ck_assert_mem_eq(fdt_build_blob(&a), fdt_build_blob(&b), fdt_build_size(&a));
    fdt_build_free(&a);
    fdt_build_free(&b);
}
END_TEST

static Suite *fdt_build_suite(void)
{
    Suite *s = suite_create("fdt_build");
    TCase *tc = tcase_create("build");
    tcase_add_test(tc, test_fdt_build_tree_reads_back);
    tcase_add_test(tc, test_fdt_build_finish_leaves_room_for_edits);
    tcase_add_test(tc, test_fdt_build_small_buffer_grows);
    tcase_add_test(tc, test_fdt_build_first_error_sticky_and_reported);
    tcase_add_test(tc, test_fdt_build_unclosed_node_fails);
    tcase_add_test(tc, test_fdt_build_property_outside_node_fails);
    tcase_add_test(tc, test_fdt_build_phandles_count_from_one);
    tcase_add_test(tc, test_fdt_build_same_calls_identical_bytes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fdt_build_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
