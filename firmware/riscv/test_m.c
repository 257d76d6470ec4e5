/*
 * M extension (RISC-V unprivileged 20191213 ch. 7): products and their
 * high halves for every signedness, division rounding toward zero, the
 * defined results of division by zero and of signed overflow (table 7.1),
 * and the W forms' sign extension of 32-bit results.
 */
#include "test.h"

static void test_mul(void)
{
    test_check_eq("mul_negative", INSN_RR("mul", 3, -2), 0xfffffffffffffffa);
    test_check_eq("mul_low_bits_only", INSN_RR("mul", 0x100000000, 0x100000000), 0);
    test_check_eq("mulh_minus1_squared", INSN_RR("mulh", -1, -1), 0);
    test_check_eq("mulh_int_min_squared", INSN_RR("mulh", 0x8000000000000000, 0x8000000000000000),
                  0x4000000000000000);
    test_check_eq("mulh_negative_result", INSN_RR("mulh", -2, 0x4000000000000000), 0xffffffffffffffff);
    test_check_eq("mulhu_max_squared", INSN_RR("mulhu", -1, -1), 0xfffffffffffffffe);
    test_check_eq("mulhsu_minus1_times_max", INSN_RR("mulhsu", -1, 0xffffffffffffffff), 0xffffffffffffffff);
    test_check_eq("mulhsu_2_times_max", INSN_RR("mulhsu", 2, 0xffffffffffffffff), 1);
    test_check_eq("mulw_sign_extends", INSN_RR("mulw", 0x7fffffff, 2), 0xfffffffffffffffe);
    test_check_eq("mulw_ignores_upper", INSN_RR("mulw", 0x100000003, 0x100000005), 15);
}

static void test_div(void)
{
    test_check_eq("div_truncates", INSN_RR("div", -7, 2), 0xfffffffffffffffd);
    test_check_eq("rem_sign_of_dividend", INSN_RR("rem", -7, 2), 0xffffffffffffffff);
    test_check_eq("rem_positive_dividend", INSN_RR("rem", 7, -2), 1);
    test_check_eq("divu", INSN_RR("divu", 7, 2), 3);
    test_check_eq("remu", INSN_RR("remu", 7, 2), 1);
    test_check_eq("divu_large", INSN_RR("divu", -1, 2), 0x7fffffffffffffff);
    /* Table 7.1: division by zero. */
    test_check_eq("div_by_zero_all_ones", INSN_RR("div", 42, 0), 0xffffffffffffffff);
    test_check_eq("divu_by_zero_all_ones", INSN_RR("divu", 42, 0), 0xffffffffffffffff);
    test_check_eq("rem_by_zero_dividend", INSN_RR("rem", -42, 0), (uint64_t)-42);
    test_check_eq("remu_by_zero_dividend", INSN_RR("remu", 42, 0), 42);
    /* Table 7.1: signed overflow. */
    test_check_eq("div_overflow_int_min", INSN_RR("div", 0x8000000000000000, -1), 0x8000000000000000);
    test_check_eq("rem_overflow_zero", INSN_RR("rem", 0x8000000000000000, -1), 0);
}

static void test_div_w(void)
{
    test_check_eq("divw_truncates", INSN_RR("divw", 0xfffffffffffffff9, 2), 0xfffffffffffffffd);
    test_check_eq("divw_ignores_upper", INSN_RR("divw", 0x123456780000000c, 0xabcdef0000000003), 4);
    test_check_eq("divw_by_zero", INSN_RR("divw", 7, 0), 0xffffffffffffffff);
    test_check_eq("divw_overflow", INSN_RR("divw", 0x80000000, 0xffffffff), 0xffffffff80000000);
    test_check_eq("remw_overflow_zero", INSN_RR("remw", 0x80000000, -1), 0);
    test_check_eq("remw_by_zero", INSN_RR("remw", 7, 0), 7);
    test_check_eq("remw_by_zero_sign_extends", INSN_RR("remw", 0x80000005, 0), 0xffffffff80000005);
    test_check_eq("remw_negative", INSN_RR("remw", -7, 2), 0xffffffffffffffff);
    test_check_eq("divuw", INSN_RR("divuw", 0xffffffff, 2), 0x7fffffff);
    test_check_eq("divuw_result_sign_extends", INSN_RR("divuw", 0xfffffffe, 1), 0xfffffffffffffffe);
    test_check_eq("divuw_by_zero", INSN_RR("divuw", 5, 0), 0xffffffffffffffff);
    test_check_eq("remuw_by_zero_sign_extends", INSN_RR("remuw", 0x80000005, 0), 0xffffffff80000005);
    test_check_eq("remuw_ignores_upper", INSN_RR("remuw", 0x10000000a, 3), 1);
}

int test_main(unsigned long hartid, unsigned long dtb)
{
    test_mul();
    test_div();
    test_div_w();
    return 0;
}
