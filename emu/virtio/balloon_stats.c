/*
 * virtio balloon: the statistics queue (virtio 1.2 §5.5.6.3) and the
 * host-side accounting behind --stats.
 *
 * The statistics queue runs backwards: the driver posts one buffer of
 * 10-byte {le16 tag, le64 val} entries, the device keeps it, and when it
 * wants fresh numbers it uses the buffer; the driver then posts a new one.
 * With guest-stats-polling-interval=N the device asks every N virtual
 * seconds (a device event, so the times are part of the run); the monitor
 * can ask any time. Linux posts and kicks its first buffer before it sets
 * DRIVER_OK (virtio_balloon.c, init_vqs), a kick §3.1.1 forbids and the
 * transport drops, so before asking the device looks for a buffer itself.
 *
 * Resident guest RAM is measured from the host's page tables
 * (memmap_ram_resident): before the balloon gives memory back, which is
 * where its peak is, at every poll, and whenever the counters are read.
 * A full measurement reads one word per host page, so between them the
 * device keeps the last figure minus what it has released, measuring
 * again at most once per scan_interval of virtual time. Each poll also
 * records the figure with its virtual time, for before/peak/after curves.
 */
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/machine.h"
#include "core/snap.h"
#include "virtio/balloon_int.h"
#include "virtio/virtio.h"

#define BALLOON_STAT_SIZE 10u       /* packed {le16 tag; le64 val} */
#define BALLOON_STATS_MAX 64u       /* entries read from one buffer; Linux sends at most 16 */
#define BALLOON_TIMELINE_MAX 4096u  /* polls recorded; an hour at one a second */

static const char *const balloon_stat_names[VIRTIO_BALLOON_S_NR] = {
    "swap_in", "swap_out", "major_faults", "minor_faults", "free_memory", "total_memory",
    "available_memory", "disk_caches", "hugetlb_allocations", "hugetlb_failures",
    "oom_kills", "alloc_stalls", "async_scans", "direct_scans", "async_reclaims", "direct_reclaims",
};

const char *virtio_balloon_stat_name(unsigned tag)
{
    return tag < VIRTIO_BALLOON_S_NR ? balloon_stat_names[tag] : NULL;
}

void balloon_sample(struct virtio_balloon *b, bool force)
{
    uint64_t now = machine_now(b->m);

    if (force || !b->scanned || now - b->last_scan >= b->scan_interval) {
        b->st.ram_resident_bytes = memmap_ram_resident(&b->m->map);
        b->last_scan = now;
        b->scanned = true;
    }
    if (b->st.ram_resident_bytes > b->st.ram_resident_peak_bytes)
        b->st.ram_resident_peak_bytes = b->st.ram_resident_bytes;
}

/* §5.5.6.3.2: unknown tags are ignored, entries come in any order. */
static int balloon_stats_parse(struct virtio_balloon *b, struct virtq *vq, const struct virtq_chain *c)
{
    uint8_t buf[BALLOON_STATS_MAX * BALLOON_STAT_SIZE];
    uint64_t n = c->read_len / BALLOON_STAT_SIZE;

    if (n > BALLOON_STATS_MAX) {
        emu_warn_once(&b->warned_stats, "virtio-balloon: %llu statistics in one buffer; reading the first %u",
                      (unsigned long long)n, BALLOON_STATS_MAX);
        n = BALLOON_STATS_MAX;
    }
    if (virtq_chain_read(vq, c, 0, buf, n * BALLOON_STAT_SIZE) != (int64_t)(n * BALLOON_STAT_SIZE))
        return -1;
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *e = buf + i * BALLOON_STAT_SIZE;
        unsigned tag = (unsigned)(e[0] | e[1] << 8);
        if (tag >= VIRTIO_BALLOON_S_NR)
            continue;
        b->st.guest[tag] = balloon_le64(e + 2);
        b->st.guest_valid |= 1ull << tag;
    }
    b->st.guest_updates++;
    return 0;
}

int balloon_stats_notify(struct virtio_balloon *b, struct virtq *vq)
{
    struct virtq_chain c;
    int rc;

    virtq_chain_init(&c);
    while ((rc = virtq_pop(vq, &c)) > 0) {
        /* §5.5.6.3.1 allows one buffer at a time; an extra one goes
         * straight back rather than staying lost in the ring. */
        if (b->stats_held && virtq_push(vq, &b->stats_buf, 0) != 0) {
            rc = -1;
            break;
        }
        if (balloon_stats_parse(b, vq, &c) != 0) {
            rc = -1;
            break;
        }
        virtq_chain_free(&b->stats_buf);
        b->stats_buf = c;
        b->stats_held = true;
        virtq_chain_init(&c);
    }
    virtq_notify(vq);
    virtq_chain_free(&c);
    return rc < 0 ? -1 : 0;
}

void balloon_stats_forget(struct virtio_balloon *b)
{
    virtq_chain_free(&b->stats_buf);
    b->stats_held = false;
}

void virtio_balloon_request_stats(void *dev)
{
    struct virtio_balloon *b = dev;
    struct virtq *vq = NULL;

    if ((b->features & VIRTIO_BIT(BALLOON_F_STATS_VQ)) && b->bus && b->bus->queue)
        vq = b->bus->queue(b->bus->transport, b->stats_queue);
    if (!vq)
        return;
    if (!b->stats_held)
        (void)balloon_stats_notify(b, vq);
    if (!b->stats_held)
        return;
    b->stats_held = false;
    if (virtq_push(vq, &b->stats_buf, 0) == 0)
        virtq_notify(vq);
    virtq_chain_free(&b->stats_buf);
}

static uint64_t balloon_ns(const struct virtio_balloon *b, uint64_t cycles)
{
    uint64_t hz = b->m->cfg.core_hz;
    return hz ? (uint64_t)((unsigned __int128)cycles * 1000000000u / hz) : 0;
}

static void balloon_record(struct virtio_balloon *b, uint64_t now)
{
    if (b->ntimeline == BALLOON_TIMELINE_MAX)
        return;
    if (!b->timeline) {
        b->timeline = calloc(BALLOON_TIMELINE_MAX, sizeof(*b->timeline));
        if (!b->timeline)
            return;
    }
    b->timeline[b->ntimeline++] = (struct balloon_point){ balloon_ns(b, now), b->st.ram_resident_bytes };
}

static void balloon_poll(void *opaque, uint64_t now)
{
    struct virtio_balloon *b = opaque;

    b->poll_event = evq_post(&b->m->evq, now + b->poll_cycles, EVQ_PRIO_DEVICE, balloon_poll, b);
    virtio_balloon_request_stats(b);
    balloon_sample(b, true);
    balloon_record(b, now);
}

void balloon_poll_start(struct virtio_balloon *b)
{
    if (b->poll_cycles && !b->poll_event)
        b->poll_event = evq_post(&b->m->evq, machine_now(b->m) + b->poll_cycles, EVQ_PRIO_DEVICE, balloon_poll, b);
}

void balloon_poll_stop(struct virtio_balloon *b)
{
    if (b->poll_event)
        evq_cancel(&b->m->evq, b->poll_event);
    b->poll_event = 0;
    free(b->timeline);
    b->timeline = NULL;
    b->ntimeline = 0;
}

/* The timeline as (ns, bytes) pairs. */
static int balloon_timeline_snap(struct virtio_balloon *b, struct snap *s)
{
    uint32_t n = b->ntimeline;
    snap_u32(s, "timeline_points", &n);
    if (snap_status(s) < 0)
        return -1;
    if (n > BALLOON_TIMELINE_MAX)
        return snap_fail(s, "%u resident RAM samples, at most %u", n, BALLOON_TIMELINE_MAX);
    uint64_t *v = malloc((n ? 2 * (size_t)n : 1) * sizeof(*v));
    if (!v)
        return snap_fail(s, "out of memory");
    for (uint32_t i = 0; i < n && !snap_loading(s); i++) {
        v[2 * i] = b->timeline[i].ns;
        v[2 * i + 1] = b->timeline[i].bytes;
    }
    if (snap_u64s(s, "timeline", v, 2 * (size_t)n) == 0 && snap_loading(s)) {
        if (n && !b->timeline)
            b->timeline = calloc(BALLOON_TIMELINE_MAX, sizeof(*b->timeline));
        if (n && !b->timeline)
            snap_fail(s, "out of memory");
        for (uint32_t i = 0; i < n && snap_status(s) == 0; i++)
            b->timeline[i] = (struct balloon_point){ v[2 * i], v[2 * i + 1] };
        if (snap_status(s) == 0)
            b->ntimeline = n;
    }
    free(v);
    return snap_status(s);
}

/*
 * The buffer the device holds and the poll event are the guest's state;
 * so are the counters of what the guest sent. What the host's memory did
 * (bytes released, resident RAM, its peak, when it was last measured and
 * the timeline) is saved, so a restored run's --stats go on from it, but
 * not hashed: it is not what the guest sees.
 */
int balloon_stats_snap(struct virtio_balloon *b, struct snap *s)
{
    uint32_t stats_queue = b->stats_queue;
    bool held = b->stats_held;
    snap_u32(s, "stats_queue", &stats_queue);
    snap_bool(s, "stats_held", &held);
    if (snap_loading(s) && snap_status(s) == 0) {
        if (stats_queue >= BALLOON_MAX_QUEUES)
            return snap_fail(s, "statistics queue %u of %u", stats_queue, BALLOON_MAX_QUEUES);
        b->stats_queue = stats_queue;
        balloon_stats_forget(b);
    }
    if (held)
        virtq_chain_snap(&b->stats_buf, s, "stats_buf");
    if (snap_loading(s))
        b->stats_held = held && snap_status(s) == 0;
    evq_snap(&b->m->evq, s, "poll", &b->poll_event, balloon_poll, b);
    if (snap_loading(s) && snap_status(s) == 0 && (b->poll_event != 0) != (b->poll_cycles != 0))
        return snap_fail(s, "statistics poll %s, but polling is %s here", b->poll_event ? "pending" : "not pending",
                         b->poll_cycles ? "on" : "off");

    struct virtio_balloon_stats *st = &b->st;
    snap_u64(s, "target_bytes", &st->target_bytes);
    snap_u64(s, "balloon_bytes", &st->balloon_bytes);
    snap_u64(s, "inflate_requests", &st->inflate_requests);
    snap_u64(s, "pages_inflated", &st->pages_inflated);
    snap_u64(s, "deflate_requests", &st->deflate_requests);
    snap_u64(s, "pages_deflated", &st->pages_deflated);
    snap_u64(s, "report_requests", &st->report_requests);
    snap_u64(s, "pages_reported", &st->pages_reported);
    snap_u64(s, "hint_rounds", &st->hint_rounds);
    snap_u64(s, "pages_hinted", &st->pages_hinted);
    snap_u64(s, "bad_entries", &st->bad_entries);
    snap_u64(s, "guest_updates", &st->guest_updates);
    snap_u64(s, "guest_valid", &st->guest_valid);
    snap_u64s(s, "guest", st->guest, VIRTIO_BALLOON_S_NR);

    snap_hash_off(s);
    snap_u64(s, "bytes_released", &st->bytes_released);
    snap_u64(s, "ram_resident_bytes", &st->ram_resident_bytes);
    snap_u64(s, "ram_resident_peak_bytes", &st->ram_resident_peak_bytes);
    snap_u64(s, "last_scan", &b->last_scan);
    snap_bool(s, "scanned", &b->scanned);
    balloon_timeline_snap(b, s);
    snap_hash_on(s);
    return snap_status(s);
}

void virtio_balloon_get_stats(void *dev, struct virtio_balloon_stats *s)
{
    struct virtio_balloon *b = dev;

    balloon_sample(b, true);
    *s = b->st;
}

void virtio_balloon_peek_stats(const void *dev, struct virtio_balloon_stats *s)
{
    *s = ((const struct virtio_balloon *)dev)->st;
}

static const struct {
    unsigned bit;
    const char *name;
} balloon_feature_names[] = {
    { BALLOON_F_MUST_TELL_HOST, "must_tell_host" }, { BALLOON_F_STATS_VQ, "stats_vq" },
    { BALLOON_F_DEFLATE_ON_OOM, "deflate_on_oom" }, { BALLOON_F_FREE_PAGE_HINT, "free_page_hint" },
    { BALLOON_F_PAGE_POISON, "page_poison" },       { BALLOON_F_PAGE_REPORTING, "page_reporting" },
};

void virtio_balloon_write_json(void *dev, struct json *j)
{
    struct virtio_balloon *b = dev;
    struct virtio_balloon_stats s;

    virtio_balloon_get_stats(b, &s);
    json_key(j, "features");
    json_begin_array(j);
    for (size_t i = 0; i < sizeof(balloon_feature_names) / sizeof(balloon_feature_names[0]); i++) {
        if (b->features_seen & VIRTIO_BIT(balloon_feature_names[i].bit))
            json_string(j, balloon_feature_names[i].name);
    }
    json_end_array(j);
    json_kv_u64(j, "poison_val", b->poison_seen);
    json_kv_u64(j, "target_bytes", s.target_bytes);
    json_kv_u64(j, "balloon_bytes", s.balloon_bytes);
    json_kv_u64(j, "inflate_requests", s.inflate_requests);
    json_kv_u64(j, "pages_inflated", s.pages_inflated);
    json_kv_u64(j, "deflate_requests", s.deflate_requests);
    json_kv_u64(j, "pages_deflated", s.pages_deflated);
    json_kv_u64(j, "report_requests", s.report_requests);
    json_kv_u64(j, "pages_reported", s.pages_reported);
    json_kv_u64(j, "hint_rounds", s.hint_rounds);
    json_kv_u64(j, "pages_hinted", s.pages_hinted);
    json_kv_u64(j, "bytes_released", s.bytes_released);
    json_kv_u64(j, "bad_entries", s.bad_entries);
    json_kv_u64(j, "ram_resident_bytes", s.ram_resident_bytes);
    json_kv_u64(j, "ram_resident_peak_bytes", s.ram_resident_peak_bytes);
    json_kv_u64(j, "guest_stats_updates", s.guest_updates);
    json_key(j, "guest");
    json_begin_object(j);
    for (unsigned t = 0; t < VIRTIO_BALLOON_S_NR; t++) {
        if (s.guest_valid & (1ull << t))
            json_kv_u64(j, balloon_stat_names[t], s.guest[t]);
    }
    json_end_object(j);
    json_key(j, "ram_resident_timeline");
    json_begin_array(j);
    for (unsigned i = 0; i < b->ntimeline; i++) {
        json_begin_object(j);
        json_kv_u64(j, "ns", b->timeline[i].ns);
        json_kv_u64(j, "bytes", b->timeline[i].bytes);
        json_end_object(j);
    }
    json_end_array(j);
}
