/*
 * Hypervisor instructions (RISC-V privileged spec 1.12 §8.3): the
 * virtual-machine loads and stores HLV, HLVX and HSV, and the fences
 * HFENCE.VVMA and HFENCE.GVMA.
 *
 * They are legal in M and HS, and HLV/HLVX/HSV in U when hstatus.HU = 1;
 * with V=1 they raise a virtual-instruction exception (§8.6.1). That
 * depends on state a TB is not keyed by, so the checks run in helpers.
 *
 * HLV and HSV access memory as VS-mode (hstatus.SPVP = 1) or VU-mode
 * would, through the guest regimes of the soft TLB: the same combined
 * two-stage translations the guest itself uses. HLVX needs execute, not
 * read, permission at both stages; it reads through the fetch permission
 * of those entries and reports its faults as loads.
 */
#include "core/machine.h"
#include "cpu-riscv/decode.h"
#include "cpu-riscv/hart.h"

/* imm layout of the HLV/HSV helpers: memop in bits 7:0, bit 8 for HLVX,
 * the instruction word in bits 63:32. */
#define RV_HLV_HLVX (1u << 8)

/* The instruction may run here; otherwise raises and returns false. */
static bool rv_hyp_insn_ok(struct rv_cpu *rv, uint32_t insn, bool vm_access)
{
    if (rv->virt) {
        rv_raise(rv, RV_EXC_VIRTUAL_INSN, insn);
        return false;
    }
    if (rv->priv == RV_PRIV_U && !(vm_access && (rv->hstatus & RV_HSTATUS_HU))) {
        rv_raise(rv, RV_EXC_ILLEGAL_INSN, insn);
        return false;
    }
    return true;
}

/* The guest regime SPVP selects (§8.2.1). */
static unsigned rv_hlv_mmu_idx(const struct rv_cpu *rv)
{
    return rv_virt_mmu_idx(rv, (rv->hstatus & RV_HSTATUS_SPVP) ? RV_PRIV_S : RV_PRIV_U);
}

/* An HLVX fault is a load fault, whatever permission it checked. */
static void rv_hlvx_as_load(struct cpu *cpu)
{
    uint32_t flags = (cpu->fault.code & ~RV_FAULT_CAUSE) | RV_FAULT_GVA;
    switch (cpu->fault.code & RV_FAULT_CAUSE) {
    case RV_EXC_INSN_PAGE: cpu->fault.code = RV_EXC_LOAD_PAGE | flags; break;
    case RV_EXC_INSN_GUEST_PAGE: cpu->fault.code = RV_EXC_LOAD_GUEST_PAGE | flags; break;
    case RV_EXC_INSN_ACCESS: cpu->fault.code = RV_EXC_LOAD_ACCESS | flags; break;
    default: cpu->fault.code |= RV_FAULT_GVA; break;
    }
}

/* HLVX.HU/WU: execute permission at both stages, and PMP read and execute
 * on the supervisor physical address (§8.3.1). */
static int rv_hlvx(struct rv_cpu *rv, uint64_t addr, unsigned size, unsigned mmu_idx, uint64_t *val)
{
    struct cpu *cpu = &rv->cpu;
    enum rv_priv priv = mmu_idx == RV_MMU_VU ? RV_PRIV_U : RV_PRIV_S;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t pa;
        if (exec_translate(cpu, addr + i, TLB_EXEC, mmu_idx, &pa) < 0) {
            rv_hlvx_as_load(cpu);
            return -1;
        }
        const uint8_t *p = memmap_host_ptr(&cpu->m->map, pa, 1);
        if (!p || !rv_pmp_allows(rv, pa, 1, TLB_READ, priv)) {
            cpu_fault_set(cpu, RV_EXC_LOAD_ACCESS | RV_FAULT_GVA, addr + i, 0);
            return -1;
        }
        v |= (uint64_t)*p << (8 * i);
    }
    *val = v;
    return 0;
}

static uint64_t rv_helper_hlv(struct cpu *cpu, uint64_t addr, uint64_t b, uint64_t c, int64_t imm)
{
    struct rv_cpu *rv = rv_of(cpu);
    struct rv_hart *h = rv_hart_of(rv);
    unsigned memop = (unsigned)imm & 0xff;
    uint64_t v = 0;
    if (!rv_hyp_insn_ok(rv, (uint32_t)((uint64_t)imm >> 32), true))
        return 0;
    unsigned idx = rv_hlv_mmu_idx(rv);
    h->hlv_active = true;
    int r = (imm & RV_HLV_HLVX) ? rv_hlvx(rv, addr, IR_MO_SIZE(memop), idx, &v)
                                : exec_load(cpu, addr, memop, idx, &v);
    h->hlv_active = false;
    if (r < 0)
        cpu->fault.code |= RV_FAULT_GVA;
    return v;
}

static uint64_t rv_helper_hsv(struct cpu *cpu, uint64_t addr, uint64_t val, uint64_t c, int64_t imm)
{
    struct rv_cpu *rv = rv_of(cpu);
    struct rv_hart *h = rv_hart_of(rv);
    if (!rv_hyp_insn_ok(rv, (uint32_t)((uint64_t)imm >> 32), true))
        return 0;
    h->hlv_active = true;
    if (exec_store(cpu, addr, (unsigned)imm & 0xff, rv_hlv_mmu_idx(rv), val) < 0)
        cpu->fault.code |= RV_FAULT_GVA;
    h->hlv_active = false;
    return 0;
}

/* imm: the instruction word. a = rs1 value, b = rs2 value. */
static uint64_t rv_helper_hfence_vvma(struct cpu *cpu, uint64_t va, uint64_t asid, uint64_t c, int64_t imm)
{
    struct rv_cpu *rv = rv_of(cpu);
    uint32_t insn = (uint32_t)imm;
    /* Neither TVM nor VTVM traps HFENCE.VVMA (§8.3.2). */
    if (!rv_hyp_insn_ok(rv, insn, false))
        return 0;
    rv_hart_of(rv)->hyp.hfence_vvma++;
    rv_fence_vvma(rv, rv_rs1(insn) != 0, va, rv_rs2(insn) != 0, asid);
    return 0;
}

static uint64_t rv_helper_hfence_gvma(struct cpu *cpu, uint64_t gpa, uint64_t vmid, uint64_t c, int64_t imm)
{
    struct rv_cpu *rv = rv_of(cpu);
    uint32_t insn = (uint32_t)imm;
    if (!rv_hyp_insn_ok(rv, insn, false))
        return 0;
    if (rv->priv == RV_PRIV_S && (rv->mstatus & RV_MSTATUS_TVM)) {
        rv_raise(rv, RV_EXC_ILLEGAL_INSN, insn);
        return 0;
    }
    rv_hart_of(rv)->hyp.hfence_gvma++;
    /* The guest physical address in rs1 is not tracked per entry: the
     * fence drops the whole VMID (allowed by §8.3.2). */
    rv_fence_gvma(rv, rv_rs2(insn) != 0, vmid);
    return 0;
}

/* ---- translation ---- */

static bool rv_trans_hlv(struct rv_dc *dc, unsigned memop, bool hlvx)
{
    if (!dc->rv->ext.h)
        return false;
    unsigned t = ir_temp(dc->b);
    int64_t imm = (int64_t)(memop | (hlvx ? RV_HLV_HLVX : 0)) | (int64_t)((uint64_t)dc->insn << 32);
    ir_call(dc->b, rv_helper_hlv, IR_CALL_MAY_FAULT, t, RV_SLOT_X(rv_rs1(dc->insn)), 0, 0, imm);
    rv_emit_set_x(dc, rv_rd(dc->insn), t);
    return true;
}

static bool rv_trans_hsv(struct rv_dc *dc, unsigned memop)
{
    if (!dc->rv->ext.h)
        return false;
    int64_t imm = (int64_t)memop | (int64_t)((uint64_t)dc->insn << 32);
    ir_call(dc->b, rv_helper_hsv, IR_CALL_MAY_FAULT | IR_CALL_NO_RESULT, 0, RV_SLOT_X(rv_rs1(dc->insn)),
            RV_SLOT_X(rv_rs2(dc->insn)), 0, imm);
    return true;
}

static bool rv_trans_hfence(struct rv_dc *dc, ir_helper_fn fn)
{
    if (!dc->rv->ext.h)
        return false;
    ir_call(dc->b, fn, IR_CALL_MAY_FAULT | IR_CALL_NO_RESULT, 0, RV_SLOT_X(rv_rs1(dc->insn)),
            RV_SLOT_X(rv_rs2(dc->insn)), 0, (int64_t)dc->insn);
    /* Code after it may now translate differently. */
    rv_emit_exit_next(dc);
    return true;
}

static bool trans_hlv_b(struct rv_dc *dc) { return rv_trans_hlv(dc, IR_MO_8 | IR_MO_SIGN, false); }
static bool trans_hlv_bu(struct rv_dc *dc) { return rv_trans_hlv(dc, IR_MO_8, false); }
static bool trans_hlv_h(struct rv_dc *dc) { return rv_trans_hlv(dc, IR_MO_16 | IR_MO_SIGN, false); }
static bool trans_hlv_hu(struct rv_dc *dc) { return rv_trans_hlv(dc, IR_MO_16, false); }
static bool trans_hlvx_hu(struct rv_dc *dc) { return rv_trans_hlv(dc, IR_MO_16, true); }
static bool trans_hlv_w(struct rv_dc *dc) { return rv_trans_hlv(dc, IR_MO_32 | IR_MO_SIGN, false); }
static bool trans_hlv_wu(struct rv_dc *dc) { return rv_trans_hlv(dc, IR_MO_32, false); }
static bool trans_hlvx_wu(struct rv_dc *dc) { return rv_trans_hlv(dc, IR_MO_32, true); }
static bool trans_hlv_d(struct rv_dc *dc) { return rv_trans_hlv(dc, IR_MO_64, false); }
static bool trans_hsv_b(struct rv_dc *dc) { return rv_trans_hsv(dc, IR_MO_8); }
static bool trans_hsv_h(struct rv_dc *dc) { return rv_trans_hsv(dc, IR_MO_16); }
static bool trans_hsv_w(struct rv_dc *dc) { return rv_trans_hsv(dc, IR_MO_32); }
static bool trans_hsv_d(struct rv_dc *dc) { return rv_trans_hsv(dc, IR_MO_64); }
static bool trans_hfence_vvma(struct rv_dc *dc) { return rv_trans_hfence(dc, rv_helper_hfence_vvma); }
static bool trans_hfence_gvma(struct rv_dc *dc) { return rv_trans_hfence(dc, rv_helper_hfence_gvma); }

/* Opcode map: priv spec 1.12 ch. 9 (table 9.1, RV64H). HLV/HLVX have
 * rs2 as a function code; HSV and HFENCE take rs2 as an operand. */
const struct rv_insn rv_insns_h[] = {
    { "hfence.vvma", 0xfe007fffu, 0x22000073u, trans_hfence_vvma, OPC_FENCE },
    { "hfence.gvma", 0xfe007fffu, 0x62000073u, trans_hfence_gvma, OPC_FENCE },
    { "hlv.b",       0xfff0707fu, 0x60004073u, trans_hlv_b, OPC_LOAD },
    { "hlv.bu",      0xfff0707fu, 0x60104073u, trans_hlv_bu, OPC_LOAD },
    { "hlv.h",       0xfff0707fu, 0x64004073u, trans_hlv_h, OPC_LOAD },
    { "hlv.hu",      0xfff0707fu, 0x64104073u, trans_hlv_hu, OPC_LOAD },
    { "hlvx.hu",     0xfff0707fu, 0x64304073u, trans_hlvx_hu, OPC_LOAD },
    { "hlv.w",       0xfff0707fu, 0x68004073u, trans_hlv_w, OPC_LOAD },
    { "hlv.wu",      0xfff0707fu, 0x68104073u, trans_hlv_wu, OPC_LOAD },
    { "hlvx.wu",     0xfff0707fu, 0x68304073u, trans_hlvx_wu, OPC_LOAD },
    { "hlv.d",       0xfff0707fu, 0x6c004073u, trans_hlv_d, OPC_LOAD },
    { "hsv.b",       0xfe007fffu, 0x62004073u, trans_hsv_b, OPC_STORE },
    { "hsv.h",       0xfe007fffu, 0x66004073u, trans_hsv_h, OPC_STORE },
    { "hsv.w",       0xfe007fffu, 0x6a004073u, trans_hsv_w, OPC_STORE },
    { "hsv.d",       0xfe007fffu, 0x6e004073u, trans_hsv_d, OPC_STORE },
    { NULL, 0, 0, NULL, 0 },
};
