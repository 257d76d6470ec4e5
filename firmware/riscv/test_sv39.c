/*
 * Sv39 translation (RISC-V priv 1.12 §4.3-4.4): M builds the tables, then
 * S-mode code checks 4 KiB pages, a 2 MiB megapage and 1 GiB gigapages,
 * load/store/fetch page faults with stval = the virtual address
 * (delegated to S through medeleg), a misaligned superpage, accessed and
 * dirty bits set by the hardware walk, SUM, MXR, and sfence.vma after a
 * remap.
 *
 * Virtual layout (satp.MODE = 8, ASID 0):
 *   0x0000_0000  1 GiB  -> PA 0           devices, RW (console, test exit)
 *   0x8000_0000  1 GiB  -> PA 0x8000_0000 this image, RWX (identity)
 *   0x4000_0000  4 KiB pages, see enum below
 *   0x4020_0000  2 MiB  -> PA 0x8100_0000 RW
 *   0x4040_0000  2 MiB  -> PA 0x8100_1000 misaligned megapage: faults
 */
#include "test.h"

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_U (1ul << 4)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
#define PTE(pa, flags) ((((uint64_t)(pa)) >> 12) << 10 | (flags))
#define SATP_SV39 (8ul << 60)

#define VA_PAGES  0x40000000ul
#define VA_MEGA   0x40200000ul
#define VA_MISMEGA 0x40400000ul
#define PA_MEGA   0x81000000ul

/* The 4 KiB pages at VA_PAGES + 4 KiB * index. */
enum {
    PG_RW, PG_RO, PG_USER, PG_XONLY, PG_INVALID, PG_AD, PG_REMAP, PG_SPARE, NPAGES
};

static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l0[512] __attribute__((aligned(4096)));
static uint64_t data[NPAGES][512] __attribute__((aligned(4096)));

static volatile unsigned s_faults;
static volatile uint64_t s_cause, s_tval;
static volatile uint64_t store_value;

static uint64_t va(unsigned page)
{
    return VA_PAGES + 4096ul * page;
}

static uint64_t pa(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

static void build_tables(void)
{
    root[0] = PTE(0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    root[2] = PTE(0x80000000ul, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    root[1] = PTE(pa(l1), PTE_V);
    l1[0] = PTE(pa(l0), PTE_V);
    l1[1] = PTE(PA_MEGA, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    l1[2] = PTE(PA_MEGA + 0x1000, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);

    l0[PG_RW] = PTE(pa(data[PG_RW]), PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    l0[PG_RO] = PTE(pa(data[PG_RO]), PTE_V | PTE_R | PTE_A);
    l0[PG_USER] = PTE(pa(data[PG_USER]), PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
    l0[PG_XONLY] = PTE(pa(data[PG_XONLY]), PTE_V | PTE_X | PTE_A);
    l0[PG_INVALID] = 0;
    l0[PG_AD] = PTE(pa(data[PG_AD]), PTE_V | PTE_R | PTE_W);
    l0[PG_REMAP] = PTE(pa(data[PG_REMAP]), PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    __asm__ volatile("fence" ::: "memory");
}

static unsigned insn_len(uint64_t epc)
{
    return (*(volatile uint16_t *)(uintptr_t)epc & 3) == 3 ? 4 : 2;
}

/* S handler for the delegated page faults: record, then skip the access
 * (or, for a fetch fault, return to the caller through ra). */
static bool s_hook(struct test_trap_frame *f)
{
    if (f->cause != 12 && f->cause != 13 && f->cause != 15)
        return false;
    s_faults++;
    s_cause = f->cause;
    s_tval = f->tval;
    if (f->cause == 12)
        f->epc = f->x[1];
    else
        f->epc += insn_len(f->epc);
    return true;
}

#define SENTINEL 0x5e5e5e5e5e5e5e5eul

static uint64_t s_load(uint64_t addr)
{
    uint64_t v = SENTINEL;
    __asm__ volatile("ld %0, 0(%1)" : "+r"(v) : "r"(addr) : "memory");
    return v;
}

static uint64_t s_store(uint64_t addr)
{
    __asm__ volatile("sd %0, 0(%1)" :: "r"(store_value), "r"(addr) : "memory");
    return 0;
}

static uint64_t s_fetch(uint64_t addr)
{
    __asm__ volatile("jalr ra, 0(%0)" :: "r"(addr) : "ra", "memory");
    return 0x77;
}

static uint64_t s_sfence_load(uint64_t addr)
{
    __asm__ volatile("sfence.vma zero, zero" ::: "memory");
    return s_load(addr);
}

static uint64_t in_s(uint64_t (*fn)(uint64_t), uint64_t arg)
{
    return test_run_lower(TEST_PRIV_S, fn, arg);
}

static void test_translation(void)
{
    data[PG_RW][1] = 0x1111222233334444ul;
    test_check_eq("s_load_4k_page", in_s(s_load, va(PG_RW) + 8), 0x1111222233334444ul);
    store_value = 0xabcdef;
    in_s(s_store, va(PG_RW) + 16);
    test_check_eq("s_store_4k_page_reaches_pa", data[PG_RW][2], 0xabcdef);

    MMIO64(PA_MEGA + 0x1238) = 0x6d656761;
    test_check_eq("s_load_megapage", in_s(s_load, VA_MEGA + 0x1238), 0x6d656761);
    store_value = 0x77777;
    in_s(s_store, VA_MEGA + 0x1ff000);
    test_check_eq("s_store_megapage_end", MMIO64(PA_MEGA + 0x1ff000), 0x77777);
    test_check_eq("s_load_gigapage_identity", in_s(s_load, pa(&data[PG_RW][1])),
                  0x1111222233334444ul);
    test_check_eq("no_fault_so_far", s_faults, 0);
}

static void test_page_faults(void)
{
    store_value = 1;
    in_s(s_store, va(PG_RO) + 24);
    test_check_eq("store_read_only_page_fault_15", s_cause, 15);
    test_check_eq("store_read_only_stval", s_tval, va(PG_RO) + 24);
    test_check_eq("store_read_only_no_write", data[PG_RO][3], 0);

    test_check_eq("load_invalid_keeps_rd", in_s(s_load, va(PG_INVALID) + 0x40), SENTINEL);
    test_check_eq("load_invalid_page_fault_13", s_cause, 13);
    test_check_eq("load_invalid_stval", s_tval, va(PG_INVALID) + 0x40);

    test_check_eq("fetch_invalid_returns", in_s(s_fetch, va(PG_INVALID)), 0x77);
    test_check_eq("fetch_invalid_page_fault_12", s_cause, 12);
    test_check_eq("fetch_invalid_stval", s_tval, va(PG_INVALID));

    s_cause = 0;
    in_s(s_fetch, va(PG_RW));
    test_check_eq("fetch_non_executable_page_fault_12", s_cause, 12);

    /* A megapage whose PPN[0] is not zero is misaligned (§4.3.2 step 6). */
    s_cause = 0;
    test_check_eq("misaligned_megapage_keeps_rd", in_s(s_load, VA_MISMEGA + 8), SENTINEL);
    test_check_eq("misaligned_megapage_page_fault_13", s_cause, 13);
    test_check_eq("misaligned_megapage_stval", s_tval, VA_MISMEGA + 8);

    /* Bits 63:39 must equal bit 38 (§4.4.1). */
    s_cause = 0;
    in_s(s_load, 0x0000008000000000ul);
    test_check_eq("non_canonical_va_page_fault_13", s_cause, 13);
}

static void test_accessed_dirty(void)
{
    unsigned faults = s_faults;

    data[PG_AD][0] = 42;
    test_check_eq("ad_page_load", in_s(s_load, va(PG_AD)), 42);
    test_check("load_sets_a", l0[PG_AD] & PTE_A);
    test_check("load_leaves_d_clear", !(l0[PG_AD] & PTE_D));
    store_value = 43;
    in_s(s_store, va(PG_AD) + 8);
    test_check("store_sets_d", l0[PG_AD] & PTE_D);
    test_check_eq("ad_page_store", data[PG_AD][1], 43);
    test_check_eq("ad_updates_no_fault", s_faults, faults);
}

static void test_sum_mxr(void)
{
    data[PG_USER][0] = 0x5553;
    data[PG_XONLY][0] = 0x4d5852;

    s_cause = 0;
    CSR_CLEAR(mstatus, MSTATUS_SUM | MSTATUS_MXR);
    test_check_eq("s_load_user_page_without_sum_faults", in_s(s_load, va(PG_USER)), SENTINEL);
    test_check_eq("s_load_user_page_without_sum_cause", s_cause, 13);
    CSR_SET(mstatus, MSTATUS_SUM);
    test_check_eq("s_load_user_page_with_sum", in_s(s_load, va(PG_USER)), 0x5553);
    s_cause = 0;
    in_s(s_fetch, va(PG_USER));
    test_check_eq("s_fetch_user_page_faults_even_with_sum", s_cause, 12);
    CSR_CLEAR(mstatus, MSTATUS_SUM);

    s_cause = 0;
    test_check_eq("load_xonly_without_mxr_faults", in_s(s_load, va(PG_XONLY)), SENTINEL);
    test_check_eq("load_xonly_without_mxr_cause", s_cause, 13);
    CSR_SET(mstatus, MSTATUS_MXR);
    test_check_eq("load_xonly_with_mxr", in_s(s_load, va(PG_XONLY)), 0x4d5852);
    CSR_CLEAR(mstatus, MSTATUS_MXR);
}

static void test_remap(void)
{
    data[PG_REMAP][0] = 0xe;
    data[PG_SPARE][0] = 0xf;
    test_check_eq("remap_before", in_s(s_load, va(PG_REMAP)), 0xe);
    l0[PG_REMAP] = PTE(pa(data[PG_SPARE]), PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    __asm__ volatile("fence" ::: "memory");
    test_check_eq("remap_after_sfence_vma", in_s(s_sfence_load, va(PG_REMAP)), 0xf);
}

int test_main(unsigned long hartid, unsigned long dtb)
{
    uint64_t satp;

    build_tables();
    CSR_WRITE(stvec, pa(test_strap_entry));
    CSR_WRITE(medeleg, (1ul << 12) | (1ul << 13) | (1ul << 15));
    test_strap_hook = s_hook;
    satp = SATP_SV39 | (pa(root) >> 12);
    CSR_WRITE(satp, satp);
    test_check_eq("satp_sv39_reads_back", CSR_READ(satp), satp);
    __asm__ volatile("sfence.vma zero, zero" ::: "memory");

    test_translation();
    test_page_faults();
    test_accessed_dirty();
    test_sum_mxr();
    test_remap();

    CSR_WRITE(satp, 0);
    CSR_WRITE(medeleg, 0);
    test_strap_hook = 0;
    return 0;
}
