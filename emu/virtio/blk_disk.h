/*
 * The disk behind a virtio-blk: a raw image file, used as it is or, with
 * snapshot=on, under a copy-on-write overlay in emu's memory.
 *
 *   struct blk_disk *d = blk_disk_open("disk.img", BLK_DISK_RW, "virtio-blk", &err);
 *   blk_disk_read(d, buf, 4096, 0);
 *   blk_disk_write(d, buf, 512, 8 * 512);
 *   blk_disk_zero(d, 0, 1 << 20, true);      reads as zeros afterwards
 *   blk_disk_discard(d, 0, 1 << 20);         may drop the data (advisory)
 *   blk_disk_sync(d);
 *   blk_disk_close(d);
 *
 * With an overlay (BLK_DISK_OVERLAY) the image is opened read-only and
 * never changes: writes, write-zeroes and discards land in 4 KiB clusters
 * held in memory, and reads see them over the file. A run can then be
 * repeated, recorded and replayed with the same image, and the overlay is
 * part of snapshots and state hashes (blk_disk_snap), so a restored run
 * sees the disk as it was when the snapshot was taken.
 *
 * Without one, the image file is the disk: a snapshot holds its content
 * hash, and restoring refuses an image that has changed since.
 *
 * Offsets and lengths are in bytes, multiples of 512, inside the disk
 * (the caller checks ranges). Functions return 0, or -1 on a host I/O
 * error or when memory for the overlay runs out (the request fails, emu
 * goes on).
 */
#ifndef EMU_VIRTIO_BLK_DISK_H
#define EMU_VIRTIO_BLK_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"

struct snap;
struct blk_disk;

enum blk_disk_mode {
    BLK_DISK_RO,                /* readonly=on: nothing is ever written */
    BLK_DISK_RW,                /* writes go to the image file */
    BLK_DISK_OVERLAY,           /* snapshot=on: writes stay in memory */
};

/* Opens and sizes the image; messages start with name and the path as
 * the user gave it. NULL with err on failure. */
struct blk_disk *blk_disk_open(const char *path, enum blk_disk_mode mode, const char *name, struct emu_err *err);
void blk_disk_close(struct blk_disk *d);

uint64_t blk_disk_size(const struct blk_disk *d);      /* bytes, a multiple of 512 */
const char *blk_disk_path(const struct blk_disk *d);
/* Bytes of memory the overlay holds (0 without one). */
uint64_t blk_disk_overlay_bytes(const struct blk_disk *d);

int blk_disk_read(struct blk_disk *d, void *buf, size_t n, uint64_t off);
int blk_disk_write(struct blk_disk *d, const void *buf, size_t n, uint64_t off);
/* The range reads as zeros afterwards; unmap lets the file's blocks be
 * freed where the host can. */
int blk_disk_zero(struct blk_disk *d, uint64_t off, uint64_t len, bool unmap);
/* Advisory (virtio 1.2 §5.2.6.2 "MAY deallocate"): the data may stay. */
void blk_disk_discard(struct blk_disk *d, uint64_t off, uint64_t len);
/* Written data is stable in the image (no-op for an overlay). */
int blk_disk_sync(struct blk_disk *d);

/* Saves, loads or hashes what a snapshot must hold of the disk. */
int blk_disk_snap(struct blk_disk *d, struct snap *s);

#endif
