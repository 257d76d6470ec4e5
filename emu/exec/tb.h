/*
 * Translation blocks and their cache (private to exec/).
 *
 * TBs live in one arena and are never freed one by one: an invalidated TB
 * is unlinked from the hash and marked invalid (chained jumps check the
 * mark), and the whole arena is reset when it fills up. So a TB pointer
 * stays dereferenceable until the next full flush, which only happens
 * between TBs.
 */
#ifndef EMU_EXEC_TB_H
#define EMU_EXEC_TB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/machine.h"
#include "exec/exec.h"
#include "exec/ir.h"
#include "exec/jit.h"
#include "timing/model.h"

struct tb_class_count {
    uint8_t cls;                /* enum op_class */
    uint8_t n;                  /* at most IR_MAX_INSNS */
};

struct tb {
    /* What running it touches first, together at its start: */
    uint64_t pc;                /* guest virtual address of the first insn */
    uint32_t flags;             /* exec_isa.tb_flags at translation */
    uint32_t cycles;            /* static cost of running it whole */
    uint16_t ninsns, nops;
    bool invalid;
    uint8_t nclass_counts;
    /* The op classes of its instructions as (class, count) pairs, so that
     * running it adds to the vCPU's per-class counts once per class, not
     * once per instruction. */
    struct tb_class_count class_counts[OPC_COUNT];
    struct tb *jmp[2];          /* chained successors by jump slot */
    uint64_t phys_page[2];      /* physical pages the code came from; [1] = UINT64_MAX if one */
    uint8_t fetch_mmu_idx;      /* for the timing model's fetch: regime, */
    uint16_t fetch_len;         /* bytes of code, */
    uint64_t fetch_pa;          /* physical address of the first byte */
    struct tb *hash_next;
    struct tb *page_next[2];    /* other TBs on phys_page[i] */
    const uint16_t *insn_off;   /* byte offset of each insn from pc */
    const uint8_t *insn_class;
    jit_code_fn jit;            /* host code of the ops, or NULL: interpret them */
    const void *jit_body;       /* where chained host code enters it (past the prologue) */
    struct ir_op ops[];
};

#define EXEC_HASH_BITS 15
#define EXEC_PAGE_HASH_BITS 12

/* A physical page holding translated code: its TBs, and which of its
 * bytes they were made from, so that a store next to code (data sharing
 * the page, as in firmware) does not throw the code away. */
struct code_page {
    uint64_t page;
    struct tb *tbs;
    struct code_page *next;
    uint64_t code_bytes[4096 / 64];     /* bit per byte */
};

struct exec_cache {
    uint8_t *arena;
    size_t arena_size, arena_used;
    struct tb *hash[1u << EXEC_HASH_BITS];
    struct code_page *pages[1u << EXEC_PAGE_HASH_BITS];
    struct ir_builder builder;
    struct jit *jit;            /* NULL: every TB is interpreted */
    uint64_t flushes;
    /* The machine's timing model (m->timing points here once selected)
     * and, when it is detailed, each vCPU's state, made on its first run. */
    struct timing_model model;
    bool timed;
    bool timing_nomem;          /* the warning about it was given */
    struct timing_cpu *tcpu[MACHINE_MAX_CPUS];
};

struct machine;

/* The TB cache; with_jit: compile TBs to host code when the host can. */
struct exec_cache *exec_cache_create(size_t arena_size, bool with_jit);
void exec_cache_destroy(struct exec_cache *c);

/* Finds or translates the TB for cpu's current pc; NULL with cpu->fault set
 * when the pc cannot be fetched. */
struct tb *tb_find(struct cpu *cpu, uint64_t pc, uint32_t flags);

/* A detailed timing model gives the vCPU its caches, TLBs and predictor
 * on its first run (or snapshot). False when there is no memory for them. */
bool exec_timing_ready(struct cpu *cpu);

/* Rewrites a new TB's ops into the interpreter's dispatch codes; after
 * it, tb->ops are the interpreter's and no longer plain IR. */
void interp_prepare(struct tb *tb);

/* Runs one TB; returns a chained successor to run next, or NULL. *link is
 * set to the jump slot the TB left through when that slot may be chained. */
struct tb *interp_run_tb(struct cpu *cpu, struct tb *tb, struct tb ***link);

/* Leaves a TB at its instruction insn, which faulted (cpu->fault): the
 * instruction count is rewound to it and the ISA takes the fault there. */
void tb_fault_at(struct cpu *cpu, const struct tb *tb, unsigned insn);

#endif
