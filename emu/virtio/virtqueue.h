/*
 * Split virtqueues, device side (virtio 1.2 §2.7): descriptor table,
 * available ring and used ring in guest RAM, with indirect descriptors
 * (VIRTIO_F_INDIRECT_DESC, §2.7.5.3) and notification suppression by
 * event index (VIRTIO_F_EVENT_IDX, §2.7.7, §2.7.10).
 *
 * Everything the driver wrote is untrusted. Rings are checked to lie in
 * RAM when the queue is enabled; every descriptor is checked when a chain
 * is popped. A malformed queue marks itself broken and tells its sink
 * once; the transport then sets DEVICE_NEEDS_RESET.
 *
 *   struct virtq_chain c;
 *   virtq_chain_init(&c);
 *   while (virtq_pop(vq, &c) > 0) {
 *       virtq_chain_read(vq, &c, 0, hdr, sizeof(hdr));
 *       virtq_chain_write(vq, &c, 0, reply, n);
 *       virtq_push(vq, &c, n);
 *   }
 *   virtq_notify(vq);
 *   virtq_chain_free(&c);
 */
#ifndef EMU_VIRTIO_VIRTQUEUE_H
#define EMU_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

struct machine;
struct virtq;

#define VIRTQ_SIZE_MAX 32768u

/* Descriptor flags, §2.7.5. */
#define VIRTQ_DESC_F_NEXT     1u
#define VIRTQ_DESC_F_WRITE    2u
#define VIRTQ_DESC_F_INDIRECT 4u
/* §2.7.6 and §2.7.8 */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
#define VIRTQ_USED_F_NO_NOTIFY     1u

#define VIRTQ_DESC_SIZE 16u
#define VIRTQ_USED_ELEM_SIZE 8u

/* Guest-visible sizes of the three parts for a queue of num entries,
 * including the event-index words (§2.7). */
static inline uint64_t virtq_desc_bytes(uint32_t num) { return (uint64_t)VIRTQ_DESC_SIZE * num; }
static inline uint64_t virtq_avail_bytes(uint32_t num) { return 6 + 2 * (uint64_t)num; }
static inline uint64_t virtq_used_bytes(uint32_t num) { return 6 + (uint64_t)VIRTQ_USED_ELEM_SIZE * num; }

/* §2.7.10: true when new_idx has moved past event since old. */
static inline bool virtq_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

/* How a queue reports to its transport. */
struct virtq_sink {
    void *transport;
    void (*used)(void *transport, struct virtq *vq);    /* raise a used-buffer interrupt */
    void (*broken)(void *transport, struct virtq *vq, const char *why);
};

struct virtq {
    struct machine *m;
    struct virtq_sink sink;
    unsigned index;
    uint16_t num_max;
    /* Written by the driver through the transport while !ready. */
    uint16_t num;
    uint64_t desc, avail, used;
    bool ready;
    /* Device-side state. */
    bool broken;
    bool event_idx, indirect;
    uint16_t last_avail;        /* next available-ring slot to consume */
    uint16_t used_idx;          /* our copy of used->idx */
    uint16_t signalled_used;    /* used_idx at the last notify decision (§2.7.10 old) */
};

struct virtq_seg {
    uint64_t addr;
    uint32_t len;
};

/* One popped descriptor chain: readable segments first, then writable. */
struct virtq_chain {
    uint16_t head;
    uint32_t nseg, nread;       /* seg[0..nread) readable, seg[nread..nseg) writable */
    uint64_t read_len, write_len;
    struct virtq_seg *seg;
    uint32_t cap;
};

void virtq_init(struct virtq *vq, struct machine *m, unsigned index, uint16_t num_max,
                const struct virtq_sink *sink);
/* Back to the state after device reset (§2.4): not ready, addresses 0. */
void virtq_reset(struct virtq *vq);

/* The driver wrote QueueReady = 1. Checks the rings with the negotiated
 * features; returns 0, or -1 after marking the queue broken. */
int virtq_enable(struct virtq *vq, uint64_t features);
void virtq_disable(struct virtq *vq);

void virtq_chain_init(struct virtq_chain *c);
void virtq_chain_free(struct virtq_chain *c);

/* Takes the next available chain: 1 when c holds one, 0 when the ring is
 * empty, -1 when the queue is (or just became) broken. */
int virtq_pop(struct virtq *vq, struct virtq_chain *c) __attribute__((warn_unused_result));

/* Copy from the readable part / into the writable part of a chain,
 * starting off bytes in. Return the bytes copied (short at the end of the
 * part), or -1 when guest memory went away. */
int64_t virtq_chain_read(struct virtq *vq, const struct virtq_chain *c, uint64_t off, void *buf,
                         uint64_t len);
int64_t virtq_chain_write(struct virtq *vq, const struct virtq_chain *c, uint64_t off,
                          const void *buf, uint64_t len);

/* Returns the chain to the driver with written bytes in its writable part
 * (clamped to write_len). 0, or -1 when the queue is broken. */
int virtq_push(struct virtq *vq, const struct virtq_chain *c, uint32_t written);

/* After a batch of pushes: interrupts the driver unless it suppressed it. */
void virtq_notify(struct virtq *vq);

/* Whether the driver wants a notification now (exposed for tests). */
bool virtq_should_notify(struct virtq *vq);

/* Snapshots and state hashes (core/snap.h): the queue's registers and
 * device-side indices; a chain a device holds between notifications (its
 * segments, re-allocated on load). Field names start with name. */
struct snap;
int virtq_snap(struct virtq *vq, struct snap *s, const char *name);
int virtq_chain_snap(struct virtq_chain *c, struct snap *s, const char *name);

#endif
