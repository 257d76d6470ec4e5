/*
 * The x86-64 host JIT back end (see jit.h).
 *
 * Each IR op becomes a few host instructions: rbx holds the vCPU (its
 * slots cpu->r[] come first), r12 the caller's link pointer, and up to
 * seven slots the TB uses most stay in host registers between ops
 * (choose_cached). Memory gets those back before anything can read
 * cpu->r[] (a helper, a slow path, a fault, an exit), so every slot
 * holds what the interpreter would have written whenever it is looked
 * at. rax, rcx and rdx are scratch; rsi, rdi and r8 carry call arguments.
 *
 * Loads and stores inline the soft-TLB compare of mmu/tlb.h (table of the
 * regime's selected bank, tag with the access's alignment bits, addend);
 * a miss jumps to a stub after the TB's body that calls the same slow
 * path as the interpreter. A fault anywhere leaves through one exit per
 * TB that rewinds the instruction count and delivers it (tb_fault_at).
 *
 * Host ABI: System V AMD64 (rdi, rsi, rdx, rcx, r8 carry arguments, rax
 * the result; rbx, rbp and r12-r15 are callee-saved; rsp 16-byte aligned
 * at calls). A TB's frame keeps its one spare 8-byte slot, [rsp], for a
 * value that must outlive a call (a timed access's address).
 */
#include "exec/jit.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "exec/ir_arith.h"
#include "exec/tb.h"
#include "timing/core.h"

#if defined(__x86_64__) && defined(EMU_JIT)

#include "exec/x86_emit.h"

/* Room the compiler keeps for one op's code (the longest, a timed branch
 * leaving to another page, takes about 250 bytes), and for a whole TB. */
#define JIT_OP_MAX 512u
#define JIT_TB_MAX (IR_MAX_OPS * JIT_OP_MAX * 2u)

/* Host registers that hold slots for a whole TB: four callee-saved ones,
 * which a call keeps, then three caller-saved ones the code uses for
 * nothing else, which a call clobbers (memory has them before, and they
 * are loaded again after it). */
#define JIT_NCACHE 7u
#define JIT_NKEPT 4u
static const uint8_t jit_cache_regs[JIT_NCACHE] = { X86_RBP, X86_R13, X86_R14, X86_R15, X86_R9, X86_R10, X86_R11 };
#define JIT_CLOBBERED ((uint8_t)(((1u << JIT_NCACHE) - 1) & ~((1u << JIT_NKEPT) - 1)))

/* An access whose TLB compare missed: the stub calls the slow path. */
struct jit_stub {
    uint8_t *branch;            /* rel32 of the jne to the stub */
    uint8_t *resume;            /* the op after the access */
    const struct ir_op *op;
    uint8_t dirty;              /* cached slots not yet in memory there */
};

struct jit_ctx;

struct jit {
    uint8_t *code;
    size_t size, used;
    struct jit_ctx *ctx;        /* scratch of one compilation */
};

/* One compilation: the code so far and the jumps still to be patched. */
struct jit_ctx {
    struct x86_buf x;
    struct tb *tb;
    unsigned pc_slot;
    bool timed;                 /* a detailed timing model: tell it as the interpreter's timed ops do */
    /* The slots the TB keeps in host registers: cache_slot[i] lives in
     * jit_cache_regs[i] (ncache of them), reg_of[slot] is 1 + i or 0.
     * Bit i of dirty: register i was written since memory last got it. */
    unsigned ncache;
    uint8_t cache_slot[JIT_NCACHE];
    uint8_t reg_of[IR_NSLOTS];
    uint8_t dirty;
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
    j->ctx = malloc(sizeof(*j->ctx));
    if (!j->ctx) {
        free(j);
        return NULL;
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED) {
        free(j->ctx);
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
    free(j->ctx);
    free(j);
}

void jit_reset(struct jit *j)
{
    if (j)
        j->used = 0;
}

/* Too little room left for the longest TB's code. */
static bool jit_full(const struct jit *j)
{
    return j->size - j->used < JIT_TB_MAX;
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

/* The detailed timing model's hooks (timing/core.h), as run_chain and the
 * interpreter's timed ops call them. None reads a slot. */
static void jit_timed_fetch(struct cpu *cpu, const struct tb *tb)
{
    if (cpu->tc)
        timing_on_fetch(cpu, cpu->tc, tb->pc, tb->fetch_pa, tb->phys_page[1], tb->fetch_len, tb->fetch_mmu_idx);
}

/* After a fast-path access: pa comes from the soft-TLB entry it hit. */
static void jit_timed_load(struct cpu *cpu, uint64_t va, uint64_t pa, unsigned mmu_idx)
{
    timing_on_access_at(cpu, cpu->tc, va, pa, mmu_idx, false);
}

static void jit_timed_store(struct cpu *cpu, uint64_t va, uint64_t pa, unsigned mmu_idx)
{
    timing_on_access_at(cpu, cpu->tc, va, pa, mmu_idx, true);
}

static uint64_t jit_timed_load_slow(struct cpu *cpu, uint64_t va, unsigned memop, unsigned mmu_idx)
{
    uint64_t v = 0;
    if (exec_load(cpu, va, memop, mmu_idx, &v) < 0)
        return 0;
    timing_on_slow_access(cpu, cpu->tc, va, mmu_idx, false);
    return v;
}

static void jit_timed_store_slow(struct cpu *cpu, uint64_t va, uint64_t val, unsigned memop, unsigned mmu_idx)
{
    if (exec_store(cpu, va, memop, mmu_idx, val) < 0)
        return;
    timing_on_slow_access(cpu, cpu->tc, va, mmu_idx, true);
}

static void jit_timed_branch(struct cpu *cpu, uint64_t pc, bool taken)
{
    timing_on_branch(cpu, cpu->tc, pc, taken);
}

static void jit_timed_indirect(struct cpu *cpu, uint64_t pc, uint64_t target)
{
    timing_on_indirect(cpu, cpu->tc, pc, target);
}

/* ---- Slots: in a cached register or in memory ---- */

/* The host register caching slot, or -1. */
static int cached(const struct jit_ctx *jc, unsigned slot)
{
    return jc->reg_of[slot] ? jit_cache_regs[jc->reg_of[slot] - 1] : -1;
}

/* reg = r[slot] */
static void emit_get(struct jit_ctx *jc, unsigned reg, unsigned slot)
{
    int r = cached(jc, slot);
    if (r < 0)
        x86_load_mem(&jc->x, reg, CPU, slot_disp(slot));
    else if ((unsigned)r != reg)
        x86_mov_rr(&jc->x, reg, (unsigned)r);
}

/* r[slot] = reg */
static void emit_put(struct jit_ctx *jc, unsigned slot, unsigned reg)
{
    int r = cached(jc, slot);
    if (r < 0) {
        x86_store_mem(&jc->x, CPU, slot_disp(slot), reg);
    } else {
        if ((unsigned)r != reg)
            x86_mov_rr(&jc->x, (unsigned)r, reg);
        jc->dirty |= (uint8_t)(1u << (jc->reg_of[slot] - 1));
    }
}

/* r[slot] = imm */
static void emit_put_imm(struct jit_ctx *jc, unsigned slot, uint64_t imm)
{
    int r = cached(jc, slot);
    if (r >= 0) {
        x86_mov_imm(&jc->x, (unsigned)r, imm);
        jc->dirty |= (uint8_t)(1u << (jc->reg_of[slot] - 1));
    } else if (x86_fits_i32((int64_t)imm)) {
        x86_op_mem(&jc->x, 0, true, 0xc7, 0, 0, CPU, X86_NO_INDEX, 0, slot_disp(slot));
        x86_u32(&jc->x, (uint32_t)imm);
    } else {
        x86_mov_imm(&jc->x, X86_RAX, imm);
        x86_store_mem(&jc->x, CPU, slot_disp(slot), X86_RAX);
    }
}

/* reg = reg op r[slot] */
static void emit_alu_slot(struct jit_ctx *jc, enum x86_alu op, unsigned reg, unsigned slot)
{
    int r = cached(jc, slot);
    if (r < 0)
        x86_alu_rm(&jc->x, op, reg, CPU, slot_disp(slot));
    else
        x86_alu_rr(&jc->x, op, reg, (unsigned)r);
}

/* An instruction whose r/m operand is r[slot]: the register or the memory form. */
static void emit_op_slot(struct jit_ctx *jc, bool w, uint8_t op0, uint8_t op1, unsigned reg, unsigned slot)
{
    int r = cached(jc, slot);
    if (r < 0)
        x86_op_mem(&jc->x, 0, w, op0, op1, reg, CPU, X86_NO_INDEX, 0, slot_disp(slot));
    else
        x86_op_rr(&jc->x, w, op0, op1, reg, (unsigned)r);
}

/* Memory gets the cached slots in mask (before code that reads cpu->r[]). */
static void emit_writeback(struct jit_ctx *jc, uint8_t mask)
{
    for (unsigned i = 0; i < jc->ncache; i++) {
        if (mask & (1u << i))
            x86_store_mem(&jc->x, CPU, slot_disp(jc->cache_slot[i]), jit_cache_regs[i]);
    }
}

/* Everything written so far reaches memory. */
static void emit_flush(struct jit_ctx *jc)
{
    emit_writeback(jc, jc->dirty);
    jc->dirty = 0;
}

/* The cached registers in mask take memory's values. */
static void emit_reload_mask(struct jit_ctx *jc, uint8_t mask)
{
    for (unsigned i = 0; i < jc->ncache; i++) {
        if (mask & (1u << i))
            x86_load_mem(&jc->x, jit_cache_regs[i], CPU, slot_disp(jc->cache_slot[i]));
    }
}

/* All of them (after a helper, which may have written any slot). */
static void emit_reload(struct jit_ctx *jc)
{
    emit_reload_mask(jc, 0xff);
}

/* A call to a C function that reads no slot: the cached registers it
 * clobbers wait in memory meanwhile. */
static void emit_call(struct jit_ctx *jc, const void *fn)
{
    emit_writeback(jc, jc->dirty & JIT_CLOBBERED);
    jc->dirty &= (uint8_t)~JIT_CLOBBERED;
    x86_call(&jc->x, fn);
    emit_reload_mask(jc, JIT_CLOBBERED);
}

/*
 * Picks the slots the TB uses most (three uses or more, the pc slot
 * aside, which helpers read) for the cached registers. The choice only
 * decides where a value waits inside the TB; memory has every value
 * before anything can look at it.
 */
/* The uses of each slot, and the slots used, in first-use order. */
struct slot_uses {
    uint16_t n[IR_NSLOTS];
    uint8_t seen[IR_NSLOTS];
    unsigned nseen;
};

static void use(struct slot_uses *u, unsigned slot)
{
    if (u->n[slot]++ == 0)
        u->seen[u->nseen++] = (uint8_t)slot;
}

static void choose_cached(struct jit_ctx *jc)
{
    struct slot_uses u;
    const struct tb *tb = jc->tb;
    memset(u.n, 0, sizeof(u.n));
    u.nseen = 0;
    for (unsigned i = 0; i < tb->nops; i++) {
        const struct ir_op *op = &tb->ops[i];
        switch (op->opc) {
        case IR_MOVI: use(&u, op->d); break;
        case IR_ST: case IR_ST_T: case IR_BRCOND: case IR_BRCOND_T: use(&u, op->a); use(&u, op->b); break;
        case IR_GOTO_PTR: case IR_GOTO_PTR_T: use(&u, op->a); break;
        case IR_GOTO_TB: case IR_EXIT: break;
        case IR_CALL:
            use(&u, op->a); use(&u, op->b); use(&u, op->c);
            if (!(op->flags & IR_CALL_NO_RESULT))
                use(&u, op->d);
            break;
        case IR_MOVCOND: use(&u, op->a); use(&u, op->b); use(&u, op->c); use(&u, op->d); use(&u, op->d); break;
        case IR_MOV: case IR_ADDI: case IR_ANDI: case IR_ORI: case IR_XORI: case IR_SHLI: case IR_SHRI:
        case IR_SARI: case IR_EXT8S: case IR_EXT16S: case IR_EXT32S: case IR_EXT8U: case IR_EXT16U:
        case IR_EXT32U: case IR_SETCONDI: case IR_LD: case IR_LD_T:
            use(&u, op->a); use(&u, op->d);
            break;
        default: use(&u, op->a); use(&u, op->b); use(&u, op->d); break;
        }
    }
    u.n[jc->pc_slot] = 0;
    memset(jc->reg_of, 0, sizeof(jc->reg_of));
    jc->ncache = 0;
    while (jc->ncache < JIT_NCACHE) {
        unsigned best = jc->pc_slot;
        for (unsigned k = 0; k < u.nseen; k++) {
            if (u.n[u.seen[k]] > u.n[best])
                best = u.seen[k];
        }
        if (u.n[best] < 3)
            break;
        jc->cache_slot[jc->ncache] = (uint8_t)best;
        jc->reg_of[best] = (uint8_t)(++jc->ncache);
        u.n[best] = 0;
    }
    jc->dirty = 0;
}

/* ---- Entry and exits ---- */

/* add rsp, 8; pop the callee-saved registers; ret */
static void emit_epilogue(struct x86_buf *x)
{
    x86_op_rr(x, true, 0x83, 0, 0, X86_RSP);
    x86_byte(x, 8);
    for (unsigned i = JIT_NKEPT; i-- > 0;)
        x86_pop(x, jit_cache_regs[i]);
    x86_pop(x, LINK);
    x86_pop(x, CPU);
    x86_ret(x);
}

/* Leaves returning NULL: the run loop looks the next TB up. */
static void emit_return_null(struct x86_buf *x)
{
    x86_zero(x, X86_RAX);
    emit_epilogue(x);
}

/* cmp byte [base + disp], 0 */
static void emit_cmp_byte_zero(struct x86_buf *x, unsigned base, int32_t disp)
{
    x86_op_mem(x, 0, false, 0x80, 0, 7, base, X86_NO_INDEX, 0, disp);
    x86_byte(x, 0);
}

/*
 * The pc slot holds rax, the address execution goes on at: on to the TB
 * the jump cache holds for it when exec_run would find that very TB there
 * next (no interrupt check due, same mode flags, which a TB cannot change
 * before it jumps: ir.h puts IR_EXIT after any helper that changes them),
 * else NULL. The caller has flushed the cached slots.
 */
static void emit_lookup_jump(struct jit_ctx *jc)
{
    struct x86_buf *x = &jc->x;
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
    x86_test(x, X86_RDX);
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
 * Leaves through jump slot `slot` to target. On the TB's own virtual
 * page: on to the chained successor when there is a valid one
 * (emit_next), else NULL with *link set, as interp_run_tb. Another page
 * may be mapped elsewhere next time, so a jump there is never chained:
 * it goes through the jump cache as exec_run's lookup would. The caller
 * has flushed the cached slots.
 */
static void emit_chain(struct jit_ctx *jc, unsigned slot, uint64_t target)
{
    struct x86_buf *x = &jc->x;
    struct tb *tb = jc->tb;
    if (((target ^ tb->pc) >> 12) != 0) {
        x86_mov_imm(x, X86_RAX, target);
        emit_lookup_jump(jc);
        return;
    }
    emit_put_imm(jc, jc->pc_slot, target);
    x86_mov_imm(x, X86_RAX, (uint64_t)(uintptr_t)&tb->jmp[slot]);
    x86_load_mem(x, X86_RAX, X86_RAX, 0);
    x86_test(x, X86_RAX);
    uint8_t *none = x86_jcc(x, X86_CC_E);
    emit_cmp_byte_zero(x, X86_RAX, (int32_t)offsetof(struct tb, invalid));
    uint8_t *stale = x86_jcc(x, X86_CC_NE);
    jc->next_jumps[jc->nnext++] = x86_jmp(x);
    x86_patch(none, x->p);
    x86_patch(stale, x->p);
    x86_mov_imm(x, X86_RCX, (uint64_t)(uintptr_t)&tb->jmp[slot]);
    x86_store_mem(x, LINK, 0, X86_RCX);
    emit_return_null(x);
}

/* Leaves to the address in r[a] (see emit_lookup_jump). */
static void emit_goto_ptr(struct jit_ctx *jc, const struct ir_op *op)
{
    emit_get(jc, X86_RAX, op->a);
    emit_flush(jc);
    emit_lookup_jump(jc);
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
    x86_load_mem(x, X86_RDX, X86_RAX, (int32_t)offsetof(struct tb, jit_body));
    x86_test(x, X86_RDX);
    ret[5] = x86_jcc(x, X86_CC_E);
    x86_byte(x, 0xff);                                  /* jmp rdx */
    x86_byte(x, 0xe2);
    for (unsigned i = 0; i < 6; i++)
        x86_patch(ret[i], x->p);
    emit_epilogue(x);
}

/* What run_chain does before an interpreted TB: its cycles, the timing
 * model's fetch, its instructions and per-class counts. */
static void emit_count(struct jit_ctx *jc)
{
    struct x86_buf *x = &jc->x;
    const struct tb *tb = jc->tb;
    x86_op_mem(x, 0, true, 0x81, 0, 0, CPU, X86_NO_INDEX, 0, (int32_t)offsetof(struct cpu, cycles));
    x86_u32(x, tb->cycles);
    if (jc->timed) {
        x86_mov_rr(x, X86_RDI, CPU);
        x86_mov_imm(x, X86_RSI, (uint64_t)(uintptr_t)tb);
        x86_call(x, (const void *)jit_timed_fetch);
    }
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

/* ---- Memory accesses ---- */

/*
 * The soft-TLB compare of tlb_fast for an access of op (rdx = va on
 * entry): on a hit rdx becomes the host address and execution falls
 * through; a miss takes the returned jne.
 */
/* Where the regime's own (bank 0) table starts, from the vCPU. */
static int32_t tlb_table0(const struct ir_op *op)
{
    return (int32_t)(offsetof(struct cpu, tlb) + offsetof(struct tlb, e) + op->mmu_idx * sizeof(((struct tlb *)0)->e[0]));
}

static uint8_t *emit_tlb_lookup(struct x86_buf *x, const struct ir_op *op, enum tlb_access acc)
{
    const int32_t tlb = (int32_t)offsetof(struct cpu, tlb);
    const int32_t table = (int32_t)sizeof(((struct tlb *)0)->e[0]);
    int32_t entry0 = tlb_table0(op);
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
static void emit_address(struct jit_ctx *jc, const struct ir_op *op)
{
    struct x86_buf *x = &jc->x;
    emit_get(jc, X86_RDX, op->a);
    if (op->imm != 0) {
        if (x86_fits_i32(op->imm))
            x86_op_mem(x, 0, true, 0x8d, 0, X86_RDX, X86_RDX, X86_NO_INDEX, 0, (int32_t)op->imm);
        else
            x86_alu_imm(x, X86_ADD, X86_RDX, op->imm, X86_RCX);
    }
}

/* The va of a timed access waits in the frame's spare slot, [rsp]. */
static void emit_save_va(struct jit_ctx *jc)
{
    x86_store_mem(&jc->x, X86_RSP, 0, X86_RDX);
}

/* hook(cpu, va, pa, mmu_idx) after a timed access's fast path; rcx still
 * locates the soft-TLB entry it hit (emit_tlb_lookup), whose page and
 * va's offset make pa. */
static void emit_timed_access(struct jit_ctx *jc, const struct ir_op *op, const void *hook)
{
    struct x86_buf *x = &jc->x;
    x86_op_mem(x, 0, true, 0x8b, 0, X86_RDX, CPU, X86_RCX, 0,
               tlb_table0(op) + (int32_t)offsetof(struct tlb_entry, phys));         /* mov rdx, [entry.phys] */
    x86_load_mem(x, X86_RSI, X86_RSP, 0);
    x86_mov_rr(x, X86_RAX, X86_RSI);
    x86_alu_imm(x, X86_AND, X86_RAX, (int64_t)~TLB_PAGE_MASK, X86_RCX);
    x86_alu_rr(x, X86_OR, X86_RDX, X86_RAX);
    x86_mov_imm(x, X86_RCX, op->mmu_idx);
    x86_mov_rr(x, X86_RDI, CPU);
    emit_call(jc, hook);
}

static void emit_load(struct jit_ctx *jc, const struct ir_op *op)
{
    struct x86_buf *x = &jc->x;
    bool timed = op->opc == IR_LD_T;
    emit_address(jc, op);
    if (timed)
        emit_save_va(jc);
    uint8_t *miss = emit_tlb_lookup(x, op, TLB_READ);
    uint8_t dirty = jc->dirty;
    switch (op->memop & 7) {
    case IR_MO_8:  x86_op_mem(x, 0, false, 0x0f, 0xb6, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    case IR_MO_16: x86_op_mem(x, 0, false, 0x0f, 0xb7, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    case IR_MO_32: x86_op_mem(x, 0, false, 0x8b, 0, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    case IR_MO_8 | IR_MO_SIGN:  x86_op_mem(x, 0, true, 0x0f, 0xbe, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    case IR_MO_16 | IR_MO_SIGN: x86_op_mem(x, 0, true, 0x0f, 0xbf, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    case IR_MO_32 | IR_MO_SIGN: x86_op_mem(x, 0, true, 0x63, 0, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    default:       x86_op_mem(x, 0, true, 0x8b, 0, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    }
    uint8_t *resume = x->p;
    emit_put(jc, op->d, X86_RAX);
    if (timed) {
        /* The stub puts the value itself and joins after the hook. */
        emit_timed_access(jc, op, (const void *)jit_timed_load);
        resume = x->p;
    }
    jc->stubs[jc->nstub++] = (struct jit_stub){ .branch = miss, .resume = resume, .op = op, .dirty = dirty };
}

static void emit_store(struct jit_ctx *jc, const struct ir_op *op)
{
    struct x86_buf *x = &jc->x;
    emit_address(jc, op);
    if (op->opc == IR_ST_T)
        emit_save_va(jc);
    uint8_t *miss = emit_tlb_lookup(x, op, TLB_WRITE);
    uint8_t dirty = jc->dirty;      /* before the hook's call cleans the clobbered ones */
    emit_get(jc, X86_RAX, op->b);
    switch (op->memop & 3) {
    case IR_MO_8:  x86_op_mem(x, 0, false, 0x88, 0, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    case IR_MO_16: x86_op_mem(x, 0x66, false, 0x89, 0, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    case IR_MO_32: x86_op_mem(x, 0, false, 0x89, 0, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    default:       x86_op_mem(x, 0, true, 0x89, 0, X86_RAX, X86_RDX, X86_NO_INDEX, 0, 0); break;
    }
    if (op->opc == IR_ST_T)
        emit_timed_access(jc, op, (const void *)jit_timed_store);
    jc->stubs[jc->nstub++] = (struct jit_stub){ .branch = miss, .resume = x->p, .op = op, .dirty = dirty };
}

/*
 * The slow path of an access whose TLB compare missed (rdx = va): memory
 * gets the cached slots first (a fault delivers from memory), and the
 * loaded value joins the fast path where it leaves rax (a timed load:
 * after its hook, so the stub puts the value itself).
 */
static void emit_stub(struct jit_ctx *jc, const struct jit_stub *s)
{
    struct x86_buf *x = &jc->x;
    const struct ir_op *op = s->op;
    bool load = op->opc == IR_LD || op->opc == IR_LD_T;
    bool timed = op->opc == IR_LD_T || op->opc == IR_ST_T;
    x86_patch(s->branch, x->p);
    emit_writeback(jc, s->dirty);
    x86_mov_rr(x, X86_RDI, CPU);
    x86_mov_rr(x, X86_RSI, X86_RDX);
    if (load) {
        x86_mov_imm(x, X86_RDX, op->memop);
        x86_mov_imm(x, X86_RCX, op->mmu_idx);
        x86_call(x, timed ? (const void *)jit_timed_load_slow : (const void *)jit_load_slow);
    } else {
        emit_get(jc, X86_RDX, op->b);
        x86_mov_imm(x, X86_RCX, op->memop);
        x86_mov_imm(x, X86_R8, op->mmu_idx);
        x86_call(x, timed ? (const void *)jit_timed_store_slow : (const void *)jit_store_slow);
    }
    emit_fault_check(jc, op->insn);
    emit_reload_mask(jc, JIT_CLOBBERED);
    if (load && timed) {
        /* Past the hook the fast path counts a clobbered register as
         * clean: memory gets the value too. */
        emit_put(jc, op->d, X86_RAX);
        if (jc->reg_of[op->d])
            emit_writeback(jc, (uint8_t)(1u << (jc->reg_of[op->d] - 1)));
    }
    x86_patch(x86_jmp(x), s->resume);
}

/* ---- Ops ---- */

/* d = fn(r[a], r[b]) for the ops the host has no single instruction for
 * (fn reads no vCPU state: the cached slots stay as they are). */
static void emit_call2(struct jit_ctx *jc, const struct ir_op *op, uint64_t (*fn)(uint64_t, uint64_t))
{
    emit_get(jc, X86_RDI, op->a);
    emit_get(jc, X86_RSI, op->b);
    emit_call(jc, (const void *)fn);
    emit_put(jc, op->d, X86_RAX);
}

/* A helper may read and write any slot: memory has them all during the call. */
static void emit_helper_call(struct jit_ctx *jc, const struct ir_op *op)
{
    struct x86_buf *x = &jc->x;
    emit_get(jc, X86_RSI, op->a);
    emit_get(jc, X86_RDX, op->b);
    emit_get(jc, X86_RCX, op->c);
    emit_flush(jc);
    x86_mov_rr(x, X86_RDI, CPU);
    x86_mov_imm(x, X86_R8, (uint64_t)op->imm);
    x86_call(x, (const void *)op->fn);
    if (op->flags & IR_CALL_MAY_FAULT)
        emit_fault_check(jc, op->insn);
    emit_reload(jc);
    if (!(op->flags & IR_CALL_NO_RESULT))
        emit_put(jc, op->d, X86_RAX);
}

/* d = r[a] op r[b] with one host ALU instruction. */
static void emit_alu(struct jit_ctx *jc, const struct ir_op *op, enum x86_alu alu)
{
    emit_get(jc, X86_RAX, op->a);
    emit_alu_slot(jc, alu, X86_RAX, op->b);
    emit_put(jc, op->d, X86_RAX);
}

static void emit_alui(struct jit_ctx *jc, const struct ir_op *op, enum x86_alu alu)
{
    emit_get(jc, X86_RAX, op->a);
    x86_alu_imm(&jc->x, alu, X86_RAX, op->imm, X86_RCX);
    emit_put(jc, op->d, X86_RAX);
}

static void emit_shift(struct jit_ctx *jc, const struct ir_op *op, enum x86_shift sh)
{
    emit_get(jc, X86_RCX, op->b);
    emit_get(jc, X86_RAX, op->a);
    x86_shift_cl(&jc->x, sh, X86_RAX);
    emit_put(jc, op->d, X86_RAX);
}

static void emit_shifti(struct jit_ctx *jc, const struct ir_op *op, enum x86_shift sh)
{
    emit_get(jc, X86_RAX, op->a);
    x86_shift_imm(&jc->x, sh, X86_RAX, (unsigned)(op->imm & 63));
    emit_put(jc, op->d, X86_RAX);
}

/* d = extend(r[a]): the extension of rax's low part into rax. */
static void emit_ext(struct jit_ctx *jc, const struct ir_op *op, bool w, uint8_t op0, uint8_t op1)
{
    emit_get(jc, X86_RAX, op->a);
    x86_op_rr(&jc->x, w, op0, op1, X86_RAX, X86_RAX);
    emit_put(jc, op->d, X86_RAX);
}

/* rax = r[a], compared with r[b] (or imm): the flags hold the condition. */
static void emit_compare(struct jit_ctx *jc, const struct ir_op *op, bool with_imm)
{
    emit_get(jc, X86_RAX, op->a);
    if (with_imm)
        x86_alu_imm(&jc->x, X86_CMP, X86_RAX, op->imm, X86_RDX);
    else
        emit_alu_slot(jc, X86_CMP, X86_RAX, op->b);
}

static void emit_setcond(struct jit_ctx *jc, const struct ir_op *op, bool with_imm)
{
    x86_zero(&jc->x, X86_RCX);       /* before the compare: it sets flags */
    emit_compare(jc, op, with_imm);
    x86_setcc(&jc->x, cond_cc(op->cond), X86_RCX);
    emit_put(jc, op->d, X86_RCX);
}

static void emit_movcond(struct jit_ctx *jc, const struct ir_op *op)
{
    emit_get(jc, X86_RDX, op->d);
    emit_get(jc, X86_RSI, op->c);
    emit_compare(jc, op, false);
    x86_cmov_rr(&jc->x, cond_cc(op->cond), X86_RDX, X86_RSI);
    emit_put(jc, op->d, X86_RDX);
}

/* d = high 64 bits of r[a] * r[b] (mul / imul r/m64 leave them in rdx). */
static void emit_mulh(struct jit_ctx *jc, const struct ir_op *op, unsigned digit)
{
    emit_get(jc, X86_RAX, op->a);
    emit_op_slot(jc, true, 0xf7, 0, digit, op->b);
    emit_put(jc, op->d, X86_RDX);
}

/* A conditional exit to op->imm: falls through on not_taken (flags). */
static void emit_branch_exit(struct jit_ctx *jc, const struct ir_op *op, enum x86_cc not_taken_cc)
{
    uint8_t *not_taken = x86_jcc(&jc->x, not_taken_cc);
    uint8_t dirty = jc->dirty;
    emit_flush(jc);
    emit_chain(jc, 0, (uint64_t)op->imm);
    jc->dirty = dirty;      /* the fall-through path has not flushed */
    x86_patch(not_taken, jc->x.p);
}

/* One op; false for an op the JIT leaves to the interpreter. */
static bool emit_op(struct jit_ctx *jc, const struct ir_op *op)
{
    switch (op->opc) {
    case IR_MOVI: emit_put_imm(jc, op->d, (uint64_t)op->imm); return true;
    case IR_MOV:
        emit_get(jc, X86_RAX, op->a);
        emit_put(jc, op->d, X86_RAX);
        return true;
    case IR_ADD: emit_alu(jc, op, X86_ADD); return true;
    case IR_SUB: emit_alu(jc, op, X86_SUB); return true;
    case IR_AND: emit_alu(jc, op, X86_AND); return true;
    case IR_OR:  emit_alu(jc, op, X86_OR); return true;
    case IR_XOR: emit_alu(jc, op, X86_XOR); return true;
    case IR_SHL: emit_shift(jc, op, X86_SHL); return true;
    case IR_SHR: emit_shift(jc, op, X86_SHR); return true;
    case IR_SAR: emit_shift(jc, op, X86_SAR); return true;
    case IR_MUL:
        emit_get(jc, X86_RAX, op->a);
        emit_op_slot(jc, true, 0x0f, 0xaf, X86_RAX, op->b);                    /* imul rax, r/m */
        emit_put(jc, op->d, X86_RAX);
        return true;
    case IR_MULHS: emit_mulh(jc, op, 5); return true;
    case IR_MULHU: emit_mulh(jc, op, 4); return true;
    case IR_MULHSU: emit_call2(jc, op, mulh_su); return true;
    case IR_DIVS: emit_call2(jc, op, div_s); return true;
    case IR_DIVU: emit_call2(jc, op, div_u); return true;
    case IR_REMS: emit_call2(jc, op, rem_s); return true;
    case IR_REMU: emit_call2(jc, op, rem_u); return true;
    case IR_DIVS32: emit_call2(jc, op, div_s32); return true;
    case IR_DIVU32: emit_call2(jc, op, div_u32); return true;
    case IR_REMS32: emit_call2(jc, op, rem_s32); return true;
    case IR_REMU32: emit_call2(jc, op, rem_u32); return true;
    case IR_ADDI: emit_alui(jc, op, X86_ADD); return true;
    case IR_ANDI: emit_alui(jc, op, X86_AND); return true;
    case IR_ORI:  emit_alui(jc, op, X86_OR); return true;
    case IR_XORI: emit_alui(jc, op, X86_XOR); return true;
    case IR_SHLI: emit_shifti(jc, op, X86_SHL); return true;
    case IR_SHRI: emit_shifti(jc, op, X86_SHR); return true;
    case IR_SARI: emit_shifti(jc, op, X86_SAR); return true;
    case IR_EXT8S:  emit_ext(jc, op, true, 0x0f, 0xbe); return true;    /* movsx rax, al */
    case IR_EXT16S: emit_ext(jc, op, true, 0x0f, 0xbf); return true;    /* movsx rax, ax */
    case IR_EXT32S: emit_ext(jc, op, true, 0x63, 0); return true;       /* movsxd rax, eax */
    case IR_EXT8U:  emit_ext(jc, op, false, 0x0f, 0xb6); return true;   /* movzx eax, al */
    case IR_EXT16U: emit_ext(jc, op, false, 0x0f, 0xb7); return true;   /* movzx eax, ax */
    case IR_EXT32U: emit_ext(jc, op, false, 0x8b, 0); return true;      /* mov eax, eax */
    case IR_SETCOND:  emit_setcond(jc, op, false); return true;
    case IR_SETCONDI: emit_setcond(jc, op, true); return true;
    case IR_MOVCOND: emit_movcond(jc, op); return true;
    case IR_LD: case IR_LD_T: emit_load(jc, op); return true;
    case IR_ST: case IR_ST_T: emit_store(jc, op); return true;
    case IR_CALL: emit_helper_call(jc, op); return true;
    case IR_BRCOND_T:
        /* taken = the condition; the model hears of it, then the branch. */
        x86_zero(&jc->x, X86_RDX);
        emit_compare(jc, op, false);
        x86_setcc(&jc->x, cond_cc(op->cond), X86_RDX);
        x86_store_mem(&jc->x, X86_RSP, 0, X86_RDX);
        x86_mov_rr(&jc->x, X86_RDI, CPU);
        x86_mov_imm(&jc->x, X86_RSI, jc->tb->pc + jc->tb->insn_off[op->insn]);
        emit_call(jc, (const void *)jit_timed_branch);
        emit_cmp_byte_zero(&jc->x, X86_RSP, 0);
        emit_branch_exit(jc, op, X86_CC_E);
        return true;
    case IR_GOTO_PTR_T:
        emit_get(jc, X86_RDX, op->a);
        x86_store_mem(&jc->x, X86_RSP, 0, X86_RDX);
        x86_mov_rr(&jc->x, X86_RDI, CPU);
        x86_mov_imm(&jc->x, X86_RSI, jc->tb->pc + jc->tb->insn_off[op->insn]);
        emit_call(jc, (const void *)jit_timed_indirect);
        x86_load_mem(&jc->x, X86_RAX, X86_RSP, 0);
        emit_flush(jc);
        emit_lookup_jump(jc);
        return true;
    case IR_BRCOND: {
        emit_compare(jc, op, false);
        emit_branch_exit(jc, op, cc_not(cond_cc(op->cond)));
        return true;
    }
    case IR_GOTO_TB:
        emit_flush(jc);
        emit_chain(jc, op->c & 1, (uint64_t)op->imm);
        return true;
    case IR_GOTO_PTR: emit_goto_ptr(jc, op); return true;
    case IR_EXIT:
        emit_flush(jc);
        emit_return_null(&jc->x);
        return true;
    default:
        return false;
    }
}

jit_code_fn jit_compile(struct jit *j, struct tb *tb, unsigned pc_slot, bool timed)
{
    if (!j || jit_full(j))
        return NULL;
    struct jit_ctx *jc = j->ctx;
    size_t start = (j->used + 15) & ~(size_t)15;
    jc->x = (struct x86_buf){ .p = j->code + start, .end = j->code + j->size };
    jc->tb = tb;
    jc->pc_slot = pc_slot;
    jc->timed = timed;
    jc->nstub = jc->nfault = jc->nnext = 0;
    choose_cached(jc);
    struct x86_buf *x = &jc->x;
    jit_code_fn fn = NULL;

    /* From C: save rbx, r12 and the kept cache registers; align the stack
     * (entry leaves it 8 off a 16-byte boundary: 6 pushes, then 8 more);
     * rbx = cpu, r12 = link. Chained code enters at the body, where
     * *link is cleared, the TB counts itself and loads its cached slots. */
    x86_push(x, CPU);
    x86_push(x, LINK);
    for (unsigned i = 0; i < JIT_NKEPT; i++)
        x86_push(x, jit_cache_regs[i]);
    x86_op_rr(x, true, 0x83, 0, 5, X86_RSP);
    x86_byte(x, 8);
    x86_mov_rr(x, CPU, X86_RDI);
    x86_mov_rr(x, LINK, X86_RSI);
    const uint8_t *body = x->p;
    x86_op_mem(x, 0, true, 0xc7, 0, 0, LINK, X86_NO_INDEX, 0, 0);
    x86_u32(x, 0);
    emit_count(jc);
    emit_reload(jc);

    for (unsigned i = 0; i < tb->nops; i++) {
        if (!x86_room(x, JIT_OP_MAX) || !emit_op(jc, &tb->ops[i]))
            goto out;
    }
    /* Ops never fall off the end; should they, leave as after an exit. */
    emit_flush(jc);
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
    /* The fault exit: esi = the faulting instruction's index; memory has
     * every slot (flushed before any call that can fault). */
    x86_mov_rr(x, X86_RDI, CPU);
    x86_mov_imm(x, X86_RDX, (uint64_t)(uintptr_t)tb);
    x86_call(x, (const void *)jit_fault_exit);
    emit_return_null(x);

    fn = (jit_code_fn)(void *)(j->code + start);
    tb->jit_body = body;
    j->used = (size_t)(x->p - j->code);
out:
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

jit_code_fn jit_compile(struct jit *j, struct tb *tb, unsigned pc_slot, bool timed)
{
    return NULL;
}

#endif
