/*
 * The device side of virtio (virtio spec 1.2): what a virtio device model
 * (blk, net, console, ...) implements, independent of its transport.
 *
 * A device is its own state plus a const struct virtio_dev_ops. The
 * transport (virtio_mmio.c, later PCI) owns the status register, feature
 * negotiation and the queues, and calls the device back:
 *
 *   static const struct virtio_dev_ops rng_ops = {
 *       .device_id = VIRTIO_ID_RNG, .num_queues = 1, .queue_size_max = 256,
 *       .features = rng_features, .queue_notify = rng_notify, .reset = rng_reset,
 *   };
 *
 *   static int rng_notify(void *dev, struct virtq *vq)
 *   {
 *       struct virtq_chain c;
 *       int r;
 *       virtq_chain_init(&c);
 *       while ((r = virtq_pop(vq, &c)) > 0) {
 *           ... virtq_chain_write(vq, &c, 0, bytes, n) ...
 *           virtq_push(vq, &c, n);
 *       }
 *       virtq_notify(vq);
 *       virtq_chain_free(&c);
 *       return r;
 *   }
 *
 * A device never sees guest addresses except through a struct virtq_chain
 * whose segments the virtqueue code has already checked to lie in RAM.
 */
#ifndef EMU_VIRTIO_VIRTIO_H
#define EMU_VIRTIO_VIRTIO_H

#include <stdint.h>

struct snap;
struct virtq;

/* Device IDs, virtio 1.2 §5. */
#define VIRTIO_ID_NET     1u
#define VIRTIO_ID_BLOCK   2u
#define VIRTIO_ID_CONSOLE 3u
#define VIRTIO_ID_RNG     4u
#define VIRTIO_ID_BALLOON 5u

/* Reserved feature bits, virtio 1.2 §6. */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1     32
#define VIRTIO_F_ACCESS_PLATFORM 33

#define VIRTIO_BIT(n) (1ull << (n))

/* Device status bits, virtio 1.2 §2.1. */
#define VIRTIO_STATUS_ACKNOWLEDGE        1u
#define VIRTIO_STATUS_DRIVER             2u
#define VIRTIO_STATUS_DRIVER_OK          4u
#define VIRTIO_STATUS_FEATURES_OK        8u
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED             128u

/* What the transport offers the device: a way to announce a change of its
 * configuration space (virtio 1.2 §2.5) and to reach its queues later,
 * e.g. to complete a request from a timer event. */
struct virtio_bus {
    void *transport;
    void (*config_changed)(void *transport);
    struct virtq *(*queue)(void *transport, unsigned index);
};

struct virtio_dev_ops {
    uint32_t device_id;
    unsigned num_queues;
    uint16_t queue_size_max;     /* a power of two, at most 32768 */
    uint32_t config_size;        /* bytes of device configuration space */
    /* Device-specific feature bits this instance offers; the transport
     * adds VERSION_1, INDIRECT_DESC and EVENT_IDX itself. */
    uint64_t (*features)(void *dev);
    /* Called once when the driver sets FEATURES_OK with what it accepted;
     * a nonzero return refuses the set (FEATURES_OK stays clear). */
    int      (*features_ok)(void *dev, uint64_t features);
    /* off < config_size, size 1, 2, 4 or 8 and off + size <= config_size. */
    uint64_t (*config_read)(void *dev, uint32_t off, unsigned size);
    void     (*config_write)(void *dev, uint32_t off, uint64_t val, unsigned size);
    /* The driver made buffers available. Return -1 if the queue turned out
     * malformed (virtq_pop failed); the transport then asks for a reset. */
    int      (*queue_notify)(void *dev, struct virtq *vq);
    /* The driver wrote 0 to status: forget every request in flight. */
    void     (*reset)(void *dev);
    /* Called once when the transport is created. */
    void     (*attach)(void *dev, const struct virtio_bus *bus);
    /* Snapshots and state hashes (core/snap.h): the device's own state,
     * inside its transport's section, after the queues. A device without
     * them cannot be saved. */
    int      (*save)(void *dev, struct snap *s);
    int      (*load)(void *dev, struct snap *s);
};

#endif
