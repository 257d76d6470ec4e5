/*
 * The --stats-interval time series (docs/stats.md, "series").
 *
 * The observer reads each vCPU's cumulative counters and stores the
 * difference from the previous reading, so every stored number is a sum
 * of events in one interval and neighbouring samples merge by addition.
 * Ratios (IPC, MPKI) are derived only when the file is written.
 */
#include "core/stats_series.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/machine.h"
#include "exec/exec.h"
#include "timing/core.h"

/* One vCPU's counters: cumulative in a reading, a difference in a sample. */
struct series_counts {
    uint64_t insns, cycles, wfi_cycles;
    uint64_t cache_misses[TIMING_NCACHES];     /* reads and writes that missed */
    uint64_t tlb_misses[TIMING_NTLBS];
    uint64_t walks;
    uint64_t branch_mispredicts;               /* conditional and indirect */
    uint64_t mode_cycles[STATS_SERIES_MAX_MODES];
};

struct stats_series {
    uint64_t interval;
    stats_mode_fn modes;
    unsigned ncpus;
    uint64_t start_vclock;
    struct series_counts *start;       /* [ncpus]: the reading at the start */
    struct series_counts *last;        /* [ncpus]: the latest reading */
    /* Sample i covers (vclock[i-1], vclock[i]], with counts[i * ncpus + cpu]. */
    unsigned nsamples;
    uint64_t *vclock;
    struct series_counts *counts;
};

/* The split the series was given, else the vCPU's own (cpu_ops.mode_cycles). */
static stats_mode_fn series_modes(const struct stats_series *s, struct cpu *c)
{
    if (s->modes)
        return s->modes;
    return c->ops ? c->ops->mode_cycles : NULL;
}

static void series_read_cpu(const struct stats_series *s, struct cpu *c, struct series_counts *out)
{
    struct timing_counts t;
    memset(out, 0, sizeof(*out));
    memset(&t, 0, sizeof(t));
    if (!c)
        return;
    out->insns = c->insns;
    out->cycles = c->cycles;
    out->wfi_cycles = c->stat_wfi_cycles;
    timing_counts_add(&t, c->tc);
    for (unsigned i = 0; i < TIMING_NCACHES; i++)
        out->cache_misses[i] = t.cache_miss[i][0] + t.cache_miss[i][1];
    for (unsigned i = 0; i < TIMING_NTLBS; i++)
        out->tlb_misses[i] = t.tlb_miss[i];
    out->walks = t.walks;
    out->branch_mispredicts = t.branch_misses + t.indirect_misses;
    stats_mode_fn modes = series_modes(s, c);
    if (modes) {
        const char *const *names;
        unsigned n = modes(c, out->mode_cycles, &names);
        if (n > STATS_SERIES_MAX_MODES)
            memset(out->mode_cycles, 0, sizeof(out->mode_cycles));
    }
}

/* The counts as an array of uint64_t, for adding and subtracting. */
#define SERIES_NWORDS (sizeof(struct series_counts) / sizeof(uint64_t))
_Static_assert(sizeof(struct series_counts) % sizeof(uint64_t) == 0, "series_counts holds only uint64_t");

static void series_sub(struct series_counts *out, const struct series_counts *a, const struct series_counts *b)
{
    uint64_t w[SERIES_NWORDS], x[SERIES_NWORDS];
    memcpy(w, a, sizeof(w));
    memcpy(x, b, sizeof(x));
    for (size_t i = 0; i < SERIES_NWORDS; i++)
        w[i] -= x[i];
    memcpy(out, w, sizeof(w));
}

static void series_add(struct series_counts *sum, const struct series_counts *a)
{
    uint64_t w[SERIES_NWORDS], x[SERIES_NWORDS];
    memcpy(w, sum, sizeof(w));
    memcpy(x, a, sizeof(x));
    for (size_t i = 0; i < SERIES_NWORDS; i++)
        w[i] += x[i];
    memcpy(sum, w, sizeof(w));
}

/* Halves the number of samples: sample i becomes samples 2i and 2i+1
 * together, ending where the second one ended. */
static void series_merge_pairs(struct stats_series *s)
{
    unsigned n = s->ncpus, out = 0;
    for (unsigned i = 0; i < s->nsamples; i += 2, out++) {
        struct series_counts *dst = &s->counts[(size_t)out * n];
        const struct series_counts *a = &s->counts[(size_t)i * n];
        memmove(dst, a, n * sizeof(*dst));
        s->vclock[out] = s->vclock[i];
        if (i + 1 == s->nsamples)
            continue;
        for (unsigned c = 0; c < n; c++)
            series_add(&dst[c], &s->counts[(size_t)(i + 1) * n + c]);
        s->vclock[out] = s->vclock[i + 1];
    }
    s->nsamples = out;
    s->interval = s->interval > UINT64_MAX / 2 ? UINT64_MAX : s->interval * 2;
}

/* Stores what each vCPU counted since the last reading, ending at vclock.
 * A full array is halved at once, so the next sample is already taken at
 * the doubled interval. */
static void series_sample(struct stats_series *s, struct machine *m)
{
    struct series_counts *row = &s->counts[(size_t)s->nsamples * s->ncpus];
    for (unsigned c = 0; c < s->ncpus; c++) {
        struct series_counts now;
        series_read_cpu(s, m->cpus[c], &now);
        series_sub(&row[c], &now, &s->last[c]);
        s->last[c] = now;
    }
    s->vclock[s->nsamples++] = m->vclock;
    if (s->nsamples == STATS_SERIES_MAX_SAMPLES)
        series_merge_pairs(s);
}

/* The first multiple of the interval after vclock. */
static uint64_t series_next(const struct stats_series *s, uint64_t vclock)
{
    uint64_t k = vclock / s->interval + 1;
    return k > UINT64_MAX / s->interval ? UINT64_MAX : k * s->interval;
}

static uint64_t series_observe(struct machine *m, void *opaque)
{
    struct stats_series *s = opaque;
    series_sample(s, m);
    return series_next(s, m->vclock);
}

struct stats_series *stats_series_start(struct machine *m, uint64_t interval, stats_mode_fn modes,
                                        struct emu_err *err)
{
    if (interval == 0) {
        emu_errf(err, "--stats-interval: the interval must be at least one cycle");
        return NULL;
    }
    struct stats_series *s = calloc(1, sizeof(*s));
    unsigned n = m->ncpus;
    if (s) {
        s->start = calloc(n ? n : 1, sizeof(*s->start));
        s->last = calloc(n ? n : 1, sizeof(*s->last));
        s->vclock = calloc(STATS_SERIES_MAX_SAMPLES, sizeof(*s->vclock));
        s->counts = calloc((size_t)STATS_SERIES_MAX_SAMPLES * (n ? n : 1), sizeof(*s->counts));
    }
    if (!s || !s->start || !s->last || !s->vclock || !s->counts) {
        stats_series_free(s);
        emu_errf(err, "--stats-interval: out of memory");
        return NULL;
    }
    s->interval = interval;
    s->modes = modes;
    s->ncpus = n;
    s->start_vclock = m->vclock;
    for (unsigned c = 0; c < n; c++)
        series_read_cpu(s, m->cpus[c], &s->start[c]);
    memcpy(s->last, s->start, n * sizeof(*s->last));
    if (machine_add_observer(m, series_next(s, m->vclock), series_observe, s) < 0) {
        stats_series_free(s);
        emu_errf(err, "--stats-interval: too many observers of the run");
        return NULL;
    }
    return s;
}

void stats_series_finish(struct stats_series *s, struct machine *m)
{
    uint64_t last = s->nsamples ? s->vclock[s->nsamples - 1] : s->start_vclock;
    bool changed = m->vclock != last;
    for (unsigned c = 0; c < s->ncpus && !changed; c++) {
        struct series_counts now;
        series_read_cpu(s, m->cpus[c], &now);
        changed = memcmp(&now, &s->last[c], sizeof(now)) != 0;
    }
    if (changed)
        series_sample(s, m);
}

uint64_t stats_series_interval(const struct stats_series *s)
{
    return s->interval;
}

unsigned stats_series_samples(const struct stats_series *s)
{
    return s->nsamples;
}

void stats_series_free(struct stats_series *s)
{
    if (!s)
        return;
    free(s->start);
    free(s->last);
    free(s->vclock);
    free(s->counts);
    free(s);
}

/* ---- Writing ---- */

/* Which columns the file has: only what the run's timing model counted. */
struct series_layout {
    struct timing_counts parts;         /* presence flags of the summed counters */
    unsigned nmodes;
    const char *const *mode_names;
};

static const char *const cache_names[TIMING_NCACHES] = { "l1i", "l1d", "l2", "l3" };
static const char *const tlb_names[TIMING_NTLBS] = { "itlb", "dtlb", "l2tlb" };

static void series_layout(const struct stats_series *s, const struct machine *m, struct series_layout *l)
{
    memset(l, 0, sizeof(*l));
    for (unsigned c = 0; c < s->ncpus; c++)
        if (m->cpus[c])
            timing_counts_add(&l->parts, m->cpus[c]->tc);
    stats_mode_fn modes = s->ncpus && m->cpus[0] ? series_modes(s, m->cpus[0]) : NULL;
    if (modes) {
        uint64_t cycles[STATS_SERIES_MAX_MODES];
        unsigned n = modes(m->cpus[0], cycles, &l->mode_names);
        l->nmodes = n <= STATS_SERIES_MAX_MODES ? n : 0;
    }
}

static void series_write_columns(const struct series_layout *l, struct json *j)
{
    char name[64];
    json_key(j, "columns");
    json_begin_array(j);
    json_string(j, "vclock");
    json_string(j, "instructions");
    json_string(j, "cycles");
    json_string(j, "ipc");
    for (unsigned i = 0; i < TIMING_NCACHES; i++) {
        if (!l->parts.cache_present[i])
            continue;
        snprintf(name, sizeof(name), "%s_misses", cache_names[i]);
        json_string(j, name);
        snprintf(name, sizeof(name), "%s_mpki", cache_names[i]);
        json_string(j, name);
    }
    if (l->parts.tlbs_on) {
        for (unsigned i = 0; i < TIMING_NTLBS; i++) {
            if (!l->parts.tlb_present[i])
                continue;
            snprintf(name, sizeof(name), "%s_misses", tlb_names[i]);
            json_string(j, name);
            snprintf(name, sizeof(name), "%s_mpki", tlb_names[i]);
            json_string(j, name);
        }
        json_string(j, "walks");
        json_string(j, "walks_mpki");
    }
    if (l->parts.bpred) {
        json_string(j, "branch_mispredicts");
        json_string(j, "branch_mpki");
    }
    json_string(j, "wfi_cycles");
    for (unsigned i = 0; i < l->nmodes; i++) {
        snprintf(name, sizeof(name), "cycles_%s", l->mode_names[i]);
        json_string(j, name);
    }
    json_end_array(j);
}

/*
 * A row is written on one line: the writer sees an empty array and the
 * numbers go straight to its stream, in json.h's formats (decimal
 * integers, four decimals). One member per line would make a 1000-sample
 * series of a few vCPUs tens of thousands of lines.
 */
struct series_row {
    FILE *f;
    bool first;
};

static void row_u64(struct series_row *r, uint64_t v)
{
    fprintf(r->f, "%s%" PRIu64, r->first ? "" : ", ", v);
    r->first = false;
}

static void row_ratio(struct series_row *r, uint64_t num, uint64_t den, double scale)
{
    double v = den ? (double)num * scale / (double)den : 0.0;
    if (!isfinite(v) || fabs(v) < 0.00005)
        v = 0;
    fprintf(r->f, "%s%.4f", r->first ? "" : ", ", v);
    r->first = false;
}

/* A count and its misses per thousand instructions. */
static void row_mpki(struct series_row *r, uint64_t misses, uint64_t insns)
{
    row_u64(r, misses);
    row_ratio(r, misses, insns, 1000.0);
}

static void series_write_row(const struct series_layout *l, uint64_t vclock, const struct series_counts *c,
                             struct json *j)
{
    struct series_row r = { j->f, true };
    json_begin_array(j);
    row_u64(&r, vclock);
    row_u64(&r, c->insns);
    row_u64(&r, c->cycles);
    row_ratio(&r, c->insns, c->cycles, 1.0);
    for (unsigned i = 0; i < TIMING_NCACHES; i++)
        if (l->parts.cache_present[i])
            row_mpki(&r, c->cache_misses[i], c->insns);
    if (l->parts.tlbs_on) {
        for (unsigned i = 0; i < TIMING_NTLBS; i++)
            if (l->parts.tlb_present[i])
                row_mpki(&r, c->tlb_misses[i], c->insns);
        row_mpki(&r, c->walks, c->insns);
    }
    if (l->parts.bpred)
        row_mpki(&r, c->branch_mispredicts, c->insns);
    row_u64(&r, c->wfi_cycles);
    for (unsigned i = 0; i < l->nmodes; i++)
        row_u64(&r, c->mode_cycles[i]);
    json_end_array(j);
}

static void series_sum(const struct series_counts *cpus, unsigned n, struct series_counts *sum)
{
    memset(sum, 0, sizeof(*sum));
    for (unsigned c = 0; c < n; c++)
        series_add(sum, &cpus[c]);
}

void stats_series_write(const struct stats_series *s, const struct machine *m, struct json *j)
{
    struct series_layout l;
    struct series_counts sum;
    unsigned n = s->ncpus;
    series_layout(s, m, &l);
    json_key(j, "series");
    json_begin_object(j);
    json_kv_u64(j, "interval_cycles", s->interval);
    json_kv_u64(j, "samples", s->nsamples);
    series_write_columns(&l, j);

    json_key(j, "start");
    json_begin_object(j);
    series_sum(s->start, n, &sum);
    json_key(j, "totals");
    series_write_row(&l, s->start_vclock, &sum, j);
    json_key(j, "cpus");
    json_begin_array(j);
    for (unsigned c = 0; c < n; c++)
        series_write_row(&l, s->start_vclock, &s->start[c], j);
    json_end_array(j);
    json_end_object(j);

    json_key(j, "totals");
    json_begin_array(j);
    for (unsigned i = 0; i < s->nsamples; i++) {
        series_sum(&s->counts[(size_t)i * n], n, &sum);
        series_write_row(&l, s->vclock[i], &sum, j);
    }
    json_end_array(j);

    json_key(j, "cpus");
    json_begin_array(j);
    for (unsigned c = 0; c < n; c++) {
        json_begin_array(j);
        for (unsigned i = 0; i < s->nsamples; i++)
            series_write_row(&l, s->vclock[i], &s->counts[(size_t)i * n + c], j);
        json_end_array(j);
    }
    json_end_array(j);
    json_end_object(j);
}
