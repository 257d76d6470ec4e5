/*
 * virtio memory balloon (virtio 1.2 §5.5): device id 5, configuration,
 * feature negotiation, the inflate and deflate queues, and -device options.
 *
 * Configuration space (§5.5.4, little-endian even for legacy drivers):
 *   0x0 num_pages              host: 4 KiB pages the balloon should hold
 *   0x4 actual                 driver: pages it holds
 *   0x8 free_page_hint_cmd_id  host: free page hinting round (§5.5.6.5)
 *   0xc poison_val             driver: what it writes into free pages (§5.5.6.6)
 *
 * Queues: inflateq and deflateq, then statsq, free_page_vq and reporting_vq
 * only when their feature is negotiated. A queue that is absent takes no
 * index (Linux's virtio-mmio numbers the queues it asks for in order), so
 * the mapping from index to queue is fixed at FEATURES_OK. It equals the
 * spec's table 0-4 whenever every earlier optional queue is negotiated,
 * and it is what QEMU does with the statistics queue it always offers.
 *
 * The host moves the target with virtio_balloon_set_target (the monitor),
 * or at fixed virtual times with target-schedule=SECONDS:SIZE/...: a
 * scripted run stays a pure function of its command line.
 *
 * An inflated page is given back to the host at once (it reads as zero
 * afterwards: §5.5.6.2 lets the device change it, and with PAGE_POISON the
 * driver rewrites it after deflating). A deflated page needs nothing: it
 * costs the host again only when the guest touches it.
 */
#include "virtio/balloon.h"

#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "core/options.h"
#include "core/snap.h"
#include "exec/exec.h"
#include "virtio/balloon_int.h"
#include "virtio/virtqueue.h"

#define BALLOON_CONFIG_SIZE 16u
#define BALLOON_PFN_BATCH   256u    /* PFNs read from guest memory at a time (Linux sends up to 256) */

enum balloon_config_off {
    CFG_NUM_PAGES = 0x0,
    CFG_ACTUAL = 0x4,
    CFG_CMD_ID = 0x8,
    CFG_POISON_VAL = 0xc,
};

static void put32(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void balloon_config_image(const struct virtio_balloon *b, uint8_t cfg[BALLOON_CONFIG_SIZE])
{
    put32(cfg + CFG_NUM_PAGES, b->num_pages);
    put32(cfg + CFG_ACTUAL, b->actual);
    put32(cfg + CFG_CMD_ID, b->cmd_id);
    put32(cfg + CFG_POISON_VAL, b->poison_val);
}

static uint64_t balloon_config_read(void *dev, uint32_t off, unsigned size)
{
    uint8_t cfg[BALLOON_CONFIG_SIZE];
    uint64_t v = 0;

    balloon_config_image(dev, cfg);
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)cfg[off + i] << (8 * i);
    return v;
}

/* The driver owns actual and poison_val; writes to the host's fields are
 * ignored. Byte-wide writes merge, as legacy PCI drivers wrote actual. */
static void balloon_config_write(void *dev, uint32_t off, uint64_t val, unsigned size)
{
    struct virtio_balloon *b = dev;
    uint8_t cfg[BALLOON_CONFIG_SIZE];

    balloon_config_image(b, cfg);
    for (unsigned i = 0; i < size; i++) {
        uint32_t at = off + i;
        if ((at >= CFG_ACTUAL && at < CFG_ACTUAL + 4) || (at >= CFG_POISON_VAL && at < CFG_POISON_VAL + 4))
            cfg[at] = (uint8_t)(val >> (8 * i));
    }
    b->actual = balloon_le32(cfg + CFG_ACTUAL);
    b->poison_val = b->poison_seen = balloon_le32(cfg + CFG_POISON_VAL);
    b->st.balloon_bytes = (uint64_t)b->actual << BALLOON_PFN_SHIFT;
}

static uint64_t balloon_features(void *dev)
{
    return ((struct virtio_balloon *)dev)->offered;
}

static int balloon_features_ok(void *dev, uint64_t features)
{
    struct virtio_balloon *b = dev;
    static const struct { unsigned bit; enum balloon_queue q; } optional[] = {
        { BALLOON_F_STATS_VQ, BQ_STATS },
        { BALLOON_F_FREE_PAGE_HINT, BQ_FREE_PAGE },
        { BALLOON_F_PAGE_REPORTING, BQ_REPORTING },
    };
    unsigned n = 0;

    b->features = b->features_seen = features;
    memset(b->role, BQ_NONE, sizeof(b->role));
    b->role[n++] = BQ_INFLATE;
    b->role[n++] = BQ_DEFLATE;
    for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++) {
        if (!(features & VIRTIO_BIT(optional[i].bit)))
            continue;
        if (optional[i].q == BQ_STATS)
            b->stats_queue = n;
        b->role[n++] = (uint8_t)optional[i].q;
    }
    return 0;
}

int balloon_release(struct virtio_balloon *b, uint64_t addr, uint64_t len, uint32_t fill)
{
    struct memmap_release rel;

    /* The bytes change under any translated code there, as with DMA. */
    exec_invalidate_phys(b->m, addr, len);
    if (memmap_ram_release(&b->m->map, addr, len, fill, &rel) != 0)
        return -1;
    b->st.bytes_released += rel.freed;
    b->st.ram_resident_bytes -= rel.freed < b->st.ram_resident_bytes ? rel.freed : b->st.ram_resident_bytes;
    return 0;
}

/* A run of consecutive guest pages named by one buffer. */
struct pfn_run {
    uint64_t addr, len;
    const struct mem_region *r;
};

static void balloon_run_flush(struct virtio_balloon *b, struct pfn_run *run, bool inflate)
{
    if (!run->len)
        return;
    if (!inflate)
        b->st.pages_deflated += run->len >> BALLOON_PFN_SHIFT;
    else if (balloon_release(b, run->addr, run->len, 0) == 0)
        b->st.pages_inflated += run->len >> BALLOON_PFN_SHIFT;
    run->len = 0;
}

static void balloon_pfn(struct virtio_balloon *b, struct pfn_run *run, uint32_t pfn, bool inflate)
{
    uint64_t addr = (uint64_t)pfn << BALLOON_PFN_SHIFT;
    const struct mem_region *r = memmap_find(&b->m->map, addr);

    if (!r || r->kind != MEM_RAM || r->base + r->size - addr < BALLOON_PAGE) {
        b->st.bad_entries++;
        emu_warn_once(&b->warned_pfn, "virtio-balloon: %s page 0x%llx is not guest RAM; ignored",
                      inflate ? "inflate" : "deflate", (unsigned long long)addr);
        return;
    }
    if (run->len && run->r == r && run->addr + run->len == addr) {
        run->len += BALLOON_PAGE;
        return;
    }
    balloon_run_flush(b, run, inflate);
    *run = (struct pfn_run){ addr, BALLOON_PAGE, r };
}

/* One inflate or deflate buffer: an array of le32 PFNs (§5.5.6). */
static int balloon_pfn_buffer(struct virtio_balloon *b, struct virtq *vq, const struct virtq_chain *c, bool inflate)
{
    uint8_t buf[BALLOON_PFN_BATCH * 4];
    uint64_t bytes = c->read_len & ~3ull;
    struct pfn_run run = { 0 };

    if (c->read_len & 3) {
        b->st.bad_entries++;
        emu_warn_once(&b->warned_pfn, "virtio-balloon: PFN array of %llu bytes is not whole 32-bit entries",
                      (unsigned long long)c->read_len);
    }
    for (uint64_t off = 0; off < bytes;) {
        uint64_t k = bytes - off < sizeof(buf) ? bytes - off : sizeof(buf);
        if (virtq_chain_read(vq, c, off, buf, k) != (int64_t)k)
            return -1;
        for (uint64_t i = 0; i < k; i += 4)
            balloon_pfn(b, &run, balloon_le32(buf + i), inflate);
        off += k;
    }
    balloon_run_flush(b, &run, inflate);
    if (inflate)
        b->st.inflate_requests++;
    else
        b->st.deflate_requests++;
    return 0;
}

static int balloon_pfn_queue(struct virtio_balloon *b, struct virtq *vq, bool inflate)
{
    struct virtq_chain c;
    int rc;

    if (inflate)
        balloon_sample(b, false);
    virtq_chain_init(&c);
    while ((rc = virtq_pop(vq, &c)) > 0) {
        /* §5.5.6: the device acknowledges by using the buffer; it writes nothing. */
        if (balloon_pfn_buffer(b, vq, &c, inflate) != 0 || virtq_push(vq, &c, 0) != 0) {
            rc = -1;
            break;
        }
    }
    virtq_notify(vq);
    virtq_chain_free(&c);
    return rc < 0 ? -1 : 0;
}

static int balloon_notify(void *dev, struct virtq *vq)
{
    struct virtio_balloon *b = dev;
    enum balloon_queue q = vq->index < BALLOON_MAX_QUEUES ? b->role[vq->index] : BQ_NONE;

    switch (q) {
    case BQ_INFLATE:   return balloon_pfn_queue(b, vq, true);
    case BQ_DEFLATE:   return balloon_pfn_queue(b, vq, false);
    case BQ_STATS:     return balloon_stats_notify(b, vq);
    case BQ_FREE_PAGE: return balloon_hint_notify(b, vq);
    case BQ_REPORTING: return balloon_report_notify(b, vq);
    case BQ_NONE:      break;
    }
    emu_warn_once(&b->warned_queue, "virtio-balloon: notify on queue %u, which the negotiated features do not have",
                  vq->index);
    return 0;
}

/* §2.4: the driver's state goes; the host's target and the run's counters stay. */
static void balloon_reset(void *dev)
{
    struct virtio_balloon *b = dev;

    b->features = 0;
    memset(b->role, BQ_NONE, sizeof(b->role));
    b->actual = 0;
    b->poison_val = 0;
    b->cmd_id = BALLOON_CMD_ID_STOP;
    b->hint_rx_id = BALLOON_CMD_ID_STOP;
    b->st.balloon_bytes = 0;
    balloon_stats_forget(b);
}

static void balloon_attach(void *dev, const struct virtio_bus *bus)
{
    ((struct virtio_balloon *)dev)->bus = bus;
}

static void balloon_step(void *opaque, uint64_t now);

/*
 * Snapshot and state hash, after the transport's queues: configuration,
 * features and the queue numbering they decided, free page hinting, the
 * target schedule's position and its pending step, then the statistics
 * queue and counters (balloon_stats_snap). Pages the balloon gave back
 * are not here: they read zero and are RAM's (core/memmap_snap.c).
 */
static int balloon_snap(void *dev, struct snap *s)
{
    struct virtio_balloon *b = dev;
    uint64_t offered = b->offered;
    uint32_t next_step = b->next_step;

    /* The options decide what is offered and the schedule; a file from
     * other options does not fit (the machine section names them too). */
    snap_u64(s, "offered", &offered);
    if (snap_loading(s) && snap_status(s) == 0 && offered != b->offered)
        return snap_fail(s, "features 0x%llx offered in the file, 0x%llx here", (unsigned long long)offered,
                         (unsigned long long)b->offered);
    snap_u64(s, "features", &b->features);
    snap_u64(s, "features_seen", &b->features_seen);
    snap_bytes(s, "role", b->role, sizeof(b->role));
    snap_u32(s, "num_pages", &b->num_pages);
    snap_u32(s, "actual", &b->actual);
    snap_u32(s, "cmd_id", &b->cmd_id);
    snap_u32(s, "poison_val", &b->poison_val);
    snap_u32(s, "poison_seen", &b->poison_seen);
    snap_u32(s, "next_cmd_id", &b->next_cmd_id);
    snap_u32(s, "hint_rx_id", &b->hint_rx_id);
    snap_u32(s, "next_step", &next_step);
    evq_snap(&b->m->evq, s, "step", &b->step_event, balloon_step, b);
    if (snap_loading(s) && snap_status(s) == 0) {
        for (unsigned i = 0; i < BALLOON_MAX_QUEUES; i++) {
            if (b->role[i] > BQ_REPORTING)
                return snap_fail(s, "queue %u has role %u", i, b->role[i]);
        }
        /* Bits 0-23 are the device's (virtio 1.2 §6): the driver cannot
         * have accepted one that was not offered. */
        uint64_t accepted = (b->features | b->features_seen) & 0xffffffull;
        if (accepted & ~b->offered)
            return snap_fail(s, "features 0x%llx accepted, 0x%llx offered", (unsigned long long)accepted,
                             (unsigned long long)b->offered);
        if (b->next_cmd_id < BALLOON_CMD_ID_MIN)
            return snap_fail(s, "next free page hint command id %u is reserved", b->next_cmd_id);
        /* A step is pending exactly while the schedule has one left, at
         * that step's time. */
        struct evq_event e;
        bool pending = evq_lookup(&b->m->evq, b->step_event, &e);
        const char *why = NULL;
        if (next_step > b->nschedule)
            why = "past its end";
        else if (pending && next_step == b->nschedule)
            why = "with a step pending after the last";
        else if (!pending && next_step < b->nschedule)
            why = "with no step pending";
        else if (pending && e.time != b->schedule[next_step].cycle)
            why = "with its step pending at another time";
        if (why)
            return snap_fail(s, "target schedule at step %u of %u, %s", next_step, b->nschedule, why);
        b->next_step = next_step;
    }
    if (snap_status(s) == 0)
        balloon_stats_snap(b, s);
    return snap_status(s);
}

static const struct virtio_dev_ops balloon_ops = {
    .device_id = VIRTIO_ID_BALLOON,
    .num_queues = BALLOON_MAX_QUEUES,
    .queue_size_max = BALLOON_QUEUE_SIZE,
    .config_size = BALLOON_CONFIG_SIZE,
    .features = balloon_features,
    .features_ok = balloon_features_ok,
    .config_read = balloon_config_read,
    .config_write = balloon_config_write,
    .queue_notify = balloon_notify,
    .reset = balloon_reset,
    .attach = balloon_attach,
    .save = balloon_snap,
    .load = balloon_snap,
};

static void balloon_config_changed(struct virtio_balloon *b)
{
    if (b->bus && b->bus->config_changed)
        b->bus->config_changed(b->bus->transport);
}

static int balloon_check_target(const struct virtio_balloon *b, uint64_t bytes, struct emu_err *err)
{
    if (bytes == 0)
        return emu_errf(err, "virtio-balloon: target must be more than 0");
    if (bytes > b->ram_size)
        return emu_errf(err, "virtio-balloon: target %llu MiB is more than the guest's %llu MiB of RAM",
                        (unsigned long long)(bytes >> 20), (unsigned long long)(b->ram_size >> 20));
    return 0;
}

static void balloon_apply_target(struct virtio_balloon *b, uint64_t bytes)
{
    uint64_t pages = (b->ram_size - bytes) >> BALLOON_PFN_SHIFT;
    b->num_pages = pages > UINT32_MAX ? UINT32_MAX : (uint32_t)pages;
    b->st.target_bytes = b->ram_size - ((uint64_t)b->num_pages << BALLOON_PFN_SHIFT);
}

int virtio_balloon_set_target(void *dev, uint64_t bytes, struct emu_err *err)
{
    struct virtio_balloon *b = dev;

    if (balloon_check_target(b, bytes, err) < 0)
        return -1;
    balloon_apply_target(b, bytes);
    /* §5.5.6: the driver looks at num_pages on a configuration change. */
    balloon_config_changed(b);
    return 0;
}

int virtio_balloon_hint_start(void *dev, struct emu_err *err)
{
    struct virtio_balloon *b = dev;

    if (!(b->offered & VIRTIO_BIT(BALLOON_F_FREE_PAGE_HINT)))
        return emu_errf(err, "virtio-balloon: free page hinting needs free-page-hint=on");
    /* §5.5.6.5.2: a new id per round; 32 bits do not wrap within a run. */
    b->cmd_id = b->next_cmd_id++;
    if (b->next_cmd_id < BALLOON_CMD_ID_MIN)
        b->next_cmd_id = BALLOON_CMD_ID_MIN;
    balloon_config_changed(b);
    return 0;
}

void virtio_balloon_hint_done(void *dev)
{
    struct virtio_balloon *b = dev;

    b->cmd_id = BALLOON_CMD_ID_DONE;
    balloon_config_changed(b);
}

static void balloon_step(void *opaque, uint64_t now)
{
    struct virtio_balloon *b = opaque;
    const struct balloon_step *st = &b->schedule[b->next_step++];

    b->step_event = 0;
    /* Checked against RAM when parsed. */
    (void)virtio_balloon_set_target(b, st->bytes, NULL);
    if (b->next_step < b->nschedule)
        b->step_event = evq_post(&b->m->evq, b->schedule[b->next_step].cycle, EVQ_PRIO_DEVICE, balloon_step, b);
    (void)now;
}

/* SECONDS with up to nine decimals, as virtual nanoseconds. */
static int balloon_parse_seconds(const char *s, const char *end, uint64_t *ns)
{
    uint64_t whole = 0, frac = 0, scale = 1000000000u;
    const char *p = s;

    if (p == end)
        return -1;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        if (whole > (UINT64_MAX / 1000000000u - 9) / 10)
            return -1;
        whole = whole * 10 + (uint64_t)(*p - '0');
    }
    if (p < end && *p == '.') {
        for (p++; p < end && *p >= '0' && *p <= '9'; p++) {
            if (scale == 1)
                return -1;
            scale /= 10;
            frac += (uint64_t)(*p - '0') * scale;
        }
    }
    if (p != end || p == s || p[-1] == '.')
        return -1;
    *ns = whole * 1000000000u + frac;
    return 0;
}

/* target-schedule=SECONDS:SIZE[/SECONDS:SIZE...], times rising. */
static int balloon_parse_schedule(struct virtio_balloon *b, const char *v, struct emu_err *err)
{
    const char *p = v;
    uint64_t last = 0;

    while (*p) {
        const char *slash = strchr(p, '/');
        const char *end = slash ? slash : p + strlen(p);
        const char *colon = memchr(p, ':', (size_t)(end - p));
        char size[32];
        uint64_t ns, bytes;

        if (b->nschedule == BALLOON_SCHEDULE_MAX)
            return emu_errf(err, "virtio-balloon: target-schedule has more than %d steps", BALLOON_SCHEDULE_MAX);
        if (!colon || balloon_parse_seconds(p, colon, &ns) < 0 || (size_t)(end - colon - 1) >= sizeof(size))
            return emu_errf(err, "virtio-balloon: target-schedule=%s: expected SECONDS:SIZE[/SECONDS:SIZE...]", v);
        memcpy(size, colon + 1, (size_t)(end - colon - 1));
        size[end - colon - 1] = '\0';
        if (options_parse_size(size, &bytes) < 0)
            return emu_errf(err, "virtio-balloon: target-schedule: '%s' is not a size", size);
        if (balloon_check_target(b, bytes, err) < 0)
            return -1;
        if (b->nschedule && ns <= last)
            return emu_errf(err, "virtio-balloon: target-schedule: times must rise");
        last = ns;
        unsigned __int128 cyc = (unsigned __int128)ns * b->m->cfg.core_hz / 1000000000u;
        b->schedule[b->nschedule++] = (struct balloon_step){ cyc > UINT64_MAX ? UINT64_MAX : (uint64_t)cyc, bytes };
        p = slash ? slash + 1 : end;
        if (slash && !*p)
            return emu_errf(err, "virtio-balloon: target-schedule=%s ends with '/'", v);
    }
    if (!b->nschedule)
        return emu_errf(err, "virtio-balloon: target-schedule is empty");
    return 0;
}

static const char *const balloon_keys[] = {
    "free-page-reporting", "page-poison", "deflate-on-oom", "free-page-hint", "target",
    "guest-stats-polling-interval", "target-schedule", NULL,
};

/* Option -> feature bit, with QEMU's defaults. */
static const struct {
    const char *key;
    unsigned bit;
    bool dflt;
} balloon_bool_opts[] = {
    { "free-page-reporting", BALLOON_F_PAGE_REPORTING, false },
    { "page-poison", BALLOON_F_PAGE_POISON, true },
    { "deflate-on-oom", BALLOON_F_DEFLATE_ON_OOM, false },
    { "free-page-hint", BALLOON_F_FREE_PAGE_HINT, false },
};

static int balloon_parse(struct virtio_balloon *b, const struct devopts *o, struct emu_err *err)
{
    uint64_t target, secs;

    if (devopts_check_keys(o, balloon_keys, err) < 0)
        return -1;
    /* Like QEMU, the statistics queue is always offered. */
    b->offered = VIRTIO_BIT(BALLOON_F_STATS_VQ);
    for (size_t i = 0; i < sizeof(balloon_bool_opts) / sizeof(balloon_bool_opts[0]); i++) {
        bool on;
        if (devopts_bool(o, balloon_bool_opts[i].key, balloon_bool_opts[i].dflt, &on, err) < 0)
            return -1;
        if (on)
            b->offered |= VIRTIO_BIT(balloon_bool_opts[i].bit);
    }
    if (devopts_size(o, "target", b->ram_size, &target, err) < 0 || balloon_check_target(b, target, err) < 0)
        return -1;
    balloon_apply_target(b, target);
    if (devopts_u64(o, "guest-stats-polling-interval", 0, &secs, err) < 0)
        return -1;
    if (b->m->cfg.core_hz && secs > UINT64_MAX / b->m->cfg.core_hz)
        return emu_errf(err, "virtio-balloon: guest-stats-polling-interval=%llu is too long",
                        (unsigned long long)secs);
    b->poll_cycles = secs * b->m->cfg.core_hz;
    const char *sched = devopts_get(o, "target-schedule");
    if (sched && balloon_parse_schedule(b, sched, err) < 0)
        return -1;
    return 0;
}

static void balloon_destroy(void *dev)
{
    struct virtio_balloon *b = dev;

    if (!b)
        return;
    balloon_poll_stop(b);
    if (b->step_event)
        evq_cancel(&b->m->evq, b->step_event);
    balloon_stats_forget(b);
    free(b);
}

static void *balloon_create(const struct virtio_env *env, const struct devopts *o,
                            const struct virtio_dev_ops **ops, struct emu_err *err)
{
    struct virtio_balloon *b;

    if (!env->m || env->m->cfg.ram_size == 0) {
        emu_errf(err, "%s: needs a machine with RAM", o->name);
        return NULL;
    }
    b = calloc(1, sizeof(*b));
    if (!b) {
        emu_errf(err, "%s: out of memory", o->name);
        return NULL;
    }
    b->m = env->m;
    b->ram_size = env->m->cfg.ram_size;
    if (balloon_parse(b, o, err) < 0) {
        free(b);
        return NULL;
    }
    b->cmd_id = b->hint_rx_id = BALLOON_CMD_ID_STOP;
    b->next_cmd_id = BALLOON_CMD_ID_MIN;
    virtq_chain_init(&b->stats_buf);
    /* Resident guest RAM is reported in --stats: keep it a function of
     * what the guest touched (see memmap_ram_base_pages). */
    memmap_ram_base_pages(&b->m->map);
    b->scan_interval = b->m->cfg.core_hz / 100;
    balloon_poll_start(b);
    if (b->nschedule)
        b->step_event = evq_post(&b->m->evq, b->schedule[0].cycle, EVQ_PRIO_DEVICE, balloon_step, b);
    *ops = &balloon_ops;
    return b;
}

const struct virtio_device_desc virtio_balloon_desc = {
    .name = "virtio-balloon",
    .alias = "virtio-balloon-device",
    .summary = "memory balloon: inflate/deflate, guest statistics, free page reporting and hinting",
    .options = "[free-page-reporting=on|off][,page-poison=on|off][,deflate-on-oom=on|off]"
               "[,free-page-hint=on|off][,target=MiB][,guest-stats-polling-interval=SECONDS]"
               "[,target-schedule=SECONDS:SIZE[/SECONDS:SIZE...]]",
    .create = balloon_create,
    .destroy = balloon_destroy,
    .write_stats = virtio_balloon_write_json,
};
