/* SPDX-License-Identifier: MIT */
/*
 * An empty virtio-mmio transport slot (virtio 1.x, "modern" register
 * layout). With no backend attached it reports device ID 0, which the
 * virtio spec defines as "no device here": a guest probing the slot sees a
 * valid transport and moves on. Writes are accepted and ignored.
 */
#include <inttypes.h>

#include <tessera/device.h>

#include "riscv-fdt.h"

#define VIRTIO_SIZE 0x1000
#define VIRTIO_MAGIC 0x000
#define VIRTIO_VERSION 0x004
#define VIRTIO_DEVICE_ID 0x008
#define VIRTIO_VENDOR_ID 0x00c
#define VIRTIO_QUEUE_NUM_MAX 0x034

#define VIRTIO_MAGIC_VALUE 0x74726976u /* "virt" */
#define VIRTIO_VENDOR 0x554d4551u      /* "QEMU", what guests expect here */

typedef struct VirtioMmio {
    TesseraDevice *dev;
    uint64_t base;
    uint32_t version;
} VirtioMmio;

static uint64_t virtio_read(void *opaque, uint64_t offset, unsigned size)
{
    VirtioMmio *s = opaque;

    switch (offset) {
    case VIRTIO_MAGIC:
        return VIRTIO_MAGIC_VALUE;
    case VIRTIO_VERSION:
        return s->version;
    case VIRTIO_VENDOR_ID:
        return VIRTIO_VENDOR;
    default:
        return 0; /* device ID 0, no queues, no features */
    }
}

static void virtio_write(void *opaque, uint64_t offset, uint64_t value,
                         unsigned size)
{
}

static const TesseraMmioOps virtio_ops = {
    .read = virtio_read,
    .write = virtio_write,
    .min_access = 4,
    .max_access = 4,
};

static int virtio_realize(TesseraDevice *dev, void *state)
{
    VirtioMmio *s = state;
    uint64_t v = tessera_dev_prop_u64(dev, "version");

    s->dev = dev;
    s->base = tessera_dev_prop_u64(dev, "base");
    if (v != 1 && v != 2) {
        tessera_error("%s: version must be 1 (legacy) or 2",
                      tessera_dev_name(dev));
        return -1;
    }
    s->version = (uint32_t)v;
    return tessera_dev_map_mmio(dev, s->base, VIRTIO_SIZE, &virtio_ops, s);
}

static int virtio_fdt_node(TesseraDevice *dev, void *state, void *fdt,
                           int parent)
{
    VirtioMmio *s = state;
    int node = riscv_fdt_node(fdt, parent, "virtio_mmio", s->base), r;

    if (node < 0)
        return node;
    if ((r = riscv_fdt_irq(dev, fdt, node, "irq")) < 0 ||
        (r = riscv_fdt_reg(fdt, node, s->base, VIRTIO_SIZE)) < 0 ||
        (r = fdt_setprop_string(fdt, node, "compatible", "virtio,mmio")) < 0)
        return r;
    return 0;
}

static const TesseraProp virtio_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "MMIO base address"},
    {"irq", TESSERA_PROP_IRQ, "", "interrupt output"},
    {"version", TESSERA_PROP_U64, "2", "transport version: 1 legacy, 2"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass virtio_class = {
    .name = "virtio-mmio",
    .description = "virtio-mmio transport slot (no backend: device ID 0)",
    .props = virtio_props,
    .state_size = sizeof(VirtioMmio),
    .realize = virtio_realize,
    .fdt_node = virtio_fdt_node,
    .mmio_help = "0x1000 bytes at base (virtio-mmio version 2 registers)",
};

static int virtio_init(void)
{
    return tessera_register_device(&virtio_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "virtio-mmio", "0.1.0", virtio_init);
