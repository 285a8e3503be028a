/* SPDX-License-Identifier: MIT */
/*
 * ARM CMSDK APB UART (Cortex-M System Design Kit technical reference
 * manual): DATA, STATE, CTRL, INTSTATUS/INTCLEAR, BAUDDIV and the ID
 * registers, a one-byte buffer each way, and its interrupt outputs
 * (transmit, receive, overrun and the combined line). A byte written to
 * DATA leaves at once, so the transmit buffer is empty again and, with
 * TXINTEN, the transmit interrupt is raised.
 */
#include <stdint.h>
#include <string.h>

#include <tessera/device.h>

typedef struct Uart {
    TesseraDevice *dev;
    TesseraChardev *chr;
    TesseraIrq *txirq, *rxirq, *ovirq, *irq;
    uint32_t state, ctrl, intstatus, bauddiv;
    uint8_t rxbuf;
} Uart;

#define ST_TXFULL 1u
#define ST_RXFULL 2u
#define ST_TXOVR 4u
#define ST_RXOVR 8u
#define CTRL_TXEN 1u
#define CTRL_RXEN 2u
#define CTRL_TXIE 4u
#define CTRL_RXIE 8u
#define CTRL_TXOIE 0x10u
#define CTRL_RXOIE 0x20u
#define INT_TX 1u
#define INT_RX 2u
#define INT_TXO 4u
#define INT_RXO 8u

static const uint8_t uart_id[12] = {0x04, 0, 0, 0, 0x21, 0xb8, 0x1b, 0,
                                    0x0d, 0xf0, 0x05, 0xb1};

static void update_irqs(Uart *s)
{
    /* Overrun interrupts follow the state bits while enabled. */
    s->intstatus &= ~(INT_TXO | INT_RXO);
    if ((s->ctrl & CTRL_TXOIE) && (s->state & ST_TXOVR))
        s->intstatus |= INT_TXO;
    if ((s->ctrl & CTRL_RXOIE) && (s->state & ST_RXOVR))
        s->intstatus |= INT_RXO;
    tessera_irq_set(s->txirq, (s->intstatus & INT_TX) != 0);
    tessera_irq_set(s->rxirq, (s->intstatus & INT_RX) != 0);
    tessera_irq_set(s->ovirq, (s->intstatus & (INT_TXO | INT_RXO)) != 0);
    tessera_irq_set(s->irq, s->intstatus != 0);
}

static int uart_can_read(void *opaque)
{
    Uart *s = opaque;
    return (s->ctrl & CTRL_RXEN) && !(s->state & ST_RXFULL) ? 1 : 0;
}

static void uart_receive(void *opaque, const uint8_t *buf, size_t len)
{
    Uart *s = opaque;
    if (!len)
        return;
    if (s->state & ST_RXFULL) {
        s->state |= ST_RXOVR;
    } else {
        s->rxbuf = buf[0];
        s->state |= ST_RXFULL;
        if (s->ctrl & CTRL_RXIE)
            s->intstatus |= INT_RX;
    }
    update_irqs(s);
}

static uint64_t uart_read(void *opaque, uint64_t off, unsigned size)
{
    Uart *s = opaque;
    (void)size;
    if (off >= 0xfd0 && off < 0x1000)
        return uart_id[(off - 0xfd0) / 4];
    switch (off) {
    case 0x0: {
        uint32_t v = s->rxbuf;
        if (s->state & ST_RXFULL) {
            s->state &= ~ST_RXFULL;
            tessera_chr_accept_input(s->chr);
        }
        return v;
    }
    case 0x4:
        return s->state;
    case 0x8:
        return s->ctrl;
    case 0xc:
        return s->intstatus;
    case 0x10:
        return s->bauddiv;
    default:
        if (tessera_log_enabled(TESSERA_LOG_GUEST_ERRORS))
            tessera_log(TESSERA_LOG_GUEST_ERRORS,
                        "%s: read of 0x%03x\n", tessera_dev_name(s->dev),
                        (unsigned)off);
        return 0;
    }
}

static void uart_write(void *opaque, uint64_t off, uint64_t value,
                       unsigned size)
{
    Uart *s = opaque;
    uint32_t v = (uint32_t)value;
    (void)size;
    switch (off) {
    case 0x0:
        if (!(s->ctrl & CTRL_TXEN)) {
            if (tessera_log_enabled(TESSERA_LOG_GUEST_ERRORS))
                tessera_log(TESSERA_LOG_GUEST_ERRORS,
                            "%s: DATA written with the transmitter off\n",
                            tessera_dev_name(s->dev));
            break;
        }
        {
            uint8_t ch = (uint8_t)v;
            tessera_chr_write(s->chr, &ch, 1);
        }
        if (s->ctrl & CTRL_TXIE)
            s->intstatus |= INT_TX;
        break;
    case 0x4: /* write 1 to clear the overrun bits */
        s->state &= ~(v & (ST_TXOVR | ST_RXOVR));
        break;
    case 0x8:
        s->ctrl = v & 0x7f;
        if (s->ctrl & CTRL_RXEN)
            tessera_chr_accept_input(s->chr);
        break;
    case 0xc:
        s->intstatus &= ~v;
        if (v & INT_TXO)
            s->state &= ~ST_TXOVR;
        if (v & INT_RXO)
            s->state &= ~ST_RXOVR;
        break;
    case 0x10:
        s->bauddiv = v & 0xfffff;
        break;
    default:
        if (tessera_log_enabled(TESSERA_LOG_GUEST_ERRORS))
            tessera_log(TESSERA_LOG_GUEST_ERRORS,
                        "%s: write of 0x%03x\n", tessera_dev_name(s->dev),
                        (unsigned)off);
        break;
    }
    update_irqs(s);
}

static const TesseraMmioOps uart_ops = {
    .read = uart_read,
    .write = uart_write,
    .min_access = 4,
    .max_access = 4,
};

static int uart_realize(TesseraDevice *dev, void *state)
{
    Uart *s = state;
    s->dev = dev;
    s->chr = tessera_dev_chardev(dev, "chardev");
    if (s->chr)
        tessera_chr_set_receiver(s->chr, uart_can_read, uart_receive, s);
    return tessera_dev_map_mmio(dev, tessera_dev_prop_u64(dev, "base"),
                                0x1000, &uart_ops, s);
}

static void uart_reset(TesseraDevice *dev, void *state)
{
    Uart *s = state;
    s->txirq = tessera_dev_irq_out(dev, "irq-tx", 0);
    s->rxirq = tessera_dev_irq_out(dev, "irq-rx", 0);
    s->ovirq = tessera_dev_irq_out(dev, "irq-overrun", 0);
    s->irq = tessera_dev_irq_out(dev, "irq", 0);
    s->state = s->ctrl = s->intstatus = s->bauddiv = 0;
    s->rxbuf = 0;
    update_irqs(s);
}

static const TesseraProp uart_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "MMIO base address (4 KiB)"},
    {"irq-tx", TESSERA_PROP_IRQ, "", "transmit interrupt"},
    {"irq-rx", TESSERA_PROP_IRQ, "", "receive interrupt"},
    {"irq-overrun", TESSERA_PROP_IRQ, "", "overrun interrupt (TX or RX)"},
    {"irq", TESSERA_PROP_IRQ, "", "combined interrupt"},
    {"chardev", TESSERA_PROP_CHARDEV, "", "character backend"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass uart_class = {
    .name = "cmsdk-apb-uart",
    .description = "ARM CMSDK APB UART",
    .props = uart_props,
    .state_size = sizeof(Uart),
    .realize = uart_realize,
    .reset = uart_reset,
    .mmio_help = "0x1000 bytes at base",
};

static int uart_init(void)
{
    return tessera_register_device(&uart_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "cmsdk-apb-uart", "0.1.0", uart_init);
