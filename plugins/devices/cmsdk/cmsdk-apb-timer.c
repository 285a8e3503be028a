/* SPDX-License-Identifier: MIT */
/*
 * ARM CMSDK APB timer: a 32-bit down counter clocked by PCLK (the
 * "frequency" property). CTRL (enable, external enable/clock inputs,
 * interrupt enable), VALUE, RELOAD, INTSTATUS/INTCLEAR and the ID
 * registers. When the counter reaches 0 it reloads from RELOAD and sets
 * the interrupt status; the output line follows status and enable.
 * The external inputs are not connected (an enable by the external input
 * stops the count, as with the input low).
 */
#include <stdint.h>
#include <string.h>

#include <tessera/device.h>

typedef struct Timer {
    TesseraDevice *dev;
    TesseraIrq *irq;
    TesseraTimer *t;
    uint64_t hz;
    uint32_t ctrl, reload, intstatus;
    uint32_t value;    /* when stopped */
    uint64_t start_ns; /* when running: the counter held start_value */
    uint32_t start_value;
} Timer;

#define CTRL_EN 1u
#define CTRL_EXTEN 2u
#define CTRL_IE 8u

static const uint8_t timer_id[12] = {0x04, 0, 0, 0, 0x22, 0xb8, 0x1b, 0,
                                     0x0d, 0xf0, 0x05, 0xb1};

static bool running(Timer *s)
{
    return (s->ctrl & (CTRL_EN | CTRL_EXTEN)) == CTRL_EN;
}

static uint64_t ticks(Timer *s)
{
    uint64_t now = tessera_clock_ns();
    if (now <= s->start_ns)
        return 0;
    return (uint64_t)((unsigned __int128)(now - s->start_ns) * s->hz /
                      1000000000u);
}

static uint64_t ns_of(Timer *s, uint64_t t)
{
    return (uint64_t)(((unsigned __int128)t * 1000000000u + s->hz - 1) /
                      s->hz);
}

/* The counter: start_value, start_value - 1, ..., 0 (interrupt), then
 * RELOAD, RELOAD - 1, ..., 0 (interrupt), ... one step per tick. */
static uint32_t cur_value(Timer *s)
{
    if (!running(s))
        return s->value;
    uint64_t k = ticks(s);
    if (k <= s->start_value)
        return s->start_value - (uint32_t)k;
    if (s->reload == 0)
        return 0;
    uint64_t period = (uint64_t)s->reload + 1;
    return s->reload - (uint32_t)((k - s->start_value - 1) % period);
}

static void update_irq(Timer *s)
{
    tessera_irq_set(s->irq, (s->intstatus & 1) && (s->ctrl & CTRL_IE));
}

static void arm_next(Timer *s)
{
    if (!running(s)) {
        tessera_timer_del(s->t);
        return;
    }
    uint64_t k = ticks(s), n;
    if (k < s->start_value || (s->start_value && k == s->start_value &&
                               tessera_clock_ns() < s->start_ns +
                                   ns_of(s, k)))
        n = s->start_value;
    else if (s->reload == 0)
        n = k + 1; /* stays at 0: fires every tick */
    else {
        uint64_t period = (uint64_t)s->reload + 1;
        n = s->start_value + ((k - s->start_value) / period + 1) * period;
    }
    if (n == 0)
        n = 1;
    tessera_timer_mod(s->t, s->start_ns + ns_of(s, n));
}

static void timer_fire(void *opaque)
{
    Timer *s = opaque;
    s->intstatus |= 1;
    update_irq(s);
    arm_next(s);
}

static void restart(Timer *s, uint32_t v)
{
    s->start_ns = tessera_clock_ns();
    s->start_value = v;
    arm_next(s);
}

static uint64_t timer_read(void *opaque, uint64_t off, unsigned size)
{
    Timer *s = opaque;
    (void)size;
    if (off >= 0xfd0 && off < 0x1000)
        return timer_id[(off - 0xfd0) / 4];
    switch (off) {
    case 0x0:
        return s->ctrl;
    case 0x4:
        return cur_value(s);
    case 0x8:
        return s->reload;
    case 0xc:
        return s->intstatus;
    default:
        return 0;
    }
}

static void timer_write(void *opaque, uint64_t off, uint64_t value,
                        unsigned size)
{
    Timer *s = opaque;
    uint32_t v = (uint32_t)value;
    (void)size;
    switch (off) {
    case 0x0: {
        uint32_t cur = cur_value(s);
        bool was = running(s);
        s->ctrl = v & 15;
        if (running(s)) {
            if (!was)
                restart(s, cur);
        } else {
            s->value = cur;
            tessera_timer_del(s->t);
        }
        break;
    }
    case 0x4:
        s->value = v;
        if (running(s))
            restart(s, v);
        break;
    case 0x8: /* writing RELOAD also loads the counter */
        s->reload = v;
        s->value = v;
        if (running(s))
            restart(s, v);
        break;
    case 0xc:
        s->intstatus &= ~(v & 1);
        break;
    default:
        break;
    }
    update_irq(s);
}

static const TesseraMmioOps timer_ops = {
    .read = timer_read,
    .write = timer_write,
    .min_access = 4,
    .max_access = 4,
};

static int timer_realize(TesseraDevice *dev, void *state)
{
    Timer *s = state;
    s->dev = dev;
    s->hz = tessera_dev_prop_u64(dev, "frequency");
    if (!s->hz) {
        tessera_error("%s: frequency must not be 0", tessera_dev_name(dev));
        return -1;
    }
    s->t = tessera_timer_new(timer_fire, s);
    return tessera_dev_map_mmio(dev, tessera_dev_prop_u64(dev, "base"),
                                0x1000, &timer_ops, s);
}

static void timer_reset(TesseraDevice *dev, void *state)
{
    Timer *s = state;
    s->irq = tessera_dev_irq_out(dev, "irq", 0);
    s->ctrl = s->reload = s->intstatus = s->value = 0;
    tessera_timer_del(s->t);
    update_irq(s);
}

static void timer_finalize(TesseraDevice *dev, void *state)
{
    Timer *s = state;
    (void)dev;
    tessera_timer_free(s->t);
}

static const TesseraProp timer_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "MMIO base address (4 KiB)"},
    {"irq", TESSERA_PROP_IRQ, "", "interrupt output"},
    {"frequency", TESSERA_PROP_FREQ, "25M", "PCLK"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass timer_class = {
    .name = "cmsdk-apb-timer",
    .description = "ARM CMSDK APB timer",
    .props = timer_props,
    .state_size = sizeof(Timer),
    .realize = timer_realize,
    .reset = timer_reset,
    .finalize = timer_finalize,
    .mmio_help = "0x1000 bytes at base",
};

static int timer_init(void)
{
    return tessera_register_device(&timer_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "cmsdk-apb-timer", "0.1.0", timer_init);
