/*
 * The machine: memory map, event queue, vCPUs, the console and the run loop.
 *
 * machine_run():
 *   loop:
 *     next = evq_next_time()
 *     for each vCPU in index order:            deterministic round robin
 *       cpu->ops->run(cpu, min(next, vclock + quantum))
 *     evq_run_due(vclock)
 *
 * Virtual time is counted in core cycles. vclock is the time all vCPUs have
 * reached; each vCPU's own clock runs ahead of it by less than a quantum.
 */
#ifndef EMU_CORE_MACHINE_H
#define EMU_CORE_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/evq.h"
#include "core/memmap.h"
#include "core/log.h"

#define MACHINE_MAX_CPUS 8
#define MACHINE_MAX_DEVICES 64
#define MACHINE_MAX_VDEVS 8         /* -device / -drive entries */
#define MACHINE_MAX_OBSERVERS 8

struct cpu;
struct machine;
struct exec_cache;
struct chardev;
struct timing_model;
struct json;

/* What the command line asked for; boards read it, main fills it. */
struct machine_config {
    const char *board;          /* "riscv-virt" */
    uint64_t ram_size;
    unsigned ncpus;
    const char *cpu_model;      /* "rv64[,ext=on|off...]" */
    const char *bios;           /* NULL: board default; "none": no firmware */
    const char *kernel;
    const char *initrd;
    const char *append;
    const char *dtb;
    uint64_t max_insns;         /* 0: unlimited */
    uint64_t quantum;           /* cycles a vCPU runs before the next one */
    uint64_t core_hz;           /* modelled core clock */
    const char *timing;         /* timing model name or file (--timing); NULL: fast */
    uint64_t seed;              /* seeds every deterministic generator (--seed) */
    int64_t rtc_base;           /* wall-clock seconds since 1970 at power-on (-rtc base=) */
    bool interp_only;           /* --engine interp: no JIT even where there is one */
    bool snapshot_disks;        /* -snapshot: every disk without snapshot= has snapshot=on */
    /* -device and -drive, in command-line order: "NAME,key=val..." for a
     * -device, the -drive option string itself for a drive. */
    struct machine_vdev {
        const char *spec;
        bool drive;
    } vdevs[MACHINE_MAX_VDEVS];
    unsigned nvdevs;
};

enum machine_stop {
    MACHINE_RUNNING = 0,
    MACHINE_STOP_POWEROFF,      /* guest asked: exit_code holds its status */
    MACHINE_STOP_RESET,         /* guest asked for reset (boards may restart) */
    MACHINE_STOP_MAX_INSNS,
    MACHINE_STOP_USER,          /* Ctrl-A X, or end of scripted input */
    MACHINE_STOP_PANIC,         /* the guest kernel reported a panic (pvpanic) */
    MACHINE_STOP_ERROR,
};

/*
 * An observer looks at the machine between rounds, once vclock has reached
 * its time: state hashes, snapshots, the end of a replayed run. It returns
 * the next time it wants to look (UINT64_MAX: never again). Observers are
 * not events: they never shorten a round, so adding one cannot change the
 * run it observes.
 */
typedef uint64_t (*machine_observe_fn)(struct machine *m, void *opaque);

struct machine_observer {
    machine_observe_fn fn;
    void *opaque;
    uint64_t at;
};

struct machine_device {
    const char *name;
    const struct dev_ops *ops;
    void *dev;
    void (*destroy)(void *dev);
    /* Writes the device's statistics as one JSON value, or NULL. */
    void (*write_stats)(void *dev, struct json *j);
};

struct machine {
    struct machine_config cfg;
    struct memmap map;
    struct evq evq;
    struct cpu *cpus[MACHINE_MAX_CPUS];
    unsigned ncpus;
    struct exec_cache *exec;    /* translated code shared by all vCPUs */
    struct cpu *running;        /* the vCPU inside its run() now, else NULL */
    const struct timing_model *timing;
    struct chardev *console;    /* serial backend of the first UART */
    struct machine_device devices[MACHINE_MAX_DEVICES];
    unsigned ndevices;
    uint64_t vclock;            /* cycles every vCPU has reached */
    enum machine_stop stop;
    int exit_code;
    void *board;                /* the board's own state */
    void (*board_destroy)(void *board);
    struct machine_observer observers[MACHINE_MAX_OBSERVERS];
    unsigned nobservers;
    uint64_t observe_at;        /* the earliest observer's time */
};

int machine_init(struct machine *m, const struct machine_config *cfg, struct emu_err *err);
void machine_destroy(struct machine *m);

/* Registers a device for reset/save/load/destroy, in creation order. */
int machine_add_device(struct machine *m, const char *name, const struct dev_ops *ops, void *dev,
                       void (*destroy)(void *dev));

/* Adds an observer that first looks once vclock >= at. Returns -1 when
 * there are MACHINE_MAX_OBSERVERS already. */
int machine_add_observer(struct machine *m, uint64_t at, machine_observe_fn fn, void *opaque);

/* Runs until something stops the machine; returns why. */
enum machine_stop machine_run(struct machine *m);

/* Asks the run loop to stop at the next boundary. */
void machine_request_stop(struct machine *m, enum machine_stop why, int exit_code);

/* Every vCPU's soft TLB is flushed (after a memory map change). */
void machine_map_changed(struct machine *m);

/* Guest-physical accesses by devices (DMA) and loaders. They invalidate
 * translated code they overwrite. Return 0, or -1 when the range is not RAM. */
int machine_phys_read(struct machine *m, uint64_t addr, void *buf, uint64_t len);
int machine_phys_write(struct machine *m, uint64_t addr, const void *buf, uint64_t len);

/* Current virtual time as seen by devices: the clock of the vCPU running
 * now (set by the run loop), else vclock. */
uint64_t machine_now(const struct machine *m);

#endif
