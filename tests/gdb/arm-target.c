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

#ifdef __ARM_FP
/* The "arm-fp" scenario (Cortex-M4, hard float): gdb reads s0/s1 and
 * fpscr and changes s1 before the multiply. */
__attribute__((noinline)) float fmuladd(float a, float b, float c)
{
    return a * b + c;
}
#endif

int main(void)
{
    uint32_t x = add(2, 3);
    x = add(x, 4);
    poke(0x5a);
#ifdef __ARM_FP
    REG32(0xe000ed88) |= 0xfu << 20; /* CPACR: CP10, CP11 */
    __asm__ volatile("dsb\n\tisb");
    float r = fmuladd(1.5f, 2.0f, 0.25f);
    return x == 9 && r == 6.25f ? 0 : 1; /* gdb made b 4.0 */
#else
    return x == 9 ? 0 : 1;
#endif
}
