/*
 * RISC-V hart state and the interfaces between the files of cpu-riscv/.
 *
 *   cpu.c        cpu_ops and exec_isa tables, creation, reset, -cpu parsing
 *   decode.c     the instruction table lookup and the TB translation loop
 *   rvc.c        expansion of compressed (C) instructions to their 32-bit forms
 *   insn_*.c     trans_<insn>() per instruction family: base, m, a, zb, fp, system
 *   fp.c         IEEE arithmetic helpers for F and D
 *   csr.c        CSR access rules and the M/S CSRs (privileged spec 1.12 ch. 2, 3, 4)
 *   csr_h.c      hypervisor and VS CSRs (ch. 8)
 *   trap.c       exceptions, interrupts, delegation to M, HS and VS, xRET, WFI
 *   walk.c       Sv39/Sv48/Sv57 and two-stage (G-stage x4) page walks, PMP
 *   addrspace.c  soft-TLB banks per address space (ASID, VMID) and fences
 *   insn_h.c     HLV/HLVX/HSV, HFENCE.VVMA/GVMA
 *   stats.c      hypervisor statistics for --stats
 *
 * IR slot layout (cpu->r[]): x0-x31 at RV_SLOT_X(0..31), f0-f31 at
 * RV_SLOT_F(0..31) (NaN-boxed 64-bit), pc at RV_SLOT_PC. x0 is kept zero:
 * front ends never write RV_SLOT_X(0).
 */
#ifndef EMU_CPU_RISCV_RV_H
#define EMU_CPU_RISCV_RV_H

#include <stdbool.h>
#include <stdint.h>

#include "exec/exec.h"

#define RV_SLOT_X(n) ((unsigned)(n))
#define RV_SLOT_F(n) (32u + (unsigned)(n))
#define RV_SLOT_PC   64u

/* Privilege levels (priv spec 1.12 §1.2). */
enum rv_priv { RV_PRIV_U = 0, RV_PRIV_S = 1, RV_PRIV_M = 3 };

/*
 * mmu_idx values: one soft-TLB regime per effective privilege and SUM,
 * with V=0 (HS-level translation by satp) and V=1 (two-stage translation
 * by vsatp and hgatp, priv 1.12 §8.5). MXR changes flush the TLB instead
 * of adding regimes; satp, vsatp and hgatp select a bank (addrspace.c).
 */
enum rv_mmu_idx {
    RV_MMU_U = 0,
    RV_MMU_S = 1,
    RV_MMU_S_SUM = 2,
    RV_MMU_M = 3,
    RV_MMU_VU = 4,
    RV_MMU_VS = 5,
    RV_MMU_VS_SUM = 6,
};

static inline bool rv_mmu_is_virt(unsigned mmu_idx)
{
    return mmu_idx >= RV_MMU_VU;
}

/* TB flags (exec_isa.tb_flags): what translation depends on. */
#define RV_TBF_PRIV_MASK  0x3u       /* enum rv_priv (the nominal privilege) */
#define RV_TBF_FS_ON      0x4u       /* FS != Off (and vsstatus.FS when V=1): F/D legal */
#define RV_TBF_MMU_SHIFT  3          /* data mmu_idx (enum rv_mmu_idx), 3 bits */
#define RV_TBF_MMU_MASK   (0x7u << RV_TBF_MMU_SHIFT)
#define RV_TBF_VIRT       0x40u      /* V = 1 */

/* Exception causes (priv spec 1.12 table 3.6). */
enum rv_exc {
    RV_EXC_INSN_MISALIGNED = 0,
    RV_EXC_INSN_ACCESS = 1,
    RV_EXC_ILLEGAL_INSN = 2,
    RV_EXC_BREAKPOINT = 3,
    RV_EXC_LOAD_MISALIGNED = 4,
    RV_EXC_LOAD_ACCESS = 5,
    RV_EXC_STORE_MISALIGNED = 6,
    RV_EXC_STORE_ACCESS = 7,
    RV_EXC_ECALL_U = 8,
    RV_EXC_ECALL_S = 9,              /* from HS-mode (or S without H) */
    RV_EXC_ECALL_VS = 10,
    RV_EXC_ECALL_M = 11,
    RV_EXC_INSN_PAGE = 12,
    RV_EXC_LOAD_PAGE = 13,
    RV_EXC_STORE_PAGE = 15,
    /* Hypervisor extension (priv 1.12 table 8.6). */
    RV_EXC_INSN_GUEST_PAGE = 20,
    RV_EXC_LOAD_GUEST_PAGE = 21,
    RV_EXC_VIRTUAL_INSN = 22,
    RV_EXC_STORE_GUEST_PAGE = 23,
};

/*
 * cpu->fault.code: the cause in bits 7:0, and what the trap also reports.
 * tval2 holds the guest physical address >> 2 of a guest-page fault.
 */
#define RV_FAULT_CAUSE          0xffu
#define RV_FAULT_GVA            (1u << 8)    /* tval is a guest virtual address (hstatus.GVA) */
#define RV_FAULT_IMPLICIT       (1u << 9)    /* guest-page fault of a VS-stage page-table read */
#define RV_FAULT_IMPLICIT_WRITE (1u << 10)   /* ... of a VS-stage A/D update */

/* Interrupt numbers (bits of mip/mie). */
enum rv_irq {
    RV_IRQ_SSI = 1, RV_IRQ_VSSI = 2, RV_IRQ_MSI = 3,
    RV_IRQ_STI = 5, RV_IRQ_VSTI = 6, RV_IRQ_MTI = 7,
    RV_IRQ_SEI = 9, RV_IRQ_VSEI = 10, RV_IRQ_MEI = 11,
    RV_IRQ_SGEI = 12,
};

/* Extensions a -cpu string can switch; each is reflected in riscv,isa. */
struct rv_ext {
    bool m, a, f, d, c;
    bool zicsr, zifencei, zicntr, zihpm;
    bool zba, zbb, zbc, zbs;
    bool zicbom, zicboz, svpbmt, sstc;
    bool h;
};

#define RV_NPMP 16

struct rv_cpu {
    struct cpu cpu;                 /* first: the engine's view */
    struct rv_ext ext;
    uint64_t hartid;
    enum rv_priv priv;              /* nominal privilege */
    bool virt;                      /* V: executing in a guest, VS or VU (priv 1.12 §8.1) */

    /* Machine level (priv spec 1.12 ch. 3). */
    uint64_t misa, mstatus, medeleg, mideleg, mie, mip;
    uint64_t mtvec, mscratch, mepc, mcause, mtval;
    uint64_t mcounteren, mcountinhibit, menvcfg, mseccfg;
    uint64_t mhpmevent[32];
    /* Supervisor level (ch. 4); sstatus/sie/sip are views of the m* CSRs. */
    uint64_t stvec, sscratch, sepc, scause, stval, satp, scounteren, senvcfg;
    uint64_t stimecmp;              /* Sstc */
    /* Hypervisor (priv 1.12 §8.2); hie/hip/vsie/vsip are views of mie/mip.
     * hvip holds VSSIP, VSTIP and VSEIP as written by the hypervisor. */
    uint64_t hstatus, hedeleg, hideleg, hvip, hgeie, htval, htinst, hgatp;
    uint64_t hcounteren, htimedelta, henvcfg;
    uint64_t vsstatus, vstvec, vsscratch, vsepc, vscause, vstval, vsatp;
    uint64_t vstimecmp;             /* Sstc */
    uint64_t mtval2, mtinst;
    /* mip bits driven by devices (external, timer, software lines); OR-ed
     * with the software-writable bits to give the visible mip. */
    uint64_t mip_lines;
    /* F/D (unpriv spec ch. 11-12). */
    uint32_t fflags, frm;
    /* PMP (priv spec §3.7). */
    uint8_t pmpcfg[RV_NPMP];
    uint64_t pmpaddr[RV_NPMP];
    /* LR/SC reservation (unpriv spec §8.2). */
    uint64_t lr_addr;
    uint64_t lr_val;                /* the value LR read: SC fails if memory changed since */
    bool lr_valid;
    /* Translation in force, cached from satp and mstatus. */
    uint64_t time_ratio;            /* core cycles per mtime tick */
};

static inline struct rv_cpu *rv_of(struct cpu *cpu)
{
    return (struct rv_cpu *)cpu;
}

/* cpu.c */
struct machine;
/* Parses "rv64[,ext=on|off...]" into ext. Returns -1 with a message in err. */
struct emu_err;
int rv_parse_cpu_model(const char *model, struct rv_ext *ext, struct emu_err *err);
/* The riscv,isa string for the device tree, e.g. "rv64imafdc_zicsr_...". */
void rv_isa_string(const struct rv_ext *ext, char *buf, unsigned len);
struct cpu *rv_cpu_create(struct machine *m, unsigned index, const struct rv_ext *ext, uint64_t time_ratio);

/* trap.c */
/* Records an exception for the engine to deliver (sets cpu->fault). */
void rv_raise(struct rv_cpu *rv, enum rv_exc cause, uint64_t tval);
/* Illegal-instruction, or virtual-instruction when virt (priv 1.12 §8.6.1). */
void rv_raise_insn(struct rv_cpu *rv, bool virt, uint64_t insn);
void rv_take_fault(struct cpu *cpu, uint64_t pc);
void rv_check_irq(struct cpu *cpu);
/* Recomputes whether an interrupt is pending and enabled; kicks the cpu if so. */
void rv_update_irq(struct rv_cpu *rv);
/* Device line (enum rv_irq bit) level change, from cpu_ops.set_irq. */
void rv_set_irq_line(struct cpu *cpu, unsigned irq, bool level);
/* Helpers emitted by the translator (IR_CALL; pc in imm where noted). */
uint64_t rv_helper_ecall(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t pc);
uint64_t rv_helper_ebreak(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t pc);
uint64_t rv_helper_mret(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t pc);
uint64_t rv_helper_sret(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t pc);
uint64_t rv_helper_wfi(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t pc);
uint64_t rv_helper_sfence_vma(struct cpu *cpu, uint64_t vaddr, uint64_t asid, uint64_t c, int64_t imm);

/* csr.c (priv spec 1.12 §2.1: csr number bits 9:8 = lowest privilege, 11:10 = 3 for read-only) */
/* Returns 0, or RV_CSR_ILLEGAL / RV_CSR_VIRTUAL when the access must trap
 * with an illegal- / virtual-instruction exception (the caller raises). */
#define RV_CSR_ILLEGAL (-1)
#define RV_CSR_VIRTUAL (-2)
int rv_csr_read(struct rv_cpu *rv, unsigned csr, uint64_t *val);
int rv_csr_write(struct rv_cpu *rv, unsigned csr, uint64_t val);
/*
 * Zicsr instructions. imm packs (csr << 8) | (rd != 0) << 1 | (rs1 != 0 or uimm != 0);
 * a is the rs1 value or the zero-extended uimm. Returns the old value for rd.
 * They raise illegal-instruction themselves and are followed by IR_EXIT.
 */
uint64_t rv_helper_csrrw(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm);
uint64_t rv_helper_csrrs(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm);
uint64_t rv_helper_csrrc(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm);
#define RV_CSR_IMM(csr, rd_nonzero, src_nonzero) \
    ((int64_t)(((uint64_t)(csr) << 8) | ((rd_nonzero) ? 2u : 0u) | ((src_nonzero) ? 1u : 0u)))
/* Current value of mtime (cycles / time_ratio). */
uint64_t rv_mtime(const struct rv_cpu *rv);

/* stats.c */
struct json;
/* Writes the "hypervisor" member of this hart's --stats object (nothing
 * without the H extension). */
void rv_write_stats(struct cpu *cpu, struct json *j);
/* cpu_ops.mode_cycles: M, S, U ("m", "s", "u"), or with the H extension
 * M, HS, U, VS, VU ("m", "hs", "u", "vs", "vu"). */
unsigned rv_stats_mode_cycles(struct cpu *cpu, uint64_t *cycles, const char *const **names);
/* Cycles this hart has run with V=1. */
uint64_t rv_virt_cycles(const struct rv_cpu *rv);

/* walk.c */
int rv_tlb_fill(struct cpu *cpu, uint64_t va, enum tlb_access acc, unsigned mmu_idx, struct tlb_fill *out);
/* exec_isa.walk_trace: the PTEs a walk for va reads (both stages), no A/D
 * update, no fault raised. */
int rv_walk_trace(struct cpu *cpu, uint64_t va, enum tlb_access acc, unsigned mmu_idx, struct exec_walk_trace *out);
/* PMP check of a physical access at a privilege; true if allowed. */
bool rv_pmp_allows(const struct rv_cpu *rv, uint64_t pa, unsigned size, enum tlb_access acc, enum rv_priv priv);
/* The mmu_idx for data accesses in the current mode (honours MPRV and
 * MPV, SUM, vsstatus.SUM). */
unsigned rv_data_mmu_idx(const struct rv_cpu *rv);
/* The V=1 regime for privilege priv (VU, VS or VS+SUM by vsstatus.SUM). */
unsigned rv_virt_mmu_idx(const struct rv_cpu *rv, enum rv_priv priv);

/* mstatus fields (priv spec 1.12 §3.1.6). */
#define RV_MSTATUS_SIE   (1ull << 1)
#define RV_MSTATUS_MIE   (1ull << 3)
#define RV_MSTATUS_SPIE  (1ull << 5)
#define RV_MSTATUS_UBE   (1ull << 6)
#define RV_MSTATUS_MPIE  (1ull << 7)
#define RV_MSTATUS_SPP   (1ull << 8)
#define RV_MSTATUS_MPP   (3ull << 11)
#define RV_MSTATUS_FS    (3ull << 13)
#define RV_MSTATUS_XS    (3ull << 15)
#define RV_MSTATUS_MPRV  (1ull << 17)
#define RV_MSTATUS_SUM   (1ull << 18)
#define RV_MSTATUS_MXR   (1ull << 19)
#define RV_MSTATUS_TVM   (1ull << 20)
#define RV_MSTATUS_TW    (1ull << 21)
#define RV_MSTATUS_TSR   (1ull << 22)
#define RV_MSTATUS_UXL   (3ull << 32)
#define RV_MSTATUS_SXL   (3ull << 34)
#define RV_MSTATUS_GVA   (1ull << 38)
#define RV_MSTATUS_MPV   (1ull << 39)
#define RV_MSTATUS_SD    (1ull << 63)

/* hstatus fields (priv 1.12 §8.2.1). */
#define RV_HSTATUS_VSBE  (1ull << 5)
#define RV_HSTATUS_GVA   (1ull << 6)
#define RV_HSTATUS_SPV   (1ull << 7)
#define RV_HSTATUS_SPVP  (1ull << 8)
#define RV_HSTATUS_HU    (1ull << 9)
#define RV_HSTATUS_VGEIN (0x3full << 12)
#define RV_HSTATUS_VTVM  (1ull << 20)
#define RV_HSTATUS_VTW   (1ull << 21)
#define RV_HSTATUS_VTSR  (1ull << 22)
#define RV_HSTATUS_VSXL  (3ull << 32)

/* Marks the FP state dirty (mstatus.FS = Dirty, SD set; vsstatus too when V=1). */
void rv_fs_dirty(struct rv_cpu *rv);

#endif
