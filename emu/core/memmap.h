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
 * an untouched page costs nothing and can be given back with
 * memmap_ram_discard.
 */
#ifndef EMU_CORE_MEMMAP_H
#define EMU_CORE_MEMMAP_H

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

#endif
