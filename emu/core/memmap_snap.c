/*
 * Guest memory in snapshots and state hashes (see memmap_snap.h).
 *
 * Which pages to look at comes from /proc/self/pagemap (Linux
 * Documentation/admin-guide/mm/pagemap.rst): bit 63 says a page is
 * present, bit 62 that it is swapped out. A page with neither has never
 * been written (or was given back, MADV_DONTNEED) and reads as zero. A
 * present page may still hold zeroes (the shared zero page after a read,
 * or a guest that cleared it), so content decides in the end; of those,
 * the ones the host holds privately (memmap_pagemap_held) are listed
 * after the data pages. Without pagemap every page is read and none is
 * listed as held.
 *
 * A state hash takes each page's own hash (hash64_blocks, one pass that
 * also finds zero pages) in place of its bytes, so a page is read once.
 */
#include "core/memmap_snap.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/snap.h"
#include "core/statehash.h"

#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)
#define PM_BATCH 512u               /* pagemap entries read at once */
#define PAGE_END UINT64_MAX         /* the "page" value that ends a slice */

/* What the host holds for the pages of a slice, a batch at a time. */
struct page_scan {
    struct memmap *map;
    const uint8_t *host;            /* the slice */
    uint64_t host_page;             /* host base page size */
    uint64_t first;                 /* host page index (in the slice) of entries[0] */
    unsigned n;                     /* entries held; 0 with all = true when pagemap is unusable */
    bool all;
    uint64_t entries[PM_BATCH];
};

static int scan_pagemap_fd(struct memmap *map)
{
    if (map->pagemap_fd < 0)
        map->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    return map->pagemap_fd;
}

/* The pagemap entry of the host page behind the guest page at off; when
 * pagemap cannot be read, PM_UNKNOWN: may hold data, residency unknown. */
#define PM_UNKNOWN PM_PRESENT

static uint64_t page_entry(struct page_scan *ps, uint64_t off, uint64_t slice_size)
{
    if (ps->all)
        return PM_UNKNOWN;
    uint64_t hp = off / ps->host_page;
    if (ps->n == 0 || hp < ps->first || hp >= ps->first + ps->n) {
        int fd = scan_pagemap_fd(ps->map);
        uint64_t npages = (slice_size + ps->host_page - 1) / ps->host_page - hp;
        unsigned want = npages < PM_BATCH ? (unsigned)npages : PM_BATCH;
        off_t at = (off_t)(((uintptr_t)ps->host / ps->host_page + hp) * sizeof(uint64_t));
        ssize_t got = fd < 0 ? -1 : pread(fd, ps->entries, want * sizeof(uint64_t), at);
        if (got < (ssize_t)sizeof(uint64_t)) {
            ps->all = true;
            return PM_UNKNOWN;
        }
        ps->first = hp;
        ps->n = (unsigned)((size_t)got / sizeof(uint64_t));
    }
    return ps->entries[hp - ps->first];
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

/* Runs of zero pages the host holds, as (offset, pages) pairs. */
struct held_runs {
    uint64_t *v;
    size_t n, cap;                  /* runs; v holds 2n values */
    bool oom;
};

static void held_add(struct held_runs *h, uint64_t off)
{
    if (h->n && h->v[2 * h->n - 2] + h->v[2 * h->n - 1] * MEM_PAGE_SIZE == off) {
        h->v[2 * h->n - 1]++;
        return;
    }
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        uint64_t *v = h->oom ? NULL : realloc(h->v, 2 * cap * sizeof(*v));
        if (!v) {
            h->oom = true;
            return;
        }
        h->v = v;
        h->cap = cap;
    }
    h->v[2 * h->n] = off;
    h->v[2 * h->n + 1] = 1;
    h->n++;
}

/* The held zero pages: saved, so a restored run holds the same host
 * memory and the balloon releases the same bytes, but not hashed, since
 * the guest reads them as zero like any other. */
static int held_snap(struct snap *s, struct held_runs *h)
{
    uint64_t n = h->n;
    snap_hash_off(s);
    snap_u64(s, "held_runs", &n);
    snap_u64s(s, "held", h->v, 2 * h->n);
    snap_hash_on(s);
    return snap_status(s);
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
    struct held_runs held = { 0 };
    bool hashing = snap_mode(s) == SNAP_HASH;
    for (uint64_t p = 0; p < size && snap_status(s) == 0; p += MEM_PAGE_SIZE) {
        uint8_t *h = r->host + off + p;
        uint64_t e = page_entry(&ps, p, size);
        if (!(e & (PM_PRESENT | PM_SWAPPED)))
            continue;               /* never backed, or dropped: reads zero */
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
        if (page_is_zero(h)) {
            if (!ps.all && r->kind == MEM_RAM && memmap_pagemap_held(e))
                held_add(&held, p);
            continue;
        }
        snap_u64(s, "page", &p);
        snap_bytes(s, "data", h, MEM_PAGE_SIZE);
    }
    uint64_t end = PAGE_END;
    snap_u64(s, "page", &end);
    if (held.oom)
        snap_fail(s, "out of memory");
    held_snap(s, &held);
    free(held.v);
    return snap_status(s);
}

/* Makes the host hold each page of [p, p + len) again without changing
 * what it reads: a write fault gives the page private memory. */
static void slice_hold(uint8_t *p, uint64_t len)
{
    for (uint64_t i = 0; i < len; i += MEM_PAGE_SIZE) {
        volatile uint8_t *b = p + i;
        *b = *b;
    }
}

static int slice_load_held(struct mem_region *r, uint64_t off, uint64_t size, struct snap *s)
{
    uint64_t n;
    if (snap_u64(s, "held_runs", &n) < 0)
        return -1;
    uint64_t pages = size / MEM_PAGE_SIZE;
    if (n > pages)
        return snap_fail(s, "%" PRIu64 " runs of held pages in a slice of %" PRIu64 " pages", n, pages);
    struct held_runs h = { .v = malloc((n ? 2 * n : 1) * sizeof(uint64_t)), .n = n };
    if (!h.v)
        return snap_fail(s, "out of memory");
    snap_u64s(s, "held", h.v, 2 * n);
    for (uint64_t i = 0; i < n && snap_status(s) == 0; i++) {
        uint64_t at = h.v[2 * i], run = h.v[2 * i + 1];
        if (at % MEM_PAGE_SIZE || at >= size || run == 0 || run > (size - at) / MEM_PAGE_SIZE) {
            snap_fail(s, "held pages 0x%" PRIx64 "+%" PRIu64 " outside the slice", at, run);
            break;
        }
        if (r->kind == MEM_RAM)
            slice_hold(r->host + off + at, run * MEM_PAGE_SIZE);
    }
    free(h.v);
    return snap_status(s);
}

static int slice_load(struct memmap *map, struct mem_region *r, uint64_t off, uint64_t size, struct snap *s)
{
    slice_zero(map, r, off, size);
    for (;;) {
        uint64_t p;
        if (snap_u64(s, "page", &p) < 0)
            return -1;
        if (p == PAGE_END)
            return slice_load_held(r, off, size, s);
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
