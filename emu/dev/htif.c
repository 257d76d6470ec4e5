/*
 * Berkeley HTIF, as Spike's front-end server (fesvr) implements it.
 *
 * No register map: the guest writes a 64-bit command into the RAM word
 * `tohost` and, for commands with an answer, waits for the RAM word
 * `fromhost` to become non-zero. A command is
 *   bits 63:56 device, 55:48 command, 47:0 payload.
 * Device 0 (syscall proxy), command 0:
 *   payload bit 0 set   exit with status payload >> 1 (0 = pass)
 *   payload bit 0 clear payload is the address of eight 64-bit words
 *                       {syscall number, arguments...}; the result goes
 *                       into word 0 and fromhost becomes 1.
 *                       Handled: write (64) to fd 1/2, exit (93).
 * Device 1 (console):
 *   command 1           write the payload's low byte (no answer)
 *   command 0           read a byte: answered with (1 << 56) | 0x100 | byte
 * The host clears tohost after taking a command; an answer is written only
 * while fromhost is 0, so a guest that has not consumed one loses none.
 */
#include "dev/htif.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/chardev.h"
#include "core/machine.h"
#include "core/snap.h"

#define HTIF_DEV_SYSCALL 0u
#define HTIF_DEV_CONSOLE 1u
#define HTIF_CMD_READ    0u
#define HTIF_CMD_WRITE   1u
#define HTIF_PAYLOAD_MASK ((1ull << 48) - 1)

#define HTIF_SYS_WRITE 64u
#define HTIF_SYS_EXIT  93u
#define HTIF_ENOSYS    38
#define HTIF_EFAULT    14
#define HTIF_EBADF     9
#define HTIF_MAX_WRITE (1u << 20)
#define HTIF_MAX_RESP  4u

struct htif {
    struct machine *m;
    struct chardev *ch;
    uint64_t tohost, fromhost;
    uint64_t event;
    bool read_pending;           /* console read waiting for a byte */
    uint64_t resp[HTIF_MAX_RESP];
    unsigned resp_head, nresp;
};

static uint64_t htif_le64(const uint8_t *b)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

static void htif_put_le64(uint8_t *b, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

static int htif_load(struct htif *h, uint64_t addr, uint64_t *v)
{
    uint8_t b[8];

    if (machine_phys_read(h->m, addr, b, 8) != 0)
        return -1;
    *v = htif_le64(b);
    return 0;
}

static int htif_store(struct htif *h, uint64_t addr, uint64_t v)
{
    uint8_t b[8];

    htif_put_le64(b, v);
    return machine_phys_write(h->m, addr, b, 8);
}

static void htif_respond(struct htif *h, unsigned dev, unsigned cmd, uint64_t payload)
{
    if (!h->fromhost || h->nresp == HTIF_MAX_RESP)
        return;
    h->resp[(h->resp_head + h->nresp) % HTIF_MAX_RESP] =
        (uint64_t)dev << 56 | (uint64_t)cmd << 48 | (payload & HTIF_PAYLOAD_MASK);
    h->nresp++;
}

static void htif_flush_responses(struct htif *h)
{
    uint64_t cur;

    if (!h->nresp || htif_load(h, h->fromhost, &cur) != 0 || cur != 0)
        return;
    if (htif_store(h, h->fromhost, h->resp[h->resp_head]) == 0) {
        h->resp_head = (h->resp_head + 1) % HTIF_MAX_RESP;
        h->nresp--;
    }
}

static void htif_exit(struct htif *h, uint64_t code)
{
    machine_request_stop(h->m, MACHINE_STOP_POWEROFF, code > INT_MAX ? INT_MAX : (int)code);
}

/* SYS_write to the console: copies guest bytes out in small pieces. */
static int64_t htif_sys_write(struct htif *h, uint64_t fd, uint64_t addr, uint64_t len)
{
    uint8_t buf[256];
    uint64_t done = 0;

    if (fd != 1 && fd != 2)
        return -HTIF_EBADF;
    if (len > HTIF_MAX_WRITE)
        len = HTIF_MAX_WRITE;
    while (done < len) {
        uint64_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);
        if (machine_phys_read(h->m, addr + done, buf, n) != 0)
            return done ? (int64_t)done : -HTIF_EFAULT;
        chardev_write(h->ch, buf, n);
        done += n;
    }
    return (int64_t)done;
}

static void htif_syscall(struct htif *h, uint64_t addr)
{
    uint8_t magic[64];
    int64_t ret;

    if (machine_phys_read(h->m, addr, magic, sizeof(magic)) != 0)
        return;
    switch (htif_le64(magic)) {
    case HTIF_SYS_WRITE:
        ret = htif_sys_write(h, htif_le64(magic + 8), htif_le64(magic + 16), htif_le64(magic + 24));
        break;
    case HTIF_SYS_EXIT:
        htif_exit(h, htif_le64(magic + 8));
        return;
    default:
        ret = -HTIF_ENOSYS;
        break;
    }
    htif_put_le64(magic, (uint64_t)ret);
    machine_phys_write(h->m, addr, magic, 8);
    htif_respond(h, HTIF_DEV_SYSCALL, 0, 1);
}

static void htif_command(struct htif *h, uint64_t v)
{
    unsigned dev = (unsigned)(v >> 56);
    unsigned cmd = (unsigned)(v >> 48) & 0xffu;
    uint64_t payload = v & HTIF_PAYLOAD_MASK;

    if (dev == HTIF_DEV_SYSCALL && cmd == 0) {
        if (payload & 1)
            htif_exit(h, payload >> 1);
        else
            htif_syscall(h, payload);
    } else if (dev == HTIF_DEV_CONSOLE && cmd == HTIF_CMD_WRITE) {
        uint8_t b = (uint8_t)payload;
        chardev_write(h->ch, &b, 1);
    } else if (dev == HTIF_DEV_CONSOLE && cmd == HTIF_CMD_READ) {
        h->read_pending = true;
    }
}

static void htif_console_input(struct htif *h)
{
    uint8_t b;

    if (h->read_pending && h->nresp < HTIF_MAX_RESP && chardev_read(h->ch, &b) == 1) {
        h->read_pending = false;
        htif_respond(h, HTIF_DEV_CONSOLE, HTIF_CMD_READ, 0x100u | b);
    }
}

static void htif_poll(void *opaque, uint64_t now)
{
    struct htif *h = opaque;
    uint64_t v;

    h->event = 0;
    /* tohost outside RAM: nothing can ever arrive, stop polling. */
    if (htif_load(h, h->tohost, &v) != 0)
        return;
    if (v != 0) {
        htif_store(h, h->tohost, 0);
        htif_command(h, v);
    }
    htif_console_input(h);
    htif_flush_responses(h);
    h->event = evq_post(&h->m->evq, now + HTIF_POLL_CYCLES, EVQ_PRIO_DEVICE, htif_poll, h);
}

static void htif_reset(void *dev)
{
    struct htif *h = dev;

    if (h->event)
        evq_cancel(&h->m->evq, h->event);
    h->read_pending = false;
    h->nresp = 0;
    h->resp_head = 0;
    h->event = evq_post(&h->m->evq, machine_now(h->m) + HTIF_POLL_CYCLES, EVQ_PRIO_DEVICE,
                        htif_poll, h);
}

struct htif *htif_create(struct machine *m, uint64_t tohost, uint64_t fromhost, struct chardev *ch)
{
    struct htif *h = calloc(1, sizeof(*h));

    if (!h)
        return NULL;
    h->m = m;
    h->ch = ch;
    h->tohost = tohost;
    h->fromhost = fromhost;
    htif_reset(h);
    return h;
}

void htif_destroy(void *htif)
{
    struct htif *h = htif;

    if (!h)
        return;
    if (h->event)
        evq_cancel(&h->m->evq, h->event);
    free(h);
}

/* Snapshot and state hash: the answers waiting for fromhost to clear and
 * the poll event. tohost/fromhost come from the ELF and must agree. */
static int htif_snap(void *dev, struct snap *s)
{
    struct htif *h = dev;
    uint64_t tohost = h->tohost, fromhost = h->fromhost;
    snap_u64(s, "tohost", &tohost);
    snap_u64(s, "fromhost", &fromhost);
    if (snap_loading(s) && snap_status(s) == 0 && (tohost != h->tohost || fromhost != h->fromhost))
        return snap_fail(s, "tohost/fromhost at 0x%llx/0x%llx in the file, 0x%llx/0x%llx here",
                         (unsigned long long)tohost, (unsigned long long)fromhost,
                         (unsigned long long)h->tohost, (unsigned long long)h->fromhost);
    snap_bool(s, "read_pending", &h->read_pending);
    snap_u64s(s, "resp", h->resp, HTIF_MAX_RESP);
    snap_u32(s, "resp_head", &h->resp_head);
    snap_u32(s, "nresp", &h->nresp);
    evq_snap(&h->m->evq, s, "poll", &h->event, htif_poll, h);
    if (snap_loading(s) && (h->resp_head >= HTIF_MAX_RESP || h->nresp > HTIF_MAX_RESP))
        return snap_fail(s, "answer queue at %u holding %u", h->resp_head, h->nresp);
    return snap_status(s);
}

const struct dev_ops htif_ops = {
    .reset = htif_reset,
    .save = htif_snap,
    .load = htif_snap,
};
