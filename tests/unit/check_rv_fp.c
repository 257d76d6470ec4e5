/*
 * Unit tests for cpu-riscv/fp: IEEE 754-2008 results and fflags of the F
 * and D helpers (unpriv spec 20191213 ch. 11, 12) in all five rounding
 * modes, RMM ties, tininess after rounding, NaN boxing and canonical NaNs,
 * FMIN/FMAX, comparisons, FCLASS and FCVT saturation (table 11.4).
 * Expected values are computed by hand; bit patterns are noted in comments.
 */
#include <check.h>
#include <fenv.h>
#include <stdlib.h>

#include "cpu-riscv/fp.h"

#define NX FP_FLAG_NX
#define UF FP_FLAG_UF
#define OF FP_FLAG_OF
#define DZ FP_FLAG_DZ
#define NV FP_FLAG_NV

/* Single-precision operand/result as it sits in an f register. */
#define BS(v) (FP_BOX_S | (uint64_t)(uint32_t)(v))

#define D_ONE      0x3ff0000000000000ull    /* 1.0 */
#define D_ONE_ULP  0x3ff0000000000001ull    /* 1 + 2^-52 */
#define D_HALF_ULP 0x3ca0000000000000ull    /* 2^-53 */
#define D_MAX      0x7fefffffffffffffull
#define D_INF      0x7ff0000000000000ull
#define D_SNAN     0x7ff0000000000001ull
#define D_QNAN_PAY 0x7ff8000000000123ull    /* quiet NaN with a payload */
#define S_ONE      0x3f800000u
#define S_ONE_HALF 0x3fc00000u              /* 1.5 */
#define S_MAX      0x7f7fffffu
#define S_INF      0x7f800000u
#define S_SNAN     0x7f800001u
#define S_QNAN     0x7fc00000u

struct rm_case {
    unsigned rm;
    uint64_t want;
    unsigned flags;
};

/* Runs op in each mode of cases and checks result and flags. */
static void check_modes(enum fp_op op, enum fp_fmt fmt, uint64_t a, uint64_t b, uint64_t c,
                        const struct rm_case *cases, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        unsigned fl = 0;
        uint64_t r = fp_arith(op, fmt, a, b, c, cases[i].rm, &fl);
        ck_assert_msg(r == cases[i].want, "rm %u: got %#llx want %#llx", cases[i].rm,
                      (unsigned long long)r, (unsigned long long)cases[i].want);
        ck_assert_msg(fl == cases[i].flags, "rm %u: flags %#x want %#x", cases[i].rm, fl, cases[i].flags);
        ck_assert_int_eq(fegetround(), FE_TONEAREST);
    }
}

/* 1 + 2^-53 lies exactly halfway between 1 and 1 + 2^-52. */
START_TEST(test_fp_add_d_tie_each_mode_rounds_per_mode)
{
    static const struct rm_case cases[] = {
        { FP_RM_RNE, D_ONE, NX }, { FP_RM_RTZ, D_ONE, NX }, { FP_RM_RDN, D_ONE, NX },
        { FP_RM_RUP, D_ONE_ULP, NX }, { FP_RM_RMM, D_ONE_ULP, NX },
    };
    check_modes(FP_OP_ADD, FP_FMT_D, D_ONE, D_HALF_ULP, 0, cases, 5);
}
END_TEST

/* -1 - 2^-53: the same tie, negative. */
START_TEST(test_fp_sub_d_negative_tie_each_mode_rounds_per_mode)
{
    static const struct rm_case cases[] = {
        { FP_RM_RNE, 0xbff0000000000000ull, NX }, { FP_RM_RTZ, 0xbff0000000000000ull, NX },
        { FP_RM_RDN, 0xbff0000000000001ull, NX }, { FP_RM_RUP, 0xbff0000000000000ull, NX },
        { FP_RM_RMM, 0xbff0000000000001ull, NX },
    };
    check_modes(FP_OP_SUB, FP_FMT_D, 0xbff0000000000000ull, D_HALF_ULP, 0, cases, 5);
}
END_TEST

/* 1 + 2^-54 (a quarter ulp): not a tie, RMM goes to the nearer value. */
START_TEST(test_fp_add_d_below_half_rmm_rounds_down)
{
    static const struct rm_case cases[] = {
        { FP_RM_RMM, D_ONE, NX }, { FP_RM_RUP, D_ONE_ULP, NX }, { FP_RM_RNE, D_ONE, NX },
    };
    check_modes(FP_OP_ADD, FP_FMT_D, D_ONE, 0x3c90000000000000ull, 0, cases, 3);
}
END_TEST

/* (1 + 3*2^-23) * 1.5 = 1.5 + 4.5 ulp: tie between 0x3fc00004 and ...05. */
START_TEST(test_fp_mul_s_tie_rmm_away_rne_even)
{
    static const struct rm_case cases[] = {
        { FP_RM_RNE, 0xffffffff3fc00004ull, NX }, { FP_RM_RTZ, 0xffffffff3fc00004ull, NX },
        { FP_RM_RDN, 0xffffffff3fc00004ull, NX }, { FP_RM_RUP, 0xffffffff3fc00005ull, NX },
        { FP_RM_RMM, 0xffffffff3fc00005ull, NX },
    };
    check_modes(FP_OP_MUL, FP_FMT_S, BS(0x3f800003u), BS(S_ONE_HALF), 0, cases, 5);
}
END_TEST

/* 5 * 2^-149 / 2 = 2.5 subnormal steps: a tie on the subnormal grid. */
START_TEST(test_fp_div_s_subnormal_tie_rmm_away_and_underflow)
{
    static const struct rm_case cases[] = {
        { FP_RM_RNE, BS(2), UF | NX }, { FP_RM_RTZ, BS(2), UF | NX }, { FP_RM_RDN, BS(2), UF | NX },
        { FP_RM_RUP, BS(3), UF | NX }, { FP_RM_RMM, BS(3), UF | NX },
    };
    check_modes(FP_OP_DIV, FP_FMT_S, BS(5), BS(0x40000000u), 0, cases, 5);
}
END_TEST

/* 5 * 2^-1074 * 0.5 in double: the same subnormal tie via multiplication. */
START_TEST(test_fp_mul_d_subnormal_tie_rmm_away)
{
    static const struct rm_case cases[] = {
        { FP_RM_RNE, 2, UF | NX }, { FP_RM_RMM, 3, UF | NX },
    };
    check_modes(FP_OP_MUL, FP_FMT_D, 5, 0x3fe0000000000000ull, 0, cases, 2);
}
END_TEST

/* A fused product exactly on the tie, then nudged by a tiny addend. */
START_TEST(test_fp_madd_s_tie_and_near_tie_rmm_exact)
{
    static const struct rm_case tie[] = {
        { FP_RM_RNE, BS(0x3fc00004u), NX }, { FP_RM_RMM, BS(0x3fc00005u), NX },
    };
    static const struct rm_case below[] = {   /* c = -2^-100 */
        { FP_RM_RNE, BS(0x3fc00004u), NX }, { FP_RM_RMM, BS(0x3fc00004u), NX },
    };
    static const struct rm_case above[] = {   /* c = +2^-100 */
        { FP_RM_RNE, BS(0x3fc00005u), NX }, { FP_RM_RMM, BS(0x3fc00005u), NX },
    };
    check_modes(FP_OP_MADD, FP_FMT_S, BS(0x3f800003u), BS(S_ONE_HALF), BS(0), tie, 2);
    check_modes(FP_OP_MADD, FP_FMT_S, BS(0x3f800003u), BS(S_ONE_HALF), BS(0x8d800000u), below, 2);
    check_modes(FP_OP_MADD, FP_FMT_S, BS(0x3f800003u), BS(S_ONE_HALF), BS(0x0d800000u), above, 2);
}
END_TEST

/* Double FMA tie: (1 + 3*2^-52) * 1.5 = 1.5 + 4.5 ulp. */
START_TEST(test_fp_madd_d_tie_rmm_away)
{
    static const struct rm_case cases[] = {
        { FP_RM_RNE, 0x3ff8000000000004ull, NX }, { FP_RM_RMM, 0x3ff8000000000005ull, NX },
        { FP_RM_RUP, 0x3ff8000000000005ull, NX }, { FP_RM_RTZ, 0x3ff8000000000004ull, NX },
    };
    check_modes(FP_OP_MADD, FP_FMT_D, 0x3ff0000000000003ull, 0x3ff8000000000000ull, 0, cases, 4);
}
END_TEST

START_TEST(test_fp_fma_variants_signs_as_spec)
{
    unsigned fl = 0;
    uint64_t two = 0x4000000000000000ull, three = 0x4008000000000000ull;
    ck_assert_uint_eq(fp_arith(FP_OP_MADD, FP_FMT_D, two, three, D_ONE, FP_RM_RNE, &fl), 0x401c000000000000ull);
    ck_assert_uint_eq(fp_arith(FP_OP_MSUB, FP_FMT_D, two, three, D_ONE, FP_RM_RNE, &fl), 0x4014000000000000ull);
    ck_assert_uint_eq(fp_arith(FP_OP_NMSUB, FP_FMT_D, two, three, D_ONE, FP_RM_RNE, &fl), 0xc014000000000000ull);
    ck_assert_uint_eq(fp_arith(FP_OP_NMADD, FP_FMT_D, two, three, D_ONE, FP_RM_RNE, &fl), 0xc01c000000000000ull);
    ck_assert_uint_eq(fl, 0);
    /* -(1*1) - (-1) is an exact zero: +0 except in RDN. */
    ck_assert_uint_eq(fp_arith(FP_OP_NMADD, FP_FMT_D, D_ONE, D_ONE, 0xbff0000000000000ull, FP_RM_RNE, &fl), 0);
    ck_assert_uint_eq(fp_arith(FP_OP_NMADD, FP_FMT_D, D_ONE, D_ONE, 0xbff0000000000000ull, FP_RM_RDN, &fl),
                      1ull << 63);
}
END_TEST

START_TEST(test_fp_madd_inf_times_zero_quiet_nan_addend_raises_nv)
{
    unsigned fl = 0;
    uint64_t r = fp_arith(FP_OP_MADD, FP_FMT_D, D_INF, 0, 0x7ff8000000000000ull, FP_RM_RNE, &fl);
    ck_assert_uint_eq(r, FP_CANON_D);
    ck_assert_uint_eq(fl, NV);
}
END_TEST

START_TEST(test_fp_add_d_exact_zero_rdn_is_negative)
{
    unsigned fl = 0;
    ck_assert_uint_eq(fp_arith(FP_OP_SUB, FP_FMT_D, D_ONE, D_ONE, 0, FP_RM_RDN, &fl), 1ull << 63);
    ck_assert_uint_eq(fp_arith(FP_OP_SUB, FP_FMT_D, D_ONE, D_ONE, 0, FP_RM_RMM, &fl), 0);
    ck_assert_uint_eq(fl, 0);
}
END_TEST

START_TEST(test_fp_sqrt_s_inexact_each_mode)
{
    /* sqrt(2) = 1.41421356...: 0x3fb504f3 is below it, 0x3fb504f4 above. */
    static const struct rm_case cases[] = {
        { FP_RM_RNE, BS(0x3fb504f3u), NX }, { FP_RM_RTZ, BS(0x3fb504f3u), NX },
        { FP_RM_RDN, BS(0x3fb504f3u), NX }, { FP_RM_RUP, BS(0x3fb504f4u), NX },
        { FP_RM_RMM, BS(0x3fb504f3u), NX },
    };
    check_modes(FP_OP_SQRT, FP_FMT_S, BS(0x40000000u), 0, 0, cases, 5);
}
END_TEST

START_TEST(test_fp_invalid_ops_canonical_nan_and_nv)
{
    unsigned fl = 0;
    ck_assert_uint_eq(fp_arith(FP_OP_SQRT, FP_FMT_D, 0xbff0000000000000ull, 0, 0, FP_RM_RNE, &fl), FP_CANON_D);
    ck_assert_uint_eq(fl, NV);
    fl = 0;
    ck_assert_uint_eq(fp_arith(FP_OP_DIV, FP_FMT_S, BS(0), BS(0), 0, FP_RM_RNE, &fl), BS(FP_CANON_S));
    ck_assert_uint_eq(fl, NV);
    fl = 0;
    ck_assert_uint_eq(fp_arith(FP_OP_SUB, FP_FMT_D, D_INF, D_INF, 0, FP_RM_RUP, &fl), FP_CANON_D);
    ck_assert_uint_eq(fl, NV);
}
END_TEST

START_TEST(test_fp_nan_inputs_give_canonical_nan)
{
    unsigned fl = 0;
    ck_assert_uint_eq(fp_arith(FP_OP_ADD, FP_FMT_D, D_QNAN_PAY, D_ONE, 0, FP_RM_RNE, &fl), FP_CANON_D);
    ck_assert_uint_eq(fl, 0);
    ck_assert_uint_eq(fp_arith(FP_OP_MUL, FP_FMT_D, D_ONE, D_SNAN, 0, FP_RM_RNE, &fl), FP_CANON_D);
    ck_assert_uint_eq(fl, NV);
    fl = 0;
    ck_assert_uint_eq(fp_arith(FP_OP_ADD, FP_FMT_S, BS(0xffc00123u), BS(S_ONE), 0, FP_RM_RNE, &fl),
                      BS(FP_CANON_S));
    ck_assert_uint_eq(fl, 0);
}
END_TEST

START_TEST(test_fp_div_by_zero_sets_dz)
{
    unsigned fl = 0;
    ck_assert_uint_eq(fp_arith(FP_OP_DIV, FP_FMT_D, 0xbff0000000000000ull, 0, 0, FP_RM_RNE, &fl),
                      0xfff0000000000000ull);
    ck_assert_uint_eq(fl, DZ);
}
END_TEST

/* MAX * 2 overflows: inf or MAX depending on the mode and sign. */
START_TEST(test_fp_mul_overflow_each_mode)
{
    static const struct rm_case pos[] = {
        { FP_RM_RNE, D_INF, OF | NX }, { FP_RM_RTZ, D_MAX, OF | NX }, { FP_RM_RDN, D_MAX, OF | NX },
        { FP_RM_RUP, D_INF, OF | NX }, { FP_RM_RMM, D_INF, OF | NX },
    };
    static const struct rm_case neg[] = {
        { FP_RM_RNE, BS(0xff800000u), OF | NX }, { FP_RM_RTZ, BS(0xff7fffffu), OF | NX },
        { FP_RM_RDN, BS(0xff800000u), OF | NX }, { FP_RM_RUP, BS(0xff7fffffu), OF | NX },
        { FP_RM_RMM, BS(0xff800000u), OF | NX },
    };
    check_modes(FP_OP_MUL, FP_FMT_D, D_MAX, 0x4000000000000000ull, 0, pos, 5);
    check_modes(FP_OP_MUL, FP_FMT_S, BS(0xff7fffffu), BS(0x40000000u), 0, neg, 5);
}
END_TEST

START_TEST(test_fp_mul_s_tiny_exact_no_underflow)
{
    unsigned fl = 0;
    /* 2^-126 * 0.5 = 2^-127: tiny but exact. */
    ck_assert_uint_eq(fp_arith(FP_OP_MUL, FP_FMT_S, BS(0x00800000u), BS(0x3f000000u), 0, FP_RM_RNE, &fl),
                      BS(0x00400000u));
    ck_assert_uint_eq(fl, 0);
    /* (2^-126 + 2^-149) * 0.5: tiny and inexact. */
    ck_assert_uint_eq(fp_arith(FP_OP_MUL, FP_FMT_S, BS(0x00800001u), BS(0x3f000000u), 0, FP_RM_RNE, &fl),
                      BS(0x00400000u));
    ck_assert_uint_eq(fl, UF | NX);
}
END_TEST

/*
 * 2^-126 * (1 - 2^-25) rounds to 2^-126 at 24 bits with an unbounded
 * exponent in RNE: not tiny after rounding, so no UF (§11.6). In RTZ it
 * stays below 2^-126: tiny, UF.
 */
START_TEST(test_fp_cvt_s_d_tininess_after_rounding)
{
    unsigned fl = 0;
    uint64_t d = 0x380ffffff0000000ull;
    ck_assert_uint_eq(fp_cvt_s_d(d, FP_RM_RNE, &fl), BS(0x00800000u));
    ck_assert_uint_eq(fl, NX);
    fl = 0;
    ck_assert_uint_eq(fp_cvt_s_d(d, FP_RM_RTZ, &fl), BS(0x007fffffu));
    ck_assert_uint_eq(fl, UF | NX);
    fl = 0;
    ck_assert_uint_eq(fp_cvt_s_d(d, FP_RM_RMM, &fl), BS(0x00800000u));
    ck_assert_uint_eq(fl, NX);
}
END_TEST

START_TEST(test_fp_cvt_s_d_tie_rmm_away)
{
    unsigned fl = 0;
    /* 1 + 2^-24 is halfway between 1 and 1 + 2^-23. */
    ck_assert_uint_eq(fp_cvt_s_d(0x3ff0000010000000ull, FP_RM_RNE, &fl), BS(S_ONE));
    ck_assert_uint_eq(fp_cvt_s_d(0x3ff0000010000000ull, FP_RM_RMM, &fl), BS(0x3f800001u));
    ck_assert_uint_eq(fp_cvt_s_d(0xbff0000010000000ull, FP_RM_RMM, &fl), BS(0xbf800001u));
    ck_assert_uint_eq(fl, NX);
    fl = 0;
    ck_assert_uint_eq(fp_cvt_s_d(D_SNAN, FP_RM_RNE, &fl), BS(FP_CANON_S));
    ck_assert_uint_eq(fl, NV);
    fl = 0;
    ck_assert_uint_eq(fp_cvt_s_d(D_MAX, FP_RM_RTZ, &fl), BS(S_MAX));
    ck_assert_uint_eq(fl, OF | NX);
}
END_TEST

START_TEST(test_fp_cvt_d_s_exact_and_nan)
{
    unsigned fl = 0;
    ck_assert_uint_eq(fp_cvt_d_s(BS(S_ONE_HALF), &fl), 0x3ff8000000000000ull);
    ck_assert_uint_eq(fp_cvt_d_s(BS(1), &fl), 0x36a0000000000000ull);   /* 2^-149 */
    ck_assert_uint_eq(fl, 0);
    ck_assert_uint_eq(fp_cvt_d_s(BS(S_SNAN), &fl), FP_CANON_D);
    ck_assert_uint_eq(fl, NV);
    fl = 0;
    ck_assert_uint_eq(fp_cvt_d_s(0x3f800000ull, &fl), FP_CANON_D);      /* not boxed */
    ck_assert_uint_eq(fl, 0);
}
END_TEST

/* 2^24 + 1 halfway between 2^24 and 2^24 + 2. */
START_TEST(test_fp_cvt_s_w_tie_each_mode)
{
    static const unsigned modes[5] = { FP_RM_RNE, FP_RM_RTZ, FP_RM_RDN, FP_RM_RUP, FP_RM_RMM };
    static const uint32_t want[5] = { 0x4b800000u, 0x4b800000u, 0x4b800000u, 0x4b800001u, 0x4b800001u };
    static const uint32_t want_neg[5] = { 0xcb800000u, 0xcb800000u, 0xcb800001u, 0xcb800000u, 0xcb800001u };
    for (unsigned i = 0; i < 5; i++) {
        unsigned fl = 0;
        ck_assert_uint_eq(fp_cvt_from_int(FP_FMT_S, 16777217, FP_ITY_W, modes[i], &fl), BS(want[i]));
        ck_assert_uint_eq(fp_cvt_from_int(FP_FMT_S, (uint64_t)-16777217, FP_ITY_W, modes[i], &fl),
                          BS(want_neg[i]));
        ck_assert_uint_eq(fl, NX);
    }
}
END_TEST

START_TEST(test_fp_cvt_from_int_widths_and_exact)
{
    unsigned fl = 0;
    /* W reads only the low 32 bits, sign-extended: 0xffffffff is -1. */
    ck_assert_uint_eq(fp_cvt_from_int(FP_FMT_D, 0x12345678ffffffffull, FP_ITY_W, FP_RM_RNE, &fl),
                      0xbff0000000000000ull);
    ck_assert_uint_eq(fp_cvt_from_int(FP_FMT_D, 0xffffffffull, FP_ITY_WU, FP_RM_RNE, &fl), 0x41efffffffe00000ull);
    ck_assert_uint_eq(fl, 0);
    /* UINT64_MAX: 2^64 in RNE, the largest double below it in RTZ. */
    ck_assert_uint_eq(fp_cvt_from_int(FP_FMT_D, ~0ull, FP_ITY_LU, FP_RM_RNE, &fl), 0x43f0000000000000ull);
    ck_assert_uint_eq(fp_cvt_from_int(FP_FMT_D, ~0ull, FP_ITY_LU, FP_RM_RTZ, &fl), 0x43efffffffffffffull);
    ck_assert_uint_eq(fp_cvt_from_int(FP_FMT_S, ~0ull, FP_ITY_LU, FP_RM_RMM, &fl), BS(0x5f800000u));
    ck_assert_uint_eq(fl, NX);
    fl = 0;
    ck_assert_uint_eq(fp_cvt_from_int(FP_FMT_D, 1ull << 63, FP_ITY_L, FP_RM_RNE, &fl), 0xc3e0000000000000ull);
    ck_assert_uint_eq(fl, 0);
    /* 2^53 + 1 in D: tie; (2^63 + 2^10) in LU: tie between 2^63 and 2^63 + 2^11. */
    ck_assert_uint_eq(fp_cvt_from_int(FP_FMT_D, (1ull << 53) + 1, FP_ITY_L, FP_RM_RMM, &fl), 0x4340000000000001ull);
    ck_assert_uint_eq(fp_cvt_from_int(FP_FMT_D, (1ull << 63) + 1024, FP_ITY_LU, FP_RM_RMM, &fl),
                      0x43e0000000000001ull);
    ck_assert_uint_eq(fp_cvt_from_int(FP_FMT_D, (1ull << 63) + 1024, FP_ITY_LU, FP_RM_RNE, &fl),
                      0x43e0000000000000ull);
}
END_TEST

struct int_case {
    uint64_t in;
    unsigned rm;
    uint64_t want;
    unsigned flags;
};

static void check_to_int(enum fp_fmt fmt, enum fp_ity ity, const struct int_case *c, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        unsigned fl = 0;
        uint64_t r = fp_cvt_to_int(fmt, c[i].in, ity, c[i].rm, &fl);
        ck_assert_msg(r == c[i].want, "case %u: got %#llx want %#llx", i, (unsigned long long)r,
                      (unsigned long long)c[i].want);
        ck_assert_msg(fl == c[i].flags, "case %u: flags %#x want %#x", i, fl, c[i].flags);
    }
}

START_TEST(test_fp_cvt_w_s_rounding_each_mode)
{
    static const struct int_case c[] = {
        { BS(0x40200000u), FP_RM_RNE, 2, NX },  /* 2.5 */
        { BS(0x40200000u), FP_RM_RTZ, 2, NX },
        { BS(0x40200000u), FP_RM_RDN, 2, NX },
        { BS(0x40200000u), FP_RM_RUP, 3, NX },
        { BS(0x40200000u), FP_RM_RMM, 3, NX },
        { BS(0xc0200000u), FP_RM_RNE, (uint64_t)-2, NX },  /* -2.5 */
        { BS(0xc0200000u), FP_RM_RTZ, (uint64_t)-2, NX },
        { BS(0xc0200000u), FP_RM_RDN, (uint64_t)-3, NX },
        { BS(0xc0200000u), FP_RM_RUP, (uint64_t)-2, NX },
        { BS(0xc0200000u), FP_RM_RMM, (uint64_t)-3, NX },
        { BS(0x40600000u), FP_RM_RNE, 4, NX },  /* 3.5 */
        { BS(0x3f000000u), FP_RM_RNE, 0, NX },  /* 0.5 */
        { BS(0x42280000u), FP_RM_RNE, 42, 0 },
    };
    check_to_int(FP_FMT_S, FP_ITY_W, c, sizeof(c) / sizeof(c[0]));
}
END_TEST

/* Table 11.4: NaN and too-large inputs give the maximum, too-small the minimum. */
START_TEST(test_fp_cvt_to_int_saturates_with_nv)
{
    static const struct int_case w[] = {
        { BS(S_QNAN), FP_RM_RNE, 0x7fffffffull, NV },
        { BS(S_INF), FP_RM_RNE, 0x7fffffffull, NV },
        { BS(0xff800000u), FP_RM_RNE, 0xffffffff80000000ull, NV },
        { BS(0x4f000000u), FP_RM_RNE, 0x7fffffffull, NV },          /* 2^31 */
        { BS(0xcf000000u), FP_RM_RNE, 0xffffffff80000000ull, 0 },   /* -2^31 */
        { 0x3f800000ull, FP_RM_RNE, 0x7fffffffull, NV },            /* unboxed: NaN */
    };
    static const struct int_case wu[] = {
        { BS(S_QNAN), FP_RM_RNE, ~0ull, NV },
        { BS(0xbf800000u), FP_RM_RNE, 0, NV },                      /* -1 */
        { BS(0xbf000000u), FP_RM_RTZ, 0, NX },                      /* -0.5 -> -0 */
        { BS(0x4f32d05eu), FP_RM_RNE, 0xffffffffb2d05e00ull, 0 },   /* 3e9, sign-extended */
        { BS(0x4f800000u), FP_RM_RNE, ~0ull, NV },                  /* 2^32 */
    };
    static const struct int_case l[] = {
        { 0x43e0000000000000ull, FP_RM_RNE, 0x7fffffffffffffffull, NV },   /* 2^63 */
        { 0xc3e0000000000000ull, FP_RM_RNE, 0x8000000000000000ull, 0 },    /* -2^63 */
        { 0xc3e0000000000001ull, FP_RM_RNE, 0x8000000000000000ull, NV },
        { D_SNAN, FP_RM_RNE, 0x7fffffffffffffffull, NV },
        { 0xfff0000000000000ull, FP_RM_RNE, 0x8000000000000000ull, NV },
    };
    static const struct int_case lu[] = {
        { 0x43f0000000000000ull, FP_RM_RNE, ~0ull, NV },            /* 2^64 */
        { 0x43efffffffffffffull, FP_RM_RNE, 0xfffffffffffff800ull, 0 },
        { 0xbfe0000000000000ull, FP_RM_RNE, 0, NX },                /* -0.5 -> -0 */
        { 0xbfe8000000000000ull, FP_RM_RNE, 0, NV },                /* -0.75 -> -1 */
        { D_QNAN_PAY, FP_RM_RNE, ~0ull, NV },
    };
    check_to_int(FP_FMT_S, FP_ITY_W, w, sizeof(w) / sizeof(w[0]));
    check_to_int(FP_FMT_S, FP_ITY_WU, wu, sizeof(wu) / sizeof(wu[0]));
    check_to_int(FP_FMT_D, FP_ITY_L, l, sizeof(l) / sizeof(l[0]));
    check_to_int(FP_FMT_D, FP_ITY_LU, lu, sizeof(lu) / sizeof(lu[0]));
}
END_TEST

/* 2147483647.5 rounds to 2^31 in RNE (ties to even): out of range for W. */
START_TEST(test_fp_cvt_w_d_rounding_out_of_range_is_nv)
{
    static const struct int_case c[] = {
        { 0x41dfffffffe00000ull, FP_RM_RNE, 0x7fffffffull, NV },
        { 0x41dfffffffe00000ull, FP_RM_RTZ, 0x7fffffffull, NX },
        { 0x41dfffffffe00000ull, FP_RM_RMM, 0x7fffffffull, NV },
        { 0x41dfffffffe00000ull, FP_RM_RDN, 0x7fffffffull, NX },
    };
    check_to_int(FP_FMT_D, FP_ITY_W, c, 4);
}
END_TEST

START_TEST(test_fp_minmax_zero_signs_and_nans)
{
    unsigned fl = 0;
    uint64_t nz = 1ull << 63;
    ck_assert_uint_eq(fp_minmax(FP_FMT_D, nz, 0, false, &fl), nz);
    ck_assert_uint_eq(fp_minmax(FP_FMT_D, 0, nz, false, &fl), nz);
    ck_assert_uint_eq(fp_minmax(FP_FMT_D, nz, 0, true, &fl), 0);
    ck_assert_uint_eq(fp_minmax(FP_FMT_D, 0, nz, true, &fl), 0);
    ck_assert_uint_eq(fp_minmax(FP_FMT_D, D_QNAN_PAY, D_ONE, false, &fl), D_ONE);
    ck_assert_uint_eq(fp_minmax(FP_FMT_D, D_ONE, D_QNAN_PAY, true, &fl), D_ONE);
    ck_assert_uint_eq(fl, 0);
    ck_assert_uint_eq(fp_minmax(FP_FMT_D, D_SNAN, D_ONE, true, &fl), D_ONE);
    ck_assert_uint_eq(fl, NV);
    fl = 0;
    ck_assert_uint_eq(fp_minmax(FP_FMT_D, D_QNAN_PAY, D_QNAN_PAY, true, &fl), FP_CANON_D);
    ck_assert_uint_eq(fl, 0);
    ck_assert_uint_eq(fp_minmax(FP_FMT_S, BS(S_SNAN), BS(S_QNAN), false, &fl), BS(FP_CANON_S));
    ck_assert_uint_eq(fl, NV);
    fl = 0;
    ck_assert_uint_eq(fp_minmax(FP_FMT_S, BS(0xc0000000u), BS(S_ONE), false, &fl), BS(0xc0000000u));
    ck_assert_uint_eq(fp_minmax(FP_FMT_S, BS(0xc0000000u), BS(S_ONE), true, &fl), BS(S_ONE));
    /* An unboxed operand is a NaN: the other one is the result. */
    ck_assert_uint_eq(fp_minmax(FP_FMT_S, 0x40000000ull, BS(S_ONE), true, &fl), BS(S_ONE));
    ck_assert_uint_eq(fl, 0);
}
END_TEST

START_TEST(test_fp_cmp_quiet_eq_signaling_lt_le)
{
    unsigned fl = 0;
    uint64_t nz = 1ull << 63;
    ck_assert_uint_eq(fp_cmp(FP_FMT_D, D_QNAN_PAY, D_ONE, 2, &fl), 0);
    ck_assert_uint_eq(fl, 0);
    ck_assert_uint_eq(fp_cmp(FP_FMT_D, D_SNAN, D_ONE, 2, &fl), 0);
    ck_assert_uint_eq(fl, NV);
    fl = 0;
    ck_assert_uint_eq(fp_cmp(FP_FMT_D, D_QNAN_PAY, D_ONE, 1, &fl), 0);
    ck_assert_uint_eq(fl, NV);
    fl = 0;
    ck_assert_uint_eq(fp_cmp(FP_FMT_S, BS(S_ONE), BS(S_QNAN), 0, &fl), 0);
    ck_assert_uint_eq(fl, NV);
    fl = 0;
    ck_assert_uint_eq(fp_cmp(FP_FMT_D, nz, 0, 2, &fl), 1);
    ck_assert_uint_eq(fp_cmp(FP_FMT_D, nz, 0, 1, &fl), 0);
    ck_assert_uint_eq(fp_cmp(FP_FMT_D, nz, 0, 0, &fl), 1);
    ck_assert_uint_eq(fp_cmp(FP_FMT_S, BS(0xc0000000u), BS(S_ONE), 1, &fl), 1);
    ck_assert_uint_eq(fp_cmp(FP_FMT_S, BS(S_ONE), BS(0xc0000000u), 0, &fl), 0);
    ck_assert_uint_eq(fl, 0);
}
END_TEST

START_TEST(test_fp_class_each_kind)
{
    ck_assert_uint_eq(fp_class(FP_FMT_D, 0xfff0000000000000ull), FP_CLASS_NEG_INF);
    ck_assert_uint_eq(fp_class(FP_FMT_D, 0xbff0000000000000ull), FP_CLASS_NEG_NORM);
    ck_assert_uint_eq(fp_class(FP_FMT_D, 0x8000000000000001ull), FP_CLASS_NEG_SUB);
    ck_assert_uint_eq(fp_class(FP_FMT_D, 1ull << 63), FP_CLASS_NEG_ZERO);
    ck_assert_uint_eq(fp_class(FP_FMT_D, 0), FP_CLASS_POS_ZERO);
    ck_assert_uint_eq(fp_class(FP_FMT_D, 1), FP_CLASS_POS_SUB);
    ck_assert_uint_eq(fp_class(FP_FMT_D, D_ONE), FP_CLASS_POS_NORM);
    ck_assert_uint_eq(fp_class(FP_FMT_D, D_INF), FP_CLASS_POS_INF);
    ck_assert_uint_eq(fp_class(FP_FMT_D, D_SNAN), FP_CLASS_SNAN);
    ck_assert_uint_eq(fp_class(FP_FMT_D, D_QNAN_PAY), FP_CLASS_QNAN);
    ck_assert_uint_eq(fp_class(FP_FMT_S, BS(S_SNAN)), FP_CLASS_SNAN);
    ck_assert_uint_eq(fp_class(FP_FMT_S, BS(0x80400000u)), FP_CLASS_NEG_SUB);
    ck_assert_uint_eq(fp_class(FP_FMT_S, 0xfffffffe00000000ull), FP_CLASS_QNAN);   /* not boxed */
}
END_TEST

START_TEST(test_fp_sgnj_bits_and_boxing)
{
    ck_assert_uint_eq(fp_sgnj(FP_FMT_D, D_ONE, 1ull << 63, 0), 0xbff0000000000000ull);
    ck_assert_uint_eq(fp_sgnj(FP_FMT_D, D_ONE, 1ull << 63, 1), D_ONE);
    ck_assert_uint_eq(fp_sgnj(FP_FMT_D, 0xbff0000000000000ull, 1ull << 63, 2), D_ONE);
    /* Sign injection keeps NaN payloads: it is not arithmetic. */
    ck_assert_uint_eq(fp_sgnj(FP_FMT_D, D_SNAN, 1ull << 63, 0), D_SNAN | 1ull << 63);
    ck_assert_uint_eq(fp_sgnj(FP_FMT_S, BS(S_ONE), BS(0x80000000u), 2), BS(0xbf800000u));
    /* An unboxed single reads as the canonical NaN. */
    ck_assert_uint_eq(fp_sgnj(FP_FMT_S, 0x3f800000ull, BS(S_ONE), 1), BS(0xffc00000u));
}
END_TEST

START_TEST(test_fp_unboxed_single_inputs_read_as_canonical_nan)
{
    unsigned fl = 0;
    ck_assert_uint_eq(fp_arith(FP_OP_ADD, FP_FMT_S, 0x3f800000ull, BS(S_ONE), 0, FP_RM_RNE, &fl),
                      BS(FP_CANON_S));
    ck_assert_uint_eq(fp_arith(FP_OP_MUL, FP_FMT_S, BS(S_ONE), 0x7fffffff3f800000ull, 0, FP_RM_RNE, &fl),
                      BS(FP_CANON_S));
    ck_assert_uint_eq(fl, 0);
    ck_assert_uint_eq(fp_arith(FP_OP_ADD, FP_FMT_S, BS(S_ONE), BS(S_ONE), 0, FP_RM_RNE, &fl), BS(0x40000000u));
}
END_TEST

/*
 * An independent RMM reference in integer arithmetic: the exact value
 * (-1)^sign * m * 2^e rounded to fmt with ties away from zero, subnormals
 * included. Values beyond the largest finite are not generated.
 */
struct ref_fmt {
    unsigned frac_bits, exp_bits;
    int bias;
};

static const struct ref_fmt ref_fmts[2] = { [FP_FMT_S] = { 23, 8, 127 }, [FP_FMT_D] = { 52, 11, 1023 } };

static unsigned ref_bitlen(unsigned __int128 m)
{
    unsigned n = 0;
    while (m) {
        n++;
        m >>= 1;
    }
    return n;
}

static uint64_t ref_round_rmm(enum fp_fmt fmt, bool sign, unsigned __int128 m, int e)
{
    const struct ref_fmt *f = &ref_fmts[fmt];
    int min_e = 1 - f->bias - (int)f->frac_bits;        /* exponent of the smallest subnormal */
    int len = (int)ref_bitlen(m);
    int lead = len - 1 + e;
    int shift = lead >= 1 - f->bias ? len - (int)f->frac_bits - 1 : min_e - e;
    unsigned __int128 mant;

    if (shift <= 0) {
        mant = m << -shift;
    } else if (shift > len) {
        mant = 0;
    } else {
        mant = m >> shift;
        if ((m >> (shift - 1)) & 1)                     /* the first dropped bit: half or more */
            mant++;
    }
    int e2 = e + shift;
    if (mant >> (f->frac_bits + 1)) {                  /* rounding carried into a new bit */
        mant >>= 1;
        e2++;
    }
    uint64_t bits = (uint64_t)mant;
    if (mant >> f->frac_bits)
        bits = ((uint64_t)(e2 + (int)f->frac_bits + f->bias) << f->frac_bits) |
               (bits & ((1ull << f->frac_bits) - 1));
    if (sign)
        bits |= 1ull << (f->frac_bits + f->exp_bits);
    return fmt == FP_FMT_S ? BS(bits) : bits;
}

/* Splits a finite operand into sign, integer significand and exponent. */
static void ref_split(enum fp_fmt fmt, uint64_t v, bool *sign, uint64_t *m, int *e)
{
    const struct ref_fmt *f = &ref_fmts[fmt];
    uint64_t be = (v >> f->frac_bits) & ((1ull << f->exp_bits) - 1);

    *sign = (v >> (f->frac_bits + f->exp_bits)) & 1;
    *m = v & ((1ull << f->frac_bits) - 1);
    if (be)
        *m |= 1ull << f->frac_bits;
    *e = (be ? (int)be : 1) - f->bias - (int)f->frac_bits;
}

static uint64_t ref_rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A finite operand with a significand of few or many bits (few bits make
 * exact ties likely) and a biased exponent in [lo, lo + span). */
static uint64_t ref_operand(enum fp_fmt fmt, uint64_t *s, unsigned lo, unsigned span)
{
    const struct ref_fmt *f = &ref_fmts[fmt];
    static const unsigned widths[3] = { 6, 13, 64 };
    unsigned w = widths[ref_rng(s) % 3];
    unsigned fb = f->frac_bits;
    uint64_t frac = ref_rng(s) & ((1ull << fb) - 1);
    if (w < fb)
        frac &= ~((1ull << (fb - w)) - 1);
    uint64_t be = lo + ref_rng(s) % span;
    uint64_t sign = ref_rng(s) & 1;
    uint64_t v = (sign << (fb + f->exp_bits)) | (be << fb) | frac;
    return fmt == FP_FMT_S ? BS(v) : v;
}

static void ref_check(enum fp_op op, enum fp_fmt fmt, uint64_t a, uint64_t b, uint64_t want)
{
    unsigned fl = 0;
    uint64_t got = fp_arith(op, fmt, a, b, 0, FP_RM_RMM, &fl);
    ck_assert_msg(got == want, "op %d fmt %d %#llx, %#llx: got %#llx want %#llx", (int)op, (int)fmt,
                  (unsigned long long)a, (unsigned long long)b, (unsigned long long)got,
                  (unsigned long long)want);
}

START_TEST(test_fp_rmm_random_products_match_integer_reference)
{
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int fmt = FP_FMT_S; fmt <= FP_FMT_D; fmt++) {
        unsigned bias = (unsigned)ref_fmts[fmt].bias;
        for (int i = 0; i < 20000; i++) {
            /* Exponents from deep below 1 to modestly above: results from
             * zero through subnormal to normal, never overflowing. */
            uint64_t a = ref_operand((enum fp_fmt)fmt, &seed, 1, bias + bias / 2);
            uint64_t b = ref_operand((enum fp_fmt)fmt, &seed, bias / 2, bias);
            bool sa, sb;
            uint64_t ma, mb;
            int ea, eb;
            ref_split((enum fp_fmt)fmt, a, &sa, &ma, &ea);
            ref_split((enum fp_fmt)fmt, b, &sb, &mb, &eb);
            uint64_t want = ref_round_rmm((enum fp_fmt)fmt, sa != sb, (unsigned __int128)ma * mb, ea + eb);
            if ((want & ~(FP_BOX_S | (1ull << 63) | (1ull << 31))) == 0)
                continue;                                   /* underflow to zero: sign rules aside */
            ref_check(FP_OP_MUL, (enum fp_fmt)fmt, a, b, want);
            unsigned fl = 0;
            uint64_t zero = fmt == FP_FMT_S ? BS(0) : 0;
            ck_assert_uint_eq(fp_arith(FP_OP_MADD, (enum fp_fmt)fmt, a, b, zero, FP_RM_RMM, &fl), want);
        }
    }
}
END_TEST

START_TEST(test_fp_rmm_random_sums_and_quotients_match_integer_reference)
{
    uint64_t seed = 0x0123456789abcdefull;
    for (int fmt = FP_FMT_S; fmt <= FP_FMT_D; fmt++) {
        enum fp_fmt ff = (enum fp_fmt)fmt;
        unsigned fb = ref_fmts[fmt].frac_bits;
        for (int i = 0; i < 20000; i++) {
            uint64_t a = ref_operand(ff, &seed, 1, fb + 16), b = ref_operand(ff, &seed, 1, fb + 16);
            bool sa, sb;
            uint64_t ma, mb;
            int ea, eb;
            ref_split(ff, a, &sa, &ma, &ea);
            ref_split(ff, b, &sb, &mb, &eb);
            /* Sum: align on the smaller exponent; the span keeps it in 128 bits. */
            int e = ea < eb ? ea : eb;
            __int128 x = (__int128)ma << (ea - e), y = (__int128)mb << (eb - e);
            __int128 sum = (sa ? -x : x) + (sb ? -y : y);
            if (sum != 0)
                ref_check(FP_OP_ADD, ff, a, b,
                          ref_round_rmm(ff, sum < 0, (unsigned __int128)(sum < 0 ? -sum : sum), e));
            /* Quotient of normal operands: 75 extra bits and a sticky bit. */
            if (ma >> fb && mb >> fb) {
                unsigned __int128 n = (unsigned __int128)ma << 75;
                unsigned __int128 q = n / mb, sticky = (n % mb) != 0;
                ref_check(FP_OP_DIV, ff, a, b, ref_round_rmm(ff, sa != sb, q << 1 | sticky, ea - eb - 76));
            }
        }
    }
}
END_TEST

static Suite *rv_fp_suite(void)
{
    Suite *s = suite_create("rv_fp");
    TCase *r = tcase_create("rounding");
    tcase_add_test(r, test_fp_add_d_tie_each_mode_rounds_per_mode);
    tcase_add_test(r, test_fp_sub_d_negative_tie_each_mode_rounds_per_mode);
    tcase_add_test(r, test_fp_add_d_below_half_rmm_rounds_down);
    tcase_add_test(r, test_fp_mul_s_tie_rmm_away_rne_even);
    tcase_add_test(r, test_fp_div_s_subnormal_tie_rmm_away_and_underflow);
    tcase_add_test(r, test_fp_mul_d_subnormal_tie_rmm_away);
    tcase_add_test(r, test_fp_madd_s_tie_and_near_tie_rmm_exact);
    tcase_add_test(r, test_fp_madd_d_tie_rmm_away);
    tcase_add_test(r, test_fp_sqrt_s_inexact_each_mode);
    tcase_add_test(r, test_fp_add_d_exact_zero_rdn_is_negative);
    tcase_add_test(r, test_fp_rmm_random_products_match_integer_reference);
    tcase_add_test(r, test_fp_rmm_random_sums_and_quotients_match_integer_reference);
    suite_add_tcase(s, r);

    TCase *f = tcase_create("flags");
    tcase_add_test(f, test_fp_fma_variants_signs_as_spec);
    tcase_add_test(f, test_fp_madd_inf_times_zero_quiet_nan_addend_raises_nv);
    tcase_add_test(f, test_fp_invalid_ops_canonical_nan_and_nv);
    tcase_add_test(f, test_fp_nan_inputs_give_canonical_nan);
    tcase_add_test(f, test_fp_div_by_zero_sets_dz);
    tcase_add_test(f, test_fp_mul_overflow_each_mode);
    tcase_add_test(f, test_fp_mul_s_tiny_exact_no_underflow);
    tcase_add_test(f, test_fp_cvt_s_d_tininess_after_rounding);
    suite_add_tcase(s, f);

    TCase *c = tcase_create("convert");
    tcase_add_test(c, test_fp_cvt_s_d_tie_rmm_away);
    tcase_add_test(c, test_fp_cvt_d_s_exact_and_nan);
    tcase_add_test(c, test_fp_cvt_s_w_tie_each_mode);
    tcase_add_test(c, test_fp_cvt_from_int_widths_and_exact);
    tcase_add_test(c, test_fp_cvt_w_s_rounding_each_mode);
    tcase_add_test(c, test_fp_cvt_to_int_saturates_with_nv);
    tcase_add_test(c, test_fp_cvt_w_d_rounding_out_of_range_is_nv);
    suite_add_tcase(s, c);

    TCase *m = tcase_create("misc");
    tcase_add_test(m, test_fp_minmax_zero_signs_and_nans);
    tcase_add_test(m, test_fp_cmp_quiet_eq_signaling_lt_le);
    tcase_add_test(m, test_fp_class_each_kind);
    tcase_add_test(m, test_fp_sgnj_bits_and_boxing);
    tcase_add_test(m, test_fp_unboxed_single_inputs_read_as_canonical_nan);
    suite_add_tcase(s, m);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rv_fp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
