/* Built-in timing models (see model.h). */
#include "timing/model.h"

static const struct timing_model model_fast = {
    .name = "fast",
    .core_hz = 1000000000ull,
    .class_cycles = {
        [OPC_INT_ALU] = 1, [OPC_INT_MUL] = 1, [OPC_INT_DIV] = 1, [OPC_LOAD] = 1, [OPC_STORE] = 1,
        [OPC_BRANCH] = 1, [OPC_JUMP] = 1, [OPC_FP_ADD] = 1, [OPC_FP_MUL] = 1, [OPC_FP_DIV] = 1,
        [OPC_FP_SQRT] = 1, [OPC_FP_MISC] = 1, [OPC_CSR] = 1, [OPC_SYSTEM] = 1, [OPC_FENCE] = 1,
        [OPC_ATOMIC] = 1,
    },
};

const struct timing_model *timing_model_fast(void)
{
    return &model_fast;
}
