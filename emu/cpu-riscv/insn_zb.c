/*
 * Bit manipulation: Zba, Zbb, Zbc, Zbs (RISC-V Bit-Manipulation ISA
 * extensions, version 1.0.0, ch. 2 and 3). Each group is legal only when
 * its extension is switched on.
 *
 * Plain integer work uses IR ops; counts, byte operations, rotates by a
 * register and carry-less products, which the IR has no op for, use small
 * helpers that cannot fault (so they write rd directly).
 */
#include "cpu-riscv/decode.h"

#define X(n) RV_SLOT_X(n)

static bool rv_is_op32(uint32_t insn)
{
    return (insn & 0x7f) == 0x3b || (insn & 0x7f) == 0x1b;
}

static uint64_t rv_sext32(uint64_t v)
{
    return (uint64_t)(int64_t)(int32_t)v;
}

/* Helpers: d = f(rs1, rs2); imm is a shift amount where noted. */
static uint64_t rv_helper_clz(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    return a ? (uint64_t)__builtin_clzll(a) : 64;
}

static uint64_t rv_helper_ctz(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    return a ? (uint64_t)__builtin_ctzll(a) : 64;
}

static uint64_t rv_helper_cpop(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    return (uint64_t)__builtin_popcountll(a);
}

static uint64_t rv_helper_clzw(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    return (uint32_t)a ? (uint64_t)__builtin_clz((uint32_t)a) : 32;
}

static uint64_t rv_helper_ctzw(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    return (uint32_t)a ? (uint64_t)__builtin_ctz((uint32_t)a) : 32;
}

static uint64_t rv_helper_cpopw(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    return (uint64_t)__builtin_popcount((uint32_t)a);
}

static uint64_t rv_rotl64(uint64_t v, unsigned s)
{
    s &= 63;
    return s ? (v << s) | (v >> (64 - s)) : v;
}

static uint64_t rv_rotl32(uint64_t v, unsigned s)
{
    uint32_t w = (uint32_t)v;

    s &= 31;
    return rv_sext32(s ? (w << s) | (w >> (32 - s)) : w);
}

static uint64_t rv_helper_rol(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    return rv_rotl64(a, (unsigned)b);
}

static uint64_t rv_helper_ror(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    return rv_rotl64(a, 64 - ((unsigned)b & 63));
}

static uint64_t rv_helper_rolw(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    return rv_rotl32(a, (unsigned)b);
}

static uint64_t rv_helper_rorw(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    return rv_rotl32(a, 32 - ((unsigned)b & 31));
}

static uint64_t rv_helper_roriw(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    return rv_rotl32(a, 32 - ((unsigned)imm & 31));
}

/* orc.b: each byte becomes 0xff if any of its bits is set (§2.2.5). */
static uint64_t rv_helper_orc_b(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    uint64_t r = 0;

    for (unsigned i = 0; i < 64; i += 8) {
        if ((a >> i) & 0xff)
            r |= (uint64_t)0xff << i;
    }
    return r;
}

static uint64_t rv_helper_rev8(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    return __builtin_bswap64(a);
}

/* Carry-less products (Zbc §2.3): the low, high and bits 126:63 of the
 * 128-bit product. */
static uint64_t rv_helper_clmul(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    uint64_t r = 0;

    for (unsigned i = 0; i < 64; i++) {
        if ((b >> i) & 1)
            r ^= a << i;
    }
    return r;
}

static uint64_t rv_helper_clmulh(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    uint64_t r = 0;

    for (unsigned i = 1; i < 64; i++) {
        if ((b >> i) & 1)
            r ^= a >> (64 - i);
    }
    return r;
}

static uint64_t rv_helper_clmulr(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    uint64_t r = 0;

    for (unsigned i = 0; i < 64; i++) {
        if ((b >> i) & 1)
            r ^= a >> (63 - i);
    }
    return r;
}

static void rv_emit_helper(struct rv_dc *dc, ir_helper_fn fn, int64_t imm)
{
    unsigned rd = rv_rd(dc->insn);

    if (rd)
        ir_call(dc->b, fn, 0, X(rd), X(rv_rs1(dc->insn)), X(rv_rs2(dc->insn)), 0, imm);
}

/* Zba: sh[123]add(.uw), add.uw: rd = (rs1 [zero-extended] << n) + rs2. */
static bool trans_shadd(struct rv_dc *dc)
{
    unsigned rd = rv_rd(dc->insn), rs1 = X(rv_rs1(dc->insn)), n = rv_funct3(dc->insn) >> 1;
    unsigned t;

    if (!dc->rv->ext.zba)
        return false;
    if (rd == 0)
        return true;
    t = ir_temp(dc->b);
    if (rv_is_op32(dc->insn)) {
        ir_alu(dc->b, IR_EXT32U, t, rs1, 0);
        rs1 = t;
    }
    if (n) {
        ir_alui(dc->b, IR_SHLI, t, rs1, n);
        rs1 = t;
    }
    ir_alu(dc->b, IR_ADD, X(rd), rs1, X(rv_rs2(dc->insn)));
    return true;
}

static bool trans_slli_uw(struct rv_dc *dc)
{
    unsigned rd = rv_rd(dc->insn);

    if (!dc->rv->ext.zba)
        return false;
    if (rd) {
        ir_alu(dc->b, IR_EXT32U, X(rd), X(rv_rs1(dc->insn)), 0);
        ir_alui(dc->b, IR_SHLI, X(rd), X(rd), (dc->insn >> 20) & 63);
    }
    return true;
}

/* Zbb andn, orn, xnor (§2.2.1): rs1 op ~rs2. */
static bool trans_logic_not(struct rv_dc *dc)
{
    static const uint8_t op[8] = { [4] = IR_XOR, [6] = IR_OR, [7] = IR_AND };
    unsigned rd = rv_rd(dc->insn), t;

    if (!dc->rv->ext.zbb)
        return false;
    if (rd == 0)
        return true;
    t = ir_temp(dc->b);
    ir_alui(dc->b, IR_XORI, t, X(rv_rs2(dc->insn)), -1);
    ir_alu(dc->b, (enum ir_opc)op[rv_funct3(dc->insn)], X(rd), X(rv_rs1(dc->insn)), t);
    return true;
}

/* Zbb min, minu, max, maxu (§2.2.4): rd = cond(rs1, rs2) ? rs1 : rs2. */
static bool trans_minmax(struct rv_dc *dc)
{
    static const uint8_t cond_of[8] = { [4] = IR_LT, [5] = IR_LTU, [6] = IR_GE, [7] = IR_GEU };
    enum ir_cond cond = (enum ir_cond)cond_of[rv_funct3(dc->insn)];
    unsigned rd = rv_rd(dc->insn), rs1 = X(rv_rs1(dc->insn)), rs2 = X(rv_rs2(dc->insn));

    if (!dc->rv->ext.zbb)
        return false;
    if (rd == 0)
        return true;
    if (X(rd) == rs1) {
        ir_movcond(dc->b, (enum ir_cond)(cond ^ 1), X(rd), rs1, rs2, rs2);
    } else {
        rv_emit_set_x(dc, rd, rs2);
        ir_movcond(dc->b, cond, X(rd), rs1, rs2, rs1);
    }
    return true;
}

/* Zbb clz, ctz, cpop (and .w), sext.b, sext.h: told apart by rs2 (§2.2.2). */
static bool trans_unary(struct rv_dc *dc)
{
    static const ir_helper_fn fn[2][3] = {
        { rv_helper_clz, rv_helper_ctz, rv_helper_cpop },
        { rv_helper_clzw, rv_helper_ctzw, rv_helper_cpopw },
    };
    unsigned rd = rv_rd(dc->insn), sel = rv_rs2(dc->insn);

    if (!dc->rv->ext.zbb)
        return false;
    if (rd == 0)
        return true;
    if (sel == 4 || sel == 5)
        ir_alu(dc->b, sel == 4 ? IR_EXT8S : IR_EXT16S, X(rd), X(rv_rs1(dc->insn)), 0);
    else
        rv_emit_helper(dc, fn[rv_is_op32(dc->insn)][sel], 0);
    return true;
}

static bool trans_zext_h(struct rv_dc *dc)
{
    unsigned rd = rv_rd(dc->insn);

    if (!dc->rv->ext.zbb)
        return false;
    if (rd)
        ir_alu(dc->b, IR_EXT16U, X(rd), X(rv_rs1(dc->insn)), 0);
    return true;
}

/* Zbb rol, ror, rolw, rorw (§2.2.6). */
static bool trans_rot(struct rv_dc *dc)
{
    static const ir_helper_fn fn[2][2] = {
        { rv_helper_rol, rv_helper_ror },
        { rv_helper_rolw, rv_helper_rorw },
    };

    if (!dc->rv->ext.zbb)
        return false;
    rv_emit_helper(dc, fn[rv_is_op32(dc->insn)][rv_funct3(dc->insn) == 5], 0);
    return true;
}

static bool trans_rori(struct rv_dc *dc)
{
    unsigned rd = rv_rd(dc->insn), rs1 = X(rv_rs1(dc->insn)), sh = (dc->insn >> 20) & 63, t;

    if (!dc->rv->ext.zbb)
        return false;
    if (rd == 0)
        return true;
    if (sh == 0) {
        rv_emit_set_x(dc, rd, rs1);
        return true;
    }
    t = ir_temp(dc->b);
    ir_alui(dc->b, IR_SHLI, t, rs1, 64 - sh);
    ir_alui(dc->b, IR_SHRI, X(rd), rs1, sh);
    ir_alu(dc->b, IR_OR, X(rd), X(rd), t);
    return true;
}

static bool trans_roriw(struct rv_dc *dc)
{
    if (!dc->rv->ext.zbb)
        return false;
    rv_emit_helper(dc, rv_helper_roriw, rv_rs2(dc->insn));
    return true;
}

static bool trans_orc_b(struct rv_dc *dc)
{
    if (!dc->rv->ext.zbb)
        return false;
    rv_emit_helper(dc, rv_helper_orc_b, 0);
    return true;
}

static bool trans_rev8(struct rv_dc *dc)
{
    if (!dc->rv->ext.zbb)
        return false;
    rv_emit_helper(dc, rv_helper_rev8, 0);
    return true;
}

/* Zbc clmul (funct3 1), clmulr (2), clmulh (3). */
static bool trans_clmul(struct rv_dc *dc)
{
    static const ir_helper_fn fn[4] = { NULL, rv_helper_clmul, rv_helper_clmulr, rv_helper_clmulh };

    if (!dc->rv->ext.zbc)
        return false;
    rv_emit_helper(dc, fn[rv_funct3(dc->insn)], 0);
    return true;
}

/* Zbs (§2.4), register forms: the bit is rs2 & 63. funct6 (bits 31:26)
 * selects clear/extract (0x12), invert (0x1a), set (0x0a). */
static bool trans_bs(struct rv_dc *dc)
{
    unsigned rd = rv_rd(dc->insn), rs1 = X(rv_rs1(dc->insn)), rs2 = X(rv_rs2(dc->insn));
    unsigned f6 = dc->insn >> 26, t;

    if (!dc->rv->ext.zbs)
        return false;
    if (rd == 0)
        return true;
    if (rv_funct3(dc->insn) == 5) {                 /* bext */
        ir_alu(dc->b, IR_SHR, X(rd), rs1, rs2);
        ir_alui(dc->b, IR_ANDI, X(rd), X(rd), 1);
        return true;
    }
    t = ir_temp(dc->b);
    ir_movi(dc->b, t, 1);
    ir_alu(dc->b, IR_SHL, t, t, rs2);
    if (f6 == 0x12) {                               /* bclr */
        ir_alui(dc->b, IR_XORI, t, t, -1);
        ir_alu(dc->b, IR_AND, X(rd), rs1, t);
    } else {
        ir_alu(dc->b, f6 == 0x1a ? IR_XOR : IR_OR, X(rd), rs1, t);
    }
    return true;
}

static bool trans_bsi(struct rv_dc *dc)
{
    unsigned rd = rv_rd(dc->insn), rs1 = X(rv_rs1(dc->insn)), f6 = dc->insn >> 26;
    unsigned sh = (dc->insn >> 20) & 63;
    uint64_t bit = (uint64_t)1 << sh;

    if (!dc->rv->ext.zbs)
        return false;
    if (rd == 0)
        return true;
    if (rv_funct3(dc->insn) == 5) {                 /* bexti */
        ir_alui(dc->b, IR_SHRI, X(rd), rs1, sh);
        ir_alui(dc->b, IR_ANDI, X(rd), X(rd), 1);
    } else if (f6 == 0x12) {                        /* bclri */
        ir_alui(dc->b, IR_ANDI, X(rd), rs1, (int64_t)~bit);
    } else {                                        /* binvi, bseti */
        ir_alui(dc->b, f6 == 0x1a ? IR_XORI : IR_ORI, X(rd), rs1, (int64_t)bit);
    }
    return true;
}

const struct rv_insn rv_insns_zb[] = {
    /* Zba */
    { "sh1add",    0xfe00707f, 0x20002033, trans_shadd,     OPC_INT_ALU },
    { "sh2add",    0xfe00707f, 0x20004033, trans_shadd,     OPC_INT_ALU },
    { "sh3add",    0xfe00707f, 0x20006033, trans_shadd,     OPC_INT_ALU },
    { "add.uw",    0xfe00707f, 0x0800003b, trans_shadd,     OPC_INT_ALU },
    { "sh1add.uw", 0xfe00707f, 0x2000203b, trans_shadd,     OPC_INT_ALU },
    { "sh2add.uw", 0xfe00707f, 0x2000403b, trans_shadd,     OPC_INT_ALU },
    { "sh3add.uw", 0xfe00707f, 0x2000603b, trans_shadd,     OPC_INT_ALU },
    { "slli.uw",   0xfc00707f, 0x0800101b, trans_slli_uw,   OPC_INT_ALU },
    /* Zbb */
    { "andn",      0xfe00707f, 0x40007033, trans_logic_not, OPC_INT_ALU },
    { "orn",       0xfe00707f, 0x40006033, trans_logic_not, OPC_INT_ALU },
    { "xnor",      0xfe00707f, 0x40004033, trans_logic_not, OPC_INT_ALU },
    { "clz",       0xfff0707f, 0x60001013, trans_unary,     OPC_INT_ALU },
    { "ctz",       0xfff0707f, 0x60101013, trans_unary,     OPC_INT_ALU },
    { "cpop",      0xfff0707f, 0x60201013, trans_unary,     OPC_INT_ALU },
    { "sext.b",    0xfff0707f, 0x60401013, trans_unary,     OPC_INT_ALU },
    { "sext.h",    0xfff0707f, 0x60501013, trans_unary,     OPC_INT_ALU },
    { "clzw",      0xfff0707f, 0x6000101b, trans_unary,     OPC_INT_ALU },
    { "ctzw",      0xfff0707f, 0x6010101b, trans_unary,     OPC_INT_ALU },
    { "cpopw",     0xfff0707f, 0x6020101b, trans_unary,     OPC_INT_ALU },
    { "zext.h",    0xfff0707f, 0x0800403b, trans_zext_h,    OPC_INT_ALU },
    { "min",       0xfe00707f, 0x0a004033, trans_minmax,    OPC_INT_ALU },
    { "minu",      0xfe00707f, 0x0a005033, trans_minmax,    OPC_INT_ALU },
    { "max",       0xfe00707f, 0x0a006033, trans_minmax,    OPC_INT_ALU },
    { "maxu",      0xfe00707f, 0x0a007033, trans_minmax,    OPC_INT_ALU },
    { "rol",       0xfe00707f, 0x60001033, trans_rot,       OPC_INT_ALU },
    { "ror",       0xfe00707f, 0x60005033, trans_rot,       OPC_INT_ALU },
    { "rolw",      0xfe00707f, 0x6000103b, trans_rot,       OPC_INT_ALU },
    { "rorw",      0xfe00707f, 0x6000503b, trans_rot,       OPC_INT_ALU },
    { "rori",      0xfc00707f, 0x60005013, trans_rori,      OPC_INT_ALU },
    { "roriw",     0xfe00707f, 0x6000501b, trans_roriw,     OPC_INT_ALU },
    { "orc.b",     0xfff0707f, 0x28705013, trans_orc_b,     OPC_INT_ALU },
    { "rev8",      0xfff0707f, 0x6b805013, trans_rev8,      OPC_INT_ALU },
    /* Zbc */
    { "clmul",     0xfe00707f, 0x0a001033, trans_clmul,     OPC_INT_MUL },
    { "clmulr",    0xfe00707f, 0x0a002033, trans_clmul,     OPC_INT_MUL },
    { "clmulh",    0xfe00707f, 0x0a003033, trans_clmul,     OPC_INT_MUL },
    /* Zbs */
    { "bclr",      0xfe00707f, 0x48001033, trans_bs,        OPC_INT_ALU },
    { "bext",      0xfe00707f, 0x48005033, trans_bs,        OPC_INT_ALU },
    { "binv",      0xfe00707f, 0x68001033, trans_bs,        OPC_INT_ALU },
    { "bset",      0xfe00707f, 0x28001033, trans_bs,        OPC_INT_ALU },
    { "bclri",     0xfc00707f, 0x48001013, trans_bsi,       OPC_INT_ALU },
    { "bexti",     0xfc00707f, 0x48005013, trans_bsi,       OPC_INT_ALU },
    { "binvi",     0xfc00707f, 0x68001013, trans_bsi,       OPC_INT_ALU },
    { "bseti",     0xfc00707f, 0x28001013, trans_bsi,       OPC_INT_ALU },
    { NULL, 0, 0, NULL, 0 },
};
