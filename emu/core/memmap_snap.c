/*
 * Guest memory in snapshots and state hashes (see memmap_snap.h).
 *
 * Which pages to look at comes from /proc/self/pagemap (Linux
 * Documentation/admin-guide/mm/pagemap.rst): bit 63 says a page is
 * present, bit 62 that it is swapped out. A page with neither has never
 * been written (or was given back, MADV_DONTNEED) and reads as zero. A
 * present page may still hold zeroes (the shared zero page after a read,
 * or a guest that cleared it), so content decides in the end. Without
 * pagemap every page is read.
 *
 * A state hash takes each page's own hash (hash64_blocks, one pass that
 * also finds zero pages) in place of its bytes, so a page is read once.
 */
#include "core/memmap_snap.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/snap.h"
#include "core/statehash.h"

#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)
#define PM_BATCH 512u               /* pagemap entries read at once */
#define PAGE_END UINT64_MAX         /* the "page" value that ends a slice */

/* Which host pages of a slice may hold data, a batch at a time. */
struct page_scan {
    struct memmap *map;
    const uint8_t *host;            /* the slice */
    uint64_t host_page;             /* host base page size */
    uint64_t first;                 /* host page index (in the slice) of entries[0] */
    unsigned n;                     /* entries held; 0 with all[] = true when pagemap is unusable */
    bool all;
    uint64_t entries[PM_BATCH];
};

static int scan_pagemap_fd(struct memmap *map)
{
    if (map->pagemap_fd < 0)
        map->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    return map->pagemap_fd;
}

/* True unless the host has never backed the guest page at off. */
static bool page_maybe_data(struct page_scan *ps, uint64_t off, uint64_t slice_size)
{
    if (ps->all)
        return true;
    uint64_t hp = off / ps->host_page;
    if (ps->n == 0 || hp < ps->first || hp >= ps->first + ps->n) {
        int fd = scan_pagemap_fd(ps->map);
        uint64_t npages = (slice_size + ps->host_page - 1) / ps->host_page - hp;
        unsigned want = npages < PM_BATCH ? (unsigned)npages : PM_BATCH;
        off_t at = (off_t)(((uintptr_t)ps->host / ps->host_page + hp) * sizeof(uint64_t));
        ssize_t got = fd < 0 ? -1 : pread(fd, ps->entries, want * sizeof(uint64_t), at);
        if (got < (ssize_t)sizeof(uint64_t)) {
            ps->all = true;
            return true;
        }
        ps->first = hp;
        ps->n = (unsigned)((size_t)got / sizeof(uint64_t));
    }
    return (ps->entries[hp - ps->first] & (PM_PRESENT | PM_SWAPPED)) != 0;
}

static bool page_is_zero(const uint8_t *p)
{
    const uint64_t *w = (const uint64_t *)p;
    for (unsigned i = 0; i < MEM_PAGE_SIZE / 8; i += 8) {
        if (w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7])
            return false;
    }
    return true;
}

static void slice_zero(struct memmap *map, struct mem_region *r, uint64_t off, uint64_t size)
{
    if (r->kind == MEM_RAM && memmap_ram_discard(map, r->base + off, size) == 0)
        return;
    memset(r->host + off, 0, size);
}

static int slice_save(struct memmap *map, struct mem_region *r, uint64_t off, uint64_t size, struct snap *s)
{
    long hp = sysconf(_SC_PAGESIZE);
    struct page_scan ps = { .map = map, .host = r->host + off,
                            .host_page = hp >= (long)MEM_PAGE_SIZE ? (uint64_t)hp : MEM_PAGE_SIZE };
    bool hashing = snap_mode(s) == SNAP_HASH;
    for (uint64_t p = 0; p < size && snap_status(s) == 0; p += MEM_PAGE_SIZE) {
        uint8_t *h = r->host + off + p;
        if (!page_maybe_data(&ps, p, size))
            continue;
        if (hashing) {
            /* One pass over the page: its hash, and whether it is zero. */
            bool nonzero;
            uint64_t ph = hash64_blocks(h, MEM_PAGE_SIZE, 0, &nonzero);
            if (nonzero) {
                snap_u64(s, "page", &p);
                snap_u64(s, "data_hash", &ph);
            }
            continue;
        }
        if (page_is_zero(h))
            continue;
        snap_u64(s, "page", &p);
        snap_bytes(s, "data", h, MEM_PAGE_SIZE);
    }
    uint64_t end = PAGE_END;
    return snap_u64(s, "page", &end);
}

static int slice_load(struct memmap *map, struct mem_region *r, uint64_t off, uint64_t size, struct snap *s)
{
    slice_zero(map, r, off, size);
    for (;;) {
        uint64_t p;
        if (snap_u64(s, "page", &p) < 0)
            return -1;
        if (p == PAGE_END)
            return 0;
        if (p % MEM_PAGE_SIZE || p >= size)
            return snap_fail(s, "page offset 0x%" PRIx64 " outside the slice", p);
        if (snap_bytes(s, "data", r->host + off + p, MEM_PAGE_SIZE) < 0)
            return -1;
    }
}

int memmap_snap(struct memmap *map, struct snap *s)
{
    for (size_t i = 0; i < map->n && snap_status(s) == 0; i++) {
        struct mem_region *r = &map->r[i];
        if (!r->host)
            continue;
        uint64_t slice = (r->size / MEMMAP_SNAP_SLICES + MEM_PAGE_SIZE - 1) & ~(MEM_PAGE_SIZE - 1);
        if (slice == 0)
            slice = MEM_PAGE_SIZE;
        for (uint64_t off = 0; off < r->size && snap_status(s) == 0; off += slice) {
            uint64_t size = r->size - off < slice ? r->size - off : slice;
            uint64_t base = r->base + off, saved_size = size;
            char name[96];
            snprintf(name, sizeof(name), "%s@0x%" PRIx64, r->name, base);
            snap_begin(s, name);
            snap_u64(s, "size", &saved_size);
            if (snap_loading(s) && snap_status(s) == 0 && saved_size != size)
                return snap_fail(s, "%" PRIu64 " bytes in the file, %" PRIu64 " here", saved_size, size);
            if (snap_loading(s))
                slice_load(map, r, off, size, s);
            else
                slice_save(map, r, off, size, s);
            snap_end(s);
        }
    }
    return snap_status(s);
}
