/*
 * pvpanic: the guest kernel's "I panicked" doorbell (QEMU's pvpanic
 * device, DT compatible "qemu,pvpanic-mmio", Linux drivers/misc/pvpanic).
 * A panic report stops the machine with MACHINE_STOP_PANIC, so a script
 * sees a failure status right after the panic text instead of a hang.
 *
 *   struct pvpanic *p = pvpanic_create(m);
 *   memmap_add_mmio(&m->map, 0x102000, PVPANIC_SIZE, &pvpanic_ops, p, "pvpanic", err);
 */
#ifndef EMU_DEV_PVPANIC_H
#define EMU_DEV_PVPANIC_H

#include "core/dev.h"

struct machine;
struct pvpanic;

#define PVPANIC_SIZE 2u

struct pvpanic *pvpanic_create(struct machine *m);
void pvpanic_destroy(void *p);

extern const struct dev_ops pvpanic_ops;

#endif
