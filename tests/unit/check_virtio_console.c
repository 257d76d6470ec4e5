/*
 * Unit tests for virtio/console behind the MMIO transport, with the
 * machine's console backend on pipes: transmitted buffers and emergency
 * writes reach the backend; input is taken only with input=on and only
 * while receive buffers are posted, one byte per character time of
 * virtual time; reset stops it; malformed buffers and bad options.
 */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/chardev.h"
#include "core/snap.h"
#include "virtio/console.h"
#include "virtio_dev_harness.h"

#define CHAR_CYCLES (1000000000ull / 11520)    /* machine_init's default 1 GHz clock */
#define RXQ 0
#define TXQ 1
#define F_EMERG_WRITE 2

struct fx {
    int in[2], out[2];
    struct chardev *ch;
    struct vdh *h;
};

/* input: what the backend will deliver, then end of input. */
static struct fx *fx_new(const char *opts, const char *input)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct emu_err err = { "" };
    char spec[64];
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(pipe(f->in), 0);
    ck_assert_int_eq(pipe(f->out), 0);
    ck_assert_int_eq(write(f->in[1], input, strlen(input)), (ssize_t)strlen(input));
    close(f->in[1]);
    ck_assert_int_eq(fcntl(f->out[0], F_SETFL, O_NONBLOCK), 0);
    f->ch = chardev_open_fds(f->in[0], f->out[1], &err);
    ck_assert_ptr_nonnull(f->ch);
    snprintf(spec, sizeof(spec), "virtio-console%s", opts);
    f->h = vdh_new_full(&virtio_console_desc, spec, 0, 0, f->ch);
    return f;
}

static void fx_free(struct fx *f)
{
    vdh_free(f->h);
    chardev_close(f->ch);
    close(f->in[0]);
    close(f->out[0]);
    close(f->out[1]);
    free(f);
}

/* What the backend has written so far, NUL-terminated. */
static void fx_output(struct fx *f, char *buf, size_t cap)
{
    ssize_t n = read(f->out[0], buf, cap - 1);
    buf[n > 0 ? n : 0] = '\0';
}

/* The next byte the backend would give, bypassing the device. */
static int fx_next_input(struct fx *f)
{
    uint8_t b;
    return chardev_read(f->ch, &b) == 1 ? b : -1;
}

/* The guest transmits s on the port, as its console does when it comes up. */
static void guest_writes(struct fx *f, const char *s)
{
    struct vqd_seg seg = { VDH_BUF + 0x8000, (uint32_t)strlen(s), 0 };
    ck_assert_int_eq(machine_phys_write(&f->h->m, seg.addr, s, seg.len), 0);
    vqd_add_chain(&f->h->q[TXQ], &seg, 1);
    vdh_notify(f->h, TXQ);
}

/* Driver set up, and the port in use: it has printed a prompt. */
static void fx_start(struct fx *f)
{
    vdh_start(f->h, VDH_F_V1);
    guest_writes(f, "$ ");
}

/* Posts n receive buffers of 8 bytes, buffer i at VDH_BUF + 0x100 * i. */
static void post_rx(struct fx *f, unsigned first, unsigned n)
{
    for (unsigned i = first; i < first + n; i++) {
        struct vqd_seg s = { VDH_BUF + 0x100ull * i, 8, 1 };
        vqd_add_chain(&f->h->q[RXQ], &s, 1);
    }
    vdh_notify(f->h, RXQ);
}

static unsigned used_count(struct fx *f)
{
    return (uint16_t)(vqd_r16(&f->h->m, f->h->q[RXQ].used + 2) - f->h->q[RXQ].last_used);
}

START_TEST(test_virtio_console_identifies_as_console_port)
{
    struct fx *f = fx_new("", "");
    uint64_t feat = vdh_device_features(f->h);
    ck_assert_uint_eq(vdh_rd(f->h, VDH_R_DEVICE_ID), 3);
    ck_assert_uint_eq(f->h->ops->num_queues, 2);
    ck_assert(feat & VIRTIO_BIT(F_EMERG_WRITE));
    ck_assert(!(feat & VIRTIO_BIT(0)));   /* F_SIZE */
    ck_assert(!(feat & VIRTIO_BIT(1)));   /* F_MULTIPORT */
    ck_assert_str_eq(virtio_console_desc.alias, "virtconsole");
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_console_transmit_reaches_backend)
{
    struct fx *f = fx_new("", "");
    struct vqd_seg s[] = { { VDH_BUF, 6, 0 }, { VDH_BUF + 0x100, 6, 0 } };
    char out[64];
    uint32_t id, len;
    vdh_start(f->h, VDH_F_V1);
    ck_assert_int_eq(machine_phys_write(&f->h->m, VDH_BUF, "hello ", 6), 0);
    ck_assert_int_eq(machine_phys_write(&f->h->m, VDH_BUF + 0x100, "world\n", 6), 0);
    uint16_t head = vqd_add_chain(&f->h->q[TXQ], s, 2);
    vdh_notify(f->h, TXQ);
    fx_output(f, out, sizeof(out));
    ck_assert_str_eq(out, "hello world\n");
    ck_assert_int_eq(vqd_get_used(&f->h->q[TXQ], &id, &len), 1);
    ck_assert_uint_eq(id, head);
    ck_assert_uint_eq(len, 0);
    ck_assert(f->h->irq);
    ck_assert_uint_eq(virtio_console_get_stats(f->h->dev).bytes_out, 12);
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_console_large_transmit_is_whole)
{
    struct fx *f = fx_new("", "");
    enum { N = 10000 };
    static char msg[N], out[N + 1];
    struct vqd_seg s = { VDH_BUF, N, 0 };
    for (unsigned i = 0; i < N; i++)
        msg[i] = (char)('a' + i % 26);
    vdh_start(f->h, VDH_F_V1);
    ck_assert_int_eq(machine_phys_write(&f->h->m, VDH_BUF, msg, N), 0);
    vqd_add_chain(&f->h->q[TXQ], &s, 1);
    vdh_notify(f->h, TXQ);
    fx_output(f, out, sizeof(out));
    ck_assert_uint_eq(strlen(out), N);
    ck_assert(memcmp(out, msg, N) == 0);
    fx_free(f);
}
END_TEST

/* §5.3.5.1: emerg_wr works on an unconfigured device. */
START_TEST(test_virtio_console_emergency_write_before_setup)
{
    struct fx *f = fx_new("", "");
    char out[8];
    virtio_mmio_ops.write(f->h->tr, VDH_R_CONFIG + 8, 'X', 4);
    virtio_mmio_ops.write(f->h->tr, VDH_R_CONFIG + 8, 0x100 | 'y', 4);   /* the low byte only */
    virtio_mmio_ops.write(f->h->tr, VDH_R_CONFIG + 4, 'Z', 4);           /* not emerg_wr */
    fx_output(f, out, sizeof(out));
    ck_assert_str_eq(out, "Xy");
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_console_input_off_takes_nothing)
{
    struct fx *f = fx_new("", "abc");
    fx_start(f);
    post_rx(f, 0, 4);
    vdh_advance(&f->h->m, 100 * CHAR_CYCLES);
    ck_assert_uint_eq(used_count(f), 0);
    ck_assert_uint_eq(virtio_console_get_stats(f->h->dev).bytes_in, 0);
    ck_assert_int_eq(fx_next_input(f), 'a');    /* still there for someone else */
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_console_input_waits_for_receive_buffers)
{
    struct fx *f = fx_new(",input=on", "abc");
    fx_start(f);
    vdh_advance(&f->h->m, 100 * CHAR_CYCLES);
    ck_assert_int_eq(fx_next_input(f), 'a');    /* no buffer posted: nothing read */
    fx_free(f);
}
END_TEST

/* Linux posts receive buffers before its port can take data: input waits
 * until the guest has written to the port. */
START_TEST(test_virtio_console_input_waits_for_guest_output)
{
    struct fx *f = fx_new(",input=on", "ok");
    char out[8];
    vdh_start(f->h, VDH_F_V1);
    post_rx(f, 0, 4);
    vdh_advance(&f->h->m, 100 * CHAR_CYCLES);
    ck_assert_uint_eq(used_count(f), 0);
    guest_writes(f, "login: ");
    vdh_advance(&f->h->m, CHAR_CYCLES);
    ck_assert_uint_eq(used_count(f), 1);
    vdh_advance(&f->h->m, 10 * CHAR_CYCLES);
    ck_assert_uint_eq(used_count(f), 2);
    fx_output(f, out, sizeof(out));
    ck_assert_str_eq(out, "login: ");
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_console_input_one_byte_per_character_time)
{
    struct fx *f = fx_new(",input=on", "hi!");
    uint32_t id, len;
    uint8_t b;
    fx_start(f);
    post_rx(f, 0, 4);
    ck_assert_uint_eq(used_count(f), 0);
    vdh_advance(&f->h->m, CHAR_CYCLES - 1);
    ck_assert_uint_eq(used_count(f), 0);
    vdh_advance(&f->h->m, 1);
    ck_assert_uint_eq(used_count(f), 1);
    vdh_advance(&f->h->m, CHAR_CYCLES);
    ck_assert_uint_eq(used_count(f), 2);
    vdh_advance(&f->h->m, 10 * CHAR_CYCLES);
    ck_assert_uint_eq(used_count(f), 3);        /* then the input ended */
    for (unsigned i = 0; i < 3; i++) {
        ck_assert_int_eq(vqd_get_used(&f->h->q[RXQ], &id, &len), 1);
        ck_assert_uint_eq(id, i);
        ck_assert_uint_eq(len, 1);
        ck_assert_int_eq(machine_phys_read(&f->h->m, VDH_BUF + 0x100ull * i, &b, 1), 0);
        ck_assert_uint_eq(b, (uint8_t)"hi!"[i]);
    }
    ck_assert(f->h->irq);
    ck_assert_uint_eq(virtio_console_get_stats(f->h->dev).bytes_in, 3);
    char *json = vdh_stats_json(f->h);
    ck_assert_ptr_nonnull(strstr(json, "\"bytes_in\": 3"));
    ck_assert_ptr_nonnull(strstr(json, "\"bytes_out\": 2"));     /* the prompt */
    free(json);
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_console_input_pauses_when_buffers_run_out)
{
    struct fx *f = fx_new(",input=on", "abcdef");
    uint32_t id, len;
    uint8_t b;
    fx_start(f);
    post_rx(f, 0, 2);
    vdh_advance(&f->h->m, 50 * CHAR_CYCLES);
    ck_assert_uint_eq(used_count(f), 2);
    /* The guest posts more: the rest arrives, in order. */
    post_rx(f, 2, 4);
    vdh_advance(&f->h->m, 50 * CHAR_CYCLES);
    ck_assert_uint_eq(used_count(f), 6);
    for (unsigned i = 0; i < 6; i++) {
        ck_assert_int_eq(vqd_get_used(&f->h->q[RXQ], &id, &len), 1);
        ck_assert_int_eq(machine_phys_read(&f->h->m, VDH_BUF + 0x100ull * id, &b, 1), 0);
        ck_assert_uint_eq(b, (uint8_t)('a' + i));
    }
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_console_reset_stops_input)
{
    struct fx *f = fx_new(",input=on", "xyz");
    fx_start(f);
    post_rx(f, 0, 2);
    vdh_wr(f->h, VDH_R_STATUS, 0);
    vdh_advance(&f->h->m, 50 * CHAR_CYCLES);
    ck_assert_uint_eq(virtio_console_get_stats(f->h->dev).bytes_in, 0);
    /* Set up again with buffers but no output yet: still nothing. */
    vqd_init(&f->h->q[RXQ], &f->h->m, VDH_RINGS, VDH_QSIZE);
    vqd_init(&f->h->q[TXQ], &f->h->m, VDH_RINGS + 0x4000, VDH_QSIZE);
    vdh_start(f->h, VDH_F_V1);
    post_rx(f, 0, 2);
    vdh_advance(&f->h->m, 50 * CHAR_CYCLES);
    ck_assert_uint_eq(used_count(f), 0);
    ck_assert_int_eq(fx_next_input(f), 'x');
    fx_free(f);
}
END_TEST

/* A poll pending at reset is forgotten: after the driver sets the device
 * up again, input starts one character time after its new buffers. */
START_TEST(test_virtio_console_reset_restarts_pacing)
{
    struct fx *f = fx_new(",input=on", "xyz");
    fx_start(f);
    post_rx(f, 0, 2);
    vdh_advance(&f->h->m, CHAR_CYCLES / 2);
    vdh_wr(f->h, VDH_R_STATUS, 0);
    vqd_init(&f->h->q[RXQ], &f->h->m, VDH_RINGS, VDH_QSIZE);
    vqd_init(&f->h->q[TXQ], &f->h->m, VDH_RINGS + 0x4000, VDH_QSIZE);
    fx_start(f);
    post_rx(f, 0, 2);
    uint64_t t0 = f->h->m.vclock;
    vdh_advance(&f->h->m, CHAR_CYCLES - t0);     /* the old poll's time */
    ck_assert_uint_eq(used_count(f), 0);
    vdh_advance(&f->h->m, t0 - 1);
    ck_assert_uint_eq(used_count(f), 0);
    vdh_advance(&f->h->m, 1);                   /* t0 + one character time */
    ck_assert_uint_eq(used_count(f), 1);
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_console_readable_receive_buffer_returned_empty)
{
    struct fx *f = fx_new(",input=on", "q");
    struct vqd_seg s = { VDH_BUF, 8, 0 };
    uint32_t id, len;
    fx_start(f);
    vqd_add_chain(&f->h->q[RXQ], &s, 1);
    post_rx(f, 1, 1);
    vdh_advance(&f->h->m, 10 * CHAR_CYCLES);
    ck_assert_int_eq(vqd_get_used(&f->h->q[RXQ], &id, &len), 1);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(vqd_get_used(&f->h->q[RXQ], &id, &len), 1);
    ck_assert_uint_eq(len, 1);
    ck_assert(!vdh_needs_reset(f->h));
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_console_transmit_outside_ram_needs_reset)
{
    struct fx *f = fx_new("", "");
    struct vqd_seg s = { 0x2000, 16, 0 };
    char out[8];
    vdh_start(f->h, VDH_F_V1);
    vqd_add_chain(&f->h->q[TXQ], &s, 1);
    vdh_notify(f->h, TXQ);
    ck_assert(vdh_needs_reset(f->h));
    fx_output(f, out, sizeof(out));
    ck_assert_str_eq(out, "");
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_console_receive_outside_ram_needs_reset)
{
    struct fx *f = fx_new(",input=on", "abc");
    struct vqd_seg s = { VDH_RAM_BASE + VDH_RAM_SIZE, 8, 1 };
    fx_start(f);
    vqd_add_chain(&f->h->q[RXQ], &s, 1);
    vdh_notify(f->h, RXQ);
    vdh_advance(&f->h->m, 10 * CHAR_CYCLES);
    ck_assert(vdh_needs_reset(f->h));
    ck_assert_int_eq(fx_next_input(f), 'a');    /* nothing was taken */
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_console_without_backend_drops_output)
{
    struct vdh *h = vdh_new(&virtio_console_desc, "virtio-console,input=on", 0);
    struct vqd_seg s = { VDH_BUF, 4, 0 };
    uint32_t id, len;
    vdh_start(h, VDH_F_V1);
    vqd_add_chain(&h->q[TXQ], &s, 1);
    vdh_notify(h, TXQ);
    ck_assert_int_eq(vqd_get_used(&h->q[TXQ], &id, &len), 1);
    struct vqd_seg r = { VDH_BUF, 4, 1 };
    vqd_add_chain(&h->q[RXQ], &r, 1);
    vdh_notify(h, RXQ);
    vdh_advance(&h->m, 10 * CHAR_CYCLES);
    ck_assert_int_eq(vqd_get_used(&h->q[RXQ], &id, &len), 0);
    vdh_free(h);
}
END_TEST

START_TEST(test_virtio_console_takes_input_only_when_asked_and_possible)
{
    struct fx *on = fx_new(",input=on", ""), *off = fx_new("", "");
    struct vdh *none = vdh_new(&virtio_console_desc, "virtio-console,input=on", 0);
    ck_assert(virtio_console_takes_input(on->h->dev));
    ck_assert(!virtio_console_takes_input(off->h->dev));
    ck_assert(!virtio_console_takes_input(none->dev));     /* no backend to read */
    fx_free(on);
    fx_free(off);
    vdh_free(none);
}
END_TEST

static uint64_t device_hash(struct vdh *h)
{
    struct snap *s = snap_hasher();
    struct emu_err err;
    snap_begin(s, "console");
    ck_assert_int_eq(h->ops->save(h->dev, s), 0);
    snap_end(s);
    uint64_t v = snap_hash_value(s, 0);
    ck_assert_int_eq(snap_close(s, &err), 0);
    return v;
}

/* Whether the guest has written is state: it decides when input starts,
 * so it is hashed and survives a snapshot. */
START_TEST(test_virtio_console_snapshot_keeps_guest_has_written)
{
    struct fx *emerg = fx_new("", ""), *wrote = fx_new("", ""), *loaded = fx_new("", "");
    char path[] = "/tmp/check_virtio_console.XXXXXX";
    struct emu_err err = { "" };
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    /* Two bytes out each: by emergency write, and through the port. */
    vdh_start(emerg->h, VDH_F_V1);
    virtio_mmio_ops.write(emerg->h->tr, VDH_R_CONFIG + 8, '$', 4);
    virtio_mmio_ops.write(emerg->h->tr, VDH_R_CONFIG + 8, ' ', 4);
    fx_start(wrote);
    ck_assert_uint_ne(device_hash(emerg->h), device_hash(wrote->h));

    struct snap *s = snap_create(path, SNAP_KIND_SNAPSHOT, 1, &err);
    ck_assert_ptr_nonnull(s);
    snap_begin(s, "console");
    ck_assert_int_eq(wrote->h->ops->save(wrote->h->dev, s), 0);
    snap_end(s);
    ck_assert_int_eq(snap_close(s, &err), 0);
    s = snap_open(path, SNAP_KIND_SNAPSHOT, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    snap_begin(s, "console");
    ck_assert_int_eq(loaded->h->ops->load(loaded->h->dev, s), 0);
    snap_end(s);
    ck_assert_int_eq(snap_close(s, &err), 0);
    ck_assert_uint_eq(device_hash(loaded->h), device_hash(wrote->h));
    unlink(path);
    fx_free(emerg);
    fx_free(wrote);
    fx_free(loaded);
}
END_TEST

START_TEST(test_virtio_console_bad_options_are_refused)
{
    struct machine m;
    struct emu_err err = { "" };
    const struct virtio_dev_ops *ops;
    vdh_machine_init(&m, 0);
    ck_assert_ptr_null(vdh_create_dev(&m, &virtio_console_desc, "virtconsole,input=sometimes", 0, &ops, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "input=sometimes"));
    ck_assert_ptr_null(vdh_create_dev(&m, &virtio_console_desc, "virtconsole,chardev=x", 0, &ops, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "chardev"));
    machine_destroy(&m);
}
END_TEST

static Suite *virtio_console_suite(void)
{
    Suite *s = suite_create("virtio_console");
    TCase *tc = tcase_create("console");
    tcase_add_test(tc, test_virtio_console_identifies_as_console_port);
    tcase_add_test(tc, test_virtio_console_transmit_reaches_backend);
    tcase_add_test(tc, test_virtio_console_large_transmit_is_whole);
    tcase_add_test(tc, test_virtio_console_emergency_write_before_setup);
    tcase_add_test(tc, test_virtio_console_input_off_takes_nothing);
    tcase_add_test(tc, test_virtio_console_input_waits_for_receive_buffers);
    tcase_add_test(tc, test_virtio_console_input_waits_for_guest_output);
    tcase_add_test(tc, test_virtio_console_input_one_byte_per_character_time);
    tcase_add_test(tc, test_virtio_console_input_pauses_when_buffers_run_out);
    tcase_add_test(tc, test_virtio_console_reset_stops_input);
    tcase_add_test(tc, test_virtio_console_reset_restarts_pacing);
    tcase_add_test(tc, test_virtio_console_without_backend_drops_output);
    tcase_add_test(tc, test_virtio_console_takes_input_only_when_asked_and_possible);
    tcase_add_test(tc, test_virtio_console_snapshot_keeps_guest_has_written);
    tcase_add_test(tc, test_virtio_console_bad_options_are_refused);
    suite_add_tcase(s, tc);
    TCase *bad = tcase_create("malformed");
    tcase_add_test(bad, test_virtio_console_readable_receive_buffer_returned_empty);
    tcase_add_test(bad, test_virtio_console_transmit_outside_ram_needs_reset);
    tcase_add_test(bad, test_virtio_console_receive_outside_ram_needs_reset);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(virtio_console_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
