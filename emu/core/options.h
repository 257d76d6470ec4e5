/*
 * The command line, QEMU style, parsed into a struct machine_config plus
 * the few settings that belong to the front door rather than the machine
 * (console backend, stats file).
 *
 *   struct options o;
 *   struct emu_err err;
 *   if (options_parse(&o, argc, argv, &err) < 0) {
 *       fprintf(stderr, "emu: %s\n", err.msg);
 *       return 2;
 *   }
 *   if (o.help) options_print_help(stdout);
 *
 * Strings in the result point into argv.
 */
#ifndef EMU_CORE_OPTIONS_H
#define EMU_CORE_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/log.h"
#include "core/machine.h"

#define OPTIONS_DEFAULT_BOARD   "riscv-virt"
#define OPTIONS_DEFAULT_RAM     (256ull << 20)
#define OPTIONS_DEFAULT_CPU     "rv64"
#define OPTIONS_DEFAULT_BIOS    "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf"
#define OPTIONS_DEFAULT_KERNEL  "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"
#define OPTIONS_DEFAULT_HZ      1000000000ull
#define OPTIONS_DEFAULT_QUANTUM 10000ull
#define OPTIONS_MAX_RAM         (1ull << 40)
#define OPTIONS_DEFAULT_RTC     1704067200  /* 2024-01-01T00:00:00Z */

enum options_serial { OPTIONS_SERIAL_STDIO, OPTIONS_SERIAL_FILE, OPTIONS_SERIAL_NULL };

struct options {
    struct machine_config cfg;
    enum options_serial serial;
    const char *serial_path;    /* OPTIONS_SERIAL_FILE */
    const char *serial_spec;    /* the same as chardev_open spells it: "stdio", "null", "file:PATH" */
    const char *stats_path;     /* NULL: no statistics file */
    uint64_t stats_interval;    /* --stats-interval N: cycles per time-series sample; 0: no series */
    bool no_progress;           /* --no-progress: no live progress line on a terminal */
    /* Record, replay and snapshots (core/record.h, core/snapshot.h). */
    const char *record_path;    /* --record FILE */
    const char *replay_path;    /* --replay FILE */
    const char *restore_path;   /* --restore FILE */
    const char *snapshot_path;  /* --snapshot-at CYCLES:FILE */
    uint64_t snapshot_at;
    uint64_t hash_interval;     /* --hash-interval N, cycles between state hashes */
    const char *state_hash_path;    /* --state-hash FILE */
    const char *monitor_spec;   /* -monitor unix:PATH|none (core/monitor.h); NULL: none */
    bool nographic;
    bool help;
    bool version;
    bool device_help;           /* -device help */
};

/* Fills o from argv[1..argc-1], defaults first. Returns 0, or -1 with a
 * one-line message in err (unknown option, missing or bad argument). */
int options_parse(struct options *o, int argc, char **argv, struct emu_err *err);

/* One line per option. */
void options_print_help(FILE *f);

/* Parses a memory size: a plain number is MiB; K, M, G, T suffixes
 * (either case, optional trailing B or iB). Returns 0 or -1 on bad or
 * zero sizes and overflow. */
int options_parse_size(const char *s, uint64_t *out);

#endif
