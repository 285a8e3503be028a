/* SPDX-License-Identifier: MIT */
/*
 * doorbell: an example Tessera device plugin, built out of tree against the
 * installed SDK (see README.md). It shows the four things most devices
 * need: an MMIO region, an output interrupt line, properties set by the
 * board file, and a device-tree node.
 *
 * Registers (32-bit, little endian):
 *   0x00 ID      read-only: the "id" property
 *   0x04 RING    write 1: count a ring and raise the interrupt
 *   0x08 STATUS  read-only: bit 0 = interrupt pending
 *   0x0c ACK     write 1: lower the interrupt
 *   0x10 COUNT   read-only: rings since reset
 */
#include <stdint.h>
#include <stdio.h>

#include <libfdt.h>
#include <tessera/device.h>

#define DOORBELL_SIZE 0x1000

enum { REG_ID = 0x00, REG_RING = 0x04, REG_STATUS = 0x08, REG_ACK = 0x0c,
       REG_COUNT = 0x10 };

/* The core allocates and zeroes this block: one per instance. */
typedef struct Doorbell {
    TesseraDevice *dev;
    TesseraIrq *irq; /* NULL when the board leaves "irq" unwired */
    uint64_t base;
    uint32_t id;
    uint32_t count;
    int pending;
} Doorbell;

static void doorbell_update(Doorbell *s)
{
    tessera_irq_set(s->irq, s->pending);
}

static uint64_t doorbell_read(void *opaque, uint64_t offset, unsigned size)
{
    Doorbell *s = opaque;

    switch (offset) {
    case REG_ID:
        return s->id;
    case REG_STATUS:
        return (uint64_t)s->pending;
    case REG_COUNT:
        return s->count;
    }
    /* Guests poking holes is their bug, not ours: log it under -d. */
    tessera_log(TESSERA_LOG_GUEST_ERRORS, "%s: read of unknown register 0x%x\n",
                tessera_dev_name(s->dev), (unsigned)offset);
    return 0;
}

static void doorbell_write(void *opaque, uint64_t offset, uint64_t value,
                           unsigned size)
{
    Doorbell *s = opaque;

    if (offset == REG_RING && (value & 1)) {
        s->count++;
        s->pending = 1;
        doorbell_update(s);
    } else if (offset == REG_ACK && (value & 1)) {
        s->pending = 0;
        doorbell_update(s);
    } else {
        tessera_log(TESSERA_LOG_GUEST_ERRORS,
                    "%s: write of 0x%x to register 0x%x ignored\n",
                    tessera_dev_name(s->dev), (unsigned)value,
                    (unsigned)offset);
    }
}

static const TesseraMmioOps doorbell_ops = {
    .read = doorbell_read,
    .write = doorbell_write,
    .min_access = 4, /* the core splits or widens other sizes for us */
    .max_access = 4,
};

static int doorbell_realize(TesseraDevice *dev, void *state)
{
    Doorbell *s = state;

    s->dev = dev;
    s->base = tessera_dev_prop_u64(dev, "base");
    uint64_t id = tessera_dev_prop_u64(dev, "id");
    if (id > UINT32_MAX) {
        tessera_error("%s: id 0x%llx does not fit the 32-bit ID register",
                      tessera_dev_name(dev), (unsigned long long)id);
        return -1;
    }
    s->id = (uint32_t)id;
    return tessera_dev_map_mmio(dev, s->base, DOORBELL_SIZE, &doorbell_ops, s);
}

static void doorbell_reset(TesseraDevice *dev, void *state)
{
    Doorbell *s = state;

    /* The core wires IRQ lines after realize(): look ours up here. */
    s->irq = tessera_dev_irq_out(dev, "irq", 0);
    s->count = 0;
    s->pending = 0;
    doorbell_update(s);
}

/* A node a Linux driver could bind to; the parent uses 2 address cells and
 * 2 size cells, like the memory map of the RISC-V virt board. */
static int doorbell_fdt_node(TesseraDevice *dev, void *state, void *fdt,
                             int parent)
{
    Doorbell *s = state;
    char name[48];
    uint64_t reg[2];

    snprintf(name, sizeof(name), "doorbell@%llx", (unsigned long long)s->base);
    int node = fdt_add_subnode(fdt, parent, name);
    if (node < 0)
        return -1;
    reg[0] = cpu_to_fdt64(s->base);
    reg[1] = cpu_to_fdt64(DOORBELL_SIZE);
    if (fdt_setprop_string(fdt, node, "compatible", "tessera,example-doorbell") ||
        fdt_setprop(fdt, node, "reg", reg, sizeof(reg)) ||
        fdt_setprop_u32(fdt, node, "tessera,id", s->id))
        return -1;
    /* Name our interrupt when it goes to an interrupt controller device
     * (a PLIC); a line wired straight to a CPU input has no such node. */
    TesseraIrqTarget t;
    if (tessera_dev_irq_target(dev, "irq", 0, &t) && t.dev &&
        (fdt_setprop_u32(fdt, node, "interrupt-parent",
                         tessera_dev_phandle(t.dev)) ||
         fdt_setprop_u32(fdt, node, "interrupts", t.input)))
        return -1;
    return 0;
}

static const TesseraProp doorbell_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "MMIO base address (required)"},
    {"id", TESSERA_PROP_U64, "0xd00be11", "value of the ID register"},
    {"irq", TESSERA_PROP_IRQ, "", "interrupt raised by RING, lowered by ACK"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass doorbell_class = {
    .name = "doorbell",
    .description = "Example doorbell (out-of-tree SDK example)",
    .props = doorbell_props,
    .state_size = sizeof(Doorbell),
    .realize = doorbell_realize,
    .reset = doorbell_reset,
    .fdt_node = doorbell_fdt_node,
    .mmio_help = "0x1000 bytes at base",
};

static int doorbell_init(void)
{
    return tessera_register_device(&doorbell_class);
}

/* The one exported symbol: ABI version, kind, name, version, init. */
TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "doorbell", "1.0.0", doorbell_init);
