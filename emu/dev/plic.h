/*
 * SiFive-style PLIC (RISC-V PLIC specification 1.0.0), as on QEMU virt.
 *
 * Context c drives outputs[c]; on riscv-virt hart h has context 2h (its
 * M-mode external interrupt, MEIP) and 2h+1 (S-mode, SEIP). Sources are
 * level-triggered inputs 1..nsources-1; devices get lines from plic_irq:
 *
 *   struct irq_line ctx[2 * MACHINE_MAX_CPUS];   board fills MEIP/SEIP lines
 *   struct plic *p = plic_create(96, 2 * ncpus, ctx);
 *   memmap_add_mmio(&m->map, 0xc000000, 0x600000, &plic_ops, p, "plic", err);
 *   struct irq_line uart_irq = plic_irq(p, 10);
 */
#ifndef EMU_DEV_PLIC_H
#define EMU_DEV_PLIC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/dev.h"

#define PLIC_MAX_SOURCES 1024u
#define PLIC_MAX_CONTEXTS 15872u

struct plic;

/* nsources counts source 0 (which does not exist), so 96 gives 1..95.
 * outputs has ncontexts entries and is copied. NULL on bad sizes or no memory. */
struct plic *plic_create(unsigned nsources, unsigned ncontexts, const struct irq_line *outputs);
void plic_destroy(void *plic);

/* irq_set_fn for source lines: level-triggered gateway. Out-of-range
 * sources are ignored. */
void plic_set_source(void *plic, unsigned src, bool level);

static inline struct irq_line plic_irq(struct plic *p, unsigned src)
{
    return irq_line_make(plic_set_source, p, src);
}

extern const struct dev_ops plic_ops;

#endif
