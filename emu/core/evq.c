/*
 * The event queue: a binary min-heap ordered by (time, priority, sequence).
 *
 * An event's id is its sequence number, unique for the life of the queue;
 * cancelling searches the heap (queues hold a handful of events: one per
 * timer and pending device completion), which keeps the entries plain.
 */
#include "core/evq.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/snap.h"

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

static void evq_insert(struct evq *q, const struct evq_event *e)
{
    if (q->len == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 16;
        struct evq_event *h = realloc(q->heap, cap * sizeof(*h));
        if (!h)
            abort();    /* out of host memory: nothing sensible to continue with */
        q->heap = h;
        q->cap = cap;
    }
    q->heap[q->len] = *e;
    evq_sift_up(q, q->len);
    q->len++;
}

uint64_t evq_post(struct evq *q, uint64_t time, enum evq_prio prio, evq_fn fn, void *opaque)
{
    uint64_t id = q->next_seq++;
    evq_insert(q, &(struct evq_event){ .time = time, .seq = id, .prio = prio, .fn = fn, .opaque = opaque });
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

void evq_clear(struct evq *q)
{
    q->len = 0;
}

static long evq_index(const struct evq *q, uint64_t id)
{
    for (size_t i = 0; id && i < q->len; i++) {
        if (q->heap[i].seq == id)
            return (long)i;
    }
    return -1;
}

bool evq_lookup(const struct evq *q, uint64_t id, struct evq_event *out)
{
    long i = evq_index(q, id);
    if (i < 0)
        return false;
    *out = q->heap[i];
    return true;
}

/* What a snapshot holds of one event. */
struct evq_saved {
    bool present;
    uint8_t prio;
    uint64_t time, seq;
};

/* Saves, hashes or loads the event id as name.*: present, time, priority
 * and (not hashed: it orders, it is not state) the sequence number. */
static int evq_snap_fields(struct evq *q, struct snap *s, const char *name, uint64_t id, struct evq_saved *v)
{
    char key[96];
    struct evq_event e;
    if (!snap_loading(s)) {
        v->present = evq_lookup(q, id, &e);
        v->time = v->present ? e.time : 0;
        v->prio = v->present ? (uint8_t)e.prio : 0;
        v->seq = v->present ? e.seq : 0;
    }
    snprintf(key, sizeof(key), "%s.pending", name);
    snap_bool(s, key, &v->present);
    if (!v->present)
        return snap_status(s);
    snprintf(key, sizeof(key), "%s.time", name);
    snap_u64(s, key, &v->time);
    snprintf(key, sizeof(key), "%s.prio", name);
    snap_u8(s, key, &v->prio);
    snap_hash_off(s);
    snprintf(key, sizeof(key), "%s.seq", name);
    snap_u64(s, key, &v->seq);
    snap_hash_on(s);
    if (snap_loading(s) && snap_status(s) == 0) {
        if (v->prio > EVQ_PRIO_OBSERVE)
            return snap_fail(s, "event %s has priority %u", name, v->prio);
        if (v->seq == 0 || v->seq >= q->next_seq || evq_index(q, v->seq) >= 0)
            return snap_fail(s, "event %s has a bad sequence number %llu", name, (unsigned long long)v->seq);
    }
    return snap_status(s);
}

int evq_snap(struct evq *q, struct snap *s, const char *name, uint64_t *id, evq_fn fn, void *opaque)
{
    struct evq_saved v;
    if (evq_snap_fields(q, s, name, *id, &v) < 0)
        return -1;
    if (snap_loading(s)) {
        *id = 0;
        if (v.present) {
            evq_insert(q, &(struct evq_event){ .time = v.time, .seq = v.seq, .prio = (enum evq_prio)v.prio,
                                               .fn = fn, .opaque = opaque });
            *id = v.seq;
        }
    }
    return 0;
}

int evq_snap_reposted(struct evq *q, struct snap *s, const char *name, uint64_t *id)
{
    struct evq_saved v;
    if (!snap_loading(s))
        return evq_snap_fields(q, s, name, *id, &v);
    /* The re-posted event took a fresh sequence number: let the check
     * against next_seq see the saved numbers only. */
    long i = evq_index(q, *id);
    struct evq_event e;
    if (i >= 0) {
        e = q->heap[i];
        evq_remove_at(q, (size_t)i);
    }
    if (evq_snap_fields(q, s, name, 0, &v) < 0)
        return -1;
    if (v.present && i < 0)
        return snap_fail(s, "event %s: the restored state does not bring back the saved one", name);
    if (!v.present && i >= 0)
        return snap_fail(s, "event %s: the restored state makes one where the snapshot has none", name);
    *id = 0;
    if (!v.present)
        return 0;
    if (e.time != v.time || e.prio != (enum evq_prio)v.prio)
        return snap_fail(s, "event %s: restored for cycle %llu, saved for cycle %llu", name,
                         (unsigned long long)e.time, (unsigned long long)v.time);
    e.seq = v.seq;
    evq_insert(q, &e);
    *id = v.seq;
    return 0;
}
