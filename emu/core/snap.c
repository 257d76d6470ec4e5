/*
 * The snapshot and log serializer (format in snap.h).
 *
 * Writing deflates a 64 KiB buffer at a time and keeps a CRC-32 and the
 * length of everything that went in. Reading first inflates the whole
 * file to check it (stream complete, trailer present and matching, nothing
 * after it), then rewinds and inflates again as fields are asked for:
 * twice the inflate work, but nothing is handed out from a file that
 * turns out damaged further on.
 */
#include "core/snap.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/statehash.h"

#define SNAP_BUF      (64u * 1024u)
#define SNAP_HDR      16u
#define SNAP_TRAILER  20u
#define SNAP_NAME_MAX 255u
#define SNAP_STR_MAX  (1u << 20)

enum snap_type {
    SNAP_T_U8 = 1, SNAP_T_U16, SNAP_T_U32, SNAP_T_U64, SNAP_T_BYTES,
    SNAP_T_BEGIN, SNAP_T_END, SNAP_T_U32S, SNAP_T_U64S, SNAP_T_STR,
};

static const char *const snap_type_names[] = {
    [SNAP_T_U8] = "u8", [SNAP_T_U16] = "u16", [SNAP_T_U32] = "u32", [SNAP_T_U64] = "u64",
    [SNAP_T_BYTES] = "bytes", [SNAP_T_BEGIN] = "section", [SNAP_T_END] = "end of section",
    [SNAP_T_U32S] = "u32 array", [SNAP_T_U64S] = "u64 array", [SNAP_T_STR] = "string",
};

static const char snap_magic[2][8] = {
    [SNAP_KIND_SNAPSHOT] = { 'E', 'M', 'U', 'S', 'N', 'A', 'P', '\n' },
    [SNAP_KIND_LOG] = { 'E', 'M', 'U', 'L', 'O', 'G', '\n', '\0' },
};
static const char *const snap_kind_names[2] = {
    [SNAP_KIND_SNAPSHOT] = "snapshot", [SNAP_KIND_LOG] = "input log",
};
static const char *const snap_kind_articles[2] = {
    [SNAP_KIND_SNAPSHOT] = "a", [SNAP_KIND_LOG] = "an",
};
static const uint8_t snap_trailer_magic[4] = { 'E', 'N', 'D', '\n' };

struct snap_hashrec {
    char *name;
    uint64_t value;
};

struct snap {
    enum snap_mode mode;
    enum snap_kind kind;
    FILE *f;
    char *path;
    z_stream z;
    bool z_init;
    bool z_done;                /* read: the stream has ended */
    uint8_t *buf;               /* uncompressed: write [0,len) pending; read [pos,len) unread */
    size_t pos, len;
    uint8_t *zbuf;              /* compressed side */
    uint32_t crc;               /* of the body */
    uint32_t fcrc;              /* of the header and compressed bytes */
    uint64_t total;
    char section[SNAP_NAME_MAX + 1];
    bool in_section;
    bool hash_on;
    struct hash64 h;
    struct snap_hashrec *hashes;
    size_t nhashes, hcap;
    bool failed;
    char err[sizeof(((struct emu_err *)0)->msg)];
    char key[SNAP_NAME_MAX + 1];
    char skips[256];            /* hash mode: parts left out */
};

enum snap_mode snap_mode(const struct snap *s)
{
    return s->mode;
}

int snap_status(const struct snap *s)
{
    return s->failed ? -1 : 0;
}

const char *snap_error(const struct snap *s)
{
    return s->failed ? s->err : "";
}

int snap_fail(struct snap *s, const char *fmt, ...)
{
    if (s->failed)
        return -1;
    s->failed = true;
    int n = 0;
    if (s->in_section)
        n = snprintf(s->err, sizeof(s->err), "section '%s': ", s->section);
    if (n < 0 || (size_t)n >= sizeof(s->err))
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err + n, sizeof(s->err) - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static struct snap *snap_alloc(enum snap_mode mode, enum snap_kind kind, const char *path)
{
    struct snap *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->mode = mode;
    s->kind = kind;
    s->hash_on = true;
    if (mode == SNAP_HASH)
        return s;
    s->path = strdup(path);
    s->buf = malloc(SNAP_BUF);
    s->zbuf = malloc(SNAP_BUF);
    if (!s->path || !s->buf || !s->zbuf) {
        snap_free(s);
        return NULL;
    }
    return s;
}

void snap_free(struct snap *s)
{
    if (!s)
        return;
    if (s->z_init) {
        if (s->mode == SNAP_WRITE)
            deflateEnd(&s->z);
        else
            inflateEnd(&s->z);
    }
    if (s->f)
        fclose(s->f);
    for (size_t i = 0; i < s->nhashes; i++)
        free(s->hashes[i].name);
    free(s->hashes);
    free(s->path);
    free(s->buf);
    free(s->zbuf);
    free(s);
}

/* ---- writing ---- */

static void snap_le(uint8_t *b, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t snap_from_le(const uint8_t *b, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;)
        v = v << 8 | b[i];
    return v;
}

/* Deflates the pending buffer; flush is Z_NO_FLUSH or Z_FINISH. */
static int snap_deflate(struct snap *s, int flush)
{
    s->z.next_in = s->buf;
    s->z.avail_in = (uInt)s->len;
    for (;;) {
        s->z.next_out = s->zbuf;
        s->z.avail_out = SNAP_BUF;
        int r = deflate(&s->z, flush);
        if (r == Z_STREAM_ERROR)
            return snap_fail(s, "compression failed");
        size_t out = SNAP_BUF - s->z.avail_out;
        if (out && fwrite(s->zbuf, 1, out, s->f) != out)
            return snap_fail(s, "write error: %s", strerror(errno));
        s->fcrc = (uint32_t)crc32(s->fcrc, s->zbuf, (uInt)out);
        if (flush == Z_FINISH ? r == Z_STREAM_END : s->z.avail_out != 0)
            break;
    }
    s->len = 0;
    return 0;
}

static int snap_put(struct snap *s, const void *data, size_t n)
{
    if (s->failed)
        return -1;
    if (s->mode == SNAP_HASH) {
        if (s->in_section && s->hash_on)
            hash64_update(&s->h, data, n);
        return 0;
    }
    const uint8_t *p = data;
    s->crc = (uint32_t)crc32(s->crc, p, (uInt)n);
    s->total += n;
    while (n) {
        size_t take = SNAP_BUF - s->len < n ? SNAP_BUF - s->len : n;
        memcpy(s->buf + s->len, p, take);
        s->len += take;
        p += take;
        n -= take;
        if (s->len == SNAP_BUF && snap_deflate(s, Z_NO_FLUSH) < 0)
            return -1;
    }
    return 0;
}

struct snap *snap_create(const char *path, enum snap_kind kind, int level, struct emu_err *err)
{
    struct snap *s = snap_alloc(SNAP_WRITE, kind, path);
    if (!s) {
        emu_errf(err, "%s: out of memory", path);
        return NULL;
    }
    s->f = fopen(path, "wb");
    if (!s->f) {
        emu_errf(err, "cannot create %s: %s", path, strerror(errno));
        snap_free(s);
        return NULL;
    }
    if (deflateInit(&s->z, level) != Z_OK) {
        emu_errf(err, "%s: cannot start compression", path);
        snap_free(s);
        return NULL;
    }
    s->z_init = true;
    s->crc = (uint32_t)crc32(0, NULL, 0);
    uint8_t hdr[SNAP_HDR] = { 0 };
    memcpy(hdr, snap_magic[kind], 8);
    snap_le(hdr + 8, SNAP_FORMAT_VERSION, 4);
    s->fcrc = (uint32_t)crc32(crc32(0, NULL, 0), hdr, sizeof(hdr));
    if (fwrite(hdr, 1, sizeof(hdr), s->f) != sizeof(hdr)) {
        emu_errf(err, "cannot write %s: %s", path, strerror(errno));
        snap_free(s);
        return NULL;
    }
    return s;
}

struct snap *snap_hasher(void)
{
    return snap_alloc(SNAP_HASH, SNAP_KIND_SNAPSHOT, NULL);
}

/* ---- reading ---- */

/* Inflates more of the body into buf; 0 at the end of the stream. */
static size_t snap_inflate_more(struct snap *s, uint8_t *out, size_t cap, bool *ended)
{
    *ended = false;
    s->z.next_out = out;
    s->z.avail_out = (uInt)cap;
    while (s->z.avail_out == cap) {
        if (s->z.avail_in == 0) {
            size_t got = fread(s->zbuf, 1, SNAP_BUF, s->f);
            s->z.next_in = s->zbuf;
            s->z.avail_in = (uInt)got;
        }
        const Bytef *in = s->z.next_in;
        uInt avail = s->z.avail_in;
        int r = inflate(&s->z, Z_NO_FLUSH);
        s->fcrc = (uint32_t)crc32(s->fcrc, in, avail - s->z.avail_in);
        if (r == Z_STREAM_END) {
            *ended = true;
            break;
        }
        if (r == Z_BUF_ERROR && s->z.avail_in == 0) {
            snap_fail(s, "truncated or damaged (the compressed data ends early)");
            return 0;
        }
        if (r != Z_OK) {
            snap_fail(s, "corrupt (%s)", s->z.msg ? s->z.msg : "bad compressed data");
            return 0;
        }
    }
    return cap - s->z.avail_out;
}

/* The check pass: the whole stream, then the trailer, then nothing. */
static int snap_verify(struct snap *s)
{
    uint32_t crc = (uint32_t)crc32(0, NULL, 0);
    uint64_t total = 0;
    bool ended = false;
    while (!ended) {
        size_t n = snap_inflate_more(s, s->buf, SNAP_BUF, &ended);
        if (s->failed)
            return -1;
        crc = (uint32_t)crc32(crc, s->buf, (uInt)n);
        total += n;
    }
    uint8_t tr[SNAP_TRAILER];
    if (fseek(s->f, (long)(SNAP_HDR + s->z.total_in), SEEK_SET) != 0)
        return snap_fail(s, "cannot seek: %s", strerror(errno));
    if (fread(tr, 1, sizeof(tr), s->f) != sizeof(tr) || memcmp(tr + 16, snap_trailer_magic, 4))
        return snap_fail(s, "truncated (no trailer after the compressed data)");
    if (fgetc(s->f) != EOF)
        return snap_fail(s, "corrupt (unexpected data after the end)");
    if (snap_from_le(tr, 8) != total || (uint32_t)snap_from_le(tr + 8, 4) != crc ||
        (uint32_t)snap_from_le(tr + 12, 4) != s->fcrc)
        return snap_fail(s, "corrupt (checksum mismatch)");
    if (fseek(s->f, SNAP_HDR, SEEK_SET) != 0 || inflateReset(&s->z) != Z_OK)
        return snap_fail(s, "cannot rewind");
    s->z.avail_in = 0;
    return 0;
}

struct snap *snap_open(const char *path, enum snap_kind kind, struct emu_err *err)
{
    const char *what = snap_kind_names[kind];
    struct snap *s = snap_alloc(SNAP_READ, kind, path);
    if (!s) {
        emu_errf(err, "%s: out of memory", path);
        return NULL;
    }
    s->f = fopen(path, "rb");
    if (!s->f) {
        emu_errf(err, "cannot open %s %s: %s", what, path, strerror(errno));
        snap_free(s);
        return NULL;
    }
    uint8_t hdr[SNAP_HDR];
    size_t got = fread(hdr, 1, sizeof(hdr), s->f);
    enum snap_kind other = kind == SNAP_KIND_LOG ? SNAP_KIND_SNAPSHOT : SNAP_KIND_LOG;
    if (got >= 8 && !memcmp(hdr, snap_magic[other], 8)) {
        emu_errf(err, "%s is an emu %s, not %s %s", path, snap_kind_names[other], snap_kind_articles[kind], what);
    } else if (got < 8 || memcmp(hdr, snap_magic[kind], 8)) {
        emu_errf(err, "%s is not an emu %s", path, what);
    } else if (got < sizeof(hdr)) {
        emu_errf(err, "%s: truncated %s (header cut short)", path, what);
    } else if (snap_from_le(hdr + 8, 4) != SNAP_FORMAT_VERSION) {
        emu_errf(err, "%s: %s format version %u; this emu reads version %u", path, what,
                 (unsigned)snap_from_le(hdr + 8, 4), SNAP_FORMAT_VERSION);
    } else if (snap_from_le(hdr + 12, 4) != 0) {
        emu_errf(err, "%s: corrupt %s (unknown header flags)", path, what);
    } else if (inflateInit(&s->z) != Z_OK) {
        emu_errf(err, "%s: cannot start decompression", path);
    } else {
        s->z_init = true;
        s->fcrc = (uint32_t)crc32(crc32(0, NULL, 0), hdr, sizeof(hdr));
        if (snap_verify(s) == 0)
            return s;
        emu_errf(err, "%s: %s %s", path, what, s->err);
    }
    snap_free(s);
    return NULL;
}

static int snap_refill(struct snap *s)
{
    while (s->pos == s->len) {
        if (s->z_done)
            return -1;
        bool ended;
        s->len = snap_inflate_more(s, s->buf, SNAP_BUF, &ended);
        s->pos = 0;
        if (s->failed)
            return -1;
        s->z_done = ended;
    }
    return 0;
}

static int snap_get(struct snap *s, void *data, size_t n)
{
    uint8_t *p = data;
    if (s->failed)
        return -1;
    while (n) {
        if (snap_refill(s) < 0)
            return snap_fail(s, "the file ends before the state it should hold");
        size_t take = s->len - s->pos < n ? s->len - s->pos : n;
        memcpy(p, s->buf + s->pos, take);
        s->pos += take;
        p += take;
        n -= take;
    }
    return 0;
}

bool snap_at_end(struct snap *s)
{
    if (s->mode != SNAP_READ || s->failed)
        return true;
    return snap_refill(s) < 0 && !s->failed;
}

/* ---- fields ---- */

const char *snap_key(struct snap *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->key, sizeof(s->key), fmt, ap);
    va_end(ap);
    return s->key;
}

static int snap_put_header(struct snap *s, enum snap_type t, const char *name)
{
    size_t n = strlen(name);
    if (n > SNAP_NAME_MAX)
        return snap_fail(s, "field name '%.32s...' is too long", name);
    uint8_t h[2] = { (uint8_t)t, (uint8_t)n };
    if (snap_put(s, h, 2) < 0)
        return -1;
    return snap_put(s, name, n);
}

static const char *snap_type_name(unsigned t)
{
    return t < sizeof(snap_type_names) / sizeof(snap_type_names[0]) && snap_type_names[t] ? snap_type_names[t]
                                                                                         : "unknown";
}

static int snap_get_header(struct snap *s, enum snap_type t, const char *name)
{
    uint8_t h[2];
    char found[SNAP_NAME_MAX + 1];
    if (snap_get(s, h, 2) < 0 || snap_get(s, found, h[1]) < 0)
        return -1;
    found[h[1]] = '\0';
    if (h[0] == t && !strcmp(found, name))
        return 0;
    if (t == SNAP_T_END)
        return snap_fail(s, "the file holds %s '%s' that this emu does not know", snap_type_name(h[0]), found);
    if (h[0] == SNAP_T_END)
        return snap_fail(s, "%s '%s' is missing from the file", snap_type_name(t), name);
    return snap_fail(s, "expected %s '%s', found %s '%s'", snap_type_name(t), name, snap_type_name(h[0]), found);
}

/* Starts a field: in a section, and with its header written or checked. */
static int snap_field(struct snap *s, enum snap_type t, const char *name)
{
    if (s->failed)
        return -1;
    if (!s->in_section)
        return snap_fail(s, "field '%s' outside a section", name);
    if (s->mode == SNAP_READ)
        return snap_get_header(s, t, name);
    return snap_put_header(s, t, name);
}

static int snap_uint(struct snap *s, enum snap_type t, const char *name, uint64_t *v, unsigned bytes)
{
    uint8_t b[8];
    if (snap_field(s, t, name) < 0)
        return -1;
    if (s->mode == SNAP_READ) {
        if (snap_get(s, b, bytes) < 0)
            return -1;
        *v = snap_from_le(b, bytes);
        return 0;
    }
    snap_le(b, *v, bytes);
    return snap_put(s, b, bytes);
}

int snap_u8(struct snap *s, const char *name, uint8_t *v)
{
    uint64_t x = snap_loading(s) ? 0 : *v;
    int r = snap_uint(s, SNAP_T_U8, name, &x, 1);
    if (r == 0)
        *v = (uint8_t)x;
    return r;
}

int snap_u16(struct snap *s, const char *name, uint16_t *v)
{
    uint64_t x = snap_loading(s) ? 0 : *v;
    int r = snap_uint(s, SNAP_T_U16, name, &x, 2);
    if (r == 0)
        *v = (uint16_t)x;
    return r;
}

int snap_u32(struct snap *s, const char *name, uint32_t *v)
{
    uint64_t x = snap_loading(s) ? 0 : *v;
    int r = snap_uint(s, SNAP_T_U32, name, &x, 4);
    if (r == 0)
        *v = (uint32_t)x;
    return r;
}

int snap_u64(struct snap *s, const char *name, uint64_t *v)
{
    return snap_uint(s, SNAP_T_U64, name, v, 8);
}

int snap_i64(struct snap *s, const char *name, int64_t *v)
{
    uint64_t x = snap_loading(s) ? 0 : (uint64_t)*v;
    int r = snap_uint(s, SNAP_T_U64, name, &x, 8);
    if (r == 0)
        *v = (int64_t)x;
    return r;
}

int snap_bool(struct snap *s, const char *name, bool *v)
{
    uint64_t x = snap_loading(s) ? 0 : *v;
    if (snap_uint(s, SNAP_T_U8, name, &x, 1) < 0)
        return -1;
    if (x > 1)
        return snap_fail(s, "'%s' holds %llu, not a truth value", name, (unsigned long long)x);
    *v = x != 0;
    return 0;
}

/* The length or count word of a run: written, or read and checked. */
static int snap_count(struct snap *s, const char *name, uint64_t n)
{
    uint8_t b[8];
    if (s->mode != SNAP_READ) {
        snap_le(b, n, 8);
        return snap_put(s, b, 8);
    }
    if (snap_get(s, b, 8) < 0)
        return -1;
    uint64_t found = snap_from_le(b, 8);
    if (found != n)
        return snap_fail(s, "'%s' holds %llu items, this emu expects %llu", name, (unsigned long long)found,
                         (unsigned long long)n);
    return 0;
}

int snap_bytes(struct snap *s, const char *name, void *buf, size_t len)
{
    if (snap_field(s, SNAP_T_BYTES, name) < 0 || snap_count(s, name, len) < 0)
        return -1;
    return s->mode == SNAP_READ ? snap_get(s, buf, len) : snap_put(s, buf, len);
}

static int snap_uints(struct snap *s, enum snap_type t, const char *name, void *arr, size_t n, unsigned bytes)
{
    if (snap_field(s, t, name) < 0 || snap_count(s, name, n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        uint8_t b[8];
        if (s->mode == SNAP_READ) {
            if (snap_get(s, b, bytes) < 0)
                return -1;
            if (bytes == 4)
                ((uint32_t *)arr)[i] = (uint32_t)snap_from_le(b, 4);
            else
                ((uint64_t *)arr)[i] = snap_from_le(b, 8);
        } else {
            snap_le(b, bytes == 4 ? ((const uint32_t *)arr)[i] : ((const uint64_t *)arr)[i], bytes);
            if (snap_put(s, b, bytes) < 0)
                return -1;
        }
    }
    return 0;
}

int snap_u32s(struct snap *s, const char *name, uint32_t *v, size_t n)
{
    return snap_uints(s, SNAP_T_U32S, name, v, n, 4);
}

int snap_u64s(struct snap *s, const char *name, uint64_t *v, size_t n)
{
    return snap_uints(s, SNAP_T_U64S, name, v, n, 8);
}

int snap_str(struct snap *s, const char *name, char **v)
{
    uint8_t b[4];
    if (snap_field(s, SNAP_T_STR, name) < 0)
        return -1;
    if (s->mode != SNAP_READ) {
        const char *str = *v ? *v : "";
        size_t n = strlen(str);
        if (n > SNAP_STR_MAX)
            return snap_fail(s, "string '%s' is longer than 1 MiB", name);
        snap_le(b, n, 4);
        return snap_put(s, b, 4) < 0 ? -1 : snap_put(s, str, n);
    }
    if (snap_get(s, b, 4) < 0)
        return -1;
    uint64_t n = snap_from_le(b, 4);
    if (n > SNAP_STR_MAX)
        return snap_fail(s, "string '%s' is longer than 1 MiB", name);
    char *str = malloc(n + 1);
    if (!str)
        return snap_fail(s, "out of memory");
    if (snap_get(s, str, n) < 0) {
        free(str);
        return -1;
    }
    str[n] = '\0';
    if (memchr(str, '\0', n)) {
        free(str);
        return snap_fail(s, "string '%s' holds a NUL byte", name);
    }
    *v = str;
    return 0;
}

/* ---- sections ---- */

int snap_begin(struct snap *s, const char *name)
{
    if (s->failed)
        return -1;
    if (s->in_section)
        return snap_fail(s, "section '%s' cannot begin inside another", name);
    if (strlen(name) > SNAP_NAME_MAX)
        return snap_fail(s, "section name '%.32s...' is too long", name);
    if (s->mode == SNAP_READ ? snap_get_header(s, SNAP_T_BEGIN, name) < 0
                             : snap_put_header(s, SNAP_T_BEGIN, name) < 0)
        return -1;
    strcpy(s->section, name);
    s->in_section = true;
    s->hash_on = true;
    if (s->mode == SNAP_HASH)
        hash64_init(&s->h, 0);
    return 0;
}

int snap_end(struct snap *s)
{
    if (s->failed)
        return -1;
    if (!s->in_section)
        return snap_fail(s, "end of a section that did not begin");
    if (s->mode == SNAP_READ ? snap_get_header(s, SNAP_T_END, "") < 0 : snap_put_header(s, SNAP_T_END, "") < 0)
        return -1;
    if (s->mode == SNAP_HASH) {
        if (s->nhashes == s->hcap) {
            size_t cap = s->hcap ? s->hcap * 2 : 32;
            struct snap_hashrec *h = realloc(s->hashes, cap * sizeof(*h));
            if (!h)
                return snap_fail(s, "out of memory");
            s->hashes = h;
            s->hcap = cap;
        }
        char *name = strdup(s->section);
        if (!name)
            return snap_fail(s, "out of memory");
        s->hashes[s->nhashes++] = (struct snap_hashrec){ name, hash64_final(&s->h) };
    }
    s->in_section = false;
    return 0;
}

void snap_hash_off(struct snap *s)
{
    s->hash_on = false;
}

void snap_hash_on(struct snap *s)
{
    s->hash_on = true;
}

int snap_hash_skipped(struct snap *s, const char *name)
{
    if (!name)
        name = s->in_section ? s->section : "?";
    size_t n = strlen(s->skips);
    if (n + strlen(name) + 3 < sizeof(s->skips))
        snprintf(s->skips + n, sizeof(s->skips) - n, "%s%s", n ? ", " : "", name);
    return snap_status(s);
}

const char *snap_hash_skips(const struct snap *s)
{
    return s->skips;
}

size_t snap_hash_count(const struct snap *s)
{
    return s->nhashes;
}

const char *snap_hash_name(const struct snap *s, size_t i)
{
    return i < s->nhashes ? s->hashes[i].name : NULL;
}

uint64_t snap_hash_value(const struct snap *s, size_t i)
{
    return i < s->nhashes ? s->hashes[i].value : 0;
}

/* ---- raw bytes and closing ---- */

int snap_raw(struct snap *s, void *buf, size_t len)
{
    if (s->failed)
        return -1;
    if (s->in_section)
        return snap_fail(s, "raw bytes inside a section");
    if (s->mode == SNAP_HASH)
        return 0;
    return s->mode == SNAP_READ ? snap_get(s, buf, len) : snap_put(s, buf, len);
}

static int snap_finish_write(struct snap *s)
{
    if (s->in_section)
        return snap_fail(s, "left open");
    if (snap_deflate(s, Z_FINISH) < 0)
        return -1;
    uint8_t tr[SNAP_TRAILER];
    snap_le(tr, s->total, 8);
    snap_le(tr + 8, s->crc, 4);
    snap_le(tr + 12, s->fcrc, 4);
    memcpy(tr + 16, snap_trailer_magic, 4);
    if (fwrite(tr, 1, sizeof(tr), s->f) != sizeof(tr))
        return snap_fail(s, "write error: %s", strerror(errno));
    FILE *f = s->f;
    s->f = NULL;
    if (fclose(f) != 0)
        return snap_fail(s, "write error: %s", strerror(errno));
    return 0;
}

int snap_close(struct snap *s, struct emu_err *err)
{
    int rc = s->failed ? -1 : 0;
    if (rc == 0 && s->mode == SNAP_WRITE)
        rc = snap_finish_write(s);
    else if (rc == 0 && s->in_section)
        rc = snap_fail(s, "left open");
    if (rc < 0) {
        if (s->mode == SNAP_HASH)
            emu_errf(err, "%s", s->err);
        else
            emu_errf(err, "%s: %s", s->path, s->err);
        /* A half-written file must not be mistaken for a good one later. */
        if (s->mode == SNAP_WRITE) {
            if (s->f) {
                fclose(s->f);
                s->f = NULL;
            }
            remove(s->path);
        }
    }
    snap_free(s);
    return rc;
}
