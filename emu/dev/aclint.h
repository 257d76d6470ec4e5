/*
 * CLINT-layout machine timer and software interrupts (RISC-V ACLINT 1.0
 * MTIMER and MSWI devices at SiFive CLINT offsets), as on QEMU virt.
 *
 * mtime counts core cycles divided by time_ratio (100 for a 1 GHz core and
 * the 10 MHz virt timebase), so it is a pure function of virtual time.
 *
 *   struct aclint *c = aclint_create(m, ncpus, 100, mtip_lines, msip_lines);
 *   memmap_add_mmio(&m->map, 0x2000000, 0x10000, &aclint_ops, c, "clint", err);
 */
#ifndef EMU_DEV_ACLINT_H
#define EMU_DEV_ACLINT_H

#include <stdint.h>

#include "core/dev.h"

#define ACLINT_MAX_HARTS 4095u

struct machine;
struct aclint;

/* mtip[h] and msip[h] are hart h's MTIP and MSIP lines (copied).
 * NULL on nharts 0 or above ACLINT_MAX_HARTS, time_ratio 0, or no memory. */
struct aclint *aclint_create(struct machine *m, unsigned nharts, uint64_t time_ratio,
                             const struct irq_line *mtip, const struct irq_line *msip);
void aclint_destroy(void *aclint);

/* The mtime value now; CPUs read their time CSR through it, so a guest
 * write to mtime moves both. */
uint64_t aclint_mtime(const struct aclint *c);

extern const struct dev_ops aclint_ops;

#endif
