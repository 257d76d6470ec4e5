/*
 * The shared IR: what every ISA front end emits and every back end runs.
 *
 * A translation block (TB) is the IR of one guest basic block: a flat
 * array of struct ir_op. Operands are slots of the vCPU's register file
 * cpu->r[]: slots below IR_TEMP_BASE are the ISA's globals (guest
 * registers, flags, the pc), laid out by the front end; slots from
 * IR_TEMP_BASE up are temps, valid only inside one TB.
 *
 * All values are 64-bit. Narrower results are made explicit with the
 * extension ops; 128-bit guest registers are pairs of slots.
 *
 * An instruction the IR has no op for becomes IR_CALL of a C helper:
 *   d = fn(cpu, r[a], r[b], r[c], imm)
 * A helper that raises a guest exception sets cpu->fault.pending and the
 * back end abandons the TB at that instruction (see exec.h). A helper
 * that changes the pc or the translation mode is followed by IR_EXIT.
 *
 * A TB leaves through each jump slot to one target only: the back ends
 * link a slot to the TB it first led to and follow that link on every
 * later exit through it. So a TB holds at most one IR_BRCOND (slot 0),
 * and the IR_GOTO_TB of its fall-through uses slot 1.
 *
 * Example (riscv `addw a0, a0, a1`):
 *   ir_alu(b, IR_ADD, t, 10, 11);
 *   ir_alu(b, IR_EXT32S, 10, t, 0);
 */
#ifndef EMU_EXEC_IR_H
#define EMU_EXEC_IR_H

#include <stdbool.h>
#include <stdint.h>

struct cpu;

#define IR_NSLOTS 256
#define IR_TEMP_BASE 160     /* slots [0,160) are ISA globals, [160,256) temps */

enum ir_opc {
    /* d = imm; d = r[a] */
    IR_MOVI, IR_MOV,
    /* d = r[a] op r[b]; shifts use r[b] & 63 */
    IR_ADD, IR_SUB, IR_AND, IR_OR, IR_XOR, IR_SHL, IR_SHR, IR_SAR, IR_MUL,
    IR_MULHS, IR_MULHU, IR_MULHSU,     /* high 64 bits of the 128-bit product */
    /* Division with the RISC-V definition (x/0 = all ones, x%0 = x,
     * INT64_MIN/-1 = INT64_MIN, INT64_MIN%-1 = 0); other ISAs call helpers. */
    IR_DIVS, IR_DIVU, IR_REMS, IR_REMU,
    /* 32-bit forms of the above, operating on the low halves and
     * sign-extending the 32-bit result (RISC-V *W semantics). */
    IR_DIVS32, IR_DIVU32, IR_REMS32, IR_REMU32,
    /* d = r[a] op imm */
    IR_ADDI, IR_ANDI, IR_ORI, IR_XORI, IR_SHLI, IR_SHRI, IR_SARI,
    /* d = extend(r[a]) */
    IR_EXT8S, IR_EXT16S, IR_EXT32S, IR_EXT8U, IR_EXT16U, IR_EXT32U,
    /* d = cond(r[a], r[b]) ? 1 : 0; cond in c.  SETCONDI compares with imm. */
    IR_SETCOND, IR_SETCONDI,
    /* d = cond(r[a], r[b]) ? r[c] : d   (conditional move; cond in op.cond) */
    IR_MOVCOND,
    /* d = load(r[a] + imm); memop and mmu_idx say how */
    IR_LD,
    /* store(r[a] + imm, r[b]) */
    IR_ST,
    /* d = fn(cpu, r[a], r[b], r[c], imm) */
    IR_CALL,
    /* if cond(r[a], r[b]): pc = imm and leave through jump slot 0 */
    IR_BRCOND,
    /* pc = imm; leave through jump slot c (0 or 1), chainable */
    IR_GOTO_TB,
    /* pc = r[a]; leave (the next TB is looked up) */
    IR_GOTO_PTR,
    /* leave; the pc slot already holds the next pc (set by a helper) */
    IR_EXIT,
    /* Back-end forms of LD, ST, BRCOND (of a branch insn) and GOTO_PTR (of
     * a jump insn) that also call the detailed timing model. The TB cache
     * substitutes them when such a model is active; front ends never emit
     * them. */
    IR_LD_T, IR_ST_T, IR_BRCOND_T, IR_GOTO_PTR_T,
    IR_NOPC
};

enum ir_cond {
    IR_EQ, IR_NE, IR_LT, IR_GE, IR_LTU, IR_GEU,
};

/* memop: log2 of the size in bits 0-1, sign extension in bit 2. */
#define IR_MO_SIZE(mo)   (1u << ((mo) & 3))
#define IR_MO_SIGN       4u
#define IR_MO_8  0u
#define IR_MO_16 1u
#define IR_MO_32 2u
#define IR_MO_64 3u

/* Helper flags (op.flags). */
#define IR_CALL_MAY_FAULT 1u   /* back end checks cpu->fault.pending after it */
#define IR_CALL_NO_RESULT 2u   /* d is not written */

typedef uint64_t (*ir_helper_fn)(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm);

struct ir_op {
    uint8_t opc;        /* enum ir_opc */
    uint8_t d, a, b;
    uint8_t c;
    uint8_t cond;       /* enum ir_cond for SETCOND, MOVCOND, BRCOND */
    uint8_t memop;      /* for LD/ST */
    uint8_t mmu_idx;    /* for LD/ST: the ISA's translation regime */
    uint16_t flags;     /* IR_CALL_* */
    uint16_t insn;      /* index of the guest instruction in its TB */
    uint32_t pad;
    int64_t imm;
    union {
        ir_helper_fn fn;    /* for CALL */
        int64_t imm2;       /* a back end's second immediate (fused ops); front ends leave it */
    };
};

/*
 * Operation classes: what the timing model charges. Semantics never add
 * cycles; a front end tags each guest instruction with one class.
 */
enum op_class {
    OPC_INT_ALU, OPC_INT_MUL, OPC_INT_DIV, OPC_LOAD, OPC_STORE, OPC_BRANCH,
    OPC_JUMP, OPC_FP_ADD, OPC_FP_MUL, OPC_FP_DIV, OPC_FP_SQRT, OPC_FP_MISC,
    OPC_CSR, OPC_SYSTEM, OPC_FENCE, OPC_ATOMIC,
    OPC_COUNT
};

#define IR_MAX_OPS 1024
#define IR_MAX_INSNS 128

/* Building one TB. Front ends use the emitters below only. */
struct ir_builder {
    struct ir_op ops[IR_MAX_OPS];
    unsigned nops;
    unsigned next_temp;
    uint16_t insn_off[IR_MAX_INSNS];   /* byte offset of each guest insn from the TB pc */
    uint8_t insn_class[IR_MAX_INSNS];  /* enum op_class of each guest insn */
    unsigned ninsns;
    unsigned insn_cap;                 /* at most this many insns (ir_has_room says no after) */
    unsigned code_end;                 /* byte offset just past the last insn; the front end sets it */
    bool overflow;                     /* too many ops: the front end must end the TB */
};

void ir_builder_reset(struct ir_builder *b);
/* Starts guest instruction number ninsns at byte offset off from the TB pc. */
void ir_insn_start(struct ir_builder *b, unsigned off, enum op_class cls);
/* A fresh temp slot; temps are not reused within a TB. */
unsigned ir_temp(struct ir_builder *b);
/* Room for at least n more ops and one more insn? Front ends end the TB when not. */
bool ir_has_room(const struct ir_builder *b, unsigned n);

void ir_emit(struct ir_builder *b, struct ir_op op);

static inline void ir_movi(struct ir_builder *b, unsigned d, int64_t imm)
{
    ir_emit(b, (struct ir_op){ .opc = IR_MOVI, .d = (uint8_t)d, .imm = imm });
}
static inline void ir_mov(struct ir_builder *b, unsigned d, unsigned a)
{
    ir_emit(b, (struct ir_op){ .opc = IR_MOV, .d = (uint8_t)d, .a = (uint8_t)a });
}
/* Two-operand ops and the extension ops (b unused for those). */
static inline void ir_alu(struct ir_builder *b, enum ir_opc opc, unsigned d, unsigned a, unsigned bb)
{
    ir_emit(b, (struct ir_op){ .opc = (uint8_t)opc, .d = (uint8_t)d, .a = (uint8_t)a, .b = (uint8_t)bb });
}
static inline void ir_alui(struct ir_builder *b, enum ir_opc opc, unsigned d, unsigned a, int64_t imm)
{
    ir_emit(b, (struct ir_op){ .opc = (uint8_t)opc, .d = (uint8_t)d, .a = (uint8_t)a, .imm = imm });
}
static inline void ir_setcond(struct ir_builder *b, enum ir_cond cond, unsigned d, unsigned a, unsigned bb)
{
    ir_emit(b, (struct ir_op){ .opc = IR_SETCOND, .cond = (uint8_t)cond, .d = (uint8_t)d, .a = (uint8_t)a,
                               .b = (uint8_t)bb });
}
static inline void ir_setcondi(struct ir_builder *b, enum ir_cond cond, unsigned d, unsigned a, int64_t imm)
{
    ir_emit(b, (struct ir_op){ .opc = IR_SETCONDI, .cond = (uint8_t)cond, .d = (uint8_t)d, .a = (uint8_t)a,
                               .imm = imm });
}
static inline void ir_movcond(struct ir_builder *b, enum ir_cond cond, unsigned d, unsigned a, unsigned bb,
                              unsigned src)
{
    ir_emit(b, (struct ir_op){ .opc = IR_MOVCOND, .cond = (uint8_t)cond, .d = (uint8_t)d, .a = (uint8_t)a,
                               .b = (uint8_t)bb, .c = (uint8_t)src });
}
static inline void ir_ld(struct ir_builder *b, unsigned d, unsigned addr, int64_t off, unsigned memop,
                         unsigned mmu_idx)
{
    ir_emit(b, (struct ir_op){ .opc = IR_LD, .d = (uint8_t)d, .a = (uint8_t)addr, .imm = off,
                               .memop = (uint8_t)memop, .mmu_idx = (uint8_t)mmu_idx });
}
static inline void ir_st(struct ir_builder *b, unsigned addr, int64_t off, unsigned src, unsigned memop,
                         unsigned mmu_idx)
{
    ir_emit(b, (struct ir_op){ .opc = IR_ST, .a = (uint8_t)addr, .b = (uint8_t)src, .imm = off,
                               .memop = (uint8_t)memop, .mmu_idx = (uint8_t)mmu_idx });
}
static inline void ir_call(struct ir_builder *b, ir_helper_fn fn, unsigned flags, unsigned d, unsigned a,
                           unsigned bb, unsigned c, int64_t imm)
{
    ir_emit(b, (struct ir_op){ .opc = IR_CALL, .fn = fn, .flags = (uint16_t)flags, .d = (uint8_t)d,
                               .a = (uint8_t)a, .b = (uint8_t)bb, .c = (uint8_t)c, .imm = imm });
}
static inline void ir_brcond(struct ir_builder *b, enum ir_cond cond, unsigned a, unsigned bb, uint64_t target)
{
    ir_emit(b, (struct ir_op){ .opc = IR_BRCOND, .cond = (uint8_t)cond, .a = (uint8_t)a, .b = (uint8_t)bb,
                               .imm = (int64_t)target });
}
static inline void ir_goto_tb(struct ir_builder *b, unsigned slot, uint64_t target)
{
    ir_emit(b, (struct ir_op){ .opc = IR_GOTO_TB, .c = (uint8_t)slot, .imm = (int64_t)target });
}
static inline void ir_goto_ptr(struct ir_builder *b, unsigned a)
{
    ir_emit(b, (struct ir_op){ .opc = IR_GOTO_PTR, .a = (uint8_t)a });
}
static inline void ir_exit(struct ir_builder *b)
{
    ir_emit(b, (struct ir_op){ .opc = IR_EXIT });
}

#endif
