/* SPDX-License-Identifier: MIT */
/* Toggles PB5 (the Uno's LED) every 1000 cycles, with PINB writes and
 * SBI on PINB, for the VCD trace test. */
#include <util/delay_basic.h>

#include "common.h"

int main(void)
{
    DDRB = 1 << 5;
    for (uint8_t i = 0; i < 4; i++) {
        PINB = 1 << 5;         /* toggle by writing PINB */
        _delay_loop_2(250);    /* 4 cycles per iteration */
    }
    common_stop();
    return 0;
}
