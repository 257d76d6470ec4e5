/*
 * Integer workload for bench/riscv-int.sh: BENCH_ITERS iterations of a
 * 20-instruction loop body (ALU, shifts, a data-dependent branch whose two
 * paths have the same length, a load and a store over a 4 KiB buffer), so
 * the loop retires exactly 20 * BENCH_ITERS instructions. A C reference
 * checks the assembly on a short run first; the run ends through
 * sifive_test like every bare-metal test.
 */
#include "test.h"

#ifndef BENCH_ITERS
#define BENCH_ITERS 10000000ul
#endif
#define BODY_INSNS 20
#define BUF_DWORDS 512

static uint64_t buf[BUF_DWORDS];

uint64_t bench_loop(uint64_t iters, uint64_t *base);
__asm__(
    "    .text\n"
    "    .option push\n"
    "    .option norvc\n"
    "    .globl bench_loop\n"
    "bench_loop:\n"                  /* a0 = iterations (> 0), a1 = buffer */
    "    li t0, 0\n"
    "    li t1, 0\n"
    "    li t6, 4095\n"
    "1:  add t2, a1, t0\n"           /*  1 */
    "    ld t3, 0(t2)\n"             /*  2 */
    "    xor t3, t3, t1\n"           /*  3 */
    "    slli t4, t3, 13\n"          /*  4 */
    "    xor t3, t3, t4\n"           /*  5 */
    "    srli t4, t3, 7\n"           /*  6 */
    "    xor t3, t3, t4\n"           /*  7 */
    "    sd t3, 0(t2)\n"             /*  8 */
    "    add t1, t1, t3\n"           /*  9 */
    "    andi t5, t3, 1\n"           /* 10 */
    "    beqz t5, 2f\n"              /* 11 */
    "    addi t1, t1, 3\n"           /* 12 (odd) */
    "    j 3f\n"                     /* 13 (odd) */
    "2:  sub t1, t1, t5\n"           /* 12 (even) */
    "    addi t1, t1, 1\n"           /* 13 (even) */
    "3:  addi t0, t0, 8\n"           /* 14 */
    "    and t0, t0, t6\n"           /* 15 */
    "    sltu t4, t1, t3\n"          /* 16 */
    "    add t1, t1, t4\n"           /* 17 */
    "    srli t4, t1, 3\n"           /* 18 */
    "    addi a0, a0, -1\n"          /* 19 */
    "    bnez a0, 1b\n"              /* 20 */
    "    mv a0, t1\n"
    "    ret\n"
    "    .option pop\n");

static uint64_t reference(uint64_t iters, uint64_t *b)
{
    uint64_t off = 0, acc = 0;

    while (iters--) {
        uint64_t *p = (uint64_t *)((char *)b + off);
        uint64_t v = *p ^ acc;
        v ^= v << 13;
        v ^= v >> 7;
        *p = v;
        acc += v;
        if (v & 1)
            acc += 3;
        else
            acc += 1;
        off = (off + 8) & 4095;
        acc += acc < v;
    }
    return acc;
}

static void fill(void)
{
    for (unsigned i = 0; i < BUF_DWORDS; i++)
        buf[i] = 0x9e3779b97f4a7c15ul * (i + 1);
}

int test_main(unsigned long hartid, unsigned long dtb)
{
    uint64_t want, got;

    fill();
    want = reference(1000, buf);
    fill();
    got = bench_loop(1000, buf);
    test_check_eq("bench_loop_matches_reference", got, want);

    fill();
    got = bench_loop(BENCH_ITERS, buf);
    test_puts("bench: loop instructions ");
    test_putd(BENCH_ITERS * BODY_INSNS);
    test_puts(" checksum ");
    test_putx(got);
    test_puts("\n");
    return 0;
}
