/* SPDX-License-Identifier: MIT */
/*
 * virtio-keyboard-device: a keyboard over virtio-mmio (virtio 1.2, 5.8).
 * It reports every key the monitor can name (QEMU's key names), the
 * num/caps/scroll lock LEDs and autorepeat by the guest; the core gives
 * it the key events of the front-end and of sendkey (tessera/input.h).
 * Takes a virtio-mmio slot with -device.
 */
#include <tessera/device.h>

#include "virtio-input.h"

static const uint16_t kbd_leds[] = {TESSERA_LED_NUML, TESSERA_LED_CAPSL,
                                    TESSERA_LED_SCROLLL, 0xffff};

static const VirtioInputDesc kbd_desc = {
    .name = "Tessera Virtio Keyboard",
    .bustype = 0x06, /* BUS_VIRTUAL */
    .vendor = 0x0627, /* the ids QEMU's model has, so guest configuration */
    .product = 0x0001, /* written for it matches */
    .version = 0x0001,
    .kinds = TESSERA_INPUT_KEYBOARD,
    .leds = kbd_leds,
    .rep = true,
    .keys_from_qcodes = true,
};

static int kbd_realize(TesseraDevice *dev, void *state)
{
    return virtio_input_realize(dev, state, &kbd_desc);
}

static const TesseraProp kbd_props[] = {
    VIRTIO_INPUT_PROPS,
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass kbd_class = {
    .name = "virtio-keyboard-device",
    .description = "virtio keyboard (virtio-mmio)",
    .props = kbd_props,
    .state_size = sizeof(VirtioInput),
    .realize = kbd_realize,
    .reset = virtio_input_dev_reset,
    .fdt_node = virtio_input_fdt,
    .finalize = virtio_input_finalize,
    .mmio_help = "0x1000 bytes at base (virtio-mmio version 2)",
    .slot_type = "virtio-mmio",
};

static int kbd_init(void)
{
    return tessera_register_device(&kbd_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "virtio-keyboard-device", "0.1.0",
               kbd_init);
