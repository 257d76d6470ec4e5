/*
 * IEEE 754-2008 arithmetic for the riscv F and D extensions (unpriv spec
 * 20191213 ch. 11 and 12), private to cpu-riscv/.
 *
 * Every function works on register values as they sit in the f slots:
 * 64-bit, single-precision values NaN-boxed (§12.2). An input that should
 * be a single but is not properly boxed reads as the canonical NaN; a
 * single result is returned boxed. rm is a static rounding mode
 * (FP_RM_RNE..FP_RM_RMM; the caller resolves the dynamic mode). Exception
 * flags are OR-ed into *flags in the fflags layout (§11.2, table 11.2).
 * The functions depend on nothing but their arguments.
 *
 *   unsigned fl = 0;
 *   uint64_t r = fp_arith(FP_OP_ADD, FP_FMT_D, a, b, 0, FP_RM_RNE, &fl);
 */
#ifndef EMU_CPU_RISCV_FP_H
#define EMU_CPU_RISCV_FP_H

#include <stdbool.h>
#include <stdint.h>

/* fflags bits (unpriv §11.2). */
#define FP_FLAG_NX 0x01u
#define FP_FLAG_UF 0x02u
#define FP_FLAG_OF 0x04u
#define FP_FLAG_DZ 0x08u
#define FP_FLAG_NV 0x10u

/* Rounding modes (unpriv §11.2, table 11.1). */
enum fp_rm {
    FP_RM_RNE = 0, FP_RM_RTZ = 1, FP_RM_RDN = 2, FP_RM_RUP = 3, FP_RM_RMM = 4,
    FP_RM_DYN = 7,
};

/* Formats, as the fmt field (bits 26:25) encodes them. */
enum fp_fmt { FP_FMT_S = 0, FP_FMT_D = 1 };

/* Integer types of FCVT, as the rs2 field encodes them. */
enum fp_ity { FP_ITY_W = 0, FP_ITY_WU = 1, FP_ITY_L = 2, FP_ITY_LU = 3 };

/* Correctly rounded operations. MADD..NMADD follow the opcode names
 * (§11.6): MADD a*b+c, MSUB a*b-c, NMSUB -(a*b)+c, NMADD -(a*b)-c. */
enum fp_op {
    FP_OP_ADD, FP_OP_SUB, FP_OP_MUL, FP_OP_DIV, FP_OP_SQRT,
    FP_OP_MADD, FP_OP_MSUB, FP_OP_NMSUB, FP_OP_NMADD,
};

#define FP_CANON_S 0x7fc00000u
#define FP_CANON_D 0x7ff8000000000000ull
#define FP_BOX_S   0xffffffff00000000ull

/* FCLASS result bits (table 11.5). */
#define FP_CLASS_NEG_INF   (1u << 0)
#define FP_CLASS_NEG_NORM  (1u << 1)
#define FP_CLASS_NEG_SUB   (1u << 2)
#define FP_CLASS_NEG_ZERO  (1u << 3)
#define FP_CLASS_POS_ZERO  (1u << 4)
#define FP_CLASS_POS_SUB   (1u << 5)
#define FP_CLASS_POS_NORM  (1u << 6)
#define FP_CLASS_POS_INF   (1u << 7)
#define FP_CLASS_SNAN      (1u << 8)
#define FP_CLASS_QNAN      (1u << 9)

static inline uint64_t fp_box_s(uint32_t v)
{
    return FP_BOX_S | v;
}

/* §12.2: only a value with the upper 32 bits all ones is a valid single. */
static inline uint32_t fp_unbox_s(uint64_t v)
{
    return (v >> 32) == 0xffffffffu ? (uint32_t)v : FP_CANON_S;
}

/* Is rm (after resolving DYN) a valid rounding mode? */
static inline bool fp_rm_valid(unsigned rm)
{
    return rm <= FP_RM_RMM;
}

uint64_t fp_arith(enum fp_op op, enum fp_fmt fmt, uint64_t a, uint64_t b, uint64_t c, unsigned rm,
                  unsigned *flags);
/* FMIN/FMAX (§11.7, minimumNumber/maximumNumber). */
uint64_t fp_minmax(enum fp_fmt fmt, uint64_t a, uint64_t b, bool max, unsigned *flags);
/* FSGNJ (kind 0), FSGNJN (1), FSGNJX (2): the funct3 values. */
uint64_t fp_sgnj(enum fp_fmt fmt, uint64_t a, uint64_t b, unsigned kind);
/* FLE (kind 0), FLT (1), FEQ (2): the funct3 values. Returns 0 or 1. */
uint64_t fp_cmp(enum fp_fmt fmt, uint64_t a, uint64_t b, unsigned kind, unsigned *flags);
uint64_t fp_class(enum fp_fmt fmt, uint64_t a);
/* FCVT.{W,WU,L,LU}.fmt: the x register value (W results sign-extended). */
uint64_t fp_cvt_to_int(enum fp_fmt fmt, uint64_t a, enum fp_ity ity, unsigned rm, unsigned *flags);
/* FCVT.fmt.{W,WU,L,LU}: x is the x register value. */
uint64_t fp_cvt_from_int(enum fp_fmt fmt, uint64_t x, enum fp_ity ity, unsigned rm, unsigned *flags);
/* FCVT.S.D and FCVT.D.S. */
uint64_t fp_cvt_s_d(uint64_t a, unsigned rm, unsigned *flags);
uint64_t fp_cvt_d_s(uint64_t a, unsigned *flags);

#endif
