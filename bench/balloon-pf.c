/*
 * Guest side of bench/balloon.sh: the init of a Linux guest that runs an
 * allocate-touch-free loop in the spirit of will-it-scale's page_fault1
 * (mmap anonymous memory, write one byte per 4 KiB page, munmap), then
 * powers off.
 *
 * Kernel command line: pf.iters=N pf.mib=M pf.pause_ms=P. Each iteration
 * maps and touches M MiB; between iterations the guest sleeps P ms, idle
 * time in which free page reporting (2 s after pages are freed, Linux
 * mm/page_reporting.c) hands the freed memory to the host, so the next
 * iteration touches pages the host has dropped.
 *
 * Prints: balloon-pf: iterations=N mib=M busy_ns=T, where T is the
 * guest's CLOCK_MONOTONIC time spent in the loop, sleeps excluded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec;
}

/* The value of key=N on the kernel command line, or dflt. */
static unsigned long param(const char *cmdline, const char *key, unsigned long dflt)
{
    size_t n = strlen(key);
    for (const char *p = cmdline; (p = strstr(p, key)) != NULL; p += n) {
        if ((p == cmdline || p[-1] == ' ') && p[n] == '=')
            return strtoul(p + n + 1, NULL, 10);
    }
    return dflt;
}

int main(void)
{
    char cmdline[1024] = "";
    FILE *f;

    mount("proc", "/proc", "proc", 0, NULL);
    f = fopen("/proc/cmdline", "r");
    if (f) {
        if (!fgets(cmdline, sizeof(cmdline), f))
            cmdline[0] = '\0';
        fclose(f);
    }
    unsigned long iters = param(cmdline, "pf.iters", 8);
    unsigned long mib = param(cmdline, "pf.mib", 64);
    unsigned long pause_ms = param(cmdline, "pf.pause_ms", 3000);
    size_t len = mib << 20;
    unsigned long long busy = 0;

    for (unsigned long i = 0; i < iters; i++) {
        unsigned long long t0 = now_ns();
        char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            printf("balloon-pf: mmap of %lu MiB failed\n", mib);
            break;
        }
        for (size_t off = 0; off < len; off += 4096)
            p[off] = 1;
        munmap(p, len);
        busy += now_ns() - t0;
        struct timespec pause = { (time_t)(pause_ms / 1000), (long)(pause_ms % 1000) * 1000000L };
        nanosleep(&pause, NULL);
    }
    printf("balloon-pf: iterations=%lu mib=%lu busy_ns=%llu\n", iters, mib, busy);
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    return 1;
}
