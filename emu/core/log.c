/* Errors and one-time warnings (see log.h). */
#include "core/log.h"

#include <stdio.h>

int emu_errf(struct emu_err *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return -1;
}

void emu_warn_once(bool *done, const char *fmt, ...)
{
    if (*done)
        return;
    *done = true;
    va_list ap;
    va_start(ap, fmt);
    fputs("emu: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
