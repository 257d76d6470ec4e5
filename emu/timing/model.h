/*
 * The timing model: how many cycles each operation class costs.
 *
 * Semantics never add cycles. A front end tags every guest instruction
 * with an op class (exec/ir.h); the model maps classes to latencies, and a
 * TB's static cost is their sum, computed once at translation. With no
 * model (NULL), every instruction costs one cycle: the `fast` model.
 */
#ifndef EMU_TIMING_MODEL_H
#define EMU_TIMING_MODEL_H

#include <stdint.h>

#include "exec/ir.h"

struct timing_model {
    const char *name;
    uint64_t core_hz;
    uint32_t class_cycles[OPC_COUNT];
};

/* The built-in `fast` model: one cycle per instruction, 1 GHz. */
const struct timing_model *timing_model_fast(void);

static inline uint32_t timing_class_cycles(const struct timing_model *tm, enum op_class cls)
{
    return tm ? tm->class_cycles[cls] : 1;
}

#endif
