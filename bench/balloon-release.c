/*
 * Host side of bench/balloon.sh: the wall time emu takes to give touched
 * guest RAM back to the host, done the way the balloon does it for free
 * page reporting (4 MiB blocks, each invalidating translated code first,
 * then memmap_ram_release) and as one call; then the poison_val path on
 * memory that already holds the pattern, which only reads it.
 *
 *   balloon-release [MiB]        (default 1024)
 *
 * Host time is fine here: this is a benchmark, not the simulation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/machine.h"
#include "exec/exec.h"

#define RAM_BASE 0x80000000ull
#define BLOCK    (4ull << 20)      /* Linux reports blocks of up to 4 MiB (MAX_ORDER - 1) */
#define REPEAT   3

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void touch(struct machine *m, uint64_t size, uint8_t v)
{
    uint8_t *p = memmap_host_ptr(&m->map, RAM_BASE, size);
    for (uint64_t off = 0; off < size; off += MEM_PAGE_SIZE)
        memset(p + off, v, MEM_PAGE_SIZE);
}

/* Releases [RAM_BASE, +size) in blocks of `block` bytes; returns seconds. */
static double release(struct machine *m, uint64_t size, uint64_t block, uint32_t fill, uint64_t *freed)
{
    struct memmap_release rel;
    double t0 = now_s();
    *freed = 0;
    for (uint64_t a = RAM_BASE; a < RAM_BASE + size; a += block) {
        exec_invalidate_phys(m, a, block);
        if (memmap_ram_release(&m->map, a, block, fill, &rel) != 0) {
            fprintf(stderr, "balloon-release: release at 0x%llx failed\n", (unsigned long long)a);
            exit(1);
        }
        *freed += rel.freed;
    }
    return now_s() - t0;
}

static void report(const char *what, uint64_t size, double secs, uint64_t freed)
{
    printf("%-34s %8.1f ms %8.2f GiB/s   freed %6llu MiB\n", what, secs * 1e3,
           (double)size / (1 << 30) / secs, (unsigned long long)(freed >> 20));
}

int main(int argc, char **argv)
{
    uint64_t mib = argc > 1 ? strtoull(argv[1], NULL, 10) : 1024;
    uint64_t size = mib << 20;
    struct machine_config cfg = { .ram_size = size };
    struct machine m;
    struct emu_err err;
    uint64_t freed;
    double best;

    if (mib == 0 || size % BLOCK) {
        fprintf(stderr, "balloon-release: size must be a positive multiple of 4 MiB\n");
        return 1;
    }
    if (machine_init(&m, &cfg, &err) < 0 || memmap_add_ram(&m.map, RAM_BASE, size, "ram", &err) < 0) {
        fprintf(stderr, "balloon-release: %s\n", err.msg);
        return 1;
    }
    memmap_ram_base_pages(&m.map);

    best = 1e9;
    for (int i = 0; i < REPEAT; i++) {
        touch(&m, size, 0x5a);
        double s = release(&m, size, BLOCK, 0, &freed);
        best = s < best ? s : best;
    }
    char what[64];
    snprintf(what, sizeof(what), "release %llu MiB, 4 MiB blocks", (unsigned long long)mib);
    report(what, size, best, freed);

    best = 1e9;
    for (int i = 0; i < REPEAT; i++) {
        touch(&m, size, 0x5a);
        double s = release(&m, size, size, 0, &freed);
        best = s < best ? s : best;
    }
    snprintf(what, sizeof(what), "release %llu MiB, one call", (unsigned long long)mib);
    report(what, size, best, freed);

    best = 1e9;
    touch(&m, size, 0xaa);
    for (int i = 0; i < REPEAT; i++) {
        double s = release(&m, size, BLOCK, 0xaaaaaaaau, &freed);
        best = s < best ? s : best;
    }
    snprintf(what, sizeof(what), "keep poison %llu MiB, 4 MiB blocks", (unsigned long long)mib);
    report(what, size, best, freed);
    machine_destroy(&m);
    return 0;
}
