/*
 * SYSTEM and cache-block instructions: Zicsr (unpriv spec ch. 9), ECALL,
 * EBREAK, MRET, SRET, WFI, SFENCE.VMA (priv spec 1.12 §3.3, §4.2.1),
 * Zicbom and Zicboz (CMO spec 1.0.1 ch. 2-3). The hypervisor's own
 * instructions are in insn_h.c.
 *
 * Everything here is a helper call. The checks that depend on state a TB
 * is not keyed by (TVM, TW, TSR, counter enables, menvcfg/senvcfg) run in
 * the helpers, at execution time. Instructions that can change the
 * privilege, translation or interrupt state end their TB.
 */
#include "cpu-riscv/decode.h"
#include "cpu-riscv/hart.h"

#define RV_CBO_BLOCK 64u        /* cache-block size, as riscv,cbo*-block-size */

enum rv_cbo_op { RV_CBO_INVAL = 0, RV_CBO_CLEAN = 1, RV_CBO_FLUSH = 2, RV_CBO_ZERO = 4 };

/* ---- Zicsr ---- */

static bool rv_trans_csr(struct rv_dc *dc, ir_helper_fn fn, bool uimm)
{
    if (!dc->rv->ext.zicsr)
        return false;
    unsigned rd = rv_rd(dc->insn), rs1 = rv_rs1(dc->insn);
    unsigned csr = dc->insn >> 20;
    unsigned src = RV_SLOT_X(rs1);
    if (uimm) {
        src = ir_temp(dc->b);
        ir_movi(dc->b, src, rs1);
    }
    unsigned t = ir_temp(dc->b);
    /* The instruction word rides in the high half: it is the tval of an
     * illegal-instruction trap the helper raises. */
    int64_t imm = RV_CSR_IMM(csr, rd != 0, rs1 != 0) | (int64_t)((uint64_t)dc->insn << 32);
    ir_call(dc->b, fn, IR_CALL_MAY_FAULT, t, src, 0, 0, imm);
    rv_emit_set_x(dc, rd, t);
    /* A CSR write may change interrupts, translation or the TB flags. */
    rv_emit_exit_next(dc);
    return true;
}

static bool trans_csrrw(struct rv_dc *dc) { return rv_trans_csr(dc, rv_helper_csrrw, false); }
static bool trans_csrrs(struct rv_dc *dc) { return rv_trans_csr(dc, rv_helper_csrrs, false); }
static bool trans_csrrc(struct rv_dc *dc) { return rv_trans_csr(dc, rv_helper_csrrc, false); }
static bool trans_csrrwi(struct rv_dc *dc) { return rv_trans_csr(dc, rv_helper_csrrw, true); }
static bool trans_csrrsi(struct rv_dc *dc) { return rv_trans_csr(dc, rv_helper_csrrs, true); }
static bool trans_csrrci(struct rv_dc *dc) { return rv_trans_csr(dc, rv_helper_csrrc, true); }

/* ---- traps and returns ---- */

static bool trans_ecall(struct rv_dc *dc)
{
    ir_call(dc->b, rv_helper_ecall, IR_CALL_MAY_FAULT | IR_CALL_NO_RESULT, 0, 0, 0, 0, (int64_t)dc->pc);
    rv_emit_exit_next(dc);
    return true;
}

static bool trans_ebreak(struct rv_dc *dc)
{
    ir_call(dc->b, rv_helper_ebreak, IR_CALL_MAY_FAULT | IR_CALL_NO_RESULT, 0, 0, 0, 0, (int64_t)dc->pc);
    rv_emit_exit_next(dc);
    return true;
}

/* xRET writes the pc slot itself (xepc), so the TB ends with a bare exit. */
static bool rv_trans_xret(struct rv_dc *dc, ir_helper_fn fn)
{
    ir_call(dc->b, fn, IR_CALL_MAY_FAULT | IR_CALL_NO_RESULT, 0, 0, 0, 0, (int64_t)dc->pc);
    ir_exit(dc->b);
    dc->end_tb = true;
    return true;
}

static bool trans_mret(struct rv_dc *dc) { return rv_trans_xret(dc, rv_helper_mret); }
static bool trans_sret(struct rv_dc *dc) { return rv_trans_xret(dc, rv_helper_sret); }

/* A WFI that sleeps kicks the hart out of its chain of TBs (the helper);
 * one that returns at once, as it must with an enabled interrupt pending
 * (priv 1.12 §3.3.3), goes on to the next TB like a jump, so a firmware
 * loop around WFI costs no trip through the TB lookup. */
static bool trans_wfi(struct rv_dc *dc)
{
    ir_call(dc->b, rv_helper_wfi, IR_CALL_MAY_FAULT | IR_CALL_NO_RESULT, 0, 0, 0, 0, (int64_t)dc->pc);
    rv_emit_jump(dc, dc->next_pc, 0);
    return true;
}

static bool trans_sfence_vma(struct rv_dc *dc)
{
    ir_call(dc->b, rv_helper_sfence_vma, IR_CALL_MAY_FAULT | IR_CALL_NO_RESULT, 0, RV_SLOT_X(rv_rs1(dc->insn)),
            RV_SLOT_X(rv_rs2(dc->insn)), 0, (int64_t)dc->insn);
    /* Code after it may now translate differently. */
    rv_emit_exit_next(dc);
    return true;
}

/* ---- Zicbom, Zicboz ---- */

/* CMO spec §2.5.3-4: below M, menvcfg enables each kind for all modes,
 * henvcfg for VS and VU, senvcfg for U and VU. CBIE = 0 disables
 * cbo.inval; 1 and 3 permit it. Returns 0, or the exception to raise: a
 * virtual instruction when only henvcfg or (in VU) senvcfg forbids it. */
static int rv_cbo_check(const struct rv_cpu *rv, enum rv_cbo_op op)
{
    uint64_t field;
    switch (op) {
    case RV_CBO_INVAL: field = RV_ENVCFG_CBIE; break;
    case RV_CBO_ZERO: field = RV_ENVCFG_CBZE; break;
    default: field = RV_ENVCFG_CBCFE; break;
    }
    if (rv->priv == RV_PRIV_M)
        return 0;
    if (!(rv->menvcfg & field))
        return RV_EXC_ILLEGAL_INSN;
    if (rv->virt && !(rv->henvcfg & field))
        return RV_EXC_VIRTUAL_INSN;
    if (rv->priv == RV_PRIV_U && !(rv->senvcfg & field))
        return rv->virt ? RV_EXC_VIRTUAL_INSN : RV_EXC_ILLEGAL_INSN;
    return 0;
}

/* imm: mmu_idx in bits 7:0, the operation in 15:8, the instruction word in 63:32. */
static uint64_t rv_helper_cbo(struct cpu *cpu, uint64_t addr, uint64_t b, uint64_t c, int64_t imm)
{
    struct rv_cpu *rv = rv_of(cpu);
    unsigned mmu_idx = (unsigned)imm & 0xff;
    enum rv_cbo_op op = (enum rv_cbo_op)(((uint64_t)imm >> 8) & 0xff);
    int exc = rv_cbo_check(rv, op);
    if (exc) {
        rv_raise(rv, (enum rv_exc)exc, (uint64_t)imm >> 32);
        return 0;
    }
    if (op == RV_CBO_ZERO) {
        /* The block lies in one page: only the first store can fault. */
        uint64_t block = addr & ~(uint64_t)(RV_CBO_BLOCK - 1);
        for (unsigned off = 0; off < RV_CBO_BLOCK; off += 8)
            if (exec_store(cpu, block + off, IR_MO_64, mmu_idx, 0) < 0)
                break;
    } else {
        /* Memory is always coherent here: clean, flush and inval only
         * check permission, faulting as a store would (CMO spec §2.5.2). */
        uint64_t phys;
        if (exec_translate(cpu, addr, TLB_WRITE, mmu_idx, &phys) < 0)
            return 0;
    }
    return 0;
}

static bool rv_trans_cbo(struct rv_dc *dc, enum rv_cbo_op op)
{
    bool on = op == RV_CBO_ZERO ? dc->rv->ext.zicboz : dc->rv->ext.zicbom;
    if (!on)
        return false;
    int64_t imm = (int64_t)(dc->mmu_idx | ((unsigned)op << 8)) | (int64_t)((uint64_t)dc->insn << 32);
    ir_call(dc->b, rv_helper_cbo, IR_CALL_MAY_FAULT | IR_CALL_NO_RESULT, 0, RV_SLOT_X(rv_rs1(dc->insn)), 0, 0,
            imm);
    return true;
}

static bool trans_cbo_inval(struct rv_dc *dc) { return rv_trans_cbo(dc, RV_CBO_INVAL); }
static bool trans_cbo_clean(struct rv_dc *dc) { return rv_trans_cbo(dc, RV_CBO_CLEAN); }
static bool trans_cbo_flush(struct rv_dc *dc) { return rv_trans_cbo(dc, RV_CBO_FLUSH); }
static bool trans_cbo_zero(struct rv_dc *dc) { return rv_trans_cbo(dc, RV_CBO_ZERO); }

/* Opcode map: priv spec 1.12 ch. 9 (table 9.1), unpriv ch. 24, CMO ch. 3. */
const struct rv_insn rv_insns_system[] = {
    { "ecall",      0xffffffffu, 0x00000073u, trans_ecall, OPC_SYSTEM },
    { "ebreak",     0xffffffffu, 0x00100073u, trans_ebreak, OPC_SYSTEM },
    { "sret",       0xffffffffu, 0x10200073u, trans_sret, OPC_SYSTEM },
    { "mret",       0xffffffffu, 0x30200073u, trans_mret, OPC_SYSTEM },
    { "wfi",        0xffffffffu, 0x10500073u, trans_wfi, OPC_SYSTEM },
    { "sfence.vma", 0xfe007fffu, 0x12000073u, trans_sfence_vma, OPC_FENCE },
    { "csrrw",      0x0000707fu, 0x00001073u, trans_csrrw, OPC_CSR },
    { "csrrs",      0x0000707fu, 0x00002073u, trans_csrrs, OPC_CSR },
    { "csrrc",      0x0000707fu, 0x00003073u, trans_csrrc, OPC_CSR },
    { "csrrwi",     0x0000707fu, 0x00005073u, trans_csrrwi, OPC_CSR },
    { "csrrsi",     0x0000707fu, 0x00006073u, trans_csrrsi, OPC_CSR },
    { "csrrci",     0x0000707fu, 0x00007073u, trans_csrrci, OPC_CSR },
    { "cbo.inval",  0xfff07fffu, 0x0000200fu, trans_cbo_inval, OPC_STORE },
    { "cbo.clean",  0xfff07fffu, 0x0010200fu, trans_cbo_clean, OPC_STORE },
    { "cbo.flush",  0xfff07fffu, 0x0020200fu, trans_cbo_flush, OPC_STORE },
    { "cbo.zero",   0xfff07fffu, 0x0040200fu, trans_cbo_zero, OPC_STORE },
    { NULL, 0, 0, NULL, 0 },
};
