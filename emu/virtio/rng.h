/*
 * virtio entropy device (virtio 1.2 §5.4): -device virtio-rng[,seed=N].
 *
 * The bytes come from core/prng seeded by seed=N, or by default from the
 * machine's --seed mixed with the device's index, so a run repeats
 * exactly and two rng devices of one machine still differ.
 *
 *   const struct virtio_dev_ops *ops;
 *   void *rng = virtio_rng_desc.create(&env, &opts, &ops, err);
 */
#ifndef EMU_VIRTIO_RNG_H
#define EMU_VIRTIO_RNG_H

#include <stdint.h>

#include "virtio/registry.h"

struct virtio_rng_stats {
    uint64_t requests;          /* buffers returned to the driver */
    uint64_t bytes;             /* random bytes written into them */
};

extern const struct virtio_device_desc virtio_rng_desc;

struct virtio_rng_stats virtio_rng_get_stats(const void *dev);

#endif
