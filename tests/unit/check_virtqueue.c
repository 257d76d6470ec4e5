/*
 * Unit tests for virtio/virtqueue: chains laid out by the test-side driver
 * (virtq_driver.h) in a test machine's RAM are popped, read, written and
 * returned; event-index notification suppression follows virtio 1.2
 * §2.7.10; every kind of malformed queue breaks the queue and tells the
 * sink instead of touching host memory.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "virtio/virtio.h"
#include "virtio/virtqueue.h"
#include "virtq_driver.h"

#define RAM_BASE  0x80000000ull
#define RAM_SIZE  0x100000ull
#define MMIO_BASE 0x10000000ull
#define RINGS     (RAM_BASE + 0x1000)
#define BUF       (RAM_BASE + 0x10000)
#define QSIZE     8

struct tq {
    struct machine m;
    struct virtq vq;
    struct vqd d;
    struct virtq_chain c;
    unsigned used_irqs, broken;
};

static uint64_t null_read(void *dev, uint64_t off, unsigned size)
{
    (void)dev; (void)off; (void)size;
    return 0;
}

static void null_write(void *dev, uint64_t off, uint64_t val, unsigned size)
{
    (void)dev; (void)off; (void)val; (void)size;
}

static const struct dev_ops null_ops = { .read = null_read, .write = null_write };

static void sink_used(void *t, struct virtq *vq)
{
    (void)vq;
    ((struct tq *)t)->used_irqs++;
}

static void sink_broken(void *t, struct virtq *vq, const char *why)
{
    (void)vq; (void)why;
    ((struct tq *)t)->broken++;
}

/* A machine with RAM and one MMIO page, a queue of QSIZE attached to the
 * driver's rings but not yet enabled. */
static struct tq *tq_new(void)
{
    struct tq *t = calloc(1, sizeof(*t));
    struct machine_config cfg = { 0 };
    struct emu_err err;
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(machine_init(&t->m, &cfg, &err), 0);
    ck_assert_int_eq(memmap_add_ram(&t->m.map, RAM_BASE, RAM_SIZE, "ram", &err), 0);
    ck_assert_int_eq(memmap_add_mmio(&t->m.map, MMIO_BASE, 0x1000, &null_ops, NULL, "mmio", &err), 0);
    struct virtq_sink sink = { t, sink_used, sink_broken };
    virtq_init(&t->vq, &t->m, 0, 256, &sink);
    vqd_init(&t->d, &t->m, RINGS, QSIZE);
    vqd_attach(&t->d, &t->vq);
    virtq_chain_init(&t->c);
    return t;
}

static struct tq *tq_ready(uint64_t features)
{
    struct tq *t = tq_new();
    ck_assert_int_eq(virtq_enable(&t->vq, features), 0);
    return t;
}

static void tq_free(struct tq *t)
{
    virtq_chain_free(&t->c);
    machine_destroy(&t->m);
    free(t);
}

/* Pops expecting a broken queue, reported to the sink once. */
static void tq_expect_broken(struct tq *t)
{
    ck_assert_int_eq(virtq_pop(&t->vq, &t->c), -1);
    ck_assert(t->vq.broken);
    ck_assert_uint_eq(t->broken, 1);
    ck_assert_int_eq(virtq_pop(&t->vq, &t->c), -1);
    ck_assert_uint_eq(t->broken, 1);
}

#define F_INDIRECT VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC)
#define F_EVENT    VIRTIO_BIT(VIRTIO_F_EVENT_IDX)

START_TEST(test_virtq_chain_read_write_parts_reach_device)
{
    struct tq *t = tq_ready(0);
    struct vqd_seg s[] = { { BUF, 4, 0 }, { BUF + 0x100, 3, 0 }, { BUF + 0x200, 16, 1 } };
    ck_assert_int_eq(machine_phys_write(&t->m, BUF, "abcd", 4), 0);
    ck_assert_int_eq(machine_phys_write(&t->m, BUF + 0x100, "efg", 3), 0);
    uint16_t head = vqd_add_chain(&t->d, s, 3);

    ck_assert_int_eq(virtq_pop(&t->vq, &t->c), 1);
    ck_assert_uint_eq(t->c.head, head);
    ck_assert_uint_eq(t->c.nseg, 3);
    ck_assert_uint_eq(t->c.nread, 2);
    ck_assert_uint_eq(t->c.read_len, 7);
    ck_assert_uint_eq(t->c.write_len, 16);
    char in[8] = { 0 };
    ck_assert_int_eq(virtq_chain_read(&t->vq, &t->c, 2, in, sizeof(in)), 5);
    ck_assert_str_eq(in, "cdefg");
    ck_assert_int_eq(virtq_chain_write(&t->vq, &t->c, 0, "hello", 5), 5);
    ck_assert_int_eq(virtq_push(&t->vq, &t->c, 5), 0);
    virtq_notify(&t->vq);

    uint32_t id, len;
    ck_assert_int_eq(vqd_get_used(&t->d, &id, &len), 1);
    ck_assert_uint_eq(id, head);
    ck_assert_uint_eq(len, 5);
    char out[6] = { 0 };
    ck_assert_int_eq(machine_phys_read(&t->m, BUF + 0x200, out, 5), 0);
    ck_assert_str_eq(out, "hello");
    ck_assert_uint_eq(t->used_irqs, 1);
    ck_assert_int_eq(virtq_pop(&t->vq, &t->c), 0);
    ck_assert_uint_eq(t->broken, 0);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_push_len_beyond_writable_is_clamped)
{
    struct tq *t = tq_ready(0);
    struct vqd_seg s[] = { { BUF, 8, 1 } };
    vqd_add_chain(&t->d, s, 1);
    ck_assert_int_eq(virtq_pop(&t->vq, &t->c), 1);
    ck_assert_int_eq(virtq_push(&t->vq, &t->c, 100), 0);
    uint32_t id, len;
    ck_assert_int_eq(vqd_get_used(&t->d, &id, &len), 1);
    ck_assert_uint_eq(len, 8);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_empty_ring_pop_returns_zero)
{
    struct tq *t = tq_ready(0);
    ck_assert_int_eq(virtq_pop(&t->vq, &t->c), 0);
    ck_assert(!t->vq.broken);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_indirect_chain_pops_all_segments)
{
    struct tq *t = tq_ready(F_INDIRECT);
    struct vqd_seg s[] = { { BUF, 4, 0 }, { BUF + 0x100, 4, 1 }, { BUF + 0x200, 4, 1 } };
    ck_assert_int_eq(machine_phys_write(&t->m, BUF, "wxyz", 4), 0);
    vqd_add_indirect(&t->d, BUF + 0x1000, s, 3);
    ck_assert_int_eq(virtq_pop(&t->vq, &t->c), 1);
    ck_assert_uint_eq(t->c.nseg, 3);
    ck_assert_uint_eq(t->c.nread, 1);
    ck_assert_int_eq(virtq_chain_write(&t->vq, &t->c, 2, "1234", 4), 4);
    char out[5] = { 0 };
    ck_assert_int_eq(machine_phys_read(&t->m, BUF + 0x102, out, 2), 0);
    ck_assert_int_eq(machine_phys_read(&t->m, BUF + 0x200, out + 2, 2), 0);
    ck_assert_str_eq(out, "1234");
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_need_event_follows_spec_formula)
{
    /* §2.7.10: notify when event lies in [old, new). */
    ck_assert(virtq_need_event(5, 6, 5));
    ck_assert(!virtq_need_event(6, 6, 5));
    ck_assert(virtq_need_event(5, 10, 3));
    ck_assert(!virtq_need_event(2, 10, 3));
    ck_assert(virtq_need_event(0xffff, 1, 0xfffe));   /* wraps */
    ck_assert(!virtq_need_event(1, 1, 1));
}
END_TEST

START_TEST(test_virtq_event_idx_used_event_suppresses_interrupts)
{
    struct tq *t = tq_ready(F_EVENT);
    struct vqd_seg s[] = { { BUF, 8, 1 } };
    vqd_set_used_event(&t->d, 2);     /* interrupt when the third buffer is used */
    for (int k = 0; k < 4; k++) {
        vqd_add_chain(&t->d, s, 1);
        ck_assert_int_eq(virtq_pop(&t->vq, &t->c), 1);
        ck_assert_int_eq(virtq_push(&t->vq, &t->c, 0), 0);
        virtq_notify(&t->vq);
        ck_assert_uint_eq(t->used_irqs, (k >= 2) ? 1 : 0);
    }
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_event_idx_batch_crossing_used_event_interrupts_once)
{
    struct tq *t = tq_ready(F_EVENT);
    struct vqd_seg s[] = { { BUF, 8, 1 } };
    vqd_set_used_event(&t->d, 1);
    for (int k = 0; k < 3; k++)
        vqd_add_chain(&t->d, s, 1);
    for (int k = 0; k < 3; k++) {
        ck_assert_int_eq(virtq_pop(&t->vq, &t->c), 1);
        ck_assert_int_eq(virtq_push(&t->vq, &t->c, 0), 0);
    }
    virtq_notify(&t->vq);
    virtq_notify(&t->vq);
    ck_assert_uint_eq(t->used_irqs, 1);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_event_idx_avail_event_tracks_consumed)
{
    struct tq *t = tq_ready(F_EVENT);
    struct vqd_seg s[] = { { BUF, 8, 1 } };
    vqd_add_chain(&t->d, s, 1);
    vqd_add_chain(&t->d, s, 1);
    ck_assert_int_eq(virtq_pop(&t->vq, &t->c), 1);
    ck_assert_uint_eq(vqd_avail_event(&t->d), 1);
    ck_assert_int_eq(virtq_pop(&t->vq, &t->c), 1);
    ck_assert_int_eq(virtq_pop(&t->vq, &t->c), 0);
    ck_assert_uint_eq(vqd_avail_event(&t->d), 2);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_no_interrupt_flag_suppresses_without_event_idx)
{
    struct tq *t = tq_ready(0);
    struct vqd_seg s[] = { { BUF, 8, 1 } };
    vqd_set_avail_flags(&t->d, VIRTQ_AVAIL_F_NO_INTERRUPT);
    vqd_add_chain(&t->d, s, 1);
    ck_assert_int_eq(virtq_pop(&t->vq, &t->c), 1);
    ck_assert_int_eq(virtq_push(&t->vq, &t->c, 0), 0);
    virtq_notify(&t->vq);
    ck_assert_uint_eq(t->used_irqs, 0);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_desc_outside_ram_breaks_queue)
{
    struct tq *t = tq_ready(0);
    struct vqd_seg s[] = { { RAM_BASE + RAM_SIZE - 4, 8, 0 } };
    vqd_add_chain(&t->d, s, 1);
    tq_expect_broken(t);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_desc_in_mmio_breaks_queue)
{
    struct tq *t = tq_ready(0);
    struct vqd_seg s[] = { { MMIO_BASE, 4, 1 } };
    vqd_add_chain(&t->d, s, 1);
    tq_expect_broken(t);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_desc_len_overflow_breaks_queue)
{
    struct tq *t = tq_ready(0);
    struct vqd_seg s[] = { { 0xfffffffffffffff0ull, 0x100, 1 } };
    vqd_add_chain(&t->d, s, 1);
    tq_expect_broken(t);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_desc_loop_breaks_queue)
{
    struct tq *t = tq_ready(0);
    vqd_write_desc(&t->d, 0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
    vqd_write_desc(&t->d, 1, BUF, 4, VIRTQ_DESC_F_NEXT, 0);
    vqd_publish(&t->d, 0);
    tq_expect_broken(t);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_next_out_of_queue_breaks_queue)
{
    struct tq *t = tq_ready(0);
    vqd_write_desc(&t->d, 0, BUF, 4, VIRTQ_DESC_F_NEXT, QSIZE);
    vqd_publish(&t->d, 0);
    tq_expect_broken(t);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_head_out_of_queue_breaks_queue)
{
    struct tq *t = tq_ready(0);
    vqd_publish(&t->d, 0xffff);
    tq_expect_broken(t);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_avail_idx_jump_breaks_queue)
{
    struct tq *t = tq_ready(0);
    vqd_w16(&t->m, t->d.avail + 2, QSIZE + 1);
    tq_expect_broken(t);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_readable_after_writable_breaks_queue)
{
    struct tq *t = tq_ready(0);
    struct vqd_seg s[] = { { BUF, 4, 1 }, { BUF + 0x100, 4, 0 } };
    vqd_add_chain(&t->d, s, 2);
    tq_expect_broken(t);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_indirect_longer_than_queue_breaks_queue)
{
    struct tq *t = tq_ready(F_INDIRECT);
    struct vqd_seg s[QSIZE + 1];
    for (unsigned k = 0; k < QSIZE + 1; k++)
        s[k] = (struct vqd_seg){ BUF + 16 * k, 16, 0 };
    vqd_add_indirect(&t->d, BUF + 0x1000, s, QSIZE + 1);
    tq_expect_broken(t);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_indirect_loop_breaks_queue)
{
    struct tq *t = tq_ready(F_INDIRECT);
    vqd_write_desc_at(&t->m, BUF + 0x1000, 0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
    vqd_write_desc_at(&t->m, BUF + 0x1000, 1, BUF, 4, VIRTQ_DESC_F_NEXT, 0);
    vqd_write_desc(&t->d, 0, BUF + 0x1000, 32, VIRTQ_DESC_F_INDIRECT, 0);
    vqd_publish(&t->d, 0);
    tq_expect_broken(t);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_indirect_bad_len_breaks_queue)
{
    struct tq *t = tq_ready(F_INDIRECT);
    vqd_write_desc_at(&t->m, BUF + 0x1000, 0, BUF, 4, 0, 0);
    vqd_write_desc(&t->d, 0, BUF + 0x1000, 20, VIRTQ_DESC_F_INDIRECT, 0);
    vqd_publish(&t->d, 0);
    tq_expect_broken(t);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_indirect_table_outside_ram_breaks_queue)
{
    struct tq *t = tq_ready(F_INDIRECT);
    vqd_write_desc(&t->d, 0, RAM_BASE + RAM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
    vqd_publish(&t->d, 0);
    tq_expect_broken(t);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_indirect_nested_breaks_queue)
{
    struct tq *t = tq_ready(F_INDIRECT);
    vqd_write_desc_at(&t->m, BUF + 0x1000, 0, BUF + 0x2000, 16, VIRTQ_DESC_F_INDIRECT, 0);
    vqd_write_desc(&t->d, 0, BUF + 0x1000, 16, VIRTQ_DESC_F_INDIRECT, 0);
    vqd_publish(&t->d, 0);
    tq_expect_broken(t);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_indirect_without_feature_breaks_queue)
{
    struct tq *t = tq_ready(0);
    struct vqd_seg s[] = { { BUF, 4, 1 } };
    vqd_add_indirect(&t->d, BUF + 0x1000, s, 1);
    tq_expect_broken(t);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_ring_in_mmio_enable_fails)
{
    struct tq *t = tq_new();
    t->vq.used = MMIO_BASE;
    ck_assert_int_eq(virtq_enable(&t->vq, 0), -1);
    ck_assert_uint_eq(t->broken, 1);
    ck_assert_int_eq(virtq_pop(&t->vq, &t->c), -1);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_ring_past_ram_end_enable_fails)
{
    struct tq *t = tq_new();
    t->vq.desc = RAM_BASE + RAM_SIZE - 64;    /* 8 descriptors need 128 bytes */
    ck_assert_int_eq(virtq_enable(&t->vq, 0), -1);
    ck_assert_uint_eq(t->broken, 1);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_size_not_power_of_two_enable_fails)
{
    struct tq *t = tq_new();
    t->vq.num = 6;
    ck_assert_int_eq(virtq_enable(&t->vq, 0), -1);
    ck_assert_uint_eq(t->broken, 1);
    tq_free(t);
}
END_TEST

START_TEST(test_virtq_reset_clears_broken_state)
{
    struct tq *t = tq_ready(0);
    vqd_publish(&t->d, 0xffff);
    tq_expect_broken(t);
    virtq_reset(&t->vq);
    ck_assert(!t->vq.broken);
    ck_assert(!t->vq.ready);
    ck_assert_uint_eq(t->vq.num, 256);
    tq_free(t);
}
END_TEST

static Suite *virtqueue_suite(void)
{
    Suite *s = suite_create("virtqueue");
    TCase *ok = tcase_create("normal");
    tcase_add_test(ok, test_virtq_chain_read_write_parts_reach_device);
    tcase_add_test(ok, test_virtq_push_len_beyond_writable_is_clamped);
    tcase_add_test(ok, test_virtq_empty_ring_pop_returns_zero);
    tcase_add_test(ok, test_virtq_indirect_chain_pops_all_segments);
    tcase_add_test(ok, test_virtq_need_event_follows_spec_formula);
    tcase_add_test(ok, test_virtq_event_idx_used_event_suppresses_interrupts);
    tcase_add_test(ok, test_virtq_event_idx_batch_crossing_used_event_interrupts_once);
    tcase_add_test(ok, test_virtq_event_idx_avail_event_tracks_consumed);
    tcase_add_test(ok, test_virtq_no_interrupt_flag_suppresses_without_event_idx);
    suite_add_tcase(s, ok);
    TCase *bad = tcase_create("malformed");
    tcase_add_test(bad, test_virtq_desc_outside_ram_breaks_queue);
    tcase_add_test(bad, test_virtq_desc_in_mmio_breaks_queue);
    tcase_add_test(bad, test_virtq_desc_len_overflow_breaks_queue);
    tcase_add_test(bad, test_virtq_desc_loop_breaks_queue);
    tcase_add_test(bad, test_virtq_next_out_of_queue_breaks_queue);
    tcase_add_test(bad, test_virtq_head_out_of_queue_breaks_queue);
    tcase_add_test(bad, test_virtq_avail_idx_jump_breaks_queue);
    tcase_add_test(bad, test_virtq_readable_after_writable_breaks_queue);
    tcase_add_test(bad, test_virtq_indirect_longer_than_queue_breaks_queue);
    tcase_add_test(bad, test_virtq_indirect_loop_breaks_queue);
    tcase_add_test(bad, test_virtq_indirect_bad_len_breaks_queue);
    tcase_add_test(bad, test_virtq_indirect_table_outside_ram_breaks_queue);
    tcase_add_test(bad, test_virtq_indirect_nested_breaks_queue);
    tcase_add_test(bad, test_virtq_indirect_without_feature_breaks_queue);
    tcase_add_test(bad, test_virtq_ring_in_mmio_enable_fails);
    tcase_add_test(bad, test_virtq_ring_past_ram_end_enable_fails);
    tcase_add_test(bad, test_virtq_size_not_power_of_two_enable_fails);
    tcase_add_test(bad, test_virtq_reset_clears_broken_state);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(virtqueue_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
