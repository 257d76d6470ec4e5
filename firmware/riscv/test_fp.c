/*
 * F and D from the guest side (unpriv spec 20191213 ch. 11, 12): exact
 * instructions in inline asm, each rounding mode static and dynamic, fflags,
 * NaN boxing, canonical NaNs, FMIN/FMAX, FCVT saturation, compares, FCLASS,
 * illegal rounding modes, mstatus.FS Off/Dirty (priv 1.12 §3.1.6.6), and
 * the compressed C.FLD/C.FSD (ch. 16).
 *
 * Operands and results cross as bit patterns (fmv.d.x / fmv.x.d), so
 * single-precision values are seen with their NaN box.
 */
#include "test.h"

#define FFLAG_NX 0x01u
#define FFLAG_UF 0x02u
#define FFLAG_OF 0x04u
#define FFLAG_DZ 0x08u
#define FFLAG_NV 0x10u

#define BOX(v)   (0xffffffff00000000ul | (uint32_t)(v))
#define D_ONE    0x3ff0000000000000ul
#define D_TWO    0x4000000000000000ul
#define D_MAX    0x7feffffffffffffful
#define D_INF    0x7ff0000000000000ul
#define D_QNAN   0x7ff8000000000000ul
#define D_SNAN   0x7ff0000000000001ul
#define D_NEG0   0x8000000000000000ul

struct fres {
    uint64_t v;
    uint64_t fl;
};

/* rd = op(rs1, rs2) with rounding mode rm; fflags cleared first. */
#define FOP2(op, rm, a, b) ({ struct fres r_; \
    __asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tcsrw fflags, zero\n\t" \
                     op " ft2, ft0, ft1, " rm "\n\tfmv.x.d %0, ft2\n\tcsrr %1, fflags" \
                     : "=&r"(r_.v), "=&r"(r_.fl) : "r"((uint64_t)(a)), "r"((uint64_t)(b)) \
                     : "ft0", "ft1", "ft2"); r_; })
/* Without a rounding mode (sign injection, min/max). */
#define FOP2N(op, a, b) ({ struct fres r_; \
    __asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tcsrw fflags, zero\n\t" \
                     op " ft2, ft0, ft1\n\tfmv.x.d %0, ft2\n\tcsrr %1, fflags" \
                     : "=&r"(r_.v), "=&r"(r_.fl) : "r"((uint64_t)(a)), "r"((uint64_t)(b)) \
                     : "ft0", "ft1", "ft2"); r_; })
#define FOP3(op, rm, a, b, c) ({ struct fres r_; \
    __asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tfmv.d.x ft3, %4\n\tcsrw fflags, zero\n\t" \
                     op " ft2, ft0, ft1, ft3, " rm "\n\tfmv.x.d %0, ft2\n\tcsrr %1, fflags" \
                     : "=&r"(r_.v), "=&r"(r_.fl) \
                     : "r"((uint64_t)(a)), "r"((uint64_t)(b)), "r"((uint64_t)(c)) \
                     : "ft0", "ft1", "ft2", "ft3"); r_; })
/* f -> f with a rounding mode (sqrt, fcvt.s.d). */
#define FOP1(op, rm, a) ({ struct fres r_; \
    __asm__ volatile("fmv.d.x ft0, %2\n\tcsrw fflags, zero\n\t" \
                     op " ft2, ft0, " rm "\n\tfmv.x.d %0, ft2\n\tcsrr %1, fflags" \
                     : "=&r"(r_.v), "=&r"(r_.fl) : "r"((uint64_t)(a)) : "ft0", "ft2"); r_; })
/* f -> f for conversions that are always exact (no rm operand). */
#define FOP1N(op, a) ({ struct fres r_; \
    __asm__ volatile("fmv.d.x ft0, %2\n\tcsrw fflags, zero\n\t" \
                     op " ft2, ft0\n\tfmv.x.d %0, ft2\n\tcsrr %1, fflags" \
                     : "=&r"(r_.v), "=&r"(r_.fl) : "r"((uint64_t)(a)) : "ft0", "ft2"); r_; })
#define XTOFN(op, a) ({ struct fres r_; \
    __asm__ volatile("csrw fflags, zero\n\t" \
                     op " ft2, %2\n\tfmv.x.d %0, ft2\n\tcsrr %1, fflags" \
                     : "=&r"(r_.v), "=&r"(r_.fl) : "r"((uint64_t)(a)) : "ft2"); r_; })
/* f -> x with a rounding mode (fcvt.w.s ...). */
#define FTOX(op, rm, a) ({ struct fres r_; \
    __asm__ volatile("fmv.d.x ft0, %2\n\tcsrw fflags, zero\n\t" \
                     op " %0, ft0, " rm "\n\tcsrr %1, fflags" \
                     : "=&r"(r_.v), "=&r"(r_.fl) : "r"((uint64_t)(a)) : "ft0"); r_; })
/* x -> f with a rounding mode (fcvt.s.w ...). */
#define XTOF(op, rm, a) ({ struct fres r_; \
    __asm__ volatile("csrw fflags, zero\n\t" \
                     op " ft2, %2, " rm "\n\tfmv.x.d %0, ft2\n\tcsrr %1, fflags" \
                     : "=&r"(r_.v), "=&r"(r_.fl) : "r"((uint64_t)(a)) : "ft2"); r_; })
/* f, f -> x without a rounding mode (compares). */
#define FCMP(op, a, b) ({ struct fres r_; \
    __asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tcsrw fflags, zero\n\t" \
                     op " %0, ft0, ft1\n\tcsrr %1, fflags" \
                     : "=&r"(r_.v), "=&r"(r_.fl) : "r"((uint64_t)(a)), "r"((uint64_t)(b)) \
                     : "ft0", "ft1"); r_; })
#define FCLASS(op, a) ({ uint64_t r_; \
    __asm__ volatile("fmv.d.x ft0, %1\n\t" op " %0, ft0" : "=r"(r_) : "r"((uint64_t)(a)) : "ft0"); r_; })

static void check_fp(const char *name, struct fres r, uint64_t v, uint64_t fl)
{
    bool ok = r.v == v && r.fl == fl;

    if (!ok) {
        test_puts("  got ");
        test_putx(r.v);
        test_puts(" fflags ");
        test_putx(r.fl);
        test_puts(", want ");
        test_putx(v);
        test_puts(" fflags ");
        test_putx(fl);
        test_puts("\n");
    }
    test_check(name, ok);
}

/* 1 + 2^-53 is halfway between 1 and 1 + 2^-52. */
static void test_rounding_modes(void)
{
    const uint64_t half_ulp = 0x3ca0000000000000ul, up = D_ONE + 1;

    check_fp("fadd.d tie rne", FOP2("fadd.d", "rne", D_ONE, half_ulp), D_ONE, FFLAG_NX);
    check_fp("fadd.d tie rtz", FOP2("fadd.d", "rtz", D_ONE, half_ulp), D_ONE, FFLAG_NX);
    check_fp("fadd.d tie rdn", FOP2("fadd.d", "rdn", D_ONE, half_ulp), D_ONE, FFLAG_NX);
    check_fp("fadd.d tie rup", FOP2("fadd.d", "rup", D_ONE, half_ulp), up, FFLAG_NX);
    check_fp("fadd.d tie rmm", FOP2("fadd.d", "rmm", D_ONE, half_ulp), up, FFLAG_NX);
    check_fp("fsub.d neg tie rdn", FOP2("fsub.d", "rdn", D_ONE | D_NEG0, half_ulp), (D_ONE | D_NEG0) + 1,
             FFLAG_NX);
    check_fp("fsub.d neg tie rmm", FOP2("fsub.d", "rmm", D_ONE | D_NEG0, half_ulp), (D_ONE | D_NEG0) + 1,
             FFLAG_NX);

    CSR_WRITE(frm, 3);
    check_fp("fadd.d dyn frm=rup", FOP2("fadd.d", "dyn", D_ONE, half_ulp), up, FFLAG_NX);
    CSR_WRITE(frm, 4);
    check_fp("fadd.d dyn frm=rmm", FOP2("fadd.d", "dyn", D_ONE, half_ulp), up, FFLAG_NX);
    CSR_WRITE(frm, 1);
    check_fp("fadd.d dyn frm=rtz", FOP2("fadd.d", "dyn", D_ONE, half_ulp), D_ONE, FFLAG_NX);
    CSR_WRITE(frm, 0);
    test_check_eq("fcsr holds frm in bits 7:5", (CSR_SWAP(fcsr, 0x5f) >> 5) & 7, 0);
    test_check_eq("fcsr write sets frm and fflags", CSR_READ(frm) * 32 + CSR_READ(fflags), 0x5f);
    CSR_WRITE(fcsr, 0);

    /* (1 + 3*2^-23) * 1.5 = 1.5 + 4.5 ulp: even below, odd above. */
    check_fp("fmul.s tie rne", FOP2("fmul.s", "rne", BOX(0x3f800003), BOX(0x3fc00000)), BOX(0x3fc00004),
             FFLAG_NX);
    check_fp("fmul.s tie rmm", FOP2("fmul.s", "rmm", BOX(0x3f800003), BOX(0x3fc00000)), BOX(0x3fc00005),
             FFLAG_NX);
    /* A tiny negative addend puts the exact result just below the tie. */
    check_fp("fmadd.s near tie rmm",
             FOP3("fmadd.s", "rmm", BOX(0x3f800003), BOX(0x3fc00000), BOX(0x8d800000)), BOX(0x3fc00004),
             FFLAG_NX);
    /* 5 * 2^-149 / 2: a tie on the subnormal grid. */
    check_fp("fdiv.s subnormal tie rne", FOP2("fdiv.s", "rne", BOX(5), BOX(0x40000000)), BOX(2),
             FFLAG_UF | FFLAG_NX);
    check_fp("fdiv.s subnormal tie rmm", FOP2("fdiv.s", "rmm", BOX(5), BOX(0x40000000)), BOX(3),
             FFLAG_UF | FFLAG_NX);
    check_fp("fsqrt.s 2 rup", FOP1("fsqrt.s", "rup", BOX(0x40000000)), BOX(0x3fb504f4), FFLAG_NX);
    check_fp("fsqrt.s 2 rtz", FOP1("fsqrt.s", "rtz", BOX(0x40000000)), BOX(0x3fb504f3), FFLAG_NX);
}

static void test_flags(void)
{
    check_fp("fsqrt.d -1 nv", FOP1("fsqrt.d", "rne", D_ONE | D_NEG0), D_QNAN, FFLAG_NV);
    check_fp("fdiv.d 1/0 dz", FOP2("fdiv.d", "rne", D_ONE, 0), D_INF, FFLAG_DZ);
    check_fp("fmul.d overflow rne", FOP2("fmul.d", "rne", D_MAX, D_TWO), D_INF, FFLAG_OF | FFLAG_NX);
    check_fp("fmul.d overflow rtz", FOP2("fmul.d", "rtz", D_MAX, D_TWO), D_MAX, FFLAG_OF | FFLAG_NX);
    check_fp("fmul.s tiny exact", FOP2("fmul.s", "rne", BOX(0x00800000), BOX(0x3f000000)), BOX(0x00400000), 0);
    /* 2^-126 * (1 - 2^-25): tiny before rounding, not after (RNE). */
    check_fp("fcvt.s.d tininess after rounding rne", FOP1("fcvt.s.d", "rne", 0x380ffffff0000000ul),
             BOX(0x00800000), FFLAG_NX);
    check_fp("fcvt.s.d tininess after rounding rtz", FOP1("fcvt.s.d", "rtz", 0x380ffffff0000000ul),
             BOX(0x007fffff), FFLAG_UF | FFLAG_NX);
    check_fp("fadd.d snan nv canonical", FOP2("fadd.d", "rne", D_SNAN, D_ONE), D_QNAN, FFLAG_NV);
    check_fp("fadd.d qnan payload canonical", FOP2("fadd.d", "rne", 0xfff8000000000123ul, D_ONE), D_QNAN, 0);
    check_fp("fmadd.d inf*0+qnan nv", FOP3("fmadd.d", "rne", D_INF, 0, D_QNAN), D_QNAN, FFLAG_NV);
    check_fp("fnmadd.d exact zero sign", FOP3("fnmadd.d", "rne", D_ONE, D_ONE, D_ONE | D_NEG0), 0, 0);

    /* fflags accumulate until written. */
    uint64_t one = D_ONE, zero = 0, tiny = 0x3ca0000000000000ul, acc;
    __asm__ volatile("fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\tfmv.d.x ft3, %3\n\tcsrw fflags, zero\n\t"
                     "fdiv.d ft2, ft0, ft1\n\tfadd.d ft2, ft0, ft3\n\tcsrr %0, fflags"
                     : "=r"(acc) : "r"(one), "r"(zero), "r"(tiny) : "ft0", "ft1", "ft2", "ft3");
    test_check_eq("fflags accumulate", acc, FFLAG_DZ | FFLAG_NX);
}

static void test_boxing(void)
{
    uint64_t r;
    static volatile uint32_t word = 0x3f800000;

    check_fp("fadd.s unboxed input is canonical nan", FOP2("fadd.s", "rne", 0x3f800000ul, BOX(0x3f800000)),
             BOX(0x7fc00000), 0);
    check_fp("fsgnjn.s unboxed input", FOP2N("fsgnjn.s", 0x3f800000ul, BOX(0x3f800000)), BOX(0xffc00000), 0);
    check_fp("fcvt.d.s unboxed input", FOP1N("fcvt.d.s", 0x40000000ul), D_QNAN, 0);
    __asm__ volatile("flw ft0, 0(%1)\n\tfmv.x.d %0, ft0" : "=r"(r) : "r"(&word) : "ft0");
    test_check_eq("flw nan-boxes", r, BOX(0x3f800000));
    __asm__ volatile("fmv.w.x ft0, %1\n\tfmv.x.d %0, ft0" : "=r"(r) : "r"(0x1234567880000000ul) : "ft0");
    test_check_eq("fmv.w.x nan-boxes the low word", r, BOX(0x80000000));
    __asm__ volatile("fmv.d.x ft0, %1\n\tfmv.x.w %0, ft0" : "=r"(r) : "r"(0x123456789abcdef0ul) : "ft0");
    test_check_eq("fmv.x.w sign-extends the low word", r, 0xffffffff9abcdef0ul);
    test_check_eq("fclass.s unboxed is quiet nan", FCLASS("fclass.s", 0x7f800000ul), 0x200);
}

static void test_minmax_cmp_class(void)
{
    check_fp("fmin.d -0 +0", FOP2N("fmin.d", D_NEG0, 0), D_NEG0, 0);
    check_fp("fmax.d -0 +0", FOP2N("fmax.d", D_NEG0, 0), 0, 0);
    check_fp("fmin.s +0 -0", FOP2N("fmin.s", BOX(0), BOX(0x80000000)), BOX(0x80000000), 0);
    check_fp("fmin.d qnan 1", FOP2N("fmin.d", D_QNAN, D_ONE), D_ONE, 0);
    check_fp("fmax.d snan 1 nv", FOP2N("fmax.d", D_SNAN, D_ONE), D_ONE, FFLAG_NV);
    check_fp("fmax.d both nan canonical", FOP2N("fmax.d", 0x7ff8000000000042ul, D_QNAN), D_QNAN, 0);
    check_fp("fsgnjx.d", FOP2N("fsgnjx.d", D_ONE | D_NEG0, D_NEG0), D_ONE, 0);
    check_fp("feq.d qnan quiet", FCMP("feq.d", D_QNAN, D_ONE), 0, 0);
    check_fp("feq.d snan nv", FCMP("feq.d", D_SNAN, D_ONE), 0, FFLAG_NV);
    check_fp("flt.d qnan nv", FCMP("flt.d", D_QNAN, D_ONE), 0, FFLAG_NV);
    check_fp("fle.s qnan nv", FCMP("fle.s", BOX(0x7fc00000), BOX(0)), 0, FFLAG_NV);
    check_fp("fle.d -0 +0", FCMP("fle.d", D_NEG0, 0), 1, 0);
    check_fp("feq.s -0 +0", FCMP("feq.s", BOX(0x80000000), BOX(0)), 1, 0);
    check_fp("flt.d -0 +0", FCMP("flt.d", D_NEG0, 0), 0, 0);
    test_check_eq("fclass.d -inf", FCLASS("fclass.d", D_INF | D_NEG0), 1u << 0);
    test_check_eq("fclass.d -subnormal", FCLASS("fclass.d", D_NEG0 | 1), 1u << 2);
    test_check_eq("fclass.d +0", FCLASS("fclass.d", 0), 1u << 4);
    test_check_eq("fclass.d snan", FCLASS("fclass.d", D_SNAN), 1u << 8);
    test_check_eq("fclass.s +normal", FCLASS("fclass.s", BOX(0x3f800000)), 1u << 6);
}

static void test_convert(void)
{
    check_fp("fcvt.w.s nan", FTOX("fcvt.w.s", "rtz", BOX(0x7fc00000)), 0x7fffffff, FFLAG_NV);
    check_fp("fcvt.w.s -inf", FTOX("fcvt.w.s", "rtz", BOX(0xff800000)), 0xffffffff80000000ul, FFLAG_NV);
    check_fp("fcvt.wu.d -1", FTOX("fcvt.wu.d", "rtz", D_ONE | D_NEG0), 0, FFLAG_NV);
    check_fp("fcvt.wu.d -0.5 rtz", FTOX("fcvt.wu.d", "rtz", 0xbfe0000000000000ul), 0, FFLAG_NX);
    check_fp("fcvt.wu.s 3e9 sign-extended", FTOX("fcvt.wu.s", "rtz", BOX(0x4f32d05e)), 0xffffffffb2d05e00ul, 0);
    check_fp("fcvt.l.d 2^63", FTOX("fcvt.l.d", "rtz", 0x43e0000000000000ul), 0x7ffffffffffffffful, FFLAG_NV);
    check_fp("fcvt.lu.d nan", FTOX("fcvt.lu.d", "rtz", D_QNAN), ~0ul, FFLAG_NV);
    check_fp("fcvt.w.d 2.5 rne", FTOX("fcvt.w.d", "rne", 0x4004000000000000ul), 2, FFLAG_NX);
    check_fp("fcvt.w.d 2.5 rmm", FTOX("fcvt.w.d", "rmm", 0x4004000000000000ul), 3, FFLAG_NX);
    check_fp("fcvt.w.d -2.5 rdn", FTOX("fcvt.w.d", "rdn", 0xc004000000000000ul), (uint64_t)-3, FFLAG_NX);
    check_fp("fcvt.w.d -2.5 rup", FTOX("fcvt.w.d", "rup", 0xc004000000000000ul), (uint64_t)-2, FFLAG_NX);
    check_fp("fcvt.s.w 2^24+1 rne", XTOF("fcvt.s.w", "rne", 16777217), BOX(0x4b800000), FFLAG_NX);
    check_fp("fcvt.s.w 2^24+1 rmm", XTOF("fcvt.s.w", "rmm", 16777217), BOX(0x4b800001), FFLAG_NX);
    check_fp("fcvt.s.lu max rtz", XTOF("fcvt.s.lu", "rtz", ~0ul), BOX(0x5f7fffff), FFLAG_NX);
    check_fp("fcvt.d.wu low word only", XTOFN("fcvt.d.wu", 0xffffffff00000002ul), D_TWO, 0);
    check_fp("fcvt.s.d 1+2^-24 rmm", FOP1("fcvt.s.d", "rmm", 0x3ff0000010000000ul), BOX(0x3f800001), FFLAG_NX);
}

/* Illegal-instruction traps: record the cause and skip the instruction. */
static volatile uint64_t trap_cause;
static volatile unsigned trap_count;

static bool skip_illegal(struct test_trap_frame *f)
{
    trap_cause = f->cause;
    trap_count++;
    f->epc += 4;
    return true;
}

static bool traps_once_illegal(unsigned before)
{
    return trap_count == before + 1 && trap_cause == 2;
}

static void test_illegal(void)
{
    unsigned n;

    test_mtrap_hook = skip_illegal;
    n = trap_count;
    CSR_WRITE(frm, 5);
    __asm__ volatile("fadd.d ft2, ft0, ft1, dyn" ::: "ft2");
    test_check("dynamic rm with frm=5 is illegal", traps_once_illegal(n));
    n = trap_count;
    CSR_WRITE(frm, 7);
    __asm__ volatile("fcvt.w.d t0, ft0, dyn" ::: "t0");
    test_check("dynamic rm with frm=7 is illegal", traps_once_illegal(n));
    CSR_WRITE(frm, 0);
    n = trap_count;
    __asm__ volatile(".insn r 0x53, 5, 0x01, ft2, ft0, ft1" ::: "ft2");    /* fadd.d rm=5 */
    test_check("static rm 5 is illegal", traps_once_illegal(n));
    n = trap_count;
    __asm__ volatile(".insn r 0x53, 6, 0x00, ft2, ft0, ft1" ::: "ft2");    /* fadd.s rm=6 */
    test_check("static rm 6 is illegal", traps_once_illegal(n));
    n = trap_count;
    __asm__ volatile(".insn r 0x53, 0, 0x02, ft2, ft0, ft1" ::: "ft2");    /* fmt=H: no Zfh */
    test_check("fadd with fmt=2 is illegal", traps_once_illegal(n));

    CSR_CLEAR(mstatus, MSTATUS_FS);
    n = trap_count;
    __asm__ volatile("fadd.d ft2, ft0, ft1" ::: "ft2");
    test_check("fadd.d with FS=Off is illegal", traps_once_illegal(n));
    n = trap_count;
    __asm__ volatile("fmv.x.d t0, ft0" ::: "t0");
    test_check("fmv.x.d with FS=Off is illegal", traps_once_illegal(n));
    CSR_SET(mstatus, 1ul << 13);                   /* FS = Initial */
    test_mtrap_hook = 0;

    test_check_eq("FS=Initial after enabling", CSR_READ(mstatus) & MSTATUS_FS, 1ul << 13);
    __asm__ volatile("fadd.d ft2, ft0, ft1" ::: "ft2");
    test_check_eq("fadd.d makes FS dirty", CSR_READ(mstatus) & MSTATUS_FS, MSTATUS_FS);
    test_check("SD set with FS dirty", (CSR_READ(mstatus) >> 63) == 1);
}

/* C.FSD / C.FLD need registers from x8-x15 and f8-f15 (§16.3). */
static void test_compressed(void)
{
    static volatile uint64_t slot[2];
    register uint64_t *p __asm__("a0") = (uint64_t *)slot;
    uint64_t r;

    __asm__ volatile("fmv.d.x fa1, %2\n\tc.fsd fa1, 8(%1)\n\tc.fld fa2, 8(%1)\n\tfmv.x.d %0, fa2"
                     : "=r"(r) : "r"(p), "r"(0x400921fb54442d18ul) : "fa1", "fa2", "memory");
    test_check_eq("c.fsd/c.fld round trip", r, 0x400921fb54442d18ul);
    test_check_eq("c.fsd stored", slot[1], 0x400921fb54442d18ul);
}

int test_main(unsigned long hartid, unsigned long dtb)
{
    (void)hartid;
    (void)dtb;
    test_rounding_modes();
    test_flags();
    test_boxing();
    test_minmax_cmp_class();
    test_convert();
    test_illegal();
    test_compressed();
    return 0;
}
