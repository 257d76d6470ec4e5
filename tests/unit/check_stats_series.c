/*
 * Unit tests for core/stats_series: the --stats-interval time series.
 *
 * The machine's vCPUs are stand-ins whose counters are simple functions
 * of the cycles they are given, so every expected number below follows
 * from fake_run: vCPU i retires one instruction every i + 2 cycles; vCPU 1
 * spends a quarter of its cycles in WFI; with a timing model, every 100
 * cycles an L1D read miss, every 300 a write miss, every 50 a branch
 * mispredict and every 1000 a D-TLB miss. The cycles split into two
 * modes, "a" and "b", two to one. vCPU 0 powers the machine off once it
 * has run stop_at cycles.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "core/stats.h"
#include "core/stats_series.h"
#include "exec/exec.h"
#include "timing/core.h"
#include "timing/model.h"

struct fake {
    struct machine m;
    struct cpu c[2];
    struct timing_model tm;
    uint64_t stop_at;
};

static uint64_t fake_run(struct cpu *cpu, uint64_t until)
{
    struct fake *f = (struct fake *)cpu->m;
    uint64_t from = cpu->cycles;
    /* Counts of events at multiples of every, in (from, to]. */
#define FAKE_EVENTS(every, to) ((to) / (every) - from / (every))
    cpu->insns += FAKE_EVENTS(cpu->index + 2, until);
    if (cpu->index == 1)
        cpu->stat_wfi_cycles += FAKE_EVENTS(4, until);
    if (cpu->tc) {
        cpu->tc->l1d.miss[TCACHE_READ] += FAKE_EVENTS(100, until);
        cpu->tc->l1d.miss[TCACHE_WRITE] += FAKE_EVENTS(300, until);
        cpu->tc->bp.branch_misses += FAKE_EVENTS(50, until);
        cpu->tc->dtlb.miss += FAKE_EVENTS(1000, until);
    }
#undef FAKE_EVENTS
    cpu->cycles = until;
    if (cpu->index == 0 && cpu->cycles >= f->stop_at)
        machine_request_stop(cpu->m, MACHINE_STOP_POWEROFF, 0);
    return until - from;
}

static const struct cpu_ops fake_ops = { .run = fake_run };

static const char *const fake_mode_names[] = { "a", "b" };

static unsigned fake_modes(struct cpu *cpu, uint64_t *cycles, const char *const **names)
{
    cycles[1] = cpu->cycles / 3;
    cycles[0] = cpu->cycles - cycles[1];
    *names = fake_mode_names;
    return 2;
}

/* A two-vCPU machine that stops after stop_at cycles; timed: with the u74
 * model's caches, TLBs and predictor attached to each vCPU. */
static struct fake *fake_machine(uint64_t stop_at, bool timed)
{
    struct fake *f = calloc(1, sizeof(*f));
    struct emu_err err;
    struct machine_config cfg = { .board = "test", .cpu_model = "fake", .ram_size = 1 << 20, .ncpus = 2,
                                  .quantum = 10000, .core_hz = 1000000000ull };
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(machine_init(&f->m, &cfg, &err), 0);
    ck_assert_int_eq(timing_model_load("u74", &f->tm, &err), 0);
    for (unsigned i = 0; i < 2; i++) {
        cpu_base_init(&f->c[i], &f->m, i);
        f->c[i].ops = &fake_ops;
        f->m.cpus[i] = &f->c[i];
        if (timed) {
            f->c[i].tc = timing_cpu_create(&f->tm, true);
            ck_assert_ptr_nonnull(f->c[i].tc);
        }
    }
    f->m.ncpus = 2;
    f->stop_at = stop_at;
    return f;
}

static void fake_free(struct fake *f)
{
    for (unsigned i = 0; i < 2; i++)
        timing_cpu_free(f->c[i].tc);
    machine_destroy(&f->m);
    free(f);
}

/* Not inlined: GCC 12 at -O3 mistakes the memstream buffer for a dangling local. */
static __attribute__((noinline)) char *write_doc(struct machine *m, const struct stats_series *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(stats_write_stream_series(m, s, f), 0);
    fclose(f);
    return buf;
}

/* The series as the file has it: column names and rows of numbers. */
#define MAX_COLS 40
#define MAX_ROWS 12000
struct parsed {
    unsigned ncols;
    char cols[MAX_COLS][32];
    double start[MAX_COLS];
    unsigned nrows[3];                  /* totals, cpu 0, cpu 1 */
    double (*rows[3])[MAX_COLS];
};

/* Parses the row at p ("[1, 2.5000, 3]"); returns the number of values. */
static unsigned parse_row(const char *p, double *out)
{
    unsigned n = 0;
    ck_assert_int_eq(*p, '[');
    p++;
    while (*p != ']') {
        char *end;
        ck_assert_uint_lt(n, MAX_COLS);
        out[n++] = strtod(p, &end);
        ck_assert_ptr_ne(end, p);
        p = end;
        if (*p == ',')
            p += 2;
    }
    return n;
}

/* The rows of the array that starts at p (its '['); returns their number. */
static unsigned parse_rows(const char *p, double (*rows)[MAX_COLS], unsigned ncols)
{
    unsigned n = 0;
    ck_assert_int_eq(*p, '[');
    p = strchr(p, '\n') + 1;
    for (;;) {
        while (*p == ' ')
            p++;
        if (*p == ']')
            return n;
        ck_assert_uint_lt(n, MAX_ROWS);
        ck_assert_uint_eq(parse_row(p, rows[n++]), ncols);
        p = strchr(p, '\n') + 1;
    }
}

static void parse_series(const char *doc, struct parsed *ps)
{
    memset(ps, 0, sizeof(*ps));
    const char *s = strstr(doc, "\n  \"series\": {");
    ck_assert_ptr_nonnull(s);
    const char *p = strstr(s, "\"columns\": [");
    ck_assert_ptr_nonnull(p);
    p = strchr(p, '[') + 1;
    while (*p != ']') {
        const char *q = strchr(p, '"');
        if (!q || q > strchr(p, ']'))
            break;
        const char *e = strchr(q + 1, '"');
        ck_assert_uint_lt(ps->ncols, MAX_COLS);
        snprintf(ps->cols[ps->ncols++], 32, "%.*s", (int)(e - q - 1), q + 1);
        p = e + 1;
    }
    p = strstr(s, "\"start\": {");
    ck_assert_ptr_nonnull(p);
    p = strstr(p, "\"totals\": ") + strlen("\"totals\": ");
    ck_assert_uint_eq(parse_row(p, ps->start), ps->ncols);
    p = strstr(p, "\n    \"totals\": [") + strlen("\n    \"totals\": ");
    for (unsigned i = 0; i < 3; i++)
        ps->rows[i] = calloc(MAX_ROWS, sizeof(*ps->rows[i]));
    ps->nrows[0] = parse_rows(p, ps->rows[0], ps->ncols);
    p = strstr(p, "\n    \"cpus\": [") + strlen("\n    \"cpus\": ");
    p = strchr(p + 1, '[');
    ps->nrows[1] = parse_rows(p, ps->rows[1], ps->ncols);
    p = strstr(p, "\n      ],\n") + strlen("\n      ],\n");
    p = strchr(p, '[');
    ps->nrows[2] = parse_rows(p, ps->rows[2], ps->ncols);
}

static void parsed_free(struct parsed *ps)
{
    for (unsigned i = 0; i < 3; i++)
        free(ps->rows[i]);
}

static int col(const struct parsed *ps, const char *name)
{
    for (unsigned i = 0; i < ps->ncols; i++)
        if (!strcmp(ps->cols[i], name))
            return (int)i;
    return -1;
}

/* Sum of column name over the rows of set (0 totals, 1 + cpu). */
static uint64_t col_sum(const struct parsed *ps, unsigned set, const char *name)
{
    int c = col(ps, name);
    uint64_t sum = 0;
    ck_assert_msg(c >= 0, "no column %s", name);
    for (unsigned r = 0; r < ps->nrows[set]; r++)
        sum += (uint64_t)ps->rows[set][r][c];
    return sum;
}

/* A whole run of f with a series of the given interval; the document. */
static char *run_with_series(struct fake *f, uint64_t interval, stats_mode_fn modes, struct stats_series **out)
{
    struct emu_err err;
    struct stats_series *s = stats_series_start(&f->m, interval, modes, &err);
    ck_assert_ptr_nonnull(s);
    machine_run(&f->m);
    stats_series_finish(s, &f->m);
    char *doc = write_doc(&f->m, s);
    *out = s;
    return doc;
}

START_TEST(test_series_samples_sum_to_totals)
{
    struct fake *f = fake_machine(1234567, false);
    struct stats_series *s;
    struct parsed ps;
    char *doc = run_with_series(f, 100000, fake_modes, &s);
    parse_series(doc, &ps);
    /* 12 whole intervals, and the part after the last one. */
    ck_assert_uint_eq(stats_series_samples(s), 13);
    ck_assert_uint_eq(ps.nrows[0], 13);
    ck_assert_uint_eq(ps.nrows[1], 13);
    ck_assert_uint_eq(ps.nrows[2], 13);
    for (unsigned i = 0; i < 2; i++) {
        ck_assert_uint_eq(col_sum(&ps, 1 + i, "instructions"), f->c[i].insns);
        ck_assert_uint_eq(col_sum(&ps, 1 + i, "cycles"), f->c[i].cycles);
        ck_assert_uint_eq(col_sum(&ps, 1 + i, "wfi_cycles"), f->c[i].stat_wfi_cycles);
        ck_assert_uint_eq(col_sum(&ps, 1 + i, "cycles_a") + col_sum(&ps, 1 + i, "cycles_b"), f->c[i].cycles);
    }
    ck_assert_uint_eq(col_sum(&ps, 0, "instructions"), f->c[0].insns + f->c[1].insns);
    ck_assert_uint_eq(col_sum(&ps, 0, "cycles"), f->c[0].cycles + f->c[1].cycles);
    ck_assert_uint_eq(col_sum(&ps, 0, "cycles_b"), f->c[0].cycles / 3 + f->c[1].cycles / 3);
    /* The fake's instruction rates: 1/2 and 1/3 per cycle. */
    ck_assert_uint_eq(f->c[0].insns, f->c[0].cycles / 2);
    ck_assert_uint_eq(f->c[1].insns, f->c[1].cycles / 3);
    ck_assert_uint_eq(f->c[1].stat_wfi_cycles, f->c[1].cycles / 4);
    ck_assert_uint_eq(f->c[0].stat_wfi_cycles, 0);
    parsed_free(&ps);
    free(doc);
    stats_series_free(s);
    fake_free(f);
}
END_TEST

START_TEST(test_series_samples_at_interval_boundaries)
{
    struct fake *f = fake_machine(1234567, false);
    struct stats_series *s;
    struct parsed ps;
    char *doc = run_with_series(f, 100000, NULL, &s);
    parse_series(doc, &ps);
    int vc = col(&ps, "vclock"), ipc = col(&ps, "ipc");
    ck_assert_int_eq(vc, 0);
    ck_assert_int_eq(col(&ps, "cycles_a"), -1);
    ck_assert_double_eq(ps.start[vc], 0);
    /* Rounds end at multiples of the quantum (10000), which divides the
     * interval: each sample ends exactly on it, the last one at the stop. */
    for (unsigned r = 0; r < 12; r++)
        ck_assert_double_eq(ps.rows[0][r][vc], (r + 1) * 100000.0);
    ck_assert_double_eq(ps.rows[0][12][vc], (double)f->m.vclock);
    ck_assert_uint_eq(f->m.vclock, 1240000);
    /* The third interval, (200000, 300000]: vCPU 0 retires 50000
     * instructions in its 100000 cycles, vCPU 1 300000/3 - 200000/3 = 33334. */
    ck_assert_double_eq(ps.rows[1][2][col(&ps, "cycles")], 100000);
    ck_assert_double_eq(ps.rows[1][2][col(&ps, "instructions")], 50000);
    ck_assert_double_eq(ps.rows[2][2][col(&ps, "instructions")], 33334);
    ck_assert_double_eq_tol(ps.rows[1][2][ipc], 0.5, 1e-9);
    ck_assert_double_eq_tol(ps.rows[2][2][ipc], 0.3333, 1e-9);
    /* Totals: 83334 instructions over 200000 cycles. */
    ck_assert_double_eq(ps.rows[0][2][col(&ps, "instructions")], 83334);
    ck_assert_double_eq_tol(ps.rows[0][2][ipc], 0.4167, 1e-9);
    parsed_free(&ps);
    free(doc);
    stats_series_free(s);
    fake_free(f);
}
END_TEST

START_TEST(test_series_timing_counters_and_mpki)
{
    struct fake *f = fake_machine(1000000, true);
    struct stats_series *s;
    struct parsed ps;
    char *doc = run_with_series(f, 250000, NULL, &s);
    parse_series(doc, &ps);
    /* The u74 model has L1I, L1D, L2, three TLBs and a predictor, no L3. */
    ck_assert_int_ge(col(&ps, "l1i_mpki"), 0);
    ck_assert_int_ge(col(&ps, "l2_misses"), 0);
    ck_assert_int_eq(col(&ps, "l3_misses"), -1);
    ck_assert_int_ge(col(&ps, "l2tlb_mpki"), 0);
    ck_assert_int_ge(col(&ps, "walks"), 0);
    ck_assert_uint_eq(ps.nrows[0], 4);
    /* vCPU 0, 250000 cycles: 125000 instructions, 2500 + 833 or 834 L1D
     * misses, 5000 mispredicts, 250 D-TLB misses. */
    double *r = ps.rows[1][1];
    ck_assert_double_eq(r[col(&ps, "instructions")], 125000);
    ck_assert_double_eq(r[col(&ps, "branch_mispredicts")], 5000);
    ck_assert_double_eq_tol(r[col(&ps, "branch_mpki")], 40.0, 1e-9);
    ck_assert_double_eq(r[col(&ps, "dtlb_misses")], 250);
    ck_assert_double_eq_tol(r[col(&ps, "dtlb_mpki")], 2.0, 1e-9);
    ck_assert_double_eq(r[col(&ps, "itlb_misses")], 0);
    uint64_t l1d = (uint64_t)r[col(&ps, "l1d_misses")];
    ck_assert(l1d == 3333 || l1d == 3334);
    /* Over the whole run, per vCPU and in the totals. */
    uint64_t want = 0;
    for (unsigned i = 0; i < 2; i++) {
        const struct tcache *c = &f->c[i].tc->l1d;
        ck_assert_uint_eq(col_sum(&ps, 1 + i, "l1d_misses"), c->miss[0] + c->miss[1]);
        ck_assert_uint_eq(col_sum(&ps, 1 + i, "branch_mispredicts"), f->c[i].tc->bp.branch_misses);
        want += c->miss[0] + c->miss[1];
    }
    ck_assert_uint_eq(col_sum(&ps, 0, "l1d_misses"), want);
    ck_assert_uint_gt(want, 0);
    parsed_free(&ps);
    free(doc);
    stats_series_free(s);
    fake_free(f);
}
END_TEST

/* Everything outside "series" is what the file has without one, and the
 * run itself is the same. */
START_TEST(test_series_changes_nothing_else)
{
    struct fake *a = fake_machine(777777, true), *b = fake_machine(777777, true);
    struct stats_series *s;
    char *with = run_with_series(a, 30000, fake_modes, &s);
    machine_run(&b->m);
    char *without = write_doc(&b->m, NULL);
    const char *cut = strstr(with, ",\n  \"series\": {");
    ck_assert_ptr_nonnull(cut);
    size_t n = (size_t)(cut - with);
    ck_assert_uint_eq(strlen(without), n + strlen("\n}\n"));
    ck_assert(!strncmp(with, without, n));
    ck_assert_str_eq(without + n, "\n}\n");
    ck_assert_uint_eq(a->m.vclock, b->m.vclock);
    free(with);
    free(without);
    stats_series_free(s);
    fake_free(a);
    fake_free(b);
}
END_TEST

START_TEST(test_series_full_merges_pairs_and_doubles_interval)
{
    /* Interval 10000 (one quantum) for 25 000 rounds: more than the cap,
     * so pairs merge twice and the interval becomes 40000. */
    struct fake *f = fake_machine(250000000, false);
    struct stats_series *s;
    struct parsed ps;
    char *doc = run_with_series(f, 10000, NULL, &s);
    parse_series(doc, &ps);
    ck_assert_uint_eq(stats_series_interval(s), 40000);
    ck_assert_uint_le(stats_series_samples(s), STATS_SERIES_MAX_SAMPLES);
    ck_assert_uint_eq(ps.nrows[0], stats_series_samples(s));
    ck_assert_ptr_nonnull(strstr(doc, "\"interval_cycles\": 40000,"));
    ck_assert_uint_eq(col_sum(&ps, 1, "cycles"), f->c[0].cycles);
    ck_assert_uint_eq(col_sum(&ps, 2, "instructions"), f->c[1].insns);
    /* Merged samples still end on the (new) interval. */
    int vc = col(&ps, "vclock");
    for (unsigned r = 0; r + 1 < ps.nrows[0]; r++)
        ck_assert_double_eq(ps.rows[0][r][vc], (r + 1) * 40000.0);
    parsed_free(&ps);
    free(doc);
    stats_series_free(s);
    fake_free(f);
}
END_TEST

/* A series started later (as after --restore) counts from its start. */
START_TEST(test_series_started_late_counts_from_start)
{
    struct fake *f = fake_machine(300000, false);
    struct emu_err err;
    machine_run(&f->m);
    uint64_t insns0 = f->c[0].insns, insns1 = f->c[1].insns;
    ck_assert_uint_gt(insns0, 0);
    f->m.stop = MACHINE_RUNNING;
    f->stop_at = 1000000;
    struct stats_series *s = stats_series_start(&f->m, 100000, NULL, &err);
    ck_assert_ptr_nonnull(s);
    machine_run(&f->m);
    stats_series_finish(s, &f->m);
    char *doc = write_doc(&f->m, s);
    struct parsed ps;
    parse_series(doc, &ps);
    ck_assert_double_eq(ps.start[col(&ps, "vclock")], 300000);
    ck_assert_double_eq(ps.start[col(&ps, "instructions")], (double)(insns0 + insns1));
    ck_assert_uint_eq(insns0 + col_sum(&ps, 1, "instructions"), f->c[0].insns);
    ck_assert_uint_eq(insns1 + col_sum(&ps, 2, "instructions"), f->c[1].insns);
    ck_assert_double_eq(ps.rows[0][0][col(&ps, "vclock")], 400000);
    parsed_free(&ps);
    free(doc);
    stats_series_free(s);
    fake_free(f);
}
END_TEST

START_TEST(test_series_interval_zero_refused)
{
    struct fake *f = fake_machine(1000, false);
    struct emu_err err;
    ck_assert_ptr_null(stats_series_start(&f->m, 0, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "--stats-interval"));
    fake_free(f);
}
END_TEST

START_TEST(test_series_no_observer_slot_refused)
{
    struct fake *f = fake_machine(1000, false);
    struct emu_err err;
    for (unsigned i = 0; i < MACHINE_MAX_OBSERVERS; i++)
        ck_assert_int_eq(machine_add_observer(&f->m, UINT64_MAX, NULL, NULL), 0);
    ck_assert_ptr_null(stats_series_start(&f->m, 1000, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "observers"));
    fake_free(f);
}
END_TEST

/* The stop at 200000 comes before the observer due then, so finish takes
 * the last sample; finishing again adds no empty one. */
START_TEST(test_series_finish_twice_adds_nothing)
{
    struct fake *f = fake_machine(200000, false);
    struct stats_series *s;
    char *doc = run_with_series(f, 100000, NULL, &s);
    ck_assert_uint_eq(f->m.vclock, 200000);
    ck_assert_uint_eq(stats_series_samples(s), 2);
    stats_series_finish(s, &f->m);
    ck_assert_uint_eq(stats_series_samples(s), 2);
    free(doc);
    stats_series_free(s);
    fake_free(f);
}
END_TEST

static Suite *stats_series_suite(void)
{
    Suite *s = suite_create("stats_series");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_series_samples_sum_to_totals);
    tcase_add_test(tc, test_series_samples_at_interval_boundaries);
    tcase_add_test(tc, test_series_timing_counters_and_mpki);
    tcase_add_test(tc, test_series_changes_nothing_else);
    tcase_add_test(tc, test_series_full_merges_pairs_and_doubles_interval);
    tcase_add_test(tc, test_series_started_late_counts_from_start);
    tcase_add_test(tc, test_series_interval_zero_refused);
    tcase_add_test(tc, test_series_no_observer_slot_refused);
    tcase_add_test(tc, test_series_finish_twice_adds_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stats_series_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
