/* SPDX-License-Identifier: MIT */
/*
 * Shared by the AVR guest tests: printf on USART0 and a clean stop that
 * both Tessera and simavr recognise (sleep with interrupts disabled).
 */
#ifndef TESTS_AVR_COMMON_H
#define TESTS_AVR_COMMON_H

#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include <stdio.h>

static int common_putchar(char c, FILE *f)
{
    (void)f;
    while (!(UCSR0A & (1 << UDRE0)))
        ;
    UDR0 = c;
    return 0;
}

static FILE common_out = FDEV_SETUP_STREAM(common_putchar, NULL,
                                           _FDEV_SETUP_WRITE);

static inline void common_init(void)
{
    UCSR0B = (1 << TXEN0);
    stdout = &common_out;
}

/* Waits for the last byte to leave, then sleeps forever. */
static inline void common_stop(void)
{
    while (!(UCSR0A & (1 << UDRE0)))
        ;
    cli();
    set_sleep_mode(SLEEP_MODE_IDLE);
    sleep_enable();
    sleep_cpu();
}

#endif
