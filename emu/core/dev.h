/*
 * Device interface: a device is its own state plus a const ops table.
 *
 * A device never includes a board or CPU header. It is attached to the
 * memory map with memmap_add_mmio(map, base, size, &ops, state, name) and
 * receives its IRQ lines (struct irq_line) at creation.
 *
 *   static const struct dev_ops uart_ops = {
 *       .read = uart_read, .write = uart_write, .reset = uart_reset,
 *   };
 */
#ifndef EMU_CORE_DEV_H
#define EMU_CORE_DEV_H

#include <stdbool.h>
#include <stdint.h>

struct snap;

struct dev_ops {
    /* off is relative to the region base; size is 1, 2, 4 or 8. */
    uint64_t (*read)(void *dev, uint64_t off, unsigned size);
    void     (*write)(void *dev, uint64_t off, uint64_t val, unsigned size);
    void     (*reset)(void *dev);
    int      (*save)(void *dev, struct snap *);
    int      (*load)(void *dev, struct snap *);
};

/*
 * An interrupt line is a level driven by one device into one input of a
 * sink (an interrupt controller or a CPU). The sink decides what a level
 * means; the device only says high or low.
 */
typedef void (*irq_set_fn)(void *sink, unsigned input, bool level);

struct irq_line {
    irq_set_fn set;
    void *sink;
    unsigned input;
};

static inline void irq_set(const struct irq_line *l, bool level)
{
    if (l->set)
        l->set(l->sink, l->input, level);
}

static inline struct irq_line irq_line_make(irq_set_fn set, void *sink, unsigned input)
{
    struct irq_line l = { set, sink, input };
    return l;
}

#endif
