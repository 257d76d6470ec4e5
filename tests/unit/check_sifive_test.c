/*
 * Unit tests for dev/sifive_test: the finisher values stop the machine
 * with the right reason and exit status; anything else is ignored.
 */
#include <check.h>
#include <stdlib.h>

#include "core/machine.h"
#include "dev/sifive_test.h"

static struct machine *machine_new(void)
{
    struct machine *m = calloc(1, sizeof(*m));
    ck_assert_ptr_nonnull(m);
    evq_init(&m->evq);
    return m;
}

static void machine_free(struct machine *m)
{
    evq_free(&m->evq);
    free(m);
}

/* Writes val to the finisher of a fresh machine; returns the machine. */
static struct machine *finish_with(uint64_t val, unsigned size)
{
    struct machine *m = machine_new();
    struct sifive_test *t = sifive_test_create(m);
    ck_assert_ptr_nonnull(t);
    sifive_test_ops.write(t, 0, val, size);
    sifive_test_destroy(t);
    return m;
}

START_TEST(test_sifive_test_pass_powers_off_with_zero)
{
    struct machine *m = finish_with(0x5555, 4);
    ck_assert_int_eq(m->stop, MACHINE_STOP_POWEROFF);
    ck_assert_int_eq(m->exit_code, 0);
    machine_free(m);
}
END_TEST

START_TEST(test_sifive_test_halfword_pass_powers_off)
{
    struct machine *m = finish_with(0x5555, 2);   /* OpenSBI's writew */
    ck_assert_int_eq(m->stop, MACHINE_STOP_POWEROFF);
    ck_assert_int_eq(m->exit_code, 0);
    machine_free(m);
}
END_TEST

START_TEST(test_sifive_test_fail_powers_off_with_code)
{
    struct machine *m = finish_with(3u << 16 | 0x3333, 4);
    ck_assert_int_eq(m->stop, MACHINE_STOP_POWEROFF);
    ck_assert_int_eq(m->exit_code, 3);
    machine_free(m);
}
END_TEST

START_TEST(test_sifive_test_fail_with_zero_code_exits_one)
{
    struct machine *m = finish_with(0x3333, 4);
    ck_assert_int_eq(m->stop, MACHINE_STOP_POWEROFF);
    ck_assert_int_eq(m->exit_code, 1);
    machine_free(m);
}
END_TEST

START_TEST(test_sifive_test_reset_requests_reset)
{
    struct machine *m = finish_with(0x7777, 4);
    ck_assert_int_eq(m->stop, MACHINE_STOP_RESET);
    machine_free(m);
}
END_TEST

START_TEST(test_sifive_test_other_values_ignored)
{
    struct machine *m = finish_with(0x1234, 4);
    ck_assert_int_eq(m->stop, MACHINE_RUNNING);
    machine_free(m);
    m = finish_with(0x5555, 1);               /* byte write: not a finisher command */
    ck_assert_int_eq(m->stop, MACHINE_RUNNING);
    machine_free(m);
}
END_TEST

START_TEST(test_sifive_test_reads_zero)
{
    struct machine *m = machine_new();
    struct sifive_test *t = sifive_test_create(m);
    ck_assert_uint_eq(sifive_test_ops.read(t, 0, 4), 0);
    ck_assert_int_eq(m->stop, MACHINE_RUNNING);
    sifive_test_destroy(t);
    machine_free(m);
}
END_TEST

static Suite *sifive_test_suite(void)
{
    Suite *s = suite_create("sifive_test");
    TCase *tc = tcase_create("finisher");
    tcase_add_test(tc, test_sifive_test_pass_powers_off_with_zero);
    tcase_add_test(tc, test_sifive_test_halfword_pass_powers_off);
    tcase_add_test(tc, test_sifive_test_fail_powers_off_with_code);
    tcase_add_test(tc, test_sifive_test_fail_with_zero_code_exits_one);
    tcase_add_test(tc, test_sifive_test_reset_requests_reset);
    tcase_add_test(tc, test_sifive_test_other_values_ignored);
    tcase_add_test(tc, test_sifive_test_reads_zero);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sifive_test_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
