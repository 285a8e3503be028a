/* SPDX-License-Identifier: MIT */
/*
 * virtio console (virtio 1.2, 5.3): one console port (hvc0 in Linux) on a
 * character backend, without MULTIPORT. QEMU's command line is followed:
 *     -device virtio-serial-device -device virtconsole,chardev=ID
 * virtio-serial-device takes a virtio-mmio slot; virtconsole (the port)
 * takes the place of that virtio-serial-device (TesseraDeviceClass
 * slot_type) and gives it its backend. Both names are this one model;
 * "virtio-serial-device,chardev=ID" alone works too. A second virtconsole
 * needs a second virtio-serial-device (one port each).
 *
 * Queues: 0 receiveq (host to guest), 1 transmitq. Input is taken from
 * the backend only while the driver has a receive buffer posted, so
 * nothing is dropped; output goes to the backend as the guest sends it.
 * VIRTIO_CONSOLE_F_EMERG_WRITE: a write to config offset 8 prints a byte.
 */
#include <stdlib.h>

#include <tessera/device.h>

#include "virtio.h"

#define CONSOLE_F_SIZE 0
#define CONSOLE_F_EMERG_WRITE 2
#define CONSOLE_QUEUE_SIZE 128
#define CONSOLE_CONFIG_LEN 12
#define CONSOLE_CHUNK 4096
#define RXQ 0
#define TXQ 1

typedef struct VirtioSerial {
    VirtioDev vdev;
    TesseraChardev *chr;
    bool rx_held;       /* rx_elem popped, not filled yet */
    VirtqElem rx_elem;
} VirtioSerial;

static void rx_drop(VirtioSerial *s)
{
    if (s->rx_held)
        virtq_elem_free(&s->rx_elem);
    s->rx_held = false;
}

/* Host input: as much as the posted receive buffer takes. */
static int serial_can_read(void *opaque)
{
    VirtioSerial *s = opaque;
    if (!virtio_running(&s->vdev))
        return 0;
    if (!s->rx_held) {
        if (virtq_pop(&s->vdev, RXQ, &s->rx_elem) != 1)
            return 0;
        s->rx_held = true;
        if (s->rx_elem.in_len == 0) {
            /* A buffer that holds nothing: give it back empty. */
            virtq_push(&s->vdev, &s->rx_elem, 0);
            virtq_notify(&s->vdev, RXQ);
            rx_drop(s);
            return 0;
        }
    }
    return (int)(s->rx_elem.in_len < CONSOLE_CHUNK ? s->rx_elem.in_len
                                                   : CONSOLE_CHUNK);
}

static void serial_receive(void *opaque, const uint8_t *buf, size_t len)
{
    VirtioSerial *s = opaque;
    if (!s->rx_held || !virtio_running(&s->vdev))
        return;
    int64_t n = virtq_elem_write(&s->vdev, &s->rx_elem, 0, buf, len);
    if (n >= 0) {
        virtq_push(&s->vdev, &s->rx_elem, (uint32_t)n);
        virtq_notify(&s->vdev, RXQ);
    }
    rx_drop(s);
}

static void serial_tx(VirtioSerial *s)
{
    VirtioDev *vdev = &s->vdev;
    VirtqElem e;
    uint8_t buf[CONSOLE_CHUNK];
    bool pushed = false;

    while (virtq_pop(vdev, TXQ, &e) == 1) {
        uint64_t off = 0;
        bool ok = true;
        while (off < e.out_len) {
            uint64_t n = e.out_len - off;
            if (n > sizeof(buf))
                n = sizeof(buf);
            if (virtq_elem_read(vdev, &e, off, buf, n) != (int64_t)n) {
                ok = false;
                break;
            }
            if (s->chr)
                tessera_chr_write(s->chr, buf, n);
            off += n;
        }
        if (ok)
            virtq_push(vdev, &e, 0);
        virtq_elem_free(&e);
        pushed = true;
        if (!ok)
            break;
    }
    if (pushed)
        virtq_notify(vdev, TXQ);
}

static void serial_notify(VirtioDev *vdev, unsigned q)
{
    VirtioSerial *s = vdev->opaque;
    if (q == TXQ)
        serial_tx(s);
    else if (s->chr)
        tessera_chr_accept_input(s->chr); /* new receive buffers */
}

static void serial_config_write(VirtioDev *vdev, unsigned off, unsigned size)
{
    VirtioSerial *s = vdev->opaque;
    /* emerg_wr (offset 8): the low byte is a character to print. */
    if (off == 8 && virtio_has_feature(vdev, CONSOLE_F_EMERG_WRITE) &&
        s->chr)
        tessera_chr_write(s->chr, &vdev->config[8], 1);
    virtio_config_set32(vdev, 8, 0);
}

static void serial_vreset(VirtioDev *vdev)
{
    rx_drop(vdev->opaque);
}

static void serial_status(VirtioDev *vdev, uint32_t status)
{
    VirtioSerial *s = vdev->opaque;
    if ((status & VIRTIO_STATUS_DRIVER_OK) && s->chr)
        tessera_chr_accept_input(s->chr);
}

static const VirtioDevOps serial_ops = {
    .device_id = VIRTIO_ID_CONSOLE,
    .num_queues = 2,
    .queue_size = CONSOLE_QUEUE_SIZE,
    .features = 1ull << CONSOLE_F_EMERG_WRITE,
    .config_len = CONSOLE_CONFIG_LEN,
    .notify = serial_notify,
    .config_write = serial_config_write,
    .reset = serial_vreset,
    .status = serial_status,
};

static int serial_realize(TesseraDevice *dev, void *state)
{
    VirtioSerial *s = state;
    if (tessera_dev_prop_u64(dev, "nr") != 0) {
        tessera_error("%s: only port 0 (the console) exists: this "
                      "virtio-serial has no MULTIPORT", tessera_dev_name(dev));
        return -1;
    }
    if (virtio_init(&s->vdev, dev, &serial_ops, s) < 0)
        return -1;
    virtio_config_set16(&s->vdev, 0, 80);  /* cols (without F_SIZE unused) */
    virtio_config_set16(&s->vdev, 2, 25);  /* rows */
    virtio_config_set32(&s->vdev, 4, 1);   /* max_nr_ports */
    s->chr = tessera_dev_chardev(dev, "chardev");
    if (s->chr)
        tessera_chr_set_receiver(s->chr, serial_can_read, serial_receive, s);
    return 0;
}

static void serial_reset(TesseraDevice *dev, void *state)
{
    VirtioSerial *s = state;
    virtio_reset(&s->vdev);
}

static int serial_fdt(TesseraDevice *dev, void *state, void *fdt, int parent)
{
    VirtioSerial *s = state;
    return virtio_fdt_node(&s->vdev, fdt, parent);
}

static void serial_finalize(TesseraDevice *dev, void *state)
{
    rx_drop(state);
}

static const TesseraProp serial_props[] = {
    VIRTIO_MMIO_PROPS,
    {"chardev", TESSERA_PROP_CHARDEV, "",
     "character backend of the console port"},
    {"name", TESSERA_PROP_STRING, "", "port name (unused without MULTIPORT)"},
    {"nr", TESSERA_PROP_U64, "0", "port number (0 only)"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass serial_class = {
    .name = "virtio-serial-device",
    .description = "virtio console with one port, hvc0 (virtio-mmio)",
    .props = serial_props,
    .state_size = sizeof(VirtioSerial),
    .realize = serial_realize,
    .reset = serial_reset,
    .fdt_node = serial_fdt,
    .finalize = serial_finalize,
    .mmio_help = "0x1000 bytes at base (virtio-mmio version 2)",
    .slot_type = "virtio-mmio",
};

/* The port, as QEMU names it: the same model, placed on a
 * virtio-serial-device. */
static const TesseraDeviceClass virtconsole_class = {
    .name = "virtconsole",
    .description = "console port for a virtio-serial-device (chardev=ID)",
    .props = serial_props,
    .state_size = sizeof(VirtioSerial),
    .realize = serial_realize,
    .reset = serial_reset,
    .fdt_node = serial_fdt,
    .finalize = serial_finalize,
    .mmio_help = "the virtio-serial-device's",
    .slot_type = "virtio-serial-device",
};

static int serial_init(void)
{
    if (tessera_register_device(&serial_class) < 0)
        return -1;
    return tessera_register_device(&virtconsole_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "virtio-serial-device", "0.1.0",
               serial_init);
