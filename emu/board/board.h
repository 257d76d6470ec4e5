/*
 * Boards: which CPUs, devices and memory map a machine has.
 *
 *   if (board_create(m, &err) < 0) fprintf(stderr, "emu: %s\n", err.msg);
 *
 * board_create dispatches on m->cfg.board; a board creates its vCPUs and
 * devices, loads the images named in m->cfg and leaves the machine ready
 * for machine_run.
 */
#ifndef EMU_BOARD_BOARD_H
#define EMU_BOARD_BOARD_H

#include <stdio.h>

#include "core/log.h"

struct machine;

struct board_desc {
    const char *name;
    const char *summary;
    int (*create)(struct machine *m, struct emu_err *err);
};

int board_create(struct machine *m, struct emu_err *err);
/* One line per board, for -M help. */
void board_print_list(FILE *f);

/* The boards. */
int riscv_virt_create(struct machine *m, struct emu_err *err);

#endif
