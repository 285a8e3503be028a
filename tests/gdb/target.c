/* SPDX-License-Identifier: MIT */
/*
 * The guest that tests/gdb/run-gdb.py debugs with gdb-multiarch: a few
 * functions to break in, step through and finish, a 16-byte object to
 * watch, and per-hart counters for thread tests. Exits through the virt
 * board's sifive-test finisher.
 */
#include <stdint.h>

struct blob {
    uint8_t b[16];
};

volatile struct blob watched;
volatile unsigned long counters[8];
volatile int result;

__attribute__((noinline)) int add(int a, int b)
{
    int s = a + b;
    return s;
}

__attribute__((noinline)) void poke(int i)
{
    watched.b[i] = 0x5a;
}

__attribute__((noinline)) int compute(void)
{
    int x = add(2, 3);
    int y = add(x, 4);
    return y;
}

void worker(unsigned long hart)
{
    for (;;)
        counters[hart & 7]++;
}

int main(void)
{
    result = compute();
    /* Long enough (several scheduler quanta) for -smp harts to run. */
    for (int i = 0; i < 300000; i++)
        counters[0]++;
    poke(5);
    return result == 9 ? 0 : 1;
}

void finish(int code)
{
    /* sifive-test: 0x5555 passes, (code << 16) | 0x3333 fails. */
    volatile uint32_t *test = (volatile uint32_t *)0x100000;
    *test = code ? ((uint32_t)code << 16) | 0x3333 : 0x5555;
    for (;;)
        ;
}
