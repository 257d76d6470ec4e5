/*
 * The portable IR interpreter: the reference back end, always built.
 *
 * Direct-threaded dispatch (GCC labels as values) over the TB's op array.
 * When a TB is made, interp_prepare rewrites its ops into the
 * interpreter's own codes: conditions and access sizes become part of the
 * code, so the hot ops run no switch on op->cond or op->memop. Loads and
 * stores take the inline soft-TLB fast path and fall back to the slow
 * paths of mmu/access.c. A fault abandons the TB: the instruction
 * count is rewound to the faulting instruction and the ISA delivers the
 * exception at its pc.
 *
 * The timed forms of ops (IR_LD_T ..., present only under a detailed
 * timing model) do the same and then tell the model (timing/core.h), so
 * the fast model's ops carry no timing code at all.
 */
#include <string.h>

#include "exec/ir_arith.h"
#include "exec/tb.h"
#include "mmu/tlb.h"
#include "timing/core.h"

static inline __attribute__((always_inline)) uint64_t load_host(const void *h, unsigned memop)
{
    switch (memop) {
    case IR_MO_8: return *(const uint8_t *)h;
    case IR_MO_16: { uint16_t v; memcpy(&v, h, 2); return v; }
    case IR_MO_32: { uint32_t v; memcpy(&v, h, 4); return v; }
    case IR_MO_64: { uint64_t v; memcpy(&v, h, 8); return v; }
    case IR_MO_8 | IR_MO_SIGN: return (uint64_t)(int64_t)*(const int8_t *)h;
    case IR_MO_16 | IR_MO_SIGN: { int16_t v; memcpy(&v, h, 2); return (uint64_t)(int64_t)v; }
    case IR_MO_32 | IR_MO_SIGN: { int32_t v; memcpy(&v, h, 4); return (uint64_t)(int64_t)v; }
    default: { uint64_t v; memcpy(&v, h, 8); return v; }
    }
}

static inline __attribute__((always_inline)) void store_host(void *h, unsigned memop, uint64_t v)
{
    switch (memop & 3) {
    case IR_MO_8: *(uint8_t *)h = (uint8_t)v; break;
    case IR_MO_16: { uint16_t x = (uint16_t)v; memcpy(h, &x, 2); break; }
    case IR_MO_32: { uint32_t x = (uint32_t)v; memcpy(h, &x, 4); break; }
    default: memcpy(h, &v, 8); break;
    }
}

/* An untimed load of r[a] + imm into r[d]; false when it faulted
 * (cpu->fault is set). The callers pass memop as a constant, so each copy
 * is one access width. */
static inline __attribute__((always_inline)) bool interp_load(struct cpu *cpu, unsigned d, unsigned a, int64_t imm,
                                                              unsigned memop, unsigned mmu_idx)
{
    uint64_t *r = cpu->r;
    uint64_t va = r[a] + (uint64_t)imm;
    void *h = tlb_fast(&cpu->tlb, mmu_idx, va, IR_MO_SIZE(memop), TLB_READ);
    if (__builtin_expect(h != NULL, 1)) {
        r[d] = load_host(h, memop);
        return true;
    }
    uint64_t v;
    if (exec_load(cpu, va, memop, mmu_idx, &v) < 0)
        return false;
    r[d] = v;
    return true;
}

/* An untimed store of r[src] to r[a] + imm; false when it faulted. */
static inline __attribute__((always_inline)) bool interp_store(struct cpu *cpu, unsigned a, int64_t imm, unsigned src,
                                                               unsigned memop, unsigned mmu_idx)
{
    const uint64_t *r = cpu->r;
    uint64_t va = r[a] + (uint64_t)imm;
    void *h = tlb_fast(&cpu->tlb, mmu_idx, va, IR_MO_SIZE(memop), TLB_WRITE);
    if (__builtin_expect(h != NULL, 1)) {
        store_host(h, memop, r[src]);
        return true;
    }
    return exec_store(cpu, va, memop, mmu_idx, r[src]) == 0;
}

/*
 * The interpreter's op codes: the IR's, then specialised forms that
 * interp_prepare substitutes (ir.h's codes stay valid for everything it
 * does not specialise, such as the timed forms).
 */
enum interp_opc {
    INT_BR_EQ = IR_NOPC, INT_BR_NE, INT_BR_LT, INT_BR_GE, INT_BR_LTU, INT_BR_GEU,
    INT_SET_EQ, INT_SET_NE, INT_SET_LT, INT_SET_GE, INT_SET_LTU, INT_SET_GEU,
    INT_SETI_EQ, INT_SETI_NE, INT_SETI_LT, INT_SETI_GE, INT_SETI_LTU, INT_SETI_GEU,
    INT_LD_8U, INT_LD_16U, INT_LD_32U, INT_LD_64, INT_LD_8S, INT_LD_16S, INT_LD_32S,
    INT_ST_8, INT_ST_16, INT_ST_32, INT_ST_64,
    /* Fused pairs (interp_fuse): the RV64 word ops (op, then EXT32S of its
     * result), li of a large constant, ret, jal with a link, and a branch
     * with its fall-through jump. */
    INT_ADDI_EXT32S, INT_ADD_EXT32S, INT_SUB_EXT32S, INT_SHLI_EXT32S, INT_EXT32U_SHRI, INT_MOVI_ADDI,
    INT_ANDI_GOTO_PTR, INT_MOVI_GOTO_TB,
    INT_BR_EQ_GOTO_TB, INT_BR_NE_GOTO_TB, INT_BR_LT_GOTO_TB, INT_BR_GE_GOTO_TB, INT_BR_LTU_GOTO_TB,
    INT_BR_GEU_GOTO_TB,
    /* Two accesses of one width and regime in a row (register saves and
     * restores, byte loops): the second's slots are in b and c (loads:
     * address b, result c; stores: address c, value d), its offset in
     * imm2 and its instruction's index in flags, for a fault it raises. */
    INT_LD_64_PAIR, INT_LD_8U_PAIR, INT_ST_64_PAIR,
    INT_NOPC
};

_Static_assert(INT_NOPC <= 256, "interpreter codes must fit ir_op.opc");

/* Specialised code of op, or its own IR code. Conditions are in
 * enum ir_cond order, memops in IR_MO_* order. */
static uint8_t interp_code(const struct ir_op *op)
{
    static const uint8_t ld_code[8] = {
        INT_LD_8U, INT_LD_16U, INT_LD_32U, INT_LD_64, INT_LD_8S, INT_LD_16S, INT_LD_32S, IR_LD,
    };
    switch (op->opc) {
    case IR_BRCOND: return (uint8_t)(op->cond <= IR_GEU ? INT_BR_EQ + op->cond : op->opc);
    case IR_SETCOND: return (uint8_t)(op->cond <= IR_GEU ? INT_SET_EQ + op->cond : op->opc);
    case IR_SETCONDI: return (uint8_t)(op->cond <= IR_GEU ? INT_SETI_EQ + op->cond : op->opc);
    case IR_LD: return ld_code[op->memop & 7];
    case IR_ST: return (uint8_t)(INT_ST_8 + (op->memop & 3));
    default: return op->opc;
    }
}

/*
 * The fused code for the (specialised) pair x, y, or 0 when they do not
 * fuse. A fused op does every slot write the pair did, in the same order,
 * so even temps hold what they would have: x's result goes to d, y's to c
 * (ALU pairs), or y's immediate becomes imm2 (pairs ending in a jump).
 * Of the ops that can fault only access pairs are fused; they keep y's
 * instruction index for its fault.
 */
static uint8_t interp_fused_code(const struct ir_op *x, const struct ir_op *y)
{
    bool uses_x = y->a == x->d;
    if (x->opc == y->opc && x->mmu_idx == y->mmu_idx) {
        switch (x->opc) {
        case INT_LD_64: return INT_LD_64_PAIR;
        case INT_LD_8U: return INT_LD_8U_PAIR;
        case INT_ST_64: return INT_ST_64_PAIR;
        default: break;
        }
    }
    switch (y->opc) {
    case IR_EXT32S:
        if (!uses_x)
            return 0;
        switch (x->opc) {
        case IR_ADDI: return INT_ADDI_EXT32S;
        case IR_ADD: return INT_ADD_EXT32S;
        case IR_SUB: return INT_SUB_EXT32S;
        case IR_SHLI: return INT_SHLI_EXT32S;
        default: return 0;
        }
    case IR_SHRI:
        return uses_x && x->opc == IR_EXT32U ? INT_EXT32U_SHRI : 0;
    case IR_ADDI:
        return uses_x && x->opc == IR_MOVI ? INT_MOVI_ADDI : 0;
    case IR_GOTO_PTR:
        return uses_x && x->opc == IR_ANDI ? INT_ANDI_GOTO_PTR : 0;
    case IR_GOTO_TB:
        if (x->opc == IR_MOVI)
            return INT_MOVI_GOTO_TB;
        if (x->opc >= INT_BR_EQ && x->opc <= INT_BR_GEU)
            return (uint8_t)(INT_BR_EQ_GOTO_TB + (x->opc - INT_BR_EQ));
        return 0;
    default:
        return 0;
    }
}

/* x and y as one op of code fused (see interp_fused_code and the pairs'
 * slot layout at INT_LD_64_PAIR). */
static struct ir_op interp_fuse(const struct ir_op *x, const struct ir_op *y, uint8_t fused)
{
    struct ir_op f = *x;
    f.opc = fused;
    switch (fused) {
    case INT_LD_64_PAIR:
    case INT_LD_8U_PAIR:
        f.b = y->a;
        f.c = y->d;
        f.imm2 = y->imm;
        f.flags = y->insn;
        return f;
    case INT_ST_64_PAIR:
        f.c = y->a;
        f.d = y->b;
        f.imm2 = y->imm;
        f.flags = y->insn;
        return f;
    default:
        break;
    }
    switch (y->opc) {
    case IR_GOTO_TB:
        f.c = y->c;
        f.imm2 = y->imm;
        break;
    case IR_GOTO_PTR:
        break;
    default:
        f.c = y->d;
        f.imm2 = y->imm;
        break;
    }
    return f;
}

void interp_prepare(struct tb *tb)
{
    for (unsigned i = 0; i < tb->nops; i++)
        tb->ops[i].opc = interp_code(&tb->ops[i]);
    /* Fusing shortens the array in place: the write index never passes
     * the read index. */
    unsigned n = 0;
    for (unsigned i = 0; i < tb->nops; i++) {
        uint8_t fused = i + 1 < tb->nops ? interp_fused_code(&tb->ops[i], &tb->ops[i + 1]) : 0;
        if (fused) {
            tb->ops[n++] = interp_fuse(&tb->ops[i], &tb->ops[i + 1], fused);
            i++;
        } else {
            tb->ops[n++] = tb->ops[i];
        }
    }
    tb->nops = (uint16_t)n;
}

/* The guest pc of the instruction op belongs to. */
static uint64_t op_pc(const struct tb *tb, const struct ir_op *op)
{
    return tb->pc + tb->insn_off[op->insn];
}

#define NEXT() do { op++; goto *labels[op->opc]; } while (0)

struct tb *interp_run_tb(struct cpu *cpu, struct tb *tb, struct tb ***link)
{
    static const void *const labels[INT_NOPC] = {
        [IR_MOVI] = &&l_movi, [IR_MOV] = &&l_mov,
        [IR_ADD] = &&l_add, [IR_SUB] = &&l_sub, [IR_AND] = &&l_and, [IR_OR] = &&l_or, [IR_XOR] = &&l_xor,
        [IR_SHL] = &&l_shl, [IR_SHR] = &&l_shr, [IR_SAR] = &&l_sar, [IR_MUL] = &&l_mul,
        [IR_MULHS] = &&l_mulhs, [IR_MULHU] = &&l_mulhu, [IR_MULHSU] = &&l_mulhsu,
        [IR_DIVS] = &&l_divs, [IR_DIVU] = &&l_divu, [IR_REMS] = &&l_rems, [IR_REMU] = &&l_remu,
        [IR_DIVS32] = &&l_divs32, [IR_DIVU32] = &&l_divu32, [IR_REMS32] = &&l_rems32, [IR_REMU32] = &&l_remu32,
        [IR_ADDI] = &&l_addi, [IR_ANDI] = &&l_andi, [IR_ORI] = &&l_ori, [IR_XORI] = &&l_xori,
        [IR_SHLI] = &&l_shli, [IR_SHRI] = &&l_shri, [IR_SARI] = &&l_sari,
        [IR_EXT8S] = &&l_ext8s, [IR_EXT16S] = &&l_ext16s, [IR_EXT32S] = &&l_ext32s,
        [IR_EXT8U] = &&l_ext8u, [IR_EXT16U] = &&l_ext16u, [IR_EXT32U] = &&l_ext32u,
        [IR_SETCOND] = &&l_setcond, [IR_SETCONDI] = &&l_setcondi, [IR_MOVCOND] = &&l_movcond,
        [IR_LD] = &&l_ld, [IR_ST] = &&l_st, [IR_CALL] = &&l_call,
        [IR_BRCOND] = &&l_brcond, [IR_GOTO_TB] = &&l_goto_tb, [IR_GOTO_PTR] = &&l_goto_ptr, [IR_EXIT] = &&l_exit,
        [IR_LD_T] = &&l_ld_t, [IR_ST_T] = &&l_st_t, [IR_BRCOND_T] = &&l_brcond_t, [IR_GOTO_PTR_T] = &&l_goto_ptr_t,
        [INT_BR_EQ] = &&l_br_eq, [INT_BR_NE] = &&l_br_ne, [INT_BR_LT] = &&l_br_lt, [INT_BR_GE] = &&l_br_ge,
        [INT_BR_LTU] = &&l_br_ltu, [INT_BR_GEU] = &&l_br_geu,
        [INT_SET_EQ] = &&l_set_eq, [INT_SET_NE] = &&l_set_ne, [INT_SET_LT] = &&l_set_lt, [INT_SET_GE] = &&l_set_ge,
        [INT_SET_LTU] = &&l_set_ltu, [INT_SET_GEU] = &&l_set_geu,
        [INT_SETI_EQ] = &&l_seti_eq, [INT_SETI_NE] = &&l_seti_ne, [INT_SETI_LT] = &&l_seti_lt,
        [INT_SETI_GE] = &&l_seti_ge, [INT_SETI_LTU] = &&l_seti_ltu, [INT_SETI_GEU] = &&l_seti_geu,
        [INT_LD_8U] = &&l_ld_8u, [INT_LD_16U] = &&l_ld_16u, [INT_LD_32U] = &&l_ld_32u, [INT_LD_64] = &&l_ld_64,
        [INT_LD_8S] = &&l_ld_8s, [INT_LD_16S] = &&l_ld_16s, [INT_LD_32S] = &&l_ld_32s,
        [INT_ST_8] = &&l_st_8, [INT_ST_16] = &&l_st_16, [INT_ST_32] = &&l_st_32, [INT_ST_64] = &&l_st_64,
        [INT_ADDI_EXT32S] = &&l_addi_ext32s, [INT_ADD_EXT32S] = &&l_add_ext32s, [INT_SUB_EXT32S] = &&l_sub_ext32s,
        [INT_SHLI_EXT32S] = &&l_shli_ext32s, [INT_EXT32U_SHRI] = &&l_ext32u_shri, [INT_MOVI_ADDI] = &&l_movi_addi,
        [INT_ANDI_GOTO_PTR] = &&l_andi_goto_ptr, [INT_MOVI_GOTO_TB] = &&l_movi_goto_tb,
        [INT_BR_EQ_GOTO_TB] = &&l_br_eq_goto_tb, [INT_BR_NE_GOTO_TB] = &&l_br_ne_goto_tb,
        [INT_BR_LT_GOTO_TB] = &&l_br_lt_goto_tb, [INT_BR_GE_GOTO_TB] = &&l_br_ge_goto_tb,
        [INT_BR_LTU_GOTO_TB] = &&l_br_ltu_goto_tb, [INT_BR_GEU_GOTO_TB] = &&l_br_geu_goto_tb,
        [INT_LD_64_PAIR] = &&l_ld_64_pair, [INT_LD_8U_PAIR] = &&l_ld_8u_pair, [INT_ST_64_PAIR] = &&l_st_64_pair,
    };
    uint64_t *r = cpu->r;
    const struct ir_op *op = tb->ops;
    const unsigned pc_slot = cpu->isa->pc_slot;
    unsigned slot, fault_insn;

    *link = NULL;
    goto *labels[op->opc];

l_movi:   r[op->d] = (uint64_t)op->imm; NEXT();
l_mov:    r[op->d] = r[op->a]; NEXT();
l_add:    r[op->d] = r[op->a] + r[op->b]; NEXT();
l_sub:    r[op->d] = r[op->a] - r[op->b]; NEXT();
l_and:    r[op->d] = r[op->a] & r[op->b]; NEXT();
l_or:     r[op->d] = r[op->a] | r[op->b]; NEXT();
l_xor:    r[op->d] = r[op->a] ^ r[op->b]; NEXT();
l_shl:    r[op->d] = r[op->a] << (r[op->b] & 63); NEXT();
l_shr:    r[op->d] = r[op->a] >> (r[op->b] & 63); NEXT();
l_sar:    r[op->d] = (uint64_t)((int64_t)r[op->a] >> (r[op->b] & 63)); NEXT();
l_mul:    r[op->d] = r[op->a] * r[op->b]; NEXT();
l_mulhs:  r[op->d] = (uint64_t)(((__int128)(int64_t)r[op->a] * (__int128)(int64_t)r[op->b]) >> 64); NEXT();
l_mulhu:  r[op->d] = (uint64_t)(((unsigned __int128)r[op->a] * r[op->b]) >> 64); NEXT();
l_mulhsu: r[op->d] = mulh_su(r[op->a], r[op->b]); NEXT();
l_divs:   r[op->d] = div_s(r[op->a], r[op->b]); NEXT();
l_divu:   r[op->d] = div_u(r[op->a], r[op->b]); NEXT();
l_rems:   r[op->d] = rem_s(r[op->a], r[op->b]); NEXT();
l_remu:   r[op->d] = rem_u(r[op->a], r[op->b]); NEXT();
l_divs32: r[op->d] = div_s32(r[op->a], r[op->b]); NEXT();
l_divu32: r[op->d] = div_u32(r[op->a], r[op->b]); NEXT();
l_rems32: r[op->d] = rem_s32(r[op->a], r[op->b]); NEXT();
l_remu32: r[op->d] = rem_u32(r[op->a], r[op->b]); NEXT();
l_addi:   r[op->d] = r[op->a] + (uint64_t)op->imm; NEXT();
l_andi:   r[op->d] = r[op->a] & (uint64_t)op->imm; NEXT();
l_ori:    r[op->d] = r[op->a] | (uint64_t)op->imm; NEXT();
l_xori:   r[op->d] = r[op->a] ^ (uint64_t)op->imm; NEXT();
l_shli:   r[op->d] = r[op->a] << (op->imm & 63); NEXT();
l_shri:   r[op->d] = r[op->a] >> (op->imm & 63); NEXT();
l_sari:   r[op->d] = (uint64_t)((int64_t)r[op->a] >> (op->imm & 63)); NEXT();
l_ext8s:  r[op->d] = (uint64_t)(int64_t)(int8_t)r[op->a]; NEXT();
l_ext16s: r[op->d] = (uint64_t)(int64_t)(int16_t)r[op->a]; NEXT();
l_ext32s: r[op->d] = (uint64_t)(int64_t)(int32_t)r[op->a]; NEXT();
l_ext8u:  r[op->d] = (uint8_t)r[op->a]; NEXT();
l_ext16u: r[op->d] = (uint16_t)r[op->a]; NEXT();
l_ext32u: r[op->d] = (uint32_t)r[op->a]; NEXT();
l_setcond:  r[op->d] = ir_cond_holds(op->cond, r[op->a], r[op->b]); NEXT();
l_setcondi: r[op->d] = ir_cond_holds(op->cond, r[op->a], (uint64_t)op->imm); NEXT();
l_movcond:
    if (ir_cond_holds(op->cond, r[op->a], r[op->b]))
        r[op->d] = r[op->c];
    NEXT();
l_ld: {
    uint64_t va = r[op->a] + (uint64_t)op->imm;
    void *h = tlb_fast(&cpu->tlb, op->mmu_idx, va, IR_MO_SIZE(op->memop), TLB_READ);
    if (__builtin_expect(h != NULL, 1)) {
        r[op->d] = load_host(h, op->memop);
    } else {
        uint64_t v;
        if (exec_load(cpu, va, op->memop, op->mmu_idx, &v) < 0)
            goto fault;
        r[op->d] = v;
    }
    NEXT();
}
l_st: {
    uint64_t va = r[op->a] + (uint64_t)op->imm;
    void *h = tlb_fast(&cpu->tlb, op->mmu_idx, va, IR_MO_SIZE(op->memop), TLB_WRITE);
    if (__builtin_expect(h != NULL, 1))
        store_host(h, op->memop, r[op->b]);
    else if (exec_store(cpu, va, op->memop, op->mmu_idx, r[op->b]) < 0)
        goto fault;
    NEXT();
}
l_call: {
    uint64_t v = op->fn(cpu, r[op->a], r[op->b], r[op->c], op->imm);
    if ((op->flags & IR_CALL_MAY_FAULT) && cpu->fault.pending)
        goto fault;
    if (!(op->flags & IR_CALL_NO_RESULT))
        r[op->d] = v;
    NEXT();
}
l_brcond:
    if (ir_cond_holds(op->cond, r[op->a], r[op->b])) {
        r[pc_slot] = (uint64_t)op->imm;
        slot = 0;
        goto chain;
    }
    NEXT();
l_goto_tb:
    r[pc_slot] = (uint64_t)op->imm;
    slot = op->c & 1;
    goto chain;
l_goto_ptr:
    r[pc_slot] = r[op->a];
    return NULL;
l_exit:
    return NULL;

    /* Specialised forms (interp_prepare). */
l_br_eq:  if (r[op->a] == r[op->b]) goto branch_taken; NEXT();
l_br_ne:  if (r[op->a] != r[op->b]) goto branch_taken; NEXT();
l_br_lt:  if ((int64_t)r[op->a] < (int64_t)r[op->b]) goto branch_taken; NEXT();
l_br_ge:  if ((int64_t)r[op->a] >= (int64_t)r[op->b]) goto branch_taken; NEXT();
l_br_ltu: if (r[op->a] < r[op->b]) goto branch_taken; NEXT();
l_br_geu: if (r[op->a] >= r[op->b]) goto branch_taken; NEXT();
l_set_eq:  r[op->d] = r[op->a] == r[op->b]; NEXT();
l_set_ne:  r[op->d] = r[op->a] != r[op->b]; NEXT();
l_set_lt:  r[op->d] = (int64_t)r[op->a] < (int64_t)r[op->b]; NEXT();
l_set_ge:  r[op->d] = (int64_t)r[op->a] >= (int64_t)r[op->b]; NEXT();
l_set_ltu: r[op->d] = r[op->a] < r[op->b]; NEXT();
l_set_geu: r[op->d] = r[op->a] >= r[op->b]; NEXT();
l_seti_eq:  r[op->d] = r[op->a] == (uint64_t)op->imm; NEXT();
l_seti_ne:  r[op->d] = r[op->a] != (uint64_t)op->imm; NEXT();
l_seti_lt:  r[op->d] = (int64_t)r[op->a] < op->imm; NEXT();
l_seti_ge:  r[op->d] = (int64_t)r[op->a] >= op->imm; NEXT();
l_seti_ltu: r[op->d] = r[op->a] < (uint64_t)op->imm; NEXT();
l_seti_geu: r[op->d] = r[op->a] >= (uint64_t)op->imm; NEXT();
l_ld_8u:  if (!interp_load(cpu, op->d, op->a, op->imm, IR_MO_8, op->mmu_idx)) goto fault; NEXT();
l_ld_16u: if (!interp_load(cpu, op->d, op->a, op->imm, IR_MO_16, op->mmu_idx)) goto fault; NEXT();
l_ld_32u: if (!interp_load(cpu, op->d, op->a, op->imm, IR_MO_32, op->mmu_idx)) goto fault; NEXT();
l_ld_64:  if (!interp_load(cpu, op->d, op->a, op->imm, IR_MO_64, op->mmu_idx)) goto fault; NEXT();
l_ld_8s:  if (!interp_load(cpu, op->d, op->a, op->imm, IR_MO_8 | IR_MO_SIGN, op->mmu_idx)) goto fault; NEXT();
l_ld_16s: if (!interp_load(cpu, op->d, op->a, op->imm, IR_MO_16 | IR_MO_SIGN, op->mmu_idx)) goto fault; NEXT();
l_ld_32s: if (!interp_load(cpu, op->d, op->a, op->imm, IR_MO_32 | IR_MO_SIGN, op->mmu_idx)) goto fault; NEXT();
l_st_8:   if (!interp_store(cpu, op->a, op->imm, op->b, IR_MO_8, op->mmu_idx)) goto fault; NEXT();
l_st_16:  if (!interp_store(cpu, op->a, op->imm, op->b, IR_MO_16, op->mmu_idx)) goto fault; NEXT();
l_st_32:  if (!interp_store(cpu, op->a, op->imm, op->b, IR_MO_32, op->mmu_idx)) goto fault; NEXT();
l_st_64:  if (!interp_store(cpu, op->a, op->imm, op->b, IR_MO_64, op->mmu_idx)) goto fault; NEXT();
branch_taken:
    r[pc_slot] = (uint64_t)op->imm;
    slot = 0;
    goto chain;

    /* Fused pairs (interp_fuse): x's result in d, y's in c. */
l_addi_ext32s: {
    uint64_t v = r[op->a] + (uint64_t)op->imm;
    r[op->d] = v;
    r[op->c] = (uint64_t)(int64_t)(int32_t)v;
    NEXT();
}
l_add_ext32s: {
    uint64_t v = r[op->a] + r[op->b];
    r[op->d] = v;
    r[op->c] = (uint64_t)(int64_t)(int32_t)v;
    NEXT();
}
l_sub_ext32s: {
    uint64_t v = r[op->a] - r[op->b];
    r[op->d] = v;
    r[op->c] = (uint64_t)(int64_t)(int32_t)v;
    NEXT();
}
l_shli_ext32s: {
    uint64_t v = r[op->a] << (op->imm & 63);
    r[op->d] = v;
    r[op->c] = (uint64_t)(int64_t)(int32_t)v;
    NEXT();
}
l_ext32u_shri: {
    uint64_t v = (uint32_t)r[op->a];
    r[op->d] = v;
    r[op->c] = v >> (op->imm2 & 63);
    NEXT();
}
l_movi_addi:
    r[op->d] = (uint64_t)op->imm;
    r[op->c] = (uint64_t)op->imm + (uint64_t)op->imm2;
    NEXT();
l_andi_goto_ptr: {
    uint64_t target = r[op->a] & (uint64_t)op->imm;
    r[op->d] = target;
    r[pc_slot] = target;
    return NULL;
}
l_movi_goto_tb:
    r[op->d] = (uint64_t)op->imm;
    goto fall_through;
l_br_eq_goto_tb:  if (r[op->a] == r[op->b]) goto branch_taken; goto fall_through;
l_br_ne_goto_tb:  if (r[op->a] != r[op->b]) goto branch_taken; goto fall_through;
l_br_lt_goto_tb:  if ((int64_t)r[op->a] < (int64_t)r[op->b]) goto branch_taken; goto fall_through;
l_br_ge_goto_tb:  if ((int64_t)r[op->a] >= (int64_t)r[op->b]) goto branch_taken; goto fall_through;
l_br_ltu_goto_tb: if (r[op->a] < r[op->b]) goto branch_taken; goto fall_through;
l_br_geu_goto_tb: if (r[op->a] >= r[op->b]) goto branch_taken; goto fall_through;
fall_through:
    r[pc_slot] = (uint64_t)op->imm2;
    slot = op->c & 1;
    goto chain;
l_ld_64_pair:
    if (!interp_load(cpu, op->d, op->a, op->imm, IR_MO_64, op->mmu_idx))
        goto fault;
    if (!interp_load(cpu, op->c, op->b, op->imm2, IR_MO_64, op->mmu_idx))
        goto second_fault;
    NEXT();
l_ld_8u_pair:
    if (!interp_load(cpu, op->d, op->a, op->imm, IR_MO_8, op->mmu_idx))
        goto fault;
    if (!interp_load(cpu, op->c, op->b, op->imm2, IR_MO_8, op->mmu_idx))
        goto second_fault;
    NEXT();
l_st_64_pair:
    if (!interp_store(cpu, op->a, op->imm, op->b, IR_MO_64, op->mmu_idx))
        goto fault;
    if (!interp_store(cpu, op->c, op->imm2, op->d, IR_MO_64, op->mmu_idx))
        goto second_fault;
    NEXT();

l_ld_t: {
    uint64_t va = r[op->a] + (uint64_t)op->imm;
    void *h = tlb_fast(&cpu->tlb, op->mmu_idx, va, IR_MO_SIZE(op->memop), TLB_READ);
    if (__builtin_expect(h != NULL, 1)) {
        r[op->d] = load_host(h, op->memop);
        timing_on_load(cpu, cpu->tc, va, op->mmu_idx);
    } else {
        uint64_t v;
        if (exec_load(cpu, va, op->memop, op->mmu_idx, &v) < 0)
            goto fault;
        r[op->d] = v;
        timing_on_slow_access(cpu, cpu->tc, va, op->mmu_idx, false);
    }
    NEXT();
}
l_st_t: {
    uint64_t va = r[op->a] + (uint64_t)op->imm;
    void *h = tlb_fast(&cpu->tlb, op->mmu_idx, va, IR_MO_SIZE(op->memop), TLB_WRITE);
    if (__builtin_expect(h != NULL, 1)) {
        store_host(h, op->memop, r[op->b]);
        timing_on_store(cpu, cpu->tc, va, op->mmu_idx);
    } else {
        if (exec_store(cpu, va, op->memop, op->mmu_idx, r[op->b]) < 0)
            goto fault;
        timing_on_slow_access(cpu, cpu->tc, va, op->mmu_idx, true);
    }
    NEXT();
}
l_brcond_t: {
    bool taken = ir_cond_holds(op->cond, r[op->a], r[op->b]);
    timing_on_branch(cpu, cpu->tc, op_pc(tb, op), taken);
    if (taken) {
        r[pc_slot] = (uint64_t)op->imm;
        slot = 0;
        goto chain;
    }
    NEXT();
}
l_goto_ptr_t:
    timing_on_indirect(cpu, cpu->tc, op_pc(tb, op), r[op->a]);
    r[pc_slot] = r[op->a];
    return NULL;

chain: {
    struct tb *next = tb->jmp[slot];
    if (next && !next->invalid)
        return next;
    /* Chain only within the TB's own virtual page: the mapping of another
     * page may change without this TB being retranslated. */
    if (((r[pc_slot] ^ tb->pc) >> 12) == 0)
        *link = &tb->jmp[slot];
    return NULL;
}

fault:
    fault_insn = op->insn;
    goto fault_at;
second_fault:
    fault_insn = op->flags;
    goto fault_at;
fault_at:
    tb_fault_at(cpu, tb, fault_insn);
    return NULL;
}

void tb_fault_at(struct cpu *cpu, const struct tb *tb, unsigned insn)
{
    cpu->insns -= (uint64_t)(tb->ninsns - insn);
    cpu->isa->take_fault(cpu, tb->pc + tb->insn_off[insn]);
    cpu->fault.pending = false;
}
