/* Timing models: the built-in `fast` model, loading by name or file, and
 * the static cost of a TB (see model.h). */
#include "timing/model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_FILE_MAX (64u << 10)

/* The same model as the text of "fast" in models.c (a unit test compares
 * them); kept as a constant so that a machine without --timing needs no
 * parsing. */
static const struct timing_model model_fast = {
    .name = "fast",
    .core_hz = 1000000000ull,
    .class_cycles = {
        [OPC_INT_ALU] = 1, [OPC_INT_MUL] = 1, [OPC_INT_DIV] = 1, [OPC_LOAD] = 1, [OPC_STORE] = 1,
        [OPC_BRANCH] = 1, [OPC_JUMP] = 1, [OPC_FP_ADD] = 1, [OPC_FP_MUL] = 1, [OPC_FP_DIV] = 1,
        [OPC_FP_SQRT] = 1, [OPC_FP_MISC] = 1, [OPC_CSR] = 1, [OPC_SYSTEM] = 1, [OPC_FENCE] = 1,
        [OPC_ATOMIC] = 1,
    },
    .issue_width = 1,
};

const struct timing_model *timing_model_fast(void)
{
    return &model_fast;
}

/* Reads a model file whole; -1 with a message when it cannot be read or
 * is not text. */
static int read_model_file(const char *path, char *buf, size_t cap, struct emu_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        char names[128] = "";
        for (unsigned i = 0; timing_model_names[i]; i++) {
            if (i)
                strncat(names, ", ", sizeof(names) - strlen(names) - 1);
            strncat(names, timing_model_names[i], sizeof(names) - strlen(names) - 1);
        }
        return emu_errf(err, "timing model '%s': no built-in model of that name (%s) and no such file: %s",
                        path, names, strerror(e));
    }
    size_t n = fread(buf, 1, cap, f);
    bool too_big = n == cap;
    bool failed = ferror(f);
    fclose(f);
    if (failed)
        return emu_errf(err, "%s: read error", path);
    if (too_big)
        return emu_errf(err, "%s: larger than %u KiB, not a model file", path, MODEL_FILE_MAX >> 10);
    if (memchr(buf, 0, n))
        return emu_errf(err, "%s: not a text file (NUL byte)", path);
    buf[n] = 0;
    return 0;
}

int timing_model_load(const char *spec, struct timing_model *out, struct emu_err *err)
{
    const char *text = timing_model_text(spec);
    if (text) {
        char source[TIMING_NAME_MAX + 16];
        snprintf(source, sizeof(source), "built-in model %s", spec);
        return timing_model_parse(text, source, out, err);
    }
    char *buf = malloc(MODEL_FILE_MAX + 1);
    if (!buf)
        return emu_errf(err, "timing model '%s': out of memory", spec);
    int rc = read_model_file(spec, buf, MODEL_FILE_MAX + 1, err);
    if (rc == 0)
        rc = timing_model_parse(buf, spec, out, err);
    free(buf);
    return rc;
}

bool timing_model_detailed(const struct timing_model *tm)
{
    return tm && (tm->l1i.present || tm->l1d.present || tm->itlb.present || tm->dtlb.present ||
                  tm->bpred != TIMING_BPRED_NONE);
}

uint32_t timing_insn_cycles(const struct timing_model *tm, enum op_class cls)
{
    if (!tm)
        return 1;
    if (cls == OPC_LOAD && tm->l1d.present)
        return tm->l1d.hit;
    return tm->class_cycles[cls];
}

uint32_t timing_tb_cycles(const struct timing_model *tm, const uint8_t *classes, unsigned n)
{
    if (!tm)
        return n;
    uint32_t single = 0, cycles = 0;
    for (unsigned i = 0; i < n; i++) {
        uint32_t c = timing_insn_cycles(tm, (enum op_class)classes[i]);
        if (c == 1)
            single++;
        else
            cycles += c;
    }
    unsigned w = tm->issue_width ? tm->issue_width : 1;
    return cycles + (single + w - 1) / w;
}
