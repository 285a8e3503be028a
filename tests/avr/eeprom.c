/* SPDX-License-Identifier: MIT */
/* EEPROM: initial contents from the ELF's .eeprom, cells it does not set
 * (erased: 0xff), write then read back. */
#include <avr/eeprom.h>
#include <stdint.h>

#include "common.h"

static uint8_t EEMEM preset[4] = {0x11, 0x22, 0x33, 0x44};
static uint16_t EEMEM word;

int main(void)
{
    common_init();
    for (uint8_t i = 0; i < 4; i++)
        printf("preset[%u]=0x%02x\n", i, eeprom_read_byte(&preset[i]));
    printf("erased[100]=0x%02x\n", eeprom_read_byte((const uint8_t *)100));
    eeprom_write_byte(&preset[1], 0xa5);
    eeprom_write_word(&word, 0xbeef);
    printf("after write: 0x%02x 0x%04x\n", eeprom_read_byte(&preset[1]),
           eeprom_read_word(&word));
    uint8_t buf[8];
    for (uint8_t i = 0; i < 8; i++)
        buf[i] = (uint8_t)(i * 37);
    eeprom_write_block(buf, (void *)32, sizeof(buf));
    uint8_t back[8];
    eeprom_read_block(back, (const void *)32, sizeof(back));
    for (uint8_t i = 0; i < 8; i++)
        printf("%u ", back[i]);
    printf("\n");
    common_stop();
    return 0;
}
