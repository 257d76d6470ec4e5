/*
 * emu: command line -> machine config -> board -> run -> exit status.
 *
 * Exit status: the guest's own code when it powers off, 0 when the run
 * ends at --max-insns or by the user, 1 on an emulation error (or a
 * replay that departs from its recording), 2 on bad input (command line,
 * missing or malformed images, a damaged or foreign log or snapshot),
 * 3 when the guest kernel reports a panic (pvpanic). Every error is one
 * line on stderr, "emu: <message>".
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "board/board.h"
#include "core/chardev.h"
#include "core/machine.h"
#include "core/monitor.h"
#include "core/options.h"
#include "core/progress.h"
#include "core/record.h"
#include "core/snapshot.h"
#include "core/stats.h"
#include "core/stats_series.h"
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

/* --record/--replay/--state-hash: the log is read before the machine is
 * built. NULL in *rec when none was asked for. */
static int main_open_record(const struct options *o, struct chardev *ch, struct record **rec, struct emu_err *err)
{
    *rec = NULL;
    if (!o->record_path && !o->replay_path && !o->state_hash_path)
        return 0;
    struct record_config rc = {
        .mode = o->record_path ? RECORD_WRITE : o->replay_path ? RECORD_REPLAY : RECORD_OFF,
        .path = o->record_path ? o->record_path : o->replay_path,
        .hash_interval = o->hash_interval,
        .hash_path = o->state_hash_path,
        .restore_path = o->restore_path,
        .version = EMU_VERSION,
    };
    *rec = record_open(&rc, ch, err);
    return *rec ? 0 : -1;
}

/* --restore, then the monitor, the log and --snapshot-at, on the freshly
 * built machine. The monitor comes before the log so that at a shared
 * boundary its commands take effect first (core/monitor.h). */
static int main_prepare(struct machine *m, const struct options *o, struct record *rec, struct monitor *mon,
                        struct snapshot_at *sa, struct emu_err *err)
{
    if (o->restore_path && snapshot_restore(m, o->restore_path, err) < 0)
        return -1;
    if (monitor_start(mon, m, rec, err) < 0)
        return -1;
    if (rec && record_start(rec, m, err) < 0)
        return -1;
    if (o->snapshot_path) {
        *sa = (struct snapshot_at){ .at = o->snapshot_at, .path = o->snapshot_path };
        if (snapshot_at_schedule(m, sa) < 0)
            return emu_errf(err, "--snapshot-at: too many observers of the run");
    }
    return 0;
}

/* --stats-interval and the progress line: observers of the prepared
 * machine, which do not change the run. Only the series the user asked
 * for can fail the command; the line is left out when it cannot start. */
static int main_observe(struct machine *m, const struct options *o, struct stats_series **series,
                        struct progress *pr, struct emu_err *err)
{
    struct emu_err ignored;
    if (o->stats_interval) {
        *series = stats_series_start(m, o->stats_interval, NULL, err);
        if (!*series)
            return -1;
    }
    int console_fd = o->serial == OPTIONS_SERIAL_STDIO ? STDOUT_FILENO : -1;
    if (!o->no_progress && progress_wanted(STDERR_FILENO, console_fd))
        progress_start(pr, m, stderr, &ignored);
    return 0;
}

/* What --snapshot-at did, once the run is over. */
static int main_snapshot_status(const struct machine *m, const struct snapshot_at *sa, int status)
{
    if (!sa->path)
        return status;
    if (sa->status < 0) {
        main_fail(&sa->err, 0);
        return EXIT_STATUS_ERROR;
    }
    if (sa->taken)
        fprintf(stderr, "emu: snapshot of cycle %llu saved to %s\n", (unsigned long long)sa->taken_at, sa->path);
    else
        fprintf(stderr, "emu: the run ended at cycle %llu, before --snapshot-at %llu: no snapshot saved\n",
                (unsigned long long)m->vclock, (unsigned long long)sa->at);
    return status;
}

/* Builds the machine on the console ch, runs it, writes the statistics. */
static int main_run_machine(const struct options *o, struct chardev *ch)
{
    struct machine m;
    struct emu_err err;
    struct record *rec;
    struct snapshot_at sa = { 0 };
    struct monitor *mon;
    struct stats_series *series = NULL;
    struct progress pr = { 0 };
    if (main_open_record(o, ch, &rec, &err) < 0)
        return main_fail(&err, EXIT_STATUS_BAD_INPUT);
    if (monitor_open(&mon, o->monitor_spec, &err) < 0) {
        record_free(rec);
        return main_fail(&err, EXIT_STATUS_BAD_INPUT);
    }
    if (machine_init(&m, &o->cfg, &err) < 0) {
        monitor_close(mon);
        record_free(rec);
        return main_fail(&err, EXIT_STATUS_ERROR);    /* host resources, the process ends */
    }
    m.console = ch;
    if (board_create(&m, &err) < 0 || main_prepare(&m, o, rec, mon, &sa, &err) < 0 ||
        main_observe(&m, o, &series, &pr, &err) < 0) {
        monitor_close(mon);
        stats_series_free(series);
        record_free(rec);
        machine_destroy(&m);
        return main_fail(&err, EXIT_STATUS_BAD_INPUT);
    }
    machine_run(&m);
    monitor_close(mon);
    progress_finish(&pr);
    if (series)
        stats_series_finish(series, &m);
    int status = main_exit_status(&m);
    if (rec && record_finish(rec, &err) < 0) {
        main_fail(&err, 0);
        status = EXIT_STATUS_ERROR;
    }
    record_free(rec);
    status = main_snapshot_status(&m, &sa, status);
    if (o->stats_path && stats_write_series(&m, series, o->stats_path, &err) < 0) {
        main_fail(&err, 0);
        if (status == 0)
            status = EXIT_STATUS_ERROR;
    }
    stats_series_free(series);
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
    /* A replay takes its input from the log: the terminal is not read. */
    struct chardev *ch = o.replay_path && o.serial == OPTIONS_SERIAL_STDIO ? chardev_open_fds(-1, STDOUT_FILENO, &err)
                                                                             : chardev_open(o.serial_spec, &err);
    if (!ch)
        return main_fail(&err, EXIT_STATUS_BAD_INPUT);
    int status = main_run_machine(&o, ch);
    chardev_close(ch);
    return status;
}
