/* SPDX-License-Identifier: MIT */
/*
 * The demo the README boots: prints to the virt board's NS16550A UART what
 * the CPU says about itself, then powers off through the sifive-test
 * finisher. Built freestanding with Debian's riscv64-unknown-elf-gcc.
 */
#include <stdint.h>

#define UART0 ((volatile uint8_t *)0x10000000)
#define UART_THR 0
#define UART_LSR 5
#define LSR_THRE 0x20
#define FINISHER ((volatile uint32_t *)0x100000)

static void putc_uart(char c)
{
    while (!(UART0[UART_LSR] & LSR_THRE))
        ;
    UART0[UART_THR] = (uint8_t)c;
}

static void puts_uart(const char *s)
{
    while (*s) {
        if (*s == '\n')
            putc_uart('\r');
        putc_uart(*s++);
    }
}

static void put_dec(unsigned long v)
{
    char buf[24];
    int i = 0;
    do {
        buf[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (i)
        putc_uart(buf[--i]);
}

static unsigned long read_misa(void)
{
    unsigned long v;
    __asm__ volatile("csrr %0, misa" : "=r"(v));
    return v;
}

static unsigned long read_minstret(void)
{
    unsigned long v;
    __asm__ volatile("csrr %0, minstret" : "=r"(v));
    return v;
}

int main(void);

int main(void)
{
    unsigned long misa = read_misa();
    unsigned long start = read_minstret();
    unsigned long sum = 0;

    puts_uart("Hello from a bare-metal RISC-V guest!\n");
    puts_uart("ISA: rv");
    put_dec(sizeof(long) * 8);
    for (int i = 0; i < 26; i++)
        if (misa & (1ul << i))
            putc_uart((char)('a' + i));
    puts_uart("\n");
    for (unsigned long i = 1; i <= 1000; i++)
        sum += i * i;
    puts_uart("sum of squares 1..1000 = ");
    put_dec(sum);
    puts_uart(" (computed in ");
    put_dec(read_minstret() - start);
    puts_uart(" instructions)\nPowering off.\n");
    *FINISHER = 0x5555;
    for (;;)
        ;
}
