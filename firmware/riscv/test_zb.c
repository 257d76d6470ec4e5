/*
 * Bit-manipulation extensions Zba, Zbb, Zbc, Zbs (RISC-V Bitmanip 1.0.0
 * ch. 2), each instruction against a hand-computed result, W forms
 * included.
 */
#include "test.h"

static void test_zba(void)
{
    test_check_eq("add_uw", INSN_RR("add.uw", 0xffffffff80000000, 1), 0x80000001);
    test_check_eq("sh1add", INSN_RR("sh1add", 3, 10), 16);
    test_check_eq("sh2add", INSN_RR("sh2add", 3, 10), 22);
    test_check_eq("sh3add", INSN_RR("sh3add", 3, 10), 34);
    test_check_eq("sh1add_uw", INSN_RR("sh1add.uw", 0xffffffff00000003, 10), 16);
    test_check_eq("sh2add_uw", INSN_RR("sh2add.uw", 0x180000000, 0), 0x200000000);
    test_check_eq("sh3add_uw", INSN_RR("sh3add.uw", 0xffffffffffffffff, 1), 0x7fffffff9);
    test_check_eq("slli_uw", INSN_RI("slli.uw", 0xffffffff80000001, 4), 0x800000010);
}

static void test_zbb_logic_count(void)
{
    test_check_eq("andn", INSN_RR("andn", 0xff, 0x0f), 0xf0);
    test_check_eq("orn", INSN_RR("orn", 0, 0xffffffffffffff0f), 0xf0);
    test_check_eq("xnor", INSN_RR("xnor", 0xf0, 0xff), 0xfffffffffffffff0);
    test_check_eq("clz_zero", INSN_R("clz", 0), 64);
    test_check_eq("clz_one", INSN_R("clz", 1), 63);
    test_check_eq("clz_top_bit", INSN_R("clz", 0x8000000000000000), 0);
    test_check_eq("clzw_zero", INSN_R("clzw", 0), 32);
    test_check_eq("clzw", INSN_R("clzw", 0x00010000), 15);
    test_check_eq("clzw_ignores_upper", INSN_R("clzw", 0xffffffff00000001), 31);
    test_check_eq("ctz_zero", INSN_R("ctz", 0), 64);
    test_check_eq("ctz", INSN_R("ctz", 0x100), 8);
    test_check_eq("ctzw_zero", INSN_R("ctzw", 0), 32);
    test_check_eq("ctzw_ignores_upper", INSN_R("ctzw", 0x100000000), 32);
    test_check_eq("cpop_all", INSN_R("cpop", -1), 64);
    test_check_eq("cpop", INSN_R("cpop", 0x0f0f), 8);
    test_check_eq("cpopw", INSN_R("cpopw", 0xffffffff0000000f), 4);
}

static void test_zbb_minmax_ext(void)
{
    test_check_eq("max", INSN_RR("max", -1, 1), 1);
    test_check_eq("maxu", INSN_RR("maxu", -1, 1), 0xffffffffffffffff);
    test_check_eq("min", INSN_RR("min", -1, 1), 0xffffffffffffffff);
    test_check_eq("minu", INSN_RR("minu", -1, 1), 1);
    test_check_eq("sext_b", INSN_R("sext.b", 0x80), 0xffffffffffffff80);
    test_check_eq("sext_b_positive", INSN_R("sext.b", 0x17f), 0x7f);
    test_check_eq("sext_h", INSN_R("sext.h", 0x8000), 0xffffffffffff8000);
    test_check_eq("zext_h", INSN_R("zext.h", 0xffffffffffff8001), 0x8001);
}

static void test_zbb_rotate_bytes(void)
{
    test_check_eq("rol", INSN_RR("rol", 0x8000000000000001, 1), 3);
    test_check_eq("rol_amount_masked", INSN_RR("rol", 0x8000000000000001, 65), 3);
    test_check_eq("ror", INSN_RR("ror", 1, 1), 0x8000000000000000);
    test_check_eq("rori", INSN_RI("rori", 0x0123456789abcdef, 8), 0xef0123456789abcd);
    test_check_eq("rolw", INSN_RR("rolw", 0x80000001, 1), 3);
    test_check_eq("rorw_sign_extends", INSN_RR("rorw", 1, 1), 0xffffffff80000000);
    test_check_eq("roriw", INSN_RI("roriw", 0xff, 4), 0xfffffffff000000f);
    test_check_eq("orc_b", INSN_R("orc.b", 0x0001000000f00000), 0x00ff000000ff0000);
    test_check_eq("rev8", INSN_R("rev8", 0x0123456789abcdef), 0xefcdab8967452301);
}

static void test_zbc(void)
{
    test_check_eq("clmul_3_3", INSN_RR("clmul", 3, 3), 5);
    test_check_eq("clmul_f_f", INSN_RR("clmul", 0xf, 0xf), 0x55);
    test_check_eq("clmul_drops_high", INSN_RR("clmul", 0x8000000000000001, 2), 2);
    test_check_eq("clmulh", INSN_RR("clmulh", 0x8000000000000001, 2), 1);
    test_check_eq("clmulr", INSN_RR("clmulr", 0x8000000000000001, 2), 2);
    /* All-ones squared in GF(2)[x] is every even power up to x^126. */
    test_check_eq("clmul_ones", INSN_RR("clmul", -1, -1), 0x5555555555555555);
    test_check_eq("clmulh_ones", INSN_RR("clmulh", -1, -1), 0x5555555555555555);
    test_check_eq("clmulr_ones", INSN_RR("clmulr", -1, -1), 0xaaaaaaaaaaaaaaaa);
}

static void test_zbs(void)
{
    test_check_eq("bset_63", INSN_RR("bset", 0, 63), 0x8000000000000000);
    test_check_eq("bset_index_masked", INSN_RR("bset", 0, 66), 4);
    test_check_eq("bseti", INSN_RI("bseti", 0x10, 0), 0x11);
    test_check_eq("bclr", INSN_RR("bclr", 0xff, 3), 0xf7);
    test_check_eq("bclri_63", INSN_RI("bclri", -1, 63), 0x7fffffffffffffff);
    test_check_eq("bext_set", INSN_RR("bext", 8, 3), 1);
    test_check_eq("bexti_clear", INSN_RI("bexti", 8, 2), 0);
    test_check_eq("binv", INSN_RR("binv", 1, 0), 0);
    test_check_eq("binvi_40", INSN_RI("binvi", 0, 40), 0x10000000000);
}

int test_main(unsigned long hartid, unsigned long dtb)
{
    test_zba();
    test_zbb_logic_count();
    test_zbb_minmax_ext();
    test_zbb_rotate_bytes();
    test_zbc();
    test_zbs();
    return 0;
}
