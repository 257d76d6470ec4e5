/*
 * virtio-net device (virtio 1.2 §5.1) on the machine's net_hub.
 *
 * Configuration space (§5.1.4, little-endian, read-only):
 *   0x00 mac[6]                     the card's address (VIRTIO_NET_F_MAC)
 *   0x06 status                     VIRTIO_NET_S_LINK_UP (VIRTIO_NET_F_STATUS)
 *   0x08 max_virtqueue_pairs        1 (meaningful only with MQ, not offered)
 *   0x0a mtu                        1500 (VIRTIO_NET_F_MTU)
 *
 * Transmit (§5.1.6.2): each chain is a 12-byte header and the frame, all
 * device-readable. The frame goes to the hub at once; the chain is given
 * back when the frame has left the wire, so a guest cannot send faster
 * than the link and the frames in flight are bounded by the queue size.
 *
 * Receive (§5.1.6.3, §5.1.6.4): receive chains are taken off the queue as
 * soon as the driver offers them, and checked then, while a malformed one
 * can still be reported through queue_notify's return value. Frames
 * waiting at the hub port fill them in order, each with a header saying
 * num_buffers = 1 (no MRG_RXBUF: one buffer per frame). A frame that does
 * not fit the next buffer is dropped and the buffer kept for the next
 * frame, as QEMU does.
 */
#include "virtio/net.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/machine.h"
#include "core/snap.h"
#include "virtio/net_hub.h"
#include "virtio/virtqueue.h"

#define NET_RXQ 0u
#define NET_TXQ 1u

/* Largest frame a driver that negotiated VIRTIO_NET_F_MTU must accept:
 * mtu plus the Ethernet header with one 802.1Q tag (§5.1.4.1). */
#define NET_MTU_FRAME_MAX (VIRTIO_NET_MTU + 18u)

struct net_tx_done {
    uint16_t head;
    uint64_t at;                /* cycle the frame has left the wire */
};

struct virtio_net {
    struct machine *m;
    const struct virtio_bus *bus;
    struct net_port *port;
    uint8_t mac[6];
    uint64_t features;          /* accepted by the driver */
    /* Receive chains taken from the queue, oldest first. */
    struct virtq_chain rx[VIRTIO_NET_QUEUE_SIZE];
    unsigned rx_head, rx_count;
    /* Transmit chains whose frame is still on the wire, in send order. */
    struct net_tx_done tx[VIRTIO_NET_QUEUE_SIZE];
    unsigned tx_head, tx_count;
    uint64_t tx_event;          /* completion event, 0 when none */
    struct virtq_chain txc;
    uint8_t frame[NET_FRAME_MAX];
    struct virtio_net_stats st;
    bool broken;                /* reported a malformed queue; idle until reset */
    bool warned_rx, warned_tx, warned_gso;
};

static uint64_t net_features(void *dev)
{
    (void)dev;
    return VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_BIT(VIRTIO_NET_F_MTU);
}

static int net_features_ok(void *dev, uint64_t features)
{
    ((struct virtio_net *)dev)->features = features;
    return 0;
}

static uint64_t net_config_read(void *dev, uint32_t off, unsigned size)
{
    struct virtio_net *n = dev;
    uint8_t cfg[VIRTIO_NET_CONFIG_LEN] = { 0 };
    uint64_t v = 0;

    memcpy(cfg, n->mac, 6);
    cfg[6] = VIRTIO_NET_S_LINK_UP;
    cfg[8] = 1;
    cfg[10] = VIRTIO_NET_MTU & 0xff;
    cfg[11] = VIRTIO_NET_MTU >> 8;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)cfg[off + i] << (8 * i);
    return v;
}

static struct virtq *net_queue(const struct virtio_net *n, unsigned index)
{
    return n->bus ? n->bus->queue(n->bus->transport, index) : NULL;
}

/* ---- receive ---- */

static uint64_t net_rx_frame_max(const struct virtio_net *n)
{
    return (n->features & VIRTIO_BIT(VIRTIO_NET_F_MTU)) ? NET_MTU_FRAME_MAX : NET_FRAME_MAX;
}

/* One frame into one buffer: header, then the frame (§5.1.6.4). */
static int net_rx_fill(struct virtio_net *n, struct virtq *vq, const struct virtq_chain *c,
                       const uint8_t *f, size_t len)
{
    uint8_t hdr[VIRTIO_NET_HDR_LEN] = { 0 };

    hdr[10] = 1;    /* num_buffers, §5.1.6.3.2: always 1 without MRG_RXBUF */
    if (virtq_chain_write(vq, c, 0, hdr, sizeof(hdr)) != (int64_t)sizeof(hdr) ||
        virtq_chain_write(vq, c, sizeof(hdr), f, len) != (int64_t)len)
        return -1;
    n->st.rx_frames++;
    n->st.rx_bytes += len;
    return virtq_push(vq, c, (uint32_t)(sizeof(hdr) + len));
}

/* Moves waiting frames into the receive buffers we hold. */
static void net_rx_deliver(struct virtio_net *n)
{
    struct virtq *vq = net_queue(n, NET_RXQ);
    const uint8_t *f;
    size_t len;
    bool pushed = false;

    if (!vq || !vq->ready || vq->broken || n->broken)
        return;
    while (n->rx_count && (f = net_port_peek(n->port, &len)) != NULL) {
        struct virtq_chain *c = &n->rx[n->rx_head];
        if (len > net_rx_frame_max(n) || VIRTIO_NET_HDR_LEN + len > c->write_len) {
            n->st.rx_dropped++;
            net_port_pop(n->port);
            continue;
        }
        if (net_rx_fill(n, vq, c, f, len) != 0)
            break;      /* the queue broke and told the transport */
        pushed = true;
        net_port_pop(n->port);
        n->rx_head = (n->rx_head + 1) % VIRTIO_NET_QUEUE_SIZE;
        n->rx_count--;
    }
    if (pushed)
        virtq_notify(vq);
}

static void net_port_ready(void *opaque)
{
    net_rx_deliver(opaque);
}

/* The driver offered receive buffers: take them all now (see the top). */
static int net_rx_notify(struct virtio_net *n, struct virtq *vq)
{
    while (n->rx_count < VIRTIO_NET_QUEUE_SIZE) {
        struct virtq_chain *c = &n->rx[(n->rx_head + n->rx_count) % VIRTIO_NET_QUEUE_SIZE];
        int r = virtq_pop(vq, c);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        /* §5.1.6.3: receive buffers are device-writable and hold at least
         * the header. */
        if (c->nread != 0 || c->write_len < VIRTIO_NET_HDR_LEN) {
            emu_warn_once(&n->warned_rx, "virtio-net: receive buffer %s",
                          c->nread ? "with device-readable parts" : "shorter than the 12-byte header");
            return -1;
        }
        n->rx_count++;
    }
    net_rx_deliver(n);
    return 0;
}

/* ---- transmit ---- */

static void net_tx_event(void *opaque, uint64_t now);

static void net_tx_schedule(struct virtio_net *n)
{
    if (n->tx_event || !n->tx_count)
        return;
    n->tx_event = evq_post(&n->m->evq, n->tx[n->tx_head].at, EVQ_PRIO_DEVICE, net_tx_event, n);
}

/* Gives back, in order, the chains whose frames have left the wire. */
static void net_tx_complete(struct virtio_net *n, uint64_t now)
{
    struct virtq *vq = net_queue(n, NET_TXQ);
    bool pushed = false;

    while (n->tx_count && n->tx[n->tx_head].at <= now) {
        struct virtq_chain done = { .head = n->tx[n->tx_head].head };
        n->tx_head = (n->tx_head + 1) % VIRTIO_NET_QUEUE_SIZE;
        n->tx_count--;
        if (vq && !n->broken && virtq_push(vq, &done, 0) == 0)
            pushed = true;
    }
    if (pushed)
        virtq_notify(vq);
    net_tx_schedule(n);
}

static void net_tx_event(void *opaque, uint64_t now)
{
    struct virtio_net *n = opaque;
    n->tx_event = 0;
    net_tx_complete(n, now);
}

/* Sends one chain's frame; returns the cycle its buffer can be given back,
 * or UINT64_MAX if the chain is malformed. */
static uint64_t net_tx_one(struct virtio_net *n, struct virtq *vq, const struct virtq_chain *c, uint64_t now)
{
    uint8_t hdr[VIRTIO_NET_HDR_LEN];
    uint64_t left;

    /* §5.1.6.2: header and packet, device-readable only. */
    if (c->nread != c->nseg || c->read_len < VIRTIO_NET_HDR_LEN) {
        emu_warn_once(&n->warned_tx, "virtio-net: transmit buffer %s",
                      c->nread != c->nseg ? "with device-writable parts" : "shorter than the 12-byte header");
        return UINT64_MAX;
    }
    uint64_t len = c->read_len - VIRTIO_NET_HDR_LEN;
    if (virtq_chain_read(vq, c, 0, hdr, sizeof(hdr)) != (int64_t)sizeof(hdr))
        return UINT64_MAX;
    /* Flags are ignored (§5.1.6.2.2: no CSUM offered, unknown bits are
     * ignored); a GSO frame cannot be cut up without HOST_TSO/UFO. */
    if (hdr[1] != VIRTIO_NET_HDR_GSO_NONE) {
        emu_warn_once(&n->warned_gso, "virtio-net: GSO frame without a negotiated offload dropped");
        n->st.tx_dropped++;
        return now;
    }
    if (len < NET_FRAME_MIN || len > NET_FRAME_MAX) {
        n->st.tx_dropped++;
        return now;
    }
    if (virtq_chain_read(vq, c, VIRTIO_NET_HDR_LEN, n->frame, len) != (int64_t)len)
        return UINT64_MAX;
    if (net_port_send(n->port, n->frame, len, &left) != 0) {
        n->st.tx_dropped++;
        return now;
    }
    n->st.tx_frames++;
    n->st.tx_bytes += len;
    return left;
}

static int net_tx_notify(struct virtio_net *n, struct virtq *vq)
{
    uint64_t now = machine_now(n->m);

    /* At most a queue's worth of chains can be outstanding from a driver
     * that follows §2.7; anything beyond waits in the ring. */
    while (n->tx_count < VIRTIO_NET_QUEUE_SIZE) {
        int r = virtq_pop(vq, &n->txc);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        uint64_t at = net_tx_one(n, vq, &n->txc, now);
        if (at == UINT64_MAX)
            return -1;
        n->tx[(n->tx_head + n->tx_count) % VIRTIO_NET_QUEUE_SIZE] = (struct net_tx_done){ n->txc.head, at };
        n->tx_count++;
    }
    net_tx_complete(n, now);
    return 0;
}

static int net_queue_notify(void *dev, struct virtq *vq)
{
    struct virtio_net *n = dev;
    int r = 0;

    if (n->broken)
        return 0;
    if (vq->index == NET_RXQ)
        r = net_rx_notify(n, vq);
    else if (vq->index == NET_TXQ)
        r = net_tx_notify(n, vq);
    /* The transport now sets DEVICE_NEEDS_RESET; until the driver resets,
     * no more buffers are filled or given back. */
    if (r != 0)
        n->broken = true;
    return r;
}

/* §2.4: forget every buffer; frames waiting at the hub port stay there,
 * for the next driver to receive. */
static void net_reset(void *dev)
{
    struct virtio_net *n = dev;

    if (n->tx_event) {
        evq_cancel(&n->m->evq, n->tx_event);
        n->tx_event = 0;
    }
    n->tx_head = n->tx_count = 0;
    n->rx_head = n->rx_count = 0;
    n->features = 0;
    n->broken = false;
}

static void net_attach(void *dev, const struct virtio_bus *bus)
{
    ((struct virtio_net *)dev)->bus = bus;
}

/* Snapshot and state hash: negotiated features, the receive chains held,
 * the transmit chains waiting for their frame to leave the wire and the
 * completion event, the counters, then the hub port (net_hub.c). */
static int net_snap(void *dev, struct snap *s)
{
    struct virtio_net *n = dev;
    uint8_t mac[6];
    memcpy(mac, n->mac, 6);
    snap_bytes(s, "mac", mac, 6);
    if (snap_loading(s) && snap_status(s) == 0 && memcmp(mac, n->mac, 6))
        return snap_fail(s, "another MAC address in the file");
    snap_u64(s, "features", &n->features);
    snap_bool(s, "broken", &n->broken);
    snap_u32(s, "rx_head", &n->rx_head);
    snap_u32(s, "rx_count", &n->rx_count);
    snap_u32(s, "tx_head", &n->tx_head);
    snap_u32(s, "tx_count", &n->tx_count);
    if (snap_loading(s) && snap_status(s) == 0 &&
        (n->rx_head >= VIRTIO_NET_QUEUE_SIZE || n->rx_count > VIRTIO_NET_QUEUE_SIZE ||
         n->tx_head >= VIRTIO_NET_QUEUE_SIZE || n->tx_count > VIRTIO_NET_QUEUE_SIZE))
        return snap_fail(s, "receive ring %u+%u, transmit ring %u+%u", n->rx_head, n->rx_count, n->tx_head,
                         n->tx_count);
    for (unsigned i = 0; i < n->rx_count && snap_status(s) == 0; i++) {
        char name[16];
        snprintf(name, sizeof(name), "rx%u", i);
        virtq_chain_snap(&n->rx[(n->rx_head + i) % VIRTIO_NET_QUEUE_SIZE], s, name);
    }
    for (unsigned i = 0; i < n->tx_count && snap_status(s) == 0; i++) {
        struct net_tx_done *d = &n->tx[(n->tx_head + i) % VIRTIO_NET_QUEUE_SIZE];
        snap_u16(s, snap_key(s, "tx%u.head", i), &d->head);
        snap_u64(s, snap_key(s, "tx%u.at", i), &d->at);
    }
    evq_snap(&n->m->evq, s, "tx_done", &n->tx_event, net_tx_event, n);
    snap_u64(s, "st.tx_frames", &n->st.tx_frames);
    snap_u64(s, "st.tx_bytes", &n->st.tx_bytes);
    snap_u64(s, "st.tx_dropped", &n->st.tx_dropped);
    snap_u64(s, "st.rx_frames", &n->st.rx_frames);
    snap_u64(s, "st.rx_bytes", &n->st.rx_bytes);
    snap_u64(s, "st.rx_dropped", &n->st.rx_dropped);
    snap_u64(s, "st.rx_overrun", &n->st.rx_overrun);
    if (snap_status(s) == 0)
        net_port_snap(n->port, s);
    return snap_status(s);
}

const struct virtio_dev_ops virtio_net_ops = {
    .device_id = VIRTIO_ID_NET,
    .num_queues = 2,
    .queue_size_max = VIRTIO_NET_QUEUE_SIZE,
    .config_size = VIRTIO_NET_CONFIG_LEN,
    .features = net_features,
    .features_ok = net_features_ok,
    .config_read = net_config_read,
    .queue_notify = net_queue_notify,
    .reset = net_reset,
    .attach = net_attach,
    .save = net_snap,
    .load = net_snap,
};

struct virtio_net *virtio_net_create(struct machine *m, struct net_hub *hub, uint32_t hub_id,
                                     const uint8_t mac[6])
{
    struct virtio_net *n = calloc(1, sizeof(*n));

    if (!n)
        return NULL;
    n->m = m;
    memcpy(n->mac, mac, 6);
    for (unsigned i = 0; i < VIRTIO_NET_QUEUE_SIZE; i++)
        virtq_chain_init(&n->rx[i]);
    virtq_chain_init(&n->txc);
    n->port = net_hub_attach(hub, hub_id, net_port_ready, n);
    if (!n->port) {
        free(n);
        return NULL;
    }
    return n;
}

void virtio_net_destroy(void *dev)
{
    struct virtio_net *n = dev;

    if (!n)
        return;
    net_reset(n);
    net_port_detach(n->port);
    for (unsigned i = 0; i < VIRTIO_NET_QUEUE_SIZE; i++)
        virtq_chain_free(&n->rx[i]);
    virtq_chain_free(&n->txc);
    free(n);
}

void virtio_net_get_stats(const struct virtio_net *n, struct virtio_net_stats *s)
{
    struct net_port_stats ps;

    *s = n->st;
    net_port_get_stats(n->port, &ps);
    s->rx_overrun = ps.rx_dropped;
}

static void net_write_stats(void *dev, struct json *j)
{
    const struct virtio_net *n = dev;
    struct virtio_net_stats st;
    char mac[18];
    virtio_net_get_stats(n, &st);
    snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0], n->mac[1], n->mac[2], n->mac[3],
             n->mac[4], n->mac[5]);
    json_kv_str(j, "mac", mac);
    json_kv_u64(j, "tx_frames", st.tx_frames);
    json_kv_u64(j, "tx_bytes", st.tx_bytes);
    json_kv_u64(j, "tx_dropped", st.tx_dropped);
    json_kv_u64(j, "rx_frames", st.rx_frames);
    json_kv_u64(j, "rx_bytes", st.rx_bytes);
    json_kv_u64(j, "rx_dropped", st.rx_dropped);
    json_kv_u64(j, "rx_overrun", st.rx_overrun);
}

/* ---- -device virtio-net ---- */

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int virtio_net_parse_mac(const char *s, uint8_t mac[6])
{
    for (unsigned i = 0; i < 6; i++) {
        int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);
        if (lo < 0)
            return -1;
        mac[i] = (uint8_t)(hi << 4 | lo);
        s += 2;
        if (i < 5) {
            if (*s != ':' && *s != '-')
                return -1;
            s++;
        }
    }
    return *s ? -1 : 0;
}

static void *net_desc_create(const struct virtio_env *env, const struct devopts *o,
                             const struct virtio_dev_ops **ops, struct emu_err *err)
{
    static const char *const keys[] = { "mac", "hub", NULL };
    /* QEMU's first NIC address; later cards count up from it. */
    uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, (uint8_t)(0x56 + env->index) };
    const char *ms = devopts_get(o, "mac");
    uint64_t hub_id;
    struct virtio_net *n;

    if (devopts_check_keys(o, keys, err) < 0 || devopts_u64(o, "hub", 0, &hub_id, err) < 0)
        return NULL;
    if (hub_id > UINT32_MAX) {
        emu_errf(err, "%s: hub=%llu: hub numbers go up to %u", o->name, (unsigned long long)hub_id,
                 UINT32_MAX);
        return NULL;
    }
    if (ms && virtio_net_parse_mac(ms, mac) != 0) {
        emu_errf(err, "%s: mac=%s: expected six hex bytes such as 52:54:00:12:34:56", o->name, ms);
        return NULL;
    }
    static const uint8_t zero[6];
    if ((mac[0] & 1) || !memcmp(mac, zero, 6)) {
        emu_errf(err, "%s: mac=%s: not a unicast address (the first byte must be even, not all zero)",
                 o->name, ms);
        return NULL;
    }
    if (!env->hub) {
        emu_errf(err, "%s: this board has no network hub", o->name);
        return NULL;
    }
    n = virtio_net_create(env->m, env->hub, (uint32_t)hub_id, mac);
    if (!n) {
        emu_errf(err, "%s: out of memory", o->name);
        return NULL;
    }
    *ops = &virtio_net_ops;
    return n;
}

const struct virtio_device_desc virtio_net_device = {
    .name = "virtio-net",
    .alias = "virtio-net-device",
    .summary = "network card on the machine's in-process hub (virtio 1.2 §5.1)",
    .options = "[mac=52:54:00:12:34:56][,hub=N]",
    .create = net_desc_create,
    .destroy = virtio_net_destroy,
    .write_stats = net_write_stats,
};
