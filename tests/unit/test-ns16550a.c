/* SPDX-License-Identifier: MIT */
/*
 * NS16550A register behaviour, on the plugin's own source with a fake core
 * (tests/unit/fake-core.c): what Linux's, OpenSBI's and U-Boot's 8250
 * drivers rely on.
 */
#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/devices/common/ns16550a.c"
#include "tests/unit/fake-core.h"
#include "tests/unit/unit.h"

#define BASE 0x10000000u

static void *st;

static const char *const base_props[] = {"base", "0x10000000", NULL};

static void setup(const char *const *props)
{
    fake_reset();
    fake.props = props ? props : base_props;
    fake.irq_names[0] = "irq";
    CU_ASSERT_EQUAL_FATAL(fake_realize(&st), 0);
    fake_dev_reset(st);
}

static void teardown(void)
{
    free(st);
    st = NULL;
}

static uint8_t rd(unsigned reg)
{
    return (uint8_t)fake_read(BASE + reg, 1);
}

static void wr(unsigned reg, uint8_t v)
{
    fake_write(BASE + reg, v, 1);
}

static int irq(void)
{
    return fake.irq_level[0][0];
}

static void test_reset_state(void)
{
    setup(NULL);
    CU_ASSERT_EQUAL(fake.regions[0].base, BASE);
    CU_ASSERT_EQUAL(fake.regions[0].size, 8);
    CU_ASSERT_EQUAL(rd(UART_IIR_FCR), 0x01);
    CU_ASSERT_EQUAL(rd(UART_LSR), LSR_THRE | LSR_TEMT);
    CU_ASSERT_EQUAL(rd(UART_IER_DLM), 0);
    CU_ASSERT_EQUAL(rd(UART_MSR) & 0xb0, 0xb0);
    CU_ASSERT_EQUAL(irq(), 0);
    teardown();
}

static void test_transmit(void)
{
    setup(NULL);
    wr(UART_RBR_THR_DLL, 'h');
    wr(UART_RBR_THR_DLL, 'i');
    CU_ASSERT_EQUAL(fake.out_len, 2);
    CU_ASSERT_EQUAL(memcmp(fake.out, "hi", 2), 0);
    CU_ASSERT(rd(UART_LSR) & LSR_THRE);
    teardown();
}

static void test_divisor_latch(void)
{
    setup(NULL);
    wr(UART_LCR, LCR_DLAB | 0x03);
    wr(UART_RBR_THR_DLL, 0x12);
    wr(UART_IER_DLM, 0x34);
    CU_ASSERT_EQUAL(rd(UART_RBR_THR_DLL), 0x12);
    CU_ASSERT_EQUAL(rd(UART_IER_DLM), 0x34);
    CU_ASSERT_EQUAL(fake.out_len, 0); /* the latch is not the THR */
    wr(UART_LCR, 0x03);
    CU_ASSERT_EQUAL(rd(UART_IER_DLM), 0);
    CU_ASSERT_EQUAL(rd(UART_LCR), 0x03);
    wr(UART_SCR, 0x5a);
    CU_ASSERT_EQUAL(rd(UART_SCR), 0x5a);
    teardown();
}

/* Enabling ETBEI with an empty THR interrupts at once; IIR read acks. */
static void test_thr_empty_interrupt(void)
{
    setup(NULL);
    wr(UART_IER_DLM, IER_ETBEI);
    CU_ASSERT_EQUAL(irq(), 1);
    CU_ASSERT_EQUAL(rd(UART_IIR_FCR) & 0x0f, IIR_THRI);
    CU_ASSERT_EQUAL(irq(), 0);
    CU_ASSERT_EQUAL(rd(UART_IIR_FCR) & 0x0f, IIR_NO_INT);
    /* Re-enabling raises it again (Linux's THRE test does this). */
    wr(UART_IER_DLM, 0);
    wr(UART_IER_DLM, IER_ETBEI);
    CU_ASSERT_EQUAL(rd(UART_IIR_FCR) & 0x0f, IIR_THRI);
    /* Each transmitted byte empties the THR again. */
    wr(UART_RBR_THR_DLL, 'x');
    CU_ASSERT_EQUAL(irq(), 1);
    wr(UART_IER_DLM, 0);
    CU_ASSERT_EQUAL(irq(), 0);
    teardown();
}

static void test_receive_fifo(void)
{
    setup(NULL);
    wr(UART_IIR_FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX);
    CU_ASSERT_EQUAL(rd(UART_IIR_FCR) & 0xc0, 0xc0);
    wr(UART_IER_DLM, IER_ERBFI);
    CU_ASSERT_EQUAL(irq(), 0);
    fake_input("abc", 3);
    CU_ASSERT_EQUAL(irq(), 1);
    CU_ASSERT(rd(UART_LSR) & LSR_DR);
    CU_ASSERT_EQUAL(rd(UART_RBR_THR_DLL), 'a');
    CU_ASSERT_EQUAL(rd(UART_RBR_THR_DLL), 'b');
    CU_ASSERT_EQUAL(rd(UART_RBR_THR_DLL), 'c');
    CU_ASSERT_FALSE(rd(UART_LSR) & LSR_DR);
    CU_ASSERT_EQUAL(irq(), 0);
    teardown();
}

/* The FIFO takes 16 bytes; the rest waits in the backend, none lost. */
static void test_receive_flow_control(void)
{
    char in[40];

    setup(NULL);
    wr(UART_IIR_FCR, FCR_ENABLE);
    for (int i = 0; i < 40; i++)
        in[i] = (char)('A' + i);
    fake_input(in, sizeof(in));
    CU_ASSERT_EQUAL(fake.in_len, 40 - UART_FIFO_SIZE);
    for (int i = 0; i < 40; i++) {
        CU_ASSERT(rd(UART_LSR) & LSR_DR);
        CU_ASSERT_EQUAL(rd(UART_RBR_THR_DLL), 'A' + i);
    }
    CU_ASSERT_FALSE(rd(UART_LSR) & LSR_DR);
    CU_ASSERT_FALSE(rd(UART_LSR) & LSR_OE);
    teardown();
}

/* Without FIFOs the receiver holds a single byte. */
static void test_receive_no_fifo(void)
{
    setup(NULL);
    fake_input("xy", 2);
    CU_ASSERT_EQUAL(fake.in_len, 1);
    CU_ASSERT_EQUAL(rd(UART_RBR_THR_DLL), 'x');
    CU_ASSERT_EQUAL(rd(UART_RBR_THR_DLL), 'y');
    teardown();
}

/* Below the trigger level the FIFO reports a timeout, above it data. */
static void test_trigger_level(void)
{
    setup(NULL);
    wr(UART_IIR_FCR, FCR_ENABLE | (1 << FCR_TRIGGER_SHIFT)); /* 4 bytes */
    wr(UART_IER_DLM, IER_ERBFI);
    fake_input("12", 2);
    CU_ASSERT_EQUAL(rd(UART_IIR_FCR) & 0x0f, IIR_TIMEOUT);
    fake_input("34", 2);
    CU_ASSERT_EQUAL(rd(UART_IIR_FCR) & 0x0f, IIR_RDI);
    teardown();
}

/* Receive data outranks THR empty, which outranks modem status. */
static void test_priorities(void)
{
    setup(NULL);
    wr(UART_IIR_FCR, FCR_ENABLE);
    wr(UART_IER_DLM, IER_ERBFI | IER_ETBEI | IER_ELSI | IER_EDSSI);
    fake_input("z", 1); /* trigger level 1: data available at once */
    CU_ASSERT_EQUAL(rd(UART_IIR_FCR) & 0x0f, IIR_RDI);
    rd(UART_RBR_THR_DLL);
    CU_ASSERT_EQUAL(rd(UART_IIR_FCR) & 0x0f, IIR_THRI);
    /* Modem status: a loopback change of RTS makes a CTS delta. */
    wr(UART_MCR, MCR_LOOP);
    rd(UART_MSR);
    wr(UART_MCR, MCR_LOOP | MCR_RTS);
    CU_ASSERT_EQUAL(rd(UART_IIR_FCR) & 0x0f, IIR_MSI);
    uint8_t msr = rd(UART_MSR);
    CU_ASSERT(msr & MSR_CTS);
    CU_ASSERT(msr & MSR_DCTS);
    CU_ASSERT_EQUAL(rd(UART_IIR_FCR) & 0x0f, IIR_NO_INT);
    CU_ASSERT_EQUAL(irq(), 0);
    teardown();
}

/* Loopback: what is sent is received, nothing reaches the backend. */
static void test_loopback(void)
{
    setup(NULL);
    wr(UART_IIR_FCR, FCR_ENABLE);
    wr(UART_MCR, MCR_LOOP);
    wr(UART_RBR_THR_DLL, 0x55);
    CU_ASSERT_EQUAL(fake.out_len, 0);
    CU_ASSERT(rd(UART_LSR) & LSR_DR);
    CU_ASSERT_EQUAL(rd(UART_RBR_THR_DLL), 0x55);
    /* Outside input waits while looped back. */
    fake_input("q", 1);
    CU_ASSERT_FALSE(rd(UART_LSR) & LSR_DR);
    wr(UART_MCR, 0);
    CU_ASSERT_EQUAL(rd(UART_RBR_THR_DLL), 'q');
    teardown();
}

/* Overrun: a line-status interrupt until LSR is read. */
static void test_overrun(void)
{
    setup(NULL);
    wr(UART_MCR, MCR_LOOP);
    wr(UART_IER_DLM, IER_ELSI);
    wr(UART_RBR_THR_DLL, 1);
    wr(UART_RBR_THR_DLL, 2); /* no FIFO: the second byte overruns */
    CU_ASSERT_EQUAL(rd(UART_IIR_FCR) & 0x0f, IIR_RLSI);
    CU_ASSERT_EQUAL(irq(), 1);
    CU_ASSERT(rd(UART_LSR) & LSR_OE);
    CU_ASSERT_FALSE(rd(UART_LSR) & LSR_OE);
    CU_ASSERT_EQUAL(irq(), 0);
    teardown();
}

static void test_reg_shift(void)
{
    static const char *const props[] = {"base", "0x10000000", "reg-shift",
                                        "2", NULL};
    setup(props);
    CU_ASSERT_EQUAL(fake.regions[0].size, 32);
    fake_write(BASE + 4 * UART_SCR, 0xa5, 4);
    CU_ASSERT_EQUAL(fake_read(BASE + 4 * UART_SCR, 4), 0xa5);
    CU_ASSERT_EQUAL(fake_read(BASE + 4 * UART_LSR, 4), LSR_THRE | LSR_TEMT);
    fake_write(BASE + 4 * UART_RBR_THR_DLL, 'k', 4);
    CU_ASSERT_EQUAL(fake.out_len, 1);
    /* Bytes between registers are not registers. */
    CU_ASSERT_EQUAL(fake_read(BASE + 4 * UART_SCR + 1, 1), 0);
    teardown();
}

static void test_bad_reg_shift(void)
{
    static const char *const props[] = {"base", "0x10000000", "reg-shift",
                                        "4", NULL};
    fake_reset();
    fake.props = props;
    CU_ASSERT_EQUAL(fake_realize(&st), -1);
    CU_ASSERT_EQUAL(fake.errors, 1);
    CU_ASSERT_EQUAL(fake.nregions, 0);
    teardown();
}

/* With no chardev the UART still works and drops what it sends. */
static void test_no_chardev(void)
{
    fake_reset();
    fake.props = base_props;
    fake.has_chardev = false;
    CU_ASSERT_EQUAL_FATAL(fake_realize(&st), 0);
    fake_dev_reset(st);
    wr(UART_RBR_THR_DLL, 'x');
    CU_ASSERT_EQUAL(rd(UART_RBR_THR_DLL), 0);
    CU_ASSERT_EQUAL(fake.out_len, 0);
    teardown();
}

int main(void)
{
    static const UnitTest tests[] = {
        {"reset state", test_reset_state},
        {"transmit", test_transmit},
        {"divisor latch and scratch", test_divisor_latch},
        {"THR empty interrupt", test_thr_empty_interrupt},
        {"receive FIFO", test_receive_fifo},
        {"receive flow control", test_receive_flow_control},
        {"receive without FIFO", test_receive_no_fifo},
        {"trigger level", test_trigger_level},
        {"interrupt priorities", test_priorities},
        {"loopback", test_loopback},
        {"overrun", test_overrun},
        {"reg-shift 2", test_reg_shift},
        {"bad reg-shift", test_bad_reg_shift},
        {"no chardev", test_no_chardev},
    };

    fake_reset();
    if (tessera_plugin_descriptor.init() != 0 || !fake.cls)
        return 1;
    return UNIT_RUN("ns16550a", tests);
}
