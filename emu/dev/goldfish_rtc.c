/*
 * Goldfish RTC, as Android's goldfish platform defines it and QEMU's virt
 * boards place it; the register map is what Linux's rtc-goldfish driver
 * uses.
 *
 * Register map (32-bit accesses, little-endian; time in ns since 1970):
 *   0x00 TIME_LOW         R: samples the clock, returns bits 31:0 and
 *                            latches bits 63:32 for TIME_HIGH
 *                         W: sets the clock: bits 31:0 from the value,
 *                            bits 63:32 from a TIME_HIGH write since the
 *                            last TIME_LOW write, else the running clock's
 *   0x04 TIME_HIGH        R: the bits 63:32 latched by the last TIME_LOW read
 *                         W: bits 63:32 for the next TIME_LOW write
 *   0x08 ALARM_LOW        RW: bits 31:0 of the alarm; a write arms it
 *   0x0c ALARM_HIGH       RW: bits 63:32 of the alarm
 *   0x10 IRQ_ENABLED      RW: bit 0 lets a fired alarm drive the interrupt
 *   0x14 CLEAR_ALARM      W: disarms the alarm
 *   0x18 ALARM_STATUS     R: 1 while an alarm is armed and has not fired
 *   0x1c CLEAR_INTERRUPT  W: acknowledges a fired alarm
 *
 * The interrupt is a level: high while a fired alarm is unacknowledged
 * and IRQ_ENABLED is set.
 *
 * The clock is virtual time converted to nanoseconds plus an offset (the
 * configured base, moved by guest writes). An armed alarm is one event at
 * the first cycle whose time reaches it, re-aimed whenever the clock is
 * set. The offset survives reset, like a battery-backed clock's time.
 */
#include "dev/goldfish_rtc.h"

#include <stdbool.h>
#include <stdlib.h>

#include "core/machine.h"
#include "core/snap.h"

#define NS_PER_S 1000000000ull

enum goldfish_rtc_reg {
    RTC_TIME_LOW = 0x00,
    RTC_TIME_HIGH = 0x04,
    RTC_ALARM_LOW = 0x08,
    RTC_ALARM_HIGH = 0x0c,
    RTC_IRQ_ENABLED = 0x10,
    RTC_CLEAR_ALARM = 0x14,
    RTC_ALARM_STATUS = 0x18,
    RTC_CLEAR_INTERRUPT = 0x1c,
};

struct goldfish_rtc {
    struct machine *m;
    struct irq_line irq;
    uint64_t offset;            /* time = virtual ns + offset (mod 2^64) */
    uint64_t alarm;
    uint64_t event;             /* pending alarm event id, 0 when none */
    uint32_t time_high;         /* latched by a TIME_LOW read */
    uint32_t set_high;          /* a TIME_HIGH write waiting for TIME_LOW */
    bool set_high_pending;
    bool alarm_running;
    bool irq_pending, irq_enabled;
    bool level;
    bool warned_access;
};

/* Virtual time in ns: exact floor(cycles * 1e9 / core_hz), split so that
 * nothing overflows for any core clock below 18 GHz. */
static uint64_t rtc_virtual_ns(const struct goldfish_rtc *r, uint64_t cycles)
{
    uint64_t hz = r->m->cfg.core_hz;
    return cycles / hz * NS_PER_S + cycles % hz * NS_PER_S / hz;
}

/* The first cycle whose virtual time reaches ns: ceil(ns * core_hz / 1e9).
 * UINT64_MAX when that lies beyond the end of time. */
static uint64_t rtc_cycle_at(const struct goldfish_rtc *r, uint64_t ns)
{
    uint64_t hz = r->m->cfg.core_hz;
    uint64_t q = ns / NS_PER_S, rem = ns % NS_PER_S;
    uint64_t part = (rem * hz + NS_PER_S - 1) / NS_PER_S;

    if (q > (UINT64_MAX - part) / hz)
        return UINT64_MAX;
    return q * hz + part;
}

uint64_t goldfish_rtc_time_ns(const struct goldfish_rtc *r)
{
    return rtc_virtual_ns(r, machine_now(r->m)) + r->offset;
}

static void rtc_update_irq(struct goldfish_rtc *r)
{
    bool level = r->irq_pending && r->irq_enabled;
    if (level != r->level) {
        r->level = level;
        irq_set(&r->irq, level);
    }
}

static void rtc_cancel_event(struct goldfish_rtc *r)
{
    if (r->event) {
        evq_cancel(&r->m->evq, r->event);
        r->event = 0;
    }
}

static void rtc_fire(struct goldfish_rtc *r)
{
    rtc_cancel_event(r);
    r->alarm_running = false;
    r->irq_pending = true;
    rtc_update_irq(r);
}

static void rtc_alarm_event(void *opaque, uint64_t now)
{
    struct goldfish_rtc *r = opaque;
    (void)now;
    r->event = 0;
    rtc_fire(r);
}

/* Arms the alarm against the clock as it is now: an alarm already due
 * fires at once, as on QEMU. */
static void rtc_arm(struct goldfish_rtc *r)
{
    uint64_t cycles = machine_now(r->m);
    uint64_t vns = rtc_virtual_ns(r, cycles);
    uint64_t now = vns + r->offset;

    rtc_cancel_event(r);
    if (r->alarm <= now) {
        rtc_fire(r);
        return;
    }
    r->alarm_running = true;
    uint64_t delta = r->alarm - now;
    if (vns + delta < vns)
        return;     /* beyond the end of virtual time: armed, never fires */
    uint64_t at = rtc_cycle_at(r, vns + delta);
    if (at != UINT64_MAX)
        r->event = evq_post(&r->m->evq, at, EVQ_PRIO_TIMER, rtc_alarm_event, r);
}

/* Setting the clock moves the offset; an armed alarm is re-aimed. */
static void rtc_set_time(struct goldfish_rtc *r, uint64_t ns)
{
    r->offset = ns - rtc_virtual_ns(r, machine_now(r->m));
    if (r->alarm_running)
        rtc_arm(r);
}

static uint64_t rtc_read(void *dev, uint64_t off, unsigned size)
{
    struct goldfish_rtc *r = dev;
    uint64_t t;

    if (size != 4 || (off & 3)) {
        emu_warn_once(&r->warned_access, "goldfish-rtc: %u-byte access at 0x%llx ignored", size,
                      (unsigned long long)off);
        return 0;
    }
    switch (off) {
    case RTC_TIME_LOW:
        t = goldfish_rtc_time_ns(r);
        r->time_high = (uint32_t)(t >> 32);
        return (uint32_t)t;
    case RTC_TIME_HIGH:    return r->time_high;
    case RTC_ALARM_LOW:    return (uint32_t)r->alarm;
    case RTC_ALARM_HIGH:   return (uint32_t)(r->alarm >> 32);
    case RTC_IRQ_ENABLED:  return r->irq_enabled;
    case RTC_ALARM_STATUS: return r->alarm_running;
    default:               return 0;
    }
}

static void rtc_write(void *dev, uint64_t off, uint64_t val, unsigned size)
{
    struct goldfish_rtc *r = dev;
    uint32_t v = (uint32_t)val;
    uint64_t t;

    if (size != 4 || (off & 3)) {
        emu_warn_once(&r->warned_access, "goldfish-rtc: %u-byte access at 0x%llx ignored", size,
                      (unsigned long long)off);
        return;
    }
    switch (off) {
    case RTC_TIME_LOW:
        /* A TIME_HIGH write waits for this one, as ALARM_HIGH waits for
         * ALARM_LOW: Linux writes HIGH then LOW, and the clock takes
         * exactly the value written, with no half-set value in between
         * that could fire an alarm. A lone TIME_LOW write keeps the high
         * half of the running clock. */
        t = r->set_high_pending ? (uint64_t)r->set_high << 32 : goldfish_rtc_time_ns(r);
        r->set_high_pending = false;
        rtc_set_time(r, (t & ~0xffffffffull) | v);
        break;
    case RTC_TIME_HIGH:
        r->set_high = v;
        r->set_high_pending = true;
        break;
    case RTC_ALARM_LOW:
        r->alarm = (r->alarm & ~0xffffffffull) | v;
        rtc_arm(r);
        break;
    case RTC_ALARM_HIGH:
        r->alarm = (r->alarm & 0xffffffffull) | (uint64_t)v << 32;
        break;
    case RTC_IRQ_ENABLED:
        r->irq_enabled = v & 1;
        rtc_update_irq(r);
        break;
    case RTC_CLEAR_ALARM:
        rtc_cancel_event(r);
        r->alarm_running = false;
        break;
    case RTC_CLEAR_INTERRUPT:
        r->irq_pending = false;
        rtc_update_irq(r);
        break;
    default:
        break;
    }
}

static void rtc_reset(void *dev)
{
    struct goldfish_rtc *r = dev;

    rtc_cancel_event(r);
    r->alarm = 0;
    r->alarm_running = false;
    r->irq_pending = r->irq_enabled = false;
    r->time_high = 0;
    r->set_high = 0;
    r->set_high_pending = false;
    rtc_update_irq(r);
}

struct goldfish_rtc *goldfish_rtc_create(struct machine *m, int64_t base_seconds, struct irq_line irq)
{
    struct goldfish_rtc *r = calloc(1, sizeof(*r));

    if (!r)
        return NULL;
    r->m = m;
    r->irq = irq;
    /* base_seconds is the date at power-on (cycle 0). Modulo 2^64, like
     * the register: a date before 1970 wraps. */
    r->offset = (uint64_t)base_seconds * NS_PER_S;
    return r;
}

void goldfish_rtc_destroy(void *rtc)
{
    struct goldfish_rtc *r = rtc;

    if (!r)
        return;
    rtc_cancel_event(r);
    free(r);
}

/* Snapshot and state hash: the clock's offset from virtual time, the
 * alarm and its event, the half-written registers, the interrupt state. */
static int rtc_snap(void *dev, struct snap *s)
{
    struct goldfish_rtc *r = dev;
    snap_u64(s, "offset", &r->offset);
    snap_u64(s, "alarm", &r->alarm);
    snap_u32(s, "time_high", &r->time_high);
    snap_u32(s, "set_high", &r->set_high);
    snap_bool(s, "set_high_pending", &r->set_high_pending);
    snap_bool(s, "alarm_running", &r->alarm_running);
    snap_bool(s, "irq_pending", &r->irq_pending);
    snap_bool(s, "irq_enabled", &r->irq_enabled);
    snap_bool(s, "level", &r->level);
    evq_snap(&r->m->evq, s, "alarm_event", &r->event, rtc_alarm_event, r);
    return snap_status(s);
}

const struct dev_ops goldfish_rtc_ops = {
    .read = rtc_read,
    .write = rtc_write,
    .reset = rtc_reset,
    .save = rtc_snap,
    .load = rtc_snap,
};
