/*
 * Device option strings: "NAME,key=value,...", with ",," for a literal
 * comma inside a value, as QEMU's -device and -drive spell them.
 */
#include "core/devopts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/options.h"

/* Cuts the next item at a single comma, folding ",," into ","; returns the
 * start of the following item, or NULL at the end. */
static char *devopts_cut(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == ',') {
            if (r[1] != ',') {
                *w = '\0';
                return r + 1;
            }
            r++;
        }
        *w++ = *r;
    }
    *w = '\0';
    return NULL;
}

int devopts_parse(struct devopts *o, const char *spec, struct emu_err *err)
{
    memset(o, 0, sizeof(*o));
    o->buf = strdup(spec ? spec : "");
    if (!o->buf)
        return emu_errf(err, "out of memory");
    char *item = o->buf;
    char *next = devopts_cut(item);
    if (!*item || strchr(item, '='))
        return emu_errf(err, "'%s': a device option list starts with the device name", spec);
    o->name = item;
    while (next) {
        item = next;
        next = devopts_cut(item);
        if (!*item)
            return emu_errf(err, "%s: empty option in '%s'", o->name, spec);
        if (o->n == DEVOPTS_MAX)
            return emu_errf(err, "%s: more than %d options", o->name, DEVOPTS_MAX);
        char *eq = strchr(item, '=');
        if (eq == item)
            return emu_errf(err, "%s: option '%s' has no name", o->name, item);
        if (eq)
            *eq = '\0';
        o->kv[o->n].key = item;
        o->kv[o->n].val = eq ? eq + 1 : "";
        o->n++;
    }
    return 0;
}

void devopts_free(struct devopts *o)
{
    free(o->buf);
    memset(o, 0, sizeof(*o));
}

int devopts_set(struct devopts *o, const char *key, const char *val, struct emu_err *err)
{
    for (unsigned i = 0; i < o->n; i++) {
        if (!strcmp(o->kv[i].key, key)) {
            o->kv[i].val = val;
            return 0;
        }
    }
    if (o->n == DEVOPTS_MAX)
        return emu_errf(err, "%s: more than %d options", o->name, DEVOPTS_MAX);
    o->kv[o->n].key = key;
    o->kv[o->n].val = val;
    o->n++;
    return 0;
}

void devopts_remove(struct devopts *o, const char *key)
{
    for (unsigned i = 0; i < o->n; i++) {
        if (!strcmp(o->kv[i].key, key)) {
            memmove(&o->kv[i], &o->kv[i + 1], (o->n - i - 1) * sizeof(o->kv[0]));
            o->n--;
            return;
        }
    }
}

int devopts_check_keys(const struct devopts *o, const char *const *keys, struct emu_err *err)
{
    for (unsigned i = 0; i < o->n; i++) {
        const char *k = o->kv[i].key;
        bool known = false;
        for (const char *const *p = keys; *p && !known; p++)
            known = !strcmp(*p, k);
        if (!known)
            return emu_errf(err, "%s: unknown option '%s' (see -device help)", o->name, k);
        for (unsigned j = 0; j < i; j++) {
            if (!strcmp(o->kv[j].key, k))
                return emu_errf(err, "%s: option '%s' given twice", o->name, k);
        }
    }
    return 0;
}

const char *devopts_get(const struct devopts *o, const char *key)
{
    for (unsigned i = 0; i < o->n; i++) {
        if (!strcmp(o->kv[i].key, key))
            return o->kv[i].val;
    }
    return NULL;
}

int devopts_bool(const struct devopts *o, const char *key, bool dflt, bool *out, struct emu_err *err)
{
    static const char *const yes[] = { "", "on", "yes", "true", "1" };
    static const char *const no[] = { "off", "no", "false", "0" };
    const char *v = devopts_get(o, key);
    *out = dflt;
    if (!v)
        return 0;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (!strcmp(v, yes[i])) {
            *out = true;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        if (!strcmp(v, no[i])) {
            *out = false;
            return 0;
        }
    }
    return emu_errf(err, "%s: %s=%s: expected on or off", o->name, key, v);
}

int devopts_u64(const struct devopts *o, const char *key, uint64_t dflt, uint64_t *out, struct emu_err *err)
{
    const char *v = devopts_get(o, key);
    *out = dflt;
    if (!v)
        return 0;
    int base = (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) ? 16 : 10;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, base);
    if (!*v || *v == '-' || *v == '+' || *v == ' ' || errno || *end)
        return emu_errf(err, "%s: %s=%s: expected a number", o->name, key, v);
    *out = n;
    return 0;
}

int devopts_size(const struct devopts *o, const char *key, uint64_t dflt, uint64_t *out, struct emu_err *err)
{
    const char *v = devopts_get(o, key);
    *out = dflt;
    if (!v)
        return 0;
    if (options_parse_size(v, out) < 0)
        return emu_errf(err, "%s: %s=%s: expected a size such as 64M", o->name, key, v);
    return 0;
}
