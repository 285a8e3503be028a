/* SPDX-License-Identifier: MIT */
/* ATmega2560: 150 KB of flash tables push the code above 128 KiB, so
 * calls use 3-byte return addresses, function pointers go through
 * avr-gcc's EIND trampolines (EICALL/EIJMP), and ELPM reads far data. */
#include <avr/pgmspace.h>
#include <stdint.h>

#include "common.h"

#define BLOCK(n) \
    const uint8_t blk##n[30000] PROGMEM __attribute__((used)) = {n, 1, 2, 3};
BLOCK(1) BLOCK(2) BLOCK(3) BLOCK(4) BLOCK(5)

__attribute__((noinline)) static uint16_t far_add(uint16_t a, uint16_t b)
{
    return a + b * 3;
}

__attribute__((noinline)) static uint16_t far_rec(uint8_t n)
{
    return n ? n + far_rec(n - 1) : 0;
}

static uint16_t (*volatile fp)(uint16_t, uint16_t) = far_add;

int main(void)
{
    common_init();
    printf("far_add=%u\n", fp(100, 7));
    printf("far_rec=%u\n", far_rec(20));
    uint32_t a = pgm_get_far_address(blk5);
    printf("blk5 at 0x%05lx: %u %u\n", (unsigned long)a,
           pgm_read_byte_far(a), pgm_read_byte_far(a + 3));
    uint32_t b = pgm_get_far_address(blk1);
    printf("blk1 at 0x%05lx: %u %u\n", (unsigned long)b,
           pgm_read_byte_far(b), pgm_read_byte_far(b + 2));
    common_stop();
    return 0;
}
