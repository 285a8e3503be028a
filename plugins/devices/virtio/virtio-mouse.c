/* SPDX-License-Identifier: MIT */
/*
 * virtio-mouse-device: a relative pointer over virtio-mmio (virtio 1.2,
 * 5.8): left, right, middle, side and extra buttons, X/Y motion and the
 * wheel. Takes a virtio-mmio slot with -device.
 */
#include <tessera/device.h>

#include "virtio-input.h"

static const uint16_t mouse_keys[] = {
    TESSERA_BTN_LEFT, TESSERA_BTN_RIGHT, TESSERA_BTN_MIDDLE,
    TESSERA_BTN_SIDE, TESSERA_BTN_EXTRA, 0,
};
static const uint16_t mouse_rels[] = {TESSERA_REL_X, TESSERA_REL_Y,
                                      TESSERA_REL_WHEEL, 0xffff};

static const VirtioInputDesc mouse_desc = {
    .name = "Tessera Virtio Mouse",
    .bustype = 0x06,
    .vendor = 0x0627,
    .product = 0x0002,
    .version = 0x0001,
    .kinds = TESSERA_INPUT_REL,
    .keys = mouse_keys,
    .rels = mouse_rels,
};

static int mouse_realize(TesseraDevice *dev, void *state)
{
    return virtio_input_realize(dev, state, &mouse_desc);
}

static const TesseraProp mouse_props[] = {
    VIRTIO_INPUT_PROPS,
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass mouse_class = {
    .name = "virtio-mouse-device",
    .description = "virtio mouse, relative pointer (virtio-mmio)",
    .props = mouse_props,
    .state_size = sizeof(VirtioInput),
    .realize = mouse_realize,
    .reset = virtio_input_dev_reset,
    .fdt_node = virtio_input_fdt,
    .finalize = virtio_input_finalize,
    .mmio_help = "0x1000 bytes at base (virtio-mmio version 2)",
    .slot_type = "virtio-mmio",
};

static int mouse_init(void)
{
    return tessera_register_device(&mouse_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "virtio-mouse-device", "0.1.0",
               mouse_init);
