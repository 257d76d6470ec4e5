/*
 * The VS-mode guest of the test hypervisor (RISC-V priv 1.12 ch. 8, seen
 * from inside). It knows nothing of the hypervisor but the ECALL calls of
 * hyp.h: its CSR accesses reach the VS CSRs, its memory goes through
 * both translation stages, and every first touch of an on-demand page is
 * a guest-page fault the hypervisor serves without the guest noticing.
 *
 * It builds Sv39 tables in on-demand memory (each table page is first
 * written with paging off, so the writes fault and get mapped):
 *   root[2]   1 GiB leaf  0x8000_0000 -> GPA 0x8000_0000 (code, stack)
 *   root[256] -> level 1 (GP_L1) [0] -> level 0 (GP_L0):
 *     [0] GVA_DATA   -> GP_DATA
 *     [1] GVA_SECOND -> GP_SECOND
 *     [2] GVA_L0     -> GP_L0 (the level-0 table itself, to be edited)
 *
 * Only code and data of this file run in the guest: no console, no
 * device; results go to the hypervisor, which prints them.
 */
#include <stdbool.h>

#include "hyp.h"
#include "test.h"

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
#define PTE(pa, flags) ((((uint64_t)(pa)) >> 12) << 10 | (flags))
#define SATP_SV39 (8ul << 60)
#define GUEST_ASID 1ul
#define SIE_STIE (1ul << 5)
#define SSTATUS_SIE (1ul << 1)
#define STI_CAUSE (CAUSE_INTERRUPT | 5)
#define TICKS_1MS 10000ul               /* 10 MHz timebase */

/* Fixed values the steps store and expect. */
#define MAGIC_DATA 0x1111aaaa1111aaaaul
#define MAGIC_REMAP 0x2222bbbb2222bbbbul
#define MAGIC_PEEK 0x3333cccc3333ccccul
#define MAGIC_POKE 0x4444dddd4444ddddul
#define MAGIC_ALT 0x5555eeee5555eeeeul

static volatile unsigned timer_irqs;
static volatile uint64_t last_cause;
static volatile bool timer_injected;

static uint64_t gcall(uint64_t fn, uint64_t a0, uint64_t a1, uint64_t a2)
{
    register uint64_t r_a0 __asm__("a0") = a0;
    register uint64_t r_a1 __asm__("a1") = a1;
    register uint64_t r_a2 __asm__("a2") = a2;
    register uint64_t r_a7 __asm__("a7") = fn;
    __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a1), "r"(r_a2), "r"(r_a7) : "memory");
    return r_a0;
}

static void check(const char *name, bool ok)
{
    gcall(GC_CHECK, (uint64_t)(uintptr_t)name, ok, 0);
}

static void check_eq(const char *name, uint64_t got, uint64_t want)
{
    gcall(GC_CHECK_EQ, (uint64_t)(uintptr_t)name, got, want);
}

static volatile uint64_t *at(uint64_t addr)
{
    return (volatile uint64_t *)(uintptr_t)addr;
}

static uint64_t now(void)
{
    return CSR_READ(time);
}

/* Called from guest_vector (hyp_entry.S) with vscause. */
void guest_trap(uint64_t cause);
void guest_trap(uint64_t cause)
{
    last_cause = cause;
    if (cause == STI_CAUSE) {
        timer_irqs++;
        if (timer_injected)
            gcall(GC_CLEAR_TIMER, 0, 0, 0);
        else
            CSR_WRITE(stimecmp, ~0ul);
    }
}

/* Waits in WFI until an interrupt is counted or `ticks` pass. */
static bool wait_timer(unsigned before, uint64_t ticks)
{
    uint64_t end = now() + ticks;
    while (timer_irqs == before && now() < end)
        __asm__ volatile("wfi");
    return timer_irqs != before;
}

static void step_first_touch(void)
{
    /* Paging is off: the address is a guest physical one the hypervisor
     * has not mapped yet. */
    volatile uint64_t *p = at(GPA_PAGE(GP_FIRST_TOUCH) + 0x18);
    *p = MAGIC_DATA;
    check_eq("guest_on_demand_page_keeps_store", *p, MAGIC_DATA);
    check_eq("guest_on_demand_fault_count", gcall(GC_STATS, 0, 0, 0), 1);
}

static void step_paging_on(void)
{
    volatile uint64_t *root = at(GPA_PAGE(GP_ROOT));
    volatile uint64_t *l1 = at(GPA_PAGE(GP_L1));
    volatile uint64_t *l0 = at(GPA_PAGE(GP_L0));
    root[2] = PTE(0x80000000ul, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    root[256] = PTE(GPA_PAGE(GP_L1), PTE_V);
    l1[0] = PTE(GPA_PAGE(GP_L0), PTE_V);
    l0[0] = PTE(GPA_PAGE(GP_DATA), PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    l0[1] = PTE(GPA_PAGE(GP_SECOND), PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    l0[2] = PTE(GPA_PAGE(GP_L0), PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    *at(GPA_PAGE(GP_DATA)) = MAGIC_DATA;
    *at(GPA_PAGE(GP_ALT)) = MAGIC_ALT;
    uint64_t satp = SATP_SV39 | (GUEST_ASID << 44) | (GPA_PAGE(GP_ROOT) >> 12);
    CSR_WRITE(satp, satp);
    __asm__ volatile("sfence.vma zero, zero" ::: "memory");
    check_eq("guest_satp_is_its_vsatp", CSR_READ(satp), satp);
    check_eq("guest_sv39_load_through_both_stages", *at(GVA_DATA), MAGIC_DATA);
}

static void step_implicit_fault(void)
{
    /* The hypervisor takes the level-0 table's page away: walking a new
     * address reads a PTE in it, an implicit G-stage access that faults.
     * Then the data page itself is unmapped: an explicit fault. */
    gcall(GC_UNMAP_GPA, GPA_PAGE(GP_L0), 0, 0);
    uint64_t faults = gcall(GC_STATS, 0, 0, 0);
    check_eq("guest_second_page_reads_zero", *at(GVA_SECOND + 0x40), 0);
    check_eq("guest_walk_and_data_faults_served", gcall(GC_STATS, 0, 0, 0) - faults, 2);
}

static void step_hfence_gvma(void)
{
    /* Same GVA, same VS-stage entry: only the G-stage mapping moves. */
    check_eq("guest_data_before_remap", *at(GVA_DATA), MAGIC_DATA);
    gcall(GC_REMAP_GVMA, GPA_PAGE(GP_DATA), MAGIC_REMAP, 0);
    check_eq("guest_hfence_gvma_shows_new_gstage_page", *at(GVA_DATA), MAGIC_REMAP);
}

static void step_hlv_hsv(void)
{
    *at(GVA_DATA + 8) = MAGIC_PEEK;
    uint64_t old = gcall(GC_PEEK_POKE, GVA_DATA + 8, MAGIC_POKE, 0);
    check_eq("hyp_hlv_d_read_guest_virtual", old, MAGIC_PEEK);
    check_eq("hyp_hsv_d_wrote_guest_virtual", *at(GVA_DATA + 8), MAGIC_POKE);
}

static void step_hfence_vvma(void)
{
    /* The hypervisor rewrites this guest's level-0 PTE of GVA_SECOND
     * (through the guest's own mapping of its table, with HSV.D) to point
     * at GP_ALT, and fences that address with HFENCE.VVMA. */
    check_eq("guest_second_before_pte_edit", *at(GVA_SECOND), 0);
    uint64_t pte = PTE(GPA_PAGE(GP_ALT), PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    gcall(GC_SET_PTE_VVMA, GVA_L0 + 8 * 1, pte, GVA_SECOND);
    check_eq("guest_hfence_vvma_shows_new_vs_pte", *at(GVA_SECOND), MAGIC_ALT);
}

static void step_virtual_insn(void)
{
    /* hstatus is a hypervisor CSR: from VS-mode a virtual instruction,
     * which this hypervisor skips. WFI traps too while it sets VTW. */
    uint64_t v = 0x77;
    __asm__ volatile("csrr %0, 0x600" : "+r"(v));
    check_eq("guest_resumes_after_virtual_insn", v, 0x77);
    __asm__ volatile("wfi");
    check("guest_resumes_after_wfi_vtw", true);
}

static void step_timer_vstimecmp(void)
{
    check("guest_time_includes_htimedelta", now() > (1ul << 40));
    CSR_SET(sie, SIE_STIE);
    CSR_SET(sstatus, SSTATUS_SIE);
    unsigned before = timer_irqs;
    CSR_WRITE(stimecmp, now() + TICKS_1MS);
    check("guest_vs_timer_irq_from_vstimecmp", wait_timer(before, 100 * TICKS_1MS));
    check_eq("guest_vs_timer_cause_is_sti", last_cause, STI_CAUSE);
}

static void step_timer_injected(void)
{
    unsigned before = timer_irqs;
    timer_injected = true;
    gcall(GC_SET_TIMER, now() + TICKS_1MS, 0, 0);
    check("guest_vs_timer_irq_injected_by_hvip", wait_timer(before, 100 * TICKS_1MS));
    CSR_CLEAR(sstatus, SSTATUS_SIE);
    check_eq("guest_injected_timer_count", timer_irqs - before, 1);
}

void guest_main(void)
{
    check("guest_ecall_reaches_hypervisor", true);
    step_first_touch();
    step_paging_on();
    step_implicit_fault();
    step_hfence_gvma();
    step_hlv_hsv();
    step_hfence_vvma();
    step_virtual_insn();
    step_timer_vstimecmp();
    step_timer_injected();
    gcall(GC_EXIT, 0, 0, 0);
}
