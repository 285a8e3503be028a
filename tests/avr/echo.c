/* SPDX-License-Identifier: MIT */
/* USART receive: an RX-complete interrupt fills a buffer; main echoes the
 * line in upper case, then stops at '.'. */
#include <stdint.h>

#include "common.h"

static volatile uint8_t buf[64], head, tail;

#ifdef USART0_RX_vect
ISR(USART0_RX_vect)
#else
ISR(USART_RX_vect)
#endif
{
    buf[head++ & 63] = UDR0;
}

int main(void)
{
    common_init();
    UCSR0B |= (1 << RXEN0) | (1 << RXCIE0);
    sei();
    printf("ready\n");
    for (;;) {
        while (head == tail)
            ;
        char c = (char)buf[tail++ & 63];
        if (c == '.')
            break;
        putchar(c >= 'a' && c <= 'z' ? c - 32 : c);
    }
    printf("\nbye\n");
    common_stop();
    return 0;
}
