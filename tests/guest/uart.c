/* SPDX-License-Identifier: MIT */
/* ns16550a on virt: registers a driver touches, and output that survives. */
#include "rt.h"

#define UART ((volatile uint8_t *)0x10000000UL)
enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define DLL 0   /* with LCR.DLAB set */
#define DLM 1
#define LCR_DLAB 0x80
#define LSR_DR   0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

static void test_registers(void)
{
    /* idle transmitter, nothing received (stdin is empty in the test) */
    CHECK_EQ(UART[LSR] & (LSR_THRE | LSR_TEMT), LSR_THRE | LSR_TEMT);
    CHECK_EQ(UART[LSR] & LSR_DR, 0);

    UART[SCR] = 0xa5;
    CHECK_EQ(UART[SCR], 0xa5);
    UART[SCR] = 0x5a;
    CHECK_EQ(UART[SCR], 0x5a);

    /* the usual init: 8N1, divisor through DLAB, FIFOs on */
    UART[LCR] = LCR_DLAB;
    UART[DLL] = 0x0c;
    UART[DLM] = 0x00;
    CHECK_EQ(UART[DLL], 0x0c);
    CHECK_EQ(UART[DLM], 0x00);
    UART[LCR] = 0x03;
    CHECK_EQ(UART[LCR], 0x03);
    UART[IIR_FCR] = 0x07;
    /* IIR: no interrupt pending (bit 0 set) with IER zero */
    UART[IER] = 0;
    CHECK_EQ(UART[IER], 0);
    CHECK_EQ(UART[IIR_FCR] & 0x01, 0x01);
    UART[IER] = 0x01;                       /* receive interrupts only */
    CHECK_EQ(UART[IER], 0x01);
    UART[IER] = 0;
    puts("uart: registers ok after init");
}

int main(void)
{
    char line[100];
    int n = 0;

    puts("uart: ns16550a output");
    test_registers();

    /* every printable character */
    for (int c = 0x20; c < 0x7f; c++)
        line[n++] = (char)c;
    line[n] = 0;
    puts(line);
    /* a long line, written without waiting between bytes when THRE says so */
    for (int i = 0; i < 8; i++)
        putstr("0123456789abcdefghijklmnopqrstuvwxyz");
    putch('\n');
    putstr("tab\there\n");
    return check_done("uart");
}
