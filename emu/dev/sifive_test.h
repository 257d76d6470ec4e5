/*
 * SiFive test finisher (QEMU virt "sifive,test0"): the guest's way to power
 * off or reset the machine, used by OpenSBI and Linux through
 * syscon-poweroff (0x5555) and syscon-reboot (0x7777).
 *
 *   struct sifive_test *t = sifive_test_create(m);
 *   memmap_add_mmio(&m->map, 0x100000, 0x1000, &sifive_test_ops, t, "test", err);
 */
#ifndef EMU_DEV_SIFIVE_TEST_H
#define EMU_DEV_SIFIVE_TEST_H

#include "core/dev.h"

struct machine;
struct sifive_test;

struct sifive_test *sifive_test_create(struct machine *m);
void sifive_test_destroy(void *test);

extern const struct dev_ops sifive_test_ops;

#endif
