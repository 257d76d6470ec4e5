/*
 * The IR's conditions, and its division and remainder ops with the
 * RISC-V definition (unprivileged spec, "M" extension, table 7.1: x/0 is
 * all ones, x%0 is x, overflow gives the dividend and remainder 0),
 * shared by the back ends (private to exec/).
 */
#ifndef EMU_EXEC_IR_ARITH_H
#define EMU_EXEC_IR_ARITH_H

#include <stdbool.h>
#include <stdint.h>

#include "exec/ir.h"

/* Whether cond (enum ir_cond) holds for a, b. */
static inline bool ir_cond_holds(unsigned cond, uint64_t a, uint64_t b)
{
    switch (cond) {
    case IR_EQ:  return a == b;
    case IR_NE:  return a != b;
    case IR_LT:  return (int64_t)a < (int64_t)b;
    case IR_GE:  return (int64_t)a >= (int64_t)b;
    case IR_LTU: return a < b;
    case IR_GEU: return a >= b;
    }
    return false;
}

static inline uint64_t div_s(uint64_t a, uint64_t b)
{
    if (b == 0)
        return UINT64_MAX;
    if ((int64_t)a == INT64_MIN && (int64_t)b == -1)
        return a;
    return (uint64_t)((int64_t)a / (int64_t)b);
}

static inline uint64_t rem_s(uint64_t a, uint64_t b)
{
    if (b == 0)
        return a;
    if ((int64_t)a == INT64_MIN && (int64_t)b == -1)
        return 0;
    return (uint64_t)((int64_t)a % (int64_t)b);
}

static inline uint64_t div_s32(uint64_t a, uint64_t b)
{
    int32_t x = (int32_t)a, y = (int32_t)b;
    if (y == 0)
        return UINT64_MAX;
    if (x == INT32_MIN && y == -1)
        return (uint64_t)(int64_t)x;
    return (uint64_t)(int64_t)(x / y);
}

static inline uint64_t rem_s32(uint64_t a, uint64_t b)
{
    int32_t x = (int32_t)a, y = (int32_t)b;
    if (y == 0)
        return (uint64_t)(int64_t)x;
    if (x == INT32_MIN && y == -1)
        return 0;
    return (uint64_t)(int64_t)(x % y);
}

static inline uint64_t div_u32(uint64_t a, uint64_t b)
{
    uint32_t x = (uint32_t)a, y = (uint32_t)b;
    return y ? (uint64_t)(int64_t)(int32_t)(x / y) : UINT64_MAX;
}

static inline uint64_t rem_u32(uint64_t a, uint64_t b)
{
    uint32_t x = (uint32_t)a, y = (uint32_t)b;
    return (uint64_t)(int64_t)(int32_t)(y ? x % y : x);
}

static inline uint64_t div_u(uint64_t a, uint64_t b)
{
    return b ? a / b : UINT64_MAX;
}

static inline uint64_t rem_u(uint64_t a, uint64_t b)
{
    return b ? a % b : a;
}

static inline uint64_t mulh_su(uint64_t a, uint64_t b)
{
    return (uint64_t)(((__int128)(int64_t)a * (__int128)(unsigned __int128)b) >> 64);
}

#endif
