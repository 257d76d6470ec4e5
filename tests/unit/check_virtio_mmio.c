/*
 * Unit tests for virtio/virtio_mmio: a toy echo device behind the MMIO
 * transport, driven through its registers (virtio 1.2 §4.2.2) and the
 * test-side virtqueue driver in RAM: identification registers, feature
 * negotiation in two halves, queue setup, notify, interrupt status and
 * acknowledge, configuration space and generation, and DEVICE_NEEDS_RESET
 * for malformed queues.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "virtio/virtio.h"
#include "virtio/virtio_mmio.h"
#include "virtio/virtqueue.h"
#include "virtq_driver.h"

#define RAM_BASE  0x80000000ull
#define RAM_SIZE  0x100000ull
#define MMIO_BASE 0x10001000ull
#define RINGS     (RAM_BASE + 0x1000)
#define BUF       (RAM_BASE + 0x10000)
#define QSIZE     8
#define ECHO_F_TOY 0    /* the toy device's one feature bit */

/* Register offsets, §4.2.2. */
enum {
    R_MAGIC = 0x000, R_VERSION = 0x004, R_DEVICE_ID = 0x008, R_VENDOR = 0x00c,
    R_DEV_FEAT = 0x010, R_DEV_FEAT_SEL = 0x014, R_DRV_FEAT = 0x020, R_DRV_FEAT_SEL = 0x024,
    R_QUEUE_SEL = 0x030, R_QUEUE_NUM_MAX = 0x034, R_QUEUE_NUM = 0x038, R_QUEUE_READY = 0x044,
    R_QUEUE_NOTIFY = 0x050, R_INT_STATUS = 0x060, R_INT_ACK = 0x064, R_STATUS = 0x070,
    R_DESC_LO = 0x080, R_DESC_HI = 0x084, R_DRIVER_LO = 0x090, R_DRIVER_HI = 0x094,
    R_DEVICE_LO = 0x0a0, R_DEVICE_HI = 0x0a4, R_SHM_LEN_LO = 0x0b0, R_CONFIG_GEN = 0x0fc,
    R_CONFIG = 0x100,
};

struct echo {
    uint8_t config[8];
    unsigned resets;
    const struct virtio_bus *bus;
};

struct tm {
    struct machine m;
    struct echo echo;
    struct virtio_mmio *tr;
    struct vqd d;
    bool irq;
    unsigned irq_edges;
};

static uint64_t echo_features(void *dev)
{
    (void)dev;
    return VIRTIO_BIT(ECHO_F_TOY);
}

static uint64_t echo_config_read(void *dev, uint32_t off, unsigned size)
{
    struct echo *e = dev;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)e->config[off + i] << (8 * i);
    return v;
}

static void echo_config_write(void *dev, uint32_t off, uint64_t val, unsigned size)
{
    struct echo *e = dev;
    for (unsigned i = 0; i < size; i++)
        e->config[off + i] = (uint8_t)(val >> (8 * i));
}

/* Copies each chain's readable part into its writable part. */
static int echo_notify(void *dev, struct virtq *vq)
{
    struct virtq_chain c;
    uint8_t buf[256];
    int r;

    (void)dev;
    virtq_chain_init(&c);
    while ((r = virtq_pop(vq, &c)) > 0) {
        int64_t n = virtq_chain_read(vq, &c, 0, buf, sizeof(buf));
        if (n < 0 || virtq_chain_write(vq, &c, 0, buf, (uint64_t)n) < 0 ||
            virtq_push(vq, &c, (uint32_t)n) != 0) {
            r = -1;
            break;
        }
    }
    virtq_notify(vq);
    virtq_chain_free(&c);
    return r;
}

static void echo_reset(void *dev)
{
    ((struct echo *)dev)->resets++;
}

static void echo_attach(void *dev, const struct virtio_bus *bus)
{
    ((struct echo *)dev)->bus = bus;
}

static const struct virtio_dev_ops echo_ops = {
    .device_id = VIRTIO_ID_RNG,
    .num_queues = 2,
    .queue_size_max = 16,
    .config_size = 8,
    .features = echo_features,
    .config_read = echo_config_read,
    .config_write = echo_config_write,
    .queue_notify = echo_notify,
    .reset = echo_reset,
    .attach = echo_attach,
};

static void irq_sink(void *sink, unsigned input, bool level)
{
    struct tm *t = sink;
    (void)input;
    if (level && !t->irq)
        t->irq_edges++;
    t->irq = level;
}

static uint32_t mr(struct tm *t, uint64_t off)
{
    return (uint32_t)virtio_mmio_ops.read(t->tr, off, 4);
}

static void mw(struct tm *t, uint64_t off, uint32_t v)
{
    virtio_mmio_ops.write(t->tr, off, v, 4);
}

static struct tm *tm_new(void)
{
    struct tm *t = calloc(1, sizeof(*t));
    struct machine_config cfg = { 0 };
    struct emu_err err;
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(machine_init(&t->m, &cfg, &err), 0);
    ck_assert_int_eq(memmap_add_ram(&t->m.map, RAM_BASE, RAM_SIZE, "ram", &err), 0);
    t->tr = virtio_mmio_create(&t->m, &echo_ops, &t->echo, irq_line_make(irq_sink, t, 3));
    ck_assert_ptr_nonnull(t->tr);
    ck_assert_int_eq(memmap_add_mmio(&t->m.map, MMIO_BASE, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, t->tr,
                                     "virtio", &err), 0);
    vqd_init(&t->d, &t->m, RINGS, QSIZE);
    return t;
}

static void tm_free(struct tm *t)
{
    virtio_mmio_destroy(t->tr);
    machine_destroy(&t->m);
    free(t);
}

/* §3.1.1 steps 1-6; returns the status read back. */
static uint32_t tm_negotiate(struct tm *t, uint64_t features)
{
    mw(t, R_STATUS, 0);
    mw(t, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    mw(t, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    mw(t, R_DRV_FEAT_SEL, 0);
    mw(t, R_DRV_FEAT, (uint32_t)features);
    mw(t, R_DRV_FEAT_SEL, 1);
    mw(t, R_DRV_FEAT, (uint32_t)(features >> 32));
    mw(t, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    return mr(t, R_STATUS);
}

static void tm_queue_setup(struct tm *t, unsigned q, uint64_t desc, uint64_t avail, uint64_t used)
{
    mw(t, R_QUEUE_SEL, q);
    mw(t, R_QUEUE_NUM, QSIZE);
    mw(t, R_DESC_LO, (uint32_t)desc);
    mw(t, R_DESC_HI, (uint32_t)(desc >> 32));
    mw(t, R_DRIVER_LO, (uint32_t)avail);
    mw(t, R_DRIVER_HI, (uint32_t)(avail >> 32));
    mw(t, R_DEVICE_LO, (uint32_t)used);
    mw(t, R_DEVICE_HI, (uint32_t)(used >> 32));
    mw(t, R_QUEUE_READY, 1);
}

/* A driven device: features negotiated, queue 0 on the driver's rings. */
static struct tm *tm_ready(uint64_t features)
{
    struct tm *t = tm_new();
    ck_assert(tm_negotiate(t, features) & VIRTIO_STATUS_FEATURES_OK);
    tm_queue_setup(t, 0, t->d.desc, t->d.avail, t->d.used);
    mw(t, R_STATUS, mr(t, R_STATUS) | VIRTIO_STATUS_DRIVER_OK);
    return t;
}

#define F_V1 VIRTIO_BIT(VIRTIO_F_VERSION_1)

START_TEST(test_virtio_mmio_id_registers_read_spec_values)
{
    struct tm *t = tm_new();
    ck_assert_uint_eq(mr(t, R_MAGIC), 0x74726976);
    ck_assert_uint_eq(mr(t, R_VERSION), 2);
    ck_assert_uint_eq(mr(t, R_DEVICE_ID), VIRTIO_ID_RNG);
    ck_assert_uint_ne(mr(t, R_VENDOR), 0);
    ck_assert_uint_eq(mr(t, R_SHM_LEN_LO), 0xffffffffu);
    ck_assert_ptr_nonnull(t->echo.bus);
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_mmio_device_features_read_in_two_halves)
{
    struct tm *t = tm_new();
    mw(t, R_DEV_FEAT_SEL, 0);
    uint32_t lo = mr(t, R_DEV_FEAT);
    mw(t, R_DEV_FEAT_SEL, 1);
    uint32_t hi = mr(t, R_DEV_FEAT);
    mw(t, R_DEV_FEAT_SEL, 2);
    ck_assert_uint_eq(mr(t, R_DEV_FEAT), 0);
    ck_assert_uint_eq(lo & 1u, 1u);
    ck_assert_uint_eq(lo & (1u << VIRTIO_F_INDIRECT_DESC), 1u << VIRTIO_F_INDIRECT_DESC);
    ck_assert_uint_eq(lo & (1u << VIRTIO_F_EVENT_IDX), 1u << VIRTIO_F_EVENT_IDX);
    ck_assert_uint_eq(hi & 1u, 1u);    /* VERSION_1 is bit 32 */
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_mmio_features_ok_accepts_offered_subset)
{
    struct tm *t = tm_new();
    ck_assert(tm_negotiate(t, F_V1 | VIRTIO_BIT(ECHO_F_TOY)) & VIRTIO_STATUS_FEATURES_OK);
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_mmio_features_ok_refuses_unoffered_bit)
{
    struct tm *t = tm_new();
    ck_assert(!(tm_negotiate(t, F_V1 | VIRTIO_BIT(5)) & VIRTIO_STATUS_FEATURES_OK));
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_mmio_features_ok_refuses_legacy_driver)
{
    struct tm *t = tm_new();
    ck_assert(!(tm_negotiate(t, VIRTIO_BIT(ECHO_F_TOY)) & VIRTIO_STATUS_FEATURES_OK));
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_mmio_queue_registers_select_and_read_back)
{
    struct tm *t = tm_new();
    mw(t, R_QUEUE_SEL, 1);
    ck_assert_uint_eq(mr(t, R_QUEUE_NUM_MAX), 16);
    mw(t, R_QUEUE_NUM, 4);
    mw(t, R_DESC_LO, 0x1000);
    mw(t, R_DESC_HI, 0x2);
    ck_assert_uint_eq(mr(t, R_QUEUE_NUM), 4);
    ck_assert_uint_eq(mr(t, R_DESC_LO), 0x1000);
    ck_assert_uint_eq(mr(t, R_DESC_HI), 0x2);
    ck_assert_uint_eq(mr(t, R_QUEUE_READY), 0);
    mw(t, R_QUEUE_SEL, 2);     /* no such queue */
    ck_assert_uint_eq(mr(t, R_QUEUE_NUM_MAX), 0);
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_mmio_notify_echoes_and_raises_interrupt)
{
    struct tm *t = tm_ready(F_V1);
    struct vqd_seg s[] = { { BUF, 5, 0 }, { BUF + 0x100, 16, 1 } };
    ck_assert_int_eq(machine_phys_write(&t->m, BUF, "virt!", 5), 0);
    uint16_t head = vqd_add_chain(&t->d, s, 2);
    ck_assert(mr(t, R_QUEUE_READY));
    ck_assert(!t->irq);
    mw(t, R_QUEUE_NOTIFY, 0);

    uint32_t id, len;
    ck_assert_int_eq(vqd_get_used(&t->d, &id, &len), 1);
    ck_assert_uint_eq(id, head);
    ck_assert_uint_eq(len, 5);
    char out[6] = { 0 };
    ck_assert_int_eq(machine_phys_read(&t->m, BUF + 0x100, out, 5), 0);
    ck_assert_str_eq(out, "virt!");
    ck_assert(t->irq);
    ck_assert_uint_eq(mr(t, R_INT_STATUS), 1);
    mw(t, R_INT_ACK, 1);
    ck_assert(!t->irq);
    ck_assert_uint_eq(mr(t, R_INT_STATUS), 0);
    ck_assert(!(mr(t, R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET));
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_mmio_notify_before_driver_ok_is_ignored)
{
    struct tm *t = tm_new();
    ck_assert(tm_negotiate(t, F_V1) & VIRTIO_STATUS_FEATURES_OK);
    tm_queue_setup(t, 0, t->d.desc, t->d.avail, t->d.used);
    struct vqd_seg s[] = { { BUF, 4, 1 } };
    vqd_add_chain(&t->d, s, 1);
    mw(t, R_QUEUE_NOTIFY, 0);
    uint32_t id, len;
    ck_assert_int_eq(vqd_get_used(&t->d, &id, &len), 0);
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_mmio_event_idx_suppresses_interrupt)
{
    struct tm *t = tm_ready(F_V1 | VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
    struct vqd_seg s[] = { { BUF, 4, 1 } };
    vqd_set_used_event(&t->d, 1);     /* interrupt after the second buffer */
    vqd_add_chain(&t->d, s, 1);
    mw(t, R_QUEUE_NOTIFY, 0);
    ck_assert(!t->irq);
    ck_assert_uint_eq(vqd_avail_event(&t->d), 1);
    vqd_add_chain(&t->d, s, 1);
    mw(t, R_QUEUE_NOTIFY, 0);
    ck_assert(t->irq);
    ck_assert_uint_eq(vqd_avail_event(&t->d), 2);
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_mmio_bad_chain_sets_needs_reset_and_config_interrupt)
{
    struct tm *t = tm_ready(F_V1);
    vqd_write_desc(&t->d, 0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
    vqd_write_desc(&t->d, 1, BUF, 4, VIRTQ_DESC_F_NEXT, 0);   /* loop */
    vqd_publish(&t->d, 0);
    mw(t, R_QUEUE_NOTIFY, 0);
    ck_assert(mr(t, R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    ck_assert_uint_eq(mr(t, R_INT_STATUS) & 2, 2);
    ck_assert(t->irq);

    /* Reset brings the device back; a good chain then works. */
    mw(t, R_STATUS, 0);
    ck_assert_uint_eq(mr(t, R_STATUS), 0);
    ck_assert(!t->irq);
    ck_assert_uint_ge(t->echo.resets, 2);
    vqd_init(&t->d, &t->m, RINGS, QSIZE);
    ck_assert(tm_negotiate(t, F_V1) & VIRTIO_STATUS_FEATURES_OK);
    tm_queue_setup(t, 0, t->d.desc, t->d.avail, t->d.used);
    mw(t, R_STATUS, mr(t, R_STATUS) | VIRTIO_STATUS_DRIVER_OK);
    struct vqd_seg s[] = { { BUF, 4, 0 }, { BUF + 0x100, 4, 1 } };
    vqd_add_chain(&t->d, s, 2);
    mw(t, R_QUEUE_NOTIFY, 0);
    uint32_t id, len;
    ck_assert_int_eq(vqd_get_used(&t->d, &id, &len), 1);
    ck_assert_uint_eq(len, 4);
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_mmio_desc_outside_ram_sets_needs_reset)
{
    struct tm *t = tm_ready(F_V1);
    struct vqd_seg s[] = { { 0x1000, 4, 1 } };
    vqd_add_chain(&t->d, s, 1);
    mw(t, R_QUEUE_NOTIFY, 0);
    ck_assert(mr(t, R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    /* A later notify does nothing more. */
    mw(t, R_INT_ACK, 3);
    mw(t, R_QUEUE_NOTIFY, 0);
    ck_assert(!t->irq);
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_mmio_ring_in_mmio_sets_needs_reset)
{
    struct tm *t = tm_new();
    ck_assert(tm_negotiate(t, F_V1) & VIRTIO_STATUS_FEATURES_OK);
    tm_queue_setup(t, 0, t->d.desc, MMIO_BASE, t->d.used);
    ck_assert(mr(t, R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    ck_assert_uint_eq(mr(t, R_INT_STATUS) & 2, 2);
    ck_assert(t->irq);
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_mmio_ring_outside_ram_sets_needs_reset)
{
    struct tm *t = tm_new();
    ck_assert(tm_negotiate(t, F_V1) & VIRTIO_STATUS_FEATURES_OK);
    tm_queue_setup(t, 0, 0xfffffffffffff000ull, t->d.avail, t->d.used);
    ck_assert(mr(t, R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_mmio_config_space_reads_writes_within_size)
{
    struct tm *t = tm_new();
    virtio_mmio_ops.write(t->tr, R_CONFIG + 2, 0xbeef, 2);
    ck_assert_uint_eq(virtio_mmio_ops.read(t->tr, R_CONFIG + 2, 2), 0xbeef);
    ck_assert_uint_eq(virtio_mmio_ops.read(t->tr, R_CONFIG, 4), 0xbeef0000u);
    ck_assert_uint_eq(t->echo.config[3], 0xbe);
    /* Past the end: reads 0, writes dropped. */
    virtio_mmio_ops.write(t->tr, R_CONFIG + 6, 0x11223344, 4);
    ck_assert_uint_eq(t->echo.config[6], 0);
    ck_assert_uint_eq(virtio_mmio_ops.read(t->tr, R_CONFIG + 6, 4), 0);
    ck_assert_uint_eq(virtio_mmio_ops.read(t->tr, R_CONFIG + 0x100, 1), 0);
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_mmio_config_change_bumps_generation_and_interrupts)
{
    struct tm *t = tm_ready(F_V1);
    uint32_t gen = mr(t, R_CONFIG_GEN);
    t->echo.bus->config_changed(t->echo.bus->transport);
    ck_assert_uint_ne(mr(t, R_CONFIG_GEN), gen);
    ck_assert_uint_eq(mr(t, R_INT_STATUS), 2);
    ck_assert(t->irq);
    ck_assert_ptr_nonnull(t->echo.bus->queue(t->echo.bus->transport, 1));
    ck_assert_ptr_null(t->echo.bus->queue(t->echo.bus->transport, 2));
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_mmio_narrow_register_access_is_ignored)
{
    struct tm *t = tm_new();
    ck_assert_uint_eq(virtio_mmio_ops.read(t->tr, R_MAGIC, 1), 0);
    virtio_mmio_ops.write(t->tr, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE, 2);
    ck_assert_uint_eq(mr(t, R_STATUS), 0);
    tm_free(t);
}
END_TEST

START_TEST(test_virtio_mmio_queue_layout_fixed_while_ready)
{
    struct tm *t = tm_ready(F_V1);
    mw(t, R_QUEUE_SEL, 0);
    mw(t, R_QUEUE_NUM, 2);
    mw(t, R_DESC_LO, 0);
    ck_assert_uint_eq(mr(t, R_QUEUE_NUM), QSIZE);
    ck_assert_uint_eq(mr(t, R_DESC_LO), (uint32_t)t->d.desc);
    tm_free(t);
}
END_TEST

static Suite *virtio_mmio_suite(void)
{
    Suite *s = suite_create("virtio_mmio");
    TCase *tc = tcase_create("transport");
    tcase_add_test(tc, test_virtio_mmio_id_registers_read_spec_values);
    tcase_add_test(tc, test_virtio_mmio_device_features_read_in_two_halves);
    tcase_add_test(tc, test_virtio_mmio_features_ok_accepts_offered_subset);
    tcase_add_test(tc, test_virtio_mmio_features_ok_refuses_unoffered_bit);
    tcase_add_test(tc, test_virtio_mmio_features_ok_refuses_legacy_driver);
    tcase_add_test(tc, test_virtio_mmio_queue_registers_select_and_read_back);
    tcase_add_test(tc, test_virtio_mmio_notify_echoes_and_raises_interrupt);
    tcase_add_test(tc, test_virtio_mmio_notify_before_driver_ok_is_ignored);
    tcase_add_test(tc, test_virtio_mmio_event_idx_suppresses_interrupt);
    tcase_add_test(tc, test_virtio_mmio_config_space_reads_writes_within_size);
    tcase_add_test(tc, test_virtio_mmio_config_change_bumps_generation_and_interrupts);
    tcase_add_test(tc, test_virtio_mmio_narrow_register_access_is_ignored);
    tcase_add_test(tc, test_virtio_mmio_queue_layout_fixed_while_ready);
    suite_add_tcase(s, tc);
    TCase *bad = tcase_create("malformed");
    tcase_add_test(bad, test_virtio_mmio_bad_chain_sets_needs_reset_and_config_interrupt);
    tcase_add_test(bad, test_virtio_mmio_desc_outside_ram_sets_needs_reset);
    tcase_add_test(bad, test_virtio_mmio_ring_in_mmio_sets_needs_reset);
    tcase_add_test(bad, test_virtio_mmio_ring_outside_ram_sets_needs_reset);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(virtio_mmio_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
