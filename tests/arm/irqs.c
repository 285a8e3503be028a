/* SPDX-License-Identifier: MIT */
/*
 * Which NVIC inputs the five MPS2 UARTs raise: each UART's TX interrupt,
 * read from the NVIC's pending registers with PRIMASK set. The numbers
 * printed must be qemu-system-arm's on each board (AN385/386/500: 1, 3,
 * 5, 19, 21; AN511, where TX and RX share one: 0, 2, 45, 46, 56). The
 * overrun interrupts (12) cannot be reached: QEMU's UARTs never overrun.
 */
#include "rt/rt.h"

#ifdef AN511
static const uint32_t uart[5] = {0x40004000u, 0x40005000u, 0x4002c000u,
                                 0x4002d000u, 0x4002e000u};
#else
static const uint32_t uart[5] = {0x40004000u, 0x40005000u, 0x40006000u,
                                 0x40007000u, 0x40009000u};
#endif
#define U(n, o) REG32(uart[n] + (o))
#define NVIC_ISPR(n) REG32(0xe000e200 + 4 * (n))
#define NVIC_ICPR(n) REG32(0xe000e280 + 4 * (n))

static void pending(const char *what, unsigned n)
{
    rt_puts(what);
    rt_putc(' ');
    rt_dec(n);
    rt_putc(' ');
    rt_hex(NVIC_ISPR(0));
    rt_putc(' ');
    rt_hex(NVIC_ISPR(1));
    rt_putc('\n');
}

static void clear(void)
{
    NVIC_ICPR(0) = 0xffffffffu;
    NVIC_ICPR(1) = 0xffffffffu;
}

int main(void)
{
    __asm__ volatile("cpsid i" ::: "memory");
    clear();
    for (unsigned n = 0; n < 5; n++) {
        U(n, 0x10) = 16;
        U(n, 0x08) = 1 | 4; /* TX enable, TX interrupt enable */
        U(n, 0x00) = 'a' + n;
        for (unsigned i = 0; i < 100000 && (U(n, 0x04) & 1); i++)
            ;
        pending("tx", n);
        U(n, 0x0c) = 0xf;
        U(n, 0x08) = 0;
        clear();
        pending("cleared", n);
    }
    return 0;
}
