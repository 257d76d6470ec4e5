/*
 * Branch microbenchmark: the cost of a mispredicted conditional branch,
 * read with mcycle (RISC-V priv 1.12 §3.1.11).
 *
 * The same code runs twice. Each step draws a pseudo-random number
 * (xorshift64, then a multiply so that no bit is a linear function of
 * earlier ones), masks it, and branches on the result to one of two paths
 * of the same length. With the mask 0 the branch always goes the same way
 * and is learned; with the top bit kept, its direction is a coin toss that
 * no predictor can see coming, so half of the branches are mispredicted
 * whatever the predictor. Both runs execute the same instructions in the
 * same blocks, so the difference in cycles is the mispredictions alone:
 *
 *   branch predictable 13.00 random 15.00 cycles/step, penalty 4.00
 *
 * penalty = 2 * (random - predictable) per step, with two decimals. 128
 * steps per loop iteration keep the loop's own branch out of the figure.
 * tests/unit/check_timing_firmware.c compares it with the model's
 * mispredict penalty; here, under any model, the random run must not be
 * faster and about half of its branches must go each way.
 */
#include "test.h"

#define BRANCH_STEPS_PER_ITER 128ul
#define BRANCH_ITERS          2048ul
#define BRANCH_STEPS          (BRANCH_STEPS_PER_ITER * BRANCH_ITERS)

/*
 * a0 = iterations, a1 = mask, a2 = xorshift state; returns the number of
 * steps that took the branch. Registers: t0 state, t1 scratch, t2 the odd
 * multiplier, t3 taken count, t4 not-taken count.
 */
uint64_t branch_steps(uint64_t iters, uint64_t mask, uint64_t seed);
__asm__(
    "    .text\n"
    "    .option push\n"
    "    .option norvc\n"
    "    .globl branch_steps\n"
    "branch_steps:\n"
    "    mv t0, a2\n"
    "    li t2, 0x9e3779b97f4a7c15\n"
    "    li t3, 0\n"
    "    li t4, 0\n"
    "1:\n"
    "    .rept 128\n"
    "    slli t1, t0, 13\n"
    "    xor t0, t0, t1\n"
    "    srli t1, t0, 7\n"
    "    xor t0, t0, t1\n"
    "    slli t1, t0, 17\n"
    "    xor t0, t0, t1\n"
    "    mul t1, t0, t2\n"
    "    and t1, t1, a1\n"
    "    beqz t1, 2f\n"
    "    addi t3, t3, 1\n"              /* taken path: two instructions, a jump last */
    "    j 3f\n"
    "2:  addi t4, t4, 1\n"              /* the other path: the same two */
    "    j 3f\n"
    "3:\n"
    "    .endr\n"
    "    addi a0, a0, -1\n"
    "    bnez a0, 1b\n"
    "    mv a0, t3\n"
    "    ret\n"
    "    .option pop\n");

/* Cycles per step times 100 of one run of the benchmark. */
static uint64_t run(uint64_t mask, uint64_t *taken)
{
    /* A short run first, so code and predictor state are warm. */
    branch_steps(16, mask, 0x0123456789abcdeful);
    uint64_t c0 = CSR_READ(mcycle);
    *taken = branch_steps(BRANCH_ITERS, mask, 0x243f6a8885a308d3ul);
    uint64_t c1 = CSR_READ(mcycle);
    return ((c1 - c0) * 100 + BRANCH_STEPS / 2) / BRANCH_STEPS;
}

static void put_hundredths(uint64_t v)
{
    test_putd(v / 100);
    test_putc('.');
    test_putc((char)('0' + v / 10 % 10));
    test_putc((char)('0' + v % 10));
}

int test_main(unsigned long hartid, unsigned long dtb)
{
    uint64_t taken_fixed, taken_random;
    uint64_t fixed = run(0, &taken_fixed);
    uint64_t random = run(1ul << 63, &taken_random);
    uint64_t penalty = random > fixed ? 2 * (random - fixed) : 0;

    test_puts("branch predictable ");
    put_hundredths(fixed);
    test_puts(" random ");
    put_hundredths(random);
    test_puts(" cycles/step, penalty ");
    put_hundredths(penalty);
    test_putc('\n');
    /* With mask 0 every step goes to the t4 path. */
    test_check_eq("branch_fixed_run_goes_one_way", taken_fixed, 0);
    /* A fair coin over 262144 tosses: within 1 % of half (about 10 sigma). */
    test_check("branch_random_run_is_balanced",
               taken_random > BRANCH_STEPS / 2 - BRANCH_STEPS / 100 &&
               taken_random < BRANCH_STEPS / 2 + BRANCH_STEPS / 100);
    test_check("branch_random_run_is_not_faster", random >= fixed);
    return 0;
}
