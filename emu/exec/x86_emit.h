/*
 * A minimal x86-64 instruction encoder for the JIT back end (private to
 * exec/). Only the forms the JIT uses: 64-bit ALU with a register or a
 * [base + index * scale + disp] memory operand, immediates, shifts,
 * setcc/cmovcc/jcc, loads and stores of each width, calls through rax.
 *
 * Encodings follow the Intel SDM, Vol. 2, ch. 2 (REX prefix, ModR/M and
 * SIB bytes, §2.1 and §2.2.1): REX.W selects 64-bit operands, REX.R/X/B
 * extend the reg, index and base fields to r8-r15.
 *
 *   struct x86_buf x = { .p = code, .end = code + size };
 *   x86_load_mem(&x, X86_RAX, X86_RBX, 8 * slot);   // mov rax, [rbx + 8*slot]
 *   x86_alu_rm(&x, X86_ADD, X86_RAX, X86_RBX, 8 * other);
 *   x86_store_mem(&x, X86_RBX, 8 * dest, X86_RAX);
 *
 * The caller checks for room before each group of instructions
 * (x86_room); the writers themselves do not.
 */
#ifndef EMU_EXEC_X86_EMIT_H
#define EMU_EXEC_X86_EMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum x86_reg {
    X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
    X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
};

/* Condition codes (the low nibble of Jcc/SETcc/CMOVcc, SDM Vol. 1 B.1). */
enum x86_cc {
    X86_CC_B = 0x2, X86_CC_AE = 0x3, X86_CC_E = 0x4, X86_CC_NE = 0x5, X86_CC_BE = 0x6, X86_CC_A = 0x7,
    X86_CC_L = 0xc, X86_CC_GE = 0xd,
};

/* The /digit of the 0x81 (immediate) group and the opcode of the
 * reg <- reg op r/m form, for each two-operand ALU operation. */
enum x86_alu { X86_ADD, X86_OR, X86_AND, X86_SUB, X86_XOR, X86_CMP };

/* Shift group /digit (0xC1 imm8, 0xD3 by cl). */
enum x86_shift { X86_SHL = 4, X86_SHR = 5, X86_SAR = 7 };

#define X86_NO_INDEX (-1)

struct x86_buf {
    uint8_t *p;         /* next byte */
    uint8_t *end;       /* one past the last usable byte */
};

static inline bool x86_room(const struct x86_buf *x, unsigned n)
{
    return (size_t)(x->end - x->p) >= n;
}

static inline void x86_byte(struct x86_buf *x, uint8_t b)
{
    *x->p++ = b;
}

static inline void x86_u32(struct x86_buf *x, uint32_t v)
{
    memcpy(x->p, &v, 4);
    x->p += 4;
}

static inline void x86_u64(struct x86_buf *x, uint64_t v)
{
    memcpy(x->p, &v, 8);
    x->p += 8;
}

static inline bool x86_fits_i32(int64_t v)
{
    return v == (int64_t)(int32_t)v;
}

/* REX prefix when needed: w = 64-bit operand; r, x, b = the registers in
 * the reg, index and base (or rm) fields. force: a byte register
 * spl..dil needs REX even without extension bits. */
static inline void x86_rex(struct x86_buf *x, bool w, unsigned r, unsigned idx, unsigned b, bool force)
{
    uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | ((r & 8) ? 4 : 0) | ((idx & 8) ? 2 : 0) | ((b & 8) ? 1 : 0));
    if (rex != 0x40 || force)
        x86_byte(x, rex);
}

/* ModR/M (+ SIB, + displacement) for reg and [base + index * 2^scale + disp]. */
static inline void x86_modrm_mem(struct x86_buf *x, unsigned reg, unsigned base, int index, unsigned scale,
                                 int32_t disp)
{
    unsigned mod = disp == 0 && (base & 7) != X86_RBP ? 0 : (disp == (int8_t)disp ? 1 : 2);
    bool sib = index != X86_NO_INDEX || (base & 7) == X86_RSP;
    x86_byte(x, (uint8_t)(mod << 6 | (reg & 7) << 3 | (sib ? 4 : (base & 7))));
    if (sib) {
        unsigned i = index == X86_NO_INDEX ? 4 : (unsigned)index & 7;
        x86_byte(x, (uint8_t)(scale << 6 | i << 3 | (base & 7)));
    }
    if (mod == 1)
        x86_byte(x, (uint8_t)(int8_t)disp);
    else if (mod == 2)
        x86_u32(x, (uint32_t)disp);
}

/*
 * One instruction with a memory operand: [prefix] [REX] op0 [op1] ModR/M.
 * prefix 0 means none (0x66 for 16-bit operands); op1 0 means a one-byte
 * opcode (0x0F escapes put the second byte in op1).
 */
static inline void x86_op_mem(struct x86_buf *x, uint8_t prefix, bool w, uint8_t op0, uint8_t op1, unsigned reg,
                              unsigned base, int index, unsigned scale, int32_t disp)
{
    if (prefix)
        x86_byte(x, prefix);
    x86_rex(x, w, reg, index == X86_NO_INDEX ? 0 : (unsigned)index, base, false);
    x86_byte(x, op0);
    if (op1)
        x86_byte(x, op1);
    x86_modrm_mem(x, reg, base, index, scale, disp);
}

/* One instruction with a register operand in ModR/M.rm. */
static inline void x86_op_rr(struct x86_buf *x, bool w, uint8_t op0, uint8_t op1, unsigned reg, unsigned rm)
{
    x86_rex(x, w, reg, 0, rm, false);
    x86_byte(x, op0);
    if (op1)
        x86_byte(x, op1);
    x86_byte(x, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

/* mov reg, [base + disp] (64 bits). */
static inline void x86_load_mem(struct x86_buf *x, unsigned reg, unsigned base, int32_t disp)
{
    x86_op_mem(x, 0, true, 0x8b, 0, reg, base, X86_NO_INDEX, 0, disp);
}

/* mov [base + disp], reg (64 bits). */
static inline void x86_store_mem(struct x86_buf *x, unsigned base, int32_t disp, unsigned reg)
{
    x86_op_mem(x, 0, true, 0x89, 0, reg, base, X86_NO_INDEX, 0, disp);
}

/* mov dst, src (64 bits). */
static inline void x86_mov_rr(struct x86_buf *x, unsigned dst, unsigned src)
{
    x86_op_rr(x, true, 0x89, 0, src, dst);
}

/* reg <- reg op [base + disp] (64 bits); X86_CMP only sets flags. */
static inline void x86_alu_rm(struct x86_buf *x, enum x86_alu op, unsigned reg, unsigned base, int32_t disp)
{
    static const uint8_t opcode[] = { 0x03, 0x0b, 0x23, 0x2b, 0x33, 0x3b };
    x86_op_mem(x, 0, true, opcode[op], 0, reg, base, X86_NO_INDEX, 0, disp);
}

/* dst <- dst op src (64 bits). */
static inline void x86_alu_rr(struct x86_buf *x, enum x86_alu op, unsigned dst, unsigned src)
{
    static const uint8_t opcode[] = { 0x03, 0x0b, 0x23, 0x2b, 0x33, 0x3b };
    x86_op_rr(x, true, opcode[op], 0, dst, src);
}

/* reg <- imm, in the shortest form. */
static inline void x86_mov_imm(struct x86_buf *x, unsigned reg, uint64_t imm)
{
    if (imm <= UINT32_MAX) {                    /* mov r32, imm32 zero-extends */
        x86_rex(x, false, 0, 0, reg, false);
        x86_byte(x, (uint8_t)(0xb8 + (reg & 7)));
        x86_u32(x, (uint32_t)imm);
    } else if (x86_fits_i32((int64_t)imm)) {    /* mov r/m64, imm32 sign-extends */
        x86_op_rr(x, true, 0xc7, 0, 0, reg);
        x86_u32(x, (uint32_t)imm);
    } else {
        x86_rex(x, true, 0, 0, reg, false);
        x86_byte(x, (uint8_t)(0xb8 + (reg & 7)));
        x86_u64(x, imm);
    }
}

/* reg <- reg op imm; an immediate beyond 32 bits goes through scratch. */
static inline void x86_alu_imm(struct x86_buf *x, enum x86_alu op, unsigned reg, int64_t imm, unsigned scratch)
{
    static const uint8_t digit[] = { 0, 1, 4, 5, 6, 7 };
    if (x86_fits_i32(imm)) {
        x86_op_rr(x, true, 0x81, 0, digit[op], reg);
        x86_u32(x, (uint32_t)imm);
    } else {
        x86_mov_imm(x, scratch, (uint64_t)imm);
        x86_alu_rr(x, op, reg, scratch);
    }
}

/* reg <- reg shift imm8. */
static inline void x86_shift_imm(struct x86_buf *x, enum x86_shift op, unsigned reg, unsigned imm)
{
    x86_op_rr(x, true, 0xc1, 0, op, reg);
    x86_byte(x, (uint8_t)(imm & 63));
}

/* reg <- reg shift cl (the count is taken mod 64 by the processor). */
static inline void x86_shift_cl(struct x86_buf *x, enum x86_shift op, unsigned reg)
{
    x86_op_rr(x, true, 0xd3, 0, op, reg);
}

/* setcc reg8 (the low byte of rax..rbx). */
static inline void x86_setcc(struct x86_buf *x, enum x86_cc cc, unsigned reg)
{
    x86_op_rr(x, false, 0x0f, (uint8_t)(0x90 + cc), 0, reg);
}

/* cmovcc dst, src (64 bits). */
static inline void x86_cmov_rr(struct x86_buf *x, enum x86_cc cc, unsigned dst, unsigned src)
{
    x86_op_rr(x, true, 0x0f, (uint8_t)(0x40 + cc), dst, src);
}

/* xor r32, r32: reg = 0 (and the flags are clobbered). */
static inline void x86_zero(struct x86_buf *x, unsigned reg)
{
    x86_op_rr(x, false, 0x31, 0, reg, reg);
}

/* test reg, reg (64 bits): ZF says whether reg is 0. */
static inline void x86_test(struct x86_buf *x, unsigned reg)
{
    x86_op_rr(x, true, 0x85, 0, reg, reg);
}

/* jcc rel32 / jmp rel32 with a zero displacement; returns where the
 * displacement is, for x86_patch. */
static inline uint8_t *x86_jcc(struct x86_buf *x, enum x86_cc cc)
{
    x86_byte(x, 0x0f);
    x86_byte(x, (uint8_t)(0x80 + cc));
    uint8_t *at = x->p;
    x86_u32(x, 0);
    return at;
}

static inline uint8_t *x86_jmp(struct x86_buf *x)
{
    x86_byte(x, 0xe9);
    uint8_t *at = x->p;
    x86_u32(x, 0);
    return at;
}

/* Points the rel32 at `at` to target. */
static inline void x86_patch(uint8_t *at, const uint8_t *target)
{
    int32_t rel = (int32_t)(target - (at + 4));
    memcpy(at, &rel, 4);
}

/* call fn through rax (a helper anywhere in the address space). */
static inline void x86_call(struct x86_buf *x, const void *fn)
{
    x86_mov_imm(x, X86_RAX, (uint64_t)(uintptr_t)fn);
    x86_byte(x, 0xff);
    x86_byte(x, 0xd0);
}

static inline void x86_push(struct x86_buf *x, unsigned reg)
{
    x86_rex(x, false, 0, 0, reg, false);
    x86_byte(x, (uint8_t)(0x50 + (reg & 7)));
}

static inline void x86_pop(struct x86_buf *x, unsigned reg)
{
    x86_rex(x, false, 0, 0, reg, false);
    x86_byte(x, (uint8_t)(0x58 + (reg & 7)));
}

static inline void x86_ret(struct x86_buf *x)
{
    x86_byte(x, 0xc3);
}

#endif
