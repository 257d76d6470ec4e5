/*
 * Expansion of RV64C compressed instructions to their 32-bit equivalents
 * (unpriv spec 20191213 ch. 16, tables 16.4-16.6 for the opcode map, §16.2
 * for the formats, §16.3-§16.5 for each instruction).
 *
 * Each C instruction is one 32-bit instruction in disguise, so expanding it
 * lets one set of trans functions serve both. Reserved encodings expand to
 * 0, which no table row matches. HINT encodings (e.g. C.LI with rd = x0)
 * expand to their 32-bit HINT, which executes as a no-op.
 */
#include "cpu-riscv/decode.h"

/* 32-bit opcodes (unpriv ch. 24, table 24.1). */
enum {
    RV_OPC_LOAD = 0x03, RV_OPC_LOAD_FP = 0x07, RV_OPC_OP_IMM = 0x13, RV_OPC_OP_IMM_32 = 0x1b,
    RV_OPC_STORE = 0x23, RV_OPC_STORE_FP = 0x27, RV_OPC_OP = 0x33, RV_OPC_LUI = 0x37,
    RV_OPC_OP_32 = 0x3b, RV_OPC_BRANCH = 0x63, RV_OPC_JALR = 0x67, RV_OPC_JAL = 0x6f,
};

#define RV_EBREAK 0x00100073u

/* Bits hi..lo of x, shifted down. */
static uint32_t rvc_bits(uint32_t x, unsigned hi, unsigned lo)
{
    return (x >> lo) & ((1u << (hi - lo + 1)) - 1);
}

/* Bit pos of x, moved to bit to. */
static uint32_t rvc_bit(uint32_t x, unsigned pos, unsigned to)
{
    return ((x >> pos) & 1) << to;
}

static int32_t rvc_sext(uint32_t v, unsigned bits)
{
    return (int32_t)(v << (32 - bits)) >> (32 - bits);
}

/* The 3-bit register fields of the CIW/CL/CS/CA/CB formats name x8-x15. */
static unsigned rvc_rp(uint32_t c, unsigned lo)
{
    return 8 + rvc_bits(c, lo + 2, lo);
}

/* 32-bit encoders for the base formats (unpriv §2.2, §2.3). */
static uint32_t enc_i(unsigned opc, unsigned f3, unsigned rd, unsigned rs1, int32_t imm)
{
    return ((uint32_t)imm << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
}

static uint32_t enc_s(unsigned opc, unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;

    return (rvc_bits(u, 11, 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rvc_bits(u, 4, 0) << 7) |
           opc;
}

static uint32_t enc_r(unsigned opc, unsigned f3, unsigned f7, unsigned rd, unsigned rs1, unsigned rs2)
{
    return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
}

static uint32_t enc_b(unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;

    return (rvc_bit(u, 12, 31)) | (rvc_bits(u, 10, 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
           (rvc_bits(u, 4, 1) << 8) | rvc_bit(u, 11, 7) | RV_OPC_BRANCH;
}

static uint32_t enc_j(unsigned rd, int32_t imm)
{
    uint32_t u = (uint32_t)imm;

    return rvc_bit(u, 20, 31) | (rvc_bits(u, 10, 1) << 21) | rvc_bit(u, 11, 20) | (rvc_bits(u, 19, 12) << 12) |
           (rd << 7) | RV_OPC_JAL;
}

/* Immediates of the C formats (unpriv §16.2-§16.5). */
static int32_t rvc_imm_ci(uint32_t c)          /* imm[5] | imm[4:0] */
{
    return rvc_sext(rvc_bit(c, 12, 5) | rvc_bits(c, 6, 2), 6);
}

static uint32_t rvc_shamt(uint32_t c)
{
    return rvc_bit(c, 12, 5) | rvc_bits(c, 6, 2);
}

static uint32_t rvc_uimm_w(uint32_t c)          /* CL/CS word: [5:3] 12:10, [2] 6, [6] 5 */
{
    return (rvc_bits(c, 12, 10) << 3) | rvc_bit(c, 6, 2) | rvc_bit(c, 5, 6);
}

static uint32_t rvc_uimm_d(uint32_t c)          /* CL/CS double: [5:3] 12:10, [7:6] 6:5 */
{
    return (rvc_bits(c, 12, 10) << 3) | (rvc_bits(c, 6, 5) << 6);
}

static int32_t rvc_imm_j(uint32_t c)            /* [11|4|9:8|10|6|7|3:1|5] */
{
    uint32_t v = rvc_bit(c, 12, 11) | rvc_bit(c, 11, 4) | (rvc_bits(c, 10, 9) << 8) | rvc_bit(c, 8, 10) |
                 rvc_bit(c, 7, 6) | rvc_bit(c, 6, 7) | (rvc_bits(c, 5, 3) << 1) | rvc_bit(c, 2, 5);
    return rvc_sext(v, 12);
}

static int32_t rvc_imm_b(uint32_t c)            /* [8|4:3] 12:10, [7:6|2:1|5] 6:2 */
{
    uint32_t v = rvc_bit(c, 12, 8) | (rvc_bits(c, 11, 10) << 3) | (rvc_bits(c, 6, 5) << 6) |
                 (rvc_bits(c, 4, 3) << 1) | rvc_bit(c, 2, 5);
    return rvc_sext(v, 9);
}

/* Quadrant 0 (table 16.4): stack-pointer-based addi and register-based
 * loads and stores. */
static uint32_t rvc_q0(uint32_t c, const struct rv_ext *ext)
{
    unsigned rdp = rvc_rp(c, 2), rs1p = rvc_rp(c, 7);

    switch (rvc_bits(c, 15, 13)) {
    case 0: {                                       /* c.addi4spn: nzuimm[5:4|9:6|2|3] */
        uint32_t imm = (rvc_bits(c, 12, 11) << 4) | (rvc_bits(c, 10, 7) << 6) | rvc_bit(c, 6, 2) |
                       rvc_bit(c, 5, 3);
        return imm ? enc_i(RV_OPC_OP_IMM, 0, rdp, 2, (int32_t)imm) : 0;
    }
    case 1:                                         /* c.fld */
        return ext->d ? enc_i(RV_OPC_LOAD_FP, 3, rdp, rs1p, (int32_t)rvc_uimm_d(c)) : 0;
    case 2:                                         /* c.lw */
        return enc_i(RV_OPC_LOAD, 2, rdp, rs1p, (int32_t)rvc_uimm_w(c));
    case 3:                                         /* c.ld */
        return enc_i(RV_OPC_LOAD, 3, rdp, rs1p, (int32_t)rvc_uimm_d(c));
    case 5:                                         /* c.fsd */
        return ext->d ? enc_s(RV_OPC_STORE_FP, 3, rs1p, rdp, (int32_t)rvc_uimm_d(c)) : 0;
    case 6:                                         /* c.sw */
        return enc_s(RV_OPC_STORE, 2, rs1p, rdp, (int32_t)rvc_uimm_w(c));
    case 7:                                         /* c.sd */
        return enc_s(RV_OPC_STORE, 3, rs1p, rdp, (int32_t)rvc_uimm_d(c));
    default:                                        /* 4: reserved */
        return 0;
    }
}

/* Quadrant 1, funct3 = 100: shifts, andi and register-register ALU ops on
 * x8-x15 (§16.5). */
static uint32_t rvc_q1_alu(uint32_t c)
{
    static const uint8_t op_f3[4] = { 0, 4, 6, 7 };   /* sub, xor, or, and */
    unsigned rd = rvc_rp(c, 7), rs2 = rvc_rp(c, 2);
    unsigned sel = rvc_bits(c, 6, 5);

    switch (rvc_bits(c, 11, 10)) {
    case 0:                                         /* c.srli */
        return enc_i(RV_OPC_OP_IMM, 5, rd, rd, (int32_t)rvc_shamt(c));
    case 1:                                         /* c.srai */
        return enc_i(RV_OPC_OP_IMM, 5, rd, rd, (int32_t)(rvc_shamt(c) | 0x400));
    case 2:                                         /* c.andi */
        return enc_i(RV_OPC_OP_IMM, 7, rd, rd, rvc_imm_ci(c));
    default:
        break;
    }
    if (!rvc_bit(c, 12, 0))                         /* c.sub, c.xor, c.or, c.and */
        return enc_r(RV_OPC_OP, op_f3[sel], sel == 0 ? 0x20 : 0, rd, rd, rs2);
    if (sel == 0)                                   /* c.subw */
        return enc_r(RV_OPC_OP_32, 0, 0x20, rd, rd, rs2);
    if (sel == 1)                                   /* c.addw */
        return enc_r(RV_OPC_OP_32, 0, 0, rd, rd, rs2);
    return 0;                                       /* reserved */
}

/* Quadrant 1 (table 16.5): immediates, jumps and branches. */
static uint32_t rvc_q1(uint32_t c)
{
    unsigned rd = rvc_bits(c, 11, 7);

    switch (rvc_bits(c, 15, 13)) {
    case 0:                                         /* c.addi (c.nop when rd = 0) */
        return enc_i(RV_OPC_OP_IMM, 0, rd, rd, rvc_imm_ci(c));
    case 1:                                         /* c.addiw; rd = 0 reserved */
        return rd ? enc_i(RV_OPC_OP_IMM_32, 0, rd, rd, rvc_imm_ci(c)) : 0;
    case 2:                                         /* c.li */
        return enc_i(RV_OPC_OP_IMM, 0, rd, 0, rvc_imm_ci(c));
    case 3:
        if (rd == 2) {                              /* c.addi16sp: nzimm[9|4|6|8:7|5] */
            uint32_t v = rvc_bit(c, 12, 9) | rvc_bit(c, 6, 4) | rvc_bit(c, 5, 6) | (rvc_bits(c, 4, 3) << 7) |
                         rvc_bit(c, 2, 5);
            return v ? enc_i(RV_OPC_OP_IMM, 0, 2, 2, rvc_sext(v, 10)) : 0;
        }
        /* c.lui: nzimm[17|16:12]; imm 0 reserved */
        if (rvc_imm_ci(c) == 0)
            return 0;
        return ((uint32_t)rvc_imm_ci(c) << 12) | (rd << 7) | RV_OPC_LUI;
    case 4:
        return rvc_q1_alu(c);
    case 5:                                         /* c.j */
        return enc_j(0, rvc_imm_j(c));
    case 6:                                         /* c.beqz */
        return enc_b(0, rvc_rp(c, 7), 0, rvc_imm_b(c));
    default:                                        /* c.bnez */
        return enc_b(1, rvc_rp(c, 7), 0, rvc_imm_b(c));
    }
}

/* Quadrant 2, funct3 = 100: c.jr, c.mv, c.ebreak, c.jalr, c.add. */
static uint32_t rvc_q2_cr(uint32_t c)
{
    unsigned rd = rvc_bits(c, 11, 7), rs2 = rvc_bits(c, 6, 2);

    if (!rvc_bit(c, 12, 0)) {
        if (rs2)                                    /* c.mv */
            return enc_r(RV_OPC_OP, 0, 0, rd, 0, rs2);
        return rd ? enc_i(RV_OPC_JALR, 0, 0, rd, 0) : 0;   /* c.jr; rs1 = 0 reserved */
    }
    if (rs2)                                        /* c.add */
        return enc_r(RV_OPC_OP, 0, 0, rd, rd, rs2);
    if (rd == 0)                                    /* c.ebreak */
        return RV_EBREAK;
    return enc_i(RV_OPC_JALR, 0, 1, rd, 0);         /* c.jalr */
}

/* Quadrant 2 (table 16.6): slli, stack-pointer-based loads and stores. */
static uint32_t rvc_q2(uint32_t c, const struct rv_ext *ext)
{
    unsigned rd = rvc_bits(c, 11, 7), rs2 = rvc_bits(c, 6, 2);
    /* CI stack loads: uimm[5] 12, then [4:3] 6:5 and [8:6] 4:2 (double),
     * or [4:2] 6:4 and [7:6] 3:2 (word). */
    uint32_t ld_d = rvc_bit(c, 12, 5) | (rvc_bits(c, 6, 5) << 3) | (rvc_bits(c, 4, 2) << 6);
    uint32_t ld_w = rvc_bit(c, 12, 5) | (rvc_bits(c, 6, 4) << 2) | (rvc_bits(c, 3, 2) << 6);
    /* CSS stack stores: [5:3] 12:10 and [8:6] 9:7 (double), or [5:2] 12:9
     * and [7:6] 8:7 (word). */
    uint32_t st_d = (rvc_bits(c, 12, 10) << 3) | (rvc_bits(c, 9, 7) << 6);
    uint32_t st_w = (rvc_bits(c, 12, 9) << 2) | (rvc_bits(c, 8, 7) << 6);

    switch (rvc_bits(c, 15, 13)) {
    case 0:                                         /* c.slli */
        return enc_i(RV_OPC_OP_IMM, 1, rd, rd, (int32_t)rvc_shamt(c));
    case 1:                                         /* c.fldsp */
        return ext->d ? enc_i(RV_OPC_LOAD_FP, 3, rd, 2, (int32_t)ld_d) : 0;
    case 2:                                         /* c.lwsp; rd = 0 reserved */
        return rd ? enc_i(RV_OPC_LOAD, 2, rd, 2, (int32_t)ld_w) : 0;
    case 3:                                         /* c.ldsp; rd = 0 reserved */
        return rd ? enc_i(RV_OPC_LOAD, 3, rd, 2, (int32_t)ld_d) : 0;
    case 4:
        return rvc_q2_cr(c);
    case 5:                                         /* c.fsdsp */
        return ext->d ? enc_s(RV_OPC_STORE_FP, 3, 2, rs2, (int32_t)st_d) : 0;
    case 6:                                         /* c.swsp */
        return enc_s(RV_OPC_STORE, 2, 2, rs2, (int32_t)st_w);
    default:                                        /* c.sdsp */
        return enc_s(RV_OPC_STORE, 3, 2, rs2, (int32_t)st_d);
    }
}

uint32_t rv_expand_rvc(uint32_t c, const struct rv_ext *ext)
{
    c &= 0xffff;
    /* The all-zero parcel is defined illegal (§16.5), which c.addi4spn's
     * zero-immediate rule already covers. */
    switch (c & 3) {
    case 0:
        return rvc_q0(c, ext);
    case 1:
        return rvc_q1(c);
    case 2:
        return rvc_q2(c, ext);
    default:
        return 0;
    }
}
