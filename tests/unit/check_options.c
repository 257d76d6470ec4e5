/*
 * Unit tests for core/options: every option, sizes, bad values, defaults.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/options.h"

#define ARGV(...) ((char *[]){ "emu", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "emu", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, err, ...) options_parse((o), ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (err))

START_TEST(test_options_no_args_defaults_boot_opensbi_uboot)
{
    struct options o;
    struct emu_err err;
    char *argv[] = { "emu", NULL };
    ck_assert_int_eq(options_parse(&o, 1, argv, &err), 0);
    ck_assert_str_eq(o.cfg.board, "riscv-virt");
    ck_assert_uint_eq(o.cfg.ram_size, 256ull << 20);
    ck_assert_uint_eq(o.cfg.ncpus, 1);
    ck_assert_str_eq(o.cfg.cpu_model, "rv64");
    ck_assert_str_eq(o.cfg.bios, OPTIONS_DEFAULT_BIOS);
    ck_assert_str_eq(o.cfg.kernel, OPTIONS_DEFAULT_KERNEL);
    ck_assert_ptr_null(o.cfg.initrd);
    ck_assert_ptr_null(o.cfg.append);
    ck_assert_ptr_null(o.cfg.dtb);
    ck_assert_uint_eq(o.cfg.max_insns, 0);
    ck_assert_uint_eq(o.cfg.quantum, 10000);
    ck_assert_uint_eq(o.cfg.core_hz, 1000000000ull);
    ck_assert_int_eq(o.serial, OPTIONS_SERIAL_STDIO);
    ck_assert_str_eq(o.serial_spec, "stdio");
    ck_assert_ptr_null(o.stats_path);
    ck_assert(!o.cfg.snapshot_disks);
    ck_assert(!o.help && !o.version && !o.nographic);
}
END_TEST

START_TEST(test_options_kernel_only_keeps_default_bios)
{
    struct options o;
    struct emu_err err;
    ck_assert_int_eq(PARSE(&o, &err, "-kernel", "Image"), 0);
    ck_assert_str_eq(o.cfg.kernel, "Image");
    ck_assert_str_eq(o.cfg.bios, OPTIONS_DEFAULT_BIOS);
}
END_TEST

START_TEST(test_options_bios_only_no_default_kernel)
{
    struct options o;
    struct emu_err err;
    ck_assert_int_eq(PARSE(&o, &err, "-bios", "fw.elf"), 0);
    ck_assert_str_eq(o.cfg.bios, "fw.elf");
    ck_assert_ptr_null(o.cfg.kernel);
    ck_assert_int_eq(PARSE(&o, &err, "-bios", "none", "-kernel", "k.elf"), 0);
    ck_assert_str_eq(o.cfg.bios, "none");
    ck_assert_str_eq(o.cfg.kernel, "k.elf");
}
END_TEST

START_TEST(test_options_every_option_sets_its_field)
{
    struct options o;
    struct emu_err err;
    int rc = PARSE(&o, &err, "-machine", "riscv-virt", "-m", "1G", "-smp", "4", "-cpu", "rv64,h=on",
                   "-bios", "fw.elf", "-kernel", "Image", "-initrd", "initrd.img",
                   "-append", "console=ttyS0 quiet", "-dtb", "board.dtb", "-nographic",
                   "-serial", "file:out.txt", "--max-insns", "1000000", "--quantum", "500",
                   "--stats", "s.json", "-snapshot");
    ck_assert_msg(rc == 0, "%s", err.msg);
    ck_assert_str_eq(o.cfg.board, "riscv-virt");
    ck_assert_uint_eq(o.cfg.ram_size, 1ull << 30);
    ck_assert_uint_eq(o.cfg.ncpus, 4);
    ck_assert_str_eq(o.cfg.cpu_model, "rv64,h=on");
    ck_assert_str_eq(o.cfg.bios, "fw.elf");
    ck_assert_str_eq(o.cfg.kernel, "Image");
    ck_assert_str_eq(o.cfg.initrd, "initrd.img");
    ck_assert_str_eq(o.cfg.append, "console=ttyS0 quiet");
    ck_assert_str_eq(o.cfg.dtb, "board.dtb");
    ck_assert(o.nographic);
    ck_assert_int_eq(o.serial, OPTIONS_SERIAL_FILE);
    ck_assert_str_eq(o.serial_path, "out.txt");
    ck_assert_str_eq(o.serial_spec, "file:out.txt");
    ck_assert_uint_eq(o.cfg.max_insns, 1000000);
    ck_assert_uint_eq(o.cfg.quantum, 500);
    ck_assert_str_eq(o.stats_path, "s.json");
    ck_assert(o.cfg.snapshot_disks);
}
END_TEST

START_TEST(test_options_machine_aliases_accepted)
{
    struct options o;
    struct emu_err err;
    ck_assert_int_eq(PARSE(&o, &err, "-M", "virt"), 0);
    ck_assert_str_eq(o.cfg.board, "riscv-virt");
    ck_assert_int_eq(PARSE(&o, &err, "--machine=riscv-virt"), 0);
    ck_assert_str_eq(o.cfg.board, "riscv-virt");
}
END_TEST

START_TEST(test_options_one_or_two_dashes_and_equals_same)
{
    struct options o;
    struct emu_err err;
    ck_assert_int_eq(PARSE(&o, &err, "--kernel", "a", "-max-insns", "5", "--stats=x.json", "-m=64"), 0);
    ck_assert_str_eq(o.cfg.kernel, "a");
    ck_assert_uint_eq(o.cfg.max_insns, 5);
    ck_assert_str_eq(o.stats_path, "x.json");
    ck_assert_uint_eq(o.cfg.ram_size, 64ull << 20);
}
END_TEST

START_TEST(test_options_size_suffixes_scale)
{
    uint64_t v;
    ck_assert_int_eq(options_parse_size("512", &v), 0);
    ck_assert_uint_eq(v, 512ull << 20);
    ck_assert_int_eq(options_parse_size("4096K", &v), 0);
    ck_assert_uint_eq(v, 4096ull << 10);
    ck_assert_int_eq(options_parse_size("4096k", &v), 0);
    ck_assert_uint_eq(v, 4096ull << 10);
    ck_assert_int_eq(options_parse_size("128M", &v), 0);
    ck_assert_uint_eq(v, 128ull << 20);
    ck_assert_int_eq(options_parse_size("128MiB", &v), 0);
    ck_assert_uint_eq(v, 128ull << 20);
    ck_assert_int_eq(options_parse_size("2GB", &v), 0);
    ck_assert_uint_eq(v, 2ull << 30);
    ck_assert_int_eq(options_parse_size("2g", &v), 0);
    ck_assert_uint_eq(v, 2ull << 30);
    ck_assert_int_eq(options_parse_size("1T", &v), 0);
    ck_assert_uint_eq(v, 1ull << 40);
    ck_assert_int_eq(options_parse_size("8192B", &v), 0);
    ck_assert_uint_eq(v, 8192);
}
END_TEST

START_TEST(test_options_bad_sizes_rejected)
{
    static const char *bad[] = { "", "0", "0M", "-1", "abc", "12X", "1.5G", "2GiBs", "M",
                                 "99999999999999999999", "17179869184G", "16BB", " 4" };
    uint64_t v = 77;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(options_parse_size(bad[i], &v) == -1, "'%s' accepted", bad[i]);
        ck_assert_uint_eq(v, 77);
    }
}
END_TEST

START_TEST(test_options_bad_memory_option_errors)
{
    struct options o;
    struct emu_err err;
    ck_assert_int_eq(PARSE(&o, &err, "-m", "0"), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "-m '0'"));
    ck_assert_int_eq(PARSE(&o, &err, "-m", "lots"), -1);
    ck_assert_int_eq(PARSE(&o, &err, "-m", "1000B"), -1);      /* not a whole page */
    ck_assert_ptr_nonnull(strstr(err.msg, "4 KiB"));
    ck_assert_int_eq(PARSE(&o, &err, "-m", "2T"), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "1 TiB"));
}
END_TEST

START_TEST(test_options_smp_range_enforced)
{
    struct options o;
    struct emu_err err;
    ck_assert_int_eq(PARSE(&o, &err, "-smp", "8"), 0);
    ck_assert_uint_eq(o.cfg.ncpus, 8);
    ck_assert_int_eq(PARSE(&o, &err, "-smp", "1"), 0);
    ck_assert_int_eq(PARSE(&o, &err, "-smp", "0"), -1);
    ck_assert_int_eq(PARSE(&o, &err, "-smp", "9"), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "1 to 8"));
    ck_assert_int_eq(PARSE(&o, &err, "-smp", "two"), -1);
    ck_assert_int_eq(PARSE(&o, &err, "-smp", "-1"), -1);
}
END_TEST

START_TEST(test_options_numbers_bad_values_rejected)
{
    struct options o;
    struct emu_err err;
    ck_assert_int_eq(PARSE(&o, &err, "--max-insns", "10x"), -1);
    ck_assert_int_eq(PARSE(&o, &err, "--max-insns", "-5"), -1);
    ck_assert_int_eq(PARSE(&o, &err, "--max-insns", "99999999999999999999999"), -1);
    ck_assert_int_eq(PARSE(&o, &err, "--quantum", "0"), -1);
    ck_assert_int_eq(PARSE(&o, &err, "--quantum", ""), -1);
    ck_assert_int_eq(PARSE(&o, &err, "--max-insns", "0x10"), 0);
    ck_assert_uint_eq(o.cfg.max_insns, 16);
    ck_assert_int_eq(PARSE(&o, &err, "--max-insns", "010"), 0);
    ck_assert_uint_eq(o.cfg.max_insns, 10);
}
END_TEST

START_TEST(test_options_serial_backends_parsed)
{
    struct options o;
    struct emu_err err;
    ck_assert_int_eq(PARSE(&o, &err, "-serial", "null"), 0);
    ck_assert_int_eq(o.serial, OPTIONS_SERIAL_NULL);
    ck_assert_str_eq(o.serial_spec, "null");
    ck_assert_int_eq(PARSE(&o, &err, "-serial", "mon:stdio"), 0);
    ck_assert_int_eq(o.serial, OPTIONS_SERIAL_STDIO);
    ck_assert_str_eq(o.serial_spec, "stdio");
    ck_assert_int_eq(PARSE(&o, &err, "-serial", "file:"), -1);
    ck_assert_int_eq(PARSE(&o, &err, "-serial", "tcp::4444"), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "stdio, file:PATH or null"));
}
END_TEST

START_TEST(test_options_unknown_option_named_in_error)
{
    struct options o;
    struct emu_err err;
    ck_assert_int_eq(PARSE(&o, &err, "-foo"), -1);
    ck_assert_str_eq(err.msg, "unknown option '-foo' (see emu -h)");
    ck_assert_int_eq(PARSE(&o, &err, "--bar=1"), -1);
    ck_assert_str_eq(err.msg, "unknown option '--bar' (see emu -h)");
    ck_assert_int_eq(PARSE(&o, &err, "--nographic=1"), -1);   /* flag takes no value */
    ck_assert_int_eq(PARSE(&o, &err, "disk.img"), -1);
    ck_assert_str_eq(err.msg, "unexpected argument 'disk.img' (see emu -h)");
    ck_assert_int_eq(PARSE(&o, &err, "-"), -1);
}
END_TEST

START_TEST(test_options_missing_argument_errors)
{
    struct options o;
    struct emu_err err;
    ck_assert_int_eq(PARSE(&o, &err, "-kernel"), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "'-kernel' needs an argument"));
    ck_assert_int_eq(PARSE(&o, &err, "-m", "64", "-smp"), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "'-smp'"));
    ck_assert_int_eq(PARSE(&o, &err, "-kernel", ""), -1);
}
END_TEST

START_TEST(test_options_help_and_version_flags)
{
    struct options o;
    struct emu_err err;
    ck_assert_int_eq(PARSE(&o, &err, "-h"), 0);
    ck_assert(o.help);
    ck_assert_int_eq(PARSE(&o, &err, "--help"), 0);
    ck_assert(o.help);
    ck_assert_int_eq(PARSE(&o, &err, "--version"), 0);
    ck_assert(o.version && !o.help);
}
END_TEST

START_TEST(test_options_help_lists_every_option)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    options_print_help(f);
    fclose(f);
    static const char *names[] = { "-M, -machine", "-m ", "-smp", "-cpu", "-bios", "-kernel", "-initrd",
                                   "-append", "-dtb", "-nographic", "-serial", "--max-insns",
                                   "--quantum", "--stats", "-h, --help", "--version" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        ck_assert_msg(strstr(buf, names[i]), "help lacks %s", names[i]);
    free(buf);
}
END_TEST

START_TEST(test_options_later_option_overrides_earlier)
{
    struct options o;
    struct emu_err err;
    ck_assert_int_eq(PARSE(&o, &err, "-m", "64", "-m", "128"), 0);
    ck_assert_uint_eq(o.cfg.ram_size, 128ull << 20);
}
END_TEST

START_TEST(test_options_engine_selects_back_end)
{
    struct options o;
    struct emu_err err;
    ck_assert_int_eq(PARSE(&o, &err, "-nographic"), 0);
    ck_assert(!o.cfg.interp_only);          /* the JIT where there is one */
    ck_assert_int_eq(PARSE(&o, &err, "--engine", "interp"), 0);
    ck_assert(o.cfg.interp_only);
    ck_assert_int_eq(PARSE(&o, &err, "--engine", "interp", "--engine=jit"), 0);
    ck_assert(!o.cfg.interp_only);
    ck_assert_int_eq(PARSE(&o, &err, "--engine", "tcg"), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "expected jit or interp"));
}
END_TEST

static Suite *options_suite(void)
{
    Suite *s = suite_create("options");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_options_no_args_defaults_boot_opensbi_uboot);
    tcase_add_test(tc, test_options_kernel_only_keeps_default_bios);
    tcase_add_test(tc, test_options_bios_only_no_default_kernel);
    tcase_add_test(tc, test_options_every_option_sets_its_field);
    tcase_add_test(tc, test_options_machine_aliases_accepted);
    tcase_add_test(tc, test_options_one_or_two_dashes_and_equals_same);
    tcase_add_test(tc, test_options_size_suffixes_scale);
    tcase_add_test(tc, test_options_bad_sizes_rejected);
    tcase_add_test(tc, test_options_bad_memory_option_errors);
    tcase_add_test(tc, test_options_smp_range_enforced);
    tcase_add_test(tc, test_options_numbers_bad_values_rejected);
    tcase_add_test(tc, test_options_serial_backends_parsed);
    tcase_add_test(tc, test_options_unknown_option_named_in_error);
    tcase_add_test(tc, test_options_missing_argument_errors);
    tcase_add_test(tc, test_options_help_and_version_flags);
    tcase_add_test(tc, test_options_help_lists_every_option);
    tcase_add_test(tc, test_options_later_option_overrides_earlier);
    tcase_add_test(tc, test_options_engine_selects_back_end);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(options_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
