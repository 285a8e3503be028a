/* SPDX-License-Identifier: MIT */
/* printf over USART0 (long and float arithmetic in the formatting). */
#include "common.h"

int main(void)
{
    common_init();
    volatile long x = 123456; volatile float f = 3.25;
    printf("Hello from AVR %ld %d\n", x * 7, (int)(f * 100));
    for (int i = 0; i < 5; i++) printf("i=%d sq=%u\n", i, i*i*1000u);
    common_stop();
    return 0;
}
