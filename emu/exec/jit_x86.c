/*
 * The x86-64 host JIT back end (see jit.h).
 *
 * Each IR op becomes a few host instructions working on the slots in
 * memory: rbx holds the vCPU (its slots cpu->r[] come first), r12 the
 * caller's link pointer. No host register lives across ops, so a helper
 * call or a fault needs nothing saved, and every slot write lands where
 * the interpreter's would.
 *
 * Loads and stores inline the soft-TLB compare of mmu/tlb.h (table of the
 * regime's selected bank, tag with the access's alignment bits, addend);
 * a miss jumps to a stub after the TB's body that calls the same slow
 * path as the interpreter. A fault anywhere leaves through one exit per
 * TB that rewinds the instruction count and delivers it (tb_fault_at).
 *
 * Host ABI: System V AMD64 (rdi, rsi, rdx, rcx, r8 carry arguments, rax
 * the result; rbx and r12 are callee-saved; rsp 16-byte aligned at calls).
 */
#include "exec/jit.h"

#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "exec/ir_arith.h"
#include "exec/tb.h"

#if defined(__x86_64__) && defined(EMU_JIT)

#include "exec/x86_emit.h"

/* Room the compiler keeps for one op's code, and for a whole TB. */
#define JIT_OP_MAX 160u
#define JIT_TB_MAX (IR_MAX_OPS * JIT_OP_MAX * 2u)

/* An access whose TLB compare missed: the stub calls the slow path. */
struct jit_stub {
    uint8_t *branch;            /* rel32 of the jne to the stub */
    uint8_t *resume;            /* the op after the access */
    const struct ir_op *op;
};

struct jit {
    uint8_t *code;
    size_t size, used;
};

/* One compilation: the code so far and the jumps still to be patched. */
struct jit_ctx {
    struct x86_buf x;
    struct tb *tb;
    unsigned pc_slot;
    unsigned nstub, nfault, nnext;
    struct jit_stub stubs[IR_MAX_OPS];
    uint8_t *fault_jumps[2 * IR_MAX_OPS];       /* to the fault exit */
    uint8_t *next_jumps[2 * IR_MAX_OPS];        /* to emit_next, rax = next TB */
};

#define CPU X86_RBX
#define LINK X86_R12

static int32_t slot_disp(unsigned slot)
{
    return (int32_t)(8 * slot);
}

_Static_assert(offsetof(struct cpu, r) == 0, "slots are addressed from the vCPU pointer");

struct jit *jit_create(size_t size)
{
    struct jit *j = calloc(1, sizeof(*j));
    if (!j)
        return NULL;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED) {
        free(j);
        return NULL;
    }
    j->code = p;
    j->size = size;
    return j;
}

void jit_destroy(struct jit *j)
{
    if (!j)
        return;
    munmap(j->code, j->size);
    free(j);
}

void jit_reset(struct jit *j)
{
    if (j)
        j->used = 0;
}

bool jit_full(const struct jit *j)
{
    return j && j->size - j->used < JIT_TB_MAX;
}

/* The IR condition as a host condition code (on cmp a, b). */
static enum x86_cc cond_cc(unsigned cond)
{
    static const enum x86_cc cc[] = {
        [IR_EQ] = X86_CC_E, [IR_NE] = X86_CC_NE, [IR_LT] = X86_CC_L,
        [IR_GE] = X86_CC_GE, [IR_LTU] = X86_CC_B, [IR_GEU] = X86_CC_AE,
    };
    return cc[cond];
}

static enum x86_cc cc_not(enum x86_cc cc)
{
    return (enum x86_cc)(cc ^ 1);
}

/* Helpers the code calls; each does what the interpreter's op does. */
static uint64_t jit_load_slow(struct cpu *cpu, uint64_t va, unsigned memop, unsigned mmu_idx)
{
    uint64_t v = 0;
    if (exec_load(cpu, va, memop, mmu_idx, &v) < 0)
        return 0;
    return v;
}

static void jit_store_slow(struct cpu *cpu, uint64_t va, uint64_t val, unsigned memop, unsigned mmu_idx)
{
    if (exec_store(cpu, va, memop, mmu_idx, val) < 0)
        return;
}

static void jit_fault_exit(struct cpu *cpu, unsigned insn, struct tb *tb)
{
    tb_fault_at(cpu, tb, insn);
}

/* add rsp, 8; pop r12; pop rbx; ret */
static void emit_epilogue(struct x86_buf *x)
{
    x86_op_rr(x, true, 0x83, 0, 0, X86_RSP);
    x86_byte(x, 8);
    x86_pop(x, LINK);
    x86_pop(x, CPU);
    x86_ret(x);
}

/* Leaves returning NULL: the run loop looks the next TB up. */
static void emit_return_null(struct x86_buf *x)
{
    x86_op_rr(x, false, 0x31, 0, X86_RAX, X86_RAX);     /* xor eax, eax */
    emit_epilogue(x);
}

/* mov qword [rbx + disp], imm (through rax when imm needs 64 bits). */
static void emit_store_imm(struct x86_buf *x, int32_t disp, uint64_t imm)
{
    if (x86_fits_i32((int64_t)imm)) {
        x86_op_mem(x, 0, true, 0xc7, 0, 0, CPU, X86_NO_INDEX, 0, disp);
        x86_u32(x, (uint32_t)imm);
    } else {
        x86_mov_imm(x, X86_RAX, imm);
        x86_store_mem(x, CPU, disp, X86_RAX);
    }
}

/* cmp byte [base + disp], 0 */
static void emit_cmp_byte_zero(struct x86_buf *x, unsigned base, int32_t disp)
{
    x86_op_mem(x, 0, false, 0x80, 0, 7, base, X86_NO_INDEX, 0, disp);
    x86_byte(x, 0);
}

/*
 * Leaves through jump slot `slot` to target (the pc slot is set): on to
 * the chained successor when there is a valid one (emit_next), else NULL,
 * with *link set when the target is on the TB's own virtual page (as
 * interp_run_tb).
 */
static void emit_chain(struct jit_ctx *jc, unsigned slot, uint64_t target)
{
    struct x86_buf *x = &jc->x;
    struct tb *tb = jc->tb;
    emit_store_imm(x, slot_disp(jc->pc_slot), target);
    x86_mov_imm(x, X86_RAX, (uint64_t)(uintptr_t)&tb->jmp[slot]);
    x86_op_mem(x, 0, true, 0x8b, 0, X86_RAX, X86_RAX, X86_NO_INDEX, 0, 0);     /* mov rax, [rax] */
    x86_op_rr(x, true, 0x85, 0, X86_RAX, X86_RAX);                              /* test rax, rax */
    uint8_t *none = x86_jcc(x, X86_CC_E);
    emit_cmp_byte_zero(x, X86_RAX, (int32_t)offsetof(struct tb, invalid));
    uint8_t *stale = x86_jcc(x, X86_CC_NE);
    jc->next_jumps[jc->nnext++] = x86_jmp(x);
    x86_patch(none, x->p);
    x86_patch(stale, x->p);
    if (((target ^ tb->pc) >> 12) == 0) {
        x86_mov_imm(x, X86_RCX, (uint64_t)(uintptr_t)&tb->jmp[slot]);
        x86_op_mem(x, 0, true, 0x89, 0, X86_RCX, LINK, X86_NO_INDEX, 0, 0);     /* mov [r12], rcx */
    }
    emit_return_null(x);
}

/*
 * Leaves to the address in r[a]: on to the TB the jump cache holds for it
 * when exec_run would find that very TB there next (no interrupt check
 * due, same mode flags, which a TB cannot change before an indirect jump:
 * ir.h puts IR_EXIT after any helper that changes them), else NULL.
 */
static void emit_goto_ptr(struct jit_ctx *jc, const struct ir_op *op)
{
    struct x86_buf *x = &jc->x;
    x86_load_mem(x, X86_RAX, CPU, slot_disp(op->a));
    x86_store_mem(x, CPU, slot_disp(jc->pc_slot), X86_RAX);
    emit_cmp_byte_zero(x, CPU, (int32_t)offsetof(struct cpu, irq_check));
    uint8_t *irq = x86_jcc(x, X86_CC_NE);
    /* rdx = jmp_index(pc) */
    x86_mov_rr(x, X86_RDX, X86_RAX);
    x86_shift_imm(x, X86_SHR, X86_RDX, 1);
    x86_mov_rr(x, X86_RCX, X86_RAX);
    x86_shift_imm(x, X86_SHR, X86_RCX, EXEC_JMP_CACHE_BITS + 1);
    x86_alu_rr(x, X86_XOR, X86_RDX, X86_RCX);
    x86_alu_imm(x, X86_AND, X86_RDX, (1 << EXEC_JMP_CACHE_BITS) - 1, X86_RCX);
    x86_op_mem(x, 0, true, 0x8b, 0, X86_RDX, CPU, X86_RDX, 3, (int32_t)offsetof(struct cpu, jmp_cache));
    x86_op_rr(x, true, 0x85, 0, X86_RDX, X86_RDX);                              /* test rdx, rdx */
    uint8_t *miss = x86_jcc(x, X86_CC_E);
    x86_op_mem(x, 0, true, 0x3b, 0, X86_RAX, X86_RDX, X86_NO_INDEX, 0, (int32_t)offsetof(struct tb, pc));
    uint8_t *other_pc = x86_jcc(x, X86_CC_NE);
    x86_op_mem(x, 0, false, 0x81, 0, 7, X86_RDX, X86_NO_INDEX, 0, (int32_t)offsetof(struct tb, flags));
    x86_u32(x, jc->tb->flags);                                                  /* cmp dword [rdx+flags], imm */
    uint8_t *other_mode = x86_jcc(x, X86_CC_NE);
    emit_cmp_byte_zero(x, X86_RDX, (int32_t)offsetof(struct tb, invalid));
    uint8_t *stale = x86_jcc(x, X86_CC_NE);
    x86_mov_rr(x, X86_RAX, X86_RDX);
    jc->next_jumps[jc->nnext++] = x86_jmp(x);
    x86_patch(irq, x->p);
    x86_patch(miss, x->p);
    x86_patch(other_pc, x->p);
    x86_patch(other_mode, x->p);
    x86_patch(stale, x->p);
    emit_return_null(x);
}

/*
 * rax = the next TB. Jumps straight into its host code when run_chain
 * would run it next without a word from the run loop: no exit request,
 * not halted, budget and instruction limit not reached, room for its
 * whole instruction count, and it has host code. Otherwise returns rax,
 * and run_chain decides as it always does.
 */
static void emit_next(struct jit_ctx *jc)
{
    struct x86_buf *x = &jc->x;
    uint8_t *ret[6];
    emit_cmp_byte_zero(x, CPU, (int32_t)offsetof(struct cpu, exit_request));
    ret[0] = x86_jcc(x, X86_CC_NE);
    emit_cmp_byte_zero(x, CPU, (int32_t)offsetof(struct cpu, halted));
    ret[1] = x86_jcc(x, X86_CC_NE);
    x86_load_mem(x, X86_RCX, CPU, (int32_t)offsetof(struct cpu, cycles));
    x86_alu_rm(x, X86_CMP, X86_RCX, CPU, (int32_t)offsetof(struct cpu, until));
    ret[2] = x86_jcc(x, X86_CC_AE);
    x86_load_mem(x, X86_RCX, CPU, (int32_t)offsetof(struct cpu, insn_limit));
    x86_alu_rm(x, X86_SUB, X86_RCX, CPU, (int32_t)offsetof(struct cpu, insns));
    ret[3] = x86_jcc(x, X86_CC_BE);                     /* insns >= limit */
    x86_op_mem(x, 0, false, 0x0f, 0xb7, X86_RDX, X86_RAX, X86_NO_INDEX, 0, (int32_t)offsetof(struct tb, ninsns));
    x86_alu_rr(x, X86_CMP, X86_RDX, X86_RCX);
    ret[4] = x86_jcc(x, X86_CC_A);
    x86_op_mem(x, 0, true, 0x8b, 0, X86_RDX, X86_RAX, X86_NO_INDEX, 0, (int32_t)offsetof(struct tb, jit_body));
    x86_op_rr(x, true, 0x85, 0, X86_RDX, X86_RDX);
    ret[5] = x86_jcc(x, X86_CC_E);
    x86_byte(x, 0xff);                                  /* jmp rdx */
    x86_byte(x, 0xe2);
    for (unsigned i = 0; i < 6; i++)
        x86_patch(ret[i], x->p);
    emit_epilogue(x);
}

/* What run_chain does before an interpreted TB: its cycles, instructions
 * and per-class counts. */
static void emit_count(struct jit_ctx *jc)
{
    struct x86_buf *x = &jc->x;
    const struct tb *tb = jc->tb;
    x86_op_mem(x, 0, true, 0x81, 0, 0, CPU, X86_NO_INDEX, 0, (int32_t)offsetof(struct cpu, cycles));
    x86_u32(x, tb->cycles);
    x86_op_mem(x, 0, true, 0x81, 0, 0, CPU, X86_NO_INDEX, 0, (int32_t)offsetof(struct cpu, insns));
    x86_u32(x, tb->ninsns);
    for (unsigned i = 0; i < tb->nclass_counts; i++) {
        int32_t disp = (int32_t)(offsetof(struct cpu, stat_class) + 8 * tb->class_counts[i].cls);
        x86_op_mem(x, 0, true, 0x81, 0, 0, CPU, X86_NO_INDEX, 0, disp);    /* add qword [..], imm32 */
        x86_u32(x, tb->class_counts[i].n);
    }
}

/* mov esi, insn; cmp byte [cpu->fault.pending], 0; jne fault exit */
static void emit_fault_check(struct jit_ctx *jc, unsigned insn)
{
    struct x86_buf *x = &jc->x;
    x86_mov_imm(x, X86_RSI, insn);
    emit_cmp_byte_zero(x, CPU, (int32_t)(offsetof(struct cpu, fault) + offsetof(struct cpu_fault, pending)));
    jc->fault_jumps[jc->nfault++] = x86_jcc(x, X86_CC_NE);
}

/*
 * The soft-TLB compare of tlb_fast for an access of op (rdx = va on
 * entry): on a hit rdx becomes the host address and execution falls
 * through; a miss takes the returned jne.
 */
static uint8_t *emit_tlb_lookup(struct x86_buf *x, const struct ir_op *op, enum tlb_access acc)
{
    const int32_t tlb = (int32_t)offsetof(struct cpu, tlb);
    const int32_t table = (int32_t)sizeof(((struct tlb *)0)->e[0]);
    int32_t entry0 = tlb + (int32_t)offsetof(struct tlb, e) + (int32_t)op->mmu_idx * table;
    unsigned size = IR_MO_SIZE(op->memop);

    /* rcx = the selected bank's offset from the regime's own table */
    x86_op_mem(x, 0, false, 0x0f, 0xb6, X86_RCX, CPU, X86_NO_INDEX, 0,
               tlb + (int32_t)offsetof(struct tlb, bank_off) + (int32_t)op->mmu_idx);  /* movzx ecx, byte */
    x86_op_rr(x, false, 0x69, 0, X86_RCX, X86_RCX);                                 /* imul ecx, ecx, table */
    x86_u32(x, (uint32_t)table);
    /* rcx += tlb_index(va) * sizeof(entry) */
    x86_mov_rr(x, X86_RAX, X86_RDX);
    x86_shift_imm(x, X86_SHR, X86_RAX, TLB_PAGE_BITS);
    x86_op_rr(x, false, 0x0f, 0xb6, X86_RAX, X86_RAX);                              /* movzx eax, al */
    _Static_assert(TLB_SIZE == 256, "the index is the low byte");
    _Static_assert(sizeof(struct tlb_entry) == 40, "the entry offset is index * 5 * 8");
    x86_op_mem(x, 0, true, 0x8d, 0, X86_RAX, X86_RAX, X86_RAX, 2, 0);               /* lea rax, [rax + rax*4] */
    x86_op_mem(x, 0, true, 0x8d, 0, X86_RCX, X86_RCX, X86_RAX, 3, 0);               /* lea rcx, [rcx + rax*8] */
    /* tag compare, then the addend */
    x86_mov_rr(x, X86_RAX, X86_RDX);
    x86_alu_imm(x, X86_AND, X86_RAX, (int64_t)(TLB_PAGE_MASK | (size - 1)), X86_RSI);
    x86_op_mem(x, 0, true, 0x3b, 0, X86_RAX, CPU, X86_RCX, 0,
               entry0 + (int32_t)offsetof(struct tlb_entry, tag) + 8 * (int32_t)acc);
    uint8_t *miss = x86_jcc(x, X86_CC_NE);
    x86_op_mem(x, 0, true, 0x03, 0, X86_RDX, CPU, X86_RCX, 0, entry0 + (int32_t)offsetof(struct tlb_entry, addend));
    return miss;
}

/* rdx = r[a] + imm */
static void emit_address(struct x86_buf *x, const struct ir_op *op)
{
    x86_load_mem(x, X86_RDX, CPU, slot_disp(op->a));
    if (op->imm != 0) {
        if (x86_fits_i32(op->imm))
            x86_op_mem(x, 0, true, 0x8d, 0, X86_RDX, X86_RDX, X86_NO_INDEX, 0, (int32_t)op->imm);
        else
            x86_alu_imm(x, X86_ADD, X86_RDX, op->imm, X86_RCX);
    }
}

static void emit_load(struct jit_ctx *jc, const struct ir_op *op)
{
    struct x86_buf *x = &jc->x;
    emit_address(x, op);
    uint8_t *miss = emit_tlb_lookup(x, op, TLB_READ);
    switch (op->memop & 7) {
    case IR_MO_8:  x86_op_mem(x, 0, false, 0x0f, 0xb6, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    case IR_MO_16: x86_op_mem(x, 0, false, 0x0f, 0xb7, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    case IR_MO_32: x86_op_mem(x, 0, false, 0x8b, 0, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    case IR_MO_8 | IR_MO_SIGN:  x86_op_mem(x, 0, true, 0x0f, 0xbe, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    case IR_MO_16 | IR_MO_SIGN: x86_op_mem(x, 0, true, 0x0f, 0xbf, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    case IR_MO_32 | IR_MO_SIGN: x86_op_mem(x, 0, true, 0x63, 0, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    default:       x86_op_mem(x, 0, true, 0x8b, 0, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    }
    x86_store_mem(x, CPU, slot_disp(op->d), X86_RAX);
    jc->stubs[jc->nstub++] = (struct jit_stub){ .branch = miss, .resume = x->p, .op = op };
}

static void emit_store(struct jit_ctx *jc, const struct ir_op *op)
{
    struct x86_buf *x = &jc->x;
    emit_address(x, op);
    uint8_t *miss = emit_tlb_lookup(x, op, TLB_WRITE);
    x86_load_mem(x, X86_RAX, CPU, slot_disp(op->b));
    switch (op->memop & 3) {
    case IR_MO_8:  x86_op_mem(x, 0, false, 0x88, 0, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    case IR_MO_16: x86_op_mem(x, 0x66, false, 0x89, 0, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    case IR_MO_32: x86_op_mem(x, 0, false, 0x89, 0, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    default:       x86_op_mem(x, 0, true, 0x89, 0, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    }
    jc->stubs[jc->nstub++] = (struct jit_stub){ .branch = miss, .resume = x->p, .op = op };
}

/* The slow path of an access whose TLB compare missed (rdx = va). */
static void emit_stub(struct jit_ctx *jc, const struct jit_stub *s)
{
    struct x86_buf *x = &jc->x;
    const struct ir_op *op = s->op;
    x86_patch(s->branch, x->p);
    x86_mov_rr(x, X86_RDI, CPU);
    x86_mov_rr(x, X86_RSI, X86_RDX);
    if (op->opc == IR_LD) {
        x86_mov_imm(x, X86_RDX, op->memop);
        x86_mov_imm(x, X86_RCX, op->mmu_idx);
        x86_call(x, (const void *)jit_load_slow);
        emit_fault_check(jc, op->insn);
        x86_store_mem(x, CPU, slot_disp(op->d), X86_RAX);
    } else {
        x86_load_mem(x, X86_RDX, CPU, slot_disp(op->b));
        x86_mov_imm(x, X86_RCX, op->memop);
        x86_mov_imm(x, X86_R8, op->mmu_idx);
        x86_call(x, (const void *)jit_store_slow);
        emit_fault_check(jc, op->insn);
    }
    x86_patch(x86_jmp(x), s->resume);
}

/* d = fn(r[a], r[b]) for the ops the host has no single instruction for. */
static void emit_call2(struct x86_buf *x, const struct ir_op *op, uint64_t (*fn)(uint64_t, uint64_t))
{
    x86_load_mem(x, X86_RDI, CPU, slot_disp(op->a));
    x86_load_mem(x, X86_RSI, CPU, slot_disp(op->b));
    x86_call(x, (const void *)fn);
    x86_store_mem(x, CPU, slot_disp(op->d), X86_RAX);
}

static void emit_helper_call(struct jit_ctx *jc, const struct ir_op *op)
{
    struct x86_buf *x = &jc->x;
    x86_mov_rr(x, X86_RDI, CPU);
    x86_load_mem(x, X86_RSI, CPU, slot_disp(op->a));
    x86_load_mem(x, X86_RDX, CPU, slot_disp(op->b));
    x86_load_mem(x, X86_RCX, CPU, slot_disp(op->c));
    x86_mov_imm(x, X86_R8, (uint64_t)op->imm);
    x86_call(x, (const void *)op->fn);
    if (op->flags & IR_CALL_MAY_FAULT)
        emit_fault_check(jc, op->insn);
    if (!(op->flags & IR_CALL_NO_RESULT))
        x86_store_mem(x, CPU, slot_disp(op->d), X86_RAX);
}

/* d = r[a] op r[b] with one host ALU instruction. */
static void emit_alu(struct x86_buf *x, const struct ir_op *op, enum x86_alu alu)
{
    x86_load_mem(x, X86_RAX, CPU, slot_disp(op->a));
    x86_alu_rm(x, alu, X86_RAX, CPU, slot_disp(op->b));
    x86_store_mem(x, CPU, slot_disp(op->d), X86_RAX);
}

static void emit_alui(struct x86_buf *x, const struct ir_op *op, enum x86_alu alu)
{
    x86_load_mem(x, X86_RAX, CPU, slot_disp(op->a));
    x86_alu_imm(x, alu, X86_RAX, op->imm, X86_RCX);
    x86_store_mem(x, CPU, slot_disp(op->d), X86_RAX);
}

static void emit_shift(struct x86_buf *x, const struct ir_op *op, enum x86_shift sh)
{
    x86_load_mem(x, X86_RCX, CPU, slot_disp(op->b));
    x86_load_mem(x, X86_RAX, CPU, slot_disp(op->a));
    x86_shift_cl(x, sh, X86_RAX);
    x86_store_mem(x, CPU, slot_disp(op->d), X86_RAX);
}

static void emit_shifti(struct x86_buf *x, const struct ir_op *op, enum x86_shift sh)
{
    x86_load_mem(x, X86_RAX, CPU, slot_disp(op->a));
    x86_shift_imm(x, sh, X86_RAX, (unsigned)(op->imm & 63));
    x86_store_mem(x, CPU, slot_disp(op->d), X86_RAX);
}

/* d = extend(r[a]): one load of the right width and signedness. */
static void emit_ext(struct x86_buf *x, const struct ir_op *op, bool w, uint8_t op0, uint8_t op1)
{
    x86_op_mem(x, 0, w, op0, op1, X86_RAX, CPU, X86_NO_INDEX, 0, slot_disp(op->a));
    x86_store_mem(x, CPU, slot_disp(op->d), X86_RAX);
}

/* rax = r[a], compared with r[b] (or imm): the flags hold the condition. */
static void emit_compare(struct x86_buf *x, const struct ir_op *op, bool with_imm)
{
    x86_load_mem(x, X86_RAX, CPU, slot_disp(op->a));
    if (with_imm)
        x86_alu_imm(x, X86_CMP, X86_RAX, op->imm, X86_RDX);
    else
        x86_alu_rm(x, X86_CMP, X86_RAX, CPU, slot_disp(op->b));
}

static void emit_setcond(struct x86_buf *x, const struct ir_op *op, bool with_imm)
{
    x86_op_rr(x, false, 0x31, 0, X86_RCX, X86_RCX);     /* xor ecx, ecx (before the compare: it sets flags) */
    emit_compare(x, op, with_imm);
    x86_setcc(x, cond_cc(op->cond), X86_RCX);
    x86_store_mem(x, CPU, slot_disp(op->d), X86_RCX);
}

static void emit_movcond(struct x86_buf *x, const struct ir_op *op)
{
    x86_load_mem(x, X86_RDX, CPU, slot_disp(op->d));
    emit_compare(x, op, false);
    x86_cmov_rm(x, cond_cc(op->cond), X86_RDX, CPU, slot_disp(op->c));
    x86_store_mem(x, CPU, slot_disp(op->d), X86_RDX);
}

/* d = high 64 bits of r[a] * r[b] (mul / imul r/m64 leave them in rdx). */
static void emit_mulh(struct x86_buf *x, const struct ir_op *op, unsigned digit)
{
    x86_load_mem(x, X86_RAX, CPU, slot_disp(op->a));
    x86_op_mem(x, 0, true, 0xf7, 0, digit, CPU, X86_NO_INDEX, 0, slot_disp(op->b));
    x86_store_mem(x, CPU, slot_disp(op->d), X86_RDX);
}

/* The branch ops of one TB; false for an op the JIT leaves to the interpreter. */
static bool emit_op(struct jit_ctx *jc, const struct ir_op *op)
{
    struct x86_buf *x = &jc->x;
    switch (op->opc) {
    case IR_MOVI: emit_store_imm(x, slot_disp(op->d), (uint64_t)op->imm); return true;
    case IR_MOV:
        x86_load_mem(x, X86_RAX, CPU, slot_disp(op->a));
        x86_store_mem(x, CPU, slot_disp(op->d), X86_RAX);
        return true;
    case IR_ADD: emit_alu(x, op, X86_ADD); return true;
    case IR_SUB: emit_alu(x, op, X86_SUB); return true;
    case IR_AND: emit_alu(x, op, X86_AND); return true;
    case IR_OR:  emit_alu(x, op, X86_OR); return true;
    case IR_XOR: emit_alu(x, op, X86_XOR); return true;
    case IR_SHL: emit_shift(x, op, X86_SHL); return true;
    case IR_SHR: emit_shift(x, op, X86_SHR); return true;
    case IR_SAR: emit_shift(x, op, X86_SAR); return true;
    case IR_MUL:
        x86_load_mem(x, X86_RAX, CPU, slot_disp(op->a));
        x86_op_mem(x, 0, true, 0x0f, 0xaf, X86_RAX, CPU, X86_NO_INDEX, 0, slot_disp(op->b));  /* imul */
        x86_store_mem(x, CPU, slot_disp(op->d), X86_RAX);
        return true;
    case IR_MULHS: emit_mulh(x, op, 5); return true;
    case IR_MULHU: emit_mulh(x, op, 4); return true;
    case IR_MULHSU: emit_call2(x, op, mulh_su); return true;
    case IR_DIVS: emit_call2(x, op, div_s); return true;
    case IR_DIVU: emit_call2(x, op, div_u); return true;
    case IR_REMS: emit_call2(x, op, rem_s); return true;
    case IR_REMU: emit_call2(x, op, rem_u); return true;
    case IR_DIVS32: emit_call2(x, op, div_s32); return true;
    case IR_DIVU32: emit_call2(x, op, div_u32); return true;
    case IR_REMS32: emit_call2(x, op, rem_s32); return true;
    case IR_REMU32: emit_call2(x, op, rem_u32); return true;
    case IR_ADDI: emit_alui(x, op, X86_ADD); return true;
    case IR_ANDI: emit_alui(x, op, X86_AND); return true;
    case IR_ORI:  emit_alui(x, op, X86_OR); return true;
    case IR_XORI: emit_alui(x, op, X86_XOR); return true;
    case IR_SHLI: emit_shifti(x, op, X86_SHL); return true;
    case IR_SHRI: emit_shifti(x, op, X86_SHR); return true;
    case IR_SARI: emit_shifti(x, op, X86_SAR); return true;
    case IR_EXT8S:  emit_ext(x, op, true, 0x0f, 0xbe); return true;     /* movsx rax, byte */
    case IR_EXT16S: emit_ext(x, op, true, 0x0f, 0xbf); return true;     /* movsx rax, word */
    case IR_EXT32S: emit_ext(x, op, true, 0x63, 0); return true;        /* movsxd rax, dword */
    case IR_EXT8U:  emit_ext(x, op, false, 0x0f, 0xb6); return true;    /* movzx eax, byte */
    case IR_EXT16U: emit_ext(x, op, false, 0x0f, 0xb7); return true;    /* movzx eax, word */
    case IR_EXT32U: emit_ext(x, op, false, 0x8b, 0); return true;       /* mov eax, dword */
    case IR_SETCOND:  emit_setcond(x, op, false); return true;
    case IR_SETCONDI: emit_setcond(x, op, true); return true;
    case IR_MOVCOND: emit_movcond(x, op); return true;
    case IR_LD: emit_load(jc, op); return true;
    case IR_ST: emit_store(jc, op); return true;
    case IR_CALL: emit_helper_call(jc, op); return true;
    case IR_BRCOND: {
        emit_compare(x, op, false);
        uint8_t *not_taken = x86_jcc(x, cc_not(cond_cc(op->cond)));
        emit_chain(jc, 0, (uint64_t)op->imm);
        x86_patch(not_taken, x->p);
        return true;
    }
    case IR_GOTO_TB: emit_chain(jc, op->c & 1, (uint64_t)op->imm); return true;
    case IR_GOTO_PTR: emit_goto_ptr(jc, op); return true;
    case IR_EXIT: emit_return_null(x); return true;
    default:
        return false;   /* the timed forms: the interpreter tells the model */
    }
}

jit_code_fn jit_compile(struct jit *j, struct tb *tb, unsigned pc_slot)
{
    if (!j || jit_full(j))
        return NULL;
    struct jit_ctx *jc = malloc(sizeof(*jc));
    if (!jc)
        return NULL;
    size_t start = (j->used + 15) & ~(size_t)15;
    jc->x = (struct x86_buf){ .p = j->code + start, .end = j->code + j->size };
    jc->tb = tb;
    jc->pc_slot = pc_slot;
    jc->nstub = jc->nfault = jc->nnext = 0;
    struct x86_buf *x = &jc->x;
    jit_code_fn fn = NULL;

    /* From C: push rbx; push r12; sub rsp, 8; rbx = cpu; r12 = link;
     * *link = NULL. Chained code enters at the body, with all of it set. */
    x86_push(x, CPU);
    x86_push(x, LINK);
    x86_op_rr(x, true, 0x83, 0, 5, X86_RSP);
    x86_byte(x, 8);
    x86_mov_rr(x, CPU, X86_RDI);
    x86_mov_rr(x, LINK, X86_RSI);
    const uint8_t *body = x->p;
    x86_op_mem(x, 0, true, 0xc7, 0, 0, LINK, X86_NO_INDEX, 0, 0);
    x86_u32(x, 0);
    emit_count(jc);

    for (unsigned i = 0; i < tb->nops; i++) {
        if (!x86_room(x, JIT_OP_MAX) || !emit_op(jc, &tb->ops[i]))
            goto out;
    }
    /* Ops never fall off the end; should they, leave as after an exit. */
    emit_return_null(x);
    for (unsigned i = 0; i < jc->nstub; i++) {
        if (!x86_room(x, JIT_OP_MAX))
            goto out;
        emit_stub(jc, &jc->stubs[i]);
    }
    if (!x86_room(x, 2 * JIT_OP_MAX))
        goto out;
    for (unsigned i = 0; i < jc->nnext; i++)
        x86_patch(jc->next_jumps[i], x->p);
    emit_next(jc);
    for (unsigned i = 0; i < jc->nfault; i++)
        x86_patch(jc->fault_jumps[i], x->p);
    /* The fault exit: esi = the faulting instruction's index. */
    x86_mov_rr(x, X86_RDI, CPU);
    x86_mov_imm(x, X86_RDX, (uint64_t)(uintptr_t)tb);
    x86_call(x, (const void *)jit_fault_exit);
    emit_return_null(x);

    fn = (jit_code_fn)(void *)(j->code + start);
    tb->jit_body = body;
    j->used = (size_t)(x->p - j->code);
out:
    free(jc);
    return fn;
}

#else   /* no JIT on this host or in this build: every TB is interpreted */

struct jit {
    int unused;
};

struct jit *jit_create(size_t size)
{
    return NULL;
}

void jit_destroy(struct jit *j)
{
}

void jit_reset(struct jit *j)
{
}

bool jit_full(const struct jit *j)
{
    return false;
}

jit_code_fn jit_compile(struct jit *j, struct tb *tb, unsigned pc_slot)
{
    return NULL;
}

#endif
