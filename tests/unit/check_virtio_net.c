/*
 * Unit tests for virtio/net: two virtio-net cards behind MMIO transports
 * on one hub in one test machine, driven through their registers
 * (virtio 1.2 §4.2.2) and the test-side virtqueue driver: configuration
 * space, a frame sent by one card landing in the other's receive buffer
 * with a correct header at the hub's arrival time, transmit buffers given
 * back when the frame has left the wire, drops (too big, MTU, GSO) counted,
 * malformed chains setting DEVICE_NEEDS_RESET, and the -device options.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "virtio/net.h"
#include "virtio/net_hub.h"
#include "virtio/registry.h"
#include "virtio/virtio.h"
#include "virtio/virtio_mmio.h"
#include "virtio/virtqueue.h"
#include "virtq_driver.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x100000ull
#define QSIZE    8
#define LATENCY  1000u                         /* 1 us at 1 GHz */
#define WIRE(n)  ((8u + (n) + 4u + 12u) * 8u)  /* 1 Gbit/s at 1 GHz: a cycle per bit */
#define HDR      VIRTIO_NET_HDR_LEN

/* Register offsets, §4.2.2. */
enum {
    R_DEV_FEAT = 0x010, R_DEV_FEAT_SEL = 0x014, R_DRV_FEAT = 0x020, R_DRV_FEAT_SEL = 0x024,
    R_QUEUE_SEL = 0x030, R_QUEUE_NUM = 0x038, R_QUEUE_READY = 0x044, R_QUEUE_NOTIFY = 0x050,
    R_INT_STATUS = 0x060, R_INT_ACK = 0x064, R_STATUS = 0x070, R_DESC_LO = 0x080, R_DESC_HI = 0x084,
    R_DRIVER_LO = 0x090, R_DRIVER_HI = 0x094, R_DEVICE_LO = 0x0a0, R_DEVICE_HI = 0x0a4, R_CONFIG = 0x100,
};

#define F_V1     VIRTIO_BIT(VIRTIO_F_VERSION_1)
#define F_BASIC  (F_V1 | VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS))
#define F_MTU    VIRTIO_BIT(VIRTIO_NET_F_MTU)

static const uint8_t MAC_A[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t MAC_B[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x57 };

struct nic {
    struct virtio_net *dev;
    struct virtio_mmio *tr;
    struct vqd rx, tx;
    uint64_t bufs;              /* this card's buffer area */
    bool irq;
};

struct tm {
    struct machine m;
    struct net_hub *hub;
    struct nic a, b;
};

static void irq_sink(void *sink, unsigned input, bool level)
{
    (void)input;
    ((struct nic *)sink)->irq = level;
}

static uint32_t mr(struct nic *n, uint64_t off)
{
    return (uint32_t)virtio_mmio_ops.read(n->tr, off, 4);
}

static void mw(struct nic *n, uint64_t off, uint32_t v)
{
    virtio_mmio_ops.write(n->tr, off, v, 4);
}

static void nic_init(struct tm *t, struct nic *n, const uint8_t mac[6], uint32_t hub_id, uint64_t area)
{
    n->dev = virtio_net_create(&t->m, t->hub, hub_id, mac);
    ck_assert_ptr_nonnull(n->dev);
    n->tr = virtio_mmio_create(&t->m, &virtio_net_ops, n->dev, irq_line_make(irq_sink, n, 1));
    ck_assert_ptr_nonnull(n->tr);
    vqd_init(&n->rx, &t->m, area, QSIZE);
    vqd_init(&n->tx, &t->m, area + 0x2000, QSIZE);
    n->bufs = area + 0x4000;
}

static void nic_queue_setup(struct nic *n, unsigned q, const struct vqd *d)
{
    mw(n, R_QUEUE_SEL, q);
    mw(n, R_QUEUE_NUM, QSIZE);
    mw(n, R_DESC_LO, (uint32_t)d->desc);
    mw(n, R_DESC_HI, (uint32_t)(d->desc >> 32));
    mw(n, R_DRIVER_LO, (uint32_t)d->avail);
    mw(n, R_DRIVER_HI, (uint32_t)(d->avail >> 32));
    mw(n, R_DEVICE_LO, (uint32_t)d->used);
    mw(n, R_DEVICE_HI, (uint32_t)(d->used >> 32));
    mw(n, R_QUEUE_READY, 1);
}

/* §3.1.1: reset, negotiate, set up both queues, DRIVER_OK. */
static void nic_start(struct nic *n, uint64_t features)
{
    mw(n, R_STATUS, 0);
    mw(n, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    mw(n, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    mw(n, R_DRV_FEAT_SEL, 0);
    mw(n, R_DRV_FEAT, (uint32_t)features);
    mw(n, R_DRV_FEAT_SEL, 1);
    mw(n, R_DRV_FEAT, (uint32_t)(features >> 32));
    mw(n, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    ck_assert(mr(n, R_STATUS) & VIRTIO_STATUS_FEATURES_OK);
    nic_queue_setup(n, 0, &n->rx);
    nic_queue_setup(n, 1, &n->tx);
    mw(n, R_STATUS, mr(n, R_STATUS) | VIRTIO_STATUS_DRIVER_OK);
}

/* A driver reset and a fresh start on zeroed rings. */
static void nic_restart(struct tm *t, struct nic *n, uint64_t features)
{
    vqd_init(&n->rx, &t->m, n->rx.desc, QSIZE);
    vqd_init(&n->tx, &t->m, n->tx.desc, QSIZE);
    nic_start(n, features);
}

static struct tm *tm_new(uint64_t features)
{
    struct tm *t = calloc(1, sizeof(*t));
    struct machine_config cfg = { 0 };
    struct emu_err err;
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(machine_init(&t->m, &cfg, &err), 0);
    ck_assert_int_eq(memmap_add_ram(&t->m.map, RAM_BASE, RAM_SIZE, "ram", &err), 0);
    t->hub = net_hub_create(&t->m);
    ck_assert_ptr_nonnull(t->hub);
    nic_init(t, &t->a, MAC_A, 0, RAM_BASE + 0x10000);
    nic_init(t, &t->b, MAC_B, 0, RAM_BASE + 0x40000);
    if (features) {
        nic_start(&t->a, features);
        nic_start(&t->b, features);
    }
    return t;
}

static void nic_free(struct nic *n)
{
    virtio_mmio_destroy(n->tr);
    virtio_net_destroy(n->dev);
}

static void tm_free(struct tm *t)
{
    nic_free(&t->a);
    nic_free(&t->b);
    net_hub_destroy(t->hub);
    machine_destroy(&t->m);
    free(t);
}

/* Runs events one due time after another up to cycle c, as machine_run does. */
static void tm_advance_to(struct tm *t, uint64_t c)
{
    uint64_t next;
    while ((next = evq_next_time(&t->m.evq)) <= c) {
        t->m.vclock = next;
        evq_run_due(&t->m.evq, next);
    }
    t->m.vclock = c;
}

/* An Ethernet frame from src to dst, payload bytes counting up from tag. */
static void frame_make(uint8_t *f, size_t len, const uint8_t *dst, const uint8_t *src, uint8_t tag)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x08;
    f[13] = 0x00;
    for (size_t i = 14; i < len; i++)
        f[i] = (uint8_t)(tag + i);
}

/* Makes a transmit chain (header descriptor, frame descriptor) available
 * and notifies; returns its head. */
static uint16_t nic_send(struct nic *n, const uint8_t *hdr, const uint8_t *f, size_t len)
{
    static const uint8_t zero_hdr[HDR];
    uint64_t h = n->bufs, d = n->bufs + 0x100;
    ck_assert_int_eq(machine_phys_write(n->tx.m, h, hdr ? hdr : zero_hdr, HDR), 0);
    ck_assert_int_eq(machine_phys_write(n->tx.m, d, f, len), 0);
    struct vqd_seg s[] = { { h, HDR, 0 }, { d, (uint32_t)len, 0 } };
    uint16_t head = vqd_add_chain(&n->tx, s, 2);
    mw(n, R_QUEUE_NOTIFY, 1);
    return head;
}

/* Offers one receive buffer of size bytes at addr and notifies. */
static uint16_t nic_post_rx(struct nic *n, uint64_t addr, uint32_t size)
{
    struct vqd_seg s[] = { { addr, size, 1 } };
    uint16_t head = vqd_add_chain(&n->rx, s, 1);
    mw(n, R_QUEUE_NOTIFY, 0);
    return head;
}

static void net_stats(struct nic *n, struct virtio_net_stats *s)
{
    virtio_net_get_stats(n->dev, s);
}

START_TEST(test_virtio_net_config_space_holds_mac_status_mtu)
{
    struct tm *t = tm_new(0);
    for (unsigned i = 0; i < 6; i++)
        ck_assert_uint_eq(virtio_mmio_ops.read(t->a.tr, R_CONFIG + i, 1), MAC_A[i]);
    ck_assert_uint_eq(virtio_mmio_ops.read(t->b.tr, R_CONFIG + 4, 2), 0x5734);
    ck_assert_uint_eq(virtio_mmio_ops.read(t->a.tr, R_CONFIG + 6, 2), VIRTIO_NET_S_LINK_UP);
    ck_assert_uint_eq(virtio_mmio_ops.read(t->a.tr, R_CONFIG + 10, 2), 1500);
    ck_assert_uint_eq(virtio_mmio_ops.read(t->a.tr, R_CONFIG + 12, 1), 0);   /* past the end */

    mw(&t->a, R_DEV_FEAT_SEL, 0);
    uint32_t lo = mr(&t->a, R_DEV_FEAT);
    ck_assert_uint_eq(lo & (1u << VIRTIO_NET_F_MAC), 1u << VIRTIO_NET_F_MAC);
    ck_assert_uint_eq(lo & (1u << VIRTIO_NET_F_STATUS), 1u << VIRTIO_NET_F_STATUS);
    ck_assert_uint_eq(lo & (1u << VIRTIO_NET_F_MTU), 1u << VIRTIO_NET_F_MTU);
    /* No offloads: CSUM (0), GUEST_CSUM (1), HOST_TSO4 (11), MRG_RXBUF (15), CTRL_VQ (17). */
    ck_assert_uint_eq(lo & ((1u << 0) | (1u << 1) | (1u << 11) | (1u << 15) | (1u << 17)), 0);
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_net_tx_lands_in_peer_rx_buffer_with_header)
{
    struct tm *t = tm_new(F_BASIC);
    uint64_t rxbuf = t->b.bufs + 0x1000;
    uint16_t rx_head = nic_post_rx(&t->b, rxbuf, 1526);
    uint8_t f[60];
    frame_make(f, sizeof(f), MAC_B, MAC_A, 0x10);

    tm_advance_to(t, 5000);
    uint16_t tx_head = nic_send(&t->a, NULL, f, sizeof(f));
    uint32_t id, len;
    /* Nothing yet: the frame is on the wire. */
    ck_assert_int_eq(vqd_get_used(&t->b.rx, &id, &len), 0);
    ck_assert_int_eq(vqd_get_used(&t->a.tx, &id, &len), 0);
    ck_assert(!t->a.irq && !t->b.irq);

    /* The transmit buffer comes back once the frame has left the wire. */
    tm_advance_to(t, 5000 + WIRE(60) - 1);
    ck_assert_int_eq(vqd_get_used(&t->a.tx, &id, &len), 0);
    tm_advance_to(t, 5000 + WIRE(60));
    ck_assert_int_eq(vqd_get_used(&t->a.tx, &id, &len), 1);
    ck_assert_uint_eq(id, tx_head);
    ck_assert_uint_eq(len, 0);
    ck_assert(t->a.irq);

    /* 1 us later it is in B's buffer. */
    tm_advance_to(t, 5000 + WIRE(60) + LATENCY - 1);
    ck_assert_int_eq(vqd_get_used(&t->b.rx, &id, &len), 0);
    tm_advance_to(t, 5000 + WIRE(60) + LATENCY);
    ck_assert_int_eq(vqd_get_used(&t->b.rx, &id, &len), 1);
    ck_assert_uint_eq(id, rx_head);
    ck_assert_uint_eq(len, HDR + sizeof(f));
    ck_assert(t->b.irq);
    ck_assert_uint_eq(mr(&t->b, R_INT_STATUS), 1);

    uint8_t got[HDR + sizeof(f)];
    ck_assert_int_eq(machine_phys_read(&t->m, rxbuf, got, sizeof(got)), 0);
    static const uint8_t want_hdr[HDR] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 };   /* num_buffers = 1 */
    ck_assert_mem_eq(got, want_hdr, HDR);
    ck_assert_mem_eq(got + HDR, f, sizeof(f));

    /* The sender hears nothing of its own frame. */
    ck_assert_int_eq(vqd_get_used(&t->a.rx, &id, &len), 0);

    struct virtio_net_stats sa, sb;
    net_stats(&t->a, &sa);
    net_stats(&t->b, &sb);
    ck_assert_uint_eq(sa.tx_frames, 1);
    ck_assert_uint_eq(sa.tx_bytes, sizeof(f));
    ck_assert_uint_eq(sb.rx_frames, 1);
    ck_assert_uint_eq(sb.rx_bytes, sizeof(f));
    ck_assert_uint_eq(sb.rx_dropped + sb.rx_overrun + sa.tx_dropped, 0);
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_net_frame_waits_for_rx_buffer)
{
    struct tm *t = tm_new(F_BASIC);
    uint8_t f1[100], f2[80];
    frame_make(f1, sizeof(f1), MAC_B, MAC_A, 1);
    frame_make(f2, sizeof(f2), MAC_B, MAC_A, 2);
    nic_send(&t->a, NULL, f1, sizeof(f1));
    nic_send(&t->a, NULL, f2, sizeof(f2));
    tm_advance_to(t, 100000);
    uint32_t id, len;
    ck_assert_int_eq(vqd_get_used(&t->b.rx, &id, &len), 0);

    /* Buffers offered later are filled at once, oldest frame first. */
    uint64_t b1 = t->b.bufs + 0x1000, b2 = t->b.bufs + 0x2000;
    uint16_t h1 = nic_post_rx(&t->b, b1, 1526);
    ck_assert_int_eq(vqd_get_used(&t->b.rx, &id, &len), 1);
    ck_assert_uint_eq(id, h1);
    ck_assert_uint_eq(len, HDR + sizeof(f1));
    uint16_t h2 = nic_post_rx(&t->b, b2, 1526);
    ck_assert_int_eq(vqd_get_used(&t->b.rx, &id, &len), 1);
    ck_assert_uint_eq(id, h2);
    ck_assert_uint_eq(len, HDR + sizeof(f2));
    uint8_t got[sizeof(f2)];
    ck_assert_int_eq(machine_phys_read(&t->m, b2 + HDR, got, sizeof(got)), 0);
    ck_assert_mem_eq(got, f2, sizeof(f2));
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_net_frame_too_big_for_buffer_dropped_and_counted)
{
    struct tm *t = tm_new(F_BASIC);
    uint64_t buf = t->b.bufs + 0x1000;
    uint16_t head = nic_post_rx(&t->b, buf, HDR + 40);
    uint8_t big[100], small[40];
    frame_make(big, sizeof(big), MAC_B, MAC_A, 1);
    frame_make(small, sizeof(small), MAC_B, MAC_A, 2);

    nic_send(&t->a, NULL, big, sizeof(big));
    tm_advance_to(t, 100000);
    uint32_t id, len;
    ck_assert_int_eq(vqd_get_used(&t->b.rx, &id, &len), 0);
    struct virtio_net_stats sb;
    net_stats(&t->b, &sb);
    ck_assert_uint_eq(sb.rx_dropped, 1);
    ck_assert_uint_eq(sb.rx_frames, 0);

    /* The buffer was kept for the next frame, which fits exactly. */
    nic_send(&t->a, NULL, small, sizeof(small));
    tm_advance_to(t, 200000);
    ck_assert_int_eq(vqd_get_used(&t->b.rx, &id, &len), 1);
    ck_assert_uint_eq(id, head);
    ck_assert_uint_eq(len, HDR + sizeof(small));
    net_stats(&t->b, &sb);
    ck_assert_uint_eq(sb.rx_dropped, 1);
    ck_assert_uint_eq(sb.rx_frames, 1);
    ck_assert(!(mr(&t->b, R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET));
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_net_mtu_negotiated_drops_frames_over_mtu)
{
    struct tm *t = tm_new(0);
    nic_start(&t->a, F_BASIC);              /* the sender does not care about the MTU */
    nic_start(&t->b, F_BASIC | F_MTU);
    nic_post_rx(&t->b, t->b.bufs + 0x1000, 0x2000);
    nic_post_rx(&t->b, t->b.bufs + 0x4000, 0x2000);
    static uint8_t f[1600];
    frame_make(f, sizeof(f), MAC_B, MAC_A, 1);
    nic_send(&t->a, NULL, f, sizeof(f));                /* 1500 + 100: over */
    tm_advance_to(t, 100000);
    nic_send(&t->a, NULL, f, 1500 + 18);                /* MTU plus a tagged header: fits */
    tm_advance_to(t, 200000);
    uint32_t id, len;
    ck_assert_int_eq(vqd_get_used(&t->b.rx, &id, &len), 1);
    ck_assert_uint_eq(len, HDR + 1518);
    ck_assert_int_eq(vqd_get_used(&t->b.rx, &id, &len), 0);
    struct virtio_net_stats sb;
    net_stats(&t->b, &sb);
    ck_assert_uint_eq(sb.rx_dropped, 1);

    /* Without VIRTIO_NET_F_MTU the same big frame is delivered. */
    nic_restart(t, &t->b, F_BASIC);
    nic_post_rx(&t->b, t->b.bufs + 0x1000, 0x2000);
    nic_send(&t->a, NULL, f, sizeof(f));
    tm_advance_to(t, 300000);
    ck_assert_int_eq(vqd_get_used(&t->b.rx, &id, &len), 1);
    ck_assert_uint_eq(len, HDR + sizeof(f));
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_net_gso_and_runt_frames_dropped_buffer_returned)
{
    struct tm *t = tm_new(F_BASIC);
    nic_post_rx(&t->b, t->b.bufs + 0x1000, 1526);
    uint8_t f[100];
    frame_make(f, sizeof(f), MAC_B, MAC_A, 1);
    uint8_t gso_hdr[HDR] = { 0, 1 /* GSO_TCPV4 */ };
    nic_send(&t->a, gso_hdr, f, sizeof(f));
    nic_send(&t->a, NULL, f, 10);           /* shorter than an Ethernet header */
    tm_advance_to(t, 100000);
    uint32_t id, len;
    ck_assert_int_eq(vqd_get_used(&t->a.tx, &id, &len), 1);
    ck_assert_int_eq(vqd_get_used(&t->a.tx, &id, &len), 1);
    ck_assert_int_eq(vqd_get_used(&t->b.rx, &id, &len), 0);
    struct virtio_net_stats sa;
    net_stats(&t->a, &sa);
    ck_assert_uint_eq(sa.tx_dropped, 2);
    ck_assert_uint_eq(sa.tx_frames, 0);
    ck_assert(!(mr(&t->a, R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET));
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_net_tx_header_too_short_needs_reset)
{
    struct tm *t = tm_new(F_BASIC);
    struct vqd_seg s[] = { { t->a.bufs, 8, 0 } };
    vqd_add_chain(&t->a.tx, s, 1);
    mw(&t->a, R_QUEUE_NOTIFY, 1);
    ck_assert(mr(&t->a, R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    ck_assert_uint_eq(mr(&t->a, R_INT_STATUS) & 2, 2);
    ck_assert(t->a.irq);
    /* Nothing went out. */
    tm_advance_to(t, 100000);
    struct virtio_net_stats sa;
    net_stats(&t->a, &sa);
    ck_assert_uint_eq(sa.tx_frames, 0);
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_net_tx_writable_descriptor_needs_reset)
{
    struct tm *t = tm_new(F_BASIC);
    struct vqd_seg s[] = { { t->a.bufs, HDR + 60, 0 }, { t->a.bufs + 0x100, 16, 1 } };
    vqd_add_chain(&t->a.tx, s, 2);
    mw(&t->a, R_QUEUE_NOTIFY, 1);
    ck_assert(mr(&t->a, R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_net_tx_descriptor_loop_needs_reset)
{
    struct tm *t = tm_new(F_BASIC);
    vqd_write_desc(&t->a.tx, 0, t->a.bufs, 64, VIRTQ_DESC_F_NEXT, 1);
    vqd_write_desc(&t->a.tx, 1, t->a.bufs, 64, VIRTQ_DESC_F_NEXT, 0);
    vqd_publish(&t->a.tx, 0);
    mw(&t->a, R_QUEUE_NOTIFY, 1);
    ck_assert(mr(&t->a, R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_net_rx_buffer_shorter_than_header_needs_reset)
{
    struct tm *t = tm_new(F_BASIC);
    nic_post_rx(&t->b, t->b.bufs, HDR - 1);
    ck_assert(mr(&t->b, R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    /* Frames arriving now are not written anywhere. */
    uint8_t f[60];
    frame_make(f, sizeof(f), MAC_B, MAC_A, 1);
    nic_send(&t->a, NULL, f, sizeof(f));
    tm_advance_to(t, 100000);
    uint32_t id, len;
    ck_assert_int_eq(vqd_get_used(&t->b.rx, &id, &len), 0);

    /* After a reset the card works again. */
    nic_restart(t, &t->b, F_BASIC);
    ck_assert(!(mr(&t->b, R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET));
    nic_post_rx(&t->b, t->b.bufs + 0x1000, 1526);
    ck_assert_int_eq(vqd_get_used(&t->b.rx, &id, &len), 1);   /* the frame that waited */
    ck_assert_uint_eq(len, HDR + sizeof(f));
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_net_hub_numbers_separate_cards)
{
    struct tm *t = calloc(1, sizeof(*t));
    struct machine_config cfg = { 0 };
    struct emu_err err;
    ck_assert_int_eq(machine_init(&t->m, &cfg, &err), 0);
    ck_assert_int_eq(memmap_add_ram(&t->m.map, RAM_BASE, RAM_SIZE, "ram", &err), 0);
    t->hub = net_hub_create(&t->m);
    nic_init(t, &t->a, MAC_A, 1, RAM_BASE + 0x10000);
    nic_init(t, &t->b, MAC_B, 0, RAM_BASE + 0x40000);
    nic_start(&t->a, F_BASIC);
    nic_start(&t->b, F_BASIC);
    nic_post_rx(&t->b, t->b.bufs + 0x1000, 1526);
    uint8_t f[60];
    frame_make(f, sizeof(f), MAC_B, MAC_A, 1);
    nic_send(&t->a, NULL, f, sizeof(f));
    tm_advance_to(t, 100000);
    uint32_t id, len;
    ck_assert_int_eq(vqd_get_used(&t->b.rx, &id, &len), 0);
    ck_assert_int_eq(vqd_get_used(&t->a.tx, &id, &len), 1);    /* it did go out, on hub 1 */
    tm_free(t);
}
END_TEST

/* Creates a card through the -device table; NULL with err on bad options. */
static struct virtio_net *desc_create(struct machine *m, struct net_hub *hub, unsigned index, const char *spec,
                                      struct emu_err *err)
{
    struct devopts o;
    const struct virtio_dev_ops *ops = NULL;
    struct virtio_env env = { m, index, hub };
    ck_assert_int_eq(devopts_parse(&o, spec, err), 0);
    void *dev = virtio_net_device.create(&env, &o, &ops, err);
    devopts_free(&o);
    if (dev)
        ck_assert_ptr_eq(ops, &virtio_net_ops);
    return dev;
}

START_TEST(test_virtio_net_options_mac_default_and_given)
{
    struct tm *t = tm_new(0);
    struct emu_err err;
    struct virtio_net *n = desc_create(&t->m, t->hub, 2, "virtio-net", &err);
    ck_assert_ptr_nonnull(n);
    ck_assert_uint_eq(virtio_net_ops.config_read(n, 5, 1), 0x58);   /* 52:54:00:12:34:56 + 2 */
    ck_assert_uint_eq(virtio_net_ops.config_read(n, 0, 4), 0x12005452);
    virtio_net_device.destroy(n);

    n = desc_create(&t->m, t->hub, 0, "virtio-net-device,mac=02:AB:cd:00:00:09,hub=3", &err);
    ck_assert_ptr_nonnull(n);
    ck_assert_uint_eq(virtio_net_ops.config_read(n, 0, 2), 0xab02);
    ck_assert_uint_eq(virtio_net_ops.config_read(n, 5, 1), 0x09);
    virtio_net_device.destroy(n);

    ck_assert_str_eq(virtio_net_device.name, "virtio-net");
    ck_assert_str_eq(virtio_net_device.alias, "virtio-net-device");
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_net_options_bad_values_name_the_problem)
{
    struct tm *t = tm_new(0);
    struct emu_err err;
    ck_assert_ptr_null(desc_create(&t->m, t->hub, 0, "virtio-net,mac=52:54:00:12:34", &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "mac=52:54:00:12:34"));
    ck_assert_ptr_null(desc_create(&t->m, t->hub, 0, "virtio-net,mac=52:54:00:12:34:5g", &err));
    ck_assert_ptr_null(desc_create(&t->m, t->hub, 0, "virtio-net,mac=52:54:00:12:34:567", &err));
    ck_assert_ptr_null(desc_create(&t->m, t->hub, 0, "virtio-net,mac=01:00:5e:00:00:01", &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "unicast"));
    ck_assert_ptr_null(desc_create(&t->m, t->hub, 0, "virtio-net,mac=00:00:00:00:00:00", &err));
    ck_assert_ptr_null(desc_create(&t->m, t->hub, 0, "virtio-net,hub=x", &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "hub=x"));
    ck_assert_ptr_null(desc_create(&t->m, t->hub, 0, "virtio-net,hub=4294967296", &err));
    ck_assert_ptr_null(desc_create(&t->m, t->hub, 0, "virtio-net,speed=10", &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "speed"));
    ck_assert_ptr_null(desc_create(&t->m, NULL, 0, "virtio-net", &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "hub"));
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_net_parse_mac_accepts_colons_and_dashes)
{
    uint8_t mac[6];
    static const uint8_t want[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
    ck_assert_int_eq(virtio_net_parse_mac("52:54:00:ab:cd:ef", mac), 0);
    ck_assert_mem_eq(mac, want, 6);
    ck_assert_int_eq(virtio_net_parse_mac("52-54-00-AB-CD-EF", mac), 0);
    ck_assert_mem_eq(mac, want, 6);
    ck_assert_int_eq(virtio_net_parse_mac("", mac), -1);
    ck_assert_int_eq(virtio_net_parse_mac("5:54:00:ab:cd:ef", mac), -1);
    ck_assert_int_eq(virtio_net_parse_mac("52:54:00:ab:cd:ef:", mac), -1);
    ck_assert_int_eq(virtio_net_parse_mac("52:54:00:ab:cd", mac), -1);
}
END_TEST

static Suite *virtio_net_suite(void)
{
    Suite *s = suite_create("virtio_net");
    TCase *tc = tcase_create("traffic");
    tcase_add_test(tc, test_virtio_net_config_space_holds_mac_status_mtu);
    tcase_add_test(tc, test_virtio_net_tx_lands_in_peer_rx_buffer_with_header);
    tcase_add_test(tc, test_virtio_net_frame_waits_for_rx_buffer);
    tcase_add_test(tc, test_virtio_net_frame_too_big_for_buffer_dropped_and_counted);
    tcase_add_test(tc, test_virtio_net_mtu_negotiated_drops_frames_over_mtu);
    tcase_add_test(tc, test_virtio_net_gso_and_runt_frames_dropped_buffer_returned);
    tcase_add_test(tc, test_virtio_net_hub_numbers_separate_cards);
    suite_add_tcase(s, tc);
    TCase *bad = tcase_create("malformed");
    tcase_add_test(bad, test_virtio_net_tx_header_too_short_needs_reset);
    tcase_add_test(bad, test_virtio_net_tx_writable_descriptor_needs_reset);
    tcase_add_test(bad, test_virtio_net_tx_descriptor_loop_needs_reset);
    tcase_add_test(bad, test_virtio_net_rx_buffer_shorter_than_header_needs_reset);
    suite_add_tcase(s, bad);
    TCase *opt = tcase_create("options");
    tcase_add_test(opt, test_virtio_net_options_mac_default_and_given);
    tcase_add_test(opt, test_virtio_net_options_bad_values_name_the_problem);
    tcase_add_test(opt, test_virtio_net_parse_mac_accepts_colons_and_dashes);
    suite_add_tcase(s, opt);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(virtio_net_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
