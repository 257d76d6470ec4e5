/*
 * virtio-net from inside: eth0 and eth1 sit on emu's in-process hub.
 * Raw Ethernet frames (a local experimental EtherType, IEEE 802 0x88B5)
 * go eth0 -> eth1 and back, in sizes from the minimum to the full MTU,
 * and every frame must arrive intact at the other card.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "checks.h"

#define ETHERTYPE_EMU 0x88B5
#define ROUNDS 32

struct nic {
    const char *name;
    int ifindex;
    uint8_t mac[6];
    int sock;
};

static int nic_open(struct nic *n, char *msg, size_t len)
{
    struct ifreq ifr;
    int ctl = socket(AF_INET, SOCK_DGRAM, 0);
    n->sock = -1;
    if (ctl < 0) {
        snprintf(msg, len, "socket: %s", strerror(errno));
        return -1;
    }
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", n->name);
    int rc = -1;
    if (ioctl(ctl, SIOCGIFFLAGS, &ifr) < 0) {
        snprintf(msg, len, "no %s: %s", n->name, strerror(errno));
        goto out;
    }
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(ctl, SIOCSIFFLAGS, &ifr) < 0 || ioctl(ctl, SIOCGIFINDEX, &ifr) < 0) {
        snprintf(msg, len, "cannot bring %s up: %s", n->name, strerror(errno));
        goto out;
    }
    n->ifindex = ifr.ifr_ifindex;
    if (ioctl(ctl, SIOCGIFHWADDR, &ifr) < 0) {
        snprintf(msg, len, "no MAC for %s: %s", n->name, strerror(errno));
        goto out;
    }
    memcpy(n->mac, ifr.ifr_hwaddr.sa_data, 6);
    n->sock = socket(AF_PACKET, SOCK_RAW, htons(ETHERTYPE_EMU));
    struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETHERTYPE_EMU),
                               .sll_ifindex = n->ifindex };
    if (n->sock < 0 || bind(n->sock, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
        snprintf(msg, len, "packet socket on %s: %s", n->name, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    close(ctl);
    return rc;
}

static void frame_fill(uint8_t *f, size_t size, const struct nic *from, const struct nic *to, unsigned round)
{
    memcpy(f, to->mac, 6);
    memcpy(f + 6, from->mac, 6);
    f[12] = ETHERTYPE_EMU >> 8;
    f[13] = ETHERTYPE_EMU & 0xff;
    for (size_t i = 14; i < size; i++)
        f[i] = (uint8_t)(round * 31 + i);
}

/* Waits up to a second of guest time for the frame sent to `to`. */
static int frame_receive(const struct nic *to, const uint8_t *want, size_t size, char *msg, size_t len)
{
    uint8_t got[1600];
    for (;;) {
        struct pollfd p = { .fd = to->sock, .events = POLLIN };
        if (poll(&p, 1, 1000) <= 0) {
            snprintf(msg, len, "no frame of %zu bytes arrived at %s", size, to->name);
            return -1;
        }
        struct sockaddr_ll from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(to->sock, got, sizeof(got), 0, (struct sockaddr *)&from, &fl);
        if (n < 0) {
            snprintf(msg, len, "recvfrom on %s: %s", to->name, strerror(errno));
            return -1;
        }
        if (from.sll_pkttype == PACKET_OUTGOING)
            continue;       /* our own frame, seen on the way out */
        if ((size_t)n != size || memcmp(got, want, size)) {
            snprintf(msg, len, "%s received %zd bytes, not the %zu sent", to->name, n, size);
            return -1;
        }
        return 0;
    }
}

int check_net(char *msg, size_t len)
{
    struct nic a = { .name = "eth0" }, b = { .name = "eth1" };
    int rc = -1;
    if (nic_open(&a, msg, len) < 0 || nic_open(&b, msg, len) < 0)
        goto out;
    if (!memcmp(a.mac, b.mac, 6)) {
        snprintf(msg, len, "eth0 and eth1 have the same MAC");
        goto out;
    }
    uint8_t f[1514];
    for (unsigned r = 0; r < ROUNDS; r++) {
        size_t size = 60 + (r * 1454) / (ROUNDS - 1);   /* 60 .. 1514 bytes */
        const struct nic *from = (r & 1) ? &b : &a, *to = (r & 1) ? &a : &b;
        frame_fill(f, size, from, to, r);
        if (send(from->sock, f, size, 0) != (ssize_t)size) {
            snprintf(msg, len, "send on %s: %s", from->name, strerror(errno));
            goto out;
        }
        if (frame_receive(to, f, size, msg, len) < 0)
            goto out;
    }
    snprintf(msg, len, "%d frames of 60..1514 bytes between %02x:%02x:%02x:%02x:%02x:%02x and ...:%02x", ROUNDS,
             a.mac[0], a.mac[1], a.mac[2], a.mac[3], a.mac[4], a.mac[5], b.mac[5]);
    rc = 0;
out:
    if (a.sock >= 0)
        close(a.sock);
    if (b.sock >= 0)
        close(b.sock);
    return rc;
}
