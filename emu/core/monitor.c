/*
 * The monitor's socket and its place in the run (see monitor.h).
 *
 * A machine observer looks at the socket at the first round boundary at
 * or after each multiple of the poll period (1 ms of virtual time):
 * it accepts a client, reads what it sent without blocking, and runs
 * each whole line. Nothing is read ahead of a line's newline beyond
 * MONITOR_LINE_MAX bytes: a longer line is refused and skipped. While a
 * stop command holds the machine, the observer waits for the client
 * (blocking, with the terminal's Ctrl-A X still honoured) and the run
 * loop, and with it virtual time, stays where it is.
 *
 * In a replay the same observer also comes at each logged command's
 * cycle, which was a round boundary of the recording and so is one of
 * the replay's, and applies the command there.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/chardev.h"
#include "core/machine.h"
#include "core/monitor_int.h"
#include "core/record.h"

#define MON_REPLY_MAX 8192u
#define MON_LINES_PER_POLL 64       /* a flood is served over several polls */
#define MON_WAIT_MS 100             /* paused: how often the terminal is looked at */
#define MON_SEND_TIMEOUT_S 2        /* a client that does not read its replies is dropped */

static const char mon_greeting[] = "emu monitor: help lists the commands\n";

/* ---- the spec ---- */

/* QEMU's socket flags that describe what emu always does. */
static bool mon_flag_implied(const char *f, size_t n)
{
    static const char *const implied[] = { "server", "server=on", "nowait", "wait=off" };
    for (size_t i = 0; i < sizeof(implied) / sizeof(implied[0]); i++) {
        if (strlen(implied[i]) == n && !strncmp(f, implied[i], n))
            return true;
    }
    return false;
}

int monitor_parse_spec(const char *spec, const char **path, size_t *path_len, struct emu_err *err)
{
    *path = NULL;
    *path_len = 0;
    if (!spec || !strcmp(spec, "none"))
        return 0;
    if (strncmp(spec, "unix:", 5))
        return emu_errf(err, "-monitor '%s': expected unix:PATH or none", spec);
    const char *p = spec + 5;
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    if (n == 0)
        return emu_errf(err, "-monitor '%s': unix: needs the path of the socket to create", spec);
    if (n >= sizeof(((struct sockaddr_un *)0)->sun_path))
        return emu_errf(err, "-monitor '%s': the socket path is longer than %zu bytes", spec,
                        sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
    while (comma) {
        const char *f = comma + 1;
        comma = strchr(f, ',');
        size_t fn = comma ? (size_t)(comma - f) : strlen(f);
        if (!mon_flag_implied(f, fn))
            return emu_errf(err, "-monitor '%s': '%.*s' is not supported (server and nowait are implied)", spec,
                            (int)fn, f);
    }
    *path = p;
    *path_len = n;
    return 0;
}

/* ---- open and close ---- */

static int mon_listen(struct monitor *mon, struct emu_err *err)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct stat st;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", mon->path);
    /* As QEMU does: a socket left by an earlier run is replaced. */
    if (lstat(mon->path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return emu_errf(err, "-monitor unix:%s: the file exists and is not a socket", mon->path);
        unlink(mon->path);
    }
    mon->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (mon->listen_fd < 0)
        return emu_errf(err, "-monitor unix:%s: cannot create a socket: %s", mon->path, strerror(errno));
    if (bind(mon->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(mon->listen_fd, 4) < 0) {
        int e = errno;
        close(mon->listen_fd);
        mon->listen_fd = -1;
        return emu_errf(err, "-monitor unix:%s: cannot listen: %s", mon->path, strerror(e));
    }
    return 0;
}

int monitor_open(struct monitor **out, const char *spec, struct emu_err *err)
{
    const char *path;
    size_t n;
    *out = NULL;
    if (monitor_parse_spec(spec, &path, &n, err) < 0)
        return -1;
    struct monitor *mon = calloc(1, sizeof(*mon));
    if (!mon)
        return emu_errf(err, "out of memory");
    mon->listen_fd = mon->client_fd = -1;
    if (path) {
        mon->path = strndup(path, n);
        if (!mon->path) {
            free(mon);
            return emu_errf(err, "out of memory");
        }
        if (mon_listen(mon, err) < 0) {
            free(mon->path);
            free(mon);
            return -1;
        }
    }
    *out = mon;
    return 0;
}

static void mon_drop_client(struct monitor *mon)
{
    if (mon->client_fd >= 0)
        close(mon->client_fd);
    mon->client_fd = -1;
    mon->len = 0;
    mon->discarding = false;
}

void monitor_close(struct monitor *mon)
{
    if (!mon)
        return;
    mon_drop_client(mon);
    if (mon->listen_fd >= 0) {
        close(mon->listen_fd);
        unlink(mon->path);
    }
    free(mon->path);
    free(mon);
}

bool monitor_paused(const struct monitor *mon)
{
    return mon && mon->paused;
}

/* ---- the client ---- */

/* Writes all of buf; a client that does not take it is dropped. */
static void mon_send(struct monitor *mon, const char *buf, size_t n)
{
    while (n && mon->client_fd >= 0) {
        ssize_t w = send(mon->client_fd, buf, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            mon_drop_client(mon);
            return;
        }
        buf += w;
        n -= (size_t)w;
    }
}

static void mon_send_str(struct monitor *mon, const char *s)
{
    mon_send(mon, s, strlen(s));
}

/* Takes a waiting client, or tells it the monitor is busy. */
static void mon_accept(struct monitor *mon)
{
    for (;;) {
        int fd = accept(mon->listen_fd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        /* Linux does not pass the listening socket's O_NONBLOCK on: reads
         * say MSG_DONTWAIT, writes may wait (up to the timeout). */
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        struct timeval tv = { .tv_sec = MON_SEND_TIMEOUT_S };
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (mon->client_fd >= 0) {
            static const char busy[] = "emu monitor: busy with another client\n";
            (void)send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            close(fd);
            continue;
        }
        mon->client_fd = fd;
        mon_send_str(mon, mon_greeting);
        mon_send_str(mon, MONITOR_PROMPT);
    }
}

/* Runs one line from the client and sends the reply and the prompt. */
static void mon_client_line(struct monitor *mon, const char *line)
{
    char buf[MON_REPLY_MAX];
    struct monitor_reply out = { buf, 0, sizeof(buf), false };
    buf[0] = '\0';
    mon_run_line(mon, line, false, &out);
    mon_send(mon, buf, out.len);
    mon_send_str(mon, MONITOR_PROMPT);
}

/* Runs the whole lines in the buffer, at most *budget of them. */
static void mon_run_buffered(struct monitor *mon, int *budget)
{
    char *nl;
    while (*budget > 0 && mon->client_fd >= 0 && mon->m->stop == MACHINE_RUNNING &&
           (nl = memchr(mon->line, '\n', mon->len))) {
        size_t n = (size_t)(nl - mon->line);
        *nl = '\0';
        if (n && nl[-1] == '\r')
            nl[-1] = '\0';
        mon_client_line(mon, mon->line);
        if (mon->client_fd < 0)
            return;
        memmove(mon->line, nl + 1, mon->len - n - 1);
        mon->len -= n + 1;
        (*budget)--;
    }
}

/* Reads what the client sent and runs its lines; never blocks. */
static void mon_serve(struct monitor *mon)
{
    int budget = MON_LINES_PER_POLL;
    while (mon->client_fd >= 0 && budget > 0 && mon->m->stop == MACHINE_RUNNING) {
        mon_run_buffered(mon, &budget);
        if (mon->client_fd < 0 || budget == 0 || mon->m->stop != MACHINE_RUNNING)
            return;
        if (mon->len == sizeof(mon->line)) {
            /* A full buffer without a newline: refuse the line, skip to its end. */
            char msg[96];
            snprintf(msg, sizeof(msg), "error: line longer than %u characters; ignored\n", MONITOR_LINE_MAX - 1);
            mon_send_str(mon, msg);
            mon_send_str(mon, MONITOR_PROMPT);
            mon->len = 0;
            mon->discarding = true;
        }
        ssize_t r = recv(mon->client_fd, mon->line + mon->len, sizeof(mon->line) - mon->len, MSG_DONTWAIT);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r <= 0) {
            mon_drop_client(mon);
            return;
        }
        mon->len += (size_t)r;
        if (mon->discarding) {
            char *nl = memchr(mon->line, '\n', mon->len);
            size_t drop = nl ? (size_t)(nl - mon->line) + 1 : mon->len;
            memmove(mon->line, mon->line + drop, mon->len - drop);
            mon->len -= drop;
            mon->discarding = nl == NULL;
        }
    }
}

/* Paused: waits until the socket or the terminal has something. Host
 * time only decides when emu looks again, never what the guest sees. */
static void mon_wait(struct monitor *mon)
{
    struct pollfd p[2] = { { .fd = mon->listen_fd, .events = POLLIN }, { .fd = mon->client_fd, .events = POLLIN } };
    if (poll(p, mon->client_fd >= 0 ? 2 : 1, MON_WAIT_MS) < 0 && errno != EINTR)
        return;
    struct chardev *con = mon->m->console;
    chardev_poll(con);
    if (con && chardev_quit_requested(con))
        mon->paused = false;        /* the run loop stops on it next */
}

/* ---- the observer ---- */

/* A replay: applies the logged commands due at this boundary. */
static void mon_apply_logged(struct monitor *mon)
{
    struct machine *m = mon->m;
    uint64_t at;
    const char *cmd;
    while (m->stop == MACHINE_RUNNING && (cmd = record_monitor_next(mon->rec, &at)) && at <= m->vclock) {
        char buf[512];
        struct monitor_reply out = { buf, 0, sizeof(buf), false };
        buf[0] = '\0';
        if (at < m->vclock) {
            record_diverge(mon->rec, "the monitor command '%.60s' recorded at cycle %" PRIu64
                           " was not applied by cycle %" PRIu64, cmd, at, m->vclock);
            return;
        }
        if (mon_run_line(mon, cmd, true, &out) < 0) {
            buf[strcspn(buf, "\n")] = '\0';
            record_diverge(mon->rec, "the monitor command '%.60s' at cycle %" PRIu64 " failed: %.80s", cmd, at,
                           buf);
            return;
        }
        record_monitor_done(mon->rec);
    }
}

static uint64_t mon_next_time(const struct monitor *mon)
{
    const struct machine *m = mon->m;
    uint64_t next = UINT64_MAX, at;
    if (mon->listen_fd >= 0 && m->vclock / mon->period < UINT64_MAX / mon->period)
        next = (m->vclock / mon->period + 1) * mon->period;
    if (record_monitor_next(mon->rec, &at) && at < next)
        next = at > m->vclock ? at : m->vclock + 1;
    return next;
}

static uint64_t monitor_observe(struct machine *m, void *opaque)
{
    struct monitor *mon = opaque;
    mon_apply_logged(mon);
    if (mon->listen_fd >= 0) {
        mon_accept(mon);
        mon_serve(mon);
        while (mon->paused && m->stop == MACHINE_RUNNING) {
            mon_wait(mon);
            mon_accept(mon);
            mon_serve(mon);
        }
    }
    return m->stop == MACHINE_RUNNING ? mon_next_time(mon) : UINT64_MAX;
}

int monitor_start(struct monitor *mon, struct machine *m, struct record *rec, struct emu_err *err)
{
    uint64_t at;
    mon->m = m;
    mon->rec = rec;
    mon->period = (uint64_t)((unsigned __int128)MONITOR_PERIOD_NS * m->cfg.core_hz / 1000000000u);
    if (mon->period == 0)
        mon->period = 1;
    if (mon->listen_fd < 0 && !record_monitor_next(rec, &at))
        return 0;
    if (machine_add_observer(m, mon_next_time(mon), monitor_observe, mon) < 0)
        return emu_errf(err, "-monitor: too many observers of the run");
    return 0;
}

int monitor_execute(struct monitor *mon, const char *line, char *buf, size_t len)
{
    struct monitor_reply out = { buf, 0, len, false };
    if (len)
        buf[0] = '\0';
    if (!mon->m)
        return mon_error(&out, "the machine is not built yet");
    return mon_run_line(mon, line, false, &out);
}
