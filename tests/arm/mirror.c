/* SPDX-License-Identifier: MIT */
/*
 * The MPS2 boards' RAM mirrors (QEMU's memory map): SSRAM1 at 0 again at
 * 4M, SSRAM2/3 at 0x20000000 again at 0x20400000 and, on the AN385/AN386
 * (not the AN500, whose CPU is a Cortex-M7), the 16K block RAM at
 * 0x01000000 repeated up to 64K. Data written through one view reads back
 * through the other; code written through one view runs through the
 * other, and rewriting it through either view changes what runs through
 * both (translated code follows the bytes, not the address). Also the
 * blocks QEMU leaves unimplemented (I2S, VGA): they read as 0 whatever was
 * written. The output must be qemu-system-arm's.
 */
#include "rt/rt.h"

#define W32(a) REG32(a)
#define CODE 0x00300000u   /* in SSRAM1, far above the program */
#define MIRROR 0x00400000u /* SSRAM1's mirror offset */

static void line(const char *what, uint32_t v)
{
    rt_puts(what);
    rt_putc(' ');
    rt_hex(v);
    rt_putc('\n');
}

/* "movs r0, #n; bx lr" at a (halfwords, little-endian). */
static void put_code(uint32_t a, unsigned n)
{
    W32(a) = (0x4770u << 16) | 0x2000u | (n & 0xff);
    __asm__ volatile("dsb\n\tisb" ::: "memory");
}

static uint32_t call(uint32_t a)
{
    uint32_t (*f)(void) = (uint32_t (*)(void))(a | 1);
    return f();
}

int main(void)
{
    W32(0x20000100) = 0x11223344;
    line("ssram23 -> mirror", W32(0x20400100));
    W32(0x20400104) = 0x55667788;
    line("mirror -> ssram23", W32(0x20000104));
    W32(0x00200000) = 0xcafef00d;
    line("ssram1 -> mirror", W32(0x00600000));

    uint32_t cpuid = REG32(0xe000ed00);
    if (((cpuid >> 4) & 0xfff) != 0xc27) {
        W32(0x01000010) = 0xa5a5a5a5;
        line("blockram -> mirror 1", W32(0x01004010));
        line("blockram -> mirror 2", W32(0x01008010));
        W32(0x0100c014) = 0x5a5a5a5a;
        line("mirror 3 -> blockram", W32(0x01000014));
    }

    put_code(CODE, 5);
    line("run through the mirror", call(CODE + MIRROR));
    line("run at the address", call(CODE));
    put_code(CODE, 7);
    line("rewritten at the address, run through the mirror",
         call(CODE + MIRROR));
    put_code(CODE + MIRROR, 9);
    line("rewritten through the mirror, run at the address", call(CODE));
    line("and through the mirror", call(CODE + MIRROR));
    /* A loop that runs many times through the mirror between rewrites. */
    uint32_t sum = 0;
    for (unsigned i = 0; i < 300; i++) {
        if (i % 100 == 0)
            put_code(i & 1 ? CODE : CODE + MIRROR, i / 100 + 1);
        sum += call(i & 1 ? CODE + MIRROR : CODE);
    }
    line("sum", sum);

    W32(0x40024000) = 5;
    line("i2s", W32(0x40024000));
    W32(0x41000010) = 7;
    line("vga", W32(0x41000010));
    return 0;
}
