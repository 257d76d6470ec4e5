/*
 * virtio over MMIO, modern interface (version 2), virtio 1.2 §4.2.
 *
 *   struct virtio_mmio *t = virtio_mmio_create(m, &rng_ops, rng, irq);
 *   memmap_add_mmio(&m->map, 0x10001000, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, t, "virtio", err);
 *   machine_add_device(m, "virtio-rng", &virtio_mmio_ops, t, virtio_mmio_destroy);
 */
#ifndef EMU_VIRTIO_VIRTIO_MMIO_H
#define EMU_VIRTIO_VIRTIO_MMIO_H

#include <stdint.h>

#include "core/dev.h"
#include "virtio/virtio.h"

struct json;
struct machine;
struct virtio_mmio;

#define VIRTIO_MMIO_SIZE 0x1000u

struct virtio_mmio *virtio_mmio_create(struct machine *m, const struct virtio_dev_ops *ops, void *dev,
                                       struct irq_line irq);
void virtio_mmio_destroy(void *t);

/* --stats of the device behind the transport: one object holding the
 * device's own members (dev_stats, may be NULL) and the transport's
 * counters, "notifications" (QueueNotify writes) and "interrupts" (rises
 * of its interrupt line). virtio_mmio_write_stats is a
 * machine_device.write_stats for the transport's entry. */
void virtio_mmio_set_stats(struct virtio_mmio *t, void (*dev_stats)(void *dev, struct json *j));
void virtio_mmio_write_stats(void *transport, struct json *j);

extern const struct dev_ops virtio_mmio_ops;

#endif
