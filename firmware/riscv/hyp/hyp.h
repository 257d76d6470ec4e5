/*
 * A small hypervisor test (RISC-V priv 1.12 ch. 8): the definitions that
 * the HS-mode hypervisor (hyp.c) and its VS-mode guest (guest.c) share.
 *
 * M-mode (start.S, hyp.c test_main) delegates guest traps to HS and drops
 * to HS. The hypervisor builds G-stage tables (Sv39x4, VMID 1) and runs
 * the guest in VS-mode; the guest builds its own Sv39 tables and turns
 * paging on. They talk through ECALL (cause 10 at HS): a7 says what, a0
 * and a1 are arguments, a0 the result. The hypervisor prints every check:
 * the guest passes the name of a check as a guest virtual address, which
 * the hypervisor reads with HLV.BU.
 *
 * Guest physical layout:
 *   0x8000_0000  64 MiB  -> the same supervisor physical addresses (this
 *                image: the guest's code, data and stack), 2 MiB pages
 *   0xc000_0000  GUEST_POOL_PAGES pages, mapped on demand at the first
 *                guest-page fault, backed by a pool the hypervisor owns
 * Guest virtual layout once its paging is on (ASID 1):
 *   0x8000_0000  1 GiB identity
 *   GVA_HIGH     4 KiB pages of the on-demand region, see guest.c
 */
#ifndef FW_HYP_H
#define FW_HYP_H

#include <stdint.h>

/* Guest physical addresses of the on-demand region. */
#define GPA_POOL 0xc0000000ul
#define GUEST_POOL_PAGES 16
#define GPA_PAGE(k) (GPA_POOL + 4096ul * (k))

/* Guest page roles in the on-demand region (page k at GPA_PAGE(k)). */
enum {
    GP_ROOT, GP_L1, GP_L0, GP_DATA, GP_SECOND, GP_ALT, GP_SPARE, GP_FIRST_TOUCH,
};

/* The guest's high virtual addresses (VPN[2] = 256, sign-extended). */
#define GVA_HIGH 0xffffffc000000000ul
#define GVA_DATA (GVA_HIGH + 0x0000)        /* -> GP_DATA */
#define GVA_SECOND (GVA_HIGH + 0x1000)      /* -> GP_SECOND */
#define GVA_L0 (GVA_HIGH + 0x2000)          /* -> GP_L0: the guest's own level-0 table */

/* ECALL functions (a7). */
enum {
    GC_CHECK = 1,       /* a0 = name (GVA), a1 = ok: one PASS/FAIL line */
    GC_CHECK_EQ,        /* a0 = name, a1 = got, a2 = want */
    GC_REMAP_GVMA,      /* a0 = GPA: back it by a page filled with a1; HFENCE.GVMA */
    GC_PEEK_POKE,       /* a0 = GVA: read it with HLV.D, write a1 there with HSV.D; a0 <- old */
    GC_SET_PTE_VVMA,    /* a0 = GVA of a PTE, a1 = value (HSV.D), a2 = GVA to fence (HFENCE.VVMA) */
    GC_UNMAP_GPA,       /* a0 = GPA: drop its G-stage mapping and HFENCE.GVMA */
    GC_SET_TIMER,       /* a0 = time: inject a VS timer interrupt (hvip) once time passes */
    GC_CLEAR_TIMER,     /* clear the injected VS timer interrupt */
    GC_STATS,           /* a0 <- guest-page faults served so far */
    GC_EXIT,
};

/* Pseudoinstructions in htinst for VS-stage page-table accesses (§8.6.3). */
#define TINST_VS_PT_READ 0x3000ul

/* Guest entry (guest.c). */
void guest_main(void);

#endif
