/*
 * Instruction decoding for the riscv front end.
 *
 * Each instruction family file (insn_base.c, insn_m.c, insn_a.c, insn_zb.c,
 * insn_fp.c, insn_system.c, insn_h.c) exports one table of struct rv_insn, one row
 * per instruction as the unprivileged spec's opcode map lists it: a
 * mask/match pair, the trans function and the op class. decode.c searches
 * the tables (bucketed by the major opcode, bits 6:0) once per instruction
 * at translation time; a compressed instruction is first expanded to its
 * 32-bit equivalent by rvc.c.
 *
 * A trans function emits IR for one instruction and returns true, or
 * returns false for an illegal encoding (a reserved field value, an
 * extension switched off, FP with mstatus.FS = Off): decode.c then emits an
 * illegal-instruction exception.
 */
#ifndef EMU_CPU_RISCV_DECODE_H
#define EMU_CPU_RISCV_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu-riscv/rv.h"
#include "exec/ir.h"

/* Translation context of the instruction being translated. */
struct rv_dc {
    struct rv_cpu *rv;
    struct ir_builder *b;
    uint64_t pc;            /* this instruction */
    uint64_t next_pc;       /* pc + 2 or 4 */
    uint32_t insn;          /* the 32-bit (expanded) encoding */
    uint32_t raw;           /* the encoding as fetched (16-bit for C) */
    unsigned len;           /* 2 or 4 */
    uint32_t flags;         /* TB flags */
    enum rv_priv priv;
    unsigned mmu_idx;       /* data mmu_idx */
    bool end_tb;            /* the instruction ended the TB (emitted its own exit) */
};

typedef bool (*rv_trans_fn)(struct rv_dc *dc);

struct rv_insn {
    const char *name;
    uint32_t mask, match;
    rv_trans_fn trans;
    enum op_class cls;
};

/* Tables, each terminated by a row with name == NULL. */
extern const struct rv_insn rv_insns_base[];    /* RV64I, Zifencei */
extern const struct rv_insn rv_insns_m[];       /* M */
extern const struct rv_insn rv_insns_a[];       /* A */
extern const struct rv_insn rv_insns_zb[];      /* Zba, Zbb, Zbc, Zbs */
extern const struct rv_insn rv_insns_system[];  /* Zicsr, ecall, ebreak, xret, wfi, sfence.vma, Zicbom, Zicboz */
extern const struct rv_insn rv_insns_fp[];      /* F, D */
extern const struct rv_insn rv_insns_h[];       /* H: HLV, HLVX, HSV, HFENCE */

/* Finds the row for a 32-bit encoding, or NULL. */
const struct rv_insn *rv_decode(uint32_t insn);
/* Expands a 16-bit C encoding to its 32-bit equivalent; 0 if illegal/reserved. */
uint32_t rv_expand_rvc(uint32_t c, const struct rv_ext *ext);
/* Translates one TB (exec_isa.translate). */
int rv_translate(struct cpu *cpu, struct ir_builder *b, uint64_t pc, uint32_t flags);

/* Field extraction (unpriv spec §2.3 immediate encodings). */
static inline unsigned rv_rd(uint32_t i)  { return (i >> 7) & 31; }
static inline unsigned rv_rs1(uint32_t i) { return (i >> 15) & 31; }
static inline unsigned rv_rs2(uint32_t i) { return (i >> 20) & 31; }
static inline unsigned rv_rs3(uint32_t i) { return (i >> 27) & 31; }
static inline unsigned rv_funct3(uint32_t i) { return (i >> 12) & 7; }
static inline unsigned rv_rm(uint32_t i) { return (i >> 12) & 7; }
/* Sign-extends the low bits of v. */
static inline int64_t rv_sext(uint64_t v, unsigned bits)
{
    uint64_t sign = 1ull << (bits - 1);
    return (int64_t)((v & ((sign << 1) - 1)) ^ sign) - (int64_t)sign;
}
static inline int64_t rv_imm_i(uint32_t i) { return rv_sext(i >> 20, 12); }
static inline int64_t rv_imm_s(uint32_t i)
{
    return rv_sext(((i >> 25) << 5) | ((i >> 7) & 31), 12);
}
static inline int64_t rv_imm_b(uint32_t i)
{
    return rv_sext(((i >> 31) << 12) | (((i >> 7) & 1) << 11) | (((i >> 25) & 63) << 5) | (((i >> 8) & 15) << 1),
                   13);
}
static inline int64_t rv_imm_u(uint32_t i) { return (int64_t)(int32_t)(i & 0xfffff000u); }
static inline int64_t rv_imm_j(uint32_t i)
{
    return rv_sext(((i >> 31) << 20) | (((i >> 12) & 255) << 12) | (((i >> 20) & 1) << 11) |
                       (((i >> 21) & 1023) << 1),
                   21);
}

/* Emit helpers shared by the insn_*.c files (decode.c). */
/* Writes slot src to x[rd], dropping writes to x0. */
void rv_emit_set_x(struct rv_dc *dc, unsigned rd, unsigned src);
/* Ends the TB with a direct jump to target (chained when on the same page). */
void rv_emit_jump(struct rv_dc *dc, uint64_t target, unsigned slot);
/* Raises an exception at this instruction and ends the TB. */
void rv_emit_exception(struct rv_dc *dc, enum rv_exc cause, uint64_t tval);
/* Stores next_pc into the pc slot and ends the TB with IR_EXIT (after a
 * helper that may change mode or interrupt state). */
void rv_emit_exit_next(struct rv_dc *dc);

#endif
