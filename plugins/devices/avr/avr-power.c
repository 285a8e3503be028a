/* SPDX-License-Identifier: MIT */
/*
 * AVR power management: the power reduction registers (PRR, or PRR0 and
 * PRR1) and the clock domains of the sleep modes.
 *
 * "base" is the data address of PRR/PRR0, "base1" that of PRR1 (0: the
 * MCU has none). Output line "bitN" (N = 0..7 for PRR0, 8..15 for PRR1)
 * goes to input 0 of the peripheral that PRR bit N powers down; the
 * line is high while that peripheral's clock is stopped, either by its
 * PRR bit or by the sleep mode. "async" is the mask of bits whose
 * peripheral runs on the asynchronous clock domain (timer 2): it keeps
 * counting in ADC noise reduction, power-save and extended standby.
 *
 * The CPU writes SMCR to AVR_DEV_SLEEP_STROBE when it executes SLEEP
 * with SE set, and 0 when an interrupt wakes it; reading the strobe tells
 * the CPU whether any enabled wake source survives the chosen mode (the
 * wake-up source tables of the datasheets), so that a guest that can never
 * wake ends the run. The wake sources are read from the registers named
 * by "eimsk"/"eicra"/"eicrb" (external interrupts, level-triggered only
 * once the I/O clock stops, except the "async-edge" lines), "wdtcsr",
 * "timsk2" and "eecr".
 */
#include <stdio.h>

#include <tessera/device.h>

#include "avr-dev.h"

enum {
    SM_IDLE = 0,
    SM_ADC = 1,
    SM_PDOWN = 2,
    SM_PSAVE = 3,
    SM_STANDBY = 6,
    SM_XSTANDBY = 7,
};

typedef struct Power {
    TesseraDevice *dev;
    TesseraIrq *line[16];
    uint8_t prr[2];
    uint16_t async;
    bool has_prr1;
    bool asleep;
    unsigned mode; /* SM2:0 while asleep */
} Power;

/* Whether the clock of the peripheral on the asynchronous (async) or the
 * I/O clock domain runs in the current sleep state. */
static bool domain_runs(const Power *s, bool async)
{
    if (!s->asleep || s->mode == SM_IDLE)
        return true;
    if (!async)
        return false;
    return s->mode == SM_ADC || s->mode == SM_PSAVE ||
           s->mode == SM_XSTANDBY;
}

static void power_update(Power *s)
{
    for (unsigned i = 0; i < 16; i++) {
        bool off = (s->prr[i / 8] >> (i % 8)) & 1;
        if (!domain_runs(s, (s->async >> i) & 1))
            off = true;
        tessera_irq_set(s->line[i], off);
    }
}

static uint8_t peek(TesseraDevice *dev, const char *prop)
{
    uint64_t a = tessera_dev_prop_u64(dev, prop);
    uint8_t v = 0;
    if (a)
        tessera_phys_read(AVR_DEV_DATA_BASE + a, &v, 1);
    return v;
}

/* Enabled external interrupts that can fire without the I/O clock: the
 * low-level sense (ISCn = 00) is asynchronous, and so is every sense of
 * the lines in "async-edge" (INT3:0 of the ATmega1280/2560). */
static bool level_ints(Power *s)
{
    uint8_t any_sense = (uint8_t)tessera_dev_prop_u64(s->dev, "async-edge");
    uint8_t mask = peek(s->dev, "eimsk");
    uint16_t isc = (uint16_t)(peek(s->dev, "eicra") |
                              (peek(s->dev, "eicrb") << 8));
    for (unsigned i = 0; i < 8; i++)
        if ((mask >> i) & 1 &&
            (!((isc >> (2 * i)) & 3) || (any_sense >> i) & 1))
            return true;
    return false;
}

static bool can_wake(Power *s)
{
    if (s->mode == SM_IDLE)
        return true; /* every interrupt source keeps running */
    if (peek(s->dev, "wdtcsr") & 0x48) /* WDIE or WDE */
        return true;
    /* The I/O clock is halted in every mode but idle, so INTn edges are
     * not detected; low levels are, asynchronously. */
    if (level_ints(s))
        return true;
    if (s->mode == SM_ADC && (peek(s->dev, "eecr") & 0x08)) /* EERIE */
        return true;
    /* Timer 2 wakes from the modes where its clock runs. */
    if (s->mode == SM_ADC || s->mode == SM_PSAVE || s->mode == SM_XSTANDBY) {
        bool t2_on = false;
        for (unsigned i = 0; i < 16; i++)
            if ((s->async >> i) & 1 && !((s->prr[i / 8] >> (i % 8)) & 1))
                t2_on = true;
        if (t2_on && (peek(s->dev, "timsk2") & 0x07))
            return true;
    }
    return false;
}

static uint64_t prr_read(void *opaque, uint64_t off, unsigned size)
{
    Power *s = opaque;
    (void)size;
    return s->prr[off];
}

static void prr_write(void *opaque, uint64_t off, uint64_t value,
                      unsigned size)
{
    Power *s = opaque;
    (void)size;
    s->prr[off] = (uint8_t)value;
    power_update(s);
}

static const TesseraMmioOps prr_ops = {
    .read = prr_read, .write = prr_write, .min_access = 1, .max_access = 1};

static uint64_t prr1_read(void *opaque, uint64_t off, unsigned size)
{
    return prr_read(opaque, off + 1, size);
}

static void prr1_write(void *opaque, uint64_t off, uint64_t value,
                       unsigned size)
{
    prr_write(opaque, off + 1, value, size);
}

static uint64_t strobe_read(void *opaque, uint64_t off, unsigned size)
{
    Power *s = opaque;
    (void)off, (void)size;
    return can_wake(s);
}

static void strobe_write(void *opaque, uint64_t off, uint64_t value,
                         unsigned size)
{
    Power *s = opaque;
    (void)off, (void)size;
    s->asleep = value & 1; /* SE */
    s->mode = ((unsigned)value >> 1) & 7;
    power_update(s);
}

static const TesseraMmioOps strobe_ops = {
    .read = strobe_read, .write = strobe_write, .min_access = 1,
    .max_access = 1};

static int power_realize(TesseraDevice *dev, void *state)
{
    static const TesseraMmioOps one_ops = {
        .read = prr1_read, .write = prr1_write, .min_access = 1,
        .max_access = 1};
    Power *s = state;
    s->dev = dev;
    s->async = (uint16_t)tessera_dev_prop_u64(dev, "async");
    uint64_t base1 = tessera_dev_prop_u64(dev, "base1");
    s->has_prr1 = base1 != 0;
    if (avr_dev_map_reg(dev, "base", &prr_ops, s) < 0 ||
        (s->has_prr1 &&
         tessera_dev_map_mmio(dev, AVR_DEV_DATA_BASE + base1, 1, &one_ops,
                              s) < 0) ||
        tessera_dev_map_mmio(dev, AVR_DEV_SLEEP_STROBE, 1, &strobe_ops, s) <
            0)
        return -1;
    return 0;
}

static void power_reset(TesseraDevice *dev, void *state)
{
    Power *s = state;
    for (unsigned i = 0; i < 16; i++) {
        char name[8];
        snprintf(name, sizeof(name), "bit%u", i);
        s->line[i] = tessera_dev_irq_out(dev, name, 0);
    }
    s->prr[0] = s->prr[1] = 0;
    s->asleep = false;
    s->mode = 0;
    power_update(s);
}

static const TesseraProp power_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "data address of PRR (PRR0)"},
    {"base1", TESSERA_PROP_U64, "0", "data address of PRR1 (0: none)"},
    {"async", TESSERA_PROP_U64, "0",
     "mask of PRR bits whose peripheral is on the asynchronous clock"},
    {"eimsk", TESSERA_PROP_U64, "0", "data address of EIMSK (wake sources)"},
    {"eicra", TESSERA_PROP_U64, "0", "data address of EICRA"},
    {"eicrb", TESSERA_PROP_U64, "0", "data address of EICRB (0: none)"},
    {"async-edge", TESSERA_PROP_U64, "0",
     "mask of INTn lines whose edges wake without the I/O clock"},
    {"wdtcsr", TESSERA_PROP_U64, "0", "data address of WDTCSR"},
    {"timsk2", TESSERA_PROP_U64, "0", "data address of TIMSK2"},
    {"eecr", TESSERA_PROP_U64, "0", "data address of EECR"},
    {"bit0", TESSERA_PROP_IRQ, "", "clock-stop line of PRR0 bit 0"},
    {"bit1", TESSERA_PROP_IRQ, "", "PRR0 bit 1"},
    {"bit2", TESSERA_PROP_IRQ, "", "PRR0 bit 2"},
    {"bit3", TESSERA_PROP_IRQ, "", "PRR0 bit 3"},
    {"bit4", TESSERA_PROP_IRQ, "", "PRR0 bit 4"},
    {"bit5", TESSERA_PROP_IRQ, "", "PRR0 bit 5"},
    {"bit6", TESSERA_PROP_IRQ, "", "PRR0 bit 6"},
    {"bit7", TESSERA_PROP_IRQ, "", "PRR0 bit 7"},
    {"bit8", TESSERA_PROP_IRQ, "", "PRR1 bit 0"},
    {"bit9", TESSERA_PROP_IRQ, "", "PRR1 bit 1"},
    {"bit10", TESSERA_PROP_IRQ, "", "PRR1 bit 2"},
    {"bit11", TESSERA_PROP_IRQ, "", "PRR1 bit 3"},
    {"bit12", TESSERA_PROP_IRQ, "", "PRR1 bit 4"},
    {"bit13", TESSERA_PROP_IRQ, "", "PRR1 bit 5"},
    {"bit14", TESSERA_PROP_IRQ, "", "PRR1 bit 6"},
    {"bit15", TESSERA_PROP_IRQ, "", "PRR1 bit 7"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass power_class = {
    .name = "avr-power",
    .description = "AVR power reduction registers and sleep clock domains",
    .props = power_props,
    .state_size = sizeof(Power),
    .realize = power_realize,
    .reset = power_reset,
    .mmio_help = "1 byte at base (PRR), 1 byte at base1 (PRR1) when set",
};

static int power_init(void)
{
    return tessera_register_device(&power_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "avr-power", "0.1.0", power_init);
