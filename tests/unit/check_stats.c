/*
 * Unit tests for core/stats: field values, totals, determinism.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/machine.h"
#include "core/stats.h"
#include "exec/exec.h"

struct two_cpu_machine {
    struct machine m;
    struct cpu c[2];
};

static struct two_cpu_machine *make_machine(void)
{
    struct two_cpu_machine *t = calloc(1, sizeof(*t));
    ck_assert_ptr_nonnull(t);
    t->m.cfg = (struct machine_config){ .board = "riscv-virt", .ram_size = 256ull << 20, .ncpus = 2,
                                        .cpu_model = "rv64", .quantum = 10000, .core_hz = 1000000000ull,
                                        .max_insns = 300 };
    t->m.ncpus = 2;
    t->m.cpus[0] = &t->c[0];
    t->m.cpus[1] = &t->c[1];
    t->m.vclock = 2500;
    t->m.stop = MACHINE_STOP_POWEROFF;
    t->m.exit_code = 3;
    t->c[0].index = 0;
    t->c[0].insns = 100;
    t->c[0].cycles = 400;
    t->c[0].stat_class[OPC_INT_ALU] = 60;
    t->c[0].stat_class[OPC_LOAD] = 40;
    t->c[0].stat_exceptions = 2;
    t->c[0].stat_tbs_translated = 7;
    t->c[1].index = 1;
    t->c[1].insns = 200;
    t->c[1].cycles = 200;
    t->c[1].stat_class[OPC_ATOMIC] = 200;
    t->c[1].stat_interrupts = 5;
    t->c[1].stat_wfi_cycles = 50;
    return t;
}

/* Not inlined: GCC 12 at -O3 mistakes the memstream buffer for a dangling local. */
static __attribute__((noinline)) char *write_to_string(struct machine *m)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(stats_write_stream(m, f), 0);
    fclose(f);
    return buf;
}

START_TEST(test_stats_machine_fields_written)
{
    struct two_cpu_machine *t = make_machine();
    char *s = write_to_string(&t->m);
    ck_assert_ptr_nonnull(strstr(s, "\"format_version\": 1,"));
    ck_assert_ptr_nonnull(strstr(s, "\"board\": \"riscv-virt\","));
    ck_assert_ptr_nonnull(strstr(s, "\"vcpus\": 2,"));
    ck_assert_ptr_nonnull(strstr(s, "\"quantum_cycles\": 10000,"));
    ck_assert_ptr_nonnull(strstr(s, "\"core_hz\": 1000000000,"));
    ck_assert_ptr_nonnull(strstr(s, "\"vclock_cycles\": 2500,"));
    ck_assert_ptr_nonnull(strstr(s, "\"vclock_ns\": 2500,"));
    ck_assert_ptr_nonnull(strstr(s, "\"stop_reason\": \"poweroff\","));
    ck_assert_ptr_nonnull(strstr(s, "\"exit_code\": 3\n"));
    free(s);
    free(t);
}
END_TEST

START_TEST(test_stats_per_cpu_counters_and_ipc)
{
    struct two_cpu_machine *t = make_machine();
    char *s = write_to_string(&t->m);
    const char *c0 = strstr(s, "\"index\": 0,");
    const char *c1 = strstr(s, "\"index\": 1,");
    const char *tot = strstr(s, "\"totals\"");
    ck_assert(c0 && c1 && tot && c0 < c1 && c1 < tot);
    ck_assert_ptr_nonnull(strstr(c0, "\"ipc\": 0.2500,"));
    ck_assert_ptr_nonnull(strstr(c0, "\"int_alu\": 60,"));
    ck_assert_ptr_nonnull(strstr(c0, "\"load\": 40,"));
    ck_assert_ptr_nonnull(strstr(c0, "\"exceptions\": 2,"));
    ck_assert_ptr_nonnull(strstr(c0, "\"tbs_translated\": 7\n"));
    ck_assert_ptr_nonnull(strstr(c1, "\"ipc\": 1.0000,"));
    ck_assert_ptr_nonnull(strstr(c1, "\"atomic\": 200\n"));
    ck_assert_ptr_nonnull(strstr(c1, "\"interrupts\": 5,"));
    ck_assert_ptr_nonnull(strstr(c1, "\"wfi_cycles\": 50,"));
    /* Totals: 300 insns over 600 cycles. */
    ck_assert_ptr_nonnull(strstr(tot, "\"instructions\": 300,"));
    ck_assert_ptr_nonnull(strstr(tot, "\"cycles\": 600,"));
    ck_assert_ptr_nonnull(strstr(tot, "\"ipc\": 0.5000,"));
    ck_assert_ptr_nonnull(strstr(tot, "\"atomic\": 200\n"));
    free(s);
    free(t);
}
END_TEST

START_TEST(test_stats_every_op_class_named)
{
    struct two_cpu_machine *t = make_machine();
    char *s = write_to_string(&t->m);
    for (unsigned i = 0; i < OPC_COUNT; i++) {
        const char *name = stats_op_class_name(i);
        ck_assert_ptr_nonnull(name);
        char key[40];
        snprintf(key, sizeof(key), "\"%s\": ", name);
        ck_assert_msg(strstr(s, key), "no %s", key);
    }
    ck_assert_ptr_null(stats_op_class_name(OPC_COUNT));
    ck_assert_str_eq(stats_stop_name(MACHINE_STOP_MAX_INSNS), "max_insns");
    ck_assert_ptr_null(stats_stop_name(99));
    free(s);
    free(t);
}
END_TEST

START_TEST(test_stats_zero_cycles_ipc_zero)
{
    struct two_cpu_machine *t = make_machine();
    t->m.ncpus = 1;
    t->c[0] = (struct cpu){ 0 };
    char *s = write_to_string(&t->m);
    ck_assert_ptr_nonnull(strstr(s, "\"ipc\": 0.0000,"));
    ck_assert_ptr_null(strstr(s, "\"index\": 1"));
    free(s);
    free(t);
}
END_TEST

START_TEST(test_stats_file_identical_across_writes)
{
    struct two_cpu_machine *t = make_machine();
    char path[] = "/tmp/check_stats_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    struct emu_err err;
    ck_assert_int_eq(stats_write(&t->m, path, &err), 0);
    FILE *f = fopen(path, "r");
    char first[8192];
    size_t n = fread(first, 1, sizeof(first), f);
    fclose(f);
    char *again = write_to_string(&t->m);
    ck_assert_uint_eq(n, strlen(again));
    ck_assert_mem_eq(first, again, n);
    unlink(path);
    free(again);
    free(t);
}
END_TEST

START_TEST(test_stats_unwritable_path_error)
{
    struct two_cpu_machine *t = make_machine();
    struct emu_err err;
    ck_assert_int_eq(stats_write(&t->m, "/nonexistent/dir/s.json", &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/dir/s.json"));
    ck_assert_ptr_nonnull(strstr(err.msg, "No such file"));
    free(t);
}
END_TEST

static Suite *stats_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = tcase_create("json");
    tcase_add_test(tc, test_stats_machine_fields_written);
    tcase_add_test(tc, test_stats_per_cpu_counters_and_ipc);
    tcase_add_test(tc, test_stats_every_op_class_named);
    tcase_add_test(tc, test_stats_zero_cycles_ipc_zero);
    tcase_add_test(tc, test_stats_file_identical_across_writes);
    tcase_add_test(tc, test_stats_unwritable_path_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stats_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
