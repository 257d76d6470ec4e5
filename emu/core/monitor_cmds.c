/*
 * The monitor's commands, with QEMU's HMP names where QEMU has one, as a
 * table of {name, arguments, help, handler}. Every handler runs between
 * two rounds of the run loop (monitor.c), where every vCPU has reached
 * vclock, so "now" is one cycle for the whole machine.
 *
 * Commands flagged MON_CHANGES_RUN are inputs to the run: once they
 * succeed they are logged (core/record.h) with the cycle they took
 * effect at, and in a replay only the log may give them. The others only
 * read the machine (info, snapshot) or hold it where it is (stop, cont).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "core/memmap.h"
#include "core/monitor_int.h"
#include "core/options.h"
#include "core/record.h"
#include "core/snapshot.h"
#include "exec/exec.h"
#include "virtio/balloon.h"

#define MON_MAX_ARGS 4
#define MiB ((uint64_t)1 << 20)

enum { MON_CHANGES_RUN = 1u << 0 };

struct mon_cmd {
    const char *name;
    const char *alias;          /* QEMU's short spelling, or NULL */
    const char *args;           /* for help */
    const char *help;
    unsigned min_args, max_args;
    unsigned flags;
    int (*run)(struct monitor *mon, int argc, char **argv, struct monitor_reply *out);
};

/* ---- replies ---- */

static void mon_vreply(struct monitor_reply *out, const char *fmt, va_list ap)
{
    if (out->cut || out->cap == 0)
        return;
    size_t room = out->cap - out->len;
    int n = vsnprintf(out->buf + out->len, room, fmt, ap);
    if (n >= 0 && (size_t)n < room) {
        out->len += (size_t)n;
        return;
    }
    /* Keep what fits and say that something is missing. */
    out->cut = true;
    out->len = out->cap - 1;
    if (out->cap >= 5)
        memcpy(out->buf + out->cap - 5, "...\n", 5);
}

void mon_reply(struct monitor_reply *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mon_vreply(out, fmt, ap);
    va_end(ap);
}

int mon_error(struct monitor_reply *out, const char *fmt, ...)
{
    va_list ap;
    out->len = 0;
    out->cut = false;
    if (out->cap)
        out->buf[0] = '\0';
    mon_reply(out, "error: ");
    va_start(ap, fmt);
    mon_vreply(out, fmt, ap);
    va_end(ap);
    mon_reply(out, "\n");
    return -1;
}

/* ---- helpers ---- */

static uint64_t mon_ns(const struct machine *m, uint64_t cycles)
{
    uint64_t hz = m->cfg.core_hz;
    return hz ? (uint64_t)((unsigned __int128)cycles * 1000000000u / hz) : 0;
}

/* Bytes as MiB: whole when exact, else with two decimals. */
static const char *mon_mib(uint64_t bytes, char *buf, size_t len)
{
    if (bytes % MiB == 0)
        snprintf(buf, len, "%" PRIu64 " MiB", bytes / MiB);
    else
        snprintf(buf, len, "%.2f MiB", (double)bytes / (double)MiB);
    return buf;
}

/* The first virtio-balloon of the machine, or NULL. */
static void *mon_balloon(const struct machine *m)
{
    for (unsigned i = 0; i < m->ndevices; i++) {
        if (m->devices[i].name && !strcmp(m->devices[i].name, "virtio-balloon"))
            return m->devices[i].dev;
    }
    return NULL;
}

static int mon_no_balloon(struct monitor_reply *out)
{
    return mon_error(out, "no balloon device (add -device virtio-balloon)");
}

/* ---- info ---- */

static int info_status(struct monitor *mon, struct monitor_reply *out)
{
    const struct machine *m = mon->m;
    mon_reply(out, "status: %s\n", mon->paused ? "paused" : "running");
    mon_reply(out, "vclock: %" PRIu64 " cycles, %" PRIu64 " ns\n", m->vclock, mon_ns(m, m->vclock));
    for (unsigned i = 0; i < m->ncpus; i++)
        mon_reply(out, "cpu%u: %" PRIu64 " instructions retired, %" PRIu64 " cycles\n", i, m->cpus[i]->insns,
                  m->cpus[i]->cycles);
    return 0;
}

/* What the guest last said through the statistics queue (virtio 1.2
 * §5.5.6.3); a query reads the device's counters without sampling, so it
 * leaves the run and its --stats alone. */
static int info_balloon(struct monitor *mon, struct monitor_reply *out)
{
    void *b = mon_balloon(mon->m);
    struct virtio_balloon_stats s;
    char a[32], t[32];
    if (!b)
        return mon_no_balloon(out);
    virtio_balloon_peek_stats(b, &s);
    uint64_t ram = mon->m->cfg.ram_size;
    uint64_t actual = s.balloon_bytes < ram ? ram - s.balloon_bytes : 0;
    mon_reply(out, "balloon: actual=%s target=%s\n", mon_mib(actual, a, sizeof(a)),
              mon_mib(s.target_bytes, t, sizeof(t)));
    if (!s.guest_updates) {
        mon_reply(out, "guest statistics: none yet (the device asks for them every "
                       "guest-stats-polling-interval=SECONDS)\n");
        return 0;
    }
    mon_reply(out, "guest statistics (%" PRIu64 " updates):\n", s.guest_updates);
    for (unsigned tag = 0; tag < VIRTIO_BALLOON_S_NR; tag++) {
        if (s.guest_valid & (1ull << tag))
            mon_reply(out, "  %s: %" PRIu64 "\n", virtio_balloon_stat_name(tag), s.guest[tag]);
    }
    return 0;
}

/* Host memory behind guest RAM, measured now, as --stats measures it for
 * the balloon (core/memmap.h); its peak is the balloon's, which samples
 * before every release. Measuring changes nothing. */
static int info_ram(struct monitor *mon, struct monitor_reply *out)
{
    struct machine *m = mon->m;
    uint64_t now = memmap_ram_resident(&m->map);
    void *b = mon_balloon(m);
    char r[32], p[32];
    mon_reply(out, "guest RAM: %s\n", mon_mib(m->cfg.ram_size, r, sizeof(r)));
    mon_reply(out, "resident: %s (%" PRIu64 " bytes)\n", mon_mib(now, r, sizeof(r)), now);
    if (!b) {
        mon_reply(out, "resident peak: only tracked with a balloon device\n");
        return 0;
    }
    struct virtio_balloon_stats s;
    virtio_balloon_peek_stats(b, &s);
    uint64_t peak = s.ram_resident_peak_bytes > now ? s.ram_resident_peak_bytes : now;
    mon_reply(out, "resident peak: %s (%" PRIu64 " bytes)\n", mon_mib(peak, p, sizeof(p)), peak);
    mon_reply(out, "released by the balloon: %s\n", mon_mib(s.bytes_released, p, sizeof(p)));
    return 0;
}

static const struct {
    const char *name;
    const char *help;
    int (*run)(struct monitor *mon, struct monitor_reply *out);
} info_table[] = {
    { "status", "running or paused, virtual time, instructions per vCPU", info_status },
    { "balloon", "balloon size and target, the guest's memory statistics", info_balloon },
    { "ram", "host memory behind guest RAM now, and its peak", info_ram },
};

#define INFO_COUNT (sizeof(info_table) / sizeof(info_table[0]))

static int cmd_info(struct monitor *mon, int argc, char **argv, struct monitor_reply *out)
{
    if (argc == 1) {
        for (size_t i = 0; i < INFO_COUNT; i++)
            mon_reply(out, "info %-10s %s\n", info_table[i].name, info_table[i].help);
        return 0;
    }
    for (size_t i = 0; i < INFO_COUNT; i++) {
        if (!strcmp(argv[1], info_table[i].name))
            return info_table[i].run(mon, out);
    }
    return mon_error(out, "info %s: no such item (info lists them)", argv[1]);
}

/* ---- commands ---- */

static int cmd_help(struct monitor *mon, int argc, char **argv, struct monitor_reply *out);

static int cmd_balloon(struct monitor *mon, int argc, char **argv, struct monitor_reply *out)
{
    void *b = mon_balloon(mon->m);
    uint64_t bytes;
    struct emu_err err;
    char t[32];
    (void)argc;
    if (!b)
        return mon_no_balloon(out);
    /* QEMU's argument is MiB; a K/M/G suffix is also taken, as with -m. */
    if (options_parse_size(argv[1], &bytes) < 0)
        return mon_error(out, "balloon %s: expected a non-zero size in MiB (or with a K/M/G suffix)", argv[1]);
    if (virtio_balloon_set_target(b, bytes, &err) < 0)
        return mon_error(out, "%s", err.msg);
    mon_reply(out, "balloon: target %s at cycle %" PRIu64 "\n", mon_mib(bytes, t, sizeof(t)), mon->m->vclock);
    return 0;
}

static int cmd_snapshot(struct monitor *mon, int argc, char **argv, struct monitor_reply *out)
{
    struct emu_err err;
    (void)argc;
    if (snapshot_save(mon->m, argv[1], &err) < 0)
        return mon_error(out, "%s", err.msg);
    mon_reply(out, "snapshot of cycle %" PRIu64 " saved to %s\n", mon->m->vclock, argv[1]);
    return 0;
}

static int cmd_stop(struct monitor *mon, int argc, char **argv, struct monitor_reply *out)
{
    (void)argc, (void)argv;
    mon->paused = true;
    mon_reply(out, "paused at cycle %" PRIu64 "\n", mon->m->vclock);
    return 0;
}

static int cmd_cont(struct monitor *mon, int argc, char **argv, struct monitor_reply *out)
{
    (void)argc, (void)argv;
    mon->paused = false;
    mon_reply(out, "running from cycle %" PRIu64 "\n", mon->m->vclock);
    return 0;
}

/* As Ctrl-A X: the run ends at this boundary with exit status 0. */
static int cmd_quit(struct monitor *mon, int argc, char **argv, struct monitor_reply *out)
{
    (void)argc, (void)argv;
    mon->paused = false;
    machine_request_stop(mon->m, MACHINE_STOP_USER, 0);
    mon_reply(out, "quit at cycle %" PRIu64 "\n", mon->m->vclock);
    return 0;
}

static const struct mon_cmd mon_table[] = {
    { "help", "?", "", "list the commands", 0, 0, 0, cmd_help },
    { "info", "i", "[status|balloon|ram]", "show the machine's state (info alone lists the items)", 0, 1, 0,
      cmd_info },
    { "balloon", NULL, "MIB", "ask the guest to keep MIB of RAM (virtio-balloon target)", 1, 1, MON_CHANGES_RUN,
      cmd_balloon },
    { "snapshot", NULL, "FILE", "save the whole machine to FILE now (as --snapshot-at)", 1, 1, 0, cmd_snapshot },
    { "stop", NULL, "", "pause: virtual time stands still until cont", 0, 0, 0, cmd_stop },
    { "cont", "c", "", "resume after stop", 0, 0, 0, cmd_cont },
    { "quit", "q", "", "end the run now, as Ctrl-A X (exit status 0)", 0, 0, MON_CHANGES_RUN, cmd_quit },
};

#define CMD_COUNT (sizeof(mon_table) / sizeof(mon_table[0]))

static int cmd_help(struct monitor *mon, int argc, char **argv, struct monitor_reply *out)
{
    (void)mon, (void)argc, (void)argv;
    for (size_t i = 0; i < CMD_COUNT; i++) {
        char left[48];
        snprintf(left, sizeof(left), "%s%s%s", mon_table[i].name, *mon_table[i].args ? " " : "",
                 mon_table[i].args);
        mon_reply(out, "%-28s %s\n", left, mon_table[i].help);
    }
    return 0;
}

static const struct mon_cmd *mon_find(const char *name)
{
    for (size_t i = 0; i < CMD_COUNT; i++) {
        if (!strcmp(name, mon_table[i].name) || (mon_table[i].alias && !strcmp(name, mon_table[i].alias)))
            return &mon_table[i];
    }
    return NULL;
}

/* Splits buf in place on blanks; -1 when there are more than max words. */
static int mon_split(char *buf, char **argv, int max)
{
    int argc = 0;
    for (char *p = buf; *p;) {
        while (*p == ' ' || *p == '\t')
            *p++ = '\0';
        if (!*p)
            break;
        if (argc == max)
            return -1;
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    return argc;
}

int mon_run_line(struct monitor *mon, const char *line, bool from_log, struct monitor_reply *out)
{
    char buf[MONITOR_LINE_MAX];
    char *argv[MON_MAX_ARGS];
    size_t n = strlen(line);
    if (n >= sizeof(buf))
        return mon_error(out, "line longer than %u characters", MONITOR_LINE_MAX - 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return mon_error(out, "the line holds a control character (0x%02x)", c);
    }
    memcpy(buf, line, n + 1);
    int argc = mon_split(buf, argv, MON_MAX_ARGS);
    if (argc == 0)
        return 0;
    if (argc < 0)
        return mon_error(out, "too many words (help lists the commands)");
    const struct mon_cmd *c = mon_find(argv[0]);
    if (!c)
        return mon_error(out, "unknown command '%.40s' (help lists them)", argv[0]);
    if (argc - 1 < (int)c->min_args || argc - 1 > (int)c->max_args)
        return mon_error(out, "usage: %s%s%s", c->name, *c->args ? " " : "", c->args);
    if ((c->flags & MON_CHANGES_RUN) && !from_log && record_replaying(mon->rec))
        return mon_error(out, "%s: this run is a replay; what changes it comes from its log", c->name);
    if (c->run(mon, argc, argv, out) < 0)
        return -1;
    if ((c->flags & MON_CHANGES_RUN) && !from_log && mon->rec) {
        /* Logged as parsed, one blank between words, under its full name. */
        char text[MONITOR_LINE_MAX + 16];
        size_t len = (size_t)snprintf(text, sizeof(text), "%s", c->name);
        for (int i = 1; i < argc && len < sizeof(text); i++)
            len += (size_t)snprintf(text + len, sizeof(text) - len, " %s", argv[i]);
        record_monitor_log(mon->rec, mon->m->vclock, text);
    }
    return 0;
}
