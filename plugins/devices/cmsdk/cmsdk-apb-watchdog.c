/* SPDX-License-Identifier: MIT */
/*
 * ARM CMSDK APB watchdog: a 32-bit down counter clocked by WDOGCLK (the
 * "frequency" property) that runs while the interrupt is enabled. When
 * it reaches 0 it raises its interrupt and reloads from LOAD; when it
 * reaches 0 again with the interrupt still raised and the reset enabled,
 * it resets the machine. Writing INTCLR clears the interrupt and reloads
 * the counter. Writing anything but 0x1ACCE551 to LOCK locks every other
 * register against writes. On the MPS2 boards the interrupt is the NMI.
 */
#include <stdint.h>

#include <tessera/device.h>

#define CTRL_INTEN 1u
#define CTRL_RESEN 2u
#define UNLOCK_KEY 0x1acce551u

typedef struct Watchdog {
    TesseraDevice *dev;
    TesseraIrq *irq;
    TesseraTimer *t;
    uint64_t hz;
    uint32_t load, ctrl, ris;
    bool locked;
    uint32_t value;    /* when stopped */
    uint64_t start_ns; /* when running: the count was start_value */
    uint32_t start_value;
} Watchdog;

static const uint8_t watchdog_id[12] = {0x04, 0, 0, 0, 0x24, 0xb8, 0x1b, 0,
                                        0x0d, 0xf0, 0x05, 0xb1};

static bool running(const Watchdog *s)
{
    return s->ctrl & CTRL_INTEN;
}

static uint64_t ticks(const Watchdog *s)
{
    uint64_t now = tessera_clock_ns();
    if (now <= s->start_ns)
        return 0;
    return (uint64_t)((unsigned __int128)(now - s->start_ns) * s->hz /
                      1000000000u);
}

static uint64_t ns_of(const Watchdog *s, uint64_t k)
{
    return (uint64_t)(((unsigned __int128)k * 1000000000u + s->hz - 1) /
                      s->hz);
}

static uint32_t cur_value(const Watchdog *s)
{
    if (!running(s))
        return s->value;
    uint64_t k = ticks(s);
    if (k <= s->start_value)
        return s->start_value - (uint32_t)k;
    uint64_t period = (uint64_t)s->load + 1;
    return s->load - (uint32_t)((k - s->start_value - 1) % period);
}

static void update_irq(Watchdog *s)
{
    tessera_irq_set(s->irq, s->ris && (s->ctrl & CTRL_INTEN));
}

static void arm_next(Watchdog *s)
{
    if (!running(s)) {
        tessera_timer_del(s->t);
        return;
    }
    uint64_t k = ticks(s), n;
    uint64_t period = (uint64_t)s->load + 1;
    if (s->start_value && k < s->start_value)
        n = s->start_value;
    else
        n = s->start_value + ((k - s->start_value) / period + 1) * period;
    tessera_timer_mod(s->t, s->start_ns + ns_of(s, n));
}

static void restart(Watchdog *s, uint32_t v)
{
    s->start_ns = tessera_clock_ns();
    s->start_value = v;
    arm_next(s);
}

static void watchdog_fire(void *opaque)
{
    Watchdog *s = opaque;
    if (s->ris && (s->ctrl & CTRL_RESEN)) {
        tessera_log(TESSERA_LOG_GUEST_ERRORS, "%s: timeout: machine reset\n",
                    tessera_dev_name(s->dev));
        tessera_request_reset();
        return;
    }
    s->ris = 1;
    update_irq(s);
    arm_next(s);
}

static uint64_t watchdog_read(void *opaque, uint64_t off, unsigned size)
{
    Watchdog *s = opaque;
    (void)size;
    if (off >= 0xfd0 && off < 0x1000)
        return watchdog_id[(off - 0xfd0) / 4];
    switch (off) {
    case 0x00:
        return s->load;
    case 0x04:
        return cur_value(s);
    case 0x08:
        return s->ctrl;
    case 0x10:
        return s->ris;
    case 0x14:
        return s->ris && (s->ctrl & CTRL_INTEN);
    case 0xc00:
        return s->locked;
    default:
        return 0; /* ITCR: no integration test mode */
    }
}

static void watchdog_write(void *opaque, uint64_t off, uint64_t value,
                           unsigned size)
{
    Watchdog *s = opaque;
    uint32_t v = (uint32_t)value;
    (void)size;
    if (off == 0xc00) {
        s->locked = v != UNLOCK_KEY;
        return;
    }
    if (s->locked)
        return;
    switch (off) {
    case 0x00: /* LOAD: also reloads the counter */
        s->load = v;
        s->value = v;
        if (running(s))
            restart(s, v);
        break;
    case 0x08: {
        bool was = running(s);
        uint32_t cur = cur_value(s);
        s->ctrl = v & (CTRL_INTEN | CTRL_RESEN);
        if (running(s) && !was) {
            restart(s, s->load); /* enabling reloads */
        } else if (!running(s) && was) {
            s->value = cur;
            tessera_timer_del(s->t);
        }
        break;
    }
    case 0x0c: /* INTCLR: clears the interrupt and reloads */
        s->ris = 0;
        s->value = s->load;
        if (running(s))
            restart(s, s->load);
        break;
    default:
        break;
    }
    update_irq(s);
}

static const TesseraMmioOps watchdog_ops = {
    .read = watchdog_read,
    .write = watchdog_write,
    .min_access = 4,
    .max_access = 4,
};

static int watchdog_realize(TesseraDevice *dev, void *state)
{
    Watchdog *s = state;
    s->dev = dev;
    s->hz = tessera_dev_prop_u64(dev, "frequency");
    if (!s->hz) {
        tessera_error("%s: frequency must not be 0", tessera_dev_name(dev));
        return -1;
    }
    s->t = tessera_timer_new(watchdog_fire, s);
    return tessera_dev_map_mmio(dev, tessera_dev_prop_u64(dev, "base"),
                                0x1000, &watchdog_ops, s);
}

static void watchdog_reset(TesseraDevice *dev, void *state)
{
    Watchdog *s = state;
    s->irq = tessera_dev_irq_out(dev, "irq", 0);
    tessera_timer_del(s->t);
    s->load = s->value = 0xffffffffu;
    s->ctrl = s->ris = 0;
    s->locked = false;
    update_irq(s);
}

static void watchdog_finalize(TesseraDevice *dev, void *state)
{
    Watchdog *s = state;
    (void)dev;
    tessera_timer_free(s->t);
}

static const TesseraProp watchdog_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "MMIO base address (4 KiB)"},
    {"irq", TESSERA_PROP_IRQ, "", "interrupt output (the NMI on MPS2)"},
    {"frequency", TESSERA_PROP_FREQ, "25M", "WDOGCLK"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass watchdog_class = {
    .name = "cmsdk-apb-watchdog",
    .description = "ARM CMSDK APB watchdog",
    .props = watchdog_props,
    .state_size = sizeof(Watchdog),
    .realize = watchdog_realize,
    .reset = watchdog_reset,
    .finalize = watchdog_finalize,
    .mmio_help = "0x1000 bytes at base",
};

static int watchdog_init(void)
{
    return tessera_register_device(&watchdog_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "cmsdk-apb-watchdog", "0.1.0",
               watchdog_init);
