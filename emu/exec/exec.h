/*
 * The execution layer shared by all ISAs: the vCPU base structure, the TB
 * cache, the per-vCPU run loop and the memory access slow paths.
 *
 * An ISA embeds struct cpu first in its own state and provides two tables:
 * struct cpu_ops (the machine's view: reset, run, irq lines, registers,
 * snapshots) and struct exec_isa (the engine's view: translation, page
 * walks, exceptions, interrupts).
 *
 * Exceptions are values: a helper or slow path that faults fills cpu->fault
 * and sets fault.pending; the back end then abandons the TB, rewinds the
 * instruction count to the faulting instruction and calls
 * isa->take_fault(cpu, pc_of_that_instruction).
 */
#ifndef EMU_EXEC_EXEC_H
#define EMU_EXEC_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "exec/ir.h"
#include "mmu/tlb.h"

struct machine;
struct snap;
struct cpu;
struct tb;
struct timing_cpu;
struct timing_model;
struct emu_err;

struct json;

struct cpu_ops {
    void     (*reset)(struct cpu *);
    /* Runs until cpu->cycles >= until_cycle or the machine must act. Returns cycles. */
    uint64_t (*run)(struct cpu *, uint64_t until_cycle);
    void     (*set_irq)(struct cpu *, unsigned line, bool level);
    int      (*get_reg)(struct cpu *, uint64_t id, void *val);  /* -EINVAL on a bad id */
    int      (*set_reg)(struct cpu *, uint64_t id, const void *val);
    int      (*save)(struct cpu *, struct snap *);
    int      (*load)(struct cpu *, struct snap *);
    void     (*destroy)(struct cpu *);
    /* Adds ISA-specific members to the vCPU's --stats object; may be NULL. */
    void     (*write_stats)(struct cpu *, struct json *);
    /* The vCPU's cycles by execution mode as its ISA counts them: fills
     * cycles[0 .. n-1] (at most CPU_MAX_MODES), which sum to cpu->cycles,
     * points *names at the n mode names (e.g. "m", "s", "u") and returns
     * n; may be NULL (no split). */
    unsigned (*mode_cycles)(struct cpu *, uint64_t *cycles, const char *const **names);
};

#define CPU_MAX_MODES 8u

/* The result of a page walk, installed in the soft TLB by the engine. */
struct tlb_fill {
    uint64_t phys;          /* guest physical address of the access */
    uint64_t page_size;     /* size of the mapping (>= 4 KiB, a power of two) */
    bool allow[3];          /* may the entry also serve read / write / exec at this mmu_idx? */
};

/*
 * A page walk as the timing model sees it (exec_isa.walk_trace): the
 * physical addresses of the PTEs the walk reads, in order, and the size of
 * the page it maps. With two-stage translation the list holds the reads of
 * both stages.
 */
#define EXEC_WALK_MAX_PTES 40     /* riscv Sv57 under Sv57x4 reads 5 * (5 + 1) + 5 */
struct exec_walk_trace {
    uint64_t page_size;     /* size of the leaf mapping */
    unsigned npte;          /* 0: this regime does not translate (e.g. bare) */
    uint64_t pte_pa[EXEC_WALK_MAX_PTES];
};

/* TB flag bit the engine reserves: a TB of exactly one instruction (to stop
 * at an exact instruction count, or to single-step). ISAs leave it clear. */
#define EXEC_TBF_ONE_INSN (1u << 31)

struct exec_isa {
    const char *name;
    unsigned pc_slot;       /* IR slot holding the guest pc */
    /* Translation-relevant mode bits; part of the TB key. */
    uint32_t (*tb_flags)(struct cpu *);
    /* The mmu_idx used for instruction fetch under these flags. */
    unsigned (*fetch_mmu_idx)(struct cpu *, uint32_t flags);
    /* Emits the IR of one TB at pc into b. Returns 0, or -1 when not even
     * the first instruction could be fetched (cpu->fault is then set). */
    int (*translate)(struct cpu *, struct ir_builder *b, uint64_t pc, uint32_t flags);
    /* Page walk for va. Returns 0 and fills *out, or -1 with cpu->fault set
     * to the ISA's fault for that access. */
    int (*tlb_fill)(struct cpu *, uint64_t va, enum tlb_access acc, unsigned mmu_idx, struct tlb_fill *out);
    /* A physical access went nowhere (no region, or a ROM write): set cpu->fault. */
    void (*bus_fault)(struct cpu *, uint64_t va, enum tlb_access acc);
    /* Delivers cpu->fault as an exception taken at pc. */
    void (*take_fault)(struct cpu *, uint64_t pc);
    /* At a TB boundary: takes a pending enabled interrupt (adjusting the
     * pc) and leaves cpu->halted false when one is pending. */
    void (*check_irq)(struct cpu *);
    /* Optional, for the timing model's TLBs (without it they stay off):
     * describes the walk an access at va would make now, reading the PTEs
     * with no side effect (no A/D update, no fault raised). Returns 0 with
     * *out filled (npte 0 when mmu_idx does not translate), or -1 when the
     * walk would fault (npte: the PTEs read until then). */
    int (*walk_trace)(struct cpu *, uint64_t va, enum tlb_access acc, unsigned mmu_idx,
                      struct exec_walk_trace *out);
};

struct cpu_fault {
    bool pending;
    uint32_t code;          /* ISA-defined cause */
    uint64_t tval, tval2;   /* ISA-defined extra values */
};

#define EXEC_JMP_CACHE_BITS 12

/* The jump cache slot of a pc (the JIT computes the same inline). */
static inline unsigned jmp_index(uint64_t pc)
{
    return (unsigned)((pc >> 1) ^ (pc >> (EXEC_JMP_CACHE_BITS + 1))) & ((1u << EXEC_JMP_CACHE_BITS) - 1);
}

struct cpu {
    uint64_t r[IR_NSLOTS];          /* IR slots: ISA globals, then temps */
    const struct cpu_ops *ops;
    const struct exec_isa *isa;
    struct machine *m;
    unsigned index;
    uint64_t cycles;                /* modelled cycles of this vCPU */
    uint64_t insns;                 /* retired instructions */
    uint64_t until;                 /* current budget end */
    uint64_t insn_limit;            /* stop at this instruction count (--max-insns), else UINT64_MAX */
    bool exit_request;              /* leave the TB loop at the next boundary */
    bool irq_check;                 /* interrupt state changed: call isa->check_irq */
    bool halted;                    /* waiting for an interrupt (WFI) */
    struct cpu_fault fault;
    struct timing_cpu *tc;          /* detailed timing model state; NULL with a static model */
    struct tlb tlb;
    struct tb *jmp_cache[1u << EXEC_JMP_CACHE_BITS];   /* by virtual pc; flushed with the TLB */
    /* Statistics. */
    uint64_t stat_tbs_translated;
    uint64_t stat_exceptions;
    uint64_t stat_interrupts;
    uint64_t stat_wfi_cycles;
    uint64_t stat_class[OPC_COUNT];
};

/* Initialises the base part; the ISA sets ops, isa and its own state. */
void cpu_base_init(struct cpu *cpu, struct machine *m, unsigned index);

/* The shared run loop; ISAs use it as their cpu_ops.run. */
uint64_t exec_run(struct cpu *cpu, uint64_t until);

/*
 * Selects the timing model (timing/model.h) of machine m: tm is copied,
 * m->timing points to the copy, m->cfg.core_hz takes the model's clock,
 * and translated code is dropped (static costs depend on the model). Call
 * before the board creates its devices, which read the clock. With a
 * detailed model each vCPU gets its caches, TLBs and predictor when it
 * first runs. exec_select_timing loads the model by name or from a file
 * first (timing_model_load) and returns 0, or -1 with a message in err.
 *
 *   if (exec_select_timing(m, "u74", &err) < 0) ...;
 */
void exec_set_timing(struct machine *m, const struct timing_model *tm);
int exec_select_timing(struct machine *m, const char *spec, struct emu_err *err);

/* Saves, loads or hashes the detailed timing model's state of cpu (its
 * caches, TLBs, predictor and counters) into s, for snapshots: a restored
 * run then charges what the uninterrupted one would. Nothing under a
 * static model. Returns snap_status(s). */
int exec_timing_snap(struct cpu *cpu, struct snap *s);

/* Both the soft TLB and the jump cache; call on every translation change. */
void exec_flush_tlb(struct cpu *cpu);
void exec_flush_tlb_mmu(struct cpu *cpu, unsigned mmu_idx);
void exec_flush_tlb_page(struct cpu *cpu, uint64_t va);

/*
 * For the timing model's TLBs (timing/core.h), from the ISA, when guest
 * translations change without a soft-TLB flush through the calls above:
 * a fence drops the modelled entries of va, or all of them; a context
 * switch names the context (e.g. riscv: the ASID from satp) the regimes
 * in idx_mask translate in from now on. No-ops under a static model.
 */
void exec_timing_tlb_fence(struct cpu *cpu, bool has_va, uint64_t va);
void exec_timing_tlb_context(struct cpu *cpu, uint32_t idx_mask, uint32_t ctx);

/* Drops all translated code (FENCE.I when a TB could be stale, cache full). */
void exec_flush_code(struct machine *m);
/* Invalidates translated code overlapping guest physical [addr, addr+len). */
void exec_invalidate_phys(struct machine *m, uint64_t addr, uint64_t len);

/*
 * Memory accesses from helpers and front ends. Each returns 0, or -1 with
 * cpu->fault set (page fault, access fault). Misaligned accesses are
 * carried out bytewise; the ISA decides before calling whether they trap.
 */
int exec_load(struct cpu *cpu, uint64_t va, unsigned memop, unsigned mmu_idx, uint64_t *val)
    __attribute__((warn_unused_result));
int exec_store(struct cpu *cpu, uint64_t va, unsigned memop, unsigned mmu_idx, uint64_t val)
    __attribute__((warn_unused_result));
/* Host pointer to a naturally aligned RAM location for a read-modify-write
 * (atomics): translated for write, code on the page invalidated. Returns
 * NULL with cpu->fault set; MMIO gets an access fault via isa->bus_fault. */
void *exec_rmw_ptr(struct cpu *cpu, uint64_t va, unsigned size, unsigned mmu_idx)
    __attribute__((warn_unused_result));
/* Translates va for acc without touching memory (e.g. cache-block ops). */
int exec_translate(struct cpu *cpu, uint64_t va, enum tlb_access acc, unsigned mmu_idx, uint64_t *phys)
    __attribute__((warn_unused_result));
/* Fetches a 16-bit parcel of code for the translator. */
int exec_fetch16(struct cpu *cpu, uint64_t va, unsigned mmu_idx, uint16_t *val)
    __attribute__((warn_unused_result));

/* Raises a fault on behalf of an ISA (helpers use their ISA's wrapper). */
static inline void cpu_fault_set(struct cpu *cpu, uint32_t code, uint64_t tval, uint64_t tval2)
{
    cpu->fault.pending = true;
    cpu->fault.code = code;
    cpu->fault.tval = tval;
    cpu->fault.tval2 = tval2;
}

/* Asks the vCPU to leave its TB loop at the next boundary (interrupt
 * state changed, the machine must act). */
static inline void cpu_kick(struct cpu *cpu)
{
    cpu->exit_request = true;
}

#endif
