/*
 * Internals of the virtio balloon shared by balloon.c (configuration,
 * features, inflate/deflate), balloon_report.c (free page reporting and
 * hinting) and balloon_stats.c (statistics queue, host-side accounting).
 */
#ifndef EMU_VIRTIO_BALLOON_INT_H
#define EMU_VIRTIO_BALLOON_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/balloon.h"
#include "virtio/virtqueue.h"

struct machine;
struct snap;
struct virtio_bus;

/* Feature bits, virtio 1.2 §5.5.3. */
#define BALLOON_F_MUST_TELL_HOST  0
#define BALLOON_F_STATS_VQ        1
#define BALLOON_F_DEFLATE_ON_OOM  2
#define BALLOON_F_FREE_PAGE_HINT  3
#define BALLOON_F_PAGE_POISON     4
#define BALLOON_F_PAGE_REPORTING  5

/* §5.5.6: page frame numbers count 4 KiB pages whatever the guest's page size. */
#define BALLOON_PFN_SHIFT 12
#define BALLOON_PAGE      (1ull << BALLOON_PFN_SHIFT)

/* §5.5.6.5: reserved command ids; the device hands out the others. */
#define BALLOON_CMD_ID_STOP 0u
#define BALLOON_CMD_ID_DONE 1u
#define BALLOON_CMD_ID_MIN  2u

/* inflateq, deflateq, statsq, free_page_vq, reporting_vq (§5.5.2). */
#define BALLOON_MAX_QUEUES 5
#define BALLOON_QUEUE_SIZE 128
#define BALLOON_SCHEDULE_MAX 16

enum balloon_queue {
    BQ_NONE,
    BQ_INFLATE,
    BQ_DEFLATE,
    BQ_STATS,
    BQ_FREE_PAGE,
    BQ_REPORTING,
};

struct virtio_balloon {
    struct machine *m;
    const struct virtio_bus *bus;
    uint64_t ram_size;
    uint64_t offered;               /* device feature bits of this instance */
    uint64_t features;              /* what the driver accepted */
    uint64_t features_seen;         /* the same, kept across resets for --stats */
    uint8_t role[BALLOON_MAX_QUEUES];   /* enum balloon_queue of each queue index */

    /* Configuration space, §5.5.4 (all le32). */
    uint32_t num_pages;             /* host: pages the balloon should hold */
    uint32_t actual;                /* driver: pages it holds */
    uint32_t cmd_id;                /* host: free_page_hint_cmd_id */
    uint32_t poison_val;            /* driver: what free pages hold */

    /* Free page hinting, §5.5.6.5. */
    uint32_t next_cmd_id;
    uint32_t hint_rx_id;            /* id the driver last started hinting with */

    /* Statistics queue, §5.5.6.3: the buffer the device holds until it
     * wants fresh numbers. */
    struct virtq_chain stats_buf;
    bool stats_held;
    unsigned stats_queue;
    uint64_t poll_cycles;           /* guest-stats-polling-interval, 0: off */
    uint64_t poll_event;

    /* target-schedule: targets applied at virtual times. */
    struct balloon_step {
        uint64_t cycle, bytes;
    } schedule[BALLOON_SCHEDULE_MAX];
    unsigned nschedule, next_step;
    uint64_t step_event;

    /* Host-side accounting. */
    struct virtio_balloon_stats st;
    uint32_t poison_seen;           /* poison_val, kept across resets for --stats */
    struct balloon_point {
        uint64_t ns, bytes;
    } *timeline;                    /* resident guest RAM at each poll */
    unsigned ntimeline;
    uint64_t scan_interval;         /* cycles between full residency scans */
    uint64_t last_scan;
    bool scanned;

    bool warned_pfn, warned_range, warned_queue, warned_stats, warned_hint;
};

/* Makes [addr, addr+len) read as fill and gives its memory back to the
 * host (balloon.c). The range is known to be 4 KiB aligned guest RAM. */
int balloon_release(struct virtio_balloon *b, uint64_t addr, uint64_t len, uint32_t fill);

/* balloon_report.c */
int balloon_report_notify(struct virtio_balloon *b, struct virtq *vq);
int balloon_hint_notify(struct virtio_balloon *b, struct virtq *vq);

/* balloon_stats.c */
int balloon_stats_notify(struct virtio_balloon *b, struct virtq *vq);
/* Drops the held statistics buffer (device reset). */
void balloon_stats_forget(struct virtio_balloon *b);
/* Measures resident guest RAM: always when force, else at most once per
 * scan_interval of virtual time, and keeps its peak. */
void balloon_sample(struct virtio_balloon *b, bool force);
void balloon_poll_start(struct virtio_balloon *b);
/* Cancels the poll and frees the timeline (device destroyed). */
void balloon_poll_stop(struct virtio_balloon *b);
/* Snapshot and state hash of the statistics queue, the poll and the
 * counters (the part of the device's section balloon_stats.c owns). */
int balloon_stats_snap(struct virtio_balloon *b, struct snap *s);

static inline uint32_t balloon_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t balloon_le64(const uint8_t *p)
{
    return (uint64_t)balloon_le32(p) | (uint64_t)balloon_le32(p + 4) << 32;
}

#endif
