/* SPDX-License-Identifier: MIT */
/* The ARM M-profile guest of tests/gdb/run-gdb.py ("arm"), on mps2-an385
 * with the runtime of tests/arm (semihosting exit). */
#include "rt/rt.h"

volatile uint32_t watched;

__attribute__((noinline)) uint32_t add(uint32_t a, uint32_t b)
{
    return a + b;
}

__attribute__((noinline)) void poke(uint32_t v)
{
    watched = v;
}

int main(void)
{
    uint32_t x = add(2, 3);
    x = add(x, 4);
    poke(0x5a);
    return x == 9 ? 0 : 1;
}
