/* The list of boards and dispatch by name (see board.h). */
#include "board/board.h"

#include <string.h>

#include "core/machine.h"

static const struct board_desc boards[] = {
    { "riscv-virt", "RISC-V virt board with QEMU's memory map (OpenSBI, U-Boot, Linux)", riscv_virt_create },
};

int board_create(struct machine *m, struct emu_err *err)
{
    for (size_t i = 0; i < sizeof(boards) / sizeof(boards[0]); i++) {
        if (strcmp(boards[i].name, m->cfg.board) == 0)
            return boards[i].create(m, err);
    }
    return emu_errf(err, "unknown machine '%s' (see -M help)", m->cfg.board);
}

void board_print_list(FILE *f)
{
    for (size_t i = 0; i < sizeof(boards) / sizeof(boards[0]); i++)
        fprintf(f, "%-12s %s\n", boards[i].name, boards[i].summary);
}
