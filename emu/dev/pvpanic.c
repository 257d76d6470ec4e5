/*
 * pvpanic register (QEMU docs/specs/pvpanic.rst): one byte at offset 0.
 *   read:  the events this device supports
 *   write: the events that happened; bit 0 PANICKED, bit 1 CRASH_LOADED
 * CRASH_LOADED means a crash kernel takes over, so the run goes on; a
 * panic with no crash kernel stops the machine.
 */
#include "dev/pvpanic.h"

#include <stdlib.h>

#include "core/machine.h"
#include "core/snap.h"

#define PVPANIC_PANICKED     1u
#define PVPANIC_CRASH_LOADED 2u

struct pvpanic {
    struct machine *m;
};

static uint64_t pvpanic_read(void *dev, uint64_t off, unsigned size)
{
    return off == 0 ? PVPANIC_PANICKED | PVPANIC_CRASH_LOADED : 0;
}

static void pvpanic_write(void *dev, uint64_t off, uint64_t val, unsigned size)
{
    struct pvpanic *p = dev;
    if (off == 0 && (val & PVPANIC_PANICKED) && !(val & PVPANIC_CRASH_LOADED))
        machine_request_stop(p->m, MACHINE_STOP_PANIC, 0);
}

struct pvpanic *pvpanic_create(struct machine *m)
{
    struct pvpanic *p = calloc(1, sizeof(*p));
    if (p)
        p->m = m;
    return p;
}

void pvpanic_destroy(void *p)
{
    free(p);
}

/* No state: what the guest writes acts at once (stops the machine). */
static int pvpanic_snap(void *dev, struct snap *s)
{
    (void)dev;
    return snap_status(s);
}

const struct dev_ops pvpanic_ops = {
    .read = pvpanic_read,
    .write = pvpanic_write,
    .save = pvpanic_snap,
    .load = pvpanic_snap,
};
