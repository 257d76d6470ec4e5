/*
 * The run-time monitor: QEMU-style text commands (help, info status,
 * info balloon, info ram, balloon, snapshot, stop, cont, quit) on a Unix
 * socket, one client at a time, one reply per command ending with the
 * prompt "(emu) ". docs/monitor.md is the user's page.
 *
 *   struct monitor *mon;
 *   if (monitor_open(&mon, o.monitor_spec, &err) < 0) ...   bad spec or socket: exit status 2
 *   board_create(m, &err);                                 (and snapshot_restore, if any)
 *   if (monitor_start(mon, m, rec, &err) < 0) ...           before record_start
 *   record_start(rec, m, &err);
 *   machine_run(m);
 *   monitor_close(mon);                                    removes the socket
 *
 * Determinism: the socket is read, without blocking, only by a machine
 * observer at the first round boundary at or after each multiple of
 * MONITOR_PERIOD_NS of virtual time (observers never shorten a round), so
 * a command takes effect at a cycle the run loop would have stopped at
 * anyway. Queries change nothing. Commands that change the run (balloon,
 * quit) are inputs: with --record each is logged with that cycle, and a
 * replay applies it at the same cycle from the log, with no socket. stop
 * holds the machine inside the observer, where virtual time does not
 * advance, so pausing changes nothing either; snapshot only reads.
 *
 * The observer is added before record_start adds its own, so at a shared
 * boundary a command takes effect before the state hash and before a
 * replay stops where its recording ended.
 */
#ifndef EMU_CORE_MONITOR_H
#define EMU_CORE_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"

struct machine;
struct monitor;
struct record;

#define MONITOR_PERIOD_NS 1000000ull        /* 1 ms of virtual time between polls */
#define MONITOR_LINE_MAX 256u               /* a command line, with its newline */
#define MONITOR_PROMPT "(emu) "

/* -monitor SPEC: "none", or "unix:PATH" with QEMU's ",server" and
 * ",nowait" (or server=on, wait=off) accepted and implied. Fills *path
 * (NULL for none; a pointer into spec, length *path_len). Returns 0, or -1
 * with a one-line message. */
int monitor_parse_spec(const char *spec, const char **path, size_t *path_len, struct emu_err *err);

/* Parses spec (NULL: none) and, for unix:PATH, listens on PATH (an old
 * socket there is replaced; any other file is refused). *mon is a monitor
 * either way: without a socket it still applies a replayed log's commands. */
int monitor_open(struct monitor **mon, const char *spec, struct emu_err *err);

/* Hooks the monitor to the built machine: polls the socket, and applies
 * the logged commands of a replay (rec may be NULL). Adds no observer
 * when there is neither, so such a run is the run without a monitor.
 * Returns -1 when the machine has no room for another observer. */
int monitor_start(struct monitor *mon, struct machine *m, struct record *rec, struct emu_err *err);

/* Closes the client and the socket and removes its file. NULL is fine. */
void monitor_close(struct monitor *mon);

/* Runs one command line as if a client had typed it (no newline needed):
 * the reply, lines ending in '\n' without the prompt, goes into out.
 * Returns 0, or -1 when the command was refused (the reply is one line
 * starting "error: "). For tests and the socket alike. */
int monitor_execute(struct monitor *mon, const char *line, char *out, size_t len);

/* True while a stop command holds the machine. */
bool monitor_paused(const struct monitor *mon);

#endif
