/* SPDX-License-Identifier: MIT */
/*
 * The AVR guest of tests/gdb/run-gdb.py: a function to break in, data in
 * SRAM and a string in flash. Ends asleep with interrupts off, which ends
 * the run with status 0.
 */
#include <avr/interrupt.h>
#include <avr/pgmspace.h>
#include <avr/sleep.h>
#include <stdint.h>

const char msg[] PROGMEM = "TESSERA";
volatile uint8_t buf[8];

__attribute__((noinline)) uint8_t twice(uint8_t v)
{
    uint8_t r = (uint8_t)(v * 2);
    return r;
}

int main(void)
{
    buf[0] = 1;
    buf[1] = twice(buf[0]) + 4;
    for (uint8_t i = 2; i < 8; i++)
        buf[i] = (uint8_t)pgm_read_byte(&msg[i]);
    cli();
    sleep_enable();
    sleep_cpu();
    return 0;
}
