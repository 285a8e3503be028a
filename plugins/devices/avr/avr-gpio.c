/* SPDX-License-Identifier: MIT */
/*
 * AVR GPIO port: PINx, DDRx, PORTx at base, base+1, base+2. Writing ones
 * to PINx toggles those PORTx bits. Nothing drives the pins from outside,
 * so an input reads 1 when its pull-up is on (PORTx bit set) and 0
 * otherwise.
 *
 * vcd=FILE writes a Value Change Dump (GTKWave opens it) of the eight
 * pins and of DDRx, in nanoseconds of virtual time:
 *     tessera -M uno -bios blink.elf -set portb.vcd=portb.vcd
 */
#include <stdio.h>

#include <tessera/device.h>

#include "avr-dev.h"

typedef struct Gpio {
    TesseraDevice *dev;
    uint8_t ddr, port;
    uint8_t irq_pins;   /* pins that drive the "pins" output lines */
    TesseraIrq *pin_irq[8];
    FILE *vcd;
    uint8_t vcd_pins, vcd_ddr;
    bool vcd_started;
} Gpio;

static void vcd_bits(FILE *f, uint8_t v)
{
    for (int i = 7; i >= 0; i--)
        fputc('0' + ((v >> i) & 1), f);
}

/* Drives the "pins" lines (external interrupt inputs) with the levels. */
static void pins_out(Gpio *s)
{
    unsigned j = 0;
    for (unsigned i = 0; i < 8; i++)
        if ((s->irq_pins >> i) & 1)
            tessera_irq_set(s->pin_irq[j++], (s->port >> i) & 1);
}

/* Dumps what changed since the last dump (everything at the first). */
static void vcd_sample(Gpio *s)
{
    if (!s->vcd)
        return;
    uint8_t pins = s->port; /* outputs, or the pull-ups of inputs */
    bool first = !s->vcd_started;
    if (!first && pins == s->vcd_pins && s->ddr == s->vcd_ddr)
        return;
    fprintf(s->vcd, "#%llu\n", (unsigned long long)tessera_clock_ns());
    for (int i = 0; i < 8; i++)
        if (first || ((pins ^ s->vcd_pins) >> i & 1))
            fprintf(s->vcd, "%d%c\n", (pins >> i) & 1, 'a' + i);
    if (first || s->ddr != s->vcd_ddr) {
        fputc('b', s->vcd);
        vcd_bits(s->vcd, s->ddr);
        fputs(" D\n", s->vcd);
    }
    s->vcd_pins = pins;
    s->vcd_ddr = s->ddr;
    s->vcd_started = true;
}

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
    pins_out(s);
    vcd_sample(s);
}

static const TesseraMmioOps gpio_ops = {
    .read = gpio_read, .write = gpio_write, .min_access = 1, .max_access = 1};

static int gpio_realize(TesseraDevice *dev, void *state)
{
    Gpio *s = state;
    s->dev = dev;
    s->irq_pins = (uint8_t)tessera_dev_prop_u64(dev, "irq-pins");
    const char *vcd = tessera_dev_prop_str(dev, "vcd");
    if (vcd && *vcd) {
        s->vcd = fopen(vcd, "w");
        if (!s->vcd) {
            tessera_error("%s: cannot create %s", tessera_dev_name(dev), vcd);
            return -1;
        }
        const char *name = tessera_dev_name(dev);
        fprintf(s->vcd, "$timescale 1ns $end\n$scope module %s $end\n",
                name);
        for (int i = 0; i < 8; i++)
            fprintf(s->vcd, "$var wire 1 %c %s_%d $end\n", 'a' + i, name, i);
        fprintf(s->vcd, "$var reg 8 D %s_ddr $end\n$upscope $end\n"
                        "$enddefinitions $end\n", name);
    }
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
    unsigned j = 0;
    for (unsigned i = 0; i < 8; i++)
        if ((s->irq_pins >> i) & 1) {
            s->pin_irq[j] = tessera_dev_irq_out(dev, "pins", j);
            j++;
        }
    pins_out(s);
    vcd_sample(s);
}

static void gpio_finalize(TesseraDevice *dev, void *state)
{
    Gpio *s = state;
    (void)dev;
    if (s->vcd) {
        fprintf(s->vcd, "#%llu\n", (unsigned long long)tessera_clock_ns());
        fclose(s->vcd);
    }
}

static const TesseraProp gpio_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "data address of PINx (0x23 for PORTB)"},
    {"vcd", TESSERA_PROP_STRING, "", "write a VCD trace of the pins here"},
    {"irq-pins", TESSERA_PROP_U64, "0",
     "mask of the pins whose levels drive the 'pins' lines"},
    {"pins", TESSERA_PROP_IRQ, "",
     "one line per irq-pins bit, lowest first (to avr-extint inputs)"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass gpio_class = {
    .name = "avr-gpio",
    .description = "AVR GPIO port (PINx/DDRx/PORTx)",
    .props = gpio_props,
    .state_size = sizeof(Gpio),
    .realize = gpio_realize,
    .reset = gpio_reset,
    .finalize = gpio_finalize,
    .mmio_help = "3 bytes at data address base (PINx, DDRx, PORTx)",
};

static int gpio_init(void)
{
    return tessera_register_device(&gpio_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "avr-gpio", "0.1.0", gpio_init);
