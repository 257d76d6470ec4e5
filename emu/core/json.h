/*
 * A tiny streaming JSON writer (RFC 8259) for statistics and reports.
 *
 * The output is a pure function of the calls made: two-space indentation,
 * one member or element per line, integers in decimal, doubles with a
 * fixed four decimals (never exponent notation, so the text does not
 * depend on how a libc rounds %g), non-finite doubles as null.
 *
 *   struct json j;
 *   json_init(&j, f);
 *   json_begin_object(&j);
 *   json_key(&j, "insns"); json_u64(&j, 42);
 *   json_kv_str(&j, "board", "riscv-virt");
 *   json_end_object(&j);
 *   if (json_finish(&j) < 0) ...      write error or unbalanced nesting
 */
#ifndef EMU_CORE_JSON_H
#define EMU_CORE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
    FILE *f;
    unsigned depth;
    bool has_items[JSON_MAX_DEPTH];   /* per open container: emitted a member yet? */
    bool is_object[JSON_MAX_DEPTH];
    bool after_key;                   /* a key was written; the value follows on the same line */
    bool failed;                      /* misuse (bad nesting, value without key) */
};

void json_init(struct json *j, FILE *f);

void json_begin_object(struct json *j);
void json_end_object(struct json *j);
void json_begin_array(struct json *j);
void json_end_array(struct json *j);

/* Inside an object, every value is preceded by exactly one key. */
void json_key(struct json *j, const char *key);

void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
void json_double(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* NULL is written as null. */
void json_string(struct json *j, const char *s);

/* key + value in one call. */
void json_kv_u64(struct json *j, const char *key, uint64_t v);
void json_kv_i64(struct json *j, const char *key, int64_t v);
void json_kv_double(struct json *j, const char *key, double v);
void json_kv_bool(struct json *j, const char *key, bool v);
void json_kv_str(struct json *j, const char *key, const char *s);

/* Ends the document with a newline. Returns 0, or -1 when the nesting
 * was wrong or the stream reported an error. */
int json_finish(struct json *j);

#endif
