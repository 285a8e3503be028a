/* SPDX-License-Identifier: MIT */
/* External interrupts triggered by driving the INT pins as outputs:
 * INT0 on falling edges, INT1 on any change, then sleep and wake by INT0. */
#include <stdint.h>

#include "common.h"

#if defined(__AVR_ATmega1280__) || defined(__AVR_ATmega2560__)
#define INT0_BIT 0 /* PD0 */
#define INT1_BIT 1 /* PD1 */
#else
#define INT0_BIT 2 /* PD2 */
#define INT1_BIT 3 /* PD3 */
#endif

static volatile uint8_t n0, n1;

ISR(INT0_vect) { n0++; }
ISR(INT1_vect) { n1++; }

int main(void)
{
    common_init();
    DDRD |= (1 << INT0_BIT) | (1 << INT1_BIT);
    PORTD |= 1 << INT0_BIT;
    EICRA = (2 << ISC00) | (1 << ISC10); /* INT0 falling, INT1 any change */
    EIFR = 3;
    EIMSK = 3;
    sei();
    for (uint8_t i = 0; i < 3; i++) {
        PORTD &= ~(1 << INT0_BIT); /* falling: counts */
        PORTD |= 1 << INT0_BIT;    /* rising: does not */
        PIND = 1 << INT1_BIT;      /* toggle: counts */
    }
    printf("int0=%u int1=%u eifr=%u\n", n0, n1, EIFR);
    /* A falling edge while interrupts are off stays pending; SEI lets the
     * SLEEP after it run first, and the pending INT0 wakes the CPU. */
    set_sleep_mode(SLEEP_MODE_IDLE);
    cli();
    PORTD &= ~(1 << INT0_BIT);
    sleep_enable();
    sei();
    sleep_cpu();
    sleep_disable();
    printf("woke int0=%u\n", n0);
    common_stop();
    return 0;
}
