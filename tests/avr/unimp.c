/* SPDX-License-Identifier: MIT */
/* Touches the ADC, which no device models: -d unimp must say so. */
#include "common.h"

int main(void)
{
    common_init();
    ADCSRA = 0x87;
    uint8_t v = ADCL;
    printf("adc %u\n", v);
    common_stop();
    return 0;
}
