/*
 * Unit tests for core/monitor: the -monitor spec, each command against a
 * small machine (RAM and a virtio-balloon behind its MMIO transport, no
 * vCPUs: the run loop then steps one quantum per round), a session over
 * the Unix socket as a client sees it, stop/cont from another thread,
 * every kind of bad input, and a recorded session replayed from its log
 * with no socket.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/devopts.h"
#include "core/machine.h"
#include "core/monitor.h"
#include "core/options.h"
#include "core/record.h"
#include "virtio/balloon.h"
#include "virtio/virtio.h"
#include "virtio/virtio_mmio.h"
#include "virtq_driver.h"

#define MiB (1ull << 20)
#define RAM_BASE 0x80000000ull
#define RAM_SIZE (16 * MiB)
#define MMIO_BASE 0x10001000ull
#define QSIZE 8
#define RINGS(q) (RAM_BASE + 0x10000 + 0x2000ull * (q))
#define BUF (RAM_BASE + 0x20000)
#define POLL 1000000ull             /* the monitor's poll period at 1 GHz: 1 ms */

/* virtio-mmio registers (virtio 1.2 §4.2.2) and balloon bits (§5.5.3). */
enum {
    R_DRV_FEAT = 0x020, R_DRV_FEAT_SEL = 0x024, R_QUEUE_SEL = 0x030, R_QUEUE_NUM = 0x038, R_QUEUE_READY = 0x044,
    R_QUEUE_NOTIFY = 0x050, R_STATUS = 0x070, R_DESC_LO = 0x080, R_DRIVER_LO = 0x090, R_DEVICE_LO = 0x0a0,
    R_CONFIG = 0x100,
};
#define F_STATS VIRTIO_BIT(1)
#define F_V1 VIRTIO_BIT(VIRTIO_F_VERSION_1)

static char dir[64];

struct rig {
    struct machine m;
    void *bal;                      /* NULL: a machine without a balloon */
    const struct virtio_dev_ops *ops;
    struct virtio_mmio *tr;
    struct vqd q[3];
    struct monitor *mon;
};

static void irq_sink(void *sink, unsigned input, bool level)
{
    (void)sink, (void)input, (void)level;
}

static void rig_build(struct rig *r, bool balloon)
{
    struct machine_config cfg = { .board = "monitor-test", .ram_size = RAM_SIZE, .quantum = 10000,
                                  .core_hz = 1000000000ull };
    struct emu_err err = { "" };
    memset(r, 0, sizeof(*r));
    ck_assert_int_eq(machine_init(&r->m, &cfg, &err), 0);
    ck_assert_int_eq(memmap_add_ram(&r->m.map, RAM_BASE, RAM_SIZE, "ram", &err), 0);
    if (!balloon)
        return;
    struct devopts o;
    struct virtio_env env = { .m = &r->m, .index = 0 };
    ck_assert_int_eq(devopts_parse(&o, "virtio-balloon", &err), 0);
    r->bal = virtio_balloon_desc.create(&env, &o, &r->ops, &err);
    devopts_free(&o);
    ck_assert_msg(r->bal != NULL, "%s", err.msg);
    r->tr = virtio_mmio_create(&r->m, r->ops, r->bal, irq_line_make(irq_sink, r, 1));
    ck_assert_ptr_nonnull(r->tr);
    ck_assert_int_eq(memmap_add_mmio(&r->m.map, MMIO_BASE, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, r->tr, "virtio", &err),
                     0);
    /* As the board registers it: the monitor finds it by this name. */
    ck_assert_int_eq(machine_add_device(&r->m, "virtio-balloon", NULL, r->bal, NULL), 0);
}

static void rig_free(struct rig *r)
{
    monitor_close(r->mon);
    if (r->bal) {
        virtio_balloon_desc.destroy(r->bal);
        virtio_mmio_destroy(r->tr);
    }
    machine_destroy(&r->m);
}

/* A monitor without a socket, started on the rig's machine. */
static void rig_monitor(struct rig *r)
{
    struct emu_err err;
    ck_assert_int_eq(monitor_open(&r->mon, NULL, &err), 0);
    ck_assert_int_eq(monitor_start(r->mon, &r->m, NULL, &err), 0);
}

static uint32_t mr(struct rig *r, uint64_t off) { return (uint32_t)virtio_mmio_ops.read(r->tr, off, 4); }
static void mw(struct rig *r, uint64_t off, uint32_t v) { virtio_mmio_ops.write(r->tr, off, v, 4); }

/* The driver side: features, three queues (inflate, deflate, stats), DRIVER_OK. */
static void rig_driver_start(struct rig *r)
{
    uint64_t f = F_STATS | F_V1;
    mw(r, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    mw(r, R_DRV_FEAT_SEL, 0);
    mw(r, R_DRV_FEAT, (uint32_t)f);
    mw(r, R_DRV_FEAT_SEL, 1);
    mw(r, R_DRV_FEAT, (uint32_t)(f >> 32));
    mw(r, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    for (unsigned q = 0; q < 3; q++) {
        vqd_init(&r->q[q], &r->m, RINGS(q), QSIZE);
        mw(r, R_QUEUE_SEL, q);
        mw(r, R_QUEUE_NUM, QSIZE);
        mw(r, R_DESC_LO, (uint32_t)r->q[q].desc);
        mw(r, R_DRIVER_LO, (uint32_t)r->q[q].avail);
        mw(r, R_DEVICE_LO, (uint32_t)r->q[q].used);
        mw(r, R_QUEUE_READY, 1);
    }
    mw(r, R_STATUS, mr(r, R_STATUS) | VIRTIO_STATUS_DRIVER_OK);
}

/* The guest's statistics buffer (§5.5.6.3): free and total memory. */
static void rig_send_stats(struct rig *r, uint64_t memfree, uint64_t memtot)
{
    const struct { uint16_t tag; uint64_t val; } st[] = { { 4, memfree }, { 5, memtot } };
    for (unsigned i = 0; i < 2; i++) {
        vqd_w16(&r->m, BUF + 10 * i, st[i].tag);
        vqd_w32(&r->m, BUF + 10 * i + 2, (uint32_t)st[i].val);
        vqd_w32(&r->m, BUF + 10 * i + 6, (uint32_t)(st[i].val >> 32));
    }
    struct vqd_seg s = { BUF, 20, 0 };
    vqd_add_chain(&r->q[2], &s, 1);
    mw(r, R_QUEUE_NOTIFY, 2);
}

/* Runs a line; returns its status and leaves the reply in out. */
static int run(struct rig *r, const char *line, char *out, size_t len)
{
    return monitor_execute(r->mon, line, out, len);
}

static void path_of(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/check_monitor.%d", (int)getpid());
    ck_assert_int_eq(mkdir(dir, 0700), 0);
}

static void teardown(void)
{
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* ---- the client side of the socket ---- */

static int client_connect(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct timeval tv = { .tv_sec = 10 };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

static void client_send(int fd, const char *s)
{
    ck_assert_int_eq(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

/* Reads until the text holds `count` prompts, or until EOF when count is 0. */
static char *client_read(int fd, unsigned count)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = calloc(1, cap);
    ck_assert_ptr_nonnull(buf);
    for (;;) {
        unsigned prompts = 0;
        for (const char *p = buf; (p = strstr(p, MONITOR_PROMPT)) != NULL; p++)
            prompts++;
        if (count && prompts >= count)
            break;
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        ck_assert_msg(n >= 0, "no reply from the monitor");
        if (n == 0)
            break;
        len += (size_t)n;
    }
    return buf;
}

static unsigned count_of(const char *text, const char *what)
{
    unsigned n = 0;
    for (const char *p = text; (p = strstr(p, what)) != NULL; p++)
        n++;
    return n;
}

/* A socket monitor on the rig. */
static void rig_socket(struct rig *r, const char *sock, struct record *rec)
{
    char spec[128];
    struct emu_err err;
    snprintf(spec, sizeof(spec), "unix:%s", sock);
    ck_assert_int_eq(monitor_open(&r->mon, spec, &err), 0);
    ck_assert_int_eq(monitor_start(r->mon, &r->m, rec, &err), 0);
}

/* ---- the spec ---- */

START_TEST(test_monitor_spec_none_unix_and_qemu_flags_accepted)
{
    const char *path;
    size_t n;
    struct emu_err err;
    ck_assert_int_eq(monitor_parse_spec("none", &path, &n, &err), 0);
    ck_assert_ptr_null(path);
    ck_assert_int_eq(monitor_parse_spec(NULL, &path, &n, &err), 0);
    ck_assert_ptr_null(path);
    ck_assert_int_eq(monitor_parse_spec("unix:/tmp/m.sock", &path, &n, &err), 0);
    ck_assert_uint_eq(n, 11);
    ck_assert_int_eq(strncmp(path, "/tmp/m.sock", n), 0);
    /* QEMU users write the socket flags; emu always listens and never waits. */
    ck_assert_int_eq(monitor_parse_spec("unix:/tmp/m.sock,server,nowait", &path, &n, &err), 0);
    ck_assert_uint_eq(n, 11);
    ck_assert_int_eq(monitor_parse_spec("unix:/tmp/m.sock,server=on,wait=off", &path, &n, &err), 0);
    ck_assert_uint_eq(n, 11);
}
END_TEST

START_TEST(test_monitor_spec_bad_refused_with_one_line)
{
    char longpath[200];
    memset(longpath, 'a', sizeof(longpath));
    memcpy(longpath, "unix:/", 6);
    longpath[sizeof(longpath) - 1] = '\0';
    const char *bad[] = { "tcp:localhost:4444", "unix:", "unix:,server", "unix:/tmp/m.sock,wait=on",
                          "unix:/tmp/m.sock,telnet", "stdio", "", longpath };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *path = "unset";
        size_t n;
        struct emu_err err = { "" };
        ck_assert_msg(monitor_parse_spec(bad[i], &path, &n, &err) == -1, "'%s' accepted", bad[i]);
        ck_assert_msg(!strncmp(err.msg, "-monitor '", 10), "%s: %s", bad[i], err.msg);
        ck_assert_ptr_null(strchr(err.msg, '\n'));
    }
}
END_TEST

START_TEST(test_monitor_open_refuses_a_file_that_is_not_a_socket)
{
    char file[96], spec[128];
    struct monitor *mon = NULL;
    struct emu_err err;
    path_of(file, sizeof(file), "notes.txt");
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fputs("keep me\n", f);
    fclose(f);
    snprintf(spec, sizeof(spec), "unix:%s", file);
    ck_assert_int_eq(monitor_open(&mon, spec, &err), -1);
    ck_assert_ptr_null(mon);
    ck_assert_ptr_nonnull(strstr(err.msg, "not a socket"));
    ck_assert_int_eq(access(file, F_OK), 0);
    /* A directory that does not exist: cannot listen, said once. */
    snprintf(spec, sizeof(spec), "unix:%s/no/such/dir/m.sock", dir);
    ck_assert_int_eq(monitor_open(&mon, spec, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot listen"));
}
END_TEST

/* ---- commands ---- */

START_TEST(test_monitor_help_lists_every_command)
{
    struct rig r;
    char out[4096];
    rig_build(&r, false);
    rig_monitor(&r);
    ck_assert_int_eq(run(&r, "help", out, sizeof(out)), 0);
    const char *names[] = { "help", "info [status|balloon|ram]", "balloon MIB", "snapshot FILE", "stop", "cont",
                            "quit" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        ck_assert_msg(strstr(out, names[i]) != NULL, "help lacks %s:\n%s", names[i], out);
    ck_assert_int_eq(run(&r, "?", out, sizeof(out)), 0);
    ck_assert_ptr_nonnull(strstr(out, "snapshot FILE"));
    ck_assert_int_eq(run(&r, "info", out, sizeof(out)), 0);
    ck_assert_ptr_nonnull(strstr(out, "info status"));
    ck_assert_ptr_nonnull(strstr(out, "info balloon"));
    ck_assert_ptr_nonnull(strstr(out, "info ram"));
    rig_free(&r);
}
END_TEST

START_TEST(test_monitor_info_status_shows_time_and_instructions)
{
    struct rig r;
    char out[1024];
    rig_build(&r, false);
    rig_monitor(&r);
    r.m.vclock = 2500000000ull;
    ck_assert_int_eq(run(&r, "info status", out, sizeof(out)), 0);
    ck_assert_str_eq(out, "status: running\nvclock: 2500000000 cycles, 2500000000 ns\n");
    /* A 2 GHz clock: the same cycles are half the nanoseconds. */
    r.m.cfg.core_hz = 2000000000ull;
    ck_assert_int_eq(run(&r, "i status", out, sizeof(out)), 0);
    ck_assert_ptr_nonnull(strstr(out, "vclock: 2500000000 cycles, 1250000000 ns\n"));
    rig_free(&r);
}
END_TEST

START_TEST(test_monitor_bad_input_is_one_error_line)
{
    struct rig r;
    char out[1024], line[400];
    rig_build(&r, true);
    rig_monitor(&r);
    const struct {
        const char *line, *says;
    } bad[] = {
        { "frobnicate", "unknown command 'frobnicate'" },
        { "balloon", "usage: balloon MIB" },
        { "balloon 8 9", "usage: balloon MIB" },
        { "balloon abc", "balloon abc: expected a non-zero size" },
        { "balloon -8", "expected a non-zero size" },
        { "balloon 0", "expected a non-zero size" },
        { "balloon 64", "more than the guest's 16 MiB" },
        { "balloon 99999999999999999999", "expected a non-zero size" },
        { "info cpus", "info cpus: no such item" },
        { "snapshot", "usage: snapshot FILE" },
        { "stop now", "usage: stop" },
        { "quit\x01", "control character (0x01)" },
        { "a b c d e f", "too many words" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(run(&r, bad[i].line, out, sizeof(out)) == -1, "'%s' accepted", bad[i].line);
        ck_assert_msg(!strncmp(out, "error: ", 7) && strstr(out, bad[i].says), "'%s': %s", bad[i].line, out);
        ck_assert_msg(strchr(out, '\n') == out + strlen(out) - 1, "'%s': not one line: %s", bad[i].line, out);
    }
    memset(line, 'x', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\0';
    ck_assert_int_eq(run(&r, line, out, sizeof(out)), -1);
    ck_assert_ptr_nonnull(strstr(out, "longer than 255"));
    /* Nothing above moved the target or stopped the machine. */
    ck_assert_uint_eq(mr(&r, R_CONFIG), 0);
    ck_assert_uint_eq(r.m.stop, MACHINE_RUNNING);
    /* A blank line is no command and no error. */
    ck_assert_int_eq(run(&r, "   ", out, sizeof(out)), 0);
    ck_assert_str_eq(out, "");
    rig_free(&r);
}
END_TEST

START_TEST(test_monitor_balloon_sets_the_target_the_driver_reads)
{
    struct rig r;
    char out[1024];
    rig_build(&r, true);
    rig_monitor(&r);
    r.m.vclock = 7000000;
    ck_assert_int_eq(run(&r, "balloon 12", out, sizeof(out)), 0);
    ck_assert_str_eq(out, "balloon: target 12 MiB at cycle 7000000\n");
    /* num_pages (§5.5.4): the 4 MiB the guest should give up, in 4 KiB pages. */
    ck_assert_uint_eq(mr(&r, R_CONFIG), 1024);
    ck_assert_int_eq(run(&r, "balloon 8M", out, sizeof(out)), 0);
    ck_assert_uint_eq(mr(&r, R_CONFIG), 2048);
    ck_assert_int_eq(run(&r, "info balloon", out, sizeof(out)), 0);
    ck_assert_ptr_nonnull(strstr(out, "balloon: actual=16 MiB target=8 MiB\n"));
    ck_assert_ptr_nonnull(strstr(out, "guest statistics: none yet"));
    /* The driver says it holds 1000 pages: actual is what is left. */
    mw(&r, R_CONFIG + 4, 1000);
    ck_assert_int_eq(run(&r, "info balloon", out, sizeof(out)), 0);
    ck_assert_ptr_nonnull(strstr(out, "balloon: actual=12.09 MiB target=8 MiB\n"));
    rig_free(&r);
}
END_TEST

START_TEST(test_monitor_info_balloon_names_the_guest_statistics)
{
    struct rig r;
    char out[2048];
    rig_build(&r, true);
    rig_monitor(&r);
    rig_driver_start(&r);
    rig_send_stats(&r, 5 * MiB, 15 * MiB);
    virtio_balloon_request_stats(r.bal);
    rig_send_stats(&r, 3 * MiB, 15 * MiB);
    ck_assert_int_eq(run(&r, "info balloon", out, sizeof(out)), 0);
    ck_assert_ptr_nonnull(strstr(out, "guest statistics (2 updates):\n"));
    ck_assert_ptr_nonnull(strstr(out, "  free_memory: 3145728\n"));
    ck_assert_ptr_nonnull(strstr(out, "  total_memory: 15728640\n"));
    ck_assert_ptr_null(strstr(out, "swap_in"));     /* not sent: not shown */
    rig_free(&r);
}
END_TEST

START_TEST(test_monitor_queries_change_nothing)
{
    struct rig r;
    char out[2048];
    struct virtio_balloon_stats before, after;
    rig_build(&r, true);
    rig_monitor(&r);
    rig_driver_start(&r);
    rig_send_stats(&r, 5 * MiB, 15 * MiB);
    uint8_t *ram = memmap_host_ptr(&r.m.map, RAM_BASE + 4 * MiB, 2 * MiB);
    ck_assert_ptr_nonnull(ram);
    memset(ram, 0x5a, 2 * MiB);
    virtio_balloon_peek_stats(r.bal, &before);
    size_t events = r.m.evq.len;
    const char *queries[] = { "info status", "info balloon", "info ram", "help", "info" };
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
        ck_assert_int_eq(run(&r, queries[i], out, sizeof(out)), 0);
    virtio_balloon_peek_stats(r.bal, &after);
    ck_assert_int_eq(memcmp(&before, &after, sizeof(before)), 0);
    ck_assert_uint_eq(r.m.evq.len, events);
    ck_assert_uint_eq(r.m.vclock, 0);
    rig_free(&r);
}
END_TEST

START_TEST(test_monitor_info_ram_measures_what_the_guest_touched)
{
    struct rig r;
    char out[1024];
    rig_build(&r, true);
    rig_monitor(&r);
    uint8_t *ram = memmap_host_ptr(&r.m.map, RAM_BASE, 8 * MiB);
    ck_assert_ptr_nonnull(ram);
    memset(ram, 1, 8 * MiB);
    ck_assert_int_eq(run(&r, "info ram", out, sizeof(out)), 0);
    ck_assert_ptr_nonnull(strstr(out, "guest RAM: 16 MiB\n"));
    unsigned long long resident = 0, peak = 0;
    const char *p = strstr(out, "resident: ");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(sscanf(strchr(p, '(') + 1, "%llu", &resident), 1);
    p = strstr(out, "resident peak: ");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(sscanf(strchr(p, '(') + 1, "%llu", &peak), 1);
    ck_assert_uint_ge(resident, 8 * MiB);
    ck_assert_uint_le(resident, RAM_SIZE);
    ck_assert_uint_ge(peak, resident);
    rig_free(&r);
}
END_TEST

START_TEST(test_monitor_without_balloon_says_so)
{
    struct rig r;
    char out[1024];
    rig_build(&r, false);
    rig_monitor(&r);
    ck_assert_int_eq(run(&r, "info balloon", out, sizeof(out)), -1);
    ck_assert_str_eq(out, "error: no balloon device (add -device virtio-balloon)\n");
    ck_assert_int_eq(run(&r, "balloon 8", out, sizeof(out)), -1);
    ck_assert_str_eq(out, "error: no balloon device (add -device virtio-balloon)\n");
    ck_assert_int_eq(run(&r, "info ram", out, sizeof(out)), 0);
    ck_assert_ptr_nonnull(strstr(out, "resident peak: only tracked with a balloon device"));
    rig_free(&r);
}
END_TEST

START_TEST(test_monitor_snapshot_saves_the_boundary_or_says_why_not)
{
    struct rig r;
    char out[1024], file[96], cmd[160];
    rig_build(&r, false);
    rig_monitor(&r);
    r.m.vclock = 3000000;
    path_of(file, sizeof(file), "now.snap");
    snprintf(cmd, sizeof(cmd), "snapshot %s", file);
    ck_assert_int_eq(run(&r, cmd, out, sizeof(out)), 0);
    char want[160];
    snprintf(want, sizeof(want), "snapshot of cycle 3000000 saved to %s\n", file);
    ck_assert_str_eq(out, want);
    ck_assert_int_eq(access(file, R_OK), 0);
    snprintf(cmd, sizeof(cmd), "snapshot %s/no/such/dir/x.snap", dir);
    ck_assert_int_eq(run(&r, cmd, out, sizeof(out)), -1);
    ck_assert_ptr_nonnull(strstr(out, "error: cannot create"));
    ck_assert_uint_eq(r.m.stop, MACHINE_RUNNING);
    rig_free(&r);
}
END_TEST

/* ---- the socket ---- */

START_TEST(test_monitor_socket_session_at_the_first_poll)
{
    struct rig r;
    char sock[96], longline[600];
    rig_build(&r, true);
    path_of(sock, sizeof(sock), "m.sock");
    rig_socket(&r, sock, NULL);
    int fd = client_connect(sock);
    /* Everything at once; a 599-character line among them. */
    memset(longline, 'y', sizeof(longline) - 2);
    longline[sizeof(longline) - 2] = '\n';
    longline[sizeof(longline) - 1] = '\0';
    client_send(fd, "info status\r\nballoon 10\n");
    client_send(fd, longline);
    client_send(fd, "bogus\ninfo balloon\nquit\ninfo status\n");
    ck_assert_uint_eq(machine_run(&r.m), MACHINE_STOP_USER);
    /* With no vCPUs every quantum is a round boundary: the first poll is 1 ms in. */
    ck_assert_uint_eq(r.m.vclock, POLL);
    monitor_close(r.mon);
    r.mon = NULL;
    char *text = client_read(fd, 0);
    ck_assert_msg(!strncmp(text, "emu monitor: help lists the commands\n(emu) ", 43), "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "status: running\nvclock: 1000000 cycles, 1000000 ns\n(emu) "));
    ck_assert_ptr_nonnull(strstr(text, "balloon: target 10 MiB at cycle 1000000\n(emu) "));
    ck_assert_ptr_nonnull(strstr(text, "error: line longer than 255 characters; ignored\n(emu) "));
    ck_assert_ptr_nonnull(strstr(text, "error: unknown command 'bogus'"));
    ck_assert_ptr_nonnull(strstr(text, "balloon: actual=16 MiB target=10 MiB\n"));
    ck_assert_msg(strstr(text, "quit at cycle 1000000\n(emu) ") != NULL, "%s", text);
    /* The line after quit is not run: the machine has stopped. */
    ck_assert_uint_eq(count_of(text, "status: running"), 1);
    /* No part of the long line ran as a command of its own. */
    ck_assert_uint_eq(count_of(text, "error:"), 2);
    ck_assert_uint_eq(mr(&r, R_CONFIG), 1536);
    free(text);
    close(fd);
    ck_assert_int_eq(access(sock, F_OK), -1);        /* removed on close */
    rig_free(&r);
}
END_TEST

START_TEST(test_monitor_second_client_told_busy)
{
    struct rig r;
    char sock[96];
    rig_build(&r, false);
    path_of(sock, sizeof(sock), "m.sock");
    rig_socket(&r, sock, NULL);
    int a = client_connect(sock);
    int b = client_connect(sock);
    client_send(a, "quit\n");
    ck_assert_uint_eq(machine_run(&r.m), MACHINE_STOP_USER);
    char *tb = client_read(b, 0);
    ck_assert_str_eq(tb, "emu monitor: busy with another client\n");
    monitor_close(r.mon);
    r.mon = NULL;
    char *ta = client_read(a, 0);
    ck_assert_ptr_nonnull(strstr(ta, "quit at cycle"));
    free(ta);
    free(tb);
    close(a);
    close(b);
    rig_free(&r);
}
END_TEST

/* A client on its own thread, as a person at the monitor: stop, look,
 * wait a while of host time, look again, cont, quit. */
struct pauser {
    const char *sock;
    char *while_paused;             /* the two info status replies */
    char *after;
};

static void *pauser_run(void *opaque)
{
    struct pauser *p = opaque;
    int fd = client_connect(p->sock);
    free(client_read(fd, 1));
    client_send(fd, "stop\n");
    free(client_read(fd, 1));
    client_send(fd, "info status\n");
    char *first = client_read(fd, 1);
    usleep(200000);
    client_send(fd, "info status\n");
    char *second = client_read(fd, 1);
    size_t n = strlen(first) + strlen(second) + 1;
    p->while_paused = malloc(n);
    snprintf(p->while_paused, n, "%s%s", first, second);
    free(first);
    free(second);
    client_send(fd, "cont\nquit\n");
    p->after = client_read(fd, 2);
    close(fd);
    return NULL;
}

START_TEST(test_monitor_stop_holds_virtual_time_until_cont)
{
    struct rig r;
    char sock[96];
    pthread_t t;
    rig_build(&r, false);
    path_of(sock, sizeof(sock), "m.sock");
    rig_socket(&r, sock, NULL);
    struct pauser p = { .sock = sock };
    ck_assert_int_eq(pthread_create(&t, NULL, pauser_run, &p), 0);
    ck_assert_uint_eq(machine_run(&r.m), MACHINE_STOP_USER);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    /* Both looks, 200 ms of host time apart, saw the same cycle, and the
     * run ended there: while paused the machine did not move. */
    char want[96];
    snprintf(want, sizeof(want), "status: paused\nvclock: %llu cycles", (unsigned long long)r.m.vclock);
    ck_assert_msg(count_of(p.while_paused, want) == 2, "%s (ended at %llu)", p.while_paused,
                  (unsigned long long)r.m.vclock);
    ck_assert_ptr_nonnull(strstr(p.after, "running from cycle"));
    ck_assert_ptr_nonnull(strstr(p.after, "quit at cycle"));
    ck_assert_uint_eq(r.m.vclock % POLL, 0);
    free(p.while_paused);
    free(p.after);
    rig_free(&r);
}
END_TEST

/* ---- record and replay ---- */

static struct record *rig_record(enum record_mode mode, const char *log)
{
    struct emu_err err = { "" };
    struct record_config rc = { .mode = mode, .path = log, .hash_interval = 500000, .version = "test" };
    struct record *rec = record_open(&rc, NULL, &err);
    ck_assert_msg(rec != NULL, "%s", err.msg);
    return rec;
}

/* The client's second batch, typed between the first poll and the second. */
struct later {
    int fd;
    const char *text;
};

static uint64_t type_later(struct machine *m, void *opaque)
{
    struct later *l = opaque;
    (void)m;
    client_send(l->fd, l->text);
    return UINT64_MAX;
}

/* What the driver reads in num_pages, once the first poll is over. */
struct probe {
    struct rig *r;
    uint32_t num_pages;
};

static uint64_t probe_target(struct machine *m, void *opaque)
{
    struct probe *p = opaque;
    (void)m;
    p->num_pages = mr(p->r, R_CONFIG);
    return UINT64_MAX;
}

/* One replay of log on a fresh rig; sock NULL: no socket. Returns
 * record_finish's status; *at_first is num_pages after the first poll. */
static int replay_once(struct rig *r, const char *log, const char *sock, uint32_t *at_first, struct emu_err *err)
{
    struct emu_err e = { "" };
    rig_build(r, true);
    struct record *rec = rig_record(RECORD_REPLAY, log);
    if (sock) {
        rig_socket(r, sock, rec);
    } else {
        ck_assert_int_eq(monitor_open(&r->mon, NULL, &e), 0);
        ck_assert_int_eq(monitor_start(r->mon, &r->m, rec, &e), 0);
    }
    ck_assert_msg(record_start(rec, &r->m, &e) == 0, "%s", e.msg);
    struct probe p = { r, 0 };
    ck_assert_int_eq(machine_add_observer(&r->m, POLL + 1, probe_target, &p), 0);
    int fd = sock ? client_connect(sock) : -1;
    if (fd >= 0)
        client_send(fd, "balloon 4\ninfo status\n");
    machine_run(&r->m);
    int rc = record_finish(rec, err);
    record_free(rec);
    if (fd >= 0) {
        monitor_close(r->mon);
        r->mon = NULL;
        char *text = client_read(fd, 0);
        ck_assert_msg(strstr(text, "error: balloon: this run is a replay; what changes it comes from its log\n"),
                      "%s", text);
        ck_assert_ptr_nonnull(strstr(text, "status: running"));
        free(text);
        close(fd);
    }
    *at_first = p.num_pages;
    return rc;
}

START_TEST(test_monitor_commands_logged_and_replayed_at_their_cycles)
{
    struct rig a, b, c;
    char log[96], sock[96];
    struct emu_err err = { "" };
    path_of(log, sizeof(log), "run.log");
    path_of(sock, sizeof(sock), "m.sock");

    /* Recording: a target at the first poll (1 ms), a new one and quit at the second. */
    rig_build(&a, true);
    struct record *rec = rig_record(RECORD_WRITE, log);
    rig_socket(&a, sock, rec);
    ck_assert_int_eq(record_start(rec, &a.m, &err), 0);
    int fd = client_connect(sock);
    client_send(fd, "balloon 12\ninfo status\nstop\ncont\nballoon 99\n");
    struct later l = { fd, "balloon 10\nquit\n" };
    ck_assert_int_eq(machine_add_observer(&a.m, POLL + 1, type_later, &l), 0);
    ck_assert_uint_eq(machine_run(&a.m), MACHINE_STOP_USER);
    ck_assert_uint_eq(a.m.vclock, 2 * POLL);
    ck_assert_uint_eq(mr(&a, R_CONFIG), 1536);
    ck_assert_msg(record_finish(rec, &err) == 0, "%s", err.msg);
    record_free(rec);
    rig_free(&a);
    close(fd);

    /* Replay with no socket: the same targets at the same cycles, the same end. */
    uint32_t first = 0;
    int rc = replay_once(&b, log, NULL, &first, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    ck_assert_uint_eq(first, 1024);
    ck_assert_uint_eq(mr(&b, R_CONFIG), 1536);
    ck_assert_uint_eq(b.m.stop, MACHINE_STOP_USER);
    ck_assert_uint_eq(b.m.vclock, 2 * POLL);
    rig_free(&b);

    /* Replay with a socket: queries are answered, a new target is refused. */
    rc = replay_once(&c, log, sock, &first, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    ck_assert_uint_eq(first, 1024);
    ck_assert_uint_eq(mr(&c, R_CONFIG), 1536);
    ck_assert_uint_eq(c.m.vclock, 2 * POLL);
    rig_free(&c);
}
END_TEST

static uint64_t user_stop(struct machine *m, void *opaque)
{
    (void)opaque;
    machine_request_stop(m, MACHINE_STOP_USER, 0);
    return UINT64_MAX;
}

/* Records a run that stops at 2 ms with cmd logged at cycle at (through
 * the record API, as a damaged or foreign log could hold it), replays it
 * and returns record_finish's status. */
static int replay_logged(const char *log, uint64_t at, const char *cmd, struct emu_err *err)
{
    struct rig a, b;
    struct emu_err e = { "" };
    rig_build(&a, true);
    struct record *rec = rig_record(RECORD_WRITE, log);
    ck_assert_int_eq(record_start(rec, &a.m, &e), 0);
    ck_assert_int_eq(machine_add_observer(&a.m, 2 * POLL, user_stop, NULL), 0);
    record_monitor_log(rec, at, cmd);
    machine_run(&a.m);
    ck_assert_msg(record_finish(rec, &e) == 0, "%s", e.msg);
    record_free(rec);
    rig_free(&a);

    rig_build(&b, true);
    rec = rig_record(RECORD_REPLAY, log);
    ck_assert_int_eq(monitor_open(&b.mon, NULL, &e), 0);
    ck_assert_int_eq(monitor_start(b.mon, &b.m, rec, &e), 0);
    ck_assert_msg(record_start(rec, &b.m, &e) == 0, "%s", e.msg);
    machine_run(&b.m);
    int rc = record_finish(rec, err);
    record_free(rec);
    rig_free(&b);
    return rc;
}

START_TEST(test_monitor_replay_of_a_command_it_cannot_apply_diverges)
{
    char log[96];
    struct emu_err err = { "" };
    path_of(log, sizeof(log), "bad.log");
    /* Not a round boundary: the replay is past it before it can apply it. */
    ck_assert_int_eq(replay_logged(log, 1234567, "balloon 12", &err), -1);
    ck_assert_msg(strstr(err.msg, "diverged: the monitor command 'balloon 12' recorded at cycle 1234567 was not "
                                  "applied by cycle 1240000"), "%s", err.msg);
    /* A command this machine refuses. */
    ck_assert_int_eq(replay_logged(log, POLL, "balloon 64", &err), -1);
    ck_assert_msg(strstr(err.msg, "diverged: the monitor command 'balloon 64' at cycle 1000000 failed: error: "
                                  "virtio-balloon: target 64 MiB"), "%s", err.msg);
    /* After the recorded end: never applied. */
    ck_assert_int_eq(replay_logged(log, 5 * POLL, "quit", &err), -1);
    ck_assert_msg(strstr(err.msg, "the monitor command 'quit' recorded at cycle 5000000 was not applied"), "%s",
                  err.msg);
}
END_TEST

START_TEST(test_monitor_option_on_the_command_line)
{
    struct options o;
    struct emu_err err = { "" };
    char *unix_argv[] = { "emu", "-monitor", "unix:/tmp/emu.sock,server,nowait", NULL };
    ck_assert_int_eq(options_parse(&o, 3, unix_argv, &err), 0);
    ck_assert_str_eq(o.monitor_spec, "unix:/tmp/emu.sock,server,nowait");
    char *none_argv[] = { "emu", "--monitor=none", NULL };
    ck_assert_int_eq(options_parse(&o, 2, none_argv, &err), 0);
    ck_assert_ptr_null(o.monitor_spec);
    char *bad_argv[] = { "emu", "-monitor", "telnet::4444", NULL };
    ck_assert_int_eq(options_parse(&o, 3, bad_argv, &err), -1);
    ck_assert_str_eq(err.msg, "-monitor 'telnet::4444': expected unix:PATH or none");
    char *help = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&help, &len);
    ck_assert_ptr_nonnull(f);
    options_print_help(f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(help, "-monitor unix:PATH|none"));
    free(help);
}
END_TEST

static Suite *monitor_suite(void)
{
    Suite *s = suite_create("monitor");
    TCase *tc = tcase_create("monitor");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_monitor_spec_none_unix_and_qemu_flags_accepted);
    tcase_add_test(tc, test_monitor_spec_bad_refused_with_one_line);
    tcase_add_test(tc, test_monitor_open_refuses_a_file_that_is_not_a_socket);
    tcase_add_test(tc, test_monitor_help_lists_every_command);
    tcase_add_test(tc, test_monitor_info_status_shows_time_and_instructions);
    tcase_add_test(tc, test_monitor_bad_input_is_one_error_line);
    tcase_add_test(tc, test_monitor_balloon_sets_the_target_the_driver_reads);
    tcase_add_test(tc, test_monitor_info_balloon_names_the_guest_statistics);
    tcase_add_test(tc, test_monitor_queries_change_nothing);
    tcase_add_test(tc, test_monitor_info_ram_measures_what_the_guest_touched);
    tcase_add_test(tc, test_monitor_without_balloon_says_so);
    tcase_add_test(tc, test_monitor_snapshot_saves_the_boundary_or_says_why_not);
    tcase_add_test(tc, test_monitor_socket_session_at_the_first_poll);
    tcase_add_test(tc, test_monitor_second_client_told_busy);
    tcase_add_test(tc, test_monitor_stop_holds_virtual_time_until_cont);
    tcase_add_test(tc, test_monitor_commands_logged_and_replayed_at_their_cycles);
    tcase_add_test(tc, test_monitor_replay_of_a_command_it_cannot_apply_diverges);
    tcase_add_test(tc, test_monitor_option_on_the_command_line);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(monitor_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
