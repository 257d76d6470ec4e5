/*
 * Streaming JSON writer (RFC 8259 §7 for string escaping).
 */
#include "core/json.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void json_init(struct json *j, FILE *f)
{
    memset(j, 0, sizeof(*j));
    j->f = f;
}

static void json_indent(struct json *j)
{
    fputc('\n', j->f);
    for (unsigned i = 0; i < j->depth; i++)
        fputs("  ", j->f);
}

/* Separator and indentation before a value or a key. */
static void json_before_item(struct json *j, bool is_key)
{
    if (j->after_key) {
        if (is_key)
            j->failed = true;
        j->after_key = false;
        return;
    }
    if (j->depth == 0)
        return;
    unsigned d = j->depth - 1;
    if (j->is_object[d] && !is_key)
        j->failed = true;   /* an object member needs a key first */
    if (j->has_items[d])
        fputc(',', j->f);
    j->has_items[d] = true;
    json_indent(j);
}

static void json_begin(struct json *j, bool object)
{
    json_before_item(j, false);
    fputc(object ? '{' : '[', j->f);
    if (j->depth == JSON_MAX_DEPTH) {
        j->failed = true;
        return;
    }
    j->is_object[j->depth] = object;
    j->has_items[j->depth] = false;
    j->depth++;
}

static void json_end(struct json *j, bool object)
{
    if (j->depth == 0 || j->is_object[j->depth - 1] != object || j->after_key) {
        j->failed = true;
        return;
    }
    j->depth--;
    if (j->has_items[j->depth])
        json_indent(j);
    fputc(object ? '}' : ']', j->f);
}

void json_begin_object(struct json *j) { json_begin(j, true); }
void json_end_object(struct json *j) { json_end(j, true); }
void json_begin_array(struct json *j) { json_begin(j, false); }
void json_end_array(struct json *j) { json_end(j, false); }

/* RFC 8259 §7: quote, backslash and control characters must be escaped;
 * other bytes (UTF-8 included) pass through. */
static void json_write_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':  fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

void json_key(struct json *j, const char *key)
{
    if (j->depth == 0 || !j->is_object[j->depth - 1]) {
        j->failed = true;
        return;
    }
    json_before_item(j, true);
    json_write_string(j->f, key ? key : "");
    fputs(": ", j->f);
    j->after_key = true;
}

void json_u64(struct json *j, uint64_t v)
{
    json_before_item(j, false);
    fprintf(j->f, "%" PRIu64, v);
}

void json_i64(struct json *j, int64_t v)
{
    json_before_item(j, false);
    fprintf(j->f, "%" PRId64, v);
}

void json_double(struct json *j, double v)
{
    json_before_item(j, false);
    if (!isfinite(v)) {
        fputs("null", j->f);   /* JSON has no NaN or infinity */
        return;
    }
    if (fabs(v) < 0.00005)
        v = 0;                 /* no "-0.0000" for values that round to zero */
    fprintf(j->f, "%.4f", v);
}

void json_bool(struct json *j, bool v)
{
    json_before_item(j, false);
    fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
    json_before_item(j, false);
    fputs("null", j->f);
}

void json_string(struct json *j, const char *s)
{
    json_before_item(j, false);
    if (s)
        json_write_string(j->f, s);
    else
        fputs("null", j->f);
}

void json_kv_u64(struct json *j, const char *key, uint64_t v) { json_key(j, key); json_u64(j, v); }
void json_kv_i64(struct json *j, const char *key, int64_t v) { json_key(j, key); json_i64(j, v); }
void json_kv_double(struct json *j, const char *key, double v) { json_key(j, key); json_double(j, v); }
void json_kv_bool(struct json *j, const char *key, bool v) { json_key(j, key); json_bool(j, v); }
void json_kv_str(struct json *j, const char *key, const char *s) { json_key(j, key); json_string(j, s); }

int json_finish(struct json *j)
{
    fputc('\n', j->f);
    if (j->failed || j->depth != 0 || j->after_key || ferror(j->f))
        return -1;
    return 0;
}
