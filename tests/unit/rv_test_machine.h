/*
 * A machine with one riscv hart (the default rv64 model, or the -cpu
 * string given) and RAM, for the cpu-riscv unit tests.
 *
 *   struct machine *m = rv_test_machine(0x80000000, 1 << 20, 10);
 *   struct machine *mh = rv_test_machine_model(0x80000000, 1 << 20, 10, "rv64,h=on");
 *   struct rv_cpu *rv = rv_of(m->cpus[0]);
 *   ...
 *   rv_test_machine_free(m);
 */
#ifndef EMU_TESTS_RV_TEST_MACHINE_H
#define EMU_TESTS_RV_TEST_MACHINE_H

#include <check.h>
#include <stdlib.h>

#include "core/machine.h"
#include "core/memmap.h"
#include "cpu-riscv/rv.h"

static inline struct machine *rv_test_machine_model(uint64_t ram_base, uint64_t ram_size, uint64_t time_ratio,
                                                    const char *model)
{
    struct machine_config cfg = { .board = "test", .ram_size = ram_size, .ncpus = 1 };
    struct emu_err err;
    struct rv_ext ext;
    struct machine *m = calloc(1, sizeof(*m));
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(machine_init(m, &cfg, &err), 0);
    ck_assert_int_eq(memmap_add_ram(&m->map, ram_base, ram_size, "ram", &err), 0);
    ck_assert_int_eq(rv_parse_cpu_model(model, &ext, &err), 0);
    struct cpu *cpu = rv_cpu_create(m, 0, &ext, time_ratio);
    ck_assert_ptr_nonnull(cpu);
    m->cpus[0] = cpu;
    m->ncpus = 1;
    return m;
}

static inline struct machine *rv_test_machine(uint64_t ram_base, uint64_t ram_size, uint64_t time_ratio)
{
    return rv_test_machine_model(ram_base, ram_size, time_ratio, "rv64");
}

static inline void rv_test_machine_free(struct machine *m)
{
    machine_destroy(m);
    free(m);
}

#endif
