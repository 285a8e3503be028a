/* SPDX-License-Identifier: MIT */
/* Watchdog reset: the first run arms a 15 ms watchdog and spins; after
 * the reset MCUSR says WDRF, and EEPROM (which survives resets) says
 * which run this is. */
#include <avr/eeprom.h>
#include <avr/wdt.h>
#include <stdint.h>

#include "common.h"

static uint8_t EEMEM stage;

int main(void)
{
    uint8_t cause = MCUSR;
    MCUSR = 0;
    wdt_disable();
    common_init();
    uint8_t s = eeprom_read_byte(&stage);
    printf("start stage=%u wdrf=%u\n", s, (cause & (1 << WDRF)) ? 1 : 0);
    if (s == 0) {
        eeprom_write_byte(&stage, 1);
        eeprom_busy_wait();
        wdt_enable(WDTO_15MS);
        for (;;)
            ; /* the watchdog resets us */
    }
    printf("after reset\n");
    common_stop();
    return 0;
}
