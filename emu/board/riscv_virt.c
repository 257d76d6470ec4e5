/*
 * riscv-virt: a RISC-V board with QEMU virt's memory map, so unmodified
 * OpenSBI (generic platform), U-Boot (qemu-riscv64_smode) and Linux run.
 *
 *   0x00001000  0x1000     reset ROM: a0 = hartid, a1 = DTB, jump to firmware
 *   0x00100000  0x1000     sifive_test (syscon poweroff 0x5555, reboot 0x7777)
 *   0x00101000  0x1000     goldfish RTC, PLIC source 11 (-rtc base= plus virtual time)
 *   0x00102000  0x2        pvpanic (qemu,pvpanic-mmio): a guest panic stops emu
 *   0x02000000  0x10000    CLINT (msip, mtimecmp, mtime)
 *   0x0c000000  0x600000   PLIC, 95 sources; hart h: context 2h M, 2h+1 S
 *   0x10000000  0x100      ns16550a UART, PLIC source 10
 *   0x10001000  8 x 0x1000 virtio-mmio slots for -device/-drive, in order,
 *                          PLIC sources 1..8
 *   0x80000000  -m         RAM: firmware at the base, -kernel at +0x200000
 *                          (fw_jump's payload address) when firmware is used,
 *                          initrd and DTB at the top
 *
 * The DTB is generated (riscv_virt_fdt.c) unless -dtb names one.
 */
#include "board/riscv_virt.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "board/board.h"
#include "core/loader.h"
#include "core/machine.h"
#include "core/memmap.h"
#include "cpu-riscv/rv.h"
#include "dev/aclint.h"
#include "dev/goldfish_rtc.h"
#include "dev/htif.h"
#include "dev/plic.h"
#include "dev/pvpanic.h"
#include "dev/sifive_test.h"
#include "dev/uart16550.h"
#include "virtio/console.h"
#include "virtio/net_hub.h"
#include "virtio/registry.h"
#include "virtio/virtio_mmio.h"

#define VIRT_DEFAULT_BIOS "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf"
#define VIRT_KERNEL_OFFSET 0x200000ull
#define VIRT_FDT_ALIGN (2ull << 20)

const struct riscv_virt_region riscv_virt_map[VIRT_NREGIONS] = {
    [VIRT_MROM]  = { 0x1000, 0x1000 },
    [VIRT_TEST]  = { 0x100000, 0x1000 },
    [VIRT_RTC]   = { 0x101000, GOLDFISH_RTC_SIZE },
    [VIRT_PVPANIC] = { 0x102000, PVPANIC_SIZE },
    [VIRT_CLINT] = { 0x2000000, 0x10000 },
    [VIRT_PLIC]  = { 0xc000000, 0x600000 },
    [VIRT_UART0] = { 0x10000000, 0x100 },
    [VIRT_VIRTIO] = { 0x10001000, VIRTIO_MMIO_SIZE },
    [VIRT_DRAM]  = { 0x80000000, 0 },
};

/* An interrupt input of a hart: the sink of a device's irq_line. */
static void virt_cpu_irq(void *sink, unsigned input, bool level)
{
    struct cpu *cpu = sink;
    cpu->ops->set_irq(cpu, input, level);
}

static int virt_add_devices(struct machine *m, struct riscv_virt *vs, struct emu_err *err)
{
    struct irq_line ctx[2 * MACHINE_MAX_CPUS], mtip[MACHINE_MAX_CPUS], msip[MACHINE_MAX_CPUS];
    for (unsigned h = 0; h < m->ncpus; h++) {
        ctx[2 * h] = irq_line_make(virt_cpu_irq, m->cpus[h], RV_IRQ_MEI);
        ctx[2 * h + 1] = irq_line_make(virt_cpu_irq, m->cpus[h], RV_IRQ_SEI);
        mtip[h] = irq_line_make(virt_cpu_irq, m->cpus[h], RV_IRQ_MTI);
        msip[h] = irq_line_make(virt_cpu_irq, m->cpus[h], RV_IRQ_MSI);
    }

    vs->test = sifive_test_create(m);
    vs->clint = aclint_create(m, m->ncpus, vs->time_ratio, mtip, msip);
    vs->plic = plic_create(VIRT_PLIC_NSOURCES, 2 * m->ncpus, ctx);
    if (!vs->test || !vs->clint || !vs->plic)
        return emu_errf(err, "out of memory creating devices");
    machine_add_device(m, "test", &sifive_test_ops, vs->test, sifive_test_destroy);
    machine_add_device(m, "clint", &aclint_ops, vs->clint, aclint_destroy);
    machine_add_device(m, "plic", &plic_ops, vs->plic, plic_destroy);
    vs->uart = uart16550_create(m, plic_irq(vs->plic, VIRT_UART0_IRQ), m->console);
    if (!vs->uart)
        return emu_errf(err, "out of memory creating devices");
    machine_add_device(m, "uart0", &uart16550_ops, vs->uart, uart16550_destroy);
    struct pvpanic *panic = pvpanic_create(m);
    struct goldfish_rtc *rtc = goldfish_rtc_create(m, m->cfg.rtc_base, plic_irq(vs->plic, VIRT_RTC_IRQ));
    if (!panic || !rtc) {
        pvpanic_destroy(panic);
        goldfish_rtc_destroy(rtc);
        return emu_errf(err, "out of memory creating devices");
    }
    machine_add_device(m, "pvpanic", &pvpanic_ops, panic, pvpanic_destroy);
    machine_add_device(m, "rtc", &goldfish_rtc_ops, rtc, goldfish_rtc_destroy);

    const struct riscv_virt_region *map = riscv_virt_map;
    if (memmap_add_mmio(&m->map, map[VIRT_TEST].base, map[VIRT_TEST].size, &sifive_test_ops, vs->test, "test",
                        err) < 0 ||
        memmap_add_mmio(&m->map, map[VIRT_CLINT].base, map[VIRT_CLINT].size, &aclint_ops, vs->clint, "clint",
                        err) < 0 ||
        memmap_add_mmio(&m->map, map[VIRT_PLIC].base, map[VIRT_PLIC].size, &plic_ops, vs->plic, "plic", err) < 0 ||
        memmap_add_mmio(&m->map, map[VIRT_UART0].base, map[VIRT_UART0].size, &uart16550_ops, vs->uart, "uart0",
                        err) < 0 ||
        memmap_add_mmio(&m->map, map[VIRT_PVPANIC].base, map[VIRT_PVPANIC].size, &pvpanic_ops, panic, "pvpanic",
                        err) < 0 ||
        memmap_add_mmio(&m->map, map[VIRT_RTC].base, map[VIRT_RTC].size, &goldfish_rtc_ops, rtc, "rtc", err) < 0)
        return -1;
    return 0;
}

/* Puts one virtio device behind the next free virtio-mmio slot. */
static int virt_add_virtio(struct machine *m, struct riscv_virt *vs, const struct virtio_device_desc *d,
                           const struct virtio_dev_ops *ops, void *dev, struct emu_err *err)
{
    unsigned slot = vs->nvirtio;
    if (slot == VIRT_VIRTIO_SLOTS) {
        d->destroy(dev);
        return emu_errf(err, "-device %s: riscv-virt has %d virtio slots", d->name, VIRT_VIRTIO_SLOTS);
    }
    machine_add_device(m, d->name, NULL, dev, d->destroy);
    /* One reader of the console's input: a console that takes it wins,
     * or Linux's 8250 probe would start the UART eating typed bytes. */
    if (d == &virtio_console_desc && virtio_console_takes_input(dev))
        uart16550_disable_input(vs->uart);
    struct virtio_mmio *t = virtio_mmio_create(m, ops, dev, plic_irq(vs->plic, VIRT_VIRTIO_IRQ + slot));
    if (!t)
        return emu_errf(err, "out of memory creating %s", d->name);
    machine_add_device(m, d->name, &virtio_mmio_ops, t, virtio_mmio_destroy);
    /* One --stats entry per device: its own figures and the transport's. */
    virtio_mmio_set_stats(t, d->write_stats);
    m->devices[m->ndevices - 1].write_stats = virtio_mmio_write_stats;
    uint64_t base = riscv_virt_map[VIRT_VIRTIO].base + slot * (uint64_t)VIRTIO_MMIO_SIZE;
    if (memmap_add_mmio(&m->map, base, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, t, d->name, err) < 0)
        return -1;
    vs->nvirtio++;
    return 0;
}

static void virt_hub_destroy(void *hub)
{
    net_hub_destroy(hub);
}

/* The -device and -drive options, in command-line order. The hub is
 * registered first so that it is destroyed after the NICs on it. */
static int virt_add_vdevs(struct machine *m, struct riscv_virt *vs, struct emu_err *err)
{
    vs->hub = net_hub_create(m);
    if (!vs->hub)
        return emu_errf(err, "out of memory creating the network hub");
    machine_add_device(m, "hub", NULL, vs->hub, virt_hub_destroy);
    for (unsigned i = 0; i < m->cfg.nvdevs; i++) {
        struct virtio_env env = { .m = m, .index = vs->nvirtio, .hub = vs->hub };
        const struct virtio_device_desc *d;
        const struct virtio_dev_ops *ops;
        void *dev;
        if (virtio_device_create(&env, &m->cfg.vdevs[i], &d, &ops, &dev, err) < 0)
            return -1;
        if (dev && virt_add_virtio(m, vs, d, ops, dev, err) < 0)
            return -1;
    }
    return 0;
}

/* An ELF that defines tohost speaks HTIF (riscv-tests): attach the poller. */
static int virt_attach_htif(struct machine *m, const struct loader_info *info, struct emu_err *err)
{
    if (!info->has_htif)
        return 0;
    struct htif *h = htif_create(m, info->tohost, info->fromhost, m->console);
    if (!h)
        return emu_errf(err, "out of memory creating the HTIF device");
    machine_add_device(m, "htif", &htif_ops, h, htif_destroy);
    return 0;
}

/* Loads firmware and kernel; sets vs->entry, what the reset ROM jumps to. */
static int virt_load_images(struct machine *m, struct riscv_virt *vs, struct loader *ld, struct emu_err *err)
{
    const struct machine_config *cfg = &m->cfg;
    uint64_t ram = riscv_virt_map[VIRT_DRAM].base;
    const char *bios = cfg->bios ? cfg->bios : VIRT_DEFAULT_BIOS;
    bool firmware = strcmp(bios, "none") != 0;
    struct loader_info info;

    if (firmware) {
        if (loader_load_auto(ld, bios, ram, EM_RISCV, &info, err) < 0)
            return -1;
        vs->entry = info.entry;
        if (virt_attach_htif(m, &info, err) < 0)
            return -1;
    }
    if (cfg->kernel) {
        uint64_t at = firmware ? ram + VIRT_KERNEL_OFFSET : ram;
        if (loader_load_auto(ld, cfg->kernel, at, EM_RISCV, &info, err) < 0)
            return -1;
        vs->kernel_entry = info.entry;
        if (!firmware) {
            vs->entry = info.entry;
            if (virt_attach_htif(m, &info, err) < 0)
                return -1;
        }
    } else if (!firmware) {
        return emu_errf(err, "-bios none needs -kernel");
    }
    return 0;
}

/* The initrd goes just below the DTB slot at the top of RAM. */
static int virt_load_initrd(struct machine *m, struct riscv_virt *vs, struct loader *ld, struct emu_err *err)
{
    const char *path = m->cfg.initrd;
    if (!path)
        return 0;
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
        return emu_errf(err, "%s: cannot read the initrd", path);
    uint64_t ram = riscv_virt_map[VIRT_DRAM].base;
    uint64_t size = (uint64_t)st.st_size;
    if (size == 0)
        return emu_errf(err, "%s: the initrd is empty", path);
    if (size > vs->fdt_addr - ram)
        return emu_errf(err, "%s (%llu MiB) does not fit in RAM below the device tree", path,
                        (unsigned long long)(size >> 20));
    uint64_t at = (vs->fdt_addr - size) & ~(uint64_t)(MEM_PAGE_SIZE - 1);
    struct loader_info info;
    if (loader_load_raw(ld, path, at, &info, err) < 0)
        return -1;
    vs->initrd_start = at;
    vs->initrd_end = at + size;
    return 0;
}

static int virt_load_fdt(struct machine *m, struct riscv_virt *vs, struct loader *ld, struct emu_err *err)
{
    struct loader_info info;
    if (m->cfg.dtb)
        return loader_load_raw(ld, m->cfg.dtb, vs->fdt_addr, &info, err);
    void *fdt;
    long size = riscv_virt_fdt(m, vs, &fdt, err);
    if (size < 0)
        return -1;
    int rc = loader_load_blob(ld, "device tree", vs->fdt_addr, fdt, (uint64_t)size, err);
    free(fdt);
    return rc;
}

/*
 * The reset ROM every hart starts in (riscv priv 1.12 §3.4: the reset pc is
 * implementation-defined; QEMU virt's is 0x1000):
 *   auipc t0, 0; csrr a0, mhartid; ld a1, 32(t0); ld t0, 24(t0); jr t0
 * followed by the entry and DTB addresses.
 */
static int virt_write_reset_rom(struct machine *m, const struct riscv_virt *vs, struct emu_err *err)
{
    const uint32_t code[6] = {
        0x00000297, /* auipc t0, 0 */
        0xf1402573, /* csrr  a0, mhartid */
        0x0202b583, /* ld    a1, 32(t0) */
        0x0182b283, /* ld    t0, 24(t0) */
        0x00028067, /* jr    t0 */
        0,
    };
    uint8_t *rom = memmap_host_ptr(&m->map, riscv_virt_map[VIRT_MROM].base, 40);
    if (!rom)
        return emu_errf(err, "reset ROM missing");
    memcpy(rom, code, sizeof(code));
    memcpy(rom + 24, &vs->entry, 8);
    memcpy(rom + 32, &vs->fdt_addr, 8);
    return 0;
}

static int riscv_virt_load(struct machine *m, struct riscv_virt *vs, struct loader *ld, struct emu_err *err)
{
    uint64_t ram_end = riscv_virt_map[VIRT_DRAM].base + m->cfg.ram_size;
    vs->fdt_addr = (ram_end - RISCV_VIRT_FDT_MAX) & ~(VIRT_FDT_ALIGN - 1);
    if (virt_load_images(m, vs, ld, err) < 0 || virt_load_initrd(m, vs, ld, err) < 0 ||
        virt_load_fdt(m, vs, ld, err) < 0)
        return -1;
    return virt_write_reset_rom(m, vs, err);
}

static void virt_destroy(void *board)
{
    free(board);
}

int riscv_virt_create(struct machine *m, struct emu_err *err)
{
    struct machine_config *cfg = &m->cfg;
    struct riscv_virt *vs = calloc(1, sizeof(*vs));
    if (!vs)
        return emu_errf(err, "out of memory");
    m->board = vs;
    m->board_destroy = virt_destroy;
    vs->time_ratio = cfg->core_hz / RISCV_VIRT_TIMEBASE_HZ;

    if (rv_parse_cpu_model(cfg->cpu_model ? cfg->cpu_model : "rv64", &vs->ext, err) < 0)
        return -1;
    rv_isa_string(&vs->ext, vs->isa, sizeof(vs->isa));
    if (cfg->ncpus < 1 || cfg->ncpus > MACHINE_MAX_CPUS)
        return emu_errf(err, "-smp %u: riscv-virt has 1 to %u harts", cfg->ncpus, MACHINE_MAX_CPUS);
    if (cfg->ram_size < RISCV_VIRT_MIN_RAM)
        return emu_errf(err, "-m: riscv-virt needs at least %llu MiB of RAM",
                        (unsigned long long)(RISCV_VIRT_MIN_RAM >> 20));

    const struct riscv_virt_region *map = riscv_virt_map;
    if (memmap_add_rom(&m->map, map[VIRT_MROM].base, map[VIRT_MROM].size, "mrom", err) < 0 ||
        memmap_add_ram(&m->map, map[VIRT_DRAM].base, cfg->ram_size, "ram", err) < 0)
        return -1;

    for (unsigned i = 0; i < cfg->ncpus; i++) {
        struct cpu *cpu = rv_cpu_create(m, i, &vs->ext, vs->time_ratio);
        if (!cpu)
            return emu_errf(err, "out of memory creating hart %u", i);
        m->cpus[m->ncpus++] = cpu;
    }
    if (virt_add_devices(m, vs, err) < 0 || virt_add_vdevs(m, vs, err) < 0)
        return -1;

    struct loader ld;
    loader_init(&ld, m);
    int rc = riscv_virt_load(m, vs, &ld, err);
    loader_free(&ld);
    return rc;
}
