/*
 * State hashes: a fast 64-bit hash, and the hash of a whole machine's
 * architectural state, section by section, as record/replay logs it.
 *
 *   struct hash64 h;
 *   hash64_init(&h, 0);
 *   hash64_update(&h, buf, n);
 *   uint64_t v = hash64_final(&h);
 *
 *   struct statehash sh;
 *   if (statehash_compute(m, &sh, &err) < 0) ...;
 *   printf("%016llx\n", (unsigned long long)sh.total);
 *   for (size_t i = 0; i < sh.n; i++) ... sh.name[i], sh.value[i] ...;
 *   statehash_free(&sh);
 *
 * The hash is not cryptographic: it tells runs apart, it does not resist
 * someone crafting a collision. It reads its input as little-endian
 * 64-bit words, so the value is the same on every host. A section is a
 * hart ("cpu0"), a device ("uart0#3"), the machine's own state
 * ("machine") or a slice of memory ("ram@0x80000000"); the sections are
 * exactly those of a snapshot (core/snapshot.c), hashed instead of saved,
 * without the counters that describe the host rather than the guest.
 */
#ifndef EMU_CORE_STATEHASH_H
#define EMU_CORE_STATEHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"

struct machine;

struct hash64 {
    uint64_t lane[4];
    uint8_t tail[32];           /* bytes not yet forming a whole 32-byte block */
    size_t ntail;
    uint64_t total;             /* bytes hashed */
};

void hash64_init(struct hash64 *h, uint64_t seed);
void hash64_update(struct hash64 *h, const void *data, size_t n);
uint64_t hash64_final(const struct hash64 *h);
/* One buffer at once. */
uint64_t hash64(const void *data, size_t n, uint64_t seed);
/* The same for a buffer of whole 32-byte blocks (a guest page), in one
 * pass that also tells whether any byte is non-zero. */
uint64_t hash64_blocks(const void *data, size_t n, uint64_t seed, bool *nonzero);

/* The hash of a file's contents and its size. Returns 0, or -1 with a
 * message naming the file. */
int hash64_file(const char *path, uint64_t *hash, uint64_t *size, struct emu_err *err);

struct statehash {
    size_t n;
    char **name;                /* section names, in snapshot order */
    uint64_t *value;            /* their hashes */
    uint64_t total;             /* hash of the list: equal iff every section is */
    char skipped[256];          /* parts that cannot be saved yet, so not hashed; "" normally */
};

/* Hashes the state of m as it is now (call between run-loop rounds). */
int statehash_compute(struct machine *m, struct statehash *out, struct emu_err *err);
void statehash_free(struct statehash *sh);

#endif
