/* SPDX-License-Identifier: MIT */
/* Cycle counts: Timer1 at clk/1 read around known code paths. */
#include <avr/pgmspace.h>
#include <stdint.h>

#include "common.h"

static const uint8_t table[] PROGMEM = {1, 2, 3, 4, 5, 6, 7, 8};
volatile uint8_t sink8;
volatile uint16_t sink16;
volatile uint32_t sink32;

__attribute__((noinline)) static uint16_t fn(uint16_t a)
{
    return a * 3 + 1;
}

#define MEASURE(name, code)                                               \
    do {                                                                  \
        uint16_t t0, t1;                                                  \
        t0 = TCNT1;                                                       \
        code;                                                             \
        t1 = TCNT1;                                                       \
        printf("%s %u\n", name, (unsigned)(t1 - t0));                     \
    } while (0)

int main(void)
{
    common_init();
    TCCR1A = 0;
    TCCR1B = 1; /* clk/1 */
    MEASURE("empty", );
    MEASURE("nops", __asm__ volatile("nop\n nop\n nop"));
    MEASURE("loop8", for (uint8_t i = 0; i < 8; i++) sink8 = i);
    MEASURE("mul16", sink16 = sink16 * 77u);
    MEASURE("mul32", sink32 = sink32 * 12345ul);
    MEASURE("div32", sink32 = sink32 / 17ul);
    MEASURE("call", sink16 = fn(sink16));
    uint8_t s = 0;
    MEASURE("lpm", for (uint8_t i = 0; i < 8; i++) s += pgm_read_byte(&table[i]));
    sink8 = s;
    MEASURE("branches", for (uint8_t i = 0; i < 20; i++) if (i & 1) sink8 = i; else sink8 = 0);
    MEASURE("float", { volatile float f = 1.5f; f = f * 3.25f + 0.5f; sink16 = (uint16_t)f; });
    uint8_t buf[16];
    MEASURE("memcpy", { for (uint8_t i = 0; i < 16; i++) buf[i] = i; });
    sink8 = buf[3];
    MEASURE("skip", __asm__ volatile("clr r24\n sbrs r24, 0\n nop\n cpse r24, r24\n nop\n sbrc r24, 1\n lds r24, sink8\n" ::: "r24"));
    printf("s=%u %u %lu\n", s, sink16, (unsigned long)sink32);
    common_stop();
    return 0;
}
