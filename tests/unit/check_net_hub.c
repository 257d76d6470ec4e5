/*
 * Unit tests for virtio/net_hub: a frame reaches every other port of its
 * hub number and no one else, at send time + wire time + 1 us, frames
 * keep their send order on the shared wire, a port without a consumer
 * holds NET_PORT_QUEUE frames and drops (and counts) the rest, bad frame
 * sizes are refused, and detaching stops delivery.
 *
 * Wire time at 1 GHz and 1 Gbit/s is one cycle per bit: a frame of n >= 60
 * bytes takes (8 + n + 4 + 12) * 8 cycles (preamble, FCS, inter-frame gap).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "virtio/net_hub.h"

#define LATENCY 1000u               /* 1 us at 1 GHz */
#define WIRE(n) ((8u + (n) + 4u + 12u) * 8u)

struct nic {
    struct net_port *port;
    unsigned readies;
    bool consume;                   /* take frames as they arrive */
    unsigned got;
    uint8_t first[64];              /* head of each taken frame */
    size_t len[64];
    uint64_t when[64];              /* virtual time it was taken */
};

struct tm {
    struct machine m;
    struct net_hub *hub;
};

static struct tm *tm_new(void)
{
    struct tm *t = calloc(1, sizeof(*t));
    ck_assert_ptr_nonnull(t);
    t->m.cfg.core_hz = 1000000000ull;
    evq_init(&t->m.evq);
    t->hub = net_hub_create(&t->m);
    ck_assert_ptr_nonnull(t->hub);
    return t;
}

static void tm_free(struct tm *t)
{
    net_hub_destroy(t->hub);
    evq_free(&t->m.evq);
    free(t);
}

/* Runs events one due time after another up to cycle c, as machine_run
 * does, so machine_now() in a callback is the event's own time. */
static void tm_advance_to(struct tm *t, uint64_t c)
{
    uint64_t next;
    while ((next = evq_next_time(&t->m.evq)) <= c) {
        t->m.vclock = next;
        evq_run_due(&t->m.evq, next);
    }
    t->m.vclock = c;
}

static void nic_take(struct nic *n, uint64_t now)
{
    const uint8_t *f;
    size_t len;
    while ((f = net_port_peek(n->port, &len)) != NULL) {
        ck_assert_uint_lt(n->got, 64);
        n->first[n->got] = f[0];
        n->len[n->got] = len;
        n->when[n->got] = now;
        n->got++;
        net_port_pop(n->port);
    }
}

struct ready_ctx {
    struct tm *t;
    struct nic *n;
};

static void nic_ready(void *opaque)
{
    struct ready_ctx *c = opaque;
    c->n->readies++;
    if (c->n->consume)
        nic_take(c->n, machine_now(&c->t->m));
}

static void frame_fill(uint8_t *buf, size_t len, uint8_t tag)
{
    memset(buf, 0xee, len);
    buf[0] = tag;
}

static void send(struct nic *n, uint8_t tag, size_t len, uint64_t *left)
{
    uint8_t buf[2048];
    uint64_t l;
    ck_assert_uint_le(len, sizeof(buf));
    frame_fill(buf, len, tag);
    ck_assert_int_eq(net_port_send(n->port, buf, len, &l), 0);
    if (left)
        *left = l;
}

START_TEST(test_net_hub_wire_time_counts_ethernet_framing)
{
    struct tm *t = tm_new();
    ck_assert_uint_eq(net_hub_wire_cycles(t->hub, 100), WIRE(100));
    ck_assert_uint_eq(net_hub_wire_cycles(t->hub, 1514), WIRE(1514));
    /* Short frames are padded to 60 bytes on the wire. */
    ck_assert_uint_eq(net_hub_wire_cycles(t->hub, 20), WIRE(60));
    /* At 2 GHz the same bits take twice the cycles. */
    t->m.cfg.core_hz = 2000000000ull;
    ck_assert_uint_eq(net_hub_wire_cycles(t->hub, 100), 2 * WIRE(100));
    tm_free(t);
}
END_TEST

START_TEST(test_net_hub_frame_reaches_other_port_only_at_expected_time)
{
    struct tm *t = tm_new();
    struct nic a = { .consume = true }, b = { .consume = true }, c = { .consume = true };
    struct ready_ctx ca = { t, &a }, cb = { t, &b }, cc = { t, &c };
    a.port = net_hub_attach(t->hub, 0, nic_ready, &ca);
    b.port = net_hub_attach(t->hub, 0, nic_ready, &cb);
    c.port = net_hub_attach(t->hub, 1, nic_ready, &cc);   /* another hub number */
    ck_assert_ptr_nonnull(a.port);
    ck_assert_ptr_nonnull(b.port);
    ck_assert_ptr_nonnull(c.port);

    tm_advance_to(t, 100);
    uint64_t left;
    send(&a, 0xa1, 100, &left);
    ck_assert_uint_eq(left, 100 + WIRE(100));
    uint64_t arrive = 100 + WIRE(100) + LATENCY;
    ck_assert_uint_eq(evq_next_time(&t->m.evq), arrive);
    tm_advance_to(t, arrive - 1);
    ck_assert_uint_eq(b.got, 0);
    tm_advance_to(t, arrive);
    ck_assert_uint_eq(b.got, 1);
    ck_assert_uint_eq(b.first[0], 0xa1);
    ck_assert_uint_eq(b.len[0], 100);
    ck_assert_uint_eq(b.when[0], arrive);
    ck_assert_uint_eq(a.got, 0);
    ck_assert_uint_eq(a.readies, 0);
    ck_assert_uint_eq(c.got, 0);
    ck_assert_uint_eq(c.readies, 0);

    struct net_port_stats sa, sb;
    net_port_get_stats(a.port, &sa);
    net_port_get_stats(b.port, &sb);
    ck_assert_uint_eq(sa.tx_frames, 1);
    ck_assert_uint_eq(sa.tx_bytes, 100);
    ck_assert_uint_eq(sb.rx_frames, 1);
    ck_assert_uint_eq(sb.rx_bytes, 100);
    ck_assert_uint_eq(sa.rx_frames, 0);
    tm_free(t);
}
END_TEST

START_TEST(test_net_hub_shared_wire_keeps_send_order)
{
    struct tm *t = tm_new();
    struct nic a = { .consume = true }, b = { .consume = true };
    struct ready_ctx ca = { t, &a }, cb = { t, &b };
    a.port = net_hub_attach(t->hub, 0, nic_ready, &ca);
    b.port = net_hub_attach(t->hub, 0, nic_ready, &cb);

    /* All three at cycle 0: each waits for the one before to leave the wire. */
    send(&a, 1, 100, NULL);
    send(&a, 2, 200, NULL);
    send(&b, 3, 100, NULL);
    uint64_t t1 = WIRE(100) + LATENCY;
    uint64_t t2 = WIRE(100) + WIRE(200) + LATENCY;
    uint64_t t3 = WIRE(100) + WIRE(200) + WIRE(100) + LATENCY;
    tm_advance_to(t, t3);
    ck_assert_uint_eq(b.got, 2);
    ck_assert_uint_eq(b.first[0], 1);
    ck_assert_uint_eq(b.when[0], t1);
    ck_assert_uint_eq(b.first[1], 2);
    ck_assert_uint_eq(b.when[1], t2);
    ck_assert_uint_eq(a.got, 1);
    ck_assert_uint_eq(a.first[0], 3);
    ck_assert_uint_eq(a.when[0], t3);

    /* Once the wire is idle, a frame goes out at its send time. */
    tm_advance_to(t, 50000);
    uint64_t left;
    send(&b, 4, 64, &left);
    ck_assert_uint_eq(left, 50000 + WIRE(64));
    tm_free(t);
}
END_TEST

START_TEST(test_net_hub_full_port_queue_drops_and_counts)
{
    struct tm *t = tm_new();
    struct nic a = { 0 }, b = { 0 };    /* b's NIC never takes anything */
    struct ready_ctx ca = { t, &a }, cb = { t, &b };
    a.port = net_hub_attach(t->hub, 0, nic_ready, &ca);
    b.port = net_hub_attach(t->hub, 0, nic_ready, &cb);

    for (unsigned i = 0; i < NET_PORT_QUEUE + 44; i++)
        send(&a, (uint8_t)i, 60, NULL);
    tm_advance_to(t, 10000000);
    ck_assert_uint_eq(net_port_waiting(b.port), NET_PORT_QUEUE);
    struct net_port_stats sb;
    net_port_get_stats(b.port, &sb);
    ck_assert_uint_eq(sb.rx_frames, NET_PORT_QUEUE);
    ck_assert_uint_eq(sb.rx_dropped, 44);
    /* The oldest frames were kept, in order. */
    size_t len;
    for (unsigned i = 0; i < NET_PORT_QUEUE; i++) {
        const uint8_t *f = net_port_peek(b.port, &len);
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(f[0], (uint8_t)i);
        net_port_pop(b.port);
    }
    ck_assert_ptr_null(net_port_peek(b.port, &len));

    /* With room again, the next frame is queued. */
    send(&a, 0x77, 60, NULL);
    tm_advance_to(t, 20000000);
    ck_assert_uint_eq(net_port_waiting(b.port), 1);
    tm_free(t);
}
END_TEST

START_TEST(test_net_hub_bad_frame_sizes_are_refused)
{
    struct tm *t = tm_new();
    struct nic a = { 0 }, b = { 0 };
    struct ready_ctx ca = { t, &a }, cb = { t, &b };
    a.port = net_hub_attach(t->hub, 0, nic_ready, &ca);
    b.port = net_hub_attach(t->hub, 0, nic_ready, &cb);
    static uint8_t big[NET_FRAME_MAX + 1];
    uint64_t left = 0;
    ck_assert_int_eq(net_port_send(a.port, big, NET_FRAME_MIN - 1, &left), -1);
    ck_assert_int_eq(net_port_send(a.port, big, NET_FRAME_MAX + 1, &left), -1);
    ck_assert_int_eq(net_port_send(a.port, big, NET_FRAME_MAX, &left), 0);
    struct net_port_stats sa;
    net_port_get_stats(a.port, &sa);
    ck_assert_uint_eq(sa.tx_dropped, 2);
    ck_assert_uint_eq(sa.tx_frames, 1);
    tm_advance_to(t, 10000000);
    ck_assert_uint_eq(net_port_waiting(b.port), 1);
    tm_free(t);
}
END_TEST

START_TEST(test_net_hub_detached_port_receives_nothing)
{
    struct tm *t = tm_new();
    struct nic a = { .consume = true }, b = { .consume = true }, c = { .consume = true };
    struct ready_ctx ca = { t, &a }, cb = { t, &b }, cc = { t, &c };
    a.port = net_hub_attach(t->hub, 0, nic_ready, &ca);
    b.port = net_hub_attach(t->hub, 0, nic_ready, &cb);
    c.port = net_hub_attach(t->hub, 0, nic_ready, &cc);
    send(&a, 1, 100, NULL);
    net_port_detach(b.port);
    net_port_detach(a.port);            /* the sender leaves; its frame still arrives */
    tm_advance_to(t, 100000);
    ck_assert_uint_eq(b.readies, 0);
    ck_assert_uint_eq(c.got, 1);
    ck_assert_uint_eq(c.first[0], 1);
    tm_free(t);
}
END_TEST

START_TEST(test_net_hub_destroy_with_frames_in_flight_and_waiting)
{
    struct tm *t = tm_new();
    struct nic a = { 0 }, b = { 0 };
    struct ready_ctx ca = { t, &a }, cb = { t, &b };
    a.port = net_hub_attach(t->hub, 0, nic_ready, &ca);
    b.port = net_hub_attach(t->hub, 0, nic_ready, &cb);
    send(&a, 1, 100, NULL);
    tm_advance_to(t, 100000);
    send(&a, 2, 100, NULL);
    ck_assert_uint_eq(net_port_waiting(b.port), 1);
    net_hub_destroy(t->hub);            /* frees both; the event is cancelled */
    t->hub = NULL;
    ck_assert_uint_eq(evq_next_time(&t->m.evq), UINT64_MAX);
    tm_free(t);
}
END_TEST

static Suite *net_hub_suite(void)
{
    Suite *s = suite_create("net_hub");
    TCase *tc = tcase_create("delivery");
    tcase_add_test(tc, test_net_hub_wire_time_counts_ethernet_framing);
    tcase_add_test(tc, test_net_hub_frame_reaches_other_port_only_at_expected_time);
    tcase_add_test(tc, test_net_hub_shared_wire_keeps_send_order);
    tcase_add_test(tc, test_net_hub_full_port_queue_drops_and_counts);
    tcase_add_test(tc, test_net_hub_bad_frame_sizes_are_refused);
    tcase_add_test(tc, test_net_hub_detached_port_receives_nothing);
    tcase_add_test(tc, test_net_hub_destroy_with_frames_in_flight_and_waiting);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(net_hub_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
