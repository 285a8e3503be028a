/* SPDX-License-Identifier: MIT */
/*
 * The MPS2 FPGA I/O block (AN385 and relatives): LED0 (the "num-leds"
 * low bits are kept), BUTTON (no buttons pressed), CLK1HZ and CLK100HZ
 * (seconds and hundredths since reset, writable), COUNTER (counts every
 * PRESCALE + 1 cycles of the "frequency" clock), PRESCALE, PSCNTR (the
 * prescaler's down count) and MISC (kept as written).
 */
#include <stdint.h>

#include <tessera/device.h>

typedef struct FpgaIo {
    uint64_t hz;
    uint32_t led_mask;
    uint32_t led0, misc, prescale;
    /* CLK1HZ, CLK100HZ and COUNTER are counts since *_ns, from *_base. */
    uint64_t clk1_ns, clk100_ns, count_ns;
    uint32_t clk1_base, clk100_base, count_base;
} FpgaIo;

static uint64_t since(uint64_t ns)
{
    uint64_t now = tessera_clock_ns();
    return now > ns ? now - ns : 0;
}

static uint64_t cycles_since(const FpgaIo *s, uint64_t ns)
{
    return (uint64_t)((unsigned __int128)since(ns) * s->hz / 1000000000u);
}

static uint64_t fpgaio_read(void *opaque, uint64_t off, unsigned size)
{
    FpgaIo *s = opaque;
    (void)size;
    switch (off) {
    case 0x00:
        return s->led0;
    case 0x10:
        return s->clk1_base + (uint32_t)(since(s->clk1_ns) / 1000000000u);
    case 0x14:
        return s->clk100_base + (uint32_t)(since(s->clk100_ns) / 10000000u);
    case 0x18:
        return s->count_base +
               (uint32_t)(cycles_since(s, s->count_ns) /
                          ((uint64_t)s->prescale + 1));
    case 0x1c:
        return s->prescale;
    case 0x20:
        return s->prescale - (uint32_t)(cycles_since(s, s->count_ns) %
                                        ((uint64_t)s->prescale + 1));
    case 0x4c:
        return s->misc;
    default:
        return 0; /* BUTTON and the rest */
    }
}

static void fpgaio_write(void *opaque, uint64_t off, uint64_t value,
                         unsigned size)
{
    FpgaIo *s = opaque;
    uint32_t v = (uint32_t)value;
    (void)size;
    switch (off) {
    case 0x00:
        s->led0 = v & s->led_mask;
        break;
    case 0x10:
        s->clk1_base = v;
        s->clk1_ns = tessera_clock_ns();
        break;
    case 0x14:
        s->clk100_base = v;
        s->clk100_ns = tessera_clock_ns();
        break;
    case 0x18:
        s->count_base = v;
        s->count_ns = tessera_clock_ns();
        break;
    case 0x1c: /* the count goes on from where it is */
        s->count_base = (uint32_t)fpgaio_read(s, 0x18, 4);
        s->count_ns = tessera_clock_ns();
        s->prescale = v;
        break;
    case 0x4c:
        s->misc = v;
        break;
    default:
        break;
    }
}

static const TesseraMmioOps fpgaio_ops = {
    .read = fpgaio_read,
    .write = fpgaio_write,
    .min_access = 4,
    .max_access = 4,
};

static int fpgaio_realize(TesseraDevice *dev, void *state)
{
    FpgaIo *s = state;
    s->hz = tessera_dev_prop_u64(dev, "frequency");
    uint64_t leds = tessera_dev_prop_u64(dev, "num-leds");
    if (!s->hz || leds > 32) {
        tessera_error("%s: frequency=%llu and num-leds=%llu: the frequency "
                      "must not be 0, num-leds at most 32",
                      tessera_dev_name(dev), (unsigned long long)s->hz,
                      (unsigned long long)leds);
        return -1;
    }
    s->led_mask = leds == 32 ? 0xffffffffu : (1u << leds) - 1;
    return tessera_dev_map_mmio(dev, tessera_dev_prop_u64(dev, "base"),
                                0x1000, &fpgaio_ops, s);
}

static void fpgaio_reset(TesseraDevice *dev, void *state)
{
    FpgaIo *s = state;
    (void)dev;
    uint64_t now = tessera_clock_ns();
    s->led0 = s->misc = s->prescale = 0;
    s->clk1_base = s->clk100_base = s->count_base = 0;
    s->clk1_ns = s->clk100_ns = s->count_ns = now;
}

static const TesseraProp fpgaio_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "MMIO base address (4 KiB)"},
    {"frequency", TESSERA_PROP_FREQ, "25M", "the counter's clock"},
    {"num-leds", TESSERA_PROP_U64, "2", "LED0 bits kept"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass fpgaio_class = {
    .name = "mps2-fpgaio",
    .description = "ARM MPS2 FPGA I/O block (LEDs, buttons, counters)",
    .props = fpgaio_props,
    .state_size = sizeof(FpgaIo),
    .realize = fpgaio_realize,
    .reset = fpgaio_reset,
    .mmio_help = "0x1000 bytes at base",
};

static int fpgaio_init(void)
{
    return tessera_register_device(&fpgaio_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "mps2-fpgaio", "0.1.0", fpgaio_init);
