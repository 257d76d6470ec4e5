/*
 * virtio console device (virtio 1.2 §5.3), one port, on the machine's
 * console backend (m->console): -device virtconsole[,input=on|off].
 *
 * Output always goes to the console backend, so a guest started with
 * console=hvc0 prints where the serial port would. With input=on the
 * device also takes input from the backend, paced in virtual time, once
 * the guest has written to the port and only while it has receive buffers
 * posted.
 *
 *   const struct virtio_dev_ops *ops;
 *   void *con = virtio_console_desc.create(&env, &opts, &ops, err);
 */
#ifndef EMU_VIRTIO_CONSOLE_H
#define EMU_VIRTIO_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/registry.h"

struct virtio_console_stats {
    uint64_t bytes_out;         /* transmitq bytes and emergency writes sent to the backend */
    uint64_t bytes_in;          /* bytes taken from the backend into receive buffers */
};

extern const struct virtio_device_desc virtio_console_desc;

struct virtio_console_stats virtio_console_get_stats(const void *dev);

/* True when the device reads the console backend (input=on with a
 * backend). The board then keeps other devices, e.g. the UART, from
 * reading the same backend: two readers would split the user's input. */
bool virtio_console_takes_input(const void *dev);

#endif
