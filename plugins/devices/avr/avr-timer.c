/* SPDX-License-Identifier: MIT */
/*
 * AVR timer/counter, 8-bit (timers 0 and 2) or 16-bit (1, 3, 4, 5).
 *
 * "base" is the data address of TCCRnA; the registers follow the layout
 * the datasheets give:
 *   8-bit:  TCCRnA TCCRnB TCNTn OCRnA OCRnB
 *   16-bit: TCCRnA TCCRnB TCCRnC - TCNTnL/H ICRnL/H OCRnAL/H OCRnBL/H
 *           [OCRnCL/H]
 * with TIMSKn and TIFRn elsewhere ("timsk", "tifr"). Interrupt lines
 * (flag bit order): "capt" (ICF, bit 5), "compa" (bit 1), "compb"
 * (bit 2), "compc" (bit 3), "ovf" (bit 0).
 *
 * The counter is not stepped: its value is computed from the CPU cycle
 * count when software looks, and a virtual-clock timer fires at the next
 * event whose flag matters. Normal, CTC, fast PWM and phase-correct PWM
 * modes; prescalers 1, 8, (32,) 64, (128,) 256, 1024. External clock
 * inputs are not modelled (the counter stops).
 *
 * Input line 0 stops the timer's clock (avr-power: its PRR bit, or a
 * sleep mode that halts its clock domain). A stopped counter keeps its
 * state; while stopped its registers read 0 and ignore writes, as the
 * datasheets say of a peripheral whose PRR bit is set (the CPU sleeps
 * during the other kind of stop, so it cannot tell the difference).
 */
#include <tessera/device.h>

#include "avr-dev.h"

/* Timer clock edges land on the last CPU cycle of each prescaler period
 * (this is what makes Timer1 readings agree with simavr's). */
#define TICK_EARLY 1
#define F_OVF 0x01
#define F_OCFA 0x02
#define F_OCFB 0x04
#define F_OCFC 0x08
#define F_ICF 0x20

typedef struct AvrTimer AvrTimer;

typedef struct Ack {
    AvrTimer *t;
    uint8_t flag;
} Ack;

struct AvrTimer {
    TesseraDevice *dev;
    TesseraTimer *timer;
    TesseraIrq *irq_capt, *irq_compa, *irq_compb, *irq_compc, *irq_ovf;
    Ack acks[5];
    bool acks_mapped;
    bool wide;   /* 16-bit */
    bool async2; /* timer 2's prescaler set (32 and 128 exist) */
    uint64_t hz;
    uint8_t tccra, tccrb, tccrc, timsk, tifr, temp;
    uint16_t ocra, ocrb, ocrc, icr;
    /* The counter was cnt at cycle ref, counting in direction dir. */
    uint16_t cnt;
    int dir;
    uint64_t ref;
    bool stopped; /* clock gated off */
};

static unsigned wgm(AvrTimer *t)
{
    if (t->wide)
        return (t->tccra & 3) | ((t->tccrb >> 1) & 0xc);
    return (t->tccra & 3) | ((t->tccrb >> 1) & 4);
}

/* Clock divider, 0 when stopped. */
static unsigned prescaler(AvrTimer *t)
{
    if (t->stopped)
        return 0;
    static const unsigned normal[8] = {0, 1, 8, 64, 256, 1024, 0, 0};
    static const unsigned t2[8] = {0, 1, 8, 32, 64, 128, 256, 1024};
    return (t->async2 ? t2 : normal)[t->tccrb & 7];
}

enum Shape { UP, UPDOWN };

/* The counting shape, TOP, and where TOV is set (at TOP or at BOTTOM). */
static enum Shape mode(AvrTimer *t, uint16_t *top, bool *ctc)
{
    unsigned m = wgm(t);
    uint16_t max = t->wide ? 0xffff : 0xff;
    *ctc = false;
    if (!t->wide) {
        switch (m) {
        case 1: *top = 0xff; return UPDOWN;
        case 2: *top = (uint16_t)t->ocra; *ctc = true; return UP;
        case 3: *top = 0xff; return UP;
        case 5: *top = (uint16_t)t->ocra; return UPDOWN;
        case 7: *top = (uint16_t)t->ocra; return UP;
        default: *top = max; return UP;
        }
    }
    switch (m) {
    case 1: *top = 0xff; return UPDOWN;
    case 2: *top = 0x1ff; return UPDOWN;
    case 3: *top = 0x3ff; return UPDOWN;
    case 4: *top = t->ocra; *ctc = true; return UP;
    case 5: *top = 0xff; return UP;
    case 6: *top = 0x1ff; return UP;
    case 7: *top = 0x3ff; return UP;
    case 8: case 10: *top = t->icr; return UPDOWN;
    case 9: case 11: *top = t->ocra; return UPDOWN;
    case 12: *top = t->icr; *ctc = true; return UP;
    case 14: *top = t->icr; return UP;
    case 15: *top = t->ocra; return UP;
    default: *top = max; return UP;
    }
}

/*
 * Advances the counter by one tick from (c, dir) and returns the flags
 * that tick sets. Used for the few ticks around a wrap; long runs are
 * skipped arithmetically in advance().
 */
static uint8_t tick(AvrTimer *t, uint16_t *c, int *dir)
{
    uint16_t top;
    bool ctc;
    uint16_t max = t->wide ? 0xffff : 0xff;
    uint16_t was = *c;
    uint8_t f = 0;
    if (mode(t, &top, &ctc) == UPDOWN) {
        if (top == 0)
            return 0;
        if (*dir > 0) {
            if (*c >= top) {
                *dir = -1;
                (*c)--;
            } else {
                (*c)++;
            }
        } else {
            if (*c == 0) {
                *dir = 1;
                (*c)++;
            } else {
                (*c)--;
                if (*c == 0)
                    f |= F_OVF;
            }
        }
    } else {
        /* Normal mode: TOV leaving MAX. Fast PWM: TOV on reaching TOP. */
        bool pwm = !ctc && wgm(t) != 0;
        if (*c == top) {
            *c = 0;
            if (!pwm && (!ctc || top == max))
                f |= F_OVF;
        } else {
            *c = (uint16_t)((*c + 1) & max);
            if (*c == 0 && !pwm)
                f |= F_OVF; /* passed MAX above TOP */
            if (pwm && *c == top)
                f |= F_OVF;
        }
    }
    /* A compare flag is set on the timer clock edge after the match, the
     * one that takes the counter away from OCR (to BOTTOM in CTC). */
    if (was == t->ocra)
        f |= F_OCFA;
    if (was == t->ocrb)
        f |= F_OCFB;
    if (t->wide && was == t->ocrc)
        f |= F_OCFC;
    if (t->wide && ctc && wgm(t) == 12 && was == t->icr)
        f |= F_ICF;
    return f;
}

/*
 * Up-counting modes with the counter at or below TOP, in closed form:
 * ticks from c until the first tick that sets flag (0 = never). The
 * counter visits c+1, ..., TOP, 0, 1, ... with period TOP + 1.
 */
static uint64_t up_first(AvrTimer *t, uint16_t c, uint16_t top, bool ctc,
                         uint8_t flag)
{
    uint16_t max = t->wide ? 0xffff : 0xff;
    uint64_t period = (uint64_t)top + 1;
    uint16_t match;
    switch (flag) {
    case F_OVF:
        if (!ctc && wgm(t) != 0) /* fast PWM: on reaching TOP */
            return c < top ? (uint64_t)(top - c) : period;
        if (ctc && top != max)
            return 0;
        return (uint64_t)(top - c) + 1; /* leaving MAX */
    case F_OCFA: match = t->ocra; break;
    case F_OCFB: match = t->ocrb; break;
    case F_OCFC:
        if (!t->wide)
            return 0;
        match = t->ocrc;
        break;
    case F_ICF:
        if (!(t->wide && ctc && wgm(t) == 12))
            return 0;
        match = t->icr;
        break;
    default:
        return 0;
    }
    if (match > top)
        return 0;
    /* The flag rises on the tick that leaves match. */
    if (c <= match)
        return (uint64_t)(match - c) + 1;
    return (uint64_t)(top - c) + 1 + match + 1;
}

static bool up_simple(AvrTimer *t, uint16_t c, uint16_t *top, bool *ctc)
{
    return mode(t, top, ctc) == UP && c <= *top;
}

/* Ticks from (c, dir) until the next tick that sets one of mask; 0 when
 * none ever will. */
static uint64_t ticks_until(AvrTimer *t, uint16_t c, int dir, uint8_t mask)
{
    uint16_t top;
    bool ctc;
    if (up_simple(t, c, &top, &ctc)) {
        uint64_t best = 0;
        for (uint8_t f = 1; f; f <<= 1) {
            if (!(mask & f))
                continue;
            uint64_t n = up_first(t, c, top, ctc, f);
            if (n && (!best || n < best))
                best = n;
        }
        return best;
    }
    enum Shape sh = mode(t, &top, &ctc);
    uint64_t period = sh == UPDOWN ? 2u * top : (uint64_t)top + 1;
    uint16_t max = t->wide ? 0xffff : 0xff;
    if (c > top && sh == UP)
        period += max - c + 1; /* first wraps at MAX */
    if (!period)
        return 0;
    /* Simple and bounded: at most one period plus a MAX wrap of steps. */
    uint64_t limit = period + (uint64_t)max + 2;
    for (uint64_t n = 1; n <= limit; n++) {
        if (tick(t, &c, &dir) & mask)
            return n;
    }
    return 0;
}

/* Brings the counter to the current cycle, setting flags on the way. */
static void advance(AvrTimer *t)
{
    uint64_t now = avr_now_cycles(t->hz);
    unsigned p = prescaler(t);
    if (!p) {
        t->ref = now;
        return;
    }
    /* A timer clock edge lands on the last cycle of each prescaler period. */
    uint64_t n = (now + TICK_EARLY - t->ref) / p;
    if (!n)
        return;
    t->ref += n * p;
    uint16_t top;
    bool ctc;
    if (up_simple(t, t->cnt, &top, &ctc)) {
        for (uint8_t f = 1; f; f <<= 1) {
            uint64_t k = up_first(t, t->cnt, top, ctc, f);
            if (k && k <= n)
                t->tifr |= f;
        }
        t->cnt = (uint16_t)((t->cnt + n) % ((uint64_t)top + 1));
        return;
    }
    /* Skip whole periods: they set every flag a period sets. */
    enum Shape sh = mode(t, &top, &ctc);
    uint64_t period = sh == UPDOWN ? 2u * top : (uint64_t)top + 1;
    uint16_t max = t->wide ? 0xffff : 0xff;
    if (period && n > 2 * period + max + 2 && t->cnt <= top) {
        uint64_t whole = (n - period - max - 2) / period;
        uint16_t c = t->cnt;
        int dir = t->dir;
        uint8_t f = 0;
        for (uint64_t i = 0; i < period; i++)
            f |= tick(t, &c, &dir);
        t->tifr |= f;
        n -= whole * period;
    }
    while (n--)
        t->tifr |= tick(t, &t->cnt, &t->dir);
}

static void update_irqs(AvrTimer *t)
{
    uint8_t f = t->tifr & t->timsk;
    tessera_irq_set(t->irq_ovf, (f & F_OVF) != 0);
    tessera_irq_set(t->irq_compa, (f & F_OCFA) != 0);
    tessera_irq_set(t->irq_compb, (f & F_OCFB) != 0);
    tessera_irq_set(t->irq_compc, (f & F_OCFC) != 0);
    tessera_irq_set(t->irq_capt, (f & F_ICF) != 0);
}

/* Arms the virtual-clock timer for the next enabled flag that is clear. */
static void schedule(AvrTimer *t)
{
    unsigned p = prescaler(t);
    uint8_t mask = t->timsk & ~t->tifr & (F_OVF | F_OCFA | F_OCFB | F_OCFC |
                                          F_ICF);
    if (!p || !mask) {
        tessera_timer_del(t->timer);
        return;
    }
    uint64_t n = ticks_until(t, t->cnt, t->dir, mask);
    if (!n) {
        tessera_timer_del(t->timer);
        return;
    }
    tessera_timer_mod(t->timer,
                      avr_cycles_to_ns(t->ref + n * p - TICK_EARLY, t->hz));
}

static void sync(AvrTimer *t)
{
    update_irqs(t);
    schedule(t);
}

static void timer_cb(void *opaque)
{
    AvrTimer *t = opaque;
    advance(t);
    sync(t);
}

/* Register offsets from base. */
enum { TCCRA = 0, TCCRB = 1 };

static uint64_t timer_read(void *opaque, uint64_t off, unsigned size)
{
    AvrTimer *t = opaque;
    (void)size;
    advance(t);
    sync(t);
    if (t->stopped)
        return 0;
    if (!t->wide) {
        switch (off) {
        case 0: return t->tccra;
        case 1: return t->tccrb & 0x0f;
        case 2: return t->cnt;
        case 3: return t->ocra;
        case 4: return t->ocrb;
        }
        return 0;
    }
    switch (off) {
    case 0: return t->tccra;
    case 1: return t->tccrb;
    case 2: return 0;
    case 4: t->temp = (uint8_t)(t->cnt >> 8); return t->cnt & 0xff;
    case 6: t->temp = (uint8_t)(t->icr >> 8); return t->icr & 0xff;
    case 5: case 7: return t->temp;
    case 8: return t->ocra & 0xff;
    case 9: return t->ocra >> 8;
    case 10: return t->ocrb & 0xff;
    case 11: return t->ocrb >> 8;
    case 12: return t->ocrc & 0xff;
    case 13: return t->ocrc >> 8;
    }
    return 0;
}

static void timer_write(void *opaque, uint64_t off, uint64_t value,
                        unsigned size)
{
    AvrTimer *t = opaque;
    uint8_t v = (uint8_t)value;
    (void)size;
    if (t->stopped)
        return;
    advance(t);
    if (!t->wide) {
        switch (off) {
        case 0: t->tccra = v; break;
        case 1: t->tccrb = v & 0x0f; break; /* FOC bits: not modelled */
        case 2: t->cnt = v; break;
        case 3: t->ocra = v; break;
        case 4: t->ocrb = v; break;
        }
    } else {
        uint16_t w = (uint16_t)(v | (t->temp << 8));
        switch (off) {
        case 0: t->tccra = v; break;
        case 1: t->tccrb = v; break;
        case 2: t->tccrc = v; break;
        case 5: case 7: case 9: case 11: case 13: t->temp = v; break;
        case 4: t->cnt = w; break;
        case 6: t->icr = w; break;
        case 8: t->ocra = w; break;
        case 10: t->ocrb = w; break;
        case 12: t->ocrc = w; break;
        }
    }
    if (off == TCCRB || off == TCCRA) {
        uint16_t top;
        bool ctc;
        if (mode(t, &top, &ctc) == UP)
            t->dir = 1;
    }
    sync(t);
}

static const TesseraMmioOps timer_ops = {
    .read = timer_read, .write = timer_write, .min_access = 1,
    .max_access = 1};

static uint64_t mask_read(void *opaque, uint64_t off, unsigned size)
{
    AvrTimer *t = opaque;
    (void)off, (void)size;
    return t->timsk;
}

static void mask_write(void *opaque, uint64_t off, uint64_t value,
                       unsigned size)
{
    AvrTimer *t = opaque;
    (void)off, (void)size;
    advance(t);
    t->timsk = (uint8_t)value & 0x2f;
    sync(t);
}

static uint64_t flag_read(void *opaque, uint64_t off, unsigned size)
{
    AvrTimer *t = opaque;
    (void)off, (void)size;
    advance(t);
    sync(t);
    return t->tifr;
}

static void flag_write(void *opaque, uint64_t off, uint64_t value,
                       unsigned size)
{
    AvrTimer *t = opaque;
    (void)off, (void)size;
    advance(t);
    t->tifr &= (uint8_t)~value; /* writing one clears */
    sync(t);
}

static const TesseraMmioOps mask_ops = {
    .read = mask_read, .write = mask_write, .min_access = 1, .max_access = 1};
static const TesseraMmioOps flag_ops = {
    .read = flag_read, .write = flag_write, .min_access = 1, .max_access = 1};

static uint64_t ack_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque, (void)off, (void)size;
    return 0;
}

/* The CPU entered this flag's vector: the hardware clears the flag. */
static void ack_write(void *opaque, uint64_t off, uint64_t value,
                      unsigned size)
{
    Ack *a = opaque;
    (void)off, (void)value, (void)size;
    advance(a->t);
    a->t->tifr &= (uint8_t)~a->flag;
    sync(a->t);
}

static const TesseraMmioOps ack_ops = {
    .read = ack_read, .write = ack_write, .min_access = 1, .max_access = 1};

/* Clock gate from avr-power: count up to now, then freeze; a stopped
 * timer's advance() keeps ref at the present, so counting resumes from
 * the moment the clock comes back. */
static void timer_gate(void *opaque, unsigned line, int level)
{
    AvrTimer *t = opaque;
    (void)line;
    if (t->stopped == (level != 0))
        return;
    advance(t);
    t->stopped = level != 0;
    sync(t);
}

static int timer_realize(TesseraDevice *dev, void *state)
{
    AvrTimer *t = state;
    uint64_t width = tessera_dev_prop_u64(dev, "width");
    if (width != 8 && width != 16) {
        tessera_error("%s: width must be 8 or 16", tessera_dev_name(dev));
        return -1;
    }
    t->dev = dev;
    t->wide = width == 16;
    t->async2 = tessera_dev_prop_bool(dev, "timer2-prescaler");
    t->hz = tessera_dev_prop_u64(dev, "frequency");
    if (!t->hz) {
        tessera_error("%s: frequency must not be 0", tessera_dev_name(dev));
        return -1;
    }
    t->timer = tessera_timer_new(timer_cb, t);
    tessera_dev_irq_inputs(dev, 1, timer_gate, t);
    uint64_t base = AVR_DEV_DATA_BASE + tessera_dev_prop_u64(dev, "base");
    if (tessera_dev_map_mmio(dev, base, t->wide ? 14 : 5, &timer_ops, t) < 0 ||
        avr_dev_map_reg(dev, "timsk", &mask_ops, t) < 0 ||
        avr_dev_map_reg(dev, "tifr", &flag_ops, t) < 0)
        return -1;
    return 0;
}

static void timer_reset(TesseraDevice *dev, void *state)
{
    AvrTimer *t = state;
    static const char *const names[5] = {"ovf", "compa", "compb", "compc",
                                         "capt"};
    static const uint8_t flags[5] = {F_OVF, F_OCFA, F_OCFB, F_OCFC, F_ICF};
    t->irq_ovf = tessera_dev_irq_out(dev, "ovf", 0);
    t->irq_compa = tessera_dev_irq_out(dev, "compa", 0);
    t->irq_compb = tessera_dev_irq_out(dev, "compb", 0);
    t->irq_compc = tessera_dev_irq_out(dev, "compc", 0);
    t->irq_capt = tessera_dev_irq_out(dev, "capt", 0);
    if (!t->acks_mapped) {
        for (unsigned i = 0; i < 5; i++) {
            t->acks[i] = (Ack){t, flags[i]};
            avr_map_ack(dev, names[i], 0, &ack_ops, &t->acks[i]);
        }
        t->acks_mapped = true;
    }
    t->tccra = t->tccrb = t->tccrc = t->timsk = t->tifr = t->temp = 0;
    t->ocra = t->ocrb = t->ocrc = t->icr = 0;
    t->cnt = 0;
    t->dir = 1;
    t->stopped = false;
    t->ref = avr_now_cycles(t->hz);
    sync(t);
}

static void timer_finalize(TesseraDevice *dev, void *state)
{
    AvrTimer *t = state;
    (void)dev;
    tessera_timer_free(t->timer);
}

static const TesseraProp timer_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "data address of TCCRnA"},
    {"timsk", TESSERA_PROP_U64, NULL, "data address of TIMSKn"},
    {"tifr", TESSERA_PROP_U64, NULL, "data address of TIFRn"},
    {"width", TESSERA_PROP_U64, "8", "counter width: 8 or 16 bits"},
    {"timer2-prescaler", TESSERA_PROP_BOOL, "off",
     "timer 2's clock select (adds /32 and /128)"},
    {"frequency", TESSERA_PROP_FREQ, "16000000", "CPU clock in Hz"},
    {"ovf", TESSERA_PROP_IRQ, "", "overflow interrupt (cpu0:vecN)"},
    {"compa", TESSERA_PROP_IRQ, "", "compare match A interrupt"},
    {"compb", TESSERA_PROP_IRQ, "", "compare match B interrupt"},
    {"compc", TESSERA_PROP_IRQ, "", "compare match C interrupt"},
    {"capt", TESSERA_PROP_IRQ, "", "input capture interrupt"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass timer_class = {
    .name = "avr-timer",
    .description = "AVR 8/16-bit timer/counter (normal, CTC, PWM modes)",
    .props = timer_props,
    .state_size = sizeof(AvrTimer),
    .realize = timer_realize,
    .reset = timer_reset,
    .finalize = timer_finalize,
    .mmio_help =
        "5 bytes (8-bit) or 14 bytes (16-bit) at base, 1 byte each at timsk"
        " and tifr",
    .irq_inputs_help = "0: clock gate from avr-power (1 = stopped)",
};

static int timer_init(void)
{
    return tessera_register_device(&timer_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "avr-timer", "0.1.0", timer_init);
