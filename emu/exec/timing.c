/*
 * Attaching a timing model to the engine (exec_set_timing in exec.h).
 *
 * The model lives in the exec cache next to the code it prices: a TB's
 * static cost and its timed ops (ir.h) are fixed at translation, so a new
 * model drops all translated code. The per-vCPU state of a detailed model
 * is made on the vCPU's first run (exec_run), kept by vCPU index, and
 * freed with the exec cache.
 */
#include <string.h>

#include "core/machine.h"
#include "core/snap.h"
#include "exec/tb.h"
#include "timing/core.h"
#include "timing/model.h"

void exec_set_timing(struct machine *m, const struct timing_model *tm)
{
    struct exec_cache *c = m->exec;
    for (unsigned i = 0; i < MACHINE_MAX_CPUS; i++) {
        timing_cpu_free(c->tcpu[i]);
        c->tcpu[i] = NULL;
        if (i < m->ncpus && m->cpus[i])
            m->cpus[i]->tc = NULL;
    }
    c->model = *tm;
    c->timed = timing_model_detailed(&c->model);
    m->timing = &c->model;
    m->cfg.core_hz = tm->core_hz;
    exec_flush_code(m);
}

int exec_select_timing(struct machine *m, const char *spec, struct emu_err *err)
{
    struct timing_model tm;
    if (timing_model_load(spec, &tm, err) < 0)
        return -1;
    exec_set_timing(m, &tm);
    return 0;
}

bool exec_timing_ready(struct cpu *cpu)
{
    struct exec_cache *c = cpu->m->exec;
    if (!c->timed || cpu->tc)
        return true;
    if (!c->tcpu[cpu->index])
        c->tcpu[cpu->index] = timing_cpu_create(&c->model, cpu->isa->walk_trace != NULL);
    cpu->tc = c->tcpu[cpu->index];
    return cpu->tc != NULL;
}

int exec_timing_snap(struct cpu *cpu, struct snap *s)
{
    if (!cpu->m->exec->timed)
        return snap_status(s);
    if (!exec_timing_ready(cpu))
        return snap_fail(s, "out of memory for the caches of timing model %s", cpu->m->exec->model.name);
    return timing_cpu_snap(cpu->tc, s);
}
