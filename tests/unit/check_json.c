/*
 * Unit tests for core/json: layout, escaping, number formats, misuse.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

struct capture {
    char *buf;
    size_t len;
    FILE *f;
    struct json j;
};

static void cap_open(struct capture *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    ck_assert_ptr_nonnull(c->f);
    json_init(&c->j, c->f);
}

/* Finishes the document; returns json_finish's result, text in c->buf. */
static int cap_close(struct capture *c)
{
    int rc = json_finish(&c->j);
    fclose(c->f);
    return rc;
}

START_TEST(test_json_nested_object_indented_two_spaces)
{
    struct capture c;
    cap_open(&c);
    json_begin_object(&c.j);
    json_kv_str(&c.j, "board", "riscv-virt");
    json_key(&c.j, "cpus");
    json_begin_array(&c.j);
    json_begin_object(&c.j);
    json_kv_u64(&c.j, "insns", 42);
    json_end_object(&c.j);
    json_end_array(&c.j);
    json_end_object(&c.j);
    ck_assert_int_eq(cap_close(&c), 0);
    ck_assert_str_eq(c.buf,
        "{\n"
        "  \"board\": \"riscv-virt\",\n"
        "  \"cpus\": [\n"
        "    {\n"
        "      \"insns\": 42\n"
        "    }\n"
        "  ]\n"
        "}\n");
    free(c.buf);
}
END_TEST

START_TEST(test_json_empty_containers_compact)
{
    struct capture c;
    cap_open(&c);
    json_begin_object(&c.j);
    json_key(&c.j, "a");
    json_begin_array(&c.j);
    json_end_array(&c.j);
    json_key(&c.j, "o");
    json_begin_object(&c.j);
    json_end_object(&c.j);
    json_end_object(&c.j);
    ck_assert_int_eq(cap_close(&c), 0);
    ck_assert_str_eq(c.buf, "{\n  \"a\": [],\n  \"o\": {}\n}\n");
    free(c.buf);
}
END_TEST

START_TEST(test_json_string_special_chars_escaped)
{
    struct capture c;
    cap_open(&c);
    json_string(&c.j, "a\"b\\c\nd\te\x01\x7f" "\xc3\xa9");
    ck_assert_int_eq(cap_close(&c), 0);
    ck_assert_str_eq(c.buf, "\"a\\\"b\\\\c\\nd\\te\\u0001\\u007f\xc3\xa9\"\n");
    free(c.buf);
}
END_TEST

START_TEST(test_json_numbers_fixed_format)
{
    struct capture c;
    cap_open(&c);
    json_begin_array(&c.j);
    json_u64(&c.j, UINT64_MAX);
    json_i64(&c.j, INT64_MIN);
    json_double(&c.j, 1.0 / 3.0);
    json_double(&c.j, 1e20);
    json_double(&c.j, -0.00001);
    json_double(&c.j, 0.0 / 0.0);
    json_double(&c.j, 1.0 / 0.0);
    json_bool(&c.j, true);
    json_null(&c.j);
    json_string(&c.j, NULL);
    json_end_array(&c.j);
    ck_assert_int_eq(cap_close(&c), 0);
    ck_assert_str_eq(c.buf,
        "[\n"
        "  18446744073709551615,\n"
        "  -9223372036854775808,\n"
        "  0.3333,\n"
        "  100000000000000000000.0000,\n"
        "  0.0000,\n"
        "  null,\n"
        "  null,\n"
        "  true,\n"
        "  null,\n"
        "  null\n"
        "]\n");
    free(c.buf);
}
END_TEST

START_TEST(test_json_unclosed_object_fails)
{
    struct capture c;
    cap_open(&c);
    json_begin_object(&c.j);
    json_kv_u64(&c.j, "x", 1);
    ck_assert_int_eq(cap_close(&c), -1);
    free(c.buf);
}
END_TEST

START_TEST(test_json_value_without_key_in_object_fails)
{
    struct capture c;
    cap_open(&c);
    json_begin_object(&c.j);
    json_u64(&c.j, 1);
    json_end_object(&c.j);
    ck_assert_int_eq(cap_close(&c), -1);
    free(c.buf);
}
END_TEST

START_TEST(test_json_key_in_array_fails)
{
    struct capture c;
    cap_open(&c);
    json_begin_array(&c.j);
    json_key(&c.j, "x");
    json_end_array(&c.j);
    ck_assert_int_eq(cap_close(&c), -1);
    free(c.buf);
}
END_TEST

START_TEST(test_json_mismatched_end_fails)
{
    struct capture c;
    cap_open(&c);
    json_begin_array(&c.j);
    json_end_object(&c.j);
    ck_assert_int_eq(cap_close(&c), -1);
    free(c.buf);
}
END_TEST

START_TEST(test_json_too_deep_fails_without_overflow)
{
    struct capture c;
    cap_open(&c);
    for (int i = 0; i < JSON_MAX_DEPTH + 4; i++)
        json_begin_array(&c.j);
    for (int i = 0; i < JSON_MAX_DEPTH + 4; i++)
        json_end_array(&c.j);
    ck_assert_int_eq(cap_close(&c), -1);
    free(c.buf);
}
END_TEST

static Suite *json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("writer");
    tcase_add_test(tc, test_json_nested_object_indented_two_spaces);
    tcase_add_test(tc, test_json_empty_containers_compact);
    tcase_add_test(tc, test_json_string_special_chars_escaped);
    tcase_add_test(tc, test_json_numbers_fixed_format);
    tcase_add_test(tc, test_json_unclosed_object_fails);
    tcase_add_test(tc, test_json_value_without_key_in_object_fails);
    tcase_add_test(tc, test_json_key_in_array_fails);
    tcase_add_test(tc, test_json_mismatched_end_fails);
    tcase_add_test(tc, test_json_too_deep_fails_without_overflow);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(json_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
