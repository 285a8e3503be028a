/* SPDX-License-Identifier: MIT */
/*
 * AVR external interrupts INT0..INTn: EICRA (and EICRB with more than
 * four lines) from "base", EIMSK and EIFR at "eimsk" and "eifr". The pin
 * levels come in on input lines 0..n-1 (a GPIO port's "pins" output, so a
 * program can also trigger them by driving the pin as an output, as the
 * datasheet allows). Sense control per line: low level, any change,
 * falling or rising edge; edge flags are cleared on vector entry or by
 * writing one.
 */
#include <tessera/device.h>

#include "avr-dev.h"

#define MAX_LINES 8

typedef struct ExtInt ExtInt;

typedef struct Ack {
    ExtInt *s;
    unsigned line;
} Ack;

struct ExtInt {
    TesseraDevice *dev;
    unsigned n;
    TesseraIrq *irq[MAX_LINES];
    Ack acks[MAX_LINES];
    bool acks_mapped;
    uint8_t eicr[2], eimsk, eifr, level;
};

static unsigned sense(ExtInt *s, unsigned i)
{
    return (s->eicr[i / 4] >> ((i % 4) * 2)) & 3;
}

static void ext_update(ExtInt *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        bool on;
        if (sense(s, i) == 0) /* low level: asserted while the pin is low */
            on = !((s->level >> i) & 1);
        else
            on = (s->eifr >> i) & 1;
        tessera_irq_set(s->irq[i], on && ((s->eimsk >> i) & 1));
    }
}

static void ext_pin(void *opaque, unsigned line, int level)
{
    ExtInt *s = opaque;
    if (line >= s->n)
        return;
    unsigned old = (s->level >> line) & 1;
    unsigned now = level ? 1 : 0;
    if (old != now) {
        unsigned m = sense(s, line);
        if (m == 1 || (m == 2 && !now) || (m == 3 && now))
            s->eifr |= (uint8_t)(1u << line);
        s->level = (uint8_t)((s->level & ~(1u << line)) | (now << line));
    }
    ext_update(s);
}

static uint64_t ctl_read(void *opaque, uint64_t off, unsigned size)
{
    ExtInt *s = opaque;
    (void)size;
    return off < 2 ? s->eicr[off] : 0;
}

static void ctl_write(void *opaque, uint64_t off, uint64_t value,
                      unsigned size)
{
    ExtInt *s = opaque;
    (void)size;
    if (off < 2)
        s->eicr[off] = (uint8_t)value;
    ext_update(s);
}

static uint64_t mask_read(void *opaque, uint64_t off, unsigned size)
{
    ExtInt *s = opaque;
    (void)off, (void)size;
    return s->eimsk;
}

static void mask_write(void *opaque, uint64_t off, uint64_t value,
                       unsigned size)
{
    ExtInt *s = opaque;
    (void)off, (void)size;
    s->eimsk = (uint8_t)(value & ((1u << s->n) - 1));
    ext_update(s);
}

static uint64_t flag_read(void *opaque, uint64_t off, unsigned size)
{
    ExtInt *s = opaque;
    (void)off, (void)size;
    return s->eifr;
}

static void flag_write(void *opaque, uint64_t off, uint64_t value,
                       unsigned size)
{
    ExtInt *s = opaque;
    (void)off, (void)size;
    s->eifr &= (uint8_t)~value;
    ext_update(s);
}

static void ack_write(void *opaque, uint64_t off, uint64_t value,
                      unsigned size)
{
    Ack *a = opaque;
    (void)off, (void)value, (void)size;
    a->s->eifr &= (uint8_t)~(1u << a->line);
    ext_update(a->s);
}

static const TesseraMmioOps ctl_ops = {
    .read = ctl_read, .write = ctl_write, .min_access = 1, .max_access = 1};
static const TesseraMmioOps mask_ops = {
    .read = mask_read, .write = mask_write, .min_access = 1, .max_access = 1};
static const TesseraMmioOps flag_ops = {
    .read = flag_read, .write = flag_write, .min_access = 1, .max_access = 1};
static const TesseraMmioOps ack_ops = {
    .read = flag_read, .write = ack_write, .min_access = 1, .max_access = 1};

static int ext_realize(TesseraDevice *dev, void *state)
{
    ExtInt *s = state;
    uint64_t n = tessera_dev_prop_u64(dev, "lines");
    if (n < 1 || n > MAX_LINES) {
        tessera_error("%s: lines must be 1 to 8", tessera_dev_name(dev));
        return -1;
    }
    s->dev = dev;
    s->n = (unsigned)n;
    tessera_dev_irq_inputs(dev, s->n, ext_pin, s);
    if (tessera_dev_map_mmio(dev,
                             AVR_DEV_DATA_BASE +
                                 tessera_dev_prop_u64(dev, "base"),
                             s->n > 4 ? 2 : 1, &ctl_ops, s) < 0 ||
        avr_dev_map_reg(dev, "eimsk", &mask_ops, s) < 0 ||
        avr_dev_map_reg(dev, "eifr", &flag_ops, s) < 0)
        return -1;
    return 0;
}

static void ext_reset(TesseraDevice *dev, void *state)
{
    ExtInt *s = state;
    for (unsigned i = 0; i < s->n; i++)
        s->irq[i] = tessera_dev_irq_out(dev, "irq", i);
    if (!s->acks_mapped) {
        for (unsigned i = 0; i < s->n; i++) {
            s->acks[i] = (Ack){s, i};
            avr_map_ack(dev, "irq", i, &ack_ops, &s->acks[i]);
        }
        s->acks_mapped = true;
    }
    s->eicr[0] = s->eicr[1] = 0;
    s->eimsk = s->eifr = 0;
    ext_update(s);
}

static const TesseraProp ext_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "data address of EICRA (0x69)"},
    {"eimsk", TESSERA_PROP_U64, NULL, "data address of EIMSK (0x3d)"},
    {"eifr", TESSERA_PROP_U64, NULL, "data address of EIFR (0x3c)"},
    {"lines", TESSERA_PROP_U64, "2", "number of INTn lines (2 or 8)"},
    {"irq", TESSERA_PROP_IRQ, "", "INT0.. interrupts, in order (cpu0:vecN)"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass ext_class = {
    .name = "avr-extint",
    .description = "AVR external interrupts INT0..INTn",
    .props = ext_props,
    .state_size = sizeof(ExtInt),
    .realize = ext_realize,
    .reset = ext_reset,
    .mmio_help =
        "1 byte each at base (EICRA, plus EICRB at base+1 with more than 4 "
        "lines), eimsk and eifr",
    .irq_inputs_help =
        "0..lines-1: the INTn pins (from a GPIO port's pins property)",
};

static int ext_init(void)
{
    return tessera_register_device(&ext_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "avr-extint", "0.1.0", ext_init);
