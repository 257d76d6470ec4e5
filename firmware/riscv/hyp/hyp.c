/*
 * A small hypervisor in HS-mode (RISC-V priv 1.12 ch. 8), entered from
 * the project's M-mode start code, running one VS-mode guest (guest.c)
 * and checking each piece of the H extension it relies on:
 *
 *   - a guest ECALL arrives as cause 10 with hstatus.SPV/SPVP set;
 *   - G-stage (Sv39x4, VMID 1) faults are served by mapping pages on
 *     demand, with htval holding the guest physical address >> 2 and
 *     htinst the pseudoinstruction for a VS-stage page-table access;
 *   - the hardware sets A and D in G-stage PTEs;
 *   - HLV.BU reads the names of the guest's checks, HLV.D/HSV.D read and
 *     write guest virtual memory, HSV.D edits the guest's page table;
 *   - HFENCE.GVMA and HFENCE.VVMA make G-stage and VS-stage changes
 *     visible to the guest;
 *   - virtual-instruction traps for a hypervisor CSR read and, with
 *     hstatus.VTW, for WFI;
 *   - a VS timer interrupt from vstimecmp (Sstc, with htimedelta), and
 *     one injected through hvip after the hypervisor's own timer fired
 *     while the guest ran.
 *
 * Checks print PASS/FAIL lines; the run ends through the test device.
 */
#include <stdbool.h>
#include <stddef.h>

#include "hyp.h"
#include "hyp_lib.h"
#include "test.h"

#define GUEST_VMID 1ul
#define HTIMEDELTA (1ul << 41)
#define CAUSE_STI (CAUSE_INTERRUPT | 5)

#define INSN_WFI 0x10500073ul
#define INSN_CSRR_HSTATUS_MASK 0xfff0707fu      /* csrrs rd, 0x600, x0 with any rd */
#define INSN_CSRR_HSTATUS 0x60002073u

/* ---- G-stage tables ---- */

static uint64_t g_root[2048] __attribute__((aligned(16384)));    /* Sv39x4 root: 16 KiB */
static uint64_t g_l1_image[512] __attribute__((aligned(4096)));  /* GPA 0x8000_0000 */
static uint64_t g_l1_pool[512] __attribute__((aligned(4096)));   /* GPA 0xc000_0000 */
static uint64_t g_l0_pool[512] __attribute__((aligned(4096)));
/* Backing pages for the on-demand region, and spares for remapping. */
#define POOL_SPARES 4
static uint8_t pool[GUEST_POOL_PAGES + POOL_SPARES][4096] __attribute__((aligned(4096)));

static unsigned faults_served, implicit_faults, explicit_faults, spares_used;
static bool first_ecall_seen, wfi_trapped, csr_trapped, timer_exit_seen;

static uint64_t pa(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

static void build_gstage(void)
{
    /* The image, identity; A/D preset there (the hardware setting them is
     * checked on the on-demand pages). */
    hyp_map_image(g_root, g_l1_image);
    g_root[(GPA_POOL >> 30) & 0x7ff] = PTE(pa(g_l1_pool), PTE_V);
    g_l1_pool[0] = PTE(pa(g_l0_pool), PTE_V);
}

/* The G-stage leaf of an on-demand guest physical page, or NULL. */
static uint64_t *pool_pte(uint64_t gpa)
{
    if (gpa < GPA_POOL || gpa >= GPA_PAGE(GUEST_POOL_PAGES))
        return NULL;
    return &g_l0_pool[(gpa - GPA_POOL) >> 12];
}

/* Maps the on-demand page holding gpa to its pool page. A and D are left
 * clear for the hardware to set. */
static bool map_on_demand(uint64_t gpa)
{
    uint64_t *pte = pool_pte(gpa);
    if (!pte || (*pte & PTE_V))
        return false;
    *pte = PTE(pa(pool[(gpa - GPA_POOL) >> 12]), PTE_V | PTE_R | PTE_W | PTE_U);
    /* A new valid entry needs no fence, but one is cheap and makes the
     * retry certain. */
    hfence_gvma(gpa >> 2, GUEST_VMID);
    faults_served++;
    return true;
}

/* ---- guest calls ---- */

/* Reads the guest's NUL-terminated string at gva with HLV.BU. */
static void guest_string(uint64_t gva, char *buf, unsigned len)
{
    unsigned i = 0;
    for (; i + 1 < len; i++) {
        buf[i] = (char)hlv_bu(gva + i);
        if (!buf[i])
            break;
    }
    buf[i] = 0;
}

static uint64_t guest_call(struct test_trap_frame *f)
{
    uint64_t a0 = f->x[10], a1 = f->x[11], a2 = f->x[12];
    char name[96];
    switch (f->x[17]) {
    case GC_CHECK:
        guest_string(a0, name, sizeof(name));
        test_check(name, a1 != 0);
        return 0;
    case GC_CHECK_EQ:
        guest_string(a0, name, sizeof(name));
        test_check_eq(name, a1, a2);
        return 0;
    case GC_REMAP_GVMA: {
        uint64_t *pte = pool_pte(a0);
        if (!pte || spares_used >= POOL_SPARES)
            return (uint64_t)-1;
        uint64_t *page = (uint64_t *)pool[GUEST_POOL_PAGES + spares_used++];
        for (unsigned i = 0; i < 512; i++)
            page[i] = a1;
        *pte = PTE(pa(page), PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
        hfence_gvma(a0 >> 2, GUEST_VMID);
        return 0;
    }
    case GC_PEEK_POKE: {
        uint64_t old = hlv_d(a0);
        hsv_d(a0, a1);
        return old;
    }
    case GC_SET_PTE_VVMA:
        hsv_d(a0, a1);
        hfence_vvma(a2, HCSR_READ(CSR_VSATP) >> 44 & 0xffff);
        return 0;
    case GC_UNMAP_GPA: {
        uint64_t *pte = pool_pte(a0);
        if (!pte)
            return (uint64_t)-1;
        *pte = 0;
        hfence_gvma(0, GUEST_VMID);
        return 0;
    }
    case GC_SET_TIMER:
        /* The guest's time runs htimedelta ahead of ours. */
        HCSR_WRITE(CSR_STIMECMP, a0 - HTIMEDELTA);
        CSR_SET(sie, SIE_STIE);
        return 0;
    case GC_CLEAR_TIMER:
        HCSR_CLEAR(CSR_HVIP, HVIP_VSTIP);
        return 0;
    case GC_STATS:
        return faults_served;
    case GC_EXIT:
        return 0;
    default:
        return (uint64_t)-1;
    }
}

/* ---- traps from the guest (test_strap_entry) ---- */

void guest_start(void);

static bool guest_page_fault(struct test_trap_frame *f)
{
    uint64_t gpa = HCSR_READ(CSR_HTVAL) << 2;
    uint64_t tinst = HCSR_READ(CSR_HTINST);
    uint64_t hstatus = HCSR_READ(CSR_HSTATUS);
    if (faults_served == 0) {
        /* The first one: a store with paging off, GVA = GPA. */
        test_check_eq("hyp_gstage_fault_cause_store", f->cause, CAUSE_STORE_GUEST_PAGE);
        test_check_eq("hyp_gstage_fault_htval_is_gpa", gpa, GPA_PAGE(GP_FIRST_TOUCH) + 0x18);
        test_check_eq("hyp_gstage_fault_stval_is_gva", f->tval, GPA_PAGE(GP_FIRST_TOUCH) + 0x18);
        test_check("hyp_gstage_fault_sets_hstatus_gva", hstatus & HSTATUS_GVA);
        test_check_eq("hyp_gstage_fault_explicit_htinst_zero", tinst, 0);
    }
    if (tinst == TINST_VS_PT_READ) {
        if (implicit_faults++ == 0) {
            test_check_eq("hyp_implicit_fault_cause_is_load", f->cause, CAUSE_LOAD_GUEST_PAGE);
            test_check_eq("hyp_implicit_fault_htval_is_pte_gpa", gpa, GPA_PAGE(GP_L0) + 8);
            test_check_eq("hyp_implicit_fault_stval_is_gva", f->tval, GVA_SECOND + 0x40);
        }
    } else {
        explicit_faults++;
    }
    if (!map_on_demand(gpa)) {
        test_check_eq("hyp_guest_page_fault_in_pool", gpa, 0);
        return false;
    }
    return true;       /* retry the access */
}

static bool virtual_insn(struct test_trap_frame *f)
{
    if (f->tval == INSN_WFI && (HCSR_READ(CSR_HSTATUS) & HSTATUS_VTW)) {
        wfi_trapped = true;
        HCSR_CLEAR(CSR_HSTATUS, HSTATUS_VTW);
    } else if ((f->tval & INSN_CSRR_HSTATUS_MASK) == INSN_CSRR_HSTATUS) {
        csr_trapped = true;
    } else {
        return false;
    }
    f->epc += 4;
    return true;
}

static bool hyp_trap(struct test_trap_frame *f)
{
    uint64_t hstatus = HCSR_READ(CSR_HSTATUS);
    if (!(hstatus & HSTATUS_SPV))
        return false;   /* only the guest may trap here */
    switch (f->cause) {
    case CAUSE_ECALL_VS:
        if (!first_ecall_seen) {
            first_ecall_seen = true;
            test_check("hyp_guest_ecall_is_cause_10_from_vs", (hstatus & HSTATUS_SPVP) && f->x[17] == GC_CHECK);
        }
        if (f->x[17] == GC_EXIT)
            hyp_leave_guest(0);
        f->x[10] = guest_call(f);
        f->epc += 4;
        return true;
    case CAUSE_INSN_GUEST_PAGE:
    case CAUSE_LOAD_GUEST_PAGE:
    case CAUSE_STORE_GUEST_PAGE:
        return guest_page_fault(f);
    case CAUSE_VIRTUAL_INSN:
        return virtual_insn(f);
    case CAUSE_STI:
        /* Our timer fired while the guest ran: hand it a VS timer. */
        timer_exit_seen = true;
        HCSR_WRITE(CSR_STIMECMP, ~0ul);
        CSR_CLEAR(sie, SIE_STIE);
        HCSR_SET(CSR_HVIP, HVIP_VSTIP);
        return true;
    default:
        return false;
    }
}

static uint64_t hyp_main(uint64_t arg)
{
    build_gstage();
    HCSR_WRITE(CSR_HGATP, HGATP_SV39X4 | (GUEST_VMID << 44) | (pa(g_root) >> 12));
    hfence_gvma(0, 0);
    test_check_eq("hyp_hgatp_sv39x4_reads_back", HCSR_READ(CSR_HGATP) >> 60, 8);
    HCSR_WRITE(CSR_VSATP, 0);               /* the guest starts with paging off */
    HCSR_WRITE(CSR_HEDELEG, 0);             /* every guest exception comes here */
    HCSR_WRITE(CSR_HIDELEG, HVIP_VSTIP);    /* the VS timer goes to the guest */
    HCSR_WRITE(CSR_HCOUNTEREN, 7);          /* cycle, time, instret */
    HCSR_WRITE(CSR_HENVCFG, ENVCFG_STCE);   /* vstimecmp */
    HCSR_WRITE(CSR_HTIMEDELTA, HTIMEDELTA);
    HCSR_WRITE(CSR_HVIP, 0);
    HCSR_WRITE(CSR_HSTATUS, HSTATUS_SPV | HSTATUS_SPVP | HSTATUS_VTW);
    CSR_SET(sstatus, MSTATUS_SPP);              /* SRET to VS, not VU */
    CSR_WRITE(stvec, (uint64_t)(uintptr_t)test_strap_entry);
    test_strap_hook = hyp_trap;

    hyp_enter_guest(guest_start);

    test_check("hyp_exit_trap_came_from_guest", HCSR_READ(CSR_HSTATUS) & HSTATUS_SPV);
    test_check_eq("hyp_explicit_faults_served", explicit_faults, faults_served - implicit_faults);
    test_check_eq("hyp_one_implicit_fault", implicit_faults, 1);
    test_check("hyp_virtual_insn_on_hstatus_read", csr_trapped);
    test_check("hyp_virtual_insn_on_wfi_with_vtw", wfi_trapped);
    test_check("hyp_timer_exit_while_guest_ran", timer_exit_seen);
    uint64_t touched = g_l0_pool[GP_FIRST_TOUCH];
    test_check("hyp_gstage_a_d_set_by_hardware", (touched & (PTE_A | PTE_D)) == (PTE_A | PTE_D));
    test_check("hyp_gstage_untouched_page_unmapped", !(g_l0_pool[GP_SPARE] & PTE_V));
    test_strap_hook = NULL;
    return 0;
}

int test_main(unsigned long hartid, unsigned long dtb)
{
    test_check("misa_has_h", CSR_READ(misa) & (1ul << ('H' - 'A')));
    /* M delegates the guest's traps and the S-level interrupts to HS. */
    CSR_WRITE(medeleg, (1ul << CAUSE_ECALL_VS) | (1ul << CAUSE_INSN_GUEST_PAGE) |
                       (1ul << CAUSE_LOAD_GUEST_PAGE) | (1ul << CAUSE_VIRTUAL_INSN) |
                       (1ul << CAUSE_STORE_GUEST_PAGE) | (1ul << 12) | (1ul << 13) | (1ul << 15));
    CSR_WRITE(mideleg, MIP_SSIP | MIP_STIP | MIP_SEIP);
    CSR_WRITE(mcounteren, 7);
    HCSR_WRITE(CSR_MENVCFG, ENVCFG_STCE);   /* Sstc for HS and VS */
    test_run_lower(TEST_PRIV_S, hyp_main, 0);
    return 0;
}
