/*
 * The machine's Ethernet: an in-process hub that carries frames between
 * the NICs of one machine, in virtual time only.
 *
 * Ports attach to a numbered hub (`hub=N` on the device, default 0); a
 * frame sent by one port reaches every other port of the same hub number.
 * The board makes one struct net_hub per machine and hands it to every
 * NIC (struct virtio_env.hub).
 *
 *   struct net_port *p = net_hub_attach(hub, 0, nic_frames_waiting, nic);
 *   uint64_t gone;
 *   net_port_send(p, frame, len, &gone);       at machine_now()
 *   ...
 *   size_t n;                                  later, in nic_frames_waiting()
 *   const uint8_t *f;
 *   while (nic_has_buffer(nic) && (f = net_port_peek(p, &n))) {
 *       copy f into the buffer;
 *       net_port_pop(p);
 *   }
 *
 * Timing. Each hub number is one shared medium, like a repeater hub
 * without collisions: frames go on the wire one after another in the
 * order they were sent, each starting when both its sender has sent it
 * (machine_now()) and the previous frame has left the wire. A frame takes
 * its wire time at NET_HUB_LINK_BPS, counting what real Ethernet puts
 * around it (preamble and start delimiter 8 bytes, padding to 60, FCS 4,
 * inter-frame gap 12), and arrives NET_HUB_LATENCY_NS after it has left
 * the wire. Arrival is an event on the machine's queue, so delivery
 * depends only on virtual time and send order, never on the host.
 *
 * Each port holds up to NET_PORT_QUEUE frames that arrived while its NIC
 * had no receive buffer; a frame arriving to a full queue is dropped and
 * counted, as a NIC with a full FIFO drops it.
 */
#ifndef EMU_VIRTIO_NET_HUB_H
#define EMU_VIRTIO_NET_HUB_H

#include <stddef.h>
#include <stdint.h>

struct machine;
struct net_hub;
struct net_port;

#define NET_HUB_LINK_BPS   1000000000ull   /* 1 Gbit/s */
#define NET_HUB_LATENCY_NS 1000u           /* 1 us from wire to the receiving port */
#define NET_PORT_QUEUE     256u            /* frames waiting at one port */
#define NET_HUB_IN_FLIGHT  4096u           /* frames on one hub's wire at once */
#define NET_FRAME_MIN      14u             /* an Ethernet header */
#define NET_FRAME_MAX      65535u

/* Ethernet framing around the bytes a NIC hands over: preamble and SFD,
 * minimum frame, FCS (IEEE 802.3 clause 3.1.1), inter-frame gap (4.4.2). */
#define NET_WIRE_PREAMBLE  8u
#define NET_WIRE_MIN_FRAME 60u
#define NET_WIRE_FCS       4u
#define NET_WIRE_IFG       12u

/* Frames are waiting at the port (called from the arrival event). */
typedef void (*net_port_ready_fn)(void *opaque);

struct net_port_stats {
    uint64_t tx_frames, tx_bytes;
    uint64_t tx_dropped;        /* refused by net_port_send */
    uint64_t rx_frames, rx_bytes;   /* arrived and queued at the port */
    uint64_t rx_dropped;        /* arrived to a full port queue */
};

struct net_hub *net_hub_create(struct machine *m);
/* Frees the hub, every port still attached and every frame in flight. */
void net_hub_destroy(struct net_hub *h);

/* A new port on hub number hub_id; NULL when out of memory. */
struct net_port *net_hub_attach(struct net_hub *h, uint32_t hub_id, net_port_ready_fn ready, void *opaque);
/* Removes the port and the frames waiting at it. */
void net_port_detach(struct net_port *p);

/* The virtual cycle one frame of len bytes takes on the wire. */
uint64_t net_hub_wire_cycles(const struct net_hub *h, size_t len);

/* Copies the frame onto the wire at machine_now(). Returns 0 and sets
 * *left to the cycle the frame has left the sender's wire, or -1 (frame
 * shorter than NET_FRAME_MIN or longer than NET_FRAME_MAX, or the wire
 * full) after counting it in tx_dropped. */
int net_port_send(struct net_port *p, const void *frame, size_t len, uint64_t *left);

/* The oldest frame waiting at the port, or NULL; valid until net_port_pop. */
const uint8_t *net_port_peek(const struct net_port *p, size_t *len);
void net_port_pop(struct net_port *p);
size_t net_port_waiting(const struct net_port *p);

void net_port_get_stats(const struct net_port *p, struct net_port_stats *s);

/* Snapshots and state hashes (core/snap.h), called by the port's NIC: the
 * frames waiting at the port and its counters, and, from the first port
 * attached to each hub number, that wire's frames in flight and their
 * arrival event. So the whole hub is saved through its ports, in the
 * order they were attached. */
struct snap;
int net_port_snap(struct net_port *p, struct snap *s);

#endif
