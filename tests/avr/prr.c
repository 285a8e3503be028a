/* SPDX-License-Identifier: MIT */
/*
 * Power reduction register: a timer or USART whose PRR bit is set stops,
 * and its registers read 0 and ignore writes (datasheet, "Power Reduction
 * Register"). simavr does not gate clocks by PRR, so this is checked
 * against the datasheet's behaviour on Tessera only (run-avr.sh).
 */
#include <stdint.h>

#include "common.h"

#ifdef PRR0
#define PRR_REG PRR0
#else
#define PRR_REG PRR
#endif

static void spin(void)
{
    for (volatile uint16_t i = 0; i < 2000; i++)
        ;
}

int main(void)
{
    common_init();
    TCCR1B = 1; /* clk/1 */
    uint16_t a = TCNT1;
    PRR_REG |= 1 << PRTIM1;
    uint16_t off = TCNT1;
    spin();
    PRR_REG &= (uint8_t)~(1 << PRTIM1);
    uint16_t b = TCNT1;
    printf("prr=0x%02x off-read=%u frozen=%d\n", PRR_REG, off,
           (uint16_t)(b - a) < 64);
    uint16_t c = TCNT1;
    spin();
    printf("counting again=%d\n", (uint16_t)(TCNT1 - c) > 1000);

    TCCR1B = 0;
    TCNT1 = 100;
    PRR_REG |= 1 << PRTIM1;
    TCNT1 = 1234;
    PRR_REG &= (uint8_t)~(1 << PRTIM1);
    printf("write while off ignored: TCNT1=%u\n", TCNT1);

    /* A USART without a clock does not transmit. */
    while (!(UCSR0A & (1 << UDRE0)))
        ;
    PRR_REG |= 1 << PRUSART0;
    UDR0 = 'X';
    uint8_t st = UCSR0A;
    PRR_REG &= (uint8_t)~(1 << PRUSART0);
    printf("usart off: UCSR0A read %u, nothing sent\n", st);

    /* Timer 0 overflow interrupts stop while PRTIM0 is set. */
    TCCR0B = 1;
    TIFR0 = 1 << TOV0;
    PRR_REG |= 1 << PRTIM0;
    spin();
    PRR_REG &= (uint8_t)~(1 << PRTIM0);
    printf("timer0 off: TOV0=%d\n", (TIFR0 >> TOV0) & 1);
#ifdef PRR1
    /* The second register of the mega: PRTIM3 freezes timer 3. */
    TCCR3B = 1;
    PRR1 |= 1 << PRTIM3;
    spin();
    uint16_t t3 = TCNT3;
    PRR1 &= (uint8_t)~(1 << PRTIM3);
    printf("timer3 off: read %u, prr1=0x%02x\n", t3, PRR1);
#endif
    common_stop();
    return 0;
}
