/*
 * The input log (see record.h; byte layout in docs/replay.md).
 *
 * After its header section, the log is a stream of records, each a type
 * byte and the change of virtual time since the previous record, or since
 * cycle 0 for the first (a zigzag LEB128 varint: records come in the
 * order inputs were taken, and a vCPU's clock may trail the clock of the
 * event before it):
 *   1 SERIAL  dt, byte              a byte the console delivered
 *   2 EOF     dt                    the console's input ended
 *   3 HASH    dt, bitmap, hashes    state hash: a bit per section, set
 *                                   where the section changed since the
 *                                   previous HASH, then those hashes (u64)
 *   4 END     dt, stop, exit code   how the run ended (zigzag varint code)
 *   5 MONITOR dt, length, text      a monitor command that changes the run,
 *                                   at the cycle it took effect (length a
 *                                   varint, the text without a newline)
 *
 * Replay reads every record up front (a log is small next to what it
 * reproduces), then walks them: the console's source hands out SERIAL and
 * EOF records when the guest reads at their exact time, an observer
 * compares HASH records at the interval boundaries, and another stops the
 * machine where a recorded run was stopped by the user. MONITOR records
 * are kept apart, in their own order, for the monitor to apply (it polls
 * between rounds as the other observers do). Anything out of step is a
 * divergence: the run stops and record_finish reports it.
 */
#include "core/record.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chardev.h"
#include "core/machine.h"
#include "core/snap.h"
#include "core/snapshot.h"
#include "core/statehash.h"
#include "timing/model.h"

enum rec_type { REC_SERIAL = 1, REC_EOF = 2, REC_HASH = 3, REC_END = 4, REC_MONITOR = 5 };

/* Longest monitor command a log may hold (the monitor's lines are shorter). */
#define REC_MONITOR_MAX 4096u

/* One record of a log being replayed. */
struct rec {
    uint8_t type;
    uint8_t byte;               /* SERIAL */
    uint8_t stop;               /* END */
    int64_t exit_code;          /* END */
    uint64_t time;
    size_t hashes;              /* HASH: index of its nsec values in hashvals */
};

/* A logged monitor command. */
struct rec_monitor {
    uint64_t time;
    char *cmd;
};

struct record {
    struct record_config cfg;
    struct machine *m;
    struct chardev *console;    /* the console hooked for record or replay */
    enum record_mode mode;
    char *path;
    struct snap *log;           /* RECORD_WRITE */
    FILE *hash_out;
    bool hash_out_owned;
    uint64_t interval;
    uint64_t last_time;         /* time of the previous record written (0 before the first) */
    bool interactive;
    /* State-hash sections, and the values last logged (write) or read (replay). */
    size_t nsec;
    char **sec;
    uint64_t *prev;
    /* Replay. */
    struct rec *recs;
    size_t nrecs, next;
    uint64_t *hashvals;
    size_t nhashvals;
    struct rec_monitor *mons;
    size_t nmons, next_mon;
    char *recorded_version;
    char *recorded_config;
    uint64_t recorded_start;
    const char *version;
    uint64_t matched_at;        /* cycle of the last state hash that matched */
    bool diverged;
    struct emu_err why;
};

/* ---- configuration and host files ---- */

/* The file= value of a -device/-drive string, ",," read as ','. */
static bool spec_file(const char *spec, char *out, size_t len)
{
    const char *p = spec;
    while (*p) {
        bool is_file = !strncmp(p, "file=", 5);
        size_t n = 0;
        if (is_file)
            p += 5;
        while (*p && !(p[0] == ',' && p[1] != ',')) {
            if (p[0] == ',')
                p++;
            if (is_file && n + 1 < len)
                out[n++] = *p;
            p++;
        }
        if (is_file) {
            out[n] = '\0';
            return true;
        }
        if (*p)
            p++;
    }
    return false;
}

static int config_file(FILE *f, const char *role, const char *path, struct emu_err *err)
{
    uint64_t h, size;
    if (!path)
        return 0;
    if (hash64_file(path, &h, &size, err) < 0)
        return -1;
    fprintf(f, "%s.contents=%016" PRIx64 " %" PRIu64 " bytes\n", role, h, size);
    return 0;
}

char *record_config_text(const struct machine *m, const char *restore_path, struct emu_err *err)
{
    const struct machine_config *c = &m->cfg;
    char *machine = snapshot_config_text(m);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = machine ? open_memstream(&buf, &len) : NULL;
    if (!f) {
        free(machine);
        emu_errf(err, "out of memory");
        return NULL;
    }
    fputs(machine, f);
    free(machine);
    fprintf(f, "max_insns=%" PRIu64 "\n", c->max_insns);
    fprintf(f, "append=%s\n", c->append ? c->append : "");
    int rc = 0;
    if (c->bios && strcmp(c->bios, "none"))
        rc |= config_file(f, "bios", c->bios, err);
    rc |= config_file(f, "kernel", c->kernel, err);
    rc |= config_file(f, "initrd", c->initrd, err);
    rc |= config_file(f, "dtb", c->dtb, err);
    /* A model file: its name line alone does not say what it charges. */
    if (c->timing && !timing_model_text(c->timing))
        rc |= config_file(f, "timing", c->timing, err);
    for (unsigned i = 0; i < c->nvdevs && rc == 0; i++) {
        char path[4096], role[32];
        if (c->vdevs[i].spec && spec_file(c->vdevs[i].spec, path, sizeof(path))) {
            snprintf(role, sizeof(role), "%s%u.file", c->vdevs[i].drive ? "drive" : "device", i);
            rc |= config_file(f, role, path, err);
        }
    }
    rc |= config_file(f, "restore", restore_path, err);
    if (fclose(f) != 0 && rc == 0)
        rc = emu_errf(err, "out of memory");
    if (rc) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ---- writing records ---- */

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static void put_varint(uint8_t *buf, size_t *n, uint64_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        buf[(*n)++] = (uint8_t)(b | (v ? 0x80 : 0));
    } while (v);
}

/* Starts a record of type at time; payload bytes follow in buf. */
static size_t rec_head(struct record *r, uint8_t *buf, enum rec_type type, uint64_t time)
{
    size_t n = 0;
    buf[n++] = (uint8_t)type;
    put_varint(buf, &n, zigzag((int64_t)(time - r->last_time)));
    r->last_time = time;
    return n;
}

static void rec_write(struct record *r, const uint8_t *buf, size_t n)
{
    snap_raw(r->log, (void *)buf, n);
}

static void record_tap(void *opaque, int result, uint8_t byte)
{
    struct record *r = opaque;
    uint8_t buf[16];
    size_t n = rec_head(r, buf, result == 1 ? REC_SERIAL : REC_EOF, machine_now(r->m));
    if (result == 1)
        buf[n++] = byte;
    rec_write(r, buf, n);
}

static void write_hash(struct record *r, uint64_t time, const struct statehash *sh)
{
    uint8_t head[16];
    size_t n = rec_head(r, head, REC_HASH, time);
    rec_write(r, head, n);
    size_t nbytes = (r->nsec + 7) / 8;
    uint8_t *bits = calloc(nbytes ? nbytes : 1, 1);
    if (!bits) {
        snap_fail(r->log, "out of memory");
        return;
    }
    for (size_t i = 0; i < r->nsec; i++) {
        if (sh->value[i] != r->prev[i])
            bits[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    rec_write(r, bits, nbytes);
    for (size_t i = 0; i < r->nsec; i++) {
        if (!(bits[i / 8] & (1u << (i % 8))))
            continue;
        uint8_t v[8];
        for (unsigned b = 0; b < 8; b++)
            v[b] = (uint8_t)(sh->value[i] >> (8 * b));
        rec_write(r, v, 8);
        r->prev[i] = sh->value[i];
    }
    free(bits);
}

/* ---- reading records ---- */

static int get_varint(struct snap *s, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        uint8_t b;
        if (snap_raw(s, &b, 1) < 0)
            return -1;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return snap_fail(s, "a record's number is too long");
}

/* A MONITOR record's text, kept apart from the other records. */
static int read_monitor(struct record *r, struct snap *s, uint64_t time)
{
    uint64_t len;
    if (get_varint(s, &len) < 0)
        return -1;
    if (len == 0 || len > REC_MONITOR_MAX)
        return snap_fail(s, "a monitor command of %" PRIu64 " bytes", len);
    char *cmd = malloc(len + 1);
    struct rec_monitor *nm = realloc(r->mons, (r->nmons + 1) * sizeof(*nm));
    if (nm)
        r->mons = nm;
    if (!cmd || !nm) {
        free(cmd);
        return snap_fail(s, "out of memory");
    }
    if (snap_raw(s, cmd, len) < 0) {
        free(cmd);
        return -1;
    }
    cmd[len] = '\0';
    if (strlen(cmd) != len) {
        free(cmd);
        return snap_fail(s, "a monitor command holds a NUL byte");
    }
    r->mons[r->nmons++] = (struct rec_monitor){ time, cmd };
    return 0;
}

static int read_records(struct record *r, struct snap *s)
{
    size_t cap = 0, hcap = 0;
    uint64_t time = 0;
    uint64_t *cur = calloc(r->nsec ? r->nsec : 1, sizeof(*cur));
    if (!cur)
        return snap_fail(s, "out of memory");
    while (snap_status(s) == 0 && !snap_at_end(s)) {
        struct rec rec = { 0 };
        uint64_t dt;
        if (snap_raw(s, &rec.type, 1) < 0 || get_varint(s, &dt) < 0)
            break;
        time += (uint64_t)unzigzag(dt);
        rec.time = time;
        if (rec.type == REC_SERIAL) {
            snap_raw(s, &rec.byte, 1);
        } else if (rec.type == REC_HASH) {
            size_t nbytes = (r->nsec + 7) / 8;
            uint8_t *bits = malloc(nbytes ? nbytes : 1);
            if (!bits || snap_raw(s, bits, nbytes) < 0) {
                free(bits);
                snap_fail(s, "out of memory");
                break;
            }
            for (size_t j = 0; j < r->nsec && snap_status(s) == 0; j++) {
                uint8_t v[8];
                if (!(bits[j / 8] & (1u << (j % 8))))
                    continue;
                snap_raw(s, v, 8);
                cur[j] = 0;
                for (unsigned b = 8; b-- > 0;)
                    cur[j] = cur[j] << 8 | v[b];
            }
            free(bits);
            if (r->nhashvals + r->nsec > hcap) {
                hcap = (hcap + r->nsec) * 2;
                uint64_t *hv = realloc(r->hashvals, hcap * sizeof(*hv));
                if (!hv) {
                    snap_fail(s, "out of memory");
                    break;
                }
                r->hashvals = hv;
            }
            rec.hashes = r->nhashvals;
            if (r->nsec)
                memcpy(r->hashvals + r->nhashvals, cur, r->nsec * sizeof(*cur));
            r->nhashvals += r->nsec;
        } else if (rec.type == REC_MONITOR) {
            read_monitor(r, s, time);
            continue;
        } else if (rec.type == REC_END) {
            uint64_t code;
            snap_raw(s, &rec.stop, 1);
            if (get_varint(s, &code) == 0)
                rec.exit_code = unzigzag(code);
        } else if (rec.type != REC_EOF) {
            snap_fail(s, "unknown record type %u", rec.type);
            break;
        }
        if (r->nrecs == cap) {
            cap = cap ? cap * 2 : 256;
            struct rec *nr = realloc(r->recs, cap * sizeof(*nr));
            if (!nr) {
                snap_fail(s, "out of memory");
                break;
            }
            r->recs = nr;
        }
        r->recs[r->nrecs++] = rec;
    }
    free(cur);
    if (snap_status(s) == 0 && (r->nrecs < 2 || r->recs[r->nrecs - 1].type != REC_END ||
                                r->recs[0].type != REC_HASH))
        snap_fail(s, "the log does not hold a whole run (start hash ... end)");
    return snap_status(s);
}

/* ---- divergence ---- */

static void diverge_v(struct record *r, const char *fmt, va_list ap)
{
    if (r->diverged)
        return;
    r->diverged = true;
    char what[200];
    vsnprintf(what, sizeof(what), fmt, ap);
    char version[96] = "";
    if (r->recorded_version && strcmp(r->recorded_version, r->version))
        snprintf(version, sizeof(version), " (recorded by emu %.20s, this is emu %.20s)", r->recorded_version,
                 r->version);
    emu_errf(&r->why, "replay of %s diverged: %s%s", r->path, what, version);
    machine_request_stop(r->m, MACHINE_STOP_ERROR, 0);
}

static void diverge(struct record *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void diverge(struct record *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diverge_v(r, fmt, ap);
    va_end(ap);
}

void record_diverge(struct record *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diverge_v(r, fmt, ap);
    va_end(ap);
}

/* The names of the sections whose hashes differ from want, as a list. */
static void differing_sections(const struct record *r, const struct statehash *sh, const uint64_t *want,
                               char *list, size_t len)
{
    size_t n = 0, shown = 0;
    list[0] = '\0';
    for (size_t i = 0; i < r->nsec; i++) {
        if (sh->value[i] == want[i])
            continue;
        n++;
        size_t used = strlen(list);
        if (used + strlen(sh->name[i]) + 24 < len) {
            snprintf(list + used, len - used, "%s%s", shown ? ", " : "", sh->name[i]);
            shown++;
        }
    }
    if (shown < n) {
        size_t used = strlen(list);
        snprintf(list + used, len - used, " and %zu more", n - shown);
    }
}

/* Names the sections whose hashes differ, with the last match. */
static void diverge_hash(struct record *r, uint64_t time, const struct statehash *sh, const uint64_t *want)
{
    char list[160];
    differing_sections(r, sh, want, list, sizeof(list));
    diverge(r, "at cycle %" PRIu64 " the state differs in %s; it last matched at cycle %" PRIu64, time, list,
            r->matched_at);
}

/* ---- state hashes ---- */

static void hash_line(struct record *r, const char *tag, uint64_t time, const struct statehash *sh)
{
    if (!r->hash_out)
        return;
    fprintf(r->hash_out, "%s%" PRIu64 " %016" PRIx64 "\n", tag, time, sh->total);
    if (*tag) {
        for (size_t i = 0; i < sh->n; i++)
            fprintf(r->hash_out, "  %s %016" PRIx64 "\n", sh->name[i], sh->value[i]);
    }
    fflush(r->hash_out);
}

/* The next HASH record in a replay, or a divergence saying what came instead. */
static const struct rec *expect_hash(struct record *r, uint64_t time)
{
    if (r->next >= r->nrecs) {
        diverge(r, "the log ends before cycle %" PRIu64, time);
        return NULL;
    }
    const struct rec *rec = &r->recs[r->next];
    if (rec->type == REC_SERIAL || rec->type == REC_EOF) {
        diverge(r, "serial input recorded at cycle %" PRIu64 " was not read by cycle %" PRIu64, rec->time, time);
        return NULL;
    }
    if (rec->type == REC_END) {
        diverge(r, "the recorded run ended at cycle %" PRIu64 "; the replay went on to cycle %" PRIu64, rec->time,
                time);
        return NULL;
    }
    if (rec->time != time) {
        diverge(r, "a state hash was recorded at cycle %" PRIu64 ", the replay is at cycle %" PRIu64, rec->time,
                time);
        return NULL;
    }
    r->next++;
    return rec;
}

/* A state hash: logged, compared with the log, or written as text. */
static int take_hash(struct record *r, const char *tag)
{
    struct statehash sh;
    struct emu_err err;
    uint64_t time = r->m->vclock;
    if (statehash_compute(r->m, &sh, &err) < 0) {
        r->diverged = true;
        r->why = err;
        machine_request_stop(r->m, MACHINE_STOP_ERROR, 0);
        return -1;
    }
    hash_line(r, tag, time, &sh);
    if (r->mode == RECORD_WRITE) {
        write_hash(r, time, &sh);
    } else if (r->mode == RECORD_REPLAY) {
        const struct rec *rec = expect_hash(r, time);
        if (rec && memcmp(r->hashvals + rec->hashes, sh.value, r->nsec * sizeof(uint64_t)))
            diverge_hash(r, time, &sh, r->hashvals + rec->hashes);
        else if (rec)
            r->matched_at = time;
    }
    statehash_free(&sh);
    return r->diverged ? -1 : 0;
}

static uint64_t next_interval(const struct record *r, uint64_t now)
{
    if (r->interval == 0 || now / r->interval == UINT64_MAX / r->interval)
        return UINT64_MAX;
    return (now / r->interval + 1) * r->interval;
}

static uint64_t observe_hash(struct machine *m, void *opaque)
{
    struct record *r = opaque;
    if (take_hash(r, "") < 0)
        return UINT64_MAX;
    return next_interval(r, m->vclock);
}

/* Replay: where the recorded run ended. A stop by its user (Ctrl-A X) is
 * repeated here; any other end (power-off, instruction limit, ...) must
 * have come by itself, so reaching this point running is a divergence. */
static uint64_t observe_end(struct machine *m, void *opaque)
{
    struct record *r = opaque;
    const struct rec *end = &r->recs[r->nrecs - 1];
    if (r->diverged)
        return UINT64_MAX;
    if (m->vclock != end->time) {
        diverge(r, "the recorded run ended at cycle %" PRIu64 "; the replay passed it at cycle %" PRIu64,
                end->time, m->vclock);
    } else if (end->stop == MACHINE_STOP_USER) {
        machine_request_stop(m, MACHINE_STOP_USER, (int)end->exit_code);
    } else {
        diverge(r, "the recorded run stopped at cycle %" PRIu64 " (%s); the replay runs on", end->time,
                end->stop == MACHINE_STOP_POWEROFF ? "the guest powered off" : "it stopped");
    }
    return UINT64_MAX;
}

/* ---- replayed serial input ---- */

static int replay_source(void *opaque, uint8_t *byte)
{
    struct record *r = opaque;
    if (!r->m || r->diverged)
        return 0;
    uint64_t now = machine_now(r->m);
    const struct rec *rec = r->next < r->nrecs ? &r->recs[r->next] : NULL;
    if (rec && (rec->type == REC_SERIAL || rec->type == REC_EOF)) {
        if (rec->time == now) {
            r->next++;
            *byte = rec->byte;
            return rec->type == REC_SERIAL ? 1 : -1;
        }
        if (rec->time < now) {
            diverge(r, "serial input recorded at cycle %" PRIu64 " was read at cycle %" PRIu64, rec->time, now);
            return 0;
        }
    }
    /* A terminal has nothing now; a script always had a byte or its end. */
    if (!r->interactive)
        diverge(r, "the guest read serial input at cycle %" PRIu64 ", when none was recorded", now);
    return 0;
}

/* ---- monitor commands ---- */

void record_monitor_log(struct record *r, uint64_t time, const char *cmd)
{
    if (!r || r->mode != RECORD_WRITE || !r->log)
        return;
    size_t len = strlen(cmd);
    if (len == 0 || len > REC_MONITOR_MAX) {
        snap_fail(r->log, "a monitor command of %zu bytes", len);
        return;
    }
    uint8_t head[32];
    size_t n = rec_head(r, head, REC_MONITOR, time);
    put_varint(head, &n, len);
    rec_write(r, head, n);
    rec_write(r, (const uint8_t *)cmd, len);
}

const char *record_monitor_next(const struct record *r, uint64_t *time)
{
    if (!r || r->mode != RECORD_REPLAY || r->next_mon >= r->nmons)
        return NULL;
    *time = r->mons[r->next_mon].time;
    return r->mons[r->next_mon].cmd;
}

void record_monitor_done(struct record *r)
{
    if (r && r->next_mon < r->nmons)
        r->next_mon++;
}

bool record_replaying(const struct record *r)
{
    return r && r->mode == RECORD_REPLAY;
}

/* ---- start and finish ---- */

static void record_sections(struct record *r, const struct statehash *sh)
{
    r->nsec = sh->n;
    r->sec = calloc(sh->n ? sh->n : 1, sizeof(*r->sec));
    r->prev = calloc(sh->n ? sh->n : 1, sizeof(*r->prev));
    for (size_t i = 0; r->sec && i < sh->n; i++)
        r->sec[i] = strdup(sh->name[i]);
}

static int log_header(struct record *r, struct snap *s, char **config, struct statehash *sh)
{
    uint64_t config_hash = *config ? hash64(*config, strlen(*config), 0) : 0;
    uint64_t seed = r->m ? r->m->cfg.seed : 0, start = r->m ? r->m->vclock : 0, nsec = sh ? sh->n : 0;
    char *version = (char *)r->version;
    snap_begin(s, "log");
    snap_str(s, "emu_version", snap_loading(s) ? &r->recorded_version : &version);
    snap_str(s, "config", config);
    snap_u64(s, "config_hash", &config_hash);
    snap_u64(s, "seed", &seed);
    snap_bool(s, "interactive", &r->interactive);
    snap_u64(s, "hash_interval", &r->interval);
    snap_u64(s, "start", &start);
    snap_u64(s, "sections", &nsec);
    if (snap_loading(s) && snap_status(s) == 0) {
        if (config_hash != hash64(*config, strlen(*config), 0))
            return snap_fail(s, "the configuration does not match its hash");
        if (nsec > 1u << 20)
            return snap_fail(s, "%" PRIu64 " state-hash sections", nsec);
        r->nsec = nsec;
        r->sec = calloc(nsec ? nsec : 1, sizeof(*r->sec));
        r->prev = calloc(nsec ? nsec : 1, sizeof(*r->prev));
        if (!r->sec || !r->prev)
            return snap_fail(s, "out of memory");
        r->recorded_start = start;
    }
    for (size_t i = 0; i < r->nsec && snap_status(s) == 0; i++)
        snap_str(s, snap_key(s, "section%zu", i), &r->sec[i]);
    return snap_end(s);
}

static int open_hash_out(struct record *r, const char *path, struct emu_err *err)
{
    if (!path)
        return 0;
    if (!strcmp(path, "-")) {
        r->hash_out = stdout;
        return 0;
    }
    r->hash_out = fopen(path, "w");
    if (!r->hash_out)
        return emu_errf(err, "--state-hash %s: cannot create it", path);
    r->hash_out_owned = true;
    return 0;
}

static int start_write(struct record *r, const struct record_config *rc, struct statehash *sh, struct emu_err *err)
{
    char *config = record_config_text(r->m, rc->restore_path, err);
    if (!config)
        return -1;
    r->interactive = chardev_is_interactive(r->m->console);
    r->log = snap_create(rc->path, SNAP_KIND_LOG, 9, err);
    if (!r->log) {
        free(config);
        return -1;
    }
    record_sections(r, sh);
    if (!r->sec || !r->prev) {
        free(config);
        return emu_errf(err, "out of memory");
    }
    log_header(r, r->log, &config, sh);
    free(config);
    write_hash(r, r->m->vclock, sh);
    if (snap_status(r->log) < 0)
        return emu_errf(err, "%s: %s", rc->path, snap_error(r->log));
    r->console = r->m->console;
    if (r->console)
        chardev_set_tap(r->console, record_tap, r);
    return 0;
}

/* Refuses a log made on another configuration, naming the first difference. */
static int check_config(struct record *r, const char *recorded, const char *restore_path, struct emu_err *err)
{
    char *here = record_config_text(r->m, restore_path, err);
    char la[160], lb[160];
    if (!here)
        return -1;
    bool differ = snapshot_config_diff(recorded, here, la, lb, sizeof(la));
    free(here);
    if (differ)
        return emu_errf(err, "%s was recorded on another machine or with other inputs: %s there, %s here", r->path,
                        la, lb);
    return 0;
}

/* Reads and checks the whole log; the console takes its input from it
 * from now on, and reports the recorded kind (terminal or script) so the
 * devices the board creates next behave as they did in the recording. */
static int open_replay(struct record *r, const struct record_config *rc, struct chardev *console,
                       struct emu_err *err)
{
    struct snap *s = snap_open(rc->path, SNAP_KIND_LOG, err);
    if (!s)
        return -1;
    log_header(r, s, &r->recorded_config, NULL);
    if (snap_status(s) == 0)
        read_records(r, s);
    if (snap_close(s, err) < 0)
        return -1;
    if (console)
        chardev_set_source(console, replay_source, r, r->interactive);
    r->console = console;
    return 0;
}

static int start_replay(struct record *r, const struct record_config *rc, struct statehash *sh, struct emu_err *err)
{
    if (r->recorded_start != r->m->vclock)
        return emu_errf(err, "%s was recorded from cycle %" PRIu64 ", this run starts at cycle %" PRIu64 "%s", r->path,
                        r->recorded_start, r->m->vclock,
                        r->recorded_start ? " (the recording began from a snapshot: give its --restore)" : "");
    if (check_config(r, r->recorded_config, rc->restore_path, err) < 0)
        return -1;
    if (sh->n != r->nsec)
        return emu_errf(err, "%s holds %zu state-hash sections, this machine has %zu", rc->path, r->nsec, sh->n);
    for (size_t i = 0; i < r->nsec; i++) {
        if (strcmp(sh->name[i], r->sec[i]))
            return emu_errf(err, "%s: state-hash section %zu is %s there, %s here", rc->path, i, r->sec[i],
                            sh->name[i]);
    }
    const struct rec *first = &r->recs[0];
    if (first->time != r->m->vclock)
        return emu_errf(err, "%s: its first state hash is at cycle %" PRIu64 ", its start at cycle %" PRIu64,
                        rc->path, first->time, r->m->vclock);
    if (memcmp(r->hashvals + first->hashes, sh->value, r->nsec * sizeof(uint64_t))) {
        char list[160];
        differing_sections(r, sh, r->hashvals + first->hashes, list, sizeof(list));
        return emu_errf(err, "%s: the machine does not start in the recorded state: %s differ", rc->path, list);
    }
    r->matched_at = r->m->vclock;
    r->next = 1;
    return 0;
}

struct record *record_open(const struct record_config *rc, struct chardev *console, struct emu_err *err)
{
    struct record *r = calloc(1, sizeof(*r));
    if (!r) {
        emu_errf(err, "out of memory");
        return NULL;
    }
    r->cfg = *rc;
    r->mode = rc->mode;
    r->version = rc->version ? rc->version : "";
    r->interval = rc->hash_interval;
    r->path = strdup(rc->path ? rc->path : "");
    if (!r->path) {
        emu_errf(err, "out of memory");
        record_free(r);
        return NULL;
    }
    if (r->mode == RECORD_REPLAY && open_replay(r, rc, console, err) < 0) {
        record_free(r);
        return NULL;
    }
    return r;
}

int record_start(struct record *r, struct machine *m, struct emu_err *err)
{
    const struct record_config *rc = &r->cfg;
    r->m = m;
    struct statehash sh;
    if (open_hash_out(r, rc->hash_path, err) < 0 || statehash_compute(m, &sh, err) < 0)
        return -1;
    if (sh.skipped[0]) {
        bool once = false;
        emu_warn_once(&once, "state hashes leave out %s: %s", sh.skipped, "it cannot be saved yet");
    }
    int rc2 = 0;
    if (r->mode == RECORD_WRITE)
        rc2 = start_write(r, rc, &sh, err);
    else if (r->mode == RECORD_REPLAY)
        rc2 = start_replay(r, rc, &sh, err);
    if (rc2 == 0)
        hash_line(r, "", m->vclock, &sh);
    statehash_free(&sh);
    if (rc2 < 0)
        return -1;
    /* The interval hashes come first at a boundary, then the recorded end. */
    uint64_t first = next_interval(r, m->vclock);
    if (first != UINT64_MAX && (r->mode != RECORD_OFF || r->hash_out) &&
        machine_add_observer(m, first, observe_hash, r) < 0)
        return emu_errf(err, "too many observers of the run");
    if (r->mode == RECORD_REPLAY && machine_add_observer(m, r->recs[r->nrecs - 1].time, observe_end, r) < 0)
        return emu_errf(err, "too many observers of the run");
    return 0;
}

/* Replay: the records left must be the final hash and the end, as this run ended. */
static void finish_replay(struct record *r, const struct statehash *sh)
{
    struct machine *m = r->m;
    const struct rec *hash = expect_hash(r, m->vclock);
    if (!hash)
        return;
    if (memcmp(r->hashvals + hash->hashes, sh->value, r->nsec * sizeof(uint64_t))) {
        diverge_hash(r, m->vclock, sh, r->hashvals + hash->hashes);
        return;
    }
    r->matched_at = m->vclock;
    const struct rec *end = r->next < r->nrecs ? &r->recs[r->next] : NULL;
    if (!end || end->type != REC_END || end->time != m->vclock || end->stop != (uint8_t)m->stop ||
        end->exit_code != m->exit_code)
        diverge(r, "the recorded run ended at cycle %" PRIu64 " (stop %u, exit code %" PRId64 "), the replay at "
                   "cycle %" PRIu64 " (stop %u, exit code %d)",
                end ? end->time : 0, end ? end->stop : 0, end ? end->exit_code : 0, m->vclock, (unsigned)m->stop,
                m->exit_code);
}

int record_finish(struct record *r, struct emu_err *err)
{
    struct machine *m = r->m;
    if (r->diverged)
        return emu_errf(err, "%s", r->why.msg);
    struct statehash sh;
    if (statehash_compute(m, &sh, err) < 0)
        return -1;
    hash_line(r, "final ", m->vclock, &sh);
    int rc = 0;
    if (r->mode == RECORD_WRITE) {
        write_hash(r, m->vclock, &sh);
        uint8_t buf[32];
        size_t n = rec_head(r, buf, REC_END, m->vclock);
        buf[n++] = (uint8_t)m->stop;
        put_varint(buf, &n, zigzag(m->exit_code));
        rec_write(r, buf, n);
        struct snap *log = r->log;
        r->log = NULL;
        rc = snap_close(log, err);
    } else if (r->mode == RECORD_REPLAY) {
        finish_replay(r, &sh);
        if (!r->diverged && r->next_mon < r->nmons)
            diverge(r, "the monitor command '%.60s' recorded at cycle %" PRIu64 " was not applied",
                    r->mons[r->next_mon].cmd, r->mons[r->next_mon].time);
        if (r->diverged)
            rc = emu_errf(err, "%s", r->why.msg);
    }
    statehash_free(&sh);
    if (r->hash_out_owned && r->hash_out && fclose(r->hash_out) != 0 && rc == 0)
        rc = emu_errf(err, "--state-hash: write error");
    r->hash_out = NULL;
    return rc;
}

void record_free(struct record *r)
{
    if (!r)
        return;
    if (r->console) {
        chardev_set_tap(r->console, NULL, NULL);
        if (r->mode == RECORD_REPLAY)
            chardev_set_source(r->console, NULL, NULL, chardev_is_interactive(r->console));
    }
    snap_free(r->log);
    if (r->hash_out_owned && r->hash_out)
        fclose(r->hash_out);
    for (size_t i = 0; r->sec && i < r->nsec; i++)
        free(r->sec[i]);
    free(r->sec);
    free(r->prev);
    free(r->recs);
    free(r->hashvals);
    for (size_t i = 0; i < r->nmons; i++)
        free(r->mons[i].cmd);
    free(r->mons);
    free(r->recorded_version);
    free(r->recorded_config);
    free(r->path);
    free(r);
}
