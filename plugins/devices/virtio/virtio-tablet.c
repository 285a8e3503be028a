/* SPDX-License-Identifier: MIT */
/*
 * virtio-tablet-device: an absolute pointer over virtio-mmio (virtio 1.2,
 * 5.8): X and Y from 0 to 0x7fff over the whole screen, left, right,
 * middle, side and extra buttons and the wheel. A front-end with a
 * tablet needs no pointer grab. Takes a virtio-mmio slot with -device.
 */
#include <tessera/device.h>

#include "virtio-input.h"

static const uint16_t tablet_keys[] = {
    TESSERA_BTN_LEFT, TESSERA_BTN_RIGHT, TESSERA_BTN_MIDDLE,
    TESSERA_BTN_SIDE, TESSERA_BTN_EXTRA, 0,
};
static const uint16_t tablet_rels[] = {TESSERA_REL_WHEEL, 0xffff};
static const VirtioInputAbs tablet_abs[] = {
    {TESSERA_ABS_X, 0, TESSERA_INPUT_ABS_MAX, 0, 0, 0},
    {TESSERA_ABS_Y, 0, TESSERA_INPUT_ABS_MAX, 0, 0, 0},
    {0xffff, 0, 0, 0, 0, 0},
};

static const VirtioInputDesc tablet_desc = {
    .name = "Tessera Virtio Tablet",
    .bustype = 0x06,
    .vendor = 0x0627,
    .product = 0x0003,
    .version = 0x0001,
    .kinds = TESSERA_INPUT_ABS,
    .keys = tablet_keys,
    .rels = tablet_rels,
    .abs = tablet_abs,
};

static int tablet_realize(TesseraDevice *dev, void *state)
{
    return virtio_input_realize(dev, state, &tablet_desc);
}

static const TesseraProp tablet_props[] = {
    VIRTIO_INPUT_PROPS,
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass tablet_class = {
    .name = "virtio-tablet-device",
    .description = "virtio tablet, absolute pointer (virtio-mmio)",
    .props = tablet_props,
    .state_size = sizeof(VirtioInput),
    .realize = tablet_realize,
    .reset = virtio_input_dev_reset,
    .fdt_node = virtio_input_fdt,
    .finalize = virtio_input_finalize,
    .mmio_help = "0x1000 bytes at base (virtio-mmio version 2)",
    .slot_type = "virtio-mmio",
};

static int tablet_init(void)
{
    return tessera_register_device(&tablet_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "virtio-tablet-device", "0.1.0",
               tablet_init);
