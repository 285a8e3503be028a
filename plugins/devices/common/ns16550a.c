/* SPDX-License-Identifier: MIT */
/*
 * NS16550A UART: eight byte-wide registers spaced 1 << reg-shift bytes
 * apart. Transmission is instantaneous (the transmitter is always empty),
 * so there is no baud-rate timing; the divisor latch is kept only so that
 * drivers read back what they wrote. Received bytes wait in a 16-byte FIFO
 * fed from the character backend as the FIFO has room.
 */
#include <inttypes.h>
#include <string.h>

#include <libfdt.h>
#include <stdio.h>

#include <tessera/device.h>

/* Register indices (offset >> reg-shift). */
enum {
    UART_RBR_THR_DLL = 0,
    UART_IER_DLM = 1,
    UART_IIR_FCR = 2,
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
    UART_MSR = 6,
    UART_SCR = 7,
};

#define IER_ERBFI 0x01 /* received data available */
#define IER_ETBEI 0x02 /* transmitter holding register empty */
#define IER_ELSI 0x04  /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */

#define IIR_NO_INT 0x01
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_TIMEOUT 0x0c
#define IIR_FIFO_ON 0xc0

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_TRIGGER_SHIFT 6

#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_PE 0x04
#define LSR_FE 0x08
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_ERRORS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_DELTAS 0x0f
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

#define UART_FIFO_SIZE 16

typedef struct Uart {
    TesseraDevice *dev;
    TesseraIrq *irq;
    TesseraChardev *chr;
    unsigned shift;

    uint8_t rx[UART_FIFO_SIZE];
    unsigned rx_head, rx_count;
    uint8_t ier, lcr, mcr, lsr, msr, scr, dll, dlm;
    bool fifo_on;
    unsigned rx_trigger; /* FIFO level that raises "data available" */
    bool thr_int;        /* THR-empty interrupt pending (cleared by IIR read) */
} Uart;

static const unsigned uart_trigger_levels[4] = {1, 4, 8, 14};

/* The highest-priority pending interrupt, as IIR bits 3:0. */
static uint8_t uart_pending(const Uart *s)
{
    if ((s->ier & IER_ELSI) && (s->lsr & LSR_ERRORS))
        return IIR_RLSI;
    if ((s->ier & IER_ERBFI) && s->rx_count) {
        /*
         * Below the trigger level a real FIFO waits four character times
         * and then reports a timeout; we have no character times, so the
         * timeout is reported at once. Drivers treat both the same.
         */
        if (s->fifo_on && s->rx_count < s->rx_trigger)
            return IIR_TIMEOUT;
        return IIR_RDI;
    }
    if ((s->ier & IER_ETBEI) && s->thr_int)
        return IIR_THRI;
    if ((s->ier & IER_EDSSI) && (s->msr & MSR_DELTAS))
        return IIR_MSI;
    return IIR_NO_INT;
}

static void uart_update_irq(Uart *s)
{
    tessera_irq_set(s->irq, uart_pending(s) != IIR_NO_INT);
}

static unsigned uart_rx_capacity(const Uart *s)
{
    return s->fifo_on ? UART_FIFO_SIZE : 1;
}

static void uart_rx_push(Uart *s, uint8_t c)
{
    if (s->rx_count >= uart_rx_capacity(s)) {
        s->lsr |= LSR_OE;
        return;
    }
    s->rx[(s->rx_head + s->rx_count) % UART_FIFO_SIZE] = c;
    s->rx_count++;
    s->lsr |= LSR_DR;
}

static uint8_t uart_rx_pop(Uart *s)
{
    uint8_t c;

    if (!s->rx_count)
        return 0;
    c = s->rx[s->rx_head];
    s->rx_head = (s->rx_head + 1) % UART_FIFO_SIZE;
    if (--s->rx_count == 0)
        s->lsr &= ~LSR_DR;
    return c;
}

static void uart_rx_clear(Uart *s)
{
    s->rx_head = 0;
    s->rx_count = 0;
    s->lsr &= ~LSR_DR;
}

/* Modem inputs: looped back from MCR in loopback mode, else all asserted. */
static uint8_t uart_modem_lines(const Uart *s)
{
    if (!(s->mcr & MCR_LOOP))
        return MSR_DCD | MSR_DSR | MSR_CTS;
    return ((s->mcr & MCR_RTS) ? MSR_CTS : 0) |
           ((s->mcr & MCR_DTR) ? MSR_DSR : 0) |
           ((s->mcr & MCR_OUT1) ? MSR_RI : 0) |
           ((s->mcr & MCR_OUT2) ? MSR_DCD : 0);
}

static void uart_set_modem_lines(Uart *s, uint8_t lines)
{
    uint8_t old = s->msr & 0xf0;
    uint8_t delta = 0;

    if ((old ^ lines) & MSR_CTS)
        delta |= MSR_DCTS;
    if ((old ^ lines) & MSR_DSR)
        delta |= MSR_DDSR;
    if ((old ^ lines) & MSR_DCD)
        delta |= MSR_DDCD;
    if ((old & MSR_RI) && !(lines & MSR_RI)) /* trailing edge only */
        delta |= MSR_TERI;
    s->msr = lines | (s->msr & MSR_DELTAS) | delta;
}

/* ---------------------------------------------------------------------- */
/* Character backend                                                       */

static int uart_can_read(void *opaque)
{
    Uart *s = opaque;

    /* In loopback the receiver hears only the transmitter. */
    if (s->mcr & MCR_LOOP)
        return 0;
    return (int)(uart_rx_capacity(s) - s->rx_count);
}

static void uart_receive(void *opaque, const uint8_t *buf, size_t len)
{
    Uart *s = opaque;

    for (size_t i = 0; i < len; i++)
        uart_rx_push(s, buf[i]);
    uart_update_irq(s);
}

/* ---------------------------------------------------------------------- */
/* Registers                                                               */

static uint8_t uart_read_reg(Uart *s, unsigned reg)
{
    uint8_t v;

    switch (reg) {
    case UART_RBR_THR_DLL:
        if (s->lcr & LCR_DLAB)
            return s->dll;
        v = uart_rx_pop(s);
        uart_update_irq(s);
        tessera_chr_accept_input(s->chr);
        return v;
    case UART_IER_DLM:
        return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
    case UART_IIR_FCR:
        v = uart_pending(s);
        /* Reading IIR is what acknowledges a THR-empty interrupt. */
        if (v == IIR_THRI) {
            s->thr_int = false;
            uart_update_irq(s);
        }
        return v | (s->fifo_on ? IIR_FIFO_ON : 0);
    case UART_LCR:
        return s->lcr;
    case UART_MCR:
        return s->mcr;
    case UART_LSR:
        v = s->lsr;
        if (s->lsr & LSR_ERRORS) {
            s->lsr &= ~LSR_ERRORS;
            uart_update_irq(s);
        }
        return v;
    case UART_MSR:
        v = s->msr;
        if (s->msr & MSR_DELTAS) {
            s->msr &= ~MSR_DELTAS;
            uart_update_irq(s);
        }
        return v;
    default:
        return s->scr;
    }
}

static void uart_write_fcr(Uart *s, uint8_t v)
{
    bool on = v & FCR_ENABLE;

    /* Switching the FIFOs on or off empties them. */
    if (on != s->fifo_on || (v & FCR_CLEAR_RX))
        uart_rx_clear(s);
    s->fifo_on = on;
    s->rx_trigger = uart_trigger_levels[v >> FCR_TRIGGER_SHIFT];
    tessera_chr_accept_input(s->chr);
}

static void uart_write_reg(Uart *s, unsigned reg, uint8_t v)
{
    switch (reg) {
    case UART_RBR_THR_DLL:
        if (s->lcr & LCR_DLAB) {
            s->dll = v;
            break;
        }
        if (s->mcr & MCR_LOOP)
            uart_rx_push(s, v);
        else
            tessera_chr_write(s->chr, &v, 1);
        /* The byte left at once: the holding register is empty again. */
        s->thr_int = true;
        break;
    case UART_IER_DLM:
        if (s->lcr & LCR_DLAB) {
            s->dlm = v;
            break;
        }
        /*
         * Enabling the THR-empty interrupt while the register is empty
         * raises it at once; Linux's 8250 driver relies on that to start
         * transmitting.
         */
        if ((v & IER_ETBEI) && !(s->ier & IER_ETBEI))
            s->thr_int = true;
        s->ier = v & 0x0f;
        break;
    case UART_IIR_FCR:
        uart_write_fcr(s, v);
        break;
    case UART_LCR:
        s->lcr = v;
        break;
    case UART_MCR: {
        bool was_loop = s->mcr & MCR_LOOP;
        s->mcr = v & MCR_MASK;
        uart_set_modem_lines(s, uart_modem_lines(s));
        if (was_loop && !(s->mcr & MCR_LOOP))
            tessera_chr_accept_input(s->chr);
        break;
    }
    case UART_LSR:
    case UART_MSR:
        /* Read-only on a 16550A. */
        tessera_log(TESSERA_LOG_GUEST_ERRORS,
                    "%s: write 0x%02x to read-only register %u ignored\n",
                    tessera_dev_name(s->dev), v, reg);
        break;
    default:
        s->scr = v;
        break;
    }
    uart_update_irq(s);
}

/* Registers sit on 1 << shift boundaries; only their low byte exists. */
static bool uart_decode(Uart *s, uint64_t offset, unsigned *reg)
{
    if (offset & ((1u << s->shift) - 1)) {
        tessera_log(TESSERA_LOG_GUEST_ERRORS,
                    "%s: access at 0x%" PRIx64 " between registers\n",
                    tessera_dev_name(s->dev), offset);
        return false;
    }
    *reg = (unsigned)(offset >> s->shift);
    return true;
}

static uint64_t uart_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    Uart *s = opaque;
    unsigned reg;

    if (!uart_decode(s, offset, &reg))
        return 0;
    return uart_read_reg(s, reg);
}

static void uart_mmio_write(void *opaque, uint64_t offset, uint64_t value,
                            unsigned size)
{
    Uart *s = opaque;
    unsigned reg;

    if (uart_decode(s, offset, &reg))
        uart_write_reg(s, reg, (uint8_t)value);
}

static const TesseraMmioOps uart_ops = {
    .read = uart_mmio_read,
    .write = uart_mmio_write,
    .min_access = 1,
    .max_access = 8,
};

/* ---------------------------------------------------------------------- */
/* Class                                                                   */

static int uart_realize(TesseraDevice *dev, void *state)
{
    Uart *s = state;
    uint64_t shift = tessera_dev_prop_u64(dev, "reg-shift");
    uint64_t base = tessera_dev_prop_u64(dev, "base");

    if (shift > 3) {
        tessera_error("%s: reg-shift %" PRIu64 " is out of range (0 to 3)",
                      tessera_dev_name(dev), shift);
        return -1;
    }
    s->dev = dev;
    s->shift = (unsigned)shift;
    s->chr = tessera_dev_chardev(dev, "chardev");
    if (tessera_dev_map_mmio(dev, base, 8u << s->shift, &uart_ops, s) < 0)
        return -1;
    tessera_chr_set_receiver(s->chr, uart_can_read, uart_receive, s);
    return 0;
}

static void uart_reset(TesseraDevice *dev, void *state)
{
    Uart *s = state;

    /* IRQ lines are wired after realize: look the line up here. */
    s->irq = tessera_dev_irq_out(dev, "irq", 0);
    uart_rx_clear(s);
    s->ier = 0;
    s->lcr = 0;
    /* OUT2 set, as QEMU's model has it at reset (guests were tested there). */
    s->mcr = MCR_OUT2;
    s->scr = 0;
    s->dll = 0;
    s->dlm = 0;
    s->fifo_on = false;
    s->rx_trigger = 1;
    s->thr_int = false;
    s->lsr = LSR_THRE | LSR_TEMT;
    s->msr = uart_modem_lines(s);
    uart_update_irq(s);
    tessera_chr_accept_input(s->chr);
}

/* "serial@BASE" with the PLIC line it is wired to, as Linux's 8250 wants. */
static int uart_fdt_node(TesseraDevice *dev, void *state, void *fdt,
                         int parent)
{
    uint64_t base = tessera_dev_prop_u64(dev, "base");
    uint64_t shift = tessera_dev_prop_u64(dev, "reg-shift");
    /* Decoded window: 0x100 as on QEMU's boards, or 8 wider registers. */
    uint64_t size = (8u << shift) > 0x100 ? (8u << shift) : 0x100;
    TesseraIrqTarget t;
    char name[48];
    int node, r;

    (void)state;
    snprintf(name, sizeof(name), "serial@%llx", (unsigned long long)base);
    if ((node = fdt_add_subnode(fdt, parent, name)) < 0)
        return node;
    if (tessera_dev_irq_target(dev, "irq", 0, &t) && t.dev &&
        ((r = fdt_setprop_u32(fdt, node, "interrupts", t.input)) < 0 ||
         (r = fdt_setprop_u32(fdt, node, "interrupt-parent",
                              tessera_dev_phandle(t.dev))) < 0))
        return r;
    if ((r = fdt_setprop_u32(fdt, node, "clock-frequency",
                             (uint32_t)tessera_dev_prop_u64(
                                 dev, "clock-frequency"))) < 0 ||
        (r = fdt_setprop_u64(fdt, node, "reg", base)) < 0 ||
        (r = fdt_appendprop_u64(fdt, node, "reg", size)) < 0 ||
        (shift && (r = fdt_setprop_u32(fdt, node, "reg-shift",
                                       (uint32_t)shift)) < 0) ||
        (r = fdt_setprop_string(fdt, node, "compatible", "ns16550a")) < 0)
        return r;
    return 0;
}

static const TesseraProp uart_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "MMIO base address"},
    {"reg-shift", TESSERA_PROP_U64, "0",
     "registers are 1 << reg-shift bytes apart (0 to 3)"},
    {"irq", TESSERA_PROP_IRQ, "", "interrupt output"},
    {"chardev", TESSERA_PROP_CHARDEV, "", "character backend"},
    {"clock-frequency", TESSERA_PROP_FREQ, "3686400",
     "input clock in Hz, for the device tree"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass uart_class = {
    .name = "ns16550a",
    .description = "NS16550A UART with 16-byte FIFOs",
    .props = uart_props,
    .state_size = sizeof(Uart),
    .realize = uart_realize,
    .reset = uart_reset,
    .fdt_node = uart_fdt_node,
    .mmio_help = "8 << reg-shift bytes at base",
};

static int uart_init(void)
{
    return tessera_register_device(&uart_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "ns16550a", "0.1.0", uart_init);
