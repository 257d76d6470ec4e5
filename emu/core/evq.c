/*
 * The event queue: a binary min-heap ordered by (time, priority, sequence).
 *
 * An event's id is its sequence number, unique for the life of the queue;
 * cancelling searches the heap (queues hold a handful of events: one per
 * timer and pending device completion), which keeps the entries plain.
 */
#include "core/evq.h"

#include <stdlib.h>

static bool evq_before(const struct evq_event *a, const struct evq_event *b)
{
    if (a->time != b->time)
        return a->time < b->time;
    if (a->prio != b->prio)
        return a->prio < b->prio;
    return a->seq < b->seq;
}

static void evq_swap(struct evq_event *h, size_t i, size_t j)
{
    struct evq_event t = h[i];
    h[i] = h[j];
    h[j] = t;
}

static void evq_sift_up(struct evq *q, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!evq_before(&q->heap[i], &q->heap[parent]))
            break;
        evq_swap(q->heap, i, parent);
        i = parent;
    }
}

static void evq_sift_down(struct evq *q, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < q->len && evq_before(&q->heap[l], &q->heap[m]))
            m = l;
        if (r < q->len && evq_before(&q->heap[r], &q->heap[m]))
            m = r;
        if (m == i)
            return;
        evq_swap(q->heap, i, m);
        i = m;
    }
}

void evq_init(struct evq *q)
{
    q->heap = NULL;
    q->len = q->cap = 0;
    q->next_seq = 1;
}

void evq_free(struct evq *q)
{
    free(q->heap);
    evq_init(q);
}

uint64_t evq_post(struct evq *q, uint64_t time, enum evq_prio prio, evq_fn fn, void *opaque)
{
    if (q->len == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 16;
        struct evq_event *h = realloc(q->heap, cap * sizeof(*h));
        if (!h)
            abort();    /* out of host memory: nothing sensible to continue with */
        q->heap = h;
        q->cap = cap;
    }
    uint64_t id = q->next_seq++;
    q->heap[q->len] = (struct evq_event){ .time = time, .seq = id, .prio = prio, .fn = fn, .opaque = opaque };
    evq_sift_up(q, q->len);
    q->len++;
    return id;
}

static void evq_remove_at(struct evq *q, size_t i)
{
    q->len--;
    if (i == q->len)
        return;
    q->heap[i] = q->heap[q->len];
    evq_sift_down(q, i);
    evq_sift_up(q, i);
}

void evq_cancel(struct evq *q, uint64_t id)
{
    for (size_t i = 0; i < q->len; i++) {
        if (q->heap[i].seq == id) {
            evq_remove_at(q, i);
            return;
        }
    }
}

uint64_t evq_next_time(const struct evq *q)
{
    return q->len ? q->heap[0].time : UINT64_MAX;
}

size_t evq_run_due(struct evq *q, uint64_t now)
{
    size_t n = 0;
    while (q->len && q->heap[0].time <= now) {
        struct evq_event e = q->heap[0];
        evq_remove_at(q, 0);
        e.fn(e.opaque, e.time);
        n++;
    }
    return n;
}
