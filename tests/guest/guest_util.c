/*
 * Helpers shared by the guest programs (see guest_util.h).
 */
#include "guest_util.h"

#include <stdio.h>
#include <time.h>

long long guest_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000ll + t.tv_nsec;
}

long guest_mem_total_kb(void)
{
    char line[128];
    long kb = -1;
    FILE *f = fopen("/proc/meminfo", "r");
    while (f && fgets(line, sizeof(line), f)) {
        if (sscanf(line, "MemTotal: %ld kB", &kb) == 1)
            break;
    }
    if (f)
        fclose(f);
    return kb;
}
