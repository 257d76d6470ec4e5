/*
 * Unit tests for core/record: a machine with a 16550 whose guest side is
 * played by the test (it enables the receiver and reads RBR), fed by a
 * scripted console. Recording logs each byte at the virtual time the UART
 * took it; replaying the log into a machine whose console has no input
 * at all gives the same bytes at the same times and the same state
 * hashes; a replay whose machine does not take the input when recorded
 * stops with a report; a log is refused on another configuration.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/chardev.h"
#include "core/machine.h"
#include "core/record.h"
#include "dev/uart16550.h"

enum { RBR = 0, IER = 1, LSR = 5 };
#define IER_ERBFI 1u
#define STOP_AT 3000000ull          /* cycles: a user stop, as Ctrl-A X */
#define INTERVAL 500000ull

static char dir[64];

struct rig {
    struct machine m;
    struct chardev *ch;
    struct uart16550 *u;
    bool listen;                    /* the "guest" enables the receiver */
    bool deaf;                      /* ... and stops listening after the first round */
    char got[16];                   /* bytes the guest read, in order */
    uint64_t at[16];                /* and the cycle it read each */
    unsigned ngot;
};

/* The guest: every round it drains the receive FIFO. */
static uint64_t guest_reads(struct machine *m, void *opaque)
{
    struct rig *r = opaque;
    if (r->deaf) {
        /* No receive interrupt and no LSR polling: the UART takes nothing. */
        uart16550_ops.write(r->u, IER, 0, 1);
        return UINT64_MAX;
    }
    while (uart16550_ops.read(r->u, LSR, 1) & 1) {
        uint8_t b = (uint8_t)uart16550_ops.read(r->u, RBR, 1);
        if (r->ngot < sizeof(r->got)) {
            r->got[r->ngot] = (char)b;
            r->at[r->ngot++] = m->vclock;
        }
    }
    return m->vclock + 1;
}

static uint64_t user_stop(struct machine *m, void *opaque)
{
    (void)opaque;
    machine_request_stop(m, MACHINE_STOP_USER, 0);
    return UINT64_MAX;
}

/* input NULL: a console with no input (a replay). */
static void rig_init(struct rig *r, const char *input, bool listen)
{
    struct emu_err err;
    bool deaf = r->deaf;
    memset(r, 0, sizeof(*r));
    r->deaf = deaf;
    int fd = -1;
    if (input) {
        int p[2];
        ck_assert_int_eq(pipe(p), 0);
        ck_assert_int_eq(write(p[1], input, strlen(input)), (ssize_t)strlen(input));
        close(p[1]);
        fd = p[0];
    }
    r->ch = chardev_open_fds(fd, -1, &err);
    ck_assert_ptr_nonnull(r->ch);
    r->listen = listen;
}

/* Builds the machine once the log is open (a replay sets up the console first). */
static void rig_build(struct rig *r)
{
    struct emu_err err;
    struct machine_config cfg = { .board = "record-test", .quantum = 10000, .core_hz = 1000000000ull };
    ck_assert_int_eq(machine_init(&r->m, &cfg, &err), 0);
    r->m.console = r->ch;
    r->u = uart16550_create(&r->m, irq_line_make(NULL, NULL, 0), r->ch);
    ck_assert_ptr_nonnull(r->u);
    ck_assert_int_eq(machine_add_device(&r->m, "uart0", &uart16550_ops, r->u, uart16550_destroy), 0);
    if (r->listen)
        uart16550_ops.write(r->u, IER, IER_ERBFI, 1);
    ck_assert_int_eq(machine_add_observer(&r->m, 0, guest_reads, r), 0);
}

static void rig_free(struct rig *r)
{
    machine_destroy(&r->m);
    chardev_close(r->ch);
}

static void path_of(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/check_record.%d", (int)getpid());
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "mkdir -p %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void teardown(void)
{
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

/* One run: record (input given), replay (input NULL) or plain. */
static int one_run(struct rig *r, enum record_mode mode, const char *input, bool listen, const char *log,
                   const char *hashes, struct emu_err *err)
{
    rig_init(r, input, listen);
    struct record_config rc = { .mode = mode, .path = log, .hash_interval = INTERVAL, .hash_path = hashes,
                                .version = "test" };
    struct record *rec = record_open(&rc, r->ch, err);
    if (!rec)
        return -2;
    rig_build(r);
    if (record_start(rec, &r->m, err) < 0) {
        record_free(rec);
        return -2;
    }
    ck_assert_int_eq(machine_add_observer(&r->m, STOP_AT, user_stop, NULL), 0);
    machine_run(&r->m);
    int rc2 = record_finish(rec, err);
    record_free(rec);
    return rc2;
}

START_TEST(test_record_replay_same_bytes_times_and_hashes)
{
    char log[96], h1[96], h2[96];
    struct emu_err err;
    struct rig a = { 0 }, b = { 0 };
    path_of(log, sizeof(log), "run.log");
    path_of(h1, sizeof(h1), "rec.hash");
    path_of(h2, sizeof(h2), "rep.hash");

    ck_assert_int_eq(one_run(&a, RECORD_WRITE, "hey", true, log, h1, &err), 0);
    ck_assert_uint_eq(a.ngot, 3);
    ck_assert_int_eq(memcmp(a.got, "hey", 3), 0);
    ck_assert_uint_eq(a.m.stop, MACHINE_STOP_USER);

    int rc = one_run(&b, RECORD_REPLAY, NULL, true, log, h2, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    ck_assert_uint_eq(b.ngot, 3);
    ck_assert_int_eq(memcmp(b.got, "hey", 3), 0);
    for (unsigned i = 0; i < 3; i++)
        ck_assert_uint_eq(b.at[i], a.at[i]);
    ck_assert_uint_eq(b.m.stop, MACHINE_STOP_USER);
    ck_assert_uint_eq(b.m.vclock, a.m.vclock);
    char *x = slurp(h1), *y = slurp(h2);
    ck_assert_str_eq(x, y);
    /* The start, one per INTERVAL up to the stop, the end. */
    unsigned lines = 0;
    for (const char *p = x; (p = strchr(p, '\n')) != NULL; p++)
        lines += p[1] >= '0' && p[1] <= '9';
    ck_assert_uint_eq(lines, STOP_AT / INTERVAL);
    ck_assert_ptr_nonnull(strstr(x, "final "));
    free(x);
    free(y);
    rig_free(&a);
    rig_free(&b);
}
END_TEST

START_TEST(test_replay_input_not_taken_diverges_naming_it)
{
    char log[96];
    struct emu_err err;
    struct rig a = { 0 }, b = { 0 };
    path_of(log, sizeof(log), "run.log");
    ck_assert_int_eq(one_run(&a, RECORD_WRITE, "hey", true, log, NULL, &err), 0);
    /* This guest turns its receiver off after the first round: the
     * recorded bytes are not read when they were, and the replay stops at
     * the first state hash after the first of them. */
    int rc = one_run(&b, RECORD_REPLAY, NULL, true, log, NULL, &err);
    ck_assert_int_eq(rc, 0);
    rig_free(&b);
    memset(&b, 0, sizeof(b));
    b.deaf = true;
    rc = one_run(&b, RECORD_REPLAY, NULL, true, log, NULL, &err);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strstr(err.msg, "diverged: serial input recorded at cycle") != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "was not read by cycle") != NULL, "%s", err.msg);
    ck_assert_uint_eq(b.m.stop, MACHINE_STOP_ERROR);
    ck_assert_uint_eq(b.ngot, 0);
    rig_free(&a);
    rig_free(&b);
}
END_TEST

START_TEST(test_replay_on_other_configuration_refused)
{
    char log[96];
    struct emu_err err;
    struct rig a = { 0 }, b = { 0 };
    path_of(log, sizeof(log), "run.log");
    ck_assert_int_eq(one_run(&a, RECORD_WRITE, "hey", true, log, NULL, &err), 0);
    /* A machine with one more device than the recorded one. */
    rig_init(&b, NULL, true);
    struct record_config rc = { .mode = RECORD_REPLAY, .path = log, .hash_interval = INTERVAL, .version = "test" };
    struct record *rec = record_open(&rc, b.ch, &err);
    ck_assert_ptr_nonnull(rec);
    rig_build(&b);
    machine_add_device(&b.m, "extra", NULL, NULL, NULL);
    ck_assert_int_eq(record_start(rec, &b.m, &err), -1);
    ck_assert_msg(strstr(err.msg, "devices=1 there, devices=2 here") != NULL, "%s", err.msg);
    record_free(rec);
    rig_free(&a);
    rig_free(&b);
}
END_TEST

START_TEST(test_replay_missing_log_refused_before_the_machine)
{
    struct emu_err err;
    struct record_config rc = { .mode = RECORD_REPLAY, .path = "/nonexistent/x.log", .version = "test" };
    ck_assert_ptr_null(record_open(&rc, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot open input log /nonexistent/x.log"));
}
END_TEST

START_TEST(test_state_hash_text_without_a_log)
{
    char h[96];
    struct emu_err err;
    struct rig a = { 0 };
    path_of(h, sizeof(h), "plain.hash");
    ck_assert_int_eq(one_run(&a, RECORD_OFF, "x", true, NULL, h, &err), 0);
    char *x = slurp(h);
    /* Sections named after the devices, and the console's handed-back bytes. */
    ck_assert_ptr_nonnull(strstr(x, "\n  uart0 "));
    ck_assert_ptr_nonnull(strstr(x, "\n  console "));
    ck_assert_ptr_nonnull(strstr(x, "\n  machine "));
    free(x);
    rig_free(&a);
}
END_TEST

static Suite *record_suite(void)
{
    Suite *s = suite_create("record");
    TCase *tc = tcase_create("log");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_record_replay_same_bytes_times_and_hashes);
    tcase_add_test(tc, test_replay_input_not_taken_diverges_naming_it);
    tcase_add_test(tc, test_replay_on_other_configuration_refused);
    tcase_add_test(tc, test_replay_missing_log_refused_before_the_machine);
    tcase_add_test(tc, test_state_hash_text_without_a_log);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(record_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
