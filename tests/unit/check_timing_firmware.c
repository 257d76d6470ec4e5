/*
 * The firmware microbenchmarks under detailed timing models, judged
 * against the models' own figures (firmware/riscv/test_chase.c and
 * test_branch.c print what they measure with mcycle; here we know what
 * was configured):
 *
 *   - pointer chase: on each plateau of the curve, cycles per load within
 *     5 % of the configured latency (L1D hit; L1D miss + L2 hit; ... +
 *     DRAM), for the shipped models and one with an L3;
 *   - branches: the measured mispredict penalty within 5 % of the model's;
 *   - a detailed run twice gives the same output, cycles and statistics.
 *
 * The ELFs come from this build's firmware/riscv directory. A build
 * without the bare-metal tests (EMU_FIRMWARE off, or no riscv64 cross
 * compiler) has nothing to run: each test then says so and passes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/board.h"
#include "core/chardev.h"
#include "core/machine.h"
#include "core/stats.h"
#include "exec/exec.h"
#include "timing/model.h"

#define OUT_MAX (64u << 10)

/* A model with a third cache level, to see four plateaus. */
static const char model_l3[] =
    "name test-l3\n"
    "frequency 1GHz\n"
    "latency default 1\n"
    "cache l1i size 16K ways 4 line 64 hit 1 miss 1\n"
    "cache l1d size 8K ways 2 line 64 hit 4 miss 1\n"
    "cache l2 size 64K ways 8 line 64 hit 9 miss 3\n"
    "cache l3 size 1M ways 16 line 64 hit 30 miss 6\n"
    "dram latency 150\n"
    "branch bimodal entries 4096 btb 64 penalty 9\n";

/* The firmware directory of this build, or NULL when it has none. */
static const char *firmware_dir(void)
{
    static char dir[4200];
    char exe[4000];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    ck_assert_int_gt(n, 0);
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    ck_assert_ptr_nonnull(slash);
    *slash = 0;                         /* <build>/tests */
    slash = strrchr(exe, '/');
    ck_assert_ptr_nonnull(slash);
    *slash = 0;                         /* <build> */
    char cache[4200], line[4200];
    snprintf(cache, sizeof(cache), "%s/CMakeCache.txt", exe);
    FILE *f = fopen(cache, "r");
    ck_assert_msg(f != NULL, "no %s", cache);
    bool firmware = false, cross = false;
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "EMU_FIRMWARE:BOOL=ON", 20))
            firmware = true;
        if (!strncmp(line, "RISCV_CC:FILEPATH=", 18) && !strstr(line, "NOTFOUND"))
            cross = true;
    }
    fclose(f);
    if (!firmware || !cross)
        return NULL;
    snprintf(dir, sizeof(dir), "%s/firmware/riscv", exe);
    return dir;
}

struct fw_run {
    char out[OUT_MAX];          /* the console, NUL-terminated, without CRs */
    uint64_t cycles, insns;
    char *stats;                /* the statistics document (malloc'd) */
};

/* Runs ELF test_<name>.elf bare-metal on riscv-virt under the model given
 * by text (model_text) or by name/file (spec). */
static void fw_run(struct fw_run *r, const char *dir, const char *name, const char *spec, const char *model_text)
{
    char elf[4200];
    snprintf(elf, sizeof(elf), "%s/test_%s.elf", dir, name);
    ck_assert_msg(access(elf, R_OK) == 0, "missing %s", elf);
    struct machine_config cfg = {
        .board = "riscv-virt", .ram_size = 256ull << 20, .ncpus = 1, .cpu_model = "rv64",
        .bios = "none", .kernel = elf, .quantum = 10000, .core_hz = 1000000000ull,
    };
    struct emu_err err;
    FILE *out = tmpfile();
    ck_assert_ptr_nonnull(out);
    struct chardev *ch = chardev_open_fds(-1, fileno(out), &err);
    ck_assert_ptr_nonnull(ch);
    struct machine *m = calloc(1, sizeof(*m));
    ck_assert_int_eq(machine_init(m, &cfg, &err), 0);
    m->console = ch;
    if (model_text) {
        struct timing_model tm;
        ck_assert_msg(timing_model_parse(model_text, "test", &tm, &err) == 0, "%s", err.msg);
        exec_set_timing(m, &tm);
    } else {
        ck_assert_msg(exec_select_timing(m, spec, &err) == 0, "%s", err.msg);
    }
    ck_assert_msg(board_create(m, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(machine_run(m), MACHINE_STOP_POWEROFF);
    ck_assert_int_eq(m->exit_code, 0);
    r->cycles = m->cpus[0]->cycles;
    r->insns = m->cpus[0]->insns;

    FILE *s = tmpfile();
    ck_assert_int_eq(stats_write_stream(m, s), 0);
    long len = ftell(s);
    r->stats = calloc(1, (size_t)len + 1);
    rewind(s);
    ck_assert_int_eq(fread(r->stats, 1, (size_t)len, s), (size_t)len);
    fclose(s);

    machine_destroy(m);
    free(m);
    chardev_close(ch);
    rewind(out);
    size_t n = fread(r->out, 1, OUT_MAX - 1, out);
    fclose(out);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (r->out[i] != '\r')
            r->out[k++] = r->out[i];
    }
    r->out[k] = 0;
    ck_assert_msg(strstr(r->out, "DONE passed=") && !strstr(r->out, "FAIL "), "firmware failed:\n%s", r->out);
}

/* Cycles per load the model gives a chase whose working set is `bytes`,
 * or 0 when the size sits at a level's edge (within a factor of two). */
static double chase_expected(const struct timing_model *tm, uint64_t bytes)
{
    const struct timing_cache_cfg *lv[3] = { &tm->l1d, &tm->l2, &tm->l3 };
    double cost = 0;
    for (unsigned i = 0; i < 3 && lv[i]->present; i++) {
        if (bytes * 2 <= lv[i]->size)
            return cost + lv[i]->hit;
        if (bytes < 2ull * lv[i]->size)
            return 0;
        cost += lv[i]->miss;
    }
    return cost + tm->dram;
}

static void check_chase(const char *spec, const char *model_text)
{
    const char *dir = firmware_dir();
    if (!dir) {
        printf("check_timing_firmware: no bare-metal tests in this build, chase not run\n");
        return;
    }
    struct timing_model tm;
    struct emu_err err;
    if (model_text)
        ck_assert_int_eq(timing_model_parse(model_text, "test", &tm, &err), 0);
    else
        ck_assert_int_eq(timing_model_load(spec, &tm, &err), 0);
    struct fw_run *r = calloc(1, sizeof(*r));
    fw_run(r, dir, "chase", spec, model_text);
    unsigned checked = 0;
    printf("chase curve, model %s (bytes, cycles/load measured, configured):\n", tm.name);
    for (const char *p = strstr(r->out, "chase "); p; p = strstr(p + 1, "\nchase ")) {
        unsigned long long bytes;
        double got;
        if (*p == '\n')
            p++;
        ck_assert_int_eq(sscanf(p, "chase %llu %lf", &bytes, &got), 2);
        double want = chase_expected(&tm, bytes);
        printf("  %10llu %8.2f %8.2f\n", bytes, got, want);
        if (want == 0)
            continue;
        ck_assert_msg(got >= want * 0.95 && got <= want * 1.05, "%s: %llu bytes: %.2f cycles/load, configured %.2f",
                      tm.name, bytes, got, want);
        checked++;
    }
    /* 4 KiB .. 64 MiB: 15 sizes, at most two at each level's edge. */
    ck_assert_uint_ge(checked, 9);
    free(r->stats);
    free(r);
}

START_TEST(test_chase_u74_plateaus_match_model)
{
    check_chase("u74", NULL);
}
END_TEST

START_TEST(test_chase_inorder_small_plateaus_match_model)
{
    check_chase("inorder-small", NULL);
}
END_TEST

START_TEST(test_chase_l3_model_plateaus_match_model)
{
    check_chase("test-l3", model_l3);
}
END_TEST

static void check_branch(const char *spec, const char *model_text)
{
    const char *dir = firmware_dir();
    if (!dir) {
        printf("check_timing_firmware: no bare-metal tests in this build, branch not run\n");
        return;
    }
    struct timing_model tm;
    struct emu_err err;
    if (model_text)
        ck_assert_int_eq(timing_model_parse(model_text, "test", &tm, &err), 0);
    else
        ck_assert_int_eq(timing_model_load(spec, &tm, &err), 0);
    struct fw_run *r = calloc(1, sizeof(*r));
    fw_run(r, dir, "branch", spec, model_text);
    const char *line = strstr(r->out, "branch predictable ");
    ck_assert_ptr_nonnull(line);
    double fixed, random, penalty;
    ck_assert_int_eq(sscanf(line, "branch predictable %lf random %lf cycles/step, penalty %lf", &fixed, &random,
                            &penalty), 3);
    printf("branch, model %s: %.2f -> %.2f cycles/step, penalty %.2f measured, %u configured\n", tm.name, fixed,
           random, penalty, tm.mispredict);
    ck_assert_msg(penalty >= tm.mispredict * 0.95 && penalty <= tm.mispredict * 1.05,
                  "%s: measured penalty %.2f, configured %u", tm.name, penalty, tm.mispredict);
    free(r->stats);
    free(r);
}

START_TEST(test_branch_u74_penalty_matches_model)
{
    check_branch("u74", NULL);
}
END_TEST

START_TEST(test_branch_inorder_small_penalty_matches_model)
{
    check_branch("inorder-small", NULL);
}
END_TEST

START_TEST(test_branch_bimodal_penalty_matches_model)
{
    check_branch("test-l3", model_l3);
}
END_TEST

START_TEST(test_detailed_runs_are_deterministic)
{
    const char *dir = firmware_dir();
    if (!dir) {
        printf("check_timing_firmware: no bare-metal tests in this build, determinism not run\n");
        return;
    }
    struct fw_run *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    fw_run(a, dir, "branch", "u74", NULL);
    fw_run(b, dir, "branch", "u74", NULL);
    ck_assert_uint_eq(a->cycles, b->cycles);
    ck_assert_uint_eq(a->insns, b->insns);
    ck_assert_str_eq(a->out, b->out);
    ck_assert_str_eq(a->stats, b->stats);
    /* ... and the detailed model did change the run's time. */
    ck_assert_uint_ne(a->cycles, a->insns);
    free(a->stats);
    free(b->stats);
    free(a);
    free(b);
}
END_TEST

static Suite *timing_firmware_suite(void)
{
    Suite *s = suite_create("timing_firmware");
    TCase *tc = tcase_create("microbenchmarks");
    tcase_set_timeout(tc, 100);
    tcase_add_test(tc, test_chase_u74_plateaus_match_model);
    tcase_add_test(tc, test_chase_inorder_small_plateaus_match_model);
    tcase_add_test(tc, test_chase_l3_model_plateaus_match_model);
    tcase_add_test(tc, test_branch_u74_penalty_matches_model);
    tcase_add_test(tc, test_branch_inorder_small_penalty_matches_model);
    tcase_add_test(tc, test_branch_bimodal_penalty_matches_model);
    tcase_add_test(tc, test_detailed_runs_are_deterministic);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(timing_firmware_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
