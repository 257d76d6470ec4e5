/*
 * Character backends for serial devices: stdio, file:PATH, null.
 *
 * Output is written through at once. Input is pulled, never pushed: a
 * device calls chardev_read only at virtual times it chose, so the guest
 * sees bytes at times that depend on virtual time alone.
 *
 *   struct chardev *ch = chardev_open("stdio", &err);
 *   chardev_write(ch, "ok\n", 3);
 *   uint8_t b;
 *   if (chardev_read(ch, &b) == 1) ...;
 *   if (chardev_quit_requested(ch)) ...;    Ctrl-A X on a terminal
 *   chardev_close(ch);                     restores the terminal
 *
 * stdin that is not a terminal (a file, a pipe) is a scripted session:
 * chardev_read blocks for the next byte, so no byte is lost and none
 * arrives at a time chosen by the host. A terminal is put in raw mode and
 * read without blocking; Ctrl-A is the escape key (Ctrl-A H lists the
 * commands). A tool that drives the console interactively (waits for a
 * prompt, then types) must therefore use a pseudo-terminal, not a pipe.
 */
#ifndef EMU_CORE_CHARDEV_H
#define EMU_CORE_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"

struct chardev;

/* spec: "stdio", "null" or "file:PATH" (output to PATH, no input).
 * Returns NULL with a message in err on a bad spec or an unopenable file. */
struct chardev *chardev_open(const char *spec, struct emu_err *err);

/* A backend on descriptors the caller keeps open (tests, sockets):
 * in_fd -1 means no input, out_fd -1 discards output. The descriptors are
 * read and written as they are; no terminal mode is changed. */
struct chardev *chardev_open_fds(int in_fd, int out_fd, struct emu_err *err);

/* Restores the terminal (if raw mode was set) and frees ch. NULL is fine. */
void chardev_close(struct chardev *ch);

void chardev_write(struct chardev *ch, const void *buf, size_t n);

/* 1: a byte in *byte; 0: nothing now (interactive only); -1: end of input. */
int chardev_read(struct chardev *ch, uint8_t *byte);

/* Takes what the user typed so far (terminal only; no-op otherwise), so
 * escape keys work even while the guest reads nothing. Never blocks. */
void chardev_poll(struct chardev *ch);

/* Gives back n bytes read earlier but never delivered to the guest (a
 * device dropped them, e.g. a FIFO reset); the next reads return them in
 * order. At most 64 bytes are kept. */
void chardev_unread(struct chardev *ch, const uint8_t *buf, size_t n);

/* True once the user typed Ctrl-A X; the run loop stops on it. */
bool chardev_quit_requested(const struct chardev *ch);

/* True when input comes from a terminal (host timing, not scripted). */
bool chardev_is_interactive(const struct chardev *ch);

/*
 * Record and replay (core/record.c) stand between the host and the device.
 * A tap sees every result of the host input that reached the device: a
 * byte (r = 1) or the end of input (r = -1); "nothing now" and bytes
 * handed back by chardev_unread are not host input and are not tapped.
 * A source replaces host input altogether (a replayed log): it answers
 * like chardev_read, and the backend then reports interactive as the
 * recorded run did, so devices behave as they did then.
 */
typedef void (*chardev_tap_fn)(void *opaque, int r, uint8_t byte);
typedef int (*chardev_source_fn)(void *opaque, uint8_t *byte);
void chardev_set_tap(struct chardev *ch, chardev_tap_fn fn, void *opaque);
void chardev_set_source(struct chardev *ch, chardev_source_fn fn, void *opaque, bool interactive);

/* Snapshots: the bytes handed back and not yet read again. */
struct snap;
int chardev_snap(struct chardev *ch, struct snap *s);

#endif
