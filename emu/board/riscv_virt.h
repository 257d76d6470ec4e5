/* riscv-virt board state, shared by riscv_virt.c and riscv_virt_fdt.c. */
#ifndef EMU_BOARD_RISCV_VIRT_H
#define EMU_BOARD_RISCV_VIRT_H

#include <stddef.h>
#include <stdint.h>

#include "core/log.h"
#include "cpu-riscv/rv.h"

enum riscv_virt_slot {
    VIRT_MROM, VIRT_TEST, VIRT_RTC, VIRT_PVPANIC, VIRT_CLINT, VIRT_PLIC, VIRT_UART0, VIRT_VIRTIO, VIRT_DRAM, VIRT_NREGIONS
};

struct riscv_virt_region {
    uint64_t base, size;
};

extern const struct riscv_virt_region riscv_virt_map[VIRT_NREGIONS];

#define VIRT_UART0_IRQ 10
#define VIRT_RTC_IRQ 11
#define VIRT_VIRTIO_IRQ 1               /* slot i raises PLIC source 1 + i */
#define VIRT_VIRTIO_SLOTS 8
#define VIRT_PLIC_NSOURCES 96           /* sources 1..95, as QEMU virt */
#define RISCV_VIRT_TIMEBASE_HZ 10000000ull
#define RISCV_VIRT_FDT_MAX (1ull << 20)  /* room reserved for the DTB */
#define RISCV_VIRT_MIN_RAM (16ull << 20)

struct plic;
struct aclint;
struct uart16550;
struct sifive_test;
struct machine;
struct net_hub;

struct riscv_virt {
    struct rv_ext ext;
    char isa[256];
    uint64_t time_ratio;
    uint64_t entry;                     /* where the reset ROM jumps */
    uint64_t kernel_entry;
    uint64_t fdt_addr;
    uint64_t initrd_start, initrd_end;  /* 0, 0 without -initrd */
    struct plic *plic;
    struct aclint *clint;
    struct uart16550 *uart;
    struct sifive_test *test;
    struct net_hub *hub;
    unsigned nvirtio;                   /* virtio-mmio slots in use, from the first */
};

/* Builds the device tree into a malloc'ed buffer; returns its size, or -1. */
long riscv_virt_fdt(struct machine *m, const struct riscv_virt *vs, void **out, struct emu_err *err);

#endif
