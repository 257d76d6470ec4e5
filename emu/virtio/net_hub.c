/*
 * The in-process Ethernet hub (see net_hub.h for the timing model).
 *
 * Each hub number is a segment: a FIFO of frames on the wire, ordered by
 * arrival time because the medium sends them one after another, and at
 * most one pending event, at the arrival of the oldest. A frame is
 * reference counted: one reference for the wire, one for each port queue
 * holding it, so delivery to many ports copies nothing.
 *
 * Ports are kept in attach order and carry a number in that order; the
 * sender is recognised by its number, and receivers are served in attach
 * order, so nothing depends on host addresses.
 */
#include "virtio/net_hub.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "core/snap.h"

#define NS_PER_S 1000000000ull

struct net_frame {
    uint32_t refs;
    uint32_t len;
    uint32_t sender;            /* port number */
    uint8_t data[];
};

struct net_flight {
    struct net_frame *f;
    uint64_t arrive;
};

struct net_segment {
    struct net_hub *h;
    uint32_t id;                /* hub number */
    uint64_t wire_free;         /* cycle the last frame sent leaves the wire */
    struct net_flight q[NET_HUB_IN_FLIGHT];
    unsigned head, count;
    uint64_t event;             /* pending arrival event, 0 when none */
};

struct net_port {
    struct net_hub *h;
    uint32_t num;
    uint32_t hub_id;
    net_port_ready_fn ready;
    void *opaque;
    struct net_frame *q[NET_PORT_QUEUE];
    unsigned head, count;
    struct net_port_stats st;
};

struct net_hub {
    struct machine *m;
    struct net_port **ports;
    unsigned nports, ports_cap;
    struct net_segment **segs;
    unsigned nsegs, segs_cap;
    uint32_t next_num;
};

static void frame_put(struct net_frame *f)
{
    if (--f->refs == 0)
        free(f);
}

static uint64_t ceil_div(uint64_t a, uint64_t b)
{
    return a / b + (a % b != 0);
}

uint64_t net_hub_wire_cycles(const struct net_hub *h, size_t len)
{
    uint64_t bytes = NET_WIRE_PREAMBLE + (len < NET_WIRE_MIN_FRAME ? NET_WIRE_MIN_FRAME : len) +
                     NET_WIRE_FCS + NET_WIRE_IFG;
    return ceil_div(bytes * 8 * h->m->cfg.core_hz, NET_HUB_LINK_BPS);
}

static uint64_t net_hub_latency_cycles(const struct net_hub *h)
{
    return ceil_div((uint64_t)NET_HUB_LATENCY_NS * h->m->cfg.core_hz, NS_PER_S);
}

static bool grow(void **arr, unsigned *cap, size_t elem)
{
    unsigned n = *cap ? *cap * 2 : 4;
    void *p = realloc(*arr, n * elem);
    if (!p)
        return false;
    *arr = p;
    *cap = n;
    return true;
}

static struct net_segment *seg_find(struct net_hub *h, uint32_t id)
{
    for (unsigned i = 0; i < h->nsegs; i++) {
        if (h->segs[i]->id == id)
            return h->segs[i];
    }
    return NULL;
}

static struct net_segment *seg_get(struct net_hub *h, uint32_t id)
{
    struct net_segment *s = seg_find(h, id);

    if (s)
        return s;
    if (h->nsegs == h->segs_cap && !grow((void **)&h->segs, &h->segs_cap, sizeof(*h->segs)))
        return NULL;
    s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->h = h;
    s->id = id;
    h->segs[h->nsegs++] = s;
    return s;
}

static void seg_arrival(void *opaque, uint64_t now);

/* At most one event per segment, at the arrival of its oldest frame. */
static void seg_schedule(struct net_segment *s)
{
    if (s->event || s->count == 0)
        return;
    s->event = evq_post(&s->h->m->evq, s->q[s->head].arrive, EVQ_PRIO_DEVICE, seg_arrival, s);
}

/* Queues f at every other port of the segment; a full queue drops it. */
static void seg_deliver(struct net_segment *s, struct net_frame *f)
{
    struct net_hub *h = s->h;

    for (unsigned i = 0; i < h->nports; i++) {
        struct net_port *p = h->ports[i];
        if (p->hub_id != s->id || p->num == f->sender)
            continue;
        if (p->count == NET_PORT_QUEUE) {
            p->st.rx_dropped++;
            continue;
        }
        f->refs++;
        p->q[(p->head + p->count) % NET_PORT_QUEUE] = f;
        p->count++;
        p->st.rx_frames++;
        p->st.rx_bytes += f->len;
        /* The NIC may take it now; it may even send (the segment is
         * consistent here, and h->ports is re-read each step). */
        if (p->ready)
            p->ready(p->opaque);
    }
}

static void seg_arrival(void *opaque, uint64_t now)
{
    struct net_segment *s = opaque;

    s->event = 0;
    while (s->count && s->q[s->head].arrive <= now) {
        struct net_frame *f = s->q[s->head].f;
        s->head = (s->head + 1) % NET_HUB_IN_FLIGHT;
        s->count--;
        seg_deliver(s, f);
        frame_put(f);
    }
    seg_schedule(s);
}

struct net_hub *net_hub_create(struct machine *m)
{
    struct net_hub *h = calloc(1, sizeof(*h));

    if (h)
        h->m = m;
    return h;
}

static void port_free(struct net_port *p)
{
    while (p->count) {
        frame_put(p->q[p->head]);
        p->head = (p->head + 1) % NET_PORT_QUEUE;
        p->count--;
    }
    free(p);
}

void net_hub_destroy(struct net_hub *h)
{
    if (!h)
        return;
    for (unsigned i = 0; i < h->nsegs; i++) {
        struct net_segment *s = h->segs[i];
        if (s->event)
            evq_cancel(&h->m->evq, s->event);
        for (; s->count; s->count--, s->head = (s->head + 1) % NET_HUB_IN_FLIGHT)
            frame_put(s->q[s->head].f);
        free(s);
    }
    for (unsigned i = 0; i < h->nports; i++)
        port_free(h->ports[i]);
    free(h->segs);
    free(h->ports);
    free(h);
}

struct net_port *net_hub_attach(struct net_hub *h, uint32_t hub_id, net_port_ready_fn ready, void *opaque)
{
    struct net_port *p;

    if (!seg_get(h, hub_id))
        return NULL;
    if (h->nports == h->ports_cap && !grow((void **)&h->ports, &h->ports_cap, sizeof(*h->ports)))
        return NULL;
    p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->h = h;
    p->num = h->next_num++;
    p->hub_id = hub_id;
    p->ready = ready;
    p->opaque = opaque;
    h->ports[h->nports++] = p;
    return p;
}

void net_port_detach(struct net_port *p)
{
    struct net_hub *h;

    if (!p)
        return;
    h = p->h;
    for (unsigned i = 0; i < h->nports; i++) {
        if (h->ports[i] == p) {
            memmove(&h->ports[i], &h->ports[i + 1], (h->nports - i - 1) * sizeof(*h->ports));
            h->nports--;
            break;
        }
    }
    port_free(p);
}

int net_port_send(struct net_port *p, const void *frame, size_t len, uint64_t *left)
{
    struct net_hub *h = p->h;
    struct net_segment *s = seg_find(h, p->hub_id);
    struct net_frame *f;

    if (len < NET_FRAME_MIN || len > NET_FRAME_MAX || !s || s->count == NET_HUB_IN_FLIGHT ||
        !(f = malloc(sizeof(*f) + len))) {
        p->st.tx_dropped++;
        return -1;
    }
    f->refs = 1;
    f->len = (uint32_t)len;
    f->sender = p->num;
    memcpy(f->data, frame, len);

    uint64_t now = machine_now(h->m);
    uint64_t start = s->wire_free > now ? s->wire_free : now;
    s->wire_free = start + net_hub_wire_cycles(h, len);
    s->q[(s->head + s->count) % NET_HUB_IN_FLIGHT] =
        (struct net_flight){ f, s->wire_free + net_hub_latency_cycles(h) };
    s->count++;
    seg_schedule(s);
    p->st.tx_frames++;
    p->st.tx_bytes += len;
    *left = s->wire_free;
    return 0;
}

const uint8_t *net_port_peek(const struct net_port *p, size_t *len)
{
    if (!p->count)
        return NULL;
    *len = p->q[p->head]->len;
    return p->q[p->head]->data;
}

void net_port_pop(struct net_port *p)
{
    if (!p->count)
        return;
    frame_put(p->q[p->head]);
    p->head = (p->head + 1) % NET_PORT_QUEUE;
    p->count--;
}

size_t net_port_waiting(const struct net_port *p)
{
    return p->count;
}

void net_port_get_stats(const struct net_port *p, struct net_port_stats *s)
{
    *s = p->st;
}

/* ---- snapshots ---- */

/* One frame: a reference is dropped on load before a new copy is made. */
static int frame_snap(struct snap *s, const char *name, struct net_frame **fp)
{
    char key[64];
    uint32_t len = snap_loading(s) ? 0 : (*fp)->len, sender = snap_loading(s) ? 0 : (*fp)->sender;
    snprintf(key, sizeof(key), "%s.len", name);
    snap_u32(s, key, &len);
    snprintf(key, sizeof(key), "%s.sender", name);
    snap_u32(s, key, &sender);
    if (snap_status(s) < 0)
        return -1;
    if (snap_loading(s)) {
        if (len < NET_FRAME_MIN || len > NET_FRAME_MAX)
            return snap_fail(s, "%s is %u bytes long", name, len);
        struct net_frame *f = malloc(sizeof(*f) + len);
        if (!f)
            return snap_fail(s, "out of memory");
        f->refs = 1;
        f->len = len;
        f->sender = sender;
        *fp = f;
    }
    snprintf(key, sizeof(key), "%s.data", name);
    return snap_bytes(s, key, (*fp)->data, len);
}

static bool port_owns_segment(const struct net_port *p)
{
    for (unsigned i = 0; i < p->h->nports; i++) {
        if (p->h->ports[i]->hub_id == p->hub_id)
            return p->h->ports[i] == p;
    }
    return false;
}

static int seg_snap(struct net_segment *g, struct snap *s)
{
    uint32_t count = g->count;
    snap_u64(s, "wire.free", &g->wire_free);
    snap_u32(s, "wire.frames", &count);
    if (snap_loading(s) && snap_status(s) == 0) {
        if (count > NET_HUB_IN_FLIGHT)
            return snap_fail(s, "%u frames in flight", count);
        for (; g->count; g->count--, g->head = (g->head + 1) % NET_HUB_IN_FLIGHT)
            frame_put(g->q[g->head].f);
        g->head = 0;
    }
    for (uint32_t i = 0; i < count && snap_status(s) == 0; i++) {
        struct net_flight *fl = &g->q[(g->head + i) % NET_HUB_IN_FLIGHT];
        char name[32];
        snprintf(name, sizeof(name), "wire%u", i);
        if (frame_snap(s, name, &fl->f) < 0)
            return -1;
        if (snap_loading(s))
            g->count++;
        snap_u64(s, snap_key(s, "wire%u.arrive", i), &fl->arrive);
    }
    return evq_snap(&g->h->m->evq, s, "wire.arrival", &g->event, seg_arrival, g);
}

int net_port_snap(struct net_port *p, struct snap *s)
{
    uint32_t num = p->num, hub_id = p->hub_id, count = p->count;
    snap_u32(s, "port.num", &num);
    snap_u32(s, "port.hub", &hub_id);
    if (snap_loading(s) && snap_status(s) == 0 && (num != p->num || hub_id != p->hub_id))
        return snap_fail(s, "port %u on hub %u in the file, %u on hub %u here", num, hub_id, p->num, p->hub_id);
    snap_u32(s, "port.frames", &count);
    if (snap_loading(s) && snap_status(s) == 0) {
        if (count > NET_PORT_QUEUE)
            return snap_fail(s, "%u frames waiting at the port", count);
        while (p->count)
            net_port_pop(p);
        p->head = 0;
    }
    for (uint32_t i = 0; i < count && snap_status(s) == 0; i++) {
        char name[32];
        snprintf(name, sizeof(name), "port.frame%u", i);
        if (frame_snap(s, name, &p->q[(p->head + i) % NET_PORT_QUEUE]) < 0)
            return -1;
        if (snap_loading(s))
            p->count++;
    }
    snap_u64(s, "port.tx_frames", &p->st.tx_frames);
    snap_u64(s, "port.tx_bytes", &p->st.tx_bytes);
    snap_u64(s, "port.tx_dropped", &p->st.tx_dropped);
    snap_u64(s, "port.rx_frames", &p->st.rx_frames);
    snap_u64(s, "port.rx_bytes", &p->st.rx_bytes);
    snap_u64(s, "port.rx_dropped", &p->st.rx_dropped);
    if (snap_status(s) == 0 && port_owns_segment(p)) {
        struct net_segment *g = seg_find(p->h, p->hub_id);
        if (!g)
            return snap_fail(s, "hub %u has no wire", p->hub_id);
        seg_snap(g, s);
    }
    return snap_status(s);
}
