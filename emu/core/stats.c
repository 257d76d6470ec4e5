/*
 * Run statistics as JSON; every field is described in docs/stats.md.
 */
#include "core/stats.h"

#include <errno.h>
#include <string.h>

#include "core/json.h"
#include "core/machine.h"
#include "core/stats_series.h"
#include "exec/exec.h"
#include "timing/core.h"
#include "timing/model.h"

static const char *const op_class_names[OPC_COUNT] = {
    [OPC_INT_ALU] = "int_alu", [OPC_INT_MUL] = "int_mul", [OPC_INT_DIV] = "int_div",
    [OPC_LOAD] = "load",       [OPC_STORE] = "store",     [OPC_BRANCH] = "branch",
    [OPC_JUMP] = "jump",       [OPC_FP_ADD] = "fp_add",   [OPC_FP_MUL] = "fp_mul",
    [OPC_FP_DIV] = "fp_div",   [OPC_FP_SQRT] = "fp_sqrt", [OPC_FP_MISC] = "fp_misc",
    [OPC_CSR] = "csr",         [OPC_SYSTEM] = "system",   [OPC_FENCE] = "fence",
    [OPC_ATOMIC] = "atomic",
};
_Static_assert(OPC_COUNT == 16, "name every op class in op_class_names and docs/stats.md");

static const char *const stop_names[] = {
    [MACHINE_RUNNING] = "running",     [MACHINE_STOP_POWEROFF] = "poweroff",
    [MACHINE_STOP_RESET] = "reset",    [MACHINE_STOP_MAX_INSNS] = "max_insns",
    [MACHINE_STOP_USER] = "user",      [MACHINE_STOP_ERROR] = "error",
    [MACHINE_STOP_PANIC] = "guest_panic",
};

const char *stats_op_class_name(unsigned op_class)
{
    return op_class < OPC_COUNT ? op_class_names[op_class] : NULL;
}

const char *stats_stop_name(unsigned stop)
{
    return stop < sizeof(stop_names) / sizeof(stop_names[0]) ? stop_names[stop] : NULL;
}

/* The counters that are summed over vCPUs for the totals. */
struct stats_counts {
    uint64_t insns, cycles, exceptions, interrupts, wfi_cycles, tbs;
    uint64_t cls[OPC_COUNT];
    bool timed;                     /* a detailed timing model ran */
    struct timing_counts t;
    /* Cycles by execution mode (cpu_ops.mode_cycles); nmodes 0: no split.
     * Totals add a vCPU's modes only when its names are the first's. */
    unsigned nmodes;
    const char *const *mode_names;
    uint64_t modes[CPU_MAX_MODES];
};

static void stats_count_cpu(struct cpu *c, struct stats_counts *s)
{
    s->insns = c->insns;
    s->cycles = c->cycles;
    s->exceptions = c->stat_exceptions;
    s->interrupts = c->stat_interrupts;
    s->wfi_cycles = c->stat_wfi_cycles;
    s->tbs = c->stat_tbs_translated;
    memcpy(s->cls, c->stat_class, sizeof(s->cls));
    memset(&s->t, 0, sizeof(s->t));
    s->timed = c->tc != NULL;
    timing_counts_add(&s->t, c->tc);
    s->nmodes = 0;
    if (c->ops && c->ops->mode_cycles) {
        unsigned n = c->ops->mode_cycles(c, s->modes, &s->mode_names);
        s->nmodes = n <= CPU_MAX_MODES ? n : 0;
    }
}

static void stats_add_modes(struct stats_counts *sum, const struct stats_counts *s)
{
    if (!s->nmodes)
        return;
    if (!sum->nmodes) {
        sum->nmodes = s->nmodes;
        sum->mode_names = s->mode_names;
    }
    if (sum->nmodes != s->nmodes)
        return;
    for (unsigned i = 0; i < s->nmodes; i++)
        if (strcmp(sum->mode_names[i], s->mode_names[i]) != 0)
            return;
    for (unsigned i = 0; i < s->nmodes; i++)
        sum->modes[i] += s->modes[i];
}

static void stats_add(struct stats_counts *sum, const struct stats_counts *s)
{
    sum->insns += s->insns;
    sum->cycles += s->cycles;
    sum->exceptions += s->exceptions;
    sum->interrupts += s->interrupts;
    sum->wfi_cycles += s->wfi_cycles;
    sum->tbs += s->tbs;
    for (unsigned i = 0; i < OPC_COUNT; i++)
        sum->cls[i] += s->cls[i];
    sum->timed |= s->timed;
    stats_add_modes(sum, s);
    const struct timing_counts *t = &s->t;
    struct timing_counts *u = &sum->t;
    for (unsigned i = 0; i < TIMING_NCACHES; i++) {
        u->cache_present[i] |= t->cache_present[i];
        for (unsigned op = 0; op < 2; op++) {
            u->cache_access[i][op] += t->cache_access[i][op];
            u->cache_miss[i][op] += t->cache_miss[i][op];
        }
    }
    u->tlbs_on |= t->tlbs_on;
    for (unsigned i = 0; i < TIMING_NTLBS; i++) {
        u->tlb_present[i] |= t->tlb_present[i];
        u->tlb_access[i] += t->tlb_access[i];
        u->tlb_miss[i] += t->tlb_miss[i];
    }
    u->walks += t->walks;
    u->bpred |= t->bpred;
    u->branches += t->branches;
    u->branch_misses += t->branch_misses;
    u->indirect += t->indirect;
    u->indirect_misses += t->indirect_misses;
    u->fetch_stall += t->fetch_stall;
    u->load_stall += t->load_stall;
    u->tlb_stall += t->tlb_stall;
    u->branch_stall += t->branch_stall;
}

static double stats_ratio(uint64_t num, uint64_t den)
{
    return den ? (double)num / (double)den : 0.0;
}

/* What the detailed timing model counted: only the parts the model has. */
static void stats_write_timing(struct json *j, const struct timing_counts *t)
{
    static const char *const cache_names[TIMING_NCACHES] = { "l1i", "l1d", "l2", "l3" };
    static const char *const tlb_names[TIMING_NTLBS] = { "itlb", "dtlb", "l2tlb" };
    json_key(j, "caches");
    json_begin_object(j);
    for (unsigned i = 0; i < TIMING_NCACHES; i++) {
        if (!t->cache_present[i])
            continue;
        json_key(j, cache_names[i]);
        json_begin_object(j);
        json_kv_u64(j, "reads", t->cache_access[i][0]);
        json_kv_u64(j, "read_misses", t->cache_miss[i][0]);
        json_kv_u64(j, "writes", t->cache_access[i][1]);
        json_kv_u64(j, "write_misses", t->cache_miss[i][1]);
        json_end_object(j);
    }
    json_end_object(j);
    if (t->tlbs_on) {
        json_key(j, "tlbs");
        json_begin_object(j);
        for (unsigned i = 0; i < TIMING_NTLBS; i++) {
            if (!t->tlb_present[i])
                continue;
            json_key(j, tlb_names[i]);
            json_begin_object(j);
            json_kv_u64(j, "accesses", t->tlb_access[i]);
            json_kv_u64(j, "misses", t->tlb_miss[i]);
            json_end_object(j);
        }
        json_kv_u64(j, "walks", t->walks);
        json_end_object(j);
    }
    if (t->bpred) {
        json_key(j, "branches");
        json_begin_object(j);
        json_kv_u64(j, "conditional", t->branches);
        json_kv_u64(j, "conditional_mispredicts", t->branch_misses);
        json_kv_u64(j, "indirect", t->indirect);
        json_kv_u64(j, "indirect_mispredicts", t->indirect_misses);
        json_end_object(j);
    }
    json_key(j, "stall_cycles");
    json_begin_object(j);
    json_kv_u64(j, "fetch", t->fetch_stall);
    json_kv_u64(j, "load", t->load_stall);
    json_kv_u64(j, "tlb", t->tlb_stall);
    json_kv_u64(j, "branch", t->branch_stall);
    json_end_object(j);
}

/* The members shared by a vCPU object and the totals object. */
static void stats_write_counts(struct json *j, const struct stats_counts *s)
{
    json_kv_u64(j, "instructions", s->insns);
    json_kv_u64(j, "cycles", s->cycles);
    json_kv_double(j, "ipc", stats_ratio(s->insns, s->cycles));
    json_key(j, "op_classes");
    json_begin_object(j);
    for (unsigned i = 0; i < OPC_COUNT; i++)
        json_kv_u64(j, op_class_names[i], s->cls[i]);
    json_end_object(j);
    if (s->timed)
        stats_write_timing(j, &s->t);
    json_kv_u64(j, "exceptions", s->exceptions);
    json_kv_u64(j, "interrupts", s->interrupts);
    json_kv_u64(j, "wfi_cycles", s->wfi_cycles);
    if (s->nmodes) {
        json_key(j, "mode_cycles");
        json_begin_object(j);
        for (unsigned i = 0; i < s->nmodes; i++)
            json_kv_u64(j, s->mode_names[i], s->modes[i]);
        json_end_object(j);
    }
    json_kv_u64(j, "tbs_translated", s->tbs);
}

/* Virtual nanoseconds, exact in 128-bit arithmetic. */
static uint64_t stats_ns(uint64_t cycles, uint64_t hz)
{
    if (hz == 0)
        return 0;
    unsigned __int128 ns = (unsigned __int128)cycles * 1000000000u / hz;
    return ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
}

static void stats_write_machine(struct json *j, const struct machine *m)
{
    const char *stop = stats_stop_name(m->stop);
    json_key(j, "machine");
    json_begin_object(j);
    json_kv_str(j, "board", m->cfg.board);
    json_kv_str(j, "cpu_model", m->cfg.cpu_model);
    json_kv_str(j, "timing_model", m->timing ? m->timing->name : "fast");
    json_kv_u64(j, "vcpus", m->ncpus);
    json_kv_u64(j, "ram_bytes", m->cfg.ram_size);
    json_kv_u64(j, "core_hz", m->cfg.core_hz);
    json_kv_u64(j, "quantum_cycles", m->cfg.quantum);
    json_kv_u64(j, "max_insns", m->cfg.max_insns);
    json_kv_u64(j, "vclock_cycles", m->vclock);
    json_kv_u64(j, "vclock_ns", stats_ns(m->vclock, m->cfg.core_hz));
    json_kv_str(j, "stop_reason", stop ? stop : "unknown");
    json_kv_i64(j, "exit_code", m->exit_code);
    json_end_object(j);
}

/* Devices that keep statistics, in creation order. */
static void stats_write_devices(struct json *j, const struct machine *m)
{
    json_key(j, "devices");
    json_begin_array(j);
    for (unsigned i = 0; i < m->ndevices; i++) {
        const struct machine_device *d = &m->devices[i];
        if (!d->write_stats)
            continue;
        json_begin_object(j);
        json_kv_str(j, "name", d->name);
        json_key(j, "stats");
        d->write_stats(d->dev, j);
        json_end_object(j);
    }
    json_end_array(j);
}

int stats_write_stream_series(struct machine *m, const struct stats_series *series, FILE *f)
{
    struct json j;
    struct stats_counts total;
    memset(&total, 0, sizeof(total));
    json_init(&j, f);
    json_begin_object(&j);
    json_kv_u64(&j, "format_version", STATS_FORMAT_VERSION);
    stats_write_machine(&j, m);
    json_key(&j, "cpus");
    json_begin_array(&j);
    for (unsigned i = 0; i < m->ncpus; i++) {
        struct stats_counts s;
        if (!m->cpus[i])
            continue;
        stats_count_cpu(m->cpus[i], &s);
        stats_add(&total, &s);
        json_begin_object(&j);
        json_kv_u64(&j, "index", i);
        stats_write_counts(&j, &s);
        if (m->cpus[i]->ops && m->cpus[i]->ops->write_stats)
            m->cpus[i]->ops->write_stats(m->cpus[i], &j);
        json_end_object(&j);
    }
    json_end_array(&j);
    json_key(&j, "totals");
    json_begin_object(&j);
    stats_write_counts(&j, &total);
    json_end_object(&j);
    stats_write_devices(&j, m);
    if (series)
        stats_series_write(series, m, &j);
    json_end_object(&j);
    return json_finish(&j);
}

int stats_write_stream(struct machine *m, FILE *f)
{
    return stats_write_stream_series(m, NULL, f);
}

int stats_write_series(struct machine *m, const struct stats_series *series, const char *path,
                       struct emu_err *err)
{
    if (!strcmp(path, "-")) {
        if (stats_write_stream_series(m, series, stdout) < 0 || fflush(stdout) != 0)
            return emu_errf(err, "--stats: cannot write to stdout");
        return 0;
    }
    FILE *f = fopen(path, "w");
    if (!f)
        return emu_errf(err, "--stats %s: %s", path, strerror(errno));
    int rc = stats_write_stream_series(m, series, f);
    if (fclose(f) != 0)
        rc = -1;
    if (rc < 0)
        return emu_errf(err, "--stats %s: write error", path);
    return 0;
}

int stats_write(struct machine *m, const char *path, struct emu_err *err)
{
    return stats_write_series(m, NULL, path, err);
}
