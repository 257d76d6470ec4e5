/*
 * Whole reads and writes of host files at an offset, retried across
 * interruptions and short transfers.
 *
 *   if (hostio_pread(fd, buf, n, off, HOSTIO_ZERO_PAST_EOF) < 0) ...
 *   if (hostio_pwrite(fd, buf, n, off) < 0) ...
 */
#ifndef EMU_CORE_HOSTIO_H
#define EMU_CORE_HOSTIO_H

#include <stddef.h>
#include <stdint.h>

enum hostio_eof {
    HOSTIO_SHORT_FAILS,         /* the file must hold all n bytes */
    HOSTIO_ZERO_PAST_EOF,       /* bytes past the end read as zeros */
};

/* Reads n bytes at off into buf. Returns 0, or -1 (errno set, or a short
 * file with HOSTIO_SHORT_FAILS). */
int hostio_pread(int fd, void *buf, size_t n, uint64_t off, enum hostio_eof eof);
/* Writes n bytes at off. Returns 0, or -1. */
int hostio_pwrite(int fd, const void *buf, size_t n, uint64_t off);

#endif
