/*
 * Unit tests for virtio/blk_disk: the snapshot=on overlay (reads see
 * writes, the image never changes, pieces that straddle clusters, zeroing
 * and discard of whole and partial clusters, a short last cluster), and
 * snapshots of the disk: the overlay saved and loaded exactly, a damaged
 * overlay section refused, a changed image refused on restore, a disk
 * restored in another mode refused.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/snap.h"
#include "virtio/blk_disk.h"

#define CLUSTER 4096u
/* Three whole clusters and one sector: the last cluster is short. */
#define IMG_BYTES (3u * CLUSTER + 512u)

static uint8_t pattern(uint64_t off)
{
    return (uint8_t)(off * 7 + (off >> 9) * 131 + 1);
}

struct img {
    char dir[64];
    char path[96];
    char snap[96];
};

static void img_make(struct img *im)
{
    strcpy(im->dir, "/tmp/check_blk_disk.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(im->dir));
    snprintf(im->path, sizeof(im->path), "%s/disk.img", im->dir);
    snprintf(im->snap, sizeof(im->snap), "%s/disk.snap", im->dir);
    uint8_t *buf = malloc(IMG_BYTES);
    for (uint64_t i = 0; i < IMG_BYTES; i++)
        buf[i] = pattern(i);
    FILE *f = fopen(im->path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(buf, 1, IMG_BYTES, f), IMG_BYTES);
    fclose(f);
    free(buf);
}

static void img_remove(struct img *im)
{
    unlink(im->path);
    unlink(im->snap);
    rmdir(im->dir);
}

/* The image file still holds its pattern, byte for byte. */
static bool img_untouched(const struct img *im)
{
    uint8_t *buf = malloc(IMG_BYTES + 1);
    FILE *f = fopen(im->path, "rb");
    size_t n = f ? fread(buf, 1, IMG_BYTES + 1, f) : 0;
    if (f)
        fclose(f);
    bool same = n == IMG_BYTES;
    for (uint64_t i = 0; same && i < IMG_BYTES; i++)
        same = buf[i] == pattern(i);
    free(buf);
    return same;
}

static struct blk_disk *open_disk(const struct img *im, enum blk_disk_mode mode)
{
    struct emu_err err;
    struct blk_disk *d = blk_disk_open(im->path, mode, "virtio-blk", &err);
    ck_assert_msg(d != NULL, "%s", err.msg);
    return d;
}

/* The disk reads [off, off + n) as expect(off + k). */
static void check_reads(struct blk_disk *d, uint64_t off, uint64_t n, uint8_t (*expect)(uint64_t))
{
    uint8_t *buf = malloc(n);
    ck_assert_int_eq(blk_disk_read(d, buf, n, off), 0);
    for (uint64_t k = 0; k < n; k++)
        ck_assert_msg(buf[k] == expect(off + k), "byte %llu: %u, want %u", (unsigned long long)(off + k), buf[k],
                      expect(off + k));
    free(buf);
}

static uint8_t zero(uint64_t off)
{
    (void)off;
    return 0;
}

static uint8_t written(uint64_t off)
{
    return (uint8_t)(0xa5 ^ off);
}

static void write_span(struct blk_disk *d, uint64_t off, uint64_t n)
{
    uint8_t *buf = malloc(n);
    for (uint64_t k = 0; k < n; k++)
        buf[k] = written(off + k);
    ck_assert_int_eq(blk_disk_write(d, buf, n, off), 0);
    free(buf);
}

START_TEST(test_overlay_reads_writes_file_untouched)
{
    struct img im;
    img_make(&im);
    struct blk_disk *d = open_disk(&im, BLK_DISK_OVERLAY);
    ck_assert_uint_eq(blk_disk_size(d), IMG_BYTES);
    check_reads(d, 0, IMG_BYTES, pattern);
    /* 1 KiB straddling clusters 0 and 1, and the disk's last sector. */
    write_span(d, CLUSTER - 512, 1024);
    write_span(d, IMG_BYTES - 512, 512);
    check_reads(d, 0, CLUSTER - 512, pattern);
    check_reads(d, CLUSTER - 512, 1024, written);
    check_reads(d, CLUSTER + 512, 2 * CLUSTER - 1024, pattern);
    check_reads(d, IMG_BYTES - 512, 512, written);
    ck_assert_uint_eq(blk_disk_overlay_bytes(d), 3 * CLUSTER);   /* clusters 0, 1 and 3 */
    ck_assert_int_eq(blk_disk_sync(d), 0);
    blk_disk_close(d);
    ck_assert(img_untouched(&im));
    img_remove(&im);
}
END_TEST

START_TEST(test_overlay_zero_and_discard)
{
    struct img im;
    img_make(&im);
    struct blk_disk *d = open_disk(&im, BLK_DISK_OVERLAY);
    write_span(d, 0, CLUSTER);
    /* Write-zeroes of cluster 0 whole and half of cluster 1. */
    ck_assert_int_eq(blk_disk_zero(d, 0, CLUSTER + 2048, true), 0);
    check_reads(d, 0, CLUSTER + 2048, zero);
    check_reads(d, CLUSTER + 2048, 2048, pattern);
    /* A whole cluster that reads as zeros holds no memory; the half one does. */
    ck_assert_uint_eq(blk_disk_overlay_bytes(d), CLUSTER);
    /* Discard drops whole clusters (2 and the short last one), and
     * leaves a partial one as it was. */
    blk_disk_discard(d, 2 * CLUSTER, CLUSTER + 512);
    check_reads(d, 2 * CLUSTER, CLUSTER + 512, zero);
    blk_disk_discard(d, CLUSTER + 2048, 1024);
    check_reads(d, CLUSTER + 2048, 1024, pattern);
    /* Writing into a zeroed cluster starts from zeros, not the file. */
    write_span(d, 512, 512);
    check_reads(d, 0, 512, zero);
    check_reads(d, 512, 512, written);
    check_reads(d, 1024, CLUSTER - 1024, zero);
    blk_disk_close(d);
    ck_assert(img_untouched(&im));
    img_remove(&im);
}
END_TEST

static void save_disk(struct blk_disk *d, const char *path)
{
    struct emu_err err;
    struct snap *s = snap_create(path, SNAP_KIND_SNAPSHOT, 1, &err);
    ck_assert_ptr_nonnull(s);
    snap_begin(s, "disk");
    ck_assert_int_eq(blk_disk_snap(d, s), 0);
    snap_end(s);
    ck_assert_int_eq(snap_close(s, &err), 0);
}

/* Loads path into d; returns 0, or -1 with the message in err. */
static int load_disk(struct blk_disk *d, const char *path, struct emu_err *err)
{
    struct snap *s = snap_open(path, SNAP_KIND_SNAPSHOT, err);
    ck_assert_ptr_nonnull(s);
    snap_begin(s, "disk");
    blk_disk_snap(d, s);
    snap_end(s);
    return snap_close(s, err);
}

START_TEST(test_overlay_snapshot_round_trip)
{
    struct img im;
    img_make(&im);
    struct blk_disk *d = open_disk(&im, BLK_DISK_OVERLAY);
    write_span(d, CLUSTER - 512, 1024);
    ck_assert_int_eq(blk_disk_zero(d, 2 * CLUSTER, CLUSTER, false), 0);
    save_disk(d, im.snap);
    /* Changes after the snapshot are undone by loading it. */
    write_span(d, 2 * CLUSTER, CLUSTER);
    ck_assert_int_eq(blk_disk_zero(d, 0, CLUSTER, false), 0);
    struct emu_err err;
    ck_assert_int_eq(load_disk(d, im.snap, &err), 0);
    check_reads(d, 0, CLUSTER - 512, pattern);
    check_reads(d, CLUSTER - 512, 1024, written);
    check_reads(d, CLUSTER + 512, CLUSTER - 512, pattern);
    check_reads(d, 2 * CLUSTER, CLUSTER, zero);
    check_reads(d, 3 * CLUSTER, 512, pattern);
    ck_assert_uint_eq(blk_disk_overlay_bytes(d), 2 * CLUSTER);
    /* And into a fresh disk on the same image. */
    struct blk_disk *d2 = open_disk(&im, BLK_DISK_OVERLAY);
    ck_assert_int_eq(load_disk(d2, im.snap, &err), 0);
    check_reads(d2, CLUSTER - 512, 1024, written);
    check_reads(d2, 2 * CLUSTER, CLUSTER, zero);
    blk_disk_close(d2);
    blk_disk_close(d);
    img_remove(&im);
}
END_TEST

/* A section written by hand: mode, count, then (index, kind) pairs. */
static void write_overlay_section(const char *path, const uint64_t *idx, unsigned n)
{
    struct emu_err err;
    struct snap *s = snap_create(path, SNAP_KIND_SNAPSHOT, 1, &err);
    uint8_t mode = BLK_DISK_OVERLAY, kind = 2;      /* the zero mark: no data to write */
    uint64_t count = n;
    snap_begin(s, "disk");
    snap_u8(s, "disk.mode", &mode);
    snap_u64(s, "overlay.clusters", &count);
    for (unsigned i = 0; i < n; i++) {
        uint64_t v = idx[i];
        snap_u64(s, "cluster", &v);
        snap_u8(s, "kind", &kind);
    }
    snap_end(s);
    ck_assert_int_eq(snap_close(s, &err), 0);
}

START_TEST(test_overlay_snapshot_damage_refused)
{
    struct img im;
    img_make(&im);
    struct blk_disk *d = open_disk(&im, BLK_DISK_OVERLAY);
    struct emu_err err;
    static const uint64_t repeated[] = { 1, 1 }, outside[] = { 0, 1u << 30 };
    write_overlay_section(im.snap, repeated, 2);
    ck_assert_int_eq(load_disk(d, im.snap, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "out of order or outside the disk"));
    write_overlay_section(im.snap, outside, 2);
    ck_assert_int_eq(load_disk(d, im.snap, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "out of order or outside the disk"));
    blk_disk_close(d);
    img_remove(&im);
}
END_TEST

START_TEST(test_file_disk_snapshot_refuses_changed_image)
{
    struct img im;
    img_make(&im);
    struct blk_disk *d = open_disk(&im, BLK_DISK_RW);
    save_disk(d, im.snap);
    struct emu_err err;
    ck_assert_int_eq(load_disk(d, im.snap, &err), 0);
    /* The guest (or anyone) writes the image after the snapshot. */
    write_span(d, 0, 512);
    ck_assert_int_eq(load_disk(d, im.snap, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "has changed since the snapshot was taken"));
    blk_disk_close(d);
    img_remove(&im);
}
END_TEST

START_TEST(test_snapshot_mode_mismatch_refused)
{
    struct img im;
    img_make(&im);
    struct blk_disk *d = open_disk(&im, BLK_DISK_RW);
    save_disk(d, im.snap);
    blk_disk_close(d);
    d = open_disk(&im, BLK_DISK_OVERLAY);
    struct emu_err err;
    ck_assert_int_eq(load_disk(d, im.snap, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "snapshot=on here"));
    blk_disk_close(d);
    img_remove(&im);
}
END_TEST

START_TEST(test_readonly_disk_refuses_writes)
{
    struct img im;
    img_make(&im);
    struct blk_disk *d = open_disk(&im, BLK_DISK_RO);
    uint8_t buf[512] = { 0 };
    ck_assert_int_eq(blk_disk_write(d, buf, sizeof(buf), 0), -1);
    ck_assert_int_eq(blk_disk_zero(d, 0, CLUSTER, true), -1);
    blk_disk_close(d);
    ck_assert(img_untouched(&im));
    img_remove(&im);
}
END_TEST

static Suite *blk_disk_suite(void)
{
    Suite *s = suite_create("blk_disk");
    TCase *tc = tcase_create("overlay");
    tcase_add_test(tc, test_overlay_reads_writes_file_untouched);
    tcase_add_test(tc, test_overlay_zero_and_discard);
    tcase_add_test(tc, test_readonly_disk_refuses_writes);
    suite_add_tcase(s, tc);
    tc = tcase_create("snapshot");
    tcase_add_test(tc, test_overlay_snapshot_round_trip);
    tcase_add_test(tc, test_overlay_snapshot_damage_refused);
    tcase_add_test(tc, test_file_disk_snapshot_refuses_changed_image);
    tcase_add_test(tc, test_snapshot_mode_mismatch_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(blk_disk_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
