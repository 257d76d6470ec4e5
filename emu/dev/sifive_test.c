/*
 * SiFive test finisher, as QEMU's virt board has it.
 *
 * Register map (0x1000 bytes):
 *   0x0  FINISHER (write, 32-bit; reads as 0)
 *        bits 15:0  0x5555 pass: power off with exit status 0
 *                   0x3333 fail: power off with status bits 31:16 (0 -> 1)
 *                   0x7777 reset
 *        other values are ignored.
 */
#include "dev/sifive_test.h"

#include <stdlib.h>

#include "core/machine.h"
#include "core/snap.h"

#define SIFIVE_TEST_FAIL  0x3333u
#define SIFIVE_TEST_PASS  0x5555u
#define SIFIVE_TEST_RESET 0x7777u

struct sifive_test {
    struct machine *m;
};

static uint64_t sifive_test_read(void *dev, uint64_t off, unsigned size)
{
    return 0;
}

static void sifive_test_write(void *dev, uint64_t off, uint64_t val, unsigned size)
{
    struct sifive_test *t = dev;
    unsigned status = (unsigned)(val & 0xffffu);
    int code = (int)((val >> 16) & 0xffffu);

    /* OpenSBI writes the status alone with a 16-bit store; the exit code
     * needs the 32-bit form. */
    if (off != 0 || size < 2)
        return;
    switch (status) {
    case SIFIVE_TEST_PASS:
        machine_request_stop(t->m, MACHINE_STOP_POWEROFF, 0);
        break;
    case SIFIVE_TEST_FAIL:
        /* A failure must not look like success to a script. */
        machine_request_stop(t->m, MACHINE_STOP_POWEROFF, code ? code : 1);
        break;
    case SIFIVE_TEST_RESET:
        machine_request_stop(t->m, MACHINE_STOP_RESET, 0);
        break;
    default:
        break;
    }
}

struct sifive_test *sifive_test_create(struct machine *m)
{
    struct sifive_test *t = calloc(1, sizeof(*t));

    if (t)
        t->m = m;
    return t;
}

void sifive_test_destroy(void *test)
{
    free(test);
}

/* No state: what the guest writes acts at once (stops the machine). */
static int sifive_test_snap(void *dev, struct snap *s)
{
    (void)dev;
    return snap_status(s);
}

const struct dev_ops sifive_test_ops = {
    .read = sifive_test_read,
    .write = sifive_test_write,
    .save = sifive_test_snap,
    .load = sifive_test_snap,
};
