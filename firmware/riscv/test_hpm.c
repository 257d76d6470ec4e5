/*
 * Hardware performance counters (RISC-V priv 1.12 §3.1.10-13) reading the
 * timing model: mhpmeventN selects an SBI PMU event (SBI 2.0 §11.1-11.2,
 * the encoding of docs/timing.md), mhpmcounterN counts it.
 *
 * The expectations come from the device tree the board generated from the
 * model, never from a run: the cpu node's d-cache and d-tlb geometry (DT
 * spec v0.4 §3.8) and the events the riscv,pmu node lists.
 *
 *   - every listed event reads back from mhpmevent, unlisted ones read 0;
 *   - cycles and instructions events equal mcycle and minstret exactly
 *     when all four start and stop with one mcountinhibit write;
 *   - mcountinhibit freezes one counter and not the others;
 *   - hpmcounter3 traps in S-mode without mcounteren.HPM3, reads the
 *     counter with it;
 *   - L1D read misses: a pointer chase over twice the L1D, in one random
 *     cycle of lines, misses on every load (each set sees its 2 x ways
 *     lines in the same cyclic order, which LRU always misses); a chase
 *     over half the L1D misses on none once warm;
 *   - D-TLB read misses: the same chase in S-mode over twice as many 4 KiB
 *     pages as the D-TLB holds misses the D-TLB on every load;
 *   - branch mispredictions: returns through one jalr to ever-new
 *     addresses miss the BTB (which predicts the last target) every time;
 *     coin-toss conditional branches miss about half the time.
 *
 * Under a model without caches, TLBs or predictor (fast) those events are
 * not listed, and the checks that need them are replaced by checks that
 * their counters do not move. Each measurement runs in assembly between
 * two reads of hpmcounter3/4/5, so nothing but the code measured touches
 * the caches, TLBs or predictor in between.
 */
#include "test.h"

/* ---- the device tree (DT spec v0.4 ch. 5), just enough to read ---- */

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE   2u
#define FDT_PROP       3u
#define FDT_NOP        4u
#define FDT_END        9u

struct model {
    uint32_t dcache_size, dcache_sets, dcache_line;     /* 0: no L1D */
    uint32_t dtlb_size, dtlb_sets;                      /* 0: no D-TLB */
    const uint8_t *events;      /* riscv,event-to-mhpmcounters: (first, last, counters) rows */
    uint32_t events_len;
};

static uint32_t be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static bool str_eq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static uint32_t align4(uint32_t v)
{
    return (v + 3) & ~3u;
}

/* Reads /cpus/cpu@0's cache and TLB properties and /pmu's event map. */
static bool read_model(unsigned long dtb, struct model *md)
{
    const uint8_t *fdt = (const uint8_t *)dtb;
    if (!dtb || be32(fdt) != FDT_MAGIC)
        return false;
    const uint8_t *p = fdt + be32(fdt + 8);
    const char *strings = (const char *)fdt + be32(fdt + 12);
    const char *path[4] = { 0 };
    unsigned depth = 0;
    for (;;) {
        uint32_t tok = be32(p);
        p += 4;
        if (tok == FDT_BEGIN_NODE) {
            const char *name = (const char *)p;
            uint32_t n = 0;
            while (name[n])
                n++;
            if (depth < 4)
                path[depth] = name;
            depth++;
            p += align4(n + 1);
        } else if (tok == FDT_END_NODE) {
            depth--;
        } else if (tok == FDT_PROP) {
            uint32_t len = be32(p), nameoff = be32(p + 4);
            const uint8_t *val = p + 8;
            const char *prop = strings + nameoff;
            bool cpu0 = depth == 3 && str_eq(path[1], "cpus") && str_eq(path[2], "cpu@0");
            bool pmu = depth == 2 && str_eq(path[1], "pmu");
            if (cpu0 && len == 4) {
                if (str_eq(prop, "d-cache-size"))
                    md->dcache_size = be32(val);
                else if (str_eq(prop, "d-cache-sets"))
                    md->dcache_sets = be32(val);
                else if (str_eq(prop, "d-cache-block-size"))
                    md->dcache_line = be32(val);
                else if (str_eq(prop, "d-tlb-size"))
                    md->dtlb_size = be32(val);
                else if (str_eq(prop, "d-tlb-sets"))
                    md->dtlb_sets = be32(val);
            }
            if (pmu && str_eq(prop, "riscv,event-to-mhpmcounters")) {
                md->events = val;
                md->events_len = len;
            }
            p += 8 + align4(len);
        } else if (tok == FDT_NOP) {
            continue;
        } else {
            return tok == FDT_END;
        }
    }
}

/* Whether the riscv,pmu node lists event for the programmable counters. */
static bool listed(const struct model *md, uint32_t event)
{
    for (uint32_t off = 0; off + 12 <= md->events_len; off += 12) {
        const uint8_t *row = md->events + off;
        if (event >= be32(row) && event <= be32(row + 4) && (be32(row + 8) & (1u << 3)))
            return true;
    }
    return false;
}

/* ---- events (SBI 2.0 §11.1-11.2) ---- */

#define EV_CYCLES        0x00001u
#define EV_INSTRUCTIONS  0x00002u
#define EV_BRANCHES      0x00005u
#define EV_BRANCH_MISSES 0x00006u
#define EV_L1D_READ      0x10000u
#define EV_L1D_READ_MISS 0x10001u
#define EV_DTLB_READ     0x10018u
#define EV_DTLB_READ_MISS 0x10019u
#define EV_BPU_READ_MISS 0x10029u

#define HPM3 (1ul << 3)
#define HPM4 (1ul << 4)
#define HPM5 (1ul << 5)
#define CNT_CY (1ul << 0)
#define CNT_IR (1ul << 2)

/* ---- measurement windows (assembly) ---- */

/*
 * Pointer chase: w->warm blocks of 64 loads to warm up, then w->blocks of
 * 64 loads between two reads of hpmcounter3 and hpmcounter4; the deltas
 * go to w->d3, w->d4 and the last node to w->p. Runs in M or S mode.
 */
struct chase_win {
    uint64_t p, warm, blocks, d3, d4;
};
void chase_window(struct chase_win *w);
__asm__(
    "    .text\n"
    "    .globl chase_window\n"
    "chase_window:\n"
    "    ld t0, 0(a0)\n"
    "    ld t1, 8(a0)\n"
    "    ld t6, 16(a0)\n"
    "1:\n"
    "    .rept 64\n"
    "    ld t0, 0(t0)\n"
    "    .endr\n"
    "    addi t1, t1, -1\n"
    "    bnez t1, 1b\n"
    "    csrr t2, hpmcounter3\n"
    "    csrr t3, hpmcounter4\n"
    "2:\n"
    "    .rept 64\n"
    "    ld t0, 0(t0)\n"
    "    .endr\n"
    "    addi t6, t6, -1\n"
    "    bnez t6, 2b\n"
    "    csrr t4, hpmcounter3\n"
    "    csrr t5, hpmcounter4\n"
    "    sub t4, t4, t2\n"
    "    sub t5, t5, t3\n"
    "    sd t0, 0(a0)\n"
    "    sd t4, 24(a0)\n"
    "    sd t5, 32(a0)\n"
    "    ret\n");

/*
 * BOUNCES direct calls (jal: target known at decode, not predicted) of a
 * stub that returns with jalr to the call's successor: one indirect jump,
 * at one address, to a new target each time. The deltas of hpmcounter3-5
 * go to d[0..2].
 */
#define BOUNCES 256
void bounce_window(uint64_t d[3]);
__asm__(
    "    .text\n"
    "    .globl bounce_window\n"
    "bounce_window:\n"
    "    csrr t2, hpmcounter3\n"
    "    csrr t3, hpmcounter4\n"
    "    csrr t4, hpmcounter5\n"
    "    .rept 256\n"
    "    jal t0, bounce_stub\n"
    "    .endr\n"
    "    csrr t5, hpmcounter3\n"
    "    csrr t6, hpmcounter4\n"
    "    csrr a1, hpmcounter5\n"
    "    sub t5, t5, t2\n"
    "    sub t6, t6, t3\n"
    "    sub a1, a1, t4\n"
    "    sd t5, 0(a0)\n"
    "    sd t6, 8(a0)\n"
    "    sd a1, 16(a0)\n"
    "    ret\n"
    "bounce_stub:\n"
    "    jr t0\n");

/*
 * Coin tosses: iters iterations of 64 conditional branches on the top bit
 * of a xorshift64 state times an odd constant, both ways the same length,
 * and the loop branch; deltas of hpmcounter3/4 to d[0..1].
 */
#define COIN_PER_ITER 64
void coin_window(uint64_t iters, uint64_t seed, uint64_t d[2]);
__asm__(
    "    .text\n"
    "    .option push\n"
    "    .option norvc\n"
    "    .globl coin_window\n"
    "coin_window:\n"
    "    li t5, 0x9e3779b97f4a7c15\n"
    "    csrr t3, hpmcounter3\n"
    "    csrr t4, hpmcounter4\n"
    "1:\n"
    "    .rept 64\n"
    "    slli t0, a1, 13\n"
    "    xor a1, a1, t0\n"
    "    srli t0, a1, 7\n"
    "    xor a1, a1, t0\n"
    "    slli t0, a1, 17\n"
    "    xor a1, a1, t0\n"
    "    mul t0, a1, t5\n"
    "    bltz t0, 2f\n"
    "    addi t6, t6, 1\n"
    "    j 3f\n"
    "2:  addi t6, t6, 2\n"
    "    j 3f\n"
    "3:\n"
    "    .endr\n"
    "    addi a0, a0, -1\n"
    "    bnez a0, 1b\n"
    "    csrr t0, hpmcounter3\n"
    "    csrr t1, hpmcounter4\n"
    "    sub t0, t0, t3\n"
    "    sub t1, t1, t4\n"
    "    sd t0, 0(a2)\n"
    "    sd t1, 8(a2)\n"
    "    ret\n"
    "    .option pop\n");

/* ---- pointer-chase cycles ---- */

/* splitmix64 with a fixed seed: every run builds the same cycle. */
static uint64_t rng_state = 0x243f6a8885a308d3ul;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ul);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ul;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebul;
    return z ^ (z >> 31);
}

#define MAX_NODES 4096u
static uint32_t order[MAX_NODES];

/*
 * Links n nodes into one cycle in random order: node i lives at physical
 * pa_base + i * stride + (i % spread) * 64 and is reached at the virtual
 * address va_base + the same offset. Returns the first node's virtual
 * address.
 */
static uint64_t build_cycle(uint32_t n, uint64_t pa_base, uint64_t va_base, uint64_t stride, uint32_t spread)
{
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    for (uint32_t i = n - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(((rng_next() >> 32) * (uint64_t)(i + 1)) >> 32);
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t a = order[i], b = order[i + 1 < n ? i + 1 : 0];
        uint64_t off_a = a * stride + (a % spread) * 64, off_b = b * stride + (b % spread) * 64;
        MMIO64(pa_base + off_a) = va_base + off_b;
    }
    __asm__ volatile("fence" ::: "memory");
    return va_base + order[0] * stride + (order[0] % spread) * 64;
}

/* ---- Sv39 tables for the D-TLB chase (priv 1.12 §4.4) ---- */

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
#define PTE(pa, flags) ((((uint64_t)(pa)) >> 12) << 10 | (flags))
#define SATP_SV39 (8ul << 60)

#define CHASE_PA   0x84000000ul     /* the L1D chase, 64 MiB into RAM */
#define PAGES_PA   0x88000000ul     /* the D-TLB chase's pages */
#define PAGES_VA   0x40000000ul     /* ... where S-mode sees them */
#define MAX_PAGES  2048u            /* four level-0 tables */

static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l0[MAX_PAGES / 512][512] __attribute__((aligned(4096)));

/* Identity gigapages for the devices and this image; PAGES_VA in 4 KiB
 * pages, so each page of the chase is its own D-TLB entry. */
static void build_tables(void)
{
    root[0] = PTE(0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    root[2] = PTE(0x80000000ul, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    root[1] = PTE((uint64_t)(uintptr_t)l1, PTE_V);
    for (unsigned t = 0; t < MAX_PAGES / 512; t++) {
        l1[t] = PTE((uint64_t)(uintptr_t)l0[t], PTE_V);
        for (unsigned i = 0; i < 512; i++)
            l0[t][i] = PTE(PAGES_PA + (t * 512ul + i) * 4096, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    }
    __asm__ volatile("fence" ::: "memory");
    CSR_WRITE(satp, SATP_SV39 | ((uint64_t)(uintptr_t)root >> 12));
    __asm__ volatile("sfence.vma" ::: "memory");
}

/* ---- the checks ---- */

static struct model md;

static void program(unsigned n, uint64_t event)
{
    switch (n) {
    case 3: CSR_WRITE(mhpmevent3, event); break;
    case 4: CSR_WRITE(mhpmevent4, event); break;
    case 5: CSR_WRITE(mhpmevent5, event); break;
    }
}

static void report(const char *what, uint64_t loads, uint64_t a, const char *an, uint64_t b, const char *bn)
{
    test_puts("hpm ");
    test_puts(what);
    test_puts(": ");
    test_putd(loads);
    test_puts(" loads, ");
    test_putd(a);
    test_putc(' ');
    test_puts(an);
    test_puts(", ");
    test_putd(b);
    test_putc(' ');
    test_puts(bn);
    test_putc('\n');
}

/* mhpmevent is WARL: exactly the events the device tree lists stay. */
static void test_event_selection(void)
{
    static const uint32_t probe[] = {
        EV_CYCLES, EV_INSTRUCTIONS, 3, 4, EV_BRANCHES, EV_BRANCH_MISSES, EV_L1D_READ, EV_L1D_READ_MISS,
        0x10002, 0x10003, 0x10008, 0x10009, 0x10010, 0x10011, EV_DTLB_READ, EV_DTLB_READ_MISS, 0x10020,
        0x10021, 0x10028, EV_BPU_READ_MISS,
        7, 0x10004, 0x1000a, 0x10030, 0x20000, 0xfffff,     /* never listed */
    };
    bool ok = true;
    unsigned n_listed = 0;
    for (unsigned i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
        CSR_WRITE(mhpmevent3, probe[i]);
        uint64_t got = CSR_READ(mhpmevent3);
        bool l = listed(&md, probe[i]);
        n_listed += l;
        if (got != (l ? probe[i] : 0)) {
            test_puts("event ");
            test_putx(probe[i]);
            test_puts(" reads back ");
            test_putx(got);
            test_putc('\n');
            ok = false;
        }
    }
    test_check("dtb_lists_cycles_and_instructions", listed(&md, EV_CYCLES) && listed(&md, EV_INSTRUCTIONS));
    test_check("mhpmevent_keeps_exactly_the_listed_events", ok);
    test_puts("hpm events listed: ");
    test_putd(n_listed);
    test_putc('\n');
    CSR_WRITE(mhpmevent3, 0);
}

/* Counters with no event hold what was written. */
static void test_counter_writes(void)
{
    CSR_WRITE(mhpmevent3, 0);
    CSR_WRITE(mhpmcounter3, 0x123456789abcdeful);
    uint64_t a = CSR_READ(mhpmcounter3);
    for (volatile int i = 0; i < 100; i++)
        ;
    test_check_eq("mhpmcounter_without_event_holds_value", CSR_READ(mhpmcounter3), a);
    test_check_eq("mhpmcounter_written_value", a, 0x123456789abcdeful);
    test_check_eq("hpmcounter_shadows_mhpmcounter", CSR_READ(hpmcounter3), a);
}

static struct chase_win cw;

/* The cycles and instructions events against mcycle and minstret: the
 * four start and stop together, so they must agree to the cycle. */
static void test_cycles_instructions_match(void)
{
    uint64_t all = CNT_CY | CNT_IR | HPM3 | HPM4;
    CSR_SET(mcountinhibit, all);
    program(3, EV_CYCLES);
    program(4, EV_INSTRUCTIONS);
    CSR_WRITE(mcycle, 0);
    CSR_WRITE(minstret, 0);
    CSR_WRITE(mhpmcounter3, 0);
    CSR_WRITE(mhpmcounter4, 0);
    cw = (struct chase_win){ .p = build_cycle(64, CHASE_PA, CHASE_PA, 64, 1), .warm = 1, .blocks = 4 };
    CSR_CLEAR(mcountinhibit, all);
    chase_window(&cw);
    CSR_SET(mcountinhibit, all);
    uint64_t cy = CSR_READ(mcycle), ir = CSR_READ(minstret);
    test_check("cycles_counted", cy > 256);
    test_check_eq("cycles_event_equals_mcycle", CSR_READ(mhpmcounter3), cy);
    test_check_eq("instructions_event_equals_minstret", CSR_READ(mhpmcounter4), ir);
    /* Inside the window: the 256 loads and the loop, at least. */
    test_check("instructions_in_window", cw.d4 >= 256 + 2 * 4);
    CSR_CLEAR(mcountinhibit, all);
}

/* mcountinhibit stops one counter; its neighbour goes on. */
static void test_inhibit(void)
{
    program(3, EV_CYCLES);
    program(4, EV_INSTRUCTIONS);
    cw = (struct chase_win){ .p = build_cycle(64, CHASE_PA, CHASE_PA, 64, 1), .warm = 1, .blocks = 4 };
    CSR_SET(mcountinhibit, HPM3);
    uint64_t frozen = CSR_READ(mhpmcounter3);
    chase_window(&cw);
    test_check_eq("inhibited_counter_does_not_move", cw.d3, 0);
    test_check("other_counter_moves", cw.d4 >= 256);
    test_check_eq("inhibited_counter_keeps_value", CSR_READ(mhpmcounter3), frozen);
    CSR_CLEAR(mcountinhibit, HPM3);
    chase_window(&cw);
    test_check("released_counter_moves", cw.d3 > 0);
}

/* ---- S-mode access (§3.1.11) ---- */

static volatile uint64_t m_traps, m_trap_cause;

static bool m_hook(struct test_trap_frame *f)
{
    if (f->cause != 2)
        return false;
    m_traps++;
    m_trap_cause = f->cause;
    f->epc += 4;
    return true;
}

static uint64_t s_read_hpm3(uint64_t unused)
{
    uint64_t v = 0xdeadul;
    __asm__ volatile("csrr %0, hpmcounter3" : "+r"(v));
    return v;
}

static void test_s_mode_access(void)
{
    program(3, EV_CYCLES);
    CSR_SET(mcountinhibit, HPM3);
    CSR_WRITE(mhpmcounter3, 0x5ca1ab1eul);
    test_mtrap_hook = m_hook;
    CSR_WRITE(mcounteren, 0);
    m_traps = 0;
    uint64_t v = test_run_lower(TEST_PRIV_S, s_read_hpm3, 0);
    test_check_eq("s_hpmcounter3_without_mcounteren_traps", m_traps, 1);
    test_check_eq("s_hpmcounter3_trap_is_illegal_instruction", m_trap_cause, 2);
    test_check_eq("s_hpmcounter3_trap_leaves_rd", v, 0xdead);
    CSR_WRITE(mcounteren, HPM3);
    m_traps = 0;
    v = test_run_lower(TEST_PRIV_S, s_read_hpm3, 0);
    test_check_eq("s_hpmcounter3_with_mcounteren_no_trap", m_traps, 0);
    test_check_eq("s_hpmcounter3_reads_counter", v, 0x5ca1ab1e);
    test_mtrap_hook = 0;
    CSR_CLEAR(mcountinhibit, HPM3);
}

/* ---- the model's events ---- */

static void test_l1d_misses(void)
{
    if (!listed(&md, EV_L1D_READ_MISS) || !md.dcache_size || !md.dcache_line) {
        /* No L1D: the event is not there, and a chase counts nothing on it. */
        program(3, EV_L1D_READ_MISS);
        test_check_eq("no_l1d_event_without_l1d", CSR_READ(mhpmevent3), 0);
        return;
    }
    program(3, EV_L1D_READ);
    program(4, EV_L1D_READ_MISS);
    uint32_t lines = md.dcache_size / md.dcache_line;

    if (2 * lines > MAX_NODES) {
        test_puts("hpm l1d: more lines than this test chases, not measured\n");
        return;
    }
    /* Twice the cache: 2 x ways lines in every set, in one cyclic order. */
    uint32_t n = 2 * lines;
    cw = (struct chase_win){ .p = build_cycle(n, CHASE_PA, CHASE_PA, md.dcache_line, 1),
                             .warm = (n + 63) / 64, .blocks = 2 * ((n + 63) / 64) };
    chase_window(&cw);
    uint64_t loads = cw.blocks * 64;
    report("l1d 2x", loads, cw.d3, "l1d reads", cw.d4, "l1d read misses");
    test_check_eq("l1d_reads_counted_per_load", cw.d3, loads);
    test_check_eq("l1d_thrash_misses_every_load", cw.d4, loads);

    /* Half the cache: no set holds more lines than it has ways. */
    n = lines / 2;
    cw = (struct chase_win){ .p = build_cycle(n, CHASE_PA, CHASE_PA, md.dcache_line, 1),
                             .warm = (n + 63) / 64, .blocks = 16 };
    chase_window(&cw);
    loads = cw.blocks * 64;
    report("l1d 1/2", loads, cw.d3, "l1d reads", cw.d4, "l1d read misses");
    test_check_eq("l1d_fit_reads_counted", cw.d3, loads);
    test_check_eq("l1d_fit_never_misses", cw.d4, 0);

    /* The miss counter inhibited while the access counter runs. */
    CSR_SET(mcountinhibit, HPM4);
    n = 2 * lines;
    cw = (struct chase_win){ .p = build_cycle(n, CHASE_PA, CHASE_PA, md.dcache_line, 1),
                             .warm = (n + 63) / 64, .blocks = 4 };
    chase_window(&cw);
    test_check_eq("inhibited_miss_counter_still", cw.d4, 0);
    test_check_eq("uninhibited_access_counter_counts", cw.d3, cw.blocks * 64);
    CSR_CLEAR(mcountinhibit, HPM4);
}

static uint64_t s_chase(uint64_t w)
{
    chase_window((struct chase_win *)(uintptr_t)w);
    return 0;
}

static void test_dtlb_misses(void)
{
    if (!listed(&md, EV_DTLB_READ_MISS) || !md.dtlb_size) {
        program(3, EV_DTLB_READ_MISS);
        test_check_eq("no_dtlb_event_without_dtlb", CSR_READ(mhpmevent3), 0);
        return;
    }
    uint32_t pages = 2 * md.dtlb_size;
    if (pages > MAX_PAGES || pages > MAX_NODES) {
        test_puts("hpm dtlb: more entries than this test maps, not measured\n");
        return;
    }
    program(3, EV_DTLB_READ);
    program(4, EV_DTLB_READ_MISS);
    build_tables();
    /* Twice the D-TLB's entries, contiguous: 2 x ways pages per set. The
     * node in page i sits at line i % 64 so the pages use all of L1D. */
    cw = (struct chase_win){ .p = build_cycle(pages, PAGES_PA, PAGES_VA, 4096, 64), .warm = (pages + 63) / 64,
                             .blocks = 16 };
    CSR_WRITE(mcounteren, HPM3 | HPM4);
    test_run_lower(TEST_PRIV_S, s_chase, (uint64_t)(uintptr_t)&cw);
    CSR_WRITE(satp, 0);
    __asm__ volatile("sfence.vma" ::: "memory");
    uint64_t loads = cw.blocks * 64;
    report("dtlb 2x", loads, cw.d3, "dtlb lookups", cw.d4, "dtlb misses");
    test_check_eq("dtlb_lookups_counted_per_load", cw.d3, loads);
    test_check_eq("dtlb_thrash_misses_every_load", cw.d4, loads);
}

static void test_branch_misses(void)
{
    uint64_t d[3];
    if (!listed(&md, EV_BRANCH_MISSES)) {
        program(3, EV_BRANCH_MISSES);
        test_check_eq("no_branch_event_without_predictor", CSR_READ(mhpmevent3), 0);
        return;
    }
    program(3, EV_BRANCH_MISSES);
    program(4, EV_BRANCHES);
    program(5, EV_BPU_READ_MISS);
    bounce_window(d);
    test_puts("hpm bounce: ");
    test_putd(BOUNCES);
    test_puts(" returns, ");
    test_putd(d[0]);
    test_puts(" mispredicted\n");
    test_check_eq("returns_to_new_targets_all_mispredicted", d[0], BOUNCES);
    test_check_eq("returns_counted_as_branches", d[1], BOUNCES);
    test_check_eq("bpu_read_miss_equals_branch_misses", d[2], d[0]);

    /* Coin tosses: no predictor can do better than chance. */
    uint64_t iters = 256, steps = iters * COIN_PER_ITER;
    coin_window(4, 0x0123456789abcdeful, d);
    coin_window(iters, 0x243f6a8885a308d3ul, d);
    test_puts("hpm coin: ");
    test_putd(steps);
    test_puts(" tosses, ");
    test_putd(d[0]);
    test_puts(" mispredicted\n");
    test_check_eq("coin_branches_counted", d[1], steps + iters);
    test_check("coin_about_half_mispredicted", d[0] > steps * 45 / 100 && d[0] < steps * 55 / 100 + iters);
}

int test_main(unsigned long hartid, unsigned long dtb)
{
    test_check("dtb_read", read_model(dtb, &md));
    test_puts("hpm model: l1d ");
    test_putd(md.dcache_size);
    test_puts(" bytes, ");
    test_putd(md.dcache_line);
    test_puts("-byte lines; dtlb ");
    test_putd(md.dtlb_size);
    test_puts(" entries\n");
    test_event_selection();
    test_counter_writes();
    test_cycles_instructions_match();
    test_inhibit();
    test_s_mode_access();
    test_l1d_misses();
    test_dtlb_misses();
    test_branch_misses();
    return 0;
}
