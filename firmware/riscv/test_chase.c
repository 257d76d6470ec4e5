/*
 * Pointer-chasing microbenchmark: load latency against working-set size,
 * 4 KiB to 64 MiB, read with mcycle (RISC-V priv 1.12 §3.1.11).
 *
 * Each working set is an array of 64-byte nodes (one per cache line of
 * the shipped timing models) linked into one random cycle, so every load
 * depends on the one before and no stride can be guessed. After a warm-up
 * lap, a chase of at least CHASE_MIN_LOADS loads is timed; the loop runs
 * 64 loads per branch so the loop overhead stays near 1 % of a load. One
 * line per size:
 *
 *   chase 4096 3.01        bytes, cycles per load with two decimals
 *
 * Under a timing model with caches the curve steps from the L1 hit latency
 * to the L2's and then to DRAM's; tests/unit/check_timing_firmware.c
 * checks each plateau against the model. Here the checks are the ones
 * that hold under every model: each chase is one cycle over all nodes, and
 * a larger working set never loads faster (LRU caches are inclusive of
 * smaller working sets).
 */
#include "test.h"

#define CHASE_BASE      0x84000000ul        /* 64 MiB into RAM, above the image */
#define CHASE_MAX       (64ul << 20)
#define CHASE_MIN       (4ul << 10)
#define CHASE_NODE      64ul
#define CHASE_PERM      (CHASE_BASE + CHASE_MAX)    /* scratch: node order, 4 bytes per node */
#define CHASE_MIN_LOADS 65536ul
#define CHASE_UNROLL    64ul
#define CHASE_SIZES     15

/* splitmix64: a fixed seed, so every run builds the same cycles. */
static uint64_t rng_state = 0x243f6a8885a308d3ul;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ul);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ul;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebul;
    return z ^ (z >> 31);
}

/* Uniform in [0, n) by the high half of a 64x32 product (n < 2^32). */
static uint32_t rng_below(uint32_t n)
{
    return (uint32_t)(((rng_next() >> 32) * (uint64_t)n) >> 32);
}

/* Links the n nodes at CHASE_BASE into one cycle in random order
 * (Fisher-Yates shuffle of the visiting order). */
static void build_cycle(uint32_t n)
{
    uint32_t *order = (uint32_t *)CHASE_PERM;
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    for (uint32_t i = n - 1; i > 0; i--) {
        uint32_t j = rng_below(i + 1);
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t *node = (uint64_t *)(CHASE_BASE + order[i] * CHASE_NODE);
        *node = CHASE_BASE + order[i + 1 < n ? i + 1 : 0] * CHASE_NODE;
    }
}

/* Follows the chain from p for 64 * blocks loads; returns where it ends. */
uint64_t chase(uint64_t p, uint64_t blocks);
__asm__(
    "    .text\n"
    "    .globl chase\n"
    "chase:\n"                      /* a0 = node, a1 = blocks of 64 loads (> 0) */
    "1:\n"
    "    .rept 64\n"
    "    ld a0, 0(a0)\n"
    "    .endr\n"
    "    addi a1, a1, -1\n"
    "    bnez a1, 1b\n"
    "    ret\n");

/* Cycles per load times 100, for the working set of `bytes`. */
static uint64_t measure(uint64_t bytes, bool *cycle_ok)
{
    uint32_t n = (uint32_t)(bytes / CHASE_NODE);
    uint64_t loads = n > CHASE_MIN_LOADS ? n : CHASE_MIN_LOADS;
    uint64_t start = CHASE_BASE;

    build_cycle(n);
    /* One lap returns to the start iff the chain is a single cycle. */
    uint64_t end = chase(start, n / CHASE_UNROLL ? n / CHASE_UNROLL : 1);
    if (n >= CHASE_UNROLL && end != start)
        *cycle_ok = false;
    uint64_t c0 = CSR_READ(mcycle);
    chase(start, loads / CHASE_UNROLL);
    uint64_t c1 = CSR_READ(mcycle);
    return ((c1 - c0) * 100 + loads / 2) / loads;
}

int test_main(unsigned long hartid, unsigned long dtb)
{
    uint64_t curve[CHASE_SIZES];
    bool cycle_ok = true, monotonic = true;
    unsigned k = 0;

    for (uint64_t bytes = CHASE_MIN; bytes <= CHASE_MAX; bytes <<= 1, k++) {
        curve[k] = measure(bytes, &cycle_ok);
        test_puts("chase ");
        test_putd(bytes);
        test_putc(' ');
        test_putd(curve[k] / 100);
        test_putc('.');
        test_putc((char)('0' + curve[k] / 10 % 10));
        test_putc((char)('0' + curve[k] % 10));
        test_putc('\n');
        /* One hundredth of slack for the rounding above. */
        if (k > 0 && curve[k] + 1 < curve[k - 1])
            monotonic = false;
    }
    test_check("chase_each_set_is_one_cycle", cycle_ok);
    test_check("chase_latency_never_falls_with_size", monotonic);
    return 0;
}
