/* SPDX-License-Identifier: MIT */
/* Timer interrupts counting ticks: timer0 overflow, timer1 CTC, timer2
 * compare, with counter values read when the main loop sees the count. */
#include <stdint.h>

#include "common.h"

static volatile uint16_t t0_ovf, t1_compa, t2_compa;
static volatile uint16_t when[4];

ISR(TIMER0_OVF_vect) { t0_ovf++; }
ISR(TIMER1_COMPA_vect)
{
    if (t1_compa < 4)
        when[t1_compa] = TCNT0;
    t1_compa++;
}
ISR(TIMER2_COMPA_vect) { t2_compa++; }

int main(void)
{
    common_init();
    TCCR0A = 0;
    TCCR0B = 3;                 /* normal, clk/64: overflow every 1024 us */
    TIMSK0 = 1 << TOIE0;
    OCR1A = 19999;              /* CTC at clk/8: every 10 ms */
    TCCR1A = 0;
    TCCR1B = (1 << WGM12) | 2;
    TIMSK1 = 1 << OCIE1A;
    OCR2A = 124;                /* CTC at clk/128: every 1 ms */
    TCCR2A = 1 << WGM21;
    TCCR2B = 5;
    TIMSK2 = 1 << OCIE2A;
    sei();
    while (t1_compa < 10)
        ;
    cli();
    uint16_t a = t0_ovf, b = t1_compa, c = t2_compa, n1 = TCNT1;
    uint8_t n0 = TCNT0, n2 = TCNT2;
    printf("t0_ovf=%u t1_compa=%u t2_compa=%u\n", a, b, c);
    printf("tcnt0=%u tcnt1=%u tcnt2=%u\n", n0, n1, n2);
    for (uint8_t i = 0; i < 4; i++)
        printf("when[%u]=%u\n", i, when[i]);
    /* Fast PWM on timer 1, TOP=ICR1 (mode 14): overflows at TOP. */
    uint16_t ovf = 0;
    ICR1 = 1000;
    TCNT1 = 0;
    TIFR1 = 0xff;
    TCCR1A = 1 << WGM11;
    TCCR1B = (1 << WGM13) | (1 << WGM12) | 1;
    for (uint8_t i = 0; i < 5; i++) {
        while (!(TIFR1 & (1 << TOV1)))
            ;
        TIFR1 = 1 << TOV1;
        ovf++;
    }
    printf("pwm ovf=%u\n", ovf);
    common_stop();
    return 0;
}
