/* SPDX-License-Identifier: MIT */
/*
 * ARM PrimeCell PL022 synchronous serial port (SPI master) with its two
 * 8-entry FIFOs. Nothing is attached to the bus: a frame sent reads back
 * as 0, or as itself in loopback mode (CR1.LBM). Frames move from the
 * transmit FIFO to the receive FIFO at once while the port is enabled
 * and the receive FIFO has room (so it never overruns; the clock rate
 * is not modelled). Interrupts: TX (transmit FIFO at most half full),
 * RX (receive FIFO at least half full), combined on one output.
 */
#include <stdint.h>

#include <tessera/device.h>

#define FIFO 8u
#define CR1_LBM 1u
#define CR1_SSE 2u
#define SR_TFE 1u
#define SR_TNF 2u
#define SR_RNE 4u
#define SR_RFF 8u
#define SR_BSY 16u
#define INT_RX 4u
#define INT_TX 8u

typedef struct Pl022 {
    TesseraIrq *irq;
    uint32_t cr0, cr1, cpsr, imsc, dmacr;
    uint16_t tx[FIFO], rx[FIFO];
    unsigned tx_head, tx_n, rx_head, rx_n;
} Pl022;

static const uint8_t pl022_id[8] = {0x22, 0x10, 0x04, 0x00,
                                    0x0d, 0xf0, 0x05, 0xb1};

static uint32_t raw_int(const Pl022 *s)
{
    uint32_t r = 0;
    if (s->tx_n <= FIFO / 2)
        r |= INT_TX;
    if (s->rx_n >= FIFO / 2)
        r |= INT_RX;
    return r;
}

/* Moves frames while the port is on and the receive FIFO has room. */
static void transfer(Pl022 *s)
{
    uint16_t mask = (uint16_t)((2u << (s->cr0 & 15)) - 1);
    while ((s->cr1 & CR1_SSE) && s->tx_n && s->rx_n < FIFO) {
        uint16_t v = s->tx[s->tx_head];
        s->tx_head = (s->tx_head + 1) % FIFO;
        s->tx_n--;
        s->rx[(s->rx_head + s->rx_n) % FIFO] =
            (s->cr1 & CR1_LBM) ? (uint16_t)(v & mask) : 0;
        s->rx_n++;
    }
    tessera_irq_set(s->irq, (raw_int(s) & s->imsc) != 0);
}

static uint64_t pl022_read(void *opaque, uint64_t off, unsigned size)
{
    Pl022 *s = opaque;
    uint32_t v = 0;
    (void)size;
    if (off >= 0xfe0 && off < 0x1000)
        return pl022_id[(off - 0xfe0) / 4];
    switch (off) {
    case 0x00:
        return s->cr0;
    case 0x04:
        return s->cr1;
    case 0x08:
        if (s->rx_n) {
            v = s->rx[s->rx_head];
            s->rx_head = (s->rx_head + 1) % FIFO;
            s->rx_n--;
            transfer(s);
        }
        return v;
    case 0x0c:
        return (s->tx_n == 0 ? SR_TFE : 0) | (s->tx_n < FIFO ? SR_TNF : 0) |
               (s->rx_n ? SR_RNE : 0) | (s->rx_n == FIFO ? SR_RFF : 0) |
               (s->tx_n ? SR_BSY : 0);
    case 0x10:
        return s->cpsr;
    case 0x14:
        return s->imsc;
    case 0x18:
        return raw_int(s);
    case 0x1c:
        return raw_int(s) & s->imsc;
    case 0x24:
        return s->dmacr;
    default:
        return 0;
    }
}

static void pl022_write(void *opaque, uint64_t off, uint64_t value,
                        unsigned size)
{
    Pl022 *s = opaque;
    uint32_t v = (uint32_t)value;
    (void)size;
    switch (off) {
    case 0x00:
        s->cr0 = v & 0xffff;
        break;
    case 0x04:
        s->cr1 = v & 15;
        break;
    case 0x08:
        if (s->tx_n < FIFO) {
            s->tx[(s->tx_head + s->tx_n) % FIFO] = (uint16_t)v;
            s->tx_n++;
        }
        break;
    case 0x10:
        s->cpsr = v & 0xfe; /* even divisors only */
        break;
    case 0x14:
        s->imsc = v & 15;
        break;
    case 0x24:
        s->dmacr = v & 3;
        break;
    default: /* ICR: the overrun and timeout interrupts never happen */
        break;
    }
    transfer(s);
}

static const TesseraMmioOps pl022_ops = {
    .read = pl022_read,
    .write = pl022_write,
    .min_access = 4,
    .max_access = 4,
};

static int pl022_realize(TesseraDevice *dev, void *state)
{
    return tessera_dev_map_mmio(dev, tessera_dev_prop_u64(dev, "base"),
                                0x1000, &pl022_ops, state);
}

static void pl022_reset(TesseraDevice *dev, void *state)
{
    Pl022 *s = state;
    s->irq = tessera_dev_irq_out(dev, "irq", 0);
    s->cr0 = s->cr1 = s->cpsr = s->imsc = s->dmacr = 0;
    s->tx_head = s->tx_n = s->rx_head = s->rx_n = 0;
    transfer(s);
}

static const TesseraProp pl022_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "MMIO base address (4 KiB)"},
    {"irq", TESSERA_PROP_IRQ, "", "combined interrupt output"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass pl022_class = {
    .name = "pl022",
    .description = "ARM PrimeCell PL022 SPI (nothing on its bus)",
    .props = pl022_props,
    .state_size = sizeof(Pl022),
    .realize = pl022_realize,
    .reset = pl022_reset,
    .mmio_help = "0x1000 bytes at base",
};

static int pl022_init(void)
{
    return tessera_register_device(&pl022_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "pl022", "0.1.0", pl022_init);
