/*
 * Unit tests for core/progress: the text of the progress line, when it is
 * shown, and that starting and erasing it prints nothing by itself.
 */
#define _GNU_SOURCE
#include <check.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/machine.h"
#include "core/progress.h"
#include "exec/exec.h"

static struct machine *machine_with(uint64_t vclock, uint64_t hz, uint64_t insns0, uint64_t insns1)
{
    struct machine *m = calloc(1, sizeof(*m));
    struct cpu *c = calloc(2, sizeof(*c));
    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_nonnull(c);
    m->cfg.core_hz = hz;
    m->vclock = vclock;
    m->ncpus = 2;
    m->cpus[0] = &c[0];
    m->cpus[1] = &c[1];
    c[0].insns = insns0;
    c[1].insns = insns1;
    m->observe_at = UINT64_MAX;
    return m;
}

static void machine_free(struct machine *m)
{
    free(m->cpus[0]);
    free(m);
}

START_TEST(test_progress_format_virtual_time_insns_mips)
{
    /* 1.25 G cycles at 1 GHz; 1.02 G instructions, 20 M of them in the
     * 0.5 s since the last print: 40 MIPS. */
    struct machine *m = machine_with(1250000000, 1000000000, 1000000000, 20000000);
    struct progress p = { .printed_ns = 1000000000, .printed_insns = 1000000000 };
    char buf[128];
    int n = progress_format(&p, m, 1500000000, buf, sizeof(buf));
    ck_assert_str_eq(buf, "emu: 1.250 s virtual, 1.02 G instructions, 40.0 MIPS");
    ck_assert_int_eq(n, (int)strlen(buf));
    machine_free(m);
}
END_TEST

START_TEST(test_progress_format_small_counts_and_other_clock)
{
    /* 600 cycles of a 1.2 GHz core; 999 instructions, no host time yet. */
    struct machine *m = machine_with(600, 1200000000, 999, 0);
    struct progress p = { .printed_ns = 7, .printed_insns = 0 };
    char buf[128];
    progress_format(&p, m, 7, buf, sizeof(buf));
    ck_assert_str_eq(buf, "emu: 0.000 s virtual, 999 instructions, 0.0 MIPS");
    m->vclock = 1200000000ull * 3;
    m->cpus[0]->insns = 123456789;
    progress_format(&p, m, 7, buf, sizeof(buf));
    ck_assert_str_eq(buf, "emu: 3.000 s virtual, 123 M instructions, 0.0 MIPS");
    machine_free(m);
}
END_TEST

START_TEST(test_progress_wanted_only_on_a_terminal_of_its_own)
{
    int pipefd[2], a_master, a_slave, b_master, b_slave;
    ck_assert_int_eq(pipe(pipefd), 0);
    ck_assert_int_eq(openpty(&a_master, &a_slave, NULL, NULL, NULL), 0);
    ck_assert_int_eq(openpty(&b_master, &b_slave, NULL, NULL, NULL), 0);
    /* stderr not a terminal. */
    ck_assert(!progress_wanted(pipefd[1], -1));
    /* A terminal, the console elsewhere or nowhere. */
    ck_assert(progress_wanted(a_slave, -1));
    ck_assert(progress_wanted(a_slave, pipefd[1]));
    ck_assert(progress_wanted(a_slave, b_slave));
    /* The console on the same terminal. */
    ck_assert(!progress_wanted(a_slave, a_slave));
    int dup_slave = dup(a_slave);
    ck_assert(!progress_wanted(a_slave, dup_slave));
    close(dup_slave);
    close(pipefd[0]);
    close(pipefd[1]);
    close(a_master);
    close(a_slave);
    close(b_master);
    close(b_slave);
}
END_TEST

/* Nothing is printed before half a second of host time has passed, and
 * finishing a line never shown prints nothing. */
START_TEST(test_progress_start_and_finish_print_nothing_by_themselves)
{
    struct machine *m = machine_with(0, 1000000000, 0, 0);
    struct emu_err err;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct progress p;
    ck_assert_int_eq(progress_start(&p, m, f, &err), 0);
    ck_assert_uint_eq(m->nobservers, 1);
    ck_assert_uint_eq(m->observers[0].at, PROGRESS_PERIOD_CYCLES);
    progress_finish(&p);
    fclose(f);
    ck_assert_uint_eq(len, 0);
    free(buf);
    struct progress never = { 0 };
    progress_finish(&never);
    machine_free(m);
}
END_TEST

START_TEST(test_progress_no_observer_slot_refused)
{
    struct machine *m = machine_with(0, 1000000000, 0, 0);
    struct emu_err err;
    struct progress p;
    for (unsigned i = 0; i < MACHINE_MAX_OBSERVERS; i++)
        ck_assert_int_eq(machine_add_observer(m, UINT64_MAX, NULL, NULL), 0);
    ck_assert_int_eq(progress_start(&p, m, stderr, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "observers"));
    machine_free(m);
}
END_TEST

static Suite *progress_suite(void)
{
    Suite *s = suite_create("progress");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_progress_format_virtual_time_insns_mips);
    tcase_add_test(tc, test_progress_format_small_counts_and_other_clock);
    tcase_add_test(tc, test_progress_wanted_only_on_a_terminal_of_its_own);
    tcase_add_test(tc, test_progress_start_and_finish_print_nothing_by_themselves);
    tcase_add_test(tc, test_progress_no_observer_slot_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(progress_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
