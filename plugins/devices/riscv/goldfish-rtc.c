/* SPDX-License-Identifier: MIT */
/*
 * Goldfish RTC (Android emulator's real-time clock, as on QEMU's virt
 * board): a 64-bit nanosecond wall clock read as TIME_LOW then TIME_HIGH
 * (reading the low half latches the high half), and one alarm that raises
 * the IRQ line when the clock reaches it.
 *
 * The clock is start-time + virtual time. start-time defaults to the host's
 * clock when the machine starts; give it a value for runs that must be
 * identical (with -icount).
 */
#include <inttypes.h>
#include <time.h>

#include <tessera/device.h>

#include "riscv-fdt.h"

#define RTC_SIZE 0x1000
#define RTC_TIME_LOW 0x00
#define RTC_TIME_HIGH 0x04
#define RTC_ALARM_LOW 0x08
#define RTC_ALARM_HIGH 0x0c
#define RTC_IRQ_ENABLED 0x10
#define RTC_CLEAR_ALARM 0x14
#define RTC_ALARM_STATUS 0x18
#define RTC_CLEAR_INTERRUPT 0x1c

typedef struct Rtc {
    TesseraDevice *dev;
    uint64_t base;
    int64_t offset_ns; /* wall clock minus virtual clock */
    uint32_t time_high; /* latched by a TIME_LOW read */
    uint32_t alarm_high;
    uint64_t alarm;
    bool alarm_armed;
    bool irq_enabled;
    bool irq_pending;
    TesseraTimer *timer;
    TesseraIrq *irq;
} Rtc;

static uint64_t rtc_now(Rtc *s)
{
    return (uint64_t)((int64_t)tessera_clock_ns() + s->offset_ns);
}

static void rtc_update_irq(Rtc *s)
{
    tessera_irq_set(s->irq, s->irq_pending && s->irq_enabled);
}

static void rtc_fire(void *opaque)
{
    Rtc *s = opaque;

    s->alarm_armed = false;
    s->irq_pending = true;
    rtc_update_irq(s);
}

static void rtc_arm(Rtc *s)
{
    uint64_t now = rtc_now(s);

    s->alarm_armed = true;
    if (s->alarm <= now) {
        tessera_timer_del(s->timer);
        rtc_fire(s);
        return;
    }
    tessera_timer_mod(s->timer, tessera_clock_ns() + (s->alarm - now));
}

static uint64_t rtc_read(void *opaque, uint64_t offset, unsigned size)
{
    Rtc *s = opaque;

    switch (offset) {
    case RTC_TIME_LOW: {
        uint64_t t = rtc_now(s);
        s->time_high = (uint32_t)(t >> 32);
        return (uint32_t)t;
    }
    case RTC_TIME_HIGH:
        return s->time_high;
    case RTC_ALARM_LOW:
        return (uint32_t)s->alarm;
    case RTC_ALARM_HIGH:
        return (uint32_t)(s->alarm >> 32);
    case RTC_IRQ_ENABLED:
        return s->irq_enabled;
    case RTC_ALARM_STATUS:
        return s->alarm_armed;
    default:
        return 0;
    }
}

static void rtc_write(void *opaque, uint64_t offset, uint64_t value,
                      unsigned size)
{
    Rtc *s = opaque;
    uint32_t v = (uint32_t)value;

    switch (offset) {
    case RTC_TIME_LOW: {
        /* Setting the clock: low half last, with the high half written. */
        uint64_t t = ((uint64_t)(uint32_t)(rtc_now(s) >> 32) << 32) | v;
        s->offset_ns = (int64_t)(t - tessera_clock_ns());
        break;
    }
    case RTC_TIME_HIGH: {
        uint64_t t = ((uint64_t)v << 32) | (uint32_t)rtc_now(s);
        s->offset_ns = (int64_t)(t - tessera_clock_ns());
        break;
    }
    case RTC_ALARM_HIGH:
        s->alarm_high = v;
        break;
    case RTC_ALARM_LOW:
        /* Writing the low half arms the alarm, as drivers do last. */
        s->alarm = ((uint64_t)s->alarm_high << 32) | v;
        rtc_arm(s);
        break;
    case RTC_IRQ_ENABLED:
        s->irq_enabled = v & 1;
        rtc_update_irq(s);
        break;
    case RTC_CLEAR_ALARM:
        s->alarm_armed = false;
        tessera_timer_del(s->timer);
        break;
    case RTC_CLEAR_INTERRUPT:
        s->irq_pending = false;
        rtc_update_irq(s);
        break;
    default:
        tessera_log(TESSERA_LOG_GUEST_ERRORS,
                    "%s: write to unknown offset 0x%" PRIx64 "\n",
                    tessera_dev_name(s->dev), offset);
        break;
    }
}

static const TesseraMmioOps rtc_ops = {
    .read = rtc_read,
    .write = rtc_write,
    .min_access = 4,
    .max_access = 4,
};

static int rtc_realize(TesseraDevice *dev, void *state)
{
    Rtc *s = state;

    s->dev = dev;
    s->base = tessera_dev_prop_u64(dev, "base");
    s->timer = tessera_timer_new(rtc_fire, s);
    return tessera_dev_map_mmio(dev, s->base, RTC_SIZE, &rtc_ops, s);
}

static void rtc_reset(TesseraDevice *dev, void *state)
{
    Rtc *s = state;
    uint64_t start = tessera_dev_prop_u64(dev, "start-time");

    if (start == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        start = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    } else {
        start *= 1000000000ull; /* seconds since 1970 */
    }
    s->offset_ns = (int64_t)(start - tessera_clock_ns());
    s->irq = tessera_dev_irq_out(dev, "irq", 0);
    s->alarm = 0;
    s->alarm_high = 0;
    s->alarm_armed = false;
    s->irq_enabled = false;
    s->irq_pending = false;
    tessera_timer_del(s->timer);
    rtc_update_irq(s);
}

static int rtc_fdt_node(TesseraDevice *dev, void *state, void *fdt,
                        int parent)
{
    Rtc *s = state;
    int node = riscv_fdt_node(fdt, parent, "rtc", s->base), r;

    if (node < 0)
        return node;
    if ((r = riscv_fdt_irq(dev, fdt, node, "irq")) < 0 ||
        (r = riscv_fdt_reg(fdt, node, s->base, RTC_SIZE)) < 0 ||
        (r = fdt_setprop_string(fdt, node, "compatible",
                                "google,goldfish-rtc")) < 0)
        return r;
    return 0;
}

static void rtc_finalize(TesseraDevice *dev, void *state)
{
    Rtc *s = state;

    tessera_timer_free(s->timer);
}

static const TesseraProp rtc_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "MMIO base address"},
    {"irq", TESSERA_PROP_IRQ, "", "alarm interrupt"},
    {"start-time", TESSERA_PROP_U64, "0",
     "clock at start, seconds since 1970; 0 = the host's time"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass rtc_class = {
    .name = "goldfish-rtc",
    .description = "Goldfish real-time clock with alarm",
    .props = rtc_props,
    .state_size = sizeof(Rtc),
    .realize = rtc_realize,
    .reset = rtc_reset,
    .fdt_node = rtc_fdt_node,
    .finalize = rtc_finalize,
    .mmio_help = "0x1000 bytes at base",
};

static int rtc_init(void)
{
    return tessera_register_device(&rtc_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "goldfish-rtc", "0.1.0", rtc_init);
