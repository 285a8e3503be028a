/* SPDX-License-Identifier: MIT */
/*
 * AVR GPIO port: PINx, DDRx, PORTx at base, base+1, base+2. Writing ones
 * to PINx toggles those PORTx bits. Nothing drives the pins from outside,
 * so an input reads 1 when its pull-up is on (PORTx bit set) and 0
 * otherwise.
 */
#include <tessera/device.h>

#include "avr-dev.h"

typedef struct Gpio {
    uint8_t ddr, port;
} Gpio;

static uint64_t gpio_read(void *opaque, uint64_t off, unsigned size)
{
    Gpio *s = opaque;
    (void)size;
    switch (off) {
    case 0:
        return s->port; /* outputs read back; inputs follow the pull-up */
    case 1:
        return s->ddr;
    default:
        return s->port;
    }
}

static void gpio_write(void *opaque, uint64_t off, uint64_t value,
                       unsigned size)
{
    Gpio *s = opaque;
    (void)size;
    switch (off) {
    case 0:
        s->port ^= (uint8_t)value;
        break;
    case 1:
        s->ddr = (uint8_t)value;
        break;
    default:
        s->port = (uint8_t)value;
        break;
    }
}

static const TesseraMmioOps gpio_ops = {
    .read = gpio_read, .write = gpio_write, .min_access = 1, .max_access = 1};

static int gpio_realize(TesseraDevice *dev, void *state)
{
    return tessera_dev_map_mmio(dev,
                                AVR_DEV_DATA_BASE +
                                    tessera_dev_prop_u64(dev, "base"),
                                3, &gpio_ops, state);
}

static void gpio_reset(TesseraDevice *dev, void *state)
{
    Gpio *s = state;
    (void)dev;
    s->ddr = s->port = 0;
}

static const TesseraProp gpio_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "data address of PINx (0x23 for PORTB)"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass gpio_class = {
    .name = "avr-gpio",
    .description = "AVR GPIO port (PINx/DDRx/PORTx)",
    .props = gpio_props,
    .state_size = sizeof(Gpio),
    .realize = gpio_realize,
    .reset = gpio_reset,
};

static int gpio_init(void)
{
    return tessera_register_device(&gpio_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "avr-gpio", "0.1.0", gpio_init);
