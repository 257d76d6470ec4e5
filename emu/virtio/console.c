/*
 * virtio console device (virtio 1.2 §5.3), port 0 only (no MULTIPORT):
 * receiveq 0, transmitq 1.
 *
 * Configuration space (§5.3.4, little-endian):
 *   0x00 cols le16, 0x02 rows le16   (VIRTIO_CONSOLE_F_SIZE, not offered)
 *   0x04 max_nr_ports le32           (VIRTIO_CONSOLE_F_MULTIPORT, not offered)
 *   0x08 emerg_wr le32               VIRTIO_CONSOLE_F_EMERG_WRITE: a write
 *                                    sends its low byte to the backend
 *
 * F_SIZE is not offered: the order of cols and rows differs between
 * versions of the spec and its implementations, and without it a guest
 * keeps its own default size, which is what a serial console gives too.
 *
 * Transmit is immediate: every buffer's bytes reach the backend when the
 * driver notifies. Receive is pulled like the 16550's: with input=on, an
 * event every character time takes at most one byte from the backend, and
 * only while the driver has a receive buffer posted; the byte is returned
 * in that buffer at once. Input therefore enters at virtual times that
 * depend on the guest alone.
 *
 * Scripted input must arrive whole, and posted buffers alone do not mean
 * the guest is listening: Linux fills the receive queue before it marks
 * the port connected, and drops what arrives in between. So input starts
 * only once the driver has transmitted on the port since reset (for a
 * Linux console, the kernel log it prints as the port comes up), the way
 * a user types only after seeing something.
 */
#include "virtio/console.h"

#include <stdlib.h>
#include <string.h>

#include "core/chardev.h"
#include "core/json.h"
#include "core/machine.h"
#include "core/snap.h"
#include "virtio/virtqueue.h"

#define VIRTIO_CONSOLE_F_EMERG_WRITE 2

#define CON_RECEIVEQ 0u
#define CON_TRANSMITQ 1u
#define CON_QUEUE_SIZE 64
#define CON_CONFIG_SIZE 12u
#define CON_EMERG_WR 0x08u
#define CON_CHUNK 4096u
/* The 16550's pace (10 bits at 115200 baud), so scripted input arrives
 * at the same rate whichever console the guest uses. */
#define CON_CHARS_PER_SEC 11520u

struct virtio_console {
    struct machine *m;
    struct chardev *ch;             /* NULL: output discarded, no input */
    bool input;
    const struct virtio_bus *bus;
    uint64_t char_cycles;
    /* The receive buffer taken from the driver and not yet returned. */
    struct virtq_chain rx;
    bool rx_held;
    bool rx_eof;
    bool tx_seen;                   /* the driver transmitted since reset: input may start */
    uint64_t rx_event;              /* pending poll, 0 when none */
    struct virtio_console_stats stats;
};

static uint64_t con_features(void *dev)
{
    (void)dev;
    return VIRTIO_BIT(VIRTIO_CONSOLE_F_EMERG_WRITE);
}

static uint64_t con_config_read(void *dev, uint32_t off, unsigned size)
{
    (void)dev;
    (void)off;
    (void)size;
    /* cols, rows and max_nr_ports are not valid without their features;
     * emerg_wr reads as 0. */
    return 0;
}

/* §5.3.5.1: allowed at any time, even before the device is set up. */
static void con_config_write(void *dev, uint32_t off, uint64_t val, unsigned size)
{
    struct virtio_console *c = dev;
    uint8_t b = (uint8_t)val;

    (void)size;
    if (off != CON_EMERG_WR)
        return;
    chardev_write(c->ch, &b, 1);
    c->stats.bytes_out++;
}

static void con_rx_poll(void *opaque, uint64_t now);

static void con_rx_schedule(struct virtio_console *c, uint64_t base)
{
    if (c->rx_event || !c->input || c->rx_eof || !c->tx_seen)
        return;
    c->rx_event = evq_post(&c->m->evq, base + c->char_cycles, EVQ_PRIO_INPUT, con_rx_poll, c);
}

static int con_transmit(struct virtio_console *c, struct virtq *vq)
{
    struct virtq_chain ch;
    uint8_t buf[CON_CHUNK];
    int rc;

    virtq_chain_init(&ch);
    while ((rc = virtq_pop(vq, &ch)) > 0) {
        c->tx_seen = true;
        /* §5.3.6.1: transmit buffers are readable; a writable part is
         * ignored and nothing is written back. */
        for (uint64_t off = 0; off < ch.read_len;) {
            uint64_t n = ch.read_len - off < CON_CHUNK ? ch.read_len - off : CON_CHUNK;
            if (virtq_chain_read(vq, &ch, off, buf, n) != (int64_t)n) {
                rc = -1;
                break;
            }
            chardev_write(c->ch, buf, (size_t)n);
            c->stats.bytes_out += n;
            off += n;
        }
        if (rc < 0 || virtq_push(vq, &ch, 0) != 0) {
            rc = -1;
            break;
        }
    }
    virtq_notify(vq);
    virtq_chain_free(&ch);
    con_rx_schedule(c, machine_now(c->m));
    return rc < 0 ? -1 : 0;
}

/* Takes the next receive buffer unless one is held; false when none. */
static bool con_rx_buffer(struct virtio_console *c, struct virtq *vq)
{
    if (c->rx_held)
        return true;
    if (virtq_pop(vq, &c->rx) <= 0)
        return false;   /* empty, or broken: the transport was told */
    c->rx_held = true;
    return true;
}

static void con_rx_poll(void *opaque, uint64_t now)
{
    struct virtio_console *c = opaque;
    struct virtq *vq = c->bus ? c->bus->queue(c->bus->transport, CON_RECEIVEQ) : NULL;
    uint8_t b;

    c->rx_event = 0;
    if (!vq || !con_rx_buffer(c, vq))
        return;         /* polling resumes when the driver posts a buffer */
    if (c->rx.write_len == 0) {
        /* §5.3.6.1: a readable receive buffer is a driver error; hand it
         * back empty rather than hold the queue. */
        c->rx_held = false;
        if (virtq_push(vq, &c->rx, 0) == 0)
            virtq_notify(vq);
        con_rx_schedule(c, now);
        return;
    }
    int r = chardev_read(c->ch, &b);
    if (r < 0) {
        c->rx_eof = true;
        return;
    }
    if (r == 1) {
        c->rx_held = false;
        if (virtq_chain_write(vq, &c->rx, 0, &b, 1) != 1 || virtq_push(vq, &c->rx, 1) != 0)
            return;     /* the queue broke; the transport asks for a reset */
        c->stats.bytes_in++;
        virtq_notify(vq);
    }
    con_rx_schedule(c, now);
}

static int con_notify(void *dev, struct virtq *vq)
{
    struct virtio_console *c = dev;

    if (vq->index == CON_TRANSMITQ)
        return con_transmit(c, vq);
    /* New receive buffers: start pulling input if we were waiting. The
     * backend may have more again (a UART handed bytes back), so an
     * earlier end of input is checked anew. */
    c->rx_eof = false;
    con_rx_schedule(c, machine_now(c->m));
    return 0;
}

static void con_rx_cancel(struct virtio_console *c)
{
    if (c->rx_event) {
        evq_cancel(&c->m->evq, c->rx_event);
        c->rx_event = 0;
    }
    c->rx_held = false;
}

/* Nothing read from the backend is lost: a byte is only read when a
 * buffer is held, and returned with it at once. */
static void con_reset(void *dev)
{
    struct virtio_console *c = dev;

    con_rx_cancel(c);
    c->tx_seen = false;
}

static void con_attach(void *dev, const struct virtio_bus *bus)
{
    ((struct virtio_console *)dev)->bus = bus;
}

/* Snapshot and state hash: the receive buffer held, the poll event, the
 * end of input, whether the guest has written (input may start) and the
 * counters. */
static int con_snap(void *dev, struct snap *s)
{
    struct virtio_console *c = dev;
    bool input = c->input;
    snap_bool(s, "input", &input);
    if (snap_loading(s) && snap_status(s) == 0 && input != c->input)
        return snap_fail(s, "input=%s in the file, input=%s here", input ? "on" : "off", c->input ? "on" : "off");
    snap_bool(s, "rx_held", &c->rx_held);
    if (c->rx_held)
        virtq_chain_snap(&c->rx, s, "rx");
    snap_bool(s, "rx_eof", &c->rx_eof);
    snap_bool(s, "tx_seen", &c->tx_seen);
    evq_snap(&c->m->evq, s, "rx_poll", &c->rx_event, con_rx_poll, c);
    snap_u64(s, "stats.bytes_out", &c->stats.bytes_out);
    snap_u64(s, "stats.bytes_in", &c->stats.bytes_in);
    return snap_status(s);
}

static const struct virtio_dev_ops con_ops = {
    .device_id = VIRTIO_ID_CONSOLE,
    .num_queues = 2,
    .queue_size_max = CON_QUEUE_SIZE,
    .config_size = CON_CONFIG_SIZE,
    .features = con_features,
    .config_read = con_config_read,
    .config_write = con_config_write,
    .queue_notify = con_notify,
    .reset = con_reset,
    .attach = con_attach,
    .save = con_snap,
    .load = con_snap,
};

static void *con_create(const struct virtio_env *env, const struct devopts *o, const struct virtio_dev_ops **ops,
                        struct emu_err *err)
{
    static const char *const keys[] = { "input", NULL };
    struct virtio_console *c;
    bool input;

    if (devopts_check_keys(o, keys, err) < 0 || devopts_bool(o, "input", false, &input, err) < 0)
        return NULL;
    c = calloc(1, sizeof(*c));
    if (!c) {
        emu_errf(err, "%s: out of memory", virtio_console_desc.name);
        return NULL;
    }
    uint64_t hz = env->m->cfg.core_hz ? env->m->cfg.core_hz : 1000000000ull;
    c->m = env->m;
    c->ch = env->m->console;
    c->input = input && c->ch != NULL;
    c->char_cycles = hz / CON_CHARS_PER_SEC ? hz / CON_CHARS_PER_SEC : 1;
    virtq_chain_init(&c->rx);
    *ops = &con_ops;
    return c;
}

static void con_destroy(void *dev)
{
    struct virtio_console *c = dev;

    if (!c)
        return;
    con_rx_cancel(c);
    virtq_chain_free(&c->rx);
    free(c);
}

struct virtio_console_stats virtio_console_get_stats(const void *dev)
{
    return ((const struct virtio_console *)dev)->stats;
}

bool virtio_console_takes_input(const void *dev)
{
    return ((const struct virtio_console *)dev)->input;
}

static void con_write_stats(void *dev, struct json *j)
{
    const struct virtio_console *c = dev;

    json_kv_u64(j, "bytes_out", c->stats.bytes_out);
    json_kv_u64(j, "bytes_in", c->stats.bytes_in);
}

const struct virtio_device_desc virtio_console_desc = {
    .name = "virtio-console",
    .alias = "virtconsole",
    .summary = "console port (hvc0) on the machine's serial backend (virtio 1.2 §5.3)",
    .options = "[input=on|off]",
    .create = con_create,
    .destroy = con_destroy,
    .write_stats = con_write_stats,
};
