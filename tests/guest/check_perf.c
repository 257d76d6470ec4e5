/*
 * Modelled events through Linux perf: the kernel's SBI PMU driver, over
 * OpenSBI's PMU extension, over emu's Zihpm counters, which count the
 * timing model's events. Run under a model with an L1 data cache (the
 * boot test uses --timing u74).
 *
 * Two pointer chases of the same number of loads, one over far more
 * memory than any L1 data cache, one over a few KiB that fit in one: the
 * first must miss L1D on nearly every load, the second on nearly none.
 * Both counts come from one perf event (L1-dcache-load-misses), so the
 * check holds for any cache geometry that the model's DTB describes.
 * The kernel's own loads in between count too (no Sscofpmf, so no mode
 * filter): the margins allow for a timer tick or two.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "checks.h"

#define LINE 64u
#define LOADS 16384u
#define BIG_LINES 16384u                /* 1 MiB */
#define SMALL_LINES 64u                 /* 4 KiB */

static int perf_open(uint32_t type, uint64_t config)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.type = type;
    a.config = config;
    a.disabled = 1;
    return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

/* Links the lines of buf into one cycle, in a scattered order (stride
 * coprime with the count), each line holding the address of the next. */
static void chase_build(uint64_t *buf, unsigned lines)
{
    unsigned stride = lines > 7 ? lines / 2 + 1 : 1;
    while (lines % stride == 0 && stride > 1)
        stride++;
    for (unsigned i = 0; i < lines; i++)
        buf[i * (LINE / 8)] = (uint64_t)(uintptr_t)&buf[((i + 1) * stride % lines) * (LINE / 8)];
}

static uintptr_t chase(const uint64_t *start, unsigned loads)
{
    volatile const uint64_t *p = start;
    for (unsigned k = 0; k < loads; k++)
        p = (volatile const uint64_t *)(uintptr_t)*p;
    return (uintptr_t)p;
}

/* L1D read misses of LOADS chased loads over lines of buf (after one
 * warm-up round), or -1. */
static int64_t misses_over(int fd, uint64_t *buf, unsigned lines, volatile uintptr_t *sink)
{
    uint64_t v = 0;
    chase_build(buf, lines);
    *sink += chase(buf, lines);
    if (ioctl(fd, PERF_EVENT_IOC_RESET, 0) < 0 || ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0)
        return -1;
    *sink += chase(buf, LOADS);
    if (ioctl(fd, PERF_EVENT_IOC_DISABLE, 0) < 0 || read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
        return -1;
    return (int64_t)v;
}

int check_perf(char *msg, size_t len)
{
    uint64_t config = PERF_COUNT_HW_CACHE_L1D | (PERF_COUNT_HW_CACHE_OP_READ << 8) |
                      ((uint64_t)PERF_COUNT_HW_CACHE_RESULT_MISS << 16);
    int fd = perf_open(PERF_TYPE_HW_CACHE, config);
    if (fd < 0) {
        snprintf(msg, len, "perf_event_open(L1-dcache-load-misses): %s", strerror(errno));
        return -1;
    }
    uint64_t *buf = aligned_alloc(LINE, (size_t)BIG_LINES * LINE);
    if (!buf) {
        close(fd);
        snprintf(msg, len, "out of memory for the chase");
        return -1;
    }
    volatile uintptr_t sink = 0;        /* keeps the chases */
    int64_t big = misses_over(fd, buf, BIG_LINES, &sink);
    int64_t small = misses_over(fd, buf, SMALL_LINES, &sink);
    free(buf);
    close(fd);
    if (big < 0 || small < 0) {
        snprintf(msg, len, "reading the counter: %s", strerror(errno));
        return -1;
    }
    snprintf(msg, len, "L1-dcache-load-misses: %lld of %u loads over 1 MiB, %lld over 4 KiB", (long long)big,
             LOADS, (long long)small);
    if (big < (int64_t)LOADS * 9 / 10 || small > (int64_t)LOADS / 10)
        return -1;
    return 0;
}
