/*
 * riscv instruction lookup and the TB translation loop.
 *
 * rv_decode() scans the family tables in a fixed order; every row has an
 * exact mask, so at most one row matches a legal encoding and the order only
 * matters for speed. Translation happens once per instruction of a TB, so a
 * linear scan over a few hundred rows is not on the hot path.
 *
 * rv_translate() fetches 16-bit parcels (unpriv spec §1.5: instructions are
 * a sequence of 16-bit parcels, 32-bit ones may straddle a page), expands C
 * encodings, and calls each row's trans function.
 */
#include "cpu-riscv/decode.h"

#include <stddef.h>

/* The tables in lookup order: the common integer ones first. */
static const struct rv_insn *const rv_tables[] = {
    rv_insns_base, rv_insns_m, rv_insns_a, rv_insns_zb, rv_insns_system, rv_insns_fp, rv_insns_h,
};

const struct rv_insn *rv_decode(uint32_t insn)
{
    for (size_t t = 0; t < sizeof(rv_tables) / sizeof(rv_tables[0]); t++) {
        for (const struct rv_insn *row = rv_tables[t]; row->name; row++) {
            if ((insn & row->mask) == row->match)
                return row;
        }
    }
    return NULL;
}

void rv_emit_set_x(struct rv_dc *dc, unsigned rd, unsigned src)
{
    if (rd != 0 && RV_SLOT_X(rd) != src)
        ir_mov(dc->b, RV_SLOT_X(rd), src);
}

void rv_emit_jump(struct rv_dc *dc, uint64_t target, unsigned slot)
{
    ir_goto_tb(dc->b, slot, target);
    dc->end_tb = true;
}

/* Raises cause (in imm) with tval (in a) for the engine to deliver at the
 * current instruction. */
static uint64_t rv_helper_raise(struct cpu *cpu, uint64_t tval, uint64_t b, uint64_t c, int64_t cause)
{
    rv_raise(rv_of(cpu), (enum rv_exc)cause, tval);
    return 0;
}

void rv_emit_exception(struct rv_dc *dc, enum rv_exc cause, uint64_t tval)
{
    unsigned t = ir_temp(dc->b);

    ir_movi(dc->b, t, (int64_t)tval);
    ir_call(dc->b, rv_helper_raise, IR_CALL_MAY_FAULT | IR_CALL_NO_RESULT, 0, t, 0, 0, (int64_t)cause);
    /* Not reached: the helper always faults. The exit keeps every TB
     * ending in a terminator. */
    ir_exit(dc->b);
    dc->end_tb = true;
}

void rv_emit_exit_next(struct rv_dc *dc)
{
    ir_movi(dc->b, RV_SLOT_PC, (int64_t)dc->next_pc);
    ir_exit(dc->b);
    dc->end_tb = true;
}

/* Fetches the instruction at pc: one parcel for C encodings (low bits != 11),
 * two otherwise. A fault on either parcel leaves cpu->fault set by the
 * engine with tval = the address of that parcel (priv spec 1.12 §3.1.16). */
static int rv_fetch(struct cpu *cpu, uint64_t pc, unsigned mmu_idx, uint32_t *raw, unsigned *len)
{
    uint16_t lo, hi;

    if (exec_fetch16(cpu, pc, mmu_idx, &lo) != 0)
        return -1;
    if ((lo & 3) != 3) {
        *raw = lo;
        *len = 2;
        return 0;
    }
    if (exec_fetch16(cpu, pc + 2, mmu_idx, &hi) != 0)
        return -1;
    *raw = (uint32_t)lo | ((uint32_t)hi << 16);
    *len = 4;
    return 0;
}

/* Translates the instruction described by dc (already fetched) at byte
 * offset off in the TB. */
static void rv_translate_one(struct rv_dc *dc, unsigned off)
{
    const struct rv_insn *row = NULL;

    dc->insn = dc->raw;
    dc->b->code_end = off + dc->len;
    if (dc->len == 2)
        dc->insn = dc->rv->ext.c ? rv_expand_rvc(dc->raw, &dc->rv->ext) : 0;
    if (dc->insn != 0)
        row = rv_decode(dc->insn);
    ir_insn_start(dc->b, off, row ? row->cls : OPC_SYSTEM);
    dc->end_tb = false;
    /* Illegal instruction: tval holds the encoding as fetched, 16 bits
     * for a C parcel (priv spec 1.12 §3.1.16). */
    if (!row || !row->trans(dc))
        rv_emit_exception(dc, RV_EXC_ILLEGAL_INSN, dc->raw);
}

static bool rv_same_page(uint64_t a, uint64_t b)
{
    return ((a ^ b) >> TLB_PAGE_BITS) == 0;
}

int rv_translate(struct cpu *cpu, struct ir_builder *b, uint64_t pc, uint32_t flags)
{
    struct rv_dc dc = {
        .rv = rv_of(cpu),
        .b = b,
        .flags = flags,
        .priv = (enum rv_priv)(flags & RV_TBF_PRIV_MASK),
        .mmu_idx = (flags & RV_TBF_MMU_MASK) >> RV_TBF_MMU_SHIFT,
    };
    unsigned fetch_idx = cpu->isa->fetch_mmu_idx(cpu, flags);
    uint64_t cur = pc;

    for (;;) {
        /* A TB covers one page of code: it is keyed and invalidated by the
         * physical page of its first instruction. */
        if (b->ninsns > 0 &&
            (!rv_same_page(cur, pc) || b->ninsns >= IR_MAX_INSNS - 1 || !ir_has_room(b, 64))) {
            rv_emit_jump(&dc, cur, 0);
            return 0;
        }
        if (rv_fetch(cpu, cur, fetch_idx, &dc.raw, &dc.len) != 0) {
            if (b->ninsns == 0)
                return -1;
            /* Leave the fault to the TB that starts at this instruction. */
            cpu->fault.pending = false;
            rv_emit_jump(&dc, cur, 0);
            return 0;
        }
        dc.pc = cur;
        dc.next_pc = cur + dc.len;
        rv_translate_one(&dc, (unsigned)(cur - pc));
        if (dc.end_tb)
            return 0;
        cur = dc.next_pc;
    }
}
