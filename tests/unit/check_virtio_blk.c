/*
 * Unit tests for virtio/blk behind the MMIO transport, on a temporary raw
 * image whose every byte is known: features and configuration space, reads
 * at several sectors and through split buffers, writes seen in the file,
 * large transfers, flush, discard, write zeroes, GET_ID, bounds and
 * read-only errors, malformed chains, and option errors.
 */
#define _GNU_SOURCE 1   /* fallocate, to probe whether the file system can punch holes */

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtio/blk.h"
#include "virtio_dev_harness.h"

#define SECTOR 512u
#define IMG_SECTORS 8192u               /* 4 MiB */
#define IMG_BYTES ((uint64_t)IMG_SECTORS * SECTOR)

/* Guest addresses of a request's parts. */
#define HDR    VDH_BUF
#define STATUS (VDH_BUF + 0x800)
#define DATA   (VDH_BUF + 0x1000)      /* up to 2 MiB fits before the end of RAM */

/* virtio 1.2 §5.2.3 and §5.2.6 */
enum { F_SEG_MAX = 2, F_RO = 5, F_BLK_SIZE = 6, F_FLUSH = 9, F_DISCARD = 13, F_WRITE_ZEROES = 14 };
enum { T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8, T_DISCARD = 11, T_WRITE_ZEROES = 13 };
enum { S_OK = 0, S_IOERR = 1, S_UNSUPP = 2 };

#define F_ALL (VDH_F_V1 | VIRTIO_BIT(F_SEG_MAX) | VIRTIO_BIT(F_BLK_SIZE) | VIRTIO_BIT(F_FLUSH) | \
               VIRTIO_BIT(F_DISCARD) | VIRTIO_BIT(F_WRITE_ZEROES))

/* The image's known contents: byte j of sector s. */
static uint8_t pattern(uint64_t s, unsigned j)
{
    return (uint8_t)(s * 131 + j * 7 + (s >> 8));
}

struct img {
    char dir[64];
    char path[96];
};

static void img_make(struct img *im, uint64_t bytes)
{
    static uint8_t buf[SECTOR];
    strcpy(im->dir, "/tmp/check_virtio_blk.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(im->dir));
    snprintf(im->path, sizeof(im->path), "%s/disk.img", im->dir);
    int fd = open(im->path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    for (uint64_t s = 0; s * SECTOR < bytes; s++) {
        uint64_t n = bytes - s * SECTOR < SECTOR ? bytes - s * SECTOR : SECTOR;
        for (unsigned j = 0; j < SECTOR; j++)
            buf[j] = pattern(s, j);
        ck_assert_int_eq(pwrite(fd, buf, n, (off_t)(s * SECTOR)), (ssize_t)n);
    }
    close(fd);
}

static void img_remove(struct img *im)
{
    unlink(im->path);
    rmdir(im->dir);
}

static void img_read(const struct img *im, uint64_t off, void *buf, size_t n)
{
    int fd = open(im->path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, buf, n, (off_t)off), (ssize_t)n);
    close(fd);
}

/* True when the image's file system can punch holes (tmpfs, ext4, xfs, btrfs do). */
static bool img_can_punch(const struct img *im)
{
    int fd = open(im->path, O_RDWR);
    ck_assert_int_ge(fd, 0);
    uint8_t b[SECTOR];
    img_read(im, IMG_BYTES - SECTOR, b, SECTOR);
    bool ok = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)(IMG_BYTES - SECTOR), SECTOR) == 0;
    /* Put the last sector back. */
    ck_assert_int_eq(pwrite(fd, b, SECTOR, (off_t)(IMG_BYTES - SECTOR)), SECTOR);
    close(fd);
    return ok;
}

struct fx {
    struct img im;
    struct vdh *h;
};

static struct fx *fx_new(const char *opts, uint64_t features)
{
    struct fx *f = calloc(1, sizeof(*f));
    char spec[256];
    ck_assert_ptr_nonnull(f);
    img_make(&f->im, IMG_BYTES);
    snprintf(spec, sizeof(spec), "virtio-blk,file=%s%s", f->im.path, opts);
    f->h = vdh_new(&virtio_blk_desc, spec, 0);
    vdh_start(f->h, features);
    return f;
}

static void fx_free(struct fx *f)
{
    vdh_free(f->h);
    img_remove(&f->im);
    free(f);
}

static void put_hdr(struct vdh *h, uint32_t type, uint64_t sector)
{
    vqd_w32(&h->m, HDR, type);
    vqd_w32(&h->m, HDR + 4, 0);
    vqd_w64(&h->m, HDR + 8, sector);
}

/* Submits header + data (segments as given) + status and runs it;
 * returns the status byte, the used length in *used. */
static int blk_submit(struct vdh *h, uint32_t type, uint64_t sector, const struct vqd_seg *data, unsigned ndata,
                      uint32_t *used)
{
    struct vqd_seg s[8];
    uint32_t id, len;
    uint8_t st = 0xee;
    ck_assert_uint_le(ndata, 6);
    put_hdr(h, type, sector);
    ck_assert_int_eq(machine_phys_write(&h->m, STATUS, &st, 1), 0);
    s[0] = (struct vqd_seg){ HDR, 16, 0 };
    for (unsigned i = 0; i < ndata; i++)
        s[1 + i] = data[i];
    s[1 + ndata] = (struct vqd_seg){ STATUS, 1, 1 };
    uint16_t head = vqd_add_chain(&h->q[0], s, ndata + 2);
    vdh_notify(h, 0);
    ck_assert_int_eq(vqd_get_used(&h->q[0], &id, &len), 1);
    ck_assert_uint_eq(id, head);
    if (used)
        *used = len;
    ck_assert_int_eq(machine_phys_read(&h->m, STATUS, &st, 1), 0);
    return st;
}

/* One contiguous data buffer at DATA. */
static int blk_rw(struct vdh *h, uint32_t type, uint64_t sector, uint32_t len, uint32_t *used)
{
    struct vqd_seg d = { DATA, len, type == T_IN };
    return blk_submit(h, type, sector, &d, len ? 1 : 0, used);
}

/* First byte of the n bytes at b that differs from the image's sectors
 * starting at sector, or -1. (One check per sector keeps the large tests fast.) */
static long first_mismatch(const uint8_t *b, uint64_t sector, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        if (b[i] != pattern(sector + i / SECTOR, (unsigned)(i % SECTOR)))
            return (long)i;
    }
    return -1;
}

static void expect_pattern(struct vdh *h, uint64_t addr, uint64_t sector, unsigned nsectors)
{
    uint8_t b[SECTOR];
    for (unsigned s = 0; s < nsectors; s++) {
        ck_assert_int_eq(machine_phys_read(&h->m, addr + (uint64_t)s * SECTOR, b, SECTOR), 0);
        long at = first_mismatch(b, sector + s, SECTOR);
        ck_assert_msg(at < 0, "sector %llu byte %ld", (unsigned long long)(sector + s), at);
    }
}

static void expect_file_pattern(const struct img *im, uint64_t sector, unsigned nsectors)
{
    uint8_t b[SECTOR];
    for (unsigned s = 0; s < nsectors; s++) {
        img_read(im, (sector + s) * SECTOR, b, SECTOR);
        long at = first_mismatch(b, sector + s, SECTOR);
        ck_assert_msg(at < 0, "file sector %llu byte %ld", (unsigned long long)(sector + s), at);
    }
}

static bool guest_all(struct vdh *h, uint64_t addr, uint64_t len, uint8_t v)
{
    uint8_t b[SECTOR];
    for (uint64_t o = 0; o < len; o += sizeof(b)) {
        uint64_t n = len - o < sizeof(b) ? len - o : sizeof(b);
        ck_assert_int_eq(machine_phys_read(&h->m, addr + o, b, n), 0);
        for (uint64_t i = 0; i < n; i++) {
            if (b[i] != v)
                return false;
        }
    }
    return true;
}

static bool file_all(const struct img *im, uint64_t off, uint64_t len, uint8_t v)
{
    uint8_t b[SECTOR];
    for (uint64_t o = 0; o < len; o += sizeof(b)) {
        img_read(im, off + o, b, sizeof(b));
        for (unsigned i = 0; i < sizeof(b); i++) {
            if (b[i] != v)
                return false;
        }
    }
    return true;
}

/* Writes the 16-byte discard/write-zeroes segments at DATA. */
static int blk_dwz(struct vdh *h, uint32_t type, const uint64_t (*segs)[3], unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        vqd_w64(&h->m, DATA + 16ull * i, segs[i][0]);
        vqd_w32(&h->m, DATA + 16ull * i + 8, (uint32_t)segs[i][1]);
        vqd_w32(&h->m, DATA + 16ull * i + 12, (uint32_t)segs[i][2]);
    }
    struct vqd_seg d = { DATA, 16 * n, 0 };
    return blk_submit(h, type, 0, &d, 1, NULL);
}

START_TEST(test_virtio_blk_features_and_config_describe_the_image)
{
    struct img im;
    char spec[160];
    img_make(&im, IMG_BYTES);
    snprintf(spec, sizeof(spec), "virtio-blk-device,file=%s", im.path);
    struct vdh *h = vdh_new(&virtio_blk_desc, spec, 0);
    uint64_t f = vdh_device_features(h);
    ck_assert_uint_eq(vdh_rd(h, VDH_R_DEVICE_ID), 2);
    ck_assert(f & VIRTIO_BIT(F_SEG_MAX));
    ck_assert(f & VIRTIO_BIT(F_BLK_SIZE));
    ck_assert(f & VIRTIO_BIT(F_FLUSH));
    ck_assert(f & VIRTIO_BIT(F_DISCARD));
    ck_assert(f & VIRTIO_BIT(F_WRITE_ZEROES));
    ck_assert(!(f & VIRTIO_BIT(F_RO)));
    /* §5.2.4 layout */
    ck_assert_uint_eq(vdh_config(h, 0x00, 8), IMG_SECTORS);
    ck_assert_uint_eq(vdh_config(h, 0x00, 4), IMG_SECTORS);   /* drivers may read it in halves */
    ck_assert_uint_eq(vdh_config(h, 0x04, 4), 0);
    ck_assert_uint_eq(vdh_config(h, 0x14, 4), 512);
    uint32_t seg_max = (uint32_t)vdh_config(h, 0x0c, 4);
    ck_assert_uint_ge(seg_max, 1);
    vdh_wr(h, VDH_R_QUEUE_SEL, 0);
    ck_assert_uint_le(seg_max + 2, vdh_rd(h, VDH_R_QUEUE_NUM_MAX));  /* header and status fit too */
    ck_assert_uint_gt(vdh_config(h, 0x24, 4), 0);              /* max_discard_sectors */
    ck_assert_uint_gt(vdh_config(h, 0x28, 4), 0);              /* max_discard_seg */
    ck_assert_uint_gt(vdh_config(h, 0x2c, 4), 0);              /* discard_sector_alignment */
    ck_assert_uint_gt(vdh_config(h, 0x30, 4), 0);              /* max_write_zeroes_sectors */
    ck_assert_uint_gt(vdh_config(h, 0x34, 4), 0);              /* max_write_zeroes_seg */
    ck_assert_uint_eq(vdh_config(h, 0x38, 1), 1);              /* write_zeroes_may_unmap */
    ck_assert_uint_eq(vdh_config(h, 0x39, 1), 0);              /* unused1 */
    ck_assert_uint_eq(vdh_config(h, 0x3c, 4), 0);              /* past what we expose */
    vdh_free(h);
    img_remove(&im);
}
END_TEST

START_TEST(test_virtio_blk_capacity_follows_file_size)
{
    struct img im;
    char spec[160];
    img_make(&im, 3 * SECTOR);
    snprintf(spec, sizeof(spec), "virtio-blk,file=%s", im.path);
    struct vdh *h = vdh_new(&virtio_blk_desc, spec, 0);
    ck_assert_uint_eq(vdh_config(h, 0, 8), 3);
    vdh_start(h, F_ALL);
    /* The last sector reads; one past it does not. */
    ck_assert_int_eq(blk_rw(h, T_IN, 2, SECTOR, NULL), S_OK);
    expect_pattern(h, DATA, 2, 1);
    ck_assert_int_eq(blk_rw(h, T_IN, 3, SECTOR, NULL), S_IOERR);
    vdh_free(h);
    img_remove(&im);
}
END_TEST

/* A sparse image past 2 TiB: capacity needs its high word, and sector
 * offsets must not be cut to 32 bits. */
START_TEST(test_virtio_blk_capacity_above_2tib_is_64_bit)
{
    const uint64_t sectors = (1ull << 32) + 16, far = (1ull << 32) + 8;
    struct img im;
    char spec[160];
    uint8_t b[SECTOR];
    img_make(&im, SECTOR);
    int fd = open(im.path, O_RDWR);
    ck_assert_int_ge(fd, 0);
    if (ftruncate(fd, (off_t)(sectors * SECTOR)) != 0) {
        fprintf(stderr, "SKIP test_virtio_blk_capacity_above_2tib_is_64_bit: %s: no 2 TiB sparse files (%s)\n",
                im.dir, strerror(errno));
        close(fd);
        img_remove(&im);
        return;
    }
    for (unsigned j = 0; j < SECTOR; j++)
        b[j] = pattern(far, j);
    ck_assert_int_eq(pwrite(fd, b, SECTOR, (off_t)(far * SECTOR)), SECTOR);
    close(fd);
    snprintf(spec, sizeof(spec), "virtio-blk,file=%s,readonly=on", im.path);
    struct vdh *h = vdh_new(&virtio_blk_desc, spec, 0);
    ck_assert_uint_eq(vdh_config(h, 0, 8), sectors);
    ck_assert_uint_eq(vdh_config(h, 4, 4), 1);
    vdh_start(h, VDH_F_V1);
    ck_assert_int_eq(blk_rw(h, T_IN, far, SECTOR, NULL), S_OK);
    expect_pattern(h, DATA, far, 1);
    ck_assert_int_eq(blk_rw(h, T_IN, 0, SECTOR, NULL), S_OK);
    expect_pattern(h, DATA, 0, 1);
    vdh_free(h);
    img_remove(&im);
}
END_TEST

START_TEST(test_virtio_blk_read_returns_image_at_several_sectors)
{
    static const uint64_t sectors[] = { 0, 1, 7, 100, 4095, IMG_SECTORS - 4 };
    struct fx *f = fx_new("", F_ALL);
    for (unsigned i = 0; i < sizeof(sectors) / sizeof(sectors[0]); i++) {
        uint32_t used;
        vdh_poison(&f->h->m, DATA, 4 * SECTOR, 0xcc);
        ck_assert_int_eq(blk_rw(f->h, T_IN, sectors[i], 4 * SECTOR, &used), S_OK);
        ck_assert_uint_eq(used, 4 * SECTOR + 1);
        expect_pattern(f->h, DATA, sectors[i], 4);
    }
    ck_assert(f->h->irq);
    struct virtio_blk_stats st = virtio_blk_get_stats(f->h->dev);
    ck_assert_uint_eq(st.requests, 6);
    ck_assert_uint_eq(st.read_bytes, 6 * 4 * SECTOR);
    ck_assert_uint_eq(st.errors, 0);
    char *json = vdh_stats_json(f->h);
    ck_assert_ptr_nonnull(strstr(json, "\"read_bytes\": 12288"));
    ck_assert_ptr_nonnull(strstr(json, "\"capacity_sectors\": 8192"));
    ck_assert_ptr_nonnull(strstr(json, "\"written_bytes\": 0"));
    free(json);
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_blk_read_into_split_buffers_keeps_order)
{
    struct fx *f = fx_new("", F_ALL);
    /* 3 sectors over buffers of 100, 900 and 536 bytes, apart in RAM. */
    struct vqd_seg d[] = { { DATA, 100, 1 }, { DATA + 0x10000, 900, 1 }, { DATA + 0x20000, 536, 1 } };
    uint8_t got[3 * SECTOR];
    ck_assert_int_eq(blk_submit(f->h, T_IN, 10, d, 3, NULL), S_OK);
    ck_assert_int_eq(machine_phys_read(&f->h->m, DATA, got, 100), 0);
    ck_assert_int_eq(machine_phys_read(&f->h->m, DATA + 0x10000, got + 100, 900), 0);
    ck_assert_int_eq(machine_phys_read(&f->h->m, DATA + 0x20000, got + 1000, 536), 0);
    ck_assert_int_eq(first_mismatch(got, 10, sizeof(got)), -1);
    fx_free(f);
}
END_TEST

/* Status byte in the same descriptor as the data (any layout, §2.6.4). */
START_TEST(test_virtio_blk_status_may_share_the_data_buffer)
{
    struct fx *f = fx_new("", F_ALL);
    struct vqd_seg s[] = { { HDR, 16, 0 }, { DATA, SECTOR + 1, 1 } };
    uint32_t id, len;
    uint8_t st;
    put_hdr(f->h, T_IN, 5);
    vdh_poison(&f->h->m, DATA, SECTOR + 1, 0xee);
    vqd_add_chain(&f->h->q[0], s, 2);
    vdh_notify(f->h, 0);
    ck_assert_int_eq(vqd_get_used(&f->h->q[0], &id, &len), 1);
    ck_assert_uint_eq(len, SECTOR + 1);
    expect_pattern(f->h, DATA, 5, 1);
    ck_assert_int_eq(machine_phys_read(&f->h->m, DATA + SECTOR, &st, 1), 0);
    ck_assert_uint_eq(st, S_OK);
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_blk_large_read_crosses_bounce_chunks)
{
    struct fx *f = fx_new("", F_ALL);
    const uint32_t n = 3000;    /* 1.5 MiB: several bounce-buffer chunks */
    ck_assert_int_eq(blk_rw(f->h, T_IN, 1000, n * SECTOR, NULL), S_OK);
    expect_pattern(f->h, DATA, 1000, n);
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_blk_write_reaches_file_and_reads_back)
{
    struct fx *f = fx_new("", F_ALL);
    uint8_t data[2 * SECTOR], back[2 * SECTOR];
    uint32_t used;
    for (unsigned i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(0x5a ^ i ^ (i >> 3));
    ck_assert_int_eq(machine_phys_write(&f->h->m, DATA, data, sizeof(data)), 0);
    ck_assert_int_eq(blk_rw(f->h, T_OUT, 33, sizeof(data), &used), S_OK);
    ck_assert_uint_eq(used, 1);    /* only the status byte was written */
    img_read(&f->im, 33 * SECTOR, back, sizeof(back));
    ck_assert_mem_eq(back, data, sizeof(data));
    /* The neighbours are untouched. */
    expect_file_pattern(&f->im, 32, 1);
    expect_file_pattern(&f->im, 35, 1);
    /* And the guest reads it back. */
    vdh_poison(&f->h->m, DATA, sizeof(data), 0);
    ck_assert_int_eq(blk_rw(f->h, T_IN, 33, sizeof(data), NULL), S_OK);
    ck_assert_int_eq(machine_phys_read(&f->h->m, DATA, back, sizeof(back)), 0);
    ck_assert_mem_eq(back, data, sizeof(data));
    ck_assert_uint_eq(virtio_blk_get_stats(f->h->dev).written_bytes, sizeof(data));
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_blk_large_write_from_split_buffers)
{
    struct fx *f = fx_new("", F_ALL);
    /* 1 MiB + 512 over two buffers: 700 KiB and the rest. */
    const uint32_t a = 700 * 1024, b = 1024 * 1024 + SECTOR - a;
    struct vqd_seg d[] = { { DATA, a, 0 }, { DATA + a + 0x1000, b, 0 } };
    uint8_t *buf = malloc(a + b), *back = malloc(a + b);
    ck_assert_ptr_nonnull(buf);
    ck_assert_ptr_nonnull(back);
    for (uint32_t i = 0; i < a + b; i++)
        buf[i] = (uint8_t)(i * 13 + (i >> 9));
    ck_assert_int_eq(machine_phys_write(&f->h->m, DATA, buf, a), 0);
    ck_assert_int_eq(machine_phys_write(&f->h->m, DATA + a + 0x1000, buf + a, b), 0);
    ck_assert_int_eq(blk_submit(f->h, T_OUT, 2000, d, 2, NULL), S_OK);
    img_read(&f->im, 2000ull * SECTOR, back, a + b);
    ck_assert(memcmp(back, buf, a + b) == 0);
    free(buf);
    free(back);
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_blk_flush_succeeds_and_is_counted)
{
    struct fx *f = fx_new("", F_ALL);
    ck_assert_int_eq(blk_rw(f->h, T_FLUSH, 0, 0, NULL), S_OK);
    ck_assert_uint_eq(virtio_blk_get_stats(f->h->dev).flushes, 1);
    fx_free(f);
}
END_TEST

/* Without FLUSH negotiated every write is made stable before it completes
 * (§5.2.6.2); the guest sees the same data either way. */
START_TEST(test_virtio_blk_write_without_flush_feature_still_works)
{
    struct fx *f = fx_new("", VDH_F_V1);
    uint8_t data[SECTOR], back[SECTOR];
    memset(data, 0x77, sizeof(data));
    ck_assert_int_eq(machine_phys_write(&f->h->m, DATA, data, sizeof(data)), 0);
    ck_assert_int_eq(blk_rw(f->h, T_OUT, 9, SECTOR, NULL), S_OK);
    img_read(&f->im, 9 * SECTOR, back, SECTOR);
    ck_assert_mem_eq(back, data, SECTOR);
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_blk_discard_then_reads_zeros)
{
    struct fx *f = fx_new("", F_ALL);
    if (!img_can_punch(&f->im)) {
        fprintf(stderr, "SKIP test_virtio_blk_discard_then_reads_zeros: %s cannot punch holes\n", f->im.dir);
        fx_free(f);
        return;
    }
    const uint64_t segs[][3] = { { 64, 16, 0 }, { 256, 8, 0 } };
    ck_assert_int_eq(blk_dwz(f->h, T_DISCARD, segs, 2), S_OK);
    ck_assert(file_all(&f->im, 64 * SECTOR, 16 * SECTOR, 0));
    ck_assert(file_all(&f->im, 256 * SECTOR, 8 * SECTOR, 0));
    ck_assert_int_eq(blk_rw(f->h, T_IN, 60, 24 * SECTOR, NULL), S_OK);
    expect_pattern(f->h, DATA, 60, 4);
    ck_assert(guest_all(f->h, DATA + 4 * SECTOR, 16 * SECTOR, 0));
    expect_pattern(f->h, DATA + 20 * SECTOR, 80, 4);
    ck_assert_uint_eq(virtio_blk_get_stats(f->h->dev).discards, 2);
    fx_free(f);
}
END_TEST

/* §5.2.6.2: unmap on a discard, or an unknown flag, is UNSUPP; nothing changes. */
START_TEST(test_virtio_blk_discard_with_flags_is_unsupported)
{
    struct fx *f = fx_new("", F_ALL);
    const uint64_t unmap[][3] = { { 64, 8, 1 } };
    const uint64_t unknown[][3] = { { 64, 8, 0 }, { 128, 8, 2 } };
    ck_assert_int_eq(blk_dwz(f->h, T_DISCARD, unmap, 1), S_UNSUPP);
    ck_assert_int_eq(blk_dwz(f->h, T_DISCARD, unknown, 2), S_UNSUPP);
    ck_assert_int_eq(blk_dwz(f->h, T_WRITE_ZEROES, unknown, 2), S_UNSUPP);
    ck_assert_int_eq(blk_rw(f->h, T_IN, 64, 8 * SECTOR, NULL), S_OK);
    expect_pattern(f->h, DATA, 64, 8);
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_blk_discard_out_of_range_is_ioerr)
{
    struct fx *f = fx_new("", F_ALL);
    const uint64_t past[][3] = { { 8, 8, 0 }, { IMG_SECTORS - 4, 8, 0 } };
    const uint64_t wrap[][3] = { { UINT64_MAX - 2, 8, 0 } };
    ck_assert_int_eq(blk_dwz(f->h, T_DISCARD, past, 2), S_IOERR);
    ck_assert_int_eq(blk_dwz(f->h, T_DISCARD, wrap, 1), S_IOERR);
    /* Checked before acting: the first, valid segment was not discarded. */
    ck_assert_int_eq(blk_rw(f->h, T_IN, 8, 8 * SECTOR, NULL), S_OK);
    expect_pattern(f->h, DATA, 8, 8);
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_blk_write_zeroes_reads_zeros)
{
    struct fx *f = fx_new("", F_ALL);
    const uint64_t segs[][3] = { { 300, 3, 0 }, { 400, 16, 1 } };
    ck_assert_int_eq(blk_dwz(f->h, T_WRITE_ZEROES, segs, 2), S_OK);
    ck_assert(file_all(&f->im, 300 * SECTOR, 3 * SECTOR, 0));
    ck_assert(file_all(&f->im, 400 * SECTOR, 16 * SECTOR, 0));
    vdh_poison(&f->h->m, DATA, 5 * SECTOR, 0xcc);
    ck_assert_int_eq(blk_rw(f->h, T_IN, 299, 5 * SECTOR, NULL), S_OK);
    expect_pattern(f->h, DATA, 299, 1);
    ck_assert(guest_all(f->h, DATA + SECTOR, 3 * SECTOR, 0));
    expect_pattern(f->h, DATA + 4 * SECTOR, 303, 1);
    ck_assert_uint_eq(virtio_blk_get_stats(f->h->dev).write_zeroes, 2);
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_blk_discard_not_negotiated_is_unsupported)
{
    struct fx *f = fx_new("", VDH_F_V1 | VIRTIO_BIT(F_FLUSH));
    const uint64_t segs[][3] = { { 64, 8, 0 } };
    ck_assert_int_eq(blk_dwz(f->h, T_DISCARD, segs, 1), S_UNSUPP);
    ck_assert_int_eq(blk_dwz(f->h, T_WRITE_ZEROES, segs, 1), S_UNSUPP);
    ck_assert_int_eq(blk_rw(f->h, T_IN, 64, 8 * SECTOR, NULL), S_OK);
    expect_pattern(f->h, DATA, 64, 8);
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_blk_discard_off_hides_the_feature)
{
    struct fx *f = fx_new(",discard=off", VDH_F_V1);
    uint64_t feat = vdh_device_features(f->h);
    ck_assert(!(feat & VIRTIO_BIT(F_DISCARD)));
    ck_assert(feat & VIRTIO_BIT(F_WRITE_ZEROES));
    ck_assert_uint_eq(vdh_config(f->h, 0x38, 1), 0);    /* write zeroes cannot unmap */
    fx_free(f);
}
END_TEST

/* Reads past the end fail and leave the guest buffer as it was. */
START_TEST(test_virtio_blk_read_past_end_is_ioerr_and_writes_nothing)
{
    struct fx *f = fx_new("", F_ALL);
    static const uint64_t bad[][2] = {
        { IMG_SECTORS - 1, 2 }, { IMG_SECTORS, 1 }, { IMG_SECTORS + 100, 1 }, { UINT64_MAX, 1 },
        { UINT64_MAX / SECTOR + 1, 1 },
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint32_t used;
        vdh_poison(&f->h->m, DATA, 4 * SECTOR, 0xcc);
        ck_assert_int_eq(blk_rw(f->h, T_IN, bad[i][0], (uint32_t)bad[i][1] * SECTOR, &used), S_IOERR);
        ck_assert_uint_eq(used, 1);
        ck_assert(guest_all(f->h, DATA, 4 * SECTOR, 0xcc));
    }
    ck_assert_int_eq(blk_rw(f->h, T_OUT, IMG_SECTORS - 1, 2 * SECTOR, NULL), S_IOERR);
    ck_assert_uint_eq(virtio_blk_get_stats(f->h->dev).errors, 6);
    ck_assert(!vdh_needs_reset(f->h));
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_blk_partial_sector_is_ioerr)
{
    struct fx *f = fx_new("", F_ALL);
    vdh_poison(&f->h->m, DATA, SECTOR, 0xcc);
    ck_assert_int_eq(blk_rw(f->h, T_IN, 0, 100, NULL), S_IOERR);
    ck_assert(guest_all(f->h, DATA, SECTOR, 0xcc));
    vdh_poison(&f->h->m, DATA, 600, 0xcc);
    ck_assert_int_eq(blk_rw(f->h, T_OUT, 0, 600, NULL), S_IOERR);
    expect_file_pattern(&f->im, 0, 2);
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_blk_readonly_offers_ro_and_refuses_writes)
{
    struct fx *f = fx_new(",readonly=on", VDH_F_V1 | VIRTIO_BIT(F_RO) | VIRTIO_BIT(F_FLUSH));
    uint64_t feat = vdh_device_features(f->h);
    ck_assert(feat & VIRTIO_BIT(F_RO));
    ck_assert(!(feat & VIRTIO_BIT(F_DISCARD)));
    ck_assert(!(feat & VIRTIO_BIT(F_WRITE_ZEROES)));
    vdh_poison(&f->h->m, DATA, SECTOR, 0x11);
    ck_assert_int_eq(blk_rw(f->h, T_OUT, 4, SECTOR, NULL), S_IOERR);
    expect_file_pattern(&f->im, 4, 1);
    const uint64_t segs[][3] = { { 4, 1, 0 } };
    ck_assert_int_eq(blk_dwz(f->h, T_WRITE_ZEROES, segs, 1), S_UNSUPP);
    ck_assert_int_eq(blk_rw(f->h, T_IN, 4, SECTOR, NULL), S_OK);
    expect_pattern(f->h, DATA, 4, 1);
    ck_assert_int_eq(blk_rw(f->h, T_FLUSH, 0, 0, NULL), S_OK);
    fx_free(f);
}
END_TEST

/* A read-only device opens images the user may not write. */
START_TEST(test_virtio_blk_readonly_opens_a_read_only_file)
{
    struct img im;
    char spec[160];
    const struct virtio_dev_ops *ops;
    struct emu_err err = { "" };
    struct machine m;
    img_make(&im, IMG_BYTES);
    ck_assert_int_eq(chmod(im.path, 0444), 0);
    vdh_machine_init(&m, 0);
    snprintf(spec, sizeof(spec), "virtio-blk,file=%s,readonly", im.path);
    void *dev = vdh_create_dev(&m, &virtio_blk_desc, spec, 0, &ops, &err);
    ck_assert_msg(dev != NULL, "%s", err.msg);
    virtio_blk_desc.destroy(dev);
    if (geteuid() != 0) {   /* root may write anyway */
        snprintf(spec, sizeof(spec), "virtio-blk,file=%s", im.path);
        ck_assert_ptr_null(vdh_create_dev(&m, &virtio_blk_desc, spec, 0, &ops, &err));
        ck_assert_ptr_nonnull(strstr(err.msg, "Permission denied"));
        ck_assert_ptr_nonnull(strstr(err.msg, "readonly=on"));
    }
    machine_destroy(&m);
    img_remove(&im);
}
END_TEST

static void get_id(struct vdh *h, char id[20])
{
    struct vqd_seg d = { DATA, 20, 1 };
    uint32_t used;
    vdh_poison(&h->m, DATA, 20, 0xff);
    ck_assert_int_eq(blk_submit(h, T_GET_ID, 0, &d, 1, &used), S_OK);
    ck_assert_uint_eq(used, 21);
    ck_assert_int_eq(machine_phys_read(&h->m, DATA, id, 20), 0);
}

START_TEST(test_virtio_blk_get_id_default_and_option)
{
    struct img im;
    char spec[200], id[20], want[20] = { 0 };
    img_make(&im, IMG_BYTES);
    snprintf(spec, sizeof(spec), "virtio-blk,file=%s,readonly", im.path);
    struct vdh *h = vdh_new(&virtio_blk_desc, spec, 3);
    vdh_start(h, VDH_F_V1);
    get_id(h, id);
    memcpy(want, "emu-blk3", 8);        /* NUL-padded to 20 bytes (§5.2.6) */
    ck_assert_mem_eq(id, want, 20);
    vdh_free(h);

    snprintf(spec, sizeof(spec), "virtio-blk,file=%s,readonly,serial=ABCDEFGHIJKLMNOPQRST", im.path);
    h = vdh_new(&virtio_blk_desc, spec, 0);
    vdh_start(h, VDH_F_V1);
    get_id(h, id);
    ck_assert_mem_eq(id, "ABCDEFGHIJKLMNOPQRST", 20);   /* 20 bytes: no terminator */
    vdh_free(h);
    img_remove(&im);
}
END_TEST

START_TEST(test_virtio_blk_unknown_request_type_is_unsupported)
{
    struct fx *f = fx_new("", F_ALL);
    ck_assert_int_eq(blk_rw(f->h, 99, 0, SECTOR, NULL), S_UNSUPP);
    ck_assert_int_eq(blk_rw(f->h, 10, 0, 0, NULL), S_UNSUPP);     /* GET_LIFETIME, not offered */
    ck_assert(!vdh_needs_reset(f->h));
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_blk_chain_without_status_needs_reset)
{
    struct fx *f = fx_new("", F_ALL);
    struct vqd_seg s[] = { { HDR, 16, 0 }, { DATA, SECTOR, 0 } };
    uint32_t id, len;
    put_hdr(f->h, T_OUT, 0);
    vdh_poison(&f->h->m, DATA, SECTOR, 0x33);
    vqd_add_chain(&f->h->q[0], s, 2);
    vdh_notify(f->h, 0);
    ck_assert(vdh_needs_reset(f->h));
    ck_assert_int_eq(vqd_get_used(&f->h->q[0], &id, &len), 0);
    expect_file_pattern(&f->im, 0, 1);      /* the write was not carried out */
    /* A reset brings it back. */
    vdh_wr(f->h, VDH_R_STATUS, 0);
    vqd_init(&f->h->q[0], &f->h->m, VDH_RINGS, VDH_QSIZE);
    vdh_start(f->h, F_ALL);
    ck_assert_int_eq(blk_rw(f->h, T_IN, 0, SECTOR, NULL), S_OK);
    expect_pattern(f->h, DATA, 0, 1);
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_blk_short_header_needs_reset)
{
    struct fx *f = fx_new("", F_ALL);
    struct vqd_seg s[] = { { HDR, 8, 0 }, { STATUS, 1, 1 } };
    uint32_t id, len;
    uint8_t st = 0xee;
    ck_assert_int_eq(machine_phys_write(&f->h->m, STATUS, &st, 1), 0);
    vqd_add_chain(&f->h->q[0], s, 2);
    vdh_notify(f->h, 0);
    ck_assert(vdh_needs_reset(f->h));
    ck_assert_int_eq(vqd_get_used(&f->h->q[0], &id, &len), 0);
    ck_assert_int_eq(machine_phys_read(&f->h->m, STATUS, &st, 1), 0);
    ck_assert_uint_eq(st, 0xee);
    fx_free(f);
}
END_TEST

START_TEST(test_virtio_blk_data_outside_ram_needs_reset)
{
    struct fx *f = fx_new("", F_ALL);
    struct vqd_seg d = { VDH_RAM_BASE + VDH_RAM_SIZE - SECTOR / 2, SECTOR, 1 };
    struct vqd_seg s[] = { { HDR, 16, 0 }, d, { STATUS, 1, 1 } };
    uint32_t id, len;
    put_hdr(f->h, T_IN, 0);
    vqd_add_chain(&f->h->q[0], s, 3);
    vdh_notify(f->h, 0);
    ck_assert(vdh_needs_reset(f->h));
    ck_assert_int_eq(vqd_get_used(&f->h->q[0], &id, &len), 0);
    fx_free(f);
}
END_TEST

/* Creates a device from spec and expects create to fail with msg in err. */
static void expect_refused(const char *spec, const char *msg)
{
    struct machine m;
    struct emu_err err = { "" };
    const struct virtio_dev_ops *ops;
    vdh_machine_init(&m, 0);
    void *dev = vdh_create_dev(&m, &virtio_blk_desc, spec, 0, &ops, &err);
    if (dev)
        virtio_blk_desc.destroy(dev);
    ck_assert_msg(dev == NULL, "%s was accepted", spec);
    ck_assert_msg(strstr(err.msg, msg) != NULL, "%s: got '%s', want '%s'", spec, err.msg, msg);
    ck_assert_ptr_null(strchr(err.msg, '\n'));
    machine_destroy(&m);
}

START_TEST(test_virtio_blk_bad_options_are_refused)
{
    struct img im;
    char spec[200], msg[200];
    img_make(&im, IMG_BYTES);

    expect_refused("virtio-blk", "virtio-blk: needs file=PATH");
    expect_refused("virtio-blk,file=", "virtio-blk: needs file=PATH");
    expect_refused("virtio-blk,file=/nonexistent/disk.img", "virtio-blk: /nonexistent/disk.img: No such file or directory");
    snprintf(spec, sizeof(spec), "virtio-blk,file=%s", im.dir);
    snprintf(msg, sizeof(msg), "virtio-blk: %s: Is a directory", im.dir);
    expect_refused(spec, msg);
    snprintf(spec, sizeof(spec), "virtio-blk,file=%s,readonly=maybe", im.path);
    expect_refused(spec, "readonly=maybe");
    snprintf(spec, sizeof(spec), "virtio-blk,file=%s,cache=none", im.path);
    expect_refused(spec, "cache");
    snprintf(spec, sizeof(spec), "virtio-blk,file=%s,serial=ABCDEFGHIJKLMNOPQRSTU", im.path);
    expect_refused(spec, "at most 20");
    expect_refused("virtio-blk,file=/dev/null", "not a regular file or block device");

    /* A size that is not whole sectors. */
    ck_assert_int_eq(truncate(im.path, 1000), 0);
    snprintf(spec, sizeof(spec), "virtio-blk,file=%s", im.path);
    snprintf(msg, sizeof(msg), "virtio-blk: %s: size 1000 is not a multiple of 512 bytes", im.path);
    expect_refused(spec, msg);
    img_remove(&im);
}
END_TEST

START_TEST(test_virtio_blk_second_writer_is_refused)
{
    struct img im;
    char spec[200];
    struct machine m;
    struct emu_err err = { "" };
    const struct virtio_dev_ops *ops;
    img_make(&im, IMG_BYTES);
    vdh_machine_init(&m, 0);
    snprintf(spec, sizeof(spec), "virtio-blk,file=%s", im.path);
    void *a = vdh_create_dev(&m, &virtio_blk_desc, spec, 0, &ops, &err);
    ck_assert_msg(a != NULL, "%s", err.msg);
    ck_assert_ptr_null(vdh_create_dev(&m, &virtio_blk_desc, spec, 1, &ops, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "in use"));
    virtio_blk_desc.destroy(a);
    /* Readers share. */
    snprintf(spec, sizeof(spec), "virtio-blk,file=%s,readonly=on", im.path);
    a = vdh_create_dev(&m, &virtio_blk_desc, spec, 0, &ops, &err);
    void *b = vdh_create_dev(&m, &virtio_blk_desc, spec, 1, &ops, &err);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    virtio_blk_desc.destroy(a);
    virtio_blk_desc.destroy(b);
    machine_destroy(&m);
    img_remove(&im);
}
END_TEST

static Suite *virtio_blk_suite(void)
{
    Suite *s = suite_create("virtio_blk");
    TCase *tc = tcase_create("requests");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_virtio_blk_features_and_config_describe_the_image);
    tcase_add_test(tc, test_virtio_blk_capacity_follows_file_size);
    tcase_add_test(tc, test_virtio_blk_capacity_above_2tib_is_64_bit);
    tcase_add_test(tc, test_virtio_blk_read_returns_image_at_several_sectors);
    tcase_add_test(tc, test_virtio_blk_read_into_split_buffers_keeps_order);
    tcase_add_test(tc, test_virtio_blk_status_may_share_the_data_buffer);
    tcase_add_test(tc, test_virtio_blk_large_read_crosses_bounce_chunks);
    tcase_add_test(tc, test_virtio_blk_write_reaches_file_and_reads_back);
    tcase_add_test(tc, test_virtio_blk_large_write_from_split_buffers);
    tcase_add_test(tc, test_virtio_blk_flush_succeeds_and_is_counted);
    tcase_add_test(tc, test_virtio_blk_write_without_flush_feature_still_works);
    tcase_add_test(tc, test_virtio_blk_discard_then_reads_zeros);
    tcase_add_test(tc, test_virtio_blk_discard_with_flags_is_unsupported);
    tcase_add_test(tc, test_virtio_blk_discard_out_of_range_is_ioerr);
    tcase_add_test(tc, test_virtio_blk_write_zeroes_reads_zeros);
    tcase_add_test(tc, test_virtio_blk_discard_not_negotiated_is_unsupported);
    tcase_add_test(tc, test_virtio_blk_discard_off_hides_the_feature);
    tcase_add_test(tc, test_virtio_blk_get_id_default_and_option);
    tcase_add_test(tc, test_virtio_blk_unknown_request_type_is_unsupported);
    suite_add_tcase(s, tc);
    TCase *err = tcase_create("errors");
    tcase_add_test(err, test_virtio_blk_read_past_end_is_ioerr_and_writes_nothing);
    tcase_add_test(err, test_virtio_blk_partial_sector_is_ioerr);
    tcase_add_test(err, test_virtio_blk_readonly_offers_ro_and_refuses_writes);
    tcase_add_test(err, test_virtio_blk_readonly_opens_a_read_only_file);
    tcase_add_test(err, test_virtio_blk_chain_without_status_needs_reset);
    tcase_add_test(err, test_virtio_blk_short_header_needs_reset);
    tcase_add_test(err, test_virtio_blk_data_outside_ram_needs_reset);
    tcase_add_test(err, test_virtio_blk_bad_options_are_refused);
    tcase_add_test(err, test_virtio_blk_second_writer_is_refused);
    suite_add_tcase(s, err);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(virtio_blk_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
