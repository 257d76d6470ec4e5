/*
 * Runs one bare-metal riscv64 ELF on riscv-virt under a timing model and
 * prints what bench/timing.sh tabulates (not a test; built by that script
 * against a build directory's libemucore.a):
 *
 *   timing_run MODEL|FILE ELF [STATS.json]
 *   -> model u74 instructions 200048800 cycles 215201120 user_seconds 1.234 mips 162.1
 *
 * The guest's console goes to stderr. Host CPU time is measured here, on
 * the host side only; it never reaches the guest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "board/board.h"
#include "core/chardev.h"
#include "core/machine.h"
#include "core/stats.h"
#include "exec/exec.h"

static double user_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s MODEL|FILE ELF [STATS.json]\n", argv[0]);
        return 2;
    }
    struct emu_err err;
    struct machine_config cfg = {
        .board = "riscv-virt", .ram_size = 256ull << 20, .ncpus = 1, .cpu_model = "rv64",
        .bios = "none", .kernel = argv[2], .quantum = 10000, .core_hz = 1000000000ull,
    };
    struct machine *m = calloc(1, sizeof(*m));
    struct chardev *ch = chardev_open_fds(-1, 2, &err);
    if (!m || !ch || machine_init(m, &cfg, &err) < 0) {
        fprintf(stderr, "timing_run: %s\n", err.msg);
        return 1;
    }
    m->console = ch;
    if (exec_select_timing(m, argv[1], &err) < 0 || board_create(m, &err) < 0) {
        fprintf(stderr, "timing_run: %s\n", err.msg);
        return 2;
    }
    double t0 = user_seconds();
    machine_run(m);
    double secs = user_seconds() - t0;
    uint64_t insns = 0, cycles = 0;
    for (unsigned i = 0; i < m->ncpus; i++) {
        insns += m->cpus[i]->insns;
        cycles += m->cpus[i]->cycles;
    }
    printf("model %s instructions %llu cycles %llu user_seconds %.3f mips %.1f\n", argv[1],
           (unsigned long long)insns, (unsigned long long)cycles, secs,
           secs > 0 ? (double)insns / secs / 1e6 : 0.0);
    int status = m->stop == MACHINE_STOP_POWEROFF ? (m->exit_code & 0xff) : 0;
    if (argc == 4 && stats_write(m, argv[3], &err) < 0) {
        fprintf(stderr, "timing_run: %s\n", err.msg);
        status = 1;
    }
    machine_destroy(m);
    free(m);
    chardev_close(ch);
    return status;
}
