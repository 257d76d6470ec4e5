/*
 * A virtio device model behind the MMIO transport in a test machine with
 * RAM, driven the way a guest driver drives it: registers for status,
 * features and queue set-up (virtio 1.2 §3.1.1, §4.2.3), rings and
 * buffers in RAM through tests/unit/virtq_driver.h.
 *
 *   struct vdh *h = vdh_new(&virtio_rng_desc, "virtio-rng,seed=1", 0);
 *   vdh_start(h, VDH_F_V1);                 negotiate, set up every queue, DRIVER_OK
 *   struct vqd_seg s[] = { { VDH_BUF, 16, 1 } };
 *   vqd_add_chain(&h->q[0], s, 1);
 *   vdh_notify(h, 0);
 *   vdh_free(h);
 */
#ifndef TESTS_UNIT_VIRTIO_DEV_HARNESS_H
#define TESTS_UNIT_VIRTIO_DEV_HARNESS_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/devopts.h"
#include "core/json.h"
#include "core/machine.h"
#include "virtio/registry.h"
#include "virtio/virtio.h"
#include "virtio/virtio_mmio.h"
#include "virtio/virtqueue.h"
#include "virtq_driver.h"

#define VDH_RAM_BASE  0x80000000ull
#define VDH_RAM_SIZE  0x400000ull             /* 4 MiB */
#define VDH_RINGS     (VDH_RAM_BASE + 0x1000) /* queue q at VDH_RINGS + q * 0x4000 */
#define VDH_BUF       (VDH_RAM_BASE + 0x100000)
#define VDH_QSIZE     16
#define VDH_MAX_QUEUES 2
#define VDH_F_V1      VIRTIO_BIT(VIRTIO_F_VERSION_1)

/* MMIO register offsets, §4.2.2. */
enum {
    VDH_R_DEVICE_ID = 0x008, VDH_R_DEV_FEAT = 0x010, VDH_R_DEV_FEAT_SEL = 0x014,
    VDH_R_DRV_FEAT = 0x020, VDH_R_DRV_FEAT_SEL = 0x024, VDH_R_QUEUE_SEL = 0x030,
    VDH_R_QUEUE_NUM_MAX = 0x034, VDH_R_QUEUE_NUM = 0x038, VDH_R_QUEUE_READY = 0x044, VDH_R_QUEUE_NOTIFY = 0x050,
    VDH_R_INT_STATUS = 0x060, VDH_R_INT_ACK = 0x064, VDH_R_STATUS = 0x070,
    VDH_R_DESC_LO = 0x080, VDH_R_DESC_HI = 0x084, VDH_R_DRIVER_LO = 0x090, VDH_R_DRIVER_HI = 0x094,
    VDH_R_DEVICE_LO = 0x0a0, VDH_R_DEVICE_HI = 0x0a4, VDH_R_CONFIG = 0x100,
};

struct vdh {
    struct machine m;
    const struct virtio_device_desc *desc;
    const struct virtio_dev_ops *ops;
    void *dev;
    struct virtio_mmio *tr;
    struct vqd q[VDH_MAX_QUEUES];
    bool irq;
};

static inline void vdh_irq_sink(void *sink, unsigned input, bool level)
{
    (void)input;
    ((struct vdh *)sink)->irq = level;
}

/* Creates the device from spec; NULL with err filled when create refuses. */
static inline void *vdh_create_dev(struct machine *m, const struct virtio_device_desc *desc, const char *spec,
                                   unsigned index, const struct virtio_dev_ops **ops, struct emu_err *err)
{
    struct devopts o;
    struct virtio_env env = { .m = m, .index = index };
    void *dev = NULL;
    if (devopts_parse(&o, spec, err) == 0)
        dev = desc->create(&env, &o, ops, err);
    devopts_free(&o);
    return dev;
}

/* A machine with RAM only; cfg.seed as given. */
static inline void vdh_machine_init(struct machine *m, uint64_t seed)
{
    struct machine_config cfg = { .board = "test", .ram_size = VDH_RAM_SIZE, .seed = seed };
    struct emu_err err;
    ck_assert_int_eq(machine_init(m, &cfg, &err), 0);
    ck_assert_int_eq(memmap_add_ram(&m->map, VDH_RAM_BASE, VDH_RAM_SIZE, "ram", &err), 0);
}

/* The device from spec, behind the transport, in a fresh machine whose
 * cfg.seed and console backend are as given. */
static inline struct vdh *vdh_new_full(const struct virtio_device_desc *desc, const char *spec, unsigned index,
                                       uint64_t seed, struct chardev *console)
{
    struct vdh *h = calloc(1, sizeof(*h));
    struct emu_err err = { "" };
    ck_assert_ptr_nonnull(h);
    vdh_machine_init(&h->m, seed);
    h->m.console = console;
    h->desc = desc;
    h->dev = vdh_create_dev(&h->m, desc, spec, index, &h->ops, &err);
    ck_assert_msg(h->dev != NULL, "create %s: %s", spec, err.msg);
    ck_assert_uint_le(h->ops->num_queues, VDH_MAX_QUEUES);
    h->tr = virtio_mmio_create(&h->m, h->ops, h->dev, irq_line_make(vdh_irq_sink, h, 1));
    ck_assert_ptr_nonnull(h->tr);
    for (unsigned q = 0; q < h->ops->num_queues; q++)
        vqd_init(&h->q[q], &h->m, VDH_RINGS + 0x4000ull * q, VDH_QSIZE);
    return h;
}

static inline struct vdh *vdh_new_seeded(const struct virtio_device_desc *desc, const char *spec, unsigned index,
                                         uint64_t seed)
{
    return vdh_new_full(desc, spec, index, seed, NULL);
}

static inline struct vdh *vdh_new(const struct virtio_device_desc *desc, const char *spec, unsigned index)
{
    return vdh_new_full(desc, spec, index, 0, NULL);
}

/* Frees the device, transport and machine; the console backend is the
 * caller's. */
static inline void vdh_free(struct vdh *h)
{
    virtio_mmio_destroy(h->tr);
    h->desc->destroy(h->dev);
    machine_destroy(&h->m);
    free(h);
}

static inline uint32_t vdh_rd(struct vdh *h, uint64_t off)
{
    return (uint32_t)virtio_mmio_ops.read(h->tr, off, 4);
}

static inline void vdh_wr(struct vdh *h, uint64_t off, uint32_t v)
{
    virtio_mmio_ops.write(h->tr, off, v, 4);
}

static inline uint64_t vdh_config(struct vdh *h, uint32_t off, unsigned size)
{
    return virtio_mmio_ops.read(h->tr, VDH_R_CONFIG + off, size);
}

static inline uint64_t vdh_device_features(struct vdh *h)
{
    vdh_wr(h, VDH_R_DEV_FEAT_SEL, 0);
    uint64_t lo = vdh_rd(h, VDH_R_DEV_FEAT);
    vdh_wr(h, VDH_R_DEV_FEAT_SEL, 1);
    return lo | (uint64_t)vdh_rd(h, VDH_R_DEV_FEAT) << 32;
}

/* §3.1.1 steps 1-6; returns the status read back. */
static inline uint32_t vdh_negotiate(struct vdh *h, uint64_t features)
{
    vdh_wr(h, VDH_R_STATUS, 0);
    vdh_wr(h, VDH_R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    vdh_wr(h, VDH_R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    vdh_wr(h, VDH_R_DRV_FEAT_SEL, 0);
    vdh_wr(h, VDH_R_DRV_FEAT, (uint32_t)features);
    vdh_wr(h, VDH_R_DRV_FEAT_SEL, 1);
    vdh_wr(h, VDH_R_DRV_FEAT, (uint32_t)(features >> 32));
    vdh_wr(h, VDH_R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    return vdh_rd(h, VDH_R_STATUS);
}

static inline void vdh_queue_setup(struct vdh *h, unsigned q)
{
    const struct vqd *d = &h->q[q];
    vdh_wr(h, VDH_R_QUEUE_SEL, q);
    vdh_wr(h, VDH_R_QUEUE_NUM, d->num);
    vdh_wr(h, VDH_R_DESC_LO, (uint32_t)d->desc);
    vdh_wr(h, VDH_R_DESC_HI, (uint32_t)(d->desc >> 32));
    vdh_wr(h, VDH_R_DRIVER_LO, (uint32_t)d->avail);
    vdh_wr(h, VDH_R_DRIVER_HI, (uint32_t)(d->avail >> 32));
    vdh_wr(h, VDH_R_DEVICE_LO, (uint32_t)d->used);
    vdh_wr(h, VDH_R_DEVICE_HI, (uint32_t)(d->used >> 32));
    vdh_wr(h, VDH_R_QUEUE_READY, 1);
}

/* Negotiates features (which must be accepted), sets up every queue on
 * the driver's rings and sets DRIVER_OK. */
static inline void vdh_start(struct vdh *h, uint64_t features)
{
    ck_assert(vdh_negotiate(h, features) & VIRTIO_STATUS_FEATURES_OK);
    for (unsigned q = 0; q < h->ops->num_queues; q++)
        vdh_queue_setup(h, q);
    vdh_wr(h, VDH_R_STATUS, vdh_rd(h, VDH_R_STATUS) | VIRTIO_STATUS_DRIVER_OK);
}

static inline void vdh_notify(struct vdh *h, unsigned q)
{
    vdh_wr(h, VDH_R_QUEUE_NOTIFY, q);
}

static inline bool vdh_needs_reset(struct vdh *h)
{
    return (vdh_rd(h, VDH_R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0;
}

/* Lets virtual time pass as the run loop does (no vCPUs): event by event. */
static inline void vdh_advance(struct machine *m, uint64_t cycles)
{
    uint64_t end = m->vclock + cycles;
    while (evq_next_time(&m->evq) <= end) {
        m->vclock = evq_next_time(&m->evq);
        evq_run_due(&m->evq, m->vclock);
    }
    m->vclock = end;
}

/* The device's --stats value as text (free() it), checked to be well
 * formed: its own members and the transport's counters, as the board
 * writes them. */
static inline char *vdh_stats_json(struct vdh *h)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    struct json j;
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(h->desc->write_stats);
    json_init(&j, f);
    virtio_mmio_set_stats(h->tr, h->desc->write_stats);
    virtio_mmio_write_stats(h->tr, &j);
    ck_assert_int_eq(json_finish(&j), 0);
    ck_assert_int_eq(fclose(f), 0);
    return text;
}

/* Fills [addr, addr+len) of guest RAM with byte v. */
static inline void vdh_poison(struct machine *m, uint64_t addr, uint64_t len, uint8_t v)
{
    uint8_t b[256];
    memset(b, v, sizeof(b));
    for (uint64_t o = 0; o < len; o += sizeof(b))
        ck_assert_int_eq(machine_phys_write(m, addr + o, b, len - o < sizeof(b) ? len - o : sizeof(b)), 0);
}

#endif
