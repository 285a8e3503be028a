/* SPDX-License-Identifier: MIT */
/*
 * AVR USART (asynchronous mode). Registers from "base": UCSRnA, UCSRnB,
 * UCSRnC, (reserved), UBRRnL, UBRRnH, UDRn. A byte written to UDR goes to
 * the chardev at once, so the transmitter is always ready (UDRE stays 1)
 * and TXC is set as soon as the byte is written; received bytes wait in
 * the two-byte receive FIFO the hardware has.
 *
 * Input line 0 stops the USART's clock (avr-power: PRUSARTn, or a sleep
 * mode that halts the I/O clock): nothing is sent or received, received
 * bytes wait in the chardev, and the registers read 0 and ignore writes,
 * as the datasheets say of a peripheral whose PRR bit is set.
 */
#include <tessera/device.h>

#include "avr-dev.h"

enum { UCSRA, UCSRB, UCSRC, RESV, UBRRL, UBRRH, UDR, NREGS };

#define A_RXC 0x80
#define A_TXC 0x40
#define A_UDRE 0x20
#define B_RXCIE 0x80
#define B_TXCIE 0x40
#define B_UDRIE 0x20
#define B_RXEN 0x10
#define B_TXEN 0x08

enum { LINE_RXC, LINE_UDRE, LINE_TXC };

typedef struct Usart {
    TesseraDevice *dev;
    TesseraChardev *chr;
    TesseraIrq *irq[3];
    uint8_t a, b, c, ubrrl, ubrrh;
    uint8_t rx[2];
    unsigned rx_count;
    bool acks_mapped;
    bool stopped; /* clock gated off */
} Usart;

static void usart_update(Usart *s)
{
    tessera_irq_set(s->irq[LINE_RXC], (s->a & A_RXC) && (s->b & B_RXCIE));
    tessera_irq_set(s->irq[LINE_UDRE], (s->a & A_UDRE) && (s->b & B_UDRIE));
    tessera_irq_set(s->irq[LINE_TXC], (s->a & A_TXC) && (s->b & B_TXCIE));
}

static uint64_t usart_read(void *opaque, uint64_t off, unsigned size)
{
    Usart *s = opaque;
    (void)size;
    if (s->stopped)
        return 0;
    switch (off) {
    case UCSRA:
        return s->a;
    case UCSRB:
        return s->b;
    case UCSRC:
        return s->c;
    case UBRRL:
        return s->ubrrl;
    case UBRRH:
        return s->ubrrh;
    case UDR: {
        if (!s->rx_count)
            return 0;
        uint8_t v = s->rx[0];
        s->rx[0] = s->rx[1];
        if (--s->rx_count == 0)
            s->a &= (uint8_t)~A_RXC;
        usart_update(s);
        tessera_chr_accept_input(s->chr);
        return v;
    }
    }
    return 0;
}

static void usart_write(void *opaque, uint64_t off, uint64_t value,
                        unsigned size)
{
    Usart *s = opaque;
    uint8_t v = (uint8_t)value;
    (void)size;
    if (s->stopped)
        return;
    switch (off) {
    case UCSRA:
        /* TXC is cleared by writing one; U2X and MPCM are plain bits. */
        if (v & A_TXC)
            s->a &= (uint8_t)~A_TXC;
        s->a = (uint8_t)((s->a & 0xfc) | (v & 0x03));
        break;
    case UCSRB:
        s->b = v;
        if (v & B_RXEN)
            tessera_chr_accept_input(s->chr);
        break;
    case UCSRC:
        s->c = v;
        break;
    case UBRRL:
        s->ubrrl = v;
        break;
    case UBRRH:
        s->ubrrh = v & 0x0f;
        break;
    case UDR:
        if (s->b & B_TXEN) {
            tessera_chr_write(s->chr, &v, 1);
            s->a |= A_TXC;
        }
        break;
    }
    usart_update(s);
}

static const TesseraMmioOps usart_ops = {
    .read = usart_read, .write = usart_write, .min_access = 1,
    .max_access = 1};

/* Entering the TX-complete vector clears TXC. */
static uint64_t ack_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque, (void)off, (void)size;
    return 0;
}

static void ack_txc(void *opaque, uint64_t off, uint64_t value, unsigned size)
{
    Usart *s = opaque;
    (void)off, (void)value, (void)size;
    s->a &= (uint8_t)~A_TXC;
    usart_update(s);
}

static const TesseraMmioOps ack_ops = {
    .read = ack_read, .write = ack_txc, .min_access = 1, .max_access = 1};

static int usart_can_read(void *opaque)
{
    Usart *s = opaque;
    if (!(s->b & B_RXEN) || s->stopped)
        return 0;
    return 2 - (int)s->rx_count;
}

static void usart_receive(void *opaque, const uint8_t *buf, size_t len)
{
    Usart *s = opaque;
    for (size_t i = 0; i < len && s->rx_count < 2; i++)
        s->rx[s->rx_count++] = buf[i];
    if (s->rx_count)
        s->a |= A_RXC;
    usart_update(s);
}

static void usart_gate(void *opaque, unsigned line, int level)
{
    Usart *s = opaque;
    (void)line;
    s->stopped = level != 0;
    if (!s->stopped)
        tessera_chr_accept_input(s->chr);
}

static int usart_realize(TesseraDevice *dev, void *state)
{
    Usart *s = state;
    s->dev = dev;
    tessera_dev_irq_inputs(dev, 1, usart_gate, s);
    s->chr = tessera_dev_chardev(dev, "chardev");
    if (tessera_dev_map_mmio(dev,
                             AVR_DEV_DATA_BASE +
                                 tessera_dev_prop_u64(dev, "base"),
                             NREGS, &usart_ops, s) < 0)
        return -1;
    if (s->chr)
        tessera_chr_set_receiver(s->chr, usart_can_read, usart_receive, s);
    return 0;
}

static void usart_reset(TesseraDevice *dev, void *state)
{
    Usart *s = state;
    s->irq[LINE_RXC] = tessera_dev_irq_out(dev, "rxc", 0);
    s->irq[LINE_UDRE] = tessera_dev_irq_out(dev, "udre", 0);
    s->irq[LINE_TXC] = tessera_dev_irq_out(dev, "txc", 0);
    if (!s->acks_mapped) {
        avr_map_ack(dev, "txc", 0, &ack_ops, s);
        s->acks_mapped = true;
    }
    s->a = A_UDRE;
    s->b = 0;
    s->c = 0x06;
    s->ubrrl = s->ubrrh = 0;
    s->rx_count = 0;
    s->stopped = false;
    usart_update(s);
}

static const TesseraProp usart_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "data address of UCSRnA (0xc0 for USART0)"},
    {"chardev", TESSERA_PROP_CHARDEV, "", "character backend"},
    {"rxc", TESSERA_PROP_IRQ, "", "receive complete interrupt (cpu0:vecN)"},
    {"udre", TESSERA_PROP_IRQ, "", "data register empty interrupt"},
    {"txc", TESSERA_PROP_IRQ, "", "transmit complete interrupt"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass usart_class = {
    .name = "avr-usart",
    .description = "AVR USART (asynchronous), TX/RX through a chardev",
    .props = usart_props,
    .state_size = sizeof(Usart),
    .realize = usart_realize,
    .reset = usart_reset,
    .mmio_help = "7 bytes at data address base (UCSRnA..UDRn)",
    .irq_inputs_help = "0: clock gate from avr-power (1 = stopped)",
};

static int usart_init(void)
{
    return tessera_register_device(&usart_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "avr-usart", "0.1.0", usart_init);
