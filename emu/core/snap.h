/*
 * The serializer behind snapshots and input logs: a versioned,
 * checksummed, zlib-compressed stream of named fields in sections.
 *
 * One function describes a piece of state for saving, loading and
 * hashing alike: it calls snap_u32(s, "name", &field) and friends, and
 * the mode of s decides whether the value is written, read back into the
 * field, or fed to a hash.
 *
 *   static int uart_save(void *dev, struct snap *s)   (also its .load)
 *   {
 *       struct uart16550 *u = dev;
 *       snap_u8(s, "ier", &u->ier);
 *       snap_u16(s, "dl", &u->dl);
 *       if (snap_loading(s) && u->rx.count > 16)
 *           snap_fail(s, "rx FIFO holds %u bytes", u->rx.count);
 *       return snap_status(s);
 *   }
 *
 *   struct snap *s = snap_create("vm.snap", SNAP_KIND_SNAPSHOT, 1, &err);
 *   snap_begin(s, "uart0");  uart_save(u, s);  snap_end(s);
 *   if (snap_close(s, &err) < 0) ...;
 *
 *   struct snap *s = snap_open("vm.snap", SNAP_KIND_SNAPSHOT, &err);
 *   ...                                    whole file checked already
 *   snap_begin(s, "uart0");  uart_save(u, s);  snap_end(s);
 *   if (snap_close(s, &err) < 0) ...;       the first error, with its place
 *
 * File layout (little-endian):
 *   0   8  magic: "EMUSNAP\n" (snapshot) or "EMULOG\n\0" (input log)
 *   8   4  format version (SNAP_FORMAT_VERSION)
 *   12  4  zero
 *   16  .. zlib stream (RFC 1950) of the body
 *   ..  20 trailer: body length (8), CRC-32 of the body (4), CRC-32 of
 *          the header and compressed bytes (4), "END\n" (4)
 * Opening a file inflates all of it and checks the trailer before any
 * field is returned, so a truncated, damaged or foreign file is refused
 * before anything is loaded from it.
 *
 * Body: fields are [type u8][name length u8][name][value]; a section is
 * a begin field carrying its name and an end field. Reading checks each
 * field's name and type, so a loader and a file that disagree stop at the
 * first difference with a message naming it. Raw bytes (snap_raw) may
 * follow the sections, for formats of their own such as log records.
 *
 * Errors are sticky: after the first, every call does nothing and returns
 * -1, so a save/load function can check once at its end.
 */
#ifndef EMU_CORE_SNAP_H
#define EMU_CORE_SNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"

#define SNAP_FORMAT_VERSION 1u

enum snap_kind { SNAP_KIND_SNAPSHOT, SNAP_KIND_LOG };
enum snap_mode { SNAP_WRITE, SNAP_READ, SNAP_HASH };

struct snap;

/* Writes a new file (replacing one there). level: zlib 1 (fast) .. 9 (small). */
struct snap *snap_create(const char *path, enum snap_kind kind, int level, struct emu_err *err);
/* Opens and checks a whole file; NULL with a message saying what is wrong. */
struct snap *snap_open(const char *path, enum snap_kind kind, struct emu_err *err);
/* Collects a hash per section instead of writing anything. */
struct snap *snap_hasher(void);

/* Write: finishes the file. Read: fails if the last section was left open.
 * Returns 0, or -1 with the first error of s (or of closing) in err.
 * Frees s either way. */
int snap_close(struct snap *s, struct emu_err *err);
/* Frees s without finishing anything (after an error). NULL is fine. */
void snap_free(struct snap *s);

enum snap_mode snap_mode(const struct snap *s);
static inline bool snap_loading(const struct snap *s) { return snap_mode(s) == SNAP_READ; }

/* Marks s failed with a message (the first failure wins); returns -1. The
 * message is prefixed with the open section's name. */
int snap_fail(struct snap *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 0, or -1 once anything failed. */
int snap_status(const struct snap *s);
const char *snap_error(const struct snap *s);

/* Sections do not nest. */
int snap_begin(struct snap *s, const char *name);
int snap_end(struct snap *s);
/* Hash mode: fields between snap_hash_off and snap_hash_on are saved but
 * not hashed (host-side counters, bookkeeping that may differ after a
 * restore without the guest seeing it). */
void snap_hash_off(struct snap *s);
void snap_hash_on(struct snap *s);

/* A field name built with printf rules, e.g. snap_key(s, "ctx%u.threshold", i);
 * valid until the next call. */
const char *snap_key(struct snap *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fields (write: value from *v; read: into *v; hash: *v hashed). */
int snap_u8(struct snap *s, const char *name, uint8_t *v);
int snap_u16(struct snap *s, const char *name, uint16_t *v);
int snap_u32(struct snap *s, const char *name, uint32_t *v);
int snap_u64(struct snap *s, const char *name, uint64_t *v);
int snap_i64(struct snap *s, const char *name, int64_t *v);
int snap_bool(struct snap *s, const char *name, bool *v);
/* A fixed-size run of bytes / of integers; reading checks the count. */
int snap_bytes(struct snap *s, const char *name, void *buf, size_t len);
int snap_u32s(struct snap *s, const char *name, uint32_t *v, size_t n);
int snap_u64s(struct snap *s, const char *name, uint64_t *v, size_t n);
/* A string: write/hash take *v (NULL is ""); read stores a malloc'ed copy
 * in *v (the caller frees it). At most 1 MiB. */
int snap_str(struct snap *s, const char *name, char **v);

/* Raw bytes outside sections, for formats of their own. Reading fails at
 * the end of the body; snap_at_end says whether it is there. */
int snap_raw(struct snap *s, void *buf, size_t len);
bool snap_at_end(struct snap *s);

/* Hash mode: notes that part of a section (name, or the open section
 * when NULL) could not be hashed, because it cannot be saved yet; the
 * caller reports it. Returns snap_status(s). */
int snap_hash_skipped(struct snap *s, const char *name);
/* The parts noted, "cpu0, virtio-blk", or "" when none. */
const char *snap_hash_skips(const struct snap *s);

/* Hash mode: the sections seen, in order. */
size_t snap_hash_count(const struct snap *s);
const char *snap_hash_name(const struct snap *s, size_t i);
uint64_t snap_hash_value(const struct snap *s, size_t i);

#endif
