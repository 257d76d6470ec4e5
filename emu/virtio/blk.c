/*
 * virtio block device (virtio 1.2 §5.2), one request queue, on a raw
 * image file.
 *
 * Configuration space (§5.2.4, little-endian), the part we expose:
 *   0x00 capacity        le64  in 512-byte sectors
 *   0x08 size_max        le32  (not offered)
 *   0x0c seg_max         le32  VIRTIO_BLK_F_SEG_MAX
 *   0x10 geometry        4     (not offered)
 *   0x14 blk_size        le32  VIRTIO_BLK_F_BLK_SIZE
 *   0x18 topology        8     (not offered)
 *   0x20 writeback u8, unused0 u8, num_queues le16 (not offered)
 *   0x24 max_discard_sectors, 0x28 max_discard_seg,
 *   0x2c discard_sector_alignment                   VIRTIO_BLK_F_DISCARD
 *   0x30 max_write_zeroes_sectors, 0x34 max_write_zeroes_seg,
 *   0x38 write_zeroes_may_unmap u8, unused1[3]      VIRTIO_BLK_F_WRITE_ZEROES
 *
 * A request (§5.2.6) is a 16-byte readable header {le32 type, le32
 * reserved, le64 sector}, then data (readable for writes, writable for
 * reads), then one writable status byte: the last byte of the chain.
 * Every request is carried out on the disk (blk_disk.c: the image file,
 * or with snapshot=on an overlay in memory) through a bounce buffer and
 * completed before the notify returns.
 */
#include "virtio/blk.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "core/snap.h"
#include "core/json.h"
#include "virtio/blk_disk.h"
#include "virtio/virtqueue.h"

/* Feature bits, §5.2.3. */
#define VIRTIO_BLK_F_SEG_MAX      2
#define VIRTIO_BLK_F_RO           5
#define VIRTIO_BLK_F_BLK_SIZE     6
#define VIRTIO_BLK_F_FLUSH        9
#define VIRTIO_BLK_F_DISCARD      13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types and status values, §5.2.6. */
#define VIRTIO_BLK_T_IN           0
#define VIRTIO_BLK_T_OUT          1
#define VIRTIO_BLK_T_FLUSH        4
#define VIRTIO_BLK_T_GET_ID       8
#define VIRTIO_BLK_T_DISCARD      11
#define VIRTIO_BLK_T_WRITE_ZEROES 13

#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_ID_BYTES 20
#define VIRTIO_BLK_DWZ_UNMAP 1u         /* virtio_blk_discard_write_zeroes.flags */

#define BLK_SECTOR 512u
#define BLK_HDR_SIZE 16u
#define BLK_SEG_SIZE 16u                /* struct virtio_blk_discard_write_zeroes */
#define BLK_QUEUE_SIZE 256
/* A request's header and status take two descriptors of the queue; an
 * indirect table counts against the same budget (virtqueue.c). */
#define BLK_SEG_MAX (BLK_QUEUE_SIZE - 2)
#define BLK_BOUNCE (512u * 1024u)
/* Discard and write-zeroes limits: just under 4 GiB per segment, as
 * drivers keep such limits as 32-bit byte counts; 4 KiB alignment matches
 * common host file-system blocks, so a punched hole frees whole blocks.
 * Fixed, never read from the host, because the guest sees them. */
#define BLK_MAX_DWZ_SECTORS 0x7fffffu
#define BLK_MAX_DWZ_SEG 32u
#define BLK_DISCARD_ALIGN 8u
#define BLK_CONFIG_SIZE 0x3c

struct virtio_blk {
    struct blk_disk *disk;
    const char *path;           /* as the user gave it, for messages */
    uint64_t capacity;          /* sectors */
    bool readonly, discard, overlay;
    char serial[VIRTIO_BLK_ID_BYTES];   /* NUL-padded, no terminator at 20 */
    uint64_t acked;             /* features the driver accepted */
    uint8_t config[BLK_CONFIG_SIZE];
    uint8_t *bounce;
    struct virtio_blk_stats stats;
    bool warned_malformed;
};

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static bool blk_writable(const struct virtio_blk *b)
{
    return !b->readonly;
}

static uint64_t blk_features(void *dev)
{
    struct virtio_blk *b = dev;
    uint64_t f = VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) |
                 VIRTIO_BIT(VIRTIO_BLK_F_FLUSH);

    if (b->readonly)
        f |= VIRTIO_BIT(VIRTIO_BLK_F_RO);
    else
        f |= VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES);
    if (b->discard && blk_writable(b))
        f |= VIRTIO_BIT(VIRTIO_BLK_F_DISCARD);
    return f;
}

static int blk_features_ok(void *dev, uint64_t features)
{
    ((struct virtio_blk *)dev)->acked = features;
    return 0;
}

static bool blk_acked(const struct virtio_blk *b, unsigned bit)
{
    return (b->acked & VIRTIO_BIT(bit)) != 0;
}

static void blk_build_config(struct virtio_blk *b)
{
    uint8_t *c = b->config;

    memset(c, 0, sizeof(b->config));    /* §5.2.5.2: unused0/unused1 are 0 */
    put_le(c + 0x00, b->capacity, 8);
    put_le(c + 0x0c, BLK_SEG_MAX, 4);
    put_le(c + 0x14, BLK_SECTOR, 4);
    put_le(c + 0x24, BLK_MAX_DWZ_SECTORS, 4);
    put_le(c + 0x28, BLK_MAX_DWZ_SEG, 4);
    put_le(c + 0x2c, BLK_DISCARD_ALIGN, 4);
    put_le(c + 0x30, BLK_MAX_DWZ_SECTORS, 4);
    put_le(c + 0x34, BLK_MAX_DWZ_SEG, 4);
    /* §5.2.6.2: say "may unmap" only when a write-zeroes request can
     * deallocate, i.e. when discard is on. */
    c[0x38] = b->discard ? 1 : 0;
}

static uint64_t blk_config_read(void *dev, uint32_t off, unsigned size)
{
    return get_le(((struct virtio_blk *)dev)->config + off, size);
}

/* [sector, sector + n) lies within the disk. */
static bool blk_range_ok(const struct virtio_blk *b, uint64_t sector, uint64_t n)
{
    return sector <= b->capacity && n <= b->capacity - sector;
}

/*
 * §5.2.6.2: with VIRTIO_BLK_F_FLUSH offered but not negotiated (and no
 * CONFIG_WCE), a completed write must already be stable.
 */
static int blk_write_through(struct virtio_blk *b)
{
    if (blk_acked(b, VIRTIO_BLK_F_FLUSH))
        return 0;
    return blk_disk_sync(b->disk);
}

/* Outcome of one request: status, and bytes written before the status. */
struct blk_result {
    uint8_t status;
    uint32_t data;
};

/* -1 only when guest memory went away (the queue is then broken). */
static int blk_do_in(struct virtio_blk *b, struct virtq *vq, const struct virtq_chain *c, uint64_t sector,
                     struct blk_result *res)
{
    uint64_t len = c->write_len - 1;

    res->status = VIRTIO_BLK_S_IOERR;
    if (len % BLK_SECTOR || !blk_range_ok(b, sector, len / BLK_SECTOR))
        return 0;
    for (uint64_t done = 0; done < len;) {
        size_t n = len - done < BLK_BOUNCE ? (size_t)(len - done) : BLK_BOUNCE;
        if (blk_disk_read(b->disk, b->bounce, n, sector * BLK_SECTOR + done) != 0)
            return 0;
        if (virtq_chain_write(vq, c, done, b->bounce, n) != (int64_t)n)
            return -1;
        done += n;
        res->data = (uint32_t)done;
    }
    b->stats.read_bytes += len;
    res->status = VIRTIO_BLK_S_OK;
    return 0;
}

static int blk_do_out(struct virtio_blk *b, struct virtq *vq, const struct virtq_chain *c, uint64_t sector,
                      struct blk_result *res)
{
    uint64_t len = c->read_len - BLK_HDR_SIZE;

    res->status = VIRTIO_BLK_S_IOERR;
    /* §5.2.6.2: nothing is written to a read-only device. */
    if (!blk_writable(b) || len % BLK_SECTOR || !blk_range_ok(b, sector, len / BLK_SECTOR))
        return 0;
    for (uint64_t done = 0; done < len;) {
        size_t n = len - done < BLK_BOUNCE ? (size_t)(len - done) : BLK_BOUNCE;
        if (virtq_chain_read(vq, c, BLK_HDR_SIZE + done, b->bounce, n) != (int64_t)n)
            return -1;
        if (blk_disk_write(b->disk, b->bounce, n, sector * BLK_SECTOR + done) != 0)
            return 0;
        done += n;
    }
    if (blk_write_through(b) != 0)
        return 0;
    b->stats.written_bytes += len;
    res->status = VIRTIO_BLK_S_OK;
    return 0;
}

static void blk_do_flush(struct virtio_blk *b, struct blk_result *res)
{
    res->status = VIRTIO_BLK_S_OK;
    if (blk_writable(b) && blk_disk_sync(b->disk) != 0)
        res->status = VIRTIO_BLK_S_IOERR;
    b->stats.flushes++;
}

static int blk_do_get_id(struct virtio_blk *b, struct virtq *vq, const struct virtq_chain *c,
                         struct blk_result *res)
{
    /* §5.2.6.1: the driver gives exactly 20 bytes; we fill what it gave. */
    uint64_t n = c->write_len - 1 < VIRTIO_BLK_ID_BYTES ? c->write_len - 1 : VIRTIO_BLK_ID_BYTES;
    if (virtq_chain_write(vq, c, 0, b->serial, n) != (int64_t)n)
        return -1;
    res->data = (uint32_t)n;
    res->status = VIRTIO_BLK_S_OK;
    return 0;
}

struct blk_seg {
    uint64_t sector;
    uint32_t num;
    uint32_t flags;
};

/*
 * DISCARD and WRITE_ZEROES (§5.2.6): every segment is read and checked
 * before any is carried out, so a request refused for its flags or its
 * range changes nothing.
 */
static int blk_do_dwz(struct virtio_blk *b, struct virtq *vq, const struct virtq_chain *c, bool zeroes,
                      struct blk_result *res)
{
    struct blk_seg seg[BLK_MAX_DWZ_SEG];
    uint8_t raw[BLK_SEG_SIZE];
    uint64_t len = c->read_len - BLK_HDR_SIZE;
    uint64_t nseg = len / BLK_SEG_SIZE;

    res->status = VIRTIO_BLK_S_UNSUPP;
    if (!blk_acked(b, zeroes ? VIRTIO_BLK_F_WRITE_ZEROES : VIRTIO_BLK_F_DISCARD) || !blk_writable(b))
        return 0;
    res->status = VIRTIO_BLK_S_IOERR;
    if (len % BLK_SEG_SIZE || nseg > BLK_MAX_DWZ_SEG)
        return 0;
    for (uint64_t i = 0; i < nseg; i++) {
        if (virtq_chain_read(vq, c, BLK_HDR_SIZE + i * BLK_SEG_SIZE, raw, sizeof(raw)) != (int64_t)sizeof(raw))
            return -1;
        seg[i].sector = get_le(raw, 8);
        seg[i].num = (uint32_t)get_le(raw + 8, 4);
        seg[i].flags = (uint32_t)get_le(raw + 12, 4);
        /* §5.2.6.2: unknown flags, or unmap on a discard, are unsupported. */
        if ((seg[i].flags & ~VIRTIO_BLK_DWZ_UNMAP) || (!zeroes && seg[i].flags)) {
            res->status = VIRTIO_BLK_S_UNSUPP;
            return 0;
        }
        if (seg[i].num > BLK_MAX_DWZ_SECTORS || !blk_range_ok(b, seg[i].sector, seg[i].num))
            return 0;
    }
    for (uint64_t i = 0; i < nseg; i++) {
        uint64_t off = seg[i].sector * BLK_SECTOR, n = (uint64_t)seg[i].num * BLK_SECTOR;
        if (n == 0)
            continue;
        if (zeroes) {
            bool unmap = b->discard && (seg[i].flags & VIRTIO_BLK_DWZ_UNMAP);
            if (blk_disk_zero(b->disk, off, n, unmap) != 0)
                return 0;
            b->stats.write_zeroes++;
        } else {
            /* Discard is advisory (§5.2.6.2 "MAY deallocate"): a host that
             * cannot punch holes leaves the data, and the request is OK. */
            blk_disk_discard(b->disk, off, n);
            b->stats.discards++;
        }
    }
    if (zeroes && blk_write_through(b) != 0)
        return 0;
    res->status = VIRTIO_BLK_S_OK;
    return 0;
}

static int blk_malformed(struct virtio_blk *b, const char *why)
{
    emu_warn_once(&b->warned_malformed, "virtio-blk %s: %s", b->path, why);
    return -1;
}

/* Carries out one request and returns it to the driver; -1 when the
 * chain cannot be answered (the device then needs a reset). */
static int blk_request(struct virtio_blk *b, struct virtq *vq, const struct virtq_chain *c)
{
    uint8_t hdr[BLK_HDR_SIZE];
    struct blk_result res = { VIRTIO_BLK_S_UNSUPP, 0 };
    int rc = 0;

    /* §5.2.6: there is nowhere to put the answer without a status byte. */
    if (c->write_len < 1)
        return blk_malformed(b, "request without a writable status byte");
    if (c->read_len < BLK_HDR_SIZE)
        return blk_malformed(b, "request header shorter than 16 bytes");
    if (virtq_chain_read(vq, c, 0, hdr, sizeof(hdr)) != (int64_t)sizeof(hdr))
        return -1;
    uint32_t type = (uint32_t)get_le(hdr, 4);
    uint64_t sector = get_le(hdr + 8, 8);

    switch (type) {
    case VIRTIO_BLK_T_IN:           rc = blk_do_in(b, vq, c, sector, &res); break;
    case VIRTIO_BLK_T_OUT:          rc = blk_do_out(b, vq, c, sector, &res); break;
    case VIRTIO_BLK_T_FLUSH:        blk_do_flush(b, &res); break;
    case VIRTIO_BLK_T_GET_ID:       rc = blk_do_get_id(b, vq, c, &res); break;
    case VIRTIO_BLK_T_DISCARD:      rc = blk_do_dwz(b, vq, c, false, &res); break;
    case VIRTIO_BLK_T_WRITE_ZEROES: rc = blk_do_dwz(b, vq, c, true, &res); break;
    default:                        break;
    }
    if (rc != 0)
        return -1;
    b->stats.requests++;
    if (res.status != VIRTIO_BLK_S_OK)
        b->stats.errors++;
    if (virtq_chain_write(vq, c, c->write_len - 1, &res.status, 1) != 1)
        return -1;
    /* Used length: the data written plus the status byte. */
    return virtq_push(vq, c, res.data + 1);
}

static int blk_notify(void *dev, struct virtq *vq)
{
    struct virtio_blk *b = dev;
    struct virtq_chain c;
    int rc;

    virtq_chain_init(&c);
    while ((rc = virtq_pop(vq, &c)) > 0) {
        if (blk_request(b, vq, &c) != 0) {
            rc = -1;
            break;
        }
    }
    virtq_notify(vq);
    virtq_chain_free(&c);
    return rc < 0 ? -1 : 0;
}

static void blk_reset(void *dev)
{
    ((struct virtio_blk *)dev)->acked = 0;
}

/* Snapshot and state hash: what the driver negotiated, the counters and
 * the disk (blk_disk_snap: the snapshot=on overlay, or the image's hash).
 * Requests complete before the notify returns, so none is in flight. */
static int blk_snap(void *dev, struct snap *s)
{
    struct virtio_blk *b = dev;
    uint64_t capacity = b->capacity;
    snap_u64(s, "capacity", &capacity);
    if (snap_loading(s) && snap_status(s) == 0 && capacity != b->capacity)
        return snap_fail(s, "a disk of %llu sectors in the file, %llu here", (unsigned long long)capacity,
                         (unsigned long long)b->capacity);
    snap_u64(s, "acked", &b->acked);
    snap_u64(s, "stats.requests", &b->stats.requests);
    snap_u64(s, "stats.read_bytes", &b->stats.read_bytes);
    snap_u64(s, "stats.written_bytes", &b->stats.written_bytes);
    snap_u64(s, "stats.flushes", &b->stats.flushes);
    snap_u64(s, "stats.discards", &b->stats.discards);
    snap_u64(s, "stats.write_zeroes", &b->stats.write_zeroes);
    snap_u64(s, "stats.errors", &b->stats.errors);
    if (snap_status(s) < 0)
        return -1;
    return blk_disk_snap(b->disk, s);
}

static const struct virtio_dev_ops blk_ops = {
    .device_id = VIRTIO_ID_BLOCK,
    .num_queues = 1,
    .queue_size_max = BLK_QUEUE_SIZE,
    .config_size = BLK_CONFIG_SIZE,
    .features = blk_features,
    .features_ok = blk_features_ok,
    .config_read = blk_config_read,
    .queue_notify = blk_notify,
    .reset = blk_reset,
    .save = blk_snap,
    .load = blk_snap,
};

static void blk_free(struct virtio_blk *b)
{
    if (!b)
        return;
    blk_disk_close(b->disk);
    free(b->bounce);
    free(b);
}

static int blk_set_serial(struct virtio_blk *b, const char *name, const char *serial, unsigned index,
                          struct emu_err *err)
{
    char dflt[VIRTIO_BLK_ID_BYTES + 1];
    size_t n;

    if (!serial) {
        snprintf(dflt, sizeof(dflt), "emu-blk%u", index);
        serial = dflt;
    }
    n = strlen(serial);
    if (n > VIRTIO_BLK_ID_BYTES)
        return emu_errf(err, "%s: serial=%s: at most %d characters", name, serial, VIRTIO_BLK_ID_BYTES);
    for (size_t i = 0; i < n; i++) {
        if (serial[i] < 0x20 || serial[i] > 0x7e)
            return emu_errf(err, "%s: serial=%s: printable ASCII only", name, serial);
    }
    memset(b->serial, 0, sizeof(b->serial));
    memcpy(b->serial, serial, n);
    return 0;
}

static void *blk_create(const struct virtio_env *env, const struct devopts *o, const struct virtio_dev_ops **ops,
                        struct emu_err *err)
{
    static const char *const keys[] = { "file", "readonly", "discard", "serial", "snapshot", NULL };
    const char *name = virtio_blk_desc.name;
    const char *file = devopts_get(o, "file");
    struct virtio_blk *b;
    bool ro, discard, overlay;

    if (devopts_check_keys(o, keys, err) < 0 || devopts_bool(o, "readonly", false, &ro, err) < 0 ||
        devopts_bool(o, "discard", true, &discard, err) < 0 || devopts_bool(o, "snapshot", false, &overlay, err) < 0)
        return NULL;
    if (!file || !*file) {
        emu_errf(err, "%s: needs file=PATH (a raw disk image)", name);
        return NULL;
    }
    b = calloc(1, sizeof(*b));
    if (!b || !(b->bounce = malloc(BLK_BOUNCE))) {
        emu_errf(err, "%s: out of memory", name);
        blk_free(b);
        return NULL;
    }
    b->readonly = ro;
    b->discard = discard;
    b->overlay = overlay && !ro;
    enum blk_disk_mode mode = ro ? BLK_DISK_RO : overlay ? BLK_DISK_OVERLAY : BLK_DISK_RW;
    if (blk_set_serial(b, name, devopts_get(o, "serial"), env->index, err) < 0 ||
        !(b->disk = blk_disk_open(file, mode, name, err))) {
        blk_free(b);
        return NULL;
    }
    b->path = blk_disk_path(b->disk);
    b->capacity = blk_disk_size(b->disk) / BLK_SECTOR;
    blk_build_config(b);
    *ops = &blk_ops;
    return b;
}

static void blk_destroy(void *dev)
{
    blk_free(dev);
}

struct virtio_blk_stats virtio_blk_get_stats(const void *dev)
{
    return ((const struct virtio_blk *)dev)->stats;
}

static void blk_write_stats(void *dev, struct json *j)
{
    const struct virtio_blk *b = dev;

    json_kv_u64(j, "capacity_sectors", b->capacity);
    json_kv_bool(j, "readonly", b->readonly);
    json_kv_bool(j, "snapshot", b->overlay);
    json_kv_u64(j, "overlay_bytes", blk_disk_overlay_bytes(b->disk));
    json_kv_u64(j, "requests", b->stats.requests);
    json_kv_u64(j, "read_bytes", b->stats.read_bytes);
    json_kv_u64(j, "written_bytes", b->stats.written_bytes);
    json_kv_u64(j, "flushes", b->stats.flushes);
    json_kv_u64(j, "discards", b->stats.discards);
    json_kv_u64(j, "write_zeroes", b->stats.write_zeroes);
    json_kv_u64(j, "errors", b->stats.errors);
}

const struct virtio_device_desc virtio_blk_desc = {
    .name = "virtio-blk",
    .alias = "virtio-blk-device",
    .summary = "block device on a raw image file (virtio 1.2 §5.2)",
    .options = "file=PATH[,readonly=on|off][,discard=on|off][,snapshot=on|off][,serial=STR]",
    .create = blk_create,
    .destroy = blk_destroy,
    .write_stats = blk_write_stats,
};
