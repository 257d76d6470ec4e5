/*
 * Guest-side checks of the Linux boot tests. The init runs the ones named
 * on the kernel command line (emu.test=blk,net,...) and prints one line
 * each: "emu-check NAME: PASS detail" or "emu-check NAME: FAIL why".
 *
 * A check returns 0 on success and writes a short detail or reason into
 * msg either way.
 */
#ifndef TESTS_GUEST_CHECKS_H
#define TESTS_GUEST_CHECKS_H

#include <stddef.h>

struct guest_check {
    const char *name;
    int (*run)(char *msg, size_t len);
};

/* NULL-terminated, in checks.c. */
extern const struct guest_check guest_checks[];

/* The value of "key=" on the kernel command line, copied into buf; NULL
 * when absent. */
const char *guest_cmdline_value(const char *key, char *buf, size_t len);

int check_blk(char *msg, size_t len);
int check_net(char *msg, size_t len);
int check_rng(char *msg, size_t len);
int check_console(char *msg, size_t len);
int check_rtc(char *msg, size_t len);
int check_balloon(char *msg, size_t len);
int check_kvm(char *msg, size_t len);
int check_perf(char *msg, size_t len);

#endif
