/*
 * The virtio devices a user can add with -device NAME[,opts]: one
 * descriptor each, listed by `-device help`.
 *
 * A board creates the transport (virtio_mmio_create) around whatever the
 * descriptor's create returns, so a device never knows its transport:
 *
 *   const struct virtio_device_desc *d = virtio_device_find(o.name);
 *   const struct virtio_dev_ops *ops;
 *   void *dev = d->create(&env, &o, &ops, err);
 */
#ifndef EMU_VIRTIO_REGISTRY_H
#define EMU_VIRTIO_REGISTRY_H

#include <stdio.h>

#include "core/devopts.h"
#include "core/log.h"
#include "virtio/virtio.h"

struct machine;
struct net_hub;
struct json;

/* What the board hands every device it creates. */
struct virtio_env {
    struct machine *m;
    unsigned index;             /* position among the machine's virtio devices */
    struct net_hub *hub;        /* the machine's network hub (virtio-net) */
};

struct virtio_device_desc {
    const char *name;           /* "virtio-blk" */
    const char *alias;          /* QEMU's spelling ("virtio-blk-device"), or NULL */
    const char *summary;        /* one line for -device help */
    const char *options;        /* e.g. "file=PATH[,readonly=on|off]" */
    /* Validates o (devopts_check_keys first), creates the device and
     * says what it is through *ops. NULL with err filled on bad options. */
    void *(*create)(const struct virtio_env *env, const struct devopts *o, const struct virtio_dev_ops **ops,
                    struct emu_err *err);
    void (*destroy)(void *dev);
    /* Its statistics for --stats, written as members of the JSON object
     * that the transport opens (and adds its own counters to); may be
     * NULL. */
    void (*write_stats)(void *dev, struct json *j);
};

const struct virtio_device_desc *virtio_device_find(const char *name);

struct machine_vdev;
/*
 * Creates what one -device or -drive asks for. A -drive becomes a
 * virtio-blk unless it says if=none; then it only names a disk for a later
 * `-device virtio-blk,drive=ID`, and *dev is NULL. Returns 0, or -1 with
 * err filled.
 */
int virtio_device_create(const struct virtio_env *env, const struct machine_vdev *v,
                         const struct virtio_device_desc **desc, const struct virtio_dev_ops **ops, void **dev,
                         struct emu_err *err);
/* One line per device, for -device help. */
void virtio_device_print_list(FILE *f);

#endif
