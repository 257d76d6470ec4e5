/*
 * The riscv64 hart as the machine and the engine see it: the cpu_ops and
 * exec_isa tables, creation and reset (RISC-V privileged spec 1.12 §3.4),
 * register access by id (regid.h), the -cpu model string and the
 * riscv,isa string (unprivileged spec 20191213 ch. 27 naming rules).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "cpu-riscv/decode.h"
#include "cpu-riscv/hart.h"
#include "cpu-riscv/regid.h"
#include "cpu-riscv/snapshot.h"

#define RV_RESET_PC 0x1000u     /* the board's reset ROM, as on QEMU virt */

/* ---- modes for the engine ---- */

static uint32_t rv_tb_flags(struct cpu *cpu)
{
    const struct rv_cpu *rv = rv_of(cpu);
    uint32_t f = (uint32_t)rv->priv & RV_TBF_PRIV_MASK;
    /* §8.2.11: with V=1, vsstatus.FS must be on too. */
    if ((rv->mstatus & RV_MSTATUS_FS) && (!rv->virt || (rv->vsstatus & RV_MSTATUS_FS)))
        f |= RV_TBF_FS_ON;
    f |= rv_data_mmu_idx(rv) << RV_TBF_MMU_SHIFT;
    if (rv->virt)
        f |= RV_TBF_VIRT;
    return f;
}

/* Fetches use the current privilege and V: MPRV and SUM never apply
 * (§3.1.6.3). */
static unsigned rv_fetch_mmu_idx(struct cpu *cpu, uint32_t flags)
{
    bool virt = flags & RV_TBF_VIRT;
    switch ((enum rv_priv)(flags & RV_TBF_PRIV_MASK)) {
    case RV_PRIV_M: return RV_MMU_M;
    case RV_PRIV_S: return virt ? RV_MMU_VS : RV_MMU_S;
    default: return virt ? RV_MMU_VU : RV_MMU_U;
    }
}

static void rv_bus_fault(struct cpu *cpu, uint64_t va, enum tlb_access acc)
{
    static const enum rv_exc cause[3] = { RV_EXC_LOAD_ACCESS, RV_EXC_STORE_ACCESS, RV_EXC_INSN_ACCESS };
    struct rv_cpu *rv = rv_of(cpu);
    /* §8.2.1 GVA: the address is a guest virtual one when the access was
     * made as V=1: a guest fetch, a guest (or MPRV+MPV) load or store, or
     * the explicit access of HLV/HLVX/HSV. */
    bool gva = acc == TLB_EXEC ? rv->virt
                               : rv_hart_of(rv)->hlv_active || rv_mmu_is_virt(rv_data_mmu_idx(rv));
    cpu_fault_set(cpu, cause[acc] | (gva ? RV_FAULT_GVA : 0), va, 0);
}

/* ---- reset and registers ---- */

static void rv_reset(struct cpu *cpu)
{
    struct rv_cpu *rv = rv_of(cpu);
    memset(cpu->r, 0, sizeof(cpu->r));
    cpu->r[RV_SLOT_PC] = RV_RESET_PC;
    cpu->halted = false;
    cpu->exit_request = cpu->irq_check = false;
    memset(&cpu->fault, 0, sizeof(cpu->fault));
    rv_set_mode(rv, RV_PRIV_M, false);
    rv->mip_lines = 0;
    rv->lr_valid = false;
    rv->lr_addr = 0;
    rv_csr_reset(rv);
}

static int rv_get_reg(struct cpu *cpu, uint64_t id, void *val)
{
    struct rv_cpu *rv = rv_of(cpu);
    uint64_t v;
    if (id < 32)
        v = cpu->r[RV_SLOT_X(id)];
    else if (id == RV_REG_PC)
        v = cpu->r[RV_SLOT_PC];
    else if (id >= RV_REG_F(0) && id < RV_REG_F(32))
        v = cpu->r[RV_SLOT_F(id - RV_REG_F(0))];
    else if (id >= RV_REG_CSR(0) && id < RV_REG_CSR(0x1000)) {
        if (rv_csr_get(rv, (unsigned)(id - RV_REG_CSR(0)), &v))
            return -EINVAL;
    } else if (id == RV_REG_PRIV)
        v = rv->priv;
    else if (id == RV_REG_VIRT)
        v = rv->virt;
    else
        return -EINVAL;
    memcpy(val, &v, sizeof(v));
    return 0;
}

static int rv_set_reg(struct cpu *cpu, uint64_t id, const void *val)
{
    struct rv_cpu *rv = rv_of(cpu);
    uint64_t v;
    memcpy(&v, val, sizeof(v));
    if (id < 32) {
        if (id)
            cpu->r[RV_SLOT_X(id)] = v;
    } else if (id == RV_REG_PC) {
        cpu->r[RV_SLOT_PC] = v;
    } else if (id >= RV_REG_F(0) && id < RV_REG_F(32)) {
        cpu->r[RV_SLOT_F(id - RV_REG_F(0))] = v;
    } else if (id >= RV_REG_CSR(0) && id < RV_REG_CSR(0x1000)) {
        if (rv_csr_set(rv, (unsigned)(id - RV_REG_CSR(0)), v))
            return -EINVAL;
    } else if (id == RV_REG_PRIV) {
        if (v != RV_PRIV_U && v != RV_PRIV_S && v != RV_PRIV_M)
            return -EINVAL;
        rv_set_mode(rv, (enum rv_priv)v, rv->virt);
        rv_update_irq(rv);
    } else if (id == RV_REG_VIRT) {
        /* V=1 needs the H extension and a privilege below M. */
        if (v > 1 || (v && (!rv->ext.h || rv->priv == RV_PRIV_M)))
            return -EINVAL;
        rv_set_mode(rv, rv->priv, v != 0);
        rv_update_irq(rv);
    } else {
        return -EINVAL;
    }
    return 0;
}

static void rv_destroy(struct cpu *cpu)
{
    struct rv_cpu *rv = rv_of(cpu);
    struct rv_hart *h = rv_hart_of(rv);
    if (h->stimer_event && cpu->m)
        evq_cancel(&cpu->m->evq, h->stimer_event);
    if (h->vstimer_event && cpu->m)
        evq_cancel(&cpu->m->evq, h->vstimer_event);
    free(h);
}

static const struct cpu_ops rv_cpu_ops = {
    .reset = rv_reset,
    .run = exec_run,
    .set_irq = rv_set_irq_line,
    .get_reg = rv_get_reg,
    .set_reg = rv_set_reg,
    .save = rv_snapshot_save,
    .load = rv_snapshot_load,
    .destroy = rv_destroy,
    .write_stats = rv_write_stats,
    .mode_cycles = rv_stats_mode_cycles,
};

static const struct exec_isa rv_exec_isa = {
    .name = "riscv64",
    .pc_slot = RV_SLOT_PC,
    .tb_flags = rv_tb_flags,
    .fetch_mmu_idx = rv_fetch_mmu_idx,
    .translate = rv_translate,
    .tlb_fill = rv_tlb_fill,
    .walk_trace = rv_walk_trace,
    .bus_fault = rv_bus_fault,
    .take_fault = rv_take_fault,
    .check_irq = rv_check_irq,
};

struct cpu *rv_cpu_create(struct machine *m, unsigned index, const struct rv_ext *ext, uint64_t time_ratio)
{
    struct rv_hart *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    struct rv_cpu *rv = &h->rv;
    cpu_base_init(&rv->cpu, m, index);
    rv->cpu.ops = &rv_cpu_ops;
    rv->cpu.isa = &rv_exec_isa;
    rv->ext = *ext;
    rv->hartid = index;
    rv->time_ratio = time_ratio ? time_ratio : 1;
    rv_reset(&rv->cpu);
    return &rv->cpu;
}

/* ---- -cpu model and riscv,isa ---- */

/* The switchable extensions, in riscv,isa order (unpriv ch. 27): single
 * letters in canonical order, then Z by category letter and name, then S. */
static const struct rv_ext_name {
    const char *name;
    size_t off;
} rv_ext_names[] = {
    { "m", offsetof(struct rv_ext, m) },
    { "a", offsetof(struct rv_ext, a) },
    { "f", offsetof(struct rv_ext, f) },
    { "d", offsetof(struct rv_ext, d) },
    { "c", offsetof(struct rv_ext, c) },
    { "h", offsetof(struct rv_ext, h) },
    { "zicbom", offsetof(struct rv_ext, zicbom) },
    { "zicboz", offsetof(struct rv_ext, zicboz) },
    { "zicntr", offsetof(struct rv_ext, zicntr) },
    { "zicsr", offsetof(struct rv_ext, zicsr) },
    { "zifencei", offsetof(struct rv_ext, zifencei) },
    { "zihpm", offsetof(struct rv_ext, zihpm) },
    { "zba", offsetof(struct rv_ext, zba) },
    { "zbb", offsetof(struct rv_ext, zbb) },
    { "zbc", offsetof(struct rv_ext, zbc) },
    { "zbs", offsetof(struct rv_ext, zbs) },
    { "sstc", offsetof(struct rv_ext, sstc) },
    { "svpbmt", offsetof(struct rv_ext, svpbmt) },
};

#define RV_NEXT (sizeof(rv_ext_names) / sizeof(rv_ext_names[0]))

static bool *rv_ext_flag(struct rv_ext *ext, size_t i)
{
    return (bool *)((char *)ext + rv_ext_names[i].off);
}

static bool rv_ext_get(const struct rv_ext *ext, size_t i)
{
    return *(const bool *)((const char *)ext + rv_ext_names[i].off);
}

/* Extensions that need another one (unpriv ch. 11-12, 9, 10; Sstc; priv 1.12 ch. 8). */
static int rv_ext_check(const struct rv_ext *e, const char *model, struct emu_err *err)
{
    static const struct { size_t ext, needs; const char *ext_name, *needs_name; } deps[] = {
        { offsetof(struct rv_ext, d), offsetof(struct rv_ext, f), "d", "f" },
        { offsetof(struct rv_ext, f), offsetof(struct rv_ext, zicsr), "f", "zicsr" },
        { offsetof(struct rv_ext, zicntr), offsetof(struct rv_ext, zicsr), "zicntr", "zicsr" },
        { offsetof(struct rv_ext, zihpm), offsetof(struct rv_ext, zicsr), "zihpm", "zicsr" },
        { offsetof(struct rv_ext, sstc), offsetof(struct rv_ext, zicsr), "sstc", "zicsr" },
        { offsetof(struct rv_ext, h), offsetof(struct rv_ext, zicsr), "h", "zicsr" },
    };
    for (size_t i = 0; i < sizeof(deps) / sizeof(deps[0]); i++) {
        bool on = *(const bool *)((const char *)e + deps[i].ext);
        bool needed = *(const bool *)((const char *)e + deps[i].needs);
        if (on && !needed)
            return emu_errf(err, "cpu model '%s': extension %s requires %s", model, deps[i].ext_name,
                            deps[i].needs_name);
    }
    return 0;
}

/* One "name=on|off" item of length len. */
static int rv_parse_item(const char *item, size_t len, struct rv_ext *ext, const char *model, struct emu_err *err)
{
    const char *eq = memchr(item, '=', len);
    if (!eq)
        return emu_errf(err, "cpu model '%s': expected ext=on|off, got '%.*s'", model, (int)len, item);
    size_t nlen = (size_t)(eq - item);
    const char *val = eq + 1;
    size_t vlen = len - nlen - 1;
    for (size_t i = 0; i < RV_NEXT; i++) {
        if (strlen(rv_ext_names[i].name) != nlen || strncmp(rv_ext_names[i].name, item, nlen) != 0)
            continue;
        if (vlen == 2 && !strncmp(val, "on", 2))
            *rv_ext_flag(ext, i) = true;
        else if (vlen == 3 && !strncmp(val, "off", 3))
            *rv_ext_flag(ext, i) = false;
        else
            return emu_errf(err, "cpu model '%s': extension %.*s: value '%.*s' is not on or off", model,
                            (int)nlen, item, (int)vlen, val);
        return 0;
    }
    return emu_errf(err, "cpu model '%s': unknown extension '%.*s'", model, (int)nlen, item);
}

int rv_parse_cpu_model(const char *model, struct rv_ext *ext, struct emu_err *err)
{
    struct rv_ext e;
    for (size_t i = 0; i < RV_NEXT; i++)
        *rv_ext_flag(&e, i) = true;
    e.zicsr = e.zifencei = true;
    if (!model)
        model = "rv64";
    if (strncmp(model, "rv64", 4) != 0 || (model[4] != '\0' && model[4] != ','))
        return emu_errf(err, "cpu model '%s': must start with rv64", model);
    const char *p = model + 4;
    while (*p == ',') {
        p++;
        size_t len = strcspn(p, ",");
        if (rv_parse_item(p, len, &e, model, err) < 0)
            return -1;
        p += len;
    }
    if (rv_ext_check(&e, model, err) < 0)
        return -1;
    *ext = e;
    return 0;
}

void rv_isa_string(const struct rv_ext *ext, char *buf, unsigned len)
{
    if (!len)
        return;
    size_t n = (size_t)snprintf(buf, len, "rv64i");
    for (size_t i = 0; i < RV_NEXT && n < len; i++) {
        const char *name = rv_ext_names[i].name;
        if (!rv_ext_get(ext, i))
            continue;
        /* Multi-letter names are separated by '_'; single letters are not. */
        n += (size_t)snprintf(buf + n, len - n, "%s%s", name[1] ? "_" : "", name);
    }
}
