/*
 * Internals shared by the privileged-architecture files of cpu-riscv/
 * (cpu.c, csr.c, trap.c, walk.c, insn_system.c). Not part of rv.h's
 * contract with the rest of emu.
 *
 * struct rv_hart extends struct rv_cpu with state that has no CSR of its
 * own; rv_cpu_create allocates it, so every hart the machine runs has it.
 */
#ifndef EMU_CPU_RISCV_HART_H
#define EMU_CPU_RISCV_HART_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu-riscv/rv.h"
#include "mmu/tlbctx.h"

/* Hypervisor counters for --stats (stats.c). */
struct rv_hyp_stats {
    uint64_t virt_cycles;           /* cycles spent with V=1, up to virt_since */
    uint64_t virt_since;            /* cpu->cycles when V last became 1 */
    uint64_t exits_exc[24];         /* traps from V=1 to HS by exception cause */
    uint64_t exits_irq[16];         /* ... by interrupt cause */
    uint64_t hfence_vvma, hfence_gvma;
    uint64_t gstage_walks;          /* G-stage translations walked (hgatp not Bare) */
};

/* Execution modes whose cycles a hart counts (stats.c), in the order the
 * --stats-interval series lists them. */
enum rv_mode { RV_MODE_M, RV_MODE_S, RV_MODE_U, RV_MODE_VS, RV_MODE_VU, RV_NMODES };

static inline enum rv_mode rv_mode_of(enum rv_priv priv, bool virt)
{
    if (virt)
        return priv == RV_PRIV_S ? RV_MODE_VS : RV_MODE_VU;
    return priv == RV_PRIV_M ? RV_MODE_M : priv == RV_PRIV_S ? RV_MODE_S : RV_MODE_U;
}

struct rv_hart {
    struct rv_cpu rv;               /* first: rv_cpu and cpu views */
    /* mcycle, minstret, mhpmcounter3-31 by counter number (hpm.c): while
     * counting, the CSR reads base + the total of its event; while
     * inhibited by mcountinhibit, base holds the frozen value itself. */
    uint64_t ctr_base[32];
    uint64_t stimer_event;          /* evq id of the Sstc compare, 0 when none */
    uint64_t vstimer_event;         /* ... of the vstimecmp compare */
    /* Largest leaf the walker has put in the soft TLB, which holds 4 KiB
     * pieces: a fence of one address must drop every piece of it. One per
     * context group: HS-level (satp) and guest (vsatp over hgatp). */
    uint64_t max_leaf_size, max_leaf_size_vs;
    /* Soft-TLB banks: regimes U, S, S+SUM keyed by satp; VU, VS, VS+SUM
     * keyed by (hgatp, vsatp), i.e. by VMID and ASID (addrspace.c). */
    struct tlb_ctx ctx_hs, ctx_vs;
    /* An HLV/HLVX/HSV is accessing memory: its faults report a guest
     * virtual address although V=0. */
    bool hlv_active;
    struct rv_hyp_stats hyp;
    /* Cycles per execution mode (stats.c): each mode's count up to
     * mode_since, the cycle the hart entered the mode it is in now. */
    uint64_t mode_cycles[RV_NMODES];
    uint64_t mode_since;
};

static inline struct rv_hart *rv_hart_of(struct rv_cpu *rv)
{
    return (struct rv_hart *)rv;
}

/* CSR numbers used across files (priv spec 1.12 tables 2.2-2.5). */
enum rv_csr_num {
    RV_CSR_FFLAGS = 0x001, RV_CSR_FRM = 0x002, RV_CSR_FCSR = 0x003,
    RV_CSR_SSTATUS = 0x100, RV_CSR_SIE = 0x104, RV_CSR_STVEC = 0x105,
    RV_CSR_SCOUNTEREN = 0x106, RV_CSR_SENVCFG = 0x10a,
    RV_CSR_SSCRATCH = 0x140, RV_CSR_SEPC = 0x141, RV_CSR_SCAUSE = 0x142,
    RV_CSR_STVAL = 0x143, RV_CSR_SIP = 0x144, RV_CSR_STIMECMP = 0x14d,
    RV_CSR_SATP = 0x180,
    RV_CSR_VSSTATUS = 0x200, RV_CSR_VSIE = 0x204, RV_CSR_VSTVEC = 0x205,
    RV_CSR_VSSCRATCH = 0x240, RV_CSR_VSEPC = 0x241, RV_CSR_VSCAUSE = 0x242,
    RV_CSR_VSTVAL = 0x243, RV_CSR_VSIP = 0x244, RV_CSR_VSTIMECMP = 0x24d,
    RV_CSR_VSATP = 0x280,
    RV_CSR_MSTATUS = 0x300, RV_CSR_MISA = 0x301, RV_CSR_MEDELEG = 0x302,
    RV_CSR_MIDELEG = 0x303, RV_CSR_MIE = 0x304, RV_CSR_MTVEC = 0x305,
    RV_CSR_MCOUNTEREN = 0x306, RV_CSR_MENVCFG = 0x30a,
    RV_CSR_MCOUNTINHIBIT = 0x320, RV_CSR_MHPMEVENT3 = 0x323,
    RV_CSR_MSCRATCH = 0x340, RV_CSR_MEPC = 0x341, RV_CSR_MCAUSE = 0x342,
    RV_CSR_MTVAL = 0x343, RV_CSR_MIP = 0x344, RV_CSR_MTINST = 0x34a, RV_CSR_MTVAL2 = 0x34b,
    RV_CSR_PMPCFG0 = 0x3a0, RV_CSR_PMPADDR0 = 0x3b0,
    RV_CSR_HSTATUS = 0x600, RV_CSR_HEDELEG = 0x602, RV_CSR_HIDELEG = 0x603,
    RV_CSR_HIE = 0x604, RV_CSR_HTIMEDELTA = 0x605, RV_CSR_HCOUNTEREN = 0x606,
    RV_CSR_HGEIE = 0x607, RV_CSR_HENVCFG = 0x60a, RV_CSR_HTVAL = 0x643,
    RV_CSR_HIP = 0x644, RV_CSR_HVIP = 0x645, RV_CSR_HTINST = 0x64a,
    RV_CSR_HGATP = 0x680, RV_CSR_HGEIP = 0xe12,
    RV_CSR_MSECCFG = 0x747,
    RV_CSR_TSELECT = 0x7a0, RV_CSR_TDATA1 = 0x7a1, RV_CSR_TINFO = 0x7a4,
    RV_CSR_MCYCLE = 0xb00, RV_CSR_MINSTRET = 0xb02, RV_CSR_MHPMCOUNTER3 = 0xb03,
    RV_CSR_CYCLE = 0xc00, RV_CSR_TIME = 0xc01, RV_CSR_INSTRET = 0xc02,
    RV_CSR_HPMCOUNTER3 = 0xc03,
    RV_CSR_MVENDORID = 0xf11, RV_CSR_MARCHID = 0xf12, RV_CSR_MIMPID = 0xf13,
    RV_CSR_MHARTID = 0xf14, RV_CSR_MCONFIGPTR = 0xf15,
};

/* menvcfg/senvcfg fields (priv spec 1.12 §3.1.18, Zicbom, Svpbmt, Sstc). */
#define RV_ENVCFG_FIOM   (1ull << 0)
#define RV_ENVCFG_CBIE   (3ull << 4)
#define RV_ENVCFG_CBCFE  (1ull << 6)
#define RV_ENVCFG_CBZE   (1ull << 7)
#define RV_ENVCFG_PBMTE  (1ull << 62)
#define RV_ENVCFG_STCE   (1ull << 63)

/* satp (priv spec 1.12 §4.1.11). */
#define RV_SATP_MODE_SHIFT 60
#define RV_SATP_MODE_BARE  0u
#define RV_SATP_MODE_SV39  8u
#define RV_SATP_MODE_SV48  9u
#define RV_SATP_MODE_SV57  10u
#define RV_SATP_PPN_MASK   ((1ull << 44) - 1)
#define RV_SATP_ASID_SHIFT 44
#define RV_SATP_ASID_MASK  0xffffull

/* hgatp (priv 1.12 §8.2.10): MODE as satp, Sv39x4 = 8 ... Sv57x4 = 10. */
#define RV_HGATP_VMID_SHIFT 44
#define RV_HGATP_VMID_MASK  0x3fffull     /* VMIDMAX = 14 bits, all implemented */

/* The S-level interrupt bits mideleg can delegate (§3.1.8). */
#define RV_MIP_S_BITS ((1ull << RV_IRQ_SSI) | (1ull << RV_IRQ_STI) | (1ull << RV_IRQ_SEI))
/* The VS-level bits (§8.4.3): always delegated past M, in hideleg/hvip. */
#define RV_MIP_VS_BITS ((1ull << RV_IRQ_VSSI) | (1ull << RV_IRQ_VSTI) | (1ull << RV_IRQ_VSEI))
#define RV_MIP_M_BITS ((1ull << RV_IRQ_MSI) | (1ull << RV_IRQ_MTI) | (1ull << RV_IRQ_MEI))
#define RV_MIP_ALL    (RV_MIP_S_BITS | RV_MIP_M_BITS)

/* csr.c */
/* CSR access without the privilege rules, for debuggers and set_reg. */
int rv_csr_get(struct rv_cpu *rv, unsigned csr, uint64_t *val);
int rv_csr_set(struct rv_cpu *rv, unsigned csr, uint64_t val);
/* mip as software sees it: software bits, device lines, hvip and the Sstc
 * compares. */
uint64_t rv_mip_visible(const struct rv_cpu *rv);
/* Sstc: reposts the stimecmp and vstimecmp events after a compare value,
 * STCE, htimedelta or time changed. */
void rv_stimer_update(struct rv_cpu *rv);
/* Resets the CSR state (priv spec 1.12 §3.4). */
void rv_csr_reset(struct rv_cpu *rv);
/* The interrupt bits implemented in mip/mie (VS bits with H). */
uint64_t rv_mip_implemented(const struct rv_cpu *rv);
/* mideleg as read: the written S bits, and the VS bits (read-only one with H). */
uint64_t rv_mideleg(const struct rv_cpu *rv);
/* Marks the FP state dirty in vsstatus (V=1). */
void rv_vsstatus_fs_dirty(struct rv_cpu *rv);

/* csr_h.c */
struct rv_csr_def;
/* The hypervisor and VS CSR table rows for csr, or NULL. */
const struct rv_csr_def *rv_csr_find_h(unsigned csr);
/* The VS CSR that replaces S CSR csr when V=1, or 0 when it has none (§8.2). */
unsigned rv_csr_vs_alias(unsigned csr);
/* Resets the hypervisor CSRs. */
void rv_csr_reset_h(struct rv_cpu *rv);
/* Sstc for VS: VSTIP from vstimecmp (henvcfg.STCE and menvcfg.STCE set). */
bool rv_vstimer_pending(const struct rv_cpu *rv);

/* addrspace.c */
/* Re-keys the soft-TLB banks after satp, vsatp or hgatp changed. */
void rv_tlb_ctx_update(struct rv_cpu *rv);
/* Resets the bank bookkeeping (cpu reset). */
void rv_tlb_ctx_reset(struct rv_cpu *rv);
/* SFENCE.VMA at V=0 / at V=1, HFENCE.VVMA and HFENCE.GVMA (§4.2.1, §8.3.2):
 * has_va/has_id say whether rs1/rs2 were x0. */
void rv_fence_hs(struct rv_cpu *rv, bool has_va, uint64_t va, bool has_asid, uint64_t asid);
void rv_fence_vvma(struct rv_cpu *rv, bool has_va, uint64_t va, bool has_asid, uint64_t asid);
void rv_fence_gvma(struct rv_cpu *rv, bool has_vmid, uint64_t vmid);
/* Empties every guest (V=1) bank: vsstatus.MXR or henvcfg.PBMTE changed. */
void rv_tlb_flush_guest(struct rv_cpu *rv);

/* walk.c: nothing beyond rv.h */

/* trap.c */
/* What a trap reports besides its cause (priv 1.12 §8.6.3-4). */
struct rv_trap_info {
    uint64_t tval;
    uint64_t gpa;           /* guest physical address >> 2 (htval/mtval2), or 0 */
    uint64_t tinst;         /* htinst/mtinst */
    bool gva;               /* tval is a guest virtual address */
};
/* Enters the trap handler for cause (an exception, or an interrupt when
 * irq), with epc the pc to return to. */
void rv_trap_enter(struct rv_cpu *rv, unsigned cause, bool irq, uint64_t tval, uint64_t epc);
void rv_trap_enter_info(struct rv_cpu *rv, unsigned cause, bool irq, const struct rv_trap_info *ti, uint64_t epc);
/* Changes V, keeping the per-mode cycle count. */
void rv_set_virt(struct rv_cpu *rv, bool virt);
/* Changes the privilege and V together: every change of mode goes
 * through here, so the cycles of each mode are counted. */
void rv_set_mode(struct rv_cpu *rv, enum rv_priv priv, bool virt);

#endif
