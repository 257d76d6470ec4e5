/*
 * Unit tests for timing/model: the model file format (docs/timing.md),
 * its line-numbered errors, the built-in models, and the static cost of a
 * TB under issue width and cache hit latency.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "timing/model.h"

/* A complete detailed model; tests change one line of it. */
static const char good_text[] =
    "# a test model\n"
    "name test-1\n"
    "frequency 1.25GHz\n"
    "issue_width 2\n"
    "latency default 1\n"
    "latency int_div 20\n"
    "cache l1i size 16K ways 4 line 64 hit 1 miss 2\n"
    "cache l1d size 32KiB ways 8 line 64 hit 3 miss 2\n"
    "cache l2 size 1M ways 16 line 64 hit 12 miss 5\n"
    "dram latency 100\n"
    "tlb itlb entries 32\n"
    "tlb dtlb entries 32\n"
    "tlb l2tlb entries 256 ways 4 hit 5\n"
    "walk latency 7\n"
    "branch gshare entries 1024 history 10 btb 64 penalty 6   # trailing comment\n";

static void parse_ok(const char *text, struct timing_model *tm)
{
    struct emu_err err;
    int rc = timing_model_parse(text, "t.model", tm, &err);
    ck_assert_msg(rc == 0, "parse failed: %s", err.msg);
}

/* Parses text expecting an error; returns the message. */
static const char *parse_err(const char *text)
{
    static struct emu_err err;
    struct timing_model tm;
    memset(&err, 0, sizeof(err));
    ck_assert_int_eq(timing_model_parse(text, "t.model", &tm, &err), -1);
    return err.msg;
}

/* good_text with its line `line` (1-based) replaced by repl (no newline). */
static char *with_line(unsigned line, const char *repl)
{
    static char buf[4096];
    const char *s = good_text;
    char *o = buf;
    for (unsigned n = 1; *s; n++) {
        const char *nl = strchr(s, '\n');
        size_t len = (size_t)(nl - s);
        if (n == line)
            o += sprintf(o, "%s\n", repl);
        else
            o += sprintf(o, "%.*s\n", (int)len, s);
        s = nl + 1;
    }
    *o = 0;
    return buf;
}

START_TEST(test_model_good_text_fills_every_field)
{
    struct timing_model tm;
    parse_ok(good_text, &tm);
    ck_assert_str_eq(tm.name, "test-1");
    ck_assert_uint_eq(tm.core_hz, 1250000000ull);
    ck_assert_uint_eq(tm.issue_width, 2);
    ck_assert_uint_eq(tm.class_cycles[OPC_INT_ALU], 1);
    ck_assert_uint_eq(tm.class_cycles[OPC_INT_DIV], 20);
    ck_assert(tm.l1i.present && tm.l1d.present && tm.l2.present && !tm.l3.present);
    ck_assert_uint_eq(tm.l1i.size, 16384);
    ck_assert_uint_eq(tm.l1d.size, 32768);
    ck_assert_uint_eq(tm.l1d.ways, 8);
    ck_assert_uint_eq(tm.l1d.hit, 3);
    ck_assert_uint_eq(tm.l2.size, 1u << 20);
    ck_assert_uint_eq(tm.l2.miss, 5);
    ck_assert_uint_eq(tm.dram, 100);
    ck_assert_uint_eq(tm.itlb.entries, 32);
    ck_assert_uint_eq(tm.itlb.ways, 32);        /* fully associative by default */
    ck_assert_uint_eq(tm.l2tlb.ways, 4);
    ck_assert_uint_eq(tm.l2tlb.hit, 5);
    ck_assert_uint_eq(tm.walk, 7);
    ck_assert_int_eq(tm.bpred, TIMING_BPRED_GSHARE);
    ck_assert_uint_eq(tm.bpred_entries, 1024);
    ck_assert_uint_eq(tm.bpred_history, 10);
    ck_assert_uint_eq(tm.btb_entries, 64);
    ck_assert_uint_eq(tm.mispredict, 6);
    ck_assert(timing_model_detailed(&tm));
}
END_TEST

START_TEST(test_model_fast_text_equals_builtin_constant)
{
    struct timing_model tm;
    const struct timing_model *fast = timing_model_fast();
    parse_ok(timing_model_text("fast"), &tm);
    ck_assert_str_eq(tm.name, fast->name);
    ck_assert_uint_eq(tm.core_hz, fast->core_hz);
    ck_assert_uint_eq(tm.issue_width, fast->issue_width);
    for (unsigned c = 0; c < OPC_COUNT; c++)
        ck_assert_uint_eq(tm.class_cycles[c], fast->class_cycles[c]);
    ck_assert(!timing_model_detailed(&tm));
    ck_assert(!timing_model_detailed(fast));
}
END_TEST

START_TEST(test_model_every_builtin_loads)
{
    for (unsigned i = 0; timing_model_names[i]; i++) {
        struct timing_model tm;
        struct emu_err err;
        ck_assert_msg(timing_model_load(timing_model_names[i], &tm, &err) == 0, "%s: %s", timing_model_names[i],
                      err.msg);
        ck_assert_str_eq(tm.name, timing_model_names[i]);
    }
    ck_assert_ptr_null(timing_model_text("no-such-model"));
}
END_TEST

START_TEST(test_model_u74_has_documented_figures)
{
    /* docs/timing.md: FU740 geometry from Linux's fu740-c000.dtsi. */
    struct timing_model tm;
    struct emu_err err;
    ck_assert_int_eq(timing_model_load("u74", &tm, &err), 0);
    ck_assert_uint_eq(tm.core_hz, 1200000000ull);
    ck_assert_uint_eq(tm.issue_width, 2);
    ck_assert_uint_eq(tm.l1i.size / tm.l1i.ways / tm.l1i.line, 128);    /* i-cache-sets */
    ck_assert_uint_eq(tm.l1d.size / tm.l1d.ways / tm.l1d.line, 64);     /* d-cache-sets */
    ck_assert_uint_eq(tm.l2.size / tm.l2.ways / tm.l2.line, 2048);      /* cache-sets */
    ck_assert_uint_eq(tm.itlb.entries, 40);
    ck_assert_uint_eq(tm.dtlb.entries, 40);
    ck_assert_uint_eq(tm.l1d.hit, 3);
}
END_TEST

START_TEST(test_model_load_reads_a_file)
{
    char path[] = "/tmp/check_timing_modelXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, good_text, strlen(good_text)), (int)strlen(good_text));
    close(fd);
    struct timing_model tm;
    struct emu_err err;
    ck_assert_int_eq(timing_model_load(path, &tm, &err), 0);
    ck_assert_str_eq(tm.name, "test-1");

    /* An error inside the file names the file and the line. */
    FILE *f = fopen(path, "w");
    fputs("name x\nfrequency 1GHz\nlatency default 1\ncache l4 size 1K ways 1 line 64 hit 1 miss 1\n", f);
    fclose(f);
    ck_assert_int_eq(timing_model_load(path, &tm, &err), -1);
    char want[128];
    snprintf(want, sizeof(want), "%s:4: unknown cache level 'l4'", path);
    ck_assert_msg(strstr(err.msg, want), "got: %s", err.msg);
    unlink(path);
}
END_TEST

START_TEST(test_model_missing_file_lists_builtin_names)
{
    struct timing_model tm;
    struct emu_err err;
    ck_assert_int_eq(timing_model_load("/nonexistent/u75.model", &tm, &err), -1);
    ck_assert_msg(strstr(err.msg, "'/nonexistent/u75.model'") && strstr(err.msg, "fast, inorder-small, u74"),
                  "got: %s", err.msg);
}
END_TEST

START_TEST(test_model_binary_file_refused)
{
    char path[] = "/tmp/check_timing_modelXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "name a\0b\n", 9), 9);
    close(fd);
    struct timing_model tm;
    struct emu_err err;
    ck_assert_int_eq(timing_model_load(path, &tm, &err), -1);
    ck_assert_msg(strstr(err.msg, "not a text file"), "got: %s", err.msg);
    unlink(path);
}
END_TEST

/* Each bad line, put in place of line 7 (the l1i cache), and the start of
 * the message it must give. */
static const struct {
    unsigned line;
    const char *text;
    const char *msg;
} bad_lines[] = {
    { 7, "cachee l1i size 16K", "t.model:7: unknown statement 'cachee'" },
    { 7, "cache l1i size 16K ways 4 line 64 hit 1", "t.model:7: 'cache' needs 'miss'" },
    { 7, "cache l1i size 16K ways 4 line 64 hit 1 miss", "t.model:7: 'miss' has no value" },
    { 7, "cache l1i size 16Q ways 4 line 64 hit 1 miss 2", "t.model:7: bad size '16Q' for 'size'" },
    { 7, "cache l1i size 16K ways 4 line 48 hit 1 miss 2", "t.model:7: cache l1i: line must be a power of two" },
    { 7, "cache l1i size 24K ways 4 line 64 hit 1 miss 2", "t.model:7: cache l1i: size / (ways * line)" },
    { 7, "cache l1i size 16K ways 4 line 64 hit 1 miss 2 ways 2", "t.model:7: key 'ways' given twice" },
    { 7, "cache l1i size 16K ways 4 line 64 hit 1 mis 2", "t.model:7: unknown key 'mis' in 'cache'" },
    { 7, "cache l1d size 16K ways 4 line 64 hit 1 miss 2", "t.model:8: cache l1d given twice" },
    { 3, "frequency 1.2345678901GHz", "t.model:3: bad frequency '1.2345678901GHz'" },
    { 3, "frequency 500kHz", "t.model:3: bad frequency '500kHz'" },
    { 4, "issue_width 9", "t.model:4: usage: issue_width N (1 to 8)" },
    { 5, "latency int_add 1", "t.model:5: unknown op class 'int_add'" },
    { 5, "latency int_div 2", "t.model:6: latency of 'int_div' given twice" },
    { 6, "latency int_div -1", "t.model:6: bad latency '-1'" },
    { 13, "tlb l2tlb entries 256 ways 4", "t.model:13: tlb l2tlb needs 'hit'" },
    { 11, "tlb itlb entries 32 hit 2", "t.model:11: tlb itlb: 'hit' is for l2tlb only" },
    { 11, "tlb itlb entries 48 ways 16", "t.model:11: tlb itlb: entries (1 to 65536) / ways must be a power of two" },
    { 15, "branch gshare entries 1024 btb 64 penalty 6", "t.model:15: branch gshare needs 'history'" },
    { 15, "branch bimodal entries 1024 history 4 btb 64 penalty 6", "t.model:15: branch bimodal keeps no history" },
    { 15, "branch gshare entries 1000 history 10 btb 64 penalty 6", "t.model:15: branch: entries must be a power of two" },
    { 15, "branch tage entries 1024 btb 64 penalty 6", "t.model:15: unknown branch predictor 'tage'" },
    { 10, "dram latency", "t.model:10: usage: dram latency CYCLES" },
    { 2, "name has space", "t.model:2: usage: name NAME" },
    { 2, "name a/b", "t.model:2: name 'a/b' may hold only" },
    /* Whole-model rules, reported without a line. */
    { 10, "# no dram", "t.model: caches need 'dram latency N'" },
    { 14, "", "t.model: TLBs need 'walk latency N'" },
    { 12, "", "t.model: tlb itlb and dtlb go together" },
    { 7, "", "t.model: cache l2 and l3 need both l1i and l1d" },
    { 2, "", "t.model: no 'name' line" },
    { 3, "", "t.model: no 'frequency' line" },
    { 5, "", "t.model: no latency for op class 'int_alu'" },
};

START_TEST(test_model_bad_line_names_line_and_problem)
{
    const char *msg = parse_err(with_line(bad_lines[_i].line, bad_lines[_i].text));
    ck_assert_msg(strncmp(msg, bad_lines[_i].msg, strlen(bad_lines[_i].msg)) == 0, "case %d: got '%s', want '%s...'",
                  _i, msg, bad_lines[_i].msg);
}
END_TEST

START_TEST(test_model_fractional_and_unit_frequencies)
{
    struct timing_model tm;
    parse_ok(with_line(3, "frequency 800MHz"), &tm);
    ck_assert_uint_eq(tm.core_hz, 800000000ull);
    parse_ok(with_line(3, "frequency 1000000000"), &tm);
    ck_assert_uint_eq(tm.core_hz, 1000000000ull);
    parse_ok(with_line(3, "frequency 2.5ghz"), &tm);
    ck_assert_uint_eq(tm.core_hz, 2500000000ull);
}
END_TEST

START_TEST(test_model_tb_cost_fast_is_one_per_insn)
{
    const uint8_t cls[5] = { OPC_INT_ALU, OPC_LOAD, OPC_INT_DIV, OPC_FP_SQRT, OPC_BRANCH };
    ck_assert_uint_eq(timing_tb_cycles(timing_model_fast(), cls, 5), 5);
    ck_assert_uint_eq(timing_tb_cycles(NULL, cls, 5), 5);
}
END_TEST

START_TEST(test_model_tb_cost_pairs_single_cycle_insns)
{
    /* Width 2: three 1-cycle insns take 2 cycles; the divide 20, the load
     * its L1D hit latency 3: 2 + 20 + 3. */
    struct timing_model tm;
    parse_ok(good_text, &tm);
    const uint8_t cls[5] = { OPC_INT_ALU, OPC_LOAD, OPC_INT_DIV, OPC_STORE, OPC_BRANCH };
    ck_assert_uint_eq(timing_insn_cycles(&tm, OPC_LOAD), 3);
    ck_assert_uint_eq(timing_insn_cycles(&tm, OPC_STORE), 1);
    ck_assert_uint_eq(timing_tb_cycles(&tm, cls, 5), 25);
    ck_assert_uint_eq(timing_tb_cycles(&tm, cls, 1), 1);
}
END_TEST

static Suite *timing_model_suite(void)
{
    Suite *s = suite_create("timing_model");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_model_good_text_fills_every_field);
    tcase_add_test(tc, test_model_fast_text_equals_builtin_constant);
    tcase_add_test(tc, test_model_every_builtin_loads);
    tcase_add_test(tc, test_model_u74_has_documented_figures);
    tcase_add_test(tc, test_model_load_reads_a_file);
    tcase_add_test(tc, test_model_missing_file_lists_builtin_names);
    tcase_add_test(tc, test_model_binary_file_refused);
    tcase_add_loop_test(tc, test_model_bad_line_names_line_and_problem, 0,
                        (int)(sizeof(bad_lines) / sizeof(bad_lines[0])));
    tcase_add_test(tc, test_model_fractional_and_unit_frequencies);
    suite_add_tcase(s, tc);
    TCase *cost = tcase_create("tb_cost");
    tcase_add_test(cost, test_model_tb_cost_fast_is_one_per_insn);
    tcase_add_test(cost, test_model_tb_cost_pairs_single_cycle_insns);
    suite_add_tcase(s, cost);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(timing_model_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
