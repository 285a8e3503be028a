/* SPDX-License-Identifier: MIT */
/* Runtime of the ARM guest tests: semihosting (BKPT 0xab) calls. */
#include "rt.h"

int rt_semihost(int op, void *arg)
{
    register int r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void rt_puts(const char *s)
{
    rt_semihost(0x04, (void *)s);
}

void rt_putc(char c)
{
    rt_semihost(0x03, &c);
}

void rt_hex(uint32_t v)
{
    char buf[11] = "0x";
    for (int i = 0; i < 8; i++)
        buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
    buf[10] = 0;
    rt_puts(buf);
}

void rt_dec(uint32_t v)
{
    char buf[12];
    int i = 11;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    rt_puts(buf + i);
}

void rt_print(const char *label, uint32_t v)
{
    rt_puts(label);
    rt_putc(' ');
    rt_hex(v);
    rt_putc('\n');
}

void rt_exit(int code)
{
    uint32_t blk[2] = {0x20026, (uint32_t)code};
    rt_semihost(0x20, blk);
    for (;;)
        ;
}

uint32_t rt_hash(uint32_t h, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 16777619u;
    }
    return h;
}

void default_handler(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    rt_print("unexpected exception", ipsr);
    rt_print("cfsr", SCB_CFSR);
    rt_print("hfsr", SCB_HFSR);
    rt_print("bfar", REG32(0xe000ed38));
    rt_exit(99);
}

#define WEAK __attribute__((weak, alias("default_handler")))
void nmi_handler(void) WEAK;
void hardfault_handler(void) WEAK;
void memmanage_handler(void) WEAK;
void busfault_handler(void) WEAK;
void usagefault_handler(void) WEAK;
void svc_handler(void) WEAK;
void debugmon_handler(void) WEAK;
void pendsv_handler(void) WEAK;
void systick_handler(void) WEAK;
void irq_handler(void) WEAK;

/* The compiler may call these for structure and array initialisers. */
void *memset(void *d, int c, unsigned long n)
{
    unsigned char *p = d;
    while (n--)
        *p++ = (unsigned char)c;
    return d;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}
