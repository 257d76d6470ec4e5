/*
 * virtio-blk from inside: /dev/vda is a disk the test script filled with
 * a known text per sector ("emu-disk I/N"); read every sector back, check
 * the capacity, write a pattern into the last 16 sectors and flush it
 * (the script reads it on the host afterwards), discard a range, and check
 * that /dev/vdb, attached read-only, refuses a write.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "checks.h"

#define SECTOR 512

/* What the script wrote into sector i of n (tests/boot/linux.sh). */
static void disk_pattern(char *buf, const char *tag, uint64_t i, uint64_t n)
{
    memset(buf, '.', SECTOR);
    int k = snprintf(buf, SECTOR, "%s %llu/%llu", tag, (unsigned long long)i, (unsigned long long)n);
    buf[k] = '.';
    buf[SECTOR - 1] = '\n';
}

static int fail(char *msg, size_t len, const char *what)
{
    snprintf(msg, len, "%s (%s)", what, strerror(errno));
    return -1;
}

static int check_readonly_disk(char *msg, size_t len)
{
    int fd = open("/dev/vdb", O_RDWR);
    int ro = 0;
    if (fd < 0) {
        /* The kernel may refuse a writable open of a read-only disk. */
        if (errno == EROFS || errno == EACCES)
            return 0;
        return fail(msg, len, "cannot open /dev/vdb");
    }
    char buf[SECTOR];
    memset(buf, 'x', sizeof(buf));
    int rc = 0;
    if (ioctl(fd, BLKROGET, &ro) < 0 || !ro) {
        snprintf(msg, len, "/dev/vdb is not read-only");
        rc = -1;
    } else if (pwrite(fd, buf, SECTOR, 0) == SECTOR && fsync(fd) == 0) {
        snprintf(msg, len, "a write to the read-only /dev/vdb succeeded");
        rc = -1;
    }
    close(fd);
    return rc;
}

int check_blk(char *msg, size_t len)
{
    int fd = open("/dev/vda", O_RDWR);
    if (fd < 0)
        return fail(msg, len, "cannot open /dev/vda");
    uint64_t bytes = 0;
    if (ioctl(fd, BLKGETSIZE64, &bytes) < 0)
        return fail(msg, len, "BLKGETSIZE64");
    uint64_t n = bytes / SECTOR;
    char want[SECTOR], got[SECTOR];
    int rc = -1;
    for (uint64_t i = 0; i < n; i++) {
        disk_pattern(want, "emu-disk", i, n);
        if (pread(fd, got, SECTOR, (off_t)(i * SECTOR)) != SECTOR) {
            fail(msg, len, "read");
            goto out;
        }
        if (memcmp(want, got, SECTOR)) {
            snprintf(msg, len, "sector %llu of %llu does not hold its pattern", (unsigned long long)i,
                     (unsigned long long)n);
            goto out;
        }
    }
    for (uint64_t i = n - 16; i < n; i++) {
        disk_pattern(want, "emu-guest", i, n);
        if (pwrite(fd, want, SECTOR, (off_t)(i * SECTOR)) != SECTOR) {
            fail(msg, len, "write");
            goto out;
        }
    }
    if (fsync(fd) < 0) {
        fail(msg, len, "fsync (flush)");
        goto out;
    }
    /* The script expects sectors [n/2, n/2 + 64) to be gone on the host. */
    uint64_t range[2] = { n / 2 * SECTOR, 64 * SECTOR };
    if (ioctl(fd, BLKDISCARD, range) < 0) {
        fail(msg, len, "BLKDISCARD");
        goto out;
    }
    if (check_readonly_disk(msg, len) < 0)
        goto out;
    snprintf(msg, len, "%llu sectors read, 16 written and flushed, 64 discarded, vdb read-only",
             (unsigned long long)n);
    rc = 0;
out:
    close(fd);
    return rc;
}
