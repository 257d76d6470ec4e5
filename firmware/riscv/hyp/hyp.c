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
#include "test.h"

/* Hypervisor CSRs by number (the assembler may not know their names). */
#define CSR_HSTATUS 0x600
#define CSR_HEDELEG 0x602
#define CSR_HIDELEG 0x603
#define CSR_HTIMEDELTA 0x605
#define CSR_HCOUNTEREN 0x606
#define CSR_HENVCFG 0x60a
#define CSR_HTVAL 0x643
#define CSR_HVIP 0x645
#define CSR_HTINST 0x64a
#define CSR_HGATP 0x680
#define CSR_VSATP 0x280
#define CSR_MENVCFG 0x30a
#define CSR_STIMECMP 0x14d

#define HSTATUS_GVA (1ul << 6)
#define HSTATUS_SPV (1ul << 7)
#define HSTATUS_SPVP (1ul << 8)
#define HSTATUS_VTW (1ul << 21)
#define ENVCFG_STCE (1ul << 63)
#define HVIP_VSTIP (1ul << 6)
#define SIE_STIE (1ul << 5)
#define HGATP_SV39X4 (8ul << 60)
#define GUEST_VMID 1ul
#define HTIMEDELTA (1ul << 41)

#define CAUSE_ECALL_VS 10
#define CAUSE_INSN_GUEST_PAGE 20
#define CAUSE_LOAD_GUEST_PAGE 21
#define CAUSE_VIRTUAL_INSN 22
#define CAUSE_STORE_GUEST_PAGE 23
#define CAUSE_STI (CAUSE_INTERRUPT | 5)

#define INSN_WFI 0x10500073ul
#define INSN_CSRR_HSTATUS_MASK 0xfff0707fu      /* csrrs rd, 0x600, x0 with any rd */
#define INSN_CSRR_HSTATUS 0x60002073u

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_U (1ul << 4)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
#define PTE(pa, flags) ((((uint64_t)(pa)) >> 12) << 10 | (flags))
#define PTE_PA(pte) (((pte) >> 10) << 12)

/* H instructions as .insn (R-type, SYSTEM opcode, funct3 4 or 0). */
static uint64_t hlv_d(uint64_t gva)
{
    uint64_t v;
    __asm__ volatile(".insn r 0x73, 4, 0x36, %0, %1, x0" : "=r"(v) : "r"(gva) : "memory");
    return v;
}

static uint64_t hlv_bu(uint64_t gva)
{
    uint64_t v;
    __asm__ volatile(".insn r 0x73, 4, 0x30, %0, %1, x1" : "=r"(v) : "r"(gva) : "memory");
    return v;
}

static void hsv_d(uint64_t gva, uint64_t v)
{
    __asm__ volatile(".insn r 0x73, 4, 0x37, x0, %0, %1" :: "r"(gva), "r"(v) : "memory");
}

static void hfence_gvma(uint64_t gpa_shifted, uint64_t vmid)
{
    __asm__ volatile(".insn r 0x73, 0, 0x31, x0, %0, %1" :: "r"(gpa_shifted), "r"(vmid) : "memory");
}

static void hfence_vvma(uint64_t gva, uint64_t asid)
{
    __asm__ volatile(".insn r 0x73, 0, 0x11, x0, %0, %1" :: "r"(gva), "r"(asid) : "memory");
}

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
    /* Sv39x4: 11 bits index the root (GPA bits 40:30). */
    g_root[(0x80000000ul >> 30) & 0x7ff] = PTE(pa(g_l1_image), PTE_V);
    g_root[(GPA_POOL >> 30) & 0x7ff] = PTE(pa(g_l1_pool), PTE_V);
    /* The image, identity, in 2 MiB leaves; A/D preset (the hardware
     * setting them is checked on the on-demand pages). */
    for (unsigned i = 0; i < 32; i++)
        g_l1_image[i] = PTE(0x80000000ul + (i << 21), PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D);
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
        hfence_vvma(a2, CSR_READ(0x280) >> 44 & 0xffff);
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
        CSR_WRITE(0x14d, a0 - HTIMEDELTA);
        CSR_SET(sie, SIE_STIE);
        return 0;
    case GC_CLEAR_TIMER:
        CSR_CLEAR(0x645, HVIP_VSTIP);
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

void hyp_leave_guest(uint64_t result) __attribute__((noreturn));
uint64_t hyp_enter_guest(void (*pc)(void));
void guest_start(void);

static bool guest_page_fault(struct test_trap_frame *f)
{
    uint64_t gpa = CSR_READ(0x643) << 2;
    uint64_t tinst = CSR_READ(0x64a);
    uint64_t hstatus = CSR_READ(0x600);
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
    if (f->tval == INSN_WFI && (CSR_READ(0x600) & HSTATUS_VTW)) {
        wfi_trapped = true;
        CSR_CLEAR(0x600, HSTATUS_VTW);
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
    uint64_t hstatus = CSR_READ(0x600);
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
        CSR_WRITE(0x14d, ~0ul);
        CSR_CLEAR(sie, SIE_STIE);
        CSR_SET(0x645, HVIP_VSTIP);
        return true;
    default:
        return false;
    }
}

static uint64_t hyp_main(uint64_t arg)
{
    build_gstage();
    CSR_WRITE(0x680, HGATP_SV39X4 | (GUEST_VMID << 44) | (pa(g_root) >> 12));
    hfence_gvma(0, 0);
    test_check_eq("hyp_hgatp_sv39x4_reads_back", CSR_READ(0x680) >> 60, 8);
    CSR_WRITE(0x280, 0);                        /* the guest starts with paging off */
    CSR_WRITE(0x602, 0);                        /* hedeleg: every guest exception comes here */
    CSR_WRITE(0x603, HVIP_VSTIP);               /* hideleg: VS timer goes to the guest */
    CSR_WRITE(0x606, 7);                        /* hcounteren: cycle, time, instret */
    CSR_WRITE(0x60a, ENVCFG_STCE);              /* henvcfg: vstimecmp */
    CSR_WRITE(0x605, HTIMEDELTA);
    CSR_WRITE(0x645, 0);
    CSR_WRITE(0x600, HSTATUS_SPV | HSTATUS_SPVP | HSTATUS_VTW);
    CSR_SET(sstatus, MSTATUS_SPP);              /* SRET to VS, not VU */
    CSR_WRITE(stvec, (uint64_t)(uintptr_t)test_strap_entry);
    test_strap_hook = hyp_trap;

    hyp_enter_guest(guest_start);

    test_check("hyp_exit_trap_came_from_guest", CSR_READ(0x600) & HSTATUS_SPV);
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
    CSR_WRITE(0x30a, ENVCFG_STCE);              /* menvcfg: Sstc for HS and VS */
    test_run_lower(TEST_PRIV_S, hyp_main, 0);
    return 0;
}
