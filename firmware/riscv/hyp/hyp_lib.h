/*
 * What the test hypervisors (hyp.c, sbi_host.c) share: hypervisor CSR
 * numbers and fields (RISC-V priv 1.12 §8.2), the H instructions (§8.3)
 * written as .insn so that no assembler support for H is needed, PTE
 * bits (§4.4.1), the identity G-stage map of this image, and the world
 * switch of world.S.
 */
#ifndef FW_HYP_LIB_H
#define FW_HYP_LIB_H

#include <stdint.h>

/* CSR numbers (priv 1.12 table 2.3); the assembler may not know the names.
 * Use them with the HCSR_* macros, which expand the number before test.h's
 * CSR_* macros turn it into text. */
#define HCSR_READ(csr) CSR_READ(csr)
#define HCSR_WRITE(csr, val) CSR_WRITE(csr, val)
#define HCSR_SET(csr, val) CSR_SET(csr, val)
#define HCSR_CLEAR(csr, val) CSR_CLEAR(csr, val)
#define CSR_VSATP 0x280
#define CSR_VSTIMECMP 0x24d
#define CSR_STIMECMP 0x14d
#define CSR_MENVCFG 0x30a
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

#define HSTATUS_GVA (1ul << 6)
#define HSTATUS_SPV (1ul << 7)
#define HSTATUS_SPVP (1ul << 8)
#define HSTATUS_VTW (1ul << 21)
#define ENVCFG_STCE (1ul << 63)
#define HVIP_VSTIP (1ul << 6)
#define SIE_STIE (1ul << 5)
#define HGATP_SV39X4 (8ul << 60)

/* Exception causes (priv 1.12 table 8.6). */
#define CAUSE_ECALL_VS 10
#define CAUSE_INSN_GUEST_PAGE 20
#define CAUSE_LOAD_GUEST_PAGE 21
#define CAUSE_VIRTUAL_INSN 22
#define CAUSE_STORE_GUEST_PAGE 23

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_U (1ul << 4)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
#define PTE(pa, flags) ((((uint64_t)(pa)) >> 12) << 10 | (flags))

/* H instructions: R-type, SYSTEM opcode, funct3 4 (loads/stores) or 0. */
static inline uint64_t hlv_d(uint64_t gva)
{
    uint64_t v;
    __asm__ volatile(".insn r 0x73, 4, 0x36, %0, %1, x0" : "=r"(v) : "r"(gva) : "memory");
    return v;
}

static inline uint64_t hlv_bu(uint64_t gva)
{
    uint64_t v;
    __asm__ volatile(".insn r 0x73, 4, 0x30, %0, %1, x1" : "=r"(v) : "r"(gva) : "memory");
    return v;
}

static inline void hsv_d(uint64_t gva, uint64_t v)
{
    __asm__ volatile(".insn r 0x73, 4, 0x37, x0, %0, %1" :: "r"(gva), "r"(v) : "memory");
}

static inline void hfence_gvma(uint64_t gpa_shifted, uint64_t vmid)
{
    __asm__ volatile(".insn r 0x73, 0, 0x31, x0, %0, %1" :: "r"(gpa_shifted), "r"(vmid) : "memory");
}

static inline void hfence_vvma(uint64_t gva, uint64_t asid)
{
    __asm__ volatile(".insn r 0x73, 0, 0x11, x0, %0, %1" :: "r"(gva), "r"(asid) : "memory");
}

/* Maps guest physical 0x8000_0000 + 64 MiB (this image and the RAM after
 * it) to the same supervisor physical addresses in 2 MiB leaves, through
 * the level-1 table l1, in the Sv39x4 root table root (16 KiB). A and D
 * are preset. */
static inline void hyp_map_image(uint64_t *root, uint64_t *l1)
{
    /* Sv39x4: 11 bits index the root (GPA bits 40:30). */
    root[(0x80000000ul >> 30) & 0x7ff] = PTE((uintptr_t)l1, PTE_V);
    for (unsigned i = 0; i < 32; i++)
        l1[i] = PTE(0x80000000ul + ((uint64_t)i << 21), PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D);
}

/* world.S */
uint64_t hyp_enter_guest(void (*pc)(void));
void hyp_leave_guest(uint64_t result) __attribute__((noreturn));

#endif
