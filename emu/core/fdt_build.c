/*
 * Checked device-tree building over libfdt's sequential-write functions
 * (Devicetree Specification v0.4 §5: the flattened format).
 *
 * Each libfdt call goes through FDT_BUILD_CALL: skipped once an error is
 * recorded, retried after doubling the buffer when libfdt runs out of
 * space, and its first failure kept with the call's name.
 */
#include "core/fdt_build.h"

#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FDT_BUILD_MAX_SIZE (16u << 20)
#define FDT_BUILD_MAX_CELLS 64

static void fdt_build_fail(struct fdt_build *fb, int rc, const char *call, const char *name)
{
    if (fb->err)
        return;
    fb->err = rc < 0 ? rc : -FDT_ERR_INTERNAL;
    /* Names are cut to fit: the message only has to say where. */
    snprintf(fb->where, sizeof(fb->where), "%.40s(%.48s)", call, name ? name : "");
}

/* Doubles the buffer (fdt_resize moves the strings block). */
static int fdt_build_grow(struct fdt_build *fb)
{
    size_t size = fb->size * 2;
    if (size > FDT_BUILD_MAX_SIZE)
        return -1;
    void *buf = calloc(1, size);
    if (!buf)
        return -1;
    if (fdt_resize(fb->buf, buf, (int)size) < 0) {
        free(buf);
        return -1;
    }
    free(fb->buf);
    fb->buf = buf;
    fb->size = size;
    return 0;
}

/* Runs one libfdt call: nothing after an error, grow and retry on NOSPACE. */
#define FDT_BUILD_CALL(fb, call_name, item, expr)                             \
    do {                                                                      \
        if ((fb)->err == 0) {                                                 \
            int fdt_rc;                                                       \
            while ((fdt_rc = (expr)) == -FDT_ERR_NOSPACE && fdt_build_grow(fb) == 0) \
                ;                                                             \
            if (fdt_rc < 0)                                                   \
                fdt_build_fail((fb), fdt_rc, (call_name), (item));            \
        }                                                                     \
    } while (0)

int fdt_build_init(struct fdt_build *fb, size_t initial_size)
{
    memset(fb, 0, sizeof(*fb));
    fb->next_phandle = 1;
    fb->size = initial_size < 1024 ? 1024 : initial_size;
    /* Zeroed so padding inside the blob never carries stale host bytes. */
    fb->buf = calloc(1, fb->size);
    if (!fb->buf) {
        fdt_build_fail(fb, -FDT_ERR_NOSPACE, "calloc", "buffer");
        return -1;
    }
    FDT_BUILD_CALL(fb, "fdt_create", "", fdt_create(fb->buf, (int)fb->size));
    FDT_BUILD_CALL(fb, "fdt_finish_reservemap", "", fdt_finish_reservemap(fb->buf));
    return fb->err ? -1 : 0;
}

void fdt_build_free(struct fdt_build *fb)
{
    free(fb->buf);
    fb->buf = NULL;
    fb->size = 0;
}

void fdt_build_begin_node(struct fdt_build *fb, const char *name)
{
    FDT_BUILD_CALL(fb, "fdt_begin_node", name, fdt_begin_node(fb->buf, name));
    if (!fb->err)
        fb->depth++;
}

void fdt_build_begin_node_at(struct fdt_build *fb, const char *name, uint64_t addr)
{
    char full[128];
    int n = snprintf(full, sizeof(full), "%s@%llx", name, (unsigned long long)addr);
    if (n < 0 || (size_t)n >= sizeof(full)) {
        fdt_build_fail(fb, -FDT_ERR_BADVALUE, "fdt_begin_node", name);
        return;
    }
    fdt_build_begin_node(fb, full);
}

void fdt_build_end_node(struct fdt_build *fb)
{
    if (!fb->err && fb->depth == 0) {
        fdt_build_fail(fb, -FDT_ERR_BADSTRUCTURE, "fdt_end_node", "no open node");
        return;
    }
    FDT_BUILD_CALL(fb, "fdt_end_node", "", fdt_end_node(fb->buf));
    if (!fb->err)
        fb->depth--;
}

void fdt_build_prop(struct fdt_build *fb, const char *name, const void *val, size_t len)
{
    /* libfdt would accept a property before the root node and write a
     * blob that no reader can parse. */
    if (len > FDT_BUILD_MAX_SIZE || fb->depth == 0) {
        fdt_build_fail(fb, fb->depth ? -FDT_ERR_BADVALUE : -FDT_ERR_BADSTRUCTURE, "fdt_property", name);
        return;
    }
    FDT_BUILD_CALL(fb, "fdt_property", name, fdt_property(fb->buf, name, val, (int)len));
}

void fdt_build_prop_empty(struct fdt_build *fb, const char *name)
{
    fdt_build_prop(fb, name, NULL, 0);
}

void fdt_build_prop_u32(struct fdt_build *fb, const char *name, uint32_t v)
{
    fdt32_t be = cpu_to_fdt32(v);
    fdt_build_prop(fb, name, &be, sizeof(be));
}

void fdt_build_prop_u64(struct fdt_build *fb, const char *name, uint64_t v)
{
    fdt64_t be = cpu_to_fdt64(v);
    fdt_build_prop(fb, name, &be, sizeof(be));
}

void fdt_build_prop_cells(struct fdt_build *fb, const char *name, const uint32_t *cells, size_t n)
{
    fdt32_t be[FDT_BUILD_MAX_CELLS];
    if (n > FDT_BUILD_MAX_CELLS) {
        fdt_build_fail(fb, -FDT_ERR_BADVALUE, "fdt_property", name);
        return;
    }
    for (size_t i = 0; i < n; i++)
        be[i] = cpu_to_fdt32(cells[i]);
    fdt_build_prop(fb, name, be, n * sizeof(be[0]));
}

void fdt_build_prop_string(struct fdt_build *fb, const char *name, const char *s)
{
    fdt_build_prop(fb, name, s, strlen(s) + 1);
}

void fdt_build_prop_strings(struct fdt_build *fb, const char *name, const char *const *list, size_t n)
{
    char buf[512];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(list[i]) + 1;
        if (l > sizeof(buf) - len) {
            fdt_build_fail(fb, -FDT_ERR_BADVALUE, "fdt_property", name);
            return;
        }
        memcpy(buf + len, list[i], l);
        len += l;
    }
    fdt_build_prop(fb, name, buf, len);
}

void fdt_build_prop_regs(struct fdt_build *fb, const uint64_t *pairs, size_t n)
{
    uint32_t cells[FDT_BUILD_MAX_CELLS];
    if (n > FDT_BUILD_MAX_CELLS / 4) {
        fdt_build_fail(fb, -FDT_ERR_BADVALUE, "fdt_property", "reg");
        return;
    }
    for (size_t i = 0; i < 2 * n; i++) {
        cells[2 * i] = (uint32_t)(pairs[i] >> 32);
        cells[2 * i + 1] = (uint32_t)pairs[i];
    }
    fdt_build_prop_cells(fb, "reg", cells, 4 * n);
}

void fdt_build_prop_reg(struct fdt_build *fb, uint64_t addr, uint64_t size)
{
    const uint64_t pair[2] = { addr, size };
    fdt_build_prop_regs(fb, pair, 1);
}

uint32_t fdt_build_alloc_phandle(struct fdt_build *fb)
{
    if (fb->next_phandle == 0 || fb->next_phandle == 0xffffffffu) {
        fdt_build_fail(fb, -FDT_ERR_NOPHANDLES, "phandle", "");
        return 1;
    }
    return fb->next_phandle++;
}

int fdt_build_finish(struct fdt_build *fb, size_t extra, struct emu_err *err)
{
    if (!fb->err && fb->depth != 0)
        fdt_build_fail(fb, -FDT_ERR_BADSTRUCTURE, "fdt_finish", "unclosed node");
    FDT_BUILD_CALL(fb, "fdt_finish", "", fdt_finish(fb->buf));
    if (!fb->err) {
        size_t size = fdt_totalsize(fb->buf) + extra;
        void *out = size <= FDT_BUILD_MAX_SIZE ? calloc(1, size) : NULL;
        if (!out) {
            fdt_build_fail(fb, -FDT_ERR_NOSPACE, "fdt_open_into", "");
        } else {
            int rc = fdt_open_into(fb->buf, out, (int)size);
            if (rc < 0) {
                free(out);
                fdt_build_fail(fb, rc, "fdt_open_into", "");
            } else {
                free(fb->buf);
                fb->buf = out;
                fb->size = size;
                fb->finished = 1;
            }
        }
    }
    if (fb->err)
        return emu_errf(err, "device tree: %s: %s", fb->where, fdt_strerror(fb->err));
    return 0;
}

const void *fdt_build_blob(const struct fdt_build *fb)
{
    return fb->finished ? fb->buf : NULL;
}

size_t fdt_build_size(const struct fdt_build *fb)
{
    return fb->finished ? fdt_totalsize(fb->buf) : 0;
}
