/*
 * Test-side split virtqueue driver (virtio 1.2 §2.7): lays out the rings
 * in a test machine's RAM and makes chains available, the way a guest
 * driver would, so that device-side code is driven through guest memory
 * only. Also writes deliberately broken descriptors for the error tests.
 */
#ifndef TESTS_UNIT_VIRTQ_DRIVER_H
#define TESTS_UNIT_VIRTQ_DRIVER_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "core/machine.h"
#include "virtio/virtqueue.h"

struct vqd {
    struct machine *m;
    uint64_t desc, avail, used;
    uint16_t num;
    uint16_t next_desc;     /* next free descriptor, handed out in order */
    uint16_t avail_idx;
    uint16_t last_used;
};

struct vqd_seg {
    uint64_t addr;
    uint32_t len;
    int write;
};

static inline void vqd_w16(struct machine *m, uint64_t a, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    ck_assert_int_eq(machine_phys_write(m, a, b, 2), 0);
}

static inline void vqd_w32(struct machine *m, uint64_t a, uint32_t v)
{
    vqd_w16(m, a, (uint16_t)v);
    vqd_w16(m, a + 2, (uint16_t)(v >> 16));
}

static inline void vqd_w64(struct machine *m, uint64_t a, uint64_t v)
{
    vqd_w32(m, a, (uint32_t)v);
    vqd_w32(m, a + 4, (uint32_t)(v >> 32));
}

static inline uint16_t vqd_r16(struct machine *m, uint64_t a)
{
    uint8_t b[2];
    ck_assert_int_eq(machine_phys_read(m, a, b, 2), 0);
    return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint32_t vqd_r32(struct machine *m, uint64_t a)
{
    return vqd_r16(m, a) | (uint32_t)vqd_r16(m, a + 2) << 16;
}

/* Rings at base: descriptors, then the available ring, then the used ring
 * on the next 4 KiB boundary. All zeroed. */
static inline void vqd_init(struct vqd *d, struct machine *m, uint64_t base, uint16_t num)
{
    static const uint8_t zero[64];
    memset(d, 0, sizeof(*d));
    d->m = m;
    d->num = num;
    d->desc = base;
    d->avail = base + virtq_desc_bytes(num);
    d->used = (d->avail + virtq_avail_bytes(num) + 0xfff) & ~0xfffull;
    for (uint64_t a = base; a < d->used + virtq_used_bytes(num); a += sizeof(zero))
        ck_assert_int_eq(machine_phys_write(m, a, zero, sizeof(zero)), 0);
}

/* Points a device-side queue at the driver's rings. */
static inline void vqd_attach(const struct vqd *d, struct virtq *vq)
{
    vq->num = d->num;
    vq->desc = d->desc;
    vq->avail = d->avail;
    vq->used = d->used;
}

static inline void vqd_write_desc_at(struct machine *m, uint64_t table, uint32_t i, uint64_t addr,
                                     uint32_t len, uint16_t flags, uint16_t next)
{
    uint64_t a = table + 16ull * i;
    vqd_w64(m, a, addr);
    vqd_w32(m, a + 8, len);
    vqd_w16(m, a + 12, flags);
    vqd_w16(m, a + 14, next);
}

static inline void vqd_write_desc(struct vqd *d, uint16_t i, uint64_t addr, uint32_t len,
                                  uint16_t flags, uint16_t next)
{
    vqd_write_desc_at(d->m, d->desc, i, addr, len, flags, next);
}

static inline void vqd_publish(struct vqd *d, uint16_t head)
{
    vqd_w16(d->m, d->avail + 4 + 2ull * (d->avail_idx % d->num), head);
    d->avail_idx++;
    vqd_w16(d->m, d->avail + 2, d->avail_idx);
}

/* Writes n segments as a linked chain in the descriptor table and makes
 * it available; returns its head. */
static inline uint16_t vqd_add_chain(struct vqd *d, const struct vqd_seg *s, unsigned n)
{
    uint16_t head = d->next_desc % d->num;
    for (unsigned k = 0; k < n; k++) {
        uint16_t i = (uint16_t)((head + k) % d->num);
        uint16_t flags = (uint16_t)((s[k].write ? VIRTQ_DESC_F_WRITE : 0) |
                                    (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
        vqd_write_desc(d, i, s[k].addr, s[k].len, flags, (uint16_t)((i + 1) % d->num));
    }
    d->next_desc = (uint16_t)(d->next_desc + n);
    vqd_publish(d, head);
    return head;
}

/* Writes n segments into an indirect table at table and makes one
 * descriptor pointing to it available; returns its head. */
static inline uint16_t vqd_add_indirect(struct vqd *d, uint64_t table, const struct vqd_seg *s, unsigned n)
{
    uint16_t head = d->next_desc % d->num;
    for (unsigned k = 0; k < n; k++) {
        uint16_t flags = (uint16_t)((s[k].write ? VIRTQ_DESC_F_WRITE : 0) |
                                    (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
        vqd_write_desc_at(d->m, table, k, s[k].addr, s[k].len, flags, (uint16_t)(k + 1));
    }
    vqd_write_desc(d, head, table, 16u * n, VIRTQ_DESC_F_INDIRECT, 0);
    d->next_desc++;
    vqd_publish(d, head);
    return head;
}

/* Takes the next used element; returns 1 with id/len, or 0 if none. */
static inline int vqd_get_used(struct vqd *d, uint32_t *id, uint32_t *len)
{
    if (vqd_r16(d->m, d->used + 2) == d->last_used)
        return 0;
    uint64_t e = d->used + 4 + 8ull * (d->last_used % d->num);
    *id = vqd_r32(d->m, e);
    *len = vqd_r32(d->m, e + 4);
    d->last_used++;
    return 1;
}

static inline void vqd_set_used_event(struct vqd *d, uint16_t v)
{
    vqd_w16(d->m, d->avail + 4 + 2ull * d->num, v);
}

static inline uint16_t vqd_avail_event(struct vqd *d)
{
    return vqd_r16(d->m, d->used + 4 + 8ull * d->num);
}

static inline void vqd_set_avail_flags(struct vqd *d, uint16_t flags)
{
    vqd_w16(d->m, d->avail, flags);
}

#endif
