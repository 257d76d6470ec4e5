/* Device option strings: "NAME,key=value" as -device and -drive take them. */
#include <check.h>
#include <stdlib.h>

#include "core/devopts.h"

START_TEST(name_and_pairs)
{
    struct devopts o;
    struct emu_err err;
    ck_assert_int_eq(devopts_parse(&o, "virtio-blk,file=a.img,readonly", &err), 0);
    ck_assert_str_eq(o.name, "virtio-blk");
    ck_assert_uint_eq(o.n, 2);
    ck_assert_str_eq(devopts_get(&o, "file"), "a.img");
    bool ro = false;
    ck_assert_int_eq(devopts_bool(&o, "readonly", false, &ro, &err), 0);
    ck_assert(ro);
    ck_assert_ptr_null(devopts_get(&o, "serial"));
    devopts_free(&o);
}
END_TEST

START_TEST(double_comma_is_literal)
{
    struct devopts o;
    struct emu_err err;
    ck_assert_int_eq(devopts_parse(&o, "virtio-blk,file=a,,b.img,discard=off", &err), 0);
    ck_assert_str_eq(devopts_get(&o, "file"), "a,b.img");
    ck_assert_str_eq(devopts_get(&o, "discard"), "off");
    devopts_free(&o);
}
END_TEST

START_TEST(bad_strings_are_refused)
{
    static const char *const bad[] = { "", "file=x", "blk,", "blk,=1", "blk,a=1,", };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct devopts o;
        struct emu_err err;
        ck_assert_msg(devopts_parse(&o, bad[i], &err) < 0, "accepted '%s'", bad[i]);
        devopts_free(&o);
    }
}
END_TEST

START_TEST(unknown_and_repeated_keys)
{
    static const char *const keys[] = { "file", "readonly", NULL };
    struct devopts o;
    struct emu_err err;
    ck_assert_int_eq(devopts_parse(&o, "virtio-blk,file=a,bogus=1", &err), 0);
    ck_assert_int_lt(devopts_check_keys(&o, keys, &err), 0);
    ck_assert_str_eq(err.msg, "virtio-blk: unknown option 'bogus' (see -device help)");
    devopts_free(&o);
    ck_assert_int_eq(devopts_parse(&o, "virtio-blk,file=a,file=b", &err), 0);
    ck_assert_int_lt(devopts_check_keys(&o, keys, &err), 0);
    devopts_free(&o);
}
END_TEST

START_TEST(typed_values)
{
    struct devopts o;
    struct emu_err err;
    uint64_t n;
    bool b;
    ck_assert_int_eq(devopts_parse(&o, "x,seed=0x10,target=64,t2=1G,flag=maybe,neg=-1", &err), 0);
    ck_assert_int_eq(devopts_u64(&o, "seed", 0, &n, &err), 0);
    ck_assert_uint_eq(n, 16);
    ck_assert_int_eq(devopts_size(&o, "target", 0, &n, &err), 0);
    ck_assert_uint_eq(n, 64ull << 20);
    ck_assert_int_eq(devopts_size(&o, "t2", 0, &n, &err), 0);
    ck_assert_uint_eq(n, 1ull << 30);
    ck_assert_int_lt(devopts_bool(&o, "flag", false, &b, &err), 0);
    ck_assert_int_lt(devopts_u64(&o, "neg", 0, &n, &err), 0);
    ck_assert_int_eq(devopts_u64(&o, "absent", 7, &n, &err), 0);
    ck_assert_uint_eq(n, 7);
    ck_assert_int_eq(devopts_set(&o, "seed", "5", &err), 0);
    ck_assert_int_eq(devopts_u64(&o, "seed", 0, &n, &err), 0);
    ck_assert_uint_eq(n, 5);
    devopts_free(&o);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("devopts");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, name_and_pairs);
    tcase_add_test(tc, double_comma_is_literal);
    tcase_add_test(tc, bad_strings_are_refused);
    tcase_add_test(tc, unknown_and_repeated_keys);
    tcase_add_test(tc, typed_values);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
