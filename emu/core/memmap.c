/*
 * The guest physical memory map (see memmap.h).
 *
 * Regions are kept sorted by base in one array; a change builds a new
 * array, validates it and only then replaces the old one, so a failed
 * change leaves the installed map untouched.
 */
#include "core/memmap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void memmap_init(struct memmap *m)
{
    long page = sysconf(_SC_PAGESIZE);
    memset(m, 0, sizeof(*m));
    m->host_page_size = page > 0 ? (uint64_t)page : MEM_PAGE_SIZE;
    m->pagemap_fd = -1;
}

static void region_release(struct mem_region *r)
{
    if (r->host)
        munmap(r->host, r->size);
    free(r->code_pages);
}

void memmap_free(struct memmap *m)
{
    for (size_t i = 0; i < m->n; i++)
        region_release(&m->r[i]);
    free(m->r);
    if (m->pagemap_fd >= 0)
        close(m->pagemap_fd);
    memmap_init(m);
}

static int memmap_insert(struct memmap *m, const struct mem_region *nr, struct emu_err *err)
{
    if (nr->size == 0)
        return emu_errf(err, "%s: empty region", nr->name);
    if (nr->base + nr->size - 1 < nr->base)
        return emu_errf(err, "%s: region at 0x%llx wraps around the address space", nr->name,
                        (unsigned long long)nr->base);
    size_t pos = 0;
    while (pos < m->n && m->r[pos].base < nr->base)
        pos++;
    if (pos > 0) {
        const struct mem_region *prev = &m->r[pos - 1];
        if (prev->base + prev->size > nr->base)
            return emu_errf(err, "%s at 0x%llx overlaps %s", nr->name, (unsigned long long)nr->base, prev->name);
    }
    if (pos < m->n && nr->base + nr->size > m->r[pos].base)
        return emu_errf(err, "%s at 0x%llx overlaps %s", nr->name, (unsigned long long)nr->base, m->r[pos].name);

    struct mem_region *arr = malloc((m->n + 1) * sizeof(*arr));
    if (!arr)
        return emu_errf(err, "out of memory for the memory map");
    if (m->n) {
        memcpy(arr, m->r, pos * sizeof(*arr));
        memcpy(arr + pos + 1, m->r + pos, (m->n - pos) * sizeof(*arr));
    }
    arr[pos] = *nr;
    free(m->r);
    m->r = arr;
    m->n++;
    return 0;
}

static int memmap_add_backed(struct memmap *m, uint64_t base, uint64_t size, enum mem_kind kind, const char *name,
                             struct emu_err *err)
{
    if ((base | size) & (MEM_PAGE_SIZE - 1))
        return emu_errf(err, "%s: base 0x%llx and size 0x%llx must be page aligned", name,
                        (unsigned long long)base, (unsigned long long)size);
    if (size > (1ull << 46))
        return emu_errf(err, "%s: size 0x%llx is too large", name, (unsigned long long)size);
    struct mem_region r = { .base = base, .size = size, .kind = kind, .name = name };
    /* Reserved, not committed: untouched guest RAM costs no host memory. */
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return emu_errf(err, "%s: cannot reserve %llu MiB of host memory", name,
                        (unsigned long long)(size >> 20));
    r.host = p;
#ifdef MADV_NOHUGEPAGE
    if (kind == MEM_RAM && m->ram_base_pages)
        (void)madvise(p, size, MADV_NOHUGEPAGE);
#endif
    r.code_pages = calloc(size >> MEM_PAGE_BITS, 1);
    if (!r.code_pages) {
        munmap(p, size);
        return emu_errf(err, "%s: out of memory", name);
    }
    if (memmap_insert(m, &r, err) < 0) {
        region_release(&r);
        return -1;
    }
    return 0;
}

int memmap_add_ram(struct memmap *m, uint64_t base, uint64_t size, const char *name, struct emu_err *err)
{
    return memmap_add_backed(m, base, size, MEM_RAM, name, err);
}

int memmap_add_rom(struct memmap *m, uint64_t base, uint64_t size, const char *name, struct emu_err *err)
{
    return memmap_add_backed(m, base, size, MEM_ROM, name, err);
}

int memmap_add_mmio(struct memmap *m, uint64_t base, uint64_t size, const struct dev_ops *ops, void *dev,
                    const char *name, struct emu_err *err)
{
    struct mem_region r = { .base = base, .size = size, .kind = MEM_MMIO, .name = name, .ops = ops, .dev = dev };
    return memmap_insert(m, &r, err);
}

struct mem_region *memmap_find(const struct memmap *m, uint64_t addr)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        struct mem_region *r = &m->r[mid];
        if (addr < r->base)
            hi = mid;
        else if (addr - r->base >= r->size)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

uint8_t *memmap_host_ptr(const struct memmap *m, uint64_t addr, uint64_t len)
{
    struct mem_region *r = memmap_find(m, addr);
    if (!r || !r->host)
        return NULL;
    uint64_t off = addr - r->base;
    if (len > r->size - off)
        return NULL;
    return r->host + off;
}
