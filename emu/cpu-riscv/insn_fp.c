/*
 * F and D: single- and double-precision floating point (unpriv spec
 * 20191213 ch. 11 "F", ch. 12 "D"; C.FLD/C.FSD and friends arrive here
 * expanded to their 32-bit forms, ch. 16).
 *
 * Moves, loads and stores are IR ops; arithmetic, comparisons and
 * conversions call the IEEE helpers of fp.c through small wrappers that
 * resolve the rounding mode, accumulate fflags and mark mstatus.FS dirty.
 *
 * Legality (§11.1, priv 1.12 §3.1.6.6): every instruction here is illegal
 * with mstatus.FS = Off (a TB flag) or with its extension off; a static rm
 * of 5 or 6 is illegal at translation; a dynamic rm is checked against frm
 * when the instruction executes (§11.2), raising illegal-instruction with
 * the encoding in tval.
 *
 * Helper imm layout: bits 2:0 rm, bit 3 fmt, bits 7:4 the operation or
 * integer type, bits 63:32 the encoding as fetched (for tval).
 */
#include "cpu-riscv/decode.h"
#include "cpu-riscv/fp.h"

#define X(n) RV_SLOT_X(n)
#define F(n) RV_SLOT_F(n)

#define FP_IMM_RM(imm)   ((unsigned)(imm) & 7u)
#define FP_IMM_FMT(imm)  ((enum fp_fmt)(((unsigned)(imm) >> 3) & 1u))
#define FP_IMM_SUB(imm)  (((unsigned)(imm) >> 4) & 15u)

/* --- runtime helpers --------------------------------------------------- */

/* Resolves rm (§11.2): the dynamic mode reads frm; 5-7 there, like a static
 * 5 or 6, is an illegal instruction. */
static bool rv_fp_rm(struct rv_cpu *rv, int64_t imm, unsigned *rm)
{
    unsigned r = FP_IMM_RM(imm);

    if (r == FP_RM_DYN)
        r = rv->frm & 7;
    if (!fp_rm_valid(r)) {
        rv_raise(rv, RV_EXC_ILLEGAL_INSN, (uint64_t)imm >> 32);
        return false;
    }
    *rm = r;
    return true;
}

/* Records the flags of an instruction that writes an f register. */
static void rv_fp_wrote_f(struct rv_cpu *rv, unsigned flags)
{
    rv->fflags |= flags;
    rv_fs_dirty(rv);
}

/* Records the flags of an instruction that writes only an x register:
 * the FP state changes only when a flag is raised. */
static void rv_fp_wrote_x(struct rv_cpu *rv, unsigned flags)
{
    if (flags) {
        rv->fflags |= flags;
        rv_fs_dirty(rv);
    }
}

static uint64_t rv_fp_helper_dirty(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    rv_fs_dirty(rv_of(cpu));
    return 0;
}

static uint64_t rv_fp_helper_arith(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    struct rv_cpu *rv = rv_of(cpu);
    unsigned rm, fl = 0;

    if (!rv_fp_rm(rv, imm, &rm))
        return 0;
    uint64_t r = fp_arith((enum fp_op)FP_IMM_SUB(imm), FP_IMM_FMT(imm), a, b, c, rm, &fl);
    rv_fp_wrote_f(rv, fl);
    return r;
}

/* FSGNJ, FSGNJN, FSGNJX: sub = funct3. */
static uint64_t rv_fp_helper_sgnj(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    rv_fp_wrote_f(rv_of(cpu), 0);
    return fp_sgnj(FP_IMM_FMT(imm), a, b, FP_IMM_SUB(imm));
}

/* FMIN (sub 0) and FMAX (sub 1). */
static uint64_t rv_fp_helper_minmax(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    unsigned fl = 0;
    uint64_t r = fp_minmax(FP_IMM_FMT(imm), a, b, FP_IMM_SUB(imm) != 0, &fl);

    rv_fp_wrote_f(rv_of(cpu), fl);
    return r;
}

/* FLE, FLT, FEQ: sub = funct3. */
static uint64_t rv_fp_helper_cmp(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    unsigned fl = 0;
    uint64_t r = fp_cmp(FP_IMM_FMT(imm), a, b, FP_IMM_SUB(imm), &fl);

    rv_fp_wrote_x(rv_of(cpu), fl);
    return r;
}

static uint64_t rv_fp_helper_class(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    return fp_class(FP_IMM_FMT(imm), a);
}

/* FCVT.{W,WU,L,LU}.fmt: sub = integer type. */
static uint64_t rv_fp_helper_to_int(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    struct rv_cpu *rv = rv_of(cpu);
    unsigned rm, fl = 0;

    if (!rv_fp_rm(rv, imm, &rm))
        return 0;
    uint64_t r = fp_cvt_to_int(FP_IMM_FMT(imm), a, (enum fp_ity)FP_IMM_SUB(imm), rm, &fl);
    rv_fp_wrote_x(rv, fl);
    return r;
}

/* FCVT.fmt.{W,WU,L,LU}: sub = integer type. */
static uint64_t rv_fp_helper_from_int(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    struct rv_cpu *rv = rv_of(cpu);
    unsigned rm, fl = 0;

    if (!rv_fp_rm(rv, imm, &rm))
        return 0;
    uint64_t r = fp_cvt_from_int(FP_IMM_FMT(imm), a, (enum fp_ity)FP_IMM_SUB(imm), rm, &fl);
    rv_fp_wrote_f(rv, fl);
    return r;
}

/* FCVT.S.D (fmt S) and FCVT.D.S (fmt D): fmt is the destination. */
static uint64_t rv_fp_helper_cvt_fmt(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    struct rv_cpu *rv = rv_of(cpu);
    unsigned rm, fl = 0;

    if (!rv_fp_rm(rv, imm, &rm))
        return 0;
    uint64_t r = FP_IMM_FMT(imm) == FP_FMT_S ? fp_cvt_s_d(a, rm, &fl) : fp_cvt_d_s(a, &fl);
    rv_fp_wrote_f(rv, fl);
    return r;
}

/* --- translation ------------------------------------------------------- */

static enum fp_fmt rv_fp_fmt(uint32_t insn)
{
    return (enum fp_fmt)((insn >> 25) & 1);
}

/* FS on, and the extension of fmt present (D requires F, §12.1). */
static bool rv_fp_enabled(const struct rv_dc *dc, enum fp_fmt fmt)
{
    if (!(dc->flags & RV_TBF_FS_ON) || !dc->rv->ext.f)
        return false;
    return fmt == FP_FMT_S || dc->rv->ext.d;
}

/* rm 5 and 6 are reserved (§11.2, table 11.1). */
static bool rv_fp_static_rm_ok(uint32_t insn)
{
    unsigned rm = rv_rm(insn);
    return rm != 5 && rm != 6;
}

static bool rv_fp_legal_rm(const struct rv_dc *dc, enum fp_fmt fmt)
{
    return rv_fp_enabled(dc, fmt) && rv_fp_static_rm_ok(dc->insn);
}

/* Emits d = fn(a, b, c) with the helper imm; a dynamic rm may fault. */
static void rv_fp_call(struct rv_dc *dc, ir_helper_fn fn, unsigned d, unsigned a, unsigned b, unsigned c,
                       enum fp_fmt fmt, unsigned sub, bool uses_rm)
{
    unsigned rm = uses_rm ? rv_rm(dc->insn) : 0;
    uint64_t imm = ((uint64_t)dc->raw << 32) | (sub << 4) | ((unsigned)fmt << 3) | rm;
    unsigned flags = uses_rm && rm == FP_RM_DYN ? IR_CALL_MAY_FAULT : 0;

    ir_call(dc->b, fn, flags, d, a, b, c, (int64_t)imm);
}

/* The x destination, or a temp when rd is x0 (the flags still count). */
static unsigned rv_fp_x_dest(struct rv_dc *dc)
{
    unsigned rd = rv_rd(dc->insn);
    return rd ? X(rd) : ir_temp(dc->b);
}

static void rv_fp_emit_dirty(struct rv_dc *dc)
{
    ir_call(dc->b, rv_fp_helper_dirty, IR_CALL_NO_RESULT, 0, 0, 0, 0, 0);
}

/* FLW/FLD (§11.5, §12.3): FLW NaN-boxes the loaded word (§12.2). */
static bool trans_fp_load(struct rv_dc *dc)
{
    bool dbl = rv_funct3(dc->insn) == 3;
    unsigned rd = rv_rd(dc->insn), rs1 = rv_rs1(dc->insn);

    if (!rv_fp_enabled(dc, dbl ? FP_FMT_D : FP_FMT_S))
        return false;
    if (dbl) {
        ir_ld(dc->b, F(rd), X(rs1), rv_imm_i(dc->insn), IR_MO_64, dc->mmu_idx);
    } else {
        unsigned t = ir_temp(dc->b);
        ir_ld(dc->b, t, X(rs1), rv_imm_i(dc->insn), IR_MO_32, dc->mmu_idx);
        ir_alui(dc->b, IR_ORI, F(rd), t, (int64_t)FP_BOX_S);
    }
    rv_fp_emit_dirty(dc);
    return true;
}

/* FSW/FSD: FSW stores the low 32 bits whatever the boxing (§12.2). */
static bool trans_fp_store(struct rv_dc *dc)
{
    bool dbl = rv_funct3(dc->insn) == 3;

    if (!rv_fp_enabled(dc, dbl ? FP_FMT_D : FP_FMT_S))
        return false;
    ir_st(dc->b, X(rv_rs1(dc->insn)), rv_imm_s(dc->insn), F(rv_rs2(dc->insn)), dbl ? IR_MO_64 : IR_MO_32,
          dc->mmu_idx);
    return true;
}

/* FMADD/FMSUB/FNMSUB/FNMADD: opcode bits 3:2 give the variant (§11.6). */
static bool trans_fp_fma(struct rv_dc *dc)
{
    static const uint8_t ops[4] = { FP_OP_MADD, FP_OP_MSUB, FP_OP_NMSUB, FP_OP_NMADD };
    uint32_t i = dc->insn;
    enum fp_fmt fmt = rv_fp_fmt(i);

    if (!rv_fp_legal_rm(dc, fmt))
        return false;
    rv_fp_call(dc, rv_fp_helper_arith, F(rv_rd(i)), F(rv_rs1(i)), F(rv_rs2(i)), F(rv_rs3(i)), fmt,
               ops[(i >> 2) & 3], true);
    return true;
}

/* FADD/FSUB/FMUL/FDIV/FSQRT: funct7 bits 6:2 give the operation. */
static bool trans_fp_arith(struct rv_dc *dc)
{
    uint32_t i = dc->insn;
    enum fp_fmt fmt = rv_fp_fmt(i);
    unsigned f5 = i >> 27;
    enum fp_op op = f5 == 0 ? FP_OP_ADD : f5 == 1 ? FP_OP_SUB : f5 == 2 ? FP_OP_MUL
                  : f5 == 3 ? FP_OP_DIV : FP_OP_SQRT;

    if (!rv_fp_legal_rm(dc, fmt))
        return false;
    rv_fp_call(dc, rv_fp_helper_arith, F(rv_rd(i)), F(rv_rs1(i)), F(rv_rs2(i)), 0, fmt, op, true);
    return true;
}

static bool trans_fp_sgnj(struct rv_dc *dc)
{
    uint32_t i = dc->insn;
    enum fp_fmt fmt = rv_fp_fmt(i);

    if (!rv_fp_enabled(dc, fmt))
        return false;
    rv_fp_call(dc, rv_fp_helper_sgnj, F(rv_rd(i)), F(rv_rs1(i)), F(rv_rs2(i)), 0, fmt, rv_funct3(i), false);
    return true;
}

static bool trans_fp_minmax(struct rv_dc *dc)
{
    uint32_t i = dc->insn;
    enum fp_fmt fmt = rv_fp_fmt(i);

    if (!rv_fp_enabled(dc, fmt))
        return false;
    rv_fp_call(dc, rv_fp_helper_minmax, F(rv_rd(i)), F(rv_rs1(i)), F(rv_rs2(i)), 0, fmt, rv_funct3(i), false);
    return true;
}

static bool trans_fp_cmp(struct rv_dc *dc)
{
    uint32_t i = dc->insn;
    enum fp_fmt fmt = rv_fp_fmt(i);

    if (!rv_fp_enabled(dc, fmt))
        return false;
    rv_fp_call(dc, rv_fp_helper_cmp, rv_fp_x_dest(dc), F(rv_rs1(i)), F(rv_rs2(i)), 0, fmt, rv_funct3(i), false);
    return true;
}

static bool trans_fp_class(struct rv_dc *dc)
{
    uint32_t i = dc->insn;
    enum fp_fmt fmt = rv_fp_fmt(i);

    if (!rv_fp_enabled(dc, fmt))
        return false;
    if (rv_rd(i))
        rv_fp_call(dc, rv_fp_helper_class, X(rv_rd(i)), F(rv_rs1(i)), 0, 0, fmt, 0, false);
    return true;
}

/* FCVT.S.D (fmt S, rs2 = 1) and FCVT.D.S (fmt D, rs2 = 0), §12.5. */
static bool trans_fp_cvt_fmt(struct rv_dc *dc)
{
    uint32_t i = dc->insn;

    if (!rv_fp_legal_rm(dc, FP_FMT_D))
        return false;
    rv_fp_call(dc, rv_fp_helper_cvt_fmt, F(rv_rd(i)), F(rv_rs1(i)), 0, 0, rv_fp_fmt(i), 0, true);
    return true;
}

/* FCVT.{W,WU,L,LU}.fmt: rs2 gives the integer type (§11.7). */
static bool trans_fp_to_int(struct rv_dc *dc)
{
    uint32_t i = dc->insn;
    enum fp_fmt fmt = rv_fp_fmt(i);

    if (!rv_fp_legal_rm(dc, fmt))
        return false;
    rv_fp_call(dc, rv_fp_helper_to_int, rv_fp_x_dest(dc), F(rv_rs1(i)), 0, 0, fmt, rv_rs2(i), true);
    return true;
}

static bool trans_fp_from_int(struct rv_dc *dc)
{
    uint32_t i = dc->insn;
    enum fp_fmt fmt = rv_fp_fmt(i);

    if (!rv_fp_legal_rm(dc, fmt))
        return false;
    rv_fp_call(dc, rv_fp_helper_from_int, F(rv_rd(i)), X(rv_rs1(i)), 0, 0, fmt, rv_rs2(i), true);
    return true;
}

/* FMV.X.W sign-extends the low word, boxed or not; FMV.X.D copies (§11.7, §12.5). */
static bool trans_fp_mv_to_x(struct rv_dc *dc)
{
    uint32_t i = dc->insn;
    enum fp_fmt fmt = rv_fp_fmt(i);
    unsigned rd = rv_rd(i);

    if (!rv_fp_enabled(dc, fmt))
        return false;
    if (rd == 0)
        return true;
    if (fmt == FP_FMT_S)
        ir_alu(dc->b, IR_EXT32S, X(rd), F(rv_rs1(i)), 0);
    else
        ir_mov(dc->b, X(rd), F(rv_rs1(i)));
    return true;
}

/* FMV.W.X boxes the low word of rs1; FMV.D.X copies. */
static bool trans_fp_mv_from_x(struct rv_dc *dc)
{
    uint32_t i = dc->insn;
    enum fp_fmt fmt = rv_fp_fmt(i);
    unsigned rd = rv_rd(i), rs1 = rv_rs1(i);

    if (!rv_fp_enabled(dc, fmt))
        return false;
    if (fmt == FP_FMT_S) {
        /* The OR replaces the upper half with the box. */
        ir_alui(dc->b, IR_ORI, F(rd), X(rs1), (int64_t)FP_BOX_S);
    } else {
        ir_mov(dc->b, F(rd), X(rs1));
    }
    rv_fp_emit_dirty(dc);
    return true;
}

/* Encodings (unpriv spec ch. 24, RV32F/RV64F/RV32D/RV64D tables). */
#define OPFP(f7)       (((uint32_t)(f7) << 25) | 0x53u)
#define OPFP3(f7, f3)  (OPFP(f7) | ((uint32_t)(f3) << 12))
#define OPFP2(f7, rs2) (OPFP(f7) | ((uint32_t)(rs2) << 20))
#define M_R       0xfe00007fu      /* funct7, opcode */
#define M_R_RS2   0xfff0007fu      /* funct7, rs2, opcode */
#define M_R_F3    0xfe00707fu      /* funct7, funct3, opcode */
#define M_R_F3R2  0xfff0707fu      /* funct7, rs2, funct3, opcode */
#define M_R4      0x0600007fu      /* fmt, opcode */
#define M_LS      0x0000707fu      /* funct3, opcode */

const struct rv_insn rv_insns_fp[] = {
    { "flw",       M_LS,     0x00002007u,       trans_fp_load,     OPC_LOAD },
    { "fld",       M_LS,     0x00003007u,       trans_fp_load,     OPC_LOAD },
    { "fsw",       M_LS,     0x00002027u,       trans_fp_store,    OPC_STORE },
    { "fsd",       M_LS,     0x00003027u,       trans_fp_store,    OPC_STORE },
    { "fmadd.s",   M_R4,     0x00000043u,       trans_fp_fma,      OPC_FP_MUL },
    { "fmadd.d",   M_R4,     0x02000043u,       trans_fp_fma,      OPC_FP_MUL },
    { "fmsub.s",   M_R4,     0x00000047u,       trans_fp_fma,      OPC_FP_MUL },
    { "fmsub.d",   M_R4,     0x02000047u,       trans_fp_fma,      OPC_FP_MUL },
    { "fnmsub.s",  M_R4,     0x0000004bu,       trans_fp_fma,      OPC_FP_MUL },
    { "fnmsub.d",  M_R4,     0x0200004bu,       trans_fp_fma,      OPC_FP_MUL },
    { "fnmadd.s",  M_R4,     0x0000004fu,       trans_fp_fma,      OPC_FP_MUL },
    { "fnmadd.d",  M_R4,     0x0200004fu,       trans_fp_fma,      OPC_FP_MUL },
    { "fadd.s",    M_R,      OPFP(0x00),        trans_fp_arith,    OPC_FP_ADD },
    { "fadd.d",    M_R,      OPFP(0x01),        trans_fp_arith,    OPC_FP_ADD },
    { "fsub.s",    M_R,      OPFP(0x04),        trans_fp_arith,    OPC_FP_ADD },
    { "fsub.d",    M_R,      OPFP(0x05),        trans_fp_arith,    OPC_FP_ADD },
    { "fmul.s",    M_R,      OPFP(0x08),        trans_fp_arith,    OPC_FP_MUL },
    { "fmul.d",    M_R,      OPFP(0x09),        trans_fp_arith,    OPC_FP_MUL },
    { "fdiv.s",    M_R,      OPFP(0x0c),        trans_fp_arith,    OPC_FP_DIV },
    { "fdiv.d",    M_R,      OPFP(0x0d),        trans_fp_arith,    OPC_FP_DIV },
    { "fsqrt.s",   M_R_RS2,  OPFP2(0x2c, 0),    trans_fp_arith,    OPC_FP_SQRT },
    { "fsqrt.d",   M_R_RS2,  OPFP2(0x2d, 0),    trans_fp_arith,    OPC_FP_SQRT },
    { "fsgnj.s",   M_R_F3,   OPFP3(0x10, 0),    trans_fp_sgnj,     OPC_FP_MISC },
    { "fsgnjn.s",  M_R_F3,   OPFP3(0x10, 1),    trans_fp_sgnj,     OPC_FP_MISC },
    { "fsgnjx.s",  M_R_F3,   OPFP3(0x10, 2),    trans_fp_sgnj,     OPC_FP_MISC },
    { "fsgnj.d",   M_R_F3,   OPFP3(0x11, 0),    trans_fp_sgnj,     OPC_FP_MISC },
    { "fsgnjn.d",  M_R_F3,   OPFP3(0x11, 1),    trans_fp_sgnj,     OPC_FP_MISC },
    { "fsgnjx.d",  M_R_F3,   OPFP3(0x11, 2),    trans_fp_sgnj,     OPC_FP_MISC },
    { "fmin.s",    M_R_F3,   OPFP3(0x14, 0),    trans_fp_minmax,   OPC_FP_ADD },
    { "fmax.s",    M_R_F3,   OPFP3(0x14, 1),    trans_fp_minmax,   OPC_FP_ADD },
    { "fmin.d",    M_R_F3,   OPFP3(0x15, 0),    trans_fp_minmax,   OPC_FP_ADD },
    { "fmax.d",    M_R_F3,   OPFP3(0x15, 1),    trans_fp_minmax,   OPC_FP_ADD },
    { "fcvt.s.d",  M_R_RS2,  OPFP2(0x20, 1),    trans_fp_cvt_fmt,  OPC_FP_ADD },
    { "fcvt.d.s",  M_R_RS2,  OPFP2(0x21, 0),    trans_fp_cvt_fmt,  OPC_FP_ADD },
    { "fle.s",     M_R_F3,   OPFP3(0x50, 0),    trans_fp_cmp,      OPC_FP_ADD },
    { "flt.s",     M_R_F3,   OPFP3(0x50, 1),    trans_fp_cmp,      OPC_FP_ADD },
    { "feq.s",     M_R_F3,   OPFP3(0x50, 2),    trans_fp_cmp,      OPC_FP_ADD },
    { "fle.d",     M_R_F3,   OPFP3(0x51, 0),    trans_fp_cmp,      OPC_FP_ADD },
    { "flt.d",     M_R_F3,   OPFP3(0x51, 1),    trans_fp_cmp,      OPC_FP_ADD },
    { "feq.d",     M_R_F3,   OPFP3(0x51, 2),    trans_fp_cmp,      OPC_FP_ADD },
    { "fcvt.w.s",  M_R_RS2,  OPFP2(0x60, 0),    trans_fp_to_int,   OPC_FP_ADD },
    { "fcvt.wu.s", M_R_RS2,  OPFP2(0x60, 1),    trans_fp_to_int,   OPC_FP_ADD },
    { "fcvt.l.s",  M_R_RS2,  OPFP2(0x60, 2),    trans_fp_to_int,   OPC_FP_ADD },
    { "fcvt.lu.s", M_R_RS2,  OPFP2(0x60, 3),    trans_fp_to_int,   OPC_FP_ADD },
    { "fcvt.w.d",  M_R_RS2,  OPFP2(0x61, 0),    trans_fp_to_int,   OPC_FP_ADD },
    { "fcvt.wu.d", M_R_RS2,  OPFP2(0x61, 1),    trans_fp_to_int,   OPC_FP_ADD },
    { "fcvt.l.d",  M_R_RS2,  OPFP2(0x61, 2),    trans_fp_to_int,   OPC_FP_ADD },
    { "fcvt.lu.d", M_R_RS2,  OPFP2(0x61, 3),    trans_fp_to_int,   OPC_FP_ADD },
    { "fcvt.s.w",  M_R_RS2,  OPFP2(0x68, 0),    trans_fp_from_int, OPC_FP_ADD },
    { "fcvt.s.wu", M_R_RS2,  OPFP2(0x68, 1),    trans_fp_from_int, OPC_FP_ADD },
    { "fcvt.s.l",  M_R_RS2,  OPFP2(0x68, 2),    trans_fp_from_int, OPC_FP_ADD },
    { "fcvt.s.lu", M_R_RS2,  OPFP2(0x68, 3),    trans_fp_from_int, OPC_FP_ADD },
    { "fcvt.d.w",  M_R_RS2,  OPFP2(0x69, 0),    trans_fp_from_int, OPC_FP_ADD },
    { "fcvt.d.wu", M_R_RS2,  OPFP2(0x69, 1),    trans_fp_from_int, OPC_FP_ADD },
    { "fcvt.d.l",  M_R_RS2,  OPFP2(0x69, 2),    trans_fp_from_int, OPC_FP_ADD },
    { "fcvt.d.lu", M_R_RS2,  OPFP2(0x69, 3),    trans_fp_from_int, OPC_FP_ADD },
    { "fmv.x.w",   M_R_F3R2, OPFP3(0x70, 0),    trans_fp_mv_to_x,  OPC_FP_MISC },
    { "fclass.s",  M_R_F3R2, OPFP3(0x70, 1),    trans_fp_class,    OPC_FP_MISC },
    { "fmv.x.d",   M_R_F3R2, OPFP3(0x71, 0),    trans_fp_mv_to_x,  OPC_FP_MISC },
    { "fclass.d",  M_R_F3R2, OPFP3(0x71, 1),    trans_fp_class,    OPC_FP_MISC },
    { "fmv.w.x",   M_R_F3R2, OPFP3(0x78, 0),    trans_fp_mv_from_x, OPC_FP_MISC },
    { "fmv.d.x",   M_R_F3R2, OPFP3(0x79, 0),    trans_fp_mv_from_x, OPC_FP_MISC },
    { NULL, 0, 0, NULL, 0 },
};
