/*
 * virtio-balloon from inside (emu.test=balloon). emu.balloon= picks what
 * the guest does; tests/boot/balloon.sh gives emu the matching -device
 * options and judges the host side from --stats (resident guest RAM over
 * virtual time). Progress lines "emu-balloon: EVENT at NS" carry the
 * guest's CLOCK_MONOTONIC, which runs with emu's virtual clock, so the
 * script can find each phase in emu's timeline.
 *
 * cycle (default): wait for boot-time reporting to settle, map and touch
 *   256 MiB, hold it, unmap it, wait while free page reporting gives it
 *   back, then map and touch 256 MiB again. Every page must read zero
 *   when first read and keep what was written: a reported page the host
 *   dropped or kept must never show stale or foreign bytes. With
 *   page_poison=1 the second pass also makes the kernel check the poison
 *   of every reported page it hands out again ("pagealloc: memory
 *   corruption" in the log otherwise).
 * inflate: touch and free 256 MiB (so free memory is resident on the
 *   host), then read MemTotal before, during and after the host's
 *   target-schedule=8:256/16:512: it must drop by 256 MiB and come back.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "checks.h"
#include "guest_util.h"

#define MiB (1ul << 20)
#define PAGE 4096ul
#define BLOCK (256 * MiB)

static void mark(const char *event)
{
    printf("emu-balloon: %s at %lld\n", event, guest_now_ns());
    fflush(stdout);
}

/* Sleeps until `secs` seconds of CLOCK_MONOTONIC. */
static void sleep_until(long secs)
{
    struct timespec t = { secs, 0 };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
        ;
}

static void sleep_for(long secs)
{
    struct timespec t = { secs, 0 };
    while (nanosleep(&t, &t) == EINTR)
        ;
}

/* Maps and touches a block: each page must read zero first, then hold the
 * word written into it. Returns the block, or NULL with msg filled. */
static unsigned char *touch_block(unsigned pass, char *msg, size_t len)
{
    unsigned char *p = mmap(NULL, BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        snprintf(msg, len, "pass %u: mmap of %lu MiB: %s", pass, BLOCK / MiB, strerror(errno));
        return NULL;
    }
    for (unsigned long off = 0; off < BLOCK; off += PAGE) {
        unsigned long *w = (unsigned long *)(p + off);
        if (w[0] != 0 || w[PAGE / sizeof(*w) - 1] != 0) {
            snprintf(msg, len, "pass %u: a fresh page at +0x%lx does not read zero", pass, off);
            munmap(p, BLOCK);
            return NULL;
        }
        w[0] = off ^ pass;
    }
    for (unsigned long off = 0; off < BLOCK; off += PAGE) {
        if (*(unsigned long *)(p + off) != (off ^ pass)) {
            snprintf(msg, len, "pass %u: the page at +0x%lx lost what was written", pass, off);
            munmap(p, BLOCK);
            return NULL;
        }
    }
    return p;
}

static int balloon_cycle(char *msg, size_t len)
{
    /* Boot-time frees are reported 2 s after they happen (Linux
     * mm/page_reporting.c); let them settle first. */
    sleep_until(6);
    mark("touch");
    unsigned char *p = touch_block(1, msg, len);
    if (!p)
        return -1;
    mark("touched");
    sleep_for(2);
    munmap(p, BLOCK);
    mark("freed");
    sleep_for(10);
    mark("settled");
    p = touch_block(2, msg, len);
    if (!p)
        return -1;
    munmap(p, BLOCK);
    mark("done");
    snprintf(msg, len, "256 MiB touched, freed and touched again; every page read zero first and kept its data");
    return 0;
}

static int balloon_inflate(char *msg, size_t len)
{
    sleep_until(2);
    unsigned char *p = touch_block(1, msg, len);
    if (!p)
        return -1;
    munmap(p, BLOCK);
    mark("freed");
    sleep_until(6);
    long before = guest_mem_total_kb();
    mark("before");
    sleep_until(13);
    long inflated = guest_mem_total_kb();
    mark("inflated");
    sleep_until(21);
    long after = guest_mem_total_kb();
    mark("deflated");
    snprintf(msg, len, "MemTotal %ld -> %ld -> %ld kB", before, inflated, after);
    /* target 256 MiB: the balloon holds the other 256 MiB (262144 kB). */
    long drop = before - inflated;
    if (before <= 0 || drop < 262144 - 1024 || drop > 262144 + 1024)
        return -1;
    return after == before ? 0 : -1;
}

int check_balloon(char *msg, size_t len)
{
    char mode[32] = "cycle";
    guest_cmdline_value("emu.balloon", mode, sizeof(mode));
    if (!strcmp(mode, "cycle"))
        return balloon_cycle(msg, len);
    if (!strcmp(mode, "inflate"))
        return balloon_inflate(msg, len);
    snprintf(msg, len, "emu.balloon=%s: expected cycle or inflate", mode);
    return -1;
}
