/* SPDX-License-Identifier: MIT */
/*
 * AVR watchdog timer (WDTCSR at "base") and the reset-cause register
 * MCUSR ("mcusr"). Timeouts are 2048 << WDP periods of the 128 kHz
 * oscillator (16 ms to 8 s). Interrupt mode raises "irq" (WDIF, cleared
 * when the CPU enters the vector); reset mode resets the machine and sets
 * WDRF; interrupt-and-reset mode turns into reset mode after the first
 * interrupt, as the datasheet says. WDR restarts the count (the CPU
 * strobes 0x8200ff). Changing WDE or WDP needs WDCE|WDE first, within
 * four cycles, and WDE cannot be cleared while WDRF is set.
 */
#include <tessera/device.h>

#include "avr-dev.h"

#define WDIF 0x80
#define WDIE 0x40
#define WDP3 0x20
#define WDCE 0x10
#define WDE 0x08

#define PORF 0x01
#define EXTRF 0x02
#define WDRF 0x08

typedef struct Wdt {
    TesseraDevice *dev;
    TesseraIrq *irq;
    TesseraTimer *timer;
    uint64_t hz;
    uint8_t csr, mcusr;
    bool powered;        /* the first reset is the power-on one */
    bool wdt_reset;      /* the next machine reset is ours */
    uint64_t wdce_cycle; /* when the change window opened */
    bool acks_mapped;
} Wdt;

static unsigned wdp(Wdt *s)
{
    unsigned p = (s->csr & 7) | ((s->csr & WDP3) ? 8 : 0);
    return p > 9 ? 9 : p;
}

static void wdt_update(Wdt *s)
{
    tessera_irq_set(s->irq, (s->csr & WDIF) && (s->csr & WDIE));
}

/* (Re)starts the count from now, if the watchdog is on. */
static void wdt_restart(Wdt *s)
{
    if (!(s->csr & (WDE | WDIE))) {
        tessera_timer_del(s->timer);
        return;
    }
    uint64_t ns = (2048ull << wdp(s)) * 1000000000ull / 128000u;
    tessera_timer_mod(s->timer, tessera_clock_ns() + ns);
}

static void wdt_expired(void *opaque)
{
    Wdt *s = opaque;
    if (s->csr & WDIE) {
        s->csr |= WDIF;
        wdt_update(s);
        wdt_restart(s);
        return;
    }
    if (s->csr & WDE) {
        s->wdt_reset = true;
        tessera_request_reset();
    }
}

static uint64_t wdt_read(void *opaque, uint64_t off, unsigned size)
{
    Wdt *s = opaque;
    (void)size;
    return off == 0 ? s->csr : s->mcusr;
}

static void wdt_write(void *opaque, uint64_t off, uint64_t value,
                      unsigned size)
{
    Wdt *s = opaque;
    uint8_t v = (uint8_t)value;
    (void)size;
    uint64_t now = avr_now_cycles(s->hz);
    bool window = (s->csr & WDCE) && now - s->wdce_cycle < 4;
    s->csr &= (uint8_t)~WDCE;
    if ((v & WDCE) && (v & WDE)) {
        /* Opens the timed sequence; WDE stays as it was. */
        s->csr |= WDCE;
        s->wdce_cycle = now;
    } else if (window) {
        s->csr = (uint8_t)((s->csr & WDIF) | (v & (WDIE | WDP3 | WDE | 7)));
    } else {
        /* Outside the sequence only WDIE and setting WDE are allowed. */
        s->csr = (uint8_t)((s->csr & ~WDIE) | (v & (WDIE | WDE)));
    }
    if (v & WDIF)
        s->csr &= (uint8_t)~WDIF;
    if (s->mcusr & WDRF)
        s->csr |= WDE;
    wdt_update(s);
    wdt_restart(s);
}

static void mcusr_write(void *opaque, uint64_t off, uint64_t value,
                        unsigned size)
{
    Wdt *s = opaque;
    (void)off, (void)size;
    s->mcusr &= (uint8_t)value; /* flags are cleared by writing zero */
}

static const TesseraMmioOps wdt_ops = {
    .read = wdt_read, .write = wdt_write, .min_access = 1, .max_access = 1};
static const TesseraMmioOps mcusr_ops = {
    .read = wdt_read, .write = mcusr_write, .min_access = 1,
    .max_access = 1};

static uint64_t strobe_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque, (void)off, (void)size;
    return 0;
}

static void strobe_wdr(void *opaque, uint64_t off, uint64_t value,
                       unsigned size)
{
    (void)off, (void)value, (void)size;
    wdt_restart(opaque);
}

/* Entering the vector clears WDIF; with WDE set the next timeout resets. */
static void ack_vector(void *opaque, uint64_t off, uint64_t value,
                       unsigned size)
{
    Wdt *s = opaque;
    (void)off, (void)value, (void)size;
    s->csr &= (uint8_t)~WDIF;
    if (s->csr & WDE)
        s->csr &= (uint8_t)~WDIE;
    wdt_update(s);
}

static const TesseraMmioOps strobe_ops = {
    .read = strobe_read, .write = strobe_wdr, .min_access = 1,
    .max_access = 1};
static const TesseraMmioOps ack_ops = {
    .read = strobe_read, .write = ack_vector, .min_access = 1,
    .max_access = 1};

static int wdt_realize(TesseraDevice *dev, void *state)
{
    Wdt *s = state;
    s->dev = dev;
    s->hz = tessera_dev_prop_u64(dev, "frequency");
    if (!s->hz) {
        tessera_error("%s: frequency must not be 0", tessera_dev_name(dev));
        return -1;
    }
    s->timer = tessera_timer_new(wdt_expired, s);
    if (avr_dev_map_reg(dev, "base", &wdt_ops, s) < 0 ||
        avr_dev_map_reg(dev, "mcusr", &mcusr_ops, s) < 0 ||
        tessera_dev_map_mmio(dev, AVR_DEV_WDR_STROBE, 1, &strobe_ops, s) < 0)
        return -1;
    return 0;
}

static void wdt_reset(TesseraDevice *dev, void *state)
{
    Wdt *s = state;
    s->irq = tessera_dev_irq_out(dev, "irq", 0);
    if (!s->acks_mapped) {
        avr_map_ack(dev, "irq", 0, &ack_ops, s);
        s->acks_mapped = true;
    }
    if (!s->powered) {
        s->mcusr = PORF;
        s->powered = true;
    } else if (s->wdt_reset) {
        s->mcusr |= WDRF;
    } else {
        s->mcusr |= EXTRF;
    }
    s->wdt_reset = false;
    /* WDRF keeps the watchdog on, at its shortest timeout. */
    s->csr = (s->mcusr & WDRF) ? WDE : 0;
    wdt_update(s);
    wdt_restart(s);
}

static void wdt_finalize(TesseraDevice *dev, void *state)
{
    Wdt *s = state;
    (void)dev;
    tessera_timer_free(s->timer);
}

static const TesseraProp wdt_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "data address of WDTCSR (0x60)"},
    {"mcusr", TESSERA_PROP_U64, NULL, "data address of MCUSR (0x54)"},
    {"frequency", TESSERA_PROP_FREQ, "16000000", "CPU clock in Hz"},
    {"irq", TESSERA_PROP_IRQ, "", "watchdog interrupt (cpu0:vecN)"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass wdt_class = {
    .name = "avr-wdt",
    .description = "AVR watchdog timer (interrupt and reset modes) and MCUSR",
    .props = wdt_props,
    .state_size = sizeof(Wdt),
    .realize = wdt_realize,
    .reset = wdt_reset,
    .finalize = wdt_finalize,
    .mmio_help = "1 byte at base (WDTCSR), 1 byte at mcusr",
};

static int wdt_init(void)
{
    return tessera_register_device(&wdt_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "avr-wdt", "0.1.0", wdt_init);
