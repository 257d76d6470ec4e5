/*
 * The event queue: the only way anything happens at a future virtual time.
 *
 * Events are ordered by (time, priority, sequence). The sequence number is
 * the order of scheduling, so two events of equal time and priority run in
 * the order they were posted: never in an order that depends on host
 * addresses or hashing.
 *
 *   evq_init(&q);
 *   uint64_t id = evq_post(&q, now + 100, EVQ_PRIO_DEVICE, uart_tx_done, uart);
 *   evq_cancel(&q, id);
 *   evq_run_due(&q, now);
 */
#ifndef EMU_CORE_EVQ_H
#define EMU_CORE_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Priorities among events due at the same cycle; lower runs first.
 */
enum evq_prio {
    /* Input from outside (serial bytes, replayed records) enters first, so
     * a device event at the same time already sees it. */
    EVQ_PRIO_INPUT = 0,
    /* Timers compare against the clock before devices react to them. */
    EVQ_PRIO_TIMER = 1,
    /* Device completions (DMA done, transmit done). */
    EVQ_PRIO_DEVICE = 2,
    /* Bookkeeping that observes the state after everything else:
     * stats intervals, state hashes, snapshots. */
    EVQ_PRIO_OBSERVE = 3,
};

/* Called with the time the event was due (<= the time the queue is run). */
typedef void (*evq_fn)(void *opaque, uint64_t now);

struct evq_event {
    uint64_t time;
    uint64_t seq;
    enum evq_prio prio;
    evq_fn fn;
    void *opaque;
};

struct evq {
    struct evq_event *heap;
    size_t len, cap;
    uint64_t next_seq;
};

void evq_init(struct evq *q);
void evq_free(struct evq *q);
/* Returns an id (never 0) usable with evq_cancel. */
uint64_t evq_post(struct evq *q, uint64_t time, enum evq_prio prio, evq_fn fn, void *opaque);
/* Removes a pending event; a stale id is ignored. */
void evq_cancel(struct evq *q, uint64_t id);
/* Time of the earliest event, or UINT64_MAX when empty. */
uint64_t evq_next_time(const struct evq *q);
/* Runs every event with time <= now in order; events posted meanwhile
 * for times <= now run too. Returns how many ran. */
size_t evq_run_due(struct evq *q, uint64_t now);

/*
 * Snapshots. A pending event is saved by its owner, which knows what it
 * is for: (time, priority, sequence), never the callback's host address.
 * Loading posts it again with the same sequence number, so events due at
 * the same time and priority keep their order, and the owner's id for it
 * (which is its sequence number) stays what it was.
 *
 *   evq_snap(&m->evq, s, "rx_poll", &u->rx_event, uart_rx_poll, u);
 *
 * An owner that re-posts its event from its restored state instead
 * (through code that knows the callback) uses evq_snap_reposted after
 * re-posting: the new event takes the saved sequence number, and its time
 * must match the saved one.
 *
 * core/snapshot.c empties the queue (evq_clear) and sets next_seq before
 * the owners load, and checks afterwards that every saved event came back.
 */
struct snap;
int evq_snap(struct evq *q, struct snap *s, const char *name, uint64_t *id, evq_fn fn, void *opaque);
int evq_snap_reposted(struct evq *q, struct snap *s, const char *name, uint64_t *id);
/* Drops every pending event. */
void evq_clear(struct evq *q);
/* The pending event with this id; false when there is none. */
bool evq_lookup(const struct evq *q, uint64_t id, struct evq_event *out);

#endif
