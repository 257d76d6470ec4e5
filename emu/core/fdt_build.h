/*
 * Building a flattened device tree (Devicetree Specification v0.4 §5)
 * with libfdt's sequential-write API, checked once at the end.
 *
 * Every call is a no-op after the first failure, which is remembered
 * with the name of the call, so a board writes its whole tree and checks
 * one result. The buffer grows as needed.
 *
 *   struct fdt_build fb;
 *   fdt_build_init(&fb, 4096);
 *   fdt_build_begin_node(&fb, "");
 *   fdt_build_prop_u32(&fb, "#address-cells", 2);
 *   fdt_build_begin_node_at(&fb, "memory", 0x80000000);
 *   fdt_build_prop_string(&fb, "device_type", "memory");
 *   fdt_build_prop_reg(&fb, 0x80000000, ram_size);
 *   fdt_build_end_node(&fb);
 *   fdt_build_end_node(&fb);
 *   if (fdt_build_finish(&fb, 4096, err) < 0) ...   room for firmware edits
 *   use fdt_build_blob(&fb), fdt_build_size(&fb); then fdt_build_free(&fb)
 */
#ifndef EMU_CORE_FDT_BUILD_H
#define EMU_CORE_FDT_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "core/log.h"

struct fdt_build {
    void *buf;
    size_t size;
    int err;                    /* first libfdt error (negative), 0 while all went well */
    char where[96];             /* the call that failed first */
    uint32_t next_phandle;      /* phandles are handed out 1, 2, 3... in call order */
    unsigned depth;             /* open nodes */
    int finished;
};

/* Starts a tree with an empty memory reservation map. Returns 0 or -1
 * (out of memory, also remembered in fb). */
int fdt_build_init(struct fdt_build *fb, size_t initial_size);
void fdt_build_free(struct fdt_build *fb);

void fdt_build_begin_node(struct fdt_build *fb, const char *name);
/* Node named "name@<addr in lower-case hex>" (DT spec §2.2.1). */
void fdt_build_begin_node_at(struct fdt_build *fb, const char *name, uint64_t addr);
void fdt_build_end_node(struct fdt_build *fb);

void fdt_build_prop(struct fdt_build *fb, const char *name, const void *val, size_t len);
void fdt_build_prop_empty(struct fdt_build *fb, const char *name);
void fdt_build_prop_u32(struct fdt_build *fb, const char *name, uint32_t v);
void fdt_build_prop_u64(struct fdt_build *fb, const char *name, uint64_t v);
/* n 32-bit cells, each stored big-endian. */
void fdt_build_prop_cells(struct fdt_build *fb, const char *name, const uint32_t *cells, size_t n);
void fdt_build_prop_string(struct fdt_build *fb, const char *name, const char *s);
/* A string list ("a\0b\0"), e.g. compatible = "sifive,plic-1.0.0", "riscv,plic0". */
void fdt_build_prop_strings(struct fdt_build *fb, const char *name, const char *const *list, size_t n);
/* reg = <addr size> with #address-cells = #size-cells = 2. */
void fdt_build_prop_reg(struct fdt_build *fb, uint64_t addr, uint64_t size);
/* reg with n (addr, size) pairs in pairs[2n]. */
void fdt_build_prop_regs(struct fdt_build *fb, const uint64_t *pairs, size_t n);

/* A fresh phandle (never 0 or 0xffffffff: DT spec §2.3.3). */
uint32_t fdt_build_alloc_phandle(struct fdt_build *fb);

/* Closes the tree and leaves extra free bytes in it for firmware that
 * edits it in place (fdt_open_into). Returns 0, or -1 with the first
 * failure in err ("device tree: fdt_property(reg): FDT_ERR_..."). */
int fdt_build_finish(struct fdt_build *fb, size_t extra, struct emu_err *err);

/* The finished blob and its total size (fdt_totalsize). */
const void *fdt_build_blob(const struct fdt_build *fb);
size_t fdt_build_size(const struct fdt_build *fb);

#endif
