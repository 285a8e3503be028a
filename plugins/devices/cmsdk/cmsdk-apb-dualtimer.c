/* SPDX-License-Identifier: MIT */
/*
 * ARM CMSDK APB dual timer: two down counters (at 0x00 and 0x20) clocked
 * by PCLK (the "frequency" property) through a prescaler of 1, 16 or
 * 256, each 16 or 32 bits wide, in free-running (wraps to the top),
 * periodic (reloads LOAD) or one-shot (holds 0) mode. Each has LOAD,
 * VALUE, CONTROL, INTCLR, RIS, MIS and BGLOAD (a new LOAD for the next
 * period that leaves the count alone). One interrupt output: either
 * timer's raw interrupt while its interrupt enable is set.
 */
#include <stdint.h>

#include <tessera/device.h>

#define C_ONESHOT 0x01u
#define C_32BIT 0x02u
#define C_PRESCALE 0x0cu
#define C_INTEN 0x20u
#define C_PERIODIC 0x40u
#define C_EN 0x80u

typedef struct DualTimer DualTimer;

typedef struct Counter {
    DualTimer *owner;
    TesseraTimer *t;
    uint32_t load, ctrl, ris;
    uint32_t value;     /* when stopped */
    uint64_t start_ns;  /* when running: the count was start_value */
    uint32_t start_value;
} Counter;

struct DualTimer {
    TesseraIrq *irq;
    uint64_t hz;
    Counter c[2];
};

static const uint8_t dualtimer_id[12] = {0x04, 0, 0, 0, 0x23, 0xb8, 0x1b, 0,
                                         0x0d, 0xf0, 0x05, 0xb1};

static uint32_t width_mask(const Counter *c)
{
    return (c->ctrl & C_32BIT) ? 0xffffffffu : 0xffffu;
}

static uint64_t tick_hz(const Counter *c)
{
    static const unsigned shift[4] = {0, 4, 8, 8};
    return c->owner->hz >> shift[(c->ctrl & C_PRESCALE) >> 2];
}

/* The value the counter takes after it has passed 0. */
static uint32_t reload_value(const Counter *c)
{
    return (c->ctrl & C_PERIODIC) ? c->load & width_mask(c) : width_mask(c);
}

static uint64_t ticks(const Counter *c)
{
    uint64_t now = tessera_clock_ns();
    if (now <= c->start_ns)
        return 0;
    return (uint64_t)((unsigned __int128)(now - c->start_ns) * tick_hz(c) /
                      1000000000u);
}

static uint64_t ns_of(const Counter *c, uint64_t k)
{
    uint64_t hz = tick_hz(c);
    return (uint64_t)(((unsigned __int128)k * 1000000000u + hz - 1) / hz);
}

/* start_value, start_value - 1, ..., 0, then (unless one-shot) the reload
 * value down to 0 again, one step a tick. */
static uint32_t cur_value(const Counter *c)
{
    if (!(c->ctrl & C_EN))
        return c->value;
    uint64_t k = ticks(c);
    if (k <= c->start_value)
        return c->start_value - (uint32_t)k;
    if (c->ctrl & C_ONESHOT)
        return 0;
    uint64_t period = (uint64_t)reload_value(c) + 1;
    return reload_value(c) - (uint32_t)((k - c->start_value - 1) % period);
}

static void update_irq(DualTimer *s)
{
    bool level = false;
    for (int i = 0; i < 2; i++)
        level |= s->c[i].ris && (s->c[i].ctrl & C_INTEN);
    tessera_irq_set(s->irq, level);
}

/* Arms the timer for the next time the count reaches 0. */
static void arm_next(Counter *c)
{
    if (!(c->ctrl & C_EN)) {
        tessera_timer_del(c->t);
        return;
    }
    uint64_t k = ticks(c), n;
    uint64_t period = (uint64_t)reload_value(c) + 1;
    if (c->start_value && k < c->start_value) {
        n = c->start_value;
    } else if (c->ctrl & C_ONESHOT) {
        tessera_timer_del(c->t); /* holds 0 */
        return;
    } else {
        n = c->start_value + ((k - c->start_value) / period + 1) * period;
    }
    tessera_timer_mod(c->t, c->start_ns + ns_of(c, n));
}

static void counter_fire(void *opaque)
{
    Counter *c = opaque;
    c->ris = 1;
    update_irq(c->owner);
    arm_next(c);
}

static void restart(Counter *c, uint32_t v)
{
    c->start_ns = tessera_clock_ns();
    c->start_value = v & width_mask(c);
    arm_next(c);
}

static uint64_t dualtimer_read(void *opaque, uint64_t off, unsigned size)
{
    DualTimer *s = opaque;
    (void)size;
    if (off >= 0xfd0 && off < 0x1000)
        return dualtimer_id[(off - 0xfd0) / 4];
    if (off >= 0x40)
        return 0; /* ITCR reads 0: no integration test mode */
    Counter *c = &s->c[off / 0x20];
    switch (off % 0x20) {
    case 0x00:
    case 0x18:
        return c->load;
    case 0x04:
        return cur_value(c);
    case 0x08:
        return c->ctrl;
    case 0x10:
        return c->ris;
    case 0x14:
        return c->ris && (c->ctrl & C_INTEN);
    default:
        return 0;
    }
}

static void dualtimer_write(void *opaque, uint64_t off, uint64_t value,
                            unsigned size)
{
    DualTimer *s = opaque;
    uint32_t v = (uint32_t)value;
    (void)size;
    if (off >= 0x40)
        return; /* ITCR/ITOP: integration test mode is not modelled */
    Counter *c = &s->c[off / 0x20];
    switch (off % 0x20) {
    case 0x00: /* LOAD: also loads the counter */
        c->load = v;
        c->value = v;
        if (c->ctrl & C_EN)
            restart(c, v);
        break;
    case 0x08: {
        uint32_t cur = cur_value(c);
        c->ctrl = v & 0xef;
        if (c->ctrl & C_EN) {
            restart(c, cur);
        } else {
            c->value = cur & width_mask(c);
            tessera_timer_del(c->t);
        }
        break;
    }
    case 0x0c:
        c->ris = 0;
        break;
    case 0x18: /* BGLOAD: the next period's length; the count goes on */
        if (c->ctrl & C_EN) {
            uint32_t cur = cur_value(c);
            c->load = v;
            restart(c, cur);
        } else {
            c->load = v;
        }
        break;
    default:
        break;
    }
    update_irq(s);
}

static const TesseraMmioOps dualtimer_ops = {
    .read = dualtimer_read,
    .write = dualtimer_write,
    .min_access = 4,
    .max_access = 4,
};

static int dualtimer_realize(TesseraDevice *dev, void *state)
{
    DualTimer *s = state;
    s->hz = tessera_dev_prop_u64(dev, "frequency");
    if (!s->hz) {
        tessera_error("%s: frequency must not be 0", tessera_dev_name(dev));
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        s->c[i].owner = s;
        s->c[i].t = tessera_timer_new(counter_fire, &s->c[i]);
    }
    return tessera_dev_map_mmio(dev, tessera_dev_prop_u64(dev, "base"),
                                0x1000, &dualtimer_ops, s);
}

static void dualtimer_reset(TesseraDevice *dev, void *state)
{
    DualTimer *s = state;
    s->irq = tessera_dev_irq_out(dev, "irq", 0);
    for (int i = 0; i < 2; i++) {
        Counter *c = &s->c[i];
        tessera_timer_del(c->t);
        c->load = 0;
        c->ctrl = C_INTEN;
        c->ris = 0;
        c->value = 0xffffffffu;
    }
    update_irq(s);
}

static void dualtimer_finalize(TesseraDevice *dev, void *state)
{
    DualTimer *s = state;
    (void)dev;
    for (int i = 0; i < 2; i++)
        tessera_timer_free(s->c[i].t);
}

static const TesseraProp dualtimer_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "MMIO base address (4 KiB)"},
    {"irq", TESSERA_PROP_IRQ, "", "combined interrupt output"},
    {"frequency", TESSERA_PROP_FREQ, "25M", "PCLK"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass dualtimer_class = {
    .name = "cmsdk-apb-dualtimer",
    .description = "ARM CMSDK APB dual timer",
    .props = dualtimer_props,
    .state_size = sizeof(DualTimer),
    .realize = dualtimer_realize,
    .reset = dualtimer_reset,
    .finalize = dualtimer_finalize,
    .mmio_help = "0x1000 bytes at base",
};

static int dualtimer_init(void)
{
    return tessera_register_device(&dualtimer_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "cmsdk-apb-dualtimer", "0.1.0",
               dualtimer_init);
