/*
 * emu: command line -> machine config -> board -> run -> exit status.
 *
 * Exit status: the guest's own code when it powers off, 0 when the run
 * ends at --max-insns or by the user, 1 on an emulation error, 2 on bad
 * input (command line, missing or malformed images), 3 when the guest
 * kernel reports a panic (pvpanic). Every error is one
 * line on stderr, "emu: <message>".
 */
#include <stdio.h>
#include <string.h>

#include "board/board.h"
#include "core/chardev.h"
#include "core/machine.h"
#include "core/options.h"
#include "core/stats.h"
#include "virtio/registry.h"

#define EMU_VERSION "0.1.0"

enum { EXIT_STATUS_ERROR = 1, EXIT_STATUS_BAD_INPUT = 2, EXIT_STATUS_GUEST_PANIC = 3 };

static int main_fail(const struct emu_err *err, int status)
{
    fprintf(stderr, "emu: %s\n", err->msg);
    return status;
}

static int main_exit_status(const struct machine *m)
{
    switch (m->stop) {
    case MACHINE_STOP_POWEROFF:
        return m->exit_code & 0xff;     /* what a shell can see of it */
    case MACHINE_STOP_ERROR:
        return EXIT_STATUS_ERROR;
    case MACHINE_STOP_PANIC:
        fputs("emu: the guest kernel panicked\n", stderr);
        return EXIT_STATUS_GUEST_PANIC;
    default:
        return 0;
    }
}

/* Builds the machine on the console ch, runs it, writes the statistics. */
static int main_run_machine(const struct options *o, struct chardev *ch)
{
    struct machine m;
    struct emu_err err;
    if (machine_init(&m, &o->cfg, &err) < 0)
        return main_fail(&err, EXIT_STATUS_ERROR);    /* host resources, the process ends */
    m.console = ch;
    if (board_create(&m, &err) < 0) {
        machine_destroy(&m);
        return main_fail(&err, EXIT_STATUS_BAD_INPUT);
    }
    machine_run(&m);
    int status = main_exit_status(&m);
    if (o->stats_path && stats_write(&m, o->stats_path, &err) < 0) {
        main_fail(&err, 0);
        if (status == 0)
            status = EXIT_STATUS_ERROR;
    }
    machine_destroy(&m);
    return status;
}

int main(int argc, char **argv)
{
    struct options o;
    struct emu_err err;
    if (options_parse(&o, argc, argv, &err) < 0)
        return main_fail(&err, EXIT_STATUS_BAD_INPUT);
    if (o.help) {
        options_print_help(stdout);
        return 0;
    }
    if (o.version) {
        printf("emu %s\n", EMU_VERSION);
        return 0;
    }
    if (!strcmp(o.cfg.board, "help")) {
        board_print_list(stdout);
        return 0;
    }
    if (o.device_help) {
        virtio_device_print_list(stdout);
        return 0;
    }
    struct chardev *ch = chardev_open(o.serial_spec, &err);
    if (!ch)
        return main_fail(&err, EXIT_STATUS_BAD_INPUT);
    int status = main_run_machine(&o, ch);
    chardev_close(ch);
    return status;
}
