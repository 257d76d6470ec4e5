/* The table behind -device: every virtio device model, by name. */
#include "virtio/registry.h"

#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "virtio/balloon.h"
#include "virtio/blk.h"
#include "virtio/console.h"
#include "virtio/net.h"
#include "virtio/rng.h"

static const struct virtio_device_desc *const virtio_devices[] = {
    &virtio_blk_desc,
    &virtio_net_device,
    &virtio_console_desc,
    &virtio_rng_desc,
    &virtio_balloon_desc,
    NULL,
};

const struct virtio_device_desc *virtio_device_find(const char *name)
{
    for (const struct virtio_device_desc *const *d = virtio_devices; *d; d++) {
        if (!strcmp((*d)->name, name) || ((*d)->alias && !strcmp((*d)->alias, name)))
            return *d;
    }
    return NULL;
}

void virtio_device_print_list(FILE *f)
{
    fputs("devices (-device NAME[,opt=val...]):\n", f);
    for (const struct virtio_device_desc *const *d = virtio_devices; *d; d++) {
        fprintf(f, "  %-16s %s\n", (*d)->name, (*d)->summary);
        fprintf(f, "  %-16s options: %s\n", "", (*d)->options);
    }
}

/* -drive keys, as QEMU spells them. */
static const char *const drive_keys[] = { "file", "format", "readonly", "if", "id", "discard", "snapshot", NULL };

static int drive_parse(const char *spec, struct devopts *o, struct emu_err *err)
{
    size_t n = strlen(spec);
    char *named = malloc(n + sizeof("-drive,"));
    if (!named)
        return emu_errf(err, "out of memory");
    memcpy(named, "-drive,", 7);
    memcpy(named + 7, spec, n + 1);
    int rc = devopts_parse(o, named, err);
    free(named);
    if (rc < 0 || devopts_check_keys(o, drive_keys, err) < 0)
        return -1;
    const char *format = devopts_get(o, "format");
    if (format && strcmp(format, "raw"))
        return emu_errf(err, "-drive format=%s: only raw images are supported", format);
    const char *iface = devopts_get(o, "if");
    if (iface && strcmp(iface, "virtio") && strcmp(iface, "none"))
        return emu_errf(err, "-drive if=%s: riscv-virt disks are if=virtio (or if=none with -device)", iface);
    if (!devopts_get(o, "file"))
        return emu_errf(err, "-drive %s: needs file=PATH", spec);
    /* QEMU's discard=unmap|ignore are on|off here. */
    const char *discard = devopts_get(o, "discard");
    if (discard && !strcmp(discard, "unmap"))
        devopts_set(o, "discard", "on", err);
    else if (discard && !strcmp(discard, "ignore"))
        devopts_set(o, "discard", "off", err);
    return 0;
}

/* Copies a drive's disk settings into virtio-blk options. */
static int drive_to_blk(const struct devopts *drive, struct devopts *blk, struct emu_err *err)
{
    static const char *const carried[] = { "file", "readonly", "discard", "snapshot" };
    for (size_t i = 0; i < sizeof(carried) / sizeof(carried[0]); i++) {
        const char *v = devopts_get(drive, carried[i]);
        if (v && devopts_set(blk, carried[i], v, err) < 0)
            return -1;
    }
    return 0;
}

/* Finds the if=none -drive with id=ID among the machine's options. */
static int drive_lookup(const struct machine *m, const char *id, struct devopts *out, struct emu_err *err)
{
    for (unsigned i = 0; i < m->cfg.nvdevs; i++) {
        const struct machine_vdev *v = &m->cfg.vdevs[i];
        if (!v->drive)
            continue;
        if (drive_parse(v->spec, out, err) < 0)
            return -1;
        const char *did = devopts_get(out, "id");
        const char *iface = devopts_get(out, "if");
        if (did && !strcmp(did, id) && iface && !strcmp(iface, "none"))
            return 0;
        devopts_free(out);
    }
    return emu_errf(err, "drive=%s: no -drive if=none,id=%s", id, id);
}

static int vdev_create(const struct virtio_env *env, struct devopts *o, const struct virtio_device_desc **desc,
                       const struct virtio_dev_ops **ops, void **dev, struct emu_err *err)
{
    const struct virtio_device_desc *d = virtio_device_find(o->name);
    if (!d)
        return emu_errf(err, "-device %s: no such device (see -device help)", o->name);
    *desc = d;
    *dev = d->create(env, o, ops, err);
    return *dev ? 0 : -1;
}

int virtio_device_create(const struct virtio_env *env, const struct machine_vdev *v,
                         const struct virtio_device_desc **desc, const struct virtio_dev_ops **ops, void **dev,
                         struct emu_err *err)
{
    struct devopts o, drive;
    int rc = -1;
    *dev = NULL;
    memset(&drive, 0, sizeof(drive));
    if (v->drive) {
        if (drive_parse(v->spec, &drive, err) < 0)
            goto out_drive;
        const char *iface = devopts_get(&drive, "if");
        if (iface && !strcmp(iface, "none")) {
            if (!devopts_get(&drive, "id"))
                emu_errf(err, "-drive if=none needs id=ID for -device virtio-blk,drive=ID");
            else
                rc = 0;
            goto out_drive;
        }
        if (devopts_parse(&o, "virtio-blk", err) < 0 || drive_to_blk(&drive, &o, err) < 0)
            goto out;
    } else {
        if (devopts_parse(&o, v->spec, err) < 0)
            goto out;
        const char *id = devopts_get(&o, "drive");
        if (id) {
            if (drive_lookup(env->m, id, &drive, err) < 0 || drive_to_blk(&drive, &o, err) < 0)
                goto out;
            devopts_remove(&o, "drive");
        }
    }
    /* -snapshot: QEMU's shorthand for snapshot=on on every disk that does
     * not say otherwise. */
    if (env->m->cfg.snapshot_disks && o.name && virtio_device_find(o.name) == &virtio_blk_desc &&
        !devopts_get(&o, "snapshot") && devopts_set(&o, "snapshot", "on", err) < 0)
        goto out;
    rc = vdev_create(env, &o, desc, ops, dev, err);
out:
    devopts_free(&o);
out_drive:
    devopts_free(&drive);
    return rc;
}
