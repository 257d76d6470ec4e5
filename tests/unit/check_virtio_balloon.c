/*
 * Unit tests for virtio/balloon: the device behind the MMIO transport,
 * driven through its registers (virtio 1.2 §4.2.2) and the test-side
 * virtqueue driver, the way Linux's virtio_balloon drives it: options,
 * configuration space, queue numbering, inflate/deflate, free page
 * reporting with and without page poison, free page hinting, the
 * statistics queue, every malformed request the issue lists, and
 * snapshots: the device and the pages it gave back saved and restored
 * into a freshly built machine, which then goes on as the original.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/devopts.h"
#include "core/json.h"
#include "core/machine.h"
#include "core/snapshot.h"
#include "core/statehash.h"
#include "virtio/balloon.h"
#include "virtio/balloon_int.h"
#include "virtio/virtio.h"
#include "virtio/virtio_mmio.h"
#include "virtio/virtqueue.h"
#include "virtq_driver.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define PG 4096ull
#define RAM_BASE  0x80000000ull
#define RAM_SIZE  (16 * MiB)
#define ROM_BASE  0x1000ull
#define MMIO_BASE 0x10001000ull
#define QSIZE     8
#define RINGS(q)  (RAM_BASE + 0x10000 + 0x2000ull * (q))
#define BUF       (RAM_BASE + 0x20000)      /* PFN arrays, command ids, statistics */
#define TABLE     (RAM_BASE + 0x30000)      /* indirect descriptor tables */
#define DATA      (RAM_BASE + 0x100000)     /* pages given to the balloon */

/* Feature bits, §5.5.3. */
#define F_STATS   VIRTIO_BIT(1)
#define F_OOM     VIRTIO_BIT(2)
#define F_HINT    VIRTIO_BIT(3)
#define F_POISON  VIRTIO_BIT(4)
#define F_REPORT  VIRTIO_BIT(5)
#define F_V1      VIRTIO_BIT(VIRTIO_F_VERSION_1)
#define F_INDIRECT VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC)

/* Register offsets, §4.2.2. */
enum {
    R_DEVICE_ID = 0x008, R_DEV_FEAT = 0x010, R_DEV_FEAT_SEL = 0x014, R_DRV_FEAT = 0x020,
    R_DRV_FEAT_SEL = 0x024, R_QUEUE_SEL = 0x030, R_QUEUE_NUM = 0x038, R_QUEUE_READY = 0x044,
    R_QUEUE_NOTIFY = 0x050, R_INT_STATUS = 0x060, R_INT_ACK = 0x064, R_STATUS = 0x070,
    R_DESC_LO = 0x080, R_DESC_HI = 0x084, R_DRIVER_LO = 0x090, R_DRIVER_HI = 0x094,
    R_DEVICE_LO = 0x0a0, R_DEVICE_HI = 0x0a4, R_CONFIG_GEN = 0x0fc, R_CONFIG = 0x100,
};
/* Configuration space, §5.5.4. */
enum { C_NUM_PAGES = 0x0, C_ACTUAL = 0x4, C_CMD_ID = 0x8, C_POISON = 0xc };

struct tb {
    struct machine m;
    void *bal;
    const struct virtio_dev_ops *ops;
    struct virtio_mmio *tr;
    struct vqd q[5];
    unsigned nq;
    bool irq;
};

static void irq_sink(void *sink, unsigned input, bool level)
{
    (void)input;
    ((struct tb *)sink)->irq = level;
}

static uint32_t mr(struct tb *t, uint64_t off) { return (uint32_t)virtio_mmio_ops.read(t->tr, off, 4); }
static void mw(struct tb *t, uint64_t off, uint32_t v) { virtio_mmio_ops.write(t->tr, off, v, 4); }
static uint32_t cfg_r(struct tb *t, uint32_t off) { return mr(t, R_CONFIG + off); }
static void cfg_w(struct tb *t, uint32_t off, uint32_t v) { mw(t, R_CONFIG + off, v); }

/* Creates the device from an option string; NULL with *err on bad options. */
static void *create(struct machine *m, const char *spec, const struct virtio_dev_ops **ops, struct emu_err *err)
{
    struct devopts o;
    struct virtio_env env = { .m = m, .index = 0 };
    void *dev = NULL;
    if (devopts_parse(&o, spec, err) == 0)
        dev = virtio_balloon_desc.create(&env, &o, ops, err);
    devopts_free(&o);
    return dev;
}

static void machine_setup(struct machine *m)
{
    struct machine_config cfg = { .ram_size = RAM_SIZE };
    struct emu_err err;
    ck_assert_int_eq(machine_init(m, &cfg, &err), 0);
    ck_assert_int_eq(memmap_add_ram(&m->map, RAM_BASE, RAM_SIZE, "ram", &err), 0);
    ck_assert_int_eq(memmap_add_rom(&m->map, ROM_BASE, PG, "rom", &err), 0);
}

static struct tb *tb_new(const char *spec)
{
    struct tb *t = calloc(1, sizeof(*t));
    struct emu_err err = { { 0 } };
    ck_assert_ptr_nonnull(t);
    machine_setup(&t->m);
    t->bal = create(&t->m, spec, &t->ops, &err);
    ck_assert_msg(t->bal != NULL, "%s: %s", spec, err.msg);
    t->tr = virtio_mmio_create(&t->m, t->ops, t->bal, irq_line_make(irq_sink, t, 1));
    ck_assert_ptr_nonnull(t->tr);
    ck_assert_int_eq(memmap_add_mmio(&t->m.map, MMIO_BASE, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, t->tr, "virtio",
                                     &err), 0);
    return t;
}

static void tb_free(struct tb *t)
{
    virtio_balloon_desc.destroy(t->bal);
    virtio_mmio_destroy(t->tr);
    machine_destroy(&t->m);
    free(t);
}

static uint32_t tb_negotiate(struct tb *t, uint64_t features)
{
    mw(t, R_STATUS, 0);
    mw(t, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    mw(t, R_DRV_FEAT_SEL, 0);
    mw(t, R_DRV_FEAT, (uint32_t)features);
    mw(t, R_DRV_FEAT_SEL, 1);
    mw(t, R_DRV_FEAT, (uint32_t)(features >> 32));
    mw(t, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    return mr(t, R_STATUS);
}

/* Negotiates, sets up nq queues on the driver's rings, optionally writes
 * poison_val (before DRIVER_OK, §5.5.6.6.1), and sets DRIVER_OK. */
static void tb_start(struct tb *t, uint64_t features, unsigned nq, const uint32_t *poison)
{
    ck_assert(tb_negotiate(t, features | F_V1) & VIRTIO_STATUS_FEATURES_OK);
    t->nq = nq;
    for (unsigned q = 0; q < nq; q++) {
        vqd_init(&t->q[q], &t->m, RINGS(q), QSIZE);
        mw(t, R_QUEUE_SEL, q);
        mw(t, R_QUEUE_NUM, QSIZE);
        mw(t, R_DESC_LO, (uint32_t)t->q[q].desc);
        mw(t, R_DESC_HI, (uint32_t)(t->q[q].desc >> 32));
        mw(t, R_DRIVER_LO, (uint32_t)t->q[q].avail);
        mw(t, R_DRIVER_HI, (uint32_t)(t->q[q].avail >> 32));
        mw(t, R_DEVICE_LO, (uint32_t)t->q[q].used);
        mw(t, R_DEVICE_HI, (uint32_t)(t->q[q].used >> 32));
        mw(t, R_QUEUE_READY, 1);
    }
    if (poison)
        cfg_w(t, C_POISON, *poison);
    mw(t, R_STATUS, mr(t, R_STATUS) | VIRTIO_STATUS_DRIVER_OK);
}

static bool needs_reset(struct tb *t)
{
    return (mr(t, R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0;
}

static void fill(struct tb *t, uint64_t addr, uint64_t len, uint8_t v)
{
    uint8_t *p = memmap_host_ptr(&t->m.map, addr, len);
    ck_assert_ptr_nonnull(p);
    memset(p, v, len);
}

static bool all(struct tb *t, uint64_t addr, uint64_t len, uint8_t v)
{
    const uint8_t *p = memmap_host_ptr(&t->m.map, addr, len);
    ck_assert_ptr_nonnull(p);
    for (uint64_t i = 0; i < len; i++) {
        if (p[i] != v)
            return false;
    }
    return true;
}

/* Puts n le32 PFNs at BUF and makes them one buffer on queue q. */
static void send_pfns(struct tb *t, unsigned q, const uint32_t *pfn, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        vqd_w32(&t->m, BUF + 4ull * i, pfn[i]);
    struct vqd_seg s = { BUF, 4 * n, 0 };
    vqd_add_chain(&t->q[q], &s, 1);
    mw(t, R_QUEUE_NOTIFY, q);
}

static uint32_t pfn_of(uint64_t addr) { return (uint32_t)(addr >> 12); }

static unsigned used_count(struct tb *t, unsigned q)
{
    uint32_t id, len;
    unsigned n = 0;
    while (vqd_get_used(&t->q[q], &id, &len)) {
        ck_assert_uint_eq(len, 0);      /* the balloon writes nothing back */
        n++;
    }
    return n;
}

static struct virtio_balloon_stats stats(struct tb *t)
{
    struct virtio_balloon_stats s;
    virtio_balloon_get_stats(t->bal, &s);
    return s;
}

/* Report ranges on queue q as one device-writable chain, as Linux does. */
static void report(struct tb *t, unsigned q, const struct vqd_seg *segs, unsigned n)
{
    struct vqd_seg s[QSIZE];
    for (unsigned i = 0; i < n; i++) {
        s[i] = segs[i];
        s[i].write = 1;
    }
    vqd_add_chain(&t->q[q], s, n);
    mw(t, R_QUEUE_NOTIFY, q);
}

/* --- options, identification, configuration --- */

START_TEST(test_balloon_device_id_and_default_features_match_qemu)
{
    struct tb *t = tb_new("virtio-balloon");
    ck_assert_uint_eq(mr(t, R_DEVICE_ID), VIRTIO_ID_BALLOON);
    mw(t, R_DEV_FEAT_SEL, 0);
    uint32_t lo = mr(t, R_DEV_FEAT);
    ck_assert_uint_eq(lo & 0x3f, (uint32_t)(F_STATS | F_POISON));
    ck_assert_uint_eq(cfg_r(t, C_NUM_PAGES), 0);
    ck_assert_uint_eq(cfg_r(t, C_CMD_ID), 0);
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_options_turn_features_on_and_off)
{
    struct tb *t = tb_new("virtio-balloon,free-page-reporting=on,page-poison=off,deflate-on-oom=on,"
                          "free-page-hint=on");
    mw(t, R_DEV_FEAT_SEL, 0);
    ck_assert_uint_eq(mr(t, R_DEV_FEAT) & 0x3f, (uint32_t)(F_STATS | F_OOM | F_HINT | F_REPORT));
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_bad_options_are_one_line_errors)
{
    static const char *const bad[] = {
        "virtio-balloon,frobnicate=on",
        "virtio-balloon,free-page-reporting=maybe",
        "virtio-balloon,target=0",
        "virtio-balloon,target=17",            /* MiB, more than the 16 MiB of RAM */
        "virtio-balloon,target=lots",
        "virtio-balloon,guest-stats-polling-interval=-1",
        "virtio-balloon,page-poison=on,page-poison=off",
        "virtio-balloon,target-schedule=5:32",         /* more than RAM */
        "virtio-balloon,target-schedule=2:8/1:8",      /* times must rise */
        "virtio-balloon,target-schedule=x:8",
        "virtio-balloon,target-schedule=1:",
        "virtio-balloon,target-schedule=1.:8",
        "virtio-balloon,target-schedule=1:8/",
        "virtio-balloon,target-schedule=",
        "virtio-balloon,target-schedule=0.0000000001:8",   /* finer than a nanosecond */
    };
    struct machine m;
    machine_setup(&m);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct emu_err err = { { 0 } };
        const struct virtio_dev_ops *ops = NULL;
        ck_assert_msg(create(&m, bad[i], &ops, &err) == NULL, "%s accepted", bad[i]);
        ck_assert_msg(err.msg[0] != '\0' && !strchr(err.msg, '\n'), "%s: '%s'", bad[i], err.msg);
    }
    machine_destroy(&m);
}
END_TEST

START_TEST(test_balloon_target_option_sets_num_pages)
{
    struct tb *t = tb_new("virtio-balloon,target=12");
    ck_assert_uint_eq(cfg_r(t, C_NUM_PAGES), (4 * MiB) / PG);
    ck_assert_uint_eq(stats(t).target_bytes, 12 * MiB);
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_set_target_changes_num_pages_and_interrupts)
{
    struct tb *t = tb_new("virtio-balloon");
    struct emu_err err;
    tb_start(t, F_STATS, 3, NULL);
    uint32_t gen = mr(t, R_CONFIG_GEN);
    ck_assert(!t->irq);
    ck_assert_int_eq(virtio_balloon_set_target(t->bal, 10 * MiB, &err), 0);
    ck_assert_uint_eq(cfg_r(t, C_NUM_PAGES), (6 * MiB) / PG);
    ck_assert_uint_ne(mr(t, R_CONFIG_GEN), gen);
    ck_assert(t->irq);
    ck_assert_uint_eq(mr(t, R_INT_STATUS) & 2, 2);
    /* Back to all of RAM: an empty balloon. */
    ck_assert_int_eq(virtio_balloon_set_target(t->bal, RAM_SIZE, &err), 0);
    ck_assert_uint_eq(cfg_r(t, C_NUM_PAGES), 0);
    ck_assert_int_eq(virtio_balloon_set_target(t->bal, 0, &err), -1);
    ck_assert_int_eq(virtio_balloon_set_target(t->bal, RAM_SIZE + PG, &err), -1);
    ck_assert_uint_eq(cfg_r(t, C_NUM_PAGES), 0);
    tb_free(t);
}
END_TEST

/* Targets at fixed virtual times, for scripted runs. */
START_TEST(test_balloon_target_schedule_moves_target_in_virtual_time)
{
    struct tb *t = tb_new("virtio-balloon,target-schedule=1:8/2.5:16M");
    tb_start(t, F_STATS, 3, NULL);
    uint64_t hz = t->m.cfg.core_hz;
    t->m.vclock = hz - 1;
    evq_run_due(&t->m.evq, t->m.vclock);
    ck_assert_uint_eq(cfg_r(t, C_NUM_PAGES), 0);
    ck_assert(!t->irq);
    t->m.vclock = hz;
    evq_run_due(&t->m.evq, t->m.vclock);
    ck_assert_uint_eq(cfg_r(t, C_NUM_PAGES), (8 * MiB) / PG);
    ck_assert(t->irq);
    mw(t, R_INT_ACK, 3);
    t->m.vclock = 2 * hz + hz / 2;
    evq_run_due(&t->m.evq, t->m.vclock);
    ck_assert_uint_eq(cfg_r(t, C_NUM_PAGES), 0);
    ck_assert(t->irq);
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_config_driver_fields_writable_host_fields_not)
{
    struct tb *t = tb_new("virtio-balloon,target=8");
    tb_start(t, F_STATS, 3, NULL);
    cfg_w(t, C_NUM_PAGES, 5);
    cfg_w(t, C_CMD_ID, 7);
    ck_assert_uint_eq(cfg_r(t, C_NUM_PAGES), (8 * MiB) / PG);
    ck_assert_uint_eq(cfg_r(t, C_CMD_ID), 0);
    cfg_w(t, C_ACTUAL, 0x123);
    ck_assert_uint_eq(cfg_r(t, C_ACTUAL), 0x123);
    /* Legacy drivers wrote actual a byte at a time. */
    virtio_mmio_ops.write(t->tr, R_CONFIG + C_ACTUAL + 1, 0x45, 1);
    ck_assert_uint_eq(cfg_r(t, C_ACTUAL), 0x4523);
    ck_assert_uint_eq(virtio_mmio_ops.read(t->tr, R_CONFIG + C_ACTUAL + 1, 1), 0x45);
    ck_assert_uint_eq(stats(t).balloon_bytes, 0x4523 * PG);
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_reset_forgets_driver_state_keeps_target)
{
    uint32_t poison = 0xaaaaaaaau;
    struct tb *t = tb_new("virtio-balloon,target=8");
    tb_start(t, F_STATS | F_POISON, 3, &poison);
    cfg_w(t, C_ACTUAL, 100);
    mw(t, R_STATUS, 0);
    ck_assert_uint_eq(cfg_r(t, C_ACTUAL), 0);
    ck_assert_uint_eq(cfg_r(t, C_POISON), 0);
    ck_assert_uint_eq(cfg_r(t, C_NUM_PAGES), (8 * MiB) / PG);
    tb_free(t);
}
END_TEST

/* --- inflate and deflate --- */

START_TEST(test_balloon_inflate_releases_pages_reading_zero)
{
    struct tb *t = tb_new("virtio-balloon");
    tb_start(t, F_STATS, 3, NULL);
    fill(t, DATA, 8 * PG, 0x5a);
    uint32_t pfns[] = { pfn_of(DATA + PG), pfn_of(DATA + 2 * PG), pfn_of(DATA + 5 * PG) };
    send_pfns(t, 0, pfns, 3);
    ck_assert_uint_eq(used_count(t, 0), 1);
    ck_assert(all(t, DATA + PG, 2 * PG, 0));
    ck_assert(all(t, DATA + 5 * PG, PG, 0));
    ck_assert(all(t, DATA, PG, 0x5a));
    ck_assert(all(t, DATA + 3 * PG, 2 * PG, 0x5a));
    ck_assert(all(t, DATA + 6 * PG, 2 * PG, 0x5a));
    struct virtio_balloon_stats s = stats(t);
    ck_assert_uint_eq(s.inflate_requests, 1);
    ck_assert_uint_eq(s.pages_inflated, 3);
    ck_assert_uint_eq(s.bytes_released, 3 * PG);
    ck_assert_uint_eq(memmap_ram_resident_range(&t->m.map, DATA, 8 * PG), 5 * PG);
    ck_assert(!needs_reset(t));
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_inflate_with_poison_still_zeroes)
{
    /* §5.5.3: with PAGE_POISON the driver writes poison_val after deflating. */
    uint32_t poison = 0xaaaaaaaau;
    struct tb *t = tb_new("virtio-balloon");
    tb_start(t, F_STATS | F_POISON, 3, &poison);
    fill(t, DATA, PG, 0xaa);
    uint32_t pfn = pfn_of(DATA);
    send_pfns(t, 0, &pfn, 1);
    ck_assert(all(t, DATA, PG, 0));
    ck_assert_uint_eq(stats(t).bytes_released, PG);
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_inflate_pfns_outside_ram_are_skipped)
{
    struct tb *t = tb_new("virtio-balloon");
    tb_start(t, F_STATS, 3, NULL);
    fill(t, RAM_BASE + 0x40000, RAM_SIZE - 0x40000, 0x33);
    uint32_t pfns[] = {
        pfn_of(MMIO_BASE),                  /* the device's own registers */
        pfn_of(ROM_BASE),                   /* ROM */
        pfn_of(0x20000000),                 /* a hole */
        pfn_of(RAM_BASE + RAM_SIZE),        /* one past the end of RAM */
        0xffffffffu,                        /* the highest PFN there is */
        pfn_of(DATA + 3 * PG),              /* the one good page */
    };
    send_pfns(t, 0, pfns, 6);
    ck_assert_uint_eq(used_count(t, 0), 1);
    ck_assert(!needs_reset(t));
    struct virtio_balloon_stats s = stats(t);
    ck_assert_uint_eq(s.bad_entries, 5);
    ck_assert_uint_eq(s.pages_inflated, 1);
    ck_assert(all(t, DATA + 3 * PG, PG, 0));
    ck_assert(all(t, RAM_BASE + 0x40000, DATA + 3 * PG - RAM_BASE - 0x40000, 0x33));
    ck_assert(all(t, DATA + 4 * PG, RAM_BASE + RAM_SIZE - DATA - 4 * PG, 0x33));
    ck_assert_uint_eq(mr(t, R_DEVICE_ID), VIRTIO_ID_BALLOON);
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_inflate_partial_pfn_entry_counted_bad)
{
    struct tb *t = tb_new("virtio-balloon");
    tb_start(t, F_STATS, 3, NULL);
    fill(t, DATA, 2 * PG, 0x21);
    vqd_w32(&t->m, BUF, pfn_of(DATA));
    vqd_w32(&t->m, BUF + 4, pfn_of(DATA + PG));
    struct vqd_seg s = { BUF, 6, 0 };       /* one and a half entries */
    vqd_add_chain(&t->q[0], &s, 1);
    mw(t, R_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(used_count(t, 0), 1);
    ck_assert(all(t, DATA, PG, 0));
    ck_assert(all(t, DATA + PG, PG, 0x21));
    ck_assert_uint_eq(stats(t).bad_entries, 1);
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_deflate_counts_pages_leaves_memory)
{
    struct tb *t = tb_new("virtio-balloon");
    tb_start(t, F_STATS, 3, NULL);
    fill(t, DATA, 2 * PG, 0x66);
    uint32_t pfns[] = { pfn_of(DATA), pfn_of(DATA + PG) };
    send_pfns(t, 1, pfns, 2);
    ck_assert_uint_eq(used_count(t, 1), 1);
    ck_assert(all(t, DATA, 2 * PG, 0x66));
    struct virtio_balloon_stats s = stats(t);
    ck_assert_uint_eq(s.deflate_requests, 1);
    ck_assert_uint_eq(s.pages_deflated, 2);
    ck_assert_uint_eq(s.bytes_released, 0);
    tb_free(t);
}
END_TEST

/* --- free page reporting --- */

/* Without the statistics queue the reporting queue is index 2 (Linux
 * numbers only the queues it uses). */
START_TEST(test_balloon_reporting_queue_index_follows_negotiated_features)
{
    struct tb *t = tb_new("virtio-balloon,free-page-reporting=on");
    tb_start(t, F_REPORT, 3, NULL);
    fill(t, DATA, 4 * PG, 0x11);
    struct vqd_seg s = { DATA, 4 * PG, 1 };
    report(t, 2, &s, 1);
    ck_assert_uint_eq(used_count(t, 2), 1);
    ck_assert(all(t, DATA, 4 * PG, 0));
    ck_assert_uint_eq(stats(t).pages_reported, 4);
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_report_releases_ranges_reading_zero)
{
    struct tb *t = tb_new("virtio-balloon,free-page-reporting=on");
    tb_start(t, F_STATS | F_REPORT, 4, NULL);
    fill(t, DATA, 2 * MiB, 0x7e);
    uint64_t before = memmap_ram_resident(&t->m.map);
    struct vqd_seg s[] = { { DATA, 512 * KiB, 1 }, { DATA + 1 * MiB, 1 * MiB, 1 } };
    report(t, 3, s, 2);
    ck_assert_uint_eq(used_count(t, 3), 1);
    ck_assert(all(t, DATA, 512 * KiB, 0));
    ck_assert(all(t, DATA + 512 * KiB, 512 * KiB, 0x7e));
    ck_assert(all(t, DATA + 1 * MiB, 1 * MiB, 0));
    struct virtio_balloon_stats st = stats(t);
    ck_assert_uint_eq(st.report_requests, 1);
    ck_assert_uint_eq(st.pages_reported, (1536 * KiB) / PG);
    ck_assert_uint_eq(st.bytes_released, 1536 * KiB);
    ck_assert_uint_eq(st.ram_resident_bytes, before - 1536 * KiB);
    ck_assert_uint_ge(st.ram_resident_peak_bytes, before);
    ck_assert(!needs_reset(t));
    tb_free(t);
}
END_TEST

/* The guest poisons what it frees; a reported page must keep poison_val
 * and never come back as zeroes (§5.5.6.7.2). */
START_TEST(test_balloon_report_with_poison_reads_back_poison)
{
    uint32_t poison = 0xaaaaaaaau;
    struct tb *t = tb_new("virtio-balloon,free-page-reporting=on");
    tb_start(t, F_STATS | F_POISON | F_REPORT, 4, &poison);
    fill(t, DATA, 64 * PG, 0xaa);
    fill(t, DATA + 7 * PG + 12, 4, 0);      /* a page the guest did not poison completely */
    struct vqd_seg s[] = { { DATA, 64 * PG, 1 }, { DATA + 1 * MiB, 16 * PG, 1 } };   /* the second never touched */
    report(t, 3, s, 2);
    ck_assert_uint_eq(used_count(t, 3), 1);
    ck_assert(all(t, DATA, 64 * PG, 0xaa));
    ck_assert(all(t, DATA + 1 * MiB, 16 * PG, 0xaa));
    struct virtio_balloon_stats st = stats(t);
    ck_assert_uint_eq(st.pages_reported, 80);
    ck_assert_uint_eq(st.bytes_released, 0);
    tb_free(t);
}
END_TEST

/* init_on_free: the driver negotiates PAGE_POISON with poison_val 0. */
START_TEST(test_balloon_report_with_zero_poison_releases)
{
    uint32_t poison = 0;
    struct tb *t = tb_new("virtio-balloon,free-page-reporting=on");
    tb_start(t, F_STATS | F_POISON | F_REPORT, 4, &poison);
    fill(t, DATA, 16 * PG, 0);
    struct vqd_seg s = { DATA, 16 * PG, 1 };
    report(t, 3, &s, 1);
    ck_assert(all(t, DATA, 16 * PG, 0));
    ck_assert_uint_eq(stats(t).bytes_released, 16 * PG);
    tb_free(t);
}
END_TEST

/* poison_val only counts when PAGE_POISON was negotiated. */
START_TEST(test_balloon_report_poison_val_ignored_without_feature)
{
    uint32_t poison = 0xaaaaaaaau;
    struct tb *t = tb_new("virtio-balloon,free-page-reporting=on");
    tb_start(t, F_STATS | F_REPORT, 4, &poison);
    fill(t, DATA, 4 * PG, 0xaa);
    struct vqd_seg s = { DATA, 4 * PG, 1 };
    report(t, 3, &s, 1);
    ck_assert(all(t, DATA, 4 * PG, 0));
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_report_range_outside_ram_needs_reset_untouched)
{
    struct tb *t = tb_new("virtio-balloon,free-page-reporting=on");
    tb_start(t, F_STATS | F_REPORT, 4, NULL);
    fill(t, DATA, 4 * PG, 0x44);
    struct vqd_seg s[] = { { DATA, 4 * PG, 1 }, { 0x20000000, 4 * PG, 1 } };
    report(t, 3, s, 2);
    ck_assert(needs_reset(t));
    ck_assert_uint_eq(used_count(t, 3), 0);
    /* The whole chain was refused before any of it was released. */
    ck_assert(all(t, DATA, 4 * PG, 0x44));
    ck_assert_uint_eq(stats(t).pages_reported, 0);
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_report_range_over_mmio_needs_reset)
{
    struct tb *t = tb_new("virtio-balloon,free-page-reporting=on");
    tb_start(t, F_STATS | F_REPORT, 4, NULL);
    struct vqd_seg s = { MMIO_BASE, 4 * PG, 1 };
    report(t, 3, &s, 1);
    ck_assert(needs_reset(t));
    ck_assert_uint_eq(mr(t, R_DEVICE_ID), VIRTIO_ID_BALLOON);
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_report_range_past_end_of_ram_needs_reset)
{
    struct tb *t = tb_new("virtio-balloon,free-page-reporting=on");
    tb_start(t, F_STATS | F_REPORT, 4, NULL);
    fill(t, RAM_BASE + RAM_SIZE - PG, PG, 0x19);
    struct vqd_seg s = { RAM_BASE + RAM_SIZE - PG, 2 * PG, 1 };
    report(t, 3, &s, 1);
    ck_assert(needs_reset(t));
    ck_assert(all(t, RAM_BASE + RAM_SIZE - PG, PG, 0x19));
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_report_overflowing_length_needs_reset)
{
    struct tb *t = tb_new("virtio-balloon,free-page-reporting=on");
    tb_start(t, F_STATS | F_REPORT, 4, NULL);
    struct vqd_seg s = { 0xfffffffffffff000ull, 0x2000, 1 };   /* wraps past 2^64 */
    report(t, 3, &s, 1);
    ck_assert(needs_reset(t));
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_report_unaligned_ranges_ignored_request_completes)
{
    struct tb *t = tb_new("virtio-balloon,free-page-reporting=on");
    tb_start(t, F_STATS | F_REPORT, 4, NULL);
    fill(t, DATA, 16 * PG, 0x5c);
    struct vqd_seg s[] = {
        { DATA + 0x800, 4 * PG, 1 },        /* unaligned start */
        { DATA + 8 * PG, PG + 1, 1 },       /* length not whole pages */
        { DATA + 12 * PG, 2 * PG, 1 },      /* fine */
    };
    report(t, 3, s, 3);
    ck_assert(!needs_reset(t));
    ck_assert_uint_eq(used_count(t, 3), 1);
    ck_assert(all(t, DATA, 12 * PG, 0x5c));
    ck_assert(all(t, DATA + 12 * PG, 2 * PG, 0));
    ck_assert(all(t, DATA + 14 * PG, 2 * PG, 0x5c));
    struct virtio_balloon_stats st = stats(t);
    ck_assert_uint_eq(st.bad_entries, 2);
    ck_assert_uint_eq(st.pages_reported, 2);
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_report_zero_length_entries_release_nothing)
{
    struct tb *t = tb_new("virtio-balloon,free-page-reporting=on");
    tb_start(t, F_STATS | F_REPORT, 4, NULL);
    fill(t, DATA, 2 * PG, 0x3d);
    struct vqd_seg s[] = { { DATA, 0, 1 }, { DATA + PG, 0, 1 } };
    report(t, 3, s, 2);
    ck_assert(!needs_reset(t));
    ck_assert_uint_eq(used_count(t, 3), 1);
    ck_assert(all(t, DATA, 2 * PG, 0x3d));
    ck_assert_uint_eq(stats(t).pages_reported, 0);
    tb_free(t);
}
END_TEST

/* A descriptor loop: more entries than the queue has. */
START_TEST(test_balloon_report_chain_longer_than_queue_needs_reset)
{
    struct tb *t = tb_new("virtio-balloon,free-page-reporting=on");
    tb_start(t, F_STATS | F_REPORT, 4, NULL);
    fill(t, DATA, QSIZE * PG, 0x2b);
    for (unsigned i = 0; i < QSIZE; i++)
        vqd_write_desc(&t->q[3], (uint16_t)i, DATA + i * PG, PG, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT,
                       (uint16_t)((i + 1) % QSIZE));
    vqd_publish(&t->q[3], 0);
    mw(t, R_QUEUE_NOTIFY, 3);
    ck_assert(needs_reset(t));
    ck_assert(all(t, DATA, QSIZE * PG, 0x2b));
    tb_free(t);
}
END_TEST

/* An indirect table with more entries than the queue size. */
START_TEST(test_balloon_report_indirect_table_longer_than_queue_needs_reset)
{
    struct tb *t = tb_new("virtio-balloon,free-page-reporting=on");
    tb_start(t, F_STATS | F_REPORT | F_INDIRECT, 4, NULL);
    struct vqd_seg s[QSIZE + 1];
    for (unsigned i = 0; i <= QSIZE; i++)
        s[i] = (struct vqd_seg){ DATA + i * PG, PG, 1 };
    fill(t, DATA, (QSIZE + 1) * PG, 0x6f);
    vqd_add_indirect(&t->q[3], TABLE, s, QSIZE + 1);
    mw(t, R_QUEUE_NOTIFY, 3);
    ck_assert(needs_reset(t));
    ck_assert(all(t, DATA, (QSIZE + 1) * PG, 0x6f));
    tb_free(t);
}
END_TEST

/* The driver claims more new buffers than the ring holds. */
START_TEST(test_balloon_available_index_beyond_queue_needs_reset)
{
    struct tb *t = tb_new("virtio-balloon,free-page-reporting=on");
    tb_start(t, F_STATS | F_REPORT, 4, NULL);
    vqd_w16(&t->m, t->q[3].avail + 2, QSIZE + 1);
    mw(t, R_QUEUE_NOTIFY, 3);
    ck_assert(needs_reset(t));
    tb_free(t);
}
END_TEST

/* Notifying a queue the negotiated features do not have does nothing. */
START_TEST(test_balloon_notify_on_absent_queue_ignored)
{
    struct tb *t = tb_new("virtio-balloon,free-page-reporting=on");
    tb_start(t, F_STATS, 3, NULL);
    mw(t, R_QUEUE_NOTIFY, 3);
    mw(t, R_QUEUE_NOTIFY, 4);
    mw(t, R_QUEUE_NOTIFY, 77);
    ck_assert(!needs_reset(t));
    tb_free(t);
}
END_TEST

/* --- free page hinting --- */

static void hint_cmd(struct tb *t, unsigned q, uint32_t id)
{
    vqd_w32(&t->m, BUF, id);
    struct vqd_seg s = { BUF, 4, 0 };
    vqd_add_chain(&t->q[q], &s, 1);
    mw(t, R_QUEUE_NOTIFY, q);
}

static void hint_pages(struct tb *t, unsigned q, uint64_t addr, uint64_t len)
{
    struct vqd_seg s = { addr, (uint32_t)len, 1 };
    vqd_add_chain(&t->q[q], &s, 1);
    mw(t, R_QUEUE_NOTIFY, q);
}

START_TEST(test_balloon_hint_round_releases_pages_under_current_id)
{
    struct tb *t = tb_new("virtio-balloon,free-page-hint=on");
    struct emu_err err;
    tb_start(t, F_STATS | F_HINT, 4, NULL);
    fill(t, DATA, 32 * PG, 0x48);

    /* Pages before any round are ignored. */
    hint_pages(t, 3, DATA, 4 * PG);
    ck_assert(all(t, DATA, 4 * PG, 0x48));

    ck_assert_int_eq(virtio_balloon_hint_start(t->bal, &err), 0);
    ck_assert(t->irq);
    uint32_t id = cfg_r(t, C_CMD_ID);
    ck_assert_uint_ge(id, 2);
    hint_cmd(t, 3, id);
    hint_pages(t, 3, DATA + 8 * PG, 8 * PG);
    ck_assert(all(t, DATA + 8 * PG, 8 * PG, 0));
    hint_cmd(t, 3, 0);                      /* STOP from the driver */
    hint_pages(t, 3, DATA + 16 * PG, 4 * PG);
    ck_assert(all(t, DATA + 16 * PG, 4 * PG, 0x48));

    /* A new round gets a new id; the old one is stale. */
    ck_assert_int_eq(virtio_balloon_hint_start(t->bal, &err), 0);
    uint32_t id2 = cfg_r(t, C_CMD_ID);
    ck_assert_uint_ne(id2, id);
    ck_assert_uint_ge(id2, 2);
    hint_cmd(t, 3, id);
    hint_pages(t, 3, DATA + 24 * PG, 4 * PG);
    ck_assert(all(t, DATA + 24 * PG, 4 * PG, 0x48));

    virtio_balloon_hint_done(t->bal);
    ck_assert_uint_eq(cfg_r(t, C_CMD_ID), 1);
    struct virtio_balloon_stats s = stats(t);
    ck_assert_uint_eq(s.pages_hinted, 8);
    ck_assert_uint_eq(s.hint_rounds, 1);
    ck_assert_uint_eq(used_count(t, 3), 7);
    ck_assert(!needs_reset(t));
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_hint_needs_the_option)
{
    struct tb *t = tb_new("virtio-balloon");
    struct emu_err err = { { 0 } };
    ck_assert_int_eq(virtio_balloon_hint_start(t->bal, &err), -1);
    ck_assert(strstr(err.msg, "free-page-hint") != NULL);
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_hint_command_of_wrong_size_ignored)
{
    struct tb *t = tb_new("virtio-balloon,free-page-hint=on");
    struct emu_err err;
    tb_start(t, F_STATS | F_HINT, 4, NULL);
    ck_assert_int_eq(virtio_balloon_hint_start(t->bal, &err), 0);
    vqd_w32(&t->m, BUF, cfg_r(t, C_CMD_ID));
    struct vqd_seg s = { BUF, 8, 0 };
    vqd_add_chain(&t->q[3], &s, 1);
    mw(t, R_QUEUE_NOTIFY, 3);
    fill(t, DATA, PG, 0x12);
    hint_pages(t, 3, DATA, PG);
    ck_assert(all(t, DATA, PG, 0x12));
    ck_assert_uint_eq(stats(t).bad_entries, 1);
    ck_assert(!needs_reset(t));
    tb_free(t);
}
END_TEST

/* --- statistics queue --- */

static void put_stat(struct tb *t, uint64_t at, uint16_t tag, uint64_t val)
{
    vqd_w16(&t->m, at, tag);
    vqd_w32(&t->m, at + 2, (uint32_t)val);
    vqd_w32(&t->m, at + 6, (uint32_t)(val >> 32));
}

static void send_stats(struct tb *t, uint64_t memfree, uint64_t memtot)
{
    put_stat(t, BUF, 4, memfree);
    put_stat(t, BUF + 10, 99, 12345);       /* unknown tag */
    put_stat(t, BUF + 20, 5, memtot);
    struct vqd_seg s = { BUF, 30, 0 };
    vqd_add_chain(&t->q[2], &s, 1);
    mw(t, R_QUEUE_NOTIFY, 2);
}

START_TEST(test_balloon_stats_buffer_held_then_returned_on_request)
{
    struct tb *t = tb_new("virtio-balloon");
    tb_start(t, F_STATS, 3, NULL);
    send_stats(t, 100 * MiB, 512 * MiB);
    ck_assert_uint_eq(used_count(t, 2), 0);            /* held by the device */
    struct virtio_balloon_stats s = stats(t);
    ck_assert_uint_eq(s.guest_updates, 1);
    ck_assert_uint_eq(s.guest[4], 100 * MiB);
    ck_assert_uint_eq(s.guest[5], 512 * MiB);
    ck_assert_uint_eq(s.guest_valid, (1u << 4) | (1u << 5));

    virtio_balloon_request_stats(t->bal);
    ck_assert_uint_eq(used_count(t, 2), 1);
    ck_assert(t->irq);
    send_stats(t, 50 * MiB, 512 * MiB);
    ck_assert_uint_eq(stats(t).guest[4], 50 * MiB);
    ck_assert_uint_eq(stats(t).guest_updates, 2);
    /* Nothing held now: asking again returns nothing more. */
    virtio_balloon_request_stats(t->bal);
    virtio_balloon_request_stats(t->bal);
    ck_assert_uint_eq(used_count(t, 2), 1);
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_stats_second_buffer_returns_first)
{
    struct tb *t = tb_new("virtio-balloon");
    tb_start(t, F_STATS, 3, NULL);
    send_stats(t, 1, 2);
    send_stats(t, 3, 4);
    ck_assert_uint_eq(used_count(t, 2), 1);
    ck_assert_uint_eq(stats(t).guest[4], 3);
    tb_free(t);
}
END_TEST

START_TEST(test_balloon_stats_polling_interval_requests_in_virtual_time)
{
    struct tb *t = tb_new("virtio-balloon,guest-stats-polling-interval=2");
    tb_start(t, F_STATS, 3, NULL);
    send_stats(t, 1, 2);
    uint64_t hz = t->m.cfg.core_hz;
    t->m.vclock = 2 * hz - 1;
    evq_run_due(&t->m.evq, t->m.vclock);
    ck_assert_uint_eq(used_count(t, 2), 0);
    t->m.vclock = 2 * hz;
    evq_run_due(&t->m.evq, t->m.vclock);
    ck_assert_uint_eq(used_count(t, 2), 1);
    send_stats(t, 5, 6);
    t->m.vclock = 4 * hz;
    evq_run_due(&t->m.evq, t->m.vclock);
    ck_assert_uint_eq(used_count(t, 2), 1);
    tb_free(t);
}
END_TEST

/* Linux kicks its first statistics buffer before DRIVER_OK; the
 * transport drops that kick, so the device finds the buffer itself. */
START_TEST(test_balloon_stats_buffer_posted_before_driver_ok_is_found)
{
    struct tb *t = tb_new("virtio-balloon");
    tb_start(t, F_STATS, 3, NULL);
    put_stat(t, BUF, 6, 42 * MiB);
    struct vqd_seg s = { BUF, 10, 0 };
    vqd_add_chain(&t->q[2], &s, 1);        /* no notify */
    ck_assert_uint_eq(stats(t).guest_updates, 0);
    virtio_balloon_request_stats(t->bal);
    ck_assert_uint_eq(used_count(t, 2), 1);
    ck_assert_uint_eq(stats(t).guest_updates, 1);
    ck_assert_uint_eq(stats(t).guest[6], 42 * MiB);
    tb_free(t);
}
END_TEST

/* --- --stats --- */

static char *json_text(struct tb *t)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    struct json j;
    ck_assert_ptr_nonnull(f);
    json_init(&j, f);
    json_begin_object(&j);
    json_key(&j, "virtio_balloon");
    json_begin_object(&j);
    virtio_balloon_write_json(t->bal, &j);
    json_end_object(&j);
    json_end_object(&j);
    ck_assert_int_eq(json_finish(&j), 0);
    fclose(f);
    return text;
}

START_TEST(test_balloon_json_names_counters_and_guest_stats)
{
    struct tb *t = tb_new("virtio-balloon,free-page-reporting=on,target=12");
    tb_start(t, F_STATS | F_REPORT, 4, NULL);
    fill(t, DATA, 8 * PG, 1);
    struct vqd_seg s = { DATA, 8 * PG, 1 };
    report(t, 3, &s, 1);
    send_stats(t, 7 * MiB, 16 * MiB);

    char *text = json_text(t);
    ck_assert_ptr_nonnull(strstr(text, "\"stats_vq\""));
    ck_assert_ptr_nonnull(strstr(text, "\"page_reporting\""));
    ck_assert_ptr_nonnull(strstr(text, "\"target_bytes\": 12582912"));
    ck_assert_ptr_nonnull(strstr(text, "\"pages_reported\": 8"));
    ck_assert_ptr_nonnull(strstr(text, "\"bytes_released\": 32768"));
    ck_assert_ptr_nonnull(strstr(text, "\"free_memory\": 7340032"));
    ck_assert_ptr_nonnull(strstr(text, "\"total_memory\": 16777216"));
    ck_assert_ptr_null(strstr(text, "\"swap_in\""));       /* not supplied by the guest */
    free(text);
    tb_free(t);
}
END_TEST

/* A guest that powers off resets the device; --stats still says what it used. */
START_TEST(test_balloon_json_keeps_features_after_reset)
{
    uint32_t poison = 0xaaaaaaaau;
    struct tb *t = tb_new("virtio-balloon,free-page-reporting=on");
    tb_start(t, F_STATS | F_POISON | F_REPORT, 4, &poison);
    mw(t, R_STATUS, 0);
    char *text = json_text(t);
    ck_assert_ptr_nonnull(strstr(text, "\"page_poison\""));
    ck_assert_ptr_nonnull(strstr(text, "\"poison_val\": 2863311530"));
    free(text);
    tb_free(t);
}
END_TEST

/* Each poll records resident guest RAM at its virtual time. */
START_TEST(test_balloon_json_timeline_has_one_point_per_poll)
{
    struct tb *t = tb_new("virtio-balloon,guest-stats-polling-interval=1");
    tb_start(t, F_STATS, 3, NULL);
    uint64_t hz = t->m.cfg.core_hz;
    t->m.vclock = hz;
    evq_run_due(&t->m.evq, t->m.vclock);
    fill(t, DATA, 64 * PG, 1);
    t->m.vclock = 2 * hz;
    evq_run_due(&t->m.evq, t->m.vclock);
    char *text = json_text(t);
    char want[96];
    snprintf(want, sizeof(want), "\"ns\": 2000000000,\n        \"bytes\": %llu",
             (unsigned long long)memmap_ram_resident(&t->m.map));
    ck_assert_ptr_nonnull(strstr(text, "\"ns\": 1000000000"));
    ck_assert_msg(strstr(text, want) != NULL, "%s", text);
    ck_assert_ptr_null(strstr(text, "\"ns\": 3000000000"));
    free(text);
    tb_free(t);
}
END_TEST

/* --- snapshots --- */

#define SNAP_SPEC "virtio-balloon,free-page-reporting=on,free-page-hint=on,guest-stats-polling-interval=1," \
                  "target-schedule=1:8/3:16"
#define SNAP_FEATURES (F_STATS | F_HINT | F_REPORT)   /* queues: inflate, deflate, stats, hint, reporting */

static char snap_path[64];

static void snap_setup(void)
{
    snprintf(snap_path, sizeof(snap_path), "/tmp/check_virtio_balloon.%d", (int)getpid());
}

static void snap_teardown(void)
{
    remove(snap_path);
}

/* A balloon the machine's snapshot walk sees, as a board registers it. */
static struct tb *snap_tb(const char *spec)
{
    struct tb *t = tb_new(spec);
    ck_assert_int_eq(machine_add_device(&t->m, "virtio-balloon", &virtio_mmio_ops, t->tr, NULL), 0);
    return t;
}

static void advance_to(struct tb *t, uint64_t cycle)
{
    t->m.vclock = cycle;
    evq_run_due(&t->m.evq, cycle);
}

/* The driver's side of the rings lives in guest RAM, which the snapshot
 * carries; its own indices come along as a guest driver's would. */
static void snap_adopt_driver(struct tb *to, const struct tb *from)
{
    to->nq = from->nq;
    for (unsigned q = 0; q < from->nq; q++) {
        to->q[q] = from->q[q];
        to->q[q].m = &to->m;
    }
}

static uint64_t state_hash(struct tb *t)
{
    struct statehash h;
    struct emu_err err;
    ck_assert_int_eq(statehash_compute(&t->m, &h, &err), 0);
    ck_assert_msg(h.skipped[0] == '\0', "state hash leaves out %s", h.skipped);
    uint64_t v = h.total;
    statehash_free(&h);
    return v;
}

/* Everything a driver and --stats see of the device, for comparing two. */
static void assert_same_device(struct tb *a, struct tb *b)
{
    for (uint32_t off = 0; off < 16; off += 4)
        ck_assert_uint_eq(cfg_r(a, off), cfg_r(b, off));
    ck_assert_uint_eq(mr(a, R_STATUS), mr(b, R_STATUS));
    ck_assert_uint_eq(mr(a, R_INT_STATUS), mr(b, R_INT_STATUS));
    ck_assert_uint_eq(mr(a, R_CONFIG_GEN), mr(b, R_CONFIG_GEN));
    char *ja = json_text(a), *jb = json_text(b);
    ck_assert_str_eq(ja, jb);
    free(ja);
    free(jb);
    ck_assert_uint_eq(state_hash(a), state_hash(b));
}

/* Brings a balloon to a state with something in every part: pages
 * inflated and reported, a statistics buffer held, a hinting round open,
 * the first scheduled target applied and the second pending. */
static void snap_busy(struct tb *t)
{
    struct emu_err err;
    tb_start(t, SNAP_FEATURES, 5, NULL);
    fill(t, DATA, 64 * PG, 0x5a);
    uint32_t pfns[] = { pfn_of(DATA), pfn_of(DATA + PG) };
    send_pfns(t, 0, pfns, 2);
    struct vqd_seg r = { DATA + 16 * PG, 8 * PG, 1 };
    report(t, 4, &r, 1);
    send_stats(t, 9 * MiB, 16 * MiB);
    advance_to(t, t->m.cfg.core_hz + t->m.cfg.core_hz / 2);    /* a poll and the first target */
    send_stats(t, 8 * MiB, 16 * MiB);                           /* held again */
    cfg_w(t, C_ACTUAL, 2);
    ck_assert_int_eq(virtio_balloon_hint_start(t->bal, &err), 0);
    hint_cmd(t, 3, cfg_r(t, C_CMD_ID));
    ck_assert_uint_eq(cfg_r(t, C_NUM_PAGES), (8 * MiB) / PG);
}

START_TEST(test_balloon_snapshot_restores_device_and_goes_on_alike)
{
    struct emu_err err;
    struct tb *a = snap_tb(SNAP_SPEC);
    snap_busy(a);
    uint64_t hash = state_hash(a);
    ck_assert_int_eq(snapshot_save(&a->m, snap_path, &err), 0);

    struct tb *b = snap_tb(SNAP_SPEC);
    fill(b, DATA, 64 * PG, 0xee);               /* what the restore must replace */
    int rc = snapshot_restore(&b->m, snap_path, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    snap_adopt_driver(b, a);
    ck_assert_uint_eq(state_hash(b), hash);
    assert_same_device(a, b);
    /* Inflated and reported pages read zero and cost the host nothing. */
    ck_assert(all(b, DATA, 2 * PG, 0));
    ck_assert(all(b, DATA + 2 * PG, 14 * PG, 0x5a));
    ck_assert(all(b, DATA + 16 * PG, 8 * PG, 0));
    ck_assert_uint_eq(memmap_ram_resident_range(&b->m.map, DATA, 64 * PG), 54 * PG);
    ck_assert_uint_eq(memmap_ram_resident(&b->m.map), memmap_ram_resident(&a->m.map));

    /* Both go on the same way: a report, pages hinted in the open round,
     * the held statistics buffer returned at the next poll, the second
     * scheduled target. */
    struct tb *tbs[] = { a, b };
    for (unsigned i = 0; i < 2; i++) {
        struct tb *t = tbs[i];
        struct vqd_seg r = { DATA + 32 * PG, 4 * PG, 1 };
        report(t, 4, &r, 1);
        hint_pages(t, 3, DATA + 40 * PG, 2 * PG);
        advance_to(t, 3 * t->m.cfg.core_hz);
        ck_assert_uint_eq(used_count(t, 2), 2);
        ck_assert_uint_eq(used_count(t, 3), 2);
        ck_assert_uint_eq(cfg_r(t, C_NUM_PAGES), 0);
        ck_assert(all(t, DATA + 32 * PG, 4 * PG, 0));
        ck_assert(all(t, DATA + 40 * PG, 2 * PG, 0));
    }
    assert_same_device(a, b);
    struct virtio_balloon_stats s = stats(b);
    ck_assert_uint_eq(s.pages_inflated, 2);
    ck_assert_uint_eq(s.pages_reported, 12);
    ck_assert_uint_eq(s.pages_hinted, 2);
    ck_assert_uint_eq(s.guest_updates, 2);
    ck_assert_uint_eq(s.bytes_released, 16 * PG);
    tb_free(a);
    tb_free(b);
}
END_TEST

/*
 * A page the balloon dropped reads zero: state hashes take it as any zero
 * page, whether the host holds one or not. A restore drops it again and
 * holds the zero pages the host held, so resident RAM comes back as it was.
 */
START_TEST(test_balloon_snapshot_dropped_page_is_zero_and_stays_dropped)
{
    struct emu_err err;
    struct vqd_seg r = { DATA, 4 * PG, 1 };
    struct tb *a = snap_tb("virtio-balloon,free-page-reporting=on");
    tb_start(a, F_STATS | F_REPORT, 4, NULL);
    fill(a, DATA, 4 * PG, 0x77);
    report(a, 3, &r, 1);
    /* The same guest, but its pages were reported before it wrote them
     * (nothing to drop) and it then cleared them: the host holds zeroes. */
    struct tb *z = snap_tb("virtio-balloon,free-page-reporting=on");
    tb_start(z, F_STATS | F_REPORT, 4, NULL);
    report(z, 3, &r, 1);
    fill(z, DATA, 4 * PG, 0);
    ck_assert_uint_eq(memmap_ram_resident_range(&a->m.map, DATA, 4 * PG), 0);
    ck_assert_uint_eq(memmap_ram_resident_range(&z->m.map, DATA, 4 * PG), 4 * PG);
    ck_assert_uint_eq(stats(a).bytes_released, 4 * PG);
    ck_assert_uint_eq(stats(z).bytes_released, 0);
    uint64_t ha = state_hash(a);
    ck_assert_uint_eq(state_hash(z), ha);

    ck_assert_int_eq(snapshot_save(&z->m, snap_path, &err), 0);
    struct tb *b = snap_tb("virtio-balloon,free-page-reporting=on");
    fill(b, DATA, 16 * PG, 0x33);
    ck_assert_int_eq(snapshot_restore(&b->m, snap_path, &err), 0);
    ck_assert(all(b, DATA, 16 * PG, 0));
    ck_assert_uint_eq(memmap_ram_resident_range(&b->m.map, DATA, 4 * PG), 4 * PG);
    ck_assert_uint_eq(memmap_ram_resident_range(&b->m.map, DATA + 4 * PG, 12 * PG), 0);
    ck_assert_uint_eq(memmap_ram_resident(&b->m.map), memmap_ram_resident(&z->m.map));
    ck_assert_uint_eq(state_hash(b), ha);

    ck_assert_int_eq(snapshot_save(&a->m, snap_path, &err), 0);
    ck_assert_int_eq(snapshot_restore(&b->m, snap_path, &err), 0);
    ck_assert_uint_eq(memmap_ram_resident_range(&b->m.map, DATA, 16 * PG), 0);
    ck_assert_uint_eq(memmap_ram_resident(&b->m.map), memmap_ram_resident(&a->m.map));
    ck_assert_uint_eq(stats(b).bytes_released, 4 * PG);
    ck_assert_uint_eq(state_hash(b), ha);
    tb_free(a);
    tb_free(z);
    tb_free(b);
}
END_TEST

/* Saves a with the damage done to its state, restores into a fresh balloon
 * of spec: refused, with a message holding want. */
static void assert_restore_refused(struct tb *a, const char *spec, const char *want)
{
    struct emu_err err = { { 0 } };
    ck_assert_int_eq(snapshot_save(&a->m, snap_path, &err), 0);
    struct tb *b = snap_tb(spec);
    ck_assert_int_eq(snapshot_restore(&b->m, snap_path, &err), -1);
    ck_assert_msg(strstr(err.msg, want) != NULL, "'%s' does not say '%s'", err.msg, want);
    ck_assert_msg(strstr(err.msg, "virtio-balloon") != NULL, "'%s' does not name the section", err.msg);
    tb_free(b);
}

START_TEST(test_balloon_snapshot_damaged_section_refused)
{
    struct tb *a = snap_tb(SNAP_SPEC);
    struct virtio_balloon *bal = a->bal;
    snap_busy(a);
    bal->role[1] = 42;
    assert_restore_refused(a, SNAP_SPEC, "queue 1 has role 42");
    bal->role[1] = BQ_DEFLATE;
    bal->next_step = 2;                         /* past the end, with a step still pending */
    assert_restore_refused(a, SNAP_SPEC, "target schedule at step 2 of 2, with a step pending after the last");
    bal->next_step = 1;
    bal->features |= VIRTIO_BIT(BALLOON_F_DEFLATE_ON_OOM);
    assert_restore_refused(a, SNAP_SPEC, "accepted");
    bal->features &= ~VIRTIO_BIT(BALLOON_F_DEFLATE_ON_OOM);
    tb_free(a);
}
END_TEST

/* A file from a balloon with other options does not fit this one. */
START_TEST(test_balloon_snapshot_other_options_refused)
{
    struct tb *a = snap_tb(SNAP_SPEC);
    snap_busy(a);
    assert_restore_refused(a, "virtio-balloon,free-page-reporting=on,guest-stats-polling-interval=1,"
                              "target-schedule=1:8/3:16", "offered in the file");
    assert_restore_refused(a, "virtio-balloon,free-page-reporting=on,free-page-hint=on,"
                              "target-schedule=1:8/3:16", "polling is off here");
    tb_free(a);
}
END_TEST

static Suite *balloon_suite(void)
{
    Suite *s = suite_create("virtio_balloon");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, test_balloon_device_id_and_default_features_match_qemu);
    tcase_add_test(tc, test_balloon_options_turn_features_on_and_off);
    tcase_add_test(tc, test_balloon_bad_options_are_one_line_errors);
    tcase_add_test(tc, test_balloon_target_option_sets_num_pages);
    tcase_add_test(tc, test_balloon_set_target_changes_num_pages_and_interrupts);
    tcase_add_test(tc, test_balloon_target_schedule_moves_target_in_virtual_time);
    tcase_add_test(tc, test_balloon_config_driver_fields_writable_host_fields_not);
    tcase_add_test(tc, test_balloon_reset_forgets_driver_state_keeps_target);
    suite_add_tcase(s, tc);

    tc = tcase_create("inflate");
    tcase_add_test(tc, test_balloon_inflate_releases_pages_reading_zero);
    tcase_add_test(tc, test_balloon_inflate_with_poison_still_zeroes);
    tcase_add_test(tc, test_balloon_inflate_pfns_outside_ram_are_skipped);
    tcase_add_test(tc, test_balloon_inflate_partial_pfn_entry_counted_bad);
    tcase_add_test(tc, test_balloon_deflate_counts_pages_leaves_memory);
    suite_add_tcase(s, tc);

    tc = tcase_create("report");
    tcase_add_test(tc, test_balloon_reporting_queue_index_follows_negotiated_features);
    tcase_add_test(tc, test_balloon_report_releases_ranges_reading_zero);
    tcase_add_test(tc, test_balloon_report_with_poison_reads_back_poison);
    tcase_add_test(tc, test_balloon_report_with_zero_poison_releases);
    tcase_add_test(tc, test_balloon_report_poison_val_ignored_without_feature);
    tcase_add_test(tc, test_balloon_report_range_outside_ram_needs_reset_untouched);
    tcase_add_test(tc, test_balloon_report_range_over_mmio_needs_reset);
    tcase_add_test(tc, test_balloon_report_range_past_end_of_ram_needs_reset);
    tcase_add_test(tc, test_balloon_report_overflowing_length_needs_reset);
    tcase_add_test(tc, test_balloon_report_unaligned_ranges_ignored_request_completes);
    tcase_add_test(tc, test_balloon_report_zero_length_entries_release_nothing);
    tcase_add_test(tc, test_balloon_report_chain_longer_than_queue_needs_reset);
    tcase_add_test(tc, test_balloon_report_indirect_table_longer_than_queue_needs_reset);
    tcase_add_test(tc, test_balloon_available_index_beyond_queue_needs_reset);
    tcase_add_test(tc, test_balloon_notify_on_absent_queue_ignored);
    suite_add_tcase(s, tc);

    tc = tcase_create("hint");
    tcase_add_test(tc, test_balloon_hint_round_releases_pages_under_current_id);
    tcase_add_test(tc, test_balloon_hint_needs_the_option);
    tcase_add_test(tc, test_balloon_hint_command_of_wrong_size_ignored);
    suite_add_tcase(s, tc);

    tc = tcase_create("stats");
    tcase_add_test(tc, test_balloon_stats_buffer_held_then_returned_on_request);
    tcase_add_test(tc, test_balloon_stats_second_buffer_returns_first);
    tcase_add_test(tc, test_balloon_stats_polling_interval_requests_in_virtual_time);
    tcase_add_test(tc, test_balloon_stats_buffer_posted_before_driver_ok_is_found);
    tcase_add_test(tc, test_balloon_json_names_counters_and_guest_stats);
    tcase_add_test(tc, test_balloon_json_keeps_features_after_reset);
    tcase_add_test(tc, test_balloon_json_timeline_has_one_point_per_poll);
    suite_add_tcase(s, tc);

    tc = tcase_create("snapshot");
    tcase_add_checked_fixture(tc, snap_setup, snap_teardown);
    tcase_add_test(tc, test_balloon_snapshot_restores_device_and_goes_on_alike);
    tcase_add_test(tc, test_balloon_snapshot_dropped_page_is_zero_and_stays_dropped);
    tcase_add_test(tc, test_balloon_snapshot_damaged_section_refused);
    tcase_add_test(tc, test_balloon_snapshot_other_options_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(balloon_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
