/*
 * Device option strings, QEMU style: "NAME,key=value,key=value".
 *
 *   struct devopts o;
 *   if (devopts_parse(&o, "virtio-blk,file=disk.img,readonly=on", err) < 0) ...
 *   static const char *const keys[] = { "file", "readonly", NULL };
 *   if (devopts_check_keys(&o, keys, err) < 0) ...
 *   bool ro;
 *   if (devopts_bool(&o, "readonly", false, &ro, err) < 0) ...
 *   devopts_free(&o);
 *
 * A value runs to the next comma; ",," stands for a literal comma, as in
 * QEMU. Errors name the device and the key.
 */
#ifndef EMU_CORE_DEVOPTS_H
#define EMU_CORE_DEVOPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/log.h"

#define DEVOPTS_MAX 16

struct devopt {
    const char *key;
    const char *val;            /* "" for a bare key ("readonly" means "readonly=on") */
};

struct devopts {
    char *buf;                  /* owns the strings below */
    const char *name;
    struct devopt kv[DEVOPTS_MAX];
    unsigned n;
};

/* Splits spec; the first item is the name and has no '='. */
int devopts_parse(struct devopts *o, const char *spec, struct emu_err *err);
void devopts_free(struct devopts *o);

/* Adds or replaces key (the board turns -drive into virtio-blk options). */
int devopts_set(struct devopts *o, const char *key, const char *val, struct emu_err *err);

/* Drops key if present. */
void devopts_remove(struct devopts *o, const char *key);

/* Fails on a key not in the NULL-terminated list, or a key given twice. */
int devopts_check_keys(const struct devopts *o, const char *const *keys, struct emu_err *err);

/* The value of key, or NULL when absent. */
const char *devopts_get(const struct devopts *o, const char *key);
/* on/off, yes/no, true/false, 1/0; a bare key is on. */
int devopts_bool(const struct devopts *o, const char *key, bool dflt, bool *out, struct emu_err *err);
/* Decimal or 0x hex. */
int devopts_u64(const struct devopts *o, const char *key, uint64_t dflt, uint64_t *out, struct emu_err *err);
/* A size as -m takes it: a plain number is MiB. */
int devopts_size(const struct devopts *o, const char *key, uint64_t dflt, uint64_t *out, struct emu_err *err);

#endif
