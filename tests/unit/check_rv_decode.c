/*
 * Unit tests for the riscv integer front end: table lookup (decode.c),
 * immediate extraction (decode.h), and the IR that the RV64I, M, A and
 * Zb* trans functions emit. The IR of one instruction is run by a small
 * evaluator below that knows the integer ops, so the tests check results
 * a guest would see rather than op sequences; no engine or machine is
 * needed.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cpu-riscv/decode.h"

#define X(n) RV_SLOT_X(n)
enum { A0 = 10, A1 = 11, A2 = 12, RA = 1, SP = 2 };

/* ---- decode ---- */

struct named { uint32_t insn; const char *name; };

START_TEST(test_decode_valid_encodings_find_their_rows)
{
    static const struct named cases[] = {
        { 0x00b50533, "add" },        /* add a0, a0, a1 */
        { 0x40c58533, "sub" },        /* sub a0, a1, a2 */
        { 0xfff00513, "addi" },       /* li a0, -1 */
        { 0xfe113c23, "sd" },         /* sd ra, -8(sp) */
        { 0xffc5a503, "lw" },         /* lw a0, -4(a1) */
        { 0x0005c503, "lbu" },        /* lbu a0, 0(a1) */
        { 0xf0b500e3, "beq" },        /* beq a0, a1, .-256 */
        { 0x00b55363, "bge" },        /* bge a0, a1, .+6 */
        { 0x801ff0ef, "jal" },        /* jal ra, .-2048 */
        { 0x006500e7, "jalr" },       /* jalr ra, 6(a0) */
        { 0xfffe17b7, "lui" },        /* lui a5, 0xfffe1 */
        { 0x80000517, "auipc" },      /* auipc a0, 0x80000 */
        { 0x00b5053b, "addw" },       /* addw a0, a0, a1 */
        { 0x40c5d53b, "sraw" },       /* sraw a0, a1, a2 */
        { 0x41f5d51b, "sraiw" },      /* sraiw a0, a1, 31 */
        { 0x43f5d513, "srai" },       /* srai a0, a1, 63 */
        { 0xfff5b513, "sltiu" },      /* sltiu a0, a1, -1 */
        { 0x0330000f, "fence" },      /* fence rw, rw */
        { 0x0000100f, "fence.i" },    /* fence.i */
        { 0x02c59533, "mulh" },       /* mulh a0, a1, a2 */
        { 0x02c5853b, "mulw" },       /* mulw a0, a1, a2 */
        { 0x02c5d53b, "divuw" },      /* divuw a0, a1, a2 */
        { 0x02c5f533, "remu" },       /* remu a0, a1, a2 */
        { 0x1005a52f, "lr.w" },       /* lr.w a0, (a1) */
        { 0x1ec5b52f, "sc.d" },       /* sc.d.aqrl a0, a2, (a1) */
        { 0x00c5a02f, "amoadd.w" },   /* amoadd.w zero, a2, (a1) */
        { 0xe0c5b52f, "amomaxu.d" },  /* amomaxu.d a0, a2, (a1) */
        { 0x20c5a533, "sh1add" },     /* sh1add a0, a1, a2 */
        { 0x20c5e53b, "sh3add.uw" },  /* sh3add.uw a0, a1, a2 */
        { 0x0a85951b, "slli.uw" },    /* slli.uw a0, a1, 40 */
        { 0x40c5c533, "xnor" },       /* xnor a0, a1, a2 */
        { 0x6015951b, "ctzw" },       /* ctzw a0, a1 */
        { 0x60559513, "sext.h" },     /* sext.h a0, a1 */
        { 0x0805c53b, "zext.h" },     /* zext.h a0, a1 */
        { 0x60855513, "rori" },       /* rori a0, a0, 8 */
        { 0x2875d513, "orc.b" },      /* orc.b a0, a1 */
        { 0x6b85d513, "rev8" },       /* rev8 a0, a1 */
        { 0x0ac5b533, "clmulh" },     /* clmulh a0, a1, a2 */
        { 0x4bf59513, "bclri" },      /* bclri a0, a1, 63 */
        { 0x4835d513, "bexti" },      /* bexti a0, a1, 3 */
        { 0x68c59533, "binv" },       /* binv a0, a1, a2 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct rv_insn *row = rv_decode(cases[i].insn);
        ck_assert_msg(row != NULL, "0x%08x not decoded", cases[i].insn);
        ck_assert_str_eq(row->name, cases[i].name);
    }
}
END_TEST

START_TEST(test_decode_reserved_encodings_return_null)
{
    static const uint32_t cases[] = {
        0x00002063,   /* BRANCH funct3 010 */
        0x00007003,   /* LOAD funct3 111 */
        0x00004023,   /* STORE funct3 100 */
        0x00001067,   /* JALR funct3 001 */
        0x04001013,   /* OP-IMM funct3 001 with funct6 000001 */
        0x4200501b,   /* sraiw with imm[5] set */
        0x0200103b,   /* OP-32 funct7 0000001 funct3 001 */
        0x1015252f,   /* lr.w with rs2 != 0 */
        0x0000002f,   /* AMO funct3 000 */
        0xffffffff,   /* longer-than-32-bit encoding space */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(rv_decode(cases[i]) == NULL, "0x%08x decoded", cases[i]);
}
END_TEST

START_TEST(test_imm_negative_fields_sign_extended)
{
    ck_assert_int_eq(rv_imm_i(0xfff00513), -1);          /* li a0, -1 */
    ck_assert_int_eq(rv_imm_s(0xfe113c23), -8);          /* sd ra, -8(sp) */
    ck_assert_int_eq(rv_imm_b(0xf0b500e3), -256);        /* beq a0, a1, .-256 */
    ck_assert_int_eq(rv_imm_j(0x801ff0ef), -2048);       /* jal ra, .-2048 */
    ck_assert_int_eq(rv_imm_u(0xfffe17b7), -0x1f000);    /* lui a5, 0xfffe1 */
    ck_assert_int_eq(rv_imm_u(0x80000517), -0x80000000ll); /* auipc a0, 0x80000 */
}
END_TEST

START_TEST(test_imm_positive_fields_extracted)
{
    ck_assert_int_eq(rv_imm_b(0x00b55363), 6);           /* bge a0, a1, .+6 */
    ck_assert_int_eq(rv_imm_i(0x006500e7), 6);           /* jalr ra, 6(a0) */
    ck_assert_int_eq(rv_imm_j(0x0060006f), 6);           /* j .+6 */
    ck_assert_uint_eq(rv_rd(0x40c58533), A0);            /* sub a0, a1, a2 */
    ck_assert_uint_eq(rv_rs1(0x40c58533), A1);
    ck_assert_uint_eq(rv_rs2(0x40c58533), A2);
}
END_TEST

/* ---- IR evaluation ---- */

enum run_end { RUN_FALLTHROUGH, RUN_GOTO_TB, RUN_GOTO_PTR, RUN_EXIT, RUN_FAULT };

struct run {
    enum run_end end;
    unsigned slot;
    uint64_t pc;
};

struct hart {
    struct rv_cpu *rv;
    struct ir_builder *b;
};

static struct hart hart_new(void)
{
    struct hart h = { calloc(1, sizeof(struct rv_cpu)), calloc(1, sizeof(struct ir_builder)) };

    ck_assert_ptr_nonnull(h.rv);
    ck_assert_ptr_nonnull(h.b);
    h.rv->ext = (struct rv_ext){ .m = true, .a = true, .c = true, .zifencei = true,
                                 .zba = true, .zbb = true, .zbc = true, .zbs = true };
    return h;
}

static void hart_free(struct hart *h)
{
    free(h->rv);
    free(h->b);
}

static bool cond_holds(unsigned cond, uint64_t a, uint64_t b)
{
    switch (cond) {
    case IR_EQ:  return a == b;
    case IR_NE:  return a != b;
    case IR_LT:  return (int64_t)a < (int64_t)b;
    case IR_GE:  return (int64_t)a >= (int64_t)b;
    case IR_LTU: return a < b;
    default:     return a >= b;
    }
}

static uint64_t alu(const struct ir_op *op, const uint64_t *r)
{
    uint64_t a = r[op->a], b = r[op->b], i = (uint64_t)op->imm;

    switch (op->opc) {
    case IR_MOVI:   return i;
    case IR_MOV:    return a;
    case IR_ADD:    return a + b;
    case IR_SUB:    return a - b;
    case IR_AND:    return a & b;
    case IR_OR:     return a | b;
    case IR_XOR:    return a ^ b;
    case IR_SHL:    return a << (b & 63);
    case IR_SHR:    return a >> (b & 63);
    case IR_SAR:    return (uint64_t)((int64_t)a >> (b & 63));
    case IR_MUL:    return a * b;
    case IR_ADDI:   return a + i;
    case IR_ANDI:   return a & i;
    case IR_ORI:    return a | i;
    case IR_XORI:   return a ^ i;
    case IR_SHLI:   return a << (i & 63);
    case IR_SHRI:   return a >> (i & 63);
    case IR_SARI:   return (uint64_t)((int64_t)a >> (i & 63));
    case IR_EXT8S:  return (uint64_t)(int64_t)(int8_t)a;
    case IR_EXT16S: return (uint64_t)(int64_t)(int16_t)a;
    case IR_EXT32S: return (uint64_t)(int64_t)(int32_t)a;
    case IR_EXT8U:  return (uint8_t)a;
    case IR_EXT16U: return (uint16_t)a;
    case IR_EXT32U: return (uint32_t)a;
    case IR_SETCOND:  return cond_holds(op->cond, a, b);
    case IR_SETCONDI: return cond_holds(op->cond, a, i);
    default:
        ck_abort_msg("op %u not handled by the test evaluator", op->opc);
        return 0;
    }
}

/* Runs the IR of one instruction on the hart's slots. */
static struct run run_ir(struct hart *h)
{
    uint64_t *r = h->rv->cpu.r;

    for (unsigned n = 0; n < h->b->nops; n++) {
        const struct ir_op *op = &h->b->ops[n];
        uint64_t v;

        switch (op->opc) {
        case IR_MOVCOND:
            if (cond_holds(op->cond, r[op->a], r[op->b]))
                r[op->d] = r[op->c];
            break;
        case IR_CALL:
            v = op->fn(&h->rv->cpu, r[op->a], r[op->b], r[op->c], op->imm);
            if ((op->flags & IR_CALL_MAY_FAULT) && h->rv->cpu.fault.pending)
                return (struct run){ RUN_FAULT, 0, 0 };
            if (!(op->flags & IR_CALL_NO_RESULT))
                r[op->d] = v;
            break;
        case IR_BRCOND:
            if (cond_holds(op->cond, r[op->a], r[op->b]))
                return (struct run){ RUN_GOTO_TB, 0, (uint64_t)op->imm };
            break;
        case IR_GOTO_TB:
            return (struct run){ RUN_GOTO_TB, op->c, (uint64_t)op->imm };
        case IR_GOTO_PTR:
            return (struct run){ RUN_GOTO_PTR, 0, r[op->a] };
        case IR_EXIT:
            return (struct run){ RUN_EXIT, 0, r[RV_SLOT_PC] };
        default:
            r[op->d] = alu(op, r);
            break;
        }
        ck_assert_msg(r[X(0)] == 0, "x0 written by op %u", n);
    }
    return (struct run){ RUN_FALLTHROUGH, 0, 0 };
}

/* Translates one 32-bit instruction at pc in M-mode; returns trans's verdict. */
static bool translate(struct hart *h, uint32_t insn, uint64_t pc)
{
    const struct rv_insn *row = rv_decode(insn);
    struct rv_dc dc = {
        .rv = h->rv, .b = h->b, .pc = pc, .next_pc = pc + 4, .insn = insn, .raw = insn, .len = 4,
        .flags = RV_PRIV_M | (RV_MMU_M << RV_TBF_MMU_SHIFT), .priv = RV_PRIV_M, .mmu_idx = RV_MMU_M,
    };

    ck_assert_msg(row != NULL, "0x%08x not decoded", insn);
    ir_builder_reset(h->b);
    ir_insn_start(h->b, 0, row->cls);
    return row->trans(&dc);
}

/* Translates and runs one instruction that must be legal. */
static struct run exec1(struct hart *h, uint32_t insn, uint64_t pc)
{
    ck_assert_msg(translate(h, insn, pc), "0x%08x rejected", insn);
    return run_ir(h);
}

struct alu_case {
    uint32_t insn;
    uint64_t a1, a2, want;      /* inputs in a1, a2; result in a0 */
};

static void check_alu_cases(const struct alu_case *c, size_t n)
{
    struct hart h = hart_new();

    for (size_t i = 0; i < n; i++) {
        h.rv->cpu.r[X(A0)] = 0x5555;
        h.rv->cpu.r[X(A1)] = c[i].a1;
        h.rv->cpu.r[X(A2)] = c[i].a2;
        ck_assert_int_eq(exec1(&h, c[i].insn, 0x1000).end, RUN_FALLTHROUGH);
        ck_assert_msg(h.rv->cpu.r[X(A0)] == c[i].want, "0x%08x: a0 = 0x%llx, want 0x%llx", c[i].insn,
                      (unsigned long long)h.rv->cpu.r[X(A0)], (unsigned long long)c[i].want);
    }
    hart_free(&h);
}

#define CHECK_ALU(cases) check_alu_cases((cases), sizeof(cases) / sizeof((cases)[0]))

START_TEST(test_exec_rv64i_word_ops_sign_extend)
{
    static const struct alu_case cases[] = {
        { 0x40c58533, 5, 7, (uint64_t)-2 },                              /* sub a0, a1, a2 */
        { 0x00c5d53b, 0x8000000080000000ull, 33, 0x40000000 },           /* srlw a0, a1, a2 */
        { 0x00c5d53b, 0x80000000, 0, 0xffffffff80000000ull },            /* srlw a0, a1, a2 */
        { 0x40c5d53b, 0x80000000, 36, 0xfffffffff8000000ull },           /* sraw a0, a1, a2 */
        { 0x00c5953b, 1, 63, 0xffffffff80000000ull },                    /* sllw a0, a1, a2 */
        { 0x0005d51b, 0x80000000, 0, 0xffffffff80000000ull },            /* srliw a0, a1, 0 */
        { 0x0045d51b, 0xffffffff80000000ull, 0, 0x08000000 },            /* srliw a0, a1, 4 */
        { 0x41f5d51b, 0x7fffffff80000000ull, 0, (uint64_t)-1 },          /* sraiw a0, a1, 31 */
        { 0x01f5951b, 3, 0, 0xffffffff80000000ull },                     /* slliw a0, a1, 31 */
        { 0xffc5851b, 0, 0, (uint64_t)-4 },                              /* addiw a0, a1, -4 */
        { 0x8005851b, 0x100000000ull, 0, (uint64_t)-2048 },              /* addiw a0, a1, -2048 */
        { 0xfff5b513, 5, 0, 1 },                                         /* sltiu a0, a1, -1 */
        { 0x00c5a533, (uint64_t)-1, 0, 1 },                              /* slt a0, a1, a2 */
        { 0x43f5d513, 0x8000000000000000ull, 0, (uint64_t)-1 },          /* srai a0, a1, 63 */
    };
    CHECK_ALU(cases);
}
END_TEST

START_TEST(test_exec_addw_overflow_wraps_to_negative)
{
    struct hart h = hart_new();

    h.rv->cpu.r[X(A0)] = 0x7fffffff;
    h.rv->cpu.r[X(A1)] = 1;
    exec1(&h, 0x00b5053b, 0x1000);                   /* addw a0, a0, a1 */
    ck_assert_uint_eq(h.rv->cpu.r[X(A0)], 0xffffffff80000000ull);
    hart_free(&h);
}
END_TEST

START_TEST(test_exec_lui_auipc_constants_at_translation)
{
    struct hart h = hart_new();

    exec1(&h, 0x80000517, 0x80001000);               /* auipc a0, 0x80000 */
    ck_assert_uint_eq(h.rv->cpu.r[X(A0)], 0x1000);
    ck_assert_uint_eq(h.b->nops, 1);
    exec1(&h, 0xfffe17b7, 0x1000);                   /* lui a5, 0xfffe1 */
    ck_assert_uint_eq(h.rv->cpu.r[X(15)], 0xfffffffffffe1000ull);
    hart_free(&h);
}
END_TEST

START_TEST(test_exec_jal_links_and_jumps)
{
    struct hart h = hart_new();
    struct run r = exec1(&h, 0x801ff0ef, 0x2000);    /* jal ra, .-2048 */

    ck_assert_int_eq(r.end, RUN_GOTO_TB);
    ck_assert_uint_eq(r.pc, 0x1800);
    ck_assert_uint_eq(h.rv->cpu.r[X(RA)], 0x2004);
    hart_free(&h);
}
END_TEST

START_TEST(test_exec_jalr_rd_eq_rs1_uses_old_value_and_clears_bit0)
{
    struct hart h = hart_new();
    struct run r;

    h.rv->cpu.r[X(RA)] = 0x3001;
    r = exec1(&h, 0x001080e7, 0x1000);               /* jalr ra, 1(ra) */
    ck_assert_int_eq(r.end, RUN_GOTO_PTR);
    ck_assert_uint_eq(r.pc, 0x3002);
    ck_assert_uint_eq(h.rv->cpu.r[X(RA)], 0x1004);
    hart_free(&h);
}
END_TEST

START_TEST(test_exec_branch_taken_and_not_taken_exit_slots)
{
    struct hart h = hart_new();
    struct run r;

    h.rv->cpu.r[X(A0)] = 3;
    h.rv->cpu.r[X(A1)] = 3;
    r = exec1(&h, 0xf0b500e3, 0x1000);               /* beq a0, a1, .-256 */
    ck_assert_int_eq(r.end, RUN_GOTO_TB);
    ck_assert_uint_eq(r.slot, 0);
    ck_assert_uint_eq(r.pc, 0xf00);
    h.rv->cpu.r[X(A1)] = 4;
    r = exec1(&h, 0xf0b500e3, 0x1000);
    ck_assert_uint_eq(r.slot, 1);
    ck_assert_uint_eq(r.pc, 0x1004);
    hart_free(&h);
}
END_TEST

START_TEST(test_exec_misaligned_targets_without_c_raise_insn_misaligned)
{
    struct hart h = hart_new();
    struct run r;

    h.rv->ext.c = false;
    h.rv->cpu.r[X(A0)] = 1;
    h.rv->cpu.r[X(A1)] = 0;
    r = exec1(&h, 0x00b55363, 0x1000);               /* bge a0, a1, .+6 (taken) */
    ck_assert_int_eq(r.end, RUN_FAULT);
    ck_assert_uint_eq(h.rv->cpu.fault.code, RV_EXC_INSN_MISALIGNED);
    ck_assert_uint_eq(h.rv->cpu.fault.tval, 0x1006);

    h.rv->cpu.fault.pending = false;
    h.rv->cpu.r[X(A1)] = 2;
    r = exec1(&h, 0x00b55363, 0x1000);               /* bge a0, a1, .+6 (not taken) */
    ck_assert_int_eq(r.end, RUN_GOTO_TB);
    ck_assert_uint_eq(r.pc, 0x1004);
    ck_assert(!h.rv->cpu.fault.pending);

    r = exec1(&h, 0x0060006f, 0x1000);               /* j .+6 */
    ck_assert_int_eq(r.end, RUN_FAULT);
    ck_assert_uint_eq(h.rv->cpu.fault.tval, 0x1006);

    h.rv->cpu.fault.pending = false;
    h.rv->cpu.r[X(A0)] = 0x2000;
    h.rv->cpu.r[X(RA)] = 0x77;
    r = exec1(&h, 0x006500e7, 0x1000);               /* jalr ra, 6(a0) */
    ck_assert_int_eq(r.end, RUN_FAULT);
    ck_assert_uint_eq(h.rv->cpu.fault.tval, 0x2006);
    ck_assert_uint_eq(h.rv->cpu.r[X(RA)], 0x77);
    hart_free(&h);
}
END_TEST

START_TEST(test_exec_misaligned_targets_with_c_jump)
{
    struct hart h = hart_new();
    struct run r = exec1(&h, 0x0060006f, 0x1000);    /* j .+6 */

    ck_assert_int_eq(r.end, RUN_GOTO_TB);
    ck_assert_uint_eq(r.pc, 0x1006);
    hart_free(&h);
}
END_TEST

static const struct ir_op *find_op(const struct ir_builder *b, unsigned opc)
{
    for (unsigned i = 0; i < b->nops; i++) {
        if (b->ops[i].opc == opc)
            return &b->ops[i];
    }
    return NULL;
}

START_TEST(test_trans_loads_stores_use_data_mmu_idx_and_width)
{
    struct hart h = hart_new();
    const struct ir_op *op;

    ck_assert(translate(&h, 0xffc5a503, 0x1000));    /* lw a0, -4(a1) */
    op = find_op(h.b, IR_LD);
    ck_assert_ptr_nonnull(op);
    ck_assert_uint_eq(op->d, X(A0));
    ck_assert_uint_eq(op->a, X(A1));
    ck_assert_int_eq(op->imm, -4);
    ck_assert_uint_eq(op->memop, IR_MO_32 | IR_MO_SIGN);
    ck_assert_uint_eq(op->mmu_idx, RV_MMU_M);

    ck_assert(translate(&h, 0x0005c503, 0x1000));    /* lbu a0, 0(a1) */
    ck_assert_uint_eq(find_op(h.b, IR_LD)->memop, IR_MO_8);

    ck_assert(translate(&h, 0xfe113c23, 0x1000));    /* sd ra, -8(sp) */
    op = find_op(h.b, IR_ST);
    ck_assert_ptr_nonnull(op);
    ck_assert_uint_eq(op->a, X(SP));
    ck_assert_uint_eq(op->b, X(RA));
    ck_assert_int_eq(op->imm, -8);
    ck_assert_uint_eq(op->memop, IR_MO_64);
    hart_free(&h);
}
END_TEST

START_TEST(test_trans_load_into_x0_still_loads_into_temp)
{
    struct hart h = hart_new();
    const struct ir_op *op;

    ck_assert(translate(&h, 0x0005a003, 0x1000));    /* lw zero, 0(a1) */
    op = find_op(h.b, IR_LD);
    ck_assert_ptr_nonnull(op);
    ck_assert_uint_ge(op->d, IR_TEMP_BASE);
    hart_free(&h);
}
END_TEST

START_TEST(test_trans_fence_i_ends_tb_at_next_pc)
{
    struct hart h = hart_new();
    struct run r = exec1(&h, 0x0000100f, 0x1000);    /* fence.i */

    ck_assert_int_eq(r.end, RUN_EXIT);
    ck_assert_uint_eq(r.pc, 0x1004);
    ck_assert_int_eq(exec1(&h, 0x0330000f, 0x1000).end, RUN_FALLTHROUGH); /* fence rw, rw */
    hart_free(&h);
}
END_TEST

START_TEST(test_trans_m_ops_select_riscv_division)
{
    struct hart h = hart_new();

    ck_assert(translate(&h, 0x02c5d53b, 0x1000));    /* divuw a0, a1, a2 */
    ck_assert_ptr_nonnull(find_op(h.b, IR_DIVU32));
    ck_assert(translate(&h, 0x02c5f533, 0x1000));    /* remu a0, a1, a2 */
    ck_assert_ptr_nonnull(find_op(h.b, IR_REMU));
    ck_assert(translate(&h, 0x02c59533, 0x1000));    /* mulh a0, a1, a2 */
    ck_assert_ptr_nonnull(find_op(h.b, IR_MULHS));
    hart_free(&h);
}
END_TEST

START_TEST(test_exec_mulw_sign_extends_low_word)
{
    static const struct alu_case cases[] = {
        { 0x02c5853b, 0x10000, 0x8000, 0xffffffff80000000ull },          /* mulw a0, a1, a2 */
        { 0x02c58533, 3, (uint64_t)-5, (uint64_t)-15 },                  /* mul a0, a1, a2 */
    };
    CHECK_ALU(cases);
}
END_TEST

START_TEST(test_trans_extension_off_rejects)
{
    struct hart h = hart_new();

    h.rv->ext = (struct rv_ext){ .c = true };
    ck_assert(!translate(&h, 0x02c58533, 0x1000));   /* mul a0, a1, a2 */
    ck_assert(!translate(&h, 0x1005a52f, 0x1000));   /* lr.w a0, (a1) */
    ck_assert(!translate(&h, 0x20c5a533, 0x1000));   /* sh1add a0, a1, a2 */
    ck_assert(!translate(&h, 0x60059513, 0x1000));   /* clz a0, a1 */
    ck_assert(!translate(&h, 0x0ac59533, 0x1000));   /* clmul a0, a1, a2 */
    ck_assert(!translate(&h, 0x48c59533, 0x1000));   /* bclr a0, a1, a2 */
    ck_assert(!translate(&h, 0x0000100f, 0x1000));   /* fence.i */
    ck_assert(translate(&h, 0x00b50533, 0x1000));    /* add a0, a0, a1 */
    hart_free(&h);
}
END_TEST

START_TEST(test_trans_amo_passes_mmu_idx_and_may_fault)
{
    struct hart h = hart_new();
    const struct ir_op *op;

    ck_assert(translate(&h, 0x00c5a02f, 0x1000));    /* amoadd.w zero, a2, (a1) */
    op = find_op(h.b, IR_CALL);
    ck_assert_ptr_nonnull(op);
    ck_assert(op->flags & IR_CALL_MAY_FAULT);
    ck_assert_uint_ge(op->d, IR_TEMP_BASE);
    ck_assert_uint_eq(op->a, X(A1));
    ck_assert_uint_eq(op->b, X(A2));
    ck_assert_uint_eq((uint64_t)op->imm & 15, RV_MMU_M);
    hart_free(&h);
}
END_TEST

START_TEST(test_exec_amo_misaligned_raises_store_misaligned)
{
    struct hart h = hart_new();
    struct run r;

    h.rv->cpu.r[X(A1)] = 0x1002;
    h.rv->cpu.r[X(A0)] = 0x99;
    r = exec1(&h, 0xe0c5b52f, 0x1000);               /* amomaxu.d a0, a2, (a1) */
    ck_assert_int_eq(r.end, RUN_FAULT);
    ck_assert_uint_eq(h.rv->cpu.fault.code, RV_EXC_STORE_MISALIGNED);
    ck_assert_uint_eq(h.rv->cpu.fault.tval, 0x1002);
    ck_assert_uint_eq(h.rv->cpu.r[X(A0)], 0x99);

    h.rv->cpu.fault.pending = false;
    r = exec1(&h, 0x1005a52f, 0x1000);               /* lr.w a0, (a1) */
    ck_assert_int_eq(r.end, RUN_FAULT);
    ck_assert_uint_eq(h.rv->cpu.fault.code, RV_EXC_LOAD_MISALIGNED);
    hart_free(&h);
}
END_TEST

START_TEST(test_exec_sc_without_reservation_fails_with_1)
{
    struct hart h = hart_new();

    h.rv->cpu.r[X(A1)] = 0x1000;
    h.rv->lr_valid = true;
    h.rv->lr_addr = 0x2000;
    ck_assert_int_eq(exec1(&h, 0x1ec5b52f, 0x1000).end, RUN_FALLTHROUGH); /* sc.d.aqrl a0, a2, (a1) */
    ck_assert_uint_eq(h.rv->cpu.r[X(A0)], 1);
    ck_assert(!h.rv->lr_valid);
    hart_free(&h);
}
END_TEST

START_TEST(test_exec_zba_shift_add)
{
    static const struct alu_case cases[] = {
        { 0x20c5a533, 5, 100, 110 },                                     /* sh1add a0, a1, a2 */
        { 0x20c5e53b, 0xffffffff00000001ull, 1, 9 },                     /* sh3add.uw a0, a1, a2 */
        { 0x08c5853b, 0xffffffffffffffffull, 1, 0x100000000ull },         /* add.uw a0, a1, a2 */
        { 0x0a85951b, 0xffffffff00000001ull, 0, 0x10000000000ull },       /* slli.uw a0, a1, 40 */
    };
    CHECK_ALU(cases);
}
END_TEST

START_TEST(test_exec_zbb_logic_counts_bytes)
{
    static const struct alu_case cases[] = {
        { 0x40c5f533, 0xff, 0x0f, 0xf0 },                                /* andn a0, a1, a2 */
        { 0x40c5c533, 0xf0, 0x0f, (uint64_t)~0xffull },                  /* xnor a0, a1, a2 */
        { 0x0ac5e533, (uint64_t)-3, 2, 2 },                              /* max a0, a1, a2 */
        { 0x60059513, 0x00ff000000000000ull, 0, 8 },                     /* clz a0, a1 */
        { 0x60059513, 0, 0, 64 },                                        /* clz a0, a1 */
        { 0x6015951b, 0x100000000ull, 0, 32 },                           /* ctzw a0, a1 */
        { 0x60259513, 0xf0f0, 0, 8 },                                    /* cpop a0, a1 */
        { 0x60459513, 0x80, 0, (uint64_t)-128 },                         /* sext.b a0, a1 */
        { 0x60559513, 0x18000, 0, (uint64_t)-32768 },                    /* sext.h a0, a1 */
        { 0x0805c53b, 0xfffff234, 0, 0xf234 },                           /* zext.h a0, a1 */
        { 0x60c59533, 0x8000000000000001ull, 1, 3 },                     /* rol a0, a1, a2 */
        { 0x60c5d53b, 0x1, 1, 0xffffffff80000000ull },                   /* rorw a0, a1, a2 */
        { 0x6045d51b, 0x10, 0, 1 },                                      /* roriw a0, a1, 4 */
        { 0x2875d513, 0x0100001000000080ull, 0, 0xff0000ff000000ffull },  /* orc.b a0, a1 */
        { 0x6b85d513, 0x0102030405060708ull, 0, 0x0807060504030201ull },  /* rev8 a0, a1 */
    };
    CHECK_ALU(cases);
}
END_TEST

START_TEST(test_exec_zbb_minmax_rd_aliasing_sources)
{
    struct hart h = hart_new();

    h.rv->cpu.r[X(A0)] = (uint64_t)-1;
    h.rv->cpu.r[X(A1)] = 4;
    exec1(&h, 0x0ab54533, 0x1000);                   /* min a0, a0, a1 */
    ck_assert_uint_eq(h.rv->cpu.r[X(A0)], (uint64_t)-1);
    exec1(&h, 0x0ab575b3, 0x1000);                   /* maxu a1, a0, a1 */
    ck_assert_uint_eq(h.rv->cpu.r[X(A1)], (uint64_t)-1);
    h.rv->cpu.r[X(A0)] = 0x1122334455667788ull;
    exec1(&h, 0x60855513, 0x1000);                   /* rori a0, a0, 8 */
    ck_assert_uint_eq(h.rv->cpu.r[X(A0)], 0x8811223344556677ull);
    hart_free(&h);
}
END_TEST

START_TEST(test_exec_zbc_carryless_products)
{
    static const struct alu_case cases[] = {
        { 0x0ac59533, 0x3, 0x3, 0x5 },                                   /* clmul a0, a1, a2 */
        { 0x0ac5b533, 0x8000000000000000ull, 0x4, 0x2 },                  /* clmulh a0, a1, a2 */
        { 0x0ac5a533, 0x8000000000000000ull, 0x4, 0x4 },                  /* clmulr a0, a1, a2 */
    };
    CHECK_ALU(cases);
}
END_TEST

START_TEST(test_exec_zbs_single_bits)
{
    static const struct alu_case cases[] = {
        { 0x48c59533, 0xff, 67, 0xf7 },                                  /* bclr a0, a1, a2 */
        { 0x4bf59513, (uint64_t)-1, 0, 0x7fffffffffffffffull },           /* bclri a0, a1, 63 */
        { 0x48c5d533, 0x10, 4, 1 },                                      /* bext a0, a1, a2 */
        { 0x4835d513, 0x10, 0, 0 },                                      /* bexti a0, a1, 3 */
        { 0x68c59533, 0x1, 0, 0 },                                       /* binv a0, a1, a2 */
        { 0x68059513, 0x2, 0, 0x3 },                                     /* binvi a0, a1, 0 */
        { 0x28c59533, 0, 63, 0x8000000000000000ull },                     /* bset a0, a1, a2 */
        { 0x2bf59513, 1, 0, 0x8000000000000001ull },                      /* bseti a0, a1, 63 */
    };
    CHECK_ALU(cases);
}
END_TEST

START_TEST(test_trans_rd_x0_alu_emits_nothing)
{
    struct hart h = hart_new();

    ck_assert(translate(&h, 0x00000013, 0x1000));    /* nop */
    ck_assert_uint_eq(h.b->nops, 0);
    ck_assert(translate(&h, 0x02c5f033, 0x1000));    /* remu zero, a1, a2 */
    ck_assert_uint_eq(h.b->nops, 0);
    hart_free(&h);
}
END_TEST

START_TEST(test_emit_exception_raises_cause_and_tval)
{
    struct hart h = hart_new();
    struct rv_dc dc = { .rv = h.rv, .b = h.b, .pc = 0x1000, .next_pc = 0x1004 };
    struct run r;

    ir_builder_reset(h.b);
    ir_insn_start(h.b, 0, OPC_SYSTEM);
    rv_emit_exception(&dc, RV_EXC_ILLEGAL_INSN, 0xdeadbeef);
    ck_assert(dc.end_tb);
    r = run_ir(&h);
    ck_assert_int_eq(r.end, RUN_FAULT);
    ck_assert_uint_eq(h.rv->cpu.fault.code, RV_EXC_ILLEGAL_INSN);
    ck_assert_uint_eq(h.rv->cpu.fault.tval, 0xdeadbeef);
    hart_free(&h);
}
END_TEST

static Suite *rv_decode_suite(void)
{
    Suite *s = suite_create("rv_decode");
    TCase *tc = tcase_create("decode");
    TCase *te = tcase_create("trans");

    tcase_add_test(tc, test_decode_valid_encodings_find_their_rows);
    tcase_add_test(tc, test_decode_reserved_encodings_return_null);
    tcase_add_test(tc, test_imm_negative_fields_sign_extended);
    tcase_add_test(tc, test_imm_positive_fields_extracted);
    suite_add_tcase(s, tc);

    tcase_add_test(te, test_exec_rv64i_word_ops_sign_extend);
    tcase_add_test(te, test_exec_addw_overflow_wraps_to_negative);
    tcase_add_test(te, test_exec_lui_auipc_constants_at_translation);
    tcase_add_test(te, test_exec_jal_links_and_jumps);
    tcase_add_test(te, test_exec_jalr_rd_eq_rs1_uses_old_value_and_clears_bit0);
    tcase_add_test(te, test_exec_branch_taken_and_not_taken_exit_slots);
    tcase_add_test(te, test_exec_misaligned_targets_without_c_raise_insn_misaligned);
    tcase_add_test(te, test_exec_misaligned_targets_with_c_jump);
    tcase_add_test(te, test_trans_loads_stores_use_data_mmu_idx_and_width);
    tcase_add_test(te, test_trans_load_into_x0_still_loads_into_temp);
    tcase_add_test(te, test_trans_fence_i_ends_tb_at_next_pc);
    tcase_add_test(te, test_trans_m_ops_select_riscv_division);
    tcase_add_test(te, test_exec_mulw_sign_extends_low_word);
    tcase_add_test(te, test_trans_extension_off_rejects);
    tcase_add_test(te, test_trans_amo_passes_mmu_idx_and_may_fault);
    tcase_add_test(te, test_exec_amo_misaligned_raises_store_misaligned);
    tcase_add_test(te, test_exec_sc_without_reservation_fails_with_1);
    tcase_add_test(te, test_exec_zba_shift_add);
    tcase_add_test(te, test_exec_zbb_logic_counts_bytes);
    tcase_add_test(te, test_exec_zbb_minmax_rd_aliasing_sources);
    tcase_add_test(te, test_exec_zbc_carryless_products);
    tcase_add_test(te, test_exec_zbs_single_bits);
    tcase_add_test(te, test_trans_rd_x0_alu_emits_nothing);
    tcase_add_test(te, test_emit_exception_raises_cause_and_tval);
    suite_add_tcase(s, te);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rv_decode_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
