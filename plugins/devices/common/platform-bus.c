/* SPDX-License-Identifier: MIT */
/*
 * An empty window of the address map where devices without a fixed place
 * go (QEMU virt's "platform bus" at 0x4000000, 32 MiB): a board file
 * declares one as a slot, and -device simple-framebuffer takes it (its
 * base and size), as virtio devices take virtio-mmio slots. A free slot
 * maps nothing: the guest's accesses there are bus errors, as on QEMU.
 */
#include <tessera/device.h>

static int pbus_realize(TesseraDevice *dev, void *state)
{
    (void)dev, (void)state;
    return 0;
}

static const TesseraProp pbus_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "start of the window"},
    {"size", TESSERA_PROP_U64, "0x2000000", "size of the window in bytes"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass pbus_class = {
    .name = "platform-bus",
    .description = "a free window of the address map that -device "
                   "simple-framebuffer takes",
    .props = pbus_props,
    .realize = pbus_realize,
    .mmio_help = "nothing: -device simple-framebuffer takes its place",
};

static int pbus_init(void)
{
    return tessera_register_device(&pbus_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "platform-bus", "0.1.0", pbus_init);
