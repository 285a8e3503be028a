/* SPDX-License-Identifier: MIT */
#include "rt.h"

#if defined(RT_BOARD_VIRT)
#define UART_BASE   0x10000000UL
#define UART_THR    0
#define UART_LSR    5
#define LSR_THRE    0x20
#define FINISHER    0x100000UL

void putch(char c)
{
    volatile uint8_t *uart = (volatile uint8_t *)UART_BASE;
    while (!(uart[UART_LSR] & LSR_THRE))
        ;
    uart[UART_THR] = (uint8_t)c;
}

_Noreturn void exit(int code)
{
    volatile uint32_t *fin = (volatile uint32_t *)FINISHER;
    *fin = code == 0 ? 0x5555 : ((uint32_t)code << 16) | 0x3333;
    for (;;)
        __asm__ volatile("wfi");
}

#elif defined(RT_BOARD_SPIKE)
/*
 * HTIF: the host watches these two words (found by symbol name). A command
 * is dev<<56 | cmd<<48 | payload; the host zeroes tohost once it has taken
 * a command, and may answer in fromhost, which we must acknowledge.
 */
volatile uint64_t tohost __attribute__((section(".tohost"), aligned(64)));
volatile uint64_t fromhost __attribute__((section(".tohost"), aligned(64)));

static void htif_send(uint64_t cmd)
{
    while (tohost != 0) {
        if (fromhost != 0)
            fromhost = 0;
    }
#if XLEN == 64
    tohost = cmd;
#else
    /* Low word first: the host acts on the write of the high word. */
    volatile uint32_t *p = (volatile uint32_t *)&tohost;
    p[0] = (uint32_t)cmd;
    p[1] = (uint32_t)(cmd >> 32);
#endif
}

void putch(char c)
{
    htif_send((1ULL << 56) | (1ULL << 48) | (uint8_t)c);
}

_Noreturn void exit(int code)
{
    htif_send(((uint64_t)code << 1) | 1);
    for (;;)
        __asm__ volatile("wfi");
}
#else
#error "define RT_BOARD_VIRT or RT_BOARD_SPIKE"
#endif

void putstr(const char *s)
{
    while (*s)
        putch(*s++);
}

void puts(const char *s)
{
    putstr(s);
    putch('\n');
}

void putx(uint64_t v)
{
    char buf[16];
    int n = 0;

    putstr("0x");
    do {
        buf[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    while (n)
        putch(buf[--n]);
}

void putu(uint64_t v)
{
    char buf[20];
    int n = 0;

    /* Divide by 10 through the 64-bit libgcc helper on rv32: also a test. */
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        putch(buf[--n]);
}

void putd(int64_t v)
{
    if (v < 0) {
        putch('-');
        putu(-(uint64_t)v);
    } else {
        putu((uint64_t)v);
    }
}

/* ---- checks ---- */

static int check_count, check_failed, check_first;

static void check_fail(int line)
{
    check_failed++;
    if (!check_first)
        check_first = check_count < 200 ? check_count : 200;
    putstr("FAIL check #");
    putd(check_count);
    putstr(" at line ");
    putd(line);
}

int check_at(int ok, int line)
{
    check_count++;
    if (!ok) {
        check_fail(line);
        putch('\n');
    }
    return ok;
}

int check_eq_at(uint64_t got, uint64_t want, int line)
{
    check_count++;
    if (got != want) {
        check_fail(line);
        putstr(": got ");
        putx(got);
        putstr(" want ");
        putx(want);
        putch('\n');
        return 0;
    }
    return 1;
}

int check_failures(void)
{
    return check_failed;
}

int check_done(const char *name)
{
    putstr(name);
    if (!check_failed) {
        putstr(": ok, ");
        putd(check_count);
        puts(" checks");
        return 0;
    }
    putstr(": ");
    putd(check_failed);
    putstr(" of ");
    putd(check_count);
    puts(" checks FAILED");
    return check_first;
}

/* ---- traps ---- */

volatile trap_hook_fn trap_hook;

uint32_t insn_bits(ulong pc)
{
    const volatile uint16_t *p = (const volatile uint16_t *)pc;
    uint32_t lo = p[0];
    if ((lo & 3) != 3)
        return lo;
    return lo | ((uint32_t)p[1] << 16);
}

int insn_len(ulong pc)
{
    return (insn_bits(pc) & 3) == 3 ? 4 : 2;
}

void trap_dispatch(struct trap_frame *f);

/* Called by trap_entry with the saved frame. */
void trap_dispatch(struct trap_frame *f)
{
    trap_hook_fn hook = trap_hook;
    if (hook && hook(f))
        return;
    putstr("unexpected trap: mcause=");
    putx(f->mcause);
    putstr(" mepc=");
    putx(f->mepc);
    putstr(" mtval=");
    putx(f->mtval);
    putch('\n');
    exit(201);
}

/* gcc may emit calls to these even when freestanding. */
void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;
    while (n--)
        *p++ = (uint8_t)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

/* Harts other than 0 come here once .bss is clear; programs that use more
 * than one hart define their own. */
__attribute__((weak)) void secondary_main(ulong hartid)
{
    (void)hartid;
    for (;;)
        __asm__ volatile("wfi");
}
