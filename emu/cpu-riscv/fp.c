/*
 * IEEE 754-2008 arithmetic for the riscv F and D extensions (unpriv spec
 * 20191213 ch. 11 "F" and ch. 12 "D").
 *
 * The four rounding modes the host has (RNE, RTZ, RDN, RUP) are computed
 * by the host's IEEE hardware under <fenv.h>; its exception flags map one
 * to one onto fflags. x86-64 detects tininess after rounding, as RISC-V
 * requires (§11.6), and raises underflow only for tiny inexact results.
 *
 * RMM (round to nearest, ties to max magnitude) has no host equivalent. It
 * differs from RNE only when the exact result lies exactly halfway between
 * two neighbours and RNE picked the one nearer zero. So RMM is derived:
 * compute RNE and RTZ; when they agree and the result was inexact, test
 * whether the exact result equals the midpoint between the RTZ result and
 * its neighbour away from zero. The test is exact: it is done in binary128,
 * where products of the operands are exact and sums are split by TwoSum.
 * The flags of RMM are those of RNE: both round to nearest, ties are
 * inexact in either, and at the overflow and tininess thresholds the
 * number below the tie has an odd significand, so RNE rounds away there
 * too.
 *
 * Everything NaN-related (canonical NaN results, NaN-boxing, which inputs
 * signal) is decided here from bits, never taken from the host.
 */
#include "cpu-riscv/fp.h"

#include <fenv.h>
#include <math.h>
#include <string.h>

/* The host's rounding mode matters to the code below: no constant folding
 * or motion of FP operations across the fenv calls. Operands also go
 * through volatile locals, which GCC never reorders with calls. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunknown-pragmas"
#pragma STDC FENV_ACCESS ON
#pragma GCC optimize("rounding-math")
#pragma GCC diagnostic pop

typedef __float128 fp_quad;

struct fp_format {
    unsigned frac_bits;
    unsigned exp_bits;
    uint64_t canon;
};

static const struct fp_format fp_formats[2] = {
    [FP_FMT_S] = { 23, 8, FP_CANON_S },
    [FP_FMT_D] = { 52, 11, FP_CANON_D },
};

/* What the host computes; SUB and the FMA sign variants are folded into
 * ADD and FMA by flipping operand signs, which IEEE defines identically. */
enum fp_calc_op {
    FP_CALC_ADD, FP_CALC_MUL, FP_CALC_DIV, FP_CALC_SQRT, FP_CALC_FMA,
    FP_CALC_FROM_L,      /* a is an int64_t */
    FP_CALC_FROM_LU,     /* a is a uint64_t */
    FP_CALC_S_FROM_D,    /* a is a double, the result a single */
};

struct fp_calc {
    enum fp_calc_op op;
    enum fp_fmt fmt;     /* format of the result (and of float operands) */
    uint64_t a, b, c;    /* raw operand bits */
};

/* --- bit-level classification ------------------------------------------ */

static uint64_t fp_sign_bit(enum fp_fmt fmt)
{
    const struct fp_format *f = &fp_formats[fmt];
    return 1ull << (f->frac_bits + f->exp_bits);
}

static uint64_t fp_exp_field(enum fp_fmt fmt, uint64_t v)
{
    const struct fp_format *f = &fp_formats[fmt];
    return (v >> f->frac_bits) & ((1ull << f->exp_bits) - 1);
}

static uint64_t fp_frac_field(enum fp_fmt fmt, uint64_t v)
{
    return v & ((1ull << fp_formats[fmt].frac_bits) - 1);
}

static bool fp_exp_all_ones(enum fp_fmt fmt, uint64_t v)
{
    return fp_exp_field(fmt, v) == (1ull << fp_formats[fmt].exp_bits) - 1;
}

static bool fp_is_nan(enum fp_fmt fmt, uint64_t v)
{
    return fp_exp_all_ones(fmt, v) && fp_frac_field(fmt, v) != 0;
}

/* §11.3 (IEEE 754-2008 §6.2.1): the quiet bit is the top fraction bit. */
static bool fp_is_snan(enum fp_fmt fmt, uint64_t v)
{
    return fp_is_nan(fmt, v) && !(v & (1ull << (fp_formats[fmt].frac_bits - 1)));
}

static bool fp_is_inf(enum fp_fmt fmt, uint64_t v)
{
    return fp_exp_all_ones(fmt, v) && fp_frac_field(fmt, v) == 0;
}

static bool fp_is_zero(enum fp_fmt fmt, uint64_t v)
{
    return (v & (fp_sign_bit(fmt) - 1)) == 0;
}

static bool fp_is_neg(enum fp_fmt fmt, uint64_t v)
{
    return (v & fp_sign_bit(fmt)) != 0;
}

/* Operand as the format's raw bits: singles unboxed (§12.2). */
static uint64_t fp_in(enum fp_fmt fmt, uint64_t v)
{
    return fmt == FP_FMT_S ? fp_unbox_s(v) : v;
}

/* Register value of a result: NaNs canonical (§11.3), singles boxed. */
static uint64_t fp_out(enum fp_fmt fmt, uint64_t v)
{
    if (fp_is_nan(fmt, v))
        v = fp_formats[fmt].canon;
    return fmt == FP_FMT_S ? fp_box_s((uint32_t)v) : v;
}

/* --- host values ------------------------------------------------------- */

static float fp_f32(uint64_t bits)
{
    uint32_t u = (uint32_t)bits;
    float f;
    memcpy(&f, &u, sizeof(f));
    return f;
}

static double fp_f64(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof(d));
    return d;
}

static uint64_t fp_bits32(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof(u));
    return u;
}

static uint64_t fp_bits64(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof(u));
    return u;
}

static double fp_to_double(enum fp_fmt fmt, uint64_t v)
{
    return fmt == FP_FMT_S ? (double)fp_f32(v) : fp_f64(v);
}

static uint64_t fp_eval_s(const struct fp_calc *k)
{
    volatile uint64_t va = k->a, vb = k->b, vc = k->c;
    volatile float r = 0;

    switch (k->op) {
    case FP_CALC_ADD:      r = fp_f32(va) + fp_f32(vb); break;
    case FP_CALC_MUL:      r = fp_f32(va) * fp_f32(vb); break;
    case FP_CALC_DIV:      r = fp_f32(va) / fp_f32(vb); break;
    case FP_CALC_SQRT:     r = sqrtf(fp_f32(va)); break;
    case FP_CALC_FMA:      r = fmaf(fp_f32(va), fp_f32(vb), fp_f32(vc)); break;
    case FP_CALC_FROM_L:   r = (float)(int64_t)va; break;
    case FP_CALC_FROM_LU:  r = (float)va; break;
    case FP_CALC_S_FROM_D: r = (float)fp_f64(va); break;
    }
    return fp_bits32(r);
}

static uint64_t fp_eval_d(const struct fp_calc *k)
{
    volatile uint64_t va = k->a, vb = k->b, vc = k->c;
    volatile double r = 0;

    switch (k->op) {
    case FP_CALC_ADD:      r = fp_f64(va) + fp_f64(vb); break;
    case FP_CALC_MUL:      r = fp_f64(va) * fp_f64(vb); break;
    case FP_CALC_DIV:      r = fp_f64(va) / fp_f64(vb); break;
    case FP_CALC_SQRT:     r = sqrt(fp_f64(va)); break;
    case FP_CALC_FMA:      r = fma(fp_f64(va), fp_f64(vb), fp_f64(vc)); break;
    case FP_CALC_FROM_L:   r = (double)(int64_t)va; break;
    case FP_CALC_FROM_LU:  r = (double)va; break;
    case FP_CALC_S_FROM_D: break;     /* not a double result */
    }
    return fp_bits64(r);
}

static unsigned fp_flags_of_host(int ex)
{
    unsigned fl = 0;

    if (ex & FE_INEXACT)
        fl |= FP_FLAG_NX;
    if (ex & FE_UNDERFLOW)
        fl |= FP_FLAG_UF;
    if (ex & FE_OVERFLOW)
        fl |= FP_FLAG_OF;
    if (ex & FE_DIVBYZERO)
        fl |= FP_FLAG_DZ;
    if (ex & FE_INVALID)
        fl |= FP_FLAG_NV;
    return fl;
}

/* One host evaluation under host_rm; the host is back at RNE afterwards. */
static uint64_t fp_host_round(const struct fp_calc *k, int host_rm, unsigned *flags)
{
    fesetround(host_rm);
    feclearexcept(FE_ALL_EXCEPT);
    uint64_t r = k->fmt == FP_FMT_S ? fp_eval_s(k) : fp_eval_d(k);
    *flags = fp_flags_of_host(fetestexcept(FE_ALL_EXCEPT));
    feclearexcept(FE_ALL_EXCEPT);
    fesetround(FE_TONEAREST);
    return r;
}

/* --- RMM --------------------------------------------------------------- */

static fp_quad fp_quad_of(enum fp_fmt fmt, uint64_t v)
{
    return fmt == FP_FMT_S ? (fp_quad)fp_f32(v) : (fp_quad)fp_f64(v);
}

/* Is x + y exactly m? TwoSum (Knuth) splits the sum exactly in binary128,
 * which cannot overflow for binary32/64 inputs. */
static bool fp_quad_sum_is(fp_quad x, fp_quad y, fp_quad m)
{
    fp_quad s = x + y;
    fp_quad yv = s - x;
    fp_quad e = (x - (s - yv)) + (y - yv);
    return s == m && e == 0;
}

/* Is the exact result of k equal to m? Runs with the host at RNE. */
static bool fp_exact_is(const struct fp_calc *k, fp_quad m)
{
    fp_quad a = fp_quad_of(k->fmt, k->a), b = fp_quad_of(k->fmt, k->b);

    switch (k->op) {
    case FP_CALC_ADD:
        return fp_quad_sum_is(a, b, m);
    case FP_CALC_MUL:                     /* 2p <= 106 bits: exact */
        return a * b == m;
    case FP_CALC_DIV:                     /* (p+1) + p bits: exact */
        return m * b == a;
    case FP_CALC_SQRT:
        return m * m == a;
    case FP_CALC_FMA:
        return fp_quad_sum_is(a * b, fp_quad_of(k->fmt, k->c), m);
    case FP_CALC_FROM_L:
        return (fp_quad)(int64_t)k->a == m;
    case FP_CALC_FROM_LU:
        return (fp_quad)k->a == m;
    case FP_CALC_S_FROM_D:
        return (fp_quad)fp_f64(k->a) == m;
    }
    return false;
}

static uint64_t fp_round_rmm(const struct fp_calc *k, unsigned *flags)
{
    unsigned fl, fl_rtz;
    uint64_t r = fp_host_round(k, FE_TONEAREST, &fl);

    *flags |= fl;
    if (!(fl & FP_FLAG_NX) || fp_exp_all_ones(k->fmt, r))
        return r;
    uint64_t t = fp_host_round(k, FE_TOWARDZERO, &fl_rtz);
    if (t != r)
        return r;                         /* RNE already went away from zero */
    /* The next value away from zero has the next bit pattern. */
    uint64_t n = t + 1;
    fp_quad m = (fp_quad_of(k->fmt, t) + fp_quad_of(k->fmt, n)) / 2;
    return fp_exact_is(k, m) ? n : r;
}

static uint64_t fp_round(const struct fp_calc *k, unsigned rm, unsigned *flags)
{
    static const int host_rm[4] = {
        [FP_RM_RNE] = FE_TONEAREST, [FP_RM_RTZ] = FE_TOWARDZERO,
        [FP_RM_RDN] = FE_DOWNWARD, [FP_RM_RUP] = FE_UPWARD,
    };
    unsigned fl;

    if (rm == FP_RM_RMM)
        return fp_round_rmm(k, flags);
    uint64_t r = fp_host_round(k, host_rm[rm & 3], &fl);
    *flags |= fl;
    return r;
}

/* --- arithmetic -------------------------------------------------------- */

/* §11.6: inf * 0 in a fused multiply-add is invalid even with a quiet NaN
 * addend, which IEEE leaves to the implementation. */
static bool fp_inf_times_zero(enum fp_fmt fmt, uint64_t a, uint64_t b)
{
    return (fp_is_inf(fmt, a) && fp_is_zero(fmt, b)) || (fp_is_zero(fmt, a) && fp_is_inf(fmt, b));
}

uint64_t fp_arith(enum fp_op op, enum fp_fmt fmt, uint64_t a, uint64_t b, uint64_t c, unsigned rm,
                  unsigned *flags)
{
    uint64_t sign = fp_sign_bit(fmt);
    struct fp_calc k = { .fmt = fmt, .a = fp_in(fmt, a), .b = fp_in(fmt, b), .c = fp_in(fmt, c) };

    switch (op) {
    case FP_OP_ADD:   k.op = FP_CALC_ADD; break;
    case FP_OP_SUB:   k.op = FP_CALC_ADD; k.b ^= sign; break;
    case FP_OP_MUL:   k.op = FP_CALC_MUL; break;
    case FP_OP_DIV:   k.op = FP_CALC_DIV; break;
    case FP_OP_SQRT:  k.op = FP_CALC_SQRT; break;
    case FP_OP_MADD:  k.op = FP_CALC_FMA; break;
    case FP_OP_MSUB:  k.op = FP_CALC_FMA; k.c ^= sign; break;
    case FP_OP_NMSUB: k.op = FP_CALC_FMA; k.a ^= sign; break;
    case FP_OP_NMADD: k.op = FP_CALC_FMA; k.a ^= sign; k.c ^= sign; break;
    }
    if (k.op == FP_CALC_FMA && fp_inf_times_zero(fmt, k.a, k.b)) {
        *flags |= FP_FLAG_NV;
        return fp_out(fmt, fp_formats[fmt].canon);
    }
    return fp_out(fmt, fp_round(&k, rm, flags));
}

/* a < b for non-NaN values, with -0 below +0 (§11.7). */
static bool fp_less_signed_zero(enum fp_fmt fmt, uint64_t a, uint64_t b)
{
    if (fp_is_zero(fmt, a) && fp_is_zero(fmt, b))
        return fp_is_neg(fmt, a) && !fp_is_neg(fmt, b);
    return fp_to_double(fmt, a) < fp_to_double(fmt, b);
}

uint64_t fp_minmax(enum fp_fmt fmt, uint64_t a, uint64_t b, bool max, unsigned *flags)
{
    a = fp_in(fmt, a);
    b = fp_in(fmt, b);
    if (fp_is_snan(fmt, a) || fp_is_snan(fmt, b))
        *flags |= FP_FLAG_NV;
    if (fp_is_nan(fmt, a) && fp_is_nan(fmt, b))
        return fp_out(fmt, fp_formats[fmt].canon);
    if (fp_is_nan(fmt, a))
        return fp_out(fmt, b);
    if (fp_is_nan(fmt, b))
        return fp_out(fmt, a);
    bool a_less = fp_less_signed_zero(fmt, a, b);
    return fp_out(fmt, a_less != max ? a : b);
}

uint64_t fp_sgnj(enum fp_fmt fmt, uint64_t a, uint64_t b, unsigned kind)
{
    uint64_t sign = fp_sign_bit(fmt);
    uint64_t s;

    a = fp_in(fmt, a);
    b = fp_in(fmt, b);
    switch (kind) {
    case 0:  s = b & sign; break;
    case 1:  s = ~b & sign; break;
    default: s = (a ^ b) & sign; break;
    }
    uint64_t r = (a & ~sign) | s;
    return fmt == FP_FMT_S ? fp_box_s((uint32_t)r) : r;
}

/* §11.8: FEQ is quiet (NV only for sNaN), FLT and FLE signal on any NaN. */
uint64_t fp_cmp(enum fp_fmt fmt, uint64_t a, uint64_t b, unsigned kind, unsigned *flags)
{
    a = fp_in(fmt, a);
    b = fp_in(fmt, b);
    bool any_nan = fp_is_nan(fmt, a) || fp_is_nan(fmt, b);

    if (kind == 2) {
        if (fp_is_snan(fmt, a) || fp_is_snan(fmt, b))
            *flags |= FP_FLAG_NV;
    } else if (any_nan) {
        *flags |= FP_FLAG_NV;
    }
    if (any_nan)
        return 0;
    double x = fp_to_double(fmt, a), y = fp_to_double(fmt, b);
    switch (kind) {
    case 0:  return x <= y;
    case 1:  return x < y;
    default: return x == y;
    }
}

/* §11.9, table 11.5. */
uint64_t fp_class(enum fp_fmt fmt, uint64_t a)
{
    a = fp_in(fmt, a);
    bool neg = fp_is_neg(fmt, a);

    if (fp_is_nan(fmt, a))
        return fp_is_snan(fmt, a) ? FP_CLASS_SNAN : FP_CLASS_QNAN;
    if (fp_is_inf(fmt, a))
        return neg ? FP_CLASS_NEG_INF : FP_CLASS_POS_INF;
    if (fp_is_zero(fmt, a))
        return neg ? FP_CLASS_NEG_ZERO : FP_CLASS_POS_ZERO;
    if (fp_exp_field(fmt, a) == 0)
        return neg ? FP_CLASS_NEG_SUB : FP_CLASS_POS_SUB;
    return neg ? FP_CLASS_NEG_NORM : FP_CLASS_POS_NORM;
}

/* --- conversions ------------------------------------------------------- */

/* Rounds x to an integral value in mode rm; exact and independent of the
 * host rounding mode. */
static double fp_round_integral(double x, unsigned rm)
{
    switch (rm) {
    case FP_RM_RTZ: return trunc(x);
    case FP_RM_RDN: return floor(x);
    case FP_RM_RUP: return ceil(x);
    case FP_RM_RMM: return round(x);
    default: {
        double r = round(x);
        /* A tie went away from zero; ties to even instead. x/2 is exact. */
        if (fabs(r - x) == 0.5)
            r = 2.0 * round(x / 2.0);
        return r;
    }
    }
}

struct fp_int_range {
    double lo, hi;           /* valid integral results, inclusive */
    uint64_t lo_val, hi_val; /* saturated register values (table 11.4) */
};

static const struct fp_int_range fp_int_ranges[4] = {
    [FP_ITY_W]  = { -0x1p31, 0x1p31 - 1, 0xffffffff80000000ull, 0x7fffffffull },
    [FP_ITY_WU] = { 0.0, 0x1p32 - 1, 0, ~0ull },
    [FP_ITY_L]  = { -0x1p63, 0x1p63, 1ull << 63, (1ull << 63) - 1 },
    [FP_ITY_LU] = { 0.0, 0x1p64, 0, ~0ull },
};

uint64_t fp_cvt_to_int(enum fp_fmt fmt, uint64_t a, enum fp_ity ity, unsigned rm, unsigned *flags)
{
    const struct fp_int_range *rg = &fp_int_ranges[ity];

    a = fp_in(fmt, a);
    if (fp_is_nan(fmt, a)) {
        *flags |= FP_FLAG_NV;
        return rg->hi_val;
    }
    double x = fp_to_double(fmt, a);
    double r = fp_round_integral(x, rm);
    /* For L and LU the upper bound 2^63 / 2^64 itself is out of range. */
    bool above = (ity == FP_ITY_L || ity == FP_ITY_LU) ? r >= rg->hi : r > rg->hi;
    if (r < rg->lo || above) {
        *flags |= FP_FLAG_NV;
        return r < rg->lo ? rg->lo_val : rg->hi_val;
    }
    if (r != x)
        *flags |= FP_FLAG_NX;
    switch (ity) {
    case FP_ITY_W:  return (uint64_t)(int64_t)(int32_t)(int64_t)r;
    case FP_ITY_WU: return (uint64_t)(int64_t)(int32_t)(uint32_t)(uint64_t)r;
    case FP_ITY_L:  return (uint64_t)(int64_t)r;
    default:        return (uint64_t)r;
    }
}

uint64_t fp_cvt_from_int(enum fp_fmt fmt, uint64_t x, enum fp_ity ity, unsigned rm, unsigned *flags)
{
    struct fp_calc k = { .fmt = fmt };

    switch (ity) {
    case FP_ITY_W:  k.op = FP_CALC_FROM_L;  k.a = (uint64_t)(int64_t)(int32_t)x; break;
    case FP_ITY_WU: k.op = FP_CALC_FROM_LU; k.a = (uint32_t)x; break;
    case FP_ITY_L:  k.op = FP_CALC_FROM_L;  k.a = x; break;
    case FP_ITY_LU: k.op = FP_CALC_FROM_LU; k.a = x; break;
    }
    return fp_out(fmt, fp_round(&k, rm, flags));
}

uint64_t fp_cvt_s_d(uint64_t a, unsigned rm, unsigned *flags)
{
    struct fp_calc k = { .op = FP_CALC_S_FROM_D, .fmt = FP_FMT_S, .a = a };

    if (fp_is_nan(FP_FMT_D, a)) {
        if (fp_is_snan(FP_FMT_D, a))
            *flags |= FP_FLAG_NV;
        return fp_out(FP_FMT_S, FP_CANON_S);
    }
    return fp_out(FP_FMT_S, fp_round(&k, rm, flags));
}

uint64_t fp_cvt_d_s(uint64_t a, unsigned *flags)
{
    uint64_t s = fp_unbox_s(a);

    if (fp_is_nan(FP_FMT_S, s)) {
        if (fp_is_snan(FP_FMT_S, s))
            *flags |= FP_FLAG_NV;
        return FP_CANON_D;
    }
    return fp_bits64((double)fp_f32(s));   /* exact */
}
