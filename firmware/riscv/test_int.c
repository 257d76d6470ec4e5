/*
 * RV64I base integer instructions (RISC-V unprivileged 20191213 ch. 2 and
 * 5): ALU and W forms, shifts with masked amounts, compares, branches both
 * ways including a backward loop, every load/store width and sign,
 * misaligned accesses, LUI/AUIPC/JAL/JALR, and x0 staying zero.
 */
#include "test.h"

#define LOAD(op, ptr) ({ uint64_t r_; \
    __asm__ volatile(op " %0, 0(%1)" : "=r"(r_) : "r"(ptr) : "memory"); r_; })
#define STORE(op, ptr, v) \
    __asm__ volatile(op " %0, 0(%1)" :: "r"((uint64_t)(v)), "r"(ptr) : "memory")
/* 1 if the branch is taken. */
#define TAKEN(op, a, b) ({ uint64_t r_; \
    __asm__ volatile("li %0, 1\n\t" op " %1, %2, 1f\n\tli %0, 0\n1:" \
                     : "=&r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); r_; })

static uint8_t buf[32] __attribute__((aligned(16)));

static void test_alu(void)
{
    test_check_eq("add_overflow_wraps", INSN_RR("add", 0x7fffffffffffffff, 1), 0x8000000000000000);
    test_check_eq("sub_borrow", INSN_RR("sub", 0, 1), 0xffffffffffffffff);
    test_check_eq("addi_negative", INSN_RI("addi", 0x10, -32), 0xfffffffffffffff0);
    test_check_eq("addw_sign_extends", INSN_RR("addw", 0x7fffffff, 1), 0xffffffff80000000);
    test_check_eq("addw_ignores_upper", INSN_RR("addw", 0xffffffff00000005, 3), 8);
    test_check_eq("subw", INSN_RR("subw", 0x100000000, 1), 0xffffffffffffffff);
    test_check_eq("addiw_sign_extends", INSN_RI("addiw", 0x7fffffff, 1), 0xffffffff80000000);
    test_check_eq("and", INSN_RR("and", 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0), 0x0f000f000f000f00);
    test_check_eq("or", INSN_RR("or", 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0), 0xfff0fff0fff0fff0);
    test_check_eq("xor", INSN_RR("xor", 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0), 0xf0f0f0f0f0f0f0f0);
    test_check_eq("andi", INSN_RI("andi", 0x12345678, 0xff), 0x78);
    test_check_eq("andi_sign_extended_imm", INSN_RI("andi", 0x123456789abcdef7, -16), 0x123456789abcdef0);
    test_check_eq("ori", INSN_RI("ori", 0x100, 0xab), 0x1ab);
    test_check_eq("xori_not", INSN_RI("xori", 0x00ff, -1), 0xffffffffffffff00);
    test_check_eq("slt_signed", INSN_RR("slt", -1, 1), 1);
    test_check_eq("sltu_unsigned", INSN_RR("sltu", -1, 1), 0);
    test_check_eq("slti", INSN_RI("slti", 5, -3), 0);
    test_check_eq("sltiu_imm_sign_extended", INSN_RI("sltiu", 5, -1), 1);
}

static void test_shifts(void)
{
    test_check_eq("sll_63", INSN_RR("sll", 1, 63), 0x8000000000000000);
    test_check_eq("sll_amount_masked_6_bits", INSN_RR("sll", 1, 67), 8);
    test_check_eq("srl_63", INSN_RR("srl", 0x8000000000000000, 63), 1);
    test_check_eq("sra_63", INSN_RR("sra", 0x8000000000000000, 63), 0xffffffffffffffff);
    test_check_eq("srai", INSN_RI("srai", 0xf000000000000000, 4), 0xff00000000000000);
    test_check_eq("slli_40", INSN_RI("slli", 1, 40), 0x10000000000);
    test_check_eq("srli", INSN_RI("srli", 0xf000000000000000, 60), 0xf);
    test_check_eq("sllw_31_sign_extends", INSN_RR("sllw", 1, 31), 0xffffffff80000000);
    test_check_eq("sllw_amount_masked_5_bits", INSN_RR("sllw", 1, 33), 2);
    test_check_eq("srlw", INSN_RR("srlw", 0xffffffff80000000, 4), 0x08000000);
    test_check_eq("sraw", INSN_RR("sraw", 0x80000000, 4), 0xfffffffff8000000);
    test_check_eq("srliw_0_sign_extends", INSN_RI("srliw", 0xffffffff, 0), 0xffffffffffffffff);
    test_check_eq("sraiw_31", INSN_RI("sraiw", 0x80000000, 31), 0xffffffffffffffff);
    test_check_eq("slliw", INSN_RI("slliw", 0x12345678, 4), 0x23456780);
}

static void test_branches(void)
{
    test_check_eq("beq_taken", TAKEN("beq", 5, 5), 1);
    test_check_eq("beq_not_taken", TAKEN("beq", 5, 6), 0);
    test_check_eq("bne_not_taken", TAKEN("bne", 5, 5), 0);
    test_check_eq("bne_taken", TAKEN("bne", 5, 6), 1);
    test_check_eq("blt_signed_taken", TAKEN("blt", -1, 1), 1);
    test_check_eq("bltu_unsigned_not_taken", TAKEN("bltu", -1, 1), 0);
    test_check_eq("bge_equal_taken", TAKEN("bge", 3, 3), 1);
    test_check_eq("bge_signed_taken", TAKEN("bge", 1, -1), 1);
    test_check_eq("bgeu_unsigned_not_taken", TAKEN("bgeu", 1, -1), 0);
    test_check_eq("bltu_taken", TAKEN("bltu", 1, 2), 1);

    uint64_t sum;
    __asm__ volatile("li t0, 10\n\tli %0, 0\n"
                     "1:\tadd %0, %0, t0\n\taddi t0, t0, -1\n\tbnez t0, 1b"
                     : "=&r"(sum) :: "t0");
    test_check_eq("backward_loop_sum_1_to_10", sum, 55);

    uint64_t iters;
    __asm__ volatile("li %0, 0\n\tli t0, 1000\n"
                     "1:\taddi %0, %0, 1\n\tblt %0, t0, 1b"
                     : "=&r"(iters) :: "t0");
    test_check_eq("backward_loop_1000_iterations", iters, 1000);
}

static void test_upper_and_jumps(void)
{
    test_check_eq("lui_sign_extends", ({ uint64_t r; __asm__("lui %0, 0x80000" : "=r"(r)); r; }),
                  0xffffffff80000000);
    test_check_eq("lui", ({ uint64_t r; __asm__("lui %0, 0x12345" : "=r"(r)); r; }), 0x12345000);

    uint64_t pc, lbl;
    __asm__ volatile("1:\tauipc %0, 1\n\tlla %1, 1b" : "=r"(pc), "=r"(lbl));
    test_check_eq("auipc_adds_pc", pc - lbl, 0x1000);

    uint64_t link, next;
    __asm__ volatile("jal %0, 1f\n1:\tlla %1, 1b" : "=r"(link), "=r"(next));
    test_check_eq("jal_link_is_next_insn", link, next);

    uint64_t skipped;
    __asm__ volatile("li %0, 0\n\tj 1f\n\tli %0, 1\n1:" : "=&r"(skipped));
    test_check_eq("jal_skips", skipped, 0);

    uint64_t target_hit, jlink, jnext;
    /* jalr clears bit 0 of rs1 + imm (unpriv §2.5): aim at 2f + 1. */
    __asm__ volatile("lla t0, 2f\n\taddi t0, t0, 1\n\tli %0, 0\n"
                     "\tjalr %1, 0(t0)\n1:\tli %0, 2\n2:\tlla %2, 1b\n\taddi %0, %0, 1"
                     : "=&r"(target_hit), "=&r"(jlink), "=&r"(jnext) :: "t0");
    test_check_eq("jalr_clears_bit0", target_hit, 1);
    test_check_eq("jalr_link", jlink, jnext);

    uint64_t ret;
    /* 4-byte encodings only, so 8(t0) is two instructions past 1f. */
    __asm__ volatile(".option push\n\t.option norvc\n\t"
                     "lla t0, 1f\n\tjalr t1, 8(t0)\n1:\tli %0, 7\n\tj 2f\n"
                     "\tli %0, 9\n2:\n\t.option pop" : "=&r"(ret) :: "t0", "t1");
    test_check_eq("jalr_offset", ret, 9);
}

static void fill_buf(void)
{
    for (unsigned i = 0; i < sizeof(buf); i++)
        ((volatile uint8_t *)buf)[i] = (uint8_t)(0x80 + i);   /* 80 81 82 ... */
}

static void test_loads_stores(void)
{
    fill_buf();
    test_check_eq("lb_sign_extends", LOAD("lb", buf), 0xffffffffffffff80);
    test_check_eq("lbu_zero_extends", LOAD("lbu", buf), 0x80);
    test_check_eq("lh_sign_extends", LOAD("lh", buf), 0xffffffffffff8180);
    test_check_eq("lhu", LOAD("lhu", buf), 0x8180);
    test_check_eq("lw_sign_extends", LOAD("lw", buf), 0xffffffff83828180);
    test_check_eq("lwu", LOAD("lwu", buf), 0x83828180);
    test_check_eq("ld", LOAD("ld", buf), 0x8786858483828180);
    STORE("sb", buf + 31, 0x7f);
    test_check_eq("lb_positive", LOAD("lb", buf + 31), 0x7f);

    STORE("sb", buf + 1, 0x1122334455667788);
    test_check_eq("sb_writes_one_byte", LOAD("ld", buf), 0x8786858483828880);
    STORE("sh", buf + 2, 0x1122334455667788);
    test_check_eq("sh_writes_two_bytes", LOAD("ld", buf), 0x8786858477888880);
    STORE("sw", buf + 4, 0x1122334455667788);
    test_check_eq("sw_writes_four_bytes", LOAD("ld", buf), 0x5566778877888880);
    STORE("sd", buf + 8, 0x0123456789abcdef);
    test_check_eq("sd", LOAD("ld", buf + 8), 0x0123456789abcdef);
    test_check_eq("sd_neighbour_intact", LOAD("ld", buf + 16), 0x9796959493929190);
}

static void test_misaligned(void)
{
    fill_buf();
    test_check_eq("misaligned_lh", LOAD("lh", buf + 1), 0xffffffffffff8281);
    test_check_eq("misaligned_lhu", LOAD("lhu", buf + 7), 0x8887);
    test_check_eq("misaligned_lw", LOAD("lw", buf + 3), 0xffffffff86858483);
    test_check_eq("misaligned_lwu", LOAD("lwu", buf + 6), 0x89888786);
    test_check_eq("misaligned_ld_crosses_dword", LOAD("ld", buf + 5), 0x8c8b8a8988878685);

    STORE("sd", buf + 3, 0x1122334455667788);
    /* bytes 88 77 66 55 44 33 22 11 land at offsets 3..10 */
    test_check_eq("misaligned_sd_low", LOAD("ld", buf), 0x4455667788828180);
    test_check_eq("misaligned_sd_high", LOAD("ld", buf + 8), 0x8f8e8d8c8b112233);
    STORE("sw", buf + 17, 0xdeadbeef);
    test_check_eq("misaligned_sw", LOAD("ld", buf + 16), 0x979695deadbeef90);
    STORE("sh", buf + 23, 0xcafe);
    test_check_eq("misaligned_sh_crosses_dword_low", LOAD("lbu", buf + 23), 0xfe);
    test_check_eq("misaligned_sh_crosses_dword_high", LOAD("lbu", buf + 24), 0xca);
}

static void test_x0(void)
{
    uint64_t r;

    /* addi x0, x0, 5 and lw x0 are legal and must leave x0 zero. */
    __asm__ volatile("addi x0, x0, 5\n\tlw x0, 0(%1)\n\tmv %0, x0" : "=r"(r) : "r"(buf));
    test_check_eq("x0_stays_zero", r, 0);
    __asm__ volatile("lui x0, 0x12345\n\tadd %0, x0, x0" : "=r"(r));
    test_check_eq("x0_after_lui_is_zero", r, 0);
    __asm__ volatile("jal x0, 1f\n1:\tmv %0, zero" : "=r"(r));
    test_check_eq("x0_after_jal_is_zero", r, 0);
}

int test_main(unsigned long hartid, unsigned long dtb)
{
    test_alu();
    test_shifts();
    test_branches();
    test_upper_and_jumps();
    test_loads_stores();
    test_misaligned();
    test_x0();
    return 0;
}
