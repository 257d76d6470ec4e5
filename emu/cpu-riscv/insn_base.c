/*
 * RV64I base integer instructions and Zifencei (unpriv spec 20191213
 * ch. 2 "RV32I", ch. 5 "RV64I", ch. 3 "Zifencei").
 *
 * Results are written straight into the destination slot: every IR op reads
 * its sources before it writes d, so rd == rs1 needs no temp. Instructions
 * with rd = x0 and no side effect are HINTs or NOPs (§2.9) and emit nothing.
 */
#include "cpu-riscv/decode.h"

#define X(n) RV_SLOT_X(n)

/* Ops of OP-IMM and OP indexed by funct3 | insn[30] << 3 (unpriv §2.4). */
static const uint8_t rv_op_reg[16] = {
    [0] = IR_ADD, [1] = IR_SHL, [4] = IR_XOR, [5] = IR_SHR, [6] = IR_OR, [7] = IR_AND,
    [8] = IR_SUB, [13] = IR_SAR,
};
static const uint8_t rv_op_imm[16] = {
    [0] = IR_ADDI, [1] = IR_SHLI, [4] = IR_XORI, [5] = IR_SHRI, [6] = IR_ORI, [7] = IR_ANDI,
    [13] = IR_SARI,
};
/* Branch conditions by funct3 (§2.5); funct3 2 and 3 are reserved and
 * have no row. The inverse of a condition is cond ^ 1. */
static const uint8_t rv_branch_cond[8] = {
    [0] = IR_EQ, [1] = IR_NE, [4] = IR_LT, [5] = IR_GE, [6] = IR_LTU, [7] = IR_GEU,
};

static unsigned rv_alt_index(uint32_t insn)
{
    return rv_funct3(insn) | (((insn >> 30) & 1) << 3);
}

/* With C off, a target that is not 4-byte aligned raises
 * instruction-address-misaligned on the jump (§2.5); with C on, bit 0 is
 * never set here (JALR clears it, offsets are even). */
static bool rv_target_misaligned(const struct rv_dc *dc, uint64_t target)
{
    return !dc->rv->ext.c && (target & 2) != 0;
}

static bool trans_lui(struct rv_dc *dc)
{
    unsigned rd = rv_rd(dc->insn);

    if (rd)
        ir_movi(dc->b, X(rd), rv_imm_u(dc->insn));
    return true;
}

static bool trans_auipc(struct rv_dc *dc)
{
    unsigned rd = rv_rd(dc->insn);

    if (rd)
        ir_movi(dc->b, X(rd), (int64_t)(dc->pc + (uint64_t)rv_imm_u(dc->insn)));
    return true;
}

static bool trans_jal(struct rv_dc *dc)
{
    unsigned rd = rv_rd(dc->insn);
    uint64_t target = dc->pc + (uint64_t)rv_imm_j(dc->insn);

    if (rv_target_misaligned(dc, target)) {
        rv_emit_exception(dc, RV_EXC_INSN_MISALIGNED, target);
        return true;
    }
    if (rd)
        ir_movi(dc->b, X(rd), (int64_t)dc->next_pc);
    rv_emit_jump(dc, target, 0);
    return true;
}

static uint64_t rv_helper_check_target(struct cpu *cpu, uint64_t target, uint64_t b, uint64_t c, int64_t imm)
{
    if (target & 2)
        rv_raise(rv_of(cpu), RV_EXC_INSN_MISALIGNED, target);
    return 0;
}

static bool trans_jalr(struct rv_dc *dc)
{
    unsigned rd = rv_rd(dc->insn), rs1 = rv_rs1(dc->insn);
    int64_t imm = rv_imm_i(dc->insn);
    unsigned t = ir_temp(dc->b);

    /* The target is computed before rd is written: rd may equal rs1. */
    if (imm == 0) {
        ir_alui(dc->b, IR_ANDI, t, X(rs1), ~(int64_t)1);
    } else {
        ir_alui(dc->b, IR_ADDI, t, X(rs1), imm);
        ir_alui(dc->b, IR_ANDI, t, t, ~(int64_t)1);
    }
    if (!dc->rv->ext.c)
        ir_call(dc->b, rv_helper_check_target, IR_CALL_MAY_FAULT | IR_CALL_NO_RESULT, 0, t, 0, 0, 0);
    if (rd)
        ir_movi(dc->b, X(rd), (int64_t)dc->next_pc);
    ir_goto_ptr(dc->b, t);
    dc->end_tb = true;
    return true;
}

/* BRCOND leaves through jump slot 0 when taken; the fall-through goes out
 * through slot 1. */
static bool trans_branch(struct rv_dc *dc)
{
    enum ir_cond cond = (enum ir_cond)rv_branch_cond[rv_funct3(dc->insn)];
    unsigned rs1 = X(rv_rs1(dc->insn)), rs2 = X(rv_rs2(dc->insn));
    uint64_t target = dc->pc + (uint64_t)rv_imm_b(dc->insn);

    if (rv_target_misaligned(dc, target)) {
        /* Only a taken branch raises (§2.5): leave for next_pc when the
         * condition fails, raise otherwise. */
        ir_brcond(dc->b, (enum ir_cond)(cond ^ 1), rs1, rs2, dc->next_pc);
        rv_emit_exception(dc, RV_EXC_INSN_MISALIGNED, target);
        return true;
    }
    ir_brcond(dc->b, cond, rs1, rs2, target);
    rv_emit_jump(dc, dc->next_pc, 1);
    return true;
}

/* Loads (§2.6, §5.3): a load into x0 still accesses memory so that it
 * faults as any other load, but its value goes to a temp. */
static bool trans_load(struct rv_dc *dc)
{
    unsigned f3 = rv_funct3(dc->insn), rd = rv_rd(dc->insn);
    unsigned memop = (f3 & 3) | ((f3 & 4) || f3 == 3 ? 0u : IR_MO_SIGN);
    unsigned d = rd ? X(rd) : ir_temp(dc->b);

    ir_ld(dc->b, d, X(rv_rs1(dc->insn)), rv_imm_i(dc->insn), memop, dc->mmu_idx);
    return true;
}

static bool trans_store(struct rv_dc *dc)
{
    ir_st(dc->b, X(rv_rs1(dc->insn)), rv_imm_s(dc->insn), X(rv_rs2(dc->insn)), rv_funct3(dc->insn) & 3,
          dc->mmu_idx);
    return true;
}

static bool trans_op_imm(struct rv_dc *dc)
{
    unsigned rd = rv_rd(dc->insn), rs1 = rv_rs1(dc->insn), f3 = rv_funct3(dc->insn);
    int64_t imm = rv_imm_i(dc->insn);

    if (rd == 0)
        return true;
    switch (f3) {
    case 2:
        ir_setcondi(dc->b, IR_LT, X(rd), X(rs1), imm);
        return true;
    case 3:
        /* SLTIU compares with the sign-extended immediate as unsigned. */
        ir_setcondi(dc->b, IR_LTU, X(rd), X(rs1), imm);
        return true;
    case 1:
    case 5:
        /* Shifts: shamt is imm[5:0]; insn[30] selects SRAI (§5.2.1). */
        ir_alui(dc->b, (enum ir_opc)rv_op_imm[rv_alt_index(dc->insn)], X(rd), X(rs1), imm & 63);
        return true;
    default:
        if (f3 == 0 && rs1 == 0)
            ir_movi(dc->b, X(rd), imm);             /* li */
        else if (f3 == 0 && imm == 0)
            rv_emit_set_x(dc, rd, X(rs1));          /* mv */
        else
            ir_alui(dc->b, (enum ir_opc)rv_op_imm[f3], X(rd), X(rs1), imm);
        return true;
    }
}

static bool trans_op(struct rv_dc *dc)
{
    unsigned rd = rv_rd(dc->insn), rs1 = X(rv_rs1(dc->insn)), rs2 = X(rv_rs2(dc->insn));
    unsigned f3 = rv_funct3(dc->insn);

    if (rd == 0)
        return true;
    if (f3 == 2 || f3 == 3)
        ir_setcond(dc->b, f3 == 2 ? IR_LT : IR_LTU, X(rd), rs1, rs2);
    else
        ir_alu(dc->b, (enum ir_opc)rv_op_reg[rv_alt_index(dc->insn)], X(rd), rs1, rs2);
    return true;
}

/* OP-IMM-32 (§5.2.1): results are the sign-extended low 32 bits. */
static bool trans_op_imm_32(struct rv_dc *dc)
{
    unsigned rd = rv_rd(dc->insn), rs1 = X(rv_rs1(dc->insn));
    unsigned shamt = rv_rs2(dc->insn);
    struct ir_builder *b = dc->b;

    if (rd == 0)
        return true;
    /* For addiw, bit 30 is part of the immediate, not a function bit. */
    switch (rv_funct3(dc->insn) == 0 ? 0 : rv_alt_index(dc->insn)) {
    case 0:                                         /* addiw */
        ir_alui(b, IR_ADDI, X(rd), rs1, rv_imm_i(dc->insn));
        ir_alu(b, IR_EXT32S, X(rd), X(rd), 0);
        break;
    case 1:                                         /* slliw */
        ir_alui(b, IR_SHLI, X(rd), rs1, shamt);
        ir_alu(b, IR_EXT32S, X(rd), X(rd), 0);
        break;
    case 5:                                         /* srliw */
        if (shamt == 0) {
            ir_alu(b, IR_EXT32S, X(rd), rs1, 0);
        } else {
            /* A right shift by >= 1 of a zero-extended word leaves bit 31
             * clear, so the result is already sign-extended. */
            ir_alu(b, IR_EXT32U, X(rd), rs1, 0);
            ir_alui(b, IR_SHRI, X(rd), X(rd), shamt);
        }
        break;
    default:                                        /* sraiw */
        ir_alu(b, IR_EXT32S, X(rd), rs1, 0);
        if (shamt)
            ir_alui(b, IR_SARI, X(rd), X(rd), shamt);
        break;
    }
    return true;
}

/* OP-32 (§5.2.2): shift amounts are rs2[4:0]. */
static bool trans_op_32(struct rv_dc *dc)
{
    unsigned rd = rv_rd(dc->insn), rs1 = X(rv_rs1(dc->insn)), rs2 = X(rv_rs2(dc->insn));
    struct ir_builder *b = dc->b;
    unsigned idx = rv_alt_index(dc->insn), t;

    if (rd == 0)
        return true;
    if (idx == 0 || idx == 8) {                     /* addw, subw */
        ir_alu(b, idx ? IR_SUB : IR_ADD, X(rd), rs1, rs2);
        ir_alu(b, IR_EXT32S, X(rd), X(rd), 0);
        return true;
    }
    t = ir_temp(b);
    ir_alui(b, IR_ANDI, t, rs2, 31);
    if (idx == 1) {                                 /* sllw */
        ir_alu(b, IR_SHL, X(rd), rs1, t);
        ir_alu(b, IR_EXT32S, X(rd), X(rd), 0);
    } else if (idx == 5) {                          /* srlw */
        ir_alu(b, IR_EXT32U, X(rd), rs1, 0);
        ir_alu(b, IR_SHR, X(rd), X(rd), t);
        ir_alu(b, IR_EXT32S, X(rd), X(rd), 0);
    } else {                                        /* sraw */
        ir_alu(b, IR_EXT32S, X(rd), rs1, 0);
        ir_alu(b, IR_SAR, X(rd), X(rd), t);
    }
    return true;
}

/* FENCE (§2.7) orders memory accesses as seen by other harts and devices.
 * Harts run one at a time and each performs its accesses in program order,
 * and device accesses complete synchronously, so every access is already
 * ordered: FENCE (and FENCE.TSO, PAUSE) is a no-op. */
static bool trans_fence(struct rv_dc *dc)
{
    return true;
}

/* FENCE.I (Zifencei ch. 3): a store into a page holding translated code
 * already invalidates that code, so all that is left is to stop executing
 * this TB: the instruction after FENCE.I is looked up, and if needed
 * translated, afresh. */
static bool trans_fence_i(struct rv_dc *dc)
{
    if (!dc->rv->ext.zifencei)
        return false;
    rv_emit_exit_next(dc);
    return true;
}

/* Encodings from the RV32/64G opcode map (unpriv spec ch. 24, table 24.2). */
const struct rv_insn rv_insns_base[] = {
    { "lui",     0x0000007f, 0x00000037, trans_lui,       OPC_INT_ALU },
    { "auipc",   0x0000007f, 0x00000017, trans_auipc,     OPC_INT_ALU },
    { "jal",     0x0000007f, 0x0000006f, trans_jal,       OPC_JUMP },
    { "jalr",    0x0000707f, 0x00000067, trans_jalr,      OPC_JUMP },
    { "beq",     0x0000707f, 0x00000063, trans_branch,    OPC_BRANCH },
    { "bne",     0x0000707f, 0x00001063, trans_branch,    OPC_BRANCH },
    { "blt",     0x0000707f, 0x00004063, trans_branch,    OPC_BRANCH },
    { "bge",     0x0000707f, 0x00005063, trans_branch,    OPC_BRANCH },
    { "bltu",    0x0000707f, 0x00006063, trans_branch,    OPC_BRANCH },
    { "bgeu",    0x0000707f, 0x00007063, trans_branch,    OPC_BRANCH },
    { "lb",      0x0000707f, 0x00000003, trans_load,      OPC_LOAD },
    { "lh",      0x0000707f, 0x00001003, trans_load,      OPC_LOAD },
    { "lw",      0x0000707f, 0x00002003, trans_load,      OPC_LOAD },
    { "ld",      0x0000707f, 0x00003003, trans_load,      OPC_LOAD },
    { "lbu",     0x0000707f, 0x00004003, trans_load,      OPC_LOAD },
    { "lhu",     0x0000707f, 0x00005003, trans_load,      OPC_LOAD },
    { "lwu",     0x0000707f, 0x00006003, trans_load,      OPC_LOAD },
    { "sb",      0x0000707f, 0x00000023, trans_store,     OPC_STORE },
    { "sh",      0x0000707f, 0x00001023, trans_store,     OPC_STORE },
    { "sw",      0x0000707f, 0x00002023, trans_store,     OPC_STORE },
    { "sd",      0x0000707f, 0x00003023, trans_store,     OPC_STORE },
    { "addi",    0x0000707f, 0x00000013, trans_op_imm,    OPC_INT_ALU },
    { "slli",    0xfc00707f, 0x00001013, trans_op_imm,    OPC_INT_ALU },
    { "slti",    0x0000707f, 0x00002013, trans_op_imm,    OPC_INT_ALU },
    { "sltiu",   0x0000707f, 0x00003013, trans_op_imm,    OPC_INT_ALU },
    { "xori",    0x0000707f, 0x00004013, trans_op_imm,    OPC_INT_ALU },
    { "srli",    0xfc00707f, 0x00005013, trans_op_imm,    OPC_INT_ALU },
    { "srai",    0xfc00707f, 0x40005013, trans_op_imm,    OPC_INT_ALU },
    { "ori",     0x0000707f, 0x00006013, trans_op_imm,    OPC_INT_ALU },
    { "andi",    0x0000707f, 0x00007013, trans_op_imm,    OPC_INT_ALU },
    { "add",     0xfe00707f, 0x00000033, trans_op,        OPC_INT_ALU },
    { "sub",     0xfe00707f, 0x40000033, trans_op,        OPC_INT_ALU },
    { "sll",     0xfe00707f, 0x00001033, trans_op,        OPC_INT_ALU },
    { "slt",     0xfe00707f, 0x00002033, trans_op,        OPC_INT_ALU },
    { "sltu",    0xfe00707f, 0x00003033, trans_op,        OPC_INT_ALU },
    { "xor",     0xfe00707f, 0x00004033, trans_op,        OPC_INT_ALU },
    { "srl",     0xfe00707f, 0x00005033, trans_op,        OPC_INT_ALU },
    { "sra",     0xfe00707f, 0x40005033, trans_op,        OPC_INT_ALU },
    { "or",      0xfe00707f, 0x00006033, trans_op,        OPC_INT_ALU },
    { "and",     0xfe00707f, 0x00007033, trans_op,        OPC_INT_ALU },
    { "addiw",   0x0000707f, 0x0000001b, trans_op_imm_32, OPC_INT_ALU },
    { "slliw",   0xfe00707f, 0x0000101b, trans_op_imm_32, OPC_INT_ALU },
    { "srliw",   0xfe00707f, 0x0000501b, trans_op_imm_32, OPC_INT_ALU },
    { "sraiw",   0xfe00707f, 0x4000501b, trans_op_imm_32, OPC_INT_ALU },
    { "addw",    0xfe00707f, 0x0000003b, trans_op_32,     OPC_INT_ALU },
    { "subw",    0xfe00707f, 0x4000003b, trans_op_32,     OPC_INT_ALU },
    { "sllw",    0xfe00707f, 0x0000103b, trans_op_32,     OPC_INT_ALU },
    { "srlw",    0xfe00707f, 0x0000503b, trans_op_32,     OPC_INT_ALU },
    { "sraw",    0xfe00707f, 0x4000503b, trans_op_32,     OPC_INT_ALU },
    { "fence",   0x0000707f, 0x0000000f, trans_fence,     OPC_FENCE },
    { "fence.i", 0x0000707f, 0x0000100f, trans_fence_i,   OPC_FENCE },
    { NULL, 0, 0, NULL, 0 },
};
