/* SPDX-License-Identifier: MIT */
/* A device that maps MMIO without a write callback: the core must refuse
 * it when the machine is built, not crash at the guest's first store. */
#include <tessera/device.h>

static uint64_t nm_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)size;
    return 0;
}

static const TesseraMmioOps nm_ops = {.read = nm_read};

static int nm_realize(TesseraDevice *dev, void *state)
{
    return tessera_dev_map_mmio(dev, tessera_dev_prop_u64(dev, "base"), 0x100,
                                &nm_ops, state);
}

static const TesseraProp nm_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "MMIO base address"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass nm_class = {
    .name = "null-mmio",
    .description = "test: MMIO without a write callback",
    .props = nm_props,
    .realize = nm_realize,
};

static int nm_init(void)
{
    return tessera_register_device(&nm_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "null-mmio", "1.0", nm_init);
