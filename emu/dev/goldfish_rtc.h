/*
 * Goldfish RTC ("google,goldfish-rtc"), the wall clock of QEMU's riscv
 * virt board, read by Linux's rtc-goldfish driver (CONFIG_RTC_DRV_GOLDFISH).
 *
 * The time is base_seconds (seconds since 1970, given by the board) plus
 * the machine's virtual time, in nanoseconds: never the host clock, so a
 * run reads the same dates every time.
 *
 *   struct goldfish_rtc *r = goldfish_rtc_create(m, cfg->rtc_base, irq);
 *   memmap_add_mmio(&m->map, 0x101000, GOLDFISH_RTC_SIZE, &goldfish_rtc_ops, r, "rtc", err);
 *   machine_add_device(m, "rtc", &goldfish_rtc_ops, r, goldfish_rtc_destroy);
 */
#ifndef EMU_DEV_GOLDFISH_RTC_H
#define EMU_DEV_GOLDFISH_RTC_H

#include <stdint.h>

#include "core/dev.h"

struct machine;
struct goldfish_rtc;

#define GOLDFISH_RTC_SIZE 0x1000u

/* NULL when out of memory. */
struct goldfish_rtc *goldfish_rtc_create(struct machine *m, int64_t base_seconds, struct irq_line irq);
void goldfish_rtc_destroy(void *rtc);

/* The clock now, in nanoseconds since 1970 (what TIME_LOW/HIGH read). */
uint64_t goldfish_rtc_time_ns(const struct goldfish_rtc *r);

extern const struct dev_ops goldfish_rtc_ops;

#endif
