/*
 * The guest of tests/boot/monitor.sh, started as the initramfs's init
 * (rdinit=/monitor-guest). Unlike the guest checks it keeps no schedule
 * of its own: it waits for what the host does through emu's monitor, so
 * the test does not race virtual time, which runs far ahead of the host's
 * while the guest sleeps.
 *
 *   1. touch and free 256 MiB, so the guest's free memory is resident on
 *      the host and inflating the balloon gives host memory back;
 *   2. "emu-monitor-guest: ready, MemTotal N kB";
 *   3. wait until MemTotal has dropped by 256 MiB (the host's
 *      `balloon 256` of 512), then "inflated, MemTotal N kB";
 *   4. wait until MemTotal is back, then "deflated, MemTotal N kB";
 *   5. sleep until the host ends the run (`quit`).
 * Each line carries the guest's CLOCK_MONOTONIC (virtual time) too.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <time.h>

#include "guest_util.h"

#define MiB (1ul << 20)
#define PAGE 4096ul
#define BLOCK (256 * MiB)
#define DROP_KB (BLOCK / 1024)      /* what `balloon 256` takes from 512 MiB */
#define SLACK_KB 1024               /* the balloon moves in pages, not whole MiB */

static void nap_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };
    while (nanosleep(&t, &t) == EINTR)
        ;
}

static void say(const char *what, long kb)
{
    printf("emu-monitor-guest: %s, MemTotal %ld kB, at %lld ns\n", what, kb, guest_now_ns());
    fflush(stdout);
}

/* Polls MemTotal every 20 ms until ok(MemTotal) holds; returns it. */
static long wait_for(long before, int (*ok)(long before, long now))
{
    long kb;
    while (!ok(before, kb = guest_mem_total_kb()))
        nap_ms(20);
    return kb;
}

static int inflated(long before, long now)
{
    return now > 0 && before - now >= (long)DROP_KB - SLACK_KB;
}

static int deflated(long before, long now)
{
    return now == before;
}

int main(void)
{
    struct utsname u;
    if (mount("proc", "/proc", "proc", 0, NULL) != 0)
        printf("emu-monitor-guest: cannot mount /proc: %s\n", strerror(errno));
    if (uname(&u) != 0)
        strcpy(u.release, "unknown");
    printf("emu-monitor-guest: Linux %s up\n", u.release);
    fflush(stdout);

    unsigned char *p = mmap(NULL, BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        printf("emu-monitor-guest: mmap of %lu MiB failed: %s\n", BLOCK / MiB, strerror(errno));
    } else {
        for (unsigned long off = 0; off < BLOCK; off += PAGE)
            p[off] = 1;
        munmap(p, BLOCK);
    }
    long before = guest_mem_total_kb();
    say("ready", before);
    say("inflated", wait_for(before, inflated));
    say("deflated", wait_for(before, deflated));
    for (;;)
        nap_ms(1000);
}
