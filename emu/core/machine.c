/*
 * The machine and its run loop (see machine.h).
 *
 * vCPUs run one after another in index order, each up to the same
 * deadline: the earlier of the next event and the end of the quantum.
 * Then the due events run. Nothing here depends on host time, so the
 * interleaving of vCPUs and devices is a function of the guest alone.
 */
#include "core/machine.h"

#include <stdlib.h>
#include <string.h>

#include "core/chardev.h"
#include "core/memmap.h"
#include "exec/exec.h"
#include "exec/tb.h"
#include "timing/model.h"

#define EXEC_ARENA_SIZE (256u << 20)

int machine_init(struct machine *m, const struct machine_config *cfg, struct emu_err *err)
{
    memset(m, 0, sizeof(*m));
    m->cfg = *cfg;
    if (m->cfg.quantum == 0)
        m->cfg.quantum = 10000;
    if (m->cfg.core_hz == 0)
        m->cfg.core_hz = 1000000000ull;
    memmap_init(&m->map);
    evq_init(&m->evq);
    m->observe_at = UINT64_MAX;
    m->timing = timing_model_fast();
    m->exec = exec_cache_create(EXEC_ARENA_SIZE, !m->cfg.interp_only);
    if (!m->exec)
        return emu_errf(err, "cannot reserve memory for translated code");
    if (m->cfg.timing && exec_select_timing(m, m->cfg.timing, err) < 0)
        return -1;
    return 0;
}

void machine_destroy(struct machine *m)
{
    for (unsigned i = m->ndevices; i-- > 0;) {
        if (m->devices[i].destroy)
            m->devices[i].destroy(m->devices[i].dev);
    }
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (m->cpus[i] && m->cpus[i]->ops->destroy)
            m->cpus[i]->ops->destroy(m->cpus[i]);
    }
    if (m->board_destroy)
        m->board_destroy(m->board);
    exec_cache_destroy(m->exec);
    evq_free(&m->evq);
    memmap_free(&m->map);
    m->exec = NULL;
    m->ncpus = m->ndevices = 0;
}

int machine_add_device(struct machine *m, const char *name, const struct dev_ops *ops, void *dev,
                       void (*destroy)(void *dev))
{
    if (m->ndevices == MACHINE_MAX_DEVICES)
        return -1;
    m->devices[m->ndevices++] = (struct machine_device){ .name = name, .ops = ops, .dev = dev, .destroy = destroy };
    return 0;
}

void machine_request_stop(struct machine *m, enum machine_stop why, int exit_code)
{
    if (m->stop != MACHINE_RUNNING)
        return;
    m->stop = why;
    m->exit_code = exit_code;
    if (m->running)
        cpu_kick(m->running);
}

void machine_map_changed(struct machine *m)
{
    for (unsigned i = 0; i < m->ncpus; i++)
        exec_flush_tlb(m->cpus[i]);
}

uint64_t machine_now(const struct machine *m)
{
    return m->running ? m->running->cycles : m->vclock;
}

int machine_phys_read(struct machine *m, uint64_t addr, void *buf, uint64_t len)
{
    uint8_t *h = memmap_host_ptr(&m->map, addr, len);
    if (!h)
        return -1;
    memcpy(buf, h, len);
    return 0;
}

int machine_phys_write(struct machine *m, uint64_t addr, const void *buf, uint64_t len)
{
    struct mem_region *r = memmap_find(&m->map, addr);
    uint8_t *h = memmap_host_ptr(&m->map, addr, len);
    if (!h || r->kind != MEM_RAM)
        return -1;
    exec_invalidate_phys(m, addr, len);
    memcpy(h, buf, len);
    return 0;
}

static bool machine_all_halted(const struct machine *m)
{
    for (unsigned i = 0; i < m->ncpus; i++) {
        /* A hart an interrupt has just woken (irq_check) is halted only
         * until it runs: skipping ahead would let it run to the far event
         * past the timer events it is about to post. */
        if (!m->cpus[i]->halted || m->cpus[i]->irq_check)
            return false;
    }
    return m->ncpus > 0;
}

int machine_add_observer(struct machine *m, uint64_t at, machine_observe_fn fn, void *opaque)
{
    if (m->nobservers == MACHINE_MAX_OBSERVERS)
        return -1;
    m->observers[m->nobservers++] = (struct machine_observer){ fn, opaque, at };
    if (at < m->observe_at)
        m->observe_at = at;
    return 0;
}

/* Calls every observer that is due, in the order they were added. */
static void machine_observe(struct machine *m)
{
    uint64_t next = UINT64_MAX;
    for (unsigned i = 0; i < m->nobservers; i++) {
        struct machine_observer *o = &m->observers[i];
        if (o->at <= m->vclock && m->stop == MACHINE_RUNNING)
            o->at = o->fn(m, o->opaque);
        if (o->at < next)
            next = o->at;
    }
    m->observe_at = next;
}

enum machine_stop machine_run(struct machine *m)
{
    while (m->stop == MACHINE_RUNNING) {
        uint64_t deadline = m->vclock + m->cfg.quantum;
        uint64_t next = evq_next_time(&m->evq);
        /* When every vCPU waits for an interrupt, skip straight to the next event. */
        if (next < deadline || (next != UINT64_MAX && machine_all_halted(m)))
            deadline = next > m->vclock ? next : m->vclock + 1;
        for (unsigned i = 0; i < m->ncpus && m->stop == MACHINE_RUNNING; i++) {
            struct cpu *cpu = m->cpus[i];
            m->running = cpu;
            if (cpu->cycles < deadline)
                cpu->ops->run(cpu, deadline);
            m->running = NULL;
        }
        m->vclock = deadline;
        evq_run_due(&m->evq, m->vclock);
        if (m->vclock >= m->observe_at && m->stop == MACHINE_RUNNING)
            machine_observe(m);
        if (m->console && chardev_quit_requested(m->console))
            machine_request_stop(m, MACHINE_STOP_USER, 0);
    }
    return m->stop;
}
