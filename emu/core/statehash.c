/*
 * State hashes (see statehash.h).
 *
 * hash64 runs four independent lanes over 32-byte blocks, so the host's
 * multipliers overlap; each 64-bit word is multiplied in, then the lane is
 * stirred by an xor-shift and a second multiply (both invertible, so no
 * lane state is ever lost). The lanes, the length and the last partial
 * block are folded together and finished by the splitmix64 finaliser
 * (the same mixer core/prng.c seeds with).
 */
#include "core/statehash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/snap.h"
#include "core/snapshot.h"

#define HASH_K1 0x9e3779b97f4a7c15ull   /* 2^64 / golden ratio, odd */
#define HASH_K2 0xbf58476d1ce4e5b9ull
#define HASH_K3 0x94d049bb133111ebull

static uint64_t hash_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint64_t hash_finish(uint64_t z)
{
    z ^= z >> 30;
    z *= HASH_K2;
    z ^= z >> 27;
    z *= HASH_K3;
    return z ^ (z >> 31);
}

static inline uint64_t hash_step(uint64_t lane, uint64_t w)
{
    lane ^= w * HASH_K1;
    lane ^= lane >> 29;
    return lane * HASH_K2;
}

static void hash_blocks(struct hash64 *h, const uint8_t *p, size_t nblocks)
{
    uint64_t a = h->lane[0], b = h->lane[1], c = h->lane[2], d = h->lane[3];
    for (size_t i = 0; i < nblocks; i++, p += 32) {
        a = hash_step(a, hash_le64(p));
        b = hash_step(b, hash_le64(p + 8));
        c = hash_step(c, hash_le64(p + 16));
        d = hash_step(d, hash_le64(p + 24));
    }
    h->lane[0] = a;
    h->lane[1] = b;
    h->lane[2] = c;
    h->lane[3] = d;
}

void hash64_init(struct hash64 *h, uint64_t seed)
{
    for (unsigned i = 0; i < 4; i++)
        h->lane[i] = hash_finish(seed + (i + 1) * HASH_K1);
    h->ntail = 0;
    h->total = 0;
}

void hash64_update(struct hash64 *h, const void *data, size_t n)
{
    const uint8_t *p = data;
    h->total += n;
    if (h->ntail) {
        size_t take = 32 - h->ntail < n ? 32 - h->ntail : n;
        memcpy(h->tail + h->ntail, p, take);
        h->ntail += take;
        p += take;
        n -= take;
        if (h->ntail < 32)
            return;
        hash_blocks(h, h->tail, 1);
        h->ntail = 0;
    }
    hash_blocks(h, p, n / 32);
    p += n / 32 * 32;
    n %= 32;
    memcpy(h->tail, p, n);
    h->ntail = n;
}

uint64_t hash64_final(const struct hash64 *h)
{
    uint64_t v = hash_finish(h->total ^ HASH_K3);
    for (unsigned i = 0; i < 4; i++)
        v = hash_step(v, h->lane[i]);
    size_t i = 0;
    for (; i + 8 <= h->ntail; i += 8)
        v = hash_step(v, hash_le64(h->tail + i));
    uint64_t last = 0;
    for (size_t j = h->ntail; j-- > i;)
        last = last << 8 | h->tail[j];
    v = hash_step(v, last ^ ((uint64_t)(h->ntail - i) << 56));
    return hash_finish(v);
}

uint64_t hash64_blocks(const void *data, size_t n, uint64_t seed, bool *nonzero)
{
    struct hash64 h;
    const uint8_t *p = data;
    uint64_t any = 0;
    hash64_init(&h, seed);
    uint64_t a = h.lane[0], b = h.lane[1], c = h.lane[2], d = h.lane[3];
    for (size_t i = 0; i + 32 <= n; i += 32, p += 32) {
        uint64_t w0 = hash_le64(p), w1 = hash_le64(p + 8), w2 = hash_le64(p + 16), w3 = hash_le64(p + 24);
        any |= w0 | w1 | w2 | w3;
        a = hash_step(a, w0);
        b = hash_step(b, w1);
        c = hash_step(c, w2);
        d = hash_step(d, w3);
    }
    h.lane[0] = a;
    h.lane[1] = b;
    h.lane[2] = c;
    h.lane[3] = d;
    h.total = n / 32 * 32;
    *nonzero = any != 0;
    return hash64_final(&h);
}

uint64_t hash64(const void *data, size_t n, uint64_t seed)
{
    struct hash64 h;
    hash64_init(&h, seed);
    hash64_update(&h, data, n);
    return hash64_final(&h);
}

int hash64_file(const char *path, uint64_t *hash, uint64_t *size, struct emu_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return emu_errf(err, "%s: %s", path, strerror(errno));
    enum { CHUNK = 1 << 20 };
    uint8_t *buf = malloc(CHUNK);
    if (!buf) {
        fclose(f);
        return emu_errf(err, "%s: out of memory to hash it", path);
    }
    struct hash64 h;
    hash64_init(&h, 0);
    size_t got;
    while ((got = fread(buf, 1, CHUNK, f)) > 0)
        hash64_update(&h, buf, got);
    int bad = ferror(f);
    free(buf);
    fclose(f);
    if (bad)
        return emu_errf(err, "%s: read error", path);
    *hash = hash64_final(&h);
    *size = h.total;
    return 0;
}

int statehash_compute(struct machine *m, struct statehash *out, struct emu_err *err)
{
    memset(out, 0, sizeof(*out));
    struct snap *s = snap_hasher();
    if (!s)
        return emu_errf(err, "out of memory for the state hash");
    if (snapshot_walk(m, s) < 0) {
        emu_errf(err, "state hash: %s", snap_error(s));
        snap_free(s);
        return -1;
    }
    size_t n = snap_hash_count(s);
    out->name = calloc(n ? n : 1, sizeof(*out->name));
    out->value = calloc(n ? n : 1, sizeof(*out->value));
    if (!out->name || !out->value) {
        snap_free(s);
        statehash_free(out);
        return emu_errf(err, "out of memory for the state hash");
    }
    struct hash64 all;
    hash64_init(&all, 0);
    for (size_t i = 0; i < n; i++) {
        out->name[i] = strdup(snap_hash_name(s, i));
        if (!out->name[i]) {
            out->n = i;
            snap_free(s);
            statehash_free(out);
            return emu_errf(err, "out of memory for the state hash");
        }
        out->value[i] = snap_hash_value(s, i);
        hash64_update(&all, out->name[i], strlen(out->name[i]) + 1);
        uint8_t v[8];
        for (unsigned b = 0; b < 8; b++)
            v[b] = (uint8_t)(out->value[i] >> (8 * b));
        hash64_update(&all, v, sizeof(v));
    }
    out->n = n;
    out->total = hash64_final(&all);
    snprintf(out->skipped, sizeof(out->skipped), "%s", snap_hash_skips(s));
    snap_free(s);
    return 0;
}

void statehash_free(struct statehash *sh)
{
    if (sh->name) {
        for (size_t i = 0; i < sh->n; i++)
            free(sh->name[i]);
    }
    free(sh->name);
    free(sh->value);
    memset(sh, 0, sizeof(*sh));
}
