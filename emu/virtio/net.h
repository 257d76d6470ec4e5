/*
 * virtio-net (virtio 1.2 §5.1): a network card on the machine's net_hub.
 *
 *   -device virtio-net[,mac=52:54:00:12:34:56][,hub=N]
 *
 * One receive queue (0) and one transmit queue (1), no control queue, no
 * offloads; features MAC, STATUS (the link is always up) and MTU (1500).
 * Without a mac= the card takes QEMU's 52:54:00:12:34:56 with the last
 * byte plus its index among the machine's virtio devices, so cards differ.
 * hub=N (default 0) picks the hub number: cards on the same number see
 * each other's frames.
 *
 * The board creates it through the registry (virtio_net_device) and wraps
 * it in a transport; a test may call virtio_net_create directly:
 *
 *   struct virtio_net *n = virtio_net_create(m, hub, 0, mac);
 *   struct virtio_mmio *t = virtio_mmio_create(m, &virtio_net_ops, n, irq);
 *   ...
 *   virtio_mmio_destroy(t);
 *   virtio_net_destroy(n);         before net_hub_destroy(hub)
 */
#ifndef EMU_VIRTIO_NET_H
#define EMU_VIRTIO_NET_H

#include <stdint.h>

#include "virtio/registry.h"
#include "virtio/virtio.h"

struct machine;
struct net_hub;
struct virtio_net;

/* Feature bits, §5.1.3. */
#define VIRTIO_NET_F_MTU    3
#define VIRTIO_NET_F_MAC    5
#define VIRTIO_NET_F_STATUS 16

/* status field, §5.1.4 */
#define VIRTIO_NET_S_LINK_UP 1u

/* struct virtio_net_hdr with num_buffers, always present with VERSION_1
 * (§5.1.6); no hash report. */
#define VIRTIO_NET_HDR_LEN 12u
#define VIRTIO_NET_HDR_GSO_NONE 0u

/* Configuration space: mac, status, max_virtqueue_pairs, mtu (§5.1.4). */
#define VIRTIO_NET_CONFIG_LEN 12u

#define VIRTIO_NET_MTU 1500u
#define VIRTIO_NET_QUEUE_SIZE 256u

struct virtio_net_stats {
    uint64_t tx_frames, tx_bytes;   /* handed to the hub */
    uint64_t tx_dropped;            /* not sent: runt, oversized, GSO, or wire full */
    uint64_t rx_frames, rx_bytes;   /* written into receive buffers */
    uint64_t rx_dropped;            /* larger than the receive buffer (or the MTU) */
    uint64_t rx_overrun;            /* arrived while 256 frames already waited */
};

/* NULL when out of memory. */
struct virtio_net *virtio_net_create(struct machine *m, struct net_hub *hub, uint32_t hub_id,
                                     const uint8_t mac[6]);
/* Detaches from the hub and cancels pending completions. */
void virtio_net_destroy(void *dev);

void virtio_net_get_stats(const struct virtio_net *n, struct virtio_net_stats *s);

/* "52:54:00:12:34:56" (or with '-'): 0, or -1 when malformed. */
int virtio_net_parse_mac(const char *s, uint8_t mac[6]);

extern const struct virtio_dev_ops virtio_net_ops;
extern const struct virtio_device_desc virtio_net_device;

#endif
