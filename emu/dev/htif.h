/*
 * Berkeley HTIF host interface (the tohost/fromhost words of riscv-tests,
 * riscv-pk and Spike's fesvr). Not memory-mapped: the device polls the
 * tohost word in guest RAM every HTIF_POLL_CYCLES cycles of virtual time.
 *
 *   struct htif *h = htif_create(m, tohost_addr, fromhost_addr, m->console);
 *   machine_add_device(m, "htif", &htif_ops, h, htif_destroy);
 *
 * fromhost may be 0 when the image has no fromhost symbol; commands that
 * need an answer then get none.
 */
#ifndef EMU_DEV_HTIF_H
#define EMU_DEV_HTIF_H

#include <stdint.h>

#include "core/dev.h"

#define HTIF_POLL_CYCLES 1000u

struct machine;
struct chardev;
struct htif;

struct htif *htif_create(struct machine *m, uint64_t tohost, uint64_t fromhost, struct chardev *ch);
void htif_destroy(void *htif);

/* reset only: HTIF has no registers of its own. */
extern const struct dev_ops htif_ops;

#endif
