/*
 * Small helpers shared by the guest programs (the init's checks and
 * tests/boot/monitor_guest.c).
 */
#ifndef TESTS_GUEST_GUEST_UTIL_H
#define TESTS_GUEST_GUEST_UTIL_H

/* CLOCK_MONOTONIC in nanoseconds: virtual time, under emu. */
long long guest_now_ns(void);

/* MemTotal from /proc/meminfo in kB, or -1. */
long guest_mem_total_kb(void);

#endif
