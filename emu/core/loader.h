/*
 * Loading guest images into guest RAM/ROM: ELF (via libelf) and raw files.
 *
 * A struct loader remembers every range it has loaded in a machine, so a
 * second image overlapping a first is an error naming both, rather than
 * one silently overwriting the other. A failing load writes nothing.
 *
 *   struct loader ld;
 *   struct loader_info fw, k;
 *   loader_init(&ld, m);
 *   if (loader_load_elf(&ld, cfg->bios, EM_RISCV, &fw, err) < 0 ||
 *       loader_load_auto(&ld, cfg->kernel, 0x80200000, EM_RISCV, &k, err) < 0)
 *       ...
 *   loader_free(&ld);
 *
 * Images are written with machine_phys_write, so translated code that
 * they overwrite is invalidated (ROM is written through its host mapping).
 */
#ifndef EMU_CORE_LOADER_H
#define EMU_CORE_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"

struct machine;

struct loader_range {
    uint64_t first, last;       /* inclusive, so a range may end at 2^64 - 1 */
    char *name;                 /* the image's path */
};

struct loader {
    struct machine *m;
    struct loader_range *ranges;
    size_t n, cap;
};

struct loader_info {
    bool is_elf;
    uint64_t entry;             /* ELF: e_entry; raw: the load address */
    uint64_t low, high;         /* lowest address loaded, one past the highest */
    bool has_htif;              /* ELF with a tohost symbol (riscv-tests, HTIF) */
    uint64_t tohost, fromhost;  /* fromhost is 0 when the ELF has none */
};

void loader_init(struct loader *ld, struct machine *m);
void loader_free(struct loader *ld);

/* Loads the PT_LOAD segments of a 64-bit little-endian ELF for machine
 * e_machine (EM_RISCV ...) at their physical addresses: p_filesz bytes
 * copied, the rest of p_memsz zeroed. Each segment must lie wholly inside
 * one RAM or ROM region. Returns 0, or -1 with a one-line message. */
int loader_load_elf(struct loader *ld, const char *path, uint16_t e_machine, struct loader_info *info,
                    struct emu_err *err);

/* Loads a whole file at addr; it must fit in one RAM or ROM region. */
int loader_load_raw(struct loader *ld, const char *path, uint64_t addr, struct loader_info *info,
                    struct emu_err *err);

/* ELF when the file starts with the ELF magic, else raw at raw_addr. */
int loader_load_auto(struct loader *ld, const char *path, uint64_t raw_addr, uint16_t e_machine,
                     struct loader_info *info, struct emu_err *err);

/* Places bytes made by emu itself (a device tree) with the same checks;
 * name is used in messages. */
int loader_load_blob(struct loader *ld, const char *name, uint64_t addr, const void *buf, uint64_t len,
                     struct emu_err *err);

/* 1 when path starts with the ELF magic, 0 when not, -1 (with a message)
 * when it cannot be read. */
int loader_is_elf(const char *path, struct emu_err *err);

#endif
