/*
 * Errors and diagnostics.
 *
 * Deep code returns an error code and, where useful, fills a struct emu_err
 * with a one-line message; the caller that knows what the user did prints
 * it once. Guest-caused oddities (a bad descriptor, an unimplemented
 * register) are logged once per kind with emu_warn_once, never fatal.
 */
#ifndef EMU_CORE_LOG_H
#define EMU_CORE_LOG_H

#include <stdarg.h>
#include <stdbool.h>

struct emu_err {
    char msg[256];
};

/* Formats into err (when non-NULL); returns -1 so callers can
 * `return emu_errf(err, "...")`. */
int emu_errf(struct emu_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints "emu: warning: ..." on stderr once per flag. */
void emu_warn_once(bool *done, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
