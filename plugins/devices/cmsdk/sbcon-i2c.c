/* SPDX-License-Identifier: MIT */
/*
 * ARM SBCon two-wire serial bus interface (the MPS2's I2C controllers):
 * software drives SCL (bit 0) and SDA (bit 1) through CONTROLS (0x0,
 * write: set) and CONTROLC (0x4, write: clear) and reads the lines back
 * at 0x0. No device answers on the bus, so the lines read as driven
 * (a released SDA is pulled high: every address is not acknowledged).
 */
#include <stdint.h>

#include <tessera/device.h>

typedef struct SbCon {
    uint32_t out;
} SbCon;

static uint64_t sbcon_read(void *opaque, uint64_t off, unsigned size)
{
    SbCon *s = opaque;
    (void)size;
    return off == 0 ? s->out : 0;
}

static void sbcon_write(void *opaque, uint64_t off, uint64_t value,
                        unsigned size)
{
    SbCon *s = opaque;
    (void)size;
    if (off == 0)
        s->out |= (uint32_t)value & 3;
    else if (off == 4)
        s->out &= ~((uint32_t)value & 3);
}

static const TesseraMmioOps sbcon_ops = {
    .read = sbcon_read,
    .write = sbcon_write,
    .min_access = 4,
    .max_access = 4,
};

static int sbcon_realize(TesseraDevice *dev, void *state)
{
    return tessera_dev_map_mmio(dev, tessera_dev_prop_u64(dev, "base"),
                                0x1000, &sbcon_ops, state);
}

static void sbcon_reset(TesseraDevice *dev, void *state)
{
    SbCon *s = state;
    (void)dev;
    s->out = 0;
}

static const TesseraProp sbcon_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "MMIO base address (4 KiB)"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass sbcon_class = {
    .name = "sbcon-i2c",
    .description = "ARM SBCon two-wire (I2C) interface, no devices on it",
    .props = sbcon_props,
    .state_size = sizeof(SbCon),
    .realize = sbcon_realize,
    .reset = sbcon_reset,
    .mmio_help = "0x1000 bytes at base",
};

static int sbcon_init(void)
{
    return tessera_register_device(&sbcon_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "sbcon-i2c", "0.1.0", sbcon_init);
