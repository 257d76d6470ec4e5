/*
 * The guest physical memory map: a sorted set of non-overlapping regions.
 *
 * Changing the map is a transaction: memmap_add_* builds a new array,
 * validates it (no overlap, page alignment for RAM/ROM, no wrap) and only
 * then swaps it in; on any failure the installed map is untouched and the
 * call returns -1 with a message in err. After a change the owner flushes
 * the soft TLBs (machine_map_changed).
 *
 * RAM is one host mapping per region, reserved lazily (MAP_NORESERVE) so
 * an untouched page costs nothing, and pages can be given back to the host
 * (memmap_ram_release, in memmap_release.c):
 *
 *   struct memmap_release rel;
 *   if (memmap_ram_release(&m->map, addr, len, poison, &rel) < 0) ...   not one RAM range
 *   uint64_t held = memmap_ram_resident(&m->map);                       host bytes behind RAM
 */
#ifndef EMU_CORE_MEMMAP_H
#define EMU_CORE_MEMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dev.h"
#include "core/log.h"

#define MEM_PAGE_BITS 12
#define MEM_PAGE_SIZE (1ull << MEM_PAGE_BITS)

enum mem_kind { MEM_RAM, MEM_ROM, MEM_MMIO };

struct mem_region {
    uint64_t base, size;
    enum mem_kind kind;
    const char *name;
    uint8_t *host;               /* RAM/ROM: host mapping of [base, base+size) */
    uint8_t *code_pages;         /* RAM/ROM: one byte per page, non-zero while it holds translated code */
    const struct dev_ops *ops;   /* MMIO */
    void *dev;                   /* MMIO */
};

struct memmap {
    struct mem_region *r;
    size_t n;
    /* Host side of giving RAM back (memmap_release.c). */
    uint64_t host_page_size;     /* what the host can drop: a multiple of its base page */
    bool ram_base_pages;         /* RAM kept out of transparent huge pages */
    int pagemap_fd;              /* /proc/self/pagemap once opened, else -1 */
};

void memmap_init(struct memmap *m);
void memmap_free(struct memmap *m);

int memmap_add_ram(struct memmap *m, uint64_t base, uint64_t size, const char *name, struct emu_err *err);
int memmap_add_rom(struct memmap *m, uint64_t base, uint64_t size, const char *name, struct emu_err *err);
int memmap_add_mmio(struct memmap *m, uint64_t base, uint64_t size, const struct dev_ops *ops, void *dev,
                    const char *name, struct emu_err *err);

/* The region holding addr, or NULL. Binary search. */
struct mem_region *memmap_find(const struct memmap *m, uint64_t addr);

/* Host pointer for [addr, addr+len) when it lies wholly inside one RAM or
 * ROM region, else NULL. The only way device models reach guest memory. */
uint8_t *memmap_host_ptr(const struct memmap *m, uint64_t addr, uint64_t len);

/* Releases the host pages behind a page-aligned RAM range; they read as
 * zero afterwards. Returns -1 if the range is not wholly inside one RAM region. */
int memmap_ram_discard(struct memmap *m, uint64_t addr, uint64_t len);

/* What one memmap_ram_release did, in bytes. */
struct memmap_release {
    uint64_t dropped;            /* whole host pages given back to the host */
    uint64_t freed;              /* of those, what was resident: host memory actually returned */
    uint64_t written;            /* bytes set to the fill in place */
};

/*
 * Makes every byte of [addr, addr+len) read as the 32-bit little-endian
 * pattern fill (repeated from 4-byte aligned addresses), giving the host
 * memory behind it back where it can. The range must be 4 KiB aligned and
 * wholly inside one RAM region; len 0 does nothing.
 *
 * fill 0: whole host pages in the range are dropped (MADV_DONTNEED: they
 * read as zeroes and cost nothing until touched again). Where a host page
 * is larger than the guest's 4 KiB and only partly inside the range, the
 * guest pages of that part are zeroed in place, and the whole host page is
 * dropped once it holds nothing but zeroes.
 * Nonzero fill: nothing is dropped (a dropped page would come back as
 * zeroes); guest pages not already holding the pattern are written with it.
 * Either way, what the guest reads afterwards never depends on the host;
 * only how much memory goes back does.
 *
 * The caller invalidates translated code in the range first. Returns 0, or
 * -1 (nothing changed) when the range is unaligned or not one RAM range.
 */
int memmap_ram_release(struct memmap *m, uint64_t addr, uint64_t len, uint32_t fill,
                       struct memmap_release *out) __attribute__((warn_unused_result));

/*
 * Host memory held by guest RAM, in bytes: pages private to emu that are
 * resident or swapped out. The shared zero page (what an untouched page
 * reads) costs nothing and is not counted; swapped-out pages are, so the figure
 * depends only on what the guest and emu did, not on host memory pressure
 * (with memmap_ram_base_pages). From /proc/self/pagemap; where that cannot
 * be read, mincore(), which also counts shared pages.
 */
uint64_t memmap_ram_resident(struct memmap *m);
/* The same for [addr, addr+len) inside one RAM region (0 otherwise). */
uint64_t memmap_ram_resident_range(struct memmap *m, uint64_t addr, uint64_t len);

/* Whether a /proc/self/pagemap entry is host memory emu holds for RAM:
 * a private page present and mapped only here, or swapped out; not the
 * shared zero page an untouched page reads, not a file page. This is
 * what memmap_ram_resident counts. */
bool memmap_pagemap_held(uint64_t entry);

/* Keeps RAM, present and future, out of transparent huge pages, so that a
 * guest touching one 4 KiB page costs the host one base page, whatever the
 * host's THP setting and free memory: resident size becomes a function of
 * the guest's behaviour alone. */
void memmap_ram_base_pages(struct memmap *m);

#endif
