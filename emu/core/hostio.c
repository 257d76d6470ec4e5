/*
 * Whole host file reads and writes (see hostio.h).
 */
#include "core/hostio.h"

#include <errno.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

int hostio_pread(int fd, void *buf, size_t n, uint64_t off, enum hostio_eof eof)
{
    uint8_t *p = buf;
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, p + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0) {
            if (eof == HOSTIO_SHORT_FAILS)
                return -1;
            memset(p + done, 0, n - done);
            return 0;
        }
        done += (size_t)r;
    }
    return 0;
}

int hostio_pwrite(int fd, const void *buf, size_t n, uint64_t off)
{
    const uint8_t *p = buf;
    size_t done = 0;
    while (done < n) {
        ssize_t r = pwrite(fd, p + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        done += (size_t)r;
    }
    return 0;
}
