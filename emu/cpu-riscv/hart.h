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

struct rv_hart {
    struct rv_cpu rv;               /* first: rv_cpu and cpu views */
    /* mcycle/minstret: while counting, the CSR reads base + count; while
     * inhibited by mcountinhibit, base holds the frozen value itself. */
    uint64_t mcycle_base, minstret_base;
    uint64_t stimer_event;          /* evq id of the Sstc compare, 0 when none */
    /* Largest leaf the walker has put in the soft TLB, which holds 4 KiB
     * pieces: SFENCE.VMA of one address must drop every piece of it. */
    uint64_t max_leaf_size;
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
    RV_CSR_MSTATUS = 0x300, RV_CSR_MISA = 0x301, RV_CSR_MEDELEG = 0x302,
    RV_CSR_MIDELEG = 0x303, RV_CSR_MIE = 0x304, RV_CSR_MTVEC = 0x305,
    RV_CSR_MCOUNTEREN = 0x306, RV_CSR_MENVCFG = 0x30a,
    RV_CSR_MCOUNTINHIBIT = 0x320, RV_CSR_MHPMEVENT3 = 0x323,
    RV_CSR_MSCRATCH = 0x340, RV_CSR_MEPC = 0x341, RV_CSR_MCAUSE = 0x342,
    RV_CSR_MTVAL = 0x343, RV_CSR_MIP = 0x344,
    RV_CSR_PMPCFG0 = 0x3a0, RV_CSR_PMPADDR0 = 0x3b0,
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

/* The S-level interrupt bits mideleg can delegate (§3.1.8). */
#define RV_MIP_S_BITS ((1ull << RV_IRQ_SSI) | (1ull << RV_IRQ_STI) | (1ull << RV_IRQ_SEI))
#define RV_MIP_ALL    (RV_MIP_S_BITS | (1ull << RV_IRQ_MSI) | (1ull << RV_IRQ_MTI) | (1ull << RV_IRQ_MEI))

/* csr.c */
/* CSR access without the privilege rules, for debuggers and set_reg. */
int rv_csr_get(struct rv_cpu *rv, unsigned csr, uint64_t *val);
int rv_csr_set(struct rv_cpu *rv, unsigned csr, uint64_t val);
/* mip as software sees it: software bits, device lines and the Sstc compare. */
uint64_t rv_mip_visible(const struct rv_cpu *rv);
/* Sstc: reposts the stimecmp event after stimecmp, menvcfg.STCE or time changed. */
void rv_stimer_update(struct rv_cpu *rv);
/* Resets the CSR state (priv spec 1.12 §3.4). */
void rv_csr_reset(struct rv_cpu *rv);

/* walk.c */
/* Drops every soft-TLB piece of the leaf that may map va (SFENCE.VMA rs1). */
void rv_tlb_flush_va(struct rv_cpu *rv, uint64_t va);

/* trap.c */
/* Enters the trap handler for cause (an exception, or an interrupt when
 * irq), with epc the pc to return to. */
void rv_trap_enter(struct rv_cpu *rv, unsigned cause, bool irq, uint64_t tval, uint64_t epc);

#endif
