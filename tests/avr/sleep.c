/* SPDX-License-Identifier: MIT */
/* Sleep and wake by interrupt: idle sleep until timer 1 compare match. */
#include <stdint.h>

#include "common.h"

static volatile uint8_t wakes;

ISR(TIMER1_COMPA_vect) { wakes++; }

int main(void)
{
    common_init();
    OCR1A = 15999;              /* every 1 ms at clk/1 */
    TCCR1A = 0;
    TCCR1B = (1 << WGM12) | 1;
    TIMSK1 = 1 << OCIE1A;
    set_sleep_mode(SLEEP_MODE_IDLE);
    sei();
    for (uint8_t i = 0; i < 5; i++) {
        sleep_mode();
        uint16_t t = TCNT1;
        printf("woke %u t=%u\n", wakes, t);
    }
    common_stop();
    return 0;
}
