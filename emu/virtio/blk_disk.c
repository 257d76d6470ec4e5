/*
 * A virtio-blk's disk: the raw image file, or a copy-on-write overlay of
 * 4 KiB clusters in memory over the image opened read-only.
 *
 * The overlay is a two-level table, cluster index -> leaf -> cluster,
 * allocated as the guest writes: a disk of 1 TiB needs 128 Ki leaf
 * pointers before anything is written. A cluster entry is NULL (read the
 * file), the zero mark (reads as zeros, holds no memory: write-zeroes and
 * discard of whole clusters), or 4 KiB of data. Snapshots walk clusters in
 * index order, so the saved stream depends only on what the guest wrote.
 */
/* fallocate() and its FALLOC_FL_* modes are Linux extensions. */
#define _GNU_SOURCE 1

#include "virtio/blk_disk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hostio.h"
#include "core/snap.h"
#include "core/statehash.h"

#define SECTOR 512u
#define CLUSTER 4096u
#define LEAF_BITS 9u
#define LEAF_SIZE (1u << LEAF_BITS)     /* clusters per leaf */
#define ZERO_CHUNK 65536u               /* bytes written at a time when zeroing by hand */

/* Snapshot kinds of an overlay cluster. */
enum { OVL_DATA = 1, OVL_ZERO = 2 };

struct ovl_leaf {
    uint8_t *c[LEAF_SIZE];
};

struct blk_disk {
    int fd;
    char *path;
    uint64_t size;
    enum blk_disk_mode mode;
    /* Overlay (BLK_DISK_OVERLAY). */
    struct ovl_leaf **leaves;
    uint64_t nleaves;
    uint64_t data_clusters;     /* clusters holding 4 KiB of data */
};

/* The zero mark: a cluster entry pointing here reads as zeros. Never
 * written through. */
static const uint8_t ovl_zero_mark[1];
#define OVL_ZERO_PTR ((uint8_t *)ovl_zero_mark)

uint64_t blk_disk_size(const struct blk_disk *d)
{
    return d->size;
}

const char *blk_disk_path(const struct blk_disk *d)
{
    return d->path;
}

uint64_t blk_disk_overlay_bytes(const struct blk_disk *d)
{
    return d->data_clusters * CLUSTER;
}

/* ---- the image file ---- */

/* A read past the end of the file (the image shrank under us) gives
 * zeros: hostio_pread with HOSTIO_ZERO_PAST_EOF. */

static int file_punch(struct blk_disk *d, uint64_t off, uint64_t len)
{
    return fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len);
}

static int file_zero(struct blk_disk *d, uint64_t off, uint64_t len, bool unmap)
{
    if (unmap && file_punch(d, off, len) == 0)
        return 0;
    if (fallocate(d->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) == 0)
        return 0;
    /* A host file system that can do neither: write the zeros. */
    uint8_t *z = calloc(1, ZERO_CHUNK);
    if (!z)
        return -1;
    int rc = 0;
    for (uint64_t done = 0; done < len && rc == 0;) {
        size_t n = len - done < ZERO_CHUNK ? (size_t)(len - done) : ZERO_CHUNK;
        rc = hostio_pwrite(d->fd, z, n, off + done);
        done += n;
    }
    free(z);
    return rc;
}

/* ---- the overlay ---- */

/* The entry of cluster i; NULL when its leaf does not exist (alloc false)
 * or cannot be allocated. */
static uint8_t **ovl_slot(struct blk_disk *d, uint64_t i, bool alloc)
{
    uint64_t leaf = i >> LEAF_BITS;
    if (!d->leaves[leaf]) {
        if (!alloc || !(d->leaves[leaf] = calloc(1, sizeof(struct ovl_leaf))))
            return NULL;
    }
    return &d->leaves[leaf]->c[i & (LEAF_SIZE - 1)];
}

static uint8_t *ovl_get(struct blk_disk *d, uint64_t i)
{
    uint8_t **slot = ovl_slot(d, i, false);
    return slot ? *slot : NULL;
}

static void ovl_set(struct blk_disk *d, uint8_t **slot, uint8_t *v)
{
    if (*slot && *slot != OVL_ZERO_PTR) {
        free(*slot);
        d->data_clusters--;
    }
    if (v && v != OVL_ZERO_PTR)
        d->data_clusters++;
    *slot = v;
}

/* Cluster i as data the caller may change, filled with what it reads as
 * now; NULL when memory runs out or the file cannot be read. */
static uint8_t *ovl_materialise(struct blk_disk *d, uint64_t i)
{
    uint8_t **slot = ovl_slot(d, i, true);
    if (!slot)
        return NULL;
    if (*slot && *slot != OVL_ZERO_PTR)
        return *slot;
    uint8_t *c = malloc(CLUSTER);
    if (!c)
        return NULL;
    uint64_t off = i * CLUSTER;
    size_t n = d->size - off < CLUSTER ? (size_t)(d->size - off) : CLUSTER;
    memset(c, 0, CLUSTER);
    if (*slot != OVL_ZERO_PTR && hostio_pread(d->fd, c, n, off, HOSTIO_ZERO_PAST_EOF) != 0) {
        free(c);
        return NULL;
    }
    ovl_set(d, slot, c);
    return c;
}

/* The loops below walk [off, off + n) in pieces that each lie in one
 * cluster: cluster i, from byte at, len bytes. */
static uint64_t piece_len(uint64_t pos, uint64_t end)
{
    uint64_t room = CLUSTER - pos % CLUSTER;
    return end - pos < room ? end - pos : room;
}

static int ovl_read(struct blk_disk *d, uint8_t *buf, uint64_t n, uint64_t off)
{
    for (uint64_t pos = off, end = off + n, len; pos < end; pos += len) {
        uint64_t i = pos / CLUSTER, at = pos % CLUSTER;
        len = piece_len(pos, end);
        uint8_t *c = ovl_get(d, i);
        uint8_t *dst = buf + (pos - off);
        if (c == OVL_ZERO_PTR)
            memset(dst, 0, len);
        else if (c)
            memcpy(dst, c + at, len);
        else if (hostio_pread(d->fd, dst, len, pos, HOSTIO_ZERO_PAST_EOF) != 0)
            return -1;
    }
    return 0;
}

static int ovl_write(struct blk_disk *d, const uint8_t *buf, uint64_t n, uint64_t off)
{
    for (uint64_t pos = off, end = off + n, len; pos < end; pos += len) {
        uint64_t i = pos / CLUSTER, at = pos % CLUSTER;
        len = piece_len(pos, end);
        uint8_t *c = ovl_materialise(d, i);
        if (!c)
            return -1;
        memcpy(c + at, buf + (pos - off), len);
    }
    return 0;
}

/* Whole clusters become the zero mark, parts of one are zeroed in place;
 * with partial false, parts are left alone (a discard). */
static int ovl_zero(struct blk_disk *d, uint64_t off, uint64_t n, bool partial)
{
    for (uint64_t pos = off, end = off + n, len; pos < end; pos += len) {
        uint64_t i = pos / CLUSTER, at = pos % CLUSTER;
        len = piece_len(pos, end);
        /* The disk's last cluster may be short: all of it counts as whole. */
        if (at == 0 && (len == CLUSTER || pos + len == d->size)) {
            uint8_t **slot = ovl_slot(d, i, true);
            if (!slot)
                return -1;
            ovl_set(d, slot, OVL_ZERO_PTR);
        } else if (partial) {
            uint8_t *c = ovl_materialise(d, i);
            if (!c)
                return -1;
            memset(c + at, 0, len);
        }
    }
    return 0;
}

static void ovl_clear(struct blk_disk *d)
{
    for (uint64_t l = 0; l < d->nleaves; l++) {
        struct ovl_leaf *leaf = d->leaves[l];
        if (!leaf)
            continue;
        for (unsigned k = 0; k < LEAF_SIZE; k++)
            ovl_set(d, &leaf->c[k], NULL);
        free(leaf);
        d->leaves[l] = NULL;
    }
}

/* ---- the disk ---- */

int blk_disk_read(struct blk_disk *d, void *buf, size_t n, uint64_t off)
{
    if (d->mode == BLK_DISK_OVERLAY)
        return ovl_read(d, buf, n, off);
    return hostio_pread(d->fd, buf, n, off, HOSTIO_ZERO_PAST_EOF);
}

int blk_disk_write(struct blk_disk *d, const void *buf, size_t n, uint64_t off)
{
    switch (d->mode) {
    case BLK_DISK_OVERLAY: return ovl_write(d, buf, n, off);
    case BLK_DISK_RW:      return hostio_pwrite(d->fd, buf, n, off);
    default:               return -1;
    }
}

int blk_disk_zero(struct blk_disk *d, uint64_t off, uint64_t len, bool unmap)
{
    switch (d->mode) {
    case BLK_DISK_OVERLAY: return ovl_zero(d, off, len, true);
    case BLK_DISK_RW:      return file_zero(d, off, len, unmap);
    default:               return -1;
    }
}

void blk_disk_discard(struct blk_disk *d, uint64_t off, uint64_t len)
{
    if (d->mode == BLK_DISK_OVERLAY)
        (void)ovl_zero(d, off, len, false);
    else if (d->mode == BLK_DISK_RW)
        (void)file_punch(d, off, len);
}

int blk_disk_sync(struct blk_disk *d)
{
    return d->mode == BLK_DISK_RW ? fdatasync(d->fd) : 0;
}

void blk_disk_close(struct blk_disk *d)
{
    if (!d)
        return;
    if (d->leaves) {
        ovl_clear(d);
        free(d->leaves);
    }
    if (d->fd >= 0)
        close(d->fd);
    free(d->path);
    free(d);
}

static int disk_open_file(struct blk_disk *d, const char *name, struct emu_err *err)
{
    struct stat st;
    bool writes = d->mode == BLK_DISK_RW;

    d->fd = open(d->path, (writes ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (d->fd < 0) {
        int e = errno;
        if (writes && (e == EACCES || e == EROFS || e == EPERM))
            return emu_errf(err, "%s: %s: %s (readonly=on or snapshot=on opens it read-only)", name, d->path,
                            strerror(e));
        return emu_errf(err, "%s: %s: %s", name, d->path, strerror(e));
    }
    if (fstat(d->fd, &st) != 0)
        return emu_errf(err, "%s: %s: %s", name, d->path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return emu_errf(err, "%s: %s: %s", name, d->path, strerror(EISDIR));
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
        return emu_errf(err, "%s: %s: not a regular file or block device", name, d->path);
    /* Two writers on one image corrupt it: take the lock QEMU users expect.
     * An overlay never writes, so it shares the image like a reader. */
    if (flock(d->fd, (writes ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 && errno == EWOULDBLOCK)
        return emu_errf(err, "%s: %s: in use by another process", name, d->path);
    off_t size = S_ISREG(st.st_mode) ? st.st_size : lseek(d->fd, 0, SEEK_END);
    if (size < 0)
        return emu_errf(err, "%s: %s: %s", name, d->path, strerror(errno));
    if (size % SECTOR)
        return emu_errf(err, "%s: %s: size %lld is not a multiple of 512 bytes", name, d->path, (long long)size);
    d->size = (uint64_t)size;
    return 0;
}

struct blk_disk *blk_disk_open(const char *path, enum blk_disk_mode mode, const char *name, struct emu_err *err)
{
    struct blk_disk *d = calloc(1, sizeof(*d));
    if (!d || !(d->path = strdup(path))) {
        free(d);
        emu_errf(err, "%s: out of memory", name);
        return NULL;
    }
    d->fd = -1;
    d->mode = mode;
    if (disk_open_file(d, name, err) < 0) {
        blk_disk_close(d);
        return NULL;
    }
    if (mode == BLK_DISK_OVERLAY) {
        uint64_t clusters = (d->size + CLUSTER - 1) / CLUSTER;
        d->nleaves = (clusters + LEAF_SIZE - 1) >> LEAF_BITS;
        if (d->nleaves && !(d->leaves = calloc(d->nleaves, sizeof(*d->leaves)))) {
            emu_errf(err, "%s: %s: out of memory for the snapshot=on overlay", name, d->path);
            blk_disk_close(d);
            return NULL;
        }
    }
    return d;
}

/* ---- snapshots ---- */

/* The overlay's clusters in index order: count, then (index, kind[, data]). */
static int ovl_snap(struct blk_disk *d, struct snap *s)
{
    uint64_t count = 0;
    if (!snap_loading(s)) {
        for (uint64_t l = 0; l < d->nleaves; l++)
            for (unsigned k = 0; d->leaves[l] && k < LEAF_SIZE; k++)
                count += d->leaves[l]->c[k] != NULL;
        snap_u64(s, "overlay.clusters", &count);
        for (uint64_t l = 0; l < d->nleaves; l++) {
            for (unsigned k = 0; d->leaves[l] && k < LEAF_SIZE; k++) {
                uint8_t *c = d->leaves[l]->c[k];
                if (!c)
                    continue;
                uint64_t i = (l << LEAF_BITS) | k;
                uint8_t kind = c == OVL_ZERO_PTR ? OVL_ZERO : OVL_DATA;
                snap_u64(s, "cluster", &i);
                snap_u8(s, "kind", &kind);
                if (kind == OVL_DATA)
                    snap_bytes(s, "data", c, CLUSTER);
            }
        }
        return snap_status(s);
    }
    ovl_clear(d);
    snap_u64(s, "overlay.clusters", &count);
    uint64_t total = d->nleaves << LEAF_BITS, prev = 0;
    for (uint64_t n = 0; n < count && snap_status(s) == 0; n++) {
        uint64_t i;
        uint8_t kind;
        snap_u64(s, "cluster", &i);
        snap_u8(s, "kind", &kind);
        if (snap_status(s) < 0)
            break;
        /* Strictly increasing indexes inside the disk: a damaged file cannot
         * make two entries for one cluster or reach past the table. */
        if (i >= total || (n > 0 && i <= prev))
            return snap_fail(s, "overlay cluster %llu out of order or outside the disk", (unsigned long long)i);
        prev = i;
        uint8_t **slot = ovl_slot(d, i, true);
        if (!slot)
            return snap_fail(s, "out of memory for the overlay");
        if (kind == OVL_ZERO) {
            ovl_set(d, slot, OVL_ZERO_PTR);
            continue;
        }
        if (kind != OVL_DATA)
            return snap_fail(s, "overlay cluster %llu has kind %u", (unsigned long long)i, kind);
        uint8_t *c = malloc(CLUSTER);
        if (!c)
            return snap_fail(s, "out of memory for the overlay");
        if (snap_bytes(s, "data", c, CLUSTER) < 0) {
            free(c);
            break;
        }
        ovl_set(d, slot, c);
    }
    return snap_status(s);
}

/* Without an overlay the file is the disk: the snapshot names its content
 * (size and hash), and a restore refuses an image that has changed since.
 * Not hashed into state hashes: it would read the whole image each time,
 * and the image is an input the log checks already. */
static int image_snap(struct blk_disk *d, struct snap *s)
{
    if (snap_mode(s) == SNAP_HASH)
        return snap_status(s);
    uint64_t hash = 0, size = 0;
    struct emu_err err;
    if (snap_mode(s) == SNAP_WRITE && hash64_file(d->path, &hash, &size, &err) < 0)
        return snap_fail(s, "%s", err.msg);
    uint64_t want_hash = hash, want_size = size;
    snap_u64(s, "image.size", &want_size);
    snap_u64(s, "image.hash", &want_hash);
    if (!snap_loading(s) || snap_status(s) < 0)
        return snap_status(s);
    if (hash64_file(d->path, &hash, &size, &err) < 0)
        return snap_fail(s, "%s", err.msg);
    if (hash != want_hash || size != want_size)
        return snap_fail(s, "%s has changed since the snapshot was taken: restore with a copy of the image as it was "
                            "then (or give the disk snapshot=on, which keeps writes in the snapshot)", d->path);
    return 0;
}

int blk_disk_snap(struct blk_disk *d, struct snap *s)
{
    uint8_t mode = (uint8_t)d->mode;
    snap_u8(s, "disk.mode", &mode);
    if (snap_loading(s) && snap_status(s) == 0 && mode != (uint8_t)d->mode)
        return snap_fail(s, "the disk was %s when saved, %s here", mode == BLK_DISK_OVERLAY ? "snapshot=on" : "a file",
                         d->mode == BLK_DISK_OVERLAY ? "snapshot=on" : "a file");
    if (d->mode == BLK_DISK_OVERLAY)
        return ovl_snap(d, s);
    return image_snap(d, s);
}
