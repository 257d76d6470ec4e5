/*
 * Unit tests for core/snap (the snapshot and log serializer) and the
 * hash64 primitive of core/statehash: fields come back as written; a
 * damaged, truncated, foreign or newer file is refused before anything is
 * read from it; a loader that disagrees with the file stops at the first
 * difference and names it; hashes follow content and nothing else.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/snap.h"
#include "core/statehash.h"

static char path[64];

static void setup(void)
{
    snprintf(path, sizeof(path), "/tmp/check_snap.%d", (int)getpid());
}

static void teardown(void)
{
    remove(path);
}

struct sample {
    uint8_t a;
    uint16_t b;
    uint32_t c;
    uint64_t d;
    int64_t e;
    bool f;
    uint8_t blob[300];
    uint32_t w[5];
    uint64_t q[3];
    char *str;
};

static void sample_fill(struct sample *x)
{
    x->a = 0xa5;
    x->b = 0xbeef;
    x->c = 0xdeadbeef;
    x->d = 0x0123456789abcdefull;
    x->e = -42;
    x->f = true;
    for (unsigned i = 0; i < sizeof(x->blob); i++)
        x->blob[i] = (uint8_t)(i * 7);
    for (unsigned i = 0; i < 5; i++)
        x->w[i] = 0x11111111u * i;
    for (unsigned i = 0; i < 3; i++)
        x->q[i] = ~0ull - i;
    x->str = "board=riscv-virt\ncpus=2\n";
}

static int sample_snap(struct snap *s, struct sample *x)
{
    snap_begin(s, "dev");
    snap_u8(s, "a", &x->a);
    snap_u16(s, "b", &x->b);
    snap_u32(s, "c", &x->c);
    snap_u64(s, "d", &x->d);
    snap_i64(s, "e", &x->e);
    snap_bool(s, "f", &x->f);
    snap_bytes(s, "blob", x->blob, sizeof(x->blob));
    snap_u32s(s, "w", x->w, 5);
    snap_u64s(s, "q", x->q, 3);
    snap_str(s, "str", &x->str);
    snap_end(s);
    return snap_status(s);
}

static void write_sample(int level)
{
    struct emu_err err;
    struct sample x;
    sample_fill(&x);
    struct snap *s = snap_create(path, SNAP_KIND_SNAPSHOT, level, &err);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(sample_snap(s, &x), 0);
    uint8_t tail[3] = { 1, 2, 3 };
    ck_assert_int_eq(snap_raw(s, tail, 3), 0);
    ck_assert_int_eq(snap_close(s, &err), 0);
}

static long file_size(void)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void flip_byte(long at)
{
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, at, SEEK_SET);
    int c = fgetc(f);
    fseek(f, at, SEEK_SET);
    fputc(c ^ 0x40, f);
    fclose(f);
}

START_TEST(test_snap_fields_round_trip_exactly)
{
    struct emu_err err;
    struct sample x;
    write_sample(6);
    memset(&x, 0, sizeof(x));
    struct snap *s = snap_open(path, SNAP_KIND_SNAPSHOT, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    ck_assert_int_eq(sample_snap(s, &x), 0);
    struct sample want;
    sample_fill(&want);
    ck_assert_uint_eq(x.a, want.a);
    ck_assert_uint_eq(x.b, want.b);
    ck_assert_uint_eq(x.c, want.c);
    ck_assert_uint_eq(x.d, want.d);
    ck_assert_int_eq(x.e, want.e);
    ck_assert(x.f);
    ck_assert_mem_eq(x.blob, want.blob, sizeof(want.blob));
    ck_assert_mem_eq(x.w, want.w, sizeof(want.w));
    ck_assert_mem_eq(x.q, want.q, sizeof(want.q));
    ck_assert_str_eq(x.str, want.str);
    free(x.str);
    ck_assert(!snap_at_end(s));
    uint8_t tail[3];
    ck_assert_int_eq(snap_raw(s, tail, 3), 0);
    ck_assert_uint_eq(tail[2], 3);
    ck_assert(snap_at_end(s));
    ck_assert_int_eq(snap_raw(s, tail, 1), -1);
    snap_free(s);
}
END_TEST

START_TEST(test_snap_every_flipped_byte_is_refused)
{
    struct emu_err err;
    write_sample(6);
    long n = file_size();
    /* Every byte: the header, the compressed body and the trailer. */
    for (long at = 0; at < n; at++) {
        write_sample(6);
        flip_byte(at);
        struct snap *s = snap_open(path, SNAP_KIND_SNAPSHOT, &err);
        ck_assert_msg(s == NULL, "a change at byte %ld of %ld was not noticed", at, n);
    }
}
END_TEST

START_TEST(test_snap_truncated_file_says_truncated)
{
    struct emu_err err;
    write_sample(6);
    long n = file_size();
    for (long len = 0; len < n; len += (len < 40 ? 1 : 7)) {
        write_sample(6);
        ck_assert_int_eq(truncate(path, len), 0);
        struct snap *s = snap_open(path, SNAP_KIND_SNAPSHOT, &err);
        ck_assert_msg(s == NULL, "a file cut to %ld of %ld bytes was accepted", len, n);
        if (len >= 16)
            ck_assert_msg(strstr(err.msg, "truncated") != NULL, "cut to %ld: %s", len, err.msg);
    }
}
END_TEST

START_TEST(test_snap_trailing_garbage_refused)
{
    struct emu_err err;
    write_sample(6);
    FILE *f = fopen(path, "ab");
    fputc('x', f);
    fclose(f);
    ck_assert_ptr_null(snap_open(path, SNAP_KIND_SNAPSHOT, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "after the end"));
}
END_TEST

START_TEST(test_snap_foreign_and_other_kind_named)
{
    struct emu_err err;
    FILE *f = fopen(path, "wb");
    fputs("#!/bin/sh\necho this is not a snapshot\n", f);
    fclose(f);
    ck_assert_ptr_null(snap_open(path, SNAP_KIND_SNAPSHOT, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "is not an emu snapshot"));

    write_sample(6);
    ck_assert_ptr_null(snap_open(path, SNAP_KIND_LOG, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "is an emu snapshot, not an input log"));

    ck_assert_ptr_null(snap_open("/nonexistent/dir/x.snap", SNAP_KIND_SNAPSHOT, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot open snapshot"));
}
END_TEST

START_TEST(test_snap_other_format_version_refused)
{
    struct emu_err err;
    write_sample(6);
    FILE *f = fopen(path, "r+b");
    fseek(f, 8, SEEK_SET);
    fputc(SNAP_FORMAT_VERSION + 1, f);
    fclose(f);
    ck_assert_ptr_null(snap_open(path, SNAP_KIND_SNAPSHOT, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "format version 2; this emu reads version 1"));
}
END_TEST

START_TEST(test_snap_loader_disagreeing_names_first_difference)
{
    struct emu_err err;
    write_sample(1);
    struct snap *s = snap_open(path, SNAP_KIND_SNAPSHOT, &err);
    ck_assert_ptr_nonnull(s);
    uint8_t a;
    uint32_t c;
    snap_begin(s, "dev");
    snap_u8(s, "a", &a);
    /* The file has "b" (u16) next. */
    ck_assert_int_eq(snap_u32(s, "c", &c), -1);
    ck_assert_int_eq(snap_close(s, &err), -1);
    ck_assert_msg(strstr(err.msg, "section 'dev': expected u32 'c', found u16 'b'") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(test_snap_loader_missing_a_field_is_refused)
{
    struct emu_err err;
    write_sample(1);
    struct snap *s = snap_open(path, SNAP_KIND_SNAPSHOT, &err);
    ck_assert_ptr_nonnull(s);
    uint8_t a;
    snap_begin(s, "dev");
    snap_u8(s, "a", &a);
    ck_assert_int_eq(snap_end(s), -1);
    ck_assert_ptr_nonnull(strstr(snap_error(s), "the file holds u16 'b' that this emu does not know"));
    snap_free(s);
}
END_TEST

START_TEST(test_snap_wrong_length_and_bad_bool_refused)
{
    struct emu_err err;
    struct snap *s = snap_create(path, SNAP_KIND_SNAPSHOT, 1, &err);
    uint8_t buf[8] = { 0 }, two = 2;
    snap_begin(s, "x");
    snap_bytes(s, "buf", buf, 8);
    snap_u8(s, "flag", &two);
    snap_end(s);
    ck_assert_int_eq(snap_close(s, &err), 0);

    s = snap_open(path, SNAP_KIND_SNAPSHOT, &err);
    snap_begin(s, "x");
    ck_assert_int_eq(snap_bytes(s, "buf", buf, 4), -1);
    ck_assert_ptr_nonnull(strstr(snap_error(s), "holds 8 items, this emu expects 4"));
    snap_free(s);

    s = snap_open(path, SNAP_KIND_SNAPSHOT, &err);
    bool flag;
    snap_begin(s, "x");
    snap_bytes(s, "buf", buf, 8);
    ck_assert_int_eq(snap_bool(s, "flag", &flag), -1);
    snap_free(s);
}
END_TEST

START_TEST(test_snap_write_error_leaves_no_file)
{
    struct emu_err err;
    struct snap *s = snap_create(path, SNAP_KIND_SNAPSHOT, 1, &err);
    ck_assert_ptr_nonnull(s);
    snap_begin(s, "x");
    snap_fail(s, "device says no");
    ck_assert_int_eq(snap_close(s, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "section 'x': device says no"));
    ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

START_TEST(test_snap_large_body_compresses_and_reads_back)
{
    struct emu_err err;
    enum { N = 1000 };
    static uint8_t page[4096], back[4096];
    struct snap *s = snap_create(path, SNAP_KIND_SNAPSHOT, 1, &err);
    snap_begin(s, "ram");
    for (uint32_t i = 0; i < N; i++) {
        memset(page, (int)(i & 0xff), sizeof(page));
        page[i % 4096] = 0x5a;
        snap_u32(s, "page", &i);
        snap_bytes(s, "data", page, sizeof(page));
    }
    snap_end(s);
    ck_assert_int_eq(snap_close(s, &err), 0);
    ck_assert_int_lt(file_size(), N * 4096 / 20);

    s = snap_open(path, SNAP_KIND_SNAPSHOT, &err);
    ck_assert_ptr_nonnull(s);
    snap_begin(s, "ram");
    for (uint32_t i = 0; i < N; i++) {
        uint32_t idx;
        memset(page, (int)(i & 0xff), sizeof(page));
        page[i % 4096] = 0x5a;
        ck_assert_int_eq(snap_u32(s, "page", &idx), 0);
        ck_assert_uint_eq(idx, i);
        ck_assert_int_eq(snap_bytes(s, "data", back, sizeof(back)), 0);
        ck_assert_mem_eq(back, page, sizeof(page));
    }
    ck_assert_int_eq(snap_end(s), 0);
    ck_assert(snap_at_end(s));
    ck_assert_int_eq(snap_close(s, &err), 0);
}
END_TEST

/* ---- hashing ---- */

static uint64_t hash_of_sample(struct sample *x, uint64_t *host_counter)
{
    struct snap *s = snap_hasher();
    snap_begin(s, "dev");
    snap_u64(s, "d", &x->d);
    snap_hash_off(s);
    snap_u64(s, "host", host_counter);
    snap_hash_on(s);
    snap_bytes(s, "blob", x->blob, sizeof(x->blob));
    snap_end(s);
    ck_assert_int_eq(snap_hash_count(s), 1);
    ck_assert_str_eq(snap_hash_name(s, 0), "dev");
    uint64_t h = snap_hash_value(s, 0);
    snap_free(s);
    return h;
}

START_TEST(test_snap_hash_follows_state_not_host_counters)
{
    struct sample x;
    sample_fill(&x);
    uint64_t c1 = 1, c2 = 999;
    uint64_t h = hash_of_sample(&x, &c1);
    ck_assert_uint_eq(hash_of_sample(&x, &c2), h);
    x.blob[299] ^= 1;
    ck_assert_uint_ne(hash_of_sample(&x, &c1), h);
    x.blob[299] ^= 1;
    x.d++;
    ck_assert_uint_ne(hash_of_sample(&x, &c1), h);
}
END_TEST

START_TEST(test_snap_hash_one_per_section)
{
    uint32_t v = 7;
    struct snap *s = snap_hasher();
    snap_begin(s, "a");
    snap_u32(s, "v", &v);
    snap_end(s);
    snap_begin(s, "b");
    snap_u32(s, "v", &v);
    snap_end(s);
    snap_begin(s, "c");
    v = 8;
    snap_u32(s, "v", &v);
    snap_end(s);
    ck_assert_int_eq(snap_hash_count(s), 3);
    /* The same field and value hash alike in any section; a value does not. */
    ck_assert_uint_eq(snap_hash_value(s, 0), snap_hash_value(s, 1));
    ck_assert_uint_ne(snap_hash_value(s, 1), snap_hash_value(s, 2));
    ck_assert_str_eq(snap_hash_name(s, 2), "c");
    snap_free(s);
}
END_TEST

START_TEST(test_hash64_streaming_equals_one_shot)
{
    uint8_t buf[300];
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 31 + 5);
    for (size_t len = 0; len <= sizeof(buf); len += 13) {
        uint64_t want = hash64(buf, len, 0);
        for (size_t cut = 0; cut <= len; cut += 5) {
            struct hash64 h;
            hash64_init(&h, 0);
            hash64_update(&h, buf, cut);
            hash64_update(&h, buf + cut, len - cut);
            ck_assert_uint_eq(hash64_final(&h), want);
        }
    }
}
END_TEST

START_TEST(test_hash64_sees_length_seed_and_every_bit)
{
    uint8_t buf[64] = { 0 };
    uint64_t h0 = hash64(buf, 64, 0);
    ck_assert_uint_ne(hash64(buf, 63, 0), h0);   /* zero bytes still count */
    ck_assert_uint_ne(hash64(buf, 64, 1), h0);
    for (unsigned bit = 0; bit < 64 * 8; bit++) {
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ck_assert_uint_ne(hash64(buf, 64, 0), h0);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    /* Swapping two words changes the hash: lanes are not summed. */
    uint64_t a = 1, b = 2;
    memcpy(buf, &a, 8);
    memcpy(buf + 32, &b, 8);
    uint64_t h1 = hash64(buf, 64, 0);
    memcpy(buf, &b, 8);
    memcpy(buf + 32, &a, 8);
    ck_assert_uint_ne(hash64(buf, 64, 0), h1);
}
END_TEST

START_TEST(test_hash64_file_matches_buffer)
{
    struct emu_err err;
    uint8_t buf[5000];
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i ^ (i >> 3));
    FILE *f = fopen(path, "wb");
    fwrite(buf, 1, sizeof(buf), f);
    fclose(f);
    uint64_t h, size;
    ck_assert_int_eq(hash64_file(path, &h, &size, &err), 0);
    ck_assert_uint_eq(size, sizeof(buf));
    ck_assert_uint_eq(h, hash64(buf, sizeof(buf), 0));
    ck_assert_int_eq(hash64_file("/nonexistent/file", &h, &size, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/file"));
}
END_TEST

static Suite *snap_suite(void)
{
    Suite *s = suite_create("snap");
    TCase *tc = tcase_create("file");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_snap_fields_round_trip_exactly);
    tcase_add_test(tc, test_snap_every_flipped_byte_is_refused);
    tcase_add_test(tc, test_snap_truncated_file_says_truncated);
    tcase_add_test(tc, test_snap_trailing_garbage_refused);
    tcase_add_test(tc, test_snap_foreign_and_other_kind_named);
    tcase_add_test(tc, test_snap_other_format_version_refused);
    tcase_add_test(tc, test_snap_loader_disagreeing_names_first_difference);
    tcase_add_test(tc, test_snap_loader_missing_a_field_is_refused);
    tcase_add_test(tc, test_snap_wrong_length_and_bad_bool_refused);
    tcase_add_test(tc, test_snap_write_error_leaves_no_file);
    tcase_add_test(tc, test_snap_large_body_compresses_and_reads_back);
    suite_add_tcase(s, tc);
    TCase *th = tcase_create("hash");
    tcase_add_checked_fixture(th, setup, teardown);
    tcase_add_test(th, test_snap_hash_follows_state_not_host_counters);
    tcase_add_test(th, test_snap_hash_one_per_section);
    tcase_add_test(th, test_hash64_streaming_equals_one_shot);
    tcase_add_test(th, test_hash64_sees_length_seed_and_every_bit);
    tcase_add_test(th, test_hash64_file_matches_buffer);
    suite_add_tcase(s, th);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(snap_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
