/*
 * The timing model file format (docs/timing.md): one statement per line,
 * `#` starts a comment, words separated by blanks.
 *
 *   name u74
 *   frequency 1.2GHz
 *   latency default 1
 *   cache l1d size 32K ways 8 line 64 hit 3 miss 2
 *   branch gshare entries 4096 history 12 btb 32 penalty 4
 *
 * Every error names the source and line: "u74.model:7: unknown cache
 * level 'l4' (l1i, l1d, l2, l3)". The statement table and the key tables
 * below are the whole grammar.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "timing/model.h"

#define PARSE_MAX_WORDS 24
#define PARSE_MAX_LATENCY 100000u

/* Names of the op classes as the stats file spells them (docs/stats.md). */
static const char *const class_names[OPC_COUNT] = {
    [OPC_INT_ALU] = "int_alu", [OPC_INT_MUL] = "int_mul", [OPC_INT_DIV] = "int_div",
    [OPC_LOAD] = "load",       [OPC_STORE] = "store",     [OPC_BRANCH] = "branch",
    [OPC_JUMP] = "jump",       [OPC_FP_ADD] = "fp_add",   [OPC_FP_MUL] = "fp_mul",
    [OPC_FP_DIV] = "fp_div",   [OPC_FP_SQRT] = "fp_sqrt", [OPC_FP_MISC] = "fp_misc",
    [OPC_CSR] = "csr",         [OPC_SYSTEM] = "system",   [OPC_FENCE] = "fence",
    [OPC_ATOMIC] = "atomic",
};

struct parse {
    const char *source;
    unsigned line;
    struct emu_err *err;
    struct timing_model *tm;
    char *word[PARSE_MAX_WORDS];
    unsigned nwords;
    /* What has been given, for duplicates and required statements. */
    bool have_name, have_freq, have_width, have_dram, have_walk, have_branch;
    bool have_class[OPC_COUNT];
    bool have_default;
    uint32_t default_latency;
};

/* An error at the current line: "SOURCE:LINE: message" (fmt takes up to
 * two strings). */
static int perr(struct parse *p, const char *fmt, const char *a, const char *b)
{
    char msg[224];
    snprintf(msg, sizeof(msg), fmt, a ? a : "", b ? b : "");
    return emu_errf(p->err, "%s:%u: %s", p->source, p->line, msg);
}

/* An error about the model as a whole: "SOURCE: message". */
static int perr_model(struct parse *p, const char *fmt, const char *a)
{
    char msg[224];
    snprintf(msg, sizeof(msg), fmt, a ? a : "");
    return emu_errf(p->err, "%s: %s", p->source, msg);
}

/* Unsigned decimal; false on anything else or overflow past max. */
static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s))
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > max / 10 || d > max - v * 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* A number with an optional fraction and a unit from units[] (scales in
 * scale[]); the result must be a whole number. "1.2GHz" -> 1200000000. */
static bool parse_scaled(const char *s, const char *const *units, const uint64_t *scale, uint64_t max,
                         uint64_t *out)
{
    uint64_t ip = 0, frac = 0, frac_div = 1;
    const char *c = s;
    if (!isdigit((unsigned char)*c))
        return false;
    for (; isdigit((unsigned char)*c); c++) {
        if (ip > (max - 9) / 10)
            return false;
        ip = ip * 10 + (uint64_t)(*c - '0');
    }
    if (*c == '.') {
        c++;
        if (!isdigit((unsigned char)*c))
            return false;
        for (; isdigit((unsigned char)*c); c++) {
            if (frac_div >= 1000000000ull)
                return false;
            frac = frac * 10 + (uint64_t)(*c - '0');
            frac_div *= 10;
        }
    }
    for (unsigned i = 0; units[i]; i++) {
        if (strcasecmp(c, units[i]) != 0)
            continue;
        uint64_t k = scale[i];
        if (ip > max / k || (frac * k) % frac_div != 0)
            return false;
        uint64_t v = ip * k + frac * k / frac_div;
        if (v > max)
            return false;
        *out = v;
        return true;
    }
    return false;
}

static bool parse_size(const char *s, uint64_t *out)
{
    static const char *const units[] = { "", "K", "KiB", "M", "MiB", "G", "GiB", NULL };
    static const uint64_t scale[] = { 1, 1ull << 10, 1ull << 10, 1ull << 20, 1ull << 20, 1ull << 30, 1ull << 30 };
    return parse_scaled(s, units, scale, 1ull << 30, out);
}

static bool parse_hz(const char *s, uint64_t *out)
{
    static const char *const units[] = { "", "Hz", "kHz", "MHz", "GHz", NULL };
    static const uint64_t scale[] = { 1, 1, 1000, 1000000, 1000000000 };
    return parse_scaled(s, units, scale, 100000000000ull, out);
}

static bool is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

/* ---- key/value objects: "cache l1d size 32K ways 8 ..." ---- */

enum key_kind { KEY_COUNT, KEY_SIZE, KEY_LATENCY };

struct key_def {
    const char *key;
    enum key_kind kind;
    size_t off;             /* uint32_t field in the object's struct */
    bool required;
};

/* Reads word[first..] as key value pairs into obj; every required key must
 * appear, no key twice. */
static int parse_keys(struct parse *p, unsigned first, const struct key_def *keys, unsigned nkeys, void *obj,
                      bool *given)
{
    for (unsigned i = 0; i < nkeys; i++)
        given[i] = false;
    if ((p->nwords - first) % 2)
        return perr(p, "'%s' has no value", p->word[p->nwords - 1], NULL);
    for (unsigned w = first; w < p->nwords; w += 2) {
        const char *k = p->word[w], *v = p->word[w + 1];
        unsigned i;
        for (i = 0; i < nkeys && strcmp(keys[i].key, k); i++)
            ;
        if (i == nkeys)
            return perr(p, "unknown key '%s' in '%s'", k, p->word[0]);
        if (given[i])
            return perr(p, "key '%s' given twice", k, NULL);
        given[i] = true;
        uint64_t n;
        bool ok = keys[i].kind == KEY_SIZE ? parse_size(v, &n)
                  : parse_uint(v, keys[i].kind == KEY_LATENCY ? PARSE_MAX_LATENCY : (1u << 30), &n);
        if (!ok)
            return perr(p, keys[i].kind == KEY_SIZE ? "bad size '%s' for '%s' (e.g. 32K, 2M)"
                                                    : "bad number '%s' for '%s'", v, k);
        *(uint32_t *)((char *)obj + keys[i].off) = (uint32_t)n;
    }
    for (unsigned i = 0; i < nkeys; i++) {
        if (keys[i].required && !given[i])
            return perr(p, "'%s' needs '%s'", p->word[0], keys[i].key);
    }
    return 0;
}

/* ---- statements ---- */

static int st_name(struct parse *p)
{
    if (p->nwords != 2)
        return perr(p, "usage: name NAME", NULL, NULL);
    const char *n = p->word[1];
    if (strlen(n) >= TIMING_NAME_MAX)
        return perr(p, "name '%s' is too long", n, NULL);
    for (const char *c = n; *c; c++) {
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
            return perr(p, "name '%s' may hold only letters, digits, '-', '_' and '.'", n, NULL);
    }
    if (p->have_name)
        return perr(p, "name given twice", NULL, NULL);
    p->have_name = true;
    snprintf(p->tm->name, sizeof(p->tm->name), "%s", n);
    return 0;
}

static int st_frequency(struct parse *p)
{
    uint64_t hz;
    if (p->nwords != 2)
        return perr(p, "usage: frequency HZ (e.g. 1GHz, 1.2GHz, 800MHz)", NULL, NULL);
    if (!parse_hz(p->word[1], &hz) || hz < 1000000)
        return perr(p, "bad frequency '%s' (a whole number of Hz, at least 1MHz, e.g. 1.2GHz)", p->word[1], NULL);
    if (p->have_freq)
        return perr(p, "frequency given twice", NULL, NULL);
    p->have_freq = true;
    p->tm->core_hz = hz;
    return 0;
}

static int st_issue_width(struct parse *p)
{
    uint64_t n;
    if (p->nwords != 2 || !parse_uint(p->word[1], 8, &n) || n == 0)
        return perr(p, "usage: issue_width N (1 to 8)", NULL, NULL);
    if (p->have_width)
        return perr(p, "issue_width given twice", NULL, NULL);
    p->have_width = true;
    p->tm->issue_width = (uint32_t)n;
    return 0;
}

static int st_latency(struct parse *p)
{
    uint64_t n;
    if (p->nwords != 3)
        return perr(p, "usage: latency CLASS CYCLES (CLASS: default or an op class)", NULL, NULL);
    if (!parse_uint(p->word[2], PARSE_MAX_LATENCY, &n))
        return perr(p, "bad latency '%s'", p->word[2], NULL);
    if (!strcmp(p->word[1], "default")) {
        if (p->have_default)
            return perr(p, "latency default given twice", NULL, NULL);
        p->have_default = true;
        p->default_latency = (uint32_t)n;
        return 0;
    }
    for (unsigned c = 0; c < OPC_COUNT; c++) {
        if (strcmp(class_names[c], p->word[1]))
            continue;
        if (p->have_class[c])
            return perr(p, "latency of '%s' given twice", p->word[1], NULL);
        p->have_class[c] = true;
        p->tm->class_cycles[c] = (uint32_t)n;
        return 0;
    }
    return perr(p, "unknown op class '%s' (int_alu, int_mul, int_div, load, store, branch, jump, fp_add, "
                   "fp_mul, fp_div, fp_sqrt, fp_misc, csr, system, fence, atomic, or default)", p->word[1], NULL);
}

static const struct key_def cache_keys[] = {
    { "size", KEY_SIZE, offsetof(struct timing_cache_cfg, size), true },
    { "ways", KEY_COUNT, offsetof(struct timing_cache_cfg, ways), true },
    { "line", KEY_COUNT, offsetof(struct timing_cache_cfg, line), true },
    { "hit", KEY_LATENCY, offsetof(struct timing_cache_cfg, hit), true },
    { "miss", KEY_LATENCY, offsetof(struct timing_cache_cfg, miss), true },
};
#define NCACHE_KEYS (sizeof(cache_keys) / sizeof(cache_keys[0]))

static int st_cache(struct parse *p)
{
    static const char *const levels[] = { "l1i", "l1d", "l2", "l3" };
    struct timing_cache_cfg *cfgs[] = { &p->tm->l1i, &p->tm->l1d, &p->tm->l2, &p->tm->l3 };
    if (p->nwords < 2)
        return perr(p, "usage: cache LEVEL size BYTES ways N line BYTES hit CYCLES miss CYCLES", NULL, NULL);
    unsigned l;
    for (l = 0; l < 4 && strcmp(levels[l], p->word[1]); l++)
        ;
    if (l == 4)
        return perr(p, "unknown cache level '%s' (l1i, l1d, l2, l3)", p->word[1], NULL);
    struct timing_cache_cfg *c = cfgs[l];
    if (c->present)
        return perr(p, "cache %s given twice", p->word[1], NULL);
    bool given[NCACHE_KEYS];
    if (parse_keys(p, 2, cache_keys, NCACHE_KEYS, c, given) < 0)
        return -1;
    if (!is_pow2(c->line) || c->line < 8 || c->line > 4096)
        return perr(p, "cache %s: line must be a power of two from 8 to 4096", p->word[1], NULL);
    if (c->ways == 0 || c->ways > 64)
        return perr(p, "cache %s: ways must be 1 to 64", p->word[1], NULL);
    uint64_t way_bytes = (uint64_t)c->ways * c->line;
    if (c->size % way_bytes || !is_pow2(c->size / way_bytes))
        return perr(p, "cache %s: size / (ways * line) must be a power of two (the number of sets)",
                    p->word[1], NULL);
    c->present = true;
    return 0;
}

static const struct key_def tlb_keys[] = {
    { "entries", KEY_COUNT, offsetof(struct timing_tlb_cfg, entries), true },
    { "ways", KEY_COUNT, offsetof(struct timing_tlb_cfg, ways), false },
    { "hit", KEY_LATENCY, offsetof(struct timing_tlb_cfg, hit), false },
};
#define NTLB_KEYS (sizeof(tlb_keys) / sizeof(tlb_keys[0]))

static int st_tlb(struct parse *p)
{
    static const char *const levels[] = { "itlb", "dtlb", "l2tlb" };
    struct timing_tlb_cfg *cfgs[] = { &p->tm->itlb, &p->tm->dtlb, &p->tm->l2tlb };
    if (p->nwords < 2)
        return perr(p, "usage: tlb LEVEL entries N [ways N] [hit CYCLES]", NULL, NULL);
    unsigned l;
    for (l = 0; l < 3 && strcmp(levels[l], p->word[1]); l++)
        ;
    if (l == 3)
        return perr(p, "unknown TLB '%s' (itlb, dtlb, l2tlb)", p->word[1], NULL);
    struct timing_tlb_cfg *t = cfgs[l];
    if (t->present)
        return perr(p, "tlb %s given twice", p->word[1], NULL);
    bool given[NTLB_KEYS];
    if (parse_keys(p, 2, tlb_keys, NTLB_KEYS, t, given) < 0)
        return -1;
    if (!given[1])
        t->ways = t->entries;
    if (t->entries == 0 || t->entries > 65536 || t->ways == 0 || t->entries % t->ways ||
        !is_pow2(t->entries / t->ways))
        return perr(p, "tlb %s: entries (1 to 65536) / ways must be a power of two (the number of sets)",
                    p->word[1], NULL);
    if (l == 2 && !given[2])
        return perr(p, "tlb l2tlb needs 'hit' (the cycles of a second-level hit)", NULL, NULL);
    if (l != 2 && given[2])
        return perr(p, "tlb %s: 'hit' is for l2tlb only (first-level hits cost nothing)", p->word[1], NULL);
    t->present = true;
    return 0;
}

/* "dram latency N" and "walk latency N". */
static int st_latency_of(struct parse *p, const char *what, bool *have, uint32_t *field)
{
    uint64_t n;
    if (p->nwords != 3 || strcmp(p->word[1], "latency"))
        return perr(p, "usage: %s latency CYCLES", what, NULL);
    if (!parse_uint(p->word[2], PARSE_MAX_LATENCY, &n))
        return perr(p, "bad latency '%s'", p->word[2], NULL);
    if (*have)
        return perr(p, "%s given twice", what, NULL);
    *have = true;
    *field = (uint32_t)n;
    return 0;
}

static int st_dram(struct parse *p)
{
    return st_latency_of(p, "dram", &p->have_dram, &p->tm->dram);
}

static int st_walk(struct parse *p)
{
    return st_latency_of(p, "walk", &p->have_walk, &p->tm->walk);
}

struct branch_cfg {
    uint32_t entries, history, btb, penalty;
};

static const struct key_def branch_keys[] = {
    { "entries", KEY_COUNT, offsetof(struct branch_cfg, entries), true },
    { "history", KEY_COUNT, offsetof(struct branch_cfg, history), false },
    { "btb", KEY_COUNT, offsetof(struct branch_cfg, btb), true },
    { "penalty", KEY_LATENCY, offsetof(struct branch_cfg, penalty), true },
};
#define NBRANCH_KEYS (sizeof(branch_keys) / sizeof(branch_keys[0]))

static int st_branch(struct parse *p)
{
    if (p->nwords < 2)
        return perr(p, "usage: branch bimodal|gshare entries N [history BITS] btb N penalty CYCLES", NULL, NULL);
    enum timing_bpred_kind kind;
    if (!strcmp(p->word[1], "bimodal"))
        kind = TIMING_BPRED_BIMODAL;
    else if (!strcmp(p->word[1], "gshare"))
        kind = TIMING_BPRED_GSHARE;
    else
        return perr(p, "unknown branch predictor '%s' (bimodal, gshare)", p->word[1], NULL);
    if (p->have_branch)
        return perr(p, "branch given twice", NULL, NULL);
    struct branch_cfg b = { 0, 0, 0, 0 };
    bool given[NBRANCH_KEYS];
    if (parse_keys(p, 2, branch_keys, NBRANCH_KEYS, &b, given) < 0)
        return -1;
    if (!is_pow2(b.entries) || b.entries > (1u << 24))
        return perr(p, "branch: entries must be a power of two up to 16M", NULL, NULL);
    if (!is_pow2(b.btb) || b.btb > (1u << 20))
        return perr(p, "branch: btb must be a power of two up to 1M", NULL, NULL);
    if (kind == TIMING_BPRED_GSHARE && (!given[1] || b.history == 0 || b.history > 30))
        return perr(p, "branch gshare needs 'history' from 1 to 30 (bits of global history)", NULL, NULL);
    if (kind == TIMING_BPRED_BIMODAL && given[1])
        return perr(p, "branch bimodal keeps no history: drop 'history'", NULL, NULL);
    p->have_branch = true;
    p->tm->bpred = kind;
    p->tm->bpred_entries = b.entries;
    p->tm->bpred_history = b.history;
    p->tm->btb_entries = b.btb;
    p->tm->mispredict = b.penalty;
    return 0;
}

static const struct {
    const char *keyword;
    int (*fn)(struct parse *);
} statements[] = {
    { "name", st_name },       { "frequency", st_frequency }, { "issue_width", st_issue_width },
    { "latency", st_latency }, { "cache", st_cache },         { "dram", st_dram },
    { "tlb", st_tlb },         { "walk", st_walk },           { "branch", st_branch },
};

/* Splits line (modified in place) into p->word[]; drops the comment. */
static int split_words(struct parse *p, char *line)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = 0;
    p->nwords = 0;
    for (char *c = line;;) {
        while (*c == ' ' || *c == '\t' || *c == '\r')
            *c++ = 0;
        if (!*c)
            return 0;
        if (!isprint((unsigned char)*c))
            return perr(p, "unexpected control character", NULL, NULL);
        if (p->nwords == PARSE_MAX_WORDS)
            return perr(p, "too many words", NULL, NULL);
        p->word[p->nwords++] = c;
        while (*c && *c != ' ' && *c != '\t' && *c != '\r')
            c++;
    }
}

/* Whole-model rules, checked once every line has been read. */
static int check_model(struct parse *p)
{
    struct timing_model *tm = p->tm;
    if (!p->have_name)
        return perr_model(p, "no 'name' line", NULL);
    if (!p->have_freq)
        return perr_model(p, "no 'frequency' line", NULL);
    for (unsigned c = 0; c < OPC_COUNT; c++) {
        if (p->have_class[c])
            continue;
        if (!p->have_default)
            return perr_model(p, "no latency for op class '%s' (give it, or 'latency default N')", class_names[c]);
        tm->class_cycles[c] = p->default_latency;
    }
    if (!p->have_width)
        tm->issue_width = 1;
    bool any_cache = tm->l1i.present || tm->l1d.present;
    if ((tm->l2.present || tm->l3.present) && !(tm->l1i.present && tm->l1d.present))
        return perr_model(p, "cache l2 and l3 need both l1i and l1d", NULL);
    if (tm->l3.present && !tm->l2.present)
        return perr_model(p, "cache l3 needs l2", NULL);
    if (any_cache && !p->have_dram)
        return perr_model(p, "caches need 'dram latency N' (the cost of a miss in the last level)", NULL);
    if (!any_cache && p->have_dram)
        return perr_model(p, "'dram' without caches: give cache l1i/l1d too", NULL);
    bool any_tlb = tm->itlb.present || tm->dtlb.present;
    if (tm->itlb.present != tm->dtlb.present)
        return perr_model(p, "tlb itlb and dtlb go together: give both or neither", NULL);
    if (tm->l2tlb.present && !any_tlb)
        return perr_model(p, "tlb l2tlb needs itlb and dtlb", NULL);
    if (any_tlb && !p->have_walk)
        return perr_model(p, "TLBs need 'walk latency N' (the cost of a page walk besides its PTE reads)", NULL);
    if (!any_tlb && p->have_walk)
        return perr_model(p, "'walk' without TLBs: give tlb itlb/dtlb too", NULL);
    return 0;
}

int timing_model_parse(const char *text, const char *source, struct timing_model *out, struct emu_err *err)
{
    struct parse p;
    memset(&p, 0, sizeof(p));
    memset(out, 0, sizeof(*out));
    p.source = source;
    p.err = err;
    p.tm = out;
    char line[512];
    for (const char *s = text; *s;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        p.line++;
        if (len >= sizeof(line))
            return perr(&p, "line too long", NULL, NULL);
        memcpy(line, s, len);
        line[len] = 0;
        s += len + (nl ? 1 : 0);
        if (split_words(&p, line) < 0)
            return -1;
        if (p.nwords == 0)
            continue;
        unsigned i;
        for (i = 0; i < sizeof(statements) / sizeof(statements[0]); i++) {
            if (!strcmp(statements[i].keyword, p.word[0]))
                break;
        }
        if (i == sizeof(statements) / sizeof(statements[0]))
            return perr(&p, "unknown statement '%s' (name, frequency, issue_width, latency, cache, dram, tlb, "
                            "walk, branch)", p.word[0], NULL);
        if (statements[i].fn(&p) < 0)
            return -1;
    }
    return check_model(&p);
}
