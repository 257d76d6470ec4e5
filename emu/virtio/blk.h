/*
 * virtio block device (virtio 1.2 §5.2) on a raw image file:
 *   -device virtio-blk,file=PATH[,readonly=on|off][,discard=on|off][,snapshot=on|off][,serial=STR]
 *
 * snapshot=on keeps the guest's writes in memory (blk_disk.h). Requests
 * complete synchronously when the driver notifies, so what the
 * guest sees never depends on host I/O timing.
 *
 *   const struct virtio_dev_ops *ops;
 *   void *blk = virtio_blk_desc.create(&env, &opts, &ops, err);
 *   ...
 *   virtio_blk_desc.destroy(blk);
 */
#ifndef EMU_VIRTIO_BLK_H
#define EMU_VIRTIO_BLK_H

#include <stdint.h>

#include "virtio/registry.h"

struct virtio_blk_stats {
    uint64_t requests;          /* every request answered, whatever its status */
    uint64_t read_bytes;        /* data returned by VIRTIO_BLK_T_IN */
    uint64_t written_bytes;     /* data stored by VIRTIO_BLK_T_OUT */
    uint64_t flushes;
    uint64_t discards;          /* discard segments carried out */
    uint64_t write_zeroes;      /* write-zeroes segments carried out */
    uint64_t errors;            /* requests answered IOERR or UNSUPP */
};

extern const struct virtio_device_desc virtio_blk_desc;

struct virtio_blk_stats virtio_blk_get_stats(const void *dev);

#endif
