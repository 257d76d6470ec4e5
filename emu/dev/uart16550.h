/*
 * NS16550A UART, as on QEMU's riscv virt board (8-bit registers, reg-shift 0).
 *
 *   struct uart16550 *u = uart16550_create(m, irq, m->console);
 *   memmap_add_mmio(&m->map, 0x10000000, 0x100, &uart16550_ops, u, "uart0", err);
 *   machine_add_device(m, "uart0", &uart16550_ops, u, uart16550_destroy);
 */
#ifndef EMU_DEV_UART16550_H
#define EMU_DEV_UART16550_H

#include <stdint.h>

#include "core/dev.h"

struct machine;
struct chardev;
struct uart16550;

struct uart16550_stats {
    uint64_t bytes_in;       /* bytes taken from the backend into the RX FIFO */
    uint64_t bytes_out;      /* bytes sent to the backend */
    uint64_t irqs_raised;    /* low-to-high transitions of the interrupt line */
};

/* ch may be NULL (output discarded, no input). Returns NULL on no memory. */
struct uart16550 *uart16550_create(struct machine *m, struct irq_line irq, struct chardev *ch);
void uart16550_destroy(void *uart);
/* The UART takes no more input: another device (virtio-console with
 * input=on) owns the shared console's input. */
void uart16550_disable_input(struct uart16550 *u);
struct uart16550_stats uart16550_get_stats(const struct uart16550 *u);

extern const struct dev_ops uart16550_ops;

#endif
