/*
 * NS16550A UART (National Semiconductor PC16550D datasheet, June 1995).
 *
 * Register map (byte offsets, reg-shift 0; the region is 0x100 bytes and
 * offsets 8 and up read as zero):
 *   0  RBR (read) / THR (write)        DLL when LCR.DLAB = 1
 *   1  IER  interrupt enable           DLM when LCR.DLAB = 1
 *   2  IIR (read) / FCR (write)
 *   3  LCR  line control (bit 7 DLAB)
 *   4  MCR  modem control (bit 4 loopback)
 *   5  LSR  line status
 *   6  MSR  modem status
 *   7  SCR  scratch
 *
 * Transmit is immediate: a byte written to THR goes to the backend at once
 * and THRE/TEMT never drop. Receive is polled: while the RX FIFO has room
 * and input has not ended, an event every character time (10 bits at a
 * nominal 115200 baud of virtual time) asks the backend for at most one
 * byte. Input therefore enters at virtual times only, as fast as the guest
 * drains the FIFO.
 */
#include "dev/uart16550.h"

#include <stdbool.h>
#include <stdlib.h>

#include "core/chardev.h"
#include "core/machine.h"
#include "core/snap.h"

enum {
    UART_RBR = 0, UART_IER = 1, UART_IIR = 2, UART_LCR = 3,
    UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};

#define UART_IER_ERBFI 0x01u   /* received data available */
#define UART_IER_ETBEI 0x02u   /* transmitter holding register empty */
#define UART_IER_ELSI  0x04u   /* receiver line status */
#define UART_IER_EDSSI 0x08u   /* modem status */

#define UART_IIR_NONE    0x01u
#define UART_IIR_MSR     0x00u
#define UART_IIR_THRE    0x02u
#define UART_IIR_RDA     0x04u
#define UART_IIR_RLS     0x06u
#define UART_IIR_TIMEOUT 0x0cu
#define UART_IIR_FIFO_ON 0xc0u

#define UART_FCR_ENABLE   0x01u
#define UART_FCR_CLR_RX   0x02u
#define UART_FCR_CLR_TX   0x04u

#define UART_LCR_DLAB 0x80u

#define UART_MCR_DTR  0x01u
#define UART_MCR_RTS  0x02u
#define UART_MCR_OUT1 0x04u
#define UART_MCR_OUT2 0x08u
#define UART_MCR_LOOP 0x10u
#define UART_MCR_MASK 0x1fu

#define UART_LSR_DR   0x01u
#define UART_LSR_OE   0x02u
#define UART_LSR_THRE 0x20u
#define UART_LSR_TEMT 0x40u

#define UART_MSR_DCTS 0x01u
#define UART_MSR_DDSR 0x02u
#define UART_MSR_TERI 0x04u
#define UART_MSR_DDCD 0x08u
#define UART_MSR_DELTAS 0x0fu
#define UART_MSR_CTS  0x10u
#define UART_MSR_DSR  0x20u
#define UART_MSR_RI   0x40u
#define UART_MSR_DCD  0x80u
/* With nothing attached the modem inputs read as a ready peer (QEMU does
 * the same), so drivers that wait for CTS/DSR proceed. */
#define UART_MSR_IDLE (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)

#define UART_FIFO_SIZE 16u
/* PC16550D §8.6.3: a character timeout after 4 character times of silence. */
#define UART_TIMEOUT_CHARS 4u
/* 10 bits per character at 115200 baud. */
#define UART_CHARS_PER_SEC 11520u

struct uart_fifo {
    uint8_t data[UART_FIFO_SIZE];
    unsigned head, count;
};

struct uart16550 {
    struct machine *m;
    struct irq_line irq;
    struct chardev *ch;
    uint64_t char_cycles;       /* one character time in core cycles */

    uint8_t ier, lcr, mcr, scr, fcr;
    uint8_t lsr_err;            /* OE latched until LSR is read */
    uint8_t msr;
    uint16_t dl;
    struct uart_fifo rx;
    bool thr_ipending;          /* THRE interrupt, cleared by IIR read or THR write */
    bool rx_timeout;            /* character timeout indication */
    unsigned rx_idle;           /* character times since the last RX FIFO activity */
    bool rx_eof;
    bool rx_polled;             /* the guest read LSR with the RX FIFO empty */
    uint64_t rx_event;          /* pending poll event id, 0 when none */
    bool irq_level;
    struct uart16550_stats stats;
};

static const uint8_t uart_trigger_levels[4] = { 1, 4, 8, 14 };

static bool uart_fifo_on(const struct uart16550 *u)
{
    return u->fcr & UART_FCR_ENABLE;
}

/* Without FIFOs the receiver holds one character (PC16550D §8.4). */
static unsigned uart_rx_capacity(const struct uart16550 *u)
{
    return uart_fifo_on(u) ? UART_FIFO_SIZE : 1;
}

static unsigned uart_rx_trigger(const struct uart16550 *u)
{
    return uart_fifo_on(u) ? uart_trigger_levels[u->fcr >> 6] : 1;
}

static void uart_fifo_clear(struct uart_fifo *f)
{
    f->head = 0;
    f->count = 0;
}

static uint8_t uart_fifo_pop(struct uart_fifo *f)
{
    uint8_t b;

    if (f->count == 0)
        return 0;
    b = f->data[f->head];
    f->head = (f->head + 1) % UART_FIFO_SIZE;
    f->count--;
    return b;
}

/* Returns false (overrun, byte lost) when the receiver is full. */
static bool uart_rx_push(struct uart16550 *u, uint8_t b)
{
    struct uart_fifo *f = &u->rx;

    if (f->count >= uart_rx_capacity(u)) {
        u->lsr_err |= UART_LSR_OE;
        return false;
    }
    f->data[(f->head + f->count) % UART_FIFO_SIZE] = b;
    f->count++;
    u->rx_idle = 0;
    u->rx_timeout = false;
    return true;
}

/* Interrupt identification in priority order (PC16550D table IV). */
static uint8_t uart_iir(const struct uart16550 *u)
{
    uint8_t id = UART_IIR_NONE;

    if ((u->ier & UART_IER_ELSI) && u->lsr_err)
        id = UART_IIR_RLS;
    else if ((u->ier & UART_IER_ERBFI) && u->rx.count >= uart_rx_trigger(u))
        id = UART_IIR_RDA;
    else if ((u->ier & UART_IER_ERBFI) && u->rx_timeout && u->rx.count)
        id = UART_IIR_TIMEOUT;
    else if ((u->ier & UART_IER_ETBEI) && u->thr_ipending)
        id = UART_IIR_THRE;
    else if ((u->ier & UART_IER_EDSSI) && (u->msr & UART_MSR_DELTAS))
        id = UART_IIR_MSR;
    return id | (uart_fifo_on(u) ? UART_IIR_FIFO_ON : 0);
}

static void uart_update_irq(struct uart16550 *u)
{
    bool level = !(uart_iir(u) & UART_IIR_NONE);

    if (level == u->irq_level)
        return;
    u->irq_level = level;
    if (level)
        u->stats.irqs_raised++;
    irq_set(&u->irq, level);
}

static bool uart_loopback(const struct uart16550 *u)
{
    return u->mcr & UART_MCR_LOOP;
}

/*
 * Input is taken from the backend only while the guest is listening: its
 * receive interrupt is enabled, or it polled LSR and found no data. A
 * byte delivered earlier could be thrown away by a FIFO reset during the
 * guest's UART set-up, and scripted input must arrive whole.
 */
static bool uart_rx_listening(const struct uart16550 *u)
{
    return (u->ier & UART_IER_ERBFI) || u->rx_polled;
}

static bool uart_rx_wants_poll(const struct uart16550 *u)
{
    bool room = u->rx.count < uart_rx_capacity(u);
    bool below_trigger = u->rx.count && u->rx.count < uart_rx_trigger(u);

    if (!u->rx_eof && !uart_loopback(u) && room && uart_rx_listening(u))
        return true;
    /* A terminal is watched even when the guest reads nothing, so the
     * user's escape keys (Ctrl-A X) still work. */
    if (chardev_is_interactive(u->ch))
        return true;
    /* Keep counting character times until the timeout indication is due. */
    return uart_fifo_on(u) && below_trigger && !u->rx_timeout;
}

static void uart_rx_poll(void *opaque, uint64_t now);

/* The next poll one character time after base (now, or the last poll). */
static void uart_rx_schedule_from(struct uart16550 *u, uint64_t base)
{
    if (u->rx_event || !uart_rx_wants_poll(u))
        return;
    u->rx_event = evq_post(&u->m->evq, base + u->char_cycles, EVQ_PRIO_INPUT, uart_rx_poll, u);
}

static void uart_rx_schedule(struct uart16550 *u)
{
    uart_rx_schedule_from(u, machine_now(u->m));
}

static void uart_rx_poll(void *opaque, uint64_t now)
{
    struct uart16550 *u = opaque;
    bool took = false;

    u->rx_event = 0;
    if (!u->rx_eof && !uart_loopback(u) && u->rx.count < uart_rx_capacity(u) && uart_rx_listening(u)) {
        uint8_t b;
        int r = chardev_read(u->ch, &b);
        if (r == 1 && uart_rx_push(u, b)) {
            u->stats.bytes_in++;
            u->rx_polled = false;
            took = true;
        } else if (r < 0) {
            u->rx_eof = true;
        }
    } else {
        chardev_poll(u->ch);
    }
    if (!took && u->rx.count) {
        u->rx_idle++;
        if (uart_fifo_on(u) && u->rx_idle >= UART_TIMEOUT_CHARS)
            u->rx_timeout = true;
    }
    uart_update_irq(u);
    uart_rx_schedule_from(u, now);
}

/* MSR as the modem inputs are now; in loopback they follow MCR (§8.6.6). */
static uint8_t uart_modem_inputs(const struct uart16550 *u)
{
    uint8_t in = 0;

    if (!uart_loopback(u))
        return UART_MSR_IDLE;
    if (u->mcr & UART_MCR_RTS)
        in |= UART_MSR_CTS;
    if (u->mcr & UART_MCR_DTR)
        in |= UART_MSR_DSR;
    if (u->mcr & UART_MCR_OUT1)
        in |= UART_MSR_RI;
    if (u->mcr & UART_MCR_OUT2)
        in |= UART_MSR_DCD;
    return in;
}

static void uart_update_modem(struct uart16550 *u)
{
    uint8_t old = u->msr & ~UART_MSR_DELTAS;
    uint8_t now = uart_modem_inputs(u);
    uint8_t changed = old ^ now;
    uint8_t deltas = u->msr & UART_MSR_DELTAS;

    if (changed & UART_MSR_CTS)
        deltas |= UART_MSR_DCTS;
    if (changed & UART_MSR_DSR)
        deltas |= UART_MSR_DDSR;
    if ((old & UART_MSR_RI) && !(now & UART_MSR_RI))
        deltas |= UART_MSR_TERI;   /* trailing edge only */
    if (changed & UART_MSR_DCD)
        deltas |= UART_MSR_DDCD;
    u->msr = now | deltas;
}

static uint8_t uart_read_rbr(struct uart16550 *u)
{
    uint8_t b = uart_fifo_pop(&u->rx);

    u->rx_idle = 0;
    u->rx_timeout = false;
    uart_rx_schedule(u);
    return b;
}

static uint8_t uart_read_iir(struct uart16550 *u)
{
    uint8_t iir = uart_iir(u);

    /* Reading IIR while it reports THRE clears that source (§8.6.3). */
    if ((iir & 0x0fu) == UART_IIR_THRE)
        u->thr_ipending = false;
    return iir;
}

static uint8_t uart_read_lsr(struct uart16550 *u)
{
    uint8_t lsr = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_err;

    if (u->rx.count) {
        lsr |= UART_LSR_DR;
    } else if (!u->rx_polled) {
        u->rx_polled = true;
        uart_rx_schedule(u);
    }
    u->lsr_err = 0;
    return lsr;
}

static uint8_t uart_read_msr(struct uart16550 *u)
{
    uint8_t msr = u->msr;

    u->msr &= ~UART_MSR_DELTAS;
    return msr;
}

static uint8_t uart_read_reg(struct uart16550 *u, unsigned reg)
{
    bool dlab = u->lcr & UART_LCR_DLAB;

    switch (reg) {
    case UART_RBR: return dlab ? (uint8_t)u->dl : uart_read_rbr(u);
    case UART_IER: return dlab ? (uint8_t)(u->dl >> 8) : u->ier;
    case UART_IIR: return uart_read_iir(u);
    case UART_LCR: return u->lcr;
    case UART_MCR: return u->mcr;
    case UART_LSR: return uart_read_lsr(u);
    case UART_MSR: return uart_read_msr(u);
    case UART_SCR: return u->scr;
    default:       return 0;
    }
}

static uint64_t uart_read(void *dev, uint64_t off, unsigned size)
{
    struct uart16550 *u = dev;
    uint8_t v;

    if (off > UART_SCR)
        return 0;
    v = uart_read_reg(u, (unsigned)off);
    uart_update_irq(u);
    return v;
}

static void uart_write_thr(struct uart16550 *u, uint8_t b)
{
    if (uart_loopback(u)) {
        uart_rx_push(u, b);
    } else {
        chardev_write(u->ch, &b, 1);
        u->stats.bytes_out++;
    }
    /* The byte left at once, so the holding register is empty again. */
    u->thr_ipending = true;
}

static void uart_write_ier(struct uart16550 *u, uint8_t v)
{
    uint8_t old = u->ier;

    u->ier = v & 0x0fu;
    /* Enabling ETBEI with THR empty raises THRE at once (§8.6.3). */
    if (!(old & UART_IER_ETBEI) && (u->ier & UART_IER_ETBEI))
        u->thr_ipending = true;
}

/*
 * Clears the receive FIFO. Scripted input must arrive whole, so bytes the
 * guest never read go back to the backend and are delivered again; a
 * terminal's keys are host-timed anyway and are dropped as hardware would.
 */
static void uart_rx_give_back(struct uart16550 *u)
{
    uint8_t back[UART_FIFO_SIZE];
    unsigned n = 0;

    while (u->rx.count && n < UART_FIFO_SIZE)
        back[n++] = uart_fifo_pop(&u->rx);
    if (!chardev_is_interactive(u->ch)) {
        chardev_unread(u->ch, back, n);
        u->stats.bytes_in -= n;
        if (n)
            u->rx_eof = false;
    }
    uart_fifo_clear(&u->rx);
}

static void uart_write_fcr(struct uart16550 *u, uint8_t v)
{
    /* Changing the FIFO enable bit clears both FIFOs (§8.6.4). */
    if ((v ^ u->fcr) & UART_FCR_ENABLE)
        v |= UART_FCR_CLR_RX | UART_FCR_CLR_TX;
    if (v & UART_FCR_CLR_RX) {
        uart_rx_give_back(u);
        u->rx_timeout = false;
        u->rx_idle = 0;
    }
    u->fcr = v & (UART_FCR_ENABLE | 0xc0u);
    uart_rx_schedule(u);
}

static void uart_write_mcr(struct uart16550 *u, uint8_t v)
{
    u->mcr = v & UART_MCR_MASK;
    uart_update_modem(u);
    uart_rx_schedule(u);
}

static void uart_write_reg(struct uart16550 *u, unsigned reg, uint8_t v)
{
    bool dlab = u->lcr & UART_LCR_DLAB;

    switch (reg) {
    case UART_RBR:
        if (dlab)
            u->dl = (uint16_t)((u->dl & 0xff00u) | v);
        else
            uart_write_thr(u, v);
        break;
    case UART_IER:
        if (dlab)
            u->dl = (uint16_t)((u->dl & 0x00ffu) | (unsigned)v << 8);
        else
            uart_write_ier(u, v);
        break;
    case UART_IIR: uart_write_fcr(u, v); break;
    case UART_LCR: u->lcr = v; break;
    case UART_MCR: uart_write_mcr(u, v); break;
    case UART_SCR: u->scr = v; break;
    default: break;   /* LSR and MSR are read-only */
    }
}

static void uart_write(void *dev, uint64_t off, uint64_t val, unsigned size)
{
    struct uart16550 *u = dev;

    if (off > UART_SCR)
        return;
    uart_write_reg(u, (unsigned)off, (uint8_t)val);
    uart_update_irq(u);
    uart_rx_schedule(u);
}

/* Reset values from PC16550D table V; the divisor as after a BIOS set 9600 baud. */
static void uart_reset(void *dev)
{
    struct uart16550 *u = dev;

    if (u->rx_event) {
        evq_cancel(&u->m->evq, u->rx_event);
        u->rx_event = 0;
    }
    u->ier = 0;
    u->lcr = 0;
    u->mcr = 0;
    u->scr = 0;
    u->fcr = 0;
    u->lsr_err = 0;
    u->msr = UART_MSR_IDLE;
    u->dl = 0x0c;
    uart_fifo_clear(&u->rx);
    u->thr_ipending = false;
    u->rx_timeout = false;
    u->rx_idle = 0;
    uart_update_irq(u);
    uart_rx_schedule(u);
}

struct uart16550 *uart16550_create(struct machine *m, struct irq_line irq, struct chardev *ch)
{
    struct uart16550 *u = calloc(1, sizeof(*u));
    uint64_t hz = m->cfg.core_hz ? m->cfg.core_hz : 1000000000ull;

    if (!u)
        return NULL;
    u->m = m;
    u->irq = irq;
    u->ch = ch;
    u->rx_eof = ch == NULL;
    u->char_cycles = hz / UART_CHARS_PER_SEC ? hz / UART_CHARS_PER_SEC : 1;
    uart_reset(u);
    return u;
}

void uart16550_disable_input(struct uart16550 *u)
{
    u->rx_eof = true;
    if (u->rx_event) {
        evq_cancel(&u->m->evq, u->rx_event);
        u->rx_event = 0;
    }
}

void uart16550_destroy(void *uart)
{
    struct uart16550 *u = uart;

    if (!u)
        return;
    if (u->rx_event)
        evq_cancel(&u->m->evq, u->rx_event);
    free(u);
}

struct uart16550_stats uart16550_get_stats(const struct uart16550 *u)
{
    return u->stats;
}

/* Snapshot and state hash: every register, the FIFO and the poll event.
 * The interrupt line's level is restored, not re-driven: its sink (the
 * PLIC) restores its own view of the line. */
static int uart_snap(void *dev, struct snap *s)
{
    struct uart16550 *u = dev;
    snap_u8(s, "ier", &u->ier);
    snap_u8(s, "lcr", &u->lcr);
    snap_u8(s, "mcr", &u->mcr);
    snap_u8(s, "scr", &u->scr);
    snap_u8(s, "fcr", &u->fcr);
    snap_u8(s, "lsr_err", &u->lsr_err);
    snap_u8(s, "msr", &u->msr);
    snap_u16(s, "dl", &u->dl);
    snap_bytes(s, "rx.data", u->rx.data, sizeof(u->rx.data));
    snap_u32(s, "rx.head", &u->rx.head);
    snap_u32(s, "rx.count", &u->rx.count);
    snap_bool(s, "thr_ipending", &u->thr_ipending);
    snap_bool(s, "rx_timeout", &u->rx_timeout);
    snap_u32(s, "rx_idle", &u->rx_idle);
    snap_bool(s, "rx_eof", &u->rx_eof);
    snap_bool(s, "rx_polled", &u->rx_polled);
    snap_bool(s, "irq_level", &u->irq_level);
    snap_u64(s, "stats.bytes_in", &u->stats.bytes_in);
    snap_u64(s, "stats.bytes_out", &u->stats.bytes_out);
    snap_u64(s, "stats.irqs_raised", &u->stats.irqs_raised);
    evq_snap(&u->m->evq, s, "rx_poll", &u->rx_event, uart_rx_poll, u);
    if (snap_loading(s) && (u->rx.head >= UART_FIFO_SIZE || u->rx.count > UART_FIFO_SIZE))
        return snap_fail(s, "receive FIFO at %u holding %u bytes", u->rx.head, u->rx.count);
    return snap_status(s);
}

const struct dev_ops uart16550_ops = {
    .read = uart_read,
    .write = uart_write,
    .reset = uart_reset,
    .save = uart_snap,
    .load = uart_snap,
};
