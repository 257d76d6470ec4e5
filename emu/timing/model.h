/*
 * A timing model: what the modelled core charges for each operation
 * (format and meaning of every field: docs/timing.md).
 *
 * Semantics never add cycles. A front end tags every guest instruction
 * with an op class (exec/ir.h); the model maps classes to cycles, and a
 * TB's static cost is computed once at translation (timing_tb_cycles).
 * A detailed model also has caches, TLBs and a branch predictor, which
 * the engine consults at run time (timing/core.h) and whose penalties are
 * added to the vCPU's clock. The `fast` model has none of them: one cycle
 * per instruction, which is also what a NULL model means.
 *
 *   struct timing_model tm;
 *   struct emu_err err;
 *   if (timing_model_load("u74", &tm, &err) < 0)       name or file
 *       fprintf(stderr, "emu: %s\n", err.msg);
 */
#ifndef EMU_TIMING_MODEL_H
#define EMU_TIMING_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/log.h"
#include "exec/ir.h"

#define TIMING_NAME_MAX 48

/* One cache level. Latencies in core cycles: an access that hits here
 * costs `hit`; a miss adds `miss` (the lookup) before the next level is
 * asked. Replacement is LRU; allocation on every miss (loads, stores,
 * fetches and page-walk reads alike). */
struct timing_cache_cfg {
    bool present;
    uint32_t size;          /* bytes: ways * line * sets, sets a power of two */
    uint32_t ways;
    uint32_t line;          /* bytes, a power of two */
    uint32_t hit;
    uint32_t miss;
};

/* One TLB. `ways` == `entries` means fully associative. `hit` is what a
 * hit in the second-level TLB costs (first-level hits are free). */
struct timing_tlb_cfg {
    bool present;
    uint32_t entries;
    uint32_t ways;
    uint32_t hit;
};

enum timing_bpred_kind { TIMING_BPRED_NONE, TIMING_BPRED_BIMODAL, TIMING_BPRED_GSHARE };

struct timing_model {
    char name[TIMING_NAME_MAX];
    uint64_t core_hz;
    uint32_t class_cycles[OPC_COUNT];
    uint32_t issue_width;           /* single-cycle instructions issued per cycle */
    struct timing_cache_cfg l1i, l1d, l2, l3;
    uint32_t dram;                  /* cycles of a miss in the last cache level */
    struct timing_tlb_cfg itlb, dtlb, l2tlb;
    uint32_t walk;                  /* cycles of a page walk, besides its PTE reads */
    enum timing_bpred_kind bpred;
    uint32_t bpred_entries;         /* 2-bit counters, a power of two */
    uint32_t bpred_history;         /* gshare: global history bits */
    uint32_t btb_entries;           /* indirect-jump targets, direct mapped, a power of two */
    uint32_t mispredict;            /* cycles lost on a mispredicted branch or jump */
};

/* The built-in `fast` model: one cycle per instruction, 1 GHz. */
const struct timing_model *timing_model_fast(void);

/* Fills *out from a built-in model name (timing_model_names) or, when spec
 * names none, from the model file at path spec. Returns 0 or -1 with a
 * one-line message ("FILE:LINE: ..." for errors inside a file). */
int timing_model_load(const char *spec, struct timing_model *out, struct emu_err *err);

/* Parses model text; source names it in messages. Returns 0 or -1. */
int timing_model_parse(const char *text, const char *source, struct timing_model *out, struct emu_err *err);

/* The built-in models, NULL-terminated, and their text (NULL if unknown). */
extern const char *const timing_model_names[];
const char *timing_model_text(const char *name);

/* True when the model has caches, TLBs or a branch predictor: the engine
 * then calls the run-time hooks of timing/core.h. */
bool timing_model_detailed(const struct timing_model *tm);

/* Cycles an instruction of class cls adds to its TB's static cost: its
 * class latency, or for a load with a data cache the L1D hit latency (the
 * cache adds the rest at run time). */
uint32_t timing_insn_cycles(const struct timing_model *tm, enum op_class cls);

/*
 * Static cost of a TB holding n instructions of the given classes: the
 * single-cycle instructions issue issue_width per cycle, every other one
 * costs its full latency. With the fast model (or NULL) this is n.
 */
uint32_t timing_tb_cycles(const struct timing_model *tm, const uint8_t *classes, unsigned n);

#endif
