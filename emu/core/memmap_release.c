/*
 * Giving guest RAM back to the host, and measuring what the host holds
 * for it (see memmap.h).
 *
 * Guest RAM is a private anonymous mapping: a host page that was never
 * written costs nothing, and one dropped with MADV_DONTNEED reads as zero
 * the next time it is touched. The host can only drop whole host pages,
 * which may be larger than the guest's 4 KiB (16 KiB or 64 KiB on some
 * Arm hosts), so the part of a host page a release covers is zeroed in
 * place and the page is dropped once all of it is zero. Every path leaves
 * the same bytes behind; the host page size only decides how much memory
 * goes back.
 *
 * What the host holds is read from /proc/self/pagemap (Linux
 * Documentation/admin-guide/mm/pagemap.rst): one 64-bit entry per base
 * page, bit 63 present, 62 swapped, 61 file page or shared anonymous,
 * 56 exclusively mapped. An untouched page that was only read maps the
 * shared zero page: present but not exclusive, so not counted.
 */
#include "core/memmap.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PM_PRESENT   (1ull << 63)
#define PM_SWAP      (1ull << 62)
#define PM_FILE      (1ull << 61)
#define PM_EXCLUSIVE (1ull << 56)

#define PAGEMAP_BATCH 512u        /* entries read per pread */

static uint64_t host_base_page(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (uint64_t)p : MEM_PAGE_SIZE;
}

static uintptr_t align_down(uintptr_t p, uint64_t a) { return p & ~(uintptr_t)(a - 1); }
static uintptr_t align_up(uintptr_t p, uint64_t a) { return align_down(p + a - 1, a); }

/* The pattern as it lies in memory from an 8-byte aligned address. */
static uint64_t fill_word(uint32_t fill)
{
    return (uint64_t)fill << 32 | fill;
}

/* [p, p+len) holds nothing but the pattern; p and len are multiples of 8. */
static bool holds_fill(const uint8_t *p, uint64_t len, uint32_t fill)
{
    uint64_t w = fill_word(fill);
    for (uint64_t i = 0; i < len; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        if (v != w)
            return false;
    }
    return true;
}

static void write_fill(uint8_t *p, uint64_t len, uint32_t fill)
{
    if (fill == 0) {
        memset(p, 0, len);
        return;
    }
    uint64_t w = fill_word(fill);
    for (uint64_t i = 0; i < len; i += 8)
        memcpy(p + i, &w, 8);
}

/* Sets each guest page of [p, q) that does not already hold the pattern,
 * so pages that do (or were never touched, for zeroes) stay untouched. */
static void fill_guest_pages(uint8_t *p, uint8_t *q, uint32_t fill, struct memmap_release *out)
{
    for (; p < q; p += MEM_PAGE_SIZE) {
        if (holds_fill(p, MEM_PAGE_SIZE, fill))
            continue;
        write_fill(p, MEM_PAGE_SIZE, fill);
        out->written += MEM_PAGE_SIZE;
    }
}

static int pagemap_fd(struct memmap *m)
{
    if (m->pagemap_fd < 0)
        m->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    return m->pagemap_fd;
}

bool memmap_pagemap_held(uint64_t e)
{
    if (e & PM_FILE)
        return false;
    return (e & PM_PRESENT) ? (e & PM_EXCLUSIVE) != 0 : (e & PM_SWAP) != 0;
}

/* Base pages of [start, end) counted by pagemap; -1 when it cannot be read. */
static int64_t resident_pagemap(struct memmap *m, uintptr_t start, uintptr_t end, uint64_t base)
{
    uint64_t e[PAGEMAP_BATCH];
    int fd = pagemap_fd(m);
    int64_t n = 0;

    if (fd < 0)
        return -1;
    for (uintptr_t a = start; a < end;) {
        uint64_t want = (end - a) / base;
        if (want > PAGEMAP_BATCH)
            want = PAGEMAP_BATCH;
        ssize_t got = pread(fd, e, want * sizeof(e[0]), (off_t)(a / base * sizeof(e[0])));
        if (got <= 0 || got % (ssize_t)sizeof(e[0]))
            return -1;
        uint64_t k = (uint64_t)got / sizeof(e[0]);
        for (uint64_t i = 0; i < k; i++)
            n += memmap_pagemap_held(e[i]);
        a += k * base;
    }
    return n;
}

static int64_t resident_mincore(uintptr_t start, uintptr_t end, uint64_t base)
{
    unsigned char v[PAGEMAP_BATCH];
    int64_t n = 0;

    for (uintptr_t a = start; a < end;) {
        uint64_t k = (end - a) / base;
        if (k > PAGEMAP_BATCH)
            k = PAGEMAP_BATCH;
        if (mincore((void *)a, k * base, v) != 0)
            return -1;
        for (uint64_t i = 0; i < k; i++)
            n += v[i] & 1;
        a += k * base;
    }
    return n;
}

/* Bytes of host memory held for the host mapping [p, p+len). */
static uint64_t resident_host(struct memmap *m, const uint8_t *p, uint64_t len)
{
    uint64_t base = host_base_page();
    uintptr_t start = align_down((uintptr_t)p, base);
    uintptr_t end = align_up((uintptr_t)p + len, base);
    int64_t n = resident_pagemap(m, start, end, base);

    if (n < 0)
        n = resident_mincore(start, end, base);
    return n > 0 ? (uint64_t)n * base : 0;
}

/* Drops whole host pages [p, p+len). */
static void drop_host_pages(struct memmap *m, uint8_t *p, uint64_t len, struct memmap_release *out)
{
    uint64_t held = resident_host(m, p, len);
    if (madvise(p, len, MADV_DONTNEED) != 0) {
        /* The guest must see zeroes whatever the host refused. */
        fill_guest_pages(p, p + len, 0, out);
        return;
    }
    out->dropped += len;
    out->freed += held;
}

/* Drops the host page at p when it lies inside r and holds only zeroes. */
static void drop_if_zero(struct memmap *m, const struct mem_region *r, uintptr_t p, struct memmap_release *out)
{
    uint64_t hp = m->host_page_size;
    if (p < (uintptr_t)r->host || p + hp > (uintptr_t)r->host + r->size)
        return;
    if (holds_fill((const uint8_t *)p, hp, 0))
        drop_host_pages(m, (uint8_t *)p, hp, out);
}

int memmap_ram_release(struct memmap *m, uint64_t addr, uint64_t len, uint32_t fill,
                       struct memmap_release *out)
{
    memset(out, 0, sizeof(*out));
    if ((addr | len) & (MEM_PAGE_SIZE - 1))
        return -1;
    struct mem_region *r = memmap_find(m, addr);
    if (!r || r->kind != MEM_RAM || !r->host || len > r->size - (addr - r->base))
        return -1;
    if (len == 0)
        return 0;

    uint8_t *lo = r->host + (addr - r->base);
    uint8_t *hi = lo + len;
    if (fill != 0) {
        /* virtio 1.2 §5.5.6.7.2: a reported page keeps poison_val; a dropped
         * page would read as zero, so the pattern stays in place. */
        fill_guest_pages(lo, hi, fill, out);
        return 0;
    }

    uint64_t hp = m->host_page_size;
    uintptr_t a = align_up((uintptr_t)lo, hp);
    uintptr_t b = align_down((uintptr_t)hi, hp);
    if (a > b) {
        /* Wholly inside one host page. */
        fill_guest_pages(lo, hi, 0, out);
        drop_if_zero(m, r, align_down((uintptr_t)lo, hp), out);
        return 0;
    }
    if ((uintptr_t)lo < a) {
        fill_guest_pages(lo, (uint8_t *)a, 0, out);
        drop_if_zero(m, r, a - hp, out);
    }
    if (a < b)
        drop_host_pages(m, (uint8_t *)a, b - a, out);
    if (b < (uintptr_t)hi) {
        fill_guest_pages((uint8_t *)b, hi, 0, out);
        drop_if_zero(m, r, b, out);
    }
    return 0;
}

int memmap_ram_discard(struct memmap *m, uint64_t addr, uint64_t len)
{
    struct memmap_release rel;
    return memmap_ram_release(m, addr, len, 0, &rel);
}

uint64_t memmap_ram_resident_range(struct memmap *m, uint64_t addr, uint64_t len)
{
    struct mem_region *r = memmap_find(m, addr);
    if (!r || r->kind != MEM_RAM || !r->host || len > r->size - (addr - r->base))
        return 0;
    return len ? resident_host(m, r->host + (addr - r->base), len) : 0;
}

uint64_t memmap_ram_resident(struct memmap *m)
{
    uint64_t n = 0;
    for (size_t i = 0; i < m->n; i++) {
        const struct mem_region *r = &m->r[i];
        if (r->kind == MEM_RAM && r->host)
            n += resident_host(m, r->host, r->size);
    }
    return n;
}

void memmap_ram_base_pages(struct memmap *m)
{
    m->ram_base_pages = true;
#ifdef MADV_NOHUGEPAGE
    for (size_t i = 0; i < m->n; i++) {
        if (m->r[i].kind == MEM_RAM && m->r[i].host)
            (void)madvise(m->r[i].host, m->r[i].size, MADV_NOHUGEPAGE);
    }
#endif
}
