/*
 * The riscv-virt device tree, shaped like QEMU virt's so that OpenSBI's
 * generic platform, U-Boot and Linux find what they expect (bindings:
 * Linux Documentation/devicetree/bindings/riscv/cpus.yaml,
 * interrupt-controller/sifive,plic-1.0.0.yaml, timer/sifive,clint.yaml,
 * perf/riscv,pmu.yaml).
 *
 * What the timing model describes is in the tree too: each hart's caches
 * and TLBs (Devicetree spec v0.4 §3.8, the properties Linux's cacheinfo
 * reads), and the performance events its counters can count, for the
 * SBI PMU extension of OpenSBI (lib/utils/fdt/fdt_pmu.c), which takes
 * them out of the tree before handing it on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/riscv_virt.h"
#include "core/fdt_build.h"
#include "core/machine.h"
#include "cpu-riscv/hpm.h"
#include "timing/model.h"

struct virt_phandles {
    uint32_t intc[MACHINE_MAX_CPUS];
    uint32_t cpu[MACHINE_MAX_CPUS];
    uint32_t l2[MACHINE_MAX_CPUS], l3[MACHINE_MAX_CPUS];   /* 0: no such level */
    uint32_t plic, test;
};

/* One cache level's geometry, the properties prefixed ("d-", "i-", or ""
 * for a unified cache). */
static void fdt_cache_props(struct fdt_build *fb, const char *prefix, const struct timing_cache_cfg *c)
{
    char name[32];
    snprintf(name, sizeof(name), "%scache-size", prefix);
    fdt_build_prop_u32(fb, name, c->size);
    snprintf(name, sizeof(name), "%scache-sets", prefix);
    fdt_build_prop_u32(fb, name, c->size / (c->ways * c->line));
    snprintf(name, sizeof(name), "%scache-block-size", prefix);
    fdt_build_prop_u32(fb, name, c->line);
    snprintf(name, sizeof(name), "%scache-line-size", prefix);
    fdt_build_prop_u32(fb, name, c->line);
}

static void fdt_tlb_props(struct fdt_build *fb, const char *prefix, const struct timing_tlb_cfg *t)
{
    char name[32];
    snprintf(name, sizeof(name), "%stlb-size", prefix);
    fdt_build_prop_u32(fb, name, t->entries);
    snprintf(name, sizeof(name), "%stlb-sets", prefix);
    fdt_build_prop_u32(fb, name, t->entries / t->ways);
}

/* A hart's first-level caches and TLBs, in its cpu node (DT spec §3.8).
 * Caches are private to each hart in the model (docs/timing.md). */
static void fdt_cpu_caches(struct fdt_build *fb, const struct timing_model *tm, uint32_t next_level)
{
    if (tm->l1i.present)
        fdt_cache_props(fb, "i-", &tm->l1i);
    if (tm->l1d.present)
        fdt_cache_props(fb, "d-", &tm->l1d);
    if (next_level)
        fdt_build_prop_u32(fb, "next-level-cache", next_level);
    if (tm->itlb.present && tm->dtlb.present) {
        fdt_build_prop_empty(fb, "tlb-split");
        fdt_tlb_props(fb, "i-", &tm->itlb);
        fdt_tlb_props(fb, "d-", &tm->dtlb);
    }
}

/* A unified cache below the L1s of hart h: "l2-cache<h>", "l3-cache<h>". */
static void fdt_lower_cache(struct fdt_build *fb, unsigned level, unsigned h, const struct timing_cache_cfg *c,
                            uint32_t phandle, uint32_t next_level)
{
    char name[24];
    snprintf(name, sizeof(name), "l%u-cache%u", level, h);
    fdt_build_begin_node(fb, name);
    fdt_build_prop_string(fb, "compatible", "cache");
    fdt_build_prop_u32(fb, "cache-level", level);
    fdt_build_prop_empty(fb, "cache-unified");
    fdt_cache_props(fb, "", c);
    if (next_level)
        fdt_build_prop_u32(fb, "next-level-cache", next_level);
    fdt_build_prop_u32(fb, "phandle", phandle);
    fdt_build_end_node(fb);
}

static void fdt_cpus(struct fdt_build *fb, const struct machine *m, const struct riscv_virt *vs,
                     struct virt_phandles *ph)
{
    fdt_build_begin_node(fb, "cpus");
    fdt_build_prop_u32(fb, "#address-cells", 1);
    fdt_build_prop_u32(fb, "#size-cells", 0);
    fdt_build_prop_u32(fb, "timebase-frequency", (uint32_t)RISCV_VIRT_TIMEBASE_HZ);
    const struct timing_model *tm = m->timing ? m->timing : timing_model_fast();
    for (unsigned h = 0; h < m->ncpus; h++) {
        ph->cpu[h] = fdt_build_alloc_phandle(fb);
        ph->intc[h] = fdt_build_alloc_phandle(fb);
        ph->l2[h] = tm->l2.present ? fdt_build_alloc_phandle(fb) : 0;
        ph->l3[h] = tm->l3.present ? fdt_build_alloc_phandle(fb) : 0;
        fdt_build_begin_node_at(fb, "cpu", h);
        fdt_build_prop_u32(fb, "phandle", ph->cpu[h]);
        fdt_build_prop_string(fb, "device_type", "cpu");
        fdt_build_prop_u32(fb, "reg", h);
        fdt_build_prop_string(fb, "status", "okay");
        fdt_build_prop_string(fb, "compatible", "riscv");
        fdt_build_prop_string(fb, "riscv,isa", vs->isa);
        fdt_build_prop_string(fb, "mmu-type", "riscv,sv57");
        if (vs->ext.zicbom)
            fdt_build_prop_u32(fb, "riscv,cbom-block-size", 64);
        if (vs->ext.zicboz)
            fdt_build_prop_u32(fb, "riscv,cboz-block-size", 64);
        fdt_cpu_caches(fb, tm, ph->l2[h]);
        fdt_build_begin_node(fb, "interrupt-controller");
        fdt_build_prop_u32(fb, "#interrupt-cells", 1);
        fdt_build_prop_empty(fb, "interrupt-controller");
        fdt_build_prop_string(fb, "compatible", "riscv,cpu-intc");
        fdt_build_prop_u32(fb, "phandle", ph->intc[h]);
        fdt_build_end_node(fb);
        fdt_build_end_node(fb);
    }
    for (unsigned h = 0; h < m->ncpus; h++) {
        if (ph->l2[h])
            fdt_lower_cache(fb, 2, h, &tm->l2, ph->l2[h], ph->l3[h]);
        if (ph->l3[h])
            fdt_lower_cache(fb, 3, h, &tm->l3, ph->l3[h], 0);
    }
    fdt_build_begin_node(fb, "cpu-map");
    fdt_build_begin_node(fb, "cluster0");
    for (unsigned h = 0; h < m->ncpus; h++) {
        char name[16];
        snprintf(name, sizeof(name), "core%u", h);
        fdt_build_begin_node(fb, name);
        fdt_build_prop_u32(fb, "cpu", ph->cpu[h]);
        fdt_build_end_node(fb);
    }
    fdt_build_end_node(fb);
    fdt_build_end_node(fb);
    fdt_build_end_node(fb);
}

/*
 * The SBI PMU's view of the counters (perf/riscv,pmu.yaml): which
 * counters can count which events (riscv,event-to-mhpmcounters, rows of
 * first event, last event, counter bitmap), the mhpmevent value of each
 * event (riscv,event-to-mhpmevent: the event_idx itself, as the SBI spec
 * suggests), and raw events (riscv,raw-event-to-mhpmcounters: a raw event
 * whose selector is an event_idx, bits 63:20 zero, goes to mhpmevent as
 * is). Only the events the timing model has are listed.
 */
/* Appends cell v, big-endian, to the property value at buf + *len. */
static void put_cell(uint8_t *buf, size_t *len, size_t cap, uint32_t v)
{
    if (*len + 4 > cap)
        return;
    const uint8_t be[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    memcpy(buf + *len, be, 4);
    *len += 4;
}

static void fdt_pmu(struct fdt_build *fb, const struct machine *m)
{
    /* Longer than fdt_build_prop_cells takes: one row per event. */
    uint8_t to_ctr[12 * 32], to_event[12 * 128];
    size_t nc = 0, ne = 0;
    for (size_t i = 0; i < rv_hpm_nrows; i++) {
        const struct rv_hpm_row *row = &rv_hpm_rows[i];
        if (!rv_hpm_row_present(row, m->timing))
            continue;
        put_cell(to_ctr, &nc, sizeof(to_ctr), row->first);
        put_cell(to_ctr, &nc, sizeof(to_ctr), row->last);
        put_cell(to_ctr, &nc, sizeof(to_ctr), rv_hpm_row_counters(row));
        for (uint32_t e = row->first; e <= row->last; e++) {
            put_cell(to_event, &ne, sizeof(to_event), e);
            put_cell(to_event, &ne, sizeof(to_event), 0);
            put_cell(to_event, &ne, sizeof(to_event), e);
        }
    }
    const uint32_t raw[5] = { 0, 0, 0xffffffffu, 0xfff00000u, RV_CTR_HPM_MASK };
    fdt_build_begin_node(fb, "pmu");
    fdt_build_prop_string(fb, "compatible", "riscv,pmu");
    fdt_build_prop(fb, "riscv,event-to-mhpmevent", to_event, ne);
    fdt_build_prop(fb, "riscv,event-to-mhpmcounters", to_ctr, nc);
    fdt_build_prop_cells(fb, "riscv,raw-event-to-mhpmcounters", raw, 5);
    fdt_build_end_node(fb);
}

/* interrupts-extended: for each hart, its intc and the given irq numbers. */
static void fdt_per_hart_irqs(struct fdt_build *fb, const struct machine *m, const struct virt_phandles *ph,
                              unsigned irq_a, unsigned irq_b)
{
    uint32_t cells[4 * MACHINE_MAX_CPUS];
    size_t n = 0;
    for (unsigned h = 0; h < m->ncpus; h++) {
        cells[n++] = ph->intc[h];
        cells[n++] = irq_a;
        cells[n++] = ph->intc[h];
        cells[n++] = irq_b;
    }
    fdt_build_prop_cells(fb, "interrupts-extended", cells, n);
}

static void fdt_soc(struct fdt_build *fb, const struct machine *m, const struct riscv_virt *vs,
                    struct virt_phandles *ph)
{
    const struct riscv_virt_region *map = riscv_virt_map;

    fdt_build_begin_node(fb, "soc");
    fdt_build_prop_u32(fb, "#address-cells", 2);
    fdt_build_prop_u32(fb, "#size-cells", 2);
    fdt_build_prop_string(fb, "compatible", "simple-bus");
    fdt_build_prop_empty(fb, "ranges");

    ph->test = fdt_build_alloc_phandle(fb);
    fdt_build_begin_node_at(fb, "test", map[VIRT_TEST].base);
    static const char *const test_compat[] = { "sifive,test1", "sifive,test0", "syscon" };
    fdt_build_prop_strings(fb, "compatible", test_compat, 3);
    fdt_build_prop_reg(fb, map[VIRT_TEST].base, map[VIRT_TEST].size);
    fdt_build_prop_u32(fb, "phandle", ph->test);
    fdt_build_end_node(fb);

    fdt_build_begin_node(fb, "poweroff");
    fdt_build_prop_string(fb, "compatible", "syscon-poweroff");
    fdt_build_prop_u32(fb, "regmap", ph->test);
    fdt_build_prop_u32(fb, "offset", 0);
    fdt_build_prop_u32(fb, "value", 0x5555);
    fdt_build_end_node(fb);

    fdt_build_begin_node(fb, "reboot");
    fdt_build_prop_string(fb, "compatible", "syscon-reboot");
    fdt_build_prop_u32(fb, "regmap", ph->test);
    fdt_build_prop_u32(fb, "offset", 0);
    fdt_build_prop_u32(fb, "value", 0x7777);
    fdt_build_end_node(fb);

    fdt_build_begin_node_at(fb, "clint", map[VIRT_CLINT].base);
    static const char *const clint_compat[] = { "sifive,clint0", "riscv,clint0" };
    fdt_build_prop_strings(fb, "compatible", clint_compat, 2);
    fdt_build_prop_reg(fb, map[VIRT_CLINT].base, map[VIRT_CLINT].size);
    fdt_per_hart_irqs(fb, m, ph, RV_IRQ_MSI, RV_IRQ_MTI);
    fdt_build_end_node(fb);

    ph->plic = fdt_build_alloc_phandle(fb);
    fdt_build_begin_node_at(fb, "plic", map[VIRT_PLIC].base);
    static const char *const plic_compat[] = { "sifive,plic-1.0.0", "riscv,plic0" };
    fdt_build_prop_strings(fb, "compatible", plic_compat, 2);
    fdt_build_prop_reg(fb, map[VIRT_PLIC].base, map[VIRT_PLIC].size);
    fdt_build_prop_u32(fb, "#address-cells", 0);
    fdt_build_prop_u32(fb, "#interrupt-cells", 1);
    fdt_build_prop_empty(fb, "interrupt-controller");
    fdt_build_prop_u32(fb, "riscv,ndev", VIRT_PLIC_NSOURCES - 1);
    fdt_build_prop_u32(fb, "phandle", ph->plic);
    fdt_per_hart_irqs(fb, m, ph, RV_IRQ_MEI, RV_IRQ_SEI);
    fdt_build_end_node(fb);

    fdt_build_begin_node_at(fb, "serial", map[VIRT_UART0].base);
    fdt_build_prop_string(fb, "compatible", "ns16550a");
    fdt_build_prop_reg(fb, map[VIRT_UART0].base, map[VIRT_UART0].size);
    fdt_build_prop_u32(fb, "clock-frequency", 3686400);
    fdt_build_prop_u32(fb, "interrupts", VIRT_UART0_IRQ);
    fdt_build_prop_u32(fb, "interrupt-parent", ph->plic);
    fdt_build_end_node(fb);

    fdt_build_begin_node_at(fb, "rtc", map[VIRT_RTC].base);
    fdt_build_prop_string(fb, "compatible", "google,goldfish-rtc");
    fdt_build_prop_reg(fb, map[VIRT_RTC].base, map[VIRT_RTC].size);
    fdt_build_prop_u32(fb, "interrupts", VIRT_RTC_IRQ);
    fdt_build_prop_u32(fb, "interrupt-parent", ph->plic);
    fdt_build_end_node(fb);

    fdt_build_begin_node_at(fb, "pvpanic", map[VIRT_PVPANIC].base);
    fdt_build_prop_string(fb, "compatible", "qemu,pvpanic-mmio");
    fdt_build_prop_reg(fb, map[VIRT_PVPANIC].base, map[VIRT_PVPANIC].size);
    fdt_build_end_node(fb);

    /* virtio,mmio nodes for the slots in use (Linux
     * Documentation/devicetree/bindings/virtio/mmio.yaml). */
    for (unsigned i = 0; i < vs->nvirtio; i++) {
        uint64_t base = map[VIRT_VIRTIO].base + i * map[VIRT_VIRTIO].size;
        fdt_build_begin_node_at(fb, "virtio_mmio", base);
        fdt_build_prop_string(fb, "compatible", "virtio,mmio");
        fdt_build_prop_reg(fb, base, map[VIRT_VIRTIO].size);
        fdt_build_prop_u32(fb, "interrupts", VIRT_VIRTIO_IRQ + i);
        fdt_build_prop_u32(fb, "interrupt-parent", ph->plic);
        fdt_build_end_node(fb);
    }

    fdt_build_end_node(fb);
}

long riscv_virt_fdt(struct machine *m, const struct riscv_virt *vs, void **out, struct emu_err *err)
{
    struct fdt_build fb;
    struct virt_phandles ph;
    char stdout_path[64];

    memset(&ph, 0, sizeof(ph));
    if (fdt_build_init(&fb, 8192) < 0)
        return emu_errf(err, "out of memory building the device tree");
    fdt_build_begin_node(&fb, "");
    fdt_build_prop_u32(&fb, "#address-cells", 2);
    fdt_build_prop_u32(&fb, "#size-cells", 2);
    fdt_build_prop_string(&fb, "compatible", "riscv-virtio");
    fdt_build_prop_string(&fb, "model", "riscv-virtio,qemu");

    fdt_build_begin_node(&fb, "chosen");
    snprintf(stdout_path, sizeof(stdout_path), "/soc/serial@%llx",
             (unsigned long long)riscv_virt_map[VIRT_UART0].base);
    fdt_build_prop_string(&fb, "stdout-path", stdout_path);
    if (m->cfg.append)
        fdt_build_prop_string(&fb, "bootargs", m->cfg.append);
    if (vs->initrd_end) {
        fdt_build_prop_u64(&fb, "linux,initrd-start", vs->initrd_start);
        fdt_build_prop_u64(&fb, "linux,initrd-end", vs->initrd_end);
    }
    fdt_build_end_node(&fb);

    fdt_build_begin_node_at(&fb, "memory", riscv_virt_map[VIRT_DRAM].base);
    fdt_build_prop_string(&fb, "device_type", "memory");
    fdt_build_prop_reg(&fb, riscv_virt_map[VIRT_DRAM].base, m->cfg.ram_size);
    fdt_build_end_node(&fb);

    fdt_cpus(&fb, m, vs, &ph);
    if (vs->ext.zihpm)
        fdt_pmu(&fb, m);
    fdt_soc(&fb, m, vs, &ph);
    fdt_build_end_node(&fb);

    if (fdt_build_finish(&fb, 4096, err) < 0) {
        fdt_build_free(&fb);
        return -1;
    }
    size_t size = fdt_build_size(&fb);
    if (size > RISCV_VIRT_FDT_MAX) {
        fdt_build_free(&fb);
        return emu_errf(err, "device tree too large (%zu bytes)", size);
    }
    void *copy = malloc(size);
    if (!copy) {
        fdt_build_free(&fb);
        return emu_errf(err, "out of memory building the device tree");
    }
    memcpy(copy, fdt_build_blob(&fb), size);
    fdt_build_free(&fb);
    *out = copy;
    return (long)size;
}
