/*
 * Snapshots of the whole machine (see snapshot.h).
 *
 * One walk describes the machine for saving, loading and state hashing
 * alike. Loading follows the same order: the machine section empties the
 * event queue, then every owner puts its own events back with their saved
 * sequence numbers (core/evq.h), and at the end the queue must hold as
 * many events as were saved. The soft TLBs and translated code are caches
 * of guest state, not state: they are dropped after loading and refill as
 * the guest runs (the timing model's TLBs, which the guest's timing
 * depends on, are state and are restored).
 */
#include "core/snapshot.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chardev.h"
#include "core/machine.h"
#include "core/memmap_snap.h"
#include "core/snap.h"
#include "exec/exec.h"
#include "timing/model.h"

/* What the machine section read, applied after the owners have loaded. */
struct snapshot_load {
    uint64_t next_seq;
    uint64_t events;
};

/* ---- configuration ---- */

struct text {
    char *buf;
    size_t len, cap;
    bool oom;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        size_t room = t->cap - t->len;
        va_start(ap, fmt);
        int n = t->oom ? 0 : vsnprintf(t->buf ? t->buf + t->len : NULL, room, fmt, ap);
        va_end(ap);
        if (t->oom || n < 0)
            return;
        if ((size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap + (size_t)n + 1) * 2;
        char *b = realloc(t->buf, cap);
        if (!b) {
            t->oom = true;
            return;
        }
        t->buf = b;
        t->cap = cap;
    }
}

/* A -device/-drive string without its file= item: where an image lives
 * is not part of the machine (its contents are, for an input log). ",,"
 * is a comma inside a value (core/devopts.h). */
static void text_add_spec(struct text *t, const char *spec)
{
    const char *p = spec;
    bool first = true;
    while (*p) {
        const char *end = p;
        while (*end && !(end[0] == ',' && end[1] != ',')) {
            if (end[0] == ',')
                end++;
            end++;
        }
        size_t n = (size_t)(end - p);
        if (!(n >= 5 && !strncmp(p, "file=", 5))) {
            text_add(t, "%s%.*s", first ? "" : ",", (int)n, p);
            first = false;
        }
        p = *end ? end + 1 : end;
    }
}

char *snapshot_config_text(const struct machine *m)
{
    const struct machine_config *c = &m->cfg;
    struct text t = { 0 };
    text_add(&t, "board=%s\n", c->board ? c->board : "");
    text_add(&t, "ram_size=%llu\n", (unsigned long long)c->ram_size);
    text_add(&t, "cpus=%u\n", m->ncpus);
    text_add(&t, "cpu_model=%s\n", c->cpu_model ? c->cpu_model : "");
    /* The model before the clock it sets, so a run under another model is
     * refused naming the model. */
    const char *timing = m->timing ? m->timing->name : NULL;
    text_add(&t, "timing=%s\n", timing ? timing : "");
    text_add(&t, "core_hz=%llu\n", (unsigned long long)c->core_hz);
    text_add(&t, "quantum=%llu\n", (unsigned long long)c->quantum);
    text_add(&t, "seed=%llu\n", (unsigned long long)c->seed);
    text_add(&t, "rtc_base=%lld\n", (long long)c->rtc_base);
    if (c->snapshot_disks)
        text_add(&t, "snapshot_disks=1\n");
    for (unsigned i = 0; i < c->nvdevs; i++) {
        text_add(&t, "%s%u=", c->vdevs[i].drive ? "drive" : "device", i);
        text_add_spec(&t, c->vdevs[i].spec ? c->vdevs[i].spec : "");
        text_add(&t, "\n");
    }
    text_add(&t, "devices=%u\n", m->ndevices);
    if (t.oom) {
        free(t.buf);
        return NULL;
    }
    return t.buf;
}

/* Copies the line at p (without its newline) into out. */
static void config_line(const char *p, char *out, size_t len)
{
    if (!*p) {
        snprintf(out, len, "(none)");
        return;
    }
    size_t n = strcspn(p, "\n");
    snprintf(out, len, "%.*s", (int)n, p);
}

bool snapshot_config_diff(const char *a, const char *b, char *line_a, char *line_b, size_t len)
{
    while (*a || *b) {
        size_t na = strcspn(a, "\n"), nb = strcspn(b, "\n");
        if (na != nb || strncmp(a, b, na)) {
            config_line(a, line_a, len);
            config_line(b, line_b, len);
            return true;
        }
        a += na + (a[na] == '\n');
        b += nb + (b[nb] == '\n');
    }
    return false;
}

/* ---- the walk ---- */

static int snap_machine(struct machine *m, struct snap *s, struct snapshot_load *ld)
{
    char *config = NULL;
    uint32_t stop = m->stop;
    uint64_t next_seq = m->evq.next_seq, events = m->evq.len;

    snap_begin(s, "machine");
    snap_hash_off(s);
    if (!snap_loading(s))
        config = snapshot_config_text(m);
    if (!snap_loading(s) && !config)
        return snap_fail(s, "out of memory");
    snap_str(s, "config", &config);
    snap_u64(s, "next_seq", &next_seq);
    snap_hash_on(s);
    snap_u64(s, "vclock", &m->vclock);
    snap_u32(s, "stop", &stop);
    snap_u64(s, "events", &events);
    if (snap_loading(s) && snap_status(s) == 0) {
        char *here = snapshot_config_text(m);
        char la[128], lb[128];
        if (!here)
            snap_fail(s, "out of memory");
        else if (snapshot_config_diff(config, here, la, lb, sizeof(la)))
            snap_fail(s, "taken on another machine: %s there, %s here", la, lb);
        else if (stop != MACHINE_RUNNING)
            snap_fail(s, "taken after the machine stopped");
        free(here);
        ld->next_seq = next_seq;
        ld->events = events;
        /* Owners put their events back with their saved numbers. */
        evq_clear(&m->evq);
        m->evq.next_seq = next_seq;
    }
    free(config);
    return snap_end(s);
}

/* The engine's part of a vCPU; the ISA's follows through cpu_ops. */
static int snap_cpu(struct cpu *cpu, struct snap *s)
{
    char name[16];
    snprintf(name, sizeof(name), "cpu%u", cpu->index);
    snap_begin(s, name);
    snap_u64s(s, "r", cpu->r, IR_TEMP_BASE);
    snap_u64(s, "cycles", &cpu->cycles);
    snap_u64(s, "insns", &cpu->insns);
    snap_bool(s, "halted", &cpu->halted);
    snap_bool(s, "exit_request", &cpu->exit_request);
    snap_bool(s, "irq_check", &cpu->irq_check);
    snap_bool(s, "fault.pending", &cpu->fault.pending);
    snap_u32(s, "fault.code", &cpu->fault.code);
    snap_u64(s, "fault.tval", &cpu->fault.tval);
    snap_u64(s, "fault.tval2", &cpu->fault.tval2);
    snap_u64(s, "stat_exceptions", &cpu->stat_exceptions);
    snap_u64(s, "stat_interrupts", &cpu->stat_interrupts);
    snap_u64(s, "stat_wfi_cycles", &cpu->stat_wfi_cycles);
    snap_u64s(s, "stat_class", cpu->stat_class, OPC_COUNT);
    /* Translations made: host work, which a restored run redoes. */
    snap_hash_off(s);
    snap_u64(s, "stat_tbs_translated", &cpu->stat_tbs_translated);
    snap_hash_on(s);
    int (*fn)(struct cpu *, struct snap *) = snap_loading(s) ? cpu->ops->load : cpu->ops->save;
    if (!fn && snap_mode(s) == SNAP_HASH) {
        /* A state hash covers what can be covered; a snapshot must be whole. */
        snap_hash_skipped(s, name);
        return snap_end(s);
    }
    if (!fn)
        return snap_fail(s, "this CPU model cannot be saved yet");
    if (snap_status(s) == 0 && fn(cpu, s) < 0 && snap_status(s) == 0)
        snap_fail(s, "not restored");
    /* The detailed timing model's caches, TLBs and predictor: they decide
     * what the next accesses cost. Loaded last, after anything the ISA's
     * load told the model, and never flushed after: they are state. */
    if (snap_status(s) == 0)
        exec_timing_snap(cpu, s);
    return snap_end(s);
}

/* "uart0", or "virtio-net.1" for the second device of that name. */
static void device_section_name(const struct machine *m, unsigned i, char *name, size_t len)
{
    unsigned same = 0, total = 0;
    for (unsigned j = 0; j < m->ndevices; j++) {
        if (!m->devices[j].ops || strcmp(m->devices[j].name, m->devices[i].name))
            continue;
        if (j < i)
            same++;
        total++;
    }
    if (total > 1)
        snprintf(name, len, "%s.%u", m->devices[i].name, same);
    else
        snprintf(name, len, "%s", m->devices[i].name);
}

/*
 * Devices registered without ops are parts saved by another device (a
 * virtio device by its transport) or hold no state of their own.
 */
static int snap_device(struct machine *m, unsigned i, struct snap *s)
{
    const struct machine_device *d = &m->devices[i];
    if (!d->ops)
        return 0;
    int (*fn)(void *, struct snap *) = snap_loading(s) ? d->ops->load : d->ops->save;
    char name[96];
    device_section_name(m, i, name, sizeof(name));
    if (!fn) {
        if (snap_mode(s) == SNAP_HASH)
            return snap_hash_skipped(s, name);
        return snap_fail(s, "device %s cannot be saved yet", name);
    }
    snap_begin(s, name);
    if (snap_status(s) == 0 && fn(d->dev, s) < 0 && snap_status(s) == 0)
        snap_fail(s, "not restored");
    return snap_end(s);
}

int snapshot_walk(struct machine *m, struct snap *s)
{
    struct snapshot_load ld = { 0 };
    snap_machine(m, s, &ld);
    for (unsigned i = 0; i < m->ncpus && snap_status(s) == 0; i++)
        snap_cpu(m->cpus[i], s);
    for (unsigned i = 0; i < m->ndevices && snap_status(s) == 0; i++)
        snap_device(m, i, s);
    if (m->console && snap_status(s) == 0) {
        snap_begin(s, "console");
        chardev_snap(m->console, s);
        snap_end(s);
    }
    memmap_snap(&m->map, s);
    if (snap_loading(s) && snap_status(s) == 0) {
        if (m->evq.len != ld.events)
            return snap_fail(s, "%llu events were pending, %zu after loading",
                             (unsigned long long)ld.events, m->evq.len);
        m->evq.next_seq = ld.next_seq;
        /* Translated code and emu's soft TLBs are caches: dropped. The
         * modelled TLBs were just restored and stay. */
        exec_flush_code(m);
    }
    return snap_status(s);
}

int snapshot_save(struct machine *m, const char *path, struct emu_err *err)
{
    struct snap *s = snap_create(path, SNAP_KIND_SNAPSHOT, 1, err);
    if (!s)
        return -1;
    snapshot_walk(m, s);
    return snap_close(s, err);
}

int snapshot_restore(struct machine *m, const char *path, struct emu_err *err)
{
    struct snap *s = snap_open(path, SNAP_KIND_SNAPSHOT, err);
    if (!s)
        return -1;
    snapshot_walk(m, s);
    if (snap_status(s) == 0 && !snap_at_end(s))
        snap_fail(s, "more state follows what this machine has");
    return snap_close(s, err);
}

static uint64_t snapshot_at_observe(struct machine *m, void *opaque)
{
    struct snapshot_at *sa = opaque;
    sa->taken_at = m->vclock;
    sa->status = snapshot_save(m, sa->path, &sa->err);
    sa->taken = sa->status == 0;
    if (sa->status < 0)
        machine_request_stop(m, MACHINE_STOP_ERROR, 0);
    return UINT64_MAX;
}

int snapshot_at_schedule(struct machine *m, struct snapshot_at *sa)
{
    return machine_add_observer(m, sa->at, snapshot_at_observe, sa);
}
