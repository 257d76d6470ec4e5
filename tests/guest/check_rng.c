/*
 * virtio-rng from inside: the kernel's hw_random core must have picked the
 * virtio device, and what it returns must not be constant. The bytes are
 * printed: emu seeds the generator (--seed), so the same seed prints the
 * same bytes and another seed other bytes, which the test script checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"

static int read_all(int fd, unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

int check_rng(char *msg, size_t len)
{
    char current[64] = "";
    int cfd = open("/sys/class/misc/hw_random/rng_current", O_RDONLY);
    if (cfd >= 0) {
        ssize_t n = read(cfd, current, sizeof(current) - 1);
        current[n > 0 ? n : 0] = '\0';
        close(cfd);
    }
    if (!strstr(current, "virtio_rng")) {
        snprintf(msg, len, "hw_random uses '%s', not virtio_rng", strtok(current, "\n") ? current : "nothing");
        return -1;
    }
    unsigned char a[32], b[32];
    int fd = open("/dev/hwrng", O_RDONLY);
    if (fd < 0 || read_all(fd, a, sizeof(a)) < 0 || read_all(fd, b, sizeof(b)) < 0) {
        snprintf(msg, len, "reading /dev/hwrng: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    if (!memcmp(a, b, sizeof(a))) {
        snprintf(msg, len, "two reads of /dev/hwrng returned the same bytes");
        return -1;
    }
    int k = snprintf(msg, len, "bytes ");
    for (int i = 0; i < 8 && k > 0 && (size_t)k < len; i++)
        k += snprintf(msg + k, len - (size_t)k, "%02x", a[i]);
    return 0;
}
