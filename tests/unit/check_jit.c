/*
 * Differential tests of the x86-64 JIT back end (exec/jit_x86.c) against
 * the reference back end, the IR interpreter (exec/interp.c): each
 * program runs on two toy machines, one with machine_config.interp_only,
 * and everything a guest or a user can see must be identical: all 256
 * slots of cpu->r[], the instruction and cycle counts, the per-class
 * counts, the fault delivered (r3 = code, r4 = pc, cpu->fault) and all of
 * RAM. Where the JIT is not built (jit_create gives NULL) both machines
 * interpret and the comparisons hold trivially.
 *
 * The toy ISA takes its IR from a table the test fills: a guest
 * instruction is a 16-bit word in RAM, the index of a table entry holding
 * its op class and up to TOY_MAX_OPS IR ops, emitted as they are, so any
 * IR op can be tried with chosen slots and immediates. A word past the
 * table raises TOY_FAULT_ILLEGAL. Entry 0 is the fault handler at
 * TOY_HANDLER: "halt" (a helper that stops the machine, then IR_EXIT).
 * Besides toy_isa.h's hooks the toy has a mode (TB flag bit 0 = slot
 * S_MODE bit 0; a TB made in mode 1 also counts its instructions in
 * S_MODE_COUNT) and an interrupt (pending while S_IRQ is set; taken at a
 * TB boundary with the pc saved in S_EPC, to IRQ_VEC).
 *
 * Memory: RAM is [0, RAM_SIZE), code from CODE (and PAGE2), data from
 * DATA (a fixed pattern), and from LOG a log that programs store values
 * into, so that a difference shows where it came from. Nothing is mapped
 * past RAM_SIZE. A static timing model with unequal class costs makes
 * cycles differ from instructions; the random programs run once more
 * under u74, whose caches and predictor the timed ops feed.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "core/memmap.h"
#include "exec/exec.h"
#include "exec/ir_arith.h"
#include "exec/tb.h"
#include "timing/model.h"
#include "toy_isa.h"

#define RAM_SIZE 0x20000u
#define IRQ_VEC 0x200u
#define CODE 0x1000u
#define PAGE2 0x6000u
#define DATA 0x10000u
#define LOG 0x18000u
#define LOG_MAX ((RAM_SIZE - LOG) / 8)
#define INSN_CAP 2000000u        /* a runaway program stops here, and fails */

/* Slots with a fixed role. */
#define S_DATA 1u                /* = DATA */
#define S_LOG 2u                 /* = LOG */
#define S_EDGE 16u               /* the edge values, NEDGE of them */
#define S_SRC 39u                /* MOVCOND's source */
#define S_MODE 60u
#define S_MODE_COUNT 61u
#define S_IRQ 62u
#define S_EPC 63u

#define TOY_MAX_OPS 8u
#define PROG_MAX_INSNS 8192u
#define NO_ADDR UINT64_MAX
#define TOY_FAULT_HELPER 11u

#define OP(...) ((struct ir_op){ __VA_ARGS__ })
/* A guest instruction of class cls made of the ops given; its index. */
#define INSN(p, cls, ...)                                                                       \
    insn_ops((p), (cls), (const struct ir_op[]){ __VA_ARGS__ },                                 \
             sizeof((const struct ir_op[]){ __VA_ARGS__ }) / sizeof(struct ir_op))
#define ADDI(dst, src, val) OP(.opc = IR_ADDI, .d = (dst), .a = (src), .imm = (val))
#define MOVI(dst, val) OP(.opc = IR_MOVI, .d = (dst), .imm = (val))
#define BR(cc, x, y, target) OP(.opc = IR_BRCOND, .cond = (cc), .a = (x), .b = (y), .imm = (int64_t)(target))
#define GOTO_TB(jump, target) OP(.opc = IR_GOTO_TB, .c = (jump), .imm = (int64_t)(target))

static const uint64_t edge[] = {
    0, 1, 2, UINT64_MAX, (uint64_t)INT64_MIN, INT64_MAX, (uint64_t)(int64_t)INT32_MIN, INT32_MAX,
    0x80000000u, 0xffffffffu, 0x80, 0xffff, 31, 32, 63, 64, 65, 0x123456789abcdef0ull, 0xfffffffeu,
    (uint64_t)-7,
};
#define NEDGE (sizeof(edge) / sizeof(edge[0]))

/* Immediates: ones that fit a sign-extended 32-bit field and ones that do not. */
static const int64_t imms[] = {
    0, 1, -1, 31, 32, 63, 64, 65, 0x7f, 0x80, 0xffff, INT32_MAX, INT32_MIN,
    0x80000000ll, 0xffffffffll, 0x123456789ll, -0x80000001ll, INT64_MIN, INT64_MAX,
};
#define NIMM (sizeof(imms) / sizeof(imms[0]))

/* xorshift64: the test's own fixed-seed generator. */
struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *g)
{
    g->s ^= g->s << 13;
    g->s ^= g->s >> 7;
    g->s ^= g->s << 17;
    return g->s;
}

struct toy_insn {
    uint64_t addr;              /* where its word is placed, or NO_ADDR (a store may place it) */
    uint8_t cls;                /* enum op_class */
    uint8_t nops;
    struct ir_op ops[TOY_MAX_OPS];
};

struct prog {
    struct toy_insn insn[PROG_MAX_INSNS];
    unsigned n;
    unsigned nlog;
    uint64_t pc;                /* where the next placed insn goes */
    uint64_t max_insns;         /* 0: INSN_CAP */
    uint64_t timer_period;      /* cycles between timer interrupts; 0: no timer */
    const char *model;          /* a timing model by name; NULL: toy_timing */
    uint64_t r[IR_NSLOTS];      /* initial slots (the pc slot is set to CODE) */
};

struct toy {
    struct machine m;
    struct cpu cpu;
    const struct prog *prog;
};

static uint64_t toy_halt(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    machine_request_stop(cpu->m, MACHINE_STOP_POWEROFF, 0);
    return 0;
}

/* Uses every argument, and writes a slot behind the back end's back. */
static uint64_t toy_mix(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    cpu->r[50] = a ^ 1;
    return a * 3 + b * 5 + c * 7 + (uint64_t)imm;
}

/* Raises TOY_FAULT_HELPER when a is not zero; returns b + imm. */
static uint64_t toy_check(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    if (a)
        cpu_fault_set(cpu, TOY_FAULT_HELPER, a, 0);
    return b + (uint64_t)imm;
}

/* Changes the mode to a and the pc to b: IR_EXIT follows it (ir.h). */
static uint64_t toy_switch(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    cpu->r[S_MODE] = a;
    cpu->r[TOY_PC] = b;
    return 0;
}

/* Raises the interrupt when a is a multiple of imm and asks for a check;
 * kicks the vCPU too when b is not zero. */
static uint64_t toy_irq_every(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    if (a % (uint64_t)imm == 0) {
        cpu->r[S_IRQ] = 1;
        cpu->irq_check = true;
        if (b)
            cpu_kick(cpu);
    }
    return 0;
}

/* Waits for an interrupt (the run loop sleeps to its budget's end) when
 * a is a multiple of imm. */
static uint64_t toy_wfi(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    if (a % (uint64_t)imm == 0)
        cpu->halted = true;
    return 0;
}

static void toy_timer(void *opaque, uint64_t now)
{
    struct toy *t = opaque;
    t->cpu.r[S_IRQ] = 1;
    t->cpu.irq_check = true;
    evq_post(&t->m.evq, now + t->prog->timer_period, EVQ_PRIO_TIMER, toy_timer, t);
}

static unsigned insn_ops(struct prog *p, enum op_class cls, const struct ir_op *ops, unsigned n)
{
    ck_assert_uint_lt(p->n, PROG_MAX_INSNS);
    ck_assert_uint_le(n, TOY_MAX_OPS);
    struct toy_insn *in = &p->insn[p->n];
    *in = (struct toy_insn){ .addr = p->pc, .cls = (uint8_t)cls, .nops = (uint8_t)n };
    if (n)
        memcpy(in->ops, ops, n * sizeof(*ops));
    if (p->pc != NO_ADDR)
        p->pc += 2;
    return p->n++;
}

/* Appends op to the last instruction. */
static void emit(struct prog *p, struct ir_op op)
{
    struct toy_insn *in = &p->insn[p->n - 1];
    ck_assert_uint_lt(in->nops, TOY_MAX_OPS);
    in->ops[in->nops++] = op;
}

/* Appends a store of slot s to the next log entry; returns the entry's index. */
static unsigned log_slot(struct prog *p, unsigned s)
{
    ck_assert_uint_lt(p->nlog, LOG_MAX);
    emit(p, OP(.opc = IR_ST, .a = S_LOG, .b = (uint8_t)s, .imm = 8 * (int64_t)p->nlog, .memop = IR_MO_64));
    return p->nlog++;
}

static void insn_halt(struct prog *p)
{
    INSN(p, OPC_SYSTEM, OP(.opc = IR_CALL, .fn = toy_halt, .flags = IR_CALL_NO_RESULT), OP(.opc = IR_EXIT));
}

/* An instruction (r[d] += 1) that is in no code until a store puts its
 * word there; returns the word. */
static uint64_t insn_detached(struct prog *p, unsigned d)
{
    uint64_t pc = p->pc;
    p->pc = NO_ADDR;
    unsigned i = INSN(p, OPC_INT_ALU, ADDI(d, d, 1));
    p->pc = pc;
    return i;
}

static struct prog *prog_new(uint64_t seed)
{
    struct prog *p = calloc(1, sizeof(*p));
    ck_assert_ptr_nonnull(p);
    p->pc = TOY_HANDLER;
    insn_halt(p);
    p->pc = CODE;
    struct rng g = { seed * 0x9e3779b97f4a7c15ull + 1 };
    for (unsigned i = 0; i < IR_NSLOTS; i++)
        p->r[i] = rng_next(&g);
    p->r[3] = p->r[4] = p->r[S_MODE] = p->r[S_MODE_COUNT] = p->r[S_IRQ] = 0;
    p->r[S_DATA] = DATA;
    p->r[S_LOG] = LOG;
    for (unsigned i = 0; i < NEDGE; i++)
        p->r[S_EDGE + i] = edge[i];
    p->r[S_SRC] = 0xc0ffee00c0ffee00ull;
    return p;
}

/* The data area's initial bytes: n bytes from DATA. */
static void data_pattern(uint8_t *buf, size_t n)
{
    struct rng g = { 0x0123456789abcdefull };
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(rng_next(&g) >> 24);
}

static int toy_translate(struct cpu *cpu, struct ir_builder *b, uint64_t pc, uint32_t flags)
{
    const struct prog *p = ((struct toy *)((char *)cpu - offsetof(struct toy, cpu)))->prog;
    for (uint64_t cur = pc;; cur += 2) {
        uint16_t word;
        if (exec_fetch16(cpu, cur, 0, &word) < 0)
            return b->ninsns ? (ir_goto_tb(b, 0, cur), 0) : -1;
        unsigned off = (unsigned)(cur - pc);
        b->code_end = off + 2;
        if (word >= p->n) {
            ir_insn_start(b, off, OPC_SYSTEM);
            ir_call(b, toy_raise, IR_CALL_MAY_FAULT | IR_CALL_NO_RESULT, 0, 0, 0, 0, TOY_FAULT_ILLEGAL);
            ir_exit(b);
            return 0;
        }
        const struct toy_insn *in = &p->insn[word];
        ir_insn_start(b, off, (enum op_class)in->cls);
        if (flags & 1)
            ir_alui(b, IR_ADDI, S_MODE_COUNT, S_MODE_COUNT, 1);
        for (unsigned i = 0; i < in->nops; i++)
            ir_emit(b, in->ops[i]);
        unsigned last = in->nops ? in->ops[in->nops - 1].opc : IR_MOV;
        if (last == IR_GOTO_TB || last == IR_GOTO_PTR || last == IR_EXIT)
            return 0;
        if (!ir_has_room(b, TOY_MAX_OPS + 2)) {
            ir_goto_tb(b, 0, cur + 2);
            return 0;
        }
    }
}

static uint32_t toy_mode(struct cpu *cpu)
{
    return (uint32_t)(cpu->r[S_MODE] & 1);
}

static void toy_irq(struct cpu *cpu)
{
    if (!cpu->r[S_IRQ])
        return;
    cpu->r[S_IRQ] = 0;
    cpu->halted = false;
    cpu->r[S_EPC] = cpu->r[TOY_PC];
    cpu->r[TOY_PC] = IRQ_VEC;
}

static const struct exec_isa toy_isa = {
    .name = "toy", .pc_slot = TOY_PC, .tb_flags = toy_mode, .fetch_mmu_idx = toy_fetch_mmu_idx,
    .translate = toy_translate, .tlb_fill = toy_tlb_fill, .bus_fault = toy_bus_fault,
    .take_fault = toy_take_fault, .check_irq = toy_irq,
};

static const struct cpu_ops toy_cpu_ops = { .run = exec_run };

/* A static model (no caches, TLBs or predictor: the plain ops) whose
 * classes cost different amounts. */
static const struct timing_model toy_timing = {
    .name = "jittest", .core_hz = 1000000000ull, .issue_width = 2,
    .class_cycles = { [OPC_INT_ALU] = 1, [OPC_INT_MUL] = 3, [OPC_INT_DIV] = 19, [OPC_LOAD] = 2,
                      [OPC_STORE] = 1, [OPC_BRANCH] = 1, [OPC_JUMP] = 2, [OPC_SYSTEM] = 7 },
};

static struct toy *toy_create(const struct prog *p, bool interp_only)
{
    struct toy *t = calloc(1, sizeof(*t));
    struct machine_config cfg = { .board = "toy", .ncpus = 1, .interp_only = interp_only,
                                  .max_insns = p->max_insns ? p->max_insns : INSN_CAP };
    struct emu_err err;
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(machine_init(&t->m, &cfg, &err), 0);
    if (p->model)
        ck_assert_int_eq(exec_select_timing(&t->m, p->model, &err), 0);
    else
        exec_set_timing(&t->m, &toy_timing);
    ck_assert_int_eq(memmap_add_ram(&t->m.map, 0, RAM_SIZE, "ram", &err), 0);
    cpu_base_init(&t->cpu, &t->m, 0);
    t->cpu.ops = &toy_cpu_ops;
    t->cpu.isa = &toy_isa;
    t->m.cpus[t->m.ncpus++] = &t->cpu;
    t->prog = p;
    data_pattern(memmap_host_ptr(&t->m.map, DATA, RAM_SIZE - DATA), RAM_SIZE - DATA);
    for (unsigned i = 0; i < p->n; i++) {
        uint16_t word = (uint16_t)i;
        if (p->insn[i].addr != NO_ADDR)
            ck_assert_int_eq(machine_phys_write(&t->m, p->insn[i].addr, &word, 2), 0);
    }
    memcpy(t->cpu.r, p->r, sizeof(t->cpu.r));
    t->cpu.r[TOY_PC] = CODE;
    if (p->timer_period)
        evq_post(&t->m.evq, p->timer_period, EVQ_PRIO_TIMER, toy_timer, t);
    return t;
}

static void toy_destroy(struct toy *t)
{
    t->m.ncpus = 0;      /* the vCPU is the test's own */
    machine_destroy(&t->m);
    free(t);
}

static uint64_t toy_read64(struct toy *t, uint64_t addr)
{
    uint64_t v = 0;
    ck_assert_int_eq(machine_phys_read(&t->m, addr, &v, 8), 0);
    return v;
}

static uint64_t log_read(struct toy *t, unsigned k)
{
    return toy_read64(t, LOG + 8 * (uint64_t)k);
}

/* Fails on any guest-visible difference between the JIT's machine j and the interpreter's i. */
static void expect_same(struct toy *j, struct toy *i, const char *what)
{
    const struct cpu *cj = &j->cpu, *ci = &i->cpu;
    for (unsigned s = 0; s < IR_NSLOTS; s++)
        ck_assert_msg(cj->r[s] == ci->r[s], "%s: slot %u: jit %#" PRIx64 ", interp %#" PRIx64, what, s,
                      cj->r[s], ci->r[s]);
    ck_assert_msg(cj->insns == ci->insns, "%s: insns: jit %" PRIu64 ", interp %" PRIu64, what, cj->insns,
                  ci->insns);
    ck_assert_msg(cj->cycles == ci->cycles, "%s: cycles: jit %" PRIu64 ", interp %" PRIu64, what, cj->cycles,
                  ci->cycles);
    for (unsigned c = 0; c < OPC_COUNT; c++)
        ck_assert_msg(cj->stat_class[c] == ci->stat_class[c], "%s: class %u: jit %" PRIu64 ", interp %" PRIu64,
                      what, c, cj->stat_class[c], ci->stat_class[c]);
    ck_assert_msg(cj->fault.pending == ci->fault.pending && cj->fault.code == ci->fault.code &&
                  cj->fault.tval == ci->fault.tval && cj->fault.tval2 == ci->fault.tval2,
                  "%s: fault: jit code %u tval %#" PRIx64 ", interp code %u tval %#" PRIx64, what,
                  cj->fault.code, cj->fault.tval, ci->fault.code, ci->fault.tval);
    const uint8_t *rj = memmap_host_ptr(&j->m.map, 0, RAM_SIZE), *ri = memmap_host_ptr(&i->m.map, 0, RAM_SIZE);
    unsigned a = 0;
    while (a < RAM_SIZE && rj[a] == ri[a])
        a++;
    ck_assert_msg(a == RAM_SIZE, "%s: RAM byte %#x (log entry %d): jit %#x, interp %#x", what, a,
                  a >= LOG ? (int)((a - LOG) / 8) : -1, a < RAM_SIZE ? rj[a] : 0, a < RAM_SIZE ? ri[a] : 0);
}

struct pair {
    struct toy *jit, *ref;
};

/* Runs p on both engines; both must stop for reason `expect`, alike.
 * Failures name the test by name and case. */
static struct pair run_both(const struct prog *p, enum machine_stop expect, const char *name, int i)
{
    char what[64];
    snprintf(what, sizeof(what), "%s, case %d", name, i);
    struct pair r = { toy_create(p, false), toy_create(p, true) };
    ck_assert_msg(machine_run(&r.ref->m) == expect, "%s: the interpreter stopped otherwise", what);
    ck_assert_msg(machine_run(&r.jit->m) == expect, "%s: the JIT stopped otherwise", what);
    expect_same(r.jit, r.ref, what);
    return r;
}

static void pair_free(struct pair r, struct prog *p)
{
    toy_destroy(r.jit);
    toy_destroy(r.ref);
    free(p);
}

/* ---- ALU ops over edge values ---- */

enum alu_kind { K_RR, K_RI, K_R };
struct alu_case {
    uint8_t opc, cond, kind;
};

#define EVERY_COND(opc, kind) \
    { opc, IR_EQ, kind }, { opc, IR_NE, kind }, { opc, IR_LT, kind }, { opc, IR_GE, kind }, \
    { opc, IR_LTU, kind }, { opc, IR_GEU, kind }

static const struct alu_case alu_cases[] = {
    { IR_ADD, 0, K_RR }, { IR_SUB, 0, K_RR }, { IR_AND, 0, K_RR }, { IR_OR, 0, K_RR }, { IR_XOR, 0, K_RR },
    { IR_SHL, 0, K_RR }, { IR_SHR, 0, K_RR }, { IR_SAR, 0, K_RR }, { IR_MUL, 0, K_RR },
    { IR_MULHS, 0, K_RR }, { IR_MULHU, 0, K_RR }, { IR_MULHSU, 0, K_RR },
    { IR_DIVS, 0, K_RR }, { IR_DIVU, 0, K_RR }, { IR_REMS, 0, K_RR }, { IR_REMU, 0, K_RR },
    { IR_DIVS32, 0, K_RR }, { IR_DIVU32, 0, K_RR }, { IR_REMS32, 0, K_RR }, { IR_REMU32, 0, K_RR },
    EVERY_COND(IR_SETCOND, K_RR), EVERY_COND(IR_MOVCOND, K_RR),
    { IR_MOVI, 0, K_RI }, { IR_ADDI, 0, K_RI }, { IR_ANDI, 0, K_RI }, { IR_ORI, 0, K_RI },
    { IR_XORI, 0, K_RI }, { IR_SHLI, 0, K_RI }, { IR_SHRI, 0, K_RI }, { IR_SARI, 0, K_RI },
    EVERY_COND(IR_SETCONDI, K_RI),
    { IR_MOV, 0, K_R }, { IR_EXT8S, 0, K_R }, { IR_EXT16S, 0, K_R }, { IR_EXT32S, 0, K_R },
    { IR_EXT8U, 0, K_R }, { IR_EXT16U, 0, K_R }, { IR_EXT32U, 0, K_R },
};
#define NALU (sizeof(alu_cases) / sizeof(alu_cases[0]))

/* A destination apart from the sources: a global >= 100 or a temp, in turn. */
static unsigned alu_dest(unsigned k)
{
    return k & 1 ? IR_TEMP_BASE + k % (IR_NSLOTS - IR_TEMP_BASE) : 100 + k % 60;
}

static struct ir_op alu_op(const struct alu_case *c, unsigned d, unsigned a, unsigned b, int64_t imm)
{
    return OP(.opc = c->opc, .cond = c->cond, .d = (uint8_t)d, .a = (uint8_t)a, .b = (uint8_t)b, .c = S_SRC,
              .imm = imm);
}

/* Every pair of edge values (or of value and immediate), the result into
 * another slot, into the first source, into the second source; and each
 * value as both sources in one slot. Each result goes to the log. */
static void gen_alu(struct prog *p, const struct alu_case *c)
{
    enum op_class cls = c->opc >= IR_DIVS && c->opc <= IR_REMU32 ? OPC_INT_DIV
                        : c->opc >= IR_MUL && c->opc <= IR_MULHSU ? OPC_INT_MUL : OPC_INT_ALU;
    unsigned nb = c->kind == K_RR ? NEDGE : c->kind == K_RI ? NIMM : 1;
    for (unsigned i = 0, k = 0; i < NEDGE; i++) {
        uint8_t a = (uint8_t)(S_EDGE + i);
        for (unsigned j = 0; j < nb; j++, k++) {
            uint8_t b = (uint8_t)(S_EDGE + j);
            int64_t imm = c->kind == K_RI ? imms[j] : 0;
            unsigned d = alu_dest(k);
            INSN(p, cls, alu_op(c, d, a, b, imm));
            log_slot(p, d);
            INSN(p, cls, OP(.opc = IR_MOV, .d = 36, .a = a), OP(.opc = IR_MOV, .d = 37, .a = b),
                 alu_op(c, 36, 36, 37, imm));
            log_slot(p, 36);
            if (c->kind != K_RR)
                continue;
            INSN(p, cls, OP(.opc = IR_MOV, .d = 36, .a = a), OP(.opc = IR_MOV, .d = 37, .a = b),
                 alu_op(c, 37, 36, 37, imm));
            log_slot(p, 37);
        }
        INSN(p, cls, alu_op(c, 38, a, a, 0));
        log_slot(p, 38);
    }
    insn_halt(p);
}

START_TEST(test_jit_alu_edge_values_match_interp)
{
    struct prog *p = prog_new(1);
    gen_alu(p, &alu_cases[_i]);
    pair_free(run_both(p, MACHINE_STOP_POWEROFF, "alu", _i), p);
}
END_TEST

/* RISC-V unprivileged spec, M extension, table 7.1, and the *W forms
 * sign-extending their 32-bit result. */
START_TEST(test_jit_div_riscv_corner_cases_give_spec_results)
{
    static const struct {
        uint8_t opc;
        uint64_t a, b, want;
    } cases[] = {
        { IR_DIVS, (uint64_t)INT64_MIN, UINT64_MAX, (uint64_t)INT64_MIN },
        { IR_REMS, (uint64_t)INT64_MIN, UINT64_MAX, 0 },
        { IR_DIVS, 42, 0, UINT64_MAX }, { IR_DIVU, 42, 0, UINT64_MAX },
        { IR_REMS, (uint64_t)-42, 0, (uint64_t)-42 }, { IR_REMU, 42, 0, 42 },
        { IR_DIVS32, 0x80000000u, 0xffffffffu, 0xffffffff80000000ull },
        { IR_REMS32, 0x80000000u, 0xffffffffu, 0 },
        { IR_DIVU32, 7, 0x100000000ull, UINT64_MAX },
        { IR_REMU32, 0x80000000u, 0, 0xffffffff80000000ull },
        { IR_DIVS32, 0x1fffffff9ull, 2, (uint64_t)-3 },
    };
    const unsigned n = sizeof(cases) / sizeof(cases[0]);
    struct prog *p = prog_new(2);
    for (unsigned k = 0; k < n; k++) {
        p->r[100 + k] = cases[k].a;
        p->r[120 + k] = cases[k].b;
        INSN(p, OPC_INT_DIV, OP(.opc = cases[k].opc, .d = (uint8_t)(140 + k), .a = (uint8_t)(100 + k),
                                .b = (uint8_t)(120 + k)));
    }
    insn_halt(p);
    struct pair r = run_both(p, MACHINE_STOP_POWEROFF, "div corners", 0);
    for (unsigned k = 0; k < n; k++)
        ck_assert_msg(r.jit->cpu.r[140 + k] == cases[k].want, "case %u: %#" PRIx64, k, r.jit->cpu.r[140 + k]);
    pair_free(r, p);
}
END_TEST

/* ---- a seeded random mix ---- */

static unsigned random_dest(struct rng *g)
{
    for (;;) {
        unsigned d = (unsigned)(rng_next(g) % IR_NSLOTS);
        if (d != S_DATA && d != S_LOG && d != TOY_PC && d != S_MODE && d != S_IRQ)
            return d;
    }
}

static int64_t random_imm(struct rng *g)
{
    uint64_t v = rng_next(g);
    switch (v % 4) {
    case 0: return imms[(v >> 8) % NIMM];
    case 1: return (int8_t)(v >> 8);
    case 2: return (int32_t)(v >> 8);
    default: return (int64_t)rng_next(g);
    }
}

/* One op: mostly ALU, some loads and stores in [DATA, LOG), misaligned
 * one time in four. Sets *d to the slot written, or IR_NSLOTS. */
static struct ir_op random_op(struct rng *g, unsigned *d)
{
    struct ir_op op = { .d = (uint8_t)random_dest(g), .a = (uint8_t)rng_next(g), .b = (uint8_t)rng_next(g),
                        .c = (uint8_t)rng_next(g), .cond = (uint8_t)(rng_next(g) % 6), .imm = random_imm(g) };
    unsigned pick = (unsigned)(rng_next(g) % 32);
    *d = op.d;
    if (pick < 4) {
        op.opc = pick < 2 ? IR_LD : IR_ST;
        op.a = S_DATA;
        op.memop = (uint8_t)(rng_next(g) % 8);
        op.imm = (int64_t)(rng_next(g) % (LOG - DATA - 8) & ~7ull);
        if (rng_next(g) % 4 == 0)
            op.imm += (int64_t)(rng_next(g) % 8);
        if (op.opc == IR_ST)
            *d = IR_NSLOTS;
    } else {
        op.opc = (uint8_t)(IR_MOVI + rng_next(g) % (IR_MOVCOND - IR_MOVI + 1));
    }
    return op;
}

/* Program number i of the random sequence: 2500 instructions of random
 * ops, accesses and forward branches, logging what they write. */
static struct prog *random_prog(int i)
{
    struct rng g = { 0x2545f4914f6cdd1dull * (uint64_t)(i + 1) };
    struct prog *p = prog_new((uint64_t)i + 100);
    for (unsigned s = 0; s < IR_NSLOTS; s++) {
        if (s != S_DATA && s != S_LOG && s != S_MODE && s != S_IRQ && rng_next(&g) % 4 == 0)
            p->r[s] = edge[rng_next(&g) % NEDGE];
    }
    const unsigned n = 2500;
    for (unsigned k = 0; k < n; k++) {
        if (rng_next(&g) % 16 == 0) {
            /* a forward branch, over up to 8 instructions */
            uint64_t target = CODE + 2 * (k + 1 + rng_next(&g) % 8);
            INSN(p, OPC_BRANCH, BR((uint8_t)(rng_next(&g) % 6), (uint8_t)rng_next(&g), (uint8_t)rng_next(&g),
                                   target < CODE + 2 * n ? target : CODE + 2 * n),
                 GOTO_TB(1, p->pc + 2));
            continue;
        }
        unsigned d = IR_NSLOTS;
        INSN(p, OPC_INT_ALU, random_op(&g, &d));
        for (unsigned i = rng_next(&g) % 3; i > 0; i--)
            emit(p, random_op(&g, &d));
        if (d < IR_NSLOTS)
            log_slot(p, d);
    }
    insn_halt(p);
    return p;
}

START_TEST(test_jit_random_ops_fixed_seed_match_interp)
{
    struct prog *p = random_prog(_i);
    pair_free(run_both(p, MACHINE_STOP_POWEROFF, "random", _i), p);
}
END_TEST

/* Under a detailed model the loads, stores and branches are the timed
 * forms: the compiled code must tell the caches and the predictor what
 * the interpreter tells them, so the stalls (cycles) come out the same. */
START_TEST(test_jit_random_ops_under_u74_match_interp)
{
    struct prog *p = random_prog(_i);
    p->model = "u74";
    pair_free(run_both(p, MACHINE_STOP_POWEROFF, "random under u74", _i), p);
}
END_TEST

/* ---- loads, stores and helper calls ---- */

static uint64_t expect_load(const uint8_t *data, uint64_t off, unsigned memop)
{
    unsigned size = IR_MO_SIZE(memop);
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)data[off + i] << (8 * i);
    if ((memop & IR_MO_SIGN) && size < 8 && (v >> (8 * size - 1) & 1))
        v |= ~0ull << (8 * size);
    return v;
}

/* Offsets from a page start: aligned, every misalignment, across the page end. */
static const int64_t mem_offs[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 0xff9, 0xffc, 0xffd, 0xffe, 0xfff };
#define NOFFS (sizeof(mem_offs) / sizeof(mem_offs[0]))

/* Slot and offset addressing DATA + off, three ways: base + off; a base
 * 4 GiB below DATA with an offset that needs 64 bits; a base above it
 * with a negative offset. */
static void mem_operand(unsigned form, int64_t off, uint8_t *a, int64_t *imm)
{
    static const uint8_t slot[3] = { S_DATA, 5, 6 };
    static const int64_t bias[3] = { 0, 0x100000000ll, -0x100 };
    *a = slot[form % 3];
    *imm = off + bias[form % 3];
}

START_TEST(test_jit_mem_every_width_and_alignment_match_interp)
{
    struct prog *p = prog_new(3);
    uint8_t *data = malloc(RAM_SIZE - DATA), *want = malloc(RAM_SIZE - DATA);
    ck_assert_ptr_nonnull(data);
    ck_assert_ptr_nonnull(want);
    data_pattern(data, RAM_SIZE - DATA);
    memcpy(want, data, RAM_SIZE - DATA);
    p->r[5] = DATA - 0x100000000ull;
    p->r[6] = DATA + 0x100;
    /* Stores into [DATA + 0x3000, LOG), each width from its own page,
     * each from a slot of its own (100..155); the sign bit of memop means
     * nothing to a store. */
    unsigned form = 0;
    for (unsigned mo = 0; mo < 4; mo++) {
        for (unsigned o = 0; o < NOFFS; o++, form++) {
            uint64_t off = 0x3000 + 0x1000 * mo + (uint64_t)mem_offs[o];
            uint64_t val = edge[(o + 5 * mo) % NEDGE] ^ 0x0102030405060708ull;
            unsigned src = 100 + NOFFS * mo + o;
            uint8_t a;
            int64_t imm;
            mem_operand(form, (int64_t)off, &a, &imm);
            p->r[src] = val;
            INSN(p, OPC_STORE, OP(.opc = IR_ST, .a = a, .imm = imm, .b = (uint8_t)src,
                                  .memop = (uint8_t)(mo | (o & 1 ? IR_MO_SIGN : 0))));
            memcpy(want + off, &val, IR_MO_SIZE(mo));
        }
    }
    /* Loads from DATA's first page and across its end, after the stores
     * (they reuse the stores' slots). */
    unsigned log0 = p->nlog;
    for (unsigned mo = 0; mo < 8; mo++) {
        for (unsigned o = 0; o < NOFFS; o++, form++) {
            uint8_t a;
            int64_t imm;
            mem_operand(form, mem_offs[o], &a, &imm);
            INSN(p, OPC_LOAD, OP(.opc = IR_LD, .d = (uint8_t)alu_dest(form), .a = a, .imm = imm,
                                 .memop = (uint8_t)mo));
            log_slot(p, alu_dest(form));
        }
    }
    insn_halt(p);
    struct pair r = run_both(p, MACHINE_STOP_POWEROFF, "loads and stores", 0);
    for (unsigned mo = 0, k = log0; mo < 8; mo++) {
        for (unsigned o = 0; o < NOFFS; o++, k++)
            ck_assert_msg(log_read(r.jit, k) == expect_load(data, (uint64_t)mem_offs[o], mo),
                          "load memop %u at +%#" PRIx64 ": %#" PRIx64, mo, (uint64_t)mem_offs[o], log_read(r.jit, k));
    }
    const uint8_t *got = memmap_host_ptr(&r.jit->m.map, DATA, LOG - DATA);
    ck_assert_int_eq(memcmp(got + 0x3000, want + 0x3000, LOG - DATA - 0x3000), 0);
    free(want);
    free(data);
    pair_free(r, p);
}
END_TEST

/* An access that ends past RAM: aligned at RAM_SIZE, or straddling it. */
static const struct {
    bool store;
    uint8_t memop;
    uint8_t before;             /* bytes of it inside RAM */
} past_end[] = {
    { false, IR_MO_8, 0 }, { false, IR_MO_16 | IR_MO_SIGN, 0 }, { false, IR_MO_32, 0 }, { false, IR_MO_64, 0 },
    { false, IR_MO_64, 4 }, { false, IR_MO_32 | IR_MO_SIGN, 1 }, { false, IR_MO_16, 1 },
    { true, IR_MO_8, 0 }, { true, IR_MO_16, 0 }, { true, IR_MO_32, 0 }, { true, IR_MO_64, 0 },
    { true, IR_MO_64, 4 }, { true, IR_MO_32, 2 }, { true, IR_MO_16, 1 },
};
#define NPAST (sizeof(past_end) / sizeof(past_end[0]))

START_TEST(test_jit_mem_past_ram_end_faults_at_its_insn)
{
    struct prog *p = prog_new(4);
    p->r[5] = RAM_SIZE - past_end[_i].before - 0x40;
    p->r[7] = RAM_SIZE - 8;
    INSN(p, OPC_INT_ALU, MOVI(100, 0x1111), MOVI(170, 0x2222));
    INSN(p, OPC_STORE, OP(.opc = IR_ST, .a = S_DATA, .b = 100, .memop = IR_MO_64));
    /* The last page of RAM in the soft TLB for reads and writes: a
     * straddling access must still miss it, not run off the host mapping. */
    INSN(p, OPC_LOAD, OP(.opc = IR_LD, .d = 105, .a = 7, .memop = IR_MO_64),
         OP(.opc = IR_ST, .a = 7, .b = 105, .memop = IR_MO_64), ADDI(101, 100, 1));
    /* The faulting instruction writes a slot before its access. */
    INSN(p, past_end[_i].store ? OPC_STORE : OPC_LOAD, MOVI(104, 7),
         OP(.opc = past_end[_i].store ? IR_ST : IR_LD, .d = 102, .a = 5, .b = 100, .imm = 0x40,
            .memop = past_end[_i].memop));
    INSN(p, OPC_INT_ALU, MOVI(103, 0x3333));
    insn_halt(p);
    struct pair r = run_both(p, MACHINE_STOP_POWEROFF, "past end", _i);
    const struct cpu *cpu = &r.jit->cpu;
    ck_assert_uint_eq(cpu->r[3], TOY_FAULT_BUS);
    ck_assert_uint_eq(cpu->r[4], CODE + 6);
    ck_assert_uint_eq(cpu->fault.tval, RAM_SIZE);       /* the first byte that is not there */
    ck_assert_uint_eq(cpu->insns, 3 + 1);               /* three before it, then the handler's halt */
    ck_assert_uint_eq(cpu->r[101], 0x1112);
    ck_assert_uint_eq(cpu->r[170], 0x2222);
    ck_assert_uint_eq(cpu->r[104], 7);
    ck_assert_uint_eq(cpu->r[102], p->r[102]);
    ck_assert_uint_eq(cpu->r[103], p->r[103]);
    ck_assert_uint_eq(toy_read64(r.jit, DATA), 0x1111);
    /* A faulting store writes nothing (docs/design.md, misaligned accesses). */
    uint8_t pattern[RAM_SIZE - DATA];
    data_pattern(pattern, sizeof(pattern));
    ck_assert_int_eq(memcmp(memmap_host_ptr(&r.jit->m.map, RAM_SIZE - 8, 8), pattern + sizeof(pattern) - 8, 8), 0);
    pair_free(r, p);
}
END_TEST

START_TEST(test_jit_mem_fault_in_chained_loop_rewinds_insns)
{
    /* L: r20 = load [r5]; r5 += 4 KiB; r6 += 1; goto L, chained to itself,
     * until r5 reaches the end of RAM. */
    struct prog *p = prog_new(5);
    p->r[5] = DATA;
    p->r[6] = 0;
    INSN(p, OPC_LOAD, OP(.opc = IR_LD, .d = 20, .a = 5, .memop = IR_MO_64));
    INSN(p, OPC_INT_ALU, ADDI(5, 5, 0x1000));
    INSN(p, OPC_INT_ALU, ADDI(6, 6, 1));
    INSN(p, OPC_JUMP, GOTO_TB(0, CODE));
    struct pair r = run_both(p, MACHINE_STOP_POWEROFF, "chained fault", 0);
    unsigned rounds = (RAM_SIZE - DATA) / 0x1000;
    ck_assert_uint_eq(r.jit->cpu.r[6], rounds);
    ck_assert_uint_eq(r.jit->cpu.r[3], TOY_FAULT_BUS);
    ck_assert_uint_eq(r.jit->cpu.r[4], CODE);
    ck_assert_uint_eq(r.jit->cpu.insns, 4 * rounds + 1);
    pair_free(r, p);
}
END_TEST

static const struct {
    uint16_t flags;
    bool raise;
} call_cases[] = {
    { 0, false }, { IR_CALL_NO_RESULT, false }, { IR_CALL_MAY_FAULT, false },
    { IR_CALL_MAY_FAULT | IR_CALL_NO_RESULT, false }, { IR_CALL_MAY_FAULT, true },
    { IR_CALL_MAY_FAULT | IR_CALL_NO_RESULT, true },
};
#define NCALL (sizeof(call_cases) / sizeof(call_cases[0]))

START_TEST(test_jit_call_helper_flags_match_interp)
{
    const uint16_t flags = call_cases[_i].flags;
    const bool raise = call_cases[_i].raise;
    struct prog *p = prog_new(6);
    INSN(p, OPC_INT_ALU, MOVI(20, 5), MOVI(21, 0x777));
    INSN(p, OPC_SYSTEM, OP(.opc = IR_CALL, .fn = toy_mix, .flags = flags & IR_CALL_NO_RESULT, .d = 22, .a = 20,
                           .b = 21, .c = 23, .imm = -3),
         OP(.opc = IR_MOV, .d = 24, .a = 50));
    INSN(p, OPC_SYSTEM, MOVI(25, raise), OP(.opc = IR_CALL, .fn = toy_check, .flags = flags, .d = 26, .a = 25,
                                              .b = 21, .c = 0, .imm = 0x100000000ll));
    INSN(p, OPC_INT_ALU, MOVI(27, 1));
    insn_halt(p);
    struct pair r = run_both(p, MACHINE_STOP_POWEROFF, "call", _i);
    const uint64_t *s = r.jit->cpu.r;
    ck_assert_uint_eq(s[22], flags & IR_CALL_NO_RESULT ? p->r[22] : 5 * 3 + 0x777 * 5 + p->r[23] * 7 - 3);
    ck_assert_uint_eq(s[24], 5 ^ 1);
    ck_assert_uint_eq(s[26], raise || (flags & IR_CALL_NO_RESULT) ? p->r[26] : 0x777 + 0x100000000ull);
    ck_assert_uint_eq(s[27], raise ? p->r[27] : 1);
    ck_assert_uint_eq(s[3], raise ? TOY_FAULT_HELPER : 0);
    ck_assert_uint_eq(s[4], raise ? CODE + 4 : 0);
    ck_assert_uint_eq(r.jit->cpu.insns, raise ? 2 + 1 : 4 + 1);
    pair_free(r, p);
}
END_TEST

/* ---- control flow ---- */

static const uint64_t br_vals[] = { 0, 1, 2, UINT64_MAX, (uint64_t)INT64_MIN, INT64_MAX, 0x80000000u, 0xffffffffu };
#define NBR (sizeof(br_vals) / sizeof(br_vals[0]))

START_TEST(test_jit_brcond_every_cond_taken_and_not_match_interp)
{
    /* Per case: A: r100 = 0; if cond(a, b) goto T; else r100 = 1 (in A
     * or in B); T: log r100 (to log base r112 + 8 * case). Three
     * passes, the later ones through chained TBs, each with the values
     * in slots 40.. rotated by one, so that some branches first fall
     * through, then are taken. */
    const unsigned npass = 3, ncase = 6 * NBR * NBR;
    struct prog *p = prog_new(8);
    for (unsigned i = 0; i < NBR; i++)
        p->r[40 + i] = br_vals[i];
    p->r[110] = 0;
    p->r[111] = npass;
    p->r[112] = LOG;
    for (unsigned cond = IR_EQ, k = 0; cond <= IR_GEU; cond++) {
        for (unsigned i = 0; i < NBR; i++) {
            for (unsigned j = 0; j < NBR; j++, k++) {
                /* A branch with its fall-through jump, or with an op before it. */
                uint64_t b_pc = p->pc + 2, t_pc = p->pc + (k & 1 ? 4 : 2);
                INSN(p, OPC_BRANCH, MOVI(100, 0), BR(cond, 40 + i, 40 + j, t_pc));
                if (k & 1) {
                    emit(p, GOTO_TB(1, b_pc));
                    INSN(p, OPC_INT_ALU, MOVI(100, 1));
                } else {
                    emit(p, MOVI(100, 1));
                    emit(p, GOTO_TB(1, t_pc));
                }
                INSN(p, OPC_STORE, OP(.opc = IR_ST, .a = 112, .b = 100, .imm = 8 * k, .memop = IR_MO_64));
            }
        }
    }
    insn_ops(p, OPC_INT_ALU, NULL, 0);
    for (unsigned i = 0; i < NBR; i++)
        emit(p, OP(.opc = IR_MOV, .d = (uint8_t)(i ? 39 + i : 40 + NBR), .a = (uint8_t)(40 + i)));
    INSN(p, OPC_BRANCH, OP(.opc = IR_MOV, .d = 40 + NBR - 1, .a = 40 + NBR), ADDI(112, 112, 8 * ncase),
         ADDI(110, 110, 1), BR(IR_LTU, 110, 111, CODE), GOTO_TB(1, p->pc + 2));
    ck_assert_uint_lt(p->pc, CODE + 0x1000);    /* one page: the loop back chains */
    insn_halt(p);
    struct pair r = run_both(p, MACHINE_STOP_POWEROFF, "brcond", 0);
    for (unsigned q = 0, k = 0; q < npass; q++) {
        for (unsigned cond = IR_EQ; cond <= IR_GEU; cond++) {
            for (unsigned i = 0; i < NBR; i++) {
                for (unsigned j = 0; j < NBR; j++, k++)
                    ck_assert_msg(log_read(r.jit, k) == !ir_cond_holds(cond, br_vals[(i + q) % NBR],
                                                                    br_vals[(j + q) % NBR]),
                                      "pass %u, cond %u, %u vs %u", q, cond, i, j);
            }
        }
    }
    pair_free(r, p);
}
END_TEST

START_TEST(test_jit_goto_tb_same_and_other_page_match_interp)
{
    /* CODE: an inner loop chained to itself, 100 rounds, then on to PAGE2,
     * which counts 20 outer rounds, jumping back across the page. */
    struct prog *p = prog_new(9);
    p->r[20] = p->r[21] = p->r[23] = 0;
    p->r[22] = 100;
    p->r[24] = 20;
    INSN(p, OPC_INT_ALU, ADDI(20, 20, 1));
    INSN(p, OPC_INT_ALU, OP(.opc = IR_ADD, .d = 21, .a = 21, .b = 20));
    INSN(p, OPC_BRANCH, BR(IR_LTU, 20, 22, CODE), GOTO_TB(1, PAGE2));
    p->pc = PAGE2;
    INSN(p, OPC_INT_ALU, ADDI(23, 23, 1), MOVI(20, 0));
    INSN(p, OPC_BRANCH, BR(IR_LTU, 23, 24, CODE), GOTO_TB(1, PAGE2 + 4));
    insn_halt(p);
    struct pair r = run_both(p, MACHINE_STOP_POWEROFF, "goto_tb", 0);
    ck_assert_uint_eq(r.jit->cpu.r[21], 20 * 5050);
    ck_assert_uint_eq(r.jit->cpu.r[23], 20);
    ck_assert_uint_eq(r.jit->cpu.insns, 20 * (100 * 3 + 2) + 1);
    pair_free(r, p);
}
END_TEST

START_TEST(test_jit_goto_ptr_loop_through_jump_cache_matches_interp)
{
    /* The head jumps through a table in RAM, entry r20 & 3, 1000 times.
     * Two targets are on the head's page, one on PAGE2, and one shares
     * the first one's jump cache slot. */
    static const uint64_t target[4] = { CODE + 0x100, CODE + 0x200, PAGE2, 0x3102 };
    const uint64_t head = CODE + 2, end = CODE + 0x300;
    ck_assert_uint_eq(jmp_index(target[0]), jmp_index(target[3]));
    struct prog *p = prog_new(10);
    p->r[20] = 0;
    p->r[22] = 1000;
    p->r[23] = head;
    insn_ops(p, OPC_STORE, NULL, 0);
    for (unsigned k = 0; k < 4; k++) {
        p->r[30 + k] = 0;
        p->r[40 + k] = target[k];
        emit(p, OP(.opc = IR_ST, .a = S_DATA, .b = (uint8_t)(40 + k), .imm = 8 * k, .memop = IR_MO_64));
    }
    INSN(p, OPC_INT_ALU, ADDI(20, 20, 1), OP(.opc = IR_ANDI, .d = 21, .a = 20, .imm = 3),
         OP(.opc = IR_SHLI, .d = 21, .a = 21, .imm = 3), OP(.opc = IR_ADD, .d = 21, .a = 21, .b = S_DATA));
    INSN(p, OPC_JUMP, OP(.opc = IR_LD, .d = 21, .a = 21, .memop = IR_MO_64), OP(.opc = IR_GOTO_PTR, .a = 21));
    for (unsigned k = 0; k < 4; k++) {
        p->pc = target[k];
        INSN(p, OPC_INT_ALU, ADDI(30 + k, 30 + k, 1));
        INSN(p, OPC_JUMP, BR(IR_GEU, 20, 22, end), OP(.opc = IR_GOTO_PTR, .a = 23));
    }
    p->pc = end;
    insn_halt(p);
    struct pair r = run_both(p, MACHINE_STOP_POWEROFF, "goto_ptr", 0);
    for (unsigned k = 0; k < 4; k++)
        ck_assert_uint_eq(r.jit->cpu.r[30 + k], 250);
    ck_assert_uint_eq(r.jit->cpu.insns, 1 + 1000 * 4 + 1);
    pair_free(r, p);
}
END_TEST

START_TEST(test_jit_goto_ptr_after_mode_change_runs_new_mode_tb)
{
    /* CODE: to mode 1 at X.  X: r20 += 1; in mode 1 on to Y, else halt.
     * Y: to mode 0 at W.  W: jump to X through the jump cache, which
     * holds X's mode-1 TB: mode 0 needs another. */
    const uint64_t x = CODE + 0x100, y = CODE + 0x200, w = CODE + 0x300;
    struct prog *p = prog_new(12);
    p->r[20] = 0;
    p->r[41] = 1;
    p->r[42] = x;
    p->r[43] = 0;
    p->r[44] = w;
    INSN(p, OPC_SYSTEM, OP(.opc = IR_CALL, .fn = toy_switch, .flags = IR_CALL_NO_RESULT, .a = 41, .b = 42),
         OP(.opc = IR_EXIT));
    p->pc = x;
    INSN(p, OPC_INT_ALU, ADDI(20, 20, 1));
    INSN(p, OPC_BRANCH, BR(IR_NE, S_MODE, 43, y), GOTO_TB(1, x + 4));
    insn_halt(p);
    p->pc = y;
    INSN(p, OPC_SYSTEM, OP(.opc = IR_CALL, .fn = toy_switch, .flags = IR_CALL_NO_RESULT, .a = 43, .b = 44),
         OP(.opc = IR_EXIT));
    p->pc = w;
    INSN(p, OPC_JUMP, OP(.opc = IR_GOTO_PTR, .a = 42));
    struct pair r = run_both(p, MACHINE_STOP_POWEROFF, "mode", 0);
    ck_assert_uint_eq(r.jit->cpu.r[20], 2);
    ck_assert_uint_eq(r.jit->cpu.r[S_MODE_COUNT], 3);      /* X's two and Y's one, in mode 1 */
    pair_free(r, p);
}
END_TEST

START_TEST(test_jit_irq_taken_at_same_tb_boundary)
{
    /* L: r20 += 1; leave at n; loop to L. Every 37th round a helper
     * raises the interrupt and kicks, L chained to itself (case 0), or
     * only asks for a check, L looping through the jump cache (case 1);
     * or a timer raises it every 777 cycles (case 2: the helper does
     * nothing for the interrupt), and L waits for it every other round
     * (case 3). The handler logs r20, returns through S_EPC. */
    const bool timer = _i >= 2, wfi = _i == 3;
    const uint64_t end = CODE + 0x100, n = wfi ? 300 : 3000;
    struct prog *p = prog_new(14);
    p->timer_period = timer ? 777 : 0;
    p->r[20] = p->r[55] = 0;
    p->r[23] = n;
    p->r[24] = CODE;
    p->r[25] = _i == 0;
    INSN(p, OPC_INT_ALU, ADDI(20, 20, 1));
    INSN(p, OPC_BRANCH, BR(IR_GEU, 20, 23, end));
    INSN(p, OPC_SYSTEM, OP(.opc = IR_CALL, .fn = wfi ? toy_wfi : timer ? toy_mix : toy_irq_every,
                           .flags = IR_CALL_NO_RESULT, .a = 20, .b = 25, .imm = wfi ? 2 : 37),
         _i == 1 ? OP(.opc = IR_GOTO_PTR, .a = 24) : GOTO_TB(1, CODE));
    p->pc = end;
    insn_halt(p);
    p->pc = IRQ_VEC;
    INSN(p, OPC_STORE, ADDI(55, 55, 1), OP(.opc = IR_SHLI, .d = 56, .a = 55, .imm = 3),
         OP(.opc = IR_ADD, .d = 56, .a = 56, .b = S_LOG), OP(.opc = IR_ST, .a = 56, .b = 20, .memop = IR_MO_64));
    INSN(p, OPC_JUMP, OP(.opc = IR_GOTO_PTR, .a = S_EPC));
    struct pair r = run_both(p, MACHINE_STOP_POWEROFF, "irq", _i);
    ck_assert_uint_eq(r.jit->cpu.r[20], n);
    /* Taken at the end of the raising (or waiting) TB, before L runs again. */
    const uint64_t every = wfi ? 2 : 37;
    if (_i == 2) {
        ck_assert_uint_gt(r.jit->cpu.r[55], 3);
    } else {
        ck_assert_uint_eq(r.jit->cpu.r[55], (n - 1) / every);
        for (unsigned k = 1; k <= (n - 1) / every; k++)
            ck_assert_uint_eq(log_read(r.jit, k), every * k);
    }
    pair_free(r, p);
}
END_TEST

static const uint64_t insn_limits[] = { 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 100, 1001, 4099, 12345, 99999 };
#define NLIMITS (sizeof(insn_limits) / sizeof(insn_limits[0]))

START_TEST(test_jit_max_insns_mid_chain_stops_exactly)
{
    /* An endless loop: A (3 insns) -> B (5) -> C (2) chained on one page,
     * C back to A through the jump cache. */
    const uint64_t b_pc = CODE + 0x40, c_pc = CODE + 0x80;
    struct prog *p = prog_new(15);
    p->max_insns = insn_limits[_i];
    p->r[20] = p->r[21] = 0;
    p->r[23] = UINT64_MAX;
    p->r[24] = CODE;
    INSN(p, OPC_INT_ALU, ADDI(20, 20, 1));
    INSN(p, OPC_INT_MUL, OP(.opc = IR_MUL, .d = 21, .a = 21, .b = 20));
    INSN(p, OPC_JUMP, OP(.opc = IR_XOR, .d = 22, .a = 22, .b = 21), GOTO_TB(0, b_pc));
    p->pc = b_pc;
    for (unsigned k = 0; k < 4; k++) {
        INSN(p, k & 1 ? OPC_STORE : OPC_INT_ALU, ADDI(30 + k, 30 + k, k + 1));
        if (k & 1)
            emit(p, OP(.opc = IR_ST, .a = S_DATA, .b = 20, .imm = 8 * k, .memop = IR_MO_64));
    }
    INSN(p, OPC_BRANCH, BR(IR_LTU, 20, 23, c_pc), GOTO_TB(1, CODE));
    p->pc = c_pc;
    INSN(p, OPC_INT_ALU, ADDI(40, 40, 3));
    INSN(p, OPC_JUMP, OP(.opc = IR_GOTO_PTR, .a = 24));
    struct pair r = run_both(p, MACHINE_STOP_MAX_INSNS, "max_insns", _i);
    ck_assert_uint_eq(r.jit->cpu.insns, insn_limits[_i]);
    ck_assert_uint_eq(r.ref->cpu.insns, insn_limits[_i]);
    pair_free(r, p);
}
END_TEST

/* ---- self-modifying code ---- */

START_TEST(test_jit_smc_store_to_translated_tb_runs_new_code)
{
    /* CODE: r20 += 1; in round 5 store V2's word over X's V1; goto X.
     * X: V1 (r30 += 1); loop while r20 < 10. X's TB is chained from the
     * head's, on the same page, when the store makes both stale. */
    const uint64_t x = CODE + 0x800;
    struct prog *p = prog_new(16);
    p->r[20] = p->r[30] = p->r[31] = 0;
    p->r[22] = 10;
    p->r[25] = 5;
    p->r[26] = x;
    INSN(p, OPC_BRANCH, ADDI(20, 20, 1), BR(IR_NE, 20, 25, CODE + 4));
    INSN(p, OPC_STORE, OP(.opc = IR_ST, .a = 26, .b = 27, .memop = IR_MO_16));
    INSN(p, OPC_JUMP, GOTO_TB(1, x));
    p->pc = x;
    INSN(p, OPC_INT_ALU, ADDI(30, 30, 1));
    INSN(p, OPC_BRANCH, BR(IR_LTU, 20, 22, CODE), GOTO_TB(1, x + 4));
    insn_halt(p);
    p->r[27] = insn_detached(p, 31);
    struct pair r = run_both(p, MACHINE_STOP_POWEROFF, "smc", 0);
    ck_assert_uint_eq(r.jit->cpu.r[30], 4);
    ck_assert_uint_eq(r.jit->cpu.r[31], 6);
    pair_free(r, p);
}
END_TEST

START_TEST(test_jit_smc_store_into_running_tb_matches_interp)
{
    /* One TB: r20 += 1 and a store beside the code (no code changes);
     * store V2's word over the next instruction, V1 (r30 += 1); loop 5
     * times. The running TB finishes as translated (the store shows at
     * its end, as riscv's FENCE.I only ends the TB); later rounds run V2. */
    struct prog *p = prog_new(17);
    p->r[20] = p->r[30] = p->r[31] = 0;
    p->r[22] = 5;
    p->r[26] = CODE + 4;
    INSN(p, OPC_INT_ALU, ADDI(20, 20, 1), OP(.opc = IR_ST, .a = 26, .b = 20, .imm = 0x400, .memop = IR_MO_64));
    INSN(p, OPC_STORE, OP(.opc = IR_ST, .a = 26, .b = 27, .memop = IR_MO_16));
    INSN(p, OPC_INT_ALU, ADDI(30, 30, 1));
    INSN(p, OPC_BRANCH, BR(IR_LTU, 20, 22, CODE), GOTO_TB(1, p->pc + 2));
    insn_halt(p);
    p->r[27] = insn_detached(p, 31);
    struct pair r = run_both(p, MACHINE_STOP_POWEROFF, "smc in running tb", 0);
    ck_assert_uint_eq(r.jit->cpu.r[30], 1);
    ck_assert_uint_eq(r.jit->cpu.r[31], 4);
    ck_assert_uint_eq(toy_read64(r.jit, CODE + 0x404), 5);
    pair_free(r, p);
}
END_TEST

/* The comparisons mean something only if one machine runs host code. */
START_TEST(test_jit_engine_jit_machine_runs_host_code)
{
    struct prog *p = prog_new(18);
    INSN(p, OPC_INT_ALU, ADDI(20, 20, 1));
    insn_halt(p);
    struct pair r = run_both(p, MACHINE_STOP_POWEROFF, "engine", 0);
    ck_assert_ptr_null(r.ref->m.exec->jit);
    if (r.jit->m.exec->jit) {
        struct tb *tb = tb_find(&r.jit->cpu, CODE, 0);
        ck_assert_ptr_nonnull(tb);
        ck_assert_ptr_nonnull((void *)tb->jit);
    } else {
        fprintf(stderr, "check_jit: no JIT in this build or on this host: both machines interpret\n");
    }
    pair_free(r, p);
}
END_TEST

static Suite *jit_suite(void)
{
    Suite *s = suite_create("jit");
    TCase *alu = tcase_create("alu");
    tcase_add_loop_test(alu, test_jit_alu_edge_values_match_interp, 0, NALU);
    tcase_add_test(alu, test_jit_div_riscv_corner_cases_give_spec_results);
    tcase_add_loop_test(alu, test_jit_random_ops_fixed_seed_match_interp, 0, 8);
    tcase_add_loop_test(alu, test_jit_random_ops_under_u74_match_interp, 0, 8);
    suite_add_tcase(s, alu);
    TCase *mem = tcase_create("mem");
    tcase_add_test(mem, test_jit_mem_every_width_and_alignment_match_interp);
    tcase_add_loop_test(mem, test_jit_mem_past_ram_end_faults_at_its_insn, 0, NPAST);
    tcase_add_test(mem, test_jit_mem_fault_in_chained_loop_rewinds_insns);
    tcase_add_loop_test(mem, test_jit_call_helper_flags_match_interp, 0, NCALL);
    suite_add_tcase(s, mem);
    TCase *flow = tcase_create("flow");
    tcase_add_test(flow, test_jit_brcond_every_cond_taken_and_not_match_interp);
    tcase_add_test(flow, test_jit_goto_tb_same_and_other_page_match_interp);
    tcase_add_test(flow, test_jit_goto_ptr_loop_through_jump_cache_matches_interp);
    tcase_add_test(flow, test_jit_goto_ptr_after_mode_change_runs_new_mode_tb);
    tcase_add_loop_test(flow, test_jit_irq_taken_at_same_tb_boundary, 0, 4);
    tcase_add_loop_test(flow, test_jit_max_insns_mid_chain_stops_exactly, 0, NLIMITS);
    tcase_add_test(flow, test_jit_smc_store_to_translated_tb_runs_new_code);
    tcase_add_test(flow, test_jit_smc_store_into_running_tb_matches_interp);
    tcase_add_test(flow, test_jit_engine_jit_machine_runs_host_code);
    suite_add_tcase(s, flow);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(jit_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
