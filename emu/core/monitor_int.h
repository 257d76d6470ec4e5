/*
 * Internals of the monitor shared by monitor.c (socket, polling, replay)
 * and monitor_cmds.c (the command table and what each command does).
 */
#ifndef EMU_CORE_MONITOR_INT_H
#define EMU_CORE_MONITOR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/monitor.h"

struct monitor {
    struct machine *m;              /* NULL until monitor_start */
    struct record *rec;             /* the run's log, or NULL */
    char *path;                     /* the socket's file, NULL without a socket */
    int listen_fd, client_fd;       /* -1 when closed */
    uint64_t period;                /* cycles between polls of the socket */
    bool paused;                    /* a stop command holds the machine */
    /* The client's current line: never more than MONITOR_LINE_MAX bytes
     * are read ahead of its newline. */
    char line[MONITOR_LINE_MAX];
    size_t len;
    bool discarding;                /* dropping the rest of an overlong line */
};

/* A reply being built; whatever does not fit is cut off, marked "...". */
struct monitor_reply {
    char *buf;
    size_t len, cap;
    bool cut;
};

void mon_reply(struct monitor_reply *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Replaces the reply with one line "error: ..."; returns -1. */
int mon_error(struct monitor_reply *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses and runs one line (monitor_cmds.c). from_log: a replay applying
 * its log, which may run the commands that change the run (and does not
 * log them again); a client may not in a replay. A command that changes
 * the run is logged once it succeeded. Returns 0, or -1 with an error reply. */
int mon_run_line(struct monitor *mon, const char *line, bool from_log, struct monitor_reply *out);

#endif
