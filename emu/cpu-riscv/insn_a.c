/*
 * A: atomic memory operations (unpriv spec 20191213 ch. 8).
 *
 * Harts run one at a time and an instruction never yields half-way, so a
 * helper that reads and writes guest RAM through one host pointer is
 * atomic with respect to every other hart and device. aq/rl only order
 * accesses between harts and need no action for the same reason.
 *
 * The LR/SC reservation is rv->lr_addr/lr_valid. Because harts interleave,
 * another hart may write the reserved word between LR and SC without this
 * hart seeing it; SC therefore also checks that memory still holds the value
 * LR read (rv->lr_val), which makes a lock taken
 * elsewhere in between fail the SC as the spec requires (§8.2).
 */
#include "cpu-riscv/decode.h"

#define X(n) RV_SLOT_X(n)

/* Helper imm: mmu_idx in bits 3:0, log2 of the size in bits 5:4,
 * funct5 in bits 12:8. */
#define RV_AMO_IMM(mmu_idx, lg, f5) ((int64_t)((mmu_idx) | ((lg) << 4) | ((f5) << 8)))

enum rv_amo_op {
    RV_AMO_ADD = 0x00, RV_AMO_SWAP = 0x01, RV_AMO_LR = 0x02, RV_AMO_SC = 0x03,
    RV_AMO_XOR = 0x04, RV_AMO_OR = 0x08, RV_AMO_AND = 0x0c,
    RV_AMO_MIN = 0x10, RV_AMO_MAX = 0x14, RV_AMO_MINU = 0x18, RV_AMO_MAXU = 0x1c,
};

static unsigned rv_amo_mmu(int64_t imm) { return (unsigned)imm & 15; }
static unsigned rv_amo_lg(int64_t imm) { return ((unsigned)imm >> 4) & 3; }
static unsigned rv_amo_f5(int64_t imm) { return ((unsigned)imm >> 8) & 31; }

/* Guest memory is little-endian whatever the host (unpriv §1.4). The
 * result of a word access is sign-extended (§8.4). */
static uint64_t rv_amo_read(const uint8_t *p, unsigned lg)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < (1u << lg); i++)
        v |= (uint64_t)p[i] << (8 * i);
    return lg == 2 ? (uint64_t)(int64_t)(int32_t)v : v;
}

static void rv_amo_write(uint8_t *p, unsigned lg, uint64_t v)
{
    for (unsigned i = 0; i < (1u << lg); i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The new memory value of an AMO (§8.4). For .W both operands are the
 * sign-extended words, which orders signed values correctly; unsigned
 * compares look at the low 32 bits only. */
static uint64_t rv_amo_compute(unsigned f5, uint64_t old, uint64_t src, unsigned lg)
{
    uint64_t mask = lg == 2 ? 0xffffffffu : ~(uint64_t)0;

    switch (f5) {
    case RV_AMO_ADD:  return old + src;
    case RV_AMO_XOR:  return old ^ src;
    case RV_AMO_OR:   return old | src;
    case RV_AMO_AND:  return old & src;
    case RV_AMO_MIN:  return (int64_t)old < (int64_t)src ? old : src;
    case RV_AMO_MAX:  return (int64_t)old > (int64_t)src ? old : src;
    case RV_AMO_MINU: return (old & mask) < (src & mask) ? old : src;
    case RV_AMO_MAXU: return (old & mask) > (src & mask) ? old : src;
    default:          return src;                    /* swap */
    }
}

static bool rv_amo_misaligned(uint64_t va, unsigned lg)
{
    return (va & ((1u << lg) - 1)) != 0;
}

/* LR: a misaligned address raises load-address-misaligned (priv 1.12
 * table 3.6 order, unpriv §8.2). The load goes through the ordinary path so
 * that its faults are load faults. */
static uint64_t rv_helper_lr(struct cpu *cpu, uint64_t va, uint64_t b, uint64_t c, int64_t imm)
{
    struct rv_cpu *rv = rv_of(cpu);
    unsigned lg = rv_amo_lg(imm);
    uint64_t val;

    if (rv_amo_misaligned(va, lg)) {
        rv_raise(rv, RV_EXC_LOAD_MISALIGNED, va);
        return 0;
    }
    if (exec_load(cpu, va, lg | IR_MO_SIGN, rv_amo_mmu(imm), &val) != 0)
        return 0;
    rv->lr_addr = va;
    rv->lr_valid = true;
    rv->lr_val = val;
    return val;
}

/* SC: writes 0 to rd on success, 1 on failure; every SC clears the
 * reservation (§8.2). */
static uint64_t rv_helper_sc(struct cpu *cpu, uint64_t va, uint64_t src, uint64_t c, int64_t imm)
{
    struct rv_cpu *rv = rv_of(cpu);
    unsigned lg = rv_amo_lg(imm);
    bool reserved = rv->lr_valid && rv->lr_addr == va;
    uint8_t *p;

    if (rv_amo_misaligned(va, lg)) {
        rv_raise(rv, RV_EXC_STORE_MISALIGNED, va);
        return 1;
    }
    rv->lr_valid = false;
    if (!reserved)
        return 1;
    p = exec_rmw_ptr(cpu, va, 1u << lg, rv_amo_mmu(imm));
    if (!p)
        return 1;
    if (rv_amo_read(p, lg) != rv->lr_val)
        return 1;
    rv_amo_write(p, lg, src);
    return 0;
}

/* AMO<op>: rd = old memory value, memory = op(old, rs2) (§8.4). */
static uint64_t rv_helper_amo(struct cpu *cpu, uint64_t va, uint64_t src, uint64_t c, int64_t imm)
{
    unsigned lg = rv_amo_lg(imm);
    uint64_t old;
    uint8_t *p;

    if (rv_amo_misaligned(va, lg)) {
        rv_raise(rv_of(cpu), RV_EXC_STORE_MISALIGNED, va);
        return 0;
    }
    p = exec_rmw_ptr(cpu, va, 1u << lg, rv_amo_mmu(imm));
    if (!p)
        return 0;
    old = rv_amo_read(p, lg);
    if (lg == 2)
        src = (uint64_t)(int64_t)(int32_t)src;
    rv_amo_write(p, lg, rv_amo_compute(rv_amo_f5(imm), old, src, lg));
    return old;
}

/* A faulting helper abandons the TB before d is written (exec.h), so the
 * result goes straight to rd even when rd is rs1. With rd = x0 the access
 * still happens and the result goes to a temp. */
static bool trans_amo(struct rv_dc *dc)
{
    unsigned f5 = dc->insn >> 27, lg = rv_funct3(dc->insn), rd = rv_rd(dc->insn);
    ir_helper_fn fn = f5 == RV_AMO_LR ? rv_helper_lr : f5 == RV_AMO_SC ? rv_helper_sc : rv_helper_amo;

    if (!dc->rv->ext.a)
        return false;
    ir_call(dc->b, fn, IR_CALL_MAY_FAULT, rd ? X(rd) : ir_temp(dc->b), X(rv_rs1(dc->insn)),
            X(rv_rs2(dc->insn)), 0, RV_AMO_IMM(dc->mmu_idx, lg, f5));
    return true;
}

/* funct5 in bits 31:27, aq/rl in 26:25, funct3 = 2 (.W) or 3 (.D). */
const struct rv_insn rv_insns_a[] = {
    { "lr.w",      0xf9f0707f, 0x1000202f, trans_amo, OPC_ATOMIC },
    { "sc.w",      0xf800707f, 0x1800202f, trans_amo, OPC_ATOMIC },
    { "amoswap.w", 0xf800707f, 0x0800202f, trans_amo, OPC_ATOMIC },
    { "amoadd.w",  0xf800707f, 0x0000202f, trans_amo, OPC_ATOMIC },
    { "amoxor.w",  0xf800707f, 0x2000202f, trans_amo, OPC_ATOMIC },
    { "amoand.w",  0xf800707f, 0x6000202f, trans_amo, OPC_ATOMIC },
    { "amoor.w",   0xf800707f, 0x4000202f, trans_amo, OPC_ATOMIC },
    { "amomin.w",  0xf800707f, 0x8000202f, trans_amo, OPC_ATOMIC },
    { "amomax.w",  0xf800707f, 0xa000202f, trans_amo, OPC_ATOMIC },
    { "amominu.w", 0xf800707f, 0xc000202f, trans_amo, OPC_ATOMIC },
    { "amomaxu.w", 0xf800707f, 0xe000202f, trans_amo, OPC_ATOMIC },
    { "lr.d",      0xf9f0707f, 0x1000302f, trans_amo, OPC_ATOMIC },
    { "sc.d",      0xf800707f, 0x1800302f, trans_amo, OPC_ATOMIC },
    { "amoswap.d", 0xf800707f, 0x0800302f, trans_amo, OPC_ATOMIC },
    { "amoadd.d",  0xf800707f, 0x0000302f, trans_amo, OPC_ATOMIC },
    { "amoxor.d",  0xf800707f, 0x2000302f, trans_amo, OPC_ATOMIC },
    { "amoand.d",  0xf800707f, 0x6000302f, trans_amo, OPC_ATOMIC },
    { "amoor.d",   0xf800707f, 0x4000302f, trans_amo, OPC_ATOMIC },
    { "amomin.d",  0xf800707f, 0x8000302f, trans_amo, OPC_ATOMIC },
    { "amomax.d",  0xf800707f, 0xa000302f, trans_amo, OPC_ATOMIC },
    { "amominu.d", 0xf800707f, 0xc000302f, trans_amo, OPC_ATOMIC },
    { "amomaxu.d", 0xf800707f, 0xe000302f, trans_amo, OPC_ATOMIC },
    { NULL, 0, 0, NULL, 0 },
};
