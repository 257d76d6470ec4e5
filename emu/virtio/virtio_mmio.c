/*
 * virtio MMIO transport, modern interface only (virtio 1.2 §4.2.2).
 *
 * Register map (32-bit accesses; configuration space any width):
 *   0x000 MagicValue "virt"       0x004 Version (2)       0x008 DeviceID
 *   0x00c VendorID                0x010 DeviceFeatures    0x014 DeviceFeaturesSel
 *   0x020 DriverFeatures          0x024 DriverFeaturesSel 0x030 QueueSel
 *   0x034 QueueNumMax             0x038 QueueNum          0x044 QueueReady
 *   0x050 QueueNotify             0x060 InterruptStatus   0x064 InterruptACK
 *   0x070 Status                  0x080/084 QueueDesc     0x090/094 QueueDriver
 *   0x0a0/0a4 QueueDevice         0x0ac SHMSel            0x0b0/0b4 SHMLen
 *   0x0b8/0bc SHMBase             0x0c0 QueueReset        0x0fc ConfigGeneration
 *   0x100+    device configuration space
 */
#include "virtio/virtio_mmio.h"

#include <stdlib.h>

#include <stdio.h>

#include "core/json.h"
#include "core/machine.h"
#include "core/snap.h"
#include "virtio/virtqueue.h"

#define VMMIO_MAGIC   0x74726976u   /* "virt" little-endian */
#define VMMIO_VERSION 2u
#define VMMIO_VENDOR  0x00756d65u   /* "emu" */

enum vmmio_reg {
    VMMIO_MAGIC_VALUE = 0x000, VMMIO_VERSION_REG = 0x004, VMMIO_DEVICE_ID = 0x008,
    VMMIO_VENDOR_ID = 0x00c, VMMIO_DEVICE_FEATURES = 0x010, VMMIO_DEVICE_FEATURES_SEL = 0x014,
    VMMIO_DRIVER_FEATURES = 0x020, VMMIO_DRIVER_FEATURES_SEL = 0x024, VMMIO_QUEUE_SEL = 0x030,
    VMMIO_QUEUE_NUM_MAX = 0x034, VMMIO_QUEUE_NUM = 0x038, VMMIO_QUEUE_READY = 0x044,
    VMMIO_QUEUE_NOTIFY = 0x050, VMMIO_INTERRUPT_STATUS = 0x060, VMMIO_INTERRUPT_ACK = 0x064,
    VMMIO_STATUS = 0x070, VMMIO_QUEUE_DESC_LOW = 0x080, VMMIO_QUEUE_DESC_HIGH = 0x084,
    VMMIO_QUEUE_DRIVER_LOW = 0x090, VMMIO_QUEUE_DRIVER_HIGH = 0x094,
    VMMIO_QUEUE_DEVICE_LOW = 0x0a0, VMMIO_QUEUE_DEVICE_HIGH = 0x0a4, VMMIO_SHM_SEL = 0x0ac,
    VMMIO_SHM_LEN_LOW = 0x0b0, VMMIO_SHM_LEN_HIGH = 0x0b4, VMMIO_SHM_BASE_LOW = 0x0b8,
    VMMIO_SHM_BASE_HIGH = 0x0bc, VMMIO_QUEUE_RESET = 0x0c0, VMMIO_CONFIG_GENERATION = 0x0fc,
    VMMIO_CONFIG = 0x100,
};

/* §4.2.2 InterruptStatus bits */
#define VMMIO_INT_VRING  1u
#define VMMIO_INT_CONFIG 2u

/* Ring features the virtqueue code implements for every device. */
#define VMMIO_TRANSPORT_FEATURES \
    (VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX))

struct virtio_mmio {
    struct machine *m;
    const struct virtio_dev_ops *ops;
    void *dev;
    struct irq_line irq;
    struct virtio_bus bus;
    struct virtq *vq;
    uint32_t status;
    uint32_t int_status;
    uint32_t config_generation;
    uint32_t device_features_sel, driver_features_sel;
    uint32_t queue_sel;
    uint64_t driver_features;
    bool warned_broken, warned_access;
    bool irq_level;                 /* the line as last driven */
    /* Statistics: QueueNotify writes, and rises of the interrupt line. */
    uint64_t stat_notifications, stat_interrupts;
    void (*dev_stats)(void *dev, struct json *j);
};

static void vmmio_update_irq(struct virtio_mmio *t)
{
    bool level = t->int_status != 0;
    if (level && !t->irq_level)
        t->stat_interrupts++;
    t->irq_level = level;
    irq_set(&t->irq, level);
}

static void vmmio_raise(struct virtio_mmio *t, uint32_t bits)
{
    t->int_status |= bits;
    vmmio_update_irq(t);
}

static void vmmio_queue_used(void *transport, struct virtq *vq)
{
    (void)vq;
    vmmio_raise(transport, VMMIO_INT_VRING);
}

/* §2.1.2: a device that hits an error it cannot recover from sets
 * DEVICE_NEEDS_RESET and, with DRIVER_OK, sends a config change notice. */
static void vmmio_needs_reset(struct virtio_mmio *t, const char *why)
{
    emu_warn_once(&t->warned_broken, "virtio-mmio device %u: %s; device needs reset",
                  t->ops->device_id, why);
    t->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
    vmmio_raise(t, VMMIO_INT_CONFIG);
}

static void vmmio_queue_broken(void *transport, struct virtq *vq, const char *why)
{
    (void)vq;
    vmmio_needs_reset(transport, why);
}

static void vmmio_config_changed(void *transport)
{
    struct virtio_mmio *t = transport;
    t->config_generation++;
    vmmio_raise(t, VMMIO_INT_CONFIG);
}

static struct virtq *vmmio_queue(void *transport, unsigned index)
{
    struct virtio_mmio *t = transport;
    return index < t->ops->num_queues ? &t->vq[index] : NULL;
}

static uint64_t vmmio_device_features(const struct virtio_mmio *t)
{
    uint64_t f = t->ops->features ? t->ops->features(t->dev) : 0;
    return f | VMMIO_TRANSPORT_FEATURES;
}

static struct virtq *vmmio_selected(struct virtio_mmio *t)
{
    return vmmio_queue(t, t->queue_sel);
}

static void vmmio_reset(void *opaque)
{
    struct virtio_mmio *t = opaque;

    for (unsigned i = 0; i < t->ops->num_queues; i++)
        virtq_reset(&t->vq[i]);
    t->status = 0;
    t->int_status = 0;
    t->device_features_sel = t->driver_features_sel = 0;
    t->queue_sel = 0;
    t->driver_features = 0;
    if (t->ops->reset)
        t->ops->reset(t->dev);
    vmmio_update_irq(t);
}

static uint32_t vmmio_half(uint64_t v, uint32_t sel)
{
    if (sel > 1)
        return 0;
    return (uint32_t)(v >> (32 * sel));
}

static uint32_t vmmio_read_queue(struct virtio_mmio *t, uint64_t off)
{
    struct virtq *vq = vmmio_selected(t);

    if (!vq)
        return 0;   /* §4.2.2: an unavailable queue reads QueueNumMax 0 */
    switch (off) {
    case VMMIO_QUEUE_NUM_MAX:     return vq->num_max;
    case VMMIO_QUEUE_NUM:         return vq->num;
    case VMMIO_QUEUE_READY:       return vq->ready;
    case VMMIO_QUEUE_DESC_LOW:    return (uint32_t)vq->desc;
    case VMMIO_QUEUE_DESC_HIGH:   return (uint32_t)(vq->desc >> 32);
    case VMMIO_QUEUE_DRIVER_LOW:  return (uint32_t)vq->avail;
    case VMMIO_QUEUE_DRIVER_HIGH: return (uint32_t)(vq->avail >> 32);
    case VMMIO_QUEUE_DEVICE_LOW:  return (uint32_t)vq->used;
    case VMMIO_QUEUE_DEVICE_HIGH: return (uint32_t)(vq->used >> 32);
    default:                      return 0;
    }
}

static uint32_t vmmio_read_reg(struct virtio_mmio *t, uint64_t off)
{
    switch (off) {
    case VMMIO_MAGIC_VALUE:       return VMMIO_MAGIC;
    case VMMIO_VERSION_REG:       return VMMIO_VERSION;
    case VMMIO_DEVICE_ID:         return t->ops->device_id;
    case VMMIO_VENDOR_ID:         return VMMIO_VENDOR;
    case VMMIO_DEVICE_FEATURES:   return vmmio_half(vmmio_device_features(t), t->device_features_sel);
    case VMMIO_INTERRUPT_STATUS:  return t->int_status;
    case VMMIO_STATUS:            return t->status;
    /* No shared memory regions: length reads as all ones (§4.2.2). */
    case VMMIO_SHM_LEN_LOW:
    case VMMIO_SHM_LEN_HIGH:
    case VMMIO_SHM_BASE_LOW:
    case VMMIO_SHM_BASE_HIGH:     return 0xffffffffu;
    case VMMIO_CONFIG_GENERATION: return t->config_generation;
    default:                      return vmmio_read_queue(t, off);
    }
}

static bool vmmio_config_range(const struct virtio_mmio *t, uint64_t off, unsigned size)
{
    return off >= VMMIO_CONFIG && off - VMMIO_CONFIG < t->ops->config_size &&
           size <= t->ops->config_size - (off - VMMIO_CONFIG);
}

static uint64_t vmmio_read(void *opaque, uint64_t off, unsigned size)
{
    struct virtio_mmio *t = opaque;

    if (off >= VMMIO_CONFIG) {
        if (!vmmio_config_range(t, off, size) || !t->ops->config_read)
            return 0;
        return t->ops->config_read(t->dev, (uint32_t)(off - VMMIO_CONFIG), size);
    }
    if (size != 4 || (off & 3)) {
        emu_warn_once(&t->warned_access, "virtio-mmio: %u-byte access to register 0x%llx ignored",
                      size, (unsigned long long)off);
        return 0;
    }
    return vmmio_read_reg(t, off);
}

static void vmmio_set_addr(uint64_t *a, bool high, uint32_t v)
{
    if (high)
        *a = (*a & 0xffffffffull) | (uint64_t)v << 32;
    else
        *a = (*a & ~0xffffffffull) | v;
}

static void vmmio_queue_ready(struct virtio_mmio *t, struct virtq *vq, uint32_t v)
{
    if (!v) {
        virtq_disable(vq);
        return;
    }
    if (!vq->ready)
        (void)virtq_enable(vq, t->driver_features);
}

static void vmmio_write_queue(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
    struct virtq *vq = vmmio_selected(t);

    if (!vq)
        return;
    if (off == VMMIO_QUEUE_READY) {
        vmmio_queue_ready(t, vq, v);
        return;
    }
    /* §4.2.2.2: the layout is fixed while the queue is ready. */
    if (vq->ready)
        return;
    switch (off) {
    case VMMIO_QUEUE_NUM:         vq->num = (uint16_t)(v > VIRTQ_SIZE_MAX ? 0 : v); break;
    case VMMIO_QUEUE_DESC_LOW:    vmmio_set_addr(&vq->desc, false, v); break;
    case VMMIO_QUEUE_DESC_HIGH:   vmmio_set_addr(&vq->desc, true, v); break;
    case VMMIO_QUEUE_DRIVER_LOW:  vmmio_set_addr(&vq->avail, false, v); break;
    case VMMIO_QUEUE_DRIVER_HIGH: vmmio_set_addr(&vq->avail, true, v); break;
    case VMMIO_QUEUE_DEVICE_LOW:  vmmio_set_addr(&vq->used, false, v); break;
    case VMMIO_QUEUE_DEVICE_HIGH: vmmio_set_addr(&vq->used, true, v); break;
    default: break;
    }
}

/* §3.1.1 step 5-6: the device checks the subset it can support. */
static void vmmio_features_ok(struct virtio_mmio *t)
{
    uint64_t f = t->driver_features;

    if (f & ~vmmio_device_features(t))
        return;
    if (!(f & VIRTIO_BIT(VIRTIO_F_VERSION_1)))
        return;
    if (t->ops->features_ok && t->ops->features_ok(t->dev, f) != 0)
        return;
    t->status |= VIRTIO_STATUS_FEATURES_OK;
}

static void vmmio_write_status(struct virtio_mmio *t, uint32_t v)
{
    if (v == 0) {
        vmmio_reset(t);
        return;
    }
    /* The driver only adds bits; NEEDS_RESET is the device's to set. */
    uint32_t add = v & 0xffu & ~t->status & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET;
    t->status |= add & ~VIRTIO_STATUS_FEATURES_OK;
    if (add & VIRTIO_STATUS_FEATURES_OK)
        vmmio_features_ok(t);
}

static void vmmio_notify(struct virtio_mmio *t, uint32_t index)
{
    struct virtq *vq = vmmio_queue(t, index & 0xffffu);

    t->stat_notifications++;
    if (!vq || !vq->ready || vq->broken || !t->ops->queue_notify)
        return;
    if (!(t->status & VIRTIO_STATUS_DRIVER_OK) || (t->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET))
        return;
    if (t->ops->queue_notify(t->dev, vq) != 0 && !vq->broken)
        vmmio_needs_reset(t, "device reported a malformed queue");
}

static void vmmio_write_reg(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
    switch (off) {
    case VMMIO_DEVICE_FEATURES_SEL: t->device_features_sel = v; break;
    case VMMIO_DRIVER_FEATURES_SEL: t->driver_features_sel = v; break;
    case VMMIO_DRIVER_FEATURES:
        /* §4.2.2.2: only while features are being negotiated. */
        if (t->driver_features_sel <= 1 && !(t->status & VIRTIO_STATUS_FEATURES_OK)) {
            unsigned sh = 32 * t->driver_features_sel;
            t->driver_features = (t->driver_features & ~(0xffffffffull << sh)) | (uint64_t)v << sh;
        }
        break;
    case VMMIO_QUEUE_SEL:           t->queue_sel = v; break;
    case VMMIO_QUEUE_NOTIFY:        vmmio_notify(t, v); break;
    case VMMIO_INTERRUPT_ACK:
        t->int_status &= ~v;
        vmmio_update_irq(t);
        break;
    case VMMIO_STATUS:              vmmio_write_status(t, v); break;
    case VMMIO_SHM_SEL:             break;
    case VMMIO_QUEUE_RESET:         break;   /* VIRTIO_F_RING_RESET is not offered */
    default:                        vmmio_write_queue(t, off, v); break;
    }
}

static void vmmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct virtio_mmio *t = opaque;

    if (off >= VMMIO_CONFIG) {
        if (vmmio_config_range(t, off, size) && t->ops->config_write)
            t->ops->config_write(t->dev, (uint32_t)(off - VMMIO_CONFIG), val, size);
        return;
    }
    if (size != 4 || (off & 3)) {
        emu_warn_once(&t->warned_access, "virtio-mmio: %u-byte access to register 0x%llx ignored",
                      size, (unsigned long long)off);
        return;
    }
    vmmio_write_reg(t, off, (uint32_t)val);
}

struct virtio_mmio *virtio_mmio_create(struct machine *m, const struct virtio_dev_ops *ops, void *dev,
                                       struct irq_line irq)
{
    struct virtio_mmio *t = calloc(1, sizeof(*t));
    uint16_t qmax = ops->queue_size_max;

    if (!t)
        return NULL;
    t->vq = calloc(ops->num_queues ? ops->num_queues : 1, sizeof(*t->vq));
    if (!t->vq) {
        free(t);
        return NULL;
    }
    t->m = m;
    t->ops = ops;
    t->dev = dev;
    t->irq = irq;
    if (qmax > VIRTQ_SIZE_MAX)
        qmax = VIRTQ_SIZE_MAX;
    struct virtq_sink sink = { t, vmmio_queue_used, vmmio_queue_broken };
    for (unsigned i = 0; i < ops->num_queues; i++)
        virtq_init(&t->vq[i], m, i, qmax, &sink);
    t->bus = (struct virtio_bus){ t, vmmio_config_changed, vmmio_queue };
    if (ops->attach)
        ops->attach(dev, &t->bus);
    return t;
}

void virtio_mmio_destroy(void *opaque)
{
    struct virtio_mmio *t = opaque;

    if (!t)
        return;
    free(t->vq);
    free(t);
}

/* Snapshot and state hash: the transport's registers, every queue, then
 * the device's own state. The interrupt line follows int_status and is
 * restored by its sink. */
static int vmmio_snap(void *opaque, struct snap *s)
{
    struct virtio_mmio *t = opaque;
    uint32_t device_id = t->ops->device_id, nqueues = t->ops->num_queues;
    snap_u32(s, "device_id", &device_id);
    snap_u32(s, "num_queues", &nqueues);
    if (snap_loading(s) && snap_status(s) == 0 && (device_id != t->ops->device_id || nqueues != t->ops->num_queues))
        return snap_fail(s, "virtio device %u with %u queues in the file, %u with %u here", device_id, nqueues,
                         t->ops->device_id, t->ops->num_queues);
    snap_u32(s, "status", &t->status);
    snap_u32(s, "int_status", &t->int_status);
    if (snap_loading(s))
        t->irq_level = t->int_status != 0;
    snap_u32(s, "config_generation", &t->config_generation);
    snap_u32(s, "device_features_sel", &t->device_features_sel);
    snap_u32(s, "driver_features_sel", &t->driver_features_sel);
    snap_u32(s, "queue_sel", &t->queue_sel);
    snap_u64(s, "driver_features", &t->driver_features);
    snap_hash_off(s);               /* counters the guest never reads */
    snap_u64(s, "stats.notifications", &t->stat_notifications);
    snap_u64(s, "stats.interrupts", &t->stat_interrupts);
    snap_hash_on(s);
    for (unsigned i = 0; i < t->ops->num_queues && snap_status(s) == 0; i++) {
        char name[16];
        snprintf(name, sizeof(name), "q%u", i);
        virtq_snap(&t->vq[i], s, name);
    }
    int (*fn)(void *, struct snap *) = snap_loading(s) ? t->ops->load : t->ops->save;
    if (!fn) {
        /* A state hash covers the transport at least; a snapshot must be whole. */
        if (snap_mode(s) == SNAP_HASH)
            return snap_hash_skipped(s, NULL);
        return snap_fail(s, "virtio device %u cannot be saved yet", t->ops->device_id);
    }
    if (snap_status(s) == 0 && fn(t->dev, s) < 0 && snap_status(s) == 0)
        snap_fail(s, "device state not restored");
    return snap_status(s);
}

void virtio_mmio_set_stats(struct virtio_mmio *t, void (*dev_stats)(void *dev, struct json *j))
{
    t->dev_stats = dev_stats;
}

void virtio_mmio_write_stats(void *transport, struct json *j)
{
    struct virtio_mmio *t = transport;
    json_begin_object(j);
    if (t->dev_stats)
        t->dev_stats(t->dev, j);
    json_kv_u64(j, "notifications", t->stat_notifications);
    json_kv_u64(j, "interrupts", t->stat_interrupts);
    json_end_object(j);
}

const struct dev_ops virtio_mmio_ops = {
    .read = vmmio_read,
    .write = vmmio_write,
    .reset = vmmio_reset,
    .save = vmmio_snap,
    .load = vmmio_snap,
};
