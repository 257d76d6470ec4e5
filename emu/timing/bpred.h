/*
 * Branch prediction: a table of 2-bit saturating counters for the
 * direction of conditional branches, indexed by the branch address
 * (bimodal) or by the address XOR the global history of outcomes
 * (gshare), and a direct-mapped branch target buffer for indirect jumps.
 *
 * Direct targets (conditional branches, jal) are known once the
 * instruction is decoded and are not predicted; a conditional branch is
 * mispredicted when its direction is, an indirect jump when the BTB holds
 * no target for it or another one. Returns are indirect jumps (there is
 * no return address stack).
 *
 *   struct bpred b;
 *   bpred_init(&b, TIMING_BPRED_GSHARE, 4096, 12, 32);
 *   if (bpred_branch(&b, pc, taken)) cycles += penalty;
 */
#ifndef EMU_TIMING_BPRED_H
#define EMU_TIMING_BPRED_H

#include <stdbool.h>
#include <stdint.h>

#include "timing/model.h"

struct bpred_btb_entry {
    uint64_t pc;            /* the jump's address + 1 (0 = empty) */
    uint64_t target;
};

struct bpred {
    enum timing_bpred_kind kind;
    uint8_t *ctr;           /* 2-bit counters: 0, 1 predict not taken; 2, 3 taken */
    uint32_t ctr_mask;
    uint32_t history;       /* global outcomes, newest in bit 0 */
    uint32_t history_mask;
    struct bpred_btb_entry *btb;
    uint32_t btb_mask;
    uint64_t branches, branch_misses;
    uint64_t indirect, indirect_misses;
};

/* entries and btb_entries powers of two; history bits for gshare (the
 * model parser checks). Counters start weakly not taken. Returns 0 or -1
 * when out of memory. */
int bpred_init(struct bpred *b, enum timing_bpred_kind kind, uint32_t entries, uint32_t history_bits,
               uint32_t btb_entries);
void bpred_free(struct bpred *b);

/* A conditional branch at pc resolved taken or not: predicts, trains.
 * Returns true when the prediction was wrong. */
bool bpred_branch(struct bpred *b, uint64_t pc, bool taken);

/* An indirect jump at pc went to target: looks the BTB up, trains it.
 * Returns true when the BTB did not predict target. */
bool bpred_indirect(struct bpred *b, uint64_t pc, uint64_t target);

#endif
