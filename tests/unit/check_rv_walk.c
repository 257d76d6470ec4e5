/*
 * Unit tests for cpu-riscv/walk: Sv39/Sv48 walks over page tables built in
 * the RAM of a test machine (RISC-V priv 1.12 §4.3-4.5): leaves at each
 * level, superpage alignment, U/SUM/MXR, A/D updates, canonical addresses,
 * reserved encodings and Svpbmt, and PMP (§3.7).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "cpu-riscv/rv.h"
#include "rv_test_machine.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (4u << 20)
#define ROOT (RAM_BASE + 0x1000)        /* Sv39 level 2 */
#define L1 (RAM_BASE + 0x2000)
#define L0 (RAM_BASE + 0x3000)
#define DATA (RAM_BASE + 0x10000)

#define V 0x01u
#define R 0x02u
#define W 0x04u
#define X 0x08u
#define U 0x10u
#define A 0x40u
#define D 0x80u

static struct machine *mach;
static struct rv_cpu *rv;
static struct cpu *cpu;

static void wr(unsigned csr, uint64_t v)
{
    ck_assert_int_eq(rv_csr_write(rv, csr, v), 0);
}

static void setup(void)
{
    mach = rv_test_machine(RAM_BASE, RAM_SIZE, 10);
    cpu = mach->cpus[0];
    rv = rv_of(mach->cpus[0]);
    wr(0x3b0, ~0ull);           /* PMP entry 0: everything, RWX */
    wr(0x3a0, 0x1f);
    wr(0x180, (8ull << 60) | (ROOT >> 12));
}

static void teardown(void)
{
    rv_test_machine_free(mach);
}

static uint64_t *pte_at(uint64_t pa)
{
    uint64_t *p = (uint64_t *)memmap_host_ptr(&mach->map, pa, 8);
    ck_assert_ptr_nonnull(p);
    return p;
}

static uint64_t pte(uint64_t pa, uint64_t flags)
{
    return ((pa >> 12) << 10) | flags;
}

static void set_pte(uint64_t table, unsigned idx, uint64_t val)
{
    *pte_at(table + 8u * idx) = val;
}

/* VA 0x40201000 -> L2[1] -> L1[1] -> L0[1]. */
#define VA_4K 0x40201000ull
static void map_4k(uint64_t flags)
{
    set_pte(ROOT, 1, pte(L1, V));
    set_pte(L1, 1, pte(L0, V));
    set_pte(L0, 1, pte(DATA, V | flags));
}

static int fill(uint64_t va, enum tlb_access acc, unsigned idx, struct tlb_fill *f)
{
    memset(f, 0, sizeof(*f));
    cpu->fault.pending = false;
    return rv_tlb_fill(cpu, va, acc, idx, f);
}

static void assert_fault(uint64_t va, enum tlb_access acc, unsigned idx, enum rv_exc cause)
{
    struct tlb_fill f;
    ck_assert_int_eq(fill(va, acc, idx, &f), -1);
    ck_assert(cpu->fault.pending);
    ck_assert_uint_eq(cpu->fault.code, cause);
    ck_assert_uint_eq(cpu->fault.tval, va);
}

START_TEST(test_walk_4k_leaf_sets_a_not_d)
{
    struct tlb_fill f;
    map_4k(R | W);
    ck_assert_int_eq(fill(VA_4K + 0x123, TLB_READ, RV_MMU_S, &f), 0);
    ck_assert_uint_eq(f.phys, DATA + 0x123);
    ck_assert_uint_eq(f.page_size, 4096);
    ck_assert(f.allow[TLB_READ]);
    ck_assert(!f.allow[TLB_WRITE]);         /* D still clear */
    ck_assert(!f.allow[TLB_EXEC]);
    ck_assert_uint_eq(*pte_at(L0 + 8) & (A | D), A);
}
END_TEST

START_TEST(test_walk_store_sets_d_and_allows_write)
{
    struct tlb_fill f;
    map_4k(R | W);
    ck_assert_int_eq(fill(VA_4K, TLB_WRITE, RV_MMU_S, &f), 0);
    ck_assert(f.allow[TLB_WRITE]);
    ck_assert(f.allow[TLB_READ]);
    ck_assert_uint_eq(*pte_at(L0 + 8) & (A | D), A | D);
}
END_TEST

START_TEST(test_walk_2m_and_1g_leaves)
{
    struct tlb_fill f;
    set_pte(ROOT, 1, pte(L1, V));
    set_pte(L1, 3, pte(RAM_BASE + 0x200000, V | R | X | A));      /* VA 0x40600000, 2 MiB */
    set_pte(ROOT, 2, pte(RAM_BASE, V | R | W | A | D));            /* VA 0x80000000, 1 GiB */
    ck_assert_int_eq(fill(0x40612345, TLB_EXEC, RV_MMU_S, &f), 0);
    ck_assert_uint_eq(f.page_size, 2u << 20);
    ck_assert_uint_eq(f.phys, RAM_BASE + 0x212345);
    ck_assert(f.allow[TLB_READ] && f.allow[TLB_EXEC] && !f.allow[TLB_WRITE]);
    ck_assert_int_eq(fill(0x80123456, TLB_WRITE, RV_MMU_S, &f), 0);
    ck_assert_uint_eq(f.page_size, 1u << 30);
    ck_assert_uint_eq(f.phys, RAM_BASE + 0x123456);
}
END_TEST

START_TEST(test_walk_misaligned_superpage_page_fault)
{
    set_pte(ROOT, 1, pte(L1, V));
    set_pte(L1, 3, pte(RAM_BASE + 0x201000, V | R | A));
    assert_fault(0x40600000, TLB_READ, RV_MMU_S, RV_EXC_LOAD_PAGE);
}
END_TEST

START_TEST(test_walk_invalid_and_reserved_ptes_page_fault)
{
    map_4k(R);
    set_pte(L0, 1, pte(DATA, R | A));                   /* V clear */
    assert_fault(VA_4K, TLB_READ, RV_MMU_S, RV_EXC_LOAD_PAGE);
    set_pte(L0, 1, pte(DATA, V | W | A));               /* W without R */
    assert_fault(VA_4K, TLB_WRITE, RV_MMU_S, RV_EXC_STORE_PAGE);
    set_pte(L0, 1, pte(DATA, V | R | A) | (1ull << 54)); /* reserved bit */
    assert_fault(VA_4K, TLB_READ, RV_MMU_S, RV_EXC_LOAD_PAGE);
    set_pte(L0, 1, pte(L0, V));                         /* pointer at level 0 */
    assert_fault(VA_4K, TLB_EXEC, RV_MMU_S, RV_EXC_INSN_PAGE);
}
END_TEST

START_TEST(test_walk_u_page_needs_sum_from_s)
{
    struct tlb_fill f;
    map_4k(R | W | X | U);
    assert_fault(VA_4K, TLB_READ, RV_MMU_S, RV_EXC_LOAD_PAGE);
    ck_assert_int_eq(fill(VA_4K, TLB_READ, RV_MMU_S_SUM, &f), 0);
    ck_assert(!f.allow[TLB_EXEC]);          /* S never executes U pages */
    assert_fault(VA_4K, TLB_EXEC, RV_MMU_S, RV_EXC_INSN_PAGE);
    ck_assert_int_eq(fill(VA_4K, TLB_EXEC, RV_MMU_U, &f), 0);
}
END_TEST

START_TEST(test_walk_s_page_denied_to_u)
{
    map_4k(R | W | X);
    assert_fault(VA_4K, TLB_READ, RV_MMU_U, RV_EXC_LOAD_PAGE);
}
END_TEST

START_TEST(test_walk_mxr_reads_execute_only)
{
    struct tlb_fill f;
    map_4k(X);
    assert_fault(VA_4K, TLB_READ, RV_MMU_S, RV_EXC_LOAD_PAGE);
    wr(0x300, RV_MSTATUS_MXR);
    ck_assert_int_eq(fill(VA_4K, TLB_READ, RV_MMU_S, &f), 0);
}
END_TEST

START_TEST(test_walk_noncanonical_va_page_fault)
{
    map_4k(R);
    assert_fault(0x0000008000000000ull | VA_4K, TLB_READ, RV_MMU_S, RV_EXC_LOAD_PAGE);
    assert_fault(0xffff000040201000ull, TLB_WRITE, RV_MMU_S, RV_EXC_STORE_PAGE);
}
END_TEST

START_TEST(test_walk_high_half_va_walks)
{
    struct tlb_fill f;
    set_pte(ROOT, 511, pte(RAM_BASE, V | R | A));       /* VA 0xffffffffc0000000 */
    ck_assert_int_eq(fill(0xffffffffc0000010ull, TLB_READ, RV_MMU_S, &f), 0);
    ck_assert_uint_eq(f.phys, RAM_BASE + 0x10);
}
END_TEST

START_TEST(test_walk_table_outside_ram_access_fault)
{
    wr(0x180, (8ull << 60) | (0x10000000ull >> 12));
    assert_fault(VA_4K, TLB_READ, RV_MMU_S, RV_EXC_LOAD_ACCESS);
    assert_fault(VA_4K, TLB_EXEC, RV_MMU_S, RV_EXC_INSN_ACCESS);
}
END_TEST

START_TEST(test_walk_pbmt_needs_pbmte)
{
    struct tlb_fill f;
    map_4k(R | A);
    set_pte(L0, 1, pte(DATA, V | R | A) | (1ull << 61));        /* NC */
    assert_fault(VA_4K, TLB_READ, RV_MMU_S, RV_EXC_LOAD_PAGE);
    wr(0x30a, 1ull << 62);                                        /* menvcfg.PBMTE */
    ck_assert_int_eq(fill(VA_4K, TLB_READ, RV_MMU_S, &f), 0);
    set_pte(L0, 1, pte(DATA, V | R | A) | (3ull << 61));        /* reserved */
    assert_fault(VA_4K, TLB_READ, RV_MMU_S, RV_EXC_LOAD_PAGE);
}
END_TEST

START_TEST(test_walk_sv48_four_levels)
{
    struct tlb_fill f;
    uint64_t l3 = RAM_BASE + 0x5000;
    wr(0x180, (9ull << 60) | (l3 >> 12));
    set_pte(l3, 1, pte(ROOT, V));                   /* VA bit 39 set */
    set_pte(ROOT, 1, pte(L1, V));
    set_pte(L1, 1, pte(L0, V));
    set_pte(L0, 1, pte(DATA, V | R | A));
    ck_assert_int_eq(fill((1ull << 39) | VA_4K, TLB_READ, RV_MMU_S, &f), 0);
    ck_assert_uint_eq(f.phys, DATA);
}
END_TEST

START_TEST(test_walk_bare_m_ignores_satp)
{
    struct tlb_fill f;
    ck_assert_int_eq(fill(0x80001234, TLB_WRITE, RV_MMU_M, &f), 0);
    ck_assert_uint_eq(f.phys, 0x80001234);
    ck_assert(f.allow[TLB_READ] && f.allow[TLB_WRITE] && f.allow[TLB_EXEC]);
}
END_TEST

START_TEST(test_walk_pmp_no_entry_denies_s_allows_m)
{
    struct tlb_fill f;
    map_4k(R | W | A | D);
    wr(0x3a0, 0);                                   /* entry 0 off */
    assert_fault(VA_4K, TLB_READ, RV_MMU_S, RV_EXC_LOAD_ACCESS);   /* the PTE read itself */
    ck_assert_int_eq(fill(DATA, TLB_READ, RV_MMU_M, &f), 0);
}
END_TEST

START_TEST(test_walk_pmp_tor_read_only_region)
{
    struct tlb_fill f;
    map_4k(R | W | A | D);
    /* Entry 0: [0, DATA) RWX (TOR); entry 1: [DATA, DATA+4K) R (TOR); entry 2: NAPOT all RWX. */
    wr(0x3b0, DATA >> 2);
    wr(0x3b1, (DATA + 0x1000) >> 2);
    wr(0x3b2, ~0ull);
    wr(0x3a0, 0x1f090full);
    ck_assert_int_eq(fill(VA_4K, TLB_READ, RV_MMU_S, &f), 0);
    ck_assert(!f.allow[TLB_WRITE]);
    assert_fault(VA_4K, TLB_WRITE, RV_MMU_S, RV_EXC_STORE_ACCESS);
    ck_assert_int_eq(fill(DATA, TLB_WRITE, RV_MMU_M, &f), 0);       /* unlocked: M passes */
    ck_assert(rv_pmp_allows(rv, DATA + 0x1000, 8, TLB_WRITE, RV_PRIV_S));
    ck_assert(!rv_pmp_allows(rv, DATA + 0xffc, 8, TLB_READ, RV_PRIV_S));   /* straddles */
}
END_TEST

START_TEST(test_walk_pmp_locked_entry_binds_m)
{
    wr(0x3b0, (DATA >> 2) | 0x1ff);                 /* entry 0: NAPOT 4 KiB at DATA */
    wr(0x3b1, ~0ull);                               /* entry 1: everything */
    wr(0x3a0, 0x1f99ull);                           /* 0: L, NAPOT, R; 1: NAPOT, RWX */
    ck_assert(!rv_pmp_allows(rv, DATA, 8, TLB_WRITE, RV_PRIV_M));
    ck_assert(rv_pmp_allows(rv, DATA, 8, TLB_READ, RV_PRIV_M));
    ck_assert(rv_pmp_allows(rv, DATA + 0x1000, 8, TLB_WRITE, RV_PRIV_M));
}
END_TEST

START_TEST(test_walk_mprv_uses_mpp_mmu_idx)
{
    wr(0x300, RV_MSTATUS_MPRV | (1ull << 11) | RV_MSTATUS_SUM);
    ck_assert_uint_eq(rv_data_mmu_idx(rv), RV_MMU_S_SUM);
    wr(0x300, RV_MSTATUS_MPRV);
    ck_assert_uint_eq(rv_data_mmu_idx(rv), RV_MMU_U);
    wr(0x300, 0);
    ck_assert_uint_eq(rv_data_mmu_idx(rv), RV_MMU_M);
}
END_TEST

static Suite *rv_walk_suite(void)
{
    Suite *s = suite_create("rv_walk");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_walk_4k_leaf_sets_a_not_d);
    tcase_add_test(tc, test_walk_store_sets_d_and_allows_write);
    tcase_add_test(tc, test_walk_2m_and_1g_leaves);
    tcase_add_test(tc, test_walk_misaligned_superpage_page_fault);
    tcase_add_test(tc, test_walk_invalid_and_reserved_ptes_page_fault);
    tcase_add_test(tc, test_walk_u_page_needs_sum_from_s);
    tcase_add_test(tc, test_walk_s_page_denied_to_u);
    tcase_add_test(tc, test_walk_mxr_reads_execute_only);
    tcase_add_test(tc, test_walk_noncanonical_va_page_fault);
    tcase_add_test(tc, test_walk_high_half_va_walks);
    tcase_add_test(tc, test_walk_table_outside_ram_access_fault);
    tcase_add_test(tc, test_walk_pbmt_needs_pbmte);
    tcase_add_test(tc, test_walk_sv48_four_levels);
    tcase_add_test(tc, test_walk_bare_m_ignores_satp);
    tcase_add_test(tc, test_walk_pmp_no_entry_denies_s_allows_m);
    tcase_add_test(tc, test_walk_pmp_tor_read_only_region);
    tcase_add_test(tc, test_walk_pmp_locked_entry_binds_m);
    tcase_add_test(tc, test_walk_mprv_uses_mpp_mmu_idx);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rv_walk_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
