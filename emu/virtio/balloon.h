/*
 * virtio memory balloon (virtio 1.2 §5.5), with QEMU's option names:
 *
 *   -device virtio-balloon[,free-page-reporting=on|off][,page-poison=on|off]
 *           [,deflate-on-oom=on|off][,free-page-hint=on|off][,target=MiB]
 *           [,guest-stats-polling-interval=SECONDS]
 *           [,target-schedule=SECONDS:SIZE[/SECONDS:SIZE...]]
 *
 * Inflated, reported and hinted pages go back to the host; a page the
 * guest reported with VIRTIO_BALLOON_F_PAGE_POISON and a nonzero poison_val
 * keeps that value instead. The monitor and --stats use:
 *
 *   virtio_balloon_set_target(b, 256ull << 20, &err);   the guest should keep 256 MiB
 *   struct virtio_balloon_stats s;
 *   virtio_balloon_get_stats(b, &s);                    measures resident RAM now
 *   virtio_balloon_peek_stats(b, &s);                   the last figures, changing nothing
 *   virtio_balloon_write_json(b, j);                   its members, into an open object
 */
#ifndef EMU_VIRTIO_BALLOON_H
#define EMU_VIRTIO_BALLOON_H

#include <stdint.h>

#include "virtio/registry.h"

struct json;

/* Guest memory statistics tags, virtio 1.2 §5.5.6.4 (0-9) and the ones
 * Linux adds after them (10-15). */
#define VIRTIO_BALLOON_S_NR 16

struct virtio_balloon_stats {
    uint64_t target_bytes;          /* RAM the host asks the guest to keep: RAM - num_pages */
    uint64_t balloon_bytes;         /* what the driver says the balloon holds (actual) */
    uint64_t inflate_requests, pages_inflated;
    uint64_t deflate_requests, pages_deflated;
    uint64_t report_requests, pages_reported;
    uint64_t hint_rounds, pages_hinted;
    uint64_t bytes_released;        /* host memory given back: what dropped pages held */
    uint64_t bad_entries;           /* page numbers and ranges refused (not RAM, unaligned) */
    uint64_t ram_resident_bytes;    /* host memory behind guest RAM, last measured */
    uint64_t ram_resident_peak_bytes;
    uint64_t guest_updates;         /* statistics buffers received from the guest */
    uint64_t guest_valid;           /* bit per tag the guest supplied */
    uint64_t guest[VIRTIO_BALLOON_S_NR];
};

extern const struct virtio_device_desc virtio_balloon_desc;

/* Asks the guest to keep `bytes` of RAM (QEMU's `balloon` command): the
 * balloon then holds the rest. -1 with err when bytes is 0 or more than
 * the guest's RAM. */
int virtio_balloon_set_target(void *dev, uint64_t bytes, struct emu_err *err);

/* Counters, with resident guest RAM measured now. */
void virtio_balloon_get_stats(void *dev, struct virtio_balloon_stats *s);

/* The counters as they stand, measuring nothing: a monitor query must not
 * move the device's sampling (and so its --stats) as it is not logged. */
void virtio_balloon_peek_stats(const void *dev, struct virtio_balloon_stats *s);

/* Hands the statistics buffer back so the guest refills it (§5.5.6.3). */
void virtio_balloon_request_stats(void *dev);

/* Free page hinting (§5.5.6.5): start a round with a new command id, or
 * end hinting (DONE) so the guest takes its hinted pages back. -1 with err
 * when the device was created without free-page-hint=on. */
int virtio_balloon_hint_start(void *dev, struct emu_err *err);
void virtio_balloon_hint_done(void *dev);

/* The device's --stats members (docs/stats.md), measuring resident RAM now. */
void virtio_balloon_write_json(void *dev, struct json *j);

/* "free_memory" for VIRTIO_BALLOON_S_MEMFREE ...; NULL past the table. */
const char *virtio_balloon_stat_name(unsigned tag);

#endif
