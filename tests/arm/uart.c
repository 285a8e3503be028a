/* SPDX-License-Identifier: MIT */
/*
 * CMSDK APB UART 0 (the serial console) with its transmit interrupt
 * (NVIC 1), and CMSDK timer 0 (NVIC 8): the text goes to the serial port
 * (stdout), the counts through semihosting.
 */
#include "rt/rt.h"

#define UART0 0x40004000u
#define UART_DATA REG32(UART0 + 0x0)
#define UART_STATE REG32(UART0 + 0x4)
#define UART_CTRL REG32(UART0 + 0x8)
#define UART_INT REG32(UART0 + 0xc)
#define UART_BAUD REG32(UART0 + 0x10)
#define TIMER0 0x40000000u
#define T_CTRL REG32(TIMER0 + 0x0)
#define T_VALUE REG32(TIMER0 + 0x4)
#define T_RELOAD REG32(TIMER0 + 0x8)
#define T_INT REG32(TIMER0 + 0xc)
/* UART 0's transmit interrupt: 1, or 0 on mps2-an511 (TX and RX share). */
#ifndef UART0_TX_IRQ
#define UART0_TX_IRQ 1
#endif

static volatile uint32_t txints, timerints, other;

void irq_handler(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    if (ipsr == 16 + UART0_TX_IRQ) {
        txints++;
        UART_INT = 1; /* clear TX */
    } else if (ipsr == 16 + 8) {
        timerints++;
        T_INT = 1;
        if (timerints == 3) {
            T_CTRL = 0;
            T_INT = 1;
            NVIC_ICPR0 = 1u << 8;
        }
    } else {
        other++;
    }
}

/* Sleeps until *p differs from old: the check and WFI run with PRIMASK set
 * (WFI still wakes), so an interrupt between them is not lost. */
static void wait_change(volatile uint32_t *p, uint32_t old)
{
    for (;;) {
        __asm__ volatile("cpsid i" ::: "memory");
        if (*p != old)
            break;
        __asm__ volatile("wfi\n\tcpsie i\n\tisb" ::: "memory");
    }
    __asm__ volatile("cpsie i" ::: "memory");
}

static void uart_puts(const char *s)
{
    for (; *s; s++) {
        uint32_t before = txints;
        while (UART_STATE & 1)
            ;
        UART_DATA = (uint8_t)*s;
        wait_change(&txints, before);
    }
}

int main(void)
{
    rt_print("uart-pid0", REG32(UART0 + 0xfe0));
    rt_print("timer-pid0", REG32(TIMER0 + 0xfe0));
    UART_BAUD = 16;
    UART_CTRL = 1 | 4; /* TX enable, TX interrupt enable */
    NVIC_ISER0 = 1u << UART0_TX_IRQ | 1u << 8;
    uart_puts("Hello from the CMSDK UART\n");
    rt_print("txints", txints);
    rt_print("uart-state", UART_STATE);
    rt_print("uart-ctrl", UART_CTRL);

    T_RELOAD = 5000;
    T_CTRL = 1 | 8; /* enable, interrupt enable */
    while (timerints < 3)
        wait_change(&timerints, timerints);
    rt_print("timerints", timerints);
    rt_print("timer-ctrl", T_CTRL);
    rt_print("other", other);
    return 7;
}
