/* SPDX-License-Identifier: MIT */
/*
 * Sleep modes stop the clocks the datasheet says they stop: timer 1 (I/O
 * clock) freezes in power-save, ADC noise reduction and power-down, timer 2
 * (asynchronous domain) wakes the CPU from power-save, ADC noise
 * reduction and extended standby, the watchdog interrupt from power-down. Last, power-down with
 * only timer 0's overflow enabled can never wake, and the run ends.
 * simavr keeps every clock running in every sleep mode, so run-avr.sh
 * checks this against the datasheet on Tessera only.
 */
#include <stdint.h>

#include <avr/wdt.h>

#include "common.h"

#ifndef SLEEP_MODE_EXT_STANDBY /* avr-libc leaves it out for the ATmega168 */
#define SLEEP_MODE_EXT_STANDBY (_BV(SM0) | _BV(SM1) | _BV(SM2))
#endif

static volatile uint8_t t2, wd, t0;

ISR(TIMER2_OVF_vect) { t2++; }
ISR(WDT_vect) { wd++; }
ISR(TIMER0_OVF_vect) { t0++; }

static void nap(uint8_t mode, const char *name)
{
    while (!(UCSR0A & (1 << UDRE0)))
        ;
    uint16_t a = TCNT1;
    set_sleep_mode(mode);
    sleep_mode();
    uint16_t b = TCNT1;
    printf("%s: t2=%u wdt=%u timer1 stopped=%d\n", name, t2, wd,
           (uint16_t)(b - a) < 4);
}

int main(void)
{
    common_init();
    TCCR1B = 5; /* timer 1 at clk/1024 measures the I/O clock */
    TCCR2B = 7; /* timer 2 overflows every 256 * 1024 cycles */
    TIMSK2 = 1 << TOIE2;
    sei();
    nap(SLEEP_MODE_IDLE, "idle");
    nap(SLEEP_MODE_PWR_SAVE, "power-save");
    nap(SLEEP_MODE_ADC, "adc noise reduction");
    nap(SLEEP_MODE_EXT_STANDBY, "extended standby");
    TIMSK2 = 0;
    /* Watchdog interrupt mode, 16 ms. */
    WDTCSR = (1 << WDCE) | (1 << WDE);
    WDTCSR = 1 << WDIE;
    nap(SLEEP_MODE_PWR_DOWN, "power-down");
    WDTCSR = (1 << WDCE) | (1 << WDE);
    WDTCSR = 0;
    TCCR0B = 1;
    TIMSK0 = 1 << TOIE0;
    printf("power-down with only timer 0: never wakes\n");
    while (!(UCSR0A & (1 << UDRE0)))
        ;
    set_sleep_mode(SLEEP_MODE_PWR_DOWN);
    sleep_mode();
    printf("woke, t0=%u (wrong)\n", t0);
    common_stop();
    return 0;
}
