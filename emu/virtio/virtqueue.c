/*
 * Split virtqueues, device side (virtio 1.2 §2.7).
 *
 * Layout in guest RAM for a queue of num entries (§2.7.5, §2.7.6, §2.7.8):
 *   descriptor table  16 * num   align 16   {addr le64, len le32, flags le16, next le16}
 *   available ring    6 + 2*num  align 2    {flags, idx, ring[num], used_event}
 *   used ring         6 + 8*num  align 4    {flags, idx, ring[num] {id le32, len le32}, avail_event}
 *
 * Guest memory is reached only through machine_phys_read/write, which
 * refuse anything outside RAM/ROM; buffer and ring ranges are also checked
 * against RAM up front so that a bad chain is refused before the device
 * acts on any part of it.
 */
#include "virtio/virtqueue.h"

#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "core/snap.h"
#include "virtio/virtio.h"

#define VIRTQ_CHAIN_CAP0 16u

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16; }
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }

/* [addr, addr+len) lies wholly inside one RAM region. len 0 is fine anywhere. */
static bool virtq_in_ram(const struct virtq *vq, uint64_t addr, uint64_t len)
{
    if (len == 0)
        return true;
    if (addr + len < addr)
        return false;
    const struct mem_region *r = memmap_find(&vq->m->map, addr);
    return r && r->kind == MEM_RAM && memmap_host_ptr(&vq->m->map, addr, len) != NULL;
}

static int virtq_fail(struct virtq *vq, const char *why)
{
    if (!vq->broken) {
        vq->broken = true;
        if (vq->sink.broken)
            vq->sink.broken(vq->sink.transport, vq, why);
    }
    return -1;
}

static int virtq_read16(struct virtq *vq, uint64_t addr, uint16_t *v)
{
    uint8_t b[2];
    if (machine_phys_read(vq->m, addr, b, 2) != 0)
        return virtq_fail(vq, "ring left RAM");
    *v = le16(b);
    return 0;
}

static int virtq_write16(struct virtq *vq, uint64_t addr, uint16_t v)
{
    uint8_t b[2];
    put16(b, v);
    if (machine_phys_write(vq->m, addr, b, 2) != 0)
        return virtq_fail(vq, "used ring left RAM");
    return 0;
}

void virtq_init(struct virtq *vq, struct machine *m, unsigned index, uint16_t num_max,
                const struct virtq_sink *sink)
{
    memset(vq, 0, sizeof(*vq));
    vq->m = m;
    vq->index = index;
    vq->num_max = num_max;
    vq->sink = *sink;
    virtq_reset(vq);
}

void virtq_reset(struct virtq *vq)
{
    /* §4.2.2: QueueNum starts at QueueNumMax, addresses and ready at 0. */
    vq->num = vq->num_max;
    vq->desc = vq->avail = vq->used = 0;
    vq->ready = false;
    vq->broken = false;
    vq->event_idx = vq->indirect = false;
    vq->last_avail = vq->used_idx = vq->signalled_used = 0;
}

static bool virtq_is_pow2(uint32_t n)
{
    return n != 0 && (n & (n - 1)) == 0;
}

int virtq_enable(struct virtq *vq, uint64_t features)
{
    uint32_t num = vq->num;

    vq->event_idx = (features & VIRTIO_BIT(VIRTIO_F_EVENT_IDX)) != 0;
    vq->indirect = (features & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC)) != 0;
    vq->last_avail = vq->used_idx = vq->signalled_used = 0;
    vq->ready = true;
    /* §2.7: split queue sizes are powers of two up to 32768, so the free
     * running 16-bit indices wrap onto the ring exactly. */
    if (!virtq_is_pow2(num) || num > vq->num_max)
        return virtq_fail(vq, "queue size is not a power of two within QueueNumMax");
    /* §2.7.5-2.7.8 alignment: 16, 2, 4. */
    if ((vq->desc & 15) || (vq->avail & 1) || (vq->used & 3))
        return virtq_fail(vq, "ring misaligned");
    if (!virtq_in_ram(vq, vq->desc, virtq_desc_bytes(num)) ||
        !virtq_in_ram(vq, vq->avail, virtq_avail_bytes(num)) ||
        !virtq_in_ram(vq, vq->used, virtq_used_bytes(num)))
        return virtq_fail(vq, "ring outside RAM");
    /* §2.7.8: the used index starts at 0 with the queue. */
    return virtq_write16(vq, vq->used + 2, 0);
}

void virtq_disable(struct virtq *vq)
{
    vq->ready = false;
}

void virtq_chain_init(struct virtq_chain *c)
{
    memset(c, 0, sizeof(*c));
}

void virtq_chain_free(struct virtq_chain *c)
{
    free(c->seg);
    memset(c, 0, sizeof(*c));
}

static int virtq_chain_add(struct virtq *vq, struct virtq_chain *c, uint64_t addr, uint32_t len,
                           bool write)
{
    if (!write && c->nseg != c->nread)
        return virtq_fail(vq, "readable descriptor after a writable one");
    if (!virtq_in_ram(vq, addr, len))
        return virtq_fail(vq, "buffer outside RAM");
    if (len == 0)
        return 0;
    if (c->nseg == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : VIRTQ_CHAIN_CAP0;
        struct virtq_seg *s = realloc(c->seg, (size_t)cap * sizeof(*s));
        if (!s)
            return virtq_fail(vq, "out of host memory for a chain");
        c->seg = s;
        c->cap = cap;
    }
    c->seg[c->nseg].addr = addr;
    c->seg[c->nseg].len = len;
    c->nseg++;
    if (write) {
        c->write_len += len;
    } else {
        c->nread++;
        c->read_len += len;
    }
    return 0;
}

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};

static int virtq_read_desc(struct virtq *vq, uint64_t table, uint32_t i, struct virtq_desc *d)
{
    uint8_t b[VIRTQ_DESC_SIZE];
    if (machine_phys_read(vq->m, table + (uint64_t)i * VIRTQ_DESC_SIZE, b, sizeof(b)) != 0)
        return virtq_fail(vq, "descriptor table left RAM");
    d->addr = le64(b);
    d->len = le32(b + 8);
    d->flags = le16(b + 12);
    d->next = le16(b + 14);
    return 0;
}

/* Walks an indirect table (§2.7.5.3.2): its own indices, no nesting, and
 * it counts against the same queue-size budget as the outer chain. */
static int virtq_walk_indirect(struct virtq *vq, struct virtq_chain *c, const struct virtq_desc *outer,
                               uint32_t *walked)
{
    uint32_t n = outer->len / VIRTQ_DESC_SIZE;
    uint32_t i = 0;
    struct virtq_desc d;

    if (!vq->indirect)
        return virtq_fail(vq, "indirect descriptor without VIRTIO_F_INDIRECT_DESC");
    if (outer->flags & VIRTQ_DESC_F_NEXT)
        return virtq_fail(vq, "indirect descriptor with NEXT");
    if (outer->len == 0 || outer->len % VIRTQ_DESC_SIZE != 0)
        return virtq_fail(vq, "indirect table length not a multiple of 16");
    if (!virtq_in_ram(vq, outer->addr, outer->len))
        return virtq_fail(vq, "indirect table outside RAM");
    for (;;) {
        if (++*walked > vq->num)
            return virtq_fail(vq, "descriptor chain longer than the queue");
        if (virtq_read_desc(vq, outer->addr, i, &d) != 0)
            return -1;
        if (d.flags & VIRTQ_DESC_F_INDIRECT)
            return virtq_fail(vq, "nested indirect descriptor");
        if (virtq_chain_add(vq, c, d.addr, d.len, d.flags & VIRTQ_DESC_F_WRITE) != 0)
            return -1;
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            return 0;
        if (d.next >= n)
            return virtq_fail(vq, "indirect next index out of the table");
        i = d.next;
    }
}

/* Walks a chain from head; the walk counter bounds loops (§2.7.5.2). */
static int virtq_walk(struct virtq *vq, struct virtq_chain *c, uint16_t head)
{
    uint32_t walked = 0;
    uint32_t i = head;
    struct virtq_desc d;

    if (head >= vq->num)
        return virtq_fail(vq, "head index out of the queue");
    for (;;) {
        if (++walked > vq->num)
            return virtq_fail(vq, "descriptor chain longer than the queue");
        if (virtq_read_desc(vq, vq->desc, i, &d) != 0)
            return -1;
        if (d.flags & VIRTQ_DESC_F_INDIRECT) {
            walked--;   /* the indirect descriptor itself is not a buffer */
            return virtq_walk_indirect(vq, c, &d, &walked);
        }
        if (virtq_chain_add(vq, c, d.addr, d.len, d.flags & VIRTQ_DESC_F_WRITE) != 0)
            return -1;
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            return 0;
        if (d.next >= vq->num)
            return virtq_fail(vq, "next index out of the queue");
        i = d.next;
    }
}

/* §2.7.10: with EVENT_IDX the device asks to be kicked at the next slot. */
static int virtq_update_avail_event(struct virtq *vq)
{
    if (!vq->event_idx)
        return 0;
    return virtq_write16(vq, vq->used + 4 + (uint64_t)VIRTQ_USED_ELEM_SIZE * vq->num, vq->last_avail);
}

int virtq_pop(struct virtq *vq, struct virtq_chain *c)
{
    uint16_t idx, head;

    if (vq->broken)
        return -1;
    if (!vq->ready)
        return 0;
    c->nseg = c->nread = 0;
    c->read_len = c->write_len = 0;
    if (virtq_read16(vq, vq->avail + 2, &idx) != 0)
        return -1;
    if ((uint16_t)(idx - vq->last_avail) > vq->num)
        return virtq_fail(vq, "available index moved by more than the queue size");
    if (idx == vq->last_avail)
        return virtq_update_avail_event(vq) ? -1 : 0;
    if (virtq_read16(vq, vq->avail + 4 + 2 * (uint64_t)(vq->last_avail % vq->num), &head) != 0)
        return -1;
    c->head = head;
    if (virtq_walk(vq, c, head) != 0)
        return -1;
    vq->last_avail++;
    return virtq_update_avail_event(vq) ? -1 : 1;
}

static int64_t virtq_chain_copy(struct virtq *vq, const struct virtq_chain *c, uint64_t off,
                                void *buf, uint64_t len, bool write)
{
    uint32_t first = write ? c->nread : 0;
    uint32_t end = write ? c->nseg : c->nread;
    uint8_t *p = buf;
    uint64_t done = 0;

    for (uint32_t s = first; s < end && done < len; s++) {
        const struct virtq_seg *g = &c->seg[s];
        if (off >= g->len) {
            off -= g->len;
            continue;
        }
        uint64_t n = g->len - off;
        if (n > len - done)
            n = len - done;
        int r = write ? machine_phys_write(vq->m, g->addr + off, p + done, n)
                      : machine_phys_read(vq->m, g->addr + off, p + done, n);
        if (r != 0)
            return virtq_fail(vq, "buffer left RAM");
        done += n;
        off = 0;
    }
    return (int64_t)done;
}

int64_t virtq_chain_read(struct virtq *vq, const struct virtq_chain *c, uint64_t off, void *buf,
                         uint64_t len)
{
    return virtq_chain_copy(vq, c, off, buf, len, false);
}

int64_t virtq_chain_write(struct virtq *vq, const struct virtq_chain *c, uint64_t off,
                          const void *buf, uint64_t len)
{
    return virtq_chain_copy(vq, c, off, (void *)buf, len, true);
}

int virtq_push(struct virtq *vq, const struct virtq_chain *c, uint32_t written)
{
    uint8_t elem[VIRTQ_USED_ELEM_SIZE];
    uint64_t slot = vq->used + 4 + (uint64_t)VIRTQ_USED_ELEM_SIZE * (vq->used_idx % vq->num);

    if (vq->broken || !vq->ready)
        return -1;
    /* §2.7.8.2: len is never more than the writable part. */
    if (written > c->write_len)
        written = (uint32_t)c->write_len;
    put32(elem, c->head);
    put32(elem + 4, written);
    if (machine_phys_write(vq->m, slot, elem, sizeof(elem)) != 0)
        return virtq_fail(vq, "used ring left RAM");
    vq->used_idx++;
    return virtq_write16(vq, vq->used + 2, vq->used_idx);
}

bool virtq_should_notify(struct virtq *vq)
{
    uint16_t v;
    bool need;

    if (vq->broken || !vq->ready)
        return false;
    if (!vq->event_idx) {
        if (virtq_read16(vq, vq->avail, &v) != 0)
            return false;
        return !(v & VIRTQ_AVAIL_F_NO_INTERRUPT);
    }
    /* §2.7.10: used_event sits after the available ring. */
    if (virtq_read16(vq, vq->avail + 4 + 2 * (uint64_t)vq->num, &v) != 0)
        return false;
    need = virtq_need_event(v, vq->used_idx, vq->signalled_used);
    vq->signalled_used = vq->used_idx;
    return need;
}

void virtq_notify(struct virtq *vq)
{
    if (virtq_should_notify(vq) && vq->sink.used)
        vq->sink.used(vq->sink.transport, vq);
}

/* ---- snapshots ---- */

int virtq_snap(struct virtq *vq, struct snap *s, const char *name)
{
    uint16_t num_max = vq->num_max;
    snap_u16(s, snap_key(s, "%s.num_max", name), &num_max);
    if (snap_loading(s) && snap_status(s) == 0 && num_max != vq->num_max)
        return snap_fail(s, "%s holds %u entries at most in the file, %u here", name, num_max, vq->num_max);
    snap_u16(s, snap_key(s, "%s.num", name), &vq->num);
    snap_u64(s, snap_key(s, "%s.desc", name), &vq->desc);
    snap_u64(s, snap_key(s, "%s.avail", name), &vq->avail);
    snap_u64(s, snap_key(s, "%s.used", name), &vq->used);
    snap_bool(s, snap_key(s, "%s.ready", name), &vq->ready);
    snap_bool(s, snap_key(s, "%s.broken", name), &vq->broken);
    snap_bool(s, snap_key(s, "%s.event_idx", name), &vq->event_idx);
    snap_bool(s, snap_key(s, "%s.indirect", name), &vq->indirect);
    snap_u16(s, snap_key(s, "%s.last_avail", name), &vq->last_avail);
    snap_u16(s, snap_key(s, "%s.used_idx", name), &vq->used_idx);
    snap_u16(s, snap_key(s, "%s.signalled_used", name), &vq->signalled_used);
    /* The ring indices wrap onto num: a live queue needs a good one. */
    if (snap_loading(s) && vq->ready && !vq->broken && (!virtq_is_pow2(vq->num) || vq->num > vq->num_max))
        return snap_fail(s, "%s is live with %u entries", name, vq->num);
    return snap_status(s);
}

int virtq_chain_snap(struct virtq_chain *c, struct snap *s, const char *name)
{
    uint32_t nseg = c->nseg;
    snap_u16(s, snap_key(s, "%s.head", name), &c->head);
    snap_u32(s, snap_key(s, "%s.nseg", name), &nseg);
    snap_u32(s, snap_key(s, "%s.nread", name), &c->nread);
    snap_u64(s, snap_key(s, "%s.read_len", name), &c->read_len);
    snap_u64(s, snap_key(s, "%s.write_len", name), &c->write_len);
    if (snap_loading(s) && snap_status(s) == 0) {
        if (nseg > VIRTQ_SIZE_MAX || c->nread > nseg)
            return snap_fail(s, "%s has %u segments, %u readable", name, nseg, c->nread);
        if (nseg > c->cap) {
            struct virtq_seg *seg = realloc(c->seg, nseg * sizeof(*seg));
            if (!seg)
                return snap_fail(s, "out of memory");
            c->seg = seg;
            c->cap = nseg;
        }
        c->nseg = nseg;
    }
    for (uint32_t i = 0; i < c->nseg && snap_status(s) == 0; i++) {
        snap_u64(s, snap_key(s, "%s.seg%u.addr", name, i), &c->seg[i].addr);
        snap_u32(s, snap_key(s, "%s.seg%u.len", name, i), &c->seg[i].len);
    }
    return snap_status(s);
}
