/*
 * Unit tests for virtio/rng behind the MMIO transport: identification,
 * buffers filled from the seeded generator, repeatable and distinct
 * streams, the per-request bound, readable-only chains, reset, buffers
 * outside RAM, and option errors.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/prng.h"
#include "virtio/rng.h"
#include "virtio_dev_harness.h"

/* Posts one writable buffer of len bytes at VDH_BUF, lets the device fill
 * it and copies the result to out; returns the used length. */
static uint32_t rng_get(struct vdh *h, uint8_t *out, uint32_t len)
{
    struct vqd_seg s[] = { { VDH_BUF, len, 1 } };
    uint32_t id, used;
    uint16_t head = vqd_add_chain(&h->q[0], s, 1);
    vdh_notify(h, 0);
    ck_assert_int_eq(vqd_get_used(&h->q[0], &id, &used), 1);
    ck_assert_uint_eq(id, head);
    ck_assert_int_eq(machine_phys_read(&h->m, VDH_BUF, out, len), 0);
    return used;
}

START_TEST(test_virtio_rng_identifies_as_entropy_device)
{
    struct vdh *h = vdh_new(&virtio_rng_desc, "virtio-rng", 0);
    ck_assert_uint_eq(vdh_rd(h, VDH_R_DEVICE_ID), 4);
    /* §5.4.3: no device feature bits; only the transport's. */
    ck_assert_uint_eq(vdh_device_features(h) & 0xffffffull, 0);
    ck_assert_uint_eq(h->ops->num_queues, 1);
    ck_assert_str_eq(virtio_rng_desc.name, "virtio-rng");
    ck_assert_str_eq(virtio_rng_desc.alias, "virtio-rng-device");
    vdh_free(h);
}
END_TEST

START_TEST(test_virtio_rng_fills_buffer_from_seeded_generator)
{
    struct vdh *h = vdh_new(&virtio_rng_desc, "virtio-rng,seed=12345", 0);
    uint8_t got[100], want[100];
    struct prng p;
    vdh_start(h, VDH_F_V1);
    ck_assert_uint_eq(rng_get(h, got, sizeof(got)), sizeof(got));
    prng_seed(&p, 12345);
    prng_fill(&p, want, sizeof(want));
    ck_assert_mem_eq(got, want, sizeof(got));
    ck_assert(h->irq);
    struct virtio_rng_stats st = virtio_rng_get_stats(h->dev);
    ck_assert_uint_eq(st.requests, 1);
    ck_assert_uint_eq(st.bytes, 100);
    char *json = vdh_stats_json(h);
    ck_assert_ptr_nonnull(strstr(json, "\"bytes\": 100"));
    /* The transport's counters: the driver's one kick, the line's one rise. */
    ck_assert_ptr_nonnull(strstr(json, "\"notifications\": 1"));
    ck_assert_ptr_nonnull(strstr(json, "\"interrupts\": 1"));
    free(json);
    ck_assert(!vdh_needs_reset(h));
    vdh_free(h);
}
END_TEST

START_TEST(test_virtio_rng_same_seed_gives_same_bytes)
{
    struct vdh *a = vdh_new(&virtio_rng_desc, "virtio-rng,seed=7", 0);
    struct vdh *b = vdh_new(&virtio_rng_desc, "virtio-rng,seed=7", 3);
    uint8_t x[2][64], y[2][64];
    vdh_start(a, VDH_F_V1);
    vdh_start(b, VDH_F_V1);
    for (unsigned i = 0; i < 2; i++) {
        rng_get(a, x[i], 64);
        rng_get(b, y[i], 64);
    }
    ck_assert_mem_eq(x, y, sizeof(x));
    /* Consecutive requests continue the stream rather than repeat it. */
    ck_assert(memcmp(x[0], x[1], 64) != 0);
    vdh_free(a);
    vdh_free(b);
}
END_TEST

START_TEST(test_virtio_rng_different_seed_gives_different_bytes)
{
    struct vdh *a = vdh_new(&virtio_rng_desc, "virtio-rng,seed=7", 0);
    struct vdh *b = vdh_new(&virtio_rng_desc, "virtio-rng,seed=8", 0);
    uint8_t x[64], y[64];
    vdh_start(a, VDH_F_V1);
    vdh_start(b, VDH_F_V1);
    rng_get(a, x, 64);
    rng_get(b, y, 64);
    ck_assert(memcmp(x, y, 64) != 0);
    vdh_free(a);
    vdh_free(b);
}
END_TEST

/* Default seed: the machine seed mixed with the index. */
START_TEST(test_virtio_rng_default_seed_follows_machine_seed_and_index)
{
    struct vdh *a = vdh_new_seeded(&virtio_rng_desc, "virtio-rng", 0, 42);
    struct vdh *a2 = vdh_new_seeded(&virtio_rng_desc, "virtio-rng", 0, 42);
    struct vdh *b = vdh_new_seeded(&virtio_rng_desc, "virtio-rng", 1, 42);
    struct vdh *c = vdh_new_seeded(&virtio_rng_desc, "virtio-rng", 0, 43);
    uint8_t xa[32], xa2[32], xb[32], xc[32], want[32];
    struct prng p;
    vdh_start(a, VDH_F_V1);
    vdh_start(a2, VDH_F_V1);
    vdh_start(b, VDH_F_V1);
    vdh_start(c, VDH_F_V1);
    rng_get(a, xa, 32);
    rng_get(a2, xa2, 32);
    rng_get(b, xb, 32);
    rng_get(c, xc, 32);
    ck_assert_mem_eq(xa, xa2, 32);            /* a run repeats exactly */
    ck_assert(memcmp(xa, xb, 32) != 0);       /* two devices differ */
    ck_assert(memcmp(xa, xc, 32) != 0);       /* --seed changes the stream */
    prng_seed(&p, prng_mix(42, 0));
    prng_fill(&p, want, 32);
    ck_assert_mem_eq(xa, want, 32);
    vdh_free(a);
    vdh_free(a2);
    vdh_free(b);
    vdh_free(c);
}
END_TEST

START_TEST(test_virtio_rng_chain_of_segments_filled_in_order)
{
    struct vdh *h = vdh_new(&virtio_rng_desc, "virtio-rng,seed=1", 0);
    struct vqd_seg s[] = { { VDH_BUF, 10, 1 }, { VDH_BUF + 0x1000, 30, 1 } };
    uint8_t a[10], b[30], want[40];
    uint32_t id, len;
    struct prng p;
    vdh_start(h, VDH_F_V1);
    vqd_add_chain(&h->q[0], s, 2);
    vdh_notify(h, 0);
    ck_assert_int_eq(vqd_get_used(&h->q[0], &id, &len), 1);
    ck_assert_uint_eq(len, 40);
    ck_assert_int_eq(machine_phys_read(&h->m, VDH_BUF, a, 10), 0);
    ck_assert_int_eq(machine_phys_read(&h->m, VDH_BUF + 0x1000, b, 30), 0);
    prng_seed(&p, 1);
    prng_fill(&p, want, 40);
    ck_assert_mem_eq(a, want, 10);
    ck_assert_mem_eq(b, want + 10, 30);
    vdh_free(h);
}
END_TEST

START_TEST(test_virtio_rng_large_buffer_filled_up_to_bound)
{
    struct vdh *h = vdh_new(&virtio_rng_desc, "virtio-rng,seed=1", 0);
    const uint32_t size = 96 * 1024;
    struct vqd_seg s[] = { { VDH_BUF, size, 1 } };
    uint32_t id, len;
    uint8_t tail[16], poison[16];
    vdh_start(h, VDH_F_V1);
    vdh_poison(&h->m, VDH_BUF, size, 0xa5);
    vqd_add_chain(&h->q[0], s, 1);
    vdh_notify(h, 0);
    ck_assert_int_eq(vqd_get_used(&h->q[0], &id, &len), 1);
    ck_assert_uint_eq(len, 64 * 1024);
    /* Past the used length the buffer is untouched. */
    memset(poison, 0xa5, sizeof(poison));
    ck_assert_int_eq(machine_phys_read(&h->m, VDH_BUF + len, tail, sizeof(tail)), 0);
    ck_assert_mem_eq(tail, poison, sizeof(tail));
    vdh_free(h);
}
END_TEST

START_TEST(test_virtio_rng_readable_only_chain_returns_nothing)
{
    struct vdh *h = vdh_new(&virtio_rng_desc, "virtio-rng", 0);
    struct vqd_seg s[] = { { VDH_BUF, 64, 0 } };
    uint8_t buf[64], poison[64];
    uint32_t id, len;
    vdh_start(h, VDH_F_V1);
    vdh_poison(&h->m, VDH_BUF, 64, 0x5a);
    vqd_add_chain(&h->q[0], s, 1);
    vdh_notify(h, 0);
    ck_assert_int_eq(vqd_get_used(&h->q[0], &id, &len), 1);
    ck_assert_uint_eq(len, 0);
    memset(poison, 0x5a, sizeof(poison));
    ck_assert_int_eq(machine_phys_read(&h->m, VDH_BUF, buf, 64), 0);
    ck_assert_mem_eq(buf, poison, 64);
    ck_assert(!vdh_needs_reset(h));
    vdh_free(h);
}
END_TEST

START_TEST(test_virtio_rng_reset_does_not_repeat_bytes)
{
    struct vdh *h = vdh_new(&virtio_rng_desc, "virtio-rng,seed=3", 0);
    uint8_t before[32], after[32];
    vdh_start(h, VDH_F_V1);
    rng_get(h, before, 32);
    vdh_wr(h, VDH_R_STATUS, 0);
    vqd_init(&h->q[0], &h->m, VDH_RINGS, VDH_QSIZE);
    vdh_start(h, VDH_F_V1);
    rng_get(h, after, 32);
    ck_assert(memcmp(before, after, 32) != 0);
    vdh_free(h);
}
END_TEST

START_TEST(test_virtio_rng_buffer_outside_ram_sets_needs_reset)
{
    struct vdh *h = vdh_new(&virtio_rng_desc, "virtio-rng", 0);
    struct vqd_seg s[] = { { 0x1000, 64, 1 } };
    uint32_t id, len;
    vdh_start(h, VDH_F_V1);
    vqd_add_chain(&h->q[0], s, 1);
    vdh_notify(h, 0);
    ck_assert(vdh_needs_reset(h));
    ck_assert_int_eq(vqd_get_used(&h->q[0], &id, &len), 0);
    ck_assert_uint_eq(virtio_rng_get_stats(h->dev).requests, 0);
    vdh_free(h);
}
END_TEST

START_TEST(test_virtio_rng_buffer_crossing_ram_end_sets_needs_reset)
{
    struct vdh *h = vdh_new(&virtio_rng_desc, "virtio-rng", 0);
    struct vqd_seg s[] = { { VDH_RAM_BASE + VDH_RAM_SIZE - 16, 64, 1 } };
    uint32_t id, len;
    vdh_start(h, VDH_F_V1);
    vqd_add_chain(&h->q[0], s, 1);
    vdh_notify(h, 0);
    ck_assert(vdh_needs_reset(h));
    ck_assert_int_eq(vqd_get_used(&h->q[0], &id, &len), 0);
    vdh_free(h);
}
END_TEST

START_TEST(test_virtio_rng_bad_options_are_refused)
{
    struct machine m;
    struct emu_err err = { "" };
    const struct virtio_dev_ops *ops;
    vdh_machine_init(&m, 0);
    ck_assert_ptr_null(vdh_create_dev(&m, &virtio_rng_desc, "virtio-rng,seed=banana", 0, &ops, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "seed"));
    ck_assert_ptr_null(vdh_create_dev(&m, &virtio_rng_desc, "virtio-rng,rate=5", 0, &ops, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "rate"));
    void *dev = vdh_create_dev(&m, &virtio_rng_desc, "virtio-rng,seed=0x10", 0, &ops, &err);
    ck_assert_ptr_nonnull(dev);
    virtio_rng_desc.destroy(dev);
    machine_destroy(&m);
}
END_TEST

static Suite *virtio_rng_suite(void)
{
    Suite *s = suite_create("virtio_rng");
    TCase *tc = tcase_create("rng");
    tcase_add_test(tc, test_virtio_rng_identifies_as_entropy_device);
    tcase_add_test(tc, test_virtio_rng_fills_buffer_from_seeded_generator);
    tcase_add_test(tc, test_virtio_rng_same_seed_gives_same_bytes);
    tcase_add_test(tc, test_virtio_rng_different_seed_gives_different_bytes);
    tcase_add_test(tc, test_virtio_rng_default_seed_follows_machine_seed_and_index);
    tcase_add_test(tc, test_virtio_rng_chain_of_segments_filled_in_order);
    tcase_add_test(tc, test_virtio_rng_large_buffer_filled_up_to_bound);
    tcase_add_test(tc, test_virtio_rng_readable_only_chain_returns_nothing);
    tcase_add_test(tc, test_virtio_rng_reset_does_not_repeat_bytes);
    tcase_add_test(tc, test_virtio_rng_bad_options_are_refused);
    suite_add_tcase(s, tc);
    TCase *bad = tcase_create("malformed");
    tcase_add_test(bad, test_virtio_rng_buffer_outside_ram_sets_needs_reset);
    tcase_add_test(bad, test_virtio_rng_buffer_crossing_ram_end_sets_needs_reset);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(virtio_rng_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
