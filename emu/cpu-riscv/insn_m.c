/*
 * M: integer multiplication and division (unpriv spec 20191213 ch. 7).
 *
 * The IR's division ops carry the RISC-V results for division by zero and
 * overflow (§7.2 table 7.1), and its *32 forms the *W semantics, so every
 * instruction is one or two IR ops and no helper. Division never traps, so
 * rd = x0 emits nothing.
 */
#include "cpu-riscv/decode.h"

#define X(n) RV_SLOT_X(n)

/* OP funct7 = 0000001, by funct3 (§7.1, §7.2). */
static const uint8_t rv_m_op[8] = {
    IR_MUL, IR_MULHS, IR_MULHSU, IR_MULHU, IR_DIVS, IR_DIVU, IR_REMS, IR_REMU,
};
/* OP-32 funct7 = 0000001, by funct3; 1-3 are reserved (no rows). */
static const uint8_t rv_m_op_32[8] = {
    [0] = IR_MUL, [4] = IR_DIVS32, [5] = IR_DIVU32, [6] = IR_REMS32, [7] = IR_REMU32,
};

static bool trans_m(struct rv_dc *dc)
{
    unsigned rd = rv_rd(dc->insn);

    if (!dc->rv->ext.m)
        return false;
    if (rd)
        ir_alu(dc->b, (enum ir_opc)rv_m_op[rv_funct3(dc->insn)], X(rd), X(rv_rs1(dc->insn)),
               X(rv_rs2(dc->insn)));
    return true;
}

static bool trans_m_32(struct rv_dc *dc)
{
    unsigned rd = rv_rd(dc->insn), f3 = rv_funct3(dc->insn);

    if (!dc->rv->ext.m)
        return false;
    if (rd == 0)
        return true;
    ir_alu(dc->b, (enum ir_opc)rv_m_op_32[f3], X(rd), X(rv_rs1(dc->insn)), X(rv_rs2(dc->insn)));
    /* MULW: the low 32 bits of the product, sign-extended (§7.1). */
    if (f3 == 0)
        ir_alu(dc->b, IR_EXT32S, X(rd), X(rd), 0);
    return true;
}

const struct rv_insn rv_insns_m[] = {
    { "mul",    0xfe00707f, 0x02000033, trans_m,    OPC_INT_MUL },
    { "mulh",   0xfe00707f, 0x02001033, trans_m,    OPC_INT_MUL },
    { "mulhsu", 0xfe00707f, 0x02002033, trans_m,    OPC_INT_MUL },
    { "mulhu",  0xfe00707f, 0x02003033, trans_m,    OPC_INT_MUL },
    { "div",    0xfe00707f, 0x02004033, trans_m,    OPC_INT_DIV },
    { "divu",   0xfe00707f, 0x02005033, trans_m,    OPC_INT_DIV },
    { "rem",    0xfe00707f, 0x02006033, trans_m,    OPC_INT_DIV },
    { "remu",   0xfe00707f, 0x02007033, trans_m,    OPC_INT_DIV },
    { "mulw",   0xfe00707f, 0x0200003b, trans_m_32, OPC_INT_MUL },
    { "divw",   0xfe00707f, 0x0200403b, trans_m_32, OPC_INT_DIV },
    { "divuw",  0xfe00707f, 0x0200503b, trans_m_32, OPC_INT_DIV },
    { "remw",   0xfe00707f, 0x0200603b, trans_m_32, OPC_INT_DIV },
    { "remuw",  0xfe00707f, 0x0200703b, trans_m_32, OPC_INT_DIV },
    { NULL, 0, 0, NULL, 0 },
};
